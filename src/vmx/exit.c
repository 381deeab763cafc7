/* vmx/exit.c: VM exits (SDM Vol.3C "VM Exits"): record the exit
 * information, save the guest state into the current VMCS, load the host
 * state from it, and unwind to the step loop -- the instruction or event
 * that caused the exit does not complete, so RIP still names it. */
#include <string.h>

#include "base/log.h"
#include "cpu/arch.h"
#include "cpu/exec/flags.h"
#include "cpu/event.h"
#include "cpu/fault.h"
#include "cpu/decode/decode.h"
#include "cpu/decode/insn.h"
#include "cpu/memory/mmu.h"
#include "cpu/step.h"
#include "cpu/system/pmu.h"
#include "cpu/system/msr.h"
#include "machine/machine.h"
#include "mem/physmem.h"
#include "vmx/evmcs.h"
#include "vmx/exit_info.h"
#include "cpu/system/pmu.h"
#include "vmx/vmx.h"
#include "vmx/vmx_internal.h"

/* --- SDM "Saving Guest State" --- */
static const enum vmcs_field seg_sel[8] = {
	VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR,
	VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
	VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_TR_SELECTOR,
};
const enum vmcs_field vmx_guest_seg_base[8] = {
	VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE, VMCS_GUEST_DS_BASE,
	VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_TR_BASE,
};
const enum vmcs_field vmx_guest_seg_limit[8] = {
	VMCS_GUEST_ES_LIMIT, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_DS_LIMIT,
	VMCS_GUEST_FS_LIMIT, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_TR_LIMIT,
};
const enum vmcs_field vmx_guest_seg_ar[8] = {
	VMCS_GUEST_ES_AR_BYTES, VMCS_GUEST_CS_AR_BYTES, VMCS_GUEST_SS_AR_BYTES,
	VMCS_GUEST_DS_AR_BYTES, VMCS_GUEST_FS_AR_BYTES, VMCS_GUEST_GS_AR_BYTES,
	VMCS_GUEST_LDTR_AR_BYTES, VMCS_GUEST_TR_AR_BYTES,
};
const enum vmcs_field *const vmx_guest_seg_sel = seg_sel;
const enum vmcs_field vmx_guest_pdpte[4] = {
	VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1, VMCS_GUEST_PDPTE2, VMCS_GUEST_PDPTE3,
};

/* SDM "Saving Control Registers, Debug Registers, and MSRs": "If the
 * processor supports the 1-setting of the "enable EPT" VM-execution
 * control, values of the PDPTEs are saved" -- with EPT and PAE paging,
 * the PDPTE registers go to their fields */
static void save_pdptes(struct cpu *c)
{
	if (!c->stage2_on || !cpu_pae_paging(c))
		return;
	for (unsigned k = 0; k < 4; k++)
		vmcs_set(c, vmx_guest_pdpte[k], c->pdpte[k]);
}

static void save_guest(struct cpu *c)
{
	u32 exit_ctls = (u32)vmcs_get(c, VMCS_VM_EXIT_CONTROLS);

	vmcs_set(c, VMCS_GUEST_CR0, c->cr0);
	vmcs_set(c, VMCS_GUEST_CR3, c->cr3);
	vmcs_set(c, VMCS_GUEST_CR4, c->cr4);
	save_pdptes(c);
	if (exit_ctls & EXIT_SAVE_DEBUG_CONTROLS) {
		vmcs_set(c, VMCS_GUEST_DR7, c->dr[7]);
		vmcs_set(c, VMCS_GUEST_IA32_DEBUGCTL, c->msr.debugctl);
	}
	/* SDM "Saving Control Registers, Debug Registers, and MSRs": "If the
	 * "save IA32_PERF_GLOBAL_CTRL" VM-exit control is 1, the
	 * IA32_PERF_GLOBAL_CTRL MSR is saved into the corresponding field" */
	if (exit_ctls & EXIT_SAVE_PERF_GLOBAL_CTRL) {
		u64 v = 0;
		pmu_rd_global_ctrl(c, MSR_PERF_GLOBAL_CTRL, &v);
		vmcs_set(c, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, v);
	}
	vmcs_set(c, VMCS_GUEST_RSP, c->gpr[RSP]);
	vmcs_set(c, VMCS_GUEST_RIP, c->rip);
	vmcs_set(c, VMCS_GUEST_RFLAGS, cpu_rflags(c));
	for (int s = 0; s < 8; s++) {
		vmcs_set(c, seg_sel[s], c->seg[s].sel);
		vmcs_set(c, vmx_guest_seg_base[s], c->seg[s].base);
		vmcs_set(c, vmx_guest_seg_limit[s], c->seg[s].limit);
		vmcs_set(c, vmx_guest_seg_ar[s], c->seg[s].ar);
	}
	vmcs_set(c, VMCS_GUEST_GDTR_BASE, c->gdtr.base);
	vmcs_set(c, VMCS_GUEST_GDTR_LIMIT, c->gdtr.limit);
	vmcs_set(c, VMCS_GUEST_IDTR_BASE, c->idtr.base);
	vmcs_set(c, VMCS_GUEST_IDTR_LIMIT, c->idtr.limit);
	vmcs_set(c, VMCS_GUEST_IA32_SYSENTER_CS, c->msr.sysenter_cs);
	vmcs_set(c, VMCS_GUEST_IA32_SYSENTER_ESP, c->msr.sysenter_esp);
	vmcs_set(c, VMCS_GUEST_IA32_SYSENTER_EIP, c->msr.sysenter_eip);
	if (exit_ctls & EXIT_SAVE_IA32_PAT)
		vmcs_set(c, VMCS_GUEST_IA32_PAT, c->msr.pat);
	if (exit_ctls & EXIT_SAVE_IA32_EFER)
		vmcs_set(c, VMCS_GUEST_IA32_EFER, c->efer);
	/* SDM "Saving Non-Register State": activity state, interruptibility
	 * (STI/MOV SS blocking, NMI blocking), pending debug exceptions */
	/* an exit caused by an instruction saves the blocking that
	 * instruction ran under (c->shadow_insn: the step loop clears
	 * c->shadow before it executes one); an exit at a boundary, the
	 * current blocking */
	u8 shadow = c->shadow | c->shadow_insn;
	vmcs_set(c, VMCS_GUEST_ACTIVITY_STATE, c->activity);
	vmcs_set(c, VMCS_GUEST_INTERRUPTIBILITY_INFO,
		 ((shadow & SHADOW_STI) ? GUEST_INTR_STATE_STI : 0) |
		 ((shadow & SHADOW_MOVSS) ? GUEST_INTR_STATE_MOV_SS : 0) |
		 (c->nmi_blocked ? GUEST_INTR_STATE_NMI : 0));
	vmcs_set(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, c->pending_db ? c->pending_dr6 & 0x400f : 0);
}

/* SDM "VMX Aborts": a problem while loading host state or the MSR lists
 * of an exit: the abort indicator (bytes 4-7 of the VMCS region) gets the
 * number, the processor goes to shutdown */
static void vmx_abort(struct cpu *c, u32 why)
{
	LOG(vmx, "cpu%u VMX abort %u", c->index, why);
	phys_write(&c->machine->mem, c->vmx.vmcs_ptr + 4, 4, why);
	cpu_shutdown(c);
}

/* --- SDM "Loading Host State" --- */
bool vmx_load_host(struct cpu *c)
{
	u32 exit_ctls = (u32)vmcs_get(c, VMCS_VM_EXIT_CONTROLS);
	bool host64 = (exit_ctls & EXIT_HOST_ADDR_SPACE_SIZE) != 0;

	/* "Loading Host Control Registers, Debug Registers, MSRs": CR0 keeps
	 * ET, CD, NW and bits 63:32, 28:19, 17, 15:6 */
	const u64 cr0_keep = CR0_ET | CR0_CD | CR0_NW | 0xffffffff00000000ull | 0x1ff80000ull |
			     BIT(17) | 0xffc0ull;
	c->cr0 = (c->cr0 & cr0_keep) | (vmcs_get(c, VMCS_HOST_CR0) & ~cr0_keep);
	c->cr3 = vmcs_get(c, VMCS_HOST_CR3);
	c->cr4 = vmcs_get(c, VMCS_HOST_CR4);
	c->dr[7] = 0x400;
	c->msr.debugctl = 0;
	c->msr.sysenter_cs = (u32)vmcs_get(c, VMCS_HOST_IA32_SYSENTER_CS);
	c->msr.sysenter_esp = vmcs_get(c, VMCS_HOST_IA32_SYSENTER_ESP);
	c->msr.sysenter_eip = vmcs_get(c, VMCS_HOST_IA32_SYSENTER_EIP);
	if (exit_ctls & EXIT_LOAD_PERF_GLOBAL_CTRL) /* checked at VM entry */
		pmu_wr_global_ctrl(c, MSR_PERF_GLOBAL_CTRL, vmcs_get(c, VMCS_HOST_IA32_PERF_GLOBAL_CTRL));
	if (exit_ctls & EXIT_LOAD_IA32_PAT)
		c->msr.pat = vmcs_get(c, VMCS_HOST_IA32_PAT);
	if (exit_ctls & EXIT_LOAD_IA32_EFER)
		c->efer = vmcs_get(c, VMCS_HOST_IA32_EFER);
	else if (host64)
		c->efer |= EFER_LMA | EFER_LME;
	else
		c->efer &= ~(u64)(EFER_LMA | EFER_LME);
	/* "Loading Host Segment and Descriptor-Table Registers" */
	static const enum vmcs_field host_sel[8] = {
		VMCS_HOST_ES_SELECTOR, VMCS_HOST_CS_SELECTOR, VMCS_HOST_SS_SELECTOR,
		VMCS_HOST_DS_SELECTOR, VMCS_HOST_FS_SELECTOR, VMCS_HOST_GS_SELECTOR,
		VMCS_NR_FIELDS, VMCS_HOST_TR_SELECTOR,
	};
	for (int s = 0; s < 8; s++) {
		struct seg_cache *sc = &c->seg[s];
		if (s == SEG_LDTR) {
			sc->sel = 0;
			sc->ar = AR_UNUSABLE;
			continue;
		}
		sc->sel = (u16)vmcs_get(c, host_sel[s]);
		sc->base = 0;
		sc->limit = 0xffffffff;
		if (s == SEG_CS) {
			sc->ar = 11 | AR_S | AR_P | AR_G | (host64 ? AR_L : AR_DB);
		} else if (s == SEG_TR) {
			sc->ar = 11 | AR_P;
			sc->limit = 0x67;
			sc->base = vmcs_get(c, VMCS_HOST_TR_BASE);
		} else {
			sc->ar = 3 | AR_S | AR_P | AR_DB | AR_G | (sc->sel ? 0 : AR_UNUSABLE);
		}
	}
	c->seg[SEG_FS].base = vmcs_get(c, VMCS_HOST_FS_BASE);
	c->seg[SEG_GS].base = vmcs_get(c, VMCS_HOST_GS_BASE);
	c->gdtr.base = vmcs_get(c, VMCS_HOST_GDTR_BASE);
	c->gdtr.limit = 0xffff;
	c->idtr.base = vmcs_get(c, VMCS_HOST_IDTR_BASE);
	c->idtr.limit = 0xffff;
	/* "Loading Host RIP, RSP, and RFLAGS": RFLAGS is cleared except bit 1 */
	c->gpr[RSP] = vmcs_get(c, VMCS_HOST_RSP);
	c->rip = c->next_rip = vmcs_get(c, VMCS_HOST_RIP);
	cpu_set_rflags(c, RFLAGS_FIXED);
	c->activity = ACT_ACTIVE;
	c->shadow = 0;
	c->pending_db = 0;
	c->in_event = 0;
	/* without "enable VPID", the guest's mappings were VPID 0's too */
	if (!c->tlb_ctx)
		tlb_flush_all(c);
	c->tlb_ctx = 0;
	cpu_update_mode(c);
	/* "Checking and Loading Host Page-Directory-Pointer-Table Entries":
	 * a host that uses PAE paging (the "host address-space size" exit
	 * control 0, host CR4.PAE and CR0.PG 1) gets the PDPTEs of the table
	 * host CR3 references; one that fails MOV to CR3's checks is a VMX
	 * abort, indicator 2 ("VMX Aborts") */
	if (cpu_pae_paging(c) && !cpu_pdptes_load(c, c->cr3)) {
		vmx_abort(c, 2);
		return false;
	}
	return true;
}

static void record(struct cpu *c, u32 reason, const struct vmx_exit_info *info)
{
	vmcs_set(c, VMCS_EXIT_REASON, reason);
	vmcs_set(c, VMCS_EXIT_QUALIFICATION, info ? info->qual : 0);
	vmcs_set(c, VMCS_GUEST_LINEAR_ADDRESS, info ? info->guest_linear : 0);
	/* "Guest-physical address": for EPT violations and misconfigurations
	 * (other exits leave the field as it was) */
	if (reason == EXIT_REASON_EPT_VIOLATION || reason == EXIT_REASON_EPT_MISCONFIG)
		vmcs_set(c, VMCS_GUEST_PHYSICAL_ADDRESS, info->guest_phys);
	vmcs_set(c, VMCS_EXIT_INSTRUCTION_LEN, info ? info->insn_len : 0);
	vmcs_set(c, VMCS_VMX_INSTRUCTION_INFO, info ? info->insn_info : 0);
	vmcs_set(c, VMCS_EXIT_INTR_INFO, info ? info->intr_info : 0);
	vmcs_set(c, VMCS_EXIT_INTR_ERROR_CODE, info ? info->intr_error : 0);
	/* SDM "Information for VM Exits During Event Delivery": an exit while
	 * an event was being delivered through the IDT (c->in_event: its type
	 * + 1) reports that event; for a software interrupt or exception the
	 * VM-exit instruction length is that of the instruction */
	u32 vec_info = 0;
	if (c->in_event) {
		unsigned type = c->in_event - 1u;
		vec_info = c->first_vector | (type << 8) | (c->first_has_err ? BIT(11) : 0) | BIT(31);
		vmcs_set(c, VMCS_IDT_VECTORING_ERROR_CODE, c->first_has_err ? c->first_error : 0);
		if ((type == EV_SW_INT || type == EV_SW_EXC || type == EV_PRIV_SW_EXC) &&
		    !vmcs_get(c, VMCS_EXIT_INSTRUCTION_LEN))
			vmcs_set(c, VMCS_EXIT_INSTRUCTION_LEN, c->next_rip - c->rip);
	}
	vmcs_set(c, VMCS_IDT_VECTORING_INFO, vec_info);
}


/* SDM "Saving MSRs": entries of 16 bytes (index in bits 31:0, the value
 * stored in 127:64), at most 512. Returns false after a VMX abort (1: a
 * failed MSR store). */
static bool exit_msr_lists(struct cpu *c)
{
	struct physmem *pm = &c->machine->mem;
	u64 n = vmcs_get(c, VMCS_EXIT_MSR_STORE_COUNT), a = vmcs_get(c, VMCS_EXIT_MSR_STORE_ADDR);

	for (u64 k = 0; k < n; k++) {
		u64 lo = phys_read(pm, a + 16 * k, 8), val;
		u32 idx = (u32)lo;
		if (k >= 512 || (lo >> 32) || (idx >> 8) == 8 || idx == 0x9e ||
		    msr_read(c, idx, &val) < 0) {
			vmx_abort(c, 1);
			return false;
		}
		phys_write(pm, a + 16 * k + 8, 8, val);
	}
	return true;
}

/* SDM "VM Exits": record, save guest, load host; then leave the
 * instruction (or event delivery) that caused it */
void vmx_exit(struct cpu *c, u32 reason, const struct vmx_exit_info *info)
{
	record(c, reason, info);
	save_guest(c);
	vmx_events_exit(c); /* virtual-NMI blocking, timer value; MTF and timer end */
	c->vmx.nonroot = 0;
	c->stage2_on = 0;
	vmx_log_exit(c, reason, info ? info->qual : 0);
	if (exit_msr_lists(c) && vmx_load_host(c)) {
		if (vmx_load_msr_list(c, vmcs_get(c, VMCS_EXIT_MSR_LOAD_ADDR),
				      vmcs_get(c, VMCS_EXIT_MSR_LOAD_COUNT)))
			vmx_abort(c, 4);
	}
	/* TLFS "Enlightened VMCS": the exit's information and the guest state
	 * go back into the eVMCS in L1's memory (vmx/evmcs.c) */
	if (c->vmx.evmcs)
		vmx_evmcs_write_back(c, true);
	c->single = 0;
	if (!c->unwind)
		die("internal error: VM exit outside the step loop");
	longjmp(*c->unwind, UNWIND_VMEXIT);
}

void vmx_exit_insn(struct cpu *c, const struct insn *i, u32 reason, u64 qual)
{
	/* the handler tables' exits column says which instructions exit */
	DEBUG_ASSERT(!i || insn_can_exit(i->mnemonic, reason));
	struct vmx_exit_info info = {
		.qual = qual,
		.insn_len = i ? i->len : 0,
		.insn_info = i ? vmx_insn_info(i, (enum vmx_exit_reason)reason) : 0,
	};
	vmx_exit(c, reason, &info);
}
