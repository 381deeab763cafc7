/* tests/guest/lib/smp.c: AP start-up with INIT + SIPI through the ICR
 * (SDM Vol.3A "MP Initialization Protocol Algorithm"; PLATFORM.md "SMP"), a
 * per-CPU mailbox for running work on APs (idle APs wait in `sti; hlt` and
 * are woken by a fixed IPI), and re-INIT / restart of one AP. */
#include "guest.h"

#define APIC_BASE_VA	0xfee00000ull
#define APIC_EOI	0xb0
#define APIC_SPIV	0xf0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define ICR_BUSY	BIT(12)
#define ICR_INIT	0x00004500u /* level assert, INIT */
#define ICR_SIPI	0x00004600u /* start-up */
#define ICR_ALL_BUT_SELF 0x000c0000u
#define APIC_BASE_EXTD	BIT(10)
#define MSR_X2APIC_EOI	0x80b
#define MSR_X2APIC_ICR	0x830
#define FW_CFG_SEL	0x510
#define FW_CFG_DATA	0x511
#define FW_CFG_NB_CPUS	0x05

struct mailbox {
	void (*volatile fn)(void *);
	void *volatile data;
	volatile int busy;
	volatile int in_loop; /* in the mailbox loop (not INITed since) */
	volatile int starts;  /* times it entered ap_main */
};

extern u8 ap_tramp[], ap_tramp_end[], ap_gdt_desc[];
void ap_main(u32 apic_id);

static struct mailbox mbox[SMP_MAX_CPUS];
static volatile u32 apic_ids[SMP_MAX_CPUS];
static volatile int online = 1;
static volatile int next_index = 1;

static u32 apic_read(u32 reg) { return *(volatile u32 *)(APIC_BASE_VA + reg); }
static void apic_write(u32 reg, u32 v) { *(volatile u32 *)(APIC_BASE_VA + reg) = v; }
static bool x2apic_on(void) { return rdmsr(MSR_IA32_APICBASE) & APIC_BASE_EXTD; }

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

int smp_ap_starts(int cpu)
{
	return mbox[cpu].starts;
}

int smp_id(void)
{
	u32 id = initial_apic_id();

	for (int i = 0; i < next_index; i++)
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

void apic_send_ipi(u32 icr_lo, u32 dest)
{
	if (x2apic_on()) {
		wrmsr(MSR_X2APIC_ICR, ((u64)dest << 32) | icr_lo);
		return;
	}
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, icr_lo);
	for (int i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

void apic_eoi(void)
{
	if (x2apic_on())
		wrmsr(MSR_X2APIC_EOI, 0);
	else
		apic_write(APIC_EOI, 0);
}

static void wake_handler(struct ex_regs *r)
{
	apic_eoi();
}

/* Each AP gets a TSS of its own (IST1 for NMI/#DF/#MC, as the BSP's):
 * the shared GDT has one TSS slot, so the AP writes its descriptor there
 * just long enough for LTR to load it into TR (under a lock), then puts
 * the BSP's (busy) descriptor back. */
static struct tss64 ap_tss[SMP_MAX_CPUS] __aligned(16);
static u8 ap_ist[SMP_MAX_CPUS][4096] __aligned(16);
static u8 ap_rsp0[SMP_MAX_CPUS][4096] __aligned(16);
static struct spinlock gdt_lock;

static void ap_load_tss(int idx)
{
	struct tss64 *t = &ap_tss[idx];
	u64 a = (u64)t, save0, save1;

	t->rsp0 = (u64)(ap_rsp0[idx] + sizeof(ap_rsp0[idx]));
	t->ist[0] = (u64)(ap_ist[idx] + sizeof(ap_ist[idx]));
	t->iomap_base = sizeof(*t);
	spin_lock(&gdt_lock);
	save0 = gdt[TSS_SEL >> 3];
	save1 = gdt[(TSS_SEL >> 3) + 1];
	/* SDM Vol.3A "TSS Descriptor in 64-bit mode": 16 bytes, type 9 */
	gdt[TSS_SEL >> 3] = (sizeof(*t) - 1) | (a & 0xffffff) << 16 | 0x89ull << 40 |
			    ((a >> 24) & 0xff) << 56;
	gdt[(TSS_SEL >> 3) + 1] = a >> 32;
	asm volatile("ltr %w0" : : "r"(TSS_SEL) : "memory"); /* desc.h's ltr() has no clobber */
	gdt[TSS_SEL >> 3] = save0;
	gdt[(TSS_SEL >> 3) + 1] = save1;
	spin_unlock(&gdt_lock);
}

void ap_main(u32 apic_id)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (u64)idt };
	struct mailbox *m;
	int idx = -1;

	lidt(&idtr);
	for (int i = 1; i < next_index; i++)
		if (apic_ids[i] == apic_id)
			idx = i;
	if (idx < 0) {
		idx = __atomic_fetch_add(&next_index, 1, __ATOMIC_ACQ_REL);
		if (idx >= SMP_MAX_CPUS)
			for (;;)
				asm volatile("cli; hlt");
		apic_ids[idx] = apic_id;
		__atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
	}
	m = &mbox[idx];
	ap_load_tss(idx);
	/* software-enable the APIC so that the wake IPI is accepted */
	if (!x2apic_on())
		apic_write(APIC_SPIV, apic_read(APIC_SPIV) | 0x1ff);
	m->starts++;
	__atomic_store_n(&m->in_loop, 1, __ATOMIC_RELEASE);
	for (;;) {
		irq_disable();
		while (!m->fn) {
			safe_halt();  /* STI's shadow covers HLT: no lost wake-up */
			irq_disable();
		}
		/* take a wake IPI that arrived while we were busy, so the work
		 * starts with nothing of ours pending (IF=0, as before) */
		asm volatile("sti; nop; cli" ::: "memory");
		m->fn(m->data);
		m->fn = NULL;
		__atomic_store_n(&m->busy, 0, __ATOMIC_RELEASE);
	}
}

static void copy_trampoline(void)
{
	u8 *low = NULL;
	u16 *desc;

	/* hide the null pointer from the compiler, which would otherwise drop
	 * the stores through it */
	asm("" : "+r"(low));
	/* the trampoline runs at 0000:0000 with the GDT pointer inside it */
	memcpy(low, ap_tramp, ap_tramp_end - ap_tramp);
	desc = (u16 *)(low + (ap_gdt_desc - ap_tramp));
	desc[0] = gdt_desc.limit;
	*(u32 *)(desc + 1) = (u32)gdt_desc.base;
}

int smp_init(void)
{
	int want = wanted_cpus();

	apic_ids[0] = initial_apic_id();
	if (want <= 1 || online > 1)
		return online;
	if (want > SMP_MAX_CPUS)
		want = SMP_MAX_CPUS;
	handle_exception_vector(SMP_WAKE_VECTOR, wake_handler);
	copy_trampoline();
	apic_write(APIC_SPIV, apic_read(APIC_SPIV) | 0x1ff); /* software enable */
	apic_send_ipi(ICR_INIT | ICR_ALL_BUT_SELF, 0);
	apic_send_ipi(ICR_SIPI | ICR_ALL_BUT_SELF | 0x00, 0);
	for (long i = 0; i < 20000000 && online < want; i++)
		cpu_relax();
	/* every AP reaches its mailbox loop before work is sent */
	for (int c = 1; c < online; c++)
		for (long i = 0; i < 20000000 && !mbox[c].in_loop; i++)
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
	apic_send_ipi(SMP_WAKE_VECTOR, apic_ids[cpu]);
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

void smp_init_ap(int cpu)
{
	struct mailbox *m = &mbox[cpu];

	m->in_loop = 0;
	apic_send_ipi(ICR_INIT, apic_ids[cpu]);
	m->fn = NULL;
	m->busy = 0;
}

void smp_sipi_ap(int cpu, u8 vector)
{
	apic_send_ipi(ICR_SIPI | vector, apic_ids[cpu]);
}

bool smp_restart_ap(int cpu)
{
	struct mailbox *m = &mbox[cpu];
	int starts = m->starts;

	copy_trampoline();
	smp_init_ap(cpu);
	smp_sipi_ap(cpu, 0);
	for (long i = 0; i < 20000000 && !(m->in_loop && m->starts == starts + 1); i++)
		cpu_relax();
	return m->in_loop && m->starts == starts + 1;
}
