/* tests/guest/lib/setup.c: from boot.S to main(): console, descriptor
 * tables, multiboot information (PLATFORM.md "Boot: Multiboot v1, ELF"):
 * command line -> argv, first module -> environment, mem_upper -> page pool. */
#include "guest.h"

struct multiboot_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
};
struct multiboot_mmap_entry {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));
struct multiboot_module {
	u32 start, end, string, reserved;
};
#define MB_INFO_MEM     BIT(0)
#define MB_INFO_CMDLINE BIT(2)
#define MB_INFO_MODS    BIT(3)
#define MB_INFO_MMAP    BIT(6)
#define MB_BOOT_MAGIC   0x2badb002

#define MAX_ARGS 64
#define MAX_ENV 64

extern u8 _end[];
void serial_init(void);
void alloc_setup(u64 start, u64 end);
noreturn void guest_start(u32 mbi_addr);

static char cmdline[1024];
static char envbuf[4096];
static char *argv[MAX_ARGS + 1];
static int argc;
char *envp[MAX_ENV + 1];
int envc;
u32 mb_mem_upper;
u64 mb_ram_end;

static void parse_args(void)
{
	char *p = cmdline;

	while (*p && argc < MAX_ARGS) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	while (*p == ' ')
		*p++ = 0;
	argv[argc] = NULL;
}

/* KEY=value lines; blank lines and lines without '=' are ignored */
static void parse_env(const char *data, u32 len)
{
	u32 n = len < sizeof(envbuf) - 1 ? len : sizeof(envbuf) - 1;
	char *p = envbuf;

	memcpy(envbuf, data, n);
	envbuf[n] = 0;
	while (*p && envc < MAX_ENV) {
		char *line = p;

		while (*p && *p != '\n')
			p++;
		if (*p)
			*p++ = 0;
		if (line[0] && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = 0;
		if (strchr(line, '=') && line[0] != '=')
			envp[envc++] = line;
	}
	envp[envc] = NULL;
}

const char *getenv(const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < envc; i++)
		if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

/* end of the RAM (type 1) region of the memory map that contains 1 MiB */
static u64 mmap_ram_end(const struct multiboot_info *mbi)
{
	u64 p = mbi->mmap_addr, end = p + mbi->mmap_length;

	if (!(mbi->flags & MB_INFO_MMAP))
		return 0;
	while (p + sizeof(struct multiboot_mmap_entry) <= end) {
		const struct multiboot_mmap_entry *e = (const void *)p;

		if (e->type == 1 && e->addr <= (1ull << 20) && e->addr + e->len > (1ull << 20))
			return e->addr + e->len;
		p += e->size + 4;
	}
	return 0;
}

static void multiboot_setup(u32 mbi_addr)
{
	const struct multiboot_info *mbi = (const void *)(u64)mbi_addr;
	u64 pool_start = ALIGN_UP((u64)_end, PAGE_SIZE), pool_end;

	if (boot_state.eax != MB_BOOT_MAGIC || !mbi)
		abort_test("not booted by a multiboot loader (eax=%x)", boot_state.eax);
	if (mbi->flags & MB_INFO_CMDLINE) {
		const char *s = (const char *)(u64)mbi->cmdline;
		size_t n = strlen(s);

		if (n >= sizeof(cmdline))
			n = sizeof(cmdline) - 1;
		memcpy(cmdline, s, n);
	}
	parse_args();
	if ((mbi->flags & MB_INFO_MODS) && mbi->mods_count) {
		const struct multiboot_module *m = (const void *)(u64)mbi->mods_addr;

		parse_env((const char *)(u64)m[0].start, m[0].end - m[0].start);
		for (u32 i = 0; i < mbi->mods_count; i++)
			if (m[i].end > pool_start)
				pool_start = ALIGN_UP((u64)m[i].end, PAGE_SIZE);
	}
	if (!(mbi->flags & MB_INFO_MEM))
		abort_test("multiboot info without mem_upper");
	mb_mem_upper = mbi->mem_upper;
	mb_ram_end = mmap_ram_end(mbi);
	pool_end = (1ull << 20) + (u64)mbi->mem_upper * 1024;
	if (pool_end > (3ull << 30))
		pool_end = 3ull << 30; /* below the identity-mapped MMIO hole */
	alloc_setup(pool_start, pool_end & ~(PAGE_SIZE - 1));
}

noreturn void guest_start(u32 mbi_addr)
{
	serial_init();
	desc_setup();
	multiboot_setup(mbi_addr);
	exit(main(argc, argv));
}
