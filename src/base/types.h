/* base/types.h: fixed-width integer names used throughout nestbox. */
#ifndef NESTBOX_BASE_TYPES_H
#define NESTBOX_BASE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;
typedef unsigned __int128 u128;

typedef u64 gpa_t; /* guest-physical address */
typedef u64 gva_t; /* guest linear (virtual) address */

#endif
