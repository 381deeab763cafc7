/* vmx/apicv.h: APIC virtualization (SDM Vol.3C "APIC Virtualization and
 * Virtual Interrupts"): what the CPU asks, and what vmx/ shares. The
 * state is the current VMCS's and the virtual-APIC page's (vmx/apicv.c). */
#ifndef NESTBOX_VMX_APICV_H
#define NESTBOX_VMX_APICV_H

#include "base/types.h"

struct cpu;

/* offsets in the virtual-APIC page ("Virtual-APIC Page") */
#define VAPIC_TPR 0x080

/* MOV to/from CR8 in non-root operation with "use TPR shadow" (and no
 * CR8-load/store exit): the access goes to VTPR ("Virtualizing CR8-Based
 * TPR Accesses") */
bool vmx_cr8_virtualized(const struct cpu *c);
u64 vmx_cr8_read(const struct cpu *c);
void vmx_cr8_write(struct cpu *c, u64 val);

/* the 32-bit virtual-APIC register at off (bits 1:0 ignored) */
u32 vmx_vapic_read(const struct cpu *c, unsigned off);
void vmx_vapic_write(struct cpu *c, unsigned off, u32 val);

#endif
