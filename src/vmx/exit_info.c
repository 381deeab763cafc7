/* vmx/exit_info.c: the exit qualification and VM-exit instruction-
 * information field of instruction-caused VM exits (SDM Vol.3C "Exit
 * Qualification for VMX Instructions" / "... for Other Instructions" and
 * "VM-Exit Instruction-Information Field"), from the decoded instruction.
 *
 * Bit layout shared by the SDM's tables, as far as each uses it:
 *   1:0   scaling (0: none, 1: 2, 2: 4, 3: 8)      memory operand
 *   6:3   Reg1 (VMREAD destination / VMWRITE source register)
 *   9:7   address size (0: 16-bit, 1: 32-bit, 2: 64-bit)
 *   10    0: memory operand, 1: register operand (VMREAD/VMWRITE)
 *   17:15 segment register (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS)
 *   21:18 index register, 22 index register invalid
 *   26:23 base register, 27 base register invalid
 *   31:28 Reg2 (VMREAD source / VMWRITE destination register, the
 *         register operand of INVEPT, INVPCID, INVVPID)
 * The descriptor-table formats put the instruction identity in 29:28
 * instead, and LIDT ... SGDT the operand size in bit 11; RDRAND/RDSEED
 * have the destination in 6:3 and the operand size in 12:11.
 * Fields a table calls undefined are 0 here. */
#include "vmx/exit_info.h"

u64 vmx_insn_qual(const struct insn *i)
{
	return (i->flags & INSN_F_HAS_MEM) ? (u64)i->disp : 0;
}

/* "Address size: 0: 16-bit, 1: 32-bit, 2: 64-bit" (bits 9:7) */
static u32 asize_info(unsigned asize)
{
	return (u32)(asize == 8 ? 2 : asize == 4 ? 1 : 0) << 7;
}

/* "Operand size: 0: 16-bit, 1: 32-bit, 2: 64-bit" (RDRAND/RDSEED, bits
 * 12:11) */
static u32 osize_info(unsigned osize)
{
	return (u32)(osize == 8 ? 2 : osize == 4 ? 1 : 0) << 11;
}

/* the memory-operand fields: scaling, address size, segment, index, base */
static u32 mem_info(const struct insn *i)
{
	u32 v = 0;

	v |= i->index != REG_NONE ? (u32)i->scale : 0;
	v |= asize_info(i->asize);
	v |= (u32)(i->seg & 7) << 15;
	if (i->index == REG_NONE)
		v |= BIT(22);
	else
		v |= (u32)(i->index & 15) << 18;
	/* XXX(sdm): a RIP-relative operand is reported with its base invalid
	 * and the displacement in the exit qualification; the SDM does not
	 * say how a VMM gets RIP in, and neither does KVM */
	if (i->base == REG_NONE || i->base == REG_RIP)
		v |= BIT(27);
	else
		v |= (u32)(i->base & 15) << 23;
	return v;
}

u32 vmx_insn_info(const struct insn *i, enum vmx_exit_reason reason)
{
	switch (reason) {
	/* "Format of the VM-Exit Instruction-Information Field as Used for
	 * VMCLEAR, VMPTRLD, VMPTRST, VMXON, XRSTORS, and XSAVES": the memory
	 * operand (bit 10 "cleared to 0") */
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMXON:
		return mem_info(i);
	/* "... as Used for INVEPT, INVPCID, and INVVPID": the memory operand
	 * and Reg2, the register operand */
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVPCID:
	case EXIT_REASON_INVVPID:
		return mem_info(i) | (u32)(i->op[0].reg & 15) << 28;
	/* "... as Used for VMREAD and VMWRITE": the r/m operand is memory
	 * (bit 10 = 0, the memory fields) or Reg1 (bit 10 = 1); Reg2 is the
	 * other operand. VMREAD r/m, r: r/m is op[0]; VMWRITE r, r/m: op[1]. */
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMWRITE: {
		bool rd = reason == EXIT_REASON_VMREAD;
		const struct opnd *rm = &i->op[rd ? 0 : 1], *r = &i->op[rd ? 1 : 0];
		u32 v = (u32)(r->reg & 15) << 28;
		if (rm->kind == OPK_MEM)
			return v | mem_info(i);
		return v | BIT(10) | (u32)(rm->reg & 15) << 3;
	}
	/* "... as Used for RDRAND, RDSEED, TPAUSE, and UMWAIT": "Operand
	 * register (destination for RDRAND and RDSEED)" in 6:3, "Operand size"
	 * in 12:11 */
	case EXIT_REASON_RDRAND:
	case EXIT_REASON_RDSEED:
		return (u32)(i->op[0].reg & 15) << 3 | osize_info(i->op[0].size);
	default:
		return 0;
	}
}

/* "Format of the VM-Exit Instruction-Information Field as Used for INS and
 * OUTS": address size (9:7); segment register (17:15), "undefined for VM
 * exits due to execution of INS" (0 here); the rest undefined. */
u32 vmx_ins_outs_info(const struct insn *i, bool outs)
{
	return asize_info(i->asize) | (outs ? (u32)(i->seg & 7) << 15 : 0);
}

/* "Format of the VM-Exit Instruction-Information Field as Used for LIDT,
 * LGDT, SIDT, or SGDT": the memory operand's fields; bit 10 "Cleared to
 * 0"; bit 11 "Operand size: 0: 16-bit, 1: 32-bit (undefined for VM exits
 * from 64-bit mode)"; 29:28 the instruction identity. */
u32 vmx_gdtr_idtr_info(const struct insn *i, enum vmx_dtr_insn id)
{
	return mem_info(i) | (i->osize == 2 ? 0 : BIT(11)) | (u32)(id & 3) << 28;
}

/* "Format of the VM-Exit Instruction-Information Field as Used for LLDT,
 * LTR, SLDT, and STR": bit 10 "Mem/Reg (0 = memory; 1 = register)"; a
 * register operand is Reg1 (6:3) and the memory fields are undefined (0);
 * 29:28 the instruction identity. */
u32 vmx_ldtr_tr_info(const struct insn *i, enum vmx_dtr_insn id)
{
	u32 v = (u32)(id & 3) << 28;

	if (i->op[0].kind == OPK_MEM)
		return v | mem_info(i);
	return v | BIT(10) | (u32)(i->op[0].reg & 15) << 3;
}
