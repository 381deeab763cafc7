/* cpu/fpu/exec_sse_shuf.c: SIMD data rearrangement: unpack, pack, shuffles,
 * PALIGNR, blends, inserts and extracts, sign/zero extension, duplicating
 * moves, MPSADBW, and the non-temporal/masked stores (SDM Vol.2 page of
 * each instruction; MMX forms where the instruction has one). */
#include "cpu/fpu/exec_sse.h"
#include "cpu/memory/mem.h"

/* dst (op 0) and src (op 1) of an MMX/XMM instruction; src_size 0: the
 * register width. Returns the width. */
static unsigned begin2(struct cpu *c, const struct insn *i, enum cpu_feature fx,
		       enum cpu_feature fm, unsigned src_size, struct v128 *a, struct v128 *b)
{
	unsigned w;

	sse_need(c, sse_is_mmx(i) ? fm : fx);
	w = vec_prologue(c, i);
	*a = vread(c, i, 0, w, true);
	*b = vread(c, i, 1, src_size ? src_size : w, true);
	return w;
}

static void end2(struct cpu *c, const struct insn *i, unsigned w, struct v128 r)
{
	if (w == 8)
		r.q[1] = 0;
	vwrite(c, i, 0, w, true, r);
}

/* --- PUNPCKL*, PUNPCKH*, UNPCK*PS/PD: interleave the low (or high) halves;
 * the MMX low forms read only 32 bits of memory --- */
static void unpack(struct cpu *c, const struct insn *i, unsigned es, bool high,
		   enum cpu_feature fx)
{
	bool mm = sse_is_mmx(i);
	struct v128 a, b, r;
	unsigned w = begin2(c, i, fx, FEAT_mmx, mm && !high ? 4 : 0, &a, &b), n = w / es / 2;

	for (unsigned k = 0; k < n; k++) {
		v_put(&r, 2 * k, es, v_get(&a, k + (high ? n : 0), es));
		v_put(&r, 2 * k + 1, es, v_get(&b, k + (high ? n : 0), es));
	}
	end2(c, i, w, r);
}

void exec_punpcklbw(struct cpu *c, const struct insn *i) { unpack(c, i, 1, false, FEAT_sse2); }
void exec_punpcklwd(struct cpu *c, const struct insn *i) { unpack(c, i, 2, false, FEAT_sse2); }
void exec_punpckldq(struct cpu *c, const struct insn *i) { unpack(c, i, 4, false, FEAT_sse2); }
void exec_punpcklqdq(struct cpu *c, const struct insn *i) { unpack(c, i, 8, false, FEAT_sse2); }
void exec_punpckhbw(struct cpu *c, const struct insn *i) { unpack(c, i, 1, true, FEAT_sse2); }
void exec_punpckhwd(struct cpu *c, const struct insn *i) { unpack(c, i, 2, true, FEAT_sse2); }
void exec_punpckhdq(struct cpu *c, const struct insn *i) { unpack(c, i, 4, true, FEAT_sse2); }
void exec_punpckhqdq(struct cpu *c, const struct insn *i) { unpack(c, i, 8, true, FEAT_sse2); }
void exec_unpcklps(struct cpu *c, const struct insn *i) { unpack(c, i, 4, false, FEAT_sse); }
void exec_unpckhps(struct cpu *c, const struct insn *i) { unpack(c, i, 4, true, FEAT_sse); }
void exec_unpcklpd(struct cpu *c, const struct insn *i) { unpack(c, i, 8, false, FEAT_sse2); }
void exec_unpckhpd(struct cpu *c, const struct insn *i) { unpack(c, i, 8, true, FEAT_sse2); }

/* --- PACKSSWB/PACKSSDW/PACKUSWB/PACKUSDW: the destination's elements then
 * the source's, each narrowed with signed or unsigned saturation --- */
static void pack(struct cpu *c, const struct insn *i, unsigned es, bool usat,
		 enum cpu_feature fx)
{
	struct v128 a, b, r;
	unsigned w = begin2(c, i, fx, FEAT_mmx, 0, &a, &b), n = w / es;
	i64 hi = usat ? (i64)size_mask(es / 2) : (i64)(size_mask(es / 2) >> 1);
	i64 lo = usat ? 0 : -hi - 1;

	for (unsigned k = 0; k < 2 * n; k++) {
		i64 v = (i64)sext(v_get(k < n ? &a : &b, k % n, es), es * 8);
		v_put(&r, k, es / 2, (u64)(v > hi ? hi : v < lo ? lo : v));
	}
	end2(c, i, w, r);
}

void exec_packsswb(struct cpu *c, const struct insn *i) { pack(c, i, 2, false, FEAT_sse2); }
void exec_packssdw(struct cpu *c, const struct insn *i) { pack(c, i, 4, false, FEAT_sse2); }
void exec_packuswb(struct cpu *c, const struct insn *i) { pack(c, i, 2, true, FEAT_sse2); }
void exec_packusdw(struct cpu *c, const struct insn *i) { pack(c, i, 4, true, FEAT_sse4_1); }

/* --- shuffles by immediate --- */
/* PSHUFW mm (SSE), PSHUFD, PSHUFLW, PSHUFHW xmm: element k of the selected
 * group <- source element imm8[2k+1:2k] of that group (4 elements of es) */
static void pshuf(struct cpu *c, const struct insn *i, unsigned es, unsigned group,
		  enum cpu_feature f)
{
	struct v128 a, b, r;
	unsigned w = begin2(c, i, f, FEAT_sse, 0, &a, &b);

	r = b;
	for (unsigned k = 0; k < 4; k++)
		v_put(&r, group * 4 + k, es, v_get(&b, group * 4 + ((i->imm >> (2 * k)) & 3), es));
	end2(c, i, w, r);
}

void exec_pshufw(struct cpu *c, const struct insn *i) { pshuf(c, i, 2, 0, FEAT_sse); }
void exec_pshufd(struct cpu *c, const struct insn *i) { pshuf(c, i, 4, 0, FEAT_sse2); }
void exec_pshuflw(struct cpu *c, const struct insn *i) { pshuf(c, i, 2, 0, FEAT_sse2); }
void exec_pshufhw(struct cpu *c, const struct insn *i) { pshuf(c, i, 2, 1, FEAT_sse2); }

/* SHUFPS: two dwords of the destination, two of the source; SHUFPD: one
 * quadword of each */
void exec_shufps(struct cpu *c, const struct insn *i)
{
	struct v128 a, b, r;

	begin2(c, i, FEAT_sse, FEAT_sse, 0, &a, &b);
	for (unsigned k = 0; k < 4; k++)
		v_put(&r, k, 4, v_get(k < 2 ? &a : &b, (i->imm >> (2 * k)) & 3, 4));
	end2(c, i, 16, r);
}

void exec_shufpd(struct cpu *c, const struct insn *i)
{
	struct v128 a, b, r;

	begin2(c, i, FEAT_sse2, FEAT_sse2, 0, &a, &b);
	r.q[0] = a.q[i->imm & 1];
	r.q[1] = b.q[(i->imm >> 1) & 1];
	end2(c, i, 16, r);
}

/* PSHUFB (SSSE3): byte k <- 0 if src byte k has bit 7 set, else dst byte
 * (src byte k mod width) */
void exec_pshufb(struct cpu *c, const struct insn *i)
{
	struct v128 a, b, r;
	unsigned w = begin2(c, i, FEAT_ssse3, FEAT_ssse3, 0, &a, &b);

	for (unsigned k = 0; k < w; k++) {
		u64 s = v_get(&b, k, 1);
		v_put(&r, k, 1, (s & 0x80) ? 0 : v_get(&a, s & (w - 1), 1));
	}
	end2(c, i, w, r);
}

/* PALIGNR (SSSE3): (dst:src) shifted right by imm8 bytes, low half kept */
void exec_palignr(struct cpu *c, const struct insn *i)
{
	struct v128 a, b, r;
	unsigned w = begin2(c, i, FEAT_ssse3, FEAT_ssse3, 0, &a, &b), n = (u8)i->imm;
	u8 cat[32];

	memcpy(cat, b.q, w);
	memcpy(cat + w, a.q, w);
	for (unsigned k = 0; k < w; k++)
		v_put(&r, k, 1, k + n < 2 * w ? cat[k + n] : 0);
	end2(c, i, w, r);
}

/* --- SSE4.1 blends: element k from the source where the selector says so:
 * an immediate bit, or the sign bit of the element in XMM0 --- */
static void blend(struct cpu *c, const struct insn *i, unsigned es, bool by_xmm0)
{
	struct v128 a, b, m = { { c->fpu.xmm[0][0], c->fpu.xmm[0][1] } };

	begin2(c, i, FEAT_sse4_1, FEAT_sse4_1, 0, &a, &b);
	for (unsigned k = 0; k < 16 / es; k++) {
		bool pick = by_xmm0 ? (v_get(&m, k, es) >> (es * 8 - 1)) & 1 : (i->imm >> k) & 1;
		if (pick)
			v_put(&a, k, es, v_get(&b, k, es));
	}
	end2(c, i, 16, a);
}

void exec_pblendw(struct cpu *c, const struct insn *i) { blend(c, i, 2, false); }
void exec_blendps(struct cpu *c, const struct insn *i) { blend(c, i, 4, false); }
void exec_blendpd(struct cpu *c, const struct insn *i) { blend(c, i, 8, false); }
void exec_pblendvb(struct cpu *c, const struct insn *i) { blend(c, i, 1, true); }
void exec_blendvps(struct cpu *c, const struct insn *i) { blend(c, i, 4, true); }
void exec_blendvpd(struct cpu *c, const struct insn *i) { blend(c, i, 8, true); }

/* --- inserts: PINSRB/W/D/Q xmm|mm, r/m, imm8 (element imm8 mod count) --- */
static void pinsr(struct cpu *c, const struct insn *i, unsigned es, enum cpu_feature fx)
{
	bool mm = sse_is_mmx(i);
	unsigned w, n;
	struct v128 a;
	u64 v;

	sse_need(c, mm ? FEAT_sse : fx);
	w = vec_prologue(c, i);
	a = vread(c, i, 0, w, false);
	v = vread(c, i, 1, i->op[1].kind == OPK_MEM ? es : (es == 8 ? 8 : 4), false).q[0];
	n = (unsigned)i->imm & (w / es - 1);
	v_put(&a, n, es, v);
	vwrite(c, i, 0, w, false, a);
}

void exec_pinsrb(struct cpu *c, const struct insn *i) { pinsr(c, i, 1, FEAT_sse4_1); }
void exec_pinsrw(struct cpu *c, const struct insn *i) { pinsr(c, i, 2, FEAT_sse2); }
void exec_pinsrd(struct cpu *c, const struct insn *i) { pinsr(c, i, 4, FEAT_sse4_1); }
void exec_pinsrq(struct cpu *c, const struct insn *i) { pinsr(c, i, 8, FEAT_sse4_1); }

/* --- extracts: PEXTRB/W/D/Q, EXTRACTPS r/m, xmm|mm, imm8; a register
 * destination is zero-extended (SDM: "zero-extended to 32/64 bits") --- */
static void pextr(struct cpu *c, const struct insn *i, unsigned es, enum cpu_feature fx)
{
	bool mm = sse_is_mmx(i);
	struct v128 s, r = { { 0, 0 } };
	unsigned w;

	/* PEXTRW r32, xmm, imm8 is SSE2 (66 0F C5) or SSE4.1 (66 0F 3A 15) */
	if (es == 2 && !mm && i->opmap == OPMAP_0F && i->opcode == 0xc5)
		fx = FEAT_sse2;
	sse_need(c, mm ? FEAT_sse : fx);
	w = vec_prologue(c, i);
	s = vread(c, i, 1, w, false);
	r.q[0] = v_get(&s, (unsigned)i->imm & (w / es - 1), es);
	if (i->op[0].kind == OPK_MEM) {
		vwrite(c, i, 0, es, false, r);
	} else {
		reg_write(c, i->op[0].reg, i->op[0].size == 8 ? 8 : 4, r.q[0]);
		if (mm)
			mmx_commit(c);
	}
}

void exec_pextrb(struct cpu *c, const struct insn *i) { pextr(c, i, 1, FEAT_sse4_1); }
void exec_pextrw(struct cpu *c, const struct insn *i) { pextr(c, i, 2, FEAT_sse4_1); }
void exec_pextrd(struct cpu *c, const struct insn *i) { pextr(c, i, 4, FEAT_sse4_1); }
void exec_pextrq(struct cpu *c, const struct insn *i) { pextr(c, i, 8, FEAT_sse4_1); }
void exec_extractps(struct cpu *c, const struct insn *i) { pextr(c, i, 4, FEAT_sse4_1); }

/* INSERTPS xmm1, xmm2/m32, imm8 (SSE4.1): source dword imm8[7:6] (a memory
 * source is the dword itself) to destination dword imm8[5:4], then the
 * dwords in imm8[3:0] are zeroed */
void exec_insertps(struct cpu *c, const struct insn *i)
{
	bool mem = i->op[1].kind == OPK_MEM;
	struct v128 a, b;
	unsigned imm = (u8)i->imm;

	begin2(c, i, FEAT_sse4_1, FEAT_sse4_1, mem ? 4 : 16, &a, &b);
	v_put(&a, (imm >> 4) & 3, 4, v_get(&b, mem ? 0 : imm >> 6, 4));
	for (unsigned k = 0; k < 4; k++)
		if (imm & (1u << k))
			v_put(&a, k, 4, 0);
	end2(c, i, 16, a);
}

/* --- PMOVSX and PMOVZX (SSE4.1): the low elements of the source widened to
 * fill the destination; memory operands are exactly the bytes used --- */
static void pmovx(struct cpu *c, const struct insn *i, unsigned from, unsigned to, bool sign)
{
	struct v128 a, b, r;
	unsigned n = 16 / to;

	begin2(c, i, FEAT_sse4_1, FEAT_sse4_1, n * from, &a, &b);
	for (unsigned k = 0; k < n; k++) {
		u64 v = v_get(&b, k, from);
		v_put(&r, k, to, sign ? sext(v, from * 8) : v);
	}
	end2(c, i, 16, r);
}

void exec_pmovsxbw(struct cpu *c, const struct insn *i) { pmovx(c, i, 1, 2, true); }
void exec_pmovsxbd(struct cpu *c, const struct insn *i) { pmovx(c, i, 1, 4, true); }
void exec_pmovsxbq(struct cpu *c, const struct insn *i) { pmovx(c, i, 1, 8, true); }
void exec_pmovsxwd(struct cpu *c, const struct insn *i) { pmovx(c, i, 2, 4, true); }
void exec_pmovsxwq(struct cpu *c, const struct insn *i) { pmovx(c, i, 2, 8, true); }
void exec_pmovsxdq(struct cpu *c, const struct insn *i) { pmovx(c, i, 4, 8, true); }
void exec_pmovzxbw(struct cpu *c, const struct insn *i) { pmovx(c, i, 1, 2, false); }
void exec_pmovzxbd(struct cpu *c, const struct insn *i) { pmovx(c, i, 1, 4, false); }
void exec_pmovzxbq(struct cpu *c, const struct insn *i) { pmovx(c, i, 1, 8, false); }
void exec_pmovzxwd(struct cpu *c, const struct insn *i) { pmovx(c, i, 2, 4, false); }
void exec_pmovzxwq(struct cpu *c, const struct insn *i) { pmovx(c, i, 2, 8, false); }
void exec_pmovzxdq(struct cpu *c, const struct insn *i) { pmovx(c, i, 4, 8, false); }

/* --- SSE3 duplicating moves --- */
void exec_movddup(struct cpu *c, const struct insn *i)
{
	struct v128 a, b;

	begin2(c, i, FEAT_sse3, FEAT_sse3, 8, &a, &b);
	b.q[1] = b.q[0];
	end2(c, i, 16, b);
}

static void movdup32(struct cpu *c, const struct insn *i, unsigned odd)
{
	struct v128 a, b;

	begin2(c, i, FEAT_sse3, FEAT_sse3, 0, &a, &b);
	for (unsigned k = 0; k < 4; k++)
		v_put(&a, k, 4, v_get(&b, (k & ~1u) + odd, 4));
	end2(c, i, 16, a);
}

void exec_movshdup(struct cpu *c, const struct insn *i) { movdup32(c, i, 1); }
void exec_movsldup(struct cpu *c, const struct insn *i) { movdup32(c, i, 0); }

/* MPSADBW xmm1, xmm2/m128, imm8 (SSE4.1): eight sums of absolute
 * differences between the 4-byte source block imm8[1:0] and the eight
 * 4-byte windows of the destination starting at byte 4 * imm8[2] */
void exec_mpsadbw(struct cpu *c, const struct insn *i)
{
	struct v128 a, b, r;
	unsigned so = 4 * ((unsigned)i->imm & 3), dof = 4 * (((unsigned)i->imm >> 2) & 1);

	begin2(c, i, FEAT_sse4_1, FEAT_sse4_1, 0, &a, &b);
	for (unsigned k = 0; k < 8; k++) {
		u64 s = 0;
		for (unsigned j = 0; j < 4; j++) {
			u64 x = v_get(&a, dof + k + j, 1), y = v_get(&b, so + j, 1);
			s += x > y ? x - y : y - x;
		}
		v_put(&r, k, 2, s);
	}
	end2(c, i, 16, r);
}

/* --- MMX <-> XMM moves (SSE2) --- */
void exec_movq2dq(struct cpu *c, const struct insn *i)
{
	u64 *d = xmm_of(c, i, 0);

	sse_need(c, FEAT_sse2);
	sse_prologue(c);
	mmx_prologue(c);
	d[0] = c->fpu.st[i->op[1].reg & 7].mant;
	d[1] = 0;
	mmx_commit(c);
}

void exec_movdq2q(struct cpu *c, const struct insn *i)
{
	sse_need(c, FEAT_sse2);
	sse_prologue(c);
	mmx_prologue(c);
	mmx_set(c, i->op[0].reg, xmm_of(c, i, 1)[0]);
}

/* --- non-temporal moves (the hint has no architectural effect) --- */
void exec_movntq(struct cpu *c, const struct insn *i)
{
	sse_need(c, FEAT_sse);
	vec_prologue(c, i);
	vwrite(c, i, 0, 8, false, vread(c, i, 1, 8, false));
}

/* MOVNTDQA xmm, m128 (SSE4.1): an aligned load */
void exec_movntdqa(struct cpu *c, const struct insn *i)
{
	sse_need(c, FEAT_sse4_1);
	sse_prologue(c);
	vwrite(c, i, 0, 16, true, vread(c, i, 1, 16, true));
}

/* MOVNTI m32/m64, r32/r64 (SSE2): a plain store; no SSE state involved,
 * so no CR0/CR4 checks */
void exec_movnti(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[1].size == 8 ? 8 : 4;

	sse_need(c, FEAT_sse2);
	if (i->op[0].kind != OPK_MEM)
		cpu_ud(c);
	cpu_write(c, i->seg, insn_ea(c, i), size, reg_read(c, i->op[1].reg, size));
}

/* MASKMOVQ mm1, mm2 / MASKMOVDQU xmm1, xmm2: the bytes of operand 1 whose
 * mask byte (operand 2) has bit 7 set are stored at DS:rDI (segment
 * overridable). The whole 8/16-byte destination is
 * checked for write access first, as one access (measured on the host: a
 * #PF reports the first byte of the destination in the faulting page even
 * when that byte is not selected, and an all-zero mask still faults; the
 * SDM allows either for a zero mask). Alignment checking (#AC(0) at CPL 3
 * with CR0.AM and RFLAGS.AC) wants 8-byte alignment for both, as measured
 * on the AMD host (the SDM lists #AC without saying which alignment). */
void exec_maskmovq(struct cpu *c, const struct insn *i)
{
	struct v128 d, m;
	unsigned w, seg = (i->flags & INSN_F_HAS_MEM) ? i->seg : SEG_DS;
	u64 ea = c->gpr[RDI] & size_mask(i->asize), lin;

	sse_need(c, sse_is_mmx(i) ? FEAT_sse : FEAT_sse2);
	w = vec_prologue(c, i);
	d = vread(c, i, 0, w, false);
	m = vread(c, i, 1, w, false);
	lin = seg_check(c, seg, ea, w, ACC_W);
	if (c->cpl == 3 && (lin & 7) && (c->cr0 & CR0_AM) && (c->rflags & RFLAGS_AC))
		cpu_fault(c, VEC_AC, 0);
	mem_translate(c, lin, ACC_W);
	if ((lin ^ (lin + w - 1)) >> 12)
		mem_translate(c, (lin + w - 1) & ~0xfffull, ACC_W);
	for (unsigned k = 0; k < w; k++)
		if (v_get(&m, k, 1) & 0x80)
			cpu_write(c, seg, (ea + k) & size_mask(i->asize), 1, v_get(&d, k, 1));
	if (w == 8)
		mmx_commit(c);
}
