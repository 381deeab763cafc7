/* machine/clock.c: virtual time from the instruction count, and timers. */
#include "machine/clock.h"

#include "cpu/step.h"
#include "machine/machine.h"
#include "snap/state.h"

/* The clock's snapshot description: the time and the arming counter are
 * state; the timer list is rebuilt from the timers' own saved rows. */
static const struct snap_field vclock_rows[] = {
	SNAP_U64(struct vclock, ns),
	SNAP_U64(struct vclock, icount_base),
	SNAP_DERIVED(struct vclock, ns_per_insn_shift, "-icount shift (section machine)"),
	SNAP_DERIVED(struct vclock, tsc_hz, "fixed at 1 GHz by machine_init"),
	SNAP_DERIVED(struct vclock, timers, "the armed timers' deadline and seq"),
	SNAP_U64(struct vclock, timer_seq),
};
SNAP_DESC(vclock, 1, vclock_rows, NULL, NULL);

u64 clock_ns(struct machine *m)
{
	const struct vclock *k = &m->clock;
	u64 ran = m->cur ? m->cur->icount - k->icount_base : 0;
	return k->ns + (ran << k->ns_per_insn_shift);
}

/* TSC = ns * tsc_hz / 1e9, computed without overflow for any run length */
u64 clock_ns_to_tsc(struct machine *m, u64 ns)
{
	u64 hz = m->clock.tsc_hz;
	return (u64)(((u128)ns * hz) / 1000000000u);
}

u64 clock_tsc_to_ns(struct machine *m, u64 tsc)
{
	u64 hz = m->clock.tsc_hz;
	return (u64)(((u128)tsc * 1000000000u + hz - 1) / hz);
}

u64 clock_tsc(struct machine *m)
{
	return clock_ns_to_tsc(m, clock_ns(m));
}

void timer_init(struct timer *t, timer_cb *cb, void *opaque)
{
	t->deadline = 0;
	t->cb = cb;
	t->opaque = opaque;
	t->armed = false;
	t->next = NULL;
}

void timer_del(struct machine *m, struct timer *t)
{
	if (!t->armed)
		return;
	for (struct timer **pp = &m->clock.timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

/* the list is sorted by (deadline, seq) */
static void timer_insert(struct machine *m, struct timer *t)
{
	struct timer **pp = &m->clock.timers;
	while (*pp && ((*pp)->deadline < t->deadline ||
		       ((*pp)->deadline == t->deadline && (*pp)->seq < t->seq)))
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

/* Timers with equal deadlines fire in arming order (stable): determinism.
 * The order is kept as a number (seq) so that a snapshot restores it. */
void timer_mod(struct machine *m, struct timer *t, u64 deadline_ns)
{
	timer_del(m, t);
	t->deadline = deadline_ns;
	t->seq = m->clock.timer_seq++;
	t->armed = true;
	timer_insert(m, t);
	/* the running CPU must come back to the loop in time to fire it */
	if (m->cur)
		cpu_stop(m->cur);
}

void clock_forget_timers(struct machine *m)
{
	m->clock.timers = NULL;
}

void timer_restore(struct machine *m, struct timer *t)
{
	t->next = NULL;
	if (t->armed)
		timer_insert(m, t);
}

u64 clock_next_deadline(struct machine *m)
{
	return m->clock.timers ? m->clock.timers->deadline : UINT64_MAX;
}

void clock_run_timers(struct machine *m)
{
	u64 now = clock_ns(m);
	struct timer *t;
	while ((t = m->clock.timers) && t->deadline <= now) {
		m->clock.timers = t->next;
		t->armed = false;
		t->next = NULL;
		t->cb(t->opaque);
		/* a callback that re-arms its timer at or before now would fire
		 * for ever: it waits for the next nanosecond instead */
		if (t->armed && t->deadline <= now)
			timer_mod(m, t, now + 1);
	}
}
