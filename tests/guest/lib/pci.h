/* tests/guest/lib/pci.h: PCI configuration mechanism #1 (PCI Local Bus
 * Specification "Configuration Mechanism #1": 0xcf8 address with enable
 * bit 31, 0xcfc-0xcff data) on bus 0, and BAR helpers. */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include "types.h"

#define PCI_DEVFN(slot, fn) ((slot) << 3 | (fn))
#define PCI_VENDOR_ID     0x00
#define PCI_COMMAND       0x04
#define PCI_CLASS_REV     0x08
#define PCI_HEADER_TYPE   0x0e
#define PCI_BAR(n)        (0x10 + 4 * (n))
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CMD_IO        0x1
#define PCI_CMD_MEMORY    0x2
#define PCI_BAR_IO        0x1

u32 pci_config_readl(unsigned devfn, unsigned reg);
u16 pci_config_readw(unsigned devfn, unsigned reg);
u8 pci_config_readb(unsigned devfn, unsigned reg);
void pci_config_writel(unsigned devfn, unsigned reg, u32 val);
void pci_config_writew(unsigned devfn, unsigned reg, u16 val);
/* devfn of the first function with this vendor:device on bus 0, or -1 */
int pci_find_dev(u16 vendor, u16 device);
/* a BAR's address without its type bits (0 if unassigned) */
u32 pci_bar_addr(unsigned devfn, int bar);
/* size by the sizing protocol (write all-ones, read the mask, restore);
 * 0 for an unimplemented BAR */
u32 pci_bar_size(unsigned devfn, int bar);

#endif
