/* vmx/vmx_snap.c: what a snapshot saves of a vCPU's VMX state: all of it
 * (struct vmx_state is architectural: VMX operation, the current-VMCS
 * pointer and launch state, whether the current VMCS is a shadow VMCS or
 * a Hyper-V enlightened VMCS (vmx/evmcs.h: then the pointer is its GPA),
 * and the current VMCS's contents; a shadow VMCS the link pointer
 * references is not cached: it is in guest memory, vmx/shadow.c). */
#include "vmx/vmx_snap.h"

#include <stdio.h>

#include "snap/state.h"

/* The VMCS cache is an array indexed by vmx/vmcs_fields.def's rows: a file
 * written with another field table must not be read, so the table's
 * encodings, in order, are part of the fingerprint. */
static u64 vmcs_cache_salt(void)
{
	u64 h = 0xcbf29ce484222325ull;
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		h ^= vmcs_field_encoding((enum vmcs_field)f);
		h *= 0x100000001b3ull;
	}
	return h;
}

/* every field holds no more than its width */
static const char *vmcs_cache_check(const void *s, char *msg, size_t len)
{
	const struct vmcs_cache *v = s;

	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		u64 mask = vmcs_width_mask(vmcs_field_width((enum vmcs_field)f));
		if (v->f[f] & ~mask) {
			snprintf(msg, len, "%s = %#llx is wider than the field",
				 vmcs_field_name((enum vmcs_field)f), (unsigned long long)v->f[f]);
			return "f";
		}
	}
	return NULL;
}

static const struct snap_field vmcs_cache_fields[] = {
	SNAP_U64(struct vmcs_cache, f),
};
SNAP_DESC_SALTED(vmcs_cache, 1, vmcs_cache_fields, vmcs_cache_check, NULL, vmcs_cache_salt);

/* SDM "VMXON", "VMCLEAR", "VMPTRLD": outside VMX operation there is no
 * current VMCS and no non-root operation; pointers are 4 KiB aligned */
static const char *vmx_state_check(const void *s, char *msg, size_t len)
{
	const struct vmx_state *x = s;

	if (!x->on && (x->nonroot || x->vmcs_ptr != VMX_NO_VMCS || x->launched)) {
		snprintf(msg, len, "set outside VMX operation");
		return x->nonroot ? "nonroot" : x->launched ? "launched" : "vmcs_ptr";
	}
	if (x->on && (x->vmxon_ptr & 0xfff)) {
		snprintf(msg, len, "%#llx is not 4 KiB aligned", (unsigned long long)x->vmxon_ptr);
		return "vmxon_ptr";
	}
	if (x->vmcs_ptr != VMX_NO_VMCS && (x->vmcs_ptr & 0xfff)) {
		snprintf(msg, len, "%#llx is not 4 KiB aligned", (unsigned long long)x->vmcs_ptr);
		return "vmcs_ptr";
	}
	if (x->shadow && (x->vmcs_ptr == VMX_NO_VMCS || x->nonroot)) {
		/* "VMCS Shadowing": only a current VMCS is a shadow VMCS, and VM
		 * entry with one fails */
		snprintf(msg, len, "a shadow VMCS needs a current VMCS and root operation");
		return "shadow";
	}
	/* the preemption timer, a pending MTF exit and virtual-NMI blocking
	 * exist only in non-root operation (vmx/events.c ends them at exit) */
	if (!x->nonroot && (x->mtf_pending || x->vnmi_blocked || x->timer_expired || x->timer.armed)) {
		snprintf(msg, len, "non-root event state outside non-root operation");
		return x->mtf_pending ? "mtf_pending" : x->vnmi_blocked ? "vnmi_blocked"
			: x->timer_expired ? "timer_expired" : "timer";
	}
	if (x->evmcs && (x->vmcs_ptr == VMX_NO_VMCS || x->shadow)) {
		/* vmx/evmcs.h: an enlightened VMCS is a current VMCS, never a
		 * shadow VMCS */
		snprintf(msg, len, "an enlightened VMCS needs a current VMCS that is not a shadow VMCS");
		return "evmcs";
	}
	if (x->nonroot && x->vmcs_ptr == VMX_NO_VMCS) {
		snprintf(msg, len, "non-root operation needs a current VMCS");
		return "nonroot";
	}
	return NULL;
}

static const struct snap_field vmx_state_fields[] = {
	SNAP_U64(struct vmx_state, vmxon_ptr),
	SNAP_U64(struct vmx_state, vmcs_ptr),
	SNAP_U8_MAX(struct vmx_state, on, 1),
	SNAP_U8_MAX(struct vmx_state, nonroot, 1),
	SNAP_U8_MAX(struct vmx_state, launched, 1),
	SNAP_U8_MAX(struct vmx_state, init_blocked, 1),
	SNAP_U8_MAX(struct vmx_state, shadow, 1),
	SNAP_U8_MAX(struct vmx_state, mtf_pending, 1),
	SNAP_U8_MAX(struct vmx_state, vnmi_blocked, 1),
	SNAP_U8_MAX(struct vmx_state, timer_expired, 1),
	SNAP_U8_MAX(struct vmx_state, ple_seen, 1),
	SNAP_DERIVED(struct vmx_state, injecting, "set and consumed within VM entry's event injection: 0 at every instruction boundary"),
	SNAP_U8_MAX(struct vmx_state, evmcs, 1),
	SNAP_DERIVED(struct vmx_state, pad, "padding, always 0"),
	SNAP_U64(struct vmx_state, ep4ta),
	SNAP_U64(struct vmx_state, ple_last),
	SNAP_U64(struct vmx_state, ple_start),
	SNAP_U64(struct vmx_state, timer_deadline_tsc),
	SNAP_U64(struct vmx_state, iret_unblock_icount),
	SNAP_TIMER(struct vmx_state, timer),
	SNAP_STRUCT(struct vmx_state, vmcs, struct vmcs_cache, vmcs_cache_snap),
};
SNAP_DESC(vmx_state, 4, vmx_state_fields, vmx_state_check, NULL);
