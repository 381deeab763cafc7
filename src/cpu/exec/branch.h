/* cpu/exec/branch.h: near-branch target rules shared by the branch executors
 * (cpu/exec/exec_core.c) and their specialised forms (cpu/decode/fastpath.c). */
#ifndef NESTBOX_CPU_BRANCH_H
#define NESTBOX_CPU_BRANCH_H

#include "cpu/fault.h"
#include "cpu/decode/insn.h"

/* SDM "JMP" / "CALL" / "RET": a near target outside the CS limit (legacy)
 * or non-canonical (64-bit mode) raises #GP(0) before anything commits */
static always_inline void check_target(struct cpu *c, u64 t)
{
	if (c->mode == MODE_LONG64) {
		if (unlikely(!cpu_canonical(c, t)))
			cpu_gp0(c);
	} else if (unlikely(t > c->seg[SEG_CS].limit)) {
		cpu_gp0(c);
	}
}

/* a taken relative branch (Jcc, JrCXZ, LOOPcc): target from the next
 * instruction, truncated to the operand size, checked before it commits */
static always_inline void branch_rel(struct cpu *c, const struct insn *i)
{
	u64 t = (c->next_rip + i->imm) & size_mask(i->osize);
	check_target(c, t);
	c->next_rip = t;
}

#endif
