/* cpu/exec_sse.c: the SSE/SSE2 subset compiled 64-bit C code uses: data
 * movement, bitwise logic, a few integer ops, scalar float/double
 * arithmetic, comparisons and conversions (SDM Vol.1 "Programming with
 * Intel SSE" and "... SSE2"; Vol.2 pages). MMX register forms of the
 * integer instructions share the code (SDM Vol.1 "Programming with Intel
 * MMX Technology"). Floating-point arithmetic runs on the host SSE unit
 * under the guest MXCSR (cpu/fpu_host.h). */
#include "cpu/fault.h"
#include "cpu/flags.h"
#include "cpu/mem.h"
#include "cpu/sse.h"
#include "cpu/x87.h"

struct v128 {
	u64 q[2];
};

static bool is_mmx(const struct insn *i)
{
	for (unsigned k = 0; k < i->nops; k++)
		if (i->op[k].kind == OPK_MMX)
			return true;
	return false;
}

/* #UD/#NM (and for MMX forms #MF and the tag-word effect) */
static unsigned vec_prologue(struct cpu *c, const struct insn *i)
{
	if (is_mmx(i)) {
		mmx_prologue(c);
		return 8;
	}
	sse_prologue(c);
	return 16;
}

/* SDM Vol.1 "Data Alignment": legacy-SSE 128-bit memory operands must be
 * 16-byte aligned (#GP(0)) except for the explicitly unaligned moves. */
static u64 mem_ea(struct cpu *c, const struct insn *i, unsigned size, bool align)
{
	u64 ea = insn_ea(c, i);
	if (align && size == 16 && (x87_linear(c, i, ea) & 15))
		cpu_gp0(c);
	return ea;
}

/* Operand n: XMM registers in full, MMX registers and GPRs in q[0], memory
 * as `size` bytes. */
static struct v128 vread(struct cpu *c, const struct insn *i, unsigned n, unsigned size,
			 bool align)
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
		ea = mem_ea(c, i, size, align);
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

static void mmx_set(struct cpu *c, unsigned r, u64 v)
{
	/* SDM Vol.1 "MMX Registers": a write sets bits 79:64 to ones */
	c->fpu.st[r & 7].mant = v;
	c->fpu.st[r & 7].se = 0xffff;
}

/* store `size` bytes of v to operand n (register or memory) */
static void vwrite(struct cpu *c, const struct insn *i, unsigned n, unsigned size, bool align,
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
		ea = mem_ea(c, i, size, align);
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
}

/* --- moves --- */
static void mov_full(struct cpu *c, const struct insn *i, bool align)
{
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
void exec_lddqu(struct cpu *c, const struct insn *i) { mov_full(c, i, false); }

/* MOVD/MOVQ: the low 4/8 bytes; an XMM destination is zero-extended to 128
 * bits, a GPR destination as any 32/64-bit GPR write. */
static void mov_low(struct cpu *c, const struct insn *i, unsigned size)
{
	struct v128 v;

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

/* --- packed bitwise and integer operations: dst <- dst op src --- */
enum vop { V_AND, V_ANDN, V_OR, V_XOR, V_ADD, V_SUB, V_CMPEQ, V_UNPCKLQ, V_UNPCKHQ };

static u64 lane(enum vop op, u64 a, u64 b, unsigned esize)
{
	switch (op) {
	case V_ADD: return a + b;
	case V_SUB: return a - b;
	case V_CMPEQ: return ((a ^ b) & size_mask(esize)) ? 0 : ~0ull;
	default: return 0;
	}
}

static void packed(struct cpu *c, const struct insn *i, enum vop op, unsigned esize)
{
	unsigned w = vec_prologue(c, i);
	struct v128 a = vread(c, i, 0, w, true), b = vread(c, i, 1, w, true), r;
	u8 pa[16], pb[16], pr[16];

	switch (op) {
	case V_AND: r = (struct v128){ { a.q[0] & b.q[0], a.q[1] & b.q[1] } }; break;
	case V_ANDN: r = (struct v128){ { ~a.q[0] & b.q[0], ~a.q[1] & b.q[1] } }; break;
	case V_OR: r = (struct v128){ { a.q[0] | b.q[0], a.q[1] | b.q[1] } }; break;
	case V_XOR: r = (struct v128){ { a.q[0] ^ b.q[0], a.q[1] ^ b.q[1] } }; break;
	case V_UNPCKLQ: r = (struct v128){ { a.q[0], b.q[0] } }; break;
	case V_UNPCKHQ: r = (struct v128){ { a.q[1], b.q[1] } }; break;
	default:
		memcpy(pa, a.q, 16);
		memcpy(pb, b.q, 16);
		for (unsigned k = 0; k < w; k += esize)
			store_le(pr + k, esize, lane(op, load_le(pa + k, esize),
						     load_le(pb + k, esize), esize));
		memset(pr + w, 0, 16 - w);
		memcpy(r.q, pr, 16);
		break;
	}
	if (w == 8)
		r.q[1] = 0;
	vwrite(c, i, 0, w, true, r);
}

#define PACKED(name, op, esize)                                                                 \
	void exec_##name(struct cpu *c, const struct insn *i) { packed(c, i, op, esize); }
PACKED(andps, V_AND, 8)
PACKED(andpd, V_AND, 8)
PACKED(pand, V_AND, 8)
PACKED(andnps, V_ANDN, 8)
PACKED(andnpd, V_ANDN, 8)
PACKED(pandn, V_ANDN, 8)
PACKED(orps, V_OR, 8)
PACKED(orpd, V_OR, 8)
PACKED(por, V_OR, 8)
PACKED(xorps, V_XOR, 8)
PACKED(xorpd, V_XOR, 8)
PACKED(pxor, V_XOR, 8)
PACKED(paddb, V_ADD, 1)
PACKED(paddw, V_ADD, 2)
PACKED(paddd, V_ADD, 4)
PACKED(paddq, V_ADD, 8)
PACKED(psubb, V_SUB, 1)
PACKED(psubw, V_SUB, 2)
PACKED(psubd, V_SUB, 4)
PACKED(psubq, V_SUB, 8)
PACKED(pcmpeqb, V_CMPEQ, 1)
PACKED(pcmpeqw, V_CMPEQ, 2)
PACKED(pcmpeqd, V_CMPEQ, 4)
PACKED(punpcklqdq, V_UNPCKLQ, 8)
PACKED(punpckhqdq, V_UNPCKHQ, 8)
#undef PACKED

/* PSHUFD xmm1, xmm2/m128, imm8: dword k <- source dword imm8[2k+1:2k] */
void exec_pshufd(struct cpu *c, const struct insn *i)
{
	struct v128 s, r;
	u32 d[4], o[4];

	sse_prologue(c);
	s = vread(c, i, 1, 16, true);
	memcpy(d, s.q, 16);
	for (unsigned k = 0; k < 4; k++)
		o[k] = d[(i->imm >> (2 * k)) & 3];
	memcpy(r.q, o, 16);
	vwrite(c, i, 0, 16, true, r);
}

/* sign bits of each esize-byte element of operand 1 into a GPR */
static void movmsk(struct cpu *c, const struct insn *i, unsigned esize)
{
	unsigned w = vec_prologue(c, i);
	struct v128 s = vread(c, i, 1, w, false);
	u8 b[16];
	u64 m = 0;

	memcpy(b, s.q, 16);
	for (unsigned k = 0; k < w / esize; k++)
		m |= (u64)(b[k * esize + esize - 1] >> 7) << k;
	reg_write(c, i->op[0].reg, i->op[0].size >= 8 ? 8 : 4, m);
}

void exec_pmovmskb(struct cpu *c, const struct insn *i) { movmsk(c, i, 1); }
void exec_movmskps(struct cpu *c, const struct insn *i) { movmsk(c, i, 4); }
void exec_movmskpd(struct cpu *c, const struct insn *i) { movmsk(c, i, 8); }

/* --- scalar floating point --- */

/* SDM Vol.1 "SIMD Floating-Point Exception Conditions" and "Exception
 * Priority": an unmasked pre-computation exception (IE, DE, ZE) reports
 * only those flags; otherwise every detected flag is set. Any unmasked
 * exception leaves the destination unchanged and raises #XM, or #UD when
 * CR4.OSXMMEXCPT = 0 (SDM Vol.3A "SIMD Floating-Point Exception (#XM)").
 * `tiny` reports a denormal result: with UM unmasked the underflow is
 * signalled even when the result is exact (the host runs masked, where
 * UE needs tiny AND inexact). */
static void sse_exceptions(struct cpu *c, u32 exc, bool tiny)
{
	u32 unmasked = ~(c->fpu.mxcsr >> MXCSR_MASKS_SHIFT) & MXCSR_EXC;
	u32 pre = exc & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);

	if (tiny && (unmasked & MXCSR_UE) && !pre)
		exc |= MXCSR_UE;
	if (pre & unmasked)
		exc = pre;
	c->fpu.mxcsr |= exc;
	if (exc & unmasked) {
		if (c->cr4 & CR4_OSXMMEXCPT)
			cpu_fault(c, VEC_XM, 0);
		cpu_ud(c);
	}
}

static bool is_denormal(u64 v, unsigned esize)
{
	if (esize == 4)
		return !(v & 0x7f800000u) && (v & 0x007fffffu);
	return !(v & 0x7ff0000000000000ull) && (v & 0x000fffffffffffffull);
}

/* op xmm1, xmm2/m32|m64: the low element of xmm1 gets the result. esize:
 * the result element size for operations that can underflow (0: cannot). */
static void scalar(struct cpu *c, const struct insn *i, enum hsse_op op, unsigned esize,
		   unsigned src_size)
{
	struct hsse s = { 0 };
	unsigned d = i->op[0].reg & 15;
	u32 exc;

	sse_prologue(c);
	s.b[0] = vread(c, i, 1, src_size, false).q[0];
	s.a[0] = c->fpu.xmm[d][0];
	s.a[1] = c->fpu.xmm[d][1];
	if (i->nops > 2)
		s.pred = (u8)(i->imm & 7);
	exc = hsse_run(op, c->fpu.mxcsr, &s);
	sse_exceptions(c, exc, esize && is_denormal(s.a[0] & size_mask(esize), esize));
	c->fpu.xmm[d][0] = s.a[0];
	c->fpu.xmm[d][1] = s.a[1];
}

#define SCALAR(name, op, esize, srcsize)                                                        \
	void exec_##name(struct cpu *c, const struct insn *i) { scalar(c, i, op, esize, srcsize); }
SCALAR(addss, HS_ADDSS, 4, 4)
SCALAR(subss, HS_SUBSS, 4, 4)
SCALAR(mulss, HS_MULSS, 4, 4)
SCALAR(divss, HS_DIVSS, 4, 4)
SCALAR(sqrtss, HS_SQRTSS, 0, 4)
SCALAR(minss, HS_MINSS, 0, 4)
SCALAR(maxss, HS_MAXSS, 0, 4)
SCALAR(addsd, HS_ADDSD, 8, 8)
SCALAR(subsd, HS_SUBSD, 8, 8)
SCALAR(mulsd, HS_MULSD, 8, 8)
SCALAR(divsd, HS_DIVSD, 8, 8)
SCALAR(sqrtsd, HS_SQRTSD, 0, 8)
SCALAR(minsd, HS_MINSD, 0, 8)
SCALAR(maxsd, HS_MAXSD, 0, 8)
SCALAR(cvtss2sd, HS_CVTSS2SD, 0, 4)
SCALAR(cvtsd2ss, HS_CVTSD2SS, 4, 8)
SCALAR(cmpss, HS_CMPSS, 0, 4)
#undef SCALAR

void exec_sse_cmpsd(struct cpu *c, const struct insn *i) { scalar(c, i, HS_CMPSD, 0, 8); }

/* CVTSI2SS/CVTSI2SD xmm, r/m32|r/m64: the low element only */
static void cvt_from_int(struct cpu *c, const struct insn *i, bool dbl)
{
	unsigned size = i->op[1].size == 8 ? 8 : 4, d = i->op[0].reg & 15;
	static const enum hsse_op ops[2][2] = {
		{ HS_CVTSI2SS32, HS_CVTSI2SS64 }, { HS_CVTSI2SD32, HS_CVTSI2SD64 },
	};
	struct hsse s = { 0 };

	sse_prologue(c);
	s.gpr = vread(c, i, 1, size, false).q[0];
	s.a[0] = c->fpu.xmm[d][0];
	s.a[1] = c->fpu.xmm[d][1];
	sse_exceptions(c, hsse_run(ops[dbl][size == 8], c->fpu.mxcsr, &s), false);
	c->fpu.xmm[d][0] = s.a[0];
}

void exec_cvtsi2ss(struct cpu *c, const struct insn *i) { cvt_from_int(c, i, false); }
void exec_cvtsi2sd(struct cpu *c, const struct insn *i) { cvt_from_int(c, i, true); }

/* CVT(T)SS2SI / CVT(T)SD2SI r32|r64, xmm/m32|m64: out of range gives the
 * integer indefinite with IE */
static void cvt_to_int(struct cpu *c, const struct insn *i, enum hsse_op op32,
		       enum hsse_op op64, unsigned src_size)
{
	unsigned size = i->op[0].size == 8 ? 8 : 4;
	struct hsse s = { 0 };

	sse_prologue(c);
	s.b[0] = vread(c, i, 1, src_size, false).q[0];
	sse_exceptions(c, hsse_run(size == 8 ? op64 : op32, c->fpu.mxcsr, &s), false);
	reg_write(c, i->op[0].reg, size, s.gpr);
}

void exec_cvtss2si(struct cpu *c, const struct insn *i)
{
	cvt_to_int(c, i, HS_CVTSS2SI32, HS_CVTSS2SI64, 4);
}
void exec_cvtsd2si(struct cpu *c, const struct insn *i)
{
	cvt_to_int(c, i, HS_CVTSD2SI32, HS_CVTSD2SI64, 8);
}
void exec_cvttss2si(struct cpu *c, const struct insn *i)
{
	cvt_to_int(c, i, HS_CVTTSS2SI32, HS_CVTTSS2SI64, 4);
}
void exec_cvttsd2si(struct cpu *c, const struct insn *i)
{
	cvt_to_int(c, i, HS_CVTTSD2SI32, HS_CVTTSD2SI64, 8);
}

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF PF CF from the comparison (all three
 * for unordered), OF SF AF cleared; COMI* signal IE on QNaN too */
static void comi(struct cpu *c, const struct insn *i, enum hsse_op op, unsigned esize)
{
	struct hsse s = { 0 };

	sse_prologue(c);
	s.b[0] = vread(c, i, 1, esize, false).q[0];
	s.a[0] = c->fpu.xmm[i->op[0].reg & 15][0];
	sse_exceptions(c, hsse_run(op, c->fpu.mxcsr, &s), false);
	flags_set(c, RFLAGS_ARITH, (s.zf ? RFLAGS_ZF : 0) | (s.pf ? RFLAGS_PF : 0) |
					   (s.cf ? RFLAGS_CF : 0));
}

void exec_comiss(struct cpu *c, const struct insn *i) { comi(c, i, HS_COMISS, 4); }
void exec_ucomiss(struct cpu *c, const struct insn *i) { comi(c, i, HS_UCOMISS, 4); }
void exec_comisd(struct cpu *c, const struct insn *i) { comi(c, i, HS_COMISD, 8); }
void exec_ucomisd(struct cpu *c, const struct insn *i) { comi(c, i, HS_UCOMISD, 8); }
