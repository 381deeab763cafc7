/* mem/physmem.h: guest-physical RAM plus MMIO and port-I/O dispatch.
 * Device callbacks follow TinyEMU's shape: (opaque, offset, size) where size
 * is in bytes (1, 2, 4, 8). Accesses nobody claims read all-ones and drop
 * writes, as on a PC bus. */
#ifndef NESTBOX_MEM_PHYSMEM_H
#define NESTBOX_MEM_PHYSMEM_H

#include "base/types.h"

typedef u64 io_read_fn(void *opaque, u64 off, unsigned size);
typedef void io_write_fn(void *opaque, u64 off, u64 val, unsigned size);

struct io_range {
	u64 base, len;
	io_read_fn *read;
	io_write_fn *write;
	void *opaque;
	const char *name;
};

#define PHYSMEM_MAX_RANGES 64
#define PHYS_PAGE_SHIFT 12

struct physmem {
	u8 *ram;          /* host backing of all RAM, contiguous */
	u64 ram_size;     /* bytes of RAM in total */
	u64 below_4g;     /* RAM at [0, below_4g); the rest at [4 GiB, ...) */
	u64 phys_limit;   /* highest guest-physical address + 1 that is RAM */
	u8 *code_pages;   /* per RAM page: nonzero if decoded code may live there */
	u32 *code_gen;    /* per RAM page: bumped when its code is invalidated */
	struct io_range mmio[PHYSMEM_MAX_RANGES];
	int nr_mmio;
	struct io_range pio[PHYSMEM_MAX_RANGES];
	int nr_pio;
	/* called when a store invalidates decoded code (the machine stops the
	 * running CPU's block so it re-decodes) */
	void (*on_code_write)(void *opaque);
	void *on_code_write_opaque;
};

/* returns 0, or -1 if the host cannot provide `size` bytes */
int physmem_init(struct physmem *pm, u64 ram_size);
void physmem_free(struct physmem *pm);

/* host pointer for gpa if it is RAM (and the access of len bytes stays in
 * one RAM region), else NULL */
static inline u8 *physmem_ram_ptr(const struct physmem *pm, gpa_t gpa, u64 len)
{
	if (gpa < pm->below_4g && gpa + len <= pm->below_4g)
		return pm->ram + gpa;
	if (gpa >= 0x100000000ull && gpa + len <= pm->phys_limit && gpa + len > gpa)
		return pm->ram + pm->below_4g + (gpa - 0x100000000ull);
	return NULL;
}
/* index of the RAM page holding gpa into code_pages/code_gen, or -1 */
i64 physmem_page_index(const struct physmem *pm, gpa_t gpa);

/* register an MMIO or port range; returns its handle for physmem_move_* */
int physmem_add_mmio(struct physmem *pm, u64 base, u64 len, io_read_fn *rd, io_write_fn *wr,
		     void *opaque, const char *name);
int physmem_add_pio(struct physmem *pm, u16 base, u16 len, io_read_fn *rd, io_write_fn *wr,
		    void *opaque, const char *name);
/* move (or, with len 0, unmap) a registered range, e.g. a PCI BAR the guest
 * reprograms; the handler still sees offsets from the new base */
void physmem_move_mmio(struct physmem *pm, int range, u64 base, u64 len);
void physmem_move_pio(struct physmem *pm, int range, u16 base, u16 len);

/* physical access of size 1/2/4/8 bytes; RAM or MMIO */
u64 phys_read(struct physmem *pm, gpa_t gpa, unsigned size);
void phys_write(struct physmem *pm, gpa_t gpa, unsigned size, u64 val);
/* port I/O */
u64 pio_read(struct physmem *pm, u16 port, unsigned size);
void pio_write(struct physmem *pm, u16 port, unsigned size, u64 val);

/* code-page tracking for the decoded-instruction cache (self-modifying code) */
void physmem_note_write(struct physmem *pm, gpa_t gpa, u64 len);

#endif
