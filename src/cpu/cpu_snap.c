/* cpu/cpu_snap.c: the snapshot description of a vCPU (struct cpu and its
 * sub-structs), its check and its loaded hook.
 *
 * Every member has a row, in member order: saved (architectural state: what
 * two CPUs must agree on to run alike) or derived (caches, scratch and
 * wiring, with what rebuilds it). The check refuses a state no CPU can be
 * in, naming the member: only states that nestbox itself can never reach
 * (every rule is also enforced where the state is written: MOV to CR,
 * WRMSR, XSETBV, RSM ...), so that any state a run can be saved in loads
 * again, and any state that loads is safe to run. */
#include "cpu/cpu_snap.h"
#include "vmx/vmx.h"
#include "vmx/vmx_snap.h"
#include "svm/svm_snap.h"
#include "svm/svm.h"

#include <stdarg.h>
#include <stdio.h>

#include "cpu/system/debug.h"
#include "cpu/decode/decode.h"
#include "cpu/system/exec_sys.h"
#include "cpu/memory/mmu.h"
#include "cpu/memory/walk.h"
#include "cpu/system/msr.h"
#include "cpu/system/pmu.h"

/* --- struct seg_cache --- */
/* access rights in the VMX layout: type, S, DPL, P (7:0), AVL, L, D/B, G
 * (15:12) and "unusable" (16); descriptor loads and RSM keep only those */
#define AR_DEFINED ((u32)(0xf0ffu | AR_UNUSABLE))

static const char *seg_cache_check(const void *s, char *msg, size_t len)
{
	const struct seg_cache *sc = s;

	if (sc->ar & ~AR_DEFINED)
		return snap_reject(msg, len, "ar", "%#x has bits no descriptor load sets (%#x)", sc->ar,
			   sc->ar & ~AR_DEFINED);
	return NULL;
}

static const struct snap_field seg_cache_fields[] = {
	SNAP_U16(struct seg_cache, sel),
	SNAP_U32(struct seg_cache, limit),
	SNAP_U64(struct seg_cache, base),
	SNAP_U32(struct seg_cache, ar),
};
SNAP_DESC(seg_cache, 1, seg_cache_fields, seg_cache_check, NULL);

/* --- struct dtr: the GDTR and IDTR limits are 16-bit registers --- */
static const struct snap_field dtr_fields[] = {
	SNAP_U64(struct dtr, base),
	SNAP_U32_MAX(struct dtr, limit, 0xffff),
};
SNAP_DESC(dtr, 1, dtr_fields, NULL, NULL);

/* --- struct lazy_flags (cpu/exec/flags.h) ---
 * The four bytes are saved one by one, with their own limits; `meta` is
 * the same four bytes seen as one word (flags_lazy stores them at once). */
static const char *lazy_flags_check(const void *s, char *msg, size_t len)
{
	const struct lazy_flags *lf = s;

	/* flags_lazy records the operand size of an instruction: the flags
	 * code shifts by it */
	if (lf->op != LAZY_NONE && lf->size != 1 && lf->size != 2 && lf->size != 4 &&
	    lf->size != 8)
		return snap_reject(msg, len, "size", "%u bytes is no operand size", lf->size);
	if (lf->unused)
		return snap_reject(msg, len, "unused", "%#x: flags_lazy always stores 0", lf->unused);
	return NULL;
}

static const struct snap_field lazy_flags_fields[] = {
	SNAP_U64(struct lazy_flags, res),
	SNAP_U64(struct lazy_flags, src1),
	SNAP_U64(struct lazy_flags, src2),
	SNAP_U8_MAX(struct lazy_flags, op, LAZY_SHIFT),
	SNAP_U8_MAX(struct lazy_flags, size, 8),
	SNAP_U8_MAX(struct lazy_flags, cf_in, 1),
	SNAP_U8(struct lazy_flags, unused),
	SNAP_ALIAS(struct lazy_flags, meta, "op"),
};
SNAP_DESC(lazy_flags, 1, lazy_flags_fields, lazy_flags_check, NULL);

/* --- struct fpu (cpu/fpu/fpu_state.h) --- */
static const struct snap_field f80_fields[] = {
	SNAP_U64(struct f80, mant),
	SNAP_U16(struct f80, se),
};
SNAP_DESC(f80, 1, f80_fields, NULL, NULL);

static const char *fpu_check(const void *s, char *msg, size_t len)
{
	const struct fpu *f = s;

	/* FLDCW, FLDENV, FRSTOR, FXRSTOR, XRSTOR keep FCW_WRITABLE and set
	 * bit 6; FNINIT and RESET leave 0x37f / 0x40 */
	if ((f->fcw & ~FCW_WRITABLE) != FCW_ONES)
		return snap_reject(msg, len, "fcw", "%#x: bits outside %#x set or bit 6 clear", f->fcw,
			   FCW_WRITABLE);
	return NULL;
}

static const struct snap_field fpu_fields[] = {
	SNAP_U16(struct fpu, fcw),
	SNAP_U16(struct fpu, fsw),
	SNAP_U16(struct fpu, ftw),
	SNAP_U16_MAX(struct fpu, fop, 0x7ff), /* "11-bit last opcode" */
	SNAP_U64(struct fpu, fip),
	SNAP_U64(struct fpu, fdp),
	SNAP_U16(struct fpu, fcs),
	SNAP_U16(struct fpu, fds),
	SNAP_STRUCT(struct fpu, st, struct f80, f80_snap),
	/* LDMXCSR/FXRSTOR/XRSTOR #GP on a bit outside MXCSR_MASK */
	SNAP_U32_MAX(struct fpu, mxcsr, MXCSR_MASK_VALUE),
	SNAP_U64(struct fpu, xmm),
};
SNAP_DESC(fpu, 1, fpu_fields, fpu_check, NULL);

/* --- struct msr_state (cpu/system/msr_state.h): the values are checked against
 * the WRMSR handlers by the CPU's check (msr_state_check), which needs the
 * CPU's model --- */
static const struct snap_field msr_state_fields[] = {
	SNAP_U64(struct msr_state, tsc_offset),
	SNAP_U64(struct msr_state, tsc_adjust),
	SNAP_U64(struct msr_state, sysenter_cs),
	SNAP_U64(struct msr_state, sysenter_esp),
	SNAP_U64(struct msr_state, sysenter_eip),
	SNAP_U64(struct msr_state, star),
	SNAP_U64(struct msr_state, lstar),
	SNAP_U64(struct msr_state, cstar),
	SNAP_U64(struct msr_state, sfmask),
	SNAP_U64(struct msr_state, kernel_gs_base),
	SNAP_U64(struct msr_state, tsc_aux),
	SNAP_U64(struct msr_state, pat),
	SNAP_U64(struct msr_state, misc_enable),
	SNAP_U64(struct msr_state, debugctl),
	SNAP_U64(struct msr_state, lbr_from),
	SNAP_U64(struct msr_state, lbr_to),
	SNAP_U64(struct msr_state, ler_from),
	SNAP_U64(struct msr_state, ler_to),
	SNAP_U64(struct msr_state, mtrr_def_type),
	SNAP_U64(struct msr_state, mtrr_fixed),
	SNAP_U64(struct msr_state, mtrr_var),
	SNAP_U64(struct msr_state, spec_ctrl),
	SNAP_U64(struct msr_state, feature_control),
	SNAP_U64(struct msr_state, mcg_status),
	SNAP_U64(struct msr_state, xss),
	SNAP_U64(struct msr_state, mcg_ctl),
	SNAP_U64(struct msr_state, pkrs),
	SNAP_U32(struct msr_state, pkru),
	SNAP_U64(struct msr_state, syscfg),
	SNAP_U64(struct msr_state, nb_cfg),
	SNAP_U64(struct msr_state, hv_guest_os_id),
	SNAP_U64(struct msr_state, hv_hypercall),
	SNAP_U64(struct msr_state, hv_vp_assist),
};
SNAP_DESC(msr_state, 4, msr_state_fields, NULL, NULL);

/* --- struct pmu_state (cpu/system/pmu_state.h): checked by the CPU's
 * check (pmu_state_check needs the model) --- */
static const struct snap_field pmu_state_fields[] = {
	SNAP_U64(struct pmu_state, evtsel),
	SNAP_U64(struct pmu_state, ctr),
	SNAP_U64(struct pmu_state, base),
	SNAP_U64(struct pmu_state, base_retired),
	SNAP_U64(struct pmu_state, base_branches),
	SNAP_U64(struct pmu_state, fixed_ctrl),
	SNAP_U64(struct pmu_state, global_ctrl),
	SNAP_U64(struct pmu_state, global_status),
	SNAP_U8_MAX(struct pmu_state, cpl, 3),
	SNAP_TIMER(struct pmu_state, timer),
};
SNAP_DESC(pmu_state, 2, pmu_state_fields, NULL, NULL);

/* what a pending #DB trap can report (cpu/system/debug.c): breakpoint hits,
 * BD/BS/BT, and the marker that suppresses the single-step trap */
#define PENDING_DR6_DEFINED (0xfull | DR6_BD | DR6_BS | DR6_BT | DBG_NO_SINGLE_STEP)

/* --- struct smm_state (cpu/system/smm.h) --- */
static const char *smm_state_check(const void *s, char *msg, size_t len)
{
	const struct smm_state *sm = s;

	if (sm->pending_dr6 & ~PENDING_DR6_DEFINED)
		return snap_reject(msg, len, "pending_dr6", "%#llx: bits no debug condition reports",
			   (unsigned long long)sm->pending_dr6);
	return NULL;
}

static const struct snap_field smm_state_fields[] = {
	SNAP_U8_MAX(struct smm_state, in_smm, 1),
	SNAP_U8_MAX(struct smm_state, nmi_blocked, 1),
	SNAP_U8_MAX(struct smm_state, shadow, SHADOW_STI | SHADOW_MOVSS),
	SNAP_U8_MAX(struct smm_state, pending_db, 1),
	SNAP_U8_MAX(struct smm_state, from_hlt, 1),
	SNAP_U64(struct smm_state, pending_dr6),
	SNAP_U32(struct smm_state, smbase_delta),
	SNAP_U64(struct smm_state, smi_count),
};
SNAP_DESC(smm_state, 1, smm_state_fields, smm_state_check, NULL);

/* --- struct cpu --- */

/* the CPU would be in 64-bit mode (cpu_update_mode's rule, from the saved
 * members only: c->mode is derived) */
static bool state_long64(const struct cpu *c)
{
	return (c->cr0 & CR0_PE) && !(c->rflags & RFLAGS_VM) && (c->efer & EFER_LMA) &&
	       (c->seg[SEG_CS].ar & AR_L);
}

/* SDM Vol.3A "Control Registers", "Initializing IA-32e Mode", "Debug
 * Registers", Vol.1 "EFLAGS Register", "Enabling the XSAVE Feature Set".
 * Not refused, because nestbox reaches them and they are safe to run: a
 * non-canonical RIP in 64-bit mode just past the last canonical byte of
 * the lower half (sequential execution falls through to it, at most 14
 * bytes past: the instruction there is at most 15 bytes long; the next
 * fetch raises #GP) -- any other non-canonical RIP cannot be reached
 * (branches check their target, RSM shuts down on one) and is refused --
 * and any segment base, limit or RFLAGS.VM combination an RSM image can
 * load. */
static const char *cpu_check(const void *s, char *msg, size_t len)
{
	const struct cpu *c = s;
	bool lma = (c->efer & EFER_LMA) != 0;
	bool pg = (c->cr0 & CR0_PG) != 0;
	u64 v;

	if (c->cr0 & ~CR0_DEFINED)
		return snap_reject(msg, len, "cr0", "reserved bits %#llx set",
			   (unsigned long long)(c->cr0 & ~CR0_DEFINED));
	if (!(c->cr0 & CR0_ET))
		return snap_reject(msg, len, "cr0", "ET clear: it is hardwired to 1");
	/* "setting the PG flag to 1 when the PE flag is set to 0, or setting
	 * the CD flag to 0 when the NW flag is set to 1" (MOV to CR0 #GP) */
	if (pg && !(c->cr0 & CR0_PE))
		return snap_reject(msg, len, "cr0", "PG=1 with PE=0");
	if ((c->cr0 & CR0_NW) && !(c->cr0 & CR0_CD))
		return snap_reject(msg, len, "cr0", "NW=1 with CD=0");
	v = c->cr4 & ~sys_cr4_valid(c);
	if (v)
		return snap_reject(msg, len, "cr4", "bits %#llx are reserved on this model",
			   (unsigned long long)v);
	v = c->efer & ~msr_efer_writable(c);
	if (v)
		return snap_reject(msg, len, "efer", "bits %#llx are reserved on this model",
			   (unsigned long long)v);
	/* "Initializing IA-32e Mode": setting CR0.PG with LME=1 sets LMA,
	 * clearing it clears LMA; LME cannot change while PG=1 */
	if (lma != (pg && (c->efer & EFER_LME)))
		return snap_reject(msg, len, "efer", "LMA=%d with CR0.PG=%d and LME=%d", lma, pg,
			   (c->efer & EFER_LME) != 0);
	/* paging cannot be enabled with LME=1 and PAE=0, nor PAE cleared in
	 * IA-32e mode; PCIDE can only be set in IA-32e mode, which cannot be
	 * left while it is set */
	if (lma && !(c->cr4 & CR4_PAE))
		return snap_reject(msg, len, "cr4", "PAE=0 in IA-32e mode");
	if ((c->cr4 & CR4_PCIDE) && !lma)
		return snap_reject(msg, len, "cr4", "PCIDE=1 outside IA-32e mode");
	v = c->cr3 & sys_phys_reserved(c);
	if (v)
		return snap_reject(msg, len, "cr3", "bits %#llx at or above MAXPHYADDR (%u) set",
			   (unsigned long long)v, cpu_maxphyaddr(c));
	/* a load refuses a present PDPTE with a reserved bit set */
	for (unsigned k = 0; k < 4; k++)
		if (pae_pdpte_invalid(c->pdpte[k], cpu_maxphyaddr(c)))
			return snap_reject(msg, len, "pdpte", "PDPTE%u %#llx: reserved bits set", k,
					   (unsigned long long)c->pdpte[k]);
	if (!sys_xcr0_valid(c, c->xcr0))
		return snap_reject(msg, len, "xcr0", "%#llx: XSETBV refuses it",
			   (unsigned long long)c->xcr0);
	if ((c->rflags & RFLAGS_RESERVED) || !(c->rflags & RFLAGS_FIXED))
		return snap_reject(msg, len, "rflags", "%#llx: reserved bits set or bit 1 clear",
			   (unsigned long long)c->rflags);
	/* outside 64-bit mode the instruction pointer is 32 bits wide (the
	 * step loop masks it, far transfers and RSM load 32 bits) */
	if (!state_long64(c) && (c->rip >> 32))
		return snap_reject(msg, len, "rip", "%#llx is wider than 32 bits outside 64-bit mode",
			   (unsigned long long)c->rip);
	for (unsigned i = 0; i < TLB_SIZE; i++) {
		if (c->tlb[i].tag && (((c->tlb[i].tag & TLB_TAG_PAGE_MASK) - 1) & (TLB_SIZE - 1)) != i)
			return snap_reject(msg, len, "tlb", "entry %u holds a page that belongs in entry %u", i,
				   (unsigned)(((c->tlb[i].tag & TLB_TAG_PAGE_MASK) - 1) & (TLB_SIZE - 1)));
	}
	if (state_long64(c) && !cpu_canonical(c, c->rip)) {
		u64 edge = 1ull << ((c->cr4 & CR4_LA57) ? 56 : 47);
		if (c->rip - edge > 14)
			return snap_reject(msg, len, "rip", "%#llx is not canonical in 64-bit mode",
				   (unsigned long long)c->rip);
	}
	/* MOV to DR6/DR7 #GP on bits 63:32; the fixed bits always read 1 */
	if ((c->dr[6] >> 32) || (c->dr[6] & DR6_FIXED1) != DR6_FIXED1)
		return snap_reject(msg, len, "dr[6]", "%#llx: bits 63:32 set or a fixed bit clear",
			   (unsigned long long)c->dr[6]);
	if ((c->dr[7] >> 32) || !(c->dr[7] & DR7_FIXED1))
		return snap_reject(msg, len, "dr[7]", "%#llx: bits 63:32 set or bit 10 clear",
			   (unsigned long long)c->dr[7]);
	if (c->pending_dr6 & ~PENDING_DR6_DEFINED)
		return snap_reject(msg, len, "pending_dr6", "%#llx: bits no debug condition reports",
			   (unsigned long long)c->pending_dr6);
	/* DR4 and DR5 are names of DR6 and DR7: their slots are never written */
	if (c->dr[4] || c->dr[5])
		return snap_reject(msg, len, c->dr[4] ? "dr[4]" : "dr[5]", "DR4/DR5 alias DR6/DR7");
	const char *bad = msr_state_check(c, msg, len);
	return bad ? bad : pmu_state_check(c, msg, len);
}

/* A TLB entry: what the walk that filled it found. A valid entry (tag not
 * 0) sits at the index its linear page selects, holds a page-aligned
 * guest-physical address below MAXPHYADDR's architectural limit, and a
 * page size paging can give (4 KiB, 2 MiB, 4 MiB with PSE, 1 GiB). */
static const char *tlb_entry_check(const void *s, char *msg, size_t len)
{
	const struct tlb_entry *e = s;

	if (!e->tag)
		return NULL;
	if (e->gpa & (0xfffull | ~((1ull << 52) - 1)))
		return snap_reject(msg, len, "gpa", "%#llx is not a page address",
			   (unsigned long long)e->gpa);
	if (e->pshift != 12 && e->pshift != 21 && e->pshift != 22 && e->pshift != 30)
		return snap_reject(msg, len, "pshift", "%u is not a page size paging gives", e->pshift);
	return NULL;
}

static const struct snap_field tlb_entry_fields[] = {
	SNAP_U64(struct tlb_entry, tag),
	SNAP_U64(struct tlb_entry, gpa),
	SNAP_DERIVED(struct tlb_entry, host, "gpa: the host address of the RAM page, or NULL"),
	SNAP_U16_MAX(struct tlb_entry, pcid, 0xfff),
	SNAP_U8_MAX(struct tlb_entry, perm, 0x3f),
	SNAP_U8_MAX(struct tlb_entry, global, 1),
	SNAP_U8_MAX(struct tlb_entry, pshift, 30),
};
SNAP_DESC(tlb_entry, 1, tlb_entry_fields, tlb_entry_check, NULL);

static const struct snap_field cpu_fields[] = {
	/* state */
	SNAP_U64(struct cpu, gpr),
	SNAP_U64(struct cpu, rip),
	SNAP_U64(struct cpu, rflags),
	SNAP_STRUCT(struct cpu, lf, struct lazy_flags, lazy_flags_snap),
	SNAP_U64(struct cpu, icount),
	SNAP_U64(struct cpu, rep_extra),
	SNAP_U64(struct cpu, branches),
	SNAP_U8_MAX(struct cpu, shadow, SHADOW_STI | SHADOW_MOVSS),
	SNAP_U8_MAX(struct cpu, activity, ACT_WAIT_SIPI),
	SNAP_U8_MAX(struct cpu, nmi_pending, 1),
	SNAP_U8_MAX(struct cpu, nmi_blocked, 1),
	SNAP_U8_MAX(struct cpu, smi_pending, 1),
	SNAP_U8_MAX(struct cpu, init_pending, 1),
	SNAP_U8_MAX(struct cpu, sipi_pending, 1),
	SNAP_U8(struct cpu, sipi_vector),
	SNAP_U8_MAX(struct cpu, pending_db, 1),
	SNAP_U8_MAX(struct cpu, tpr, 0xf), /* MOV to CR8 #GP on bits 63:4 */
	SNAP_U64(struct cpu, pending_dr6),
	SNAP_STRUCT(struct cpu, seg, struct seg_cache, seg_cache_snap),
	SNAP_STRUCT(struct cpu, gdtr, struct dtr, dtr_snap),
	SNAP_STRUCT(struct cpu, idtr, struct dtr, dtr_snap),
	SNAP_U64(struct cpu, cr0),
	SNAP_U64(struct cpu, cr2),
	SNAP_U64(struct cpu, cr3),
	SNAP_U64(struct cpu, cr4),
	SNAP_U64(struct cpu, efer),
	SNAP_U64(struct cpu, xcr0),
	SNAP_U64(struct cpu, pdpte),
	SNAP_U64(struct cpu, dr),
	SNAP_STRUCT(struct cpu, fpu, struct fpu, fpu_snap),
	SNAP_STRUCT(struct cpu, msr, struct msr_state, msr_state_snap),
	SNAP_STRUCT(struct cpu, pmu, struct pmu_state, pmu_state_snap),
	SNAP_STRUCT(struct cpu, smm, struct smm_state, smm_state_snap),
	SNAP_U64(struct cpu, rng_state),
	SNAP_STRUCT(struct cpu, vmx, struct vmx_state, vmx_state_snap),
	SNAP_STRUCT(struct cpu, svm, struct svm_state, svm_state_snap),
	SNAP_STRUCT(struct cpu, tlb, struct tlb_entry, tlb_entry_snap),
	/* derived */
	SNAP_DERIVED(struct cpu, next_rip, "rip: the two are equal between instructions"),
	SNAP_DERIVED(struct cpu, deadline, "0: the machine sets it when the vCPU's turn runs"),
	SNAP_DERIVED(struct cpu, turn_end, "0: cpu_run sets it from deadline"),
	SNAP_DERIVED(struct cpu, mode, "CR0.PE, RFLAGS.VM, EFER.LMA, CS.L/D (cpu_update_mode)"),
	SNAP_DERIVED(struct cpu, cpl, "SS.DPL, or 0 in real and 3 in virtual-8086 mode"),
	SNAP_DERIVED(struct cpu, single, "0: set only while step_slow runs one instruction"),
	SNAP_DERIVED(struct cpu, shadow_insn, "0: set only while step_slow runs one instruction"),
	SNAP_DERIVED(struct cpu, irq_hint, "1: the APIC is asked at the first boundary, as "
					   "after every cpu_run"),
	SNAP_DERIVED(struct cpu, in_event, "0: nonzero only inside cpu_deliver and the fault "
					   "unwinding it starts"),
	SNAP_DERIVED(struct cpu, first_vector, "0: read only while in_event is nonzero"),
	SNAP_DERIVED(struct cpu, first_has_err, "0: read only while in_event is nonzero"),
	SNAP_DERIVED(struct cpu, first_error, "0: read only while in_event is nonzero"),
	SNAP_DERIVED(struct cpu, fault_vector, "0: cpu_fault's message to the step loop"),
	SNAP_DERIVED(struct cpu, fault_has_error, "0: cpu_fault's message to the step loop"),
	SNAP_DERIVED(struct cpu, fault_error, "0: cpu_fault's message to the step loop"),
	SNAP_DERIVED(struct cpu, unwind, "NULL: a host stack frame of cpu_run/cpu_step"),
	SNAP_DERIVED(struct cpu, tlb_epoch, "bumped on load: the jump cache starts empty"),
	SNAP_DERIVED(struct cpu, fetch_key, "tlb_epoch, mode, CPL and tlb_ctx (cpu_update_fetch_key)"),
	SNAP_DERIVED(struct cpu, tlb_ctx, "the VMX or SVM state: the VPID in non-root operation with \"enable VPID\", the ASID in guest mode (cpu_tlb_ctx)"),
	SNAP_DERIVED(struct cpu, stage2_on, "the VMX or SVM state: non-root operation with \"enable EPT\" (vmx_stage2_update), guest mode with NP_ENABLE (svm_npt_update)"),
	SNAP_DERIVED(struct cpu, stage2, "the VMX or SVM state: the EPTP of the current VMCS (vmx_stage2_update), N_CR3 and the host paging mode VMRUN saved (svm_npt_update)"),
	SNAP_DERIVED(struct cpu, icache, "dropped: blocks are decoded again from guest memory"),
	SNAP_DERIVED(struct cpu, machine, "wiring: the machine the vCPU is part of"),
	SNAP_DERIVED(struct cpu, model, "wiring: the machine's -cpu model"),
	SNAP_DERIVED(struct cpu, apic, "wiring: the vCPU's local APIC (section cpuN.lapic)"),
	SNAP_DERIVED(struct cpu, apic_ops, "wiring: dev/lapic.c's operations"),
	SNAP_DERIVED(struct cpu, index, "wiring: N of the section name cpuN"),
};

static void cpu_loaded(void *s)
{
	cpu_state_loaded(s);
}

SNAP_DESC(cpu, 4, cpu_fields, cpu_check, cpu_loaded);

void cpu_state_loaded(struct cpu *c)
{
	c->next_rip = c->rip;
	c->deadline = c->turn_end = 0;
	c->single = 0;
	c->irq_hint = 1;
	c->in_event = c->first_vector = c->first_has_err = 0;
	c->first_error = 0;
	c->fault_vector = c->fault_has_error = 0;
	c->fault_error = 0;
	c->unwind = NULL;
	icache_drop(c);
	c->tlb_ctx = cpu_tlb_ctx(c);
	vmx_stage2_update(c);
	svm_npt_update(c);
	tlb_rebuild_host(c); /* bumps tlb_epoch */
	cpu_update_mode(c);  /* mode, CPL and the fetch key */
}
