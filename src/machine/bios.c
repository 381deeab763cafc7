/* machine/bios.c: the BIOS-like start state.
 *
 * Skeleton: nothing yet (platform issue). */
#include "machine/bios.h"

void bios_init(struct machine *m)
{
	(void)m;
}
