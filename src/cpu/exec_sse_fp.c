/* cpu/exec_sse_fp.c: SSE/SSE2/SSE3/SSE4.1 floating-point instructions:
 * packed and scalar arithmetic, compares, conversions, horizontal forms,
 * ROUND*, DPPS/DPPD (SDM Vol.1 "Programming with Intel SSE", "... SSE2",
 * "... SSE3", "... SSE4"; the Vol.2 page of each). The arithmetic runs on
 * the host SSE unit (cpu/exec_sse_host.c); this file selects operands,
 * applies the SIMD floating-point exception rules and commits results. */
#include "cpu/exec_sse.h"
#include "cpu/flags.h"
#include "cpu/sse.h"

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

/* op xmm1, xmm2/m: xmm1 <- xmm1 op source (src_size bytes; 16-byte memory
 * operands must be aligned) */
static void fp2(struct cpu *c, const struct insn *i, enum sse_hop op, unsigned src_size,
		enum tiny_kind t, enum cpu_feature feat)
{
	struct sse_hargs h = { 0 };
	struct v128 s;
	u64 *d = xmm_of(c, i, 0);
	u32 exc;

	sse_prologue(c);
	sse_need(c, feat);
	s = vread(c, i, 1, src_size, true);
	h.b[0] = s.q[0];
	h.b[1] = s.q[1];
	h.a[0] = d[0];
	h.a[1] = d[1];
	exc = sse_host(op, (unsigned)i->imm, c->fpu.mxcsr, &h);
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

	sse_prologue(c);
	sse_need(c, dbl ? FEAT_sse2 : FEAT_sse);
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

	sse_prologue(c);
	sse_need(c, src_size == 8 ? FEAT_sse2 : FEAT_sse);
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

	sse_prologue(c);
	sse_need(c, esize == 8 ? FEAT_sse2 : FEAT_sse);
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

	sse_prologue(c);
	sse_need(c, feat);
	if (sse_is_mmx(i))
		mmx_prologue(c);
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
