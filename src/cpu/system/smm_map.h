/* cpu/system/smm_map.h: the SMRAM state-save area as a struct (cpu/system/smm_map.def
 * holds the offsets), shared by SMI delivery (cpu/system/smm.c), RSM
 * (cpu/system/exec_sys_smm.c) and tests. */
#ifndef NESTBOX_CPU_SMM_MAP_H
#define NESTBOX_CPU_SMM_MAP_H

#include "cpu/cpu.h"

/* SMM64_<NAME> / SMM32_<NAME>: byte offset from SMBASE + 0xfe00 */
enum smm_map_offset {
#define F64(n, off, bytes) SMM64_##n = off,
#define F32(n, off, bytes) SMM32_##n = off,
#include "cpu/system/smm_map.def"
#undef F64
#undef F32
};

/* what the save area holds, independent of the map */
struct smm_image {
	u64 gpr[16];
	u64 rip, rflags;
	u64 cr0, cr3, cr4, efer;
	u64 dr6, dr7;
	struct seg_cache seg[8]; /* ES CS SS DS FS GS LDTR TR */
	struct dtr gdtr, idtr;
	u32 smbase;
	u32 revision;
	u8 auto_halt;
};

/* image <-> SMM_SAVE_SIZE bytes of save area in the AMD64 (map64) or the
 * 32-bit map; fields a map lacks encode to nothing and decode as 0 */
void smm_image_encode(const struct smm_image *s, bool map64, u8 *buf);
void smm_image_decode(const u8 *buf, bool map64, struct smm_image *s);
/* read the current save area (SMBASE + 0xfe00) into buf */
void smm_area_read(struct cpu *c, u8 *buf);

#endif
