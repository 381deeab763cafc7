/* cpu/fpu/sse_features.h: the SSE-family CPUID features nestbox implements
 * (cpu/model.c adds them to "max"); owned by the SSE work. */
#ifndef NESTBOX_CPU_SSE_FEATURES_H
#define NESTBOX_CPU_SSE_FEATURES_H
#define SSE_IMPLEMENTED "mmx sse3 ssse3 sse4_1 sse4_2"
#endif
