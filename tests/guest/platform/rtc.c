/* tests/guest/platform/rtc.c: the MC146818 RTC/CMOS (0x70/0x71, IRQ 8 on
 * IOAPIC input 8): a consistent date/time read, BCD and binary formats,
 * the update-ended, periodic and alarm interrupts, register C clearing,
 * and the CMOS memory-size bytes QEMU sets from -m.
 * run-args: -m 128
 */
#include "guest.h"
#include "timers.h"

#define RTC_VEC 0x48

static volatile int irqs;
static volatile u8 last_c;

static void rtc_handler(struct ex_regs *r)
{
	last_c = cmos_read(0x0c);
	irqs++;
	lapic_eoi();
}

struct rtc_time {
	u8 sec, min, hour, day, mon, year, cent;
};

/* read the clock between updates: UIP clear, and the same twice */
static void rtc_get(struct rtc_time *t)
{
	struct rtc_time a;

	do {
		while (cmos_read(0x0a) & 0x80)
			cpu_relax();
		a.sec = cmos_read(0), a.min = cmos_read(2), a.hour = cmos_read(4);
		a.day = cmos_read(7), a.mon = cmos_read(8), a.year = cmos_read(9);
		a.cent = cmos_read(0x32);
		*t = a;
	} while (cmos_read(0) != a.sec);
}

static void test_time_read(void)
{
	struct rtc_time t;
	u8 b = cmos_read(0x0b);
	int year;

	report((b & 0x06) == 0x02, "register B: BCD, 24-hour (%x)", b);
	report(cmos_read(0x0d) == 0x80, "register D: VRT");
	rtc_get(&t);
	report(bcd_valid(t.sec) && bcd_valid(t.min) && bcd_valid(t.hour) && bcd_valid(t.day) &&
	       bcd_valid(t.mon) && bcd_valid(t.year) && bcd_valid(t.cent),
	       "time registers are BCD (%02x:%02x:%02x %02x-%02x-%02x%02x)", t.hour, t.min, t.sec,
	       t.day, t.mon, t.cent, t.year);
	year = bcd2bin(t.cent) * 100 + bcd2bin(t.year);
	report(year >= 2020 && bcd2bin(t.mon) >= 1 && bcd2bin(t.mon) <= 12 && bcd2bin(t.day) >= 1 &&
	       bcd2bin(t.day) <= 31 && bcd2bin(t.hour) < 24 && bcd2bin(t.min) < 60 &&
	       bcd2bin(t.sec) < 60, "date and time in range (year %d)", year);
	/* binary mode shows the same time */
	cmos_write(0x0b, b | 0x04);
	report(cmos_read(0x08) == bcd2bin(t.mon) && cmos_read(0x32) == bcd2bin(t.cent),
	       "binary mode: month %d century %d", cmos_read(0x08), cmos_read(0x32));
	cmos_write(0x0b, b);
}

static void test_update_irq(void)
{
	u8 s0, s1;

	cmos_read(0x0c);
	irqs = 0;
	cmos_write(0x0b, 0x12); /* UIE */
	timers_route(8, RTC_VEC, false);
	report(timers_wait(&irqs, 1, 3000ull * 1000 * 1000 * 10), "update-ended interrupt");
	report(last_c & 0x90, "register C: IRQF|UF (%x)", last_c);
	s0 = cmos_read(0);
	report(timers_wait(&irqs, 2, 3000ull * 1000 * 1000 * 10), "a second update-ended interrupt");
	s1 = cmos_read(0);
	report(bcd2bin(s1) == (bcd2bin(s0) + 1) % 60, "one second per update (%x -> %x)", s0, s1);
	cmos_write(0x0b, 0x02);
	report(cmos_read(0x0c) == 0, "register C reads 0 after the handler's read");
	timers_mask(8);
}

static void test_periodic_irq(u64 tsc_ms)
{
	u64 t0, t1;
	int n;

	cmos_read(0x0c);
	irqs = 0;
	cmos_write(0x0a, 0x26); /* 1024 Hz */
	cmos_write(0x0b, 0x42); /* PIE */
	timers_route(8, RTC_VEC, false);
	timers_wait(&irqs, 1, tsc_ms * 100);
	t0 = timers_us();
	n = irqs;
	timers_wait(&irqs, n + 64, tsc_ms * 1000);
	t1 = timers_us();
	cmos_write(0x0b, 0x02);
	timers_mask(8);
	report(irqs >= n + 64, "64 periodic interrupts");
	report(last_c & 0xc0, "register C: IRQF|PF (%x)", last_c);
	/* 64 / 1024 Hz = 62500 us */
	report(t1 - t0 > 50000 && t1 - t0 < 75000, "at 1024 Hz: 64 interrupts in %llu us",
	       (unsigned long long)(t1 - t0));
	/* without PIE no interrupt arrives (and, as in QEMU, PF stays clear) */
	irqs = 0;
	cmos_read(0x0c);
	timers_route(8, RTC_VEC, false);
	for (u64 t = timers_us(); timers_us() - t < 5000;)
		cpu_relax();
	report(irqs == 0 && !(cmos_read(0x0c) & 0x40), "PIE off: no interrupt, PF clear");
	timers_mask(8);
}

static void test_alarm_irq(void)
{
	struct rtc_time t;
	int s;

	rtc_get(&t);
	s = (bcd2bin(t.sec) + 2) % 60;
	cmos_write(0x01, (u8)((s / 10) << 4 | s % 10));
	cmos_write(0x03, 0xc0); /* any minute */
	cmos_write(0x05, 0xc0); /* any hour */
	cmos_read(0x0c);
	irqs = 0;
	cmos_write(0x0b, 0x22); /* AIE */
	timers_route(8, RTC_VEC, false);
	report(timers_wait(&irqs, 1, 4000ull * 1000 * 1000 * 10), "alarm interrupt");
	report((last_c & 0xa0) == 0xa0, "register C: IRQF|AF (%x)", last_c);
	report(bcd2bin(cmos_read(0)) == s, "at the alarm second (%d)", s);
	cmos_write(0x0b, 0x02);
	timers_mask(8);
}

static void test_cmos_memory(void)
{
	u16 base = cmos_read(0x15) | cmos_read(0x16) << 8;
	u16 ext = cmos_read(0x30) | cmos_read(0x31) << 8;
	u16 high = cmos_read(0x34) | cmos_read(0x35) << 8;

	report(base == 640, "base memory 640 KiB (%u)", base);
	report(ext == 0xffff && (cmos_read(0x17) | cmos_read(0x18) << 8) == ext,
	       "extended memory capped at 0xffff KiB (%x)", ext);
	report(high == (128 - 16) * 16, "memory above 16 MiB in 64 KiB units (%u)", high);
	report((cmos_read(0x5b) | cmos_read(0x5c) | cmos_read(0x5d)) == 0, "none above 4 GiB");
}

int main(int argc, char **argv)
{
	u64 tsc_ms;

	handle_exception_vector(RTC_VEC, rtc_handler);
	timers_irq_setup();
	tsc_ms = timers_tsc_per_ms(10);
	test_time_read();
	test_cmos_memory();
	test_update_irq();
	test_periodic_irq(tsc_ms);
	test_alarm_irq();
	return report_summary();
}
