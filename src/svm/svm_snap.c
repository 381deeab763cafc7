/* svm/svm_snap.c: what a snapshot saves of a vCPU's SVM state: all of it
 * (struct svm_state is architectural: the SVM MSRs, GIF, guest mode and
 * the VMCB it runs under, the control area VMRUN copied and the host state
 * it saved). The two VMCB images are saved as their bytes: they are
 * little-endian copies of guest memory in the APM's layout (svm/vmcb.h). */
#include "svm/svm_snap.h"

#include <stdio.h>

#include "snap/state.h"

/* APM "VM_HSAVE_PA MSR": 4 KiB aligned; guest mode needs a VMCB (4 KiB
 * aligned, as VMRUN's rAX must be) */
static const char *svm_state_check(const void *s, char *msg, size_t len)
{
	const struct svm_state *v = s;

	if (v->hsave_pa & 0xfff)
		return snap_reject(msg, len, "hsave_pa", "%#llx is not 4 KiB aligned",
				   (unsigned long long)v->hsave_pa);
	/* what WRMSR would not store: VM_CR bits 63:5, TSC_RATIO bits 63:40
	 * (APM "VM_CR MSR (C001_0114h)", "TSC Ratio MSR (C000_0104h)") */
	if (v->vm_cr >> 5)
		return snap_reject(msg, len, "vm_cr", "%#llx sets reserved bits",
				   (unsigned long long)v->vm_cr);
	if (v->tsc_ratio >> 40)
		return snap_reject(msg, len, "tsc_ratio", "%#llx sets reserved bits",
				   (unsigned long long)v->tsc_ratio);
	if (v->guest && (v->vmcb_pa & 0xfff))
		return snap_reject(msg, len, "vmcb_pa", "%#llx is not 4 KiB aligned",
				   (unsigned long long)v->vmcb_pa);
	return NULL;
}

static const struct snap_field svm_state_fields[] = {
	/* CORE */
	SNAP_U64(struct svm_state, vm_cr),
	SNAP_U64(struct svm_state, hsave_pa),
	SNAP_U64(struct svm_state, tsc_ratio),
	SNAP_U64(struct svm_state, svm_key),
	SNAP_U64(struct svm_state, vmcb_pa),
	SNAP_U8_MAX(struct svm_state, gif, 1),
	SNAP_U8_MAX(struct svm_state, guest, 1),
	SNAP_DERIVED(struct svm_state, pad, "padding, always 0"),
	SNAP_U8(struct svm_state, ctl),  /* the VMCB control area's bytes */
	SNAP_U8(struct svm_state, host), /* the host state, VMCB save-area bytes */
	/* ICPT */
	/* NPTI */
};
SNAP_DESC(svm_state, 1, svm_state_fields, svm_state_check, NULL);
