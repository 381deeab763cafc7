/* tests/diff/gen.h: the instruction-form table (forms.def) and the random
 * case generator (gen.c). */
#ifndef NESTBOX_TESTS_DIFF_GEN_H
#define NESTBOX_TESTS_DIFF_GEN_H

#include "base/bits.h"
#include "cpu/cpu.h" /* RAX..R15 */
#include "diff.h"

/* forms.def column values */
enum { P_66 = 1, P_F2 = 2, P_F3 = 4, P_VEX = 8 };
enum { M_NONE = 0, M_R = 1, M_OPR = 2 };
#define M_N(n) (8 + (n))
enum { ZN = 0, Z1 = 1, Z2 = 2, Z4 = 4, Z8 = 8, ZV = 14, ZY = 12 };
enum { I0, IB, IW, IZ, IV, IWB, IMOFF, IREL8, IREL32 };

#define F_LOCK   BIT(0)  /* LOCK is legal with a memory destination */
#define F_MEM    BIT(1)  /* ModRM.rm must be memory */
#define F_REG    BIT(2)  /* ModRM.rm must be a register */
#define F_NOACC  BIT(3)  /* the memory operand is not accessed (LEA, NOP) */
#define F_CL     BIT(4)  /* count in CL */
#define F_CNT1   BIT(5)  /* count is 1 */
#define F_CNTI   BIT(6)  /* count in imm8 */
#define F_DIV    BIT(7)  /* bias the dividend so most cases do not #DE */
#define F_IDIV   BIT(8)
#define F_BTOFF  BIT(9)  /* ModRM.reg is a bit offset into a memory bit string */
#define F_STR    BIT(10) /* string op: RSI/RDI point into scratch, small RCX */
#define F_STRCMP BIT(11) /* make some compared elements equal */
#define F_FRAME  BIT(12) /* RBP points into scratch (ENTER/LEAVE) */
#define F_POPF   BIT(13) /* the popped RFLAGS image has TF=AC=0 */
#define F_XLAT   BIT(14) /* RBX points into scratch */
#define F_D64    BIT(15) /* operand size defaults to 64 (no 32-bit form) */
#define F_VVVV   BIT(16) /* VEX.vvvv names a register */
#define F_RET    BIT(17) /* [RSP] holds the taken stub address */
#define F_IND    BIT(18) /* the r/m operand holds the taken stub address */
#define F_INTN   BIT(19) /* INT n: avoid the DPL-3 gates (3, 4, 0x80) */
#define F_FEW    BIT(20) /* deterministic outcome: a few cases suffice */
#define F_NOREX  BIT(21) /* no REX prefix (it would change the instruction) */
#define F_SREG   BIT(22) /* ModRM.reg is a segment register */
#define F_CC     BIT(23) /* opcode + random condition code */
#define F_RCX    BIT(24) /* RCX small (LOOP/JRCXZ) */
#define F_ZSRC   BIT(25) /* the source is zero in some cases */
#define F_CMPX   BIT(26) /* the comparand equals the destination in some cases */
#define F_SSE    BIT(27) /* random XMM/MM/MXCSR state, FP special values */
#define F_A16    BIT(28) /* 16-byte memory operand: mostly 16-aligned */

enum uf_class {
#define C(n) n,
#define U(c, w, m)
#include "undefined_flags.def"
#undef C
#undef U
	UF_NR
};

struct form {
	const char *name;
	u8 uf, pfx, map, opc, mo, sizes, imm;
	u32 fl;
	u8 feat;
};

extern const struct form diff_forms[];
extern const unsigned diff_nforms;

/* percent of cases that start with RFLAGS.AC=1 (alignment checks; -ac) */
extern unsigned gen_ac_pct;

/* Build one random case of form f from the generator state *rng. */
void gen_case(const struct form *f, u64 *rng, struct diff_case *k);

#endif
