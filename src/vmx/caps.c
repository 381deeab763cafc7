/* vmx/caps.c: VMX capabilities as data and the capability MSRs computed
 * from them. Every rule cites its SDM Vol.3D Appendix A "VMX Capability
 * Reporting Facility" section by title. Pure functions of struct vmx_caps. */
#include "vmx/caps.h"

#include "base/compiler.h"

#include <string.h>

#include "cpu/arch.h"
#include "vmx/vmcs.h"

struct feat_desc {
	u8 word;	/* enum vmx_ctl_word for controls, enum vmx_cap_word otherwise */
	u8 bit;
	u8 is_ctl;
	const char *ident, *sdm, *qemu;
};

static const struct feat_desc feats[VMXF_NR] = {
	[VMXF_ALWAYS] = { 0, 0, 0, "ALWAYS", "always present", NULL },
	[VMXF_NONE] = { 0, 0, 0, "NONE", "never present", NULL },
#define C(id, w, b, sdm, qemu) [VMXF_##id] = { VMX_W_##w, b, 1, #id, sdm, qemu },
#include "vmx/vmx_controls.def"
#define K(id, w, b, sdm, qemu) [VMXF_##id] = { VMX_K_##w, b, 0, #id, sdm, qemu },
#include "vmx/vmx_caps.def"
#undef K
};

/* A control word's bit must fit its width; a capability bit its MSR. */
#define C(id, w, b, sdm, qemu) _Static_assert((b) < 32, #id ": control masks are 32-bit enums");
#include "vmx/vmx_controls.def"
#define K(id, w, b, sdm, qemu) _Static_assert((b) < 64, #id ": bit beyond the MSR");
#include "vmx/vmx_caps.def"
#undef K

struct word_desc {
	const char *name;
	u8 bits;
	u16 field;	/* enum vmcs_field */
	u32 msr, true_msr;
};

static const struct word_desc words[VMX_W_NR] = {
#define W(w, name, width, msr, tmsr, field) [VMX_W_##w] = { name, width, VMCS_##field, msr, tmsr },
#include "vmx/vmx_controls.def"
};

static const u64 default1[VMX_W_NR] = {
#define D(w, mask) [VMX_W_##w] = (mask),
#include "vmx/vmx_controls.def"
};

/* --- table lookups --- */

const char *vmx_feat_ident(enum vmx_feat f) { return feats[f].ident; }
const char *vmx_feat_sdm_name(enum vmx_feat f) { return feats[f].sdm; }
const char *vmx_feat_qemu_name(enum vmx_feat f) { return feats[f].qemu; }
bool vmx_feat_is_control(enum vmx_feat f) { return feats[f].is_ctl; }
unsigned vmx_feat_word(enum vmx_feat f) { return feats[f].word; }

u64 vmx_feat_mask(enum vmx_feat f)
{
	return f >= VMXF_NR || f <= VMXF_NONE ? 0 : BIT(feats[f].bit);
}

int vmx_feat_by_qemu_name(const char *name)
{
	for (unsigned f = 0; f < VMXF_NR; f++)
		if (feats[f].qemu && !strcmp(feats[f].qemu, name))
			return (int)f;
	return -1;
}

const char *vmx_ctl_word_name(enum vmx_ctl_word w) { return words[w].name; }
unsigned vmx_ctl_word_bits(enum vmx_ctl_word w) { return words[w].bits; }
enum vmcs_field vmx_ctl_word_field(enum vmx_ctl_word w) { return (enum vmcs_field)words[w].field; }
u64 vmx_ctl_default1(enum vmx_ctl_word w) { return default1[w]; }

/* the bits of each word that have a row: a pure function of the tables,
 * computed once (VM entry asks for them on every entry) */
static u64 ctl_defined_memo[VMX_W_NR], cap_defined_memo[VMX_K_NR];
static bool defined_memo_ready;

static void defined_memo_fill(void)
{
	for (unsigned f = VMXF_NONE + 1; f < VMXF_NR; f++) {
		if (feats[f].is_ctl)
			ctl_defined_memo[feats[f].word] |= BIT(feats[f].bit);
		else
			cap_defined_memo[feats[f].word] |= BIT(feats[f].bit);
	}
	defined_memo_ready = true;
}

u64 vmx_ctl_defined(enum vmx_ctl_word w)
{
	if (unlikely(!defined_memo_ready))
		defined_memo_fill();
	return ctl_defined_memo[w];
}

static u64 cap_defined(enum vmx_cap_word k)
{
	if (unlikely(!defined_memo_ready))
		defined_memo_fill();
	return cap_defined_memo[k];
}


/* --- editing --- */

void vmx_caps_set(struct vmx_caps *c, enum vmx_feat f, bool on)
{
	u64 *w;

	if (f <= VMXF_NONE || f >= VMXF_NR)
		return;
	w = feats[f].is_ctl ? &c->ctl[feats[f].word] : &c->cap[feats[f].word];
	if (on)
		*w |= BIT(feats[f].bit);
	else
		*w &= ~BIT(feats[f].bit);
}

int vmx_caps_edit(struct vmx_caps *c, const char *name, bool on)
{
	int found = -1;

	for (unsigned f = 0; f < VMXF_NR; f++)
		if (feats[f].qemu && !strcmp(feats[f].qemu, name)) {
			vmx_caps_set(c, (enum vmx_feat)f, on);
			found = 0;
		}
	return found;
}

/* --- allowed settings --- */

/* Is word w in effect at all? The secondary, tertiary and secondary-exit
 * words are reached through an activation control:
 * "Secondary Processor-Based VM-Execution Controls": IA32_VMX_PROCBASED_
 * CTLS2 "exists only on processors that support the 1-setting of the
 * 'activate secondary controls' VM-execution control";
 * "Tertiary Processor-Based VM-Execution Controls": IA32_VMX_PROCBASED_CTLS3
 * exists only with the 1-setting of "activate tertiary controls";
 * "Secondary VM-Exit Controls": IA32_VMX_EXIT_CTLS2 exists only with the
 * 1-setting of "activate secondary controls" (VM-exit). */
static bool word_active(const struct vmx_caps *c, enum vmx_ctl_word w)
{
	switch (w) {
	case VMX_W_PROC2: return c->ctl[VMX_W_PROC] & PROC_ACTIVATE_SECONDARY;
	case VMX_W_PROC3: return c->ctl[VMX_W_PROC] & PROC_ACTIVATE_TERTIARY;
	case VMX_W_EXIT2: return c->ctl[VMX_W_EXIT] & EXIT_ACTIVATE_SECONDARY;
	default: return true;
	}
}

/* "Reserved Controls and Default Settings": a default1 control is always
 * allowed to be 1; any other control may be 1 only if the model offers it. */
u64 vmx_caps_allowed1(const struct vmx_caps *c, enum vmx_ctl_word w)
{
	u64 offered = word_active(c, w) ? c->ctl[w] & vmx_ctl_defined(w) : 0;

	return (offered & ~default1[w]) | default1[w];
}

/* "Reserved Controls and Default Settings": the non-TRUE MSRs report every
 * default1 bit as allowed-0 = 1 ("must be 1"); the TRUE MSRs report 0 for
 * the default1 controls the processor lets software clear. Only bits that
 * are real controls (a C row) can be cleared; the rest of the class stays
 * reserved-1 in both forms. */
u64 vmx_caps_allowed0(const struct vmx_caps *c, enum vmx_ctl_word w, bool true_form)
{
	u64 clearable = c->ctl[w] & vmx_ctl_defined(w) & default1[w];

	return true_form ? default1[w] & ~clearable : default1[w];
}

bool vmx_caps_has(const struct vmx_caps *c, enum vmx_feat f)
{
	if (f == VMXF_ALWAYS)
		return true;
	if (f == VMXF_NONE || f >= VMXF_NR)
		return false;
	if (feats[f].is_ctl)
		return vmx_caps_allowed1(c, (enum vmx_ctl_word)feats[f].word) & BIT(feats[f].bit);
	switch ((enum vmx_cap_word)feats[f].word) {
	case VMX_K_BASIC: return vmx_msr_basic(c) & BIT(feats[f].bit);
	case VMX_K_MISC: return vmx_msr_misc(c) & BIT(feats[f].bit);
	case VMX_K_EPT_VPID: return vmx_msr_ept_vpid_cap(c) & BIT(feats[f].bit);
	case VMX_K_VMFUNC: return vmx_msr_vmfunc(c) & BIT(feats[f].bit);
	case VMX_K_NR: break;
	}
	return false;
}

/* --- the MSRs --- */

/* "Basic VMX Information": bits 30:0 revision identifier, bit 31 always 0;
 * bits 44:32 VMCS region size; bit 48 "is always 0 for processors that
 * support Intel 64 architecture" (1: addresses limited to 32 bits), which
 * for a model is the same as lacking "host address-space size"; bits 53:50
 * the memory type of VMCS accesses (6, write-back); bits 49, 54, 55, 56, 58
 * from vmx_caps.def. */
u64 vmx_msr_basic(const struct vmx_caps *c)
{
	u64 v = c->revision_id & 0x7fffffffu;

	v |= (u64)VMX_VMCS_REGION_SIZE << 32;
	if (!(vmx_caps_allowed1(c, VMX_W_EXIT) & EXIT_HOST_ADDR_SPACE_SIZE))
		v |= BIT(48);
	v |= (u64)VMX_MEMTYPE_WB << 50;
	return v | (c->cap[VMX_K_BASIC] & cap_defined(VMX_K_BASIC));
}

/* "Pin-Based VM-Execution Controls", "Primary Processor-Based VM-Execution
 * Controls", "VM-Exit Controls", "VM-Entry Controls", "Secondary
 * Processor-Based VM-Execution Controls": bits 31:0 allowed 0-settings (bit
 * X is 1: the control must be 1), bits 63:32 allowed 1-settings (bit 32+X
 * is 0: the control must be 0). "Tertiary Processor-Based VM-Execution
 * Controls" and "Secondary VM-Exit Controls": a 64-bit MSR of allowed
 * 1-settings only (every such control may be 0). A word without a TRUE form
 * gives the same value for true_form. */
u64 vmx_msr_ctls(const struct vmx_caps *c, enum vmx_ctl_word w, bool true_form)
{
	if (words[w].bits == 64)
		return vmx_caps_allowed1(c, w);
	return vmx_caps_allowed0(c, w, true_form && words[w].true_msr) |
	       vmx_caps_allowed1(c, w) << 32;
}

/* "Miscellaneous Data": bits 4:0 the preemption-timer rate, bits 24:16
 * the number of CR3-target values, bits 27:25 N (lists of up to 512*(N+1)
 * MSRs), bits 63:32 the MSEG revision identifier; single bits from
 * vmx_caps.def. */
u64 vmx_msr_misc(const struct vmx_caps *c)
{
	u64 v = c->preemption_timer_rate & 0x1fu;

	v |= c->cap[VMX_K_MISC] & cap_defined(VMX_K_MISC);
	v |= (u64)(c->cr3_target_count & 0x1ffu) << 16;
	v |= (u64)(c->msr_list_n & 7u) << 25;
	return v | (u64)c->mseg_revision << 32;
}

/* "VMX-Fixed Bits in CR0": CR0.PE, CR0.NE and CR0.PG must be 1 in VMX
 * operation (FIXED0); no CR0 bit is fixed to 0 (FIXED1 all ones in bits
 * 31:0, as on the processors that implement VMX). "Unrestricted guest"
 * relaxes PE and PG only for the guest at VM entry; FIXED0 still reports
 * them. */
u64 vmx_msr_cr0_fixed0(const struct vmx_caps *c) { return CR0_PE | CR0_NE | CR0_PG; }
u64 vmx_msr_cr0_fixed1(const struct vmx_caps *c) { return 0xffffffffull; }

/* "VMX-Fixed Bits in CR4": CR4.VMXE must be 1 (FIXED0); a bit the model
 * does not implement is fixed to 0 (clear in FIXED1). */
u64 vmx_msr_cr4_fixed0(const struct vmx_caps *c) { return CR4_VMXE; }
u64 vmx_msr_cr4_fixed1(const struct vmx_caps *c) { return c->cr4_fixed1 | CR4_VMXE; }

/* "VMCS Enumeration": bits 9:1 the highest index value used for any VMCS
 * encoding; all other bits 0. */
u64 vmx_msr_vmcs_enum(const struct vmx_caps *c) { return (u64)vmcs_highest_index(c) << 1; }

/* "VPID and EPT Capabilities": the EPT bits (31:0) apply only with the
 * 1-setting of "enable EPT", the INVVPID bits (63:32) only with "enable
 * VPID"; bits 53:48 report the maximum HLAT prefix size, with "enable
 * HLAT". */
u64 vmx_msr_ept_vpid_cap(const struct vmx_caps *c)
{
	u64 have = c->cap[VMX_K_EPT_VPID] & cap_defined(VMX_K_EPT_VPID);
	u64 p2 = vmx_caps_allowed1(c, VMX_W_PROC2);
	u64 v = 0;

	if (p2 & PROC2_ENABLE_EPT)
		v |= have & 0xffffffffull;
	if (p2 & PROC2_ENABLE_VPID)
		v |= have & ~0xffffffffull;
	if (vmx_caps_allowed1(c, VMX_W_PROC3) & PROC3_ENABLE_HLAT)
		v |= (u64)(c->hlat_prefix_max & 0x3fu) << 48;
	return v;
}

/* "VM Functions": bit X is 1 if VM function X may be enabled; the MSR
 * exists only with the 1-setting of "enable VM functions". */
u64 vmx_msr_vmfunc(const struct vmx_caps *c)
{
	if (!(vmx_caps_allowed1(c, VMX_W_PROC2) & PROC2_ENABLE_VMFUNC))
		return 0;
	return c->cap[VMX_K_VMFUNC] & cap_defined(VMX_K_VMFUNC);
}

/* Which capability MSRs exist: BASIC through VMCS_ENUM on every VMX
 * processor; the TRUE MSRs "if bit 55 of IA32_VMX_BASIC is 1" ("Basic VMX
 * Information"); PROCBASED_CTLS2 with "activate secondary controls";
 * EPT_VPID_CAP with "activate secondary controls" and either "enable EPT"
 * or "enable VPID" ("VPID and EPT Capabilities"); VMFUNC with "enable VM
 * functions"; PROCBASED_CTLS3 with "activate tertiary controls";
 * EXIT_CTLS2 with the VM-exit "activate secondary controls". */
bool vmx_caps_msr_read(const struct vmx_caps *c, u32 index, u64 *val)
{
	u64 p2 = vmx_caps_allowed1(c, VMX_W_PROC2);

	switch ((enum vmx_cap_msr)index) {
	case IA32_VMX_BASIC: *val = vmx_msr_basic(c); return true;
	case IA32_VMX_PINBASED_CTLS: *val = vmx_msr_ctls(c, VMX_W_PIN, false); return true;
	case IA32_VMX_PROCBASED_CTLS: *val = vmx_msr_ctls(c, VMX_W_PROC, false); return true;
	case IA32_VMX_EXIT_CTLS: *val = vmx_msr_ctls(c, VMX_W_EXIT, false); return true;
	case IA32_VMX_ENTRY_CTLS: *val = vmx_msr_ctls(c, VMX_W_ENTRY, false); return true;
	case IA32_VMX_MISC: *val = vmx_msr_misc(c); return true;
	case IA32_VMX_CR0_FIXED0: *val = vmx_msr_cr0_fixed0(c); return true;
	case IA32_VMX_CR0_FIXED1: *val = vmx_msr_cr0_fixed1(c); return true;
	case IA32_VMX_CR4_FIXED0: *val = vmx_msr_cr4_fixed0(c); return true;
	case IA32_VMX_CR4_FIXED1: *val = vmx_msr_cr4_fixed1(c); return true;
	case IA32_VMX_VMCS_ENUM: *val = vmx_msr_vmcs_enum(c); return true;
	case IA32_VMX_PROCBASED_CTLS2:
		if (!(vmx_caps_allowed1(c, VMX_W_PROC) & PROC_ACTIVATE_SECONDARY))
			return false;
		*val = vmx_msr_ctls(c, VMX_W_PROC2, false);
		return true;
	case IA32_VMX_EPT_VPID_CAP:
		if (!(p2 & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID)))
			return false;
		*val = vmx_msr_ept_vpid_cap(c);
		return true;
	case IA32_VMX_TRUE_PINBASED_CTLS:
	case IA32_VMX_TRUE_PROCBASED_CTLS:
	case IA32_VMX_TRUE_EXIT_CTLS:
	case IA32_VMX_TRUE_ENTRY_CTLS:
		if (!(vmx_msr_basic(c) & BIT(55)))
			return false;
		for (unsigned w = 0; w < VMX_W_NR; w++)
			if (words[w].true_msr == index)
				*val = vmx_msr_ctls(c, (enum vmx_ctl_word)w, true);
		return true;
	case IA32_VMX_VMFUNC:
		if (!(p2 & PROC2_ENABLE_VMFUNC))
			return false;
		*val = vmx_msr_vmfunc(c);
		return true;
	case IA32_VMX_PROCBASED_CTLS3:
		if (!(vmx_caps_allowed1(c, VMX_W_PROC) & PROC_ACTIVATE_TERTIARY))
			return false;
		*val = vmx_msr_ctls(c, VMX_W_PROC3, false);
		return true;
	case IA32_VMX_EXIT_CTLS2:
		if (!(vmx_caps_allowed1(c, VMX_W_EXIT) & EXIT_ACTIVATE_SECONDARY))
			return false;
		*val = vmx_msr_ctls(c, VMX_W_EXIT2, false);
		return true;
	}
	return false;
}

/* --- nestbox's model --- */

/* What nestbox's VMX implements: THE list. A model with CPUID.1:ECX.VMX
 * offers exactly these rows (less those that need Intel 64 on a model
 * without it, below); "-cpu ...,+vmx-NAME" may not add any other row, and
 * a control outside it is a reserved bit to VM entry. Widen it as each
 * feature lands (with its tests), never ahead of the code.
 * The four default1 controls here are offered as "may be 0" (struct
 * vmx_caps): CR3-load/store exiting, save/load debug controls.
 * MISC_SMBASE_RDMSR: RDMSR of IA32_SMBASE in SMM exists on every model
 * with VMX (cpu/system/msr.def), and bit 15 of IA32_VMX_MISC is what says
 * so ("Miscellaneous Data"). */
static const u8 vmx_implemented[] = {
	/* "Pin-Based VM-Execution Controls" */
	VMXF_PIN_EXT_INTR_EXITING, VMXF_PIN_NMI_EXITING, VMXF_PIN_VIRTUAL_NMIS,
	VMXF_PIN_PREEMPTION_TIMER, VMXF_PIN_POSTED_INTERRUPTS,

	/* "Primary Processor-Based VM-Execution Controls" */
	VMXF_PROC_INTR_WINDOW_EXITING, VMXF_PROC_USE_TSC_OFFSETTING,
	VMXF_PROC_HLT_EXITING, VMXF_PROC_INVLPG_EXITING, VMXF_PROC_MWAIT_EXITING,
	VMXF_PROC_RDPMC_EXITING, VMXF_PROC_RDTSC_EXITING, VMXF_PROC_CR3_LOAD_EXITING,
	VMXF_PROC_CR3_STORE_EXITING, VMXF_PROC_CR8_LOAD_EXITING, VMXF_PROC_CR8_STORE_EXITING,
	VMXF_PROC_MOV_DR_EXITING, VMXF_PROC_UNCOND_IO_EXITING, VMXF_PROC_USE_IO_BITMAPS,
	VMXF_PROC_USE_MSR_BITMAPS, VMXF_PROC_USE_TPR_SHADOW,
	VMXF_PROC_NMI_WINDOW_EXITING, VMXF_PROC_MONITOR_TRAP_FLAG,
	VMXF_PROC_MONITOR_EXITING, VMXF_PROC_PAUSE_EXITING, VMXF_PROC_ACTIVATE_SECONDARY,

	/* "Secondary Processor-Based VM-Execution Controls" */
	VMXF_PROC2_VIRT_APIC_ACCESSES, VMXF_PROC2_ENABLE_EPT, VMXF_PROC2_ENABLE_VPID,
	VMXF_PROC2_ENABLE_RDTSCP, VMXF_PROC2_VIRT_X2APIC_MODE, VMXF_PROC2_APIC_REGISTER_VIRT,
	VMXF_PROC2_VIRT_INTR_DELIVERY,
	VMXF_PROC2_UNRESTRICTED_GUEST, VMXF_PROC2_ENABLE_PML, VMXF_PROC2_ENABLE_VMFUNC,
	VMXF_PROC2_USE_TSC_SCALING, VMXF_PROC2_PAUSE_LOOP_EXITING, VMXF_PROC2_WBINVD_EXITING,
	VMXF_PROC2_ENABLE_INVPCID, VMXF_PROC2_RDRAND_EXITING, VMXF_PROC2_RDSEED_EXITING,
	VMXF_PROC2_DESC_TABLE_EXITING, VMXF_PROC2_VMCS_SHADOWING,

	/* "Primary VM-Exit Controls" */
	VMXF_EXIT_SAVE_DEBUG_CONTROLS, VMXF_EXIT_HOST_ADDR_SPACE_SIZE, VMXF_EXIT_ACK_INTR_ON_EXIT,
	VMXF_EXIT_SAVE_IA32_PAT, VMXF_EXIT_LOAD_IA32_PAT, VMXF_EXIT_SAVE_IA32_EFER,
	VMXF_EXIT_LOAD_IA32_EFER, VMXF_EXIT_SAVE_PREEMPTION_TIMER,
	VMXF_EXIT_LOAD_PERF_GLOBAL_CTRL, VMXF_EXIT_SAVE_PERF_GLOBAL_CTRL, /* with an Intel
									   * PMU v2 (cpu/model.c) */

	/* "VM-Entry Controls" */
	VMXF_ENTRY_LOAD_DEBUG_CONTROLS, VMXF_ENTRY_IA32E_MODE_GUEST, VMXF_ENTRY_LOAD_IA32_PAT,
	VMXF_ENTRY_LOAD_IA32_EFER, VMXF_ENTRY_LOAD_PERF_GLOBAL_CTRL,

	/* "VPID and EPT Capabilities": EPT with 4 levels, execute-only,
	 * 2-MByte and 1-GByte pages, accessed and dirty flags, UC and WB
	 * paging-structure memory types, INVEPT of both types; INVVPID of
	 * every type */
	VMXF_EPT_EXECUTE_ONLY, VMXF_EPT_PAGE_WALK_4, VMXF_EPT_PAGE_WALK_5, VMXF_EPT_MEMTYPE_UC,
	VMXF_EPT_MEMTYPE_WB,
	VMXF_EPT_2MB_PAGE, VMXF_EPT_1GB_PAGE, VMXF_EPT_INVEPT, VMXF_EPT_AD_FLAGS,
	VMXF_EPT_INVEPT_SINGLE, VMXF_EPT_INVEPT_ALL,
	VMXF_VPID_INVVPID, VMXF_VPID_INVVPID_ADDR, VMXF_VPID_INVVPID_SINGLE, VMXF_VPID_INVVPID_ALL,
	VMXF_VPID_INVVPID_SINGLE_NG,

	/* "VM Functions": EPTP switching */
	VMXF_VMFUNC_EPTP_SWITCHING,

	/* "Basic VMX Information" */
	VMXF_BASIC_INS_OUTS_INFO, VMXF_BASIC_TRUE_CTLS,

	/* "Miscellaneous Data" */
	VMXF_MISC_STORE_LMA, VMXF_MISC_ACTIVITY_HLT, VMXF_MISC_ACTIVITY_SHUTDOWN,
	VMXF_MISC_ACTIVITY_WAIT_SIPI, VMXF_MISC_SMBASE_RDMSR, VMXF_MISC_VMWRITE_ANY_FIELD,
	VMXF_MISC_ZERO_LEN_INJECT,
};

/* Controls the SDM requires to be 0 without Intel 64: "Host address-space
 * size" and "IA-32e mode guest" ("VM-Exit Controls", "VM-Entry Controls"),
 * CR8-load/store exiting and "use TPR shadow" ("Primary Processor-Based
 * VM-Execution Controls": "This control must be 0 on processors that do not
 * support Intel 64 architecture"). */
static const u8 needs_long_mode[] = {
	VMXF_EXIT_HOST_ADDR_SPACE_SIZE, VMXF_ENTRY_IA32E_MODE_GUEST,
	VMXF_PROC_CR8_LOAD_EXITING, VMXF_PROC_CR8_STORE_EXITING, VMXF_PROC_USE_TPR_SHADOW,
};

_Static_assert(VMXF_NR <= 256, "preset lists hold vmx_feat in a u8");

void vmx_caps_init(struct vmx_caps *c, u64 cr4_valid, bool long_mode)
{
	memset(c, 0, sizeof(*c));
	c->revision_id = VMX_REVISION_ID;
	/* The timer counts down once every 2^5 TSC ticks (KVM's choice for
	 * its L1s too); the TSC runs at 1 GHz of virtual time. */
	c->preemption_timer_rate = 5;
	c->cr3_target_count = 4;
	c->msr_list_n = 0;
	c->cr4_fixed1 = cr4_valid | CR4_VMXE;
	for (unsigned k = 0; k < sizeof(vmx_implemented); k++)
		if (vmx_feat_implemented((enum vmx_feat)vmx_implemented[k], long_mode))
			vmx_caps_set(c, (enum vmx_feat)vmx_implemented[k], true);
}

bool vmx_feat_implemented(enum vmx_feat f, bool long_mode)
{
	bool listed = false;

	for (unsigned k = 0; k < sizeof(vmx_implemented); k++)
		listed |= vmx_implemented[k] == f;
	if (!long_mode)
		for (unsigned k = 0; k < sizeof(needs_long_mode); k++)
			listed &= needs_long_mode[k] != f;
	return listed;
}
