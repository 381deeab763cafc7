/* tests/guest/platform/pci_bus.c: PCI configuration mechanism #1 on bus 0
 * (PLATFORM.md "PCI conf1"): the address register, a bus scan with the
 * i440FX host bridge at 00:00.0, absent functions reading all-ones, and
 * QEMU's pci-testdev (1b36:0005): its BARs as firmware assigned them, the
 * sizing protocol, the test protocol kvm-unit-tests runs through both
 * BARs, and relocation of both BARs.
 */
#include "guest.h"
#include "pci.h"

#define TESTDEV_NR_PER_BAR 3

static const char *const td_names[] = {
	"mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
	"portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

/* access to a BAR: memory (base is a physical address) or ports */
struct bar {
	bool io;
	u64 base;
};

static u8 rd8(struct bar *b, u32 off)
{
	return b->io ? inb((u16)(b->base + off)) : *(volatile u8 *)(b->base + off);
}

static u32 rd32(struct bar *b, u32 off)
{
	return b->io ? inl((u16)(b->base + off)) : *(volatile u32 *)(b->base + off);
}

static void wr8(struct bar *b, u32 off, u8 v)
{
	if (b->io)
		outb(v, (u16)(b->base + off));
	else
		*(volatile u8 *)(b->base + off) = v;
}

static void check_conf1(void)
{
	outl(0x80000000, 0xcf8);
	report(inl(0xcf8) == 0x80000000, "0xcf8 reads back the address");
	u32 id = pci_config_readl(PCI_DEVFN(0, 0), 0);
	report(id == 0x12378086, "00:00.0 is the i440FX host bridge (%08x)", id);
	report((pci_config_readl(PCI_DEVFN(0, 0), PCI_CLASS_REV) >> 16) == 0x0600,
	       "00:00.0 class: host bridge");
	report(pci_config_readl(PCI_DEVFN(31, 7), 0) == 0xffffffff &&
		       pci_config_readw(PCI_DEVFN(31, 0), 2) == 0xffff,
	       "an absent function reads all-ones");
	report(pci_config_readw(PCI_DEVFN(0, 0), 2) == 0x1237 &&
		       pci_config_readb(PCI_DEVFN(0, 0), 1) == 0x80,
	       "word and byte reads at data-port offsets");
	outl(0x00000000, 0xcf8);
	report(inl(0xcfc) == 0xffffffff, "enable bit clear: the data port floats");

	int n = 0;
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		u32 v = pci_config_readl(devfn, 0);
		if (v == 0xffffffff)
			continue;
		n++;
		report_info("%02x.%u %04x:%04x class %06x header %02x", devfn >> 3, devfn & 7,
			    v & 0xffff, v >> 16, pci_config_readl(devfn, PCI_CLASS_REV) >> 8,
			    pci_config_readb(devfn, PCI_HEADER_TYPE));
	}
	report(n >= 2, "bus 0 scan: %d functions", n);
}

/* one test as kvm-unit-tests' pci-testdev runs it; returns the count */
static int run_test(struct bar *b, int n)
{
	const int nr_writes = 16;
	char name[32];
	int idx = (b->io ? TESTDEV_NR_PER_BAR : 0) + n;

	wr8(b, 0, (u8)n);
	if (rd8(b, 0) != idx || rd32(b, 12) != 0 || rd8(b, 1) != 1)
		return -1;
	u32 off = rd32(b, 4);
	u8 data = (u8)rd32(b, 8);
	u32 i;
	for (i = 0; i + 1 < sizeof(name); i++) {
		name[i] = (char)rd8(b, 16 + i);
		if (!name[i])
			break;
	}
	name[i] = 0;
	report(!strcmp(name, td_names[idx]), "%s test %d is \"%s\"", b->io ? "io" : "mem", n, name);
	for (i = 0; i < (u32)nr_writes; i++)
		wr8(b, off, data);
	return (int)rd32(b, 12);
}

static void run_bar(struct bar *b)
{
	for (int n = 0; n < TESTDEV_NR_PER_BAR; n++) {
		int count = run_test(b, n);
		/* no-eventfd counts each write; the eventfd tests' writes go to
		 * an ioeventfd and do not reach the count */
		report(count == (n == 0 ? 16 : 0), "%s test %d: count %d", b->io ? "io" : "mem", n,
		       count);
	}
	/* a test number beyond the BAR's deselects: the header reads 0 */
	wr8(b, 0, TESTDEV_NR_PER_BAR);
	report(rd8(b, 0) == 0 && rd8(b, 1) == 0 && rd32(b, 4) == 0,
	       "%s: selecting test 3 deselects", b->io ? "io" : "mem");
}

static void check_testdev(void)
{
	int devfn = pci_find_dev(0x1b36, 0x0005);

	report(devfn >= 0, "pci-testdev found (%02x.%x)", devfn >> 3, devfn & 7);
	if (devfn < 0)
		return;
	u32 bar0 = pci_config_readl(devfn, PCI_BAR(0)), bar1 = pci_config_readl(devfn, PCI_BAR(1));
	u16 cmd = pci_config_readw(devfn, PCI_COMMAND);
	report_info("BAR0 %08x BAR1 %08x COMMAND %04x", bar0, bar1, cmd);
	report(!(bar0 & PCI_BAR_IO) && (bar0 & ~15u) && (bar1 & PCI_BAR_IO) && (bar1 & ~3u),
	       "BAR0 memory and BAR1 I/O, both assigned");
	report((cmd & (PCI_CMD_IO | PCI_CMD_MEMORY)) == (PCI_CMD_IO | PCI_CMD_MEMORY),
	       "COMMAND: memory and I/O decode on");
	report(pci_bar_size(devfn, 0) == 4096 && pci_bar_size(devfn, 1) == 256,
	       "BAR sizing: 4096 bytes, 256 ports (%u, %u)", pci_bar_size(devfn, 0),
	       pci_bar_size(devfn, 1));
	report(pci_config_readl(devfn, PCI_BAR(0)) == bar0 &&
		       pci_config_readl(devfn, PCI_BAR(1)) == bar1,
	       "BARs restored after sizing");
	report(pci_bar_size(devfn, 2) == 0, "BAR2 unimplemented");

	struct bar mem = { false, pci_bar_addr(devfn, 0) }, io = { true, pci_bar_addr(devfn, 1) };
	run_bar(&mem);
	run_bar(&io);

	/* relocation: both BARs elsewhere; the old addresses no longer reach
	 * the device (what an unclaimed address reads differs: QEMU gives 0
	 * for memory, all-ones for ports) */
	u32 newmem = (u32)mem.base - 0x100000, newio = 0xd000;
	pci_config_writel(devfn, PCI_BAR(0), newmem);
	pci_config_writel(devfn, PCI_BAR(1), newio);
	struct bar mem2 = { false, newmem }, io2 = { true, newio };
	wr8(&mem2, 0, 0);
	report(rd8(&mem2, 0) == 0 && rd32(&mem2, 4) == 2048 && rd32(&mem, 4) != 2048,
	       "BAR0 moved to %#x", newmem);
	wr8(&io2, 0, 0);
	report(rd8(&io2, 0) == 3 && rd32(&io2, 4) == 131 && rd32(&io, 4) != 131,
	       "BAR1 moved to %#x", newio);
	pci_config_writew(devfn, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	report(rd32(&mem2, 4) != 131 && rd32(&io2, 4) != 131,
	       "COMMAND decode bits off: both BARs dead");
	pci_config_writew(devfn, PCI_COMMAND, cmd);
	pci_config_writel(devfn, PCI_BAR(0), bar0);
	pci_config_writel(devfn, PCI_BAR(1), bar1);
	report(rd32(&mem, 4) == 131 && rd32(&io, 4) == 131, "BARs back at the firmware addresses");
}

int main(int argc, char **argv)
{
	check_conf1();
	check_testdev();
	return report_summary();
}
