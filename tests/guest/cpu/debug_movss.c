/* tests/guest/cpu/debug_movss.c: debug exceptions around MOV SS (SDM Vol.3A
 * "Masking Exceptions and Interrupts When Switching Stacks", Vol.3B "Debug
 * Exception Conditions", "Single-Step Exception Condition", "General-Detect
 * Exception Condition"). A single-step trap due after MOV SS is held until
 * the next instruction ends; if that instruction is ICEBP (INT1) or raises the
 * general-detect #DB, there is one #DB, not a second one at the handler's
 * first instruction, and it reports a held data breakpoint (B0-B3) but not
 * the held single step: DR6.BS is not set (as processors do: kvm-unit-tests
 * debug.flat, written against hardware, checks the same).
 * run-args: -cpu max
 */
#include "guest.h"

#define DR6_INIT 0xffff0ff0ull
#define DR6_BD   BIT(13)
#define DR6_BS   BIT(14)
#define DR7_GD   BIT(13)

static volatile u64 db_rip[4], db_dr6[4];
static volatile int db_count;

static void db_handler(struct ex_regs *regs)
{
	if (db_count < 4) {
		db_rip[db_count] = regs->rip;
		db_dr6[db_count] = read_dr6();
	}
	db_count++;
	write_dr6(DR6_INIT);
	regs->rflags &= ~X86_EFLAGS_TF;
}

static void start(void)
{
	db_count = 0;
	write_dr6(DR6_INIT);
}

extern char movss_after[], icebp_after[], gd_movdr[], gd_plain[];

/* TF set by POPF; MOV SS is the first instruction to run with it: its trap
 * waits for the next instruction (AND), and comes once, after it */
static void test_movss_step(void)
{
	start();
	asm volatile("pushfq; orq $0x100, (%%rsp); mov %%ss, %%ax; popfq\n\t"
		     "mov %%ax, %%ss\n\t"
		     "and $0, %%eax\n"
		     "movss_after: nop"
		     : : : "rax", "memory");
	report(db_count == 1 && db_rip[0] == (u64)movss_after && db_dr6[0] == (DR6_INIT | DR6_BS),
	       "MOV SS + single step: one #DB after the next instruction, DR6.BS "
	       "(count %d rip %llx dr6 %llx)", db_count, db_rip[0], db_dr6[0]);
}

/* ICEBP after MOV SS: one #DB, after the ICEBP, without DR6.BS (the held
 * single step is dropped); nothing is left for the handler's first insn */
static void test_movss_icebp(void)
{
	start();
	asm volatile("pushfq; orq $0x100, (%%rsp); mov %%ss, %%ax; popfq\n\t"
		     "mov %%ax, %%ss\n\t"
		     ".byte 0xf1\n"
		     "icebp_after: nop"
		     : : : "rax", "memory");
	report(db_count == 1 && db_rip[0] == (u64)icebp_after && db_dr6[0] == DR6_INIT,
	       "MOV SS + single step + ICEBP: one #DB after the ICEBP, DR6.BS clear "
	       "(count %d rip %llx dr6 %llx)", db_count, db_rip[0], db_dr6[0]);
}

/* MOV DR with DR7.GD after MOV SS: the general-detect fault (at the MOV DR)
 * reports BD alone; the held single step is dropped */
static void test_movss_gd(void)
{
	start();
	write_dr7(0x400 | DR7_GD);
	asm volatile("pushfq; orq $0x100, (%%rsp); mov %%ss, %%ax; popfq\n\t"
		     "mov %%ax, %%ss\n"
		     "gd_movdr: mov %%dr0, %%rax\n\t"
		     "nop"
		     : : : "rax", "memory");
	u64 dr7 = read_dr7();
	report(db_count == 1 && db_rip[0] == (u64)gd_movdr &&
		       db_dr6[0] == (DR6_INIT | DR6_BD) && !(dr7 & DR7_GD),
	       "MOV SS + single step + DR7.GD: one #DB fault at the MOV DR, DR6.BD only "
	       "(count %d rip %llx dr6 %llx dr7 %llx)", db_count, db_rip[0], db_dr6[0], dr7);
}

/* single step with DR7.GD, no MOV SS: the MOV DR faults before it completes,
 * so no single-step condition exists yet: DR6.BD alone */
static void test_step_gd(void)
{
	start();
	write_dr7(0x400 | DR7_GD);
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n"
		     "gd_plain: mov %%dr0, %%rax\n\t"
		     "nop"
		     : : : "rax", "memory");
	u64 dr7 = read_dr7();
	report(db_count == 1 && db_rip[0] == (u64)gd_plain && db_dr6[0] == (DR6_INIT | DR6_BD) &&
		       !(dr7 & DR7_GD),
	       "single step + DR7.GD: one #DB fault at the MOV DR, DR6.BD only "
	       "(count %d rip %llx dr6 %llx)", db_count, db_rip[0], db_dr6[0]);
}

/* a data breakpoint hit by MOV SS's own read, held by its shadow, and ICEBP
 * under it: one #DB, after the ICEBP, reporting B0 */
static volatile u32 ss_value;
extern char wp_after[];
static void test_movss_watch_icebp(void)
{
	start();
	ss_value = read_ss();
	write_dr0((u64)&ss_value);
	write_dr7(0x000f0401); /* L0, R/W0 = 11 (read or write), LEN0 = 4 bytes */
	asm volatile("mov %0, %%ss\n\t"
		     ".byte 0xf1\n"
		     "wp_after: nop"
		     : : "m"(ss_value) : "memory");
	write_dr7(0x400);
	report(db_count == 1 && db_rip[0] == (u64)wp_after && (db_dr6[0] & 0xf) == 1 &&
		       !(db_dr6[0] & DR6_BS),
	       "MOV SS (data breakpoint) + ICEBP: one #DB after the ICEBP, DR6.B0 "
	       "(count %d rip %llx dr6 %llx)", db_count, db_rip[0], db_dr6[0]);
}

int main(int argc, char **argv)
{
	handle_exception_vector(DB_VECTOR, db_handler);
	test_movss_step();
	test_movss_icebp();
	test_movss_gd();
	test_step_gd();
	test_movss_watch_icebp();
	handle_exception_vector(DB_VECTOR, NULL);
	return report_summary();
}
