/* cpu/system/exec_seg_sys.c: the fast system-call instructions SYSCALL, SYSRET,
 * SYSENTER, SYSEXIT (SDM Vol.2 pages of the same names; AMD APM Vol.3
 * "SYSCALL"/"SYSRET" for the legacy-mode forms AMD parts allow). They load
 * CS and SS with fixed flat descriptors instead of reading the GDT. */
#include "cpu/fault.h"
#include "cpu/decode/insn.h"
#include "cpu/model.h"
#include "cpu/system/debug.h"
#include "cpu/system/seg.h"

static bool is_amd(const struct cpu *c) { return c->model && c->model->vendor_amd; }

/* "CS.Base <- 0; CS.Limit <- FFFFFH (with 4-KByte granularity); CS.Type
 * <- 11; CS.S <- 1; CS.DPL <- dpl; CS.P <- 1; CS.L/CS.D; CS.G <- 1" and
 * "SS.Type <- 3; SS.B <- 1; SS.G <- 1" */
static void load_flat(struct cpu *c, u16 cs, u16 ss, unsigned dpl, bool l)
{
	c->seg[SEG_SS] = (struct seg_cache){
		.sel = ss, .base = 0, .limit = 0xffffffff,
		.ar = SEG_TYPE_WR | SEG_TYPE_ACCESSED | AR_S | (dpl << 5) | AR_P | AR_DB | AR_G,
	};
	c->seg[SEG_CS] = (struct seg_cache){
		.sel = cs, .base = 0, .limit = 0xffffffff,
		.ar = SEG_TYPE_CODE | SEG_TYPE_WR | SEG_TYPE_ACCESSED | AR_S | (dpl << 5) | AR_P |
		      AR_G | (l ? AR_L : AR_DB),
	};
	cpu_update_mode(c);
}

/* SDM "SYSCALL": "IF (CS.L != 1) or (IA32_EFER.LMA != 1) or (IA32_EFER.SCE
 * != 1) THEN #UD". AMD parts also execute it in legacy and compatibility
 * mode (target from STAR[31:0] / CSTAR). */
void exec_syscall(struct cpu *c, const struct insn *i)
{
	bool long64 = c->mode == MODE_LONG64;
	u16 sel = (u16)(c->msr.star >> 32) & 0xfffc;

	if (!(c->efer & EFER_SCE) || (!long64 && !is_amd(c)) || c->mode == MODE_REAL ||
	    c->mode == MODE_VM86)
		cpu_ud(c);
	u64 fl = cpu_rflags(c);
	if (cpu_lma(c)) {
		c->gpr[RCX] = c->next_rip;
		c->gpr[R11] = fl;
		cpu_set_rflags(c, fl & ~(c->msr.sfmask | RFLAGS_RF));
		load_flat(c, sel, (u16)(sel + 8), 0, true);
		c->next_rip = long64 ? c->msr.lstar : c->msr.cstar;
		/* SDM Vol.3B "Single-Step Exception Condition": the trap is
		 * decided on the TF the instruction leaves; a mask that clears
		 * TF leaves no single-step trap in the kernel (as processors do:
		 * Xen XSA-204) */
		if ((fl & RFLAGS_TF) && !(c->rflags & RFLAGS_TF))
			c->pending_dr6 |= DBG_NO_SINGLE_STEP;
	} else {
		c->gpr[RCX] = (u32)c->next_rip;
		cpu_set_rflags(c, fl & ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF));
		load_flat(c, sel, (u16)(sel + 8), 0, false);
		c->next_rip = (u32)c->msr.star;
	}
}

/* SDM "SYSRET" */
void exec_sysret(struct cpu *c, const struct insn *i)
{
	bool q = i->osize == 8;
	u16 base = (u16)(c->msr.star >> 48);

	if (!(c->efer & EFER_SCE) || (c->mode != MODE_LONG64 && !is_amd(c)) ||
	    c->mode == MODE_REAL || c->mode == MODE_VM86)
		cpu_ud(c);
	if (c->cpl != 0)
		cpu_gp0(c);
	/* "IF (RCX is not canonical) THEN #GP(0)" (before any state changes) */
	if (q && !seg_canonical(c, c->gpr[RCX]))
		cpu_gp0(c);
	u64 ip = q ? c->gpr[RCX] : (u32)c->gpr[RCX];
	if (cpu_lma(c)) {
		/* "RFLAGS <- (R11 & 3C7FD7H) | 2; (* Clear RF, VM, reserved bits *)" */
		cpu_set_rflags(c, (c->gpr[R11] & 0x3c7fd7) | RFLAGS_FIXED);
		load_flat(c, (u16)((q ? base + 16 : base) | 3), (u16)((base + 8) | 3), 3, q);
		/* the single-step trap follows the TF SYSRET loads: with R11.TF
		 * = 1 it is taken at once, at CPL 3 (unlike POPF or IRET, which
		 * trap one instruction later; Linux's entry code relies on it) */
		if (c->rflags & RFLAGS_TF) {
			c->pending_dr6 &= ~DBG_NO_SINGLE_STEP;
			cpu_debug_single_step(c);
		}
	} else {
		/* AMD legacy mode: "RFLAGS.IF <- 1" */
		cpu_set_rflags(c, cpu_rflags(c) | RFLAGS_IF);
		load_flat(c, (u16)(base | 3), (u16)((base + 8) | 3), 3, false);
	}
	c->next_rip = ip;
}

/* SDM "SYSENTER" */
void exec_sysenter(struct cpu *c, const struct insn *i)
{
	u16 sel = (u16)c->msr.sysenter_cs & 0xfffc;
	bool lma = cpu_lma(c);

	if (lma && is_amd(c))
		cpu_ud(c); /* AMD APM "SYSENTER": #UD in long mode */
	if (!(c->cr0 & CR0_PE) || sel == 0)
		cpu_gp0(c);
	cpu_set_rflags(c, cpu_rflags(c) & ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF));
	load_flat(c, sel, (u16)(sel + 8), 0, lma);
	if (lma) {
		c->gpr[RSP] = c->msr.sysenter_esp;
		c->next_rip = c->msr.sysenter_eip;
	} else {
		c->gpr[RSP] = (u32)c->msr.sysenter_esp;
		c->next_rip = (u32)c->msr.sysenter_eip;
	}
}

/* SDM "SYSEXIT": with REX.W returns to 64-bit mode (CS = SYSENTER_CS+32) */
void exec_sysexit(struct cpu *c, const struct insn *i)
{
	bool q = i->osize == 8;
	u16 base = (u16)c->msr.sysenter_cs;

	if (cpu_lma(c) && is_amd(c))
		cpu_ud(c);
	if ((base & 0xfffc) == 0 || !(c->cr0 & CR0_PE) || c->mode == MODE_VM86 || c->cpl != 0)
		cpu_gp0(c);
	if (q && (!seg_canonical(c, c->gpr[RCX]) || !seg_canonical(c, c->gpr[RDX])))
		cpu_gp0(c);
	u16 cs = (u16)((base + (q ? 32 : 16)) | 3);
	u64 sp = q ? c->gpr[RCX] : (u32)c->gpr[RCX];
	u64 ip = q ? c->gpr[RDX] : (u32)c->gpr[RDX];
	load_flat(c, cs, (u16)(cs + 8), 3, q);
	c->gpr[RSP] = sp;
	c->next_rip = ip;
}
