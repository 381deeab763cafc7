/* tests/guest/platform/realmode_bios.c: the BIOS-like state real-mode
 * images rely on (PLATFORM.md: "an IVT whose entries point at an iret,
 * PICs programmed to bases 0x08 and 0x70, and PIT channel 0 ticking"):
 * checked from 64-bit mode (IVT entries, PIT channel 0 mode and motion)
 * and from real mode, reached by dropping out of long mode (a software
 * INT through the IVT returns; IRQ 0 ticks through the PIC at vector 0x08,
 * whose BIOS handler counts in the BIOS data area and sends the EOI), and
 * the BSP's local APIC in virtual-wire mode (SPIV, LINT0 ExtINT, LINT1 NMI).
 * run-args: -smp 1
 */
#include "guest.h"
#include "pic.h"

#define RMB_BASE 0x7000

void rm_bios_call(void);
extern u8 rmb_start[], rmb_end[];
extern u16 rmb_wait_ticks, rmb_int_ok, rmb_sp_before, rmb_sp_after, rmb_isr;
extern u32 rmb_ticks_start, rmb_ticks_end;

#define RMV(type, sym) (*(volatile type *)(RMB_BASE + ((u64)&(sym) - (u64)rmb_start)))

/* real-mode far pointer of IVT entry v */
static u32 ivt(unsigned v)
{
	volatile u32 *p;

	asm("" : "=r"(p) : "0"(0ul)); /* address 0, hidden from the compiler */
	return p[v];
}

static u8 ivt_target_byte(unsigned v)
{
	u32 fp = ivt(v);

	return *(volatile u8 *)(u64)(((fp >> 16) << 4) + (fp & 0xffff));
}

static void test_ivt(void)
{
	bool fseg = true;
	unsigned bad = 0;

	for (unsigned v = 0; v < 0x20; v++)
		if (ivt(v) >> 16 != 0xf000) {
			fseg = false;
			bad = v;
		}
	report(fseg, "IVT vectors 0x00-0x1f point into the F segment (vector %x: %x)", bad,
	       ivt(bad));
	report(ivt_target_byte(0x30) == 0xcf && ivt_target_byte(0x00) == 0xcf,
	       "an unused vector's entry is an IRET (%x -> %x)", ivt(0x30),
	       ivt_target_byte(0x30));
	report(ivt(0x08) >> 16 == 0xf000 && ivt(0x70) >> 16 == 0xf000,
	       "IRQ vectors 0x08 and 0x70 have BIOS handlers (%x %x)", ivt(0x08), ivt(0x70));
}

/* PIT channel 0 in mode 2 or 3, lobyte/hibyte, and counting. nestbox's
 * BIOS does not start it yet (see machine/bios.c): then SKIP. */
static bool test_pit(void)
{
	u16 c1, c2;

	outb(0xe2, 0x43); /* read-back: status of channel 0 */
	u8 st = inb(0x40);
	outb(0x00, 0x43);
	c1 = inb(0x40);
	c1 |= inb(0x40) << 8;
	for (volatile int i = 0; i < 100000; i++)
		;
	outb(0x00, 0x43);
	c2 = inb(0x40);
	c2 |= inb(0x40) << 8;
	if ((st & 0x40) && c1 == c2) {
		report_skip("PIT channel 0 not started by the BIOS (status %x)", st);
		return false;
	}
	report((st & 0x70) == 0x30 && ((st >> 1) & 3) >= 2 && !(st & 1),
	       "PIT channel 0: count loaded, lobyte/hibyte, mode 2 or 3, binary (status %x)", st);
	report(c1 != c2, "PIT channel 0 counts (%x then %x)", c1, c2);
	return c1 != c2;
}

/* the BSP's local APIC in virtual-wire mode, as SeaBIOS leaves it */
static void test_lapic(void)
{
	volatile u32 *apic = (volatile u32 *)0xfee00000ul;
	u32 spiv = apic[0xf0 / 4], lint0 = apic[0x350 / 4], lint1 = apic[0x360 / 4];

	report(spiv == 0x1ff, "BSP APIC software-enabled, spurious vector 0xff (SPIV %x)", spiv);
	report(lint0 == 0x8700, "BSP LINT0 in ExtINT mode: the 8259 reaches the CPU (%x)", lint0);
	report(lint1 == 0x8400, "BSP LINT1 as NMI (%x)", lint1);
}

int main(int argc, char **argv)
{
	bool ticking;

	test_ivt();
	test_lapic();
	report(pic_get_imr() == 0x8eb8, "PIC masks as the BIOS leaves them (IRQ 0 open)");
	outb(PIC_OCW3_ISR, PIC_MASTER_CMD);
	report(inb(PIC_MASTER_CMD) == 0, "nothing in service at entry");
	ticking = test_pit();

	memcpy((void *)RMB_BASE, rmb_start, (size_t)(rmb_end - rmb_start));
	RMV(u16, rmb_wait_ticks) = ticking ? 3 : 0;
	rm_bios_call();
	report(RMV(u16, rmb_int_ok) == 1 && RMV(u16, rmb_sp_before) == RMV(u16, rmb_sp_after),
	       "real mode: INT 0x30 through the BIOS IVT returns with SP balanced");
	if (ticking)
		report(RMV(u32, rmb_ticks_end) - RMV(u32, rmb_ticks_start) >= 3,
		       "real mode: IRQ 0 ticks at vector 0x08 (BDA count %u -> %u)",
		       RMV(u32, rmb_ticks_start), RMV(u32, rmb_ticks_end));
	else
		report_skip("real mode: IRQ 0 ticks (PIT channel 0 not running)");
	report(RMV(u16, rmb_isr) == 0, "real mode: the BIOS's IRQ 0 handler sent the EOI (isr %x)",
	       RMV(u16, rmb_isr));
	return report_summary();
}
