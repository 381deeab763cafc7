/* machine/snapshot.h: the whole machine saved to a file at an instruction
 * boundary and restored into a new machine (docs/snapshot.md).
 *
 * A file holds the machine-shaping options it was taken with (section
 * "machine"), the clock and its timers, the scheduler, every vCPU and its
 * local APIC, every device, and guest RAM. Each section but the RAM is a
 * struct encoded by its description (snap/state.h); loading decodes every
 * section into a copy of the live struct and checks it before anything is
 * committed, then rebuilds everything derived (TLBs, decoded code, MMIO
 * windows, timer queue) from the loaded state alone. */
#ifndef NESTBOX_MACHINE_SNAPSHOT_H
#define NESTBOX_MACHINE_SNAPSHOT_H

#include <stdio.h>

#include "machine/machine.h"
#include "snap/file.h"

/* which machine-shaping options the command line gave explicitly: those
 * must agree with the snapshot's */
struct snapshot_given {
	bool ram_size, smp, cpu, icount, debug_exit;
};

/* Save the machine (paused, or ended) to path. Returns 0, or -1 after
 * printing "nestbox: snapshot: ..." on stderr. */
int snapshot_save(struct machine *m, const char *path);

/* Read and verify path, and fill cfg's machine-shaping options from its
 * "machine" section; an option the command line gave that contradicts the
 * snapshot is an error. Returns 0, or -1 after printing the error. */
int snapshot_open(struct snap_file *f, const char *path, struct machine_config *cfg,
		  const struct snapshot_given *given);

/* Load the opened snapshot into m, freshly made by machine_init() from the
 * cfg snapshot_open() filled (machine_load() is not called: the guest is in
 * the snapshot). Returns 0, or -1 after printing an error naming the
 * section and member; on error m must not be run. */
int snapshot_apply(struct machine *m, const struct snap_file *f);

/* -snapshot-info: print what the file holds in readable form (full: every
 * saved member of every section). Returns 0, or -1 after printing the
 * error. */
int snapshot_info(const char *path, bool full, FILE *out);

/* for tests: build m from the bytes of a snapshot (the fuzz target).
 * Returns 0 with m built and loaded, or -1 with the reason in err and m
 * freed (or never built). */
int snapshot_load_bytes(const u8 *data, size_t size, struct machine *m, char *err, size_t errlen);

/* every description the snapshot uses, for tools/snapcheck.py */
void snapshot_print_layouts(FILE *out);

#endif
