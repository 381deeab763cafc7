/* machine/clock.h: virtual time. Time comes only from the instruction count
 * (and idle skips to the next timer while every CPU is halted): the same
 * image and options give the same timeline. Host time never enters. */
#ifndef NESTBOX_MACHINE_CLOCK_H
#define NESTBOX_MACHINE_CLOCK_H

#include "base/types.h"

struct machine;

typedef void timer_cb(void *opaque);

struct timer {
	u64 deadline;  /* virtual ns */
	u64 seq;       /* arming order: timers with equal deadlines fire by it */
	timer_cb *cb;
	void *opaque;
	bool armed;
	struct timer *next;
};

struct vclock {
	u64 ns;              /* virtual time at the last sync point */
	u64 icount_base;     /* total instructions at that point */
	u32 ns_per_insn_shift; /* -icount shift=N: each instruction is 2^N ns */
	u64 tsc_hz;          /* TSC frequency (Hz), derived from virtual ns */
	struct timer *timers; /* sorted by (deadline, seq) */
	u64 timer_seq;       /* seq of the next timer_mod */
};

/* its snapshot description (section "clock") */
struct snap_desc;
extern const struct snap_desc vclock_snap;

/* current virtual time in ns */
u64 clock_ns(struct machine *m);
/* virtual TSC (before any per-CPU offset) */
u64 clock_tsc(struct machine *m);
/* ns -> TSC ticks and back */
u64 clock_ns_to_tsc(struct machine *m, u64 ns);
u64 clock_tsc_to_ns(struct machine *m, u64 tsc);

void timer_init(struct timer *t, timer_cb *cb, void *opaque);
/* arm (or re-arm) t to fire at virtual time `deadline_ns` */
void timer_mod(struct machine *m, struct timer *t, u64 deadline_ns);
void timer_del(struct machine *m, struct timer *t);
/* snapshot load: forget every armed timer (their structs are about to be
 * overwritten), then put back one whose deadline, seq and armed flag were
 * loaded, in the place timer_mod gave it */
void clock_forget_timers(struct machine *m);
void timer_restore(struct machine *m, struct timer *t);
/* run every timer whose deadline has passed */
void clock_run_timers(struct machine *m);
/* deadline of the earliest armed timer, or UINT64_MAX */
u64 clock_next_deadline(struct machine *m);

#endif
