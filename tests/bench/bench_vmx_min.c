/* tests/bench/bench_vmx_min.c: the nested exit round trip with the smallest
 * L1 (docs/performance.md "Nested VMX"): L2 runs CPUID in a loop; at each
 * exit L1's VM-exit handler is eight instructions of assembly -- VMREAD the
 * exit reason, VMREAD the guest RIP and the instruction length, VMWRITE the
 * advanced RIP, VMRESUME -- so the host time per round trip is nestbox's
 * own: L2's CPUID and loop, the VM exit, those instructions, the VM entry.
 * (bench_vmx does the same through the guest library's C exit path, about
 * 200 L1 instructions per exit.) L2 and L1 share the general registers:
 * L2 keeps its count in R12, L1 uses only R13-R15.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vmx.h"

#define ROUND_TRIPS 200000
#define STR_(x) #x
#define STR(x) STR_(x)

/* L2: ROUND_TRIPS CPUIDs, then VMCALL (an exit the handler does not take) */
extern char bench_l2[];
/* VMLAUNCH with HOST_RSP/HOST_RIP set to the handler; returns the exit
 * reason that was not CPUID's */
u64 bench_launch(void);

asm(".text\n\t"
    ".balign 4096\n"
    "bench_l2:\n\t"
    "mov $" STR(ROUND_TRIPS) ", %r12\n"
    "1:\txor %eax, %eax\n\t"
    "xor %ecx, %ecx\n\t"
    "cpuid\n\t"
    "dec %r12\n\t"
    "jnz 1b\n\t"
    "vmcall\n\t"
    ".balign 4096\n" /* L1's code on a page of its own, as in any hypervisor */
    ".globl bench_launch\n"
    "bench_launch:\n\t"
    "push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n\t"
    "mov $0x6c14, %r13d\n\t" /* HOST_RSP */
    "vmwrite %rsp, %r13\n\t"
    "mov $0x6c16, %r13d\n\t" /* HOST_RIP */
    "lea bench_exit(%rip), %r14\n\t"
    "vmwrite %r14, %r13\n\t"
    "vmlaunch\n\t"
    "mov $-1, %rax\n\t"      /* VMLAUNCH failed */
    "jmp 2f\n"
    "bench_exit:\n\t"
    "mov $0x4402, %r13d\n\t" /* VM_EXIT_REASON */
    "vmread %r13, %r14\n\t"
    "cmp $10, %r14w\n\t"     /* CPUID */
    "jne 3f\n\t"
    "mov $0x681e, %r13d\n\t" /* GUEST_RIP */
    "vmread %r13, %r14\n\t"
    "mov $0x440c, %r13d\n\t" /* VM_EXIT_INSTRUCTION_LEN */
    "vmread %r13, %r15\n\t"
    "add %r15, %r14\n\t"
    "mov $0x681e, %r13d\n\t"
    "vmwrite %r14, %r13\n\t"
    "vmresume\n\t"
    "mov $-2, %rax\n\t"      /* VMRESUME failed */
    "jmp 2f\n"
    "3:\tmov %r14, %rax\n"
    "2:\tpop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n\t"
    "ret\n");

static u64 l2_unused(u64 n)
{
	return n;
}

int main(int argc, char **argv)
{
	struct vmx_vmcs_cfg cfg = { .proc = PROC_ACTIVATE_SECONDARY, .proc2 = PROC2_ENABLE_VPID };

	if (!vmx_supported()) {
		printf("SKIP: vmx: CPUID.1:ECX.VMX is 0\n");
		return report_summary();
	}
	if (!vmx_start() || !vmx_new_vmcs() || !vmx_vmcs_setup(&cfg, l2_unused, 0)) {
		report(false, "VMX set up");
		return report_summary();
	}
	vmcs_set(VIRTUAL_PROCESSOR_ID, 1);
	vmcs_set(GUEST_RIP, (u64)bench_l2);
	u64 reason = bench_launch();
	u64 rip = vmcs_get(GUEST_RIP);
	printf("bench_vmx_min: exit reason %llu at the end\n", (unsigned long long)reason);
	report((reason & 0xffff) == 18 && rip > (u64)bench_l2 && rip < (u64)bench_l2 + 32,
	       "%d CPUIDs exited and were resumed, then VMCALL", ROUND_TRIPS);
	return report_summary();
}
