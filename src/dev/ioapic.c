/* dev/ioapic.c: the I/O APIC at 0xfec00000 (Intel "82093AA I/O Advanced
 * Programmable Interrupt Controller (IOAPIC)" data sheet), as QEMU 7.2
 * models it: version 0x20 (with the EOI register at offset 0x40), 24
 * pins, ID 0 at reset, every pin masked.
 *
 * Pin levels are logical (1 = asserted): the polarity bit is kept for
 * reads but not applied, as QEMU and KVM do. An edge-triggered pin
 * delivers on each assertion while unmasked (a masked edge is lost). A
 * level-triggered pin delivers while asserted, unmasked and without a
 * remote IRR; the delivery sets remote IRR, which an EOI of its vector
 * (the local APICs' broadcast or the EOI register) clears, after which a
 * still-asserted pin delivers again. */
#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/irq.h"
#include "dev/lapic.h"

#define IOAPIC_BASE     0xfec00000ull
#define IOAPIC_SIZE     0x1000u
#define IOAPIC_PINS     24
#define IOAPIC_VERSION  0x20

/* memory-mapped registers */
#define IOREGSEL  0x00
#define IOWIN     0x10
#define IOEOI     0x40

/* indirect registers */
#define IOAPICID  0x00
#define IOAPICVER 0x01
#define IOAPICARB 0x02
#define IOREDTBL  0x10

#define ID_SHIFT  24
#define ID_MASK   0xfu

/* redirection table entry ("I/O Redirection Table Registers") */
#define RTE_VECTOR       0xffull
#define RTE_DM_SHIFT     8
#define RTE_DEST_LOGICAL BIT(11)
#define RTE_DELIVS       BIT(12)  /* delivery status (RO) */
#define RTE_INTPOL       BIT(13)
#define RTE_REMOTE_IRR   BIT(14)  /* RO */
#define RTE_TRIGGER      BIT(15)  /* 1 = level */
#define RTE_MASK         BIT(16)
#define RTE_DEST_SHIFT   56
#define RTE_RO_BITS      (RTE_DELIVS | RTE_REMOTE_IRR)

struct ioapic {
	struct dev_hdr hdr;
	struct machine *m;
	u8 regsel;
	u8 id;
	u32 lines;                 /* pin levels */
	u64 rte[IOAPIC_PINS];
};

/* IOREGSEL takes any byte (unimplemented registers read 0 and ignore
 * writes), so every value of regsel can exist. In the redirection
 * entries, delivery status is never set (messages are delivered at once)
 * and remote IRR only on a level-triggered entry (a write that makes the
 * entry edge-triggered clears it). */
static const char *ioapic_check(const void *p, char *msg, size_t len)
{
	const struct ioapic *s = p;

	for (int pin = 0; pin < IOAPIC_PINS; pin++) {
		u64 e = s->rte[pin];

		if (e & RTE_DELIVS) {
			snprintf(msg, len, "pin %d: delivery status set (%#llx)", pin,
				 (unsigned long long)e);
			return "rte";
		}
		if ((e & RTE_REMOTE_IRR) && !(e & RTE_TRIGGER)) {
			snprintf(msg, len, "pin %d: remote IRR set on an edge-triggered entry (%#llx)",
				 pin, (unsigned long long)e);
			return "rte";
		}
	}
	return NULL;
}

static const struct snap_field ioapic_fields[] = {
	SNAP_DERIVED(struct ioapic, hdr, "construction (ioapic_init)"),
	SNAP_DERIVED(struct ioapic, m, "construction: the machine"),
	SNAP_U8(struct ioapic, regsel),
	SNAP_U8_MAX(struct ioapic, id, ID_MASK),
	SNAP_U32_MAX(struct ioapic, lines, (u32)BIT(IOAPIC_PINS) - 1),
	SNAP_U64(struct ioapic, rte),
};
SNAP_DESC(ioapic, 1, ioapic_fields, ioapic_check, NULL);

#define IOAPIC_NAME "ioapic"

static struct ioapic *ioapic_of(struct machine *m)
{
	return dev_state_find(m, IOAPIC_NAME);
}

static unsigned rte_dm(u64 e) { return (e >> RTE_DM_SHIFT) & 7; }
static bool rte_level(u64 e) { return e & RTE_TRIGGER; }

/* Fixed and lowest-priority interrupts may be level-triggered; SMI, NMI,
 * INIT and ExtINT are always sent as edges (SDM "I/O APIC" notes on the
 * delivery modes: "treated as edge triggered"). */
static bool rte_uses_remote_irr(u64 e)
{
	return rte_level(e) && (rte_dm(e) == APIC_DM_FIXED || rte_dm(e) == APIC_DM_LOWEST);
}

/* send pin `pin`'s interrupt message to the local APICs */
static void ioapic_send(struct ioapic *s, int pin)
{
	u64 e = s->rte[pin];
	unsigned dm = rte_dm(e);
	struct apic_msg msg = {
		.dest = (u32)(e >> RTE_DEST_SHIFT) & 0xff,
		.dest_logical = (e & RTE_DEST_LOGICAL) != 0,
		.shorthand = APIC_SH_NONE,
		.delivery_mode = (u8)dm,
		.vector = (u8)(e & RTE_VECTOR),
		.level = true,
	};

	/* delivery modes 011 and 110 are reserved: nothing is sent */
	if (dm == APIC_DM_REMOTE_READ || dm == APIC_DM_STARTUP)
		return;
	if (rte_uses_remote_irr(e)) {
		msg.trigger_level = true;
		s->rte[pin] |= RTE_REMOTE_IRR;
	}
	lapic_deliver(s->m, NULL, &msg);
}

/* a level pin that is asserted, unmasked and not waiting for an EOI */
static void ioapic_service_level(struct ioapic *s, int pin)
{
	u64 e = s->rte[pin];

	if (!(s->lines & BIT(pin)) || (e & RTE_MASK) || !rte_level(e))
		return;
	if (e & RTE_REMOTE_IRR)
		return;
	ioapic_send(s, pin);
}

void ioapic_set_irq(struct machine *m, int gsi, int level)
{
	struct ioapic *s = ioapic_of(m);

	if (!s || gsi < 0 || gsi >= IOAPIC_PINS)
		return;
	if (level)
		s->lines |= (u32)BIT(gsi);
	else
		s->lines &= ~(u32)BIT(gsi);
	if (rte_level(s->rte[gsi])) {
		ioapic_service_level(s, gsi);
		return;
	}
	/* 82093AA: a masked edge is ignored. Every assertion is an edge,
	 * even of a line already high (QEMU and KVM do so: a device that
	 * raises its line again interrupts again). */
	if (level && !(s->rte[gsi] & RTE_MASK))
		ioapic_send(s, gsi);
}

/* an EOI for `vector`: remote IRR of every level entry with that vector
 * clears; an asserted pin then interrupts again */
static void ioapic_eoi(struct ioapic *s, u8 vector)
{
	for (int pin = 0; pin < IOAPIC_PINS; pin++) {
		u64 e = s->rte[pin];

		if ((e & RTE_VECTOR) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		s->rte[pin] &= ~RTE_REMOTE_IRR;
		ioapic_service_level(s, pin);
	}
}

/* the local APICs' EOI broadcast for a level-triggered vector */
static void ioapic_eoi_broadcast(struct machine *m, u8 vector)
{
	struct ioapic *s = ioapic_of(m);

	if (s)
		ioapic_eoi(s, vector);
}

/* --- registers ----------------------------------------------------------- */

static u32 ioapic_reg_read(const struct ioapic *s)
{
	u8 r = s->regsel;

	switch (r) {
	case IOAPICID:
	case IOAPICARB: /* QEMU: the arbitration ID reads as the APIC ID */
		return (u32)s->id << ID_SHIFT;
	case IOAPICVER:
		return IOAPIC_VERSION | ((IOAPIC_PINS - 1) << 16);
	default:
		break;
	}
	if (r >= IOREDTBL && r < IOREDTBL + 2 * IOAPIC_PINS) {
		u64 e = s->rte[(r - IOREDTBL) >> 1];

		return (r & 1) ? (u32)(e >> 32) : (u32)e;
	}
	return 0;
}

static void ioapic_rte_write(struct ioapic *s, int pin, bool high, u32 val)
{
	u64 e = s->rte[pin];
	u64 ro = e & RTE_RO_BITS;

	if (high)
		e = (e & 0xffffffffull) | ((u64)val << 32);
	else
		e = (e & ~0xffffffffull) | val;
	e = (e & ~RTE_RO_BITS) | ro;
	/* remote IRR has no meaning for an edge-triggered entry */
	if (!rte_level(e))
		e &= ~RTE_REMOTE_IRR;
	s->rte[pin] = e;
	/* unmasking (or turning level) an asserted level pin interrupts */
	ioapic_service_level(s, pin);
}

static void ioapic_reg_write(struct ioapic *s, u32 val)
{
	u8 r = s->regsel;

	if (r == IOAPICID) {
		s->id = (val >> ID_SHIFT) & ID_MASK;
		return;
	}
	if (r >= IOREDTBL && r < IOREDTBL + 2 * IOAPIC_PINS)
		ioapic_rte_write(s, (r - IOREDTBL) >> 1, r & 1, val);
	/* version, arbitration and unimplemented registers are read-only */
}

/* IOWIN takes 32-bit accesses only (QEMU ignores other sizes) */
static u64 ioapic_mmio_read(void *opaque, u64 off, unsigned size)
{
	struct ioapic *s = opaque;

	switch (off & 0xff) {
	case IOREGSEL:
		return s->regsel;
	case IOWIN:
		return size == 4 ? ioapic_reg_read(s) : 0;
	default:
		return 0;
	}
}

static void ioapic_mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct ioapic *s = opaque;

	switch (off & 0xff) {
	case IOREGSEL:
		s->regsel = (u8)val;
		break;
	case IOWIN:
		if (size == 4)
			ioapic_reg_write(s, (u32)val);
		break;
	case IOEOI:
		/* version 0x20 "EOI Register": a directed EOI for a vector */
		ioapic_eoi(s, (u8)val);
		break;
	default:
		break;
	}
}

static void ioapic_reset(struct ioapic *s)
{
	s->regsel = 0;
	s->id = 0;
	for (int pin = 0; pin < IOAPIC_PINS; pin++)
		s->rte[pin] = RTE_MASK;
}

void ioapic_init(struct machine *m)
{
	struct ioapic *s = dev_state_new(m, sizeof(*s), IOAPIC_NAME, &ioapic_snap);

	s->m = m;
	ioapic_reset(s);
	physmem_add_mmio(&m->mem, IOAPIC_BASE, IOAPIC_SIZE, ioapic_mmio_read, ioapic_mmio_write, s,
			 "ioapic");
	lapic_set_eoi_hook(m, ioapic_eoi_broadcast);
}
