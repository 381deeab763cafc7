/* tests/bench/bench_vmx.c: the nested exit round trip for `make bench`
 * (docs/performance.md "Nested VMX"): L2 runs CPUID in a loop; every CPUID
 * exits to L1, which reads the exit reason, advances the guest RIP by the
 * exit's instruction length and resumes L2. tools/bench.sh divides the host
 * time by the number of round trips.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vmx.h"

#define ROUND_TRIPS 200000u

static u64 l2_main(u64 n)
{
	for (u64 k = 0; k < n; k++) {
		u32 a = 0, b, c = 0, d;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	return n;
}

int main(int argc, char **argv)
{
	/* with a VPID, as KVM runs its L2s: entries and exits flush nothing */
	struct vmx_vmcs_cfg cfg = { .proc = PROC_ACTIVATE_SECONDARY, .proc2 = PROC2_ENABLE_VPID };
	u64 exits = 0;

	if (!vmx_supported()) {
		printf("SKIP: vmx: CPUID.1:ECX.VMX is 0\n");
		return report_summary();
	}
	if (!vmx_start() || !vmx_new_vmcs() || !vmx_vmcs_setup(&cfg, l2_main, ROUND_TRIPS)) {
		report(false, "VMX set up");
		return report_summary();
	}
	vmcs_set(VIRTUAL_PROCESSOR_ID, 1);
	int r = vmx_launch();
	while (r == VMX_OK && !vmx_l2_finished() && (vmx_exit_reason() & 0xffff) == 10) {
		exits++;
		r = vmx_skip_and_resume();
	}
	printf("bench_vmx: %llu CPUID round trips\n", (unsigned long long)exits);
	report(exits == ROUND_TRIPS && vmx_l2_finished(), "every CPUID exited and was resumed");
	return report_summary();
}
