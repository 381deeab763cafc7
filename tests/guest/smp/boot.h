/* tests/guest/smp/boot.h: the AP bring-up checks the smp_boot*.c kernels
 * share (each runs them with its own -smp count): INIT + one SIPI vector 0
 * to all-excluding-self brings every AP up (PLATFORM.md "SMP"; SDM Vol.3A
 * "MP Initialization Protocol Algorithm"), each AP reaches 64-bit mode on
 * its own with a distinct APIC ID and IA32_APIC_BASE.BSP clear, a SIPI to
 * an AP that already started is ignored (SDM "INIT and SIPI": only a
 * processor in wait-for-SIPI takes it), and every AP runs work. */
#include "guest.h"

static volatile u64 seen_efer[SMP_MAX_CPUS], seen_cs[SMP_MAX_CPUS], seen_base[SMP_MAX_CPUS];
static volatile u32 seen_id[SMP_MAX_CPUS];
static volatile u64 counter;

static void whoami(void *data)
{
	int id = smp_id();

	seen_efer[id] = rdmsr(MSR_EFER);
	seen_cs[id] = read_cs();
	seen_base[id] = rdmsr(MSR_IA32_APICBASE);
	seen_id[id] = cpuid(1).b >> 24;
}

static void add_many(void *data)
{
	for (int i = 0; i < 5000; i++)
		asm volatile("lock incq %0" : "+m"(counter));
}

static int boot_checks(int want)
{
	int n = smp_init(), ok;

	report(n == want, "%d CPUs online (want %d)", n, want);
	if (n != want)
		return report_summary();
	whoami(NULL);
	for (int c = 1; c < n; c++)
		on_cpu(c, whoami, NULL);
	ok = (seen_base[0] & BIT(8)) != 0;
	for (int c = 1; c < n; c++)
		ok &= !(seen_base[c] & BIT(8));
	report(ok, "IA32_APIC_BASE.BSP set on the BSP only");
	ok = 1;
	for (int c = 0; c < n; c++)
		for (int d = c + 1; d < n; d++)
			ok &= seen_id[c] != seen_id[d];
	report(ok, "distinct APIC IDs");
	ok = 1;
	for (int c = 1; c < n; c++)
		ok &= (seen_efer[c] & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA) &&
		      seen_cs[c] == KERNEL_CS && seen_id[c] == cpu_apic_id(c);
	report(ok, "every AP runs in 64-bit mode");
	ok = 1;
	for (int c = 1; c < n; c++)
		ok &= smp_ap_starts(c) == 1;
	report(ok, "every AP started once");

	/* INIT-SIPI-SIPI: the second SIPI finds the APs running */
	apic_send_ipi(0x000c4600u, 0); /* SIPI vector 0, all excluding self */
	for (int c = 1; c < n; c++)
		on_cpu(c, whoami, NULL);
	ok = cpu_count() == n;
	for (int c = 1; c < n; c++)
		ok &= smp_ap_starts(c) == 1;
	report(ok, "a second SIPI to running APs is ignored");

	counter = 0;
	for (int c = 1; c < n; c++)
		on_cpu_async(c, add_many, NULL);
	add_many(NULL);
	for (int c = 1; c < n; c++)
		smp_wait(c);
	report(counter == 5000ull * n, "LOCK INC from %d CPUs loses no update (%llu)", n, counter);
	return report_summary();
}
