/* dev/lapic.c: the local APIC (SDM Vol.3A "Advanced Programmable Interrupt
 * Controller (APIC)"), one per vCPU.
 *
 * Modes (SDM "x2APIC State Transitions"), from IA32_APIC_BASE EN/EXTD:
 * disabled (0,0), xAPIC (1,0: registers in the MMIO page at the APIC base),
 * x2APIC (1,1: registers as MSRs 0x800-0x8ff). The MMIO page is one window
 * shared by all vCPUs; the callback uses m->cur, the vCPU executing now.
 *
 * Messages are delivered at once: the ICR delivery-status bit always reads
 * idle, and an accepted interrupt sets IRR and stops the target's run loop
 * (cpu_raise_*, cpu/event.h) so it is noticed at the next instruction boundary.
 *
 * Timer: 1 GHz before the divider (one tick per virtual ns). */
#include <stdarg.h>
#include <stdio.h>

#include "base/log.h"
#include "cpu/model.h"
#include "cpu/event.h"
#include "dev/devpriv.h"
#include "dev/lapic.h"

/* --- the register map, from lapic_regs.def --- */
enum lapic_access { NA = 0, RO = 1, WO = 2, RW = 3 };

struct lapic_reg_info {
	const char *name;
	u8 xapic, x2apic; /* enum lapic_access */
};

/* indexed by offset / 16 over the whole 4 KiB page (beyond 0x3f0: NA) */
static const struct lapic_reg_info lapic_regs[256] = {
#define R(name, off, xa, x2a) [(off) >> 4] = { #name, xa, x2a },
#include "dev/lapic_regs.def"
#undef R
};

#define APIC_VERSION_VALUE 0x00050014u /* version 0x14, max LVT entry 5 */
#define NR_LVT 6                       /* timer, thermal, perf, LINT0, LINT1, error */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* LVT and ICR fields (SDM "Local Vector Table", "Interrupt Command Register") */
#define LVT_VECTOR        0xffu
#define LVT_DM_SHIFT      8
#define LVT_DELIV_STATUS  BIT(12)
#define LVT_POLARITY      BIT(13)
#define LVT_REMOTE_IRR    BIT(14)
#define LVT_TRIGGER_LEVEL BIT(15)
#define LVT_MASKED        BIT(16)
#define LVT_TIMER_MODE_SHIFT 17
enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_TSC_DEADLINE = 2 };

#define ICR_DEST_LOGICAL  BIT(11)
#define ICR_BUSY          BIT(12)
#define ICR_LEVEL         BIT(14)
#define ICR_TRIGGER_LEVEL BIT(15)
#define ICR_LO_WRITABLE   0x000ccfffu
/* x2APIC ICR reserved bits (SDM "Interrupt Command Register (ICR) in x2APIC
 * mode"); bit 12 (delivery status) no longer exists and is ignored */
#define X2APIC_ICR_RSVD   (GENMASK(31, 20) | GENMASK(17, 16) | BIT(13))

#define SPIV_APIC_ENABLED BIT(8)
#define SPIV_WRITABLE     0x3ffu

/* ESR bits (SDM "Error Handling") */
#define ESR_SEND_ILLEGAL_VECTOR BIT(5)
#define ESR_RECV_ILLEGAL_VECTOR BIT(6)
#define ESR_ILLEGAL_REG_ADDRESS BIT(7)

/* the bus: what all local APICs of a machine share */
#define LAPIC_MAX_WINDOWS 4
struct lapic_window {
	struct lapic_bus *bus;
	u64 base;
};

struct lapic_bus {
	struct dev_hdr hdr;
	struct machine *m;
	struct lapic_window win[LAPIC_MAX_WINDOWS];
	int nr_win;
	lapic_extint_fn *extint_pending, *extint_ack;
	lapic_eoi_fn *eoi_hook;
};

/* One local APIC. The members before the "wiring" line are its state, all
 * saved in a snapshot (lapic_snap, at the end of this file); the wiring is
 * set up by lapic_create. */
struct lapic {
	u64 base;         /* IA32_APIC_BASE (the one copy: the CPU asks through cpu_apic_base) */
	u8 xapic_id;      /* xAPIC ID register bits 31:24 */
	u8 tpr;
	u32 ldr, dfr, spiv;
	u32 esr;          /* as latched by the last ESR write */
	u32 esr_pending;  /* errors since then */
	u32 icr_lo, icr_hi;
	u32 lvt[NR_LVT];
	u32 isr[8], tmr[8], irr[8];
	u8 lint_level[2];
	bool extint_msg;  /* an ExtINT message (IOAPIC/IPI) awaits its INTA */
	/* timer */
	u32 tmict, tdcr;
	u64 tsc_deadline; /* IA32_TSC_DEADLINE while in TSC-deadline mode (the one copy) */
	bool timer_running;
	u64 timer_base_ns;   /* the counter held timer_base_count at this time */
	u32 timer_base_count;
	u64 timer_next_ns;   /* next expiry while running or deadline armed */
	bool timer_parked;   /* periodic, not re-armed: its expiries change nothing */
	struct timer timer;

	/* === wiring (not saved) === */
	struct machine *m;
	struct cpu *c;       /* its vCPU: c->index is the APIC ID */
	struct lapic_bus *bus;
};

static const struct apic_ops lapic_ops;

/* --- 256-bit vectors (IRR, ISR, TMR) --- */
static void vec_set(u32 *v, u8 n) { v[n >> 5] |= 1u << (n & 31); }
static void vec_clear(u32 *v, u8 n) { v[n >> 5] &= ~(1u << (n & 31)); }
static bool vec_test(const u32 *v, u8 n) { return v[n >> 5] & (1u << (n & 31)); }

/* highest set bit, or -1 */
static int vec_highest(const u32 *v)
{
	for (int i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

/* --- mode --- */
bool lapic_hw_enabled(const struct lapic *a) { return a->base & APIC_BASE_EN; }
bool lapic_x2apic_mode(const struct lapic *a)
{
	return (a->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}
static bool lapic_xapic_mode(const struct lapic *a)
{
	return (a->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}
static bool lapic_sw_enabled(const struct lapic *a) { return a->spiv & SPIV_APIC_ENABLED; }
u32 lapic_id(const struct lapic *a) { return a->c->index; }

static bool model_has(const struct lapic *a, enum cpu_feature f)
{
	return a->c->model && cpu_has(a->c->model, f);
}

/* --- priorities (SDM "Task and Processor Priorities") --- */
static u8 lapic_ppr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr);
	u8 isrv8 = isrv < 0 ? 0 : (u8)isrv;

	/* "If TPR[7:4] >= ISRV[7:4], PPR = TPR; otherwise PPR[7:4] = ISRV[7:4]
	 * and PPR[3:0] = 0" */
	if ((a->tpr >> 4) >= (isrv8 >> 4))
		return a->tpr;
	return isrv8 & 0xf0;
}

/* SDM "Arbitration Priority Register (APR)": the priority lowest-priority
 * delivery arbitrates with. "If (TPR[7:4] >= IRRV[7:4]) and (TPR[7:4] >
 * ISRV[7:4]), APR = TPR; otherwise APR[7:4] = max(TPR[7:4], ISRV[7:4],
 * IRRV[7:4]) and APR[3:0] = 0." (The APR register itself reads 0, as in
 * QEMU; only the arbitration uses it.) */
static u8 lapic_apr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr), irrv = vec_highest(a->irr);
	u8 tpr = a->tpr, isr8 = isrv < 0 ? 0 : (u8)isrv, irr8 = irrv < 0 ? 0 : (u8)irrv;
	u8 hi = tpr & 0xf0;

	if ((tpr >> 4) >= (irr8 >> 4) && (tpr >> 4) > (isr8 >> 4))
		return tpr;
	if ((isr8 & 0xf0) > hi)
		hi = isr8 & 0xf0;
	if ((irr8 & 0xf0) > hi)
		hi = irr8 & 0xf0;
	return hi;
}

/* highest IRR vector the processor may take now, or -1 */
static int lapic_deliverable(const struct lapic *a)
{
	int irrv = vec_highest(a->irr);

	/* SDM "Interrupt Acceptance for Fixed Interrupts": dispatched when its
	 * priority class is above the processor-priority class */
	if (irrv < 0 || (irrv & 0xf0) <= (lapic_ppr(a) & 0xf0))
		return -1;
	return irrv;
}

/* ExtINT requests from the 8259 reach the CPU when the APIC is disabled
 * or LINT0 is unmasked with ExtINT delivery */
static bool lapic_extint_open(const struct lapic *a)
{
	u32 l = a->lvt[LVT_LINT0];

	if (!lapic_hw_enabled(a))
		return true;
	return !(l & LVT_MASKED) && ((l >> LVT_DM_SHIFT) & 7) == APIC_DM_EXTINT;
}

/* after anything that may make an interrupt deliverable */
static void lapic_kick(struct lapic *a)
{
	if (lapic_deliverable(a) >= 0)
		cpu_raise_intr(a->c);
}

/* --- accepting interrupts --- */
static void lapic_error(struct lapic *a, u32 bits);
static void lapic_regs_reset(struct lapic *a);
static void lapic_timer_unpark(struct lapic *a);

/* INIT: the APIC registers return to their RESET values except the APIC ID
 * and IA32_APIC_BASE (SDM "Local APIC State After an INIT Reset ("Wait-for-
 * SIPI" State)"); the CPU side of INIT is done by the CPU (init_pending). */
static void lapic_init_signal(struct lapic *a)
{
	lapic_regs_reset(a);
	cpu_raise_init(a->c);
}

/* SDM "Interrupt Acceptance for Fixed Interrupts": a fixed interrupt is
 * latched in IRR (TMR records its trigger mode). */
static void lapic_accept_fixed(struct lapic *a, u8 vector, bool trigger_level)
{
	if (!lapic_hw_enabled(a))
		return;
	if (vector < 16) {
		lapic_error(a, ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	/* SDM "Local APIC State After It Has Been Software Disabled": new
	 * fixed interrupts are not accepted (held ones stay in IRR) */
	if (!lapic_sw_enabled(a))
		return;
	vec_set(a->irr, vector);
	if (trigger_level)
		vec_set(a->tmr, vector);
	else
		vec_clear(a->tmr, vector);
	lapic_kick(a);
}

/* SDM "Error Handling": errors are collected until the next ESR write and
 * signalled through the LVT error entry */
static void lapic_error(struct lapic *a, u32 bits)
{
	u32 l = a->lvt[LVT_ERROR];

	a->esr_pending |= bits;
	if (!(l & LVT_MASKED) && (l & LVT_VECTOR) >= 16)
		lapic_accept_fixed(a, l & LVT_VECTOR, false);
}

/* deliver through LVT entry `n` (timer, thermal, perf, LINTn, error) */
static void lapic_lvt_fire(struct lapic *a, int n)
{
	u32 l = a->lvt[n];
	unsigned dm = (l >> LVT_DM_SHIFT) & 7;

	if (l & LVT_MASKED)
		return;
	if (n == LVT_TIMER || n == LVT_ERROR)
		dm = APIC_DM_FIXED;
	switch (dm) {
	case APIC_DM_FIXED:
		lapic_accept_fixed(a, l & LVT_VECTOR, (l & LVT_TRIGGER_LEVEL) && n >= LVT_LINT0);
		break;
	case APIC_DM_NMI:
		cpu_raise_nmi(a->c);
		break;
	case APIC_DM_SMI:
		cpu_raise_smi(a->c);
		break;
	case APIC_DM_INIT:
		lapic_init_signal(a);
		break;
	case APIC_DM_EXTINT:
		cpu_raise_intr(a->c); /* the CPU asks the 8259 through irq_pending */
		break;
	default:
		break; /* reserved delivery modes */
	}
}

void lapic_set_lint(struct lapic *a, int pin, int level)
{
	int n = pin ? LVT_LINT1 : LVT_LINT0;
	bool rising = level && !a->lint_level[pin & 1];

	a->lint_level[pin & 1] = level != 0;
	if (rising)
		lapic_lvt_fire(a, n);
	else if (level && (a->lvt[n] & LVT_TRIGGER_LEVEL))
		lapic_lvt_fire(a, n);
}

/* --- the apic_ops the CPU calls --- */
static int lapic_irq_pending(struct cpu *c)
{
	struct lapic *a = c->apic;
	int v = lapic_deliverable(a);

	if (v >= 0)
		return v;
	if (a->bus->extint_pending && (lapic_extint_open(a) || a->extint_msg))
		return a->bus->extint_pending(a->m);
	return -1;
}

/* INTA: SDM "Interrupt Acceptance for Fixed Interrupts": the highest IRR
 * bit moves to ISR. If nothing can be taken any more (TPR raised since),
 * the spurious vector is returned and no ISR bit is set (SDM "Spurious
 * Interrupt"). */
static int lapic_irq_ack(struct cpu *c)
{
	struct lapic *a = c->apic;
	int v = lapic_deliverable(a);

	if (v >= 0) {
		vec_clear(a->irr, (u8)v);
		vec_set(a->isr, (u8)v);
		lapic_timer_unpark(a);
		return v;
	}
	if (a->bus->extint_ack && (lapic_extint_open(a) || a->extint_msg) &&
	    a->bus->extint_pending && a->bus->extint_pending(a->m) >= 0) {
		a->extint_msg = false;
		return a->bus->extint_ack(a->m);
	}
	return a->spiv & 0xff;
}

/* SDM "Task Priority in IA-32e Mode": CR8[3:0] is TPR[7:4] */
static u64 lapic_get_cr8(struct cpu *c)
{
	struct lapic *a = c->apic;

	return a->tpr >> 4;
}

static void lapic_set_cr8(struct cpu *c, u64 val)
{
	struct lapic *a = c->apic;

	a->tpr = (u8)((val & 0xf) << 4);
	lapic_kick(a);
}

/* --- EOI (SDM "End-of-Interrupt (EOI)") --- */
static void lapic_eoi(struct lapic *a)
{
	int v = vec_highest(a->isr);

	if (v < 0)
		return;
	vec_clear(a->isr, (u8)v);
	/* level-triggered: the EOI is broadcast to the I/O APICs */
	if (vec_test(a->tmr, (u8)v) && a->bus->eoi_hook)
		a->bus->eoi_hook(a->m, (u8)v);
	lapic_kick(a);
}

/* === timer (SDM "APIC Timer") === */
static unsigned lapic_timer_mode(const struct lapic *a)
{
	return (a->lvt[LVT_TIMER] >> LVT_TIMER_MODE_SHIFT) & 3;
}

/* "Divide Configuration Register": bits 0, 1, 3 encode divide by 2^(n+1),
 * 111b is divide by 1 */
static u64 lapic_timer_divisor(const struct lapic *a)
{
	unsigned n = ((a->tdcr >> 1) & 4) | (a->tdcr & 3);

	return n == 7 ? 1 : 2ull << n;
}

static u32 lapic_timer_current(struct lapic *a)
{
	u64 now, ticks;

	if (!a->timer_running)
		return 0;
	now = clock_ns(a->m);
	ticks = (now - a->timer_base_ns) / lapic_timer_divisor(a);
	if (ticks < a->timer_base_count)
		return (u32)(a->timer_base_count - ticks);
	if (lapic_timer_mode(a) == TIMER_PERIODIC && a->tmict)
		return a->tmict - (u32)((ticks - a->timer_base_count) % a->tmict);
	return 0;
}

/* (re)start counting down from `count` now */
static void lapic_timer_start(struct lapic *a, u32 count)
{
	u64 now = clock_ns(a->m);

	a->timer_running = true;
	a->timer_parked = false;
	a->timer_base_ns = now;
	a->timer_base_count = count;
	a->timer_next_ns = now + (u64)count * lapic_timer_divisor(a);
	timer_mod(a->m, &a->timer, a->timer_next_ns);
}

static void lapic_timer_stop(struct lapic *a)
{
	a->timer_running = false;
	a->timer_parked = false;
	timer_del(a->m, &a->timer);
}

/* An expiry that cannot change anything: the entry is masked, the APIC
 * disabled, or the vector already waits in IRR (SDM "Interrupt Acceptance
 * for Fixed Interrupts": IRR holds one request per vector). */
static bool lapic_timer_fire_lost(const struct lapic *a)
{
	u32 l = a->lvt[LVT_TIMER];
	u8 v = l & LVT_VECTOR;

	return (l & LVT_MASKED) || !lapic_hw_enabled(a) || !lapic_sw_enabled(a) ||
	       (v >= 16 && vec_test(a->irr, v));
}

/* the first periodic expiry after now */
static u64 lapic_timer_next_period(struct lapic *a, u64 now)
{
	u64 period = (u64)a->tmict * lapic_timer_divisor(a);
	u64 next = a->timer_next_ns + period;

	if (next <= now)
		next += ((now - next) / period + 1) * period;
	return next;
}

/* Host guard: a periodic timer whose expiries are lost (a tiny period
 * behind a masked entry or interrupts the CPU does not take) is parked
 * instead of firing every period, which with a period of a few ns would
 * keep the host busy for ever while the CPUs are halted. Anything that
 * could make an expiry count again (a register write, an interrupt
 * acknowledge) re-arms it at the next period boundary, so what the guest
 * sees is unchanged. */
static void lapic_timer_unpark(struct lapic *a)
{
	u64 now;

	if (!a->timer_parked)
		return;
	a->timer_parked = false;
	if (!a->timer_running || !a->tmict || lapic_timer_mode(a) != TIMER_PERIODIC)
		return;
	now = clock_ns(a->m);
	a->timer_next_ns = lapic_timer_next_period(a, now);
	timer_mod(a->m, &a->timer, a->timer_next_ns);
}

/* SDM "TSC-Deadline Mode": the MSR is cleared when the timer fires */
static void lapic_deadline_fire(struct lapic *a)
{
	a->tsc_deadline = 0;
	lapic_lvt_fire(a, LVT_TIMER);
}

/* arm the TSC-deadline timer for a->tsc_deadline (fires at once if passed) */
static void lapic_deadline_arm(struct lapic *a)
{
	u64 now_tsc = cpu_tsc(a->c);
	u64 delta;

	timer_del(a->m, &a->timer);
	if (!a->tsc_deadline)
		return;
	if (a->tsc_deadline <= now_tsc) {
		/* a deadline already passed fires at once */
		lapic_deadline_fire(a);
		return;
	}
	delta = clock_tsc_to_ns(a->m, a->tsc_deadline - now_tsc);
	a->timer_next_ns = clock_ns(a->m) + (delta ? delta : 1);
	timer_mod(a->m, &a->timer, a->timer_next_ns);
}

static void lapic_timer_cb(void *opaque)
{
	struct lapic *a = opaque;
	u64 now = clock_ns(a->m);

	switch (lapic_timer_mode(a)) {
	case TIMER_TSC_DEADLINE:
		if (!a->tsc_deadline)
			return;
		if (cpu_tsc(a->c) < a->tsc_deadline) { /* rounding: not yet */
			timer_mod(a->m, &a->timer, now + 1);
			return;
		}
		lapic_deadline_fire(a);
		return;
	case TIMER_PERIODIC:
		if (!a->timer_running || !a->tmict)
			return;
		if (lapic_timer_fire_lost(a)) {
			a->timer_parked = true;
			return;
		}
		lapic_lvt_fire(a, LVT_TIMER);
		/* an illegal vector is reported once ("Received Illegal Vector"),
		 * then the timer waits for the guest to change something */
		if ((a->lvt[LVT_TIMER] & LVT_VECTOR) < 16) {
			a->timer_parked = true;
			return;
		}
		/* reload: the next expiry is one period on; expiries missed while
		 * time jumped are coalesced (IRR holds one anyway) */
		a->timer_next_ns = lapic_timer_next_period(a, now);
		timer_mod(a->m, &a->timer, a->timer_next_ns);
		return;
	default: /* one-shot */
		if (!a->timer_running)
			return;
		a->timer_running = false;
		lapic_lvt_fire(a, LVT_TIMER);
		return;
	}
}

static void lapic_write_tmict(struct lapic *a, u32 val)
{
	/* SDM "TSC-Deadline Mode": writes to the initial-count register are
	 * ignored in TSC-deadline mode */
	if (lapic_timer_mode(a) == TIMER_TSC_DEADLINE)
		return;
	a->tmict = val;
	if (val)
		lapic_timer_start(a, val);
	else
		lapic_timer_stop(a);
}

static void lapic_write_tdcr(struct lapic *a, u32 val)
{
	u32 cur = lapic_timer_current(a);

	a->tdcr = val & 0xb;
	/* the count stays where it is and goes on at the new rate (a one-shot
	 * count already at 0 is left to fire) */
	if (a->timer_running && cur)
		lapic_timer_start(a, cur);
}

/* SDM "TSC-Deadline Mode": switching between TSC-deadline and the other
 * modes disarms the timer. SDM "APIC Timer": only a write of the initial
 * count starts the count-down, so a switch between one-shot and periodic
 * leaves the current count as it is: it goes on from there (a one-shot
 * count that has reached 0 stays 0). */
static void lapic_write_lvt_timer(struct lapic *a, u32 val)
{
	unsigned old_mode = lapic_timer_mode(a);
	unsigned new_mode;
	u32 cur = 0;

	if (old_mode != TIMER_TSC_DEADLINE && a->timer_running)
		cur = lapic_timer_current(a); /* in the old mode */
	a->lvt[LVT_TIMER] = val;
	new_mode = lapic_timer_mode(a);
	if ((old_mode == TIMER_TSC_DEADLINE) != (new_mode == TIMER_TSC_DEADLINE)) {
		lapic_timer_stop(a);
		a->tmict = 0;
		a->tsc_deadline = 0;
	} else if (old_mode != new_mode && a->timer_running) {
		if (cur)
			lapic_timer_start(a, cur);
		else
			lapic_timer_stop(a);
	}
}

/* === sending (SDM "Issuing Interprocessor Interrupts") === */

/* SDM "Determining IPI Destination" */
static bool lapic_match(const struct lapic *t, const struct apic_msg *msg)
{
	u32 bcast = msg->dest_x2 ? 0xffffffffu : 0xffu;

	if (msg->dest == bcast)
		return true;
	if (!msg->dest_logical) {
		if (lapic_x2apic_mode(t))
			return msg->dest == lapic_id(t);
		return (msg->dest & 0xff) == t->xapic_id;
	}
	if (lapic_x2apic_mode(t)) {
		/* x2APIC logical: cluster in bits 31:16, member bitmap in 15:0 */
		return (msg->dest >> 16) == (t->ldr >> 16) && (msg->dest & t->ldr & 0xffff);
	}
	if ((t->dfr >> 28) == 0xf) /* flat model */
		return ((t->ldr >> 24) & msg->dest & 0xff) != 0;
	/* cluster model: bits 7:4 cluster, 3:0 members */
	return ((msg->dest >> 4) & 0xf) == (t->ldr >> 28) && (msg->dest & (t->ldr >> 24) & 0xf);
}

static void lapic_accept(struct lapic *t, const struct apic_msg *msg)
{
	struct cpu *c = t->c;

	switch (msg->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		lapic_accept_fixed(t, msg->vector, msg->trigger_level);
		break;
	case APIC_DM_SMI:
		cpu_raise_smi(c);
		break;
	case APIC_DM_NMI:
		cpu_raise_nmi(c);
		break;
	case APIC_DM_INIT:
		/* INIT level de-assert only synchronizes arbitration IDs */
		if (msg->trigger_level && !msg->level)
			break;
		lapic_init_signal(t);
		break;
	case APIC_DM_EXTINT:
		/* an ExtINT message: the CPU fetches the vector from the 8259
		 * with an INTA cycle, whatever LINT0 says (82093AA "Delivery
		 * Mode: ExtINT") */
		t->extint_msg = true;
		cpu_raise_intr(c);
		break;
	case APIC_DM_STARTUP:
		/* SDM "INIT and SIPI": a SIPI is taken only in wait-for-SIPI; an
		 * INIT still pending will put the CPU there first */
		cpu_raise_sipi(c, msg->vector);
		break;
	default:
		break;
	}
}

void lapic_deliver(struct machine *m, struct lapic *src, const struct apic_msg *msg)
{
	struct lapic *lowest = NULL;

	if (msg->shorthand == APIC_SH_SELF) {
		if (src)
			lapic_accept(src, msg);
		return;
	}
	for (int i = 0; i < m->nr_cpus; i++) {
		struct lapic *t = m->cpus[i] ? m->cpus[i]->apic : NULL;

		if (!t || !lapic_hw_enabled(t))
			continue;
		if (msg->shorthand == APIC_SH_ALL_EXCL && t == src)
			continue;
		if (msg->shorthand == APIC_SH_NONE && !lapic_match(t, msg))
			continue;
		if (msg->delivery_mode == APIC_DM_LOWEST) {
			/* SDM "Interrupt Acceptance for Fixed Interrupts" / "Lowest
			 * Priority Delivery Mode": the destination with the lowest
			 * arbitration priority takes it; on a tie the lowest-numbered
			 * vCPU (the hardware's tie-break is model specific) */
			if (!lowest || lapic_apr(t) < lapic_apr(lowest))
				lowest = t;
			continue;
		}
		lapic_accept(t, msg);
	}
	if (lowest)
		lapic_accept(lowest, msg);
}

/* a write to the ICR low half sends the IPI it describes */
static void lapic_send_icr(struct lapic *a)
{
	struct apic_msg msg = {
		.dest = lapic_x2apic_mode(a) ? a->icr_hi : a->icr_hi >> 24,
		.dest_x2 = lapic_x2apic_mode(a),
		.dest_logical = a->icr_lo & ICR_DEST_LOGICAL,
		.shorthand = (a->icr_lo >> 18) & 3,
		.delivery_mode = (a->icr_lo >> 8) & 7,
		.vector = a->icr_lo & 0xff,
		.level = a->icr_lo & ICR_LEVEL,
		.trigger_level = a->icr_lo & ICR_TRIGGER_LEVEL,
	};

	switch (msg.delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (msg.vector < 16) {
			lapic_error(a, ESR_SEND_ILLEGAL_VECTOR);
			return;
		}
		break;
	case APIC_DM_REMOTE_READ:
	case APIC_DM_EXTINT:
		return; /* not valid in an IPI */
	default:
		break;
	}
	lapic_deliver(a->m, a, &msg);
	/* One host thread runs the vCPUs in turn (machine/machine.c): an IPI
	 * to another vCPU ends the sender's turn, so the targets take it
	 * soon rather than after the sender's whole quantum (QEMU's
	 * round-robin TCG kicks the running vCPU likewise). */
	if (msg.shorthand != APIC_SH_SELF && a->m->nr_cpus > 1)
		cpu_raise_intr(a->c);
}

static void lapic_self_ipi(struct lapic *a, u8 vector)
{
	struct apic_msg msg = { .shorthand = APIC_SH_SELF, .delivery_mode = APIC_DM_FIXED,
				.vector = vector };

	if (vector < 16) {
		lapic_error(a, ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	lapic_deliver(a->m, a, &msg);
}

/* === register access === */

/* writable bits of each LVT entry (the rest are reserved or read-only) */
static u32 lapic_lvt_writable(const struct lapic *a, int n)
{
	switch (n) {
	case LVT_TIMER:
		return 0x100ffu | (TIMER_PERIODIC << LVT_TIMER_MODE_SHIFT) |
		       (model_has(a, FEAT_tsc_deadline) ? TIMER_TSC_DEADLINE << LVT_TIMER_MODE_SHIFT : 0);
	case LVT_LINT0:
	case LVT_LINT1:
		return 0x107ffu | LVT_POLARITY | LVT_TRIGGER_LEVEL;
	case LVT_ERROR:
		return 0x100ffu;
	default: /* thermal, perf: vector, delivery mode, mask */
		return 0x107ffu;
	}
}

u32 lapic_peek(const struct lapic *a, u32 offset)
{
	unsigned idx = offset >> 4;

	if (offset > 0x3f0 || (offset & 0xf))
		return 0;
	switch (offset) {
	case APIC_ID:
		return lapic_x2apic_mode(a) ? lapic_id(a) : (u32)a->xapic_id << 24;
	case APIC_VERSION:
		return APIC_VERSION_VALUE;
	case APIC_TPR:
		return a->tpr;
	case APIC_PPR:
		return lapic_ppr(a);
	case APIC_LDR:
		return a->ldr;
	case APIC_DFR:
		return a->dfr | 0x0fffffffu;
	case APIC_SPIV:
		return a->spiv;
	case APIC_ESR:
		return a->esr;
	case APIC_ICR_LO:
		return a->icr_lo & ~ICR_BUSY; /* sent at once: always idle */
	case APIC_ICR_HI:
		return a->icr_hi;
	case APIC_TMICT:
		return a->tmict;
	case APIC_TDCR:
		return a->tdcr;
	default:
		break;
	}
	if (idx >= APIC_ISR0 >> 4 && idx <= APIC_ISR7 >> 4)
		return a->isr[idx - (APIC_ISR0 >> 4)];
	if (idx >= APIC_TMR0 >> 4 && idx <= APIC_TMR7 >> 4)
		return a->tmr[idx - (APIC_TMR0 >> 4)];
	if (idx >= APIC_IRR0 >> 4 && idx <= APIC_IRR7 >> 4)
		return a->irr[idx - (APIC_IRR0 >> 4)];
	if (idx >= APIC_LVT_TIMER >> 4 && idx <= APIC_LVT_ERROR >> 4)
		return a->lvt[idx - (APIC_LVT_TIMER >> 4)];
	return 0; /* APR, RRD, EOI, SELF_IPI and holes read 0 */
}

/* register read with side effects (current count follows the clock) */
static u32 lapic_reg_read(struct lapic *a, u32 offset)
{
	if (offset == APIC_TMCCT)
		return lapic_timer_current(a);
	return lapic_peek(a, offset);
}

/* Write `val` to the register at `offset`. In x2APIC mode (x2=true) a
 * reserved bit set is an error (SDM "Reserved Bit Checking"): returns -1
 * for #GP(0), with nothing changed. In xAPIC mode reserved bits are
 * ignored. */
static int lapic_reg_write(struct lapic *a, u32 offset, u32 val, bool x2)
{
	u32 writable = ~0u;
	int lvt = -1;

	switch (offset) {
	case APIC_ID: writable = 0xff000000u; break;
	case APIC_TPR: writable = 0xff; break;
	case APIC_EOI: writable = x2 ? 0 : ~0u; break;
	case APIC_LDR: writable = 0xff000000u; break;
	case APIC_DFR: writable = 0xf0000000u; break;
	case APIC_SPIV: writable = SPIV_WRITABLE; break;
	case APIC_ESR: writable = x2 ? 0 : ~0u; break;
	case APIC_ICR_LO: writable = ICR_LO_WRITABLE; break;
	case APIC_ICR_HI: writable = 0xff000000u; break;
	case APIC_TDCR: writable = 0xb; break;
	case APIC_SELF_IPI: writable = 0xff; break;
	case APIC_TMICT: break;
	default:
		if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR) {
			lvt = (int)((offset - APIC_LVT_TIMER) >> 4);
			writable = lapic_lvt_writable(a, lvt);
		}
		break;
	}
	if (x2 && (val & ~writable))
		return -1;
	val &= writable;

	if (lvt >= 0) {
		/* SDM "Local APIC State After It Has Been Software Disabled": the
		 * LVT mask bits cannot be cleared while software-disabled */
		if (!lapic_sw_enabled(a))
			val |= LVT_MASKED;
		val |= a->lvt[lvt] & (LVT_REMOTE_IRR | LVT_DELIV_STATUS) & ~writable;
		if (lvt == LVT_TIMER)
			lapic_write_lvt_timer(a, val);
		else
			a->lvt[lvt] = val;
		return 0;
	}
	switch (offset) {
	case APIC_ID: a->xapic_id = (u8)(val >> 24); break;
	case APIC_TPR: a->tpr = (u8)val; lapic_kick(a); break;
	case APIC_EOI: lapic_eoi(a); break;
	case APIC_LDR: a->ldr = val; break;
	case APIC_DFR: a->dfr = val; break;
	case APIC_SPIV:
		a->spiv = val;
		if (!(val & SPIV_APIC_ENABLED)) {
			for (int i = 0; i < NR_LVT; i++)
				a->lvt[i] |= LVT_MASKED;
		}
		lapic_kick(a);
		break;
	case APIC_ESR:
		/* the write latches the errors seen since the last one */
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case APIC_ICR_LO: a->icr_lo = val; lapic_send_icr(a); break;
	case APIC_ICR_HI: a->icr_hi = val; break;
	case APIC_TMICT: lapic_write_tmict(a, val); break;
	case APIC_TDCR: lapic_write_tdcr(a, val); break;
	case APIC_SELF_IPI: lapic_self_ipi(a, (u8)val); break;
	default: break;
	}
	return 0;
}

/* === xAPIC MMIO === */
static struct lapic *lapic_for_window(const struct lapic_window *w)
{
	struct cpu *c = w->bus->m->cur;
	struct lapic *a = c ? c->apic : NULL;

	/* SDM "x2APIC Register Availability": in x2APIC mode (or disabled)
	 * the MMIO page behaves as if no APIC were there */
	if (!a || !lapic_xapic_mode(a) || (a->base & ~0xfffull & GENMASK(51, 0)) != w->base)
		return NULL;
	return a;
}

static u64 lapic_mmio_read(void *opaque, u64 off, unsigned size)
{
	struct lapic *a = lapic_for_window(opaque);
	u32 reg = (u32)off & 0xff0;
	u32 val;

	if (!a)
		return size_mask(size);
	if (lapic_regs[reg >> 4].xapic == NA) {
		lapic_error(a, ESR_ILLEGAL_REG_ADDRESS);
		return 0;
	}
	/* the register is the low 4 bytes of its 16-byte slot; narrower
	 * reads see a part of it (model-specific on hardware) */
	val = lapic_reg_read(a, reg);
	if ((off & 0xf) >= 4)
		return 0;
	return (val >> ((off & 3) * 8)) & size_mask(size);
}

static void lapic_mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct lapic *a = lapic_for_window(opaque);
	u32 reg = (u32)off & 0xff0;
	u8 acc;

	if (!a)
		return;
	acc = lapic_regs[reg >> 4].xapic;
	if (acc == NA) {
		lapic_error(a, ESR_ILLEGAL_REG_ADDRESS);
		return;
	}
	/* SDM "Local APIC Register Address Map": registers are written with
	 * aligned 32-bit stores; other writes are dropped */
	if ((off & 0xf) || size < 4 || !(acc & WO))
		return;
	lapic_reg_write(a, reg, (u32)val, false);
	lapic_timer_unpark(a);
}

/* make sure an MMIO window exists at page `base` */
static void lapic_bus_map(struct lapic_bus *bus, u64 base)
{
	for (int i = 0; i < bus->nr_win; i++)
		if (bus->win[i].base == base)
			return;
	if (bus->nr_win == LAPIC_MAX_WINDOWS) {
		LOG(dev, "lapic: no window left for APIC base 0x%llx\n", (unsigned long long)base);
		return;
	}
	bus->win[bus->nr_win].bus = bus;
	bus->win[bus->nr_win].base = base;
	physmem_add_mmio(&bus->m->mem, base, 0x1000, lapic_mmio_read, lapic_mmio_write,
			 &bus->win[bus->nr_win], "lapic");
	bus->nr_win++;
}

/* === MSRs === */

/* SDM "Initialization of the x2APIC logical ID": cluster ID = x2APIC
 * ID[19:4] in bits 31:16, bit (ID[3:0]) in bits 15:0 */
static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* registers except the APIC ID return to their RESET values */
static void lapic_regs_reset(struct lapic *a)
{
	lapic_timer_stop(a);
	a->tpr = 0;
	a->ldr = 0;
	a->dfr = 0xffffffffu;
	a->spiv = 0xff;
	a->esr = a->esr_pending = 0;
	a->icr_lo = a->icr_hi = 0;
	for (int i = 0; i < NR_LVT; i++)
		a->lvt[i] = LVT_MASKED;
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	memset(a->irr, 0, sizeof(a->irr));
	a->tmict = a->tdcr = 0;
	a->tsc_deadline = 0;
	if (lapic_x2apic_mode(a))
		a->ldr = lapic_x2apic_ldr(lapic_id(a));
}

/* reserved IA32_APIC_BASE bits: 7:0, 9, EXTD without x2APIC, and the
 * address bits at and above MAXPHYADDR */
static u64 lapic_base_reserved(const struct lapic *a)
{
	unsigned maxphy = cpu_maxphyaddr(a->c);
	u64 rsvd = GENMASK(7, 0) | BIT(9);

	if (!model_has(a, FEAT_x2apic))
		rsvd |= APIC_BASE_EXTD;
	if (maxphy < 64)
		rsvd |= GENMASK(63, maxphy);
	return rsvd;
}

/* returns 0, or -1 for #GP(0) (SDM "x2APIC State Transitions") */
static int lapic_write_base(struct lapic *a, u64 val)
{
	u64 mode_bits = APIC_BASE_EN | APIC_BASE_EXTD;
	u64 old = a->base & mode_bits, new = val & mode_bits;

	if (val & lapic_base_reserved(a))
		return -1;
	/* EXTD=1 with EN=0 is invalid; x2APIC -> xAPIC and disabled -> x2APIC
	 * are illegal transitions */
	if (new == APIC_BASE_EXTD)
		return -1;
	if (old == mode_bits && new == APIC_BASE_EN)
		return -1;
	if (old == 0 && new == mode_bits)
		return -1;

	a->base = val;
	if (old != 0 && new == 0) {
		/* disabled: only the APIC ID survives ("x2APIC Transitions
		 * From x2APIC Mode", "...From Disabled Mode") */
		lapic_regs_reset(a);
	} else if (old == APIC_BASE_EN && new == mode_bits) {
		/* SDM "State Changes From xAPIC Mode to x2APIC Mode": the
		 * x2APIC ID is the initial APIC ID; LDR is derived from it.
		 * The ID register now holds the x2APIC ID: an xAPIC ID written
		 * before is gone, and a return to xAPIC mode (through disabled
		 * mode) finds the initial APIC ID's bits 7:0 */
		a->ldr = lapic_x2apic_ldr(lapic_id(a));
		a->xapic_id = (u8)lapic_id(a);
	}
	if (new == APIC_BASE_EN)
		lapic_bus_map(a->bus, val & ~0xfffull);
	return 0;
}

static int lapic_msr_read(struct cpu *c, u32 msr, u64 *val)
{
	struct lapic *a = c->apic;
	u32 off;
	u8 acc;

	if (msr == MSR_IA32_APIC_BASE) {
		*val = a->base;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!model_has(a, FEAT_tsc_deadline))
			return -1;
		/* SDM "TSC-Deadline Mode": reads 0 in the other timer modes */
		*val = lapic_timer_mode(a) == TIMER_TSC_DEADLINE ? a->tsc_deadline : 0;
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_x2apic_mode(a))
		return -1;
	off = (msr - MSR_X2APIC_FIRST) << 4;
	acc = lapic_regs[off >> 4].x2apic;
	if (!(acc & RO))
		return -1;
	*val = lapic_reg_read(a, off);
	if (off == APIC_ICR_LO)
		*val |= (u64)a->icr_hi << 32;
	return 0;
}

static int lapic_msr_write(struct cpu *c, u32 msr, u64 val)
{
	struct lapic *a = c->apic;
	u32 off;
	u8 acc;
	int ret;

	if (msr == MSR_IA32_APIC_BASE)
		return lapic_write_base(a, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!model_has(a, FEAT_tsc_deadline))
			return -1;
		/* writes are ignored outside TSC-deadline mode */
		if (lapic_timer_mode(a) == TIMER_TSC_DEADLINE) {
			a->tsc_deadline = val;
			lapic_deadline_arm(a);
		}
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_x2apic_mode(a))
		return -1;
	off = (msr - MSR_X2APIC_FIRST) << 4;
	acc = lapic_regs[off >> 4].x2apic;
	if (!(acc & WO))
		return -1;
	if (off == APIC_ICR_LO) {
		/* the ICR is one 64-bit MSR: destination in bits 63:32 */
		if (val & X2APIC_ICR_RSVD)
			return -1;
		a->icr_hi = (u32)(val >> 32);
		val = (u32)val & ~(u32)ICR_BUSY;
		return lapic_reg_write(a, off, (u32)val, true);
	}
	/* bits 63:32 of every other x2APIC MSR are reserved */
	if (val >> 32)
		return -1;
	ret = lapic_reg_write(a, off, (u32)val, true);
	lapic_timer_unpark(a);
	return ret;
}

/* a performance-counter overflow (cpu/system/pmu.c) through the LVT
 * performance-counter entry. Intel (SDM Vol.3B, performance-monitoring
 * interrupt): the local APIC sets the entry's mask flag when it handles a
 * performance-monitoring counters interrupt (the handler unmasks it; as
 * KVM does for Intel guests); AMD leaves it. */
static void lapic_pmi(struct cpu *c)
{
	struct lapic *a = c->apic;
	bool was_masked = (a->lvt[LVT_PERF] & LVT_MASKED) != 0;

	lapic_lvt_fire(a, LVT_PERF);
	if (!was_masked && c->model && !c->model->vendor_amd)
		a->lvt[LVT_PERF] |= LVT_MASKED;
}

static const struct apic_ops lapic_ops = {
	.irq_pending = lapic_irq_pending,
	.irq_ack = lapic_irq_ack,
	.msr_read = lapic_msr_read,
	.msr_write = lapic_msr_write,
	.get_cr8 = lapic_get_cr8,
	.set_cr8 = lapic_set_cr8,
	.pmi = lapic_pmi,
};

/* === lifecycle === */
void lapic_reset(struct lapic *a)
{
	struct cpu *c = a->c;

	/* SDM "Local APIC State After Power-Up or Reset" and "x2APIC After
	 * Reset": enabled, xAPIC mode, ID = initial APIC ID */
	a->base = APIC_DEFAULT_BASE | APIC_BASE_EN | (c->index == 0 ? APIC_BASE_BSP : 0);
	a->xapic_id = (u8)c->index;
	lapic_regs_reset(a);
	/* As QEMU (standing in for the BIOS) leaves the boot CPU: LINT0 in
	 * ExtINT mode, so 8259 interrupts reach it once the APIC is on. */
	if (c->index == 0)
		a->lvt[LVT_LINT0] = APIC_DM_EXTINT << LVT_DM_SHIFT;
	a->lint_level[0] = a->lint_level[1] = 0;
	lapic_bus_map(a->bus, APIC_DEFAULT_BASE);
}

static struct lapic_bus *lapic_bus_of(struct machine *m)
{
	struct lapic_bus *bus = dev_state_find(m, "lapic-bus");

	if (!bus) {
		bus = dev_state_new(m, sizeof(*bus), "lapic-bus", NULL);
		bus->m = m;
	}
	return bus;
}

struct lapic *lapic_create(struct machine *m, struct cpu *c)
{
	struct lapic *a = calloc(1, sizeof(*a));

	if (!a)
		die("lapic: out of memory");
	a->m = m;
	a->c = c;
	a->bus = lapic_bus_of(m);
	timer_init(&a->timer, lapic_timer_cb, a);
	c->apic = a;
	c->apic_ops = &lapic_ops;
	lapic_reset(a);
	return a;
}

void lapic_set_extint_hooks(struct machine *m, lapic_extint_fn *pending, lapic_extint_fn *ack)
{
	struct lapic_bus *bus = lapic_bus_of(m);

	bus->extint_pending = pending;
	bus->extint_ack = ack;
}

void lapic_set_eoi_hook(struct machine *m, lapic_eoi_fn *fn)
{
	lapic_bus_of(m)->eoi_hook = fn;
}

/* === snapshot (snap/state.h): the machine saves each vCPU's APIC as
 * section "cpuN.lapic" === */

/* ESR bits an error can set (lapic_error) */
#define ESR_DEFINED (ESR_SEND_ILLEGAL_VECTOR | ESR_RECV_ILLEGAL_VECTOR | ESR_ILLEGAL_REG_ADDRESS)

/* States no APIC can be in, each refused where the register is written
 * (the write masks and the mode rules above). The APIC ID is c->index,
 * wiring rather than state (the section cpuN says whose APIC it is); the
 * xAPIC ID register is software-writable, so every value exists. */
static const char *lapic_check(const void *s, char *msg, size_t len)
{
	const struct lapic *a = s;
	u64 mode = a->base & (APIC_BASE_EN | APIC_BASE_EXTD);
	u64 rsvd = a->base & lapic_base_reserved(a);
	unsigned tmode = lapic_timer_mode(a);

	/* SDM "Local APIC Status and Location", "x2APIC State Transitions" */
	if (rsvd)
		return snap_reject(msg, len, "base", "reserved bits %#llx set",
				 (unsigned long long)rsvd);
	if (mode == APIC_BASE_EXTD)
		return snap_reject(msg, len, "base", "EXTD=1 with EN=0 is an invalid state");
	/* "Logical Destination Register": read-only in x2APIC mode, derived
	 * from the x2APIC ID; in xAPIC mode only bits 31:24 exist */
	if (lapic_x2apic_mode(a) && a->ldr != lapic_x2apic_ldr(lapic_id(a)))
		return snap_reject(msg, len, "ldr", "%#x is not the x2APIC logical ID %#x of APIC %u",
				 a->ldr, lapic_x2apic_ldr(lapic_id(a)), lapic_id(a));
	if (!lapic_x2apic_mode(a) && (a->ldr & 0x00ffffffu))
		return snap_reject(msg, len, "ldr", "%#x: bits 23:0 do not exist in xAPIC mode", a->ldr);
	if ((a->dfr & 0x0fffffffu) && a->dfr != 0xffffffffu)
		return snap_reject(msg, len, "dfr", "%#x: only bits 31:28 are writable", a->dfr);
	if (a->spiv & ~SPIV_WRITABLE)
		return snap_reject(msg, len, "spiv", "%#x: bits outside %#x set", a->spiv, SPIV_WRITABLE);
	if (a->esr & ~ESR_DEFINED)
		return snap_reject(msg, len, "esr", "%#x: an error this APIC never reports", a->esr);
	if (a->esr_pending & ~ESR_DEFINED)
		return snap_reject(msg, len, "esr_pending", "%#x: an error this APIC never reports",
				 a->esr_pending);
	if (a->icr_lo & ~ICR_LO_WRITABLE)
		return snap_reject(msg, len, "icr_lo", "%#x: bits outside %#x set", a->icr_lo,
				 ICR_LO_WRITABLE);
	if (!lapic_x2apic_mode(a) && (a->icr_hi & 0x00ffffffu))
		return snap_reject(msg, len, "icr_hi", "%#x: bits 23:0 do not exist in xAPIC mode",
				 a->icr_hi);
	for (int n = 0; n < NR_LVT; n++) {
		static const char *const names[NR_LVT] = { "lvt[0]", "lvt[1]", "lvt[2]",
							   "lvt[3]", "lvt[4]", "lvt[5]" };
		u32 ok = lapic_lvt_writable(a, n);

		if (a->lvt[n] & ~ok)
			return snap_reject(msg, len, names[n], "%#x: bits outside %#x set", a->lvt[n], ok);
	}
	/* vectors 0-15 are refused on receipt ("Received Illegal Vector") */
	if (a->irr[0] & 0xffffu)
		return snap_reject(msg, len, "irr", "vectors 0-15 requested: %#x", a->irr[0] & 0xffffu);
	if (a->isr[0] & 0xffffu)
		return snap_reject(msg, len, "isr", "vectors 0-15 in service: %#x", a->isr[0] & 0xffffu);
	if (a->tmr[0] & 0xffffu)
		return snap_reject(msg, len, "tmr", "vectors 0-15 marked: %#x", a->tmr[0] & 0xffffu);
	if (a->tdcr & ~0xbu)
		return snap_reject(msg, len, "tdcr", "%#x: only bits 0, 1 and 3 exist", a->tdcr);
	/* SDM "TSC-Deadline Mode": the mode switch disarms the other timer and
	 * clears IA32_TSC_DEADLINE; TMICT writes are ignored in it */
	if (a->tsc_deadline && tmode != TIMER_TSC_DEADLINE)
		return snap_reject(msg, len, "tsc_deadline", "%#llx armed outside TSC-deadline mode",
				 (unsigned long long)a->tsc_deadline);
	if (tmode == TIMER_TSC_DEADLINE && (a->tmict || a->timer_running))
		return snap_reject(msg, len, a->tmict ? "tmict" : "timer_running",
				 "a counting timer in TSC-deadline mode");
	if (a->timer_running && !a->tmict)
		return snap_reject(msg, len, "timer_running", "counting with an initial count of 0");
	/* SDM "x2APIC Transitions From x2APIC Mode"/"...From Disabled Mode":
	 * disabling resets the registers; nothing is accepted while disabled */
	if (!(a->base & APIC_BASE_EN)) {
		if (vec_highest(a->irr) >= 0 || vec_highest(a->isr) >= 0)
			return snap_reject(msg, len, vec_highest(a->irr) >= 0 ? "irr" : "isr",
					 "interrupts held by a disabled APIC");
		if (a->timer_running)
			return snap_reject(msg, len, "timer_running", "a disabled APIC's timer counts");
	}
	return NULL;
}

/* The saved state was put back: the xAPIC page must answer at this APIC's
 * base (windows are shared and never unmapped, so only a missing one is
 * added). The timer is re-armed by the machine from its saved deadline and
 * arming order; the CPU asks for interrupts again at its first boundary
 * (cpu_state_loaded sets irq_hint). */
static void lapic_loaded(void *s)
{
	struct lapic *a = s;

	if (lapic_xapic_mode(a))
		lapic_bus_map(a->bus, a->base & ~0xfffull);
}

static const struct snap_field lapic_fields[] = {
	SNAP_U64(struct lapic, base),
	SNAP_U8(struct lapic, xapic_id),
	SNAP_U8(struct lapic, tpr),
	SNAP_U32(struct lapic, ldr),
	SNAP_U32(struct lapic, dfr),
	SNAP_U32(struct lapic, spiv),
	SNAP_U32(struct lapic, esr),
	SNAP_U32(struct lapic, esr_pending),
	SNAP_U32(struct lapic, icr_lo),
	SNAP_U32(struct lapic, icr_hi),
	SNAP_U32(struct lapic, lvt),
	SNAP_U32(struct lapic, isr),
	SNAP_U32(struct lapic, tmr),
	SNAP_U32(struct lapic, irr),
	SNAP_U8_MAX(struct lapic, lint_level, 1),
	SNAP_BOOL(struct lapic, extint_msg),
	SNAP_U32(struct lapic, tmict),
	SNAP_U32(struct lapic, tdcr),
	SNAP_U64(struct lapic, tsc_deadline),
	SNAP_BOOL(struct lapic, timer_running),
	SNAP_U64(struct lapic, timer_base_ns),
	SNAP_U32(struct lapic, timer_base_count),
	SNAP_U64(struct lapic, timer_next_ns),
	SNAP_BOOL(struct lapic, timer_parked),
	SNAP_TIMER(struct lapic, timer),
	SNAP_DERIVED(struct lapic, m, "wiring: the machine"),
	SNAP_DERIVED(struct lapic, c, "wiring: the vCPU of section cpuN"),
	SNAP_DERIVED(struct lapic, bus, "wiring: the machine's lapic-bus; its windows are "
					"rebuilt from base"),
};
SNAP_DESC(lapic, 1, lapic_fields, lapic_check, lapic_loaded);
