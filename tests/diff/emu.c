/* tests/diff/emu.c: the same instruction in nestbox's CPU, at CPL 3 in
 * 64-bit mode, with the user-visible state of a Linux process: CS=0x33,
 * SS=0x2b, null DS/ES/FS/GS, IOPL 0, no I/O bitmap, IDT gates DPL 0 except
 * #BP/#OF (DPL 3, as Linux has them).
 *
 * Guest linear layout (4-level paging, 4 KiB pages, one page table):
 *   DIFF_CODE_VA            -> PA 0x20000   user code page
 *   DIFF_GUARD_LO           not present
 *   DIFF_DATA_VA (2 pages)  -> PA 0x21000   user scratch data
 *   DIFF_GUARD_HI           not present
 *   K_GDT/K_IDT/K_TSS/K_VEC/K_STACK  supervisor-only pages (below)
 * A fault is delivered through the IDT to K_VEC + 16 * vector, so the
 * vector, error code and interrupted state are read back architecturally
 * from the handler address and the interrupt stack frame. */
#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/step.h"
#include "machine/machine.h"

#include "diff.h"

#define PA_PML4  0x1000ull
#define PA_PDPT  0x2000ull
#define PA_PD    0x3000ull
#define PA_PT    0x4000ull
#define PA_KERN  0x10000ull /* GDT, IDT, TSS, vectors, stack: 6 pages */
#define PA_CODE  0x20000ull
#define PA_DATA  0x21000ull

#define K_BASE   (DIFF_CODE_VA + 0x100000) /* linear base of the kernel pages */
#define K_GDT    (K_BASE + 0x0000)
#define K_IDT    (K_BASE + 0x1000)
#define K_TSS    (K_BASE + 0x2000)
#define K_VEC    (K_BASE + 0x3000)
#define K_STACK  (K_BASE + 0x6000) /* top; pages 0x4000-0x5fff */
#define K_PAGES  6
#define K_PA(lin) (PA_KERN + ((lin) - K_BASE))

#define SEL_KCODE 0x10
#define SEL_UCODE 0x33
#define SEL_UDATA 0x2b
#define SEL_TSS   0x40

static struct machine emu_m;
static struct cpu *emu_c;
static bool emu_ready;

static u8 *ram(u64 pa, u64 len) { return physmem_ram_ptr(&emu_m.mem, pa, len); }

static void put64(u64 pa, u64 v) { store_le64(ram(pa, 8), v); }

/* PTE index in the one page table that maps [DIFF_CODE_VA, +2 MiB) */
static void map_page(u64 lin, u64 pa, u64 flags)
{
	put64(PA_PT + 8 * ((lin - DIFF_CODE_VA) >> 12), pa | flags);
}

static void build_tables(void)
{
	/* SDM Vol.3A "4-Level Paging and 5-Level Paging": PML4E/PDPTE/PDE grant
	 * user+write so the PTE decides */
	put64(PA_PML4 + 8 * ((DIFF_CODE_VA >> 39) & 511), PA_PDPT | PTE_P | PTE_W | PTE_U);
	put64(PA_PDPT + 8 * ((DIFF_CODE_VA >> 30) & 511), PA_PD | PTE_P | PTE_W | PTE_U);
	put64(PA_PD + 8 * ((DIFF_CODE_VA >> 21) & 511), PA_PT | PTE_P | PTE_W | PTE_U);
	map_page(DIFF_CODE_VA, PA_CODE, PTE_P | PTE_W | PTE_U); /* RWX, as on the host */
	for (u64 k = 0; k < DIFF_DATA_SIZE / DIFF_PAGE; k++)
		map_page(DIFF_DATA_VA + k * DIFF_PAGE, PA_DATA + k * DIFF_PAGE,
			 PTE_P | PTE_W | PTE_U);
	for (u64 k = 0; k < K_PAGES; k++)
		map_page(K_BASE + k * DIFF_PAGE, PA_KERN + k * DIFF_PAGE, PTE_P | PTE_W);

	/* GDT laid out as Linux's (selectors 0x10, 0x2b, 0x33; TSS at 0x40) */
	put64(K_PA(K_GDT) + 0x10, 0x00af9b000000ffffull); /* kernel code 64 */
	put64(K_PA(K_GDT) + 0x18, 0x00cf93000000ffffull); /* kernel data */
	put64(K_PA(K_GDT) + 0x20, 0x00cffb000000ffffull); /* user code 32 */
	put64(K_PA(K_GDT) + 0x28, 0x00cff3000000ffffull); /* user data */
	put64(K_PA(K_GDT) + 0x30, 0x00affb000000ffffull); /* user code 64 */
	u64 tss = K_TSS;
	put64(K_PA(K_GDT) + SEL_TSS, 0x67 | ((tss & 0xffffff) << 16) | (0x8bull << 40) |
					     ((tss >> 24 & 0xff) << 56));
	put64(K_PA(K_GDT) + SEL_TSS + 8, tss >> 32);
	/* 64-bit TSS: RSP0 at offset 4; I/O map base at 0x66 beyond the limit */
	put64(K_PA(K_TSS) + 4, K_STACK);
	store_le16(ram(K_PA(K_TSS) + 0x66, 2), 0x68);

	/* SDM Vol.3A "64-Bit Mode IDT": interrupt gates to K_VEC + 16 v */
	for (u64 v = 0; v < 256; v++) {
		u64 target = K_VEC + 16 * v;
		u64 dpl = (v == 3 || v == 4) ? 3 : 0;
		u64 lo = (target & 0xffff) | ((u64)SEL_KCODE << 16) | ((0x8eull | dpl << 5) << 40) |
			 ((target >> 16 & 0xffff) << 48);
		put64(K_PA(K_IDT) + 16 * v, lo);
		put64(K_PA(K_IDT) + 16 * v + 8, target >> 32);
		*ram(K_PA(K_VEC) + 16 * v, 1) = 0xf4; /* hlt, never executed */
	}
}

int emu_init(char *err, unsigned errlen)
{
	struct machine_config cfg = { 0 };
	cfg.ram_size = 4ull << 20;
	cfg.smp = 1;
	cfg.cpu_spec = "max";
	cfg.debug_exit_port = 0xf4;
	if (machine_init(&emu_m, &cfg) < 0) {
		snprintf(err, errlen, "machine_init failed");
		return -1;
	}
	emu_c = emu_m.cpus[0];
	build_tables();
	emu_ready = true;
	return 0;
}

/* does the "max" model advertise what form feature `feat` needs? */
bool emu_has(unsigned feat)
{
	static const int map[FT_NR] = {
		[FT_NONE] = -1, [FT_LZCNT] = FEAT_abm, [FT_POPCNT] = FEAT_popcnt,
		[FT_BMI1] = FEAT_bmi1, [FT_BMI2] = FEAT_bmi2, [FT_ADX] = FEAT_adx,
		[FT_MOVBE] = FEAT_movbe, [FT_CX16] = FEAT_cx16, [FT_SSE42] = FEAT_sse4_2,
		[FT_MMX] = FEAT_mmx, [FT_SSE3] = FEAT_sse3, [FT_SSSE3] = FEAT_ssse3,
		[FT_SSE41] = FEAT_sse4_1,
	};
	if (feat >= FT_NR || map[feat] < 0)
		return true;
	return cpu_has(&emu_m.model, (enum cpu_feature)map[feat]);
}

void emu_free(void)
{
	if (emu_ready)
		machine_free(&emu_m);
	emu_ready = false;
}

/* CPL 3, 64-bit mode, the state a Linux process runs in */
static void reset_cpu(struct cpu *c, const struct diff_case *k)
{
	c->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG; /* as Linux */
	c->cr2 = 0;
	c->cr3 = PA_PML4;
	c->cr4 = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	c->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	c->gdtr = (struct dtr){ K_GDT, 0x4f };
	c->idtr = (struct dtr){ K_IDT, 0xfff };
	c->seg[SEG_CS] = (struct seg_cache){ SEL_UCODE, 0xffffffff, 0, 0xa0fb };
	c->seg[SEG_SS] = (struct seg_cache){ SEL_UDATA, 0xffffffff, 0, 0xc0f3 };
	c->seg[SEG_DS] = c->seg[SEG_ES] = (struct seg_cache){ 0, 0, 0, AR_UNUSABLE };
	c->seg[SEG_FS] = c->seg[SEG_GS] = (struct seg_cache){ 0, 0, 0, AR_UNUSABLE };
	c->seg[SEG_TR] = (struct seg_cache){ SEL_TSS, 0x67, K_TSS, 0x8b };
	c->seg[SEG_LDTR] = (struct seg_cache){ 0, 0, 0, AR_UNUSABLE };
	memcpy(c->gpr, k->in.gpr, sizeof(c->gpr));
	c->rip = c->next_rip = diff_insn_va(k);
	cpu_set_rflags(c, k->in.rflags);
	c->activity = ACT_ACTIVE;
	c->shadow = 0;
	c->in_event = 0;
	c->pending_db = 0;
	c->dr[7] = DR7_FIXED1;
	/* the SIMD state as the trampoline leaves it: MXCSR, XMM0-15, and
	 * MM0-7 loaded by MMX moves (TOP = 0, every tag valid, bits 79:64 of
	 * each register ones: SDM Vol.1 "MMX Registers") */
	memcpy(c->fpu.xmm, k->in.xmm, sizeof(c->fpu.xmm));
	c->fpu.mxcsr = k->in.mxcsr;
	c->fpu.fcw = 0x37f;
	c->fpu.fsw = 0;
	c->fpu.ftw = 0;
	for (int r = 0; r < 8; r++) {
		c->fpu.st[r].mant = k->in.mm[r];
		c->fpu.st[r].se = 0xffff;
	}
	cpu_update_mode(c);
}

void emu_run(const struct diff_case *k, struct diff_out *out)
{
	struct cpu *c = emu_c;
	u8 *code = ram(PA_CODE, DIFF_PAGE), *data = ram(PA_DATA, DIFF_DATA_SIZE);

	/* fresh code and data; tell the decoded-instruction cache */
	diff_code_page(k, code, 0, 0);
	physmem_note_write(&emu_m.mem, PA_CODE, DIFF_PAGE);
	diff_fill(k, data);
	physmem_note_write(&emu_m.mem, PA_DATA, DIFF_DATA_SIZE);
	reset_cpu(c, k);

	cpu_step(c);

	memset(out, 0, sizeof(*out) - sizeof(out->mem));
	memcpy(out->mem, data, DIFF_DATA_SIZE);
	memcpy(out->r.gpr, c->gpr, sizeof(c->gpr));
	out->r.rflags = cpu_rflags(c);
	memcpy(out->r.xmm, c->fpu.xmm, sizeof(out->r.xmm));
	for (int r = 0; r < 8; r++)
		out->r.mm[r] = c->fpu.st[r].mant;
	out->r.mxcsr = c->fpu.mxcsr;
	out->vec = DIFF_NO_FAULT;
	out->rip = c->rip;
	if (c->activity == ACT_SHUTDOWN) {
		out->vec = 0xfe; /* triple fault: no host equivalent */
		return;
	}
	if (c->rip < K_VEC || c->rip >= K_VEC + 16 * 256)
		return;
	/* an event was delivered: SDM Vol.3A "IA-32e Mode Interrupt or
	 * Exception Handling" frame: [err] RIP CS RFLAGS RSP SS */
	out->vec = (u8)((c->rip - K_VEC) / 16);
	u64 sp = c->gpr[RSP];
	if (sp < K_BASE + 0x4000 || sp > K_STACK - 40) {
		out->vec = 0xfd; /* frame not where the TSS says: report as such */
		return;
	}
	const u8 *f = ram(K_PA(sp), K_STACK - sp);
	if (K_STACK - sp == 48) {
		out->err = (u32)load_le64(f);
		f += 8;
	}
	out->rip = load_le64(f);
	out->r.rflags = load_le64(f + 16);
	out->r.gpr[RSP] = load_le64(f + 24);
	out->cr2 = out->vec == 14 ? c->cr2 : 0;
}
