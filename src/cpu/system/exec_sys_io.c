/* cpu/system/exec_sys_io.c: IN, OUT, INS, OUTS (SDM Vol.2 pages of the same names;
 * Vol.1 "Input/Output", "I/O Privilege Level", "I/O Permission Bit Map"). */
#include "cpu/system/exec_sys.h"
#include "cpu/exec/rep.h"
#include "vmx/vmx.h"

#include "cpu/memory/mem.h"

/* SDM Vol.1 "I/O Permission Bit Map": in protected mode with CPL > IOPL,
 * and always in virtual-8086 mode, every bit for ports port..port+size-1 in
 * the TSS bitmap must be 0. Only a 32/64-bit TSS has a bitmap; its offset
 * is the word at TSS+66H; the processor reads two bytes, and any of them
 * beyond the TSS limit means #GP(0). */
static void io_check(struct cpu *c, u16 port, unsigned size)
{
	const struct seg_cache *tr = &c->seg[SEG_TR];
	unsigned iopl = (unsigned)(cpu_rflags(c) >> 12) & 3;

	if (c->mode == MODE_REAL || (c->mode != MODE_VM86 && c->cpl <= iopl))
		return;
	if ((tr->ar & AR_UNUSABLE) || (AR_TYPE(tr->ar) | 2) != DESC_TSS_BUSY || tr->limit < 0x67)
		cpu_gp0(c);
	u64 lmask = cpu_lma(c) ? ~0ull : 0xffffffffull;
	u64 off = lin_read(c, (tr->base + 0x66) & lmask, 2, ACC_SUPER);
	u64 idx = off + port / 8;
	if (idx + 1 > tr->limit)
		cpu_gp0(c);
	u64 bits = lin_read(c, (tr->base + idx) & lmask, 2, ACC_SUPER);
	if (bits & (((1u << size) - 1) << (port & 7)))
		cpu_gp0(c);
}

/* port from an imm8 operand or DX */
static u16 io_port(struct cpu *c, const struct insn *i)
{
	for (unsigned k = 0; k < i->nops; k++)
		if (i->op[k].kind == OPK_IMM)
			return (u8)i->imm;
	return (u16)c->gpr[RDX];
}

/* the AL/AX/EAX operand's size */
static unsigned io_size(const struct insn *i)
{
	for (unsigned k = 0; k < i->nops; k++)
		if (i->op[k].kind == OPK_REG && i->op[k].reg == RAX)
			return i->op[k].size;
	return i->osize;
}

void exec_in(struct cpu *c, const struct insn *i)
{
	u16 port = io_port(c, i);
	unsigned size = io_size(i);

	io_check(c, port, size);
	/* (SVM: IOPM) */
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_io(c, i, port, size, true, false, false, i->op[1].kind == OPK_IMM);
	reg_write(c, RAX, size, cpu_in(c, port, size));
}

void exec_out(struct cpu *c, const struct insn *i)
{
	u16 port = io_port(c, i);
	unsigned size = io_size(i);

	io_check(c, port, size);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_io(c, i, port, size, false, false, false, i->op[0].kind == OPK_IMM);
	cpu_out(c, port, size, reg_read(c, RAX, size));
}

/* INS/OUTS; with REP, a batch of iterations per execution, counted in
 * virtual time one by one (cpu/exec/rep.h) */
static void string_io(struct cpu *c, const struct insn *i, bool in)
{
	unsigned size = i->osize, as = i->asize;
	u64 amask = size_mask(as);
	u16 port = (u16)c->gpr[RDX];
	u64 step = (cpu_rflags(c) & RFLAGS_DF) ? -(u64)size : size;
	unsigned ptr = in ? RDI : RSI;
	u64 n = 0, limit;

	if (i->rep && (c->gpr[RCX] & amask) == 0)
		return;
	io_check(c, port, size);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_io(c, i, port, size, in, true, i->rep, false);
	limit = rep_budget(c);
	do {
		u64 off = c->gpr[ptr] & amask;
		if (in) {
			/* check the destination before the port is read */
			u64 lin = seg_check(c, SEG_ES, off, size, ACC_W);
			mem_translate(c, lin, ACC_W);
			mem_translate(c, lin + size - 1, ACC_W);
			cpu_write(c, SEG_ES, off, size, cpu_in(c, port, size));
		} else {
			cpu_out(c, port, size, cpu_read(c, i->seg, off, size));
		}
		reg_write(c, ptr, as, (off + step) & amask);
		if (!i->rep)
			return;
		reg_write(c, RCX, as, ((c->gpr[RCX] & amask) - 1) & amask);
		rep_count(c, 1);
	} while ((c->gpr[RCX] & amask) && ++n < limit);
	bool more = (c->gpr[RCX] & amask) != 0;
	rep_end(c, more ? n : n + 1, more);
	if (more)
		c->next_rip = c->rip; /* continue at the next boundary */
}

void exec_ins(struct cpu *c, const struct insn *i) { string_io(c, i, true); }
void exec_outs(struct cpu *c, const struct insn *i) { string_io(c, i, false); }
