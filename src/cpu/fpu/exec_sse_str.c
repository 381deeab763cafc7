/* cpu/fpu/exec_sse_str.c: the SSE4.2 packed string compares PCMPESTRI,
 * PCMPESTRM, PCMPISTRI, PCMPISTRM (SDM Vol.2B "Programming with SSE4.2:
 * Packed String Compare" sections: "Source Data Format", "Aggregation
 * Operation", "Polarity", "Output Selection", "Valid/Invalid Override of
 * Comparisons"). The memory operand needs no alignment. */
#include "cpu/fpu/exec_sse.h"
#include "cpu/exec/flags.h"

struct strcmp_in {
	unsigned n;          /* elements: 16 bytes or 8 words */
	bool sgn;            /* imm8[1]: signed elements */
	unsigned la, lb;     /* valid lengths of a (xmm1) and b (xmm2/m128) */
	u64 a[16], b[16];    /* elements, sign-extended when signed */
};

/* element j of a compared with element i of b, with the override for
 * invalid elements (table "Comparison Result for Each Element Pair") */
static bool pair(const struct strcmp_in *s, unsigned agg, unsigned j, unsigned i, bool hi)
{
	bool av = j < s->la, bv = i < s->lb;

	if (!av || !bv) {
		if (agg == 2) /* equal each: both invalid is true */
			return !av && !bv;
		if (agg == 3) /* equal ordered: an invalid needle element is true */
			return !av;
		return false;
	}
	if (agg == 1) { /* ranges: a[j] <= b[i] for even j, b[i] <= a[j] for odd */
		if (s->sgn)
			return hi ? (i64)s->b[i] <= (i64)s->a[j] : (i64)s->a[j] <= (i64)s->b[i];
		return hi ? s->b[i] <= s->a[j] : s->a[j] <= s->b[i];
	}
	return s->a[j] == s->b[i];
}

/* "Aggregation Operation" then "Polarity": IntRes2 */
static u32 intres2(const struct strcmp_in *s, unsigned imm)
{
	unsigned agg = (imm >> 2) & 3, n = s->n;
	u32 r = 0, all = (1u << n) - 1;

	for (unsigned i = 0; i < n; i++) {
		bool bit = agg == 3;
		for (unsigned j = 0; j < n; j++) {
			if (agg == 0)
				bit |= pair(s, agg, j, i, false);
			else if (agg == 1 && !(j & 1) && j + 1 < n)
				bit |= pair(s, agg, j, i, false) && pair(s, agg, j + 1, i, true);
		}
		if (agg == 2)
			bit = pair(s, agg, i, i, false);
		if (agg == 3)
			for (unsigned k = 0; k + i < n; k++)
				bit = bit && pair(s, agg, k, i + k, false);
		r |= (u32)bit << i;
	}
	switch ((imm >> 4) & 3) {
	case 1: return ~r & all;
	case 3: return r ^ (((1u << s->lb) - 1) & all);
	default: return r;
	}
}

/* explicit length: |reg| saturated to n (the 32-bit register without
 * REX.W, the 64-bit one with it) */
static unsigned explicit_len(u64 v, unsigned size, unsigned n)
{
	i64 x = (i64)sext(v, size * 8);
	u64 m = x < 0 ? 0 - (u64)x : (u64)x;
	return m > n ? n : (unsigned)m;
}

static void pcmpstr(struct cpu *c, const struct insn *i, bool expl, bool index)
{
	struct strcmp_in s;
	struct v128 a, b;
	unsigned imm = (u8)i->imm, es = (imm & 1) ? 2 : 1;
	unsigned rsize = i->osize == 8 ? 8 : 4;
	u32 r;

	sse_need(c, FEAT_sse4_2);
	sse_prologue(c);
	a = vread(c, i, 0, 16, false);
	b = vread(c, i, 1, 16, false);
	s.n = 16 / es;
	s.sgn = imm & 2;
	s.la = s.lb = s.n;
	for (unsigned k = s.n; k-- > 0;) {
		s.a[k] = v_get(&a, k, es);
		s.b[k] = v_get(&b, k, es);
		if (!expl && !s.a[k])
			s.la = k;
		if (!expl && !s.b[k])
			s.lb = k;
		if (s.sgn) {
			s.a[k] = sext(s.a[k], es * 8);
			s.b[k] = sext(s.b[k], es * 8);
		}
	}
	if (expl) {
		s.la = explicit_len(c->gpr[RAX], rsize, s.n);
		s.lb = explicit_len(c->gpr[RDX], rsize, s.n);
	}
	r = intres2(&s, imm);
	if (index) { /* ECX: least or most significant set bit, or n */
		unsigned x = !r ? s.n : (imm & 0x40) ? 31 - (unsigned)__builtin_clz(r)
						     : (unsigned)__builtin_ctz(r);
		reg_write(c, RCX, 4, x);
	} else { /* XMM0: the bit mask, or each bit expanded to an element */
		struct v128 m = { { 0, 0 } };
		if (imm & 0x40)
			for (unsigned k = 0; k < s.n; k++)
				v_put(&m, k, es, (r >> k) & 1 ? ~0ull : 0);
		else
			m.q[0] = r;
		c->fpu.xmm[0][0] = m.q[0];
		c->fpu.xmm[0][1] = m.q[1];
	}
	/* CF: IntRes2 != 0; ZF/SF: b/a shorter than n; OF: IntRes2[0] */
	flags_set(c, RFLAGS_ARITH, (r ? RFLAGS_CF : 0) | (s.lb < s.n ? RFLAGS_ZF : 0) |
					   (s.la < s.n ? RFLAGS_SF : 0) | ((r & 1) ? RFLAGS_OF : 0));
}

void exec_pcmpestri(struct cpu *c, const struct insn *i) { pcmpstr(c, i, true, true); }
void exec_pcmpestrm(struct cpu *c, const struct insn *i) { pcmpstr(c, i, true, false); }
void exec_pcmpistri(struct cpu *c, const struct insn *i) { pcmpstr(c, i, false, true); }
void exec_pcmpistrm(struct cpu *c, const struct insn *i) { pcmpstr(c, i, false, false); }
