/* tests/guest/cpu/seg_exc.c: segment-register loads and their error codes
 * (SDM Vol.2 "MOV"), LAR/VERR/VERW, software-interrupt privilege checks,
 * INT3/INT1 return addresses and single-step (SDM Vol.3A "Interrupt and
 * Exception Handling", Vol.3B "Debug Exceptions"). */
#include "guest.h"

#define NP_DATA (GDT_FIRST_FREE + 0x00) /* not-present data segment */

static int mov_ds(u16 sel)
{
	asm volatile(ASM_TRY("1f") "mov %0, %%ds\n1:" : : "r"(sel) : "memory");
	int v = exception_vector();
	write_ds(KERNEL_DS);
	return v;
}

static int mov_ss(u16 sel)
{
	asm volatile(ASM_TRY("1f") "mov %0, %%ss\n1:" : : "r"(sel) : "memory");
	return exception_vector();
}

static void test_seg_loads(void)
{
	int v;

	set_gdt_entry(NP_DATA, 0, 0xfffff, 0x13, 0xc); /* P = 0 */
	v = mov_ds(0x7ff8);
	report(v == GP_VECTOR && exception_error_code() == 0x7ff8,
	       "mov ds, selector beyond GDT limit: #GP(sel) (%d, %#x)", v, exception_error_code());
	v = mov_ds(TSS_SEL);
	report(v == GP_VECTOR && exception_error_code() == TSS_SEL,
	       "mov ds, TSS selector: #GP(sel) (%d, %#x)", v, exception_error_code());
	v = mov_ds(NP_DATA);
	report(v == NP_VECTOR && exception_error_code() == NP_DATA,
	       "mov ds, not-present: #NP(sel) (%d, %#x)", v, exception_error_code());
	v = mov_ss(NP_DATA);
	report(v == SS_VECTOR && exception_error_code() == NP_DATA,
	       "mov ss, not-present: #SS(sel) (%d, %#x)", v, exception_error_code());
	v = mov_ss(USER_DS | 3);
	report(v == GP_VECTOR && exception_error_code() == USER_DS,
	       "mov ss, RPL/DPL 3 at CPL 0: #GP(sel) (%d, %#x)", v, exception_error_code());
	v = mov_ss(1);
	report(v == GP_VECTOR && exception_error_code() == 0,
	       "mov ss, null with RPL != CPL in 64-bit mode: #GP(0) (%d)", v);
	v = mov_ds(0);
	report(v == NO_EXCEPTION, "mov ds, null selector is allowed (%d)", v);
	u16 ss = read_ss();
	v = mov_ss(0);
	report(v == NO_EXCEPTION, "mov ss, null at CPL 0 in 64-bit mode is allowed (%d)", v);
	mov_ss(ss);
}

static bool lar(u16 sel, u32 *ar)
{
	u8 zf;
	u32 r = 0;
	asm volatile("lar %2, %0; setz %1" : "+r"(r), "=r"(zf) : "r"((u32)sel) : "cc");
	*ar = r;
	return zf;
}

static bool verw(u16 sel)
{
	u8 zf;
	asm volatile("verw %1; setz %0" : "=r"(zf) : "r"(sel) : "cc");
	return zf;
}

static bool verr(u16 sel)
{
	u8 zf;
	asm volatile("verr %1; setz %0" : "=r"(zf) : "r"(sel) : "cc");
	return zf;
}

static void test_lar_ver(void)
{
	u32 ar;
	bool ok = lar(KERNEL_DS, &ar);
	report(ok && (ar & 0xff00) == 0x9300, "lar kernel data: ZF=1, %#x", ar);
	report(!lar(0, &ar), "lar null selector: ZF=0");
	ok = lar(TSS_SEL, &ar);
	report(ok && (ar & 0x0f00) == 0x0b00, "lar busy 64-bit TSS: type 11 (%#x)", ar);
	report(verr(KERNEL_CS) && !verw(KERNEL_CS), "readable code: verr ZF=1, verw ZF=0");
	report(verw(USER_DS | 3), "verw user data: ZF=1");
	report(!verr(KERNEL_DS | 3), "verr DPL-0 data with RPL 3: ZF=0");
}

static u64 user_int(u64 vec)
{
	(void)vec;
	asm volatile("int $0x21");
	return 0;
}

static u64 user_ud(u64 unused)
{
	asm volatile("ud2");
	return 0;
}

static void test_soft_int(void)
{
	u64 r;
	int v = run_in_user(user_int, 0, &r);
	report(v == GP_VECTOR && exception_error_code() == 0x21 * 8 + 2,
	       "int $0x21 from CPL 3 through a DPL-0 gate: #GP(vec*8+2) (%d, %#x)", v,
	       exception_error_code());
	v = run_in_user(user_ud, 0, &r);
	report(v == UD_VECTOR, "ud2 at CPL 3: #UD (%d)", v);

}

static volatile u64 trap_rip;
static volatile int trap_vec = -1;

static void trap_handler(struct ex_regs *regs)
{
	trap_rip = regs->rip;
	trap_vec = (int)regs->vector;
}

extern char after_int3[], after_int1[];

static void test_traps(void)
{
	handle_exception_vector(BP_VECTOR, trap_handler);
	handle_exception_vector(DB_VECTOR, trap_handler);
	asm volatile("int3\nafter_int3:" : : : "memory");
	report(trap_vec == BP_VECTOR && trap_rip == (u64)after_int3,
	       "int3 is a trap: RIP after the instruction (%d, %llx)", trap_vec, trap_rip);
	trap_vec = -1;
	asm volatile(".byte 0xf1\nafter_int1:" : : : "memory");
	report(trap_vec == DB_VECTOR && trap_rip == (u64)after_int1,
	       "int1 (icebp): #DB with RIP after the instruction (%d, %llx)", trap_vec, trap_rip);
	handle_exception_vector(BP_VECTOR, NULL);
	handle_exception_vector(DB_VECTOR, NULL);
}

static volatile u64 db_rip, db_dr6;
static volatile int db_count;

static void db_handler(struct ex_regs *regs)
{
	u64 dr6;
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	db_rip = regs->rip;
	db_dr6 = dr6;
	db_count++;
	regs->rflags &= ~X86_EFLAGS_TF;
}

extern char ss_after_popf[], ss_after_nop[];

static void test_single_step(void)
{
	handle_exception_vector(DB_VECTOR, db_handler);
	db_count = 0;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n"
		     "ss_after_popf: nop\n"
		     "ss_after_nop: nop\n" : : : "memory");
	report(db_count == 1 && db_rip == (u64)ss_after_nop && (db_dr6 & BIT(14)),
	       "single step: no trap after the POPF that sets TF, one after the next insn "
	       "(count %d rip %llx dr6 %llx)", db_count, db_rip, db_dr6);
	handle_exception_vector(DB_VECTOR, NULL);
}

int main(int argc, char **argv)
{
	test_seg_loads();
	test_lar_ver();
	test_soft_int();
	test_traps();
	test_single_step();
	return report_summary();
}
