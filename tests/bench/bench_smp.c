/* tests/bench/bench_smp.c: the 4-vCPU figure of `make bench`: the BSP and
 * three APs each run the same integer workload (a sieve of Eratosthenes and
 * a bitwise CRC-32, on arrays of their own) at the same time; the MIPS
 * figure counts the instructions of all four (tools/bench.sh). Prints each
 * CPU's checksums so a wrong result is visible.
 * run-args: -smp 4
 */
#include "guest.h"

#define NCPU 4
#define SIEVE_N 100000
#define ROUNDS 10

static u8 composite[NCPU][SIEVE_N];
static volatile u32 primes[NCPU], crcs[NCPU];

static u32 sieve(u8 *a)
{
	u32 count = 0;

	memset(a, 0, SIEVE_N);
	for (u32 i = 2; i < SIEVE_N; i++) {
		if (a[i])
			continue;
		count++;
		for (u32 j = i * 2; j < SIEVE_N; j += i)
			a[j] = 1;
	}
	return count;
}

static u32 crc32(const u8 *p, u32 n, u32 crc)
{
	crc = ~crc;
	for (u32 i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static void work(void *data)
{
	int id = smp_id();
	u32 p = 0, crc = 0;

	for (int r = 0; r < ROUNDS; r++) {
		p = sieve(composite[id]);
		crc = crc32(composite[id], SIEVE_N, crc);
	}
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
		ok &= primes[c] == 9592 && crcs[c] == crcs[0];
	}
	report(ok, "every CPU got the same, right result");
	return report_summary();
}
