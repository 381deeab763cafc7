/* tests/guest/lib/ioapic.h: the I/O APIC at 0xfec00000 (IOREGSEL/IOWIN,
 * redirection entries, the version-0x20 EOI register). */
#ifndef GUEST_IOAPIC_H
#define GUEST_IOAPIC_H

#include "types.h"

#define IOAPIC_BASE      0xfec00000ul
#define IOAPIC_REG_ID    0x00
#define IOAPIC_REG_VER   0x01
#define IOAPIC_REG_ARB   0x02
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

/* redirection entry bits */
#define IOAPIC_DM_FIXED   (0u << 8)
#define IOAPIC_DM_LOWEST  (1u << 8)
#define IOAPIC_DM_NMI     (4u << 8)
#define IOAPIC_DEST_LOGICAL (1u << 11)
#define IOAPIC_REMOTE_IRR (1u << 14)
#define IOAPIC_LEVEL      (1u << 15)
#define IOAPIC_MASKED     (1u << 16)
#define IOAPIC_DEST(id)   ((u64)(id) << 56)

u32 ioapic_read_reg(u32 reg);
void ioapic_write_reg(u32 reg, u32 val);
u64 ioapic_read_redir(int pin);
/* writes the high half first, so an unmasking low half comes last */
void ioapic_write_redir(int pin, u64 e);
void ioapic_mask_all(void);
/* version 0x20 EOI register: remote IRR of entries with `vector` clears */
void ioapic_eoi(u8 vector);

#endif
