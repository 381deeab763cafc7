/* tests/unit/lapic_test.c: the local APIC register model (dev/lapic.c) on a
 * two-vCPU machine built by hand: physmem, a "max" CPU model, two struct
 * cpu with their APICs. Virtual time is moved by hand (m.clock.ns). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/model.h"
#include "dev/lapic.h"
#include "machine/machine.h"

#define BASE 0xfee00000ull

struct fix {
	struct machine m;
	struct cpu *c[2];
};

static struct fix *fix_new(const char *model)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[128];

	assert_non_null(f);
	assert_int_equal(physmem_init(&f->m.mem, 16 << 20), 0);
	assert_int_equal(cpu_model_parse(&f->m.model, model, err, sizeof(err)), 0);
	f->m.clock.tsc_hz = 1000000000ull;
	f->m.nr_cpus = 2;
	for (int i = 0; i < 2; i++) {
		struct cpu *c = calloc(1, sizeof(*c));

		assert_non_null(c);
		c->machine = &f->m;
		c->model = &f->m.model;
		c->index = (u32)i;
		c->deadline = ~0ull;
		f->m.cpus[i] = f->c[i] = c;
		lapic_create(&f->m, c);
	}
	f->m.cur = f->c[0];
	return f;
}

static int setup(void **state)
{
	*state = fix_new("max");
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (int i = 0; i < 2; i++) {
		free(f->c[i]->apic);
		free(f->c[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(f->m.devs); i++)
		free(f->m.devs[i]);
	physmem_free(&f->m.mem);
	free(f);
	return 0;
}

/* xAPIC MMIO as the vCPU f->m.cur sees it */
static u32 rd(struct fix *f, u32 off) { return (u32)phys_read(&f->m.mem, BASE + off, 4); }
static void wr(struct fix *f, u32 off, u32 v) { phys_write(&f->m.mem, BASE + off, 4, v); }

static int rdmsr(struct cpu *c, u32 msr, u64 *v) { return c->apic_ops->msr_read(c, msr, v); }
static int wrmsr(struct cpu *c, u32 msr, u64 v) { return c->apic_ops->msr_write(c, msr, v); }

static u64 msr(struct cpu *c, u32 idx)
{
	u64 v = 0;

	assert_int_equal(rdmsr(c, idx, &v), 0);
	return v;
}

static void advance(struct fix *f, u64 ns)
{
	f->m.clock.ns += ns;
	clock_run_timers(&f->m);
}

static bool irr(struct fix *f, u8 v) { return rd(f, 0x200 + (v >> 5) * 0x10) & (1u << (v & 31)); }
static bool isr(struct fix *f, u8 v) { return rd(f, 0x100 + (v >> 5) * 0x10) & (1u << (v & 31)); }
static bool tmr(struct fix *f, u8 v) { return rd(f, 0x180 + (v >> 5) * 0x10) & (1u << (v & 31)); }

static void self_ipi(struct fix *f, u8 vec) { wr(f, 0x300, 0x40000 | vec); }
static void sw_enable(struct fix *f) { wr(f, 0xf0, 0x1ff); }

static void enable_x2apic(struct cpu *c)
{
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, msr(c, MSR_IA32_APIC_BASE) | APIC_BASE_EXTD), 0);
}

/* SDM "Local APIC State After Power-Up or Reset" */
static void test_reset_state(void **state)
{
	struct fix *f = *state;

	assert_int_equal(msr(f->c[0], MSR_IA32_APIC_BASE), 0xfee00900);
	assert_int_equal(msr(f->c[1], MSR_IA32_APIC_BASE), 0xfee00800);
	assert_int_equal(rd(f, 0x20), 0);
	assert_int_equal(rd(f, 0x30), 0x50014);
	assert_int_equal(rd(f, 0x80), 0);
	assert_int_equal(rd(f, 0xe0), 0xffffffff);
	assert_int_equal(rd(f, 0xf0), 0xff);
	assert_int_equal(rd(f, 0x320), 0x10000);
	assert_int_equal(rd(f, 0x350), 0x700); /* BSP LINT0: ExtINT, as QEMU */
	assert_int_equal(rd(f, 0x370), 0x10000);
	f->m.cur = f->c[1];
	assert_int_equal(rd(f, 0x20), 1u << 24);
	assert_int_equal(rd(f, 0x350), 0x10000);
}

/* SDM "Task and Processor Priorities", "Interrupt Acceptance for Fixed
 * Interrupts" */
static void test_priority(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	sw_enable(f);
	wr(f, 0x80, 0x20);
	self_ipi(f, 0x25);
	assert_true(irr(f, 0x25));
	assert_int_equal(c->apic_ops->irq_pending(c), -1); /* class 2 <= TPR class 2 */
	wr(f, 0x80, 0x1f);
	assert_int_equal(c->apic_ops->irq_pending(c), 0x25);
	assert_int_equal(c->apic_ops->irq_ack(c), 0x25);
	assert_false(irr(f, 0x25));
	assert_true(isr(f, 0x25));
	assert_int_equal(rd(f, 0xa0), 0x20); /* PPR = ISRV class */
	self_ipi(f, 0x21);
	assert_int_equal(c->apic_ops->irq_pending(c), -1); /* same class as in service */
	self_ipi(f, 0x31);
	assert_int_equal(c->apic_ops->irq_pending(c), 0x31);
	assert_int_equal(c->apic_ops->irq_ack(c), 0x31);
	assert_int_equal(rd(f, 0xa0), 0x30);
	wr(f, 0x80, 0x45);
	assert_int_equal(rd(f, 0xa0), 0x45); /* PPR = TPR when TPR class is higher */
	wr(f, 0x80, 0);
	/* EOI clears the highest ISR bit only */
	wr(f, 0xb0, 0);
	assert_false(isr(f, 0x31));
	assert_true(isr(f, 0x25));
	assert_int_equal(c->apic_ops->irq_pending(c), -1);
	wr(f, 0xb0, 0);
	assert_false(isr(f, 0x25));
	assert_int_equal(c->apic_ops->irq_pending(c), 0x21);
	assert_int_equal(rd(f, 0xa0), 0);
	/* nothing deliverable: INTA returns the spurious vector, no ISR bit */
	wr(f, 0x80, 0xf0);
	assert_int_equal(c->apic_ops->irq_ack(c), 0xff);
	assert_true(irr(f, 0x21));
}

static void test_accept_stops_cpu(void **state)
{
	struct fix *f = *state;

	sw_enable(f);
	f->c[0]->deadline = 1234;
	self_ipi(f, 0x40);
	assert_int_equal(f->c[0]->deadline, 0);
}

/* SDM "Task Priority in IA-32e Mode" */
static void test_cr8(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	c->apic_ops->set_cr8(c, 5);
	assert_int_equal(rd(f, 0x80), 0x50);
	wr(f, 0x80, 0x3f);
	assert_int_equal(c->apic_ops->get_cr8(c), 3);
}

/* SDM "Local APIC State After It Has Been Software Disabled" */
static void test_software_disable(void **state)
{
	struct fix *f = *state;

	self_ipi(f, 0x40); /* SPIV bit 8 clear at reset */
	assert_false(irr(f, 0x40));
	wr(f, 0x320, 0x40);
	assert_int_equal(rd(f, 0x320), 0x10040); /* mask cannot be cleared */
	sw_enable(f);
	wr(f, 0x320, 0x40);
	assert_int_equal(rd(f, 0x320), 0x40);
	wr(f, 0x340, 0x41);
	wr(f, 0xf0, 0xff);
	assert_int_equal(rd(f, 0x320), 0x10040); /* disabling masks every LVT */
	assert_int_equal(rd(f, 0x340), 0x10041);
}

/* SDM "Local APIC Status and Location", "x2APIC State Transitions" */
static void test_apic_base_gp(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];
	u64 xapic = 0xfee00000 | APIC_BASE_BSP | APIC_BASE_EN;
	u64 x2apic = xapic | APIC_BASE_EXTD;
	u64 disabled = 0xfee00000 | APIC_BASE_BSP;
	u64 invalid = disabled | APIC_BASE_EXTD;

	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic | 1), -1);    /* reserved 7:0 */
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic | BIT(9)), -1);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic | BIT(40)), -1); /* >= MAXPHYADDR */
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, invalid), -1);
	assert_int_equal(msr(c, MSR_IA32_APIC_BASE), xapic);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, x2apic), 0);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic), -1);  /* x2APIC -> xAPIC */
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, invalid), -1);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, disabled), 0);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, x2apic), -1); /* disabled -> x2APIC */
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, invalid), -1);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic), 0);
	assert_int_equal(msr(c, MSR_IA32_APIC_BASE), xapic);
	assert_int_equal(cpu_apic_base(c), xapic); /* what CPUID and INIT see */
}

static void test_apic_base_no_x2apic(void **state)
{
	struct fix *f = fix_new("max,-x2apic");
	struct cpu *c = f->c[0];

	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, msr(c, MSR_IA32_APIC_BASE) | APIC_BASE_EXTD), -1);
	*state = f;
}

/* relocation of the MMIO page; the old page no longer decodes */
static void test_relocate(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, 0xbff00000ull | APIC_BASE_BSP | APIC_BASE_EN), 0);
	assert_int_equal(phys_read(&f->m.mem, 0xbff00030, 4), 0x50014);
	assert_int_equal(rd(f, 0x30), 0xffffffff);
	/* the other vCPU's APIC is still at the default page */
	f->m.cur = f->c[1];
	assert_int_equal(rd(f, 0x30), 0x50014);
	assert_int_equal(phys_read(&f->m.mem, 0xbff00030, 4), 0xffffffff);
}

/* a globally disabled APIC: no MMIO page, registers reset on re-enable,
 * CR8 keeps working */
static void test_hw_disable(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	sw_enable(f);
	wr(f, 0x80, 0x30);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_BSP), 0);
	assert_int_equal(rd(f, 0x30), 0xffffffff);
	wr(f, 0xf0, 0x1ff); /* dropped */
	assert_int_equal(c->apic_ops->get_cr8(c), 0); /* registers were reset */
	c->apic_ops->set_cr8(c, 7);
	assert_int_equal(c->apic_ops->get_cr8(c), 7);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_BSP | APIC_BASE_EN), 0);
	assert_int_equal(rd(f, 0xf0), 0xff);
	assert_int_equal(rd(f, 0x80), 0x70); /* what CR8 wrote meanwhile */
	assert_int_equal(rd(f, 0x30), 0x50014);
}

/* SDM "x2APIC Register Availability", "x2APIC Register Address Space",
 * "Reserved Bit Checking" */
static void test_x2apic_msrs(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[1];
	u64 v;

	f->m.cur = c;
	assert_int_equal(rdmsr(c, 0x802, &v), -1); /* xAPIC mode */
	assert_int_equal(wrmsr(c, 0x808, 0), -1);
	enable_x2apic(c);
	assert_int_equal(rd(f, 0x30), 0xffffffff); /* no MMIO in x2APIC mode */
	assert_int_equal(msr(c, 0x802), 1);
	assert_int_equal(msr(c, 0x803), 0x50014);
	assert_int_equal(msr(c, 0x80d), 0x00000002); /* cluster 0, bit 1 */
	assert_int_equal(wrmsr(c, 0x802, 5), -1);   /* read-only */
	assert_int_equal(wrmsr(c, 0x80d, 1), -1);
	assert_int_equal(wrmsr(c, 0x803, 0), -1);
	assert_int_equal(rdmsr(c, 0x80b, &v), -1);  /* EOI write-only */
	assert_int_equal(wrmsr(c, 0x80b, 1), -1);   /* non-zero EOI */
	assert_int_equal(wrmsr(c, 0x80b, 0), 0);
	assert_int_equal(rdmsr(c, 0x809, &v), -1);  /* APR: none */
	assert_int_equal(rdmsr(c, 0x80c, &v), -1);  /* RRD: none */
	assert_int_equal(rdmsr(c, 0x80e, &v), -1);  /* DFR: none */
	assert_int_equal(rdmsr(c, 0x831, &v), -1);  /* ICR high: none */
	assert_int_equal(rdmsr(c, 0x82f, &v), -1);  /* CMCI: max LVT 5 */
	assert_int_equal(rdmsr(c, 0x8ff, &v), -1);
	assert_int_equal(rdmsr(c, 0x83f, &v), -1);  /* SELF IPI write-only */
	assert_int_equal(wrmsr(c, 0x808, 0x100), -1); /* TPR bits 31:8 */
	assert_int_equal(wrmsr(c, 0x808, 1ull << 32), -1);
	assert_int_equal(wrmsr(c, 0x808, 0x20), 0);
	assert_int_equal(msr(c, 0x808), 0x20);
	assert_int_equal(wrmsr(c, 0x828, 1), -1);   /* ESR: only 0 */
	assert_int_equal(wrmsr(c, 0x828, 0), 0);
	assert_int_equal(wrmsr(c, 0x80f, 0x11ff), -1); /* no directed EOI */
	assert_int_equal(wrmsr(c, 0x80f, 0x1ff), 0);
	assert_int_equal(wrmsr(c, 0x832, 0x1000), -1); /* LVT timer delivery status */
	assert_int_equal(wrmsr(c, 0x83e, 4), -1);     /* TDCR bit 2 */
	assert_int_equal(wrmsr(c, 0x839, 0), -1);     /* current count read-only */
	assert_int_equal(wrmsr(c, 0x83f, 0x100), -1); /* SELF IPI bits 31:8 */
	assert_int_equal(wrmsr(c, 0x808, 0), 0);
	assert_int_equal(wrmsr(c, 0x83f, 0x45), 0);
	assert_int_equal(msr(c, 0x822), 1u << 5); /* IRR bit 0x45 */
	assert_int_equal(c->apic_ops->irq_pending(c), 0x45);
	/* ICR: one 64-bit MSR, reserved bits fault */
	assert_int_equal(wrmsr(c, 0x830, 0x2000 | 0x50), -1);
	assert_int_equal(wrmsr(c, 0x830, (1ull << 32) | 0x50), 0);
	assert_int_equal(msr(c, 0x830), (1ull << 32) | 0x50);
	assert_int_equal(c->apic_ops->irq_pending(c), 0x50); /* physical dest 1 = self */
}

/* x2APIC -> disabled -> xAPIC: only the ID survives */
static void test_x2apic_roundtrip(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	enable_x2apic(c);
	assert_int_equal(wrmsr(c, 0x80f, 0x1ff), 0);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_BSP), 0);
	assert_int_equal(rdmsr(c, 0x80f, &(u64){ 0 }), -1);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_BSP | APIC_BASE_EN), 0);
	assert_int_equal(rd(f, 0xf0), 0xff);
	assert_int_equal(rd(f, 0xd0), 0);
}

/* SDM "APIC Timer": one-shot, divide configuration */
static void test_timer_oneshot(void **state)
{
	struct fix *f = *state;

	sw_enable(f);
	wr(f, 0x320, 0x40);
	wr(f, 0x3e0, 0xb); /* divide by 1 */
	wr(f, 0x380, 1000);
	assert_int_equal(rd(f, 0x390), 1000);
	advance(f, 400);
	assert_int_equal(rd(f, 0x390), 600);
	assert_false(irr(f, 0x40));
	advance(f, 599);
	assert_false(irr(f, 0x40));
	advance(f, 1);
	assert_true(irr(f, 0x40));
	assert_int_equal(rd(f, 0x390), 0);
	assert_int_equal(rd(f, 0x380), 1000);
	f->c[0]->apic_ops->irq_ack(f->c[0]);
	wr(f, 0xb0, 0);
	advance(f, 5000);
	assert_false(irr(f, 0x40)); /* one shot only */
	/* initial count 0 stops the timer */
	wr(f, 0x380, 100);
	wr(f, 0x380, 0);
	advance(f, 200);
	assert_false(irr(f, 0x40));
}

static void test_timer_divide(void **state)
{
	struct fix *f = *state;
	/* TDCR value -> divisor: bits 0, 1, 3 (SDM "Divide Configuration Register") */
	static const struct { u32 tdcr, div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	sw_enable(f);
	wr(f, 0x320, 0x10040);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		wr(f, 0x3e0, t[i].tdcr);
		assert_int_equal(rd(f, 0x3e0), t[i].tdcr);
		wr(f, 0x380, 100000);
		advance(f, 1280);
		assert_int_equal(rd(f, 0x390), 100000 - 1280 / t[i].div);
	}
	wr(f, 0x3e0, 0xff);
	assert_int_equal(rd(f, 0x3e0), 0xb); /* reserved bits read 0 */
	/* changing the divider keeps the count and goes on at the new rate */
	wr(f, 0x3e0, 0xb);
	wr(f, 0x380, 1000);
	advance(f, 100);
	wr(f, 0x3e0, 0x0);
	assert_int_equal(rd(f, 0x390), 900);
	advance(f, 200);
	assert_int_equal(rd(f, 0x390), 800);
}

static void test_timer_periodic(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	sw_enable(f);
	wr(f, 0x320, 0x20040);
	wr(f, 0x3e0, 0xb);
	wr(f, 0x380, 100);
	for (int i = 0; i < 3; i++) {
		advance(f, 99);
		assert_false(irr(f, 0x40));
		advance(f, 1);
		assert_true(irr(f, 0x40));
		assert_int_equal(c->apic_ops->irq_ack(c), 0x40);
		wr(f, 0xb0, 0);
	}
	advance(f, 30);
	assert_int_equal(rd(f, 0x390), 70); /* reloaded */
	/* a masked timer still counts, but delivers nothing */
	wr(f, 0x320, 0x30040);
	advance(f, 500);
	assert_false(irr(f, 0x40));
	wr(f, 0x320, 0x20040);
	advance(f, 100);
	assert_true(irr(f, 0x40));
}

/* SDM "APIC Timer": switching between one-shot and periodic does not
 * restart the count: it goes on from the current count, and a one-shot
 * count that reached 0 stays 0 (kvm-unit-tests apic.flat "TMCCT should
 * stay at zero") */
static void test_timer_mode_switch(void **state)
{
	struct fix *f = *state;

	sw_enable(f);
	wr(f, 0x3e0, 0xb);
	wr(f, 0x320, 0x10040);          /* one-shot, masked */
	wr(f, 0x380, 100);
	advance(f, 150);
	assert_int_equal(rd(f, 0x390), 0);
	wr(f, 0x320, 0x30040);          /* periodic, masked */
	assert_int_equal(rd(f, 0x390), 0);
	advance(f, 50);
	assert_int_equal(rd(f, 0x390), 0);
	wr(f, 0x380, 100);              /* periodic from 100 */
	advance(f, 130);
	assert_int_equal(rd(f, 0x390), 70);
	wr(f, 0x320, 0x10040);          /* one-shot: on from 70, no reload */
	assert_int_equal(rd(f, 0x390), 70);
	advance(f, 60);
	assert_int_equal(rd(f, 0x390), 10);
	advance(f, 50);
	assert_int_equal(rd(f, 0x390), 0);
}

/* SDM "State Changes From xAPIC Mode to x2APIC Mode": the ID register then
 * holds the x2APIC ID; back in xAPIC mode (through disabled mode) the xAPIC
 * ID is the initial APIC ID, not one written before (kvm-unit-tests
 * apic.flat "correct xapic id after reset") */
static void test_xapic_id_after_x2apic(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];
	u64 xapic = msr(c, MSR_IA32_APIC_BASE);

	wr(f, 0x20, 5u << 24);
	assert_int_equal(rd(f, 0x20), 5u << 24);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic | APIC_BASE_EXTD), 0);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic & ~(APIC_BASE_EN | APIC_BASE_EXTD)), 0);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, xapic), 0);
	assert_int_equal(rd(f, 0x20), 0);
}

/* SDM "TSC-Deadline Mode" */
static void test_timer_tsc_deadline(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];
	u64 now;

	sw_enable(f);
	assert_int_equal(wrmsr(c, MSR_IA32_TSC_DEADLINE, 12345), 0);
	assert_int_equal(msr(c, MSR_IA32_TSC_DEADLINE), 0); /* not in deadline mode */
	wr(f, 0x320, 0x40040);
	assert_int_equal(rd(f, 0x320), 0x40040);
	wr(f, 0x380, 100); /* ignored in TSC-deadline mode */
	assert_int_equal(rd(f, 0x380), 0);
	advance(f, 1000);
	now = clock_tsc(&f->m);
	assert_int_equal(wrmsr(c, MSR_IA32_TSC_DEADLINE, now + 500), 0);
	assert_int_equal(msr(c, MSR_IA32_TSC_DEADLINE), now + 500);
	advance(f, 499);
	assert_false(irr(f, 0x40));
	advance(f, 1);
	assert_true(irr(f, 0x40));
	assert_int_equal(msr(c, MSR_IA32_TSC_DEADLINE), 0); /* cleared on expiry */
	c->apic_ops->irq_ack(c);
	wr(f, 0xb0, 0);
	/* a deadline already passed fires at once */
	assert_int_equal(wrmsr(c, MSR_IA32_TSC_DEADLINE, clock_tsc(&f->m)), 0);
	assert_true(irr(f, 0x40));
	c->apic_ops->irq_ack(c);
	wr(f, 0xb0, 0);
	/* 0 disarms */
	assert_int_equal(wrmsr(c, MSR_IA32_TSC_DEADLINE, clock_tsc(&f->m) + 10), 0);
	assert_int_equal(wrmsr(c, MSR_IA32_TSC_DEADLINE, 0), 0);
	advance(f, 100);
	assert_false(irr(f, 0x40));
	/* leaving TSC-deadline mode disarms */
	assert_int_equal(wrmsr(c, MSR_IA32_TSC_DEADLINE, clock_tsc(&f->m) + 10), 0);
	wr(f, 0x320, 0x40);
	advance(f, 100);
	assert_false(irr(f, 0x40));
	wr(f, 0x320, 0x40040);
	assert_int_equal(msr(c, MSR_IA32_TSC_DEADLINE), 0);
}

static void test_tsc_deadline_absent(void **state)
{
	struct fix *f = fix_new("max,-tsc-deadline");
	struct cpu *c = f->c[0];
	u64 v;

	*state = f;
	assert_int_equal(rdmsr(c, MSR_IA32_TSC_DEADLINE, &v), -1);
	assert_int_equal(wrmsr(c, MSR_IA32_TSC_DEADLINE, 1), -1);
	sw_enable(f);
	wr(f, 0x320, 0x40040);
	assert_int_equal(rd(f, 0x320), 0x00040); /* mode bit 18 reserved */
}

/* SDM "Issuing Interprocessor Interrupts", "Determining IPI Destination" */
static void test_ipi_destinations(void **state)
{
	struct fix *f = *state;
	struct cpu *c0 = f->c[0], *c1 = f->c[1];

	f->m.cur = c1;
	sw_enable(f);
	wr(f, 0xd0, 0x02000000); /* logical ID bit 1 */
	f->m.cur = c0;
	sw_enable(f);
	wr(f, 0xd0, 0x01000000);
	/* physical */
	wr(f, 0x310, 1u << 24);
	wr(f, 0x300, 0x4050);
	assert_int_equal(c1->apic_ops->irq_pending(c1), 0x50);
	assert_int_equal(c0->apic_ops->irq_pending(c0), -1);
	assert_int_equal(rd(f, 0x300) & BIT(12), 0); /* delivery status idle */
	c1->apic_ops->irq_ack(c1);
	f->m.cur = c1;
	wr(f, 0xb0, 0);
	f->m.cur = c0;
	/* logical flat */
	wr(f, 0x310, 0x03u << 24);
	wr(f, 0x300, 0x4851);
	assert_int_equal(c0->apic_ops->irq_pending(c0), 0x51);
	assert_int_equal(c1->apic_ops->irq_pending(c1), 0x51);
	c0->apic_ops->irq_ack(c0);
	c1->apic_ops->irq_ack(c1);
	wr(f, 0xb0, 0);
	f->m.cur = c1;
	wr(f, 0xb0, 0);
	f->m.cur = c0;
	/* all excluding self */
	wr(f, 0x300, 0xc4052);
	assert_int_equal(c1->apic_ops->irq_pending(c1), 0x52);
	assert_int_equal(c0->apic_ops->irq_pending(c0), -1);
	/* broadcast physical 0xff */
	wr(f, 0x310, 0xffu << 24);
	wr(f, 0x300, 0x4053);
	assert_int_equal(c0->apic_ops->irq_pending(c0), 0x53);
	/* logical cluster model: cluster 0, member bit 0 */
	wr(f, 0xe0, 0x0fffffff);
	assert_int_equal(rd(f, 0xe0), 0x0fffffff);
	wr(f, 0xd0, 0x01000000);
	f->m.cur = c1;
	wr(f, 0xe0, 0x0fffffff);
	wr(f, 0xd0, 0x12000000); /* cluster 1 */
	f->m.cur = c0;
	wr(f, 0x310, 0x01u << 24);
	wr(f, 0x300, 0x4860);
	assert_true(irr(f, 0x60));
	f->m.cur = c1;
	assert_false(irr(f, 0x60));
}

/* SDM "Arbitration Priority Register (APR)": lowest-priority delivery goes
 * to the destination with the lowest APR (TPR, or the class of the
 * highest IRR/ISR vector when above it); ties to the lowest vCPU */
static void test_lowest_priority(void **state)
{
	struct fix *f = *state;
	struct cpu *c0 = f->c[0], *c1 = f->c[1];

	f->m.cur = c1;
	sw_enable(f);
	wr(f, 0xd0, 0x02000000);
	wr(f, 0x80, 0x20);
	f->m.cur = c0;
	sw_enable(f);
	wr(f, 0xd0, 0x01000000);
	wr(f, 0x80, 0x30);
	wr(f, 0x310, 0x03u << 24);
	wr(f, 0x300, 0x4941); /* lowest priority, logical 0x03 */
	assert_int_equal(c1->apic_ops->irq_pending(c1), 0x41);
	assert_false(irr(f, 0x41));
	/* c1's pending 0x41 (class 4) now outranks c0's TPR 0x30 */
	f->m.cur = c1;
	wr(f, 0x80, 0);
	f->m.cur = c0;
	wr(f, 0x300, 0x4942);
	assert_true(irr(f, 0x42));
	/* equal APRs: the lowest-numbered vCPU */
	c0->apic_ops->irq_ack(c0);
	wr(f, 0xb0, 0);
	c1->apic_ops->irq_ack(c1);
	f->m.cur = c1;
	wr(f, 0xb0, 0);
	f->m.cur = c0;
	wr(f, 0x80, 0);
	wr(f, 0x300, 0x4943);
	assert_true(irr(f, 0x43));
	assert_int_equal(c1->apic_ops->irq_pending(c1), -1);
}

/* an IPI to another vCPU ends the sender's turn (machine/machine.c runs
 * the vCPUs in turns); a self-IPI does not */
static void test_ipi_ends_turn(void **state)
{
	struct fix *f = *state;
	struct cpu *c0 = f->c[0], *c1 = f->c[1];

	f->m.cur = c1;
	sw_enable(f);
	f->m.cur = c0;
	sw_enable(f);
	wr(f, 0x80, 0xf0); /* held in IRR: nothing to take at once */
	c0->deadline = c1->deadline = ~0ull;
	self_ipi(f, 0x50);
	assert_int_equal(c0->deadline, ~0ull);
	wr(f, 0x310, 1u << 24);
	wr(f, 0x300, 0x4051);
	assert_int_equal(c0->deadline, 0);
	assert_int_equal(c1->deadline, 0); /* the target looks at once */
}

/* SDM "Interrupt Command Register (ICR)": SMI reaches the target as an
 * SMI; delivery modes 011 and 111 are reserved in the ICR (ExtINT exists
 * only in LVT entries) and send nothing */
static void test_ipi_smi_reserved(void **state)
{
	struct fix *f = *state;
	struct cpu *c1 = f->c[1];

	f->m.cur = c1;
	sw_enable(f);
	f->m.cur = f->c[0];
	sw_enable(f);
	wr(f, 0x310, 1u << 24);
	wr(f, 0x300, 0x4200); /* SMI */
	assert_int_equal(c1->smi_pending, 1);
	c1->smi_pending = 0;
	wr(f, 0x300, 0x4770); /* 111 */
	wr(f, 0x300, 0x4371); /* 011 */
	wr(f, 0x300, 0xc4772); /* 111, all excluding self */
	assert_int_equal(c1->apic_ops->irq_pending(c1), -1);
	assert_int_equal(c1->smi_pending | c1->nmi_pending | c1->init_pending, 0);
	wr(f, 0x280, 0); /* latch: no error either */
	assert_int_equal(rd(f, 0x280), 0);
}

static void test_ipi_nmi_init_sipi(void **state)
{
	struct fix *f = *state;
	struct cpu *c1 = f->c[1];

	sw_enable(f);
	wr(f, 0x310, 1u << 24);
	wr(f, 0x300, 0x4400); /* NMI */
	assert_int_equal(c1->nmi_pending, 1);
	/* INIT de-assert does nothing */
	wr(f, 0x300, 0x8500);
	assert_int_equal(c1->init_pending, 0);
	/* INIT resets the target's APIC registers, not its ID */
	f->m.cur = c1;
	sw_enable(f);
	wr(f, 0x80, 0x30);
	f->m.cur = f->c[0];
	wr(f, 0x300, 0xc4500); /* INIT to all excluding self */
	assert_int_equal(c1->init_pending, 1);
	f->m.cur = c1;
	assert_int_equal(rd(f, 0xf0), 0xff);
	assert_int_equal(rd(f, 0x80), 0);
	assert_int_equal(rd(f, 0x20), 1u << 24);
	f->m.cur = f->c[0];
	/* SIPI is latched for a CPU that will be in wait-for-SIPI */
	wr(f, 0x300, 0xc4612);
	assert_int_equal(c1->sipi_pending, 1);
	assert_int_equal(c1->sipi_vector, 0x12);
	/* an active CPU ignores SIPI */
	c1->init_pending = c1->sipi_pending = 0;
	c1->activity = ACT_ACTIVE;
	wr(f, 0x300, 0xc4613);
	assert_int_equal(c1->sipi_pending, 0);
}

/* SDM "Error Handling": ESR latching and the error LVT */
static void test_esr(void **state)
{
	struct fix *f = *state;

	sw_enable(f);
	self_ipi(f, 0x05); /* illegal vector */
	assert_false(irr(f, 0x05));
	assert_int_equal(rd(f, 0x280), 0); /* not latched yet */
	wr(f, 0x280, 0);
	assert_int_equal(rd(f, 0x280), 0x20);
	wr(f, 0x280, 0);
	assert_int_equal(rd(f, 0x280), 0);
	rd(f, 0x3f0); /* no SELF IPI register in xAPIC mode */
	wr(f, 0x280, 0);
	assert_int_equal(rd(f, 0x280), 0x80);
	wr(f, 0x370, 0x66);
	self_ipi(f, 0x01);
	assert_true(irr(f, 0x66));
}

static u8 eoi_seen;
static void eoi_hook(struct machine *m, u8 vector) { eoi_seen = vector; }

/* level-triggered interrupts set TMR and broadcast their EOI */
static void test_level_eoi(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	lapic_set_eoi_hook(&f->m, eoi_hook);
	sw_enable(f);
	wr(f, 0x300, 0x4c070); /* self, level */
	assert_true(tmr(f, 0x70));
	c->apic_ops->irq_ack(c);
	eoi_seen = 0;
	wr(f, 0xb0, 0);
	assert_int_equal(eoi_seen, 0x70);
	self_ipi(f, 0x71);
	assert_false(tmr(f, 0x71));
	c->apic_ops->irq_ack(c);
	eoi_seen = 0;
	wr(f, 0xb0, 0);
	assert_int_equal(eoi_seen, 0);
}

static int extint_vector = -1;
static int extint_pending(struct machine *m) { return extint_vector; }
static int extint_ack(struct machine *m) { int v = extint_vector; extint_vector = -1; return v; }

/* ExtINT from the 8259 through LINT0 (or with the APIC disabled) */
static void test_extint(void **state)
{
	struct fix *f = *state;
	struct cpu *c = f->c[0];

	lapic_set_extint_hooks(&f->m, extint_pending, extint_ack);
	extint_vector = 0x08;
	assert_int_equal(c->apic_ops->irq_pending(c), 0x08); /* BSP LINT0 = ExtINT */
	assert_int_equal(c->apic_ops->irq_ack(c), 0x08);
	assert_int_equal(c->apic_ops->irq_pending(c), -1);
	extint_vector = 0x09;
	sw_enable(f);
	wr(f, 0x350, 0x10700); /* masked */
	assert_int_equal(c->apic_ops->irq_pending(c), -1);
	assert_int_equal(wrmsr(c, MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_BSP), 0);
	assert_int_equal(c->apic_ops->irq_pending(c), 0x09);
	extint_vector = -1;
}

/* LINT1 as NMI input */
static void test_lint_nmi(void **state)
{
	struct fix *f = *state;

	sw_enable(f);
	wr(f, 0x360, 0x400);
	lapic_set_lint(f->c[0]->apic, 1, 1);
	assert_int_equal(f->c[0]->nmi_pending, 1);
}

/* narrow and misaligned MMIO accesses */
static void test_mmio_sizes(void **state)
{
	struct fix *f = *state;

	assert_int_equal(phys_read(&f->m.mem, BASE + 0x30, 1), 0x14);
	assert_int_equal(phys_read(&f->m.mem, BASE + 0x32, 1), 0x05);
	assert_int_equal(phys_read(&f->m.mem, BASE + 0x34, 4), 0);
	phys_write(&f->m.mem, BASE + 0x80, 1, 0x40); /* sub-dword writes dropped */
	assert_int_equal(rd(f, 0x80), 0);
	/* beyond the register map: reads 0, flags an illegal register address */
	assert_int_equal(rd(f, 0xff0), 0);
	wr(f, 0x800, 1);
	wr(f, 0x280, 0);
	assert_int_equal(rd(f, 0x280), 0x80);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TN(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_state),
		T(test_priority),
		T(test_accept_stops_cpu),
		T(test_cr8),
		T(test_software_disable),
		T(test_apic_base_gp),
		TN(test_apic_base_no_x2apic),
		T(test_relocate),
		T(test_hw_disable),
		T(test_x2apic_msrs),
		T(test_x2apic_roundtrip),
		T(test_timer_oneshot),
		T(test_timer_divide),
		T(test_timer_periodic),
		T(test_timer_mode_switch),
		T(test_xapic_id_after_x2apic),
		T(test_timer_tsc_deadline),
		TN(test_tsc_deadline_absent),
		T(test_ipi_destinations),
		T(test_lowest_priority),
		T(test_ipi_ends_turn),
		T(test_ipi_smi_reserved),
		T(test_ipi_nmi_init_sipi),
		T(test_esr),
		T(test_level_eoi),
		T(test_extint),
		T(test_lint_nmi),
		T(test_mmio_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
