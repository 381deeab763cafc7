/* cpu/system/exec_sys_cr.c: MOV to/from control and debug registers, CLTS, LMSW,
 * SMSW (SDM Vol.2 "MOV—Move to/from Control Registers", "MOV—Move to/from
 * Debug Registers", "CLTS", "LMSW", "SMSW"; Vol.3A "Control Registers",
 * "Enabling and Changing Paging Modes", "Initializing IA-32e Mode"). */
#include "cpu/system/exec_sys.h"
#include "svm/svm.h"
#include "vmx/vmx.h"

#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "cpu/step.h"
#include "cpu/system/debug.h"
#include "cpu/system/msr.h"
#include "machine/machine.h"

u64 sys_phys_reserved(const struct cpu *c)
{
	return GENMASK(63, cpu_maxphyaddr(c));
}

u64 sys_cr4_valid(const struct cpu *c)
{
	return c->model ? cpu_model_cr4_bits(c->model) : CR4_PCE;
}

/* SDM "PDPTE Registers": with PAE paging, MOV to CR0/CR3/CR4 loads the four
 * PDPTE registers from CR3[31:5]; a present PDPTE with a reserved bit (2:1,
 * 8:5, 63:MAXPHYADDR) makes the MOV raise #GP(0), before anything changes
 * (cpu_pdptes_load loads nothing then, and the MOVs call this after their
 * other checks: nothing after it faults). CR3 holds a guest-physical
 * address: under EPT the table is read through it (SDM "EPT Violations":
 * such an access has no guest-linear address). */
static void pdptes_load(struct cpu *c, u64 cr3)
{
	if (!cpu_pdptes_load(c, cr3))
		cpu_gp0(c);
}

/* PAE paging in use with these values (not IA-32e paging) */
static bool pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME);
}

void sys_write_cr0(struct cpu *c, u64 val)
{
	u64 old = c->cr0;

	/* "#GP(0) If an attempt is made to write a 1 to any reserved bit in
	 * CR0[63:32]" */
	if (val >> 32)
		cpu_gp0(c);
	val = (val & CR0_DEFINED) | CR0_ET; /* ET is hardwired to 1 */
	/* "invalid bit combinations in CR0 (such as setting the PG flag to 1
	 * when the PE flag is set to 0, or setting the CD flag to 0 when the
	 * NW flag is set to 1)" */
	if ((val & CR0_PG) && !(val & CR0_PE))
		cpu_gp0(c);
	if ((val & CR0_NW) && !(val & CR0_CD))
		cpu_gp0(c);
	/* SDM "Restrictions on VMX Operation": the VMX-fixed bits of CR0 */
	if (unlikely(c->vmx.on) && !vmx_cr_allowed(c, 0, val))
		cpu_gp0(c);
	bool pg_on = !(old & CR0_PG) && (val & CR0_PG);
	bool pg_off = (old & CR0_PG) && !(val & CR0_PG);
	/* SDM "Enabling and Changing Paging Modes": "Paging cannot be enabled
	 * (by setting CR0.PG to 1) while CR4.PAE = 0 and IA32_EFER.LME = 1" */
	if (pg_on && (c->efer & EFER_LME) && !(c->cr4 & CR4_PAE))
		cpu_gp0(c);
	if (pg_off) {
		/* 64-bit mode: "Attempting to clear CR0.PG" -> #GP(0) */
		if (c->mode == MODE_LONG64)
			cpu_gp0(c);
		/* "If an attempt is made to clear CR0.PG[bit 31] while
		 * CR4.PCIDE = 1" */
		if (c->cr4 & CR4_PCIDE)
			cpu_gp0(c);
	}
	/* "If PAE paging would be in use following an execution of MOV to
	 * CR0 or MOV to CR4 and the instruction is modifying any of CR0.CD,
	 * CR0.NW, CR0.PG, CR4.PAE, CR4.PGE, CR4.PSE, or CR4.SMEP; then the
	 * PDPTEs are loaded from the address in CR3" */
	if (pae_paging(val, c->cr4, c->efer) && ((old ^ val) & (CR0_PG | CR0_CD | CR0_NW)))
		pdptes_load(c, c->cr3);

	/* commit */
	c->cr0 = val;
	/* SDM "Initializing IA-32e Mode": setting PG with LME = 1 activates
	 * IA-32e mode (LMA = 1); clearing PG deactivates it */
	if (pg_on && (c->efer & EFER_LME))
		c->efer |= EFER_LMA;
	if (pg_off)
		c->efer &= ~EFER_LMA;
	if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
		tlb_flush_all(c);
	cpu_update_mode(c);
}

void sys_write_cr4(struct cpu *c, u64 val)
{
	u64 old = c->cr4;
	bool lma = (c->efer & EFER_LMA) != 0;

	/* "If an attempt is made to write a 1 to any reserved bit in CR4"
	 * (bits 63:32 and features the model lacks) */
	if (val & ~sys_cr4_valid(c))
		cpu_gp0(c);
	/* SDM "Restrictions on VMX Operation": the VMX-fixed bits of CR4
	 * (CR4.VMXE cannot be cleared in VMX operation) */
	if (unlikely(c->vmx.on) && !vmx_cr_allowed(c, 4, val))
		cpu_gp0(c);
	/* "If an attempt is made to leave IA-32e mode by clearing CR4.PAE" */
	if (lma && !(val & CR4_PAE))
		cpu_gp0(c);
	/* "If an attempt is made to change CR4.PCIDE from 0 to 1 while
	 * CR3[11:0] ≠ 000H" / while IA32_EFER.LMA = 0 */
	if (!(old & CR4_PCIDE) && (val & CR4_PCIDE) && (!lma || (c->cr3 & 0xfff)))
		cpu_gp0(c);
	/* "If an attempt is made to change CR4.LA57 while IA-32e mode is active" */
	if (lma && ((old ^ val) & CR4_LA57))
		cpu_gp0(c);
	if (pae_paging(c->cr0, val, c->efer) &&
	    ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)))
		pdptes_load(c, c->cr3);

	c->cr4 = val;
	/* SDM "Operations that Invalidate TLBs and Paging-Structure Caches":
	 * changing PGE/PAE/PSE/SMEP/LA57 or clearing PCIDE flushes everything;
	 * nestbox's TLB also caches SMAP, PKE and PKS decisions */
	if (((old ^ val) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP | CR4_PKE |
			    CR4_PKS | CR4_LA57)) ||
	    ((old & CR4_PCIDE) && !(val & CR4_PCIDE)))
		tlb_flush_all(c);
}

static void write_cr3(struct cpu *c, u64 val)
{
	bool noflush = false;

	/* SDM "Process-Context Identifiers (PCIDs)": with CR4.PCIDE = 1, bit 63
	 * of the source means "do not invalidate" and is not stored */
	if (c->cr4 & CR4_PCIDE) {
		noflush = (val >> 63) & 1;
		val &= ~BIT(63);
	}
	/* "If an attempt is made to write a 1 to any reserved bit in CR3"
	 * (64-bit: bits 63:MAXPHYADDR) */
	if ((c->efer & EFER_LMA) && (val & sys_phys_reserved(c)))
		cpu_gp0(c);
	/* "If MOV to CR3 is executed while the logical processor is using
	 * PAE paging, the PDPTEs are loaded from the address being loaded
	 * into CR3" */
	if (pae_paging(c->cr0, c->cr4, c->efer))
		pdptes_load(c, val);

	/* SDM "Process-Context Identifiers (PCIDs)": the processor uses only
	 * the translations of the current PCID. This TLB does not tag its
	 * entries with a PCID, so a switch to another PCID drops the
	 * non-global ones even with bit 63 set (flushing more than asked is
	 * always allowed); only a "do not invalidate" write that keeps the
	 * PCID keeps them. */
	bool same_pcid = (val & 0xfff) == (c->cr3 & 0xfff);
	c->cr3 = val;
	if (!(c->cr4 & CR4_PCIDE))
		tlb_flush_nonglobal(c);
	else if (!noflush || !same_pcid)
		tlb_flush_pcid(c, (u16)(val & 0xfff), true);
}

static u64 read_cr8(struct cpu *c)
{
	if (unlikely(vmx_cr8_virtualized(c)))
		return vmx_cr8_read(c);
	if (svm_cr8_virtualized(c))
		return svm_cr8_read(c);
	if (c->apic_ops && c->apic_ops->get_cr8)
		return c->apic_ops->get_cr8(c);
	return c->tpr & 0xf;
}

/* "#GP(0) If an attempt is made to write a 1 to any reserved bit in CR8"
 * (bits 63:4) */
static void write_cr8(struct cpu *c, u64 val)
{
	if (val & ~0xfull)
		cpu_gp0(c);
	if (unlikely(vmx_cr8_virtualized(c))) {
		vmx_cr8_write(c, val);
		return;
	}
	if (svm_cr8_virtualized(c)) {
		svm_cr8_write(c, val);
		return;
	}
	cpu_kick(c); /* a lower TPR may unblock a pending interrupt */
	if (c->apic_ops && c->apic_ops->set_cr8)
		c->apic_ops->set_cr8(c, val);
	else
		c->tpr = (u8)val;
}

void exec_mov_cr(struct cpu *c, const struct insn *i)
{
	bool to_cr = i->op[0].kind == OPK_CR;
	const struct opnd *cr = to_cr ? &i->op[0] : &i->op[1];
	const struct opnd *gpr = to_cr ? &i->op[1] : &i->op[0];
	unsigned n = cr->reg;

	/* only CR0, CR2, CR3, CR4 and CR8 exist (the decoder rejects most
	 * others; CR8 needs REX.R, i.e. 64-bit mode) */
	if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
		cpu_ud(c);
	sys_need_cpl0(c);
	/* APM "CR and DR Read/Write Intercepts": after the #UD and CPL
	 * checks, before the value's #GP */
	if (!to_cr) {
		u64 v;
		if (unlikely(c->vmx.nonroot))
			vmx_icpt_cr_read(c, i, n, gpr->reg);
		if (unlikely(svm_guest(c)))
			svm_icpt_cr_read(c, i, n, gpr->reg);
		switch (n) {
		case 0: v = vmx_cr_shadowed(c, 0, c->cr0); break;
		case 2: v = c->cr2; break;
		case 3: v = c->cr3; break;
		case 4: v = vmx_cr_shadowed(c, 4, c->cr4); break;
		default: v = read_cr8(c); break;
		}
		reg_write(c, gpr->reg, gpr->size, v);
		return;
	}
	u64 v = reg_read(c, gpr->reg, gpr->size);
	if (unlikely(svm_guest(c)))
		svm_icpt_cr_write(c, i, n, v, gpr->reg);
	if (unlikely(c->vmx.nonroot)) {
		vmx_icpt_cr_write(c, i, n, v, gpr->reg);
		/* "An execution of MOV to CR0 [CR4] that does not cause a VM
		 * exit leaves unmodified any bit in CR0 [CR4] corresponding
		 * to a bit set in the CR0 [CR4] guest/host mask" */
		if (n == 0 || n == 4)
			v = vmx_cr_keep_owned(c, n, v);
	}
	switch (n) {
	case 0: sys_write_cr0(c, v); break;
	case 2: c->cr2 = v; break;
	case 3: write_cr3(c, v); break;
	case 4: sys_write_cr4(c, v); break;
	default: write_cr8(c, v); break;
	}
}

/* --- debug registers (SDM Vol.3B "Debug Registers") --- */
#define DR6_WRITABLE (GENMASK(3, 0) | DR6_BD | DR6_BS | DR6_BT)
/* DR7: bits 11, 12, 14, 15 read as 0, bit 10 as 1 */
#define DR7_WRITABLE (GENMASK(9, 0) | DR7_GD | GENMASK(31, 16))

void exec_mov_dr(struct cpu *c, const struct insn *i)
{
	bool to_dr = i->op[0].kind == OPK_DR;
	const struct opnd *dr = to_dr ? &i->op[0] : &i->op[1];
	const struct opnd *gpr = to_dr ? &i->op[1] : &i->op[0];
	unsigned n = dr->reg;

	if (n > 7)
		cpu_ud(c);
	sys_need_cpl0(c);
	/* "#UD If CR4.DE[bit 3] = 1 (debug extensions) and a MOV instruction
	 * is executed involving DR4 or DR5"; otherwise they alias DR6/DR7 */
	if (n == 4 || n == 5) {
		if (c->cr4 & CR4_DE)
			cpu_ud(c);
		n += 2;
	}
	/* (SVM: DR intercepts) SDM "Exit Qualification for MOV DR": DR number
	 * (2:0), direction (4: 1 = MOV from DR), register (11:8) */
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_MOV_DR_EXITING, DR_ACCESS,
		    (u64)dr->reg | (to_dr ? 0 : BIT(4)) | ((u64)gpr->reg << 8));
	/* SDM "General-Detect Exception Condition": any DR access with
	 * DR7.GD = 1 is a #DB fault with DR6.BD = 1; GD is cleared on entry
	 * to the handler */
	if (c->dr[7] & DR7_GD) {
		/* VMX non-root: an intercepted #DB exits before DR6/DR7 change */
		if (c->vmx.nonroot)
			vmx_icpt_db(c, DR6_BD, false);
		cpu_debug_merge_pending(c);
		c->dr[6] |= DR6_BD;
		c->dr[7] &= ~DR7_GD;
		cpu_fault(c, VEC_DB, 0);
	}
	/* APM "CR and DR Read/Write Intercepts": the DR intercept of the
	 * register as encoded, after the general-detect #DB */
	if (unlikely(svm_guest(c)))
		svm_icpt_dr(c, i, dr->reg, to_dr, gpr->reg);
	if (!to_dr) {
		reg_write(c, gpr->reg, gpr->size, c->dr[n]);
		return;
	}
	u64 v = reg_read(c, gpr->reg, gpr->size);
	switch (n) {
	case 6:
	case 7:
		/* 64-bit mode: "#GP(0) If an attempt is made to write a 1 to
		 * any of bits 63:32 in DR6/DR7" */
		if (v >> 32)
			cpu_gp0(c);
		if (n == 6)
			c->dr[6] = (v & DR6_WRITABLE) | DR6_FIXED1;
		else
			c->dr[7] = (v & DR7_WRITABLE) | DR7_FIXED1;
		break;
	default:
		c->dr[n] = v;
		break;
	}
}

/* --- CLTS, LMSW, SMSW --- */

void exec_clts(struct cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_clts(c, i);
	if (unlikely(svm_guest(c)))
		svm_icpt_clts(c, i);
	/* "Restrictions on VMX Operation" names CLTS too (CR0.TS is not a
	 * fixed bit on any model nestbox has, but the rule is the rule) */
	if (unlikely(c->vmx.on) && !vmx_cr_allowed(c, 0, c->cr0 & ~CR0_TS))
		cpu_gp0(c);
	c->cr0 &= ~CR0_TS;
}

/* SDM "LMSW": loads CR0[3:0] (PE MP EM TS); "LMSW cannot clear PE" */
void exec_lmsw(struct cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	u64 src = op_read(c, i, 0) & 0xf;
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_lmsw(c, i, (u16)op_read(c, i, 0));
	if (unlikely(svm_guest(c)))
		svm_icpt_lmsw(c, i, (u16)src);
	sys_write_cr0(c, (c->cr0 & ~0xeull) | src);
}

/* SDM "SMSW": CR0[15:0] to memory, CR0 sized to a register destination;
 * CR4.UMIP makes it privileged */
void exec_smsw(struct cpu *c, const struct insn *i)
{
	if ((c->cr4 & CR4_UMIP) && c->cpl > 0)
		cpu_gp0(c);
	/* APM "CR and DR Read/Write Intercepts": SMSW reads CR0 */
	if (unlikely(svm_guest(c)))
		svm_icpt_smsw(c, i);
	if (i->op[0].kind == OPK_MEM)
		cpu_write(c, i->seg, insn_ea(c, i), 2, c->cr0 & 0xffff);
	else
		reg_write(c, i->op[0].reg, i->op[0].size, c->cr0);
}
