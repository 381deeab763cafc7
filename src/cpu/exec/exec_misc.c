/* cpu/exec/exec_misc.c: exchanges and compare-exchanges, MOVBE, ADCX/ADOX, the
 * frame instructions ENTER/LEAVE, PUSHA/POPA and BOUND (SDM Vol.2
 * "Instruction Set Reference").
 *
 * Memory read-modify-writes are one read and one write; XCHG with memory is
 * implicitly locked (SDM Vol.2B "XCHG—Exchange Register/Memory With
 * Register"), which with one logical processor needs nothing more. All
 * accesses that can fault are made before any register is written. */
#include "cpu/exec/exec_alu.h"

/* SDM Vol.2B "XCHG—Exchange Register/Memory With Register" */
void exec_xchg(struct cpu *c, const struct insn *i)
{
	u64 b = opnd_get(c, i, 1), a = opnd_get_rmw(c, i, 0);

	if (i->op[0].kind == OPK_MEM) {
		op_write(c, i, 0, b);
		opnd_put(c, i, 1, a);
	} else {
		opnd_put(c, i, 1, a);
		opnd_put(c, i, 0, b);
	}
}

/* SDM Vol.2B "XADD—Exchange and Add": TEMP := SRC + DEST; SRC := DEST;
 * DEST := TEMP (so with one register for both, it ends up holding the sum). */
void exec_xadd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 s = opnd_get(c, i, 1), d = opnd_get_rmw(c, i, 0);
	u64 r = (d + s) & size_mask(size);

	if (i->op[0].kind == OPK_MEM) {
		op_write(c, i, 0, r);
		opnd_put(c, i, 1, d);
	} else {
		opnd_put(c, i, 1, d);
		opnd_put(c, i, 0, r);
	}
	flags_lazy(c, LAZY_ADD, size, d, s, r, 0);
}

/* SDM Vol.2A "CMPXCHG—Compare and Exchange": flags as CMP accumulator, DEST.
 * Equal: DEST := SRC. Not equal: the accumulator := DEST, and a memory DEST
 * is written back with its own value (the locked cycle always writes). With
 * a register destination only the register that changes is written, so in
 * 64-bit mode the 32-bit form zero-extends that one alone. */
void exec_cmpxchg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 acc = c->gpr[RAX] & size_mask(size);
	u64 s = opnd_get(c, i, 1);
	u64 d = opnd_get_rmw(c, i, 0);

	if (acc == d) {
		opnd_put(c, i, 0, s);
	} else {
		if (i->op[0].kind == OPK_MEM)
			op_write(c, i, 0, d);
		reg_write(c, RAX, size, d);
	}
	flags_lazy(c, LAZY_SUB, size, acc, d, (acc - d) & size_mask(size), 0);
}

/* SDM Vol.2A "CMPXCHG8B/CMPXCHG16B—Compare and Exchange Bytes": compare
 * EDX:EAX (RDX:RAX) with m64 (m128); equal: ZF := 1, m := ECX:EBX (RCX:RBX);
 * else ZF := 0, EDX:EAX := m, and m is written back unchanged. Only ZF is
 * affected. CMPXCHG16B needs a 16-byte-aligned operand, else #GP(0). */
void exec_cmpxchg8b(struct cpu *c, const struct insn *i)
{
	u64 ea = insn_ea(c, i), m, cmp;

	need_feature(c, FEAT_cx8);
	m = mem_read_rmw(c, i->seg, ea, 8);
	cmp = (c->gpr[RDX] << 32) | (u32)c->gpr[RAX];
	if (m == cmp) {
		cpu_write(c, i->seg, ea, 8, (c->gpr[RCX] << 32) | (u32)c->gpr[RBX]);
		flags_set(c, RFLAGS_ZF, RFLAGS_ZF);
		return;
	}
	cpu_write(c, i->seg, ea, 8, m);
	reg_write(c, RAX, 4, m);
	reg_write(c, RDX, 4, m >> 32);
	flags_set(c, RFLAGS_ZF, 0);
}

void exec_cmpxchg16b(struct cpu *c, const struct insn *i)
{
	u64 ea = insn_ea(c, i), lin, m[2], nv[2];
	bool eq;

	need_feature(c, FEAT_cx16);
	/* the alignment #GP(0) comes before the segment/canonical checks (what
	 * processors do when both apply; the SDM does not order them) */
	lin = ea;
	if (!cpu_is_long64(c) || i->seg == SEG_FS || i->seg == SEG_GS)
		lin += c->seg[i->seg].base;
	if (lin & 15)
		cpu_gp0(c);
	lin = seg_check(c, i->seg, ea, 16, ACC_W);
	m[0] = lin_read(c, lin, 8, ACC_W);
	m[1] = lin_read(c, lin + 8, 8, ACC_W);
	eq = m[0] == c->gpr[RAX] && m[1] == c->gpr[RDX];
	if (eq) {
		nv[0] = c->gpr[RBX];
		nv[1] = c->gpr[RCX];
	} else {
		nv[0] = m[0];
		nv[1] = m[1];
	}
	/* aligned: both halves are in one page, already checked for writing */
	lin_write(c, lin, 8, nv[0], ACC_W);
	lin_write(c, lin + 8, 8, nv[1], ACC_W);
	if (!eq) {
		c->gpr[RAX] = m[0];
		c->gpr[RDX] = m[1];
	}
	flags_set(c, RFLAGS_ZF, eq ? RFLAGS_ZF : 0);
}

/* SDM Vol.2B "MOVBE—Move Data After Swapping Bytes": one operand is memory */
void exec_movbe(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	u64 v;

	need_feature(c, FEAT_movbe);
	v = opnd_get(c, i, 1);
	if (size == 8)
		v = __builtin_bswap64(v);
	else if (size == 4)
		v = __builtin_bswap32((u32)v);
	else
		v = __builtin_bswap16((u16)v);
	opnd_put(c, i, 0, v);
}

/* SDM Vol.2A "ADCX—Unsigned Integer Addition of Two Operands With Carry
 * Flag" and "ADOX—... With Overflow Flag": DEST := DEST + SRC + flag, the
 * carry out goes to that same flag; no other flag changes. */
static void add_with_flag(struct cpu *c, const struct insn *i, u64 flag)
{
	unsigned size = i->op[0].size;
	u64 m = size_mask(size);
	u64 a, b, in, r;
	bool out;

	need_feature(c, FEAT_adx);
	b = opnd_get(c, i, 1);
	a = opnd_get(c, i, 0);
	in = flag_get(c, flag);
	r = (a + b + in) & m;
	out = in ? r <= a : r < a;
	opnd_put(c, i, 0, r);
	flags_set(c, flag, out ? flag : 0);
}

void exec_adcx(struct cpu *c, const struct insn *i) { add_with_flag(c, i, RFLAGS_CF); }
void exec_adox(struct cpu *c, const struct insn *i) { add_with_flag(c, i, RFLAGS_OF); }

/* --- stack frames --- */

static void stack_store(struct cpu *c, u64 sp, unsigned size, u64 v)
{
	cpu_write(c, SEG_SS, sp, size, v);
}

/* SDM Vol.2A "ENTER—Make Stack Frame for Procedure Parameters".
 * Pushes go through SS with the stack-address size (ss) for the pointer
 * arithmetic and the operand size (os) for the data. The display copy reads
 * the old frame through a temporary frame pointer decremented by os. All
 * stores, and a final write check of the new stack top, happen before
 * RSP/RBP change, so a fault leaves them untouched. */
void exec_enter(struct cpu *c, const struct insn *i)
{
	unsigned os = i->osize, ss = cpu_stack_size(c);
	u64 sm = size_mask(ss);
	u64 alloc = i->imm & 0xffff;
	unsigned level = (unsigned)i->imm2 & 31; /* NestingLevel := imm8 MOD 32 */
	u64 sp = c->gpr[RSP] & sm, bp = c->gpr[RBP] & sm;
	u64 frame_temp;

	sp = (sp - os) & sm;
	stack_store(c, sp, os, c->gpr[RBP]);
	frame_temp = (c->gpr[RSP] & ~sm) | sp;
	if (level > 0) {
		for (unsigned k = 1; k < level; k++) {
			bp = (bp - os) & sm;
			u64 v = cpu_read(c, SEG_SS, bp, os);
			sp = (sp - os) & sm;
			stack_store(c, sp, os, v);
		}
		sp = (sp - os) & sm;
		stack_store(c, sp, os, frame_temp);
	}
	/* processors finish with a write check of the new stack top
	 * (RSP - AllocSize): a fault there is raised before anything commits */
	mem_read_rmw(c, SEG_SS, (sp - alloc) & sm, os);
	/* commit */
	if (level > 1)
		reg_write(c, RBP, ss, bp);
	if (ss == 8)
		c->gpr[RBP] = frame_temp;
	else
		reg_write(c, RBP, os, frame_temp);
	c->gpr[RSP] = (c->gpr[RSP] & ~sm) | ((sp - alloc) & sm);
}

/* SDM Vol.2A "LEAVE—High Level Procedure Exit": rSP := rBP (stack-address
 * size); rBP := Pop() (operand size). */
void exec_leave(struct cpu *c, const struct insn *i)
{
	unsigned os = i->osize;
	u64 sm = stack_mask(c);
	u64 sp = c->gpr[RBP] & sm;
	u64 v = cpu_read(c, SEG_SS, sp, os);

	c->gpr[RSP] = (c->gpr[RSP] & ~sm) | ((sp + os) & sm);
	reg_write(c, RBP, os, v);
}

/* SDM Vol.2B "PUSHA/PUSHAD—Push All General-Purpose Registers": pushes
 * AX CX DX BX (original SP) BP SI DI. Invalid in 64-bit mode (the decoder). */
static void pusha(struct cpu *c, unsigned os)
{
	u64 sm = stack_mask(c);
	u64 sp = c->gpr[RSP] & sm;

	for (unsigned r = RAX; r <= RDI; r++) {
		sp = (sp - os) & sm;
		stack_store(c, sp, os, c->gpr[r]); /* gpr[RSP] is still the original */
	}
	c->gpr[RSP] = (c->gpr[RSP] & ~sm) | sp;
}

/* SDM Vol.2B "POPA/POPAD—Pop All General-Purpose Registers": pops DI SI BP,
 * skips the saved SP, then BX DX CX AX. */
static void popa(struct cpu *c, unsigned os)
{
	u64 sm = stack_mask(c);
	u64 sp = c->gpr[RSP] & sm;
	u64 v[8];

	for (int r = RDI; r >= RAX; r--) {
		v[r] = cpu_read(c, SEG_SS, sp, os);
		sp = (sp + os) & sm;
	}
	for (unsigned r = RAX; r <= RDI; r++)
		if (r != RSP)
			reg_write(c, r, os, v[r]);
	c->gpr[RSP] = (c->gpr[RSP] & ~sm) | sp;
}

void exec_pusha(struct cpu *c, const struct insn *i) { pusha(c, 2); }
void exec_pushad(struct cpu *c, const struct insn *i) { pusha(c, 4); }
void exec_popa(struct cpu *c, const struct insn *i) { popa(c, 2); }
void exec_popad(struct cpu *c, const struct insn *i) { popa(c, 4); }

/* SDM Vol.2A "BOUND—Check Array Index Against Bounds": the memory operand
 * holds two signed bounds of the operand size; #BR if the index is below the
 * first or above the second. */
void exec_bound(struct cpu *c, const struct insn *i)
{
	unsigned os = i->op[0].size, bits = os * 8;
	u64 ea = insn_ea(c, i);
	i64 idx = (i64)sext(opnd_get(c, i, 0), bits);
	i64 lo = (i64)sext(cpu_read(c, i->seg, ea, os), bits);
	i64 hi = (i64)sext(cpu_read(c, i->seg, (ea + os) & addr_mask(i), os), bits);

	if (idx < lo || idx > hi)
		cpu_fault(c, VEC_BR, 0);
}
