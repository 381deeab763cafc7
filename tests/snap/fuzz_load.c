/* tests/snap/fuzz_load.c: the snapshot loader as a fuzz target. Any input
 * must end in a clean refusal or a loaded machine that then runs without
 * hurting the host (checked under ASan/UBSan).
 *
 * Built two ways:
 *  - with clang -fsanitize=fuzzer (make fuzz-snap): libFuzzer drives
 *    LLVMFuzzerTestOneInput;
 *  - plainly (make test): main() makes a seeded series of mutations of the
 *    snapshot files named on its command line and feeds each to the same
 *    function, so `make test` runs a deterministic fuzz pass.
 * Each input is tried as it is and, because nearly every mutation would
 * otherwise stop at a checksum, once more with every checksum made right
 * again, so the mutation reaches the section decoders and checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bits.h"
#include "machine/machine.h"
#include "machine/snapshot.h"
#include "snap/file.h"


/* make every checksum (and the total size) right again */
static void fix_checksums(u8 *img, size_t size)
{
	if (size < SNAP_HEADER_SIZE)
		return;
	u32 n = load_le32(img + 12);
	size_t off = SNAP_HEADER_SIZE;
	for (u32 i = 0; i < n && size - off >= SNAP_SECTION_HEADER_SIZE; i++) {
		u8 *h = img + off;
		u64 len = load_le64(h + 40);
		off += SNAP_SECTION_HEADER_SIZE;
		if (len <= size - off)
			store_le32(h + 28, snap_crc32c(0, img + off, (size_t)len));
		store_le32(h + 52, snap_crc32c(0, h, 52));
		if (len > size - off)
			break;
		off += (size_t)len;
	}
	store_le64(img + 16, size);
	store_le32(img + 28, snap_crc32c(0, img, 28));
}

static void try_load(const u8 *data, size_t size)
{
	static struct machine m;
	char err[400];

	if (snapshot_load_bytes(data, size, &m, err, sizeof(err)) < 0)
		return;
	/* a state that passed every check must be safe to run */
	m.pause_at = machine_icount(&m) + 2000;
	m.cfg.max_insns = m.pause_at;
	machine_run(&m);
	machine_free(&m);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	try_load(data, size);
	u8 *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fix_checksums(copy, size);
	try_load(copy, size);
	free(copy);
	return 0;
}

#ifndef NESTBOX_LIBFUZZER
static u64 rng;
static u64 next(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static u8 *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	u8 *p = malloc(n > 0 ? (size_t)n : 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(p);
		return NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return p;
}

/* one mutation of seed into out (same size or a little different) */
static size_t mutate(const u8 *seed, size_t size, u8 *out, size_t cap)
{
	size_t n = size < cap ? size : cap;
	memcpy(out, seed, n);
	int edits = 1 + (int)(next() % 4);
	for (int e = 0; e < edits && n; e++) {
		size_t at = (size_t)(next() % n);
		switch (next() % 6) {
		case 0: out[at] ^= (u8)(1u << (next() % 8)); break;       /* flip a bit */
		case 1: out[at] = (u8)next(); break;                       /* a random byte */
		case 2: out[at] = (u8)(next() & 1 ? 0xff : 0); break;     /* 0 or all ones */
		case 3: n = at + 1; break;                                  /* truncate */
		case 4: {                                                   /* a little-endian u64 */
			u64 v = next() % 3 == 0 ? next() : next() % 70;
			for (int i = 0; i < 8 && at + (size_t)i < n; i++)
				out[at + (size_t)i] = (u8)(v >> (8 * i));
			break;
		}
		default: {                                                  /* copy a run */
			size_t from = (size_t)(next() % n), len = (size_t)(next() % 64);
			if (from + len <= n && at + len <= n)
				memmove(out + at, out + from, len);
			break;
		}
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	long iters = 2000;
	int first = 1;
	if (argc > 2 && !strcmp(argv[1], "-n")) {
		iters = atol(argv[2]);
		first = 3;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: fuzz_load [-n ITERATIONS] SEED.nbx...\n");
		return 2;
	}
	int nseeds = argc - first;
	u8 **seeds = calloc((size_t)nseeds, sizeof(*seeds));
	size_t *sizes = calloc((size_t)nseeds, sizeof(*sizes));
	size_t cap = 0;
	for (int i = 0; i < nseeds; i++) {
		seeds[i] = slurp(argv[first + i], &sizes[i]);
		if (!seeds[i]) {
			printf("FAIL: snapshot fuzz: cannot read seed %s\n", argv[first + i]);
			return 1;
		}
		if (sizes[i] > cap)
			cap = sizes[i];
	}
	u8 *buf = malloc(cap ? cap : 1);
	rng = 0x5eedf00dull;
	/* the seeds themselves must load */
	for (int i = 0; i < nseeds; i++)
		LLVMFuzzerTestOneInput(seeds[i], sizes[i]);
	for (long k = 0; k < iters; k++) {
		int s = (int)(next() % (u64)nseeds);
		size_t n = mutate(seeds[s], sizes[s], buf, cap);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("PASS: snapshot fuzz: %ld seeded mutations of %d snapshots loaded or refused "
	       "without harm\n", iters, nseeds);
	free(buf);
	for (int i = 0; i < nseeds; i++)
		free(seeds[i]);
	free(seeds);
	free(sizes);
	return 0;
}
#endif
