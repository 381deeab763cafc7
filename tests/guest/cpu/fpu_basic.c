/* tests/guest/cpu/fpu_basic.c: float/double/long double arithmetic as the
 * compiler emits it (SSE2 for float/double, x87 for long double), struct
 * copies through XMM registers, and the FPU/SSE exception rules
 * (#NM, #MF, #XM/#UD, FXSAVE/FXRSTOR).
 *
 * Expected values are constant-folded by the compiler (GCC folds with
 * correctly rounded arithmetic); the guest computes the same expressions at
 * run time from volatile inputs, so the results must match bit for bit. */
#include "guest.h"

/* the rest of the guest library is built without SSE/x87; this file
 * computes with them */
#pragma GCC target("sse2")

static u64 dbits(double d)
{
	u64 v;
	memcpy(&v, &d, 8);
	return v;
}

static void fpu_enable(void)
{
	u32 mxcsr = 0x1f80;

	write_cr0((read_cr0() & ~(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP | X86_CR0_NE);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	asm volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

static void test_double(void)
{
	volatile double a = 1.1, b = 3.7, n = __builtin_nan("");
	volatile float f = 0.1f, g = 3.0f;
	double r, s;

	r = (a + b) * (a - b) / b;
	report(dbits(r) == dbits((1.1 + 3.7) * (1.1 - 3.7) / 3.7), "double + - * / (%llx)",
	       dbits(r));
	s = a * b;
	asm("sqrtsd %1, %0" : "=x"(s) : "x"(s)); /* no libm: sqrt() by hand */
	report(dbits(s) == dbits(__builtin_sqrt(1.1 * 3.7)), "sqrtsd");
	report((float)(f * g) == 0.1f * 3.0f, "float multiply");
	report((double)f == (double)0.1f, "float -> double");
	report((float)a == 1.1f, "double -> float");
	report((long)(-a * b) == -4, "double -> long truncates");
	report((double)(long)-123456789 == -123456789.0, "long -> double");
	report(a < b && !(b < a) && !(n < a) && !(n >= a) && n != n, "comparisons with NaN");
	report((a < b ? a : b) == 1.1, "min via compare");
}

/* x87 through inline asm: the guest library's flags make long double
 * soft-float, so only the compiler's constant folding uses it; results are
 * compared as bytes. Register p-forms are written as bytes (Intel operand
 * order, SDM opcode table). */
static const long double X = 1.1L, Y = 3.7L;
static const long double EXPR = 1.1L * 3.7L / (1.1L - 3.7L) + 1.1L;

static void test_long_double(void)
{
	static long double r;
	static const long double big = 12345678901.75L;
	u16 trunc_cw = 0x0f7f;
	s64 n = 0;
	u8 below;

	asm volatile("fninit\n\t"
		     "fldt %1\n\tfldt %2\n\t.byte 0xde, 0xe9\n\t" /* fsubp st1, st0: x-y */
		     "fldt %1\n\tfldt %2\n\t.byte 0xde, 0xc9\n\t" /* fmulp: xy */
		     ".byte 0xde, 0xf1\n\t"                       /* fdivrp st1, st0 */
		     "fldt %1\n\t.byte 0xde, 0xc1\n\t"            /* faddp */
		     "fstpt %0"
		     : "=m"(r) : "m"(X), "m"(Y));
	report(memcmp(&r, &EXPR, 10) == 0, "x87 extended + - * / match folded constant");
	asm volatile("fninit; fldcw %2; fldt %1; fistpll %0; fninit"
		     : "=m"(n) : "m"(big), "m"(trunc_cw));
	report(n == 12345678901LL, "FISTP m64 with RC=truncate");
	asm volatile("fninit; fldt %2; fldt %1; fcomip %%st(1), %%st; fstp %%st(0); setb %0"
		     : "=q"(below) : "m"(X), "m"(Y) : "cc");
	report(below, "FCOMIP: 1.1 < 3.7 sets CF");
}

struct blob {
	u64 q[9];
};

static void test_struct_copy(void)
{
	static struct blob src, dst;
	struct blob *volatile ps = &src, *volatile pd = &dst;

	for (int k = 0; k < 9; k++)
		src.q[k] = 0x0101010101010101ull * (u64)(k + 1);
	*pd = *ps; /* SSE moves at -O2 */
	report(memcmp(&src, &dst, sizeof(src)) == 0, "struct copy");
}

static void test_xm(void)
{
	u32 unmask_zm = 0x1f80 & ~(1u << 9), init = 0x1f80;
	double one = 1.0, zero = 0.0;

	asm volatile("ldmxcsr %0" : : "m"(unmask_zm));
	asm volatile("movsd %0, %%xmm0\n\t" ASM_TRY("1f") "divsd %1, %%xmm0\n\t1:"
		     : : "m"(one), "m"(zero) : "xmm0");
	report(exception_vector() == XM_VECTOR, "unmasked SSE divide by zero: #XM");
	write_cr4(read_cr4() & ~X86_CR4_OSXMMEXCPT);
	asm volatile("movsd %0, %%xmm0\n\t" ASM_TRY("1f") "divsd %1, %%xmm0\n\t1:"
		     : : "m"(one), "m"(zero) : "xmm0");
	report(exception_vector() == UD_VECTOR, "... #UD when CR4.OSXMMEXCPT = 0");
	write_cr4(read_cr4() | X86_CR4_OSXMMEXCPT);
	asm volatile("ldmxcsr %0" : : "m"(init));
}

static void test_nm_mf(void)
{
	u16 cw = 0x037b; /* ZE unmasked */

	write_cr0(read_cr0() | X86_CR0_TS);
	asm volatile(ASM_TRY("1f") "fninit\n\t1:" : : : "memory");
	report(exception_vector() == NM_VECTOR, "CR0.TS: x87 #NM");
	asm volatile(ASM_TRY("1f") "xorps %%xmm0, %%xmm0\n\t1:" : : : "xmm0");
	report(exception_vector() == NM_VECTOR, "CR0.TS: SSE #NM");
	asm volatile("clts");

	asm volatile("fninit; fldcw %0; fld1; fldz; fdivrp" : : "m"(cw));
	asm volatile(ASM_TRY("1f") "fwait\n\t1:" : : : "memory");
	report(exception_vector() == MF_VECTOR, "pending unmasked x87 exception: #MF on FWAIT");
	asm volatile("fninit");
}

static void test_fxsave(void)
{
	static u8 area[512] __attribute__((aligned(16)));
	u64 v = 0x1122334455667788ull, w = 0, z = 0;

	asm volatile("movq %0, %%xmm5" : : "m"(v) : "xmm5");
	asm volatile("fxsave64 %0" : "=m"(area));
	asm volatile("movq %0, %%xmm5" : : "m"(z) : "xmm5");
	asm volatile("fxrstor64 %0" : : "m"(area));
	asm volatile("movq %%xmm5, %0" : "=m"(w));
	report(w == v, "FXSAVE/FXRSTOR round trip");
	asm volatile(ASM_TRY("1f") "fxsave 8+%0\n\t1:" : "=m"(area));
	report(exception_vector() == GP_VECTOR, "misaligned FXSAVE: #GP");
}

int main(int argc, char **argv)
{
	fpu_enable();
	test_double();
	test_long_double();
	test_struct_copy();
	test_xm();
	test_nm_mf();
	test_fxsave();
	return report_summary();
}
