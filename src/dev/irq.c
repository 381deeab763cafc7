/* dev/irq.c: interrupt lines from the devices to the 8259 pair and the
 * IOAPIC. ISA IRQ n is 8259 input n and IOAPIC pin (GSI) n, except IRQ 0,
 * which reaches GSI 2 (the MADT interrupt source override QEMU's tables
 * carry, and nestbox's); ISA IRQ 2 does not exist at the 8259s, where
 * master IR2 is the cascade from the slave. */
#include "dev/irq.h"

#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/timers.h"

#define ISA_NR_IRQS  16
#define GSI_NR       24

void isa_set_irq(struct machine *m, int irq, int level)
{
	if (irq < 0 || irq >= ISA_NR_IRQS)
		return;
	level = level != 0;
	pic_set_irq(m, irq, level);
	gsi_set_irq(m, irq == 0 ? 2 : irq, level);
}

void gsi_set_irq(struct machine *m, int gsi, int level)
{
	if (gsi < 0 || gsi >= GSI_NR)
		return;
	ioapic_set_irq(m, gsi, level != 0);
}

/* testdev's ports 0x2000+n: n < 16 are ISA IRQ lines; 16-23 (which QEMU's
 * ISA bus does not have) drive IOAPIC pins 16-23 directly, like PCI
 * interrupt lines */
static void testdev_irq(struct machine *m, int irq, int level)
{
	if (irq < ISA_NR_IRQS)
		isa_set_irq(m, irq, level);
	else
		gsi_set_irq(m, irq, level);
}

void irq_init(struct machine *m)
{
	testdev_set_irq_hook(m, testdev_irq);
}

/* A line starts low and every change is counted, so it has risen once
 * more than it fell exactly when it is high. The level is what the
 * controllers' inputs saw last (they save their own view). */
static const char *irq_probe_check(const void *p, char *msg, size_t len)
{
	const struct irq_probe *q = p;

	if (q->rises - q->falls != (u64)q->level) {
		snprintf(msg, len, "%d after %llu rises and %llu falls", q->level,
			 (unsigned long long)q->rises, (unsigned long long)q->falls);
		return "level";
	}
	return NULL;
}

static const struct snap_field irq_probe_fields[] = {
	SNAP_U32_MAX(struct irq_probe, level, 1),
	SNAP_U64(struct irq_probe, rises),
	SNAP_U64(struct irq_probe, falls),
	SNAP_DERIVED(struct irq_probe, legacy, "construction: set by pit_init and rtc_init"),
};
SNAP_DESC(irq_probe, 1, irq_probe_fields, irq_probe_check, NULL);
