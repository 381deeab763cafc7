/* cpu/decode/fastpath.h: decode-time choice of handlers specialised to one operand
 * form (cpu/decode/fastpath.c). */
#ifndef NESTBOX_CPU_FASTPATH_H
#define NESTBOX_CPU_FASTPATH_H

#include "cpu/decode/insn.h"

/* Replace in->fn by a handler fixed to in's operand form when there is one
 * (for decoding mode `mode`, enum cpu_mode); otherwise leave it. */
void insn_specialise(struct insn *in, unsigned mode);

/* Fuse a flag-setting instruction with the Jcc that follows it in a block,
 * so both run in one dispatch: on success `prev` becomes the pair and true
 * is returned (the caller drops `jcc`). Both must already be specialised
 * (insn_specialise) for 64-bit mode. The pair still retires as two
 * instructions: the Jcc runs on its own when only one instruction is left
 * before c->deadline or the step loop runs a single instruction (c->single). */
bool insn_fuse(struct insn *prev, const struct insn *jcc, unsigned mode);

#endif
