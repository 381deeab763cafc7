/* cpu/exec_string.c: MOVS CMPS SCAS LODS STOS with REP/REPE/REPNE, and XLAT
 * (SDM Vol.2 "MOVS/MOVSB/MOVSW/MOVSD/MOVSQ—Move Data From String to String",
 * "CMPS...", "SCAS...", "LODS...", "STOS...", "REP/REPE/REPZ/REPNE/REPNZ—
 * Repeat String Operation Prefix", "XLAT/XLATB—Table Look-up Translation").
 *
 * The source is seg:rSI (seg = DS or the override, i->seg); the destination
 * is always ES:rDI. rSI/rDI/rCX are SI/ESI/RSI... by the address size, and
 * step by the element size, down if RFLAGS.DF is set.
 *
 * A REP instruction runs at most STR_CHUNK iterations per call; each
 * iteration commits rSI/rDI/rCX before the next can fault, so a fault leaves
 * a restartable state (SDM Vol.1 "Repeat string operations" and Vol.3A
 * "Interrupts and repeated string instructions"). When iterations remain,
 * next_rip = rip so the step loop executes the instruction again (letting
 * interrupts in between chunks). */
#include "cpu/exec_alu.h"

#define STR_CHUNK 4096

enum str_op { STR_MOVS, STR_CMPS, STR_SCAS, STR_LODS, STR_STOS };

/* advance an index register (rSI or rDI) by one element, with the address size */
static always_inline void str_step(struct cpu *c, const struct insn *i, unsigned r, unsigned size)
{
	u64 d = (c->rflags & RFLAGS_DF) ? (u64)0 - size : size;

	reg_write(c, r, i->asize, c->gpr[r] + d);
}

/* One iteration. Everything that can fault happens before the index
 * registers move. */
static always_inline void str_once(struct cpu *c, const struct insn *i, enum str_op op,
				   unsigned size)
{
	u64 am = addr_mask(i);
	u64 a, b;

	switch (op) {
	case STR_MOVS:
		a = cpu_read(c, i->seg, c->gpr[RSI] & am, size);
		cpu_write(c, SEG_ES, c->gpr[RDI] & am, size, a);
		str_step(c, i, RSI, size);
		str_step(c, i, RDI, size);
		break;
	case STR_CMPS:
		/* SDM: compares (SRC1 = seg:rSI) - (SRC2 = ES:rDI) */
		a = cpu_read(c, i->seg, c->gpr[RSI] & am, size);
		b = cpu_read(c, SEG_ES, c->gpr[RDI] & am, size);
		flags_lazy(c, LAZY_SUB, size, a, b, (a - b) & size_mask(size), 0);
		str_step(c, i, RSI, size);
		str_step(c, i, RDI, size);
		break;
	case STR_SCAS:
		a = c->gpr[RAX] & size_mask(size);
		b = cpu_read(c, SEG_ES, c->gpr[RDI] & am, size);
		flags_lazy(c, LAZY_SUB, size, a, b, (a - b) & size_mask(size), 0);
		str_step(c, i, RDI, size);
		break;
	case STR_LODS:
		a = cpu_read(c, i->seg, c->gpr[RSI] & am, size);
		reg_write(c, RAX, size, a);
		str_step(c, i, RSI, size);
		break;
	case STR_STOS:
		cpu_write(c, SEG_ES, c->gpr[RDI] & am, size, c->gpr[RAX]);
		str_step(c, i, RDI, size);
		break;
	}
}

static always_inline void string_op(struct cpu *c, const struct insn *i, enum str_op op,
				    unsigned size)
{
	bool cond = op == STR_CMPS || op == STR_SCAS;
	unsigned n;

	if (!i->rep) {
		str_once(c, i, op, size);
		return;
	}
	for (n = 0; (c->gpr[RCX] & addr_mask(i)) != 0; n++) {
		if (n == STR_CHUNK) {
			c->next_rip = c->rip; /* more to do: come back */
			return;
		}
		str_once(c, i, op, size);
		reg_write(c, RCX, i->asize, c->gpr[RCX] - 1);
		/* REPE stops when ZF = 0, REPNE when ZF = 1 (CMPS/SCAS only; for
		 * the others F2 repeats like F3) */
		if (cond && flags_zf(c) != (i->rep == PFX_REP))
			return;
	}
}

#define STR_HANDLERS(name, op)                                                        \
	void exec_##name##b(struct cpu *c, const struct insn *i) { string_op(c, i, op, 1); } \
	void exec_##name##w(struct cpu *c, const struct insn *i) { string_op(c, i, op, 2); } \
	void exec_##name##q(struct cpu *c, const struct insn *i) { string_op(c, i, op, 8); } \
	static void name##_d(struct cpu *c, const struct insn *i) { string_op(c, i, op, 4); }
STR_HANDLERS(movs, STR_MOVS)
STR_HANDLERS(cmps, STR_CMPS)
STR_HANDLERS(scas, STR_SCAS)
STR_HANDLERS(lods, STR_LODS)
STR_HANDLERS(stos, STR_STOS)
#undef STR_HANDLERS

void exec_scasd(struct cpu *c, const struct insn *i) { scas_d(c, i); }
void exec_lodsd(struct cpu *c, const struct insn *i) { lods_d(c, i); }
void exec_stosd(struct cpu *c, const struct insn *i) { stos_d(c, i); }

/* Zydis names the SSE2 MOVSD/CMPSD (which have explicit operands) like the
 * dword string instructions (which have none). The SSE forms go to their
 * executor if one is linked in, else #UD. */
extern insn_fn exec_sse_movsd __attribute__((weak));
extern insn_fn exec_sse_cmpsd __attribute__((weak));

void exec_movsd(struct cpu *c, const struct insn *i)
{
	if (likely(i->nops == 0))
		movs_d(c, i);
	else if (exec_sse_movsd)
		exec_sse_movsd(c, i);
	else
		cpu_ud(c);
}

void exec_cmpsd(struct cpu *c, const struct insn *i)
{
	if (likely(i->nops == 0))
		cmps_d(c, i);
	else if (exec_sse_cmpsd)
		exec_sse_cmpsd(c, i);
	else
		cpu_ud(c);
}

/* XLAT: AL := [seg:rBX + ZeroExtend(AL)], address-size wrap */
void exec_xlat(struct cpu *c, const struct insn *i)
{
	u64 off = (c->gpr[RBX] + (c->gpr[RAX] & 0xff)) & addr_mask(i);

	reg_write(c, RAX, 1, cpu_read(c, i->seg, off, 1));
}
