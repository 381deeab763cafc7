/* svm/vmexit.c: #VMEXIT (AMD APM Vol.2 "#VMEXIT"): the guest state and the
 * exit information go to the VMCB in guest memory, the host state VMRUN
 * saved is reloaded, GIF is cleared, and the step loop is unwound like a VMX
 * exit (the instruction or event delivery that caused it does not
 * complete, so RIP still names it). */
#include <string.h>

#include "base/log.h"
#include "cpu/arch.h"
#include "cpu/event.h"
#include "cpu/fault.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "cpu/step.h"
#include "svm/svm_internal.h"

/* "Writes back to the VMCB the current guest state -- the same subset of
 * processor state as is loaded by the VMRUN instruction" */
static void save_guest(struct cpu *c)
{
	struct vmcb_save s;
	u64 pa = c->svm.vmcb_pa + VMCB_SAVE_OFFSET;

	svm_phys_read(c, pa, &s, sizeof(s));
	svm_seg_to_vmcb(&c->seg[SEG_ES], &s.es);
	svm_seg_to_vmcb(&c->seg[SEG_CS], &s.cs);
	svm_seg_to_vmcb(&c->seg[SEG_SS], &s.ss);
	svm_seg_to_vmcb(&c->seg[SEG_DS], &s.ds);
	s.gdtr.base = c->gdtr.base;
	s.gdtr.limit = c->gdtr.limit;
	s.idtr.base = c->idtr.base;
	s.idtr.limit = c->idtr.limit;
	s.cpl = c->cpl;
	s.efer = c->efer;
	s.cr0 = c->cr0;
	s.cr2 = c->cr2;
	s.cr3 = c->cr3;
	s.cr4 = c->cr4;
	s.dr6 = c->dr[6];
	s.dr7 = c->dr[7];
	s.rflags = cpu_rflags(c);
	s.rip = c->rip;
	s.rsp = c->gpr[RSP];
	s.rax = c->gpr[RAX];
	if (svm_lbrv(c))
		svm_lbr_to_vmcb(c, &s);
	svm_phys_write(c, pa, &s, sizeof(s));
}

/* EXITINTINFO ("Event Injection" format): the event whose delivery the
 * exit interrupted (c->in_event, see cpu/event.h), else 0. INT3, INTO and
 * ICEBP are exceptions (TYPE 3), INTn a software interrupt (TYPE 4). */
static u64 exitintinfo(const struct cpu *c)
{
	if (!c->in_event)
		return 0;
	unsigned type;
	switch (c->in_event - 1) {
	case EV_EXT_INTR: type = SVM_EVT_INTR; break;
	case EV_NMI: type = SVM_EVT_NMI; break;
	case EV_SW_INT: type = SVM_EVT_SOFT; break;
	default: type = SVM_EVT_EXC; break;
	}
	return c->first_vector | ((u64)type << EVTINJ_TYPE_SHIFT) |
	       (c->first_has_err ? EVTINJ_EV | ((u64)c->first_error << EVTINJ_ERR_SHIFT) : 0) |
	       EVTINJ_V;
}

static void put_ctl(struct cpu *c, unsigned off, u64 v)
{
	svm_phys_write(c, c->svm.vmcb_pa + off, &v, 8);
}

/* the exit information (control area, APM Table B-1) */
static void record(struct cpu *c, u64 exitcode, u64 info1, u64 info2, bool in_guest)
{
	put_ctl(c, VMCB_OFF_exitcode, exitcode);
	put_ctl(c, VMCB_OFF_exitinfo1, info1);
	put_ctl(c, VMCB_OFF_exitinfo2, info2);
	put_ctl(c, VMCB_OFF_exitintinfo, in_guest ? exitintinfo(c) : 0);
	/* "Event Injection": EVENTINJ is consumed by the VMRUN that delivers
	 * it; #VMEXIT (VMEXIT_INVALID included) leaves it 0, so an L1 that
	 * injects an event does not see it again at the next VMRUN -- an
	 * event whose delivery an intercept interrupted is in EXITINTINFO.
	 * Linux's kvm_amd relies on this: it never clears EVENTINJ itself. */
	put_ctl(c, VMCB_OFF_eventinj, 0);
	/* "NRIP_SAVE": the next sequential instruction pointer of the exits
	 * that have one (ICPT: svm_exit_insn, svm/intercept.c), else 0 */
	if (c->model && cpu_has(c->model, FEAT_nrip_save))
		put_ctl(c, VMCB_OFF_nrip, in_guest ? c->svm.exit_nrip : 0);
	c->svm.exit_nrip = 0;
	if (in_guest) {
		/* ICPT: the guest instruction bytes (APM "Decode Assists") */
		u8 bytes[16];
		svm_exit_insn_bytes(c, exitcode, info1, bytes);
		if (c->model && cpu_has(c->model, FEAT_decodeassists))
			svm_phys_write(c, c->svm.vmcb_pa + VMCB_OFF_insn_len, bytes, sizeof(bytes));
		/* NPTI (svm/npt.c): the int_ctl bits the processor writes
		 * (V_TPR, V_IRQ, V_GIF with vGIF), int_state's interrupt
		 * shadow, G_PAT; back to the host's TLB context (ASID 0) with
		 * no second stage */
		svm_npti_vmexit(c);
	}
}

/* "Reloads the host state previously saved by the VMRUN instruction",
 * "Forces CR0.PE = 1, RFLAGS.VM = 0", "Sets the host CPL to zero",
 * "Disables all breakpoints in the host DR7 register" */
static void load_host(struct cpu *c)
{
	const struct vmcb_save *h = &c->svm.host;

	svm_seg_from_vmcb(&c->seg[SEG_ES], &h->es);
	svm_seg_from_vmcb(&c->seg[SEG_CS], &h->cs);
	svm_seg_from_vmcb(&c->seg[SEG_SS], &h->ss);
	svm_seg_from_vmcb(&c->seg[SEG_DS], &h->ds);
	c->seg[SEG_SS].ar &= ~(3u << 5);
	c->gdtr.base = h->gdtr.base;
	c->gdtr.limit = h->gdtr.limit;
	c->idtr.base = h->idtr.base;
	c->idtr.limit = h->idtr.limit;
	c->efer = h->efer;
	c->cr0 = h->cr0 | CR0_PE;
	c->cr3 = h->cr3;
	c->cr4 = h->cr4;
	c->dr[7] = DR7_FIXED1;
	cpu_set_rflags(c, h->rflags & ~RFLAGS_VM);
	c->rip = c->next_rip = h->rip;
	c->gpr[RSP] = h->rsp;
	c->gpr[RAX] = h->rax;
	if (svm_lbrv(c)) /* (a VMRUN that failed its checks saved them just now) */
		svm_lbr_from_vmcb(c, h);
	c->shadow = 0;
	c->activity = ACT_ACTIVE;
	/* the single-step trap of a VMRUN the host stepped (svm/vmrun.c):
	 * taken before the host's next instruction */
	c->pending_db = (h->rflags & RFLAGS_TF) != 0;
	c->pending_dr6 = c->pending_db ? DR6_BS : 0;
	c->in_event = 0;
	/* (the host's translation context: svm_npti_vmexit) */
	cpu_update_mode(c);
	/* a host that uses PAE paging: its PDPTE registers again from the
	 * table host CR3 references (guest mode reads PDPTEs at walk time,
	 * cpu/memory/mmu.c, but L2's MOV to CR3 loads the registers). One
	 * MOV to CR3 would refuse shuts the processor down, as KVM's #VMEXIT
	 * does (a triple fault): the APM checks no host state. */
	if (cpu_pae_paging(c) && !cpu_pdptes_load(c, c->cr3))
		cpu_shutdown(c);
}

void svm_vmexit_commit(struct cpu *c, u64 exitcode, u64 info1, u64 info2, bool in_guest)
{
	u64 guest_rip = in_guest ? c->rip : SVM_NO_GUEST_RIP;

	if (in_guest)
		save_guest(c);
	record(c, exitcode, info1, info2, in_guest);
	c->svm.guest = 0;
	/* "Clears all intercepts" (the copy stays for the rest: NPTI's
	 * write-back has been done) */
	memset(c->svm.ctl.intercepts, 0, sizeof(c->svm.ctl.intercepts));
	load_host(c);
	/* "Disables interrupts by clearing the GIF" */
	c->svm.gif = 0;
	svm_log_vmexit(c, exitcode, info1, info2, guest_rip);
}

void svm_vmexit(struct cpu *c, u64 exitcode, u64 info1, u64 info2)
{
	if (!c->svm.guest)
		die("internal error: #VMEXIT outside guest mode");
	svm_vmexit_commit(c, exitcode, info1, info2, true);
	c->single = 0;
	if (!c->unwind)
		die("internal error: #VMEXIT outside the step loop");
	longjmp(*c->unwind, UNWIND_VMEXIT);
}
