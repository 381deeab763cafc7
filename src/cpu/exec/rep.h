/* cpu/exec/rep.h: how a REP string instruction (MOVS CMPS SCAS LODS STOS,
 * INS OUTS) spends virtual time.
 *
 * The rule: each iteration is one unit of the instruction count (c->icount),
 * which is the virtual clock's source, the scheduler's quantum and
 * -max-insns' measure -- as QEMU's -icount counts each iteration of a
 * repeated string instruction as an instruction. A REP that does n
 * iterations advances icount by n (by 1 when it does none). So virtual
 * time moves while a long `rep stosb` runs, a timer falls due at the
 * iteration its deadline names, and the state at a given icount does not
 * depend on how the iterations were batched: the batch an execution does is
 * bounded by the CPU's deadline (the end of its turn, the next timer), and
 * the instruction executes again (next_rip = rip) with the rest -- an
 * instruction boundary where interrupts are taken (SDM Vol.3A "Interrupts
 * and Repeated String Instructions" lets a processor take them between
 * iterations).
 *
 * The architectural count -- instructions retired, a REP counting once when
 * it completes -- is icount minus c->rep_extra (cpu_insns_retired).
 *
 * With RFLAGS.TF the batch is one iteration: "the processor generates a
 * single-step debug exception after each iteration" (SDM Vol.3B
 * "Single-Step Exception Condition"); with VMX's monitor trap flag an MTF
 * VM exit follows each iteration (SDM "Monitor Trap Flag"); under gdb each
 * step is one iteration, as gdb's single step through TF is on hardware. */
#ifndef NESTBOX_CPU_EXEC_REP_H
#define NESTBOX_CPU_EXEC_REP_H

#include "cpu/cpu.h"
#include "debug/hook.h"
#include "vmx/vmx.h"

#define REP_BATCH_MAX 4096u /* iterations an execution does at most */

/* the iterations this execution may do (at least 1) */
static inline u64 rep_budget(const struct cpu *c)
{
	if (unlikely(c->rflags & RFLAGS_TF) || unlikely(vmx_mtf_on(c)) ||
	    unlikely(debug_insn_hook & DEBUG_HOOK_GDB))
		return 1;
	if (c->deadline <= c->icount)
		return 1;
	u64 left = c->deadline - c->icount;
	return left < REP_BATCH_MAX ? left : REP_BATCH_MAX;
}

/* n iterations are done (their side effects committed): they count now,
 * so a fault in a later iteration leaves them counted */
static inline void rep_count(struct cpu *c, u64 n)
{
	c->icount += n;
	c->rep_extra += n;
}

/* the execution returns, having done n iterations in all (rep_count'ed);
 * `more`: iterations remain and it executes again. The step loop adds the
 * usual 1 to icount; a completed REP retires once. */
static inline void rep_end(struct cpu *c, u64 n, bool more)
{
	if (n == 0)
		return;
	c->icount--;
	if (!more)
		c->rep_extra--;
}

#endif
