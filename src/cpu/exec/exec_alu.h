/* cpu/exec/exec_alu.h: private helpers shared by the integer executors
 * (exec_alu.c, exec_shift.c, exec_muldiv.c, exec_bit.c, exec_string.c,
 * exec_misc.c). Not an interface: nothing outside those files includes it. */
#ifndef NESTBOX_CPU_EXEC_ALU_H
#define NESTBOX_CPU_EXEC_ALU_H

#include "base/bits.h"
#include "base/compiler.h"
#include "cpu/cpu.h"
#include "cpu/fault.h"
#include "cpu/exec/flags.h"
#include "cpu/decode/insn.h"
#include "cpu/memory/mem.h"
#include "cpu/model.h"

/* Value of explicit operand n, zero-extended to 64 bits. Registers are read
 * directly (the hot path); immediates are masked to the operand's size (the
 * caller masks again to the destination size where they differ); memory goes
 * through op_read(). */
static always_inline u64 opnd_get(struct cpu *c, const struct insn *i, int n)
{
	const struct opnd *o = &i->op[n];

	if (likely(o->kind == OPK_REG))
		return reg_read(c, o->reg, o->size);
	return op_read(c, i, n);
}

/* Read-modify-write instructions read their memory operand with write
 * intent: a page or segment that is not writable faults on that read with
 * the write-access error code, as on hardware (the access is one locked or
 * unlocked read/write pair; SDM Vol.3A "Page-Fault Error Code": W/R is set
 * for the write of such an access). */
static inline u64 mem_read_rmw(struct cpu *c, unsigned seg, u64 off, unsigned size)
{
	u64 lin = seg_check(c, seg, off, size, ACC_W);

	return lin_read(c, lin, size, ACC_W);
}

/* operand n of a read-modify-write instruction (see mem_read_rmw) */
static always_inline u64 opnd_get_rmw(struct cpu *c, const struct insn *i, int n)
{
	const struct opnd *o = &i->op[n];

	if (likely(o->kind == OPK_REG))
		return reg_read(c, o->reg, o->size);
	return mem_read_rmw(c, i->seg, insn_ea(c, i), o->size);
}

/* Store v into explicit operand n with the register-write rules of
 * reg_write() (SDM Vol.1 "General-Purpose Registers in 64-Bit Mode"). */
static always_inline void opnd_put(struct cpu *c, const struct insn *i, int n, u64 v)
{
	const struct opnd *o = &i->op[n];

	if (likely(o->kind == OPK_REG))
		reg_write(c, o->reg, o->size, v);
	else
		op_write(c, i, n, v);
}

/* sign bit of a size-byte value */
static always_inline u64 sign_bit(unsigned size)
{
	return 1ull << (size * 8 - 1);
}

/* the current value of one arithmetic flag (materialises lazy flags) */
static inline bool flag_get(struct cpu *c, u64 mask)
{
	return (cpu_rflags(c) & mask) != 0;
}

/* SF, ZF and PF of a size-byte result, as RFLAGS bits */
static always_inline u64 szp_bits(u64 res, unsigned size)
{
	u64 f = 0;

	res &= size_mask(size);
	if (res == 0)
		f |= RFLAGS_ZF;
	if (res & sign_bit(size))
		f |= RFLAGS_SF;
	if (parity8(res))
		f |= RFLAGS_PF;
	return f;
}

/* #UD unless the CPU model advertises feature f (SDM Vol.2A
 * "CPUID—CPU Identification": an instruction of an absent extension is #UD) */
static inline void need_feature(struct cpu *c, enum cpu_feature f)
{
	if (unlikely(!cpu_has(c->model, f)))
		cpu_ud(c);
}

/* The stack-address size in bytes and its mask (SDM Vol.1 "Address-Size
 * Attributes for Stack Accesses"). */
static inline u64 stack_mask(const struct cpu *c)
{
	return size_mask(cpu_stack_size(c));
}

/* the mask of a memory-operand offset for this instruction's address size */
static always_inline u64 addr_mask(const struct insn *i)
{
	return size_mask(i->asize);
}

#endif
