/* cpu/exec/exec_string.c: MOVS CMPS SCAS LODS STOS with REP/REPE/REPNE, and XLAT
 * (SDM Vol.2 "MOVS/MOVSB/MOVSW/MOVSD/MOVSQ—Move Data From String to String",
 * "CMPS...", "SCAS...", "LODS...", "STOS...", "REP/REPE/REPZ/REPNE/REPNZ—
 * Repeat String Operation Prefix", "XLAT/XLATB—Table Look-up Translation").
 *
 * The source is seg:rSI (seg = DS or the override, i->seg); the destination
 * is always ES:rDI. rSI/rDI/rCX are SI/ESI/RSI... by the address size, and
 * step by the element size, down if RFLAGS.DF is set.
 *
 * A REP instruction runs a batch of iterations per execution (how many, and
 * how they count in virtual time: cpu/exec/rep.h); each iteration commits
 * rSI/rDI/rCX before the next can fault, so a fault leaves a restartable
 * state (SDM Vol.1 "Repeat string operations" and Vol.3A "Interrupts and
 * repeated string instructions"). When iterations remain, next_rip = rip so
 * the step loop executes the instruction again (letting interrupts in
 * between batches). */
#include "cpu/exec/exec_alu.h"

#include <string.h>

#include "cpu/exec/rep.h"
#include "cpu/fpu/sse.h"

enum str_op { STR_MOVS, STR_CMPS, STR_SCAS, STR_LODS, STR_STOS };

/* advance an index register (rSI or rDI) by one element, with the address size */
static always_inline void str_step(struct cpu *c, const struct insn *i, unsigned r, unsigned size)
{
	u64 d = (c->rflags & RFLAGS_DF) ? (u64)0 - size : size;

	reg_write(c, r, i->asize, c->gpr[r] + d);
}

/* One iteration. Everything that can fault happens before the index
 * registers move. */
static always_inline void str_once(struct cpu *c, const struct insn *i, enum str_op op,
				   unsigned size)
{
	u64 am = addr_mask(i);
	u64 a, b;

	switch (op) {
	case STR_MOVS:
		a = cpu_read(c, i->seg, c->gpr[RSI] & am, size);
		cpu_write(c, SEG_ES, c->gpr[RDI] & am, size, a);
		str_step(c, i, RSI, size);
		str_step(c, i, RDI, size);
		break;
	case STR_CMPS:
		/* SDM: compares (SRC1 = seg:rSI) - (SRC2 = ES:rDI) */
		a = cpu_read(c, i->seg, c->gpr[RSI] & am, size);
		b = cpu_read(c, SEG_ES, c->gpr[RDI] & am, size);
		flags_lazy(c, LAZY_SUB, size, a, b, (a - b) & size_mask(size), 0);
		str_step(c, i, RSI, size);
		str_step(c, i, RDI, size);
		break;
	case STR_SCAS:
		a = c->gpr[RAX] & size_mask(size);
		b = cpu_read(c, SEG_ES, c->gpr[RDI] & am, size);
		flags_lazy(c, LAZY_SUB, size, a, b, (a - b) & size_mask(size), 0);
		str_step(c, i, RDI, size);
		break;
	case STR_LODS:
		a = cpu_read(c, i->seg, c->gpr[RSI] & am, size);
		reg_write(c, RAX, size, a);
		str_step(c, i, RSI, size);
		break;
	case STR_STOS:
		cpu_write(c, SEG_ES, c->gpr[RDI] & am, size, c->gpr[RAX]);
		str_step(c, i, RDI, size);
		break;
	}
}

/* elements of `size` bytes, stepping up or down from lin, that lie wholly
 * in lin's page (0 if the first one crosses into the next page) */
static u64 elems_in_page(u64 lin, unsigned size, bool down)
{
	unsigned off = (unsigned)(lin & 0xfff);

	if (off + size > 0x1000)
		return 0;
	return down ? off / size + 1 : (0x1000 - off) / size;
}

/* The linear address of element 0 of a REP run through segment `seg` at
 * offset `off`, and in *n how many of the run's elements (stepping `step`)
 * pass the segment checks without the offset wrapping in the address size.
 * Returns false when the fast path should stand aside (the per-element path
 * then raises whatever fault is due, at the right iteration). In 64-bit mode
 * only the FS/GS base and the canonical check apply ("Segmentation in IA-32e
 * Mode"); elsewhere an expand-up data segment (writable for a store, SDM
 * Vol.3A "Limit Checking" / "Type Checking") whose limit covers the run. */
static bool str_seg(const struct cpu *c, const struct insn *i, unsigned seg, u64 off, i64 step,
		    unsigned size, bool write, u64 *n, u64 *lin)
{
	const struct seg_cache *s = &c->seg[seg];
	u64 amask = addr_mask(i), span;

	if (c->mode == MODE_LONG64 && i->asize == 8) {
		*lin = off + ((seg == SEG_FS || seg == SEG_GS) ? s->base : 0);
		return cpu_canonical(c, *lin);
	}
	if (c->mode == MODE_LONG64)
		return false; /* 32-bit addressing in 64-bit mode: rare, take the slow path */
	if (c->mode != MODE_REAL) {
		u32 type = AR_TYPE(s->ar);
		if ((s->ar & AR_UNUSABLE) || !(s->ar & AR_P) || !(s->ar & AR_S) ||
		    (type & (SEG_TYPE_CODE | SEG_TYPE_EC)) || (write && !(type & SEG_TYPE_WR)))
			return false;
	}
	off &= amask;
	/* elements before the run would leave [0, min(limit, address-size top)] */
	u64 top = s->limit < amask ? s->limit : amask;
	if (off > top || off + size - 1 > top)
		return false;
	span = step < 0 ? off / size + 1 : (top - off + 1) / size;
	if (*n > span)
		*n = span;
	*lin = (s->base + off) & 0xffffffffull;
	return true;
}

/* REP MOVS/STOS fast path: up to `max` iterations that stay inside one source
 * and one destination page of plain RAM and pass the segment checks, done on
 * host memory element by element in the architectural order (so overlapping
 * MOVS behave as on hardware). Not with data breakpoints armed, nor with
 * alignment checking on (SDM "Alignment Check Exception (#AC)": each
 * misaligned element of a string instruction is checked, which the
 * per-element path does). Returns the iterations done; 0 = take the
 * per-element path (which raises any fault at the right iteration). Page
 * faults raised here happen on the first element, exactly where the slow
 * path would raise them. */
static u64 str_fast(struct cpu *c, const struct insn *i, enum str_op op, unsigned size, u64 max)
{
	bool down = (c->rflags & RFLAGS_DF) != 0;
	u64 dlin, slin = 0, n;
	u8 *src = NULL, *dst;
	struct tlb_entry *e;
	i64 step = down ? -(i64)size : (i64)size;

	if (c->dr[7] & 0xff)
		return 0;
	if (c->cpl == 3 && (c->cr0 & CR0_AM) && (c->rflags & RFLAGS_AC))
		return 0;
	n = (c->gpr[RCX] & addr_mask(i)) < max ? (c->gpr[RCX] & addr_mask(i)) : max;
	if (!str_seg(c, i, SEG_ES, c->gpr[RDI], step, size, true, &n, &dlin))
		return 0;
	if (n > elems_in_page(dlin, size, down))
		n = elems_in_page(dlin, size, down);
	if (op == STR_MOVS) {
		if (!str_seg(c, i, i->seg, c->gpr[RSI], step, size, false, &n, &slin))
			return 0;
		if (n > elems_in_page(slin, size, down))
			n = elems_in_page(slin, size, down);
		if (n == 0)
			return 0;
		e = mem_translate(c, slin, ACC_R);
		if (!e->host)
			return 0;
		src = e->host + (slin & 0xfff);
	} else if (n == 0) {
		return 0;
	}
	e = mem_translate(c, dlin, ACC_W);
	/* no host pointer (MMIO) or no direct write (a page holding decoded code) */
	if (!e->host || !(e->perm & (TLBP_W_SUP | TLBP_W_USER)))
		return 0;
	dst = e->host + (dlin & 0xfff);
	if (op == STR_MOVS) {
		for (u64 k = 0; k < n; k++)
			store_le(dst + (i64)k * step, size, load_le(src + (i64)k * step, size));
		reg_write(c, RSI, i->asize, c->gpr[RSI] + (u64)((i64)n * step));
	} else if (size == 1) {
		memset(down ? dst - (n - 1) : dst, (int)(c->gpr[RAX] & 0xff), n);
	} else {
		for (u64 k = 0; k < n; k++)
			store_le(dst + (i64)k * step, size, c->gpr[RAX]);
	}
	reg_write(c, RDI, i->asize, c->gpr[RDI] + (u64)((i64)n * step));
	reg_write(c, RCX, i->asize, c->gpr[RCX] - n);
	return n;
}

static always_inline void string_op(struct cpu *c, const struct insn *i, enum str_op op,
				    unsigned size)
{
	bool cond = op == STR_CMPS || op == STR_SCAS;
	u64 n = 0, limit;

	if (!i->rep) {
		str_once(c, i, op, size);
		return;
	}
	limit = rep_budget(c);
	while ((c->gpr[RCX] & addr_mask(i)) != 0) {
		if (n >= limit) {
			rep_end(c, n, true);
			c->next_rip = c->rip; /* more to do: come back */
			return;
		}
		if (op == STR_MOVS || op == STR_STOS) {
			u64 done = str_fast(c, i, op, size, limit - n);
			if (done) {
				rep_count(c, done);
				n += done;
				continue;
			}
		}
		str_once(c, i, op, size);
		reg_write(c, RCX, i->asize, c->gpr[RCX] - 1);
		rep_count(c, 1);
		n++;
		/* REPE stops when ZF = 0, REPNE when ZF = 1 (CMPS/SCAS only; for
		 * the others F2 repeats like F3) */
		if (cond && flags_zf(c) != (i->rep == PFX_REP))
			break;
	}
	rep_end(c, n, false);
}

#define STR_HANDLERS(name, op)                                                        \
	void exec_##name##b(struct cpu *c, const struct insn *i) { string_op(c, i, op, 1); } \
	void exec_##name##w(struct cpu *c, const struct insn *i) { string_op(c, i, op, 2); } \
	void exec_##name##q(struct cpu *c, const struct insn *i) { string_op(c, i, op, 8); } \
	static void name##_d(struct cpu *c, const struct insn *i) { string_op(c, i, op, 4); }
STR_HANDLERS(movs, STR_MOVS)
STR_HANDLERS(cmps, STR_CMPS)
STR_HANDLERS(scas, STR_SCAS)
STR_HANDLERS(lods, STR_LODS)
STR_HANDLERS(stos, STR_STOS)
#undef STR_HANDLERS

void exec_scasd(struct cpu *c, const struct insn *i) { scas_d(c, i); }
void exec_lodsd(struct cpu *c, const struct insn *i) { lods_d(c, i); }
void exec_stosd(struct cpu *c, const struct insn *i) { stos_d(c, i); }

/* Zydis names the SSE2 MOVSD/CMPSD (which have explicit operands) like the
 * dword string instructions (which have none): the SSE forms go to
 * cpu/fpu/exec_sse.c (cpu/fpu/sse.h). */
void exec_movsd(struct cpu *c, const struct insn *i)
{
	if (likely(i->nops == 0))
		movs_d(c, i);
	else
		exec_sse_movsd(c, i);
}

void exec_cmpsd(struct cpu *c, const struct insn *i)
{
	if (likely(i->nops == 0))
		cmps_d(c, i);
	else
		exec_sse_cmpsd(c, i);
}

/* XLAT: AL := [seg:rBX + ZeroExtend(AL)], address-size wrap */
void exec_xlat(struct cpu *c, const struct insn *i)
{
	u64 off = (c->gpr[RBX] + (c->gpr[RAX] & 0xff)) & addr_mask(i);

	reg_write(c, RAX, 1, cpu_read(c, i->seg, off, 1));
}
