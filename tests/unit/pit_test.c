/* tests/unit/pit_test.c: the 8254 PIT (dev/pit8254.c) through ports
 * 0x40-0x43 and 0x61 on virtual time: counts per mode, counter latch,
 * read-back, access modes, BCD, the channel 2 gate/OUT in port 0x61 and
 * channel 0's IRQ 0 edges. */
#include "timers_harness.h"

#define PIT_HZ 1193182ull

/* virtual ns at which PIT tick t begins */
static u64 t2ns(u64 t) { return (t * 1000000000ull + PIT_HZ - 1) / PIT_HZ; }

static void at_tick(struct machine *m, u64 t) { th_run_to(m, t2ns(t)); }

static void program(struct machine *m, int ch, u8 cw_low, u16 count)
{
	th_outb(m, 0x43, (u8)(ch << 6 | cw_low));
	if (((cw_low >> 4) & 3) != 2)
		th_outb(m, 0x40 + ch, (u8)count);
	if (((cw_low >> 4) & 3) >= 2)
		th_outb(m, 0x40 + ch, (u8)(count >> 8));
}

/* latch and read a 16-bit count (channel in LSB/MSB access mode) */
static u16 latched(struct machine *m, int ch)
{
	u16 v;

	th_outb(m, 0x43, (u8)(ch << 6));
	v = th_inb(m, 0x40 + ch);
	return v | th_inb(m, 0x40 + ch) << 8;
}

static u8 status(struct machine *m, int ch)
{
	th_outb(m, 0x43, (u8)(0xe0 | 2 << ch)); /* read-back: status only */
	return th_inb(m, 0x40 + ch);
}

static void test_mode2_count_and_irq(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = pit_irq_probe(m);
	u64 r0;

	assert_non_null(irq);
	program(m, 0, 0x34, 1000); /* ch0, LSB/MSB, mode 2 */
	r0 = irq->rises;
	assert_int_equal(irq->level, 1); /* mode 2: OUT high after the control word */
	assert_int_equal(latched(m, 0), 1000);
	at_tick(m, 1);
	assert_int_equal(latched(m, 0), 999);
	at_tick(m, 999);
	assert_int_equal(latched(m, 0), 1);
	at_tick(m, 1000);
	assert_int_equal(latched(m, 0), 1000); /* reloaded */
	assert_int_equal(irq->rises - r0, 1);
	at_tick(m, 10 * 1000 + 5);
	assert_int_equal(irq->rises - r0, 10); /* one edge per period */
	assert_int_equal(latched(m, 0), 995);
}

static void test_counter_latch(void **state)
{
	struct machine *m = *state;

	program(m, 0, 0x30, 5000); /* mode 0 */
	at_tick(m, 100);
	th_outb(m, 0x43, 0x00); /* latch */
	at_tick(m, 300);
	th_outb(m, 0x43, 0x00); /* ignored: the first latch is unread */
	assert_int_equal(th_inb(m, 0x40), (4900) & 0xff);
	assert_int_equal(th_inb(m, 0x40), 4900 >> 8);
	assert_int_equal(latched(m, 0), 4700);
}

static void test_readback(void **state)
{
	struct machine *m = *state;
	u8 st;

	th_outb(m, 0x43, 0x00 | 0x30 | 0x00); /* ch0 mode 0, no count yet */
	st = status(m, 0);
	assert_int_equal(st & 0x3f, 0x30);
	assert_true(st & 0x40);       /* NULL COUNT */
	assert_false(st & 0x80);      /* mode 0: OUT low */
	th_outb(m, 0x40, 10);
	th_outb(m, 0x40, 0);
	at_tick(m, 2);
	st = status(m, 0);
	assert_false(st & 0x40);      /* count loaded */
	assert_false(st & 0x80);
	at_tick(m, 12);
	assert_true(status(m, 0) & 0x80); /* terminal count: OUT high */
	/* status and count latched together: status first, then the count */
	program(m, 0, 0x3b, 0x1234);  /* mode 5 ... */
	program(m, 0, 0x34, 300);     /* ... replaced by mode 2 */
	at_tick(m, 112);
	th_outb(m, 0x43, 0xc2);       /* count and status of ch0 */
	assert_int_equal(th_inb(m, 0x40), 0x80 | 0x34);
	assert_int_equal(th_inb(m, 0x40), 200); /* LSB, then MSB */
	assert_int_equal(th_inb(m, 0x40), 0);
}

static void test_access_modes(void **state)
{
	struct machine *m = *state;

	program(m, 0, 0x10, 0x80);      /* LSB only, mode 0: count 0x0080 */
	at_tick(m, 16);
	assert_int_equal(th_inb(m, 0x40), 0x80 - 16);
	program(m, 0, 0x20, 0x0300);    /* MSB only: count 0x0300 */
	assert_int_equal(th_inb(m, 0x40), 0x03);
	th_outb(m, 0x43, 0x00);         /* latch: one byte, the MSB */
	assert_int_equal(th_inb(m, 0x40), 0x03);
	program(m, 0, 0x30, 0x1234);    /* LSB then MSB, live reads alternate */
	assert_int_equal(th_inb(m, 0x40), 0x34);
	assert_int_equal(th_inb(m, 0x40), 0x12);
}

static void test_mode0_stop_on_lsb(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = pit_irq_probe(m);

	program(m, 0, 0x30, 100);
	assert_int_equal(irq->level, 0);
	at_tick(m, 40);
	th_outb(m, 0x40, 50); /* first byte: counting stops, OUT stays low */
	at_tick(m, 200);
	assert_int_equal(irq->level, 0);
	assert_int_equal(latched(m, 0), 60);
	th_outb(m, 0x40, 0); /* second byte: count 50 loaded */
	at_tick(m, 249);
	assert_int_equal(irq->level, 0);
	at_tick(m, 250);
	assert_int_equal(irq->level, 1);
	assert_int_equal(latched(m, 0), 0);
	at_tick(m, 251);
	assert_int_equal(latched(m, 0), 0xffff); /* wraps, OUT stays high */
	assert_true(status(m, 0) & 0x80);
}

static void test_mode3_square_wave(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = pit_irq_probe(m);
	u64 r0, f0;

	program(m, 0, 0x36, 10); /* mode 3, even count */
	r0 = irq->rises, f0 = irq->falls;
	assert_int_equal(irq->level, 1);
	at_tick(m, 1);
	assert_int_equal(latched(m, 0), 8); /* decrements by two */
	at_tick(m, 4);
	assert_int_equal(latched(m, 0), 2);
	assert_int_equal(irq->level, 1);
	at_tick(m, 5);
	assert_int_equal(irq->level, 0); /* low half */
	assert_int_equal(latched(m, 0), 10);
	at_tick(m, 10);
	assert_int_equal(irq->level, 1);
	at_tick(m, 1000);
	assert_int_equal(irq->rises - r0, 100);
	assert_int_equal(irq->falls - f0, 100);
	/* odd count 5: high for 3 clocks (4, 2, 0), low for 2 (4, 2) */
	program(m, 0, 0x36, 5);
	at_tick(m, 1001);
	assert_int_equal(latched(m, 0), 2);
	at_tick(m, 1002);
	assert_int_equal(irq->level, 1);
	assert_int_equal(latched(m, 0), 0);
	at_tick(m, 1003);
	assert_int_equal(irq->level, 0);
	assert_int_equal(latched(m, 0), 4);
	at_tick(m, 1004);
	assert_int_equal(latched(m, 0), 2);
	at_tick(m, 1005);
	assert_int_equal(irq->level, 1);
}

static void test_bcd(void **state)
{
	struct machine *m = *state;

	program(m, 0, 0x31, 0x0000); /* mode 0 BCD, count 0 = 10000 */
	at_tick(m, 1);
	assert_int_equal(latched(m, 0), 0x9999);
	program(m, 0, 0x35, 0x0100); /* mode 2 BCD, count 100 */
	at_tick(m, 1 + 37);
	assert_int_equal(latched(m, 0), 0x63);
	assert_int_equal(status(m, 0) & 1, 1);
}

static void test_reload_at_period_end(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = pit_irq_probe(m);
	u64 r0;

	program(m, 0, 0x34, 100);
	r0 = irq->rises;
	at_tick(m, 30);
	th_outb(m, 0x40, 50); /* new count, no control word: next period */
	th_outb(m, 0x40, 0);
	at_tick(m, 60);
	assert_int_equal(latched(m, 0), 40);
	at_tick(m, 100);
	assert_int_equal(irq->rises - r0, 1);
	assert_int_equal(latched(m, 0), 50);
	at_tick(m, 300);
	assert_int_equal(irq->rises - r0, 5);
}

static void test_mode4_strobe(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = pit_irq_probe(m);
	u64 r0;

	program(m, 0, 0x38, 20);
	r0 = irq->rises;
	at_tick(m, 19);
	assert_int_equal(irq->rises - r0, 0);
	at_tick(m, 20);
	assert_int_equal(irq->rises - r0, 1);
	assert_int_equal(irq->level, 1);
	at_tick(m, 100000);
	assert_int_equal(irq->rises - r0, 1); /* one strobe only */
	assert_null(m->clock.timers);         /* and no timer left armed */
}

/* channel 2 as Linux's PIT calibration uses it */
static void test_channel2_port61(void **state)
{
	struct machine *m = *state;
	u64 r0 = pit_irq_probe(m)->rises;

	th_outb(m, 0x61, (th_inb(m, 0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	program(m, 2, 0xb0, 1000); /* ch2 mode 0 */
	at_tick(m, 999);
	assert_int_equal(th_inb(m, 0x61) & 0x20, 0);
	at_tick(m, 1000);
	assert_int_equal(th_inb(m, 0x61) & 0x20, 0x20);
	assert_int_equal(th_inb(m, 0x61) & 0x0f, 0x01);
	assert_int_equal(pit_irq_probe(m)->rises, r0); /* channel 2 has no IRQ */
	/* gate low stops mode 0 counting */
	program(m, 2, 0xb0, 500);
	at_tick(m, 1100);
	th_outb(m, 0x61, 0x00);
	at_tick(m, 5000);
	assert_int_equal(latched(m, 2), 400);
	th_outb(m, 0x61, 0x01);
	at_tick(m, 5399);
	assert_int_equal(th_inb(m, 0x61) & 0x20, 0);
	at_tick(m, 5400);
	assert_int_equal(th_inb(m, 0x61) & 0x20, 0x20);
	/* mode 1: the gate's rising edge triggers the one-shot */
	th_outb(m, 0x61, 0x00);
	program(m, 2, 0xb2, 100);
	at_tick(m, 6000);
	assert_int_equal(th_inb(m, 0x61) & 0x20, 0x20); /* high until triggered */
	th_outb(m, 0x61, 0x01);
	at_tick(m, 6050);
	assert_int_equal(th_inb(m, 0x61) & 0x20, 0);
	at_tick(m, 6100);
	assert_int_equal(th_inb(m, 0x61) & 0x20, 0x20);
	/* mode 2 with the gate low: OUT high, count held */
	program(m, 2, 0xb4, 100);
	th_outb(m, 0x61, 0x00);
	assert_true(status(m, 2) & 0x80);
}

static void test_refresh_toggles(void **state)
{
	struct machine *m = *state;
	u8 a = th_inb(m, 0x61), b = th_inb(m, 0x61);

	assert_int_equal((a ^ b) & 0x10, 0x10);
	assert_int_equal(th_inb(m, 0x43), 0xff);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, th_setup, th_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mode2_count_and_irq),
		T(test_counter_latch),
		T(test_readback),
		T(test_access_modes),
		T(test_mode0_stop_on_lsb),
		T(test_mode3_square_wave),
		T(test_bcd),
		T(test_reload_at_period_end),
		T(test_mode4_strobe),
		T(test_channel2_port61),
		T(test_refresh_toggles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
