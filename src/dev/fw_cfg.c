/* dev/fw_cfg.c: QEMU's firmware configuration interface, the legacy I/O
 * port form (docs/specs/fw_cfg.txt in QEMU): a 16-bit write to 0x510
 * selects an item and rewinds it; each byte read from 0x511 returns the
 * next byte of the item, and 0 past its end or for an item that does not
 * exist. No DMA interface (the ID item says so). Test images read the RAM
 * size and the CPU count here. */
#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511

/* item keys (QEMU's FW_CFG_*) */
enum {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NB_CPUS = 0x05,
	FW_CFG_MAX_CPUS = 0x0f,
};
/* ID bit 0: the traditional (port) interface is present; bit 1 (DMA) clear */
#define FW_CFG_VERSION 0x01

#define FW_CFG_ITEM_MAX 8 /* bytes of the longest item */

struct fw_cfg_item {
	u16 key;
	u8 len;
	u8 data[FW_CFG_ITEM_MAX];
};

#define FW_CFG_MAX_ITEMS 8

struct fw_cfg {
	struct dev_hdr hdr;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	int nr_items;
	u16 sel;
	u32 off;
};

/* The items are saved: they come from the command line (RAM size, CPU
 * count), which the restoring process need not repeat. */
static const struct snap_field fw_cfg_item_fields[] = {
	SNAP_U16(struct fw_cfg_item, key),
	SNAP_U8_MAX(struct fw_cfg_item, len, FW_CFG_ITEM_MAX),
	SNAP_U8(struct fw_cfg_item, data),
};
SNAP_DESC(fw_cfg_item, 1, fw_cfg_item_fields, NULL, NULL);

/* The data port only advances `off` while it is inside the selected item,
 * and a select rewinds it: `off` never passes the selected item's end and
 * stays 0 when no item has the selected key. Items are only ever added
 * after the last one, so the unused slots are as calloc left them. */
static const char *fw_cfg_check(const void *p, char *msg, size_t len)
{
	const struct fw_cfg *f = p;
	static const u8 unused[FW_CFG_ITEM_MAX];
	u32 end = 0;

	for (int i = 0; i < f->nr_items; i++) {
		if (f->items[i].key == f->sel) {
			end = f->items[i].len;
			break;
		}
	}
	if (f->off > end) {
		snprintf(msg, len, "%u is past the end (%u) of the selected item %#x", f->off, end,
			 f->sel);
		return "off";
	}
	for (int i = f->nr_items; i < FW_CFG_MAX_ITEMS; i++) {
		const struct fw_cfg_item *it = &f->items[i];

		if (it->key || it->len || memcmp(it->data, unused, sizeof(unused))) {
			snprintf(msg, len, "slot %d is past the %d items but not empty", i, f->nr_items);
			return "items";
		}
	}
	return NULL;
}

static const struct snap_field fw_cfg_fields[] = {
	SNAP_DERIVED(struct fw_cfg, hdr, "construction (fw_cfg_init)"),
	SNAP_STRUCT(struct fw_cfg, items, struct fw_cfg_item, fw_cfg_item_snap),
	SNAP_U32_MAX(struct fw_cfg, nr_items, FW_CFG_MAX_ITEMS),
	SNAP_U16(struct fw_cfg, sel),
	SNAP_U32_MAX(struct fw_cfg, off, FW_CFG_ITEM_MAX),
};
SNAP_DESC(fw_cfg, 1, fw_cfg_fields, fw_cfg_check, NULL);

static void fw_cfg_add(struct fw_cfg *f, u16 key, const void *data, unsigned len)
{
	struct fw_cfg_item *it = &f->items[f->nr_items++];

	it->key = key;
	it->len = (u8)len;
	memcpy(it->data, data, len);
}

static void fw_cfg_add_le(struct fw_cfg *f, u16 key, u64 val, unsigned len)
{
	u8 buf[8];

	store_le(buf, len, val);
	fw_cfg_add(f, key, buf, len);
}

static u8 fw_cfg_next_byte(struct fw_cfg *f)
{
	for (int i = 0; i < f->nr_items; i++) {
		const struct fw_cfg_item *it = &f->items[i];

		if (it->key != f->sel)
			continue;
		if (f->off >= it->len)
			return 0;
		return it->data[f->off++];
	}
	return 0;
}

/* Both ports read the data byte (QEMU's combined port region does so). */
static u64 fw_cfg_read(void *opaque, u64 off, unsigned size)
{
	return fw_cfg_next_byte(opaque);
}

/* A 16-bit write selects; byte writes are data writes, which the legacy
 * interface ignores. */
static void fw_cfg_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct fw_cfg *f = opaque;

	if (size == 2 && off == 0) {
		f->sel = (u16)val;
		f->off = 0;
	}
}

void fw_cfg_init(struct machine *m)
{
	struct fw_cfg *f = dev_state_new(m, sizeof(*f), "fw_cfg", &fw_cfg_snap);
	int cpus = m->cfg.smp > 0 ? m->cfg.smp : 1;

	fw_cfg_add(f, FW_CFG_SIGNATURE, "QEMU", 4);
	fw_cfg_add_le(f, FW_CFG_ID, FW_CFG_VERSION, 4);
	fw_cfg_add_le(f, FW_CFG_RAM_SIZE, m->cfg.ram_size, 8);
	fw_cfg_add_le(f, FW_CFG_NB_CPUS, (u64)cpus, 2);
	fw_cfg_add_le(f, FW_CFG_MAX_CPUS, (u64)cpus, 2);
	physmem_add_pio(&m->mem, FW_CFG_PORT_SEL, 2, fw_cfg_read, fw_cfg_write, f, "fw_cfg");
}
