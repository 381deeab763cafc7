/* tests/bench/bench_svm.c: the SVM round trip for `make bench`
 * (docs/performance.md "Nested SVM"): L2 runs VMMCALL in a loop; every
 * VMMCALL exits to L1 (#VMEXIT), which reads the exit code, advances the
 * guest RIP past the instruction and runs L2 again (VMRUN), with CLGI/STGI
 * around it as KVM does. tools/bench.sh divides the host time by the number
 * of round trips. (With ICPT's intercepts merged, a CPUID loop measures the
 * same path.)
 * run-args: -cpu max,+svm
 */
#include "guest.h"
#include "svm.h"

#define ROUND_TRIPS 200000u

static u64 l2_main(u64 n)
{
	for (u64 k = 0; k < n; k++)
		asm volatile("vmmcall" : : "a"(k) : "memory");
	return n;
}

int main(int argc, char **argv)
{
	extern char svm_l2_done[];
	u64 exits = 0;

	if (!svm_supported())
		return report_summary();
	svm_enable();
	u8 *vmcb = svm_vmcb_alloc();
	svm_vmcb_setup(vmcb, l2_main, ROUND_TRIPS);
	u64 pa = virt_to_phys(vmcb);
	for (;;) {
		clgi();
		svm_enter(pa);
		stgi();
		if (vmcb_get(vmcb, VMCB_EXITCODE) != SVM_EXIT_VMMCALL ||
		    vmcb_get(vmcb, VMCB_RIP) == (u64)svm_l2_done)
			break;
		exits++;
		svm_skip_vmmcall(vmcb);
	}
	printf("bench_svm: %llu VMMCALL round trips\n", (unsigned long long)exits);
	report(exits == ROUND_TRIPS && vmcb_get(vmcb, VMCB_RAX) == ROUND_TRIPS,
	       "every VMMCALL exited and L2 was run again");
	return report_summary();
}
