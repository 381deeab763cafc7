/* tests/guest/lib/timers.h: helpers for the timer-device guest tests
 * (platform/pit.c, rtc.c, hpet.c): the 8254 PIT, the CMOS RTC, the HPET,
 * TSC calibration against PIT channel 2, and interrupt plumbing through
 * the local APIC and the IOAPIC. */
#ifndef GUEST_TIMERS_H
#define GUEST_TIMERS_H

#include "guest.h"

/* --- 8254 PIT --- */
#define PIT_HZ 1193182u
/* control word for channel ch, LSB/MSB access, mode m, binary */
static inline void pit_program(int ch, int mode, u16 count)
{
	outb((u8)(ch << 6 | 0x30 | mode << 1), 0x43);
	outb((u8)count, (u16)(0x40 + ch));
	outb((u8)(count >> 8), (u16)(0x40 + ch));
}

/* counter-latch command, then LSB and MSB */
static inline u16 pit_latch_read(int ch)
{
	u16 v;

	outb((u8)(ch << 6), 0x43);
	v = inb((u16)(0x40 + ch));
	return v | (u16)(inb((u16)(0x40 + ch)) << 8);
}

/* read-back status byte of channel ch */
static inline u8 pit_status(int ch)
{
	outb((u8)(0xe0 | 2 << ch), 0x43);
	return inb((u16)(0x40 + ch));
}

/* TSC ticks per millisecond, measured over `ms` ms of PIT channel 2 in
 * mode 0 polled through port 0x61 bit 5 (as Linux's pit_calibrate_tsc);
 * 0 if OUT2 never rose */
u64 timers_tsc_per_ms(unsigned ms);

/* --- CMOS RTC --- */
static inline u8 cmos_read(u8 idx)
{
	outb(idx, 0x70);
	return inb(0x71);
}

static inline void cmos_write(u8 idx, u8 v)
{
	outb(idx, 0x70);
	outb(v, 0x71);
}

static inline int bcd2bin(u8 v) { return (v >> 4) * 10 + (v & 0xf); }
static inline bool bcd_valid(u8 v) { return (v & 0xf) < 10 && (v >> 4) < 10; }

/* --- HPET --- */
#define HPET_BASE 0xfed00000ul
static inline u64 hpet_read(u32 off) { return *(volatile u64 *)(HPET_BASE + off); }
static inline void hpet_write(u32 off, u64 v) { *(volatile u64 *)(HPET_BASE + off) = v; }
static inline u32 hpet_read32(u32 off) { return *(volatile u32 *)(HPET_BASE + off); }
static inline void hpet_write32(u32 off, u32 v) { *(volatile u32 *)(HPET_BASE + off) = v; }

/* microseconds of the HPET main counter (started if halted): the time
 * reference of the rate checks, on the same clock as the devices in QEMU */
u64 timers_us(void);

/* --- interrupts: xAPIC at its default base, IOAPIC pins to this CPU --- */
/* software-enable the local APIC, mask the 8259s and every IOAPIC pin */
void timers_irq_setup(void);
/* route IOAPIC pin to `vec` (fixed, physical, BSP), edge or level */
void timers_route(int pin, u8 vec, bool level);
void timers_mask(int pin);
static inline void lapic_eoi(void) { *(volatile u32 *)0xfee000b0ul = 0; }

#define TIMERS_WATCHDOG_VEC 0xef
/* with IF=1, halt until *count reaches n or `tsc` TSC ticks passed;
 * returns whether it reached n */
bool timers_wait(volatile int *count, int n, u64 tsc);

#endif
