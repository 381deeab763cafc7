/* cpu/memory/mmu.c: the page walker and TLB (SDM Vol.3A "Paging"). */
#include "cpu/memory/mmu.h"

#include "cpu/decode/decode.h"

#include <string.h>

#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/walk.h"
#include "cpu/model.h"
#include "cpu/system/pkeys.h"
#include "debug/hook.h"
#include "machine/machine.h"
#include "svm/svm.h"
#include "vmx/vmx.h"

/* the guest's own paging as a walker (SDM "Paging Modes and Control
 * Bits"), its entries through the second stage when one is in force */
static void guest_walker(const struct cpu *c, struct pt_walker *w)
{
	memset(w, 0, sizeof(*w));
	w->fmt = PT_X86;
	w->levels = !(c->cr4 & CR4_PAE) ? 2 : !(c->efer & EFER_LMA) ? 3 : (c->cr4 & CR4_LA57) ? 5 : 4;
	w->maxphyaddr = (u8)cpu_maxphyaddr(c);
	w->nxe = (c->efer & EFER_NXE) && (c->cr4 & CR4_PAE);
	w->pse = (c->cr4 & CR4_PSE) != 0;
	w->page1g = cpu_has(c->model, FEAT_pdpe1gb) && (c->efer & EFER_LMA);
	w->root = c->cr3;
	w->stage2 = c->stage2_on ? &c->stage2.w : NULL;
	/* PAE: the PDPTE registers (SDM "PDPTE Registers"), except in SVM
	 * guest mode: the APM gives VMRUN no PDPTE load, so an SVM guest's
	 * PDPTEs are read at walk time (through the nested tables under
	 * nested paging, as KVM's nested NPT reads them too) */
	if (w->levels == 3 && !svm_guest(c))
		w->pdptes = c->pdpte;
}

/* SDM "Access Rights" and "Page-Fault Exceptions": is this access allowed? */
static bool access_ok(const struct cpu *c, u8 perm, unsigned acc, bool user, bool ac)
{
	bool wp = (c->cr0 & CR0_WP) != 0;
	bool user_all = (perm & PT_U) != 0, write_all = (perm & PT_W) != 0;
	if (acc & ACC_X) {
		if (!(perm & PT_X))
			return false;
		if (user)
			return user_all;
		return !(user_all && (c->cr4 & CR4_SMEP));
	}
	if (user)
		return user_all && (!(acc & ACC_W) || write_all);
	/* supervisor data access; SMAP: explicit accesses with AC=1 are allowed,
	 * implicit supervisor accesses never are */
	if (user_all && (c->cr4 & CR4_SMAP) && ((acc & ACC_SUPER) || !ac))
		return false;
	if (acc & ACC_W)
		return write_all || !wp;
	return true;
}

/* TLB permission bits granted by a walk (AC assumed 0, D required for W) */
static u8 tlb_perm(const struct cpu *c, u8 perm, unsigned pkey, bool dirty)
{
	u8 p = 0;
	static const unsigned kinds[3] = { ACC_R, ACC_W, ACC_X };
	bool user_page = (perm & PT_U) != 0;
	for (int k = 0; k < 3; k++) {
		if (access_ok(c, perm, kinds[k], false, false) &&
		    !pk_denies(c, user_page, pkey, kinds[k], false))
			p |= (u8)(TLBP_R_SUP << k);
		if (access_ok(c, perm, kinds[k], true, false) &&
		    !pk_denies(c, user_page, pkey, kinds[k], true))
			p |= (u8)(TLBP_R_USER << k);
	}
	if (!dirty)
		p &= (u8)~(TLBP_W_SUP | TLBP_W_USER);
	return p;
}

/* SDM "Page-Fault Exceptions": the error code of a failed walk or a
 * denied access */
static u32 pf_error(const struct cpu *c, const struct pt_result *r, unsigned acc, bool user)
{
	/* I/D is reported for fetches when EFER.NXE (with PAE/4-level
	 * paging) or CR4.SMEP is 1 */
	bool fetch_i = (acc & ACC_X) &&
		       (((c->cr4 & CR4_PAE) && (c->efer & EFER_NXE)) || (c->cr4 & CR4_SMEP));
	u32 err = ((acc & ACC_W) ? PFEC_W : 0) | (user ? PFEC_U : 0) | (fetch_i ? PFEC_I : 0);
	if (r->status == PT_RESERVED)
		err |= PFEC_P | PFEC_RSVD;
	else if (r->status == PT_OK)
		err |= PFEC_P;
	return err;
}

/* Does the walk r fail, or not allow the access? Then *err is the #PF
 * error code. SDM "Page-Fault Exceptions": PK is set whenever the
 * protection key forbids the access, whatever else does too. */
static bool walk_denied(const struct cpu *c, const struct pt_result *r, unsigned acc, bool user,
			u32 *err)
{
	if (r->status != PT_OK) {
		*err = pf_error(c, r, acc, user);
		return true;
	}
	bool pk = pk_denies(c, (r->perm & PT_U) != 0, r->pkey, acc, user);
	if (!access_ok(c, r->perm, acc, user, (c->rflags & RFLAGS_AC) != 0) || pk) {
		*err = pf_error(c, r, acc, user) | (pk ? PFEC_PK : 0);
		return true;
	}
	return false;
}

/* A translation the second stage refused: its owner reports it (an EPT
 * violation or misconfiguration); never returns. `final`: the address
 * the linear address translates to, rather than one of the guest's
 * paging-structure entries. */
static noreturn_fn void stage2_refused(struct cpu *c, u64 lin, bool lin_valid, bool final,
				       u64 gpa, u8 status, u8 perm, unsigned acc)
{
	struct stage2_fault f = {
		.gpa = gpa, .lin = lin, .lin_valid = lin_valid, .final = final,
		.status = status, .perm = perm,
		.access = (acc & ACC_X) ? PT_X : (acc & ACC_W) ? PT_W : PT_R,
	};
	c->stage2.fault(c, &f);
}

/* The second stage for an access of kind acc to guest-physical address
 * gpa (the one place a guest-physical address becomes a physical one):
 * returns the physical address; *perm gets what the translation allows
 * (PT_*, W only once the dirty flag is set when the stage keeps one) and
 * *pshift its page size. */
static u64 stage2_translate(struct cpu *c, u64 gpa, unsigned acc, u64 lin, bool lin_valid,
			    bool final, u8 *perm, u8 *pshift)
{
	const struct pt_walker *s2 = &c->stage2.w;
	struct pt_result r;
	pt_walk(c, s2, gpa, false, &r);
	u8 need = (acc & ACC_X) ? PT_X : (acc & ACC_W) ? PT_W : PT_R;
	/* APM "Nested Table Walk": nested paging treats every access as a
	 * user access */
	if (s2->npt)
		need |= PT_U;
	if (r.status != PT_OK || (r.perm & need) != need)
		stage2_refused(c, lin, lin_valid, final, gpa, r.status, r.perm, acc);
	bool write = (acc & ACC_W) != 0;
	pt_set_ad(c, s2, &r, write);
	*perm = r.perm;
	/* (write permission only once the dirty flag is set: EPT with A/D
	 * flags, nested paging always) */
	if ((s2->fmt != PT_EPT || s2->ad) && !r.dirty && !write)
		*perm &= (u8)~PT_W;
	*pshift = r.pshift;
	return r.addr;
}

u64 cpu_gpa_translate(struct cpu *c, u64 gpa, unsigned acc, bool final)
{
	u8 perm, pshift;
	if (!c->stage2_on)
		return gpa;
	return stage2_translate(c, gpa, acc, 0, false, final, &perm, &pshift);
}

bool cpu_gpa_probe(struct cpu *c, u64 gpa, u64 *pa)
{
	struct pt_result r;
	if (!c->stage2_on) {
		*pa = gpa;
		return true;
	}
	pt_walk(c, &c->stage2.w, gpa, true, &r);
	*pa = r.addr;
	u8 need = PT_R | (c->stage2.w.npt ? PT_U : 0);
	return r.status == PT_OK && (r.perm & need) == need;
}

u64 cpu_gpa_read(struct cpu *c, u64 gpa, unsigned size)
{
	return phys_read(&c->machine->mem, cpu_gpa_translate(c, gpa, ACC_R, false), size);
}

bool cpu_pdptes_load(struct cpu *c, u64 cr3)
{
	u64 base = cr3 & 0xffffffe0ull, e[4];

	for (unsigned k = 0; k < 4; k++) {
		e[k] = c->machine ? cpu_gpa_read(c, base + 8 * k, 8) : 0;
		if (pae_pdpte_invalid(e[k], cpu_maxphyaddr(c)))
			return false;
	}
	memcpy(c->pdpte, e, sizeof(e));
	return true;
}

u64 mmu_walk(struct cpu *c, u64 lin, unsigned acc, bool user, bool probe, gpa_t *gpa)
{
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	if (!(c->cr0 & CR0_PG)) {
		*gpa = lin;
		return 0;
	}
	struct pt_walker w;
	struct pt_result r;
	guest_walker(c, &w);
	w.stage2 = NULL; /* guest-physical, as the name says */
	pt_walk(c, &w, lin, probe, &r);
	u32 err;
	if (walk_denied(c, &r, acc, user, &err))
		return BIT(31) | err;
	if (!probe)
		pt_set_ad(c, &w, &r, (acc & ACC_W) != 0);
	*gpa = r.addr;
	return 0;
}

/* TLB permissions the second stage leaves of p */
static u8 stage2_tlb_perm(u8 p, u8 s2perm)
{
	if (!(s2perm & PT_R))
		p &= (u8)~(TLBP_R_SUP | TLBP_R_USER);
	if (!(s2perm & PT_W))
		p &= (u8)~(TLBP_W_SUP | TLBP_W_USER);
	if (!(s2perm & PT_X))
		p &= (u8)~(TLBP_X_SUP | TLBP_X_USER);
	return p;
}

struct tlb_entry *mmu_translate(struct cpu *c, u64 lin, unsigned acc)
{
	bool user = c->cpl == 3 && !(acc & ACC_SUPER);
	if ((c->efer & EFER_LMA) && !cpu_canonical(c, lin))
		cpu_fault(c, VEC_GP, 0);
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	u64 gpa = lin;
	u8 perm = 0x3f, pshift = 12;
	bool global = false;
	if (c->cr0 & CR0_PG) {
		struct pt_walker w;
		struct pt_result r;
		guest_walker(c, &w);
		pt_walk(c, &w, lin, false, &r);
		if (r.status == PT_STAGE2)
			stage2_refused(c, lin, true, false, r.s2.addr, r.s2.status, r.s2.perm,
				       r.s2.write ? ACC_W : ACC_R);
		u32 err;
		if (walk_denied(c, &r, acc, user, &err)) {
			if (LOG_ON(mmu)) /* -d mmu: the walk that failed (debug/trace.c) */
				debug_log_walk(c, lin, err, r.entry, r.nr_entries);
			/* SVM decode assists report no bytes for a fetch's #PF */
			c->svm.pf_fetch = (acc & ACC_X) != 0;
			cpu_page_fault(c, lin, err);
		}
		/* setting the leaf's dirty flag is a write to that entry: the
		 * second stage must allow it (SDM "EPT Violations": "an access
		 * ... to a guest paging-structure entry to set an accessed or
		 * dirty flag" is a write; the accessed flags: walk.c) */
		if (w.stage2 && (acc & ACC_W) && !r.dirty && !(r.leaf_s2perm & PT_W))
			stage2_refused(c, lin, true, false, r.leaf_entry, PT_OK, r.leaf_s2perm, ACC_W);
		pt_set_ad(c, &w, &r, (acc & ACC_W) != 0);
		gpa = r.addr;
		perm = tlb_perm(c, r.perm, r.pkey, r.dirty || (acc & ACC_W)); /* D was just set */
		pshift = r.pshift;
		global = r.global && (c->cr4 & CR4_PGE);
	}
	if (c->stage2_on) {
		u8 s2perm, s2shift;
		gpa = stage2_translate(c, gpa, acc, lin, true, true, &s2perm, &s2shift);
		perm = stage2_tlb_perm(perm, s2perm);
		if (s2shift < pshift)
			pshift = s2shift;
	}
	struct physmem *pm = &c->machine->mem;
	gpa_t page = gpa & ~0xfffull;
	struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	/* The jump cache reaches blocks without the TLB: a code translation
	 * leaving the TLB takes the jump-cache entries made through it along,
	 * so no block is reached through a translation the TLB no longer
	 * holds (what the CPU fetches then depends only on the TLB, which a
	 * snapshot saves, and not on the jump cache, which it does not). */
	if (e->tag && e->tag != tlb_tag(c, lin) && (e->perm & (TLBP_X_SUP | TLBP_X_USER)))
		cpu_code_changed(c);
	/* VMX "virtualize APIC accesses": a fetch from the APIC-access page
	 * exits; its data accesses take the slow path (vmx/apicv.c) */
	bool apic_page = unlikely(c->vmx.nonroot) && vmx_apic_access_page(c, page);
	if (apic_page && (acc & ACC_X))
		vmx_apic_access_fetch(c, lin);
	e->tag = tlb_tag(c, lin);
	e->gpa = page;
	e->host = apic_page || (unlikely(debug_watch_on) && debug_watch_tag(c, e->tag))
			  ? NULL : physmem_ram_ptr(pm, page, 4096);
	e->perm = apic_page ? perm & (u8)~(TLBP_X_SUP | TLBP_X_USER) : perm;
	e->global = global;
	e->pshift = pshift;
	/* pages holding decoded code take writes through the slow path */
	i64 idx = physmem_page_index(pm, page);
	if (idx >= 0 && pm->code_pages[idx])
		e->perm &= (u8)~(TLBP_W_SUP | TLBP_W_USER);
	return e;
}

void tlb_rebuild_host(struct cpu *c)
{
	struct physmem *pm = &c->machine->mem;

	for (unsigned i = 0; i < TLB_SIZE; i++) {
		struct tlb_entry *e = &c->tlb[i];
		e->host = e->tag ? physmem_ram_ptr(pm, e->gpa, 4096) : NULL;
		if (e->host && (vmx_tlb_apic_page(c, e->tag, e->gpa) ||
				(unlikely(debug_watch_on) && debug_watch_tag(c, e->tag))))
			e->host = NULL; /* as mmu_translate made it */
	}
	c->tlb_epoch++;
	cpu_update_fetch_key(c);
}

void tlb_flush_all(struct cpu *c)
{
	memset(c->tlb, 0, sizeof(c->tlb));
	c->tlb_epoch++;
	cpu_update_fetch_key(c);
}

void tlb_flush_nonglobal(struct cpu *c)
{
	c->tlb_epoch++;
	cpu_update_fetch_key(c);
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (!c->tlb[i].global)
			c->tlb[i].tag = 0;
}

/* whether entry e (valid) holds a piece of the page that holds lin: the
 * same page number above the bits the page's size covers (a 4 KiB page's
 * entry, or one made with no size, compares the whole page number) */
static bool tlb_covers(const struct tlb_entry *e, u64 lin)
{
	unsigned shift = e->pshift > 12 ? e->pshift - 12u : 0;
	return !((((e->tag & TLB_TAG_PAGE_MASK) - 1) ^ tlb_page(lin)) >> shift);
}

/* SDM "INVLPG": invalidate the translations of the page holding lin, global
 * ones too, whatever the page's size. TLB entries are 4 KiB pieces that
 * remember the size of the page they came from, so every piece of a large
 * page holding lin goes; the jump cache forgets the blocks it reached
 * through that page the same way. */
void tlb_flush_page(struct cpu *c, u64 lin)
{
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	for (unsigned i = 0; i < TLB_SIZE; i++) {
		struct tlb_entry *e = &c->tlb[i];
		if (e->tag && tlb_covers(e, lin))
			e->tag = 0;
	}
	icache_forget_linear_page(c, lin);
}

/* the entries of translation context ctx (the tag's bits above the page
 * number: a VPID or an ASID, 0 for the host) */
static bool in_ctx(const struct tlb_entry *e, u64 ctx)
{
	return e->tag && (e->tag & ~TLB_TAG_PAGE_MASK) == ctx;
}

void tlb_flush_ctx(struct cpu *c, u64 ctx, bool keep_global)
{
	c->tlb_epoch++;
	cpu_update_fetch_key(c);
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (in_ctx(&c->tlb[i], ctx) && !(keep_global && c->tlb[i].global))
			c->tlb[i].tag = 0;
}

void tlb_flush_page_ctx(struct cpu *c, u64 lin, u64 ctx)
{
	for (unsigned i = 0; i < TLB_SIZE; i++) {
		struct tlb_entry *e = &c->tlb[i];
		if (in_ctx(e, ctx) && tlb_covers(e, lin))
			e->tag = 0;
	}
	icache_forget_linear_page(c, lin);
}

u64 cpu_tlb_ctx(const struct cpu *c)
{
	return svm_guest(c) ? svm_tlb_ctx(c) : vmx_tlb_ctx(c);
}

/* PCIDs are not kept apart in this TLB; flushing more than asked is
 * always architecturally allowed (the TLB is a cache). */
void tlb_flush_pcid(struct cpu *c, u16 pcid, bool keep_global)
{
	if (keep_global)
		tlb_flush_nonglobal(c);
	else
		tlb_flush_all(c);
}

void tlb_protect_code(struct cpu *c, gpa_t gpa)
{
	gpa_t page = gpa & ~0xfffull;
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (c->tlb[i].tag && c->tlb[i].gpa == page)
			c->tlb[i].perm &= (u8)~(TLBP_W_SUP | TLBP_W_USER);
}
