/* tests/unit/harness.h: a whole machine with one CPU already in 64-bit
 * mode, for unit tests that run real instruction bytes through the decoder
 * and step loop. Header-only: each *_test.c is its own program.
 *
 * Memory map (guest-physical = linear, identity-mapped with 2 MiB pages
 * over the first 1 GiB, supervisor+user, writable):
 *   0x001000 GDT         0x002000 IDT     0x010000 page tables
 *   0x100000 code (RIP)  0x1ff000 stack top (RSP)
 *   0x300000 + 16*v: exception/interrupt v lands on a HLT here
 *   0x400000 scratch data
 */
#ifndef NESTBOX_TESTS_HARNESS_H
#define NESTBOX_TESTS_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/step.h"
#include "machine/machine.h"

#define H_GDT     0x1000ull
#define H_IDT     0x2000ull
#define H_PT      0x10000ull
#define H_CODE    0x100000ull
#define H_STACK   0x1ff000ull
#define H_VECTORS 0x300000ull
#define H_DATA    0x400000ull

struct harness {
	struct machine m;
	struct cpu *c;
};

static inline void h_poke(struct harness *h, u64 gpa, const void *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		phys_write(&h->m.mem, gpa + k, 1, ((const u8 *)p)[k]);
}

static inline void h_poke64(struct harness *h, u64 gpa, u64 v) { phys_write(&h->m.mem, gpa, 8, v); }
static inline u64 h_peek64(struct harness *h, u64 gpa) { return phys_read(&h->m.mem, gpa, 8); }

/* flat 64-bit code (0x08), data (0x10), 32-bit code (0x18), user code 64 (0x2b), user data (0x23) */
static inline void h_setup_gdt(struct harness *h)
{
	h_poke64(h, H_GDT + 0x00, 0);
	h_poke64(h, H_GDT + 0x08, 0x00af9b000000ffffull);
	h_poke64(h, H_GDT + 0x10, 0x00cf93000000ffffull);
	h_poke64(h, H_GDT + 0x18, 0x00cf9b000000ffffull);
	h_poke64(h, H_GDT + 0x20, 0x00cff3000000ffffull);
	h_poke64(h, H_GDT + 0x28, 0x00affb000000ffffull);
}

/* 64-bit interrupt gates: vector v -> H_VECTORS + 16 v, each a HLT */
static inline void h_setup_idt(struct harness *h)
{
	for (u64 v = 0; v < 256; v++) {
		u64 target = H_VECTORS + 16 * v;
		u64 lo = (target & 0xffff) | (0x08ull << 16) | (0x8eull << 40) |
			 ((target >> 16 & 0xffff) << 48);
		h_poke64(h, H_IDT + 16 * v, lo);
		h_poke64(h, H_IDT + 16 * v + 8, target >> 32);
		u8 hlt = 0xf4;
		h_poke(h, target, &hlt, 1);
	}
}

/* a machine with `ncpus` vCPUs; h->c (vCPU 0) is set up as described above */
static inline void h_init_smp(struct harness *h, const char *cpu_spec, int ncpus)
{
	struct machine_config cfg = { 0 };
	memset(h, 0, sizeof(*h));
	cfg.ram_size = 64ull << 20;
	cfg.smp = ncpus;
	cfg.cpu_spec = cpu_spec ? cpu_spec : "max";
	cfg.debug_exit_port = 0xf4;
	if (machine_init(&h->m, &cfg) < 0)
		abort();
	struct cpu *c = h->c = h->m.cpus[0];
	h_setup_gdt(h);
	h_setup_idt(h);
	/* PML4 -> PDPT -> PD with 2 MiB pages over 1 GiB */
	h_poke64(h, H_PT, (H_PT + 0x1000) | 7);
	h_poke64(h, H_PT + 0x1000, (H_PT + 0x2000) | 7);
	for (u64 k = 0; k < 512; k++)
		h_poke64(h, H_PT + 0x2000 + 8 * k, (k << 21) | 0x87);
	c->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG | CR0_WP | CR0_MP;
	c->cr3 = H_PT;
	c->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	c->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	c->gdtr = (struct dtr){ H_GDT, 0x2f };
	c->idtr = (struct dtr){ H_IDT, 0xfff };
	c->seg[SEG_CS] = (struct seg_cache){ 0x08, 0xffffffff, 0, 0xa09b };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			c->seg[s] = (struct seg_cache){ 0x10, 0xffffffff, 0, 0xc093 };
	c->seg[SEG_TR] = (struct seg_cache){ 0, 0x67, 0, 0x8b };
	c->seg[SEG_LDTR] = (struct seg_cache){ 0, 0, 0, AR_UNUSABLE };
	c->rip = H_CODE;
	c->gpr[RSP] = H_STACK;
	cpu_set_rflags(c, RFLAGS_FIXED);
	cpu_update_mode(c);
}

static inline void h_init(struct harness *h, const char *cpu_spec)
{
	h_init_smp(h, cpu_spec, 1);
}

static inline void h_code(struct harness *h, const void *code, size_t len)
{
	h_poke(h, H_CODE, code, len);
	h->c->rip = H_CODE;
}

/* Run until RIP reaches `stop` or n instructions retire. Returns the vector
 * of the exception/interrupt that was delivered (RIP landed in the vector
 * area), or -1. */
static inline int h_run(struct harness *h, u64 stop, unsigned n)
{
	struct cpu *c = h->c;
	for (unsigned k = 0; k < n && c->rip != stop; k++) {
		cpu_step(c);
		if (c->rip >= H_VECTORS && c->rip < H_VECTORS + 16 * 256)
			return (int)((c->rip - H_VECTORS) / 16);
		if (c->activity != ACT_ACTIVE)
			break;
	}
	return -1;
}

/* Run code bytes (no trailing terminator needed) until RIP passes their end */
static inline int h_exec(struct harness *h, const void *code, size_t len)
{
	h_code(h, code, len);
	return h_run(h, H_CODE + len, 10000);
}

/* Real-address mode with CS = cs_sel (base cs_sel * 16), data segments at
 * 0 and the IVT at 0 (SDM Vol.3A "Real-Address Mode Operation"). */
static inline void h_real_mode(struct harness *h, u16 cs_sel)
{
	struct cpu *c = h->c;
	c->cr0 = CR0_ET;
	c->cr4 = 0;
	c->efer = 0;
	c->seg[SEG_CS] = (struct seg_cache){ cs_sel, 0xffff, (u64)cs_sel << 4, 0x9b };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			c->seg[s] = (struct seg_cache){ 0, 0xffff, 0, 0x93 };
	c->idtr = (struct dtr){ 0, 0x3ff };
	cpu_update_mode(c);
}

/* Legacy 32-bit protected mode at CPL 3 (flat ring-3 code 0x33 at GDT slot
 * 6, data 0x23), with a 32-bit TSS at `tss` (GDT slot 7, selector 0x38)
 * giving the ring-0 stack 0x10:0x1f0000. GDT limit 0x3f. */
static inline void h_prot32_ring3(struct harness *h, u64 tss)
{
	struct cpu *c = h->c;
	c->cr0 = CR0_PE | CR0_ET;
	c->cr4 = 0;
	c->efer = 0;
	h_poke64(h, H_GDT + 0x30, 0x00cffb000000ffffull); /* ring-3 32-bit code */
	h_poke64(h, H_GDT + 0x38, (0x89ull << 40) | (tss << 16) | 0x67);
	c->gdtr.limit = 0x3f;
	c->seg[SEG_CS] = (struct seg_cache){ 0x33, 0xffffffff, 0, 0xc0fb };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			c->seg[s] = (struct seg_cache){ 0x23, 0xffffffff, 0, 0xc0f3 };
	c->seg[SEG_TR] = (struct seg_cache){ 0x38, 0x67, tss, 0x8b };
	phys_write(&h->m.mem, tss + 4, 4, 0x1f0000);
	phys_write(&h->m.mem, tss + 8, 2, 0x10);
	cpu_set_rflags(c, RFLAGS_FIXED);
	cpu_update_mode(c);
}

static inline void h_free(struct harness *h) { machine_free(&h->m); }

/* a harness on the heap with `ncpus` vCPUs (cmocka fixtures keep it in *state) */
static inline struct harness *h_new(int ncpus)
{
	struct harness *h = calloc(1, sizeof(*h));

	if (!h)
		abort();
	h_init_smp(h, NULL, ncpus);
	return h;
}

static inline void h_delete(struct harness *h)
{
	h_free(h);
	free(h);
}

#endif
