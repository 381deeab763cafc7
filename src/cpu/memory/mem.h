/* cpu/memory/mem.h: memory access as the CPU performs it: segmentation, then
 * paging (cpu/memory/mmu.c), then the physical bus. Every function here may fault
 * (cpu_fault never returns). */
#ifndef NESTBOX_CPU_MEM_H
#define NESTBOX_CPU_MEM_H

#include "cpu/cpu.h"

/* access kinds for the linear layer */
#define ACC_R      0
#define ACC_W      BIT(0)
#define ACC_X      BIT(1)
#define ACC_SUPER  BIT(2) /* implicit supervisor access (descriptor tables, TSS, IDT) */

/* --- the TLB fast path (cpu/memory/mmu.c fills it) --- */
#include "cpu/memory/mmu.h"
static inline u8 mem_need_perm(const struct cpu *c, unsigned acc)
{
	unsigned k = (acc & ACC_W) ? 1 : (acc & ACC_X) ? 2 : 0;
	bool user = c->cpl == 3 && !(acc & ACC_SUPER);
	return (u8)((user ? TLBP_R_USER : TLBP_R_SUP) << k);
}
/* translate one page-contained access (may fault); host may be NULL (MMIO) */
static inline struct tlb_entry *mem_translate(struct cpu *c, u64 lin, unsigned acc)
{
	struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	if (likely(e->tag == tlb_tag(c, lin) && (e->perm & mem_need_perm(c, acc))))
		return e;
	return mmu_translate(c, lin, acc);
}

/* --- data access through a segment (SDM Vol.3A "Segment-Level Protection") --- */
u64 cpu_read(struct cpu *c, unsigned seg, u64 off, unsigned size);
void cpu_write(struct cpu *c, unsigned seg, u64 off, unsigned size, u64 val);
/* check that [off, off+len) of seg is accessible for acc; returns the linear address */
u64 seg_check(struct cpu *c, unsigned seg, u64 off, u64 len, unsigned acc);
/* byte buffers (FXSAVE, descriptor tables...): segment-checked, paged */
void cpu_read_bytes(struct cpu *c, unsigned seg, u64 off, void *buf, unsigned len);
void cpu_write_bytes(struct cpu *c, unsigned seg, u64 off, const void *buf, unsigned len);

/* --- linear access (paging only) --- */
u64 lin_read(struct cpu *c, u64 lin, unsigned size, unsigned acc);
void lin_write(struct cpu *c, u64 lin, unsigned size, u64 val, unsigned acc);

/* --- stack helpers: use SS, the stack-address size, and #SS on limit --- */
unsigned cpu_stack_size(const struct cpu *c); /* 2, 4 or 8 */
void cpu_push(struct cpu *c, unsigned size, u64 val);
u64 cpu_pop(struct cpu *c, unsigned size);
/* read the value cpu_pop would return, without changing RSP */
u64 cpu_peek(struct cpu *c, unsigned size, unsigned depth_bytes);

/* --- port I/O from the CPU (permission checks are the caller's) --- */
u64 cpu_in(struct cpu *c, u16 port, unsigned size);
void cpu_out(struct cpu *c, u16 port, unsigned size, u64 val);

#endif
