/* machine/bios.h: what the firmware leaves behind before a -kernel image
 * runs (real-mode IVT, PIC bases, PIT channel 0), as SeaBIOS does under QEMU. */
#ifndef NESTBOX_MACHINE_BIOS_H
#define NESTBOX_MACHINE_BIOS_H

#include "machine/machine.h"

void bios_init(struct machine *m);

#endif
