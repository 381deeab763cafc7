#!/bin/sh
# T3: Linux with KVM as L1 (docs/linux.md "Linux with KVM as L1") -- the
# end-to-end nested test. Debian's kernel boots on nestbox with the KVM
# initramfs (o/linux/initrd-kvm.cpio: Debian's kvm, kvm-intel, kvm-amd
# modules and tests/linux/kvmtest.c); its /init (nestbox.kvm) loads
# kvm_intel or kvm_amd and runs kvmtest, whose L2 guests run under L1's KVM
# on nestbox's VMX or SVM. Reports:
#  - kvmtest's PASS:/FAIL: lines and that it finished with 0 failed;
#  - that poweroff ended nestbox with status 0;
#  - that the boot log has no WARNING, BUG, Oops, call trace or segfault;
#  - (VMX) that the run saved in the middle of kvmtest's L2 exit loop and
#    loaded in a new process prints the rest of the log byte for byte;
#  - that the same kernel boots as L2 under L1's KVM (kvmlinux), under VMX
#    and under SVM.
# VMX: -cpu max,+vmx -smp 2. SVM: kvm_amd wants an AMD CPU, so -cpu
# EPYC,+svm,+vgif (EPYC's own SVM sub-features lack vGIF), -smp 2.
O=${O:-o/dbg}
NB=${NB:-o/rel/nestbox}
[ -x "$NB" ] || NB=$O/nestbox
dir=${LINUX_DIR:-o/linux}
kernel=${LINUX_KERNEL:-$dir/vmlinux}
initrd=$dir/initrd-kvm.cpio
if [ ! -s "$kernel" ] || [ ! -s "$initrd" ]; then
	echo "FAIL: linux-kvm: $kernel or $initrd is missing (make linux-guest)"
	exit 1
fi
tmp=${TMPDIR:-/tmp}/nestbox-kvm.$$
trap 'rm -f "$tmp".*' EXIT INT TERM

# $log's lines other than the PASS/FAIL ones match none of PATTERN (the SRSO
# line is the kernel's advice for family 17h (EPYC) CPUs: the same kernel
# prints it under QEMU with the same -cpu)
log_clean() { # label pattern what
	bad=$(grep -a -v -E '^(PASS|FAIL):' "$log" | grep -a -v 'Speculative Return Stack Overflow' |
		grep -a -E "$2" | head -n 3)
	if [ -z "$bad" ]; then
		echo "PASS: linux-kvm: $1$3"
	else
		echo "FAIL: linux-kvm: $1the log has: $bad"
	fi
}

boot() { # name cpu smp extra-args... -- output in $O/linux-kvm-NAME.log
	name=$1 cpu=$2 smp=$3; shift 3
	log=$O/linux-kvm-$name.log
	timeout "${LINUX_TIMEOUT:-1200}" "$NB" -cpu "$cpu" -smp "$smp" -m 512M -kernel "$kernel" \
		-initrd "$initrd" -append "console=ttyS0 nestbox.kvm" -serial stdio -display none \
		-no-reboot "$@" > "$log" 2>&1 < /dev/null
	status=$?
	grep -a -E '^(PASS|FAIL):' "$log" | sed "s/^\(PASS\|FAIL\): kvm:/\1: linux-kvm: $name:/"
	if [ "$status" -eq 0 ] && grep -aq '^kvmtest: 0 failed' "$log"; then
		echo "PASS: linux-kvm: $name: kvmtest finished with 0 failed, poweroff status 0"
	else
		echo "FAIL: linux-kvm: $name: kvmtest did not finish cleanly, status $status (log: $log)"
		tail -n 5 "$log" | sed 's/^/  /'
	fi
	log_clean "$name: " 'WARNING:|BUG:|Oops|Call Trace:|segfault|Segmentation fault|failed with error' \
		"no warning, BUG, oops, call trace or segfault in the log"
}

boot vmx max,+vmx 2 -snapshot-save "$tmp.end"

# a save during kvmtest's long-mode loop of 10000 L2 I/O exits (20 M
# instructions before the end: L1's KVM is between VM exits and VM entries,
# its VMCS current and launched), loaded in a new process
total=$("$NB" -snapshot-info "$tmp.end" 2>/dev/null | sed -n 's/^run: .*, \([0-9]*\) instructions,.*/\1/p')
at=$(( ${total:-0} - 20000000 ))
"$NB" -cpu max,+vmx -smp 2 -m 512M -kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 nestbox.kvm" -serial stdio -display none -no-reboot \
	-snapshot-save "$tmp.snap,at=$at,then=stop" > "$tmp.out1" 2>/dev/null < /dev/null
st1=$?
timeout "${LINUX_TIMEOUT:-1200}" "$NB" -snapshot-load "$tmp.snap" -serial stdio -display none \
	-no-reboot > "$tmp.out2" 2>/dev/null < /dev/null
st2=$?
grep -av '^nestbox: snapshot saved to ' "$O/linux-kvm-vmx.log" > "$tmp.whole"
if [ "$at" -gt 0 ] && [ "$st1" -eq 0 ] && [ "$st2" -eq 0 ] && grep -aq '^PASS: kvm: long mode' "$tmp.out2" &&
	cat "$tmp.out1" "$tmp.out2" | cmp -s - "$tmp.whole"; then
	echo "PASS: linux-kvm: vmx: saved at instruction $at (L2's exit loop), loaded: the same log, status 0"
else
	echo "FAIL: linux-kvm: vmx: saved at instruction $at of $total (status $st1), loaded (status $st2):" \
		"the output differs from the whole run's"
fi

boot svm EPYC,+svm,+vgif 2

# Linux as L2: /init runs kvmlinux, which boots this same kernel under
# L1's KVM (PVH entry, in-kernel irqchip and PIT, a 16550 for earlycon);
# the L2's /init writes a mark L1's user space sees and resets
l2() { # name cpu
	name=$1 cpu=$2
	log=$O/linux-kvm-l2-$name.log
	timeout "${LINUX_TIMEOUT:-1200}" "$NB" -cpu "$cpu" -smp 2 -m 512M -kernel "$kernel" \
		-initrd "$initrd" -append "console=ttyS0 nestbox.kvmlinux" -serial stdio -display none \
		-no-reboot > "$log" 2>&1 < /dev/null
	status=$?
	grep -a -E '^(PASS|FAIL):' "$log" | sed "s/^\(PASS\|FAIL\): kvm:/\1: linux-kvm: $name:/"
	if [ "$status" -eq 0 ] && grep -aq '^kvmlinux: .* 0 failed' "$log" &&
		grep -aq '^nestbox.kvmlinux done' "$log"; then
		echo "PASS: linux-kvm: $name: Linux booted as L2 to its /init, L1 powered off with status 0"
	else
		echo "FAIL: linux-kvm: $name: Linux as L2: status $status (log: $log)"
		tail -n 5 "$log" | sed 's/^/  /'
	fi
	log_clean "$name: Linux as L2: " 'WARNING:|BUG:|Oops|Call Trace:|segfault|Segmentation fault|panic' \
		"no warning, BUG, oops or panic in either kernel's log"
}
l2 vmx-l2linux max,+vmx
l2 svm-l2linux EPYC,+svm,+vgif
