/* dev/apm.c: APM control ports 0xb2/0xb3 (software SMI).
 *
 * Skeleton: not implemented yet (platform issue). */
#include "dev/dev.h"
#include "dev/devpriv.h"

void apm_init(struct machine *m)
{
	(void)m;
}
