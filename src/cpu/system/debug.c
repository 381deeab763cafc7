/* cpu/system/debug.c: breakpoint and single-step conditions (SDM Vol.3B "Debug
 * Exception Conditions"). */
#include "cpu/system/debug.h"

#include "cpu/fault.h"
#include "vmx/vmx.h"

static inline bool bp_enabled(u64 dr7, unsigned n) { return (dr7 >> (2 * n)) & 3; }
static inline unsigned bp_rw(u64 dr7, unsigned n) { return (unsigned)(dr7 >> (16 + 4 * n)) & 3; }

/* SDM "Debug Control Register (DR7)", LEN: 00 = 1 byte, 01 = 2 bytes,
 * 10 = 8 bytes, 11 = 4 bytes */
static inline u64 bp_len(u64 dr7, unsigned n)
{
	static const u8 len[4] = { 1, 2, 8, 4 };
	return len[(dr7 >> (18 + 4 * n)) & 3];
}

/* SDM "Instruction-Breakpoint Exception Condition": a fault, taken before
 * the instruction executes, unless RFLAGS.RF = 1. */
void cpu_debug_check_insn(struct cpu *c)
{
	u64 dr7 = c->dr[7], hits = 0;
	bool wide = c->mode == MODE_LONG64;
	u64 lin = wide ? c->rip : (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;

	if (c->rflags & RFLAGS_RF) {
		c->rflags &= ~RFLAGS_RF;
		return;
	}
	for (unsigned n = 0; n < 4; n++) {
		u64 a = wide ? c->dr[n] : c->dr[n] & 0xffffffffull;
		if (bp_enabled(dr7, n) && bp_rw(dr7, n) == 0 && a == lin)
			hits |= BIT(n);
	}
	if (hits) {
		/* VMX non-root: an intercepted #DB exits before DR6 changes */
		if (c->vmx.nonroot)
			vmx_icpt_db(c, hits, false);
		c->dr[6] = (c->dr[6] & ~0xfull) | hits | DR6_FIXED1;
		cpu_fault(c, VEC_DB, 0);
	}
}

static u64 range_hits(const struct cpu *c, u64 addr, unsigned len, unsigned rw_mask)
{
	u64 dr7 = c->dr[7], hits = 0;
	for (unsigned n = 0; n < 4; n++) {
		if (!bp_enabled(dr7, n) || !((1u << bp_rw(dr7, n)) & rw_mask))
			continue;
		u64 blen = bp_len(dr7, n);
		u64 base = c->dr[n] & ~(blen - 1);
		if (addr < base + blen && base < addr + len)
			hits |= BIT(n);
	}
	return hits;
}

static void trap(struct cpu *c, u64 hits)
{
	if (!hits)
		return;
	c->pending_db = 1;
	c->pending_dr6 |= hits;
}

/* SDM "Data Memory and I/O Breakpoint Exception Conditions": R/W = 01
 * breaks on writes, 11 on reads and writes; a trap after the access. */
void cpu_debug_check_data(struct cpu *c, u64 lin, unsigned len, bool write)
{
	trap(c, range_hits(c, lin, len, write ? (1u << 1) | (1u << 3) : (1u << 3)));
}

/* R/W = 10: I/O read or write, only with CR4.DE = 1 */
void cpu_debug_check_io(struct cpu *c, u16 port, unsigned len)
{
	if (c->cr4 & CR4_DE)
		trap(c, range_hits(c, port, len, 1u << 2));
}

/* SDM "Single-Step Exception Condition": a trap after an instruction that
 * began with TF = 1 (so not after the instruction that sets TF); the MOV SS
 * shadow delays it (cpu/event.c). */
void cpu_debug_after_insn(struct cpu *c, u64 rflags_before, bool branched)
{
	bool suppress = (c->pending_dr6 & DBG_NO_SINGLE_STEP) != 0;

	c->pending_dr6 &= ~DBG_NO_SINGLE_STEP;
	if (!(rflags_before & RFLAGS_TF) || suppress)
		return;
	/* SDM "Single-Stepping on Branches": with IA32_DEBUGCTL.BTF "the
	 * processor generates a single-step debug exception only after
	 * instructions that cause a branch" */
	if ((c->msr.debugctl & DEBUGCTL_BTF) && !branched)
		return;
	cpu_debug_single_step(c);
}

void cpu_debug_single_step(struct cpu *c)
{
	c->pending_db = 1;
	c->pending_dr6 |= DR6_BS;
}

/* SDM "Debug Status Register (DR6)": B0-B3 report the breakpoints that
 * matched; "the processor never clears" BD/BS/BT */
void cpu_debug_commit_dr6(struct cpu *c)
{
	u64 bits = c->pending_dr6 & (0xfull | DR6_BD | DR6_BS | DR6_BT);
	c->dr[6] = (c->dr[6] & ~0xfull) | bits | DR6_FIXED1;
	c->pending_db = 0;
	c->pending_dr6 = 0;
}

/* SDM Vol.3A "Masking Exceptions and Interrupts When Switching Stacks" and
 * Vol.3B "Debug Exception Conditions": a trap-class debug condition held by
 * the MOV SS / POP SS shadow is reported by the next #DB. When the
 * instruction under the shadow itself raises one (ICEBP, or the
 * general-detect fault of a MOV DR with DR7.GD = 1), there is one #DB, not
 * a second one at the handler's first instruction: it reports the held
 * breakpoint matches (B0-B3) with its own, but not a held single step --
 * the single-step condition of the MOV SS is dropped, and DR6.BS stays as
 * it was (what processors do: kvm-unit-tests debug.flat's "Single-Step +
 * ICEBP #DB w/ MOVSS blocking" and "... MOVSS blocking and DR7.GD=1",
 * written against hardware). */
void cpu_debug_merge_pending(struct cpu *c)
{
	if (!c->pending_db || !(c->shadow_insn & SHADOW_MOVSS))
		return;
	c->pending_dr6 &= ~DR6_BS;
	if (c->pending_dr6 & (0xfull | DR6_BD | DR6_BT)) {
		cpu_debug_commit_dr6(c);
	} else {
		c->pending_db = 0;
		c->pending_dr6 = 0;
	}
}

/* SDM "Monitoring Branches, Exceptions, and Interrupts" (and the P6-family
 * LastBranchFromIP/LastBranchToIP, LastExceptionFromIP/LastExceptionToIP
 * MSRs, which AMD's APM keeps as "Control-Transfer Recording"): with
 * IA32_DEBUGCTL.LBR set, a taken branch loads the last-branch record with
 * its source and target. Addresses are RIP values (offsets in CS); outside
 * 64-bit mode they are 32 bits. */
void cpu_lbr_branch(struct cpu *c, u64 from, u64 to)
{
	c->msr.lbr_from = from;
	c->msr.lbr_to = to;
}

/* an interrupt or exception with LBR set: the last-exception record keeps
 * "the last branch that the processor took prior to an exception or
 * interrupt", the last-branch record takes the event (from the instruction
 * it interrupted or that raised it, to its handler). Debug exceptions are
 * not recorded: a #DB "automatically clears the LBR flag before executing
 * the exception handler" and the BTF flag with it ("Single-Stepping on
 * Branches"), leaving the records for the debugger. */
void cpu_lbr_event(struct cpu *c, bool debug_exc, u64 from, u64 to)
{
	if (debug_exc) {
		c->msr.debugctl &= ~(DEBUGCTL_LBR | DEBUGCTL_BTF);
		return;
	}
	if (!(c->msr.debugctl & DEBUGCTL_LBR))
		return;
	c->msr.ler_from = c->msr.lbr_from;
	c->msr.ler_to = c->msr.lbr_to;
	cpu_lbr_branch(c, from, to);
}
