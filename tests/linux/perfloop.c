/* tests/linux/perfloop.c: the workload of the perf tier (tests/linux/
 * run-perf.sh): a static program of known length. From its first
 * instruction to its exit it runs exactly 2 * N + 4 instructions: MOV,
 * N times DEC + JNZ, MOV, XOR, SYSCALL (N = 10000), so `perf stat -e
 * instructions:u` in the guest can be checked for an exact count.
 * Built with -nostdlib -static: no C library start-up code runs. */
#define PERFLOOP_N "10000"

__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("mov $" PERFLOOP_N ", %ecx\n"
			 "1: dec %ecx\n\t"
			 "jnz 1b\n\t"
			 "mov $60, %eax\n\t" /* exit(0) */
			 "xor %edi, %edi\n\t"
			 "syscall\n\t");
}
