/* base/bits.h: bit helpers and little-endian memory access (memcpy-based, alias-safe). */
#ifndef NESTBOX_BASE_BITS_H
#define NESTBOX_BASE_BITS_H

#include <string.h>

#include "base/types.h"

#define BIT(n)          (1ull << (n))
#define GENMASK(h, l)   (((~0ull) >> (63 - (h))) & ~((1ull << (l)) - 1))

static inline u64 bits_get(u64 v, unsigned hi, unsigned lo)
{
	return (v & GENMASK(hi, lo)) >> lo;
}

/* sign-extend the low `bits` bits of v */
static inline u64 sext(u64 v, unsigned bits)
{
	unsigned s = 64 - bits;
	return (u64)((i64)(v << s) >> s);
}

/* mask for an operand of `size` bytes (1, 2, 4, 8) */
static inline u64 size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline u16 load_le16(const void *p) { u16 v; memcpy(&v, p, 2); return v; }
static inline u32 load_le32(const void *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline u64 load_le64(const void *p) { u64 v; memcpy(&v, p, 8); return v; }
static inline void store_le16(void *p, u16 v) { memcpy(p, &v, 2); }
static inline void store_le32(void *p, u32 v) { memcpy(p, &v, 4); }
static inline void store_le64(void *p, u64 v) { memcpy(p, &v, 8); }

/* load/store `size` (1, 2, 4, 8) bytes, little-endian, zero-extended */
static inline u64 load_le(const void *p, unsigned size)
{
	switch (size) {
	case 1: return *(const u8 *)p;
	case 2: return load_le16(p);
	case 4: return load_le32(p);
	default: return load_le64(p);
	}
}

static inline void store_le(void *p, unsigned size, u64 v)
{
	switch (size) {
	case 1: *(u8 *)p = (u8)v; break;
	case 2: store_le16(p, (u16)v); break;
	case 4: store_le32(p, (u32)v); break;
	default: store_le64(p, v); break;
	}
}

#endif
