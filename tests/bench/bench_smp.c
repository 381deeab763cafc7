/* tests/bench/bench_smp.c: the 4-vCPU figure of `make bench`: the BSP and
 * three APs each run the same integer workload (a sieve of Eratosthenes and
 * a bitwise CRC-32, on arrays of their own) at the same time; the MIPS
 * figure counts the instructions of all four (tools/bench.sh). Prints each
 * CPU's checksums so a wrong result is visible.
 * run-args: -smp 4
 */
#include "workload.h"

#define NCPU 4
#define SIEVE_N 100000
#define ROUNDS 10

static u8 composite[NCPU][SIEVE_N];
static volatile u32 primes[NCPU], crcs[NCPU];

static void work(void *data)
{
	int id = smp_id();
	u32 crc, p = workload(composite[id], SIEVE_N, ROUNDS, &crc);

	primes[id] = p;
	crcs[id] = crc;
}

int main(int argc, char **argv)
{
	int n = smp_init(), ok = 1;

	report(n == NCPU, "%d CPUs", n);
	for (int c = 1; c < n; c++)
		on_cpu_async(c, work, NULL);
	work(NULL);
	for (int c = 1; c < n; c++)
		smp_wait(c);
	for (int c = 0; c < n; c++) {
		printf("bench_smp: cpu %d: primes below %u: %u, crc %08x\n", c, SIEVE_N, primes[c],
		       crcs[c]);
		ok &= primes[c] == PRIMES_BELOW_100000 && crcs[c] == crcs[0];
	}
	report(ok, "every CPU got the same, right result");
	return report_summary();
}
