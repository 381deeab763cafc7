/* tests/unit/x87_test.c: x87, FXSAVE and SSE instructions run as real
 * instruction bytes through cpu_step() in a 64-bit flat machine, compared
 * with the host's own results (the host is an x86-64 with the same units).
 * Encodings are from the SDM opcode tables; each line names the
 * instruction. RAX points at the scratch data area H_DATA. */
#include <math.h>
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

static void put_f64(u64 off, double v) { h_poke(h, H_DATA + off, &v, 8); }
static void put_u16(u64 off, u16 v) { h_poke(h, H_DATA + off, &v, 2); }
static void put_u32(u64 off, u32 v) { h_poke(h, H_DATA + off, &v, 4); }
static u64 get_u64(u64 off) { return h_peek64(h, H_DATA + off); }
static u32 get_u32(u64 off) { return (u32)phys_read(&h->m.mem, H_DATA + off, 4); }
static u16 get_u16(u64 off) { return (u16)phys_read(&h->m.mem, H_DATA + off, 2); }
static u8 get_u8(u64 off) { return (u8)phys_read(&h->m.mem, H_DATA + off, 1); }
static double get_f64(u64 off)
{
	u64 b = get_u64(off);
	double d;
	memcpy(&d, &b, 8);
	return d;
}

static long double st(unsigned i)
{
	long double v = 0;
	memcpy(&v, x87_st(h->c, i), 10);
	return v;
}

static unsigned top(void) { return x87_top(h->c); }
static u16 fsw(void) { return h->c->fpu.fsw; }

#define FNINIT 0xdb, 0xe3
#define FLD1   0xd9, 0xe8
#define FLDZ   0xd9, 0xee

/* FLD m64 / FADD m64 / FSTP m64: the basic double path */
static void test_fadd_double(void **state)
{
	put_f64(0, 1.5);
	put_f64(8, 2.25);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x00,   /* fld qword [rax] */
			     0xdc, 0x40, 0x08,     /* fadd qword [rax+8] */
			     0xdd, 0x58, 0x10),    /* fstp qword [rax+16] */
			 -1);
	assert_true(get_f64(16) == 3.75);
	assert_int_equal(top(), 0);
	assert_int_equal(h->c->fpu.ftw, 0xffff);
}

/* A compiled-C-like expression, compared with the host's long double */
static void test_expression_matches_host(void **state)
{
	volatile double a = 1.1, b = 3.7, cc = 0.3, d = 7.9, e = 2.0;
	volatile long double r = ((long double)a * b - cc) / d + sqrtl(e);
	double expect = (double)r;

	put_f64(0, a);
	put_f64(8, b);
	put_f64(16, cc);
	put_f64(24, d);
	put_f64(32, e);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x00, /* fld [rax] */
			     0xdc, 0x48, 0x08,   /* fmul qword [rax+8] */
			     0xdc, 0x60, 0x10,   /* fsub qword [rax+16] */
			     0xdc, 0x70, 0x18,   /* fdiv qword [rax+24] */
			     0xdd, 0x40, 0x20,   /* fld qword [rax+32] */
			     0xd9, 0xfa,         /* fsqrt */
			     0xde, 0xc1,         /* faddp st1, st0 */
			     0xdd, 0x58, 0x28),  /* fstp qword [rax+40] */
			 -1);
	assert_true(get_f64(40) == expect);
}

/* D8 E0+i FSUB ST(0),ST(i) vs DC E8+i FSUB ST(i),ST(0) and the P/R forms */
static void test_register_forms(void **state)
{
	put_f64(0, 10.0);
	put_f64(8, 4.0);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x40, 0x08, /* fld 4 */
			     0xdd, 0x00,               /* fld 10: st0=10 st1=4 */
			     0xd8, 0xe1,               /* fsub st0, st1: st0=6 */
			     0xdc, 0xe9),              /* fsub st1, st0: st1=4-6 */
			 -1);
	assert_true(st(0) == 6.0L && st(1) == -2.0L);
	assert_int_equal(RUN(0xde, 0xe9), -1); /* fsubp st1, st0: -2-6, pop */
	assert_true(st(0) == -8.0L);
	assert_int_equal(top(), 7);
	assert_int_equal(RUN(FLD1, 0xde, 0xe1), -1); /* fld1; fsubrp st1, st0: 1-(-8) */
	assert_true(st(0) == 9.0L);
	assert_int_equal(RUN(FLD1, 0xd8, 0xf9), -1); /* fld1; fdivr st0, st1: 9/1 */
	assert_true(st(0) == 9.0L && st(1) == 9.0L);
	assert_int_equal(RUN(0xdc, 0xf9), -1); /* fdiv st1, st0: 9/9 */
	assert_true(st(1) == 1.0L);
	/* FIADD m32int, FIMUL m16int */
	put_u32(16, 5);
	put_u16(20, 3);
	assert_int_equal(RUN(0xda, 0x40, 0x10,  /* fiadd dword [rax+16]: 9+5 */
			     0xde, 0x48, 0x14), /* fimul word [rax+20]: 14*3 */
			 -1);
	assert_true(st(0) == 42.0L);
}

/* FCW.PC: single precision rounds the significand to 24 bits */
static void test_precision_control(void **state)
{
	volatile float third = 1.0f / 3.0f;

	put_u16(0, 0x007f);
	put_f64(8, 3.0);
	assert_int_equal(RUN(FNINIT, 0xd9, 0x28, /* fldcw [rax] */
			     FLD1, 0xdc, 0x70, 0x08),   /* fdiv qword [rax+8] */
			 -1);
	assert_true(st(0) == (long double)third);
	/* inexact, rounded up (C1) */
	assert_true(fsw() & FSW_PE);
	assert_true(fsw() & FSW_C1);
}

/* FCW.RC for FISTP, and FISTTP truncating regardless */
static void test_rounding_control(void **state)
{
	static const struct { u16 cw; double in; i32 out; } v[] = {
		{ 0x037f, 2.5, 2 },  { 0x037f, -2.5, -2 }, { 0x077f, 2.5, 2 },
		{ 0x077f, -2.5, -3 }, { 0x0b7f, 2.5, 3 },  { 0x0b7f, -2.5, -2 },
		{ 0x0f7f, 2.7, 2 },  { 0x0f7f, -2.7, -2 },
	};
	for (unsigned k = 0; k < ARRAY_SIZE(v); k++) {
		put_u16(0, v[k].cw);
		put_f64(8, v[k].in);
		assert_int_equal(RUN(FNINIT, 0xd9, 0x28, /* fldcw [rax] */
				     0xdd, 0x40, 0x08,   /* fld qword [rax+8] */
				     0xdb, 0x58, 0x10),  /* fistp dword [rax+16] */
				 -1);
		assert_int_equal((i32)get_u32(16), v[k].out);
	}
	put_u16(0, 0x0b7f); /* round up, but FISTTP truncates */
	put_f64(8, 2.7);
	assert_int_equal(RUN(FNINIT, 0xd9, 0x28, 0xdd, 0x40, 0x08,
			     0xdb, 0x48, 0x10), /* fisttp dword [rax+16] */
			 -1);
	assert_int_equal((i32)get_u32(16), 2);
	/* out of range: integer indefinite and IE (masked) */
	put_f64(8, 1e20);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x40, 0x08, 0xdb, 0x58, 0x10), -1);
	assert_int_equal(get_u32(16), 0x80000000u);
	assert_true(fsw() & FSW_IE);
}

/* FILD/FISTP m64 round trip and FST m32 rounding */
static void test_int64_and_float(void **state)
{
	i64 big = -123456789012345ll;
	volatile float f = (float)0.1;
	u32 fb;

	h_poke(h, H_DATA, &big, 8);
	put_f64(16, 0.1);
	assert_int_equal(RUN(FNINIT, 0xdf, 0x28,  /* fild qword [rax] */
			     0xdf, 0x78, 0x08,    /* fistp qword [rax+8] */
			     0xdd, 0x40, 0x10,    /* fld qword [rax+16] */
			     0xd9, 0x58, 0x18),   /* fstp dword [rax+24] */
			 -1);
	assert_int_equal((i64)get_u64(8), big);
	memcpy(&fb, (const void *)&f, 4);
	assert_int_equal(get_u32(24), fb);
}

/* SDM Vol.1 "Stack Overflow or Underflow Exception (#IS)" */
static void test_stack_overflow(void **state)
{
	assert_int_equal(RUN(FNINIT, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1), -1);
	assert_int_equal(fsw() & (FSW_IE | FSW_SF), 0);
	assert_int_equal(RUN(FLD1), -1);
	assert_int_equal(fsw() & (FSW_IE | FSW_SF | FSW_C1 | FSW_ES),
			 FSW_IE | FSW_SF | FSW_C1);
	assert_true(isnan(st(0)));
	assert_int_equal(x87_st(h->c, 0)->mant, 0xc000000000000000ull);
	assert_int_equal(x87_st(h->c, 0)->se, 0xffff);
}

static void test_stack_underflow(void **state)
{
	assert_int_equal(RUN(FNINIT, FLD1, 0xd8, 0xc1), -1); /* fadd st0, st1 (empty) */
	assert_int_equal(fsw() & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
	assert_int_equal(x87_st(h->c, 0)->mant, 0xc000000000000000ull);
	/* unmasked: nothing stored, ES set, next waiting insn is #MF */
	put_u16(0, 0x037e);
	assert_int_equal(RUN(FNINIT, 0xd9, 0x28, FLD1, 0xd8, 0xc1), -1);
	assert_true(st(0) == 1.0L);
	assert_true(fsw() & FSW_ES);
	assert_int_equal(RUN(0xd9, 0xd0), VEC_MF); /* fnop */
}

/* unmasked #Z: destination and TOP unchanged, FNSTSW (no-wait) works, the
 * next waiting instruction takes #MF (CR0.NE=1) */
static void test_unmasked_zero_divide(void **state)
{
	put_u16(0, 0x037b);
	assert_int_equal(RUN(FNINIT, 0xd9, 0x28, FLD1, FLDZ,
			     0xde, 0xf9,   /* fdivp st1, st0: 1/0 */
			     0xdf, 0xe0),  /* fnstsw ax */
			 -1);
	assert_int_equal(top(), 6);
	assert_true(st(1) == 1.0L && st(0) == 0.0L);
	assert_int_equal(h->c->gpr[RAX] & (FSW_ZE | FSW_ES | FSW_B), FSW_ZE | FSW_ES | FSW_B);
	h->c->gpr[RAX] = H_DATA;
	assert_int_equal(RUN(0x9b), VEC_MF); /* fwait */
	assert_int_equal(h->c->rip, H_VECTORS + 16 * VEC_MF);
	/* FNCLEX clears it */
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0xdb, 0xe2, 0x9b), -1); /* fnclex; fwait */
	assert_int_equal(fsw() & (FSW_EXC | FSW_ES | FSW_B), 0);
}

/* SDM Vol.3A "Device Not Available Exception (#NM)" */
static void test_device_not_available(void **state)
{
	h->c->cr0 |= CR0_TS;
	assert_int_equal(RUN(FLD1), VEC_NM);
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0x9b), VEC_NM); /* fwait: MP and TS */
	h->c->cr0 &= ~CR0_MP;
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0x9b), -1);      /* fwait: TS alone */
	h->c->cr0 &= ~CR0_TS;
	h->c->cr0 |= CR0_EM;
	h->c->rip = H_CODE;
	assert_int_equal(RUN(FNINIT), VEC_NM);
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0x0f, 0x57, 0xc0), VEC_UD); /* xorps: EM -> #UD */
}

static void test_compare(void **state)
{
	put_f64(0, 2.0);
	put_f64(8, 1.0);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x00, 0xdd, 0x40, 0x08, /* st0=1 st1=2 */
			     0xd8, 0xd1,   /* fcom st1 */
			     0xdf, 0xe0),  /* fnstsw ax */
			 -1);
	assert_int_equal(h->c->gpr[RAX] & (FSW_C3 | FSW_C2 | FSW_C0), FSW_C0);
	h->c->gpr[RAX] = H_DATA;
	assert_int_equal(RUN(0xdb, 0xf1), -1); /* fcomi st0, st1 */
	assert_int_equal(cpu_rflags(h->c) & (RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF), RFLAGS_CF);
	assert_int_equal(RUN(0xdf, 0xe9), -1); /* fucomip st0, st1; pops */
	assert_int_equal(top(), 7);
	assert_true(st(0) == 2.0L);
	/* NaN: unordered; FUCOMI is quiet, FCOMI raises IE */
	put_f64(16, NAN);
	assert_int_equal(RUN(0xdd, 0x40, 0x10, 0xdb, 0xe9), -1); /* fld nan; fucomi st1 */
	assert_int_equal(cpu_rflags(h->c) & (RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF),
			 RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF);
	assert_int_equal(fsw() & FSW_IE, 0);
	assert_int_equal(RUN(0xdb, 0xf1), -1);
	assert_true(fsw() & FSW_IE);
	/* FCOMPP pops twice; FTST */
	assert_int_equal(RUN(FNINIT, FLD1, 0xd9, 0xe4), -1); /* ftst: 1 > 0 */
	assert_int_equal(fsw() & (FSW_C3 | FSW_C2 | FSW_C0), 0);
	assert_int_equal(RUN(FLD1, 0xde, 0xd9), -1);         /* fcompp */
	assert_int_equal(fsw() & (FSW_C3 | FSW_C2 | FSW_C0), FSW_C3);
	assert_int_equal(top(), 0);
}

static void test_fxam_fchs_fabs(void **state)
{
	assert_int_equal(RUN(FNINIT, 0xd9, 0xe5), -1); /* fxam: empty */
	assert_int_equal(fsw() & (FSW_C3 | FSW_C2 | FSW_C0), FSW_C3 | FSW_C0);
	assert_int_equal(RUN(FLDZ, 0xd9, 0xe0, 0xd9, 0xe5), -1); /* fldz; fchs; fxam */
	assert_int_equal(fsw() & FSW_CC, FSW_C3 | FSW_C1);
	assert_int_equal(RUN(0xd9, 0xe1, FLD1, 0xd9, 0xe0, 0xd9, 0xe5), -1); /* fabs fld1 fchs fxam */
	assert_int_equal(fsw() & FSW_CC, FSW_C2 | FSW_C1); /* negative normal */
	assert_true(st(0) == -1.0L);
	assert_true(st(1) == 0.0L && !signbit(st(1)));
}

static void test_fxch_fcmov_stack(void **state)
{
	put_f64(0, 1.0);
	put_f64(8, 2.0);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x00, 0xdd, 0x40, 0x08, /* st0=2 st1=1 */
			     0xd9, 0xc9),                          /* fxch st1 */
			 -1);
	assert_true(st(0) == 1.0L && st(1) == 2.0L);
	cpu_set_rflags(h->c, RFLAGS_FIXED | RFLAGS_CF);
	assert_int_equal(RUN(0xda, 0xc9), -1); /* fcmove st0, st1: ZF=0, no move */
	assert_true(st(0) == 1.0L);
	assert_int_equal(RUN(0xda, 0xc1), -1); /* fcmovb st0, st1: CF=1, move */
	assert_true(st(0) == 2.0L);
	assert_int_equal(RUN(0xd9, 0xf7), -1); /* fincstp */
	assert_int_equal(top(), 7);
	assert_int_equal(RUN(0xd9, 0xf6), -1); /* fdecstp */
	assert_int_equal(top(), 6);
	assert_int_equal(RUN(0xdd, 0xc1), -1); /* ffree st1 */
	assert_true(x87_empty(h->c, 1));
	assert_false(x87_empty(h->c, 0));
}

static void test_transcendental_and_misc(void **state)
{
	put_f64(0, 10.5);
	put_f64(8, 3.0);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x40, 0x08, 0xdd, 0x00, /* st0=10.5 st1=3 */
			     0xd9, 0xf8),                          /* fprem */
			 -1);
	assert_true(st(0) == 1.5L);
	/* quotient 3: Q0 -> C1, Q1 -> C3, Q2 -> C0; C2 = 0 (complete) */
	assert_int_equal(fsw() & FSW_CC, FSW_C1 | FSW_C3);
	assert_int_equal(RUN(FNINIT, FLD1, 0xd9, 0xfe), -1); /* fsin(1) */
	assert_true(fabsl(st(0) - sinl(1.0L)) < 1e-18L);
	assert_int_equal(RUN(FNINIT, FLD1, 0xd9, 0xf2), -1); /* fptan(1): pushes 1.0 */
	assert_true(st(0) == 1.0L);
	assert_true(fabsl(st(1) - tanl(1.0L)) < 1e-18L);
	assert_int_equal(top(), 6);
	assert_int_equal(RUN(FNINIT, FLD1, FLD1, 0xd9, 0xf3), -1); /* fpatan(1/1) */
	assert_true(fabsl(st(0) - atanl(1.0L)) < 1e-18L);
	assert_int_equal(top(), 7);
	put_f64(0, 12.0);
	assert_int_equal(RUN(FNINIT, 0xdd, 0x00, 0xd9, 0xf4), -1); /* fxtract */
	assert_true(st(0) == 1.5L && st(1) == 3.0L);
	assert_int_equal(RUN(FNINIT, FLD1, FLD1, 0xde, 0xc1, 0xd9, 0xe8, /* st1=2 st0=1 */
			     0xd9, 0xfd),                                 /* fscale */
			 -1);
	assert_true(st(0) == 4.0L); /* 1 * 2^2 */
}

/* FLDPI under RC: nearest rounds up (...C235), down truncates (...C234) */
static void test_constants_rounding(void **state)
{
	assert_int_equal(RUN(FNINIT, 0xd9, 0xeb), -1);
	assert_int_equal(x87_st(h->c, 0)->mant, 0xc90fdaa22168c235ull);
	put_u16(0, 0x077f);
	assert_int_equal(RUN(FNINIT, 0xd9, 0x28, 0xd9, 0xeb), -1);
	assert_int_equal(x87_st(h->c, 0)->mant, 0xc90fdaa22168c234ull);
	assert_int_equal(RUN(FNINIT, 0xd9, 0xea, 0xd9, 0xe9, 0xd9, 0xec, 0xd9, 0xed), -1);
	assert_true(fabsl(st(0) - logl(2.0L)) < 1e-18L);
	assert_true(fabsl(st(1) - log10l(2.0L)) < 1e-18L);
	assert_true(fabsl(st(2) - log2l(10.0L)) < 1e-17L);
	assert_true(fabsl(st(3) - log2l(expl(1.0L))) < 1e-17L);
}

static void test_fldcw_fnstcw(void **state)
{
	put_u16(0, 0xffff);
	assert_int_equal(RUN(0xd9, 0x28, 0xd9, 0x78, 0x02), -1); /* fldcw; fnstcw [rax+2] */
	assert_int_equal(get_u16(2), 0x1f7f);
	put_u16(0, 0);
	assert_int_equal(RUN(0xd9, 0x28, 0xd9, 0x78, 0x02), -1);
	assert_int_equal(get_u16(2), 0x0040);
}

/* 32-bit protected-mode-format environment (64-bit mode uses it) */
static void test_fnstenv_fldenv(void **state)
{
	assert_int_equal(RUN(FNINIT, FLD1, 0xd9, 0x30), -1); /* fnstenv [rax] */
	assert_int_equal(get_u32(0), 0xffff037fu);
	assert_int_equal(get_u32(4), 0xffff3800u);
	assert_int_equal(get_u32(8), 0xffff3fffu); /* R7 valid, others empty */
	assert_int_equal(get_u32(12), (u32)(H_CODE + 2)); /* FIP = the FLD1 */
	assert_int_equal(get_u32(16) & 0xffff, 0x08);       /* FCS */
	/* FLDENV of an image with ST(0) marked empty */
	put_u32(8, 0xffffffffu);
	put_u32(0, 0xffff027fu);
	assert_int_equal(RUN(0xd9, 0x20), -1); /* fldenv [rax] */
	assert_true(x87_empty(h->c, 0));
	assert_int_equal(h->c->fpu.fcw, 0x027f);
}

static void test_fnsave_frstor(void **state)
{
	assert_int_equal(RUN(FNINIT, FLD1, 0xd9, 0xeb, /* fld1; fldpi */
			     0xdd, 0x30),              /* fnsave [rax] */
			 -1);
	/* FNSAVE reinitialises */
	assert_int_equal(h->c->fpu.ftw, 0xffff);
	assert_int_equal(top(), 0);
	assert_int_equal(get_u64(28), 0xc90fdaa22168c235ull); /* ST(0) at 28 */
	assert_int_equal(get_u16(36), 0x4000);
	assert_int_equal(get_u64(38), 0x8000000000000000ull); /* ST(1) */
	assert_int_equal(get_u32(8), 0xffff0fffu); /* R6, R7 valid */
	assert_int_equal(RUN(0xdd, 0x20), -1); /* frstor [rax] */
	assert_int_equal(top(), 6);
	assert_true(st(1) == 1.0L);
	assert_int_equal(x87_st(h->c, 0)->mant, 0xc90fdaa22168c235ull);
}

/* SDM Vol.2 FXSAVE layout */
static void test_fxsave_layout(void **state)
{
	h->c->fpu.xmm[0][0] = 0x1122334455667788ull;
	h->c->fpu.xmm[15][1] = 0xdeadbeefcafef00dull;
	assert_int_equal(RUN(FNINIT, FLD1, 0x0f, 0xae, 0x00), -1); /* fxsave [rax] */
	assert_int_equal(get_u16(0), 0x037f);
	assert_int_equal(get_u16(2), 0x3800);
	assert_int_equal(get_u8(4), 0x80);  /* abridged tag: R7 */
	assert_int_equal(get_u32(24), 0x1f80);
	assert_int_equal(get_u32(28), 0xffff);
	assert_int_equal(get_u64(32), 0x8000000000000000ull);
	assert_int_equal(get_u16(40), 0x3fff);
	assert_int_equal(get_u64(160), 0x1122334455667788ull);
	assert_int_equal(get_u64(160 + 16 * 15 + 8), 0xdeadbeefcafef00dull);
	assert_int_equal(get_u32(8), (u32)(H_CODE + 2)); /* FIP of the FLD1 */
	assert_int_equal(get_u16(12), 0x08);
	/* FXSAVE64: 64-bit FIP */
	assert_int_equal(RUN(0x48, 0x0f, 0xae, 0x00), -1);
	assert_int_equal(get_u64(8), H_CODE + 2);
	/* FXRSTOR: modify the image and load it back */
	put_u32(24, 0x1f80 | MXCSR_DAZ);
	h_poke(h, H_DATA + 4, (u8[]){ 0xc0 }, 1); /* R6, R7 in use; TOP = 7 */
	assert_int_equal(RUN(0x0f, 0xae, 0x08), -1); /* fxrstor [rax] */
	assert_int_equal(h->c->fpu.mxcsr, 0x1f80 | MXCSR_DAZ);
	assert_false(x87_empty(h->c, 0)); /* R7 */
	assert_false(x87_empty(h->c, 7)); /* R6 */
	assert_true(x87_empty(h->c, 1));  /* R0 */
}

static void test_fxsave_faults(void **state)
{
	h->c->gpr[RAX] = H_DATA + 8;
	assert_int_equal(RUN(0x0f, 0xae, 0x00), VEC_GP); /* misaligned fxsave */
	h->c->gpr[RAX] = H_DATA;
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0x0f, 0xae, 0x00), -1);
	put_u32(24, 0x10000); /* reserved MXCSR bit */
	assert_int_equal(RUN(0x0f, 0xae, 0x08), VEC_GP);
	h->c->rip = H_CODE;
	put_u32(0, 0x10000);
	assert_int_equal(RUN(0x0f, 0xae, 0x10), VEC_GP); /* ldmxcsr [rax] */
	h->c->rip = H_CODE;
	put_u32(0, 0x1f80 | (1u << 13));
	assert_int_equal(RUN(0x0f, 0xae, 0x10, 0x0f, 0xae, 0x58, 0x04), -1); /* ld; stmxcsr */
	assert_int_equal(get_u32(4), 0x1f80 | (1u << 13));
	h->c->cr0 |= CR0_TS;
	assert_int_equal(RUN(0x0f, 0xae, 0x00), VEC_NM);
}

/* ---------------- SSE ---------------- */

static double xmm_f64(unsigned r, unsigned half)
{
	double d;
	memcpy(&d, &h->c->fpu.xmm[r][half], 8);
	return d;
}

static void set_xmm_f64(unsigned r, double lo, double hi)
{
	memcpy(&h->c->fpu.xmm[r][0], &lo, 8);
	memcpy(&h->c->fpu.xmm[r][1], &hi, 8);
}

/* double arithmetic as gcc emits it for 64-bit code, vs the host */
static void test_sse_double_math(void **state)
{
	volatile double a = 1.1, b = 3.7;
	volatile double expect = sqrt(((a + b) * (a + b)) / b);

	put_f64(0, a);
	put_f64(8, b);
	assert_int_equal(RUN(0xf2, 0x0f, 0x10, 0x00,       /* movsd xmm0, [rax] */
			     0xf2, 0x0f, 0x58, 0x40, 0x08, /* addsd xmm0, [rax+8] */
			     0xf2, 0x0f, 0x59, 0xc0,       /* mulsd xmm0, xmm0 */
			     0xf2, 0x0f, 0x5e, 0x40, 0x08, /* divsd xmm0, [rax+8] */
			     0xf2, 0x0f, 0x51, 0xc8,       /* sqrtsd xmm1, xmm0 */
			     0xf2, 0x0f, 0x11, 0x48, 0x10), /* movsd [rax+16], xmm1 */
			 -1);
	assert_true(get_f64(16) == expect);
	assert_true(h->c->fpu.mxcsr & MXCSR_PE);
	/* float: cvtss2sd / cvtsd2ss */
	float f = 0.1f;
	h_poke(h, H_DATA, &f, 4);
	assert_int_equal(RUN(0xf3, 0x0f, 0x5a, 0x00), -1); /* cvtss2sd xmm0, [rax] */
	assert_true(xmm_f64(0, 0) == (double)0.1f);
	assert_int_equal(RUN(0xf2, 0x0f, 0x5a, 0xc0), -1); /* cvtsd2ss xmm0, xmm0 */
	float g;
	memcpy(&g, &h->c->fpu.xmm[0][0], 4);
	assert_true(g == 0.1f);
	/* min/max */
	set_xmm_f64(0, 3.0, 0);
	set_xmm_f64(1, -4.0, 0);
	assert_int_equal(RUN(0xf2, 0x0f, 0x5d, 0xc1), -1); /* minsd xmm0, xmm1 */
	assert_true(xmm_f64(0, 0) == -4.0);
	set_xmm_f64(0, 3.0, 0);
	assert_int_equal(RUN(0xf2, 0x0f, 0x5f, 0xc1), -1); /* maxsd xmm0, xmm1 */
	assert_true(xmm_f64(0, 0) == 3.0);
}

static void test_sse_convert(void **state)
{
	set_xmm_f64(0, -2.7, 0);
	assert_int_equal(RUN(0xf2, 0x0f, 0x2c, 0xc8), -1); /* cvttsd2si ecx, xmm0 */
	assert_int_equal(h->c->gpr[RCX], (u32)-2);
	set_xmm_f64(0, 2.5, 0);
	assert_int_equal(RUN(0xf2, 0x48, 0x0f, 0x2d, 0xc8), -1); /* cvtsd2si rcx, xmm0 */
	assert_int_equal(h->c->gpr[RCX], 2); /* round to nearest even */
	h->c->gpr[RCX] = (u64)-123456789;
	set_xmm_f64(2, 0, 7.0);
	assert_int_equal(RUN(0xf2, 0x48, 0x0f, 0x2a, 0xd1), -1); /* cvtsi2sd xmm2, rcx */
	assert_true(xmm_f64(2, 0) == -123456789.0 && xmm_f64(2, 1) == 7.0);
	set_xmm_f64(0, 1e30, 0);
	assert_int_equal(RUN(0xf2, 0x0f, 0x2c, 0xc8), -1); /* out of range */
	assert_int_equal(h->c->gpr[RCX], 0x80000000u);
	assert_true(h->c->fpu.mxcsr & MXCSR_IE);
}

static void test_sse_compare(void **state)
{
	set_xmm_f64(0, 1.0, 0);
	set_xmm_f64(1, 2.0, 0);
	cpu_set_rflags(h->c, RFLAGS_FIXED | RFLAGS_OF | RFLAGS_SF);
	assert_int_equal(RUN(0x66, 0x0f, 0x2e, 0xc1), -1); /* ucomisd xmm0, xmm1 */
	assert_int_equal(cpu_rflags(h->c) & RFLAGS_ARITH, RFLAGS_CF);
	set_xmm_f64(1, NAN, 0);
	assert_int_equal(RUN(0x66, 0x0f, 0x2e, 0xc1), -1);
	assert_int_equal(cpu_rflags(h->c) & RFLAGS_ARITH, RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF);
	assert_int_equal(h->c->fpu.mxcsr & MXCSR_IE, 0); /* quiet */
	assert_int_equal(RUN(0x66, 0x0f, 0x2f, 0xc1), -1); /* comisd: signals on QNaN */
	assert_true(h->c->fpu.mxcsr & MXCSR_IE);
	set_xmm_f64(0, 1.0, 5.0);
	set_xmm_f64(1, 2.0, 0);
	assert_int_equal(RUN(0xf2, 0x0f, 0xc2, 0xc1, 0x01), -1); /* cmpsd xmm0, xmm1, lt */
	assert_int_equal(h->c->fpu.xmm[0][0], ~0ull);
	assert_true(xmm_f64(0, 1) == 5.0);
}

static void test_sse_moves(void **state)
{
	for (unsigned k = 0; k < 32; k++)
		h_poke(h, H_DATA + k, (u8[]){ (u8)k }, 1);
	assert_int_equal(RUN(0x0f, 0x28, 0x00,        /* movaps xmm0, [rax] */
			     0x0f, 0x29, 0x40, 0x20), /* movaps [rax+32], xmm0 */
			 -1);
	assert_int_equal(get_u64(32), 0x0706050403020100ull);
	assert_int_equal(get_u64(40), 0x0f0e0d0c0b0a0908ull);
	assert_int_equal(RUN(0x0f, 0x10, 0x40, 0x08), -1); /* movups xmm0, [rax+8] */
	assert_int_equal(h->c->fpu.xmm[0][0], 0x0f0e0d0c0b0a0908ull);
	assert_int_equal(RUN(0x0f, 0x28, 0x40, 0x08), VEC_GP); /* movaps misaligned */
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0x66, 0x0f, 0xef, 0x40, 0x08), VEC_GP); /* pxor m128 misaligned */
	h->c->rip = H_CODE;
	/* movsd: load clears the high half, register move keeps it */
	set_xmm_f64(0, 1.0, 2.0);
	set_xmm_f64(1, 3.0, 4.0);
	assert_int_equal(RUN(0xf2, 0x0f, 0x10, 0xc1), -1); /* movsd xmm0, xmm1 */
	assert_true(xmm_f64(0, 0) == 3.0 && xmm_f64(0, 1) == 2.0);
	assert_int_equal(RUN(0xf2, 0x0f, 0x10, 0x00), -1); /* movsd xmm0, [rax] */
	assert_int_equal(h->c->fpu.xmm[0][0], 0x0706050403020100ull);
	assert_int_equal(h->c->fpu.xmm[0][1], 0);
	/* movss xmm0, [rax]: zero-extends; movss xmm0, xmm1: low dword only */
	h->c->fpu.xmm[0][0] = ~0ull;
	h->c->fpu.xmm[0][1] = ~0ull;
	assert_int_equal(RUN(0xf3, 0x0f, 0x10, 0x00), -1);
	assert_int_equal(h->c->fpu.xmm[0][0], 0x03020100ull);
	h->c->fpu.xmm[0][0] = ~0ull;
	h->c->fpu.xmm[1][0] = 0x1234;
	assert_int_equal(RUN(0xf3, 0x0f, 0x10, 0xc1), -1);
	assert_int_equal(h->c->fpu.xmm[0][0], 0xffffffff00001234ull);
	/* movq xmm0, rcx zero-extends; movq rdx, xmm0; movd ecx, xmm1 */
	h->c->gpr[RCX] = 0x8877665544332211ull;
	h->c->fpu.xmm[0][1] = ~0ull;
	assert_int_equal(RUN(0x66, 0x48, 0x0f, 0x6e, 0xc1,  /* movq xmm0, rcx */
			     0x66, 0x48, 0x0f, 0x7e, 0xc2), /* movq rdx, xmm0 */
			 -1);
	assert_int_equal(h->c->fpu.xmm[0][1], 0);
	assert_int_equal(h->c->gpr[RDX], 0x8877665544332211ull);
	h->c->fpu.xmm[1][0] = 0xaaaaaaaabbbbbbbbull;
	assert_int_equal(RUN(0x66, 0x0f, 0x7e, 0xc9), -1); /* movd ecx, xmm1 */
	assert_int_equal(h->c->gpr[RCX], 0xbbbbbbbbull);
	/* movlhps / movhlps / movhps / movlps */
	h->c->fpu.xmm[0][0] = 1;
	h->c->fpu.xmm[0][1] = 2;
	h->c->fpu.xmm[1][0] = 3;
	h->c->fpu.xmm[1][1] = 4;
	assert_int_equal(RUN(0x0f, 0x16, 0xc1), -1); /* movlhps xmm0, xmm1 */
	assert_true(h->c->fpu.xmm[0][0] == 1 && h->c->fpu.xmm[0][1] == 3);
	assert_int_equal(RUN(0x0f, 0x12, 0xc1), -1); /* movhlps xmm0, xmm1 */
	assert_true(h->c->fpu.xmm[0][0] == 4 && h->c->fpu.xmm[0][1] == 3);
	assert_int_equal(RUN(0x0f, 0x16, 0x00), -1); /* movhps xmm0, [rax] */
	assert_true(h->c->fpu.xmm[0][0] == 4 && h->c->fpu.xmm[0][1] == 0x0706050403020100ull);
	assert_int_equal(RUN(0x0f, 0x13, 0x40, 0x30), -1); /* movlps [rax+48], xmm0 */
	assert_int_equal(get_u64(48), 4);
}

static void test_sse_integer(void **state)
{
	h->c->fpu.xmm[0][0] = 0x1111111111111111ull;
	h->c->fpu.xmm[0][1] = 0x2222222222222222ull;
	h->c->fpu.xmm[1][0] = 0x1111111100000011ull;
	h->c->fpu.xmm[1][1] = 0x2222222222222222ull;
	assert_int_equal(RUN(0x66, 0x0f, 0x74, 0xc1,  /* pcmpeqb xmm0, xmm1 */
			     0x66, 0x0f, 0xd7, 0xc8), /* pmovmskb ecx, xmm0 */
			 -1);
	assert_int_equal(h->c->gpr[RCX], 0xfff1);
	h->c->fpu.xmm[0][0] = 0x0000000100000000ull;
	h->c->fpu.xmm[0][1] = 0x0000000300000002ull;
	assert_int_equal(RUN(0x66, 0x0f, 0x70, 0xc8, 0x1b), -1); /* pshufd xmm1, xmm0, 0x1b */
	assert_int_equal(h->c->fpu.xmm[1][0], 0x0000000200000003ull);
	assert_int_equal(h->c->fpu.xmm[1][1], 0x0000000000000001ull);
	assert_int_equal(RUN(0x66, 0x0f, 0x6c, 0xc1), -1); /* punpcklqdq xmm0, xmm1 */
	assert_int_equal(h->c->fpu.xmm[0][1], 0x0000000200000003ull);
	h->c->fpu.xmm[0][0] = ~0ull;
	h->c->fpu.xmm[1][0] = 2;
	assert_int_equal(RUN(0x66, 0x0f, 0xd4, 0xc1), -1); /* paddq xmm0, xmm1 */
	assert_int_equal(h->c->fpu.xmm[0][0], 1);
	assert_int_equal(RUN(0x66, 0x0f, 0xfb, 0xc1), -1); /* psubq xmm0, xmm1 */
	assert_int_equal(h->c->fpu.xmm[0][0], ~0ull);
	set_xmm_f64(0, -1.0, 2.0);
	assert_int_equal(RUN(0x66, 0x0f, 0x50, 0xc8), -1); /* movmskpd ecx, xmm0 */
	assert_int_equal(h->c->gpr[RCX], 1);
	assert_int_equal(RUN(0x66, 0x0f, 0xef, 0xc0, 0x0f, 0x57, 0xc9), -1); /* pxor; xorps */
	assert_true(!h->c->fpu.xmm[0][0] && !h->c->fpu.xmm[0][1] && !h->c->fpu.xmm[1][0]);
	/* andnpd: ~dst & src */
	h->c->fpu.xmm[0][0] = 0xff00;
	h->c->fpu.xmm[1][0] = 0x0ff0;
	assert_int_equal(RUN(0x66, 0x0f, 0x55, 0xc1), -1);
	assert_int_equal(h->c->fpu.xmm[0][0], 0x00f0);
}

/* SDM Vol.3A "SIMD Floating-Point Exception (#XM)" */
static void test_sse_exceptions(void **state)
{
	/* masked: infinity and ZE */
	set_xmm_f64(0, 1.0, 0);
	set_xmm_f64(1, 0.0, 0);
	assert_int_equal(RUN(0xf2, 0x0f, 0x5e, 0xc1), -1); /* divsd xmm0, xmm1 */
	assert_true(isinf(xmm_f64(0, 0)));
	assert_true(h->c->fpu.mxcsr & MXCSR_ZE);
	/* unmasked: #XM, destination unchanged, flag set */
	put_u32(0, MXCSR_INIT & ~MXCSR_ZM);
	set_xmm_f64(0, 1.0, 0);
	assert_int_equal(RUN(0x0f, 0xae, 0x10, 0xf2, 0x0f, 0x5e, 0xc1), VEC_XM);
	assert_true(xmm_f64(0, 0) == 1.0);
	assert_true(h->c->fpu.mxcsr & MXCSR_ZE);
	/* CR4.OSXMMEXCPT = 0: #UD instead */
	h->c->cr4 &= ~CR4_OSXMMEXCPT;
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0xf2, 0x0f, 0x5e, 0xc1), VEC_UD);
	h->c->cr4 |= CR4_OSXMMEXCPT;
	/* rounding control: 1 + 2^-60 rounds up to the next double with RC=up */
	put_u32(0, MXCSR_INIT | (2u << 13));
	set_xmm_f64(0, 1.0, 0);
	set_xmm_f64(1, ldexp(1.0, -60), 0);
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0x0f, 0xae, 0x10, 0xf2, 0x0f, 0x58, 0xc1), -1);
	assert_true(xmm_f64(0, 0) == nextafter(1.0, 2.0));
	/* FTZ: a tiny product flushes to zero with UE and PE */
	put_u32(0, MXCSR_INIT | MXCSR_FZ);
	set_xmm_f64(0, 1e-200, 0);
	set_xmm_f64(1, 1e-200, 0);
	assert_int_equal(RUN(0x0f, 0xae, 0x10, 0xf2, 0x0f, 0x59, 0xc1), -1);
	assert_true(xmm_f64(0, 0) == 0.0);
	assert_int_equal(h->c->fpu.mxcsr & (MXCSR_UE | MXCSR_PE), MXCSR_UE | MXCSR_PE);
}

static void test_sse_availability(void **state)
{
	h->c->cr4 &= ~CR4_OSFXSR;
	assert_int_equal(RUN(0x0f, 0x57, 0xc0), VEC_UD); /* xorps */
	h->c->cr4 |= CR4_OSFXSR;
	h->c->cr0 |= CR0_TS;
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0x0f, 0x57, 0xc0), VEC_NM);
	h->c->rip = H_CODE;
	assert_int_equal(RUN(0xf2, 0x0f, 0x10, 0xc1), VEC_NM); /* movsd via exec_string */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_fadd_double),
		T(test_expression_matches_host),
		T(test_register_forms),
		T(test_precision_control),
		T(test_rounding_control),
		T(test_int64_and_float),
		T(test_stack_overflow),
		T(test_stack_underflow),
		T(test_unmasked_zero_divide),
		T(test_device_not_available),
		T(test_compare),
		T(test_fxam_fchs_fabs),
		T(test_fxch_fcmov_stack),
		T(test_transcendental_and_misc),
		T(test_constants_rounding),
		T(test_fldcw_fnstcw),
		T(test_fnstenv_fldenv),
		T(test_fnsave_frstor),
		T(test_fxsave_layout),
		T(test_fxsave_faults),
		T(test_sse_double_math),
		T(test_sse_convert),
		T(test_sse_compare),
		T(test_sse_moves),
		T(test_sse_integer),
		T(test_sse_exceptions),
		T(test_sse_availability),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
