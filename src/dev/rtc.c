/* dev/rtc.c: MC146818 RTC/CMOS at 0x70/0x71.
 *
 * Skeleton: not implemented yet (platform issue). */
#include "dev/dev.h"
#include "dev/devpriv.h"

void rtc_init(struct machine *m)
{
	(void)m;
}
