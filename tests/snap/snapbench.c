/* tests/bench/snapbench.c: how long saving and loading a snapshot takes,
 * and how big the file is (make bench; docs/performance.md "Snapshots").
 *   snapbench FILE [RUNS]
 * Loads FILE into a new machine RUNS times (default 5) and saves the loaded
 * machine RUNS times, timing each with the host's monotonic clock (a
 * benchmark, not the emulator: host time never reaches a guest), and prints
 * the best and median milliseconds of each and the file's size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "machine/config.h"
#include "machine/machine.h"
#include "machine/snapshot.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static struct machine *load(const char *path)
{
	struct machine_config cfg = { 0 };
	struct snapshot_given given = { 0 };
	struct snap_file f;
	struct machine *m = calloc(1, sizeof(*m));

	cfg.ram_size = CONFIG_DEFAULT_RAM;
	cfg.smp = 1;
	cfg.debug_exit = true;
	cfg.serial_path = "/dev/null";
	if (!m || snapshot_open(&f, path, &cfg, &given) < 0)
		exit(1);
	if (machine_init(m, &cfg) < 0 || snapshot_apply(m, &f) < 0)
		exit(1);
	snap_file_free(&f);
	return m;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: snapbench FILE [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 100)
		runs = 5;
	double *tl = calloc((size_t)runs, sizeof(double)), *ts = calloc((size_t)runs, sizeof(double));
	char out[4096];
	struct stat st;

	snprintf(out, sizeof(out), "%s.again", argv[1]);
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		struct machine *m = load(argv[1]);
		double t1 = now_ms();
		if (snapshot_save(m, out) < 0)
			return 1;
		double t2 = now_ms();
		tl[i] = t1 - t0;
		ts[i] = t2 - t1;
		machine_free(m);
		free(m);
	}
	qsort(tl, (size_t)runs, sizeof(double), cmp);
	qsort(ts, (size_t)runs, sizeof(double), cmp);
	if (stat(out, &st) < 0)
		return 1;
	struct machine *m = load(argv[1]);
	printf("%-28s RAM %6llu MiB  file %9lld bytes  save best %7.1f ms median %7.1f ms  "
	       "load best %7.1f ms median %7.1f ms\n", argv[1],
	       (unsigned long long)(m->mem.ram_size >> 20), (long long)st.st_size, ts[0],
	       ts[runs / 2], tl[0], tl[runs / 2]);
	machine_free(m);
	free(m);
	remove(out);
	free(tl);
	free(ts);
	return 0;
}
