/* tests/guest/smp/ipi_x2apic.c: IPIs between 4 vCPUs in x2APIC mode (SDM
 * Vol.3A "Interrupt Command Register (ICR) in x2APIC Mode", "Logical
 * Destination Mode in x2APIC Mode", "Self IPI Register"): physical 32-bit
 * destinations, the broadcast ID 0xffffffff (and 0xff no longer being
 * one), cluster logical destinations with the LDR derived from the x2APIC
 * ID, shorthands, the SELF IPI MSR, NMI, and ESR "send illegal vector".
 * QEMU 7.2's TCG APIC has no x2APIC: the kernel skips there.
 * run-args: -smp 4
 */
#include "ipi.h"

#define NCPU 4
#define ICR_LOGICAL BIT(11)
#define DM_NMI      (4u << 8)
#define SH_SELF     (1u << 18)
#define SH_ALL      (2u << 18)
#define SH_ALL_BUT  (3u << 18)
#define MSR_X2APIC_LDR  0x80d
#define MSR_X2APIC_ESR  0x828
#define MSR_X2APIC_SELF 0x83f

static volatile u32 ldr[NCPU], id2[NCPU];
static volatile int enabled[NCPU];

static void to_x2apic(void *data)
{
	int id = smp_id();

	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | APIC_EXTD);
	enabled[id] = (rdmsr(MSR_IA32_APICBASE) & APIC_EXTD) != 0;
	/* software-enable in the new mode */
	wrmsr(x2apic_msr(APIC_SPIV), rdmsr(x2apic_msr(APIC_SPIV)) | 0x100);
	ldr[id] = (u32)rdmsr(MSR_X2APIC_LDR);
	id2[id] = (u32)rdmsr(x2apic_msr(APIC_ID));
}

/* send and return who took it; `expect` (a bitmap of CPUs) only says how
 * long to wait */
static int send_expect(u32 icr, u32 dest, int slot, int expect)
{
	clear_hits();
	apic_send_ipi(icr | (V_FIXED + slot), dest);
	return who_got_expect(slot, NCPU, expect);
}

/* the bitmap of CPU indexes whose APIC ID is set in `ids` */
static int cpus_with_ids(u32 ids)
{
	int mask = 0;

	for (int c = 0; c < NCPU; c++)
		if ((ids >> cpu_apic_id(c)) & 1)
			mask |= 1 << c;
	return mask;
}

int main(int argc, char **argv)
{
	int n = smp_init(), ok;

	report(n == NCPU, "%d CPUs", n);
	if (n != NCPU)
		return report_summary();
	if (!(cpuid(1).c & BIT(21))) {
		report_skip("no x2APIC in this CPU model");
		return report_summary();
	}
	pic_mask_all();
	ipi_setup();
	for (int c = 0; c < NCPU; c++)
		on_cpu(c, to_x2apic, NULL);
	ok = 1;
	for (int c = 0; c < NCPU; c++)
		ok &= enabled[c] && id2[c] == cpu_apic_id(c) &&
		      ldr[c] == (((id2[c] >> 4) << 16) | (1u << (id2[c] & 15)));
	report(ok, "every CPU in x2APIC mode, LDR = cluster ID[19:4] << 16 | 1 << ID[3:0]");

	ok = 1;
	for (int c = 0; c < NCPU; c++)
		ok &= send_expect(0, cpu_apic_id(c), 0, 1 << c) == 1 << c;
	report(ok, "fixed IPI by 32-bit x2APIC ID reaches that CPU only");
	report(send_expect(0, 0xffffffff, 1, 0xf) == 0xf, "destination 0xffffffff broadcasts");
	report(send_expect(0, 0xff, 1, 0) == 0, "destination 0xff is an ID, not a broadcast");
	report(send_expect(0, 0x100 | cpu_apic_id(1), 1, 0) == 0, "all 32 destination bits count");
	report(send_expect(SH_SELF, 3, 2, 1) == 1, "shorthand self");
	report(send_expect(SH_ALL, 0, 2, 0xf) == 0xf, "shorthand all including self");
	report(send_expect(SH_ALL_BUT, 0, 3, 0xe) == 0xe, "shorthand all excluding self");
	/* the members are APIC IDs; hits[] counts by CPU index (the order
	 * the CPUs came up in, which -seed shuffles) */
	int m12 = cpus_with_ids(0x6), m03 = cpus_with_ids(0x9);
	report(send_expect(ICR_LOGICAL, 0x00000006, 0, m12) == m12, "cluster 0, members 1 and 2");
	report(send_expect(ICR_LOGICAL, 0x00000009, 0, m03) == m03, "cluster 0, members 0 and 3");
	report(send_expect(ICR_LOGICAL, 0x00010006, 1, 0) == 0, "cluster 1: nobody");
	report(send_expect(ICR_LOGICAL, 0xffffffff, 1, 0xf) == 0xf, "logical 0xffffffff broadcasts");

	clear_hits();
	wrmsr(MSR_X2APIC_SELF, V_FIXED + 2);
	report(who_got_expect(2, NCPU, 1) == 1, "SELF IPI MSR interrupts the sender");

	clear_hits();
	apic_send_ipi(DM_NMI, cpu_apic_id(3));
	report(who_got_nmi_expect(NCPU, 0x8) == 0x8, "NMI IPI to x2APIC ID 3");

	wrmsr(MSR_X2APIC_ESR, 0);
	clear_hits();
	apic_send_ipi(0x07, cpu_apic_id(2));
	wrmsr(MSR_X2APIC_ESR, 0);
	report((rdmsr(MSR_X2APIC_ESR) & BIT(5)) && who_got(0, NCPU) == 0,
	       "vector 7 in the ICR: ESR send illegal vector");
	wrmsr(MSR_X2APIC_ESR, 0);
	wrmsr(MSR_X2APIC_SELF, 0x03);
	wrmsr(MSR_X2APIC_ESR, 0);
	report(rdmsr(MSR_X2APIC_ESR) & BIT(5), "vector 3 in SELF IPI: ESR send illegal vector");
	return report_summary();
}
