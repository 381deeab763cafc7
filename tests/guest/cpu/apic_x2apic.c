/* tests/guest/cpu/apic_x2apic.c: the local APIC in x2APIC mode (SDM Vol.3A
 * "Extended XAPIC (x2APIC)"): the MSR interface, its #GP rules, the 64-bit
 * ICR, SELF IPI, and the MMIO page going away.
 * run-args: -m 128 -cpu max
 */
#include "guest.h"
#include "apic.h"

#define VEC 0x60

static volatile int count;

static void handler(struct ex_regs *r)
{
	count++;
	wrmsr(x2apic_msr(APIC_EOI), 0);
}

static bool rd_faults(u32 msr)
{
	u64 v;

	return rdmsr_safe(msr, &v) == GP_VECTOR;
}

static bool wr_faults(u32 msr, u64 v)
{
	return wrmsr_safe(msr, v) == GP_VECTOR;
}

static void test_before_enable(void)
{
	report(rd_faults(x2apic_msr(APIC_ID)), "x2APIC MSR read in xAPIC mode #GP");
	report(wr_faults(x2apic_msr(APIC_TASKPRI), 0), "x2APIC MSR write in xAPIC mode #GP");
}

static void test_registers(void)
{
	u32 id = cpuid(1).b >> 24;

	report(rdmsr(x2apic_msr(APIC_ID)) == id, "x2APIC ID is the initial APIC ID");
	report(rdmsr(x2apic_msr(APIC_LVR)) == 0x50014, "version");
	report(rdmsr(x2apic_msr(APIC_LDR)) == (((id >> 4) << 16) | (1u << (id & 15))),
	       "LDR derived from the x2APIC ID (%llx)", rdmsr(x2apic_msr(APIC_LDR)));
	report(xapic_read(APIC_LVR) == 0xffffffff, "MMIO page does not decode in x2APIC mode");
	wrmsr(x2apic_msr(APIC_TASKPRI), 0x30);
	report(read_cr8() == 3, "TPR and CR8 are one register");
	write_cr8(0);
	report(rdmsr(x2apic_msr(APIC_TASKPRI)) == 0, "CR8 write seen through the TPR MSR");
}

/* SDM "x2APIC Register Address Space", "Reserved Bit Checking" */
static void test_gp_rules(void)
{
	report(wr_faults(x2apic_msr(APIC_ID), 0), "ID is read-only");
	report(wr_faults(x2apic_msr(APIC_LVR), 0), "version is read-only");
	report(wr_faults(x2apic_msr(APIC_LDR), 0), "LDR is read-only");
	report(wr_faults(x2apic_msr(APIC_PROCPRI), 0), "PPR is read-only");
	report(wr_faults(x2apic_msr(APIC_ISR), 0), "ISR is read-only");
	report(wr_faults(x2apic_msr(APIC_TMCCT), 0), "current count is read-only");
	report(rd_faults(x2apic_msr(APIC_EOI)), "EOI is write-only");
	report(rd_faults(x2apic_msr(APIC_SELF_IPI)), "SELF IPI is write-only");
	report(wr_faults(x2apic_msr(APIC_EOI), 1), "non-zero EOI write #GP");
	report(wr_faults(x2apic_msr(APIC_ESR), 1), "non-zero ESR write #GP");
	report(!wr_faults(x2apic_msr(APIC_ESR), 0), "zero ESR write");
	report(rd_faults(0x809), "no APR");
	report(rd_faults(x2apic_msr(APIC_DFR)), "no DFR");
	report(rd_faults(x2apic_msr(APIC_ICR2)) && wr_faults(x2apic_msr(APIC_ICR2), 0), "no ICR2 (0x831)");
	report(rd_faults(0x82f), "no CMCI LVT (max LVT 5)");
	report(rd_faults(0x8ff), "reserved MSR 0x8ff");
	report(wr_faults(x2apic_msr(APIC_TASKPRI), 0x100), "TPR bits 31:8 reserved");
	report(wr_faults(x2apic_msr(APIC_TASKPRI), 1ull << 32), "bits 63:32 of a 32-bit register reserved");
	report(wr_faults(x2apic_msr(APIC_SELF_IPI), 0x100 | VEC), "SELF IPI bits 31:8 reserved");
	report(wr_faults(x2apic_msr(APIC_ICR), BIT(13) | APIC_DEST_SELF | VEC), "ICR bit 13 reserved");
	report(wr_faults(x2apic_msr(APIC_TDCR), 4), "divide configuration bit 2 reserved");
}

static void test_ipis(void)
{
	u32 id = (u32)rdmsr(x2apic_msr(APIC_ID));

	count = 0;
	wrmsr(x2apic_msr(APIC_SELF_IPI), VEC);
	report(count == 0 && (rdmsr(x2apic_msr(APIC_IRR) + (VEC >> 5)) >> (VEC & 31) & 1),
	       "SELF IPI pending in IRR");
	report(wait_for(&count, 1, 1000000), "SELF IPI delivered");
	wrmsr(x2apic_msr(APIC_ICR), ((u64)id << 32) | VEC);
	report(rdmsr(x2apic_msr(APIC_ICR)) == (((u64)id << 32) | VEC), "ICR reads back as 64 bits");
	report(wait_for(&count, 2, 1000000), "fixed IPI to own x2APIC ID delivered");
	wrmsr(x2apic_msr(APIC_ICR), APIC_DEST_SELF | VEC);
	report(wait_for(&count, 3, 1000000), "ICR self shorthand delivered");
}

static void test_leave(void)
{
	u64 bsp = rdmsr(MSR_IA32_APICBASE) & APIC_BSP;

	report(apic_base_write_faults(APIC_DEFAULT_BASE | bsp | APIC_EN), "x2APIC to xAPIC #GP");
	wrmsr(MSR_IA32_APICBASE, APIC_DEFAULT_BASE | bsp);
	report(rd_faults(x2apic_msr(APIC_ID)), "disabled: x2APIC MSRs #GP");
	wrmsr(MSR_IA32_APICBASE, APIC_DEFAULT_BASE | bsp | APIC_EN);
	report(xapic_read(APIC_LVR) == 0x50014, "back in xAPIC mode via disabled");
}

int main(int argc, char **argv)
{
	if (!this_cpu_has(X86_FEATURE_X2APIC)) {
		report_skip("x2APIC not supported");
		return report_summary();
	}
	pic_mask_all();
	handle_exception_vector(VEC, handler);
	test_before_enable();
	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | APIC_EXTD);
	wrmsr(x2apic_msr(APIC_SPIV), 0x1ff);
	test_registers();
	test_gp_rules();
	test_ipis();
	test_leave();
	return report_summary();
}
