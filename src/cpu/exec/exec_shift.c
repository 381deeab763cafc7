/* cpu/exec/exec_shift.c: shifts and rotates (SDM Vol.2B "SAL/SAR/SHL/SHR—Shift",
 * "RCL/RCR/ROL/ROR—Rotate", "SHLD—Double Precision Shift Left", "SHRD—Double
 * Precision Shift Right", "SARX/SHLX/SHRX—Shift Without Affecting Flags",
 * "RORX—Rotate Right Logical Without Affecting Flags").
 *
 * Count rules common to all of them: the count is masked to 5 bits (6 bits
 * with a 64-bit operand); a masked count of 0 changes no flags. OF is
 * architecturally defined only for a count of 1; for larger counts we give
 * what Intel processors produce, which is the count-1 formula applied to the
 * final result (the differential tester masks those flags anyway). */
#include "cpu/exec/exec_alu.h"

/* the masked shift count: op 1 is CL (register form) or an immediate (the
 * "by 1" forms carry an immediate 1) */
static always_inline unsigned shift_count(struct cpu *c, const struct insn *i, int n,
					  unsigned size)
{
	const struct opnd *o = &i->op[n];
	u64 v;

	if (i->nops <= n)
		v = 1;
	else if (o->kind == OPK_REG)
		v = reg_read(c, o->reg, 1);
	else
		v = i->imm;
	return (unsigned)v & (size == 8 ? 63 : 31);
}

/* With a masked count of 0 nothing changes, except that a 32-bit register
 * destination is still written (zero-extended) in 64-bit mode. */
static void shift_by_zero(struct cpu *c, const struct insn *i, u64 a)
{
	if (i->op[0].kind == OPK_REG)
		reg_write(c, i->op[0].reg, i->op[0].size, a);
}

static always_inline u64 msb(u64 v, unsigned size)
{
	return (v >> (size * 8 - 1)) & 1;
}

/* SAL/SHL: CF is the last bit shifted out (0 once the count passes the
 * width); OF = MSB(result) XOR CF. */
void exec_shl(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 a = opnd_get_rmw(c, i, 0);
	unsigned n = shift_count(c, i, 1, size);
	u64 r, cf;

	if (n == 0) {
		shift_by_zero(c, i, a);
		return;
	}
	r = (a << n) & size_mask(size);
	cf = n <= bits ? (a >> (bits - n)) & 1 : 0;
	opnd_put(c, i, 0, r);
	flags_shift(c, r, size, cf, msb(r, size) ^ cf);
}

/* SHR: CF is the last bit shifted out; OF = MSB of the original operand for
 * a count of 1, i.e. bit (w-1) XOR bit (w-2) of the result. */
void exec_shr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 a = opnd_get_rmw(c, i, 0);
	unsigned n = shift_count(c, i, 1, size);
	u64 r, cf;

	if (n == 0) {
		shift_by_zero(c, i, a);
		return;
	}
	r = a >> n;
	cf = (a >> (n - 1)) & 1;
	opnd_put(c, i, 0, r);
	flags_shift(c, r, size, cf, msb(r ^ (r << 1), size));
}

/* SAR: the sign fills from the left; OF is cleared. */
void exec_sar(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 a = opnd_get_rmw(c, i, 0);
	unsigned n = shift_count(c, i, 1, size);
	i64 sa = (i64)sext(a, size * 8);
	u64 r, cf;

	if (n == 0) {
		shift_by_zero(c, i, a);
		return;
	}
	r = (u64)(sa >> n) & size_mask(size);
	cf = (u64)(sa >> (n - 1)) & 1;
	opnd_put(c, i, 0, r);
	flags_shift(c, r, size, cf, 0);
}

static always_inline u64 rotl(u64 a, unsigned n, unsigned bits)
{
	if (n == 0)
		return a;
	return ((a << n) | (a >> (bits - n))) & size_mask(bits / 8);
}

/* ROL/ROR change only CF and OF. For 8- and 16-bit operands the rotation is
 * the masked count modulo the width, but a nonzero masked count still sets
 * the flags from the (possibly unchanged) result. */
void exec_rol(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 a = opnd_get_rmw(c, i, 0);
	unsigned n = shift_count(c, i, 1, size);
	u64 r, cf;

	if (n == 0) {
		shift_by_zero(c, i, a);
		return;
	}
	r = rotl(a, n % bits, bits);
	cf = r & 1;
	opnd_put(c, i, 0, r);
	flags_set(c, RFLAGS_CF | RFLAGS_OF,
		  (cf ? RFLAGS_CF : 0) | ((msb(r, size) ^ cf) ? RFLAGS_OF : 0));
}

void exec_ror(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 a = opnd_get_rmw(c, i, 0);
	unsigned n = shift_count(c, i, 1, size);
	u64 r, cf;

	if (n == 0) {
		shift_by_zero(c, i, a);
		return;
	}
	r = rotl(a, (bits - n % bits) % bits, bits);
	cf = msb(r, size);
	opnd_put(c, i, 0, r);
	flags_set(c, RFLAGS_CF | RFLAGS_OF,
		  (cf ? RFLAGS_CF : 0) | (msb(r ^ (r << 1), size) ? RFLAGS_OF : 0));
}

/* RCL/RCR rotate the (w+1)-bit value CF:operand. The rotation count is the
 * masked count modulo 9 (8-bit) or 17 (16-bit); if that is 0 nothing changes. */
static unsigned rc_count(unsigned n, unsigned bits)
{
	if (bits == 8)
		return n % 9;
	if (bits == 16)
		return n % 17;
	return n;
}

static void rcx(struct cpu *c, const struct insn *i, bool left)
{
	unsigned size = i->op[0].size, bits = size * 8, w = bits + 1;
	u64 a = opnd_get_rmw(c, i, 0);
	unsigned n = rc_count(shift_count(c, i, 1, size), bits);
	u128 wmask = ((u128)1 << w) - 1;
	u128 v, rv;
	u64 r, cf, of;

	if (n == 0) {
		shift_by_zero(c, i, a);
		return;
	}
	v = ((u128)flags_cf(c) << bits) | a;
	if (!left)
		n = w - n;
	rv = ((v << n) | (v >> (w - n))) & wmask;
	r = (u64)rv & size_mask(size);
	cf = (u64)(rv >> bits) & 1;
	/* RCL: OF = MSB(result) XOR CF; RCR: OF = MSB(dest) XOR old CF,
	 * which is bit (w-1) XOR bit (w-2) of the result */
	of = left ? msb(r, size) ^ cf : msb(r ^ (r << 1), size);
	opnd_put(c, i, 0, r);
	flags_set(c, RFLAGS_CF | RFLAGS_OF, (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
}

void exec_rcl(struct cpu *c, const struct insn *i) { rcx(c, i, true); }
void exec_rcr(struct cpu *c, const struct insn *i) { rcx(c, i, false); }

/* SHLD/SHRD: op0 = destination, op1 = source register, op2 = CL or imm8.
 * A 16-bit operand with a count above 16 is undefined; Intel P6 and later
 * shift the 48-bit value DEST:SRC:DEST, which is what we do. */
void exec_shld(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 s = opnd_get(c, i, 1), d = opnd_get_rmw(c, i, 0);
	unsigned n = shift_count(c, i, 2, size);
	u64 r, cf;

	if (n == 0) {
		shift_by_zero(c, i, d);
		return;
	}
	if (bits == 16) {
		u64 v = (d << 32) | (s << 16) | d;
		r = (v << n >> 32) & 0xffff;
		cf = (v >> (48 - n)) & 1;
	} else {
		r = ((d << n) | (s >> (bits - n))) & size_mask(size);
		cf = (d >> (bits - n)) & 1;
	}
	opnd_put(c, i, 0, r);
	flags_shift(c, r, size, cf, msb(r, size) ^ cf);
}

void exec_shrd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 s = opnd_get(c, i, 1), d = opnd_get_rmw(c, i, 0);
	unsigned n = shift_count(c, i, 2, size);
	u64 r, cf;

	if (n == 0) {
		shift_by_zero(c, i, d);
		return;
	}
	if (bits == 16) {
		u64 v = (d << 32) | (s << 16) | d;
		r = (v >> n) & 0xffff;
		cf = (v >> (n - 1)) & 1;
	} else {
		r = ((d >> n) | (s << (bits - n))) & size_mask(size);
		cf = (d >> (n - 1)) & 1;
	}
	opnd_put(c, i, 0, r);
	flags_shift(c, r, size, cf, msb(r ^ (r << 1), size));
}

/* --- BMI2: no flags; op0 = dest, op1 = source (r/m), op2 = count register --- */

static always_inline unsigned bmi_count(struct cpu *c, const struct insn *i, unsigned size)
{
	return (unsigned)opnd_get(c, i, 2) & (size == 8 ? 63 : 31);
}

void exec_shlx(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;

	need_feature(c, FEAT_bmi2);
	opnd_put(c, i, 0, opnd_get(c, i, 1) << bmi_count(c, i, size));
}

void exec_shrx(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;

	need_feature(c, FEAT_bmi2);
	opnd_put(c, i, 0, opnd_get(c, i, 1) >> bmi_count(c, i, size));
}

void exec_sarx(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	i64 v;

	need_feature(c, FEAT_bmi2);
	v = (i64)sext(opnd_get(c, i, 1), size * 8);
	opnd_put(c, i, 0, (u64)(v >> bmi_count(c, i, size)));
}

/* RORX dest, src, imm8: the count is imm8 masked to 5 (6) bits */
void exec_rorx(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	unsigned n = (unsigned)i->imm & (bits - 1);

	need_feature(c, FEAT_bmi2);
	opnd_put(c, i, 0, rotl(opnd_get(c, i, 1), (bits - n) % bits, bits));
}
