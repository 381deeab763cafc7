/* cpu/memory/walk.h: the one page walker. It serves every radix table
 * format nestbox translates through: the guest's own paging (SDM Vol.3A
 * "Paging": 32-bit, PAE, 4- and 5-level), EPT (SDM Vol.3C "The Extended
 * Page Table Mechanism (EPT)") and, with the same x86 format from another
 * root, AMD's nested paging. A walker is a description (format, root,
 * depth, MAXPHYADDR and the format's options) plus, optionally, a second
 * stage that the addresses of its own entries go through: the
 * two-dimensional walk of a guest's paging under EPT or NPT.
 *
 * The walk itself is pure reading: it finds the entries, checks their
 * reserved bits and gathers the permissions they grant. Checking an access
 * against them, setting accessed/dirty flags and reporting a fault are the
 * caller's, because each stage reports its faults its own way (#PF, an EPT
 * violation or misconfiguration, a nested page fault). */
#ifndef NESTBOX_CPU_WALK_H
#define NESTBOX_CPU_WALK_H

#include "base/compiler.h"
#include "base/bits.h"
#include "base/types.h"
#include "cpu/arch.h"

struct cpu;

enum pt_format {
	PT_X86, /* the processor's own format (PTE_* bits) */
	PT_EPT, /* EPT entries: R, W, X in bits 2:0, memory type in 5:3 */
};

/* permissions a translation grants: the AND of what every level grants */
#define PT_R  BIT(0)
#define PT_W  BIT(1)
#define PT_X  BIT(2) /* x86: no level has XD (with EFER.NXE) */
#define PT_U  BIT(3) /* x86: U/S = 1 at every level */

struct pt_walker {
	u8 fmt;          /* enum pt_format */
	u8 levels;       /* x86: 2 (32-bit paging), 3 (PAE), 4, 5; EPT: 4 or 5 */
	u8 maxphyaddr;
	/* x86 options: EFER.NXE, CR4.PSE (32-bit paging), 1-GByte pages and
	 * whether IA-32e paging is on (PS in a PDPTE) */
	u8 nxe, pse, page1g;
	/* EPT options (IA32_VMX_EPT_VPID_CAP): execute-only translations,
	 * 2-MByte pages (1-GByte: page1g), accessed and dirty flags (EPTP
	 * bit 6) */
	u8 xonly, page2m, ad;
	/* AMD nested paging (APM "Nested Paging"), an x86-format second
	 * stage: every access through it is a user access, the first stage's
	 * reads of its own entries are writes ("Nested Table Walk"), and bit 8
	 * of a PML5E/PML4E is reserved, as in AMD's long-mode tables */
	u8 npt;
	u64 root;        /* physical address of the top table (x86: CR3) */
	/* PAE (levels 3): the four PDPTE registers the walk starts from
	 * (SDM "PDPTE Registers"); NULL: read from the table root names */
	const u64 *pdptes;
	/* called by pt_set_ad before it changes an accessed or dirty flag,
	 * with the translated address and whether a leaf's dirty flag goes
	 * from 0 to 1; it may refuse by not returning (VMX page-modification
	 * logging: a full log is a VM exit). NULL: nothing to do. */
	void (*ad_update)(struct cpu *c, u64 addr, bool dirty_set);
	/* the stage the addresses of this walker's entries are translated
	 * through (NULL: they are physical) */
	const struct pt_walker *stage2;
};

enum pt_status {
	PT_OK,
	PT_NOT_PRESENT, /* an entry (at `level`) is not present */
	PT_RESERVED,    /* a present entry has a reserved bit set (an EPT
	                 * misconfiguration: SDM "EPT Misconfigurations") */
	PT_STAGE2,      /* translating one of this walk's own entries failed
	                 * in the second stage: `s2` says how */
};

struct pt_result {
	u64 in;          /* the address that was translated */
	u64 addr;        /* the translated address of the byte */
	u8 status;       /* enum pt_status */
	u8 level;        /* where the walk stopped */
	u8 pshift;       /* log2 of the page size: 12, 21, 22 or 30 */
	u8 perm;         /* PT_*: what every level grants */
	u8 dirty;        /* the leaf entry's dirty flag */
	u8 global;       /* x86: the leaf's G bit */
	u8 memtype;      /* EPT: the leaf's memory type (bits 5:3) */
	u8 pkey;         /* x86: the leaf's protection key (bits 62:59) */
	u8 nr_entries;
	/* the physical addresses of the entries used, top first (after the
	 * second stage), to set their accessed and dirty flags */
	u64 entry[5];
	/* with a second stage: the last entry read (the leaf's, after a
	 * complete walk), its address in this stage and what the second
	 * stage grants there, for the write that sets its dirty flag */
	u64 leaf_entry;
	u8 leaf_s2perm;
	/* PT_STAGE2: the second stage's own result and the address it was
	 * asked to translate (the entry's address in this stage) */
	struct pt_result_s2 {
		u64 addr;
		u8 status;   /* PT_NOT_PRESENT, PT_RESERVED, or PT_OK with
		              * `perm` lacking what the access needed */
		u8 perm;
		u8 write;    /* the entry access was a write (A/D update) */
	} s2;
};

/* A second translation stage in force (EPT in VMX non-root operation,
 * nested paging in SVM guest mode, svm/npt.c): the walker, and how its owner reports a
 * translation it refuses. Set by whoever turns the stage on (VM entry),
 * derived from that owner's state (a snapshot rebuilds it). */
struct stage2_fault {
	u64 gpa;      /* the guest-physical address it was asked for */
	u64 lin;      /* the guest-linear address being translated */
	u8 lin_valid; /* lin is meaningful (not a PDPTE load by MOV CR) */
	u8 final;     /* gpa is what lin translates to, not one of the
	               * guest's paging-structure entries */
	u8 status;    /* PT_NOT_PRESENT, PT_RESERVED, or PT_OK: not permitted */
	u8 perm;      /* what the translation grants (PT_R|PT_W|PT_X) */
	u8 access;    /* PT_R, PT_W or PT_X: what was asked */
};
struct stage2 {
	struct pt_walker w;
	noreturn_fn void (*fault)(struct cpu *c, const struct stage2_fault *f);
};

/* Walk w's tables for addr. Never faults. With a second stage, each entry
 * address is translated through it first, needing read permission there
 * (and write permission when the second stage has A/D flags: SDM
 * "Accessed and Dirty Flags for EPT" treats the processor's accesses to
 * guest paging structures as writes); unless `probe`, those second-stage
 * translations set their own accessed (and dirty) flags. This stage's
 * flags are left to pt_set_ad, after the caller's permission check. */
void pt_walk(struct cpu *c, const struct pt_walker *w, u64 addr, bool probe, struct pt_result *r);

/* Set the accessed flag of every entry r used, and the dirty flag of the
 * leaf when `write` (x86: A = bit 5, D = bit 6; EPT: bits 8 and 9, only
 * with w->ad). */
void pt_set_ad(struct cpu *c, const struct pt_walker *w, const struct pt_result *r, bool write);

/* SDM "PDPTE Registers" (PAE paging): the bits a present PDPTE must have
 * clear -- 2:1, 8:5 and 63:MAXPHYADDR -- for MOV to CR3 (and CR0/CR4), VM
 * entry, and the walk that reads them */
static inline u64 pae_pdpte_reserved(unsigned maxphyaddr)
{
	return GENMASK(63, maxphyaddr) | GENMASK(2, 1) | GENMASK(8, 5);
}
/* a PDPTE those loads refuse: present, with a reserved bit set */
static inline bool pae_pdpte_invalid(u64 e, unsigned maxphyaddr)
{
	return (e & PTE_P) && (e & pae_pdpte_reserved(maxphyaddr));
}

/* the accessed/dirty bits of one format */
static inline u64 pt_a_bit(const struct pt_walker *w) { return w->fmt == PT_EPT ? BIT(8) : BIT(5); }
static inline u64 pt_d_bit(const struct pt_walker *w) { return w->fmt == PT_EPT ? BIT(9) : BIT(6); }

#endif
