/* tests/guest/lib/smp.h: starting and using application processors.
 * smp_init() sends INIT then one SIPI (vector 0) to all but self and waits
 * for the APs (count from fw_cfg key 0x05, else NR_CPUS from the
 * environment); they run in 64-bit mode on the boot page tables and the
 * shared IDT (no TSS: no CPL 3 or IST on APs) and poll a mailbox.
 * The exception-capture state of desc.h is global: use it on one CPU at a time. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#define SMP_MAX_CPUS 16

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
