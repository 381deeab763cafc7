/* vmx/apicv.h: APIC virtualization (SDM Vol.3C "APIC Virtualization and
 * Virtual Interrupts"): what the CPU asks, and what vmx/ shares. The
 * state is the current VMCS's and the virtual-APIC page's (vmx/apicv.c). */
#ifndef NESTBOX_VMX_APICV_H
#define NESTBOX_VMX_APICV_H

#include "base/compiler.h"
#include "base/types.h"

struct cpu;

/* offsets in the virtual-APIC page ("Virtual-APIC Page") */
#define VAPIC_TPR      0x080
#define VAPIC_PPR      0x0a0
#define VAPIC_EOI      0x0b0
#define VAPIC_ISR      0x100
#define VAPIC_IRR      0x200
#define VAPIC_ICR_LO   0x300
#define VAPIC_ICR_HI   0x310
#define VAPIC_SELF_IPI 0x3f0

/* MOV to/from CR8 in non-root operation with "use TPR shadow" (and no
 * CR8-load/store exit): the access goes to VTPR ("Virtualizing CR8-Based
 * TPR Accesses") */
bool vmx_cr8_virtualized(const struct cpu *c);
u64 vmx_cr8_read(const struct cpu *c);
void vmx_cr8_write(struct cpu *c, u64 val);

/* the 32-bit virtual-APIC register at off (bits 1:0 ignored) */
u32 vmx_vapic_read(const struct cpu *c, unsigned off);
void vmx_vapic_write(struct cpu *c, unsigned off, u32 val);

/* "virtualize APIC accesses" (non-root operation only): is physical
 * address pa on the APIC-access page? A TLB entry for it is never a RAM
 * fast-path mapping nor executable (cpu/memory/mmu.c); data accesses
 * reach vmx_apic_access_read/write (cpu/memory/mem.c), which exit or
 * virtualize them; a fetch exits. */
bool vmx_apic_access_page(const struct cpu *c, u64 pa);
bool vmx_tlb_apic_page(const struct cpu *c, u64 tag, u64 gpa);
noreturn_fn void vmx_apic_access_fetch(struct cpu *c, u64 lin);
u64 vmx_apic_access_read(struct cpu *c, unsigned off, unsigned size, unsigned acc);
void vmx_apic_access_write(struct cpu *c, unsigned off, unsigned size, u64 val);

/* RDMSR/WRMSR of x2APIC MSRs with "virtualize x2APIC mode", after the
 * MSR bitmaps (cpu/system/exec_sys.c): true when the access went to the
 * virtual-APIC page (a WRMSR may #GP or make a trap-like exit) */
bool vmx_x2apic_read(struct cpu *c, u32 idx, u64 *val);
bool vmx_x2apic_write(struct cpu *c, u32 idx, u64 val);

/* "virtual-interrupt delivery" in non-root operation: a recognized
 * virtual interrupt that can be delivered at this boundary (cpu/event.c
 * asks where an interrupt window exit would come), and its delivery */
bool vmx_virq_ready(const struct cpu *c);
void vmx_virq_deliver(struct cpu *c);

/* an external interrupt of vector v acknowledged in non-root operation:
 * true when it was the posted-interrupt notification and was processed
 * instead of exiting (vmx/intercept.c) */
bool vmx_posted_intr_notification(struct cpu *c, u8 v);

/* the end of a VM entry, after event injection (vmx/entry.c) */
void vmx_apicv_after_entry(struct cpu *c);

#endif
