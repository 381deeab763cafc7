/* tests/guest/vmx/vmx_ept.c: EPT (SDM Vol.3C "The Extended Page Table
 * Mechanism (EPT)") under a bare-metal 64-bit L1. L1 builds an identity EPT
 * of the low 4 GiB (1-GByte pages above 1 GiB, 2-MByte pages below, 4-KByte
 * pages for the test pages) and runs a 64-bit L2 that shares its page
 * tables. Checked:
 *  - translation through EPT: a 4-KByte, a 2-MByte and a 1-GByte EPT page
 *    mapping a guest-physical page somewhere else;
 *  - EPT violations for a read, a write and a fetch, with the exit
 *    qualification of "Exit Qualification for EPT Violations" (access
 *    bits 2:0, the translation's permissions in 5:3, bits 7 and 8), the
 *    guest-physical and guest-linear address fields; the access restarts
 *    once L1 grants it;
 *  - execute-only translations; EPT misconfigurations (write without
 *    read, a reserved memory type) with the guest-physical address;
 *  - a violation on L2's own paging-structure entry (bit 8 clear), also
 *    for the write that sets a leaf's dirty flag without EPT A/D, and with
 *    EPT accessed/dirty flags such an access counting as a write (bits 0
 *    and 1 set); the A and D flags EPT sets;
 *  - INVEPT: a changed mapping seen after it; a new EPTP is never served
 *    the old one's translations (with a VPID, so no flush on entry);
 *  - VM entry with an invalid EPTP fails with VMfailValid(7);
 *  - 5-level EPT (page-walk length 5);
 *  - page-modification logging (SDM "Page-Modification Logging"): the
 *    guest-physical page of a write logged, the index decremented, and a
 *    log-full exit when an EPT accessed flag must be set with the index
 *    out of range;
 *  - EPTP switching (SDM "EPTP Switching"): VMFUNC 0 in L2 moves it to
 *    another EPT without an exit; an index above 511 or an invalid list
 *    entry exits with reason 59.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vm.h"
#include "vmx.h"

#define EPT_R  BIT(0)
#define EPT_W  BIT(1)
#define EPT_X  BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_WB (6ull << 3)
#define EPT_PS BIT(7)
#define EPT_A  BIT(8)
#define EPT_D  BIT(9)
#define EPTP_WB_4 (6ull | (3ull << 3))
#define EPTP_AD   BIT(6)

#define Q_READ   BIT(0)
#define Q_WRITE  BIT(1)
#define Q_FETCH  BIT(2)
#define Q_PERM(p) ((u64)(p) << 3)
#define Q_LIN    BIT(7)
#define Q_FINAL  BIT(8)

#define MAGIC_A 0x1111aaaa2222bbbbull
#define MAGIC_B 0x3333cccc4444ddddull

static u64 *pml4;        /* the EPT root */
static u64 *pdpt;        /* its one PDPT: 0-4 GiB */

static u64 *new_table(void)
{
	u64 *t = alloc_page();
	if (!t)
		abort_test("out of pages");
	return t;
}

/* an identity EPT of 0-4 GiB: 1-GByte pages, 2-MByte pages for 0-1 GiB */
static u64 *ept_build(void)
{
	u64 *root = new_table(), *pd = new_table();
	u64 *dir = new_table();
	root[0] = virt_to_phys(dir) | EPT_RWX;
	for (int i = 0; i < 4; i++)
		dir[i] = ((u64)i << 30) | EPT_WB | EPT_PS | EPT_RWX;
	for (int i = 0; i < 512; i++)
		pd[i] = ((u64)i << 21) | EPT_WB | EPT_PS | EPT_RWX;
	dir[0] = virt_to_phys(pd) | EPT_RWX;
	pml4 = root;
	pdpt = dir;
	return root;
}

/* the 4-KByte EPT entry for gpa (splitting its 2-MByte page) */
static u64 *ept_pte(u64 gpa)
{
	u64 *pd = phys_to_virt(pdpt[0] & ~0xfffull);
	u64 *pde = &pd[(gpa >> 21) & 511];
	if (*pde & EPT_PS) {
		u64 *pt = new_table();
		u64 base = (gpa >> 21) << 21;
		for (int i = 0; i < 512; i++)
			pt[i] = (base + ((u64)i << 12)) | EPT_WB | EPT_RWX;
		*pde = virt_to_phys(pt) | EPT_RWX;
	}
	u64 *pt = phys_to_virt(*pde & 0xffffffffff000ull);
	return &pt[(gpa >> 12) & 511];
}

static void invept_all(void)
{
	int r = vmx_invept(2, 0);
	if (r != VMX_OK)
		report(false, "INVEPT all-context: %s", vmx_result_str(r));
}

/* --- L2 programs --- */
static u64 l2_read(u64 addr) { return *(volatile u64 *)addr; }
static u64 l2_write(u64 addr) { *(volatile u64 *)addr = MAGIC_B; return 0; }
static u64 l2_call(u64 addr) { return ((u64 (*)(void))addr)(); }
static u64 l2_nothing(u64 arg) { return arg + 1; }
/* read addr, VMCALL (L1 changes the EPT), read it again */
static u64 l2_read_twice(u64 addr)
{
	u64 a = *(volatile u64 *)addr;
	asm volatile("vmcall" ::: "memory");
	return a ^ *(volatile u64 *)addr;
}

static struct vmx_vmcs_cfg cfg = {
	.proc = PROC_ACTIVATE_SECONDARY,
	.proc2 = PROC2_ENABLE_EPT,
};

/* a fresh VMCS (VMLAUNCH needs a clear one) for L2 running fn(arg) */
static bool setup(u64 (*fn)(u64), u64 arg, u64 eptp)
{
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, fn, arg))
		return false;
	vmcs_set(EPT_POINTER, eptp);
	return true;
}

static int launch(void)
{
	int r = vmx_launch();
	if (r != VMX_OK || vmx_entry_failed())
		report(false, "VMLAUNCH: %s, exit reason %#x", vmx_result_str(r),
		       r == VMX_OK ? vmx_exit_reason() : 0);
	return r == VMX_OK && !vmx_entry_failed() ? 0 : -1;
}

/* run fn(arg) to its end; its return value, or ~0 */
static u64 run_l2(const char *what, u64 (*fn)(u64), u64 arg, u64 eptp)
{
	if (!setup(fn, arg, eptp) || launch())
		return ~0ull;
	if (!vmx_l2_finished()) {
		report(false, "%s: L2 ran to its end (exit reason %u, qualification %#llx)", what,
		       vmx_exit_reason(), vmx_exit_qual());
		return ~0ull;
	}
	return vmx_guest_regs.rax;
}

static void check_violation(const char *what, u64 qual, u64 gpa, u64 gla)
{
	u32 reason = vmx_exit_reason();
	report(reason == EXIT_REASON_EPT_VIOLATION, "%s: exit reason %u (EPT violation)", what,
	       reason);
	report(vmx_exit_qual() == qual, "%s: qualification %#llx (expected %#llx)", what,
	       vmx_exit_qual(), qual);
	report(vmcs_get(GUEST_PHYSICAL_ADDRESS) == gpa, "%s: guest-physical address %#llx", what,
	       vmcs_get(GUEST_PHYSICAL_ADDRESS));
	if (qual & Q_LIN)
		report(vmcs_get(GUEST_LINEAR_ADDRESS) == gla, "%s: guest-linear address %#llx", what,
		       vmcs_get(GUEST_LINEAR_ADDRESS));
}

/* a violation, then L1 grants `grant` and the access completes */
static void violation_then_grant(const char *what, u64 (*fn)(u64), u64 page, u64 off, u64 perm,
				 u64 grant, u64 qual, u64 gla, u64 expect)
{
	u64 *pte = ept_pte(page), saved = *pte;
	*pte = (saved & ~7ull) | perm;
	invept_all();
	if (!setup(fn, page + off, EPTP_WB_4 | virt_to_phys(pml4)) || launch())
		return;
	check_violation(what, qual, page + off, gla);
	*pte = (saved & ~7ull) | grant;
	invept_all();
	int r = vmx_resume();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == expect,
	       "%s: after L1 grants the access, L2 completes it (rax %#llx)", what,
	       vmx_guest_regs.rax);
	*pte = saved;
	invept_all();
}

static void test_translation(u64 eptp)
{
	u64 *a = alloc_page(), *b = alloc_page();
	a[0] = MAGIC_A;
	b[0] = MAGIC_B;
	u64 pa = virt_to_phys(a), pb = virt_to_phys(b);

	report(run_l2("identity", l2_nothing, 41, eptp) == 42, "L2 runs through an identity EPT");
	report(run_l2("4K identity", l2_read, pa, eptp) == MAGIC_A, "L2 reads its page through EPT");

	/* a 4-KByte EPT page: gpa A -> hpa B */
	u64 *pte = ept_pte(pa), saved = *pte;
	*pte = pb | EPT_WB | EPT_RWX;
	invept_all();
	report(run_l2("4K remap", l2_read, pa, eptp) == MAGIC_B,
	       "4-KByte EPT page: guest-physical %#llx reads host-physical %#llx", pa, pb);
	*pte = saved;

	/* a 1-GByte EPT page: gpa 1 GiB + x -> hpa x */
	pdpt[1] = 0 | EPT_WB | EPT_PS | EPT_RWX;
	invept_all();
	report(run_l2("1G remap", l2_read, (1ull << 30) + pb, eptp) == MAGIC_B,
	       "1-GByte EPT page: guest-physical 1 GiB + %#llx reads host-physical %#llx", pb, pb);
	pdpt[1] = (1ull << 30) | EPT_WB | EPT_PS | EPT_RWX;

	/* a 2-MByte EPT page: the 2 MiB above B's 2 MiB map B's */
	u64 *pd = phys_to_virt(pdpt[0] & ~0xfffull);
	unsigned idx = (unsigned)((pb >> 21) + 1);
	u64 saved_pde = pd[idx];
	pd[idx] = ((pb >> 21) << 21) | EPT_WB | EPT_PS | EPT_RWX;
	invept_all();
	report(run_l2("2M remap", l2_read, pb + (1ull << 21), eptp) == MAGIC_B,
	       "2-MByte EPT page: guest-physical %#llx reads host-physical %#llx",
	       pb + (1ull << 21), pb);
	pd[idx] = saved_pde;
	invept_all();
}

static void test_violations(void)
{
	u8 *code = alloc_page();
	u64 *d = alloc_page();
	u64 pc = virt_to_phys(code), pd = virt_to_phys(d);
	/* mov $0x1234, %eax; ret */
	static const u8 fn[] = { 0xb8, 0x34, 0x12, 0x00, 0x00, 0xc3 };
	memcpy(code, fn, sizeof(fn));
	d[1] = MAGIC_A;

	violation_then_grant("read of a not-present page", l2_read, pd, 8, 0, EPT_R,
			     Q_READ | Q_LIN | Q_FINAL, pd + 8, MAGIC_A);
	violation_then_grant("write to a read-only page", l2_write, pd, 8, EPT_R | EPT_X, EPT_RWX,
			     Q_WRITE | Q_PERM(EPT_R | EPT_X) | Q_LIN | Q_FINAL, pd + 8, 0);
	report(d[1] == MAGIC_B, "the write completed once allowed (%#llx)", d[1]);
	violation_then_grant("fetch from a non-executable page", l2_call, pc, 0, EPT_R | EPT_W,
			     EPT_RWX, Q_FETCH | Q_PERM(EPT_R | EPT_W) | Q_LIN | Q_FINAL, pc, 0x1234);

	/* execute-only: L2 runs the code, and reading it is a violation */
	if (vmx_caps.ept_vpid & BIT(0)) {
		u64 *pte = ept_pte(pc), saved = *pte;
		*pte = (saved & ~7ull) | EPT_X;
		invept_all();
		report(run_l2("execute-only", l2_call, pc, EPTP_WB_4 | virt_to_phys(pml4)) == 0x1234,
		       "execute-only EPT page: L2 executes it");
		*pte = saved;
		violation_then_grant("read of an execute-only page", l2_read, pc, 0, EPT_X, EPT_RWX,
				     Q_READ | Q_PERM(EPT_X) | Q_LIN | Q_FINAL, pc, *(u64 *)code);
	} else {
		report_skip("execute-only EPT translations not offered");
	}
}

static void misconfig(const char *what, u64 page, u64 entry)
{
	u64 *pte = ept_pte(page), saved = *pte;
	*pte = entry;
	invept_all();
	if (setup(l2_read, page + 16, EPTP_WB_4 | virt_to_phys(pml4)) && !launch()) {
		report(vmx_exit_reason() == EXIT_REASON_EPT_MISCONFIG,
		       "%s: exit reason %u (EPT misconfiguration)", what, vmx_exit_reason());
		report(vmcs_get(GUEST_PHYSICAL_ADDRESS) == page + 16,
		       "%s: guest-physical address %#llx", what, vmcs_get(GUEST_PHYSICAL_ADDRESS));
		report(vmx_exit_qual() == 0, "%s: qualification 0", what);
	}
	*pte = saved;
	invept_all();
}

/* L2 with its own PML4 (a copy of L1's) in a page EPT maps read-only */
static void test_paging_structures(void)
{
	u64 *l2_pml4 = alloc_page();
	memcpy(l2_pml4, phys_to_virt(read_cr3() & ~0xfffull), 4096);
	u64 p = virt_to_phys(l2_pml4);
	u64 *pte = ept_pte(p), saved = *pte;
	u64 rip = (u64)vmx_l2_entry, slot = p + ((rip >> 39) & 511) * 8;

	*pte = (saved & ~7ull) | EPT_R | EPT_X;
	invept_all();
	/* without EPT A/D flags: reading the entries is all L2 does (their
	 * accessed flags are already set) */
	if (setup(l2_nothing, 1, EPTP_WB_4 | virt_to_phys(pml4))) {
		vmcs_set(GUEST_CR3, p);
		if (!launch())
			report(vmx_l2_finished() && vmx_guest_regs.rax == 2,
			       "L2 runs on paging structures EPT maps read-only");
	}
	/* not present: the first fetch's walk stops at L2's PML4E, a read */
	*pte = saved & ~7ull;
	invept_all();
	if (setup(l2_nothing, 1, EPTP_WB_4 | virt_to_phys(pml4))) {
		vmcs_set(GUEST_CR3, p);
		if (!launch())
			check_violation("L2's PML4E not present in EPT", Q_READ | Q_LIN, slot, rip);
	}
	/* with A/D flags, the walk's accesses are writes: bits 0 and 1 */
	if (vmx_caps.ept_vpid & BIT(21)) {
		*pte = (saved & ~7ull) | EPT_R | EPT_X;
		invept_all();
		if (setup(l2_nothing, 1, EPTP_WB_4 | EPTP_AD | virt_to_phys(pml4))) {
			vmcs_set(GUEST_CR3, p);
			if (!launch())
				check_violation("A/D on, L2's PML4 read-only in EPT",
						Q_READ | Q_WRITE | Q_PERM(EPT_R | EPT_X) | Q_LIN, slot, rip);
		}
	}
	*pte = saved;
	invept_all();
}

/* without EPT A/D flags, a write whose leaf entry has its dirty flag clear
 * writes that entry: with the entry in a page EPT maps read-only, an EPT
 * violation on the entry (SDM "EPT Violations": an access "to a guest
 * paging-structure entry to set an accessed or dirty flag" is a write; a
 * read-modify-write, which sets qualification bits 0 and 1 as processors do,
 * "Exit Qualification for EPT Violations").
 * L2 gets its own PML4, PDPT and PD (copies of L1's, every present PD
 * entry accessed and dirty) plus one 2-MByte alias, accessed and clean,
 * of a fresh page at PD slot 500; only the PD is read-only in EPT. */
static void test_dirty_flag_write(void)
{
	u64 *pml4_1 = phys_to_virt(read_cr3() & PT_ADDR_MASK);
	u64 *pdpt_1 = phys_to_virt(pml4_1[0] & PT_ADDR_MASK);
	u64 *pd_1 = phys_to_virt(pdpt_1[0] & PT_ADDR_MASK);
	u64 *l2_pml4 = alloc_page(), *l2_pdpt = alloc_page(), *l2_pd = alloc_page();
	u64 pg = virt_to_phys(alloc_page());

	memcpy(l2_pml4, pml4_1, 4096);
	memcpy(l2_pdpt, pdpt_1, 4096);
	memcpy(l2_pd, pd_1, 4096);
	for (unsigned i = 0; i < 512; i++)
		if (l2_pd[i] & PT_PRESENT_MASK)
			l2_pd[i] |= PT_ACCESSED_MASK | PT_DIRTY_MASK;
	l2_pd[500] = (pg & ~(LARGE_PAGE_SIZE - 1)) | PT_PRESENT_MASK | PT_WRITABLE_MASK |
		     PT_PAGE_SIZE_MASK | PT_ACCESSED_MASK;
	l2_pdpt[0] = virt_to_phys(l2_pd) | (pdpt_1[0] & 0xfff) | PT_ACCESSED_MASK;
	l2_pml4[0] = virt_to_phys(l2_pdpt) | (pml4_1[0] & 0xfff) | PT_ACCESSED_MASK;
	u64 alias = (500ull << 21) | (pg & (LARGE_PAGE_SIZE - 1));

	u64 *pte = ept_pte(virt_to_phys(l2_pd)), saved = *pte;
	*pte = (saved & ~7ull) | EPT_R | EPT_X;
	invept_all();
	if (setup(l2_write, alias, EPTP_WB_4 | virt_to_phys(pml4))) {
		vmcs_set(GUEST_CR3, virt_to_phys(l2_pml4));
		if (!launch())
			check_violation("write needing the dirty flag of a PD entry EPT maps read-only",
					Q_READ | Q_WRITE | Q_PERM(EPT_R | EPT_X) | Q_LIN,
					virt_to_phys(l2_pd) + 500 * 8, alias);
	}
	*pte = saved;
	invept_all();
}

static void test_ad_flags(void)
{
	if (!(vmx_caps.ept_vpid & BIT(21))) {
		report_skip("EPT accessed and dirty flags not offered");
		return;
	}
	u64 *g = alloc_page();
	u64 pg = virt_to_phys(g);
	u64 *pte = ept_pte(pg);
	*pte &= ~(EPT_A | EPT_D);
	invept_all();
	run_l2("A/D read", l2_read, pg, EPTP_WB_4 | EPTP_AD | virt_to_phys(pml4));
	report((*pte & (EPT_A | EPT_D)) == EPT_A, "EPT A/D: a read sets A, not D (entry %#llx)", *pte);
	run_l2("A/D write", l2_write, pg, EPTP_WB_4 | EPTP_AD | virt_to_phys(pml4));
	report((*pte & (EPT_A | EPT_D)) == (EPT_A | EPT_D), "EPT A/D: a write sets D (entry %#llx)",
	       *pte);
	*pte &= ~(EPT_A | EPT_D);
	invept_all();
	run_l2("no A/D", l2_write, pg, EPTP_WB_4 | virt_to_phys(pml4));
	report(!(*pte & (EPT_A | EPT_D)), "without EPTP bit 6, EPT sets no A/D flags (entry %#llx)",
	       *pte);
}

static void test_invalidation(void)
{
	u64 *a = alloc_page(), *b = alloc_page(), *x = alloc_page();
	a[0] = MAGIC_A;
	b[0] = MAGIC_B;
	u64 pa = virt_to_phys(a), pb = virt_to_phys(b), px = virt_to_phys(x);
	u64 *pte = ept_pte(px), saved = *pte;
	u32 p2 = PROC2_ENABLE_EPT | PROC2_ENABLE_VPID;

	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_ENABLE_VPID)) {
		report_skip("no VPID");
		return;
	}
	/* INVEPT: L2 reads x (mapped to A), L1 maps x to B and invalidates */
	*pte = pa | EPT_WB | EPT_RWX;
	invept_all();
	if (!setup(l2_read_twice, px, EPTP_WB_4 | virt_to_phys(pml4)))
		return;
	vmcs_set(SECONDARY_VM_EXEC_CONTROL, vmcs_get(SECONDARY_VM_EXEC_CONTROL) | p2);
	vmcs_set(VIRTUAL_PROCESSOR_ID, 7);
	if (launch())
		return;
	report(vmx_exit_reason() == EXIT_REASON_VMCALL, "INVEPT: L2 read through the first mapping");
	*pte = pb | EPT_WB | EPT_RWX;
	report(vmx_invept(1, EPTP_WB_4 | virt_to_phys(pml4)) == VMX_OK, "INVEPT single-context");
	int r = vmx_skip_and_resume();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == (MAGIC_A ^ MAGIC_B),
	       "after INVEPT, L2 reads through the new mapping (%#llx)", vmx_guest_regs.rax);

	/* a second EPT hierarchy mapping x to A; same VPID, no INVEPT: the
	 * new EPTP's translations are its own */
	u64 *root1 = pml4, *dir1 = pdpt;
	u64 *root2 = ept_build();
	*ept_pte(px) = pa | EPT_WB | EPT_RWX;
	pml4 = root1;
	pdpt = dir1;
	*pte = pb | EPT_WB | EPT_RWX;
	if (!setup(l2_read_twice, px, EPTP_WB_4 | virt_to_phys(root1)))
		return;
	vmcs_set(SECONDARY_VM_EXEC_CONTROL, vmcs_get(SECONDARY_VM_EXEC_CONTROL) | p2);
	vmcs_set(VIRTUAL_PROCESSOR_ID, 7);
	if (launch())
		return;
	vmcs_set(EPT_POINTER, EPTP_WB_4 | virt_to_phys(root2));
	r = vmx_skip_and_resume();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == (MAGIC_A ^ MAGIC_B),
	       "a new EPTP with the same VPID: L2 reads through the new EPT (%#llx)",
	       vmx_guest_regs.rax);
	*pte = saved;
	invept_all();
}

static void test_5level(void)
{
	if (!(vmx_caps.ept_vpid & BIT(7))) {
		report_skip("5-level EPT not offered");
		return;
	}
	u64 *a = alloc_page(), *root5 = alloc_page();
	a[0] = MAGIC_A;
	root5[0] = virt_to_phys(pml4) | EPT_RWX;
	report(run_l2("5-level", l2_read, virt_to_phys(a), 6 | (4 << 3) | virt_to_phys(root5)) ==
	       MAGIC_A, "5-level EPT: L2 reads through a PML5 table");
}

#define PROC2_ENABLE_VMFUNC BIT(13)
#define PROC2_ENABLE_PML    BIT(17)
#define PML_ADDRESS         0x200e
#define GUEST_PML_INDEX     0x0812
#define VM_FUNCTION_CONTROLS 0x2018
#define EPTP_LIST_ADDR      0x2024
#define EXIT_REASON_VMFUNC  59
#define EXIT_REASON_PML_FULL 62

static void test_pml(void)
{
	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_ENABLE_PML) || !(vmx_caps.ept_vpid & BIT(21))) {
		report_skip("PML not offered");
		return;
	}
	u64 *g = alloc_page(), *log = alloc_page();
	u64 pg = virt_to_phys(g);
	u64 eptp = EPTP_WB_4 | EPTP_AD | virt_to_phys(pml4);
	*ept_pte(pg) &= ~(EPT_A | EPT_D);
	invept_all();
	if (!setup(l2_write, pg + 8, eptp))
		return;
	vmcs_set(SECONDARY_VM_EXEC_CONTROL, vmcs_get(SECONDARY_VM_EXEC_CONTROL) | PROC2_ENABLE_PML);
	vmcs_set(PML_ADDRESS, virt_to_phys(log));
	vmcs_set(GUEST_PML_INDEX, 511);
	if (launch())
		return;
	u64 idx = vmcs_get(GUEST_PML_INDEX);
	unsigned found = 0, aligned = 1;
	for (u64 k = (idx + 1) & 0xffff; k < 512; k++) {
		found += log[k] == pg;
		aligned &= !(log[k] & 0xfff);
	}
	report(vmx_l2_finished() && idx < 511, "PML: L2's writes logged, index now %llu", idx);
	report(found == 1 && aligned, "PML: the written page %#llx is logged once, 4-KByte aligned", pg);

	/* a full log: the first fetch needs an accessed flag set */
	u64 code = (u64)vmx_l2_entry & ~0xfffull;
	*ept_pte(code) &= ~(EPT_A | EPT_D);
	invept_all();
	if (!setup(l2_nothing, 0, eptp))
		return;
	vmcs_set(SECONDARY_VM_EXEC_CONTROL, vmcs_get(SECONDARY_VM_EXEC_CONTROL) | PROC2_ENABLE_PML);
	vmcs_set(PML_ADDRESS, virt_to_phys(log));
	vmcs_set(GUEST_PML_INDEX, 0xffff);
	if (launch())
		return;
	report(vmx_exit_reason() == EXIT_REASON_PML_FULL && vmx_guest_rip() == (u64)vmx_l2_entry &&
	       vmx_exit_qual() == 0 && !(*ept_pte(code) & EPT_A),
	       "PML index 0xffff: log-full exit (reason %u) before L2's first instruction, "
	       "nothing set", vmx_exit_reason());
}

static u64 l2_switch(u64 x)
{
	u64 a = *(volatile u64 *)x;
	asm volatile("vmfunc" : : "a"(0), "c"(1) : "memory");
	return a ^ *(volatile u64 *)x;
}
static u64 l2_vmfunc(u64 idx)
{
	asm volatile("vmfunc" : : "a"(0), "c"(idx) : "memory");
	return 0;
}

static void test_eptp_switching(void)
{
	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_ENABLE_VMFUNC) || !(vmx_caps.vmfunc & 1)) {
		report_skip("EPTP switching not offered");
		return;
	}
	u64 *a = alloc_page(), *b = alloc_page(), *x = alloc_page(), *list = alloc_page();
	a[0] = MAGIC_A;
	b[0] = MAGIC_B;
	u64 px = virt_to_phys(x);
	u64 *root1 = pml4, *dir1 = pdpt;
	u64 *root2 = ept_build();
	*ept_pte(px) = virt_to_phys(b) | EPT_WB | EPT_RWX;
	pml4 = root1;
	pdpt = dir1;
	u64 *pte = ept_pte(px), saved = *pte;
	*pte = virt_to_phys(a) | EPT_WB | EPT_RWX;
	invept_all();
	list[0] = EPTP_WB_4 | virt_to_phys(root1);
	list[1] = EPTP_WB_4 | virt_to_phys(root2);
	list[2] = EPTP_WB_4 | BIT(7) | virt_to_phys(root2); /* reserved bit */

	u64 (*fns[3])(u64) = { l2_switch, l2_vmfunc, l2_vmfunc };
	u64 args[3] = { px, 600, 2 };
	for (int k = 0; k < 3; k++) {
		if (!setup(fns[k], args[k], list[0]))
			return;
		vmcs_set(SECONDARY_VM_EXEC_CONTROL,
			 vmcs_get(SECONDARY_VM_EXEC_CONTROL) | PROC2_ENABLE_VMFUNC);
		vmcs_set(VM_FUNCTION_CONTROLS, 1);
		vmcs_set(EPTP_LIST_ADDR, virt_to_phys(list));
		if (launch())
			return;
		if (k == 0) {
			report(vmx_l2_finished() && vmx_guest_regs.rax == (MAGIC_A ^ MAGIC_B) &&
			       vmcs_get(EPT_POINTER) == list[1],
			       "VMFUNC 0, ECX 1: L2 switches to the second EPT without an exit "
			       "(EPTP now %#llx)", vmcs_get(EPT_POINTER));
		} else {
			report(vmx_exit_reason() == EXIT_REASON_VMFUNC && vmx_exit_insn_len() == 3 &&
			       vmcs_get(EPT_POINTER) == list[0],
			       "VMFUNC 0, ECX %llu (%s): exit reason %u, EPTP unchanged", args[k],
			       k == 1 ? "above 511" : "an invalid EPTP", vmx_exit_reason());
		}
	}
	*pte = saved;
	invept_all();
}

static void test_bad_eptp(void)
{
	if (!setup(l2_nothing, 0, EPTP_WB_4 | BIT(7) | virt_to_phys(pml4)))
		return;
	int r = vmx_launch();
	report(r == VMX_FAIL_VALID(VMXERR_ENTRY_INVALID_CONTROL),
	       "EPTP with reserved bit 7: VMLAUNCH %s", vmx_result_str(r));
	if (!setup(l2_nothing, 0, (EPTP_WB_4 & ~7ull) | 1 | virt_to_phys(pml4)))
		return;
	r = vmx_launch();
	report(r == VMX_FAIL_VALID(VMXERR_ENTRY_INVALID_CONTROL),
	       "EPTP with memory type WC: VMLAUNCH %s", vmx_result_str(r));
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_ENABLE_EPT)) {
		report_skip("EPT not offered");
		return report_summary();
	}
	if (!vmx_start())
		return report_summary();
	ept_build();
	u64 eptp = EPTP_WB_4 | virt_to_phys(pml4);

	test_translation(eptp);
	test_violations();
	vmx_new_vmcs();
	u64 m = virt_to_phys(alloc_page());
	misconfig("write without read", m, m | EPT_W);
	misconfig("memory type 2", m, m | EPT_RWX | (2ull << 3));
	test_paging_structures();
	test_dirty_flag_write();
	test_ad_flags();
	test_invalidation();
	test_bad_eptp();
	test_5level();
	test_pml();
	test_eptp_switching();
	return report_summary();
}
