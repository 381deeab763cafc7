/* dev/pit8254.c: the 8254 programmable interval timer (ports 0x40-0x43,
 * channel 0 to ISA IRQ 0) and system control port B (0x61: channel 2 gate,
 * speaker data, channel 2 output, refresh toggle).
 *
 * Intel 8254 data sheet (order no. 231164). The counters are not stepped:
 * each channel remembers the PIT clock tick at which it was loaded, and its
 * count and OUT are computed from the elapsed ticks when read. The input
 * clock is 1.193182 MHz of virtual time (machine/clock.h). Channel 0 arms
 * one virtual-time timer per OUT edge (per period in modes 2 and 4), so a
 * periodic tick costs nothing between edges; lost edges (a timer that
 * fired late) are dropped, not replayed. */
#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/timers.h"

#define PIT_HZ 1193182ull

/* control word (port 0x43) fields, 8254 data sheet "Control Word Format" */
#define CW_SC(v)  (((v) >> 6) & 3)  /* select counter; 3 = read-back */
#define CW_RW(v)  (((v) >> 4) & 3)  /* 0 latch, 1 LSB, 2 MSB, 3 LSB then MSB */
#define CW_M(v)   (((v) >> 1) & 7)  /* mode; 6 and 7 alias 2 and 3 */
#define CW_BCD    BIT(0)

enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD };

struct pit_chan {
	u8 ctrl;          /* control word bits 5:0 (RW, M, BCD) for read-back status */
	u8 mode, rw;
	bool bcd;
	bool loaded;      /* a count is in the counting element (counting) */
	bool triggered;   /* modes 1/5: gate trigger seen since loading */
	bool gate;
	bool out_idle;    /* OUT when not loaded (after a control word) */
	u32 count;        /* N, 1..65536 (binary) or 1..10000 (BCD) */
	u64 load;         /* PIT tick at which counting started (d = 0) */
	u64 paused;       /* tick at which the gate went low */
	u32 hold;         /* count shown while not counting */
	/* modes 2/3: a count written while counting waits for the period end */
	bool pending;
	u32 pending_count;
	u64 switch_tick;
	u8 wlsb;          /* RW_WORD: LSB written, waiting for the MSB */
	bool wmsb;
	bool rmsb;        /* RW_WORD live read: next byte is the MSB */
	bool count_latched;
	u16 latch;
	u8 latch_bytes;   /* bytes of the latch still to read (RW_WORD: 2) */
	bool status_latched;
	u8 status;
	u64 event;        /* channel 0: PIT tick of the armed OUT edge */
	struct timer timer;
	struct pit *pit;
	int idx;
};

struct pit {
	struct dev_hdr hdr;
	struct machine *m;
	struct pit_chan ch[3];
	struct irq_probe irq0;
	u8 port61;  /* system control port B, bits 3:0 */
	u8 refresh; /* port B bit 4: toggles on each read */
};

/* --- snapshot ------------------------------------------------------------ */

/* The rules every reachable channel state obeys (8254 data sheet "Control
 * Word Format", "Write Operations", "Read Operations"):
 *  - mode, access mode and BCD are the control word's fields (modes 6
 *    and 7 are 2 and 3), and the access mode is never a latch command;
 *  - a count is 1..65536 (binary) or 1..10000 (BCD) once loaded, and a
 *    count waiting for the period end (modes 2/3, gate high) is one too;
 *  - only modes 1 and 5 see a gate trigger;
 *  - the byte-order flip-flops only move in LSB-then-MSB access mode;
 *  - a latched count has one or (LSB then MSB) two bytes left, a latched
 *    status carries the control word it was latched under (a control word
 *    drops both latches);
 *  - only channel 0 drives a line, so only it arms its timer. */
static const char *pit_chan_check(const void *p, char *msg, size_t len)
{
	const struct pit_chan *ch = p;
	u32 mod = ch->bcd ? 10000 : 65536;
	u8 m = CW_M(ch->ctrl) > 5 ? CW_M(ch->ctrl) - 4 : CW_M(ch->ctrl);

	if (ch->mode != m) {
		snprintf(msg, len, "%u, but the control word %#x says mode %u", ch->mode, ch->ctrl, m);
		return "mode";
	}
	if (ch->rw != CW_RW(ch->ctrl) || ch->rw == RW_LATCH) {
		snprintf(msg, len, "%u with control word %#x", ch->rw, ch->ctrl);
		return "rw";
	}
	if (ch->bcd != (bool)(ch->ctrl & CW_BCD)) {
		snprintf(msg, len, "%d with control word %#x", ch->bcd, ch->ctrl);
		return "bcd";
	}
	if (!ch->count || (ch->loaded && ch->count > mod)) {
		snprintf(msg, len, "%u is not a count of 1..%u", ch->count, ch->loaded ? mod : 65536);
		return "count";
	}
	if (ch->pending && (!ch->loaded || !ch->gate || (ch->mode != 2 && ch->mode != 3))) {
		snprintf(msg, len, "a new count waits only in modes 2 and 3 while counting");
		return "pending";
	}
	if (ch->pending && (!ch->pending_count || ch->pending_count > mod)) {
		snprintf(msg, len, "%u is not a count of 1..%u", ch->pending_count, mod);
		return "pending_count";
	}
	if (ch->pending && ch->switch_tick <= ch->load) {
		snprintf(msg, len, "%llu is not after the period start %llu",
			 (unsigned long long)ch->switch_tick, (unsigned long long)ch->load);
		return "switch_tick";
	}
	if (ch->triggered && ch->mode != 1 && ch->mode != 5) {
		snprintf(msg, len, "set in mode %u: only modes 1 and 5 are gate-triggered", ch->mode);
		return "triggered";
	}
	if (ch->wmsb && ch->rw != RW_WORD) {
		snprintf(msg, len, "an MSB is awaited in access mode %u", ch->rw);
		return "wmsb";
	}
	if (ch->rmsb && ch->rw != RW_WORD) {
		snprintf(msg, len, "an MSB is next in access mode %u", ch->rw);
		return "rmsb";
	}
	if (ch->count_latched && (!ch->latch_bytes || ch->latch_bytes > (ch->rw == RW_WORD ? 2 : 1))) {
		snprintf(msg, len, "%u bytes of a latch left in access mode %u", ch->latch_bytes, ch->rw);
		return "latch_bytes";
	}
	if (ch->status_latched && (ch->status & 0x3f) != ch->ctrl) {
		snprintf(msg, len, "%#x was not latched under control word %#x", ch->status, ch->ctrl);
		return "status";
	}
	if (ch->idx != 0 && ch->timer.armed) {
		snprintf(msg, len, "armed on channel %d, which drives no line", ch->idx);
		return "timer";
	}
	return NULL;
}

/* OUT's state before a count is loaded follows the mode (chan_control) */
static void pit_chan_loaded(void *p)
{
	struct pit_chan *ch = p;

	ch->out_idle = ch->mode != 0;
}

static const struct snap_field pit_chan_fields[] = {
	SNAP_U8_MAX(struct pit_chan, ctrl, 0x3f),
	SNAP_U8_MAX(struct pit_chan, mode, 5),
	SNAP_U8_MAX(struct pit_chan, rw, RW_WORD),
	SNAP_BOOL(struct pit_chan, bcd),
	SNAP_BOOL(struct pit_chan, loaded),
	SNAP_BOOL(struct pit_chan, triggered),
	SNAP_BOOL(struct pit_chan, gate),
	SNAP_DERIVED(struct pit_chan, out_idle, "the mode: low in mode 0, else high (pit_chan_loaded)"),
	SNAP_U32_MAX(struct pit_chan, count, 65536),
	SNAP_U64(struct pit_chan, load),
	SNAP_U64(struct pit_chan, paused),
	SNAP_U32_MAX(struct pit_chan, hold, 0xffff),
	SNAP_BOOL(struct pit_chan, pending),
	SNAP_U32_MAX(struct pit_chan, pending_count, 65536),
	SNAP_U64(struct pit_chan, switch_tick),
	SNAP_U8(struct pit_chan, wlsb),
	SNAP_BOOL(struct pit_chan, wmsb),
	SNAP_BOOL(struct pit_chan, rmsb),
	SNAP_BOOL(struct pit_chan, count_latched),
	SNAP_U16(struct pit_chan, latch),
	SNAP_U8_MAX(struct pit_chan, latch_bytes, 2),
	SNAP_BOOL(struct pit_chan, status_latched),
	SNAP_U8(struct pit_chan, status),
	SNAP_U64(struct pit_chan, event),
	SNAP_TIMER(struct pit_chan, timer),
	SNAP_DERIVED(struct pit_chan, pit, "construction: back-pointer to the PIT"),
	SNAP_DERIVED(struct pit_chan, idx, "construction: the channel's index in ch[]"),
};
SNAP_DESC(pit_chan, 1, pit_chan_fields, pit_chan_check, pit_chan_loaded);

/* gates 0 and 1 are tied high; gate 2 is port B bit 0 (port61_write) */
static const char *pit_check(const void *p, char *msg, size_t len)
{
	const struct pit *s = p;

	if (!s->ch[0].gate || !s->ch[1].gate) {
		snprintf(msg, len, "low, but gates 0 and 1 are tied high");
		return !s->ch[0].gate ? "ch[0].gate" : "ch[1].gate";
	}
	if (s->ch[2].gate != (bool)(s->port61 & 1)) {
		snprintf(msg, len, "%d, but port B bit 0 is %d", s->ch[2].gate, s->port61 & 1);
		return "ch[2].gate";
	}
	return NULL;
}

static const struct snap_field pit_fields[] = {
	SNAP_DERIVED(struct pit, hdr, "construction (pit_init)"),
	SNAP_DERIVED(struct pit, m, "construction: the machine"),
	SNAP_STRUCT(struct pit, ch, struct pit_chan, pit_chan_snap),
	SNAP_STRUCT(struct pit, irq0, struct irq_probe, irq_probe_snap),
	SNAP_U8_MAX(struct pit, port61, 0x0f),
	SNAP_U8_MAX(struct pit, refresh, 1),
};
SNAP_DESC(pit, 1, pit_fields, pit_check, NULL);

static u64 pit_now(struct pit *p)
{
	return (u64)(((u128)clock_ns(p->m) * PIT_HZ) / 1000000000u);
}

/* virtual ns at which PIT tick t begins */
static u64 tick_ns(u64 t)
{
	return (u64)(((u128)t * 1000000000u + PIT_HZ - 1) / PIT_HZ);
}

static u32 modulus(const struct pit_chan *ch)
{
	return ch->bcd ? 10000 : 65536;
}

static u16 to_bcd(u32 v)
{
	return (u16)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

/* the 16-bit register image of count value v (0..modulus-1) */
static u16 shown(const struct pit_chan *ch, u32 v)
{
	return ch->bcd ? to_bcd(v) : (u16)v;
}

/* 8254 "Mode 2"/"Mode 3": the count that waited for the end of the
 * current period becomes N once that boundary passes */
static void chan_sync(struct pit_chan *ch, u64 now)
{
	if (ch->pending && now >= ch->switch_tick) {
		ch->count = ch->pending_count;
		ch->load = ch->switch_tick;
		ch->pending = false;
	}
}

static bool gate_counts(const struct pit_chan *ch)
{
	/* modes 1 and 5 use the gate only as a trigger */
	return ch->gate || ch->mode == 1 || ch->mode == 5;
}

/* elapsed ticks since loading at PIT tick `now`, or -1 if not counting */
static i64 chan_elapsed(const struct pit_chan *ch, u64 now)
{
	if (!ch->loaded)
		return -1;
	if ((ch->mode == 1 || ch->mode == 5) && !ch->triggered)
		return -1;
	if (!gate_counts(ch))
		now = ch->paused;
	return now >= ch->load ? (i64)(now - ch->load) : 0;
}

/* count value (0..modulus-1) at tick `now` */
static u32 chan_count(const struct pit_chan *ch, u64 now)
{
	i64 e = chan_elapsed(ch, now);
	u32 n = ch->count, mod = modulus(ch);
	u64 d;

	if (e < 0)
		return ch->hold;
	d = (u64)e;
	switch (ch->mode) {
	case 2: /* counts N..1, reloads on the clock after 1 */
		return (n - (u32)(d % n)) % mod;
	case 3: /* by twos; an odd N runs N-1, N-3, ..., 0 high and N-1, ..., 2 low
		 * ("Mode 3" even and odd counts), both reloading at expiry */
		return (u32)((n - (2 * d) % n) & ~1ull) % mod;
	default: /* modes 0, 1, 4, 5 count down and wrap */
		return (u32)((n + (u64)mod - d % mod) % mod);
	}
}

/* OUT at tick `now` ("Mode Definitions") */
static int chan_out(const struct pit_chan *ch, u64 now)
{
	i64 e = chan_elapsed(ch, now);
	u64 d = (u64)e, n = ch->count;

	if (e < 0)
		return ch->mode == 0 ? 0 : ch->out_idle;
	switch (ch->mode) {
	case 0:
	case 1: /* low from the load (trigger) to terminal count */
		return d >= n;
	case 2: /* low for the one clock when the count is 1 */
		if (!ch->gate || n < 2)
			return 1;
		return d % n != n - 1;
	case 3: /* high for ceil(N/2), low for floor(N/2) */
		if (!ch->gate)
			return 1;
		return d % n < (n + 1) / 2;
	default: /* 4, 5: one clock low at terminal count */
		return d != n;
	}
}

/* next tick > d (relative to load) at which channel 0 drives an edge, or
 * UINT64_MAX; *pulse says whether that edge is a one-clock strobe */
static u64 chan_next_edge(const struct pit_chan *ch, u64 d, bool *pulse)
{
	u64 n = ch->count, k;

	*pulse = false;
	switch (ch->mode) {
	case 0:
	case 1:
		return d < n ? n : UINT64_MAX;
	case 2:
		if (!ch->gate || n < 2)
			return UINT64_MAX;
		*pulse = true;
		return (d / n + 1) * n;
	case 3:
		if (!ch->gate || n < 2)
			return UINT64_MAX;
		k = d / n * n;
		if (d < k + (n + 1) / 2)
			return k + (n + 1) / 2;
		return k + n;
	default:
		*pulse = true;
		return d < n ? n : UINT64_MAX;
	}
}

/* channel 0: drive IRQ 0 to OUT now and arm the timer for the next edge */
static void chan0_update(struct pit_chan *ch)
{
	struct pit *p = ch->pit;
	u64 now = pit_now(p), next;
	i64 e;
	bool pulse;

	if (ch->idx != 0)
		return;
	chan_sync(ch, now);
	/* the strobe modes' one-clock low is sent as a pulse (chan0_timer);
	 * between strobes the line is high */
	irq_probe_set(p->m, &p->irq0, 0, false,
		      ch->mode == 2 || ch->mode >= 4 ? 1 : chan_out(ch, now));
	e = chan_elapsed(ch, now);
	next = e < 0 ? UINT64_MAX : chan_next_edge(ch, (u64)e, &pulse);
	if (ch->pending && (next == UINT64_MAX || ch->load + next > ch->switch_tick))
		next = ch->switch_tick - ch->load;
	if (next == UINT64_MAX) {
		timer_del(p->m, &ch->timer);
		return;
	}
	ch->event = ch->load + next;
	timer_mod(p->m, &ch->timer, tick_ns(ch->event));
}

static void chan0_timer(void *opaque)
{
	struct pit_chan *ch = opaque;
	struct pit *p = ch->pit;
	u64 now = pit_now(p);
	i64 e = chan_elapsed(ch, now);
	bool pulse = false;

	/* the edge armed for ch->event; strobes are a pulse on the line */
	if (e >= 0) {
		u64 d = ch->event - ch->load;
		(void)chan_next_edge(ch, d - 1, &pulse);
	}
	if (pulse)
		irq_probe_pulse(p->m, &p->irq0, 0, false);
	chan0_update(ch);
}

/* "Write Operations": the control word for one counter */
static void chan_control(struct pit_chan *ch, u8 cw)
{
	u64 now = pit_now(ch->pit);

	chan_sync(ch, now);
	ch->hold = chan_count(ch, now);
	ch->ctrl = cw & 0x3f;
	ch->rw = CW_RW(cw);
	ch->mode = CW_M(cw) > 5 ? CW_M(cw) - 4 : CW_M(cw);
	ch->bcd = cw & CW_BCD;
	/* "the Control Word is written ... OUT goes to its initial state":
	 * low in mode 0, high otherwise */
	ch->out_idle = ch->mode != 0;
	ch->loaded = false;
	ch->triggered = false;
	ch->pending = false;
	ch->wmsb = false;
	ch->rmsb = false;
	ch->count_latched = false;
	ch->status_latched = false;
	chan0_update(ch);
}

static u32 count_from_reg(const struct pit_chan *ch, u16 reg)
{
	u32 v = reg, mod = modulus(ch);

	if (ch->bcd) /* digits above 9 are taken at their binary weight */
		v = (reg & 0xf) + (reg >> 4 & 0xf) * 10 + (reg >> 8 & 0xf) * 100 +
		    (reg >> 12 & 0xf) * 1000;
	v %= mod;
	return v ? v : mod; /* 0 is the largest count */
}

/* a complete count written: load it ("Mode Definitions", per mode) */
static void chan_load(struct pit_chan *ch, u16 reg)
{
	u64 now = pit_now(ch->pit);
	u32 n = count_from_reg(ch, reg);
	i64 e;

	chan_sync(ch, now);
	e = chan_elapsed(ch, now);
	if ((ch->mode == 2 || ch->mode == 3) && e >= 0 && ch->gate) {
		/* takes effect at the end of the current period */
		ch->pending = true;
		ch->pending_count = n;
		ch->switch_tick = ch->load + ((u64)e / ch->count + 1) * ch->count;
		chan0_update(ch);
		return;
	}
	ch->count = n;
	ch->load = now;
	ch->paused = now;
	ch->loaded = true;
	ch->pending = false;
	/* modes 1 and 5 wait for a gate trigger; 0, 2, 3, 4 start now */
	if (ch->mode == 1 || ch->mode == 5)
		ch->triggered = false;
	chan0_update(ch);
}

static void chan_write(struct pit_chan *ch, u8 v)
{
	switch (ch->rw) {
	case RW_LSB:
		chan_load(ch, v);
		break;
	case RW_MSB:
		chan_load(ch, (u16)(v << 8));
		break;
	default:
		if (!ch->wmsb) {
			ch->wlsb = v;
			ch->wmsb = true;
			/* "Mode 0": writing the first byte stops counting, OUT low */
			if (ch->mode == 0) {
				u64 now = pit_now(ch->pit);
				ch->hold = chan_count(ch, now);
				ch->loaded = false;
				chan0_update(ch);
			}
			break;
		}
		ch->wmsb = false;
		chan_load(ch, (u16)(ch->wlsb | v << 8));
		break;
	}
}

/* "Counter Latch Command": a second latch before the first is read is ignored */
static void chan_latch_count(struct pit_chan *ch)
{
	u64 now = pit_now(ch->pit);

	if (ch->count_latched)
		return;
	chan_sync(ch, now);
	ch->latch = shown(ch, chan_count(ch, now));
	ch->count_latched = true;
	ch->latch_bytes = ch->rw == RW_WORD ? 2 : 1;
}

/* "Read-Back Command" status byte: OUT, NULL COUNT, RW, M, BCD */
static void chan_latch_status(struct pit_chan *ch)
{
	u64 now = pit_now(ch->pit);
	bool null_count;

	if (ch->status_latched)
		return;
	chan_sync(ch, now);
	/* NULL COUNT: the last count written is not yet in the counting element */
	null_count = !ch->loaded || ch->pending || now <= ch->load;
	ch->status = (u8)(chan_out(ch, now) << 7 | null_count << 6 | ch->ctrl);
	ch->status_latched = true;
}

static u8 latch_byte(struct pit_chan *ch)
{
	u8 v;

	if (ch->rw == RW_MSB || (ch->rw == RW_WORD && ch->latch_bytes == 1))
		v = ch->latch >> 8;
	else
		v = (u8)ch->latch;
	if (--ch->latch_bytes == 0)
		ch->count_latched = false;
	return v;
}

/* "Read Operations": status first, then a latched count, else the live count */
static u8 chan_read(struct pit_chan *ch)
{
	u64 now;
	u16 v;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->count_latched)
		return latch_byte(ch);
	now = pit_now(ch->pit);
	chan_sync(ch, now);
	v = shown(ch, chan_count(ch, now));
	switch (ch->rw) {
	case RW_MSB:
		return v >> 8;
	case RW_WORD:
		ch->rmsb = !ch->rmsb;
		return ch->rmsb ? (u8)v : v >> 8;
	default:
		return (u8)v;
	}
}

static u64 pit_read(void *opaque, u64 off, unsigned size)
{
	struct pit *p = opaque;

	if (off == 3)
		return 0xff; /* the control word register cannot be read */
	return chan_read(&p->ch[off]);
}

static void pit_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pit *p = opaque;
	u8 cw = (u8)val;

	if (off != 3) {
		chan_write(&p->ch[off], cw);
		return;
	}
	if (CW_SC(cw) == 3) { /* read-back: bit 5 clear latches counts, bit 4 status */
		for (int i = 0; i < 3; i++) {
			if (!(cw & BIT(1 + i)))
				continue;
			if (!(cw & BIT(4)))
				chan_latch_status(&p->ch[i]);
			if (!(cw & BIT(5)))
				chan_latch_count(&p->ch[i]);
		}
		return;
	}
	if (CW_RW(cw) == RW_LATCH)
		chan_latch_count(&p->ch[CW_SC(cw)]);
	else
		chan_control(&p->ch[CW_SC(cw)], cw);
}

/* "Gate": a rising edge triggers modes 1 and 5 and reloads modes 2 and 3;
 * while low, modes 0, 2, 3 and 4 stop counting (2 and 3 force OUT high) */
static void chan_set_gate(struct pit_chan *ch, bool gate)
{
	u64 now = pit_now(ch->pit);

	if (gate == ch->gate)
		return;
	chan_sync(ch, now);
	ch->pending = false;
	if (gate) {
		if (ch->mode == 1 || ch->mode == 5) {
			ch->triggered = true;
			ch->load = now;
		} else if (ch->mode == 2 || ch->mode == 3) {
			ch->load = now;
		} else {
			ch->load += now - ch->paused;
		}
	} else {
		ch->paused = now;
	}
	ch->gate = gate;
	chan0_update(ch);
}

static u64 port61_read(void *opaque, u64 off, unsigned size)
{
	struct pit *p = opaque;
	struct pit_chan *ch2 = &p->ch[2];
	u64 now = pit_now(p);

	/* refresh request toggles so delay loops on it make progress */
	p->refresh ^= 1;
	chan_sync(ch2, now);
	return p->port61 | (p->refresh << 4) | chan_out(ch2, now) << 5;
}

static void port61_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pit *p = opaque;

	p->port61 = val & 0x0f;
	chan_set_gate(&p->ch[2], val & 1);
}

const struct irq_probe *pit_irq_probe(struct machine *m)
{
	struct pit *p = dev_state_find(m, "pit");

	return p ? &p->irq0 : NULL;
}

void pit_init(struct machine *m)
{
	struct pit *p = dev_state_new(m, sizeof(*p), "pit", &pit_snap);

	p->m = m;
	p->irq0.legacy = true;
	for (int i = 0; i < 3; i++) {
		struct pit_chan *ch = &p->ch[i];

		ch->pit = p;
		ch->idx = i;
		ch->gate = i != 2; /* gates 0 and 1 are tied high; 2 is port 0x61 bit 0 */
		ch->count = 65536;
		ch->out_idle = 1;
		ch->rw = RW_WORD;
		ch->mode = 3;
		ch->ctrl = RW_WORD << 4 | 3 << 1;
		timer_init(&ch->timer, chan0_timer, ch);
	}
	physmem_add_pio(&m->mem, 0x40, 4, pit_read, pit_write, p, "pit");
	physmem_add_pio(&m->mem, 0x61, 1, port61_read, port61_write, p, "port61");
}
