/* cpu/model.h: a CPU model is data: CPUID leaves and feature bits chosen on
 * the command line (-cpu NAME[,+feat,-feat...]). Owned by cpu/model.c. */
#ifndef NESTBOX_CPU_MODEL_H
#define NESTBOX_CPU_MODEL_H

#include "base/types.h"
#include "vmx/caps.h"

/* FEAT(name, leaf, subleaf, reg, bit): a CPUID feature flag. reg is EAX..EDX.
 * `name` is what -cpu +name/-name spells (QEMU's names). */
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };
enum cpu_feature {
#define FEAT(name, leaf, sub, reg, bit) FEAT_##name,
#include "cpu/features.def"
	FEAT_NR
};

struct cpuid_leaf {
	u32 leaf, subleaf;
	u32 r[4]; /* EAX EBX ECX EDX */
};

#define MODEL_MAX_LEAVES 64
struct cpu_model {
	char name[32];
	u8 vendor_amd;
	u8 phys_addr_bits; /* MAXPHYADDR (CPUID 0x80000008 EAX[7:0]); read it through cpu_maxphyaddr() */
	u8 lin_addr_bits;
	bool pmu_off; /* -cpu ...,pmu=off: no performance counters at all */
	/* Hyper-V interface flags given on -cpu (bits HV_BIT(enum hv_flag),
	 * cpu/system/hyperv.def): 0 = no Hyper-V leaves nor synthetic MSRs */
	u8 hv;
	struct cpuid_leaf leaves[MODEL_MAX_LEAVES];
	int nr_leaves;
	u64 features[(FEAT_NR + 63) / 64]; /* derived from leaves: the single source is leaves[] */
	/* VMX capabilities (meaningful when CPUID.1:ECX.VMX is set): what
	 * nestbox implements (vmx/caps.c vmx_implemented[]) for this model's
	 * CR4 bits and long mode, edited by -cpu ...,+vmx-NAME/-vmx-NAME */
	struct vmx_caps vmx;
};

/* Build a model from "-cpu" text. Returns 0, or -1 with a message in err. */
int cpu_model_parse(struct cpu_model *m, const char *spec, char *err, unsigned errlen);
bool cpu_has(const struct cpu_model *m, enum cpu_feature f);
/* CPUID for (leaf, subleaf) with per-CPU fixups (APIC ID, OSXSAVE from CR4) by caller */
void cpu_model_cpuid(const struct cpu_model *m, u32 leaf, u32 subleaf, u32 out[4]);
/* the CR4 bits MOV to CR4 may set on this model (the rest are reserved):
 * SDM Vol.3A "Control Registers", each bit with the CPUID feature that
 * makes it exist */
u64 cpu_model_cr4_bits(const struct cpu_model *m);
/* names for -cpu help */
void cpu_model_list(void);

#endif
