/* tests/unit/linux_boot_test.c: the Linux/x86 boot protocol loader
 * (machine/linux_boot.c) on crafted bzImage buffers: header parsing and
 * its errors, placement of the kernel and initrd, the zero page, the boot
 * GDT and page tables, and whole loads through loader_load() with the
 * 32-bit and the 64-bit entry. */
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
#include "machine/linux_boot.h"
#include "machine/loader.h"
#include "machine/machine.h"

#define SETUP_SECTS 4
#define KOFF ((SETUP_SECTS + 1) * 512)
#define KLEN 4096
#define BZSZ (KOFF + KLEN)
static u8 bz[BZSZ + 512];
static struct linux_image img;
static struct linux_plan plan;
static char err[256];

/* a bzImage with protocol 2.15, relocatable, init_size 4 MiB, pref 16 MiB */
static void make_bz(void)
{
	memset(bz, 0, sizeof(bz));
	bz[LBP_SETUP_SECTS] = SETUP_SECTS;
	store_le32(bz + LBP_SYSSIZE, KLEN / 16);
	store_le16(bz + LBP_VID_MODE, 0xffff);
	store_le16(bz + LBP_BOOT_FLAG, 0xaa55);
	bz[LBP_JUMP] = 0xeb;
	bz[LBP_JUMP + 1] = 0x66; /* header ends at 0x268 */
	memcpy(bz + LBP_HEADER, "HdrS", 4);
	store_le16(bz + LBP_VERSION, 0x020f);
	bz[LBP_LOADFLAGS] = LINUX_LOADED_HIGH;
	store_le32(bz + LBP_CODE32_START, 0x100000);
	store_le32(bz + LBP_INITRD_ADDR_MAX, 0x7fffffff);
	store_le32(bz + LBP_KERNEL_ALIGNMENT, 0x200000);
	bz[LBP_RELOCATABLE] = 1;
	store_le16(bz + LBP_XLOADFLAGS, 0x7f);
	store_le32(bz + LBP_CMDLINE_SIZE, 0x7ff);
	store_le64(bz + LBP_PREF_ADDRESS, 0x1000000);
	store_le32(bz + LBP_INIT_SIZE, 0x400000);
	for (int i = 0; i < KLEN; i++)
		bz[KOFF + i] = (u8)(i * 7 + 1);
}

static int parse(u64 len)
{
	return linux_parse(bz, len, &img, err, sizeof(err));
}

static void test_detect(void **state)
{
	make_bz();
	assert_true(linux_is_bzimage(bz, BZSZ));
	assert_false(linux_is_bzimage(bz, 0x205)); /* magic cut off */
	bz[LBP_HEADER] = 'X';
	assert_false(linux_is_bzimage(bz, BZSZ));
}

static void test_parse_fields(void **state)
{
	make_bz();
	assert_int_equal(parse(BZSZ), 0);
	assert_int_equal(img.version, 0x020f);
	assert_int_equal(img.hdr_end, 0x268);
	assert_int_equal(img.kernel_off, KOFF);
	assert_int_equal(img.kernel_len, KLEN);
	assert_int_equal(img.cmdline_size, 0x7ff);
	assert_int_equal(img.init_size, 0x400000);
	assert_int_equal(img.pref_address, 0x1000000);
	assert_int_equal(img.xloadflags, 0x7f);
	/* setup_sects 0 means 4 */
	bz[LBP_SETUP_SECTS] = 0;
	assert_int_equal(parse(BZSZ), 0);
	assert_int_equal(img.kernel_off, 5 * 512);
}

static void test_parse_errors(void **state)
{
	make_bz();
	assert_int_equal(parse(BZSZ - 16), -1); /* syssize reaches past the end */
	assert_non_null(strstr(err, "truncated bzImage"));
	assert_int_equal(parse(KOFF), -1);      /* no protected-mode part at all */
	assert_non_null(strstr(err, "truncated bzImage"));
	assert_int_equal(parse(0x240), -1);     /* header cut */
	assert_non_null(strstr(err, "truncated setup header"));
	store_le16(bz + LBP_VERSION, 0x0204);
	assert_int_equal(parse(BZSZ), -1);
	assert_non_null(strstr(err, "too old"));
	make_bz();
	bz[LBP_LOADFLAGS] = 0;
	assert_int_equal(parse(BZSZ), -1);
	assert_non_null(strstr(err, "zImage"));
}

static void test_plan(void **state)
{
	make_bz();
	assert_int_equal(parse(BZSZ), 0);
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 10, 0x3000, 32 << 20, &plan, err,
				    sizeof(err)), 0);
	assert_int_equal(plan.kernel, 0x100000);
	assert_int_equal(plan.entry, 0x100000);
	assert_int_equal(plan.need_end, 0x1400000); /* pref_address + init_size */
	assert_int_equal(plan.initrd, (32 << 20) - 0x3000);
	assert_int_equal(plan.initrd_size, 0x3000);
	/* unaligned size: the start is rounded down to a page */
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_64, 10, 0x1001, 32 << 20, &plan, err,
				    sizeof(err)), 0);
	assert_int_equal(plan.entry, 0x100200);
	assert_int_equal(plan.initrd, (32 << 20) - 0x2000);
	/* initrd_addr_max caps the top */
	store_le32(bz + LBP_INITRD_ADDR_MAX, 0x17fffff);
	assert_int_equal(parse(BZSZ), 0);
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 0, 0x1000, 32 << 20, &plan, err,
				    sizeof(err)), 0);
	assert_int_equal(plan.initrd, 0x1800000 - 0x1000);
}

static void test_plan_errors(void **state)
{
	make_bz();
	assert_int_equal(parse(BZSZ), 0);
	/* the initrd would overlap the memory the kernel decompresses into */
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 0, 16 << 20, 32 << 20, &plan, err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "initrd too big for memory"));
	/* larger than RAM itself */
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 0, 1ull << 33, 32 << 20, &plan, err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "initrd too big for memory"));
	/* RAM ends before init_size does */
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 0, 0, 16 << 20, &plan, err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "use a larger -m"));
	/* command line longer than cmdline_size */
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 0x800, 0, 32 << 20, &plan, err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "command line too long"));
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 0x7ff, 0, 32 << 20, &plan, err,
				    sizeof(err)), 0);
	/* no 64-bit entry without XLF_KERNEL_64 */
	store_le16(bz + LBP_XLOADFLAGS, 0x7e);
	assert_int_equal(parse(BZSZ), 0);
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_64, 0, 0, 32 << 20, &plan, err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "no 64-bit entry"));
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 0, 0, 32 << 20, &plan, err,
				    sizeof(err)), 0);
}

static void e820_at(const u8 *zp, int i, u64 *addr, u64 *size, u32 *type)
{
	const u8 *e = zp + LBP_E820_TABLE + i * LINUX_E820_ENTRY;
	*addr = load_le64(e);
	*size = load_le64(e + 8);
	*type = load_le32(e + 16);
}

static void test_zero_page(void **state)
{
	static u8 zp[4096];
	u64 a, s;
	u32 t;
	make_bz();
	assert_int_equal(parse(BZSZ), 0);
	assert_int_equal(linux_plan(&img, LINUX_ENTRY_32, 5, 0x3000, 5ull << 30, &plan, err,
				    sizeof(err)), 0);
	memset(zp, 0xcc, sizeof(zp));
	linux_build_zero_page(zp, bz, &img, &plan, 5ull << 30, 3ull << 30);
	/* the header is the file's, outside it the page is zero */
	assert_memory_equal(zp + LBP_HEADER, "HdrS", 4);
	assert_int_equal(load_le16(zp + LBP_VERSION), 0x020f);
	assert_int_equal(load_le32(zp + LBP_INIT_SIZE), 0x400000);
	assert_int_equal(zp[0x268], 0);
	assert_int_equal(zp[0], 0);
	/* the loader's fields */
	assert_int_equal(zp[LBP_TYPE_OF_LOADER], 0xff);
	assert_int_equal(load_le32(zp + LBP_CMD_LINE_PTR), LINUX_CMDLINE_ADDR);
	assert_int_equal(load_le32(zp + LBP_EXT_CMD_LINE_PTR), 0);
	/* initrd_addr_max (0x7fffffff) caps the initrd's end */
	assert_int_equal(load_le32(zp + LBP_RAMDISK_IMAGE), 0x80000000u - 0x3000);
	assert_int_equal(load_le32(zp + LBP_RAMDISK_SIZE), 0x3000);
	assert_int_equal(load_le32(zp + LBP_EXT_RAMDISK_IMAGE), 0);
	assert_int_equal(load_le32(zp + LBP_CODE32_START), 0x100000);
	assert_int_equal(load_le32(zp + LBP_ALT_MEM_K), 3 * 1024 * 1024 - 1024);
	/* the e820 map: the firmware's, RAM above 4 GiB included */
	assert_int_equal(zp[LBP_E820_ENTRIES], 8);
	e820_at(zp, 0, &a, &s, &t);
	assert_true(a == 0 && s == 0x9fc00 && t == 1);
	e820_at(zp, 1, &a, &s, &t);
	assert_true(a == 0x9fc00 && s == 0x400 && t == 2);
	e820_at(zp, 3, &a, &s, &t);
	assert_true(a == 0x100000 && s == (3ull << 30) - 0x100000 && t == 1);
	e820_at(zp, 7, &a, &s, &t);
	assert_true(a == 4ull << 30 && s == 2ull << 30 && t == 1);
	e820_at(zp, 8, &a, &s, &t);
	assert_true(a == 0 && s == 0 && t == 0);
}

static void test_tables(void **state)
{
	u8 *ram = calloc(1, LINUX_PT_END);
	assert_non_null(ram);
	linux_build_tables(ram, LINUX_ENTRY_32);
	assert_int_equal(load_le64(ram + LINUX_GDT_ADDR + 0x10), 0x00cf9b000000ffffull);
	assert_int_equal(load_le64(ram + LINUX_GDT_ADDR + 0x18), 0x00cf93000000ffffull);
	assert_int_equal(load_le64(ram + LINUX_PT_ADDR), 0); /* no paging for 32-bit */
	linux_build_tables(ram, LINUX_ENTRY_64);
	assert_int_equal(load_le64(ram + LINUX_GDT_ADDR + 0x10), 0x00af9b000000ffffull);
	assert_int_equal(load_le64(ram + LINUX_PT_ADDR), 0x11003);
	assert_int_equal(load_le64(ram + 0x11000 + 3 * 8), 0x15003);
	assert_int_equal(load_le64(ram + 0x12000), 0x83);
	assert_int_equal(load_le64(ram + 0x12000 + 8), 0x200083);
	/* the last 2-MiB page of the map ends at 4 GiB */
	assert_int_equal(load_le64(ram + 0x15000 + 511 * 8), 0xffe00083ull);
	free(ram);
}

/* --- whole loads through loader_load() --- */

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

static struct machine *load(u8 entry, u64 ram, const char *initrd, int *ret)
{
	char kpath[] = "/tmp/nestbox-linux-k-XXXXXX";
	write_tmp(kpath, bz, BZSZ);
	struct machine *m = make_machine(ram);
	m->cfg.kernel = kpath;
	m->cfg.append = "console=ttyS0 quiet";
	m->cfg.linux_entry = entry;
	if (initrd) {
		m->cfg.initrd[0] = initrd;
		m->cfg.nr_initrd = 1;
	}
	*ret = loader_load(m);
	unlink(kpath);
	return m;
}

static void test_load_32(void **state)
{
	char ipath[] = "/tmp/nestbox-linux-i-XXXXXX";
	int ret;
	make_bz();
	write_tmp(ipath, "initramfs!", 10);
	struct machine *m = load(0, 64 << 20, ipath, &ret);
	assert_int_equal(ret, 0);
	u8 *r = m->mem.ram;
	assert_memory_equal(r + 0x100000, bz + KOFF, KLEN);
	assert_string_equal((char *)r + LINUX_CMDLINE_ADDR, "console=ttyS0 quiet");
	const u8 *zp = r + LINUX_ZERO_PAGE;
	assert_int_equal(load_le32(zp + LBP_RAMDISK_IMAGE), (64 << 20) - 0x1000);
	assert_int_equal(load_le32(zp + LBP_RAMDISK_SIZE), 10);
	assert_memory_equal(r + (64 << 20) - 0x1000, "initramfs!", 10);
	assert_int_equal(zp[LBP_E820_ENTRIES], 7);
	struct cpu *c = m->cpus[0];
	assert_int_equal(c->mode, MODE_PROT32);
	assert_int_equal(c->rip, 0x100000);
	assert_int_equal(c->gpr[RSI], LINUX_ZERO_PAGE);
	assert_int_equal(c->gpr[RBX], 0);
	assert_int_equal(c->gpr[RBP], 0);
	assert_int_equal(c->gpr[RDI], 0);
	assert_int_equal(c->cr0, CR0_PE | CR0_ET);
	assert_int_equal(c->efer, 0);
	assert_int_equal(c->seg[SEG_CS].sel, 0x10);
	assert_int_equal(c->seg[SEG_CS].ar, 0xc09b);
	assert_int_equal(c->seg[SEG_DS].sel, 0x18);
	assert_int_equal(c->seg[SEG_SS].sel, 0x18);
	assert_int_equal(c->seg[SEG_ES].limit, 0xffffffff);
	assert_int_equal(c->gdtr.base, LINUX_GDT_ADDR);
	assert_int_equal(c->gdtr.limit, 31);
	assert_false(cpu_rflags(c) & RFLAGS_IF);
	free_machine(m);
	unlink(ipath);
}

static void test_load_64(void **state)
{
	int ret;
	make_bz();
	struct machine *m = load(64, 64 << 20, NULL, &ret);
	assert_int_equal(ret, 0);
	struct cpu *c = m->cpus[0];
	assert_int_equal(c->mode, MODE_LONG64);
	assert_int_equal(c->rip, 0x100200);
	assert_int_equal(c->gpr[RSI], LINUX_ZERO_PAGE);
	assert_true(c->cr0 & CR0_PG);
	assert_int_equal(c->cr3, LINUX_PT_ADDR);
	assert_true(c->cr4 & CR4_PAE);
	assert_int_equal(c->efer, EFER_LME | EFER_LMA);
	assert_int_equal(c->seg[SEG_CS].ar, 0xa09b);
	const u8 *zp = m->mem.ram + LINUX_ZERO_PAGE;
	assert_int_equal(load_le32(zp + LBP_RAMDISK_IMAGE), 0);
	assert_int_equal(load_le32(zp + LBP_RAMDISK_SIZE), 0);
	free_machine(m);
}

static void test_load_errors(void **state)
{
	char ipath[] = "/tmp/nestbox-linux-i-XXXXXX";
	static u8 big[1 << 20];
	int ret;
	make_bz();
	/* 24 MiB of RAM: the kernel needs up to 20 MiB, a 4-MiB initrd cannot fit */
	write_tmp(ipath, big, sizeof(big));
	struct machine *m = load(0, 24 << 20, ipath, &ret);
	assert_int_equal(ret, 0);
	free_machine(m);
	unlink(ipath);
	char ipath2[] = "/tmp/nestbox-linux-i-XXXXXX";
	int fd = mkstemp(ipath2);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8 << 20), 0);
	close(fd);
	m = load(0, 24 << 20, ipath2, &ret);
	assert_int_equal(ret, -1);
	assert_int_equal(m->cpus[0]->rip, 0xfff0); /* nothing was set up */
	free_machine(m);
	unlink(ipath2);
	/* a missing initrd */
	m = load(0, 64 << 20, "/nonexistent/initrd", &ret);
	assert_int_equal(ret, -1);
	free_machine(m);
	/* 64-bit entry asked of a kernel without one */
	store_le16(bz + LBP_XLOADFLAGS, 0);
	m = load(64, 64 << 20, NULL, &ret);
	assert_int_equal(ret, -1);
	free_machine(m);
}

/* --- PVH (an uncompressed vmlinux) --- */

/* an ELF64 with one PT_LOAD (0x200 bytes at 0x1000000) and a PT_NOTE
 * holding a "GNU" note and then the given PHYS32_ENTRY note */
static size_t make_pvh_elf(u8 *b, const char *name, u32 type, u32 dsz)
{
	memset(b, 0, 0x1000);
	memcpy(b, "\177ELF\2\1\1", 7);
	store_le16(b + 16, 2);        /* ET_EXEC */
	store_le16(b + 18, 62);       /* EM_X86_64 */
	store_le64(b + 24, 0x1000000);
	store_le64(b + 32, 64);       /* phoff */
	store_le16(b + 54, 56);
	store_le16(b + 56, 2);
	u8 *ph = b + 64;
	store_le32(ph, 1);            /* PT_LOAD */
	store_le64(ph + 8, 0x400);
	store_le64(ph + 24, 0x1000000);
	store_le64(ph + 32, 0x200);
	store_le64(ph + 40, 0x3000);  /* bss after the file data */
	ph += 56;
	store_le32(ph, 4);            /* PT_NOTE */
	store_le64(ph + 8, 0x200);
	u8 *n = b + 0x200;
	store_le32(n, 4); store_le32(n + 4, 4); store_le32(n + 8, 3);
	memcpy(n + 12, "GNU", 4);
	n += 20;
	size_t nl = strlen(name) + 1;
	store_le32(n, (u32)nl); store_le32(n + 4, dsz); store_le32(n + 8, type);
	memcpy(n + 12, name, nl);
	u8 *d = n + 12 + ((nl + 3) & ~3u);
	store_le64(d, 0x1000850);
	size_t notes = (size_t)(d + ((dsz + 3) & ~3u) - (b + 0x200));
	store_le64(ph + 32, notes);
	for (int i = 0; i < 0x200; i++)
		b[0x400 + i] = (u8)(i + 3);
	return 0x600;
}

static void test_pvh_note(void **state)
{
	static u8 e[0x1000];
	u64 entry = 0;
	size_t len = make_pvh_elf(e, "Xen", 18, 8);
	assert_true(linux_pvh_entry(e, len, &entry));
	assert_int_equal(entry, 0x1000850);
	len = make_pvh_elf(e, "Xen", 18, 4);       /* a 32-bit note */
	assert_true(linux_pvh_entry(e, len, &entry));
	assert_int_equal(entry, 0x1000850);
	len = make_pvh_elf(e, "Xen", 17, 8);       /* another Xen note */
	assert_false(linux_pvh_entry(e, len, &entry));
	len = make_pvh_elf(e, "Xem", 18, 8);       /* another owner */
	assert_false(linux_pvh_entry(e, len, &entry));
	len = make_pvh_elf(e, "Xen", 18, 8);
	store_le32(e + 0x200 + 20 + 4, 0x7fffffff); /* descsz past the segment */
	assert_false(linux_pvh_entry(e, len, &entry));
	assert_false(linux_pvh_entry(e, 40, &entry)); /* truncated header */
}

static void test_pvh_start_info(void **state)
{
	static u8 page[4096];
	linux_pvh_start_info(page, 0x7fff000, 0x1234, 128 << 20, 128 << 20);
	assert_int_equal(load_le32(page + PVH_SI_MAGIC), 0x336ec578);
	assert_int_equal(load_le32(page + PVH_SI_VERSION), 1);
	assert_int_equal(load_le64(page + PVH_SI_CMDLINE), LINUX_CMDLINE_ADDR);
	assert_int_equal(load_le64(page + PVH_SI_RSDP), 0);
	assert_int_equal(load_le32(page + PVH_SI_NR_MODULES), 1);
	assert_int_equal(load_le64(page + PVH_SI_MODLIST), PVH_MODLIST_ADDR);
	const u8 *mod = page + (PVH_MODLIST_ADDR - PVH_START_INFO_ADDR);
	assert_int_equal(load_le64(mod), 0x7fff000);
	assert_int_equal(load_le64(mod + 8), 0x1234);
	assert_int_equal(load_le64(page + PVH_SI_MEMMAP), PVH_MEMMAP_ADDR);
	assert_int_equal(load_le32(page + PVH_SI_MEMMAP_ENTRIES), 7);
	const u8 *mm = page + (PVH_MEMMAP_ADDR - PVH_START_INFO_ADDR);
	assert_int_equal(load_le64(mm + 3 * 24), 0x100000);
	assert_int_equal(load_le64(mm + 3 * 24 + 8), (128 << 20) - 0x100000);
	assert_int_equal(load_le32(mm + 3 * 24 + 16), 1);
	assert_int_equal(load_le32(mm + 3 * 24 + 20), 0);
	/* no initrd: no module */
	linux_pvh_start_info(page, 0, 0, 128 << 20, 128 << 20);
	assert_int_equal(load_le32(page + PVH_SI_NR_MODULES), 0);
	assert_int_equal(load_le64(page + PVH_SI_MODLIST), 0);
}

static void test_pvh_load(void **state)
{
	static u8 e[0x1000];
	char kpath[] = "/tmp/nestbox-pvh-k-XXXXXX", ipath[] = "/tmp/nestbox-pvh-i-XXXXXX";
	size_t len = make_pvh_elf(e, "Xen", 18, 8);
	write_tmp(kpath, e, len);
	write_tmp(ipath, "rd", 2);
	struct machine *m = make_machine(64 << 20);
	memset(m->mem.ram + 0x1000000, 0xee, 0x4000);
	m->cfg.kernel = kpath;
	m->cfg.append = "console=ttyS0";
	m->cfg.initrd[0] = ipath;
	m->cfg.nr_initrd = 1;
	assert_int_equal(loader_load(m), 0);
	u8 *r = m->mem.ram;
	assert_memory_equal(r + 0x1000000, e + 0x400, 0x200);
	assert_int_equal(r[0x1000200], 0);  /* bss zeroed */
	assert_int_equal(r[0x1003000], 0xee);
	assert_string_equal((char *)r + LINUX_CMDLINE_ADDR, "console=ttyS0");
	const u8 *si = r + PVH_START_INFO_ADDR;
	assert_int_equal(load_le32(si + PVH_SI_MAGIC), 0x336ec578);
	const u8 *mod = r + PVH_MODLIST_ADDR;
	assert_int_equal(load_le64(mod), (64 << 20) - 0x1000);
	assert_memory_equal(r + (64 << 20) - 0x1000, "rd", 2);
	struct cpu *c = m->cpus[0];
	assert_int_equal(c->mode, MODE_PROT32);
	assert_int_equal(c->rip, 0x1000850);
	assert_int_equal(c->gpr[RBX], PVH_START_INFO_ADDR);
	assert_int_equal(c->cr0, CR0_PE | CR0_ET);
	assert_int_equal(c->cr4, 0);
	assert_int_equal(c->seg[SEG_CS].limit, 0xffffffff);
	assert_int_equal(c->seg[SEG_CS].ar, 0xc09b);
	assert_int_equal(c->seg[SEG_SS].ar, 0xc093);
	assert_int_equal(c->seg[SEG_TR].limit, 0x67);
	assert_int_equal(c->seg[SEG_TR].ar, 0x8b);
	assert_false(cpu_rflags(c) & (RFLAGS_IF | RFLAGS_TF | RFLAGS_VM));
	free_machine(m);
	/* the image's end leaves no room for the initrd */
	m = make_machine(0x1003000);
	m->cfg.kernel = kpath;
	m->cfg.initrd[0] = ipath;
	m->cfg.nr_initrd = 1;
	store_le64(e + 64 + 40, 0x3000);
	assert_int_equal(loader_load(m), -1);
	free_machine(m);
	unlink(kpath);
	unlink(ipath);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_load_32),
		cmocka_unit_test(test_load_64),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_pvh_note),
		cmocka_unit_test(test_pvh_start_info),
		cmocka_unit_test(test_pvh_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
