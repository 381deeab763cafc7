/* tests/guest/vmx/vmx_entry_checks.c: VM-entry checks (SDM Vol.3C "VM
 * Entries"), each case starting from the library's valid VMCS (vmx.h) and
 * changing one thing, then VMLAUNCH:
 *  - "Checks on VMX Controls": VMfailValid(7) "VM entry with invalid control
 *    field(s)";
 *  - "Checks on Host-State Area": VMfailValid(8) "VM entry with invalid
 *    host-state field(s)";
 *  - "Checks on Guest-State Area": a VM-entry failure that loads host state
 *    with exit reason 33 | bit 31 and exit qualification 0 (4 for the VMCS
 *    link pointer), "VM-Entry Failures During or After Loading Guest State";
 *  - "Loading MSRs": exit reason 34 | bit 31, exit qualification = the
 *    failing entry of the VM-entry MSR-load area, counted from 1.
 * First the unchanged VMCS must enter L2 and come back through its VMCALL.
 * Without CPUID.1:ECX.VMX it prints one SKIP line and passes.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vmx.h"

/* one entry of a VM-entry MSR-load area (Vol.3C "VM-Entry Controls for
 * MSRs"): bits 31:0 MSR index, 63:32 reserved, 127:64 data */
struct msr_entry {
	u32 index, reserved;
	u64 value;
};

static const struct vmx_vmcs_cfg cfg;
static void *vmcs;
static struct msr_entry *msr_area;
static int bit;	/* the control bit a case picked */

static u64 l2_guest(u64 arg)
{
	return arg + 1;
}

/* a fresh valid VMCS: VMCLEAR (launch state clear), VMPTRLD, fill */
static void fresh_vmcs(void)
{
	int r = vmx_clear(virt_to_phys(vmcs));

	if (r == VMX_OK)
		r = vmx_ptrld(virt_to_phys(vmcs));
	if (r != VMX_OK)
		abort_test("VMCLEAR/VMPTRLD: %s", vmx_result_str(r));
	if (!vmx_vmcs_setup(&cfg, l2_guest, 0x42))
		abort_test("the valid VMCS cannot be built");
}

static int lowest_bit(u32 mask)
{
	for (int b = 0; b < 32; b++)
		if (mask & (1u << b))
			return b;
	return -1;
}

/* ---- the changes; each returns false when it does not apply here ---- */

/* "Reserved bits in the pin-based VM-execution controls must be set
 * properly": a bit whose allowed-1 setting is 0 */
static bool pin_reserved_1(void)
{
	bit = lowest_bit(~(u32)(vmx_pin_msr() >> 32));
	if (bit < 0)
		return false;
	vmcs_set(PIN_BASED_VM_EXEC_CONTROL, vmcs_get(PIN_BASED_VM_EXEC_CONTROL) | BIT(bit));
	return true;
}

/* the same for the primary processor-based controls: a bit whose
 * allowed-0 setting is 1, cleared */
static bool proc_reserved_0(void)
{
	bit = lowest_bit((u32)vmx_proc_msr());
	if (bit < 0)
		return false;
	vmcs_set(CPU_BASED_VM_EXEC_CONTROL, vmcs_get(CPU_BASED_VM_EXEC_CONTROL) & ~BIT(bit));
	return true;
}

/* "The CR3-target count must not be greater than 4" (IA32_VMX_MISC[24:16]
 * gives the number supported) */
static bool cr3_target_count(void)
{
	u64 n = VMX_MISC_CR3_TARGETS(vmx_caps.misc);

	vmcs_set(CR3_TARGET_COUNT, (n > 4 ? n : 4) + 1);
	return true;
}

/* "If the VM-entry MSR-load count is not zero, the lower 4 bits of the
 * VM-entry MSR-load address must be 0" */
static bool entry_msr_area_misaligned(void)
{
	msr_area[0] = (struct msr_entry){ MSR_KERNEL_GS_BASE, 0, rdmsr(MSR_KERNEL_GS_BASE) };
	vmcs_set(VM_ENTRY_MSR_LOAD_COUNT, 1);
	vmcs_set(ENTRY_MSR_LOAD_ADDR, virt_to_phys(msr_area) + 8);
	return true;
}

/* "The field's interruption type (bits 10:8) is not set to a reserved
 * value. Value 1 is reserved on all logical processors" */
static bool entry_intr_type_1(void)
{
	vmcs_set(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 1 << 8);
	return true;
}

/* "The CR0 field must not set any bit to a value not supported in VMX
 * operation": a bit of IA32_VMX_CR0_FIXED0 (NE when it is one) cleared */
static bool host_cr0_fixed1(void)
{
	u64 fixed = vmx_caps.cr0_fixed0;

	bit = (fixed & X86_CR0_NE) ? 5 : lowest_bit((u32)fixed);
	if (bit < 0)
		return false;
	vmcs_set(HOST_CR0, vmcs_get(HOST_CR0) & ~BIT(bit));
	return true;
}

/* the CR4 field: VMXE is fixed to 1 */
static bool host_cr4_vmxe(void)
{
	vmcs_set(HOST_CR4, vmcs_get(HOST_CR4) & ~X86_CR4_VMXE);
	return true;
}

/* "If the 'host address-space size' VM-exit control is 1 ... bits 63:48 of
 * the RIP field must be identical" (canonical) */
static bool host_rip_noncanonical(void)
{
	vmcs_set(HOST_RIP, (u64)vmx_exit_stub | BIT(62));
	return true;
}

/* "The selector fields for CS and TR cannot be 0000H" */
static bool host_cs_0(void)
{
	vmcs_set(HOST_CS_SELECTOR, 0);
	return true;
}

static bool host_tr_0(void)
{
	vmcs_set(HOST_TR_SELECTOR, 0);
	return true;
}

/* "the RPL (bits 1:0) and the TI flag (bit 2) must be 0" */
static bool host_ds_rpl3(void)
{
	vmcs_set(HOST_DS_SELECTOR, KERNEL_DS | 3);
	return true;
}

/* "the base-address fields for FS, GS, GDTR, IDTR, and TR must contain
 * canonical addresses" */
static bool host_gdtr_noncanonical(void)
{
	vmcs_set(HOST_GDTR_BASE, vmcs_get(HOST_GDTR_BASE) | BIT(62));
	return true;
}

/* "If the logical processor is in IA-32e mode ... the 'host address-space
 * size' VM-exit control must be 1" */
static bool host_addr_space_0(void)
{
	vmcs_set(VM_EXIT_CONTROLS, vmcs_get(VM_EXIT_CONTROLS) & ~EXIT_HOST_ADDR_SPACE_SIZE);
	return true;
}

/* "If bit 31 in the CR0 field (corresponding to PG) is 1, bit 0 in that
 * field (PE) must also be 1" */
static bool guest_pg_without_pe(void)
{
	vmcs_set(GUEST_CR0, vmcs_get(GUEST_CR0) & ~X86_CR0_PE);
	return true;
}

/* "RFLAGS ... reserved bit 1 must be 1" */
static bool guest_rflags_bit1(void)
{
	vmcs_set(GUEST_RFLAGS, 0);
	return true;
}

/* "The activity-state field must contain a value in the range 0 - 3" */
static bool guest_activity_4(void)
{
	vmcs_set(GUEST_ACTIVITY_STATE, 4);
	return true;
}

/* "CS. Type must be 9, 11, 13, or 15 (accessed code segment)": 10 */
static bool guest_cs_not_accessed(void)
{
	vmcs_set(GUEST_CS_AR_BYTES, vmcs_get(GUEST_CS_AR_BYTES) & ~1ull);
	return true;
}

/* "TR ... The register must be usable" */
static bool guest_tr_unusable(void)
{
	vmcs_set(GUEST_TR_AR_BYTES, vmcs_get(GUEST_TR_AR_BYTES) | BIT(16));
	return true;
}

/* "Bit 0 (blocking by STI) must be 0 if the IF flag (bit 9) is 0 in the
 * RFLAGS field" */
static bool guest_sti_blocking_if0(void)
{
	vmcs_set(GUEST_INTERRUPTIBILITY_INFO, 1);
	return true;
}

/* "VMCS link pointer ... the 4 bytes located in memory referenced by the
 * value of the field ... must contain the value of the VMCS revision
 * identifier" */
static bool guest_link_pointer(void)
{
	u32 *page = vmx_alloc_region();

	page[0] ^= 1;
	vmcs_set(VMCS_LINK_POINTER, virt_to_phys(page));
	return true;
}

/* "Loading MSRs": processing fails for bits 31:8 = 000008H (x2APIC), for
 * C0000100H (IA32_FS_BASE) / C0000101H, for bits 63:32 not 0, and for a
 * value WRMSR would reject with #GP */
static bool load_msrs(struct msr_entry *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		msr_area[i] = e[i];
	vmcs_set(VM_ENTRY_MSR_LOAD_COUNT, n);
	vmcs_set(ENTRY_MSR_LOAD_ADDR, virt_to_phys(msr_area));
	return true;
}

static bool msr_x2apic(void)
{
	struct msr_entry e[] = { { 0x808, 0, 0 } };	/* x2APIC TPR */

	return load_msrs(e, 1);
}

static bool msr_fs_base_second(void)
{
	struct msr_entry e[] = {
		{ MSR_KERNEL_GS_BASE, 0, rdmsr(MSR_KERNEL_GS_BASE) },	/* loads fine */
		{ MSR_FS_BASE, 0, 0 },
	};

	return load_msrs(e, 2);
}

static bool msr_reserved_high(void)
{
	struct msr_entry e[] = { { MSR_IA32_SYSENTER_CS, 1, 0 } };

	return load_msrs(e, 1);
}

static bool msr_gp_value(void)
{
	/* PAT entry 0 = 2: a reserved memory type, #GP for WRMSR */
	struct msr_entry e[] = { { MSR_IA32_CR_PAT, 0, 0x0007040600070402ull } };

	return load_msrs(e, 1);
}

/* ---- the cases ---- */

enum { FAIL_7, FAIL_8, FAIL_33, FAIL_34 };

struct entry_case {
	const char *name;
	bool (*change)(void);
	int kind;
	u64 qual;	/* FAIL_33 / FAIL_34 */
};

static const struct entry_case cases[] = {
	{ "pin-based control with allowed-1 setting 0 set", pin_reserved_1, FAIL_7, 0 },
	{ "primary processor-based control with allowed-0 setting 1 cleared", proc_reserved_0, FAIL_7, 0 },
	{ "CR3-target count above 4", cr3_target_count, FAIL_7, 0 },
	{ "VM-entry MSR-load address not 16-byte aligned", entry_msr_area_misaligned, FAIL_7, 0 },
	{ "VM-entry interruption type 1 (reserved)", entry_intr_type_1, FAIL_7, 0 },
	{ "host CR0 without a fixed-1 bit", host_cr0_fixed1, FAIL_8, 0 },
	{ "host CR4.VMXE = 0", host_cr4_vmxe, FAIL_8, 0 },
	{ "host RIP not canonical, host address-space size 1", host_rip_noncanonical, FAIL_8, 0 },
	{ "host CS selector 0", host_cs_0, FAIL_8, 0 },
	{ "host TR selector 0", host_tr_0, FAIL_8, 0 },
	{ "host DS selector with RPL 3", host_ds_rpl3, FAIL_8, 0 },
	{ "host GDTR base not canonical", host_gdtr_noncanonical, FAIL_8, 0 },
	{ "host address-space size 0 in IA-32e mode", host_addr_space_0, FAIL_8, 0 },
	{ "guest CR0.PG = 1 with CR0.PE = 0", guest_pg_without_pe, FAIL_33, ENTRY_FAIL_DEFAULT },
	{ "guest RFLAGS reserved bit 1 clear", guest_rflags_bit1, FAIL_33, ENTRY_FAIL_DEFAULT },
	{ "guest activity state 4", guest_activity_4, FAIL_33, ENTRY_FAIL_DEFAULT },
	{ "guest CS type 10 (not accessed)", guest_cs_not_accessed, FAIL_33, ENTRY_FAIL_DEFAULT },
	{ "guest TR unusable", guest_tr_unusable, FAIL_33, ENTRY_FAIL_DEFAULT },
	{ "guest blocking by STI with RFLAGS.IF = 0", guest_sti_blocking_if0, FAIL_33, ENTRY_FAIL_DEFAULT },
	{ "VMCS link pointer to a region with a bad revision id", guest_link_pointer, FAIL_33, ENTRY_FAIL_VMCS_LINK },
	{ "MSR-load entry 1: x2APIC MSR 0x808", msr_x2apic, FAIL_34, 1 },
	{ "MSR-load entry 2: IA32_FS_BASE (entry 1 loads)", msr_fs_base_second, FAIL_34, 2 },
	{ "MSR-load entry 1: bits 63:32 not 0", msr_reserved_high, FAIL_34, 1 },
	{ "MSR-load entry 1: IA32_PAT value WRMSR rejects", msr_gp_value, FAIL_34, 1 },
};

static void run_case(const struct entry_case *c)
{
	u32 reason, want_reason;
	u64 qual;
	int r;

	fresh_vmcs();
	bit = -1;
	if (!c->change()) {
		report_skip("%s: does not apply to this CPU", c->name);
		return;
	}
	r = vmx_launch();
	if (c->kind == FAIL_7 || c->kind == FAIL_8) {
		int want = VMX_FAIL_VALID(c->kind == FAIL_7 ? VMXERR_ENTRY_INVALID_CONTROL
							    : VMXERR_ENTRY_INVALID_HOST_STATE);

		if (bit >= 0)
			report(r == want, "%s (bit %d): %s (got %s)", c->name, bit,
			       vmx_result_str(want), vmx_result_str(r));
		else
			report(r == want, "%s: %s (got %s)", c->name, vmx_result_str(want),
			       vmx_result_str(r));
		if (r == VMX_OK)
			report_info("%s: VMLAUNCH went through, exit reason %#x", c->name,
				    vmx_exit_reason());
		return;
	}
	if (r != VMX_OK) {
		report(false, "%s: VMLAUNCH %s, want a VM-entry failure", c->name,
		       vmx_result_str(r));
		return;
	}
	/* the failure loads host state and records reason and qualification
	 * only ("VM-Entry Failures During or After Loading Guest State") */
	reason = vmx_exit_reason();
	qual = vmx_exit_qual();
	want_reason = EXIT_REASON_FAILED_ENTRY |
		      (c->kind == FAIL_33 ? EXIT_REASON_INVALID_GUEST_STATE : EXIT_REASON_MSR_LOADING);
	report(reason == want_reason && qual == c->qual,
	       "%s: exit reason %#x qualification %llu (want %#x, %llu)", c->name, reason, qual,
	       want_reason, c->qual);
}

int main(int argc, char **argv)
{
	int r;

	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	if (!vmx_start())
		return report_summary();
	vmcs = vmx_alloc_region();
	msr_area = alloc_page();

	/* the valid VMCS itself: VM entry, l2_guest runs, VMCALL back */
	fresh_vmcs();
	r = vmx_launch();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == 0x43,
	       "the valid VMCS: VM entry, L2 returns 0x43 through VMCALL (%s, exit reason %#x, RAX %#llx)",
	       vmx_result_str(r), r == VMX_OK ? vmx_exit_reason() : 0, vmx_guest_regs.rax);

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);

	r = vmx_off();
	report(r == VMX_OK, "VMXOFF: %s", vmx_result_str(r));
	return report_summary();
}
