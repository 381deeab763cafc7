/* vmx/state.h: the VMX state of one logical processor (a member of struct
 * cpu; vmx/vmx.h has what operates on it). */
#ifndef NESTBOX_VMX_STATE_H
#define NESTBOX_VMX_STATE_H

#include "base/types.h"
#include "machine/clock.h"
#include "vmx/vmcs.h"

#define VMX_NO_VMCS (~0ull)       /* "FFFFFFFF_FFFFFFFFH": no current VMCS */
#define VMCS_REGION_DATA 16u      /* offset of the first field in a region */

/* One vCPU's VMX state: all of it is architectural (a snapshot saves it). */
struct vmx_state {
	u64 vmxon_ptr;           /* the VMXON region (in VMX operation) */
	u64 vmcs_ptr;            /* current-VMCS pointer, VMX_NO_VMCS if none */
	u8 on;                   /* in VMX operation (VMXON .. VMXOFF) */
	u8 nonroot;              /* in VMX non-root operation */
	u8 launched;             /* launch state of the current VMCS */
	u8 init_blocked;         /* an INIT arrived in root operation: latched */
	u8 shadow;               /* the current VMCS is a shadow VMCS (its
				  * region's revision bit 31 at VMPTRLD) */
	/* non-root event state (vmx/events.c) */
	u8 mtf_pending;          /* an MTF VM exit is pending at the next boundary */
	u8 vnmi_blocked;         /* virtual-NMI blocking ("virtual NMIs" = 1) */
	u8 timer_expired;        /* the VMX-preemption timer reached 0 */
	u8 ple_seen;             /* a PAUSE at CPL 0 since the last VM entry */
	u8 injecting;            /* VM entry is delivering the injected event:
	                          * vmx_icpt_exception lets it pass (consumes it) */
	u8 evmcs;                /* the current VMCS is a Hyper-V enlightened
	                          * VMCS at vmcs_ptr (vmx/evmcs.h): made current
	                          * by VMLAUNCH/VMRESUME through the VP assist page */
	u8 pad[5];
	u64 ep4ta;               /* the EPT root of the last VM entry with EPT
	                          * (the TLB's entries were made through it) */
	/* "PAUSE-loop exiting": the TSC at the last PAUSE at CPL 0 and at the
	 * first PAUSE of the current loop (meaningful with ple_seen) */
	u64 ple_last, ple_start;
	/* the VMX-preemption timer: armed (in virtual time) from VM entry to
	 * VM exit; its deadline in TSC ticks */
	u64 timer_deadline_tsc;
	/* icount + 1 of an IRET in L2 that removed (virtual-)NMI blocking: a
	 * fault of that same instruction that exits reports it (vmx/events.c) */
	u64 iret_unblock_icount;
	struct timer timer;
	struct vmcs_cache vmcs;  /* the current VMCS's contents */
};

#endif
