/* snap/file.h: the snapshot file: a header, then named sections, each with
 * its version, layout fingerprint, length and checksum (docs/snapshot.md).
 * Reading verifies everything that can be verified without knowing what a
 * section means (magic, format version, every length against the file,
 * every checksum) before any section is handed out. */
#ifndef NESTBOX_SNAP_FILE_H
#define NESTBOX_SNAP_FILE_H

#include <stddef.h>

#include "base/types.h"
#include "snap/state.h"

#define SNAP_MAGIC          "NBXSNAP"  /* 8 bytes with its NUL */
#define SNAP_FORMAT_VERSION 1u
#define SNAP_NAME_MAX       23         /* section names: 1..23 printable bytes */
#define SNAP_HEADER_SIZE    32
#define SNAP_SECTION_HEADER_SIZE 56
#define SNAP_MAX_SECTIONS   4096

struct snap_section {
	char name[SNAP_NAME_MAX + 1];
	u32 version;
	u64 fingerprint;
	const u8 *data;
	u64 len;
};

/* a file read into memory and verified */
struct snap_file {
	u8 *image;
	size_t size;
	bool mapped;      /* image is a read-only mapping of the file */
	struct snap_section *sec;
	u32 nr;
};

/* --- writing: sections are appended in memory, the file written at once
 * (to PATH.tmp, then renamed, so a file is never half written) --- */
struct snap_writer {
	u8 header[SNAP_HEADER_SIZE];
	struct snap_buf *parts; /* each section's header, then its payload */
	u32 nr_parts, cap_parts;
	u32 nr;                 /* sections */
	u64 size;               /* bytes in all */
	struct snap_buf image;  /* snap_writer_image's copy, made on demand */
};
void snap_writer_begin(struct snap_writer *w);
void snap_writer_section(struct snap_writer *w, const char *name, u32 version, u64 fingerprint,
			 const void *data, size_t len);
/* the same, taking over the payload buffer (no copy: RAM images are big) */
void snap_writer_section_buf(struct snap_writer *w, const char *name, u32 version,
			     u64 fingerprint, struct snap_buf *payload);
/* the section of a described struct */
void snap_writer_struct(struct snap_writer *w, const char *name, const struct snap_desc *d,
			const void *s);
/* the finished image (header filled in); the writer keeps ownership */
const u8 *snap_writer_image(struct snap_writer *w, size_t *size);
int snap_writer_save(struct snap_writer *w, const char *path, char *err, size_t errlen);
void snap_writer_free(struct snap_writer *w);

/* --- reading --- */
int snap_file_read(struct snap_file *f, const char *path, char *err, size_t errlen);
/* the same from bytes in memory (the fuzz target); the bytes are copied */
int snap_file_parse(struct snap_file *f, const u8 *data, size_t size, char *err, size_t errlen);
/* the section called name, or NULL */
const struct snap_section *snap_file_find(const struct snap_file *f, const char *name);
void snap_file_free(struct snap_file *f);

/* CRC-32C (Castagnoli), as iSCSI and ext4 use it */
u32 snap_crc32c(u32 crc, const void *p, size_t n);

#endif
