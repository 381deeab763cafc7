/* tests/guest/cpu/rep_time.c: repeated string instructions and time.
 *
 * nestbox's rule (cpu/exec/rep.h): each iteration of a REP string
 * instruction is one unit of the instruction count that drives virtual
 * time, and the instruction can be interrupted between iterations (SDM
 * Vol.3A "Interrupts and Repeated String Instructions": RIP still points at
 * the instruction, rCX counts the iterations left). And the architectural
 * rule behind single-stepping them: with RFLAGS.TF, "the processor generates
 * a single-step debug exception after each iteration" (SDM Vol.3B
 * "Single-Step Exception Condition") -- for INS/OUTS too.
 * run-args: -m 128 -cpu max
 */
#include "guest.h"
#include "apic.h"

#define TIMER_VEC 0xee
#define BUF ((u8 *)0x1000000ul) /* 16 MiB, 4 MiB long: RAM, identity-mapped */
#define BUF_LEN (4ul << 20)

static volatile int timer_count;
static volatile u64 timer_rip, timer_rcx;

static void timer_handler(struct ex_regs *r)
{
	timer_count++;
	timer_rip = r->rip;
	timer_rcx = r->rcx;
	xapic_write(APIC_EOI, 0);
}

static volatile int db_count;

static void db_handler(struct ex_regs *r)
{
	db_count++;
}

extern char rep_big[], rep_done[];

/* A timer due 100,000 TSC ticks from now, then a 4 MiB `rep stosb`: the
 * timer falls due while the REP runs, so the interrupt arrives between two
 * of its iterations. (Were the REP's iterations not counted one by one,
 * virtual time would hardly move while it ran, and the interrupt would come
 * after it.) */
static void test_interrupt_mid_rep(void)
{
	if (!this_cpu_has(X86_FEATURE_TSC_DEADLINE)) {
		report_skip("TSC-deadline timer not supported");
		return;
	}
	timer_count = 0;
	xapic_write(APIC_LVTT, APIC_LVT_TSCDEADLINE | TIMER_VEC);
	u64 rcx = BUF_LEN;
	void *di = BUF;
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + 100000);
	asm volatile("sti\n"
		     "rep_big: rep stosb\n"
		     "rep_done: cli"
		     : "+c"(rcx), "+D"(di) : "a"(0x5a) : "memory");
	report(timer_count == 1 && timer_rip == (u64)rep_big && timer_rcx > 0 && timer_rcx < BUF_LEN,
	       "timer interrupt between two iterations of rep stosb (count %d, rip %llx, rcx %#llx)",
	       timer_count, timer_rip, timer_rcx);
	report(rcx == 0 && BUF[0] == 0x5a && BUF[BUF_LEN - 1] == 0x5a && BUF[timer_rcx ? BUF_LEN - timer_rcx : 0] == 0x5a,
	       "the interrupted rep stosb completes");
}

/* TSC ticks taken by `rep stosb` of n bytes */
static u64 rep_ticks(u64 n)
{
	void *di = BUF;
	u64 t0 = rdtsc();
	asm volatile("rep stosb" : "+c"(n), "+D"(di) : "a"(0) : "memory");
	return rdtsc() - t0;
}

/* The same number of loop instructions, counted: n iterations of
 * `dec; jnz` are 2n instructions */
static u64 loop_ticks(u64 n)
{
	u64 t0 = rdtsc();
	asm volatile("1: dec %0; jnz 1b" : "+r"(n));
	return rdtsc() - t0;
}

/* 2n iterations of a REP take the virtual time of 2n instructions */
static void test_virtual_time(void)
{
	u64 n = 500000;
	u64 r = rep_ticks(2 * n), l = loop_ticks(n);
	u64 diff = r > l ? r - l : l - r;
	report(l > 0 && diff * 100 < l,
	       "rep stosb of 2n bytes takes the time of 2n instructions (%llu vs %llu ticks)", r, l);
}

/* TF: one #DB per iteration, for STOS and for OUTS */
static void test_single_step(void)
{
	u64 rcx = 5;
	void *di = BUF;
	db_count = 0;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "rep stosb\n\t"
		     "pushfq; andq $~0x100, (%%rsp); popfq"
		     : "+c"(rcx), "+D"(di) : "a"(0) : "memory");
	/* one #DB per iteration, and one after each of the PUSHF, AND and
	 * POPF that clear TF */
	report(db_count == 5 + 3 && rcx == 0, "TF: rep stosb traps after each of its 5 iterations (%d #DB)",
	       db_count - 3);

	const void *si = BUF;
	rcx = 3;
	db_count = 0;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "rep outsb\n\t"
		     "pushfq; andq $~0x100, (%%rsp); popfq"
		     : "+c"(rcx), "+S"(si) : "d"(0x80) : "memory");
	report(db_count == 3 + 3 && rcx == 0, "TF: rep outsb traps after each of its 3 iterations (%d #DB)",
	       db_count - 3);
}

int main(int argc, char **argv)
{
	pic_mask_all();
	handle_exception_vector(TIMER_VEC, timer_handler);
	handle_exception_vector(DB_VECTOR, db_handler);
	xapic_write(APIC_SPIV, 0x1ff);
	xapic_write(APIC_TASKPRI, 0);

	test_single_step();
	test_virtual_time();
	test_interrupt_mid_rep();
	return report_summary();
}
