/* cpu/system/pmu_state.h: the performance counters' state (owned by
 * cpu/system/pmu.c). One layout for both vendors: the vendor's row in
 * pmu.def says how many of the slots exist and which MSRs name them. */
#ifndef NESTBOX_CPU_PMU_STATE_H
#define NESTBOX_CPU_PMU_STATE_H

#include "base/types.h"
#include "machine/clock.h"

#define PMU_MAX_GP    8 /* general-purpose counters (slots 0-7) */
#define PMU_MAX_FIXED 3 /* Intel fixed-function counters (slots 8-10) */
#define PMU_SLOTS     (PMU_MAX_GP + PMU_MAX_FIXED)

struct pmu_state {
	u64 evtsel[PMU_MAX_GP]; /* IA32_PERFEVTSELx / PerfEvtSelx as written */
	/* counter values (48 bits) as they were at instruction count `base`
	 * (c->icount, the clock) and retired-instruction count `base_retired`
	 * (cpu_insns_retired): a counting counter adds its events since then
	 * when read (pmu_sync folds them in) */
	u64 ctr[PMU_SLOTS];
	u64 base;
	u64 base_retired;
	u64 base_branches; /* c->branches at `base` */
	u64 fixed_ctrl;    /* IA32_FIXED_CTR_CTRL */
	u64 global_ctrl;   /* IA32_PERF_GLOBAL_CTRL */
	u64 global_status; /* IA32_PERF_GLOBAL_STATUS */
	u8 cpl;            /* the CPL the events since `base` happened at */
	/* fires at the first overflow of a counter that interrupts */
	struct timer timer;
};

#endif
