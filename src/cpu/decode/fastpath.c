/* cpu/decode/fastpath.c: handlers specialised at decode time for the hottest
 * operand forms.
 *
 * The generic executors (exec_alu.c, exec_core.c...) look at operand kinds
 * and sizes on every execution. For the forms compiled code is made of —
 * ALU and MOV between 32/64-bit registers and immediates, loads and stores
 * through a base/index address in 64-bit mode, Jcc — the decoder picks one
 * of the handlers here instead, each fixed to its form, so the form is
 * decided once per decoded instruction rather than once per execution.
 *
 * Each handler does exactly what the generic handler does for its form
 * (the differential tier, which decodes and runs through the same path,
 * checks them against the host CPU). Anything unusual — a fault, an access
 * that crosses a page, MMIO, a data breakpoint, alignment checking — goes
 * through the generic memory functions, which apply every rule. */
#include "cpu/decode/fastpath.h"

#include <Zydis/Zydis.h>

#include "base/bits.h"
#include "cpu/exec/branch.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mem.h"

/* --- 64-bit-mode memory access fast path --------------------------------
 * In 64-bit mode DS/ES/SS/CS have base 0 and no limit ("Segmentation in
 * IA-32e Mode"), so the linear address is the effective address. A TLB hit
 * implies a canonical page (cpu/memory/mmu.c never fills a non-canonical one). The
 * fast path needs: a hit with the access right for this CPL, RAM behind it,
 * the access within the page, no data breakpoints armed and RFLAGS.AC clear
 * (so no #AC can apply). Everything else takes cpu_read/cpu_write. */
/* 64-bit addressing: no truncation */
static always_inline u64 ea64(const struct cpu *c, const struct insn *i)
{
	return insn_ea_raw(c, i);
}

static always_inline bool fast_ok(const struct cpu *c, const struct tlb_entry *e, u64 lin,
				  unsigned size, unsigned acc)
{
	return e->tag == tlb_tag(c, lin) && e->host && (lin & 0xfff) <= 0x1000 - size &&
	       (e->perm & mem_need_perm(c, acc)) && !((c->rflags & RFLAGS_AC) | (c->dr[7] & 0xff));
}

static always_inline u64 fast_read_seg(struct cpu *c, unsigned seg, u64 lin, unsigned size)
{
	const struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];

	if (likely(fast_ok(c, e, lin, size, ACC_R)))
		return load_le(e->host + (lin & 0xfff), size);
	return cpu_read(c, seg, lin, size);
}

static always_inline void fast_write_seg(struct cpu *c, unsigned seg, u64 lin, unsigned size,
					 u64 v)
{
	const struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];

	/* pages holding decoded code have no write right in the TLB, so
	 * self-modifying stores take cpu_write and invalidate the cache */
	if (likely(fast_ok(c, e, lin, size, ACC_W)))
		store_le(e->host + (lin & 0xfff), size, v);
	else
		cpu_write(c, seg, lin, size, v);
}

static always_inline u64 fast_read(struct cpu *c, const struct insn *i, u64 lin, unsigned size)
{
	return fast_read_seg(c, i->seg, lin, size);
}

static always_inline void fast_write(struct cpu *c, const struct insn *i, u64 lin, unsigned size,
				     u64 v)
{
	fast_write_seg(c, i->seg, lin, size, v);
}

/* --- ALU: op dst, src with 32/64-bit register operands ------------------
 * Flags are recorded lazily exactly as exec_alu.c's alu_flags does. */
#define ALU_OPS(X) \
	X(add, a + b, LAZY_ADD, 1) \
	X(sub, a - b, LAZY_SUB, 1) \
	X(cmp, a - b, LAZY_SUB, 0) \
	X(and, a & b, LAZY_LOGIC, 1) \
	X(or, a | b, LAZY_LOGIC, 1) \
	X(xor, a ^ b, LAZY_LOGIC, 1) \
	X(test, a & b, LAZY_LOGIC, 0)

/* One handler: the source b is read before the destination a (so a memory
 * source faults before anything else, as in exec_alu.c's alu2_general), then
 * r = expr, the register destination written when `write`, and the flags
 * recorded lazily. */
#define ALU_FN(name, form, size, b_src, a_src, expr, lazy, write) \
	static void fp_##name##_##form##size(struct cpu *c, const struct insn *i) \
	{ \
		const u64 m = size_mask(size); \
		u64 b = (b_src) & m; \
		u64 a = (a_src) & m; \
		u64 r = (expr) & m; \
		if (write) \
			c->gpr[i->op[0].reg] = r; \
		flags_lazy(c, lazy, size, a, b, r, 0); \
	}
#define OPND_REG0 c->gpr[i->op[0].reg]
#define OPND_REG1 c->gpr[i->op[1].reg]
#define OPND_IMM i->imm
#define OPND_MEM(size) fast_read(c, i, ea64(c, i), size)

/* op r, r / op r, imm / op r, [mem] (64-bit mode) for size 4 and 8 */
#define ALU_FORMS(name, expr, lazy, write, size) \
	ALU_FN(name, rr, size, OPND_REG1, OPND_REG0, expr, lazy, write) \
	ALU_FN(name, ri, size, OPND_IMM, OPND_REG0, expr, lazy, write) \
	ALU_FN(name, rm, size, OPND_MEM(size), OPND_REG0, expr, lazy, write)
#define ALU_BOTH(name, expr, lazy, write) \
	ALU_FORMS(name, expr, lazy, write, 4) ALU_FORMS(name, expr, lazy, write, 8)
ALU_OPS(ALU_BOTH)
#undef ALU_BOTH
#undef ALU_FORMS

/* cmp/test [mem], imm and cmp/test [mem], r: read-only memory first operand */
#define ALU_MEM_FIRST(name, expr, lazy, size) \
	ALU_FN(name, mi, size, OPND_IMM, OPND_MEM(size), expr, lazy, 0) \
	ALU_FN(name, mr, size, OPND_REG1, OPND_MEM(size), expr, lazy, 0)
ALU_MEM_FIRST(cmp, a - b, LAZY_SUB, 1) ALU_MEM_FIRST(cmp, a - b, LAZY_SUB, 4)
ALU_MEM_FIRST(cmp, a - b, LAZY_SUB, 8)
ALU_MEM_FIRST(test, a & b, LAZY_LOGIC, 1) ALU_MEM_FIRST(test, a & b, LAZY_LOGIC, 4)
ALU_MEM_FIRST(test, a & b, LAZY_LOGIC, 8)
#undef ALU_MEM_FIRST
#undef OPND_REG0
#undef OPND_REG1
#undef OPND_IMM
#undef OPND_MEM
#undef ALU_FN

/* --- one-operand register forms ------------------------------------------ */
#define UNARY_FORMS(size) \
	static void fp_neg_r##size(struct cpu *c, const struct insn *i) \
	{ \
		u64 a = c->gpr[i->op[0].reg] & size_mask(size); \
		u64 r = (0 - a) & size_mask(size); \
		c->gpr[i->op[0].reg] = r; \
		flags_lazy(c, LAZY_SUB, size, 0, a, r, 0); \
	} \
	static void fp_not_r##size(struct cpu *c, const struct insn *i) \
	{ \
		c->gpr[i->op[0].reg] = ~c->gpr[i->op[0].reg] & size_mask(size); \
	}
UNARY_FORMS(4) UNARY_FORMS(8)
#undef UNARY_FORMS

/* INC/DEC r: CF is kept (SDM "INC"/"DEC"), recorded as the lazy carry-in */
#define INCDEC_FORMS(size) \
	static void fp_inc_r##size(struct cpu *c, const struct insn *i) \
	{ \
		u64 a = c->gpr[i->op[0].reg] & size_mask(size); \
		u64 r = (a + 1) & size_mask(size); \
		u8 cf = flags_cf(c); \
		c->gpr[i->op[0].reg] = r; \
		flags_lazy(c, LAZY_INC, size, a, 1, r, cf); \
	} \
	static void fp_dec_r##size(struct cpu *c, const struct insn *i) \
	{ \
		u64 a = c->gpr[i->op[0].reg] & size_mask(size); \
		u64 r = (a - 1) & size_mask(size); \
		u8 cf = flags_cf(c); \
		c->gpr[i->op[0].reg] = r; \
		flags_lazy(c, LAZY_DEC, size, a, 1, r, cf); \
	}
INCDEC_FORMS(4) INCDEC_FORMS(8)
#undef INCDEC_FORMS

/* MOVZX/MOVSX r32/r64, r8 (not AH-BH) / r16 and MOVSXD r64, r32 */
#define EXT_FORM(name, from, expr) \
	static void fp_##name##_rr##from(struct cpu *c, const struct insn *i) \
	{ \
		u64 v = c->gpr[i->op[1].reg] & size_mask(from); \
		c->gpr[i->op[0].reg] = (expr) & size_mask(i->op[0].size); \
	}
EXT_FORM(movzx, 1, v) EXT_FORM(movzx, 2, v)
EXT_FORM(movsx, 1, sext(v, 8)) EXT_FORM(movsx, 2, sext(v, 16)) EXT_FORM(movsx, 4, sext(v, 32))
#undef EXT_FORM

/* SHR/SHL r, imm (or by 1) with a non-zero masked count: the flags of
 * exec_shift.c (flags_shift) */
#define SHIFT_FORMS(size) \
	static void fp_shr_ri##size(struct cpu *c, const struct insn *i) \
	{ \
		unsigned n = i->op[1].kind == OPK_IMM ? (unsigned)i->imm : 1; \
		u64 a = c->gpr[i->op[0].reg] & size_mask(size), r; \
		n &= size == 8 ? 63 : 31; \
		if (n == 0) { \
			c->gpr[i->op[0].reg] = a; \
			return; \
		} \
		r = a >> n; \
		c->gpr[i->op[0].reg] = r; \
		flags_shift(c, r, size, (a >> (n - 1)) & 1, ((r ^ (r << 1)) >> (size * 8 - 1)) & 1); \
	} \
	static void fp_shl_ri##size(struct cpu *c, const struct insn *i) \
	{ \
		unsigned n = i->op[1].kind == OPK_IMM ? (unsigned)i->imm : 1; \
		u64 a = c->gpr[i->op[0].reg] & size_mask(size), r, cf; \
		n &= size == 8 ? 63 : 31; \
		if (n == 0) { \
			c->gpr[i->op[0].reg] = a; \
			return; \
		} \
		r = (a << n) & size_mask(size); \
		cf = (a >> (size * 8 - n)) & 1; \
		c->gpr[i->op[0].reg] = r; \
		flags_shift(c, r, size, cf, ((r >> (size * 8 - 1)) & 1) ^ cf); \
	}
SHIFT_FORMS(4) SHIFT_FORMS(8)
#undef SHIFT_FORMS

/* --- MOV ------------------------------------------------------------------ */
#define MOV_REG_FORMS(size) \
	static void fp_mov_rr##size(struct cpu *c, const struct insn *i) \
	{ \
		c->gpr[i->op[0].reg] = c->gpr[i->op[1].reg] & size_mask(size); \
	} \
	static void fp_mov_ri##size(struct cpu *c, const struct insn *i) \
	{ \
		c->gpr[i->op[0].reg] = i->imm & size_mask(size); \
	} \
	static void fp_mov_rm##size(struct cpu *c, const struct insn *i) \
	{ \
		c->gpr[i->op[0].reg] = fast_read(c, i, ea64(c, i), size); \
	}
MOV_REG_FORMS(4) MOV_REG_FORMS(8)
#undef MOV_REG_FORMS

#define MOV_STORE_FORMS(size) \
	static void fp_mov_mr##size(struct cpu *c, const struct insn *i) \
	{ \
		fast_write(c, i, ea64(c, i), size, c->gpr[i->op[1].reg]); \
	} \
	static void fp_mov_mi##size(struct cpu *c, const struct insn *i) \
	{ \
		fast_write(c, i, ea64(c, i), size, i->imm); \
	}
MOV_STORE_FORMS(1) MOV_STORE_FORMS(2) MOV_STORE_FORMS(4) MOV_STORE_FORMS(8)
#undef MOV_STORE_FORMS

/* MOVZX r32/r64, byte/word [mem] */
static void fp_movzx_rm1(struct cpu *c, const struct insn *i)
{
	c->gpr[i->op[0].reg] = fast_read(c, i, ea64(c, i), 1);
}

static void fp_movzx_rm2(struct cpu *c, const struct insn *i)
{
	c->gpr[i->op[0].reg] = fast_read(c, i, ea64(c, i), 2);
}

/* LEA r32/r64 (64-bit addressing): the offset, truncated to the operand size */
static void fp_lea4(struct cpu *c, const struct insn *i)
{
	c->gpr[i->op[0].reg] = (u32)ea64(c, i);
}

static void fp_lea8(struct cpu *c, const struct insn *i)
{
	c->gpr[i->op[0].reg] = ea64(c, i);
}

/* --- the stack in 64-bit mode (SS base 0, 64-bit stack pointer) ----------
 * SDM "PUSH"/"POP": RSP moves only once the access succeeded; POP RSP ends
 * with the popped value. "CALL"/"RET" (near): the target is checked for
 * canonical form before anything commits. */
static void fp_push_r8(struct cpu *c, const struct insn *i)
{
	u64 sp = c->gpr[RSP] - 8;

	fast_write_seg(c, SEG_SS, sp, 8, c->gpr[i->op[0].reg]);
	c->gpr[RSP] = sp;
}

static void fp_pop_r8(struct cpu *c, const struct insn *i)
{
	u64 v = fast_read_seg(c, SEG_SS, c->gpr[RSP], 8);

	c->gpr[RSP] += 8;
	c->gpr[i->op[0].reg] = v;
}

static void fp_call_rel8(struct cpu *c, const struct insn *i)
{
	u64 t = c->next_rip + i->imm, sp = c->gpr[RSP] - 8;

	check_target(c, t);
	fast_write_seg(c, SEG_SS, sp, 8, c->next_rip);
	c->gpr[RSP] = sp;
	c->next_rip = t;
}

static void fp_ret8(struct cpu *c, const struct insn *i)
{
	u64 t = fast_read_seg(c, SEG_SS, c->gpr[RSP], 8);

	check_target(c, t);
	c->gpr[RSP] += 8;
	c->next_rip = t;
}

/* --- Jcc, one handler per condition so the test folds to a constant ---- */
#define JCC(cc) \
	static void fp_jcc_##cc(struct cpu *c, const struct insn *i) \
	{ \
		if (flags_cond(c, cc)) \
			branch_rel(c, i); \
	}
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
#undef JCC
static insn_fn *const jcc_table[16] = {
	fp_jcc_0, fp_jcc_1, fp_jcc_2, fp_jcc_3, fp_jcc_4, fp_jcc_5, fp_jcc_6, fp_jcc_7,
	fp_jcc_8, fp_jcc_9, fp_jcc_10, fp_jcc_11, fp_jcc_12, fp_jcc_13, fp_jcc_14, fp_jcc_15,
};

/* --- compare-and-branch pairs --------------------------------------------
 * The flag-setting instruction runs first (a fault there leaves RIP at it,
 * nothing counted), then the Jcc with RIP and the instruction count moved
 * past the first instruction, as if dispatched separately. */
static always_inline void fused(struct cpu *c, const struct insn *i, insn_fn *first, unsigned cc)
{
	u64 jcc_rip = c->rip + i->fused_len;

	c->next_rip = jcc_rip;
	first(c, i);
	if (unlikely(c->icount + 1 >= c->deadline || c->single))
		return; /* the Jcc becomes the next instruction on its own */
	c->rip = jcc_rip;
	c->icount++;
	c->next_rip = jcc_rip + (u8)(i->len - i->fused_len);
	if (flags_cond(c, cc)) {
		u64 t = c->next_rip + i->imm2;
		check_target(c, t); /* 64-bit mode: canonical */
		c->next_rip = t;
	}
	c->branches++; /* the Jcc retired (the pair carries no INSN_F_BRINSN) */
}

#define FUSABLE(X) \
	X(cmp_rr4) X(cmp_rr8) X(cmp_ri4) X(cmp_ri8) X(cmp_rm4) X(cmp_rm8) \
	X(cmp_mi1) X(cmp_mi4) X(cmp_mi8) X(sub_ri4) X(sub_ri8) X(sub_rr4) X(sub_rr8) \
	X(test_rr4) X(test_rr8) X(test_ri4) X(test_ri8) X(test_mi1) \
	X(add_ri4) X(add_ri8) X(and_ri4) X(and_ri8)
#define FUSED_CC(form, cc) \
	static void fz_##form##_##cc(struct cpu *c, const struct insn *i) \
	{ \
		fused(c, i, fp_##form, cc); \
	}
#define FUSED_FORM(form) \
	FUSED_CC(form, 0) FUSED_CC(form, 1) FUSED_CC(form, 2) FUSED_CC(form, 3) \
	FUSED_CC(form, 4) FUSED_CC(form, 5) FUSED_CC(form, 6) FUSED_CC(form, 7) \
	FUSED_CC(form, 8) FUSED_CC(form, 9) FUSED_CC(form, 10) FUSED_CC(form, 11) \
	FUSED_CC(form, 12) FUSED_CC(form, 13) FUSED_CC(form, 14) FUSED_CC(form, 15)
FUSABLE(FUSED_FORM)
#undef FUSED_FORM
#undef FUSED_CC

static const struct {
	insn_fn *first;
	insn_fn *pair[16];
} fuse_table[] = {
#define FUSE_ROW(form) \
	{ fp_##form, { fz_##form##_0, fz_##form##_1, fz_##form##_2, fz_##form##_3, \
		       fz_##form##_4, fz_##form##_5, fz_##form##_6, fz_##form##_7, \
		       fz_##form##_8, fz_##form##_9, fz_##form##_10, fz_##form##_11, \
		       fz_##form##_12, fz_##form##_13, fz_##form##_14, fz_##form##_15 } },
	FUSABLE(FUSE_ROW)
#undef FUSE_ROW
};

/* --- choosing a form ------------------------------------------------------ */
static bool is_gpr(const struct opnd *o, unsigned size)
{
	return o->kind == OPK_REG && o->reg < 16 && o->size == size;
}

static bool is_imm(const struct opnd *o)
{
	return o->kind == OPK_IMM && o->reg == 0;
}

/* a memory operand the 64-bit fast path can address: 64-bit addressing and
 * a segment with base 0 (FS/GS have bases) */
static bool is_mem64(const struct insn *in, const struct opnd *o, unsigned mode)
{
	return o->kind == OPK_MEM && mode == MODE_LONG64 && in->asize == 8 &&
	       in->seg != SEG_FS && in->seg != SEG_GS;
}

#define PICK(f4, f8) (sz == 4 ? (f4) : (f8))

static insn_fn *alu_form(const struct insn *in, unsigned mode, insn_fn *rr4, insn_fn *rr8,
			 insn_fn *ri4, insn_fn *ri8, insn_fn *rm4, insn_fn *rm8)
{
	const struct opnd *d = &in->op[0], *s = &in->op[1];
	unsigned sz = d->size;

	if (in->nops != 2 || (sz != 4 && sz != 8) || !is_gpr(d, sz))
		return NULL;
	if (is_gpr(s, sz))
		return PICK(rr4, rr8);
	if (is_imm(s))
		return PICK(ri4, ri8);
	if (s->size == sz && is_mem64(in, s, mode))
		return PICK(rm4, rm8);
	return NULL;
}

#define ALU_CASE(NAME, name) \
	case ZYDIS_MNEMONIC_##NAME: \
		return alu_form(in, mode, fp_##name##_rr4, fp_##name##_rr8, fp_##name##_ri4, \
				fp_##name##_ri8, fp_##name##_rm4, fp_##name##_rm8);

static insn_fn *mem_first_form(const struct insn *in, unsigned mode, insn_fn *const mi[3],
			       insn_fn *const mr[3])
{
	const struct opnd *d = &in->op[0], *s = &in->op[1];
	unsigned sz = d->size, k = sz == 1 ? 0 : sz == 4 ? 1 : sz == 8 ? 2 : 3;

	if (in->nops != 2 || k == 3 || !is_mem64(in, d, mode))
		return NULL;
	if (is_imm(s))
		return mi[k];
	if (is_gpr(s, sz))
		return mr[k];
	return NULL;
}

static insn_fn *mov_form(const struct insn *in, unsigned mode)
{
	static insn_fn *const store_r[] = { fp_mov_mr1, fp_mov_mr2, NULL, fp_mov_mr4,
					    NULL, NULL, NULL, fp_mov_mr8 };
	static insn_fn *const store_i[] = { fp_mov_mi1, fp_mov_mi2, NULL, fp_mov_mi4,
					    NULL, NULL, NULL, fp_mov_mi8 };
	const struct opnd *d = &in->op[0], *s = &in->op[1];
	unsigned sz = d->size;

	if (in->nops != 2 || sz == 0 || sz > 8)
		return NULL;
	if ((sz == 4 || sz == 8) && is_gpr(d, sz)) {
		if (is_gpr(s, sz))
			return PICK(fp_mov_rr4, fp_mov_rr8);
		if (is_imm(s))
			return PICK(fp_mov_ri4, fp_mov_ri8);
		if (s->size == sz && is_mem64(in, s, mode))
			return PICK(fp_mov_rm4, fp_mov_rm8);
		return NULL;
	}
	if (is_mem64(in, d, mode)) {
		/* byte registers 4-7 without REX are AH-BH (reg 16-19): generic */
		if (is_gpr(s, sz))
			return store_r[sz - 1];
		if (is_imm(s))
			return store_i[sz - 1];
	}
	return NULL;
}

static insn_fn *shift_form(const struct insn *in, insn_fn *f4, insn_fn *f8)
{
	const struct opnd *d = &in->op[0];
	unsigned sz = d->size;

	if ((sz != 4 && sz != 8) || !is_gpr(d, sz))
		return NULL;
	if (in->nops == 1 || (in->nops == 2 && is_imm(&in->op[1])))
		return PICK(f4, f8);
	return NULL; /* by CL */
}

static insn_fn *specialise(const struct insn *in, unsigned mode)
{
	static insn_fn *const cmp_mi[3] = { fp_cmp_mi1, fp_cmp_mi4, fp_cmp_mi8 };
	static insn_fn *const cmp_mr[3] = { fp_cmp_mr1, fp_cmp_mr4, fp_cmp_mr8 };
	static insn_fn *const test_mi[3] = { fp_test_mi1, fp_test_mi4, fp_test_mi8 };
	static insn_fn *const test_mr[3] = { fp_test_mr1, fp_test_mr4, fp_test_mr8 };
	const struct opnd *d = &in->op[0];
	unsigned sz = d->size;
	insn_fn *f;

	switch (in->mnemonic) {
	ALU_CASE(ADD, add)
	ALU_CASE(SUB, sub)
	ALU_CASE(AND, and)
	ALU_CASE(OR, or)
	ALU_CASE(XOR, xor)
	case ZYDIS_MNEMONIC_CMP:
		f = alu_form(in, mode, fp_cmp_rr4, fp_cmp_rr8, fp_cmp_ri4, fp_cmp_ri8, fp_cmp_rm4,
			     fp_cmp_rm8);
		return f ? f : mem_first_form(in, mode, cmp_mi, cmp_mr);
	case ZYDIS_MNEMONIC_TEST:
		/* TEST r, r/m is encoded with the memory operand first */
		f = alu_form(in, mode, fp_test_rr4, fp_test_rr8, fp_test_ri4, fp_test_ri8,
			     fp_test_rm4, fp_test_rm8);
		return f ? f : mem_first_form(in, mode, test_mi, test_mr);
	case ZYDIS_MNEMONIC_MOV:
		return mov_form(in, mode);
	case ZYDIS_MNEMONIC_MOVZX:
		if (in->nops != 2 || (sz != 4 && sz != 8) || !is_gpr(d, sz))
			return NULL;
		if (is_mem64(in, &in->op[1], mode))
			return in->op[1].size == 1 ? fp_movzx_rm1 :
			       in->op[1].size == 2 ? fp_movzx_rm2 : NULL;
		if (is_gpr(&in->op[1], in->op[1].size))
			return in->op[1].size == 1 ? fp_movzx_rr1 :
			       in->op[1].size == 2 ? fp_movzx_rr2 : NULL;
		return NULL;
	case ZYDIS_MNEMONIC_LEA:
		if (mode == MODE_LONG64 && in->asize == 8 && (sz == 4 || sz == 8) && is_gpr(d, sz))
			return PICK(fp_lea4, fp_lea8);
		return NULL;
	case ZYDIS_MNEMONIC_INC:
		return in->nops == 1 && (sz == 4 || sz == 8) && is_gpr(d, sz) ?
		       PICK(fp_inc_r4, fp_inc_r8) : NULL;
	case ZYDIS_MNEMONIC_DEC:
		return in->nops == 1 && (sz == 4 || sz == 8) && is_gpr(d, sz) ?
		       PICK(fp_dec_r4, fp_dec_r8) : NULL;
	case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD:
		if (in->nops != 2 || (sz != 4 && sz != 8) || !is_gpr(d, sz) ||
		    !is_gpr(&in->op[1], in->op[1].size) || in->op[1].size >= sz)
			return NULL;
		return in->op[1].size == 1 ? fp_movsx_rr1 :
		       in->op[1].size == 2 ? fp_movsx_rr2 : fp_movsx_rr4;
	case ZYDIS_MNEMONIC_NEG:
		return in->nops == 1 && (sz == 4 || sz == 8) && is_gpr(d, sz) ?
		       PICK(fp_neg_r4, fp_neg_r8) : NULL;
	case ZYDIS_MNEMONIC_NOT:
		return in->nops == 1 && (sz == 4 || sz == 8) && is_gpr(d, sz) ?
		       PICK(fp_not_r4, fp_not_r8) : NULL;
	case ZYDIS_MNEMONIC_SHR:
		return shift_form(in, fp_shr_ri4, fp_shr_ri8);
	case ZYDIS_MNEMONIC_SHL:
		return shift_form(in, fp_shl_ri4, fp_shl_ri8);
	case ZYDIS_MNEMONIC_PUSH:
		return mode == MODE_LONG64 && in->nops == 1 && in->osize == 8 && is_gpr(d, 8) ?
		       fp_push_r8 : NULL;
	case ZYDIS_MNEMONIC_POP:
		return mode == MODE_LONG64 && in->nops == 1 && in->osize == 8 && is_gpr(d, 8) ?
		       fp_pop_r8 : NULL;
	case ZYDIS_MNEMONIC_CALL:
		return mode == MODE_LONG64 && !(in->flags & INSN_F_FAR) && in->nops == 1 &&
		       in->osize == 8 && is_imm(d) ? fp_call_rel8 : NULL;
	case ZYDIS_MNEMONIC_RET:
		return mode == MODE_LONG64 && !(in->flags & INSN_F_FAR) && in->nops == 0 &&
		       in->osize == 8 ? fp_ret8 : NULL;
	case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JL:
	case ZYDIS_MNEMONIC_JLE: case ZYDIS_MNEMONIC_JNB: case ZYDIS_MNEMONIC_JNBE:
	case ZYDIS_MNEMONIC_JNL: case ZYDIS_MNEMONIC_JNLE: case ZYDIS_MNEMONIC_JNO:
	case ZYDIS_MNEMONIC_JNP: case ZYDIS_MNEMONIC_JNS: case ZYDIS_MNEMONIC_JNZ:
	case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JP: case ZYDIS_MNEMONIC_JS:
	case ZYDIS_MNEMONIC_JZ:
		return jcc_table[in->cc & 15];
	default:
		return NULL;
	}
}

static bool is_jcc(const struct insn *in)
{
	for (unsigned k = 0; k < 16; k++)
		if (in->fn == jcc_table[k])
			return true;
	return false;
}

bool insn_fuse(struct insn *prev, const struct insn *jcc, unsigned mode)
{
	if (mode != MODE_LONG64 || prev->fused_len || !is_jcc(jcc) || jcc->osize != 8 ||
	    prev->len + jcc->len > 0xff)
		return false;
	for (size_t k = 0; k < ARRAY_SIZE(fuse_table); k++) {
		if (prev->fn == fuse_table[k].first) {
			prev->fn = fuse_table[k].pair[jcc->cc & 15];
			prev->fused_len = prev->len;
			prev->len = (u8)(prev->len + jcc->len);
			prev->imm2 = jcc->imm;
			prev->flags |= INSN_F_JUMPS;
			return true;
		}
	}
	return false;
}

void insn_specialise(struct insn *in, unsigned mode)
{
	insn_fn *f = specialise(in, mode);

	if (f)
		in->fn = f;
}
