/* cpu/exec/exec_core.c: MOV, LEA, NOP, near JMP/CALL/RET, Jcc, JrCXZ, LOOPcc,
 * PUSH and POP (SDM Vol.2 instruction pages of the same names). Segment
 * and far forms are passed on to cpu/system/seg.c; CR/DR moves to cpu/system/exec_sys.c. */
#include "cpu/exec/branch.h"
#include "cpu/fault.h"
#include "cpu/exec/flags.h"
#include "cpu/decode/insn.h"
#include "cpu/memory/mem.h"
#include "cpu/model.h"
#include "cpu/system/seg.h"

void exec_mov(struct cpu *c, const struct insn *i)
{
	const struct opnd *d = &i->op[0], *s = &i->op[1];
	if (likely(d->kind == OPK_REG)) {
		if (s->kind == OPK_REG) {
			reg_write(c, d->reg, d->size, reg_read(c, s->reg, s->size));
			return;
		}
		if (s->kind == OPK_IMM) {
			reg_write(c, d->reg, d->size, i->imm);
			return;
		}
	}
	if (d->kind == OPK_CR || s->kind == OPK_CR) {
		exec_mov_cr(c, i);
		return;
	}
	if (d->kind == OPK_DR || s->kind == OPK_DR) {
		exec_mov_dr(c, i);
		return;
	}
	if (d->kind == OPK_SREG) {
		exec_mov_to_sreg(c, i);
		return;
	}
	op_write(c, i, 0, op_read(c, i, 1));
}

/* LEA: the offset, truncated to the operand size (SDM "LEA") */
void exec_lea(struct cpu *c, const struct insn *i)
{
	reg_write(c, i->op[0].reg, i->op[0].size, insn_ea(c, i));
}

void exec_nop(struct cpu *c, const struct insn *i)
{
}

/* the near-branch target: relative to the next instruction, or absolute,
 * truncated to the operand size (SDM "JMP": "If the operand-size attribute
 * is 16, the upper two bytes of the EIP register are cleared") */
static inline u64 near_target(struct cpu *c, const struct insn *i)
{
	u64 t = i->op[0].kind == OPK_IMM ? c->next_rip + i->imm : op_read(c, i, 0);
	return t & size_mask(i->osize);
}

void exec_jmp(struct cpu *c, const struct insn *i)
{
	if (unlikely(i->flags & INSN_F_FAR)) {
		exec_jmp_far(c, i);
		return;
	}
	u64 t = near_target(c, i);
	check_target(c, t);
	c->next_rip = t;
}

void exec_jcc(struct cpu *c, const struct insn *i)
{
	if (flags_cond(c, i->cc)) {
		branch_rel(c, i);
	}
}

/* the count register, sized by the address size */
static inline u64 count_reg(const struct cpu *c, const struct insn *i)
{
	return c->gpr[RCX] & size_mask(i->asize);
}

void exec_jcxz(struct cpu *c, const struct insn *i)
{
	if (count_reg(c, i) == 0) {
		branch_rel(c, i);
	}
}

/* SDM "LOOP/LOOPcc": decrement the count (address-size wide) without
 * touching flags; the count is committed only if the branch cannot fault */
void exec_loop(struct cpu *c, const struct insn *i)
{
	u64 cnt = (count_reg(c, i) - 1) & size_mask(i->asize);
	bool take = cnt != 0;
	/* opcode E0 LOOPNE, E1 LOOPE, E2 LOOP: i->cc is the low opcode nibble */
	if (i->cc == 1)
		take = take && flags_zf(c);
	else if (i->cc == 0)
		take = take && !flags_zf(c);
	if (take) {
		branch_rel(c, i);
	}
	reg_write(c, RCX, i->asize, cnt);
}

void exec_call(struct cpu *c, const struct insn *i)
{
	if (unlikely(i->flags & INSN_F_FAR)) {
		exec_call_far(c, i);
		return;
	}
	u64 t = near_target(c, i);
	check_target(c, t);
	cpu_push(c, i->osize, c->next_rip);
	c->next_rip = t;
}

void exec_ret(struct cpu *c, const struct insn *i)
{
	if (unlikely(i->flags & INSN_F_FAR)) {
		exec_ret_far(c, i);
		return;
	}
	u64 t = cpu_peek(c, i->osize, 0) & size_mask(i->osize);
	check_target(c, t);
	unsigned ss = cpu_stack_size(c);
	u64 mask = size_mask(ss);
	u64 sp = (c->gpr[RSP] + i->osize + (i->nops ? (i->imm & 0xffff) : 0)) & mask;
	c->gpr[RSP] = (c->gpr[RSP] & ~mask) | sp;
	c->next_rip = t;
}

void exec_push(struct cpu *c, const struct insn *i)
{
	const struct opnd *o = &i->op[0];
	u64 v;
	if (o->kind == OPK_REG)
		v = reg_read(c, o->reg, o->size);
	else if (o->kind == OPK_SREG)
		v = c->seg[o->reg].sel; /* zero-extended to the operand size */
	else
		v = op_read(c, i, 0);
	cpu_push(c, i->osize, v);
}

/* SDM "POP": "If the destination operand uses the stack pointer as a base
 * register, the address is computed after the POP increments it" */
void exec_pop(struct cpu *c, const struct insn *i)
{
	const struct opnd *o = &i->op[0];
	if (o->kind == OPK_SREG) {
		exec_pop_sreg(c, i);
		return;
	}
	u64 v = cpu_peek(c, i->osize, 0);
	unsigned ss = cpu_stack_size(c);
	u64 mask = size_mask(ss);
	u64 old = c->gpr[RSP];
	u64 new_sp = (old & ~mask) | ((old + i->osize) & mask);
	if (o->kind == OPK_REG) {
		c->gpr[RSP] = new_sp;
		reg_write(c, o->reg, o->size, v);
		return;
	}
	c->gpr[RSP] = new_sp;
	u64 ea = insn_ea(c, i);
	c->gpr[RSP] = old;
	cpu_write(c, i->seg, ea, o->size, v);
	c->gpr[RSP] = new_sp;
}

/* SDM "CLAC"/"STAC": #UD unless SMAP is supported and CPL = 0 */
static void set_ac(struct cpu *c, bool on)
{
	if (!cpu_has(c->model, FEAT_smap) || c->cpl > 0)
		cpu_ud(c);
	flags_set(c, RFLAGS_AC, on ? RFLAGS_AC : 0);
}

void exec_stac(struct cpu *c, const struct insn *i) { set_ac(c, true); }
void exec_clac(struct cpu *c, const struct insn *i) { set_ac(c, false); }
