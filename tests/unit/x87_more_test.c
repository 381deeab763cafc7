/* tests/unit/x87_more_test.c: x87 instructions and formats beyond
 * x87_test.c: FBLD/FBSTP (packed BCD), the 16-bit and real-mode
 * FNSTENV/FNSAVE/FLDENV/FRSTOR images, transcendentals against known
 * decimal values, FISTTP, stack management, and #MF with FNCLEX.
 * Encodings from the SDM opcode tables; in 64-bit mode RAX points at
 * H_DATA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sys_harness.h"
#include "cpu/fpu/x87.h"

SH_FIXTURE
#define C (H.c)

#define FNINIT 0xdb, 0xe3
#define FLD1   0xd9, 0xe8
#define FLDZ   0xd9, 0xee
#define FLDPI  0xd9, 0xeb

static int run64(const u8 *code, size_t len)
{
	C->gpr[RAX] = H_DATA;
	return sh_run(&H, code, len);
}

static void poke(u64 off, const void *p, size_t n) { h_poke(&H, H_DATA + off, p, n); }
static u64 peek(u64 off, unsigned n) { return phys_read(&H.m.mem, H_DATA + off, n); }

static long double st(unsigned i)
{
	long double v = 0;
	memcpy(&v, x87_st(C, i), 10);
	return v;
}

static long double absl_(long double v) { return v < 0 ? -v : v; }

/* --- FBLD / FBSTP (SDM Vol.1 "Packed Decimal Integers") --- */
static void test_fbld(void **s)
{
	/* -123456789012345678: digits from byte 0, low nibble first */
	static const u8 bcd[10] = { 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80 };
	static const u8 negzero[10] = { [9] = 0x80 };

	poke(0, bcd, 10);
	poke(16, negzero, 10);
	assert_int_equal(run64(CODE(FNINIT, 0xdf, 0x20)), -1); /* fbld [rax] */
	assert_true(st(0) == -123456789012345678.0L);
	assert_int_equal(run64(CODE(0xdf, 0x60, 0x10)), -1); /* fbld [rax+16] */
	assert_int_equal(x87_st(C, 0)->se, 0x8000);            /* -0 */
	assert_int_equal(x87_st(C, 0)->mant, 0);
	assert_int_equal(x87_top(C), 6);
}

static void test_fbstp(void **s)
{
	static const double v = -9876543210.5; /* RC nearest-even: -9876543210 */
	static const long double big = 1e18L;
	u8 out[10], want[10] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0, 0, 0, 0, 0x80 };
	static const u8 indef[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
	u16 cw_im = 0x037e; /* IM = 0 */

	poke(0, &v, 8);
	assert_int_equal(run64(CODE(FNINIT, 0xdd, 0x00, 0xdf, 0x70, 0x20)), -1); /* fld; fbstp */
	for (unsigned k = 0; k < 10; k++)
		out[k] = (u8)peek(0x20 + k, 1);
	assert_memory_equal(out, want, 10);
	assert_int_equal(x87_top(C), 0);
	assert_true(C->fpu.fsw & FSW_PE);
	/* 10^18 does not fit 18 digits: masked IE, the BCD indefinite */
	poke(0, &big, 10);
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x28, 0xdf, 0x70, 0x20)), -1);
	for (unsigned k = 0; k < 10; k++)
		out[k] = (u8)peek(0x20 + k, 1);
	assert_memory_equal(out, indef, 10);
	assert_true(C->fpu.fsw & FSW_IE);
	/* empty ST(0): stack underflow, indefinite too */
	poke(0x20, want, 10);
	assert_int_equal(run64(CODE(FNINIT, 0xdf, 0x70, 0x20)), -1);
	assert_int_equal(C->fpu.fsw & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
	assert_int_equal(peek(0x28, 2), 0xffff);
	/* unmasked IE: nothing stored, nothing popped */
	poke(0x20, want, 10);
	poke(0x40, &cw_im, 2);
	assert_int_equal(run64(CODE(FNINIT, 0xd9, 0x68, 0x40, 0xdb, 0x28, 0xdf, 0x70, 0x20)), -1);
	assert_int_equal(peek(0x28, 2), 0x8000 | 0x00);
	assert_int_equal(x87_top(C), 7);
	assert_true(C->fpu.fsw & FSW_ES);
}

/* --- environment images (SDM Vol.1 "x87 FPU State Images in Memory") --- */

/* 16-bit protected-mode format: 66 prefix */
static void test_env16_protected(void **s)
{
	poke(0x100, (u8[]){ 0, 0, 0, 0x40 }, 4); /* 2.0f */
	assert_int_equal(run64(CODE(FNINIT, FLD1, 0xd9, 0x80, 0x00, 0x01, 0x00, 0x00, /* fld [rax+0x100] */
				    0x66, 0xd9, 0x30)),                            /* fnstenv [rax] */
			 -1);
	assert_int_equal(peek(0, 2), 0x037f);
	assert_int_equal(peek(2, 2), 6u << 11);
	assert_int_equal(peek(4, 2), 0x0fff);
	assert_int_equal(peek(6, 2), (u16)(H_CODE + 4)); /* FIP of the FLD m32 */
	assert_int_equal(peek(8, 2), 0x08);              /* FCS */
	assert_int_equal(peek(10, 2), (u16)(H_DATA + 0x100));
	assert_int_equal(peek(12, 2), 0x10);             /* FDS */
	assert_int_equal(peek(14, 2), 0);                /* 14 bytes only */
	/* FNSAVE 16-bit: registers at 14, then FNINIT; FRSTOR 16-bit back */
	assert_int_equal(run64(CODE(0x66, 0xdd, 0x30)), -1);
	assert_int_equal(peek(14 + 8, 2), 0x4000); /* ST0 = 2.0 */
	assert_int_equal(peek(24 + 8, 2), 0x3fff); /* ST1 = 1.0 */
	assert_int_equal(C->fpu.ftw, 0xffff);
	assert_int_equal(run64(CODE(0x66, 0xdd, 0x20)), -1);
	assert_int_equal(x87_top(C), 6);
	assert_true(st(0) == 2.0L && st(1) == 1.0L);
	assert_int_equal(C->fpu.fip, (u16)(H_CODE + 4));
}

/* real-address mode, 16- and 32-bit formats: FIP/FDP are 20/32-bit
 * linear addresses split over two fields, FOP is stored */
static void test_env_real(void **s)
{
	sh_real(&H);
	C->seg[SEG_DS] = (struct seg_cache){ 0x5000, 0xffff, 0x50000, 0x93 };
	phys_write(&H.m.mem, 0x50100, 4, 0x40000000); /* 2.0f */
	/* fninit; fld1; fld dword [0x100]; fnstenv [0x200]; 66 fnstenv [0x300] */
	assert_int_equal(sh_run(&H, CODE(FNINIT, FLD1, 0xd9, 0x06, 0x00, 0x01,
					 0xd9, 0x36, 0x00, 0x02, 0x66, 0xd9, 0x36, 0x00, 0x03)),
			 -1);
	/* 16-bit: FIP = linear 0x100004 -> [15:0] 0x0004, [19:16] 0 */
	assert_int_equal(phys_read(&H.m.mem, 0x50200 + 6, 2), 0x0004);
	assert_int_equal(phys_read(&H.m.mem, 0x50200 + 8, 2), 0x0000);
	assert_int_equal(phys_read(&H.m.mem, 0x50200 + 10, 2), 0x0100);
	assert_int_equal(phys_read(&H.m.mem, 0x50200 + 12, 2), 0x5000); /* FDP[19:16] << 12 */
	/* 32-bit: FIP[31:16] in bits 27:12 of the dword at 16 */
	assert_int_equal(phys_read(&H.m.mem, 0x50300 + 12, 4), 0xffff0004u);
	assert_int_equal(phys_read(&H.m.mem, 0x50300 + 16, 4), 0x10u << 12);
	assert_int_equal(phys_read(&H.m.mem, 0x50300 + 20, 4), 0xffff0100u);
	assert_int_equal(phys_read(&H.m.mem, 0x50300 + 24, 4), 0x5u << 12);
	/* FLDENV of the 16-bit image with a FOP and FIP[19:16] planted */
	phys_write(&H.m.mem, 0x50200 + 8, 2, 0x3000 | 0x5ee);
	assert_int_equal(sh_run(&H, CODE(FNINIT, 0xd9, 0x26, 0x00, 0x02)), -1); /* fldenv */
	assert_int_equal(C->fpu.fip, 0x30004);
	assert_int_equal(C->fpu.fop, 0x5ee);
	assert_int_equal(C->fpu.fdp, 0x50100);
	assert_int_equal(x87_top(C), 6);
}

/* --- transcendentals against known values (|error| < 2 ulp of 1.0) --- */
#define NEAR(a, b) assert_true(absl_((a) - (b)) < 2e-19L)

static void test_transcendental_values(void **s)
{
	static const long double half = 0.5L, eight = 8.0L, three = 3.0L, big = 0x1p64L;

	poke(0, &half, 10);
	poke(16, &eight, 10);
	poke(32, &three, 10);
	poke(48, &big, 10);
	/* FSINCOS(1): ST0 = cos, ST1 = sin */
	assert_int_equal(run64(CODE(FNINIT, FLD1, 0xd9, 0xfb)), -1);
	NEAR(st(0), 0.540302305868139717400936607442976603732L);
	NEAR(st(1), 0.841470984807896506652502321630298999622L);
	/* FCOS(0.5), F2XM1(0.5) = sqrt(2) - 1 */
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x28, 0xd9, 0xff)), -1);
	NEAR(st(0), 0.877582561890372716116281582603829651991L);
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x28, 0xd9, 0xf0)), -1);
	NEAR(st(0), 0.414213562373095048801688724209698078570L);
	/* FYL2X: 3 * log2(8) = 9 exactly; FYL2XP1(y=3, x=0.5) = 3 log2(1.5) */
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x68, 0x20, 0xdb, 0x68, 0x10, 0xd9, 0xf1)), -1);
	assert_true(st(0) == 9.0L);
	assert_int_equal(x87_top(C), 7);
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x68, 0x20, 0xdb, 0x28, 0xd9, 0xf9)), -1);
	NEAR(st(0) / 2, 1.754887502163468544361216831843449526279L / 2);
	/* FPTAN(0.5) pushes 1.0 above tan */
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x28, 0xd9, 0xf2)), -1);
	assert_true(st(0) == 1.0L);
	NEAR(st(1), 0.546302489843790513255179465780285383297L);
	/* |x| >= 2^63: FSIN/FCOS/FPTAN set C2 and leave ST(0) alone */
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x68, 0x30, 0xd9, 0xfe)), -1);
	assert_true(C->fpu.fsw & FSW_C2);
	assert_true(st(0) == 0x1p64L);
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x68, 0x30, 0xd9, 0xf2)), -1);
	assert_true(C->fpu.fsw & FSW_C2);
	assert_int_equal(x87_top(C), 7);
	/* FSQRT(-1): masked IE, the real indefinite */
	assert_int_equal(run64(CODE(FNINIT, FLD1, 0xd9, 0xe0, 0xd9, 0xfa)), -1); /* fchs; fsqrt */
	assert_int_equal(x87_st(C, 0)->mant, F80_INDEFINITE.mant);
	assert_int_equal(x87_st(C, 0)->se, F80_INDEFINITE.se);
	assert_true(C->fpu.fsw & FSW_IE);
}

/* FPREM1 (IEEE remainder) vs FPREM (truncating), FRNDINT under RC */
static void test_prem1_rndint(void **s)
{
	static const long double a = 10.5L, b = 3.0L, x = 2.5L;
	u16 cw_down = 0x077f;

	poke(0, &a, 10);
	poke(16, &b, 10);
	poke(32, &x, 10);
	poke(48, &cw_down, 2);
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x68, 0x10, 0xdb, 0x28, 0xd9, 0xf5)), -1);
	assert_true(st(0) == -1.5L); /* 10.5 - 4 * 3 */
	/* quotient 4 (100b): Q2 -> C0, Q1 -> C3, Q0 -> C1; C2 = 0 */
	assert_int_equal(C->fpu.fsw & FSW_CC, FSW_C0);
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x68, 0x20, 0xd9, 0xfc)), -1);
	assert_true(st(0) == 2.0L); /* nearest-even */
	assert_int_equal(run64(CODE(FNINIT, 0xd9, 0x68, 0x30, 0xdb, 0x68, 0x20, 0xd9, 0xfc)), -1);
	assert_true(st(0) == 2.0L); /* down */
	assert_int_equal(run64(CODE(FNINIT, 0xdb, 0x68, 0x20, 0xd9, 0xe0, 0xd9, 0xfc)), -1);
	assert_true(st(0) == -2.0L);
}

/* FISTTP truncates whatever RC says (SSE3 instruction, DF /1 m16) */
static void test_fisttp(void **s)
{
	static const long double v = -7.9L;
	u16 cw_up = 0x0b7f;

	poke(0, &v, 10);
	poke(16, &cw_up, 2);
	assert_int_equal(run64(CODE(FNINIT, 0xd9, 0x68, 0x10, 0xdb, 0x28, 0xdf, 0x48, 0x20)), -1);
	assert_int_equal((i16)peek(0x20, 2), -7);
	assert_int_equal(x87_top(C), 0);
	assert_int_equal(run64(CODE(0xdb, 0x28, 0xdf, 0x58, 0x20)), -1); /* fistp m16 */
	assert_int_equal((i16)peek(0x20, 2), -7);                         /* RC up: -7 */
}

/* FINCSTP/FDECSTP move TOP without changing tags; FFREE empties */
static void test_stack_management(void **s)
{
	assert_int_equal(run64(CODE(FNINIT, FLD1, FLDZ, 0xd9, 0xf7)), -1); /* fincstp */
	assert_int_equal(x87_top(C), 7);
	assert_true(st(0) == 1.0L);
	assert_false(x87_empty(C, 7)); /* the 0.0 is still tagged */
	assert_int_equal(run64(CODE(0xd9, 0xf6)), -1); /* fdecstp */
	assert_int_equal(x87_top(C), 6);
	assert_true(st(0) == 0.0L);
	assert_int_equal(run64(CODE(0xdd, 0xc1)), -1); /* ffree st1 */
	assert_true(x87_empty(C, 1));
	assert_false(x87_empty(C, 0));
	assert_int_equal(run64(CODE(0xd9, 0xc9)), -1); /* fxch st1: underflow */
	assert_int_equal(C->fpu.fsw & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
	/* FXAM of an empty register: C3 C0 = 1 0 1 */
	assert_int_equal(run64(CODE(FNINIT, 0xd9, 0xe5)), -1);
	assert_int_equal(C->fpu.fsw & (FSW_C3 | FSW_C2 | FSW_C0), FSW_C3 | FSW_C0);
}

/* SDM Vol.1 "x87 FPU Exception Synchronization": an unmasked exception is
 * reported as #MF (CR0.NE = 1) by the next waiting x87 instruction, not by
 * the no-wait FNSTSW/FNCLEX; FNCLEX clears it */
static void test_mf_fnclex(void **s)
{
	u16 cw = 0x037b; /* ZM = 0 */

	poke(0, &cw, 2);
	assert_int_equal(run64(CODE(FNINIT, 0xd9, 0x28, FLD1, FLDZ, 0xde, 0xf9)), -1); /* fdivp */
	assert_true(C->fpu.fsw & FSW_ES);
	assert_int_equal(x87_top(C), 6); /* unmasked ZE: no result, no pop */
	assert_int_equal(run64(CODE(0xdf, 0xe0)), -1); /* fnstsw ax */
	assert_int_equal(C->gpr[RAX] & 0xffff, C->fpu.fsw);
	assert_true(C->gpr[RAX] & (FSW_ES | FSW_B | FSW_ZE));
	assert_int_equal(run64(CODE(FLD1)), VEC_MF);
	assert_int_equal(run64(CODE(0x9b)), VEC_MF); /* fwait */
	assert_int_equal(run64(CODE(0xdb, 0xe2)), -1); /* fnclex */
	assert_false(C->fpu.fsw & (FSW_ES | FSW_B | FSW_ZE));
	assert_int_equal(run64(CODE(FLD1)), -1);
}

/* real-address mode FNSAVE/FRSTOR, 16-bit format: 14-byte environment
 * then ST0..ST7; FNSAVE reinitializes */
static void test_fnsave_real16(void **s)
{
	sh_real(&H);
	C->seg[SEG_DS] = (struct seg_cache){ 0x5000, 0xffff, 0x50000, 0x93 };
	/* fninit; fld1; fldpi; fnsave [0x400]; frstor [0x400] */
	assert_int_equal(sh_run(&H, CODE(FNINIT, FLD1, FLDPI, 0xdd, 0x36, 0x00, 0x04)), -1);
	assert_int_equal(phys_read(&H.m.mem, 0x50400 + 0, 2), 0x037f);
	assert_int_equal(phys_read(&H.m.mem, 0x50400 + 2, 2), 6u << 11);
	assert_int_equal(phys_read(&H.m.mem, 0x50400 + 4, 2), 0x0fff);
	assert_int_equal(phys_read(&H.m.mem, 0x50400 + 14, 8), 0xc90fdaa22168c235ull);
	assert_int_equal(phys_read(&H.m.mem, 0x50400 + 24 + 8, 2), 0x3fff);
	assert_int_equal(x87_top(C), 0);
	assert_int_equal(C->fpu.ftw, 0xffff);
	assert_int_equal(sh_run(&H, CODE(0xdd, 0x26, 0x00, 0x04)), -1);
	assert_int_equal(x87_top(C), 6);
	assert_true(st(1) == 1.0L);
	assert_int_equal(x87_st(C, 0)->mant, 0xc90fdaa22168c235ull);
}

/* CR0.NE = 0: no #MF; the pending exception stays pending (the PC-style
 * FERR#/IRQ 13 report is not modelled) */
static void test_ne0_no_mf(void **s)
{
	u16 cw = 0x037b;

	poke(0, &cw, 2);
	C->cr0 &= ~CR0_NE;
	assert_int_equal(run64(CODE(FNINIT, 0xd9, 0x28, FLD1, FLDZ, 0xde, 0xf9, FLD1, 0x9b)), -1);
	assert_true(C->fpu.fsw & FSW_ES);
	assert_int_equal(x87_top(C), 5);
	C->cr0 |= CR0_NE;
	assert_int_equal(run64(CODE(0x9b)), VEC_MF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_fbld),
		T(test_fbstp),
		T(test_env16_protected),
		T(test_env_real),
		T(test_transcendental_values),
		T(test_prem1_rndint),
		T(test_fisttp),
		T(test_stack_management),
		T(test_mf_fnclex),
		T(test_fnsave_real16),
		T(test_ne0_no_mf),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
