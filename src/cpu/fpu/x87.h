/* cpu/fpu/x87.h: private helpers shared by the x87, FXSAVE and SSE executors
 * (exec_x87.c, exec_x87_arith.c, exec_fxsave.c, exec_sse.c). Not an
 * interface for the rest of the CPU. */
#ifndef NESTBOX_CPU_X87_H
#define NESTBOX_CPU_X87_H

#include "cpu/cpu.h"
#include "cpu/fault.h"
#include "cpu/fpu/fpu_host.h"
#include "cpu/decode/insn.h"

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

/* --- availability rules (SDM Vol.3A "Device Not Available Exception (#NM)",
 * table "Action Taken By x87 FPU Instructions for Different Combinations of
 * EM, MP, and TS", and each instruction's "Exceptions" table). Small
 * helpers for every executor that touches x87/MMX/SSE/XSAVE state:
 *   x87_check_nm(c)  x87 instruction (also FXSAVE/FXRSTOR): #NM if CR0.EM
 *                    or CR0.TS
 *   wait_check_nm(c) WAIT/FWAIT: #NM only if CR0.MP and CR0.TS
 *   mmx_check(c)     MMX: #UD if CR0.EM; #NM if CR0.TS; pending x87 #MF
 *   sse_check(c)     SSE..SSE4.2: #UD if CR0.EM or CR4.OSFXSR = 0 (#UD has
 *                    priority); #NM if CR0.TS
 *   xsave_check(c)   XSAVE family: #UD if CR4.OSXSAVE = 0 (CR4.OSXSAVE is
 *                    only settable when CPUID advertises XSAVE); #NM if
 *                    CR0.TS (CR0.EM does not matter)
 * sse_prologue()/mmx_prologue() are the forms the SSE executors call. */
static inline void x87_check_nm(struct cpu *c)
{
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_fault(c, VEC_NM, 0);
}

static inline void wait_check_nm(struct cpu *c)
{
	if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		cpu_fault(c, VEC_NM, 0);
}

/* SDM Vol.1 "x87 FPU Exception Synchronization": a waiting instruction
 * delivers a pending unmasked x87 exception as #MF when CR0.NE = 1 */
static inline void x87_check_mf(struct cpu *c)
{
	if ((c->fpu.fsw & FSW_ES) && (c->cr0 & CR0_NE))
		cpu_fault(c, VEC_MF, 0);
}

static inline void mmx_check(struct cpu *c)
{
	if (c->cr0 & CR0_EM)
		cpu_ud(c);
	if (c->cr0 & CR0_TS)
		cpu_fault(c, VEC_NM, 0);
	x87_check_mf(c);
}

/* SDM Vol.1 "MMX Instructions and the x87 FPU Tag Word": an MMX
 * instruction (not EMMS) sets TOP to 0 and every tag to valid; call after
 * the instruction's memory accesses succeeded */
static inline void mmx_enter(struct cpu *c)
{
	c->fpu.fsw &= (u16)~FSW_TOP;
	c->fpu.ftw = 0;
}

static inline void sse_check(struct cpu *c)
{
	if ((c->cr0 & CR0_EM) || !(c->cr4 & CR4_OSFXSR))
		cpu_ud(c);
	if (c->cr0 & CR0_TS)
		cpu_fault(c, VEC_NM, 0);
}

static inline void xsave_check(struct cpu *c)
{
	if (!(c->cr4 & CR4_OSXSAVE))
		cpu_ud(c);
	if (c->cr0 & CR0_TS)
		cpu_fault(c, VEC_NM, 0);
}

static inline void sse_prologue(struct cpu *c) { sse_check(c); }

/* mmx_check, then the tag-word effect (before the memory operand is read:
 * prefer mmx_check + mmx_enter after the accesses) */
static inline void mmx_prologue(struct cpu *c)
{
	mmx_check(c);
	mmx_enter(c);
}

/* --- the FXSAVE image (exec_fxsave.c), also the XSAVE legacy region --- */
#define FX_ST  32  /* ST0..ST7, 16 bytes each */
#define FX_XMM 160 /* XMM0..XMM15, 16 bytes each */
/* x87 state: bytes 23:0 and 159:32 (REX.W: 64-bit FIP/FDP, no selectors) */
void fx_store_x87(const struct cpu *c, u8 *b, bool rex_w);
void fx_load_x87(struct cpu *c, const u8 *b, bool rex_w);
/* XMM0..XMM(n-1) at bytes 160.. */
void fx_store_xmm(const struct cpu *c, u8 *b, unsigned n);
void fx_load_xmm(struct cpu *c, const u8 *b, unsigned n);

/* XINUSE (SDM Vol.1 "Processor Tracking of XSAVE-Managed State"), computed
 * from the registers: bit 0 = x87 state not in its initial configuration,
 * bit 1 = an XMM register is not zero (exec_xsave.c) */
u64 xsave_xinuse(const struct cpu *c);

/* linear address of the memory operand (alignment checks) */
u64 x87_linear(const struct cpu *c, const struct insn *i, u64 off);

#endif
