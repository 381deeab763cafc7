/* dev/testdev.c: QEMU's pc-testdev, the device kvm-unit-tests images use:
 *   0xe0-0xe3   a 32-bit scratch register, any access size at any offset;
 *   0xe4        a 32-bit write of an address drops the translations of that
 *               page (kvm-unit-tests use it to make the next access to the
 *               page take the slow path; here: tlb_flush_page on the CPU
 *               executing now, with the address as a linear address);
 *   0x2000+n    (n < 24) a write of 1 or 0 raises or lowers ISA IRQ n;
 *   0xff000000  64 KiB of RAM-like MMIO, any access size. */
#include "cpu/memory/mmu.h"
#include "dev/dev.h"
#include "dev/devpriv.h"

#define TESTDEV_NR_IRQS 24
#define TESTDEV_MMIO_BASE 0xff000000ull
#define TESTDEV_MMIO_SIZE 0x10000u

struct testdev {
	struct dev_hdr hdr;
	struct machine *m;
	u8 scratch[4];
	u8 irq_level[TESTDEV_NR_IRQS];
	isa_irq_hook_fn *irq_hook;
	u8 mem[TESTDEV_MMIO_SIZE];
};

/* The IRQ levels are what the guest last wrote (the controllers' inputs
 * are saved with the controllers); the 64 KiB window is guest data. */
static const struct snap_field testdev_fields[] = {
	SNAP_DERIVED(struct testdev, hdr, "construction (testdev_init)"),
	SNAP_DERIVED(struct testdev, m, "construction: the machine"),
	SNAP_U8(struct testdev, scratch),
	SNAP_U8_MAX(struct testdev, irq_level, 1),
	SNAP_DERIVED(struct testdev, irq_hook, "construction: installed by irq_init"),
	SNAP_U8(struct testdev, mem),
};
SNAP_DESC(testdev, 1, testdev_fields, NULL, NULL);

static struct testdev *testdev_of(struct machine *m)
{
	return dev_state_find(m, "pc-testdev");
}

/* --- 0xe0: scratch register --- */
static u64 scratch_read(void *opaque, u64 off, unsigned size)
{
	struct testdev *t = opaque;
	u64 v = 0;

	for (unsigned i = 0; i < size && off + i < sizeof(t->scratch); i++)
		v |= (u64)t->scratch[off + i] << (8 * i);
	return v;
}

static void scratch_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct testdev *t = opaque;

	for (unsigned i = 0; i < size && off + i < sizeof(t->scratch); i++)
		t->scratch[off + i] = (u8)(val >> (8 * i));
}

/* --- 0xe4: flush a page's translations --- */
static u64 flush_read(void *opaque, u64 off, unsigned size)
{
	return 0;
}

static void flush_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct testdev *t = opaque;

	if (t->m->cur)
		tlb_flush_page(t->m->cur, val & size_mask(size));
}

/* --- 0x2000+n: ISA IRQ lines --- */
static u64 irq_read(void *opaque, u64 off, unsigned size)
{
	struct testdev *t = opaque;

	return off < TESTDEV_NR_IRQS ? t->irq_level[off] : 0;
}

static void irq_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct testdev *t = opaque;
	int level = (val & size_mask(size)) != 0;

	if (off >= TESTDEV_NR_IRQS)
		return;
	t->irq_level[off] = (u8)level;
	if (t->irq_hook)
		t->irq_hook(t->m, (int)off, level);
}

void testdev_set_irq_hook(struct machine *m, isa_irq_hook_fn *fn)
{
	struct testdev *t = testdev_of(m);

	if (t)
		t->irq_hook = fn;
}

int testdev_irq_level(struct machine *m, int irq)
{
	struct testdev *t = testdev_of(m);

	if (!t || irq < 0 || irq >= TESTDEV_NR_IRQS)
		return 0;
	return t->irq_level[irq];
}

/* --- 0xff000000: RAM-like MMIO --- */
static u64 iomem_read(void *opaque, u64 off, unsigned size)
{
	struct testdev *t = opaque;

	if (off >= TESTDEV_MMIO_SIZE || size > TESTDEV_MMIO_SIZE - off)
		return size_mask(size);
	return load_le(t->mem + off, size);
}

static void iomem_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct testdev *t = opaque;

	if (off >= TESTDEV_MMIO_SIZE || size > TESTDEV_MMIO_SIZE - off)
		return;
	store_le(t->mem + off, size, val);
}

void testdev_init(struct machine *m)
{
	struct testdev *t = dev_state_new(m, sizeof(*t), "pc-testdev", &testdev_snap);

	t->m = m;
	physmem_add_pio(&m->mem, 0xe0, 4, scratch_read, scratch_write, t, "pc-testdev");
	physmem_add_pio(&m->mem, 0xe4, 4, flush_read, flush_write, t, "pc-testdev-flush");
	physmem_add_pio(&m->mem, 0x2000, TESTDEV_NR_IRQS, irq_read, irq_write, t, "pc-testdev-irq");
	physmem_add_mmio(&m->mem, TESTDEV_MMIO_BASE, TESTDEV_MMIO_SIZE, iomem_read, iomem_write, t,
			 "pc-testdev-iomem");
}
