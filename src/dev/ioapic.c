/* dev/ioapic.c: IOAPIC at 0xfec00000 (SDM-era 82093AA data sheet).
 *
 * Skeleton: not implemented yet (platform issue). */
#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/irq.h"

void ioapic_init(struct machine *m)
{
	(void)m;
}

void ioapic_set_irq(struct machine *m, int gsi, int level)
{
	(void)m, (void)gsi, (void)level;
}
