/* tests/guest/lib/timers.c: helpers for the timer-device guest tests
 * (timers.h). */
#include "timers.h"

#include "ioapic.h"
#include "pic.h"

u64 timers_tsc_per_ms(unsigned ms)
{
	u32 count = PIT_HZ / 1000 * ms;
	u64 t0, t1;
	u32 spins = 0;

	if (count > 0xffff)
		count = 0xffff;
	/* gate on, speaker off; channel 2 mode 0: OUT2 rises at terminal count */
	outb((u8)((inb(0x61) & ~0x02) | 0x01), 0x61);
	pit_program(2, 0, (u16)count);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20)) {
		if (++spins > 100000000u)
			return 0;
	}
	t1 = rdtsc();
	outb((u8)(inb(0x61) & ~0x03), 0x61);
	return (t1 - t0) * PIT_HZ / ((u64)count * 1000);
}

u64 timers_us(void)
{
	u64 fs = hpet_read(0) >> 32;

	if (!(hpet_read(0x10) & 1))
		hpet_write(0x10, hpet_read(0x10) | 1);
	return hpet_read(0xf0) * fs / 1000000000ull;
}

void timers_irq_setup(void)
{
	u64 base = rdmsr(MSR_IA32_APICBASE);

	wrmsr(MSR_IA32_APICBASE, base | (1u << 11));
	*(volatile u32 *)0xfee000f0ul = 0x1ff; /* SPIV: enabled, vector 0xff */
	*(volatile u32 *)0xfee00080ul = 0;     /* TPR */
	pic_remap(0x20, 0x28);
	pic_set_imr(0xffff);
	ioapic_mask_all();
}

void timers_route(int pin, u8 vec, bool level)
{
	u32 id = *(volatile u32 *)0xfee00020ul >> 24;

	ioapic_write_redir(pin, IOAPIC_DEST(id) | (level ? IOAPIC_LEVEL : 0) | vec);
}

void timers_mask(int pin)
{
	ioapic_write_redir(pin, IOAPIC_MASKED);
}

static void watchdog_handler(struct ex_regs *r)
{
	lapic_eoi();
}

/* a LAPIC one-shot timer wakes each HLT, so a missing interrupt ends the
 * wait by the TSC bound instead of halting forever */
bool timers_wait(volatile int *count, int n, u64 tsc)
{
	u64 start = rdtsc();

	handle_exception_vector(TIMERS_WATCHDOG_VEC, watchdog_handler);
	*(volatile u32 *)0xfee003e0ul = 0xb;                 /* divide by 1 */
	*(volatile u32 *)0xfee00320ul = TIMERS_WATCHDOG_VEC; /* one-shot */
	while (*count < n && rdtsc() - start < tsc) {
		*(volatile u32 *)0xfee00380ul = 1000000;
		asm volatile("sti; hlt; cli" : : : "memory");
	}
	*(volatile u32 *)0xfee00380ul = 0;
	return *count >= n;
}
