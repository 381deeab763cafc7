/* cpu/fpu/exec_sse.c: the shared part of the MMX/SSE..SSE4.2 executors
 * (operand access for MMX/XMM registers and memory, alignment, the SIMD
 * floating-point exception rules) and the data-movement instructions
 * (SDM Vol.1 "Programming with Intel SSE", "... SSE2"; Vol.2 pages).
 * The rest: exec_sse_fp.c (floating point, on the host SSE unit through
 * exec_sse_host.c), exec_sse_int.c (packed integer), exec_sse_shuf.c
 * (rearrangement, inserts/extracts, special moves), exec_sse_str.c
 * (SSE4.2 string compares). MMX register forms share the code (SDM Vol.1
 * "Programming with Intel MMX Technology"). */
#include "cpu/fpu/exec_sse.h"
#include "cpu/memory/mem.h"
#include "cpu/fpu/sse.h"

bool sse_is_mmx(const struct insn *i)
{
	for (unsigned k = 0; k < i->nops; k++)
		if (i->op[k].kind == OPK_MMX)
			return true;
	return false;
}

/* #UD/#NM (and for MMX forms #MF and the tag-word effect) */
/* SDM Vol.1 "MMX Instructions and the x87 FPU Tag Word": executing an MMX
 * instruction sets TOP to 0 and every tag valid. A faulting instruction has
 * not executed, so here only mmx_prologue()'s checks (#UD, #NM, #MF) take
 * effect; its tag-word/TOP change is undone and redone by mmx_commit() when
 * the instruction completes (vwrite(), mmx_set(), or explicitly). */
unsigned vec_prologue(struct cpu *c, const struct insn *i)
{
	if (sse_is_mmx(i)) {
		u16 fsw = c->fpu.fsw, ftw = c->fpu.ftw;
		mmx_prologue(c);
		c->fpu.fsw = fsw;
		c->fpu.ftw = ftw;
		return 8;
	}
	sse_prologue(c);
	return 16;
}

/* SDM Vol.1 "Data Alignment": legacy-SSE 128-bit memory operands must be
 * 16-byte aligned (#GP(0)) except for the explicitly unaligned forms
 * (MOVUPS, MOVDQU, LDDQU, PCMPxSTRx...), which raise #AC(0) instead when
 * alignment checking is on at CPL 3 (their "Exceptions" tables; measured on
 * the host), after the segment checks. */
static u64 mem_ea(struct cpu *c, const struct insn *i, unsigned size, bool align, unsigned acc)
{
	u64 ea = insn_ea(c, i);
	if (size != 16)
		return ea;
	if (align && (x87_linear(c, i, ea) & 15))
		cpu_gp0(c);
	if (!align)
		sse_check_ac16(c, seg_check(c, i->seg, ea, 16, acc));
	return ea;
}

void sse_check_ac16(struct cpu *c, u64 lin)
{
	if (c->cpl == 3 && (lin & 15) && (c->cr0 & CR0_AM) && (c->rflags & RFLAGS_AC))
		cpu_fault(c, VEC_AC, 0);
}

/* Operand n: XMM registers in full, MMX registers and GPRs in q[0], memory
 * as `size` bytes. */
struct v128 vread(struct cpu *c, const struct insn *i, unsigned n, unsigned size, bool align)
{
	const struct opnd *o = &i->op[n];
	struct v128 v = { { 0, 0 } };
	u8 b[16];
	u64 ea;

	switch (o->kind) {
	case OPK_XMM:
		v.q[0] = c->fpu.xmm[o->reg & 15][0];
		v.q[1] = c->fpu.xmm[o->reg & 15][1];
		break;
	case OPK_MMX:
		v.q[0] = c->fpu.st[o->reg & 7].mant;
		break;
	case OPK_REG:
		v.q[0] = reg_read(c, o->reg, size);
		break;
	case OPK_MEM:
		ea = mem_ea(c, i, size, align, ACC_R);
		if (size == 16) {
			cpu_read_bytes(c, i->seg, ea, b, 16);
			v.q[0] = load_le64(b);
			v.q[1] = load_le64(b + 8);
		} else {
			v.q[0] = cpu_read(c, i->seg, ea, size);
		}
		break;
	default:
		cpu_ud(c);
	}
	return v;
}

void mmx_commit(struct cpu *c)
{
	x87_set_top(c, 0);
	c->fpu.ftw = 0;
}

void mmx_set(struct cpu *c, unsigned r, u64 v)
{
	/* SDM Vol.1 "MMX Registers": a write sets bits 79:64 to ones */
	c->fpu.st[r & 7].mant = v;
	c->fpu.st[r & 7].se = 0xffff;
	mmx_commit(c);
}

/* store `size` bytes of v to operand n (register or memory) */
void vwrite(struct cpu *c, const struct insn *i, unsigned n, unsigned size, bool align,
	    struct v128 v)
{
	const struct opnd *o = &i->op[n];
	u8 b[16];
	u64 ea;

	switch (o->kind) {
	case OPK_XMM:
		c->fpu.xmm[o->reg & 15][0] = v.q[0];
		c->fpu.xmm[o->reg & 15][1] = v.q[1];
		break;
	case OPK_MMX:
		mmx_set(c, o->reg, v.q[0]);
		break;
	case OPK_REG:
		reg_write(c, o->reg, size, v.q[0]);
		break;
	case OPK_MEM:
		ea = mem_ea(c, i, size, align, ACC_W);
		if (size == 16) {
			store_le64(b, v.q[0]);
			store_le64(b + 8, v.q[1]);
			cpu_write_bytes(c, i->seg, ea, b, 16);
		} else {
			cpu_write(c, i->seg, ea, size, v.q[0] & size_mask(size));
		}
		break;
	default:
		cpu_ud(c);
	}
	if (sse_is_mmx(i))
		mmx_commit(c);
}

/* --- moves --- */
static void mov_full(struct cpu *c, const struct insn *i, bool align)
{
	sse_need(c, FEAT_sse);
	sse_prologue(c);
	vwrite(c, i, 0, 16, align, vread(c, i, 1, 16, align));
}

void exec_movaps(struct cpu *c, const struct insn *i) { mov_full(c, i, true); }
void exec_movapd(struct cpu *c, const struct insn *i) { mov_full(c, i, true); }
void exec_movdqa(struct cpu *c, const struct insn *i) { mov_full(c, i, true); }
void exec_movntps(struct cpu *c, const struct insn *i) { mov_full(c, i, true); }
void exec_movntpd(struct cpu *c, const struct insn *i) { mov_full(c, i, true); }
void exec_movntdq(struct cpu *c, const struct insn *i) { mov_full(c, i, true); }
void exec_movups(struct cpu *c, const struct insn *i) { mov_full(c, i, false); }
void exec_movupd(struct cpu *c, const struct insn *i) { mov_full(c, i, false); }
void exec_movdqu(struct cpu *c, const struct insn *i) { mov_full(c, i, false); }
/* LDDQU xmm, m128 (SSE3): an unaligned load */
void exec_lddqu(struct cpu *c, const struct insn *i)
{
	sse_need(c, FEAT_sse3);
	mov_full(c, i, false);
}

/* MOVD/MOVQ: the low 4/8 bytes; an XMM destination is zero-extended to 128
 * bits, a GPR destination as any 32/64-bit GPR write. */
static void mov_low(struct cpu *c, const struct insn *i, unsigned size)
{
	struct v128 v;

	sse_need(c, sse_is_mmx(i) ? FEAT_mmx : FEAT_sse2);
	vec_prologue(c, i);
	v = vread(c, i, 1, size, false);
	v.q[0] &= size_mask(size);
	v.q[1] = 0;
	vwrite(c, i, 0, size, false, v);
}

void exec_movd(struct cpu *c, const struct insn *i) { mov_low(c, i, 4); }
void exec_movq(struct cpu *c, const struct insn *i) { mov_low(c, i, 8); }

/* MOVSS/MOVSD: a load from memory clears the rest of the register, a
 * register-to-register move replaces only the low element. */
static void mov_scalar(struct cpu *c, const struct insn *i, unsigned size)
{
	struct v128 v;

	sse_prologue(c);
	v = vread(c, i, 1, size, false);
	if (i->op[0].kind == OPK_MEM) {
		vwrite(c, i, 0, size, false, v);
		return;
	}
	u64 *d = c->fpu.xmm[i->op[0].reg & 15];
	if (i->op[1].kind == OPK_MEM) {
		d[0] = v.q[0];
		d[1] = 0;
	} else {
		d[0] = (d[0] & ~size_mask(size)) | (v.q[0] & size_mask(size));
	}
}

void exec_movss(struct cpu *c, const struct insn *i) { mov_scalar(c, i, 4); }
void exec_sse_movsd(struct cpu *c, const struct insn *i) { mov_scalar(c, i, 8); }

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD: one quadword to or from memory (half 0/1) */
static void mov_half(struct cpu *c, const struct insn *i, unsigned half)
{
	struct v128 v;

	sse_prologue(c);
	if (i->op[0].kind == OPK_MEM) {
		v = vread(c, i, 1, 16, false);
		v.q[0] = v.q[half];
		vwrite(c, i, 0, 8, false, v);
		return;
	}
	v = vread(c, i, 1, 8, false);
	c->fpu.xmm[i->op[0].reg & 15][half] = v.q[0];
}

void exec_movlps(struct cpu *c, const struct insn *i) { mov_half(c, i, 0); }
void exec_movlpd(struct cpu *c, const struct insn *i) { mov_half(c, i, 0); }
void exec_movhps(struct cpu *c, const struct insn *i) { mov_half(c, i, 1); }
void exec_movhpd(struct cpu *c, const struct insn *i) { mov_half(c, i, 1); }

/* MOVLHPS xmm1, xmm2: xmm1[127:64] <- xmm2[63:0]; MOVHLPS the reverse */
void exec_movlhps(struct cpu *c, const struct insn *i)
{
	sse_prologue(c);
	c->fpu.xmm[i->op[0].reg & 15][1] = c->fpu.xmm[i->op[1].reg & 15][0];
}

void exec_movhlps(struct cpu *c, const struct insn *i)
{
	sse_prologue(c);
	c->fpu.xmm[i->op[0].reg & 15][0] = c->fpu.xmm[i->op[1].reg & 15][1];
}

/* sign bits of each esize-byte element of operand 1 into a GPR */
static void movmsk(struct cpu *c, const struct insn *i, unsigned esize)
{
	unsigned w;
	struct v128 s;

	sse_need(c, esize == 4 ? FEAT_sse : sse_is_mmx(i) ? FEAT_sse : FEAT_sse2);
	w = vec_prologue(c, i);
	s = vread(c, i, 1, w, false);
	u8 b[16];
	u64 m = 0;

	memcpy(b, s.q, 16);
	for (unsigned k = 0; k < w / esize; k++)
		m |= (u64)(b[k * esize + esize - 1] >> 7) << k;
	reg_write(c, i->op[0].reg, i->op[0].size >= 8 ? 8 : 4, m);
	if (w == 8)
		mmx_commit(c);
}

void exec_pmovmskb(struct cpu *c, const struct insn *i) { movmsk(c, i, 1); }
void exec_movmskps(struct cpu *c, const struct insn *i) { movmsk(c, i, 4); }
void exec_movmskpd(struct cpu *c, const struct insn *i) { movmsk(c, i, 8); }

/* --- SIMD floating-point exceptions ---
 * SDM Vol.1 "SIMD Floating-Point Exception Conditions" and "Exception
 * Priority": the pre-computation exceptions (IE, DE, ZE) of every element
 * are detected first; if one of them is unmasked only those flags are set.
 * Otherwise the post-computation flags (OE, UE, PE) join them. Any unmasked
 * exception leaves the destination unchanged and raises #XM, or #UD when
 * CR4.OSXMMEXCPT = 0 (SDM Vol.3A "SIMD Floating-Point Exception (#XM)").
 * The host runs masked, where an exact tiny result raises no UE; with UM
 * unmasked it does (SDM Vol.1 "Numeric Underflow Exception (#U)"), so a
 * denormal computed element adds UE. (Measured on the host: OE and UE come
 * with PE exactly as in the masked case.) */
void sse_exceptions(struct cpu *c, u32 exc, bool tiny)
{
	u32 unmasked = ~(c->fpu.mxcsr >> MXCSR_MASKS_SHIFT) & MXCSR_EXC;
	u32 pre = exc & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);

	if (pre & unmasked)
		exc = pre;
	else if (tiny && (unmasked & MXCSR_UE))
		exc |= MXCSR_UE;
	c->fpu.mxcsr |= exc;
	if (exc & unmasked) {
		if (c->cr4 & CR4_OSXMMEXCPT)
			cpu_fault(c, VEC_XM, 0);
		cpu_ud(c);
	}
}

/* flags already combined by the caller (multi-step instructions): merge
 * them and fault for an unmasked one */
void sse_raise(struct cpu *c, u32 exc)
{
	u32 unmasked = ~(c->fpu.mxcsr >> MXCSR_MASKS_SHIFT) & MXCSR_EXC;

	c->fpu.mxcsr |= exc;
	if (exc & unmasked) {
		if (c->cr4 & CR4_OSXMMEXCPT)
			cpu_fault(c, VEC_XM, 0);
		cpu_ud(c);
	}
}
