/* cpu/fpu/sse.h: SSE entry points used by other executors (owned with
 * cpu/fpu/exec_sse.c).
 *
 * Zydis gives the SSE2 scalar-double MOVSD (F2 0F 10/11) and CMPSD
 * (F2 0F C2) the same mnemonics as the dword string instructions MOVSD and
 * CMPSD, so only one handler row per mnemonic can exist. The rows are the
 * string engineer's (handlers_alu.def, exec_string.c); those handlers must
 * call these functions when the instruction has operands (the string forms
 * have none; the SSE forms have XMM/memory operands). exec_string.c does so
 * through weak references. */
#ifndef NESTBOX_CPU_SSE_H
#define NESTBOX_CPU_SSE_H

#include "cpu/decode/insn.h"

/* MOVSD xmm1, xmm2/m64 and MOVSD xmm1/m64, xmm2 (SSE2) */
void exec_sse_movsd(struct cpu *c, const struct insn *i);
/* CMPSD xmm1, xmm2/m64, imm8 (SSE2) */
void exec_sse_cmpsd(struct cpu *c, const struct insn *i);

#endif
