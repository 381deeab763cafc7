/* tests/guest/cpu/pmu_off.c: -cpu ...,pmu=off removes the performance
 * counters (QEMU's property; cpu/system/pmu.c): CPUID leaf 0xA is zero,
 * PDCM is clear, every PMU MSR and RDPMC #GP.
 * run-args: -cpu Skylake-Client,pmu=off
 */
#include "guest.h"

static void do_rdpmc(void *p)
{
	u32 a, d;
	asm volatile("rdpmc" : "=a"(a), "=d"(d) : "c"((u32)(u64)p));
}

int main(int argc, char **argv)
{
	static const u32 msrs[] = { 0xc1, 0x186, 0x309, 0x345, 0x38d, 0x38e, 0x38f, 0x390, 0x4c1 };
	struct cpuid r = cpuid(0xa);
	bool gp = true;
	u64 v;

	report(r.a == 0 && r.b == 0 && r.c == 0 && r.d == 0, "CPUID leaf 0xA is zero");
	report(!((cpuid(1).c >> 15) & 1), "CPUID.1:ECX.PDCM clear");
	for (unsigned k = 0; k < ARRAY_SIZE(msrs); k++)
		gp &= rdmsr_safe(msrs[k], &v) == GP_VECTOR && wrmsr_safe(msrs[k], 0) == GP_VECTOR;
	report(gp, "every PMU MSR #GP");
	report(test_for_exception(GP_VECTOR, do_rdpmc, (void *)0ul), "RDPMC 0: #GP");
	report(test_for_exception(GP_VECTOR, do_rdpmc, (void *)BIT(30)), "RDPMC 0x40000000: #GP");
	return report_summary();
}
