/* kvmlinux: boot Linux as L2 (docs/linux.md "Linux with KVM as L1").
 * Runs inside Debian's Linux on nestbox with kvm_intel or kvm_amd loaded:
 * a minimal VMM that boots an uncompressed vmlinux through its PVH entry
 * (Xen's "x86/HVM direct boot ABI": 32-bit protected mode, paging off,
 * EBX = the hvm_start_info) with an initramfs, on KVM's in-kernel irqchip
 * and PIT, and no devices but a write-only 16550 at 0x3f8 for the
 * kernel's earlycon. The L2 /init (tests/linux/l2-init.sh) writes a mark
 * with busybox devmem to an address outside every memory slot -- an MMIO
 * exit here -- then `reboot -f`, which with reboot=t is a triple fault:
 * KVM_EXIT_SHUTDOWN.
 *
 *   kvmlinux VMLINUX INITRD "CMDLINE"
 *
 * prints the L2 console's lines prefixed "L2: ", a PASS:/FAIL: line per
 * check, and exits 0 when all passed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM_SIZE (192u << 20)
#define START_INFO 0x7000u     /* hvm_start_info; module list at +0x100, memory map at +0x200 */
#define CMDLINE 0x8000u
#define MARK_ADDR 0xd0000000u  /* l2-init.sh's devmem write */
#define MARK_VALUE 0x600d
#define PVH_MAGIC 0x336ec578u  /* XEN_HVM_START_MAGIC_VALUE */
#define NOTE_PHYS32_ENTRY 18   /* XEN_ELFNOTE_PHYS32_ENTRY, name "Xen" */

static int failures;

static void check(int ok, const char *what, const char *detail)
{
	printf("%s: kvm: linux L2: %s%s%s%s\n", ok ? "PASS" : "FAIL", what, detail ? " (" : "",
	       detail ? detail : "", detail ? ")" : "");
	fflush(stdout);
	failures += !ok;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* the ELF64 file's PT_LOAD segments copied to their physical addresses;
 * returns the PVH entry (0: not a PVH kernel that fits) */
static uint64_t load_vmlinux(unsigned char *ram, const unsigned char *f, size_t len)
{
	uint64_t phoff, entry = 0;
	unsigned phnum;

	if (len < 64 || memcmp(f, "\177ELF\2", 5))
		return 0;
	phoff = le64(f + 32);
	phnum = f[56] | f[57] << 8;
	for (unsigned i = 0; i < phnum; i++) {
		const unsigned char *ph = f + phoff + 56ull * i;
		uint32_t type = le32(ph);
		uint64_t off = le64(ph + 8), pa = le64(ph + 24), fsz = le64(ph + 32), msz = le64(ph + 40);

		if (ph + 56 > f + len || off > len || fsz > len - off)
			return 0;
		if (type == 1) { /* PT_LOAD */
			if (pa + msz > RAM_SIZE)
				return 0;
			memcpy(ram + pa, f + off, fsz);
			memset(ram + pa + fsz, 0, msz - fsz);
		} else if (type == 4) { /* PT_NOTE: namesz, descsz, type, name, desc */
			for (uint64_t n = off; n + 12 <= off + fsz;) {
				uint32_t nsz = le32(f + n), dsz = le32(f + n + 4), t = le32(f + n + 8);
				uint64_t desc = n + 12 + ((nsz + 3) & ~3u);
				if (t == NOTE_PHYS32_ENTRY && nsz == 4 && !memcmp(f + n + 12, "Xen", 4))
					entry = dsz == 8 ? le64(f + desc) : le32(f + desc);
				n = desc + ((dsz + 3) & ~3u);
			}
		}
	}
	return entry;
}

/* hvm_start_info (version 1): the command line, one module (the
 * initramfs), and the memory map: low RAM and RAM above 1 MiB */
static void start_info(unsigned char *ram, uint64_t initrd, uint64_t initrd_len)
{
	uint32_t *si = (uint32_t *)(ram + START_INFO);
	uint64_t *mod = (uint64_t *)(ram + START_INFO + 0x100);
	uint64_t *mm = (uint64_t *)(ram + START_INFO + 0x200);

	si[0] = PVH_MAGIC;
	si[1] = 1;                                  /* version */
	si[3] = 1;                                  /* nr_modules */
	*(uint64_t *)(ram + START_INFO + 16) = START_INFO + 0x100;
	*(uint64_t *)(ram + START_INFO + 24) = CMDLINE;
	*(uint64_t *)(ram + START_INFO + 40) = START_INFO + 0x200;
	si[12] = 2;                                 /* memmap_entries */
	mod[0] = initrd;
	mod[1] = initrd_len;
	mm[0] = 0, mm[1] = 0x9fc00, mm[2] = 1;      /* addr, size, type RAM */
	mm[3] = 0x100000, mm[4] = RAM_SIZE - 0x100000, mm[5] = 1;
}

static void flat(struct kvm_segment *s, int type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

/* the L2 console: a 16550 whose transmitter is always empty */
static char line[256];
static size_t line_len;

static void uart_out(uint16_t port, uint8_t v)
{
	if (port != 0x3f8)
		return;
	if (v == '\n' || line_len == sizeof(line) - 1) {
		line[line_len] = 0;
		printf("L2: %s\n", line);
		fflush(stdout);
		line_len = 0;
	} else if (v != '\r') {
		line[line_len++] = (char)v;
	}
}

static uint8_t uart_in(uint16_t port)
{
	return port == 0x3fd ? 0x60 : 0; /* LSR: THRE and TEMT */
}

/* what an IN from a port with no device here gives: the 16550's
 * registers, 0 from the RTC's (so its update-in-progress flag is clear and
 * the kernel does not poll it), else all ones (an empty bus) */
static uint8_t port_in(uint16_t port)
{
	if (port >= 0x3f8 && port <= 0x3ff)
		return uart_in(port);
	return port == 0x70 || port == 0x71 ? 0 : 0xff;
}

static void on_alarm(int sig)
{
	(void)sig;
	printf("FAIL: kvm: linux L2: no end within 120 s\n");
	fflush(stdout);
	_exit(1);
}

int main(int argc, char **argv)
{
	size_t klen, ilen;
	unsigned char *kernel, *initrd, *ram;
	uint64_t entry, initrd_at;
	int kvm, vm, cpu, n, marked = 0, exits = 0;
	struct kvm_run *run;
	char detail[160];

	if (argc != 4) {
		fprintf(stderr, "usage: kvmlinux VMLINUX INITRD CMDLINE\n");
		return 2;
	}
	kernel = read_file(argv[1], &klen);
	initrd = read_file(argv[2], &ilen);
	kvm = open("/dev/kvm", O_RDWR);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!kernel || !initrd || vm < 0 || ram == MAP_FAILED) {
		check(0, "set up", strerror(errno));
		return 1;
	}
	madvise(ram, RAM_SIZE, MADV_HUGEPAGE); /* 2 MiB EPT/NPT mappings where L1 can */
	entry = load_vmlinux(ram, kernel, klen);
	snprintf(detail, sizeof(detail), "entry %#llx", (unsigned long long)entry);
	check(entry != 0, "vmlinux loaded, PVH entry found", detail);
	if (!entry)
		return 1;
	initrd_at = (RAM_SIZE - ilen - 0x100000) & ~0xfffull;
	memcpy(ram + initrd_at, initrd, ilen);
	strncpy((char *)ram + CMDLINE, argv[3], 0x1000 - 1);
	start_info(ram, initrd_at, ilen);

	struct kvm_userspace_memory_region r = { .slot = 0, .memory_size = RAM_SIZE,
						 .userspace_addr = (uintptr_t)ram };
	struct kvm_pit_config pit = { .flags = 0 };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0 || ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000) < 0 ||
	    ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0 || ioctl(vm, KVM_CREATE_PIT2, &pit) < 0 ||
	    (cpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0) {
		check(0, "VM with irqchip and PIT", strerror(errno));
		return 1;
	}
	n = 100;
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
	cpuid->nent = n;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 || ioctl(cpu, KVM_SET_CPUID2, cpuid) < 0) {
		check(0, "CPUID", strerror(errno));
		return 1;
	}
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);

	/* "x86/HVM direct boot ABI": CR0.PE, flat 32-bit segments, a 32-bit
	 * busy TSS, EBX = start_info */
	struct kvm_sregs s;
	struct kvm_regs regs = { 0 };
	ioctl(cpu, KVM_GET_SREGS, &s);
	flat(&s.cs, 11);
	s.cs.selector = 0x10;
	flat(&s.ds, 3);
	s.ds.selector = 0x18;
	s.es = s.fs = s.gs = s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.limit = 0x67;
	s.tr.type = 11;
	s.tr.present = 1;
	s.cr0 = 0x11;
	s.cr4 = 0;
	s.efer = 0;
	ioctl(cpu, KVM_SET_SREGS, &s);
	regs.rip = entry;
	regs.rbx = START_INFO;
	regs.rflags = 2;
	ioctl(cpu, KVM_SET_REGS, &regs);

	signal(SIGALRM, on_alarm);
	alarm(120);
	for (;;) {
		if (ioctl(cpu, KVM_RUN, 0) < 0) {
			check(0, "KVM_RUN", strerror(errno));
			break;
		}
		exits++;
		if (run->exit_reason == KVM_EXIT_IO) {
			unsigned char *d = (unsigned char *)run + run->io.data_offset;
			for (unsigned k = 0; k < run->io.count; k++, d += run->io.size) {
				if (run->io.direction == KVM_EXIT_IO_OUT)
					uart_out(run->io.port, d[0]);
				else
					memset(d, port_in(run->io.port), run->io.size);
			}
		} else if (run->exit_reason == KVM_EXIT_MMIO) {
			if (run->mmio.is_write && run->mmio.phys_addr == MARK_ADDR && run->mmio.len == 4 &&
			    le32(run->mmio.data) == MARK_VALUE)
				marked = 1;
			else if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
		} else if (run->exit_reason == KVM_EXIT_SHUTDOWN) {
			break;
		} else {
			snprintf(detail, sizeof(detail), "exit reason %u", run->exit_reason);
			check(0, "an exit kvmlinux does not handle", detail);
			break;
		}
	}
	alarm(0);
	if (line_len)
		uart_out(0x3f8, '\n');
	check(marked, "L2's /init ran: its devmem write reached L1's user space", NULL);
	check(run->exit_reason == KVM_EXIT_SHUTDOWN, "L2's reboot -f ends it (triple fault: KVM_EXIT_SHUTDOWN)",
	      NULL);
	printf("kvmlinux: %d exits to user space, %d failed\n", exits, failures);
	return failures != 0;
}
