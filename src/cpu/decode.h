/* cpu/decode.h: bytes -> struct insn (via Zydis, once per cached block) and
 * the decoded-block cache keyed by guest-physical address. */
#ifndef NESTBOX_CPU_DECODE_H
#define NESTBOX_CPU_DECODE_H

#include "cpu/insn.h"

enum decode_status {
	DECODE_OK,
	DECODE_INVALID,  /* #UD */
	DECODE_TOO_LONG, /* more than 15 bytes: #GP(0) */
	DECODE_NEED_MORE, /* the bytes ran out before the instruction did */
};

/* Decode one instruction for `mode` (enum cpu_mode) from len bytes. Pure. */
enum decode_status decode_insn(unsigned mode, const u8 *bytes, unsigned len, struct insn *out);
/* the handler for a Zydis mnemonic (exec_ud for unknown ones) */
insn_fn *decode_handler(unsigned mnemonic);
/* disassemble for traces: writes text into buf */
void decode_disasm(unsigned mode, u64 rip, const u8 *bytes, unsigned len, char *buf,
		   unsigned buflen);

#define BLOCK_MAX_INSNS 32
struct block {
	u64 gpa;      /* physical address of the first instruction */
	u32 gen;      /* code_gen of its page when decoded */
	u8 mode;      /* enum cpu_mode it was decoded for */
	u8 n;         /* instructions */
	u16 bytes;    /* total length */
	struct insn insns[BLOCK_MAX_INSNS];
};

/* The jump cache maps a linear RIP straight to its block, skipping the
 * fetch translation and the physical hash while nothing that could change
 * the answer has happened: same TLB epoch (no flush), mode, CPL and CS. */
struct jump_entry {
	u64 rip, cs_base, gpa;
	u32 cs_limit, epoch;
	u8 mode, cpl;
	i64 page;
	struct block *b;
};

#define ICACHE_BITS 11
#define JCACHE_BITS 10
struct icache {
	struct block blocks[1u << ICACHE_BITS];
	struct jump_entry jc[1u << JCACHE_BITS];
};

/* The block starting at c->rip (decoding it if needed). May fault (#PF on
 * fetch, #GP on CS limit, #UD for an invalid first instruction). */
const struct block *icache_lookup(struct cpu *c);

#endif
