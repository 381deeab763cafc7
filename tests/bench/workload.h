/* tests/bench/workload.h: the integer workload the CPU benchmarks share: a
 * sieve of Eratosthenes and a bitwise CRC-32 over its table. */
#ifndef NESTBOX_BENCH_WORKLOAD_H
#define NESTBOX_BENCH_WORKLOAD_H

#include "guest.h"

#define PRIMES_BELOW_100000 9592
#define PRIMES_BELOW_200000 17984

/* marks the composites below n in a[]; returns the number of primes */
static u32 sieve(u8 *a, u32 n)
{
	u32 count = 0;

	memset(a, 0, n);
	for (u32 i = 2; i < n; i++) {
		if (a[i])
			continue;
		count++;
		for (u32 j = i * 2; j < n; j += i)
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

/* `rounds` rounds of sieve + CRC over a[0..n); returns the prime count and
 * the running CRC in *crc */
static u32 workload(u8 *a, u32 n, int rounds, u32 *crc)
{
	u32 primes = 0;

	*crc = 0;
	for (int round = 0; round < rounds; round++) {
		primes = sieve(a, n);
		*crc = crc32(a, n, *crc);
	}
	return primes;
}

#endif
