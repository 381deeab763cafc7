/* vmx/vmx_internal.h: what the files of vmx/ share and nothing else needs. */
#ifndef NESTBOX_VMX_VMX_INTERNAL_H
#define NESTBOX_VMX_VMX_INTERNAL_H

#include "vmx/vmx.h"

/* guest interruptibility state (SDM "Guest Non-Register State") */
#define GUEST_INTR_STATE_STI    BIT(0)
#define GUEST_INTR_STATE_MOV_SS BIT(1)
#define GUEST_INTR_STATE_SMI    BIT(2)
#define GUEST_INTR_STATE_NMI    BIT(3)
#define GUEST_INTR_STATE_ENCLAVE BIT(4)

/* activity states ("Guest Non-Register State": 0 active, 1 HLT, 2
 * shutdown, 3 wait-for-SIPI -- the numbering of enum cpu_activity) */
#define GUEST_ACTIVITY_MAX 3

/* VM-entry interruption-information / VM-exit interruption-information
 * (SDM "VM-Entry Controls for Event Injection") */
#define INTR_INFO_VECTOR(x)   ((x) & 0xff)
#define INTR_INFO_TYPE(x)     (((x) >> 8) & 7)
#define INTR_INFO_HAS_ERROR   BIT(11)
#define INTR_INFO_NMI_UNBLOCK BIT(12)
#define INTR_INFO_VALID       BIT(31)
/* interruption type 7, "other event": a pending MTF VM exit (vector 0) */
#define INTR_TYPE_OTHER       7

/* vmx/events.c: the preemption timer, MTF and virtual NMIs at VM entry
 * (after loading guest state, before injection: `ii` is the VM-entry
 * interruption information), at VM exit (after saving guest state), and
 * at reset */
void vmx_events_entry(struct cpu *c, u32 ii);
void vmx_events_exit(struct cpu *c);
void vmx_events_reset(struct cpu *c);

/* the guest segment fields, indexed by enum seg_reg */
extern const enum vmcs_field *const vmx_guest_seg_sel;
extern const enum vmcs_field vmx_guest_seg_base[8];
extern const enum vmcs_field vmx_guest_seg_limit[8];
extern const enum vmcs_field vmx_guest_seg_ar[8];
extern const enum vmcs_field vmx_guest_pdpte[4];

/* VM entry's checks on the APIC-virtualization controls (vmx/apicv.c) */
enum entry_check vmx_apicv_check_controls(const struct cpu *c);

/* load the MSR list at addr (VM entry, and the host's at VM exit): 0, or
 * the 1-based number of the entry that failed (vmx/entry.c) */
u32 vmx_load_msr_list(struct cpu *c, u64 addr, u64 count);

/* CR0 (cr 0) or CR4 (cr 4) holds the IA32_VMX_CR*_FIXED0 bits and no bit
 * outside FIXED1; "unrestricted guest" frees CR0.PE and PG (SDM
 * "Restrictions on VMX Operation", vmx/insn.c) */
bool vmx_cr_fixed_ok(const struct cpu *c, unsigned cr, u64 val, bool unrestricted);
/* the FIXED0 (must be 1) and FIXED1 (may be 1) masks that check uses */
void vmx_cr_fixed(const struct cpu *c, unsigned cr, bool unrestricted, u64 *fixed0, u64 *fixed1);
/* a VMX control word's allowed-0 and allowed-1 settings, as VM entry
 * checks them (vmx/entry.c) */
void vmx_ctl_allowed(const struct cpu *c, enum vmx_ctl_word w, u64 *a0, u64 *a1);

/* the VM-entry check table (vmx/entry_checks.def), by row number */
enum entry_check {
#define CHECK(id, kind, sect, text) EC_##id,
#include "vmx/entry_checks.def"
#undef CHECK
	EC_NR,
	EC_NONE = EC_NR,
};
const char *vmx_check_id(unsigned n);
const char *vmx_check_section(unsigned n);
const char *vmx_check_text(unsigned n);
unsigned vmx_check_count(void);

/* VMCS shadowing (vmx/shadow.c): does VMREAD (write false) or VMWRITE
 * of field encoding enc exit in non-root operation; the field of the
 * shadow VMCS the link pointer references, by access type */
bool vmx_shadow_exits(struct cpu *c, u64 enc, bool write);
u64 vmx_shadow_read(struct cpu *c, enum vmcs_field f, bool high);
void vmx_shadow_write(struct cpu *c, enum vmcs_field f, bool high, u64 val);

/* SDM "Loading Host State" (exit.c; also a failed VM entry's exit);
 * false after a VMX abort */
bool vmx_load_host(struct cpu *c);

/* -d vmx: one line per VM entry and exit (vmx/log.c) */
void vmx_log_entry(struct cpu *c, bool launch);
void vmx_log_exit(struct cpu *c, u32 reason, u64 qual);
void vmx_log_failed_check(struct cpu *c, unsigned check);
unsigned vmx_last_failed_check(void);
/* exits (and failed entries) with this basic reason so far in this process */
u64 vmx_exit_count(u32 reason);

#endif
