/* tests/guest/lib/fpu.h: x87/SSE/XSAVE helpers for guest kernels. The
 * library is built with -mno-sse -mno-80387, so everything here is inline
 * asm; long double values are only stored and compared as 80-bit images.
 * Register-to-register x87 forms are written as bytes where AT&T operand
 * order is ambiguous (Intel encodings from the SDM opcode tables). */
#ifndef GUEST_FPU_H
#define GUEST_FPU_H

#include "guest.h"

/* 80-bit extended-precision image (the m80fp memory format) */
struct f80 {
	u64 mant;
	u16 se;
} __attribute__((packed));

/* CR0: EM = 0, TS = 0, MP = NE = 1; CR4: OSFXSR, OSXMMEXCPT; FNINIT, MXCSR
 * at its reset value */
static inline void fpu_enable(void)
{
	u32 mxcsr = 0x1f80;

	write_cr0((read_cr0() & ~(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP | X86_CR0_NE);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	asm volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

/* running under QEMU TCG (CPUID hypervisor leaf "TCGTCGTCGTCG"), whose
 * x87/XSAVE deviations from the SDM the tests report as expected failures */
static inline bool fpu_qemu_tcg(void)
{
	struct cpuid r = cpuid(0x40000000);
	return r.b == 0x54474354 && r.c == 0x43544743 && r.d == 0x47435447;
}

static inline u16 fpu_fnstsw(void)
{
	u16 sw;
	asm volatile("fnstsw %0" : "=m"(sw));
	return sw;
}

/* |a - b| < tol, computed by the x87 itself (FSUB, FABS, FCOMIP) */
static inline bool f80_near(const void *a, const void *b, const void *tol)
{
	u8 below;

	asm volatile("fldt %3\n\t"
		     "fldt %2\n\tfldt %1\n\t"
		     ".byte 0xde, 0xe9\n\t" /* fsubp st1, st0: a - b */
		     "fabs\n\t"
		     ".byte 0xdf, 0xf1\n\t" /* fcomip st0, st1: |a-b| vs tol */
		     "fstp %%st(0)\n\t"
		     "setb %0"
		     : "=q"(below)
		     : "m"(*(const struct f80 *)a), "m"(*(const struct f80 *)b),
		       "m"(*(const struct f80 *)tol)
		     : "cc");
	return below;
}

static inline bool f80_equal(const void *a, const void *b) { return memcmp(a, b, 10) == 0; }

static inline u64 xgetbv(u32 xcr)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return lo | ((u64)hi << 32);
}

/* XSETBV / XGETBV returning the exception vector (NO_EXCEPTION if none) */
static inline int xsetbv_safe(u32 xcr, u64 v)
{
	asm volatile(ASM_TRY("1f") "xsetbv\n\t1:"
		     : : "c"(xcr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
	return exception_vector();
}

static inline int xgetbv_safe(u32 xcr, u64 *v)
{
	u32 lo = 0, hi = 0;
	asm volatile(ASM_TRY("1f") "xgetbv\n\t1:" : "+a"(lo), "+d"(hi) : "c"(xcr) : "memory");
	*v = lo | ((u64)hi << 32);
	return exception_vector();
}

#endif
