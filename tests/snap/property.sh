#!/bin/sh
# tests/snap/property.sh: exact continuation (docs/snapshot.md "What is
# promised"). For every guest kernel in $O/tests/guest (found here, so a
# kernel added later is covered the day it is added) and several instruction
# counts N:
#   "run to the end"  and  "run to N, save, load in a new process, run to
#   the end"
# must give the same serial output byte for byte, the same exit status and
# the same end-of-run counters (instruction counts, virtual time, every
# vCPU's RIP). The counts are: 0, a third, two thirds and the last
# instruction of the run, plus the points tests/snap/probe finds (inside an
# STI and a MOV SS shadow, a REP string instruction in the middle, an
# interrupt pending but not taken, an interrupt handler running, just before
# a timer fires, SMM, an AP in wait-for-SIPI). Kernels with more than one
# vCPU run again under -seed 5 (vCPUs interleaved at varied points, e.g.
# four of them mid-spinlock). Saving right after a load, before any
# instruction, must give a byte-identical file.
#   O=o/dbg sh tests/snap/property.sh [NAME...]
O=${O:-o/dbg}
EMU=${EMU:-$O/nestbox}
PROBE=${PROBE:-$O/tests/snap/probe}
TIMEOUT=${TIMEOUT:-60}
dir=$O/tests/guest
tmp=${TMPDIR:-/tmp}/nestbox-snapprop.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
. tests/guest/kernel_args.sh

COMMON="--no-reboot -nodefaults -device pc-testdev -device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none -serial stdio -device pci-testdev -machine accel=tcg"

emu() { # OUT ARGS... -> exit status; stdout in OUT, stderr in OUT.err
	_out=$1; shift
	# shellcheck disable=SC2086
	timeout "$TIMEOUT" "$EMU" $COMMON "$@" > "$_out" 2> "$_out.err" < /dev/null
}

# the machine's counters (the VM-exit counts are this process's own: a
# resumed run counts the exits after the load)
counters() { grep '^nestbox: counters' "$1" | grep -v 'counters: vm\(exit\|entry-failures\)'; }

# check NAME TAG N ARGS...: the property at instruction count N
check() {
	name=$1; tag=$2; n=$3; shift 3
	snap=$tmp/$name.$n.snap
	rm -f "$snap"
	emu "$tmp/first" "$@" -snapshot-save "$snap,at=$n,then=stop"
	s1=$?
	if [ "$s1" -ne 0 ] || [ ! -f "$snap" ]; then
		echo "FAIL: snapshot: $name$tag: at=$n ($what): the saving run exited $s1: $(grep -v counters "$tmp/first.err" | head -n 2 | tr '\n' ' ')"
		return
	fi
	if [ "$what" = in-l2 ]; then
		# -snapshot-info tells the state apart: L2 running (with EPT for
		# the EPT kernels)
		info=$("$EMU" -snapshot-info "$snap" 2>&1)
		want="VMX non-root (L2 runs) operation"
		case $name in *ept*|*unrestricted*) want="$want.*EPT on" ;; esac
		case $name in svm_*) want="SVM guest mode (L2 runs)" ;; esac
		if echo "$info" | grep -q "$want"; then
			echo "PASS: snapshot: $name$tag: -snapshot-info at $what says '$want'"
		else
			echo "FAIL: snapshot: $name$tag: -snapshot-info at $what lacks '$want': $(echo "$info" | grep 'VMX\|SVM')"
		fi
	fi
	emu "$tmp/second" -snapshot-load "$snap" -counters
	s2=$?
	cat "$tmp/first" "$tmp/second" > "$tmp/joined"
	if [ "$s2" -ne "$sfull" ]; then
		echo "FAIL: snapshot: $name$tag: at=$n ($what): resumed run exited $s2, the whole run $sfull: $(grep -v counters "$tmp/second.err" | head -n 2 | tr '\n' ' ')"
	elif ! cmp -s "$tmp/joined" "$tmp/full"; then
		echo "FAIL: snapshot: $name$tag: at=$n ($what): serial output differs from the whole run's ($(cmp "$tmp/joined" "$tmp/full" 2>&1 | head -n 1))"
	elif [ "$(counters "$tmp/second.err")" != "$(counters "$tmp/full.err")" ]; then
		echo "FAIL: snapshot: $name$tag: at=$n ($what): end-of-run counters differ: $(counters "$tmp/second.err" | head -n 1) vs $(counters "$tmp/full.err" | head -n 1)"
	else
		echo "PASS: snapshot: $name$tag: at=$n ($what): same output, status and counters"
	fi
	if [ -n "$resave" ]; then
		resave=
		emu "$tmp/third" -snapshot-load "$snap" -snapshot-save "$snap.again,at=0,then=stop"
		if cmp -s "$snap" "$snap.again"; then
			echo "PASS: snapshot: $name$tag: load then save at once gives the same file"
		else
			echo "FAIL: snapshot: $name$tag: load then save at once gives another file"
		fi
	fi
	rm -f "$snap" "$snap.again"
}

one() { # NAME TAG ARGS...
	name=$1; tag=$2; shift 2
	emu "$tmp/full" "$@" -counters
	sfull=$?
	total=$(counters "$tmp/full.err" | sed -n '1s/.* instructions=\([0-9]*\).*/\1/p')
	if [ -z "$total" ]; then
		echo "FAIL: snapshot: $name$tag: the whole run printed no counters (status $sfull)"
		return
	fi
	points="0:start $((total / 3)):a-third $((total * 2 / 3 + 1)):two-thirds $((total - 1)):last-instruction"
	if [ -x "$PROBE" ]; then
		# shellcheck disable=SC2086
		points="$points $(timeout "$TIMEOUT" "$PROBE" $COMMON "$@" 2>/dev/null | sed -n 's/^point \([a-z0-9-]*\) \([0-9]*\)$/\2:\1/p' | tr '\n' ' ')"
	fi
	resave=1
	for p in $points; do
		what=${p#*:}
		check "$name" "$tag" "${p%%:*}" "$@"
	done
}

if [ ! -x "$EMU" ]; then
	echo "FAIL: snapshot: emulator $EMU not found"
	exit 1
fi
if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(for f in "$dir"/*.elf; do [ -f "$f" ] && basename "$f" .elf; done)
fi
for name in $names; do
	kernel_args "$name" "$tmp/env"
	eval "set -- -kernel $dir/$name.elf $args"
	one "$name" "" "$@"
	case " $args " in
	*" -smp 1 "*) ;;
	*" -smp "*) one "$name" " -seed 5" "$@" -seed 5 ;;
	esac
done
