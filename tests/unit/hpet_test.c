/* tests/unit/hpet_test.c: the HPET (dev/hpet.c) through MMIO at 0xfed00000
 * on virtual time: capabilities, counter progress/halt/write, one-shot and
 * periodic comparators, VAL_SET_CNF, 32-bit mode, level status and its
 * write-1-to-clear, edge pulses, routes and legacy replacement. */
#include "timers_harness.h"

#define HPET 0xfed00000ull
#define GCONF (HPET + 0x10)
#define GISR  (HPET + 0x20)
#define CNT   (HPET + 0xf0)
#define TCONF(n) (HPET + 0x100 + 0x20 * (n))
#define TCMP(n)  (HPET + 0x108 + 0x20 * (n))

#define LEVEL  (1u << 1)
#define INTENB (1u << 2)
#define PERIOD (1u << 3)
#define VALSET (1u << 6)
#define MODE32 (1u << 8)
#define ROUTE(r) ((u32)(r) << 9)

static void test_capabilities(void **state)
{
	struct machine *m = *state;

	assert_int_equal(th_rd(m, HPET, 4), 0x8086a201);
	assert_int_equal(th_rd(m, HPET + 4, 4), 10000000); /* 10 ns in fs */
	assert_int_equal(th_rd(m, HPET, 8), 0x009896808086a201ull);
	for (int n = 0; n < 3; n++) {
		assert_int_equal(th_rd(m, TCONF(n), 4), 0x30); /* PER_INT_CAP, SIZE_CAP */
		assert_int_equal(th_rd(m, TCONF(n) + 4, 4), 0x4); /* IOAPIC input 2 */
		assert_int_equal(th_rd(m, TCMP(n), 8), ~0ull);
	}
	th_wr(m, HPET, 4, 0); /* read-only */
	assert_int_equal(th_rd(m, HPET, 4), 0x8086a201);
	th_wr(m, TCONF(0), 4, 0xffffffff);
	assert_int_equal(th_rd(m, TCONF(0), 4), 0x3f7e);
}

static void test_counter(void **state)
{
	struct machine *m = *state;

	assert_int_equal(th_rd(m, CNT, 8), 0);
	th_advance(m, 1000);
	assert_int_equal(th_rd(m, CNT, 8), 0); /* halted */
	th_wr(m, CNT, 4, 0xfffffff0);          /* writable while halted */
	th_wr(m, CNT + 4, 4, 0x1);
	assert_int_equal(th_rd(m, CNT, 8), 0x1fffffff0ull);
	th_wr(m, GCONF, 4, 1);
	th_advance(m, 1000);
	assert_int_equal(th_rd(m, CNT, 8), 0x1fffffff0ull + 100);
	assert_int_equal(th_rd(m, CNT + 4, 4), 2); /* carried into the high half */
	th_wr(m, CNT, 8, 5);                      /* ignored while running */
	assert_int_equal(th_rd(m, CNT, 8), 0x1fffffff0ull + 100);
	th_wr(m, GCONF, 4, 0);
	th_advance(m, 1000);
	assert_int_equal(th_rd(m, CNT, 8), 0x1fffffff0ull + 100); /* halted again */
	th_wr(m, GCONF, 4, 1);
	th_advance(m, 10);
	assert_int_equal(th_rd(m, CNT, 4), 0x55);
}

static void test_oneshot_level(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = hpet_irq_probe(m, 2);

	th_wr(m, TCONF(2), 4, LEVEL | INTENB | ROUTE(2));
	th_wr(m, TCMP(2), 8, 500);
	th_wr(m, GCONF, 4, 1);
	th_advance(m, 4990);
	assert_int_equal(irq->level, 0);
	assert_int_equal(th_rd(m, GISR, 4), 0);
	th_advance(m, 10);
	assert_int_equal(irq->level, 1);
	assert_int_equal(th_rd(m, GISR, 4), 4);
	th_wr(m, GISR, 4, 3);   /* other bits: nothing */
	assert_int_equal(irq->level, 1);
	th_wr(m, GISR, 4, 4);   /* write 1 to clear lowers the line */
	assert_int_equal(irq->level, 0);
	assert_int_equal(th_rd(m, GISR, 4), 0);
	th_advance(m, 100000);
	assert_int_equal(irq->rises, 1); /* one-shot: no more matches */
	assert_int_equal(th_rd(m, TCMP(2), 8), 500);
	/* a comparator already passed matches at once (as QEMU) */
	th_wr(m, TCMP(2), 8, 600);
	assert_int_equal(irq->rises, 1);
	th_advance(m, 0);
	th_run_to(m, m->clock.ns);
	assert_int_equal(irq->rises, 2);
	/* disabling the interrupt deasserts */
	th_wr(m, TCONF(2), 4, LEVEL | ROUTE(2));
	assert_int_equal(irq->level, 0);
	assert_int_equal(th_rd(m, GISR, 4), 0);
}

static void test_periodic_edge(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = hpet_irq_probe(m, 0);

	th_wr(m, GCONF, 4, 1);
	th_advance(m, 1000); /* counter 100 */
	th_wr(m, TCONF(0), 4, INTENB | PERIOD | VALSET | ROUTE(2));
	th_wr(m, TCMP(0), 8, 200); /* VAL_SET: comparator 200 and period 200 */
	th_wr(m, TCMP(0), 8, 1000); /* then the period alone */
	assert_int_equal(th_rd(m, TCONF(0), 4) & VALSET, 0);
	assert_int_equal(th_rd(m, TCMP(0), 8), 200);
	th_run_to(m, 1999);
	assert_int_equal(irq->rises, 0);
	th_run_to(m, 2000);
	assert_int_equal(irq->rises, 1);
	assert_int_equal(irq->level, 0); /* edge: a pulse */
	assert_int_equal(th_rd(m, GISR, 4), 0);
	assert_int_equal(th_rd(m, TCMP(0), 8), 1200);
	th_run_to(m, 2000 + 10 * 10000);
	assert_int_equal(irq->rises, 11);
	assert_int_equal(th_rd(m, TCMP(0), 8), 11200);
	/* interrupt off: no timer, but the comparator still steps on read */
	th_wr(m, TCONF(0), 4, PERIOD);
	th_advance(m, 50000);
	assert_int_equal(irq->rises, 11);
	assert_int_equal(th_rd(m, TCMP(0), 8), 16200);
	/* halting the HPET stops the periodic interrupts */
	th_wr(m, TCONF(0), 4, INTENB | PERIOD);
	th_advance(m, 10000);
	assert_int_equal(irq->rises, 12);
	th_wr(m, GCONF, 4, 0);
	th_advance(m, 100000);
	assert_int_equal(irq->rises, 12);
}

static void test_32bit_mode(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *irq = hpet_irq_probe(m, 1);

	th_wr(m, CNT, 8, 0xffffff00ull);
	th_wr(m, TCONF(1), 4, INTENB | MODE32 | LEVEL | ROUTE(2));
	th_wr(m, TCMP(1), 8, 0x1000000080ull); /* upper half dropped */
	assert_int_equal(th_rd(m, TCMP(1), 8), 0x80);
	th_wr(m, GCONF, 4, 1);
	/* 32-bit one-shot: an interrupt at the wrap, then at the match */
	th_advance(m, 0x100 * 10 - 10);
	assert_int_equal(irq->rises, 0);
	th_advance(m, 10);
	assert_int_equal(irq->rises, 1);
	th_wr(m, GISR, 4, 2);
	th_advance(m, 0x80 * 10);
	assert_int_equal(irq->rises, 2);
	assert_int_equal(th_rd(m, CNT, 8), 0x100000080ull);
}

static void test_legacy_route(void **state)
{
	struct machine *m = *state;
	const struct irq_probe *t0 = hpet_irq_probe(m, 0), *pit = pit_irq_probe(m);

	th_wr(m, TCONF(0), 4, INTENB | LEVEL | ROUTE(2));
	th_wr(m, TCMP(0), 8, 100);
	th_wr(m, GCONF, 4, 3); /* enable + LEG_RT */
	assert_true(hpet_legacy(m));
	th_advance(m, 1000);
	assert_int_equal(t0->level, 1);
	assert_int_equal(th_rd(m, GISR, 4), 1);
	th_wr(m, GCONF, 4, 1); /* leaving legacy releases timer 0's line */
	assert_false(hpet_legacy(m));
	assert_int_equal(t0->level, 0);
	assert_non_null(pit);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, th_setup, th_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_capabilities),
		T(test_counter),
		T(test_oneshot_level),
		T(test_periodic_edge),
		T(test_32bit_mode),
		T(test_legacy_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
