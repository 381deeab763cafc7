/* tests/bench/bench_pf.c: a page-fault-heavy workload for `make bench`:
 * touch pages that are mapped not-present, map them in the #PF handler,
 * then unmap with INVLPG and repeat. */
#include "desc.h"
#include "guest.h"
#include "processor.h"
#include "vm.h"

#define BENCH_PAGES 256
#define BENCH_BASE 0x100000000000ull /* far above the 4 GiB boot identity map */

static volatile u64 faults;
static u64 backing;

static void pf_handler(struct ex_regs *regs)
{
	u64 va = read_cr2() & ~0xffful;
	install_page(current_page_table(), backing + (va - BENCH_BASE), (void *)va,
		     PT_WRITABLE_MASK);
	faults++;
}

int main(int argc, char **argv)
{
	backing = virt_to_phys(alloc_pages(8)); /* 256 pages */
	handle_exception_vector(14, pf_handler);
	u64 sum = 0;
	for (int round = 0; round < 200; round++) {
		for (u64 p = 0; p < BENCH_PAGES; p++)
			sum += *(volatile u64 *)(BENCH_BASE + p * 4096) + p;
		for (u64 p = 0; p < BENCH_PAGES; p++) {
			void *va = (void *)(BENCH_BASE + p * 4096);
			int level;
			*get_pte(current_page_table(), va, &level) = 0;
			invlpg(va);
		}
	}
	printf("bench_pf: %llu page faults, sum %llu\n", (unsigned long long)faults,
	       (unsigned long long)sum);
	report(faults == 200ull * BENCH_PAGES, "every touch faulted once");
	return report_summary();
}
