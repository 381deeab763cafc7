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
#include "cpu/model.h"
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
bool svm_vgif_on(const struct cpu *c); /* (NPTI: svm/intr.c) */
static inline bool svm_gif_blocks(const struct cpu *c, enum svm_gif_event kind)
{
	(void)kind;
	/* NPTI: in guest mode under vGIF, V_GIF does it (APM "Virtual GIF") */
	return !c->svm.gif ||
	       (unlikely(c->svm.guest) &&
		(c->svm.ctl.int_ctl & (V_GIF_ENABLE | V_GIF)) == V_GIF_ENABLE && svm_vgif_on(c));
}

/* EFER write (WRMSR, cpu/system/msr.c): may EFER.SVME take value v?
 * (APM "Enabling SVM": #GP when VM_CR.SVMDIS = 1 and SVME is set) */
bool svm_efer_ok(const struct cpu *c, u64 efer);

/* the SVM MSRs (VM_CR, VM_HSAVE_PA, TSC_RATIO): 0 handled, -1 #GP(0),
 * 1 not an SVM MSR */
int svm_msr_read(struct cpu *c, u32 msr, u64 *val);
/* APM "TSC Offset": the TSC as RDTSC, RDTSCP and RDMSR read it in guest
 * mode (the TSC plus the VMCB's TSC_OFFSET); outside guest mode, tsc */
u64 svm_guest_tsc(const struct cpu *c, u64 tsc);
int svm_msr_write(struct cpu *c, u32 msr, u64 val);

/* the SVM instructions, exec_vmrun ... exec_skinit (svm/insn.c), are
 * declared with every handler by cpu/decode/insn.h from
 * cpu/decode/handlers_svm.def */

/* -counters: #VMEXITs by exit code (svm/log.c) */
void svm_print_counters(FILE *out);

/* --- ICPT: intercepts and exit information (svm/intercept.c) ---
 * Each executor calls its intercept after the checks that take priority
 * (APM "Instruction Intercepts"). The exit of an instruction goes through
 * svm_exit_insn, which sets c->svm.exit_nrip; svm_vmexit writes that
 * field to the VMCB's nRIP (and sets it back to 0), and writes the guest
 * instruction bytes svm_exit_insn_bytes gives. */

/* APM "Decode Assists" (CPUID Fn8000_000A_EDX[7]): the exit information
 * beyond the basic one is reported only when the model advertises it */
static inline bool svm_decode_assists(const struct cpu *c)
{
	return c->model && cpu_has(c->model, FEAT_decodeassists);
}

/* #VMEXIT for instruction i (APM "Instruction Intercepts"): nRIP is the
 * next instruction's with NRIP save (CPUID Fn8000_000A_EDX[3]). Debug
 * builds check i against the exits column of the handler tables. */
noreturn_fn void svm_exit_insn(struct cpu *c, const struct insn *i, u64 exitcode, u64 info1,
			       u64 info2);

/* an instruction whose intercept is a plain bit: #VMEXIT when it is set */
#define SVM_EXIT_IF_CODE(c, i, icpt, code, info1)                                 \
	do {                                                                      \
		if (unlikely(svm_guest(c)) && svm_icpt((c), (icpt)))              \
			svm_exit_insn((c), (i), (code), (info1), 0);              \
	} while (0)
#define SVM_EXIT_IF(c, i, ICPT_NAME, EXIT_NAME, info1) \
	SVM_EXIT_IF_CODE(c, i, SVM_ICPT_##ICPT_NAME, SVM_EXIT_##EXIT_NAME, info1)

/* the intercepts with more to decide; each returns when the instruction
 * goes on in the guest (call them in guest mode only) */
void svm_icpt_cr_read(struct cpu *c, const struct insn *i, unsigned cr, unsigned gpr);
void svm_icpt_cr_write(struct cpu *c, const struct insn *i, unsigned cr, u64 val, unsigned gpr);
void svm_icpt_lmsw(struct cpu *c, const struct insn *i, u16 src);
void svm_icpt_clts(struct cpu *c, const struct insn *i);
void svm_icpt_smsw(struct cpu *c, const struct insn *i);
void svm_icpt_dr(struct cpu *c, const struct insn *i, unsigned dr, bool write, unsigned gpr);
void svm_icpt_io(struct cpu *c, const struct insn *i, u16 port, unsigned size, bool in, bool string,
		 bool rep);
void svm_icpt_msr(struct cpu *c, const struct insn *i, u32 idx, bool write);
void svm_icpt_pause(struct cpu *c, const struct insn *i);
void svm_icpt_mwait(struct cpu *c, const struct insn *i);
/* an exception about to be delivered (cpu_deliver); a #DF cpu_deliver
 * makes of two exceptions; a task switch after its checks (source 0
 * CALL, 1 IRET, 2 JMP, 3 IDT task gate) */
void svm_icpt_exception(struct cpu *c, u8 vec, unsigned type, bool has_err, u32 err);
void svm_icpt_double_fault(struct cpu *c);
void svm_icpt_task_switch(struct cpu *c, unsigned source, u16 sel);
/* cpu_page_fault in guest mode: records the address; false when the #PF
 * is intercepted (CR2 is not written) */
bool svm_pf_writes_cr2(struct cpu *c, u64 lin);
/* VMRUN, after the control area is copied: the PAUSE filter's counter */
void svm_icpt_vmrun(struct cpu *c);
/* the Guest Instruction Bytes field (VMCB 0D0h-0DFh) of this #VMEXIT:
 * out[0] the number of bytes fetched, out[1..15] the bytes */
void svm_exit_insn_bytes(struct cpu *c, u64 exitcode, u64 info1, u8 out[16]);

/* --- NPTI: nested paging, ASIDs/TLB, interrupt control --- */

/* VMRUN (svm/insn.c) calls this after it loaded the guest state and set
 * guest = 1 (and before EVENTINJ): TLB_CONTROL, the ASID as the TLB
 * context, nested paging with G_PAT, the interrupt shadow (svm/npt.c,
 * svm/intr.c) */
void svm_npti_vmrun(struct cpu *c);
/* #VMEXIT (svm_vmexit) calls this after it wrote the guest state to the
 * VMCB and before it reloads the host state: the int_ctl and int_state
 * bits the processor writes back (svm_intctl_writeback), G_PAT and the
 * host PAT, and back to the host's TLB context without a second stage */
void svm_npti_vmexit(struct cpu *c);
/* APM "VMRUN" / "#VMEXIT": the int_ctl value #VMEXIT writes to the VMCB,
 * given the one there (what L1 wrote): only V_TPR, V_IRQ (clear once the
 * interrupt was taken) and, with vGIF, V_GIF come from the processor */
u64 svm_intctl_writeback(const struct cpu *c, u64 vmcb_int_ctl);
/* the same for int_state (068h): INTERRUPT_SHADOW and GUEST_INTERRUPT_MASK */
u64 svm_intstate_writeback(const struct cpu *c, u64 vmcb_int_state);

/* the second translation stage of the SVM state: nested paging in guest
 * mode with NP_ENABLE (derived: VMRUN and a snapshot load rebuild it;
 * outside guest mode it leaves c->stage2 to VMX) */
void svm_npt_update(struct cpu *c);
/* APM "Nested Paging": the VMRUN consistency checks nested paging adds
 * (NP_ENABLE with host paging off; an MBZ bit of nCR3; G_PAT) -- each
 * true when the VMCB passes; c is the host (VMRUN has not loaded the
 * guest), ctl the control area VMRUN read, g_pat the VMCB's */
bool svm_npt_host_paging_ok(const struct cpu *c, const struct vmcb_control *ctl);
bool svm_npt_ncr3_ok(const struct cpu *c, const struct vmcb_control *ctl);
bool svm_npt_gpat_ok(const struct cpu *c, const struct vmcb_control *ctl, u64 g_pat);

/* the TLB context of guest mode (APM "TLB Control": TLB entries are
 * tagged with the ASID): nonzero in guest mode, 0 in host mode (ASID 0) */
u64 svm_tlb_ctx(const struct cpu *c);
/* INVLPGA (svm/insn.c): APM "INVLPGA": invalidate the mapping of the page
 * holding va in ASID asid (0: the host's) */
void svm_invlpga(struct cpu *c, u64 va, u32 asid);

/* --- interrupt control in guest mode (svm/intr.c; APM "Interrupt and
 * Local APIC Support") --- */
/* vGIF in force: "Virtual GIF (vGIF)": V_GIF_ENABLE with vgif offered
 * (svm_vgif_on, declared above for svm_gif_blocks) */
/* STGI (v = 1) / CLGI (v = 0) not intercepted: under vGIF in guest mode
 * they set or clear V_GIF instead of GIF; returns whether they did */
bool svm_vgif_write(struct cpu *c, bool v);
/* APM "Physical (INTR) Interrupt Masking in EFLAGS": the IF that masks
 * physical interrupts in guest mode: the host's, saved by VMRUN, with
 * V_INTR_MASKING; the guest's without */
static inline bool svm_phys_if(const struct cpu *c)
{
	return ((c->svm.ctl.int_ctl & V_INTR_MASKING) ? c->svm.host.rflags : c->rflags) & RFLAGS_IF;
}
/* a virtual interrupt (V_IRQ) would be taken now (or exit with VINTR) */
bool svm_virq_ready(const struct cpu *c);
/* take it: #VMEXIT(VINTR) when intercepted, else deliver V_INTR_VECTOR
 * through the guest's IDT and clear V_IRQ */
void svm_virq_deliver(struct cpu *c);
/* vNMI ("NMI Virtualization"): V_NMI_ENABLE where vnmi is offered; a
 * virtual NMI (V_NMI) that would be taken now; taking it (V_NMI clear,
 * V_NMI_MASK set, NMI through the guest's IDT); IRET in the guest */
bool svm_vnmi_on(const struct cpu *c);
bool svm_vnmi_ready(const struct cpu *c);
void svm_vnmi_deliver(struct cpu *c);
void svm_iret(struct cpu *c);
/* an NMI injected by EVENTINJ (svm/vmrun.c): it blocks NMIs until its
 * IRET -- with vNMI, virtual ones (V_NMI_MASK) */
void svm_nmi_injected(struct cpu *c);
/* a physical INTR/NMI/SMI/INIT recognized in guest mode: #VMEXIT with
 * its exit code when the VMCB intercepts it (the event stays pending, to
 * be taken by the host once GIF is set again); returns if not */
void svm_icpt_event(struct cpu *c, unsigned icpt);
/* INIT not intercepted in guest mode: the processor leaves guest mode
 * before it takes the INIT */
void svm_init_leave_guest(struct cpu *c);
/* V_TPR and CR8 (APM "Virtualizing APIC.TPR"): with V_INTR_MASKING, MOV
 * CR8 in the guest reads and writes V_TPR, not the APIC's TPR */
static inline bool svm_cr8_virtualized(const struct cpu *c)
{
	return unlikely(c->svm.guest) && (c->svm.ctl.int_ctl & V_INTR_MASKING);
}
u64 svm_cr8_read(const struct cpu *c);
void svm_cr8_write(struct cpu *c, u64 val);
/* VMRUN's part of interrupt control (from svm_npti_vmrun): the
 * interrupt shadow of int_state */
void svm_intr_vmrun(struct cpu *c);

#endif
