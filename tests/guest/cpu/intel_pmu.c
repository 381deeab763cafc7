/* tests/guest/cpu/intel_pmu.c: Intel's architectural performance monitoring
 * on an Intel model (SDM Vol.3B "Architectural Performance Monitoring"
 * versions 1 and 2; cpu/system/pmu.c): CPUID leaf 0xA, exact counts of
 * instructions, branches and cycles (nestbox's virtual clock: one cycle per
 * instruction at the default -icount shift 0), ring filtering, global
 * control, overflow status and the PMI through the LVT, RDPMC's rules and
 * the reserved bits.
 * run-args: -cpu Skylake-Client
 */
#include "guest.h"
#include "branches.h"
#include "apic.h"

#define PMC0          0xc1u
#define A_PMC0        0x4c1u
#define PERFEVTSEL0   0x186u
#define FIXED_CTR0    0x309u
#define PERF_CAPS     0x345u
#define FIXED_CTRL    0x38du
#define GLOBAL_STATUS 0x38eu
#define GLOBAL_CTRL   0x38fu
#define GLOBAL_OVF    0x390u

#define SEL_USR BIT(16)
#define SEL_OS  BIT(17)
#define SEL_INT BIT(20)
#define SEL_EN  BIT(22)
#define SEL_ALL (SEL_USR | SEL_OS | SEL_EN)
#define EV_INSNS   0xc0
#define EV_CYCLES  0x3c
#define EV_REF     0x13c /* 3CH umask 01H */
#define EV_BRANCH  0xc4  /* Branch Instructions Retired */
#define CTR_TOP    (1ull << 48)
#define PMI_VEC    0x60

static void test_cpuid(void)
{
	struct cpuid r = cpuid(0xa);

	report((r.a & 0xff) == 2, "leaf 0xA: version 2 (%u)", r.a & 0xff);
	report(((r.a >> 8) & 0xff) == 8 && ((r.a >> 16) & 0xff) == 48,
	       "8 general-purpose counters, 48 bits wide");
	report((r.a >> 24) == 7 && r.b == 0x58,
	       "EBX: cycles, instructions, reference cycles, branches available; LLC and branch misses not (%#x)",
	       r.b);
	report((r.d & 0x1f) == 3 && ((r.d >> 5) & 0xff) == 48, "3 fixed counters, 48 bits wide");
}

/* what a kernel's start-up does: everything stopped and zeroed */
static void test_reset(void)
{
	bool ok = rdmsr(GLOBAL_CTRL) == 0xff; /* GP enables set at reset */
	for (u32 k = 0; k < 8; k++) {
		ok &= wrmsr_safe(PERFEVTSEL0 + k, 0) == NO_EXCEPTION;
		ok &= wrmsr_safe(PMC0 + k, 0) == NO_EXCEPTION;
	}
	for (u32 k = 0; k < 3; k++)
		ok &= wrmsr_safe(FIXED_CTR0 + k, 0) == NO_EXCEPTION;
	ok &= wrmsr_safe(FIXED_CTRL, 0) == NO_EXCEPTION && rdmsr(GLOBAL_STATUS) == 0;
	report(ok, "reset: GLOBAL_CTRL 0xff; counters clear without #GP");
}

/* counter `msr` across: RDMSR; MOV; 100 x NOP; RDMSR -- 102 instructions
 * retire between the two reads */
static u64 delta_100_nops(u32 msr)
{
	u32 a0, a1, d1;
	asm volatile("rdmsr\n\t"
		     "mov %%eax, %0\n\t"
		     ".rept 100\n\tnop\n\t.endr\n\t"
		     "rdmsr"
		     : "=&r"(a0), "=a"(a1), "=d"(d1)
		     : "c"(msr)
		     : "memory");
	return (((u64)d1 << 32 | a1) - a0) & (CTR_TOP - 1);
}

static void test_gp_counts(void)
{
	static const struct { u64 ev; const char *what; } evs[] = {
		{ EV_INSNS, "instructions retired (C0H)" },
		{ EV_CYCLES, "unhalted core cycles (3CH)" },
		{ EV_REF, "unhalted reference cycles (3CH/01H)" },
	};
	for (unsigned k = 0; k < ARRAY_SIZE(evs); k++) {
		wrmsr(PERFEVTSEL0 + 3, evs[k].ev | SEL_ALL);
		u64 d = delta_100_nops(PMC0 + 3);
		report(d == 102, "PMC3 %s counted exactly (%llu, want 102)", evs[k].what,
		       (unsigned long long)d);
	}
	wrmsr(PERFEVTSEL0 + 3, 0x2e | 0x4f00 | SEL_ALL); /* LLC references */
	report(delta_100_nops(PMC0 + 3) == 0, "an event nestbox does not model counts 0");
	wrmsr(PERFEVTSEL0 + 3, EV_INSNS | SEL_ALL);
	wrmsr(GLOBAL_CTRL, 0xff & ~BIT(3));
	report(delta_100_nops(PMC0 + 3) == 0, "GLOBAL_CTRL bit 3 clear: PMC3 stops");
	wrmsr(GLOBAL_CTRL, 0xff);
	wrmsr(PERFEVTSEL0 + 3, EV_INSNS | SEL_USR | SEL_OS);
	report(delta_100_nops(PMC0 + 3) == 0, "EN clear: PMC3 stops");
	wrmsr(PERFEVTSEL0 + 3, 0);
}

/* counter `msr` across: RDMSR; MOV; MOV; MOV; REP STOSB (100 bytes); MOV;
 * RDMSR -- 6 instructions retire, the REP once; the clock (and so the
 * cycle counts) takes one unit per iteration (cpu/exec/rep.h): 105 */
static u64 delta_rep_stosb(u32 msr)
{
	static u8 buf[128];
	u32 a0, a1, d1;
	u64 di = (u64)buf;
	asm volatile("rdmsr\n\t"
		     "mov %%eax, %0\n\t"
		     "mov %%ecx, %%r9d\n\t"
		     "mov $100, %%ecx\n\t"
		     "rep stosb\n\t"
		     "mov %%r9d, %%ecx\n\t"
		     "rdmsr"
		     : "=&r"(a0), "=a"(a1), "=d"(d1), "+D"(di)
		     : "c"(msr)
		     : "r9", "memory");
	return (((u64)d1 << 32 | a1) - a0) & (CTR_TOP - 1);
}

/* counter `msr` across branches.h's sequence (7 branches among 15
 * instructions), modulo the counter width */
static u64 delta_branches(u32 msr)
{
	return branch_run_delta(msr) & (CTR_TOP - 1);
}

/* SDM "Pre-defined Architectural Performance Events": Branch Instructions
 * Retired (C4H/00H) counts branch instructions at retirement, taken or not */
static void test_branches(void)
{
	wrmsr(PERFEVTSEL0 + 5, EV_BRANCH | SEL_ALL);
	u64 b = delta_branches(PMC0 + 5);
	report(b == 7, "PMC5 branch instructions retired (C4H) exactly (%llu, want 7)",
	       (unsigned long long)b);
	wrmsr(PERFEVTSEL0 + 5, EV_INSNS | SEL_ALL);
	u64 i = delta_branches(PMC0 + 5);
	report(i == 15, "... among %llu instructions (want 15)", (unsigned long long)i);
	wrmsr(PERFEVTSEL0 + 5, EV_BRANCH | SEL_ALL);
	report(delta_100_nops(PMC0 + 5) == 0, "100 NOPs: no branch");
	wrmsr(PERFEVTSEL0 + 5, 0);
}

static void test_fixed_counts(void)
{
	static const char *const what[] = { "instructions", "core cycles", "reference cycles" };
	wrmsr(FIXED_CTRL, 0x333); /* all three, every ring */
	wrmsr(GLOBAL_CTRL, 0xff);
	for (u32 k = 0; k < 3; k++)
		report(delta_100_nops(FIXED_CTR0 + k) == 0, "FIXED_CTR%u off in GLOBAL_CTRL", k);
	wrmsr(GLOBAL_CTRL, 0x7000000ffull);
	for (u32 k = 0; k < 3; k++) {
		u64 d = delta_100_nops(FIXED_CTR0 + k);
		report(d == 102, "FIXED_CTR%u counts %s exactly (%llu)", k, what[k],
		       (unsigned long long)d);
	}
	u64 i = delta_rep_stosb(FIXED_CTR0), cyc = delta_rep_stosb(FIXED_CTR0 + 1);
	report(i == 6, "a REP STOSB of 100 bytes retires once (%llu instructions, want 6)",
	       (unsigned long long)i);
	report(cyc == 105, "... and takes 100 clock units (%llu cycles, want 105)",
	       (unsigned long long)cyc);
	wrmsr(FIXED_CTRL, 0);
	wrmsr(GLOBAL_CTRL, 0xff);
}

static u64 user_nops(u64 arg)
{
	asm volatile(".rept 1000\n\tnop\n\t.endr" ::: "memory");
	return 0;
}

/* USR counts at CPL > 0, OS at CPL 0; together they make the total */
static void test_rings(void)
{
	u64 ret;
	wrmsr(GLOBAL_CTRL, 0); /* all start together below */
	for (u32 k = 0; k < 3; k++)
		wrmsr(PMC0 + k, 0);
	wrmsr(PERFEVTSEL0 + 0, EV_INSNS | SEL_USR | SEL_EN);
	wrmsr(PERFEVTSEL0 + 1, EV_INSNS | SEL_OS | SEL_EN);
	wrmsr(PERFEVTSEL0 + 2, EV_INSNS | SEL_ALL);
	wrmsr(FIXED_CTRL, 0x2); /* fixed 0: user only */
	wrmsr(FIXED_CTR0, 0);
	wrmsr(GLOBAL_CTRL, 0x1000000ffull);
	run_in_user(user_nops, 0, &ret);
	wrmsr(GLOBAL_CTRL, 0);
	u64 usr = rdmsr(PMC0), os = rdmsr(PMC0 + 1), all = rdmsr(PMC0 + 2);
	report(usr >= 1000 && usr < 1100, "USR only: the user part (%llu)", (unsigned long long)usr);
	report(os > 0 && usr + os == all, "OS + USR = both rings (%llu + %llu = %llu)",
	       (unsigned long long)os, (unsigned long long)usr, (unsigned long long)all);
	report(rdmsr(FIXED_CTR0) == usr, "fixed counter with EN=2 counts the user part too");
	for (u32 k = 0; k < 3; k++)
		wrmsr(PERFEVTSEL0 + k, 0);
	wrmsr(FIXED_CTRL, 0);
	wrmsr(GLOBAL_CTRL, 0xff);
}

static volatile int pmi_count;
static volatile u64 pmi_rip;

static void pmi_handler(struct ex_regs *r)
{
	pmi_count++;
	pmi_rip = r->rip;
	xapic_write(APIC_EOI, 0);
}

/* arm with WRMSR(msr, val) and run STI; 100 x NOP; CLI: returns the
 * address of the first NOP */
static u64 run_armed(u32 msr, u64 val)
{
	u64 sled;
	asm volatile("wrmsr\n\t"
		     "sti\n\t"
		     "1:\n\t.rept 100\n\tnop\n\t.endr\n\t"
		     "cli\n\t"
		     "lea 1b(%%rip), %0"
		     : "=r"(sled)
		     : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
	return sled;
}

/* SDM "Architectural Performance Monitoring Version 2": overflow sets the
 * counter's IA32_PERF_GLOBAL_STATUS bit; with INT (PMI for a fixed counter)
 * the local APIC's LVT performance-counter entry interrupts, and masks
 * itself; IA32_PERF_GLOBAL_OVF_CTRL clears the status */
static void test_overflow(void)
{
	xapic_write(APIC_LVTPC, PMI_VEC);
	/* PMC0 at 2^48 - 10: the arming WRMSR, STI and 8 NOPs overflow it,
	 * and the PMI is taken at the next instruction boundary */
	wrmsr(PMC0, (u32)-10);
	report(rdmsr(PMC0) == CTR_TOP - 10, "a 32-bit PMC write sign-extends to 48 bits");
	pmi_count = 0;
	u64 sled = run_armed(PERFEVTSEL0, EV_INSNS | SEL_ALL | SEL_INT);
	wrmsr(PERFEVTSEL0, 0);
	report(pmi_count == 1, "PMC0 overflow with INT: one PMI (%d)", pmi_count);
	report(pmi_rip == sled + 8, "PMI right after the overflowing instruction (NOP %lld)",
	       (long long)(pmi_rip - sled));
	report(rdmsr(GLOBAL_STATUS) == BIT(0), "GLOBAL_STATUS bit 0 (%#llx)",
	       (unsigned long long)rdmsr(GLOBAL_STATUS));
	report(xapic_read(APIC_LVTPC) == (PMI_VEC | APIC_LVT_MASKED), "LVTPC masked by the PMI");
	report(wrmsr_safe(GLOBAL_OVF, BIT(0)) == NO_EXCEPTION && rdmsr(GLOBAL_STATUS) == 0,
	       "GLOBAL_OVF_CTRL clears it");

	/* masked: the overflow shows in the status only */
	wrmsr(PMC0 + 1, (u32)-10);
	pmi_count = 0;
	run_armed(PERFEVTSEL0 + 1, EV_INSNS | SEL_ALL | SEL_INT);
	wrmsr(PERFEVTSEL0 + 1, 0);
	report(pmi_count == 0 && rdmsr(GLOBAL_STATUS) == BIT(1), "LVTPC masked: status, no PMI");
	wrmsr(GLOBAL_OVF, BIT(1));

	/* no INT: status only */
	xapic_write(APIC_LVTPC, PMI_VEC);
	wrmsr(PMC0 + 2, (u32)-10);
	run_armed(PERFEVTSEL0 + 2, EV_INSNS | SEL_ALL);
	wrmsr(PERFEVTSEL0 + 2, 0);
	report(pmi_count == 0 && rdmsr(GLOBAL_STATUS) == BIT(2) && rdmsr(PMC0 + 2) < 100,
	       "INT clear: status, the counter wraps, no PMI");
	wrmsr(GLOBAL_OVF, BIT(2));

	/* fixed counter 1 (cycles) with its PMI bit */
	wrmsr(FIXED_CTR0 + 1, CTR_TOP - 20);
	wrmsr(FIXED_CTRL, 0xb0);
	sled = run_armed(GLOBAL_CTRL, BIT(33));
	wrmsr(GLOBAL_CTRL, 0xff);
	report(pmi_count == 1 && pmi_rip == sled + 18,
	       "FIXED_CTR1 overflow with PMI: PMI after NOP %lld", (long long)(pmi_rip - sled));
	report(rdmsr(GLOBAL_STATUS) == BIT(33), "GLOBAL_STATUS bit 33");
	wrmsr(GLOBAL_OVF, BIT(33));
	wrmsr(FIXED_CTRL, 0);

	/* a branch counter: the PMI follows the branch that overflows it */
	xapic_write(APIC_LVTPC, PMI_VEC); /* the last PMI masked it */
	wrmsr(PMC0 + 4, (u32)-3);
	pmi_count = 0;
	asm volatile("wrmsr\n\t"
		     "sti\n\t"
		     "1:\n\t.rept 10\n\tnop\n\tnop\n\tnop\n\tjmp 9f\n\t9:\n\t.endr\n\t"
		     "cli\n\t"
		     "lea 1b(%%rip), %0"
		     : "=r"(sled)
		     : "c"(PERFEVTSEL0 + 4), "a"((u32)(EV_BRANCH | SEL_ALL | SEL_INT)), "d"(0)
		     : "memory");
	wrmsr(PERFEVTSEL0 + 4, 0);
	report(pmi_count == 1 && pmi_rip == sled + 15,
	       "branch counter overflow with INT: PMI after the third JMP (byte %lld)",
	       (long long)(pmi_rip - sled));
	report(rdmsr(GLOBAL_STATUS) == BIT(4), "GLOBAL_STATUS bit 4");
	wrmsr(GLOBAL_OVF, BIT(4));
	xapic_write(APIC_LVTPC, APIC_LVT_MASKED);
}

static u64 rdpmc(u32 n)
{
	u32 a, d;
	asm volatile("rdpmc" : "=a"(a), "=d"(d) : "c"(n));
	return (u64)d << 32 | a;
}

static void do_rdpmc(void *p) { (void)rdpmc((u32)(u64)p); }
static u64 user_rdpmc(u64 n) { return rdpmc((u32)n); }

/* SDM "RDPMC": ECX[30] selects the fixed counters; an index beyond the
 * counters, or CPL > 0 with CR4.PCE = 0, #GP(0) */
static void test_rdpmc(void)
{
	u64 ret = 0;

	wrmsr(PMC0 + 7, 0x1234);
	wrmsr(FIXED_CTR0 + 2, 0x123456789abcull);
	report(rdpmc(7) == 0x1234, "RDPMC 7 reads IA32_PMC7");
	report(rdpmc(BIT(30) | 2) == 0x123456789abcull, "RDPMC 0x40000002 reads IA32_FIXED_CTR2");
	report(test_for_exception(GP_VECTOR, do_rdpmc, (void *)8ul), "RDPMC 8: #GP");
	report(test_for_exception(GP_VECTOR, do_rdpmc, (void *)(BIT(30) | 3)), "RDPMC 0x40000003: #GP");
	report(test_for_exception(GP_VECTOR, do_rdpmc, (void *)BIT(31)), "RDPMC 0x80000000: #GP");
	write_cr4(read_cr4() & ~BIT(8));
	report(run_in_user(user_rdpmc, 7, &ret) == GP_VECTOR, "RDPMC at CPL 3 with CR4.PCE=0: #GP");
	write_cr4(read_cr4() | BIT(8));
	report(run_in_user(user_rdpmc, BIT(30) | 2, &ret) == NO_EXCEPTION &&
		       ret == 0x123456789abcull, "RDPMC at CPL 3 with CR4.PCE=1");
	write_cr4(read_cr4() & ~BIT(8));
	wrmsr(PMC0 + 7, 0);
	wrmsr(FIXED_CTR0 + 2, 0);
}

static void test_reserved(void)
{
	bool pdcm = (cpuid(1).c >> 15) & 1;

	report(wrmsr_safe(PERFEVTSEL0, BIT(21)) == GP_VECTOR, "PERFEVTSEL AnyThread (v3) #GP");
	report(wrmsr_safe(PERFEVTSEL0, BIT(32)) == GP_VECTOR, "PERFEVTSEL bit 32 #GP");
	report(wrmsr_safe(FIXED_CTRL, BIT(2)) == GP_VECTOR, "FIXED_CTR_CTRL AnyThread (v3) #GP");
	report(wrmsr_safe(FIXED_CTRL, BIT(12)) == GP_VECTOR, "FIXED_CTR_CTRL bit 12 #GP");
	report(wrmsr_safe(GLOBAL_CTRL, BIT(8)) == GP_VECTOR, "GLOBAL_CTRL bit 8 #GP");
	report(wrmsr_safe(GLOBAL_CTRL, BIT(35)) == GP_VECTOR, "GLOBAL_CTRL bit 35 #GP");
	report(wrmsr_safe(GLOBAL_STATUS, 0) == GP_VECTOR, "GLOBAL_STATUS is read-only");
	report(wrmsr_safe(GLOBAL_OVF, BIT(8)) == GP_VECTOR, "GLOBAL_OVF_CTRL bit 8 #GP");
	report(wrmsr_safe(PERFEVTSEL0 + 8, 0) == GP_VECTOR && wrmsr_safe(PMC0 + 8, 0) == GP_VECTOR &&
		       wrmsr_safe(FIXED_CTR0 + 3, 0) == GP_VECTOR,
	       "no ninth PMC or fourth fixed counter");
	if (pdcm) {
		report(rdmsr(PERF_CAPS) & BIT(13), "PERF_CAPABILITIES.FW_WRITE");
		report(wrmsr_safe(A_PMC0, BIT(48)) == GP_VECTOR, "IA32_A_PMC0 bit 48 #GP");
	} else {
		u64 v;
		report(rdmsr_safe(PERF_CAPS, &v) == GP_VECTOR && rdmsr_safe(A_PMC0, &v) == GP_VECTOR,
		       "no PDCM: no PERF_CAPABILITIES, no full-width IA32_A_PMCx");
	}
}

int main(int argc, char **argv)
{
	pic_mask_all();
	handle_exception_vector(PMI_VEC, pmi_handler);
	xapic_write(APIC_SPIV, 0x1ff);
	xapic_write(APIC_TASKPRI, 0);

	test_cpuid();
	test_reset();
	test_gp_counts();
	test_branches();
	test_fixed_counts();
	test_rings();
	test_overflow();
	test_rdpmc();
	test_reserved();
	return report_summary();
}
