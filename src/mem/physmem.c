/* mem/physmem.c: guest RAM and the MMIO / port-I/O bus. */
#include "mem/physmem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/bits.h"
#include "base/log.h"

#define GiB (1ull << 30)

int physmem_init(struct physmem *pm, u64 ram_size)
{
	memset(pm, 0, sizeof(*pm));
	/* Like the PC's i440FX: when RAM would reach into the PCI hole, the
	 * part above 3 GiB is moved above 4 GiB. */
	pm->ram_size = ram_size;
	pm->below_4g = ram_size >= 0xe0000000ull ? 3 * GiB : ram_size;
	pm->phys_limit = ram_size > pm->below_4g ? 4 * GiB + (ram_size - pm->below_4g)
						 : pm->below_4g;
	/* reserve lazily: untouched guest RAM costs no host memory */
	void *p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	pm->ram = p;
	u64 pages = ram_size >> PHYS_PAGE_SHIFT;
	pm->code_pages = calloc(pages ? pages : 1, 1);
	pm->code_gen = calloc(pages ? pages : 1, sizeof(u32));
	if (!pm->code_pages || !pm->code_gen) {
		physmem_free(pm);
		return -1;
	}
	return 0;
}

void physmem_free(struct physmem *pm)
{
	if (pm->ram)
		munmap(pm->ram, pm->ram_size);
	free(pm->code_pages);
	free(pm->code_gen);
	memset(pm, 0, sizeof(*pm));
}

i64 physmem_page_index(const struct physmem *pm, gpa_t gpa)
{
	if (gpa < pm->below_4g)
		return (i64)(gpa >> PHYS_PAGE_SHIFT);
	if (gpa >= 4 * GiB && gpa < pm->phys_limit)
		return (i64)((pm->below_4g + (gpa - 4 * GiB)) >> PHYS_PAGE_SHIFT);
	return -1;
}

static int add_range(struct io_range *tab, int *nr, u64 base, u64 len, io_read_fn *rd,
		     io_write_fn *wr, void *opaque, const char *name)
{
	if (*nr >= PHYSMEM_MAX_RANGES)
		die("too many I/O ranges registering %s", name);
	tab[*nr] = (struct io_range){ base, len, rd, wr, opaque, name };
	return (*nr)++;
}

int physmem_add_mmio(struct physmem *pm, u64 base, u64 len, io_read_fn *rd, io_write_fn *wr,
		     void *opaque, const char *name)
{
	return add_range(pm->mmio, &pm->nr_mmio, base, len, rd, wr, opaque, name);
}

int physmem_add_pio(struct physmem *pm, u16 base, u16 len, io_read_fn *rd, io_write_fn *wr,
		    void *opaque, const char *name)
{
	return add_range(pm->pio, &pm->nr_pio, base, len, rd, wr, opaque, name);
}

void physmem_move_mmio(struct physmem *pm, int range, u64 base, u64 len)
{
	if (range < 0 || range >= pm->nr_mmio)
		die("physmem_move_mmio: no range %d", range);
	pm->mmio[range].base = base;
	pm->mmio[range].len = len;
}

void physmem_move_pio(struct physmem *pm, int range, u16 base, u16 len)
{
	if (range < 0 || range >= pm->nr_pio)
		die("physmem_move_pio: no range %d", range);
	pm->pio[range].base = base;
	pm->pio[range].len = len;
}

static const struct io_range *find_range(const struct io_range *tab, int nr, u64 addr)
{
	for (int i = 0; i < nr; i++)
		if (addr - tab[i].base < tab[i].len)
			return &tab[i];
	return NULL;
}

/* Unclaimed bus cycles: reads float high, writes vanish. */
u64 phys_read(struct physmem *pm, gpa_t gpa, unsigned size)
{
	u8 *p = physmem_ram_ptr(pm, gpa, size);
	if (p)
		return load_le(p, size);
	const struct io_range *r = find_range(pm->mmio, pm->nr_mmio, gpa);
	if (r && r->read)
		return r->read(r->opaque, gpa - r->base, size) & size_mask(size);
	/* an access straddling RAM's end: assemble byte by byte */
	if (size > 1 && physmem_ram_ptr(pm, gpa, 1)) {
		u64 v = 0;
		for (unsigned k = 0; k < size; k++)
			v |= phys_read(pm, gpa + k, 1) << (8 * k);
		return v;
	}
	LOG(dev, "unassigned read %#llx/%u", (unsigned long long)gpa, size);
	return size_mask(size);
}

void phys_write(struct physmem *pm, gpa_t gpa, unsigned size, u64 val)
{
	u8 *p = physmem_ram_ptr(pm, gpa, size);
	if (p) {
		physmem_note_write(pm, gpa, size);
		store_le(p, size, val);
		return;
	}
	const struct io_range *r = find_range(pm->mmio, pm->nr_mmio, gpa);
	if (r && r->write) {
		r->write(r->opaque, gpa - r->base, val & size_mask(size), size);
		return;
	}
	if (size > 1 && physmem_ram_ptr(pm, gpa, 1)) {
		for (unsigned k = 0; k < size; k++)
			phys_write(pm, gpa + k, 1, val >> (8 * k));
		return;
	}
	LOG(dev, "unassigned write %#llx/%u = %#llx", (unsigned long long)gpa, size,
	    (unsigned long long)val);
}

u64 pio_read(struct physmem *pm, u16 port, unsigned size)
{
	const struct io_range *r = find_range(pm->pio, pm->nr_pio, port);
	if (r && r->read)
		return r->read(r->opaque, port - r->base, size) & size_mask(size);
	LOG(dev, "unassigned in %#x/%u", port, size);
	return size_mask(size);
}

void pio_write(struct physmem *pm, u16 port, unsigned size, u64 val)
{
	const struct io_range *r = find_range(pm->pio, pm->nr_pio, port);
	if (r && r->write) {
		r->write(r->opaque, port - r->base, val & size_mask(size), size);
		return;
	}
	LOG(dev, "unassigned out %#x/%u = %#llx", port, size, (unsigned long long)val);
}

/* A store into a page holding decoded code invalidates that page's decoded
 * blocks (self-modifying code, SDM Vol.3A "Self-Modifying Code"). */
void physmem_note_write(struct physmem *pm, gpa_t gpa, u64 len)
{
	i64 first = physmem_page_index(pm, gpa);
	i64 last = physmem_page_index(pm, gpa + len - 1);
	for (i64 pg = first; pg >= 0 && pg <= last; pg++) {
		if (pm->code_pages[pg]) {
			pm->code_pages[pg] = 0;
			pm->code_gen[pg]++;
			if (pm->on_code_write)
				pm->on_code_write(pm->on_code_write_opaque);
		}
	}
}
