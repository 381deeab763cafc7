/* tests/unit/pic_test.c: the 8259A pair (dev/pic8259.c) on a whole machine
 * (tests/unit/harness.h): programming through ports 0x20/0x21, 0xa0/0xa1
 * and the ELCR, requests through the ISA lines (dev/irq.h), and the answer
 * the boot CPU gets through its local APIC (ExtINT on LINT0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "harness.h"
#include "cpu/system/msr.h"
#include "dev/irq.h"
#include "dev/lapic.h"

#define MBASE 0x20
#define SBASE 0x28

static void outb(struct harness *h, u16 port, u8 v) { pio_write(&h->m.mem, port, 1, v); }
static u8 inb(struct harness *h, u16 port) { return (u8)pio_read(&h->m.mem, port, 1); }

/* the usual PC programming: edge, cascade on IR2, 8086 mode */
static void pic_program(struct harness *h, u8 icw4)
{
	outb(h, 0x20, 0x11);
	outb(h, 0xa0, 0x11);
	outb(h, 0x21, MBASE);
	outb(h, 0xa1, SBASE);
	outb(h, 0x21, 0x04);
	outb(h, 0xa1, 0x02);
	outb(h, 0x21, icw4);
	outb(h, 0xa1, icw4);
	outb(h, 0x21, 0x00);
	outb(h, 0xa1, 0x00);
}

static u8 read_irr(struct harness *h, u16 cmd) { outb(h, cmd, 0x0a); return inb(h, cmd); }
static u8 read_isr(struct harness *h, u16 cmd) { outb(h, cmd, 0x0b); return inb(h, cmd); }

static int pending(struct harness *h) { return h->c->apic_ops->irq_pending(h->c); }
static int ack(struct harness *h) { return h->c->apic_ops->irq_ack(h->c); }

static int setup(void **state)
{
	struct harness *h = h_new(1);

	pic_program(h, 0x01);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	h_delete(*state);
	return 0;
}

/* ICW1 clears IMR; ICW2-4 do not land in it; OCW1 does */
static void test_init_sequence(void **state)
{
	struct harness *h = *state;

	outb(h, 0x21, 0x5a);
	assert_int_equal(inb(h, 0x21), 0x5a);
	outb(h, 0x20, 0x11);
	assert_int_equal(inb(h, 0x21), 0x00);
	outb(h, 0x21, 0x40);
	outb(h, 0x21, 0x04);
	outb(h, 0x21, 0x01);
	assert_int_equal(inb(h, 0x21), 0x00);
	outb(h, 0x21, 0xfe);
	assert_int_equal(inb(h, 0x21), 0xfe);
	/* single mode without ICW4: only ICW2 follows */
	outb(h, 0xa0, 0x12);
	outb(h, 0xa1, 0x70);
	outb(h, 0xa1, 0x3c);
	assert_int_equal(inb(h, 0xa1), 0x3c);
	/* the new base is used: IRQ 0 -> 0x40 */
	outb(h, 0x21, 0x00);
	isa_set_irq(&h->m, 0, 1);
	assert_int_equal(pending(h), 0x40);
}

/* an edge request: IRR, then ISR on INTA; blocked until EOI */
static void test_edge_ack_eoi(void **state)
{
	struct harness *h = *state;

	assert_int_equal(pending(h), -1);
	isa_set_irq(&h->m, 3, 1);
	assert_int_equal(read_irr(h, 0x20), 0x08);
	assert_int_equal(pending(h), MBASE + 3);
	assert_int_equal(ack(h), MBASE + 3);
	assert_int_equal(read_irr(h, 0x20), 0x00);
	assert_int_equal(read_isr(h, 0x20), 0x08);
	assert_int_equal(pending(h), -1);
	/* a new edge while in service waits for the EOI */
	isa_set_irq(&h->m, 3, 0);
	isa_set_irq(&h->m, 3, 1);
	assert_int_equal(read_irr(h, 0x20), 0x08);
	assert_int_equal(pending(h), -1);
	outb(h, 0x20, 0x20); /* non-specific EOI */
	assert_int_equal(read_isr(h, 0x20), 0x00);
	assert_int_equal(pending(h), MBASE + 3);
	/* a line held high does not request again after its INTA */
	assert_int_equal(ack(h), MBASE + 3);
	outb(h, 0x20, 0x20);
	assert_int_equal(pending(h), -1);
	/* a pulse is latched (QEMU: the edge stays in IRR) */
	isa_set_irq(&h->m, 3, 0);
	isa_set_irq(&h->m, 4, 1);
	isa_set_irq(&h->m, 4, 0);
	assert_int_equal(pending(h), MBASE + 4);
}

/* fully nested priorities: lower IR number first; a higher request
 * interrupts a lower one in service, not the reverse */
static void test_priority_nesting(void **state)
{
	struct harness *h = *state;

	isa_set_irq(&h->m, 5, 1);
	isa_set_irq(&h->m, 6, 1);
	assert_int_equal(ack(h), MBASE + 5);
	assert_int_equal(pending(h), -1); /* 6 waits for 5 */
	isa_set_irq(&h->m, 1, 1);
	assert_int_equal(ack(h), MBASE + 1); /* 1 interrupts 5 */
	assert_int_equal(read_isr(h, 0x20), 0x22);
	outb(h, 0x20, 0x20); /* clears the highest: IR1 */
	assert_int_equal(read_isr(h, 0x20), 0x20);
	outb(h, 0x20, 0x65); /* specific EOI for IR5 */
	assert_int_equal(read_isr(h, 0x20), 0x00);
	assert_int_equal(ack(h), MBASE + 6);
}

static void test_mask(void **state)
{
	struct harness *h = *state;

	outb(h, 0x21, 0x10);
	isa_set_irq(&h->m, 4, 1);
	assert_int_equal(read_irr(h, 0x20), 0x10);
	assert_int_equal(pending(h), -1);
	outb(h, 0x21, 0x00);
	assert_int_equal(pending(h), MBASE + 4);
	/* the slave masked through the master's IR2 */
	outb(h, 0x21, 0x04);
	isa_set_irq(&h->m, 4, 0);
	isa_set_irq(&h->m, 9, 1);
	assert_int_equal(pending(h), MBASE + 4);
	outb(h, 0x21, 0x14);
	assert_int_equal(pending(h), -1);
	outb(h, 0x21, 0x10);
	assert_int_equal(pending(h), SBASE + 1);
}

/* cascade: the slave's request arrives through master IR2 */
static void test_cascade(void **state)
{
	struct harness *h = *state;

	isa_set_irq(&h->m, 10, 1);
	assert_int_equal(read_irr(h, 0xa0), 0x04);
	assert_int_equal(read_irr(h, 0x20), 0x04);
	assert_int_equal(ack(h), SBASE + 2);
	assert_int_equal(read_isr(h, 0xa0), 0x04);
	assert_int_equal(read_isr(h, 0x20), 0x04);
	/* another slave request waits for both EOIs */
	isa_set_irq(&h->m, 9, 1);
	assert_int_equal(pending(h), -1);
	outb(h, 0xa0, 0x20);
	assert_int_equal(pending(h), -1);
	outb(h, 0x20, 0x20);
	assert_int_equal(ack(h), SBASE + 1);
}

/* ELCR: level inputs follow their line; a request gone before INTA gives
 * the spurious IR7 (master) or IR15 (slave: the master's IR2 is taken) */
static void test_level_and_spurious(void **state)
{
	struct harness *h = *state;

	outb(h, 0x4d0, 0xff);
	outb(h, 0x4d1, 0xff);
	assert_int_equal(inb(h, 0x4d0), 0xf8); /* IRQ 0, 1, 2 always edge */
	assert_int_equal(inb(h, 0x4d1), 0xde); /* IRQ 8, 13 always edge */
	outb(h, 0x4d0, 0x08);
	outb(h, 0x4d1, 0x04);
	isa_set_irq(&h->m, 3, 1);
	assert_int_equal(read_irr(h, 0x20), 0x08);
	assert_int_equal(ack(h), MBASE + 3);
	assert_int_equal(read_irr(h, 0x20), 0x08); /* still high */
	outb(h, 0x20, 0x20);
	assert_int_equal(pending(h), MBASE + 3); /* re-asserts after EOI */
	isa_set_irq(&h->m, 3, 0);
	assert_int_equal(read_irr(h, 0x20), 0x00);
	assert_int_equal(pending(h), -1);
	assert_int_equal(read_isr(h, 0x20), 0x00);
	/* slave: the cascade edge is latched at the master, IRQ 10 falls */
	isa_set_irq(&h->m, 10, 1);
	isa_set_irq(&h->m, 10, 0);
	assert_int_equal(read_irr(h, 0x20), 0x04);
	assert_int_equal(ack(h), SBASE + 7); /* spurious IRQ 15 */
	assert_int_equal(read_isr(h, 0xa0), 0x00);
	assert_int_equal(read_isr(h, 0x20), 0x04);
}

/* OCW2 rotation: "set priority" and rotate on non-specific EOI */
static void test_rotation(void **state)
{
	struct harness *h = *state;

	outb(h, 0x20, 0xc4); /* IR4 lowest: IR5 highest */
	isa_set_irq(&h->m, 1, 1);
	isa_set_irq(&h->m, 6, 1);
	assert_int_equal(ack(h), MBASE + 6);
	outb(h, 0x20, 0xa0); /* rotate on non-specific EOI: IR6 lowest */
	assert_int_equal(read_isr(h, 0x20), 0x00);
	isa_set_irq(&h->m, 6, 0);
	isa_set_irq(&h->m, 6, 1);
	assert_int_equal(ack(h), MBASE + 1); /* IR7, 0, 1, ... before 6 */
	outb(h, 0x20, 0xe1); /* rotate on specific EOI for IR1: IR1 lowest */
	assert_int_equal(read_isr(h, 0x20), 0x00);
	assert_int_equal(ack(h), MBASE + 6);
}

/* automatic EOI (ICW4 bit 1): no ISR bit */
static void test_auto_eoi(void **state)
{
	struct harness *h = *state;

	pic_program(h, 0x03);
	isa_set_irq(&h->m, 5, 1);
	assert_int_equal(ack(h), MBASE + 5);
	assert_int_equal(read_isr(h, 0x20), 0x00);
	isa_set_irq(&h->m, 6, 1);
	assert_int_equal(ack(h), MBASE + 6);
}

/* special fully nested mode (master ICW4 bit 4): a higher slave request
 * nests while the cascade input is in service; without it, it waits */
static void test_special_fully_nested(void **state)
{
	struct harness *h = *state;

	isa_set_irq(&h->m, 12, 1);
	assert_int_equal(ack(h), SBASE + 4);
	isa_set_irq(&h->m, 9, 1);
	assert_int_equal(pending(h), -1);
	outb(h, 0xa0, 0x20);
	outb(h, 0x20, 0x20);
	assert_int_equal(ack(h), SBASE + 1);
	outb(h, 0xa0, 0x20);
	outb(h, 0x20, 0x20);
	isa_set_irq(&h->m, 9, 0);
	isa_set_irq(&h->m, 12, 0);

	outb(h, 0x20, 0x11); /* master: SFNM */
	outb(h, 0x21, MBASE);
	outb(h, 0x21, 0x04);
	outb(h, 0x21, 0x11);
	isa_set_irq(&h->m, 12, 1);
	assert_int_equal(ack(h), SBASE + 4);
	isa_set_irq(&h->m, 9, 1);
	assert_int_equal(pending(h), SBASE + 1);
	assert_int_equal(ack(h), SBASE + 1);
	assert_int_equal(read_isr(h, 0xa0), 0x12);
}

/* poll command: the next read acknowledges and returns 0x80 | IR */
static void test_poll(void **state)
{
	struct harness *h = *state;

	outb(h, 0x21, 0xff);
	isa_set_irq(&h->m, 6, 1);
	outb(h, 0x20, 0x0c);
	assert_int_equal(inb(h, 0x20), 0x00); /* masked: nothing */
	outb(h, 0x21, 0x00);
	outb(h, 0x20, 0x0c);
	assert_int_equal(inb(h, 0x20), 0x86);
	assert_int_equal(read_isr(h, 0x20), 0x40);
	/* without a poll command, reads are status again */
	assert_int_equal(inb(h, 0x21), 0x00);
}

/* special mask mode: a masked in-service level does not block lower ones */
static void test_special_mask(void **state)
{
	struct harness *h = *state;

	isa_set_irq(&h->m, 3, 1);
	assert_int_equal(ack(h), MBASE + 3);
	isa_set_irq(&h->m, 5, 1);
	assert_int_equal(pending(h), -1);
	outb(h, 0x21, 0x08);
	outb(h, 0x20, 0x68); /* set special mask */
	assert_int_equal(pending(h), MBASE + 5);
	outb(h, 0x20, 0x48); /* reset special mask */
	assert_int_equal(pending(h), -1);
}

/* ICW1 resets the edge sense: a line still high must fall and rise */
static void test_edge_sense_reset(void **state)
{
	struct harness *h = *state;

	isa_set_irq(&h->m, 4, 1);
	pic_program(h, 0x01);
	assert_int_equal(read_irr(h, 0x20), 0x00);
	isa_set_irq(&h->m, 4, 1);
	assert_int_equal(pending(h), -1);
	isa_set_irq(&h->m, 4, 0);
	isa_set_irq(&h->m, 4, 1);
	assert_int_equal(pending(h), MBASE + 4);
}

/* 64-bit code with IF=1 takes the PIC's vector through the IDT: with
 * LINT0 in ExtINT mode, with the APIC globally disabled (LINT0 is INTR),
 * and not with LINT0 masked */
static void test_cpu_delivery(void **state)
{
	struct harness *h = *state;
	static const u8 code[] = { 0xfb, 0x90, 0x90, 0x90 }; /* sti; nop x3 */
	struct cpu *c = h->c;
	u64 base = cpu_apic_base(c);

	isa_set_irq(&h->m, 4, 1);
	assert_int_equal(h_exec(h, code, sizeof(code)), MBASE + 4);
	outb(h, 0x20, 0x20);
	isa_set_irq(&h->m, 4, 0);

	assert_int_equal(c->apic_ops->msr_write(c, MSR_IA32_APIC_BASE, base & ~APIC_BASE_EN), 0);
	isa_set_irq(&h->m, 5, 1);
	c->gpr[RSP] = H_STACK;
	c->activity = ACT_ACTIVE; /* the vector's HLT ran */
	assert_int_equal(h_exec(h, code, sizeof(code)), MBASE + 5);
	outb(h, 0x20, 0x20);
	isa_set_irq(&h->m, 5, 0);

	/* re-enabled: the LVT is back at its reset value (masked) */
	assert_int_equal(c->apic_ops->msr_write(c, MSR_IA32_APIC_BASE, base), 0);
	isa_set_irq(&h->m, 6, 1);
	c->gpr[RSP] = H_STACK;
	c->activity = ACT_ACTIVE; /* the vector's HLT ran */
	assert_int_equal(h_exec(h, code, sizeof(code)), -1);
	assert_int_equal(pending(h), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_sequence),
		T(test_edge_ack_eoi),
		T(test_priority_nesting),
		T(test_mask),
		T(test_cascade),
		T(test_level_and_spurious),
		T(test_rotation),
		T(test_auto_eoi),
		T(test_special_fully_nested),
		T(test_poll),
		T(test_special_mask),
		T(test_edge_sense_reset),
		T(test_cpu_delivery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
