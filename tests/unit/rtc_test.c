/* tests/unit/rtc_test.c: the MC146818 RTC/CMOS (dev/rtc.c) through ports
 * 0x70/0x71 on virtual time: the fixed start date, BCD/binary and 12/24-hour
 * formats, setting the clock, UIP, periodic/alarm/update-ended interrupts,
 * register C clearing and IRQ 8, and the CMOS memory-size bytes. */
#include "timers_harness.h"

#define SEC 1000000000ull
#define MS  1000000ull

static u8 cmos(struct machine *m, u8 idx)
{
	th_outb(m, 0x70, idx);
	return th_inb(m, 0x71);
}

static void cmos_set(struct machine *m, u8 idx, u8 v)
{
	th_outb(m, 0x70, idx);
	th_outb(m, 0x71, v);
}

static void test_start_date(void **state)
{
	struct machine *m = *state;

	/* 2026-01-01 00:00:00 UTC, a Thursday (weekday 5, Sunday = 1), BCD, 24h */
	assert_int_equal(cmos(m, 0x0a), 0x26);
	assert_int_equal(cmos(m, 0x0b), 0x02);
	assert_int_equal(cmos(m, 0x0d), 0x80);
	assert_int_equal(cmos(m, 0x00), 0x00);
	assert_int_equal(cmos(m, 0x04), 0x00);
	assert_int_equal(cmos(m, 0x06), 5);
	assert_int_equal(cmos(m, 0x07), 0x01);
	assert_int_equal(cmos(m, 0x08), 0x01);
	assert_int_equal(cmos(m, 0x09), 0x26);
	assert_int_equal(cmos(m, 0x32), 0x20);
	th_advance(m, 3725 * SEC + SEC / 2); /* 01:02:05.5 */
	assert_int_equal(cmos(m, 0x00), 0x05);
	assert_int_equal(cmos(m, 0x02), 0x02);
	assert_int_equal(cmos(m, 0x04), 0x01);
	th_advance(m, 86400 * SEC * 31); /* Feb 1st, Sunday */
	assert_int_equal(cmos(m, 0x08), 0x02);
	assert_int_equal(cmos(m, 0x07), 0x01);
	assert_int_equal(cmos(m, 0x06), 1);
}

static void test_binary_and_12h(void **state)
{
	struct machine *m = *state;

	th_advance(m, (13 * 3600 + 45 * 60 + 59) * SEC); /* 13:45:59 */
	assert_int_equal(cmos(m, 0x04), 0x13);
	cmos_set(m, 0x0b, 0x06);                  /* binary, 24h */
	assert_int_equal(cmos(m, 0x04), 13);
	assert_int_equal(cmos(m, 0x02), 45);
	assert_int_equal(cmos(m, 0x00), 59);
	assert_int_equal(cmos(m, 0x09), 26);
	cmos_set(m, 0x0b, 0x04);                  /* binary, 12h: 1 PM */
	assert_int_equal(cmos(m, 0x04), 0x81);
	cmos_set(m, 0x0b, 0x00);                  /* BCD, 12h */
	assert_int_equal(cmos(m, 0x04), 0x81);
	th_advance(m, (10 * 3600 + 15 * 60) * SEC); /* 00:00:59 next day: 12 AM */
	assert_int_equal(cmos(m, 0x04), 0x12);
	th_advance(m, 12 * 3600 * SEC);             /* 12:00:59: 12 PM */
	assert_int_equal(cmos(m, 0x04), 0x92);
	cmos_set(m, 0x04, 0x83);                    /* write 3 PM in 12h BCD */
	cmos_set(m, 0x0b, 0x02);
	assert_int_equal(cmos(m, 0x04), 0x15);
}

static void test_set_clock_and_rollover(void **state)
{
	struct machine *m = *state;

	cmos_set(m, 0x0b, 0x82); /* SET: updates stop */
	cmos_set(m, 0x32, 0x19);
	cmos_set(m, 0x09, 0x99);
	cmos_set(m, 0x08, 0x12);
	cmos_set(m, 0x07, 0x31);
	cmos_set(m, 0x04, 0x23);
	cmos_set(m, 0x02, 0x59);
	cmos_set(m, 0x00, 0x59);
	th_advance(m, 5 * SEC);
	assert_int_equal(cmos(m, 0x00), 0x59); /* frozen while SET */
	assert_int_equal(cmos(m, 0x0a) & 0x80, 0); /* no UIP while SET */
	cmos_set(m, 0x0b, 0x02);
	th_advance(m, SEC - 1);
	assert_int_equal(cmos(m, 0x00), 0x59);
	th_advance(m, 1);
	assert_int_equal(cmos(m, 0x00), 0x00);
	assert_int_equal(cmos(m, 0x04), 0x00);
	assert_int_equal(cmos(m, 0x07), 0x01);
	assert_int_equal(cmos(m, 0x08), 0x01);
	assert_int_equal(cmos(m, 0x09), 0x00);
	assert_int_equal(cmos(m, 0x32), 0x20);
	assert_int_equal(cmos(m, 0x06), 7); /* 2000-01-01 was a Saturday */
}

static void test_uip(void **state)
{
	struct machine *m = *state;

	th_advance(m, SEC / 2);
	assert_int_equal(cmos(m, 0x0a) & 0x80, 0);
	th_advance(m, SEC / 2 - 200000); /* 200 us before the update */
	assert_int_equal(cmos(m, 0x0a), 0xa6);
	assert_int_equal(cmos(m, 0x00), 0x00);
	th_advance(m, 200000);
	assert_int_equal(cmos(m, 0x0a), 0x26);
	assert_int_equal(cmos(m, 0x00), 0x01);
	/* divider reset holds the clock; leaving it, the first update is 500 ms later */
	cmos_set(m, 0x0a, 0x66);
	th_advance(m, 10 * SEC);
	assert_int_equal(cmos(m, 0x00), 0x01);
	cmos_set(m, 0x0a, 0x26);
	th_advance(m, SEC / 2 - 1);
	assert_int_equal(cmos(m, 0x00), 0x01);
	th_advance(m, 1);
	assert_int_equal(cmos(m, 0x00), 0x02);
}

/* service IRQ 8 like a handler (read C) for `ns` of virtual time;
 * returns the number of interrupts and ORs the C values into *seen */
static int serve(struct machine *m, u64 ns, u8 *seen)
{
	const struct irq_probe *irq = rtc_irq_probe(m);
	u64 end = m->clock.ns + ns, r0 = irq->rises;
	u64 next;

	while ((next = clock_next_deadline(m)) <= end) {
		th_run_to(m, next);
		if (irq->level)
			*seen |= cmos(m, 0x0c);
	}
	th_run_to(m, end);
	return (int)(irq->rises - r0);
}

static int nr_timers(struct machine *m)
{
	int n = 0;

	for (struct timer *t = m->clock.timers; t; t = t->next)
		n++;
	return n;
}

static void test_periodic(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = rtc_irq_probe(m);
	u8 seen = 0;
	int armed;

	th_advance(m, 10 * MS);
	assert_int_equal(irq->rises, 0);          /* PIE off: no interrupt, */
	assert_int_equal(cmos(m, 0x0c), 0x00);    /* no PF either (QEMU 7.2) */
	cmos_set(m, 0x0b, 0x0a);                  /* SQWE runs the divider tap */
	th_advance(m, 10 * MS);
	assert_int_equal(irq->rises, 0);
	assert_int_equal(cmos(m, 0x0c), 0x40);    /* PF set without an interrupt */
	assert_int_equal(cmos(m, 0x0c), 0x00);    /* and reading C cleared it */
	cmos_set(m, 0x0b, 0x42);                  /* PIE */
	assert_int_equal(serve(m, SEC, &seen), 1024);
	assert_int_equal(seen, 0xc0 | 0x10);      /* IRQF|PF, and UF at the update */
	cmos_set(m, 0x0a, 0x2f);                  /* RS 15: 2 Hz */
	assert_int_equal(serve(m, SEC, &seen), 2);
	cmos_set(m, 0x0a, 0x23);                  /* RS 3: 8192 Hz */
	assert_int_equal(serve(m, SEC / 8, &seen), 1024);
	/* unserviced: IRQ 8 stays high, one edge only, no timer left armed */
	th_advance(m, 10 * MS);
	assert_int_equal(irq->level, 1);
	th_advance(m, 10 * MS);
	armed = nr_timers(m);
	assert_int_equal(cmos(m, 0x0c) & 0xc0, 0xc0);
	assert_int_equal(irq->level, 0);
	assert_int_equal(nr_timers(m), armed + 1); /* re-armed once serviced */
	cmos_set(m, 0x0b, 0x02);
	assert_int_equal(nr_timers(m), armed);
}

static void test_alarm(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = rtc_irq_probe(m);
	u8 c, seen = 0;

	cmos_set(m, 0x01, 0x05);  /* 00:00:05 */
	cmos_set(m, 0x03, 0x00);
	cmos_set(m, 0x05, 0x00);
	cmos_set(m, 0x0b, 0x22);  /* AIE */
	th_run_to(m, 5 * SEC - 1);
	assert_int_equal(irq->rises, 0);
	th_run_to(m, 5 * SEC);
	assert_int_equal(irq->rises, 1);
	c = cmos(m, 0x0c);
	assert_int_equal(c & 0xb0, 0xb0); /* IRQF, AF, UF */
	/* don't-care seconds: every second of minute 0 of hour 1 */
	cmos_set(m, 0x01, 0xc0);
	cmos_set(m, 0x03, 0x00);
	cmos_set(m, 0x05, 0x01);
	th_run_to(m, 3600 * SEC - 1);
	assert_int_equal(irq->rises, 1);
	th_run_to(m, 3600 * SEC);
	assert_int_equal(irq->rises, 2);
	cmos(m, 0x0c);
	th_run_to(m, 3601 * SEC);
	assert_int_equal(irq->rises, 3);
	cmos(m, 0x0c);
	assert_int_equal(serve(m, 59 * SEC, &seen), 58); /* 01:00:02 .. 01:00:59 */
	assert_int_equal(seen & 0x20, 0x20);
	th_run_to(m, 7200 * SEC);
	assert_int_equal(irq->rises, 61); /* minute 1 onwards: no match */
	/* an alarm that can never match (seconds 0x61) never fires */
	cmos_set(m, 0x01, 0x61);
	cmos_set(m, 0x05, 0xc0);
	cmos_set(m, 0x03, 0xc0);
	th_advance(m, 2 * 86400 * SEC);
	assert_int_equal(irq->rises, 61);
}

static void test_update_ended(void **state)
{
	struct machine *m = *state;
	u8 seen = 0;

	cmos_set(m, 0x0b, 0x12);  /* UIE */
	assert_int_equal(serve(m, 10 * SEC, &seen), 10);
	assert_int_equal(seen & 0x90, 0x90);
	cmos_set(m, 0x0b, 0x92);  /* SET clears UIE */
	assert_int_equal(cmos(m, 0x0b), 0x82);
}

static void test_cmos_ram_and_memory(void **state)
{
	struct machine *m = *state;

	/* 128 MiB: 640 KiB base, 63 MiB+ extended (capped), 112 MiB above 16 MiB */
	assert_int_equal(cmos(m, 0x15) | cmos(m, 0x16) << 8, 640);
	assert_int_equal(cmos(m, 0x17) | cmos(m, 0x18) << 8, 0xffff);
	assert_int_equal(cmos(m, 0x30) | cmos(m, 0x31) << 8, 0xffff);
	assert_int_equal(cmos(m, 0x34) | cmos(m, 0x35) << 8, (112u << 20) >> 16);
	assert_int_equal(cmos(m, 0x5b) | cmos(m, 0x5c) | cmos(m, 0x5d), 0);
	/* NMI-disable bit 7 of the index is not part of the index */
	th_outb(m, 0x70, 0x80 | 0x40);
	th_outb(m, 0x71, 0x5a);
	assert_int_equal(cmos(m, 0x40), 0x5a);
	cmos_set(m, 0x7f, 0xa5);
	assert_int_equal(cmos(m, 0x7f), 0xa5);
	assert_int_equal(th_inb(m, 0x70), 0xff);
	cmos_set(m, 0x0d, 0x00); /* D is read-only */
	assert_int_equal(cmos(m, 0x0d), 0x80);
	cmos_set(m, 0x0c, 0xff); /* so is C */
	assert_int_equal(cmos(m, 0x0c), 0x00);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, th_setup, th_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_start_date),
		T(test_binary_and_12h),
		T(test_set_clock_and_rollover),
		T(test_uip),
		T(test_periodic),
		T(test_alarm),
		T(test_update_ended),
		T(test_cmos_ram_and_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
