/* cpu/xsave_features.h: the XSAVE-family CPUID features nestbox implements
 * (cpu/model.c adds them to "max"); owned by the XSAVE work. Ready: XSAVE,
 * XSAVEOPT, XSAVEC, XRSTOR (cpu/exec_xsave.c), XGETBV with ECX = 1
 * (cpu/exec_sys.c), for state components x87 and SSE. Not XSAVES. */
#ifndef NESTBOX_CPU_XSAVE_FEATURES_H
#define NESTBOX_CPU_XSAVE_FEATURES_H
#define XSAVE_IMPLEMENTED ""
/* the XCR0 state components nestbox implements: x87 (bit 0) and SSE (bit 1);
 * CPUID.(EAX=0DH,ECX=0):EAX reports them, XSETBV accepts only them */
#define XSAVE_XCR0_SUPPORTED 3ull
#endif
