/* dev/pci.c: PCI configuration mechanism #1 (0xcf8/0xcfc) on bus 0 with
 * the functions of QEMU 7.2's `pc` machine (dev/pci.def) and QEMU's
 * pci-testdev, and the PIIX3 reset control register (0xcf9), which sits
 * inside the 0xcf8 dword.
 *
 * physmem has no way to remove or move a range, so each BAR registers one
 * range at its firmware address and a re-programmed BAR (or a COMMAND
 * decode bit) rewrites that range's base/len in place (len 0 = unmapped,
 * it then never matches). */
#include "dev/pci.h"

#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"

#define RST_CNT_SYS_RST BIT(1)
#define RST_CNT_RST_CPU BIT(2)

#define PCI_NR_BARS 6
/* QEMU's default subsystem IDs (Red Hat/Qumranet, QEMU) */
#define PCI_SUBVENDOR_QEMU 0x1af4
#define PCI_SUBDEVICE_QEMU 0x1100
/* COMMAND bits a type-0 function implements (read/write) */
#define PCI_CMD_WMASK (PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_PARITY | \
		       PCI_CMD_SERR | PCI_CMD_INTX_DIS)

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_MEM32, PCI_BAR_IO };

enum pci_fn_id {
#define PCI_FN(name, ...) PCI_FN_##name,
#include "dev/pci.def"
	PCI_NR_FNS
};

#define PCI_TESTDEV_NR_TESTS 6
#define PCI_TESTDEV_PER_BAR  3
#define PCI_TESTDEV_HDR_LEN  16

struct pci;

struct pci_bar {
	struct pci *p;
	int fn, idx;
	enum pci_bar_kind kind;
	u32 size;
	int range;          /* index into mem.mmio / mem.pio, or -1 */
};

struct pci_fn {
	u8 devfn;
	bool present;
	u8 cfg[PCI_CONFIG_SIZE];
	u8 wmask[PCI_CONFIG_SIZE];
	struct pci_bar bar[PCI_NR_BARS];
};

struct pci {
	struct dev_hdr hdr;
	struct machine *m;
	u8 rst_cnt;         /* reset control register 0xcf9, bit 1 */
	u32 conf_addr;      /* 0xcf8 */
	struct pci_fn fn[PCI_NR_FNS];
	int td_current;     /* pci-testdev: selected test, -1 = none */
	u32 td_count[PCI_TESTDEV_NR_TESTS];
};

static const struct pci_testdev_test {
	const char *name;
	u32 offset;
	u8 data;
	bool counts;
} td_tests[PCI_TESTDEV_NR_TESTS] = {
#define PCI_TESTDEV(i, nm, off, dat, cnt) [i] = { nm, off, dat, cnt },
#include "dev/pci.def"
};

/* --- pci-testdev (BAR0 MMIO = tests 0-2, BAR1 ports = tests 3-5) --- */

static u8 td_read_byte(struct pci *p, u64 addr)
{
	if (p->td_current < 0)
		return 0;
	const struct pci_testdev_test *t = &td_tests[p->td_current];
	u8 hdr[PCI_TESTDEV_HDR_LEN] = { 0 };
	u64 len = PCI_TESTDEV_HDR_LEN + strlen(t->name) + 1;

	if (addr + 1 >= len)
		return 0;
	if (addr >= PCI_TESTDEV_HDR_LEN)
		return (u8)t->name[addr - PCI_TESTDEV_HDR_LEN];
	hdr[0] = (u8)p->td_current;
	hdr[1] = 1;                             /* access width */
	store_le32(hdr + 4, t->offset);
	hdr[8] = t->data;
	store_le32(hdr + 12, p->td_count[p->td_current]);
	return hdr[addr];
}

static void td_write_byte(struct pci *p, int bar, u64 addr, u8 val)
{
	if (addr == 0) {
		/* select test `val` of this BAR; any other number deselects */
		p->td_current = val < PCI_TESTDEV_PER_BAR ? bar * PCI_TESTDEV_PER_BAR + val : -1;
		return;
	}
	if (p->td_current < 0)
		return;
	const struct pci_testdev_test *t = &td_tests[p->td_current];
	if (addr == t->offset && t->counts && val == t->data)
		p->td_count[p->td_current]++;
}

/* the device works a byte at a time: wider accesses are split */
static u64 td_read(struct pci_bar *b, u64 off, unsigned size)
{
	u64 v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (u64)td_read_byte(b->p, off + i) << (8 * i);
	return v;
}

static void td_write(struct pci_bar *b, u64 off, u64 val, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		td_write_byte(b->p, b->idx, off + i, (u8)(val >> (8 * i)));
}

static u64 bar_read(void *opaque, u64 off, unsigned size)
{
	struct pci_bar *b = opaque;

	if (b->fn == PCI_FN_pci_testdev)
		return td_read(b, off, size);
	return size_mask(size);
}

static void bar_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pci_bar *b = opaque;

	if (b->fn == PCI_FN_pci_testdev)
		td_write(b, off, val, size);
}

/* --- BAR decoding --- */

/* PCI Local Bus Specification "Base Addresses": the address a BAR decodes
 * now, or 0 when it decodes nothing (COMMAND decode bit clear, address 0,
 * or a window that would wrap or leave the 32-bit / 64 KiB port space,
 * as during the all-ones sizing write) */
static u64 bar_decode(const struct pci_fn *f, const struct pci_bar *b)
{
	u16 cmd = load_le16(f->cfg + PCI_COMMAND);
	u32 v = load_le32(f->cfg + PCI_BAR0 + 4 * b->idx);
	u64 base = v & ~(u64)(b->size - 1), last = base + b->size - 1;

	if (b->kind == PCI_BAR_IO)
		return (cmd & PCI_CMD_IO) && base && last <= 0xffff ? base : 0;
	return (cmd & PCI_CMD_MEMORY) && base && last < 0xffffffffull ? base : 0;
}

static void bar_remap(struct pci *p, struct pci_fn *f)
{
	for (int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &f->bar[i];

		if (b->range < 0)
			continue;
		u64 base = bar_decode(f, b);
		if (b->kind == PCI_BAR_IO)
			physmem_move_pio(&p->m->mem, b->range, (u16)base, base ? (u16)b->size : 0);
		else
			physmem_move_mmio(&p->m->mem, b->range, base, base ? b->size : 0);
	}
}

/* --- configuration space --- */

static struct pci_fn *fn_at(struct pci *p, unsigned devfn)
{
	for (int i = 0; i < PCI_NR_FNS; i++)
		if (p->fn[i].present && p->fn[i].devfn == devfn)
			return &p->fn[i];
	return NULL;
}

static u32 cfg_read(struct pci_fn *f, unsigned reg, unsigned size)
{
	u32 v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (u32)(reg + i < PCI_CONFIG_SIZE ? f->cfg[reg + i] : 0xff) << (8 * i);
	return v;
}

static void cfg_write(struct pci *p, struct pci_fn *f, unsigned reg, u32 val, unsigned size)
{
	bool remap = false;

	for (unsigned i = 0; i < size && reg + i < PCI_CONFIG_SIZE; i++) {
		unsigned o = reg + i;
		u8 w = f->wmask[o];

		f->cfg[o] = (u8)((f->cfg[o] & ~w) | ((val >> (8 * i)) & w));
		if (o == PCI_COMMAND || o == PCI_COMMAND + 1 ||
		    (o >= PCI_BAR0 && o < PCI_BAR0 + 4 * PCI_NR_BARS))
			remap = true;
	}
	if (remap)
		bar_remap(p, f);
}

/* the function and register the data port at 0xcfc + `port_off` reaches,
 * or NULL: enable bit clear, a bus other than 0, or no such function */
static struct pci_fn *conf1_target(struct pci *p, unsigned port_off, unsigned *reg)
{
	u32 a = p->conf_addr | (port_off & 3);

	if (!(a & PCI_CONF1_ENABLE) || bits_get(a, 23, 16) != 0)
		return NULL;
	*reg = a & 0xff;
	return fn_at(p, (unsigned)bits_get(a, 15, 8));
}

static u64 conf1_read(void *opaque, u64 off, unsigned size)
{
	struct pci *p = opaque;
	struct pci_fn *f;
	unsigned reg;

	if (off == 1)   /* 0xcf9 */
		return p->rst_cnt;
	if (off < 4)    /* the address register, whatever part is read */
		return p->conf_addr;
	f = conf1_target(p, (unsigned)off - 4, &reg);
	return f ? cfg_read(f, reg, size) : size_mask(size);
}

static void rst_cnt_write(struct pci *p, u8 val)
{
	p->rst_cnt = val & RST_CNT_SYS_RST;
	if (val & RST_CNT_RST_CPU)
		machine_end(p->m, RUN_RESET, 0, "reset through port 0xcf9");
}

static void conf1_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pci *p = opaque;
	struct pci_fn *f;
	unsigned reg;

	if (off == 1) {
		rst_cnt_write(p, (u8)val);
		return;
	}
	if (off < 4) {
		/* only a dword write at 0xcf8 loads the address register */
		if (off == 0 && size == 4)
			p->conf_addr = (u32)val;
		return;
	}
	f = conf1_target(p, (unsigned)off - 4, &reg);
	if (f)
		cfg_write(p, f, reg, (u32)val, size);
}

/* --- construction --- */

static void fn_init(struct pci_fn *f, unsigned devfn, u16 vendor, u16 device, u8 rev,
		    u32 class24, u8 header_type, u16 cmd, u8 pin, u8 line, bool chipset)
{
	f->present = true;
	f->devfn = (u8)devfn;
	store_le16(f->cfg + PCI_VENDOR_ID, vendor);
	store_le16(f->cfg + PCI_DEVICE_ID, device);
	store_le16(f->cfg + PCI_COMMAND, cmd);
	f->cfg[PCI_REVISION_ID] = rev;
	f->cfg[PCI_CLASS_PROG] = (u8)class24;
	store_le16(f->cfg + PCI_CLASS_PROG + 1, (u16)(class24 >> 8));
	f->cfg[PCI_HEADER_TYPE] = header_type;
	store_le16(f->cfg + PCI_SUBSYS_VENDOR, PCI_SUBVENDOR_QEMU);
	store_le16(f->cfg + PCI_SUBSYS_ID, PCI_SUBDEVICE_QEMU);
	f->cfg[PCI_INTERRUPT_PIN] = pin;
	f->cfg[PCI_INTERRUPT_LINE] = line;
	store_le16(f->wmask + PCI_COMMAND, PCI_CMD_WMASK);
	f->wmask[PCI_CACHE_LINE] = 0xff;
	f->wmask[PCI_LATENCY_TIMER] = 0xff;
	f->wmask[PCI_INTERRUPT_LINE] = 0xff;
	if (chipset)
		memset(f->wmask + 0x40, 0xff, PCI_CONFIG_SIZE - 0x40);
	for (int i = 0; i < PCI_NR_BARS; i++)
		f->bar[i].range = -1;
}

/* `size` bytes (1-4) of firmware-set config space, little-endian */
static void cfg_init(struct pci_fn *f, unsigned reg, unsigned size, u32 val)
{
	for (unsigned i = 0; i < size && reg + i < PCI_CONFIG_SIZE; i++)
		f->cfg[reg + i] = (u8)(val >> (8 * i));
}

/* a BAR as the firmware assigned it: config space and sizing mask */
static void bar_init(struct pci_fn *f, int fn, int idx, enum pci_bar_kind kind, u32 size, u32 addr)
{
	u32 type = kind == PCI_BAR_IO ? PCI_BAR_SPACE_IO : 0;

	f->bar[idx] = (struct pci_bar){ NULL, fn, idx, kind, size, -1 };
	store_le32(f->cfg + PCI_BAR0 + 4 * idx, addr | type);
	/* sizing: the address bits above the size are writable */
	store_le32(f->wmask + PCI_BAR0 + 4 * idx, ~(size - 1) & ~(kind == PCI_BAR_IO ? 3u : 0xfu));
}

/* every function's config space, write masks and BARs as the firmware
 * leaves them (dev/pci.def), with no wiring: pci_init builds the bus
 * from it, and the snapshot check compares read-only bits with it */
static void pci_fns_build(struct pci_fn *fns)
{
	memset(fns, 0, sizeof(struct pci_fn) * PCI_NR_FNS);
#define PCI_FN(name, slot, func, ven, dev, rev, cls, ht, cmd, pin, line, chip)          \
	fn_init(&fns[PCI_FN_##name], PCI_DEVFN(slot, func), ven, dev, rev, cls, ht, cmd, \
		pin, line, chip);
#define PCI_BAR(name, idx, kind, size, addr) \
	bar_init(&fns[PCI_FN_##name], PCI_FN_##name, idx, kind, size, addr);
#define PCI_CFG(name, off, size, val) cfg_init(&fns[PCI_FN_##name], off, size, val);
#include "dev/pci.def"
}

/* give the pci-testdev's BARs their ranges, at the firmware addresses
 * (bar_remap puts them where the config space says) */
static void bar_wire(struct pci *p, struct pci_fn *f, struct pci_bar *b)
{
	struct physmem *pm = &p->m->mem;
	u32 addr;

	b->p = p;
	if (b->fn != PCI_FN_pci_testdev || b->kind == PCI_BAR_NONE)
		return;         /* config space only: no behaviour behind it */
	addr = load_le32(f->cfg + PCI_BAR0 + 4 * b->idx) & ~(b->kind == PCI_BAR_IO ? 3u : 0xfu);
	if (b->kind == PCI_BAR_IO)
		b->range = physmem_add_pio(pm, (u16)addr, (u16)b->size, bar_read, bar_write, b,
					   "pci-testdev-io");
	else
		b->range = physmem_add_mmio(pm, addr, b->size, bar_read, bar_write, b,
					    "pci-testdev-mmio");
}

/* --- snapshot --- */

/* Config space writes go through the write masks (cfg_write), so every
 * bit a mask leaves read-only still has its firmware value. */
static const char *pci_fn_check(const void *p, char *msg, size_t len)
{
	const struct pci_fn *f = p;
	struct pci_fn ref[PCI_NR_FNS];
	const struct pci_fn *r = NULL;

	pci_fns_build(ref);
	for (int i = 0; i < PCI_NR_FNS; i++)
		if (ref[i].present && ref[i].devfn == f->devfn)
			r = &ref[i];
	if (!r)
		return NULL; /* an absent slot: config space never reached */
	for (unsigned o = 0; o < PCI_CONFIG_SIZE; o++) {
		if ((f->cfg[o] ^ r->cfg[o]) & ~r->wmask[o]) {
			snprintf(msg, len, "byte %#x is %#x, its read-only bits (%#x) are %#x", o,
				 f->cfg[o], (u8)~r->wmask[o], r->cfg[o] & (u8)~r->wmask[o]);
			return "cfg";
		}
	}
	return NULL;
}

static const struct snap_field pci_fn_fields[] = {
	SNAP_DERIVED(struct pci_fn, devfn, "construction: dev/pci.def"),
	SNAP_DERIVED(struct pci_fn, present, "construction: dev/pci.def"),
	SNAP_U8(struct pci_fn, cfg),
	SNAP_DERIVED(struct pci_fn, wmask, "construction: dev/pci.def (never written after)"),
	SNAP_DERIVED(struct pci_fn, bar, "construction: kinds and sizes from dev/pci.def, ranges "
					 "from physmem; mapped from cfg by pci_loaded"),
};
SNAP_DESC(pci_fn, 1, pci_fn_fields, pci_fn_check, NULL);

/* the reset control register keeps SYS_RST only (RST_CPU is a strobe that
 * ends the run); the pci-testdev selects test 0..5 or none (-1), and only
 * the tests that count ever count */
static const char *pci_check(const void *p, char *msg, size_t len)
{
	const struct pci *s = p;

	if (s->rst_cnt & ~RST_CNT_SYS_RST) {
		snprintf(msg, len, "%#x: only SYS_RST (bit 1) is kept", s->rst_cnt);
		return "rst_cnt";
	}
	if (s->td_current < -1 || s->td_current >= PCI_TESTDEV_NR_TESTS) {
		snprintf(msg, len, "%d is not a test (0..%d) or none (-1)", s->td_current,
			 PCI_TESTDEV_NR_TESTS - 1);
		return "td_current";
	}
	for (int i = 0; i < PCI_TESTDEV_NR_TESTS; i++) {
		if (s->td_count[i] && !td_tests[i].counts) {
			snprintf(msg, len, "test %d (%s) hands its writes on and never counts", i,
				 td_tests[i].name);
			return "td_count";
		}
	}
	return NULL;
}

/* the BARs decode where the loaded config space puts them */
static void pci_loaded(void *p)
{
	struct pci *s = p;

	for (int i = 0; i < PCI_NR_FNS; i++)
		bar_remap(s, &s->fn[i]);
}

static const struct snap_field pci_fields[] = {
	SNAP_DERIVED(struct pci, hdr, "construction (pci_init)"),
	SNAP_DERIVED(struct pci, m, "construction: the machine"),
	SNAP_U8(struct pci, rst_cnt),
	SNAP_U32(struct pci, conf_addr),
	SNAP_STRUCT(struct pci, fn, struct pci_fn, pci_fn_snap),
	SNAP_U32(struct pci, td_current),
	SNAP_U32(struct pci, td_count),
};
SNAP_DESC(pci, 1, pci_fields, pci_check, pci_loaded);

void pci_init(struct machine *m)
{
	struct pci *p = dev_state_new(m, sizeof(*p), "pci", &pci_snap);

	p->m = m;
	p->td_current = -1;
	pci_fns_build(p->fn);
	for (int i = 0; i < PCI_NR_FNS; i++) {
		for (int k = 0; k < PCI_NR_BARS; k++)
			bar_wire(p, &p->fn[i], &p->fn[i].bar[k]);
		bar_remap(p, &p->fn[i]);
	}
	/* 0xcf8-0xcfb address (0xcf9: reset control), 0xcfc-0xcff data */
	physmem_add_pio(&m->mem, PCI_CONF1_ADDR, 8, conf1_read, conf1_write, p, "pci-conf1");
}
