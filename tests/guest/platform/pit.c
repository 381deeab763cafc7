/* tests/guest/platform/pit.c: the 8254 PIT (Intel 8254 data sheet):
 * channel 2 through port 0x61 (gate, OUT2) as Linux's TSC calibration uses
 * it, counter latch and read-back, and channel 0's IRQ 0 (IOAPIC input 2)
 * at the programmed rate in modes 2 and 3, once in mode 0.
 * Under QEMU 7.2 the "gate low holds the channel 2 count" check fails: its
 * i8254 keeps counting in mode 0 with the gate low (the data sheet: "GATE =
 * 0 suspends counting").
 * run-args: -m 128
 */
#include "guest.h"
#include "timers.h"

#define PIT_VEC 0x40

static volatile int ticks;
static u64 tsc_ms;

static void pit_handler(struct ex_regs *r)
{
	ticks++;
	lapic_eoi();
}

static void test_channel2(void)
{
	u16 a, b;
	u8 st;

	tsc_ms = timers_tsc_per_ms(10);
	report(tsc_ms != 0, "channel 2 OUT rises in port 0x61 bit 5 at terminal count");
	report_info("TSC: %llu ticks per ms", (unsigned long long)tsc_ms);
	/* gate low: mode 0 does not count */
	outb((u8)(inb(0x61) & ~0x03), 0x61);
	pit_program(2, 0, 0x8000);
	a = pit_latch_read(2);
	for (volatile int i = 0; i < 20000; i++)
		;
	b = pit_latch_read(2);
	report(a == b, "gate low holds the channel 2 count (%x %x)", a, b);
	report(!(inb(0x61) & 0x20), "OUT2 low while counting is held");
	outb((u8)(inb(0x61) | 0x01), 0x61);
	for (volatile int i = 0; i < 20000; i++)
		;
	b = pit_latch_read(2);
	report(b < a, "gate high: channel 2 counts down (%x -> %x)", a, b);
	st = pit_status(2);
	report((st & 0x3f) == 0x30 && !(st & 0x80), "read-back status: LSB/MSB, mode 0, OUT low (%x)", st);
	outb((u8)(inb(0x61) & ~0x03), 0x61);
}

static void test_latch(void)
{
	u16 a, b;

	pit_program(0, 2, 50000);
	outb(0x00, 0x43);          /* latch channel 0 */
	for (volatile int i = 0; i < 20000; i++)
		;
	a = inb(0x40);
	a |= (u16)(inb(0x40) << 8);
	b = pit_latch_read(0);
	report(a <= 50000 && b < a, "latched count is the count at the latch (%u, later %u)", a, b);
	pit_program(0, 0, 0xffff); /* quiet */
}

/* IRQ 0 edges over `ms` of HPET time with channel 0 in `mode` at `hz` */
static int count_irqs(int mode, unsigned hz, unsigned ms)
{
	u64 start;

	pit_program(0, mode, (u16)(PIT_HZ / hz));
	timers_route(2, PIT_VEC, false);
	timers_wait(&ticks, 1, tsc_ms * 50); /* first edge: the phase starts */
	ticks = 0;
	start = timers_us();
	/* halted between ticks: each IRQ 0 wakes the loop */
	while (timers_us() - start < ms * 1000ull)
		asm volatile("sti; hlt; cli" : : : "memory");
	timers_mask(2);
	return ticks;
}

static void test_irq0_rate(void)
{
	int n;

	if (!tsc_ms) {
		report_skip("no TSC calibration");
		return;
	}
	/* 20% either way: exact on virtual time; QEMU TCG loses some on a busy host */
	n = count_irqs(2, 1000, 50);
	report(n >= 40 && n <= 60, "mode 2 at 1000 Hz: %d IRQs in 50 ms", n);
	n = count_irqs(3, 500, 40);
	report(n >= 16 && n <= 24, "mode 3 at 500 Hz: %d IRQs in 40 ms", n);
	/* mode 0: one edge at terminal count, then nothing */
	ticks = 0;
	pit_program(0, 0, (u16)(PIT_HZ / 1000 * 5)); /* 5 ms */
	timers_route(2, PIT_VEC, false);
	report(timers_wait(&ticks, 1, tsc_ms * 100), "mode 0: IRQ 0 at terminal count");
	timers_wait(&ticks, 2, tsc_ms * 20);
	report(ticks == 1, "mode 0: only one IRQ (%d)", ticks);
	report(pit_status(0) & 0x80, "mode 0: OUT stays high");
	timers_mask(2);
	/* halted in HLT: the periodic tick wakes the CPU */
	ticks = 0;
	pit_program(0, 2, (u16)(PIT_HZ / 1000));
	timers_route(2, PIT_VEC, false);
	report(timers_wait(&ticks, 10, tsc_ms * 100), "HLT woken by 10 periodic ticks");
	timers_mask(2);
	pit_program(0, 0, 0xffff);
}

int main(int argc, char **argv)
{
	handle_exception_vector(PIT_VEC, pit_handler);
	timers_irq_setup();
	test_channel2();
	test_latch();
	test_irq0_rate();
	return report_summary();
}
