/* cpu/exec/exec_alu.c: two-operand arithmetic and logic, INC/DEC/NEG/NOT,
 * CMOVcc/SETcc, MOVZX/MOVSX/MOVSXD, the accumulator conversions and the
 * flag-bit instructions (SDM Vol.2 "Instruction Set Reference").
 *
 * A memory destination is read once and written once (SDM Vol.3A "Locked
 * Atomic Operations": with one logical processor a LOCKed read-modify-write
 * is this read/write pair with nothing in between). Flags are recorded only
 * after the last access that can fault. */
#include "cpu/exec/exec_alu.h"

enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

static always_inline u64 alu_compute(enum alu_op op, u64 a, u64 b, u8 cin)
{
	switch (op) {
	case ALU_ADD: return a + b;
	case ALU_ADC: return a + b + cin;
	case ALU_SUB: case ALU_CMP: return a - b;
	case ALU_SBB: return a - b - cin;
	case ALU_AND: case ALU_TEST: return a & b;
	case ALU_OR: return a | b;
	default: return a ^ b;
	}
}

static always_inline void alu_flags(struct cpu *c, enum alu_op op, unsigned size, u64 a, u64 b,
				    u64 r, u8 cin)
{
	switch (op) {
	case ALU_ADD: flags_lazy(c, LAZY_ADD, size, a, b, r, 0); break;
	case ALU_ADC: flags_lazy(c, LAZY_ADC, size, a, b, r, cin); break;
	case ALU_SUB: case ALU_CMP: flags_lazy(c, LAZY_SUB, size, a, b, r, 0); break;
	case ALU_SBB: flags_lazy(c, LAZY_SBB, size, a, b, r, cin); break;
	default: flags_lazy(c, LAZY_LOGIC, size, a, b, r, 0); break;
	}
}

/* The general form: any operand kinds. The source is read first, then the
 * destination (with write intent when it is memory and gets written).
 * The immediate of "op r/m, imm8" is already sign-extended by the decoder
 * (SDM Vol.2A "ADD—Add": "imm8 sign-extended"). */
static void alu2_general(struct cpu *c, const struct insn *i, const enum alu_op op)
{
	const struct opnd *d = &i->op[0];
	unsigned size = d->size;
	u64 m = size_mask(size);
	u64 b = (i->op[1].kind == OPK_IMM ? i->imm : opnd_get(c, i, 1)) & m;
	u8 cin = (op == ALU_ADC || op == ALU_SBB) ? flags_cf(c) : 0;
	u64 a, r;

	if (d->kind == OPK_REG)
		a = reg_read(c, d->reg, size);
	else if (op == ALU_CMP || op == ALU_TEST)
		a = op_read(c, i, 0);
	else
		a = mem_read_rmw(c, i->seg, insn_ea(c, i), size);
	r = alu_compute(op, a, b, cin) & m;
	if (op != ALU_CMP && op != ALU_TEST)
		opnd_put(c, i, 0, r);
	alu_flags(c, op, size, a, b, r, cin);
}

#define ALU_GENERAL(name, op) \
	static __attribute__((noinline)) void name##_general(struct cpu *c, const struct insn *i) \
	{ alu2_general(c, i, op); }
ALU_GENERAL(add, ALU_ADD) ALU_GENERAL(or, ALU_OR) ALU_GENERAL(adc, ALU_ADC)
ALU_GENERAL(sbb, ALU_SBB) ALU_GENERAL(and, ALU_AND) ALU_GENERAL(sub, ALU_SUB)
ALU_GENERAL(xor, ALU_XOR) ALU_GENERAL(cmp, ALU_CMP) ALU_GENERAL(test, ALU_TEST)
#undef ALU_GENERAL

/* The hot path: a low-byte/word/dword/qword register destination and a
 * register (not AH-BH) or immediate source, read straight from c->gpr. */
static always_inline bool alu2_fast(struct cpu *c, const struct insn *i, const enum alu_op op)
{
	const struct opnd *d = &i->op[0], *s = &i->op[1];
	unsigned size = d->size;
	u64 m, a, b, r;
	u8 cin = 0;

	if (unlikely(d->kind != OPK_REG || d->reg >= 16))
		return false;
	if (s->kind == OPK_IMM)
		b = i->imm;
	else if (likely(s->kind == OPK_REG && s->reg < 16))
		b = c->gpr[s->reg];
	else
		return false;
	m = size_mask(size);
	b &= m;
	a = c->gpr[d->reg] & m;
	if (op == ALU_ADC || op == ALU_SBB)
		cin = flags_cf(c);
	r = alu_compute(op, a, b, cin) & m;
	if (op != ALU_CMP && op != ALU_TEST)
		reg_write(c, d->reg, size, r);
	alu_flags(c, op, size, a, b, r, cin);
	return true;
}

#define ALU_HANDLER(name, op)                                       \
	void exec_##name(struct cpu *c, const struct insn *i)       \
	{                                                           \
		if (!alu2_fast(c, i, op))                           \
			name##_general(c, i);                       \
	}
ALU_HANDLER(add, ALU_ADD) ALU_HANDLER(or, ALU_OR) ALU_HANDLER(adc, ALU_ADC)
ALU_HANDLER(sbb, ALU_SBB) ALU_HANDLER(and, ALU_AND) ALU_HANDLER(sub, ALU_SUB)
ALU_HANDLER(xor, ALU_XOR) ALU_HANDLER(cmp, ALU_CMP) ALU_HANDLER(test, ALU_TEST)
#undef ALU_HANDLER

/* SDM Vol.2A "INC—Increment by 1" / "DEC—Decrement by 1": CF is not
 * affected; the other five arithmetic flags follow the result. */
static always_inline void incdec(struct cpu *c, const struct insn *i, int delta)
{
	const struct opnd *d = &i->op[0];
	unsigned size = d->size;
	u64 a, r;
	u8 cf;

	if (likely(d->kind == OPK_REG)) {
		a = reg_read(c, d->reg, size);
		r = (a + (u64)(i64)delta) & size_mask(size);
		reg_write(c, d->reg, size, r);
	} else {
		a = opnd_get_rmw(c, i, 0);
		r = (a + (u64)(i64)delta) & size_mask(size);
		opnd_put(c, i, 0, r);
	}
	cf = flags_cf(c);
	flags_lazy(c, delta > 0 ? LAZY_INC : LAZY_DEC, size, a, 1, r, cf);
}

void exec_inc(struct cpu *c, const struct insn *i) { incdec(c, i, 1); }
void exec_dec(struct cpu *c, const struct insn *i) { incdec(c, i, -1); }

/* SDM Vol.2B "NEG—Two's Complement Negation": flags as for 0 - DEST, so CF
 * is set unless the operand is 0. */
void exec_neg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 a = opnd_get_rmw(c, i, 0);
	u64 r = (0 - a) & size_mask(size);

	opnd_put(c, i, 0, r);
	flags_lazy(c, LAZY_SUB, size, 0, a, r, 0);
}

/* SDM Vol.2B "NOT—One's Complement Negation": no flags. */
void exec_not(struct cpu *c, const struct insn *i)
{
	opnd_put(c, i, 0, ~opnd_get_rmw(c, i, 0));
}

/* --- CMOVcc / SETcc: one handler per condition (the cc is a constant) --- */

/* SDM Vol.2A "CMOVcc—Conditional Move": the source is read whatever the
 * condition (a memory source may fault); in 64-bit mode a 32-bit destination
 * register is zero-extended even when the condition is false. */
static always_inline void cmovcc(struct cpu *c, const struct insn *i, unsigned cc)
{
	const struct opnd *d = &i->op[0];
	u64 v = opnd_get(c, i, 1);

	if (flags_cond(c, cc))
		reg_write(c, d->reg, d->size, v);
	else if (d->size == 4)
		c->gpr[d->reg] = (u32)c->gpr[d->reg];
}

/* SDM Vol.2B "SETcc—Set Byte on Condition" */
static always_inline void setcc(struct cpu *c, const struct insn *i, unsigned cc)
{
	opnd_put(c, i, 0, flags_cond(c, cc) ? 1 : 0);
}

#define CC_LIST(X) \
	X(o, 0) X(no, 1) X(b, 2) X(nb, 3) X(z, 4) X(nz, 5) X(be, 6) X(nbe, 7) \
	X(s, 8) X(ns, 9) X(p, 10) X(np, 11) X(l, 12) X(nl, 13) X(le, 14) X(nle, 15)
#define CC_HANDLERS(name, cc) \
	void exec_cmov##name(struct cpu *c, const struct insn *i) { cmovcc(c, i, cc); } \
	void exec_set##name(struct cpu *c, const struct insn *i) { setcc(c, i, cc); }
CC_LIST(CC_HANDLERS)
#undef CC_HANDLERS
#undef CC_LIST

/* --- moves with extension --- */

/* SDM Vol.2B "MOVZX—Move With Zero-Extend" */
void exec_movzx(struct cpu *c, const struct insn *i)
{
	opnd_put(c, i, 0, opnd_get(c, i, 1));
}

/* SDM Vol.2B "MOVSX/MOVSXD—Move With Sign-Extension". MOVSXD with a 16- or
 * 32-bit operand size is a plain move of that size (the operand sizes the
 * decoder reports already say so). */
void exec_movsx(struct cpu *c, const struct insn *i)
{
	u64 v = opnd_get(c, i, 1);

	opnd_put(c, i, 0, sext(v, i->op[1].size * 8));
}

void exec_movsxd(struct cpu *c, const struct insn *i)
{
	exec_movsx(c, i);
}

/* --- accumulator conversions (SDM Vol.2A "CBW/CWDE/CDQE" and "CWD/CDQ/CQO") --- */

void exec_cbw(struct cpu *c, const struct insn *i)
{
	reg_write(c, RAX, 2, sext(c->gpr[RAX], 8));
}

void exec_cwde(struct cpu *c, const struct insn *i)
{
	reg_write(c, RAX, 4, sext(c->gpr[RAX], 16));
}

void exec_cdqe(struct cpu *c, const struct insn *i)
{
	c->gpr[RAX] = sext(c->gpr[RAX], 32);
}

static void sign_into_rdx(struct cpu *c, unsigned size)
{
	u64 top = (c->gpr[RAX] & sign_bit(size)) ? ~0ull : 0;

	reg_write(c, RDX, size, top);
}

void exec_cwd(struct cpu *c, const struct insn *i) { sign_into_rdx(c, 2); }
void exec_cdq(struct cpu *c, const struct insn *i) { sign_into_rdx(c, 4); }
void exec_cqo(struct cpu *c, const struct insn *i) { sign_into_rdx(c, 8); }

/* --- flag-bit instructions --- */

void exec_clc(struct cpu *c, const struct insn *i) { flags_set(c, RFLAGS_CF, 0); }
void exec_stc(struct cpu *c, const struct insn *i) { flags_set(c, RFLAGS_CF, RFLAGS_CF); }

void exec_cmc(struct cpu *c, const struct insn *i)
{
	flags_set(c, RFLAGS_CF, flags_cf(c) ? 0 : RFLAGS_CF);
}

/* DF is not an arithmetic flag: it always lives in c->rflags. */
void exec_cld(struct cpu *c, const struct insn *i) { c->rflags &= ~RFLAGS_DF; }
void exec_std(struct cpu *c, const struct insn *i) { c->rflags |= RFLAGS_DF; }

/* SDM Vol.2A "LAHF—Load Status Flags Into AH Register": AH := SF:ZF:0:AF:0:PF:1:CF.
 * In 64-bit mode valid only if CPUID.80000001H:ECX.LAHF-SAHF[bit 0] = 1. */
void exec_lahf(struct cpu *c, const struct insn *i)
{
	u64 f;

	if (cpu_is_long64(c))
		need_feature(c, FEAT_lahf_lm);
	f = cpu_rflags(c) & (RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF);
	reg_write(c, 16 + 0, 1, f | RFLAGS_FIXED);
}

/* SDM Vol.2B "SAHF—Store AH Into Flags": SF ZF AF PF CF := AH bits 7 6 4 2 0 */
void exec_sahf(struct cpu *c, const struct insn *i)
{
	const u64 mask = RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF;

	if (cpu_is_long64(c))
		need_feature(c, FEAT_lahf_lm);
	flags_set(c, mask, (c->gpr[RAX] >> 8) & mask);
}

/* SALC (D6, undocumented by Intel, "SETALC"): AL := CF ? FFH : 00H; no flags. */
void exec_salc(struct cpu *c, const struct insn *i)
{
	reg_write(c, RAX, 1, flags_cf(c) ? 0xff : 0);
}
