/* tests/unit/sse_test.c: SSE/MMX rules run as real instruction bytes
 * through cpu_step() in a 64-bit flat machine (tests/unit/harness.h):
 * SIMD floating-point exception delivery (#XM vs #UD, CR4.OSXMMEXCPT),
 * exception priority and the unmasked-underflow precision rule, alignment
 * #GP, CPUID feature gating, LDMXCSR reserved bits, the MMX tag-word
 * effect, and known answers for SSSE3/SSE4.1/SSE4.2 instructions.
 * Encodings: SDM Vol.2 opcode tables (checked with GNU as). RAX points at
 * the scratch data H_DATA (16-byte aligned). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness.h"
#include "cpu/fpu/x87.h"

static struct harness *h;

static int setup(void **state)
{
	h = calloc(1, sizeof(*h));
	h_init(h, NULL);
	h->c->gpr[RAX] = H_DATA;
	h->c->fpu.mxcsr = MXCSR_INIT;
	return 0;
}

static int teardown(void **state)
{
	h_free(h);
	free(h);
	return 0;
}

#define RUN(...)                                                                                \
	({                                                                                      \
		static const u8 code_[] = { __VA_ARGS__ };                                      \
		h_exec(h, code_, sizeof(code_));                                                \
	})

static void xmm_set(unsigned r, u64 lo, u64 hi)
{
	h->c->fpu.xmm[r][0] = lo;
	h->c->fpu.xmm[r][1] = hi;
}

static u64 xlo(unsigned r) { return h->c->fpu.xmm[r][0]; }
static u64 xhi(unsigned r) { return h->c->fpu.xmm[r][1]; }

/* divss xmm0, xmm1 with ZM unmasked: #XM with CR4.OSXMMEXCPT = 1, #UD
 * without (SDM Vol.3A "SIMD Floating-Point Exception (#XM)"); ZE set, the
 * destination unchanged */
static void test_xm_vs_ud(void **state)
{
	for (int osxmm = 1; osxmm >= 0; osxmm--) {
		teardown(state);
		setup(state);
		if (!osxmm)
			h->c->cr4 &= ~CR4_OSXMMEXCPT;
		h->c->fpu.mxcsr = MXCSR_INIT & ~MXCSR_ZM;
		xmm_set(0, 0x3f800000, 7); /* 1.0f */
		xmm_set(1, 0, 0);
		assert_int_equal(RUN(0xf3, 0x0f, 0x5e, 0xc1), osxmm ? VEC_XM : VEC_UD);
		assert_int_equal(h->c->fpu.mxcsr & MXCSR_EXC, MXCSR_ZE);
		assert_int_equal(xlo(0), 0x3f800000);
		/* masked: the result is +inf and only the flag records it */
		h->c->fpu.mxcsr = MXCSR_INIT;
		assert_int_equal(RUN(0xf3, 0x0f, 0x5e, 0xc1), -1);
		assert_int_equal(xlo(0), 0x7f800000);
		assert_int_equal(xhi(0), 7);
		assert_int_equal(h->c->fpu.mxcsr & MXCSR_EXC, MXCSR_ZE);
	}
}

/* SDM Vol.1 "Exception Priority": an unmasked pre-computation exception
 * (IE from an SNaN) reports only IE/DE/ZE; post-computation flags of other
 * elements are not set */
static void test_priority(void **state)
{
	/* addps xmm0, xmm1 (0F 58 C1) */
	h->c->fpu.mxcsr = MXCSR_INIT & ~MXCSR_IM;
	xmm_set(0, 0x7f7fffff7f800001ull, 0); /* lane0 SNaN, lane1 FLT_MAX */
	xmm_set(1, 0x7f7fffff3f800000ull, 0); /* lane1: FLT_MAX + FLT_MAX overflows */
	assert_int_equal(RUN(0x0f, 0x58, 0xc1), VEC_XM);
	assert_int_equal(h->c->fpu.mxcsr & MXCSR_EXC, MXCSR_IE);
	/* IE masked: the overflow flags join */
	h->c->fpu.mxcsr = MXCSR_INIT;
	assert_int_equal(RUN(0x0f, 0x58, 0xc1), -1);
	assert_int_equal(h->c->fpu.mxcsr & MXCSR_EXC, MXCSR_IE | MXCSR_OE | MXCSR_PE);
}

/* SDM Vol.1 "Numeric Underflow Exception (#U)": (1 + 2^-52) * 2^-600 times
 * 2^-460 is exact in 53 bits but not as a denormal: masked UE|PE, unmasked
 * UE alone (PE is judged with an unbounded exponent) */
static void test_underflow_precision(void **state)
{
	xmm_set(0, 0x1a70000000000001ull, 0); /* (1 + 2^-52) * 2^-600 */
	xmm_set(1, 0x2330000000000000ull, 0); /* 2^-460 */
	assert_int_equal(RUN(0xf2, 0x0f, 0x59, 0xc1), -1);
	assert_int_equal(h->c->fpu.mxcsr & MXCSR_EXC, MXCSR_UE | MXCSR_PE);
	xmm_set(0, 0x1a70000000000001ull, 0);
	h->c->fpu.mxcsr = MXCSR_INIT & ~MXCSR_UM;
	assert_int_equal(RUN(0xf2, 0x0f, 0x59, 0xc1), VEC_XM);
	assert_int_equal(h->c->fpu.mxcsr & MXCSR_EXC, MXCSR_UE);
	/* an exact tiny result with UM unmasked is still an underflow */
	xmm_set(0, 0x2000000000000000ull, 0); /* 2^-511 */
	xmm_set(1, 0x0210000000000000ull, 0); /* 2^-991: product 2^-1502 < min */
	h->c->fpu.mxcsr = MXCSR_INIT & ~MXCSR_UM;
	assert_int_equal(RUN(0xf2, 0x0f, 0x59, 0xc1), VEC_XM);
	assert_true(h->c->fpu.mxcsr & MXCSR_UE);
}

/* SDM Vol.1 "Data Alignment": MOVAPS m128 misaligned is #GP(0), MOVUPS not */
static void test_alignment(void **state)
{
	assert_int_equal(RUN(0x0f, 0x28, 0x00), -1);       /* movaps xmm0, [rax] */
	assert_int_equal(RUN(0x0f, 0x28, 0x40, 0x01), VEC_GP); /* movaps xmm0, [rax+1] */
	assert_int_equal(RUN(0x0f, 0x10, 0x40, 0x01), -1);     /* movups xmm0, [rax+1] */
}

/* CR4.OSFXSR = 0: SSE instructions are #UD (SDM Vol.2 "Exceptions") */
static void test_osfxsr(void **state)
{
	h->c->cr4 &= ~CR4_OSFXSR;
	assert_int_equal(RUN(0x0f, 0x10, 0x40, 0x01), VEC_UD);
	/* MMX instructions do not depend on OSFXSR */
	assert_int_equal(RUN(0x0f, 0xfc, 0xc1), -1);
}

/* an extension the CPU model does not advertise is #UD */
static void test_feature_gating(void **state)
{
	teardown(state);
	h = calloc(1, sizeof(*h));
	h_init(h, "max,-sse4.1");
	h->c->gpr[RAX] = H_DATA;
	h->c->fpu.mxcsr = MXCSR_INIT;
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0x17, 0xc1), VEC_UD); /* ptest */
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0x00, 0xc1), -1);     /* pshufb (SSSE3) */
	/* PEXTRW: 66 0F C5 is SSE2, 66 0F 3A 15 the SSE4.1 form */
	assert_int_equal(RUN(0x66, 0x0f, 0xc5, 0xc1, 0x01), -1);             /* pextrw eax, xmm1, 1 */
	assert_int_equal(RUN(0x66, 0x0f, 0x3a, 0x15, 0xc8, 0x01), VEC_UD);   /* pextrw eax, xmm1, 1 */
	/* an absent extension is an invalid opcode: #UD before CR0.TS's #NM */
	h->c->cr0 |= CR0_TS;
	assert_int_equal(RUN(0x66, 0x0f, 0x3a, 0x0b, 0xc1, 0x01), VEC_UD); /* roundsd */
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0x00, 0xc1), VEC_NM);     /* pshufb */
	teardown(state);
	setup(state);
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0x17, 0xc1), -1);
}

/* LDMXCSR: #GP(0) for a bit outside MXCSR_MASK (SDM Vol.2 LDMXCSR) */
static void test_ldmxcsr(void **state)
{
	phys_write(&h->m.mem, H_DATA, 4, 0x10000 | MXCSR_INIT);
	assert_int_equal(RUN(0x0f, 0xae, 0x10), VEC_GP);
	assert_int_equal(h->c->fpu.mxcsr, MXCSR_INIT);
	phys_write(&h->m.mem, H_DATA, 4, 0x9fc0); /* FZ DAZ RC masks */
	assert_int_equal(RUN(0x0f, 0xae, 0x10), -1);
	assert_int_equal(h->c->fpu.mxcsr, 0x9fc0);
}

/* SDM Vol.1 "MMX Instructions and the x87 FPU Tag Word": an MMX instruction
 * sets TOP = 0 and every tag valid; the result lands in bits 63:0 with bits
 * 79:64 all ones */
static void test_mmx_tags(void **state)
{
	h->c->fpu.ftw = 0xffff;
	h->c->fpu.fsw = 5u << FSW_TOP_SHIFT;
	h->c->fpu.st[0].mant = 0x0102030405060708ull;
	h->c->fpu.st[1].mant = 0x10ff10ff10ff10ffull;
	assert_int_equal(RUN(0x0f, 0xfc, 0xc1), -1); /* paddb mm0, mm1 */
	assert_int_equal(h->c->fpu.st[0].mant, 0x1101130315051707ull);
	assert_int_equal(h->c->fpu.st[0].se, 0xffff);
	assert_int_equal(h->c->fpu.ftw, 0);
	assert_int_equal(x87_top(h->c), 0);
}

/* ... but an MMX instruction that faults has not executed: the x87 tag
 * word and TOP keep their values (here a #PF on the memory operand) */
static void test_mmx_fault_keeps_tags(void **state)
{
	h->c->fpu.ftw = 0xffff;
	h->c->fpu.fsw = 5u << FSW_TOP_SHIFT;
	h->c->gpr[RBX] = 0x80000000ull; /* beyond the 1 GiB identity map */
	assert_int_equal(RUN(0x0f, 0xfc, 0x03), VEC_PF); /* paddb mm0, [rbx] */
	assert_int_equal(h->c->fpu.ftw, 0xffff);
	assert_int_equal(x87_top(h->c), 5);
	/* a GPR destination completes the transition too */
	assert_int_equal(RUN(0x0f, 0xd7, 0xc1), -1); /* pmovmskb eax, mm1 */
	assert_int_equal(h->c->fpu.ftw, 0);
	assert_int_equal(x87_top(h->c), 0);
}

/* known answers (SDM Vol.2 "Operation" of each) */
static void test_known_answers(void **state)
{
	/* PSHUFB: index bytes, bit 7 zeroes */
	xmm_set(0, 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);
	xmm_set(1, 0x800f000102030405ull, 0x0808080808080808ull);
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0x00, 0xc1), -1);
	assert_int_equal(xlo(0), 0x000f000102030405ull);
	assert_int_equal(xhi(0), 0x0808080808080808ull);
	/* PMADDUBSW: 255 * 127 + 255 * 127 saturates to 0x7fff */
	xmm_set(0, 0xffff, 0);
	xmm_set(1, 0x7f7f, 0);
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0x04, 0xc1), -1);
	assert_int_equal(xlo(0), 0x7fff);
	/* PACKUSDW: -1 -> 0, 0x12345 -> 0xffff, 7 -> 7 */
	xmm_set(0, 0x00012345ffffffffull, 0x0000000700000000ull);
	xmm_set(1, 0, 0);
	assert_int_equal(RUN(0x66, 0x0f, 0x38, 0x2b, 0xc1), -1);
	assert_int_equal(xlo(0), 0x00070000ffff0000ull);
	/* PCMPISTRI equal-any, unsigned bytes: first char of "abcdef" in "xc" */
	xmm_set(0, 0x6378, 0);                     /* needle set: 'x' 'c' */
	xmm_set(1, 0x0000666564636261ull, 0);      /* "abcdef" */
	assert_int_equal(RUN(0x66, 0x0f, 0x3a, 0x63, 0xc1, 0x00), -1);
	assert_int_equal(h->c->gpr[RCX], 2);
	assert_true(cpu_rflags(h->c) & RFLAGS_CF);  /* a match */
	assert_true(cpu_rflags(h->c) & RFLAGS_ZF);  /* "abcdef" ends in xmm1 */
	assert_true(cpu_rflags(h->c) & RFLAGS_SF);  /* the needle ends too */
	/* DPPS imm 0xf1: 1*5 + 2*6 + 3*7 + 4*8 = 70 into lane 0 only */
	xmm_set(0, 0x400000003f800000ull, 0x4080000040400000ull);
	xmm_set(1, 0x40c0000040a00000ull, 0x4100000040e00000ull);
	assert_int_equal(RUN(0x66, 0x0f, 0x3a, 0x40, 0xc1, 0xf1), -1);
	assert_int_equal(xlo(0), 0x428c0000ull);
	assert_int_equal(xhi(0), 0);
	/* ROUNDSD imm 1 (toward -inf): -2.5 -> -3.0 */
	xmm_set(1, 0xc004000000000000ull, 0);
	assert_int_equal(RUN(0x66, 0x0f, 0x3a, 0x0b, 0xc1, 0x01), -1);
	assert_int_equal(xlo(0), 0xc008000000000000ull);
	/* CVTTSS2SI of a NaN: the integer indefinite, IE */
	xmm_set(0, 0x7fc00000, 0);
	h->c->fpu.mxcsr = MXCSR_INIT;
	assert_int_equal(RUN(0xf3, 0x0f, 0x2c, 0xc0), -1);
	assert_int_equal(h->c->gpr[RAX], 0x80000000);
	assert_int_equal(h->c->fpu.mxcsr & MXCSR_EXC, MXCSR_IE);
}

/* MASKMOVDQU xmm0, xmm1: only the bytes whose mask has bit 7 set */
static void test_maskmov(void **state)
{
	h_poke64(h, H_DATA + 0x100, 0x1111111111111111ull);
	h_poke64(h, H_DATA + 0x108, 0x2222222222222222ull);
	h->c->gpr[RDI] = H_DATA + 0x100;
	xmm_set(0, 0xaabbccddeeff0011ull, 0x5566778899aabbccull);
	xmm_set(1, 0x00000000000080ffull, 0x8000000000000000ull);
	assert_int_equal(RUN(0x66, 0x0f, 0xf7, 0xc1), -1);
	assert_int_equal(h_peek64(h, H_DATA + 0x100), 0x1111111111110011ull);
	assert_int_equal(h_peek64(h, H_DATA + 0x108), 0x5522222222222222ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xm_vs_ud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_underflow_precision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_osfxsr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feature_gating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ldmxcsr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmx_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmx_fault_keeps_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maskmov, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
