/* dev/acpi.c: the PIIX4 ACPI power-management function as QEMU 7.2's `pc`
 * machine has it after SeaBIOS: the PM1 event/control registers and the PM
 * timer at 0x600, the GPE0 block at 0xafe0, the SCI on ISA IRQ 9, and the
 * ACPI tables (dev/acpi_tables.c) written into guest RAM.
 *
 * Virtual time only: the PM timer counts ACPI_PM_TIMER_HZ ticks per
 * virtual second of clock_ns(). */
#include "dev/acpi.h"

#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/irq.h"
#include "machine/bios.h"

/* ACPI "Power Management Timer": TMR_STS is set each time bit 23 of the
 * 24-bit counter changes, i.e. every 2^23 ticks */
#define PM_TMR_OVERFLOW_TICKS (1ull << 23)

/* the PM1 status bits that raise the SCI when enabled (QEMU's PIIX4:
 * RTC, power button, global lock, timer) */
#define PM1_SCI_SOURCES (ACPI_PM1_RTC_STS | ACPI_PM1_PWRBTN_STS | ACPI_PM1_GBL_STS | \
			 ACPI_PM1_TMR_STS)

enum acpi_sleep_what { ACPI_SLEEP_SUSPEND, ACPI_SLEEP_OFF };

struct acpi {
	struct dev_hdr hdr;
	struct machine *m;
	u16 pm1_sts;        /* without TMR_STS, which is derived from the timer */
	u16 pm1_en;
	u16 pm1_cnt;
	u64 tmr_overflow;   /* tick count at which TMR_STS becomes set */
	bool tmr_sts;       /* TMR_STS latched (overflow seen, not yet cleared) */
	u16 gpe0_sts, gpe0_en;
	int sci_level;
	struct timer tmr;   /* armed for the next overflow while TMR_EN is set */
	bool suspended;     /* in S3: the vCPUs are off until a wake event */
};

/* --- snapshot --- */

/* The rules every reachable state obeys: TMR_STS lives in tmr_sts, not in
 * pm1_sts; SLP_EN is a strobe that reads 0 (never stored); the next
 * overflow is a multiple of 2^23 ticks ("Power Management Timer": bit 23
 * changes); the overflow timer runs only while TMR_EN is set. */
static const char *acpi_check(const void *p, char *msg, size_t len)
{
	const struct acpi *a = p;

	if (a->pm1_sts & ACPI_PM1_TMR_STS) {
		snprintf(msg, len, "%#x: TMR_STS is kept in tmr_sts", a->pm1_sts);
		return "pm1_sts";
	}
	if (a->pm1_cnt & ACPI_PM1_SLP_EN) {
		snprintf(msg, len, "%#x: SLP_EN is a strobe and is never stored", a->pm1_cnt);
		return "pm1_cnt";
	}
	if (!a->tmr_overflow || (a->tmr_overflow & (PM_TMR_OVERFLOW_TICKS - 1))) {
		snprintf(msg, len, "%#llx is not a multiple of 2^23 ticks",
			 (unsigned long long)a->tmr_overflow);
		return "tmr_overflow";
	}
	if (a->tmr.armed && !(a->pm1_en & ACPI_PM1_TMR_STS)) {
		snprintf(msg, len, "armed with TMR_EN clear (PM1_EN %#x)", a->pm1_en);
		return "tmr";
	}
	return NULL;
}

/* sci_level is saved: it is the level last driven on IRQ 9, which the
 * controllers saw, while the status it came from is latched lazily */
static const struct snap_field acpi_fields[] = {
	SNAP_DERIVED(struct acpi, hdr, "construction (acpi_init)"),
	SNAP_DERIVED(struct acpi, m, "construction: the machine"),
	SNAP_U16(struct acpi, pm1_sts),
	SNAP_U16(struct acpi, pm1_en),
	SNAP_U16(struct acpi, pm1_cnt),
	SNAP_U64(struct acpi, tmr_overflow),
	SNAP_BOOL(struct acpi, tmr_sts),
	SNAP_U16(struct acpi, gpe0_sts),
	SNAP_U16(struct acpi, gpe0_en),
	SNAP_U32_MAX(struct acpi, sci_level, 1),
	SNAP_TIMER(struct acpi, tmr),
	SNAP_BOOL(struct acpi, suspended),
};
SNAP_DESC(acpi, 1, acpi_fields, acpi_check, NULL);

static u64 pm_ticks(struct machine *m)
{
	return (u64)(((u128)clock_ns(m) * ACPI_PM_TIMER_HZ) / 1000000000u);
}

/* virtual ns at which the tick count reaches `ticks` (rounded up) */
static u64 pm_ticks_to_ns(u64 ticks)
{
	return (u64)(((u128)ticks * 1000000000u + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

static struct acpi *acpi_of(struct machine *m)
{
	return dev_state_find(m, "acpi");
}

u32 acpi_pm_timer(struct machine *m)
{
	return (u32)(pm_ticks(m) & ACPI_PM_TIMER_MASK);
}

static void next_overflow(struct acpi *a)
{
	a->tmr_overflow = (pm_ticks(a->m) + PM_TMR_OVERFLOW_TICKS) & ~(PM_TMR_OVERFLOW_TICKS - 1);
}

static u16 pm1_sts(struct acpi *a)
{
	if (!a->tmr_sts && pm_ticks(a->m) >= a->tmr_overflow)
		a->tmr_sts = true;
	return a->pm1_sts | (a->tmr_sts ? ACPI_PM1_TMR_STS : 0);
}

/* SCI: level, high while an enabled PM1 event or GPE0 event is pending */
static void update_sci(struct acpi *a)
{
	int level = ((pm1_sts(a) & a->pm1_en & PM1_SCI_SOURCES) != 0) ||
		    ((a->gpe0_sts & a->gpe0_en) != 0);

	if (level != a->sci_level) {
		a->sci_level = level;
		isa_set_irq(a->m, ACPI_SCI_IRQ, level);
	}
	if ((a->pm1_en & ACPI_PM1_TMR_STS) && !a->tmr_sts)
		timer_mod(a->m, &a->tmr, pm_ticks_to_ns(a->tmr_overflow));
	else
		timer_del(a->m, &a->tmr);
}

static void tmr_expired(void *opaque)
{
	update_sci(opaque);
}

/* ACPI "Sleeping/Wake Control": SLP_TYP selects the state. S3 (suspend to
 * RAM): RAM keeps its contents, the processors lose theirs
 * (bios_s3_suspend) until a wake event (acpi_wake_event). */
static void sleep_request(struct acpi *a, unsigned typ)
{
#define ACPI_SLEEP(name, t, what)                                              \
	if (typ == (t) && (what) == ACPI_SLEEP_OFF) {                          \
		machine_end(a->m, RUN_SHUTDOWN, 0, "ACPI poweroff (" #name ")"); \
		return;                                                        \
	}                                                                      \
	if (typ == (t) && (what) == ACPI_SLEEP_SUSPEND) {                      \
		LOG(dev, "acpi: sleep (" #name ")");                           \
		a->suspended = true;                                           \
		bios_s3_suspend(a->m);                                         \
		return;                                                        \
	}
#include "dev/acpi.def"
	/* undefined types: ignored */
	LOG(dev, "acpi: sleep type %u ignored", typ);
}

bool acpi_suspended(struct machine *m)
{
	struct acpi *a = acpi_of(m);
	return a && a->suspended;
}

/* QEMU's `pc` resets the machine on the wake (the PM registers come back
 * with PM1_EN, PM1_CNT and GPE0 cleared) and then reports the wake:
 * WAK_STS and the source's status bit in PM1_STS */
void acpi_wake_event(struct machine *m, u16 sts)
{
	struct acpi *a = acpi_of(m);

	if (!a || !a->suspended || !(a->pm1_en & sts))
		return;
	LOG(dev, "acpi: wake (PM1_STS %#x)", sts);
	a->suspended = false;
	a->pm1_sts = sts | ACPI_PM1_WAK_STS;
	a->pm1_en = a->pm1_cnt = 0;
	a->gpe0_sts = a->gpe0_en = 0;
	a->tmr_sts = false;
	next_overflow(a);
	update_sci(a);
	bios_s3_resume(m, (u32)phys_read(&m->mem, acpi_facs_addr(m) + ACPI_FACS_WAKING_VECTOR, 4));
}

static u64 pm_read(void *opaque, u64 off, unsigned size)
{
	struct acpi *a = opaque;
	u8 regs[ACPI_PM_LEN] = { 0 };

	store_le16(regs + ACPI_PM1_STS, pm1_sts(a));
	store_le16(regs + ACPI_PM1_EN, a->pm1_en);
	store_le16(regs + ACPI_PM1_CNT, a->pm1_cnt);
	store_le32(regs + ACPI_PM_TMR, acpi_pm_timer(a->m));
	if (off + size > ACPI_PM_LEN)
		return size_mask(size);
	return load_le(regs + off, size);
}

static void pm_write_reg(struct acpi *a, unsigned reg, u16 val, u16 mask)
{
	switch (reg) {
	case ACPI_PM1_STS:
		/* write 1 to clear; clearing TMR_STS arms the next overflow */
		val &= mask;
		if ((val & ACPI_PM1_TMR_STS) && pm1_sts(a) & ACPI_PM1_TMR_STS) {
			a->tmr_sts = false;
			next_overflow(a);
		}
		a->pm1_sts &= ~(val & ~ACPI_PM1_TMR_STS);
		break;
	case ACPI_PM1_EN:
		a->pm1_en = (a->pm1_en & ~mask) | (val & mask);
		break;
	case ACPI_PM1_CNT:
		val = (a->pm1_cnt & ~mask) | (val & mask);
		/* SLP_EN reads as 0; SLP_TYP is kept */
		a->pm1_cnt = val & ~ACPI_PM1_SLP_EN;
		if (val & mask & ACPI_PM1_SLP_EN)
			sleep_request(a, (val >> ACPI_PM1_SLP_TYP_SHIFT) & 7);
		break;
	}
}

static void pm_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct acpi *a = opaque;

	/* split into the 16-bit registers the access touches */
	for (unsigned i = 0; i < size; i++) {
		unsigned byte = (unsigned)off + i, reg = byte & ~1u;

		if (reg > ACPI_PM1_CNT)
			break;
		u16 mask = (byte & 1) ? 0xff00 : 0x00ff;
		u16 v = (u16)(((val >> (8 * i)) & 0xff) << ((byte & 1) * 8));
		/* both bytes of a register in one access: one write */
		if (!(byte & 1) && i + 1 < size) {
			mask = 0xffff;
			v = (u16)(val >> (8 * i));
			i++;
		}
		pm_write_reg(a, reg, v, mask);
	}
	update_sci(a);
}

static u64 gpe_read(void *opaque, u64 off, unsigned size)
{
	struct acpi *a = opaque;
	u8 regs[8] = { 0 }; /* room for any access size load_le may do */

	store_le16(regs, a->gpe0_sts);
	store_le16(regs + 2, a->gpe0_en);
	if (off + size > ACPI_GPE0_LEN)
		return size_mask(size);
	return load_le(regs + off, size);
}

static void gpe_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct acpi *a = opaque;

	for (unsigned i = 0; i < size && off + i < ACPI_GPE0_LEN; i++) {
		unsigned byte = (unsigned)off + i;
		u16 v = (u16)(((val >> (8 * i)) & 0xff) << ((byte & 1) * 8));

		if (byte < 2)
			a->gpe0_sts &= ~v;      /* GPE0_STS: write 1 to clear */
		else
			a->gpe0_en = (a->gpe0_en & ~(0xff << ((byte & 1) * 8))) | v;
	}
	update_sci(a);
}

void acpi_smi_cmd(struct machine *m, u8 cmd)
{
	struct acpi *a = acpi_of(m);

	if (!a)
		return;
	if (cmd == ACPI_ENABLE_CMD)
		a->pm1_cnt |= ACPI_PM1_SCI_EN;
	else if (cmd == ACPI_DISABLE_CMD)
		a->pm1_cnt &= ~ACPI_PM1_SCI_EN;
}

void acpi_init(struct machine *m)
{
	struct acpi *a = dev_state_new(m, sizeof(*a), "acpi", &acpi_snap);

	a->m = m;
	timer_init(&a->tmr, tmr_expired, a);
	next_overflow(a);
	physmem_add_pio(&m->mem, ACPI_PM_BASE, ACPI_PM_LEN, pm_read, pm_write, a, "acpi-pm");
	physmem_add_pio(&m->mem, ACPI_GPE0_BASE, ACPI_GPE0_LEN, gpe_read, gpe_write, a,
			"acpi-gpe0");
	acpi_build_tables(m);
}
