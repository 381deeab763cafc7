/* machine/loader.c: Multiboot v1 / ELF boot of -kernel images.
 *
 * What QEMU 7.2 does for `-kernel IMAGE` when IMAGE is not a Linux bzImage,
 * and what nestbox does the same way (PLATFORM.md "Boot: Multiboot v1, ELF"):
 *  - the Multiboot header is searched 4-byte aligned in the first 8 KiB;
 *  - without the a.out kludge (flags bit 16) the file must be ELF and its
 *    PT_LOAD program headers are copied to p_paddr, bss zeroed up to
 *    p_memsz; the entry point is e_entry;
 *  - with the a.out kludge the header's load_addr/load_end_addr/bss_end_addr/
 *    entry_addr are used instead;
 *  - after the image's highest byte (page aligned) come the module list, the
 *    module strings, the command line "<image path> <-append>", the boot
 *    loader name; then each module, page aligned;
 *  - the E820-style map is at 0x9000 and the information structure at 0x9500.
 * Where nestbox differs:
 *  - QEMU refuses an ELF64 (x86-64) image with "Cannot load x86-64 image,
 *    give a 32bit one."; nestbox loads it like an ELF32 one (PT_LOAD at
 *    p_paddr, entered in 32-bit protected mode at e_entry, which must lie
 *    below 4 GiB), with or without a multiboot header;
 *  - an ELF32 file without a multiboot header is loaded the same way (QEMU
 *    would try to boot it as an ancient Linux zImage);
 *  - QEMU's BIOS option ROM builds the GDT; nestbox writes one at 0x9560;
 *  - the boot information and modules are never put below 1 MiB (an image
 *    loaded low would otherwise have them collide with 0x9000 or the VGA
 *    hole);
 *  - an image that covers part of [0x9000, 0x9600) (one linked at 32 KiB)
 *    would overwrite QEMU's map and information structure as its option ROM
 *    copies it in after them; nestbox moves the three (map, structure, GDT)
 *    after the loader name instead, so EBX points at valid information.
 */
#include "machine/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "cpu/cpu.h"
#include "machine/linux_boot.h"
#include "machine/machine.h"
#include "mem/physmem.h"

#define PAGE_SIZE 4096ull
#define FOUR_GIB  (1ull << 32)
/* no file above this size can be loaded into a 32-bit address space */
#define LOADER_MAX_FILE FOUR_GIB

/* ELF (System V ABI, "ELF Header" and "Program Header") */
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PN_XNUM 0xffff
#define ELF32_EHDR_SIZE 52
#define ELF64_EHDR_SIZE 64
#define ELF32_PHDR_SIZE 32
#define ELF64_PHDR_SIZE 56

/* E820 / multiboot memory map types */
#define MMAP_RAM 1
#define MMAP_RESERVED 2

static const char loader_name[] = "nestbox";

int loader_fail(char *err, unsigned errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* does [off, off + size) lie inside a file of len bytes? (overflow-safe) */
static bool in_file(u64 off, u64 size, u64 len)
{
	return size <= len && off <= len - size;
}

static u64 align_up(u64 v, u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Multiboot Specification "OS image format": the header lies 32-bit aligned
 * within the first 8192 bytes; magic + flags + checksum is 0 (mod 2^32). */
static i64 mb_find(const u8 *buf, u64 len)
{
	u64 lim = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;
	for (u64 off = 0; off + 12 <= lim; off += 4) {
		u32 magic = load_le32(buf + off);
		u32 flags = load_le32(buf + off + 4);
		u32 sum = load_le32(buf + off + 8);
		if (magic == MB_HEADER_MAGIC && (u32)(magic + flags + sum) == 0)
			return (i64)off;
	}
	return -1;
}

/* Multiboot "The address fields of Multiboot header" (flags bit 16): the
 * file from (header offset - (header_addr - load_addr)) is loaded at
 * load_addr up to load_end_addr (0: end of file); bss up to bss_end_addr
 * (0: none) is zeroed; execution starts at entry_addr. */
static int parse_aout(const u8 *buf, u64 len, struct loader_image *img, char *err,
		      unsigned errlen)
{
	u64 off = img->mb_offset;
	if (off + 32 > len || off + 32 > MB_SEARCH_LEN)
		return loader_fail(err, errlen, "multiboot header at offset %#llx is truncated "
			    "(the a.out kludge needs 32 bytes)", (unsigned long long)off);
	u32 header_addr = load_le32(buf + off + 12);
	u32 load_addr = load_le32(buf + off + 16);
	u32 load_end = load_le32(buf + off + 20);
	u32 bss_end = load_le32(buf + off + 24);
	u32 entry = load_le32(buf + off + 28);

	if (header_addr < load_addr || header_addr - load_addr > off)
		return loader_fail(err, errlen, "multiboot header_addr %#x and load_addr %#x start "
			    "the image before the beginning of the file", header_addr, load_addr);
	u64 text = off - (header_addr - load_addr);
	u64 filesz = len - text;
	if (load_end) {
		if (load_end < load_addr)
			return loader_fail(err, errlen, "multiboot load_end_addr %#x is below load_addr %#x",
				    load_end, load_addr);
		filesz = (u64)load_end - load_addr;
		if (!in_file(text, filesz, len))
			return loader_fail(err, errlen, "multiboot load_end_addr %#x reaches past the end "
				    "of the file (%llu bytes)", load_end, (unsigned long long)len);
	}
	u64 memsz = filesz;
	if (bss_end) {
		if (bss_end < load_addr + filesz)
			return loader_fail(err, errlen, "multiboot bss_end_addr %#x is below the end of "
				    "the loaded data (%#llx)", bss_end,
				    (unsigned long long)(load_addr + filesz));
		memsz = (u64)bss_end - load_addr;
	}
	img->seg[0] = (struct loader_seg){ text, filesz, load_addr, memsz };
	img->nr_segs = 1;
	img->low = load_addr;
	img->high = load_addr + memsz;
	img->entry = entry;
	return 0;
}

/* the class-independent fields of an ELF header */
struct elf_info {
	u16 type, machine, phentsize, phnum;
	u64 entry, phoff;
};

static int elf_header(const u8 *buf, u64 len, struct elf_info *e, u8 *cls, char *err,
		      unsigned errlen)
{
	if (len < 16)
		return loader_fail(err, errlen, "truncated ELF identification (%llu bytes)",
			    (unsigned long long)len);
	*cls = buf[4];
	if (*cls != ELFCLASS32 && *cls != ELFCLASS64)
		return loader_fail(err, errlen, "unknown ELF class %u", buf[4]);
	if (buf[5] != ELFDATA2LSB)
		return loader_fail(err, errlen, "not a little-endian ELF file");
	u64 need = *cls == ELFCLASS32 ? ELF32_EHDR_SIZE : ELF64_EHDR_SIZE;
	if (len < need)
		return loader_fail(err, errlen, "truncated ELF header (%llu bytes, need %llu)",
			    (unsigned long long)len, (unsigned long long)need);
	e->type = load_le16(buf + 16);
	e->machine = load_le16(buf + 18);
	if (*cls == ELFCLASS32) {
		e->entry = load_le32(buf + 24);
		e->phoff = load_le32(buf + 28);
		e->phentsize = load_le16(buf + 42);
		e->phnum = load_le16(buf + 44);
	} else {
		e->entry = load_le64(buf + 24);
		e->phoff = load_le64(buf + 32);
		e->phentsize = load_le16(buf + 54);
		e->phnum = load_le16(buf + 56);
	}
	if (e->type != ET_EXEC && e->type != ET_DYN)
		return loader_fail(err, errlen, "ELF file is not an executable (e_type %u)", e->type);
	u16 want = *cls == ELFCLASS32 ? EM_386 : EM_X86_64;
	if (e->machine != want)
		return loader_fail(err, errlen, "ELF%s file is for machine %u, not %s",
			    *cls == ELFCLASS32 ? "32" : "64", e->machine,
			    *cls == ELFCLASS32 ? "i386" : "x86-64");
	return 0;
}

/* read program header n into a loader_seg; returns its p_type */
static u32 elf_phdr(const u8 *p, u8 cls, struct loader_seg *s)
{
	if (cls == ELFCLASS32) {
		s->offset = load_le32(p + 4);
		s->paddr = load_le32(p + 12);
		s->filesz = load_le32(p + 16);
		s->memsz = load_le32(p + 20);
	} else {
		s->offset = load_le64(p + 8);
		s->paddr = load_le64(p + 24);
		s->filesz = load_le64(p + 32);
		s->memsz = load_le64(p + 40);
	}
	return load_le32(p);
}

static int parse_elf(const u8 *buf, u64 len, struct loader_image *img, char *err,
		     unsigned errlen)
{
	struct elf_info e = { 0 };
	u8 cls = 0;
	if (elf_header(buf, len, &e, &cls, err, errlen) < 0)
		return -1;
	img->elf_class = cls;
	img->entry = e.entry;
	u16 min = cls == ELFCLASS32 ? ELF32_PHDR_SIZE : ELF64_PHDR_SIZE;
	if (e.phnum == 0 || e.phnum == PN_XNUM)
		return loader_fail(err, errlen, "ELF file has no usable program headers (e_phnum %u)",
			    e.phnum);
	if (e.phentsize < min)
		return loader_fail(err, errlen, "ELF e_phentsize %u is smaller than a program header (%u)",
			    e.phentsize, min);
	if (!in_file(e.phoff, (u64)e.phnum * e.phentsize, len))
		return loader_fail(err, errlen, "ELF program headers (offset %#llx, %u x %u bytes) lie "
			    "past the end of the file (%llu bytes)", (unsigned long long)e.phoff,
			    e.phnum, e.phentsize, (unsigned long long)len);
	img->low = UINT64_MAX;
	for (unsigned n = 0; n < e.phnum; n++) {
		struct loader_seg s;
		if (elf_phdr(buf + e.phoff + (u64)n * e.phentsize, cls, &s) != PT_LOAD ||
		    s.memsz == 0)
			continue;
		if (s.filesz > s.memsz)
			return loader_fail(err, errlen, "ELF segment %u: p_filesz %#llx exceeds p_memsz %#llx",
				    n, (unsigned long long)s.filesz, (unsigned long long)s.memsz);
		if (!in_file(s.offset, s.filesz, len))
			return loader_fail(err, errlen, "ELF segment %u: file data (offset %#llx, %#llx "
				    "bytes) lies past the end of the file (%llu bytes)", n,
				    (unsigned long long)s.offset, (unsigned long long)s.filesz,
				    (unsigned long long)len);
		if (s.memsz > UINT64_MAX - s.paddr)
			return loader_fail(err, errlen, "ELF segment %u: p_paddr %#llx + p_memsz %#llx "
				    "overflows", n, (unsigned long long)s.paddr,
				    (unsigned long long)s.memsz);
		if (img->nr_segs == LOADER_MAX_SEGS)
			return loader_fail(err, errlen, "more than %d loadable ELF segments",
				    LOADER_MAX_SEGS);
		img->seg[img->nr_segs++] = s;
		if (s.paddr < img->low)
			img->low = s.paddr;
		if (s.paddr + s.memsz > img->high)
			img->high = s.paddr + s.memsz;
	}
	if (img->nr_segs == 0)
		return loader_fail(err, errlen, "ELF file has no loadable (PT_LOAD) segments");
	return 0;
}

int loader_parse(const u8 *buf, u64 len, struct loader_image *img, char *err, unsigned errlen)
{
	memset(img, 0, sizeof(*img));
	if (len == 0)
		return loader_fail(err, errlen, "the file is empty");
	i64 mb = mb_find(buf, len);
	bool elf = len >= 4 && !memcmp(buf, "\177ELF", 4);
	if (mb >= 0) {
		img->mb_offset = (u64)mb;
		img->mb_flags = load_le32(buf + mb + 4);
		if (img->mb_flags & MB_HDR_AOUT_KLUDGE) {
			img->kind = LOADER_MB_AOUT;
			return parse_aout(buf, len, img, err, errlen);
		}
		if (!elf)
			return loader_fail(err, errlen, "multiboot header without load addresses (flags "
				    "%#x), but the file is not ELF", img->mb_flags);
		img->kind = LOADER_MB_ELF;
	} else if (!elf) {
		return loader_fail(err, errlen, "not a multiboot or ELF image (no multiboot header "
			    "in the first 8 KiB, no ELF magic)");
	} else {
		img->kind = LOADER_ELF;
	}
	return parse_elf(buf, len, img, err, errlen);
}

/* does [a, a + len) meet [lo, hi)? */
static bool overlaps(u64 a, u64 len, u64 lo, u64 hi)
{
	return len && a < hi && a + len > lo;
}

static int check_segments(const struct loader_image *img, u64 ram_end, char *err,
			  unsigned errlen)
{
	for (int i = 0; i < img->nr_segs; i++) {
		const struct loader_seg *s = &img->seg[i];
		unsigned long long a = s->paddr, e = s->paddr + s->memsz;
		if (s->memsz > UINT64_MAX - s->paddr || e > ram_end)
			return loader_fail(err, errlen, "segment [%#llx, %#llx) lies outside RAM (RAM "
				    "below 4 GiB ends at %#llx; -m gives more)", a, e,
				    (unsigned long long)ram_end);
		if (overlaps(s->paddr, s->memsz, LOADER_HOLE_START, LOADER_HOLE_END))
			return loader_fail(err, errlen, "segment [%#llx, %#llx) overlaps the VGA/BIOS "
				    "area [%#x, %#x), which is not RAM", a, e, LOADER_HOLE_START,
				    LOADER_HOLE_END);
	}
	if (img->entry >= FOUR_GIB)
		return loader_fail(err, errlen, "entry point %#llx is above 4 GiB, out of reach of "
			    "32-bit protected mode", (unsigned long long)img->entry);
	return 0;
}

int loader_plan(const struct loader_image *img, const struct loader_mod *mods, int nr_mods,
		u64 cmdline_len, u64 name_len, u64 below_4g, struct loader_plan *plan, char *err,
		unsigned errlen)
{
	u64 ram_end = below_4g < FOUR_GIB ? below_4g : FOUR_GIB;
	memset(plan, 0, sizeof(*plan));
	if (check_segments(img, ram_end, err, errlen) < 0)
		return -1;
	if (nr_mods < 0 || nr_mods > LOADER_MAX_MODS)
		return loader_fail(err, errlen, "at most %d modules (-initrd files)", LOADER_MAX_MODS);
	if (cmdline_len > ram_end || name_len > ram_end)
		return loader_fail(err, errlen, "command line too long");
	/* QEMU's order: module list, module strings, command line, loader name */
	u64 p = align_up(img->high, PAGE_SIZE);
	if (p < LOADER_HOLE_END)
		p = LOADER_HOLE_END;
	plan->info_addr = plan->mods_addr = p;
	p += (u64)nr_mods * MB_MOD_SIZE;
	for (int i = 0; i < nr_mods; i++) {
		plan->mod_string_addr[i] = p;
		p += strlen(mods[i].string) + 1;
	}
	plan->cmdline_addr = p;
	p += cmdline_len;
	plan->name_addr = p;
	p += name_len;
	p = align_up(p, PAGE_SIZE);
	plan->boot_addr = LOADER_MMAP_ADDR;
	for (int i = 0; i < img->nr_segs; i++)
		if (overlaps(img->seg[i].paddr, img->seg[i].memsz, LOADER_MMAP_ADDR,
			     LOADER_BOOT_END))
			plan->boot_addr = p;
	if (plan->boot_addr != LOADER_MMAP_ADDR)
		p += PAGE_SIZE;
	for (int i = 0; i < nr_mods; i++) {
		if (mods[i].size > ram_end)
			return loader_fail(err, errlen, "module %d (%llu bytes) is larger than RAM", i,
				    (unsigned long long)mods[i].size);
		plan->mod_addr[i] = p;
		p = align_up(p + mods[i].size, PAGE_SIZE);
	}
	plan->end = p;
	if (p > ram_end)
		return loader_fail(err, errlen, "the image, %d module(s) and the boot information need "
			    "RAM up to %#llx, but RAM below 4 GiB ends at %#llx (use a larger -m)",
			    nr_mods, (unsigned long long)p, (unsigned long long)ram_end);
	return 0;
}

static void mmap_entry(u8 *out, int *n, u64 base, u64 len, u32 type)
{
	u8 *e = out + (size_t)*n * MB_MMAP_ENTRY_SIZE;
	store_le32(e, MB_MMAP_ENTRY_SIZE - 4); /* "size" excludes itself */
	store_le64(e + 4, base);
	store_le64(e + 12, len);
	store_le32(e + 20, type);
	(*n)++;
}

/* PLATFORM.md: the map QEMU's BIOS reports, in address order. */
int loader_build_mmap(u8 *out, u64 ram_size, u64 below_4g)
{
	int n = 0;
	mmap_entry(out, &n, 0, 0x9fc00, MMAP_RAM);
	mmap_entry(out, &n, 0x9fc00, 0x400, MMAP_RESERVED);   /* EBDA */
	mmap_entry(out, &n, 0xf0000, 0x10000, MMAP_RESERVED); /* BIOS */
	if (below_4g > LOADER_HOLE_END)
		mmap_entry(out, &n, LOADER_HOLE_END, below_4g - LOADER_HOLE_END, MMAP_RAM);
	mmap_entry(out, &n, 0xfec00000, 0x1000, MMAP_RESERVED); /* IOAPIC */
	mmap_entry(out, &n, 0xfee00000, 0x1000, MMAP_RESERVED); /* local APIC */
	mmap_entry(out, &n, 0xfffc0000, 0x40000, MMAP_RESERVED); /* BIOS flash */
	if (ram_size > below_4g)
		mmap_entry(out, &n, FOUR_GIB, ram_size - below_4g, MMAP_RAM);
	return n;
}

/* a flat 4 GiB descriptor with access byte `access`, G=1, D/B=1 */
static u64 flat_desc(u8 access)
{
	return 0xffffull | (0xfull << 48) | ((u64)access << 40) | BIT(54) | BIT(55);
}

#define BOOT_CODE_AR 0xc09b /* G, D, P, DPL0, S, execute/read accessed */
#define BOOT_DATA_AR 0xc093 /* G, B, P, DPL0, S, read/write accessed */

/* PLATFORM.md "Entry state" (QEMU's multiboot option ROM leaves it so):
 * 32-bit protected mode with paging off, flat CS=0x08 and data 0x10. */
void loader_set_boot_state(struct cpu *c, u32 entry, u32 mbi, u32 gdt)
{
	c->gpr[RAX] = MB_BOOT_MAGIC;
	c->gpr[RBX] = mbi;
	c->cr0 = CR0_PE | CR0_ET;
	c->cr2 = c->cr3 = c->cr4 = c->efer = 0;
	for (int s = SEG_ES; s <= SEG_GS; s++)
		c->seg[s] = (struct seg_cache){ .sel = 0x10, .base = 0, .limit = 0xffffffff,
						.ar = BOOT_DATA_AR };
	c->seg[SEG_CS] = (struct seg_cache){ .sel = 0x08, .base = 0, .limit = 0xffffffff,
					     .ar = BOOT_CODE_AR };
	c->gdtr = (struct dtr){ gdt, 3 * 8 - 1 };
	c->idtr = (struct dtr){ 0, 0x3ff };
	c->dr[6] = DR6_FIXED1;
	c->dr[7] = DR7_FIXED1;
	/* the BIOS ran FNINIT: FCW 0x37f, every register empty */
	c->fpu.fcw = 0x37f;
	c->fpu.fsw = 0;
	c->fpu.ftw = 0xffff;
	c->fpu.mxcsr = 0x1f80;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_PF); /* 0x6, IF=0: what QEMU leaves */
	c->rip = c->next_rip = entry;
	c->activity = ACT_ACTIVE;
	cpu_update_mode(c);
}

static const char *file_kind(mode_t mode)
{
	return S_ISFIFO(mode) ? "a FIFO" : S_ISDIR(mode) ? "a directory" :
	       S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
	       S_ISSOCK(mode) ? "a socket" : "not a plain file";
}

/* Open path as a regular file no larger than LOADER_MAX_FILE; returns the fd
 * or -1 with the reason in err. O_NONBLOCK: opening a FIFO for reading
 * would wait for a writer; it is refused by type instead (POSIX open(): "If
 * O_NONBLOCK is set, an open() for reading-only shall return without
 * delay"; it has no effect on the regular files read afterwards). */
static int open_regular(const char *path, u64 *size, char *err, unsigned errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return loader_fail(err, errlen, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return loader_fail(err, errlen, "%s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return loader_fail(err, errlen, "not a regular file (%s)", file_kind(st.st_mode));
	}
	if ((u64)st.st_size > LOADER_MAX_FILE) {
		close(fd);
		return loader_fail(err, errlen, "file too large (%llu bytes)",
			    (unsigned long long)st.st_size);
	}
	*size = (u64)st.st_size;
	return fd;
}

/* read exactly len bytes from fd into dst */
static int read_all(int fd, u8 *dst, u64 len, char *err, unsigned errlen)
{
	while (len) {
		ssize_t r = read(fd, dst, len > (1u << 30) ? (1u << 30) : len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return loader_fail(err, errlen, "read error: %s", strerror(errno));
		if (r == 0)
			return loader_fail(err, errlen, "file shrank while being read");
		dst += r;
		len -= (u64)r;
	}
	return 0;
}

static int read_file(const char *path, u8 **buf, u64 *len, char *err, unsigned errlen)
{
	int fd = open_regular(path, len, err, errlen);
	if (fd < 0)
		return -1;
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		close(fd);
		return loader_fail(err, errlen, "out of host memory");
	}
	int r = read_all(fd, *buf, *len, err, errlen);
	close(fd);
	if (r < 0) {
		free(*buf);
		*buf = NULL;
	}
	return r;
}

u8 *loader_ram(struct physmem *pm, u64 gpa, u64 len)
{
	u8 *p = physmem_ram_ptr(pm, gpa, len);
	if (!p)
		die("loader: [%#llx, +%#llx) is not RAM after validation",
		    (unsigned long long)gpa, (unsigned long long)len);
	physmem_note_write(pm, gpa, len);
	return p;
}

void loader_copy_segments(struct physmem *pm, const struct loader_image *img, const u8 *buf)
{
	for (int i = 0; i < img->nr_segs; i++) {
		const struct loader_seg *s = &img->seg[i];
		u8 *dst = loader_ram(pm, s->paddr, s->memsz);
		memcpy(dst, buf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
}

/* Open each -initrd module. QEMU: text after the first space of a module's
 * spec is its parameters; the whole spec is the module's string. */
static int open_modules(const struct machine_config *cfg, struct loader_mod *mods, int *fds)
{
	char err[200];
	for (int i = 0; i < cfg->nr_initrd; i++) {
		const char *spec = cfg->initrd[i];
		char *name = strndup(spec, strcspn(spec, " "));
		fds[i] = name ? open_regular(name, &mods[i].size, err, sizeof(err))
			      : loader_fail(err, sizeof(err), "out of host memory");
		if (fds[i] < 0) {
			fprintf(stderr, "nestbox: could not load initrd '%s': %s\n",
				name ? name : spec, err);
			free(name);
			while (i-- > 0)
				close(fds[i]);
			return -1;
		}
		free(name);
		mods[i].string = spec;
	}
	return 0;
}

static void put_string(struct physmem *pm, u64 gpa, const char *s)
{
	size_t n = strlen(s) + 1;
	memcpy(loader_ram(pm, gpa, n), s, n);
}

/* The module list and strings after the image, then the boot page
 * (p->boot_addr, normally 0x9000): memory map, multiboot information at
 * +0x500, GDT at +0x560. */
static void write_boot_info(struct machine *m, const struct loader_plan *p,
			    const struct loader_mod *mods, int nr, const char *cmdline)
{
	struct physmem *pm = &m->mem;
	for (int i = 0; i < nr; i++) {
		u8 *e = loader_ram(pm, p->mods_addr + (u64)i * MB_MOD_SIZE, MB_MOD_SIZE);
		store_le32(e, (u32)p->mod_addr[i]);
		store_le32(e + 4, (u32)(p->mod_addr[i] + mods[i].size));
		store_le32(e + 8, (u32)p->mod_string_addr[i]);
		store_le32(e + 12, 0);
		put_string(pm, p->mod_string_addr[i], mods[i].string);
	}
	put_string(pm, p->cmdline_addr, cmdline);
	put_string(pm, p->name_addr, loader_name);

	u8 *low = loader_ram(pm, p->boot_addr, LOADER_BOOT_END - LOADER_MMAP_ADDR);
	memset(low, 0, LOADER_BOOT_END - LOADER_MMAP_ADDR);
	int n = loader_build_mmap(low, pm->ram_size, pm->below_4g);
	u8 *mbi = low + (LOADER_MBI_ADDR - LOADER_MMAP_ADDR);
	store_le32(mbi + MBI_FLAGS, MBI_FLAG_MEM | MBI_FLAG_BOOTDEV | MBI_FLAG_CMDLINE |
				    MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
	store_le32(mbi + MBI_MEM_LOWER, 0x9fc00 / 1024);
	/* PLATFORM.md: (end of the first RAM region above 1 MiB) / 1024 - 1024 */
	store_le32(mbi + MBI_MEM_UPPER, (u32)(pm->below_4g / 1024 - 1024));
	store_le32(mbi + MBI_BOOT_DEVICE, 0x8000ffff); /* QEMU's value: first disk */
	store_le32(mbi + MBI_CMDLINE, (u32)p->cmdline_addr);
	store_le32(mbi + MBI_MODS_COUNT, (u32)nr);
	store_le32(mbi + MBI_MODS_ADDR, (u32)p->mods_addr);
	store_le32(mbi + MBI_MMAP_LENGTH, (u32)n * MB_MMAP_ENTRY_SIZE);
	store_le32(mbi + MBI_MMAP_ADDR, (u32)p->boot_addr);
	store_le32(mbi + MBI_BOOT_LOADER_NAME, (u32)p->name_addr);
	u8 *gdt = low + (LOADER_GDT_ADDR - LOADER_MMAP_ADDR);
	store_le64(gdt + 0x08, flat_desc(0x9b));
	store_le64(gdt + 0x10, flat_desc(0x93));
}

static int read_modules(struct machine *m, const struct loader_plan *p,
			const struct loader_mod *mods, const int *fds, int nr)
{
	char err[200];
	for (int i = 0; i < nr; i++) {
		u8 *dst = loader_ram(&m->mem, p->mod_addr[i], mods[i].size);
		if (read_all(fds[i], dst, mods[i].size, err, sizeof(err)) < 0) {
			fprintf(stderr, "nestbox: could not load initrd '%s': %s\n",
				mods[i].string, err);
			return -1;
		}
	}
	return 0;
}

/* QEMU: the command line is "<image path> <-append text>" */
static char *make_cmdline(const char *path, const char *append)
{
	if (!append)
		append = "";
	size_t n = strlen(path) + 1 + strlen(append) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s %s", path, append);
	return s;
}

static void warn_flags(const char *path, const struct loader_image *img)
{
	u32 unknown = img->mb_flags & MB_HDR_MUSTKNOW & ~(MB_HDR_PAGE_ALIGN | MB_HDR_MEMINFO);
	if (unknown)
		fprintf(stderr, "nestbox: warning: '%s': multiboot header asks for features "
			"nestbox does not provide (flags %#x); ignored\n", path, unknown);
}

/* With the image in buf and the modules open: place, write, set the CPU. */
static int load_parsed(struct machine *m, const char *path, const struct loader_image *img,
		       const u8 *buf, const struct loader_mod *mods, const int *fds)
{
	int nr = m->cfg.nr_initrd;
	struct loader_plan plan;
	char err[256];
	char *cmdline = make_cmdline(path, m->cfg.append);

	if (!cmdline) {
		fprintf(stderr, "nestbox: out of host memory\n");
		return -1;
	}
	if (loader_plan(img, mods, nr, strlen(cmdline) + 1, sizeof(loader_name),
			m->mem.below_4g, &plan, err, sizeof(err)) < 0) {
		/* the image alone fits: the modules are what does not */
		char e0[8];
		if (nr > 0 && loader_plan(img, mods, 0, strlen(cmdline) + 1, sizeof(loader_name),
					  m->mem.below_4g, &plan, e0, sizeof(e0)) == 0)
			fprintf(stderr, "nestbox: could not load initrd '%.*s'%s: %s\n",
				(int)strcspn(mods[0].string, " "), mods[0].string,
				nr > 1 ? " (and the other -initrd files)" : "", err);
		else
			fprintf(stderr, "nestbox: could not load kernel '%s': %s\n", path, err);
		free(cmdline);
		return -1;
	}
	loader_copy_segments(&m->mem, img, buf);
	write_boot_info(m, &plan, mods, nr, cmdline);
	free(cmdline);
	if (read_modules(m, &plan, mods, fds, nr) < 0)
		return -1;
	loader_set_boot_state(m->cpus[0], (u32)img->entry,
			      (u32)(plan.boot_addr + LOADER_MBI_ADDR - LOADER_MMAP_ADDR),
			      (u32)(plan.boot_addr + LOADER_GDT_ADDR - LOADER_MMAP_ADDR));
	return 0;
}

int loader_load(struct machine *m)
{
	const char *path = m->cfg.kernel ? m->cfg.kernel : "";
	int nr = m->cfg.nr_initrd, fds[LOADER_MAX_MODS], ret;
	struct loader_mod mods[LOADER_MAX_MODS];
	struct loader_image img;
	char err[256];
	u8 *buf = NULL;
	u64 len;

	if (nr < 0 || nr > LOADER_MAX_MODS) {
		fprintf(stderr, "nestbox: at most %d -initrd files\n", LOADER_MAX_MODS);
		return -1;
	}
	if (read_file(path, &buf, &len, err, sizeof(err)) == 0 && linux_is_bzimage(buf, len) &&
	    mb_find(buf, len) < 0) {
		/* a Linux bzImage without a multiboot header (QEMU tries multiboot
		 * first): the Linux/x86 boot protocol (linux_boot.c) */
		ret = linux_load(m, path, buf, len);
		free(buf);
		return ret;
	}
	if (!buf || loader_parse(buf, len, &img, err, sizeof(err)) < 0) {
		fprintf(stderr, "nestbox: could not load kernel '%s': %s\n", path, err);
		free(buf);
		return -1;
	}
	u64 pvh_entry;
	if (img.kind == LOADER_ELF && linux_pvh_entry(buf, len, &pvh_entry)) {
		/* an ELF without a multiboot header but with a PVH entry note
		 * (a Linux vmlinux): QEMU boots it through PVH (linux_boot.c) */
		ret = linux_pvh_load(m, path, &img, buf, pvh_entry);
		free(buf);
		return ret;
	}
	warn_flags(path, &img);
	ret = open_modules(&m->cfg, mods, fds);
	if (ret == 0) {
		ret = load_parsed(m, path, &img, buf, mods, fds);
		for (int i = 0; i < nr; i++)
			close(fds[i]);
	}
	free(buf);
	return ret;
}
