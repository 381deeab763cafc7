/* tests/guest/lib/ioapic.c: I/O APIC helpers (ioapic.h). */
#include "ioapic.h"

static volatile u32 *ioapic_mmio(u32 off)
{
	return (volatile u32 *)(IOAPIC_BASE + off);
}

u32 ioapic_read_reg(u32 reg)
{
	*ioapic_mmio(0x00) = reg;
	return *ioapic_mmio(0x10);
}

void ioapic_write_reg(u32 reg, u32 val)
{
	*ioapic_mmio(0x00) = reg;
	*ioapic_mmio(0x10) = val;
}

u64 ioapic_read_redir(int pin)
{
	u32 lo = ioapic_read_reg(IOAPIC_REDTBL(pin));

	return lo | (u64)ioapic_read_reg(IOAPIC_REDTBL(pin) + 1) << 32;
}

void ioapic_write_redir(int pin, u64 e)
{
	ioapic_write_reg(IOAPIC_REDTBL(pin) + 1, (u32)(e >> 32));
	ioapic_write_reg(IOAPIC_REDTBL(pin), (u32)e);
}

void ioapic_mask_all(void)
{
	int n = (int)((ioapic_read_reg(IOAPIC_REG_VER) >> 16) & 0xff) + 1;

	for (int pin = 0; pin < n; pin++)
		ioapic_write_redir(pin, IOAPIC_MASKED);
}

void ioapic_eoi(u8 vector)
{
	*ioapic_mmio(0x40) = vector;
}
