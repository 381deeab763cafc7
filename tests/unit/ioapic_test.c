/* tests/unit/ioapic_test.c: the I/O APIC (dev/ioapic.c) on a whole machine
 * (tests/unit/harness.h): its registers through the MMIO window at
 * 0xfec00000, requests through the ISA lines and GSIs (dev/irq.h), and
 * what the local APIC of the boot CPU receives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "harness.h"
#include "dev/irq.h"
#include "dev/lapic.h"

#define IOAPIC 0xfec00000ull
#define LAPIC  0xfee00000ull

#define RTE_LEVEL   BIT(15)
#define RTE_MASKED  BIT(16)
#define RTE_RIRR    BIT(14)

static u32 io_read(struct harness *h, u32 reg)
{
	phys_write(&h->m.mem, IOAPIC, 4, reg);
	return (u32)phys_read(&h->m.mem, IOAPIC + 0x10, 4);
}

static void io_write(struct harness *h, u32 reg, u32 val)
{
	phys_write(&h->m.mem, IOAPIC, 4, reg);
	phys_write(&h->m.mem, IOAPIC + 0x10, 4, val);
}

static void set_rte(struct harness *h, int pin, u64 e)
{
	io_write(h, 0x11 + 2 * pin, (u32)(e >> 32));
	io_write(h, 0x10 + 2 * pin, (u32)e);
}

static u32 rte_lo(struct harness *h, int pin) { return io_read(h, 0x10 + 2 * pin); }

static bool apic_bit(struct harness *h, u32 reg, u8 vec)
{
	return (lapic_peek(h->c->apic, reg + (vec >> 5) * 0x10) >> (vec & 31)) & 1;
}
static bool in_irr(struct harness *h, u8 v) { return apic_bit(h, 0x200, v); }
static bool in_tmr(struct harness *h, u8 v) { return apic_bit(h, 0x180, v); }
static int ack(struct harness *h) { return h->c->apic_ops->irq_ack(h->c); }
static void lapic_eoi(struct harness *h) { phys_write(&h->m.mem, LAPIC + 0xb0, 4, 0); }

static int setup(void **state)
{
	struct harness *h = h_new(1);

	/* software-enable the local APIC; no 8259 interrupts (LINT0 masked) */
	phys_write(&h->m.mem, LAPIC + 0xf0, 4, 0x1ff);
	phys_write(&h->m.mem, LAPIC + 0x350, 4, BIT(16));
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	h_delete(*state);
	return 0;
}

/* ID (bits 27:24 writable), version 0x20 with 24 entries (read-only),
 * arbitration ID reading as the ID (QEMU) */
static void test_id_version(void **state)
{
	struct harness *h = *state;

	assert_int_equal(io_read(h, 0), 0);
	assert_int_equal(io_read(h, 1), 0x00170020);
	io_write(h, 1, 0);
	assert_int_equal(io_read(h, 1), 0x00170020);
	io_write(h, 0, 0xffffffff);
	assert_int_equal(io_read(h, 0), 0x0f000000);
	assert_int_equal(io_read(h, 2), 0x0f000000);
	io_write(h, 2, 0);
	assert_int_equal(io_read(h, 2), 0x0f000000);
	assert_int_equal(io_read(h, 0x40), 0); /* beyond the table */
	/* IOREGSEL reads back */
	phys_write(&h->m.mem, IOAPIC, 4, 0x13);
	assert_int_equal(phys_read(&h->m.mem, IOAPIC, 4), 0x13);
}

/* reset: every entry masked; remote IRR and delivery status read-only */
static void test_rte_reset_and_ro(void **state)
{
	struct harness *h = *state;

	for (int pin = 0; pin < 24; pin++) {
		assert_int_equal(rte_lo(h, pin), RTE_MASKED);
		assert_int_equal(io_read(h, 0x11 + 2 * pin), 0);
	}
	set_rte(h, 7, 0xff00000000000000ull | RTE_MASKED | RTE_RIRR | BIT(12) | BIT(13) | 0x0945);
	assert_int_equal(rte_lo(h, 7), RTE_MASKED | BIT(13) | 0x0945);
	assert_int_equal(io_read(h, 0x11 + 14), 0xff000000);
}

/* edge: one message per assertion, none while masked (and a masked
 * edge is lost) */
static void test_edge(void **state)
{
	struct harness *h = *state;

	set_rte(h, 5, 0x40);
	gsi_set_irq(&h->m, 5, 1);
	assert_true(in_irr(h, 0x40));
	assert_false(in_tmr(h, 0x40));
	assert_int_equal(rte_lo(h, 5) & RTE_RIRR, 0);
	assert_int_equal(ack(h), 0x40);
	lapic_eoi(h);
	gsi_set_irq(&h->m, 5, 1); /* asserted again: another edge (QEMU) */
	assert_true(in_irr(h, 0x40));
	assert_int_equal(ack(h), 0x40);
	lapic_eoi(h);
	gsi_set_irq(&h->m, 5, 0);
	assert_false(in_irr(h, 0x40));
	set_rte(h, 5, 0x40 | RTE_MASKED);
	gsi_set_irq(&h->m, 5, 1);
	set_rte(h, 5, 0x40);
	assert_false(in_irr(h, 0x40));
	/* ISA IRQ 0 arrives at pin 2 (MADT override) */
	set_rte(h, 2, 0x41);
	isa_set_irq(&h->m, 0, 1);
	assert_true(in_irr(h, 0x41));
}

/* level: remote IRR set on delivery, cleared by the local APIC's EOI
 * broadcast, and a pin still asserted interrupts again */
static void test_level_remote_irr(void **state)
{
	struct harness *h = *state;

	set_rte(h, 9, RTE_LEVEL | 0x50);
	isa_set_irq(&h->m, 9, 1);
	assert_true(in_irr(h, 0x50));
	assert_true(in_tmr(h, 0x50));
	assert_true(rte_lo(h, 9) & RTE_RIRR);
	assert_int_equal(ack(h), 0x50);
	lapic_eoi(h);
	assert_true(in_irr(h, 0x50)); /* re-asserted */
	assert_true(rte_lo(h, 9) & RTE_RIRR);
	assert_int_equal(ack(h), 0x50);
	isa_set_irq(&h->m, 9, 0);
	lapic_eoi(h);
	assert_false(in_irr(h, 0x50));
	assert_int_equal(rte_lo(h, 9) & RTE_RIRR, 0);
	/* an EOI of another vector leaves remote IRR alone */
	isa_set_irq(&h->m, 9, 1);
	assert_int_equal(ack(h), 0x50);
	set_rte(h, 10, RTE_LEVEL | 0x60);
	isa_set_irq(&h->m, 10, 1);
	assert_int_equal(ack(h), 0x60);
	lapic_eoi(h); /* EOI for 0x60 */
	assert_true(rte_lo(h, 9) & RTE_RIRR);
	assert_true(rte_lo(h, 10) & RTE_RIRR); /* 10 still high: again */
	assert_true(in_irr(h, 0x60));
}

/* the version-0x20 EOI register clears remote IRR for its vector */
static void test_directed_eoi(void **state)
{
	struct harness *h = *state;

	set_rte(h, 11, RTE_LEVEL | 0x70);
	gsi_set_irq(&h->m, 11, 1);
	assert_int_equal(ack(h), 0x70);
	assert_true(rte_lo(h, 11) & RTE_RIRR);
	phys_write(&h->m.mem, IOAPIC + 0x40, 4, 0x71);
	assert_true(rte_lo(h, 11) & RTE_RIRR);
	gsi_set_irq(&h->m, 11, 0);
	phys_write(&h->m.mem, IOAPIC + 0x40, 4, 0x70);
	assert_int_equal(rte_lo(h, 11) & RTE_RIRR, 0);
	assert_false(in_irr(h, 0x70));
}

/* a masked level pin interrupts when unmasked while still asserted */
static void test_level_unmask(void **state)
{
	struct harness *h = *state;

	set_rte(h, 16, RTE_MASKED | RTE_LEVEL | 0x80);
	gsi_set_irq(&h->m, 16, 1);
	assert_false(in_irr(h, 0x80));
	set_rte(h, 16, RTE_LEVEL | 0x80);
	assert_true(in_irr(h, 0x80));
}

/* destinations and delivery modes: a physical destination that is not the
 * BSP, logical flat destinations, NMI */
static void test_destinations(void **state)
{
	struct harness *h = *state;

	set_rte(h, 3, (1ull << 56) | 0x90);
	gsi_set_irq(&h->m, 3, 1);
	assert_false(in_irr(h, 0x90));
	phys_write(&h->m.mem, LAPIC + 0xd0, 4, 0x01000000); /* LDR: bit 0 */
	set_rte(h, 4, (1ull << 56) | BIT(11) | 0x91);
	gsi_set_irq(&h->m, 4, 1);
	assert_true(in_irr(h, 0x91));
	set_rte(h, 6, (0ull << 56) | (4u << 8));
	h->c->nmi_pending = 0;
	gsi_set_irq(&h->m, 6, 1);
	assert_true(h->c->nmi_pending);
}

/* 82093AA "Delivery Mode: ExtINT": the CPU takes the vector from the 8259
 * with an INTA cycle, even with LINT0 masked */
static void test_extint(void **state)
{
	struct harness *h = *state;
	static const struct { u16 port; u8 val; } icw[] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 }, /* base 0x30 */
		{ 0x21, 0xfd },                                                 /* IRQ 1 only */
	};
	for (size_t k = 0; k < ARRAY_SIZE(icw); k++)
		pio_write(&h->m.mem, icw[k].port, 1, icw[k].val);
	assert_int_equal(h->c->apic_ops->irq_pending(h->c), -1);
	set_rte(h, 1, 7u << 8); /* ExtINT, physical destination 0 */
	isa_set_irq(&h->m, 1, 1);
	assert_int_equal(h->c->apic_ops->irq_pending(h->c), 0x31);
	assert_int_equal(ack(h), 0x31);
	isa_set_irq(&h->m, 1, 0);
	/* the message was consumed by the INTA */
	assert_int_equal(h->c->apic_ops->irq_pending(h->c), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_id_version),
		T(test_rte_reset_and_ro),
		T(test_edge),
		T(test_level_remote_irr),
		T(test_directed_eoi),
		T(test_level_unmask),
		T(test_destinations),
		T(test_extint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
