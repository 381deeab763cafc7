/* snap/ram.c: guest RAM in a snapshot (snap/ram.h).
 *
 * Payload: u64 RAM size, u64 stored pages, the page bitmap (one bit per
 * 4 KiB page, bit i of byte i/8 for page i, set when the page is stored),
 * u64 length of the zstd frame, the frame (the stored pages' bytes, in page
 * order). A page is left out when it reads as zero. Pages the host never
 * backed are found without touching them, through /proc/self/pagemap
 * (neither present nor swapped out: an anonymous mapping's page that was
 * never written reads as zero), so a mostly idle 4 GiB guest costs a few
 * milliseconds, not a walk over 4 GiB. */
#include "snap/ram.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "base/bits.h"
#include "base/log.h"

/* zstd level: negative levels trade ratio for speed; -1 keeps RAM images
 * small (zero-filled stretches inside pages, code, page tables) while
 * compressing at well over 1 GB/s */
#define RAM_ZSTD_LEVEL (-1)
#define RAM_ZSTD_WORKERS 2

static u64 page_len(u64 size, u64 i)
{
	u64 off = i * SNAP_RAM_PAGE;
	return size - off < SNAP_RAM_PAGE ? size - off : SNAP_RAM_PAGE;
}

static bool all_zero(const u8 *p, u64 n)
{
	u64 acc = 0;
	u64 k = 0;
	for (; k + 8 <= n; k += 8) {
		u64 v;
		memcpy(&v, p + k, 8);
		acc |= v;
		if ((k & 511) == 504 && acc)
			return false;
	}
	for (; k < n; k++)
		acc |= p[k];
	return acc == 0;
}

/* Pages of [ram, ram + size) the host may have backed: 1 byte per page,
 * nonzero = look at its contents. NULL if pagemap cannot tell (then every
 * page is looked at). */
static u8 *backed_pages(const u8 *ram, u64 pages)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return NULL;
	u8 *out = malloc(pages ? pages : 1);
	if (!out)
		die("out of host memory");
	long hp = sysconf(_SC_PAGESIZE);
	if (hp != (long)SNAP_RAM_PAGE || ((uintptr_t)ram & (SNAP_RAM_PAGE - 1))) {
		close(fd);
		free(out);
		return NULL;
	}
	u64 first = (uintptr_t)ram / SNAP_RAM_PAGE;
	enum { CHUNK = 8192 };
	u64 ent[CHUNK];
	for (u64 i = 0; i < pages; i += CHUNK) {
		u64 n = pages - i < CHUNK ? pages - i : CHUNK;
		ssize_t r = pread(fd, ent, n * 8, (off_t)((first + i) * 8));
		if (r != (ssize_t)(n * 8)) {
			close(fd);
			free(out);
			return NULL;
		}
		for (u64 k = 0; k < n; k++)
			out[i + k] = (ent[k] >> 62) != 0; /* bit 63 present, bit 62 swapped */
	}
	close(fd);
	return out;
}

void snap_ram_encode(struct snap_buf *b, const u8 *ram, u64 size)
{
	u64 pages = (size + SNAP_RAM_PAGE - 1) / SNAP_RAM_PAGE;
	size_t bmlen = (size_t)((pages + 7) / 8);
	u8 *bitmap = calloc(bmlen ? bmlen : 1, 1);
	u8 *backed = backed_pages(ram, pages);
	u64 stored = 0, stored_bytes = 0;
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	if (!bitmap || !cc)
		die("snapshot: out of host memory");
	/* which pages to store, so the frame's room is known before it is
	 * written: the compressed pages go straight into the payload */
	for (u64 i = 0; i < pages; i++) {
		u64 n = page_len(size, i);
		if ((backed && !backed[i]) || all_zero(ram + i * SNAP_RAM_PAGE, n))
			continue;
		bitmap[i / 8] |= (u8)(1u << (i % 8));
		stored++;
		stored_bytes += n;
	}
	snap_buf_u64(b, size);
	snap_buf_u64(b, stored);
	snap_buf_put(b, bitmap, bmlen);
	size_t zlen_at = b->len;
	snap_buf_u64(b, 0); /* the frame's length, filled in below */
	size_t bound = ZSTD_compressBound((size_t)stored_bytes);
	snap_buf_reserve(b, bound);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, RAM_ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 0); /* the section has a CRC */
	/* two workers: zstd cuts the input into jobs by size alone, so the
	 * frame is the same bytes however the threads are scheduled */
	ZSTD_CCtx_setParameter(cc, ZSTD_c_nbWorkers, RAM_ZSTD_WORKERS);
	ZSTD_CCtx_setPledgedSrcSize(cc, stored_bytes);
	ZSTD_outBuffer out = { b->data + b->len, bound, 0 };
	for (u64 i = 0; i < pages; i++) {
		if (!((bitmap[i / 8] >> (i % 8)) & 1))
			continue;
		ZSTD_inBuffer in = { ram + i * SNAP_RAM_PAGE, (size_t)page_len(size, i), 0 };
		while (in.pos < in.size) {
			size_t r = ZSTD_compressStream2(cc, &out, &in, ZSTD_e_continue);
			if (ZSTD_isError(r))
				die("snapshot: zstd: %s", ZSTD_getErrorName(r));
		}
	}
	for (;;) {
		ZSTD_inBuffer in = { NULL, 0, 0 };
		size_t left = ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end);
		if (ZSTD_isError(left))
			die("snapshot: zstd: %s", ZSTD_getErrorName(left));
		if (left == 0)
			break;
	}
	b->len += out.pos;
	for (int k = 0; k < 8; k++)
		b->data[zlen_at + (size_t)k] = (u8)((u64)out.pos >> (8 * k));
	ZSTD_freeCCtx(cc);
	free(backed);
	free(bitmap);
}

int snap_ram_info(const u8 *p, size_t len, u64 *ram_size, u64 *stored_pages, u64 *zbytes)
{
	if (len < 16)
		return -1;
	u64 size = load_le64(p), stored = load_le64(p + 8);
	u64 pages = size / SNAP_RAM_PAGE + (size % SNAP_RAM_PAGE != 0);
	u64 bmlen = (pages + 7) / 8;
	if (size == 0 || bmlen > len - 16 || len - 16 - bmlen < 8)
		return -1;
	*ram_size = size;
	*stored_pages = stored;
	*zbytes = load_le64(p + 16 + bmlen);
	return 0;
}

int snap_ram_decode(u8 *ram, u64 size, const u8 *p, size_t len, char *err, size_t errlen)
{
	u64 fsize, stored, zlen;
	if (snap_ram_info(p, len, &fsize, &stored, &zlen) < 0) {
		snprintf(err, errlen, "ram: malformed header");
		return -1;
	}
	if (fsize != size) {
		snprintf(err, errlen, "ram: size %llu bytes, the machine has %llu",
			 (unsigned long long)fsize, (unsigned long long)size);
		return -1;
	}
	u64 pages = (size + SNAP_RAM_PAGE - 1) / SNAP_RAM_PAGE;
	u64 bmlen = (pages + 7) / 8;
	const u8 *bitmap = p + 16;
	const u8 *zdata = bitmap + bmlen + 8;
	if (zlen != len - 16 - bmlen - 8) {
		snprintf(err, errlen, "ram: compressed length %llu does not match the section",
			 (unsigned long long)zlen);
		return -1;
	}
	u64 count = 0;
	for (u64 i = 0; i < pages; i++)
		count += (bitmap[i / 8] >> (i % 8)) & 1;
	for (u64 i = pages; i < bmlen * 8; i++) {
		if ((bitmap[i / 8] >> (i % 8)) & 1) {
			snprintf(err, errlen, "ram: bitmap marks a page beyond the end of RAM");
			return -1;
		}
	}
	if (count != stored) {
		snprintf(err, errlen, "ram: %llu pages stored but the bitmap marks %llu",
			 (unsigned long long)stored, (unsigned long long)count);
		return -1;
	}
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	if (!dc)
		die("snapshot: out of host memory");
	ZSTD_inBuffer in = { zdata, (size_t)zlen, 0 };
	size_t last = 1;
	int rc = 0;
	for (u64 i = 0; i < pages && rc == 0; i++) {
		if (!((bitmap[i / 8] >> (i % 8)) & 1))
			continue;
		ZSTD_outBuffer out = { ram + i * SNAP_RAM_PAGE, (size_t)page_len(size, i), 0 };
		while (out.pos < out.size) {
			size_t in_before = in.pos, out_before = out.pos;
			last = ZSTD_decompressStream(dc, &out, &in);
			if (ZSTD_isError(last)) {
				snprintf(err, errlen, "ram: compressed data is damaged (%s)",
					 ZSTD_getErrorName(last));
				rc = -1;
				break;
			}
			if (in.pos == in_before && out.pos == out_before) {
				snprintf(err, errlen, "ram: compressed data ends before page %llu",
					 (unsigned long long)i);
				rc = -1;
				break;
			}
		}
	}
	if (rc == 0) {
		/* the frame must end exactly here: nothing left to produce or read */
		u8 extra;
		ZSTD_outBuffer out = { &extra, 1, 0 };
		while (last != 0) {
			size_t in_before = in.pos;
			last = ZSTD_decompressStream(dc, &out, &in);
			if (ZSTD_isError(last) || out.pos || (in.pos == in_before && last != 0)) {
				snprintf(err, errlen, "ram: compressed data holds more than the stored pages");
				rc = -1;
				break;
			}
		}
		if (rc == 0 && in.pos != in.size) {
			snprintf(err, errlen, "ram: bytes after the compressed data");
			rc = -1;
		}
	}
	ZSTD_freeDCtx(dc);
	return rc;
}
