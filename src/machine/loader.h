/* machine/loader.h: boots a -kernel image the way `qemu-system-x86_64
 * -kernel IMAGE` does for Multiboot v1 images (PLATFORM.md "Boot: Multiboot
 * v1, ELF"): loads the image and its modules into RAM, writes the multiboot
 * information, an E820-style memory map and a GDT, and puts the boot CPU in
 * 32-bit protected mode at the entry point.
 *
 * Everything read from a file is untrusted: every field is bounds-checked
 * and a bad image ends in "nestbox: could not load kernel 'PATH': <reason>".
 *
 * The parsing and placement steps are pure functions of their inputs so unit
 * tests can drive them with crafted buffers. */
#ifndef NESTBOX_MACHINE_LOADER_H
#define NESTBOX_MACHINE_LOADER_H

#include "base/bits.h"
#include "base/compiler.h"
#include "base/types.h"

struct machine;
struct cpu;
struct physmem;

/* Multiboot Specification 0.6.96, "Header magic fields" / "Boot information format" */
#define MB_HEADER_MAGIC   0x1BADB002u
#define MB_BOOT_MAGIC     0x2BADB002u  /* EAX at entry */
#define MB_SEARCH_LEN     8192         /* header lies 4-aligned in the first 8 KiB */
#define MB_HDR_PAGE_ALIGN BIT(0)
#define MB_HDR_MEMINFO    BIT(1)
#define MB_HDR_VIDEO      BIT(2)
#define MB_HDR_AOUT_KLUDGE BIT(16)     /* header carries load addresses */
#define MB_HDR_MUSTKNOW   0xffffu      /* bits a loader must understand */

#define MBI_FLAG_MEM      BIT(0)
#define MBI_FLAG_BOOTDEV  BIT(1)
#define MBI_FLAG_CMDLINE  BIT(2)
#define MBI_FLAG_MODS     BIT(3)
#define MBI_FLAG_MMAP     BIT(6)
#define MBI_FLAG_LOADER_NAME BIT(9)

/* multiboot information offsets (the part nestbox fills) */
enum {
	MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_BOOT_DEVICE = 12,
	MBI_CMDLINE = 16, MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24,
	MBI_MMAP_LENGTH = 44, MBI_MMAP_ADDR = 48, MBI_BOOT_LOADER_NAME = 64,
	MBI_SIZE = 88,
	MB_MOD_SIZE = 16,      /* mod_start, mod_end, string, reserved */
	MB_MMAP_ENTRY_SIZE = 24, /* size(=20), base_addr, length, type */
};

/* Where nestbox puts its own boot structures (QEMU's addresses: the map at
 * 0x9000, the information structure at 0x9500), plus the GDT after them. */
#define LOADER_MMAP_ADDR  0x9000u
#define LOADER_MBI_ADDR   0x9500u
#define LOADER_GDT_ADDR   0x9560u
#define LOADER_BOOT_END   0x9600u      /* [0x9000, 0x9600) is the loader's */
#define LOADER_HOLE_START 0xa0000u     /* VGA / option ROM / BIOS area: not for images */
#define LOADER_HOLE_END   0x100000u
#define LOADER_MAX_MMAP   16

#define LOADER_MAX_SEGS   64
#define LOADER_MAX_MODS   8

enum loader_kind {
	LOADER_MB_ELF,    /* multiboot header, ELF program headers */
	LOADER_MB_AOUT,   /* multiboot header with the a.out kludge addresses */
	LOADER_ELF,       /* ELF without a multiboot header (nestbox extension) */
};

struct loader_seg {
	u64 offset, filesz; /* bytes taken from the file */
	u64 paddr, memsz;   /* where they go; memsz - filesz bytes are zeroed */
};

struct loader_image {
	enum loader_kind kind;
	u8 elf_class;       /* 1 = ELF32, 2 = ELF64, 0 = not ELF */
	u32 mb_flags;       /* multiboot header flags (0 without a header) */
	u64 mb_offset;      /* file offset of the multiboot header */
	u64 entry;
	struct loader_seg seg[LOADER_MAX_SEGS];
	int nr_segs;
	u64 low, high;      /* lowest paddr and end of the highest segment */
};

/* One boot module (-initrd): its size and the string the image sees. */
struct loader_mod {
	u64 size;
	const char *string;
};

/* Where everything goes in guest-physical memory. */
struct loader_plan {
	u64 info_addr;      /* mods array, module strings, cmdline, loader name */
	u64 mods_addr;      /* == info_addr */
	u64 cmdline_addr;
	u64 name_addr;
	u64 mod_string_addr[LOADER_MAX_MODS];
	u64 mod_addr[LOADER_MAX_MODS];
	/* the memory map, information structure and GDT, laid out as at
	 * LOADER_MMAP_ADDR (MBI at +0x500, GDT at +0x560): there, unless the
	 * image covers part of [LOADER_MMAP_ADDR, LOADER_BOOT_END); then after
	 * the loader name, page aligned */
	u64 boot_addr;
	u64 end;            /* first byte after the last module */
};

/* Parse an image held in memory. Returns 0, or -1 with the reason in err. */
must_check int loader_parse(const u8 *buf, u64 len, struct loader_image *img, char *err,
			    unsigned errlen);

/* Check the image against RAM [0, below_4g) and place the boot information
 * and modules after it, as QEMU does. cmdline_len/name_len include the NUL.
 * Returns 0, or -1 with the reason in err. */
must_check int loader_plan(const struct loader_image *img, const struct loader_mod *mods,
			   int nr_mods, u64 cmdline_len, u64 name_len, u64 below_4g,
			   struct loader_plan *plan, char *err, unsigned errlen);

/* Fill `out` (room for LOADER_MAX_MMAP entries of MB_MMAP_ENTRY_SIZE bytes)
 * with the E820-style map for this RAM layout; returns the entry count. */
int loader_build_mmap(u8 *out, u64 ram_size, u64 below_4g);
/* host pointer for [gpa, gpa + len) of RAM a loader's plan validated
 * (noting the write for the decoded-code cache); dies if it is not RAM */
u8 *loader_ram(struct physmem *pm, u64 gpa, u64 len);
/* copy an ELF image's segments into RAM, zeroing each one's tail */
void loader_copy_segments(struct physmem *pm, const struct loader_image *img, const u8 *buf);
/* format a load error into err (at most errlen bytes); returns -1 */
int loader_fail(char *err, unsigned errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The boot CPU state of PLATFORM.md for entry point `entry`, multiboot info
 * at `mbi`, and a flat GDT (null, code 0x08, data 0x10) at `gdt`. */
void loader_set_boot_state(struct cpu *c, u32 entry, u32 mbi, u32 gdt);

/* Load m->cfg.kernel (and m->cfg.initrd[]) into m and set up m->cpus[0].
 * Returns 0, or -1 after printing "nestbox: could not load kernel ..." */
must_check int loader_load(struct machine *m);

#endif
