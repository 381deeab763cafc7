/* vmx/caps.h: what a CPU model's VMX advertises, as plain data, and the VMX
 * capability MSRs computed from it (SDM Vol.3D Appendix A "VMX Capability
 * Reporting Facility").
 *
 * The facts come from three tables: vmx/vmx_controls.def (control words,
 * control bits, default1 classes), vmx/vmx_caps.def (the other single-bit
 * capabilities) and vmx/vmcs_fields.def (for IA32_VMX_VMCS_ENUM). Nothing
 * here touches a CPU: every function is pure. */
#ifndef NESTBOX_VMX_CAPS_H
#define NESTBOX_VMX_CAPS_H

#include "base/bits.h"
#include "base/types.h"

/* The capability MSR indices (SDM Vol.4 "Architectural MSRs",
 * IA32_VMX_BASIC .. IA32_VMX_EXIT_CTLS2). */
enum vmx_cap_msr {
	IA32_VMX_BASIC = 0x480,
	IA32_VMX_PINBASED_CTLS = 0x481,
	IA32_VMX_PROCBASED_CTLS = 0x482,
	IA32_VMX_EXIT_CTLS = 0x483,
	IA32_VMX_ENTRY_CTLS = 0x484,
	IA32_VMX_MISC = 0x485,
	IA32_VMX_CR0_FIXED0 = 0x486,
	IA32_VMX_CR0_FIXED1 = 0x487,
	IA32_VMX_CR4_FIXED0 = 0x488,
	IA32_VMX_CR4_FIXED1 = 0x489,
	IA32_VMX_VMCS_ENUM = 0x48a,
	IA32_VMX_PROCBASED_CTLS2 = 0x48b,
	IA32_VMX_EPT_VPID_CAP = 0x48c,
	IA32_VMX_TRUE_PINBASED_CTLS = 0x48d,
	IA32_VMX_TRUE_PROCBASED_CTLS = 0x48e,
	IA32_VMX_TRUE_EXIT_CTLS = 0x48f,
	IA32_VMX_TRUE_ENTRY_CTLS = 0x490,
	IA32_VMX_VMFUNC = 0x491,
	IA32_VMX_PROCBASED_CTLS3 = 0x492,
	IA32_VMX_EXIT_CTLS2 = 0x493,
};
#define IA32_VMX_FIRST IA32_VMX_BASIC
#define IA32_VMX_LAST  IA32_VMX_EXIT_CTLS2

/* Control words: VMX_W_PIN, VMX_W_PROC, ... (vmx_controls.def W rows). */
enum vmx_ctl_word {
#define W(w, name, width, msr, true_msr, field) VMX_W_##w,
#include "vmx/vmx_controls.def"

	VMX_W_NR
};

/* Words of the other single-bit capabilities (vmx_caps.def K rows). */
enum vmx_cap_word { VMX_K_BASIC, VMX_K_MISC, VMX_K_EPT_VPID, VMX_K_VMFUNC, VMX_K_NR };

/* Each control as a mask within its word, spelled as in the SDM with the
 * word's prefix: PIN_NMI_EXITING, PROC2_ENABLE_EPT, ENTRY_IA32E_MODE_GUEST.
 * Every row's bit is below 32 (the 64-bit words use only low bits so far);
 * a GNU C enum holds 1u << 31. */
enum vmx_control_mask {
#define C(id, w, bit, sdm, qemu) id = (1u << (bit)),
#include "vmx/vmx_controls.def"
};

/* One id per table row, controls then capabilities, plus the two gates a
 * VMCS field row may name: VMXF_ALWAYS (always there) and VMXF_NONE. */
enum vmx_feat {
	VMXF_ALWAYS,
	VMXF_NONE,
#define C(id, w, bit, sdm, qemu) VMXF_##id,
#include "vmx/vmx_controls.def"
#define K(id, w, bit, sdm, qemu) VMXF_##id,
#include "vmx/vmx_caps.def"
#undef K
	VMXF_NR
};

/* What a CPU model's VMX advertises. Plain data (no pointers): it goes into
 * a CPU model and a snapshot as it is.
 *   ctl[w]: for each control row, is it offered? For an ordinary control
 *	that means "may be 1"; for a control in its word's default1 class
 *	(CR3-load/store exiting, save/load debug controls) it means "may be
 *	0", which only the TRUE capability MSRs can say (QEMU's names for
 *	those, "vmx-cr3-load-noexit" etc., mean the same). Bits with no row
 *	are never set.
 *   cap[k]: the single-bit capabilities of vmx_caps.def.
 * Dependencies are applied when the MSRs are computed, not stored: a
 * secondary control offered while "activate secondary controls" is not
 * counts as absent (SDM "Secondary Processor-Based VM-Execution Controls"
 * in Appendix A: IA32_VMX_PROCBASED_CTLS2 exists only if bit 63 of
 * IA32_VMX_PROCBASED_CTLS is 1). */
struct vmx_caps {
	u64 ctl[VMX_W_NR];
	u64 cap[VMX_K_NR];
	u64 cr4_fixed1;		/* CR4 bits the model lets software set to 1 in VMX operation */
	u32 revision_id;	/* IA32_VMX_BASIC bits 30:0 */
	u32 mseg_revision;	/* IA32_VMX_MISC bits 63:32 */
	u8 preemption_timer_rate; /* IA32_VMX_MISC bits 4:0: the timer counts TSC >> rate */
	u8 cr3_target_count;	/* IA32_VMX_MISC bits 24:16 */
	u8 msr_list_n;		/* IA32_VMX_MISC bits 27:25: lists of 512 * (N + 1) MSRs */
	u8 hlat_prefix_max;	/* IA32_VMX_EPT_VPID_CAP bits 53:48 */
};

/* nestbox's VMCS revision identifier: "NB" and layout version 1. Bit 31 is
 * 0 (SDM "Basic VMX Information": bit 31 of IA32_VMX_BASIC is always 0).
 * Bump the low half whenever the saved form of the VMCS changes. */
#define VMX_REVISION_ID 0x4e420001u
/* VMCS region size reported in IA32_VMX_BASIC bits 44:32 */
#define VMX_VMCS_REGION_SIZE 4096u
/* Memory type for VMCS and VMX structures, IA32_VMX_BASIC bits 53:50
 * (SDM "Basic VMX Information": 6 = write-back) */
#define VMX_MEMTYPE_WB 6u

/* The capabilities nestbox's own models advertise: every row nestbox
 * implements (the one list, vmx_implemented[] in vmx/caps.c), with CR4
 * fixed-1 bits from the CPU model (cr4_valid: the CR4 bits MOV to CR4
 * accepts on that model; CR4.VMXE is added). long_mode: the model has
 * Intel 64, so "host address-space size" and "IA-32e mode guest" exist. */
void vmx_caps_init(struct vmx_caps *c, u64 cr4_valid, bool long_mode);
/* Is row f in what nestbox implements (on a model with or without Intel
 * 64)? "-cpu ...,+vmx-NAME" may offer only such rows. */
bool vmx_feat_implemented(enum vmx_feat f, bool long_mode);

/* Table lookups over the C and K rows. */
const char *vmx_feat_ident(enum vmx_feat f);	/* "PROC2_ENABLE_EPT" */
const char *vmx_feat_sdm_name(enum vmx_feat f);	/* "Enable EPT" */
const char *vmx_feat_qemu_name(enum vmx_feat f);	/* "vmx-ept" or NULL */
/* returns the first row with that QEMU name, or -1 */
int vmx_feat_by_qemu_name(const char *name);
bool vmx_feat_is_control(enum vmx_feat f);
/* the word (enum vmx_ctl_word or enum vmx_cap_word) and the bit of a row */
unsigned vmx_feat_word(enum vmx_feat f);
u64 vmx_feat_mask(enum vmx_feat f);

/* word facts from the W and D rows */
const char *vmx_ctl_word_name(enum vmx_ctl_word w);
unsigned vmx_ctl_word_bits(enum vmx_ctl_word w);	/* 32 or 64 */
u64 vmx_ctl_default1(enum vmx_ctl_word w);	/* the default1 class */
u64 vmx_ctl_defined(enum vmx_ctl_word w);	/* bits that have a C row */

/* Offer or withdraw one row. */
void vmx_caps_set(struct vmx_caps *c, enum vmx_feat f, bool on);
/* Offer or withdraw every row with QEMU name `name` ("vmx-ept"). Returns 0,
 * or -1 if no row has that name. */
int vmx_caps_edit(struct vmx_caps *c, const char *name, bool on);

/* Does the model support the 1-setting of control f (or have capability
 * f)? Applies the activation dependencies; true for a default1 control
 * (allowed-1 is always 1) and for VMXF_ALWAYS; false for VMXF_NONE. */
bool vmx_caps_has(const struct vmx_caps *c, enum vmx_feat f);

/* Allowed settings of a control word (SDM "Reserved Controls and Default
 * Settings"): allowed1 = the bits that may be 1; allowed0(true_form) = the
 * bits that must be 1, as the non-TRUE (false) or TRUE (true) MSR reports. */
u64 vmx_caps_allowed1(const struct vmx_caps *c, enum vmx_ctl_word w);
u64 vmx_caps_allowed0(const struct vmx_caps *c, enum vmx_ctl_word w, bool true_form);

/* The capability MSRs, one function per MSR or MSR family. */
u64 vmx_msr_basic(const struct vmx_caps *c);
/* IA32_VMX_{PINBASED,PROCBASED,EXIT,ENTRY}_CTLS and their TRUE forms:
 * allowed-0 in bits 31:0, allowed-1 in bits 63:32; PROCBASED_CTLS2 has the
 * same form; PROCBASED_CTLS3 and EXIT_CTLS2 are the 64-bit allowed-1. */
u64 vmx_msr_ctls(const struct vmx_caps *c, enum vmx_ctl_word w, bool true_form);
u64 vmx_msr_misc(const struct vmx_caps *c);
u64 vmx_msr_cr0_fixed0(const struct vmx_caps *c);
u64 vmx_msr_cr0_fixed1(const struct vmx_caps *c);
u64 vmx_msr_cr4_fixed0(const struct vmx_caps *c);
u64 vmx_msr_cr4_fixed1(const struct vmx_caps *c);
u64 vmx_msr_vmcs_enum(const struct vmx_caps *c);
u64 vmx_msr_ept_vpid_cap(const struct vmx_caps *c);
u64 vmx_msr_vmfunc(const struct vmx_caps *c);

/* RDMSR of a capability MSR: false if `index` is not one, or is one this
 * model does not have (each MSR's existence rule is in vmx/caps.c). */
bool vmx_caps_msr_read(const struct vmx_caps *c, u32 index, u64 *val);

#endif
