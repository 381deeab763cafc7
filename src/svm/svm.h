/* svm/svm.h: Secure Virtual Machine operation of one logical processor (AMD
 * APM Vol.2 chapter 15 "Secure Virtual Machine"): what cpu/ calls.
 *
 * A vCPU is in host mode (L1 runs; EFER.SVME enables the SVM instructions)
 * or in guest mode (between VMRUN and #VMEXIT: L2 runs under the VMCB at
 * c->svm.vmcb_pa, whose control area is copied in c->svm.ctl). */
#ifndef NESTBOX_SVM_SVM_H
#define NESTBOX_SVM_SVM_H

#include <stdio.h>

#include "base/compiler.h"
#include "cpu/cpu.h"
#include "svm/state.h"

struct insn;

/* guest mode: L2 runs */
static inline bool svm_guest(const struct cpu *c)
{
	return c->svm.guest != 0;
}

/* intercept bit icpt (enum svm_icpt) is set in the running VMCB */
static inline bool svm_icpt(const struct cpu *c, unsigned icpt)
{
	return (c->svm.ctl.intercepts[icpt / 32] >> (icpt % 32)) & 1;
}

/* #VMEXIT (APM "#VMEXIT"): writes the guest state back to the VMCB,
 * EXITCODE, EXITINFO1/2, EXITINTINFO (the event being delivered, if any),
 * nRIP (c->next_rip for an instruction's exit when nrip-save is offered,
 * else 0), the int_ctl bits the processor writes; then reloads the host
 * state VMRUN saved, clears GIF and unwinds to the step loop like
 * vmx_exit (the instruction or event that caused it does not complete). */
noreturn_fn void svm_vmexit(struct cpu *c, u64 exitcode, u64 info1, u64 info2);

/* RESET: out of guest mode, GIF = 1, the SVM MSRs at their reset values */
void svm_reset(struct cpu *c);

/* GIF holding events off (APM "Global Interrupt Flag, STGI and CLGI
 * Instructions"): with GIF = 0, interrupts, NMIs, SMIs and INIT are held
 * pending. kind: the event (enum svm_gif_event). */
enum svm_gif_event { SVM_GIF_INTR, SVM_GIF_NMI, SVM_GIF_SMI, SVM_GIF_INIT };
static inline bool svm_gif_blocks(const struct cpu *c, enum svm_gif_event kind)
{
	(void)kind;
	return !c->svm.gif;
}

/* EFER write (WRMSR, cpu/system/msr.c): may EFER.SVME take value v?
 * (APM "Enabling SVM": #GP when VM_CR.SVMDIS = 1 and SVME is set) */
bool svm_efer_ok(const struct cpu *c, u64 efer);

/* the SVM MSRs (VM_CR, VM_HSAVE_PA, TSC_RATIO): 0 handled, -1 #GP(0),
 * 1 not an SVM MSR */
int svm_msr_read(struct cpu *c, u32 msr, u64 *val);
int svm_msr_write(struct cpu *c, u32 msr, u64 val);

/* the SVM instructions, exec_vmrun ... exec_skinit (svm/insn.c), are
 * declared with every handler by cpu/decode/insn.h from
 * cpu/decode/handlers_svm.def */

/* -counters: #VMEXITs by exit code (svm/log.c) */
void svm_print_counters(FILE *out);

/* --- ICPT: intercepts and exit information --- */

/* --- NPTI: nested paging, ASIDs/TLB, interrupt control --- */

#endif
