/* tests/unit/sys_test.c: system instructions through the decoder and the
 * step loop: MOV CR/DR, CLTS/LMSW/SMSW, descriptor-table registers,
 * TLB/cache maintenance, HLT/MONITOR/MWAIT, RDTSC/RDRAND, XCR0, SWAPGS and
 * FS/GS base, PUSHF/POPF/CLI/STI, port I/O, UD0-2. One check per SDM
 * rule; each names the rule it shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/memory/mem.h"
#include "cpu/system/msr.h"
#include "sys_harness.h"

SH_FIXTURE
#define C (H.c)


static void reinit(const char *spec)
{
	h_free(&H);
	sh_init(&H, spec);
}

/* run code with RAX preset */
static int run_rax(u64 rax, const u8 *code, size_t len)
{
	C->gpr[RAX] = rax;
	return sh_run(&H, code, len);
}

/* --- privilege: "#GP(0) If the current privilege level is not 0" --- */
static void test_cpl3_gp(void **s)
{
	static const struct { const char *what; u8 b[6]; u8 n; } insns[] = {
		{ "mov cr0,rax", { 0x0f, 0x22, 0xc0 }, 3 },  { "mov rax,cr3", { 0x0f, 0x20, 0xd8 }, 3 },
		{ "mov cr8,rax", { 0x44, 0x0f, 0x22, 0xc0 }, 4 },
		{ "mov dr7,rax", { 0x0f, 0x23, 0xf8 }, 3 },  { "mov rax,dr0", { 0x0f, 0x21, 0xc0 }, 3 },
		{ "clts", { 0x0f, 0x06 }, 2 },               { "lmsw ax", { 0x0f, 0x01, 0xf0 }, 3 },
		{ "lgdt [rbx]", { 0x0f, 0x01, 0x13 }, 3 },   { "lidt [rbx]", { 0x0f, 0x01, 0x1b }, 3 },
		{ "lldt ax", { 0x0f, 0x00, 0xd0 }, 3 },      { "ltr ax", { 0x0f, 0x00, 0xd8 }, 3 },
		{ "invlpg [rbx]", { 0x0f, 0x01, 0x3b }, 3 }, { "invpcid", { 0x66, 0x0f, 0x38, 0x82, 0x03 }, 5 },
		{ "wbinvd", { 0x0f, 0x09 }, 2 },             { "invd", { 0x0f, 0x08 }, 2 },
		{ "hlt", { 0xf4 }, 1 },                      { "swapgs", { 0x0f, 0x01, 0xf8 }, 3 },
		{ "rdmsr", { 0x0f, 0x32 }, 2 },
	};
	for (size_t k = 0; k < ARRAY_SIZE(insns); k++) {
		sh_user(&H);
		C->gpr[RBX] = H_DATA;
		C->gpr[RAX] = 0;
		int v = sh_run(&H, insns[k].b, insns[k].n);
		if (v != VEC_GP || sh_err(&H) != 0)
			fail_msg("%s at CPL 3: vector %d err %#x", insns[k].what, v, sh_err(&H));
	}
	/* MONITOR/MWAIT: "#UD If the current privilege level is not 0" */
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xc9)), VEC_UD);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xc8)), VEC_UD);
}

/* --- MOV to CR0 --- */
static void test_cr0(void **s)
{
	u64 cr0 = C->cr0;
	/* "a 1 to any reserved bit in CR0[63:32]" */
	assert_int_equal(run_rax(cr0 | BIT(32), CODE(0x0f, 0x22, 0xc0)), VEC_GP);
	/* "setting the PG flag to 1 when the PE flag is set to 0" */
	assert_int_equal(run_rax(cr0 & ~CR0_PE, CODE(0x0f, 0x22, 0xc0)), VEC_GP);
	/* "setting the CD flag to 0 when the NW flag is set to 1" */
	assert_int_equal(run_rax(cr0 | CR0_NW, CODE(0x0f, 0x22, 0xc0)), VEC_GP);
	/* 64-bit mode: "Attempting to clear CR0.PG" */
	assert_int_equal(run_rax(cr0 & ~CR0_PG, CODE(0x0f, 0x22, 0xc0)), VEC_GP);
	assert_int_equal(C->cr0, cr0);
	/* reserved bits of CR0[31:0] are ignored; ET is hardwired to 1 */
	assert_int_equal(run_rax((cr0 | BIT(6) | CR0_CD | CR0_NW) & ~CR0_ET, CODE(0x0f, 0x22, 0xc0)), -1);
	assert_int_equal(C->cr0, cr0 | CR0_CD | CR0_NW);
	assert_int_equal(run_rax(0, CODE(0x0f, 0x20, 0xc3)), -1); /* mov rbx, cr0 */
	assert_int_equal(C->gpr[RBX], cr0 | CR0_CD | CR0_NW);
}

/* SDM "Initializing IA-32e Mode" / "Enabling and Changing Paging Modes" */
static void test_cr0_ia32e(void **s)
{
	/* compatibility mode may clear PG: LMA := 0 */
	C->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	cpu_update_mode(C);
	assert_int_equal(C->mode, MODE_COMPAT32);
	C->cr4 |= CR4_PCIDE;
	/* "clear CR0.PG[bit 31] while CR4.PCIDE = 1" */
	assert_int_equal(run_rax(CR0_PE | CR0_ET, CODE(0x0f, 0x22, 0xc0)), VEC_GP);
	C->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	C->cr4 &= ~CR4_PCIDE;
	cpu_update_mode(C);
	assert_int_equal(run_rax(CR0_PE | CR0_ET, CODE(0x0f, 0x22, 0xc0)), -1);
	assert_false(C->efer & EFER_LMA);
	assert_int_equal(C->mode, MODE_PROT32);

	/* "Paging cannot be enabled while CR4.PAE = 0 and IA32_EFER.LME = 1" */
	sh_prot32(&H);
	C->efer = EFER_LME;
	assert_int_equal(run_rax(CR0_PE | CR0_PG, CODE(0x0f, 0x22, 0xc0)), VEC_GP);
	assert_false(C->cr0 & CR0_PG);
	/* with PAE: IA-32e mode becomes active (compatibility mode) */
	C->cr4 = CR4_PAE;
	C->cr3 = H_PT;
	assert_int_equal(run_rax(CR0_PE | CR0_PG, CODE(0x0f, 0x22, 0xc0)), -1);
	assert_true(C->efer & EFER_LMA);
	assert_int_equal(C->mode, MODE_COMPAT32);
}

/* SDM "PDPTE Registers": reserved bits in a present PDPTE -> #GP(0) */
static void test_pae_pdptes(void **s)
{
	const u64 pdpt = 0x20000, pd = 0x21000, bad = 0x22000;
	for (u64 k = 0; k < 512; k++)
		h_poke64(&H, pd + 8 * k, (k << 21) | 0x83);
	for (u64 k = 0; k < 4; k++) {
		h_poke64(&H, pdpt + 8 * k, k ? 0 : pd | 1);
		h_poke64(&H, bad + 8 * k, k == 2 ? 0x23000 | 1 | BIT(5) : 0);
	}
	sh_prot32(&H);
	C->cr4 = CR4_PAE;
	C->cr3 = bad;
	assert_int_equal(run_rax(CR0_PE | CR0_PG, CODE(0x0f, 0x22, 0xc0)), VEC_GP);
	C->cr3 = pdpt;
	assert_int_equal(run_rax(CR0_PE | CR0_PG, CODE(0x0f, 0x22, 0xc0)), -1);
	assert_true(C->cr0 & CR0_PG);
	/* MOV to CR3 loads PDPTEs too */
	assert_int_equal(run_rax(bad, CODE(0x0f, 0x22, 0xd8)), VEC_GP);
	assert_int_equal(C->cr3, pdpt);
	/* a not-present PDPTE's other bits are ignored */
	h_poke64(&H, bad + 16, BIT(5));
	assert_int_equal(run_rax(bad, CODE(0x0f, 0x22, 0xd8)), -1);
}

/* SDM "PDPTE Registers": the walk takes its PDPTE from the registers the
 * last load filled, not from memory: a changed table takes effect at the
 * next MOV to CR3 (or MOV to CR0/CR4 that reloads), and a load that
 * faults leaves the registers as they were */
static void test_pae_pdpte_registers(void **s)
{
	const u64 pdpt = 0x20000, pd = 0x21000, pd_a = 0x22000, pd_b = 0x23000, bad = 0x24000;
	const u64 va = 0x40001234; /* PDPTE 1; PDPTE 0 maps the harness */
	gpa_t gpa;
	for (u64 k = 0; k < 512; k++) {
		h_poke64(&H, pd + 8 * k, (k << 21) | 0x83);
		h_poke64(&H, pd_a + 8 * k, (k << 21) | 0x83);
		h_poke64(&H, pd_b + 8 * k, ((k << 21) + 0x400000) | 0x83);
	}
	for (u64 k = 0; k < 4; k++) {
		h_poke64(&H, pdpt + 8 * k, k == 0 ? pd | 1 : k == 1 ? pd_a | 1 : 0);
		h_poke64(&H, bad + 8 * k, k == 0 ? pd | 1 : k == 1 ? pd_a | 1 | BIT(1) : 0);
	}
	sh_prot32(&H);
	C->cr4 = CR4_PAE;
	C->cr3 = pdpt;
	assert_int_equal(run_rax(CR0_PE | CR0_PG, CODE(0x0f, 0x22, 0xc0)), -1);
	assert_int_equal(C->pdpte[1], pd_a | 1);
	assert_int_equal(mmu_walk(C, va, ACC_R, false, true, &gpa), 0);
	assert_int_equal(gpa, 0x1234);
	/* the table changes in memory: the walk still uses the old PDPTE */
	h_poke64(&H, pdpt + 8, pd_b | 1);
	assert_int_equal(mmu_walk(C, va, ACC_R, false, true, &gpa), 0);
	assert_int_equal(gpa, 0x1234);
	/* a MOV to CR3 that faults loads nothing */
	assert_int_equal(run_rax(bad, CODE(0x0f, 0x22, 0xd8)), VEC_GP);
	assert_int_equal(C->pdpte[1], pd_a | 1);
	/* MOV to CR3 with the same value reloads: the new directory */
	assert_int_equal(run_rax(pdpt, CODE(0x0f, 0x22, 0xd8)), -1);
	assert_int_equal(mmu_walk(C, va, ACC_R, false, true, &gpa), 0);
	assert_int_equal(gpa, 0x401234);
	/* made not present in memory: translated until the next load */
	h_poke64(&H, pdpt + 8, 0);
	assert_int_equal(mmu_walk(C, va, ACC_R, false, true, &gpa), 0);
	/* MOV to CR4 changing PGE reloads them */
	assert_int_equal(run_rax(CR4_PAE | CR4_PGE, CODE(0x0f, 0x22, 0xe0)), -1);
	assert_int_equal(mmu_walk(C, va, ACC_R, false, true, &gpa), BIT(31));
	/* and MOV to CR0 changing CD */
	h_poke64(&H, pdpt + 8, pd_a | 1);
	assert_int_equal(run_rax(C->cr0 | CR0_CD, CODE(0x0f, 0x22, 0xc0)), -1);
	assert_int_equal(mmu_walk(C, va, ACC_R, false, true, &gpa), 0);
	assert_int_equal(gpa, 0x1234);
}

/* --- MOV to CR4 --- */
static void test_cr4(void **s)
{
	u64 cr4 = C->cr4;
	/* "a 1 to any reserved bit in CR4": bit 32, SMXE, LA57 and VMXE (not
	 * advertised) */
	assert_int_equal(run_rax(cr4 | BIT(32), CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	assert_int_equal(run_rax(cr4 | CR4_SMXE, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	assert_int_equal(run_rax(cr4 | CR4_LA57, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	assert_int_equal(run_rax(cr4 | CR4_VMXE, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	sh_feat(&H, FEAT_xsave, false); /* CR4.OSXSAVE is reserved without XSAVE */
	assert_int_equal(run_rax(cr4 | CR4_OSXSAVE, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	/* "leave IA-32e mode by clearing CR4.PAE" */
	assert_int_equal(run_rax(cr4 & ~CR4_PAE, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	/* PCIDE 0 -> 1 with CR3[11:0] != 0 */
	C->cr3 = H_PT | 0x8;
	assert_int_equal(run_rax(cr4 | CR4_PCIDE, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	C->cr3 = H_PT;
	assert_int_equal(run_rax(cr4 | CR4_PCIDE | CR4_SMEP | CR4_UMIP | CR4_FSGSBASE,
				 CODE(0x0f, 0x22, 0xe0)), -1);
	assert_int_equal(C->cr4, cr4 | CR4_PCIDE | CR4_SMEP | CR4_UMIP | CR4_FSGSBASE);
	/* PCIDE can be set only in IA-32e mode */
	sh_prot32(&H);
	assert_int_equal(run_rax(CR4_PCIDE, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	assert_int_equal(run_rax(CR4_PAE | CR4_PSE, CODE(0x0f, 0x22, 0xe0)), -1);
}

/* --- MOV to CR3 --- */
static void test_cr3(void **s)
{
	/* bits 63:MAXPHYADDR (40) reserved */
	assert_int_equal(run_rax(H_PT | BIT(40), CODE(0x0f, 0x22, 0xd8)), VEC_GP);
	assert_int_equal(run_rax(H_PT | BIT(63), CODE(0x0f, 0x22, 0xd8)), VEC_GP);
	/* without PCIDE: non-global TLB entries are flushed */
	phys_write(&H.m.mem, H_DATA, 8, 0);
	C->gpr[RBX] = H_DATA;
	assert_int_equal(sh_run(&H, CODE(0x48, 0x8b, 0x03)), -1); /* mov rax,[rbx] */
	const struct tlb_entry *e = &C->tlb[(H_DATA >> 12) & (TLB_SIZE - 1)];
	assert_int_not_equal(e->tag, 0);
	assert_int_equal(run_rax(H_PT, CODE(0x0f, 0x22, 0xd8)), -1);
	assert_int_equal(e->tag, 0);
	/* PCIDE = 1: bit 63 = "do not invalidate", not stored */
	C->cr4 |= CR4_PCIDE;
	C->cr3 = H_PT | 1;
	assert_int_equal(sh_run(&H, CODE(0x48, 0x8b, 0x03)), -1);
	assert_int_equal(run_rax(H_PT | BIT(63) | 1, CODE(0x0f, 0x22, 0xd8)), -1);
	assert_int_equal(C->cr3, H_PT | 1);
	assert_int_not_equal(e->tag, 0);
	assert_int_equal(run_rax(H_PT | 1, CODE(0x0f, 0x22, 0xd8)), -1);
	assert_int_equal(e->tag, 0);
	/* the TLB does not tag entries with their PCID, so PCID 1's entries
	 * must not serve PCID 2 after a "do not invalidate" switch ("the
	 * processor uses only the translations associated with the current
	 * PCID") */
	assert_int_equal(sh_run(&H, CODE(0x48, 0x8b, 0x03)), -1);
	assert_int_not_equal(e->tag, 0);
	assert_int_equal(run_rax(H_PT | BIT(63) | 2, CODE(0x0f, 0x22, 0xd8)), -1);
	assert_int_equal(C->cr3, H_PT | 2);
	assert_int_equal(e->tag, 0);
}

/* --- CR8 and invalid control registers --- */
static void test_cr8_invalid(void **s)
{
	/* "a 1 to CR8[63:4]" */
	assert_int_equal(run_rax(0x10, CODE(0x44, 0x0f, 0x22, 0xc0)), VEC_GP);
	assert_int_equal(run_rax(5, CODE(0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20, 0xc3)), -1);
	assert_int_equal(C->gpr[RBX], 5);
	/* CR1 and CR5 do not exist */
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x20, 0xc8)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x22, 0xe8)), VEC_UD);
}

/* --- debug registers --- */
static void test_dr(void **s)
{
	/* "#UD If CR4.DE = 1 and a MOV instruction involving DR4 or DR5" */
	C->cr4 |= CR4_DE;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x21, 0xe0)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x23, 0xe8)), VEC_UD);
	/* DE = 0: DR4/DR5 alias DR6/DR7 */
	C->cr4 &= ~CR4_DE;
	assert_int_equal(run_rax(0x1, CODE(0x0f, 0x23, 0xe0, 0x0f, 0x21, 0xf3)), -1);
	assert_int_equal(C->dr[6], DR6_FIXED1 | 1);
	assert_int_equal(C->gpr[RBX], DR6_FIXED1 | 1);
	/* DR6/DR7 bits 63:32 -> #GP(0) */
	assert_int_equal(run_rax(BIT(32), CODE(0x0f, 0x23, 0xf8)), VEC_GP);
	assert_int_equal(run_rax(BIT(40), CODE(0x0f, 0x23, 0xf0)), VEC_GP);
	/* DR7: reserved bits 11, 12, 14, 15 read 0, bit 10 reads 1 */
	assert_int_equal(run_rax(0xd800 | 0x3, CODE(0x0f, 0x23, 0xf8)), -1);
	assert_int_equal(C->dr[7], 0x403);
	C->dr[7] = DR7_FIXED1;
	/* DR0-3 take 64-bit addresses */
	assert_int_equal(run_rax(0xffffffff12345678ull, CODE(0x0f, 0x23, 0xc8)), -1);
	assert_int_equal(C->dr[1], 0xffffffff12345678ull);
	/* DR7.GD: any DR access is a #DB with DR6.BD = 1, GD cleared */
	C->dr[7] = DR7_FIXED1 | DR7_GD;
	C->dr[6] = DR6_FIXED1;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x21, 0xc0)), VEC_DB);
	assert_true(C->dr[6] & DR6_BD);
	assert_false(C->dr[7] & DR7_GD);
}

/* --- CLTS, LMSW, SMSW --- */
static void test_clts_lmsw_smsw(void **s)
{
	C->cr0 |= CR0_TS;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x06)), -1);
	assert_false(C->cr0 & CR0_TS);
	/* "LMSW ... cannot be used to clear the PE flag" */
	u64 cr0 = C->cr0;
	assert_int_equal(run_rax(0xfff0 | CR0_TS, CODE(0x0f, 0x01, 0xf0)), -1);
	assert_int_equal(C->cr0, (cr0 & ~(CR0_MP | CR0_EM)) | CR0_TS);
	/* SMSW r64 stores CR0; SMSW m16 stores CR0[15:0] */
	C->gpr[RBX] = H_DATA;
	phys_write(&H.m.mem, H_DATA, 8, ~0ull);
	assert_int_equal(sh_run(&H, CODE(0x48, 0x0f, 0x01, 0xe0, 0x0f, 0x01, 0x23)), -1);
	assert_int_equal(C->gpr[RAX], C->cr0);
	assert_int_equal(phys_read(&H.m.mem, H_DATA, 8), 0xffffffffffff0000ull | (C->cr0 & 0xffff));
	/* SMSW is allowed at CPL 3 ... unless CR4.UMIP = 1 */
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xe0)), -1);
	C->cr4 |= CR4_UMIP;
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xe0)), VEC_GP);
}

/* --- LGDT/LIDT/SGDT/SIDT --- */
static void test_dtr(void **s)
{
	C->gpr[RBX] = H_DATA;
	phys_write(&H.m.mem, H_DATA, 2, 0x7f);
	h_poke64(&H, H_DATA + 2, 0x0000800000001000ull);
	/* 64-bit: a non-canonical base -> #GP(0) */
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0x13)), VEC_GP);
	h_poke64(&H, H_DATA + 2, H_GDT);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0x13)), -1);
	assert_int_equal(C->gdtr.limit, 0x7f);
	assert_int_equal(C->gdtr.base, H_GDT);
	/* SIDT in 64-bit mode stores 10 bytes */
	h_poke64(&H, H_DATA + 0x20, ~0ull);
	h_poke64(&H, H_DATA + 0x28, ~0ull);
	C->gpr[RBX] = H_DATA + 0x20;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0x0b)), -1);
	assert_int_equal(phys_read(&H.m.mem, H_DATA + 0x20, 2), C->idtr.limit);
	assert_int_equal(h_peek64(&H, H_DATA + 0x22), C->idtr.base);
	assert_int_equal(phys_read(&H.m.mem, H_DATA + 0x2a, 2), 0xffff);
	/* UMIP: SGDT, SIDT, SLDT, STR at CPL 3 -> #GP(0) */
	static const u8 umip[][3] = { { 0x0f, 0x01, 0x03 }, { 0x0f, 0x01, 0x0b },
				      { 0x0f, 0x00, 0xc0 }, { 0x0f, 0x00, 0xc8 } };
	for (size_t k = 0; k < ARRAY_SIZE(umip); k++) {
		sh_user(&H);
		C->cr4 &= ~CR4_UMIP;
		C->gpr[RBX] = H_DATA;
		assert_int_equal(sh_run(&H, umip[k], 3), -1);
		C->cr4 |= CR4_UMIP;
		sh_user(&H);
		assert_int_equal(sh_run(&H, umip[k], 3), VEC_GP);
		C->cr4 &= ~CR4_UMIP;
	}
	/* legacy LGDT with a 16-bit operand size loads a 24-bit base */
	sh_prot32(&H);
	C->gpr[RBX] = H_DATA;
	phys_write(&H.m.mem, H_DATA, 2, 0x2f);
	phys_write(&H.m.mem, H_DATA + 2, 4, 0xab001000);
	assert_int_equal(sh_run(&H, CODE(0x66, 0x0f, 0x01, 0x13)), -1);
	assert_int_equal(C->gdtr.base, 0x001000);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0x13)), -1);
	assert_int_equal(C->gdtr.base, 0xab001000);
}

/* --- LLDT / LTR (16-byte system descriptors in IA-32e mode) --- */
#define SEL_LDT   0x38
#define SEL_TSS   0x48
#define SEL_LDTNP 0x58
static void gdt_system(u64 sel, u64 base, u32 limit, unsigned type, bool p, u64 hi)
{
	u64 lo = (limit & 0xffff) | ((base & 0xffffff) << 16) | ((u64)(type | (p ? 0x80 : 0)) << 40) |
		 ((u64)((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	h_poke64(&H, H_GDT + sel, lo);
	h_poke64(&H, H_GDT + sel + 8, hi ? hi : base >> 32);
}

/* A processor with 5-level paging (CPUID LA57) checks the bases of 16-byte
 * LDT/TSS descriptors and the MSR forms of the segment bases against 57
 * bits (msr_canonical), with CR4.LA57 on or off; without LA57, 48 */
static void test_la57_bases(void **s)
{
	const u64 b57 = 0x00ff800000000000ull; /* canonical for 57 bits, not 48 */
	const u64 bad57 = 0x0100000000000000ull;
	static const u32 msrs[] = { 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000082 };

	C->gdtr.limit = 0x7f;
	gdt_system(SEL_LDT, b57, 0xff, DESC_LDT, true, 0);
	gdt_system(SEL_TSS, b57, 0x67, DESC_TSS_AVAIL, true, 0);
	assert_int_equal(run_rax(SEL_LDT, CODE(0x0f, 0x00, 0xd0)), VEC_GP); /* 48 bits */
	sh_feat(&H, FEAT_la57, true);
	for (int la57 = 0; la57 < 2; la57++) {
		C->cr4 = la57 ? C->cr4 | CR4_LA57 : C->cr4 & ~CR4_LA57;
		gdt_system(SEL_LDT, b57, 0xff, DESC_LDT, true, 0);
		gdt_system(SEL_TSS, b57, 0x67, DESC_TSS_AVAIL, true, 0);
		assert_int_equal(run_rax(SEL_LDT, CODE(0x0f, 0x00, 0xd0)), -1);
		assert_int_equal(C->seg[SEG_LDTR].base, b57);
		assert_int_equal(run_rax(SEL_TSS, CODE(0x0f, 0x00, 0xd8)), -1);
		assert_int_equal(C->seg[SEG_TR].base, b57);
		gdt_system(SEL_LDT, bad57, 0xff, DESC_LDT, true, 0);
		assert_int_equal(run_rax(SEL_LDT, CODE(0x0f, 0x00, 0xd0)), VEC_GP);
		assert_int_equal(sh_err(&H), SEL_LDT);
		for (unsigned k = 0; k < 4; k++) {
			C->gpr[RCX] = msrs[k];
			C->gpr[RAX] = (u32)b57;
			C->gpr[RDX] = b57 >> 32;
			assert_int_equal(sh_run(&H, CODE(0x0f, 0x30)), -1);
			C->gpr[RDX] = bad57 >> 32;
			assert_int_equal(sh_run(&H, CODE(0x0f, 0x30)), VEC_GP);
		}
		assert_int_equal(C->seg[SEG_FS].base, b57);
		assert_int_equal(C->msr.kernel_gs_base, b57);
	}
	C->cr4 &= ~CR4_LA57;
	sh_feat(&H, FEAT_la57, false);
}

static void test_lldt_ltr(void **s)
{
	C->gdtr.limit = 0x7f;
	gdt_system(SEL_LDT, 0x6000, 0xff, DESC_LDT, true, 0);
	gdt_system(SEL_TSS, 0x5000, 0x67, DESC_TSS_AVAIL, true, 0);
	gdt_system(SEL_LDTNP, 0x6000, 0xff, DESC_LDT, false, 0);
	assert_int_equal(run_rax(SEL_LDT, CODE(0x0f, 0x00, 0xd0)), -1);
	assert_int_equal(C->seg[SEG_LDTR].base, 0x6000);
	assert_int_equal(C->seg[SEG_LDTR].sel, SEL_LDT);
	/* SLDT r32 zero-extends */
	C->gpr[RBX] = ~0ull;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x00, 0xc3)), -1);
	assert_int_equal(C->gpr[RBX], SEL_LDT);
	/* null selector: LDTR unusable, no fault */
	assert_int_equal(run_rax(0, CODE(0x0f, 0x00, 0xd0)), -1);
	assert_true(C->seg[SEG_LDTR].ar & AR_UNUSABLE);
	/* "not an LDT descriptor" / TI = 1 -> #GP(selector); not present -> #NP */
	assert_int_equal(run_rax(0x08, CODE(0x0f, 0x00, 0xd0)), VEC_GP);
	assert_int_equal(sh_err(&H), 0x08);
	assert_int_equal(run_rax(SEL_LDT | 4, CODE(0x0f, 0x00, 0xd0)), VEC_GP);
	assert_int_equal(sh_err(&H), SEL_LDT | 4); /* the error code keeps TI */
	assert_int_equal(run_rax(SEL_LDTNP, CODE(0x0f, 0x00, 0xd0)), VEC_NP);
	assert_int_equal(sh_err(&H), SEL_LDTNP);
	/* beyond the GDT limit */
	assert_int_equal(run_rax(0x80, CODE(0x0f, 0x00, 0xd0)), VEC_GP);
	assert_int_equal(sh_err(&H), 0x80);
	/* upper half: type field (bits 12:8 of the last dword) must be 0,
	 * base canonical */
	gdt_system(SEL_LDT, 0x6000, 0xff, DESC_LDT, true, 1ull << 40);
	assert_int_equal(run_rax(SEL_LDT, CODE(0x0f, 0x00, 0xd0)), VEC_GP);
	assert_int_equal(sh_err(&H), SEL_LDT);
	/* base[63:32] may have any bits set that keep it canonical (Linux puts
	 * its TSS at 0xfffffe00_00003000) */
	gdt_system(SEL_LDT, 0x6000, 0xff, DESC_LDT, true, 0xfffffe00ull);
	assert_int_equal(run_rax(SEL_LDT, CODE(0x0f, 0x00, 0xd0)), -1);
	assert_int_equal(C->seg[SEG_LDTR].base, 0xfffffe0000006000ull);
	gdt_system(SEL_LDT, 0x6000, 0xff, DESC_LDT, true, 0x8000);
	assert_int_equal(run_rax(SEL_LDT, CODE(0x0f, 0x00, 0xd0)), VEC_GP);
	assert_int_equal(sh_err(&H), SEL_LDT);

	/* LTR: loads TR and marks the descriptor busy */
	assert_int_equal(run_rax(SEL_TSS, CODE(0x0f, 0x00, 0xd8)), -1);
	assert_int_equal(C->seg[SEG_TR].sel, SEL_TSS);
	assert_int_equal(C->seg[SEG_TR].base, 0x5000);
	assert_int_equal(AR_TYPE(C->seg[SEG_TR].ar), DESC_TSS_BUSY);
	assert_int_equal(phys_read(&H.m.mem, H_GDT + SEL_TSS + 5, 1), 0x8b);
	/* a kernel-half base in the upper 8 bytes */
	gdt_system(SEL_TSS, 0x3000, 0x4087, DESC_TSS_AVAIL, true, 0xfffffe00ull);
	assert_int_equal(run_rax(SEL_TSS, CODE(0x0f, 0x00, 0xd8)), -1);
	assert_int_equal(C->seg[SEG_TR].base, 0xfffffe0000003000ull);
	assert_int_equal(C->seg[SEG_TR].limit, 0x4087);
	/* "a TSS ... already busy" -> #GP(selector) */
	assert_int_equal(run_rax(SEL_TSS, CODE(0x0f, 0x00, 0xd8)), VEC_GP);
	assert_int_equal(sh_err(&H), SEL_TSS);
	/* null selector -> #GP(0); not a TSS -> #GP(sel) */
	assert_int_equal(run_rax(0, CODE(0x0f, 0x00, 0xd8)), VEC_GP);
	assert_int_equal(sh_err(&H), 0);
	assert_int_equal(run_rax(SEL_LDTNP, CODE(0x0f, 0x00, 0xd8)), VEC_GP);
	assert_int_equal(sh_err(&H), SEL_LDTNP);
	/* IA-32e mode does not accept a 16-bit TSS */
	gdt_system(SEL_TSS, 0x5000, 0x67, DESC_TSS16_AVAIL, true, 0);
	assert_int_equal(run_rax(SEL_TSS, CODE(0x0f, 0x00, 0xd8)), VEC_GP);
	/* not present -> #NP(selector) */
	gdt_system(SEL_TSS, 0x5000, 0x67, DESC_TSS_AVAIL, false, 0);
	assert_int_equal(run_rax(SEL_TSS, CODE(0x0f, 0x00, 0xd8)), VEC_NP);
	assert_int_equal(sh_err(&H), SEL_TSS);
	/* real-address mode: LLDT, LTR, SLDT, STR are #UD */
	sh_real(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x00, 0xd0)), VEC_UD);
	sh_real(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x00, 0xc8)), VEC_UD);
}

/* --- INVLPG / INVPCID --- */
static void test_invpcid(void **s)
{
	C->gpr[RBX] = H_DATA;
	h_poke64(&H, H_DATA, 0);
	h_poke64(&H, H_DATA + 8, 0x400000);
	/* INVLPG of a non-canonical address does nothing (no fault) */
	C->gpr[RBX] = 0x0000900000000000ull;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0x3b)), -1);
	C->gpr[RBX] = H_DATA;
	for (u64 t = 0; t < 4; t++)
		assert_int_equal(run_rax(t, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), -1);
	/* "an invalid type" */
	assert_int_equal(run_rax(4, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), VEC_GP);
	/* "bits 63:12 of INVPCID_DESC are not all zero" */
	h_poke64(&H, H_DATA, 0x1000);
	assert_int_equal(run_rax(2, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), VEC_GP);
	/* type 0/1 with a PCID and CR4.PCIDE = 0 */
	h_poke64(&H, H_DATA, 1);
	assert_int_equal(run_rax(1, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), VEC_GP);
	assert_int_equal(run_rax(0, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), VEC_GP);
	assert_int_equal(run_rax(2, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), -1);
	C->cr4 |= CR4_PCIDE;
	assert_int_equal(run_rax(1, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), -1);
	/* type 0 with a non-canonical address */
	h_poke64(&H, H_DATA + 8, 0x0000800000000000ull);
	assert_int_equal(run_rax(0, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), VEC_GP);
	assert_int_equal(run_rax(1, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), -1);
	/* #UD without CPUID.(EAX=07H,ECX=0):EBX.INVPCID */
	reinit("max,-invpcid");
	C->gpr[RBX] = H_DATA;
	assert_int_equal(run_rax(2, CODE(0x66, 0x0f, 0x38, 0x82, 0x03)), VEC_UD);
}

/* --- HLT, MONITOR/MWAIT, cache control --- */
static void test_hlt_monitor(void **s)
{
	assert_int_equal(sh_run(&H, CODE(0xf4)), -1);
	assert_int_equal(C->activity, ACT_HLT);
	assert_int_equal(C->rip, H_CODE + 1);
	C->activity = ACT_ACTIVE;
	/* MONITOR: "#GP(0) If ECX ≠ 0"; the address is checked as a read */
	C->gpr[RCX] = 1;
	assert_int_equal(run_rax(H_DATA, CODE(0x0f, 0x01, 0xc8)), VEC_GP);
	C->gpr[RCX] = 0;
	assert_int_equal(run_rax(H_DATA, CODE(0x0f, 0x01, 0xc8)), -1);
	C->gpr[RCX] = 0;
	assert_int_equal(run_rax(0x80000000ull, CODE(0x0f, 0x01, 0xc8)), VEC_PF);
	/* MWAIT: ECX[0] is the only extension */
	C->gpr[RCX] = 2;
	assert_int_equal(run_rax(0, CODE(0x0f, 0x01, 0xc9)), VEC_GP);
	C->gpr[RCX] = 1;
	assert_int_equal(run_rax(0, CODE(0x0f, 0x01, 0xc9)), -1);
	/* CLFLUSH checks the address like a read */
	C->gpr[RBX] = 0x80000000ull;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x3b)), VEC_PF);
	C->gpr[RBX] = H_DATA;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x3b, 0x66, 0x0f, 0xae, 0x3b, 0x0f, 0xae,
					0xe8, 0x0f, 0x18, 0x03)), -1);
	/* without the feature: #UD */
	reinit("max,-monitor,-clflushopt");
	C->gpr[RCX] = 0;
	assert_int_equal(run_rax(H_DATA, CODE(0x0f, 0x01, 0xc8)), VEC_UD);
	assert_int_equal(run_rax(0, CODE(0x0f, 0x01, 0xc9)), VEC_UD);
	C->gpr[RBX] = H_DATA;
	assert_int_equal(sh_run(&H, CODE(0x66, 0x0f, 0xae, 0x3b)), VEC_UD);
}

/* --- RDPMC: "IF (((CR4.PCE = 1) or (CPL = 0) or (CR0.PE = 0)) and (ECX
 * indicates a supported counter))", else #GP(0). The max model has 8
 * general-purpose and 3 fixed counters (CPUID leaf 0AH); with pmu=off
 * every counter is unsupported; the privilege rule comes first either
 * way. --- */
static void test_rdpmc(void **s)
{
	C->gpr[RCX] = 7;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), -1);
	C->gpr[RCX] = BIT(30) | 2;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), -1);
	reinit("max,pmu=off");
	C->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP);
	C->gpr[RCX] = BIT(30);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP);
	sh_user(&H);
	C->cr4 &= ~CR4_PCE;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP);
}

/* --- RDTSC, RDTSCP, RDRAND, RDSEED --- */
static void test_rdtsc_rdrand(void **s)
{
	/* "IF (CR4.TSD = 0) or (CPL = 0) or (CR0.PE = 0)" */
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x31)), -1);
	C->cr4 |= CR4_TSD;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x31)), VEC_GP);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xf9)), VEC_GP);
	C->cr4 &= ~CR4_TSD;
	/* the TSC advances with the instruction count */
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x31, 0x48, 0x89, 0xc3, 0x90, 0x90, 0x0f, 0x31)), -1);
	assert_true((u32)C->gpr[RAX] > (u32)C->gpr[RBX] || C->gpr[RDX]);
	/* RDRAND r64: CF = 1, other arithmetic flags 0; a stream of values */
	C->rflags |= RFLAGS_ZF | RFLAGS_OF;
	assert_int_equal(sh_run(&H, CODE(0x48, 0x0f, 0xc7, 0xf0, 0x48, 0x0f, 0xc7, 0xfb)), -1);
	assert_int_equal(cpu_rflags(C) & RFLAGS_ARITH, RFLAGS_CF);
	assert_int_not_equal(C->gpr[RAX], C->gpr[RBX]);
	u64 first = C->gpr[RAX];
	/* deterministic: a fresh machine with the same seed gives the same */
	reinit(NULL);
	assert_int_equal(sh_run(&H, CODE(0x48, 0x0f, 0xc7, 0xf0)), -1);
	assert_int_equal(C->gpr[RAX], first);
	/* RDRAND r16 writes 16 bits */
	C->gpr[RAX] = ~0ull;
	assert_int_equal(sh_run(&H, CODE(0x66, 0x0f, 0xc7, 0xf0)), -1);
	assert_int_equal(C->gpr[RAX] >> 16, 0xffffffffffffull);
	reinit("max,-rdrand,-rdseed,-rdtscp,-rdpid");
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xc7, 0xf0)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xc7, 0xf8)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xf9)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x0f, 0xc7, 0xf8)), VEC_UD);
}

/* --- XGETBV / XSETBV (x87 + SSE only) --- */
static void test_xcr0(void **s)
{
	/* "#UD If CR4.OSXSAVE[bit 18] = 0" */
	C->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xd0)), VEC_UD);
	sh_feat(&H, FEAT_xsave, true);
	assert_int_equal(run_rax(C->cr4 | CR4_OSXSAVE, CODE(0x0f, 0x22, 0xe0)), -1);
	/* CPUID.01H:ECX.OSXSAVE mirrors CR4.OSXSAVE */
	assert_int_equal(run_rax(1, CODE(0x0f, 0xa2)), -1);
	assert_true(C->gpr[RCX] & BIT(27));
	C->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xd0)), -1);
	assert_int_equal(C->gpr[RAX], 1);
	assert_int_equal(C->gpr[RDX], 0);
	C->gpr[RCX] = 1; /* XINUSE not advertised */
	sh_feat(&H, FEAT_xgetbv1, false);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xd0)), VEC_GP);
	/* XSETBV: bit 0 must be 1, unsupported bits #GP, ECX must be 0 */
	C->gpr[RCX] = 0;
	C->gpr[RDX] = 0;
	assert_int_equal(run_rax(3, CODE(0x0f, 0x01, 0xd1)), -1);
	assert_int_equal(C->xcr0, 3);
	assert_int_equal(run_rax(2, CODE(0x0f, 0x01, 0xd1)), VEC_GP);
	assert_int_equal(run_rax(7, CODE(0x0f, 0x01, 0xd1)), VEC_GP);
	C->gpr[RDX] = 1;
	assert_int_equal(run_rax(3, CODE(0x0f, 0x01, 0xd1)), VEC_GP);
	C->gpr[RDX] = 0;
	C->gpr[RCX] = 1;
	assert_int_equal(run_rax(3, CODE(0x0f, 0x01, 0xd1)), VEC_GP);
	assert_int_equal(C->xcr0, 3);
	sh_user(&H);
	C->gpr[RCX] = 0;
	assert_int_equal(run_rax(1, CODE(0x0f, 0x01, 0xd1)), VEC_GP);
	/* XGETBV is not privileged */
	sh_user(&H);
	C->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xd0)), -1);
}

/* --- SWAPGS, RD/WR FS/GS BASE --- */
static void test_swapgs_fsgsbase(void **s)
{
	C->seg[SEG_GS].base = 0x1111;
	C->msr.kernel_gs_base = 0x2222;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xf8)), -1);
	assert_int_equal(C->seg[SEG_GS].base, 0x2222);
	assert_int_equal(C->msr.kernel_gs_base, 0x1111);
	/* "#UD If Mode ≠ 64-Bit" */
	C->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	cpu_update_mode(C);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xf8)), VEC_UD);
	/* RDFSBASE: #UD with CR4.FSGSBASE = 0 */
	C->seg[SEG_FS].base = 0x12345678abcdull;
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x48, 0x0f, 0xae, 0xc0)), VEC_UD);
	C->cr4 |= CR4_FSGSBASE;
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x48, 0x0f, 0xae, 0xc0)), -1);
	assert_int_equal(C->gpr[RAX], 0x12345678abcdull);
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x0f, 0xae, 0xc0)), -1); /* 32-bit form */
	assert_int_equal(C->gpr[RAX], 0x5678abcdull);
	/* WRGSBASE: non-canonical -> #GP(0); 32-bit form zero-extends */
	assert_int_equal(run_rax(0x0000800000000000ull, CODE(0xf3, 0x48, 0x0f, 0xae, 0xd8)), VEC_GP);
	assert_int_equal(run_rax(0xffffffff80001000ull, CODE(0xf3, 0x48, 0x0f, 0xae, 0xd8)), -1);
	assert_int_equal(C->seg[SEG_GS].base, 0xffffffff80001000ull);
	assert_int_equal(run_rax(0xffffffff80001000ull, CODE(0xf3, 0x0f, 0xae, 0xd0)), -1);
	assert_int_equal(C->seg[SEG_FS].base, 0x80001000ull);
	/* compatibility mode: #UD even with CR4.FSGSBASE */
	C->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	cpu_update_mode(C);
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x0f, 0xae, 0xc0)), VEC_UD);
}

/* --- UD0/UD1/UD2 --- */
static void test_ud(void **s)
{
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x0b)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xb9, 0xc0)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xff, 0xc0)), VEC_UD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpl3_gp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_ia32e, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_pdptes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_pdpte_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr8_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clts_lmsw_smsw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lldt_ltr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_la57_bases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invpcid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hlt_monitor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdtsc_rdrand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdpmc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xcr0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapgs_fsgsbase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ud, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
