/* tests/guest/cpu/basic.c: integer arithmetic, calls, string instructions,
 * RDTSC, and the multiboot command line / environment / memory size.
 * run-args: -m 128 -append "alpha beta=2"
 * run-env: FOO=bar
 * run-env: NR_CPUS=1
 */
#include "guest.h"

#define FLAGS_ARITH (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
		     X86_EFLAGS_SF | X86_EFLAGS_OF)

/* run "op %2, %0" (src, dst); returns dst and the arithmetic flags */
#define ARITH2(insn, a, b, flags)                                                 \
	({                                                                        \
		u64 __d = (a), __f;                                               \
		asm volatile(insn "; pushfq; popq %1"                      \
			     : "+r"(__d), "=r"(__f) : "r"((u64)(b)) : "cc");      \
		*(flags) = __f & FLAGS_ARITH;                                     \
		__d;                                                              \
	})

static void test_add_sub(void)
{
	u64 f, r;

	r = ARITH2("addl %k2, %k0", 0xffffffffull, 1, &f);
	report(r == 0 && f == (X86_EFLAGS_CF | X86_EFLAGS_ZF | X86_EFLAGS_PF | X86_EFLAGS_AF),
	       "add32 0xffffffff+1 = 0, CF ZF PF AF (got %llx flags %llx)", r, f);
	r = ARITH2("addq %2, %0", 0x7fffffffffffffffull, 1, &f);
	report(r == 0x8000000000000000ull &&
		       f == (X86_EFLAGS_OF | X86_EFLAGS_SF | X86_EFLAGS_AF | X86_EFLAGS_PF),
	       "add64 signed overflow sets OF SF (flags %llx)", f);
	r = ARITH2("subq %2, %0", 5, 7, &f);
	report(r == (u64)-2 && (f & (X86_EFLAGS_CF | X86_EFLAGS_SF | X86_EFLAGS_ZF)) ==
				       (X86_EFLAGS_CF | X86_EFLAGS_SF),
	       "sub64 5-7 = -2 with borrow (flags %llx)", f);
	r = ARITH2("xorq %2, %0", 0x1234, 0x1234, &f);
	report(r == 0 && (f & (X86_EFLAGS_ZF | X86_EFLAGS_CF | X86_EFLAGS_OF | X86_EFLAGS_PF)) ==
				 (X86_EFLAGS_ZF | X86_EFLAGS_PF),
	       "xor clears CF OF, sets ZF PF (flags %llx)", f);
	r = ARITH2("andl %k2, %k0", 0xffffffff00000080ull, 0xff, &f);
	report(r == 0x80, "32-bit op zero-extends into the 64-bit register (got %llx)", r);

	u64 x = 0x1122334455667788ull;
	asm volatile("movw $0xaaaa, %w0" : "+r"(x));
	report(x == 0x112233445566aaaaull, "16-bit op keeps bits 63:16 (got %llx)", x);

	u64 c = 0;
	asm volatile("stc; adcq $5, %0" : "+r"(c) : : "cc");
	report(c == 6, "adc adds the carry (got %llu)", c);
}

static void test_mul_div(void)
{
	u64 lo, hi, q, rem;

	asm volatile("mulq %3" : "=a"(lo), "=d"(hi) : "a"(0xfedcba9876543210ull), "r"(0x123456789ull));
	report(lo == 0xcccccccce1833a90ull && hi == 0x121fa00acull,
	       "mul64 full 128-bit product (got %llx:%llx)", hi, lo);
	asm volatile("imulq %3" : "=a"(lo), "=d"(hi) : "a"(-3ll), "r"(7ll));
	report(lo == (u64)-21 && hi == ~0ull, "imul64 -3*7 = -21 sign-extended into RDX");
	asm volatile("divq %4" : "=a"(q), "=d"(rem) : "a"(0ull), "d"(1ull), "r"(3ull));
	report(q == 0x5555555555555555ull && rem == 1,
	       "div64 2^64/3 = 0x5555555555555555 r 1 (got %llx r %llx)", q, rem);
	asm volatile("cqo; idivq %4" : "=a"(q), "=d"(rem) : "a"(-7ll), "d"(0ull), "r"(2ll));
	report(q == (u64)-3 && rem == (u64)-1, "idiv64 -7/2 = -3 r -1 (truncation toward 0)");
	u32 q32, r32;
	asm volatile("divl %4" : "=a"(q32), "=d"(r32) : "a"(100u), "d"(0u), "r"(7u));
	report(q32 == 14 && r32 == 2, "div32 100/7 = 14 r 2");
}

static void test_shift(void)
{
	u64 v = 0x8000000000000001ull, f;

	asm volatile("rolq $1, %0" : "+r"(v));
	report(v == 3, "rol64 by 1 (got %llx)", v);
	v = 0x80;
	asm volatile("sarb $7, %b0" : "+r"(v));
	report((v & 0xff) == 0xff, "sar8 keeps the sign (got %llx)", v & 0xff);
	v = 1;
	asm volatile("shlq $63, %0; pushfq; popq %1" : "+r"(v), "=r"(f) : : "cc");
	report(v == 0x8000000000000000ull && !(f & X86_EFLAGS_CF) && (f & X86_EFLAGS_SF),
	       "shl64 by 63 (flags %llx)", f & FLAGS_ARITH);
	v = 0x100;
	asm volatile("bsfq %1, %0" : "=r"(f) : "r"(v));
	report(f == 8, "bsf finds bit 8");
	u64 b = 0xf0;
	asm volatile("btsq $2, %0" : "+r"(b) : : "cc");
	report(b == 0xf4, "bts sets bit 2");
}

static __attribute__((noinline)) u64 fib(u64 n)
{
	asm volatile("" : "+r"(n));
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) u64 twice(u64 x) { return 2 * x; }
static __attribute__((noinline)) u64 square(u64 x) { return x * x; }

static void test_calls(void)
{
	u64 (*volatile fns[2])(u64) = { twice, square };
	u64 r;

	report(fib(20) == 6765, "recursive calls: fib(20) = 6765");
	report(fns[0](21) == 42 && fns[1](12) == 144, "indirect calls through a table");
	/* call pushes the return address; ret pops it */
	asm volatile("leaq 1f(%%rip), %%rax; call 2f; 1: jmp 3f; 2: movq (%%rsp), %0; "
		     "subq %%rax, %0; ret; 3:"
		     : "=&r"(r) : : "rax", "memory");
	report(r == 0, "call pushes the address of the next instruction");
	asm volatile("movq %%rsp, %%rcx; pushq $0; movq %%rcx, %0; subq %%rsp, %0; popq %%rcx"
		     : "=&r"(r) : : "rcx", "memory");
	report(r == 8, "push in 64-bit mode moves RSP by 8 (got %llu)", r);
	asm volatile("movq %%rsp, %%rcx; pushw $0; movq %%rcx, %0; subq %%rsp, %0; addq $2, %%rsp"
		     : "=&r"(r) : : "rcx", "memory");
	report(r == 2, "push with 66h prefix moves RSP by 2 (got %llu)", r);
}

static u8 src[256], dst[256];

static void test_strings(void)
{
	u64 rcx, rsi, rdi;
	u8 al;

	for (int i = 0; i < 256; i++)
		src[i] = (u8)(i * 7 + 1);
	memset(dst, 0, sizeof(dst));
	asm volatile("cld; rep movsb"
		     : "=c"(rcx), "=S"(rsi), "=D"(rdi)
		     : "c"(200ull), "S"(src), "D"(dst) : "memory");
	report(!memcmp(src, dst, 200) && dst[200] == 0 && rcx == 0 && rsi == (u64)src + 200 &&
		       rdi == (u64)dst + 200,
	       "rep movsb copies RCX bytes and advances RSI/RDI");
	asm volatile("cld; rep stosq" : "=c"(rcx), "=D"(rdi)
		     : "c"(4ull), "D"(dst), "a"(0x0102030405060708ull) : "memory");
	report(((u64 *)dst)[3] == 0x0102030405060708ull && dst[32] == src[32] &&
		       rdi == (u64)dst + 32,
	       "rep stosq stores RCX quadwords");
	memcpy(dst, src, 256);
	dst[77] ^= 0xff;
	asm volatile("cld; repe cmpsb" : "=c"(rcx), "=S"(rsi), "=D"(rdi)
		     : "c"(256ull), "S"(src), "D"(dst) : "memory", "cc");
	report(rcx == 256 - 78 && rsi == (u64)src + 78,
	       "repe cmpsb stops after the first difference (rcx %llu)", rcx);
	asm volatile("cld; repne scasb" : "=c"(rcx), "=D"(rdi)
		     : "c"(256ull), "D"(src), "a"(src[10]) : "memory", "cc");
	report(rdi == (u64)src + 11 && rcx == 245, "repne scasb finds a byte (rcx %llu)", rcx);
	/* DF=1: overlapping copy backwards (memmove to a higher address) */
	for (int i = 0; i < 16; i++)
		dst[i] = (u8)i;
	asm volatile("std; rep movsb; cld"
		     : "=c"(rcx), "=S"(rsi), "=D"(rdi)
		     : "c"(12ull), "S"(dst + 11), "D"(dst + 15) : "memory");
	report(dst[4] == 0 && dst[15] == 11 && dst[5] == 1 && rdi == (u64)dst + 3,
	       "std; rep movsb copies backwards");
	asm volatile("cld; lodsb" : "=a"(al), "=S"(rsi) : "S"(src + 5) : "memory");
	report(al == src[5] && rsi == (u64)src + 6, "lodsb loads and advances");
	asm volatile("cld; rep movsb" : "=c"(rcx), "=D"(rdi) : "c"(0ull), "S"(src), "D"(dst) : "memory");
	report(rcx == 0 && rdi == (u64)dst, "rep with RCX=0 does nothing");
}

static void test_rdtsc(void)
{
	u64 t[8];
	bool mono = true;

	for (int i = 0; i < 8; i++)
		t[i] = rdtsc();
	for (int i = 1; i < 8; i++)
		mono &= t[i] >= t[i - 1];
	report(mono, "rdtsc is monotonic");
	u64 a = rdtsc();
	for (volatile int i = 0; i < 10000; i++)
		;
	u64 b = rdtsc();
	report(b > a, "rdtsc advances over a 10000-iteration loop (delta %llu)", b - a);
}

static void test_boot_info(int argc, char **argv)
{
	report(argc == 3 && !strcmp(argv[1], "alpha") && !strcmp(argv[2], "beta=2"),
	       "command line: argv[0] = image, then the -append words (argc %d)", argc);
	report(argc >= 1 && strlen(argv[0]) > 4 && !strcmp(argv[0] + strlen(argv[0]) - 4, ".elf"),
	       "argv[0] is the image path (%s)", argc ? argv[0] : "");
	const char *foo = getenv("FOO"), *n = getenv("NR_CPUS");
	report(foo && !strcmp(foo, "bar") && n && atol(n) == 1,
	       "initrd environment: FOO=bar NR_CPUS=1");
	/* PLATFORM.md: mem_upper = (end of the first RAM region above 1 MiB)/1024 - 1024 */
	report(mb_ram_end && mb_mem_upper == mb_ram_end / 1024 - 1024,
	       "multiboot mem_upper %u matches the memory map (RAM to %llx)", mb_mem_upper, mb_ram_end);
	report(mb_ram_end > (127ull << 20) && mb_ram_end <= (128ull << 20),
	       "-m 128: the RAM region above 1 MiB ends within the top MiB (%llx)", mb_ram_end);
	void *p = alloc_page(), *q = alloc_page();
	report(p && q && p != q && !((u64)p & 0xfff) && (u64)q + PAGE_SIZE <= mem_pool_end() &&
		       mem_pool_end() <= (1ull << 20) + (u64)mb_mem_upper * 1024,
	       "page allocator hands out distinct pages below mem_upper");
}

int main(int argc, char **argv)
{
	struct cpuid v = cpuid(0);
	char vendor[13];

	memcpy(vendor, &v.b, 4);
	memcpy(vendor + 4, &v.d, 4);
	memcpy(vendor + 8, &v.c, 4);
	vendor[12] = 0;
	report_info("cpuid vendor %s, max leaf %u", vendor, v.a);
	test_add_sub();
	test_mul_div();
	test_shift();
	test_calls();
	test_strings();
	test_rdtsc();
	test_boot_info(argc, argv);
	return report_summary();
}
