/* vmx/exit_info.h: what a VM exit caused by an instruction reports about
 * it (SDM Vol.3C "Exit Qualification for ..." and "VM-Exit
 * Instruction-Information Field"). Pure functions of the decoded
 * instruction. */
#ifndef NESTBOX_VMX_EXIT_INFO_H
#define NESTBOX_VMX_EXIT_INFO_H

#include "cpu/decode/insn.h"
#include "vmx/vmcs.h"

/* The exit qualification of the VMX instructions, LGDT ... LTR, INVPCID
 * and the other instructions with a memory operand: "the value of the
 * instruction's displacement field, which is sign-extended to 64 bits if
 * necessary ... If the instruction has no displacement (for example, has
 * a register operand), zero is stored" */
u64 vmx_insn_qual(const struct insn *i);

/* The VM-exit instruction-information field for an exit with `reason`
 * caused by instruction i, in the format the SDM's tables give for that
 * reason: the VMX instructions, INVEPT, INVPCID, INVVPID, RDRAND, RDSEED;
 * 0 for a reason without a format (or whose format needs more than the
 * reason: the functions below). XSAVES/XRSTORS and LOADIWKEY have formats
 * too, but nestbox has neither instruction. */
u32 vmx_insn_info(const struct insn *i, enum vmx_exit_reason reason);

/* the instruction identity (bits 29:28) of the descriptor-table formats:
 * SGDT 0, SIDT 1, LGDT 2, LIDT 3 (exit reason 46); SLDT 0, STR 1, LLDT 2,
 * LTR 3 (exit reason 47) */
enum vmx_dtr_insn { VMX_DTR_STORE_GDTR_LDTR, VMX_DTR_STORE_IDTR_TR, VMX_DTR_LOAD_GDTR_LDTR,
		    VMX_DTR_LOAD_IDTR_TR };

/* the formats of INS/OUTS (reason 30, string forms), of LIDT, LGDT, SIDT,
 * SGDT (46) and of LLDT, LTR, SLDT, STR (47) */
u32 vmx_ins_outs_info(const struct insn *i, bool outs);
u32 vmx_gdtr_idtr_info(const struct insn *i, enum vmx_dtr_insn id);
u32 vmx_ldtr_tr_info(const struct insn *i, enum vmx_dtr_insn id);

#endif
