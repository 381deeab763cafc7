#!/bin/sh
# Run each benchmark kernel RUNS times (default 5) and print instructions
# retired, host CPU seconds (user+sys of the nestbox process, so other load
# on the machine does not count) and guest MIPS of the best and the median
# run. On a shared cloud VM the same run varies by up to 40% from minute to
# minute (other tenants, CPU frequency), so the best run is the figure that
# says most about nestbox itself; the median shows the spread.
# Usage: tools/bench.sh o/rel   (env RUNS=N)
O=${1:-o/rel}
RUNS=${RUNS:-5}
printf '%-12s %14s %9s %10s %12s\n' workload instructions best-sec best-MIPS median-MIPS

# one run: prints "cpu-seconds instructions exit-status"
run_once() { # kernel args...
	k=$1; shift
	tf=$(mktemp)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f 'cpu %U %S' -o "$tf" "$O/nestbox" -kernel "$k" "$@" -serial none \
			-display none -no-reboot -counters 2>"$tf.err" >/dev/null
		secs=$(awk '/^cpu/ { print $2 + $3 }' "$tf")
	else
		start=$(date +%s.%N)
		"$O/nestbox" -kernel "$k" "$@" -serial none -display none -no-reboot -counters \
			2>"$tf.err" >/dev/null
		secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
	fi
	insns=$(sed -n 's/.*counters: end=.* instructions=\([0-9]*\).*/\1/p' "$tf.err")
	status=$(sed -n 's/.*exit_status=\([0-9]*\).*/\1/p' "$tf.err")
	rm -f "$tf" "$tf.err"
	echo "$secs $insns $status"
}

for k in "$O"/tests/bench/*.elf; do
	name=$(basename "$k" .elf)
	# extra options from the kernel source's "run-args:" line (bench_smp: -smp 4);
	# MIPS then counts the instructions of every vCPU
	args=$(sed -n 's/.*run-args:[[:space:]]*\([^*]*\).*$/\1/p' "tests/bench/$name.c" 2>/dev/null)
	n=0
	while [ "$n" -lt "$RUNS" ]; do
		# shellcheck disable=SC2086
		run_once "$k" $args
		n=$((n + 1))
	done | sort -n | awk -v n="$name" '
		{ t[NR] = ($1 > 0 ? $1 : 0.001); i = $2; if ($3 != 1) bad = $3 }
		END {
			med = t[int((NR + 1) / 2)]
			printf "%-12s %14d %9.3f %10.1f %12.1f%s\n", n, i, t[1], i / t[1] / 1e6,
			       i / med / 1e6, (bad == "" ? "" : "  (guest reported failure, status " bad ")")
			# bench_vmx: 200000 CPUID exits, each resumed by L1
			if (n == "bench_vmx" || n == "bench_vmx_min")
				printf "%-12s nested exit round trip: best %.2f us, median %.2f us (host time / 200000)\n",
				       n, t[1] / 200000 * 1e6, med / 200000 * 1e6
			# bench_svm: 200000 VMMCALL #VMEXITs, each followed by VMRUN
			if (n == "bench_svm")
				printf "%-12s SVM round trip: best %.2f us, median %.2f us (host time / 200000)\n",
				       n, t[1] / 200000 * 1e6, med / 200000 * 1e6
		}'
done

# The SVM round trip under QEMU's software SVM (docs/performance.md "Nested
# SVM"): Debian's qemu-system-x86_64 -accel tcg runs the same bench_svm.elf,
# with SVM (-cpu max,+svm) and without (-cpu max,-svm: the image stops at
# once, which leaves QEMU's start-up and firmware); the difference of the
# best CPU times over 200000 is its round trip. Skipped without QEMU
# (QEMU=path chooses another).
QEMU=${QEMU:-qemu-system-x86_64}
if command -v "$QEMU" >/dev/null 2>&1 && [ -x /usr/bin/time ] && [ -f "$O/tests/bench/bench_svm.elf" ]; then
	qemu_best() { # cpu -> best user+sys seconds of RUNS runs
		n=0
		while [ "$n" -lt "$RUNS" ]; do
			tf=$(mktemp)
			/usr/bin/time -f 'cpu %U %S' -o "$tf" "$QEMU" -accel tcg -cpu "$1" -nodefaults \
				-device isa-debug-exit,iobase=0xf4,iosize=0x4 -serial none -display none \
				-no-reboot -kernel "$O/tests/bench/bench_svm.elf" >/dev/null 2>&1
			awk '/^cpu/ { print $2 + $3 }' "$tf"
			rm -f "$tf"
			n=$((n + 1))
		done | sort -n | head -n 1
	}
	with=$(qemu_best max,+svm)
	without=$(qemu_best max,-svm)
	awk -v w="$with" -v wo="$without" 'BEGIN {
		printf "%-12s QEMU TCG SVM round trip: best %.2f us ((%.3f - %.3f s) / 200000)\n",
		       "bench_svm", (w - wo) / 200000 * 1e6, w, wo }'
fi

# Snapshots (docs/performance.md "Snapshots"): save and load time and file
# size for a busy 128 MiB guest (bench_smp's four vCPUs in the middle of
# their workload), the worst case of a 128 MiB guest whose RAM is nearly all
# written (bench_mem: 96 MiB of mixed data) and a mostly idle 4 GiB guest
# (bench_int, which touches a few hundred KiB).
if [ -x "$O/tests/snap/snapbench" ] && [ -f "$O/tests/bench/bench_mem.elf" ]; then
	echo
	snapdir=$(mktemp -d)
	"$O/nestbox" -kernel "$O/tests/bench/bench_smp.elf" -smp 4 -m 128 -serial none -display none \
		-snapshot-save "$snapdir/busy-128M.nbx,at=200000000,then=stop" 2>/dev/null >/dev/null
	"$O/nestbox" -kernel "$O/tests/bench/bench_mem.elf" -m 128 -serial none -display none \
		-snapshot-save "$snapdir/dirty-128M.nbx,at=end" 2>/dev/null >/dev/null
	"$O/nestbox" -kernel "$O/tests/bench/bench_int.elf" -m 4G -serial none -display none \
		-snapshot-save "$snapdir/idle-4G.nbx,at=end" 2>/dev/null >/dev/null
	for f in busy-128M dirty-128M idle-4G; do
		[ -f "$snapdir/$f.nbx" ] && (cd "$snapdir" && "$OLDPWD/$O/tests/snap/snapbench" "$f.nbx" "$RUNS")
	done
	rm -rf "$snapdir"
fi
