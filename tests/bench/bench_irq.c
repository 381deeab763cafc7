/* tests/bench/bench_irq.c: the bench_int workload with interrupts on and
 * the local APIC timer ticking at 1 kHz of virtual time, as in test images
 * that run with IF=1: every block boundary has to ask whether an interrupt
 * is deliverable. */
#include "workload.h"
#include "../guest/cpu/apic.h"

#define TIMER_VEC 0xee
#define SIEVE_N 200000

static u8 composite[SIEVE_N];

static volatile u32 ticks;

static void timer_handler(struct ex_regs *r)
{
	ticks++;
	xapic_write(APIC_EOI, 0);
}

int main(int argc, char **argv)
{
	pic_mask_all();
	handle_exception_vector(TIMER_VEC, timer_handler);
	xapic_write(APIC_SPIV, 0x1ff);
	xapic_write(APIC_TDCR, 0xb);                           /* divide by 1: 1 GHz */
	xapic_write(APIC_LVTT, APIC_LVT_PERIODIC | TIMER_VEC);
	xapic_write(APIC_TMICT, 1000000);                      /* 1 ms */
	asm volatile("sti");

	u32 crc, primes = workload(composite, SIEVE_N, 20, &crc);

	asm volatile("cli");
	xapic_write(APIC_TMICT, 0);
	printf("bench_irq: primes below %u: %u, crc %08x, %u timer ticks\n", SIEVE_N, primes, crc,
	       ticks);
	report(primes == PRIMES_BELOW_200000, "sieve result");
	report(ticks > 100, "timer ticked");
	return report_summary();
}
