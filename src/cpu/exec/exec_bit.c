/* cpu/exec/exec_bit.c: bit tests, bit scans and counts, byte swaps and the BMI1/
 * BMI2 bit-manipulation instructions (SDM Vol.2 "Instruction Set Reference"). */
#include "cpu/exec/exec_alu.h"

enum bt_op { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static u64 bt_apply(u64 v, unsigned bit, enum bt_op op)
{
	switch (op) {
	case BT_SET: return v | (1ull << bit);
	case BT_RESET: return v & ~(1ull << bit);
	case BT_COMPLEMENT: return v ^ (1ull << bit);
	default: return v;
	}
}

/* SDM Vol.2A "BT—Bit Test" (and BTS/BTR/BTC): CF := the selected bit; ZF is
 * unaffected; OF SF AF PF are undefined (left unchanged).
 *  - register destination, or an immediate bit offset: the offset is taken
 *    modulo the operand width;
 *  - memory destination with a register bit offset: the offset is a signed
 *    integer (-2^(w-1) .. 2^(w-1)-1) and may address memory outside the
 *    operand: the operand-size unit at EA + (offset SAR log2(w)) * (w/8) is
 *    accessed, bit offset MOD w within it. */
static void bt_common(struct cpu *c, const struct insn *i, enum bt_op op)
{
	const struct opnd *d = &i->op[0];
	unsigned size = d->size, bits = size * 8;
	bool imm = i->op[1].kind == OPK_IMM;
	u64 off = imm ? (i->imm & 0xff) : opnd_get(c, i, 1);
	unsigned bit;
	u64 v, nv;

	if (d->kind == OPK_REG) {
		bit = (unsigned)off & (bits - 1);
		v = reg_read(c, d->reg, size);
		nv = bt_apply(v, bit, op);
		if (op != BT_TEST)
			reg_write(c, d->reg, size, nv);
	} else {
		u64 ea = insn_ea(c, i);

		if (!imm) {
			i64 soff = (i64)sext(off, bits);
			unsigned shift = __builtin_ctz(bits);

			ea += (u64)((soff >> shift) * (i64)size);
			ea &= addr_mask(i);
		}
		bit = (unsigned)off & (bits - 1);
		v = op == BT_TEST ? cpu_read(c, i->seg, ea, size)
				  : mem_read_rmw(c, i->seg, ea, size);
		nv = bt_apply(v, bit, op);
		if (op != BT_TEST)
			cpu_write(c, i->seg, ea, size, nv);
	}
	flags_set(c, RFLAGS_CF, ((v >> bit) & 1) ? RFLAGS_CF : 0);
}

void exec_bt(struct cpu *c, const struct insn *i) { bt_common(c, i, BT_TEST); }
void exec_bts(struct cpu *c, const struct insn *i) { bt_common(c, i, BT_SET); }
void exec_btr(struct cpu *c, const struct insn *i) { bt_common(c, i, BT_RESET); }
void exec_btc(struct cpu *c, const struct insn *i) { bt_common(c, i, BT_COMPLEMENT); }

/* SDM Vol.2A "BSF—Bit Scan Forward" / "BSR—Bit Scan Reverse": a zero source
 * sets ZF and leaves the destination unchanged (documented by AMD, what Intel
 * processors do); otherwise ZF = 0 and the destination gets the index.
 * CF OF SF AF PF are undefined: we derive SF/PF from the index and clear
 * CF/OF/AF. */
static void bit_scan(struct cpu *c, const struct insn *i, bool reverse)
{
	unsigned size = i->op[0].size;
	u64 s = opnd_get(c, i, 1);
	u64 r;

	if (s == 0) {
		flags_set(c, RFLAGS_ZF, RFLAGS_ZF);
		return;
	}
	r = reverse ? 63 - (unsigned)__builtin_clzll(s) : (unsigned)__builtin_ctzll(s);
	opnd_put(c, i, 0, r);
	flags_set(c, RFLAGS_ARITH, szp_bits(r, size) & ~RFLAGS_ZF);
}

void exec_bsf(struct cpu *c, const struct insn *i) { bit_scan(c, i, false); }
void exec_bsr(struct cpu *c, const struct insn *i) { bit_scan(c, i, true); }

/* SDM Vol.2A "LZCNT—Count the Number of Leading Zero Bits" and Vol.2B
 * "TZCNT—Count the Number of Trailing Zero Bits": CF = (source = 0),
 * ZF = (result = 0); OF SF AF PF undefined (unchanged). Without the feature
 * (LZCNT: CPUID.80000001H:ECX.ABM[bit 5]; TZCNT: BMI1) the F3 prefix is
 * ignored and the instruction executes as BSR / BSF. */
static void zero_count(struct cpu *c, const struct insn *i, bool leading)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 s = opnd_get(c, i, 1);
	u64 r;

	if (s == 0)
		r = bits;
	else if (leading)
		r = (unsigned)__builtin_clzll(s) - (64 - bits);
	else
		r = (unsigned)__builtin_ctzll(s);
	opnd_put(c, i, 0, r);
	flags_set(c, RFLAGS_CF | RFLAGS_ZF, (s == 0 ? RFLAGS_CF : 0) | (r == 0 ? RFLAGS_ZF : 0));
}

void exec_lzcnt(struct cpu *c, const struct insn *i)
{
	if (cpu_has(c->model, FEAT_abm))
		zero_count(c, i, true);
	else
		bit_scan(c, i, true);
}

void exec_tzcnt(struct cpu *c, const struct insn *i)
{
	if (cpu_has(c->model, FEAT_bmi1))
		zero_count(c, i, false);
	else
		bit_scan(c, i, false);
}

/* SDM Vol.2B "POPCNT—Return the Count of Number of Bits Set to 1":
 * ZF = (source = 0); OF SF AF CF PF are cleared. */
void exec_popcnt(struct cpu *c, const struct insn *i)
{
	u64 s;

	need_feature(c, FEAT_popcnt);
	s = opnd_get(c, i, 1);
	opnd_put(c, i, 0, (u64)__builtin_popcountll(s));
	flags_set(c, RFLAGS_ARITH, s == 0 ? RFLAGS_ZF : 0);
}

/* SDM Vol.2A "BSWAP—Byte Swap": with a 16-bit operand the result is
 * undefined; processors clear the low word, as we do. */
void exec_bswap(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 v = opnd_get(c, i, 0);

	if (size == 8)
		v = __builtin_bswap64(v);
	else if (size == 4)
		v = __builtin_bswap32((u32)v);
	else
		v = 0;
	opnd_put(c, i, 0, v);
}

/* --- BMI1 / BMI2 --- */

/* flags of the BMI1 logical group: SF ZF from the result, CF as given,
 * OF cleared, AF PF undefined (cleared/from result) */
static void bmi_flags(struct cpu *c, u64 r, unsigned size, bool cf)
{
	flags_set(c, RFLAGS_ARITH, szp_bits(r, size) | (cf ? RFLAGS_CF : 0));
}

/* SDM Vol.2A "ANDN—Logical AND NOT": op0 := NOT op1 AND op2 */
void exec_andn(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 r;

	need_feature(c, FEAT_bmi1);
	r = ~opnd_get(c, i, 1) & opnd_get(c, i, 2) & size_mask(size);
	opnd_put(c, i, 0, r);
	bmi_flags(c, r, size, false);
}

/* SDM Vol.2A "BEXTR—Bit Field Extract": start = op2[7:0], length = op2[15:8] */
void exec_bextr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 s, ctl, r;
	unsigned start, len;

	need_feature(c, FEAT_bmi1);
	s = opnd_get(c, i, 1);
	ctl = opnd_get(c, i, 2);
	start = ctl & 0xff;
	len = (ctl >> 8) & 0xff;
	r = start < bits ? s >> start : 0;
	if (len < 64)
		r &= (1ull << len) - 1;
	opnd_put(c, i, 0, r);
	bmi_flags(c, r, size, false);
}

/* SDM Vol.2A "BLSI—Extract Lowest Set Isolated Bit": CF = (source != 0) */
void exec_blsi(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 s, r;

	need_feature(c, FEAT_bmi1);
	s = opnd_get(c, i, 1);
	r = (0 - s) & s & size_mask(size);
	opnd_put(c, i, 0, r);
	bmi_flags(c, r, size, s != 0);
}

/* SDM Vol.2A "BLSMSK—Get Mask Up to Lowest Set Bit": CF = (source = 0),
 * ZF and OF cleared */
void exec_blsmsk(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 s, r;

	need_feature(c, FEAT_bmi1);
	s = opnd_get(c, i, 1);
	r = (s - 1) ^ s;
	r &= size_mask(size);
	opnd_put(c, i, 0, r);
	flags_set(c, RFLAGS_ARITH, (szp_bits(r, size) & ~RFLAGS_ZF) | (s == 0 ? RFLAGS_CF : 0));
}

/* SDM Vol.2A "BLSR—Reset Lowest Set Bit": CF = (source = 0) */
void exec_blsr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 s, r;

	need_feature(c, FEAT_bmi1);
	s = opnd_get(c, i, 1);
	r = (s - 1) & s & size_mask(size);
	opnd_put(c, i, 0, r);
	bmi_flags(c, r, size, s == 0);
}

/* SDM Vol.2A "BZHI—Zero High Bits Starting with Specified Bit Position":
 * n = op2[7:0]; bits n and up of op1 are cleared if n < width;
 * CF = (n > width - 1) */
void exec_bzhi(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = size * 8;
	u64 s, r;
	unsigned n;

	need_feature(c, FEAT_bmi2);
	s = opnd_get(c, i, 1);
	n = opnd_get(c, i, 2) & 0xff;
	r = n < bits ? s & ((1ull << n) - 1) : s;
	opnd_put(c, i, 0, r);
	bmi_flags(c, r, size, n > bits - 1);
}

/* SDM Vol.2B "PDEP—Parallel Bits Deposit": the low bits of op1 go, in order,
 * to the set bit positions of the mask op2 */
void exec_pdep(struct cpu *c, const struct insn *i)
{
	u64 s, m, r = 0, k = 1;

	need_feature(c, FEAT_bmi2);
	s = opnd_get(c, i, 1);
	m = opnd_get(c, i, 2);
	for (; m; m &= m - 1, k <<= 1)
		if (s & k)
			r |= m & -m;
	opnd_put(c, i, 0, r);
}

/* SDM Vol.2B "PEXT—Parallel Bits Extract": the bits of op1 at the set
 * positions of the mask op2 are packed, in order, into the low bits */
void exec_pext(struct cpu *c, const struct insn *i)
{
	u64 s, m, r = 0, k = 1;

	need_feature(c, FEAT_bmi2);
	s = opnd_get(c, i, 1);
	m = opnd_get(c, i, 2);
	for (; m; m &= m - 1, k <<= 1)
		if (s & m & -m)
			r |= k;
	opnd_put(c, i, 0, r);
}

/* SDM Vol.2A "CRC32—Accumulate CRC32 Value": the CRC-32C (Castagnoli,
 * reflected polynomial 82F63B78H) of the source bytes, least significant
 * first, accumulated onto DEST[31:0] with no pre- or post-inversion; the
 * result is zero-extended into a 64-bit destination. No flags. */
void exec_crc32(struct cpu *c, const struct insn *i)
{
	unsigned n = i->op[1].size;
	u64 s;
	u32 crc;

	need_feature(c, FEAT_sse4_2);
	s = opnd_get(c, i, 1);
	crc = (u32)opnd_get(c, i, 0);
	for (unsigned k = 0; k < n; k++) {
		crc ^= (u8)(s >> (8 * k));
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	opnd_put(c, i, 0, crc);
}
