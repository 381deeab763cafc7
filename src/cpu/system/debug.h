/* cpu/system/debug.h: debug exceptions from DR0-DR7 and RFLAGS.TF (SDM Vol.3B
 * "Debug Exceptions", "Debug Registers"), owned by cpu/system/debug.c.
 *
 * Contract with the step loop and the memory layer:
 *  - cpu_debug_check_insn(c): before each instruction when any DR7 L/G
 *    enable bit is set (or RFLAGS.RF is set). Raises a fault-class #DB
 *    (cpu_fault, so call it inside the step loop's unwind anchor) for an
 *    execute breakpoint on the instruction's linear address, unless
 *    RFLAGS.RF is 1. It consumes RF: RF is cleared here ("the processor
 *    clears RF at the end of every instruction"; a fault re-sets RF in the
 *    pushed image, cpu/event.c).
 *  - cpu_debug_check_data(c, lin, len, write): after computing the linear
 *    address of each data access when DR7 enables a data breakpoint; a match
 *    sets c->pending_db and B0-B3 in c->pending_dr6 (trap-class: delivered at
 *    the next boundary by cpu_handle_events).
 *  - cpu_debug_check_io(c, port, len): for IN/OUT/INS/OUTS when CR4.DE=1
 *    and DR7 enables an I/O breakpoint (R/W = 10b).
 *  - cpu_debug_after_insn(c, rflags_before, branched): after every
 *    instruction that completed (no fault) on the slow path; if RFLAGS.TF
 *    was 1 before it, sets pending_db with DR6.BS (single-step trap),
 *    except after INT n, INT3, INTO, INT1 (they clear TF on the way to the
 *    handler) and, with IA32_DEBUGCTL.BTF, after an instruction that did
 *    not branch (`branched`).
 */
#ifndef NESTBOX_CPU_DEBUG_H
#define NESTBOX_CPU_DEBUG_H

#include "cpu/cpu.h"

void cpu_debug_check_insn(struct cpu *c);
void cpu_debug_check_data(struct cpu *c, u64 lin, unsigned len, bool write);
void cpu_debug_check_io(struct cpu *c, u16 port, unsigned len);
void cpu_debug_after_insn(struct cpu *c, u64 rflags_before, bool branched);
/* a single-step trap pending (DR6.BS) for the next boundary */
void cpu_debug_single_step(struct cpu *c);
/* last-branch recording (IA32_DEBUGCTL.LBR): a taken branch; an interrupt
 * or exception delivered (to = its handler). cpu_lbr_event also applies a
 * #DB's clearing of DEBUGCTL.LBR and BTF, so it is called for every
 * delivered event, LBR set or not. */
void cpu_lbr_branch(struct cpu *c, u64 from, u64 to);
void cpu_lbr_event(struct cpu *c, bool debug_exc, u64 from, u64 to);
/* a pending trap-class #DB is being delivered: DR6 <- its B0-B3/BD/BS/BT
 * bits (B0-B3 replaced, the others sticky); clears pending_db/pending_dr6 */
void cpu_debug_commit_dr6(struct cpu *c);
/* the instruction under a MOV SS shadow raises a #DB of its own (ICEBP, the
 * general-detect fault): DR6 takes the held trap conditions now, and none
 * stays pending */
void cpu_debug_merge_pending(struct cpu *c);

/* true if DR7 enables any breakpoint whose R/W field is not 00 (data or I/O) */
static inline bool cpu_debug_data_enabled(const struct cpu *c)
{
	u64 dr7 = c->dr[7];
	for (unsigned n = 0; n < 4; n++)
		if ((dr7 >> (2 * n)) & 3 && ((dr7 >> (16 + 4 * n)) & 3))
			return true;
	return false;
}

/* private to cpu/system/debug.c, cpu/exec/exec_int.c and svm/vmrun.c: marks
 * pending_dr6 so that the single-step trap is not raised for a software
 * interrupt instruction (or a VMRUN that entered the guest) */
#define DBG_NO_SINGLE_STEP BIT(63)

#endif
