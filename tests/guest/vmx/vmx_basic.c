/* tests/guest/vmx/vmx_basic.c: VMX capability MSRs and the VMX instructions
 * outside VM entry, run by a bare-metal 64-bit L1:
 *  - IA32_VMX_BASIC, the control capability MSRs (allowed-0 within allowed-1,
 *    default1 classes, TRUE MSRs), CR0/CR4 fixed bits (SDM Vol.3D App. A);
 *  - #UD outside VMX operation / with CR4.VMXE = 0, #GP from VMXON with
 *    IA32_FEATURE_CONTROL unlocked or a CR0 bit not supported in VMX
 *    operation (Vol.3C "Enabling and Entering VMX Operation", "VMXON");
 *  - VMfailInvalid / VMfailValid(n) of VMXON, VMPTRLD, VMPTRST, VMCLEAR,
 *    VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMCALL, INVEPT, INVVPID with the
 *    error numbers of "VM Instruction Error Numbers"; VMREAD/VMWRITE widths;
 *  - VMXOFF, and CR4.VMXE that cannot be cleared in VMX operation.
 * Without CPUID.1:ECX.VMX it prints one SKIP line and passes.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vmx.h"

/* default1 classes (Vol.3D A.2 "Reserved Controls and Default Settings") */
#define PIN_DEFAULT1   (BIT(1) | BIT(2) | BIT(4))
#define PROC_DEFAULT1  (BIT(1) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(13) | \
			BIT(14) | BIT(15) | BIT(16) | BIT(26))
#define EXIT_DEFAULT1  (0x1ffull | BIT(10) | BIT(11) | BIT(13) | BIT(14) | BIT(16) | BIT(17))
#define ENTRY_DEFAULT1 (0x1ffull | BIT(12))

static u64 pa(const void *p)
{
	return virt_to_phys(p);
}

static bool subset(u64 a, u64 b)
{
	return (a & ~b) == 0;
}

/* ---- capability MSRs (Vol.3D Appendix A) ---- */

static void check_ctl_msr(const char *name, u64 msr)
{
	/* A.3-A.5: bit X of 31:0 set = control X must be 1, bit 32+X clear =
	 * control X must be 0; a control required to be 1 must be allowed to
	 * be 1 */
	report(subset((u32)msr, msr >> 32), "%s %#llx: allowed-0 settings within allowed-1",
	       name, msr);
}

static void check_true_msr(const char *name, u64 msr, u64 true_msr, u64 default1)
{
	/* A.3.1/A.3.2/A.4/A.5: the non-TRUE MSR reads the default1 class as
	 * "must be 1"; the TRUE MSR tells which of them may be 0 and is
	 * otherwise the same */
	report((u32)msr == ((u32)true_msr | default1) && (msr >> 32) == (true_msr >> 32),
	       "TRUE_%s %#llx = %s %#llx less default1 bits %#llx", name, true_msr, name,
	       msr, default1);
}

static void test_caps(void)
{
	struct vmx_caps *c = &vmx_caps;
	u32 rev = (u32)c->basic;
	u64 size = VMX_BASIC_REGION_SIZE(c->basic);

	report_prefix_push("caps");
	/* A.1 "Basic VMX Information" */
	report(rev != 0 && !(rev & BIT(31)),
	       "IA32_VMX_BASIC: VMCS revision id %#x nonzero, bit 31 clear", rev);
	report(size > 0 && size <= 4096, "IA32_VMX_BASIC: region size %llu in 1..4096", size);
	report(!(c->basic & VMX_BASIC_ADDR32),
	       "IA32_VMX_BASIC[48] = 0 (Intel 64: addresses not limited to 32 bits)");
	report(VMX_BASIC_MEMTYPE(c->basic) == 0 || VMX_BASIC_MEMTYPE(c->basic) == 6,
	       "IA32_VMX_BASIC[53:50] = %llu: UC (0) or WB (6)", VMX_BASIC_MEMTYPE(c->basic));

	check_ctl_msr("PINBASED_CTLS", c->pin);
	check_ctl_msr("PROCBASED_CTLS", c->proc);
	check_ctl_msr("EXIT_CTLS", c->exit);
	check_ctl_msr("ENTRY_CTLS", c->entry);
	report(subset(PIN_DEFAULT1, (u32)c->pin) && subset(PROC_DEFAULT1, (u32)c->proc) &&
	       subset(EXIT_DEFAULT1, (u32)c->exit) && subset(ENTRY_DEFAULT1, (u32)c->entry),
	       "default1 classes read as 1 in the allowed-0 halves (A.2)");
	if (c->has_proc2)
		check_ctl_msr("PROCBASED_CTLS2", c->proc2);
	if (c->has_true) {
		check_true_msr("PINBASED_CTLS", c->pin, c->true_pin, PIN_DEFAULT1);
		check_true_msr("PROCBASED_CTLS", c->proc, c->true_proc, PROC_DEFAULT1);
		check_true_msr("EXIT_CTLS", c->exit, c->true_exit, EXIT_DEFAULT1);
		check_true_msr("ENTRY_CTLS", c->entry, c->true_entry, ENTRY_DEFAULT1);
	}
	/* 64-bit L1 and L2 need these two 1-settings */
	report(vmx_ctl_allowed1(c->exit, EXIT_HOST_ADDR_SPACE_SIZE) &&
	       vmx_ctl_allowed1(c->entry, ENTRY_IA32E_MODE_GUEST),
	       "\"host address-space size\" and \"IA-32e mode guest\" may be 1");

	/* A.7 / A.8: FIXED0 bits are 1 in FIXED1; PE, NE, PG and VMXE fixed */
	report(subset(c->cr0_fixed0, c->cr0_fixed1) &&
	       subset(X86_CR0_PE | X86_CR0_NE | X86_CR0_PG, c->cr0_fixed0),
	       "CR0_FIXED0 %#llx within CR0_FIXED1 %#llx, PE NE PG fixed to 1",
	       c->cr0_fixed0, c->cr0_fixed1);
	report(subset(c->cr4_fixed0, c->cr4_fixed1) && (c->cr4_fixed0 & X86_CR4_VMXE),
	       "CR4_FIXED0 %#llx within CR4_FIXED1 %#llx, VMXE fixed to 1",
	       c->cr4_fixed0, c->cr4_fixed1);
	report_info("MISC %#llx VMCS_ENUM %#llx PROCBASED_CTLS2 %#llx EPT_VPID_CAP %#llx",
		    c->misc, c->vmcs_enum, c->proc2, c->ept_vpid);
	report_prefix_pop();
}

/* ---- outside VMX operation ---- */

static void test_outside(void *region)
{
	u64 v;

	report_prefix_push("outside VMX operation");
	write_cr4(read_cr4() & ~X86_CR4_VMXE);
	/* "VMXON": #UD if CR4.VMXE = 0 */
	report(vmx_on(pa(region)) == VMX_FAULT(UD_VECTOR), "VMXON with CR4.VMXE = 0: #UD");
	write_cr4(vmx_fixed_cr4(read_cr4()));
	/* every other VMX instruction: #UD if not in VMX operation */
	report(vmx_off() == VMX_FAULT(UD_VECTOR), "VMXOFF: #UD");
	report(vmx_ptrld(pa(region)) == VMX_FAULT(UD_VECTOR), "VMPTRLD: #UD");
	report(vmx_read(GUEST_RIP, &v) == VMX_FAULT(UD_VECTOR), "VMREAD: #UD");
	report(vmx_launch() == VMX_FAULT(UD_VECTOR), "VMLAUNCH: #UD");
	report_prefix_pop();
}

/* #GP(0) from VMXON: IA32_FEATURE_CONTROL unlocked, then CR0.NE = 0 */
static bool test_vmxon_gp(void *region)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	int r;

	report_prefix_push("VMXON #GP");
	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		r = vmx_on(pa(region));
		report(r == VMX_FAULT(GP_VECTOR) && exception_error_code() == 0,
		       "IA32_FEATURE_CONTROL lock bit clear: #GP(0) (got %s)", vmx_result_str(r));
	} else {
		report_info("IA32_FEATURE_CONTROL already locked (%#llx)", fc);
	}
	if (!vmx_feature_control_enable()) {
		report_skip("IA32_FEATURE_CONTROL %#llx disables VMX outside SMX",
			    rdmsr(MSR_IA32_FEATURE_CONTROL));
		report_prefix_pop();
		return false;
	}
	report((rdmsr(MSR_IA32_FEATURE_CONTROL) & 5) == 5,
	       "IA32_FEATURE_CONTROL locked with VMX outside SMX");
	vmx_set_fixed_crs();
	if (vmx_caps.cr0_fixed0 & X86_CR0_NE) {
		u64 cr0 = read_cr0();

		write_cr0(cr0 & ~X86_CR0_NE);
		r = vmx_on(pa(region));
		write_cr0(cr0);
		/* "Restrictions on VMX Operation": CR0 not supported in VMX
		 * operation -> #GP(0) */
		report(r == VMX_FAULT(GP_VECTOR) && exception_error_code() == 0,
		       "CR0.NE = 0 (fixed to 1): #GP(0) (got %s)", vmx_result_str(r));
		if (r == VMX_OK)
			vmx_off();
	}
	report_prefix_pop();
	return true;
}

/* VMXON's own checks: VMfailInvalid for a bad pointer or revision */
static void test_vmxon(void *region)
{
	u32 *rev = region, good = *rev;
	int maxphy = cpuid_maxphyaddr();
	u64 cur = 0;
	int r;

	report_prefix_push("VMXON");
	r = vmx_on(pa(region) + 0x800);
	report(r == VMX_FAIL_INVALID, "pointer not 4 KiB aligned: VMfailInvalid (got %s)",
	       vmx_result_str(r));
	if (maxphy < 52) {
		r = vmx_on(pa(region) | BIT(maxphy));
		report(r == VMX_FAIL_INVALID,
		       "pointer beyond MAXPHYADDR %d: VMfailInvalid (got %s)", maxphy,
		       vmx_result_str(r));
	}
	*rev = good ^ 1;
	r = vmx_on(pa(region));
	report(r == VMX_FAIL_INVALID, "revision id %#x: VMfailInvalid (got %s)", *rev,
	       vmx_result_str(r));
	*rev = good | BIT(31);
	r = vmx_on(pa(region));
	report(r == VMX_FAIL_INVALID, "revision id with bit 31 set: VMfailInvalid (got %s)",
	       vmx_result_str(r));
	*rev = good;
	r = vmx_on(pa(region));
	report(r == VMX_OK, "valid region: VMsucceed (got %s)", vmx_result_str(r));
	if (r != VMX_OK) {
		report_prefix_pop();
		report_summary();
	}
	/* VMXON leaves no current VMCS: FFFFFFFF_FFFFFFFFH */
	r = vmx_ptrst(&cur);
	report(r == VMX_OK && cur == ~0ull, "VMPTRST after VMXON: %#llx (want all ones)", cur);
	/* "VMXON executed in VMX root operation" is VMfail(15): with no current
	 * VMCS that is VMfailInvalid ("Conventions") */
	r = vmx_on(pa(region));
	report(r == VMX_FAIL_INVALID, "VMXON again, no current VMCS: VMfailInvalid (got %s)",
	       vmx_result_str(r));
	report_prefix_pop();
}

static int vmcall(void)
{
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "vmcall\n1:" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	if (exception_vector() != NO_EXCEPTION)
		return VMX_FAULT(exception_vector());
	if (cf)
		return VMX_FAIL_INVALID;
	if (zf)
		return VMX_FAIL_VALID(vmx_insn_error());
	return VMX_OK;
}

/* VMPTRLD / VMPTRST / VMCLEAR with a current VMCS: VMfailValid */
static void test_vmcs_pointers(void *region, void *vmcs)
{
	void *bad = vmx_alloc_region();
	u64 cur = 0;
	int r;

	report_prefix_push("VMCS pointer");
	r = vmx_clear(pa(vmcs));
	report(r == VMX_OK, "VMCLEAR of a new VMCS: VMsucceed (got %s)", vmx_result_str(r));
	r = vmx_ptrld(pa(vmcs));
	report(r == VMX_OK, "VMPTRLD: VMsucceed (got %s)", vmx_result_str(r));
	r = vmx_ptrst(&cur);
	report(r == VMX_OK && cur == pa(vmcs), "VMPTRST gives %#llx (want %#llx)", cur, pa(vmcs));

	r = vmx_on(pa(region));
	report(r == VMX_FAIL_VALID(VMXERR_VMXON_IN_ROOT),
	       "VMXON in VMX root operation: VMfailValid(15) (got %s)", vmx_result_str(r));
	r = vmx_ptrld(pa(region));
	report(r == VMX_FAIL_VALID(VMXERR_VMPTRLD_VMXON_PTR),
	       "VMPTRLD of the VMXON region: VMfailValid(10) (got %s)", vmx_result_str(r));
	*(u32 *)bad ^= 1;
	r = vmx_ptrld(pa(bad));
	report(r == VMX_FAIL_VALID(VMXERR_VMPTRLD_BAD_REVISION),
	       "VMPTRLD of a region with revision id %#x: VMfailValid(11) (got %s)",
	       *(u32 *)bad, vmx_result_str(r));
	r = vmx_ptrld(pa(vmcs) + 0x100);
	report(r == VMX_FAIL_VALID(VMXERR_VMPTRLD_INVALID_ADDR),
	       "VMPTRLD of an address not 4 KiB aligned: VMfailValid(9) (got %s)",
	       vmx_result_str(r));
	r = vmx_clear(pa(region));
	report(r == VMX_FAIL_VALID(VMXERR_VMCLEAR_VMXON_PTR),
	       "VMCLEAR of the VMXON pointer: VMfailValid(3) (got %s)", vmx_result_str(r));
	r = vmx_clear(pa(vmcs) + 8);
	report(r == VMX_FAIL_VALID(VMXERR_VMCLEAR_INVALID_ADDR),
	       "VMCLEAR of an address not 4 KiB aligned: VMfailValid(2) (got %s)",
	       vmx_result_str(r));
	r = vmx_ptrst(&cur);
	report(r == VMX_OK && cur == pa(vmcs),
	       "the failed instructions left the current VMCS %#llx", cur);
	/* "VMCALL": in VMX root operation without the dual-monitor treatment,
	 * VMfail(VMCALL executed in VMX root operation) */
	r = vmcall();
	report(r == VMX_FAIL_VALID(VMXERR_VMCALL_IN_ROOT),
	       "VMCALL in VMX root operation: VMfailValid(1) (got %s)", vmx_result_str(r));
	report_prefix_pop();
}

/* VMREAD / VMWRITE ("VMREAD", "VMWRITE"; Appendix B field encodings) */
static void test_vmread_vmwrite(void)
{
	u64 max_index = VMX_VMCS_ENUM_MAX_INDEX(vmx_caps.vmcs_enum), v = 0;
	int r;

	report_prefix_push("VMREAD/VMWRITE");
	r = vmx_write(GUEST_RIP, 0xffffffff81234567ull);
	report(r == VMX_OK && vmcs_get(GUEST_RIP) == 0xffffffff81234567ull,
	       "natural-width field GUEST_RIP: 64-bit round trip");
	r = vmx_write(GUEST_ES_SELECTOR, 0x123456789abcull);
	report(r == VMX_OK && vmcs_get(GUEST_ES_SELECTOR) == 0x9abc,
	       "16-bit field: high bits of the source ignored, read zero-extended (%#llx)",
	       vmcs_get(GUEST_ES_SELECTOR));
	r = vmx_write(GUEST_ES_LIMIT, 0xfedcba9876543210ull);
	report(r == VMX_OK && vmcs_get(GUEST_ES_LIMIT) == 0x76543210,
	       "32-bit field: high bits of the source ignored (%#llx)", vmcs_get(GUEST_ES_LIMIT));
	r = vmx_write(TSC_OFFSET, 0x1122334455667788ull);
	report(r == VMX_OK && vmcs_get(TSC_OFFSET + 1) == 0x11223344,
	       "64-bit field, access type high (encoding %#x): bits 63:32", TSC_OFFSET + 1);
	r = vmx_write(TSC_OFFSET + 1, 0xaabbccdd);
	report(r == VMX_OK && vmcs_get(TSC_OFFSET) == 0xaabbccdd55667788ull,
	       "VMWRITE high half keeps bits 31:0 (%#llx)", vmcs_get(TSC_OFFSET));

	/* A.9: bits 9:1 of IA32_VMX_VMCS_ENUM are the highest index used by
	 * any field, so index + 1 names no field */
	if (max_index < 0x1ff) {
		u64 f = 0x4000 | (max_index + 1) << 1;

		r = vmx_read(f, &v);
		report(r == VMX_FAIL_VALID(VMXERR_UNSUPPORTED_COMPONENT),
		       "VMREAD of field %#llx (index above VMCS_ENUM): VMfailValid(12) (got %s)",
		       f, vmx_result_str(r));
		r = vmx_write(f, 0);
		report(r == VMX_FAIL_VALID(VMXERR_UNSUPPORTED_COMPONENT),
		       "VMWRITE of field %#llx: VMfailValid(12) (got %s)", f, vmx_result_str(r));
	} else {
		report_skip("VMCS_ENUM highest index is 511");
	}
	/* B: bits 31:15 of an encoding are reserved: no field has one set */
	r = vmx_read(0x8000 | GUEST_RIP, &v);
	report(r == VMX_FAIL_VALID(VMXERR_UNSUPPORTED_COMPONENT),
	       "VMREAD of encoding %#x (reserved bit 15): VMfailValid(12) (got %s)",
	       0x8000 | GUEST_RIP, vmx_result_str(r));

	/* "VMWRITE": a VM-exit information field is read-only unless
	 * IA32_VMX_MISC[29] ("VMWRITE to any supported field") is 1 */
	r = vmx_write(VM_EXIT_REASON, 0x12);
	if (vmx_caps.misc & VMX_MISC_VMWRITE_ANY)
		report(r == VMX_OK && vmcs_get(VM_EXIT_REASON) == 0x12,
		       "VMWRITE to the exit-reason field with IA32_VMX_MISC[29] = 1: VMsucceed (got %s)",
		       vmx_result_str(r));
	else
		report(r == VMX_FAIL_VALID(VMXERR_VMWRITE_READ_ONLY),
		       "VMWRITE to the exit-reason field (read-only): VMfailValid(13) (got %s)",
		       vmx_result_str(r));
	report_prefix_pop();
}

/* VMCLEAR of the current VMCS, VMLAUNCH / VMRESUME failures */
static void test_launch_state(void *vmcs)
{
	u64 cur = 0;
	int r;

	report_prefix_push("launch state");
	r = vmx_clear(pa(vmcs));
	report(r == VMX_OK, "VMCLEAR of the current VMCS: VMsucceed (got %s)", vmx_result_str(r));
	r = vmx_ptrst(&cur);
	report(r == VMX_OK && cur == ~0ull, "VMCLEAR made the current-VMCS pointer invalid (%#llx)",
	       cur);
	r = vmx_launch();
	report(r == VMX_FAIL_INVALID, "VMLAUNCH with no current VMCS: VMfailInvalid (got %s)",
	       vmx_result_str(r));
	r = vmx_resume();
	report(r == VMX_FAIL_INVALID, "VMRESUME with no current VMCS: VMfailInvalid (got %s)",
	       vmx_result_str(r));
	r = vmx_write(GUEST_RIP, 0);
	report(r == VMX_FAIL_INVALID, "VMWRITE with no current VMCS: VMfailInvalid (got %s)",
	       vmx_result_str(r));
	vmx_ptrld(pa(vmcs));
	/* "VMLAUNCH/VMRESUME": VMRESUME and the launch state is not launched ->
	 * VMfail(5), checked before any VMCS field */
	r = vmx_resume();
	report(r == VMX_FAIL_VALID(VMXERR_VMRESUME_NONLAUNCHED),
	       "VMRESUME of a clear VMCS: VMfailValid(5) (got %s)", vmx_result_str(r));
	report_prefix_pop();
}

/* INVEPT / INVVPID: #UD unless supported, VMfail(28) for an unsupported type */
static void test_invept_invvpid(void)
{
	bool ept = vmx_caps.has_proc2 && vmx_ctl_allowed1(vmx_caps.proc2, PROC2_ENABLE_EPT);
	bool vpid = vmx_caps.has_proc2 && vmx_ctl_allowed1(vmx_caps.proc2, PROC2_ENABLE_VPID);
	u64 cap = vmx_caps.ept_vpid;
	int r;

	report_prefix_push("INVEPT/INVVPID");
	r = vmx_invept(2, 0);
	if (!ept || !(cap & VMX_EPT_CAP_INVEPT)) {
		report(r == VMX_FAULT(UD_VECTOR), "INVEPT not supported: #UD (got %s)",
		       vmx_result_str(r));
	} else {
		if (cap & VMX_EPT_CAP_INVEPT_ALL)
			report(r == VMX_OK, "INVEPT all-context: VMsucceed (got %s)",
			       vmx_result_str(r));
		r = vmx_invept(0, 0);
		report(r == VMX_FAIL_VALID(VMXERR_INVALID_INVEPT_INVVPID),
		       "INVEPT type 0 (not a type): VMfailValid(28) (got %s)", vmx_result_str(r));
	}
	r = vmx_invvpid(2, 0, 0);
	if (!vpid || !(cap & VMX_VPID_CAP_INVVPID)) {
		report(r == VMX_FAULT(UD_VECTOR), "INVVPID not supported: #UD (got %s)",
		       vmx_result_str(r));
	} else {
		if (cap & VMX_VPID_CAP_INVVPID_ALL)
			report(r == VMX_OK, "INVVPID all-context: VMsucceed (got %s)",
			       vmx_result_str(r));
		r = vmx_invvpid(4, 1, 0);
		report(r == VMX_FAIL_VALID(VMXERR_INVALID_INVEPT_INVVPID),
		       "INVVPID type 4 (not a type): VMfailValid(28) (got %s)", vmx_result_str(r));
		if (cap & VMX_VPID_CAP_INVVPID_SINGLE) {
			r = vmx_invvpid(1, 1ull << 16 | 1, 0);
			report(r == VMX_FAIL_VALID(VMXERR_INVALID_INVEPT_INVVPID),
			       "INVVPID descriptor bits 63:16 set: VMfailValid(28) (got %s)",
			       vmx_result_str(r));
		}
	}
	report_prefix_pop();
}

static void test_vmxoff(void)
{
	u64 cur;
	int r;

	report_prefix_push("VMXOFF");
	/* "Restrictions on VMX Operation": CR4.VMXE cannot be cleared */
	r = write_cr4_safe(read_cr4() & ~X86_CR4_VMXE);
	report(r == GP_VECTOR && (read_cr4() & X86_CR4_VMXE),
	       "clearing CR4.VMXE in VMX operation: #GP");
	r = vmx_off();
	report(r == VMX_OK, "VMXOFF: VMsucceed (got %s)", vmx_result_str(r));
	r = vmx_ptrst(&cur);
	report(r == VMX_FAULT(UD_VECTOR), "VMPTRST after VMXOFF: #UD (got %s)", vmx_result_str(r));
	r = write_cr4_safe(read_cr4() & ~X86_CR4_VMXE);
	report(r == NO_EXCEPTION && !(read_cr4() & X86_CR4_VMXE),
	       "CR4.VMXE can be cleared after VMXOFF");
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	void *region, *vmcs;

	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	test_caps();
	region = vmx_alloc_region();
	vmcs = vmx_alloc_region();
	test_outside(region);
	if (!test_vmxon_gp(region))
		return report_summary();
	test_vmxon(region);
	test_vmcs_pointers(region, vmcs);
	test_vmread_vmwrite();
	test_invept_invvpid();
	test_launch_state(vmcs);
	test_vmxoff();
	return report_summary();
}
