/* tests/bench/bench_mem.c: a guest that keeps most of its RAM busy, for the
 * snapshot benchmark (tools/bench.sh, docs/performance.md "Snapshots"):
 * it writes every 4 KiB page from 16 MiB to 16 MiB below the end of RAM
 * with data of the kinds a running system holds — a third random-looking
 * (compressed data, keys), a third text-like, a third small counters and
 * pointers — then exits. Identity-mapped memory (tests/guest/lib/boot.S). */
#include "guest.h"

static u64 state = 0x9e3779b97f4a7c15ull;

static u64 next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int main(int argc, char **argv)
{
	u64 end = ((u64)mb_mem_upper + 1024) * 1024 - (16u << 20);
	u64 pages = 0, sum = 0;

	for (u64 pa = 16u << 20; pa + 4096 <= end; pa += 4096, pages++) {
		u64 *p = (u64 *)pa;
		switch (pages % 3) {
		case 0: /* random */
			for (int i = 0; i < 512; i++)
				p[i] = next();
			break;
		case 1: { /* text-like: words from a small alphabet */
			u8 *b = (u8 *)pa;
			for (int i = 0; i < 4096; i++)
				b[i] = (u8)("etaoin shrdlu\n"[next() % 14]);
			break;
		}
		default: /* counters and pointers */
			for (int i = 0; i < 512; i++)
				p[i] = i % 4 == 0 ? pa + (u64)i * 8 : (u64)(i * pages) & 0xffff;
			break;
		}
		sum += p[7];
	}
	printf("bench_mem: %llu pages written, checksum %llx\n", (unsigned long long)pages,
	       (unsigned long long)sum);
	report(pages > 1000, "pages written");
	return report_summary();
}
