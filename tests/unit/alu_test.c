/* tests/unit/alu_test.c: the user-level integer instructions (cpu/exec/exec_alu.c,
 * exec_shift.c, exec_muldiv.c, exec_bit.c, exec_string.c, exec_misc.c), run
 * as real instruction bytes through the decoder and the step loop
 * (tests/unit/harness.h).
 *
 *  - frozen vectors (vectors/alu64.inc, generated on an x86-64 host by
 *    vectors/gen_alu_vectors.c): register forms, defined flags only;
 *  - hand-written tests for memory forms, string instructions, stack frames,
 *    legacy-mode instructions, feature gating and Intel-specific undefined
 *    behaviour that the host (which may be AMD) cannot give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/exec/flags.h"
#include "cpu/memory/mmu.h"
#include "harness.h"

#define FL_ALL6 RFLAGS_ARITH

/* --- common set-up: one machine for the whole file --- */

static struct harness *H;

static int group_setup(void **state)
{
	H = calloc(1, sizeof(*H));
	if (!H)
		return -1;
	h_init(H, "max");
	return 0;
}

static int group_teardown(void **state)
{
	h_free(H);
	free(H);
	return 0;
}

/* force a CPUID feature on or off in the running model (tests only) */
static void feat(enum cpu_feature f, bool on)
{
	u64 *w = &H->m.model.features[f / 64];

	if (on)
		*w |= BIT(f % 64);
	else
		*w &= ~BIT(f % 64);
}

/* a clean 64-bit state: all GPRs zero, RSP at the harness stack, flags given */
static struct cpu *fresh(u64 rflags)
{
	struct cpu *c = H->c;

	memset(c->gpr, 0, sizeof(c->gpr));
	c->gpr[RSP] = H_STACK;
	c->seg[SEG_CS] = (struct seg_cache){ 0x08, 0xffffffff, 0, 0xa09b };
	c->seg[SEG_SS] = (struct seg_cache){ 0x10, 0xffffffff, 0, 0xc093 };
	c->seg[SEG_FS].base = 0;
	c->seg[SEG_GS].base = 0;
	c->activity = ACT_ACTIVE;
	cpu_set_rflags(c, rflags | RFLAGS_FIXED);
	cpu_update_mode(c);
	return c;
}

/* 32-bit compatibility mode: flat 32-bit CS (GDT 0x18), 32-bit SS. The
 * legacy-only instructions (BCD, PUSHA, BOUND) are valid here. */
static struct cpu *fresh32(u64 rflags)
{
	struct cpu *c = fresh(rflags);

	c->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	cpu_update_mode(c);
	assert_int_equal(c->mode, MODE_COMPAT32);
	return c;
}

static int run(const void *code, size_t len)
{
	return h_exec(H, code, len);
}

#define RUN(...) run((const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }))

/* An exception delivered in IA-32e mode loads the 64-bit CS of the harness
 * IDT gate; tests of 32-bit code go back to compatibility mode each time. */
static int run32(const void *code, size_t len)
{
	struct cpu *c = H->c;

	c->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	cpu_update_mode(c);
	return h_exec(H, code, len);
}

#define RUN32(...) run32((const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }))

static u64 peek(u64 gpa, unsigned size) { return phys_read(&H->m.mem, gpa, size); }
static void poke(u64 gpa, unsigned size, u64 v) { phys_write(&H->m.mem, gpa, size, v); }

/* ------------------------------------------------------------------ */
/* frozen vectors                                                      */

struct vrow {
	const char *text;
	const char *code;
	int len;
	u64 in[6];
	u64 fl_in;
	int vec;
	u64 out[6];
	u64 fl_out;
	u64 mask;
};

static const struct vrow alu64_rows[] = {
#define V(t, b, l, i0, i1, i2, i3, i4, i5, fi, v, o0, o1, o2, o3, o4, o5, fo, m) \
	{ t, b, l, { i0, i1, i2, i3, i4, i5 }, fi, v, { o0, o1, o2, o3, o4, o5 }, fo, m },
#include "vectors/alu64.inc"
#undef V
};

/* the row registers in order: RAX RBX RCX RDX RSI RDI */
static const unsigned row_regs[6] = { RAX, RBX, RCX, RDX, RSI, RDI };
static const char *const row_names[6] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi" };

static bool run_row(const struct vrow *r, bool verbose)
{
	struct cpu *c = fresh(r->fl_in);
	bool ok = true;
	int vec;

	for (int k = 0; k < 6; k++)
		c->gpr[row_regs[k]] = r->in[k];
	vec = run(r->code, (size_t)r->len);
	if (vec != r->vec) {
		if (verbose)
			print_message("  %s: vector %d, expected %d\n", r->text, vec, r->vec);
		ok = false;
	}
	for (int k = 0; k < 6; k++) {
		if (c->gpr[row_regs[k]] != r->out[k]) {
			if (verbose)
				print_message("  %s: %s = %#llx, expected %#llx\n", r->text,
					      row_names[k], (unsigned long long)c->gpr[row_regs[k]],
					      (unsigned long long)r->out[k]);
			ok = false;
		}
	}
	if ((cpu_rflags(c) ^ r->fl_out) & r->mask) {
		if (verbose)
			print_message("  %s: rflags = %#llx, expected %#llx (mask %#llx) "
				      "in: %#llx %#llx %#llx %#llx flags %#llx\n",
				      r->text, (unsigned long long)cpu_rflags(c),
				      (unsigned long long)r->fl_out, (unsigned long long)r->mask,
				      (unsigned long long)r->in[0], (unsigned long long)r->in[1],
				      (unsigned long long)r->in[2], (unsigned long long)r->in[3],
				      (unsigned long long)r->fl_in);
		ok = false;
	}
	return ok;
}

static void test_vectors_alu64(void **state)
{
	unsigned bad = 0, shown = 0;

	feat(FEAT_popcnt, true);
	feat(FEAT_abm, true);
	feat(FEAT_bmi1, true);
	feat(FEAT_bmi2, true);
	feat(FEAT_adx, true);
	feat(FEAT_lahf_lm, true);
	feat(FEAT_sse4_2, true); /* CRC32 (the SSE4.2 vector part is not ours) */
	for (size_t k = 0; k < ARRAY_SIZE(alu64_rows); k++) {
		if (!run_row(&alu64_rows[k], false)) {
			bad++;
			if (shown++ < 40)
				run_row(&alu64_rows[k], true);
		}
	}
	if (bad)
		fail_msg("%u of %zu vectors failed", bad, ARRAY_SIZE(alu64_rows));
	feat(FEAT_sse4_2, false);
}

/* ------------------------------------------------------------------ */
/* memory operands                                                     */

/* make the 2 MiB page holding lin not present (or present again) */
static void set_2m_present(u64 lin, bool present)
{
	u64 pde = H_PT + 0x2000 + 8 * (lin >> 21);

	poke(pde, 8, present ? ((lin >> 21) << 21) | 0x87 : 0);
	tlb_flush_all(H->c);
}

#define D H_DATA

/* SDM Vol.2A "ADD": a memory destination is read, modified and written; the
 * flags follow; CMP/TEST never write; LOCK needs a memory destination. */
static void test_alu_memory_rmw(void **state)
{
	struct cpu *c = fresh(0);

	c->gpr[RBX] = D;
	poke(D, 8, 0xfffffff0);
	c->gpr[RAX] = 0x10;
	assert_int_equal(RUN(0x01, 0x03), -1); /* add [rbx], eax */
	assert_int_equal(peek(D, 8), 0);
	assert_int_equal(cpu_rflags(c) & FL_ALL6, RFLAGS_CF | RFLAGS_ZF | RFLAGS_PF);

	poke(D + 8, 8, 0x7fffffffffffffffull);
	c->gpr[RAX] = 1;
	assert_int_equal(RUN(0xf0, 0x48, 0x01, 0x43, 0x08), -1); /* lock add [rbx+8], rax */
	assert_int_equal(peek(D + 8, 8), 0x8000000000000000ull);
	assert_true(cpu_rflags(c) & RFLAGS_OF);

	poke(D, 8, 0x1122334455667788ull);
	assert_int_equal(RUN(0xf6, 0x13), -1); /* not byte [rbx] */
	assert_int_equal(peek(D, 8), 0x1122334455667777ull);
	assert_int_equal(RUN(0x66, 0xf7, 0x1b), -1); /* neg word [rbx] */
	assert_int_equal(peek(D, 8), 0x1122334455668889ull);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	assert_int_equal(RUN(0xff, 0x03), -1); /* inc dword [rbx]: CF kept */
	assert_int_equal(peek(D, 8), 0x112233445566888aull);
	assert_true(cpu_rflags(c) & RFLAGS_CF);

	c->gpr[RAX] = 0x5566888a;
	assert_int_equal(RUN(0x39, 0x03), -1); /* cmp [rbx], eax */
	assert_true(cpu_rflags(c) & RFLAGS_ZF);
	assert_int_equal(RUN(0x85, 0x03), -1); /* test [rbx], eax */
	assert_int_equal(peek(D, 8), 0x112233445566888aull);

	/* LOCK with a register destination is #UD (SDM "LOCK—Assert LOCK# Signal Prefix") */
	assert_int_equal(RUN(0xf0, 0x01, 0xc3), VEC_UD);

	/* an immediate source sign-extended to 64 bits: sub qword [rbx], -2 */
	poke(D, 8, 5);
	assert_int_equal(RUN(0x48, 0x83, 0x2b, 0xfe), -1);
	assert_int_equal(peek(D, 8), 7);
}

/* a write fault on the read-modify-write leaves registers and flags alone */
static void test_alu_memory_fault_commits_nothing(void **state)
{
	struct cpu *c = fresh(RFLAGS_CF);

	c->gpr[RBX] = 0x600000 - 2; /* dword straddles into a non-present page */
	c->gpr[RAX] = 1;
	set_2m_present(0x600000, false);
	assert_int_equal(RUN(0x0f, 0xc1, 0x03), VEC_PF); /* xadd [rbx], eax */
	assert_int_equal(c->gpr[RAX], 1);
	assert_int_equal(c->cr2, 0x600000);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	/* CMOVcc reads its source even when the condition is false */
	c->gpr[RAX] = 0x1234;
	cpu_set_rflags(c, RFLAGS_FIXED); /* ZF = 0: cmovz does not move */
	c->gpr[RBX] = 0x600000;
	assert_int_equal(RUN(0x0f, 0x44, 0x03), VEC_PF);
	set_2m_present(0x600000, true);
	assert_int_equal(RUN(0x0f, 0x44, 0x03), -1);
	assert_int_equal(c->gpr[RAX], 0x1234);
}

static void test_shift_memory(void **state)
{
	struct cpu *c = fresh(0);

	c->gpr[RBX] = D;
	poke(D, 8, 0x80000001);
	c->gpr[RCX] = 4;
	assert_int_equal(RUN(0xd3, 0x23), -1); /* shl dword [rbx], cl */
	assert_int_equal(peek(D, 8), 0x10);
	assert_false(cpu_rflags(c) & RFLAGS_CF);
	poke(D, 8, 0x01);
	assert_int_equal(RUN(0xf9, 0xd0, 0x1b), -1); /* stc; rcr byte [rbx], 1 */
	assert_int_equal(peek(D, 8), 0x80);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	poke(D, 8, 0x12345678);
	c->gpr[RAX] = 0x9abcdef0;
	assert_int_equal(RUN(0x0f, 0xa4, 0x03, 0x04), -1); /* shld [rbx], eax, 4 */
	assert_int_equal(peek(D, 8), 0x23456789);
	/* a count of 0 writes nothing and changes no flag */
	c->gpr[RCX] = 0x20;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_OF | RFLAGS_ZF);
	assert_int_equal(RUN(0xd3, 0x23), -1); /* shl dword [rbx], cl (masked 0) */
	assert_int_equal(peek(D, 8), 0x23456789);
	assert_int_equal(cpu_rflags(c) & FL_ALL6, RFLAGS_OF | RFLAGS_ZF);
}

/* SDM Vol.2A "BT—Bit Test": a register bit offset on a memory operand is
 * signed and selects the operand-size unit EA + (offset SAR log2 w) * w/8;
 * an immediate offset is taken modulo the width. */
static void test_bt_memory(void **state)
{
	struct cpu *c = fresh(0);

	c->gpr[RBX] = D + 0x100;
	poke(D + 0xf8, 8, 0x8000000000000000ull);
	c->gpr[RAX] = ~0ull; /* bit -1: bit 63 of the qword before EA */
	assert_int_equal(RUN(0x48, 0x0f, 0xa3, 0x03), -1); /* bt [rbx], rax */
	assert_true(cpu_rflags(c) & RFLAGS_CF);

	poke(D + 0x10c, 4, 0);
	c->gpr[RAX] = 100; /* dword 3 (EA+12), bit 4 */
	assert_int_equal(RUN(0x0f, 0xab, 0x03), -1); /* bts [rbx], eax */
	assert_int_equal(peek(D + 0x10c, 4), 0x10);
	assert_false(cpu_rflags(c) & RFLAGS_CF);

	poke(D + 0xfc, 2, 0xffff);
	c->gpr[RAX] = 0xffef; /* -17: word at EA-4, bit 15 */
	assert_int_equal(RUN(0x66, 0x0f, 0xb3, 0x03), -1); /* btr [rbx], ax */
	assert_int_equal(peek(D + 0xfc, 2), 0x7fff);
	assert_true(cpu_rflags(c) & RFLAGS_CF);

	poke(D + 0x100, 4, 0x8);
	assert_int_equal(RUN(0x0f, 0xba, 0x23, 35), -1); /* bt dword [rbx], 35 -> bit 3 */
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	assert_int_equal(RUN(0x0f, 0xba, 0x3b, 35), -1); /* btc dword [rbx], 35 */
	assert_int_equal(peek(D + 0x100, 4), 0);
}

static void test_cmpxchg_memory(void **state)
{
	struct cpu *c = fresh(0);

	c->gpr[RBX] = D;
	poke(D, 8, 0x1111);
	c->gpr[RAX] = 0x1111;
	c->gpr[RCX] = 0x2222;
	assert_int_equal(RUN(0x0f, 0xb1, 0x0b), -1); /* cmpxchg [rbx], ecx: equal */
	assert_int_equal(peek(D, 4), 0x2222);
	assert_true(cpu_rflags(c) & RFLAGS_ZF);
	c->gpr[RAX] = 0xffffffff00001111ull;
	assert_int_equal(RUN(0x0f, 0xb1, 0x0b), -1); /* not equal: EAX := m (zero-extended) */
	assert_int_equal(c->gpr[RAX], 0x2222);
	assert_false(cpu_rflags(c) & RFLAGS_ZF);

	/* CMPXCHG8B: EDX:EAX vs m64 */
	poke(D, 8, 0x0000000500000006ull);
	c->gpr[RDX] = 5;
	c->gpr[RAX] = 6;
	c->gpr[RCX] = 0xaaaa;
	c->gpr[RBX] = D;
	assert_int_equal(RUN(0x0f, 0xc7, 0x0b), -1);
	assert_int_equal(peek(D, 8), 0x0000aaaa00000000ull | D);
	assert_true(cpu_rflags(c) & RFLAGS_ZF);
	assert_int_equal(RUN(0x0f, 0xc7, 0x0b), -1); /* now unequal */
	assert_int_equal(c->gpr[RAX], D);
	assert_int_equal(c->gpr[RDX], 0xaaaa);
	assert_false(cpu_rflags(c) & RFLAGS_ZF);

	/* CMPXCHG16B: RDX:RAX vs m128, 16-byte alignment or #GP(0) */
	c->gpr[RBX] = D + 0x20;
	poke(D + 0x20, 8, 1);
	poke(D + 0x28, 8, 2);
	c->gpr[RAX] = 1;
	c->gpr[RDX] = 2;
	c->gpr[RCX] = 4;
	assert_int_equal(RUN(0x48, 0x0f, 0xc7, 0x0b), -1);
	assert_int_equal(peek(D + 0x20, 8), D + 0x20);
	assert_int_equal(peek(D + 0x28, 8), 4);
	assert_true(cpu_rflags(c) & RFLAGS_ZF);
	c->gpr[RBX] = D + 0x28;
	assert_int_equal(RUN(0x48, 0x0f, 0xc7, 0x0b), VEC_GP);
	assert_int_equal(c->fault_error, 0);
	/* misaligned and non-canonical through SS: the alignment #GP(0) wins
	 * over the stack-segment #SS(0), as on hardware */
	c->gpr[RBP] = 0x8000000000000008ull;
	assert_int_equal(RUN(0x48, 0x0f, 0xc7, 0x4d, 0x00), VEC_GP);
	c->gpr[RBP] = 0x8000000000000010ull;
	assert_int_equal(RUN(0x48, 0x0f, 0xc7, 0x4d, 0x00), VEC_SS);
	/* without CPUID.01H:ECX.CX16 it is #UD */
	c->gpr[RBX] = D + 0x20;
	feat(FEAT_cx16, false);
	assert_int_equal(RUN(0x48, 0x0f, 0xc7, 0x0b), VEC_UD);
	feat(FEAT_cx16, true);
}

static void test_xchg_xadd_movbe_memory(void **state)
{
	struct cpu *c = fresh(0);

	c->gpr[RBX] = D;
	poke(D, 8, 0x1234);
	c->gpr[RAX] = 0xffffffff00000001ull;
	assert_int_equal(RUN(0x87, 0x03), -1); /* xchg [rbx], eax */
	assert_int_equal(peek(D, 8), 1);
	assert_int_equal(c->gpr[RAX], 0x1234);
	assert_int_equal(RUN(0x0f, 0xc1, 0x03), -1); /* xadd [rbx], eax */
	assert_int_equal(peek(D, 8), 0x1235);
	assert_int_equal(c->gpr[RAX], 1);

	feat(FEAT_movbe, true);
	poke(D, 8, 0x11223344);
	assert_int_equal(RUN(0x0f, 0x38, 0xf0, 0x03), -1); /* movbe eax, [rbx] */
	assert_int_equal(c->gpr[RAX], 0x44332211);
	c->gpr[RAX] = 0xabcd;
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0xf1, 0x03), -1); /* movbe [rbx], ax */
	assert_int_equal(peek(D, 4), 0x1122cdab);
	feat(FEAT_movbe, false);
	assert_int_equal(RUN(0x0f, 0x38, 0xf0, 0x03), VEC_UD);
}

static void test_muldiv_memory(void **state)
{
	struct cpu *c = fresh(0);

	c->gpr[RBX] = D;
	poke(D, 8, 0x100000000ull);
	c->gpr[RAX] = 0x100000000ull;
	assert_int_equal(RUN(0x48, 0xf7, 0x23), -1); /* mul qword [rbx] */
	assert_int_equal(c->gpr[RAX], 0);
	assert_int_equal(c->gpr[RDX], 1);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	assert_int_equal(RUN(0x48, 0xf7, 0x33), -1); /* div qword [rbx] */
	assert_int_equal(c->gpr[RAX], 0x100000000ull);
	assert_int_equal(c->gpr[RDX], 0);
	poke(D, 8, 0);
	assert_int_equal(RUN(0xf7, 0x3b), VEC_DE); /* idiv dword [rbx] by 0 */
	poke(D, 8, 7);
	assert_int_equal(RUN(0x6b, 0x03, 0xfd), -1); /* imul eax, [rbx], -3 */
	assert_int_equal(c->gpr[RAX], (u32)-21);
}

/* ------------------------------------------------------------------ */
/* string instructions                                                 */

static void fill(u64 gpa, unsigned n, u8 base)
{
	for (unsigned k = 0; k < n; k++)
		poke(gpa + k, 1, (u8)(base + k));
}

static void test_string_movs_stos(void **state)
{
	struct cpu *c = fresh(0);

	fill(D, 64, 1);
	c->gpr[RSI] = D;
	c->gpr[RDI] = D + 0x100;
	c->gpr[RCX] = 13;
	assert_int_equal(RUN(0xf3, 0xa4), -1); /* rep movsb */
	assert_int_equal(c->gpr[RCX], 0);
	assert_int_equal(c->gpr[RSI], D + 13);
	assert_int_equal(c->gpr[RDI], D + 0x100 + 13);
	assert_int_equal(peek(D + 0x100, 8), 0x0807060504030201ull);
	assert_int_equal(peek(D + 0x108, 8) & 0xffffffffffull, 0x0d0c0b0a09ull);
	assert_int_equal(peek(D + 0x10d, 1), 0);

	/* DF = 1: rep movsq walks down */
	c->gpr[RSI] = D + 8;
	c->gpr[RDI] = D + 0x208;
	c->gpr[RCX] = 2;
	assert_int_equal(RUN(0xfd, 0xf3, 0x48, 0xa5, 0xfc), -1); /* std; rep movsq; cld */
	assert_int_equal(c->gpr[RSI], D - 8);
	assert_int_equal(c->gpr[RDI], D + 0x1f8);
	assert_int_equal(peek(D + 0x200, 8), peek(D, 8));
	assert_int_equal(peek(D + 0x208, 8), peek(D + 8, 8));

	/* rep stosd, and a zero count that does nothing */
	c->gpr[RAX] = 0xdeadbeefcafef00dull;
	c->gpr[RDI] = D + 0x300;
	c->gpr[RCX] = 3;
	assert_int_equal(RUN(0xf3, 0xab), -1);
	assert_int_equal(peek(D + 0x300, 4), 0xcafef00d);
	assert_int_equal(peek(D + 0x308, 4), 0xcafef00d);
	assert_int_equal(c->gpr[RDI], D + 0x30c);
	assert_int_equal(RUN(0xf3, 0xab), -1);
	assert_int_equal(c->gpr[RDI], D + 0x30c);

	/* lodsw (no REP), stosb without REP ignores RCX */
	c->gpr[RSI] = D;
	c->gpr[RCX] = 0;
	assert_int_equal(RUN(0x66, 0xad), -1);
	assert_int_equal(c->gpr[RAX], 0xdeadbeefcafe0201ull);
	assert_int_equal(c->gpr[RSI], D + 2);
	c->gpr[RDI] = D + 0x400;
	assert_int_equal(RUN(0xaa), -1);
	assert_int_equal(peek(D + 0x400, 1), 0x01);
	assert_int_equal(c->gpr[RDI], D + 0x401);
}

/* SDM "REP/REPE/REPZ/REPNE/REPNZ": CMPS/SCAS stop when the ZF condition fails */
static void test_string_cmps_scas(void **state)
{
	struct cpu *c = fresh(0);

	fill(D, 32, 0x40);
	fill(D + 0x100, 32, 0x40);
	poke(D + 0x105, 1, 0x99);
	c->gpr[RSI] = D;
	c->gpr[RDI] = D + 0x100;
	c->gpr[RCX] = 20;
	assert_int_equal(RUN(0xf3, 0xa6), -1); /* repe cmpsb */
	assert_int_equal(c->gpr[RCX], 14); /* stopped after the 6th compare */
	assert_int_equal(c->gpr[RSI], D + 6);
	assert_int_equal(c->gpr[RDI], D + 0x106);
	assert_false(cpu_rflags(c) & RFLAGS_ZF);
	assert_true(cpu_rflags(c) & RFLAGS_CF); /* 0x45 - 0x99 borrows */

	c->gpr[RAX] = 0x4a;
	c->gpr[RDI] = D;
	c->gpr[RCX] = 100;
	assert_int_equal(RUN(0xf2, 0xae), -1); /* repne scasb */
	assert_int_equal(c->gpr[RDI], D + 11);
	assert_int_equal(c->gpr[RCX], 89);
	assert_true(cpu_rflags(c) & RFLAGS_ZF);

	/* REPNE on MOVS repeats like REP */
	c->gpr[RSI] = D;
	c->gpr[RDI] = D + 0x500;
	c->gpr[RCX] = 4;
	assert_int_equal(RUN(0xf2, 0xa4), -1);
	assert_int_equal(c->gpr[RCX], 0);
	assert_int_equal(peek(D + 0x500, 4), 0x43424140);
}

/* address size: 32-bit (67h) indexes wrap at 4 GiB and zero-extend; the
 * source segment may be overridden, the destination is always ES */
static void test_string_addr_size_and_segments(void **state)
{
	struct cpu *c = fresh(0);

	poke(D, 1, 0x5a);
	c->gpr[RSI] = 0xabcd00000000ffffull; /* ESI = 0xffff */
	c->seg[SEG_FS].base = D - 0xffff;
	c->gpr[RDI] = 0xffffffffull + (1ull << 32); /* EDI = 0xffffffff */
	/* fs: movsb with 67h: reads FS:ESI, writes ES:EDI */
	poke(0xffffffffull, 1, 0); /* nothing there; the write goes to the bus */
	c->gpr[RDI] = D + 0x600;
	assert_int_equal(RUN(0x67, 0x64, 0xa4), -1);
	assert_int_equal(peek(D + 0x600, 1), 0x5a);
	assert_int_equal(c->gpr[RSI], 0x10000); /* zero-extended ESI + 1 */
	assert_int_equal(c->gpr[RDI], D + 0x601);
	/* ESI wraps at 4 GiB (here downwards, DF = 1) */
	c->seg[SEG_FS].base = D;
	c->gpr[RSI] = 0xffffffff00000000ull;
	assert_int_equal(RUN(0xfd, 0x67, 0x64, 0xac, 0xfc), -1); /* std; lodsb fs:[esi]; cld */
	assert_int_equal(c->gpr[RAX] & 0xff, 0x5a);
	assert_int_equal(c->gpr[RSI], 0xffffffffull);
	/* an ES override prefix cannot move the destination: stosb ignores FS */
	c->seg[SEG_FS].base = 0x100;
	c->gpr[RDI] = D + 0x700;
	c->gpr[RAX] = 0x77;
	assert_int_equal(RUN(0x64, 0xaa), -1);
	assert_int_equal(peek(D + 0x700, 1), 0x77);
	c->seg[SEG_FS].base = 0;
}

/* 16-bit addressing in 32-bit code: SI/DI wrap at 64 KiB, CX counts */
static void test_string_addr16(void **state)
{
	struct cpu *c = fresh32(0);

	c->seg[SEG_DS].base = D;
	c->seg[SEG_ES].base = D;
	poke(D + 0xffff, 1, 0x11);
	poke(D, 1, 0x22);
	c->gpr[RSI] = 0x1234ffff;
	c->gpr[RDI] = 0x5678f000;
	c->gpr[RCX] = 0xffff0002; /* CX = 2 */
	assert_int_equal(RUN(0x67, 0xf3, 0xa4), -1); /* rep movsb (addr16) */
	assert_int_equal(c->gpr[RSI], 0x12340001);
	assert_int_equal(c->gpr[RDI], 0x5678f002);
	assert_int_equal(c->gpr[RCX], 0xffff0000);
	assert_int_equal(peek(D + 0xf000, 2), 0x2211);
	c->seg[SEG_DS].base = 0;
	c->seg[SEG_ES].base = 0;
}

/* a long REP runs in chunks: RIP stays on the instruction between them */
static void test_string_rep_chunks(void **state)
{
	struct cpu *c = fresh(0);

	c->gpr[RDI] = D;
	c->gpr[RCX] = 10000;
	c->gpr[RAX] = 0xab;
	h_code(H, (const u8[]){ 0xf3, 0xaa }, 2);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE);
	assert_true(c->gpr[RCX] > 0 && c->gpr[RCX] < 10000);
	assert_int_equal(c->gpr[RDI], D + 10000 - c->gpr[RCX]);
	assert_int_equal(h_run(H, H_CODE + 2, 100), -1);
	assert_int_equal(c->rip, H_CODE + 2);
	assert_int_equal(c->gpr[RCX], 0);
	assert_int_equal(peek(D + 9999, 1), 0xab);
}

/* element order is architectural even when source and destination overlap
 * (the page-wise fast path must not behave like memmove), and elements that
 * straddle a page boundary are copied whole */
static void test_string_overlap_and_page_cross(void **state)
{
	struct cpu *c = fresh(0);

	poke(D + 0x1000, 1, 0xab);
	c->gpr[RSI] = D + 0x1000;
	c->gpr[RDI] = D + 0x1001;
	c->gpr[RCX] = 100;
	assert_int_equal(RUN(0xf3, 0xa4), -1); /* rep movsb, dst = src + 1 */
	for (unsigned k = 0; k <= 100; k++)
		assert_int_equal(peek(D + 0x1000 + k, 1), 0xab);

	/* rep movsd downwards across a page boundary, misaligned so that one
	 * element straddles the boundary */
	for (unsigned k = 0; k < 64; k++)
		poke(D + 0x1fe0 + k, 1, (u8)k);
	c->gpr[RSI] = D + 0x2012; /* last element first; 0x1ffe straddles */
	c->gpr[RDI] = D + 0x3012;
	c->gpr[RCX] = 12;
	assert_int_equal(RUN(0xfd, 0xf3, 0xa5, 0xfc), -1);
	for (unsigned k = 0; k < 48; k++)
		assert_int_equal(peek(D + 0x2016 - 48 + k + 0x1000, 1), (u8)(0x2016 - 48 + k - 0x1fe0));
	assert_int_equal(c->gpr[RSI], D + 0x2012 - 48);
	assert_int_equal(c->gpr[RDI], D + 0x3012 - 48);

	/* rep stosq over three pages */
	c->gpr[RAX] = 0x0102030405060708ull;
	c->gpr[RDI] = D + 0x4ffc;
	c->gpr[RCX] = 1025;
	assert_int_equal(RUN(0xf3, 0x48, 0xab), -1);
	assert_int_equal(peek(D + 0x4ffc, 8), 0x0102030405060708ull);
	assert_int_equal(peek(D + 0x4ffc + 8 * 1024, 8), 0x0102030405060708ull);
	assert_int_equal(peek(D + 0x4ffc + 8 * 1025, 4), 0);
	assert_int_equal(c->gpr[RDI], D + 0x4ffc + 8 * 1025);
}

/* single-stepping a REP string instruction traps after every iteration */
static void test_string_rep_single_step(void **state)
{
	struct cpu *c = fresh(RFLAGS_TF);

	c->gpr[RDI] = D;
	c->gpr[RCX] = 3;
	assert_int_equal(RUN(0xf3, 0xaa), VEC_DB);
	assert_int_equal(c->gpr[RCX], 2);
	assert_int_equal(c->gpr[RDI], D + 1);
}

/* a fault in the middle of a REP leaves rCX/rDI at the faulting iteration */
static void test_string_rep_fault_state(void **state)
{
	struct cpu *c = fresh(0);

	set_2m_present(0x600000, false);
	c->gpr[RDI] = 0x600000 - 16;
	c->gpr[RCX] = 0x100;
	c->gpr[RAX] = 0x31;
	assert_int_equal(RUN(0xf3, 0xaa), VEC_PF);
	assert_int_equal(c->gpr[RCX], 0xf0);
	assert_int_equal(c->gpr[RDI], 0x600000);
	assert_int_equal(c->cr2, 0x600000);
	assert_int_equal(peek(0x600000 - 1, 1), 0x31);
	set_2m_present(0x600000, true);
}

static void test_xlat(void **state)
{
	struct cpu *c = fresh(0);

	poke(D + 0x80, 1, 0x42);
	c->gpr[RBX] = D;
	c->gpr[RAX] = 0x1180;
	assert_int_equal(RUN(0xd7), -1);
	assert_int_equal(c->gpr[RAX], 0x1142);
}

/* ------------------------------------------------------------------ */
/* stack frames and legacy-mode instructions                           */

/* SDM Vol.2A "ENTER": push rBP, copy level-1 frame pointers from the old
 * frame, push the new frame pointer, then allocate */
static void test_enter_leave(void **state)
{
	struct cpu *c = fresh(0);
	u64 sp = H_STACK;

	c->gpr[RBP] = 0x1ff800;
	assert_int_equal(RUN(0xc8, 0x20, 0x00, 0x00), -1); /* enter 0x20, 0 */
	assert_int_equal(peek(sp - 8, 8), 0x1ff800);
	assert_int_equal(c->gpr[RBP], sp - 8);
	assert_int_equal(c->gpr[RSP], sp - 8 - 0x20);
	assert_int_equal(RUN(0xc9), -1); /* leave */
	assert_int_equal(c->gpr[RSP], sp);
	assert_int_equal(c->gpr[RBP], 0x1ff800);

	/* nesting level 3: two display entries copied from [rbp-8], [rbp-16] */
	poke(0x1ff800 - 8, 8, 0xaaaa);
	poke(0x1ff800 - 16, 8, 0xbbbb);
	assert_int_equal(RUN(0xc8, 0x10, 0x00, 0x03), -1);
	assert_int_equal(peek(sp - 8, 8), 0x1ff800);
	assert_int_equal(peek(sp - 16, 8), 0xaaaa);
	assert_int_equal(peek(sp - 24, 8), 0xbbbb);
	assert_int_equal(peek(sp - 32, 8), sp - 8);
	assert_int_equal(c->gpr[RBP], sp - 8);
	assert_int_equal(c->gpr[RSP], sp - 32 - 0x10);
	/* level 1: only the new frame pointer is pushed after rBP */
	c->gpr[RSP] = sp;
	c->gpr[RBP] = 0x1ff800;
	assert_int_equal(RUN(0xc8, 0x00, 0x00, 0x01), -1);
	assert_int_equal(peek(sp - 16, 8), sp - 8);
	assert_int_equal(c->gpr[RSP], sp - 16);
	/* the level is taken modulo 32: enter 0, 33 is level 1 */
	c->gpr[RSP] = sp;
	c->gpr[RBP] = 0x1ff800;
	assert_int_equal(RUN(0xc8, 0x00, 0x00, 33), -1);
	assert_int_equal(c->gpr[RSP], sp - 16);

	/* 16-bit operand size in 32-bit code: word pushes, BP written */
	c = fresh32(0);
	c->gpr[RSP] = sp;
	c->gpr[RBP] = 0x001f5678;
	assert_int_equal(RUN(0x66, 0xc8, 0x04, 0x00, 0x00), -1);
	assert_int_equal(peek(sp - 2, 2), 0x5678);
	assert_int_equal(c->gpr[RBP], sp - 2); /* only BP written: 0x001f | 0xeffe */
	assert_int_equal(c->gpr[RSP], sp - 6);
	assert_int_equal(RUN(0x66, 0xc9), -1); /* leave (16-bit): ESP := EBP, pop BP */
	assert_int_equal(c->gpr[RSP], sp);
	assert_int_equal(c->gpr[RBP], 0x001f5678);
}

/* ENTER faults before committing: RSP/RBP unchanged */
static void test_enter_fault(void **state)
{
	struct cpu *c = fresh(0);

	set_2m_present(0x600000, false);
	/* the stack stays mapped (the #PF is delivered on it); the display copy
	 * reads the unmapped page */
	c->gpr[RBP] = 0x600010;
	assert_int_equal(RUN(0xc8, 0x00, 0x00, 0x02), VEC_PF);
	assert_int_equal(c->gpr[RBP], 0x600010);
	/* the new stack top (RSP - AllocSize) is write-checked last */
	c->gpr[RSP] = 0x800800;
	c->gpr[RBP] = 0x1234;
	assert_int_equal(RUN(0xc8, 0x00, 0x10, 0x00), VEC_PF); /* enter 0x1000, 0 */
	assert_int_equal(c->cr2, 0x800800 - 8 - 0x1000);
	assert_int_equal(c->fault_error & PFEC_W, PFEC_W);
	assert_int_equal(c->gpr[RBP], 0x1234);
	set_2m_present(0x600000, true);
}

static void test_pusha_popa(void **state)
{
	struct cpu *c = fresh32(0);
	u64 sp = H_STACK;

	for (unsigned r = RAX; r <= RDI; r++)
		c->gpr[r] = 0x11111111u * (r + 1);
	c->gpr[RSP] = sp;
	assert_int_equal(RUN(0x60), -1); /* pushad */
	assert_int_equal(c->gpr[RSP], sp - 32);
	assert_int_equal(peek(sp - 4, 4), 0x11111111);  /* EAX first */
	assert_int_equal(peek(sp - 20, 4), sp);          /* the original ESP */
	assert_int_equal(peek(sp - 32, 4), 0x88888888);  /* EDI last */
	for (unsigned r = RAX; r <= RDI; r++)
		if (r != RSP)
			c->gpr[r] = 0;
	poke(sp - 20, 4, 0xdead); /* POPAD skips the saved ESP */
	assert_int_equal(RUN(0x61), -1);
	assert_int_equal(c->gpr[RSP], sp);
	for (unsigned r = RAX; r <= RDI; r++)
		if (r != RSP)
			assert_int_equal(c->gpr[r], 0x11111111u * (r + 1));
	assert_int_equal(RUN(0x66, 0x60), -1); /* pusha (16-bit) */
	assert_int_equal(c->gpr[RSP], sp - 16);
	assert_int_equal(peek(sp - 2, 2), 0x1111);
	assert_int_equal(RUN(0x66, 0x61), -1);
	assert_int_equal(c->gpr[RSP], sp);
	/* in 64-bit mode PUSHA does not exist */
	c = fresh(0);
	assert_int_equal(RUN(0x60), VEC_UD);
}

/* SDM Vol.2A "BOUND": #BR when the signed index is outside [lower, upper] */
static void test_bound(void **state)
{
	struct cpu *c = fresh32(0);

	c->gpr[RBX] = D;
	poke(D, 4, (u32)-5);
	poke(D + 4, 4, 10);
	c->gpr[RAX] = (u32)-5;
	assert_int_equal(RUN32(0x62, 0x03), -1);
	c->gpr[RAX] = 10;
	assert_int_equal(RUN32(0x62, 0x03), -1);
	c->gpr[RAX] = 11;
	assert_int_equal(RUN32(0x62, 0x03), VEC_BR);
	c->gpr[RAX] = (u32)-6;
	assert_int_equal(RUN32(0x62, 0x03), VEC_BR);
	poke(D, 4, 0x0010fff0); /* 16-bit: lower = -16, upper = 16 */
	c->gpr[RAX] = 0xfff0;
	assert_int_equal(RUN32(0x66, 0x62, 0x03), -1);
	c->gpr[RAX] = 0x11;
	assert_int_equal(RUN32(0x66, 0x62, 0x03), VEC_BR);
}

/* decimal adjusts, with the SDM examples ("DAA" and "DAS" pages) */
static void test_bcd(void **state)
{
	struct cpu *c = fresh32(0);

	c->gpr[RAX] = 0x79;
	assert_int_equal(RUN32(0x04, 0x35, 0x27), -1); /* add al, 35h; daa */
	assert_int_equal(c->gpr[RAX], 0x14);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	assert_true(cpu_rflags(c) & RFLAGS_AF);
	c->gpr[RAX] = 0x35;
	assert_int_equal(RUN32(0x2c, 0x47, 0x2f), -1); /* sub al, 47h; das */
	assert_int_equal(c->gpr[RAX], 0x88);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	assert_true(cpu_rflags(c) & RFLAGS_AF);
	c->gpr[RAX] = 0x0006;
	assert_int_equal(RUN32(0x04, 0x05, 0x37), -1); /* add al, 5; aaa */
	assert_int_equal(c->gpr[RAX], 0x0101);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	c->gpr[RAX] = 0x0105;
	assert_int_equal(RUN32(0x2c, 0x08, 0x3f), -1); /* sub al, 8; aas */
	assert_int_equal(c->gpr[RAX], 0x0007);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	c->gpr[RAX] = 0x0002;
	assert_int_equal(RUN32(0x84, 0xc0, 0x37), -1); /* test al, al (AF = 0); aaa: no adjustment */
	assert_int_equal(c->gpr[RAX], 0x0002);
	assert_false(cpu_rflags(c) & (RFLAGS_CF | RFLAGS_AF));
	c->gpr[RAX] = 0x3f;
	assert_int_equal(RUN32(0xd4, 0x0a), -1); /* aam */
	assert_int_equal(c->gpr[RAX], 0x0603);
	assert_int_equal(RUN32(0xd5, 0x0a), -1); /* aad */
	assert_int_equal(c->gpr[RAX], 0x003f);
	assert_int_equal(RUN32(0xd4, 0x10), -1); /* aam 16 */
	assert_int_equal(c->gpr[RAX], 0x030f);
	assert_int_equal(RUN32(0xd4, 0x00), VEC_DE); /* aam 0 */
	/* SALC: AL := CF ? FFh : 0 */
	assert_int_equal(RUN32(0xf9, 0xd6), -1);
	assert_int_equal(c->gpr[RAX] & 0xff, 0xff);
	assert_int_equal(RUN32(0xf8, 0xd6), -1);
	assert_int_equal(c->gpr[RAX] & 0xff, 0);
	/* none of these exist in 64-bit mode */
	c = fresh(0);
	assert_int_equal(RUN(0x27), VEC_UD);
	assert_int_equal(RUN(0xd4, 0x0a), VEC_UD);
}

/* ------------------------------------------------------------------ */
/* feature gating and Intel behaviour                                  */

static void test_feature_gating(void **state)
{
	struct cpu *c = fresh(0);

	/* LAHF/SAHF in 64-bit mode need CPUID.80000001H:ECX.LAHF-SAHF */
	feat(FEAT_lahf_lm, false);
	assert_int_equal(RUN(0x9f), VEC_UD);
	c = fresh32(0);
	assert_int_equal(RUN(0xf9, 0x9f), -1);
	assert_int_equal((c->gpr[RAX] >> 8) & 0xff, 0x03);
	feat(FEAT_lahf_lm, true);

	/* BMI1/BMI2/ADX/POPCNT instructions are #UD without their bit */
	c = fresh(0);
	feat(FEAT_bmi1, false);
	feat(FEAT_bmi2, false);
	feat(FEAT_adx, false);
	feat(FEAT_popcnt, false);
	assert_int_equal(RUN(0xc4, 0xe2, 0x70, 0xf2, 0xc3), VEC_UD); /* andn */
	assert_int_equal(RUN(0xc4, 0xe2, 0x73, 0xf6, 0xc3), VEC_UD); /* mulx */
	assert_int_equal(RUN(0xc4, 0xe2, 0x71, 0xf7, 0xc3), VEC_UD); /* shlx */
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0xf6, 0xc3), VEC_UD); /* adcx */
	assert_int_equal(RUN(0xf3, 0x0f, 0xb8, 0xc3), VEC_UD);      /* popcnt */
	/* without BMI1 / ABM, TZCNT and LZCNT execute as BSF and BSR */
	feat(FEAT_abm, false);
	c->gpr[RAX] = 0x1234;
	c->gpr[RBX] = 0;
	assert_int_equal(RUN(0xf3, 0x0f, 0xbc, 0xc3), -1); /* tzcnt eax, ebx = bsf */
	assert_int_equal(c->gpr[RAX], 0x1234);
	assert_true(cpu_rflags(c) & RFLAGS_ZF);
	c->gpr[RBX] = 0x10;
	assert_int_equal(RUN(0xf3, 0x0f, 0xbd, 0xc3), -1); /* lzcnt eax, ebx = bsr */
	assert_int_equal(c->gpr[RAX], 4);
	feat(FEAT_abm, true);
	assert_int_equal(RUN(0xf3, 0x0f, 0xbd, 0xc3), -1); /* lzcnt */
	assert_int_equal(c->gpr[RAX], 27);
	feat(FEAT_bmi1, true);
	feat(FEAT_bmi2, true);
	feat(FEAT_adx, true);
	feat(FEAT_popcnt, true);
}

/* Results the SDM leaves undefined, pinned to what Intel processors give
 * (the host running the generator may be AMD, so these are hand-written). */
static void test_intel_undefined_results(void **state)
{
	struct cpu *c = fresh(0);

	/* SHLD/SHRD r16 with a count above 16 shift DEST:SRC:DEST (P6 and later) */
	c->gpr[RBX] = 0x1234;
	c->gpr[RAX] = 0x5678;
	c->gpr[RCX] = 20;
	assert_int_equal(RUN(0x66, 0x0f, 0xa5, 0xc3), -1); /* shld bx, ax, cl */
	assert_int_equal(c->gpr[RBX], 0x6781);
	assert_true(cpu_rflags(c) & RFLAGS_CF);
	c->gpr[RBX] = 0x1234;
	assert_int_equal(RUN(0x66, 0x0f, 0xad, 0xc3), -1); /* shrd bx, ax, cl */
	assert_int_equal(c->gpr[RBX], 0x4567);
	/* BSWAP r16 clears the low word */
	c->gpr[RBX] = 0x1122334455667788ull;
	assert_int_equal(RUN(0x66, 0x0f, 0xcb), -1);
	assert_int_equal(c->gpr[RBX], 0x1122334455660000ull);
	/* a count of 0 still writes (zero-extends) a 32-bit destination */
	c->gpr[RBX] = 0xffffffff00000001ull;
	c->gpr[RCX] = 0;
	assert_int_equal(RUN(0xd3, 0xe3), -1);
	assert_int_equal(c->gpr[RBX], 1);
	/* CMOVcc with a false condition still zero-extends a 32-bit destination */
	c->gpr[RAX] = 0xffffffff00000002ull;
	cpu_set_rflags(c, RFLAGS_FIXED);
	assert_int_equal(RUN(0x0f, 0x44, 0xc3), -1); /* cmovz eax, ebx */
	assert_int_equal(c->gpr[RAX], 2);
}

/* ------------------------------------------------------------------ */
/* main                                                                */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_alu64),
		cmocka_unit_test(test_alu_memory_rmw),
		cmocka_unit_test(test_alu_memory_fault_commits_nothing),
		cmocka_unit_test(test_shift_memory),
		cmocka_unit_test(test_bt_memory),
		cmocka_unit_test(test_cmpxchg_memory),
		cmocka_unit_test(test_xchg_xadd_movbe_memory),
		cmocka_unit_test(test_muldiv_memory),
		cmocka_unit_test(test_string_movs_stos),
		cmocka_unit_test(test_string_cmps_scas),
		cmocka_unit_test(test_string_addr_size_and_segments),
		cmocka_unit_test(test_string_addr16),
		cmocka_unit_test(test_string_rep_chunks),
		cmocka_unit_test(test_string_overlap_and_page_cross),
		cmocka_unit_test(test_string_rep_fault_state),
		cmocka_unit_test(test_string_rep_single_step),
		cmocka_unit_test(test_xlat),
		cmocka_unit_test(test_enter_leave),
		cmocka_unit_test(test_enter_fault),
		cmocka_unit_test(test_pusha_popa),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_bcd),
		cmocka_unit_test(test_feature_gating),
		cmocka_unit_test(test_intel_undefined_results),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
