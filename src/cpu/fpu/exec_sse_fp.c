/* cpu/fpu/exec_sse_fp.c: SSE/SSE2/SSE3/SSE4.1 floating-point instructions:
 * packed and scalar arithmetic, compares, conversions, horizontal forms,
 * ROUND*, DPPS/DPPD (SDM Vol.1 "Programming with Intel SSE", "... SSE2",
 * "... SSE3", "... SSE4"; the Vol.2 page of each). The arithmetic runs on
 * the host SSE unit (cpu/fpu/exec_sse_host.c); this file selects operands,
 * applies the SIMD floating-point exception rules and commits results. */
#include "cpu/fpu/exec_sse.h"
#include "cpu/exec/flags.h"
#include "cpu/fpu/sse.h"

/* which result elements an operation computes (the others are copied from
 * the destination or zeroed): the ones that can be tiny */
enum tiny_kind { T_NONE, T_PS, T_PD, T_SS, T_SD, T_PS2 };

static bool tiny_in(const u64 r[2], enum tiny_kind t)
{
	static const struct {
		u8 n, es;
	} shape[] = {
		[T_NONE] = { 0, 4 }, [T_PS] = { 4, 4 }, [T_PD] = { 2, 8 },
		[T_SS] = { 1, 4 }, [T_SD] = { 1, 8 }, [T_PS2] = { 2, 4 },
	};
	const struct v128 v = { { r[0], r[1] } };

	for (unsigned k = 0; k < shape[t].n; k++) {
		u64 x = v_get(&v, k, shape[t].es);
		if (shape[t].es == 4 ? !(x & 0x7f800000u) && (x & 0x007fffffu)
				     : !(x & 0x7ff0000000000000ull) && (x & 0x000fffffffffffffull))
			return true;
	}
	return false;
}

/* --- overflow or underflow unmasked ---
 * SDM Vol.1 "Numeric Underflow Exception (#U)": with underflow unmasked, a
 * tiny result signals UE even when exact, and PE reflects rounding to the
 * destination precision with an unbounded exponent, not the denormalized
 * result the host's masked run computed (measured: a product exact in 53
 * bits but not as a denormal gives UE without PE; likewise an overflow
 * with OM unmasked sets PE only if the rounded significand is inexact).
 * For the lanes of the basic operations this recomputes the
 * post-computation flags lane by lane: the host's scalar operation for
 * OE/UE/PE, and for a tiny or overflowing lane the x87 unit at 24/53-bit
 * precision (15-bit exponent) for PE. */
struct lane_ops {
	enum sse_hop op;         /* the instruction */
	enum sse_hop scalar;     /* the scalar form of its lane operation */
	enum hx87_op x87;        /* the same on the x87 unit (HX_ADD with b = 0:
				  * a narrowing conversion) */
	u8 es, n;                /* result element size, computed lanes */
	u8 src_es;               /* source element size (conversions), else 0 */
};

static const struct lane_ops lane_table[] = {
	{ SH_ADDPS, SH_ADDSS, HX_ADD, 4, 4, 0 }, { SH_SUBPS, SH_SUBSS, HX_SUB, 4, 4, 0 },
	{ SH_MULPS, SH_MULSS, HX_MUL, 4, 4, 0 }, { SH_DIVPS, SH_DIVSS, HX_DIV, 4, 4, 0 },
	{ SH_ADDPD, SH_ADDSD, HX_ADD, 8, 2, 0 }, { SH_SUBPD, SH_SUBSD, HX_SUB, 8, 2, 0 },
	{ SH_MULPD, SH_MULSD, HX_MUL, 8, 2, 0 }, { SH_DIVPD, SH_DIVSD, HX_DIV, 8, 2, 0 },
	{ SH_ADDSS, SH_ADDSS, HX_ADD, 4, 1, 0 }, { SH_SUBSS, SH_SUBSS, HX_SUB, 4, 1, 0 },
	{ SH_MULSS, SH_MULSS, HX_MUL, 4, 1, 0 }, { SH_DIVSS, SH_DIVSS, HX_DIV, 4, 1, 0 },
	{ SH_ADDSD, SH_ADDSD, HX_ADD, 8, 1, 0 }, { SH_SUBSD, SH_SUBSD, HX_SUB, 8, 1, 0 },
	{ SH_MULSD, SH_MULSD, HX_MUL, 8, 1, 0 }, { SH_DIVSD, SH_DIVSD, HX_DIV, 8, 1, 0 },
	/* ADDSUB: the odd lanes add, the even ones subtract (below) */
	{ SH_ADDSUBPS, SH_ADDSS, HX_ADD, 4, 4, 0 }, { SH_ADDSUBPD, SH_ADDSD, HX_ADD, 8, 2, 0 },
	{ SH_CVTPD2PS, SH_CVTSD2SS, HX_ADD, 4, 2, 8 }, { SH_CVTSD2SS, SH_CVTSD2SS, HX_ADD, 4, 1, 8 },
};

static const struct lane_ops *lane_ops_of(enum sse_hop op)
{
	for (unsigned k = 0; k < ARRAY_SIZE(lane_table); k++)
		if (lane_table[k].op == op)
			return &lane_table[k];
	return NULL;
}

static struct f80 to_f80(u64 v, unsigned es, u32 mxcsr)
{
	struct hx87 x = { .mem = v };
	/* DAZ: denormal inputs are zeros of the same sign */
	if ((mxcsr & MXCSR_DAZ) && (es == 4 ? !(v & 0x7f800000u) : !(v & 0x7ff0000000000000ull)))
		x.mem = v & (es == 4 ? 0x80000000u : 0x8000000000000000ull);
	hx87_run(es == 4 ? HX_LD32 : HX_LD64, FCW_INIT, &x);
	return x.r0;
}

static bool full_precision_inexact(const struct lane_ops *lo, enum hx87_op op, u64 a, u64 b,
				   u32 mxcsr)
{
	struct hx87 x = { 0 };
	u16 fcw = (u16)(FCW_INIT & ~(FCW_PC | FCW_RC)) | (u16)(((mxcsr >> 13) & 3) << 10) |
		  (lo->es == 4 ? 0 : 2u << 8);

	if (lo->src_es) { /* b + 0 rounded to the destination precision */
		x.a = to_f80(b, lo->src_es, mxcsr);
	} else {
		x.a = to_f80(a, lo->es, mxcsr);
		x.b = to_f80(b, lo->es, mxcsr);
	}
	return hx87_run(op, fcw, &x) & FSW_PE;
}

/* one scalar step x op y: its result in *r and its flags, with OE/UE/PE as
 * they are when OE or UE is unmasked */
static u32 step_flags(enum sse_hop scalar, enum hx87_op x87, const struct lane_ops *lo, u64 x,
		      u64 y, u32 mxcsr, u64 *r)
{
	struct sse_hargs h = { 0 };
	u32 f, unmasked = ~(mxcsr >> MXCSR_MASKS_SHIFT) & MXCSR_EXC;
	bool tiny, ovf;

	h.a[0] = x;
	h.b[0] = y;
	f = sse_host(scalar, 0, mxcsr, &h);
	*r = h.a[0] & size_mask(lo->es);
	tiny = (f & MXCSR_UE) || (lo->es == 4 ? !(*r & 0x7f800000u) && (*r & 0x7fffffu)
				  : !(*r & 0x7ff0000000000000ull) && (*r << 12));
	ovf = f & MXCSR_OE;
	if (f & unmasked & (MXCSR_IE | MXCSR_DE | MXCSR_ZE))
		return f & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);
	if (!((tiny && (unmasked & MXCSR_UE)) || (ovf && (unmasked & MXCSR_OE))))
		return f;
	f &= ~MXCSR_PE;
	if (tiny)
		f |= MXCSR_UE;
	if (full_precision_inexact(lo, x87, x, y, mxcsr))
		f |= MXCSR_PE;
	return f;
}

static u32 unmasked_post_flags(const struct lane_ops *lo, u32 exc, u32 mxcsr, const u64 a[2],
			       const u64 b[2])
{
	const struct v128 va = { { a[0], a[1] } }, vb = { { b[0], b[1] } };
	bool addsub = lo->op == SH_ADDSUBPS || lo->op == SH_ADDSUBPD;
	unsigned ses = lo->src_es ? lo->src_es : lo->es;
	u32 post = 0;
	u64 r;

	for (unsigned k = 0; k < lo->n; k++) {
		bool sub = addsub && !(k & 1);
		/* SUBxx follows ADDxx in sse_host_ops.def */
		post |= step_flags(sub ? lo->scalar + 1 : lo->scalar, sub ? HX_SUB : lo->x87, lo,
				   v_get(&va, k, lo->es), v_get(&vb, k, ses), mxcsr, &r);
	}
	return (exc & (MXCSR_IE | MXCSR_DE | MXCSR_ZE)) | (post & (MXCSR_OE | MXCSR_UE | MXCSR_PE));
}

/* DPPS/DPPD (SDM Vol.2 DPPS "Operation"): the selected products (others
 * +0.0), then t0 + t1 and t2 + t3, then their sum, each step rounded;
 * "exceptions are determined separately for each add and multiply
 * operation". Measured on the host, the steps run in stages (products,
 * pair sums, final sum): a stage with an unmasked pre-computation exception
 * reports its IE/DE/ZE; after each stage an unmasked flag among those
 * gathered so far ends the instruction (#XM) with them. So a denormal
 * product is a DE of the add stage, and an unmasked UE of a product hides
 * the adds' PE. Returns the flags to merge. */
static bool dp_stage(const struct lane_ops *lo, enum sse_hop op, enum hx87_op x87,
		     const u64 *x, const u64 *y, u64 *r, unsigned n, u32 sel, u32 mxcsr, u32 *acc)
{
	u32 unmasked = ~(mxcsr >> MXCSR_MASKS_SHIFT) & MXCSR_EXC, f = 0;
	const u32 pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;

	for (unsigned k = 0; k < n; k++) {
		r[k] = 0;
		if (sel & (1u << k))
			f |= step_flags(op, x87, lo, x[k], y[k], mxcsr, &r[k]);
	}
	*acc |= (f & pre & unmasked) ? f & pre : f;
	return *acc & unmasked;
}

static u32 dp_flags(bool dbl, unsigned imm, u32 mxcsr, const u64 a[2], const u64 b[2])
{
	const struct v128 va = { { a[0], a[1] } }, vb = { { b[0], b[1] } };
	const struct lane_ops lo = { 0, 0, HX_ADD, dbl ? 8 : 4, 1, 0 };
	enum sse_hop mul = dbl ? SH_MULSD : SH_MULSS, add = dbl ? SH_ADDSD : SH_ADDSS;
	unsigned n = dbl ? 2 : 4, es = dbl ? 8 : 4;
	u64 x[4] = { 0 }, y[4] = { 0 }, t[4] = { 0 }, p[2], q[2], s[1];
	u32 acc = 0;

	for (unsigned k = 0; k < n; k++) {
		x[k] = v_get(&va, k, es);
		y[k] = v_get(&vb, k, es);
	}
	if (dp_stage(&lo, mul, HX_MUL, x, y, t, n, (imm >> 4) & ((1u << n) - 1), mxcsr, &acc))
		return acc;
	p[0] = t[0], q[0] = t[1];
	p[1] = t[2], q[1] = t[3];
	if (dp_stage(&lo, add, HX_ADD, p, q, t, dbl ? 1 : 2, 3, mxcsr, &acc) || dbl)
		return acc;
	dp_stage(&lo, add, HX_ADD, &t[0], &t[1], s, 1, 1, mxcsr, &acc);
	return acc;
}

/* op xmm1, xmm2/m: xmm1 <- xmm1 op source (src_size bytes; 16-byte memory
 * operands must be aligned) */
static void fp2(struct cpu *c, const struct insn *i, enum sse_hop op, unsigned src_size,
		enum tiny_kind t, enum cpu_feature feat)
{
	struct sse_hargs h = { 0 };
	struct v128 s;
	u64 *d = xmm_of(c, i, 0);
	u32 exc;

	sse_need(c, feat);
	sse_prologue(c);
	s = vread(c, i, 1, src_size, true);
	h.b[0] = s.q[0];
	h.b[1] = s.q[1];
	h.a[0] = d[0];
	h.a[1] = d[1];
	exc = sse_host(op, (unsigned)i->imm, c->fpu.mxcsr, &h);
	if ((op == SH_DPPS || op == SH_DPPD) &&
	    (~(c->fpu.mxcsr >> MXCSR_MASKS_SHIFT) & MXCSR_EXC)) {
		/* an intermediate can fault even when the masked run shows
		 * nothing (an exact tiny product with UM = 0) */
		sse_raise(c, dp_flags(op == SH_DPPD, (u8)i->imm, c->fpu.mxcsr, d, h.b));
	} else if (((!(c->fpu.mxcsr & MXCSR_UM) && ((exc & MXCSR_UE) || tiny_in(h.a, t))) ||
		    (!(c->fpu.mxcsr & MXCSR_OM) && (exc & MXCSR_OE))) && lane_ops_of(op)) {
		exc = unmasked_post_flags(lane_ops_of(op), exc, c->fpu.mxcsr, d, h.b);
	}
	sse_exceptions(c, exc, tiny_in(h.a, t));
	d[0] = h.a[0];
	d[1] = h.a[1];
}

#define FP(name, op, src, t, feat)                                                              \
	void exec_##name(struct cpu *c, const struct insn *i) { fp2(c, i, op, src, t, feat); }
/* SSE */
FP(addps, SH_ADDPS, 16, T_PS, FEAT_sse)
FP(subps, SH_SUBPS, 16, T_PS, FEAT_sse)
FP(mulps, SH_MULPS, 16, T_PS, FEAT_sse)
FP(divps, SH_DIVPS, 16, T_PS, FEAT_sse)
FP(sqrtps, SH_SQRTPS, 16, T_NONE, FEAT_sse)
FP(minps, SH_MINPS, 16, T_NONE, FEAT_sse)
FP(maxps, SH_MAXPS, 16, T_NONE, FEAT_sse)
FP(rcpps, SH_RCPPS, 16, T_NONE, FEAT_sse)
FP(rsqrtps, SH_RSQRTPS, 16, T_NONE, FEAT_sse)
FP(cmpps, SH_CMPPS, 16, T_NONE, FEAT_sse)
FP(addss, SH_ADDSS, 4, T_SS, FEAT_sse)
FP(subss, SH_SUBSS, 4, T_SS, FEAT_sse)
FP(mulss, SH_MULSS, 4, T_SS, FEAT_sse)
FP(divss, SH_DIVSS, 4, T_SS, FEAT_sse)
FP(sqrtss, SH_SQRTSS, 4, T_NONE, FEAT_sse)
FP(minss, SH_MINSS, 4, T_NONE, FEAT_sse)
FP(maxss, SH_MAXSS, 4, T_NONE, FEAT_sse)
FP(rcpss, SH_RCPSS, 4, T_NONE, FEAT_sse)
FP(rsqrtss, SH_RSQRTSS, 4, T_NONE, FEAT_sse)
FP(cmpss, SH_CMPSS, 4, T_NONE, FEAT_sse)
/* SSE2 */
FP(addpd, SH_ADDPD, 16, T_PD, FEAT_sse2)
FP(subpd, SH_SUBPD, 16, T_PD, FEAT_sse2)
FP(mulpd, SH_MULPD, 16, T_PD, FEAT_sse2)
FP(divpd, SH_DIVPD, 16, T_PD, FEAT_sse2)
FP(sqrtpd, SH_SQRTPD, 16, T_NONE, FEAT_sse2)
FP(minpd, SH_MINPD, 16, T_NONE, FEAT_sse2)
FP(maxpd, SH_MAXPD, 16, T_NONE, FEAT_sse2)
FP(cmppd, SH_CMPPD, 16, T_NONE, FEAT_sse2)
FP(addsd, SH_ADDSD, 8, T_SD, FEAT_sse2)
FP(subsd, SH_SUBSD, 8, T_SD, FEAT_sse2)
FP(mulsd, SH_MULSD, 8, T_SD, FEAT_sse2)
FP(divsd, SH_DIVSD, 8, T_SD, FEAT_sse2)
FP(sqrtsd, SH_SQRTSD, 8, T_NONE, FEAT_sse2)
FP(minsd, SH_MINSD, 8, T_NONE, FEAT_sse2)
FP(maxsd, SH_MAXSD, 8, T_NONE, FEAT_sse2)
FP(cvtss2sd, SH_CVTSS2SD, 4, T_NONE, FEAT_sse2)
FP(cvtsd2ss, SH_CVTSD2SS, 8, T_SS, FEAT_sse2)
FP(cvtps2pd, SH_CVTPS2PD, 8, T_NONE, FEAT_sse2)
FP(cvtpd2ps, SH_CVTPD2PS, 16, T_PS2, FEAT_sse2)
FP(cvtdq2ps, SH_CVTDQ2PS, 16, T_NONE, FEAT_sse2)
FP(cvtps2dq, SH_CVTPS2DQ, 16, T_NONE, FEAT_sse2)
FP(cvttps2dq, SH_CVTTPS2DQ, 16, T_NONE, FEAT_sse2)
FP(cvtdq2pd, SH_CVTDQ2PD, 8, T_NONE, FEAT_sse2)
FP(cvtpd2dq, SH_CVTPD2DQ, 16, T_NONE, FEAT_sse2)
FP(cvttpd2dq, SH_CVTTPD2DQ, 16, T_NONE, FEAT_sse2)
/* SSE3 */
FP(addsubps, SH_ADDSUBPS, 16, T_PS, FEAT_sse3)
FP(addsubpd, SH_ADDSUBPD, 16, T_PD, FEAT_sse3)
FP(haddps, SH_HADDPS, 16, T_PS, FEAT_sse3)
FP(haddpd, SH_HADDPD, 16, T_PD, FEAT_sse3)
FP(hsubps, SH_HSUBPS, 16, T_PS, FEAT_sse3)
FP(hsubpd, SH_HSUBPD, 16, T_PD, FEAT_sse3)
/* SSE4.1 */
FP(roundps, SH_ROUNDPS, 16, T_NONE, FEAT_sse4_1)
FP(roundpd, SH_ROUNDPD, 16, T_NONE, FEAT_sse4_1)
FP(roundss, SH_ROUNDSS, 4, T_NONE, FEAT_sse4_1)
FP(roundsd, SH_ROUNDSD, 8, T_NONE, FEAT_sse4_1)
FP(dpps, SH_DPPS, 16, T_PS, FEAT_sse4_1)
FP(dppd, SH_DPPD, 16, T_PD, FEAT_sse4_1)
#undef FP

/* CMPSD xmm1, xmm2/m64, imm8 (the string CMPSD's row dispatches here) */
void exec_sse_cmpsd(struct cpu *c, const struct insn *i)
{
	fp2(c, i, SH_CMPSD, 8, T_NONE, FEAT_sse2);
}

/* CVTSI2SS/CVTSI2SD xmm, r/m32|r/m64: the low element only */
static void cvt_from_int(struct cpu *c, const struct insn *i, bool dbl)
{
	static const enum sse_hop ops[2][2] = {
		{ SH_CVTSI2SS32, SH_CVTSI2SS64 }, { SH_CVTSI2SD32, SH_CVTSI2SD64 },
	};
	unsigned size = i->op[1].size == 8 ? 8 : 4;
	struct sse_hargs h = { 0 };
	u64 *d = xmm_of(c, i, 0);

	sse_need(c, dbl ? FEAT_sse2 : FEAT_sse);
	sse_prologue(c);
	h.gpr = vread(c, i, 1, size, false).q[0];
	h.a[0] = d[0];
	h.a[1] = d[1];
	sse_exceptions(c, sse_host(ops[dbl][size == 8], 0, c->fpu.mxcsr, &h), false);
	d[0] = h.a[0];
}

void exec_cvtsi2ss(struct cpu *c, const struct insn *i) { cvt_from_int(c, i, false); }
void exec_cvtsi2sd(struct cpu *c, const struct insn *i) { cvt_from_int(c, i, true); }

/* CVT(T)SS2SI / CVT(T)SD2SI r32|r64, xmm/m32|m64: out of range or NaN gives
 * the integer indefinite (80000000H / 8000000000000000H) with IE */
static void cvt_to_int(struct cpu *c, const struct insn *i, enum sse_hop op32, unsigned src_size)
{
	unsigned size = i->op[0].size == 8 ? 8 : 4;
	struct sse_hargs h = { 0 };

	sse_need(c, src_size == 8 ? FEAT_sse2 : FEAT_sse);
	sse_prologue(c);
	h.b[0] = vread(c, i, 1, src_size, false).q[0];
	sse_exceptions(c, sse_host(op32 + (size == 8), 0, c->fpu.mxcsr, &h), false);
	reg_write(c, i->op[0].reg, size, h.gpr);
}

void exec_cvtss2si(struct cpu *c, const struct insn *i) { cvt_to_int(c, i, SH_CVTSS2SI32, 4); }
void exec_cvtsd2si(struct cpu *c, const struct insn *i) { cvt_to_int(c, i, SH_CVTSD2SI32, 8); }
void exec_cvttss2si(struct cpu *c, const struct insn *i) { cvt_to_int(c, i, SH_CVTTSS2SI32, 4); }
void exec_cvttsd2si(struct cpu *c, const struct insn *i) { cvt_to_int(c, i, SH_CVTTSD2SI32, 8); }

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF PF CF from the comparison (all three
 * for unordered), OF SF AF cleared; COMI* signal IE on QNaN too */
static void comi(struct cpu *c, const struct insn *i, enum sse_hop op, unsigned esize)
{
	struct sse_hargs h = { 0 };

	sse_need(c, esize == 8 ? FEAT_sse2 : FEAT_sse);
	sse_prologue(c);
	h.b[0] = vread(c, i, 1, esize, false).q[0];
	h.a[0] = xmm_of(c, i, 0)[0];
	sse_exceptions(c, sse_host(op, 0, c->fpu.mxcsr, &h), false);
	flags_set(c, RFLAGS_ARITH, h.rflags & (RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF));
}

void exec_comiss(struct cpu *c, const struct insn *i) { comi(c, i, SH_COMISS, 4); }
void exec_ucomiss(struct cpu *c, const struct insn *i) { comi(c, i, SH_UCOMISS, 4); }
void exec_comisd(struct cpu *c, const struct insn *i) { comi(c, i, SH_COMISD, 8); }
void exec_ucomisd(struct cpu *c, const struct insn *i) { comi(c, i, SH_UCOMISD, 8); }

/* --- conversions with an MMX operand (SDM Vol.2 CVTPI2PS, CVTPS2PI,
 * CVTTPS2PI, CVTPI2PD, CVTPD2PI, CVTTPD2PI). Each is the XMM conversion of
 * the same elements; an MMX register operand makes the instruction an MMX
 * one (x87 tag word and TOP, pending #MF: "Intel MMX Technology / x87 FPU
 * transitions"); a memory source does not. --- */
static void cvt_mmx(struct cpu *c, const struct insn *i, enum sse_hop op, unsigned src_size,
		    enum cpu_feature feat)
{
	struct sse_hargs h = { 0 };
	struct v128 s;
	bool mm_dst = i->op[0].kind == OPK_MMX;
	u64 *d = mm_dst ? NULL : xmm_of(c, i, 0);

	sse_need(c, feat);
	sse_prologue(c);
	if (sse_is_mmx(i))
		vec_prologue(c, i); /* the MMX checks; the transition at the end */
	s = vread(c, i, 1, src_size, true);
	h.b[0] = s.q[0];
	h.b[1] = src_size == 16 ? s.q[1] : 0;
	sse_exceptions(c, sse_host(op, 0, c->fpu.mxcsr, &h), false);
	if (mm_dst) {
		mmx_set(c, i->op[0].reg, h.a[0]);
	} else if (op == SH_CVTDQ2PS) {
		d[0] = h.a[0]; /* CVTPI2PS: the upper two elements are kept */
	} else {
		d[0] = h.a[0];
		d[1] = h.a[1];
	}
	if (sse_is_mmx(i))
		mmx_commit(c);
}

void exec_cvtpi2ps(struct cpu *c, const struct insn *i) { cvt_mmx(c, i, SH_CVTDQ2PS, 8, FEAT_sse); }
void exec_cvtps2pi(struct cpu *c, const struct insn *i) { cvt_mmx(c, i, SH_CVTPS2DQ, 8, FEAT_sse); }
void exec_cvttps2pi(struct cpu *c, const struct insn *i)
{
	cvt_mmx(c, i, SH_CVTTPS2DQ, 8, FEAT_sse);
}
void exec_cvtpi2pd(struct cpu *c, const struct insn *i)
{
	cvt_mmx(c, i, SH_CVTDQ2PD, 8, FEAT_sse2);
}
void exec_cvtpd2pi(struct cpu *c, const struct insn *i)
{
	cvt_mmx(c, i, SH_CVTPD2DQ, 16, FEAT_sse2);
}
void exec_cvttpd2pi(struct cpu *c, const struct insn *i)
{
	cvt_mmx(c, i, SH_CVTTPD2DQ, 16, FEAT_sse2);
}
