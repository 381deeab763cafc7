/* dev/timers.h: what the timer devices (dev/pit8254.c, dev/rtc.c,
 * dev/hpet.c) share, and their inspection hooks for unit tests.
 *
 * Every interrupt line a timer drives goes through irq_probe_set(), which
 * forwards to dev/irq.h and also records the level and the number of edges,
 * so a unit test can watch a line without the interrupt controllers. */
#ifndef NESTBOX_DEV_TIMERS_H
#define NESTBOX_DEV_TIMERS_H

#include "dev/irq.h"
#include "machine/machine.h"
#include "snap/state.h"

struct irq_probe {
	int level;  /* last level driven */
	u64 rises;  /* 0 -> 1 transitions */
	u64 falls;  /* 1 -> 0 transitions */
	bool legacy; /* the PIT's IRQ 0 / the RTC's IRQ 8: muted while the HPET's
		      * legacy replacement route owns the line */
};

/* its snapshot description (dev/irq.c) */
extern const struct snap_desc irq_probe_snap;

/* HPET LEG_RT_CNF is set (dev/hpet.c) */
bool hpet_legacy(struct machine *m);

/* drive ISA IRQ `irq` (0-15) or, when gsi is true, IOAPIC input `irq` */
static inline void irq_probe_set(struct machine *m, struct irq_probe *p, int irq, bool gsi,
				 int level)
{
	level = !!level;
	if (level && !p->level)
		p->rises++;
	if (!level && p->level)
		p->falls++;
	p->level = level;
	if (p->legacy && hpet_legacy(m))
		return;
	if (gsi)
		gsi_set_irq(m, irq, level);
	else
		isa_set_irq(m, irq, level);
}

/* a rising edge with the line left high, as a strobe seen by an
 * edge-triggered input (PIT modes 2/4/5, HPET edge interrupts) */
static inline void irq_probe_pulse(struct machine *m, struct irq_probe *p, int irq, bool gsi)
{
	irq_probe_set(m, p, irq, gsi, 0);
	irq_probe_set(m, p, irq, gsi, 1);
}

/* unit-test hooks: the state of each device's lines, or NULL if the
 * device is not in the machine */
const struct irq_probe *pit_irq_probe(struct machine *m);    /* IRQ 0 */
const struct irq_probe *rtc_irq_probe(struct machine *m);    /* IRQ 8 */
/* HPET timer n's line (whatever route it uses) */
const struct irq_probe *hpet_irq_probe(struct machine *m, int n);

/* the RTC's wall-clock base: seconds since 1970-01-01 00:00:00 UTC at
 * virtual time 0 (fixed, never the host clock) */
#define RTC_BASE_EPOCH 1767225600ull /* 2026-01-01 00:00:00 UTC */

#endif
