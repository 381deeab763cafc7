/* tests/guest/smp/reinit.c: re-INIT of one AP later in the run and its
 * restart (PLATFORM.md "SMP"; SDM Vol.3A "INIT and SIPI", "MP
 * Initialization Protocol Algorithm", "Local APIC State After an INIT
 * Reset ("Wait-for-SIPI" State)"): after an INIT the AP ignores fixed
 * IPIs and NMIs and waits for a SIPI; a SIPI with a new vector VV starts
 * it in real mode at VV00:0000; a SIPI to an AP that has started is
 * ignored; INIT-SIPI-SIPI starts it once; INIT + SIPI 0 brings it back to
 * 64-bit mode; the other AP runs on undisturbed.
 * run-args: -smp 3
 */
#include "ipi.h"

#define NCPU 3
#define DM_NMI   (4u << 8)
#define DM_INIT  (5u << 8)
#define DM_SIPI  (6u << 8)
#define ICR_ASSERT BIT(14)
#define STUB_PA  0x8000ul  /* SIPI vector 0x08 */
#define MARK_PA  0x8100ul

static volatile u64 ran[NCPU];

static void mark(void *data)
{
	ran[smp_id()]++;
}

/* 16-bit code: LOCK INC DWORD CS:[0x100] (the mark), then CLI; HLT forever */
static const u8 stub[] = { 0x2e, 0xf0, 0x66, 0xff, 0x06, 0x00, 0x01, 0xfa, 0xf4, 0xeb, 0xfc };

/* the mark once it reached `want` (or after a long timeout), then a
 * little later (a second start would show) */
static u32 mark_count(u32 want)
{
	volatile u32 *mark = (volatile u32 *)MARK_PA;
	u64 t0 = rdtsc();

	while (*mark < want && rdtsc() - t0 < (1ull << 32))
		cpu_relax();
	t0 = rdtsc();
	while (rdtsc() - t0 < SETTLE_TSC)
		cpu_relax();
	return *mark;
}

int main(int argc, char **argv)
{
	int n = smp_init();
	u8 *low = (u8 *)STUB_PA;

	report(n == NCPU, "%d CPUs", n);
	if (n != NCPU)
		return report_summary();
	pic_mask_all();
	ipi_setup();
	memcpy(low, stub, sizeof(stub));
	*(volatile u32 *)MARK_PA = 0;

	/* INIT to AP 2 alone: wait-for-SIPI */
	smp_init_ap(2);
	clear_hits();
	apic_send_ipi(ICR_ASSERT | V_FIXED, cpu_apic_id(2));
	report(who_got(0, NCPU) == 0, "an INITed AP takes no fixed IPI");
	apic_send_ipi(ICR_ASSERT | DM_NMI, cpu_apic_id(2));
	report(who_got_nmi(NCPU) == 0, "nor an NMI");
	on_cpu(1, mark, NULL);
	report(ran[1] == 1, "the other AP still runs work");

	/* the NMI may stay latched until the AP runs (model specific): a
	 * fresh INIT starts it clean */
	apic_send_ipi(ICR_ASSERT | DM_INIT, cpu_apic_id(2));
	smp_sipi_ap(2, STUB_PA >> 12);
	report(mark_count(1) == 1, "SIPI vector 0x08 starts it at 0800:0000");
	smp_sipi_ap(2, STUB_PA >> 12);
	report(mark_count(1) == 1, "a second SIPI to the started AP is ignored");

	/* INIT-SIPI-SIPI back to back */
	apic_send_ipi(ICR_ASSERT | DM_INIT, cpu_apic_id(2));
	apic_send_ipi(DM_SIPI | (STUB_PA >> 12), cpu_apic_id(2));
	apic_send_ipi(DM_SIPI | (STUB_PA >> 12), cpu_apic_id(2));
	report(mark_count(2) == 2, "INIT-SIPI-SIPI starts it once more (%u)", *(volatile u32 *)MARK_PA);

	/* INIT level de-assert (trigger level, level 0) changes nothing */
	apic_send_ipi(BIT(15) | DM_INIT, cpu_apic_id(1));
	on_cpu(1, mark, NULL);
	report(ran[1] == 2, "INIT level de-assert leaves the AP running");

	report(smp_restart_ap(2), "INIT + SIPI 0 brings it back to 64-bit mode");
	report(smp_ap_starts(2) == 2 && cpu_count() == NCPU, "same CPU slot, started twice");
	on_cpu(2, mark, NULL);
	report(ran[2] == 1, "and it runs work again");
	clear_hits();
	apic_send_ipi(ICR_ASSERT | V_FIXED, cpu_apic_id(2));
	report(who_got_expect(0, NCPU, 0x4) == 0x4, "and takes fixed IPIs again");
	return report_summary();
}
