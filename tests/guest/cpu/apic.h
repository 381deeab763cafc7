/* tests/guest/cpu/apic.h: local APIC helpers shared by the apic_*.c guest
 * tests (xAPIC MMIO at the default base, x2APIC MSRs). */
#ifndef GUEST_CPU_APIC_H
#define GUEST_CPU_APIC_H

#include "guest.h"

#define APIC_DEFAULT_BASE 0xfee00000ul
#define APIC_BSP  BIT(8)
#define APIC_EXTD BIT(10)
#define APIC_EN   BIT(11)

#define APIC_ID      0x020
#define APIC_LVR     0x030
#define APIC_TASKPRI 0x080
#define APIC_PROCPRI 0x0a0
#define APIC_EOI     0x0b0
#define APIC_LDR     0x0d0
#define APIC_DFR     0x0e0
#define APIC_SPIV    0x0f0
#define APIC_ISR     0x100
#define APIC_TMR     0x180
#define APIC_IRR     0x200
#define APIC_ESR     0x280
#define APIC_ICR     0x300
#define APIC_ICR2    0x310
#define APIC_LVTT    0x320
#define APIC_LVTPC   0x340
#define APIC_LVT0    0x350
#define APIC_LVT1    0x360
#define APIC_LVTERR  0x370
#define APIC_TMICT   0x380
#define APIC_TMCCT   0x390
#define APIC_TDCR    0x3e0
#define APIC_SELF_IPI 0x3f0

#define APIC_DEST_SELF   0x40000
#define APIC_DEST_ALLBUT 0xc0000
#define APIC_LVT_MASKED  BIT(16)
#define APIC_LVT_PERIODIC (1u << 17)
#define APIC_LVT_TSCDEADLINE (2u << 17)

static inline volatile u32 *apic_reg(unsigned long base, u32 off)
{
	return (volatile u32 *)(base + off);
}
static inline u32 xapic_read(u32 off) { return *apic_reg(APIC_DEFAULT_BASE, off); }
static inline void xapic_write(u32 off, u32 v) { *apic_reg(APIC_DEFAULT_BASE, off) = v; }
static inline u32 x2apic_msr(u32 off) { return 0x800 + (off >> 4); }

/* the bit for `vec` in ISR/TMR/IRR (xAPIC) */
static inline bool xapic_vec_bit(u32 reg, u8 vec)
{
	return (xapic_read(reg + (vec >> 5) * 0x10) >> (vec & 31)) & 1;
}

static inline bool apic_base_write_faults(u64 val)
{
	return wrmsr_safe(MSR_IA32_APICBASE, val) == GP_VECTOR;
}

/* mask both 8259s: only the local APIC interrupts in these tests */
static inline void pic_mask_all(void)
{
	outb(0xff, 0x21);
	outb(0xff, 0xa1);
}

/* with interrupts enabled, wait until *v >= n or the TSC advanced `cycles` */
static inline bool wait_for(volatile int *v, int n, u64 cycles)
{
	u64 start = rdtsc();

	irq_enable();
	while (*v < n && rdtsc() - start < cycles)
		cpu_relax();
	irq_disable();
	return *v >= n;
}

/* back to the xAPIC mode at the default base, software-enabled */
static inline void xapic_reset(void)
{
	u64 bsp = rdmsr(MSR_IA32_APICBASE) & APIC_BSP;

	wrmsr(MSR_IA32_APICBASE, APIC_DEFAULT_BASE | bsp);
	wrmsr(MSR_IA32_APICBASE, APIC_DEFAULT_BASE | bsp | APIC_EN);
	xapic_write(APIC_SPIV, 0x1ff);
}

#endif
