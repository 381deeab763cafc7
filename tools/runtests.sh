#!/bin/sh
# Run every test tier and print one closing line: "N passed, N failed".
# Each tier prints lines beginning "PASS:" or "FAIL:" (cmocka's "[       OK ]"
# and "[  FAILED  ]" lines are counted too). Exit status 0 only if none failed.
O=${O:-o/dbg}
log=$O/test.log
mkdir -p "$O"
: > "$log"

# A tier that crashes or trips a sanitizer fails even when it printed no
# FAIL line (an aborted test program stops before reporting).
tier() { # name command...
	name=$1; shift
	echo "== $name" | tee -a "$log"
	out=$O/tier.out
	"$@" > "$out" 2>&1
	status=$?
	cat "$out" >> "$log"
	grep -E '^(PASS|FAIL|SKIP):|^\[  (FAILED|     OK) |^\[  PASSED|^\[==========\]' "$out" || true
	if grep -qE 'ERROR: (Address|Leak|Memory|Thread|Undefined)Sanitizer|runtime error:' "$out"; then
		echo "FAIL: $name: sanitizer report ($(grep -m1 -E 'SUMMARY: |runtime error:' "$out"))" | tee -a "$log"
	elif [ "$status" -ne 0 ] && ! grep -qE '^FAIL:|^\[  FAILED  \]' "$out"; then
		echo "FAIL: $name: exited with status $status without reporting a failure" | tee -a "$log"
	fi
	rm -f "$out"
}

# T0/T1: unit tests (cmocka)
for t in "$O"/tests/unit/*_test; do
	[ -x "$t" ] || continue
	tier "unit $(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=stdout "$t"
done
# T2: differential tests against the host CPU
for t in "$O"/tests/diff/*_diff; do
	[ -x "$t" ] || continue
	tier "diff $(basename "$t")" "$t"
done
# snapshot descriptions against the compiler's view of the structs
tier "tools/snapcheck.py" python3 tools/snapcheck.py "$O/nestbox"
# T3: guest kernels and command-line behaviour. The Linux tiers boot with
# the optimised build whatever MODE is (docs/linux.md), so under the
# sanitizers they would run the very same binary again: they run once, in
# the plain `make test` (LINUX_TIERS=1 forces them).
linux="tests/linux/run.sh tests/linux/run-kvm.sh"
if [ "$MODE" = asan ] && [ "${LINUX_TIERS:-0}" != 1 ]; then
	echo "== tests/linux: not run under MODE=asan (they boot o/rel/nestbox, which make test runs)" | tee -a "$log"
	linux=
fi
for t in tests/guest/run.sh tests/guest/determinism.sh tests/cli/run.sh tests/snap/property.sh tests/snap/bad.sh tests/snap/fuzz.sh $linux; do
	[ -f "$t" ] || continue
	tier "$t" env O="$O" sh "$t"
done
tier tests/gdb/run.sh env O="$O" sh tests/gdb/run.sh
tier tests/guest/models.py env O="$O" python3 tests/guest/models.py

pass=$(grep -cE '^PASS:|^\[       OK \]' "$log")
fail=$(grep -cE '^FAIL:|^\[  FAILED  \] [A-Za-z_]' "$log")
skip=$(grep -cE '^SKIP:' "$log")
if [ "$fail" -ne 0 ]; then
	echo "failures:"
	grep -E '^FAIL:|^\[  FAILED  \] [A-Za-z_]' "$log" | sed 's/^/  /'
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
