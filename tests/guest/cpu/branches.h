/* tests/guest/cpu/branches.h: the branch sequence the PMU kernels
 * (amd_perf.c, intel_pmu.c) count over. */
#ifndef GUEST_CPU_BRANCHES_H
#define GUEST_CPU_BRANCHES_H

#include "guest.h"

/* The counter MSR `msr` read before and after a sequence with 7 branch
 * instructions among 15 instructions retired (the first RDMSR counts, the
 * second not): JMP, CALL, RET, JMP, a TEST with a JZ not taken (a fused
 * pair, cpu/decode/fastpath.c), a LOOP taken once and once not. Returns
 * the difference of the two 64-bit reads. */
static inline u64 branch_run_delta(u32 msr)
{
	u32 a0, a1, d1;
	asm volatile("rdmsr\n\t"
		     "mov %%eax, %0\n\t"
		     "mov %%ecx, %%r9d\n\t"
		     "jmp 1f\n\t"
		     "1: call 2f\n\t"
		     "jmp 3f\n\t"
		     "2: ret\n\t"
		     "3: test %%esp, %%esp\n\t"
		     "jz 4f\n\t"
		     "mov $2, %%ecx\n\t"
		     "4: nop\n\t"
		     "loop 4b\n\t"
		     "mov %%r9d, %%ecx\n\t"
		     "rdmsr"
		     : "=&r"(a0), "=a"(a1), "=d"(d1)
		     : "c"(msr)
		     : "r9", "memory");
	return ((u64)d1 << 32 | a1) - a0;
}

#endif
