#!/bin/sh
# The Linux guest's checks (run by /init when the command line has
# nestbox.test): one PASS:/FAIL: line each, then /init powers off.
# NCPUS=N on the kernel command line is the expected vCPU count.
ok() { echo "PASS: linux: $1"; }
ko() { echo "FAIL: linux: $1"; }
check() { # name command...
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else ko "$name"; fi
}
want=1
for w in $(cat /proc/cmdline); do
	case $w in nestbox.ncpus=*) want=${w#nestbox.ncpus=} ;; esac
done

online=$(grep -c '^processor' /proc/cpuinfo)
[ "$online" = "$want" ] && ok "$online vCPUs online" || ko "$online vCPUs online, want $want"
[ "$(cat /sys/devices/system/cpu/online)" = "0-$((want - 1))" ] || [ "$want" = 1 ] &&
	ok "sysfs cpu online list" || ko "sysfs cpu online list: $(cat /sys/devices/system/cpu/online)"

flags=$(grep -m1 '^flags' /proc/cpuinfo)
for f in fpu tsc msr pae apic sse sse2 syscall nx lm x2apic; do
	case " ${flags#*: } " in *" $f "*) ok "cpuinfo flag $f" ;; *) ko "cpuinfo flag $f missing" ;; esac
done

cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
case $cs in tsc|hpet) ok "clocksource $cs" ;; *) ko "clocksource is $cs, not tsc or hpet" ;; esac

# sleep on virtual time: 1 s of sleep moves /proc/uptime by about 1 s
# (uptime has 10 ms steps, so the difference of two readings can show 990;
# awk's difference is rounded, not truncated: 2.23 - 1.23 is 0.99999...)
t0=$(cut -d' ' -f1 /proc/uptime)
sleep 1
t1=$(cut -d' ' -f1 /proc/uptime)
d=$(echo "$t0 $t1" | awk '{ printf "%d", ($2 - $1) * 1000 + 0.5 }')
[ "$d" -ge 990 ] && [ "$d" -lt 1500 ] && ok "sleep 1 took ${d} ms of uptime" ||
	ko "sleep 1 took ${d} ms of uptime"

# a workload on every CPU at once: each checksums the same data, and
# every result must be the one the host computes (seq 1 20000 | md5sum)
sum=e071f707df7bbeee2a6a1eb48011ddd0
i=0
while [ $i -lt "$want" ]; do
	(taskset -c $i sh -c 'seq 1 20000 | gzip -c | gunzip -c | md5sum' > /tmp/sum.$i) &
	i=$((i + 1))
done
wait
n=$(cat /tmp/sum.* | grep -c "^$sum ")
[ "$n" = "$want" ] && ok "workload on $want CPUs" ||
	ko "workload on $want CPUs: $n of $want right: $(cat /tmp/sum.* | tr '\n' ' ')"
# Linux's perf (o/linux/initrd.cpio has it under /perf): perf stat of
# /perfloop (tests/linux/perfloop.c: 2 * 10000 + 4 instructions from its
# first to its SYSCALL), twice. nestbox counts exactly (docs/linux.md
# "perf"): instructions:u is the program's 20003 (its SYSCALL retires in
# ring 0, where it ends) plus one for each return to user mode into it
# (the IRETQ/SYSRETQ retires in ring 3): from execve and from the page
# fault on its code page -- 20005; cycles:u is the same (one cycle per
# instruction at the default -icount shift=0); both runs give the same.
if [ -x /perf/perf ]; then
	for k in 1 2; do
		/perf/lib/ld-linux-x86-64.so.2 --library-path /perf/lib /perf/perf stat -x, \
			-e instructions:u,cycles:u /perfloop > /tmp/perf.$k 2>&1
	done
	field() { grep ",$2," "/tmp/perf.$1" | cut -d, -f1; }
	i1=$(field 1 instructions:u) c1=$(field 1 cycles:u)
	i2=$(field 2 instructions:u) c2=$(field 2 cycles:u)
	[ "$i1" = 20005 ] && ok "perf stat: instructions:u $i1, exact" ||
		ko "perf stat: instructions:u '$i1', want 20005: $(head -c 300 /tmp/perf.1)"
	[ "$c1" = "$i1" ] && ok "perf stat: cycles:u $c1 = instructions:u" ||
		ko "perf stat: cycles:u '$c1', instructions:u '$i1'"
	[ "$i2" = "$i1" ] && [ "$c2" = "$c1" ] && ok "perf stat: the second run counts the same" ||
		ko "perf stat: second run instructions:u '$i2' cycles:u '$c2'"
fi
check "no oops, segfault or warning in dmesg" \
	sh -c '! dmesg | grep -q -e "WARNING:" -e "BUG:" -e "Oops" -e "segfault"'
echo "nestbox.checks done"
