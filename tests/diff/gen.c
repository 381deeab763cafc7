/* tests/diff/gen.c: random cases for each instruction form.
 *
 * Encodings follow SDM Vol.2 "Instruction Format" (legacy prefixes, REX,
 * VEX, ModRM, SIB, displacement, immediate). Registers get random values
 * biased toward edges; registers used to address memory get values that
 * make the effective address land in the scratch area (mostly inside, a
 * few across a guard page or non-canonical), so both sides touch the same
 * memory. */
#include <string.h>

#include "base/compiler.h"
#include "gen.h"

const struct form diff_forms[] = {
#define X(nm, uf, pfx, map, opc, mo, sz, imm, fl, ft) \
	{ nm, uf, pfx, map, (u8)(opc), mo, sz, imm, fl, ft },
#include "forms.def"
#include "sse_forms.def"
#undef X
};
const unsigned diff_nforms = ARRAY_SIZE(diff_forms);
unsigned gen_ac_pct;

enum { W_ALWAYS, W_CNT_NZ, W_CNT_GT1, W_CNT_GE_W, W_CNT_GT_W, W_SRC_ZERO };
static const struct {
	u8 cls, when;
	u64 mask;
} uf_rows[] = {
#define C(n)
#define U(c, w, m) { c, w, m },
#include "undefined_flags.def"
#undef C
#undef U
};

#define RFL_TF BIT(8)
#define RFL_IF BIT(9)
#define RFL_NT BIT(14)
#define RFL_AC BIT(18)
#define RFL_ID BIT(21)

struct gctx {
	const struct form *f;
	u64 *rng;
	struct diff_case *k;
	u8 scratch[DIFF_DATA_SIZE]; /* the scratch contents, patches applied */
	unsigned size;              /* operand size in bytes (0: none) */
	bool vex, rex, a32, mem;
	u8 w, r, x, b;              /* REX/VEX extension bits */
	int reg, rm, base, index, vvvv;
	unsigned scale, mod, rmf, disp_len;
	int sib;                    /* SIB byte, or -1 */
	i64 disp;
	int disp_pos, imm_pos;
	bool riprel;
	u64 target;                 /* linear address of the memory operand */
	u8 imm8;
	u16 reserved;               /* registers base/index must not use */
};

static u64 rnd(struct gctx *g) { return diff_splitmix(g->rng); }
static u64 rn(struct gctx *g, u64 n) { return n ? rnd(g) % n : 0; }
static bool chance(struct gctx *g, unsigned pct) { return rn(g, 100) < pct; }

static void emit(struct gctx *g, u8 v)
{
	if (g->k->len < sizeof(g->k->code))
		g->k->code[g->k->len++] = v;
}

static void emit_le(struct gctx *g, u64 v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		emit(g, (u8)(v >> (8 * i)));
}

static void patch_le(struct gctx *g, int pos, u64 v, unsigned n)
{
	for (unsigned i = 0; i < n && pos + i < sizeof(g->k->code); i++)
		g->k->code[pos + i] = (u8)(v >> (8 * i));
}

/* a register value: edges, small numbers, single bits, or anything */
static u64 rand_val(struct gctx *g)
{
	static const u64 edge[] = {
		0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
		0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, ~0ull,
	};
	switch (rn(g, 8)) {
	case 0: return rn(g, 33);
	case 1: return -rn(g, 33);
	case 2: return edge[rn(g, ARRAY_SIZE(edge))] + rn(g, 3) - 1;
	case 3: return 1ull << rn(g, 64);
	default: return rnd(g);
	}
}

/* --- SIMD values: floating-point specials (zeros, denormals, infinities,
 * QNaN/SNaN, conversion limits), values that overflow or underflow when
 * combined, integer edges, or anything --- */
static u64 rand_f32(struct gctx *g)
{
	static const u32 sp[] = {
		0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000,
		0xffc00000, 0x7f800001, 0x7fa00000, 0x00000001, 0x007fffff, 0x80000001,
		0x00800000, 0x7f7fffff, 0x4f000000, 0xcf000000, 0x4effffff, 0x5f000000,
		0xdf000000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbfc00000,
	};
	u32 sign = (u32)rn(g, 2) << 31, m = (u32)rnd(g) & 0x7fffff;
	switch (rn(g, 5)) {
	case 0: case 1: return sp[rn(g, ARRAY_SIZE(sp))];
	case 2: return sign | (u32)(97 + rn(g, 60)) << 23 | m;              /* ordinary */
	case 3: return sign | (u32)(rn(g, 2) ? 1 + rn(g, 40) : 214 + rn(g, 40)) << 23 | m;
	default: return (u32)rnd(g);
	}
}

static u64 rand_f64(struct gctx *g)
{
	static const u64 sp[] = {
		0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
		0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
		0x7ff0000000000001ull, 0x7ff4000000000000ull, 1, 0x000fffffffffffffull,
		0x8000000000000001ull, 0x0010000000000000ull, 0x7fefffffffffffffull,
		0x41e0000000000000ull, 0xc1e0000000000000ull, 0x41dfffffffc00000ull,
		0x43e0000000000000ull, 0xc3e0000000000000ull, 0x3fe0000000000000ull,
		0x3ff8000000000000ull, 0x4004000000000000ull, 0x47efffffe0000000ull,
		0x3810000000000000ull, 0x36a0000000000000ull,
	};
	u64 sign = rn(g, 2) << 63, m = rnd(g) & 0xfffffffffffffull;
	switch (rn(g, 5)) {
	case 0: case 1: return sp[rn(g, ARRAY_SIZE(sp))];
	case 2: return sign | (1023 - 60 + rn(g, 120)) << 52 | m;
	case 3: return sign | (rn(g, 2) ? 1 + rn(g, 80) : 1900 + rn(g, 146)) << 52 | m;
	default: return rnd(g);
	}
}

static void rand_v128(struct gctx *g, u8 *p)
{
	unsigned kind = (unsigned)rn(g, 100);
	for (unsigned k = 0; k < 16; k += kind < 40 ? 4 : 8) {
		if (kind < 40)
			store_le32(p + k, (u32)rand_f32(g));
		else if (kind < 80)
			store_le64(p + k, rand_f64(g));
		else
			store_le64(p + k, rand_val(g));
	}
}

/* SDM Vol.1 "MXCSR Control and Status Register": mostly the default with a
 * random rounding mode, sometimes DAZ/FZ, unmasked exceptions, set flags */
static u32 rand_mxcsr(struct gctx *g)
{
	u32 m = 0x1f80 | (u32)rn(g, 4) << 13;
	if (chance(g, 15))
		m |= BIT(6);
	if (chance(g, 15))
		m |= BIT(15);
	if (chance(g, 30))
		for (unsigned b = 7; b <= 12; b++)
			if (chance(g, 35))
				m &= ~BIT(b);
	if (chance(g, 20))
		m |= (u32)rnd(g) & 0x3f;
	return m;
}

static void gen_sse_state(struct gctx *g)
{
	struct diff_case *k = g->k;
	for (int r = 0; r < 16; r++)
		rand_v128(g, (u8 *)k->in.xmm[r]);
	for (int r = 0; r < 8; r++)
		k->in.mm[r] = chance(g, 50) ? rand_val(g) : rnd(g);
	k->in.mxcsr = rand_mxcsr(g);
}

/* --- registers as the encoding names them (AH..BH without REX) --- */
static bool is_high8(const struct gctx *g, int r, unsigned size)
{
	return size == 1 && !g->rex && !g->vex && r >= 4 && r < 8;
}

static u64 reg_get(const struct gctx *g, int r, unsigned size)
{
	if (is_high8(g, r, size))
		return (g->k->in.gpr[r - 4] >> 8) & 0xff;
	return g->k->in.gpr[r] & size_mask(size);
}

static void reg_put(struct gctx *g, int r, unsigned size, u64 v)
{
	unsigned sh = 0;
	u64 *p = &g->k->in.gpr[r];
	if (is_high8(g, r, size)) {
		p = &g->k->in.gpr[r - 4];
		sh = 8;
	}
	u64 m = size_mask(size) << sh;
	*p = (*p & ~m) | ((v << sh) & m);
}

/* --- scratch memory as the case will see it --- */
static bool in_scratch(u64 a, unsigned n)
{
	return a >= DIFF_DATA_VA && a + n <= DIFF_DATA_VA + DIFF_DATA_SIZE;
}

static bool mem_get(const struct gctx *g, u64 a, unsigned n, u64 *v)
{
	if (!in_scratch(a, n) || n > 8)
		return false;
	*v = load_le(g->scratch + (a - DIFF_DATA_VA), n);
	return true;
}

static void mem_patch(struct gctx *g, u64 a, unsigned n, u64 v)
{
	struct diff_case *k = g->k;
	if (!in_scratch(a, n) || k->npatch >= ARRAY_SIZE(k->patch))
		return;
	k->patch[k->npatch].off = (u16)(a - DIFF_DATA_VA);
	k->patch[k->npatch].len = (u8)n;
	store_le(k->patch[k->npatch].bytes, n, v);
	k->npatch++;
	store_le(g->scratch + (a - DIFF_DATA_VA), n, v);
}

/* a 16-byte memory operand with SIMD values (two 8-byte patches) */
static void gen_sse_mem(struct gctx *g)
{
	u8 v[16];
	if (!(g->f->fl & F_SSE) || !g->mem || chance(g, 20))
		return;
	rand_v128(g, v);
	for (unsigned h = 0; h < 2; h++)
		mem_patch(g, g->target + 8 * h, 8, load_le64(v + 8 * h));
}

/* the ModRM.rm operand's value at the operand size, if known */
static bool src_value(const struct gctx *g, u64 *v)
{
	if (g->mem)
		return !(g->f->fl & F_NOACC) && mem_get(g, g->target, g->size, v);
	if (g->rm < 0)
		return false;
	*v = reg_get(g, g->rm, g->size);
	return true;
}

static int pick_reg(struct gctx *g, int excl, bool no_rsp)
{
	for (;;) {
		int r = (int)rn(g, 16);
		if (r == excl || (no_rsp && r == RSP) || (g->reserved & (1u << r)))
			continue;
		return r;
	}
}

static u64 stack_ptr(struct gctx *g)
{
	unsigned p = (unsigned)rn(g, 100);
	if (p < 4)
		return DIFF_DATA_VA + rn(g, 24); /* pushes run into the low guard */
	if (p < 8)
		return DIFF_GUARD_HI - rn(g, 24); /* pops run into the high guard */
	u64 v = DIFF_DATA_VA + 0x100 + rn(g, DIFF_DATA_SIZE - 0x200);
	return chance(g, 80) ? v & ~7ull : v;
}

static u64 pick_target(struct gctx *g, bool canon_only)
{
	unsigned p = (unsigned)rn(g, 100);
	if (g->f->fl & F_BTOFF)
		return DIFF_DATA_VA + 0x800 + rn(g, DIFF_DATA_SIZE - 0x1000);
	if (p < 4)
		return DIFF_GUARD_HI - 1 - rn(g, 12);
	if (p < 6)
		return DIFF_DATA_VA - 1 - rn(g, 8);
	if (p < 8 && !canon_only && !g->a32) {
		u64 t = (rn(g, 2) ? 0x0000800000000000ull : 0x8000000000000000ull) + DIFF_DATA_VA +
			rn(g, DIFF_DATA_SIZE);
		/* CMPXCHG16B: misaligned and non-canonical: the host (AMD) gives the
		 * alignment #GP priority over the stack #SS; the SDM does not say */
		if ((g->f->fl & F_CMPX) && g->f->mo == M_N(1) && g->size == 8)
			t &= ~15ull;
		return t;
	}
	u64 off = rn(g, DIFF_DATA_SIZE - 16);
	unsigned align = g->size ? g->size : 1;
	if (g->f->fl & F_A16)
		return DIFF_DATA_VA + (chance(g, 85) ? off & ~15ull : off);
	if ((g->f->fl & F_CMPX) && g->f->mo == M_N(1))
		align = g->size * 2; /* CMPXCHG16B needs 16-byte alignment */
	if (chance(g, 60))
		off &= ~(u64)(align - 1);
	return DIFF_DATA_VA + off;
}

/* SDM Vol.2 "ModR/M and SIB Bytes" / "Addressing in 64-bit mode" */
static void gen_mem(struct gctx *g)
{
	unsigned kind = (unsigned)rn(g, 100);
	bool noacc = g->f->fl & F_NOACC;
	int base = pick_reg(g, -1, false), index = pick_reg(g, base, true);
	u64 idxv = rn(g, 72) - 8, basev;

	g->scale = (unsigned)rn(g, 4);
	g->sib = -1;
	g->base = g->index = -1;
	g->x = (u8)rn(g, 2);
	g->b = (u8)rn(g, 2);
	if (kind < 55) { /* [base], [base+disp8], [base+disp32] */
		g->base = base;
		g->mod = kind < 25 ? 0 : kind < 45 ? 1 : 2;
		if (g->mod == 0 && (base & 7) == 5)
			g->mod = 1;
		g->rmf = base & 7;
		if (g->rmf == 4) {
			g->sib = (int)((rn(g, 4) << 6) | (4 << 3) | 4); /* no index */
			g->x = 0;
		}
	} else if (kind < 80) { /* [base+index*scale+disp] */
		g->base = base;
		g->index = index;
		g->mod = (unsigned)rn(g, 3);
		if (g->mod == 0 && (base & 7) == 5)
			g->mod = 1;
		g->rmf = 4;
		g->sib = (int)((g->scale << 6) | ((index & 7) << 3) | (base & 7));
	} else if (kind < 87) { /* [index*scale+disp32] */
		g->index = index;
		g->mod = 0;
		g->rmf = 4;
		g->sib = (int)((g->scale << 6) | ((index & 7) << 3) | 5);
	} else if (kind < 95) { /* [rip+disp32] */
		g->mod = 0;
		g->rmf = 5;
		g->riprel = true;
	} else { /* [disp32] */
		g->mod = 0;
		g->rmf = 4;
		g->sib = (int)((rn(g, 4) << 6) | (4 << 3) | 5);
		g->x = 0;
	}
	if (g->base >= 0)
		g->b = (u8)(g->base >> 3);
	if (g->index >= 0)
		g->x = (u8)(g->index >> 3);
	g->disp_len = g->mod == 1 ? 1 : (g->mod == 2 || g->rmf == 5 || (g->sib >= 0 && (g->sib & 7) == 5 && g->mod == 0)) ? 4 : 0;
	if (g->disp_len == 1)
		g->disp = (i8)rnd(g);
	else if (g->disp_len == 4)
		g->disp = chance(g, 85) ? (i64)rn(g, 0x4000) - 0x2000 : (i32)rnd(g);

	if (noacc) { /* LEA, NOP: any values */
		if (g->base >= 0)
			g->k->in.gpr[g->base] = rand_val(g);
		if (g->index >= 0)
			g->k->in.gpr[g->index] = rand_val(g);
		return;
	}
	g->target = pick_target(g, g->base < 0);
	if (g->a32)
		idxv = (rnd(g) << 32) | (u32)idxv;
	if (g->base < 0 && !g->riprel)
		g->disp = (i64)(g->target - (g->index >= 0 ? idxv << g->scale : 0));
	basev = g->target - (u64)g->disp - (g->index >= 0 ? idxv << g->scale : 0);
	if (g->a32)
		basev = (rnd(g) << 32) | (u32)basev;
	if (g->index >= 0)
		g->k->in.gpr[g->index] = idxv;
	if (g->base >= 0)
		g->k->in.gpr[g->base] = basev;
}

/* fixed-role registers, set before operands are chosen */
static void gen_roles(struct gctx *g)
{
	const struct form *f = g->f;
	u64 *gpr = g->k->in.gpr;
	u64 hi = g->a32 ? rnd(g) << 32 : 0;

	gpr[RSP] = stack_ptr(g);
	if (f->fl & F_STR) {
		gpr[RSI] = hi | (DIFF_DATA_VA + 0x40 + rn(g, DIFF_DATA_SIZE - 0x80));
		gpr[RDI] = (g->a32 ? rnd(g) << 32 : 0) | (DIFF_DATA_VA + 0x40 + rn(g, DIFF_DATA_SIZE - 0x80));
		if (chance(g, 10))
			gpr[RDI] = DIFF_GUARD_HI - rn(g, 24);
		if (chance(g, 10))
			gpr[RSI] = DIFF_DATA_VA + rn(g, 24);
		if (f->pfx & (P_F2 | P_F3))
			gpr[RCX] = (g->a32 ? rnd(g) << 32 : 0) | rn(g, 10);
		g->reserved |= (1u << RSI) | (1u << RDI) | (1u << RCX);
	}
	if (f->fl & F_FRAME)
		gpr[RBP] = (DIFF_DATA_VA + 0x200 + rn(g, DIFF_DATA_SIZE - 0x400)) & (chance(g, 80) ? ~7ull : ~0ull);
	if (f->fl & F_XLAT)
		gpr[RBX] = DIFF_DATA_VA + rn(g, DIFF_DATA_SIZE - 256);
	if (f->fl & (F_CL | F_RCX))
		g->reserved |= 1u << RCX;
	if (f->fl & (F_DIV | F_CMPX))
		g->reserved |= (1u << RAX) | (1u << RDX);
	/* the stack must stay in the scratch area: an RSP computed as a base
	 * register could point anywhere in the host process */
	if (f->fl & (F_D64 | F_IND | F_RET))
		g->reserved |= 1u << RSP;
}

static void gen_prefixes(struct gctx *g)
{
	const struct form *f = g->f;
	static const u8 segs[] = { 0x26, 0x2e, 0x36, 0x3e };

	/* SDM Vol.2 "REX Prefixes": a REX not immediately before the opcode
	 * is ignored, so one followed by a legacy prefix changes nothing */
	if (!g->vex && chance(g, 2)) {
		emit(g, (u8)(0x40 | rn(g, 16)));
		emit(g, segs[rn(g, 4)]);
	}
	/* Redundant prefixes; past 15 bytes the instruction is #GP(0). Not
	 * with an invalid encoding: "instruction length > 15 bytes" and
	 * "invalid opcode" have the same priority (SDM Vol.3A "Priority Among
	 * Simultaneous Exceptions and Interrupts"), so either may win. (No
	 * F2/F3 on instructions that do not define them: the SDM reserves
	 * that, and the AMD host does odd things, e.g. F2 LOOPE never jumps.) */
	bool bad = !(f->fl & F_FEW) && chance(g, 2);
	if (!bad && !(f->fl & F_FEW) && chance(g, 2))
		for (unsigned n = 1 + (unsigned)rn(g, 10); n; n--)
			emit(g, segs[rn(g, 4)]);
	if (chance(g, 4))
		emit(g, segs[rn(g, 4)]);
	/* SDM Vol.2 "VEX Prefix": 66/F2/F3 before VEX is #UD */
	if (g->vex && bad && chance(g, 50))
		emit(g, (u8[]){ 0x66, 0xf2, 0xf3 }[rn(g, 3)]);
	else if (((f->fl & F_LOCK) && g->mem && chance(g, 30)) || bad)
		emit(g, 0xf0); /* "bad": #UD unless a lockable memory form */
	if (g->size == 2 && !g->vex)
		emit(g, 0x66);
	if (g->a32)
		emit(g, 0x67);
	if (!g->vex) {
		if (f->pfx & P_66)
			emit(g, 0x66);
		if (f->pfx & P_F2)
			emit(g, 0xf2);
		if (f->pfx & P_F3)
			emit(g, 0xf3);
		if (g->rex)
			emit(g, (u8)(0x40 | g->w << 3 | g->r << 2 | g->x << 1 | g->b));
	}
}

static void gen_opcode(struct gctx *g)
{
	const struct form *f = g->f;
	u8 opc = f->opc;

	if (g->vex) { /* SDM Vol.2 "VEX Prefix": 3-byte form, L=0 */
		unsigned pp = (f->pfx & P_66) ? 1 : (f->pfx & P_F3) ? 2 : (f->pfx & P_F2) ? 3 : 0;
		emit(g, 0xc4);
		emit(g, (u8)((!g->r) << 7 | (!g->x) << 6 | (!g->b) << 5 | f->map));
		emit(g, (u8)(g->w << 7 | ((~g->vvvv & 15) << 3) | pp));
		emit(g, opc);
		return;
	}
	if (f->map >= 1)
		emit(g, 0x0f);
	if (f->map == 2)
		emit(g, 0x38);
	if (f->map == 3)
		emit(g, 0x3a);
	if (f->mo == M_OPR)
		opc = (u8)(opc + (g->rm & 7));
	if (f->fl & F_CC)
		opc = (u8)(opc + rn(g, 16));
	emit(g, opc);
}

static void gen_modrm(struct gctx *g)
{
	const struct form *f = g->f;
	if (f->mo != M_R && f->mo < M_N(0))
		return;
	unsigned regf = f->mo == M_R ? (unsigned)(g->reg & 7) : (unsigned)(f->mo - M_N(0));
	if (g->mem) {
		emit(g, (u8)(g->mod << 6 | regf << 3 | g->rmf));
		if (g->sib >= 0)
			emit(g, (u8)g->sib);
		g->disp_pos = g->k->len;
		emit_le(g, (u64)g->disp, g->disp_len);
	} else {
		emit(g, (u8)(0xc0 | regf << 3 | (g->rm & 7)));
	}
}

static u8 count_imm(struct gctx *g)
{
	unsigned bits = g->size ? g->size * 8 : 8;
	if (chance(g, 60))
		return (u8)rn(g, bits + 3);
	return (u8)rnd(g);
}

static void gen_imm(struct gctx *g)
{
	const struct form *f = g->f;
	g->imm_pos = g->k->len;
	switch (f->imm) {
	case IB:
		g->imm8 = (f->fl & F_CNTI) ? count_imm(g) : (u8)rand_val(g);
		if (f->fl & F_INTN)
			while (g->imm8 == 3 || g->imm8 == 4 || g->imm8 == 0x80)
				g->imm8 = (u8)rnd(g);
		emit(g, g->imm8);
		break;
	case IW: emit_le(g, rand_val(g), 2); break;
	case IZ: emit_le(g, rand_val(g), g->size == 2 ? 2 : 4); break;
	case IV: emit_le(g, rand_val(g), g->size); break;
	case IWB:
		emit_le(g, rn(g, 0x100), 2);
		emit(g, chance(g, 70) ? (u8)rn(g, 4) : (u8)rnd(g));
		break;
	case IMOFF:
		g->target = pick_target(g, false);
		emit_le(g, g->target, g->a32 ? 4 : 8);
		break;
	case IREL8: emit(g, 0); break;
	case IREL32: emit_le(g, 0, 4); break;
	default: break;
	}
}

/* value constraints that need the chosen operands */
static void gen_constraints(struct gctx *g)
{
	const struct form *f = g->f;
	struct diff_case *k = g->k;
	u64 *gpr = k->in.gpr, v;

	if (f->fl & F_CL) {
		gpr[RCX] &= ~0xffull;
		gpr[RCX] |= count_imm(g);
	}
	if (f->fl & F_RCX) {
		unsigned p = (unsigned)rn(g, 100);
		gpr[RCX] = p < 50 ? rn(g, 3) : p < 65 ? (0x100000000ull | rn(g, 2)) : rand_val(g);
	}
	if ((f->fl & F_ZSRC) && chance(g, 15)) {
		if (g->mem)
			mem_patch(g, g->target, g->size, 0);
		else
			reg_put(g, g->rm, g->size, 0);
	}
	if ((f->fl & F_DIV) && src_value(g, &v) && chance(g, 85) &&
	    (g->mem || (g->rm != RAX && g->rm != RDX && !is_high8(g, g->rm, g->size)))) {
		unsigned s = g->size;
		u64 lo = gpr[RAX] & size_mask(s), sign = lo >> (s * 8 - 1);
		u64 hi = (f->fl & F_IDIV) ? (sign ? ~0ull : 0) : v ? rn(g, v) : rnd(g);
		if (s == 1)
			gpr[RAX] = (gpr[RAX] & ~0xff00ull) | ((hi & 0xff) << 8);
		else
			reg_put(g, RDX, s, hi);
	}
	if ((f->fl & F_BTOFF) && g->mem)
		reg_put(g, g->reg, g->size, rn(g, 0x600) - 0x300);
	if ((f->fl & F_CMPX) && chance(g, 50)) {
		if (f->mo == M_N(1)) { /* CMPXCHG8B/16B: EDX:EAX / RDX:RAX = m */
			u64 lo, hi;
			if (mem_get(g, g->target, g->size, &lo) &&
			    mem_get(g, g->target + g->size, g->size, &hi)) {
				reg_put(g, RAX, g->size, lo);
				reg_put(g, RDX, g->size, hi);
			}
		} else if (src_value(g, &v)) {
			reg_put(g, RAX, g->size, v);
		}
	}
	if ((f->fl & F_STRCMP) && chance(g, 50)) {
		unsigned s = g->size;
		bool down = k->in.rflags & DIFF_FL_DF;
		u64 at = down ? gpr[RDI] + s - 8 : gpr[RDI];
		if (f->opc == 0xa6 || f->opc == 0xa7) { /* CMPS: [RDI] = [RSI] */
			u64 src = down ? gpr[RSI] + s - 8 : gpr[RSI];
			if (mem_get(g, src, 8, &v))
				mem_patch(g, at, 8, v);
		} else { /* SCAS: [RDI] = rAX repeated */
			v = gpr[RAX] & size_mask(s);
			for (unsigned i = s; i < 8; i *= 2)
				v |= v << (i * 8);
			mem_patch(g, at, 8, v);
		}
	}
	if (f->fl & F_POPF) /* a pop that does not fault must not set TF or AC */
		if (in_scratch(gpr[RSP], g->size))
			mem_patch(g, gpr[RSP], g->size, rnd(g) & ~(RFL_TF | RFL_AC));
	if (f->fl & F_RET)
		mem_patch(g, gpr[RSP], 8, DIFF_TAKEN_VA);
	if (f->fl & F_IND) {
		if (g->mem)
			mem_patch(g, g->target, 8, DIFF_TAKEN_VA);
		else
			gpr[g->rm] = DIFF_TAKEN_VA;
	}
}

static void gen_undef(struct gctx *g)
{
	const struct form *f = g->f;
	struct diff_case *k = g->k;
	unsigned width = g->size * 8;
	u64 cnt = (f->fl & F_CNT1) ? 1 : (f->fl & F_CL) ? k->in.gpr[RCX] & 0xff :
		  (f->fl & F_CNTI) ? g->imm8 : 0, src;
	bool srcok = src_value(g, &src);

	cnt &= g->size == 8 ? 63 : 31;
	for (unsigned i = 0; i < ARRAY_SIZE(uf_rows); i++) {
		bool on;
		if (uf_rows[i].cls != f->uf)
			continue;
		switch (uf_rows[i].when) {
		case W_CNT_NZ: on = cnt != 0; break;
		case W_CNT_GT1: on = cnt > 1; break;
		case W_CNT_GE_W: on = cnt >= width; break;
		case W_CNT_GT_W: on = cnt > width; break;
		case W_SRC_ZERO: on = !srcok || src == 0; break;
		default: on = true; break;
		}
		if (on)
			k->undef |= uf_rows[i].mask;
	}
	if (k->undef & DIFF_UD_DEST_REG)
		k->dest_reg = (u8)(g->reg & 15);
	if (k->undef & DIFF_UD_DEST_RM) {
		if (g->mem) {
			k->undef = (k->undef & ~DIFF_UD_DEST_RM) | DIFF_UD_MEM;
		} else {
			k->dest_rm = (u8)(g->rm & 15);
		}
	}
}

static void gen_operands(struct gctx *g)
{
	const struct form *f = g->f;
	bool modrm = f->mo == M_R || f->mo >= M_N(0);

	g->reg = g->rm = -1;
	g->vvvv = 0;
	if (f->mo == M_R)
		g->reg = (int)rn(g, (f->fl & F_SREG) ? 8 : 16);
	if (f->fl & F_BTOFF)
		g->reserved |= (u16)(1u << g->reg);
	if (f->fl & F_VVVV)
		g->vvvv = (int)rn(g, 16);
	g->mem = modrm && ((f->fl & F_MEM) || (!(f->fl & F_REG) && chance(g, 55)));
	g->a32 = ((g->mem || f->imm == IMOFF || (f->fl & (F_STR | F_RCX | F_XLAT))) && chance(g, 10)) ||
		 chance(g, 1);
	gen_roles(g);
	g->x = g->b = 0;
	g->r = g->reg >= 8;
	if ((f->mo >= M_N(0) || !modrm) && !g->vex)
		g->r = (u8)rn(g, 2); /* REX.R is ignored there */
	if (g->mem) {
		gen_mem(g);
	} else if (modrm || f->mo == M_OPR) {
		do /* CALL/JMP through RSP would push into the code page */
			g->rm = (int)rn(g, 16);
		while ((f->fl & F_IND) && g->rm == RSP);
		g->b = (u8)(g->rm >> 3);
	} else {
		g->x = (u8)rn(g, 2);
		g->b = (u8)rn(g, 2);
	}
	if (f->fl & F_NOREX)
		g->r = g->x = g->b = 0;
}

void gen_case(const struct form *f, u64 *rng, struct diff_case *k)
{
	static struct gctx g; /* 8 KiB of scratch: keep it off the stack */
	unsigned nsz = 0;
	u8 szs[4];

	memset(k, 0, sizeof(*k));
	memset(&g, 0, sizeof(g));
	g.f = f;
	g.rng = rng;
	g.k = k;
	g.vex = f->pfx & P_VEX;
	for (unsigned s = 1; s <= 8; s *= 2)
		if (f->sizes & s)
			szs[nsz++] = (u8)s;
	g.size = nsz ? szs[rn(&g, nsz)] : 0;

	for (int r = 0; r < 16; r++)
		k->in.gpr[r] = rand_val(&g);
	k->in.rflags = (rnd(&g) & 0x8d5) | 0x2 | RFL_IF | (chance(&g, 35) ? DIFF_FL_DF : 0) |
		       (chance(&g, 5) ? RFL_NT : 0) | (chance(&g, 5) ? RFL_ID : 0) |
		       (gen_ac_pct && chance(&g, gen_ac_pct) ? RFL_AC : 0);
	k->mem_seed = rnd(&g);
	diff_fill(k, g.scratch);
	k->in.mxcsr = 0x1f80;
	if (f->fl & F_SSE)
		gen_sse_state(&g);

	gen_operands(&g);
	/* REX.W: 64-bit operand size; where the size is fixed (byte forms,
	 * default-64 with 64 chosen, no size) it is ignored, so random */
	if (g.size == 8 && !(f->fl & F_D64))
		g.w = 1;
	else if (!(f->fl & F_NOREX) && (g.size == 1 || g.size == 0 || ((f->fl & F_D64) && g.size == 8)))
		g.w = (u8)rn(&g, 2);
	g.rex = !g.vex && ((g.w | g.r | g.x | g.b) || (!(f->fl & F_NOREX) && chance(&g, 25)));

	gen_prefixes(&g);
	gen_opcode(&g);
	gen_modrm(&g);
	gen_imm(&g);
	/* now and then the instruction runs into the not-present next page
	 * (SDM Vol.3A "Page-Fault Exception (#PF)": fetch, I/D = 1 with NXE) */
	if (k->len >= 2 && chance(&g, 2))
		k->insn_off = (u16)(DIFF_PAGE - 1 - rn(&g, k->len - 1));
	if (g.riprel)
		patch_le(&g, g.disp_pos, g.target - (diff_insn_va(k) + k->len), 4);
	if (f->imm == IREL8)
		patch_le(&g, g.imm_pos, DIFF_TAKEN_VA - (diff_insn_va(k) + k->len), 1);
	if (f->imm == IREL32)
		patch_le(&g, g.imm_pos, DIFF_TAKEN_VA - (diff_insn_va(k) + k->len), 4);
	k->taken_stub = f->imm == IREL8 || f->imm == IREL32 || (f->fl & (F_RET | F_IND));

	gen_constraints(&g);
	gen_sse_mem(&g);
	gen_undef(&g);
	if (g.a32 && g.mem && g.sib >= 0 && (g.sib & 7) == 5 && g.mod == 0 && g.b)
		k->tags |= DIFF_TAG_A32_NOBASE_REXB;
}
