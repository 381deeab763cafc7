/* machine/linux_boot.c: the Linux/x86 boot protocol for a bzImage given to
 * -kernel (the kernel's Documentation/x86/boot.rst; facts only).
 *
 * QEMU's firmware runs the image's 16-bit real-mode setup code, which asks
 * the BIOS for the memory map (INT 15h E820) and enters the kernel in 32-bit
 * mode. nestbox's firmware has no BIOS services, so the loader does what the
 * setup code would and uses the protocol's own protected-mode entries
 * (boot.rst "32-bit Boot Protocol", "64-bit Boot Protocol"):
 *  - the protected-mode part of the file ((setup_sects + 1) * 512 bytes in)
 *    is loaded at 0x100000 (loadflags LOADED_HIGH is required);
 *  - the zero page (struct boot_params) gets a copy of the file's setup
 *    header, the loader's fields (type_of_loader, cmd_line_ptr,
 *    ramdisk_image/size) and the e820 map, which is the map nestbox's
 *    firmware reports (loader_build_mmap(), PLATFORM.md);
 *  - the initrd goes at the top of RAM below initrd_addr_max and below
 *    4 GiB, page aligned, as QEMU places it;
 *  - 32-bit entry at code32_start's load address, 64-bit entry at +0x200
 *    with a 4 GiB identity map, CS = __BOOT_CS (0x10), data = __BOOT_DS
 *    (0x18), ESI/RSI = zero page.
 * The command line is the -append text alone (QEMU does not prepend the
 * image path for Linux). */
#include "machine/linux_boot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/bits.h"
#include "base/log.h"
#include "cpu/cpu.h"
#include "machine/loader.h"
#include "machine/machine.h"
#include "mem/physmem.h"

#define PAGE_SIZE 4096ull
#define FOUR_GIB  (1ull << 32)
#define SECTOR    512u


static u64 align_up(u64 v, u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

bool linux_is_bzimage(const u8 *buf, u64 len)
{
	return len >= LBP_HEADER + 4 && load_le32(buf + LBP_HEADER) == LINUX_HDR_MAGIC;
}

/* boot.rst "The Real-Mode Kernel Header": fields up to init_size exist
 * from protocol 2.10; nestbox asks for 2.06 (cmdline_size) and reads the
 * later fields only when the header is long enough to hold them. */
static u64 hdr_field(const u8 *buf, u64 hdr_end, unsigned off, unsigned size)
{
	if (off + size > hdr_end)
		return 0;
	switch (size) {
	case 1: return buf[off];
	case 2: return load_le16(buf + off);
	case 4: return load_le32(buf + off);
	default: return load_le64(buf + off);
	}
}

int linux_parse(const u8 *buf, u64 len, struct linux_image *img, char *err, unsigned errlen)
{
	memset(img, 0, sizeof(*img));
	if (!linux_is_bzimage(buf, len))
		return loader_fail(err, errlen, "no Linux setup header (\"HdrS\" at 0x202)");
	if (len < LBP_JUMP + 2)
		return loader_fail(err, errlen, "truncated setup header");
	img->hdr_end = LBP_HEADER + (u64)buf[LBP_JUMP + 1]; /* "jump" is EB xx */
	if (img->hdr_end > len || img->hdr_end < LBP_VERSION + 2)
		return loader_fail(err, errlen, "truncated setup header (%llu bytes, the header "
			    "ends at %#llx)", (unsigned long long)len,
			    (unsigned long long)img->hdr_end);
	img->version = load_le16(buf + LBP_VERSION);
	if (img->version < LINUX_MIN_VERSION)
		return loader_fail(err, errlen, "boot protocol %u.%02u is too old (nestbox needs "
			    "2.06 or later)", img->version >> 8, img->version & 0xff);
#define F(name) hdr_field(buf, img->hdr_end, LBP_##name, LBP_##name##_SIZE)
	img->loadflags = (u8)F(LOADFLAGS);
	img->relocatable = (u8)F(RELOCATABLE);
	img->xloadflags = (u16)F(XLOADFLAGS);
	img->cmdline_size = (u32)F(CMDLINE_SIZE);
	img->initrd_addr_max = (u32)F(INITRD_ADDR_MAX);
	img->kernel_alignment = (u32)F(KERNEL_ALIGNMENT);
	img->init_size = (u32)F(INIT_SIZE);
	img->pref_address = F(PREF_ADDRESS);
	u64 syssize = F(SYSSIZE);
#undef F
	if (!(img->loadflags & LINUX_LOADED_HIGH))
		return loader_fail(err, errlen, "a zImage (loadflags LOADED_HIGH clear) is not "
			    "supported; use a bzImage");
	unsigned sects = buf[LBP_SETUP_SECTS] ? buf[LBP_SETUP_SECTS] : 4;
	img->kernel_off = (u64)(sects + 1) * SECTOR;
	/* (sects + 1) * 512 >= 0xa00 > hdr_end (at most 0x301): the setup
	 * code always holds the whole header */
	if (img->kernel_off >= len)
		return loader_fail(err, errlen, "truncated bzImage: the setup code (%u sectors) fills "
			    "the whole file (%llu bytes)", sects + 1, (unsigned long long)len);
	img->kernel_len = len - img->kernel_off;
	if (syssize * 16 > img->kernel_len)
		return loader_fail(err, errlen, "truncated bzImage: syssize says %llu bytes of "
			    "protected-mode code, the file has %llu",
			    (unsigned long long)(syssize * 16), (unsigned long long)img->kernel_len);
	return 0;
}

/* boot.rst "64-bit Boot Protocol"; "Details of Header Fields": init_size is
 * counted from the kernel's run address, which a relocatable kernel aligns
 * up to kernel_alignment and keeps at or above pref_address (its
 * LOAD_PHYSICAL_ADDR). */
static u64 run_end(const struct linux_image *img, const struct linux_plan *p)
{
	u64 start = p->kernel;
	if (img->relocatable && img->kernel_alignment &&
	    !(img->kernel_alignment & (img->kernel_alignment - 1)))
		start = align_up(start, img->kernel_alignment);
	if (img->pref_address > start && img->pref_address < FOUR_GIB)
		start = img->pref_address;
	u64 end = start + img->init_size;
	return end > p->kernel_end ? end : p->kernel_end;
}

/* the initrd at the page below `top`, not below `floor` (the kernel's end) */
static int place_initrd(u64 top, u64 floor, u64 size, struct linux_plan *plan, char *err,
			unsigned errlen)
{
	if (!size)
		return 0;
	if (size > top || ((top - size) & ~(PAGE_SIZE - 1)) < floor)
		return loader_fail(err, errlen, "initrd too big for memory: %llu bytes do not fit "
			    "between the kernel (up to %#llx) and %#llx (use a larger -m)",
			    (unsigned long long)size, (unsigned long long)floor,
			    (unsigned long long)top);
	plan->initrd = (top - size) & ~(PAGE_SIZE - 1);
	plan->initrd_size = size;
	return 0;
}

int linux_plan(const struct linux_image *img, enum linux_entry entry, u64 cmdline_len,
	       u64 initrd_size, u64 below_4g, struct linux_plan *plan, char *err,
	       unsigned errlen)
{
	u64 ram_end = below_4g < FOUR_GIB ? below_4g : FOUR_GIB;
	memset(plan, 0, sizeof(*plan));
	if (entry == LINUX_ENTRY_64 && (img->version < LINUX_64BIT_VERSION ||
					!(img->xloadflags & LINUX_XLF_KERNEL_64)))
		return loader_fail(err, errlen, "the kernel has no 64-bit entry point (protocol "
			    "%u.%02u, xloadflags %#x)", img->version >> 8, img->version & 0xff,
			    img->xloadflags);
	if (cmdline_len > img->cmdline_size || cmdline_len >= LINUX_CMDLINE_MAX)
		return loader_fail(err, errlen, "command line too long (%llu bytes; the kernel "
			    "takes at most %u)", (unsigned long long)cmdline_len,
			    img->cmdline_size);
	plan->kernel = LINUX_KERNEL_ADDR;
	plan->kernel_end = plan->kernel + img->kernel_len;
	plan->entry = plan->kernel + (entry == LINUX_ENTRY_64 ? LINUX_64BIT_OFFSET : 0);
	plan->need_end = run_end(img, plan);
	if (plan->need_end > ram_end)
		return loader_fail(err, errlen, "the kernel needs RAM up to %#llx while it boots "
			    "(init_size %#x), but RAM below 4 GiB ends at %#llx (use a larger -m)",
			    (unsigned long long)plan->need_end, img->init_size,
			    (unsigned long long)ram_end);
	/* QEMU: the initrd ends at the top of RAM, capped by initrd_addr_max */
	u64 top = ram_end;
	if (img->initrd_addr_max && (u64)img->initrd_addr_max + 1 < top)
		top = (u64)img->initrd_addr_max + 1;
	return place_initrd(top, plan->need_end, initrd_size, plan, err, errlen);
}

static void e820_from_firmware_map(u8 *zp, u64 ram_size, u64 below_4g)
{
	u8 map[LOADER_MAX_MMAP * MB_MMAP_ENTRY_SIZE];
	int n = loader_build_mmap(map, ram_size, below_4g);
	for (int i = 0; i < n; i++) /* the multiboot entry is "size" + the e820 entry */
		memcpy(zp + LBP_E820_TABLE + i * LINUX_E820_ENTRY, map + i * MB_MMAP_ENTRY_SIZE + 4,
		       LINUX_E820_ENTRY);
	zp[LBP_E820_ENTRIES] = (u8)n;
}

void linux_build_zero_page(u8 *zp, const u8 *buf, const struct linux_image *img,
			   const struct linux_plan *plan, u64 ram_size, u64 below_4g)
{
	memset(zp, 0, PAGE_SIZE);
	/* boot.rst "32-bit Boot Protocol": the setup header is copied from the
	 * file into the zero page, then the loader fills its fields */
	memcpy(zp + LBP_SETUP_SECTS, buf + LBP_SETUP_SECTS, img->hdr_end - LBP_SETUP_SECTS);
	zp[LBP_TYPE_OF_LOADER] = LINUX_LOADER_UNDEF;
	store_le32(zp + LBP_CODE32_START, (u32)plan->kernel);
	store_le32(zp + LBP_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
	store_le32(zp + LBP_RAMDISK_IMAGE, (u32)plan->initrd);
	store_le32(zp + LBP_RAMDISK_SIZE, (u32)plan->initrd_size);
	store_le32(zp + LBP_EXT_RAMDISK_IMAGE, (u32)(plan->initrd >> 32));
	store_le32(zp + LBP_EXT_RAMDISK_SIZE, (u32)(plan->initrd_size >> 32));
	u64 below = below_4g < FOUR_GIB ? below_4g : FOUR_GIB;
	store_le32(zp + LBP_ALT_MEM_K, (u32)(below / 1024 - 1024));
	e820_from_firmware_map(zp, ram_size, below_4g);
}

/* a flat 4 GiB descriptor: access byte, flags nibble (G, D/B, L, AVL) */
static u64 desc(u8 access, u8 flags)
{
	return 0xffffull | (0xfull << 48) | ((u64)access << 40) | ((u64)flags << 52);
}

#define PTE_P  BIT(0)
#define PTE_RW BIT(1)
#define PTE_PS BIT(7)

void linux_build_tables(u8 *ram, enum linux_entry entry)
{
	u8 *gdt = ram + LINUX_GDT_ADDR;
	memset(gdt, 0, 4 * 8);
	/* boot.rst: __BOOT_CS (0x10) execute/read, __BOOT_DS (0x18) read/write,
	 * both flat; for the 64-bit entry the code segment is a 64-bit one */
	store_le64(gdt + LINUX_BOOT_CS, entry == LINUX_ENTRY_64 ? desc(0x9b, 0xa) : desc(0x9b, 0xc));
	store_le64(gdt + LINUX_BOOT_DS, desc(0x93, 0xc));
	if (entry != LINUX_ENTRY_64)
		return;
	/* SDM Vol.3A "4-Level Paging": PML4 -> PDPT -> 4 page directories of
	 * 2-MByte pages (PS=1), identity-mapping [0, 4 GiB) */
	u8 *pt = ram + LINUX_PT_ADDR;
	memset(pt, 0, LINUX_PT_END - LINUX_PT_ADDR);
	store_le64(pt, (LINUX_PT_ADDR + 0x1000) | PTE_P | PTE_RW);
	for (u64 i = 0; i < 4; i++) {
		u64 pd = LINUX_PT_ADDR + 0x2000 + i * 0x1000;
		store_le64(pt + 0x1000 + i * 8, pd | PTE_P | PTE_RW);
		for (u64 j = 0; j < 512; j++)
			store_le64(ram + pd + j * 8,
				   ((i << 30) + (j << 21)) | PTE_P | PTE_RW | PTE_PS);
	}
}

#define BOOT_CODE32_AR 0xc09b /* G, D, P, DPL0, S, execute/read accessed */
#define BOOT_CODE64_AR 0xa09b /* G, L, P, DPL0, S, execute/read accessed */
#define BOOT_DATA_AR   0xc093 /* G, B, P, DPL0, S, read/write accessed */

/* boot.rst "32-bit Boot Protocol": protected mode, paging off, flat CS =
 * __BOOT_CS and DS/ES/SS = __BOOT_DS, interrupts off, %esi = the zero page,
 * %ebp, %edi, %ebx = 0. "64-bit Boot Protocol": the same in 64-bit mode
 * with paging on and an identity map of the kernel, zero page and command
 * line. */
void linux_set_boot_state(struct cpu *c, enum linux_entry entry, u64 rip)
{
	memset(c->gpr, 0, sizeof(c->gpr));
	c->gpr[RSI] = LINUX_ZERO_PAGE;
	c->cr0 = CR0_PE | CR0_ET;
	c->cr2 = c->cr3 = c->cr4 = c->efer = 0;
	u32 cs_ar = BOOT_CODE32_AR;
	if (entry == LINUX_ENTRY_64) {
		c->cr0 |= CR0_PG;
		c->cr3 = LINUX_PT_ADDR;
		c->cr4 = CR4_PAE;
		c->efer = EFER_LME | EFER_LMA;
		cs_ar = BOOT_CODE64_AR;
	}
	for (int s = SEG_ES; s <= SEG_GS; s++)
		c->seg[s] = (struct seg_cache){ .sel = LINUX_BOOT_DS, .base = 0,
						.limit = 0xffffffff, .ar = BOOT_DATA_AR };
	c->seg[SEG_CS] = (struct seg_cache){ .sel = LINUX_BOOT_CS, .base = 0,
					     .limit = 0xffffffff, .ar = cs_ar };
	c->gdtr = (struct dtr){ LINUX_GDT_ADDR, 4 * 8 - 1 };
	c->idtr = (struct dtr){ 0, 0x3ff };
	c->dr[6] = DR6_FIXED1;
	c->dr[7] = DR7_FIXED1;
	c->fpu.fcw = 0x37f; /* the firmware ran FNINIT */
	c->fpu.fsw = 0;
	c->fpu.ftw = 0xffff;
	c->fpu.mxcsr = 0x1f80;
	cpu_set_rflags(c, RFLAGS_FIXED);
	c->rip = c->next_rip = rip;
	c->activity = ACT_ACTIVE;
	cpu_update_mode(c);
}

/* read the initrd file straight into guest RAM at plan->initrd */
static int read_initrd(struct physmem *pm, const char *path, const struct linux_plan *p)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	u8 *dst = loader_ram(pm, p->initrd, p->initrd_size);
	size_t n = fread(dst, 1, p->initrd_size, f);
	fclose(f);
	return n == p->initrd_size ? 0 : -1;
}

static int initrd_size(const char *path, u64 *size);

/* Linux takes one -initrd file, which must be readable: its size, or -1
 * after saying why (both boot paths) */
static int initrd_check(const struct machine *m, const char *path, const char *initrd, u64 *isize)
{
	if (m->cfg.nr_initrd > 1) {
		fprintf(stderr, "nestbox: could not load kernel '%s': Linux takes one -initrd "
			"file\n", path);
		return -1;
	}
	if (initrd && initrd_size(initrd, isize) < 0) {
		fprintf(stderr, "nestbox: could not load initrd '%s': cannot read it\n", initrd);
		return -1;
	}
	return 0;
}

static int initrd_size(const char *path, u64 *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	int r = fseeko(f, 0, SEEK_END);
	off_t n = ftello(f);
	fclose(f);
	if (r < 0 || n < 0)
		return -1;
	*size = (u64)n;
	return 0;
}

int linux_load(struct machine *m, const char *path, const u8 *buf, u64 len)
{
	struct physmem *pm = &m->mem;
	enum linux_entry entry = m->cfg.linux_entry == 64 ? LINUX_ENTRY_64 : LINUX_ENTRY_32;
	const char *append = m->cfg.append ? m->cfg.append : "";
	const char *initrd = m->cfg.nr_initrd ? m->cfg.initrd[0] : NULL;
	struct linux_image img;
	struct linux_plan plan;
	char err[256];
	u64 isize = 0;

	if (initrd_check(m, path, initrd, &isize) < 0)
		return -1;
	if (linux_parse(buf, len, &img, err, sizeof(err)) < 0 ||
	    linux_plan(&img, entry, strlen(append), isize, pm->below_4g, &plan, err,
		       sizeof(err)) < 0) {
		fprintf(stderr, "nestbox: could not load kernel '%s': %s\n", path, err);
		return -1;
	}
	memcpy(loader_ram(pm, plan.kernel, img.kernel_len), buf + img.kernel_off, img.kernel_len);
	linux_build_zero_page(loader_ram(pm, LINUX_ZERO_PAGE, PAGE_SIZE), buf, &img, &plan,
			      pm->ram_size, pm->below_4g);
	memcpy(loader_ram(pm, LINUX_CMDLINE_ADDR, strlen(append) + 1), append, strlen(append) + 1);
	linux_build_tables(loader_ram(pm, 0, LINUX_PT_END), entry);
	if (initrd && read_initrd(pm, initrd, &plan) < 0) {
		fprintf(stderr, "nestbox: could not load initrd '%s': read error\n", initrd);
		return -1;
	}
	linux_set_boot_state(m->cpus[0], entry, plan.entry);
	return 0;
}

/* --- PVH: an uncompressed vmlinux --- */

/* ELF "Note Section": namesz, descsz, type, name and desc each padded to 4 */
static bool find_note(const u8 *p, u64 len, u64 *entry)
{
	u64 off = 0;
	while (off + 12 <= len) {
		u64 nsz = load_le32(p + off), dsz = load_le32(p + off + 4);
		u32 type = load_le32(p + off + 8);
		u64 name = off + 12, desc = name + align_up(nsz, 4);
		if (nsz > len || dsz > len || desc > len || dsz > len - desc)
			return false;
		if (type == PVH_NOTE_PHYS32_ENTRY && nsz == sizeof(PVH_NOTE_NAME) &&
		    !memcmp(p + name, PVH_NOTE_NAME, nsz) && (dsz == 4 || dsz == 8)) {
			*entry = dsz == 4 ? load_le32(p + desc) : load_le64(p + desc);
			return true;
		}
		off = desc + align_up(dsz, 4);
	}
	return false;
}

#define PT_NOTE 4

bool linux_pvh_entry(const u8 *buf, u64 len, u64 *entry)
{
	if (len < 64 || memcmp(buf, "\177ELF", 4))
		return false;
	bool is64 = buf[4] == 2;
	u64 phoff = is64 ? load_le64(buf + 32) : load_le32(buf + 28);
	u16 phentsize = load_le16(buf + (is64 ? 54 : 42));
	u16 phnum = load_le16(buf + (is64 ? 56 : 44));
	if (phentsize < (is64 ? 56 : 32) || phoff > len || (u64)phnum * phentsize > len - phoff)
		return false;
	for (u16 i = 0; i < phnum; i++) {
		const u8 *ph = buf + phoff + (u64)i * phentsize;
		if (load_le32(ph) != PT_NOTE)
			continue;
		u64 off = is64 ? load_le64(ph + 8) : load_le32(ph + 4);
		u64 sz = is64 ? load_le64(ph + 32) : load_le32(ph + 16);
		if (off <= len && sz <= len - off && find_note(buf + off, sz, entry))
			return true;
	}
	return false;
}

void linux_pvh_start_info(u8 *page, u64 initrd, u64 initrd_size, u64 ram_size, u64 below_4g)
{
	u8 map[LOADER_MAX_MMAP * MB_MMAP_ENTRY_SIZE];
	int n = loader_build_mmap(map, ram_size, below_4g);

	memset(page, 0, PAGE_SIZE);
	store_le32(page + PVH_SI_MAGIC, PVH_START_MAGIC);
	store_le32(page + PVH_SI_VERSION, PVH_START_VERSION);
	store_le64(page + PVH_SI_CMDLINE, LINUX_CMDLINE_ADDR);
	/* rsdp_paddr 0: the OS finds the RSDP by scanning the BIOS area */
	if (initrd_size) {
		/* Linux: "the first module is always ramdisk" */
		u8 *mod = page + (PVH_MODLIST_ADDR - PVH_START_INFO_ADDR);
		store_le32(page + PVH_SI_NR_MODULES, 1);
		store_le64(page + PVH_SI_MODLIST, PVH_MODLIST_ADDR);
		store_le64(mod, initrd);
		store_le64(mod + 8, initrd_size);
	}
	u8 *mm = page + (PVH_MEMMAP_ADDR - PVH_START_INFO_ADDR);
	for (int i = 0; i < n; i++) /* the firmware's map; the entry adds a reserved u32 */
		memcpy(mm + i * PVH_MEMMAP_SIZE, map + i * MB_MMAP_ENTRY_SIZE + 4, 20);
	store_le64(page + PVH_SI_MEMMAP, PVH_MEMMAP_ADDR);
	store_le32(page + PVH_SI_MEMMAP_ENTRIES, (u32)n);
}

#define PVH_TSS_AR 0x8b /* P, 32-bit busy TSS */

void linux_pvh_set_boot_state(struct cpu *c, u64 entry)
{
	linux_set_boot_state(c, LINUX_ENTRY_32, entry);
	c->gpr[RSI] = 0;
	c->gpr[RBX] = PVH_START_INFO_ADDR;
	c->seg[SEG_TR] = (struct seg_cache){ .sel = 0, .base = 0, .limit = 0x67,
					     .ar = PVH_TSS_AR };
}

/* the segments must lie in RAM below 4 GiB, away from the loader's
 * structures [GDT, command line end) and the VGA/BIOS hole */
static int pvh_check(const struct loader_image *img, u64 ram_end, u64 entry, char *err,
		     unsigned errlen)
{
	for (int i = 0; i < img->nr_segs; i++) {
		const struct loader_seg *sg = &img->seg[i];
		u64 a = sg->paddr, e = sg->paddr + sg->memsz;
		if (e > ram_end || e < a)
			return loader_fail(err, errlen, "segment [%#llx, %#llx) lies outside RAM below "
				    "4 GiB (ends at %#llx; use a larger -m)", (unsigned long long)a,
				    (unsigned long long)e, (unsigned long long)ram_end);
		if ((a < LINUX_CMDLINE_ADDR + LINUX_CMDLINE_MAX && e > LINUX_GDT_ADDR) ||
		    (a < LOADER_HOLE_END && e > LOADER_HOLE_START))
			return loader_fail(err, errlen, "segment [%#llx, %#llx) overlaps the boot "
				    "information or the VGA/BIOS area", (unsigned long long)a,
				    (unsigned long long)e);
	}
	if (entry >= FOUR_GIB)
		return loader_fail(err, errlen, "PVH entry %#llx is above 4 GiB",
			    (unsigned long long)entry);
	return 0;
}

int linux_pvh_load(struct machine *m, const char *path, const struct loader_image *img,
		   const u8 *buf, u64 entry)
{
	struct physmem *pm = &m->mem;
	const char *append = m->cfg.append ? m->cfg.append : "";
	const char *initrd = m->cfg.nr_initrd ? m->cfg.initrd[0] : NULL;
	u64 ram_end = pm->below_4g < FOUR_GIB ? pm->below_4g : FOUR_GIB;
	struct linux_plan plan = { 0 };
	char err[256];
	u64 isize = 0;

	if (initrd_check(m, path, initrd, &isize) < 0)
		return -1;
	if (pvh_check(img, ram_end, entry, err, sizeof(err)) < 0 ||
	    (strlen(append) >= LINUX_CMDLINE_MAX &&
	     loader_fail(err, sizeof(err), "command line too long") < 0) ||
	    place_initrd(ram_end, align_up(img->high, PAGE_SIZE), isize, &plan, err,
			 sizeof(err)) < 0) {
		fprintf(stderr, "nestbox: could not load kernel '%s': %s\n", path, err);
		return -1;
	}
	loader_copy_segments(pm, img, buf);
	linux_pvh_start_info(loader_ram(pm, PVH_START_INFO_ADDR, PAGE_SIZE), plan.initrd,
			     plan.initrd_size, pm->ram_size, pm->below_4g);
	memcpy(loader_ram(pm, LINUX_CMDLINE_ADDR, strlen(append) + 1), append, strlen(append) + 1);
	linux_build_tables(loader_ram(pm, 0, LINUX_PT_END), LINUX_ENTRY_32);
	if (initrd && read_initrd(pm, initrd, &plan) < 0) {
		fprintf(stderr, "nestbox: could not load initrd '%s': read error\n", initrd);
		return -1;
	}
	linux_pvh_set_boot_state(m->cpus[0], entry);
	return 0;
}
