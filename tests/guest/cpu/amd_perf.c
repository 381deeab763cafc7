/* tests/guest/cpu/amd_perf.c: the AMD legacy performance counters on an
 * AMD-flavoured model (AMD APM Vol.2 "Performance Monitoring Counters";
 * cpu/system/pmu.c). A kernel that clears them at start-up must not #GP,
 * retired instructions and branches are counted exactly in virtual time, in the rings
 * USR/OS select, and an overflow with INT interrupts through the LVT.
 * run-args: -cpu qemu64
 */
#include "guest.h"
#include "branches.h"
#include "apic.h"

#define PERF_EVTSEL0 0xc0010000u
#define PERF_CTR0    0xc0010004u
#define EVTSEL_USR   BIT(16)
#define EVTSEL_OS    BIT(17)
#define EVTSEL_EN    BIT(22)

/* what every kernel built on a common test library does first */
static void test_reset(void)
{
	bool ok = true;
	for (u32 k = 0; k < 4; k++) {
		u64 v;
		ok &= wrmsr_safe(PERF_EVTSEL0 + k, 0) == NO_EXCEPTION;
		ok &= wrmsr_safe(PERF_CTR0 + k, 0) == NO_EXCEPTION;
		ok &= rdmsr_safe(PERF_EVTSEL0 + k, &v) == NO_EXCEPTION && v == 0;
		ok &= rdmsr_safe(PERF_CTR0 + k, &v) == NO_EXCEPTION && v == 0;
	}
	report(ok, "PerfEvtSel0-3 and PerfCtr0-3 read and clear without #GP");
}

/* "Performance Event-Select Registers": bits 21, 39:36, 63:42 reserved */
static void test_reserved(void)
{
	report(wrmsr_safe(PERF_EVTSEL0 + 2, BIT(21)) == GP_VECTOR, "PerfEvtSel bit 21 #GP");
	report(wrmsr_safe(PERF_EVTSEL0 + 2, BIT(37)) == GP_VECTOR, "PerfEvtSel bit 37 #GP");
	report(wrmsr_safe(PERF_EVTSEL0 + 2, BIT(63)) == GP_VECTOR, "PerfEvtSel bit 63 #GP");
	report(wrmsr_safe(PERF_EVTSEL0 + 2, BIT(40) | BIT(41) | 0xf00000000ull | 0xff) ==
		       NO_EXCEPTION && rdmsr(PERF_EVTSEL0 + 2) == (BIT(40) | BIT(41) | 0xf000000ffull),
	       "PerfEvtSel Guest/HostOnly and EventSelect[11:8] stored");
	wrmsr(PERF_EVTSEL0 + 2, 0);
	wrmsr(PERF_CTR0 + 3, ~0ull);
	report(rdmsr(PERF_CTR0 + 3) == 0xffffffffffffull, "PerfCtr is 48 bits wide");
	wrmsr(PERF_CTR0 + 3, 0);
}

/* counter 0 across: RDMSR; MOV; 100 x NOP; RDMSR -- 102 instructions retire
 * between the two reads */
static u64 delta_100_nops(void)
{
	u32 a0, a1, d1;
	asm volatile("rdmsr\n\t"
		     "mov %%eax, %0\n\t"
		     ".rept 100\n\tnop\n\t.endr\n\t"
		     "rdmsr"
		     : "=&r"(a0), "=a"(a1), "=d"(d1)
		     : "c"(PERF_CTR0)
		     : "memory");
	return ((u64)d1 << 32 | a1) - a0;
}

static void test_count(void)
{
	wrmsr(PERF_CTR0, 0);
	wrmsr(PERF_EVTSEL0, 0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN);
	u64 d = delta_100_nops();
	report(d == 102, "retired instructions counted exactly (%llu, want 102)",
	       (unsigned long long)d);
	wrmsr(PERF_EVTSEL0, 0x76 | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN);
	d = delta_100_nops();
	report(d == 102, "CPU clocks not halted: one per instruction at 1 GHz (%llu)",
	       (unsigned long long)d);
	wrmsr(PERF_EVTSEL0, 0xc2 | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN);
	d = branch_run_delta(PERF_CTR0); /* (branches.h) */
	report(d == 7, "retired branch instructions (C2H) counted exactly (%llu, want 7)",
	       (unsigned long long)d);
	report(delta_100_nops() == 0, "... none in 100 NOPs");
	wrmsr(PERF_EVTSEL0, 0xc0 | EVTSEL_USR | EVTSEL_OS);
	u64 v = rdmsr(PERF_CTR0);
	d = delta_100_nops();
	report(d == 0 && rdmsr(PERF_CTR0) == v, "EN clear: the counter stops");
	wrmsr(PERF_CTR0, 0xffffffffffffull);
	wrmsr(PERF_EVTSEL0, 0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN);
	v = rdmsr(PERF_CTR0);
	report(v < 10, "the 48-bit counter wraps to 0 (%llu)", (unsigned long long)v);
	wrmsr(PERF_EVTSEL0, 0);
}

static u64 rdpmc(u32 n)
{
	u32 a, d;
	asm volatile("rdpmc" : "=a"(a), "=d"(d) : "c"(n));
	return (u64)d << 32 | a;
}

static void do_rdpmc(void *p) { (void)rdpmc((u32)(u64)p); }
static u64 user_rdpmc(u64 n) { return rdpmc((u32)n); }

/* RDPMC (APM Vol.3 "RDPMC"): ECX 0-3 read PerfCtr0-3; another ECX, or
 * CPL > 0 with CR4.PCE = 0, #GP(0) */
static void test_rdpmc(void)
{
	u64 ret = 0;

	wrmsr(PERF_CTR0 + 2, 0x123456789abcull);
	report(rdpmc(2) == 0x123456789abcull, "RDPMC 2 reads PerfCtr2");
	report(test_for_exception(GP_VECTOR, do_rdpmc, (void *)4ul), "RDPMC 4: #GP");
	write_cr4(read_cr4() & ~BIT(8));
	report(run_in_user(user_rdpmc, 2, &ret) == GP_VECTOR, "RDPMC at CPL 3 with CR4.PCE=0: #GP");
	write_cr4(read_cr4() | BIT(8));
	report(run_in_user(user_rdpmc, 2, &ret) == NO_EXCEPTION && ret == 0x123456789abcull,
	       "RDPMC at CPL 3 with CR4.PCE=1");
	write_cr4(read_cr4() & ~BIT(8));
	wrmsr(PERF_CTR0 + 2, 0);
}

static u64 user_nops(u64 arg)
{
	asm volatile(".rept 1000\n\tnop\n\t.endr" ::: "memory");
	return 0;
}

/* "Performance Event-Select Registers": USR counts at CPL 1-3, OS at CPL 0 */
static void test_rings(void)
{
	u64 ret;
	for (u32 k = 0; k < 3; k++)
		wrmsr(PERF_CTR0 + k, 0);
	wrmsr(PERF_EVTSEL0 + 0, 0xc0 | EVTSEL_USR | EVTSEL_EN);
	wrmsr(PERF_EVTSEL0 + 1, 0xc0 | EVTSEL_OS | EVTSEL_EN);
	run_in_user(user_nops, 0, &ret);
	wrmsr(PERF_EVTSEL0 + 1, 0);
	wrmsr(PERF_EVTSEL0 + 0, 0);
	u64 usr = rdmsr(PERF_CTR0), os = rdmsr(PERF_CTR0 + 1);
	report(usr >= 1000 && usr < 1100, "USR only: the user part (%llu)", (unsigned long long)usr);
	report(os > 0 && os < 1000, "OS only: the kernel part (%llu)", (unsigned long long)os);
}

static volatile int pmi_count;
static volatile u64 pmi_rip;

static void pmi_handler(struct ex_regs *r)
{
	pmi_count++;
	pmi_rip = r->rip;
	xapic_write(APIC_EOI, 0);
}

/* INT (bit 20): "an interrupt to be signaled by local APIC on counter
 * overflow", through the LVT performance-counter entry (AMD does not mask
 * it); arming WRMSR, STI and 8 NOPs take PerfCtr1 from 2^48 - 10 over */
static void test_overflow(void)
{
	u64 sled;

	xapic_write(APIC_LVTPC, 0x60);
	wrmsr(PERF_CTR0 + 1, 0xffffffffffffull - 9);
	pmi_count = 0;
	asm volatile("wrmsr\n\t"
		     "sti\n\t"
		     "1:\n\t.rept 100\n\tnop\n\t.endr\n\t"
		     "cli\n\t"
		     "lea 1b(%%rip), %0"
		     : "=r"(sled)
		     : "c"(PERF_EVTSEL0 + 1), "a"(0xc0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN | BIT(20)),
		       "d"(0)
		     : "memory");
	wrmsr(PERF_EVTSEL0 + 1, 0);
	report(pmi_count == 1 && pmi_rip == sled + 8, "PerfCtr1 overflow with INT: PMI after NOP %lld",
	       (long long)(pmi_rip - sled));
	report(xapic_read(APIC_LVTPC) == 0x60, "LVTPC stays unmasked");
	xapic_write(APIC_LVTPC, APIC_LVT_MASKED);
}

int main(int argc, char **argv)
{
	pic_mask_all();
	handle_exception_vector(0x60, pmi_handler);
	xapic_write(APIC_SPIV, 0x1ff);
	test_reset();
	test_reserved();
	test_count();
	test_rdpmc();
	test_rings();
	test_overflow();
	return report_summary();
}
