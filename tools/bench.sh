#!/bin/sh
# Run each benchmark kernel and print instructions retired, host CPU seconds
# (user+sys of the nestbox process, so other load on the machine does not
# count) and guest MIPS. Usage: tools/bench.sh o/rel
O=${1:-o/rel}
printf '%-12s %14s %9s %9s\n' workload instructions cpu-sec MIPS
for k in "$O"/tests/bench/*.elf; do
	name=$(basename "$k" .elf)
	# extra options from the kernel source's "run-args:" line (bench_smp: -smp 4);
	# MIPS then counts the instructions of every vCPU
	args=$(sed -n 's/.*run-args:[[:space:]]*\([^*]*\).*$/\1/p' "tests/bench/$name.c" 2>/dev/null)
	tf=$(mktemp)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f 'cpu %U %S' -o "$tf" "$O/nestbox" -kernel "$k" $args -serial none \
			-display none -no-reboot -counters 2>"$tf.err" >/dev/null
		secs=$(awk '/^cpu/ { print $2 + $3 }' "$tf")
	else
		start=$(date +%s.%N)
		"$O/nestbox" -kernel "$k" $args -serial none -display none -no-reboot -counters \
			2>"$tf.err" >/dev/null
		secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
	fi
	insns=$(sed -n 's/.*counters: end=.* instructions=\([0-9]*\).*/\1/p' "$tf.err")
	status=$(sed -n 's/.*exit_status=\([0-9]*\).*/\1/p' "$tf.err")
	rm -f "$tf" "$tf.err"
	awk -v n="$name" -v i="$insns" -v t="$secs" -v st="$status" 'BEGIN {
		if (t <= 0) t = 0.001
		printf "%-12s %14d %9.3f %9.1f%s\n", n, i, t, i / t / 1e6,
		(st == 1 ? "" : "  (guest reported failure, status " st ")") }'
done
