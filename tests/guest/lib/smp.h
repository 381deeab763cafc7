/* tests/guest/lib/smp.h: starting and using application processors.
 * smp_init() sends INIT then one SIPI (vector 0) to all but self and waits
 * for the APs (count from fw_cfg key 0x05, else NR_CPUS from the
 * environment); they run in 64-bit mode on the boot page tables and the
 * shared IDT with a TSS each (IST1 for NMI/#DF/#MC) and wait for work in
 * `sti; hlt` (PLATFORM.md "SMP"): on_cpu() posts work in the AP's mailbox
 * and wakes it with a fixed IPI (SMP_WAKE_VECTOR, physical destination).
 * The exception-capture state of desc.h is global: use it on one CPU at a time. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#define SMP_MAX_CPUS 64
/* the IPI that wakes an idle AP (priority class 15: no TPR blocks it) */
#define SMP_WAKE_VECTOR 0xfd

#ifndef __ASSEMBLER__
/* number of CPUs running afterwards (1 if none came up) */
int smp_init(void);
int cpu_count(void);
/* index of the calling CPU: 0 = BSP, 1.. = APs in start-up order */
int smp_id(void);
u32 cpu_apic_id(int cpu);
/* run fn(data) on cpu and wait for it to return */
void on_cpu(int cpu, void (*fn)(void *), void *data);
void on_cpu_async(int cpu, void (*fn)(void *), void *data);
void smp_wait(int cpu);

/* how many times AP `cpu` has entered ap_main (1 after smp_init) */
int smp_ap_starts(int cpu);
/* send an IPI through the ICR of the calling CPU, in xAPIC or x2APIC mode
 * (whichever the CPU is in): icr_lo = vector | mode | flags | shorthand,
 * dest = APIC ID (xAPIC: 8 bits, x2APIC: 32 bits) or logical destination */
void apic_send_ipi(u32 icr_lo, u32 dest);
/* EOI to the calling CPU's local APIC (xAPIC or x2APIC mode) */
void apic_eoi(void);
/* INIT to AP `cpu` alone (physical destination): it goes to wait-for-SIPI
 * and leaves the mailbox loop (SDM Vol.3A "INIT and SIPI") */
void smp_init_ap(int cpu);
/* SIPI with `vector` to AP `cpu`: it starts in real mode at vector:0000 */
void smp_sipi_ap(int cpu, u8 vector);
/* INIT + SIPI vector 0 to AP `cpu` and wait until it is back in the
 * mailbox loop; returns true if it came back */
bool smp_restart_ap(int cpu);

struct spinlock {
	volatile int v;
};
static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
		while (l->v)
			asm volatile("pause");
}
static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}
#endif

#endif
