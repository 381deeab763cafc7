/* tests/unit/fastpath_test.c: the decode-time specialised handlers, the
 * REP string fast path in legacy modes (cpu/exec/exec_string.c) and the fused
 * compare-and-branch pairs (cpu/decode/fastpath.c) must behave exactly like
 * the instructions they stand for: same results and flags, one retired
 * instruction per architectural instruction whatever the deadline, single
 * steps that stop between the compare and its Jcc, and RIP-relative
 * operands addressed from the end of their own instruction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpu/decode/decode.h"
#include "cpu/exec/flags.h"
#include "cpu/step.h"
#include "harness.h"

/*   mov ecx, 10
 *   xor eax, eax
 * L: add eax, 3
 *   cmp ecx, 5        ; fused with the jb below
 *   jb skip
 *   add eax, 100
 * skip:
 *   sub ecx, 1        ; fused with the jnz below
 *   jnz L
 *   hlt
 * 2 + 10 * 5 (add, cmp, jb, sub, jnz) + 5 * 1 (add 100 while ecx >= 5) + 1 hlt */
static const u8 loop_code[] = {
	0xb9, 0x0a, 0x00, 0x00, 0x00, /* mov ecx, 10 */
	0x31, 0xc0,                   /* xor eax, eax */
	0x83, 0xc0, 0x03,             /* L: add eax, 3 */
	0x83, 0xf9, 0x05,             /* cmp ecx, 5 */
	0x72, 0x03,                   /* jb skip */
	0x83, 0xc0, 0x64,             /* add eax, 100 */
	0x83, 0xe9, 0x01,             /* skip: sub ecx, 1 */
	0x75, 0xf0,                   /* jnz L */
	0xf4,                         /* hlt */
};
#define LOOP_INSNS (2 + 10 * 5 + 6 * 1 + 1)
#define LOOP_EAX (10 * 3 + 6 * 100)

/* run until HLT, in slices of `slice` instructions */
static void run_sliced(struct harness *h, u64 slice)
{
	struct cpu *c = h->c;

	for (int guard = 0; guard < 10000 && c->activity == ACT_ACTIVE; guard++) {
		u64 deadline = c->icount + slice;
		c->deadline = deadline;
		cpu_run(c);
		assert_true(c->icount <= deadline); /* a pair never overshoots */
	}
}

static void test_fused_loop_any_slice(void **state)
{
	for (u64 slice = 1; slice <= 40; slice++) {
		struct harness h;
		h_init(&h, NULL);
		h_code(&h, loop_code, sizeof(loop_code));
		run_sliced(&h, slice);
		assert_int_equal(h.c->activity, ACT_HLT);
		assert_int_equal(h.c->gpr[RAX], LOOP_EAX);
		assert_int_equal(h.c->gpr[RCX], 0);
		/* HLT retires: RIP after it */
		assert_int_equal(h.c->rip, H_CODE + sizeof(loop_code));
		assert_int_equal(h.c->icount, LOOP_INSNS);
		h_free(&h);
	}
}

/* the fusion actually happened (else the test above proves little) */
static void test_pair_is_one_slot(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	h_code(&h, loop_code, sizeof(loop_code));
	h.c->rip = H_CODE + 7; /* L */
	const struct block *b = icache_lookup(h.c);
	/* add; cmp+jb; add; sub+jnz; hlt */
	assert_int_equal(b->n, 5);
	assert_int_equal(b->insns[1].fused_len, 3);
	assert_int_equal(b->insns[1].len, 5);
	assert_int_equal(b->insns[3].fused_len, 3);
	h_free(&h);
}

/* cpu_step runs one instruction: the compare, then the Jcc */
static void test_single_step_splits_pair(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	h_code(&h, loop_code, sizeof(loop_code));
	struct cpu *c = h.c;
	for (int k = 0; k < 3; k++)
		cpu_step(c); /* mov, xor, add */
	assert_int_equal(c->rip, H_CODE + 10);
	cpu_step(c); /* cmp ecx, 5 */
	assert_int_equal(c->rip, H_CODE + 13);
	assert_int_equal(c->icount, 4);
	assert_false(cpu_rflags(c) & RFLAGS_CF); /* 10 >= 5 */
	cpu_step(c); /* jb: not taken */
	assert_int_equal(c->rip, H_CODE + 15);
	assert_int_equal(c->icount, 5);
	/* and the rest still runs to the same end */
	run_sliced(&h, 1000);
	assert_int_equal(c->gpr[RAX], LOOP_EAX);
	assert_int_equal(c->icount, LOOP_INSNS);
	h_free(&h);
}

/* cmp byte [rip+d], 0 / je: the operand is addressed from the end of the
 * CMP, not of the pair */
static void test_rip_relative_compare(void **state)
{
	static const u8 code[] = {
		0x80, 0x3d, 0x0a, 0x00, 0x00, 0x00, 0x00, /* cmp byte [rip+10], 0 */
		0x74, 0x02,                               /* je +2 */
		0xb0, 0x01,                               /* mov al, 1 */
		0xf4,                                     /* hlt */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       /* padding */
		0x00,                                     /* rip+10 from the CMP's end: 0x11 */
		0x05,                                     /* rip+10 from the JE's end: 0x13 */
	};
	struct harness h;
	h_init(&h, NULL);
	h_code(&h, code, sizeof(code));
	h.c->gpr[RAX] = 0;
	run_sliced(&h, 1000);
	/* byte at H_CODE + 7 + 10 = 0x11 is 0: JE taken, AL stays 0 */
	assert_int_equal(h.c->gpr[RAX] & 0xff, 0);
	assert_int_equal(h.c->icount, 3);
	h_free(&h);
}

/* a fused Jcc whose target is not canonical: #GP(0) reported at the Jcc,
 * with the compare retired (its flags in the pushed RFLAGS). The pair sits
 * at the top of the lower canonical half, mapped by one more 2 MiB page. */
static void test_fused_jcc_noncanonical(void **state)
{
	static const u8 code[] = {
		0x39, 0xc0, /* cmp eax, eax (ZF=1) */
		0x74, 0x20, /* jz +0x20: past 2^47 */
	};
	const u64 lin = 0x7ffffffffff0ull, page_pa = 0x800000ull;
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	h_poke64(&h, H_PT + 8 * 255, (H_PT + 0x3000) | 7);      /* PML4[255] */
	h_poke64(&h, H_PT + 0x3000 + 8 * 511, (H_PT + 0x4000) | 7); /* PDPT[511] */
	h_poke64(&h, H_PT + 0x4000 + 8 * 511, page_pa | 0x87);  /* PD[511]: 2 MiB */
	h_poke(&h, page_pa + (lin & 0x1fffff), code, sizeof(code));
	c->rip = lin;
	run_sliced(&h, 1000);
	/* #GP delivered to its HLT stub */
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_GP + 1);
	u64 rsp = c->gpr[RSP];
	assert_int_equal(h_peek64(&h, rsp), 0);              /* error code */
	assert_int_equal(h_peek64(&h, rsp + 8), lin + 2);    /* RIP: the Jcc */
	assert_true(h_peek64(&h, rsp + 24) & RFLAGS_ZF);     /* CMP retired */
	assert_int_equal(c->icount, 2);                      /* CMP, HLT */
	h_free(&h);
}

/* REP STOS in 32-bit protected mode: the fast path stops at the ES limit and
 * the element beyond it faults (#GP(0)) at the right iteration, with ECX/EDI
 * counting the elements stored (SDM "Limit Checking") */
static void test_rep_stos_prot32_limit(void **state)
{
	static const u8 code[] = { 0xf3, 0xab }; /* rep stosd */
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	h_prot32_ring3(&h, 0x5000);
	/* ring 0 flat code, ES: data, limit 0x1fff, base 0x400000 */
	c->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	c->seg[SEG_SS] = (struct seg_cache){ 0x10, 0xffffffff, 0, 0xc093 };
	c->seg[SEG_ES] = (struct seg_cache){ 0x10, 0x1fff, 0x400000, 0x4093 };
	cpu_update_mode(c);
	c->idtr = (struct dtr){ H_IDT, 0xfff }; /* 64-bit gates are useless here: */
	h_code(&h, code, sizeof(code));
	c->gpr[RAX] = 0xa5a5a5a5;
	c->gpr[RDI] = 0x1000;
	c->gpr[RCX] = 0x500; /* 0x400 elements fit below the limit */
	c->deadline = 100000; /* each iteration counts (cpu/exec/rep.h) */
	cpu_run(c);
	/* the #GP is delivered through a 64-bit-format IDT in legacy mode, which
	 * faults again; what matters is the state the #GP left */
	assert_int_equal(c->gpr[RCX], 0x100);
	assert_int_equal(c->gpr[RDI], 0x2000);
	assert_int_equal(phys_read(&h.m.mem, 0x401ffc, 4), 0xa5a5a5a5);
	assert_int_equal(phys_read(&h.m.mem, 0x402000, 4), 0);
	h_free(&h);
}

/* REP MOVSW in real mode with a 16-bit address size: the copy stops where DI
 * would pass 0xffff and the rest goes element by element (the offset wraps,
 * SDM "Real-Address Mode Operation") */
static void test_rep_movs_real_wrap(void **state)
{
	static const u8 code[] = { 0xf3, 0xa5, 0xf4 }; /* rep movsw; hlt */
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	h_real_mode(&h, 0x1000); /* code at 0x10000 */
	c->seg[SEG_DS] = (struct seg_cache){ 0x2000, 0xffff, 0x20000, 0x93 };
	c->seg[SEG_ES] = (struct seg_cache){ 0x3000, 0xffff, 0x30000, 0x93 };
	h_poke(&h, 0x10000, code, sizeof(code));
	for (u64 k = 0; k < 8; k++)
		phys_write(&h.m.mem, 0x20000 + 0x100 + 2 * k, 2, 0x1111 * (k + 1));
	c->rip = 0;
	c->gpr[RSI] = 0x100;
	c->gpr[RDI] = 0xfffa; /* elements at 0xfffa, 0xfffc, 0xfffe, then 0x0000... */
	c->gpr[RCX] = 6;
	c->deadline = 1000;
	cpu_run(c);
	assert_int_equal(c->activity, ACT_HLT);
	assert_int_equal(c->gpr[RCX] & 0xffff, 0);
	assert_int_equal(c->gpr[RDI] & 0xffff, 0x0006);
	assert_int_equal(phys_read(&h.m.mem, 0x3fffe, 2), 0x3333);
	assert_int_equal(phys_read(&h.m.mem, 0x30000, 2), 0x4444); /* wrapped */
	assert_int_equal(phys_read(&h.m.mem, 0x30004, 2), 0x6666);
	assert_int_equal(phys_read(&h.m.mem, 0x40000, 2), 0);      /* not past 64 KiB */
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fused_loop_any_slice),
		cmocka_unit_test(test_pair_is_one_slot),
		cmocka_unit_test(test_single_step_splits_pair),
		cmocka_unit_test(test_rip_relative_compare),
		cmocka_unit_test(test_fused_jcc_noncanonical),
		cmocka_unit_test(test_rep_stos_prot32_limit),
		cmocka_unit_test(test_rep_movs_real_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
