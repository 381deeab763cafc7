/* tests/guest/platform/nm.c: device-not-available (#NM) and the related
 * #UD rules of CR0.TS/EM/MP and CR4.OSFXSR (SDM Vol.3A "Device Not
 * Available Exception (#NM)", table "Action Taken By x87 FPU Instructions
 * for Different Combinations of EM, MP, and TS"; each instruction's
 * "Exceptions"), CLTS and LMSW, and the lazy-FPU pattern: an #NM handler
 * that executes CLTS and returns re-executes the faulting instruction.
 * QEMU 7.2 TCG checks CR0.TS before CR0.EM for SSE and MMX instructions
 * (#NM where the SDM gives #UD when both are set): XFAIL under TCG.
 */
#include "guest.h"
#include "fpu.h"

static u8 fxarea[512] __attribute__((aligned(16)));

static int try_x87(void)
{
	asm volatile(ASM_TRY("1f") "fnop\n\t1:" : : : "memory");
	return exception_vector();
}

static int try_fninit(void)
{
	asm volatile(ASM_TRY("1f") "fninit\n\t1:" : : : "memory");
	return exception_vector();
}

static int try_wait(void)
{
	asm volatile(ASM_TRY("1f") "fwait\n\t1:" : : : "memory");
	return exception_vector();
}

static int try_sse(void)
{
	asm volatile(ASM_TRY("1f") "xorps %%xmm0, %%xmm0\n\t1:" : : : "memory");
	return exception_vector();
}

static int try_mmx(void)
{
	asm volatile(ASM_TRY("1f") "pxor %%mm0, %%mm0\n\t1:" : : : "memory");
	return exception_vector();
}

static int try_fxsave(void)
{
	asm volatile(ASM_TRY("1f") "fxsave64 (%0)\n\t1:" : : "r"(fxarea) : "memory");
	return exception_vector();
}

static void set_cr0_bits(u64 bits)
{
	write_cr0((read_cr0() & ~(X86_CR0_TS | X86_CR0_EM | X86_CR0_MP)) | bits);
}

static const char *cr0_name(u64 b)
{
	static char buf[16];
	int n = 0;

	if (b & X86_CR0_EM) { memcpy(buf + n, "EM ", 3); n += 3; }
	if (b & X86_CR0_MP) { memcpy(buf + n, "MP ", 3); n += 3; }
	if (b & X86_CR0_TS) { memcpy(buf + n, "TS ", 3); n += 3; }
	if (!n) { memcpy(buf, "- ", 2); n = 2; }
	buf[n - 1] = 0;
	return buf;
}

/* the SDM table, per combination: x87, WAIT, SSE, MMX, FXSAVE */
static void test_table(void)
{
	static const struct { u64 cr0; int x87, wait, sse, mmx, fx; } rows[] = {
		{ 0, -1, -1, -1, -1, -1 },
		{ X86_CR0_MP, -1, -1, -1, -1, -1 },
		{ X86_CR0_TS, NM_VECTOR, -1, NM_VECTOR, NM_VECTOR, NM_VECTOR },
		{ X86_CR0_TS | X86_CR0_MP, NM_VECTOR, NM_VECTOR, NM_VECTOR, NM_VECTOR, NM_VECTOR },
		{ X86_CR0_EM, NM_VECTOR, -1, UD_VECTOR, UD_VECTOR, NM_VECTOR },
		{ X86_CR0_EM | X86_CR0_MP, NM_VECTOR, -1, UD_VECTOR, UD_VECTOR, NM_VECTOR },
		{ X86_CR0_EM | X86_CR0_TS, NM_VECTOR, -1, UD_VECTOR, UD_VECTOR, NM_VECTOR },
		{ X86_CR0_EM | X86_CR0_TS | X86_CR0_MP, NM_VECTOR, NM_VECTOR, UD_VECTOR, UD_VECTOR,
		  NM_VECTOR },
	};
	bool mmx = cpuid(1).d & BIT(23), tcg = fpu_qemu_tcg();

	for (unsigned k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		int x, w, s, m = -1, f, n;

		set_cr0_bits(rows[k].cr0);
		x = try_x87();
		n = try_fninit();
		w = try_wait();
		s = try_sse();
		if (mmx)
			m = try_mmx();
		f = try_fxsave();
		set_cr0_bits(X86_CR0_MP);
		report(x == rows[k].x87 && n == rows[k].x87, "CR0 %s: x87 (FNOP, FNINIT) -> %d, %d",
		       cr0_name(rows[k].cr0), x, n);
		report(w == rows[k].wait, "CR0 %s: WAIT -> %d", cr0_name(rows[k].cr0), w);
		bool em_ts = tcg && (rows[k].cr0 & X86_CR0_EM) && (rows[k].cr0 & X86_CR0_TS);
		report_xfail(em_ts, s == rows[k].sse, "CR0 %s: SSE -> %d", cr0_name(rows[k].cr0), s);
		if (mmx)
			report_xfail(em_ts, m == rows[k].mmx, "CR0 %s: MMX -> %d",
				     cr0_name(rows[k].cr0), m);
		report(f == rows[k].fx, "CR0 %s: FXSAVE -> %d", cr0_name(rows[k].cr0), f);
	}
	if (mmx)
		asm volatile("emms");
	else
		report_skip("MMX not enumerated");
}

/* CR4.OSFXSR = 0: SSE is #UD (before #NM); FXSAVE still works */
static void test_osfxsr(void)
{
	int s, f;

	write_cr4(read_cr4() & ~X86_CR4_OSFXSR);
	s = try_sse();
	set_cr0_bits(X86_CR0_MP | X86_CR0_TS);
	int s_ts = try_sse();
	set_cr0_bits(X86_CR0_MP);
	f = try_fxsave();
	write_cr4(read_cr4() | X86_CR4_OSFXSR);
	report(s == UD_VECTOR, "CR4.OSFXSR = 0: SSE #UD");
	report(s_ts == UD_VECTOR, "CR4.OSFXSR = 0, CR0.TS = 1: SSE #UD (not #NM)");
	report(f == NO_EXCEPTION, "CR4.OSFXSR = 0: FXSAVE allowed");
}

/* lazy FPU switching: the handler clears TS and returns to the instruction */
static volatile int nm_count;

static void nm_clts(struct ex_regs *r)
{
	nm_count++;
	asm volatile("clts");
}

static void test_lazy_switch(void)
{
	static const struct f80 one = { 0x8000000000000000ull, 0x3fff };
	struct f80 out = { 0, 0 };
	u64 v = 0, w = 0x0123456789abcdefull;

	handle_exception_vector(NM_VECTOR, nm_clts);
	asm volatile("fninit");
	set_cr0_bits(X86_CR0_MP | X86_CR0_TS);
	asm volatile("fld1; fstpt %0" : "=m"(out));
	report(nm_count == 1 && f80_equal(&out, &one), "x87 #NM handler with CLTS, retried (%d)",
	       nm_count);
	report(!(read_cr0() & X86_CR0_TS), "CLTS cleared CR0.TS");
	set_cr0_bits(X86_CR0_MP | X86_CR0_TS);
	asm volatile("movq %1, %%xmm1; movq %%xmm1, %0" : "=m"(v) : "m"(w));
	report(nm_count == 2 && v == w, "SSE #NM handler with CLTS, retried (%d)", nm_count);
	set_cr0_bits(X86_CR0_MP | X86_CR0_TS);
	asm volatile("fwait");
	report(nm_count == 3, "WAIT with MP and TS: #NM, retried");
	set_cr0_bits(X86_CR0_TS);
	asm volatile("fwait");
	report(nm_count == 3, "WAIT with TS but not MP: no #NM");
	set_cr0_bits(X86_CR0_MP);
	handle_exception_vector(NM_VECTOR, NULL);
}

/* LMSW sets TS (and EM, MP) but cannot clear PE */
static void test_lmsw(void)
{
	u16 msw = (u16)(read_cr0() | X86_CR0_TS);

	asm volatile("lmsw %0" : : "r"(msw));
	report(read_cr0() & X86_CR0_TS, "LMSW sets CR0.TS");
	report(try_x87() == NM_VECTOR, "... x87 #NM");
	msw = 0;
	asm volatile("lmsw %0" : : "r"(msw));
	report((read_cr0() & (X86_CR0_PE | X86_CR0_TS | X86_CR0_MP)) == X86_CR0_PE,
	       "LMSW 0 clears TS and MP, keeps PE");
	set_cr0_bits(X86_CR0_MP);
}

static u64 user_clts(u64 arg)
{
	asm volatile(ASM_TRY("1f") "clts\n\t1:" : : : "memory");
	return (u64)exception_vector();
}

static void test_clts_cpl3(void)
{
	u64 ret = 0;

	set_cr0_bits(X86_CR0_MP | X86_CR0_TS);
	run_in_user(user_clts, 0, &ret);
	report((int)ret == GP_VECTOR, "CLTS at CPL 3: #GP");
	report(read_cr0() & X86_CR0_TS, "... CR0.TS still set");
	set_cr0_bits(X86_CR0_MP);
}

int main(int argc, char **argv)
{
	fpu_enable();
	test_table();
	test_osfxsr();
	test_lazy_switch();
	test_lmsw();
	test_clts_cpl3();
	return report_summary();
}
