/* cpu/step.c: the fetch-decode-execute loop.
 *
 * Fast path: run a decoded block (cpu/decode/decode.c) instruction after
 * instruction while nothing needs per-instruction attention. Slow path: one
 * instruction at a time when RFLAGS.TF, DR7 breakpoints, an interrupt
 * shadow or last-branch recording (IA32_DEBUGCTL.LBR) are in effect. A fault unwinds here (cpu_fault -> longjmp) with
 * c->rip still at the faulting instruction, and is delivered as an event. */
#include "cpu/step.h"

#include "base/log.h"

#include "cpu/system/debug.h"
#include "cpu/decode/decode.h"
#include "cpu/event.h"
#include "cpu/fault.h"
#include "vmx/vmx.h"
#include "debug/hook.h"

static inline u64 ip_mask(const struct cpu *c)
{
	return c->mode == MODE_LONG64 ? ~0ull : 0xffffffffull;
}

static inline void exec_insn(struct cpu *c, const struct insn *in)
{
	c->next_rip = (c->rip + in->len) & ip_mask(c);
	in->fn(c, in);
	c->rip = c->next_rip;
	c->icount++;
	c->branches += (in->flags & INSN_F_BRINSN) != 0; /* it retired */
}

/* (VMX non-root with the monitor trap flag: each L2 instruction is
 * followed by an MTF VM exit, vmx/events.c) */
static inline bool needs_slow_path(const struct cpu *c)
{
	return (c->rflags & (RFLAGS_TF | RFLAGS_RF)) || (c->dr[7] & 0xff) || c->shadow ||
	       unlikely(vmx_mtf_on(c)) || (c->msr.debugctl & DEBUGCTL_LBR) ||
	       debug_insn_hook; /* -d exec, gdb (debug/hook.h) */
}

/* one instruction with every per-instruction rule applied */
static void step_slow(struct cpu *c)
{
	if (unlikely(debug_insn_hook) && debug_before_insn(c))
		return; /* may stop for gdb, which may change RIP or rewind */
	const struct block *b = icache_lookup(c);
	u64 rflags_before = c->rflags;
	if ((c->dr[7] & 0xff) || (c->rflags & RFLAGS_RF))
		cpu_debug_check_insn(c); /* instruction breakpoints are faults; consumes RF */
	c->shadow_insn = c->shadow; /* what this instruction runs under */
	c->shadow = 0;
	/* exactly one instruction: a fused compare-and-branch runs only its
	 * first half (cpu/decode/fastpath.c) */
	c->single = 1;
	bool l2 = c->vmx.nonroot; /* (VMLAUNCH/VMRESUME are L1's) */
	const struct insn *in = &b->insns[0];
	u64 from = c->rip, fall = (c->rip + in->len) & ip_mask(c);
	exec_insn(c, in);
	c->single = 0;
	c->shadow_insn = 0;
	/* a branch: unconditional, or conditional and taken */
	bool branched = (in->flags & INSN_F_BRINSN) && (!(in->flags & INSN_F_COND) || c->rip != fall);
	if (branched && (c->msr.debugctl & DEBUGCTL_LBR))
		cpu_lbr_branch(c, from, c->rip);
	cpu_debug_after_insn(c, rflags_before, branched);
	/* SDM "Monitor Trap Flag": the instruction completed in L2 (one
	 * that exits does not come back here) */
	if (unlikely(l2 && c->vmx.nonroot))
		vmx_mtf_step(c);
}

/* The block loop keeps RIP and the instruction count in registers: only
 * instructions marked INSN_F_JUMPS may write c->next_rip (or, for a fused
 * compare-and-branch, count an instruction of their own), so only after
 * those are the two read back from memory. The stores stay: handlers and
 * fault delivery read c->rip and c->icount. */
static inline void run_block(struct cpu *c)
{
	const struct block *b = icache_lookup(c);
	const struct insn *in = b->insns, *end = b->insns + b->n;
	/* a block is one mode: anything that changes the mode ends it */
	const u64 mask = ip_mask(c);
	u64 rip = c->rip, ic = c->icount;
	for (;;) {
		u64 fall = (rip + in->len) & mask;
		u8 flags = in->flags;
		c->next_rip = fall;
		in->fn(c, in);
		if (unlikely(flags & INSN_F_JUMPS)) {
			rip = c->next_rip;
			ic = c->icount + 1;
			c->rip = rip;
			c->icount = ic;
			c->branches += (flags & INSN_F_BRINSN) != 0; /* it retired */
			/* a taken branch, or a REP/I/O string instruction
			 * coming back to itself */
			if (rip != fall)
				return;
		} else {
			DEBUG_ASSERT(c->next_rip == fall && c->icount == ic);
			rip = fall;
			c->rip = rip;
			c->icount = ++ic;
		}
		if (++in == end || unlikely(ic >= c->deadline))
			return;
	}
}

static void deliver_fault(struct cpu *c)
{
	c->single = 0;
	c->shadow_insn = 0;
	cpu_deliver(c, c->fault_vector, EV_HW_EXC, c->fault_has_error, c->fault_error);
	c->in_event = 0;
	/* SDM "Monitor Trap Flag": "If the instruction causes a fault, an MTF
	 * VM exit is pending on the instruction boundary following delivery
	 * of the fault (or any nested exception)." */
	if (unlikely(c->vmx.nonroot))
		vmx_mtf_step(c);
}

/* returns false when the CPU cannot run now (halted, waiting, shut down) */
static always_inline bool boundary(struct cpu *c)
{
	/* nothing can be pending without one of these (cpu/event.c decides) */
	/* (VMX non-root operation and SVM guest mode always look: an
	 * interrupt may exit with IF = 0, an interrupt window exits without
	 * any interrupt, a virtual interrupt needs no device) */
	if (likely(c->activity == ACT_ACTIVE && !(c->vmx.nonroot | c->svm.guest) &&
		   (!(c->rflags & RFLAGS_IF) || !c->irq_hint) &&
		   !(c->nmi_pending | c->init_pending | c->smi_pending | c->sipi_pending |
		     c->pending_db)))
		return true;
	if (c->activity == ACT_SHUTDOWN)
		return false;
	/* In VMX non-root operation the boundary after an event's delivery is
	 * still before the handler's first instruction: what comes after
	 * debug traps in the SDM's "Event Priority" (the VMX-preemption
	 * timer, the NMI window, an MTF VM exit after delivery) is taken
	 * there, not after the handler's first block */
	if (cpu_event_ready(c))
		while (cpu_handle_events(c) && unlikely(c->vmx.nonroot) && cpu_event_ready(c))
			;
	return c->activity == ACT_ACTIVE;
}

/* The loop proper, outside cpu_run so that setjmp's frame does not force
 * every local to the stack. */
static __attribute__((noinline)) void run_loop(struct cpu *c)
{
	while (c->icount < c->turn_end) {
		c->deadline = c->turn_end; /* a kick (cpu_kick) ended the last block */
		if (!boundary(c))
			break;
		if (unlikely(needs_slow_path(c)))
			step_slow(c);
		else
			run_block(c);
	}
}

void cpu_run(struct cpu *c)
{
	jmp_buf jb;
	jmp_buf *volatile saved = c->unwind;
	c->unwind = &jb;
	c->irq_hint = 1; /* timers and other vCPUs ran since the last turn */
	c->turn_end = c->deadline;
	switch (setjmp(jb)) {
	case 0:
		break;
	case UNWIND_VMEXIT:
		/* a VM exit left the instruction or event delivery: the host
		 * state is loaded, the loop goes on at the host RIP */
		c->in_event = 0;
		c->shadow_insn = 0;
		break;
	default:
		/* an instruction or an event delivery faulted */
		if (c->activity == ACT_SHUTDOWN)
			goto out;
		deliver_fault(c);
		break;
	}
	run_loop(c);
out:
	c->unwind = saved;
}

void cpu_step(struct cpu *c)
{
	jmp_buf jb;
	jmp_buf *volatile saved = c->unwind;
	c->unwind = &jb;
	switch (setjmp(jb)) {
	case 0:
		break;
	case UNWIND_VMEXIT:
		c->in_event = 0;
		c->shadow_insn = 0;
		goto out;
	default:
		if (c->activity != ACT_SHUTDOWN)
			deliver_fault(c);
		goto out;
	}
	/* no turn bounds a step: a REP string instruction does a whole
	 * batch (cpu/exec/rep.h) */
	c->deadline = UINT64_MAX;
	if (boundary(c))
		step_slow(c);
out:
	c->unwind = saved;
}
