/* cpu/exec/exec_muldiv.c: MUL, IMUL, DIV, IDIV, MULX and the legacy decimal
 * adjusts AAA AAS AAM AAD DAA DAS (SDM Vol.2 "Instruction Set Reference").
 *
 * The accumulator operands (AL/AX/EAX/RAX and AH/DX/EDX/RDX) are implicit:
 * i->op[0] is the explicit source only (one-operand forms). */
#include "cpu/exec/exec_alu.h"

/* the accumulator pair as one double-width value: AX for byte operands,
 * DX:AX, EDX:EAX or RDX:RAX otherwise */
static u128 acc_get(const struct cpu *c, unsigned size)
{
	if (size == 1)
		return c->gpr[RAX] & 0xffff;
	return ((u128)(c->gpr[RDX] & size_mask(size)) << (size * 8)) |
	       (c->gpr[RAX] & size_mask(size));
}

/* store a double-width product (AX, DX:AX, EDX:EAX, RDX:RAX) */
static void acc_put(struct cpu *c, unsigned size, u128 v)
{
	if (size == 1) {
		reg_write(c, RAX, 2, (u64)v);
		return;
	}
	reg_write(c, RAX, size, (u64)v);
	reg_write(c, RDX, size, (u64)(v >> (size * 8)));
}

/* MUL/IMUL flags: CF = OF = `overflow`; SF, ZF and PF follow the low half of
 * the result and AF is cleared (those four are undefined; this is what Intel
 * processors give). */
static void mul_flags(struct cpu *c, u64 lo, unsigned size, bool overflow)
{
	u64 f = szp_bits(lo, size);

	if (overflow)
		f |= RFLAGS_CF | RFLAGS_OF;
	flags_set(c, RFLAGS_ARITH, f);
}

/* SDM Vol.2B "MUL—Unsigned Multiply": CF = OF = upper half nonzero */
void exec_mul(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 src = opnd_get(c, i, 0);
	u128 p = (u128)(c->gpr[RAX] & size_mask(size)) * src;
	u64 hi = (u64)(p >> (size * 8)) & size_mask(size);

	acc_put(c, size, p);
	mul_flags(c, (u64)p, size, hi != 0);
}

/* signed product of two size-byte values, and whether it fits in size bytes */
static __int128 smul(u64 a, u64 b, unsigned size, bool *overflow)
{
	unsigned bits = size * 8;
	__int128 p = (__int128)(i64)sext(a, bits) * (i64)sext(b, bits);

	*overflow = p != (__int128)(i64)sext((u64)p, bits);
	return p;
}

/* SDM Vol.2A "IMUL—Signed Multiply": one operand (accumulator form), two
 * (DEST := DEST * SRC) or three (DEST := SRC * imm). CF = OF = the result
 * does not fit the destination (sign-extended). */
void exec_imul(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	bool ovf;
	__int128 p;

	if (i->nops == 1) {
		u64 src = opnd_get(c, i, 0);

		p = smul(c->gpr[RAX], src, size, &ovf);
		acc_put(c, size, (u128)p);
	} else {
		u64 a, b;

		if (i->nops == 2) {
			b = opnd_get(c, i, 1);
			a = opnd_get(c, i, 0);
		} else {
			a = opnd_get(c, i, 1);
			b = i->imm & size_mask(size);
		}
		p = smul(a, b, size, &ovf);
		opnd_put(c, i, 0, (u64)p);
	}
	mul_flags(c, (u64)p, size, ovf);
}

/* SDM Vol.2A "DIV—Unsigned Divide": #DE on a zero divisor or a quotient too
 * large for the destination. Flags are undefined; we leave them unchanged. */
void exec_div(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 d = opnd_get(c, i, 0);
	u128 n, q;
	u64 r;

	if (d == 0)
		cpu_fault(c, VEC_DE, 0);
	n = acc_get(c, size);
	q = n / d;
	r = (u64)(n % d);
	if (q > size_mask(size))
		cpu_fault(c, VEC_DE, 0);
	if (size == 1) {
		reg_write(c, RAX, 2, (u64)q | (r << 8));
		return;
	}
	reg_write(c, RAX, size, (u64)q);
	reg_write(c, RDX, size, r);
}

/* SDM Vol.2A "IDIV—Signed Divide": the quotient truncates toward zero and the
 * remainder takes the sign of the dividend; #DE if the divisor is 0 or the
 * quotient is outside the signed range. Computed on magnitudes so no host
 * division can overflow (-2^127 / -1). */
void exec_idiv(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 d = opnd_get(c, i, 0);
	u128 n = acc_get(c, size);
	bool nneg, dneg;
	u128 nmag, dmag, qmag, rmag, lim;
	u64 q, r;

	if (d == 0)
		cpu_fault(c, VEC_DE, 0);
	/* the dividend is 2*bits wide */
	nneg = (n >> (2 * bits - 1)) & 1;
	if (bits == 64)
		nmag = nneg ? -n : n;
	else
		nmag = nneg ? (((u128)1 << (2 * bits)) - n) : n;
	dneg = (d >> (bits - 1)) & 1;
	dmag = dneg ? (-d & size_mask(size)) : d;
	qmag = nmag / dmag;
	rmag = nmag % dmag;
	/* a positive quotient may reach 2^(bits-1)-1, a negative one 2^(bits-1) */
	lim = ((u128)1 << (bits - 1)) - ((nneg != dneg) ? 0 : 1);
	if (qmag > lim)
		cpu_fault(c, VEC_DE, 0);
	q = (u64)((nneg != dneg) ? -qmag : qmag) & size_mask(size);
	r = (u64)(nneg ? -rmag : rmag) & size_mask(size);
	if (size == 1) {
		reg_write(c, RAX, 2, q | (r << 8));
		return;
	}
	reg_write(c, RAX, size, q);
	reg_write(c, RDX, size, r);
}

/* SDM Vol.2B "MULX—Unsigned Multiply Without Affecting Flags": op0 := high
 * half, op1 := low half of EDX/RDX * op2. If op0 and op1 name the same
 * register it receives the high half. */
void exec_mulx(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u128 p;

	need_feature(c, FEAT_bmi2);
	p = (u128)(c->gpr[RDX] & size_mask(size)) * opnd_get(c, i, 2);
	opnd_put(c, i, 1, (u64)p);
	opnd_put(c, i, 0, (u64)(p >> (size * 8)));
}

/* --- decimal adjusts (invalid in 64-bit mode: the decoder gives #UD) --- */

static u64 al(const struct cpu *c) { return c->gpr[RAX] & 0xff; }

/* SDM Vol.2A "AAA—ASCII Adjust After Addition" / "AAS—ASCII Adjust AL After
 * Subtraction": if AL[3:0] > 9 or AF, AX := AX +/- 106H (AAS: AX - 6 and
 * AH - 1) and AF = CF = 1, else AF = CF = 0; then AL := AL AND 0FH.
 * OF, SF, ZF and PF are undefined: we derive SF/ZF/PF from AL, OF = 0. */
static void ascii_adjust(struct cpu *c, bool add)
{
	u64 ax = c->gpr[RAX] & 0xffff;
	bool adj = (ax & 0xf) > 9 || flag_get(c, RFLAGS_AF);
	u64 f = 0;

	if (adj) {
		ax = add ? ax + 0x106 : ((ax - 6) & 0xff) | ((((ax >> 8) - 1) & 0xff) << 8);
		f = RFLAGS_AF | RFLAGS_CF;
	}
	ax &= 0xff0f;
	reg_write(c, RAX, 2, ax);
	flags_set(c, RFLAGS_ARITH, f | szp_bits(ax, 1));
}

void exec_aaa(struct cpu *c, const struct insn *i) { ascii_adjust(c, true); }
void exec_aas(struct cpu *c, const struct insn *i) { ascii_adjust(c, false); }

/* SDM Vol.2A "AAM—ASCII Adjust AX After Multiply": AH := AL / imm8,
 * AL := AL MOD imm8; #DE if imm8 = 0. SF ZF PF from AL; OF AF CF undefined
 * (cleared). */
void exec_aam(struct cpu *c, const struct insn *i)
{
	u64 base = i->imm & 0xff, a = al(c);

	if (base == 0)
		cpu_fault(c, VEC_DE, 0);
	reg_write(c, RAX, 2, ((a / base) << 8) | (a % base));
	flags_set(c, RFLAGS_ARITH, szp_bits(a % base, 1));
}

/* SDM Vol.2A "AAD—ASCII Adjust AX Before Division": AL := (AL + AH * imm8)
 * AND FFH, AH := 0. The flags are those of the byte addition
 * AL + (AH * imm8) (SF ZF PF defined, OF AF CF undefined). */
void exec_aad(struct cpu *c, const struct insn *i)
{
	u64 a = al(c), b = (((c->gpr[RAX] >> 8) & 0xff) * (i->imm & 0xff)) & 0xff;
	u64 r = (a + b) & 0xff;

	reg_write(c, RAX, 2, r);
	flags_lazy(c, LAZY_ADD, 1, a, b, r, 0);
}

/* SDM Vol.2A "DAA—Decimal Adjust AL After Addition" and "DAS—Decimal Adjust
 * AL After Subtraction". OF is undefined (cleared). */
void exec_daa(struct cpu *c, const struct insn *i)
{
	u64 old = al(c), a = old;
	bool old_cf = flags_cf(c), cf = false, af = false;

	if ((a & 0xf) > 9 || flag_get(c, RFLAGS_AF)) {
		cf = old_cf || a + 6 > 0xff;
		a = (a + 6) & 0xff;
		af = true;
	}
	if (old > 0x99 || old_cf) {
		a = (a + 0x60) & 0xff;
		cf = true;
	} else {
		cf = false;
	}
	reg_write(c, RAX, 1, a);
	flags_set(c, RFLAGS_ARITH,
		  szp_bits(a, 1) | (cf ? RFLAGS_CF : 0) | (af ? RFLAGS_AF : 0));
}

void exec_das(struct cpu *c, const struct insn *i)
{
	u64 old = al(c), a = old;
	bool old_cf = flags_cf(c), cf = false, af = false;

	if ((a & 0xf) > 9 || flag_get(c, RFLAGS_AF)) {
		cf = old_cf || a < 6;
		a = (a - 6) & 0xff;
		af = true;
	}
	if (old > 0x99 || old_cf) {
		a = (a - 0x60) & 0xff;
		cf = true;
	}
	reg_write(c, RAX, 1, a);
	flags_set(c, RFLAGS_ARITH,
		  szp_bits(a, 1) | (cf ? RFLAGS_CF : 0) | (af ? RFLAGS_AF : 0));
}
