/* cpu/fpu/fpu_host.h: the floating-point arithmetic unit of the x87 and SSE
 * executors is the host's own x87/SSE hardware.
 *
 * Why: nestbox runs on x86-64 hosts only (DESIGN.md), and an x87 or SSE
 * operation executed by the host on the guest's raw operand bits, under the
 * guest's rounding/precision control, gives exactly the architected result,
 * exception flags and condition codes (including denormal, unsupported
 * encodings, NaN propagation, the round-up indicator C1 and FPREM's quotient
 * bits). A soft-float would have to re-derive all of that.
 *
 * Safety: the host never traps. x87 primitives run with IM/DM/ZM/PM masked;
 * OM/UM follow the guest so the host produces the bias-adjusted result the
 * SDM describes for unmasked overflow/underflow, and the pending host
 * exception is cleared with FNCLEX (non-waiting) inside the same asm
 * statement before any waiting instruction can see it. SSE primitives run
 * with all six MXCSR exceptions masked (SSE faults are synchronous).
 *
 * Determinism: basic operations (+ - * / sqrt, conversions, compares,
 * FPREM, FRNDINT, FSCALE, FXTRACT) are exactly specified by IEEE 754 / the
 * SDM and give identical bits on every x86 host. Transcendentals (FSIN FCOS
 * FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1) are whatever the host CPU
 * computes: Intel and AMD differ in the last bit of some results, so a
 * guest computing them is deterministic per host vendor, not across vendors.
 * XXX(sdm): a soft-float backend would be needed for non-x86 hosts and for
 * cross-vendor bit-exact transcendentals. */
#ifndef NESTBOX_CPU_FPU_HOST_H
#define NESTBOX_CPU_FPU_HOST_H

#include "cpu/fpu/fpu_state.h"

#if !defined(__x86_64__)
#error "cpu/fpu/fpu_host.c uses the host x87/SSE units: x86-64 hosts only"
#endif

/* x87 primitives: a = ST(0), b = ST(1) on input; r0 = ST(0), r1 = ST(1) on
 * output; mem = the memory operand (in for loads, out for stores). */
enum hx87_op {
	/* ST(0) <- a op b */
	HX_ADD, HX_SUB, HX_MUL, HX_DIV, HX_PREM, HX_PREM1, HX_SCALE,
	/* compare a with b: C0 C2 C3 in the returned status */
	HX_COM, HX_UCOM,
	/* r0 <- f(a, b), the pop forms: b = ST(1) = y, a = ST(0) = x */
	HX_YL2X, HX_YL2XP1, HX_PATAN,
	/* r0 <- f(a) */
	HX_SQRT, HX_RNDINT, HX_SIN, HX_COS, HX_F2XM1,
	/* r0 = new ST(0), r1 = new ST(1) (push forms) */
	HX_PTAN, HX_SINCOS, HX_XTRACT,
	/* status only */
	HX_TST, HX_XAM,
	/* r0 <- constant, rounded per FCW.RC */
	HX_LDPI, HX_LDL2E, HX_LDL2T, HX_LDLG2, HX_LDLN2,
	/* r0 <- mem */
	HX_LD32, HX_LD64, HX_ILD16, HX_ILD32, HX_ILD64,
	/* mem <- a */
	HX_ST32, HX_ST64, HX_IST16, HX_IST32, HX_IST64, HX_ISTT16, HX_ISTT32, HX_ISTT64,
};

struct hx87 {
	struct f80 a, b, r0, r1;
	u64 mem;
};

/* Run op with the guest control word fcw; returns the host status word
 * (exception flags IE..PE and C0..C3 as the operation left them). */
u16 hx87_run(enum hx87_op op, u16 fcw, struct hx87 *s);

/* SSE primitives: the destination/first source is a, the second source b;
 * scalar ops work on the low element and keep the rest of a. */
enum hsse_op {
	HS_ADDSS, HS_SUBSS, HS_MULSS, HS_DIVSS, HS_SQRTSS, HS_MINSS, HS_MAXSS,
	HS_ADDSD, HS_SUBSD, HS_MULSD, HS_DIVSD, HS_SQRTSD, HS_MINSD, HS_MAXSD,
	HS_CVTSS2SD, HS_CVTSD2SS,
	/* a.low <- (float/double) gpr */
	HS_CVTSI2SS32, HS_CVTSI2SS64, HS_CVTSI2SD32, HS_CVTSI2SD64,
	/* gpr <- int(b.low) */
	HS_CVTSS2SI32, HS_CVTSS2SI64, HS_CVTSD2SI32, HS_CVTSD2SI64,
	HS_CVTTSS2SI32, HS_CVTTSS2SI64, HS_CVTTSD2SI32, HS_CVTTSD2SI64,
	/* compare a.low with b.low: zf pf cf */
	HS_COMISS, HS_UCOMISS, HS_COMISD, HS_UCOMISD,
	/* a.low <- mask(a.low pred b.low), pred = the instruction's imm8 (0-7) */
	HS_CMPSS, HS_CMPSD,
};

struct hsse {
	u64 a[2], b[2];
	u64 gpr;
	u8 zf, pf, cf;
	u8 pred;
};

/* Run op under the guest mxcsr (its RC, DAZ and FZ apply; exceptions are
 * masked on the host); returns the exception flags (MXCSR bits 5:0). */
u32 hsse_run(enum hsse_op op, u32 mxcsr, struct hsse *s);

#endif
