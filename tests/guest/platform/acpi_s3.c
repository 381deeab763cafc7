/* tests/guest/platform/acpi_s3.c: ACPI S3 (ACPI "Sleeping and Wake
 * Control", "Firmware ACPI Control Structure (FACS)"): SLP_TYP 1 (the DSDT's
 * \_S3) with SLP_EN written to PM1a_CNT suspends; the RTC alarm, enabled by
 * PM1_EN.RTC_EN and register B's AIE, wakes the machine; the firmware then
 * enters the FACS firmware waking vector in real mode (CS = vector >> 4),
 * with WAK_STS and RTC_STS set in PM1_STS and PM1_EN cleared, as QEMU's `pc`
 * with SeaBIOS does.
 * run-args: -m 128
 */
#include "guest.h"
#include "acpi.h"
#include "timers.h"

#define S3W_BASE   0x7000u
#define PM1_RTC    BIT(10)
#define PM1_WAK    BIT(15)
#define SLP_TYP_S3 (1u << 10)
#define SLP_EN     BIT(13)

int s3_suspend(u16 port, u16 value);
extern u8 s3w_start[], s3w_end[], s3w_gdt[], s3w_cr3[], s3w_efer[], s3w_cr0_seen[],
	s3w_cs_seen[];

#define S3W(type, sym) (*(volatile type *)(u64)(S3W_BASE + (u32)((u8 *)(sym) - s3w_start)))

static u8 rtc_to_bin(u8 v, bool bin) { return bin ? v : (u8)((v >> 4) * 10 + (v & 0xf)); }
static u8 rtc_from_bin(u8 v, bool bin) { return bin ? v : (u8)((v / 10) << 4 | v % 10); }

/* the alarm at the second after the next one, any minute and hour */
static void rtc_alarm_in_2s(void)
{
	u8 b = cmos_read(0x0b);
	bool bin = b & 0x04;

	while (cmos_read(0x0a) & 0x80)
		cpu_relax();
	u8 sec = rtc_to_bin(cmos_read(0x00), bin);
	cmos_write(0x01, rtc_from_bin((u8)((sec + 2) % 60), bin));
	cmos_write(0x03, 0xc0); /* don't care */
	cmos_write(0x05, 0xc0);
	(void)cmos_read(0x0c);  /* clear the flags */
	cmos_write(0x0b, (u8)(b | 0x20)); /* AIE */
}

int main(int argc, char **argv)
{
	struct acpi_sdt *fadt = acpi_find_table("FACP", false);
	if (!fadt) {
		report(false, "FADT found");
		return report_summary();
	}
	u8 *facs = (u8 *)(u64)acpi_u32(fadt, FADT_FIRMWARE_CTRL);
	u16 evt = (u16)acpi_u32(fadt, FADT_PM1A_EVT_BLK);
	u16 cnt = (u16)acpi_u32(fadt, FADT_PM1A_CNT_BLK);
	struct { u16 limit; u64 base; } __attribute__((packed)) gdtr;

	/* the real-mode waking code, and what it needs to get back */
	u8 *dst = (u8 *)(u64)S3W_BASE;
	for (u32 k = 0; k < (u32)(s3w_end - s3w_start); k++)
		dst[k] = s3w_start[k];
	asm volatile("sgdt %0" : "=m"(gdtr));
	S3W(u16, s3w_gdt) = gdtr.limit;
	S3W(u32, s3w_gdt + 2) = (u32)gdtr.base;
	S3W(u32, s3w_cr3) = (u32)read_cr3();
	S3W(u32, s3w_efer) = (u32)rdmsr(MSR_EFER);
	*(volatile u32 *)(facs + 12) = S3W_BASE; /* Firmware Waking Vector */
	u64 cr4 = read_cr4(), fs = rdmsr(0xc0000100), gs = rdmsr(0xc0000101);

	rtc_alarm_in_2s();
	outw(0xffff, evt);      /* clear PM1_STS */
	outw(PM1_RTC, evt + 2); /* PM1_EN: the RTC alarm may wake */
	u64 t0 = rdtsc();
	int resumed = s3_suspend(cnt, SLP_TYP_S3 | SLP_EN);
	u64 t1 = rdtsc();
	write_cr4(cr4);
	wrmsr(0xc0000100, fs);
	wrmsr(0xc0000101, gs);

	report(resumed, "PM1a_CNT SLP_TYP=S3|SLP_EN suspends; back through the waking vector");
	if (!resumed)
		return report_summary();
	u32 cr0 = S3W(u32, s3w_cr0_seen);
	u16 cs = S3W(u16, s3w_cs_seen);
	report(!(cr0 & 1) && cs == S3W_BASE >> 4,
	       "the waking vector runs in real mode at %04x:0000 (CR0 %x, CS %x)", S3W_BASE >> 4,
	       cr0, cs);
	u16 sts = inw(evt), en = inw(evt + 2);
	report((sts & PM1_WAK) && (sts & PM1_RTC), "PM1_STS: WAK_STS and RTC_STS (%x)", sts);
	report(en == 0 && !(inw(cnt) & 1), "PM1_EN and SCI_EN cleared by the wake (%x)", en);
	report(t1 - t0 > 900000000ull && t1 - t0 < 2100000000ull,
	       "woken by the alarm, 1-2 s of virtual time later (%llu ns)",
	       (unsigned long long)(t1 - t0));
	report(cmos_read(0x0c) & 0x20, "RTC register C: alarm flag");
	return report_summary();
}
