/* tests/unit/timers_harness.h: a machine with its devices (no instructions
 * run) for the timer-device tests (pit_test.c, rtc_test.c, hpet_test.c):
 * virtual time is moved by hand and the devices' timers fire as the idle
 * skip in machine_run would fire them. Header-only. */
#ifndef NESTBOX_TESTS_TIMERS_HARNESS_H
#define NESTBOX_TESTS_TIMERS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dev/timers.h"
#include "machine/machine.h"

static int th_setup(void **state)
{
	struct machine *m = calloc(1, sizeof(*m));
	struct machine_config cfg = { 0 };

	assert_non_null(m);
	cfg.ram_size = 128ull << 20;
	cfg.smp = 1;
	cfg.cpu_spec = "max";
	cfg.debug_exit_port = 0xf4;
	assert_int_equal(machine_init(m, &cfg), 0);
	m->cur = NULL; /* clock_ns() is m->clock.ns */
	*state = m;
	return 0;
}

static int th_teardown(void **state)
{
	struct machine *m = *state;

	machine_free(m);
	free(m);
	return 0;
}

/* move virtual time to `ns`, firing every timer due on the way in order */
static inline void th_run_to(struct machine *m, u64 ns)
{
	u64 next;

	while ((next = clock_next_deadline(m)) <= ns) {
		if (next > m->clock.ns)
			m->clock.ns = next;
		clock_run_timers(m);
	}
	if (ns > m->clock.ns)
		m->clock.ns = ns;
}

static inline void th_advance(struct machine *m, u64 ns) { th_run_to(m, m->clock.ns + ns); }

static inline u8 th_inb(struct machine *m, u16 port) { return (u8)pio_read(&m->mem, port, 1); }
static inline void th_outb(struct machine *m, u16 port, u8 v) { pio_write(&m->mem, port, 1, v); }
static inline u64 th_rd(struct machine *m, u64 gpa, unsigned size) { return phys_read(&m->mem, gpa, size); }
static inline void th_wr(struct machine *m, u64 gpa, unsigned size, u64 v) { phys_write(&m->mem, gpa, size, v); }

#endif
