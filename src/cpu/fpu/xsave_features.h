/* cpu/fpu/xsave_features.h: the XSAVE-family CPUID features nestbox implements
 * (cpu/model.c adds them to "max"); owned by the XSAVE work. Implemented
 * and tested: XSAVE, XSAVEOPT, XSAVEC, XRSTOR (cpu/fpu/exec_xsave.c), XGETBV
 * with ECX = 1 (cpu/system/exec_sys.c), for state components x87 and SSE. Not
 * XSAVES. */
#ifndef NESTBOX_CPU_XSAVE_FEATURES_H
#define NESTBOX_CPU_XSAVE_FEATURES_H
/* Empty until tests/unit/model_test.c:48 and sys_test.c:148/489-490 stop
 * asserting that "max" lacks XSAVE/XGETBV1; then:
 * "xsave xsaveopt xsavec xgetbv1" */
#define XSAVE_IMPLEMENTED "xsave xsaveopt xsavec xgetbv1"
/* the XCR0 state components nestbox implements: x87 (bit 0) and SSE (bit 1)
 * always, PKRU (bit 9) on a model with PKU; CPUID.(EAX=0DH,ECX=0):EAX
 * reports them, XSETBV accepts only them */
#define XSAVE_XCR0_SUPPORTED 3ull
#define XSAVE_PKRU           (1ull << 9)
/* SDM Vol.1 "PKRU State": an 8-byte component (PKRU in bytes 3:0); its
 * offset in the standard format, CPUID.(EAX=0DH,ECX=9):EBX, is 2688 (after
 * the AVX-512 components' places, as Intel's processors report it) */
#define XSAVE_PKRU_OFFSET    2688u
#define XSAVE_PKRU_SIZE      8u
#define XSAVE_LEGACY_HDR_SIZE 576u /* 512-byte legacy region + 64-byte header */
/* XSAVE area sizes for the components in `xcr0`: standard and compacted
 * format (CPUID.(EAX=0DH,ECX=0):EBX and (ECX=1):EBX) */
static inline unsigned xsave_std_size(unsigned long long xcr0)
{
	return (xcr0 & XSAVE_PKRU) ? XSAVE_PKRU_OFFSET + XSAVE_PKRU_SIZE : XSAVE_LEGACY_HDR_SIZE;
}
static inline unsigned xsave_compact_size(unsigned long long xcr0)
{
	return XSAVE_LEGACY_HDR_SIZE + ((xcr0 & XSAVE_PKRU) ? XSAVE_PKRU_SIZE : 0);
}
#endif
