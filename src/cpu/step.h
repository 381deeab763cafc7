/* cpu/step.h: the fetch-decode-execute loop. */
#ifndef NESTBOX_CPU_STEP_H
#define NESTBOX_CPU_STEP_H

#include "cpu/cpu.h"

/* Run until c->icount >= c->deadline, the CPU halts or shuts down, or
 * something calls cpu_stop(). Handles faults and events at boundaries. */
void cpu_run(struct cpu *c);
/* make cpu_run return at the next instruction boundary */
static inline void cpu_stop(struct cpu *c)
{
	c->deadline = 0;
	c->irq_hint = 1; /* whatever stopped it may have raised an interrupt */
}
/* execute exactly one instruction (or deliver one event): tests, debugger */
void cpu_step(struct cpu *c);

#endif
