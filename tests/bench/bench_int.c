/* tests/bench/bench_int.c: a CPU-bound integer workload for `make bench`:
 * a sieve of Eratosthenes and a bitwise CRC-32 loop, run a fixed number of
 * times. Prints its checksums so a wrong result is visible. */
#include "guest.h"

#define SIEVE_N 200000
static u8 composite[SIEVE_N];

static u32 sieve(void)
{
	u32 count = 0;
	memset(composite, 0, sizeof(composite));
	for (u32 i = 2; i < SIEVE_N; i++) {
		if (composite[i])
			continue;
		count++;
		for (u32 j = i * 2; j < SIEVE_N; j += i)
			composite[j] = 1;
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

int main(int argc, char **argv)
{
	u32 primes = 0, crc = 0;
	for (int round = 0; round < 20; round++) {
		primes = sieve();
		crc = crc32(composite, SIEVE_N, crc);
	}
	printf("bench_int: primes below %u: %u, crc %08x\n", SIEVE_N, primes, crc);
	report(primes == 17984, "sieve result");
	return report_summary();
}
