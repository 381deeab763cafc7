/* dev/irq.h: interrupt lines between the devices and the interrupt
 * controllers. An ISA IRQ goes to the 8259 pair and to the IOAPIC (IRQ 0
 * arrives at GSI 2, as in the MADT interrupt source override); devices
 * never call the controllers directly. */
#ifndef NESTBOX_DEV_IRQ_H
#define NESTBOX_DEV_IRQ_H

#include "machine/machine.h"

/* set ISA IRQ line `irq` (0-15) to `level` (0 or 1) */
void isa_set_irq(struct machine *m, int irq, int level);
/* set IOAPIC input `gsi` to `level` */
void gsi_set_irq(struct machine *m, int gsi, int level);

/* the controllers' inputs (dev/pic8259.c, dev/ioapic.c) */
void pic_set_irq(struct machine *m, int irq, int level);
void ioapic_set_irq(struct machine *m, int gsi, int level);

#endif
