/* tests/unit/pci_test.c: PCI configuration mechanism #1 and the bus-0
 * functions (dev/pci.c, dev/pci.def) on a whole machine with no vCPU
 * running: the address register, absent functions, identity registers,
 * read-only fields, BAR sizing and relocation, COMMAND decode bits, and
 * QEMU's pci-testdev protocol through both BARs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

#include "dev/pci.h"
#include "machine/machine.h"

#define TESTDEV PCI_DEVFN(2, 0)
#define MEMBAR  0xfebff000u
#define IOBAR   0xc000u

static int setup(void **state)
{
	*state = h_new(1);
	return 0;
}

static int teardown(void **state)
{
	h_delete(*state);
	return 0;
}

static u64 in(struct harness *f, u16 port, unsigned size) { return pio_read(&f->m.mem, port, size); }
static void out(struct harness *f, u16 port, unsigned size, u64 v) { pio_write(&f->m.mem, port, size, v); }

static u32 cfg_read(struct harness *f, unsigned devfn, unsigned reg, unsigned size)
{
	out(f, 0xcf8, 4, pci_conf1_addr(devfn, reg));
	return (u32)in(f, (u16)(0xcfc + (reg & 3)), size);
}

static void cfg_write(struct harness *f, unsigned devfn, unsigned reg, unsigned size, u32 v)
{
	out(f, 0xcf8, 4, pci_conf1_addr(devfn, reg));
	out(f, (u16)(0xcfc + (reg & 3)), size, v);
}

static void test_address_register(void **state)
{
	struct harness *f = *state;

	out(f, 0xcf8, 4, 0x80001234);
	assert_int_equal(in(f, 0xcf8, 4), 0x80001234);
	out(f, 0xcf8, 2, 0);                          /* only dword writes load it */
	out(f, 0xcf8, 1, 0);
	assert_int_equal(in(f, 0xcf8, 4), 0x80001234);
	/* 0xcf9 is the reset control register, not part of the address */
	out(f, 0xcf9, 1, 0x02);
	assert_int_equal(in(f, 0xcf9, 1), 0x02);
	assert_int_equal(in(f, 0xcf8, 4), 0x80001234);
	assert_int_equal(f->m.end, RUN_GOING);
	/* enable bit clear: the data port floats */
	out(f, 0xcf8, 4, 0x00000000);
	assert_int_equal(in(f, 0xcfc, 4), 0xffffffff);
	out(f, 0xcfc, 4, 0);                          /* and writes go nowhere */
	assert_int_equal(cfg_read(f, 0, 0, 4), 0x12378086);
	out(f, 0xcf9, 1, 0x06);
	assert_int_equal(f->m.end, RUN_RESET);
}

static void test_bus0_functions(void **state)
{
	struct harness *f = *state;
	static const struct { unsigned devfn; u32 id, class_rev; u8 ht; } fns[] = {
		{ PCI_DEVFN(0, 0), 0x12378086, 0x06000002, 0x00 },
		{ PCI_DEVFN(1, 0), 0x70008086, 0x06010000, 0x80 },
		{ PCI_DEVFN(1, 1), 0x70108086, 0x01018000, 0x00 },
		{ PCI_DEVFN(1, 3), 0x71138086, 0x06800003, 0x00 },
		{ PCI_DEVFN(2, 0), 0x00051b36, 0x00ff0000, 0x00 },
	};
	int found = 0;

	for (unsigned devfn = 0; devfn < 256; devfn++) {
		u32 id = cfg_read(f, devfn, 0, 4);

		if (id == 0xffffffff)
			continue;
		assert_true(found < 5);
		assert_int_equal(devfn, fns[found].devfn);
		assert_int_equal(id, fns[found].id);
		assert_int_equal(cfg_read(f, devfn, 8, 4), fns[found].class_rev);
		assert_int_equal(cfg_read(f, devfn, PCI_HEADER_TYPE, 1), fns[found].ht);
		assert_int_equal(cfg_read(f, devfn, PCI_SUBSYS_VENDOR, 4), 0x11001af4);
		assert_int_equal(cfg_read(f, devfn, PCI_CAP_PTR, 1), 0);
		found++;
	}
	assert_int_equal(found, 5);
	/* bus 1 has nothing */
	out(f, 0xcf8, 4, 0x80010000);
	assert_int_equal(in(f, 0xcfc, 4), 0xffffffff);
	/* byte and word reads at any data-port offset */
	assert_int_equal(cfg_read(f, TESTDEV, 2, 2), 0x0005);
	assert_int_equal(cfg_read(f, TESTDEV, 1, 1), 0x1b);
	assert_int_equal(cfg_read(f, TESTDEV, 3, 1), 0x00);
	/* PIIX4 PM: PMBA = 0x600, SCI line 9 */
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 3), 0x40, 4), 0x601);
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 3), PCI_INTERRUPT_LINE, 2), 0x0109);
	/* what QEMU + SeaBIOS leave elsewhere (read back from QEMU 7.2) */
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 3), 0x58, 4), 0x02000000); /* APMC_EN */
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 3), 0x90, 4), 0x701);      /* SMBBA */
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 3), PCI_STATUS, 2), 0x0280);
	assert_int_equal(cfg_read(f, PCI_DEVFN(0, 0), 0x58, 4), 0x11111000); /* PAM */
	assert_int_equal(cfg_read(f, PCI_DEVFN(0, 0), 0x5c, 4), 0x33111111);
	assert_int_equal(cfg_read(f, PCI_DEVFN(0, 0), 0x60, 4), 0);
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 0), 0x4c, 4), 0x0003004d);
}

static void test_readonly_fields(void **state)
{
	struct harness *f = *state;

	cfg_write(f, TESTDEV, 0, 4, 0);
	assert_int_equal(cfg_read(f, TESTDEV, 0, 4), 0x00051b36);
	cfg_write(f, TESTDEV, 8, 4, 0);
	assert_int_equal(cfg_read(f, TESTDEV, 8, 4), 0x00ff0000);
	cfg_write(f, TESTDEV, PCI_INTERRUPT_LINE, 2, 0xffff);
	assert_int_equal(cfg_read(f, TESTDEV, PCI_INTERRUPT_LINE, 2), 0x00ff); /* pin RO */
	cfg_write(f, TESTDEV, 0x40, 4, 0xffffffff);  /* no device-specific space */
	assert_int_equal(cfg_read(f, TESTDEV, 0x40, 4), 0);
	cfg_write(f, PCI_DEVFN(1, 0), 0x60, 1, 0x05); /* PIIX3 PIRQ route: chipset RW */
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 0), 0x60, 4), 0x0b0b0a05);
	cfg_write(f, TESTDEV, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(cfg_read(f, TESTDEV, PCI_COMMAND, 2), 0x0547);
}

static void test_bar_sizing(void **state)
{
	struct harness *f = *state;

	assert_int_equal(cfg_read(f, TESTDEV, PCI_COMMAND, 2), 0x0103);
	assert_int_equal(cfg_read(f, TESTDEV, 0x10, 4), MEMBAR);
	assert_int_equal(cfg_read(f, TESTDEV, 0x14, 4), IOBAR | 1);
	cfg_write(f, TESTDEV, 0x10, 4, 0xffffffff);
	assert_int_equal(cfg_read(f, TESTDEV, 0x10, 4), 0xfffff000); /* 4 KiB memory */
	cfg_write(f, TESTDEV, 0x14, 4, 0xffffffff);
	assert_int_equal(cfg_read(f, TESTDEV, 0x14, 4), 0xffffff01); /* 256 ports */
	for (unsigned bar = 2; bar < 6; bar++) {      /* unimplemented BARs */
		cfg_write(f, TESTDEV, 0x10 + 4 * bar, 4, 0xffffffff);
		assert_int_equal(cfg_read(f, TESTDEV, 0x10 + 4 * bar, 4), 0);
	}
	cfg_write(f, TESTDEV, PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(cfg_read(f, TESTDEV, PCI_ROM_ADDRESS, 4), 0);
	/* while sized, nothing decodes at the old addresses */
	assert_int_equal(phys_read(&f->m.mem, MEMBAR + 8, 4), 0xffffffff);
	assert_int_equal(in(f, IOBAR + 1, 1), 0xff);
	cfg_write(f, TESTDEV, 0x10, 4, MEMBAR);
	cfg_write(f, TESTDEV, 0x14, 4, IOBAR);
	assert_int_equal(cfg_read(f, TESTDEV, 0x14, 4), IOBAR | 1);
	out(f, IOBAR, 1, 0);                          /* select portio test 0 */
	assert_int_equal(in(f, IOBAR + 1, 1), 1);     /* test header: width */
	/* IDE bus-master BAR4: 16 ports at 0xc100 */
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 1), 0x20, 4), 0xc101);
	cfg_write(f, PCI_DEVFN(1, 1), 0x20, 4, 0xffffffff);
	assert_int_equal(cfg_read(f, PCI_DEVFN(1, 1), 0x20, 4), 0xfffffff1);
}

/* select test n of a BAR and read its header through that BAR */
static u32 td_mem(struct harness *f, u32 base, u32 off, unsigned size)
{
	return (u32)phys_read(&f->m.mem, base + off, size);
}

static void test_relocation_and_decode(void **state)
{
	struct harness *f = *state;

	phys_write(&f->m.mem, MEMBAR, 1, 0);          /* select mmio test 0 */
	assert_int_equal(td_mem(f, MEMBAR, 1, 1), 1);
	cfg_write(f, TESTDEV, 0x10, 4, 0xfe000000);
	assert_int_equal(td_mem(f, 0xfe000000, 4, 4), 2048);
	assert_int_equal(td_mem(f, MEMBAR, 4, 4), 0xffffffff);
	cfg_write(f, TESTDEV, 0x14, 4, 0x1000);
	assert_int_equal(in(f, 0x1000 + 4, 4), 2048);  /* same current test */
	assert_int_equal(in(f, IOBAR + 4, 4), 0xffffffff);
	/* COMMAND: memory and I/O decode off, then on again */
	cfg_write(f, TESTDEV, PCI_COMMAND, 2, 0);
	assert_int_equal(td_mem(f, 0xfe000000, 4, 4), 0xffffffff);
	assert_int_equal(in(f, 0x1000 + 4, 4), 0xffffffff);
	cfg_write(f, TESTDEV, PCI_COMMAND, 2, PCI_CMD_MEMORY);
	assert_int_equal(td_mem(f, 0xfe000000, 4, 4), 2048);
	assert_int_equal(in(f, 0x1000 + 4, 4), 0xffffffff);
	cfg_write(f, TESTDEV, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_IO);
	assert_int_equal(in(f, 0x1000 + 4, 4), 2048);
	/* an I/O BAR past 64 KiB decodes nothing; address 0 neither */
	cfg_write(f, TESTDEV, 0x14, 4, 0xff00);
	assert_int_equal(in(f, 0xff04, 4), 2048);
	cfg_write(f, TESTDEV, 0x14, 4, 0x10000);
	assert_int_equal(in(f, 0x0004, 4), 0xffffffff);
}

static const char *const td_names[6] = {
	"mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
	"portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

/* kvm-unit-tests' protocol: select, check count 0 and width, write data
 * at offset 16 times, read the count back */
static void td_run(struct harness *f, bool io, unsigned n, u32 *count)
{
	u64 base = io ? IOBAR : MEMBAR;
#define RD(off, sz) (io ? in(f, (u16)(base + (off)), sz) : phys_read(&f->m.mem, base + (off), sz))
#define WR(off, sz, v)                                                    \
	do {                                                              \
		if (io)                                                   \
			out(f, (u16)(base + (off)), sz, v);               \
		else                                                      \
			phys_write(&f->m.mem, base + (off), sz, v);       \
	} while (0)
	unsigned idx = (io ? 3 : 0) + n;
	char name[32] = { 0 };

	WR(0, 1, n);
	assert_int_equal(RD(0, 1), idx);
	assert_int_equal(RD(12, 4), 0);
	assert_int_equal(RD(1, 1), 1);
	u32 off = (u32)RD(4, 4), data = (u32)RD(8, 4);
	assert_int_equal(off, (io ? 128 : 2048) + idx);
	assert_int_equal(data, n == 1 ? 0xce : 0xfa);
	for (unsigned i = 0; i + 1 < sizeof(name); i++) {
		name[i] = (char)RD(16 + i, 1);
		if (!name[i])
			break;
	}
	assert_string_equal(name, td_names[idx]);
	for (int i = 0; i < 16; i++)
		WR(off, 1, data);
	WR(off, 1, data ^ 1);                          /* other data: not counted */
	WR(off + 1, 1, data);                          /* other offset: neither */
	*count = (u32)RD(12, 4);
#undef RD
#undef WR
}

static void test_testdev_protocol(void **state)
{
	struct harness *f = *state;
	u32 count;

	/* nothing selected: reads are 0 */
	assert_int_equal(phys_read(&f->m.mem, MEMBAR + 1, 1), 0);
	assert_int_equal(in(f, IOBAR + 12, 4), 0);
	for (unsigned io = 0; io < 2; io++) {
		for (unsigned n = 0; n < 3; n++) {
			td_run(f, io, n, &count);
			/* no-eventfd counts; eventfd tests hand writes to eventfds */
			assert_int_equal(count, n == 0 ? 16 : 0);
		}
	}
	/* test 3 does not exist in a BAR: nothing is selected any more */
	phys_write(&f->m.mem, MEMBAR, 1, 2);
	assert_int_equal(phys_read(&f->m.mem, MEMBAR, 1), 2);
	phys_write(&f->m.mem, MEMBAR, 1, 3);
	assert_int_equal(phys_read(&f->m.mem, MEMBAR, 4), 0);
	assert_int_equal(phys_read(&f->m.mem, MEMBAR + 4, 4), 0);
	/* the selection is shared by both BARs */
	phys_write(&f->m.mem, MEMBAR, 1, 0);
	assert_int_equal(in(f, IOBAR + 12, 4), 16);
	assert_int_equal(in(f, IOBAR, 1), 0);
	/* past the name: 0 */
	assert_int_equal(phys_read(&f->m.mem, MEMBAR + 16 + 15, 1), 0);
	assert_int_equal(phys_read(&f->m.mem, MEMBAR + 0x800, 4), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_address_register),
		T(test_bus0_functions),
		T(test_readonly_fields),
		T(test_bar_sizing),
		T(test_relocation_and_decode),
		T(test_testdev_protocol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
