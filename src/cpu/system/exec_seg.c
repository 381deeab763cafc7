/* cpu/system/exec_seg.c: far JMP, far CALL (with call gates) and far RET
 * (SDM Vol.2 "JMP", "CALL", "RET" Operation; Vol.3A "Calling Procedures
 * Using Call Gates", "Returning from a Called Procedure"). */
#include "cpu/system/desc.h"
#include "cpu/fault.h"
#include "cpu/decode/insn.h"
#include "cpu/memory/mem.h"
#include "cpu/system/seg.h"
#include "vmx/vmx.h"
#include "svm/svm.h"

static bool legacy_seg_mode(const struct cpu *c)
{
	return c->mode == MODE_REAL || c->mode == MODE_VM86;
}

/* the far pointer operand: ptr16:16/32 immediate or m16:16/32/64 */
static void far_operand(struct cpu *c, const struct insn *i, u16 *sel, u64 *off)
{
	if (i->op[0].kind == OPK_PTR) {
		*off = i->imm & size_mask(i->osize);
		*sel = (u16)i->imm2;
		return;
	}
	if (i->op[0].kind != OPK_MEM)
		cpu_ud(c);
	u64 ea = insn_ea(c, i);
	*off = cpu_read(c, i->seg, ea, i->osize);
	*sel = (u16)cpu_read(c, i->seg, (ea + i->osize) & size_mask(i->asize), 2);
}

/* "IF tempEIP is beyond code segment limit THEN #GP(0)"; for a 64-bit
 * target "IF tempRIP is not canonical THEN #GP(0)" */
static void check_target(struct cpu *c, u64 cs_desc, u64 ip)
{
	if (cpu_lma(c) && desc_l(cs_desc)) {
		if (!seg_canonical(c, ip))
			cpu_gp0(c);
	} else if (ip > desc_limit(cs_desc)) {
		cpu_gp0(c);
	}
}

/* SDM "JMP"/"CALL", CONFORMING-CODE-SEGMENT and NONCONFORMING-CODE-SEGMENT */
static void check_direct_code(struct cpu *c, u16 sel, u64 d)
{
	if (cpu_lma(c) && desc_l(d) && desc_db(d))
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (desc_conforming(d)) {
		if (desc_dpl(d) > c->cpl)
			cpu_fault(c, VEC_GP, sel & 0xfffc);
	} else if ((sel & 3u) > c->cpl || desc_dpl(d) != c->cpl) {
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	}
	if (!desc_p(d))
		cpu_fault(c, VEC_NP, sel & 0xfffc);
}

/* the target descriptor of a protected-mode far JMP/CALL: a code segment,
 * a call gate, or (legacy only) a task gate or TSS */
static u64 far_target_desc(struct cpu *c, u16 sel)
{
	if (sel_null(sel))
		cpu_gp0(c);
	u64 d = seg_desc_fetch(c, sel, VEC_GP, 0);
	if (desc_code(d))
		return d;
	if (!desc_s(d)) {
		switch (desc_type(d)) {
		case DESC_CALLGATE:
			return d;
		case DESC_CALLGATE16: case DESC_TASKGATE:
		case DESC_TSS16_AVAIL: case DESC_TSS_AVAIL:
			if (!cpu_lma(c))
				return d;
			break;
		default:
			break;
		}
	}
	cpu_fault(c, VEC_GP, sel & 0xfffc);
}

struct gate {
	u16 cs;         /* code-segment selector from the gate */
	u64 off;        /* entry point */
	unsigned size;  /* gate size in bytes: 2, 4, 8 */
	unsigned params;
	u64 cd;         /* the code-segment descriptor */
};

/* SDM "CALL"/"JMP", CALL-GATE: checks on the gate, then reads the target
 * code-segment descriptor (the caller applies the JMP/CALL DPL rules) */
static void read_call_gate(struct cpu *c, u16 gsel, u64 gd, struct gate *g)
{
	if (desc_dpl(gd) < c->cpl || desc_dpl(gd) < (gsel & 3u))
		cpu_fault(c, VEC_GP, gsel & 0xfffc);
	if (!desc_p(gd))
		cpu_fault(c, VEC_NP, gsel & 0xfffc);
	g->cs = gate_sel(gd);
	g->params = 0;
	if (cpu_lma(c)) {
		/* SDM "Call Gates" (IA-32e mode): 16-byte gate; the type field
		 * of the upper 8 bytes must be 0 */
		u64 hi = desc_read_hi(c, gsel, VEC_GP);
		if ((hi >> 40) & 0x1f)
			cpu_fault(c, VEC_GP, gsel & 0xfffc);
		g->off = gate_off32(gd) | ((hi & 0xffffffffull) << 32);
		g->size = 8;
	} else if (desc_type(gd) == DESC_CALLGATE) {
		g->off = gate_off32(gd);
		g->size = 4;
		g->params = gate_params(gd);
	} else {
		g->off = gd & 0xffff;
		g->size = 2;
		g->params = gate_params(gd);
	}
	if (sel_null(g->cs))
		cpu_gp0(c);
	g->cd = seg_desc_fetch(c, g->cs, VEC_GP, 0);
	if (!desc_code(g->cd))
		cpu_fault(c, VEC_GP, g->cs & 0xfffc);
}

/* "IF IA32_EFER.LMA = 1 AND (code-segment segment descriptor is not a
 * 64-bit code segment or ... has both L-Bit and D-bit set)" */
static void check_gate_code_64(struct cpu *c, const struct gate *g)
{
	if (cpu_lma(c) && (!desc_l(g->cd) || desc_db(g->cd)))
		cpu_fault(c, VEC_GP, g->cs & 0xfffc);
}

/* The checks a task switch makes on its target TSS before switching
 * (SDM "JMP"/"CALL" TASK-GATE, "INT n" TASK-GATE, "IRET" TASK-RETURN):
 * "IF TSS segment selector local/global bit is set to local or index not
 * within GDT limits THEN #GP(TSS selector)" (IRET: #TS); "IF descriptor is
 * not a TSS segment" or "IF TSS descriptor specifies that the TSS is busy"
 * (IRET: "is marked not busy") "THEN #GP(TSS selector)" (IRET: #TS); "IF
 * TSS not present THEN #NP(TSS selector)". ext is the EXT bit of the
 * error codes (an IDT task gate for an event other than INT n/INT3/INTO).
 * In VMX non-root operation the task switch then exits ("Treatment of Task
 * Switches": "Task switches are not allowed in VMX non-root operation.
 * Any attempt to effect a task switch in VMX non-root operation causes a
 * VM exit", after these checks); source: 0 CALL, 1 IRET, 2 JMP, 3 a task
 * gate in the IDT ("Exit Qualification for Task Switches"), insn_len the
 * length of the instruction (0 for the IDT). Returns only outside
 * non-root operation: the task switch itself is not implemented. */
void seg_task_switch_target(struct cpu *c, u16 sel, bool iret, u32 ext, unsigned source,
			    unsigned insn_len)
{
	u8 bad = iret ? VEC_TS : VEC_GP;
	u32 err = (sel & 0xfffc) | ext;

	if ((sel & 4) || !seg_desc_in_limit(c, sel))
		cpu_fault(c, bad, err);
	u64 d = desc_read(c, sel, bad);
	unsigned t = desc_type(d), want = iret ? 2u : 0u;
	if (desc_s(d) || ((t & ~2u) != DESC_TSS16_AVAIL && (t & ~2u) != DESC_TSS_AVAIL) ||
	    (t & 2u) != want)
		cpu_fault(c, bad, err);
	if (!desc_p(d))
		cpu_fault(c, VEC_NP, err);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_task_switch(c, source, sel, insn_len);
	/* APM "Task Switch Intercept" (the same point) */
	if (unlikely(svm_guest(c)))
		svm_icpt_task_switch(c, source, sel);
}

/* a far JMP (source 2) or CALL (0) to a task gate or a TSS descriptor
 * (legacy mode only: far_target_desc) */
static noreturn_fn void far_task_switch(struct cpu *c, u16 sel, u64 d, unsigned source)
{
	unsigned len = (unsigned)(c->next_rip - c->rip);
	u16 tss = sel;

	/* TASK-GATE: "IF task gate DPL < CPL or task gate DPL < task gate
	 * segment-selector RPL THEN #GP(task gate selector); IF task gate not
	 * present THEN #NP(gate selector); Read the TSS segment selector in
	 * the task-gate descriptor" */
	if (desc_type(d) == DESC_TASKGATE) {
		if (desc_dpl(d) < c->cpl || desc_dpl(d) < (sel & 3u))
			cpu_fault(c, VEC_GP, sel & 0xfffc);
		if (!desc_p(d))
			cpu_fault(c, VEC_NP, sel & 0xfffc);
		tss = gate_sel(d);
	} else if (desc_dpl(d) < c->cpl || desc_dpl(d) < (sel & 3u)) {
		/* TASK-STATE-SEGMENT: "IF TSS DPL < CPL or TSS DPL < TSS
		 * segment-selector RPL or TSS descriptor indicates TSS not
		 * available THEN #GP(TSS selector)" */
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	}
	seg_task_switch_target(c, tss, false, 0, source, len);
	/* XXX(sdm): "Task Switching" itself is not implemented; raise
	 * #GP(selector) instead. */
	cpu_fault(c, VEC_GP, sel & 0xfffc);
}

static void far_jmp_prot(struct cpu *c, u16 sel, u64 off, unsigned osize)
{
	u64 d = far_target_desc(c, sel);

	if (desc_code(d)) {
		check_direct_code(c, sel, d);
		check_target(c, d, off);
		desc_set_accessed(c, sel, d);
		seg_commit_cs(c, sel, d, c->cpl);
		c->next_rip = off;
		return;
	}
	if (desc_type(d) != DESC_CALLGATE && desc_type(d) != DESC_CALLGATE16)
		far_task_switch(c, sel, d, 2);
	struct gate g;
	read_call_gate(c, sel, d, &g);
	/* "IF (code segment is conforming and DPL > CPL) or (non-conforming
	 * and DPL != CPL) THEN #GP(code segment selector)" */
	if (desc_conforming(g.cd) ? desc_dpl(g.cd) > c->cpl : desc_dpl(g.cd) != c->cpl)
		cpu_fault(c, VEC_GP, g.cs & 0xfffc);
	check_gate_code_64(c, &g);
	if (!desc_p(g.cd))
		cpu_fault(c, VEC_NP, g.cs & 0xfffc);
	check_target(c, g.cd, g.off);
	desc_set_accessed(c, g.cs, g.cd);
	seg_commit_cs(c, g.cs, g.cd, c->cpl);
	c->next_rip = g.off;
}

/* SDM "JMP" Operation, far jumps */
void exec_jmp_far(struct cpu *c, const struct insn *i)
{
	u16 sel;
	u64 off;

	far_operand(c, i, &sel, &off);
	if (legacy_seg_mode(c)) {
		if (off > c->seg[SEG_CS].limit)
			cpu_gp0(c);
		seg_load_real(c, SEG_CS, sel);
		cpu_update_mode(c);
		c->next_rip = off;
		return;
	}
	far_jmp_prot(c, sel, off, i->osize);
}

/* CALL-TO-SAME-PRIVILEGE: push CS:rIP (operand-size wide) on the current
 * stack, then load the new CS */
static void call_same(struct cpu *c, u16 sel, u64 d, u64 off, unsigned size)
{
	struct stk s;

	stk_current(c, &s, 0);
	stk_room(c, &s, 2 * size);
	check_target(c, d, off);
	desc_set_accessed(c, sel, d);
	stk_push(c, &s, size, c->seg[SEG_CS].sel);
	stk_push(c, &s, size, c->next_rip);
	seg_set_sp(c, s.asize, s.sp);
	seg_commit_cs(c, sel, d, c->cpl);
	c->next_rip = off;
}

/* SDM "CALL", MORE-PRIVILEGE: switch to the inner stack named by the TSS,
 * push the caller's SS:rSP, copy the gate's parameters, push CS:rIP. */
static void call_gate_inner(struct cpu *c, const struct gate *g)
{
	unsigned dpl = desc_dpl(g->cd), sz = g->size;
	u16 nss;
	u64 nsp, ssd = 0;
	struct stk ns, old;

	seg_tss_stack(c, dpl, 0, 0, &nss, &nsp);
	if (!cpu_lma(c)) {
		if (sel_null(nss))
			cpu_fault(c, VEC_TS, nss & 0xfffc);
		ssd = seg_desc_fetch(c, nss, VEC_TS, 0);
		if ((nss & 3u) != dpl || desc_dpl(ssd) != dpl || !desc_writable_data(ssd))
			cpu_fault(c, VEC_TS, nss & 0xfffc);
		if (!desc_p(ssd))
			cpu_fault(c, VEC_SS, nss & 0xfffc);
		seg_cache_from_desc(&ns.ss, nss, ssd);
		ns.asize = desc_db(ssd) ? 4 : 2;
		ns.flat = 0;
		ns.err = nss & 0xfffc;
	} else {
		ns.ss = c->seg[SEG_SS];
		ns.asize = 8;
		ns.flat = 1;
		ns.err = 0;
	}
	ns.sp = nsp & size_mask(ns.asize);
	ns.acc = ACC_SUPER;
	ns.vec = VEC_SS;
	stk_room(c, &ns, 4 * sz + g->params * sz);
	check_target(c, g->cd, g->off);
	stk_current(c, &old, 0);
	if (ssd)
		desc_set_accessed(c, nss, ssd);
	desc_set_accessed(c, g->cs, g->cd);
	stk_push(c, &ns, sz, c->seg[SEG_SS].sel);
	stk_push(c, &ns, sz, c->gpr[RSP] & size_mask(sz));
	/* "temp <- parameter count from call gate, masked to 5 bits;
	 * Push(parameters from calling procedure's stack, temp)" */
	for (unsigned k = g->params; k-- > 0;) {
		u64 a = (old.sp + k * sz) & size_mask(old.asize);
		stk_push(c, &ns, sz, cpu_read(c, SEG_SS, a, sz));
	}
	stk_push(c, &ns, sz, c->seg[SEG_CS].sel);
	stk_push(c, &ns, sz, c->next_rip);
	/* commit: SS, rSP, CS (CPL follows SS.DPL) */
	if (cpu_lma(c))
		seg_commit_null_ss(c, dpl, dpl);
	else
		seg_commit_ss(c, nss, ssd);
	c->gpr[RSP] = cpu_lma(c) ? nsp : (u32)nsp;
	seg_set_sp(c, ns.asize, ns.sp);
	seg_commit_cs(c, g->cs, g->cd, dpl);
	c->next_rip = g->off;
}

static void far_call_prot(struct cpu *c, u16 sel, u64 off, unsigned osize)
{
	u64 d = far_target_desc(c, sel);

	if (desc_code(d)) {
		check_direct_code(c, sel, d);
		call_same(c, sel, d, off, osize);
		return;
	}
	if (desc_type(d) != DESC_CALLGATE && desc_type(d) != DESC_CALLGATE16)
		far_task_switch(c, sel, d, 0);
	struct gate g;
	read_call_gate(c, sel, d, &g);
	if (desc_dpl(g.cd) > c->cpl)
		cpu_fault(c, VEC_GP, g.cs & 0xfffc);
	check_gate_code_64(c, &g);
	if (!desc_p(g.cd))
		cpu_fault(c, VEC_NP, g.cs & 0xfffc);
	if (!desc_conforming(g.cd) && desc_dpl(g.cd) < c->cpl)
		call_gate_inner(c, &g);
	else
		call_same(c, g.cs, g.cd, g.off, g.size);
}

/* SDM "CALL" Operation, far calls */
void exec_call_far(struct cpu *c, const struct insn *i)
{
	u16 sel;
	u64 off;

	far_operand(c, i, &sel, &off);
	if (legacy_seg_mode(c)) {
		struct stk s;
		stk_current(c, &s, 0);
		stk_room(c, &s, 2 * i->osize);
		if (off > c->seg[SEG_CS].limit)
			cpu_gp0(c);
		stk_push(c, &s, i->osize, c->seg[SEG_CS].sel);
		stk_push(c, &s, i->osize, c->next_rip);
		seg_set_sp(c, s.asize, s.sp);
		seg_load_real(c, SEG_CS, sel);
		cpu_update_mode(c);
		c->next_rip = off;
		return;
	}
	far_call_prot(c, sel, off, i->osize);
}

/* SDM "RET" / "IRET" Operation, checks on the return code segment */
u64 seg_ret_code_desc(struct cpu *c, u16 sel)
{
	if (sel_null(sel))
		cpu_gp0(c);
	u64 d = seg_desc_fetch(c, sel, VEC_GP, 0);
	unsigned rpl = sel & 3u;
	if (!desc_code(d) || rpl < c->cpl ||
	    (desc_conforming(d) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl))
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (cpu_lma(c) && desc_l(d) && desc_db(d))
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (!desc_p(d))
		cpu_fault(c, VEC_NP, sel & 0xfffc);
	return d;
}

/* RETURN-TO-OUTER-PRIVILEGE-LEVEL: the stack pointer and SS of the outer
 * level are popped from the inner stack and checked; `s` is past CS:rIP */
static void ret_outer(struct cpu *c, struct stk *s, u16 sel, u64 d, u64 ip, unsigned osize,
		      u64 imm)
{
	unsigned rpl = sel & 3u;
	s->sp = (s->sp + imm) & size_mask(s->asize);
	u64 nsp = stk_pop(c, s, osize);
	u16 nss = (u16)stk_pop(c, s, osize);
	u64 ssd = 0;

	if (sel_null(nss)) {
		/* IA-32e: a null SS is allowed returning to 64-bit code at RPL < 3 */
		if (!cpu_lma(c) || !desc_l(d) || rpl == 3)
			cpu_fault(c, VEC_GP, nss & 0xfffc);
	} else {
		ssd = seg_desc_fetch(c, nss, VEC_GP, 0);
		if ((nss & 3u) != rpl || !desc_writable_data(ssd) || desc_dpl(ssd) != rpl)
			cpu_fault(c, VEC_GP, nss & 0xfffc);
		if (!desc_p(ssd))
			cpu_fault(c, VEC_SS, nss & 0xfffc);
	}
	check_target(c, d, ip);
	desc_set_accessed(c, sel, d);
	if (ssd) {
		desc_set_accessed(c, nss, ssd);
		seg_commit_ss(c, nss, ssd);
	} else {
		seg_commit_null_ss(c, nss, rpl);
	}
	seg_set_sp(c, osize, nsp);
	seg_commit_cs(c, sel, d, rpl);
	/* "IF instruction has immediate operand THEN ESP <- ESP + SRC" on
	 * the outer stack too */
	unsigned asize = cpu_stack_size(c);
	seg_set_sp(c, asize, (c->gpr[RSP] + imm) & size_mask(asize));
	seg_null_inaccessible(c);
	c->next_rip = ip;
}

void exec_ret_far(struct cpu *c, const struct insn *i)
{
	unsigned osize = i->osize;
	u64 imm = i->nops ? (i->imm & 0xffff) : 0;
	struct stk s;

	stk_current(c, &s, 0);
	u64 ip = stk_pop(c, &s, osize);
	u16 sel = (u16)stk_pop(c, &s, osize);
	if (legacy_seg_mode(c)) {
		if (ip > c->seg[SEG_CS].limit)
			cpu_gp0(c);
		seg_load_real(c, SEG_CS, sel);
		cpu_update_mode(c);
		seg_set_sp(c, s.asize, s.sp + imm);
		c->next_rip = ip;
		return;
	}
	u64 d = seg_ret_code_desc(c, sel);
	if ((sel & 3u) > c->cpl) {
		ret_outer(c, &s, sel, d, ip, osize, imm);
		return;
	}
	/* RETURN-TO-SAME-PRIVILEGE-LEVEL */
	check_target(c, d, ip);
	desc_set_accessed(c, sel, d);
	seg_commit_cs(c, sel, d, c->cpl);
	seg_set_sp(c, s.asize, s.sp + imm);
	c->next_rip = ip;
}
