/* cpu/flags.h: the only code that computes arithmetic flags.
 * Handlers record an operation lazily; flags are materialised on demand. */
#ifndef NESTBOX_CPU_FLAGS_H
#define NESTBOX_CPU_FLAGS_H

#include "cpu/cpu.h"

static inline void flags_lazy(struct cpu *c, enum lazy_op op, unsigned size, u64 src1, u64 src2,
			      u64 res, u8 cf_in)
{
	c->lf.op = (u8)op;
	c->lf.size = (u8)size;
	c->lf.src1 = src1;
	c->lf.src2 = src2;
	c->lf.res = res;
	c->lf.cf_in = cf_in;
}

/* CF for the current lazy state (materialises nothing) */
bool flags_cf(const struct cpu *c);
bool flags_zf(const struct cpu *c);
/* condition code cc (0-15, the Jcc/SETcc/CMOVcc encoding) */
bool flags_cond(struct cpu *c, unsigned cc);
/* compute the six arithmetic flags of the lazy state into c->rflags */
void flags_materialise(struct cpu *c);
/* set the arithmetic flags in `mask` to the bits in `val` (eager form) */
void flags_set(struct cpu *c, u64 mask, u64 val);
/* parity flag of the low byte */
static inline bool parity8(u64 v) { return !__builtin_parity((unsigned)(v & 0xff)); }

#endif
