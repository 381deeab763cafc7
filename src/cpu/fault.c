/* cpu/fault.c: raising exceptions by unwinding to the step loop. */
#include "cpu/fault.h"

#include "base/log.h"
#include "svm/svm.h"

/* SDM Vol.3A "Exception and Interrupt Reference": vectors that push an error code */
bool vector_has_error_code(u8 vec)
{
	switch (vec) {
	case VEC_DF: case VEC_TS: case VEC_NP: case VEC_SS: case VEC_GP:
	case VEC_PF: case VEC_AC: case VEC_CP:
		return true;
	default:
		return false;
	}
}

void cpu_fault(struct cpu *c, u8 vec, u32 err)
{
	c->fault_vector = vec;
	c->fault_has_error = vector_has_error_code(vec);
	c->fault_error = c->fault_has_error ? err : 0;
	LOG(int, "cpu%u fault #%u err %#x at rip %#llx", c->index, vec, err,
	    (unsigned long long)c->rip);
	if (!c->unwind)
		die("internal error: CPU fault #%u outside the step loop (rip %#llx)", vec,
		    (unsigned long long)c->rip);
	longjmp(*c->unwind, UNWIND_FAULT);
}

void cpu_ud(struct cpu *c) { cpu_fault(c, VEC_UD, 0); }
void cpu_gp0(struct cpu *c) { cpu_fault(c, VEC_GP, 0); }

void cpu_page_fault(struct cpu *c, u64 lin, u32 pfec)
{
	/* APM "Exception Intercepts": an intercepted #PF leaves CR2 alone
	 * (the address goes to EXITINFO2) */
	if (likely(!svm_guest(c)) || svm_pf_writes_cr2(c, lin))
		c->cr2 = lin;
	cpu_fault(c, VEC_PF, pfec);
}
