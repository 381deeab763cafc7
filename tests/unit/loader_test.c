/* tests/unit/loader_test.c: the Multiboot / ELF loader on crafted buffers
 * (machine/loader.c), and one whole load into a hand-built machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/bits.h"
#include "cpu/cpu.h"
#include "machine/loader.h"
#include "machine/machine.h"

#define BUFSZ 16384
static u8 buf[BUFSZ];
static struct loader_image img;
static char err[256];

static void put_mb(u8 *b, u64 off, u32 flags)
{
	store_le32(b + off, MB_HEADER_MAGIC);
	store_le32(b + off + 4, flags);
	store_le32(b + off + 8, (u32)-(MB_HEADER_MAGIC + flags));
}

/* ELF32 i386 header with n program headers at offset 52 */
static void elf32(u8 *b, u32 entry, u16 n)
{
	memset(b, 0, BUFSZ);
	memcpy(b, "\177ELF\1\1\1", 7);
	store_le16(b + 16, 2); /* ET_EXEC */
	store_le16(b + 18, 3); /* EM_386 */
	store_le32(b + 20, 1);
	store_le32(b + 24, entry);
	store_le32(b + 28, 52);
	store_le16(b + 40, 52);
	store_le16(b + 42, 32);
	store_le16(b + 44, n);
}

static void phdr32(u8 *b, int i, u32 type, u32 off, u32 paddr, u32 filesz, u32 memsz)
{
	u8 *p = b + 52 + 32 * i;
	store_le32(p, type);
	store_le32(p + 4, off);
	store_le32(p + 8, paddr);
	store_le32(p + 12, paddr);
	store_le32(p + 16, filesz);
	store_le32(p + 20, memsz);
}

/* ELF64 x86-64 header with n program headers at offset 64 */
static void elf64(u8 *b, u64 entry, u16 n)
{
	memset(b, 0, BUFSZ);
	memcpy(b, "\177ELF\2\1\1", 7);
	store_le16(b + 16, 2);
	store_le16(b + 18, 62);
	store_le32(b + 20, 1);
	store_le64(b + 24, entry);
	store_le64(b + 32, 64);
	store_le16(b + 52, 64);
	store_le16(b + 54, 56);
	store_le16(b + 56, n);
}

static void phdr64(u8 *b, int i, u64 off, u64 paddr, u64 filesz, u64 memsz)
{
	u8 *p = b + 64 + 56 * i;
	store_le32(p, 1);
	store_le64(p + 8, off);
	store_le64(p + 16, paddr);
	store_le64(p + 24, paddr);
	store_le64(p + 32, filesz);
	store_le64(p + 40, memsz);
}

static int parse(u64 len)
{
	err[0] = 0;
	return loader_parse(buf, len, &img, err, sizeof(err));
}

static void expect_error(u64 len, const char *text)
{
	assert_int_equal(parse(len), -1);
	if (!strstr(err, text))
		fail_msg("error '%s' lacks '%s'", err, text);
}

/* --- Multiboot header search --- */

static void test_mb_header_found_with_elf(void **state)
{
	elf32(buf, 0x400100, 1);
	phdr32(buf, 0, 1, 0, 0x400000, 0x200, 0x300);
	put_mb(buf, 84, 0);
	assert_int_equal(parse(0x200), 0);
	assert_int_equal(img.kind, LOADER_MB_ELF);
	assert_int_equal(img.mb_offset, 84);
	assert_int_equal(img.entry, 0x400100);
}

/* Multiboot "OS image format": the whole header lies in the first 8192 bytes */
static void test_mb_header_search_limit(void **state)
{
	elf32(buf, 0x400100, 1);
	phdr32(buf, 0, 1, 0, 0x400000, BUFSZ, BUFSZ);
	put_mb(buf, 8180, 0);
	assert_int_equal(parse(BUFSZ), 0);
	assert_int_equal(img.kind, LOADER_MB_ELF);
	assert_int_equal(img.mb_offset, 8180);

	elf32(buf, 0x400100, 1);
	phdr32(buf, 0, 1, 0, 0x400000, BUFSZ, BUFSZ);
	put_mb(buf, 8184, 0); /* checksum would sit at 8192: outside */
	assert_int_equal(parse(BUFSZ), 0);
	assert_int_equal(img.kind, LOADER_ELF);
}

static void test_mb_header_alignment_and_checksum(void **state)
{
	elf32(buf, 0x400100, 1);
	phdr32(buf, 0, 1, 0, 0x400000, 0x200, 0x200);
	put_mb(buf, 86, 0); /* not 32-bit aligned */
	assert_int_equal(parse(0x200), 0);
	assert_int_equal(img.kind, LOADER_ELF);

	elf32(buf, 0x400100, 1);
	phdr32(buf, 0, 1, 0, 0x400000, 0x200, 0x200);
	put_mb(buf, 88, 0);
	store_le32(buf + 96, 0x12345678); /* bad checksum */
	assert_int_equal(parse(0x200), 0);
	assert_int_equal(img.kind, LOADER_ELF);
}

static void test_not_an_image(void **state)
{
	memset(buf, 'x', 4096);
	expect_error(4096, "not a multiboot or ELF image");
	expect_error(0, "empty");
	memset(buf, 0, 64);
	put_mb(buf, 0, 0); /* multiboot without load addresses, not ELF */
	expect_error(64, "not ELF");
}

/* --- ELF --- */

static void test_elf32_segments(void **state)
{
	elf32(buf, 0x400000, 4);
	phdr32(buf, 0, 1, 0x1000, 0x400000, 0x800, 0x2000); /* bss */
	phdr32(buf, 1, 4, 0, 0x123, 0x10, 0x10);            /* PT_NOTE: skipped */
	phdr32(buf, 2, 1, 0x1800, 0x500000, 0x100, 0x100);
	phdr32(buf, 3, 1, 0, 0x700000, 0, 0);                /* empty: skipped */
	assert_int_equal(parse(0x2000), 0);
	assert_int_equal(img.elf_class, 1);
	assert_int_equal(img.nr_segs, 2);
	assert_int_equal(img.seg[0].offset, 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x800);
	assert_int_equal(img.seg[0].memsz, 0x2000);
	assert_int_equal(img.seg[1].paddr, 0x500000);
	assert_int_equal(img.low, 0x400000);
	assert_int_equal(img.high, 0x500100);
}

static void test_elf_header_errors(void **state)
{
	elf32(buf, 0x400000, 1);
	expect_error(40, "truncated ELF header");
	expect_error(10, "truncated ELF identification");
	buf[4] = 3;
	expect_error(100, "ELF class");
	elf32(buf, 0x400000, 1);
	buf[5] = 2;
	expect_error(100, "little-endian");
	elf32(buf, 0x400000, 1);
	store_le16(buf + 16, 1); /* ET_REL */
	expect_error(100, "not an executable");
	elf32(buf, 0x400000, 1);
	store_le16(buf + 18, 40); /* ARM */
	expect_error(100, "not i386");
	elf64(buf, 0x400000, 1);
	store_le16(buf + 18, 3); /* ELF64 claiming i386 */
	expect_error(200, "not x86-64");
}

static void test_elf_phdr_table_errors(void **state)
{
	elf32(buf, 0x400000, 0);
	expect_error(200, "no usable program headers");
	elf32(buf, 0x400000, 1);
	store_le16(buf + 42, 16);
	expect_error(200, "e_phentsize");
	elf32(buf, 0x400000, 1);
	store_le32(buf + 28, 0x10000); /* e_phoff past EOF */
	expect_error(200, "program headers");
	elf32(buf, 0x400000, 4);       /* 4 headers, file ends after 2 */
	expect_error(52 + 64, "past the end of the file");
	elf64(buf, 0x400000, 2);
	store_le64(buf + 32, ~0ull - 16); /* e_phoff + size wraps */
	expect_error(BUFSZ, "program headers");
	elf32(buf, 0x400000, 1);
	phdr32(buf, 0, 2, 0, 0, 0, 0); /* only PT_DYNAMIC */
	expect_error(200, "no loadable");
}

static void test_elf_segment_errors(void **state)
{
	elf32(buf, 0x400000, 1);
	phdr32(buf, 0, 1, 0, 0x400000, 0x200, 0x100);
	expect_error(0x200, "exceeds p_memsz");
	elf32(buf, 0x400000, 1);
	phdr32(buf, 0, 1, 0x100, 0x400000, 0x200, 0x200);
	expect_error(0x200, "past the end of the file");
	elf32(buf, 0x400000, 1);
	phdr32(buf, 0, 1, 0xffffff00u, 0x400000, 0x200, 0x200); /* 32-bit wrap */
	expect_error(0x200, "past the end of the file");
	elf64(buf, 0x400000, 1);
	phdr64(buf, 0, 0, ~0ull - 0xfff, 0x100, 0x2000); /* paddr + memsz wraps */
	expect_error(0x200, "overflows");
	elf64(buf, 0x400000, 1);
	phdr64(buf, 0, ~0ull - 0x10, 0x400000, 0x100, 0x100); /* offset + filesz wraps */
	expect_error(0x200, "past the end of the file");
}

static void test_elf_too_many_segments(void **state)
{
	elf32(buf, 0x400000, LOADER_MAX_SEGS + 1);
	for (int i = 0; i <= LOADER_MAX_SEGS; i++)
		phdr32(buf, i, 1, 0, 0x400000 + 0x1000 * i, 0x10, 0x10);
	expect_error(BUFSZ, "more than");
}

static void test_elf64_loads(void **state)
{
	elf64(buf, 0x400080, 1);
	phdr64(buf, 0, 0, 0x400000, 0x100, 0x1000);
	assert_int_equal(parse(0x100), 0);
	assert_int_equal(img.elf_class, 2);
	assert_int_equal(img.kind, LOADER_ELF);
	assert_int_equal(img.entry, 0x400080);
	assert_int_equal(img.high, 0x401000);
}

/* --- the a.out kludge --- */

static void aout(u32 off, u32 header_addr, u32 load, u32 load_end, u32 bss_end, u32 entry)
{
	memset(buf, 0, BUFSZ);
	put_mb(buf, off, MB_HDR_AOUT_KLUDGE);
	store_le32(buf + off + 12, header_addr);
	store_le32(buf + off + 16, load);
	store_le32(buf + off + 20, load_end);
	store_le32(buf + off + 24, bss_end);
	store_le32(buf + off + 28, entry);
}

static void test_aout_kludge(void **state)
{
	/* header 0x40 bytes into the file; the file's start loads at 0x200000 */
	aout(0x40, 0x200040, 0x200000, 0x200800, 0x203000, 0x200060);
	assert_int_equal(parse(0x1000), 0);
	assert_int_equal(img.kind, LOADER_MB_AOUT);
	assert_int_equal(img.nr_segs, 1);
	assert_int_equal(img.seg[0].offset, 0);
	assert_int_equal(img.seg[0].filesz, 0x800);
	assert_int_equal(img.seg[0].memsz, 0x3000);
	assert_int_equal(img.seg[0].paddr, 0x200000);
	assert_int_equal(img.entry, 0x200060);
	/* load_end_addr 0: the rest of the file; bss_end_addr 0: no bss */
	aout(0x40, 0x200000, 0x200000, 0, 0, 0x200000);
	assert_int_equal(parse(0x1000), 0);
	assert_int_equal(img.seg[0].offset, 0x40);
	assert_int_equal(img.seg[0].filesz, 0x1000 - 0x40);
	assert_int_equal(img.seg[0].memsz, 0x1000 - 0x40);
}

static void test_aout_errors(void **state)
{
	aout(0, 0x200000, 0x200000, 0, 0, 0);
	expect_error(20, "truncated");
	aout(0x40, 0x1ff000, 0x200000, 0, 0, 0); /* header_addr < load_addr */
	expect_error(0x1000, "before the beginning");
	aout(0x40, 0x200100, 0x200000, 0, 0, 0); /* would start 0xc0 before the file */
	expect_error(0x1000, "before the beginning");
	aout(0x40, 0x200040, 0x200000, 0x100000, 0, 0);
	expect_error(0x1000, "below load_addr");
	aout(0x40, 0x200040, 0x200000, 0x300000, 0, 0);
	expect_error(0x1000, "past the end");
	aout(0x40, 0x200040, 0x200000, 0x200800, 0x200400, 0);
	expect_error(0x1000, "bss_end_addr");
}

/* --- placement --- */

static struct loader_plan plan;

static void one_seg(u64 paddr, u64 memsz, u64 entry)
{
	memset(&img, 0, sizeof(img));
	img.seg[0] = (struct loader_seg){ 0, 0, paddr, memsz };
	img.nr_segs = 1;
	img.low = paddr;
	img.high = paddr + memsz;
	img.entry = entry;
}

static int place(const struct loader_mod *mods, int n, u64 ram)
{
	err[0] = 0;
	return loader_plan(&img, mods, n, 20, 8, ram, &plan, err, sizeof(err));
}

static void test_plan_layout(void **state)
{
	struct loader_mod mods[2] = { { 5000, "env a=b" }, { 0, "second" } };
	one_seg(0x400000, 0x10100, 0x400000);
	assert_int_equal(place(mods, 2, 128 << 20), 0);
	assert_int_equal(plan.info_addr, 0x411000);          /* page after the image */
	assert_int_equal(plan.mods_addr, 0x411000);
	assert_int_equal(plan.mod_string_addr[0], 0x411000 + 32);
	assert_int_equal(plan.mod_string_addr[1], 0x411000 + 32 + 8);
	assert_int_equal(plan.cmdline_addr, 0x411000 + 32 + 8 + 7);
	assert_int_equal(plan.name_addr, 0x411000 + 32 + 15 + 20);
	assert_int_equal(plan.mod_addr[0], 0x412000);        /* page aligned */
	assert_int_equal(plan.mod_addr[1], 0x414000);
	assert_int_equal(plan.end, 0x414000);
}

static void test_plan_low_image(void **state)
{
	one_seg(0x4000, 0x3000, 0x4000); /* a real-mode style image below 0x9000 */
	assert_int_equal(place(NULL, 0, 128 << 20), 0);
	assert_int_equal(plan.info_addr, LOADER_HOLE_END);
}

/* an image over [0x9000, 0x9600) (linked at 32 KiB): the map, the
 * information structure and the GDT move after the loader name */
static void test_plan_boot_page_moves(void **state)
{
	one_seg(0x400000, 0x1000, 0x400000);
	assert_int_equal(place(NULL, 0, 128 << 20), 0);
	assert_int_equal(plan.boot_addr, LOADER_MMAP_ADDR);
	one_seg(0x8000, 0x286c, 0x8000);
	assert_int_equal(place(NULL, 0, 128 << 20), 0);
	assert_int_equal(plan.info_addr, LOADER_HOLE_END);
	assert_int_equal(plan.boot_addr, LOADER_HOLE_END + 0x1000);
	assert_int_equal(plan.end, LOADER_HOLE_END + 0x2000);
}

static void test_plan_errors(void **state)
{
	struct loader_mod big = { 125 << 20, "big" };
	one_seg(0x400000, 1ull << 30, 0x400000);
	assert_int_equal(place(NULL, 0, 128 << 20), -1);
	assert_non_null(strstr(err, "outside RAM"));
	one_seg(0x8000, 0x1001, 0x8000); /* over the boot page: it moves */
	assert_int_equal(place(NULL, 0, 128 << 20), 0);
	assert_int_not_equal(plan.boot_addr, LOADER_MMAP_ADDR);
	one_seg(0x95ff, 0x10, 0x9600);
	assert_int_equal(place(NULL, 0, 128 << 20), 0);
	assert_int_not_equal(plan.boot_addr, LOADER_MMAP_ADDR);
	one_seg(0x9600, 0x10, 0x9600); /* just after: it stays */
	assert_int_equal(place(NULL, 0, 128 << 20), 0);
	assert_int_equal(plan.boot_addr, LOADER_MMAP_ADDR);
	one_seg(0xb8000, 0x100, 0xb8000);
	assert_int_equal(place(NULL, 0, 128 << 20), -1);
	assert_non_null(strstr(err, "VGA/BIOS"));
	one_seg(0x400000, 0x100, 0x100000000ull);
	assert_int_equal(place(NULL, 0, 128 << 20), -1);
	assert_non_null(strstr(err, "above 4 GiB"));
	one_seg(0x400000, 0x100, 0x400000);
	assert_int_equal(place(&big, 1, 128 << 20), -1);
	assert_non_null(strstr(err, "use a larger -m"));
	assert_int_equal(place(&big, 1, 256 << 20), 0);
	assert_int_equal(place(&big, LOADER_MAX_MODS + 1, 256 << 20), -1);
	/* the image ends exactly at the end of RAM: no room for the boot info */
	one_seg(0x400000, (8 << 20) - 0x400000, 0x400000);
	assert_int_equal(place(NULL, 0, 8 << 20), -1);
}

/* --- memory map --- */

static void mmap_at(const u8 *m, int i, u64 *base, u64 *len, u32 *type)
{
	const u8 *e = m + i * MB_MMAP_ENTRY_SIZE;
	assert_int_equal(load_le32(e), 20);
	*base = load_le64(e + 4);
	*len = load_le64(e + 12);
	*type = load_le32(e + 20);
}

static void test_mmap(void **state)
{
	u8 m[LOADER_MAX_MMAP * MB_MMAP_ENTRY_SIZE];
	u64 base, len;
	u32 type;
	assert_int_equal(loader_build_mmap(m, 128 << 20, 128 << 20), 7);
	mmap_at(m, 0, &base, &len, &type);
	assert_true(base == 0 && len == 0x9fc00 && type == 1);
	mmap_at(m, 1, &base, &len, &type);
	assert_true(base == 0x9fc00 && len == 0x400 && type == 2);
	mmap_at(m, 2, &base, &len, &type);
	assert_true(base == 0xf0000 && len == 0x10000 && type == 2);
	mmap_at(m, 3, &base, &len, &type);
	assert_true(base == 0x100000 && len == (128 << 20) - 0x100000 && type == 1);
	mmap_at(m, 6, &base, &len, &type);
	assert_true(base == 0xfffc0000 && len == 0x40000 && type == 2);
	/* 4 GiB of RAM: 3 GiB below 4 GiB, 1 GiB from 4 GiB up */
	assert_int_equal(loader_build_mmap(m, 4ull << 30, 3ull << 30), 8);
	mmap_at(m, 3, &base, &len, &type);
	assert_true(base == 0x100000 && len == (3ull << 30) - 0x100000);
	mmap_at(m, 7, &base, &len, &type);
	assert_true(base == 4ull << 30 && len == 1ull << 30 && type == 1);
}

/* --- a whole load into RAM and the boot CPU --- */

static void write_tmp(char *path, const void *data, size_t len)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static struct machine *make_machine(u64 ram)
{
	struct machine *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	assert_int_equal(physmem_init(&m->mem, ram), 0);
	m->cpus[0] = calloc(1, sizeof(struct cpu));
	m->cpus[0]->machine = m;
	m->nr_cpus = 1;
	cpu_reset(m->cpus[0]);
	return m;
}

static void free_machine(struct machine *m)
{
	physmem_free(&m->mem);
	free(m->cpus[0]);
	free(m);
}

static void test_load_whole(void **state)
{
	char kpath[] = "/tmp/nestbox-loader-k-XXXXXX", epath[] = "/tmp/nestbox-loader-e-XXXXXX";
	elf32(buf, 0x400054, 1);
	phdr32(buf, 0, 1, 0, 0x400000, 0x100, 0x2800);
	put_mb(buf, 84, 0);
	buf[0x60] = 0xf4;
	write_tmp(kpath, buf, 0x100);
	write_tmp(epath, "NR_CPUS=1\n", 10);

	struct machine *m = make_machine(64 << 20);
	memset(m->mem.ram + 0x400000, 0xee, 0x4000); /* the bss must be zeroed */
	m->cfg.kernel = kpath;
	m->cfg.append = "a b";
	m->cfg.initrd[0] = epath;
	m->cfg.nr_initrd = 1;
	assert_int_equal(loader_load(m), 0);
	u8 *r = m->mem.ram;
	assert_memory_equal(r + 0x400000, buf, 0x100);
	assert_int_equal(r[0x400100], 0);
	assert_int_equal(r[0x4027ff], 0);
	assert_int_equal(r[0x402800], 0xee); /* past memsz: untouched */

	const u8 *mbi = r + LOADER_MBI_ADDR;
	assert_int_equal(load_le32(mbi + MBI_FLAGS), 0x24f);
	assert_int_equal(load_le32(mbi + MBI_MEM_LOWER), 639);
	assert_int_equal(load_le32(mbi + MBI_MEM_UPPER), 64 * 1024 - 1024);
	assert_int_equal(load_le32(mbi + MBI_MODS_COUNT), 1);
	assert_int_equal(load_le32(mbi + MBI_MMAP_ADDR), LOADER_MMAP_ADDR);
	assert_int_equal(load_le32(mbi + MBI_MMAP_LENGTH), 7 * 24);
	char want[128];
	snprintf(want, sizeof(want), "%s a b", kpath);
	assert_string_equal((char *)r + load_le32(mbi + MBI_CMDLINE), want);
	assert_string_equal((char *)r + load_le32(mbi + MBI_BOOT_LOADER_NAME), "nestbox");
	const u8 *mod = r + load_le32(mbi + MBI_MODS_ADDR);
	u32 start = load_le32(mod), end = load_le32(mod + 4);
	assert_int_equal(start & 0xfff, 0);
	assert_true(start >= 0x403000);
	assert_int_equal(end - start, 10);
	assert_memory_equal(r + start, "NR_CPUS=1\n", 10);
	assert_string_equal((char *)r + load_le32(mod + 8), epath);
	assert_int_equal(load_le64(r + LOADER_GDT_ADDR + 8), 0x00cf9b000000ffffull);
	assert_int_equal(load_le64(r + LOADER_GDT_ADDR + 16), 0x00cf93000000ffffull);

	struct cpu *c = m->cpus[0];
	assert_int_equal(c->gpr[RAX], 0x2badb002);
	assert_int_equal(c->gpr[RBX], LOADER_MBI_ADDR);
	assert_int_equal(c->rip, 0x400054);
	assert_int_equal(c->cr0, 0x11);
	assert_int_equal(c->mode, MODE_PROT32);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(cpu_rflags(c), 0x6);
	assert_int_equal(c->seg[SEG_CS].sel, 0x08);
	assert_int_equal(c->seg[SEG_CS].ar, 0xc09b);
	assert_int_equal(c->seg[SEG_SS].sel, 0x10);
	assert_int_equal(c->seg[SEG_DS].limit, 0xffffffff);
	assert_int_equal(c->gdtr.base, LOADER_GDT_ADDR);
	assert_int_equal(c->gdtr.limit, 0x17);
	assert_int_equal(c->idtr.base, 0);
	assert_int_equal(c->idtr.limit, 0x3ff);
	assert_int_equal(c->dr[7], 0x400);
	assert_int_equal(c->dr[6], 0xffff0ff0);
	assert_int_equal(c->fpu.fcw, 0x37f);
	assert_int_equal(c->fpu.mxcsr, 0x1f80);
	free_machine(m);
	unlink(kpath);
	unlink(epath);
}

static void test_load_missing_file(void **state)
{
	struct machine *m = make_machine(16 << 20);
	m->cfg.kernel = "/nonexistent/nestbox-kernel.elf";
	assert_int_equal(loader_load(m), -1);
	/* nothing was set up: the CPU is still at its reset vector */
	assert_int_equal(m->cpus[0]->rip, 0xfff0);
	free_machine(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mb_header_found_with_elf),
		cmocka_unit_test(test_mb_header_search_limit),
		cmocka_unit_test(test_mb_header_alignment_and_checksum),
		cmocka_unit_test(test_not_an_image),
		cmocka_unit_test(test_elf32_segments),
		cmocka_unit_test(test_elf_header_errors),
		cmocka_unit_test(test_elf_phdr_table_errors),
		cmocka_unit_test(test_elf_segment_errors),
		cmocka_unit_test(test_elf_too_many_segments),
		cmocka_unit_test(test_elf64_loads),
		cmocka_unit_test(test_aout_kludge),
		cmocka_unit_test(test_aout_errors),
		cmocka_unit_test(test_plan_layout),
		cmocka_unit_test(test_plan_low_image),
		cmocka_unit_test(test_plan_boot_page_moves),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_mmap),
		cmocka_unit_test(test_load_whole),
		cmocka_unit_test(test_load_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
