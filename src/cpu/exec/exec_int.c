/* cpu/exec/exec_int.c: INT n, INT3, INTO, INT1 (SDM Vol.2 "INT n/INTO/INT3/INT1
 * —Call to Interrupt Procedure"). Delivery itself is cpu/event.c. */
#include "cpu/system/debug.h"
#include "cpu/event.h"
#include "cpu/fault.h"
#include "cpu/exec/flags.h"
#include "cpu/decode/insn.h"
#include "svm/svm.h"

static void sw_event(struct cpu *c, u8 vec, enum event_type type)
{
	bool tf = (c->rflags & RFLAGS_TF) != 0;

	cpu_deliver(c, vec, type, false, 0);
	/* SDM "Single-Step Exception Condition": these instructions clear TF
	 * on the way to the handler, so no single-step trap follows them */
	if (tf)
		c->pending_dr6 |= DBG_NO_SINGLE_STEP;
}

/* "IF ((PE = 1) and (VM = 1) and (IOPL < 3) and INT n) THEN ... #GP(0)":
 * only INT n is IOPL-sensitive in virtual-8086 mode. */
void exec_int(struct cpu *c, const struct insn *i)
{
	/* APM "Instruction Intercepts": the INTn intercept before the
	 * virtual-8086 #GP; "Decode Assists": EXITINFO1 = the vector */
	SVM_EXIT_IF(c, i, INTN, SWINT, svm_decode_assists(c) ? (u8)i->imm : 0);
	if (c->mode == MODE_VM86 && ((c->rflags & RFLAGS_IOPL) >> 12) < 3) {
		/* XXX(sdm): "Software Interrupt Handling in Virtual-8086 Mode"
		 * with CR4.VME = 1 (the TSS redirection bitmap) is not
		 * implemented; INT n behaves as with VME = 0. */
		cpu_gp0(c);
	}
	sw_event(c, (u8)i->imm, EV_SW_INT);
}

void exec_int3(struct cpu *c, const struct insn *i)
{
	sw_event(c, VEC_BP, EV_SW_EXC);
}

/* INTO: #UD in 64-bit mode (the decoder rejects it there too) */
void exec_into(struct cpu *c, const struct insn *i)
{
	if (c->mode == MODE_LONG64)
		cpu_ud(c);
	if (flags_cond(c, 0 /* O */))
		sw_event(c, VEC_OF, EV_SW_EXC);
}

/* INT1 (ICEBP, F1): a privileged software exception: EXT = 1 in error
 * codes, no gate DPL check */
void exec_int1(struct cpu *c, const struct insn *i)
{
	SVM_EXIT_IF(c, i, ICEBP, ICEBP, 0);
	cpu_debug_merge_pending(c);
	sw_event(c, VEC_DB, EV_PRIV_SW_EXC);
}
