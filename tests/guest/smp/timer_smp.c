/* tests/guest/smp/timer_smp.c: the local APIC timer of every vCPU (SDM
 * Vol.3A "APIC Timer"): on each of 4 CPUs in turn, one-shot (fires once),
 * periodic (fires repeatedly, stops on initial count 0) and TSC-deadline
 * (fires once the TSC passes IA32_TSC_DEADLINE) interrupt that CPU and no
 * other; then all four run periodic timers at once, each at its own rate.
 * run-args: -smp 4
 */
#include "guest.h"
#include "../cpu/apic.h"

#define NCPU 4
#define TIMER_VEC 0x50
#define MSR_TSC_DEADLINE 0x6e0

static volatile int ticks[SMP_MAX_CPUS];
static volatile int res_oneshot[NCPU], res_periodic[NCPU], res_deadline[NCPU], res_count[NCPU];
static volatile int all_go;

static void on_tick(struct ex_regs *r)
{
	__atomic_fetch_add(&ticks[smp_id()], 1, __ATOMIC_RELAXED);
	apic_eoi();
}

static bool wait_ticks(int id, int n, u64 cycles)
{
	return wait_for(&ticks[id], n, cycles);
}

static void timer_modes(void *data)
{
	int id = smp_id();

	ticks[id] = 0;
	xapic_write(APIC_LVTT, TIMER_VEC);
	xapic_write(APIC_TDCR, 0xb); /* divide by 1 */
	xapic_write(APIC_TMICT, 20000);
	res_oneshot[id] = wait_ticks(id, 1, 1ull << 30) && !wait_ticks(id, 2, 100000);

	ticks[id] = 0;
	xapic_write(APIC_LVTT, APIC_LVT_PERIODIC | TIMER_VEC);
	xapic_write(APIC_TMICT, 10000);
	res_periodic[id] = wait_ticks(id, 3, 1ull << 30);
	xapic_write(APIC_TMICT, 0);
	ticks[id] = 0;
	res_periodic[id] &= !wait_ticks(id, 1, 100000);

	res_deadline[id] = -1;
	if (cpuid(1).c & BIT(24)) {
		ticks[id] = 0;
		xapic_write(APIC_LVTT, APIC_LVT_TSCDEADLINE | TIMER_VEC);
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + 30000);
		res_deadline[id] = wait_ticks(id, 1, 1ull << 30) && rdmsr(MSR_TSC_DEADLINE) == 0;
	}
	xapic_write(APIC_LVTT, APIC_LVT_MASKED);
}

/* all CPUs at once: CPU n ticks every (n + 1) * PERIOD TSC cycles (the
 * APIC timer and the TSC both count virtual ns in nestbox) for WINDOW */
#define PERIOD 100000
#define WINDOW 6000000
static void together(void *data)
{
	int id = smp_id();
	u64 t0;

	while (!all_go)
		cpu_relax();
	ticks[id] = 0;
	xapic_write(APIC_TDCR, 0xb);
	xapic_write(APIC_LVTT, APIC_LVT_PERIODIC | TIMER_VEC);
	xapic_write(APIC_TMICT, (id + 1) * PERIOD);
	t0 = rdtsc();
	irq_enable();
	while (rdtsc() - t0 < WINDOW)
		cpu_relax();
	irq_disable();
	xapic_write(APIC_TMICT, 0);
	xapic_write(APIC_LVTT, APIC_LVT_MASKED);
	res_count[id] = ticks[id];
}

int main(int argc, char **argv)
{
	int n = smp_init(), others;

	report(n == NCPU, "%d CPUs", n);
	if (n != NCPU)
		return report_summary();
	pic_mask_all();
	handle_exception_vector(TIMER_VEC, on_tick);
	for (int c = 0; c < NCPU; c++) {
		memset((void *)ticks, 0, sizeof(ticks));
		on_cpu(c, timer_modes, NULL);
		others = 0;
		for (int d = 0; d < NCPU; d++)
			if (d != c)
				others += ticks[d];
		report(res_oneshot[c], "CPU %d: one-shot timer fires once", c);
		report(res_periodic[c], "CPU %d: periodic timer fires repeatedly, stops on 0", c);
		if (res_deadline[c] < 0)
			report_skip("CPU %d: no TSC-deadline timer", c);
		else
			report(res_deadline[c], "CPU %d: TSC-deadline timer fires, MSR reads 0 after", c);
		report(others == 0, "CPU %d: no other CPU was interrupted", c);
	}
	all_go = 0;
	for (int c = 1; c < NCPU; c++)
		on_cpu_async(c, together, NULL);
	all_go = 1;
	together(NULL);
	for (int c = 1; c < NCPU; c++)
		smp_wait(c);
	/* the vCPUs share one host thread: a timer can tick while its vCPU
	 * waits for its turn, and ticks then merge in IRR, so only bounds */
	report(res_count[0] > res_count[3] && res_count[3] >= 3 &&
		       res_count[3] <= WINDOW / (4 * PERIOD) + 1,
	       "four periodic timers at once, each at its own rate (%d %d %d %d)", res_count[0],
	       res_count[1], res_count[2], res_count[3]);
	return report_summary();
}
