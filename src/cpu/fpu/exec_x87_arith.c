/* cpu/fpu/exec_x87_arith.c: x87 arithmetic, comparison and transcendental
 * instructions (SDM Vol.1 "x87 FPU Instruction Set"; Vol.2 pages). The
 * arithmetic itself is done by the host unit (cpu/fpu/fpu_host.h); this file
 * picks operands, applies the stack-fault and unmasked-exception rules and
 * commits the result. */
#include "cpu/fault.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mem.h"
#include "cpu/fpu/x87.h"

/* Memory source of an arithmetic or compare instruction: m32fp/m64fp, or
 * m16int/m32int for the FI* forms. */
static struct f80 mem_source(struct cpu *c, const struct insn *i, unsigned n, bool intmem,
			     u16 *exc)
{
	if (intmem)
		return x87_read_int(c, i, i->op[n].size);
	return x87_read_real(c, i, i->op[n].size, exc);
}

/* dst <- dst op src (rev: src op dst), pop afterwards for the P forms.
 * Forms: op m32fp/m64fp/m16int/m32int (ST(0) is dst); ST(0), ST(i);
 * ST(i), ST(0); the P forms ST(i), ST(0) (ST(1), ST(0) with no operand). */
static void arith(struct cpu *c, const struct insn *i, enum hx87_op op, bool rev, bool pop,
		  bool intmem)
{
	unsigned dst = 0, src = 1;
	u16 exc = 0, sw = 0;
	struct f80 x, y, r = F80_INDEFINITE;
	struct hx87 s = { 0 };

	x87_prologue(c, i, X87_DATA);
	if (i->nops && i->op[0].kind == OPK_MEM) {
		y = mem_source(c, i, 0, intmem, &exc);
		x = x87_get(c, 0, &exc);
	} else {
		if (i->nops >= 2) {
			dst = i->op[0].reg;
			src = i->op[1].reg;
		} else if (i->nops == 1) {
			src = i->op[0].reg;
		} else {
			dst = 1;
			src = 0;
		}
		x = x87_get(c, dst, &exc);
		y = x87_get(c, src, &exc);
	}
	/* a masked stack underflow produces the indefinite */
	if (!(exc & FSW_SF)) {
		s.a = rev ? y : x;
		s.b = rev ? x : y;
		sw = hx87_run(op, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
		r = s.r0;
	}
	if (!x87_blocked(c, exc, X87_PRE)) {
		x87_put(c, dst, r);
		if (pop)
			x87_pop(c);
	}
	/* C1: round-up indicator (0 on stack underflow); C0 C2 C3 undefined */
	x87_status(c, i, exc, FSW_C1, sw);
}

#define ARITH(name, op, rev, pop, intmem)                                                       \
	void exec_##name(struct cpu *c, const struct insn *i) { arith(c, i, op, rev, pop, intmem); }
ARITH(fadd, HX_ADD, false, false, false)
ARITH(faddp, HX_ADD, false, true, false)
ARITH(fiadd, HX_ADD, false, false, true)
ARITH(fsub, HX_SUB, false, false, false)
ARITH(fsubp, HX_SUB, false, true, false)
ARITH(fisub, HX_SUB, false, false, true)
ARITH(fsubr, HX_SUB, true, false, false)
ARITH(fsubrp, HX_SUB, true, true, false)
ARITH(fisubr, HX_SUB, true, false, true)
ARITH(fmul, HX_MUL, false, false, false)
ARITH(fmulp, HX_MUL, false, true, false)
ARITH(fimul, HX_MUL, false, false, true)
ARITH(fdiv, HX_DIV, false, false, false)
ARITH(fdivp, HX_DIV, false, true, false)
ARITH(fidiv, HX_DIV, false, false, true)
ARITH(fdivr, HX_DIV, true, false, false)
ARITH(fdivrp, HX_DIV, true, true, false)
ARITH(fidivr, HX_DIV, true, false, true)
#undef ARITH

/* Compare ST(0) with the last operand (ST(1) when there is none), set
 * C3 C2 C0 (or ZF PF CF for FCOMI/FUCOMI, clearing OF SF AF), pop `pops`
 * times. Unordered on a stack underflow. SDM Vol.2 FCOM/FUCOM/FCOMI/FICOM:
 * with an unmasked IE the condition codes are not set and nothing pops. */
static void compare(struct cpu *c, const struct insn *i, enum hx87_op op, int pops,
		    bool intmem, bool eflags)
{
	const struct opnd *o = i->nops ? &i->op[i->nops - 1] : NULL;
	u16 exc = 0, cc = FSW_C3 | FSW_C2 | FSW_C0;
	struct hx87 s = { 0 };

	x87_prologue(c, i, X87_DATA);
	if (o && o->kind == OPK_MEM)
		s.b = mem_source(c, i, i->nops - 1, intmem, &exc);
	else
		s.b = x87_get(c, o ? o->reg : 1, &exc);
	s.a = x87_get(c, 0, &exc);
	if (!(exc & FSW_SF)) {
		u16 sw = hx87_run(op, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
		cc = sw & (FSW_C3 | FSW_C2 | FSW_C0);
	}
	if (x87_blocked(c, exc, X87_PRE)) {
		x87_status(c, i, exc, FSW_C1, 0);
		return;
	}
	if (eflags) {
		/* FCOMI: ZF PF CF <- C3 C2 C0; OF SF AF cleared; C1 <- 0 */
		flags_set(c, RFLAGS_ARITH,
			  ((cc & FSW_C3) ? RFLAGS_ZF : 0) | ((cc & FSW_C2) ? RFLAGS_PF : 0) |
			  ((cc & FSW_C0) ? RFLAGS_CF : 0));
		x87_status(c, i, exc, FSW_C1, 0);
	} else {
		x87_status(c, i, exc, FSW_CC, cc);
	}
	while (pops-- > 0)
		x87_pop(c);
}

#define COMPARE(name, op, pops, intmem, eflags)                                                  \
	void exec_##name(struct cpu *c, const struct insn *i)                                   \
	{                                                                                       \
		compare(c, i, op, pops, intmem, eflags);                                        \
	}
COMPARE(fcom, HX_COM, 0, false, false)
COMPARE(fcomp, HX_COM, 1, false, false)
COMPARE(fcompp, HX_COM, 2, false, false)
COMPARE(fucom, HX_UCOM, 0, false, false)
COMPARE(fucomp, HX_UCOM, 1, false, false)
COMPARE(fucompp, HX_UCOM, 2, false, false)
COMPARE(ficom, HX_COM, 0, true, false)
COMPARE(ficomp, HX_COM, 1, true, false)
COMPARE(fcomi, HX_COM, 0, false, true)
COMPARE(fcomip, HX_COM, 1, false, true)
COMPARE(fucomi, HX_UCOM, 0, false, true)
COMPARE(fucomip, HX_UCOM, 1, false, true)
#undef COMPARE

/* FTST: compare ST(0) with 0.0 */
void exec_ftst(struct cpu *c, const struct insn *i)
{
	u16 exc = 0, cc = FSW_C3 | FSW_C2 | FSW_C0;
	struct hx87 s = { 0 };

	x87_prologue(c, i, X87_DATA);
	s.a = x87_get(c, 0, &exc);
	if (!(exc & FSW_SF)) {
		u16 sw = hx87_run(HX_TST, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
		cc = sw & (FSW_C3 | FSW_C2 | FSW_C0);
	}
	if (x87_blocked(c, exc, X87_PRE))
		x87_status(c, i, exc, FSW_C1, 0);
	else
		x87_status(c, i, exc, FSW_CC, cc);
}

/* ST(0) <- f(ST(0)) or f(ST(0), ST(1)); cc_mask names the condition codes
 * the instruction defines (FSIN/FCOS: C2 = operand out of range, ST(0)
 * unchanged; FPREM/FPREM1: C2 = incomplete, C0 C3 C1 = quotient bits). */
static void to_st0(struct cpu *c, const struct insn *i, enum hx87_op op, bool binary,
		   u16 cc_mask)
{
	u16 exc = 0, sw = 0;
	struct hx87 s = { 0 };
	struct f80 r = F80_INDEFINITE;

	x87_prologue(c, i, X87_DATA);
	s.a = x87_get(c, 0, &exc);
	if (binary)
		s.b = x87_get(c, 1, &exc);
	if (!(exc & FSW_SF)) {
		sw = hx87_run(op, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
		r = s.r0;
	}
	if (!x87_blocked(c, exc, X87_PRE))
		x87_put(c, 0, r);
	x87_status(c, i, exc, cc_mask, sw);
}

void exec_fsqrt(struct cpu *c, const struct insn *i) { to_st0(c, i, HX_SQRT, false, FSW_C1); }
void exec_frndint(struct cpu *c, const struct insn *i) { to_st0(c, i, HX_RNDINT, false, FSW_C1); }
void exec_f2xm1(struct cpu *c, const struct insn *i) { to_st0(c, i, HX_F2XM1, false, FSW_C1); }
void exec_fsin(struct cpu *c, const struct insn *i)
{
	to_st0(c, i, HX_SIN, false, FSW_C1 | FSW_C2);
}
void exec_fcos(struct cpu *c, const struct insn *i)
{
	to_st0(c, i, HX_COS, false, FSW_C1 | FSW_C2);
}
void exec_fscale(struct cpu *c, const struct insn *i) { to_st0(c, i, HX_SCALE, true, FSW_C1); }
void exec_fprem(struct cpu *c, const struct insn *i) { to_st0(c, i, HX_PREM, true, FSW_CC); }
void exec_fprem1(struct cpu *c, const struct insn *i) { to_st0(c, i, HX_PREM1, true, FSW_CC); }

/* ST(1) <- f(ST(0), ST(1)), then pop: FYL2X, FYL2XP1, FPATAN */
static void to_st1_pop(struct cpu *c, const struct insn *i, enum hx87_op op)
{
	u16 exc = 0, sw = 0;
	struct hx87 s = { 0 };
	struct f80 r = F80_INDEFINITE;

	x87_prologue(c, i, X87_DATA);
	s.a = x87_get(c, 0, &exc);
	s.b = x87_get(c, 1, &exc);
	if (!(exc & FSW_SF)) {
		sw = hx87_run(op, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
		r = s.r0;
	}
	if (!x87_blocked(c, exc, X87_PRE)) {
		x87_put(c, 1, r);
		x87_pop(c);
	}
	x87_status(c, i, exc, FSW_C1, sw);
}

void exec_fyl2x(struct cpu *c, const struct insn *i) { to_st1_pop(c, i, HX_YL2X); }
void exec_fyl2xp1(struct cpu *c, const struct insn *i) { to_st1_pop(c, i, HX_YL2XP1); }
void exec_fpatan(struct cpu *c, const struct insn *i) { to_st1_pop(c, i, HX_PATAN); }

/* ST(0) <- r1, then push r0: FPTAN (tan, 1.0), FSINCOS (sin, cos),
 * FXTRACT (exponent, significand). FPTAN/FSINCOS with |ST(0)| >= 2^63 set
 * C2 and change nothing else. A full stack is a stack overflow; masked, both
 * results are the indefinite.
 * XXX(sdm): the masked-overflow results are our choice; the SDM pages only
 * say "#IS Stack underflow or overflow occurred". */
static void push_pair(struct cpu *c, const struct insn *i, enum hx87_op op, u16 cc_mask)
{
	u16 exc = 0, sw = 0;
	struct hx87 s = { 0 };
	struct f80 r0 = F80_INDEFINITE, r1 = F80_INDEFINITE;

	x87_prologue(c, i, X87_DATA);
	s.a = x87_get(c, 0, &exc);
	if (!(exc & FSW_SF)) {
		sw = hx87_run(op, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
		if (op != HX_XTRACT && (sw & FSW_C2)) {
			x87_status(c, i, exc, cc_mask, sw);
			return;
		}
		r0 = s.r0;
		r1 = s.r1;
	}
	if (!x87_empty(c, 7)) {
		exc |= X87_OVERFLOW;
		r0 = r1 = F80_INDEFINITE;
	}
	if (!x87_blocked(c, exc, X87_PRE)) {
		x87_put(c, 0, r1);
		x87_push(c, r0);
	}
	x87_status(c, i, exc, cc_mask, sw);
}

void exec_fptan(struct cpu *c, const struct insn *i) { push_pair(c, i, HX_PTAN, FSW_C1 | FSW_C2); }
void exec_fsincos(struct cpu *c, const struct insn *i)
{
	push_pair(c, i, HX_SINCOS, FSW_C1 | FSW_C2);
}
void exec_fxtract(struct cpu *c, const struct insn *i) { push_pair(c, i, HX_XTRACT, FSW_C1); }
