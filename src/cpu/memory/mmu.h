/* cpu/memory/mmu.h: linear-to-physical translation (SDM Vol.3A "Paging") and the TLB. */
#ifndef NESTBOX_CPU_MMU_H
#define NESTBOX_CPU_MMU_H

#include "cpu/cpu.h"

/* Translate lin for an access of kind acc (ACC_* from cpu/memory/mem.h) at the
 * current CPL; on failure raise #PF (or #GP for non-canonical). Fills the TLB.
 * Returns the TLB entry for the page. */
struct tlb_entry *mmu_translate(struct cpu *c, u64 lin, unsigned acc);

/* Guest-physical access: the one place a guest-physical address becomes
 * a physical one (through the second stage when one is in force; a
 * refusal is reported by the stage's owner and does not return).
 * acc: ACC_R, ACC_W or ACC_X. final: the access is to the data at gpa
 * (a VMCB that a virtual VMLOAD/VMSAVE names), not a read of the guest's
 * paging structures (the PDPTE loads); no linear address goes with it. */
u64 cpu_gpa_translate(struct cpu *c, u64 gpa, unsigned acc, bool final);
/* a read of the guest's paging structures (final = false) */
u64 cpu_gpa_read(struct cpu *c, u64 gpa, unsigned size);
/* the same translation for a read, with no side effect and no fault:
 * false if the second stage would refuse it */
bool cpu_gpa_probe(struct cpu *c, u64 gpa, u64 *pa);

/* SDM "PDPTE Registers": load c->pdpte from the PAE table at
 * cr3[31:5], read as paging-structure accesses (through the second stage
 * when one is in force; a refusal there does not return). Returns false,
 * loading nothing, if a present PDPTE sets a reserved bit (2:1, 8:5,
 * 63:MAXPHYADDR): the caller's #GP(0) or VMX abort. */
bool cpu_pdptes_load(struct cpu *c, u64 cr3);
/* PAE paging is in use (CR0.PG = 1, CR4.PAE = 1, IA32_EFER.LMA = 0) */
static inline bool cpu_pae_paging(const struct cpu *c)
{
	return (c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !(c->efer & EFER_LMA);
}

/* Pure page walk of the guest's own paging (no second stage) for tests and
 * debuggers: returns 0 and the guest-physical address, or the #PF
 * error code with bit 31 set if the walk faults. Sets no A/D bits when
 * `probe` is true. */
u64 mmu_walk(struct cpu *c, u64 lin, unsigned acc, bool user, bool probe, gpa_t *gpa);

/* TLB maintenance (SDM Vol.3A "Invalidation of TLBs and Paging-Structure Caches") */
/* after a snapshot load put the entries back: their host pointers again */
void tlb_rebuild_host(struct cpu *c);
void tlb_flush_all(struct cpu *c);         /* including global entries */
void tlb_flush_nonglobal(struct cpu *c);   /* MOV to CR3 without PCID preservation */
void tlb_flush_page(struct cpu *c, u64 lin);
void tlb_flush_pcid(struct cpu *c, u16 pcid, bool keep_global);
/* the entries of one translation context only (tlb_ctx: a VPID or an
 * ASID; 0 is the host's): all of them (global ones too unless
 * keep_global), or those of the page holding lin */
void tlb_flush_ctx(struct cpu *c, u64 ctx, bool keep_global);
void tlb_flush_page_ctx(struct cpu *c, u64 lin, u64 ctx);
/* the translation context of the current state, the one computation of
 * c->tlb_ctx: the ASID in SVM guest mode (svm_tlb_ctx), the VPID in VMX
 * non-root operation with "enable VPID" (vmx_tlb_ctx), else 0 */
u64 cpu_tlb_ctx(const struct cpu *c);
/* drop write permission from every entry mapping gpa's page (code was cached there) */
void tlb_protect_code(struct cpu *c, gpa_t gpa);

#endif
