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
#include "cpu/decode/insn.h"
#include "vmx/state.h"
#include "vmx/apicv.h"

struct insn;

/* --- what the CPU asks (cpu/, through these only) --- */

/* Reset/INIT: leave VMX operation (RESET) -- INIT is blocked in root
 * operation and causes a VM exit in non-root operation instead. */
void vmx_reset(struct cpu *c);

/* MOV to CR0/CR4 in VMX operation: the fixed bits (IA32_VMX_CR0/CR4_FIXED*)
 * may not be changed; returns false if the value must #GP. */
bool vmx_cr_allowed(const struct cpu *c, unsigned cr, u64 val);

/* the VMX instructions, exec_vmxon ... exec_vmfunc (vmx/insn.c), are
 * declared with every handler by cpu/decode/insn.h from
 * cpu/decode/handlers_vmx.def */

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

/* the current VMCS's field f */
static inline u64 vmcs_get(const struct cpu *c, enum vmcs_field f)
{
	return vmcs_cache_read(&c->vmx.vmcs, f);
}

static inline void vmcs_set(struct cpu *c, enum vmcs_field f, u64 v)
{
	vmcs_cache_write(&c->vmx.vmcs, f, v);
}


/* the control words of the current VMCS */
static inline u32 vmx_pin(const struct cpu *c) { return (u32)vmcs_get(c, VMCS_PIN_BASED_VM_EXEC_CONTROL); }
static inline u32 vmx_proc(const struct cpu *c) { return (u32)vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL); }
static inline u32 vmx_proc2(const struct cpu *c)
{
	return (vmx_proc(c) & PROC_ACTIVATE_SECONDARY) ? (u32)vmcs_get(c, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
}
static inline u32 vmx_exit_ctls(const struct cpu *c) { return (u32)vmcs_get(c, VMCS_VM_EXIT_CONTROLS); }
static inline u32 vmx_entry_ctls(const struct cpu *c) { return (u32)vmcs_get(c, VMCS_VM_ENTRY_CONTROLS); }


/* the TLB context of the current VMX state (SDM "Virtual Processor
 * Identifiers (VPIDs)"): the VPID in non-root operation with "enable
 * VPID", else 0 (VMX root operation and VPID-less guests share VPID 0) */
static inline u64 vmx_tlb_ctx(const struct cpu *c)
{
	if (!c->vmx.nonroot || !(vmx_proc2(c) & PROC2_ENABLE_VPID))
		return 0;
	return vmcs_get(c, VMCS_VPID) << TLB_CTX_SHIFT;
}

/* An instruction that exits in VMX non-root operation when `cond` holds
 * (checked after the faults that take priority over a VM exit: SDM
 * "Relative Priority of Faults and VM Exits") */
#define VMX_EXIT_IF(c, i, cond, reason, qual)                                  \
	do {                                                                   \
		if (unlikely((c)->vmx.nonroot) && (cond))                      \
			vmx_exit_insn((c), (i), EXIT_REASON_##reason, (qual)); \
	} while (0)

/* the intercepts with more to decide (vmx/intercept.c); each returns when
 * the instruction goes on in the guest */
void vmx_icpt_io(struct cpu *c, const struct insn *i, u16 port, unsigned size, bool in, bool string,
		 bool rep, bool imm);
void vmx_icpt_msr(struct cpu *c, const struct insn *i, u32 idx, bool write);
void vmx_icpt_cr_write(struct cpu *c, const struct insn *i, unsigned cr, u64 val, unsigned gpr);
void vmx_icpt_cr_read(struct cpu *c, const struct insn *i, unsigned cr, unsigned gpr);
u64 vmx_cr_shadowed(const struct cpu *c, unsigned cr, u64 val);
u64 vmx_cr_keep_owned(const struct cpu *c, unsigned cr, u64 val);
void vmx_icpt_clts(struct cpu *c, const struct insn *i);
/* LGDT/LIDT/SGDT/SIDT and LLDT/LTR/SLDT/STR with "descriptor-table
 * exiting"; id: 0 SGDT/SLDT, 1 SIDT/STR, 2 LGDT/LLDT, 3 LIDT/LTR (the
 * instruction identity of the VM-exit instruction information) */
void vmx_icpt_gdtr_idtr(struct cpu *c, const struct insn *i, unsigned id);
void vmx_icpt_ldtr_tr(struct cpu *c, const struct insn *i, unsigned id);
/* a task switch to TSS sel (source 0 CALL, 1 IRET, 2 JMP, 3 IDT task
 * gate) after its checks: "Treatment of Task Switches" */
noreturn_fn void vmx_icpt_task_switch(struct cpu *c, unsigned source, u16 sel, unsigned insn_len);
void vmx_icpt_lmsw(struct cpu *c, const struct insn *i, u16 src);
/* an exception about to be delivered (cpu_deliver): exits if the
 * exception bitmap (and for #PF the error-code mask/match) says so */
void vmx_icpt_exception(struct cpu *c, u8 vec, unsigned type, bool has_err, u32 err);
void vmx_icpt_db(struct cpu *c, u64 dr6_bits, bool trap);
/* an external interrupt the guest could take now: exits with
 * "external-interrupt exiting" (acknowledging it with "acknowledge
 * interrupt on exit"); returns false if it is left to the guest */
bool vmx_icpt_intr(struct cpu *c);
noreturn_fn void vmx_icpt_triple_fault(struct cpu *c);
/* PAUSE in non-root operation: "PAUSE-loop exiting" (vmx/intercept.c) */
void vmx_icpt_pause_loop(struct cpu *c, const struct insn *i);
/* RDTSC/RDTSCP in non-root operation: the TSC with the VMCS's offset */
u64 vmx_guest_tsc(struct cpu *c, u64 tsc);

/* EPT (vmx/ept.c): the EPTP's checks; the second translation stage of
 * the current VMX state (derived: a snapshot load calls it); a VM entry
 * with EPT (the stage, and the TLB's rule for a new EP4TA) */
bool vmx_eptp_ok(const struct cpu *c, u64 eptp);
void vmx_stage2_update(struct cpu *c);
void vmx_ept_enter(struct cpu *c);
bool vmx_vmfunc_eptp_switch(struct cpu *c);
/* --- non-root events (vmx/events.c) --- */
/* "monitor trap flag" in effect: the step loop runs L2 one instruction
 * (one REP iteration) at a time */
static inline bool vmx_mtf_on(const struct cpu *c)
{
	return c->vmx.nonroot && (vmx_proc(c) & PROC_MONITOR_TRAP_FLAG);
}
/* L2 completed an instruction, or an event or fault was delivered in L2:
 * with MTF, an MTF VM exit is pending at the next boundary */
void vmx_mtf_step(struct cpu *c);
/* at a non-root boundary: a pending MTF exit, an expired preemption timer
 * or an open NMI window wants cpu_handle_events */
bool vmx_events_ready(struct cpu *c);
/* cpu_handle_events, at each one's priority: the MTF exit (before debug
 * traps), the timer and NMI-window exits (after debug traps, before NMIs) */
void vmx_mtf_exit_if_pending(struct cpu *c);
void vmx_timer_nmi_window_exits(struct cpu *c);
/* IRET in non-root operation: what it unblocks */
void vmx_iret(struct cpu *c);

/* -counters: VM exits by reason (vmx/log.c) */
#include <stdio.h>
void vmx_print_counters(FILE *out);

static inline bool vmx_nonroot(const struct cpu *c) { return c->vmx.nonroot; }

#endif
