/* cpu/step.h: the fetch-decode-execute loop. */
#ifndef NESTBOX_CPU_STEP_H
#define NESTBOX_CPU_STEP_H

#include "cpu/cpu.h"

/* Run until c->icount >= c->deadline (the end of the turn), the CPU halts
 * or shuts down, or something calls cpu_stop(). Handles faults and events
 * at boundaries. */
void cpu_run(struct cpu *c);
/* make cpu_run return at the next instruction boundary: the turn ends */
static inline void cpu_stop(struct cpu *c)
{
	c->deadline = 0;
	c->turn_end = 0;
	c->irq_hint = 1; /* whatever stopped it may have raised an interrupt */
}
/* enter the shutdown state (SDM "Shutdown"/"Triple Fault", APM
 * "Shutdown"): the CPU stops until INIT, NMI or reset */
static inline void cpu_shutdown(struct cpu *c)
{
	c->activity = ACT_SHUTDOWN;
	cpu_stop(c);
}
/* Leave the decoded block at the next instruction boundary and look at
 * pending events there; the turn goes on. Every access that may change
 * what is deliverable (MMIO, port I/O, APIC MSRs, CR8, stores to decoded
 * code) kicks, so that an event is taken at the first boundary after it
 * became deliverable, whatever the block layout: block boundaries are not
 * observable, which a snapshot's exact continuation relies on (a restored
 * run decodes its blocks afresh, from wherever it resumes). */
static inline void cpu_kick(struct cpu *c)
{
	c->deadline = 0;
	c->irq_hint = 1;
}
/* execute exactly one instruction (or deliver one event): tests, debugger */
void cpu_step(struct cpu *c);

#endif
