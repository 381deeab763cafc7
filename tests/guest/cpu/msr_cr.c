/* tests/guest/cpu/msr_cr.c: RDMSR/WRMSR and MOV-to-CR #GP rules and the
 * TSC, seen by a booted kernel (cpu/system/msr.c, cpu/system/exec_sys_cr.c).
 * run-args: -m 128 -cpu max
 */
#include "guest.h"

static bool rd_gp(u32 msr)
{
	u64 v;
	return rdmsr_safe(msr, &v) == GP_VECTOR;
}

static bool wr_gp(u32 msr, u64 v)
{
	return wrmsr_safe(msr, v) == GP_VECTOR;
}

static void test_absent(void)
{
	report(rd_gp(0x12345) && wr_gp(0x12345, 0), "unimplemented MSR #GP");
	report(rd_gp(0x391), "MSR 0x391 (after IA32_PERF_GLOBAL_OVF_CTRL) absent");
	report(!rd_gp(MSR_IA32_CR_PAT), "IA32_PAT present");
}

/* SDM "IA32_EFER": reserved bits; LME cannot change while CR0.PG = 1 */
static void test_efer(void)
{
	u64 efer = rdmsr(MSR_EFER);
	report(wr_gp(MSR_EFER, efer | BIT(1)), "EFER reserved bit 1 #GP");
	report(wr_gp(MSR_EFER, efer & ~EFER_LME), "EFER.LME change with paging on #GP");
	report(rdmsr(MSR_EFER) == efer, "EFER unchanged after the faults");
	if (!this_cpu_has(X86_FEATURE_SVM))
		report(wr_gp(MSR_EFER, efer | EFER_SVME), "EFER.SVME without SVM #GP");
}

static void test_canonical(void)
{
	static const u32 msrs[] = { MSR_LSTAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_FS_BASE,
				    MSR_IA32_SYSENTER_EIP, MSR_IA32_SYSENTER_ESP };
	for (unsigned k = 0; k < sizeof(msrs) / sizeof(msrs[0]); k++) {
		u64 old = rdmsr(msrs[k]);
		bool gp = wr_gp(msrs[k], 0x0000800000000000ull);
		wrmsr(msrs[k], 0xffff800000000000ull);
		bool ok = rdmsr(msrs[k]) == 0xffff800000000000ull;
		wrmsr(msrs[k], old);
		report(gp && ok, "MSR %#x: non-canonical #GP, canonical accepted", msrs[k]);
	}
}

static void test_pat_tsc(void)
{
	u64 pat = rdmsr(MSR_IA32_CR_PAT);
	report(wr_gp(MSR_IA32_CR_PAT, 0x0007040600070402ull), "PAT type 2 #GP");
	report(rdmsr(MSR_IA32_CR_PAT) == pat, "PAT unchanged");

	u64 t1 = rdtsc(), t2 = rdtsc();
	report(t2 > t1, "TSC advances (%llu -> %llu)", (unsigned long long)t1,
	       (unsigned long long)t2);
	wrmsr(MSR_IA32_TSC, 1ull << 40);
	u64 t3 = rdtsc();
	report(t3 >= (1ull << 40) && t3 < (1ull << 40) + 1000000, "WRMSR TSC sets the TSC");
	if (this_cpu_has(X86_FEATURE_RDTSCP)) {
		u32 aux;
		wrmsr(MSR_TSC_AUX, 0x42);
		rdtscp(&aux);
		report(aux == 0x42, "RDTSCP returns IA32_TSC_AUX");
		report(wr_gp(MSR_TSC_AUX, 1ull << 32), "TSC_AUX bits 63:32 reserved");
	}
}

/* SDM "MOV—Move to/from Control Registers" */
static void test_cr(void)
{
	u64 cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	report(write_cr0_safe(cr0 | X86_CR0_NW) == GP_VECTOR, "CR0.NW without CD #GP");
	report(write_cr0_safe(cr0 & ~X86_CR0_PG) == GP_VECTOR, "clearing CR0.PG in 64-bit mode #GP");
	report(write_cr0_safe(cr0 | BIT(32)) == GP_VECTOR, "CR0[63:32] #GP");
	report(write_cr4_safe(cr4 | BIT(14)) == GP_VECTOR, "CR4.SMXE (reserved) #GP");
	report(write_cr4_safe(cr4 & ~X86_CR4_PAE) == GP_VECTOR, "clearing CR4.PAE in IA-32e mode #GP");
	int maxphy = cpuid_maxphyaddr();
	report(write_cr3_safe(cr3 | (1ull << maxphy)) == GP_VECTOR, "CR3 bit MAXPHYADDR (%d) #GP",
	       maxphy);
	report(read_cr0() == cr0 && read_cr3() == cr3 && read_cr4() == cr4, "CRs unchanged");
}

int main(int argc, char **argv)
{
	test_absent();
	test_efer();
	test_canonical();
	test_pat_tsc();
	test_cr();
	return report_summary();
}
