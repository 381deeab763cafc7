/* tests/unit/snap_dev_test.c: the snapshot descriptions of the devices
 * (dev_hdr.snap of every device in dev/). For every device section:
 *  - the description passes snap_desc_selfcheck (sub-descriptions too);
 *  - a device driven into a non-trivial state (registers programmed,
 *    timers armed, lines raised) is encoded, decoded into the same device
 *    of a fresh machine (as the loader does: into a copy of the live
 *    struct, then committed, timers re-armed, loaded hooks called),
 *    encoded again to the same bytes, and then behaves the same: the same
 *    register reads, lines and timers on both machines as time goes on;
 *  - each check rejects an impossible value, naming the member.
 * Members are reached by their path in the description ("ch[1].mode"),
 * as the struct types are private to their .c files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dev/devpriv.h"
#include "dev/pci.h"
#include "dev/timers.h"
#include "machine/bios.h"
#include "machine/machine.h"
#include "snap/state.h"

/* every device with a section, in m->devs (init) order */
static const char *const sections[] = {
	"uart16550", "shutdown-port", "fw_cfg", "pic8259", "misc-ports", "pc-testdev",
	"ioapic", "pit", "rtc", "hpet", "acpi", "pci", "apm",
};

/* --- machines ------------------------------------------------------------ */

static struct machine *mk(u64 ram)
{
	struct machine *m = calloc(1, sizeof(*m));
	struct machine_config cfg = { 0 };

	assert_non_null(m);
	cfg.ram_size = ram;
	cfg.smp = 2;
	cfg.cpu_spec = "max";
	cfg.debug_exit_port = 0xf4;
	cfg.serial_path = "/dev/null";
	assert_int_equal(machine_init(m, &cfg), 0);
	bios_init(m); /* the 8259s and the PIT as SeaBIOS leaves them */
	m->cur = NULL; /* clock_ns() is m->clock.ns */
	return m;
}

static void rm(struct machine *m)
{
	machine_free(m);
	free(m);
}

struct pair {
	struct machine *a; /* driven, then saved */
	struct machine *b; /* fresh, then loaded */
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->a = mk(128ull << 20);
	p->b = mk(128ull << 20);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	rm(p->a);
	rm(p->b);
	free(p);
	return 0;
}

static struct dev_hdr *dev(struct machine *m, const char *name)
{
	struct dev_hdr *h = dev_state_find(m, name);

	assert_non_null(h);
	assert_non_null(h->snap);
	return h;
}

/* move virtual time to `ns`, firing every timer due on the way in order
 * (as machine_run's idle skip does) */
static void run_to(struct machine *m, u64 ns)
{
	u64 next;

	while ((next = clock_next_deadline(m)) <= ns) {
		if (next > m->clock.ns)
			m->clock.ns = next;
		clock_run_timers(m);
	}
	if (ns > m->clock.ns)
		m->clock.ns = ns;
}

static void advance(struct machine *m, u64 ns) { run_to(m, m->clock.ns + ns); }

static u64 in(struct machine *m, u16 port, unsigned size) { return pio_read(&m->mem, port, size); }
static void out(struct machine *m, u16 port, unsigned size, u64 v) { pio_write(&m->mem, port, size, v); }
static u8 inb(struct machine *m, u16 port) { return (u8)in(m, port, 1); }
static void outb(struct machine *m, u16 port, u8 v) { out(m, port, 1, v); }
static u64 rd(struct machine *m, u64 gpa, unsigned size) { return phys_read(&m->mem, gpa, size); }
static void wr(struct machine *m, u64 gpa, unsigned size, u64 v) { phys_write(&m->mem, gpa, size, v); }

/* --- members by path ----------------------------------------------------- */

/* the element `path` names ("ch[1].mode", "cmos[12]", "t[2].timer") in
 * *s, and its row */
static u8 *member(const struct snap_desc *d, void *s, const char *path, const struct snap_field **row)
{
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	char name[64];
	char *br;
	u32 k = 0;

	assert_true(n < sizeof(name));
	memcpy(name, path, n);
	name[n] = 0;
	if ((br = strchr(name, '['))) {
		k = (u32)strtoul(br + 1, NULL, 0);
		*br = 0;
	}
	for (u32 i = 0; i < d->nr_fields; i++) {
		const struct snap_field *f = &d->fields[i];
		u8 *p = (u8 *)s + f->offset + (size_t)k * f->elem;

		if (strcmp(f->name, name))
			continue;
		assert_true(k < f->size / f->elem);
		if (dot) {
			assert_int_equal(f->kind, SNAP_STRUCT);
			return member(f->sub, p, dot + 1, row);
		}
		*row = f;
		return p;
	}
	fail_msg("%s has no member %s", d->name, name);
	return NULL;
}

static void set_member(const struct snap_desc *d, void *s, const char *path, u64 v)
{
	const struct snap_field *f;
	u8 *p = member(d, s, path, &f);

	switch (f->kind) {
	case SNAP_TIMER:
		((struct timer *)p)->armed = v != 0;
		return;
	case SNAP_BOOL:
		*p = (u8)v; /* raw, so that a bool can be made invalid */
		return;
	default:
		break;
	}
	switch (f->elem) {
	case 1: *p = (u8)v; break;
	case 2: { u16 t = (u16)v; memcpy(p, &t, 2); break; }
	case 4: { u32 t = (u32)v; memcpy(p, &t, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/* a derived member's bytes, for comparing what loaded hooks rebuild */
static void same_member(struct machine *a, struct machine *b, const char *devname, const char *path)
{
	struct dev_hdr *ha = dev(a, devname), *hb = dev(b, devname);
	const struct snap_field *f;
	u8 *pa = member(ha->snap, ha, path, &f);
	u8 *pb = member(hb->snap, hb, path, &f);

	if (memcmp(pa, pb, f->elem))
		fail_msg("%s.%s differs after the load", devname, path);
}

/* --- save and load ------------------------------------------------------- */

static void encode(struct machine *m, const char *name, struct snap_buf *b)
{
	struct dev_hdr *h = dev(m, name);

	memset(b, 0, sizeof(*b));
	snap_encode(b, h->snap, h);
	assert_int_equal(b->len, snap_encoded_size(h->snap));
}

static void restore_timer(void *t, void *m)
{
	timer_restore(m, t);
}

/* the device section holding timer t, and t's offset in it */
static size_t timer_owner(struct machine *m, const struct timer *t, size_t *off)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->devs); i++) {
		struct dev_hdr *h = m->devs[i];

		if (h && h->snap && (const u8 *)t >= (u8 *)h && (const u8 *)t < (u8 *)h + h->snap->size) {
			*off = (size_t)((const u8 *)t - (u8 *)h);
			return i;
		}
	}
	fail_msg("an armed timer outside every device section");
	return 0;
}

/* every armed timer of m lies in a device section (so forgetting them all
 * and re-arming the sections' timers loses none) */
static void timers_in_sections(struct machine *m)
{
	size_t off;

	for (struct timer *t = m->clock.timers; t; t = t->next)
		(void)timer_owner(m, t, &off);
}

/* What the loader does with the device sections: decode each into a copy
 * of the live struct, commit, re-arm the timers, call the loaded hooks.
 * The clock is the machine's part; here it is copied. */
static void save_load(struct machine *a, struct machine *b)
{
	struct snap_buf buf[ARRAY_SIZE(a->devs)];
	char err[256];

	timers_in_sections(a);
	timers_in_sections(b);
	b->clock.ns = a->clock.ns;
	b->clock.timer_seq = a->clock.timer_seq;
	for (size_t i = 0; i < ARRAY_SIZE(a->devs); i++) {
		struct dev_hdr *ha = a->devs[i], *hb = b->devs[i];
		void *copy;

		memset(&buf[i], 0, sizeof(buf[i]));
		assert_true(!ha == !hb);
		if (!ha || !ha->snap)
			continue;
		assert_string_equal(ha->name, hb->name);
		assert_ptr_equal(ha->snap, hb->snap);
		snap_encode(&buf[i], ha->snap, ha);
		copy = malloc(hb->snap->size);
		assert_non_null(copy);
		memcpy(copy, hb, hb->snap->size);
		if (snap_decode(hb->snap, copy, buf[i].data, buf[i].len, err, sizeof(err)))
			fail_msg("%s: %s", ha->name, err);
		memcpy(hb, copy, hb->snap->size);
		free(copy);
	}
	clock_forget_timers(b);
	for (size_t i = 0; i < ARRAY_SIZE(b->devs); i++) {
		struct dev_hdr *hb = b->devs[i];

		if (hb && hb->snap)
			snap_for_each_timer(hb->snap, hb, restore_timer, b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(b->devs); i++) {
		struct dev_hdr *hb = b->devs[i];

		if (hb && hb->snap)
			snap_call_loaded(hb->snap, hb);
	}
	/* saving the loaded machine gives the same bytes */
	for (size_t i = 0; i < ARRAY_SIZE(b->devs); i++) {
		struct dev_hdr *hb = b->devs[i];
		struct snap_buf again = { 0 };

		if (!hb || !hb->snap)
			continue;
		snap_encode(&again, hb->snap, hb);
		assert_int_equal(again.len, buf[i].len);
		if (memcmp(again.data, buf[i].data, again.len))
			fail_msg("%s: saved again, the section differs", hb->name);
		snap_buf_free(&again);
		snap_buf_free(&buf[i]);
	}
}

/* both machines hold the same device state, timers and I/O ranges */
static void same_state(struct machine *a, struct machine *b)
{
	struct timer *ta = a->clock.timers, *tb = b->clock.timers;

	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		struct snap_buf x, y;

		encode(a, sections[i], &x);
		encode(b, sections[i], &y);
		assert_int_equal(x.len, y.len);
		if (memcmp(x.data, y.data, x.len))
			fail_msg("%s: the two machines went apart", sections[i]);
		snap_buf_free(&x);
		snap_buf_free(&y);
	}
	for (; ta && tb; ta = ta->next, tb = tb->next) {
		size_t oa, ob;

		assert_int_equal(ta->deadline, tb->deadline);
		assert_int_equal(ta->seq, tb->seq);
		assert_int_equal(timer_owner(a, ta, &oa), timer_owner(b, tb, &ob));
		assert_int_equal(oa, ob);
	}
	assert_null(ta);
	assert_null(tb);
	assert_int_equal(a->mem.nr_mmio, b->mem.nr_mmio);
	assert_int_equal(a->mem.nr_pio, b->mem.nr_pio);
	for (int i = 0; i < a->mem.nr_mmio; i++) {
		assert_int_equal(a->mem.mmio[i].base, b->mem.mmio[i].base);
		assert_int_equal(a->mem.mmio[i].len, b->mem.mmio[i].len);
	}
	for (int i = 0; i < a->mem.nr_pio; i++) {
		assert_int_equal(a->mem.pio[i].base, b->mem.pio[i].base);
		assert_int_equal(a->mem.pio[i].len, b->mem.pio[i].len);
	}
}

/* --- what each device is driven into, and how it is then observed -------- */

/* observations: both machines must give the same sequence */
struct obs {
	u64 v[512];
	unsigned n;
};

static void see(struct obs *o, u64 v)
{
	assert_true(o->n < ARRAY_SIZE(o->v));
	o->v[o->n++] = v;
}

static void see_probe(struct obs *o, const struct irq_probe *p)
{
	assert_non_null(p);
	see(o, (u64)p->level);
	see(o, p->rises);
	see(o, p->falls);
}

/* 16550: divisor latch, loopback with a byte received, FIFO on, THRE
 * interrupt pending */
static void uart_drive(struct machine *m)
{
	outb(m, 0x3fb, 0x83);  /* DLAB, 8N1 */
	outb(m, 0x3f8, 0x0c);
	outb(m, 0x3f9, 0x00);
	outb(m, 0x3fb, 0x03);
	outb(m, 0x3fc, 0x1b);  /* loopback, OUT2, RTS, DTR */
	outb(m, 0x3fa, 0xc1);  /* FIFO on, trigger 14 */
	outb(m, 0x3f9, 0x03);  /* ERBFI, ETBEI */
	outb(m, 0x3f8, 0x5a);  /* looped back: DR */
	outb(m, 0x3ff, 0x77);
}

static void uart_observe(struct machine *m, struct obs *o)
{
	for (u16 r = 1; r < 8; r++)
		see(o, inb(m, 0x3f8 + r));
	see(o, inb(m, 0x3fa)); /* RDA first, then THRE */
	see(o, inb(m, 0x3f8));
	see(o, inb(m, 0x3fd));
	see(o, inb(m, 0x3fa));
	see(o, inb(m, 0x3fa));
	outb(m, 0x3fb, 0x83);
	see(o, inb(m, 0x3f8));
	see(o, inb(m, 0x3f9));
}

/* "Shutdown" half written */
static void shutdown_drive(struct machine *m)
{
	for (const char *s = "Shut"; *s; s++)
		outb(m, 0x8900, (u8)*s);
}

static void shutdown_observe(struct machine *m, struct obs *o)
{
	for (const char *s = "down"; *s; s++)
		outb(m, 0x8900, (u8)*s);
	see(o, (u64)m->end);
	assert_int_equal(m->end, RUN_SHUTDOWN);
}

/* fw_cfg: the RAM-size item selected and 3 bytes read */
static void fw_cfg_drive(struct machine *m)
{
	out(m, 0x510, 2, 0x03);
	for (int i = 0; i < 3; i++)
		(void)inb(m, 0x511);
}

static void fw_cfg_observe(struct machine *m, struct obs *o)
{
	for (int i = 0; i < 7; i++)
		see(o, inb(m, 0x511));
	out(m, 0x510, 2, 0x05);
	see(o, inb(m, 0x511) | inb(m, 0x511) << 8);
	out(m, 0x510, 2, 0x00);
	for (int i = 0; i < 5; i++)
		see(o, inb(m, 0x511));
}

static void misc_drive(struct machine *m)
{
	outb(m, 0x92, 0x00); /* A20 latch cleared */
}

static void misc_observe(struct machine *m, struct obs *o)
{
	see(o, inb(m, 0x92));
	see(o, inb(m, 0x64));
}

/* pc-testdev: scratch, RAM-like MMIO and IRQ lines (5: edge at the PIC,
 * 10: level, per the BIOS's ELCR) */
static void testdev_drive(struct machine *m)
{
	out(m, 0xe0, 4, 0xdeadbeef);
	wr(m, 0xff000010, 8, 0x0123456789abcdefull);
	wr(m, 0xff00fffc, 4, 0xcafef00d);
	outb(m, 0x2005, 1);
	outb(m, 0x200a, 1);
	outb(m, 0x2014, 1); /* IOAPIC pin 20 */
}

static void testdev_observe(struct machine *m, struct obs *o)
{
	see(o, in(m, 0xe0, 4));
	see(o, in(m, 0xe1, 2));
	see(o, rd(m, 0xff000010, 8));
	see(o, rd(m, 0xff00fffc, 4));
	for (u16 n = 0; n < 24; n++)
		see(o, inb(m, 0x2000 + n));
}

/* the 8259s as the BIOS left them, with requests on IRQ 5 (edge) and 10
 * (level, slave), rotated priorities and a poll pending */
static void pic_drive(struct machine *m)
{
	outb(m, 0x21, 0xb8 & ~0x24);   /* unmask IRQ 5 and the cascade */
	outb(m, 0xa1, 0x8e & ~0x04);   /* unmask IRQ 10 */
	outb(m, 0x2005, 1);
	outb(m, 0x200a, 1);
	outb(m, 0x20, 0xc3);           /* OCW2: set priority, IR3 lowest */
	outb(m, 0xa0, 0x0b);           /* OCW3: slave reads ISR */
	outb(m, 0x20, 0x0c);           /* OCW3: poll */
}

static void pic_observe(struct machine *m, struct obs *o)
{
	see(o, inb(m, 0x20));          /* the poll: acknowledges IR2 or 5 */
	see(o, inb(m, 0xa0));
	see(o, inb(m, 0x21));
	see(o, inb(m, 0xa1));
	outb(m, 0x20, 0x0a);
	see(o, inb(m, 0x20));
	outb(m, 0x20, 0x0b);
	see(o, inb(m, 0x20));
	see(o, in(m, 0x4d0, 2));
	outb(m, 0x20, 0x20);           /* non-specific EOI */
	outb(m, 0x2005, 0);
	outb(m, 0x2005, 1);
	see(o, inb(m, 0x20));
	outb(m, 0xa0, 0x0c);
	see(o, inb(m, 0xa0));
}

#define IOAPIC 0xfec00000ull

static void ioapic_reg(struct machine *m, u8 reg, u32 v)
{
	wr(m, IOAPIC, 4, reg);
	wr(m, IOAPIC + 0x10, 4, v);
}

/* a level pin delivered (remote IRR set), a masked edge entry, ID 5 and
 * IOREGSEL left pointing at an entry's high half */
static void ioapic_drive(struct machine *m)
{
	ioapic_reg(m, 0x10 + 2 * 12, 0x45 | 1u << 15); /* level, fixed, unmasked */
	ioapic_reg(m, 0x11 + 2 * 12, 0x01u << 24);
	ioapic_reg(m, 0x10 + 2 * 4, 0x33 | 1u << 16);
	ioapic_reg(m, 0x00, 5u << 24);
	outb(m, 0x200c, 1); /* IRQ 12: GSI 12 high */
	wr(m, IOAPIC, 4, 0x2b);
}

static void ioapic_observe(struct machine *m, struct obs *o)
{
	see(o, rd(m, IOAPIC, 4));
	see(o, rd(m, IOAPIC + 0x10, 4));
	for (u8 r = 0; r < 0x40; r++) {
		wr(m, IOAPIC, 4, r);
		see(o, rd(m, IOAPIC + 0x10, 4));
	}
	wr(m, IOAPIC + 0x40, 4, 0x45); /* EOI: the pin is still high, sends again */
	wr(m, IOAPIC, 4, 0x10 + 2 * 12);
	see(o, rd(m, IOAPIC + 0x10, 4));
	outb(m, 0x200c, 0);
	wr(m, IOAPIC + 0x40, 4, 0x45);
	see(o, rd(m, IOAPIC + 0x10, 4));
}

/* PIT: channel 0 in mode 2 with a new count waiting for the period end and
 * half of a latch read; channel 1 with only the LSB of a count written;
 * channel 2 gated on, counting in BCD mode 0, its status latched */
static void pit_drive(struct machine *m)
{
	outb(m, 0x43, 0x34);
	outb(m, 0x40, 1000 & 0xff);
	outb(m, 0x40, 1000 >> 8);
	advance(m, 5000);
	outb(m, 0x43, 0x76);
	outb(m, 0x41, 0x34);
	outb(m, 0x61, 0x01);
	outb(m, 0x43, 0xb1);
	outb(m, 0x42, 0x00);
	outb(m, 0x42, 0x50);
	advance(m, 3000);
	outb(m, 0x40, 500 & 0xff);
	outb(m, 0x40, 500 >> 8);
	outb(m, 0x43, 0x00);
	(void)inb(m, 0x40);
	outb(m, 0x43, 0xe8);
	(void)inb(m, 0x61);
}

static void pit_observe(struct machine *m, struct obs *o)
{
	see(o, inb(m, 0x40));
	see(o, inb(m, 0x40));
	see(o, inb(m, 0x40));
	see(o, inb(m, 0x42));
	see(o, inb(m, 0x42));
	see(o, inb(m, 0x61));
	for (int k = 0; k < 4; k++) {
		advance(m, 700000 + 12345 * (u64)k);
		see_probe(o, pit_irq_probe(m));
		for (int ch = 0; ch < 3; ch++) {
			outb(m, 0x43, (u8)(0xe0 | 2 << ch)); /* status */
			see(o, inb(m, 0x40 + ch));
			outb(m, 0x43, (u8)(ch << 6));        /* count latch */
			see(o, inb(m, 0x40 + ch));
			see(o, inb(m, 0x40 + ch));
		}
		see(o, inb(m, 0x61));
	}
	outb(m, 0x41, 0x12);                         /* channel 1's MSB */
	advance(m, 100000);
	outb(m, 0x43, 0x40);
	see(o, inb(m, 0x41) | inb(m, 0x41) << 8);
}

/* RTC: 64 Hz periodic and update interrupts on, an alarm, the flags read
 * once (IRQ 8 back low, the timer armed for the next period), the index
 * on register C with NMIs disabled */
static void rtc_drive(struct machine *m)
{
	outb(m, 0x70, 0x0a);
	outb(m, 0x71, 0x2a);
	outb(m, 0x70, 0x0b);
	outb(m, 0x71, 0x02 | 0x40 | 0x10);
	outb(m, 0x70, 0x01);
	outb(m, 0x71, 0x30);
	outb(m, 0x70, 0x05);
	outb(m, 0x71, 0xc0);
	outb(m, 0x70, 0x03);
	outb(m, 0x71, 0xc0);
	advance(m, 20000000);
	outb(m, 0x70, 0x0c);
	(void)inb(m, 0x71);
	advance(m, 5000000);
	outb(m, 0x70, 0x00);
	outb(m, 0x71, 0x25);
	outb(m, 0x70, 0x8c);
}

static void rtc_observe(struct machine *m, struct obs *o)
{
	static const u8 regs[] = { 0, 2, 4, 6, 7, 8, 9, 0x0a, 0x0b, 0x0d, 0x32, 0x15, 0x30 };

	see(o, inb(m, 0x71));
	see_probe(o, rtc_irq_probe(m));
	for (int k = 0; k < 3; k++) {
		advance(m, 700000000);
		for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
			outb(m, 0x70, regs[i]);
			see(o, inb(m, 0x71));
		}
		see_probe(o, rtc_irq_probe(m));
		outb(m, 0x70, 0x0c);
		see(o, inb(m, 0x71));
	}
	advance(m, 30000000000ull); /* past the alarm */
	outb(m, 0x70, 0x0c);
	see(o, inb(m, 0x71));
	see_probe(o, rtc_irq_probe(m));
}

#define HPET 0xfed00000ull

/* HPET running: timer 0 periodic (edge, GSI 2), timer 1 a level-triggered
 * 32-bit one-shot that has fired, timer 2 armed then left disabled */
static void hpet_drive(struct machine *m)
{
	wr(m, HPET + 0x100, 8, 0x4c | 2 << 9);  /* INT_ENB, periodic, VAL_SET */
	wr(m, HPET + 0x108, 8, 5000);
	wr(m, HPET + 0x120, 8, 0x106 | 11 << 9); /* level, INT_ENB, 32-bit */
	wr(m, HPET + 0x128, 8, 20000);
	wr(m, HPET + 0x148, 8, 1u << 30);
	wr(m, HPET + 0x150, 8, 0xfee00000ull);
	wr(m, HPET + 0x010, 8, 1);
	advance(m, 300000);
}

static void hpet_observe(struct machine *m, struct obs *o)
{
	for (int k = 0; k < 3; k++) {
		see(o, rd(m, HPET + 0x0f0, 8));
		see(o, rd(m, HPET + 0x020, 8));
		for (int t = 0; t < 3; t++) {
			see(o, rd(m, HPET + 0x100 + 0x20 * (u64)t, 8));
			see(o, rd(m, HPET + 0x108 + 0x20 * (u64)t, 8));
			see(o, rd(m, HPET + 0x110 + 0x20 * (u64)t, 8));
			see_probe(o, hpet_irq_probe(m, t));
		}
		wr(m, HPET + 0x020, 8, 2);             /* clear timer 1's status */
		wr(m, HPET + 0x140, 4, 0x4);           /* timer 2 on */
		advance(m, 1000000 + 777 * (u64)k);
	}
	wr(m, HPET + 0x010, 8, 3);                     /* legacy routing */
	advance(m, 50000);
	see_probe(o, hpet_irq_probe(m, 0));
	see(o, rd(m, HPET + 0x0f0, 8));
}

/* ACPI: the PM timer's overflow enabled, SCI_EN (through the APM port),
 * GPE0 enables, a sleep type kept */
static void acpi_drive(struct machine *m)
{
	out(m, 0x602, 2, 0x0001);
	outb(m, 0xb2, 0xf1);
	out(m, 0xafe2, 2, 0x0003);
	out(m, 0x604, 2, 5 << 10 | 1);
	advance(m, 1000000);
}

static void acpi_observe(struct machine *m, struct obs *o)
{
	for (int k = 0; k < 3; k++) {
		see(o, in(m, 0x600, 2));
		see(o, in(m, 0x602, 2));
		see(o, in(m, 0x604, 2));
		see(o, in(m, 0x608, 4));
		see(o, in(m, 0xafe0, 4));
		advance(m, 1500000000);
	}
	out(m, 0x600, 2, 0x0001); /* clear TMR_STS */
	see(o, in(m, 0x600, 2));
	advance(m, 2500000000ull);
	see(o, in(m, 0x600, 2));
}

static void cfg_wr(struct machine *m, unsigned devfn, unsigned reg, u32 v)
{
	out(m, PCI_CONF1_ADDR, 4, pci_conf1_addr(devfn, reg));
	out(m, PCI_CONF1_DATA, 4, v);
}

#define TESTDEV PCI_DEVFN(2, 0)

/* PCI: the pci-testdev's BARs moved (so the I/O ranges move), tests
 * selected and counted in both BARs, the IDE function's I/O decode off,
 * chipset registers written, SYS_RST latched */
static void pci_drive(struct machine *m)
{
	cfg_wr(m, TESTDEV, PCI_BAR0, 0xfeb00000);
	cfg_wr(m, TESTDEV, PCI_BAR0 + 4, 0xd000);
	wr(m, 0xfeb00000, 1, 0);              /* test 0 */
	for (int i = 0; i < 3; i++)
		wr(m, 0xfeb00000 + 2048, 1, 0xfa);
	outb(m, 0xd000, 0);                   /* test 3 */
	outb(m, 0xd000 + 128 + 3, 0xfa);
	cfg_wr(m, PCI_DEVFN(1, 1), PCI_COMMAND, 0x0102);
	cfg_wr(m, PCI_DEVFN(1, 0), 0x60, 0x0b0a0b0a);
	outb(m, PCI_RST_CNT, 0x02);
	out(m, PCI_CONF1_ADDR, 4, pci_conf1_addr(TESTDEV, PCI_COMMAND));
}

static void pci_observe(struct machine *m, struct obs *o)
{
	see(o, in(m, PCI_CONF1_ADDR, 4));
	see(o, inb(m, PCI_RST_CNT));
	see(o, in(m, PCI_CONF1_DATA, 4));
	for (int i = 0; i < 20; i++)
		see(o, in(m, 0xd000 + (u16)i, 1));
	see(o, rd(m, 0xfeb00000 + 12, 4));
	see(o, rd(m, 0xfebff000, 4));             /* the old address: nothing */
	see(o, in(m, 0xc000, 4));
	/* every function's config space, folded into one value each */
	for (unsigned fn = 0; fn < 24; fn++) {
		u64 h = 0;

		for (unsigned reg = 0; reg < 0x100; reg += 4) {
			out(m, PCI_CONF1_ADDR, 4, pci_conf1_addr(fn, reg));
			h = h * 0x100000001b3ull ^ in(m, PCI_CONF1_DATA, 4);
		}
		see(o, h);
	}
	cfg_wr(m, TESTDEV, PCI_COMMAND, 0x0100);  /* decode off: both BARs go */
	see(o, in(m, 0xd000, 4));
	see(o, rd(m, 0xfeb00000, 4));
}

static void apm_drive(struct machine *m)
{
	outb(m, 0xb3, 0x42);
}

static void apm_observe(struct machine *m, struct obs *o)
{
	see(o, in(m, 0xb2, 2));
}

struct scenario {
	const char *dev;
	void (*drive)(struct machine *m);
	void (*observe)(struct machine *m, struct obs *o);
	const char *rebuilt[4]; /* derived members a loaded hook rebuilds */
};

static const struct scenario scenarios[] = {
	{ "uart16550", uart_drive, uart_observe, { NULL } },
	{ "shutdown-port", shutdown_drive, shutdown_observe, { NULL } },
	{ "fw_cfg", fw_cfg_drive, fw_cfg_observe, { NULL } },
	{ "pic8259", pic_drive, pic_observe, { "pic.intr" } },
	{ "misc-ports", misc_drive, misc_observe, { NULL } },
	{ "pc-testdev", testdev_drive, testdev_observe, { NULL } },
	{ "ioapic", ioapic_drive, ioapic_observe, { NULL } },
	{ "pit", pit_drive, pit_observe, { "ch[0].out_idle", "ch[1].out_idle", "ch[2].out_idle" } },
	{ "rtc", rtc_drive, rtc_observe, { NULL } },
	{ "hpet", hpet_drive, hpet_observe, { NULL } },
	{ "acpi", acpi_drive, acpi_observe, { NULL } },
	{ "pci", pci_drive, pci_observe, { NULL } },
	{ "apm", apm_drive, apm_observe, { NULL } },
};

/* drive machine a, save it, load into machine b, then observe both */
static void run_scenario(struct pair *p, const struct scenario *s)
{
	static struct obs oa, ob;

	s->drive(p->a);
	if (getenv("SNAP_DEV_DUMP")) /* what the scenario saves, for reading */
		snap_dump(dev(p->a, s->dev)->snap, dev(p->a, s->dev), s->dev, stderr);
	save_load(p->a, p->b);
	same_state(p->a, p->b);
	for (int i = 0; i < 4 && s->rebuilt[i]; i++)
		same_member(p->a, p->b, s->dev, s->rebuilt[i]);
	memset(&oa, 0, sizeof(oa));
	memset(&ob, 0, sizeof(ob));
	s->observe(p->a, &oa);
	s->observe(p->b, &ob);
	assert_int_equal(oa.n, ob.n);
	for (unsigned i = 0; i < oa.n; i++)
		if (oa.v[i] != ob.v[i])
			fail_msg("%s: observation %u: %#llx before the save, %#llx after the load", s->dev,
				 i, (unsigned long long)oa.v[i], (unsigned long long)ob.v[i]);
	assert_int_equal(p->a->clock.ns, p->b->clock.ns);
	same_state(p->a, p->b);
}

/* --- (a) the descriptions ------------------------------------------------ */

static void test_sections(void **state)
{
	struct pair *p = *state;
	struct machine *m = p->a;
	size_t next = 0;
	char msg[256];

	for (size_t i = 0; i < ARRAY_SIZE(m->devs); i++) {
		struct dev_hdr *h = m->devs[i];

		if (!h)
			continue;
		if (!h->snap) {
			/* the local APICs' bus is described with the local APIC */
			assert_string_equal(h->name, "lapic-bus");
			continue;
		}
		assert_true(next < ARRAY_SIZE(sections));
		assert_string_equal(h->name, sections[next]);
		next++;
		/* the rows of the description and of every sub-description */
		if (snap_desc_selfcheck(h->snap, msg, sizeof(msg)))
			fail_msg("%s: %s", h->name, msg);
		assert_true(snap_encoded_size(h->snap) > 0);
		assert_int_not_equal(snap_fingerprint(h->snap), 0);
	}
	assert_int_equal(next, ARRAY_SIZE(sections));
}

/* a fresh machine saved and loaded into another is unchanged */
static void test_fresh(void **state)
{
	struct pair *p = *state;

	save_load(p->a, p->b);
	same_state(p->a, p->b);
}

/* --- (b) one device at a time, then all together ------------------------- */

static void test_scenario(void **state, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (!strcmp(scenarios[i].dev, name)) {
			run_scenario(*state, &scenarios[i]);
			return;
		}
	}
	fail_msg("no scenario for %s", name);
}

#define SCENARIO(fn, name) \
	static void fn(void **state) { test_scenario(state, name); }
SCENARIO(test_uart, "uart16550")
SCENARIO(test_shutdown, "shutdown-port")
SCENARIO(test_fw_cfg, "fw_cfg")
SCENARIO(test_pic, "pic8259")
SCENARIO(test_misc, "misc-ports")
SCENARIO(test_testdev, "pc-testdev")
SCENARIO(test_ioapic, "ioapic")
SCENARIO(test_pit, "pit")
SCENARIO(test_rtc, "rtc")
SCENARIO(test_hpet, "hpet")
SCENARIO(test_acpi, "acpi")
SCENARIO(test_pci, "pci")
SCENARIO(test_apm, "apm")

/* every device driven (in init order, so lines cross between them), one
 * save, then every observation */
static void test_all(void **state)
{
	struct pair *p = *state;
	static struct obs oa, ob;

	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++)
		scenarios[i].drive(p->a);
	save_load(p->a, p->b);
	same_state(p->a, p->b);
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
		for (int k = 0; k < 4 && scenarios[i].rebuilt[k]; k++)
			same_member(p->a, p->b, scenarios[i].dev, scenarios[i].rebuilt[k]);
		if (!strcmp(scenarios[i].dev, "shutdown-port"))
			continue; /* it ends the run: last */
		memset(&oa, 0, sizeof(oa));
		memset(&ob, 0, sizeof(ob));
		scenarios[i].observe(p->a, &oa);
		scenarios[i].observe(p->b, &ob);
		assert_int_equal(oa.n, ob.n);
		assert_memory_equal(oa.v, ob.v, oa.n * sizeof(oa.v[0]));
		same_state(p->a, p->b);
	}
}

/* fw_cfg's items come from the command line: a machine made with another
 * RAM size and CPU count answers with the saved ones after the load */
static void test_fw_cfg_items_travel(void **state)
{
	struct pair *p = *state;
	struct machine *b = calloc(1, sizeof(*b));
	struct machine_config cfg = { 0 };
	struct obs oa = { 0 }, ob = { 0 };

	assert_non_null(b);
	cfg.ram_size = 32ull << 20;
	cfg.smp = 2;
	cfg.cpu_spec = "max";
	cfg.serial_path = "/dev/null";
	assert_int_equal(machine_init(b, &cfg), 0);
	bios_init(b);
	b->cur = NULL;
	save_load(p->a, b);
	out(p->a, 0x510, 2, 0x03);
	out(b, 0x510, 2, 0x03);
	for (int i = 0; i < 8; i++) {
		see(&oa, inb(p->a, 0x511));
		see(&ob, inb(b, 0x511));
	}
	assert_memory_equal(oa.v, ob.v, sizeof(oa.v));
	assert_int_equal(oa.v[3], (128 >> 4) & 0xff); /* 128 MiB: byte 3 is 0x08 */
	rm(b);
}

/* --- (c) the checks ------------------------------------------------------ */

struct setting {
	const char *path;
	u64 v;
};

/* Set members of a copy of the device's live state, save the copy and
 * load it: the load must fail, naming `want` first in the message. */
static void reject(struct machine *m, const char *name, const char *want, const struct setting *set,
		   size_t n)
{
	struct dev_hdr *h = dev(m, name);
	const struct snap_desc *d = h->snap;
	struct snap_buf b = { 0 };
	u8 *bad = malloc(d->size), *copy = malloc(d->size);
	char err[256] = "";

	assert_non_null(bad);
	assert_non_null(copy);
	memcpy(bad, h, d->size);
	memcpy(copy, h, d->size);
	/* the untouched state loads */
	snap_encode(&b, d, bad);
	if (snap_decode(d, copy, b.data, b.len, err, sizeof(err)))
		fail_msg("%s (untouched): %s", name, err);
	snap_buf_free(&b);
	for (size_t i = 0; i < n; i++)
		set_member(d, bad, set[i].path, set[i].v);
	snap_encode(&b, d, bad);
	memcpy(copy, h, d->size);
	if (!snap_decode(d, copy, b.data, b.len, err, sizeof(err)))
		fail_msg("%s: %s = %#llx was accepted", name, set[0].path, (unsigned long long)set[0].v);
	if (strncmp(err, want, strlen(want)) || err[strlen(want)] != ':')
		fail_msg("%s: expected the error to name %s, got \"%s\"", name, want, err);
	snap_buf_free(&b);
	free(bad);
	free(copy);
}

#define REJECT(m, name, want, ...)                                                     \
	reject(m, name, want, (const struct setting[]){ __VA_ARGS__ },                   \
	       sizeof((const struct setting[]){ __VA_ARGS__ }) / sizeof(struct setting))

static void test_check_uart(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "uart16550", "ier", { "ier", 0x10 });
	REJECT(m, "uart16550", "fcr", { "fcr", 0x02 });
	REJECT(m, "uart16550", "mcr", { "mcr", 0x20 });
	REJECT(m, "uart16550", "lsr", { "lsr", 0x01 });
	REJECT(m, "uart16550", "thr_int", { "thr_int", 2 });
}

static void test_check_small(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "shutdown-port", "matched", { "matched", 8 });
	REJECT(m, "fw_cfg", "nr_items", { "nr_items", 9 });
	REJECT(m, "fw_cfg", "nr_items", { "nr_items", (u32)-1 });
	REJECT(m, "fw_cfg", "items[2].len", { "items[2].len", 9 });
	REJECT(m, "fw_cfg", "off", { "off", 9 });
	REJECT(m, "fw_cfg", "off", { "sel", 0x05 }, { "off", 3 });  /* NB_CPUS: 2 bytes */
	REJECT(m, "fw_cfg", "off", { "sel", 0x1234 }, { "off", 1 }); /* no such item */
	REJECT(m, "fw_cfg", "items", { "items[7].key", 0x19 });
	REJECT(m, "misc-ports", "ports.port92", { "ports.port92", 0x03 });
	REJECT(m, "pc-testdev", "irq_level[3]", { "irq_level[3]", 2 });
}

static void test_check_pic(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "pic8259", "pic.chip[0].init_step", { "pic.chip[0].init_step", 4 });
	REJECT(m, "pic8259", "pic.chip[1].lowest", { "pic.chip[1].lowest", 8 });
	REJECT(m, "pic8259", "pic.chip[1].base", { "pic.chip[1].base", 0x71 });
	REJECT(m, "pic8259", "pic.chip[0].icw1", { "pic.chip[0].icw1", 0x01 });
	REJECT(m, "pic8259", "pic.chip[0].elcr", { "pic.chip[0].elcr", 0x01 });
	/* IRQ 10 is level-triggered (the BIOS's ELCR): its request is its line */
	REJECT(m, "pic8259", "pic.chip[1].irr", { "pic.chip[1].lines", 0x04 });
	REJECT(m, "pic8259", "pic.chip[0].lines", { "pic.chip[0].lines", 0x04 });
	/* an unmasked slave request that the master's IR2 does not see */
	REJECT(m, "pic8259", "pic.chip[0].lines", { "pic.chip[1].irr", 0x01 },
	       { "pic.chip[1].imr", 0x00 });
	REJECT(m, "pic8259", "pic.chip[0].poll", { "pic.chip[0].poll", 2 });
}

static void test_check_ioapic(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "ioapic", "id", { "id", 0x10 });
	REJECT(m, "ioapic", "lines", { "lines", 1u << 24 });
	REJECT(m, "ioapic", "rte", { "rte[3]", 1u << 16 | 1u << 12 });
	REJECT(m, "ioapic", "rte", { "rte[4]", 1u << 16 | 1u << 14 });
}

static void test_check_pit(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "pit", "ch[0].mode", { "ch[0].mode", 6 });
	REJECT(m, "pit", "ch[0].mode", { "ch[0].mode", 4 });  /* ctrl 0x34 (BIOS): mode 2 */
	REJECT(m, "pit", "ch[1].ctrl", { "ch[1].ctrl", 0x40 });
	REJECT(m, "pit", "ch[1].rw", { "ch[1].ctrl", 0x06 }, { "ch[1].rw", 0 });
	REJECT(m, "pit", "ch[2].bcd", { "ch[2].bcd", 1 });
	REJECT(m, "pit", "ch[2].count", { "ch[2].count", 0 });
	REJECT(m, "pit", "ch[2].count", { "ch[2].count", 65537 });
	/* loaded in BCD: at most 10000 */
	REJECT(m, "pit", "ch[0].count", { "ch[0].ctrl", 0x35 }, { "ch[0].bcd", 1 },
	       { "ch[0].count", 20000 });
	REJECT(m, "pit", "ch[1].pending", { "ch[1].pending", 1 }, { "ch[1].loaded", 0 });
	REJECT(m, "pit", "ch[0].pending_count", { "ch[0].pending", 1 }, { "ch[0].pending_count", 0 },
	       { "ch[0].switch_tick", 1u << 20 });
	REJECT(m, "pit", "ch[0].switch_tick", { "ch[0].pending", 1 }, { "ch[0].pending_count", 5 },
	       { "ch[0].switch_tick", 0 });
	REJECT(m, "pit", "ch[0].triggered", { "ch[0].triggered", 1 });
	REJECT(m, "pit", "ch[1].wmsb", { "ch[1].ctrl", 0x16 }, { "ch[1].rw", 1 }, { "ch[1].wmsb", 1 });
	REJECT(m, "pit", "ch[1].latch_bytes", { "ch[1].count_latched", 1 }, { "ch[1].latch_bytes", 0 });
	REJECT(m, "pit", "ch[1].latch_bytes", { "ch[1].latch_bytes", 3 });
	REJECT(m, "pit", "ch[2].status", { "ch[2].status_latched", 1 }, { "ch[2].status", 0xc0 });
	REJECT(m, "pit", "ch[1].timer", { "ch[1].timer", 1 });
	REJECT(m, "pit", "ch[0].gate", { "ch[0].gate", 0 });
	REJECT(m, "pit", "ch[2].gate", { "ch[2].gate", 1 });
	REJECT(m, "pit", "port61", { "port61", 0x10 });
	REJECT(m, "pit", "refresh", { "refresh", 2 });
	REJECT(m, "pit", "irq0.level", { "irq0.level", 0 }); /* mode 2 raised it once */
	REJECT(m, "pit", "irq0.level", { "irq0.level", 2 }, { "irq0.rises", 2 });
}

static void test_check_rtc(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "rtc", "index", { "index", 0x80 });
	REJECT(m, "rtc", "sec", { "sec", (u64)INT64_MAX });
	REJECT(m, "rtc", "sec", { "sec", (u64)(-(1ll << 40)) });
	REJECT(m, "rtc", "cmos", { "cmos[10]", 0xa6 });
	REJECT(m, "rtc", "cmos", { "cmos[12]", 0x01 });
	REJECT(m, "rtc", "cmos", { "cmos[11]", 0x92 });
	REJECT(m, "rtc", "irq8.level", { "irq8.level", 1 }, { "irq8.rises", 1 });
	REJECT(m, "rtc", "irq8.level", { "cmos[12]", 0xc0 });
}

static void test_check_hpet(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "hpet", "conf", { "conf", 4 });
	REJECT(m, "hpet", "isr", { "isr", 8 });
	REJECT(m, "hpet", "t[1].conf", { "t[1].conf", 0x04 });
	REJECT(m, "hpet", "t[1].conf", { "t[1].conf", 0x30 | 1ull << 32 });
	REJECT(m, "hpet", "t[0].cmp", { "t[0].conf", 0x130 });
	REJECT(m, "hpet", "t[2].period", { "t[2].conf", 0x130 }, { "t[2].cmp", 5 },
	       { "t[2].period", 1ull << 32 });
	REJECT(m, "hpet", "t[2].period", { "t[2].period", 1ull << 63 });
	REJECT(m, "hpet", "isr", { "isr", 1 });
	REJECT(m, "hpet", "t[2].timer", { "t[2].timer", 1 });
	REJECT(m, "hpet", "t[0].irq.level", { "t[0].irq.level", 1 });
}

static void test_check_acpi(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "acpi", "pm1_sts", { "pm1_sts", 0x0001 });
	REJECT(m, "acpi", "pm1_cnt", { "pm1_cnt", 1u << 13 });
	REJECT(m, "acpi", "tmr_overflow", { "tmr_overflow", 5 });
	REJECT(m, "acpi", "tmr_overflow", { "tmr_overflow", 0 });
	REJECT(m, "acpi", "sci_level", { "sci_level", 2 });
	REJECT(m, "acpi", "tmr", { "tmr", 1 });
}

static void test_check_pci(void **state)
{
	struct machine *m = ((struct pair *)*state)->a;

	REJECT(m, "pci", "rst_cnt", { "rst_cnt", 0x04 });
	REJECT(m, "pci", "td_current", { "td_current", 6 });
	REJECT(m, "pci", "td_current", { "td_current", (u32)-2 });
	REJECT(m, "pci", "td_count", { "td_count[1]", 1 });
	REJECT(m, "pci", "fn[0].cfg", { "fn[0].cfg[0]", 0x87 });          /* vendor ID */
	REJECT(m, "pci", "fn[4].cfg", { "fn[4].cfg[16]", 0x0f });         /* BAR0 type bits */
	REJECT(m, "pci", "fn[4].cfg", { "fn[4].cfg[64]", 0x01 });         /* no chipset registers */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sections),
		T(test_fresh),
		T(test_uart),
		T(test_shutdown),
		T(test_fw_cfg),
		T(test_pic),
		T(test_misc),
		T(test_testdev),
		T(test_ioapic),
		T(test_pit),
		T(test_rtc),
		T(test_hpet),
		T(test_acpi),
		T(test_pci),
		T(test_apm),
		T(test_all),
		T(test_fw_cfg_items_travel),
		T(test_check_uart),
		T(test_check_small),
		T(test_check_pic),
		T(test_check_ioapic),
		T(test_check_pit),
		T(test_check_rtc),
		T(test_check_hpet),
		T(test_check_acpi),
		T(test_check_pci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
