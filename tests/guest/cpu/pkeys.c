/* tests/guest/cpu/pkeys.c: protection keys (SDM Vol.3A "Protection Keys",
 * "Page-Fault Exceptions" PK bit; Vol.2 "RDPKRU", "WRPKRU"): PKU for user
 * pages through PKRU and CR4.PKE, PKS for supervisor pages through
 * IA32_PKRS and CR4.PKS (cpu/system/pkeys.c).
 * run-args: -cpu max
 */
#include "guest.h"

#define CR4_PKE   BIT(22)
#define CR4_PKS   BIT(24)
#define CR0_WP    BIT(16)
#define MSR_PKRS  0x6e1
#define UPAGE     ((volatile u64 *)0x140000000ull) /* user page, key 1 */
#define SPAGE     ((volatile u64 *)0x140001000ull) /* supervisor page, key 2 */
#define PTE_KEY(k) ((u64)(k) << 59)
#define AD(k)     (1u << (2 * (k)))
#define WD(k)     (1u << (2 * (k) + 1))

static u32 rdpkru(void)
{
	u32 a, d;
	asm volatile("rdpkru" : "=a"(a), "=d"(d) : "c"(0));
	return a;
}

static void wrpkru(u32 v) { asm volatile("wrpkru" : : "a"(v), "c"(0), "d"(0) : "memory"); }

static void do_rdpkru(void *p) { (void)rdpkru(); }
static void do_wrpkru_ecx(void *p) { asm volatile("wrpkru" : : "a"(0), "c"(1), "d"(0)); }
static void do_wrpkru_edx(void *p) { asm volatile("wrpkru" : : "a"(0), "c"(0), "d"(1)); }
static void do_read(void *p) { (void)*(volatile u64 *)p; }
static void do_write(void *p) { *(volatile u64 *)p = 0x1234; }
static void do_call(void *p) { ((void (*)(void))p)(); }
static u64 user_read(u64 a) { return *(volatile u64 *)a; }
static u64 user_write(u64 a) { *(volatile u64 *)a = 7; return 0; }

/* the #PF error code fn(p) raised, or 0xffff if no #PF */
static u32 pf(void (*fn)(void *), volatile u64 *p)
{
	return catch_exception(fn, (void *)p) == PF_VECTOR ? exception_error_code() : 0xffff;
}

static u32 user_pf(u64 (*fn)(u64), volatile u64 *p)
{
	u64 ret;
	return run_in_user(fn, (u64)p, &ret) == PF_VECTOR ? exception_error_code() : 0xffff;
}

static void test_pku(void)
{
	struct cpuid c7 = cpuid_indexed(7, 0);
	report(c7.c & BIT(3), "CPUID.7.0:ECX.PKU");
	report(test_for_exception(UD_VECTOR, do_rdpkru, NULL), "RDPKRU with CR4.PKE=0: #UD");
	write_cr4(read_cr4() | CR4_PKE);
	report(cpuid_indexed(7, 0).c & BIT(4), "CPUID.7.0:ECX.OSPKE follows CR4.PKE");
	wrpkru(0x5554);
	report(rdpkru() == 0x5554, "WRPKRU/RDPKRU");
	report(test_for_exception(GP_VECTOR, do_wrpkru_ecx, NULL) &&
		       test_for_exception(GP_VECTOR, do_wrpkru_edx, NULL) && rdpkru() == 0x5554,
	       "WRPKRU with ECX or EDX != 0: #GP, PKRU unchanged");
	wrpkru(0);

	u64 *page = alloc_page();
	install_page(current_page_table(), (u64)page, (void *)UPAGE,
		     PT_WRITABLE_MASK | PT_USER_MASK | PTE_KEY(1));
	*UPAGE = 0xc3; /* RET, for the fetch check; fills the TLB with PKRU = 0 */
	wrpkru(AD(1));
	report(pf(do_read, UPAGE) == (PFERR_PRESENT_MASK | PFERR_PK_MASK),
	       "AD1: supervisor read of a key-1 user page: #PF P|PK (%x)", pf(do_read, UPAGE));
	report(user_pf(user_read, UPAGE) == (PFERR_PRESENT_MASK | PFERR_USER_MASK | PFERR_PK_MASK),
	       "AD1: user read: #PF P|U|PK");
	report(catch_exception(do_call, (void *)UPAGE) == NO_EXCEPTION,
	       "AD1: instruction fetch is not checked");
	report(catch_exception(do_read, (void *)0x500000) == NO_EXCEPTION,
	       "AD1: a key-0 page is not affected");
	wrpkru(WD(1));
	report(user_pf(user_read, UPAGE) == 0xffff, "WD1: user read allowed");
	report(user_pf(user_write, UPAGE) ==
		       (PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK | PFERR_PK_MASK),
	       "WD1: user write: #PF P|W|U|PK");
	report(pf(do_write, UPAGE) == (PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_PK_MASK),
	       "WD1, CR0.WP=1: supervisor write: #PF P|W|PK");
	write_cr0(read_cr0() & ~CR0_WP);
	report(pf(do_write, UPAGE) == 0xffff, "WD1, CR0.WP=0: supervisor write allowed");
	write_cr0(read_cr0() | CR0_WP);
	wrpkru(AD(1) | WD(1));
	write_cr4(read_cr4() & ~CR4_PKE);
	report(pf(do_read, UPAGE) == 0xffff && user_pf(user_write, UPAGE) == 0xffff,
	       "CR4.PKE=0: keys are not checked");
	write_cr4(read_cr4() | CR4_PKE);
	wrpkru(0);
}

static void test_pks(void)
{
	u64 v;
	report(cpuid_indexed(7, 0).c & BIT(31), "CPUID.7.0:ECX.PKS");
	report(rdmsr_safe(MSR_PKRS, &v) == NO_EXCEPTION && v == 0, "IA32_PKRS reads 0");
	report(wrmsr_safe(MSR_PKRS, 1ull << 32) == GP_VECTOR, "IA32_PKRS bits 63:32 reserved");

	u64 *page = alloc_page();
	install_page(current_page_table(), (u64)page, (void *)SPAGE,
		     PT_WRITABLE_MASK | PTE_KEY(2));
	*SPAGE = 1;
	wrmsr(MSR_PKRS, AD(2));
	report(pf(do_read, SPAGE) == 0xffff, "CR4.PKS=0: IA32_PKRS not applied");
	write_cr4(read_cr4() | CR4_PKS);
	report(pf(do_read, SPAGE) == (PFERR_PRESENT_MASK | PFERR_PK_MASK),
	       "PKS AD2: supervisor read of a key-2 supervisor page: #PF P|PK");
	wrmsr(MSR_PKRS, WD(2));
	report(pf(do_read, SPAGE) == 0xffff &&
		       pf(do_write, SPAGE) == (PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_PK_MASK),
	       "PKS WD2: read allowed, write #PF P|W|PK");
	wrpkru(AD(2) | WD(2));
	wrmsr(MSR_PKRS, 0);
	report(pf(do_write, SPAGE) == 0xffff, "PKRU does not apply to supervisor pages");
	wrpkru(0);
	write_cr4(read_cr4() & ~CR4_PKS);
}

int main(int argc, char **argv)
{
	test_pku();
	test_pks();
	return report_summary();
}
