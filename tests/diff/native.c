/* tests/diff/native.c: the host-CPU oracle. The instruction runs from an
 * RWX page at DIFF_CODE_VA (trampoline.S loads/stores the registers); the
 * scratch data sits at DIFF_DATA_VA between two PROT_NONE guard pages. A
 * fault arrives as a signal on an alternate stack (RSP belongs to the test);
 * the kernel's trap number, error code and CR2 in the ucontext give the
 * architectural vector, and siglongjmp returns to native_run(). */
#define _GNU_SOURCE
#include "diff.h"

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

void diff_native_enter(struct diff_regs *st, const void *code);
void diff_native_exit_fall(void);
void diff_native_exit_taken(void);
extern u8 diff_native_which;

static u8 *code_page;
static u8 *data_page;
static sigjmp_buf native_jb;
static volatile sig_atomic_t native_armed;
static struct diff_out *native_cur;
static struct diff_regs native_st;
static u8 altstack[256 * 1024] __attribute__((aligned(16)));

/* glibc's gregs[] order -> encoding order */
static const int greg_of[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	u64 rip = (u64)g[REG_RIP];
	struct diff_out *o = native_cur;

	/* While armed, only the instruction under test runs (branch forms only
	 * ever reach the stubs, or fault before). Otherwise a harness crash:
	 * die of it with the default action. */
	if (!native_armed) {
		signal(sig, SIG_DFL);
		return;
	}
	native_armed = 0;
	/* the test may have set RFLAGS.AC: C code must not run with it */
	__asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
	o->vec = (u8)g[REG_TRAPNO];
	o->err = (u32)g[REG_ERR];
	o->cr2 = o->vec == 14 ? (u64)g[REG_CR2] : 0;
	o->rip = rip;
	for (int r = 0; r < 16; r++)
		o->r.gpr[r] = (u64)g[greg_of[r]];
	o->r.rflags = (u64)g[REG_EFL];
	/* SIMD state at the fault (the FXSAVE image the kernel saved): ST(i)
	 * is MM i since the trampoline's MMX loads left TOP = 0 */
	const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
	if (fp) {
		o->r.mxcsr = fp->mxcsr;
		for (int r = 0; r < 16; r++)
			memcpy(o->r.xmm[r], fp->_xmm[r].element, 16);
		for (int r = 0; r < 8; r++)
			memcpy(&o->r.mm[r], fp->_st[r].significand, 8);
	}
	(void)si;
	siglongjmp(native_jb, 1);
}

static void *map_fixed(u64 va, u64 len, int prot)
{
	void *p = mmap((void *)va, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if ((u64)p != va) { /* old kernels ignore MAP_FIXED_NOREPLACE */
		munmap(p, len);
		return NULL;
	}
	return p;
}

int native_init(char *err, unsigned errlen)
{
	/* the code page, then a reserved page that stays not present */
	code_page = map_fixed(DIFF_CODE_VA, 2 * DIFF_PAGE, PROT_NONE);
	if (!code_page || mprotect(code_page, DIFF_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC)) {
		snprintf(err, errlen, "cannot map an RWX page at %#llx",
			 (unsigned long long)DIFF_CODE_VA);
		return -1;
	}
	u8 *area = map_fixed(DIFF_GUARD_LO, DIFF_DATA_SIZE + 2 * DIFF_PAGE, PROT_NONE);
	if (!area || mprotect(area + DIFF_PAGE, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE)) {
		snprintf(err, errlen, "cannot map the scratch area at %#llx",
			 (unsigned long long)DIFF_GUARD_LO);
		return -1;
	}
	data_page = area + DIFF_PAGE;

	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	if (sigaltstack(&ss, NULL)) {
		snprintf(err, errlen, "sigaltstack failed");
		return -1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL)) {
			snprintf(err, errlen, "sigaction failed");
			return -1;
		}
	return 0;
}

void native_run(const struct diff_case *k, struct diff_out *out)
{
	diff_code_page(k, code_page, (u64)(uintptr_t)diff_native_exit_fall,
		       (u64)(uintptr_t)diff_native_exit_taken);
	diff_fill(k, data_page);
	native_st = k->in;
	native_cur = out;
	out->vec = DIFF_NO_FAULT;
	out->err = 0;
	out->cr2 = 0;
	if (sigsetjmp(native_jb, 0) == 0) {
		native_armed = 1;
		diff_native_enter(&native_st, (const void *)(uintptr_t)diff_insn_va(k));
		native_armed = 0;
		out->r = native_st;
		out->rip = diff_native_which ? DIFF_TAKEN_VA : diff_insn_va(k) + k->len;
	}
	memcpy(out->mem, data_page, DIFF_DATA_SIZE);
}

/* SDM Vol.2A "CPUID—CPU Identification" feature bits of the host */
bool native_has(unsigned feat)
{
	unsigned a, b, c, d;
	switch (feat) {
	case FT_NONE:
		return true;
	case FT_POPCNT: case FT_MOVBE: case FT_CX16: case FT_SSE42:
	case FT_MMX: case FT_SSE3: case FT_SSSE3: case FT_SSE41:
		if (!__get_cpuid(1, &a, &b, &c, &d))
			return false;
		switch (feat) {
		case FT_POPCNT: return (c >> 23) & 1;
		case FT_MOVBE: return (c >> 22) & 1;
		case FT_CX16: return (c >> 13) & 1;
		case FT_MMX: return (d >> 23) & 1;
		case FT_SSE3: return c & 1;
		case FT_SSSE3: return (c >> 9) & 1;
		case FT_SSE41: return (c >> 19) & 1;
		default: return (c >> 20) & 1;
		}
	case FT_LZCNT:
		if (!__get_cpuid(0x80000001, &a, &b, &c, &d))
			return false;
		return (c >> 5) & 1;
	case FT_BMI1: case FT_BMI2: case FT_ADX:
		if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
			return false;
		return feat == FT_BMI1 ? (b >> 3) & 1 : feat == FT_BMI2 ? (b >> 8) & 1 : (b >> 19) & 1;
	default:
		return false;
	}
}

#endif
