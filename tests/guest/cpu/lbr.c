/* tests/guest/cpu/lbr.c: last-branch recording and single-step on branches
 * (SDM Vol.3B "IA32_DEBUGCTL MSR", "Monitoring Branches, Exceptions, and
 * Interrupts", "Single-Stepping on Branches", and the P6-family
 * LastBranchFromIP/LastBranchToIP/LastExceptionFromIP/LastExceptionToIP
 * MSRs 1DBh-1DEh, which AMD keeps as its control-transfer recording MSRs):
 *  - with DEBUGCTL.LBR a taken JMP, CALL, RET and Jcc load the last-branch
 *    record with source and target; a Jcc not taken does not;
 *  - an exception moves the last branch to the last-exception record and
 *    records itself; IRET is a branch;
 *  - a #DB clears DEBUGCTL.LBR (and the records stay);
 *  - with DEBUGCTL.BTF and TF, the single-step #DB comes only after a
 *    branch, and clears BTF;
 *  - the record MSRs are read-only; DEBUGCTL's reserved bits #GP.
 * Each test writes DEBUGCTL, branches and clears DEBUGCTL in one asm block,
 * so that no compiler-made branch lands in between.
 * run-args: -cpu max
 */
#include "guest.h"

#define MSR_DEBUGCTL    0x1d9
#define MSR_LBR_FROM    0x1db
#define MSR_LBR_TO      0x1dc
#define MSR_LER_FROM    0x1dd
#define MSR_LER_TO      0x1de
#define DEBUGCTL_LBR    BIT(0)
#define DEBUGCTL_BTF    BIT(1)
#define DR6_INIT        0xffff0ff0ull
#define DR6_BS          BIT(14)

/* the asm that sets DEBUGCTL to `v` (ECX/EDX/EAX clobbered) */
#define SET_DEBUGCTL(v) "mov $0x1d9, %%ecx; xor %%edx, %%edx; mov $" #v ", %%eax; wrmsr\n\t"

extern char jmp_from[], jmp_to[], jcc_from[], jcc_to[], nt_jcc[], call_from[], call_to[],
	ret_from[], ret_to[], ud_jmp_from[], ud_jmp_to[], ud_at[], ud_after[];

static void test_jmp(void)
{
	asm volatile(SET_DEBUGCTL(1)
		     "jmp_from: jmp jmp_to\n\t"
		     "nop; nop\n"
		     "jmp_to: nop\n\t"
		     SET_DEBUGCTL(0)
		     : : : "rax", "rcx", "rdx", "memory");
	report(rdmsr(MSR_LBR_FROM) == (u64)jmp_from && rdmsr(MSR_LBR_TO) == (u64)jmp_to,
	       "JMP recorded: from %llx to %llx", rdmsr(MSR_LBR_FROM), rdmsr(MSR_LBR_TO));
	report(rdmsr(MSR_DEBUGCTL) == 0, "DEBUGCTL reads back 0");
}

/* a Jcc not taken is no branch: the record stays the taken one's */
static void test_jcc(void)
{
	asm volatile(SET_DEBUGCTL(1)
		     "xor %%eax, %%eax\n"
		     "jcc_from: jz jcc_to\n\t"
		     "nop\n"
		     "jcc_to: test %%eax, %%eax\n"
		     "nt_jcc: jnz jcc_from\n\t"
		     SET_DEBUGCTL(0)
		     : : : "rax", "rcx", "rdx", "memory");
	report(rdmsr(MSR_LBR_FROM) == (u64)jcc_from && rdmsr(MSR_LBR_TO) == (u64)jcc_to,
	       "taken Jcc recorded, the Jcc not taken after it is not (from %llx)",
	       rdmsr(MSR_LBR_FROM));
}

/* a CALL to the next instruction is still a branch (from the CALL, to its
 * target); a RET, from the RET to the return address */
static void test_call_ret(void)
{
	asm volatile(SET_DEBUGCTL(1)
		     "call_from: call call_to\n"
		     "call_to: pop %%rax\n\t"
		     SET_DEBUGCTL(0)
		     : : : "rax", "rcx", "rdx", "memory");
	report(rdmsr(MSR_LBR_FROM) == (u64)call_from && rdmsr(MSR_LBR_TO) == (u64)call_to,
	       "CALL to the next instruction recorded (%llx -> %llx)", rdmsr(MSR_LBR_FROM),
	       rdmsr(MSR_LBR_TO));
	asm volatile("jmp 1f\n"
		     "ret_fn: nop\n"
		     "ret_from: ret\n"
		     "1:\n\t"
		     SET_DEBUGCTL(1)
		     "call ret_fn\n"
		     "ret_to: \n\t"
		     SET_DEBUGCTL(0)
		     : : : "rax", "rcx", "rdx", "memory");
	report(rdmsr(MSR_LBR_FROM) == (u64)ret_from && rdmsr(MSR_LBR_TO) == (u64)ret_to,
	       "RET recorded (%llx -> %llx)", rdmsr(MSR_LBR_FROM), rdmsr(MSR_LBR_TO));
}

static void ud_handler(struct ex_regs *regs)
{
	regs->rip += 2;
}

/* an exception: the branch before it goes to the last-exception record;
 * the handler's own branches and its IRETQ then overwrite the last-branch
 * record, whose final entry is the IRETQ back to ud_after */
static void test_exception(void)
{
	handle_exception_vector(UD_VECTOR, ud_handler);
	asm volatile(SET_DEBUGCTL(1)
		     "ud_jmp_from: jmp ud_jmp_to\n\t"
		     "nop\n"
		     "ud_jmp_to: nop\n"
		     "ud_at: ud2\n"
		     "ud_after: nop\n\t"
		     SET_DEBUGCTL(0)
		     : : : "rax", "rcx", "rdx", "memory");
	handle_exception_vector(UD_VECTOR, NULL);
	report(rdmsr(MSR_LER_FROM) == (u64)ud_jmp_from && rdmsr(MSR_LER_TO) == (u64)ud_jmp_to,
	       "#UD: last-exception record = the branch before it (%llx -> %llx)",
	       rdmsr(MSR_LER_FROM), rdmsr(MSR_LER_TO));
	report(rdmsr(MSR_LBR_TO) == (u64)ud_after, "IRETQ from the handler recorded (to %llx)",
	       rdmsr(MSR_LBR_TO));
}

static volatile u64 db_debugctl, db_rip;
static volatile int db_count;

static void db_handler(struct ex_regs *regs)
{
	db_debugctl = rdmsr(MSR_DEBUGCTL);
	db_rip = regs->rip;
	db_count++;
	write_dr6(DR6_INIT);
	regs->rflags &= ~X86_EFLAGS_TF;
}

extern char dbl_from[], dbl_to[], btf_to[];

/* single step with LBR: the #DB clears DEBUGCTL.LBR before its handler
 * runs and leaves the records (the branch before it) */
static void test_db_clears_lbr(void)
{
	db_count = 0;
	asm volatile(SET_DEBUGCTL(1)
		     "dbl_from: jmp dbl_to\n"
		     "dbl_to: pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "nop\n\t"
		     : : : "rax", "rcx", "rdx", "memory");
	u64 after = rdmsr(MSR_DEBUGCTL);
	wrmsr(MSR_DEBUGCTL, 0);
	report(db_count == 1 && db_debugctl == 0 && after == 0,
	       "#DB cleared DEBUGCTL.LBR (in the handler %llx, after %llx)", db_debugctl, after);
	report(rdmsr(MSR_LBR_FROM) == (u64)dbl_from && rdmsr(MSR_LBR_TO) == (u64)dbl_to,
	       "the records stay as before the #DB (%llx -> %llx)", rdmsr(MSR_LBR_FROM),
	       rdmsr(MSR_LBR_TO));
}

/* BTF + TF: no #DB after the NOPs or the Jcc not taken; one after the JMP,
 * at its target; BTF cleared by it */
static void test_btf(void)
{
	db_count = 0;
	asm volatile(SET_DEBUGCTL(2)
		     "pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "nop; nop; xor %%eax, %%eax; jnz 1f\n\t"
		     "jmp btf_to\n\t"
		     "nop\n"
		     "btf_to: nop\n"
		     "1: nop\n\t"
		     : : : "rax", "rcx", "rdx", "memory");
	u64 after = rdmsr(MSR_DEBUGCTL);
	report(db_count == 1 && db_rip == (u64)btf_to,
	       "BTF: one single-step #DB, after the JMP (count %d rip %llx)", db_count, db_rip);
	report(db_debugctl == 0 && after == 0, "the #DB cleared DEBUGCTL.BTF (%llx)", after);
	wrmsr(MSR_DEBUGCTL, 0);
}

static void test_msrs(void)
{
	for (u32 m = MSR_LBR_FROM; m <= MSR_LER_TO; m++) {
		u64 v;
		report(rdmsr_safe(m, &v) == NO_EXCEPTION && wrmsr_safe(m, 0) == GP_VECTOR,
		       "MSR %#x: readable, WRMSR #GP (read-only)", m);
	}
	report(wrmsr_safe(MSR_DEBUGCTL, BIT(2)) == GP_VECTOR, "DEBUGCTL reserved bit 2: #GP");
	report(wrmsr_safe(MSR_DEBUGCTL, DEBUGCTL_LBR | DEBUGCTL_BTF) == NO_EXCEPTION &&
		       rdmsr(MSR_DEBUGCTL) == (DEBUGCTL_LBR | DEBUGCTL_BTF),
	       "DEBUGCTL holds LBR|BTF");
	wrmsr(MSR_DEBUGCTL, 0);
}

int main(int argc, char **argv)
{
	test_jmp();
	test_jcc();
	test_call_ret();
	test_exception();
	handle_exception_vector(DB_VECTOR, db_handler);
	write_dr6(DR6_INIT);
	test_db_clears_lbr();
	test_btf();
	handle_exception_vector(DB_VECTOR, NULL);
	test_msrs();
	return report_summary();
}
