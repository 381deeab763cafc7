/* tests/guest/lib/vm.c: page pool and 4-level page-table editing
 * (SDM Vol.3A "4-Level Paging and 5-Level Paging"). */
#include "guest.h"

static u64 pool_next, pool_end, pool_base;
static void *free_list;

void alloc_setup(u64 start, u64 end);
void alloc_setup(u64 start, u64 end)
{
	pool_base = pool_next = start;
	pool_end = end;
}

u64 mem_pool_start(void) { return pool_base; }
u64 mem_pool_end(void) { return pool_end; }

void *alloc_page(void)
{
	void *p;

	if (free_list) {
		p = free_list;
		free_list = *(void **)p;
	} else {
		if (pool_next + PAGE_SIZE > pool_end)
			return NULL;
		p = (void *)pool_next;
		pool_next += PAGE_SIZE;
	}
	memset(p, 0, PAGE_SIZE);
	return p;
}

void free_page(void *page)
{
	if (!page)
		return;
	*(void **)page = free_list;
	free_list = page;
}

void *alloc_pages(unsigned order)
{
	u64 size = PAGE_SIZE << order, start = ALIGN_UP(pool_next, size);

	if (start + size > pool_end)
		return NULL;
	/* the gap skipped for alignment goes to the free list */
	for (u64 p = pool_next; p < start; p += PAGE_SIZE)
		free_page((void *)p);
	pool_next = start + size;
	memset((void *)start, 0, size);
	return (void *)start;
}

pteval_t *current_page_table(void)
{
	return phys_to_virt(read_cr3() & PT_ADDR_MASK);
}

static unsigned pt_index(const void *virt, int level)
{
	return ((u64)virt >> (12 + 9 * (level - 1))) & 511;
}

pteval_t *get_pte_level(pteval_t *root, const void *virt, int level)
{
	pteval_t *table = root;

	for (int l = 4; l > level; l--) {
		pteval_t e = table[pt_index(virt, l)];

		if (!(e & PT_PRESENT_MASK) || (l < 4 && (e & PT_PAGE_SIZE_MASK)))
			return NULL;
		table = phys_to_virt(e & PT_ADDR_MASK);
	}
	return &table[pt_index(virt, level)];
}

pteval_t *get_pte(pteval_t *root, const void *virt, int *level)
{
	pteval_t *table = root;

	for (int l = 4; l >= 1; l--) {
		pteval_t *e = &table[pt_index(virt, l)];

		if (l == 1 || !(*e & PT_PRESENT_MASK) || (l < 4 && (*e & PT_PAGE_SIZE_MASK))) {
			if (level)
				*level = l;
			return (*e & PT_PRESENT_MASK) ? e : NULL;
		}
		table = phys_to_virt(*e & PT_ADDR_MASK);
	}
	return NULL;
}

/* replace a large-page entry at `level` by a table of 512 smaller entries
 * with the same attributes (SDM: PAT bit 12 in large entries, bit 7 in PTEs) */
static void split_large(pteval_t *e, int level)
{
	pteval_t *t = alloc_page(), old = *e;
	u64 step = 1ull << (12 + 9 * (level - 2));
	u64 base = old & PT_ADDR_MASK & ~((1ull << (12 + 9 * (level - 1))) - 1);
	pteval_t attr = old & ~PT_ADDR_MASK & ~BIT(12);

	assert(t);
	if (level == 2) {
		attr &= ~PT_PAGE_SIZE_MASK;
		if (old & BIT(12))
			attr |= BIT(7); /* PAT */
	} else if (old & BIT(12)) {
		attr |= BIT(12);
	}
	for (int i = 0; i < 512; i++)
		t[i] = (base + i * step) | attr;
	*e = virt_to_phys(t) | (old & (PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_USER_MASK)) |
	     PT_ACCESSED_MASK;
}

pteval_t *install_pte(pteval_t *root, int level, const void *virt, pteval_t pte)
{
	pteval_t *table = root;

	for (int l = 4; l > level; l--) {
		pteval_t *e = &table[pt_index(virt, l)];

		if (!(*e & PT_PRESENT_MASK)) {
			pteval_t *t = alloc_page();

			assert(t);
			*e = virt_to_phys(t) | PT_PRESENT_MASK | PT_WRITABLE_MASK | PT_USER_MASK;
		} else if (l < 4 && (*e & PT_PAGE_SIZE_MASK)) {
			split_large(e, l);
		}
		table = phys_to_virt(*e & PT_ADDR_MASK);
	}
	table[pt_index(virt, level)] = pte;
	invlpg(virt);
	return &table[pt_index(virt, level)];
}

pteval_t *install_page(pteval_t *root, u64 phys, const void *virt, pteval_t flags)
{
	return install_pte(root, 1, virt, (phys & PT_ADDR_MASK) | flags | PT_PRESENT_MASK);
}

pteval_t *install_large_page(pteval_t *root, u64 phys, const void *virt, pteval_t flags)
{
	return install_pte(root, 2, virt,
			   (phys & PT_ADDR_MASK) | flags | PT_PRESENT_MASK | PT_PAGE_SIZE_MASK);
}

pteval_t *clone_page_table(void)
{
	pteval_t *root = alloc_page();

	assert(root);
	memcpy(root, current_page_table(), PAGE_SIZE);
	return root;
}

void flush_tlb(void)
{
	u64 cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}
