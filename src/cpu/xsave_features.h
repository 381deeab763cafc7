/* cpu/xsave_features.h: the XSAVE-family CPUID features nestbox implements
 * (cpu/model.c adds them to "max"); owned by the XSAVE work. */
#ifndef NESTBOX_CPU_XSAVE_FEATURES_H
#define NESTBOX_CPU_XSAVE_FEATURES_H
#define XSAVE_IMPLEMENTED ""
#endif
