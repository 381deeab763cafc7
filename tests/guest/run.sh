#!/bin/sh
# tests/guest/run.sh: boot every guest kernel and report its checks.
#   O=o/dbg sh tests/guest/run.sh [NAME...]
# Env: O (build dir), EMU (emulator; default $O/nestbox; qemu-system-x86_64
# works too), TIMEOUT (seconds, default 60).
# For each kernel prints "PASS: NAME: <line>" / "FAIL: NAME: <line>" /
# "SKIP: NAME: <line>" for every such line the kernel printed, then one
# "PASS: NAME: clean exit" or a FAIL when the SUMMARY line is missing, the
# exit status is not 1 (debug-exit code 0), the run timed out, or stderr had
# lines other than warnings (PLATFORM.md "The command line test runners give").
# A kernel's source may carry extra options in comment lines:
#   run-args: -smp 2 -cpu max,+vmx -append "a b"
#   run-env: NR_CPUS=2            (each such line becomes one -initrd line)
O=${O:-o/dbg}
EMU=${EMU:-$O/nestbox}
TIMEOUT=${TIMEOUT:-60}
dir=$O/tests/guest
tmp=${TMPDIR:-/tmp}/nestbox-guest.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -x "$EMU" ] && ! command -v "$EMU" >/dev/null 2>&1; then
	echo "FAIL: guest: emulator $EMU not found"
	exit 1
fi

. tests/guest/kernel_args.sh

run_one() { # NAME
	name=$1
	elf=$dir/$name.elf
	kernel_args "$name" "$tmp/env"
	eval "set -- $args"
	timeout "$TIMEOUT" "$EMU" --no-reboot -nodefaults -device pc-testdev \
		-device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none \
		-serial stdio -device pci-testdev -machine accel=tcg \
		-kernel "$elf" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	status=$?
	tr -d '\r' < "$tmp/out" | sed -n "s/^\(PASS\|FAIL\|SKIP\): /\1: $name: /p"
	ok=1
	if [ "$status" -eq 124 ]; then
		echo "FAIL: $name: timed out after ${TIMEOUT}s"
		ok=0
	elif [ "$status" -ne 1 ]; then
		echo "FAIL: $name: exit status $status (want 1 = debug-exit code 0)"
		ok=0
	fi
	if ! grep -q '^SUMMARY:' "$tmp/out"; then
		echo "FAIL: $name: no SUMMARY line"
		ok=0
	fi
	if grep -v -i 'warning' "$tmp/err" | grep -q .; then
		echo "FAIL: $name: unexpected stderr: $(grep -v -i warning "$tmp/err" | head -n 3 | tr '\n' ' ')"
		ok=0
	fi
	[ "$ok" -eq 1 ] && echo "PASS: $name: clean exit ($(grep -m1 '^SUMMARY:' "$tmp/out" | tr -d '\r'))"
	return 0
}

if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(for f in "$dir"/*.elf; do [ -f "$f" ] && basename "$f" .elf; done)
fi
if [ -z "$names" ]; then
	echo "FAIL: guest: no kernels in $dir (run make guests)"
	exit 1
fi
for n in $names; do
	run_one "$n"
done
