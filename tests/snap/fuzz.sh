#!/bin/sh
# tests/snap/fuzz.sh: a seeded fuzz pass over the snapshot loader
# (tests/snap/fuzz_load.c) in `make test`: real snapshots of two kernels
# (one vCPU in 64-bit mode; two vCPUs at the end of their run), mutated
# FUZZ_ITERS times (default 5000) with a fixed seed, each loaded as it is
# and with its checksums repaired; under MODE=asan every load runs clean
# under AddressSanitizer and UndefinedBehaviorSanitizer.
O=${O:-o/dbg}
EMU=${EMU:-$O/nestbox}
FUZZ=$O/tests/snap/fuzz_load
dir=$O/tests/guest
tmp=${TMPDIR:-/tmp}/nestbox-snapfuzz.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
COMMON="-nodefaults -display none -serial none -device isa-debug-exit,iobase=0xf4,iosize=0x4"
if [ ! -x "$FUZZ" ]; then
	echo "FAIL: snapshot fuzz: $FUZZ not built"
	exit 1
fi
# shellcheck disable=SC2086
"$EMU" $COMMON -kernel "$dir/basic.elf" -snapshot-save "$tmp/a.nbx,at=150000,then=stop" 2>/dev/null
# shellcheck disable=SC2086
"$EMU" $COMMON -smp 2 -kernel "$dir/smp_boot2.elf" -snapshot-save "$tmp/b.nbx,at=end" 2>/dev/null
"$FUZZ" -n "${FUZZ_ITERS:-5000}" "$tmp/a.nbx" "$tmp/b.nbx" > "$tmp/log" 2>&1
status=$?
if [ "$status" -ne 0 ] || ! grep -q '^PASS: snapshot fuzz' "$tmp/log"; then
	echo "FAIL: snapshot fuzz: the fuzz pass exited $status: $(grep -v '^nestbox: ' "$tmp/log" | tail -n 8 | tr '\n' ' ')"
else
	grep '^PASS: snapshot fuzz' "$tmp/log"
fi
