/* tests/guest/platform/ioapic.c: the I/O APIC at 0xfec00000 (82093AA data
 * sheet, QEMU 7.2 model: version 0x20, 24 pins): identification registers,
 * redirection entries, edge and level interrupts with remote IRR, the
 * local APIC's EOI broadcast and the EOI register (directed EOI), masking,
 * ISA IRQ 0 at pin 2, logical destinations, NMI delivery. Requests come
 * from the pc-testdev lines (port 0x2000 + n); the 8259s are masked.
 * run-args: -smp 1
 */
#include "guest.h"
#include "ioapic.h"
#include "pic.h"
#include "../cpu/apic.h"

#define VEC_EDGE   0x60
#define VEC_LEVEL  0x70
#define VEC_LEVEL2 0x71
#define VEC_ISA0   0x62

static volatile int count;
static volatile int lower_at;      /* lower the line on this count (0: never) */
static volatile int line;          /* the pin the handler serves */
static volatile bool directed;     /* EOI through the IOAPIC before the LAPIC EOI */
static volatile u32 rte_in_handler, rte_after_ioeoi;
static volatile bool tmr_in_handler;
static volatile int nmi_count;

static void irq_handler(struct ex_regs *r)
{
	count++;
	rte_in_handler = (u32)ioapic_read_redir(line);
	tmr_in_handler = xapic_vec_bit(APIC_TMR, (u8)r->vector);
	if (lower_at && count >= lower_at)
		set_irq_line(line, 0);
	if (directed) {
		ioapic_eoi((u8)r->vector);
		rte_after_ioeoi = (u32)ioapic_read_redir(line);
	}
	xapic_write(APIC_EOI, 0);
}

static void nmi_handler(struct ex_regs *r)
{
	nmi_count++;
}

static void window(void)
{
	irq_enable();
	asm volatile("nop; nop; nop");
	irq_disable();
}

static void reset(int pin)
{
	count = 0;
	lower_at = 0;
	line = pin;
	directed = false;
	rte_in_handler = rte_after_ioeoi = 0;
	tmr_in_handler = false;
}

static void test_registers(void)
{
	u32 ver = ioapic_read_reg(IOAPIC_REG_VER);

	report(ver == 0x00170020, "version 0x20, 24 entries (got %x)", ver);
	ioapic_write_reg(IOAPIC_REG_VER, ~ver);
	report(ioapic_read_reg(IOAPIC_REG_VER) == ver, "version register is read-only");
	report(ioapic_read_reg(IOAPIC_REG_ID) == 0, "ID 0 at reset");
	ioapic_write_reg(IOAPIC_REG_ID, 0xffffffff);
	report(ioapic_read_reg(IOAPIC_REG_ID) == 0x0f000000, "ID bits 27:24 writable (got %x)",
	       ioapic_read_reg(IOAPIC_REG_ID));
	report(ioapic_read_reg(IOAPIC_REG_ARB) == 0x0f000000, "arbitration ID follows the ID");
	ioapic_write_reg(IOAPIC_REG_ID, 0);
	bool masked = true;
	for (int pin = 0; pin < 24; pin++)
		masked &= (ioapic_read_redir(pin) & IOAPIC_MASKED) != 0;
	report(masked, "every entry masked after the BIOS");
	ioapic_write_redir(7, IOAPIC_DEST(0xff) | IOAPIC_MASKED | IOAPIC_REMOTE_IRR | 0x0945);
	report(ioapic_read_redir(7) == (IOAPIC_DEST(0xff) | IOAPIC_MASKED | 0x0945),
	       "entry reads back; remote IRR is read-only (%llx)",
	       (unsigned long long)ioapic_read_redir(7));
	ioapic_write_redir(7, IOAPIC_MASKED);
}

static void test_edge(void)
{
	reset(5);
	ioapic_write_redir(5, VEC_EDGE);
	set_irq_line(5, 1);
	window();
	report(count == 1, "edge: rising edge delivered");
	report(!tmr_in_handler, "edge: TMR clear for the vector");
	report(!(rte_in_handler & IOAPIC_REMOTE_IRR), "edge: no remote IRR");
	window();
	report(count == 1, "edge: one interrupt for one assertion");
	set_irq_line(5, 1);
	window();
	report(count == 2, "edge: asserting a high line again is a new edge (QEMU)");
	set_irq_line(5, 0);
	ioapic_write_redir(5, IOAPIC_MASKED | VEC_EDGE);
	set_irq_line(5, 1);
	window();
	report(count == 2, "edge: masked edge not delivered");
	ioapic_write_redir(5, VEC_EDGE);
	window();
	report(count == 2, "edge: a masked edge is lost, not held");
	set_irq_line(5, 0);
	ioapic_write_redir(5, IOAPIC_MASKED);
}

static void test_level(void)
{
	reset(9);
	lower_at = 3;
	ioapic_write_redir(9, IOAPIC_LEVEL | VEC_LEVEL);
	set_irq_line(9, 1);
	window();
	report(count == 3, "level: re-delivered after each EOI while asserted (%d)", count);
	report(tmr_in_handler, "level: TMR set for the vector");
	report(rte_in_handler & IOAPIC_REMOTE_IRR, "level: remote IRR set while in service");
	report(!(ioapic_read_redir(9) & IOAPIC_REMOTE_IRR), "level: EOI broadcast cleared remote IRR");
	window();
	report(count == 3, "level: nothing after the line is lowered");
	ioapic_write_redir(9, IOAPIC_MASKED);
}

/* the version-0x20 EOI register clears remote IRR by vector */
static void test_directed_eoi(void)
{
	reset(10);
	lower_at = 1;
	directed = true;
	ioapic_write_redir(10, IOAPIC_LEVEL | VEC_LEVEL2);
	set_irq_line(10, 1);
	window();
	report(count == 1 && (rte_in_handler & IOAPIC_REMOTE_IRR) &&
		       !(rte_after_ioeoi & IOAPIC_REMOTE_IRR),
	       "EOI register cleared remote IRR before the local APIC EOI");
	ioapic_write_redir(10, IOAPIC_MASKED);
}

/* remote IRR blocks a level pin until the EOI */
static void test_remote_irr_blocks(void)
{
	reset(11);
	ioapic_write_redir(11, IOAPIC_LEVEL | VEC_LEVEL);
	set_irq_line(11, 1);
	/* take it with IF=1 but no EOI: mask the handler's EOI by a raised TPR */
	xapic_write(APIC_TASKPRI, 0x80);
	window();
	report(count == 0 && xapic_vec_bit(APIC_IRR, VEC_LEVEL), "held in IRR by the TPR");
	report(ioapic_read_redir(11) & IOAPIC_REMOTE_IRR, "remote IRR set at delivery");
	set_irq_line(11, 0);
	set_irq_line(11, 1);
	report(ioapic_read_redir(11) & IOAPIC_REMOTE_IRR, "still set: no second message");
	lower_at = 1;
	xapic_write(APIC_TASKPRI, 0);
	window();
	report(count == 1, "delivered once the TPR drops");
	report(!(ioapic_read_redir(11) & IOAPIC_REMOTE_IRR), "remote IRR cleared by EOI");
	ioapic_write_redir(11, IOAPIC_MASKED);
}

static void test_level_unmask(void)
{
	reset(14);
	lower_at = 1;
	ioapic_write_redir(14, IOAPIC_MASKED | IOAPIC_LEVEL | VEC_LEVEL);
	set_irq_line(14, 1);
	window();
	report(count == 0, "level: masked pin not delivered");
	ioapic_write_redir(14, IOAPIC_LEVEL | VEC_LEVEL);
	window();
	report(count == 1, "level: delivered once unmasked while asserted");
	ioapic_write_redir(14, IOAPIC_MASKED);
}

/* ISA IRQ 0 arrives at pin 2 (MADT interrupt source override) */
static void test_isa_irq0(void)
{
	reset(2);
	ioapic_write_redir(2, VEC_ISA0);
	set_irq_line(0, 1);
	window();
	report(count == 1, "ISA IRQ 0 delivered through pin 2");
	set_irq_line(0, 0);
	ioapic_write_redir(2, IOAPIC_MASKED);
}

static void test_destinations(void)
{
	u32 id = xapic_read(APIC_ID) >> 24;

	reset(3);
	ioapic_write_redir(3, IOAPIC_DEST(id + 1) | VEC_EDGE);
	set_irq_line(3, 1);
	window();
	report(count == 0, "physical destination of another APIC ID: not here");
	set_irq_line(3, 0);
	xapic_write(APIC_DFR, 0xffffffff);
	xapic_write(APIC_LDR, 0x01000000);
	ioapic_write_redir(3, IOAPIC_DEST(0x01) | IOAPIC_DEST_LOGICAL | VEC_EDGE);
	set_irq_line(3, 1);
	window();
	report(count == 1, "logical flat destination delivered");
	set_irq_line(3, 0);
	ioapic_write_redir(3, IOAPIC_DEST(id) | IOAPIC_DM_NMI);
	set_irq_line(3, 1);
	report(nmi_count == 1, "NMI delivery mode");
	set_irq_line(3, 0);
	ioapic_write_redir(3, IOAPIC_MASKED);
}

int main(int argc, char **argv)
{
	pic_set_imr(0xffff);
	xapic_write(APIC_SPIV, 0x1ff);
	handle_exception_vector(VEC_EDGE, irq_handler);
	handle_exception_vector(VEC_LEVEL, irq_handler);
	handle_exception_vector(VEC_LEVEL2, irq_handler);
	handle_exception_vector(VEC_ISA0, irq_handler);
	handle_exception_vector(NMI_VECTOR, nmi_handler);
	test_registers();
	test_edge();
	test_level();
	test_directed_eoi();
	test_remote_irr_blocks();
	test_level_unmask();
	test_isa_irq0();
	test_destinations();
	return report_summary();
}
