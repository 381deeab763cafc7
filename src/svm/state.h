/* svm/state.h: the SVM state of one logical processor (member `svm` of
 * struct cpu; svm/svm.h has what operates on it). All of it is
 * architectural and saved in a snapshot (svm/svm_snap.c).
 *
 * Layout by owner, so that the three SVM branches merge trivially: CORE's
 * members first, then ICPT's block, then NPTI's block. */
#ifndef NESTBOX_SVM_STATE_H
#define NESTBOX_SVM_STATE_H

#include "base/types.h"
#include "svm/vmcb.h"

/* VM_CR (C001_0114h): APM "VM_CR MSR (C001_0114h)" */
#define VM_CR_DPD        BIT(0)
#define VM_CR_R_INIT     BIT(1)
#define VM_CR_DIS_A20M   BIT(2)
#define VM_CR_LOCK       BIT(3)
#define VM_CR_SVMDIS     BIT(4)

/* TSC_RATIO: 8.32 fixed point; 1.0 at reset */
#define SVM_TSC_RATIO_ONE (1ull << 32)

struct svm_state {
	/* --- CORE: MSRs, GIF, guest mode, VMRUN's copies --- */
	u64 vm_cr;        /* VM_CR (C001_0114h) */
	u64 hsave_pa;     /* VM_HSAVE_PA (C001_0117h): 4 KiB aligned */
	u64 tsc_ratio;    /* TSC_RATIO (C000_0104h) */
	u64 svm_key;      /* SVM_KEY (C001_0118h): the key that unlocks VM_CR.LOCK */
	u64 vmcb_pa;      /* the VMCB of the running guest (VMRUN's rAX) */
	u8 gif;           /* the global interrupt flag ("Global Interrupt Flag") */
	u8 guest;         /* 1 = guest mode: L2 runs under vmcb_pa */
	u8 pad[6];
	/* the VMCB control area as VMRUN copied it (APM "VMRUN": the
	 * processor reads the control area once; the run and the checks use
	 * this copy). #VMEXIT writes its fields back to guest memory. */
	struct vmcb_control ctl;
	/* the host state VMRUN saved (APM "VMRUN": "saves the current host
	 * state ... into the host save area"; its format is
	 * implementation-specific, and nestbox keeps it here, in the VMCB
	 * state-save layout) */
	struct vmcb_save host;

	/* --- ICPT: (intercepts and exit information) --- */

	/* --- NPTI: (nested paging, ASIDs/TLB, interrupt control) --- */
};

#endif
