/* cpu/system/desc.c: descriptor-table primitives (SDM Vol.3A "Segment Descriptors"). */
#include "cpu/system/desc.h"

#include "cpu/fault.h"
#include "cpu/memory/mem.h"

/* table base/limit for a selector: GDT for TI=0, LDT for TI=1 */
static void table_for(struct cpu *c, u16 sel, u8 fault_vec, u64 *base, u32 *limit)
{
	if (sel & 4) {
		const struct seg_cache *ldt = &c->seg[SEG_LDTR];
		if (ldt->ar & AR_UNUSABLE || !(ldt->ar & AR_P) || (ldt->sel & 0xfffc) == 0)
			cpu_fault(c, fault_vec, sel & 0xfffc);
		*base = ldt->base;
		*limit = ldt->limit;
	} else {
		*base = c->gdtr.base;
		*limit = c->gdtr.limit;
	}
}

static u64 table_read(struct cpu *c, u16 sel, u8 fault_vec, unsigned off)
{
	u64 base;
	u32 limit;
	table_for(c, sel, fault_vec, &base, &limit);
	u64 idx = (u64)(sel & ~7u) + off;
	if (idx + 7 > limit)
		cpu_fault(c, fault_vec, sel & 0xfffc);
	u64 lin = base + idx;
	if (!cpu_is_long64(c) && !cpu_lma(c))
		lin &= 0xffffffffull;
	return lin_read(c, lin, 8, ACC_SUPER);
}

u64 desc_read(struct cpu *c, u16 sel, u8 fault_vec)
{
	return table_read(c, sel, fault_vec, 0);
}

u64 desc_read_hi(struct cpu *c, u16 sel, u8 fault_vec)
{
	return table_read(c, sel, fault_vec, 8);
}

/* SDM "Segment Descriptors": the processor sets the accessed bit when it
 * loads a segment register with a code/data descriptor whose bit is clear. */
void desc_set_accessed(struct cpu *c, u16 sel, u64 desc)
{
	if (!(desc & BIT(44)) || (desc & BIT(40)))
		return; /* system descriptor, or already accessed */
	u64 base;
	u32 limit;
	table_for(c, sel, VEC_GP, &base, &limit);
	u64 lin = base + (sel & ~7u) + 5;
	if (!cpu_lma(c))
		lin &= 0xffffffffull;
	u64 b = lin_read(c, lin, 1, ACC_SUPER);
	lin_write(c, lin, 1, b | 1, ACC_SUPER | ACC_W);
}

void seg_cache_from_desc(struct seg_cache *s, u16 sel, u64 desc)
{
	s->sel = sel;
	s->base = desc_base(desc);
	s->limit = desc_limit(desc);
	s->ar = desc_ar(desc);
}

/* SDM Vol.3A "Real-Address Mode Operation" / "Virtual-8086 Mode": the base
 * is selector * 16. In real mode the cached limit and attributes are kept
 * (that is what "big real" / unreal mode relies on); in virtual-8086 mode
 * the segment becomes a 64 KiB read/write data segment at DPL 3. */
void seg_load_real(struct cpu *c, unsigned seg, u16 sel)
{
	struct seg_cache *s = &c->seg[seg];
	s->sel = sel;
	s->base = (u64)sel << 4;
	if (c->mode == MODE_VM86) {
		s->limit = 0xffff;
		s->ar = AR_P | AR_S | (3u << 5) | SEG_TYPE_WR | SEG_TYPE_ACCESSED |
			(seg == SEG_CS ? SEG_TYPE_CODE : 0);
	} else {
		s->ar = (s->ar & ~AR_UNUSABLE) | AR_P | AR_S;
		if (seg == SEG_CS)
			s->ar = (s->ar & ~(AR_DB | AR_L)) | SEG_TYPE_CODE;
	}
}
