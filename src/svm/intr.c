/* svm/intr.c: interrupt control in SVM guest mode (AMD APM Vol.2
 * "Interrupt and Local APIC Support", "Global Interrupt Flag, STGI and
 * CLGI Instructions", the INTR/NMI/SMI/INIT intercepts of "Interrupt
 * Intercepts"): virtual interrupts (V_IRQ, V_INTR_PRIO, V_IGN_TPR,
 * V_INTR_VECTOR), V_TPR and CR8, which RFLAGS.IF masks what, the
 * interrupt shadow across VMRUN and #VMEXIT, and the int_ctl bits #VMEXIT
 * writes back. cpu/event.c asks these at instruction boundaries in the
 * order of "Priority Among Simultaneous Exceptions and Interrupts". */
#include "cpu/event.h"
#include "cpu/model.h"
#include "cpu/step.h"
#include "svm/svm.h"

bool svm_vgif_on(const struct cpu *c)
{
	/* APM "Virtual GIF (vGIF)": V_GIF_ENABLE, where vGIF is offered */
	return (c->svm.ctl.int_ctl & V_GIF_ENABLE) && cpu_has(c->model, FEAT_vgif);
}

/* APM "Virtual GIF (vGIF)": in guest mode with vGIF, STGI and CLGI that
 * are not intercepted set and clear V_GIF, which then holds interrupts
 * and NMIs off for the guest as GIF does (svm_gif_blocks) */
bool svm_vgif_write(struct cpu *c, bool v)
{
	if (!svm_guest(c) || !svm_vgif_on(c))
		return false;
	if (v) {
		c->svm.ctl.int_ctl |= V_GIF;
		cpu_kick(c);
	} else {
		c->svm.ctl.int_ctl &= ~V_GIF;
	}
	return true;
}

/* APM "Injecting Virtual (INTR) Interrupts": a pending virtual interrupt
 * (V_IRQ) is taken at an instruction boundary at which the guest's
 * RFLAGS.IF is 1 (with or without V_INTR_MASKING: the guest's IF always
 * masks virtual interrupts), no interrupt shadow is in effect, GIF is set,
 * and V_IGN_TPR is set or its priority V_INTR_PRIO is above V_TPR */
bool svm_virq_ready(const struct cpu *c)
{
	u64 ic = c->svm.ctl.int_ctl;

	if (!(ic & V_IRQ) || !(c->rflags & RFLAGS_IF) || c->shadow)
		return false;
	if (c->activity != ACT_ACTIVE && c->activity != ACT_HLT)
		return false;
	if (svm_gif_blocks(c, SVM_GIF_INTR))
		return false;
	return (ic & V_IGN_TPR) || ((ic & V_INTR_PRIO_MASK) >> V_INTR_PRIO_SHIFT) > (ic & 0xf);
}

/* APM "Virtual Interrupt Intercept": with VINTR intercepted, a virtual
 * interrupt about to be taken is #VMEXIT(VINTR) instead (V_IRQ stays
 * set); otherwise it is delivered through the guest's IDT with vector
 * V_INTR_VECTOR, as an external interrupt, and V_IRQ is cleared */
void svm_virq_deliver(struct cpu *c)
{
	c->activity = ACT_ACTIVE; /* it wakes a halted guest */
	if (svm_icpt(c, SVM_ICPT_VINTR))
		svm_vmexit(c, SVM_EXIT_VINTR, 0, 0);
	u8 vec = (u8)((c->svm.ctl.int_ctl & V_INTR_VECTOR_MASK) >> V_INTR_VECTOR_SHIFT);
	c->svm.ctl.int_ctl &= ~V_IRQ;
	cpu_deliver(c, vec, EV_EXT_INTR, false, 0);
}

/* APM "NMI Virtualization": with V_NMI_ENABLE (where vNMI is offered)
 * V_NMI is a pending virtual NMI, taken like an NMI -- through the
 * guest's IDT, vector 2, at NMI priority, held by V_NMI_MASK (the guest's
 * virtual NMI blocking, set when one is taken, cleared by the guest's
 * IRET), by MOV SS blocking and by GIF */
bool svm_vnmi_on(const struct cpu *c)
{
	return (c->svm.ctl.int_ctl & V_NMI_ENABLE) && cpu_has(c->model, FEAT_vnmi);
}

bool svm_vnmi_ready(const struct cpu *c)
{
	if ((c->svm.ctl.int_ctl & (V_NMI | V_NMI_MASK)) != V_NMI || !svm_vnmi_on(c))
		return false;
	if (c->activity != ACT_ACTIVE && c->activity != ACT_HLT)
		return false;
	return !(c->shadow & SHADOW_MOVSS) && !svm_gif_blocks(c, SVM_GIF_NMI);
}

void svm_vnmi_deliver(struct cpu *c)
{
	c->activity = ACT_ACTIVE;
	c->svm.ctl.int_ctl = (c->svm.ctl.int_ctl & ~V_NMI) | V_NMI_MASK;
	cpu_deliver(c, VEC_NMI, EV_NMI, false, 0);
}

/* APM "NMI Virtualization": the processor sets V_NMI_MASK when the guest
 * takes an NMI under vNMI, an NMI the VMCB injects included (KVM relies on
 * it too and does not track that blocking itself) */
void svm_nmi_injected(struct cpu *c)
{
	if (svm_vnmi_on(c))
		c->svm.ctl.int_ctl |= V_NMI_MASK;
	else
		c->nmi_blocked = 1;
}

/* IRET in guest mode: it ends NMI blocking, with vNMI the virtual one */
void svm_iret(struct cpu *c)
{
	c->nmi_blocked = 0;
	if (svm_vnmi_on(c)) {
		c->svm.ctl.int_ctl &= ~V_NMI_MASK;
		cpu_kick(c); /* a pending V_NMI may be taken now */
	}
}

/* APM "INTR Intercept", "NMI Intercept", "SMI Intercept", "INIT
 * Intercept": the physical event causes #VMEXIT when the processor would
 * take it; it is not acknowledged and stays pending, held by GIF = 0 after
 * the #VMEXIT until the host sets GIF again */
void svm_icpt_event(struct cpu *c, unsigned icpt)
{
	u64 code;

	if (!svm_icpt(c, icpt))
		return;
	switch (icpt) {
	case SVM_ICPT_INTR: code = SVM_EXIT_INTR; break;
	case SVM_ICPT_NMI: code = SVM_EXIT_NMI; break;
	case SVM_ICPT_SMI: code = SVM_EXIT_SMI; break;
	default: code = SVM_EXIT_INIT; break;
	}
	c->activity = ACT_ACTIVE;
	svm_vmexit(c, code, 0, 0);
}

/* An INIT the VMCB does not intercept resets the processor's state (APM
 * "INIT Intercept"): nothing of the guest survives it, so guest mode ends
 * without a #VMEXIT; GIF is set as after RESET */
void svm_init_leave_guest(struct cpu *c)
{
	c->svm.guest = 0;
	c->svm.gif = 1;
	c->stage2_on = 0;
	c->tlb_ctx = 0;
	cpu_update_fetch_key(c);
}

/* APM "Virtualizing APIC.TPR": with V_INTR_MASKING, the guest's MOV from
 * CR8 reads V_TPR and MOV to CR8 writes it ("bits 3:0 are used for a
 * 4-bit virtual TPR value"); the APIC's TPR is the host's and stays as it
 * is */
u64 svm_cr8_read(const struct cpu *c)
{
	return c->svm.ctl.int_ctl & 0xf;
}

void svm_cr8_write(struct cpu *c, u64 val)
{
	c->svm.ctl.int_ctl = (c->svm.ctl.int_ctl & ~V_TPR_MASK) | (val & 0xf);
	cpu_kick(c); /* a lower V_TPR may let a virtual interrupt in */
}

/* APM "Interrupt Shadows": int_state's INTERRUPT_SHADOW says the guest
 * starts in the shadow of an STI or MOV SS (the next instruction is
 * protected from interrupts) */
void svm_intr_vmrun(struct cpu *c)
{
	c->shadow = (c->svm.ctl.int_state & INT_STATE_SHADOW) ? SHADOW_STI : 0;
}

/* APM "#VMEXIT": the processor writes back V_TPR and V_IRQ (clear once
 * the virtual interrupt was taken), V_GIF under vGIF, V_NMI and
 * V_NMI_MASK under vNMI; every other int_ctl bit stays as L1 wrote it */
u64 svm_intctl_writeback(const struct cpu *c, u64 vmcb_int_ctl)
{
	u64 mask = V_TPR_MASK | V_IRQ | (svm_vgif_on(c) ? V_GIF : 0) |
		   (svm_vnmi_on(c) ? V_NMI | V_NMI_MASK : 0);
	return (vmcb_int_ctl & ~mask) | (c->svm.ctl.int_ctl & mask);
}

/* int_state at #VMEXIT: INTERRUPT_SHADOW when the guest was in an
 * interrupt shadow (an exit from the shadowed instruction itself counts:
 * it runs under c->shadow_insn), GUEST_INTERRUPT_MASK the guest's
 * RFLAGS.IF */
u64 svm_intstate_writeback(const struct cpu *c, u64 vmcb_int_state)
{
	u64 s = ((c->shadow | c->shadow_insn) ? INT_STATE_SHADOW : 0) |
		((c->rflags & RFLAGS_IF) ? INT_STATE_GUEST_MASK : 0);
	return (vmcb_int_state & ~(INT_STATE_SHADOW | INT_STATE_GUEST_MASK)) | s;
}
