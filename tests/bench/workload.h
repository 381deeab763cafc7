/* tests/bench/workload.h: the integer workload the CPU benchmarks share: a
 * sieve of Eratosthenes and a bitwise CRC-32 over its table. */
#ifndef NESTBOX_BENCH_WORKLOAD_H
#define NESTBOX_BENCH_WORKLOAD_H

#include "guest.h"

#define SIEVE_N 200000
#define SIEVE_PRIMES 17984 /* primes below SIEVE_N */
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

/* `rounds` rounds of sieve + CRC; returns the prime count, CRC in *crc */
static u32 workload(int rounds, u32 *crc)
{
	u32 primes = 0;
	*crc = 0;
	for (int round = 0; round < rounds; round++) {
		primes = sieve();
		*crc = crc32(composite, SIEVE_N, *crc);
	}
	return primes;
}

#endif
