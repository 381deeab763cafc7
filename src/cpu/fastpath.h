/* cpu/fastpath.h: decode-time choice of handlers specialised to one operand
 * form (cpu/fastpath.c). */
#ifndef NESTBOX_CPU_FASTPATH_H
#define NESTBOX_CPU_FASTPATH_H

#include "cpu/insn.h"

/* Replace in->fn by a handler fixed to in's operand form when there is one
 * (for decoding mode `mode`, enum cpu_mode); otherwise leave it. */
void insn_specialise(struct insn *in, unsigned mode);

#endif
