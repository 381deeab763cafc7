/* tests/guest/platform/acpi_sci.c: the PIIX4 PM block's timer overflow
 * event (ACPI "Power Management Timer": TMR_STS is set each time bit 23 of
 * the 24-bit PM timer changes) raises the SCI on ISA IRQ 9, which the MADT
 * says is level-triggered, active high; the handler clears TMR_STS
 * (write 1 to clear) and the next SCI comes 2^23 ticks later. The 8259s
 * are masked; the SCI arrives through IOAPIC pin 9.
 * run-args: -smp 1
 */
#include "guest.h"
#include "acpi.h"
#include "ioapic.h"
#include "pic.h"

#define VEC_SCI   0x79
#define PM1_STS   0x600
#define PM1_EN    0x602
#define PM_TMR    0x608
#define TMR_STS   1u

static volatile int sci_count;
static volatile u32 sts_in_handler, sts_after_clear, tmr_at[2];

static void sci_handler(struct ex_regs *r)
{
	u32 t = inl(PM_TMR) & 0xffffff;

	if (sci_count < 2)
		tmr_at[sci_count] = t;
	sts_in_handler = inw(PM1_STS);
	outw(TMR_STS, PM1_STS);
	sts_after_clear = inw(PM1_STS);
	sci_count++;
	*(volatile u32 *)0xfee000b0ul = 0;      /* local APIC EOI */
}

static void wait_sci(int n)
{
	while (sci_count < n)
		safe_halt();
	irq_disable();
}

int main(int argc, char **argv)
{
	pic_set_imr(0xffff);
	ioapic_mask_all();
	*(volatile u32 *)0xfee000f0ul = 0x1ff;  /* SPIV: APIC software-enabled */
	handle_exception_vector(VEC_SCI, sci_handler);
	ioapic_write_redir(9, VEC_SCI | IOAPIC_DM_FIXED | IOAPIC_LEVEL | IOAPIC_DEST(0));

	outw(TMR_STS, PM1_STS);                 /* start from a clear status */
	report((inw(PM1_STS) & TMR_STS) == 0, "TMR_STS clear after writing 1");
	outw(TMR_STS, PM1_EN);
	report(inw(PM1_EN) == TMR_STS, "PM1_EN reads back TMR_EN");

	wait_sci(1);
	report(sts_in_handler & TMR_STS, "SCI with TMR_STS set (PM1_STS %#x)", sts_in_handler);
	report(!(sts_after_clear & TMR_STS), "TMR_STS cleared by writing 1 (%#x)", sts_after_clear);
	report((tmr_at[0] & 0x7fffff) < 0x10000,
	       "first SCI when bit 23 changed (PM timer %#x)", tmr_at[0]);
	report(!(ioapic_read_redir(9) & IOAPIC_REMOTE_IRR) && sci_count == 1,
	       "level SCI de-asserted: no second delivery, remote IRR clear");

	wait_sci(2);
	u32 d = (tmr_at[1] - tmr_at[0]) & 0xffffff;
	report(d >= (1u << 23) - 0x100 && d <= (1u << 23) + 0x10000,
	       "next SCI 2^23 ticks later (%#x ticks)", d);

	outw(0, PM1_EN);
	outw(TMR_STS, PM1_STS);
	return report_summary();
}
