/* tests/guest/smp/tlb_shootdown.c: a TLB shootdown across 4 vCPUs (SDM
 * Vol.3A "Propagation of Paging-Structure Changes to Multiple Processors"):
 * every CPU caches a translation of one linear page, the BSP points the
 * PTE at another frame and invalidates its own entry, then sends a fixed
 * IPI to all excluding self; each AP's handler runs INVLPG, reads the page
 * through the new translation and acknowledges; the BSP waits for every
 * acknowledgement. Then the page is unmapped the same way and the APs see
 * #PF on it.
 * run-args: -smp 4
 */
#include "guest.h"

#define NCPU 4
#define V_SHOOT 0x48
#define TEST_VA ((void *)0x8000000000ull) /* PML4 slot 1: no boot mapping */

static volatile u32 before[SMP_MAX_CPUS], after[SMP_MAX_CPUS];
static volatile int acks, faults[SMP_MAX_CPUS];
static volatile int unmapped;

static void apic_eoi_here(void)
{
	apic_eoi();
}

static void read_page(void *data)
{
	before[smp_id()] = *(volatile u32 *)TEST_VA;
}

static void catch_pf(void *data)
{
	(void)*(volatile u32 *)TEST_VA;
}

static void shoot(struct ex_regs *r)
{
	int id = smp_id();

	asm volatile("invlpg (%0)" : : "r"(TEST_VA) : "memory");
	if (!unmapped)
		after[id] = *(volatile u32 *)TEST_VA;
	__atomic_fetch_add(&acks, 1, __ATOMIC_ACQ_REL);
	apic_eoi_here();
}

static void check_unmapped(void *data)
{
	faults[smp_id()] = catch_exception(catch_pf, NULL) == PF_VECTOR;
}

static bool wait_acks(int n)
{
	for (long i = 0; i < 50000000 && acks < n; i++)
		cpu_relax();
	return acks == n;
}

int main(int argc, char **argv)
{
	int n = smp_init(), ok;
	u32 *p1, *p2;
	pteval_t *pte;

	report(n == NCPU, "%d CPUs", n);
	if (n != NCPU)
		return report_summary();
	outb(0xff, 0x21);
	outb(0xff, 0xa1);
	handle_exception_vector(V_SHOOT, shoot);
	p1 = alloc_page();
	p2 = alloc_page();
	*p1 = 0x11111111;
	*p2 = 0x22222222;
	pte = install_page(current_page_table(), virt_to_phys(p1), TEST_VA, PT_WRITABLE_MASK);

	read_page(NULL);
	for (int c = 1; c < NCPU; c++)
		on_cpu(c, read_page, NULL);
	ok = 1;
	for (int c = 0; c < NCPU; c++)
		ok &= before[c] == 0x11111111;
	report(ok, "every CPU reads the first frame through the new mapping");

	/* change the translation and shoot it down everywhere */
	*pte = virt_to_phys(p2) | PT_PRESENT_MASK | PT_WRITABLE_MASK;
	asm volatile("invlpg (%0)" : : "r"(TEST_VA) : "memory");
	acks = 0;
	apic_send_ipi(0x000c4000u | V_SHOOT, 0); /* fixed, all excluding self */
	report(wait_acks(NCPU - 1), "every AP acknowledged the shootdown (%d)", acks);
	ok = *(volatile u32 *)TEST_VA == 0x22222222;
	for (int c = 1; c < NCPU; c++)
		ok &= after[c] == 0x22222222;
	report(ok, "after INVLPG every CPU sees the second frame");

	/* unmap it: the APs must fault on it afterwards */
	*pte = 0;
	asm volatile("invlpg (%0)" : : "r"(TEST_VA) : "memory");
	unmapped = 1;
	acks = 0;
	apic_send_ipi(0x000c4000u | V_SHOOT, 0);
	report(wait_acks(NCPU - 1), "second shootdown acknowledged");
	ok = 1;
	for (int c = 1; c < NCPU; c++) {
		on_cpu(c, check_unmapped, NULL);
		ok &= faults[c];
	}
	check_unmapped(NULL);
	report(ok && faults[0], "the unmapped page faults on every CPU");
	return report_summary();
}
