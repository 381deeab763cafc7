/* cpu/memory/mem.c: segmented and linear memory access. */
#include "cpu/memory/mem.h"

#include <string.h>

#include "cpu/system/debug.h"
#include "cpu/fault.h"
#include "cpu/memory/mmu.h"
#include "cpu/step.h"
#include "debug/hook.h"
#include "machine/machine.h"
#include "vmx/vmx.h"

#define translate mem_translate

static u64 read_in_page(struct cpu *c, u64 lin, unsigned size, unsigned acc)
{
	struct tlb_entry *e = translate(c, lin, acc);
	if (likely(e->host != NULL))
		return load_le(e->host + (lin & 0xfff), size);
	cpu_kick(c); /* MMIO may change what is deliverable */
	if (unlikely(debug_watch_on) && !(acc & ACC_X))
		debug_watch_access(c, lin, size, false);
	if (unlikely(c->vmx.nonroot) && vmx_apic_access_page(c, e->gpa))
		return vmx_apic_access_read(c, (unsigned)(lin & 0xfff), size, acc);
	return phys_read(&c->machine->mem, e->gpa | (lin & 0xfff), size);
}

u64 lin_read(struct cpu *c, u64 lin, unsigned size, unsigned acc)
{
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	if (likely((lin & 0xfff) + size <= 0x1000))
		return read_in_page(c, lin, size, acc);
	/* crosses a page: both halves are translated before use */
	unsigned first = 0x1000 - (unsigned)(lin & 0xfff);
	u64 lo = 0, hi = 0;
	for (unsigned k = 0; k < first; k++)
		lo |= read_in_page(c, lin + k, 1, acc) << (8 * k);
	u64 lin2 = lin + first;
	if (!(c->efer & EFER_LMA))
		lin2 &= 0xffffffffull;
	for (unsigned k = 0; k < size - first; k++)
		hi |= read_in_page(c, lin2 + k, 1, acc) << (8 * k);
	return lo | (hi << (8 * first));
}

static void write_in_page(struct cpu *c, struct tlb_entry *e, u64 lin, unsigned size, u64 val)
{
	if (likely(e->host != NULL && (e->perm & (TLBP_W_SUP | TLBP_W_USER)))) {
		store_le(e->host + (lin & 0xfff), size, val);
	} else {
		cpu_kick(c); /* MMIO may change what is deliverable */
		if (unlikely(debug_watch_on))
			debug_watch_access(c, lin, size, true);
		if (unlikely(c->vmx.nonroot) && vmx_apic_access_page(c, e->gpa))
			vmx_apic_access_write(c, (unsigned)(lin & 0xfff), size, val);
		else
			phys_write(&c->machine->mem, e->gpa | (lin & 0xfff), size, val);
	}
}

void lin_write(struct cpu *c, u64 lin, unsigned size, u64 val, unsigned acc)
{
	acc |= ACC_W;
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	if (likely((lin & 0xfff) + size <= 0x1000)) {
		struct tlb_entry *e = translate(c, lin, acc);
		write_in_page(c, e, lin, size, val);
		return;
	}
	/* SDM: a write that crosses a page boundary faults before any byte is
	 * written if either page is not writable */
	unsigned first = 0x1000 - (unsigned)(lin & 0xfff);
	u64 lin2 = lin + first;
	if (!(c->efer & EFER_LMA))
		lin2 &= 0xffffffffull;
	translate(c, lin, acc);
	translate(c, lin2, acc);
	for (unsigned k = 0; k < size; k++) {
		u64 a = k < first ? lin + k : lin2 + (k - first);
		/* re-look-up: the second translate may have evicted the first */
		write_in_page(c, translate(c, a, acc), a, 1, val >> (8 * k));
	}
}

/* SDM Vol.3A "Limit Checking" and "Type Checking"; in 64-bit mode only the
 * canonical-address rule applies ("Segmentation in IA-32e Mode"). */
/* SDM Vol.3A "Alignment Check Exception (#AC)": with CR0.AM and RFLAGS.AC
 * set, a misaligned word/dword/qword data access at CPL 3 raises #AC(0),
 * before any paging check */
static inline void check_alignment(struct cpu *c, u64 lin, u64 len)
{
	if (unlikely(c->cpl == 3) && (len == 2 || len == 4 || len == 8) && (lin & (len - 1)) &&
	    (c->cr0 & CR0_AM) && (c->rflags & RFLAGS_AC))
		cpu_fault(c, VEC_AC, 0);
}

static u64 seg_check_inner(struct cpu *c, unsigned seg, u64 off, u64 len, unsigned acc);

u64 seg_check(struct cpu *c, unsigned seg, u64 off, u64 len, unsigned acc)
{
	u64 lin = seg_check_inner(c, seg, off, len, acc);
	check_alignment(c, lin, len);
	return lin;
}

static u64 seg_check_inner(struct cpu *c, unsigned seg, u64 off, u64 len, unsigned acc)
{
	const struct seg_cache *s = &c->seg[seg];
	u8 vec = seg == SEG_SS ? VEC_SS : VEC_GP;
	if (c->mode == MODE_LONG64) {
		u64 lin = off + ((seg == SEG_FS || seg == SEG_GS) ? s->base : 0);
		if (!cpu_canonical(c, lin) || !cpu_canonical(c, lin + len - 1))
			cpu_fault(c, vec, 0);
		return lin;
	}
	if (c->mode != MODE_REAL && c->mode != MODE_VM86) {
		if (s->ar & AR_UNUSABLE)
			cpu_fault(c, vec, 0);
		u32 type = AR_TYPE(s->ar);
		if (acc & ACC_W) {
			if ((type & SEG_TYPE_CODE) || !(type & SEG_TYPE_WR))
				cpu_fault(c, vec, 0);
		} else if (!(acc & ACC_X) && (type & SEG_TYPE_CODE) && !(type & SEG_TYPE_WR)) {
			cpu_fault(c, vec, 0);
		}
	}
	u64 last = off + len - 1;
	if (!(s->ar & AR_S) || (AR_TYPE(s->ar) & (SEG_TYPE_CODE | SEG_TYPE_EC)) != SEG_TYPE_EC) {
		if (last > s->limit || last < off)
			cpu_fault(c, vec, 0);
	} else {
		/* expand-down: valid offsets are (limit, top] */
		u64 top = (s->ar & AR_DB) ? 0xffffffffull : 0xffffull;
		if (off <= s->limit || last > top)
			cpu_fault(c, vec, 0);
	}
	return (s->base + off) & 0xffffffffull;
}

/* SDM Vol.3B "Debug Exception Conditions": data breakpoints are traps
 * checked after the access (cpu/system/debug.c records them for the boundary) */
u64 cpu_read(struct cpu *c, unsigned seg, u64 off, unsigned size)
{
	u64 lin = seg_check(c, seg, off, size, ACC_R);
	u64 v = lin_read(c, lin, size, ACC_R);
	if (unlikely(c->dr[7] & 0xff) && cpu_debug_data_enabled(c))
		cpu_debug_check_data(c, lin, size, false);
	return v;
}

void cpu_write(struct cpu *c, unsigned seg, u64 off, unsigned size, u64 val)
{
	u64 lin = seg_check(c, seg, off, size, ACC_W);
	lin_write(c, lin, size, val, ACC_W);
	if (unlikely(c->dr[7] & 0xff) && cpu_debug_data_enabled(c))
		cpu_debug_check_data(c, lin, size, true);
}

/* The byte-string forms (descriptor-table registers, FXSAVE images, ...):
 * a page at a time, copied straight through the TLB's host pointer when
 * the page is plain RAM the access may use that way (the per-byte path
 * keeps MMIO, pages holding decoded code and watched pages right). */
static unsigned bytes_in_page(const struct cpu *c, u64 *lin, unsigned len)
{
	if (!(c->efer & EFER_LMA))
		*lin &= 0xffffffffull;
	unsigned room = 0x1000 - (unsigned)(*lin & 0xfff);
	return len < room ? len : room;
}

void cpu_read_bytes(struct cpu *c, unsigned seg, u64 off, void *buf, unsigned len)
{
	u64 lin = seg_check(c, seg, off, len, ACC_R);
	u8 *p = buf;
	while (len) {
		unsigned n = bytes_in_page(c, &lin, len);
		struct tlb_entry *e = translate(c, lin, ACC_R);
		if (e->host)
			memcpy(p, e->host + (lin & 0xfff), n);
		else
			for (unsigned k = 0; k < n; k++)
				p[k] = (u8)read_in_page(c, lin + k, 1, ACC_R);
		lin += n, p += n, len -= n;
	}
}

void cpu_write_bytes(struct cpu *c, unsigned seg, u64 off, const void *buf, unsigned len)
{
	u64 lin = seg_check(c, seg, off, len, ACC_W);
	/* probe every page for write first, so a fault leaves memory untouched */
	for (u64 a = lin & ~0xfffull; a < lin + len; a += 0x1000)
		translate(c, a < lin ? lin : a, ACC_W);
	const u8 *p = buf;
	while (len) {
		unsigned n = bytes_in_page(c, &lin, len);
		struct tlb_entry *e = translate(c, lin, ACC_W);
		if (e->host && (e->perm & (TLBP_W_SUP | TLBP_W_USER)))
			memcpy(e->host + (lin & 0xfff), p, n);
		else
			for (unsigned k = 0; k < n; k++)
				write_in_page(c, e, lin + k, 1, p[k]);
		lin += n, p += n, len -= n;
	}
}

unsigned cpu_stack_size(const struct cpu *c)
{
	if (c->mode == MODE_LONG64)
		return 8;
	return (c->seg[SEG_SS].ar & AR_DB) ? 4 : 2;
}

/* SDM "PUSH": the stack pointer is decremented by the operand size, using
 * the stack-address size for the wrap; RSP is only updated after the store. */
void cpu_push(struct cpu *c, unsigned size, u64 val)
{
	unsigned ss = cpu_stack_size(c);
	u64 mask = size_mask(ss);
	u64 sp = (c->gpr[RSP] - size) & mask;
	cpu_write(c, SEG_SS, sp, size, val);
	c->gpr[RSP] = (c->gpr[RSP] & ~mask) | sp;
}

u64 cpu_pop(struct cpu *c, unsigned size)
{
	unsigned ss = cpu_stack_size(c);
	u64 mask = size_mask(ss);
	u64 sp = c->gpr[RSP] & mask;
	u64 v = cpu_read(c, SEG_SS, sp, size);
	c->gpr[RSP] = (c->gpr[RSP] & ~mask) | ((sp + size) & mask);
	return v;
}

u64 cpu_peek(struct cpu *c, unsigned size, unsigned depth_bytes)
{
	u64 mask = size_mask(cpu_stack_size(c));
	return cpu_read(c, SEG_SS, (c->gpr[RSP] + depth_bytes) & mask, size);
}

u64 cpu_in(struct cpu *c, u16 port, unsigned size)
{
	cpu_kick(c); /* device state may change what is deliverable */
	u64 v = pio_read(&c->machine->mem, port, size);
	if (unlikely(c->dr[7] & 0xff))
		cpu_debug_check_io(c, port, size);
	return v;
}

void cpu_out(struct cpu *c, u16 port, unsigned size, u64 val)
{
	cpu_kick(c); /* device state may change what is deliverable */
	pio_write(&c->machine->mem, port, size, val);
	if (unlikely(c->dr[7] & 0xff))
		cpu_debug_check_io(c, port, size);
}
