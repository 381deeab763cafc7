/* vmx/entry.c: VM entry (SDM Vol.3C "VM Entries"), after VMLAUNCH/VMRESUME
 * made their own checks ("Basic VM-Entry Checks", vmx/insn.c):
 *  1. "Checks on VMX Controls and Host-State Area": VMfailValid(7) or (8);
 *  2. "Checks on the Guest State Area": a failed VM entry, exit reason 33;
 *  3. "Loading Guest State", then "Loading MSRs" (failure: reason 34);
 *  4. "Event Injection".
 * Every check is a row of vmx/entry_checks.def, tested here by its id;
 * nothing changes before the checks of steps 1 and 2 have passed. */
#include "base/log.h"
#include "cpu/arch.h"
#include "cpu/event.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mmu.h"
#include "cpu/step.h"
#include "cpu/system/msr.h"
#include "cpu/system/pmu.h"
#include "mem/physmem.h"
#include "machine/machine.h"
#include "vmx/vmx_internal.h"

enum check_kind { CTRL, HOST, GUEST, LINK, PDPTE, NMIQ, MSR };

static const struct {
	const char *id, *section, *text;
	u8 kind;
} checks[EC_NR] = {
#define CHECK(id_, kind_, sect, text_) [EC_##id_] = { #id_, sect, text_, kind_ },
#include "vmx/entry_checks.def"
#undef CHECK
};

const char *vmx_check_id(unsigned n) { return n < EC_NR ? checks[n].id : "?"; }
const char *vmx_check_section(unsigned n) { return n < EC_NR ? checks[n].section : "?"; }
const char *vmx_check_text(unsigned n) { return n < EC_NR ? checks[n].text : "?"; }
unsigned vmx_check_count(void) { return EC_NR; }

/* --- helpers --- */
static const struct vmx_caps *caps(const struct cpu *c) { return &c->model->vmx; }

static bool phys_ok(const struct cpu *c, u64 addr)
{
	return (addr >> cpu_maxphyaddr(c)) == 0;
}

/* a control word's allowed settings, from its capability MSR (the TRUE
 * form when IA32_VMX_BASIC[55] says so): allowed-0 bits must be 1, bits
 * not in allowed-1 must be 0 (SDM "Algorithms for Determining VMX
 * Capabilities") */
void vmx_ctl_allowed(const struct cpu *c, enum vmx_ctl_word w, u64 *a0, u64 *a1)
{
	bool true_form = (vmx_msr_basic(caps(c)) >> 55) & 1;
	*a0 = vmx_caps_allowed0(caps(c), w, true_form);
	*a1 = vmx_caps_allowed1(caps(c), w);
}

static bool ctls_ok(const struct cpu *c, enum vmx_ctl_word w, u64 val)
{
	u64 a0, a1;
	vmx_ctl_allowed(c, w, &a0, &a1);
	return (val & a0) == a0 && (val & ~a1) == 0;
}


/* --- 1a. "Checks on VMX Controls" --- */
static enum entry_check check_controls(const struct cpu *c)
{
	u32 pin = vmx_pin(c), proc = vmx_proc(c);
	u64 maxphy_mask = ~0ull << cpu_maxphyaddr(c);

	if (!ctls_ok(c, VMX_W_PIN, pin))
		return EC_PIN_CTLS;
	if (!ctls_ok(c, VMX_W_PROC, proc))
		return EC_PROC_CTLS;
	if ((proc & PROC_ACTIVATE_SECONDARY) &&
	    !ctls_ok(c, VMX_W_PROC2, vmcs_get(c, VMCS_SECONDARY_VM_EXEC_CONTROL)))
		return EC_PROC2_CTLS;
	if (vmcs_get(c, VMCS_CR3_TARGET_COUNT) > 4)
		return EC_CR3_TARGET_COUNT;
	if (proc & PROC_USE_IO_BITMAPS) {
		u64 a = vmcs_get(c, VMCS_IO_BITMAP_A), b = vmcs_get(c, VMCS_IO_BITMAP_B);
		if ((a & 0xfff) || (b & 0xfff) || (a & maxphy_mask) || (b & maxphy_mask))
			return EC_IO_BITMAPS;
	}
	if (proc & PROC_USE_MSR_BITMAPS) {
		u64 a = vmcs_get(c, VMCS_MSR_BITMAP);
		if ((a & 0xfff) || (a & maxphy_mask))
			return EC_MSR_BITMAP;
	}
	enum entry_check e = vmx_apicv_check_controls(c);
	if (e != EC_NONE)
		return e;
	if ((proc & PROC_ACTIVATE_SECONDARY) &&
	    (vmcs_get(c, VMCS_SECONDARY_VM_EXEC_CONTROL) & PROC2_ENABLE_VPID) && !vmcs_get(c, VMCS_VPID))
		return EC_VPID_ZERO;
	if ((vmx_proc2(c) & PROC2_ENABLE_EPT) && !vmx_eptp_ok(c, vmcs_get(c, VMCS_EPT_POINTER)))
		return EC_EPTP;
	if ((vmx_proc2(c) & PROC2_UNRESTRICTED_GUEST) && !(vmx_proc2(c) & PROC2_ENABLE_EPT))
		return EC_UNRESTRICTED_EPT;
	if (vmx_proc2(c) & PROC2_ENABLE_VMFUNC) {
		u64 fn = vmcs_get(c, VMCS_VM_FUNCTION_CONTROLS);
		if (fn & ~vmx_msr_vmfunc(caps(c)))
			return EC_VMFUNC_CTLS;
		u64 list = vmcs_get(c, VMCS_EPTP_LIST_ADDR);
		if ((fn & 1) && (!(vmx_proc2(c) & PROC2_ENABLE_EPT) || (list & 0xfff) || (list & maxphy_mask)))
			return EC_EPTP_LIST;
	}
	if (vmx_proc2(c) & PROC2_ENABLE_PML) {
		u64 a = vmcs_get(c, VMCS_PML_ADDRESS);
		if (!(vmx_proc2(c) & PROC2_ENABLE_EPT) || (a & 0xfff) || (a & maxphy_mask))
			return EC_PML;
	}
	if (!(pin & PIN_NMI_EXITING) && (pin & PIN_VIRTUAL_NMIS))
		return EC_VIRTUAL_NMIS;
	if (vmx_proc2(c) & PROC2_VMCS_SHADOWING) {
		u64 r = vmcs_get(c, VMCS_VMREAD_BITMAP), w = vmcs_get(c, VMCS_VMWRITE_BITMAP);
		if ((r & 0xfff) || (w & 0xfff) || (r & maxphy_mask) || (w & maxphy_mask))
			return EC_VMCS_SHADOW_BITMAPS;
	}
	if (!(pin & PIN_VIRTUAL_NMIS) && (proc & PROC_NMI_WINDOW_EXITING))
		return EC_NMI_WINDOW_VNMI;
	/* "Checks on VM-Exit Control Fields" */
	if (!ctls_ok(c, VMX_W_EXIT, vmx_exit_ctls(c)))
		return EC_EXIT_CTLS;
	if (!(pin & PIN_PREEMPTION_TIMER) && (vmx_exit_ctls(c) & EXIT_SAVE_PREEMPTION_TIMER))
		return EC_EXIT_SAVE_TIMER;
	if (vmcs_get(c, VMCS_EXIT_MSR_STORE_COUNT)) {
		u64 a = vmcs_get(c, VMCS_EXIT_MSR_STORE_ADDR);
		if ((a & 0xf) || !phys_ok(c, a + vmcs_get(c, VMCS_EXIT_MSR_STORE_COUNT) * 16 - 1))
			return EC_EXIT_MSR_STORE;
	}
	if (vmcs_get(c, VMCS_EXIT_MSR_LOAD_COUNT)) {
		u64 a = vmcs_get(c, VMCS_EXIT_MSR_LOAD_ADDR);
		if ((a & 0xf) || !phys_ok(c, a + vmcs_get(c, VMCS_EXIT_MSR_LOAD_COUNT) * 16 - 1))
			return EC_EXIT_MSR_LOAD;
	}
	/* "Checks on VM-Entry Control Fields" */
	if (!ctls_ok(c, VMX_W_ENTRY, vmx_entry_ctls(c)))
		return EC_ENTRY_CTLS;
	u32 smm_ctls = vmx_entry_ctls(c) & (ENTRY_TO_SMM | ENTRY_DEACT_DUAL_MONITOR);
	if (smm_ctls && !c->smm.in_smm)
		return EC_ENTRY_SMM_OUTSIDE;
	if (smm_ctls == (ENTRY_TO_SMM | ENTRY_DEACT_DUAL_MONITOR))
		return EC_ENTRY_SMM_BOTH;
	u32 ii = (u32)vmcs_get(c, VMCS_ENTRY_INTR_INFO);
	if (ii & INTR_INFO_VALID) {
		unsigned type = INTR_INFO_TYPE(ii), vec = INTR_INFO_VECTOR(ii);
		/* type 1 is reserved, 7 ("other event") needs the MTF control */
		if (type == 1 || (type == INTR_TYPE_OTHER &&
				  !(vmx_caps_allowed1(caps(c), VMX_W_PROC) & PROC_MONITOR_TRAP_FLAG)))
			return EC_ENTRY_INTR_TYPE;
		if (type == INTR_TYPE_OTHER && vec != 0)
			return EC_ENTRY_INTR_MTF_VECTOR;
		if (type == EV_NMI && vec != 2)
			return EC_ENTRY_INTR_NMI_VECTOR;
		if (type == EV_HW_EXC && vec > 31)
			return EC_ENTRY_INTR_HW_VECTOR;
		/* ENTRY_INTR_ERROR: condition (1) is "the 'unrestricted guest'
		 * VM-execution control is 0; or ... CR0.PE is set": without
		 * unrestricted guest the guest's CR0.PE does not matter */
		bool prot = !(vmx_proc2(c) & PROC2_UNRESTRICTED_GUEST) ||
			    (vmcs_get(c, VMCS_GUEST_CR0) & CR0_PE);
		bool want_err = type == EV_HW_EXC && prot &&
				(vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 ||
				 vec == 14 || vec == 17);
		if (((ii & INTR_INFO_HAS_ERROR) != 0) != want_err)
			return EC_ENTRY_INTR_ERROR;
		if (ii & 0x7ffff000u)
			return EC_ENTRY_INTR_RESERVED;
		if ((ii & INTR_INFO_HAS_ERROR) && (vmcs_get(c, VMCS_ENTRY_EXCEPTION_ERROR_CODE) >> 16))
			return EC_ENTRY_INTR_ERRCODE_HIGH;
		if (type == EV_SW_INT || type == EV_SW_EXC || type == EV_PRIV_SW_EXC) {
			u64 len = vmcs_get(c, VMCS_ENTRY_INSTRUCTION_LEN);
			if (len > 15 || (len == 0 && !((vmx_msr_misc(caps(c)) >> 30) & 1)))
				return EC_ENTRY_INTR_LENGTH;
		}
	}
	if (vmcs_get(c, VMCS_ENTRY_MSR_LOAD_COUNT)) {
		u64 a = vmcs_get(c, VMCS_ENTRY_MSR_LOAD_ADDR);
		if ((a & 0xf) || !phys_ok(c, a + vmcs_get(c, VMCS_ENTRY_MSR_LOAD_COUNT) * 16 - 1))
			return EC_ENTRY_MSR_LOAD;
	}
	return EC_NONE;
}

/* --- 1b. "Checks on the Host-State Area" --- */
static enum entry_check check_host(const struct cpu *c)
{
	u32 exit = vmx_exit_ctls(c);
	bool host64 = (exit & EXIT_HOST_ADDR_SPACE_SIZE) != 0;
	u64 cr4 = vmcs_get(c, VMCS_HOST_CR4);
	static const enum vmcs_field sels[] = {
		VMCS_HOST_CS_SELECTOR, VMCS_HOST_SS_SELECTOR, VMCS_HOST_DS_SELECTOR,
		VMCS_HOST_ES_SELECTOR, VMCS_HOST_FS_SELECTOR, VMCS_HOST_GS_SELECTOR,
		VMCS_HOST_TR_SELECTOR,
	};

	if (!vmx_cr_fixed_ok(c, 0, vmcs_get(c, VMCS_HOST_CR0), false))
		return EC_HOST_CR0;
	if (!vmx_cr_fixed_ok(c, 4, cr4, false))
		return EC_HOST_CR4;
	if (!phys_ok(c, vmcs_get(c, VMCS_HOST_CR3)))
		return EC_HOST_CR3;
	if (!msr_canonical(c, vmcs_get(c, VMCS_HOST_IA32_SYSENTER_ESP)) ||
	    !msr_canonical(c, vmcs_get(c, VMCS_HOST_IA32_SYSENTER_EIP)))
		return EC_HOST_SYSENTER;
	if ((exit & EXIT_LOAD_PERF_GLOBAL_CTRL) &&
	    !pmu_global_ctrl_valid(c, vmcs_get(c, VMCS_HOST_IA32_PERF_GLOBAL_CTRL)))
		return EC_HOST_PERF_GLOBAL_CTRL;
	if ((exit & EXIT_LOAD_IA32_PAT) && !msr_pat_valid(vmcs_get(c, VMCS_HOST_IA32_PAT)))
		return EC_HOST_PAT;
	if (exit & EXIT_LOAD_IA32_EFER) {
		u64 efer = vmcs_get(c, VMCS_HOST_IA32_EFER);
		if ((efer & ~msr_efer_writable(c) & ~(u64)EFER_LMA) ||
		    ((efer & EFER_LMA) != 0) != host64 || ((efer & EFER_LME) != 0) != host64)
			return EC_HOST_EFER;
	}
	for (size_t k = 0; k < ARRAY_SIZE(sels); k++)
		if (vmcs_get(c, sels[k]) & 7)
			return EC_HOST_SEL_RPL_TI;
	if (!vmcs_get(c, VMCS_HOST_CS_SELECTOR) || !vmcs_get(c, VMCS_HOST_TR_SELECTOR))
		return EC_HOST_CS_TR_NULL;
	if (!host64 && !vmcs_get(c, VMCS_HOST_SS_SELECTOR))
		return EC_HOST_SS_NULL;
	if (!msr_canonical(c, vmcs_get(c, VMCS_HOST_FS_BASE)) ||
	    !msr_canonical(c, vmcs_get(c, VMCS_HOST_GS_BASE)) ||
	    !msr_canonical(c, vmcs_get(c, VMCS_HOST_GDTR_BASE)) ||
	    !msr_canonical(c, vmcs_get(c, VMCS_HOST_IDTR_BASE)) ||
	    !msr_canonical(c, vmcs_get(c, VMCS_HOST_TR_BASE)))
		return EC_HOST_BASES;
	/* "Checks Related to Address-Space Size" */
	if (((c->efer & EFER_LMA) != 0) != host64)
		return EC_HOST_ADDR_SIZE;
	if (host64 && (!(cr4 & CR4_PAE) || !msr_canonical(c, vmcs_get(c, VMCS_HOST_RIP))))
		return EC_HOST_64;
	if (!host64 && ((vmx_entry_ctls(c) & ENTRY_IA32E_MODE_GUEST) || (cr4 & CR4_PCIDE) ||
			(vmcs_get(c, VMCS_HOST_RIP) >> 32)))
		return EC_HOST_32;
	return EC_NONE;
}

/* --- 2. "Checks on the Guest State Area" --- */

/* "Checks on Guest Segment Registers": "the guest will be virtual-8086"
 * if RFLAGS.VM is 1 in the guest-state area; a register is "usable" if
 * bit 16 of its access rights is 0. CS..GS are ES, CS, SS, DS, FS, GS
 * (seg_reg 0-5). */
#define V86_AR 0xf3u
/* access-rights bits 11:8 and 31:17, reserved for CS, a usable register,
 * TR and a usable LDTR */
#define AR_RESERVED 0xfffe0f00u
static bool seg_usable(u32 ar) { return !(ar & AR_UNUSABLE); }
/* "Bit 15 (G): if any bit in the limit field in the range 11:0 is 0, G
 * must be 0; if any bit in the limit field in the range 31:20 is 1, G
 * must be 1." */
static bool g_fits_limit(u32 ar, u32 lim)
{
	return !(((lim & 0xfff) != 0xfff && (ar & AR_G)) || ((lim >> 20) && !(ar & AR_G)));
}
static u32 guest_ar(const struct cpu *c, int s) { return (u32)vmcs_get(c, vmx_guest_seg_ar[s]); }
static u64 guest_sel(const struct cpu *c, int s) { return vmcs_get(c, vmx_guest_seg_sel[s]); }

/* selector, base-address and limit fields */
static enum entry_check check_guest_seg_fields(const struct cpu *c, bool v86, bool ug)
{
	if (guest_sel(c, SEG_TR) & 4)
		return EC_GUEST_TR_TI;
	if (seg_usable(guest_ar(c, SEG_LDTR)) && (guest_sel(c, SEG_LDTR) & 4))
		return EC_GUEST_LDTR_TI;
	if (!v86 && !ug && (guest_sel(c, SEG_SS) & 3) != (guest_sel(c, SEG_CS) & 3))
		return EC_GUEST_SS_RPL;
	for (int s = SEG_ES; v86 && s <= SEG_GS; s++)
		if (vmcs_get(c, vmx_guest_seg_base[s]) != guest_sel(c, s) << 4)
			return EC_GUEST_V86_BASE;
	for (int s = 0; s < 8; s++) {
		u64 base = vmcs_get(c, vmx_guest_seg_base[s]);
		bool usable = seg_usable(guest_ar(c, s));
		bool bad = (s == SEG_TR || s == SEG_FS || s == SEG_GS) ? !msr_canonical(c, base)
			   : s == SEG_LDTR ? usable && !msr_canonical(c, base)
			   : s == SEG_CS	 ? (base >> 32) != 0
					 : usable && (base >> 32) != 0;
		if (bad)
			return EC_GUEST_SEG_BASES;
	}
	for (int s = SEG_ES; v86 && s <= SEG_GS; s++)
		if (vmcs_get(c, vmx_guest_seg_limit[s]) != 0xffff)
			return EC_GUEST_V86_LIMIT;
	return EC_NONE;
}

/* access-rights fields of CS, SS, DS, ES, FS, GS when the guest will not
 * be virtual-8086: Type, S, DPL, P, reserved, D/B, G in the SDM's order;
 * only CS and the usable registers are checked */
static enum entry_check check_guest_seg_types(const struct cpu *c, bool ug, u64 cr0)
{
	u32 cs = guest_ar(c, SEG_CS), ss = guest_ar(c, SEG_SS);
	unsigned cs_type = AR_TYPE(cs);

	if ((cs_type & 9) != 9 && !(ug && cs_type == 3))
		return EC_GUEST_CS_TYPE;
	if (seg_usable(ss) && AR_TYPE(ss) != 3 && AR_TYPE(ss) != 7)
		return EC_GUEST_SS_TYPE;
	for (int s = SEG_ES; s <= SEG_GS; s++) {
		unsigned t = AR_TYPE(guest_ar(c, s));
		if (s != SEG_CS && s != SEG_SS && seg_usable(guest_ar(c, s)) &&
		    (!(t & 1) || ((t & 8) && !(t & 2))))
			return EC_GUEST_DATA_TYPE;
	}
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if ((s == SEG_CS || seg_usable(guest_ar(c, s))) && !(guest_ar(c, s) & AR_S))
			return EC_GUEST_SEG_S;
	if ((cs_type == 3 && AR_DPL(cs) != 0) || ((cs_type == 9 || cs_type == 11) && AR_DPL(cs) != AR_DPL(ss)) ||
	    ((cs_type == 13 || cs_type == 15) && AR_DPL(cs) > AR_DPL(ss)))
		return EC_GUEST_CS_DPL;
	if (!ug && AR_DPL(ss) != (guest_sel(c, SEG_SS) & 3))
		return EC_GUEST_SS_DPL_RPL;
	if ((cs_type == 3 || !(cr0 & CR0_PE)) && AR_DPL(ss) != 0)
		return EC_GUEST_SS_DPL_0;
	for (int s = SEG_ES; s <= SEG_GS; s++) {
		u32 ar = guest_ar(c, s);
		if (s != SEG_CS && s != SEG_SS && !ug && seg_usable(ar) && AR_TYPE(ar) <= 11 &&
		    AR_DPL(ar) < (guest_sel(c, s) & 3))
			return EC_GUEST_DATA_DPL;
	}
	return EC_NONE;
}

static enum entry_check check_guest_seg_ar(const struct cpu *c, bool ia32e, bool v86, bool ug, u64 cr0)
{
	for (int s = SEG_ES; v86 && s <= SEG_GS; s++)
		if (guest_ar(c, s) != V86_AR)
			return EC_GUEST_V86_AR;
	if (!v86) {
		enum entry_check e = check_guest_seg_types(c, ug, cr0);
		if (e != EC_NONE)
			return e;
	}
	for (int s = SEG_ES; !v86 && s <= SEG_GS; s++) {
		u32 ar = guest_ar(c, s), lim = (u32)vmcs_get(c, vmx_guest_seg_limit[s]);
		if (s != SEG_CS && !seg_usable(ar))
			continue;
		if (!(ar & AR_P))
			return EC_GUEST_SEG_P;
		if (ar & AR_RESERVED)
			return EC_GUEST_SEG_RESERVED;
		if (s == SEG_CS && ia32e && (ar & AR_L) && (ar & AR_DB))
			return EC_GUEST_CS_L_DB;
		if (!g_fits_limit(ar, lim))
			return EC_GUEST_SEG_G;
	}
	u32 tr = guest_ar(c, SEG_TR), ldtr = guest_ar(c, SEG_LDTR);
	if (!seg_usable(tr) || (tr & AR_S) || !(tr & AR_P) ||
	    (ia32e ? AR_TYPE(tr) != 11 : AR_TYPE(tr) != 3 && AR_TYPE(tr) != 11))
		return EC_GUEST_TR;
	if (seg_usable(ldtr) && (AR_TYPE(ldtr) != 2 || (ldtr & AR_S) || !(ldtr & AR_P)))
		return EC_GUEST_LDTR;
	for (int s = SEG_LDTR; s <= SEG_TR; s++) {
		u32 ar = guest_ar(c, s), lim = (u32)vmcs_get(c, vmx_guest_seg_limit[s]);
		if (s == SEG_LDTR && !seg_usable(ar))
			continue;
		if ((ar & AR_RESERVED) || !g_fits_limit(ar, lim))
			return EC_GUEST_TR_LDTR_AR;
	}
	return EC_NONE;
}

/* "Checks on Guest Non-Register State", activity state: the states
 * IA32_VMX_MISC bits 6-8 offer, and the events an inactive state would
 * block (HLT lets external interrupts, NMIs, #DB, #MC and a pending MTF
 * VM exit through; shutdown NMIs and #MC; wait-for-SIPI nothing) */
static enum entry_check check_guest_activity(const struct cpu *c, u32 intr, u32 ii)
{
	static const enum vmx_feat offered[] = {
		VMXF_ALWAYS, VMXF_MISC_ACTIVITY_HLT, VMXF_MISC_ACTIVITY_SHUTDOWN, VMXF_MISC_ACTIVITY_WAIT_SIPI,
	};
	u64 act = vmcs_get(c, VMCS_GUEST_ACTIVITY_STATE);
	unsigned type = INTR_INFO_TYPE(ii), vec = INTR_INFO_VECTOR(ii);

	if (act > GUEST_ACTIVITY_MAX || !vmx_caps_has(caps(c), offered[act]))
		return EC_GUEST_ACTIVITY;
	if (act == ACT_HLT && AR_DPL(vmcs_get(c, VMCS_GUEST_SS_AR_BYTES)) != 0)
		return EC_GUEST_ACTIVITY_HLT_DPL;
	if (act != ACT_ACTIVE && (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		return EC_GUEST_ACTIVITY_BLOCKING;
	if (ii & INTR_INFO_VALID) {
		bool mc = type == EV_HW_EXC && vec == 18;
		bool ok = act == ACT_ACTIVE ||
			  (act == ACT_HLT && (type == EV_EXT_INTR || type == EV_NMI || mc ||
					      (type == EV_HW_EXC && vec == 1) ||
					      (type == INTR_TYPE_OTHER && vec == 0))) ||
			  (act == ACT_SHUTDOWN && (type == EV_NMI || mc));
		if (!ok)
			return EC_GUEST_ACTIVITY_EVENT;
	}
	if (act == ACT_WAIT_SIPI && (vmx_entry_ctls(c) & ENTRY_TO_SMM))
		return EC_GUEST_ACTIVITY_SIPI_SMM;
	return EC_NONE;
}

/* "Checks on Guest Non-Register State": interruptibility state */
static enum entry_check check_guest_interruptibility(const struct cpu *c, u64 rflags, u32 intr, u32 ii)
{
	bool nmi = (ii & INTR_INFO_VALID) && INTR_INFO_TYPE(ii) == EV_NMI;

	if (intr & ~0x1fu)
		return EC_GUEST_INTR_RESERVED;
	if ((intr & GUEST_INTR_STATE_STI) && (intr & GUEST_INTR_STATE_MOV_SS))
		return EC_GUEST_INTR_STI_MOVSS;
	if ((intr & GUEST_INTR_STATE_STI) && !(rflags & RFLAGS_IF))
		return EC_GUEST_INTR_STI_IF;
	if ((ii & INTR_INFO_VALID) && INTR_INFO_TYPE(ii) == EV_EXT_INTR &&
	    (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		return EC_GUEST_INTR_EXTINT;
	if (nmi && (intr & GUEST_INTR_STATE_MOV_SS))
		return EC_GUEST_INTR_NMI_MOVSS;
	if ((intr & GUEST_INTR_STATE_SMI) && !c->smm.in_smm)
		return EC_GUEST_INTR_SMI;
	if ((vmx_entry_ctls(c) & ENTRY_TO_SMM) && !(intr & GUEST_INTR_STATE_SMI))
		return EC_GUEST_INTR_SMI_ENTRY_SMM;
	/* "A processor may require bit 0 (blocking by STI) to be 0" when an
	 * NMI is injected: nestbox does, failing with qualification 3 */
	if (nmi && (intr & GUEST_INTR_STATE_STI))
		return EC_GUEST_INTR_NMI_STI;
	if (nmi && (vmx_pin(c) & PIN_VIRTUAL_NMIS) && (intr & GUEST_INTR_STATE_NMI))
		return EC_GUEST_INTR_VNMI;
	if ((intr & GUEST_INTR_STATE_ENCLAVE) &&
	    ((intr & GUEST_INTR_STATE_MOV_SS) || !cpu_has(c->model, FEAT_sgx)))
		return EC_GUEST_INTR_ENCLAVE;
	return EC_NONE;
}

/* the pending-debug-exceptions field: B3-B0 in bits 3:0, "enabled
 * breakpoint" bit 12, BS bit 14, RTM bit 16 (SDM "Guest Non-Register
 * State") */
#define PENDING_DBG_BP BIT(12)

static enum entry_check check_guest_non_register(const struct cpu *c, u64 rflags)
{
	u32 intr = (u32)vmcs_get(c, VMCS_GUEST_INTERRUPTIBILITY_INFO);
	u32 ii = (u32)vmcs_get(c, VMCS_ENTRY_INTR_INFO);
	u64 pend = vmcs_get(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	enum entry_check e = check_guest_activity(c, intr, ii);

	if (e == EC_NONE)
		e = check_guest_interruptibility(c, rflags, intr, ii);
	if (e != EC_NONE)
		return e;
	/* pending debug exceptions */
	if (pend & ~(u64)(0xf | PENDING_DBG_BP | DR6_BS | DR6_RTM))
		return EC_GUEST_PENDING_DBG;
	if ((intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) ||
	    vmcs_get(c, VMCS_GUEST_ACTIVITY_STATE) == ACT_HLT) {
		bool bs_due = (rflags & RFLAGS_TF) && !(vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF);
		if (((pend & DR6_BS) != 0) != bs_due)
			return EC_GUEST_PENDING_DBG_BS;
	}
	if ((pend & DR6_RTM) && (pend != (DR6_RTM | PENDING_DBG_BP) || !cpu_has(c->model, FEAT_rtm) ||
				 (intr & GUEST_INTR_STATE_MOV_SS)))
		return EC_GUEST_PENDING_DBG_RTM;
	return EC_NONE;
}

static enum entry_check check_guest(const struct cpu *c)
{
	u32 entry = vmx_entry_ctls(c);
	bool ia32e = (entry & ENTRY_IA32E_MODE_GUEST) != 0;
	u64 cr0 = vmcs_get(c, VMCS_GUEST_CR0), cr4 = vmcs_get(c, VMCS_GUEST_CR4);
	u64 rflags = vmcs_get(c, VMCS_GUEST_RFLAGS), rip = vmcs_get(c, VMCS_GUEST_RIP);
	u32 cs_ar = (u32)vmcs_get(c, VMCS_GUEST_CS_AR_BYTES);
	u32 ii = (u32)vmcs_get(c, VMCS_ENTRY_INTR_INFO);
	enum entry_check e;

	/* "unrestricted guest" frees CR0.PE and CR0.PG */
	if (!vmx_cr_fixed_ok(c, 0, cr0, vmx_proc2(c) & PROC2_UNRESTRICTED_GUEST))
		return EC_GUEST_CR0;
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return EC_GUEST_CR0_PG_PE;
	if (!vmx_cr_fixed_ok(c, 4, cr4, false))
		return EC_GUEST_CR4;
	if (ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))
		return EC_GUEST_IA32E_PG_PAE;
	if (!ia32e && (cr4 & CR4_PCIDE))
		return EC_GUEST_PCIDE;
	if (!phys_ok(c, vmcs_get(c, VMCS_GUEST_CR3)))
		return EC_GUEST_CR3;
	if ((entry & ENTRY_LOAD_DEBUG_CONTROLS) && (vmcs_get(c, VMCS_GUEST_DR7) >> 32))
		return EC_GUEST_DR7;
	if ((entry & ENTRY_LOAD_DEBUG_CONTROLS) && !msr_debugctl_valid(vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL)))
		return EC_GUEST_DEBUGCTL;
	if (!msr_canonical(c, vmcs_get(c, VMCS_GUEST_IA32_SYSENTER_ESP)) ||
	    !msr_canonical(c, vmcs_get(c, VMCS_GUEST_IA32_SYSENTER_EIP)))
		return EC_GUEST_SYSENTER;
	if ((entry & ENTRY_LOAD_PERF_GLOBAL_CTRL) &&
	    !pmu_global_ctrl_valid(c, vmcs_get(c, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL)))
		return EC_GUEST_PERF_GLOBAL_CTRL;
	if ((entry & ENTRY_LOAD_IA32_PAT) && !msr_pat_valid(vmcs_get(c, VMCS_GUEST_IA32_PAT)))
		return EC_GUEST_PAT;
	if (entry & ENTRY_LOAD_IA32_EFER) {
		u64 efer = vmcs_get(c, VMCS_GUEST_IA32_EFER);
		if ((efer & ~msr_efer_writable(c) & ~(u64)EFER_LMA) ||
		    ((efer & EFER_LMA) != 0) != ia32e ||
		    ((cr0 & CR0_PG) && ((efer & EFER_LMA) != 0) != ((efer & EFER_LME) != 0)))
			return EC_GUEST_EFER;
	}
	bool v86 = (rflags & RFLAGS_VM) != 0, ug = (vmx_proc2(c) & PROC2_UNRESTRICTED_GUEST) != 0;
	e = check_guest_seg_fields(c, v86, ug);
	if (e == EC_NONE)
		e = check_guest_seg_ar(c, ia32e, v86, ug, cr0);
	if (e != EC_NONE)
		return e;
	if (!msr_canonical(c, vmcs_get(c, VMCS_GUEST_GDTR_BASE)) ||
	    !msr_canonical(c, vmcs_get(c, VMCS_GUEST_IDTR_BASE)) ||
	    (vmcs_get(c, VMCS_GUEST_GDTR_LIMIT) >> 16) || (vmcs_get(c, VMCS_GUEST_IDTR_LIMIT) >> 16))
		return EC_GUEST_DTR;
	if ((!(ia32e && (cs_ar & AR_L)) && (rip >> 32)) ||
	    (ia32e && (cs_ar & AR_L) && !msr_canonical(c, rip)))
		return EC_GUEST_RIP;
	if ((rflags & (0xffffffffffc00000ull | BIT(15) | BIT(5) | BIT(3))) || !(rflags & BIT(1)))
		return EC_GUEST_RFLAGS;
	if (v86 && (ia32e || !(cr0 & CR0_PE)))
		return EC_GUEST_RFLAGS_VM;
	if ((ii & INTR_INFO_VALID) && INTR_INFO_TYPE(ii) == EV_EXT_INTR && !(rflags & RFLAGS_IF))
		return EC_GUEST_RFLAGS_IF;
	e = check_guest_non_register(c, rflags);
	if (e != EC_NONE)
		return e;
	u64 link = vmcs_get(c, VMCS_VMCS_LINK_POINTER);
	if (link != ~0ull) {
		u32 rev = (link & 0xfff) || !phys_ok(c, link) ? 0 : (u32)phys_read(&c->machine->mem, link, 4);
		if ((link & 0xfff) || !phys_ok(c, link) || (rev & 0x7fffffff) != caps(c)->revision_id)
			return EC_GUEST_LINK_POINTER;
		if ((rev >> 31) != !!(vmx_proc2(c) & PROC2_VMCS_SHADOWING))
			return EC_GUEST_LINK_SHADOW;
		/* only a VM entry to SMM, in SMM, may name the current VMCS
		 * ("entry to SMM" is not offered: tests/unit allow it) */
		if (link == c->vmx.vmcs_ptr && !(c->smm.in_smm && (vmx_entry_ctls(c) & ENTRY_TO_SMM)))
			return EC_GUEST_LINK_CURRENT;
	}
	return EC_NONE;
}

/* the four PDPTEs a VM entry to a PAE guest takes: the VMCS fields with
 * EPT, else the table guest CR3 references (SDM "Checks on Guest
 * Page-Directory-Pointer-Table Entries", "Loading Guest State") */
static void guest_pdptes(const struct cpu *c, u64 out[4])
{
	u64 table = vmcs_get(c, VMCS_GUEST_CR3) & 0xffffffe0ull;
	for (unsigned k = 0; k < 4; k++)
		out[k] = (vmx_proc2(c) & PROC2_ENABLE_EPT)
				 ? vmcs_get(c, vmx_guest_pdpte[k])
				 : phys_read(&c->machine->mem, table + 8 * k, 8);
}

/* "Checks on Guest Page-Directory-Pointer-Table Entries": for a guest
 * that uses PAE paging, its four PDPTEs pass MOV to CR3's checks: a
 * present entry has none of bits 2:1, 8:5 or 63:MAXPHYADDR set. (nestbox
 * checks them on every such entry: the SDM lets an entry with an
 * unchanged CR3 skip it, never requires the skip.) */
static enum entry_check check_pdptes(const struct cpu *c)
{
	u64 cr0 = vmcs_get(c, VMCS_GUEST_CR0), cr4 = vmcs_get(c, VMCS_GUEST_CR4);
	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (vmx_entry_ctls(c) & ENTRY_IA32E_MODE_GUEST))
		return EC_NONE;
	u64 e[4];
	guest_pdptes(c, e);
	for (unsigned k = 0; k < 4; k++)
		if (pae_pdpte_invalid(e[k], cpu_maxphyaddr(c)))
			return EC_GUEST_PDPTES;
	return EC_NONE;
}

/* --- 3. "Loading Guest State" --- */
static void load_guest(struct cpu *c)
{
	u32 entry = vmx_entry_ctls(c);
	bool ia32e = (entry & ENTRY_IA32E_MODE_GUEST) != 0;

	c->cr0 = vmcs_get(c, VMCS_GUEST_CR0);
	c->cr3 = vmcs_get(c, VMCS_GUEST_CR3);
	c->cr4 = vmcs_get(c, VMCS_GUEST_CR4);
	if (entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		c->dr[7] = vmcs_get(c, VMCS_GUEST_DR7);
		c->msr.debugctl = vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL);
	}
	c->msr.sysenter_cs = (u32)vmcs_get(c, VMCS_GUEST_IA32_SYSENTER_CS);
	c->msr.sysenter_esp = vmcs_get(c, VMCS_GUEST_IA32_SYSENTER_ESP);
	c->msr.sysenter_eip = vmcs_get(c, VMCS_GUEST_IA32_SYSENTER_EIP);
	if (entry & ENTRY_LOAD_PERF_GLOBAL_CTRL) /* checked above */
		pmu_wr_global_ctrl(c, MSR_PERF_GLOBAL_CTRL, vmcs_get(c, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL));
	if (entry & ENTRY_LOAD_IA32_PAT)
		c->msr.pat = vmcs_get(c, VMCS_GUEST_IA32_PAT);
	/* "Loading Guest Control Registers, Debug Registers, and MSRs": without
	 * "load IA32_EFER", LMA takes the IA-32e mode guest control, and LME
	 * too when CR0.PG is 1 */
	if (entry & ENTRY_LOAD_IA32_EFER) {
		c->efer = vmcs_get(c, VMCS_GUEST_IA32_EFER);
	} else {
		c->efer = (c->efer & ~(u64)EFER_LMA) | (ia32e ? EFER_LMA : 0);
		if (c->cr0 & CR0_PG)
			c->efer = (c->efer & ~(u64)EFER_LME) | (ia32e ? EFER_LME : 0);
	}
	/* "Loading Guest Control Registers, Debug Registers, and MSRs": a
	 * guest that uses PAE paging gets its PDPTE registers loaded, from the
	 * fields with EPT, else from memory (check_pdptes checked them) */
	if (cpu_pae_paging(c))
		guest_pdptes(c, c->pdpte);
	for (int s = 0; s < 8; s++) {
		struct seg_cache *sc = &c->seg[s];
		sc->sel = (u16)vmcs_get(c, vmx_guest_seg_sel[s]);
		sc->base = vmcs_get(c, vmx_guest_seg_base[s]);
		sc->limit = (u32)vmcs_get(c, vmx_guest_seg_limit[s]);
		sc->ar = (u32)vmcs_get(c, vmx_guest_seg_ar[s]) & 0x1f0ff;
	}
	c->gdtr.base = vmcs_get(c, VMCS_GUEST_GDTR_BASE);
	c->gdtr.limit = (u32)vmcs_get(c, VMCS_GUEST_GDTR_LIMIT);
	c->idtr.base = vmcs_get(c, VMCS_GUEST_IDTR_BASE);
	c->idtr.limit = (u32)vmcs_get(c, VMCS_GUEST_IDTR_LIMIT);
	c->gpr[RSP] = vmcs_get(c, VMCS_GUEST_RSP);
	cpu_set_rflags(c, vmcs_get(c, VMCS_GUEST_RFLAGS));
	c->rip = c->next_rip = vmcs_get(c, VMCS_GUEST_RIP);
	/* "Loading Guest Non-Register State" */
	u32 intr = (u32)vmcs_get(c, VMCS_GUEST_INTERRUPTIBILITY_INFO);
	c->shadow = ((intr & GUEST_INTR_STATE_STI) ? SHADOW_STI : 0) |
		    ((intr & GUEST_INTR_STATE_MOV_SS) ? SHADOW_MOVSS : 0);
	c->nmi_blocked = (intr & GUEST_INTR_STATE_NMI) != 0;
	c->activity = (u8)vmcs_get(c, VMCS_GUEST_ACTIVITY_STATE);
	u64 pend = vmcs_get(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	c->pending_db = (pend & 0x400f) != 0;
	c->pending_dr6 = pend & 0x400f;
	/* SDM "VMX Transitions" in "Invalidating Cached Translation
	 * Information": without "enable VPID" the guest shares VPID 0 with
	 * the host, whose mappings the entry must not let it use; with it,
	 * the TLB keeps the two apart (tlb_ctx) and nothing is flushed */
	c->vmx.nonroot = 1;
	c->tlb_ctx = vmx_tlb_ctx(c);
	c->vmx.nonroot = 0;
	if (!c->tlb_ctx)
		tlb_flush_all(c);
	cpu_update_mode(c);
}

/* SDM "Loading MSRs" (VM entry) and "Loading Host MSRs" (VM exit): the
 * same rules for an entry of 16 bytes (index in bits 31:0, value in
 * 127:64), at most 512 of them (IA32_VMX_MISC 27:25 = 0). Returns 0, or the
 * (1-based) number of the failing entry. */
u32 vmx_load_msr_list(struct cpu *c, u64 addr, u64 count)
{
	struct physmem *pm = &c->machine->mem;

	for (u64 k = 0; k < count; k++) {
		if (k == 512)
			return 513;
		u64 lo = phys_read(pm, addr + 16 * k, 8), val = phys_read(pm, addr + 16 * k + 8, 8);
		u32 idx = (u32)lo;
		if (idx == 0xc0000100u || idx == 0xc0000101u || (idx >> 8) == 8 || idx == 0x9e ||
		    (lo >> 32) || msr_write(c, idx, val) < 0)
			return (u32)k + 1;
	}
	return 0;
}

/* a VM entry that fails after its checks of step 1 passed: the exit
 * reason with bit 31 set, and the host state (SDM "VM-Entry Failures
 * During or After Loading Guest State") */
static void entry_failure(struct cpu *c, u32 reason, u64 qual)
{
	vmcs_set(c, VMCS_EXIT_REASON, reason | EXIT_REASON_FAILED_VMENTRY);
	vmcs_set(c, VMCS_EXIT_QUALIFICATION, qual);
	vmx_log_exit(c, reason | EXIT_REASON_FAILED_VMENTRY, qual);
	vmx_load_host(c);
}

void vmx_vmentry(struct cpu *c, bool launch)
{
	enum entry_check e = check_controls(c);
	if (e == EC_NONE)
		e = check_host(c);
	if (e != EC_NONE) {
		vmx_log_failed_check(c, e);
		vmx_fail(c, checks[e].kind == CTRL ? VMXERR_ENTRY_INVALID_CONTROL_FIELD
						   : VMXERR_ENTRY_INVALID_HOST_STATE);
		return;
	}
	e = check_guest(c);
	if (e == EC_NONE)
		e = check_pdptes(c);
	if (e != EC_NONE) {
		vmx_log_failed_check(c, e);
		entry_failure(c, EXIT_REASON_INVALID_GUEST_STATE,
			      checks[e].kind == LINK ? 4 : checks[e].kind == PDPTE ? 2 :
			      checks[e].kind == NMIQ ? 3 : 0);
		return;
	}
	vmx_log_entry(c, launch);
	load_guest(c);
	u32 bad = vmx_load_msr_list(c, vmcs_get(c, VMCS_ENTRY_MSR_LOAD_ADDR),
				    vmcs_get(c, VMCS_ENTRY_MSR_LOAD_COUNT));
	if (bad) {
		vmx_log_failed_check(c, EC_MSR_LOAD_ENTRY);
		entry_failure(c, EXIT_REASON_MSR_LOADING, bad);
		return;
	}
	c->vmx.nonroot = 1;
	c->vmx.ple_seen = 0; /* the next PAUSE at CPL 0 starts a loop */
	vmx_ept_enter(c);
	if (launch)
		c->vmx.launched = 1;
	/* "Event Injection": delivered through the guest's IDT as the first
	 * thing the guest does; the field's valid bit is cleared on entry */
	u32 ii = (u32)vmcs_get(c, VMCS_ENTRY_INTR_INFO);
	vmx_events_entry(c, ii); /* MTF, preemption timer, virtual NMIs */
	if (ii & INTR_INFO_VALID)
		vmcs_set(c, VMCS_ENTRY_INTR_INFO, ii & ~INTR_INFO_VALID);
	if ((ii & INTR_INFO_VALID) && INTR_INFO_TYPE(ii) != INTR_TYPE_OTHER) {
		unsigned type = INTR_INFO_TYPE(ii);
		if (type == EV_SW_INT || type == EV_SW_EXC || type == EV_PRIV_SW_EXC)
			c->next_rip = c->rip + vmcs_get(c, VMCS_ENTRY_INSTRUCTION_LEN);
		c->activity = ACT_ACTIVE;
		/* SDM "Vectored-Event Injection": the injected event is
		 * delivered as if it had occurred normally, without a VM exit:
		 * the exception bitmap is not consulted for it (only for an
		 * exception its delivery causes) */
		c->vmx.injecting = 1;
		cpu_deliver(c, (u8)INTR_INFO_VECTOR(ii), (enum event_type)type,
			    (ii & INTR_INFO_HAS_ERROR) != 0,
			    (u32)vmcs_get(c, VMCS_ENTRY_EXCEPTION_ERROR_CODE));
		c->in_event = 0;
	}
	vmx_apicv_after_entry(c);
	/* SDM "Restrictions on VMX Operation": "INIT signals are blocked
	 * whenever a logical processor is in VMX root operation. They are not
	 * blocked in VMX non-root operation. Instead, INITs cause VM exits":
	 * one latched in root operation (cpu/event.c) is no longer blocked and
	 * makes its VM exit ("INIT Signals" in "Other Causes of VM Exits") at
	 * the boundary before the guest's first instruction */
	if (c->vmx.init_blocked) {
		c->vmx.init_blocked = 0;
		c->init_pending = 1;
	}
	cpu_kick(c); /* boundary checks again before the guest's first instruction */
}
