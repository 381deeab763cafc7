/* tests/guest/cpu/xsave_pkru.c: PKRU as XSAVE state component 9 (SDM Vol.1
 * "PKRU State", "XSAVE-Supported Features and State-Component Bitmaps";
 * CPUID leaf 0DH; cpu/fpu/exec_xsave.c): CPUID sizes and offset, XCR0 bit
 * 9, XSAVE/XSAVEOPT/XSAVEC/XRSTOR saving and loading PKRU with the init
 * optimization and XSTATE_BV[9].
 * run-args: -cpu max
 */
#include "guest.h"
#include "fpu.h"

#define CR4_PKE    BIT(22)
#define PKRU_STD   2688 /* CPUID.(EAX=0DH,ECX=9):EBX */
#define PKRU_CMP   576  /* compacted: right after the header */
#define HDR        512

static u8 area[4096] __aligned(64);

static u32 rdpkru(void)
{
	u32 a, d;
	asm volatile("rdpkru" : "=a"(a), "=d"(d) : "c"(0));
	return a;
}

static void wrpkru(u32 v) { asm volatile("wrpkru" : : "a"(v), "c"(0), "d"(0) : "memory"); }

static u64 ld64(unsigned off) { return *(volatile u64 *)(area + off); }
static u32 ld32(unsigned off) { return *(volatile u32 *)(area + off); }
static void st64(unsigned off, u64 v) { *(volatile u64 *)(area + off) = v; }
static void st32(unsigned off, u32 v) { *(volatile u32 *)(area + off) = v; }

#define XOP(insn, mask) \
	asm volatile(insn " (%0)" : : "r"(area), "a"((u32)(mask)), "d"((u32)((u64)(mask) >> 32)) \
		     : "memory")

static void test_cpuid(void)
{
	struct cpuid r0 = cpuid_indexed(0xd, 0), r9 = cpuid_indexed(0xd, 9);

	report(r0.a & BIT(9), "CPUID.(0DH,0):EAX[9]: PKRU is a supported component");
	report(r0.c == 2696, "ECX: 2696 bytes for every component (%u)", r0.c);
	report(r9.a == 8 && r9.b == PKRU_STD && r9.c == 0, "sub-leaf 9: 8 bytes at 2688, user state");
	report(cpuid_indexed(0xd, 0).b == 576, "EBX with XCR0 = 3: 576");
	report(xsetbv_safe(0, 0x203) == NO_EXCEPTION && xgetbv(0) == 0x203, "XCR0 bit 9 settable");
	report(cpuid_indexed(0xd, 0).b == 2696, "EBX with XCR0 = 0x203: 2696");
	report(cpuid_indexed(0xd, 1).b == 584, "sub-leaf 1 EBX (compacted): 584");
}

static void test_xsave(void)
{
	memset(area, 0, sizeof(area));
	wrpkru(0x0c);
	report((xgetbv(1) & BIT(9)) != 0, "XINUSE[9] with PKRU != 0");
	XOP("xsave", BIT(9));
	report(ld32(PKRU_STD) == 0x0c && (ld64(HDR) & BIT(9)), "XSAVE stores PKRU at 2688, XSTATE_BV[9]");
	/* init optimization: PKRU = 0 is its initial configuration */
	wrpkru(0);
	report(!(xgetbv(1) & BIT(9)), "XINUSE[9] clear with PKRU = 0");
	st32(PKRU_STD, 0xaaaa);
	XOP("xsaveopt", BIT(9));
	report(ld32(PKRU_STD) == 0xaaaa && !(ld64(HDR) & BIT(9)),
	       "XSAVEOPT with PKRU in its initial configuration: not written, XSTATE_BV[9] = 0");
	XOP("xsave", BIT(9));
	report(ld32(PKRU_STD) == 0 && !(ld64(HDR) & BIT(9)), "XSAVE writes it anyway (0)");
	/* RFBM[9] = 0: PKRU neither saved nor its XSTATE_BV bit touched */
	wrpkru(0x30);
	st32(PKRU_STD, 0x77);
	st64(HDR, BIT(9));
	XOP("xsave", 3);
	report(ld32(PKRU_STD) == 0x77 && (ld64(HDR) & BIT(9)), "RFBM[9] = 0: PKRU untouched");
}

static void test_xrstor(void)
{
	memset(area, 0, sizeof(area));
	wrpkru(0);
	st32(PKRU_STD, 0x3c);
	st64(HDR, BIT(9));
	XOP("xrstor", BIT(9));
	report(rdpkru() == 0x3c, "XRSTOR with XSTATE_BV[9] = 1 loads PKRU");
	st64(HDR, 0);
	XOP("xrstor", BIT(9));
	report(rdpkru() == 0, "XSTATE_BV[9] = 0: PKRU to its initial 0");
	wrpkru(0x44);
	st64(HDR, BIT(9));
	XOP("xrstor", 3);
	report(rdpkru() == 0x44, "RFBM[9] = 0: PKRU unchanged");
}

static void test_xsavec(void)
{
	memset(area, 0, sizeof(area));
	st32(PKRU_CMP, 0xeeee);
	wrpkru(0x500); /* keys 4 and 5: key 0 (every page here) stays open */
	XOP("xsavec", ~0ull);
	report(ld32(PKRU_CMP) == 0x500, "XSAVEC: PKRU right after the header (%#x)", ld32(PKRU_CMP));
	report(ld64(HDR + 8) == (BIT(63) | 0x203) && (ld64(HDR) & BIT(9)),
	       "XCOMP_BV = 8000000000000203H, XSTATE_BV[9]");
	wrpkru(0);
	XOP("xrstor", ~0ull);
	report(rdpkru() == 0x500, "XRSTOR of the compacted form loads it back");
	wrpkru(0);
	st32(PKRU_CMP, 0x1234);
	XOP("xsavec", BIT(9));
	report(ld32(PKRU_CMP) == 0x1234 && !(ld64(HDR) & BIT(9)),
	       "XSAVEC of PKRU = 0: not written, XSTATE_BV[9] = 0");
}

int main(int argc, char **argv)
{
	write_cr4(read_cr4() | X86_CR4_OSXSAVE | CR4_PKE);
	test_cpuid();
	test_xsave();
	test_xrstor();
	test_xsavec();
	wrpkru(0);
	xsetbv_safe(0, 3);
	return report_summary();
}
