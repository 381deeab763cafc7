/* cpu/x87.h: private helpers shared by the x87, FXSAVE and SSE executors
 * (exec_x87.c, exec_x87_arith.c, exec_fxsave.c, exec_sse.c). Not an
 * interface for the rest of the CPU. */
#ifndef NESTBOX_CPU_X87_H
#define NESTBOX_CPU_X87_H

#include "cpu/cpu.h"
#include "cpu/fpu_host.h"
#include "cpu/insn.h"

/* --- the register stack (SDM Vol.1 "x87 FPU Data Registers") --- */
static inline unsigned x87_top(const struct cpu *c)
{
	return (c->fpu.fsw >> FSW_TOP_SHIFT) & 7;
}

static inline void x87_set_top(struct cpu *c, unsigned top)
{
	c->fpu.fsw = (u16)((c->fpu.fsw & ~FSW_TOP) | ((top & 7) << FSW_TOP_SHIFT));
}

/* physical register number of ST(i) */
static inline unsigned x87_phys(const struct cpu *c, unsigned i)
{
	return (x87_top(c) + i) & 7;
}

static inline unsigned x87_tag(const struct cpu *c, unsigned phys)
{
	return (c->fpu.ftw >> (2 * phys)) & 3;
}

static inline void x87_set_tag(struct cpu *c, unsigned phys, unsigned tag)
{
	c->fpu.ftw = (u16)((c->fpu.ftw & ~(3u << (2 * phys))) | (tag << (2 * phys)));
}

static inline bool x87_empty(const struct cpu *c, unsigned i)
{
	return x87_tag(c, x87_phys(c, i)) == TAG_EMPTY;
}

static inline struct f80 *x87_st(struct cpu *c, unsigned i)
{
	return &c->fpu.st[x87_phys(c, i)];
}

/* ST(i) <- v, marking the register in use (the exact tag is derived later) */
static inline void x87_put(struct cpu *c, unsigned i, struct f80 v)
{
	c->fpu.st[x87_phys(c, i)] = v;
	x87_set_tag(c, x87_phys(c, i), TAG_VALID);
}

static inline void x87_pop(struct cpu *c)
{
	x87_set_tag(c, x87_top(c), TAG_EMPTY);
	x87_set_top(c, x87_top(c) + 1);
}

static inline void x87_push(struct cpu *c, struct f80 v)
{
	x87_set_top(c, x87_top(c) - 1);
	x87_put(c, 0, v);
}

/* SDM Vol.1 "Indefinite": the real indefinite QNaN */
static const struct f80 F80_INDEFINITE = { 0xc000000000000000ull, 0xffff };

/* tag a register value would have (SDM Vol.1 "x87 FPU Tag Word") */
unsigned f80_tag(const struct f80 *v);

/* Stack faults (SDM Vol.1 "Stack Overflow or Underflow Exception (#IS)")
 * are reported in an exception word: IE|SF, plus C1 for overflow. */
#define X87_UNDERFLOW (FSW_IE | FSW_SF)
#define X87_OVERFLOW  (FSW_IE | FSW_SF | FSW_C1)

/* ST(i) as a source operand: an empty register reads as the indefinite and
 * records a stack underflow in *exc */
static inline struct f80 x87_get(struct cpu *c, unsigned i, u16 *exc)
{
	if (x87_empty(c, i)) {
		*exc |= X87_UNDERFLOW;
		return F80_INDEFINITE;
	}
	return *x87_st(c, i);
}

/* Unmasked exceptions among `which` in exc: an x87 result is not stored
 * (and TOP not changed) when one of IE, DE, ZE is unmasked (SDM Vol.1
 * "x87 FPU Exception Handling"); a memory store is also suppressed by an
 * unmasked OE or UE. */
#define X87_PRE  (FSW_IE | FSW_DE | FSW_ZE)
#define X87_POST (FSW_OE | FSW_UE)
static inline bool x87_blocked(const struct cpu *c, u16 exc, u16 which)
{
	return (exc & which & ~c->fpu.fcw & FSW_EXC) != 0;
}

/* --- instruction prologue --- */
enum x87_kind {
	X87_NOWAIT,  /* FNINIT FNCLEX FNSTSW FNSTCW FNSTENV FNSAVE: #NM only */
	X87_CONTROL, /* other control instructions: #NM, pending #MF */
	X87_DATA,    /* #NM, pending #MF, records FIP/FCS and FDP/FDS */
};
void x87_prologue(struct cpu *c, const struct insn *i, enum x87_kind k);

/* Merge an operation's status into FSW: exception flags are sticky (SF and
 * C1 from a stack fault in exc), C0..C3 under cc_mask take cc; then ES/B
 * are recomputed and FOP recorded if an unmasked exception is now pending. */
void x87_status(struct cpu *c, const struct insn *i, u16 exc, u16 cc_mask, u16 cc);
/* recompute FSW.ES and FSW.B from the flags and masks */
void x87_update_es(struct cpu *c);

/* FOP of this instruction: opcode bits 2:0 and ModR/M (SDM Vol.1 "x87 FPU
 * Last Instruction Opcode") */
u16 x87_fop(struct cpu *c, const struct insn *i);

/* memory operand value as an f80, converted with the host unit */
struct f80 x87_read_real(struct cpu *c, const struct insn *i, unsigned size, u16 *exc);
struct f80 x87_read_int(struct cpu *c, const struct insn *i, unsigned size);

/* FNINIT state (SDM Vol.2 FINIT "Operation") */
void x87_init_state(struct fpu *f);

/* --- SSE/MMX availability (SDM Vol.3A "Device Not Available Exception (#NM)"
 * and each SSE instruction's "Exceptions" table) --- */
void sse_prologue(struct cpu *c);
void mmx_prologue(struct cpu *c);

/* linear address of the memory operand (alignment checks) */
u64 x87_linear(const struct cpu *c, const struct insn *i, u64 off);

#endif
