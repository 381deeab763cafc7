/* tests/guest/lib/vm.h: page allocator and 4-level page-table helpers.
 * Physical memory is identity-mapped (0-4 GiB, 2 MiB pages, P|W|U) by boot.S;
 * the page pool is the RAM between the end of the image (and modules) and
 * the end given by multiboot mem_upper. */
#ifndef GUEST_VM_H
#define GUEST_VM_H

#include "types.h"

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE (2ull << 20)
#define HUGE_PAGE_SIZE (1ull << 30)

/* page-table entry bits (SDM Vol.3A "4-Level Paging and 5-Level Paging") */
#define PT_PRESENT_MASK  BIT(0)
#define PT_WRITABLE_MASK BIT(1)
#define PT_USER_MASK     BIT(2)
#define PT_PWT_MASK      BIT(3)
#define PT_PCD_MASK      BIT(4)
#define PT_ACCESSED_MASK BIT(5)
#define PT_DIRTY_MASK    BIT(6)
#define PT_PAGE_SIZE_MASK BIT(7)
#define PT_GLOBAL_MASK   BIT(8)
#define PT_NX_MASK       BIT(63)
#define PT_ADDR_MASK     0x000ffffffffff000ull

/* #PF error code (SDM Vol.3A "Page-Fault Exception (#PF)") */
#define PFERR_PRESENT_MASK  BIT(0)
#define PFERR_WRITE_MASK    BIT(1)
#define PFERR_USER_MASK     BIT(2)
#define PFERR_RESERVED_MASK BIT(3)
#define PFERR_FETCH_MASK    BIT(4)
#define PFERR_PK_MASK       BIT(5)

typedef u64 pteval_t;

/* zeroed 4 KiB page, or NULL when the pool is exhausted */
void *alloc_page(void);
void free_page(void *page);
/* contiguous, naturally aligned run of 2^order pages (never freed) */
void *alloc_pages(unsigned order);
u64 mem_pool_start(void);
u64 mem_pool_end(void);

static inline u64 virt_to_phys(const void *p) { return (u64)p; }
static inline void *phys_to_virt(u64 pa) { return (void *)pa; }

/* the root (PML4) of the current CR3 */
pteval_t *current_page_table(void);
/* pointer to the entry at `level` (4 = PML4E .. 1 = PTE) that maps virt,
 * or NULL if a higher level is not present or is a large page */
pteval_t *get_pte_level(pteval_t *root, const void *virt, int level);
/* pointer to the leaf entry (any level) mapping virt, or NULL; *level set */
pteval_t *get_pte(pteval_t *root, const void *virt, int *level);
/* make virt's entry at `level` equal pte, allocating and splitting tables
 * (a split large page keeps its attributes); returns the entry */
pteval_t *install_pte(pteval_t *root, int level, const void *virt, pteval_t pte);
/* map 4 KiB phys at virt with flags (PT_PRESENT_MASK added) */
pteval_t *install_page(pteval_t *root, u64 phys, const void *virt, pteval_t flags);
pteval_t *install_large_page(pteval_t *root, u64 phys, const void *virt, pteval_t flags);
/* a fresh root whose PML4 entries are copies of the current one's */
pteval_t *clone_page_table(void);
void flush_tlb(void);

#endif
