/* vmx/vmx.c: VMX operation's common pieces: reset, and the outcome of a VMX
 * instruction (SDM Vol.3C "VMX Instruction Reference", "Conventions"). */
#include "vmx/vmx.h"
#include "vmx/vmx_internal.h"

#include <string.h>

#include "cpu/arch.h"
#include "cpu/exec/flags.h"

void vmx_reset(struct cpu *c)
{
	vmx_events_reset(c); /* disarm the preemption timer first */
	memset(&c->vmx, 0, sizeof(c->vmx));
	vmx_events_reset(c);
	c->vmx.vmcs_ptr = VMX_NO_VMCS;
	c->vmx.ep4ta = ~0ull;
}

/* "VMsucceed: CF := 0; PF := 0; AF := 0; ZF := 0; SF := 0; OF := 0;" */
void vmx_succeed(struct cpu *c)
{
	u64 f = cpu_rflags(c);
	f &= ~(u64)(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
	cpu_set_rflags(c, f);
}

/* "VMfail(ErrorNumber): IF VMCS pointer is valid THEN VMfailValid(ErrorNumber);
 * ELSE VMfailInvalid; FI;" -- VMfailInvalid sets CF, VMfailValid sets ZF and
 * stores the number in the VM-instruction error field of the current VMCS */
void vmx_fail(struct cpu *c, enum vmx_insn_error err)
{
	u64 f = cpu_rflags(c);
	f &= ~(u64)(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
	if (c->vmx.vmcs_ptr == VMX_NO_VMCS) {
		f |= RFLAGS_CF;
	} else {
		f |= RFLAGS_ZF;
		vmcs_set(c, VMCS_VM_INSTRUCTION_ERROR, err);
	}
	cpu_set_rflags(c, f);
}
