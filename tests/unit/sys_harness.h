/* tests/unit/sys_harness.h: helpers for the system-instruction tests
 * (msr_test.c, sys_test.c, model_test.c) on top of harness.h: CPL 3,
 * legacy protected mode, real mode, model feature toggles, and a runner
 * that reports the delivered vector in any mode. */
#ifndef NESTBOX_TESTS_SYS_HARNESS_H
#define NESTBOX_TESTS_SYS_HARNESS_H

#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "harness.h"

#define S_TSS     0x5000ull /* TSS (RSP0 / ESP0:SS0 point at S_STACK0) */
#define S_IDT32   0x3000ull /* legacy-mode IDT, 8-byte gates */
#define S_STACK0  0x1f0000ull
#define S_RMVEC   0x7000ull /* real-mode vector stubs: 0x7000 + 16 v */

/* code bytes inline: sh_run(h, CODE(0x0f, 0x32)) */
#define CODE(...) ((const u8[]){ __VA_ARGS__ }), sizeof((const u8[]){ __VA_ARGS__ })

/* SH_FIXTURE: the one machine a test file drives (H, with C its CPU) and
 * the cmocka setup/teardown that give each test a fresh one */
#define SH_FIXTURE                                                      \
	static struct harness H;                                        \
	static int setup(void **s)                                      \
	{                                                               \
		sh_init(&H, NULL);                                      \
		return 0;                                               \
	}                                                               \
	static int teardown(void **s)                                   \
	{                                                               \
		h_free(&H);                                             \
		return 0;                                               \
	}

static inline void sh_init(struct harness *h, const char *spec)
{
	h_init(h, spec);
	h_poke64(h, S_TSS + 4, S_STACK0); /* RSP0 */
	h->c->seg[SEG_TR] = (struct seg_cache){ 0x30, 0x67, S_TSS, 0x8b };
}

/* CPL 3 with the harness's user selectors (0x2b code, 0x23 data) */
static inline void sh_user(struct harness *h)
{
	struct cpu *c = h->c;
	c->seg[SEG_CS] = (struct seg_cache){ 0x2b, 0xffffffff, 0, 0xa0fb };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			c->seg[s] = (struct seg_cache){ 0x23, 0xffffffff, 0, 0xc0f3 };
	cpu_update_mode(c);
}

/* 32-bit protected mode, paging off, IA-32e off, 32-bit IDT and TSS */
static inline void sh_prot32(struct harness *h)
{
	struct cpu *c = h->c;
	for (u64 v = 0; v < 256; v++) {
		u64 t = H_VECTORS + 16 * v;
		h_poke64(h, S_IDT32 + 8 * v,
			 (t & 0xffff) | (0x18ull << 16) | (0x8eull << 40) | ((t >> 16) << 48));
	}
	phys_write(&h->m.mem, S_TSS + 4, 4, S_STACK0);
	phys_write(&h->m.mem, S_TSS + 8, 4, 0x10);
	c->cr0 = CR0_PE | CR0_ET | CR0_NE;
	c->cr4 = 0;
	c->efer = 0;
	c->idtr = (struct dtr){ S_IDT32, 0x7ff };
	c->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			c->seg[s] = (struct seg_cache){ 0x10, 0xffffffff, 0, 0xc093 };
	c->seg[SEG_TR] = (struct seg_cache){ 0x30, 0x67, S_TSS, 0x8b };
	tlb_flush_all(c);
	cpu_update_mode(c);
}

/* real-address mode: code at H_CODE through a CS base of H_CODE, IVT at 0 */
static inline void sh_real(struct harness *h)
{
	struct cpu *c = h->c;
	for (u64 v = 0; v < 256; v++) {
		phys_write(&h->m.mem, 4 * v, 4, ((S_RMVEC >> 4) << 16) | (16 * v));
		phys_write(&h->m.mem, S_RMVEC + 16 * v, 1, 0xf4);
	}
	c->cr0 = CR0_ET;
	c->cr4 = 0;
	c->efer = 0;
	c->idtr = (struct dtr){ 0, 0x3ff };
	c->seg[SEG_CS] = (struct seg_cache){ 0x1000, 0xffff, H_CODE, 0x9b };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			c->seg[s] = (struct seg_cache){ 0x900, 0xffff, 0x9000, 0x93 };
	c->gpr[RSP] = 0x1000;
	tlb_flush_all(c);
	cpu_update_mode(c);
}

/* Run code placed at H_CODE (RIP = offset from CS base) until it runs off
 * its end; returns the delivered vector, or -1 */
static inline int sh_run(struct harness *h, const u8 *code, size_t len)
{
	struct cpu *c = h->c;
	u64 start = c->seg[SEG_CS].base == H_CODE ? 0 : H_CODE;
	h_poke(h, H_CODE, code, len);
	c->rip = start;
	for (unsigned k = 0; k < 10000 && c->rip != start + len; k++) {
		cpu_step(c);
		u64 lin = c->seg[SEG_CS].base + c->rip;
		if (lin >= H_VECTORS && lin < H_VECTORS + 16 * 256)
			return (int)((lin - H_VECTORS) / 16);
		if (lin >= S_RMVEC && lin < S_RMVEC + 16 * 256)
			return (int)((lin - S_RMVEC) / 16);
		if (c->activity != ACT_ACTIVE)
			break;
	}
	return -1;
}

/* the error code on the handler's stack (64-bit or 32-bit frame) */
static inline u32 sh_err(struct harness *h)
{
	return (u32)phys_read(&h->m.mem, h->c->gpr[RSP] & (h->c->mode == MODE_LONG64 ? ~0ull :
							     0xffffffffull), 4);
}

/* force a CPUID feature of the machine's model on or off (tests only: lets
 * rules for features nestbox does not advertise by default be exercised) */
static inline void sh_feat(struct harness *h, enum cpu_feature f, bool on)
{
	static const struct { u32 leaf, sub; u8 reg, bit; } fd[FEAT_NR] = {
#define FEAT(n, l, s, r, b) [FEAT_##n] = { l, s, r, b },
#include "cpu/features.def"
	};
	struct cpu_model *m = &h->m.model;
	for (int k = 0; k < m->nr_leaves; k++) {
		struct cpuid_leaf *l = &m->leaves[k];
		if (l->leaf == fd[f].leaf && l->subleaf == fd[f].sub) {
			if (on)
				l->r[fd[f].reg] |= (u32)BIT(fd[f].bit);
			else
				l->r[fd[f].reg] &= ~(u32)BIT(fd[f].bit);
		}
	}
	if (on)
		m->features[f / 64] |= BIT(f % 64);
	else
		m->features[f / 64] &= ~BIT(f % 64);
}

#endif
