/* vmx/vmx.h: VMX operation of one logical processor (SDM Vol.3C "Introduction
 * to Virtual Machine Extensions" and the chapters after it).
 *
 * A vCPU in VMX operation is in root operation (the L1 hypervisor runs) or
 * in non-root operation (an L2 guest runs under the current VMCS). The
 * current VMCS's contents live in the vCPU (struct vmx_state.vmcs); they
 * are written to the VMCS region in guest memory by VMCLEAR and by a
 * VMPTRLD that makes another VMCS current, and read from it by VMPTRLD
 * ("the processor may maintain VMCS data in its own memory": SDM "VMCS
 * Region" / "Software Use of the VMCS and Related Structures").
 *
 * The layout of nestbox's VMCS region (implementation-specific, as the SDM
 * allows): bytes 0-3 the revision identifier (bit 31 the shadow-VMCS
 * indicator), 4-7 the VMX-abort indicator, byte 8 the launch state, then
 * from offset 16 one 8-byte little-endian value per field in
 * vmx/vmcs_fields.def order. */
#ifndef NESTBOX_VMX_VMX_H
#define NESTBOX_VMX_VMX_H

#include "base/compiler.h"
#include "cpu/cpu.h"
#include "vmx/state.h"

struct insn;

/* --- what the CPU asks (cpu/, through these only) --- */

/* Reset/INIT: leave VMX operation (RESET) -- INIT is blocked in root
 * operation and causes a VM exit in non-root operation instead. */
void vmx_reset(struct cpu *c);

/* MOV to CR0/CR4 in VMX operation: the fixed bits (IA32_VMX_CR0/CR4_FIXED*)
 * may not be changed; returns false if the value must #GP. */
bool vmx_cr_allowed(const struct cpu *c, unsigned cr, u64 val);

/* the VMX instructions (handlers_vmx.def) */
void exec_vmxon(struct cpu *c, const struct insn *i);
void exec_vmxoff(struct cpu *c, const struct insn *i);
void exec_vmclear(struct cpu *c, const struct insn *i);
void exec_vmptrld(struct cpu *c, const struct insn *i);
void exec_vmptrst(struct cpu *c, const struct insn *i);
void exec_vmread(struct cpu *c, const struct insn *i);
void exec_vmwrite(struct cpu *c, const struct insn *i);
void exec_vmlaunch(struct cpu *c, const struct insn *i);
void exec_vmresume(struct cpu *c, const struct insn *i);
void exec_vmcall(struct cpu *c, const struct insn *i);
void exec_invept(struct cpu *c, const struct insn *i);
void exec_invvpid(struct cpu *c, const struct insn *i);

/* --- VMX instruction outcomes (SDM "Conventions": VMsucceed,
 * VMfailInvalid, VMfailValid(ErrorNumber)) --- */
void vmx_succeed(struct cpu *c);
void vmx_fail(struct cpu *c, enum vmx_insn_error err);

/* --- VM entry (vmx/entry.c): VMLAUNCH/VMRESUME after their own checks --- */
void vmx_vmentry(struct cpu *c, bool launch);

/* --- VM exits (vmx/exit.c) --- */
/* Everything an exit reports besides the reason. */
struct vmx_exit_info {
	u64 qual;            /* exit qualification */
	u64 guest_linear;    /* guest-linear address (when the reason has one) */
	u64 guest_phys;      /* guest-physical address (EPT violations) */
	u32 insn_len;        /* VM-exit instruction length (0: none) */
	u32 insn_info;       /* VM-exit instruction information */
	u32 intr_info;       /* VM-exit interruption information */
	u32 intr_error;      /* VM-exit interruption error code */
};

/* A VM exit from non-root operation: save the guest state, record the
 * exit information, load the host state, and unwind to the step loop (the
 * instruction or event that caused it does not complete). */
noreturn_fn void vmx_exit(struct cpu *c, u32 reason, const struct vmx_exit_info *info);
/* the same for an instruction: the length is the instruction's */
noreturn_fn void vmx_exit_insn(struct cpu *c, const struct insn *i, u32 reason, u64 qual);

static inline bool vmx_nonroot(const struct cpu *c) { return c->vmx.nonroot; }

/* the current VMCS's field f */
static inline u64 vmcs_get(const struct cpu *c, enum vmcs_field f)
{
	return vmcs_cache_read(&c->vmx.vmcs, f);
}

static inline void vmcs_set(struct cpu *c, enum vmcs_field f, u64 v)
{
	vmcs_cache_write(&c->vmx.vmcs, f, v);
}

#endif
