#!/bin/sh
# T3: the Linux guest (docs/linux.md). Boots Debian's kernel (o/linux,
# made by `make linux-guest`; LINUX_KERNEL: o/linux/vmlinux, the
# uncompressed kernel through PVH, by default -- the bzImage o/linux/vmlinuz
# boots the same way but spends two thirds of its time decompressing, too
# slow for a dbg or asan build) with the initramfs whose /init runs
# tests/linux/checks.sh and then `poweroff -f`, and reports:
#  - the checks' own PASS:/FAIL: lines (vCPUs online, cpuinfo flags,
#    clocksource, sleep on virtual time, a workload on every CPU);
#  - that poweroff ended nestbox with status 0;
#  - that the boot log has no WARNING, BUG, Oops, call trace or segfault.
# LINUX_SMP (default 2) vCPUs, LINUX_MEM (default 256M) RAM.
# The optimised build boots it (make test builds o/rel/nestbox for this
# tier): a dbg or sanitizer build takes many minutes.
O=${O:-o/dbg}
NB=${NB:-o/rel/nestbox}
[ -x "$NB" ] || NB=$O/nestbox
dir=${LINUX_DIR:-o/linux}
smp=${LINUX_SMP:-2}
mem=${LINUX_MEM:-256M}
log=$O/linux-boot.log
kernel=${LINUX_KERNEL:-$dir/vmlinux}
if [ ! -s "$kernel" ] || [ ! -s "$dir/initrd.cpio" ]; then
	echo "FAIL: linux: $kernel or $dir/initrd.cpio is missing (make linux-guest)"
	exit 1
fi
# bad inputs end with status 1 and a clear message, before any guest code
tmp=${TMPDIR:-/tmp}/nestbox-linux.$$
trap 'rm -f "$tmp.bz" "$tmp.snap" "$tmp.snap2" "$tmp.end" "$tmp.out1" "$tmp.out2" "$tmp.out3" "$tmp.reboot" "$tmp.whole"' EXIT INT TERM
head -c 100000 "$dir/vmlinuz" > "$tmp.bz"
expect_error() { # name pattern nestbox-args...
	name=$1 pat=$2; shift 2
	out=$("$NB" -display none "$@" 2>&1 < /dev/null); st=$?
	if [ "$st" -eq 1 ] && echo "$out" | grep -q "$pat"; then
		echo "PASS: linux: $name: status 1, \"$pat\""
	else
		echo "FAIL: linux: $name: status $st, $out"
	fi
}
expect_error "truncated bzImage" "truncated bzImage" -kernel "$tmp.bz"
expect_error "initrd too big for memory" "initrd too big for memory" -m 128M \
	-kernel "$dir/vmlinuz" -initrd "$kernel"
expect_error "RAM smaller than the kernel's init_size" "use a larger -m" -m 32M \
	-kernel "$dir/vmlinuz"

timeout "${LINUX_TIMEOUT:-1200}" "$NB" -smp "$smp" -m "$mem" -kernel "$kernel" \
	-initrd "$dir/initrd.cpio" -append "console=ttyS0 nestbox.test nestbox.ncpus=$smp" \
	-serial stdio -display none -no-reboot -snapshot-save "$tmp.end" > "$log" 2>&1 < /dev/null
status=$?
grep -a -E '^(PASS|FAIL):' "$log"
if [ "$status" -eq 0 ]; then
	echo "PASS: linux: poweroff -f ended nestbox with status 0"
else
	echo "FAIL: linux: nestbox exited with status $status (log: $log)"
	tail -n 5 "$log" | sed 's/^/  /'
fi
grep -aq '^nestbox.checks done' "$log" || echo "FAIL: linux: the checks did not finish (log: $log)"
bad=$(grep -a -v -E '^(PASS|FAIL):' "$log" |
	grep -a -E 'WARNING:|BUG:|Oops|Call Trace:|segfault|Segmentation fault|failed with error' | head -n 3)
if [ -z "$bad" ]; then
	echo "PASS: linux: no warning, BUG, oops, call trace or segfault in the boot log"
else
	echo "FAIL: linux: the boot log has: $bad"
fi

# Snapshots (docs/snapshot.md): the same boot stopped twice, each time saved
# and loaded in a new process -- in the middle of the boot (instruction
# $at), and at the shell (100 M instructions before the end of the whole
# run, while /checks.sh runs in the shell) -- gives the whole boot log,
# byte for byte, and the last process powers off with status 0.
at=${LINUX_SNAP_AT:-1500000000}
total=$("$NB" -snapshot-info "$tmp.end" 2>/dev/null | sed -n 's/^run: .*, \([0-9]*\) instructions,.*/\1/p')
at2=$(( ${total:-0} - 100000000 ))
"$NB" -smp "$smp" -m "$mem" -kernel "$kernel" -initrd "$dir/initrd.cpio" \
	-append "console=ttyS0 nestbox.test nestbox.ncpus=$smp" -serial stdio -display none \
	-no-reboot -snapshot-save "$tmp.snap,at=$at,then=stop" > "$tmp.out1" 2>/dev/null < /dev/null
st1=$?
timeout "${LINUX_TIMEOUT:-1200}" "$NB" -snapshot-load "$tmp.snap" -serial stdio -display none \
	-no-reboot -snapshot-save "$tmp.snap2,at=$at2,then=stop" > "$tmp.out2" 2>/dev/null < /dev/null
st2=$?
timeout "${LINUX_TIMEOUT:-1200}" "$NB" -snapshot-load "$tmp.snap2" -serial stdio -display none \
	-no-reboot > "$tmp.out3" 2>/dev/null < /dev/null
st3=$?
if [ "$at2" -gt "$at" ] && grep -aq '^PASS: ' "$tmp.out2" && [ "$st1" -eq 0 ] && [ "$st2" -eq 0 ] &&
	[ "$st3" -eq 0 ] && cat "$tmp.out1" "$tmp.out2" "$tmp.out3" |
	cmp -s - "$(grep -av '^nestbox: snapshot saved to ' "$log" > "$tmp.whole"; echo "$tmp.whole")"; then
	echo "PASS: linux: saved at instruction $at (mid-boot) and at $at2 (in the shell), each loaded: the same boot log, status 0"
else
	echo "FAIL: linux: saved at instruction $at (status $st1) and $at2 of $total (status $st2)," \
		"loaded (status $st3): the output differs from the whole boot's, or $at2 is not in the shell"
fi

# reboot: `reboot -f` in the guest resets the machine through the ACPI reset
# register or the keyboard controller, which with -no-reboot ends nestbox
# with status 0 (README "Exit status")
timeout "${LINUX_TIMEOUT:-1200}" "$NB" -smp "$smp" -m "$mem" -kernel "$kernel" \
	-initrd "$dir/initrd.cpio" -append "console=ttyS0 nestbox.reboot" \
	-serial stdio -display none -no-reboot > "$tmp.reboot" 2>&1 < /dev/null
st=$?
if [ "$st" -eq 0 ] && grep -aq 'reboot: Restarting system' "$tmp.reboot"; then
	echo "PASS: linux: reboot -f ended nestbox with status 0"
else
	echo "FAIL: linux: reboot -f: nestbox exited with status $st"
	tail -n 5 "$tmp.reboot" | sed 's/^/  /'
fi
