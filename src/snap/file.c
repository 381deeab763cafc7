/* snap/file.c: the snapshot container (docs/snapshot.md "Layout"). */
#include "snap/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bits.h"
#include "base/log.h"

/* --- CRC-32C: the reflected polynomial 0x82f63b78; with SSE4.2 the CRC32
 * instruction computes the same function 8 bytes at a time --- */
static u32 crc_table[256];

static void crc_table_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (c & 1 ? 0x82f63b78u : 0);
		crc_table[i] = c;
	}
}

static u32 crc_soft(u32 crc, const u8 *p, size_t n)
{
	if (!crc_table[1])
		crc_table_init();
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static u32 crc_hw(u32 crc, const u8 *p, size_t n)
{
	u64 c = crc;
	for (; n >= 8; n -= 8, p += 8) {
		u64 v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	u32 c32 = (u32)c;
	for (; n; n--, p++)
		c32 = __builtin_ia32_crc32qi(c32, *p);
	return c32;
}
#endif

u32 snap_crc32c(u32 crc, const void *p, size_t n)
{
	crc = ~crc;
#if defined(__x86_64__)
	static int have = -1;
	if (have < 0)
		have = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	if (have)
		return ~crc_hw(crc, p, n);
#endif
	return ~crc_soft(crc, p, n);
}

/* --- writing --- */
void snap_writer_begin(struct snap_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->size = SNAP_HEADER_SIZE;
}

static void add_part(struct snap_writer *w, struct snap_buf *b)
{
	if (w->nr_parts == w->cap_parts) {
		u32 cap = w->cap_parts ? w->cap_parts * 2 : 64;
		struct snap_buf *p = realloc(w->parts, cap * sizeof(*p));
		if (!p)
			die("snapshot: out of host memory");
		w->parts = p;
		w->cap_parts = cap;
	}
	w->parts[w->nr_parts++] = *b;
	w->size += b->len;
	memset(b, 0, sizeof(*b));
}

void snap_writer_section_buf(struct snap_writer *w, const char *name, u32 version,
			     u64 fingerprint, struct snap_buf *payload)
{
	u8 h[SNAP_SECTION_HEADER_SIZE] = { 0 };
	struct snap_buf hb = { 0 };
	size_t n = strlen(name);

	if (n == 0 || n > SNAP_NAME_MAX)
		die("snapshot: section name '%s' is not 1..%d bytes", name, SNAP_NAME_MAX);
	memcpy(h, name, n);
	store_le32(h + 24, version);
	store_le32(h + 28, snap_crc32c(0, payload->data, payload->len));
	store_le64(h + 32, fingerprint);
	store_le64(h + 40, payload->len);
	store_le32(h + 52, snap_crc32c(0, h, 52));
	snap_buf_put(&hb, h, sizeof(h));
	add_part(w, &hb);
	add_part(w, payload);
	w->nr++;
}

void snap_writer_section(struct snap_writer *w, const char *name, u32 version, u64 fingerprint,
			 const void *data, size_t len)
{
	struct snap_buf b = { 0 };

	snap_buf_put(&b, data, len);
	snap_writer_section_buf(w, name, version, fingerprint, &b);
}

void snap_writer_struct(struct snap_writer *w, const char *name, const struct snap_desc *d,
			const void *s)
{
	struct snap_buf b = { 0 };

	snap_encode(&b, d, s);
	snap_writer_section_buf(w, name, d->version, snap_fingerprint(d), &b);
}

static void fill_header(struct snap_writer *w)
{
	u8 *h = w->header;

	memset(h, 0, SNAP_HEADER_SIZE);
	memcpy(h, SNAP_MAGIC, sizeof(SNAP_MAGIC));
	store_le32(h + 8, SNAP_FORMAT_VERSION);
	store_le32(h + 12, w->nr);
	store_le64(h + 16, w->size);
	store_le32(h + 28, snap_crc32c(0, h, 28));
}

const u8 *snap_writer_image(struct snap_writer *w, size_t *size)
{
	fill_header(w);
	snap_buf_free(&w->image);
	snap_buf_put(&w->image, w->header, SNAP_HEADER_SIZE);
	for (u32 i = 0; i < w->nr_parts; i++)
		snap_buf_put(&w->image, w->parts[i].data, w->parts[i].len);
	*size = w->image.len;
	return w->image.data;
}

int snap_writer_save(struct snap_writer *w, const char *path, char *err, size_t errlen)
{
	size_t plen = strlen(path) + 8;
	char *tmp = malloc(plen);
	FILE *f;
	bool ok;

	if (!tmp)
		die("out of host memory");
	fill_header(w);
	snprintf(tmp, plen, "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = fwrite(w->header, 1, SNAP_HEADER_SIZE, f) == SNAP_HEADER_SIZE;
	for (u32 i = 0; ok && i < w->nr_parts; i++)
		ok = fwrite(w->parts[i].data, 1, w->parts[i].len, f) == w->parts[i].len;
	if (!ok || fflush(f) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		fclose(f);
		remove(tmp);
		free(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		remove(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

void snap_writer_free(struct snap_writer *w)
{
	for (u32 i = 0; i < w->nr_parts; i++)
		snap_buf_free(&w->parts[i]);
	free(w->parts);
	snap_buf_free(&w->image);
	memset(w, 0, sizeof(*w));
}

/* --- reading --- */
static int verify(struct snap_file *f, char *err, size_t errlen)
{
	const u8 *p = f->image;
	size_t size = f->size;

	if (size < SNAP_HEADER_SIZE || memcmp(p, SNAP_MAGIC, sizeof(SNAP_MAGIC)) != 0) {
		snprintf(err, errlen, "header: not a nestbox snapshot (no \"%s\" magic)", SNAP_MAGIC);
		return -1;
	}
	if (load_le32(p + 28) != snap_crc32c(0, p, 28)) {
		snprintf(err, errlen, "header: checksum mismatch (the file is damaged)");
		return -1;
	}
	u32 version = load_le32(p + 8);
	if (version != SNAP_FORMAT_VERSION) {
		snprintf(err, errlen, "header: format version %u, this nestbox reads version %u",
			 version, SNAP_FORMAT_VERSION);
		return -1;
	}
	u64 total = load_le64(p + 16);
	if (total != size) {
		snprintf(err, errlen, "header: the file should be %llu bytes but is %zu (truncated "
			 "or extended)", (unsigned long long)total, size);
		return -1;
	}
	if (load_le32(p + 24) != 0) {
		snprintf(err, errlen, "header: unknown flags %#x", load_le32(p + 24));
		return -1;
	}
	u32 nr = load_le32(p + 12);
	if (nr == 0 || nr > SNAP_MAX_SECTIONS) {
		snprintf(err, errlen, "header: %u sections (1..%u expected)", nr, SNAP_MAX_SECTIONS);
		return -1;
	}
	f->sec = calloc(nr, sizeof(*f->sec));
	if (!f->sec)
		die("out of host memory");
	size_t off = SNAP_HEADER_SIZE;
	for (u32 i = 0; i < nr; i++) {
		struct snap_section *s = &f->sec[i];
		if (size - off < SNAP_SECTION_HEADER_SIZE) {
			snprintf(err, errlen, "section %u: the file ends inside its header", i);
			return -1;
		}
		const u8 *h = p + off;
		if (load_le32(h + 52) != snap_crc32c(0, h, 52)) {
			snprintf(err, errlen, "section %u: header checksum mismatch (the file is damaged)",
				 i);
			return -1;
		}
		size_t n = strnlen((const char *)h, 24);
		if (n == 0 || n > SNAP_NAME_MAX) {
			snprintf(err, errlen, "section %u: bad name", i);
			return -1;
		}
		for (size_t k = n; k < 24; k++) {
			if (h[k]) {
				snprintf(err, errlen, "section %u: bad name padding", i);
				return -1;
			}
		}
		for (size_t k = 0; k < n; k++) {
			if (h[k] < 0x21 || h[k] > 0x7e) {
				snprintf(err, errlen, "section %u: name with unprintable bytes", i);
				return -1;
			}
		}
		memcpy(s->name, h, n);
		s->name[n] = 0;
		s->version = load_le32(h + 24);
		s->fingerprint = load_le64(h + 32);
		s->len = load_le64(h + 40);
		if (load_le32(h + 48) != 0) {
			snprintf(err, errlen, "section %s: unknown flags", s->name);
			return -1;
		}
		off += SNAP_SECTION_HEADER_SIZE;
		if (s->len > size - off) {
			snprintf(err, errlen, "section %s: length %llu runs past the end of the file",
				 s->name, (unsigned long long)s->len);
			return -1;
		}
		s->data = p + off;
		if (load_le32(h + 28) != snap_crc32c(0, s->data, s->len)) {
			snprintf(err, errlen, "section %s: checksum mismatch (the file is damaged)",
				 s->name);
			return -1;
		}
		off += s->len;
		for (u32 j = 0; j < i; j++) {
			if (!strcmp(f->sec[j].name, s->name)) {
				snprintf(err, errlen, "section %s: appears twice", s->name);
				return -1;
			}
		}
		f->nr = i + 1;
	}
	if (off != size) {
		snprintf(err, errlen, "%zu bytes after the last section", size - off);
		return -1;
	}
	return 0;
}

int snap_file_parse(struct snap_file *f, const u8 *data, size_t size, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->image = malloc(size ? size : 1);
	if (!f->image)
		die("out of host memory");
	memcpy(f->image, data, size);
	f->size = size;
	if (verify(f, err, errlen) < 0) {
		snap_file_free(f);
		return -1;
	}
	return 0;
}

/* The file is mapped, not read: a big RAM image is then decompressed
 * straight from the page cache into guest RAM with no copy in between. */
int snap_file_read(struct snap_file *f, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	memset(f, 0, sizeof(*f));
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 errno ? strerror(errno) : "not a regular file");
		close(fd);
		return -1;
	}
	f->size = (size_t)st.st_size;
	if (f->size) {
		void *p = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "cannot map '%s': %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		f->image = p;
		f->mapped = true;
	}
	close(fd);
	if (verify(f, err, errlen) < 0) {
		snap_file_free(f);
		return -1;
	}
	return 0;
}

const struct snap_section *snap_file_find(const struct snap_file *f, const char *name)
{
	for (u32 i = 0; i < f->nr; i++)
		if (!strcmp(f->sec[i].name, name))
			return &f->sec[i];
	return NULL;
}

void snap_file_free(struct snap_file *f)
{
	if (f->mapped)
		munmap(f->image, f->size);
	else
		free(f->image);
	free(f->sec);
	memset(f, 0, sizeof(*f));
}
