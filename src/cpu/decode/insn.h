/* cpu/decode/insn.h: the compact decoded instruction (our own form; Zydis is only
 * consulted once, at decode time, in cpu/decode/decode.c) and operand access. */
#ifndef NESTBOX_CPU_INSN_H
#define NESTBOX_CPU_INSN_H

#include "cpu/cpu.h"

struct insn;
typedef void insn_fn(struct cpu *c, const struct insn *i);

enum opnd_kind {
	OPK_NONE,
	OPK_REG,  /* general register: reg 0-15, or 16-19 = AH CH DH BH */
	OPK_MEM,  /* memory at insn_ea(): size bytes */
	OPK_IMM,  /* i->imm (op 0/1) or i->imm2 (the second immediate) */
	OPK_SREG, /* segment register: reg = enum seg_reg */
	OPK_CR,   /* control register n */
	OPK_DR,   /* debug register n */
	OPK_XMM,  /* xmm n */
	OPK_ST,   /* x87 ST(n) */
	OPK_MMX,  /* mm n */
	OPK_PTR,  /* far pointer immediate: offset in imm, selector in imm2 */
};

struct opnd {
	u8 kind; /* enum opnd_kind */
	u8 reg;
	u16 size; /* bytes */
};

/* opcode maps (SDM Vol.2 "Opcode Map"): legacy, VEX and EVEX encodings */
enum insn_opmap {
	OPMAP_1BYTE, /* one-byte opcodes */
	OPMAP_0F,    /* 0F xx */
	OPMAP_0F38,  /* 0F 38 xx */
	OPMAP_0F3A,  /* 0F 3A xx */
	OPMAP_OTHER, /* 3DNow!, XOP and the EVEX maps 5-7 */
};

#define INSN_MAX_OPS 4
#define REG_NONE 0xff
#define REG_RIP  16 /* i->base for RIP-relative addressing */

/* prefixes that matter to semantics */
#define PFX_REP   1 /* F3: REP / REPE / REPZ */
#define PFX_REPNE 2 /* F2 */

struct insn {
	insn_fn *fn;
	u8 len;
	u8 osize;  /* operand size in bytes: 1 (byte forms), 2, 4, 8 */
	u8 asize;  /* address size in bytes: 2, 4, 8 */
	u8 nops;   /* visible operands in op[]: those Intel syntax prints, i.e.
	            * Zydis EXPLICIT and IMPLICIT ones (AL in `add al, 5`, the 1 in
	            * `shl eax, 1`, DX in `in al, dx`); HIDDEN ones (RAX/RDX of
	            * MUL, RSI/RDI of MOVS, RSP of PUSH) are not listed */
	u8 seg;    /* segment of the memory operand (default or override) */
	u8 base, index, scale; /* REG_NONE when absent; scale is log2 */
	u8 rep;    /* PFX_* */
	u8 lock;
	u8 cc;     /* condition code (Jcc/SETcc/CMOVcc) or a handler-defined sub-op */
	u8 opcode; /* the opcode byte (after any escape bytes) */
	u8 opmap;  /* enum insn_opmap: which escape the opcode follows */
	u8 flags;  /* INSN_F_* */
	u8 fused_len; /* a compare fused with the Jcc after it (cpu/decode/fastpath.c):
	               * the compare's length; len covers both; imm2 is the
	               * Jcc displacement. 0 for a single instruction. */
	u16 mnemonic; /* ZydisMnemonic, for traces and coverage */
	struct opnd op[INSN_MAX_OPS];
	i64 disp;
	u64 imm;   /* first immediate, sign-extended where the encoding says so;
	            * for relative branches the displacement */
	u64 imm2;  /* second immediate (ENTER nesting level, far selector) */
};

#define INSN_F_BRANCH   BIT(0) /* may change control flow: ends a decoded block */
#define INSN_F_HAS_MEM  BIT(1)
#define INSN_F_ENDBLOCK BIT(2) /* ends a block for other reasons (mode/state change) */
#define INSN_F_FAR      BIT(3) /* far form of JMP/CALL/RET (Zydis branch type FAR) */
#define INSN_F_RMW      BIT(4) /* the memory operand is read and written: op_read
                                * of it checks write access (a fault reports W=1) */
#define INSN_F_JUMPS    BIT(5) /* the handler may write c->next_rip (branches,
                                * REP/I/O strings, software interrupts, fused
                                * compare-and-branch pairs, block enders): the
                                * step loop re-reads next_rip only after these */
#define INSN_F_BRINSN   BIT(6) /* a branch instruction: Jcc, LOOPcc, JrCXZ, JMP,
                                * CALL, RET, IRET, INT n/INT3/INT1/INTO,
                                * SYSCALL/SYSENTER, SYSRET/SYSEXIT (always with
                                * INSN_F_JUMPS). Counted by the PMU's branch
                                * instructions retired event (cpu/system/pmu.c);
                                * a branch for last-branch recording and
                                * single-step on branches (SDM "Monitoring
                                * Branches, Exceptions, and Interrupts",
                                * "Single-Stepping on Branches") when it
                                * transfers control: see INSN_F_COND */
#define INSN_F_COND     BIT(7) /* with INSN_F_BRINSN: Jcc, LOOPcc, JrCXZ, and the
                                * software interrupts (INTO may not trap): a
                                * transfer only when RIP does not fall through */

/* --- effective address (SDM Vol.1 "Specifying an Offset") --- */
/* base + index * scale + displacement, before the address-size truncation */
static always_inline u64 insn_ea_raw(const struct cpu *c, const struct insn *i)
{
	u64 ea = (u64)i->disp;
	if (i->base == REG_RIP)
		ea += c->next_rip;
	else if (i->base != REG_NONE)
		ea += c->gpr[i->base];
	if (i->index != REG_NONE)
		ea += c->gpr[i->index] << i->scale;
	return ea;
}

static inline u64 insn_ea(const struct cpu *c, const struct insn *i)
{
	return insn_ea_raw(c, i) & size_mask(i->asize);
}

/* --- generic operand access (cpu/decode/operand.c) ---
 * op_read: value of explicit operand n, zero-extended (immediates are
 * returned as decoded: sign-extended to 64 bits, callers mask).
 * op_write: stores size bytes with the register-write rules of reg_write(). */
u64 op_read(struct cpu *c, const struct insn *i, int n);
void op_write(struct cpu *c, const struct insn *i, int n, u64 v);

/* Forms of core mnemonics handled elsewhere; exec_core.c dispatches:
 *   MOV with a CRn operand -> exec_mov_cr, with a DRn operand -> exec_mov_dr
 *   (cpu/system/exec_sys.c); segment/far forms -> cpu/system/seg.h. */
insn_fn exec_mov_cr;
insn_fn exec_mov_dr;

/* Handler tables: each cpu/handlers_*.def holds rows
 *   H(MNEMONIC, handler)      -- MNEMONIC is the ZYDIS_MNEMONIC_ suffix
 * A handler may inspect i->op[] to distinguish forms. Mnemonics with no row
 * raise #UD. The decoder (cpu/decode/decode.c) includes every table. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wredundant-decls" /* one handler may serve many rows */
#define H(m, fn) insn_fn fn;
#include "cpu/decode/handlers_all.def"
#undef H
#pragma GCC diagnostic pop

#endif
