/* cpu/fpu_state.h: x87/SSE register file (owned by cpu/exec_x87.c, exec_sse.c). */
#ifndef NESTBOX_CPU_FPU_STATE_H
#define NESTBOX_CPU_FPU_STATE_H

#include "base/types.h"

/* An x87 80-bit register: 64-bit significand with explicit integer bit,
 * sign in bit 15 of se, 15-bit biased exponent in bits 14:0. */
struct f80 {
	u64 mant;
	u16 se;
};

struct fpu {
	u16 fcw, fsw;   /* FSW.TOP lives in bits 13:11 */
	u16 ftw;        /* full tag word, 2 bits per physical register */
	u16 fop;
	u64 fip, fdp;
	u16 fcs, fds;
	struct f80 st[8]; /* physical registers R0..R7 */
	u32 mxcsr;
	u64 xmm[16][2];
};

#endif
