/* cpu/decode/operand.c: generic operand access for handlers. */
#include "cpu/decode/insn.h"

#include "cpu/fault.h"
#include "cpu/memory/mem.h"

u64 op_read(struct cpu *c, const struct insn *i, int n)
{
	const struct opnd *o = &i->op[n];
	switch (o->kind) {
	case OPK_REG: return reg_read(c, o->reg, o->size);
	case OPK_MEM:
		if (i->flags & INSN_F_RMW) {
			u64 lin = seg_check(c, i->seg, insn_ea(c, i), o->size, ACC_W);
			return lin_read(c, lin, o->size, ACC_W);
		}
		return cpu_read(c, i->seg, insn_ea(c, i), o->size);
	case OPK_IMM: return o->reg ? i->imm2 : i->imm;
	case OPK_SREG: return c->seg[o->reg].sel;
	default: cpu_ud(c);
	}
}

void op_write(struct cpu *c, const struct insn *i, int n, u64 v)
{
	const struct opnd *o = &i->op[n];
	switch (o->kind) {
	case OPK_REG: reg_write(c, o->reg, o->size, v); break;
	case OPK_MEM: cpu_write(c, i->seg, insn_ea(c, i), o->size, v); break;
	default: cpu_ud(c);
	}
}
