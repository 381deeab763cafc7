/* cpu/exec/flags.h: the only code that computes arithmetic flags.
 * Handlers record an operation lazily; flags are materialised on demand. */
#ifndef NESTBOX_CPU_FLAGS_H
#define NESTBOX_CPU_FLAGS_H

#include "cpu/cpu.h"

static inline void flags_lazy(struct cpu *c, enum lazy_op op, unsigned size, u64 src1, u64 src2,
			      u64 res, u8 cf_in)
{
	/* op, size and cf_in in one store (little-endian host: cpu/fpu/fpu_host.c
	 * already requires x86-64) */
	c->lf.meta = (u32)op | (u32)size << 8 | (u32)cf_in << 16;
	c->lf.src1 = src1;
	c->lf.src2 = src2;
	c->lf.res = res;
}

/* the flags of a shift by a non-zero count (SHL/SHR/SAR/SHLD/SHRD): CF and
 * OF as the shift computed them, SF/ZF/PF from the result r (masked to
 * size), AF cleared (undefined) -- kept lazily (LAZY_SHIFT) */
static inline void flags_shift(struct cpu *c, u64 r, unsigned size, u64 cf, u64 of)
{
	flags_lazy(c, LAZY_SHIFT, size, 0, of != 0, r, cf != 0);
}

/* CF for the current lazy state (materialises nothing) */
bool flags_cf(const struct cpu *c);
bool flags_zf(const struct cpu *c);
/* condition code cc (0-15, the Jcc/SETcc/CMOVcc encoding) */
bool flags_cond_slow(struct cpu *c, unsigned cc);
static inline bool flags_cond(struct cpu *c, unsigned cc)
{
	/* the common CMP/SUB case, straight from the lazy operands (SDM Vol.1
	 * "EFLAGS Condition Codes": B/BE unsigned, L/LE signed) */
	if (likely(c->lf.op == LAZY_SUB)) {
		unsigned sh = 64 - 8 * c->lf.size;
		u64 a = c->lf.src1, b = c->lf.src2;
		i64 sa = (i64)(a << sh) >> sh, sb = (i64)(b << sh) >> sh;
		bool r;
		switch (cc >> 1) {
		case 1: r = a < b; break;
		case 2: r = a == b; break;
		case 3: r = a <= b; break;
		case 6: r = sa < sb; break;
		case 7: r = sa <= sb; break;
		default: return flags_cond_slow(c, cc);
		}
		return (cc & 1) ? !r : r;
	}
	/* AND/OR/XOR/TEST: CF = OF = 0 (SDM Vol.2A "AND") */
	if (likely(c->lf.op == LAZY_LOGIC)) {
		u64 res = c->lf.res;
		bool sf = (res >> (8 * c->lf.size - 1)) & 1, r;
		switch (cc >> 1) {
		case 0: case 1: r = false; break;
		case 2: case 3: r = res == 0; break;
		case 4: case 6: r = sf; break;
		case 7: r = res == 0 || sf; break;
		default: return flags_cond_slow(c, cc);
		}
		return (cc & 1) ? !r : r;
	}
	return flags_cond_slow(c, cc);
}
/* compute the six arithmetic flags of the lazy state into c->rflags */
void flags_materialise(struct cpu *c);
/* set the arithmetic flags in `mask` to the bits in `val` (eager form) */
void flags_set(struct cpu *c, u64 mask, u64 val);
/* parity flag of the low byte */
static inline bool parity8(u64 v) { return !__builtin_parity((unsigned)(v & 0xff)); }

#endif
