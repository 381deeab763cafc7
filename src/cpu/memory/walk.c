/* cpu/memory/walk.c: the page walker of every format (cpu/memory/walk.h). */
#include "cpu/memory/walk.h"

#include <string.h>

#include "cpu/arch.h"
#include "cpu/cpu.h"
#include "machine/machine.h"
#include "mem/physmem.h"

/* --- entry formats --- */

static bool present(const struct pt_walker *w, u64 e)
{
	/* EPT: "If bits 2:0 of an EPT paging-structure entry are all 0, the
	 * entry is not present" (SDM "EPT Translation Mechanism") */
	return w->fmt == PT_EPT ? (e & 7) != 0 : (e & PTE_P) != 0;
}

/* what one present entry grants */
static u8 entry_perm(const struct pt_walker *w, u64 e)
{
	if (w->fmt == PT_EPT)
		return (u8)((e & 7) | PT_U);
	return (u8)(PT_R | ((e & PTE_W) ? PT_W : 0) | ((e & PTE_U) ? PT_U : 0) |
		    ((w->nxe && (e & PTE_NX)) ? 0 : PT_X));
}

/* SDM "EPT Misconfigurations": a present entry that is misconfigured */
static bool ept_misconfigured(const struct pt_walker *w, u64 e, unsigned level, bool leaf)
{
	/* "Bit 0 of the entry is clear (indicating that data reads are not
	 * allowed) and bit 1 is set (indicating that data writes are
	 * allowed)"; "the processor does not support execute-only
	 * translations and bits 2:0 of the entry are 100b" */
	if ((e & 3) == 2 || ((e & 7) == 4 && !w->xonly))
		return true;
	/* "The entry is present and one of the following holds: A reserved
	 * bit is set. This includes the setting of a bit in the range 51:12
	 * that is beyond the logical processor's physical-address width" */
	if (e & GENMASK(51, w->maxphyaddr))
		return true;
	if (!leaf)
		/* bits 7:3 of a PML5E/PML4E, bits 6:3 of a non-leaf entry */
		return (e & (level >= 4 ? GENMASK(7, 3) : GENMASK(6, 3))) != 0;
	/* "The entry is the last one used to translate a guest physical
	 * address ... and the value of bits 5:3 (EPT memory type) is 2, 3,
	 * or 7 (these values are reserved)" */
	unsigned mt = (e >> 3) & 7;
	if (mt == 2 || mt == 3 || mt == 7)
		return true;
	/* large pages: the address bits below the page size are reserved */
	if (level == 3)
		return !w->page1g || (e & GENMASK(29, 12));
	if (level == 2)
		return !w->page2m || (e & GENMASK(20, 12));
	return false;
}

/* x86: the reserved bits of a present 8-byte entry (SDM "Page-Fault
 * Exceptions": RSVD) */
static bool x86_reserved(const struct pt_walker *w, u64 e, unsigned level)
{
	u64 rsvd = GENMASK(51, w->maxphyaddr) | (w->nxe ? 0 : PTE_NX);
	if (level >= 4)
		rsvd |= PTE_PS | (w->npt ? PTE_G : 0); /* PML5E/PML4E bit 7 (AMD: 8:7) */
	if (level == 3 && (e & PTE_PS))
		rsvd |= w->page1g ? GENMASK(29, 13) : PTE_PS;
	if (level == 2 && (e & PTE_PS))
		rsvd |= GENMASK(20, 13);
	return (e & rsvd) != 0;
}

/* --- reading entries, through the second stage when there is one --- */

static void stage2_failed(struct pt_result *r, u64 addr, const struct pt_result *r2, bool write)
{
	r->status = PT_STAGE2;
	r->s2.addr = addr;
	r->s2.status = r2->status;
	r->s2.perm = r2->status == PT_OK ? r2->perm : 0;
	r->s2.write = write;
}

/* Read the entry of `size` bytes at addr (in this stage's address space).
 * Returns false, with r->status = PT_STAGE2, if the second stage refused. */
static bool read_entry(struct cpu *c, const struct pt_walker *w, u64 addr, unsigned size,
		       bool probe, bool record, struct pt_result *r, u64 *e)
{
	u64 pa = addr;
	const struct pt_walker *s2 = w->stage2;
	if (s2) {
		struct pt_result r2;
		/* APM "Nested Table Walk": the guest's page-table reads are
		 * user writes to the nested tables */
		bool write = (s2->fmt == PT_EPT && s2->ad) || s2->npt;
		pt_walk(c, s2, addr, probe, &r2);
		u8 need = (u8)(PT_R | (write ? PT_W : 0) | (s2->npt ? PT_U : 0));
		if (r2.status != PT_OK || (r2.perm & need) != need) {
			stage2_failed(r, addr, &r2, write);
			return false;
		}
		pa = r2.addr;
		r->leaf_entry = addr;
		r->leaf_s2perm = r2.perm;
		*e = phys_read(&c->machine->mem, pa, size);
		/* setting this entry's accessed flag is a write to it (SDM
		 * "EPT Violations": "an access ... to a guest paging-structure
		 * entry to set an accessed or dirty flag" is a write) */
		if (record && !probe && present(w, *e) && !(*e & pt_a_bit(w)) && !(r2.perm & PT_W)) {
			r2.status = PT_OK;
			stage2_failed(r, addr, &r2, true);
			return false;
		}
		if (!probe)
			pt_set_ad(c, s2, &r2, write);
	} else {
		*e = phys_read(&c->machine->mem, pa, size);
	}
	if (record)
		r->entry[r->nr_entries++] = pa;
	return true;
}

/* --- the walk --- */

static void leaf(struct pt_result *r, u64 addr, u64 page, unsigned shift, u64 e,
		 const struct pt_walker *w)
{
	u64 mask = (1ull << shift) - 1;
	r->addr = (page & ~mask) | (addr & mask);
	r->pshift = (u8)shift;
	r->dirty = (e & pt_d_bit(w)) != 0;
	r->global = w->fmt == PT_X86 && (e & PTE_G);
	r->memtype = w->fmt == PT_EPT ? (u8)((e >> 3) & 7) : 0;
	r->pkey = w->fmt == PT_X86 && w->levels >= 4 ? (u8)((e >> 59) & 0xf) : 0;
	r->status = PT_OK;
}

/* SDM "32-Bit Paging": 4-byte entries, 10 bits an index */
static void walk32(struct cpu *c, const struct pt_walker *w, u64 addr, bool probe,
		   struct pt_result *r)
{
	u64 pde;
	r->level = 2;
	if (!read_entry(c, w, (w->root & 0xfffff000ull) | ((addr >> 20) & 0xffc), 4, probe, true, r, &pde))
		return;
	if (!(pde & PTE_P)) {
		r->status = PT_NOT_PRESENT;
		return;
	}
	r->perm &= entry_perm(w, pde);
	if ((pde & PTE_PS) && w->pse) {
		/* 4-MByte page; PSE-36 bits 20:13 give physical bits 39:32 */
		u64 hi = (pde >> 13) & 0xff;
		if ((pde & BIT(21)) || (hi << 32) >= (1ull << w->maxphyaddr)) {
			r->status = PT_RESERVED;
			return;
		}
		leaf(r, addr, (pde & 0xffc00000ull) | (hi << 32), 22, pde, w);
		return;
	}
	u64 pte;
	r->level = 1;
	if (!read_entry(c, w, (pde & 0xfffff000ull) | ((addr >> 10) & 0xffc), 4, probe, true, r, &pte))
		return;
	if (!(pte & PTE_P)) {
		r->status = PT_NOT_PRESENT;
		return;
	}
	r->perm &= entry_perm(w, pte);
	leaf(r, addr, pte & 0xfffff000ull, 12, pte, w);
}

void pt_walk(struct cpu *c, const struct pt_walker *w, u64 addr, bool probe, struct pt_result *r)
{
	memset(r, 0, sizeof(*r));
	r->in = addr;
	r->perm = PT_R | PT_W | PT_X | PT_U;
	if (w->fmt == PT_X86 && w->levels == 2) {
		walk32(c, w, addr, probe, r);
		if (r->status != PT_OK)
			r->perm = r->status == PT_NOT_PRESENT ? 0 : r->perm;
		return;
	}
	const u64 phys_mask = GENMASK(w->maxphyaddr - 1, 12);
	unsigned level = w->levels;
	u64 table = w->root & phys_mask;
	if (w->fmt == PT_X86 && level == 3) {
		/* SDM "PAE Paging": the PDPTE for bits 31:30 -- a PDPTE
		 * register, or read from the table at CR3[31:5] */
		u64 pdpte;
		unsigned k = (addr >> 30) & 3;
		r->level = 3;
		if (w->pdptes)
			pdpte = w->pdptes[k];
		else if (!read_entry(c, w, (w->root & 0xffffffe0ull) + k * 8, 8, probe, false, r,
				     &pdpte))
			return;
		if (!(pdpte & PTE_P)) {
			r->status = PT_NOT_PRESENT;
			r->perm = 0;
			return;
		}
		if (pdpte & pae_pdpte_reserved(w->maxphyaddr)) {
			r->status = PT_RESERVED;
			return;
		}
		table = pdpte & phys_mask;
		level = 2;
	}
	for (;; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 e;
		r->level = (u8)level;
		if (!read_entry(c, w, table + ((addr >> shift) & 0x1ff) * 8, 8, probe, true, r, &e))
			return;
		if (!present(w, e)) {
			r->status = PT_NOT_PRESENT;
			r->perm = 0;
			return;
		}
		bool is_leaf = level == 1 || ((e & PTE_PS) && level <= 3);
		if (w->fmt == PT_EPT ? ept_misconfigured(w, e, level, is_leaf) : x86_reserved(w, e, level)) {
			r->status = PT_RESERVED;
			return;
		}
		r->perm &= entry_perm(w, e);
		if (is_leaf) {
			leaf(r, addr, e & phys_mask, shift, e, w);
			return;
		}
		table = e & phys_mask;
	}
}

void pt_set_ad(struct cpu *c, const struct pt_walker *w, const struct pt_result *r, bool write)
{
	if (w->fmt == PT_EPT && !w->ad)
		return;
	struct physmem *pm = &c->machine->mem;
	unsigned esz = (w->fmt == PT_X86 && w->levels == 2) ? 4 : 8;
	u64 a = pt_a_bit(w), d = pt_d_bit(w);
	u64 old[5], upd[5];
	bool any = false;
	for (unsigned i = 0; i < r->nr_entries; i++) {
		old[i] = phys_read(pm, r->entry[i], esz);
		upd[i] = old[i] | a;
		if (write && i == r->nr_entries - 1u)
			upd[i] |= d;
		any |= upd[i] != old[i];
	}
	if (!any)
		return;
	if (w->ad_update) {
		u64 last = r->nr_entries ? old[r->nr_entries - 1] : 0;
		w->ad_update(c, r->in, write && !(last & d));
	}
	for (unsigned i = 0; i < r->nr_entries; i++)
		if (upd[i] != old[i])
			phys_write(pm, r->entry[i], esz, upd[i]);
}
