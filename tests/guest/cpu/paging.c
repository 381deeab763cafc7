/* tests/guest/cpu/paging.c: 4-level paging rules (SDM Vol.3A "Paging"):
 * every kind of #PF with its error code and CR2 ("Page-Fault Exception
 * (#PF)", "Access Rights", "Reserved bits"), accessed/dirty flags, 2 MiB and
 * 1 GiB pages, and TLB invalidation by INVLPG, MOV to CR3, CR4.PGE and PCIDs
 * ("Invalidation of TLBs and Paging-Structure Caches").
 *
 * Reserved-bit faults expect P|RSVD: SDM "Page-Fault Exceptions": "reserved
 * bits are not checked in a paging-structure entry whose P flag is 0, bit 3
 * of the error code can be set only if bit 0 is also set". QEMU 7.2 TCG
 * reports RSVD without P (error code 8); real CPUs and KVM give 9. */
#include "guest.h"

#define TEST_VA    ((volatile u64 *)0x8000001000ull) /* PML4[1]: off the identity map */
#define TEST_VA2M  ((volatile u64 *)0x8000400000ull)
#define TEST_VA1G  ((volatile u64 *)0x8040000000ull)
#define UNMAPPED_VA ((volatile u64 *)0x10000000008ull) /* PML4[2] never present */

static pteval_t *root;
static u64 *frame_a, *frame_b;

static int try_read(volatile u64 *p, u64 *out)
{
	u64 v = 0;

	asm volatile(ASM_TRY("1f") "movq (%1), %0\n1:" : "+r"(v) : "r"(p) : "memory");
	if (out)
		*out = v;
	return exception_vector();
}

static int try_write(volatile u64 *p, u64 v)
{
	asm volatile(ASM_TRY("1f") "movq %1, (%0)\n1:" : : "r"(p), "r"(v) : "memory");
	return exception_vector();
}

static int try_exec(volatile void *p)
{
	return catch_exception((void (*)(void *))p, NULL);
}

static u64 user_read(u64 addr) { return *(volatile u64 *)addr; }
static u64 user_write(u64 addr) { *(volatile u64 *)addr = 0x55; return 0; }

/* check that the last exception was #PF with error code ec at address va */
static bool is_pf(int vec, u32 ec, volatile void *va)
{
	return vec == PF_VECTOR && exception_error_code() == ec && exception_cr2() == (u64)va;
}

static pteval_t *map(volatile u64 *va, u64 *frame, pteval_t flags)
{
	return install_page(root, virt_to_phys(frame), (void *)va, flags);
}

static void test_not_present(void)
{
	pteval_t *pte = map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	int v;

	*pte = 0;
	invlpg(TEST_VA);
	v = try_read(TEST_VA + 1, NULL);
	report(is_pf(v, 0, TEST_VA + 1), "not-present read: #PF, error code 0, CR2 = address "
	       "(vec %d ec %x cr2 %llx)", v, exception_error_code(), exception_cr2());
	v = try_write(TEST_VA + 2, 1);
	report(is_pf(v, PFERR_WRITE_MASK, TEST_VA + 2), "not-present write: #PF, error code W "
	       "(vec %d ec %x)", v, exception_error_code());
	v = try_read(UNMAPPED_VA, NULL);
	report(is_pf(v, 0, UNMAPPED_VA), "not-present PML4 entry: #PF, error code 0 (ec %x)",
	       exception_error_code());
	u64 val;
	v = run_in_user(user_read, (u64)TEST_VA, &val);
	report(is_pf(v, PFERR_USER_MASK, TEST_VA), "not-present user read: error code U (ec %x)",
	       exception_error_code());
	report((exception_rip() != 0) && (last_exception.cs & 3) == 3,
	       "the #PF frame holds the user CS (cs %llx)", last_exception.cs);
}

/* accesses and instructions that span two pages, the second not present */
static void test_page_split(void)
{
	u8 *first = (u8 *)TEST_VA, *second = first + PAGE_SIZE;
	u64 rcx, rsi, rdi;
	int v;

	map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	*get_pte_level(root, second, 1) = 0;
	invlpg(second);
	memset(frame_a, 0x5a, PAGE_SIZE);
	v = try_read((volatile u64 *)(second - 4), NULL);
	report(is_pf(v, 0, second), "8-byte read across into a not-present page: CR2 = the "
	       "first byte of that page (cr2 %llx)", exception_cr2());
	v = try_write((volatile u64 *)(second - 4), 0);
	report(is_pf(v, PFERR_WRITE_MASK, second) && *(u32 *)((u8 *)frame_a + PAGE_SIZE - 4) ==
							     0x5a5a5a5a,
	       "a split write that faults changes neither page (ec %x)", exception_error_code());

	/* a 5-byte instruction whose last 3 bytes are on the missing page */
	u8 *insn = second - 2;
	insn[0] = 0xb8; /* mov $imm32, %eax: opcode and one byte on the present page */
	insn[1] = 0x01;
	v = try_exec(insn);
	report(is_pf(v, 0, second) && exception_rip() == (u64)insn,
	       "instruction fetch across into a not-present page: CR2 = page start, RIP = the "
	       "instruction (cr2 %llx rip %llx)", exception_cr2(), exception_rip());

	/* REP MOVSB stops at the faulting element with RCX/RSI/RDI updated */
	static u8 src[256];
	u8 *dst = second - 100;
	for (int i = 0; i < 256; i++)
		src[i] = (u8)i;
	rcx = 256;
	rsi = (u64)src;
	rdi = (u64)dst;
	asm volatile(ASM_TRY("1f") "rep movsb\n1:"
		     : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
	v = exception_vector();
	report(is_pf(v, PFERR_WRITE_MASK, second) && rcx == 156 && rsi == (u64)src + 100 &&
		       rdi == (u64)second && !memcmp((u8 *)frame_a + PAGE_SIZE - 100, src, 100),
	       "REP MOVSB faults at the first byte of the missing page with RCX=156, RSI/RDI "
	       "advanced (rcx %llu)", rcx);
	map((volatile u64 *)second, frame_b, PT_WRITABLE_MASK);
	asm volatile("rep movsb" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
	report(rcx == 0 && !memcmp(frame_b, src + 100, 156), "and resumes to completion");

	v = try_read((volatile u64 *)0x0000800000000000ull, NULL);
	report(v == GP_VECTOR && exception_error_code() == 0,
	       "non-canonical address: #GP(0), not #PF (vec %d)", v);
}

static void test_read_only(void)
{
	u64 cr0 = read_cr0();
	int v;

	map(TEST_VA, frame_a, 0);
	frame_a[0] = 0x1111;
	write_cr0(cr0 | X86_CR0_WP);
	v = try_write(TEST_VA, 0x2222);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_WRITE_MASK, TEST_VA) && frame_a[0] == 0x1111,
	       "CR0.WP=1: supervisor write to read-only page: #PF P|W (ec %x)",
	       exception_error_code());
	write_cr0(cr0 & ~X86_CR0_WP);
	v = try_write(TEST_VA, 0x3333);
	report(v == NO_EXCEPTION && frame_a[0] == 0x3333,
	       "CR0.WP=0: supervisor write to read-only page succeeds (vec %d)", v);
	v = run_in_user(user_write, (u64)TEST_VA, NULL);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK, TEST_VA),
	       "CR0.WP=0: user write to read-only page: #PF P|W|U (ec %x)",
	       exception_error_code());
	write_cr0(cr0 | X86_CR0_WP);

	/* R/W=0 in the PDE only: the access rights combine across levels */
	map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	pteval_t *pde = get_pte_level(root, (void *)TEST_VA, 2);
	*pde &= ~PT_WRITABLE_MASK;
	invlpg(TEST_VA);
	v = try_write(TEST_VA, 0x4444);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_WRITE_MASK, TEST_VA),
	       "R/W=0 in the PDE write-protects the page (ec %x)", exception_error_code());
	*pde |= PT_WRITABLE_MASK;
	invlpg(TEST_VA);
	write_cr0(cr0);
}

static void test_user_supervisor(void)
{
	u64 val = 0;
	int v;

	map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	v = run_in_user(user_read, (u64)TEST_VA, &val);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_USER_MASK, TEST_VA),
	       "user read of a supervisor page: #PF P|U (ec %x)", exception_error_code());
	v = run_in_user(user_write, (u64)TEST_VA, NULL);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK, TEST_VA),
	       "user write of a supervisor page: #PF P|W|U (ec %x)", exception_error_code());

	frame_a[1] = 0x77;
	map(TEST_VA, frame_a, PT_WRITABLE_MASK | PT_USER_MASK);
	v = run_in_user(user_read, (u64)(TEST_VA + 1), &val);
	report(v == NO_EXCEPTION && val == 0x77, "user read of a user page works (vec %d)", v);
	pteval_t *pde = get_pte_level(root, (void *)TEST_VA, 2);
	*pde &= ~PT_USER_MASK;
	invlpg(TEST_VA);
	v = run_in_user(user_read, (u64)TEST_VA, &val);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_USER_MASK, TEST_VA),
	       "U/S=0 in the PDE makes the page supervisor-only (ec %x)", exception_error_code());
	*pde |= PT_USER_MASK;
	invlpg(TEST_VA);
}

static void test_nx(void)
{
	u64 efer = rdmsr(MSR_EFER);
	int v;

	if (!this_cpu_has(X86_FEATURE_NX)) {
		report_skip("NX: CPUID.80000001H:EDX.NX not set");
		return;
	}
	*(u8 *)frame_a = 0xc3; /* ret */
	map(TEST_VA, frame_a, PT_WRITABLE_MASK | PT_NX_MASK);
	wrmsr(MSR_EFER, efer & ~EFER_NXE);
	v = try_read(TEST_VA, NULL);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_RESERVED_MASK, TEST_VA),
	       "EFER.NXE=0: XD bit is reserved: #PF P|RSVD (ec %x)", exception_error_code());
	wrmsr(MSR_EFER, efer | EFER_NXE);
	v = try_read(TEST_VA, NULL);
	report(v == NO_EXCEPTION, "EFER.NXE=1: data read of an XD page works");
	v = try_exec(TEST_VA);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_FETCH_MASK, TEST_VA) &&
		       exception_rip() == (u64)TEST_VA,
	       "EFER.NXE=1: fetch from an XD page: #PF P|I at the target (ec %x rip %llx)",
	       exception_error_code(), exception_rip());
	map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	v = try_exec(TEST_VA);
	report(v == NO_EXCEPTION, "fetch from a page without XD works (vec %d)", v);
	pteval_t *pde = get_pte_level(root, (void *)TEST_VA, 2);
	*pde |= PT_NX_MASK;
	invlpg(TEST_VA);
	v = try_exec(TEST_VA);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_FETCH_MASK, TEST_VA),
	       "XD in the PDE forbids fetches from the page (ec %x)", exception_error_code());
	*pde &= ~PT_NX_MASK;
	invlpg(TEST_VA);
	/* a fault on a not-present page during a fetch has I set too */
	*get_pte_level(root, (void *)TEST_VA, 1) = 0;
	invlpg(TEST_VA);
	v = try_exec(TEST_VA);
	report(is_pf(v, PFERR_FETCH_MASK, TEST_VA), "not-present fetch with NXE: #PF I (ec %x)",
	       exception_error_code());
	wrmsr(MSR_EFER, efer);
}

static void test_reserved(void)
{
	int maxpa = cpuid_maxphyaddr(), v;
	pteval_t *pte;

	if (maxpa < 52) {
		pte = map(TEST_VA, frame_a, PT_WRITABLE_MASK);
		*pte |= BIT(maxpa);
		invlpg(TEST_VA);
		v = try_read(TEST_VA, NULL);
		report(is_pf(v, PFERR_PRESENT_MASK | PFERR_RESERVED_MASK, TEST_VA),
		       "PTE bit MAXPHYADDR (%d) set: #PF P|RSVD on read (ec %x)", maxpa,
		       exception_error_code());
		v = try_write(TEST_VA, 0);
		report(is_pf(v, PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_RESERVED_MASK, TEST_VA),
		       "PTE bit MAXPHYADDR set: #PF P|W|RSVD on write (ec %x)",
		       exception_error_code());
	} else {
		report_skip("MAXPHYADDR is 52: no reserved address bits");
	}
	map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	pteval_t *pml4e = &root[((u64)TEST_VA >> 39) & 511];
	*pml4e |= PT_PAGE_SIZE_MASK;
	invlpg(TEST_VA);
	v = try_read(TEST_VA, NULL);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_RESERVED_MASK, TEST_VA),
	       "PS=1 in a PML4 entry is reserved: #PF P|RSVD (ec %x)", exception_error_code());
	*pml4e &= ~PT_PAGE_SIZE_MASK;
	invlpg(TEST_VA);

	pte = install_large_page(root, 0x400000, (void *)TEST_VA2M, PT_WRITABLE_MASK);
	*pte |= BIT(13);
	invlpg(TEST_VA2M);
	v = try_read(TEST_VA2M, NULL);
	report(is_pf(v, PFERR_PRESENT_MASK | PFERR_RESERVED_MASK, TEST_VA2M),
	       "2 MiB PDE with bit 13 set is reserved: #PF P|RSVD (ec %x)", exception_error_code());
	*pte &= ~BIT(13);
	invlpg(TEST_VA2M);
}

/* identity map supervisor-only (U/S=0 in PML4[0]) while SMEP/SMAP are on */
static void identity_supervisor(bool on)
{
	if (on)
		root[0] &= ~PT_USER_MASK;
	else
		root[0] |= PT_USER_MASK;
	write_cr3(read_cr3());
}

static void test_smep_smap(void)
{
	u64 cr4 = read_cr4(), val;
	int v;

	*(u8 *)frame_a = 0xc3; /* ret */
	frame_a[1] = 0x99;
	map(TEST_VA, frame_a, PT_WRITABLE_MASK | PT_USER_MASK);
	if (this_cpu_has(X86_FEATURE_SMEP)) {
		identity_supervisor(true);
		write_cr4(cr4 | X86_CR4_SMEP);
		v = try_exec(TEST_VA);
		write_cr4(cr4);
		identity_supervisor(false);
		report(is_pf(v, PFERR_PRESENT_MASK | PFERR_FETCH_MASK, TEST_VA),
		       "CR4.SMEP: supervisor fetch from a user page: #PF P|I (ec %x)",
		       exception_error_code());
		v = try_exec(TEST_VA);
		report(v == NO_EXCEPTION, "CR4.SMEP=0: the same fetch works");
	} else {
		report_skip("SMEP not supported");
	}
	if (this_cpu_has(X86_FEATURE_SMAP)) {
		identity_supervisor(true);
		write_cr4(cr4 | X86_CR4_SMAP);
		clac();
		v = try_read(TEST_VA + 1, &val);
		u32 ec_read = exception_error_code();
		u64 cr2_read = exception_cr2();
		int vw = try_write(TEST_VA + 1, 1);
		u32 ec_write = exception_error_code();
		stac();
		int v2 = try_read(TEST_VA + 1, &val);
		clac();
		write_cr4(cr4);
		identity_supervisor(false);
		report(v == PF_VECTOR && ec_read == PFERR_PRESENT_MASK && cr2_read == (u64)(TEST_VA + 1),
		       "CR4.SMAP, RFLAGS.AC=0: supervisor read of a user page: #PF P (ec %x)",
		       ec_read);
		report(vw == PF_VECTOR && ec_write == (PFERR_PRESENT_MASK | PFERR_WRITE_MASK),
		       "CR4.SMAP, RFLAGS.AC=0: supervisor write: #PF P|W (ec %x)", ec_write);
		report(v2 == NO_EXCEPTION && val == 0x99,
		       "CR4.SMAP, RFLAGS.AC=1 (STAC): the read works (vec %d)", v2);
	} else {
		report_skip("SMAP not supported");
	}
}

static u64 probe_value = 0x0123456789abcdefull;

static void test_accessed_dirty(void)
{
	pteval_t *pte = map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	pteval_t *pde = get_pte_level(root, (void *)TEST_VA, 2);
	u64 val;

	*pde &= ~PT_ACCESSED_MASK;
	invlpg(TEST_VA);
	report(!(*pte & (PT_ACCESSED_MASK | PT_DIRTY_MASK)), "fresh PTE has A=0 D=0");
	try_read(TEST_VA, &val);
	report((*pte & PT_ACCESSED_MASK) && !(*pte & PT_DIRTY_MASK),
	       "a read sets A, not D (pte %llx)", *pte);
	report(*pde & PT_ACCESSED_MASK, "a read sets A in the PDE (pde %llx)", *pde);
	try_write(TEST_VA, 5);
	report((*pte & (PT_ACCESSED_MASK | PT_DIRTY_MASK)) == (PT_ACCESSED_MASK | PT_DIRTY_MASK),
	       "a write sets D (pte %llx)", *pte);
	report(!(*pde & PT_DIRTY_MASK), "D is not set in a non-leaf PDE (pde %llx)", *pde);

	/* a faulting access sets no A flag in the faulting entry */
	*pte = virt_to_phys(frame_a) | PT_PRESENT_MASK;
	invlpg(TEST_VA);
	u64 cr0 = read_cr0();
	write_cr0(cr0 | X86_CR0_WP);
	try_write(TEST_VA, 6);
	write_cr0(cr0);
	report(!(*pte & PT_DIRTY_MASK), "a write that faults does not set D (pte %llx)", *pte);

	u64 pa = virt_to_phys(&probe_value);
	pteval_t *big = install_large_page(root, pa & ~(LARGE_PAGE_SIZE - 1), (void *)TEST_VA2M,
					   PT_WRITABLE_MASK);
	try_write((volatile u64 *)((u64)TEST_VA2M + (pa & (LARGE_PAGE_SIZE - 1))), probe_value);
	report((*big & (PT_ACCESSED_MASK | PT_DIRTY_MASK)) == (PT_ACCESSED_MASK | PT_DIRTY_MASK),
	       "a write through a 2 MiB page sets A and D in the PDE (pde %llx)", *big);
}

static void test_large_pages(void)
{
	u64 pa = virt_to_phys(&probe_value), val = 0;
	int v;

	install_large_page(root, pa & ~(LARGE_PAGE_SIZE - 1), (void *)TEST_VA2M, PT_WRITABLE_MASK);
	v = try_read((volatile u64 *)((u64)TEST_VA2M + (pa & (LARGE_PAGE_SIZE - 1))), &val);
	report(v == NO_EXCEPTION && val == probe_value, "2 MiB page maps the 2 MiB frame (got %llx)",
	       val);
	if (this_cpu_has(X86_FEATURE_GBPAGES)) {
		install_pte(root, 3, (void *)TEST_VA1G, PT_PRESENT_MASK | PT_WRITABLE_MASK |
							    PT_PAGE_SIZE_MASK);
		v = try_read((volatile u64 *)((u64)TEST_VA1G + pa), &val);
		report(v == NO_EXCEPTION && val == probe_value,
		       "1 GiB page maps the 1 GiB frame (got %llx)", val);
		try_write((volatile u64 *)((u64)TEST_VA1G + pa), 0x42);
		report(probe_value == 0x42, "write through a 1 GiB page reaches memory");
		probe_value = 0x0123456789abcdefull;
		pteval_t *pdpte = get_pte_level(root, (void *)TEST_VA1G, 3);
		*pdpte |= BIT(13); /* bits 29:13 of a 1 GiB PDPTE are reserved */
		invlpg(TEST_VA1G);
		v = try_read(TEST_VA1G, NULL);
		report(is_pf(v, PFERR_PRESENT_MASK | PFERR_RESERVED_MASK, TEST_VA1G),
		       "1 GiB PDPTE with bit 13 set is reserved: #PF P|RSVD (ec %x)",
		       exception_error_code());
		*pdpte = 0;
		invlpg(TEST_VA1G);
	} else {
		report_skip("1 GiB pages not supported");
	}
}

static void test_tlb(void)
{
	pteval_t *pte;
	u64 val;

	frame_a[0] = 0xaaaa;
	frame_b[0] = 0xbbbb;
	pte = map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	try_read(TEST_VA, &val);
	*pte = virt_to_phys(frame_b) | PT_PRESENT_MASK | PT_WRITABLE_MASK;
	try_read(TEST_VA, &val);
	report_info("before INVLPG the CPU used the %s translation", val == 0xaaaa ? "cached (old)" :
		    "new");
	invlpg(TEST_VA);
	try_read(TEST_VA, &val);
	report(val == 0xbbbb, "after INVLPG the new PTE is used (got %llx)", val);

	*pte = virt_to_phys(frame_a) | PT_PRESENT_MASK | PT_WRITABLE_MASK;
	try_read(TEST_VA, &val);
	write_cr3(read_cr3());
	try_read(TEST_VA, &val);
	report(val == 0xaaaa, "MOV to CR3 flushes non-global translations (got %llx)", val);

	if (!this_cpu_has(X86_FEATURE_PGE)) {
		report_skip("global pages not supported");
		return;
	}
	u64 cr4 = read_cr4();
	write_cr4(cr4 | X86_CR4_PGE);
	pte = map(TEST_VA, frame_a, PT_WRITABLE_MASK | PT_GLOBAL_MASK);
	try_read(TEST_VA, &val);
	*pte = virt_to_phys(frame_b) | PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_GLOBAL_MASK;
	write_cr3(read_cr3());
	try_read(TEST_VA, &val);
	report_info("global page after MOV to CR3: %s translation (both are allowed)",
		    val == 0xaaaa ? "kept the old" : "uses the new");
	write_cr4(cr4 & ~X86_CR4_PGE);
	write_cr4(cr4 | X86_CR4_PGE);
	try_read(TEST_VA, &val);
	report(val == 0xbbbb, "toggling CR4.PGE flushes global translations (got %llx)", val);
	*pte = virt_to_phys(frame_a) | PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_GLOBAL_MASK;
	invlpg(TEST_VA);
	try_read(TEST_VA, &val);
	report(val == 0xaaaa, "INVLPG flushes a global translation (got %llx)", val);
	write_cr4(cr4);
}

static void invpcid(u64 type, u64 pcid, volatile void *addr, int *vec)
{
	struct { u64 pcid, addr; } desc = { pcid, (u64)addr };

	asm volatile(ASM_TRY("1f") "invpcid %0, %1\n1:" : : "m"(desc), "r"(type) : "memory");
	*vec = exception_vector();
}

static void test_pcid(void)
{
	u64 cr4 = read_cr4(), cr3 = read_cr3(), val;
	pteval_t *pte;
	int v;

	if (!this_cpu_has(X86_FEATURE_PCID)) {
		report_skip("PCID not supported");
		return;
	}
	write_cr3(cr3 | 0x8); /* PWT: CR3[11:0] != 0 */
	v = write_cr4_safe(cr4 | X86_CR4_PCIDE);
	report(v == GP_VECTOR && !(read_cr4() & X86_CR4_PCIDE),
	       "setting CR4.PCIDE with CR3[11:0] != 0: #GP (vec %d)", v);
	write_cr3(cr3);
	v = write_cr4_safe(cr4 | X86_CR4_PCIDE);
	report(v == NO_EXCEPTION && (read_cr4() & X86_CR4_PCIDE), "CR4.PCIDE set (vec %d)", v);
	write_cr3(cr3 | 1);
	report((read_cr3() & 0xfff) == 1, "CR3[11:0] is the PCID (cr3 %llx)", read_cr3());
	write_cr3(cr3 | 1 | BIT(63));
	report(read_cr3() == (cr3 | 1), "CR3 bit 63 (no-flush) is not stored (cr3 %llx)",
	       read_cr3());

	frame_a[0] = 0xaaaa;
	frame_b[0] = 0xbbbb;
	pte = map(TEST_VA, frame_a, PT_WRITABLE_MASK);
	try_read(TEST_VA, &val);
	*pte = virt_to_phys(frame_b) | PT_PRESENT_MASK | PT_WRITABLE_MASK;
	write_cr3(cr3 | 1 | BIT(63));
	try_read(TEST_VA, &val);
	report_info("MOV to CR3 with bit 63 set: %s translation", val == 0xaaaa ? "kept the old" :
		    "uses the new");
	write_cr3(cr3 | 1);
	try_read(TEST_VA, &val);
	report(val == 0xbbbb, "MOV to CR3 (bit 63 clear) flushes the PCID's translations (got %llx)",
	       val);

	if (this_cpu_has(X86_FEATURE_INVPCID)) {
		*pte = virt_to_phys(frame_a) | PT_PRESENT_MASK | PT_WRITABLE_MASK;
		invpcid(0, 1, TEST_VA, &v);
		try_read(TEST_VA, &val);
		report(v == NO_EXCEPTION && val == 0xaaaa,
		       "INVPCID type 0 (individual address) flushes the address (got %llx)", val);
		*pte = virt_to_phys(frame_b) | PT_PRESENT_MASK | PT_WRITABLE_MASK;
		invpcid(1, 1, NULL, &v);
		try_read(TEST_VA, &val);
		report(v == NO_EXCEPTION && val == 0xbbbb,
		       "INVPCID type 1 (single context) flushes the PCID (got %llx)", val);
		invpcid(4, 0, NULL, &v);
		report(v == GP_VECTOR, "INVPCID type 4: #GP (vec %d)", v);
		invpcid(0, 0x1000, TEST_VA, &v);
		report(v == GP_VECTOR, "INVPCID with PCID > 4095: #GP (vec %d)", v);
	} else {
		report_skip("INVPCID not supported");
	}
	write_cr3(cr3);
	write_cr4(cr4);
	report(!(read_cr4() & X86_CR4_PCIDE) && read_cr3() == cr3, "CR4.PCIDE cleared again");
}

int main(int argc, char **argv)
{
	root = current_page_table();
	frame_a = alloc_page();
	frame_b = alloc_page();
	assert(frame_a && frame_b);

	test_not_present();
	test_page_split();
	test_read_only();
	test_user_supervisor();
	test_nx();
	test_reserved();
	test_smep_smap();
	test_accessed_dirty();
	test_large_pages();
	test_tlb();
	test_pcid();
	return report_summary();
}
