/* svm/insn.c: the SVM instructions (AMD APM Vol.3 "VMRUN", "VMLOAD",
 * "VMSAVE", "VMMCALL", "STGI", "CLGI", "INVLPGA", "SKINIT"; Vol.2 "Secure
 * Virtual Machine").
 *
 * Each handler follows its instruction's pseudocode, in its order:
 *   1. #UD: EFER.SVME = 0 or not in protected mode (real mode);
 *   2. #GP(0) at CPL > 0;
 *   3. #GP(0) when rAX is not a 4 KiB-aligned physical address below
 *      MAXPHYADDR (VMRUN, VMLOAD, VMSAVE);
 *   4. in guest mode, the instruction's intercept (#VMEXIT);
 *   5. the operation.
 * Nothing changes before the step that can fail has passed. */
#include "base/log.h"
#include "cpu/arch.h"
#include "cpu/decode/insn.h"
#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "cpu/step.h"
#include "svm/svm_internal.h"

/* steps 1 and 2 */
static void svm_insn_allowed(struct cpu *c)
{
	if (!(c->efer & EFER_SVME) || !(c->cr0 & CR0_PE))
		cpu_ud(c);
	if (c->cpl != 0)
		cpu_gp0(c);
}

/* step 3: rAX (its width the address size) as a VMCB address */
static u64 svm_rax_pa(struct cpu *c, const struct insn *i)
{
	u64 pa = reg_read(c, RAX, i->asize);

	if ((pa & 0xfff) || (pa >> cpu_maxphyaddr(c)))
		cpu_gp0(c);
	return pa;
}

void exec_vmrun(struct cpu *c, const struct insn *i)
{
	svm_insn_allowed(c);
	u64 pa = svm_rax_pa(c, i);
	SVM_EXIT_IF(c, i, VMRUN, VMRUN, 0);
	/* nestbox runs one level of guests: L2's VMRUN always exits (the
	 * VMRUN intercept is a consistency check), so here c is L1 */
	svm_vmrun(c, i, pa);
}

/* "Canonicalization and Consistency Checks": "VMRUN canonicalizes (i.e.,
 * sign-extend to bit 63) all base addresses in the segment registers that
 * have been loaded" -- which processors (and the public SVM test suites)
 * do for the segments VMLOAD loads, FS, GS, TR and LDTR; the bases VMRUN
 * loads from the state-save area (ES, CS, SS, DS) are kept as given. The
 * width is the linear-address width CPUID 8000_0008 reports. */
static u64 canonical_addr(const struct cpu *c, u64 a)
{
	unsigned bits = c->model && c->model->lin_addr_bits ? c->model->lin_addr_bits : 48;
	return (u64)((i64)(a << (64 - bits)) >> (64 - bits));
}

static void canonicalize_base(const struct cpu *c, struct seg_cache *s)
{
	s->base = canonical_addr(c, s->base);
}

/* APM "VMSAVE and VMLOAD Virtualization" (CPUID Fn8000_000A_EDX[15],
 * VMCB 0B8h bit 1): in guest mode with nested paging on, a VMLOAD or
 * VMSAVE that is not intercepted takes rAX as a guest-physical address
 * and translates it through the nested page tables (a refusal is a
 * #VMEXIT(NPF) for that final address). Otherwise rAX is a system-physical
 * address -- for an L2, an address in L1's memory. */
static u64 vmcb_pa_for(struct cpu *c, u64 pa, unsigned acc)
{
	if (svm_guest(c) && c->stage2_on && (c->svm.ctl.virt_ext & VIRT_EXT_VMSAVE_VMLOAD) &&
	    c->model && cpu_has(c->model, FEAT_v_vmsave_vmload))
		return cpu_gpa_translate(c, pa, acc, true);
	return pa;
}

/* APM "VMLOAD"/"VMSAVE": FS, GS, TR and LDTR with their hidden state,
 * KernelGsBase, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP */
void exec_vmload(struct cpu *c, const struct insn *i)
{
	struct vmcb_save s;

	svm_insn_allowed(c);
	u64 pa = svm_rax_pa(c, i);
	SVM_EXIT_IF(c, i, VMLOAD, VMLOAD, 0);
	pa = vmcb_pa_for(c, pa, ACC_R);
	svm_phys_read(c, pa + VMCB_SAVE_OFFSET, &s, sizeof(s));
	svm_seg_from_vmcb(&c->seg[SEG_FS], &s.fs);
	svm_seg_from_vmcb(&c->seg[SEG_GS], &s.gs);
	svm_seg_from_vmcb(&c->seg[SEG_TR], &s.tr);
	svm_seg_from_vmcb(&c->seg[SEG_LDTR], &s.ldtr);
	for (unsigned r = SEG_FS; r <= SEG_TR; r++) /* FS, GS, LDTR, TR */
		canonicalize_base(c, &c->seg[r]);
	/* KernelGsBase is GS's other base (SWAPGS exchanges them): VMLOAD
	 * canonicalizes it as it does GS.base (a WRMSR of a noncanonical
	 * value would #GP; VMLOAD does not fault on the VMCB's values) */
	c->msr.kernel_gs_base = canonical_addr(c, s.kernel_gs_base);
	c->msr.star = s.star;
	c->msr.lstar = s.lstar;
	c->msr.cstar = s.cstar;
	c->msr.sfmask = s.sfmask;
	c->msr.sysenter_cs = s.sysenter_cs;
	c->msr.sysenter_esp = s.sysenter_esp;
	c->msr.sysenter_eip = s.sysenter_eip;
}

void exec_vmsave(struct cpu *c, const struct insn *i)
{
	struct vmcb_save s;

	svm_insn_allowed(c);
	u64 pa = svm_rax_pa(c, i);
	SVM_EXIT_IF(c, i, VMSAVE, VMSAVE, 0);
	pa = vmcb_pa_for(c, pa, ACC_W);
	svm_phys_read(c, pa + VMCB_SAVE_OFFSET, &s, sizeof(s));
	svm_seg_to_vmcb(&c->seg[SEG_FS], &s.fs);
	svm_seg_to_vmcb(&c->seg[SEG_GS], &s.gs);
	svm_seg_to_vmcb(&c->seg[SEG_TR], &s.tr);
	svm_seg_to_vmcb(&c->seg[SEG_LDTR], &s.ldtr);
	s.kernel_gs_base = c->msr.kernel_gs_base;
	s.star = c->msr.star;
	s.lstar = c->msr.lstar;
	s.cstar = c->msr.cstar;
	s.sfmask = c->msr.sfmask;
	s.sysenter_cs = c->msr.sysenter_cs;
	s.sysenter_esp = c->msr.sysenter_esp;
	s.sysenter_eip = c->msr.sysenter_eip;
	svm_phys_write(c, pa + VMCB_SAVE_OFFSET, &s, sizeof(s));
}

/* APM "VMMCALL": "If the VMMCALL instruction is not intercepted, the
 * instruction raises a #UD exception." It is not privileged and does not
 * need EFER.SVME. */
void exec_vmmcall(struct cpu *c, const struct insn *i)
{
	SVM_EXIT_IF(c, i, VMMCALL, VMMCALL, 0);
	cpu_ud(c);
}

/* APM "Global Interrupt Flag, STGI and CLGI Instructions" */
void exec_stgi(struct cpu *c, const struct insn *i)
{
	svm_insn_allowed(c);
	SVM_EXIT_IF(c, i, STGI, STGI, 0);
	if (svm_vgif_write(c, true)) /* NPTI: vGIF in guest mode */
		return;
	c->svm.gif = 1;
	cpu_kick(c); /* events held off by GIF = 0 may be taken now */
}

void exec_clgi(struct cpu *c, const struct insn *i)
{
	svm_insn_allowed(c);
	SVM_EXIT_IF(c, i, CLGI, CLGI, 0);
	if (svm_vgif_write(c, false)) /* NPTI: vGIF in guest mode */
		return;
	c->svm.gif = 0;
}

/* APM "INVLPGA": invalidates the mapping of the virtual address in rAX
 * (its width the address size) for the ASID in ECX (svm/npt.c) */
void exec_invlpga(struct cpu *c, const struct insn *i)
{
	svm_insn_allowed(c);
	/* APM "Decode Assists": EXITINFO1 = the linear address (rAX) */
	SVM_EXIT_IF(c, i, INVLPGA, INVLPGA, svm_decode_assists(c) ? reg_read(c, RAX, i->asize) : 0);
	svm_invlpga(c, reg_read(c, RAX, i->asize), (u32)c->gpr[RCX]);
}

/* APM "SKINIT": intercept only. The secure-init operation (the SLB, the
 * DEV, the TPM) is not implemented and CPUID does not advertise SKINIT;
 * an SKINIT that is not intercepted raises #UD (docs/known-gaps.md). */
void exec_skinit(struct cpu *c, const struct insn *i)
{
	svm_insn_allowed(c);
	SVM_EXIT_IF(c, i, SKINIT, SKINIT, 0);
	cpu_ud(c);
}
