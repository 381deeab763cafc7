/* tests/guest/cpu/apic_regs.c: local APIC registers in xAPIC mode and the
 * IA32_APIC_BASE rules (SDM Vol.3A "Advanced Programmable Interrupt
 * Controller (APIC)").
 * run-args: -m 128 -cpu max
 */
#include "guest.h"
#include "apic.h"

#define ALTERNATE_APIC_BASE 0xbff00000ul

static void test_reset_values(void)
{
	u32 lvr = xapic_read(APIC_LVR);

	report((rdmsr(MSR_IA32_APICBASE) & ~0xfffull) == APIC_DEFAULT_BASE &&
		       (rdmsr(MSR_IA32_APICBASE) & (APIC_EN | APIC_BSP | APIC_EXTD)) == (APIC_EN | APIC_BSP),
	       "APIC_BASE: default base, enabled, BSP (%llx)", rdmsr(MSR_IA32_APICBASE));
	report((lvr & 0xff) == 0x14 && ((lvr >> 16) & 0xff) == 5, "version 0x14, max LVT 5 (%x)", lvr);
	report(xapic_read(APIC_ID) >> 24 == cpuid(1).b >> 24, "APIC ID matches CPUID.1:EBX[31:24]");
	report(xapic_read(APIC_DFR) == 0xffffffff, "DFR resets to all ones");
}

/* SDM "Task Priority in IA-32e Mode" */
static void test_tpr_cr8(void)
{
	write_cr8(0xf);
	report(xapic_read(APIC_TASKPRI) == 0xf0, "CR8 writes TPR[7:4] (%x)", xapic_read(APIC_TASKPRI));
	xapic_write(APIC_TASKPRI, 0x57);
	report(read_cr8() == 5, "CR8 reads TPR[7:4] (%llx)", read_cr8());
	/* PPR[3:0] is TPR[3:0] on Intel, 0 on AMD: check the class */
	report((xapic_read(APIC_PROCPRI) & 0xf0) == 0x50, "PPR class = TPR class with nothing in service (%x)",
	       xapic_read(APIC_PROCPRI));
	xapic_write(APIC_TASKPRI, 0x1ff);
	report(xapic_read(APIC_TASKPRI) == 0xff, "TPR bits 31:8 are reserved");
	write_cr8(0);
}

/* SDM "Local APIC State After It Has Been Software Disabled" */
static void test_software_disable(void)
{
	xapic_write(APIC_SPIV, 0x1ff);
	report(xapic_read(APIC_SPIV) == 0x1ff, "SPIV holds vector and enable bit");
	xapic_write(APIC_LVTPC, 0x42);
	report(xapic_read(APIC_LVTPC) == 0x42, "LVT mask clears while enabled");
	xapic_write(APIC_SPIV, 0xff);
	report(xapic_read(APIC_LVTPC) & APIC_LVT_MASKED, "software disable masks every LVT");
	xapic_write(APIC_LVTPC, 0x42);
	report(xapic_read(APIC_LVTPC) == (0x42 | APIC_LVT_MASKED), "mask cannot be cleared while disabled");
	xapic_write(APIC_SPIV, 0x1ff);
	xapic_write(APIC_LVTT, 0xffffffff);
	/* bit 12 (delivery status) is read-only; bit 18 exists with TSC-deadline */
	report((xapic_read(APIC_LVTT) & ~(BIT(12) | (2u << 17))) == 0x300ff, "LVT timer writable bits (%x)",
	       xapic_read(APIC_LVTT));
	xapic_write(APIC_LVTT, APIC_LVT_MASKED);
	xapic_write(APIC_DFR, 0);
	report(xapic_read(APIC_DFR) == 0x0fffffff, "DFR bits 27:0 read as ones");
	xapic_write(APIC_DFR, 0xffffffff);
	xapic_write(APIC_LDR, 0x12345678);
	report(xapic_read(APIC_LDR) == 0x12000000, "LDR holds bits 31:24");
	xapic_write(APIC_LDR, 0);
}

/* SDM "Error Handling" */
static void test_esr(void)
{
	xapic_write(APIC_ESR, 0);
	xapic_write(APIC_ICR, APIC_DEST_SELF | 0x3); /* illegal vector */
	report(xapic_read(APIC_ESR) == 0, "ESR shows nothing before it is written");
	xapic_write(APIC_ESR, 0);
	report(xapic_read(APIC_ESR) == 0x20, "ESR latches send illegal vector (%x)", xapic_read(APIC_ESR));
	xapic_write(APIC_ESR, 0);
	report(xapic_read(APIC_ESR) == 0, "the next ESR write clears it");
}

/* SDM "Local APIC Status and Location", "x2APIC State Transitions" */
static void test_apic_base_gp(void)
{
	u64 orig = rdmsr(MSR_IA32_APICBASE);
	u64 disabled = APIC_DEFAULT_BASE | APIC_BSP;
	u64 xapic = disabled | APIC_EN;
	u64 x2apic = xapic | APIC_EXTD;
	u64 invalid = disabled | APIC_EXTD;

	report(apic_base_write_faults(orig | 1), "reserved low bits #GP");
	report(apic_base_write_faults(orig | BIT(9)), "reserved bit 9 #GP");
	report(apic_base_write_faults(orig | (1ull << cpuid_maxphyaddr())), "bit MAXPHYADDR #GP");
	report(apic_base_write_faults(invalid), "xAPIC to invalid state (EXTD without EN) #GP");
	if (!this_cpu_has(X86_FEATURE_X2APIC)) {
		report(apic_base_write_faults(x2apic), "enable unsupported x2APIC #GP");
		return;
	}
	report(!apic_base_write_faults(x2apic), "xAPIC to x2APIC");
	report(apic_base_write_faults(invalid), "x2APIC to invalid state #GP");
	report(apic_base_write_faults(xapic), "x2APIC to xAPIC #GP");
	report(!apic_base_write_faults(disabled), "x2APIC to disabled");
	report(apic_base_write_faults(invalid), "disabled to invalid state #GP");
	report(apic_base_write_faults(x2apic), "disabled to x2APIC #GP");
	report(!apic_base_write_faults(xapic), "disabled to xAPIC");
	xapic_reset();
}

static void test_relocate(void)
{
	u32 lvr = xapic_read(APIC_LVR);
	u64 orig = rdmsr(MSR_IA32_APICBASE);

	wrmsr(MSR_IA32_APICBASE, ALTERNATE_APIC_BASE | APIC_BSP | APIC_EN);
	report(*apic_reg(ALTERNATE_APIC_BASE, APIC_LVR) == lvr, "relocated APIC decodes at the new base");
	report(xapic_read(APIC_LVR) == 0xffffffff, "old base no longer decodes");
	wrmsr(MSR_IA32_APICBASE, orig);
	report(xapic_read(APIC_LVR) == lvr, "moved back");
}

/* a globally disabled APIC is gone from the bus; CR8 still works */
static void test_hw_disable(void)
{
	u32 lvr = xapic_read(APIC_LVR);

	wrmsr(MSR_IA32_APICBASE, APIC_DEFAULT_BASE | APIC_BSP);
	report(xapic_read(APIC_LVR) == 0xffffffff, "disabled: MMIO reads all ones");
	xapic_write(APIC_TASKPRI, 0x20);
	report(xapic_read(APIC_TASKPRI) == 0xffffffff, "disabled: MMIO writes dropped");
	write_cr8(3);
	report(read_cr8() == 3, "disabled: CR8 still works");
	write_cr8(0);
	wrmsr(MSR_IA32_APICBASE, APIC_DEFAULT_BASE | APIC_BSP | APIC_EN);
	report(xapic_read(APIC_LVR) == lvr, "re-enabled: registers decode again");
	xapic_write(APIC_SPIV, 0x1ff);
}

int main(int argc, char **argv)
{
	pic_mask_all();
	test_reset_values();
	test_tpr_cr8();
	test_software_disable();
	test_esr();
	test_apic_base_gp();
	test_relocate();
	test_hw_disable();
	return report_summary();
}
