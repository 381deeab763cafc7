/* tests/unit/config_test.c: the QEMU-compatible command line (machine/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine/config.h"

static struct machine_config cfg;
static struct config_extra ex;

/* parse("-opt", "val", ...) with argv[0] = "nestbox" */
#define PARSE(...)                                                                  \
	({                                                                          \
		const char *argv_[] = { "nestbox", __VA_ARGS__, NULL };             \
		config_free(&cfg);                                                  \
		config_parse_ex(&cfg, &ex, (int)ARRAY_SIZE(argv_) - 1,              \
				(char **)argv_);                                    \
	})

static u64 size_of(const char *s, u64 unit)
{
	u64 v = 0;
	if (config_parse_size(s, unit, &v))
		fail_msg("'%s' did not parse", s);
	return v;
}

static void test_size_suffixes(void **state)
{
	const u64 MiB = 1ull << 20;
	assert_int_equal(size_of("128", MiB), 128 * MiB); /* no suffix: MiB for -m */
	assert_int_equal(size_of("512M", MiB), 512 * MiB);
	assert_int_equal(size_of("512m", MiB), 512 * MiB);
	assert_int_equal(size_of("4G", MiB), 4ull << 30);
	assert_int_equal(size_of("4g", MiB), 4ull << 30);
	assert_int_equal(size_of("4096k", MiB), 4 * MiB);
	assert_int_equal(size_of("4096K", MiB), 4 * MiB);
	assert_int_equal(size_of("2T", MiB), 2ull << 40);
	assert_int_equal(size_of("1024B", MiB), 1024);
	assert_int_equal(size_of("1.5G", MiB), 3ull << 29);
	assert_int_equal(size_of("1.25M", MiB), 5 * MiB / 4);
	assert_int_equal(size_of("0.5", MiB), MiB / 2);
	assert_int_equal(size_of("0x10", MiB), 16 * MiB);
	assert_int_equal(size_of("0x20K", MiB), 0x20 << 10);
	assert_int_equal(size_of("0x1000B", MiB), 0x1000bull << 20); /* B is a hex digit (as QEMU) */
}

static void test_size_errors(void **state)
{
	static const char *const bad[] = { "", "abc", "4Q", "4GB", "1.5B", "-1", "+4", " 4",
					   "0x", "18446744073709551615G", "99999999999999999999",
					   "4G ", "1..5G" };
	u64 v;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		if (config_parse_size(bad[i], 1ull << 20, &v) == 0)
			fail_msg("'%s' parsed as %llu", bad[i], (unsigned long long)v);
}

static void smp_ok(const char *s, int cpus, int max)
{
	char err[160];
	int c = 0, m = 0;
	if (config_parse_smp(s, &c, &m, err, sizeof(err)))
		fail_msg("-smp %s: %s", s, err);
	assert_int_equal(c, cpus);
	assert_int_equal(m, max);
}

static void test_smp(void **state)
{
	smp_ok("1", 1, 1);
	smp_ok("2", 2, 2);
	smp_ok("64", 64, 64);
	smp_ok("cpus=4", 4, 4);
	smp_ok("4,cores=2", 4, 4);             /* sockets derived: 2 */
	smp_ok("cores=2,threads=2", 4, 4);     /* cpus from the topology */
	smp_ok("2,maxcpus=4", 2, 4);
	smp_ok("8,sockets=2,cores=2,threads=2", 8, 8);
	smp_ok("4,sockets=1,dies=1,clusters=1,cores=4,threads=1", 4, 4);
}

static void test_smp_errors(void **state)
{
	static const char *const bad[] = { "0", "65", "-1", "two", "3,cores=2", "2,bogus=1",
					   "cpus=2,maxcpus=1", "2,sockets=2,cores=2",
					   "maxcpus=65", "2,cores", "" };
	char err[160];
	int c, m;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		if (config_parse_smp(bad[i], &c, &m, err, sizeof(err)) == 0)
			fail_msg("-smp '%s' accepted", bad[i]);
}

static void test_defaults(void **state)
{
	char *argv[] = { (char *)"nestbox", NULL };
	config_free(&cfg);
	assert_int_equal(config_parse_ex(&cfg, &ex, 1, argv), CONFIG_RUN);
	assert_null(cfg.kernel);
	assert_true(ex.demo);
	assert_int_equal(cfg.ram_size, 128ull << 20);
	assert_int_equal(cfg.smp, 1);
	assert_true(cfg.debug_exit);
	assert_int_equal(cfg.debug_exit_port, 0xf4);
	assert_null(cfg.serial_path);
	assert_null(cfg.cpu_spec);
	assert_false(cfg.no_reboot);
}

/* PLATFORM.md "The command line test runners give", verbatim */
static void test_runner_command_line(void **state)
{
	int r = PARSE("--no-reboot", "-nodefaults", "-global", "kvm-pit.lost_tick_policy=discard",
		      "-device", "pc-testdev", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
		      "-display", "none", "-serial", "stdio", "-device", "pci-testdev", "-machine",
		      "accel=tcg", "-kernel", "IMAGE", "-smp", "2", "-cpu", "max,+svm", "-m", "4g",
		      "-append", "test filters ...", "-initrd", "ENVFILE");
	assert_int_equal(r, CONFIG_RUN);
	assert_string_equal(cfg.kernel, "IMAGE");
	assert_false(ex.demo);
	assert_string_equal(cfg.append, "test filters ...");
	assert_int_equal(cfg.nr_initrd, 1);
	assert_string_equal(cfg.initrd[0], "ENVFILE");
	assert_int_equal(cfg.smp, 2);
	assert_string_equal(cfg.cpu_spec, "max,+svm");
	assert_int_equal(cfg.ram_size, 4ull << 30);
	assert_true(cfg.no_reboot);
	assert_int_equal(cfg.debug_exit_port, 0xf4);
	assert_int_equal(ex.debug_exit_size, 4);
	assert_null(cfg.serial_path);
}

static void test_initrd_list(void **state)
{
	assert_int_equal(PARSE("-initrd", "a,b,,c,d"), CONFIG_RUN);
	assert_int_equal(cfg.nr_initrd, 3);
	assert_string_equal(cfg.initrd[0], "a");
	assert_string_equal(cfg.initrd[1], "b,c"); /* ",," is a literal comma */
	assert_string_equal(cfg.initrd[2], "d");
	/* a later -initrd replaces the earlier one, as in QEMU */
	assert_int_equal(PARSE("-initrd", "a,b", "-initrd", "z arg"), CONFIG_RUN);
	assert_int_equal(cfg.nr_initrd, 1);
	assert_string_equal(cfg.initrd[0], "z arg");
	assert_int_equal(PARSE("-initrd", "a,"), CONFIG_ERROR);
	assert_int_equal(PARSE("-initrd", "1,2,3,4,5,6,7,8,9"), CONFIG_ERROR);
	assert_int_equal(PARSE("-initrd", "1,2,3,4,5,6,7,8"), CONFIG_RUN);
}

static void test_memory(void **state)
{
	assert_int_equal(PARSE("-m", "512"), CONFIG_RUN);
	assert_int_equal(cfg.ram_size, 512ull << 20);
	assert_int_equal(PARSE("-m", "size=1G,slots=2,maxmem=8G"), CONFIG_RUN);
	assert_int_equal(cfg.ram_size, 1ull << 30);
	assert_int_equal(PARSE("-m", "4097k"), CONFIG_RUN);
	assert_int_equal(cfg.ram_size, 4104ull << 10); /* aligned up to 8 KiB */
	assert_int_equal(PARSE("-m", "1M"), CONFIG_ERROR);
	assert_int_equal(PARSE("-m", "2T"), CONFIG_ERROR);
	assert_int_equal(PARSE("-m", "lots"), CONFIG_ERROR);
	assert_int_equal(PARSE("-m", "1G,bogus=1"), CONFIG_ERROR);
	assert_int_equal(PARSE("-m", "0"), CONFIG_ERROR);
}

static void test_serial(void **state)
{
	assert_int_equal(PARSE("-serial", "file:/tmp/x"), CONFIG_RUN);
	assert_string_equal(cfg.serial_path, "/tmp/x");
	assert_int_equal(PARSE("-serial", "none"), CONFIG_RUN);
	assert_true(ex.serial_none);
	assert_string_equal(cfg.serial_path, "/dev/null");
	assert_int_equal(PARSE("-serial", "mon:stdio"), CONFIG_RUN);
	assert_null(cfg.serial_path);
	assert_true(cfg.serial_input);  /* mon:stdio feeds stdin to COM1 */
	assert_int_equal(PARSE("-serial", "stdio"), CONFIG_RUN);
	assert_false(cfg.serial_input); /* plain stdio never reads stdin */
	assert_int_equal(PARSE("-serial", "stdio", "-serial", "none"), CONFIG_RUN);
	assert_int_equal(PARSE("-serial", "stdio", "-serial", "file:/x"), CONFIG_ERROR);
	assert_int_equal(PARSE("-serial", "pty"), CONFIG_ERROR);
	assert_int_equal(PARSE("-serial", "file:"), CONFIG_ERROR);
}

static void test_devices(void **state)
{
	/* QEMU's isa-debug-exit defaults: iobase 0x501, iosize 2 */
	assert_int_equal(PARSE("-device", "isa-debug-exit"), CONFIG_RUN);
	assert_int_equal(cfg.debug_exit_port, 0x501);
	assert_int_equal(ex.debug_exit_size, 2);
	assert_int_equal(PARSE("-device", "isa-debug-exit,id=x,iobase=0x80,iosize=1"), CONFIG_RUN);
	assert_int_equal(cfg.debug_exit_port, 0x80);
	assert_int_equal(PARSE("-device", "isa-debug-exit,iobase=0x10000"), CONFIG_ERROR);
	assert_int_equal(PARSE("-device", "isa-debug-exit,iosize=0"), CONFIG_ERROR);
	assert_int_equal(PARSE("-device", "isa-debug-exit,iobase"), CONFIG_ERROR);
	assert_int_equal(PARSE("-device", "pc-testdev,id=t"), CONFIG_RUN);
	assert_int_equal(PARSE("-device", "pci-testdev,color=red"), CONFIG_ERROR);
	assert_int_equal(PARSE("-device", "e1000"), CONFIG_ERROR);
}

static void test_machine_and_accel(void **state)
{
	assert_int_equal(PARSE("-machine", "accel=tcg"), CONFIG_RUN);
	assert_int_equal(PARSE("-machine", "pc,accel=tcg"), CONFIG_RUN);
	assert_int_equal(PARSE("-M", "pc-i440fx-7.2"), CONFIG_RUN);
	assert_int_equal(PARSE("-machine", "type=pc,kernel-irqchip=off"), CONFIG_RUN);
	assert_int_equal(PARSE("-machine", "accel=kvm:tcg"), CONFIG_RUN);
	assert_int_equal(PARSE("-machine", "accel=kvm"), CONFIG_ERROR);
	assert_int_equal(PARSE("-machine", "q35"), CONFIG_ERROR);
	assert_int_equal(PARSE("-machine", "pc,nvdimm=on"), CONFIG_ERROR);
	/* QEMU 7.2 pc machine properties (`-machine pc,help`) */
	assert_int_equal(PARSE("-machine", "pit=off"), CONFIG_RUN);
	assert_int_equal(PARSE("-machine", "pc,pit=auto,pic=on,hpet=off,smm=off,vmport=off,acpi=on"),
			 CONFIG_RUN);
	assert_true(cfg.no_vmport);
	assert_int_equal(PARSE("-machine", "vmport=auto"), CONFIG_RUN);
	assert_false(cfg.no_vmport); /* QEMU's auto: on without Xen */
	assert_int_equal(PARSE("-machine", "sata=off,usb=off,smbus=no,i8042=false"), CONFIG_RUN);
	assert_int_equal(PARSE("-machine", "kernel_irqchip=split"), CONFIG_RUN);
	assert_int_equal(PARSE("-machine", "pit=maybe"), CONFIG_ERROR);
	assert_int_equal(PARSE("-machine", "hpet=auto"), CONFIG_ERROR); /* a bool */
	assert_int_equal(PARSE("-machine", "usb=on"), CONFIG_ERROR);
	assert_int_equal(PARSE("-machine", "kernel=x.elf"), CONFIG_ERROR);
	assert_int_equal(PARSE("-machine", "pc,help"), CONFIG_DONE);
	assert_int_equal(PARSE("-accel", "tcg,thread=single"), CONFIG_RUN);
	assert_int_equal(PARSE("-accel", "kvm"), CONFIG_ERROR);
	assert_int_equal(PARSE("-enable-kvm"), CONFIG_ERROR);
}

static void test_nestbox_options(void **state)
{
	assert_int_equal(PARSE("-seed", "0x10", "-icount", "shift=3", "-max-insns", "1000",
			       "-counters", "-d", "exec,int", "-name", "guest"),
			 CONFIG_RUN);
	assert_int_equal(cfg.seed, 0x10);
	assert_int_equal(cfg.icount_shift, 3);
	assert_int_equal(cfg.max_insns, 1000);
	assert_true(cfg.counters);
	assert_string_equal(ex.log_list, "exec,int");
	assert_string_equal(ex.name, "guest");
	assert_int_equal(PARSE("-icount", "5"), CONFIG_RUN);
	assert_int_equal(cfg.icount_shift, 5);
	assert_int_equal(PARSE("-icount", "shift=auto,sleep=off"), CONFIG_RUN);
	assert_int_equal(PARSE("-icount", "shift=11"), CONFIG_ERROR);
	assert_int_equal(PARSE("-icount", "rr=record"), CONFIG_ERROR);
	assert_int_equal(PARSE("-seed", "x"), CONFIG_ERROR);
	assert_int_equal(PARSE("-max-insns", "-5"), CONFIG_ERROR);
	/* -linux-entry: the bzImage entry point (machine/linux_boot.c) */
	assert_int_equal(PARSE("-linux-entry", "64"), CONFIG_RUN);
	assert_int_equal(cfg.linux_entry, 64);
	assert_int_equal(PARSE("-linux-entry", "32"), CONFIG_RUN);
	assert_int_equal(cfg.linux_entry, 32);
	assert_int_equal(PARSE("-linux-entry", "16"), CONFIG_ERROR);
}

/* -icount as QEMU 7.2 parses it: [shift=]N|auto, align=, sleep= */
static void test_icount_forms(void **state)
{
	assert_int_equal(PARSE("-icount", "shift=0"), CONFIG_RUN);
	assert_int_equal(cfg.icount_shift, 0);
	assert_int_equal(PARSE("-icount", "shift=10"), CONFIG_RUN);
	assert_int_equal(cfg.icount_shift, 10);
	assert_int_equal(PARSE("-icount", "auto"), CONFIG_RUN);
	assert_int_equal(cfg.icount_shift, 0); /* auto: the default rate */
	assert_int_equal(PARSE("-icount", "shift=auto,align=on"), CONFIG_RUN);
	assert_int_equal(PARSE("-icount", "shift=2,align=off,sleep=on"), CONFIG_RUN);
	assert_int_equal(cfg.icount_shift, 2);
	assert_int_equal(PARSE("-icount", "shift=2,align=on,sleep=off"), CONFIG_ERROR);
	assert_int_equal(PARSE("-icount", "shift=2,sleep=maybe"), CONFIG_ERROR);
	assert_int_equal(PARSE("-icount", "shift=-1"), CONFIG_ERROR);
	assert_int_equal(PARSE("-icount", "shift=x"), CONFIG_ERROR);
	assert_int_equal(PARSE("-icount", "shift=3,rr=replay,rrfile=f"), CONFIG_ERROR);
	assert_int_equal(PARSE("-icount", "junk=1"), CONFIG_ERROR);
}

static void test_spellings_and_errors(void **state)
{
	assert_int_equal(PARSE("--kernel", "k", "--m", "64", "--smp", "3", "-no-reboot"),
			 CONFIG_RUN);
	assert_string_equal(cfg.kernel, "k");
	assert_int_equal(cfg.ram_size, 64ull << 20);
	assert_int_equal(cfg.smp, 3);
	assert_true(cfg.no_reboot);
	assert_int_equal(PARSE("-foo"), CONFIG_ERROR);
	assert_int_equal(PARSE("---kernel", "k"), CONFIG_ERROR);
	assert_int_equal(PARSE("-kernel"), CONFIG_ERROR);  /* argument missing */
	assert_int_equal(PARSE("disk.img"), CONFIG_ERROR); /* no positional arguments */
	assert_int_equal(PARSE("-display", "none", "-vga", "none", "-monitor", "none",
			       "-nographic", "-overcommit", "cpu-pm=on"),
			 CONFIG_RUN);
	assert_int_equal(PARSE("-display", "sdl"), CONFIG_ERROR);
	assert_int_equal(PARSE("--version"), CONFIG_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_suffixes),
		cmocka_unit_test(test_size_errors),
		cmocka_unit_test(test_smp),
		cmocka_unit_test(test_smp_errors),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_runner_command_line),
		cmocka_unit_test(test_initrd_list),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_machine_and_accel),
		cmocka_unit_test(test_nestbox_options),
		cmocka_unit_test(test_icount_forms),
		cmocka_unit_test(test_spellings_and_errors),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	config_free(&cfg);
	return r;
}
