/* tests/guest/vmx/vmx_v86.c: a virtual-8086 L2 (SDM Vol.3C "Checks on
 * Guest Segment Registers": "the guest will be virtual-8086 if the VM flag
 * (bit 17) is 1 in the RFLAGS field in the guest-state area"). L1 (64-bit)
 * enters a 32-bit protected-mode L2 with paging (32-bit paging through a
 * page table of L1's pages: linear 10000H-10FFFH code and data, 2F000H-
 * 2FFFFH the stack, user pages) whose RFLAGS.VM is 1 and whose CS, SS,
 * DS, ES, FS, GS have base = selector << 4, limit FFFFH and access rights
 * F3H. L2, at 1000:0000, loads ES, stores through it,
 * pushes and pops, and runs CPUID (an exit: L1 checks RFLAGS.VM and the
 * segment fields the exit saved), is resumed with that saved state (which
 * must pass the same checks) and runs CPUID again.
 * Also: entries with a segment that breaks the virtual-8086 rules (access
 * rights, base, limit) fail with exit reason 33.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vm.h"
#include "vmx.h"

#define V86_CS   0x1000u /* code and data page: linear 0x10000 */
#define V86_SS   0x2000u /* stack: SS:SP 2000:FFF0, linear 0x2fff0 */
#define V86_ES   0x1010u /* loaded by L2: base 0x10100 */

static const u8 l2_code[] = {
	0xb8, 0x10, 0x10,             /* mov ax, 0x1010 */
	0x8e, 0xc0,                   /* mov es, ax */
	0x26, 0xc7, 0x06, 0x00, 0x06, /* mov word es:[0x600], 0xbeef */
	0xef, 0xbe,
	0x68, 0x5a, 0x5a,             /* push 0x5a5a */
	0x5b,                         /* pop bx */
	0x0f, 0xa2,                   /* cpuid: exit 1 */
	0x41,                         /* inc cx */
	0x0f, 0xa2,                   /* cpuid: exit 2 */
	0xf4,
};
#define CPUID1_AT 0x10
#define CPUID2_AT 0x13

/* 32-bit paging: PD[0] -> PT; linear 0x10000 and 0x2f000 -> L1's pages */
static u64 build_paging(u8 *code_page, u8 *stack_page)
{
	u32 *pd = alloc_page(), *pt = alloc_page();
	pd[0] = (u32)virt_to_phys(pt) | 7;
	pt[0x10] = (u32)virt_to_phys(code_page) | 7;
	pt[0x2f] = (u32)virt_to_phys(stack_page) | 7;
	return virt_to_phys(pd);
}

static void v86_seg(u64 sel_field, u16 sel)
{
	u64 i = sel_field - GUEST_ES_SELECTOR;
	vmcs_set(sel_field, sel);
	vmcs_set(GUEST_ES_BASE + i, (u64)sel << 4);
	vmcs_set(GUEST_ES_LIMIT + i, 0xffff);
	vmcs_set(GUEST_ES_AR_BYTES + i, 0xf3);
}

/* the current VMCS, set up for a virtual-8086 L2 at 1000:0000 */
static bool v86_vmcs(u64 cr3)
{
	struct vmx_vmcs_cfg cfg = { .exception_bitmap = ~0u };
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, NULL, 0))
		return false;
	vmcs_set(VM_ENTRY_CONTROLS, vmcs_get(VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE_GUEST);
	vmcs_set(GUEST_CR0, vmx_fixed_cr0(read_cr0()));
	vmcs_set(GUEST_CR4, vmx_fixed_cr4(0));
	vmcs_set(GUEST_CR3, cr3);
	vmcs_set(GUEST_RFLAGS, 0x2 | X86_EFLAGS_VM);
	vmcs_set(GUEST_RIP, 0);
	vmcs_set(GUEST_RSP, 0xfff0);
	for (u64 f = GUEST_ES_SELECTOR; f <= GUEST_GS_SELECTOR; f += 2)
		v86_seg(f, f == GUEST_SS_SELECTOR ? V86_SS : V86_CS);
	return true;
}

/* an entry with one v86 segment rule broken: a failed entry, reason 33 */
static void negative(u64 cr3, u64 field, u64 val, const char *what)
{
	if (!v86_vmcs(cr3)) {
		report(false, "a VMCS for a virtual-8086 L2");
		return;
	}
	vmcs_set(field, val);
	int r = vmx_launch();
	report(r == VMX_OK && vmx_exit_reason() == (EXIT_REASON_FAILED_ENTRY | 33) && vmx_exit_qual() == 0,
	       "virtual-8086 L2 with %s: %s, exit reason %#x", what, vmx_result_str(r),
	       r == VMX_OK ? vmx_exit_reason() : 0);
}

static bool saved_v86_seg(u64 sel_field, u16 sel)
{
	u64 i = sel_field - GUEST_ES_SELECTOR;
	return vmcs_get(sel_field) == sel && vmcs_get(GUEST_ES_BASE + i) == (u64)sel << 4 &&
	       vmcs_get(GUEST_ES_LIMIT + i) == 0xffff && vmcs_get(GUEST_ES_AR_BYTES + i) == 0xf3;
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	if (!vmx_start())
		return report_summary();
	u8 *code = alloc_page(), *stack = alloc_page();
	memcpy(code, l2_code, sizeof(l2_code));
	u64 cr3 = build_paging(code, stack);

	negative(cr3, GUEST_CS_AR_BYTES, 0xfb, "CS access rights FBH (not F3H)");
	negative(cr3, GUEST_SS_AR_BYTES, 0x93, "SS access rights 93H (DPL 0)");
	negative(cr3, GUEST_DS_BASE, 0x10010, "DS base not selector << 4");
	negative(cr3, GUEST_FS_LIMIT, 0xfffff, "FS limit FFFFFH");

	if (!v86_vmcs(cr3)) {
		report(false, "a VMCS for a virtual-8086 L2");
		return report_summary();
	}
	int r = vmx_launch();
	report(r == VMX_OK && !vmx_entry_failed() && vmx_exit_reason() == EXIT_REASON_CPUID,
	       "virtual-8086 L2 runs to CPUID: %s, exit reason %#x, intr info %#x",
	       vmx_result_str(r), r == VMX_OK ? vmx_exit_reason() : 0, vmx_exit_intr_info());
	if (r != VMX_OK || vmx_exit_reason() != EXIT_REASON_CPUID)
		return report_summary();
	report(vmx_guest_rip() == CPUID1_AT && (vmcs_get(GUEST_RFLAGS) & X86_EFLAGS_VM),
	       "the exit saved RIP %#llx and RFLAGS %#llx (VM = 1)", vmx_guest_rip(),
	       vmcs_get(GUEST_RFLAGS));
	report(saved_v86_seg(GUEST_CS_SELECTOR, V86_CS) && saved_v86_seg(GUEST_SS_SELECTOR, V86_SS) &&
	       saved_v86_seg(GUEST_DS_SELECTOR, V86_CS),
	       "CS %#llx base %#llx limit %#llx AR %#llx, SS %#llx: base = selector << 4, "
	       "limit FFFFH, AR F3H", vmcs_get(GUEST_CS_SELECTOR), vmcs_get(GUEST_CS_BASE),
	       vmcs_get(GUEST_CS_LIMIT), vmcs_get(GUEST_CS_AR_BYTES), vmcs_get(GUEST_SS_SELECTOR));
	report(saved_v86_seg(GUEST_ES_SELECTOR, V86_ES),
	       "ES loaded by L2 (MOV ES, AX = 1010H): selector %#llx base %#llx AR %#llx",
	       vmcs_get(GUEST_ES_SELECTOR), vmcs_get(GUEST_ES_BASE), vmcs_get(GUEST_ES_AR_BYTES));
	report(*(u16 *)(code + 0x700) == 0xbeef,
	       "the store to ES:[600H] reached linear 10700H (ES base + offset)");
	report((u16)vmx_guest_regs.rbx == 0x5a5a && vmcs_get(GUEST_RSP) == 0xfff0,
	       "PUSH/POP through SS:SP: bx %#llx, sp %#llx", vmx_guest_regs.rbx,
	       vmcs_get(GUEST_RSP));

	r = vmx_skip_and_resume();
	report(r == VMX_OK && !vmx_entry_failed() && vmx_exit_reason() == EXIT_REASON_CPUID &&
		       vmx_guest_rip() == CPUID2_AT && (vmcs_get(GUEST_RFLAGS) & X86_EFLAGS_VM),
	       "VMRESUME with the saved virtual-8086 state: %s, exit reason %#x at %#llx",
	       vmx_result_str(r), r == VMX_OK ? vmx_exit_reason() : 0, vmx_guest_rip());
	return report_summary();
}
