/* cpu/system/exec_sys_flags.c: PUSHF, POPF, CLI, STI with the IOPL, virtual-8086
 * and virtual-interrupt (CR4.VME / CR4.PVI) rules of SDM Vol.2
 * "PUSHF/PUSHFD/PUSHFQ", "POPF/POPFD/POPFQ", "CLI", "STI" and Vol.3B
 * "Virtual-8086 Mode Extensions", "Protected-Mode Virtual Interrupts". */
#include "cpu/system/exec_sys.h"

#include "cpu/memory/mem.h"
#include "svm/svm.h"

/* flags POPF may ever change: "all non-reserved flags except RF, VIP, VIF
 * and VM" */
#define POPF_MODIFIABLE (RFLAGS_ARITH | RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | \
			 RFLAGS_NT | RFLAGS_AC | RFLAGS_ID)

static inline unsigned iopl(u64 f) { return (unsigned)(f >> 12) & 3; }

void exec_pushf(struct cpu *c, const struct insn *i)
{
	u64 f = cpu_rflags(c);
	unsigned size = i->osize;

	/* the PUSHF and POPF intercepts come before the instructions' own
	 * checks (virtual-8086 mode's #GP): APM "Instruction Intercepts" */
	SVM_EXIT_IF(c, i, PUSHF, PUSHF, 0);
	if (c->mode == MODE_VM86 && iopl(f) < 3) {
		/* "IF (CR4.VME = 1) and (OperandSize = 16): TempFlags.IF :=
		 * TempFlags.VIF; TempFlags.IOPL := 3" else #GP(0) */
		if (!(c->cr4 & CR4_VME) || size != 2)
			cpu_gp0(c);
		f = (f & ~RFLAGS_IF) | ((f & RFLAGS_VIF) ? RFLAGS_IF : 0) | RFLAGS_IOPL;
	} else {
		/* "EFLAGS AND 00FCFFFFH": VM and RF read as 0 in the image */
		f &= ~(RFLAGS_VM | RFLAGS_RF);
	}
	cpu_push(c, size, f & size_mask(size));
}

void exec_popf(struct cpu *c, const struct insn *i)
{
	u64 cur = cpu_rflags(c);
	unsigned size = i->osize;
	SVM_EXIT_IF(c, i, POPF, POPF, 0);
	u64 v = cpu_peek(c, size, 0);
	u64 mask;
	bool vme16 = false;

	if (c->mode != MODE_VM86) {
		if (c->cpl == 0) /* includes real-address mode */
			mask = POPF_MODIFIABLE;
		else if (c->cpl > iopl(cur)) /* IF and IOPL unaffected */
			mask = POPF_MODIFIABLE & ~(RFLAGS_IF | RFLAGS_IOPL);
		else /* IOPL unaffected */
			mask = POPF_MODIFIABLE & ~RFLAGS_IOPL;
	} else if (iopl(cur) == 3) {
		mask = POPF_MODIFIABLE & ~RFLAGS_IOPL;
	} else {
		/* virtual-8086 mode, IOPL < 3: "IF (Operandsize = 32) OR
		 * (CR4.VME = 0) THEN #GP(0)"; with VME a 16-bit POPF sets VIF
		 * from the popped IF, but "#GP(0) if VIP = 1 and the popped IF
		 * = 1, or the popped TF = 1" */
		if (size != 2 || !(c->cr4 & CR4_VME))
			cpu_gp0(c);
		if (((cur & RFLAGS_VIP) && (v & RFLAGS_IF)) || (v & RFLAGS_TF))
			cpu_gp0(c);
		mask = POPF_MODIFIABLE & ~(RFLAGS_IOPL | RFLAGS_IF);
		vme16 = true;
	}
	if (size == 2)
		mask &= 0xffff;
	u64 f = (cur & ~mask) | (v & mask);
	if (size != 2)
		f &= ~RFLAGS_RF; /* "RF is cleared" */
	if (vme16)
		f = (f & ~RFLAGS_VIF) | ((v & RFLAGS_IF) ? RFLAGS_VIF : 0);

	cpu_pop(c, size);
	cpu_set_rflags(c, f);
}

void exec_cli(struct cpu *c, const struct insn *i)
{
	u64 f = cpu_rflags(c);

	if (c->mode == MODE_REAL) {
		f &= ~RFLAGS_IF;
	} else if (c->mode != MODE_VM86) {
		if (c->cpl <= iopl(f))
			f &= ~RFLAGS_IF;
		else if (c->cpl == 3 && (c->cr4 & CR4_PVI))
			f &= ~RFLAGS_VIF;
		else
			cpu_gp0(c);
	} else {
		if (iopl(f) == 3)
			f &= ~RFLAGS_IF;
		else if (c->cr4 & CR4_VME)
			f &= ~RFLAGS_VIF;
		else
			cpu_gp0(c);
	}
	cpu_set_rflags(c, f);
}

void exec_sti(struct cpu *c, const struct insn *i)
{
	u64 f = cpu_rflags(c);
	u64 set;

	if (c->mode == MODE_REAL) {
		set = RFLAGS_IF;
	} else if (c->mode != MODE_VM86) {
		if (c->cpl <= iopl(f))
			set = RFLAGS_IF;
		else if (c->cpl == 3 && (c->cr4 & CR4_PVI) && !(f & RFLAGS_VIP))
			set = RFLAGS_VIF;
		else
			cpu_gp0(c);
	} else {
		if (iopl(f) == 3)
			set = RFLAGS_IF;
		else if ((c->cr4 & CR4_VME) && !(f & RFLAGS_VIP))
			set = RFLAGS_VIF;
		else
			cpu_gp0(c);
	}
	/* "If IF = 0, maskable hardware interrupts remain inhibited on the
	 * instruction boundary following an execution of STI" */
	if (set == RFLAGS_IF && !(f & RFLAGS_IF))
		c->shadow |= SHADOW_STI;
	cpu_set_rflags(c, f | set);
}
