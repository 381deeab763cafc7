/* dev/pic8259.c: the 8259A pair of the PC (Intel "8259A Programmable
 * Interrupt Controller" data sheet): master at 0x20/0x21, slave at
 * 0xa0/0xa1 cascaded on master IR2, the edge/level control registers
 * (ELCR, 0x4d0/0x4d1) of the PIIX/ICH chipsets, and the master's INT
 * output wired to the boot CPU's LINT0. The CPU's interrupt acknowledge
 * for an ExtINT comes back through the local APIC's ExtINT hooks.
 *
 * Input lines: an edge-triggered input latches its IRR bit on a rising
 * edge and keeps it until acknowledged, even if the line falls again
 * before (as QEMU's i8259 does; on the real part the request would be
 * lost and turn into a spurious IR7). A level-triggered input's IRR bit
 * follows the line. */
#include <stdio.h>

#include "cpu/event.h"
#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/irq.h"
#include "dev/lapic.h"

/* ICW1 (command port, bit 4 set) */
#define ICW1_IC4   BIT(0)   /* ICW4 follows */
#define ICW1_SNGL  BIT(1)   /* single: no ICW3 */
#define ICW1_LTIM  BIT(3)   /* level-triggered mode for every input */
#define ICW1_INIT  BIT(4)
/* ICW4 */
#define ICW4_AEOI  BIT(1)
#define ICW4_SFNM  BIT(4)   /* special fully nested mode */
/* OCW3 (command port, bits 4:3 = 01) */
#define OCW3_SEL   BIT(3)
#define OCW3_RIS   BIT(0)   /* with RR: read ISR instead of IRR */
#define OCW3_RR    BIT(1)
#define OCW3_POLL  BIT(2)
#define OCW3_SMM   BIT(5)   /* with ESMM: set (else reset) special mask */
#define OCW3_ESMM  BIT(6)

#define PIC_CASCADE_IR 2
#define PIC_SPURIOUS_IR 7

/* the initialization sequence: which ICW the data port expects next */
enum pic_init_step { INIT_DONE, INIT_ICW2, INIT_ICW3, INIT_ICW4 };

struct pic_chip {
	u8 irr, isr, imr;
	u8 lines;        /* input levels (edge detection, level requests) */
	u8 elcr;         /* level-triggered inputs (ELCR) */
	u8 elcr_rw;      /* ELCR bits that can be set */
	u8 base;         /* ICW2: vector of IR0 */
	u8 icw1, icw3, icw4;
	u8 init_step;    /* enum pic_init_step */
	u8 lowest;       /* the IR with the lowest priority (rotation) */
	bool read_isr;   /* OCW3 RR/RIS: the command port reads ISR */
	bool poll;       /* OCW3 P: the next read is a poll */
	bool special_mask;
	bool rotate_aeoi;
};

struct pic {
	struct dev_hdr hdr;
	struct machine *m;
	struct pic_chip chip[2]; /* master, slave */
	bool intr;               /* master INT output */
};

/* --- snapshot ------------------------------------------------------------ */

static int pic_best(const struct pic_chip *p, bool master);

/* The rules every reachable chip state obeys:
 *  - ICW2 keeps the vector's bits 7:3 only;
 *  - ICW1 always has bit 4 set (it is what selects ICW1), or is 0 before
 *    the first initialization;
 *  - the ELCR holds only the bits this chip's ELCR implements;
 *  - a level-sensitive input's request is its line ("Edge and Level
 *    Triggered Modes"; ICW1 and ELCR writes re-derive it). */
static const char *pic_chip_check(const void *p, char *msg, size_t len)
{
	const struct pic_chip *c = p;
	u8 level = (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;

	if (c->base & 7) {
		snprintf(msg, len, "%#x: ICW2 keeps bits 7:3 only", c->base);
		return "base";
	}
	if (c->icw1 && !(c->icw1 & ICW1_INIT)) {
		snprintf(msg, len, "%#x lacks bit 4, which every ICW1 has", c->icw1);
		return "icw1";
	}
	if (c->elcr & ~c->elcr_rw) {
		snprintf(msg, len, "%#x sets bits this ELCR does not implement (%#x)", c->elcr,
			 c->elcr_rw);
		return "elcr";
	}
	if ((c->irr ^ c->lines) & level) {
		snprintf(msg, len, "%#x: the level-triggered inputs (%#x) do not follow lines %#x",
			 c->irr, level, c->lines);
		return "irr";
	}
	return NULL;
}

static const struct snap_field pic_chip_fields[] = {
	SNAP_U8(struct pic_chip, irr),
	SNAP_U8(struct pic_chip, isr),
	SNAP_U8(struct pic_chip, imr),
	SNAP_U8(struct pic_chip, lines),
	SNAP_U8(struct pic_chip, elcr),
	SNAP_DERIVED(struct pic_chip, elcr_rw, "construction: the IRQs the PIIX ELCR implements"),
	SNAP_U8(struct pic_chip, base),
	SNAP_U8(struct pic_chip, icw1),
	SNAP_U8(struct pic_chip, icw3),
	SNAP_U8(struct pic_chip, icw4),
	SNAP_U8_MAX(struct pic_chip, init_step, INIT_ICW4),
	SNAP_U8_MAX(struct pic_chip, lowest, 7),
	SNAP_BOOL(struct pic_chip, read_isr),
	SNAP_BOOL(struct pic_chip, poll),
	SNAP_BOOL(struct pic_chip, special_mask),
	SNAP_BOOL(struct pic_chip, rotate_aeoi),
};
SNAP_DESC(pic_chip, 1, pic_chip_fields, pic_chip_check, NULL);

/* the master's IR2 is the slave's INT, as pic_update drives it after
 * every change */
static const char *pic_check(const void *p, char *msg, size_t len)
{
	const struct pic *s = p;
	bool cascade = pic_best(&s->chip[1], false) >= 0;

	if (!!(s->chip[0].lines & BIT(PIC_CASCADE_IR)) != cascade) {
		snprintf(msg, len, "master IR2 (%#x) is not the slave's INT (%d)", s->chip[0].lines,
			 cascade);
		return "chip[0].lines";
	}
	return NULL;
}

/* INT is a function of the chips' registers: recomputed, not re-driven
 * (the boot CPU's LINT0 level is restored with its local APIC) */
static void pic_loaded(void *p)
{
	struct pic *s = p;

	s->intr = pic_best(&s->chip[0], true) >= 0;
}

static const struct snap_field pic_fields[] = {
	SNAP_DERIVED(struct pic, hdr, "construction (pic_init)"),
	SNAP_DERIVED(struct pic, m, "construction: the machine"),
	SNAP_STRUCT(struct pic, chip, struct pic_chip, pic_chip_snap),
	SNAP_DERIVED(struct pic, intr, "the master's best request (pic_loaded)"),
};
SNAP_DESC(pic, 1, pic_fields, pic_check, pic_loaded);

#define PIC_NAME "pic8259"

static struct pic *pic_of(struct machine *m)
{
	return dev_state_find(m, PIC_NAME);
}

/* --- priority resolution ------------------------------------------------- */

/* Fully nested mode with rotation: IR (lowest + 1) & 7 has the highest
 * priority. Returns the rank (0 = highest) of the best bit in `bits`, or 8. */
static int pic_rank(const struct pic_chip *p, u8 bits)
{
	for (int r = 0; r < 8; r++)
		if (bits & BIT((p->lowest + 1 + r) & 7))
			return r;
	return 8;
}

static int pic_ir_of_rank(const struct pic_chip *p, int rank)
{
	return (p->lowest + 1 + rank) & 7;
}

static bool pic_level_mode(const struct pic_chip *p, int ir)
{
	return (p->icw1 & ICW1_LTIM) || (p->elcr & BIT(ir));
}

/* The IR the chip would present on INTA, or -1 when its INT is low:
 * the highest-priority unmasked request above every in-service level.
 * "Special Mask Mode": masked in-service levels do not block lower
 * ones. "Special Fully Nested Mode" (master): an in-service cascade input
 * does not block further requests from the slave. */
static int pic_best(const struct pic_chip *p, bool master)
{
	u8 req = p->irr & ~p->imr;
	u8 busy = p->isr;
	int r;

	if (!req)
		return -1;
	if (p->special_mask)
		busy &= ~p->imr;
	if (master && (p->icw4 & ICW4_SFNM))
		busy &= ~BIT(PIC_CASCADE_IR);
	r = pic_rank(p, req);
	if (r >= pic_rank(p, busy))
		return -1;
	return pic_ir_of_rank(p, r);
}

/* --- input lines and outputs --------------------------------------------- */

static void pic_chip_input(struct pic_chip *p, int ir, int level)
{
	u8 bit = (u8)BIT(ir);
	bool was = p->lines & bit;

	if (level)
		p->lines |= bit;
	else
		p->lines &= ~bit;
	if (pic_level_mode(p, ir)) {
		if (level)
			p->irr |= bit;
		else
			p->irr &= ~bit;
	} else if (level && !was) {
		p->irr |= bit;
	}
}

/* Propagate: the slave's INT drives master IR2; the master's INT drives
 * the boot CPU's LINT0. */
static void pic_update(struct pic *s)
{
	struct machine *m = s->m;
	bool intr;

	pic_chip_input(&s->chip[0], PIC_CASCADE_IR, pic_best(&s->chip[1], false) >= 0);
	intr = pic_best(&s->chip[0], true) >= 0;
	if (intr == s->intr)
		return;
	s->intr = intr;
	if (m->nr_cpus < 1 || !m->cpus[0] || !m->cpus[0]->apic)
		return;
	lapic_set_lint(m->cpus[0]->apic, 0, intr);
	/* SDM "Enabling or Disabling the Local APIC": with the APIC globally
	 * disabled the processor behaves as one without an APIC, LINT0 being
	 * its INTR pin, so the CPU must look at its inputs again whatever the
	 * (reset, masked) LVT says. */
	if (intr)
		cpu_raise_intr(m->cpus[0]);
}

void pic_set_irq(struct machine *m, int irq, int level)
{
	struct pic *s = pic_of(m);

	if (!s || irq < 0 || irq > 15 || irq == PIC_CASCADE_IR)
		return; /* IR2 of the master is the cascade, not an ISA line */
	pic_chip_input(&s->chip[irq >> 3], irq & 7, level);
	pic_update(s);
}

/* --- interrupt acknowledge ----------------------------------------------- */

/* INTA on one chip for input `ir`: edge requests leave IRR, ISR records
 * the level unless in automatic-EOI mode ("AEOI": rotation on AEOI makes
 * it the lowest priority). */
static void pic_chip_ack(struct pic_chip *p, int ir)
{
	if (!pic_level_mode(p, ir))
		p->irr &= ~BIT(ir);
	if (p->icw4 & ICW4_AEOI) {
		if (p->rotate_aeoi)
			p->lowest = (u8)ir;
	} else {
		p->isr |= BIT(ir);
	}
}

/* The vector the pair would answer an INTA with (peek), or -1. A cascade
 * request whose slave has nothing left answers the slave's IR7, and a
 * master INT that fell before INTA answers the master's IR7 ("spurious"). */
static int pic_vector(const struct pic *s, bool *spurious)
{
	int ir = pic_best(&s->chip[0], true);
	int sir;

	*spurious = false;
	if (ir < 0) {
		*spurious = true;
		return s->chip[0].base + PIC_SPURIOUS_IR;
	}
	if (ir != PIC_CASCADE_IR || (s->chip[0].icw1 & ICW1_SNGL))
		return s->chip[0].base + ir;
	sir = pic_best(&s->chip[1], false);
	if (sir < 0)
		return s->chip[1].base + PIC_SPURIOUS_IR;
	return s->chip[1].base + sir;
}

static int pic_extint_pending(struct machine *m)
{
	struct pic *s = pic_of(m);
	bool spurious;

	if (!s || !s->intr)
		return -1;
	return pic_vector(s, &spurious);
}

static int pic_extint_ack(struct machine *m)
{
	struct pic *s = pic_of(m);
	int ir, sir, vec;
	bool spurious;

	if (!s)
		return -1;
	vec = pic_vector(s, &spurious);
	if (spurious)
		return vec; /* nothing is acknowledged: no ISR bit */
	ir = pic_best(&s->chip[0], true);
	pic_chip_ack(&s->chip[0], ir);
	if (ir == PIC_CASCADE_IR && !(s->chip[0].icw1 & ICW1_SNGL)) {
		sir = pic_best(&s->chip[1], false);
		if (sir >= 0)
			pic_chip_ack(&s->chip[1], sir);
	}
	pic_update(s);
	return vec;
}

/* "Poll Command": the read that follows is an acknowledge of the
 * chip's best request: bit 7 = a request was there, bits 2:0 its IR. */
static u8 pic_poll(struct pic *s, struct pic_chip *p)
{
	int ir = pic_best(p, p == &s->chip[0]);

	p->poll = false;
	if (ir < 0)
		return 0;
	pic_chip_ack(p, ir);
	pic_update(s);
	return (u8)(0x80 | ir);
}

/* --- EOI and priority commands (OCW2) ------------------------------------ */

static void pic_ocw2(struct pic_chip *p, u8 val)
{
	int ir = val & 7;
	int r;

	switch (val >> 5) {
	case 1: /* non-specific EOI: the highest-priority in-service level */
	case 5: /* rotate on non-specific EOI */
		r = pic_rank(p, p->isr);
		if (r == 8)
			break;
		ir = pic_ir_of_rank(p, r);
		p->isr &= ~BIT(ir);
		if (val >> 5 == 5)
			p->lowest = (u8)ir;
		break;
	case 3: /* specific EOI */
		p->isr &= ~BIT(ir);
		break;
	case 7: /* rotate on specific EOI */
		p->isr &= ~BIT(ir);
		p->lowest = (u8)ir;
		break;
	case 6: /* set priority: IR L becomes the lowest */
		p->lowest = (u8)ir;
		break;
	case 4: /* set rotate in automatic EOI mode */
	case 0: /* clear rotate in automatic EOI mode */
		p->rotate_aeoi = (val >> 5) == 4;
		break;
	default: /* 2: no operation */
		break;
	}
}

/* "Initialization Command Words": ICW1 resets the edge sense, clears
 * IMR, gives IR7 the lowest priority, clears special mask and selects IRR
 * for status reads; without IC4 the ICW4 functions are cleared. */
static void pic_icw1(struct pic_chip *p, u8 val)
{
	p->icw1 = val;
	p->imr = 0;
	p->isr = 0;
	/* edge requests are forgotten and a line still high must fall and
	 * rise again; level requests stay as long as their line is high */
	p->irr = p->lines & (u8)((val & ICW1_LTIM) ? 0xff : p->elcr);
	p->lowest = 7;
	p->special_mask = false;
	p->read_isr = false;
	p->poll = false;
	p->rotate_aeoi = false;
	if (!(val & ICW1_IC4))
		p->icw4 = 0;
	p->init_step = INIT_ICW2;
}

static void pic_data_write(struct pic_chip *p, u8 val)
{
	switch (p->init_step) {
	case INIT_ICW2:
		p->base = val & 0xf8; /* 8086 mode: T7-T3; IR number below */
		if (!(p->icw1 & ICW1_SNGL))
			p->init_step = INIT_ICW3;
		else
			p->init_step = (p->icw1 & ICW1_IC4) ? INIT_ICW4 : INIT_DONE;
		break;
	case INIT_ICW3:
		p->icw3 = val;
		p->init_step = (p->icw1 & ICW1_IC4) ? INIT_ICW4 : INIT_DONE;
		break;
	case INIT_ICW4:
		p->icw4 = val;
		p->init_step = INIT_DONE;
		break;
	default: /* OCW1 */
		p->imr = val;
		break;
	}
}

static void pic_cmd_write(struct pic_chip *p, u8 val)
{
	if (val & ICW1_INIT) {
		pic_icw1(p, val);
		return;
	}
	if (!(val & OCW3_SEL)) {
		pic_ocw2(p, val);
		return;
	}
	/* OCW3 */
	if (val & OCW3_POLL)
		p->poll = true;
	if (val & OCW3_RR)
		p->read_isr = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		p->special_mask = val & OCW3_SMM;
}

/* --- port handlers ------------------------------------------------------- */

struct pic_port {
	struct pic *s;
	int chip;
};

static u8 pic_read_byte(struct pic *s, struct pic_chip *p, unsigned a0)
{
	if (p->poll)
		return pic_poll(s, p);
	if (a0)
		return p->imr;
	return p->read_isr ? p->isr : p->irr;
}

static void pic_write_byte(struct pic *s, struct pic_chip *p, unsigned a0, u8 val)
{
	if (a0)
		pic_data_write(p, val);
	else
		pic_cmd_write(p, val);
	pic_update(s);
}

/* wider accesses are split into bytes, as on the 8-bit ISA bus */
static u64 pic_port_read(void *opaque, u64 off, unsigned size)
{
	struct pic_port *pp = opaque;
	u64 v = 0;

	for (unsigned k = 0; k < size; k++)
		v |= (u64)(off + k < 2 ? pic_read_byte(pp->s, &pp->s->chip[pp->chip],
						       (unsigned)(off + k)) : 0xff) << (8 * k);
	return v;
}

static void pic_port_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pic_port *pp = opaque;

	for (unsigned k = 0; k < size && off + k < 2; k++)
		pic_write_byte(pp->s, &pp->s->chip[pp->chip], (unsigned)(off + k), (u8)(val >> (8 * k)));
}

/* ELCR (PIIX "Edge/Level Control Registers"): one bit per IRQ, 1 = level.
 * IRQ 0, 1, 2, 8 and 13 are always edge-triggered (their bits read 0). */
static u64 elcr_read(void *opaque, u64 off, unsigned size)
{
	struct pic *s = opaque;
	u64 v = 0;

	for (unsigned k = 0; k < size; k++)
		v |= (u64)(off + k < 2 ? s->chip[off + k].elcr : 0xff) << (8 * k);
	return v;
}

static void elcr_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pic *s = opaque;

	for (unsigned k = 0; k < size && off + k < 2; k++) {
		struct pic_chip *p = &s->chip[off + k];

		p->elcr = (u8)(val >> (8 * k)) & p->elcr_rw;
		/* a level input's request is its line */
		p->irr = (u8)((p->irr & ~p->elcr) | (p->lines & p->elcr));
	}
	pic_update(s);
}

struct pic_state {
	struct pic pic;
	struct pic_port port[2];
};

static const struct snap_field pic_state_fields[] = {
	SNAP_STRUCT(struct pic_state, pic, struct pic, pic_snap),
	SNAP_DERIVED(struct pic_state, port, "construction: one port window per chip"),
};
SNAP_DESC(pic_state, 1, pic_state_fields, NULL, NULL);

void pic_init(struct machine *m)
{
	struct pic_state *st = dev_state_new(m, sizeof(*st), PIC_NAME, &pic_state_snap);
	struct pic *s = &st->pic;

	s->m = m;
	s->chip[0].elcr_rw = 0xf8;
	s->chip[1].elcr_rw = 0xde;
	for (int i = 0; i < 2; i++) {
		s->chip[i].lowest = 7;
		st->port[i].s = s;
		st->port[i].chip = i;
	}
	physmem_add_pio(&m->mem, 0x20, 2, pic_port_read, pic_port_write, &st->port[0], "pic-master");
	physmem_add_pio(&m->mem, 0xa0, 2, pic_port_read, pic_port_write, &st->port[1], "pic-slave");
	physmem_add_pio(&m->mem, 0x4d0, 2, elcr_read, elcr_write, s, "elcr");
	lapic_set_extint_hooks(m, pic_extint_pending, pic_extint_ack);
}
