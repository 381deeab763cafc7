/* vmx/evmcs.h: Hyper-V's enlightened VMCS (Microsoft TLFS "Enlightened
 * VMCS", "Nested Virtualization"): with -cpu ...,hv-evmcs an L1 keeps its
 * VMCS as a plain structure in its memory (layout: vmx/evmcs.def) and
 * names it in the VP assist page (cpu/system/hyperv.h) instead of
 * VMPTRLD. VMLAUNCH/VMRESUME copy it into the VMCS nestbox uses (struct
 * vmx_state.vmcs, the groups not marked clean), every entry check then
 * applies as usual, and VM exits write guest state and exit information
 * back into it. docs/vmx.md says what the other VMX instructions do then. */
#ifndef NESTBOX_VMX_EVMCS_H
#define NESTBOX_VMX_EVMCS_H

#include "base/types.h"
#include "vmx/vmcs.h"

struct cpu;

/* The version nestbox implements (CPUID 0x4000000A EAX: 1 to 1; KVM's
 * KVM_EVMCS_VERSION): the first 32 bits of an eVMCS */
#define EVMCS_VERSION 1u
#define EVMCS_SIZE    1024u

/* TLFS HV_VP_ASSIST_PAGE: byte 40 enlighten_vmentry (bit 0: VMLAUNCH and
 * VMRESUME use the eVMCS), bytes 48-55 current_nested_vmcs (its GPA) */
#define VP_ASSIST_ENLIGHTEN_VMENTRY   40u
#define VP_ASSIST_CURRENT_NESTED_VMCS 48u

/* clean-field groups: bit numbers of hv_clean_fields; EVG_NONE: none */
enum evmcs_group {
#define G(name, bit) EVG_##name = (bit),
#define H(m, off, size)
#define E(m, off, w, g, f, s)
#include "vmx/evmcs.def"
#undef G
#undef H
#undef E
	EVG_NONE = -1,
};

/* the offsets of the fields that mirror no VMCS component: EVMCS_OFF_hv_clean_fields */
enum {
#define G(name, bit)
#define H(m, off, size) EVMCS_OFF_##m = (off),
#define E(m, off, w, g, f, s)
#include "vmx/evmcs.def"
#undef G
#undef H
#undef E
};

enum evmcs_sync { EVMCS_IN, EVMCS_INOUT, EVMCS_OUT };

struct evmcs_field_desc {
	const char *name;     /* the TLFS/Linux member name */
	u16 offset;           /* byte offset in the eVMCS */
	u8 width;             /* bits: 16, 32 or 64 */
	i8 group;             /* enum evmcs_group */
	u8 sync;              /* enum evmcs_sync */
	u16 field;            /* enum vmcs_field it mirrors */
};
extern const struct evmcs_field_desc evmcs_fields[];
extern const unsigned evmcs_nr_fields;

/* The eVMCS the VP assist page announces (enlighten_vmentry set, hv-evmcs
 * on), or VMX_NO_VMCS */
u64 vmx_evmcs_announced(struct cpu *c);

/* Copy the current eVMCS (c->vmx.vmcs_ptr, c->vmx.evmcs set) into the VMCS
 * cache: every IN/INOUT field, or with all = false only those whose group
 * hv_clean_fields does not mark clean */
void vmx_evmcs_load(struct cpu *c, bool all);

/* Write the cache back into the current eVMCS: the OUT fields (exit
 * information, VM-instruction error), and with exit the INOUT fields too
 * (the guest state a VM exit saves) */
void vmx_evmcs_write_back(struct cpu *c, bool exit);

#endif
