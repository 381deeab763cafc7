#!/bin/sh
# tests/guest/determinism.sh: the deterministic scheduler (DESIGN.md
# "Deterministic by default"; machine/machine.c). Runs 4-vCPU guest kernels
#  - twice with the same -seed: the serial output must be byte-identical;
#  - with several different seeds: each run must still pass (exit status 1
#    = debug-exit code 0), and the seeds must not all give the same
#    schedule (the end-of-run instruction counts differ).
#   O=o/dbg sh tests/guest/determinism.sh
# Prints PASS:/FAIL: lines (counted by tools/runtests.sh).
O=${O:-o/dbg}
EMU=${EMU:-$O/nestbox}
TIMEOUT=${TIMEOUT:-60}
dir=$O/tests/guest
KERNELS=${KERNELS:-"spinlock ipi tlb_shootdown"}
SEEDS=${SEEDS:-"1 2 3"}
tmp=${TMPDIR:-/tmp}/nestbox-determinism.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -x "$EMU" ]; then
	echo "FAIL: determinism: emulator $EMU not found"
	exit 1
fi

run() { # NAME SEED OUT -> exit status; stdout in OUT, counters in OUT.err
	timeout "$TIMEOUT" "$EMU" -nodefaults -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x4 -cpu max -smp 4 -seed "$2" \
		-counters -kernel "$dir/$1.elf" > "$3" 2> "$3.err" < /dev/null
}

for k in $KERNELS; do
	if [ ! -f "$dir/$k.elf" ]; then
		echo "FAIL: determinism: $k: no $dir/$k.elf"
		continue
	fi
	run "$k" 7 "$tmp/a"; sa=$?
	run "$k" 7 "$tmp/b"; sb=$?
	if [ "$sa" -eq "$sb" ] && cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a.err" "$tmp/b.err"; then
		echo "PASS: determinism: $k: -seed 7 twice: byte-identical output and counters"
	else
		echo "FAIL: determinism: $k: -seed 7 twice differs (status $sa/$sb)"
	fi
	: > "$tmp/counts"
	for s in $SEEDS; do
		run "$k" "$s" "$tmp/s"; st=$?
		if [ "$st" -eq 1 ] && grep -q '^SUMMARY:' "$tmp/s" && ! grep -q '^FAIL:' "$tmp/s"; then
			echo "PASS: determinism: $k: -seed $s passes"
		else
			echo "FAIL: determinism: $k: -seed $s: status $st: $(grep -m2 '^FAIL:' "$tmp/s" | tr '\n' ' ')"
		fi
		grep 'counters: cpu' "$tmp/s.err" >> "$tmp/counts"
		echo "--" >> "$tmp/counts"
	done
	# each seed's per-vCPU instruction counts; all equal = the seed changed nothing
	if [ "$(awk 'BEGIN { RS = "--\n" } NF { print }' "$tmp/counts" | sort -u | wc -l)" -gt 1 ]; then
		echo "PASS: determinism: $k: different seeds give different schedules"
	else
		echo "FAIL: determinism: $k: every seed gave the same schedule"
	fi
done
