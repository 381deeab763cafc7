/* debug/reverse.c: checkpoints and going back (see reverse.h). */
#include "debug/reverse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "debug/gdb.h"
#include "dev/dev.h"
#include "machine/machine.h"
#include "machine/snapshot.h"

static struct {
	char dir[64];          /* mkdtemp'd directory of the checkpoint files */
	u64 icount[REV_RING];  /* each slot's instruction count */
	bool used[REV_RING];
	u64 high_water;        /* the furthest instruction count the run reached */
	bool replaying;        /* a rewind is running the machine forward */
} rev;

static void slot_path(int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d.nbx", rev.dir, i);
}

static void note_progress(const struct machine *m)
{
	u64 n = machine_icount(m);
	if (!rev.replaying && n > rev.high_water)
		rev.high_water = n;
}

static int newest_slot(void)
{
	int best = -1;
	for (int i = 0; i < REV_RING; i++)
		if (rev.used[i] && (best < 0 || rev.icount[i] > rev.icount[best]))
			best = i;
	return best;
}

u64 rev_next_checkpoint(const struct machine *m)
{
	if (m->nr_cpus != 1)
		return UINT64_MAX; /* reverse execution: one vCPU only (known-gaps.md) */
	int n = newest_slot();
	return n < 0 ? machine_icount(m) : rev.icount[n] + REV_INTERVAL;
}

int rev_checkpoint(struct machine *m)
{
	char path[96];
	note_progress(m);
	u64 now = machine_icount(m);
	int newest = newest_slot(), slot = 0;
	if (m->nr_cpus != 1 || (newest >= 0 && now < rev.icount[newest] + REV_INTERVAL))
		return 0;
	if (!rev.dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(rev.dir, sizeof(rev.dir), "%s/nestbox-rev-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(rev.dir)) {
			fprintf(stderr, "nestbox: gdb: cannot make a directory for checkpoints\n");
			rev.dir[0] = 0;
			return -1;
		}
	}
	for (int i = 0; i < REV_RING; i++) { /* a free slot, else the oldest */
		if (!rev.used[i]) {
			slot = i;
			break;
		}
		if (rev.icount[i] < rev.icount[slot])
			slot = i;
	}
	slot_path(slot, path, sizeof(path));
	if (snapshot_save(m, path) < 0)
		return -1;
	rev.used[slot] = true;
	rev.icount[slot] = now;
	return 0;
}

bool rev_replaying(void)
{
	return rev.replaying;
}

bool rev_output_muted(const struct machine *m)
{
	return rev.replaying || machine_icount(m) < rev.high_water;
}

void rev_diverged(const struct machine *m)
{
	u64 now = machine_icount(m);
	for (int i = 0; i < REV_RING; i++)
		if (rev.used[i] && rev.icount[i] > now)
			rev.used[i] = false;
	rev.high_water = now;
}

/* Rebuild m from checkpoint `slot` and run it to instruction count `to`.
 * Returns 0, or -1 (message printed). */
static int restore(struct machine *m, int slot, u64 to)
{
	char path[96];
	struct snap_file f;
	struct machine_config cfg = m->cfg;
	struct snapshot_given given = { 0 };
	FILE *out = uart_detach_output(m);

	slot_path(slot, path, sizeof(path));
	machine_free(m);
	if (snapshot_open(&f, path, &cfg, &given) < 0)
		return -1;
	int r = machine_init(m, &cfg) == 0 && snapshot_apply(m, &f) == 0 ? 0 : -1;
	snap_file_free(&f);
	uart_attach_output(m, out);
	if (r < 0)
		return -1;
	rev.replaying = true;
	m->pause_at = to;
	machine_run(m);
	rev.replaying = false;
	if (!m->paused || machine_icount(m) != to) {
		fprintf(stderr, "nestbox: gdb: replay from checkpoint %llu did not reach "
			"instruction %llu\n", (unsigned long long)rev.icount[slot],
			(unsigned long long)to);
		return -1;
	}
	m->pause_at = UINT64_MAX;
	return 0;
}

/* the newest checkpoint at or before n, or -1 */
static int slot_before(u64 n, u64 below)
{
	int best = -1;
	for (int i = 0; i < REV_RING; i++)
		if (rev.used[i] && rev.icount[i] <= n && rev.icount[i] < below &&
		    (best < 0 || rev.icount[i] > rev.icount[best]))
			best = i;
	return best;
}

int rev_go_back(struct machine *m, u64 from, bool step, char *reply, size_t len)
{
	if (from > rev.high_water)
		rev.high_water = from;
	int oldest = -1;
	for (int i = 0; i < REV_RING; i++)
		if (rev.used[i] && (oldest < 0 || rev.icount[i] < rev.icount[oldest]))
			oldest = i;
	if (oldest < 0 || from <= rev.icount[oldest]) {
		/* no history before here: the beginning of the replay log */
		if (oldest >= 0 && from != rev.icount[oldest] && restore(m, oldest, rev.icount[oldest]) < 0)
			return -1;
		snprintf(reply, len, "T05thread:1;replaylog:begin;");
		return 0;
	}
	if (step) {
		int s = slot_before(from - 1, UINT64_MAX);
		if (restore(m, s, from - 1) < 0)
			return -1;
		snprintf(reply, len, "T05thread:1;");
		return 0;
	}
	/* reverse-continue: scan the windows between checkpoints, newest first,
	 * for the last breakpoint or watchpoint hit before `from` */
	u64 end = from;
	for (int s = slot_before(from - 1, UINT64_MAX); s >= 0;
	     end = rev.icount[s], s = slot_before(rev.icount[s], rev.icount[s])) {
		char why[64];
		u64 hit;
		if (restore(m, s, rev.icount[s]) < 0)
			return -1;
		gdb_scan_begin(m);
		rev.replaying = true;
		m->pause_at = end;
		machine_run(m);
		rev.replaying = false;
		m->pause_at = UINT64_MAX;
		if (gdb_scan_end(&hit, why, sizeof(why))) {
			if (restore(m, s, hit) < 0)
				return -1;
			snprintf(reply, len, "T05thread:1;%s", why);
			return 0;
		}
	}
	if (restore(m, oldest, rev.icount[oldest]) < 0)
		return -1;
	snprintf(reply, len, "T05thread:1;replaylog:begin;");
	return 0;
}

void rev_cleanup(void)
{
	char path[96];
	if (!rev.dir[0])
		return;
	for (int i = 0; i < REV_RING; i++) {
		slot_path(i, path, sizeof(path));
		unlink(path);
	}
	rmdir(rev.dir);
	rev.dir[0] = 0;
}
