/* cpu/system/msr.c: RDMSR/WRMSR semantics for the rows of cpu/system/msr.def.
 *
 * Every handler returns 0, or -1 for "#GP(0)"; a write handler checks
 * everything before it changes anything (DESIGN "Check, then commit"). */
#include "cpu/system/msr.h"
#include "vmx/vmx.h"
#include "svm/svm.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cpu/decode/insn.h"
#include "cpu/fault.h"
#include "cpu/system/hyperv.h"
#include "cpu/memory/mmu.h"
#include "cpu/system/pkeys.h"
#include "cpu/system/pmu.h"
#include "cpu/step.h"
#include "machine/machine.h"

typedef int msr_rd_fn(struct cpu *c, u32 idx, u64 *val);
typedef int msr_wr_fn(struct cpu *c, u32 idx, u64 val);

struct msr_desc {
	u32 first, last;
	const char *name;
	msr_rd_fn *rd;
	msr_wr_fn *wr;
	u64 reset;
	int gate;
};

#define MCG_BANKS 10u
#define MCG_CTL_P BIT(8)

static inline bool has(const struct cpu *c, enum cpu_feature f)
{
	return c->model && cpu_has(c->model, f);
}

/* The canonical rule for addresses loaded into registers that hold a linear
 * address for later use (the MSR forms of the FS/GS/KERNEL_GS bases,
 * LSTAR, CSTAR, SYSENTER_ESP/EIP; WRFSBASE/WRGSBASE; LGDT/LIDT; the bases of
 * 16-byte LDT and TSS descriptors; INVPCID addresses): bits 63 down to the
 * processor's linear-address width copy the bit below (SDM Vol.1 "Canonical
 * Addressing"). A processor that supports 5-level paging (CPUID.7.0:
 * ECX.LA57; Vol.3A "4-Level Paging and 5-Level Paging") checks these against
 * its 57-bit width whether or not CR4.LA57 enables 5-level paging now.
 * Accesses made at once use cpu_canonical() (the current paging mode). */
bool msr_canonical(const struct cpu *c, u64 v)
{
	unsigned bits = has(c, FEAT_la57) ? 57 : 48;
	return sext(v, bits) == v;
}

static u64 phys_reserved(const struct cpu *c)
{
	return GENMASK(63, cpu_maxphyaddr(c));
}

/* storage in c->msr for MSRs that are plain registers */
static u64 *msr_slot(struct cpu *c, u32 idx)
{
	struct msr_state *s = &c->msr;

	switch (idx) {
	case MSR_FEATURE_CONTROL: return &s->feature_control;
	case MSR_TSC_ADJUST: return &s->tsc_adjust;
	case MSR_SPEC_CTRL: return &s->spec_ctrl;
	case MSR_SYSENTER_CS: return &s->sysenter_cs;
	case MSR_SYSENTER_ESP: return &s->sysenter_esp;
	case MSR_SYSENTER_EIP: return &s->sysenter_eip;
	case MSR_MCG_STATUS: return &s->mcg_status;
	case MSR_MCG_CTL: return &s->mcg_ctl;
	case MSR_MISC_ENABLE: return &s->misc_enable;
	case MSR_DEBUGCTL: return &s->debugctl;
	case MSR_LASTBRANCH_FROM: return &s->lbr_from;
	case MSR_LASTBRANCH_TO: return &s->lbr_to;
	case MSR_LASTEXC_FROM: return &s->ler_from;
	case MSR_LASTEXC_TO: return &s->ler_to;
	case MSR_PAT: return &s->pat;
	case MSR_MTRR_DEF_TYPE: return &s->mtrr_def_type;
	case MSR_XSS: return &s->xss;
	case MSR_STAR: return &s->star;
	case MSR_LSTAR: return &s->lstar;
	case MSR_CSTAR: return &s->cstar;
	case MSR_SFMASK: return &s->sfmask;
	case MSR_KERNEL_GS_BASE: return &s->kernel_gs_base;
	case MSR_TSC_AUX: return &s->tsc_aux;
	case MSR_PKRS: return &s->pkrs;
	case MSR_SYSCFG: return &s->syscfg;
	case MSR_NB_CFG: return &s->nb_cfg;
	case MSR_HV_GUEST_OS_ID: return &s->hv_guest_os_id;
	case MSR_HV_HYPERCALL: return &s->hv_hypercall;
	case MSR_HV_VP_ASSIST_PAGE: return &s->hv_vp_assist;
	default: return NULL;
	}
}

static int rd_plain(struct cpu *c, u32 idx, u64 *val)
{
	*val = *msr_slot(c, idx);
	return 0;
}

static int wr_plain(struct cpu *c, u32 idx, u64 val)
{
	*msr_slot(c, idx) = val;
	return 0;
}

static int rd_zero(struct cpu *c, u32 idx, u64 *val)
{
	*val = 0;
	return 0;
}

static int wr_ignore(struct cpu *c, u32 idx, u64 val)
{
	return 0;
}

/* the writable bits of AMD's SYSCFG and NB_CFG (msr.def); any other bit
 * set is #GP(0), as for a reserved bit */
#define SYSCFG_MTRR_BITS (0x1full << 18)
#define NB_CFG_ENABLE_CF8_EXT_CFG (1ull << 46)

static int wr_syscfg(struct cpu *c, u32 idx, u64 val)
{
	if (val & ~SYSCFG_MTRR_BITS)
		return -1;
	c->msr.syscfg = val;
	return 0;
}

static int wr_nb_cfg(struct cpu *c, u32 idx, u64 val)
{
	if (val & ~NB_CFG_ENABLE_CF8_EXT_CFG)
		return -1;
	c->msr.nb_cfg = val;
	return 0;
}

/* SDM "IA32_SYSENTER_ESP/EIP", "IA32_LSTAR", "IA32_KERNEL_GS_BASE" ...:
 * on processors supporting Intel 64, WRMSR of a non-canonical address #GP */
static int wr_canonical(struct cpu *c, u32 idx, u64 val)
{
	if (!msr_canonical(c, val))
		return -1;
	*msr_slot(c, idx) = val;
	return 0;
}

static int wr_sysenter_cs(struct cpu *c, u32 idx, u64 val)
{
	c->msr.sysenter_cs = (u32)val;
	return 0;
}

/* SDM "IA32_FMASK": bits 63:32 reserved (ignored on write, read as 0) */
static int wr_sfmask(struct cpu *c, u32 idx, u64 val)
{
	c->msr.sfmask = (u32)val;
	return 0;
}

/* --- time stamp counter (SDM Vol.3B "Time-Stamp Counter") --- */
static int rd_tsc(struct cpu *c, u32 idx, u64 *val)
{
	*val = vmx_guest_tsc(c, svm_guest_tsc(c, cpu_tsc(c))); /* offset and scaled for L2 */
	return 0;
}

/* SDM "Time-Stamp Counter Adjustment": a WRMSR to IA32_TSC adds the change
 * of the TSC to IA32_TSC_ADJUST; a WRMSR to IA32_TSC_ADJUST adds the change
 * of IA32_TSC_ADJUST to the TSC. */
static int wr_tsc(struct cpu *c, u32 idx, u64 val)
{
	u64 old = cpu_tsc(c);

	c->msr.tsc_offset += val - old;
	c->msr.tsc_adjust += val - old;
	return 0;
}

static int wr_tsc_adjust(struct cpu *c, u32 idx, u64 val)
{
	c->msr.tsc_offset += val - c->msr.tsc_adjust;
	c->msr.tsc_adjust = val;
	return 0;
}

/* SDM "RDTSCP": "bits 63:32 of IA32_TSC_AUX are reserved" */
static int wr_tsc_aux(struct cpu *c, u32 idx, u64 val)
{
	if (val >> 32)
		return -1;
	c->msr.tsc_aux = val;
	return 0;
}

/* --- local APIC: APIC_BASE, TSC_DEADLINE and the x2APIC range --- */
static int rd_apic(struct cpu *c, u32 idx, u64 *val)
{
	if (!c->apic_ops || !c->apic_ops->msr_read)
		return -1;
	return c->apic_ops->msr_read(c, idx, val) ? -1 : 0;
}

static int wr_apic(struct cpu *c, u32 idx, u64 val)
{
	cpu_kick(c); /* TPR, EOI, ICR, APIC_BASE... */
	if (!c->apic_ops || !c->apic_ops->msr_write)
		return -1;
	return c->apic_ops->msr_write(c, idx, val) ? -1 : 0;
}

/* --- FS/GS bases (SDM "IA32_FS_BASE", "IA32_GS_BASE") --- */
static int rd_seg_base(struct cpu *c, u32 idx, u64 *val)
{
	*val = c->seg[idx == MSR_FS_BASE ? SEG_FS : SEG_GS].base;
	return 0;
}

static int wr_seg_base(struct cpu *c, u32 idx, u64 val)
{
	if (!msr_canonical(c, val))
		return -1;
	c->seg[idx == MSR_FS_BASE ? SEG_FS : SEG_GS].base = val;
	return 0;
}

/* --- IA32_EFER (SDM Vol.3A "Extended Feature Enable Register",
 * "IA32_EFER MSR"; AMD APM Vol.2 "Extended Feature Enable Register") --- */
u64 msr_efer_writable(const struct cpu *c)
{
	u64 ok = 0;

	if (has(c, FEAT_syscall) || has(c, FEAT_lm))
		ok |= EFER_SCE;
	if (has(c, FEAT_lm))
		ok |= EFER_LME | EFER_LMA;
	/* IA32_MISC_ENABLE[34] XD Bit Disable: "the XD Bit extended feature
	 * flag will be clear": NXE is then reserved (an NXE already set stays) */
	if (has(c, FEAT_nx) && (!msr_xd_disabled(c) || (c->efer & EFER_NXE)))
		ok |= EFER_NXE;
	if (has(c, FEAT_svm))
		ok |= EFER_SVME;
	return ok;
}

static int rd_efer(struct cpu *c, u32 idx, u64 *val)
{
	*val = c->efer;
	return 0;
}

static int wr_efer(struct cpu *c, u32 idx, u64 val)
{
	/* reserved bits (features the model lacks) -> #GP(0) */
	if (val & ~msr_efer_writable(c))
		return -1;
	/* APM "Enabling SVM": VM_CR.SVMDIS makes EFER.SVME must-be-zero */
	if (!svm_efer_ok(c, val))
		return -1;
	/* SDM "IA32_EFER": changing LME while paging is enabled -> #GP(0)
	 * ("Initializing IA-32e Mode": LME is set with CR0.PG = 0) */
	if ((c->cr0 & CR0_PG) && ((val ^ c->efer) & EFER_LME))
		return -1;
	/* LMA is read-only: the processor sets it on paging activation */
	val = (val & ~EFER_LMA) | (c->efer & EFER_LMA);
	if ((val ^ c->efer) & EFER_NXE)
		tlb_flush_all(c); /* cached translations encode XD permission */
	c->efer = val;
	cpu_update_mode(c);
	return 0;
}

/* --- the SVM MSRs (VM_CR, VM_HSAVE_PA, SVM_KEY, TSC_RATIO): their state
 * and rules are the SVM layer's (svm/svm.c) --- */
static int rd_svm(struct cpu *c, u32 idx, u64 *val)
{
	return svm_msr_read(c, idx, val);
}

static int wr_svm(struct cpu *c, u32 idx, u64 val)
{
	return svm_msr_write(c, idx, val);
}

/* --- memory types: PAT and MTRRs (SDM Vol.3A "Memory Cache Control") --- */
/* "Memory Types That Can Be Encoded in MTRRs": UC 0, WC 1, WT 4, WP 5, WB 6 */
static bool mtrr_type_ok(u64 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* SDM "IA32_PAT MSR": each entry is a 3-bit type (UC- = 7 too); 2, 3 and
 * any reserved bit set cause #GP(0) */
bool msr_pat_valid(u64 val)
{
	for (unsigned k = 0; k < 8; k++) {
		u64 t = (val >> (8 * k)) & 0xff;
		if (t != 7 && !mtrr_type_ok(t))
			return false;
	}
	return true;
}

static int wr_pat(struct cpu *c, u32 idx, u64 val)
{
	if (!msr_pat_valid(val))
		return -1;
	c->msr.pat = val;
	return 0;
}

/* IA32_MTRRCAP: VCNT=8 variable ranges, FIX (bit 8), WC (bit 10) */
static int rd_mtrrcap(struct cpu *c, u32 idx, u64 *val)
{
	*val = 8 | BIT(8) | BIT(10);
	return 0;
}

/* SDM "MTRRdefType Register": type in 7:0, FE bit 10, E bit 11, rest reserved */
static int wr_mtrr_def_type(struct cpu *c, u32 idx, u64 val)
{
	if ((val & ~(0xffull | BIT(10) | BIT(11))) || !mtrr_type_ok(val & 0xff))
		return -1;
	c->msr.mtrr_def_type = val;
	return 0;
}

static int mtrr_fixed_slot(u32 idx)
{
	if (idx == MSR_MTRR_FIX64K_00000)
		return 0;
	if (idx == MSR_MTRR_FIX16K_80000 || idx == MSR_MTRR_FIX16K_A0000)
		return 1 + (int)(idx - MSR_MTRR_FIX16K_80000);
	return 3 + (int)(idx - MSR_MTRR_FIX4K_C0000);
}

static int rd_mtrr_fixed(struct cpu *c, u32 idx, u64 *val)
{
	*val = c->msr.mtrr_fixed[mtrr_fixed_slot(idx)];
	return 0;
}

/* SDM "Fixed Range MTRRs": every byte holds a memory type */
static int wr_mtrr_fixed(struct cpu *c, u32 idx, u64 val)
{
	for (unsigned k = 0; k < 8; k++)
		if (!mtrr_type_ok((val >> (8 * k)) & 0xff))
			return -1;
	c->msr.mtrr_fixed[mtrr_fixed_slot(idx)] = val;
	return 0;
}

static int rd_mtrr_var(struct cpu *c, u32 idx, u64 *val)
{
	*val = c->msr.mtrr_var[idx - MSR_MTRR_PHYS];
	return 0;
}

/* SDM "Variable Range MTRRs": IA32_MTRR_PHYSBASEn = type 7:0, reserved
 * 11:8 and 63:MAXPHYADDR; IA32_MTRR_PHYSMASKn = reserved 10:0, V bit 11,
 * reserved 63:MAXPHYADDR */
static int wr_mtrr_var(struct cpu *c, u32 idx, u64 val)
{
	bool is_mask = (idx - MSR_MTRR_PHYS) & 1;
	u64 rsvd = phys_reserved(c) | (is_mask ? GENMASK(10, 0) : GENMASK(11, 8));

	if (val & rsvd)
		return -1;
	if (!is_mask && !mtrr_type_ok(val & 0xff))
		return -1;
	c->msr.mtrr_var[idx - MSR_MTRR_PHYS] = val;
	return 0;
}

/* --- machine check (SDM Vol.3B "Machine-Check Architecture") --- */
static int rd_mcg_cap(struct cpu *c, u32 idx, u64 *val)
{
	*val = MCG_BANKS | MCG_CTL_P;
	return 0;
}

/* IA32_MCG_STATUS: RIPV, EIPV, MCIP (bits 2:0); the rest reserved */
static int wr_mcg_status(struct cpu *c, u32 idx, u64 val)
{
	if (val & ~GENMASK(2, 0))
		return -1;
	c->msr.mcg_status = val;
	return 0;
}

/* IA32_MCG_CTL: all ones enables, all zeros disables */
static int wr_mcg_ctl(struct cpu *c, u32 idx, u64 val)
{
	if (val != 0 && val != ~0ull)
		return -1;
	c->msr.mcg_ctl = val;
	return 0;
}

/* IA32_MCi_CTL/STATUS/ADDR/MISC: the banks never log an error, so they read
 * as 0; "IA32_MCi_STATUS MSRs": software may only write zeros */
static int wr_mc_bank(struct cpu *c, u32 idx, u64 val)
{
	if (((idx - MSR_MC_BANK) & 3) == 1 && val != 0)
		return -1;
	return 0;
}

/* --- VMX --- */
/* IA32_FEATURE_CONTROL (SDM Vol.3C "Enabling and Entering VMX Operation"):
 * "If the lock bit is set, WRMSR to this MSR causes a general-protection
 * exception; the MSR cannot be modified until a power-up reset condition."
 * Bit 1 (VMXON in SMX operation): "Attempts to set this bit on logical
 * processors that do not support both VMX operation and SMX operation
 * cause general-protection exceptions" -- nestbox has no SMX, so it is
 * reserved. Bit 2 (VMXON outside SMX): "Attempts to set this bit on
 * logical processors that do not support VMX operation cause
 * general-protection exceptions". The other bits (SENTER, SGX, LMCE)
 * belong to features nestbox lacks: reserved. The MSR exists on Intel
 * models (QEMU reads it on all of them) and on any model with VMX, which
 * VMXON consults ("VMX works with any vendor string"). */
static int wr_feature_control(struct cpu *c, u32 idx, u64 val)
{
	u64 ok = FEATURE_CONTROL_LOCK | (has(c, FEAT_vmx) ? FEATURE_CONTROL_VMXON_OUTSIDE : 0);

	if ((c->msr.feature_control & FEATURE_CONTROL_LOCK) || (val & ~ok))
		return -1;
	c->msr.feature_control = val;
	return 0;
}

/* IA32_VMX_BASIC .. IA32_VMX_EXIT_CTLS2 (SDM Vol.3D Appendix A "VMX
 * Capability Reporting Facility"): read-only functions of the model's VMX
 * capabilities (vmx/caps.c, which also decides which of them exist: the
 * rest #GP like an unimplemented MSR, msr_lookup) */
static int rd_vmx_cap(struct cpu *c, u32 idx, u64 *val)
{
	return vmx_caps_msr_read(&c->model->vmx, idx, val) ? 0 : -1;
}

/* --- miscellaneous --- */

/* IA32_MISC_ENABLE at reset: the table's value, MWAIT enable only with
 * MONITOR, bit 7 "Performance Monitoring Available (R)" ("1 = Performance
 * monitoring enabled") with the Intel PMU */
static void misc_enable_reset(struct cpu *c)
{
	c->msr.misc_enable = MISC_ENABLE_RESET;
	if (!has(c, FEAT_monitor))
		c->msr.misc_enable &= ~MISC_ENABLE_MWAIT;
	if (pmu_is_intel(c))
		c->msr.misc_enable |= MISC_ENABLE_PERFMON;
}

u64 msr_misc_enable(struct cpu *c)
{
	/* BTS/PEBS-unavailable read as 1, so 0 means "not set up since a
	 * reset that did not run msr_reset()": take the reset value */
	if (!c->msr.misc_enable)
		misc_enable_reset(c);
	return c->msr.misc_enable;
}

/* SDM Vol.4 "IA32_MISC_ENABLE" (Table 2-2): the R/W bits, each with the
 * CPUID feature whose enumeration the table makes it depend on (-1:
 * always there); every other bit is read-only or reserved */
static const struct {
	u64 bit;
	int feat;
} misc_enable_rw[] = {
	{ MISC_ENABLE_FAST_STRING, -1 },        /* 0 Fast-Strings Enable */
	{ MISC_ENABLE_TCC, -1 },                /* 3 Automatic Thermal Control Circuit Enable */
	{ MISC_ENABLE_EIST, FEAT_est },         /* 16 "If CPUID.01H: ECX[7] = 1" */
	{ MISC_ENABLE_MWAIT, FEAT_monitor },    /* 18 "If CPUID.01H: ECX[3] = 1" */
	{ MISC_ENABLE_LIMIT_CPUID, -1 },        /* 22 Limit CPUID Maxval */
	{ MISC_ENABLE_XTPR_DISABLE, FEAT_xtpr }, /* 23 "If CPUID.01H: ECX[14] = 1" */
	{ MISC_ENABLE_XD_DISABLE, FEAT_nx },    /* 34 "If CPUID.80000001H: EDX[20] = 1" */
};

/* Execute Disable Bit disabled by IA32_MISC_ENABLE[34] (Intel only) */
bool msr_xd_disabled(const struct cpu *c)
{
	/* (a misc_enable still 0 is the reset value, with bit 34 clear) */
	return c->model && !c->model->vendor_amd && (c->msr.misc_enable & MISC_ENABLE_XD_DISABLE);
}

static int rd_misc_enable(struct cpu *c, u32 idx, u64 *val)
{
	*val = msr_misc_enable(c);
	return 0;
}

/* IA32_MISC_ENABLE: the bits of misc_enable_rw[] whose feature the model
 * has are writable (fast strings, thermal control, EIST, xTPR disable:
 * stored, no other effect; MWAIT enable, limit-CPUID-maxval, XD disable:
 * cpu/system/exec_sys.c and EFER below); performance monitoring, BTS and
 * PEBS unavailable are read-only; other bits reserved: a write must leave
 * them as they read */
static int wr_misc_enable(struct cpu *c, u32 idx, u64 val)
{
	u64 rw = 0;

	for (size_t k = 0; k < sizeof(misc_enable_rw) / sizeof(misc_enable_rw[0]); k++)
		if (misc_enable_rw[k].feat < 0 || has(c, (enum cpu_feature)misc_enable_rw[k].feat))
			rw |= misc_enable_rw[k].bit;
	if ((val ^ msr_misc_enable(c)) & ~rw)
		return -1;
	c->msr.misc_enable = val;
	return 0;
}

/* IA32_DEBUGCTL: LBR (bit 0: last-branch recording) and BTF (bit 1:
 * single-step on branches), cpu/system/debug.c; the other bits are
 * reserved here */
bool msr_debugctl_valid(u64 val) { return !(val & ~(u64)(DEBUGCTL_LBR | DEBUGCTL_BTF)); }

static int wr_debugctl(struct cpu *c, u32 idx, u64 val)
{
	if (!msr_debugctl_valid(val))
		return -1;
	c->msr.debugctl = val;
	return 0;
}

/* IA32_BIOS_SIGN_ID: microcode revision in bits 63:32 */
static int rd_bios_sign_id(struct cpu *c, u32 idx, u64 *val)
{
	*val = 1ull << 32;
	return 0;
}

/* IA32_SPEC_CTRL: IBRS (0), STIBP (1), SSBD (2) as advertised */
static int wr_spec_ctrl(struct cpu *c, u32 idx, u64 val)
{
	u64 ok = (has(c, FEAT_spec_ctrl) ? BIT(0) | BIT(1) : 0) | (has(c, FEAT_stibp) ? BIT(1) : 0) |
		 (has(c, FEAT_ssbd) ? BIT(2) : 0);

	if (val & ~ok)
		return -1;
	c->msr.spec_ctrl = val;
	return 0;
}

/* IA32_PRED_CMD: write-only, IBPB (bit 0) */
static int wr_pred_cmd(struct cpu *c, u32 idx, u64 val)
{
	return (val & ~BIT(0)) ? -1 : 0;
}

/* IA32_ARCH_CAPABILITIES: an interpreter has no speculative side channels:
 * RDCL_NO, IBRS_ALL, SKIP_L1DFL_VMENTRY, SSB_NO, MDS_NO, PSCHANGE_MC_NO,
 * TAA_NO */
static int rd_arch_capabilities(struct cpu *c, u32 idx, u64 *val)
{
	*val = BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8);
	return 0;
}

/* IA32_XSS: supervisor state components; nestbox supports none */
static int wr_xss(struct cpu *c, u32 idx, u64 val)
{
	if (val)
		return -1;
	c->msr.xss = val;
	return 0;
}

/* --- performance monitoring: cpu/system/pmu.c (the rows' handlers are
 * pmu_rd_* / pmu_wr_*) --- */

/* IA32_PKRS (SDM Vol.3A "Protection Keys"; Vol.4 "IA32_PKRS"): the
 * supervisor protection-key rights, bits 31:0; bits 63:32 reserved */
static int wr_pkrs(struct cpu *c, u32 idx, u64 val)
{
	if (val >> 32)
		return -1;
	if (val != c->msr.pkrs) {
		c->msr.pkrs = val;
		pk_changed(c);
	}
	return 0;
}

/* --- system-management mode (cpu/system/smm.c) --- */
/* SDM Vol.4 "MSR_SMI_COUNT": read-only count of SMIs taken (QEMU TCG reads
 * it on every model) */
static int rd_smi_count(struct cpu *c, u32 idx, u64 *val)
{
	*val = (u32)c->smm.smi_count;
	return 0;
}

/* SDM Vol.4 "IA32_SMBASE": read-only, "only accessible in SMM"; exists when
 * IA32_VMX_MISC[15] is set, so only on models with VMX */
static int rd_smbase(struct cpu *c, u32 idx, u64 *val)
{
	if (!c->smm.in_smm)
		return -1;
	*val = smm_smbase(c);
	return 0;
}

/* --- the table --- */
static const struct msr_desc msr_table[] = {
#define X(idx, nm, rdf, wrf, rst, gt) { idx, idx, #nm, rdf, wrf, rst, gt },
#define R(first, lst, nm, rdf, wrf, gt) { first, lst, #nm, rdf, wrf, 0, gt },
#include "cpu/system/msr.def"
#undef X
#undef R
};

static bool gate_open(const struct cpu *c, int gate)
{
	if (gate < FEAT_NR)
		return has(c, (enum cpu_feature)gate);
	switch (gate) {
	case G_ALWAYS: return true;
	case G_INTEL: return !c->model || !c->model->vendor_amd;
	case G_AMD: return c->model && c->model->vendor_amd;
	case G_AMD_PMU: return pmu_is_amd(c);
	case G_INTEL_PMU: return pmu_is_intel(c);
	case G_EFER: return has(c, FEAT_lm) || has(c, FEAT_nx) || has(c, FEAT_syscall);
	case G_SYSCALL: return has(c, FEAT_syscall) || has(c, FEAT_lm);
	case G_TSC_AUX: return has(c, FEAT_rdtscp) || has(c, FEAT_rdpid);
	case G_SPEC_CTRL: return has(c, FEAT_spec_ctrl) || has(c, FEAT_stibp) || has(c, FEAT_ssbd);
	case G_FEATURE_CONTROL: return !c->model || !c->model->vendor_amd || has(c, FEAT_vmx);
	case G_HV: return c->model && c->model->hv;
	case G_HV_VAPIC: return c->model && (c->model->hv & HV_BIT(HV_VAPIC));
	case G_HV_VPINDEX: return c->model && (c->model->hv & HV_BIT(HV_VPINDEX));
	default: return false;
	}
}

static const struct msr_desc *msr_find(u32 idx)
{
	size_t lo = 0, hi = ARRAY_SIZE(msr_table);

	while (lo < hi) { /* rows are in index order */
		size_t mid = (lo + hi) / 2;
		if (idx < msr_table[mid].first)
			hi = mid;
		else if (idx > msr_table[mid].last)
			lo = mid + 1;
		else
			return &msr_table[mid];
	}
	return NULL;
}

static const struct msr_desc *msr_lookup(const struct cpu *c, u32 idx)
{
	const struct msr_desc *d = msr_find(idx);

	if (!d || !gate_open(c, d->gate))
		return NULL;
	/* only the implemented banks exist: MCG_CAP.Count */
	if (d->first == MSR_MC_BANK && idx >= MSR_MC_BANK + 4 * MCG_BANKS)
		return NULL;
	/* the counters the vendor's PMU has (cpu/system/pmu.def) */
	if ((d->gate == G_AMD_PMU || d->gate == G_INTEL_PMU) && !pmu_msr_exists(c, idx))
		return NULL;
	/* each VMX capability MSR exists only with its capability (e.g.
	 * IA32_VMX_PROCBASED_CTLS2 with "activate secondary controls", the
	 * TRUE MSRs with IA32_VMX_BASIC[55]): vmx/caps.c decides */
	if (d->first == MSR_VMX_CAP && !vmx_caps_msr_read(&c->model->vmx, idx, &(u64){ 0 }))
		return NULL;
	return d;
}

bool msr_exists(const struct cpu *c, u32 idx)
{
	return msr_lookup(c, idx) != NULL;
}

const char *msr_name(u32 idx)
{
	const struct msr_desc *d = msr_find(idx);
	return d ? d->name : NULL;
}

int msr_read(struct cpu *c, u32 idx, u64 *val)
{
	const struct msr_desc *d = msr_lookup(c, idx);

	if (!d || !d->rd)
		return -1;
	return d->rd(c, idx, val);
}

int msr_write(struct cpu *c, u32 idx, u64 val)
{
	const struct msr_desc *d = msr_lookup(c, idx);

	if (!d || !d->wr)
		return -1;
	return d->wr(c, idx, val);
}

void msr_reset(struct cpu *c)
{
	for (size_t k = 0; k < ARRAY_SIZE(msr_table); k++) {
		u64 *slot = msr_slot(c, msr_table[k].first);
		if (slot)
			*slot = msr_table[k].reset;
	}
	memset(c->msr.mtrr_fixed, 0, sizeof(c->msr.mtrr_fixed));
	memset(c->msr.mtrr_var, 0, sizeof(c->msr.mtrr_var));
	c->msr.tsc_offset = 0;
	pmu_reset(c);
	misc_enable_reset(c);
}

/* The snapshot check (cpu/cpu_snap.c) of struct msr_state: each MSR kept
 * there holds a value its WRMSR would have stored as it is, so the write
 * handlers stay the one statement of what an MSR can hold. They run on a
 * scratch copy of the CPU (they touch nothing outside it: no row kept in
 * msr_state reaches the APIC or memory). MSRs the model lacks are skipped:
 * the guest can neither see nor change what their slots hold. */
const char *msr_state_check(const struct cpu *c, char *msg, size_t len)
{
	static struct cpu tmp; /* one host thread; struct cpu is large */
	static char name[40];

	tmp = *c;
	for (size_t k = 0; k < ARRAY_SIZE(msr_table); k++) {
		const struct msr_desc *d = &msr_table[k];

		if (!d->wr || (d->rd != rd_plain && d->rd != rd_mtrr_fixed && d->rd != rd_mtrr_var &&
			       d->rd != rd_misc_enable))
			continue;
		for (u32 idx = d->first; idx <= d->last; idx++) {
			u64 v, back;

			if (msr_read(&tmp, idx, &v))
				continue; /* absent on this model */
			/* the lock bit refuses later writes, not this value */
			if (idx == MSR_FEATURE_CONTROL)
				tmp.msr.feature_control = 0;
			if (msr_write(&tmp, idx, v) || msr_read(&tmp, idx, &back) || back != v) {
				size_t n = (size_t)snprintf(name, sizeof(name), "msr.");

				for (size_t j = 0; d->name[j] && n + 1 < sizeof(name); j++, n++)
					name[n] = (char)(d->name[j] >= 'A' && d->name[j] <= 'Z' ?
							 d->name[j] - 'A' + 'a' : d->name[j]);
				name[n] = 0;
				snprintf(msg, len, "MSR %#x holds %#llx, which WRMSR would not store", idx,
					 (unsigned long long)v);
				return name;
			}
		}
	}
	return hyperv_state_check(c, msg, len);
}

void msr_firmware_init(struct cpu *c)
{
	if (has(c, FEAT_vmx))
		c->msr.feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE;
}
