/* snap/state.c: save, load, dump and check a struct by its description
 * (snap/state.h). */
#include "snap/state.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bits.h"
#include "base/log.h"
#include "machine/clock.h"

const char *snap_reject(char *msg, size_t len, const char *member, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return member;
}

/* --- the byte buffer --- */
void snap_buf_reserve(struct snap_buf *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		u8 *d = realloc(b->data, cap);
		if (!d)
			die("snapshot: out of host memory (%zu bytes)", cap);
		b->data = d;
		b->cap = cap;
	}
}

void snap_buf_put(struct snap_buf *b, const void *p, size_t n)
{
	snap_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* values go into the file little-endian (base/bits.h; nestbox runs on
 * x86-64 hosts only) */
static void put_le(struct snap_buf *b, u64 v, unsigned n)
{
	u8 t[8];
	store_le(t, n, v);
	snap_buf_put(b, t, n);
}

void snap_buf_u8(struct snap_buf *b, u8 v) { put_le(b, v, 1); }
void snap_buf_u32(struct snap_buf *b, u32 v) { put_le(b, v, 4); }
void snap_buf_u64(struct snap_buf *b, u64 v) { put_le(b, v, 8); }

void snap_buf_free(struct snap_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static bool row_saved(const struct snap_field *f)
{
	return f->kind != SNAP_DERIVED && f->kind != SNAP_ALIAS;
}

static u32 row_count(const struct snap_field *f)
{
	return f->elem ? f->size / f->elem : 0;
}

/* a timer in the file: armed (1 byte), deadline and seq (8 bytes each) */
#define TIMER_BYTES 17

/* --- layout --- */
static u64 fnv(u64 h, const void *p, size_t n)
{
	const u8 *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static u64 fnv_u64(u64 h, u64 v)
{
	u8 t[8];
	for (int i = 0; i < 8; i++)
		t[i] = (u8)(v >> (8 * i));
	return fnv(h, t, 8);
}

u64 snap_fingerprint(const struct snap_desc *d)
{
	u64 h = 0xcbf29ce484222325ull;
	h = fnv(h, d->name, strlen(d->name) + 1);
	h = fnv_u64(h, d->version);
	if (d->salt)
		h = fnv_u64(h, d->salt());
	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		if (!row_saved(f))
			continue;
		h = fnv(h, f->name, strlen(f->name) + 1);
		h = fnv_u64(h, f->kind);
		h = fnv_u64(h, f->kind == SNAP_UINT || f->kind == SNAP_BOOL ? f->elem : 0);
		h = fnv_u64(h, row_count(f));
		h = fnv_u64(h, f->max);
		if (f->kind == SNAP_STRUCT)
			h = fnv_u64(h, snap_fingerprint(f->sub));
	}
	return h;
}

size_t snap_encoded_size(const struct snap_desc *d)
{
	size_t n = 0;
	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		switch (f->kind) {
		case SNAP_UINT:
		case SNAP_BOOL:
			n += f->size;
			break;
		case SNAP_STRUCT:
			n += row_count(f) * snap_encoded_size(f->sub);
			break;
		case SNAP_TIMER:
			n += row_count(f) * TIMER_BYTES;
			break;
		default:
			break;
		}
	}
	return n;
}

/* --- encode --- */
void snap_encode(struct snap_buf *b, const struct snap_desc *d, const void *s)
{
	const u8 *base = s;
	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		const u8 *p = base + f->offset;
		u32 n = row_count(f);
		switch (f->kind) {
		case SNAP_UINT:
		case SNAP_BOOL:
			for (u32 k = 0; k < n; k++)
				put_le(b, load_le(p + k * f->elem, f->elem), f->elem);
			break;
		case SNAP_STRUCT:
			for (u32 k = 0; k < n; k++)
				snap_encode(b, f->sub, p + (size_t)k * f->elem);
			break;
		case SNAP_TIMER:
			for (u32 k = 0; k < n; k++) {
				const struct timer *t = (const struct timer *)(p + (size_t)k * f->elem);
				snap_buf_u8(b, t->armed ? 1 : 0);
				snap_buf_u64(b, t->deadline);
				snap_buf_u64(b, t->seq);
			}
			break;
		default:
			break;
		}
	}
}

/* --- decode --- */
struct dec {
	const u8 *p, *end;
	char *err;
	size_t errlen;
	char path[256];  /* dotted path of the struct being decoded */
};

static void path_name(const struct dec *x, const struct snap_field *f, u32 k, u32 n, char *out,
		      size_t len)
{
	int r;
	if (n > 1)
		r = snprintf(out, len, "%s%s%s[%u]", x->path, x->path[0] ? "." : "", f->name, k);
	else
		r = snprintf(out, len, "%s%s%s", x->path, x->path[0] ? "." : "", f->name);
	if (r < 0 || (size_t)r >= len) /* a path this long is cut: it only names */
		out[len - 1] = 0;
}

static u64 take_le(struct dec *x, unsigned n)
{
	u64 v = load_le(x->p, n);
	x->p += n;
	return v;
}

static int decode_struct(struct dec *x, const struct snap_desc *d, u8 *base)
{
	char name[256];

	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		u8 *p = base + f->offset;
		u32 n = row_count(f);
		switch (f->kind) {
		case SNAP_UINT:
		case SNAP_BOOL:
			if ((size_t)(x->end - x->p) < f->size) {
				path_name(x, f, 0, 1, name, sizeof(name));
				snprintf(x->err, x->errlen, "%s: the section ends inside it", name);
				return -1;
			}
			for (u32 k = 0; k < n; k++) {
				u64 v = take_le(x, f->elem);
				if ((f->kind == SNAP_BOOL && v > 1) || (f->max && v > f->max)) {
					path_name(x, f, k, n, name, sizeof(name));
					snprintf(x->err, x->errlen, "%s: %#llx is not a valid value (at most %#llx)",
						 name, (unsigned long long)v,
						 (unsigned long long)(f->kind == SNAP_BOOL ? 1 : f->max));
					return -1;
				}
				store_le(p + k * f->elem, f->elem, v);
			}
			break;
		case SNAP_STRUCT:
			for (u32 k = 0; k < n; k++) {
				char saved[sizeof(x->path)];
				memcpy(saved, x->path, sizeof(saved));
				path_name(x, f, k, n, name, sizeof(name));
				snprintf(x->path, sizeof(x->path), "%s", name);
				int r = decode_struct(x, f->sub, p + (size_t)k * f->elem);
				memcpy(x->path, saved, sizeof(saved));
				if (r < 0)
					return -1;
			}
			break;
		case SNAP_TIMER:
			for (u32 k = 0; k < n; k++) {
				struct timer *t = (struct timer *)(p + (size_t)k * f->elem);
				path_name(x, f, k, n, name, sizeof(name));
				if ((size_t)(x->end - x->p) < TIMER_BYTES) {
					snprintf(x->err, x->errlen, "%s: the section ends inside it", name);
					return -1;
				}
				u64 armed = take_le(x, 1);
				if (armed > 1) {
					snprintf(x->err, x->errlen, "%s: armed flag %#llx is not 0 or 1", name,
						 (unsigned long long)armed);
					return -1;
				}
				t->armed = armed != 0;
				t->deadline = take_le(x, 8);
				t->seq = take_le(x, 8);
				t->next = NULL;
			}
			break;
		default:
			break;
		}
	}
	if (d->check) {
		char why[160] = "";
		const char *bad = d->check(base, why, sizeof(why));
		if (bad) {
			snprintf(x->err, x->errlen, "%s%s%s: %s", x->path, x->path[0] ? "." : "", bad,
				 why[0] ? why : "not a valid state");
			return -1;
		}
	}
	return 0;
}

int snap_decode(const struct snap_desc *d, void *s, const u8 *p, size_t len, char *err,
		size_t errlen)
{
	struct dec x = { .p = p, .end = p + len, .err = err, .errlen = errlen };

	if (decode_struct(&x, d, s) < 0)
		return -1;
	if (x.p != x.end) {
		snprintf(err, errlen, "%zu bytes after the last member", (size_t)(x.end - x.p));
		return -1;
	}
	return 0;
}

/* --- dump --- */
static void dump_struct(const struct snap_desc *d, const u8 *base, const char *prefix, FILE *out)
{
	char name[256];

	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		const u8 *p = base + f->offset;
		u32 n = row_count(f);
		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "", f->name);
		switch (f->kind) {
		case SNAP_UINT:
		case SNAP_BOOL:
			if (n == 1) {
				fprintf(out, "%s = %#llx\n", name, (unsigned long long)load_le(p, f->elem));
			} else if (f->elem == 1) {
				/* byte arrays: hex rows of 32 */
				for (u32 k = 0; k < n; k += 32) {
					fprintf(out, "%s[%#x] =", name, k);
					for (u32 j = k; j < n && j < k + 32; j++)
						fprintf(out, " %02x", p[j]);
					fputc('\n', out);
				}
			} else {
				fprintf(out, "%s = {", name);
				for (u32 k = 0; k < n; k++)
					fprintf(out, "%s%#llx", k ? ", " : "",
						(unsigned long long)load_le(p + k * f->elem, f->elem));
				fprintf(out, "}\n");
			}
			break;
		case SNAP_STRUCT:
			for (u32 k = 0; k < n; k++) {
				char sub[300];
				if (n > 1)
					snprintf(sub, sizeof(sub), "%s[%u]", name, k);
				else
					snprintf(sub, sizeof(sub), "%s", name);
				dump_struct(f->sub, p + (size_t)k * f->elem, sub, out);
			}
			break;
		case SNAP_TIMER:
			for (u32 k = 0; k < n; k++) {
				const struct timer *t = (const struct timer *)(p + (size_t)k * f->elem);
				if (t->armed)
					fprintf(out, "%s%s = armed, fires at %llu ns (seq %llu)\n", name,
						n > 1 ? "[]" : "", (unsigned long long)t->deadline,
						(unsigned long long)t->seq);
				else
					fprintf(out, "%s = not armed\n", name);
			}
			break;
		default:
			break;
		}
	}
}

void snap_dump(const struct snap_desc *d, const void *s, const char *prefix, void *file)
{
	dump_struct(d, s, prefix ? prefix : "", file);
}

/* --- walking --- */
void snap_for_each_timer(const struct snap_desc *d, void *s, void (*fn)(void *timer, void *arg),
			 void *arg)
{
	u8 *base = s;
	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		u32 n = row_count(f);
		for (u32 k = 0; k < n; k++) {
			u8 *p = base + f->offset + (size_t)k * f->elem;
			if (f->kind == SNAP_TIMER)
				fn(p, arg);
			else if (f->kind == SNAP_STRUCT)
				snap_for_each_timer(f->sub, p, fn, arg);
		}
	}
}

void snap_call_loaded(const struct snap_desc *d, void *s)
{
	u8 *base = s;
	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		if (f->kind != SNAP_STRUCT)
			continue;
		for (u32 k = 0; k < row_count(f); k++)
			snap_call_loaded(f->sub, base + f->offset + (size_t)k * f->elem);
	}
	if (d->loaded)
		d->loaded(s);
}

/* --- self-check --- */
const char *snap_desc_selfcheck(const struct snap_desc *d, char *msg, size_t len)
{
	u32 end = 0; /* end of the last non-alias row */

	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		if ((u64)f->offset + f->size > d->size) {
			snprintf(msg, len, "%s.%s: outside the struct", d->name, f->name);
			return msg;
		}
		if (f->kind == SNAP_ALIAS)
			continue;
		if (f->offset < end) {
			snprintf(msg, len, "%s.%s: overlaps the row before it or is out of member order",
				 d->name, f->name);
			return msg;
		}
		end = f->offset + f->size;
		if (f->elem == 0 || f->size % f->elem) {
			snprintf(msg, len, "%s.%s: size %u is not a whole number of %u-byte elements",
				 d->name, f->name, f->size, f->elem);
			return msg;
		}
		if (f->kind == SNAP_UINT && f->elem != 1 && f->elem != 2 && f->elem != 4 && f->elem != 8) {
			snprintf(msg, len, "%s.%s: %u-byte integers are not supported", d->name, f->name,
				 f->elem);
			return msg;
		}
		if (f->kind == SNAP_STRUCT) {
			if (!f->sub || f->sub->size != f->elem) {
				snprintf(msg, len, "%s.%s: its description is not of its type", d->name,
					 f->name);
				return msg;
			}
			if (snap_desc_selfcheck(f->sub, msg, len))
				return msg;
		}
		if (f->kind == SNAP_TIMER && f->elem != sizeof(struct timer)) {
			snprintf(msg, len, "%s.%s: not a struct timer", d->name, f->name);
			return msg;
		}
	}
	return NULL;
}

/* --- layout, for tools/snapcheck.py --- */
static const char *const kind_names[] = {
	[SNAP_UINT] = "uint", [SNAP_BOOL] = "bool", [SNAP_STRUCT] = "struct",
	[SNAP_TIMER] = "timer", [SNAP_DERIVED] = "derived", [SNAP_ALIAS] = "alias",
};

void snap_print_layout(const struct snap_desc *d, void *file)
{
	FILE *out = file;

	fprintf(out, "desc %s size %u version %u fingerprint %016llx\n", d->name, d->size,
		d->version, (unsigned long long)snap_fingerprint(d));
	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		fprintf(out, "  row %s offset %u size %u elem %u kind %s%s%s\n", f->name, f->offset,
			f->size, f->elem, kind_names[f->kind], f->sub ? " sub " : "",
			f->sub ? f->sub->name : "");
	}
	for (u32 i = 0; i < d->nr_fields; i++)
		if (d->fields[i].kind == SNAP_STRUCT)
			snap_print_layout(d->fields[i].sub, file);
}
