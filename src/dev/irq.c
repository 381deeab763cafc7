/* dev/irq.c: ISA IRQ routing to the 8259 pair and the IOAPIC. */
#include "dev/irq.h"

#include "dev/dev.h"
#include "dev/devpriv.h"

void isa_set_irq(struct machine *m, int irq, int level)
{
	if (irq < 0 || irq > 15)
		return;
	pic_set_irq(m, irq, level);
	/* MADT interrupt source override: ISA IRQ 0 is GSI 2 */
	gsi_set_irq(m, irq == 0 ? 2 : irq, level);
}

void gsi_set_irq(struct machine *m, int gsi, int level)
{
	ioapic_set_irq(m, gsi, level);
}

/* testdev's 0x2000+n ports are ISA IRQ lines */
static void testdev_irq(struct machine *m, int irq, int level)
{
	isa_set_irq(m, irq, level);
}

void irq_init(struct machine *m)
{
	testdev_set_irq_hook(m, testdev_irq);
}
