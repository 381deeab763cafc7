/* dev/rtc.c: the MC146818 real-time clock and CMOS RAM at 0x70/0x71, IRQ 8.
 *
 * Motorola MC146818A data sheet; register behaviour as QEMU 7.2's
 * mc146818rtc gives it. The clock is kept as seconds since 1970 at a
 * reference virtual time, so the time registers are produced on read in
 * the current format (register B DM and 24/12); the wall clock starts at a
 * fixed date (RTC_BASE_EPOCH in dev/timers.h), never the host's.
 *
 * Register C's flags are folded in lazily from virtual time (when C is read
 * or an interrupt is due): a timer is armed only while an enabled interrupt
 * could raise IRQ 8, and not while IRQF is already set, so an RTC nobody
 * services costs nothing and never keeps a halted machine busy. */
#include <stdio.h>

#include "dev/acpi.h"
#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/timers.h"

#define NS_PER_SEC 1000000000ll

/* register indices, data sheet "Address Map" */
enum {
	R_SEC = 0x00, R_SEC_ALARM, R_MIN, R_MIN_ALARM, R_HOUR, R_HOUR_ALARM,
	R_DOW, R_DAY, R_MONTH, R_YEAR, R_A, R_B, R_C, R_D,
	R_CENTURY = 0x32, /* IBM PS/2 century byte, as QEMU uses it */
};

#define A_UIP   BIT(7)
#define A_DV    (7 << 4)
#define A_RS    0x0f
#define B_SET   BIT(7)
#define B_PIE   BIT(6)
#define B_AIE   BIT(5)
#define B_UIE   BIT(4)
#define B_SQWE  BIT(3)
#define B_DM    BIT(2)  /* 1: binary, 0: BCD */
#define B_24H   BIT(1)
#define C_IRQF  BIT(7)
#define C_PF    BIT(6)
#define C_AF    BIT(5)
#define C_UF    BIT(4)
#define D_VRT   BIT(7)

/* data sheet "Update Cycle": UIP rises 244 us (8 cycles of 32.768 kHz)
 * before the update */
#define UIP_NS (8 * NS_PER_SEC / 32768)

struct rtc {
	struct dev_hdr hdr;
	struct machine *m;
	u8 cmos[128];
	u8 index;
	bool nmi_disabled;  /* port 0x70 bit 7 (no NMI source to gate) */
	i64 sec;            /* seconds since 1970 at ref_ns (the last update) */
	u64 ref_ns;         /* virtual time of an update boundary */
	u64 div_ns;         /* the divider chain's phase origin (periodic rate) */
	u64 acc_ns;         /* register C holds every event up to this time */
	struct irq_probe irq8;
	struct timer timer;
};

/* --- snapshot --- */

static i64 days_from_date(i64 y, int mon, int day);

/* The clock is seconds since 1970 as a signed count. The registers can set
 * the last day of year -1 (all fields 0) to year 25599 (century 255 in
 * binary mode), and running adds at most the 585 years of a 64-bit
 * virtual ns count, so a clock outside years -99 to about 36800 (2^40 s)
 * cannot exist; inside it the calendar arithmetic cannot overflow and the
 * century register never goes below -1 (to_reg shifts it). */
#define RTC_SEC_MAX (1ll << 40)

/* The rules every reachable state obeys (data sheet "Registers"):
 *  - UIP is computed on read, never stored in register A;
 *  - register C holds only its four flags (bits 7:4);
 *  - SET clears UIE, and UIE cannot be set while SET is on;
 *  - IRQ 8 is high exactly while register C's IRQF is set (both rise
 *    together in rtc_account/rtc_write_b and fall when C is read). */
static const char *rtc_check(const void *p, char *msg, size_t len)
{
	const struct rtc *r = p;

	if (r->sec < days_from_date(-99, 1, 1) * 86400 || r->sec > RTC_SEC_MAX) {
		snprintf(msg, len, "%lld s from 1970 is outside the years the clock can show",
			 (long long)r->sec);
		return "sec";
	}
	if (r->cmos[R_A] & A_UIP) {
		snprintf(msg, len, "register A %#x: UIP is never stored", r->cmos[R_A]);
		return "cmos";
	}
	if (r->cmos[R_C] & 0x0f) {
		snprintf(msg, len, "register C %#x: bits 3:0 are always 0", r->cmos[R_C]);
		return "cmos";
	}
	if ((r->cmos[R_B] & B_SET) && (r->cmos[R_B] & B_UIE)) {
		snprintf(msg, len, "register B %#x: SET clears UIE", r->cmos[R_B]);
		return "cmos";
	}
	if (r->irq8.level != !!(r->cmos[R_C] & C_IRQF)) {
		snprintf(msg, len, "IRQ 8 is %d with register C %#x", r->irq8.level, r->cmos[R_C]);
		return "irq8.level";
	}
	return NULL;
}

static const struct snap_field rtc_fields[] = {
	SNAP_DERIVED(struct rtc, hdr, "construction (rtc_init)"),
	SNAP_DERIVED(struct rtc, m, "construction: the machine"),
	SNAP_U8(struct rtc, cmos),
	SNAP_U8_MAX(struct rtc, index, 0x7f),
	SNAP_BOOL(struct rtc, nmi_disabled),
	SNAP_U64(struct rtc, sec),
	SNAP_U64(struct rtc, ref_ns),
	SNAP_U64(struct rtc, div_ns),
	SNAP_U64(struct rtc, acc_ns),
	SNAP_STRUCT(struct rtc, irq8, struct irq_probe, irq_probe_snap),
	SNAP_TIMER(struct rtc, timer),
};
SNAP_DESC(rtc, 1, rtc_fields, rtc_check, NULL);

static u64 now_ns(struct rtc *r) { return clock_ns(r->m); }
static u64 umin(u64 a, u64 b) { return a < b ? a : b; }

/* the clock advances unless SET is on or the divider is held in reset */
static bool rtc_running(const struct rtc *r)
{
	return !(r->cmos[R_B] & B_SET) && (r->cmos[R_A] & 0x60) != 0x60;
}

static i64 rtc_sec_at(const struct rtc *r, u64 ns)
{
	if (!rtc_running(r) || ns < r->ref_ns)
		return r->sec;
	return r->sec + (i64)((ns - r->ref_ns) / NS_PER_SEC);
}

/* --- calendar (proleptic Gregorian, days since 1970-01-01) --- */
static i64 days_from_date(i64 y, int mon, int day)
{
	i64 era, yoe, doy, doe;

	y -= mon <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct rtc_tm {
	i64 year;
	int mon, day, hour, min, sec, dow;
};

static void date_from_days(i64 z, struct rtc_tm *tm)
{
	i64 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
}

static i64 floor_div(i64 a, i64 b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static void tm_from_sec(const struct rtc *r, i64 s, struct rtc_tm *tm)
{
	i64 days = floor_div(s, 86400), rem = s - days * 86400;

	date_from_days(days, tm);
	tm->hour = (int)(rem / 3600);
	tm->min = (int)(rem / 60 % 60);
	tm->sec = (int)(rem % 60);
	/* the weekday follows the date (as QEMU computes it); 1970-01-01 was a
	 * Thursday */
	tm->dow = (int)(((days + 4) % 7 + 7) % 7);
}

/* out-of-range fields carry into the next, as QEMU's mktime-based set does */
static i64 sec_from_tm(const struct rtc_tm *tm)
{
	int mon = tm->mon < 1 ? 1 : tm->mon > 12 ? 12 : tm->mon;

	return (days_from_date(tm->year, mon, 1) + tm->day - 1) * 86400 + tm->hour * 3600 +
	       tm->min * 60 + tm->sec;
}

/* --- register formats (register B DM and 24/12) --- */
static u8 to_reg(const struct rtc *r, int v)
{
	return (r->cmos[R_B] & B_DM) ? (u8)v : (u8)((v / 10) << 4 | v % 10);
}

static int from_reg(const struct rtc *r, u8 v)
{
	return (r->cmos[R_B] & B_DM) ? v : (v >> 4) * 10 + (v & 0xf);
}

static u8 hour_to_reg(const struct rtc *r, int h)
{
	if (r->cmos[R_B] & B_24H)
		return to_reg(r, h);
	return to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static int hour_from_reg(const struct rtc *r, u8 v)
{
	int h;

	if (r->cmos[R_B] & B_24H)
		return from_reg(r, v);
	h = from_reg(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

/* the time/date register `idx` now */
static u8 time_reg(struct rtc *r, int idx)
{
	struct rtc_tm tm;

	tm_from_sec(r, rtc_sec_at(r, now_ns(r)), &tm);
	switch (idx) {
	case R_SEC: return to_reg(r, tm.sec);
	case R_MIN: return to_reg(r, tm.min);
	case R_HOUR: return hour_to_reg(r, tm.hour);
	case R_DOW: return to_reg(r, tm.dow + 1); /* 1 = Sunday */
	case R_DAY: return to_reg(r, tm.day);
	case R_MONTH: return to_reg(r, tm.mon);
	case R_YEAR: return to_reg(r, (int)(((tm.year % 100) + 100) % 100));
	default: return to_reg(r, (int)(floor_div(tm.year, 100) % 100)); /* R_CENTURY */
	}
}

/* a guest write to a time/date register: the clock takes the new field;
 * the phase within the second is kept. The weekday register follows the
 * date, so writing it changes nothing (QEMU behaves the same). */
static void set_time_reg(struct rtc *r, int idx, u8 v)
{
	u64 now = now_ns(r);
	struct rtc_tm tm;

	tm_from_sec(r, rtc_sec_at(r, now), &tm);
	switch (idx) {
	case R_SEC: tm.sec = from_reg(r, v); break;
	case R_MIN: tm.min = from_reg(r, v); break;
	case R_HOUR: tm.hour = hour_from_reg(r, v); break;
	case R_DAY: tm.day = from_reg(r, v); break;
	case R_MONTH: tm.mon = from_reg(r, v); break;
	case R_YEAR: tm.year = floor_div(tm.year, 100) * 100 + from_reg(r, v) % 100; break;
	case R_CENTURY: tm.year = from_reg(r, v) * 100 + ((tm.year % 100) + 100) % 100; break;
	default: return;
	}
	if (rtc_running(r) && now >= r->ref_ns)
		r->ref_ns = now - (now - r->ref_ns) % NS_PER_SEC;
	r->sec = sec_from_tm(&tm);
}

/* --- events: update-ended, alarm, periodic --- */

/* alarm register `v` matches value `cur` (binary); 11xxxxxx is don't-care */
static bool alarm_field_ok(const struct rtc *r, u8 v, int cur, bool hour)
{
	if ((v & 0xc0) == 0xc0)
		return true;
	return (hour ? hour_from_reg(r, v) : from_reg(r, v)) == cur;
}

/* first second > s whose time matches the alarm registers, or INT64_MAX;
 * skips whole hours and minutes that cannot match, so it looks at no more
 * than a day's worth of candidates */
static i64 alarm_next(const struct rtc *r, i64 s)
{
	i64 end = s + 86400 + 1;

	for (i64 t = s + 1; t <= end;) {
		i64 rem = t - floor_div(t, 86400) * 86400;
		int h = (int)(rem / 3600), mi = (int)(rem / 60 % 60), se = (int)(rem % 60);

		if (!alarm_field_ok(r, r->cmos[R_HOUR_ALARM], h, true))
			t += 3600 - rem % 3600;
		else if (!alarm_field_ok(r, r->cmos[R_MIN_ALARM], mi, false))
			t += 60 - se;
		else if (!alarm_field_ok(r, r->cmos[R_SEC_ALARM], se, false))
			t++;
		else
			return t;
	}
	return INT64_MAX;
}

/* virtual time at which the clock shows second s (s > the current one) */
static u64 sec_ns(const struct rtc *r, i64 s)
{
	return r->ref_ns + (u64)(s - r->sec) * NS_PER_SEC;
}

/* periodic interrupt period in 32.768 kHz cycles (data sheet "Periodic
 * Interrupt Rate"; RS 1 and 2 repeat RS 8 and 9 with the 32.768 kHz base),
 * or 0 if off. As in QEMU 7.2, the divider tap runs (and PF is set) only
 * while PIE or SQWE is on; the data sheet sets PF regardless of PIE. */
static u64 periodic_cycles(const struct rtc *r)
{
	unsigned rs = r->cmos[R_A] & A_RS;

	if (!rs || (r->cmos[R_A] & 0x60) == 0x60 || !(r->cmos[R_B] & (B_PIE | B_SQWE)))
		return 0;
	if (rs <= 2)
		rs += 7;
	return 1ull << (rs - 1);
}

static u64 cycles_at(const struct rtc *r, u64 ns)
{
	return ns < r->div_ns ? 0 : (u64)(((u128)(ns - r->div_ns) * 32768) / NS_PER_SEC);
}

/* first periodic boundary after `ns` */
static u64 periodic_next(const struct rtc *r, u64 ns)
{
	u64 p = periodic_cycles(r), k = cycles_at(r, ns) / p + 1;

	return r->div_ns + (u64)(((u128)(k * p) * NS_PER_SEC + 32767) / 32768);
}

static u8 irqf(const struct rtc *r)
{
	u8 c = r->cmos[R_C], b = r->cmos[R_B];

	return ((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) ||
	       ((c & C_UF) && (b & B_UIE)) ? C_IRQF : 0;
}

/* fold the events of (acc_ns, now] into register C; IRQF drives IRQ 8 */
static void rtc_account(struct rtc *r)
{
	u64 now = now_ns(r), acc = r->acc_ns;

	if (now <= acc)
		return;
	if (periodic_cycles(r) && periodic_next(r, acc) <= now)
		r->cmos[R_C] |= C_PF;
	if (rtc_running(r)) {
		i64 s0 = rtc_sec_at(r, acc), s1 = rtc_sec_at(r, now);

		if (s1 > s0) {
			r->cmos[R_C] |= C_UF;
			if (alarm_next(r, s0) <= s1) {
				r->cmos[R_C] |= C_AF;
				/* the alarm interrupt is an ACPI wake event
				 * (RTC_STS) for a machine in S3 */
				if (r->cmos[R_B] & B_AIE)
					acpi_wake_event(r->m, ACPI_PM1_RTC_STS);
			}
		}
	}
	r->acc_ns = now;
	r->cmos[R_C] |= irqf(r);
	if ((r->cmos[R_C] & C_IRQF) && !r->irq8.level)
		irq_probe_set(r->m, &r->irq8, 8, false, 1);
}

/* arm the timer for the next event that would raise IRQ 8 */
static void rtc_arm(struct rtc *r)
{
	u64 now = now_ns(r), next = UINT64_MAX;
	u8 b = r->cmos[R_B];
	i64 s = rtc_sec_at(r, now), a;

	if (!(r->cmos[R_C] & C_IRQF)) {
		if ((b & B_PIE) && periodic_cycles(r))
			next = periodic_next(r, now);
		if (rtc_running(r) && (b & B_UIE))
			next = umin(next, sec_ns(r, s + 1));
		if (rtc_running(r) && (b & B_AIE) && (a = alarm_next(r, s)) != INT64_MAX)
			next = umin(next, sec_ns(r, a));
	}
	if (next == UINT64_MAX)
		timer_del(r->m, &r->timer);
	else
		timer_mod(r->m, &r->timer, next);
}

static void rtc_timer(void *opaque)
{
	struct rtc *r = opaque;

	rtc_account(r);
	rtc_arm(r);
}

/* data sheet "Update Cycle": UIP is set from 244 us before an update */
static bool rtc_uip(struct rtc *r)
{
	u64 now = now_ns(r);

	if (!rtc_running(r) || now < r->ref_ns)
		return false;
	return (now - r->ref_ns) % NS_PER_SEC >= NS_PER_SEC - UIP_NS;
}

/* the clock's registers (not the alarms 1, 3, 5: those are plain bytes) */
static bool is_time_reg(unsigned idx)
{
	return idx == R_SEC || idx == R_MIN || idx == R_HOUR || (idx >= R_DOW && idx <= R_YEAR) ||
	       idx == R_CENTURY;
}

static u8 rtc_reg_read(struct rtc *r, unsigned idx)
{
	u8 v;

	if (is_time_reg(idx))
		return time_reg(r, (int)idx);
	switch (idx) {
	case R_A:
		return (r->cmos[R_A] & ~A_UIP) | (rtc_uip(r) ? A_UIP : 0);
	case R_C: /* reading C clears its flags and lowers IRQ 8 */
		rtc_account(r);
		v = r->cmos[R_C];
		r->cmos[R_C] = 0;
		if (r->irq8.level)
			irq_probe_set(r->m, &r->irq8, 8, false, 0);
		rtc_arm(r);
		return v;
	case R_D:
		return D_VRT; /* the battery is good */
	default:
		return r->cmos[idx];
	}
}

/* register A: divider and rate; leaving divider reset starts the first
 * update 500 ms later (data sheet "Divider Control") */
static void rtc_write_a(struct rtc *r, u8 v)
{
	u64 now = now_ns(r);
	bool was_reset = (r->cmos[R_A] & 0x60) == 0x60;

	if (!was_reset && (v & 0x60) == 0x60) /* entering reset: freeze */
		r->sec = rtc_sec_at(r, now);
	r->cmos[R_A] = v & ~A_UIP;
	if (was_reset && (v & 0x60) != 0x60) {
		r->ref_ns = now >= NS_PER_SEC / 2 ? now - NS_PER_SEC / 2 : 0;
		r->div_ns = now;
	}
}

/* register B: SET freezes the clock and clears UIE; clearing it restarts
 * the clock from the registers with a full second to the next update */
static void rtc_write_b(struct rtc *r, u8 v)
{
	u64 now = now_ns(r);
	bool was_set = r->cmos[R_B] & B_SET;

	if (!was_set && (v & B_SET))
		r->sec = rtc_sec_at(r, now);
	if (v & B_SET)
		v &= ~B_UIE;
	r->cmos[R_B] = v;
	if (was_set && !(v & B_SET))
		r->ref_ns = now;
	/* IRQF follows the enables for flags already set */
	r->cmos[R_C] |= irqf(r);
	if ((r->cmos[R_C] & C_IRQF) && !r->irq8.level)
		irq_probe_set(r->m, &r->irq8, 8, false, 1);
}

static void rtc_reg_write(struct rtc *r, unsigned idx, u8 v)
{
	rtc_account(r); /* events up to now under the old settings */
	if (is_time_reg(idx))
		set_time_reg(r, (int)idx, v);
	else if (idx == R_A)
		rtc_write_a(r, v);
	else if (idx == R_B)
		rtc_write_b(r, v);
	else if (idx != R_C && idx != R_D) /* C and D are read-only */
		r->cmos[idx] = v;
	rtc_arm(r);
}

static u64 rtc_read(void *opaque, u64 off, unsigned size)
{
	struct rtc *r = opaque;

	if (!(off & 1))
		return 0xff; /* the index register reads back as 0xff (QEMU) */
	return rtc_reg_read(r, r->index);
}

static void rtc_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct rtc *r = opaque;

	if (!(off & 1)) {
		r->index = val & 0x7f;
		r->nmi_disabled = val & 0x80;
		return;
	}
	rtc_reg_write(r, r->index, (u8)val);
}

const struct irq_probe *rtc_irq_probe(struct machine *m)
{
	struct rtc *r = dev_state_find(m, "rtc");

	return r ? &r->irq8 : NULL;
}

static void put16(u8 *p, u64 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

/* the memory-size bytes the BIOS reads (as QEMU's pc_cmos_init sets them) */
static void rtc_cmos_memory(struct rtc *r)
{
	struct machine *m = r->m;
	u64 below = m->mem.below_4g ? m->mem.below_4g : m->cfg.ram_size;
	u64 above = m->cfg.ram_size > below ? m->cfg.ram_size - below : 0;
	u64 ext = below > (1u << 20) ? (below >> 10) - 1024 : 0;
	u64 high = below > (16u << 20) ? (below - (16u << 20)) >> 16 : 0;

	put16(&r->cmos[0x15], 640);                  /* base memory, KiB */
	put16(&r->cmos[0x17], umin(ext, 0xffffu));    /* extended memory, KiB */
	put16(&r->cmos[0x30], umin(ext, 0xffffu));
	put16(&r->cmos[0x34], umin(high, 0xffffu));   /* above 16 MiB, 64 KiB units */
	above >>= 16;                                /* above 4 GiB, 64 KiB units */
	r->cmos[0x5b] = (u8)above;
	r->cmos[0x5c] = (u8)(above >> 8);
	r->cmos[0x5d] = (u8)(above >> 16);
	r->cmos[0x5f] = (u8)(m->cfg.smp > 0 ? m->cfg.smp - 1 : 0); /* CPUs - 1 */
}

void rtc_init(struct machine *m)
{
	struct rtc *r = dev_state_new(m, sizeof(*r), "rtc", &rtc_snap);

	r->m = m;
	r->irq8.legacy = true;
	r->cmos[R_A] = 0x26; /* 32.768 kHz divider, 1024 Hz rate */
	r->cmos[R_B] = B_24H;
	r->sec = (i64)RTC_BASE_EPOCH;
	r->ref_ns = clock_ns(m);
	r->div_ns = r->ref_ns;
	r->acc_ns = r->ref_ns;
	rtc_cmos_memory(r);
	timer_init(&r->timer, rtc_timer, r);
	physmem_add_pio(&m->mem, 0x70, 2, rtc_read, rtc_write, r, "rtc");
}
