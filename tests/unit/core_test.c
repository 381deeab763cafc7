/* tests/unit/core_test.c: the CPU core — lazy flags, decoder glue, page
 * walks and TLB, descriptor unpacking, near branches/stack, the decoded
 * block cache and self-modifying code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpu/decode/decode.h"
#include "cpu/system/desc.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "harness.h"

/* --- flags: SDM Vol.1 "Status Flags" --- */
static void test_flags_add_sub(void **state)
{
	struct cpu c = { 0 };
	flags_lazy(&c, LAZY_ADD, 1, 0xff, 0x01, 0x00, 0);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_CF | RFLAGS_ZF | RFLAGS_PF | RFLAGS_AF);
	flags_lazy(&c, LAZY_ADD, 1, 0x7f, 0x01, 0x80, 0);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_OF | RFLAGS_SF | RFLAGS_AF);
	flags_lazy(&c, LAZY_SUB, 4, 0, 1, 0xffffffff, 0);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_CF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF);
	flags_lazy(&c, LAZY_SUB, 8, 0x8000000000000000ull, 1, 0x7fffffffffffffffull, 0);
	assert_true(cpu_rflags(&c) & RFLAGS_OF);
	assert_false(cpu_rflags(&c) & RFLAGS_CF);
	/* ADC with carry-in: 0xff + 0 + 1 = 0x100 -> CF */
	flags_lazy(&c, LAZY_ADC, 1, 0xff, 0, 0, 1);
	assert_true(flags_cf(&c));
	/* SBB with borrow-in: 0 - 0 - 1 -> CF */
	flags_lazy(&c, LAZY_SBB, 2, 0, 0, 0xffff, 1);
	assert_true(flags_cf(&c));
	/* INC keeps CF (cf_in) and sets OF at 0x7f -> 0x80 */
	flags_lazy(&c, LAZY_INC, 1, 0x7f, 1, 0x80, 1);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_CF | RFLAGS_OF | RFLAGS_SF | RFLAGS_AF);
	flags_lazy(&c, LAZY_DEC, 1, 0x80, 1, 0x7f, 0);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_OF | RFLAGS_AF);
	/* a shift: CF and OF as the shift computed them, AF 0, SZP from the result */
	flags_lazy(&c, LAZY_SHIFT, 4, 0, 1, 0x80000000, 1);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_CF | RFLAGS_OF | RFLAGS_SF | RFLAGS_PF);
	flags_lazy(&c, LAZY_SHIFT, 8, 0, 0, 0, 0);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_ZF | RFLAGS_PF);
	flags_lazy(&c, LAZY_SHIFT, 2, 0, 0, 0x0001, 1);
	assert_true(flags_cond_slow(&c, 2 * 1));     /* B: CF */
	assert_false(flags_cond_slow(&c, 2 * 0));    /* O */
	assert_true(flags_cond_slow(&c, 2 * 2 + 1)); /* NZ */
	flags_lazy(&c, LAZY_LOGIC, 2, 0, 0, 0x8000, 0);
	assert_int_equal(cpu_rflags(&c) & RFLAGS_ARITH, RFLAGS_SF | RFLAGS_PF);
}

static void test_flags_conditions(void **state)
{
	struct cpu c = { 0 };
	/* cmp 1, 2 (signed and unsigned less) */
	flags_lazy(&c, LAZY_SUB, 4, 1, 2, 0xffffffff, 0);
	assert_true(flags_cond(&c, 0x2));  /* B */
	assert_true(flags_cond(&c, 0xc));  /* L */
	assert_true(flags_cond(&c, 0xe));  /* LE */
	assert_false(flags_cond(&c, 0x4)); /* Z */
	assert_true(flags_cond(&c, 0x6));  /* BE */
	assert_false(flags_cond(&c, 0xf)); /* G */
	/* cmp -1, 1: signed less, unsigned above */
	flags_lazy(&c, LAZY_SUB, 4, 0xffffffff, 1, 0xfffffffe, 0);
	assert_true(flags_cond(&c, 0xc));
	assert_true(flags_cond(&c, 0x7));  /* A */
	/* flags_set is eager and visible to conditions */
	flags_set(&c, RFLAGS_ARITH, RFLAGS_PF);
	assert_true(flags_cond(&c, 0xa));  /* P */
	assert_false(flags_cond(&c, 0xb));
}

/* --- decoder glue --- */
static void test_decode_forms(void **state)
{
	struct insn in;
	/* add rax, [rbx+rcx*4+0x10] */
	static const u8 a[] = { 0x48, 0x03, 0x44, 0x8b, 0x10 };
	assert_int_equal(decode_insn(MODE_LONG64, a, sizeof(a), &in), DECODE_OK);
	assert_int_equal(in.len, 5);
	assert_int_equal(in.osize, 8);
	assert_int_equal(in.nops, 2);
	assert_int_equal(in.op[0].kind, OPK_REG);
	assert_int_equal(in.op[0].reg, RAX);
	assert_int_equal(in.op[1].kind, OPK_MEM);
	assert_int_equal(in.base, RBX);
	assert_int_equal(in.index, RCX);
	assert_int_equal(in.scale, 2);
	assert_int_equal(in.disp, 0x10);
	assert_int_equal(in.seg, SEG_DS);
	/* mov ah, [rbp-8] in 32-bit mode: SS default, AH = 16+0 */
	static const u8 b[] = { 0x8a, 0x65, 0xf8 };
	assert_int_equal(decode_insn(MODE_PROT32, b, sizeof(b), &in), DECODE_OK);
	assert_int_equal(in.op[0].reg, 16);
	assert_int_equal(in.seg, SEG_SS);
	assert_int_equal(in.disp, -8);
	/* fs override, RIP-relative */
	static const u8 d[] = { 0x64, 0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00 };
	assert_int_equal(decode_insn(MODE_LONG64, d, sizeof(d), &in), DECODE_OK);
	assert_int_equal(in.seg, SEG_FS);
	assert_int_equal(in.base, REG_RIP);
	/* rep movsb: no visible operands, REP prefix, DS source */
	static const u8 e[] = { 0xf3, 0xa4 };
	assert_int_equal(decode_insn(MODE_LONG64, e, sizeof(e), &in), DECODE_OK);
	assert_int_equal(in.rep, PFX_REP);
	assert_int_equal(in.seg, SEG_DS);
	/* jnz rel8: cc from the opcode */
	static const u8 f[] = { 0x75, 0xfe };
	assert_int_equal(decode_insn(MODE_LONG64, f, sizeof(f), &in), DECODE_OK);
	assert_int_equal(in.cc, 5);
	assert_int_equal((i64)in.imm, -2);
	/* ljmp ptr16:32 in 32-bit mode */
	static const u8 g[] = { 0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00 };
	assert_int_equal(decode_insn(MODE_PROT32, g, sizeof(g), &in), DECODE_OK);
	assert_true(in.flags & INSN_F_FAR);
	assert_int_equal(in.imm, 0x12345678);
	assert_int_equal(in.imm2, 8);
}

/* SDM "Special Cases of REX Encodings": SIB base 101b with mod 00b is
 * disp32 without a base even with REX.B (Zydis 4.0 gets the 67h form wrong) */
static void test_decode_sib_disp32_rex_b(void **state)
{
	struct insn in;
	static const u8 a[] = { 0x66, 0x67, 0x45, 0x8d, 0x1c, 0x65, 0xd1, 0x06, 0x00, 0x00 };
	assert_int_equal(decode_insn(MODE_LONG64, a, sizeof(a), &in), DECODE_OK);
	assert_int_equal(in.len, 10);
	assert_int_equal(in.base, REG_NONE);
	assert_int_equal(in.index, REG_NONE);
	assert_int_equal(in.disp, 0x6d1);
	/* with an index (REX.X: r12*4) */
	static const u8 b[] = { 0x67, 0x47, 0x8a, 0x3c, 0xa5, 0x10, 0x00, 0x00, 0x00 };
	assert_int_equal(decode_insn(MODE_LONG64, b, sizeof(b), &in), DECODE_OK);
	assert_int_equal(in.base, REG_NONE);
	assert_int_equal(in.index, R12);
	assert_int_equal(in.scale, 2);
	assert_int_equal(in.disp, 0x10);
}

static void test_decode_errors(void **state)
{
	struct insn in;
	static const u8 ud[] = { 0x0f, 0xff, 0xc0 }; /* UD0 with ModRM is fine; 0f 0b is UD2 */
	(void)ud;
	static const u8 inv[] = { 0x06 }; /* PUSH ES is invalid in 64-bit mode */
	assert_int_equal(decode_insn(MODE_LONG64, inv, 1, &in), DECODE_INVALID);
	assert_int_equal(decode_insn(MODE_PROT32, inv, 1, &in), DECODE_OK);
	static const u8 trunc[] = { 0x48, 0x8b };
	assert_int_equal(decode_insn(MODE_LONG64, trunc, 2, &in), DECODE_NEED_MORE);
	u8 longi[16];
	memset(longi, 0x66, sizeof(longi));
	longi[15] = 0x90;
	assert_int_equal(decode_insn(MODE_LONG64, longi, 16, &in), DECODE_TOO_LONG);
}

/* --- descriptors --- */
static void test_desc_unpack(void **state)
{
	struct seg_cache s;
	seg_cache_from_desc(&s, 0x08, 0x00cf9b000000ffffull);
	assert_int_equal(s.base, 0);
	assert_int_equal(s.limit, 0xffffffff);
	assert_int_equal(s.ar, 0xc09b);
	seg_cache_from_desc(&s, 0x10, 0x0040930b8000ffffull | (0x12ull << 56));
	assert_int_equal(s.base, 0x120b8000);
	assert_int_equal(s.limit, 0xffff);
}

/* --- paging --- */
static void test_page_walk(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	gpa_t gpa;
	/* identity 2 MiB mapping */
	assert_int_equal(mmu_walk(c, 0x123456, ACC_R, false, true, &gpa), 0);
	assert_int_equal(gpa, 0x123456);
	/* beyond 1 GiB: PDPT entry 1 not present -> P=0 */
	u64 r = mmu_walk(c, 0x40000000, ACC_W, true, true, &gpa);
	assert_int_equal(r & 0x7fffffff, PFEC_W | PFEC_U);
	/* make the 2 MiB page at 4 MiB read-only supervisor, NX */
	h_poke64(&h, H_PT + 0x2000 + 8 * 2, (2ull << 21) | 0x81 | PTE_NX);
	tlb_flush_all(c);
	r = mmu_walk(c, 0x400000, ACC_R, true, true, &gpa);
	assert_int_equal(r & 0x7fffffff, PFEC_P | PFEC_U);
	r = mmu_walk(c, 0x400000, ACC_W, false, true, &gpa);
	assert_int_equal(r & 0x7fffffff, PFEC_P | PFEC_W); /* CR0.WP=1 */
	c->cr0 &= ~CR0_WP;
	assert_int_equal(mmu_walk(c, 0x400000, ACC_W, false, true, &gpa), 0);
	c->cr0 |= CR0_WP;
	r = mmu_walk(c, 0x400000, ACC_X, false, true, &gpa);
	assert_int_equal(r & 0x7fffffff, PFEC_P | PFEC_I);
	/* reserved bit (bit 51 with MAXPHYADDR < 52) */
	h_poke64(&h, H_PT + 0x2000 + 8 * 3, (3ull << 21) | 0x87 | BIT(51));
	r = mmu_walk(c, 0x600000, ACC_R, false, true, &gpa);
	assert_int_equal(r & 0x7fffffff, PFEC_P | PFEC_RSVD);
	/* SMEP: supervisor fetch from a user page */
	c->cr4 |= CR4_SMEP;
	r = mmu_walk(c, 0x100000, ACC_X, false, true, &gpa);
	assert_int_equal(r & 0x7fffffff, PFEC_P | PFEC_I);
	c->cr4 &= ~CR4_SMEP;
	/* SMAP: supervisor data access to a user page needs RFLAGS.AC */
	c->cr4 |= CR4_SMAP;
	r = mmu_walk(c, 0x100000, ACC_R, false, true, &gpa);
	assert_int_equal(r & 0x7fffffff, PFEC_P);
	c->rflags |= RFLAGS_AC;
	assert_int_equal(mmu_walk(c, 0x100000, ACC_R, false, true, &gpa), 0);
	c->cr4 &= ~CR4_SMAP;
	/* accessed and dirty bits are set by a real (non-probe) write */
	h_poke64(&h, H_PT + 0x2000 + 8 * 4, (4ull << 21) | 0x83);
	assert_int_equal(mmu_walk(c, 0x800000, ACC_W, false, false, &gpa), 0);
	assert_int_equal(h_peek64(&h, H_PT + 0x2000 + 8 * 4) & (PTE_A | PTE_D), PTE_A | PTE_D);
	h_free(&h);
}

/* --- execution through the step loop --- */
static void test_exec_stack_branches(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	/* mov ecx,5; xor eax,eax is not core; use: mov eax,0; loop: lea eax,[rax+rcx]; loop loop
	 * then push rax; pop rbx; call f; jmp end; f: mov edx,7; ret; end: */
	static const u8 code[] = {
		0xb9, 0x05, 0x00, 0x00, 0x00,       /* mov ecx, 5 */
		0xb8, 0x00, 0x00, 0x00, 0x00,       /* mov eax, 0 */
		0x8d, 0x04, 0x08,                   /* lea eax, [rax+rcx] */
		0xe2, 0xfb,                         /* loop -5 */
		0x50,                               /* push rax */
		0x5b,                               /* pop rbx */
		0xe8, 0x02, 0x00, 0x00, 0x00,       /* call +2 */
		0xeb, 0x06,                         /* jmp +6 */
		0xba, 0x07, 0x00, 0x00, 0x00,       /* mov edx, 7 */
		0xc3,                               /* ret */
	};
	h_code(&h, code, sizeof(code));
	assert_int_equal(h_run(&h, H_CODE + sizeof(code), 100), -1);
	assert_int_equal(c->rip, H_CODE + sizeof(code));
	assert_int_equal(c->gpr[RAX], 15);
	assert_int_equal(c->gpr[RBX], 15);
	assert_int_equal(c->gpr[RCX], 0);
	assert_int_equal(c->gpr[RDX], 7);
	assert_int_equal(c->gpr[RSP], H_STACK);
	/* 32-bit register writes zero-extend; 8/16-bit ones merge */
	static const u8 code2[] = {
		0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, /* mov rax, -1 */
		0xb0, 0x12,                               /* mov al, 0x12 */
		0xb4, 0x34,                               /* mov ah, 0x34 */
		0x48, 0x89, 0xc3,                         /* mov rbx, rax */
		0x89, 0xc1,                               /* mov ecx, eax */
	};
	assert_int_equal(h_exec(&h, code2, sizeof(code2)), -1);
	assert_int_equal(c->gpr[RBX], 0xffffffffffff3412ull);
	assert_int_equal(c->gpr[RCX], 0xffff3412ull);
	h_free(&h);
}

/* SDM Vol.3A "Self-Modifying Code": a write to code that already ran is
 * seen the next time it runs */
static void test_self_modifying_code(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	static const u8 code[] = {
		0xb8, 0x01, 0x00, 0x00, 0x00,             /* mov eax, 1 */
		0xc6, 0x05, 0xf5, 0xff, 0xff, 0xff, 0x02, /* mov byte [rip-11], 2 (the imm above) */
	};
	h_code(&h, code, sizeof(code));
	assert_int_equal(h_run(&h, H_CODE + sizeof(code), 10), -1);
	assert_int_equal(c->gpr[RAX], 1);
	c->rip = H_CODE;
	assert_int_equal(h_run(&h, H_CODE + 5, 10), -1);
	assert_int_equal(c->gpr[RAX], 2);
	/* the same through cpu_run's block path */
	c->rip = H_CODE;
	h_poke(&h, H_CODE + 1, "\x03", 1);
	c->deadline = c->icount + 1;
	cpu_run(c);
	assert_int_equal(c->gpr[RAX], 3);
	h_free(&h);
}

static void test_page_fault_delivery(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	/* mov rax, [0x40000000]: not mapped -> #PF(0), CR2 */
	static const u8 code[] = { 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x40 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_PF);
	assert_int_equal(c->cr2, 0x40000000);
	/* the error code is on the stack above RIP/CS/RFLAGS/RSP/SS */
	assert_int_equal(h_peek64(&h, c->gpr[RSP]), 0);
	assert_int_equal(h_peek64(&h, c->gpr[RSP] + 8), H_CODE);
	/* 0xff 0xff is not an instruction: #UD */
	h_free(&h);
	h_init(&h, NULL);
	static const u8 bad[] = { 0xff, 0xff };
	assert_int_equal(h_exec(&h, bad, sizeof(bad)), VEC_UD);
	h_free(&h);
}

/* SDM "INVLPG": the translation of the page (of any size) holding the
 * address goes, and only that: other pages stay cached, and code reached
 * through the old translation is not run again */
#define INV_PT   0x30000ull             /* a page table for 6-8 MiB */
#define INV_LIN  0x600000ull            /* 4 KiB pages from here */
static void test_invlpg_precise(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	struct physmem *pm = &h.m.mem;
	/* 6-8 MiB through 4 KiB pages: page k -> 0x800000 + k * 4 KiB */
	for (u64 k = 0; k < 512; k++)
		h_poke64(&h, INV_PT + 8 * k, (0x800000ull + (k << 12)) | 7);
	h_poke64(&h, H_PT + 0x2000 + 8 * 3, INV_PT | 7);
	phys_write(pm, 0x800000, 8, 0x1111);
	phys_write(pm, 0x801000, 8, 0x2222);
	phys_write(pm, 0x900000, 8, 0x3333);
	assert_int_equal(cpu_read(c, SEG_DS, INV_LIN, 8), 0x1111);
	assert_int_equal(cpu_read(c, SEG_DS, INV_LIN + 0x1000, 8), 0x2222);
	/* remap page 0 to 0x900000: not seen until INVLPG */
	h_poke64(&h, INV_PT, 0x900000ull | 7);
	assert_int_equal(cpu_read(c, SEG_DS, INV_LIN, 8), 0x1111);
	tlb_flush_page(c, INV_LIN + 0x123);
	assert_int_equal(cpu_read(c, SEG_DS, INV_LIN, 8), 0x3333);
	/* page 1 stayed cached: a PTE change there is not seen yet */
	h_poke64(&h, INV_PT + 8, 0x900000ull | 7);
	assert_int_equal(cpu_read(c, SEG_DS, INV_LIN + 0x1000, 8), 0x2222);

	/* a 2 MiB page (2-4 MiB): INVLPG of one address drops every piece */
	phys_write(pm, 0x200000, 8, 0xaaaa);
	phys_write(pm, 0x3ff000, 8, 0xbbbb);
	phys_write(pm, 0xa00000, 8, 0xcccc);
	phys_write(pm, 0xbff000, 8, 0xdddd);
	assert_int_equal(cpu_read(c, SEG_DS, 0x200000, 8), 0xaaaa);
	assert_int_equal(cpu_read(c, SEG_DS, 0x3ff000, 8), 0xbbbb);
	h_poke64(&h, H_PT + 0x2000 + 8 * 1, 0xa00000ull | 0x87);
	tlb_flush_page(c, 0x200010);
	assert_int_equal(cpu_read(c, SEG_DS, 0x200000, 8), 0xcccc);
	assert_int_equal(cpu_read(c, SEG_DS, 0x3ff000, 8), 0xdddd);

	/* code: run "mov eax, 1; hlt" at INV_LIN + 0x2000, remap that page to
	 * "mov eax, 2; hlt", INVLPG, run again from the same RIP */
	static const u8 one[] = { 0xb8, 0x01, 0, 0, 0, 0xf4 }, two[] = { 0xb8, 0x02, 0, 0, 0, 0xf4 };
	h_poke(&h, 0x802000, one, sizeof(one));
	h_poke(&h, 0x903000, two, sizeof(two));
	for (int round = 0; round < 2; round++) {
		if (round) {
			h_poke64(&h, INV_PT + 8 * 2, 0x903000ull | 7);
			tlb_flush_page(c, INV_LIN + 0x2000);
		}
		c->rip = INV_LIN + 0x2000;
		c->activity = ACT_ACTIVE;
		c->deadline = c->icount + 100;
		cpu_run(c);
		assert_int_equal(c->gpr[RAX], round ? 2 : 1);
	}
	h_free(&h);
}

/* clock_run_timers: a callback that re-arms its timer at "now" waits for the
 * next nanosecond instead of firing for ever */
static int rearm_count;
static struct timer rearm_timer;
static void rearm_now(void *opaque)
{
	struct machine *m = opaque;
	rearm_count++;
	timer_mod(m, &rearm_timer, clock_ns(m));
}

static void test_timer_rearm_now(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	u64 now = clock_ns(&h.m);
	timer_init(&rearm_timer, rearm_now, &h.m);
	timer_mod(&h.m, &rearm_timer, now);
	clock_run_timers(&h.m);
	assert_int_equal(rearm_count, 1);
	assert_true(rearm_timer.armed);
	assert_int_equal(rearm_timer.deadline, now + 1);
	timer_del(&h.m, &rearm_timer);
	h_free(&h);
}

/* a CPU halted with IF=0 while the PIT ticks every 1.7 us: the run ends as
 * "halted" after 1 s of virtual time (nothing can take the interrupt), not
 * after 60 s of idle skipping */
static void test_deaf_halt_ends_soon(void **state)
{
	static const u8 code[] = { 0xfa, 0xf4 }; /* cli; hlt */
	struct harness h;
	h_init(&h, NULL);
	h_code(&h, code, sizeof(code));
	pio_write(&h.m.mem, 0x43, 1, 0x34); /* channel 0, lo/hi, mode 2 */
	pio_write(&h.m.mem, 0x40, 1, 2);
	pio_write(&h.m.mem, 0x40, 1, 0);
	assert_int_equal(machine_run(&h.m), 2);
	assert_int_equal(h.m.end, RUN_HALTED);
	assert_true(h.m.clock.ns < 2000000000ull);
	h_free(&h);
}

/* physmem_move_*: a range answers at its new base (with offsets from it),
 * no longer at the old one, and not at all with length 0 */
static u64 probe_off;
static u64 probe_read(void *opaque, u64 off, unsigned size)
{
	probe_off = off;
	return 0x5a;
}

static void probe_write(void *opaque, u64 off, u64 val, unsigned size)
{
	probe_off = off;
}

static void test_physmem_move(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct physmem *pm = &h.m.mem;
	int r = physmem_add_mmio(pm, 0xe0000000ull, 0x1000, probe_read, probe_write, NULL, "probe");
	int p = physmem_add_pio(pm, 0x7000, 0x10, probe_read, probe_write, NULL, "probe");
	assert_int_equal(phys_read(pm, 0xe0000010ull, 1), 0x5a);
	assert_int_equal(probe_off, 0x10);
	physmem_move_mmio(pm, r, 0xe0100000ull, 0x1000);
	assert_int_equal(phys_read(pm, 0xe0000010ull, 1), 0xff); /* unclaimed */
	assert_int_equal(phys_read(pm, 0xe0100020ull, 1), 0x5a);
	assert_int_equal(probe_off, 0x20);
	physmem_move_mmio(pm, r, 0xe0100000ull, 0);
	assert_int_equal(phys_read(pm, 0xe0100020ull, 1), 0xff);
	assert_int_equal(pio_read(pm, 0x7004, 1), 0x5a);
	physmem_move_pio(pm, p, 0x7100, 0x10);
	assert_int_equal(pio_read(pm, 0x7004, 1), 0xff);
	assert_int_equal(pio_read(pm, 0x7108, 1), 0x5a);
	assert_int_equal(probe_off, 8);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_add_sub),
		cmocka_unit_test(test_flags_conditions),
		cmocka_unit_test(test_decode_forms),
		cmocka_unit_test(test_decode_sib_disp32_rex_b),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_desc_unpack),
		cmocka_unit_test(test_page_walk),
		cmocka_unit_test(test_exec_stack_branches),
		cmocka_unit_test(test_self_modifying_code),
		cmocka_unit_test(test_page_fault_delivery),
		cmocka_unit_test(test_physmem_move),
		cmocka_unit_test(test_invlpg_precise),
		cmocka_unit_test(test_timer_rearm_now),
		cmocka_unit_test(test_deaf_halt_ends_soon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
