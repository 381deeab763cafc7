/* cpu/fault.h: raising exceptions. */
#ifndef NESTBOX_CPU_FAULT_H
#define NESTBOX_CPU_FAULT_H

#include "cpu/cpu.h"

/* Raise exception `vec` (with error code `err` if the vector has one, SDM
 * Vol.3A "Exception and Interrupt Reference") and unwind to the step loop.
 * RIP still names the faulting instruction; no state after the fault point
 * is committed. */
/* what a longjmp to the step loop's anchor carries */
enum { UNWIND_FAULT = 1, UNWIND_VMEXIT = 2 };

noreturn_fn void cpu_fault(struct cpu *c, u8 vec, u32 err);
/* shorthands */
noreturn_fn void cpu_ud(struct cpu *c);
noreturn_fn void cpu_gp0(struct cpu *c);
/* #PF with CR2 = lin */
noreturn_fn void cpu_page_fault(struct cpu *c, u64 lin, u32 pfec);

/* true if `vec` pushes an error code when delivered as an exception */
bool vector_has_error_code(u8 vec);

#endif
