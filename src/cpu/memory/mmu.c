/* cpu/memory/mmu.c: the page walker and TLB (SDM Vol.3A "Paging"). */
#include "cpu/memory/mmu.h"

#include "cpu/decode/decode.h"

#include <string.h>

#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/model.h"
#include "cpu/system/pkeys.h"
#include "machine/machine.h"

/* SDM "Access Rights": the result of a walk, before any check */
struct walk {
	u64 gpa;       /* physical address of the byte */
	bool user_all; /* U/S = 1 at every level */
	bool write_all; /* R/W = 1 at every level */
	bool nx;       /* XD = 1 at some level (with EFER.NXE) */
	bool dirty;    /* the final entry's D is set (or paging is off) */
	bool global;
	u8 pshift;     /* log2 of the page size: 12, 21, 22 or 30 */
	u8 pkey;       /* the final entry's protection key, bits 62:59 */
	/* physical addresses of the entries, to set A (and D) bits */
	u64 entry_gpa[5];
	int nr_entries;
};

static inline u64 read_pte(struct cpu *c, u64 gpa, unsigned size)
{
	return phys_read(&c->machine->mem, gpa, size);
}

/* Walk the paging structures for lin. Returns 0, or a #PF error code with
 * bit 31 set (P and RSVD bits filled; W/U/I are added by the caller). */
static u32 walk_tables(struct cpu *c, u64 lin, struct walk *w)
{
	const u64 phys_mask = GENMASK(cpu_maxphyaddr(c) - 1, 12);
	const bool nxe = (c->efer & EFER_NXE) != 0;
	w->user_all = w->write_all = true;
	w->nx = false;
	w->global = false;
	w->pshift = 12;
	w->nr_entries = 0;

	if (!(c->cr4 & CR4_PAE)) {
		/* 32-bit paging (SDM "32-Bit Paging") */
		u64 pde_a = (c->cr3 & 0xfffff000ull) | ((lin >> 20) & 0xffc);
		u64 pde = read_pte(c, pde_a, 4);
		w->entry_gpa[w->nr_entries++] = pde_a;
		if (!(pde & PTE_P))
			return BIT(31);
		w->user_all &= (pde & PTE_U) != 0;
		w->write_all &= (pde & PTE_W) != 0;
		if ((pde & PTE_PS) && (c->cr4 & CR4_PSE)) {
			/* 4-MByte page; PSE-36 bits 20:13 give physical bits 39:32 */
			u64 hi = (pde >> 13) & 0xff;
			if ((pde & BIT(21)) || (hi << 32) >= (1ull << cpu_maxphyaddr(c)))
				return BIT(31) | PFEC_P | PFEC_RSVD;
			w->gpa = (pde & 0xffc00000ull) | (hi << 32) | (lin & 0x3fffff);
			w->dirty = (pde & PTE_D) != 0;
			w->global = (pde & PTE_G) != 0;
			w->pshift = 22;
			return 0;
		}
		u64 pte_a = (pde & 0xfffff000ull) | ((lin >> 10) & 0xffc);
		u64 pte = read_pte(c, pte_a, 4);
		w->entry_gpa[w->nr_entries++] = pte_a;
		if (!(pte & PTE_P))
			return BIT(31);
		w->user_all &= (pte & PTE_U) != 0;
		w->write_all &= (pte & PTE_W) != 0;
		w->gpa = (pte & 0xfffff000ull) | (lin & 0xfff);
		w->dirty = (pte & PTE_D) != 0;
		w->global = (pte & PTE_G) != 0;
		return 0;
	}

	/* PAE and 4-level paging (SDM "PAE Paging", "4-Level Paging and
	 * 5-Level Paging"). Reserved: bits 51:MAXPHYADDR, XD without NXE. */
	const u64 rsvd_hi = GENMASK(51, cpu_maxphyaddr(c)) | (nxe ? 0 : PTE_NX);
	int level;
	u64 table;
	if (c->efer & EFER_LMA) {
		level = 4;
		table = c->cr3 & phys_mask;
	} else {
		/* PDPTE registers: read at walk time here (XXX(sdm): the SDM
		 * loads them at MOV CR3 and checks their reserved bits there) */
		u64 pdpte_a = (c->cr3 & 0xffffffe0ull) + ((lin >> 30) & 3) * 8;
		u64 pdpte = read_pte(c, pdpte_a, 8);
		if (!(pdpte & PTE_P))
			return BIT(31);
		if (pdpte & (rsvd_hi | PTE_NX | 0x1e6))
			return BIT(31) | PFEC_P | PFEC_RSVD;
		table = pdpte & phys_mask;
		level = 2;
	}
	for (;; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 ea = table + ((lin >> shift) & 0x1ff) * 8;
		u64 e = read_pte(c, ea, 8);
		w->entry_gpa[w->nr_entries++] = ea;
		if (!(e & PTE_P))
			return BIT(31);
		u64 rsvd = rsvd_hi;
		if (level == 4)
			rsvd |= PTE_PS; /* PML4E bit 7 is reserved */
		if (level == 3 && (e & PTE_PS)) {
			if (!cpu_has(c->model, FEAT_pdpe1gb) || !(c->efer & EFER_LMA))
				rsvd |= PTE_PS;
			else
				rsvd |= GENMASK(29, 13);
		}
		if (level == 2 && (e & PTE_PS))
			rsvd |= GENMASK(20, 13);
		if (e & rsvd)
			return BIT(31) | PFEC_P | PFEC_RSVD;
		w->user_all &= (e & PTE_U) != 0;
		w->write_all &= (e & PTE_W) != 0;
		w->nx |= nxe && (e & PTE_NX);
		if (level == 1 || (e & PTE_PS)) {
			u64 page_mask = (1ull << shift) - 1;
			w->gpa = (e & phys_mask & ~page_mask) | (lin & page_mask);
			w->dirty = (e & PTE_D) != 0;
			w->global = (e & PTE_G) != 0;
			w->pshift = (u8)shift;
			w->pkey = (u8)((e >> 59) & 0xf);
			return 0;
		}
		table = e & phys_mask;
	}
}

/* SDM "Access Rights" and "Page-Fault Exceptions": is this access allowed? */
static bool access_ok(const struct cpu *c, const struct walk *w, unsigned acc, bool user,
		      bool ac)
{
	bool wp = (c->cr0 & CR0_WP) != 0;
	if (acc & ACC_X) {
		if (w->nx)
			return false;
		if (user)
			return w->user_all;
		return !(w->user_all && (c->cr4 & CR4_SMEP));
	}
	if (user)
		return w->user_all && (!(acc & ACC_W) || w->write_all);
	/* supervisor data access; SMAP: explicit accesses with AC=1 are allowed,
	 * implicit supervisor accesses never are */
	if (w->user_all && (c->cr4 & CR4_SMAP) && ((acc & ACC_SUPER) || !ac))
		return false;
	if (acc & ACC_W)
		return w->write_all || !wp;
	return true;
}

/* TLB permission bits granted by a walk (AC assumed 0, D required for W) */
static u8 tlb_perm(const struct cpu *c, const struct walk *w)
{
	u8 p = 0;
	static const unsigned kinds[3] = { ACC_R, ACC_W, ACC_X };
	for (int k = 0; k < 3; k++) {
		if (access_ok(c, w, kinds[k], false, false) &&
		    !pk_denies(c, w->user_all, w->pkey, kinds[k], false))
			p |= (u8)(TLBP_R_SUP << k);
		if (access_ok(c, w, kinds[k], true, false) &&
		    !pk_denies(c, w->user_all, w->pkey, kinds[k], true))
			p |= (u8)(TLBP_R_USER << k);
	}
	if (!w->dirty)
		p &= (u8)~(TLBP_W_SUP | TLBP_W_USER);
	return p;
}

static void set_ad_bits(struct cpu *c, const struct walk *w, bool write)
{
	struct physmem *pm = &c->machine->mem;
	unsigned esz = (c->cr4 & CR4_PAE) ? 8 : 4;
	for (int i = 0; i < w->nr_entries; i++) {
		u64 e = phys_read(pm, w->entry_gpa[i], esz);
		u64 ne = e | PTE_A;
		if (write && i == w->nr_entries - 1)
			ne |= PTE_D;
		if (ne != e)
			phys_write(pm, w->entry_gpa[i], esz, ne);
	}
}

/* walk with paging on, check the access and (unless probing) set A/D:
 * returns 0 with *w filled, or the #PF error code with bit 31 set */
static u64 walk_checked(struct cpu *c, u64 lin, unsigned acc, bool user, bool probe,
			struct walk *w)
{
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	u32 err = walk_tables(c, lin, w);
	/* SDM "Page-Fault Exceptions": I/D is reported for fetches when
	 * EFER.NXE (with PAE/4-level paging) or CR4.SMEP is 1 */
	bool fetch_i = (acc & ACC_X) &&
		       (((c->cr4 & CR4_PAE) && (c->efer & EFER_NXE)) || (c->cr4 & CR4_SMEP));
	u32 extra = ((acc & ACC_W) ? PFEC_W : 0) | (user ? PFEC_U : 0) | (fetch_i ? PFEC_I : 0);
	if (err)
		return (err | extra) | BIT(31);
	bool ac = (c->rflags & RFLAGS_AC) != 0;
	/* SDM "Page-Fault Exceptions": PK is set whenever the key forbids the
	 * access, whatever else does too */
	bool pk = pk_denies(c, w->user_all, w->pkey, acc, user);
	if (!access_ok(c, w, acc, user, ac) || pk)
		return BIT(31) | PFEC_P | (pk ? PFEC_PK : 0) | extra;
	if (!probe)
		set_ad_bits(c, w, (acc & ACC_W) != 0);
	return 0;
}

u64 mmu_walk(struct cpu *c, u64 lin, unsigned acc, bool user, bool probe, gpa_t *gpa)
{
	struct walk w = { 0 };
	if (!(c->cr0 & CR0_PG)) {
		*gpa = (c->efer & EFER_LMA) ? lin : (lin & 0xffffffffull);
		return 0;
	}
	u64 r = walk_checked(c, lin, acc, user, probe, &w);
	if (!r)
		*gpa = w.gpa;
	return r;
}

struct tlb_entry *mmu_translate(struct cpu *c, u64 lin, unsigned acc)
{
	bool user = c->cpl == 3 && !(acc & ACC_SUPER);
	if ((c->efer & EFER_LMA) && !cpu_canonical(c, lin))
		cpu_fault(c, VEC_GP, 0);
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	struct walk w = { .dirty = true, .user_all = true, .write_all = true };
	if (c->cr0 & CR0_PG) {
		u64 r = walk_checked(c, lin, acc, user, false, &w);
		if (r)
			cpu_page_fault(c, lin, (u32)r & 0x7fffffff);
		w.dirty |= (acc & ACC_W) != 0; /* D was just set */
	} else {
		w.gpa = lin;
	}
	struct physmem *pm = &c->machine->mem;
	gpa_t page = w.gpa & ~0xfffull;
	struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	/* The jump cache reaches blocks without the TLB: a code translation
	 * leaving the TLB takes the jump-cache entries made through it along,
	 * so no block is reached through a translation the TLB no longer
	 * holds (what the CPU fetches then depends only on the TLB, which a
	 * snapshot saves, and not on the jump cache, which it does not). */
	if (e->tag && e->tag != tlb_tag(c, lin) && (e->perm & (TLBP_X_SUP | TLBP_X_USER)))
		cpu_code_changed(c);
	e->tag = tlb_tag(c, lin);
	e->gpa = page;
	e->host = physmem_ram_ptr(pm, page, 4096);
	e->perm = (c->cr0 & CR0_PG) ? tlb_perm(c, &w) : 0x3f;
	e->global = w.global && (c->cr4 & CR4_PGE);
	e->pshift = (c->cr0 & CR0_PG) ? w.pshift : 12;
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
		if (e->tag && !(((((e->tag & TLB_TAG_PAGE_MASK) - 1) << 12) ^ lin) >> e->pshift))
			e->tag = 0;
	}
	icache_forget_linear_page(c, lin);
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
