/* cpu/system/msr.h: model-specific registers (cpu/system/msr.def is the table). RDMSR and
 * WRMSR (cpu/system/exec_sys.c) and, later, the VMX/SVM MSR-load lists and MSR
 * bitmaps all go through msr_read()/msr_write(). */
#ifndef NESTBOX_CPU_MSR_H
#define NESTBOX_CPU_MSR_H

#include "cpu/cpu.h"
#include "cpu/model.h"

/* gates beyond plain CPUID features (msr.def "gate" column) */
enum msr_gate {
	G_ALWAYS = FEAT_NR, /* every model */
	G_INTEL,            /* Intel-vendor models */
	G_AMD,              /* AMD-vendor models (AMD and Hygon) */
	G_AMD_PMU,          /* AMD-flavoured models, unless -cpu ...,pmu=off */
	G_INTEL_PMU,        /* Intel ones with CPUID leaf 0xA (cpu/system/pmu.c) */
	G_EFER,             /* lm, nx or syscall advertised */
	G_SYSCALL,          /* syscall or lm advertised */
	G_TSC_AUX,          /* rdtscp or rdpid advertised */
	G_SPEC_CTRL,        /* spec_ctrl, stibp or ssbd advertised */
	G_FEATURE_CONTROL,  /* Intel-vendor models, and any model with VMX */
	G_HV,               /* any -cpu hv-* flag nestbox implements (cpu/system/hyperv.def) */
	G_HV_VAPIC,         /* -cpu hv-vapic */
	G_HV_VPINDEX,       /* -cpu hv-vpindex */
};

enum msr_index {
#define X(idx, name, rd, wr, reset, gate) MSR_##name = idx,
#define R(first, last, name, rd, wr, gate) MSR_##name = first, MSR_##name##_END = last,
#include "cpu/system/msr.def"
#undef X
#undef R
};

/* IA32_MISC_ENABLE bits (SDM Vol.4 "IA32_MISC_ENABLE") */
#define MISC_ENABLE_FAST_STRING   BIT(0)
#define MISC_ENABLE_TCC           BIT(3)  /* automatic thermal control circuit */
#define MISC_ENABLE_PERFMON       BIT(7)  /* performance monitoring available (RO) */
#define MISC_ENABLE_BTS_UNAVAIL   BIT(11)
#define MISC_ENABLE_PEBS_UNAVAIL  BIT(12)
#define MISC_ENABLE_EIST          BIT(16) /* Enhanced Intel SpeedStep enable */
#define MISC_ENABLE_MWAIT         BIT(18)
#define MISC_ENABLE_LIMIT_CPUID   BIT(22)
#define MISC_ENABLE_XTPR_DISABLE  BIT(23)
#define MISC_ENABLE_XD_DISABLE    BIT(34)
#define MISC_ENABLE_RESET \
	(MISC_ENABLE_FAST_STRING | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL | \
	 MISC_ENABLE_MWAIT)

/* IA32_FEATURE_CONTROL bits */
#define FEATURE_CONTROL_LOCK           BIT(0)
#define FEATURE_CONTROL_VMXON_IN_SMX   BIT(1)
#define FEATURE_CONTROL_VMXON_OUTSIDE  BIT(2)

/* RDMSR / WRMSR semantics for index idx: return 0, or -1 when the access
 * must raise #GP(0) (absent MSR, reserved bits, read-only, non-canonical).
 * A failed write changes nothing. Privilege (CPL) is the caller's check. */
int msr_read(struct cpu *c, u32 idx, u64 *val);
int msr_write(struct cpu *c, u32 idx, u64 val);
/* does idx exist on this CPU's model? */
bool msr_exists(const struct cpu *c, u32 idx);
/* table name ("EFER") or NULL */
const char *msr_name(u32 idx);
/* power-up values of the MSRs stored in c->msr (SDM "Processor State After
 * Reset"); IA32_APIC_BASE and IA32_TSC_DEADLINE belong to the local APIC */
void msr_reset(struct cpu *c);
/* what firmware (SeaBIOS under QEMU) leaves before a -kernel image runs:
 * IA32_FEATURE_CONTROL locked with VMXON outside SMX when VMX is advertised */
void msr_firmware_init(struct cpu *c);

/* IA32_MISC_ENABLE as it reads now (CPUID and MONITOR/MWAIT depend on it) */
u64 msr_misc_enable(struct cpu *c);
/* IA32_MISC_ENABLE[34] XD Bit Disable is set (Intel): CPUID hides NX and
 * EFER.NXE cannot be set */
bool msr_xd_disabled(const struct cpu *c);

/* snapshot check: NULL if every MSR kept in c->msr holds a value its WRMSR
 * would store, else "msr." and the MSR's name in lower case ("msr.pat"),
 * with the reason in msg */
const char *msr_state_check(const struct cpu *c, char *msg, size_t len);

/* IA32_EFER bits the model has (LMA included); the rest are reserved */
u64 msr_efer_writable(const struct cpu *c);

/* the linear-address width for canonical checks (cpu model, default 48) */
bool msr_canonical(const struct cpu *c, u64 v);
/* a value WRMSR accepts for IA32_PAT (SDM "IA32_PAT MSR") */
bool msr_pat_valid(u64 val);
/* a value WRMSR to IA32_DEBUGCTL accepts (its reserved bits clear) */
bool msr_debugctl_valid(u64 val);

#endif
