/* dev/pc_ports.c: the small PC ports test images touch but do not depend
 * on: the POST delay port, system control port A (0x92) and the keyboard
 * controller's reset line. Port 0x61 lives with the PIT (dev/pit8254.c),
 * the reset control register 0xcf9 with PCI (dev/pci.c), the ELCR
 * (0x4d0/0x4d1) with the 8259s (dev/pic8259.c). */
#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"

/* --- miscellaneous ports ------------------------------------------------ */
struct misc_ports {
	struct dev_hdr hdr;
	struct machine *m;
	u8 port92;      /* system control port A */
};

#define PORT92_RESET BIT(0)
#define PORT92_A20   BIT(1)
#define KBC_CMD_RESET 0xfe

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
	{ 0x60, 1 }, { 0x64, 1 }, { 0x80, 1 }, { 0x92, 1 },
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

/* port 0x92 bit 0 (fast reset) is a strobe: the write that sets it ends
 * the run and the bit is never latched */
static const char *misc_ports_check(const void *p, char *msg, size_t len)
{
	const struct misc_ports *s = p;

	if (s->port92 & PORT92_RESET) {
		snprintf(msg, len, "%#x has the reset strobe (bit 0) latched", s->port92);
		return "port92";
	}
	return NULL;
}

static const struct snap_field misc_ports_fields[] = {
	SNAP_DERIVED(struct misc_ports, hdr, "construction (misc_ports_init)"),
	SNAP_DERIVED(struct misc_ports, m, "construction: the machine"),
	SNAP_U8(struct misc_ports, port92),
};
SNAP_DESC(misc_ports, 1, misc_ports_fields, misc_ports_check, NULL);

static const struct snap_field misc_state_fields[] = {
	SNAP_STRUCT(struct misc_state, ports, struct misc_ports, misc_ports_snap),
	SNAP_DERIVED(struct misc_state, win, "construction: one window per misc_ranges entry"),
};
SNAP_DESC(misc_state, 1, misc_state_fields, NULL, NULL);

void misc_ports_init(struct machine *m)
{
	struct misc_state *st = dev_state_new(m, sizeof(*st), "misc-ports", &misc_state_snap);

	st->ports.m = m;
	st->ports.port92 = PORT92_A20;
	for (size_t i = 0; i < ARRAY_SIZE(misc_ranges); i++) {
		st->win[i].s = &st->ports;
		st->win[i].base = misc_ranges[i].base;
		physmem_add_pio(&m->mem, misc_ranges[i].base, misc_ranges[i].len,
				misc_window_read, misc_window_write, &st->win[i], "pc-misc");
	}
}
