/* tests/guest/lib/pic.c: 8259 and ISA-line helpers (pic.h). */
#include "pic.h"
#include "processor.h"

void pic_remap(u8 mbase, u8 sbase)
{
	outb(0x11, PIC_MASTER_CMD);
	outb(0x11, PIC_SLAVE_CMD);
	outb(mbase, PIC_MASTER_DATA);
	outb(sbase, PIC_SLAVE_DATA);
	outb(0x04, PIC_MASTER_DATA);
	outb(0x02, PIC_SLAVE_DATA);
	outb(0x01, PIC_MASTER_DATA);
	outb(0x01, PIC_SLAVE_DATA);
	pic_set_imr(0xffff);
}

void pic_set_imr(u16 mask)
{
	outb((u8)mask, PIC_MASTER_DATA);
	outb((u8)(mask >> 8), PIC_SLAVE_DATA);
}

u16 pic_get_imr(void)
{
	return (u16)(inb(PIC_MASTER_DATA) | inb(PIC_SLAVE_DATA) << 8);
}

static u16 pic_read_status(u8 ocw3)
{
	outb(ocw3, PIC_MASTER_CMD);
	outb(ocw3, PIC_SLAVE_CMD);
	return (u16)(inb(PIC_MASTER_CMD) | inb(PIC_SLAVE_CMD) << 8);
}

u16 pic_read_irr(void) { return pic_read_status(PIC_OCW3_IRR); }
u16 pic_read_isr(void) { return pic_read_status(PIC_OCW3_ISR); }

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC_EOI, PIC_SLAVE_CMD);
	outb(PIC_EOI, PIC_MASTER_CMD);
}

u16 pic_get_elcr(void)
{
	return (u16)(inb(0x4d0) | inb(0x4d1) << 8);
}

void pic_set_elcr(u16 elcr)
{
	outb((u8)elcr, 0x4d0);
	outb((u8)(elcr >> 8), 0x4d1);
}

void set_irq_line(int n, int level)
{
	outb((u8)level, (u16)(0x2000 + n));
}
