/* tests/guest/lib/smp.c: AP start-up with INIT + SIPI through the xAPIC ICR
 * (SDM Vol.3A "MP Initialization Protocol Algorithm"; PLATFORM.md "SMP") and
 * a polled per-CPU mailbox for running work on APs. */
#include "guest.h"

#define APIC_BASE_VA	0xfee00000ull
#define APIC_ID		0x20
#define APIC_SPIV	0xf0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define ICR_BUSY	BIT(12)
#define ICR_INIT_ALL_BUT_SELF	0x000c4500u /* shorthand 11, level assert, INIT */
#define ICR_SIPI_ALL_BUT_SELF	0x000c4600u /* shorthand 11, start-up */
#define FW_CFG_SEL	0x510
#define FW_CFG_DATA	0x511
#define FW_CFG_NB_CPUS	0x05

struct mailbox {
	void (*volatile fn)(void *);
	void *volatile data;
	volatile int busy;
};

extern u8 ap_tramp[], ap_tramp_end[], ap_gdt_desc[];
extern volatile u32 ap_next_index;
void ap_main(u32 index);

static struct mailbox mbox[SMP_MAX_CPUS];
static volatile u32 apic_ids[SMP_MAX_CPUS];
static volatile int online = 1;

static u32 apic_read(u32 reg) { return *(volatile u32 *)(APIC_BASE_VA + reg); }
static void apic_write(u32 reg, u32 v) { *(volatile u32 *)(APIC_BASE_VA + reg) = v; }

static u32 initial_apic_id(void)
{
	return cpuid(1).b >> 24;
}

int cpu_count(void)
{
	return online;
}

u32 cpu_apic_id(int cpu)
{
	return apic_ids[cpu];
}

int smp_id(void)
{
	u32 id = initial_apic_id();

	for (int i = 0; i < online; i++)
		if (apic_ids[i] == id)
			return i;
	return 0;
}

static int wanted_cpus(void)
{
	u16 n;
	const char *env;

	outw(FW_CFG_NB_CPUS, FW_CFG_SEL);
	n = inb(FW_CFG_DATA);
	n |= inb(FW_CFG_DATA) << 8;
	if (n >= 1 && n <= 255)
		return n;
	env = getenv("NR_CPUS");
	return env ? (int)atol(env) : 1;
}

static void send_icr(u32 lo)
{
	apic_write(APIC_ICR_HI, 0);
	apic_write(APIC_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

void ap_main(u32 index)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (u64)idt };
	struct mailbox *m = &mbox[index];

	lidt(&idtr);
	apic_ids[index] = initial_apic_id();
	__atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
	for (;;) {
		while (!m->fn)
			cpu_relax();
		m->fn(m->data);
		m->fn = NULL;
		__atomic_store_n(&m->busy, 0, __ATOMIC_RELEASE);
	}
}

int smp_init(void)
{
	int want = wanted_cpus();
	u16 *desc;

	apic_ids[0] = initial_apic_id();
	if (want <= 1 || online > 1)
		return online;
	if (want > SMP_MAX_CPUS)
		want = SMP_MAX_CPUS;
	/* the trampoline runs at 0000:0000 with the GDT pointer inside it */
	memcpy((void *)0, ap_tramp, ap_tramp_end - ap_tramp);
	desc = (u16 *)(u64)(ap_gdt_desc - ap_tramp);
	desc[0] = gdt_desc.limit;
	*(u32 *)(desc + 1) = (u32)gdt_desc.base;
	apic_write(APIC_SPIV, apic_read(APIC_SPIV) | 0x1ff); /* software enable */
	send_icr(ICR_INIT_ALL_BUT_SELF);
	send_icr(ICR_SIPI_ALL_BUT_SELF | 0x00);
	for (long i = 0; i < 20000000 && online < want; i++)
		cpu_relax();
	return online;
}

void on_cpu_async(int cpu, void (*fn)(void *), void *data)
{
	struct mailbox *m = &mbox[cpu];

	if (cpu == smp_id()) {
		fn(data);
		return;
	}
	smp_wait(cpu);
	m->busy = 1;
	m->data = data;
	__atomic_store_n(&m->fn, fn, __ATOMIC_RELEASE);
}

void smp_wait(int cpu)
{
	while (mbox[cpu].busy)
		cpu_relax();
}

void on_cpu(int cpu, void (*fn)(void *), void *data)
{
	on_cpu_async(cpu, fn, data);
	smp_wait(cpu);
}
