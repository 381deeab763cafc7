/* dev/pc_ports.c: the small PC ports test images touch but do not depend
 * on: a stand-in for the two 8259 PICs (until dev/pic8259.c exists), the
 * POST delay port, system control port A (0x92), the ELCR and the keyboard
 * controller's reset line. Port 0x61 lives with the PIT (dev/pit8254.c),
 * the reset control register 0xcf9 with PCI (dev/pci.c). */
#include "dev/dev.h"
#include "dev/devpriv.h"

/* --- 8259 stand-in -------------------------------------------------------
 * Intel 8259A data sheet: a write to the command port with bit 4 set is
 * ICW1 and starts the initialization sequence (ICW2, then ICW3 unless
 * SNGL, then ICW4 if IC4) on the data port; afterwards data-port writes are
 * OCW1, the interrupt mask. Reads of the data port return the mask; reads
 * of the command port return IRR/ISR, which are always 0 here. */
struct pic_chip {
	u8 imr;
	u8 icw1;
	u8 init_step; /* 0: not initializing; 2..4: next ICW expected */
};

struct pic_stub {
	struct dev_hdr hdr;
	struct pic_chip chip[2]; /* master at 0x20, slave at 0xa0 */
};

static u64 pic_stub_read(void *opaque, u64 off, unsigned size)
{
	struct pic_chip *p = opaque;

	return (off & 1) ? p->imr : 0;
}

static void pic_stub_next_icw(struct pic_chip *p)
{
	u8 step = p->init_step + 1;

	if (step == 3 && (p->icw1 & BIT(1))) /* SNGL: no ICW3 */
		step++;
	if (step == 4 && !(p->icw1 & BIT(0))) /* no IC4: done */
		step = 0;
	if (step > 4)
		step = 0;
	p->init_step = step;
}

static void pic_stub_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pic_chip *p = opaque;

	if (!(off & 1)) {
		if (val & BIT(4)) { /* ICW1 */
			p->icw1 = (u8)val;
			p->imr = 0;
			p->init_step = 2;
		}
		return; /* OCW2/OCW3: nothing to acknowledge */
	}
	if (p->init_step)
		pic_stub_next_icw(p);
	else
		p->imr = (u8)val;
}

void pic_stub_init(struct machine *m)
{
	struct pic_stub *p = dev_state_new(m, sizeof(*p), "pic-stub");

	physmem_add_pio(&m->mem, 0x20, 2, pic_stub_read, pic_stub_write, &p->chip[0], "pic-master");
	physmem_add_pio(&m->mem, 0xa0, 2, pic_stub_read, pic_stub_write, &p->chip[1], "pic-slave");
}

/* --- miscellaneous ports ------------------------------------------------ */
struct misc_ports {
	struct dev_hdr hdr;
	struct machine *m;
	u8 port92;      /* system control port A */
	u8 elcr[2];
};

#define PORT92_RESET BIT(0)
#define PORT92_A20   BIT(1)
#define KBC_CMD_RESET 0xfe
/* ELCR: IRQ 0, 1, 2, 8 and 13 are always edge-triggered (bits read 0) */
static const u8 elcr_writable[2] = { 0xf8, 0xde };

static void misc_reset(struct misc_ports *s, const char *why)
{
	machine_end(s->m, RUN_RESET, 0, why);
}

static u64 misc_read(void *opaque, u64 off, unsigned size)
{
	struct misc_ports *s = opaque;
	u16 port = (u16)off;

	switch (port) {
	case 0x92:
		return s->port92;
	case 0x4d0:
	case 0x4d1:
		return s->elcr[port - 0x4d0];
	case 0x60:
	case 0x64:
		return 0; /* keyboard controller: no data, input buffer empty */
	default:
		return size_mask(size); /* 0x80 */
	}
}

static void misc_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct misc_ports *s = opaque;
	u16 port = (u16)off;
	u8 v = (u8)val;

	switch (port) {
	case 0x92:
		/* A20 stays enabled in nestbox; the bit is latched for reads */
		s->port92 = v & ~PORT92_RESET;
		if (v & PORT92_RESET)
			misc_reset(s, "reset through port 0x92");
		break;
	case 0x4d0:
	case 0x4d1:
		s->elcr[port - 0x4d0] = v & elcr_writable[port - 0x4d0];
		break;
	case 0x64:
		if (v == KBC_CMD_RESET)
			misc_reset(s, "reset through the keyboard controller");
		break;
	default:
		break; /* 0x80 (POST/delay), 0x60 */
	}
}

/* The handlers see the port number itself: each range is registered with
 * an opaque that knows its base. */
struct misc_range {
	u16 base, len;
};
static const struct misc_range misc_ranges[] = {
	{ 0x60, 1 }, { 0x64, 1 }, { 0x80, 1 }, { 0x92, 1 }, { 0x4d0, 2 },
};

struct misc_window {
	struct misc_ports *s;
	u16 base;
};

static u64 misc_window_read(void *opaque, u64 off, unsigned size)
{
	struct misc_window *w = opaque;

	return misc_read(w->s, w->base + off, size) & size_mask(size);
}

static void misc_window_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct misc_window *w = opaque;

	misc_write(w->s, w->base + off, val, size);
}

struct misc_state {
	struct misc_ports ports;
	struct misc_window win[ARRAY_SIZE(misc_ranges)];
};

void misc_ports_init(struct machine *m)
{
	struct misc_state *st = dev_state_new(m, sizeof(*st), "misc-ports");

	st->ports.m = m;
	st->ports.port92 = PORT92_A20;
	for (size_t i = 0; i < ARRAY_SIZE(misc_ranges); i++) {
		st->win[i].s = &st->ports;
		st->win[i].base = misc_ranges[i].base;
		physmem_add_pio(&m->mem, misc_ranges[i].base, misc_ranges[i].len,
				misc_window_read, misc_window_write, &st->win[i], "pc-misc");
	}
}
