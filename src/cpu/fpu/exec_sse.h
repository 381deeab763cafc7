/* cpu/fpu/exec_sse.h: private helpers shared by the SSE/MMX executors
 * (cpu/exec_sse*.c). Not an interface for the rest of the CPU. */
#ifndef NESTBOX_CPU_EXEC_SSE_H
#define NESTBOX_CPU_EXEC_SSE_H

#include <string.h>

#include "cpu/fault.h"
#include "cpu/decode/insn.h"
#include "cpu/model.h"
#include "cpu/fpu/x87.h"

struct v128 {
	u64 q[2];
};

/* byte/element views of a 128-bit value */
static inline u64 v_get(const struct v128 *v, unsigned k, unsigned es)
{
	return load_le((const u8 *)v->q + k * es, es);
}

static inline void v_put(struct v128 *v, unsigned k, unsigned es, u64 x)
{
	store_le((u8 *)v->q + k * es, es, x);
}

/* #UD unless the CPU model advertises feature f (SDM Vol.2A "CPUID—CPU
 * Identification": an instruction of an absent extension is #UD) */
static inline void sse_need(struct cpu *c, enum cpu_feature f)
{
	if (!cpu_has(c->model, f))
		cpu_ud(c);
}

bool sse_is_mmx(const struct insn *i);
/* #UD/#NM (and for MMX forms #MF and the tag-word effect); returns the
 * register width in bytes: 8 for MMX forms, 16 for XMM forms */
unsigned vec_prologue(struct cpu *c, const struct insn *i);
/* operand n: XMM registers in full, MMX registers and GPRs in q[0], memory
 * as `size` bytes (16-byte memory operands #GP(0) unless 16-aligned when
 * `align`: SDM Vol.1 "Data Alignment") */
struct v128 vread(struct cpu *c, const struct insn *i, unsigned n, unsigned size, bool align);
void vwrite(struct cpu *c, const struct insn *i, unsigned n, unsigned size, bool align,
	    struct v128 v);
/* #AC(0) for a misaligned 16-byte access of an unaligned-form instruction
 * when alignment checking is on (CPL 3, CR0.AM, RFLAGS.AC) */
void sse_check_ac16(struct cpu *c, u64 lin);
/* an MMX register write (bits 79:64 become ones); completes the MMX
 * instruction's x87 transition (mmx_commit) */
void mmx_set(struct cpu *c, unsigned r, u64 v);
/* an MMX instruction completed: TOP = 0, every tag valid */
void mmx_commit(struct cpu *c);
/* XMM register n of operand k */
static inline u64 *xmm_of(struct cpu *c, const struct insn *i, unsigned k)
{
	return c->fpu.xmm[i->op[k].reg & 15];
}

/* Merge SIMD floating-point exception flags `exc` into MXCSR and raise #XM
 * (or #UD with CR4.OSXMMEXCPT = 0) for an unmasked one (SDM Vol.1 "SIMD
 * Floating-Point Exception Conditions"). `tiny`: a computed result element
 * is denormal (underflow is signalled for exact tiny results when UM = 0). */
void sse_exceptions(struct cpu *c, u32 exc, bool tiny);
/* merge flags the caller combined itself; #XM/#UD for an unmasked one */
void sse_raise(struct cpu *c, u32 exc);

/* --- the host SSE unit (cpu/fpu/exec_sse_host.c) --- */
enum sse_hop {
#define HOP(name, cnt, text) SH_##name,
#include "cpu/fpu/sse_host_ops.def"
#undef HOP
	SH_NR
};

struct sse_hargs {
	u64 a[2];   /* xmm0: destination / first source */
	u64 b[2];   /* xmm1: second source */
	u64 gpr;    /* rax: integer source or result */
	u64 rflags; /* after the instruction (COMIS*) */
	u32 mxcsr;  /* in: host MXCSR to run under */
	u32 mxcsr_out;
};

/* Run op (immediate imm, where the op has one) under the guest MXCSR (RC,
 * DAZ, FZ apply; exceptions masked on the host); returns MXCSR bits 5:0. */
u32 sse_host(enum sse_hop op, unsigned imm, u32 guest_mxcsr, struct sse_hargs *h);

#endif
