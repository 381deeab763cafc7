/* dev/hpet.c: HPET at 0xfed00000.
 *
 * Skeleton: not implemented yet (platform issue). */
#include "dev/dev.h"
#include "dev/devpriv.h"

void hpet_init(struct machine *m)
{
	(void)m;
}
