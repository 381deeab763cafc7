/* tests/guest/lib/pic.h: the 8259 pair (ports 0x20/0x21, 0xa0/0xa1), the
 * ELCR (0x4d0/0x4d1) and the pc-testdev ISA IRQ lines (0x2000 + n). */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

#include "types.h"

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_DATA  0xa1
#define PIC_OCW3_IRR    0x0a
#define PIC_OCW3_ISR    0x0b
#define PIC_OCW3_POLL   0x0c
#define PIC_EOI         0x20

/* ICW1-4: edge, cascade on IR2, 8086 mode, vector bases mbase/sbase;
 * leaves every IRQ masked */
void pic_remap(u8 mbase, u8 sbase);
/* IMR of both chips: bits 7:0 master, 15:8 slave */
void pic_set_imr(u16 mask);
u16 pic_get_imr(void);
/* IRR / ISR of both chips through OCW3 */
u16 pic_read_irr(void);
u16 pic_read_isr(void);
/* non-specific EOI for `irq` (slave and master for 8-15) */
void pic_eoi(int irq);
/* ELCR: bit n = IRQ n level-triggered */
u16 pic_get_elcr(void);
void pic_set_elcr(u16 elcr);
/* pc-testdev: raise (1) or lower (0) ISA IRQ line n */
void set_irq_line(int n, int level);

#endif
