/* tests/guest/cpu/apic_intr.c: local APIC interrupt delivery: self-IPIs,
 * ISR/EOI, acceptance by priority (TPR/PPR), and the timer in one-shot,
 * periodic and TSC-deadline modes (SDM Vol.3A "Advanced Programmable
 * Interrupt Controller (APIC)").
 * run-args: -m 128 -cpu max
 */
#include "guest.h"
#include "apic.h"

#define TIMER_VEC 0xee
#define IPI_VEC   0x50

static volatile int ipi_count, timer_count;
static volatile u8 order[8];
static volatile int norder;
static volatile bool isr_seen;

static void ipi_handler(struct ex_regs *r)
{
	u8 vec = (u8)r->vector;

	isr_seen = xapic_vec_bit(APIC_ISR, vec) && !xapic_vec_bit(APIC_IRR, vec);
	if (norder < (int)ARRAY_SIZE(order))
		order[norder++] = vec;
	ipi_count++;
	xapic_write(APIC_EOI, 0);
}

static void timer_handler(struct ex_regs *r)
{
	timer_count++;
	xapic_write(APIC_EOI, 0);
}

static void test_self_ipi(void)
{
	ipi_count = 0;
	xapic_write(APIC_ICR, APIC_DEST_SELF | IPI_VEC);
	report(xapic_vec_bit(APIC_IRR, IPI_VEC) && ipi_count == 0, "self-IPI pending in IRR with IF=0");
	report((xapic_read(APIC_ICR) & BIT(12)) == 0, "ICR delivery status idle");
	report(wait_for(&ipi_count, 1, 1000000), "self-IPI delivered after STI");
	report(isr_seen, "ISR bit set (IRR clear) while the handler runs");
	report(!xapic_vec_bit(APIC_ISR, IPI_VEC), "EOI cleared ISR");
}

/* SDM "Task and Processor Priorities" */
static void test_tpr_blocks(void)
{
	ipi_count = 0;
	xapic_write(APIC_TASKPRI, 0x50);
	xapic_write(APIC_ICR, APIC_DEST_SELF | IPI_VEC);
	irq_enable();
	asm volatile("nop; nop");
	irq_disable();
	report(ipi_count == 0 && xapic_vec_bit(APIC_IRR, IPI_VEC),
	       "vector 0x50 held while TPR class is 5");
	write_cr8(4);
	report(wait_for(&ipi_count, 1, 1000000), "delivered once CR8 lowers the priority");
	write_cr8(0);
}

/* the highest pending vector is delivered first */
static void test_priority_order(void)
{
	norder = 0;
	ipi_count = 0;
	xapic_write(APIC_ICR, APIC_DEST_SELF | 0x51);
	xapic_write(APIC_ICR, APIC_DEST_SELF | 0x61);
	xapic_write(APIC_ICR, APIC_DEST_SELF | 0x41);
	wait_for(&ipi_count, 3, 1000000);
	report(norder == 3 && order[0] == 0x61 && order[1] == 0x51 && order[2] == 0x41,
	       "pending vectors taken highest first (%x %x %x)", order[0], order[1], order[2]);
}

static void test_oneshot(void)
{
	const u32 interval = 0x10000;
	u64 t1, t2;

	timer_count = 0;
	xapic_write(APIC_LVTT, TIMER_VEC);
	xapic_write(APIC_TDCR, 0xb); /* divide by 1 */
	t1 = rdtsc();
	xapic_write(APIC_TMICT, interval);
	report(xapic_read(APIC_TMCCT) <= interval && xapic_read(APIC_TMCCT) > 0,
	       "current count runs down from the initial count");
	wait_for(&timer_count, 1, 1ull << 32);
	t2 = rdtsc();
	report(timer_count == 1 && t2 - t1 >= interval, "one-shot timer fired once after >= %u TSC cycles",
	       interval);
	wait_for(&timer_count, 2, 4 * (u64)interval);
	report(timer_count == 1, "one-shot timer does not re-fire");
	report(xapic_read(APIC_TMCCT) == 0, "current count stays 0");
}

static void test_periodic(void)
{
	timer_count = 0;
	xapic_write(APIC_LVTT, APIC_LVT_PERIODIC | TIMER_VEC);
	xapic_write(APIC_TDCR, 0x0); /* divide by 2 */
	xapic_write(APIC_TMICT, 0x4000);
	report(wait_for(&timer_count, 3, 1ull << 32), "periodic timer fires repeatedly");
	xapic_write(APIC_TMICT, 0);
	/* take an expiry that may have become pending meanwhile */
	irq_enable();
	asm volatile("nop");
	irq_disable();
	timer_count = 0;
	wait_for(&timer_count, 1, 0x40000);
	report(timer_count == 0, "initial count 0 stops it");
	/* masked: counts but does not interrupt */
	xapic_write(APIC_LVTT, APIC_LVT_MASKED | APIC_LVT_PERIODIC | TIMER_VEC);
	xapic_write(APIC_TMICT, 0x1000);
	wait_for(&timer_count, 1, 0x40000);
	report(timer_count == 0, "masked timer delivers nothing");
	xapic_write(APIC_TMICT, 0);
}

/* SDM "TSC-Deadline Mode" */
static void test_tsc_deadline(void)
{
	if (!this_cpu_has(X86_FEATURE_TSC_DEADLINE)) {
		report_skip("TSC-deadline timer not supported");
		return;
	}
	timer_count = 0;
	xapic_write(APIC_LVTT, APIC_LVT_TSCDEADLINE | TIMER_VEC);
	xapic_write(APIC_TMICT, 0x1000);
	report(xapic_read(APIC_TMICT) == 0, "initial count ignored in TSC-deadline mode");
	irq_enable();
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc());
	asm volatile("nop");
	irq_disable();
	report(timer_count == 1, "a deadline already passed fires at once");
	report(rdmsr(MSR_IA32_TSC_DEADLINE) == 0, "IA32_TSC_DEADLINE cleared on expiry");
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + 100000);
	report(timer_count == 1, "future deadline waits");
	report(wait_for(&timer_count, 2, 1ull << 32), "future deadline fires");
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + 100000);
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	wait_for(&timer_count, 3, 400000);
	report(timer_count == 2, "writing 0 disarms");
	xapic_write(APIC_LVTT, APIC_LVT_MASKED);
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + 10);
	report(rdmsr(MSR_IA32_TSC_DEADLINE) == 0, "IA32_TSC_DEADLINE reads 0 outside TSC-deadline mode");
}

int main(int argc, char **argv)
{
	pic_mask_all();
	handle_exception_vector(IPI_VEC, ipi_handler);
	handle_exception_vector(0x41, ipi_handler);
	handle_exception_vector(0x51, ipi_handler);
	handle_exception_vector(0x61, ipi_handler);
	handle_exception_vector(TIMER_VEC, timer_handler);
	xapic_write(APIC_SPIV, 0x1ff);
	xapic_write(APIC_TASKPRI, 0);

	test_self_ipi();
	test_tpr_blocks();
	test_priority_order();
	test_oneshot();
	test_periodic();
	test_tsc_deadline();
	return report_summary();
}
