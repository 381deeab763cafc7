/* dev/pic8259.c: the 8259A pair (master 0x20/0x21, slave 0xa0/0xa1,
 * cascade on IRQ 2, ELCR), answering ExtINT through the BSP's LINT0.
 *
 * Skeleton: the stand-in in dev/pc_ports.c still owns the ports. */
#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/irq.h"

void pic_set_irq(struct machine *m, int irq, int level)
{
	(void)m, (void)irq, (void)level;
}
