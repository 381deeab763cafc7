/* cpu/system/seg.c: segment register loads and the descriptor/stack helpers that
 * far transfers and event delivery share (SDM Vol.3A "Protection",
 * "Segment Descriptors"; Vol.2 "MOV", "POP", "LDS/LES/LFS/LGS/LSS", "LAR",
 * "LSL", "VERR/VERW", "ARPL"). */
#include "cpu/system/seg.h"

#include "cpu/system/desc.h"
#include "cpu/fault.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mem.h"
#include "cpu/model.h"

/* ------------------------------------------------------------------ */
/* descriptor tables                                                   */

bool seg_desc_in_limit(const struct cpu *c, u16 sel)
{
	u32 limit;

	if (sel & 4) {
		const struct seg_cache *ldt = &c->seg[SEG_LDTR];
		if ((ldt->ar & AR_UNUSABLE) || !(ldt->ar & AR_P) || sel_null(ldt->sel))
			return false;
		limit = ldt->limit;
	} else {
		limit = c->gdtr.limit;
	}
	return (u64)(sel & ~7u) + 7 <= limit;
}

/* SDM "Segment Selectors": a selector whose index lies outside the GDT or
 * LDT limit faults with the selector (and EXT) as error code. */
u64 seg_desc_fetch(struct cpu *c, u16 sel, u8 vec, u32 ext)
{
	if (!seg_desc_in_limit(c, sel))
		cpu_fault(c, vec, (sel & 0xfffc) | ext);
	return desc_read(c, sel, vec);
}

/* ------------------------------------------------------------------ */
/* committing segment registers                                        */

void seg_commit_cs(struct cpu *c, u16 sel, u64 desc, unsigned cpl)
{
	seg_cache_from_desc(&c->seg[SEG_CS], (u16)((sel & 0xfffc) | cpl), desc | BIT(40));
	cpu_update_mode(c);
}

void seg_commit_ss(struct cpu *c, u16 sel, u64 desc)
{
	seg_cache_from_desc(&c->seg[SEG_SS], sel, desc | BIT(40));
}

/* SDM Vol.3A "Stack Switching in IA-32e Mode": the new SS is a null
 * selector whose RPL is the new CPL. The cache keeps DPL = CPL (CPL is
 * read from SS.DPL) and a 32-bit writable type, marked unusable. */
void seg_commit_null_ss(struct cpu *c, u16 sel, unsigned cpl)
{
	struct seg_cache *s = &c->seg[SEG_SS];
	s->sel = (u16)((sel & 0xfffc) | cpl);
	s->base = 0;
	s->limit = 0xffffffff;
	s->ar = AR_UNUSABLE | AR_S | AR_P | AR_DB | AR_G | (cpl << 5) | SEG_TYPE_WR |
		SEG_TYPE_ACCESSED;
}

/* SDM "RET" / "IRET" Operation, return to an outer privilege level:
 * "FOR each SegReg in (ES, FS, GS, and DS): IF (SegmentSelector = NULL) OR
 * (tempDesc(DPL) < CPL AND tempDesc(Type) is (data or non-conforming code))
 * THEN SegmentSelector <- 0". Only the selector and usability change. */
void seg_null_inaccessible(struct cpu *c)
{
	static const u8 regs[] = { SEG_ES, SEG_FS, SEG_GS, SEG_DS };

	for (unsigned k = 0; k < ARRAY_SIZE(regs); k++) {
		struct seg_cache *s = &c->seg[regs[k]];
		bool conforming = (AR_TYPE(s->ar) & (SEG_TYPE_CODE | SEG_TYPE_EC)) ==
				  (SEG_TYPE_CODE | SEG_TYPE_EC);
		if (sel_null(s->sel) || (s->ar & AR_UNUSABLE))
			continue;
		if (AR_DPL(s->ar) < c->cpl && !conforming) {
			s->sel = 0;
			s->ar |= AR_UNUSABLE;
		}
	}
}

/* ------------------------------------------------------------------ */
/* stacks                                                              */

void stk_current(struct cpu *c, struct stk *s, u32 err)
{
	s->ss = c->seg[SEG_SS];
	s->asize = (u8)cpu_stack_size(c);
	s->sp = c->gpr[RSP] & size_mask(s->asize);
	s->acc = 0;
	s->flat = c->mode == MODE_LONG64;
	s->vec = VEC_SS;
	s->err = err;
}

/* SDM Vol.3A "Limit Checking" for the stack segment (expand-down aware);
 * 64-bit mode checks only canonicality. */
static u64 stk_lin(struct cpu *c, struct stk *s, u64 off, unsigned size)
{
	const struct seg_cache *ss = &s->ss;
	u64 last = off + size - 1;

	if (s->flat) {
		if (!seg_canonical(c, off) || !seg_canonical(c, last))
			cpu_fault(c, s->vec, s->err);
		return off;
	}
	if (c->mode != MODE_REAL && (ss->ar & AR_UNUSABLE))
		cpu_fault(c, s->vec, s->err);
	if ((AR_TYPE(ss->ar) & (SEG_TYPE_CODE | SEG_TYPE_EC)) == SEG_TYPE_EC) {
		u64 top = (ss->ar & AR_DB) ? 0xffffffffull : 0xffffull;
		if (off <= ss->limit || last > top)
			cpu_fault(c, s->vec, s->err);
	} else if (last > ss->limit || last < off) {
		cpu_fault(c, s->vec, s->err);
	}
	return (ss->base + off) & 0xffffffffull;
}

void stk_push(struct cpu *c, struct stk *s, unsigned size, u64 val)
{
	s->sp = (s->sp - size) & size_mask(s->asize);
	u64 lin = stk_lin(c, s, s->sp, size);
	lin_write(c, lin, size, val, ACC_W | s->acc);
}

void stk_room(struct cpu *c, struct stk *s, unsigned n)
{
	stk_lin(c, s, (s->sp - n) & size_mask(s->asize), n);
}

u64 stk_pop(struct cpu *c, struct stk *s, unsigned size)
{
	u64 lin = stk_lin(c, s, s->sp, size);
	u64 v = lin_read(c, lin, size, ACC_R | s->acc);
	s->sp = (s->sp + size) & size_mask(s->asize);
	return v;
}

void seg_set_sp(struct cpu *c, unsigned asize, u64 sp)
{
	if (asize == 2)
		c->gpr[RSP] = (c->gpr[RSP] & ~0xffffull) | (sp & 0xffff);
	else if (asize == 4)
		c->gpr[RSP] = (u32)sp;
	else
		c->gpr[RSP] = sp;
}

/* SDM Vol.3A "Stack Switching" / "Task-State Segment (TSS)" / "64-Bit TSS":
 * the privilege-level stack pointers live at fixed TSS offsets. */
void seg_tss_stack(struct cpu *c, unsigned dpl, unsigned ist, u32 ext, u16 *ss, u64 *sp)
{
	const struct seg_cache *tr = &c->seg[SEG_TR];
	u32 err = (tr->sel & 0xfffc) | ext;
	unsigned type = AR_TYPE(tr->ar);
	u64 a;

	if (cpu_lma(c)) {
		a = ist ? ((u64)ist << 3) + 28 : ((u64)dpl << 3) + 4;
		if (a + 7 > tr->limit)
			cpu_fault(c, VEC_TS, err);
		*sp = lin_read(c, tr->base + a, 8, ACC_SUPER);
		*ss = 0;
	} else if (type == DESC_TSS16_AVAIL || type == DESC_TSS16_BUSY) {
		a = ((u64)dpl << 2) + 2;
		if (a + 3 > tr->limit)
			cpu_fault(c, VEC_TS, err);
		*sp = lin_read(c, tr->base + a, 2, ACC_SUPER);
		*ss = (u16)lin_read(c, tr->base + a + 2, 2, ACC_SUPER);
	} else {
		a = ((u64)dpl << 3) + 4;
		if (a + 5 > tr->limit)
			cpu_fault(c, VEC_TS, err);
		*sp = lin_read(c, tr->base + a, 4, ACC_SUPER);
		*ss = (u16)lin_read(c, tr->base + a + 4, 2, ACC_SUPER);
	}
}

/* ------------------------------------------------------------------ */
/* MOV/POP/LxS segment loads                                           */

/* SDM "MOV" Operation, "IF SS is loaded". */
static void load_ss_prot(struct cpu *c, u16 sel)
{
	unsigned cpl = c->cpl;

	if (sel_null(sel)) {
		/* SDM "MOV" 64-Bit Mode Exceptions: #GP(0) "if an attempt is
		 * made to load SS register with NULL segment selector when
		 * CPL = 3", or "when CPL < 3 and CPL != RPL". */
		if (c->mode == MODE_LONG64 && cpl != 3 && (sel & 3) == cpl) {
			seg_commit_null_ss(c, sel, cpl);
			return;
		}
		cpu_fault(c, VEC_GP, 0);
	}
	u64 d = seg_desc_fetch(c, sel, VEC_GP, 0);
	if ((sel & 3) != cpl || !desc_writable_data(d) || desc_dpl(d) != cpl)
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (!desc_p(d))
		cpu_fault(c, VEC_SS, sel & 0xfffc);
	desc_set_accessed(c, sel, d);
	seg_commit_ss(c, sel, d);
}

/* SDM "MOV" Operation, "IF DS, ES, FS, or GS is loaded with non-NULL
 * selector" / "... with NULL selector". */
static void load_data_prot(struct cpu *c, unsigned seg, u16 sel)
{
	struct seg_cache *s = &c->seg[seg];

	if (sel_null(sel)) {
		/* a null selector makes the register unusable; Intel parts
		 * also clear the base (AMD keeps it) */
		s->sel = sel;
		s->ar = AR_UNUSABLE;
		if (!c->model || !c->model->vendor_amd) {
			s->base = 0;
			s->limit = 0;
		}
		return;
	}
	u64 d = seg_desc_fetch(c, sel, VEC_GP, 0);
	if (!desc_s(d) || (desc_code(d) && !(desc_type(d) & SEG_TYPE_WR)))
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (!desc_conforming(d) && ((sel & 3u) > desc_dpl(d) || c->cpl > desc_dpl(d)))
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (!desc_p(d))
		cpu_fault(c, VEC_NP, sel & 0xfffc);
	desc_set_accessed(c, sel, d);
	seg_cache_from_desc(s, sel, d | BIT(40));
}

void seg_load(struct cpu *c, unsigned seg, u16 sel)
{
	if (c->mode == MODE_REAL || c->mode == MODE_VM86)
		seg_load_real(c, seg, sel);
	else if (seg == SEG_SS)
		load_ss_prot(c, sel);
	else
		load_data_prot(c, seg, sel);
}

/* SDM "MOV": "Loading the SS register with a MOV instruction suppresses or
 * inhibits some debug exceptions and inhibits interrupts on the following
 * instruction boundary." */
void exec_mov_to_sreg(struct cpu *c, const struct insn *i)
{
	unsigned seg = i->op[0].reg;

	if (seg == SEG_CS || seg > SEG_GS)
		cpu_ud(c);
	seg_load(c, seg, (u16)op_read(c, i, 1));
	if (seg == SEG_SS)
		c->shadow |= SHADOW_MOVSS;
}

/* SDM "POP": the value is read, the segment loaded, and only then the stack
 * pointer advanced (by the stack-address size in force before the load). */
void exec_pop_sreg(struct cpu *c, const struct insn *i)
{
	unsigned seg = i->op[0].reg;
	unsigned asize = cpu_stack_size(c);
	u64 mask = size_mask(asize);
	u64 sp = c->gpr[RSP];

	if (seg == SEG_CS || seg > SEG_GS)
		cpu_ud(c);
	u16 sel = (u16)cpu_peek(c, i->osize, 0);
	seg_load(c, seg, sel);
	c->gpr[RSP] = (sp & ~mask) | ((sp + i->osize) & mask);
	if (seg == SEG_SS)
		c->shadow |= SHADOW_MOVSS;
}

/* SDM "LDS/LES/LFS/LGS/LSS": offset then selector from m16:16/32/64; the
 * segment load's checks come before the register write. */
static void load_far_pointer(struct cpu *c, const struct insn *i, unsigned seg)
{
	if (i->op[1].kind != OPK_MEM)
		cpu_ud(c);
	unsigned osize = i->osize;
	u64 ea = insn_ea(c, i);
	u64 off = cpu_read(c, i->seg, ea, osize);
	u16 sel = (u16)cpu_read(c, i->seg, (ea + osize) & size_mask(i->asize), 2);
	seg_load(c, seg, sel);
	reg_write(c, i->op[0].reg, osize, off);
}

void exec_lds(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_DS); }
void exec_les(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_ES); }
void exec_lfs(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_FS); }
void exec_lgs(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_GS); }
void exec_lss(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_SS); }

/* ------------------------------------------------------------------ */
/* LAR, LSL, VERR, VERW, ARPL                                          */

static void set_zf(struct cpu *c, bool zf) { flags_set(c, RFLAGS_ZF, zf ? RFLAGS_ZF : 0); }

/* the descriptor of a selector that LAR/LSL/VERR/VERW may examine: null
 * and out-of-limit selectors give ZF=0 instead of faulting */
static bool probe_desc(struct cpu *c, u16 sel, u64 *d)
{
	if (c->mode == MODE_REAL || c->mode == MODE_VM86)
		cpu_ud(c);
	if (sel_null(sel) || !seg_desc_in_limit(c, sel))
		return false;
	*d = desc_read(c, sel, VEC_GP);
	return true;
}

/* "IF (not conforming code) and (DPL < CPL or DPL < RPL) THEN ZF := 0" */
static bool probe_visible(const struct cpu *c, u16 sel, u64 d)
{
	if (desc_conforming(d))
		return true;
	return desc_dpl(d) >= c->cpl && desc_dpl(d) >= (sel & 3u);
}

/* SDM "LAR" / "LSL": system types valid in legacy and IA-32e mode */
static bool system_type_ok(const struct cpu *c, unsigned type, bool lar)
{
	if (cpu_lma(c))
		return type == DESC_LDT || type == DESC_TSS_AVAIL || type == DESC_TSS_BUSY ||
		       (lar && type == DESC_CALLGATE);
	switch (type) {
	case DESC_TSS16_AVAIL: case DESC_LDT: case DESC_TSS16_BUSY:
	case DESC_TSS_AVAIL: case DESC_TSS_BUSY:
		return true;
	case DESC_CALLGATE16: case DESC_TASKGATE: case DESC_CALLGATE:
		return lar;
	default:
		return false;
	}
}

static void lar_lsl(struct cpu *c, const struct insn *i, bool lar)
{
	u16 sel = (u16)op_read(c, i, 1);
	u64 d;

	if (!probe_desc(c, sel, &d) || (!desc_s(d) && !system_type_ok(c, desc_type(d), lar)) ||
	    !probe_visible(c, sel, d)) {
		set_zf(c, false);
		return;
	}
	u64 v;
	if (lar)
		v = (d >> 32) & (i->op[0].size == 2 ? 0xff00 : 0x00f0ff00);
	else
		v = desc_limit(d);
	op_write(c, i, 0, v & size_mask(i->op[0].size));
	set_zf(c, true);
}

void exec_lar(struct cpu *c, const struct insn *i) { lar_lsl(c, i, true); }
void exec_lsl(struct cpu *c, const struct insn *i) { lar_lsl(c, i, false); }

/* SDM "VERR/VERW": code/data only; VERR needs readable (conforming code
 * skips the privilege test), VERW needs writable data. */
static void verify(struct cpu *c, const struct insn *i, bool write)
{
	u16 sel = (u16)op_read(c, i, 0);
	u64 d;
	bool ok = probe_desc(c, sel, &d) && desc_s(d);

	if (ok && write)
		ok = desc_writable_data(d) && probe_visible(c, sel, d);
	else if (ok)
		ok = (!desc_code(d) || (desc_type(d) & SEG_TYPE_WR)) && probe_visible(c, sel, d);
	set_zf(c, ok);
}

void exec_verr(struct cpu *c, const struct insn *i) { verify(c, i, false); }
void exec_verw(struct cpu *c, const struct insn *i) { verify(c, i, true); }

/* SDM "ARPL": "IF DEST[RPL] < SRC[RPL] THEN ZF := 1; DEST[RPL] := SRC[RPL];
 * ELSE ZF := 0". Not recognised in real-address and virtual-8086 mode. */
void exec_arpl(struct cpu *c, const struct insn *i)
{
	if (c->mode == MODE_REAL || c->mode == MODE_VM86 || c->mode == MODE_LONG64)
		cpu_ud(c);
	u64 dst = op_read(c, i, 0);
	u64 src = op_read(c, i, 1);
	if ((dst & 3) < (src & 3)) {
		op_write(c, i, 0, (dst & ~3ull) | (src & 3));
		set_zf(c, true);
	} else {
		set_zf(c, false);
	}
}
