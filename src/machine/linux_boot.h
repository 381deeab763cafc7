/* machine/linux_boot.h: the Linux/x86 boot protocol for `-kernel bzImage
 * [-initrd FILE] [-append TEXT]` (the kernel's Documentation/x86/boot.rst).
 *
 * nestbox has no BIOS services for the 16-bit real-mode setup code, so it
 * does the setup code's work itself and enters the kernel through the
 * protocol's 32-bit entry (default) or 64-bit entry (-linux-entry 64); see
 * docs/design.md "Booting Linux". Everything read from the file is
 * untrusted and bounds-checked; the steps are pure functions so unit tests
 * can drive them with crafted buffers. */
#ifndef NESTBOX_MACHINE_LINUX_BOOT_H
#define NESTBOX_MACHINE_LINUX_BOOT_H

#include "base/compiler.h"
#include "base/types.h"

struct machine;
struct cpu;

/* zero-page / setup-header offsets and sizes: LBP_NAME, LBP_NAME_SIZE */
enum {
#define X(name, off, size, doc) LBP_##name = (off), LBP_##name##_SIZE = (size),
#include "machine/linux_boot.def"
#undef X
};

#define LINUX_HDR_MAGIC      0x53726448u /* "HdrS" at LBP_HEADER */
#define LINUX_BOOT_FLAG      0xaa55u
#define LINUX_MIN_VERSION    0x0206      /* cmdline_size, 32-bit entry rules */
#define LINUX_64BIT_VERSION  0x020c      /* xloadflags: 2.12 */
#define LINUX_LOADED_HIGH    0x01        /* loadflags: protected-mode code at 0x100000 */
#define LINUX_XLF_KERNEL_64  0x01        /* xloadflags: has the 64-bit entry at +0x200 */
#define LINUX_LOADER_UNDEF   0xff        /* type_of_loader: "undefined" */
#define LINUX_E820_MAX       128
#define LINUX_E820_ENTRY     20          /* u64 addr, u64 size, u32 type */
#define LINUX_64BIT_OFFSET   0x200       /* startup_64 from the load address */

/* Where nestbox puts things (guest-physical). */
#define LINUX_GDT_ADDR       0x6000u     /* null, null, code 0x10, data 0x18 */
#define LINUX_ZERO_PAGE      0x7000u
#define LINUX_PT_ADDR        0x10000u    /* PML4, PDPT, 4 PDs: 4 GiB identity map */
#define LINUX_PT_END         0x16000u
#define LINUX_CMDLINE_ADDR   0x20000u
#define LINUX_CMDLINE_MAX    0x10000u    /* [0x20000, 0x30000) */
#define LINUX_KERNEL_ADDR    0x100000u   /* protected-mode kernel (LOADED_HIGH) */
#define LINUX_BOOT_CS        0x10u       /* __BOOT_CS */
#define LINUX_BOOT_DS        0x18u       /* __BOOT_DS */

enum linux_entry { LINUX_ENTRY_32 = 32, LINUX_ENTRY_64 = 64 };

struct linux_image {
	u16 version;
	u8 loadflags, relocatable;
	u16 xloadflags;
	u32 cmdline_size, initrd_addr_max, kernel_alignment, init_size;
	u64 pref_address;
	u64 hdr_end;              /* first byte after the setup header */
	u64 kernel_off, kernel_len; /* the protected-mode part of the file */
};

struct linux_plan {
	u64 kernel, kernel_end;   /* where the protected-mode part goes */
	u64 need_end;             /* end of the memory the kernel needs while it boots */
	u64 initrd, initrd_size;
	u64 entry;
};

/* Is this a bzImage ("HdrS" at 0x202)? */
bool linux_is_bzimage(const u8 *buf, u64 len);

must_check int linux_parse(const u8 *buf, u64 len, struct linux_image *img, char *err,
			   unsigned errlen);

/* Place the kernel and the initrd in RAM [0, below_4g). cmdline_len
 * excludes the NUL. Returns 0, or -1 with the reason in err. */
must_check int linux_plan(const struct linux_image *img, enum linux_entry entry,
			  u64 cmdline_len, u64 initrd_size, u64 below_4g,
			  struct linux_plan *plan, char *err, unsigned errlen);

/* Fill the 4 KiB zero page: the file's setup header, then the loader's fields
 * and the e820 map. */
void linux_build_zero_page(u8 *zp, const u8 *buf, const struct linux_image *img,
			   const struct linux_plan *plan, u64 ram_size, u64 below_4g);

/* Write the boot GDT (and, for the 64-bit entry, the page tables) into ram
 * (guest-physical 0 upwards, at least LINUX_PT_END bytes). */
void linux_build_tables(u8 *ram, enum linux_entry entry);

/* The boot CPU state of boot.rst "32-bit Boot Protocol" / "64-bit Boot Protocol". */
void linux_set_boot_state(struct cpu *c, enum linux_entry entry, u64 rip);

/* Load the bzImage in buf (from path) with m->cfg's initrd and append. */
must_check int linux_load(struct machine *m, const char *path, const u8 *buf, u64 len);

/* --- PVH: an uncompressed vmlinux ELF (Xen's "x86/HVM direct boot ABI",
 * docs/misc/pvh.pandoc, and public/arch-x86/hvm/start_info.h) --- */
#define PVH_NOTE_NAME        "Xen"
#define PVH_NOTE_PHYS32_ENTRY 18          /* XEN_ELFNOTE_PHYS32_ENTRY */
#define PVH_START_MAGIC      0x336ec578u  /* XEN_HVM_START_MAGIC_VALUE */
#define PVH_START_VERSION    1
enum { /* struct hvm_start_info */
	PVH_SI_MAGIC = 0, PVH_SI_VERSION = 4, PVH_SI_FLAGS = 8, PVH_SI_NR_MODULES = 12,
	PVH_SI_MODLIST = 16, PVH_SI_CMDLINE = 24, PVH_SI_RSDP = 32, PVH_SI_MEMMAP = 40,
	PVH_SI_MEMMAP_ENTRIES = 48, PVH_SI_SIZE = 56,
	PVH_MOD_SIZE = 32,    /* paddr, size, cmdline_paddr, reserved */
	PVH_MEMMAP_SIZE = 24, /* addr, size, type, reserved */
};
#define PVH_START_INFO_ADDR  0x7000u      /* start_info, module list, memory map */
#define PVH_MODLIST_ADDR     0x7100u
#define PVH_MEMMAP_ADDR      0x7200u

/* The PHYS32_ENTRY note of an ELF file (32- or 64-bit): true with *entry
 * set when the file has one (anything malformed is "no note"). */
bool linux_pvh_entry(const u8 *buf, u64 len, u64 *entry);

/* Fill the start_info page (start_info, one module for the initrd, the
 * memory map) at `page` (guest-physical PVH_START_INFO_ADDR). */
void linux_pvh_start_info(u8 *page, u64 initrd, u64 initrd_size, u64 ram_size, u64 below_4g);

/* "x86/HVM direct boot ABI" entry state: 32-bit protected mode, paging
 * off, flat CS/DS/ES/SS, a 32-bit busy TSS at 0 (limit 0x67), EBX =
 * start_info, CR4 = 0, IF = TF = VM = 0. */
void linux_pvh_set_boot_state(struct cpu *c, u64 entry);

/* Load an ELF image with a PVH note (its PT_LOAD segments already parsed
 * into img) with m->cfg's initrd and append. */
struct loader_image;
must_check int linux_pvh_load(struct machine *m, const char *path,
			      const struct loader_image *img, const u8 *buf, u64 entry);

#endif
