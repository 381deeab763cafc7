/* tests/guest/platform/acpi_tables.c: the ACPI tables as an OS finds them (RSDP
 * scanned in 0xe0000-0xfffff, RSDT/XSDT walked, every table's checksum),
 * the MADT against fw_cfg's CPU count, the FADT's PM blocks, FACS and
 * DSDT (\_S5 sleep type), and the PM timer's rate against the PIT and the
 * TSC (PLATFORM.md "I/O ports and MMIO they touch": ACPI).
 * run-args: -smp 2
 */
#include "guest.h"
#include "acpi.h"

#define PIT_HZ 1193182u

static u16 fw_cfg_cpus(void)
{
	outw(0x05, 0x510);
	u16 lo = inb(0x511), hi = inb(0x511);
	return (u16)(lo | hi << 8);
}

static void check_root(bool xsdt)
{
	struct acpi_rsdp *r = acpi_find_rsdp();
	struct acpi_sdt *root = (struct acpi_sdt *)(xsdt ? r->xsdt : (u64)r->rsdt);
	u32 esz = xsdt ? 8 : 4, bad = 0, n = 0;

	report(!memcmp(root->signature, xsdt ? "XSDT" : "RSDT", 4) &&
		       acpi_checksum(root, root->length) == 0,
	       "%s at %#lx: signature and checksum", xsdt ? "XSDT" : "RSDT", (unsigned long)root);
	for (u32 off = sizeof(*root); off + esz <= root->length; off += esz, n++) {
		struct acpi_sdt *t = (struct acpi_sdt *)(xsdt ? acpi_u64(root, off)
							      : (u64)acpi_u32(root, off));
		report_info("%s entry %.4s at %#lx, %u bytes", xsdt ? "XSDT" : "RSDT",
			    t->signature, (unsigned long)t, t->length);
		bad += acpi_checksum(t, t->length) != 0;
	}
	report(n >= 2 && !bad, "%s: %u tables, every checksum valid", xsdt ? "XSDT" : "RSDT", n);
}

static void check_rsdp(void)
{
	struct acpi_rsdp *r = acpi_find_rsdp();

	report(r != NULL, "RSDP found in 0xe0000-0xfffff (at %#lx)", (unsigned long)r);
	if (!r)
		exit(report_summary());
	report(((u64)r & 15) == 0, "RSDP on a 16-byte boundary");
	report_info("RSDP revision %u, OEM %.6s", r->revision, r->oem_id);
	check_root(false);
	if (r->revision >= 2) {
		report(r->length >= 36 && acpi_checksum(r, r->length) == 0,
		       "RSDP extended checksum");
		check_root(true);
	} else {
		report_skip("RSDP revision %u: no XSDT", r->revision);
	}
}

static void check_madt(void)
{
	struct acpi_sdt *t = acpi_find_table("APIC", false);
	u32 cpus = 0, ioapic_ok = 0, irq0_gsi = ~0u;

	report(t != NULL, "MADT listed in the RSDT");
	if (!t)
		return;
	report(acpi_u32(t, 36) == 0xfee00000, "MADT local APIC address 0xfee00000");
	report(acpi_u32(t, 40) & 1, "MADT PCAT_COMPAT");
	for (u32 off = 44; off + 2 <= t->length && acpi_u8(t, off + 1); off += acpi_u8(t, off + 1)) {
		switch (acpi_u8(t, off)) {
		case 0:
			cpus += acpi_u32(t, off + 4) & 1;
			break;
		case 1:
			ioapic_ok += acpi_u8(t, off + 2) == 0 && acpi_u32(t, off + 4) == 0xfec00000 &&
				     acpi_u32(t, off + 8) == 0;
			break;
		case 2:
			if (acpi_u8(t, off + 3) == 0)
				irq0_gsi = acpi_u32(t, off + 4);
			break;
		}
	}
	report(cpus == fw_cfg_cpus(), "MADT: %u enabled CPUs, fw_cfg says %u", cpus, fw_cfg_cpus());
	report(ioapic_ok == 1, "MADT: one IOAPIC, ID 0 at 0xfec00000, GSI base 0");
	report(irq0_gsi == 2, "MADT: ISA IRQ 0 overrides to GSI 2");
}

/* the first element of the \_S5 package in the DSDT's AML */
static int s5_type(struct acpi_sdt *d)
{
	const u8 *p = (const u8 *)d;

	for (u32 i = 36; i + 9 < d->length; i++) {
		if (p[i] != 0x08 || memcmp(p + i + 1, "_S5_", 4) || p[i + 5] != 0x12)
			continue;
		const u8 *e = p + i + 8;            /* after PkgLength, NumElements */
		return e[0] == 0x0a ? e[1] : e[0];  /* BytePrefix, or Zero/One */
	}
	return -1;
}

static struct acpi_sdt *check_fadt(void)
{
	struct acpi_sdt *f = acpi_find_table("FACP", false);

	report(f != NULL, "FADT listed in the RSDT");
	if (!f)
		return NULL;
	report_info("FADT revision %u, %u bytes", f->revision, f->length);
	report(acpi_u16(f, FADT_SCI_INT) == 9, "FADT SCI_INT 9");
	report(acpi_u32(f, FADT_SMI_CMD) == 0xb2, "FADT SMI_CMD 0xb2");
	report(acpi_u32(f, FADT_PM1A_EVT_BLK) == 0x600 && acpi_u32(f, FADT_PM1A_CNT_BLK) == 0x604 &&
		       acpi_u32(f, FADT_PM_TMR_BLK) == 0x608 && acpi_u8(f, FADT_PM_TMR_LEN) == 4,
	       "FADT PM1a_EVT 0x600, PM1a_CNT 0x604, PM_TMR 0x608");
	report(!(acpi_u32(f, FADT_FLAGS) & FADT_F_TMR_VAL_EXT), "FADT: 24-bit PM timer");

	u32 facs = acpi_u32(f, FADT_FIRMWARE_CTRL), dsdt = acpi_u32(f, FADT_DSDT);
	report(facs && !(facs & 63) && !memcmp((void *)(u64)facs, "FACS", 4) &&
		       acpi_u32((void *)(u64)facs, 4) >= 64,
	       "FACS at %#x: 64-byte aligned, signature", facs);
	struct acpi_sdt *d = (struct acpi_sdt *)(u64)dsdt;
	report(dsdt && !memcmp(d->signature, "DSDT", 4) && acpi_checksum(d, d->length) == 0,
	       "DSDT at %#x: signature and checksum", dsdt);
	report(s5_type(d) == 0, "DSDT \\_S5 SLP_TYP 0 (QEMU's soft-off type)");
	if (f->revision >= 3 && f->length >= 148) {
		report(acpi_u64(f, FADT_X_DSDT) == dsdt && acpi_u64(f, FADT_X_FIRMWARE_CTRL) == facs,
		       "FADT X_DSDT / X_FIRMWARE_CTRL match the 32-bit fields");
	} else {
		report_skip("FADT revision %u: no X_ fields", f->revision);
	}
	return f;
}

static u32 pm_read(u16 port) { return inl(port) & 0xffffff; }
static u32 pm_delta(u32 a, u32 b) { return (b - a) & 0xffffff; }

static u16 pit2_latch(void)
{
	outb(0x80, 0x43);                       /* counter latch, channel 2 */
	u16 lo = inb(0x42), hi = inb(0x42);
	return (u16)(lo | hi << 8);
}

static void check_pm_timer(u16 port)
{
	u32 a = pm_read(port), b = pm_read(port);

	report(pm_delta(a, b) < 1000, "PM timer read twice: %#x then %#x", a, b);

	/* PIT channel 2, gate on, mode 0, count 0xffff (55 ms) */
	outb((inb(0x61) & ~2) | 1, 0x61);
	outb(0xb0, 0x43);
	outb(0xff, 0x42);
	outb(0xff, 0x42);
	u32 pm0 = pm_read(port);
	u16 pit0 = pit2_latch();
	u64 tsc0 = rdtsc();
	while (pm_delta(pm0, pm_read(port)) < ACPI_PM_TIMER_HZ / 100)  /* 10 ms */
		;
	u64 tsc1 = rdtsc();
	u32 pm1 = pm_read(port);
	while (pm_delta(pm0, pm_read(port)) < ACPI_PM_TIMER_HZ / 50)   /* 20 ms */
		;
	u16 pit1 = pit2_latch();
	u64 tsc2 = rdtsc();
	u32 pm2 = pm_read(port);

	/* PM timer 3.579545 MHz = 3 x PIT 1.193182 MHz */
	u32 dpm = pm_delta(pm0, pm2), dpit = (u16)(pit0 - pit1);
	u32 permille = (u32)((u64)dpm * 1000 * PIT_HZ / ((u64)dpit * ACPI_PM_TIMER_HZ));
	report(permille >= 985 && permille <= 1015,
	       "PM timer rate against the PIT: %u PM ticks / %u PIT ticks (%u.%03u x nominal)",
	       dpm, dpit, permille / 1000, permille % 1000);
	/* against the TSC: the same TSC frequency over both intervals */
	u64 hz1 = (tsc1 - tsc0) * ACPI_PM_TIMER_HZ / pm_delta(pm0, pm1);
	u64 hz2 = (tsc2 - tsc0) * ACPI_PM_TIMER_HZ / dpm;
	report_info("TSC frequency by the PM timer: %lu Hz", (unsigned long)hz2);
	report(hz1 * 100 > hz2 * 98 && hz1 * 100 < hz2 * 102,
	       "PM timer runs at a steady rate against the TSC (%lu, %lu Hz)",
	       (unsigned long)hz1, (unsigned long)hz2);
}

int main(int argc, char **argv)
{
	check_rsdp();
	check_madt();
	struct acpi_sdt *f = check_fadt();
	check_pm_timer(f ? (u16)acpi_u32(f, FADT_PM_TMR_BLK) : 0x608);
	return report_summary();
}
