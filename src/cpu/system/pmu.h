/* cpu/system/pmu.h: performance monitoring (cpu/system/pmu.c; the vendors'
 * counters are rows of cpu/system/pmu.def). AMD's legacy counters on
 * AMD-flavoured models, Intel's architectural performance monitoring
 * (version 2) on Intel ones; -cpu ...,pmu=off removes both. */
#ifndef NESTBOX_CPU_PMU_H
#define NESTBOX_CPU_PMU_H

#include "cpu/cpu.h"

/* CPUID leaf 0xA as the Intel row gives it (cpu/model.c puts it in an
 * Intel-flavoured model unless pmu=off) */
void pmu_cpuid_leaf_a(u32 out[4]);

/* power-up state (from msr_reset): counters stopped, the timer disarmed */
void pmu_reset(struct cpu *c);
/* the CPL changed (cpu_update_mode): events counted so far were at the
 * old one; counters that count in one ring only start or stop */
void pmu_cpl_changed(struct cpu *c);
/* RDPMC's counter for ECX, or -1 when ECX names no counter (#GP) */
int pmu_rdpmc(struct cpu *c, u32 ecx, u64 *val);

/* does MSR idx (a PMU row of msr.def) exist on this CPU? */
bool pmu_msr_exists(const struct cpu *c, u32 idx);
/* which PMU the model has (msr.def gates) */
bool pmu_is_amd(const struct cpu *c);
bool pmu_is_intel(const struct cpu *c);
/* IA32_PERF_CAPABILITIES.FW_WRITE: the IA32_A_PMCx aliases exist */
bool pmu_full_width(const struct cpu *c);
/* a value WRMSR accepts for IA32_PERF_GLOBAL_CTRL (for the VMX "load
 * IA32_PERF_GLOBAL_CTRL" checks) */
bool pmu_global_ctrl_valid(const struct cpu *c, u64 v);

/* the MSR handlers (msr.def rows) */
int pmu_rd_evtsel(struct cpu *c, u32 idx, u64 *val);
int pmu_wr_evtsel(struct cpu *c, u32 idx, u64 val);
int pmu_rd_ctr(struct cpu *c, u32 idx, u64 *val);
int pmu_wr_ctr(struct cpu *c, u32 idx, u64 val);
int pmu_rd_fixed_ctr(struct cpu *c, u32 idx, u64 *val);
int pmu_wr_fixed_ctr(struct cpu *c, u32 idx, u64 val);
int pmu_rd_a_pmc(struct cpu *c, u32 idx, u64 *val);
int pmu_wr_a_pmc(struct cpu *c, u32 idx, u64 val);
int pmu_rd_perf_capabilities(struct cpu *c, u32 idx, u64 *val);
int pmu_rd_fixed_ctrl(struct cpu *c, u32 idx, u64 *val);
int pmu_wr_fixed_ctrl(struct cpu *c, u32 idx, u64 val);
int pmu_rd_global_status(struct cpu *c, u32 idx, u64 *val);
int pmu_rd_global_ctrl(struct cpu *c, u32 idx, u64 *val);
int pmu_wr_global_ctrl(struct cpu *c, u32 idx, u64 val);
int pmu_rd_global_ovf_ctrl(struct cpu *c, u32 idx, u64 *val);
int pmu_wr_global_ovf_ctrl(struct cpu *c, u32 idx, u64 val);

/* snapshot check: NULL if the PMU state is one WRMSR could have made,
 * else the member's name with the reason in msg */
const char *pmu_state_check(const struct cpu *c, char *msg, size_t len);

#endif
