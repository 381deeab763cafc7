/* tests/guest/smp/ipi.h: per-CPU interrupt counters for the IPI kernels. */
#include "guest.h"
#include "../cpu/apic.h"

#define V_FIXED 0x40
#define NR_SLOTS 4
/* TSC cycles the targets get to take an IPI (nestbox: 1 GHz virtual TSC;
 * enough for QEMU's threads too) */
#define SETTLE_TSC 500000 /* counted vectors: V_FIXED + slot */

static volatile int hits[SMP_MAX_CPUS][NR_SLOTS];
static volatile int nmis[SMP_MAX_CPUS];

static void count_irq(struct ex_regs *r)
{
	__atomic_fetch_add(&hits[smp_id()][r->vector - V_FIXED], 1, __ATOMIC_RELAXED);
	apic_eoi();
}

static void count_nmi(struct ex_regs *r)
{
	__atomic_fetch_add(&nmis[smp_id()], 1, __ATOMIC_RELAXED);
}

static volatile int stray[SMP_MAX_CPUS];
/* an interrupt on a vector that should never arrive */
static void count_stray(struct ex_regs *r)
{
	__atomic_fetch_add(&stray[smp_id()], 1, __ATOMIC_RELAXED);
	apic_eoi();
}

static void ipi_setup(void)
{
	handle_exception_vector(5, count_stray);
	for (int s = 0; s < NR_SLOTS; s++)
		handle_exception_vector(V_FIXED + s, count_irq);
	handle_exception_vector(NMI_VECTOR, count_nmi);
}

static void clear_hits(void)
{
	memset((void *)hits, 0, sizeof(hits));
	memset((void *)nmis, 0, sizeof(nmis));
}

/* let pending interrupts in on the calling CPU and give the others time
 * to take theirs (idle APs wait in sti;hlt): until every CPU in `expect`
 * counted slot `s` (or a long timeout: QEMU's threads may be slow to
 * run), then SETTLE_TSC more for any CPU that should not get it. Returns
 * the bitmap of CPUs that counted it (exactly once each; -1 if one
 * counted more). */
static int who_got_mask(int s, int ncpu)
{
	int mask = 0;

	for (int c = 0; c < ncpu; c++) {
		if (hits[c][s] > 1)
			return -1;
		if (hits[c][s])
			mask |= 1 << c;
	}
	return mask;
}

static int who_got_expect(int s, int ncpu, int expect)
{
	u64 t0 = rdtsc();

	irq_enable();
	while (expect && (who_got_mask(s, ncpu) & expect) != expect &&
	       rdtsc() - t0 < (1ull << 32))
		cpu_relax();
	t0 = rdtsc();
	while (rdtsc() - t0 < SETTLE_TSC)
		cpu_relax();
	irq_disable();
	return who_got_mask(s, ncpu);
}

#define who_got(s, ncpu) who_got_expect(s, ncpu, 0)

/* CPUs that took an NMI: waits for `expect` as who_got_expect() */
static int who_got_nmi_expect(int ncpu, int expect)
{
	int mask = 0;
	u64 t0 = rdtsc();

	for (;;) {
		mask = 0;
		for (int c = 0; c < ncpu; c++)
			if (nmis[c])
				mask |= 1 << c;
		if (!expect || (mask & expect) == expect || rdtsc() - t0 >= (1ull << 32))
			break;
		cpu_relax();
	}
	t0 = rdtsc();
	while (rdtsc() - t0 < SETTLE_TSC)
		cpu_relax();
	mask = 0;
	for (int c = 0; c < ncpu; c++)
		if (nmis[c])
			mask |= 1 << c;
	return mask;
}

#define who_got_nmi(ncpu) who_got_nmi_expect(ncpu, 0)
