/* machine/bios.h: what the firmware leaves behind before a -kernel image
 * runs (real-mode IVT, PIC bases, PIT channel 0), as SeaBIOS does under QEMU. */
#ifndef NESTBOX_MACHINE_BIOS_H
#define NESTBOX_MACHINE_BIOS_H

#include "machine/machine.h"

void bios_init(struct machine *m);

/* ACPI S3 (dev/acpi.c): sleep takes the processors' power away (each vCPU
 * waits for a SIPI that never comes: nothing runs until the wake); the wake
 * resets every vCPU, redoes the firmware's device set-up (PICs, PIT, the
 * BSP's local APIC) and enters the OS's waking vector in real mode at
 * CS = vector >> 4, IP = vector & 0xf as SeaBIOS's resume path does. A
 * vector of 0 means "no OS to resume": the machine resets (run ends). */
void bios_s3_suspend(struct machine *m);
void bios_s3_resume(struct machine *m, u32 waking_vector);

#endif
