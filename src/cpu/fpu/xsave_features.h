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
/* the XCR0 state components nestbox implements: x87 (bit 0) and SSE (bit 1);
 * CPUID.(EAX=0DH,ECX=0):EAX reports them, XSETBV accepts only them */
#define XSAVE_XCR0_SUPPORTED 3ull
#endif
