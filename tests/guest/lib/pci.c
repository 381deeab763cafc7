/* tests/guest/lib/pci.c: see pci.h. */
#include "pci.h"

#include "guest.h"

static void pci_select(unsigned devfn, unsigned reg)
{
	outl(0x80000000u | (devfn & 0xff) << 8 | (reg & 0xfc), 0xcf8);
}

u32 pci_config_readl(unsigned devfn, unsigned reg)
{
	pci_select(devfn, reg);
	return inl(0xcfc);
}

u16 pci_config_readw(unsigned devfn, unsigned reg)
{
	pci_select(devfn, reg);
	return inw((u16)(0xcfc + (reg & 2)));
}

u8 pci_config_readb(unsigned devfn, unsigned reg)
{
	pci_select(devfn, reg);
	return inb((u16)(0xcfc + (reg & 3)));
}

void pci_config_writel(unsigned devfn, unsigned reg, u32 val)
{
	pci_select(devfn, reg);
	outl(val, 0xcfc);
}

void pci_config_writew(unsigned devfn, unsigned reg, u16 val)
{
	pci_select(devfn, reg);
	outw(val, (u16)(0xcfc + (reg & 2)));
}

int pci_find_dev(u16 vendor, u16 device)
{
	u32 want = (u32)device << 16 | vendor;

	for (unsigned devfn = 0; devfn < 256; devfn++)
		if (pci_config_readl(devfn, PCI_VENDOR_ID) == want)
			return (int)devfn;
	return -1;
}

u32 pci_bar_addr(unsigned devfn, int bar)
{
	u32 v = pci_config_readl(devfn, PCI_BAR(bar));

	return v & (v & PCI_BAR_IO ? ~3u : ~15u);
}

u32 pci_bar_size(unsigned devfn, int bar)
{
	u32 old = pci_config_readl(devfn, PCI_BAR(bar)), mask;

	pci_config_writel(devfn, PCI_BAR(bar), ~0u);
	mask = pci_config_readl(devfn, PCI_BAR(bar));
	pci_config_writel(devfn, PCI_BAR(bar), old);
	if (!mask)
		return 0;
	mask &= old & PCI_BAR_IO ? ~3u : ~15u;
	if (old & PCI_BAR_IO)
		mask |= 0xffff0000u;    /* I/O BARs may implement only 16 bits */
	return ~mask + 1;
}
