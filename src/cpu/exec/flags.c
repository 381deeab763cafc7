/* cpu/exec/flags.c: lazy arithmetic flags (SDM Vol.1 "Status Flags"). */
#include "cpu/exec/flags.h"

static inline u64 sign_bit(unsigned size) { return 1ull << (size * 8 - 1); }

bool flags_cf(const struct cpu *c)
{
	const struct lazy_flags *f = &c->lf;
	switch (f->op) {
	case LAZY_ADD: return f->res < f->src1;
	case LAZY_ADC: return f->cf_in ? f->res <= f->src1 : f->res < f->src1;
	case LAZY_SUB: return f->src1 < f->src2;
	case LAZY_SBB: return f->cf_in ? f->src1 <= f->src2 : f->src1 < f->src2;
	case LAZY_LOGIC: return false;
	case LAZY_INC:
	case LAZY_DEC:
	case LAZY_SHIFT: return f->cf_in;
	default: return (c->rflags & RFLAGS_CF) != 0;
	}
}

bool flags_zf(const struct cpu *c)
{
	if (c->lf.op == LAZY_NONE)
		return (c->rflags & RFLAGS_ZF) != 0;
	return c->lf.res == 0;
}

static bool lazy_sf(const struct cpu *c)
{
	if (c->lf.op == LAZY_NONE)
		return (c->rflags & RFLAGS_SF) != 0;
	return (c->lf.res & sign_bit(c->lf.size)) != 0;
}

static bool lazy_of(const struct cpu *c)
{
	const struct lazy_flags *f = &c->lf;
	u64 s = sign_bit(f->size);
	switch (f->op) {
	case LAZY_ADD:
	case LAZY_ADC: return ((f->src1 ^ f->res) & (f->src2 ^ f->res) & s) != 0;
	case LAZY_SUB:
	case LAZY_SBB: return ((f->src1 ^ f->src2) & (f->src1 ^ f->res) & s) != 0;
	case LAZY_LOGIC: return false;
	case LAZY_INC: return f->res == s;
	case LAZY_DEC: return f->res == s - 1;
	case LAZY_SHIFT: return f->src2 != 0;
	default: return (c->rflags & RFLAGS_OF) != 0;
	}
}

static bool lazy_af(const struct cpu *c)
{
	const struct lazy_flags *f = &c->lf;
	switch (f->op) {
	case LAZY_ADD: case LAZY_ADC: case LAZY_SUB: case LAZY_SBB:
		return ((f->src1 ^ f->src2 ^ f->res) & 0x10) != 0;
	case LAZY_LOGIC: case LAZY_SHIFT: return false;
	case LAZY_INC: return (f->res & 0xf) == 0;
	case LAZY_DEC: return (f->res & 0xf) == 0xf;
	default: return (c->rflags & RFLAGS_AF) != 0;
	}
}

void flags_materialise(struct cpu *c)
{
	if (c->lf.op == LAZY_NONE)
		return;
	u64 f = c->rflags & ~RFLAGS_ARITH;
	if (flags_cf(c)) f |= RFLAGS_CF;
	if (parity8(c->lf.res)) f |= RFLAGS_PF;
	if (lazy_af(c)) f |= RFLAGS_AF;
	if (c->lf.res == 0) f |= RFLAGS_ZF;
	if (lazy_sf(c)) f |= RFLAGS_SF;
	if (lazy_of(c)) f |= RFLAGS_OF;
	c->rflags = f;
	c->lf.op = LAZY_NONE;
}

/* SDM Vol.1 Appendix "EFLAGS Condition Codes": tttn encoding */
bool flags_cond_slow(struct cpu *c, unsigned cc)
{
	bool r;
	switch ((cc >> 1) & 7) {
	case 0: r = lazy_of(c); break;
	case 1: r = flags_cf(c); break;
	case 2: r = flags_zf(c); break;
	case 3: r = flags_cf(c) || flags_zf(c); break;
	case 4: r = lazy_sf(c); break;
	case 5:
		flags_materialise(c);
		r = (c->rflags & RFLAGS_PF) != 0;
		break;
	case 6: r = lazy_sf(c) != lazy_of(c); break;
	default: r = flags_zf(c) || (lazy_sf(c) != lazy_of(c)); break;
	}
	return (cc & 1) ? !r : r;
}

void flags_set(struct cpu *c, u64 mask, u64 val)
{
	if ((mask & RFLAGS_ARITH) == RFLAGS_ARITH)
		c->lf.op = LAZY_NONE; /* every lazy flag is overwritten */
	else
		flags_materialise(c);
	c->rflags = (c->rflags & ~mask) | (val & mask);
}

u64 cpu_rflags(struct cpu *c)
{
	flags_materialise(c);
	return c->rflags | RFLAGS_FIXED;
}

void cpu_set_rflags(struct cpu *c, u64 v)
{
	c->lf.op = LAZY_NONE;
	c->rflags = (v & ~RFLAGS_RESERVED) | RFLAGS_FIXED;
}
