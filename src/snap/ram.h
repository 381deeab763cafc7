/* snap/ram.h: guest RAM in a snapshot: pages that read as zero are left
 * out (a bitmap says which pages are stored), the others are compressed as
 * one zstd frame (docs/snapshot.md "The ram section"). zstd is reached only
 * through these functions. */
#ifndef NESTBOX_SNAP_RAM_H
#define NESTBOX_SNAP_RAM_H

#include <stddef.h>

#include "base/types.h"
#include "snap/state.h"

#define SNAP_RAM_PAGE 4096u

/* append the ram section's payload for [ram, ram + size) */
void snap_ram_encode(struct snap_buf *b, const u8 *ram, u64 size);

/* Put the pages stored in the payload into ram, which must read as zero
 * (a freshly made machine's RAM). Checks the whole payload; returns 0, or
 * -1 with the reason in err. */
int snap_ram_decode(u8 *ram, u64 size, const u8 *p, size_t len, char *err, size_t errlen);

/* what a payload holds, for -snapshot-info: returns 0, or -1 if its header
 * is malformed */
int snap_ram_info(const u8 *p, size_t len, u64 *ram_size, u64 *stored_pages, u64 *zbytes);

#endif
