/* cpu/fpu/exec_sse_int.c: packed-integer SIMD instructions in their MMX (64-bit)
 * and XMM (128-bit) forms: element-wise arithmetic, saturation, compares,
 * min/max, averages, multiplies, sign/abs, horizontal add/sub, shifts, and
 * the packed logical operations (SDM Vol.1 "Programming with Intel MMX
 * Technology", "SSE2 128-Bit SIMD Integer Instructions", "Supplemental
 * Streaming SIMD Extensions 3", "SSE4.1"; the Vol.2 page of each). */
#include "cpu/fpu/exec_sse.h"
#include "cpu/exec/flags.h"

static i64 sx(u64 v, unsigned es) { return (i64)sext(v, es * 8); }

/* SDM Vol.1 "Saturation and Wraparound Modes" */
static u64 sat_s(i64 v, unsigned es)
{
	i64 hi = (i64)(size_mask(es) >> 1), lo = -hi - 1;
	return (u64)(v > hi ? hi : v < lo ? lo : v);
}

static u64 sat_u(i64 v, unsigned es)
{
	i64 hi = (i64)size_mask(es);
	return (u64)(v > hi ? hi : v < 0 ? 0 : v);
}

/* The operands of dst <- dst op src; returns the width (8: MMX, 16: XMM).
 * fx/fm: the CPUID feature of the XMM/MMX form. */
static unsigned int_begin(struct cpu *c, const struct insn *i, enum cpu_feature fx,
			  enum cpu_feature fm, struct v128 *a, struct v128 *b)
{
	unsigned w;

	sse_need(c, sse_is_mmx(i) ? fm : fx);
	w = vec_prologue(c, i);
	*a = vread(c, i, 0, w, true);
	*b = vread(c, i, 1, w, true);
	return w;
}

static void int_end(struct cpu *c, const struct insn *i, unsigned w, struct v128 r)
{
	if (w == 8)
		r.q[1] = 0;
	vwrite(c, i, 0, w, true, r);
}

/* --- element-wise operations --- */
enum ew {
	EW_ADD, EW_SUB, EW_ADDS, EW_ADDUS, EW_SUBS, EW_SUBUS, EW_CMPEQ, EW_CMPGT, EW_MINU,
	EW_MAXU, EW_MINS, EW_MAXS, EW_AVG, EW_MULL, EW_MULHS, EW_MULHU, EW_MULHRS, EW_SIGN,
	EW_ABS, EW_AND, EW_ANDN, EW_OR, EW_XOR,
};

static u64 ew_lane(enum ew op, u64 a, u64 b, unsigned es)
{
	i64 sa = sx(a, es), sb = sx(b, es);

	switch (op) {
	case EW_ADD: return a + b;
	case EW_SUB: return a - b;
	case EW_ADDS: return sat_s(sa + sb, es);
	case EW_ADDUS: return sat_u((i64)(a + b), es);
	case EW_SUBS: return sat_s(sa - sb, es);
	case EW_SUBUS: return sat_u((i64)a - (i64)b, es);
	case EW_CMPEQ: return a == b ? ~0ull : 0;
	case EW_CMPGT: return sa > sb ? ~0ull : 0;
	case EW_MINU: return a < b ? a : b;
	case EW_MAXU: return a > b ? a : b;
	case EW_MINS: return sa < sb ? a : b;
	case EW_MAXS: return sa > sb ? a : b;
	case EW_AVG: return (a + b + 1) >> 1;
	case EW_MULL: return a * b;
	case EW_MULHS: return (u64)((sa * sb) >> (es * 8));
	case EW_MULHU: return (a * b) >> (es * 8);
	/* PMULHRSW: ((a * b >> 14) + 1) >> 1 */
	case EW_MULHRS: return (u64)((((sa * sb) >> 14) + 1) >> 1);
	case EW_SIGN: return sb < 0 ? -a : sb == 0 ? 0 : a;
	case EW_ABS: return sb < 0 ? (u64)-sb : b;
	case EW_AND: return a & b;
	case EW_ANDN: return ~a & b;
	case EW_OR: return a | b;
	case EW_XOR: return a ^ b;
	}
	return 0;
}

static void elementwise(struct cpu *c, const struct insn *i, enum ew op, unsigned es,
			enum cpu_feature fx, enum cpu_feature fm)
{
	struct v128 a, b, r = { { 0, 0 } };
	unsigned w = int_begin(c, i, fx, fm, &a, &b);

	for (unsigned k = 0; k < w / es; k++)
		v_put(&r, k, es, ew_lane(op, v_get(&a, k, es), v_get(&b, k, es), es));
	int_end(c, i, w, r);
}

/* EW(handler, op, element size, XMM feature, MMX feature) */
#define EW_TABLE                                                                                \
	EW(paddb, EW_ADD, 1, FEAT_sse2, FEAT_mmx)                                              \
	EW(paddw, EW_ADD, 2, FEAT_sse2, FEAT_mmx)                                              \
	EW(paddd, EW_ADD, 4, FEAT_sse2, FEAT_mmx)                                              \
	EW(paddq, EW_ADD, 8, FEAT_sse2, FEAT_sse2)                                             \
	EW(psubb, EW_SUB, 1, FEAT_sse2, FEAT_mmx)                                              \
	EW(psubw, EW_SUB, 2, FEAT_sse2, FEAT_mmx)                                              \
	EW(psubd, EW_SUB, 4, FEAT_sse2, FEAT_mmx)                                              \
	EW(psubq, EW_SUB, 8, FEAT_sse2, FEAT_sse2)                                             \
	EW(paddsb, EW_ADDS, 1, FEAT_sse2, FEAT_mmx)                                            \
	EW(paddsw, EW_ADDS, 2, FEAT_sse2, FEAT_mmx)                                            \
	EW(paddusb, EW_ADDUS, 1, FEAT_sse2, FEAT_mmx)                                          \
	EW(paddusw, EW_ADDUS, 2, FEAT_sse2, FEAT_mmx)                                          \
	EW(psubsb, EW_SUBS, 1, FEAT_sse2, FEAT_mmx)                                            \
	EW(psubsw, EW_SUBS, 2, FEAT_sse2, FEAT_mmx)                                            \
	EW(psubusb, EW_SUBUS, 1, FEAT_sse2, FEAT_mmx)                                          \
	EW(psubusw, EW_SUBUS, 2, FEAT_sse2, FEAT_mmx)                                          \
	EW(pcmpeqb, EW_CMPEQ, 1, FEAT_sse2, FEAT_mmx)                                          \
	EW(pcmpeqw, EW_CMPEQ, 2, FEAT_sse2, FEAT_mmx)                                          \
	EW(pcmpeqd, EW_CMPEQ, 4, FEAT_sse2, FEAT_mmx)                                          \
	EW(pcmpeqq, EW_CMPEQ, 8, FEAT_sse4_1, FEAT_sse4_1)                                     \
	EW(pcmpgtb, EW_CMPGT, 1, FEAT_sse2, FEAT_mmx)                                          \
	EW(pcmpgtw, EW_CMPGT, 2, FEAT_sse2, FEAT_mmx)                                          \
	EW(pcmpgtd, EW_CMPGT, 4, FEAT_sse2, FEAT_mmx)                                          \
	EW(pcmpgtq, EW_CMPGT, 8, FEAT_sse4_2, FEAT_sse4_2)                                     \
	EW(pminub, EW_MINU, 1, FEAT_sse2, FEAT_sse)                                            \
	EW(pminuw, EW_MINU, 2, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pminud, EW_MINU, 4, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pmaxub, EW_MAXU, 1, FEAT_sse2, FEAT_sse)                                            \
	EW(pmaxuw, EW_MAXU, 2, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pmaxud, EW_MAXU, 4, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pminsb, EW_MINS, 1, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pminsw, EW_MINS, 2, FEAT_sse2, FEAT_sse)                                            \
	EW(pminsd, EW_MINS, 4, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pmaxsb, EW_MAXS, 1, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pmaxsw, EW_MAXS, 2, FEAT_sse2, FEAT_sse)                                            \
	EW(pmaxsd, EW_MAXS, 4, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pavgb, EW_AVG, 1, FEAT_sse2, FEAT_sse)                                              \
	EW(pavgw, EW_AVG, 2, FEAT_sse2, FEAT_sse)                                              \
	EW(pmullw, EW_MULL, 2, FEAT_sse2, FEAT_mmx)                                            \
	EW(pmulld, EW_MULL, 4, FEAT_sse4_1, FEAT_sse4_1)                                       \
	EW(pmulhw, EW_MULHS, 2, FEAT_sse2, FEAT_mmx)                                           \
	EW(pmulhuw, EW_MULHU, 2, FEAT_sse2, FEAT_sse)                                          \
	EW(pmulhrsw, EW_MULHRS, 2, FEAT_ssse3, FEAT_ssse3)                                     \
	EW(psignb, EW_SIGN, 1, FEAT_ssse3, FEAT_ssse3)                                         \
	EW(psignw, EW_SIGN, 2, FEAT_ssse3, FEAT_ssse3)                                         \
	EW(psignd, EW_SIGN, 4, FEAT_ssse3, FEAT_ssse3)                                         \
	EW(pabsb, EW_ABS, 1, FEAT_ssse3, FEAT_ssse3)                                           \
	EW(pabsw, EW_ABS, 2, FEAT_ssse3, FEAT_ssse3)                                           \
	EW(pabsd, EW_ABS, 4, FEAT_ssse3, FEAT_ssse3)                                           \
	EW(pand, EW_AND, 8, FEAT_sse2, FEAT_mmx)                                               \
	EW(pandn, EW_ANDN, 8, FEAT_sse2, FEAT_mmx)                                             \
	EW(por, EW_OR, 8, FEAT_sse2, FEAT_mmx)                                                 \
	EW(pxor, EW_XOR, 8, FEAT_sse2, FEAT_mmx)                                               \
	EW(andps, EW_AND, 8, FEAT_sse, FEAT_sse)                                               \
	EW(andnps, EW_ANDN, 8, FEAT_sse, FEAT_sse)                                             \
	EW(orps, EW_OR, 8, FEAT_sse, FEAT_sse)                                                 \
	EW(xorps, EW_XOR, 8, FEAT_sse, FEAT_sse)                                               \
	EW(andpd, EW_AND, 8, FEAT_sse2, FEAT_sse2)                                             \
	EW(andnpd, EW_ANDN, 8, FEAT_sse2, FEAT_sse2)                                           \
	EW(orpd, EW_OR, 8, FEAT_sse2, FEAT_sse2)                                               \
	EW(xorpd, EW_XOR, 8, FEAT_sse2, FEAT_sse2)

#define EW(name, op, es, fx, fm)                                                                \
	void exec_##name(struct cpu *c, const struct insn *i) { elementwise(c, i, op, es, fx, fm); }
EW_TABLE
#undef EW

/* --- widening multiplies and multiply-adds --- */
enum wide { WD_MULUDQ, WD_MULDQ, WD_MADDWD, WD_MADDUBSW, WD_SADBW };

static void widening(struct cpu *c, const struct insn *i, enum wide op, enum cpu_feature fx,
		     enum cpu_feature fm)
{
	struct v128 a, b, r = { { 0, 0 } };
	unsigned w = int_begin(c, i, fx, fm, &a, &b);

	for (unsigned k = 0; k < w / 8; k++) {
		u64 x = a.q[k], y = b.q[k], s = 0;
		switch (op) {
		case WD_MULUDQ: /* PMULUDQ: the low unsigned dwords */
			r.q[k] = (x & 0xffffffffu) * (y & 0xffffffffu);
			break;
		case WD_MULDQ: /* PMULDQ: the low signed dwords */
			r.q[k] = (u64)(sx(x, 4) * sx(y, 4));
			break;
		case WD_MADDWD: /* PMADDWD: signed word products, adjacent pairs summed */
			for (unsigned j = 0; j < 2; j++) {
				i64 p0 = sx(x >> (32 * j), 2) * sx(y >> (32 * j), 2);
				i64 p1 = sx(x >> (32 * j + 16), 2) * sx(y >> (32 * j + 16), 2);
				r.q[k] |= ((u64)(p0 + p1) & 0xffffffffu) << (32 * j);
			}
			break;
		case WD_MADDUBSW: /* unsigned bytes of dst times signed bytes of src */
			for (unsigned j = 0; j < 4; j++) {
				i64 p0 = (i64)((x >> (16 * j)) & 0xff) * sx(y >> (16 * j), 1);
				i64 p1 = (i64)((x >> (16 * j + 8)) & 0xff) * sx(y >> (16 * j + 8), 1);
				r.q[k] |= sat_s(p0 + p1, 2) << (16 * j) & (0xffffull << (16 * j));
			}
			break;
		case WD_SADBW: /* sum of absolute byte differences into bits 15:0 */
			for (unsigned j = 0; j < 8; j++) {
				u64 p = (x >> (8 * j)) & 0xff, q = (y >> (8 * j)) & 0xff;
				s += p > q ? p - q : q - p;
			}
			r.q[k] = s;
			break;
		}
	}
	int_end(c, i, w, r);
}

void exec_pmuludq(struct cpu *c, const struct insn *i)
{
	widening(c, i, WD_MULUDQ, FEAT_sse2, FEAT_sse2);
}
void exec_pmuldq(struct cpu *c, const struct insn *i)
{
	widening(c, i, WD_MULDQ, FEAT_sse4_1, FEAT_sse4_1);
}
void exec_pmaddwd(struct cpu *c, const struct insn *i)
{
	widening(c, i, WD_MADDWD, FEAT_sse2, FEAT_mmx);
}
void exec_pmaddubsw(struct cpu *c, const struct insn *i)
{
	widening(c, i, WD_MADDUBSW, FEAT_ssse3, FEAT_ssse3);
}
void exec_psadbw(struct cpu *c, const struct insn *i)
{
	widening(c, i, WD_SADBW, FEAT_sse2, FEAT_sse);
}

/* --- SSSE3 horizontal add/subtract: the pairs of the destination give the
 * low half of the result, the pairs of the source the high half --- */
enum hop { HZ_ADD, HZ_ADDS, HZ_SUB, HZ_SUBS };

static void horizontal(struct cpu *c, const struct insn *i, enum hop op, unsigned es)
{
	struct v128 a, b, r = { { 0, 0 } };
	unsigned w = int_begin(c, i, FEAT_ssse3, FEAT_ssse3, &a, &b), n = w / es / 2;

	for (unsigned k = 0; k < 2 * n; k++) {
		const struct v128 *s = k < n ? &a : &b;
		unsigned j = 2 * (k % n);
		i64 x = sx(v_get(s, j, es), es), y = sx(v_get(s, j + 1, es), es);
		i64 v = (op == HZ_ADD || op == HZ_ADDS) ? x + y : x - y;
		v_put(&r, k, es, (op == HZ_ADDS || op == HZ_SUBS) ? sat_s(v, es) : (u64)v);
	}
	int_end(c, i, w, r);
}

void exec_phaddw(struct cpu *c, const struct insn *i) { horizontal(c, i, HZ_ADD, 2); }
void exec_phaddd(struct cpu *c, const struct insn *i) { horizontal(c, i, HZ_ADD, 4); }
void exec_phaddsw(struct cpu *c, const struct insn *i) { horizontal(c, i, HZ_ADDS, 2); }
void exec_phsubw(struct cpu *c, const struct insn *i) { horizontal(c, i, HZ_SUB, 2); }
void exec_phsubd(struct cpu *c, const struct insn *i) { horizontal(c, i, HZ_SUB, 4); }
void exec_phsubsw(struct cpu *c, const struct insn *i) { horizontal(c, i, HZ_SUBS, 2); }

/* --- shifts (SDM Vol.2 PSLLW/PSLLD/PSLLQ, PSRLW..., PSRAW/PSRAD): the count
 * is an imm8 or the whole low quadword of the source; a count above the
 * element width clears the element (arithmetic: fills it with the sign) */
enum shk { SH_LL, SH_RL, SH_RA };

static void shift(struct cpu *c, const struct insn *i, enum shk k, unsigned es)
{
	struct v128 a, r = { { 0, 0 } };
	unsigned w;
	u64 cnt;

	sse_need(c, sse_is_mmx(i) ? FEAT_mmx : FEAT_sse2);
	w = vec_prologue(c, i);
	a = vread(c, i, 0, w, true);
	cnt = i->op[1].kind == OPK_IMM ? (u8)i->imm : vread(c, i, 1, w, true).q[0];
	for (unsigned n = 0; n < w / es; n++) {
		u64 x = v_get(&a, n, es), v;
		if (cnt >= es * 8)
			v = k == SH_RA ? (u64)(sx(x, es) >> (es * 8 - 1)) : 0;
		else if (k == SH_LL)
			v = x << cnt;
		else if (k == SH_RL)
			v = x >> cnt;
		else
			v = (u64)(sx(x, es) >> cnt);
		v_put(&r, n, es, v);
	}
	int_end(c, i, w, r);
}

void exec_psllw(struct cpu *c, const struct insn *i) { shift(c, i, SH_LL, 2); }
void exec_pslld(struct cpu *c, const struct insn *i) { shift(c, i, SH_LL, 4); }
void exec_psllq(struct cpu *c, const struct insn *i) { shift(c, i, SH_LL, 8); }
void exec_psrlw(struct cpu *c, const struct insn *i) { shift(c, i, SH_RL, 2); }
void exec_psrld(struct cpu *c, const struct insn *i) { shift(c, i, SH_RL, 4); }
void exec_psrlq(struct cpu *c, const struct insn *i) { shift(c, i, SH_RL, 8); }
void exec_psraw(struct cpu *c, const struct insn *i) { shift(c, i, SH_RA, 2); }
void exec_psrad(struct cpu *c, const struct insn *i) { shift(c, i, SH_RA, 4); }

/* PSLLDQ/PSRLDQ xmm, imm8: byte shifts of the whole register; counts above
 * 15 clear it */
static void shift_bytes(struct cpu *c, const struct insn *i, bool left)
{
	u8 s[16], d[16] = { 0 };
	u64 *x = xmm_of(c, i, 0);
	unsigned n = (u8)i->imm;

	sse_need(c, FEAT_sse2);
	sse_prologue(c);
	memcpy(s, x, 16);
	for (unsigned k = 0; k < 16 && n < 16; k++) {
		if (left && k >= n)
			d[k] = s[k - n];
		if (!left && k + n < 16)
			d[k] = s[k + n];
	}
	memcpy(x, d, 16);
}

void exec_pslldq(struct cpu *c, const struct insn *i) { shift_bytes(c, i, true); }
void exec_psrldq(struct cpu *c, const struct insn *i) { shift_bytes(c, i, false); }

/* PTEST xmm1, xmm2/m128 (SSE4.1): ZF <- (src AND dst) = 0, CF <- (src AND
 * NOT dst) = 0; AF OF PF SF cleared */
void exec_ptest(struct cpu *c, const struct insn *i)
{
	struct v128 a, b;
	u64 f = 0;

	int_begin(c, i, FEAT_sse4_1, FEAT_sse4_1, &a, &b);
	if (!((a.q[0] & b.q[0]) | (a.q[1] & b.q[1])))
		f |= RFLAGS_ZF;
	if (!((~a.q[0] & b.q[0]) | (~a.q[1] & b.q[1])))
		f |= RFLAGS_CF;
	flags_set(c, RFLAGS_ARITH, f);
}

/* PHMINPOSUW xmm1, xmm2/m128 (SSE4.1): the minimum unsigned word of the
 * source and its index (lowest index on ties) */
void exec_phminposuw(struct cpu *c, const struct insn *i)
{
	struct v128 a, b, r = { { 0, 0 } };
	unsigned best = 0;

	int_begin(c, i, FEAT_sse4_1, FEAT_sse4_1, &a, &b);
	for (unsigned k = 1; k < 8; k++)
		if (v_get(&b, k, 2) < v_get(&b, best, 2))
			best = k;
	r.q[0] = v_get(&b, best, 2) | (u64)best << 16;
	int_end(c, i, 16, r);
}
