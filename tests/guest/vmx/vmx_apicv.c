/* tests/guest/vmx/vmx_apicv.c: APIC virtualization (SDM Vol.3C "APIC
 * Virtualization and Virtual Interrupts") under a bare-metal 64-bit L1
 * running a 64-bit L2 that shares its page tables. Checked:
 *  - TPR shadow ("Virtualizing CR8-Based TPR Accesses", "TPR
 *    Virtualization"): MOV to CR8 in L2 writes VTPR (byte 80H of the
 *    virtual-APIC page: bits 7:4, the rest cleared), MOV from CR8 reads
 *    it, L1's own TPR is untouched; a VTPR below the TPR threshold makes
 *    a trap-like "TPR below threshold" exit (reason 43, qualification 0,
 *    guest RIP after the MOV); CR8-load exiting takes priority; the
 *    VM-entry checks on the virtual-APIC address and the TPR threshold
 *    fail with VMfailValid(7).
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vm.h"
#include "vmx.h"

#define EXIT_REASON_TPR_BELOW_THRESHOLD 43

static struct vmx_vmcs_cfg cfg = { .proc = PROC_USE_TPR_SHADOW };
static volatile u32 *vapic;     /* the virtual-APIC page */
static volatile u64 l2_after;   /* written by L2: the address after its MOV to CR8 */

/* L2: CR8 = arg, then returns what CR8 reads back */
static u64 l2_cr8(u64 arg)
{
	u64 v;
	asm volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, %[after]\n\t"
		     "mov %[arg], %%cr8\n1:\tmov %%cr8, %[v]"
		     : [v] "=r"(v), [after] "=m"(l2_after)
		     : [arg] "r"(arg)
		     : "r11", "memory");
	return v;
}

/* L2: what CR8 reads */
static u64 l2_read_cr8(u64 arg) { return read_cr8() + arg; }

static bool setup(u64 (*fn)(u64), u64 arg, u32 extra_proc)
{
	struct vmx_vmcs_cfg c = cfg;
	c.proc |= extra_proc;
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, fn, arg)) {
		report(false, "VMCS setup with proc %#x", c.proc);
		return false;
	}
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(TPR_THRESHOLD, 0);
	return true;
}

static bool launched(const char *what, int r)
{
	bool ok = r == VMX_OK && !vmx_entry_failed();
	if (!ok)
		report(false, "%s: VMLAUNCH %s, exit reason %#x", what, vmx_result_str(r),
		       r == VMX_OK ? vmx_exit_reason() : 0);
	return ok;
}

static void test_cr8_virtualized(void)
{
	write_cr8(0);
	vapic[0x80 / 4] = 0xffffff0f;
	if (!setup(l2_cr8, 9, 0) || !launched("CR8", vmx_launch()))
		return;
	report(vmx_l2_finished() && vmx_guest_regs.rax == 9,
	       "MOV from CR8 in L2 reads back the 9 it wrote (%#llx)", vmx_guest_regs.rax);
	report(vapic[0x80 / 4] == 0x90, "VTPR = %#x (9 in bits 7:4, the rest cleared)",
	       vapic[0x80 / 4]);
	report(read_cr8() == 0, "L1's CR8 is still 0 (%#llx)", read_cr8());

	vapic[0x80 / 4] = 0xa7;
	if (!setup(l2_read_cr8, 0x100, 0) || !launched("CR8 read", vmx_launch()))
		return;
	report(vmx_l2_finished() && vmx_guest_regs.rax == 0x10a,
	       "MOV from CR8 in L2 reads VTPR[7:4] = 0xa (%#llx)", vmx_guest_regs.rax - 0x100);
}

static void test_tpr_below_threshold(void)
{
	vapic[0x80 / 4] = 0x80;
	if (!setup(l2_cr8, 5, 0))
		return;
	vmcs_set(TPR_THRESHOLD, 6);
	if (!launched("threshold", vmx_launch()))
		return;
	report(vmx_exit_reason() == EXIT_REASON_TPR_BELOW_THRESHOLD,
	       "VTPR 5 below threshold 6: exit reason %u (43)", vmx_exit_reason());
	report(vmx_exit_qual() == 0, "TPR below threshold: qualification %#llx (0)",
	       vmx_exit_qual());
	report(vmx_guest_rip() == l2_after && l2_after,
	       "TPR below threshold is trap-like: guest RIP %#llx is after the MOV (%#llx)",
	       vmx_guest_rip(), l2_after);
	report(vapic[0x80 / 4] == 0x50, "the MOV to CR8 completed: VTPR %#x", vapic[0x80 / 4]);
	/* L1 lowers the threshold; L2 goes on from the next instruction */
	vmcs_set(TPR_THRESHOLD, 5);
	int r = vmx_resume();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == 5,
	       "after the exit L2 reads CR8 = %#llx (5)", vmx_guest_regs.rax);

	/* at the threshold: no exit */
	if (!setup(l2_cr8, 5, 0))
		return;
	vmcs_set(TPR_THRESHOLD, 5);
	if (launched("at threshold", vmx_launch()))
		report(vmx_l2_finished(), "VTPR 5 = threshold 5: no exit (reason %u)",
		       vmx_exit_reason());

	/* CR8-load exiting takes priority: a CR-access exit, VTPR untouched */
	vapic[0x80 / 4] = 0x80;
	if (!setup(l2_cr8, 5, PROC_CR8_LOAD_EXITING))
		return;
	vmcs_set(TPR_THRESHOLD, 6);
	if (launched("CR8-load exiting", vmx_launch()))
		report(vmx_exit_reason() == EXIT_REASON_CR_ACCESS && CR_QUAL_CR(vmx_exit_qual()) == 8 &&
			       vapic[0x80 / 4] == 0x80,
		       "CR8-load exiting: reason %u qualification %#llx, VTPR %#x", vmx_exit_reason(),
		       vmx_exit_qual(), vapic[0x80 / 4]);
}

/* "Checks on VM-Execution Control Fields": each VMLAUNCH fails with
 * VMfailValid(7) */
static void entry_check(const char *what, u64 vapic_addr, u64 threshold, u32 vtpr)
{
	if (!setup(l2_cr8, 0, 0))
		return;
	vmcs_set(VIRTUAL_APIC_ADDR, vapic_addr);
	vmcs_set(TPR_THRESHOLD, threshold);
	vapic[0x80 / 4] = vtpr;
	int r = vmx_launch();
	report(r == VMX_FAIL_VALID(VMXERR_ENTRY_INVALID_CONTROL), "%s: %s", what,
	       vmx_result_str(r));
}

static void test_entry_checks(void)
{
	u64 pa = virt_to_phys((void *)vapic);
	entry_check("virtual-APIC address bits 11:0 not 0", pa | 0x80, 0, 0);
	entry_check("virtual-APIC address beyond MAXPHYADDR", pa | (1ull << 52), 0, 0);
	entry_check("TPR threshold bits 31:4 not 0", pa, 0x10, 0xf0);
	entry_check("TPR threshold 3 above VTPR[7:4] 2", pa, 3, 0x20);
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	if (!vmx_ctl_allowed1(vmx_proc_msr(), PROC_USE_TPR_SHADOW)) {
		report(false, "\"use TPR shadow\" is offered");
		return report_summary();
	}
	if (!vmx_start())
		return report_summary();
	vapic = alloc_page();
	test_cr8_virtualized();
	test_tpr_below_threshold();
	test_entry_checks();
	return report_summary();
}
