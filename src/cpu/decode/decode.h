/* cpu/decode/decode.h: bytes -> struct insn (via Zydis, once per cached block) and
 * the decoded-block cache keyed by guest-physical address. */
#ifndef NESTBOX_CPU_DECODE_H
#define NESTBOX_CPU_DECODE_H

#include "base/compiler.h"
#include "base/log.h"
#include "cpu/decode/insn.h"

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
/* may the instruction `mnemonic` cause VM exit `reason` of its own? (the
 * HX column of handlers_all.def; true for a reason no instruction lists,
 * such as an EPT violation or an APIC access) */
bool insn_can_exit(unsigned mnemonic, unsigned reason);
/* the same for SVM exit code `exitcode` (the SX terms of that column) */
bool insn_can_svm_exit(unsigned mnemonic, u64 exitcode);
/* disassemble for traces: writes text into buf */
void decode_disasm(unsigned mode, u64 rip, const u8 *bytes, unsigned len, char *buf,
		   unsigned buflen);

#define BLOCK_MAX_INSNS 32
struct block {
	u64 gpa;      /* physical address of the first instruction */
	u32 gen;      /* code_gen of its page when decoded */
	u32 serial;   /* changes whenever the slot is decoded again */
	u8 mode;      /* enum cpu_mode it was decoded for */
	u8 n;         /* instructions */
	u16 bytes;    /* total length */
	struct insn insns[BLOCK_MAX_INSNS];
};

/* The jump cache maps a linear RIP straight to its block, skipping the
 * fetch translation and the physical hash while nothing that could change
 * the answer has happened: same TLB epoch (bumped by TLB flushes and by any
 * invalidation of decoded code), mode and CPL (packed in `key`), and the same
 * CS base and limit outside 64-bit mode (64-bit mode ignores both). Decoding
 * a block slot again drops the entries that point at it. `serial` and `gen`
 * let dbg builds check all that at every lookup. */
struct jump_entry {
	u64 rip, key, cs_base;
	u32 cs_limit, serial;
	const u32 *gen;       /* the page's code_gen counter */
	struct block *b;
	u32 want_gen;
	u8 pshift;            /* log2 of the size of the page RIP was fetched through */
};

#define ICACHE_BITS 11
#define JCACHE_BITS 10
struct icache {
	struct block blocks[1u << ICACHE_BITS];
	struct jump_entry jc[1u << JCACHE_BITS];
	u32 serial;
};

static always_inline u64 jump_key(const struct cpu *c)
{
	DEBUG_ASSERT(c->fetch_key == ((u64)c->tlb_epoch | ((u64)c->mode << 32) |
				      ((u64)c->cpl << 40) | c->tlb_ctx));
	return c->fetch_key;
}

static always_inline struct jump_entry *jump_slot(struct icache *ic, u64 rip)
{
	return &ic->jc[(rip ^ (rip >> JCACHE_BITS)) & ((1u << JCACHE_BITS) - 1)];
}

/* drop the jump-cache entries whose RIP lies in the same page as linear
 * address lin, at the size of the page each was fetched through (INVLPG:
 * the page may now map elsewhere) */
void icache_forget_linear_page(struct cpu *c, u64 lin);

/* forget every decoded block and jump-cache entry of this CPU (its state
 * was replaced wholesale: snapshot load); the cache is rebuilt on demand */
void icache_drop(struct cpu *c);

/* the lookup behind icache_lookup's fast path */
const struct block *icache_lookup_slow(struct cpu *c);

/* The block starting at c->rip (decoding it if needed). May fault (#PF on
 * fetch, #GP on CS limit, #UD for an invalid first instruction). */
static always_inline const struct block *icache_lookup(struct cpu *c)
{
	struct icache *ic = c->icache;

	if (likely(ic != NULL)) {
		const struct jump_entry *j = jump_slot(ic, c->rip);
		if (likely(j->rip == c->rip && j->key == jump_key(c) &&
			   (c->mode == MODE_LONG64 || (j->cs_base == c->seg[SEG_CS].base &&
						       j->cs_limit == c->seg[SEG_CS].limit)))) {
			/* a re-decoded slot drops its entries, an invalidated
			 * page moves the key (cpu_code_changed) */
			DEBUG_ASSERT(j->b->serial == j->serial && *j->gen == j->want_gen);
			return j->b;
		}
	}
	return icache_lookup_slow(c);
}

#endif
