/* tests/bench/bench_int.c: a CPU-bound integer workload for `make bench`:
 * a sieve of Eratosthenes and a bitwise CRC-32 loop, run a fixed number of
 * times with interrupts off. Prints its checksums so a wrong result is
 * visible. */
#include "workload.h"

#define SIEVE_N 200000
static u8 composite[SIEVE_N];

int main(int argc, char **argv)
{
	u32 crc, primes = workload(composite, SIEVE_N, 20, &crc);

	printf("bench_int: primes below %u: %u, crc %08x\n", SIEVE_N, primes, crc);
	report(primes == PRIMES_BELOW_200000, "sieve result");
	return report_summary();
}
