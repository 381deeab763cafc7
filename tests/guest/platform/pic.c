/* tests/guest/platform/pic.c: the 8259 pair as a 64-bit kernel sees it
 * (Intel 8259A data sheet; PLATFORM.md "I/O ports and MMIO they touch"):
 * the masks and ELCR the BIOS leaves, remapping, masking, IRR/ISR reads
 * through OCW3, EOI, the cascade, edge and level inputs, and delivery of
 * the PIC's vector through the boot CPU's LINT0 (ExtINT) into the IDT,
 * also with LINT0 masked and with the local APIC globally disabled (SDM
 * "Enabling or Disabling the Local APIC": LINT0 is then the INTR pin).
 * Requests come from the pc-testdev ISA lines (port 0x2000 + n).
 * run-args: -smp 1
 */
#include "guest.h"
#include "pic.h"
#include "../cpu/apic.h"

#define MBASE 0x20
#define SBASE 0x28

static volatile int count[16];
static volatile u16 isr_seen;
static volatile int lower_at[16];  /* lower the line on this count */
static volatile bool skip_eoi;

static void pic_handler(struct ex_regs *r)
{
	int irq = (int)r->vector - (r->vector >= SBASE ? SBASE - 8 : MBASE);

	count[irq]++;
	isr_seen = pic_read_isr();
	if (lower_at[irq] && count[irq] >= lower_at[irq])
		set_irq_line(irq, 0);
	if (!skip_eoi)
		pic_eoi(irq);
}

/* open the interrupt window for a few instructions */
static void window(void)
{
	irq_enable();
	asm volatile("nop; nop; nop");
	irq_disable();
}

static void reset_counts(void)
{
	for (int i = 0; i < 16; i++) {
		count[i] = 0;
		lower_at[i] = 0;
	}
	isr_seen = 0;
	skip_eoi = false;
}

/* SeaBIOS under QEMU 7.2 leaves IRQ 0, 1, 2, 6 and 8, 12, 13, 14 open and
 * the PCI IRQs 10 and 11 level-triggered */
static void test_bios_state(void)
{
	report(pic_get_imr() == 0x8eb8, "BIOS masks: master 0xb8, slave 0x8e (got %x)",
	       pic_get_imr());
	report(pic_get_elcr() == 0x0c00, "BIOS ELCR: IRQ 10 and 11 level (got %x)", pic_get_elcr());
	pic_set_elcr(0xffff);
	report(pic_get_elcr() == 0xdef8, "ELCR: IRQ 0, 1, 2, 8, 13 always edge (got %x)",
	       pic_get_elcr());
	pic_set_elcr(0x0c00);
}

static void test_mask_and_status(void)
{
	reset_counts();
	pic_set_imr(0xffff);
	set_irq_line(3, 1);
	report((pic_read_irr() & BIT(3)) != 0, "raised IRQ 3 shows in IRR");
	window();
	report(count[3] == 0, "masked IRQ 3 is not delivered");
	pic_set_imr((u16)~BIT(3));
	window();
	report(count[3] == 1, "unmasked IRQ 3 is delivered at vector 0x23");
	report(isr_seen == BIT(3), "ISR holds IRQ 3 in its handler (got %x)", isr_seen);
	report(pic_read_isr() == 0 && (pic_read_irr() & BIT(3)) == 0,
	       "after EOI: ISR and IRR clear (isr %x irr %x)", pic_read_isr(), pic_read_irr());
	window();
	report(count[3] == 1, "edge: a line held high interrupts once");
	set_irq_line(3, 0);
	set_irq_line(3, 1);
	window();
	report(count[3] == 2, "edge: a new rising edge interrupts again");
	set_irq_line(3, 0);
	pic_set_imr(0xffff);
}

/* without an EOI, the in-service level blocks itself and lower levels,
 * not higher ones */
static void test_eoi_and_priority(void)
{
	reset_counts();
	pic_set_imr((u16)~(BIT(3) | BIT(4) | BIT(5)));
	skip_eoi = true;
	set_irq_line(4, 1);
	window();
	report(count[4] == 1 && pic_read_isr() == BIT(4), "IRQ 4 in service without EOI");
	set_irq_line(5, 1);
	window();
	report(count[5] == 0, "IRQ 5 (lower priority) waits");
	set_irq_line(3, 1);
	window();
	report(count[3] == 1 && pic_read_isr() == (BIT(3) | BIT(4)),
	       "IRQ 3 (higher priority) nests (isr %x)", pic_read_isr());
	skip_eoi = false;
	outb(0x63, PIC_MASTER_CMD); /* specific EOI for IR3 */
	outb(0x64, PIC_MASTER_CMD); /* specific EOI for IR4 */
	window();
	report(count[5] == 1 && pic_read_isr() == 0, "IRQ 5 delivered after the EOIs");
	set_irq_line(3, 0);
	set_irq_line(4, 0);
	set_irq_line(5, 0);
	pic_set_imr(0xffff);
}

static void test_cascade(void)
{
	reset_counts();
	pic_set_imr((u16)~(BIT(2) | BIT(9)));
	set_irq_line(9, 1);
	window();
	report(count[9] == 1, "slave IRQ 9 delivered at vector 0x29 through the cascade");
	report(isr_seen == (BIT(9) | BIT(2)), "ISR: slave IR1 and master IR2 (got %x)", isr_seen);
	report(pic_read_isr() == 0, "EOI to both chips clears both");
	set_irq_line(9, 0);
	pic_set_imr((u16)~BIT(9));
	set_irq_line(9, 1);
	window();
	report(count[9] == 1, "slave request blocked while master IR2 is masked");
	pic_set_imr((u16)~(BIT(2) | BIT(9)));
	window();
	report(count[9] == 2, "delivered once master IR2 is unmasked");
	set_irq_line(9, 0);
	pic_set_imr(0xffff);
}

/* ELCR level inputs: a line still high after the EOI interrupts again */
static void test_level(void)
{
	reset_counts();
	pic_set_imr((u16)~(BIT(2) | BIT(11)));
	lower_at[11] = 3;
	set_irq_line(11, 1);
	window();
	report(count[11] == 3, "level IRQ 11 re-asserts after each EOI until lowered (%d)",
	       count[11]);
	report((pic_read_irr() & BIT(11)) == 0, "a lowered level line leaves IRR");
	set_irq_line(11, 1);
	set_irq_line(11, 0);
	window();
	report(count[11] == 3, "a level pulse that is gone before INTA is not delivered");
	pic_set_imr(0xffff);
}

/* LINT0: masked in the LVT, the PIC's INTR is not taken */
static void test_lint0_mask(void)
{
	u32 lvt0 = xapic_read(APIC_LVT0);

	reset_counts();
	pic_set_imr((u16)~BIT(3));
	xapic_write(APIC_LVT0, lvt0 | APIC_LVT_MASKED);
	set_irq_line(3, 1);
	window();
	report(count[3] == 0, "LINT0 masked: no PIC interrupt");
	xapic_write(APIC_LVT0, lvt0 & ~APIC_LVT_MASKED);
	window();
	report(count[3] == 1, "LINT0 ExtINT unmasked: delivered");
	set_irq_line(3, 0);
	pic_set_imr(0xffff);
}

/* last: QEMU cannot re-enable a disabled APIC */
static void test_apic_disabled(void)
{
	reset_counts();
	pic_set_imr((u16)~BIT(5));
	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) & ~(u64)(APIC_EN | APIC_EXTD));
	set_irq_line(5, 1);
	window();
	report(count[5] == 1, "APIC globally disabled: the PIC interrupts through LINT0 as INTR");
	set_irq_line(5, 0);
	pic_set_imr(0xffff);
}

int main(int argc, char **argv)
{
	test_bios_state();
	pic_remap(MBASE, SBASE);
	report(pic_get_imr() == 0xffff, "remapped, all masked");
	for (int v = MBASE; v < SBASE + 8; v++)
		handle_exception_vector((u8)v, pic_handler);
	/* the local APIC software-enabled with LINT0 in ExtINT mode */
	xapic_write(APIC_SPIV, 0x1ff);
	xapic_write(APIC_LVT0, 0x700);
	test_mask_and_status();
	test_eoi_and_priority();
	test_cascade();
	test_level();
	test_lint0_mask();
	test_apic_disabled();
	return report_summary();
}
