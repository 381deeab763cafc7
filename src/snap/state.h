/* snap/state.h: what a component saves in a snapshot, described once.
 *
 * Every struct that holds machine state (a vCPU, a device, the clock, the
 * scheduler) has one `struct snap_desc`: a table with one row per member
 * of the C struct, saying whether the member is
 *  - saved (SNAP_U8/U16/U32/U64, SNAP_BOOL, SNAP_STRUCT, SNAP_TIMER): its
 *    value is part of the architectural or device state, written to the
 *    file and put back on load; or
 *  - derived (SNAP_DERIVED): a cache, host pointer or wiring that is
 *    rebuilt from the saved state (the description says from what), never
 *    read from a file; or
 *  - an alias (SNAP_ALIAS): the same bytes as another, saved, member
 *    (an anonymous union).
 * Save, load, dump and compare all walk this one table (snap/state.c).
 * tools/snapcheck.py compares each table with the struct's members as the
 * compiler sees them (the debug build's debug information), and
 * tests/unit/snap_test.c checks that the rows lie inside the struct without
 * overlapping: a member added to a state struct and forgotten in its table
 * fails `make test`.
 *
 * Values are stored little-endian, element by element, in table order; the
 * file format is docs/snapshot.md. A table's layout (names, kinds, sizes,
 * recursively) is hashed into a fingerprint kept in the file, so a file
 * written by a build with another layout is refused with a clear message
 * instead of being misread; `version` is the human-readable counterpart,
 * bumped with every change of a saved row. */
#ifndef NESTBOX_SNAP_STATE_H
#define NESTBOX_SNAP_STATE_H

#include <stddef.h>

#include "base/types.h"

enum snap_kind {
	SNAP_UINT,    /* unsigned integers (signed ones are saved as their bits) */
	SNAP_BOOL,    /* C bool: must load as 0 or 1 */
	SNAP_STRUCT,  /* one or more sub-structs with a description of their own */
	SNAP_TIMER,   /* struct timer (machine/clock.h): armed, deadline and arming
	               * order are saved; the timer is re-armed on load */
	SNAP_DERIVED, /* not saved: rebuilt after load */
	SNAP_ALIAS,   /* not saved: the bytes of another saved member */
};

struct snap_desc;

struct snap_field {
	const char *name;  /* the member's name in the C struct */
	u32 offset;        /* offsetof */
	u32 size;          /* sizeof the member (all elements of an array) */
	u32 elem;          /* bytes of one element (SNAP_UINT: 1, 2, 4 or 8) */
	u8 kind;           /* enum snap_kind */
	u64 max;           /* SNAP_UINT: largest valid value of an element, 0 = any */
	const struct snap_desc *sub; /* SNAP_STRUCT */
	const char *note;  /* SNAP_DERIVED: what it is rebuilt from */
};

struct snap_desc {
	const char *name;  /* the C struct tag, e.g. "pit" for struct pit */
	u32 size;          /* sizeof the struct */
	u32 version;       /* bumped whenever a saved row changes */
	const struct snap_field *fields;
	u32 nr_fields;
	/* Called on the loaded copy (saved members from the file, derived
	 * members those of the live struct) before anything is committed.
	 * Reject states that cannot exist: return NULL if the state is
	 * acceptable, else the name of the offending member (a row name or a
	 * register name such as "cr0") with the reason written to msg. */
	const char *(*check)(const void *s, char *msg, size_t len);
	/* Called after the copy was committed: rebuild what is derived
	 * (mappings, caches, interrupt lines). */
	void (*loaded)(void *s);
	/* Optional: mixed into the fingerprint, for a layout the rows do not
	 * spell out (an array indexed by the rows of another table). */
	u64 (*salt)(void);
};

/* for check functions: write the reason (printf-style) to msg, return the
 * member's name */
const char *snap_reject(char *msg, size_t len, const char *member, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* --- rows (T is the struct type the table describes) --- */
#define SNAP__MEMBER(T, f) (((T *)0)->f)
/* compile-time: a member's size is a whole number of elements */
#define SNAP__ELEMS_OK(T, f, esz) (sizeof(char[(sizeof(SNAP__MEMBER(T, f)) % (esz)) == 0 ? 1 : -1]) * 0)
#define SNAP__ROW(T, f, esz, kind_, max_, sub_, note_)                                        \
	{ #f, (u32)offsetof(T, f), (u32)sizeof(SNAP__MEMBER(T, f)),                            \
	  (u32)((esz) + SNAP__ELEMS_OK(T, f, esz)), (kind_), (max_), (sub_), (note_) }

/* an unsigned (or signed) integer, or an array of them, of 1/2/4/8 bytes */
#define SNAP_U8(T, f)  SNAP__ROW(T, f, 1, SNAP_UINT, 0, NULL, NULL)
#define SNAP_U16(T, f) SNAP__ROW(T, f, 2, SNAP_UINT, 0, NULL, NULL)
#define SNAP_U32(T, f) SNAP__ROW(T, f, 4, SNAP_UINT, 0, NULL, NULL)
#define SNAP_U64(T, f) SNAP__ROW(T, f, 8, SNAP_UINT, 0, NULL, NULL)
/* the same with a largest valid value (enums, indices, counts) */
#define SNAP_U8_MAX(T, f, mx)  SNAP__ROW(T, f, 1, SNAP_UINT, (mx), NULL, NULL)
#define SNAP_U16_MAX(T, f, mx) SNAP__ROW(T, f, 2, SNAP_UINT, (mx), NULL, NULL)
#define SNAP_U32_MAX(T, f, mx) SNAP__ROW(T, f, 4, SNAP_UINT, (mx), NULL, NULL)
#define SNAP_U64_MAX(T, f, mx) SNAP__ROW(T, f, 8, SNAP_UINT, (mx), NULL, NULL)
/* bool or bool[] */
#define SNAP_BOOL(T, f) SNAP__ROW(T, f, sizeof(bool), SNAP_BOOL, 0, NULL, NULL)
/* a struct, or an array of them, of type ST with description D */
#define SNAP_STRUCT(T, f, ST, D) SNAP__ROW(T, f, sizeof(ST), SNAP_STRUCT, 0, &(D), NULL)
/* a struct timer (machine/clock.h) or an array of them */
#define SNAP_TIMER(T, f) SNAP__ROW(T, f, sizeof(struct timer), SNAP_TIMER, 0, NULL, NULL)
/* not saved: rebuilt after load from what `note` says */
#define SNAP_DERIVED(T, f, note) { #f, (u32)offsetof(T, f), (u32)sizeof(SNAP__MEMBER(T, f)), \
	(u32)sizeof(SNAP__MEMBER(T, f)), SNAP_DERIVED, 0, NULL, (note) }
/* not saved: the same bytes as the saved member `other` */
#define SNAP_ALIAS(T, f, other) { #f, (u32)offsetof(T, f), (u32)sizeof(SNAP__MEMBER(T, f)), \
	(u32)sizeof(SNAP__MEMBER(T, f)), SNAP_ALIAS, 0, NULL, (other) }

/* a description: SNAP_DESC(pit, 1, pit_fields, pit_check, pit_loaded)
 * defines `const struct snap_desc pit_snap` for struct pit */
#define SNAP_DESC(tag, ver, rows, check_, loaded_)                                             \
	const struct snap_desc tag##_snap = { #tag, (u32)sizeof(struct tag), (ver), (rows),     \
					      (u32)(sizeof(rows) / sizeof((rows)[0])), (check_), \
					      (loaded_), NULL }

/* the same with a salt (see struct snap_desc) */
#define SNAP_DESC_SALTED(tag, ver, rows, check_, loaded_, salt_)                               \
	const struct snap_desc tag##_snap = { #tag, (u32)sizeof(struct tag), (ver), (rows),     \
					      (u32)(sizeof(rows) / sizeof((rows)[0])), (check_), \
					      (loaded_), (salt_) }

/* --- walking a description (snap/state.c) --- */

/* A growable byte buffer the encoder appends to. */
struct snap_buf {
	u8 *data;
	size_t len, cap;
};
void snap_buf_put(struct snap_buf *b, const void *p, size_t n);
/* make room for n more bytes (b->data + b->len .. + n) without adding them */
void snap_buf_reserve(struct snap_buf *b, size_t n);
void snap_buf_u8(struct snap_buf *b, u8 v);
void snap_buf_u32(struct snap_buf *b, u32 v);
void snap_buf_u64(struct snap_buf *b, u64 v);
void snap_buf_free(struct snap_buf *b);

/* the fingerprint of a description's layout (names, kinds, sizes, recursively) */
u64 snap_fingerprint(const struct snap_desc *d);
/* the bytes snap_encode writes for one struct of this description */
size_t snap_encoded_size(const struct snap_desc *d);

/* append the saved members of *s */
void snap_encode(struct snap_buf *b, const struct snap_desc *d, const void *s);

/* Decode `len` bytes into *s (normally a copy of the live struct): every
 * saved member is overwritten, derived ones are left alone. Checks every
 * value (bool 0/1, `max`, then d->check, recursively). Returns 0, or -1 with
 * "FIELD: reason" (the field's dotted path, e.g. "ch[1].mode") in err. */
int snap_decode(const struct snap_desc *d, void *s, const u8 *p, size_t len, char *err,
		size_t errlen);

/* Print every saved member of *s, one "prefix.path = value" line each. */
void snap_dump(const struct snap_desc *d, const void *s, const char *prefix, void *file);

/* Call fn for every SNAP_TIMER in *s (recursively): the loader re-arms them. */
void snap_for_each_timer(const struct snap_desc *d, void *s, void (*fn)(void *timer, void *arg),
			 void *arg);

/* Call d->loaded on *s and on its sub-structs (sub-structs first). */
void snap_call_loaded(const struct snap_desc *d, void *s);

/* Every row inside the struct, no two rows that are not aliases
 * overlapping, rows in member order, sub-descriptions sized as their
 * members' elements: returns NULL or a message naming the problem
 * (tests/unit/snap_test.c runs it on every description). That no member
 * is missing is tools/snapcheck.py's part, from the compiler's view. */
const char *snap_desc_selfcheck(const struct snap_desc *d, char *msg, size_t len);

/* "desc NAME size S version V fingerprint F" and one "  row ..." line per
 * row, then the sub-descriptions: what tools/snapcheck.py compares with the
 * compiler's view of the structs */
void snap_print_layout(const struct snap_desc *d, void *file);

#endif
