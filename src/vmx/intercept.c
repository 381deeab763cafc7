/* vmx/intercept.c: what VMX non-root operation does differently (SDM
 * Vol.3C "VMX Non-Root Operation"): the instructions and events that cause
 * VM exits under the current VMCS's controls, with the exit qualification
 * the SDM's tables give, and the instructions that behave differently
 * without exiting (CR0/CR4 reads through the read shadows, RDTSC with the
 * TSC offset). Each hook is called by the executor after the checks that
 * take priority over a VM exit ("Relative Priority of Faults and VM
 * Exits": #UD, privilege-level faults, the TSS I/O permission bitmap). */
#include "cpu/arch.h"
#include "cpu/event.h"
#include "cpu/fault.h"
#include "machine/machine.h"
#include "mem/physmem.h"
#include "vmx/exit_info.h"
#include "vmx/vmx_internal.h"

static u8 phys_byte(struct cpu *c, u64 gpa)
{
	return (u8)phys_read(&c->machine->mem, gpa, 1);
}

/* --- I/O: SDM "I/O Instructions" (exit reason 30); qualification
 * "Exit Qualification for I/O Instructions": size - 1 (2:0), direction
 * (3, 1 = IN), string (4), REP (5), operand encoding (6, 1 = immediate),
 * port (31:16) --- */
void vmx_icpt_io(struct cpu *c, const struct insn *i, u16 port, unsigned size, bool in, bool string,
		 bool rep, bool imm)
{
	u32 proc = vmx_proc(c);
	bool exits;

	if (proc & PROC_USE_IO_BITMAPS) {
		/* "the I/O bitmaps": A covers 0000H-7FFFH, B 8000H-FFFFH; an
		 * access exits if a bit for any port it touches is 1, or if it
		 * wraps past FFFFH */
		exits = (u32)port + size > 0x10000;
		for (unsigned k = 0; k < size && !exits; k++) {
			u16 p = (u16)(port + k);
			u64 base = vmcs_get(c, p < 0x8000 ? VMCS_IO_BITMAP_A : VMCS_IO_BITMAP_B);
			exits = (phys_byte(c, base + ((p & 0x7fff) >> 3)) >> (p & 7)) & 1;
		}
	} else {
		exits = (proc & PROC_UNCOND_IO_EXITING) != 0;
	}
	if (!exits)
		return;
	struct vmx_exit_info info = {
		.qual = (u64)(size - 1) | (in ? BIT(3) : 0) | (string ? BIT(4) : 0) |
			(rep ? BIT(5) : 0) | (imm ? BIT(6) : 0) | ((u64)port << 16),
		.insn_len = i->len,
	};
	/* INS/OUTS: the instruction information "as Used for INS and OUTS"
	 * (IA32_VMX_BASIC[54] says it is reported) and, in the guest-linear
	 * address field, "the linear address of the memory operand" (ES:rDI
	 * for INS, the source segment's rSI for OUTS) */
	if (string) {
		unsigned seg = in ? SEG_ES : i->seg;
		u64 off = c->gpr[in ? RDI : RSI] & size_mask(i->asize);
		info.insn_info = vmx_ins_outs_info(i, !in);
		if (c->mode == MODE_LONG64)
			info.guest_linear = (seg >= SEG_FS ? c->seg[seg].base : 0) + off;
		else
			info.guest_linear = (c->seg[seg].base + off) & 0xffffffffull;
	}
	vmx_exit(c, EXIT_REASON_IO_INSTRUCTION, &info);
}

/* --- descriptor tables: SDM "Descriptor-table exiting" in "Instructions
 * That Cause VM Exits Conditionally": "The LGDT, LIDT, LLDT, LTR, SGDT,
 * SIDT, SLDT, and STR instructions cause VM exits if the
 * "descriptor-table exiting" VM-execution control is 1"; reason 46 "Access
 * to GDTR or IDTR", 47 "Access to LDTR or TR". The exit qualification is
 * the displacement ("Exit Qualification for VM Exits Due to ... LIDT, LGDT,
 * SIDT, SGDT, LLDT, LTR, SLDT, STR"), the instruction information the
 * tables' formats with the identity (enum vmx_dtr_insn). --- */
static void desc_table_exit(struct cpu *c, const struct insn *i, bool gdtr_idtr, unsigned id)
{
	if (!(vmx_proc2(c) & PROC2_DESC_TABLE_EXITING))
		return;
	struct vmx_exit_info info = {
		.qual = vmx_insn_qual(i),
		.insn_len = i->len,
		.insn_info = gdtr_idtr ? vmx_gdtr_idtr_info(i, (enum vmx_dtr_insn)id)
				       : vmx_ldtr_tr_info(i, (enum vmx_dtr_insn)id),
	};
	vmx_exit(c, gdtr_idtr ? EXIT_REASON_GDTR_IDTR_ACCESS : EXIT_REASON_LDTR_TR_ACCESS, &info);
}

void vmx_icpt_gdtr_idtr(struct cpu *c, const struct insn *i, unsigned id)
{
	desc_table_exit(c, i, true, id);
}

void vmx_icpt_ldtr_tr(struct cpu *c, const struct insn *i, unsigned id)
{
	desc_table_exit(c, i, false, id);
}

/* --- task switches: SDM "Task Switches" in "Instructions That Cause VM
 * Exits Unconditionally" and "Treatment of Task Switches" (reason 9);
 * "Exit Qualification for Task Switches": the TSS selector (15:0) and
 * the source (31:30: 0 CALL, 1 IRET, 2 JMP, 3 task gate in IDT). An IDT
 * task gate reports its event in the IDT-vectoring information (and a
 * software interrupt's length: vmx/exit.c). --- */
void vmx_icpt_task_switch(struct cpu *c, unsigned source, u16 sel, unsigned insn_len)
{
	struct vmx_exit_info info = {
		.qual = sel | (u64)(source & 3) << 30,
		.insn_len = insn_len,
	};
	vmx_exit(c, EXIT_REASON_TASK_SWITCH, &info);
}

/* --- RDMSR/WRMSR: SDM "RDMSR", "WRMSR" in "Instructions That Cause VM
 * Exits Conditionally" and "MSR-Bitmap Address": without MSR bitmaps every
 * access exits; with them, the read bitmap for low MSRs (00000000H-
 * 00001FFFH) at offset 0, for high MSRs (C0000000H-C0001FFFH) at 1024, the
 * write bitmaps at 2048 and 3072; any other MSR exits --- */
void vmx_icpt_msr(struct cpu *c, const struct insn *i, u32 idx, bool write)
{
	bool exits = true;

	if (vmx_proc(c) & PROC_USE_MSR_BITMAPS) {
		u64 base = vmcs_get(c, VMCS_MSR_BITMAP) + (write ? 2048 : 0);
		if (idx <= 0x1fff)
			exits = (phys_byte(c, base + idx / 8) >> (idx % 8)) & 1;
		else if (idx >= 0xc0000000u && idx <= 0xc0001fffu)
			exits = (phys_byte(c, base + 1024 + (idx - 0xc0000000u) / 8) >> (idx % 8)) & 1;
	}
	if (exits)
		vmx_exit_insn(c, i, write ? EXIT_REASON_WRMSR : EXIT_REASON_RDMSR, 0);
}

/* --- control registers: SDM "Exit Qualification for Control-Register
 * Accesses": CR number (3:0), access type (5:4: 0 MOV to CR, 1 MOV from
 * CR, 2 CLTS, 3 LMSW), LMSW operand type (6), register (11:8), LMSW source
 * data (31:16) --- */
#define CRQ(cr, type, reg) ((u64)(cr) | ((u64)(type) << 4) | ((u64)(reg) << 8))

static void cr_exit(struct cpu *c, const struct insn *i, u64 qual)
{
	vmx_exit_insn(c, i, EXIT_REASON_CR_ACCESS, qual);
}

/* "MOV to CR0/CR4" exits when a bit set in the guest/host mask would take
 * a value other than the read shadow's; "MOV to CR3" with CR3-load
 * exiting unless the value is one of the first CR3-target-count targets;
 * "MOV to CR8" with CR8-load exiting */
void vmx_icpt_cr_write(struct cpu *c, const struct insn *i, unsigned cr, u64 val, unsigned gpr)
{
	switch (cr) {
	case 0:
	case 4: {
		u64 mask = vmcs_get(c, cr ? VMCS_CR4_GUEST_HOST_MASK : VMCS_CR0_GUEST_HOST_MASK);
		u64 shadow = vmcs_get(c, cr ? VMCS_CR4_READ_SHADOW : VMCS_CR0_READ_SHADOW);
		if ((val ^ shadow) & mask)
			cr_exit(c, i, CRQ(cr, 0, gpr));
		break;
	}
	case 3:
		if (vmx_proc(c) & PROC_CR3_LOAD_EXITING) {
			u64 n = vmcs_get(c, VMCS_CR3_TARGET_COUNT);
			static const enum vmcs_field target[4] = {
				VMCS_CR3_TARGET_VALUE0, VMCS_CR3_TARGET_VALUE1,
				VMCS_CR3_TARGET_VALUE2, VMCS_CR3_TARGET_VALUE3,
			};
			for (u64 k = 0; k < n && k < 4; k++)
				if (vmcs_get(c, target[k]) == val)
					return;
			cr_exit(c, i, CRQ(3, 0, gpr));
		}
		break;
	case 8:
		if (vmx_proc(c) & PROC_CR8_LOAD_EXITING)
			cr_exit(c, i, CRQ(8, 0, gpr));
		break;
	default:
		break;
	}
}

/* "MOV from CR3" with CR3-store exiting, "MOV from CR8" with CR8-store
 * exiting; CR0/CR4 reads never exit (they see the shadows) */
void vmx_icpt_cr_read(struct cpu *c, const struct insn *i, unsigned cr, unsigned gpr)
{
	if ((cr == 3 && (vmx_proc(c) & PROC_CR3_STORE_EXITING)) ||
	    (cr == 8 && (vmx_proc(c) & PROC_CR8_STORE_EXITING)))
		cr_exit(c, i, CRQ(cr, 1, gpr));
}

/* SDM "MOV from CR0/CR4" in "Changes to Instruction Behavior in VMX
 * Non-Root Operation": bits set in the mask read from the shadow */
u64 vmx_cr_shadowed(const struct cpu *c, unsigned cr, u64 val)
{
	if (!c->vmx.nonroot || (cr != 0 && cr != 4))
		return val;
	u64 mask = vmcs_get(c, cr ? VMCS_CR4_GUEST_HOST_MASK : VMCS_CR0_GUEST_HOST_MASK);
	u64 shadow = vmcs_get(c, cr ? VMCS_CR4_READ_SHADOW : VMCS_CR0_READ_SHADOW);
	return (val & ~mask) | (shadow & mask);
}

u64 vmx_cr_keep_owned(const struct cpu *c, unsigned cr, u64 val)
{
	u64 mask = vmcs_get(c, cr ? VMCS_CR4_GUEST_HOST_MASK : VMCS_CR0_GUEST_HOST_MASK);
	u64 cur = cr ? c->cr4 : c->cr0;
	return (val & ~mask) | (cur & mask);
}

/* "CLTS: ... causes a VM exit if bit 3 (TS) is set in both the CR0
 * guest/host mask and the CR0 read shadow" */
void vmx_icpt_clts(struct cpu *c, const struct insn *i)
{
	if ((vmcs_get(c, VMCS_CR0_GUEST_HOST_MASK) & CR0_TS) && (vmcs_get(c, VMCS_CR0_READ_SHADOW) & CR0_TS))
		cr_exit(c, i, CRQ(0, 2, 0));
}

/* "LMSW: ... causes a VM exit if either of the following is true: the
 * bits in position 0 (PE) and position 0-3 of the mask ... any bit set in
 * the mask among 3:0 differs between the source and the shadow, or PE is
 * set in the mask, clear in the shadow and set in the source" */
void vmx_icpt_lmsw(struct cpu *c, const struct insn *i, u16 src)
{
	u64 mask = vmcs_get(c, VMCS_CR0_GUEST_HOST_MASK) & 0xf;
	u64 shadow = vmcs_get(c, VMCS_CR0_READ_SHADOW);
	if (((src ^ shadow) & mask & 0xe) || ((mask & 1) && !(shadow & 1) && (src & 1)))
		cr_exit(c, i, CRQ(0, 3, 0) | ((u64)src << 16));
}

/* --- exceptions: SDM "Exceptions" in "Other Causes of VM Exits": an
 * exception whose bit is set in the exception bitmap exits (reason 0);
 * for #PF, only when (error code AND mask) = match is the same as bit 14
 * of the bitmap being set. INT n (type 4) never consults the bitmap. --- */
void vmx_icpt_exception(struct cpu *c, u8 vec, unsigned type, bool has_err, u32 err)
{
	/* the event VM entry injects (vmx/entry.c) does not exit */
	if (c->vmx.injecting) {
		c->vmx.injecting = 0;
		return;
	}
	if (type != EV_HW_EXC && type != EV_SW_EXC && type != EV_PRIV_SW_EXC)
		return;
	u32 bitmap = (u32)vmcs_get(c, VMCS_EXCEPTION_BITMAP);
	bool exits = (bitmap >> (vec & 31)) & 1;
	if (vec == VEC_PF) {
		u32 mask = (u32)vmcs_get(c, VMCS_PF_ERROR_CODE_MASK);
		u32 match = (u32)vmcs_get(c, VMCS_PF_ERROR_CODE_MATCH);
		exits = ((err & mask) == match) == exits;
	}
	if (!exits)
		return;
	struct vmx_exit_info info = {
		.intr_info = vec | (type << 8) | (has_err ? INTR_INFO_HAS_ERROR : 0) | INTR_INFO_VALID,
		.intr_error = has_err ? err : 0,
	};
	/* "Exit Qualification for ... #PF: the linear address that caused
	 * the page fault" (CR2 is not loaded); #DB: the DR6 bits */
	if (vec == VEC_PF)
		info.qual = c->cr2;
	if (vec == VEC_DB)
		info.qual = c->pending_dr6;
	if (type != EV_HW_EXC)
		info.insn_len = (u32)(c->next_rip - c->rip);
	vmx_exit(c, EXIT_REASON_EXCEPTION_NMI, &info);
}

/* #DB, called where a debug exception is raised and before DR6 (or DR7.GD)
 * would be written: SDM "Architectural State Before a VM Exit": a debug
 * exception that causes a VM exit does not update DR6 or DR7; "Exit
 * Qualification for Debug Exceptions": B0-B3 (bits 3:0), BD (13), BS (14),
 * the rest 0. `trap`: the #DB delivers the pending debug exceptions, which
 * the exit consumes (none is left for the pending-debug-exceptions field). */
void vmx_icpt_db(struct cpu *c, u64 dr6_bits, bool trap)
{
	if (!(((u32)vmcs_get(c, VMCS_EXCEPTION_BITMAP) >> VEC_DB) & 1))
		return;
	struct vmx_exit_info info = {
		.intr_info = VEC_DB | (EV_HW_EXC << 8) | INTR_INFO_VALID,
		.qual = dr6_bits & (0xfull | DR6_BD | DR6_BS),
	};
	if (trap) {
		c->pending_db = 0;
		c->pending_dr6 = 0;
	}
	vmx_exit(c, EXIT_REASON_EXCEPTION_NMI, &info);
}

/* --- external interrupts: SDM "External Interrupts" in "Other Causes of
 * VM Exits": with external-interrupt exiting an interrupt the APIC has
 * for the guest exits (reason 1), whatever RFLAGS.IF; with "acknowledge
 * interrupt on exit" the vector is acknowledged and reported in the exit
 * interruption information --- */
bool vmx_icpt_intr(struct cpu *c)
{
	if (!(vmx_pin(c) & PIN_EXT_INTR_EXITING))
		return false;
	struct vmx_exit_info info = { 0 };
	if ((vmx_exit_ctls(c) & EXIT_ACK_INTR_ON_EXIT) && c->apic_ops && c->apic_ops->irq_ack) {
		int v = c->apic_ops->irq_ack(c);
		/* "Posted-Interrupt Processing" (vmx/apicv.c) */
		if (v >= 0 && vmx_posted_intr_notification(c, (u8)v))
			return true;
		if (v >= 0)
			info.intr_info = (u32)v | (EV_EXT_INTR << 8) | INTR_INFO_VALID;
	}
	vmx_exit(c, EXIT_REASON_EXTERNAL_INTERRUPT, &info);
}

/* SDM "Triple Fault" in "Other Causes of VM Exits" (reason 2) */
void vmx_icpt_triple_fault(struct cpu *c)
{
	c->activity = ACT_ACTIVE;
	vmx_exit(c, EXIT_REASON_TRIPLE_FAULT, NULL);
}

/* SDM "RDTSC" in "Changes to Instruction Behavior in VMX Non-Root
 * Operation": with "use TSC offsetting", the TSC plus the TSC offset */
u64 vmx_guest_tsc(struct cpu *c, u64 tsc)
{
	/* SDM "Changes to Instruction Behavior in VMX Non-Root Operation"
	 * (RDTSC, RDTSCP, RDMSR of IA32_TIME_STAMP_COUNTER): with "use TSC
	 * offsetting", the value is "the value of the IA32_TIME_STAMP_COUNTER
	 * MSR multiplied by the TSC multiplier, shifted right 48 bits" when
	 * "use TSC scaling" is 1, "plus the value of the TSC offset" */
	if (c->vmx.nonroot && (vmx_proc(c) & PROC_USE_TSC_OFFSETTING)) {
		if (vmx_proc2(c) & PROC2_USE_TSC_SCALING)
			tsc = (u64)(((unsigned __int128)tsc * vmcs_get(c, VMCS_TSC_MULTIPLIER)) >> 48);
		tsc += vmcs_get(c, VMCS_TSC_OFFSET);
	}
	return tsc;
}

/* SDM "PAUSE-Loop Exiting" (secondary control 10) for PAUSE at CPL 0: a
 * PAUSE more than PLE_Gap TSC ticks after the previous one (or the first
 * since VM entry) starts a loop; one more than PLE_Window ticks after the
 * start of its loop exits (reason 40, as PAUSE exiting does). The times
 * are TSC ticks, not offset nor scaled. */
void vmx_icpt_pause_loop(struct cpu *c, const struct insn *i)
{
	if (!(vmx_proc2(c) & PROC2_PAUSE_LOOP_EXITING) || c->cpl != 0)
		return;
	u64 now = cpu_tsc(c);
	struct vmx_state *v = &c->vmx;
	if (!v->ple_seen || now - v->ple_last > vmcs_get(c, VMCS_PLE_GAP))
		v->ple_start = now;
	v->ple_seen = 1;
	v->ple_last = now;
	if (now - v->ple_start > vmcs_get(c, VMCS_PLE_WINDOW))
		vmx_exit_insn(c, i, EXIT_REASON_PAUSE, 0);
}
