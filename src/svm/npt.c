/* svm/npt.c: nested paging and the TLB of SVM guest mode (AMD APM Vol.2
 * "Nested Paging" and "TLB Control"): the second translation stage of a
 * guest with NP_ENABLE, the #VMEXIT(NPF) a refused translation causes, the
 * VMRUN checks nested paging adds, ASIDs as the TLB's translation context,
 * TLB_CONTROL and INVLPGA. The walks are the CPU's one page walker
 * (cpu/memory/walk.c) in the processor's own format from another root. */
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "svm/svm_internal.h"

/* --- nested paging --- */

/* APM "Nested versus Guest Page Faults, Fault Ordering": a nested page
 * fault is #VMEXIT(NPF) with EXITINFO1 the page-fault error code of the
 * nested walk -- bit 32 set when it translated the guest's final physical
 * address, bit 33 when it translated one of the guest's page-table
 * entries -- and EXITINFO2 the guest-physical address it was asked for */
static noreturn_fn void npt_refused(struct cpu *c, const struct stage2_fault *f)
{
	/* "Nested Table Walk": every nested access is a user access, and
	 * the guest's page-table accesses are writes (walk.c asked for W) */
	u64 info1 = PFEC_U;
	if (f->status == PT_RESERVED)
		info1 |= PFEC_P | PFEC_RSVD;
	else if (f->status == PT_OK)
		info1 |= PFEC_P; /* present, but the access is not allowed */
	if (f->access == PT_W)
		info1 |= PFEC_W;
	/* I/D as a #PF reports it ("Page-Fault Error Code"): for fetches
	 * with no-execute in force or with SMEP on -- the nested walk's, i.e.
	 * the host's EFER.NXE and CR4.SMEP saved at VMRUN (cpu/memory/mmu.c
	 * does the same for a #PF with the current CR4) */
	if (f->access == PT_X && (c->stage2.w.nxe || (c->svm.host.cr4 & CR4_SMEP)))
		info1 |= PFEC_I;
	/* bit 32 for the final guest-physical address (of a linear access,
	 * or the VMCB of a virtual VMLOAD/VMSAVE), bit 33 for the guest's
	 * page tables (the PDPTE loads of MOV to CR read them too) */
	info1 |= f->final ? BIT(32) : BIT(33);
	svm_vmexit(c, SVM_EXIT_NPF, info1, f->gpa);
}

/* the host's paging mode VMRUN saved, as the nested walker's format (APM
 * "Nested Paging": the nested page tables have the format of the host's
 * own, in the paging mode the host had at VMRUN) */
static void npt_walker(const struct cpu *c, struct pt_walker *w)
{
	const struct vmcb_save *h = &c->svm.host;
	bool pae = (h->cr4 & CR4_PAE) != 0, lma = (h->efer & EFER_LMA) != 0;

	*w = (struct pt_walker){
		.fmt = PT_X86,
		.levels = !pae ? 2 : !lma ? 3 : (h->cr4 & CR4_LA57) ? 5 : 4,
		.maxphyaddr = (u8)cpu_maxphyaddr(c),
		.nxe = pae && (h->efer & EFER_NXE),
		.pse = (h->cr4 & CR4_PSE) != 0,
		.page1g = lma && cpu_has(c->model, FEAT_pdpe1gb),
		.npt = 1,
		.root = c->svm.ctl.ncr3,
	};
}

/* NP_ENABLE, where nested paging is offered (CPUID 8000_000Ah EDX[0]);
 * without it the bit is ignored */
static bool np_enable(const struct cpu *c, const struct vmcb_control *ctl)
{
	return (ctl->nested_ctl & NESTED_CTL_NP_ENABLE) && cpu_has(c->model, FEAT_npt);
}

void svm_npt_update(struct cpu *c)
{
	if (!svm_guest(c))
		return; /* host mode: VMX (or nothing) owns c->stage2 */
	c->stage2_on = np_enable(c, &c->svm.ctl);
	if (!c->stage2_on)
		return;
	npt_walker(c, &c->stage2.w);
	c->stage2.fault = npt_refused;
}

/* APM "Enabling Nested Paging": nested paging needs the host in paging
 * mode (its page-table format is what the nested tables use); VMRUN
 * checks before it loads the guest, so c is the host */
bool svm_npt_host_paging_ok(const struct cpu *c, const struct vmcb_control *ctl)
{
	return !np_enable(c, ctl) || (c->cr0 & CR0_PG);
}

/* APM "Enabling Nested Paging": "Any MBZ bit of nCR3 is set" is an illegal
 * state: the bits above MAXPHYADDR */
bool svm_npt_ncr3_ok(const struct cpu *c, const struct vmcb_control *ctl)
{
	return !np_enable(c, ctl) || !(ctl->ncr3 >> cpu_maxphyaddr(c));
}

/* APM "Enabling Nested Paging": "Any G_PAT.PA field has an unsupported
 * type encoding or any reserved field in G_PAT has a nonzero value" (the
 * PAT's types: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-; bits 7:3 of each
 * field reserved) */
bool svm_npt_gpat_ok(const struct cpu *c, const struct vmcb_control *ctl, u64 g_pat)
{
	if (!np_enable(c, ctl))
		return true;
	for (unsigned k = 0; k < 8; k++) {
		unsigned pa = (g_pat >> (8 * k)) & 0xff;
		if (pa > 7 || pa == 2 || pa == 3)
			return false;
	}
	return true;
}

/* APM "Nested Paging and VMRUN/#VMEXIT": with nested paging the guest
 * runs on its own PAT (G_PAT), loaded by VMRUN and saved by #VMEXIT, which
 * restores the host's */
static void gpat_vmrun(struct cpu *c)
{
	if (!c->stage2_on)
		return;
	c->svm.host.g_pat = c->msr.pat;
	svm_phys_read(c, c->svm.vmcb_pa + VMCB_OFF_g_pat, &c->msr.pat, 8);
}

static void gpat_vmexit(struct cpu *c)
{
	if (!c->stage2_on)
		return;
	svm_phys_write(c, c->svm.vmcb_pa + VMCB_OFF_g_pat, &c->msr.pat, 8);
	c->msr.pat = c->svm.host.g_pat;
}

/* --- ASIDs and the TLB --- */

/* The TLB tag's context bits hold 15 bits of ASID below bit 63 (bit 63
 * keeps ASIDs apart from VMX's VPIDs below 8000h). ASIDs from SVM_ASID_MAX
 * up, beyond any number of ASIDs CPUID 8000_000Ah offers, share the last
 * context, which is flushed at every VMRUN with one of them: their
 * translations are not kept across VMRUNs (a TLB may always hold less). */
#define SVM_ASID_MAX 0x7fffu

static u64 asid_ctx(u32 asid)
{
	if (asid == 0)
		return 0; /* the host's */
	return BIT(63) | ((u64)(asid < SVM_ASID_MAX ? asid : SVM_ASID_MAX) << TLB_CTX_SHIFT);
}

u64 svm_tlb_ctx(const struct cpu *c)
{
	return svm_guest(c) ? asid_ctx(c->svm.ctl.guest_asid) : 0;
}

/* APM "TLB Flush": TLB_CONTROL at VMRUN: 00h nothing, 01h the entire TLB
 * (every ASID, global entries too), 03h this guest's entries, 07h this
 * guest's non-global entries; 03h and 07h need FlushByAsid (CPUID
 * 8000_000Ah EDX[6]). A reserved encoding (or 03h/07h without
 * FlushByAsid) flushes everything: flushing more than asked is always
 * allowed. */
static void tlb_control(struct cpu *c)
{
	u8 tc = c->svm.ctl.tlb_control;
	bool by_asid = cpu_has(c->model, FEAT_flushbyasid);

	if (c->svm.ctl.guest_asid >= SVM_ASID_MAX)
		tlb_flush_ctx(c, c->tlb_ctx, false);
	if (tc == TLB_CONTROL_NOTHING)
		return;
	if (tc == TLB_CONTROL_FLUSH_ASID && by_asid)
		tlb_flush_ctx(c, c->tlb_ctx, false);
	else if (tc == TLB_CONTROL_FLUSH_ASID_LOCAL && by_asid)
		tlb_flush_ctx(c, c->tlb_ctx, true);
	else
		tlb_flush_all(c);
}

/* APM "Invalidate Page, Alternate ASID": "invalidates the TLB mapping for
 * a given virtual page and a given ASID" */
void svm_invlpga(struct cpu *c, u64 va, u32 asid)
{
	tlb_flush_page_ctx(c, va, asid_ctx(asid));
}

/* --- VMRUN and #VMEXIT --- */

void svm_npti_vmrun(struct cpu *c)
{
	/* APM "TLB Control": the guest's translations are its ASID's; the
	 * host's (ASID 0) stay in the TLB */
	c->tlb_ctx = svm_tlb_ctx(c);
	cpu_update_fetch_key(c);
	tlb_control(c);
	svm_npt_update(c);
	gpat_vmrun(c);
	svm_intr_vmrun(c);
}

/* (the int_ctl and int_state write-back, svm/intr.c, at the VMCB's
 * offsets in guest memory) */
static void writeback(struct cpu *c, unsigned off, u64 (*fn)(const struct cpu *, u64))
{
	u64 v;
	svm_phys_read(c, c->svm.vmcb_pa + off, &v, 8);
	v = fn(c, v);
	svm_phys_write(c, c->svm.vmcb_pa + off, &v, 8);
}

void svm_npti_vmexit(struct cpu *c)
{
	writeback(c, VMCB_OFF_int_ctl, svm_intctl_writeback);
	writeback(c, VMCB_OFF_int_state, svm_intstate_writeback);
	gpat_vmexit(c);
	c->stage2_on = 0;
	c->tlb_ctx = 0;
	cpu_update_fetch_key(c);
}
