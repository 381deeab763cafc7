#!/bin/sh
# tests/gdb/run.sh: Debian's gdb, in batch mode, against the gdb stub (-gdb,
# -S) and hand-made guest kernels (tests/gdb/mkkernel.py).
#   O=o/dbg sh tests/gdb/run.sh
# Env: O (build dir), EMU (default $O/nestbox), TIMEOUT (seconds, default 60).
# Prints one "PASS: gdb: NAME" or "FAIL: gdb: NAME: why" line per check.
O=${O:-o/dbg}
EMU=${EMU:-$O/nestbox}
TIMEOUT=${TIMEOUT:-60}
dir=$O/tests/gdb
here=$(dirname "$0")

pass() { echo "PASS: gdb: $1"; }
fail() { echo "FAIL: gdb: $1: $2"; }

if ! command -v gdb > /dev/null 2>&1; then
	echo "FAIL: gdb: gdb is not installed (tools/deps.sh installs it)"
	exit 1
fi
mkdir -p "$dir" || exit 1
python3 "$here/mkkernel.py" "$dir" > "$dir/addrs" || { fail mkkernel "cannot build kernels"; exit 1; }
. "$dir/addrs"

# debug NAME KERNEL GDB-COMMANDS [nestbox args]: boot KERNEL waiting for gdb
# (-S), run gdb -batch with the commands; leaves gdb's output in $dir/NAME.gdb,
# nestbox's in $dir/NAME.out/.err and its exit status in $status
debug() {
	name=$1 kernel=$2 cmds=$3
	shift 3
	: > "$dir/$name.err"
	timeout "$TIMEOUT" "$EMU" -kernel "$kernel" -gdb tcp::0 -S "$@" \
		> "$dir/$name.out" 2> "$dir/$name.err" < /dev/null &
	pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*gdb stub listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/$name.err")
		[ -n "$port" ] && break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		kill "$pid" 2> /dev/null
		wait "$pid"
		status=-1
		: > "$dir/$name.gdb"
		return
	fi
	printf 'set pagination off\nset confirm off\ntarget remote 127.0.0.1:%s\n%s\n' "$port" "$cmds" \
		> "$dir/$name.cmd"
	timeout "$TIMEOUT" gdb -q -nx -batch -x "$dir/$name.cmd" > "$dir/$name.gdb" 2>&1 < /dev/null
	wait "$pid"
	status=$?
}

# has NAME CHECK PATTERN: gdb's output for NAME matches the grep -E PATTERN
has() {
	if grep -q -E -- "$3" "$dir/$1.gdb"; then
		pass "$2"
	else
		fail "$2" "no '$3' in gdb output: $(grep -v '^$' "$dir/$1.gdb" | tail -n 3 | tr '\n' '|')"
	fi
}

hex() { printf '0x%x' "$1"; }

# --- registers, breakpoints, watchpoints, steps, memory, monitor ---
debug session "$dir/counter.elf" "
p/x \$pc
p/x \$cr0
p/x \$efer
p/x \$gdtr_limit
p/x \$cs_ar
p \$cs_base
info threads
hbreak *$(hex $LOOP)
continue
p \$ecx
continue
p \$ecx
delete
watch *(int *)$(hex $COUNTER)
continue
p/x \$pc
delete
stepi
p/x \$pc
stepi
p/x \$pc
stepi
p/x \$pc
break *$(hex $LOOP)
continue
p \$ecx
delete
x/wx $(hex $COUNTER)
set {int}$(hex $COUNTER) = 500
x/wx $(hex $COUNTER)
monitor xp $(hex $COUNTER) 4
monitor info
monitor walk $(hex $COUNTER)
monitor icount
monitor nosuch
set \$ecx = 998
p \$ecx
thread 2
p/x \$pc
p/x \$cs_base
thread 1
continue" -smp 2
has session attach-stops-at-entry "^\\\$1 = $(hex $ENTRY)\$"
has session reg-cr0 "^\\\$2 = 0x11\$"
has session reg-efer "^\\\$3 = 0x0\$"
has session reg-gdtr-limit "^\\\$4 = 0x[0-9a-f]+\$"
has session reg-cs-ar "^\\\$5 = 0xc09b\$"
has session reg-cs-base "^\\\$6 = 0\$"
has session threads-one-per-vcpu "^  2 +Thread 2 \\(vCPU 1, waiting for SIPI"
has session hbreak-hit "Breakpoint 1, $(printf '0x%016x' "$LOOP")"
has session hbreak-first-ecx "^\\\$7 = 0\$"
has session hbreak-again-ecx "^\\\$8 = 1\$"
has session watch-old-value "^Old value = 1\$"
has session watch-new-value "^New value = 2\$"
has session watch-stops-after-write "^\\\$9 = $(hex $AFTER_INC)\$"
has session stepi-1 "^\\\$10 = $(hex $CMP)\$"
has session stepi-2 "^\\\$11 = $(hex $JNE)\$"
has session stepi-3-branch "^\\\$12 = $(hex $LOOP)\$"
has session break-sw "^\\\$13 = 3\$"
has session memory-read "$(hex $COUNTER):	0x00000003"
has session memory-write "$(hex $COUNTER):	0x000001f4"
has session monitor-xp-physical "^0*${COUNTER#0x}: f4 01 00 00"
has session monitor-info "^cr0 0x11 cr2 0 cr3 0 "
has session monitor-walk "supervisor read of $(hex $COUNTER): physical $(hex $COUNTER)"
has session monitor-icount "instructions in all"
has session monitor-unknown "unknown monitor command 'nosuch'"
has session reg-write "^\\\$14 = 998\$"
has session thread-2-registers "^\\\$15 = 0xfff0\$"
has session thread-2-cs-base "^\\\$16 = 0xffff0000\$"
has session run-ends-with-exit-code "exited with code 01"
if [ "$status" -eq 1 ] && [ "$(cat "$dir/session.out")" = nestbox-cli ]; then
	pass guest-finishes
else
	fail guest-finishes "status $status, output '$(head -c 80 "$dir/session.out")'"
fi

# --- the debugger changes nothing: same instructions, same output ---
timeout "$TIMEOUT" "$EMU" -kernel "$dir/counter.elf" -counters > "$dir/plain.out" 2> "$dir/plain.err"
plain=$(grep -o 'instructions=[0-9]*' "$dir/plain.err" | head -n 1)
debug same "$dir/counter.elf" "
hbreak *$(hex $LOOP)
continue
continue
delete
watch *(int *)$(hex $COUNTER)
continue
stepi
stepi
delete
continue" -counters
debugged=$(grep -o 'instructions=[0-9]*' "$dir/same.err" | head -n 1)
if [ -n "$plain" ] && [ "$plain" = "$debugged" ] && cmp -s "$dir/plain.out" "$dir/same.out"; then
	pass deterministic-under-gdb
else
	fail deterministic-under-gdb "without gdb $plain, with gdb $debugged"
fi

# --- reverse execution: back N steps gives the states of the forward run ---
st='printf "S %x %d %d %x\n", $pc, $ecx, *(int *)'"$(hex $COUNTER)"', $eflags'
debug reverse "$dir/counter.elf" "
hbreak *$(hex $LOOP)
continue
continue
continue
delete
$st
stepi
$st
stepi
$st
stepi
$st
stepi
$st
stepi
$st
stepi
$st
reverse-stepi
$st
reverse-stepi
$st
reverse-stepi
$st
reverse-stepi
$st
reverse-stepi
$st
reverse-stepi
$st
hbreak *$(hex $LOOP)
reverse-continue
$st
reverse-continue
$st
reverse-continue
$st
reverse-continue
p/x \$pc
delete
continue" -counters
grep '^S ' "$dir/reverse.gdb" > "$dir/reverse.states"
fwd=$(sed -n '1,7p' "$dir/reverse.states")
back=$(sed -n '7,13p' "$dir/reverse.states" | tac)
if [ "$(echo "$fwd" | wc -l)" -eq 7 ] && [ "$fwd" = "$back" ]; then
	pass reverse-stepi-retraces-forward
else
	fail reverse-stepi-retraces-forward "forward: $(echo $fwd) back: $(echo $back)"
fi
# from a breakpoint hit, reverse-continue goes to the hits of the iterations
# before (ECX and the counter one less each), then to the beginning
want="$(printf '%x 1 1|%x 0 0|%x 0 0' "$LOOP" "$LOOP" "$ENTRY")"
got="$(sed -n '14,16p' "$dir/reverse.states" | cut -d' ' -f2-4 | paste -sd'|')"
if [ "$got" = "$want" ]; then
	pass reverse-continue-previous-hits
else
	fail reverse-continue-previous-hits "got '$got', want '$want'"
fi
has reverse reverse-continue-to-the-beginning "No more reverse-execution history"
has reverse reverse-beginning-is-entry "^\\\$1 = $(hex $ENTRY)\$"
rev_count=$(grep -o 'instructions=[0-9]*' "$dir/reverse.err" | head -n 1)
if [ "$status" -eq 1 ] && [ "$(cat "$dir/reverse.out")" = nestbox-cli ] && [ "$rev_count" = "$plain" ]; then
	pass reverse-then-forward-same-run
else
	fail reverse-then-forward-same-run "status $status, output '$(head -c 80 "$dir/reverse.out")', $rev_count vs $plain"
fi

# reverse-finish (gdb builds it from reverse steps and breakpoints) in a C
# kernel with symbols: back out of report() to its call
demo=$O/tests/guest/demo.elf
if [ -f "$demo" ] && objcopy -O elf64-x86-64 "$demo" "$dir/demo64.elf" 2> /dev/null; then
	debug finish "$demo" "
file $dir/demo64.elf
break report
continue
delete
stepi 5
reverse-finish
x/i \$pc
p/x \$efer
p/x \$cr0 >> 31
monitor walk 0x402e80"
	has finish long-mode-efer "^\\\$1 = 0x500\$"
	has finish long-mode-paging "^\\\$2 = 0x1\$"
	has finish monitor-walk-paged "supervisor read of 0x402e80: physical 0x402e80"
	has finish reverse-finish-to-the-call "=> 0x[0-9a-f]+ <[a-z_]+\\+[0-9]+>:	call +0x[0-9a-f]+ <report>"
else
	echo "SKIP: gdb: reverse-finish (no $demo: make guests)"
fi

# --- read and access watchpoints (rwatch, awatch: Z3, Z4): the stop comes
# after the instruction that read (or wrote), as a data breakpoint's ---
debug rw "$dir/rw.elf" "
rwatch *(int *)$(hex $WORD)
continue
p/x \$pc
p \$ecx
continue
p \$ecx
delete
awatch *(int *)$(hex $WORD2)
continue
p/x \$pc
p \$ecx
delete
continue"
has rw rwatch-reported "Hardware read watchpoint 1"
has rw rwatch-stops-after-the-read "^\\\$1 = $(hex $AFTER_READ)\$"
has rw rwatch-first-read "^\\\$2 = 0\$"
has rw rwatch-next-read "^\\\$3 = 1\$"
has rw awatch-reported "Hardware access \\(read/write\\) watchpoint 2"
has rw awatch-stops-after-the-write "^\\\$4 = $(hex $AFTER_WRITE)\$"
has rw awatch-second-write "^\\\$5 = 2\$"
# a read watchpoint on a word that is only written never stops
debug rwonly "$dir/rw.elf" "
rwatch *(int *)$(hex $WORD2)
continue"
has rwonly rwatch-ignores-writes "exited with code 01"

# reverse-continue goes back to the previous read
debug rwrev "$dir/rw.elf" "
rwatch *(int *)$(hex $WORD)
continue
continue
continue
p \$ecx
reverse-continue
p/x \$pc
p \$ecx"
has rwrev rwatch-third-read "^\\\$1 = 2\$"
has rwrev reverse-continue-to-previous-read "^\\\$2 = $(hex $AFTER_READ)\$"
has rwrev reverse-continue-read-state "^\\\$3 = 1\$"

# --- detach: breakpoints go, the guest runs to its end ---
debug detach "$dir/counter.elf" "
hbreak *$(hex $LOOP)
continue
detach"
if [ "$status" -eq 1 ] && [ "$(cat "$dir/detach.out")" = nestbox-cli ]; then
	pass detach-runs-on
else
	fail detach-runs-on "status $status, output '$(head -c 80 "$dir/detach.out")'"
fi

# --- Ctrl-C stops a running guest (the interrupt byte, at protocol level) ---
timeout "$TIMEOUT" "$EMU" -kernel "$dir/spin.elf" -gdb tcp::0 -S > /dev/null 2> "$dir/ctrlc.err" &
pid=$!
port=
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*gdb stub listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/ctrlc.err")
	[ -n "$port" ] && break
	sleep 0.1
done
res=$(python3 "$here/ctrlc.py" "${port:-1}")
wait "$pid"
case "$res" in
ok\ 0x40006[0-9a-f]) pass ctrl-c-stops-in-the-loop ;;
*) fail ctrl-c-stops-in-the-loop "$res" ;;
esac
exit 0
