/* dev/pci.h: PCI bus 0 of the `pc` machine: configuration mechanism #1
 * (0xcf8 address, 0xcfc-0xcff data), the i440FX/PIIX3/PIIX4 functions and
 * QEMU's pci-testdev, with the addresses SeaBIOS would have assigned. */
#ifndef NESTBOX_DEV_PCI_H
#define NESTBOX_DEV_PCI_H

#include "base/bits.h"
#include "machine/machine.h"

#define PCI_CONF1_ADDR   0xcf8u
#define PCI_CONF1_DATA   0xcfcu
#define PCI_CONF1_ENABLE BIT(31)
#define PCI_RST_CNT      0xcf9u

/* PCI Local Bus Specification "Configuration Space Header" (type 0) */
#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_REVISION_ID    0x08
#define PCI_CLASS_PROG     0x09
#define PCI_CACHE_LINE     0x0c
#define PCI_LATENCY_TIMER  0x0d
#define PCI_HEADER_TYPE    0x0e
#define PCI_BAR0           0x10
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID      0x2e
#define PCI_ROM_ADDRESS    0x30
#define PCI_CAP_PTR        0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d
#define PCI_CONFIG_SIZE    256

#define PCI_CMD_IO         BIT(0)
#define PCI_CMD_MEMORY     BIT(1)
#define PCI_CMD_MASTER     BIT(2)
#define PCI_CMD_PARITY     BIT(6)
#define PCI_CMD_SERR       BIT(8)
#define PCI_CMD_INTX_DIS   BIT(10)

#define PCI_BAR_SPACE_IO   BIT(0)

#define PCI_DEVFN(slot, fn) ((slot) << 3 | (fn))

/* the config-space address of (bus 0, devfn, reg) as written to 0xcf8 */
static inline u32 pci_conf1_addr(unsigned devfn, unsigned reg)
{
	return (u32)PCI_CONF1_ENABLE | devfn << 8 | (reg & 0xfc);
}

#endif
