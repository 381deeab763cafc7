/* dev/acpi.c: ACPI tables (RSDP/RSDT/XSDT/MADT/FADT/FACS) and the PM timer / PM1a control block.
 *
 * Skeleton: not implemented yet (platform issue). */
#include "dev/dev.h"
#include "dev/devpriv.h"

void acpi_init(struct machine *m)
{
	(void)m;
}
