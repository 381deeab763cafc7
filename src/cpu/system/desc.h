/* cpu/system/desc.h: descriptor-table primitives shared by segment loads, far
 * transfers, task state and event delivery (implemented in cpu/system/desc.c).
 * SDM Vol.3A "Segment Descriptors", "System Descriptor Types". */
#ifndef NESTBOX_CPU_DESC_H
#define NESTBOX_CPU_DESC_H

#include "cpu/cpu.h"

/* Read the 8-byte descriptor for selector sel from the GDT (TI=0) or LDT
 * (TI=1) with implicit supervisor accesses. If the selector lies outside
 * the table limit (or TI=1 with an unusable LDTR), raises
 * `fault_vec`(sel & 0xfffc) — callers pass VEC_GP, VEC_TS or VEC_NP as the
 * SDM's "Operation" text says. Returns the descriptor. */
u64 desc_read(struct cpu *c, u16 sel, u8 fault_vec);
/* The upper 8 bytes of a 16-byte system descriptor (long mode): reads at
 * table + (sel & ~7) + 8 with the same limit rule. */
u64 desc_read_hi(struct cpu *c, u16 sel, u8 fault_vec);
/* set the accessed bit of a code/data descriptor in memory (if clear) */
void desc_set_accessed(struct cpu *c, u16 sel, u64 desc);
/* unpack a code/data/system descriptor into a segment cache */
void seg_cache_from_desc(struct seg_cache *s, u16 sel, u64 desc);
/* real-mode / virtual-8086 segment load: base = sel << 4, limit and
 * attributes per SDM "Real-Address Mode Operation" (keeps the cached limit
 * in real mode: big real mode). */
void seg_load_real(struct cpu *c, unsigned seg, u16 sel);
/* unpack helpers */
static inline u32 desc_ar(u64 d) { return (u32)((d >> 40) & 0xf0ff); }
static inline u64 desc_base(u64 d)
{
	return ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
}
static inline u32 desc_limit(u64 d)
{
	u32 l = (u32)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
	return (d & BIT(55)) ? (l << 12) | 0xfff : l;
}

#endif
