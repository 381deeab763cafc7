/* tests/guest/platform/hpet.c: the HPET at 0xfed00000 (IA-PC HPET 1.0a):
 * capabilities, main counter rate and halt, comparator interrupts through
 * IOAPIC input 2 in one-shot (edge and level, status write-1-to-clear)
 * and periodic mode, and legacy replacement (timer 1 on IRQ 8).
 * run-args: -m 128
 */
#include "guest.h"
#include "timers.h"

#define HPET_VEC 0x50
#define GCONF 0x10
#define GISR  0x20
#define CNT   0xf0
#define TCONF(n) (0x100 + 0x20 * (n))
#define TCMP(n)  (0x108 + 0x20 * (n))
#define T_LEVEL  (1u << 1)
#define T_ENB    (1u << 2)
#define T_PER    (1u << 3)
#define T_VALSET (1u << 6)
#define T_ROUTE(r) ((u32)(r) << 9)

static volatile int irqs;
static volatile u32 isr_seen;

static void hpet_handler(struct ex_regs *r)
{
	isr_seen = hpet_read32(GISR);
	hpet_write32(GISR, isr_seen); /* level: clear the status, drop the line */
	irqs++;
	lapic_eoi();
}

static void test_caps(void)
{
	u64 cap = hpet_read(0);

	report((cap & 0xffff0000) == 0x80860000, "vendor 0x8086 (%llx)", (unsigned long long)cap);
	report(cap >> 32 == 10000000, "period 10 ns (%llu fs)", (unsigned long long)(cap >> 32));
	report(((cap >> 8) & 0x1f) == 2, "three timers");
	report((cap & (1u << 13)) && (cap & (1u << 15)), "64-bit counter, legacy route capable");
	report((hpet_read(TCONF(0)) >> 32) & 4, "timer 0 may route to IOAPIC input 2");
}

static void test_counter(u64 tsc_ms)
{
	u64 a, b, t0, t1;

	hpet_write(GCONF, 0);
	hpet_write(CNT, 0x12345678);
	a = hpet_read(CNT);
	for (volatile int i = 0; i < 10000; i++)
		;
	report(a == 0x12345678 && hpet_read(CNT) == a, "halted counter holds a written value");
	hpet_write(GCONF, 1);
	t0 = rdtsc();
	a = hpet_read(CNT);
	while (rdtsc() - t0 < tsc_ms * 10)
		cpu_relax();
	b = hpet_read(CNT);
	t1 = rdtsc();
	if (tsc_ms) {
		u64 us = (t1 - t0) * 1000 / tsc_ms, ticks = b - a;
		/* wide: QEMU's TSC and HPET drift apart on a busy host */
		report(ticks > us * 60 && ticks < us * 160, "100 MHz: %llu ticks in %llu us",
		       (unsigned long long)ticks, (unsigned long long)us);
	}
	report(hpet_read32(CNT + 4) == (u32)(hpet_read(CNT) >> 32), "32-bit read of the high half");
}

static void test_oneshot(void)
{
	u64 cmp;

	/* edge, IOAPIC input 2 (an edge the PIT left pending arrives first) */
	timers_route(2, HPET_VEC, false);
	timers_wait(&irqs, 1, 1ull << 24);
	irqs = 0;
	cmp = hpet_read(CNT) + 100000; /* 1 ms */
	hpet_write(TCMP(2), cmp); /* comparator first: QEMU fires at once for one passed */
	hpet_write(TCONF(2), T_ENB | T_ROUTE(2));
	report(timers_wait(&irqs, 1, 1ull << 33), "one-shot edge interrupt");
	report(hpet_read(CNT) >= cmp, "not before the comparator");
	report(isr_seen == 0, "edge mode: status bit stays clear");
	timers_wait(&irqs, 2, 1ull << 26);
	report(irqs == 1, "one-shot: once (%d)", irqs);
	hpet_write(TCONF(2), 0);
	timers_mask(2);

	/* level: status set until written 1 */
	irqs = 0;
	timers_route(2, HPET_VEC, true);
	hpet_write(TCMP(2), hpet_read(CNT) + 50000);
	hpet_write(TCONF(2), T_ENB | T_LEVEL | T_ROUTE(2));
	report(timers_wait(&irqs, 1, 1ull << 33), "one-shot level interrupt");
	report(isr_seen & 4, "level mode: status bit 2 set (%x)", isr_seen);
	report(!(hpet_read32(GISR) & 4), "status cleared by writing 1");
	hpet_write(TCONF(2), 0);
	timers_mask(2);
}

static void test_periodic(void)
{
	u64 t0, t1;

	irqs = 0;
	timers_route(2, HPET_VEC, false);
	hpet_write(TCONF(0), T_PER | T_VALSET | T_ROUTE(2));
	hpet_write(TCMP(0), hpet_read(CNT) + 100000);
	hpet_write(TCMP(0), 100000); /* period 1 ms */
	hpet_write(TCONF(0), T_ENB | T_PER | T_ROUTE(2));
	timers_wait(&irqs, 1, 1ull << 33);
	t0 = hpet_read(CNT);
	report(timers_wait(&irqs, 21, 1ull << 34), "20 periodic interrupts");
	t1 = hpet_read(CNT);
	report(t1 - t0 >= 1900000 && t1 - t0 < 2600000, "every 1 ms (%llu ticks for 20)",
	       (unsigned long long)(t1 - t0));
	report(hpet_read(TCMP(0)) > t1, "comparator stepped past the counter");
	hpet_write(TCONF(0), 0);
	timers_mask(2);
}

static void test_legacy(void)
{
	irqs = 0;
	timers_route(8, HPET_VEC, false);
	hpet_write(GCONF, 3);
	hpet_write(TCMP(1), hpet_read(CNT) + 100000);
	hpet_write(TCONF(1), T_ENB);
	report(timers_wait(&irqs, 1, 1ull << 33), "legacy route: timer 1 on IRQ 8");
	hpet_write(TCONF(1), 0);
	hpet_write(GCONF, 1);
	timers_mask(8);
}

int main(int argc, char **argv)
{
	u64 tsc_ms;

	handle_exception_vector(HPET_VEC, hpet_handler);
	timers_irq_setup();
	pit_program(0, 0, 1); /* silence a BIOS-programmed PIT on input 2 */
	tsc_ms = timers_tsc_per_ms(10);
	test_caps();
	test_counter(tsc_ms);
	test_oneshot();
	test_periodic();
	test_legacy();
	return report_summary();
}
