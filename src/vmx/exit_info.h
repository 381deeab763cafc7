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
 * reason. Done so far: the VMX instructions, INVEPT, INVPCID, INVVPID;
 * every other reason gets 0 (XXX: LGDT..LTR, RDRAND/RDSEED, INS/OUTS,
 * XSAVES/XRSTORS, LOADIWKEY have formats of their own). */
u32 vmx_insn_info(const struct insn *i, enum vmx_exit_reason reason);

#endif
