/* dev/hpet.c: the HPET at 0xfed00000 (IA-PC HPET specification 1.0a), as
 * QEMU 7.2 configures it: three timers, a 64-bit main counter at 100 MHz
 * (10 ns), vendor 0x8086, legacy replacement routing, IOAPIC input 2
 * advertised in every timer's INT_ROUTE_CAP.
 *
 * The main counter is computed from virtual time. A comparator arms a
 * virtual-time timer only while the HPET is enabled and the timer's
 * interrupt is enabled; a periodic comparator whose interrupt is off is
 * brought up to date when it is read. */
#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/timers.h"

#define HPET_BASE     0xfed00000ull
#define HPET_LEN      0x400
#define HPET_TIMERS   3
#define HPET_NS       10            /* counter period in ns */
#define HPET_PERIOD_FS 10000000ull  /* COUNTER_CLK_PERIOD */

/* "General Capabilities and ID Register": REV_ID 1, NUM_TIM_CAP,
 * COUNT_SIZE_CAP (64-bit), LEG_RT_CAP, VENDOR_ID */
#define GCAP_ID (HPET_PERIOD_FS << 32 | 0x8086ull << 16 | BIT(15) | BIT(13) | \
		 (HPET_TIMERS - 1) << 8 | 0x01)

/* register offsets */
enum {
	R_GCAP = 0x000, R_GCONF = 0x010, R_GISR = 0x020, R_COUNTER = 0x0f0,
	R_TIMER = 0x100, /* + 0x20 n: CONF/CAP, +0x08 COMPARATOR, +0x10 FSB route */
};

#define CONF_ENABLE  BIT(0)   /* ENABLE_CNF */
#define CONF_LEGACY  BIT(1)   /* LEG_RT_CNF */

/* "Timer N Configuration and Capability Register" */
#define TN_LEVEL     BIT(1)   /* INT_TYPE_CNF */
#define TN_INT_ENB   BIT(2)   /* INT_ENB_CNF */
#define TN_PERIODIC  BIT(3)   /* TYPE_CNF */
#define TN_PER_CAP   BIT(4)   /* PER_INT_CAP */
#define TN_SIZE_CAP  BIT(5)   /* SIZE_CAP: 64-bit comparator */
#define TN_VAL_SET   BIT(6)   /* VAL_SET_CNF */
#define TN_32BIT     BIT(8)   /* 32MODE_CNF */
#define TN_ROUTE_SHIFT 9      /* INT_ROUTE_CNF, 5 bits */
#define TN_WRITABLE  0x3f4eull
#define TN_ROUTE_CAP (0x4ull << 32) /* IOAPIC input 2 (QEMU's i440fx PC) */

struct hpet;

struct hpet_timer {
	u64 conf;
	u64 cmp;
	u64 period;
	u64 fsb;
	u64 next;        /* main-counter value of the armed match */
	bool wrap_event; /* the armed event is a 32-bit one-shot's wrap */
	struct irq_probe irq;
	struct timer timer;
	struct hpet *h;
	int idx;
};

struct hpet {
	struct dev_hdr hdr;
	struct machine *m;
	u64 conf;
	u64 isr;
	u64 counter;     /* value when halted, or at origin_ns when running */
	u64 origin_ns;
	struct hpet_timer t[HPET_TIMERS];
};

/* --- snapshot --- */

/* "Timer N Configuration and Capability Register": PER_INT_CAP and
 * SIZE_CAP are fixed, the rest beyond TN_WRITABLE reads 0 (INT_ROUTE_CAP
 * is added on read). In 32-bit mode the comparator and the period are
 * kept to 32 bits; a 64-bit period is at most half the range (as
 * QEMU's). */
static const char *hpet_timer_check(const void *p, char *msg, size_t len)
{
	const struct hpet_timer *t = p;
	u64 fixed = TN_PER_CAP | TN_SIZE_CAP;
	bool m32 = t->conf & TN_32BIT;

	if ((t->conf & ~(TN_WRITABLE | fixed)) || (t->conf & fixed) != fixed) {
		snprintf(msg, len, "%#llx: the capability bits are fixed and the others read 0",
			 (unsigned long long)t->conf);
		return "conf";
	}
	if (m32 && t->cmp > 0xffffffffull) {
		snprintf(msg, len, "%#llx does not fit the 32-bit mode", (unsigned long long)t->cmp);
		return "cmp";
	}
	if (t->period > (m32 ? 0xffffffffull : ~0ull >> 1)) {
		snprintf(msg, len, "%#llx is more than a %s period can be", (unsigned long long)t->period,
			 m32 ? "32-bit" : "64-bit");
		return "period";
	}
	return NULL;
}

static const struct snap_field hpet_timer_fields[] = {
	SNAP_U64(struct hpet_timer, conf),
	SNAP_U64(struct hpet_timer, cmp),
	SNAP_U64(struct hpet_timer, period),
	SNAP_U64(struct hpet_timer, fsb),
	SNAP_U64(struct hpet_timer, next),
	SNAP_BOOL(struct hpet_timer, wrap_event),
	SNAP_STRUCT(struct hpet_timer, irq, struct irq_probe, irq_probe_snap),
	SNAP_TIMER(struct hpet_timer, timer),
	SNAP_DERIVED(struct hpet_timer, h, "construction: back-pointer to the HPET"),
	SNAP_DERIVED(struct hpet_timer, idx, "construction: the timer's index in t[]"),
};
SNAP_DESC(hpet_timer, 1, hpet_timer_fields, hpet_timer_check, NULL);

/* A timer's status bit and its line are set together by a level interrupt
 * and cleared together (timer_irq); an edge leaves both low. A comparator
 * is armed only while the HPET and its interrupt are enabled. */
static const char *hpet_check(const void *p, char *msg, size_t len)
{
	static const char *const timer_name[HPET_TIMERS] = { "t[0].timer", "t[1].timer",
							     "t[2].timer" };
	const struct hpet *h = p;

	for (int i = 0; i < HPET_TIMERS; i++) {
		const struct hpet_timer *t = &h->t[i];

		if (!!(h->isr & BIT(i)) != t->irq.level) {
			snprintf(msg, len, "%#llx, but timer %d's line is %d", (unsigned long long)h->isr,
				 i, t->irq.level);
			return "isr";
		}
		if (t->timer.armed && (!(h->conf & CONF_ENABLE) || !(t->conf & TN_INT_ENB))) {
			snprintf(msg, len, "timer %d armed with the HPET or its interrupt disabled", i);
			return timer_name[i];
		}
	}
	return NULL;
}

static const struct snap_field hpet_fields[] = {
	SNAP_DERIVED(struct hpet, hdr, "construction (hpet_init)"),
	SNAP_DERIVED(struct hpet, m, "construction: the machine"),
	SNAP_U64_MAX(struct hpet, conf, CONF_ENABLE | CONF_LEGACY),
	SNAP_U64_MAX(struct hpet, isr, BIT(HPET_TIMERS) - 1),
	SNAP_U64(struct hpet, counter),
	SNAP_U64(struct hpet, origin_ns),
	SNAP_STRUCT(struct hpet, t, struct hpet_timer, hpet_timer_snap),
};
SNAP_DESC(hpet, 1, hpet_fields, hpet_check, NULL);

static bool hpet_running(const struct hpet *h) { return h->conf & CONF_ENABLE; }

static u64 hpet_counter(const struct hpet *h)
{
	u64 now = clock_ns(h->m);

	if (!hpet_running(h))
		return h->counter;
	return h->counter + (now - h->origin_ns) / HPET_NS;
}

bool hpet_legacy(struct machine *m)
{
	struct hpet *h = dev_state_find(m, "hpet");

	return h && (h->conf & CONF_LEGACY);
}

/* "Legacy Replacement Route": timer 0 -> IRQ 0, timer 1 -> IRQ 8; otherwise
 * INT_ROUTE_CNF names the IOAPIC input */
static void timer_line(struct hpet_timer *t, int level)
{
	struct hpet *h = t->h;

	if ((h->conf & CONF_LEGACY) && t->idx < 2)
		irq_probe_set(h->m, &t->irq, t->idx == 0 ? 0 : 8, false, level);
	else
		irq_probe_set(h->m, &t->irq, (int)(t->conf >> TN_ROUTE_SHIFT & 31), true, level);
}

/* QEMU's update_irq: raise (level: status bit and line; edge: a pulse) only
 * while the HPET and the timer's interrupt are enabled; else deassert */
static void timer_irq(struct hpet_timer *t, bool set)
{
	struct hpet *h = t->h;
	u64 bit = BIT(t->idx);

	if (!set || !(t->conf & TN_INT_ENB) || !hpet_running(h)) {
		h->isr &= ~bit;
		if (t->irq.level)
			timer_line(t, 0);
	} else if (t->conf & TN_LEVEL) {
		h->isr |= bit;
		timer_line(t, 1);
	} else {
		h->isr &= ~bit;
		timer_line(t, 1);
		timer_line(t, 0);
	}
}

static u64 cmp_mask(const struct hpet_timer *t)
{
	return (t->conf & TN_32BIT) ? 0xffffffffull : ~0ull;
}

/* counter ticks from `cur` to the comparator; 0 if it is not ahead
 * (in the counter width: a comparator in the past matches at once, as
 * QEMU's hpet_calculate_diff has it) */
static u64 ticks_to_cmp(const struct hpet_timer *t, u64 cur)
{
	if (t->conf & TN_32BIT) {
		i32 d = (i32)((u32)t->cmp - (u32)cur);
		return d > 0 ? (u64)d : 0;
	}
	i64 d = (i64)(t->cmp - cur);
	return d > 0 ? (u64)d : 0;
}

/* periodic: "the comparator is incremented by the last value written"
 * after each match; matches already passed are skipped */
static void periodic_catch_up(struct hpet_timer *t, u64 cur)
{
	u64 behind;

	if (!(t->conf & TN_PERIODIC) || !t->period || ticks_to_cmp(t, cur) > 0)
		return;
	behind = (cur - t->cmp) & cmp_mask(t);
	t->cmp = (t->cmp + (behind / t->period + 1) * t->period) & cmp_mask(t);
}

/* Host guard: a periodic comparator re-arms at least this many ticks
 * (10 us) ahead; matches in between coalesce into the next interrupt, as
 * matches missed while time jumped already do. Without it a period of one
 * tick (10 ns) would keep the host firing timers for ever while the CPUs
 * are halted. */
#define HPET_MIN_REARM_TICKS 1000

/* arm the timer for its next match (or 32-bit one-shot wrap), at least
 * `min_d` ticks from now */
static void timer_arm_min(struct hpet_timer *t, u64 min_d)
{
	struct hpet *h = t->h;
	u64 cur, d, wrap;

	if (!hpet_running(h) || !(t->conf & TN_INT_ENB)) {
		timer_del(h->m, &t->timer);
		return;
	}
	cur = hpet_counter(h);
	d = ticks_to_cmp(t, cur);
	t->wrap_event = false;
	/* 32-bit one-shot: an interrupt also when the counter wraps (QEMU) */
	if ((t->conf & TN_32BIT) && !(t->conf & TN_PERIODIC)) {
		wrap = 0x100000000ull - (u32)cur;
		if (wrap < d) {
			d = wrap;
			t->wrap_event = true;
		}
	}
	if (d < min_d)
		d = min_d;
	t->next = cur + d;
	if (d > (UINT64_MAX - clock_ns(h->m)) / HPET_NS - 1) {
		timer_del(h->m, &t->timer);
		return;
	}
	timer_mod(h->m, &t->timer, h->origin_ns + (t->next - h->counter) * HPET_NS);
}

static void timer_arm(struct hpet_timer *t)
{
	timer_arm_min(t, 0);
}

static void hpet_timer_cb(void *opaque)
{
	struct hpet_timer *t = opaque;
	struct hpet *h = t->h;
	u64 cur = hpet_counter(h);

	if ((t->conf & TN_PERIODIC) && t->period) {
		periodic_catch_up(t, cur);
		timer_arm_min(t, HPET_MIN_REARM_TICKS);
	} else if (t->wrap_event) {
		t->wrap_event = false;
		/* wrapped: the comparator match is still ahead */
		timer_arm(t);
	}
	timer_irq(t, true);
}

static u64 timer_read(struct hpet_timer *t, unsigned reg)
{
	switch (reg) {
	case 0x00:
		return t->conf | TN_ROUTE_CAP;
	case 0x08:
		periodic_catch_up(t, hpet_counter(t->h));
		return t->cmp;
	case 0x10:
		return t->fsb;
	default:
		return 0;
	}
}

/* 64-bit register value at an 8-aligned offset */
static u64 hpet_read64(struct hpet *h, unsigned off)
{
	if (off >= R_TIMER && off < R_TIMER + 0x20 * HPET_TIMERS)
		return timer_read(&h->t[(off - R_TIMER) / 0x20], (off - R_TIMER) % 0x20);
	switch (off) {
	case R_GCAP: return GCAP_ID;
	case R_GCONF: return h->conf;
	case R_GISR: return h->isr;
	case R_COUNTER: return hpet_counter(h);
	default: return 0;
	}
}

/* "Timer N Comparator Value Register": in periodic mode a write sets the
 * period ("the value last written"), and with VAL_SET_CNF also the
 * comparator itself; VAL_SET_CNF clears after the write */
static void timer_write_cmp(struct hpet_timer *t, u64 val, u64 mask)
{
	u64 v;

	if (!(t->conf & TN_PERIODIC) || (t->conf & TN_VAL_SET))
		t->cmp = ((t->cmp & ~mask) | (val & mask)) & cmp_mask(t);
	if (t->conf & TN_PERIODIC) {
		v = (t->period & ~mask) | (val & mask);
		t->period = v & (cmp_mask(t) >> 1); /* as QEMU: at most half the range */
	}
	t->conf &= ~TN_VAL_SET;
	timer_arm(t);
}

static void timer_write_conf(struct hpet_timer *t, u64 val, u64 mask)
{
	u64 old = t->conf;

	val &= mask & TN_WRITABLE;
	t->conf = (old & ~(mask & TN_WRITABLE)) | val;
	if (t->conf & TN_32BIT) {
		t->cmp = (u32)t->cmp;
		t->period = (u32)t->period;
	}
	if ((old ^ t->conf) & (TN_INT_ENB | TN_LEVEL | (31ull << TN_ROUTE_SHIFT)))
		timer_irq(t, false); /* the old line/kind is released */
	if (!(t->conf & TN_INT_ENB))
		timer_del(t->h->m, &t->timer);
	else if (!(old & TN_INT_ENB) || t->timer.armed)
		timer_arm(t);
}

static void timer_write(struct hpet_timer *t, unsigned reg, u64 val, u64 mask)
{
	switch (reg) {
	case 0x00:
		timer_write_conf(t, val, mask & 0xffffffffull); /* INT_ROUTE_CAP is RO */
		break;
	case 0x08:
		timer_write_cmp(t, val, mask);
		break;
	case 0x10:
		t->fsb = (t->fsb & ~mask) | (val & mask);
		break;
	}
}

/* "General Configuration Register": ENABLE_CNF starts/halts the counter
 * and every comparator; LEG_RT_CNF takes IRQ 0 and IRQ 8 from the PIT and
 * the RTC (their lines are muted while it is set, as in QEMU) */
static void hpet_write_conf(struct hpet *h, u64 val)
{
	u64 old = h->conf, now = clock_ns(h->m);
	const struct irq_probe *p;

	if (!(old & CONF_ENABLE) && (val & CONF_ENABLE))
		h->origin_ns = now;
	if ((old & CONF_ENABLE) && !(val & CONF_ENABLE))
		h->counter = hpet_counter(h);
	h->conf = val & (CONF_ENABLE | CONF_LEGACY);
	if ((old ^ h->conf) & CONF_LEGACY) {
		for (int i = 0; i < 2; i++)
			timer_irq(&h->t[i], false);
		if (!(h->conf & CONF_LEGACY)) { /* give the lines back */
			if ((p = pit_irq_probe(h->m)))
				isa_set_irq(h->m, 0, p->level);
			if ((p = rtc_irq_probe(h->m)))
				isa_set_irq(h->m, 8, p->level);
		} else {
			isa_set_irq(h->m, 0, 0);
			isa_set_irq(h->m, 8, 0);
		}
	}
	if ((old ^ h->conf) & CONF_ENABLE) {
		for (int i = 0; i < HPET_TIMERS; i++) {
			if (!(h->conf & CONF_ENABLE))
				timer_irq(&h->t[i], false);
			timer_arm(&h->t[i]);
		}
	}
}

static void hpet_write64(struct hpet *h, unsigned off, u64 val, u64 mask)
{
	if (off >= R_TIMER && off < R_TIMER + 0x20 * HPET_TIMERS) {
		timer_write(&h->t[(off - R_TIMER) / 0x20], (off - R_TIMER) % 0x20, val, mask);
		return;
	}
	switch (off) {
	case R_GCONF:
		hpet_write_conf(h, (h->conf & ~mask) | (val & mask));
		break;
	case R_GISR: /* "General Interrupt Status": write 1 to clear */
		for (int i = 0; i < HPET_TIMERS; i++)
			if (val & mask & h->isr & BIT(i))
				timer_irq(&h->t[i], false);
		break;
	case R_COUNTER: /* takes effect only while halted (QEMU) */
		if (!hpet_running(h))
			h->counter = (h->counter & ~mask) | (val & mask);
		break;
	}
}

/* 32- and 64-bit accesses; narrower ones read their bytes and write nothing */
static u64 hpet_mmio_read(void *opaque, u64 off, unsigned size)
{
	struct hpet *h = opaque;
	u64 v = hpet_read64(h, (unsigned)(off & ~7ull));
	unsigned shift = (off & 7) * 8;

	v >>= shift;
	return size >= 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void hpet_mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct hpet *h = opaque;
	unsigned shift = (off & 7) * 8;

	if (size == 8 && !(off & 7))
		hpet_write64(h, (unsigned)off, val, ~0ull);
	else if (size == 4 && !(off & 3))
		hpet_write64(h, (unsigned)(off & ~7ull), val << shift, 0xffffffffull << shift);
}

const struct irq_probe *hpet_irq_probe(struct machine *m, int n)
{
	struct hpet *h = dev_state_find(m, "hpet");

	return h && n >= 0 && n < HPET_TIMERS ? &h->t[n].irq : NULL;
}

void hpet_init(struct machine *m)
{
	struct hpet *h = dev_state_new(m, sizeof(*h), "hpet", &hpet_snap);

	h->m = m;
	for (int i = 0; i < HPET_TIMERS; i++) {
		struct hpet_timer *t = &h->t[i];

		t->h = h;
		t->idx = i;
		t->conf = TN_PER_CAP | TN_SIZE_CAP;
		t->cmp = ~0ull;
		timer_init(&t->timer, hpet_timer_cb, t);
	}
	physmem_add_mmio(&m->mem, HPET_BASE, HPET_LEN, hpet_mmio_read, hpet_mmio_write, h, "hpet");
}
