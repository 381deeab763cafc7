/* tests/guest/cpu/smp.c: application processors come up through INIT +
 * SIPI vector 0 at 0000:0000 (PLATFORM.md "SMP"), reach 64-bit mode on
 * their own, have distinct APIC IDs, run work sent to them, and see
 * atomic read-modify-write operations of other CPUs (SDM Vol.3A "Locked
 * Atomic Operations").
 * run-args: -smp 2
 * run-env: NR_CPUS=2
 */
#include "guest.h"

static volatile u64 counter;
static volatile u64 seen_efer[SMP_MAX_CPUS], seen_cs[SMP_MAX_CPUS];

static void whoami(void *data)
{
	int id = smp_id();

	seen_efer[id] = rdmsr(MSR_EFER);
	seen_cs[id] = read_cs();
}

static void add_many(void *data)
{
	for (int i = 0; i < 10000; i++)
		asm volatile("lock incq %0" : "+m"(counter));
}

int main(int argc, char **argv)
{
	int n = smp_init();

	report(n == 2, "smp_init brought up 1 AP (%d CPUs)", n);
	if (n < 2)
		return report_summary();
	report(cpu_apic_id(0) != cpu_apic_id(1), "distinct APIC IDs (%u %u)", cpu_apic_id(0),
	       cpu_apic_id(1));
	on_cpu(1, whoami, NULL);
	report((seen_efer[1] & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA) &&
		       seen_cs[1] == KERNEL_CS,
	       "the AP runs in 64-bit mode (efer %llx cs %llx)", seen_efer[1], seen_cs[1]);
	counter = 0;
	on_cpu_async(1, add_many, NULL);
	add_many(NULL);
	smp_wait(1);
	report(counter == 20000, "LOCK INC from two CPUs loses no update (got %llu)", counter);
	return report_summary();
}
