#!/bin/sh
# tests/snap/bad.sh: a snapshot file is untrusted input. Damaged files,
# files of another format version, files that contradict the command line
# and files describing states that cannot exist must each end in one clear
# line on stderr naming what is wrong (the section and the member) and exit
# status 1, never a crash, a sanitizer report or a run that starts half
# loaded. Files are made from a real snapshot and changed with
# tools/snapedit.py.
#   O=o/dbg sh tests/snap/bad.sh
O=${O:-o/dbg}
EMU=${EMU:-$O/nestbox}
dir=$O/tests/guest
tmp=${TMPDIR:-/tmp}/nestbox-snapbad.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

COMMON="-nodefaults -display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x4"
kernel=$dir/basic.elf
if [ ! -x "$EMU" ] || [ ! -f "$kernel" ]; then
	echo "FAIL: snapshot-bad: $EMU or $kernel missing"
	exit 1
fi
"$EMU" -snapshot-layouts > "$tmp/layouts" 2>/dev/null
# a snapshot in 64-bit mode, in the middle of the kernel's run
# shellcheck disable=SC2086
"$EMU" $COMMON -kernel "$kernel" -append "alpha beta=2" -snapshot-save "$tmp/good,at=200000,then=stop" \
	> /dev/null 2> "$tmp/err"
if [ ! -f "$tmp/good" ]; then
	echo "FAIL: snapshot-bad: could not make a snapshot: $(head -n 2 "$tmp/err")"
	exit 1
fi

edit() { # OUT OP... : the good snapshot changed
	_out=$1; shift
	python3 tools/snapedit.py "$tmp/layouts" "$tmp/good" "$tmp/$_out" "$@"
}

# expect WHAT PATTERN ARGS...: nestbox ARGS exits 1 with one stderr line
# matching PATTERN (an extended regular expression)
expect() {
	what=$1; pat=$2; shift 2
	# shellcheck disable=SC2086
	"$EMU" $COMMON "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	s=$?
	lines=$(wc -l < "$tmp/err")
	if [ "$s" -ne 1 ]; then
		echo "FAIL: snapshot-bad: $what: exit status $s (want 1): $(head -c 300 "$tmp/err" | tr '\n' ' ')"
	elif [ "$lines" -ne 1 ]; then
		echo "FAIL: snapshot-bad: $what: $lines lines on stderr (want one): $(head -c 300 "$tmp/err" | tr '\n' ' ')"
	elif ! grep -Eq "$pat" "$tmp/err"; then
		echo "FAIL: snapshot-bad: $what: message does not match /$pat/: $(cat "$tmp/err")"
	elif [ -s "$tmp/out" ]; then
		echo "FAIL: snapshot-bad: $what: the guest ran (serial output)"
	else
		echo "PASS: snapshot-bad: $what: $(cat "$tmp/err")"
	fi
}

size=$(wc -c < "$tmp/good")
expect "missing file" "cannot open '$tmp/none'" -snapshot-load "$tmp/none"
for n in 0 7 31 40 100 $((size / 2)) $((size - 1)); do
	edit "trunc$n" truncate "$n"
	expect "truncated to $n bytes" "snapshot '.*': (header|section)" -snapshot-load "$tmp/trunc$n"
done
edit magic magic QEMUVM
expect "wrong magic" "not a nestbox snapshot" -snapshot-load "$tmp/magic"
edit version version 99
expect "format version 99" "format version 99, this nestbox reads version 1" -snapshot-load "$tmp/version"
edit flip flip cpu0 5
expect "a damaged cpu0 section" "section cpu0: checksum mismatch" -snapshot-load "$tmp/flip"
edit flipram flip ram 20
expect "a damaged ram section" "section ram: checksum mismatch" -snapshot-load "$tmp/flipram"
edit longer length cpu0 0x7fffffffffff
expect "a section length past the end" "section cpu0: length [0-9]+ runs past the end" -snapshot-load "$tmp/longer"
edit shorter length pit 3
expect "a section length too short" "section (pit|[0-9]+): " -snapshot-load "$tmp/shorter"
expect "-smp contradicts the snapshot" "taken with -smp 1, the command line -smp 2" -snapshot-load "$tmp/good" -smp 2
expect "-m contradicts the snapshot" "taken with -m 128M, the command line -m 256M" -snapshot-load "$tmp/good" -m 256
expect "-cpu contradicts the snapshot" "taken with -cpu max, the command line -cpu qemu64" -snapshot-load "$tmp/good" -cpu qemu64
expect "-kernel with -snapshot-load" "leave -kernel out" -snapshot-load "$tmp/good" -kernel "$kernel"
edit pgpe set cpu0 cr0 0x80000010
expect "CR0.PG=1 with CR0.PE=0" "section cpu0: cr0" -snapshot-load "$tmp/pgpe"
edit rip set cpu0 rip 0x0000900000000000
expect "a non-canonical RIP in 64-bit mode" "section cpu0: rip" -snapshot-load "$tmp/rip"
edit inturn set sched in_turn 2
expect "a bool that is 2" "section sched: in_turn: 0x2 is not a valid value" -snapshot-load "$tmp/inturn"
edit order set sched order[0] 5
expect "a schedule naming a missing vCPU" "section sched: order" -snapshot-load "$tmp/order"
edit seq set clock timer_seq 0
expect "timers armed after the arming counter" "section clock: timer_seq" -snapshot-load "$tmp/seq"
edit smp set machine smp 65
expect "65 vCPUs" "section machine: smp" -snapshot-load "$tmp/smp"
edit apicid rename cpu0 cpu5
expect "a vCPU (APIC ID) beyond the machine's" "section cpu5: not part of this machine \\(a 1-vCPU PC\\)" -snapshot-load "$tmp/apicid"
edit renamed rename pit pit2
expect "an unknown section" "section pit2: not part of this machine" -snapshot-load "$tmp/renamed"
edit bigram set machine ram_size 0x10000000
expect "RAM size that does not match the ram section" "section ram: size" -snapshot-load "$tmp/bigram"
edit vmcr set cpu0 svm.vm_cr 0x20
expect "VM_CR with a reserved bit" "section cpu0: .*vm_cr" -snapshot-load "$tmp/vmcr"
edit hsave set cpu0 svm.hsave_pa 0x1234
expect "VM_HSAVE_PA not 4 KiB aligned" "section cpu0: .*hsave_pa" -snapshot-load "$tmp/hsave"
