/* tests/guest/cpu/debug_movss.c: debug exceptions around MOV SS (SDM Vol.3A
 * "Masking Exceptions and Interrupts When Switching Stacks", Vol.3B "Debug
 * Exception Conditions", "Single-Step Exception Condition", "General-Detect
 * Exception Condition"). A single-step trap due after MOV SS is held until
 * the next instruction ends; if that instruction is ICEBP (INT1) or raises the
 * general-detect #DB, the held condition is reported by that same #DB (DR6.BS
 * with it): one #DB, not a second one at the handler's first instruction.
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

/* ICEBP after MOV SS: its #DB carries the held single step (DR6.BS) and
 * returns after the ICEBP; nothing is left for the handler's first insn */
static void test_movss_icebp(void)
{
	start();
	asm volatile("pushfq; orq $0x100, (%%rsp); mov %%ss, %%ax; popfq\n\t"
		     "mov %%ax, %%ss\n\t"
		     ".byte 0xf1\n"
		     "icebp_after: nop"
		     : : : "rax", "memory");
	report(db_count == 1 && db_rip[0] == (u64)icebp_after && db_dr6[0] == (DR6_INIT | DR6_BS),
	       "MOV SS + single step + ICEBP: one #DB after the ICEBP, DR6.BS "
	       "(count %d rip %llx dr6 %llx)", db_count, db_rip[0], db_dr6[0]);
}

/* MOV DR with DR7.GD after MOV SS: the general-detect fault (at the MOV DR)
 * reports BD and the held BS together */
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
		       db_dr6[0] == (DR6_INIT | DR6_BD | DR6_BS) && !(dr7 & DR7_GD),
	       "MOV SS + single step + DR7.GD: one #DB fault at the MOV DR, DR6.BD|BS "
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

int main(int argc, char **argv)
{
	handle_exception_vector(DB_VECTOR, db_handler);
	test_movss_step();
	test_movss_icebp();
	test_movss_gd();
	test_step_gd();
	handle_exception_vector(DB_VECTOR, NULL);
	return report_summary();
}
