/* dev/pci.c: PCI configuration mechanism #1 (0xcf8/0xcfc) with the host
 * bridge and the pci-testdev, and the reset control register (0xcf9).
 *
 * Skeleton: only 0xcf9 so far. */
#include "dev/dev.h"
#include "dev/devpriv.h"

#define RST_CNT_SYS_RST BIT(1)
#define RST_CNT_RST_CPU BIT(2)

struct pci {
	struct dev_hdr hdr;
	struct machine *m;
	u8 rst_cnt; /* reset control register 0xcf9, bit 1 */
};

static u64 rst_cnt_read(void *opaque, u64 off, unsigned size)
{
	struct pci *p = opaque;

	return p->rst_cnt;
}

static void rst_cnt_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pci *p = opaque;

	p->rst_cnt = val & RST_CNT_SYS_RST;
	if (val & RST_CNT_RST_CPU)
		machine_end(p->m, RUN_RESET, 0, "reset through port 0xcf9");
}

void pci_init(struct machine *m)
{
	struct pci *p = dev_state_new(m, sizeof(*p), "pci");

	p->m = m;
	physmem_add_pio(&m->mem, 0xcf9, 1, rst_cnt_read, rst_cnt_write, p, "rst-cnt");
}
