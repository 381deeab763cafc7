/* tests/unit/devices_test.c: the small PC devices (dev/uart16550.c,
 * debug_exit.c, fw_cfg.c, pc_ports.c, testdev.c) driven through the port
 * and MMIO bus (pio_read/pio_write, phys_read/phys_write) on a machine
 * with RAM and devices but no vCPUs running. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dev/dev.h"
#include "dev/devpriv.h"
#include "machine/machine.h"

struct fix {
	struct machine m;
	char serial[64];
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	snprintf(f->serial, sizeof(f->serial), "/tmp/nestbox-devtest-XXXXXX");
	fd = mkstemp(f->serial);
	assert_true(fd >= 0);
	close(fd);
	f->m.cfg.ram_size = 128ull << 20;
	f->m.cfg.smp = 2;
	f->m.cfg.serial_path = f->serial;
	assert_int_equal(physmem_init(&f->m.mem, 16 << 20), 0);
	uart_init(&f->m, 0x3f8);
	debug_exit_init(&f->m, 0xf4);
	shutdown_port_init(&f->m);
	fw_cfg_init(&f->m);
	pic_init(&f->m);
	misc_ports_init(&f->m);
	testdev_init(&f->m);
	pit_init(&f->m);
	pci_init(&f->m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(f->m.devs); i++)
		free(f->m.devs[i]);
	physmem_free(&f->m.mem);
	unlink(f->serial);
	free(f);
	return 0;
}

static u8 inb(struct fix *f, u16 port) { return (u8)pio_read(&f->m.mem, port, 1); }
static void outb(struct fix *f, u16 port, u8 v) { pio_write(&f->m.mem, port, 1, v); }

/* what the UART wrote to its output file */
static size_t serial_out(struct fix *f, char *buf, size_t len)
{
	FILE *fp = fopen(f->serial, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return n;
}

/* --- 16550 UART --- */
static void test_uart_output(void **state)
{
	struct fix *f = *state;
	char buf[64];

	assert_int_equal(inb(f, 0x3fd), 0x60); /* LSR: THRE | TEMT */
	for (const char *p = "PASS: x\n"; *p; p++)
		outb(f, 0x3f8, (u8)*p);
	assert_int_equal(serial_out(f, buf, sizeof(buf)), 8); /* flushed at once */
	assert_string_equal(buf, "PASS: x\n");
	assert_int_equal(inb(f, 0x3fd), 0x60);
}

static void test_uart_registers(void **state)
{
	struct fix *f = *state;
	char buf[16];

	/* the usual init sequence */
	outb(f, 0x3f9, 0x00);
	outb(f, 0x3fb, 0x80); /* DLAB */
	outb(f, 0x3f8, 0x01);
	outb(f, 0x3f9, 0x00);
	assert_int_equal(inb(f, 0x3f8), 0x01); /* DLL */
	assert_int_equal(inb(f, 0x3f9), 0x00); /* DLM */
	outb(f, 0x3fb, 0x03);
	assert_int_equal(inb(f, 0x3fb), 0x03);
	outb(f, 0x3fa, 0xc7);
	outb(f, 0x3fc, 0x0b);
	assert_int_equal(inb(f, 0x3fc), 0x0b);
	assert_int_equal(inb(f, 0x3fa), 0xc1); /* FIFOs on, nothing pending */
	outb(f, 0x3ff, 0x5a);
	assert_int_equal(inb(f, 0x3ff), 0x5a); /* SCR */
	assert_int_equal(serial_out(f, buf, sizeof(buf)), 0); /* DLL write is no output */
	/* THRE interrupt identification: raised by enabling ETBEI, cleared by
	 * reading IIR */
	outb(f, 0x3f9, 0x02);
	assert_int_equal(inb(f, 0x3f9), 0x02);
	assert_int_equal(inb(f, 0x3fa), 0xc2);
	assert_int_equal(inb(f, 0x3fa), 0xc1);
	outb(f, 0x3f8, 'a');
	assert_int_equal(inb(f, 0x3fa), 0xc2);
	assert_int_equal(inb(f, 0x3fe) & 0xf0, 0xb0); /* MSR: DCD DSR CTS */
}

/* the 8259 master's IRR (OCW3 "read IRR") */
static u8 pic_irr(struct fix *f)
{
	outb(f, 0x20, 0x0a);
	return inb(f, 0x20);
}

/* INTR reaches ISA IRQ 4 only with MCR OUT2; a THR write ends the THRE
 * interrupt and the byte leaving starts it again: one edge per byte */
static void test_uart_irq(void **state)
{
	struct fix *f = *state;

	/* ICW1-4 with the master at vector 0x08; IRQ 4 unmasked */
	static const u8 init[][2] = { { 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 },
				      { 0x21, 0x01 }, { 0x21, 0xef } };
	for (size_t i = 0; i < ARRAY_SIZE(init); i++)
		outb(f, init[i][0], init[i][1]);
	outb(f, 0x3f9, 0x02);                  /* ETBEI: THRE pending */
	assert_int_equal(pic_irr(f) & 0x10, 0); /* OUT2 clear: no IRQ */
	outb(f, 0x3fc, 0x08);                  /* OUT2 */
	assert_int_equal(pic_irr(f) & 0x10, 0x10);
	assert_int_equal(inb(f, 0x3fa) & 0x0f, 0x02); /* IIR read ends THRE ... */
	outb(f, 0x20, 0x20);                   /* (EOI; the edge stays latched in IRR until INTA) */
	outb(f, 0x3f8, 'b');                   /* ... a byte starts it again */
	assert_int_equal(inb(f, 0x3fa) & 0x0f, 0x02);
	assert_int_equal(inb(f, 0x3fa) & 0x0f, 0x01);
	outb(f, 0x3f9, 0x00);
	outb(f, 0x3fc, 0x18);                  /* loopback cuts INTR off the pin */
	outb(f, 0x3f9, 0x01);                  /* ERBFI */
	outb(f, 0x3f8, 'c');                   /* received: RDA pending */
	assert_int_equal(inb(f, 0x3fa) & 0x0f, 0x04);
}

/* -serial mon:stdio: keys from stdin reach RBR one at a time (DR, RDA
 * interrupt on IRQ 4); Ctrl-A a is a Ctrl-A, Ctrl-A x ends the run with
 * status 0; the end of stdin closes the input */
static void test_uart_stdin(void **state)
{
	struct fix *f = *state;
	int pfd[2], saved = dup(0);
	assert_true(pipe(pfd) == 0 && saved >= 0);
	assert_int_equal(dup2(pfd[0], 0), 0);
	f->m.cfg.serial_input = true;
	f->m.cfg.serial_path = NULL;
	uart_init(&f->m, 0x2f8); /* a second port object reading stdin (COM2's ports) */
	assert_true(uart_input_open(&f->m));
	static const u8 init[][2] = { { 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 },
				      { 0x21, 0x01 }, { 0x21, 0xef } };
	for (size_t i = 0; i < ARRAY_SIZE(init); i++)
		outb(f, init[i][0], init[i][1]);
	outb(f, 0x2f9, 0x01); /* ERBFI */
	outb(f, 0x2fc, 0x08); /* OUT2 */
	assert_int_equal(write(pfd[1], "ab\001a\001x", 6), 6);
	assert_int_equal(uart_poll_input(&f->m, 0), 6);
	assert_int_equal(f->m.end, RUN_SHUTDOWN); /* Ctrl-A x */
	assert_int_equal(f->m.exit_status, 0);
	assert_int_equal(inb(f, 0x2fd) & 1, 1);
	assert_int_equal(pic_irr(f) & 0x10, 0x10);
	assert_int_equal(inb(f, 0x2fa) & 0x0f, 0x04); /* RDA */
	assert_int_equal(inb(f, 0x2f8), 'a');
	assert_int_equal(inb(f, 0x2f8), 'b');
	assert_int_equal(inb(f, 0x2f8), 0x01);
	assert_int_equal(inb(f, 0x2fd) & 1, 0);
	assert_int_equal(inb(f, 0x2fa) & 0x0f, 0x01);
	close(pfd[1]);
	assert_int_equal(uart_poll_input(&f->m, 0), 0);
	assert_false(uart_input_open(&f->m));
	dup2(saved, 0);
	close(saved);
	close(pfd[0]);
}

static void test_uart_loopback(void **state)
{
	struct fix *f = *state;
	char buf[16];

	outb(f, 0x3fc, 0x10 | 0x03); /* LOOP, RTS, DTR */
	outb(f, 0x3f8, 'z');
	assert_int_equal(inb(f, 0x3fd) & 1, 1);  /* data ready */
	assert_int_equal(inb(f, 0x3f8), 'z');
	assert_int_equal(inb(f, 0x3fd) & 1, 0);
	assert_int_equal(inb(f, 0x3fe) & 0xf0, 0x30); /* CTS=RTS, DSR=DTR */
	assert_int_equal(serial_out(f, buf, sizeof(buf)), 0);
}

/* --- isa-debug-exit and the shutdown port --- */
static void test_debug_exit(void **state)
{
	struct fix *f = *state;
	static const struct { u32 code; int status; } t[] = {
		{ 0, 1 }, { 1, 3 }, { 38, 77 }, { 63, 127 },
		{ 0x80, 255 }, /* would be 1, a pass: must not be */
		{ 0x81, 3 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		f->m.end = RUN_GOING;
		pio_write(&f->m.mem, 0xf4, 4, t[i].code);
		assert_int_equal(f->m.end, RUN_DEBUG_EXIT);
		assert_int_equal(f->m.exit_status, t[i].status);
	}
	f->m.end = RUN_GOING;
	outb(f, 0xf4, 0);
	assert_int_equal(f->m.exit_status, 1);
}

static void test_shutdown_port(void **state)
{
	struct fix *f = *state;

	for (const char *p = "ShutXShutdow"; *p; p++)
		outb(f, 0x8900, (u8)*p);
	assert_int_equal(f->m.end, RUN_GOING);
	outb(f, 0x8900, 'n');
	assert_int_equal(f->m.end, RUN_SHUTDOWN);
	assert_int_equal(f->m.exit_status, 0);
}

/* --- fw_cfg --- */
static void fw_select(struct fix *f, u16 key) { pio_write(&f->m.mem, 0x510, 2, key); }

static u64 fw_read(struct fix *f, unsigned n)
{
	u64 v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (u64)inb(f, 0x511) << (8 * i);
	return v;
}

static void test_fw_cfg(void **state)
{
	struct fix *f = *state;
	char sig[5] = { 0 };

	fw_select(f, 0x00);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(f, 0x511);
	assert_string_equal(sig, "QEMU");
	assert_int_equal(inb(f, 0x511), 0); /* past the end */
	fw_select(f, 0x01);
	assert_int_equal(fw_read(f, 4), 1);
	fw_select(f, 0x03);
	assert_int_equal(fw_read(f, 8), 128ull << 20);
	fw_select(f, 0x05);
	assert_int_equal(fw_read(f, 2), 2);
	fw_select(f, 0x0f);
	assert_int_equal(fw_read(f, 2), 2);
	fw_select(f, 0x11);
	assert_int_equal(fw_read(f, 8), 0);
	fw_select(f, 0x1234);
	assert_int_equal(fw_read(f, 4), 0);
	/* re-selecting rewinds */
	fw_select(f, 0x05);
	fw_read(f, 1);
	fw_select(f, 0x05);
	assert_int_equal(fw_read(f, 2), 2);
}

/* --- 8259 ports (the full model: tests/unit/pic_test.c) --- */
static void test_pic_ports(void **state)
{
	struct fix *f = *state;

	outb(f, 0x21, 0xff);
	outb(f, 0xa1, 0xfe);
	assert_int_equal(inb(f, 0x21), 0xff);
	assert_int_equal(inb(f, 0xa1), 0xfe);
	/* ICW1..ICW4 do not land in the mask; ICW1 clears it */
	outb(f, 0x20, 0x11);
	assert_int_equal(inb(f, 0x21), 0x00);
	outb(f, 0x21, 0x20);
	outb(f, 0x21, 0x04);
	outb(f, 0x21, 0x01);
	outb(f, 0x21, 0xfb);
	assert_int_equal(inb(f, 0x21), 0xfb);
	/* single, no ICW4: only ICW2 follows */
	outb(f, 0xa0, 0x12);
	outb(f, 0xa1, 0x70);
	outb(f, 0xa1, 0x3c);
	assert_int_equal(inb(f, 0xa1), 0x3c);
	assert_int_equal(inb(f, 0x20), 0);
}

/* --- misc ports --- */
static void test_misc_ports(void **state)
{
	struct fix *f = *state;
	u8 a, b;

	assert_int_equal(inb(f, 0x80), 0xff);
	outb(f, 0x80, 0x12);
	a = inb(f, 0x61);
	b = inb(f, 0x61);
	assert_int_equal((a ^ b) & 0x10, 0x10); /* refresh toggles */
	outb(f, 0x61, 0x03);
	assert_int_equal(inb(f, 0x61) & 0x0f, 0x03);
	assert_int_equal(inb(f, 0x92) & 2, 2);   /* A20 on */
	outb(f, 0x4d0, 0xff);
	outb(f, 0x4d1, 0xff);
	assert_int_equal(inb(f, 0x4d0), 0xf8);   /* IRQ 0-2 always edge */
	assert_int_equal(inb(f, 0x4d1), 0xde);   /* IRQ 8, 13 always edge */
	assert_int_equal(inb(f, 0x64), 0);
	outb(f, 0x64, 0xd1);                     /* other commands: no reset */
	outb(f, 0xcf9, 0x02);
	assert_int_equal(inb(f, 0xcf9), 0x02);
	assert_int_equal(f->m.end, RUN_GOING);
}

static void test_resets(void **state)
{
	struct fix *f = *state;
	static const struct { u16 port; u8 val; } t[] = {
		{ 0x92, 0x03 }, { 0x64, 0xfe }, { 0xcf9, 0x06 }, { 0xcf9, 0x0e },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		f->m.end = RUN_GOING;
		outb(f, t[i].port, t[i].val);
		assert_int_equal(f->m.end, RUN_RESET);
	}
}

/* --- pc-testdev --- */
static void test_testdev_scratch(void **state)
{
	struct fix *f = *state;

	pio_write(&f->m.mem, 0xe0, 4, 0x11223344);
	assert_int_equal(pio_read(&f->m.mem, 0xe0, 4), 0x11223344);
	assert_int_equal(pio_read(&f->m.mem, 0xe1, 1), 0x33);
	assert_int_equal(pio_read(&f->m.mem, 0xe2, 2), 0x1122);
	pio_write(&f->m.mem, 0xe3, 1, 0xaa);
	pio_write(&f->m.mem, 0xe0, 2, 0xbeef);
	assert_int_equal(pio_read(&f->m.mem, 0xe0, 4), 0xaa22beef);
}

static int hook_irq = -1, hook_level = -1;
static void irq_hook(struct machine *m, int irq, int level)
{
	hook_irq = irq;
	hook_level = level;
}

static void test_testdev_irq(void **state)
{
	struct fix *f = *state;

	outb(f, 0x2000 + 5, 1);
	assert_int_equal(testdev_irq_level(&f->m, 5), 1);
	testdev_set_irq_hook(&f->m, irq_hook);
	outb(f, 0x2000 + 23, 1);
	assert_int_equal(hook_irq, 23);
	assert_int_equal(hook_level, 1);
	outb(f, 0x2000 + 5, 0);
	assert_int_equal(testdev_irq_level(&f->m, 5), 0);
	assert_int_equal(hook_irq, 5);
	assert_int_equal(hook_level, 0);
	assert_int_equal(testdev_irq_level(&f->m, 24), 0);
}

static void test_testdev_iomem(void **state)
{
	struct fix *f = *state;

	phys_write(&f->m.mem, 0xff000000, 8, 0x0123456789abcdefull);
	assert_int_equal(phys_read(&f->m.mem, 0xff000000, 8), 0x0123456789abcdefull);
	assert_int_equal(phys_read(&f->m.mem, 0xff000003, 1), 0x89);
	assert_int_equal(phys_read(&f->m.mem, 0xff000002, 4), 0x456789ab);
	phys_write(&f->m.mem, 0xff00fffe, 2, 0xcafe);
	assert_int_equal(phys_read(&f->m.mem, 0xff00fffe, 2), 0xcafe);
	assert_int_equal(phys_read(&f->m.mem, 0xff010000, 4), 0xffffffff); /* beyond */
}

static void test_testdev_flush(void **state)
{
	struct fix *f = *state;
	struct cpu *c = calloc(1, sizeof(*c));
	u64 lin = 0x12345000;
	unsigned slot = (lin >> 12) & (TLB_SIZE - 1);

	assert_non_null(c);
	pio_write(&f->m.mem, 0xe4, 4, lin); /* no CPU: nothing to do */
	f->m.cur = c;
	c->tlb[slot].tag = (lin >> 12) + 1;
	pio_write(&f->m.mem, 0xe4, 4, lin);
	assert_int_not_equal(c->tlb[slot].tag, (lin >> 12) + 1);
	f->m.cur = NULL;
	free(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_uart_output),
		T(test_uart_registers),
		T(test_uart_irq),
		T(test_uart_stdin),
		T(test_uart_loopback),
		T(test_debug_exit),
		T(test_shutdown_port),
		T(test_fw_cfg),
		T(test_pic_ports),
		T(test_misc_ports),
		T(test_resets),
		T(test_testdev_scratch),
		T(test_testdev_irq),
		T(test_testdev_iomem),
		T(test_testdev_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
