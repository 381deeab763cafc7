/* tests/guest/vmx/vmx_unrestricted.c: "unrestricted guest" (SDM Vol.3C
 * "Unrestricted Guests"): with it and EPT, L2 runs with CR0.PE and CR0.PG
 * clear -- here in real mode, its "physical" memory translated by EPT
 * (guest-physical 0x10000 is a page of L1's). L2, at 1000:0000:
 *   stores through DS, takes INT 10h through its own IVT (IDTR base
 *   0x10800), runs CPUID (an exit: L1 checks the real-mode state the exit
 *   saved), reads a guest-physical page EPT does not map (an EPT violation
 *   whose guest-linear address is DS.base + offset), sets CR0.PE (allowed:
 *   the fixed-1 bits of IA32_VMX_CR0_FIXED0 do not hold PE and PG for an
 *   unrestricted guest) and ends with VMCALL.
 * Also: the VM-entry checks the control changes -- it needs EPT; CS may be
 * a read/write accessed data segment (type 3); CR0.PG without PE fails;
 * without the control, CR0.PE = 0 fails.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vm.h"
#include "vmx.h"

#define L2_BASE 0x10000ull /* guest-physical: CS = DS = SS = 1000h */

/* real-mode code and data at offsets of the page */
static const u8 l2_code[] = {
	0xb8, 0x00, 0x10,                   /* mov ax, 0x1000 */
	0x8e, 0xd8,                         /* mov ds, ax */
	0xc7, 0x06, 0x00, 0x06, 0xef, 0xbe, /* mov word [0x600], 0xbeef */
	0xcd, 0x10,                         /* int 0x10 */
	0x8b, 0x1e, 0x02, 0x06,             /* mov bx, [0x602] */
	0x0f, 0xa2,                         /* cpuid: exit 1 */
	0x8b, 0x0e, 0x00, 0x10,             /* mov cx, [0x1000]: EPT violation */
	0x0f, 0x20, 0xc0,                   /* mov eax, cr0 */
	0x0c, 0x01,                         /* or al, 1 */
	0x0f, 0x22, 0xc0,                   /* mov cr0, eax */
	0x0f, 0x01, 0xc1,                   /* vmcall: exit 3 */
	0xf4,
};
#define CPUID_AT 0x11
#define LOAD_AT  0x13
#define VMCALL_AT 0x1f
static const u8 l2_handler[] = {        /* at 0x400 */
	0xc7, 0x06, 0x02, 0x06, 0x5a, 0x5a, /* mov word [0x602], 0x5a5a */
	0xcf,                               /* iret */
};

static u64 *ept_pt;     /* 4-KByte EPT entries of guest-physical 0-2 MiB */

static u64 build_ept(u64 page)
{
	u64 *pml4 = alloc_page(), *pdpt = alloc_page(), *pd = alloc_page();
	ept_pt = alloc_page();
	pml4[0] = virt_to_phys(pdpt) | 7;
	for (u64 i = 0; i < 4; i++)
		pdpt[i] = (i << 30) | (6 << 3) | BIT(7) | 7;
	pdpt[0] = virt_to_phys(pd) | 7;
	for (u64 i = 0; i < 512; i++)
		pd[i] = (i << 21) | (6 << 3) | BIT(7) | 7;
	pd[0] = virt_to_phys(ept_pt) | 7;
	for (u64 i = 0; i < 512; i++)
		ept_pt[i] = (i << 12) | (6 << 3) | 7;
	ept_pt[L2_BASE >> 12] = page | (6 << 3) | 7;      /* L2's page */
	ept_pt[(L2_BASE >> 12) + 1] = 0;                  /* not mapped */
	return virt_to_phys(pml4) | (3 << 3) | 6;
}

static void real_mode_seg(u64 sel_field, u16 sel, u32 ar)
{
	u64 i = sel_field - GUEST_ES_SELECTOR;
	vmcs_set(sel_field, sel);
	vmcs_set(GUEST_ES_BASE + i, (u64)sel << 4);
	vmcs_set(GUEST_ES_LIMIT + i, 0xffff);
	vmcs_set(GUEST_ES_AR_BYTES + i, ar);
}

/* the current VMCS, set up for L2 in real mode at 1000:0000 */
static bool real_mode_vmcs(u64 eptp, u32 proc2)
{
	struct vmx_vmcs_cfg cfg = { .proc = PROC_ACTIVATE_SECONDARY, .proc2 = proc2 };
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, NULL, 0))
		return false;
	vmcs_set(EPT_POINTER, eptp);
	vmcs_set(VM_ENTRY_CONTROLS, vmcs_get(VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE_GUEST);
	vmcs_set(GUEST_CR0, vmx_fixed_cr0(read_cr0()) & ~(X86_CR0_PE | X86_CR0_PG));
	vmcs_set(GUEST_CR4, vmx_fixed_cr4(0));
	vmcs_set(GUEST_CR3, 0);
	vmcs_set(GUEST_RFLAGS, 0x2);
	vmcs_set(GUEST_RIP, 0);
	vmcs_set(GUEST_RSP, 0xff0);
	for (u64 f = GUEST_ES_SELECTOR; f <= GUEST_GS_SELECTOR; f += 2)
		real_mode_seg(f, L2_BASE >> 4, 0x93);
	real_mode_seg(GUEST_LDTR_SELECTOR, 0, 0x10000);
	real_mode_seg(GUEST_TR_SELECTOR, 0, 0x8b);
	vmcs_set(GUEST_GDTR_BASE, 0);
	vmcs_set(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_set(GUEST_IDTR_BASE, L2_BASE + 0x800);
	vmcs_set(GUEST_IDTR_LIMIT, 0x3ff);
	return true;
}

static void entry_checks(u64 eptp)
{
	/* "If the unrestricted guest VM-execution control is 1, the enable
	 * EPT VM-execution control must also be 1" */
	if (real_mode_vmcs(eptp, PROC2_UNRESTRICTED_GUEST)) {
		int r = vmx_launch();
		report(r == VMX_FAIL_VALID(VMXERR_ENTRY_INVALID_CONTROL),
		       "unrestricted guest without EPT: VMLAUNCH %s", vmx_result_str(r));
	}
	/* CR0.PG without PE: a failed entry, reason 33 */
	if (real_mode_vmcs(eptp, PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_EPT)) {
		vmcs_set(GUEST_CR0, vmcs_get(GUEST_CR0) | X86_CR0_PG);
		int r = vmx_launch();
		report(r == VMX_OK && vmx_exit_reason() == (EXIT_REASON_FAILED_ENTRY | 33),
		       "unrestricted guest, CR0.PG without PE: %s, exit reason %#x",
		       vmx_result_str(r), vmx_exit_reason());
	}
	/* without the control, CR0.PE = 0 breaks the CR0 fixed bits */
	if (real_mode_vmcs(eptp, PROC2_ENABLE_EPT)) {
		int r = vmx_launch();
		report(r == VMX_OK && vmx_exit_reason() == (EXIT_REASON_FAILED_ENTRY | 33),
		       "EPT without unrestricted guest, CR0.PE = 0: exit reason %#x",
		       vmx_exit_reason());
	}
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_EPT)) {
		report_skip("unrestricted guest not offered");
		return report_summary();
	}
	if (!vmx_start())
		return report_summary();
	u8 *page = alloc_page();
	memcpy(page, l2_code, sizeof(l2_code));
	memcpy(page + 0x400, l2_handler, sizeof(l2_handler));
	u16 ivt10[2] = { 0x400, L2_BASE >> 4 };
	memcpy(page + 0x800 + 4 * 0x10, ivt10, sizeof(ivt10));
	u64 eptp = build_ept(virt_to_phys(page));

	entry_checks(eptp);

	if (!real_mode_vmcs(eptp, PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_EPT)) {
		report(false, "a VMCS for a real-mode L2");
		return report_summary();
	}
	int r = vmx_launch();
	report(r == VMX_OK && !vmx_entry_failed() && vmx_exit_reason() == EXIT_REASON_CPUID,
	       "real-mode L2 (CR0.PE = PG = 0) runs to CPUID: %s, exit reason %#x",
	       vmx_result_str(r), r == VMX_OK ? vmx_exit_reason() : 0);
	if (r != VMX_OK || vmx_exit_reason() != EXIT_REASON_CPUID)
		return report_summary();
	report(vmx_guest_rip() == CPUID_AT && vmcs_get(GUEST_CS_BASE) == L2_BASE &&
	       vmcs_get(GUEST_CS_SELECTOR) == (L2_BASE >> 4),
	       "the exit saved RIP %#llx, CS %#llx base %#llx", vmx_guest_rip(),
	       vmcs_get(GUEST_CS_SELECTOR), vmcs_get(GUEST_CS_BASE));
	report(!(vmcs_get(GUEST_CR0) & (X86_CR0_PE | X86_CR0_PG)), "guest CR0 %#llx: PE = PG = 0",
	       vmcs_get(GUEST_CR0));
	report(*(u16 *)(page + 0x600) == 0xbeef, "L2's store through DS reached its EPT page");
	report((u16)vmx_guest_regs.rbx == 0x5a5a,
	       "INT 10h went through L2's IVT at IDTR base %#llx (bx %#llx)",
	       L2_BASE + 0x800, vmx_guest_regs.rbx);

	r = vmx_skip_and_resume();
	report(r == VMX_OK && vmx_exit_reason() == EXIT_REASON_EPT_VIOLATION,
	       "a read of unmapped guest-physical memory in real mode: exit reason %u",
	       vmx_exit_reason());
	report(vmcs_get(GUEST_PHYSICAL_ADDRESS) == L2_BASE + 0x1000 &&
	       vmcs_get(GUEST_LINEAR_ADDRESS) == L2_BASE + 0x1000 && vmx_guest_rip() == LOAD_AT &&
	       vmx_exit_qual() == (BIT(0) | BIT(7) | BIT(8)),
	       "its guest-physical %#llx and linear %#llx addresses (DS.base + offset), "
	       "qualification %#llx", vmcs_get(GUEST_PHYSICAL_ADDRESS),
	       vmcs_get(GUEST_LINEAR_ADDRESS), vmx_exit_qual());
	ept_pt[(L2_BASE >> 12) + 1] = (L2_BASE + 0x1000) | (6 << 3) | 7;
	vmx_invept(2, 0);

	r = vmx_resume();
	report(r == VMX_OK && vmx_exit_reason() == EXIT_REASON_VMCALL && vmx_guest_rip() == VMCALL_AT,
	       "L2 sets CR0.PE and executes VMCALL: exit reason %u at %#llx", vmx_exit_reason(),
	       vmx_guest_rip());
	report(vmcs_get(GUEST_CR0) & X86_CR0_PE, "guest CR0 %#llx: PE = 1", vmcs_get(GUEST_CR0));
	return report_summary();
}
