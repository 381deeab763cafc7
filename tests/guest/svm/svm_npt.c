/* tests/guest/svm/svm_npt.c: nested paging, ASIDs and TLB control (AMD APM
 * Vol.2 "Nested Paging", "TLB Control") under a bare-metal 64-bit L1.
 * L1 builds an identity nested page table of 0-4 GiB (2-MByte pages,
 * 4-KByte pages where a test needs them) and runs L2 code on L1's own page
 * tables. Checked:
 *  - the two-dimensional walk: a nested page moved elsewhere, under a
 *    long-mode, a PAE and a legacy 32-bit L2;
 *  - #VMEXIT(NPF) for a not-present, read-only, supervisor-only and
 *    no-execute nested page, EXITINFO1 the #PF error code with bit 32
 *    (final translation), EXITINFO2 the guest-physical address; the access
 *    restarts once L1 fixes the entry;
 *  - a fault on the guest's own page-table entry: bit 33 and W (the guest's
 *    page-table accesses are writes), EXITINFO2 that entry's address;
 *  - reserved bits (a nested PML4E's bit 8, bits below a large page's
 *    address, bits above MAXPHYADDR): RSVD; a 1-GByte nested page;
 *  - accessed and dirty flags in the nested tables;
 *  - G_PAT is the guest's PAT, saved at #VMEXIT, the host's kept;
 *  - the VMRUN checks on nCR3 and G_PAT (VMEXIT_INVALID);
 *  - ASIDs: a stale translation kept with TLB_CONTROL 0, not seen by
 *    another ASID, dropped by TLB_CONTROL 3 and 1; TLB_CONTROL 7 keeps a
 *    global one; INVLPGA drops one page of one ASID.
 * run-args: -cpu max,+svm
 */
#include "guest.h"
#include "vm.h"
#include "npti.h"

#define P  BIT(0)
#define W  BIT(1)
#define U  BIT(2)
#define A  BIT(5)
#define D  BIT(6)
#define PS BIT(7)
#define G  BIT(8)
#define NX BIT(63)
#define PRW (P | W | U)

#define FINAL BIT(32)
#define GPT   BIT(33)

#define MAGIC_A 0x1111aaaa2222bbbbull
#define MAGIC_B 0x3333cccc4444ddddull

static u64 *npml4, *npdpt;
static u64 *x_page, *pa_a, *pa_b; /* X: the guest-physical page tests move */

static u64 *new_table(void)
{
	u64 *t = alloc_page();
	if (!t)
		abort_test("out of pages");
	return t;
}

static void npt_build(void)
{
	npml4 = new_table();
	npdpt = new_table();
	npml4[0] = virt_to_phys(npdpt) | PRW;
	for (int i = 0; i < 4; i++) {
		u64 *pd = new_table();
		npdpt[i] = virt_to_phys(pd) | PRW;
		for (int j = 0; j < 512; j++)
			pd[j] = (((u64)i << 30) + ((u64)j << 21)) | PRW | PS;
	}
}

/* the 4-KByte nested PTE of gpa (its 2-MByte page split on first use) */
static u64 *npte(u64 gpa)
{
	u64 *pd = phys_to_virt(npdpt[(gpa >> 30) & 3] & PT_ADDR_MASK);
	u64 *pde = &pd[(gpa >> 21) & 511];
	if (*pde & PS) {
		u64 *pt = new_table();
		u64 base = *pde & ~0x1fffffull & PT_ADDR_MASK;
		for (int k = 0; k < 512; k++)
			pt[k] = (base + ((u64)k << 12)) | PRW;
		*pde = virt_to_phys(pt) | PRW;
	}
	u64 *pt = phys_to_virt(*pde & PT_ADDR_MASK);
	return &pt[(gpa >> 12) & 511];
}

static void npt_on(u8 tlb_control)
{
	vmcb_set(VMCB_NP_ENABLE, 1);
	vmcb_set(VMCB_NCR3, virt_to_phys(npml4));
	vmcb_set32(VMCB_TLB_CONTROL, tlb_control);
}

/* --- L2 code --- */
static volatile u64 l2_val;
static void l2_read_x(void) { l2_val = *(volatile u64 *)x_page; }
static void l2_write_x(void) { *(volatile u64 *)x_page = MAGIC_B; }
static void l2_nothing(void) { }
static void l2_call_x(void) { ((void (*)(void))x_page)(); }
static u64 l2_pat;
static void l2_pat_rw(void)
{
	l2_pat = rdmsr(MSR_PAT);
	wrmsr(MSR_PAT, 0x0606060606060606ull);
}

static void test_translate(void)
{
	*x_page = 0x77;
	*npte(virt_to_phys(x_page)) = virt_to_phys(pa_a) | PRW;
	npt_on(1);
	u64 e = npti_run(l2_read_x, 0);
	report(e == EXIT_VMMCALL && l2_val == MAGIC_A, "L2 reads the page NPT maps (exit %#llx, %#llx)",
	       (unsigned long long)e, (unsigned long long)l2_val);
	u64 pte = *npte(virt_to_phys(x_page));
	report((pte & A) && !(pte & D), "nested PTE: accessed, not dirty after a read");
	e = npti_run(l2_write_x, 0);
	report(e == EXIT_VMMCALL && *pa_a == MAGIC_B && *x_page == 0x77, "L2's write lands in the page NPT maps");
	report(*npte(virt_to_phys(x_page)) & D, "nested PTE: dirty after a write");
	report((npml4[0] & A) && (npdpt[0] & A), "nested PML4E and PDPTE: accessed");
	/* the guest's page tables are read as writes: their nested leaf is dirty */
	u64 *pml4_npte = npte(read_cr3() & PT_ADDR_MASK);
	*pml4_npte &= ~(A | D);
	npt_on(1);
	npti_run(l2_nothing, 0);
	report((*pml4_npte & (A | D)) == (A | D), "nested PTE of L2's PML4 page: accessed and dirty");
	*pa_a = MAGIC_A;
}

/* APM "Nested versus Guest Page Faults, Fault Ordering" */
static void npf_case(const char *what, u64 clear, u64 set, void (*fn)(void), u64 info1)
{
	u64 *e = npte(virt_to_phys(x_page));
	u64 good = virt_to_phys(pa_a) | PRW;
	*e = (good & ~clear) | set;
	npt_on(1);
	u64 ex = npti_run(fn, 0);
	u64 i1 = vmcb_get(VMCB_EXITINFO1), i2 = vmcb_get(VMCB_EXITINFO2);
	report(ex == EXIT_NPF && i1 == info1 && i2 == virt_to_phys(x_page),
	       "%s: #VMEXIT(NPF) %#llx, EXITINFO1 %#llx (want %#llx), EXITINFO2 %#llx", what,
	       (unsigned long long)ex, (unsigned long long)i1, (unsigned long long)info1,
	       (unsigned long long)i2);
	*e = good;
	vmcb_set32(VMCB_TLB_CONTROL, 0);
	ex = npti_resume();
	report(ex == EXIT_VMMCALL, "%s: restarts once L1 fixes the entry (exit %#llx)", what,
	       (unsigned long long)ex);
}

static void test_npf(void)
{
	npf_case("not present, read", P, 0, l2_read_x, FINAL | PFERR_USER_MASK);
	npf_case("not present, write", P, 0, l2_write_x,
		 FINAL | PFERR_USER_MASK | PFERR_WRITE_MASK);
	npf_case("read-only, write", W, 0, l2_write_x,
		 FINAL | PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK);
	npf_case("supervisor page, read", U, 0, l2_read_x, FINAL | PFERR_PRESENT_MASK | PFERR_USER_MASK);
	/* a RET at X for the fetch test */
	*(volatile u8 *)pa_a = 0xc3;
	npf_case("no-execute, fetch", 0, NX, l2_call_x,
		 FINAL | PFERR_PRESENT_MASK | PFERR_USER_MASK | PFERR_FETCH_MASK);
	*pa_a = MAGIC_A;
}

/* a fault on L2's own page-table entry, and a reserved bit */
static void test_npf_walk(void)
{
	u64 cr3 = read_cr3() & PT_ADDR_MASK;
	u64 *e = npte(cr3);
	u64 good = *e;
	*e &= ~W;
	npt_on(1);
	u64 ex = npti_run(l2_nothing, 0);
	u64 i1 = vmcb_get(VMCB_EXITINFO1), i2 = vmcb_get(VMCB_EXITINFO2);
	/* the first access: fetching npti_l2_entry, whose PML4E is read first */
	u64 want2 = cr3 + 8 * (((u64)npti_l2_entry >> 39) & 511);
	report(ex == EXIT_NPF && i1 == (GPT | PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK) &&
		       i2 == want2,
	       "read-only guest page table: NPF EXITINFO1 %#llx EXITINFO2 %#llx (want %#llx)",
	       (unsigned long long)i1, (unsigned long long)i2, (unsigned long long)want2);
	*e = good & ~P;
	npt_on(1);
	ex = npti_run(l2_nothing, 0);
	i1 = vmcb_get(VMCB_EXITINFO1);
	report(ex == EXIT_NPF && i1 == (GPT | PFERR_WRITE_MASK | PFERR_USER_MASK),
	       "not-present guest page table: NPF EXITINFO1 %#llx", (unsigned long long)i1);
	*e = good;
	/* APM: bit 8 of a PML4E is reserved (MBZ) */
	npml4[0] |= G;
	npt_on(1);
	ex = npti_run(l2_nothing, 0);
	i1 = vmcb_get(VMCB_EXITINFO1);
	report(ex == EXIT_NPF && i1 == (GPT | PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK |
					PFERR_RESERVED_MASK),
	       "nested PML4E bit 8: NPF with RSVD, EXITINFO1 %#llx", (unsigned long long)i1);
	npml4[0] &= ~G;
	int maxpa = cpuid_maxphyaddr();
	if (maxpa < 52) {
		*npte(virt_to_phys(x_page)) = virt_to_phys(pa_a) | PRW | BIT(51);
		npt_on(1);
		ex = npti_run(l2_read_x, 0);
		i1 = vmcb_get(VMCB_EXITINFO1);
		report(ex == EXIT_NPF && i1 == (FINAL | PFERR_PRESENT_MASK | PFERR_USER_MASK |
						PFERR_RESERVED_MASK),
		       "nested PTE bit 51 above MAXPHYADDR: RSVD, EXITINFO1 %#llx",
		       (unsigned long long)i1);
		*npte(virt_to_phys(x_page)) = virt_to_phys(pa_a) | PRW;
	}
}

/* an NPF while a virtual interrupt is being delivered (its push to L2's
 * stack): EXITINTINFO names the interrupt, which was taken (V_IRQ clear) */
static void vintr_handler(struct ex_regs *r) { }
static void test_npf_in_delivery(void)
{
	handle_exception_vector(0x42, vintr_handler);
	u64 stack_page = ((u64)l2_stack + 2 * PAGE_SIZE - 16) & ~0xfffull;
	u64 *e = npte(stack_page);
	u64 good = *e;
	*e &= ~P;
	npt_on(1);
	/* (V_INTR_MASKING: L1's IF = 0 keeps the PIT's interrupts out) */
	vmcb_set(VMCB_INT_CTL, V_IRQ | V_IGN_TPR | V_INTR_VECTOR(0x42) | V_INTR_MASKING);
	u64 ex = npti_run(l2_nothing, X86_EFLAGS_IF);
	u64 i1 = vmcb_get(VMCB_EXITINFO1), ii = vmcb_get(VMCB_EXITINTINFO);
	report(ex == EXIT_NPF && i1 == (FINAL | PFERR_WRITE_MASK | PFERR_USER_MASK) &&
		       (vmcb_get(VMCB_EXITINFO2) & ~0xfffull) == stack_page,
	       "NPF on L2's stack while delivering a virtual interrupt (%#llx, %#llx)",
	       (unsigned long long)ex, (unsigned long long)i1);
	report(ii == (BIT(31) | 0x42) && !(vmcb_get(VMCB_INT_CTL) & V_IRQ),
	       "EXITINTINFO: the interrupt (%#llx), V_IRQ clear", (unsigned long long)ii);
	*e = good;
	vmcb_set(VMCB_INT_CTL, 0);
	handle_exception_vector(0x42, NULL);
}

/* large nested pages: a 1-GByte one (the host is in long mode and has
 * 1-GByte pages) and the reserved bits below a large page's address */
static volatile u64 *big_gva;
static void l2_read_big(void) { l2_val = *big_gva; }
static void test_large_pages(void)
{
	if (!(cpuid(0x80000001).d & BIT(26))) {
		report_skip("no 1-GByte pages");
		return;
	}
	u64 keep = npdpt[1];
	npdpt[1] = 0 | PRW | PS; /* guest-physical 1-2 GiB -> physical 0-1 GiB */
	big_gva = (volatile u64 *)(0x40000000ull + virt_to_phys(pa_b));
	npt_on(1);
	u64 ex = npti_run(l2_read_big, 0);
	report(ex == EXIT_VMMCALL && l2_val == MAGIC_B, "a 1-GByte nested page (exit %#llx)",
	       (unsigned long long)ex);
	npdpt[1] |= BIT(13);
	npt_on(1);
	ex = npti_run(l2_read_big, 0);
	u64 i1 = vmcb_get(VMCB_EXITINFO1);
	report(ex == EXIT_NPF && i1 == (FINAL | PFERR_PRESENT_MASK | PFERR_USER_MASK | PFERR_RESERVED_MASK),
	       "1-GByte nested page with bit 13 set: RSVD (%#llx)", (unsigned long long)i1);
	npdpt[1] = keep;
	/* a 2-MByte nested page with bit 13 set */
	u64 *pd = phys_to_virt(npdpt[0] & PT_ADDR_MASK);
	u64 *pde = &pd[(virt_to_phys(pa_b) >> 21) & 511];
	keep = *pde;
	*pde |= BIT(13);
	big_gva = (volatile u64 *)pa_b;
	npt_on(1);
	ex = npti_run(l2_read_big, 0);
	i1 = vmcb_get(VMCB_EXITINFO1);
	report(ex == EXIT_NPF && i1 == (FINAL | PFERR_PRESENT_MASK | PFERR_USER_MASK | PFERR_RESERVED_MASK),
	       "2-MByte nested page with bit 13 set: RSVD (%#llx)", (unsigned long long)i1);
	*pde = keep;
}

/* APM "Nested Paging and VMRUN/#VMEXIT": G_PAT */
static void test_gpat(void)
{
	u64 host = rdmsr(MSR_PAT);
	vmcb_set(VMCB_GPAT, 0x0007040600070406ull ^ 0x0100000000000001ull);
	npt_on(1);
	u64 ex = npti_run(l2_pat_rw, 0);
	report(ex == EXIT_VMMCALL && l2_pat == (0x0007040600070406ull ^ 0x0100000000000001ull),
	       "L2 runs on G_PAT (%#llx)", (unsigned long long)l2_pat);
	report(vmcb_get(VMCB_GPAT) == 0x0606060606060606ull, "#VMEXIT saves L2's PAT in G_PAT");
	report(rdmsr(MSR_PAT) == host, "L1's PAT is back");
	vmcb_set(VMCB_GPAT, host);
}

/* APM "Enabling Nested Paging": illegal nCR3 and G_PAT */
static void test_checks(void)
{
	int maxpa = cpuid_maxphyaddr();
	npt_on(1);
	vmcb_set(VMCB_NCR3, virt_to_phys(npml4) | (1ull << maxpa));
	u64 ex = npti_run(l2_nothing, 0);
	report(ex == EXIT_INVALID, "nCR3 bit %d (MAXPHYADDR): VMEXIT_INVALID", maxpa);
	npt_on(1);
	u64 pat = vmcb_get(VMCB_GPAT);
	vmcb_set(VMCB_GPAT, (pat & ~0xffull) | 2);
	ex = npti_run(l2_nothing, 0);
	report(ex == EXIT_INVALID, "G_PAT type 2: VMEXIT_INVALID");
	vmcb_set(VMCB_GPAT, (pat & ~0xffull) | 0x10);
	ex = npti_run(l2_nothing, 0);
	report(ex == EXIT_INVALID, "G_PAT reserved bit 4: VMEXIT_INVALID");
	vmcb_set(VMCB_GPAT, pat);
	vmcb_set(VMCB_NP_ENABLE, 0);
	vmcb_set(VMCB_NCR3, 1ull << maxpa);
	ex = npti_run(l2_nothing, 0);
	report(ex == EXIT_VMMCALL, "without NP_ENABLE nCR3 is not checked");
}

/* APM "TLB Control" and "Invalidate Page, Alternate ASID" */
static void run_asid(u32 asid, u8 tlb_control)
{
	vmcb_set32(VMCB_ASID, asid);
	vmcb_set32(VMCB_TLB_CONTROL, tlb_control);
	u64 ex = npti_run(l2_read_x, 0);
	if (ex != EXIT_VMMCALL)
		report(false, "ASID %u: exit %#llx", asid, (unsigned long long)ex);
}

static void test_asid(void)
{
	bool by_asid = (cpuid(0x8000000a).d & BIT(6)) != 0;
	u64 *e = npte(virt_to_phys(x_page));
	npt_on(1);
	*e = virt_to_phys(pa_a) | PRW;
	run_asid(1, 1);
	report(l2_val == MAGIC_A, "ASID 1 sees page A");
	*e = virt_to_phys(pa_b) | PRW; /* moved without a flush */
	run_asid(1, 0);
	report(l2_val == MAGIC_A, "TLB_CONTROL 0: ASID 1 keeps its translation");
	run_asid(2, 0);
	report(l2_val == MAGIC_B, "ASID 2 never sees ASID 1's translation");
	if (by_asid) {
		run_asid(1, 3);
		report(l2_val == MAGIC_B, "TLB_CONTROL 3: ASID 1's translations flushed");
	} else {
		report_skip("flushbyasid not offered");
	}
	*e = virt_to_phys(pa_a) | PRW;
	run_asid(1, 1);
	report(l2_val == MAGIC_A, "TLB_CONTROL 1: everything flushed");
	/* INVLPGA: one page of one ASID */
	*e = virt_to_phys(pa_b) | PRW;
	asm volatile("invlpga %%rax, %%ecx" : : "a"(x_page), "c"(2) : "memory");
	run_asid(1, 0);
	report(l2_val == MAGIC_A, "INVLPGA of ASID 2 leaves ASID 1's page");
	asm volatile("invlpga %%rax, %%ecx" : : "a"(x_page), "c"(1) : "memory");
	run_asid(1, 0);
	report(l2_val == MAGIC_B, "INVLPGA of ASID 1 drops it");
	/* TLB_CONTROL 7 keeps a global translation of the guest */
	if (by_asid) {
		u64 *pde = get_pte_level(current_page_table(), x_page, 2);
		*pde |= G;
		vmcb_set(VMCB_CR4, read_cr4() | X86_CR4_PGE);
		*e = virt_to_phys(pa_a) | PRW;
		run_asid(1, 3);
		report(l2_val == MAGIC_A, "global guest page: ASID 1 sees A");
		*e = virt_to_phys(pa_b) | PRW;
		run_asid(1, 7);
		report(l2_val == MAGIC_A, "TLB_CONTROL 7 keeps the global translation");
		run_asid(1, 3);
		report(l2_val == MAGIC_B, "TLB_CONTROL 3 drops it");
		*pde &= ~G;
		vmcb_set(VMCB_CR4, read_cr4());
	}
	*e = virt_to_phys(pa_a) | PRW;
	vmcb_set32(VMCB_ASID, 1);
	vmcb_set32(VMCB_TLB_CONTROL, 1);
}

/* --- a 32-bit L2 (legacy and PAE paging) through NPT --- */
static u8 *code32;

/* L2 in 32-bit protected mode: mov eax, [X]; vmmcall */
static u64 run32(u64 cr3, u64 cr4)
{
	u32 x = (u32)virt_to_phys(x_page);
	u8 bytes[] = { 0xa1, (u8)x, (u8)(x >> 8), (u8)(x >> 16), (u8)(x >> 24), 0x0f, 0x01, 0xd9 };
	memcpy(code32, bytes, sizeof(bytes));
	u64 efer = vmcb_get(VMCB_EFER), cr0 = vmcb_get(VMCB_CR0), ocr3 = vmcb_get(VMCB_CR3),
	    ocr4 = vmcb_get(VMCB_CR4);
	u64 cs = vmcb_get(VMCB_CS);
	vmcb_seg(VMCB_CS, KERNEL_CS32, 0xc9b);
	vmcb_set(VMCB_EFER, EFER_SVME);
	vmcb_set(VMCB_CR0, X86_CR0_PE | X86_CR0_PG | X86_CR0_ET | X86_CR0_NE);
	vmcb_set(VMCB_CR3, cr3);
	vmcb_set(VMCB_CR4, cr4);
	vmcb_set(VMCB_RIP, virt_to_phys(code32));
	vmcb_set(VMCB_RFLAGS, 2);
	vmcb_set(VMCB_RAX, 0);
	npt_on(1);
	u64 ex = npti_resume();
	vmcb_set(VMCB_CS, cs);
	vmcb_set(VMCB_EFER, efer);
	vmcb_set(VMCB_CR0, cr0);
	vmcb_set(VMCB_CR3, ocr3);
	vmcb_set(VMCB_CR4, ocr4);
	return ex;
}

static void test_32bit_guests(void)
{
	code32 = (u8 *)new_table();
	/* legacy 32-bit paging: one PD of 4-MByte pages (CR4.PSE) */
	u32 *pd32 = (u32 *)new_table();
	for (u32 k = 0; k < 1024; k++)
		pd32[k] = (k << 22) | 0x87;
	*npte(virt_to_phys(x_page)) = virt_to_phys(pa_a) | PRW;
	u64 ex = run32(virt_to_phys(pd32), X86_CR4_PSE);
	report(ex == EXIT_VMMCALL && (u32)vmcb_get(VMCB_RAX) == (u32)MAGIC_A,
	       "legacy 32-bit L2 reads through NPT (exit %#llx, eax %#x)", (unsigned long long)ex,
	       (u32)vmcb_get(VMCB_RAX));
	/* its PDE's page not present in NPT: a fault on its page table */
	u64 *e = npte(virt_to_phys(pd32));
	*e &= ~P;
	ex = run32(virt_to_phys(pd32), X86_CR4_PSE);
	u64 i1 = vmcb_get(VMCB_EXITINFO1), i2 = vmcb_get(VMCB_EXITINFO2);
	u64 want2 = virt_to_phys(pd32) + 4 * (virt_to_phys(code32) >> 22);
	report(ex == EXIT_NPF && i1 == (GPT | PFERR_WRITE_MASK | PFERR_USER_MASK) && i2 == want2,
	       "legacy L2's PDE not mapped: NPF %#llx/%#llx (want %#llx)", (unsigned long long)i1,
	       (unsigned long long)i2, (unsigned long long)want2);
	*e |= P;
	/* PAE paging: PDPT (4 entries) -> PDs of 2-MByte pages */
	u64 *pdpt = new_table();
	for (int i = 0; i < 4; i++) {
		u64 *pd = new_table();
		pdpt[i] = virt_to_phys(pd) | P;
		for (int j = 0; j < 512; j++)
			pd[j] = (((u64)i << 30) + ((u64)j << 21)) | 0x87;
	}
	*npte(virt_to_phys(x_page)) = virt_to_phys(pa_b) | PRW;
	ex = run32(virt_to_phys(pdpt), X86_CR4_PAE);
	report(ex == EXIT_VMMCALL && (u32)vmcb_get(VMCB_RAX) == (u32)MAGIC_B,
	       "PAE L2 reads through NPT (exit %#llx, eax %#x)", (unsigned long long)ex,
	       (u32)vmcb_get(VMCB_RAX));
	*npte(virt_to_phys(x_page)) = virt_to_phys(pa_a) | PRW;
}

/* APM "VMSAVE and VMLOAD Virtualization": with VMCB 0B8h bit 1 and nested
 * paging, L2's VMSAVE/VMLOAD (not intercepted) take rAX as a guest-physical
 * address, translated through the nested tables; without the bit rAX is
 * system-physical (L1's memory). X's guest-physical page is mapped to A. */
#define VMCB_VIRT_EXT 0x0b8
#define VMCB_STAR_OFF 0x600
#define MSR_STAR      0xc0000081
static volatile u64 l2_star;
static void l2_vmsave_x(void)
{
	wrmsr(MSR_STAR, 0x0023001000000000ull);
	asm volatile("vmsave %%rax" : : "a"(virt_to_phys(x_page)) : "memory");
}
static void l2_vmload_x(void)
{
	asm volatile("vmload %%rax" : : "a"(virt_to_phys(x_page)) : "memory");
	l2_star = rdmsr(MSR_STAR);
}

static void test_virtual_vmload_vmsave(void)
{
	if (!(cpuid(0x8000000a).d & BIT(15))) {
		report_skip("virtual VMLOAD/VMSAVE not offered");
		return;
	}
	u64 star = rdmsr(MSR_STAR);
	volatile u64 *x_star = (volatile u64 *)((u8 *)x_page + VMCB_STAR_OFF);
	volatile u64 *a_star = (volatile u64 *)((u8 *)pa_a + VMCB_STAR_OFF);
	u64 *e = npte(virt_to_phys(x_page));
	*e = virt_to_phys(pa_a) | PRW;
	*x_star = 0;
	*a_star = 0;
	npt_on(1);
	vmcb_set(VMCB_VIRT_EXT, 2);
	u64 ex = npti_run(l2_vmsave_x, 0);
	report(ex == EXIT_VMMCALL && *a_star == 0x0023001000000000ull && *x_star == 0,
	       "virtual VMSAVE: rAX translated through the nested tables (exit %#llx, A %#llx, X %#llx)",
	       (unsigned long long)ex, (unsigned long long)*a_star, (unsigned long long)*x_star);
	*a_star = 0x0033002000000000ull;
	ex = npti_run(l2_vmload_x, 0);
	report(ex == EXIT_VMMCALL && l2_star == 0x0033002000000000ull,
	       "virtual VMLOAD: from the page the nested tables map (STAR %#llx)",
	       (unsigned long long)l2_star);
	*e = 0;
	ex = npti_run(l2_vmsave_x, 0);
	u64 i1 = vmcb_get(VMCB_EXITINFO1), i2 = vmcb_get(VMCB_EXITINFO2);
	report(ex == EXIT_NPF && i1 == (FINAL | PFERR_USER_MASK | PFERR_WRITE_MASK) &&
		       i2 == virt_to_phys(x_page),
	       "virtual VMSAVE, nested entry not present: #VMEXIT(NPF) %#llx %#llx %#llx",
	       (unsigned long long)ex, (unsigned long long)i1, (unsigned long long)i2);
	*e = virt_to_phys(pa_a) | PRW;
	vmcb_set(VMCB_VIRT_EXT, 0);
	*a_star = 0;
	npt_on(1);
	ex = npti_run(l2_vmsave_x, 0);
	report(ex == EXIT_VMMCALL && *x_star == 0x0023001000000000ull && *a_star == 0,
	       "without the bit: rAX is L1-physical (A %#llx, X %#llx)",
	       (unsigned long long)*a_star, (unsigned long long)*x_star);
	*e = (virt_to_phys(x_page)) | PRW;
	npt_on(1);
	*pa_a = MAGIC_A;
	wrmsr(MSR_STAR, star);
}

int main(int argc, char **argv)
{
	if (!npti_setup()) {
		report_skip("SVM not offered");
		return report_summary();
	}
	if (!(cpuid(0x8000000a).d & BIT(0))) {
		report_skip("nested paging not offered");
		return report_summary();
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | BIT(11)); /* EFER.NXE */
	vmcb_set(VMCB_EFER, rdmsr(MSR_EFER));
	npt_build();
	/* X in a page whose TLB slot L1's own code and data do not use */
	x_page = (u64 *)0x3080000ull; /* slot 0x80: between the lib and the page pool */
	pa_a = (u64 *)0x3100000ull;
	pa_b = (u64 *)0x3200000ull;
	*pa_a = MAGIC_A;
	*pa_b = MAGIC_B;
	u64 ex = npti_run(l2_nothing, 0);
	report(ex == EXIT_VMMCALL, "VMRUN without nested paging: VMMCALL exit (%#llx)", (unsigned long long)ex);
	test_translate();
	test_npf();
	test_npf_walk();
	test_npf_in_delivery();
	test_large_pages();
	test_gpat();
	test_checks();
	test_asid();
	test_32bit_guests();
	test_virtual_vmload_vmsave();
	return report_summary();
}
