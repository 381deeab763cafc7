#!/bin/sh
# Run each benchmark kernel and print instructions retired, host seconds and
# guest MIPS. Usage: tools/bench.sh o/rel
O=${1:-o/rel}
printf '%-12s %14s %9s %9s\n' workload instructions seconds MIPS
for k in "$O"/tests/bench/*.elf; do
	name=$(basename "$k" .elf)
	start=$(date +%s.%N)
	out=$("$O/nestbox" -kernel "$k" -serial none -display none -no-reboot -counters 2>&1 >/dev/null)
	end=$(date +%s.%N)
	insns=$(echo "$out" | sed -n 's/.*counters: end=.* instructions=\([0-9]*\).*/\1/p')
	status=$(echo "$out" | sed -n 's/.*exit_status=\([0-9]*\).*/\1/p')
	awk -v n="$name" -v i="$insns" -v s="$start" -v e="$end" -v st="$status" 'BEGIN {
		t = e - s; printf "%-12s %14d %9.3f %9.1f%s\n", n, i, t, i / t / 1e6,
		(st == 1 ? "" : "  (guest reported failure, status " st ")") }'
done
