/* tests/guest/smp/ipi.c: xAPIC IPIs between 4 vCPUs (SDM Vol.3A "Issuing
 * Interprocessor Interrupts", "Determining IPI Destination", "Lowest
 * Priority Delivery Mode"): fixed IPIs by physical APIC ID, the broadcast
 * ID 0xff, the three shorthands, logical destinations in the flat and the
 * cluster DFR models, lowest-priority arbitration, NMI IPIs, the ICR
 * delivery-status bit, ESR "send illegal vector", an IPI held in IRR while
 * the target has IF=0, and HLTed targets woken by the IPI.
 * run-args: -smp 4
 */
#include "ipi.h"

#define NCPU 4
#define ICR_LOGICAL   BIT(11)
#define ICR_ASSERT    BIT(14)
#define DM_LOWEST     (1u << 8)
#define DM_NMI        (4u << 8)
#define DM_EXTINT     (7u << 8)
#define SH_SELF       (1u << 18)
#define SH_ALL        (2u << 18)
#define SH_ALL_BUT    (3u << 18)

static volatile u32 ldr_val[NCPU], dfr_val[NCPU], tpr_val[NCPU];

static void set_logical(void *data)
{
	int id = smp_id();

	xapic_write(APIC_DFR, dfr_val[id]);
	xapic_write(APIC_LDR, ldr_val[id]);
}

static void set_tpr(void *data)
{
	xapic_write(APIC_TASKPRI, tpr_val[smp_id()]);
}

static void logical_mode(u32 dfr, const u32 *ldr)
{
	for (int c = 0; c < NCPU; c++) {
		dfr_val[c] = dfr;
		ldr_val[c] = ldr[c];
		on_cpu(c, set_logical, NULL);
	}
}

static void tprs(u32 t0, u32 t1, u32 t2, u32 t3)
{
	tpr_val[0] = t0, tpr_val[1] = t1, tpr_val[2] = t2, tpr_val[3] = t3;
	for (int c = 0; c < NCPU; c++)
		on_cpu(c, set_tpr, NULL);
}

/* send and return who took it; `expect` (a bitmap of CPUs) only says how
 * long to wait */
static int send_expect(u32 icr, u32 dest, int slot, int expect)
{
	clear_hits();
	apic_send_ipi(icr | (V_FIXED + slot), dest);
	return who_got_expect(slot, NCPU, expect);
}

static void physical_tests(void)
{
	int ok = 1;

	for (int c = 0; c < NCPU; c++)
		ok &= send_expect(ICR_ASSERT, cpu_apic_id(c), 0, 1 << c) == 1 << c;
	report(ok, "fixed IPI by physical APIC ID reaches that CPU only");
	report(!(xapic_read(APIC_ICR) & BIT(12)), "ICR delivery status idle after the send");
	report(send_expect(ICR_ASSERT, 0xff, 1, 0xf) == 0xf, "physical destination 0xff broadcasts");
	report(send_expect(ICR_ASSERT, 0x7e, 1, 0) == 0, "no CPU with that ID: nobody");
	report(send_expect(ICR_ASSERT | SH_SELF, 2, 2, 1) == 1, "shorthand self (destination ignored)");
	report(send_expect(ICR_ASSERT | SH_ALL, 2, 2, 0xf) == 0xf, "shorthand all including self");
	report(send_expect(ICR_ASSERT | SH_ALL_BUT, 0, 3, 0xe) == 0xe, "shorthand all excluding self");
}

static void logical_tests(void)
{
	static const u32 flat[NCPU] = { 1u << 24, 2u << 24, 4u << 24, 8u << 24 };
	/* cluster model: ID in bits 31:28, member bitmap in 27:24 */
	static const u32 cluster[NCPU] = { 0x11000000, 0x12000000, 0x21000000, 0x22000000 };
	int m, low = 1;

	logical_mode(0xffffffff, flat);
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0x06, 0, 0x6) == 0x6, "flat logical 0x06: CPUs 1 and 2");
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0x09, 0, 0x9) == 0x9, "flat logical 0x09: CPUs 0 and 3");
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0xff, 1, 0xf) == 0xf, "flat logical 0xff: all");
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0x30, 1, 0) == 0, "flat logical 0x30: nobody");

	logical_mode(0x0fffffff, cluster);
	report((xapic_read(APIC_DFR) >> 28) == 0, "DFR cluster model");
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0x13, 2, 0x3) == 0x3, "cluster 1 members 0,1: CPUs 0 and 1");
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0x22, 2, 0x8) == 0x8, "cluster 2 member 1: CPU 3");
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0x31, 3, 0) == 0, "cluster 3: nobody");
	report(send_expect(ICR_ASSERT | ICR_LOGICAL, 0xff, 3, 0xf) == 0xf, "cluster broadcast 0xff: all");

	/* lowest priority among CPUs 1-3 (flat 0x0e) */
	logical_mode(0xffffffff, flat);
	tprs(0, 0x20, 0x10, 0x30);
	m = send_expect(ICR_ASSERT | ICR_LOGICAL | DM_LOWEST, 0x0e, 0, 0x4);
	report(m == 0x4, "lowest priority goes to the lowest TPR (CPU 2) (%x)", m);
	tprs(0, 0, 0, 0);
	/* CPU numbers follow the order the APs came up in, not APIC IDs */
	for (int c = 2; c < NCPU; c++)
		if (cpu_apic_id(c) < cpu_apic_id(low))
			low = c;
	m = send_expect(ICR_ASSERT | ICR_LOGICAL | DM_LOWEST, 0x0e, 0, 1 << low);
	report(m == 1 << low, "equal priorities: the lowest APIC ID (CPU %d) (%x)", low, m);
	m = send_expect(ICR_ASSERT | DM_LOWEST, cpu_apic_id(3), 0, 0x8);
	report(m == 0x8, "lowest priority to one physical ID (%x)", m);
}

static void nmi_tests(void)
{
	clear_hits();
	apic_send_ipi(ICR_ASSERT | DM_NMI, cpu_apic_id(2));
	report(who_got_nmi_expect(NCPU, 0x4) == 0x4, "NMI IPI to CPU 2");
	clear_hits();
	apic_send_ipi(ICR_ASSERT | DM_NMI | SH_ALL_BUT, 0);
	report(who_got_nmi_expect(NCPU, 0xe) == 0xe, "NMI IPI to all excluding self");
}

static void error_tests(void)
{
	int m;

	xapic_write(APIC_ESR, 0);
	xapic_read(APIC_ESR);
	m = send_expect(ICR_ASSERT, cpu_apic_id(1), 0, 0x2);
	clear_hits();
	apic_send_ipi(ICR_ASSERT | 0x05, cpu_apic_id(1));
	xapic_write(APIC_ESR, 0);
	report(m == 0x2 && (xapic_read(APIC_ESR) & BIT(5)) && who_got(0, NCPU) == 0,
	       "fixed IPI with vector 5: ESR send illegal vector, nothing delivered");
	xapic_write(APIC_ESR, 0);
	report(xapic_read(APIC_ESR) == 0, "ESR clear again");
}

/* --- an IPI to a CPU with IF=0 stays in IRR until STI --- */
static volatile int step;
static volatile int irr_before, hits_before, hits_after;

static void masked_receiver(void *data)
{
	int id = smp_id();

	/* mailbox work runs with IF=0 */
	step = 1;
	while (step != 2)
		cpu_relax();
	irr_before = xapic_vec_bit(APIC_IRR, V_FIXED + 1);
	hits_before = hits[id][1];
	asm volatile("sti; nop; cli" ::: "memory");
	hits_after = hits[id][1];
}

static void masked_test(void)
{
	clear_hits();
	step = 0;
	on_cpu_async(1, masked_receiver, NULL);
	while (step != 1)
		cpu_relax();
	apic_send_ipi(ICR_ASSERT | (V_FIXED + 1), cpu_apic_id(1));
	step = 2;
	smp_wait(1);
	report(irr_before && hits_before == 0, "IPI to a CPU with IF=0 waits in its IRR");
	report(hits_after == 1, "taken once the CPU executes STI");
}

int main(int argc, char **argv)
{
	int n = smp_init();

	report(n == NCPU, "%d CPUs", n);
	if (n != NCPU)
		return report_summary();
	pic_mask_all();
	ipi_setup();
	physical_tests();
	logical_tests();
	nmi_tests();
	error_tests();
	masked_test();
	return report_summary();
}
