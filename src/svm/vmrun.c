/* svm/vmrun.c: VMRUN after its own #UD/#GP checks (AMD APM Vol.2 "VMRUN
 * Instruction" and Vol.3 "VMRUN"): the VMCB is read once (control area
 * into c->svm.ctl, state-save area into a local copy), checked ("Canonical-
 * ization and Consistency Checks", svm/checks.def), the host state saved,
 * the guest state loaded, GIF set, and EVENTINJ delivered. A failed check
 * is a #VMEXIT with VMEXIT_INVALID and no guest state loaded. */
#include <string.h>

#include "base/log.h"
#include "cpu/arch.h"
#include "cpu/decode/insn.h"
#include "cpu/event.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "cpu/step.h"
#include "cpu/system/debug.h"
#include "cpu/system/exec_sys.h"
#include "cpu/system/msr.h"
#include "machine/machine.h"
#include "mem/physmem.h"
#include "svm/svm_internal.h"

/* --- the checks' table and helpers --- */
static const struct {
	const char *name, *title, *text;
} check_rows[] = {
#define CHECK(n, title, text, cond) { #n, title, text },
#include "svm/checks.def"
#undef CHECK
};

const char *svm_check_name(unsigned k) { return k < SVM_CHECK_NR ? check_rows[k].name : "none"; }
const char *svm_check_title(unsigned k) { return k < SVM_CHECK_NR ? check_rows[k].title : ""; }
const char *svm_check_text(unsigned k) { return k < SVM_CHECK_NR ? check_rows[k].text : ""; }

/* "Any MBZ bit of CR3 is set": in long mode (EFER.LME and CR0.PG) the
 * bits from MAXPHYADDR up (APM "CR3" in long mode: 63:52 reserved, and
 * the base cannot exceed the physical-address width); outside it, 63:32 */
bool svm_cr3_mbz(const struct cpu *c, const struct vmcb_save *s)
{
	if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG))
		return (s->cr3 >> cpu_maxphyaddr(c)) != 0;
	return (s->cr3 >> 32) != 0;
}

/* a permission map of size bytes at base (bits 11:0 ignored) reaches
 * MAXPHYADDR */
bool svm_table_beyond(const struct cpu *c, u64 base, u64 size)
{
	u64 last = (base & ~0xfffull) + size - 1;
	return last < base || (last >> cpu_maxphyaddr(c)) != 0;
}

bool svm_evtinj_type_reserved(u64 ev)
{
	unsigned type = (unsigned)((ev & EVTINJ_TYPE_MASK) >> EVTINJ_TYPE_SHIFT);
	return type != SVM_EVT_INTR && type != SVM_EVT_NMI && type != SVM_EVT_EXC &&
	       type != SVM_EVT_SOFT;
}

bool svm_evtinj_exc_vector_bad(u64 ev)
{
	unsigned type = (unsigned)((ev & EVTINJ_TYPE_MASK) >> EVTINJ_TYPE_SHIFT);
	unsigned vec = (unsigned)(ev & EVTINJ_VECTOR_MASK);
	return type == SVM_EVT_EXC && (vec > 31 || !((SVM_EXCEPTION_VECTORS >> vec) & 1));
}

enum svm_check svm_vmrun_checks(const struct cpu *c, const struct vmcb_control *ctl,
				const struct vmcb_save *s)
{
#define CHECK(n, title, text, cond) \
	if (cond)                   \
		return SVM_CHECK_##n;
#include "svm/checks.def"
#undef CHECK
	return SVM_CHECK_NONE;
}

/* --- VMCB access: L1-physical memory (L1 runs without a second stage) --- */
void svm_phys_read(struct cpu *c, u64 pa, void *buf, unsigned len)
{
	struct physmem *pm = &c->machine->mem;
	const u8 *p = physmem_ram_ptr(pm, pa, len);

	if (p) {
		memcpy(buf, p, len);
		return;
	}
	for (unsigned k = 0; k < len; k++)
		((u8 *)buf)[k] = (u8)phys_read(pm, pa + k, 1);
}

void svm_phys_write(struct cpu *c, u64 pa, const void *buf, unsigned len)
{
	struct physmem *pm = &c->machine->mem;
	u8 *p = physmem_ram_ptr(pm, pa, len);

	if (p) {
		memcpy(p, buf, len);
		physmem_note_write(pm, pa, len);
		return;
	}
	for (unsigned k = 0; k < len; k++)
		phys_write(pm, pa + k, 1, ((const u8 *)buf)[k]);
}

/* --- APM "Segment State in the VMCB": attrib 7:0 = descriptor bits
 * 47:40 (type, S, DPL, P), attrib 11:8 = bits 55:52 (AVL, L, D/B, G).
 * nestbox's caches use the VMX layout (cpu/arch.h AR_*); a segment nestbox
 * marks unusable (a null selector loaded) is written not present. --- */
void svm_seg_to_vmcb(const struct seg_cache *sc, struct vmcb_seg *v)
{
	v->sel = sc->sel;
	v->attrib = (u16)((sc->ar & 0xff) | (((sc->ar >> 12) & 0xf) << 8));
	if (sc->ar & AR_UNUSABLE)
		v->attrib &= (u16)~VMCB_ATTR_P;
	v->limit = sc->limit;
	v->base = sc->base;
}

void svm_seg_from_vmcb(struct seg_cache *sc, const struct vmcb_seg *v)
{
	sc->sel = v->sel;
	sc->ar = (u32)(v->attrib & 0xff) | ((u32)((v->attrib >> 8) & 0xf) << 12);
	if (!(v->attrib & VMCB_ATTR_P))
		sc->ar |= AR_UNUSABLE;
	sc->limit = v->limit;
	sc->base = v->base;
}

/* DebugCtl and the last-branch records <-> the VMCB's DBGCTL, BR_FROM,
 * BR_TO, LASTEXCPFROM, LASTEXCPTO (LBR virtualization: svm_lbrv). DebugCtl
 * bits nestbox does not implement are dropped on the way in, as WRMSR
 * would refuse them. */
void svm_lbr_to_vmcb(const struct cpu *c, struct vmcb_save *s)
{
	s->dbgctl = c->msr.debugctl;
	s->br_from = c->msr.lbr_from;
	s->br_to = c->msr.lbr_to;
	s->lastexcp_from = c->msr.ler_from;
	s->lastexcp_to = c->msr.ler_to;
}

void svm_lbr_from_vmcb(struct cpu *c, const struct vmcb_save *s)
{
	c->msr.debugctl = s->dbgctl & (DEBUGCTL_LBR | DEBUGCTL_BTF);
	c->msr.lbr_from = s->br_from;
	c->msr.lbr_to = s->br_to;
	c->msr.ler_from = s->lastexcp_from;
	c->msr.ler_to = s->lastexcp_to;
}

/* APM "VMRUN": "saves the current host state" -- the host save area's
 * format is implementation-specific; nestbox keeps it in c->svm.host.
 * RIP is that of the instruction after VMRUN. */
static void save_host(struct cpu *c)
{
	struct vmcb_save *h = &c->svm.host;

	memset(h, 0, sizeof(*h));
	svm_seg_to_vmcb(&c->seg[SEG_ES], &h->es);
	svm_seg_to_vmcb(&c->seg[SEG_CS], &h->cs);
	svm_seg_to_vmcb(&c->seg[SEG_SS], &h->ss);
	svm_seg_to_vmcb(&c->seg[SEG_DS], &h->ds);
	h->gdtr.base = c->gdtr.base;
	h->gdtr.limit = c->gdtr.limit;
	h->idtr.base = c->idtr.base;
	h->idtr.limit = c->idtr.limit;
	h->efer = c->efer;
	h->cr0 = c->cr0;
	h->cr3 = c->cr3;
	h->cr4 = c->cr4;
	h->rflags = cpu_rflags(c);
	h->rip = c->next_rip;
	h->rsp = c->gpr[RSP];
	h->rax = c->gpr[RAX];
	h->cpl = c->cpl;
	/* (restored by #VMEXIT only under LBR virtualization, svm_lbrv) */
	svm_lbr_to_vmcb(c, h);
}

/* APM "VMRUN": "loads guest state": ES, CS, SS, DS, GDTR, IDTR, EFER, CR4,
 * CR3, CR2, CR0, DR7, DR6, RFLAGS, RIP, RSP, RAX, CPL and the interrupt
 * shadow. nestbox keeps CPL as SS.DPL (cpu_update_mode): the VMCB's CPL
 * goes there. EFER.LMA follows EFER.LME and CR0.PG. */
static void load_guest(struct cpu *c, const struct vmcb_save *s)
{
	svm_seg_from_vmcb(&c->seg[SEG_ES], &s->es);
	svm_seg_from_vmcb(&c->seg[SEG_CS], &s->cs);
	svm_seg_from_vmcb(&c->seg[SEG_SS], &s->ss);
	svm_seg_from_vmcb(&c->seg[SEG_DS], &s->ds);
	c->seg[SEG_SS].ar = (c->seg[SEG_SS].ar & ~(3u << 5)) | ((u32)(s->cpl & 3) << 5);
	c->gdtr.base = s->gdtr.base;
	c->gdtr.limit = s->gdtr.limit & 0xffff;
	c->idtr.base = s->idtr.base;
	c->idtr.limit = s->idtr.limit & 0xffff;
	c->cr0 = s->cr0 | CR0_ET;
	c->cr2 = s->cr2;
	c->cr3 = s->cr3;
	c->cr4 = s->cr4;
	c->efer = s->efer & ~(u64)EFER_LMA;
	if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG))
		c->efer |= EFER_LMA;
	c->dr[6] = s->dr6;
	c->dr[7] = s->dr7;
	cpu_set_rflags(c, (s->rflags & ~RFLAGS_RESERVED) | RFLAGS_FIXED);
	c->rip = c->next_rip = s->rip;
	c->gpr[RSP] = s->rsp;
	c->gpr[RAX] = s->rax;
	c->activity = ACT_ACTIVE;
	c->pending_db = 0;
	if (svm_lbrv(c))
		svm_lbr_from_vmcb(c, s);
	/* NPTI (svm/npt.c, svm/intr.c): the ASID as the TLB's context and
	 * TLB_CONTROL, nested paging and G_PAT, the interrupt shadow */
	svm_npti_vmrun(c);
	cpu_update_mode(c);
}

/* APM "Event Injection": EVENTINJ delivered through the guest's IDT before
 * its first instruction. An injected exception is delivered as the
 * processor's own (no IDT gate DPL check); a software interrupt as INTn,
 * returning to nRIP when nrip-save is offered ("Software interrupts cannot
 * be properly injected if the processor does not support the NextRIP
 * field"), else to the VMCB's RIP. An injected NMI blocks NMIs until its
 * IRET, as a delivered one does. */
static void inject_event(struct cpu *c)
{
	u64 ev = c->svm.ctl.eventinj;
	unsigned vec = (unsigned)(ev & EVTINJ_VECTOR_MASK);
	unsigned type = (unsigned)((ev & EVTINJ_TYPE_MASK) >> EVTINJ_TYPE_SHIFT);
	bool has_err = (ev & EVTINJ_EV) != 0;
	u32 err = (u32)(ev >> EVTINJ_ERR_SHIFT);

	if (!(ev & EVTINJ_V))
		return;
	/* an NMI, as a delivered one: NMIs are blocked until its IRET (NPTI:
	 * with vNMI the virtual NMI blocking, V_NMI_MASK: svm/intr.c) */
	if (type == SVM_EVT_NMI)
		svm_nmi_injected(c);
	switch (type) {
	case SVM_EVT_INTR: cpu_deliver(c, (u8)vec, EV_EXT_INTR, false, 0); break;
	case SVM_EVT_NMI: cpu_deliver(c, 2, EV_NMI, false, 0); break;
	case SVM_EVT_EXC:
		c->svm.injecting = 1; /* ICPT: not checked against the exception intercepts */
		cpu_deliver(c, (u8)vec, EV_HW_EXC, has_err, err);
		break;
	case SVM_EVT_SOFT:
		if (c->model && cpu_has(c->model, FEAT_nrip_save))
			c->next_rip = c->svm.ctl.nrip;
		cpu_deliver(c, (u8)vec, EV_SW_INT, false, 0);
		break;
	default: DEBUG_ASSERT(!"EVENTINJ type the checks let through"); break;
	}
	c->in_event = 0;
	/* the interrupt shadow was the instruction's at RIP, which does not
	 * run next */
	c->shadow = 0;
}

void svm_vmrun(struct cpu *c, const struct insn *i, u64 vmcb_pa)
{
	struct vmcb_control ctl;
	struct vmcb_save s;

	/* "the processor reads the VMCB": once, the control area into the
	 * copy the run uses */
	svm_phys_read(c, vmcb_pa, &ctl, sizeof(ctl));
	svm_phys_read(c, vmcb_pa + VMCB_SAVE_OFFSET, &s, sizeof(s));
	c->svm.vmcb_pa = vmcb_pa;
	save_host(c);
	enum svm_check k = svm_vmrun_checks(c, &ctl, &s);
	if (k != SVM_CHECK_NONE) {
		svm_log_failed_check(c, k, &ctl, &s);
		svm_vmexit_commit(c, (u64)SVM_EXIT_INVALID, 0, 0, false);
		return;
	}
	c->svm.ctl = ctl;
	c->svm.guest = 1;
	svm_icpt_vmrun(c); /* ICPT: the PAUSE filter's counter */
	load_guest(c, &s);
	/* "GIF is set to 1 by VMRUN" ("Global Interrupt Flag, STGI and CLGI
	 * Instructions") */
	c->svm.gif = 1;
	svm_log_vmrun(c);
	/* a host single-stepping VMRUN: VMRUN, the guest's run and the
	 * #VMEXIT are one host instruction, whose single-step trap comes
	 * after the #VMEXIT (svm/vmexit.c), not at L2's first instruction */
	/* (and no stale L1 conditions). Only then: cpu_debug_after_insn
	 * consumes the mark at the next single-stepped instruction, which
	 * without TF at VMRUN would be L2's (ICPT: svm_intercepts' "#DB
	 * (single step)" lost its trap to it) */
	c->pending_dr6 = (c->svm.host.rflags & RFLAGS_TF) ? DBG_NO_SINGLE_STEP : 0;
	inject_event(c);
	cpu_kick(c); /* the boundary checks again before L2's first instruction */
}
