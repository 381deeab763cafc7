/* cpu/system/msr_state.h: storage for model-specific registers (owned by cpu/system/msr.c).
 * MSRs kept elsewhere are not here: EFER (c->efer), the FS/GS bases (the
 * segment cache), IA32_APIC_BASE and IA32_TSC_DEADLINE (the local APIC,
 * dev/lapic.c), SMBASE and the SMI count (c->smm). */
#ifndef NESTBOX_CPU_MSR_STATE_H
#define NESTBOX_CPU_MSR_STATE_H

#include "base/types.h"

/* IA32_DEBUGCTL (SDM Vol.3B "IA32_DEBUGCTL MSR"; AMD's DebugCtl) */
#define DEBUGCTL_LBR BIT(0) /* last branch/interrupt/exception recording */
#define DEBUGCTL_BTF BIT(1) /* single-step on branches */

struct msr_state {
	u64 tsc_offset;       /* IA32_TSC = virtual TSC + tsc_offset */
	u64 tsc_adjust;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 star, lstar, cstar, sfmask;
	u64 kernel_gs_base;
	u64 tsc_aux;
	u64 pat;
	u64 misc_enable;
	u64 debugctl;         /* IA32_DEBUGCTL: DEBUGCTL_LBR, DEBUGCTL_BTF */
	/* last-branch recording (cpu/system/debug.c): LastBranchFromIP/ToIP
	 * (1DBh/1DCh), LastExceptionFromIP/ToIP (1DDh/1DEh) */
	u64 lbr_from, lbr_to, ler_from, ler_to;
	u64 mtrr_def_type;
	u64 mtrr_fixed[11];
	u64 mtrr_var[16];     /* base/mask pairs */
	u64 spec_ctrl;
	u64 feature_control;
	u64 mcg_status;
	u64 xss;
	u64 mcg_ctl;
	/* protection keys (cpu/system/pkeys.c): IA32_PKRS, and PKRU, which is
	 * not an MSR (RDPKRU/WRPKRU) but lives with it; both reset to 0, and
	 * INIT keeps them */
	u64 pkrs;
	u32 pkru;
	/* AMD models: SYSCFG, NB_CFG (cpu/system/msr.def) */
	u64 syscfg;
	u64 nb_cfg;
	/* Hyper-V synthetic MSRs (cpu/system/hyperv.c; -cpu hv-* only):
	 * HV_X64_MSR_GUEST_OS_ID, HV_X64_MSR_HYPERCALL,
	 * HV_X64_MSR_VP_ASSIST_PAGE */
	u64 hv_guest_os_id, hv_hypercall, hv_vp_assist;
};

#endif
