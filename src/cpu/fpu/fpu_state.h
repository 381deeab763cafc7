/* cpu/fpu/fpu_state.h: x87/MMX/SSE register file and its architectural bit
 * names (owned by cpu/exec_x87*.c, exec_fxsave.c, exec_sse.c).
 *
 * The x87 tag word is kept in the full two-bit encoding (SDM Vol.1 "x87 FPU
 * Tag Word"), but only "empty" (11b) versus "not empty" is authoritative:
 * the executors mark written registers 00b and the valid/zero/special
 * classification is recomputed from the register contents whenever the tag
 * word becomes visible (FNSTENV, FNSAVE), as processors that keep only the
 * abridged tag (FXSAVE) do. */
#ifndef NESTBOX_CPU_FPU_STATE_H
#define NESTBOX_CPU_FPU_STATE_H

#include "base/bits.h"
#include "base/types.h"

/* An x87 80-bit register: 64-bit significand with explicit integer bit,
 * sign in bit 15 of se, 15-bit biased exponent in bits 14:0. The first ten
 * bytes have the memory layout of an m80fp operand (and of the host's
 * x86-64 `long double`). */
struct f80 {
	u64 mant;
	u16 se;
};

struct fpu {
	u16 fcw, fsw;   /* FSW.TOP lives in bits 13:11 */
	u16 ftw;        /* full tag word, 2 bits per physical register */
	u16 fop;        /* 11-bit last opcode */
	u64 fip, fdp;
	u16 fcs, fds;
	struct f80 st[8]; /* physical registers R0..R7 (MM0..MM7 alias the mantissas) */
	u32 mxcsr;
	u64 xmm[16][2];   /* [n][0] = bits 63:0, [n][1] = bits 127:64 */
};

/* x87 FPU status word (SDM Vol.1 "x87 FPU Status Register") */
#define FSW_IE    BIT(0)
#define FSW_DE    BIT(1)
#define FSW_ZE    BIT(2)
#define FSW_OE    BIT(3)
#define FSW_UE    BIT(4)
#define FSW_PE    BIT(5)
#define FSW_SF    BIT(6)
#define FSW_ES    BIT(7)
#define FSW_C0    BIT(8)
#define FSW_C1    BIT(9)
#define FSW_C2    BIT(10)
#define FSW_TOP_SHIFT 11
#define FSW_TOP   (7u << FSW_TOP_SHIFT)
#define FSW_C3    BIT(14)
#define FSW_B     BIT(15)
#define FSW_EXC   0x3fu /* IE..PE: the six exception flags */
#define FSW_CC    (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* x87 FPU control word (SDM Vol.1 "x87 FPU Control Word") */
#define FCW_IM    BIT(0)
#define FCW_DM    BIT(1)
#define FCW_ZM    BIT(2)
#define FCW_OM    BIT(3)
#define FCW_UM    BIT(4)
#define FCW_PM    BIT(5)
#define FCW_PC    (3u << 8)
#define FCW_RC    (3u << 10)
#define FCW_X     BIT(12)
/* bits FLDCW keeps; bit 6 reads as 1 (measured: FLDCW 0 -> FNSTCW 0x0040,
 * FLDCW 0xffff -> 0x1f7f) */
#define FCW_WRITABLE 0x1f3fu
#define FCW_ONES     0x0040u
#define FCW_INIT     0x037fu /* FNINIT */

/* two-bit tags (SDM Vol.1 "x87 FPU Tag Word") */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* MXCSR (SDM Vol.1 "MXCSR Control and Status Register") */
#define MXCSR_IE   BIT(0)
#define MXCSR_DE   BIT(1)
#define MXCSR_ZE   BIT(2)
#define MXCSR_OE   BIT(3)
#define MXCSR_UE   BIT(4)
#define MXCSR_PE   BIT(5)
#define MXCSR_DAZ  BIT(6)
#define MXCSR_IM   BIT(7)
#define MXCSR_DM   BIT(8)
#define MXCSR_ZM   BIT(9)
#define MXCSR_OM   BIT(10)
#define MXCSR_UM   BIT(11)
#define MXCSR_PM   BIT(12)
#define MXCSR_RC   (3u << 13)
#define MXCSR_FZ   BIT(15)
#define MXCSR_EXC  0x3fu
#define MXCSR_MASKS_SHIFT 7
#define MXCSR_INIT 0x1f80u
/* SDM Vol.1 "Guidelines for Writing to the MXCSR Register": the bits software
 * may set are those in MXCSR_MASK as FXSAVE reports it; this model supports
 * DAZ, so MXCSR_MASK = 0xffff. */
#define MXCSR_MASK_VALUE 0x0000ffffu

#endif
