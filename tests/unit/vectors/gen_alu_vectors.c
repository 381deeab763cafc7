/* tests/unit/vectors/gen_alu_vectors.c: produces tests/unit/vectors/alu64.inc
 * by running instruction templates natively on an x86-64 host from chosen
 * register/flag states. Only architecturally defined results are kept: each
 * row carries the mask of flags the SDM defines for that input, and inputs
 * whose result is undefined are not emitted. The output is frozen (checked
 * in); rerun only to add templates:
 *
 *   gcc -O1 -o /tmp/gen tests/unit/vectors/gen_alu_vectors.c && /tmp/gen > tests/unit/vectors/alu64.inc
 *
 * Row: V(text, bytes, len, rax, rbx, rcx, rdx, rsi, rdi, rflags_in, vector,
 *        rax', rbx', rcx', rdx', rsi', rdi', rflags_out, flags_mask)
 * vector is -1, or the exception the instruction raised (#DE=0, #UD=6), in
 * which case the outputs equal the inputs. Instructions use only RAX RBX RCX
 * RDX RSI RDI and RFLAGS. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

typedef uint64_t u64;
typedef uint8_t u8;

struct st {
	u64 r[6]; /* rax rbx rcx rdx rsi rdi */
	u64 fl;
};

/* trampoline: load state from *rdi, run 16 patchable bytes, store state */
__asm__(".text\n"
	".globl tramp_start\n tramp_start:\n"
	"push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"mov %rdi, %r15\n"
	"pushq 48(%r15)\n popfq\n"
	"mov 0(%r15), %rax\n mov 8(%r15), %rbx\n mov 16(%r15), %rcx\n"
	"mov 24(%r15), %rdx\n mov 32(%r15), %rsi\n mov 40(%r15), %rdi\n"
	".globl tramp_insn\n tramp_insn:\n"
	".fill 16, 1, 0x90\n"
	"pushfq\n"
	"mov %rax, 0(%r15)\n mov %rbx, 8(%r15)\n mov %rcx, 16(%r15)\n"
	"mov %rdx, 24(%r15)\n mov %rsi, 32(%r15)\n mov %rdi, 40(%r15)\n"
	"popq 48(%r15)\n"
	"pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n ret\n"
	".globl tramp_end\n tramp_end:\n");
extern u8 tramp_start[], tramp_insn[], tramp_end[];

static u8 *buf;
static sigjmp_buf jb;
static volatile int sig_vec;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	sig_vec = sig == SIGFPE ? 0 : 6;
	siglongjmp(jb, 1);
}

/* run bytes natively; returns -1 or the vector */
static int run(const u8 *code, int len, struct st *s)
{
	size_t off = (size_t)(tramp_insn - tramp_start);
	memset(buf + off, 0x90, 16);
	memcpy(buf + off, code, len);
	__builtin___clear_cache((char *)buf, (char *)buf + 4096);
	if (sigsetjmp(jb, 1))
		return sig_vec;
	((void (*)(struct st *))buf)(s);
	return -1;
}

#define CF 0x001ull
#define PF 0x004ull
#define AF 0x010ull
#define ZF 0x040ull
#define SF 0x080ull
#define OF 0x800ull
#define ALL6 (CF | PF | AF | ZF | SF | OF)

static u64 rng = 0x243f6a8885a308d3ull;
static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const u64 interesting[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
	0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
	0xffffffffffffffffull, 0x0f0f0f0f0f0f0f0full, 0x123456789abcdef0ull,
};

static u64 pick(void)
{
	u64 r = rnd();
	if (r & 1)
		return interesting[(r >> 8) % (sizeof(interesting) / sizeof(interesting[0]))];
	switch ((r >> 4) & 3) {
	case 0: return rnd() & 0xff;
	case 1: return rnd() & 0xffff;
	case 2: return rnd() & 0xffffffff;
	default: return rnd();
	}
}

static void emit(const char *text, const u8 *code, int len, const struct st *in, int vec,
		 const struct st *out, u64 mask)
{
	printf("V(\"%s\", \"", text);
	for (int k = 0; k < len; k++)
		printf("\\x%02x", code[k]);
	printf("\", %d,\n  ", len);
	for (int k = 0; k < 6; k++)
		printf("0x%llx, ", (unsigned long long)in->r[k]);
	printf("0x%llx, %d,\n  ", (unsigned long long)in->fl, vec);
	for (int k = 0; k < 6; k++)
		printf("0x%llx, ", (unsigned long long)out->r[k]);
	printf("0x%llx, 0x%llx)\n", (unsigned long long)out->fl, (unsigned long long)mask);
}

/* mask callback: defined flags for this input, or -1 to drop the input */
typedef long long mask_fn(const struct st *in, int size);

static void gen(const char *text, const u8 *code, int len, int size, mask_fn *mf, int n,
		const u64 *flag_choices, int nflags)
{
	for (int k = 0; k < n; k++) {
		struct st in, out;
		for (int r = 0; r < 6; r++)
			in.r[r] = pick();
		in.fl = 0x202 | flag_choices[k % nflags];
		long long m = mf(&in, size);
		if (m < 0)
			continue;
		out = in;
		int vec = run(code, len, &out);
		if (vec >= 0)
			out = in;
		emit(text, code, len, &in, vec, &out, (u64)m);
	}
}

static const u64 fl_mix[] = { 0, ALL6, CF, ZF | SF, OF | PF | AF, CF | ZF };

static long long m_all(const struct st *in, int size) { return ALL6; }
static long long m_none(const struct st *in, int size) { return 0; }
static long long m_cfof(const struct st *in, int size) { return CF | OF; }
static long long m_cf(const struct st *in, int size) { return CF; }
static long long m_zf(const struct st *in, int size) { return ZF; }
static long long m_cfzf(const struct st *in, int size) { return CF | ZF; }
static long long m_szco(const struct st *in, int size) { return SF | ZF | CF | OF; }
static long long m_zco(const struct st *in, int size) { return ZF | CF | OF; }

/* shifts/rotates by CL: the masked count decides what is defined */
static int g_shift_kind; /* ModRM.reg: 0 ROL 1 ROR 2 RCL 3 RCR 4 SHL 5 SHR 6 SAL 7 SAR */
static long long m_shift(const struct st *in, int size)
{
	unsigned bits = size * 8, n = (in->r[2] & 0xff) & (size == 8 ? 63 : 31);
	if (n == 0)
		return ALL6; /* nothing changes */
	if (g_shift_kind <= 3) /* rotates: CF always, OF for a count of 1 */
		return CF | (n == 1 ? OF : 0);
	long long m = SF | ZF | PF | CF | (n == 1 ? OF : 0);
	if ((g_shift_kind == 4 || g_shift_kind == 5 || g_shift_kind == 6) && n >= bits)
		m &= ~CF;
	return m;
}

static long long m_shxd(const struct st *in, int size)
{
	unsigned bits = size * 8, n = (in->r[2] & 0xff) & (size == 8 ? 63 : 31);
	if (n == 0)
		return ALL6;
	if (n > bits)
		return -1; /* result undefined */
	return SF | ZF | PF | CF | (n == 1 ? OF : 0);
}

/* a count in CL biased to the interesting values */
static void cl_pick(struct st *in)
{
	static const u8 counts[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 255 };
	in->r[2] = (in->r[2] & ~0xffull) | counts[rnd() % sizeof(counts)];
}

static void gen_cl(const char *text, const u8 *code, int len, int size, mask_fn *mf, int n)
{
	for (int k = 0; k < n; k++) {
		struct st in, out;
		for (int r = 0; r < 6; r++)
			in.r[r] = pick();
		cl_pick(&in);
		in.fl = 0x202 | fl_mix[k % 6];
		long long m = mf(&in, size);
		if (m < 0)
			continue;
		out = in;
		int vec = run(code, len, &out);
		emit(text, code, len, &in, vec, &out, (u64)m);
	}
}

/* the four operand sizes of an "Ev, Gv"-style opcode (8-bit opcode = op8) */
struct form {
	const char *text;
	u8 code[16];
	int len, size;
};

#define F(t, s, ...) { t, { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ }), s }

static void alu_forms(void)
{
	static const char *names[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	char t[64];
	for (int k = 0; k < 8; k++) {
		u8 b = (u8)(k * 8);
		u8 rmimm = (u8)(0xc3 | (k << 3));
		struct form f[] = {
			F("bl, al", 1, b, 0xc3), F("bl, ah", 1, b, 0xe3),
			F("bx, ax", 2, 0x66, b + 1, 0xc3), F("ebx, eax", 4, b + 1, 0xc3),
			F("rbx, rax", 8, 0x48, b + 1, 0xc3), F("eax, ebx (r, rm)", 4, b + 3, 0xc3),
			F("al, imm8", 1, b + 4, 0x85), F("eax, imm32", 4, b + 5, 0x78, 0x56, 0x34, 0x92),
			F("rax, simm32", 8, 0x48, b + 5, 0x00, 0x00, 0x00, 0x80),
			F("bl, imm8", 1, 0x80, rmimm, 0x7f), F("ebx, simm8", 4, 0x83, rmimm, 0xff),
			F("rbx, simm8", 8, 0x48, 0x83, rmimm, 0x80), F("bx, imm16", 2, 0x66, 0x81, rmimm, 0x00, 0x80),
		};
		for (unsigned j = 0; j < sizeof(f) / sizeof(f[0]); j++) {
			snprintf(t, sizeof(t), "%s %s", names[k], f[j].text);
			gen(t, f[j].code, f[j].len, f[j].size, m_all, 4, fl_mix, 6);
		}
	}
	struct form tf[] = {
		F("test bl, al", 1, 0x84, 0xc3), F("test ebx, eax", 4, 0x85, 0xc3),
		F("test rbx, rax", 8, 0x48, 0x85, 0xc3), F("test al, imm8", 1, 0xa8, 0x81),
		F("test eax, imm32", 4, 0xa9, 0x00, 0x00, 0x00, 0x80), F("test bx, imm16", 2, 0x66, 0xf7, 0xc3, 0x01, 0x80),
		F("inc bl", 1, 0xfe, 0xc3), F("inc ebx", 4, 0xff, 0xc3), F("inc rbx", 8, 0x48, 0xff, 0xc3),
		F("inc bx", 2, 0x66, 0xff, 0xc3), F("dec bh", 1, 0xfe, 0xcf), F("dec ebx", 4, 0xff, 0xcb),
		F("dec rbx", 8, 0x48, 0xff, 0xcb), F("neg bl", 1, 0xf6, 0xdb), F("neg ebx", 4, 0xf7, 0xdb),
		F("neg rbx", 8, 0x48, 0xf7, 0xdb), F("neg bx", 2, 0x66, 0xf7, 0xdb), F("not ebx", 4, 0xf7, 0xd3),
		F("not bl", 1, 0xf6, 0xd3), F("not rbx", 8, 0x48, 0xf7, 0xd3),
	};
	for (unsigned j = 0; j < sizeof(tf) / sizeof(tf[0]); j++)
		gen(tf[j].text, tf[j].code, tf[j].len, tf[j].size, m_all, 4, fl_mix, 6);
}

static void shift_forms(void)
{
	static const char *names[] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
	char t[64];
	for (int k = 0; k < 8; k++) {
		u8 rm = (u8)(0xc3 | (k << 3));
		struct form f[] = {
			F("bl, cl", 1, 0xd2, rm), F("bx, cl", 2, 0x66, 0xd3, rm),
			F("ebx, cl", 4, 0xd3, rm), F("rbx, cl", 8, 0x48, 0xd3, rm),
		};
		g_shift_kind = k;
		for (unsigned j = 0; j < 4; j++) {
			snprintf(t, sizeof(t), "%s %s", names[k], f[j].text);
			gen_cl(t, f[j].code, f[j].len, f[j].size, m_shift, 7);
		}
		/* the by-1 and by-imm8 forms */
		struct form g[] = {
			F("bl, 1", 1, 0xd0, rm), F("ebx, 1", 4, 0xd1, rm), F("rbx, 1", 8, 0x48, 0xd1, rm),
			F("ebx, 5", 4, 0xc1, rm, 5), F("bl, 9", 1, 0xc0, rm, 9), F("bx, 17", 2, 0x66, 0xc1, rm, 17),
			F("rbx, 63", 8, 0x48, 0xc1, rm, 63), F("ebx, 33", 4, 0xc1, rm, 33),
		};
		static const u8 cnt[] = { 1, 1, 1, 5, 9, 17, 63, 33 };
		static const int sz[] = { 1, 4, 8, 4, 1, 2, 8, 4 };
		for (unsigned j = 0; j < 8; j++) {
			snprintf(t, sizeof(t), "%s %s", names[k], g[j].text);
			for (int n = 0; n < 2; n++) {
				struct st in, out;
				for (int r = 0; r < 6; r++)
					in.r[r] = pick();
				in.r[2] = (in.r[2] & ~0xffull) | cnt[j];
				in.fl = 0x202 | fl_mix[n];
				long long m = m_shift(&in, sz[j]);
				out = in;
				int vec = run(g[j].code, g[j].len, &out);
				emit(t, g[j].code, g[j].len, &in, vec, &out, (u64)m);
			}
		}
	}
	struct form d[] = {
		F("shld ebx, eax, cl", 4, 0x0f, 0xa5, 0xc3), F("shld rbx, rax, cl", 8, 0x48, 0x0f, 0xa5, 0xc3),
		F("shld bx, ax, cl", 2, 0x66, 0x0f, 0xa5, 0xc3), F("shrd ebx, eax, cl", 4, 0x0f, 0xad, 0xc3),
		F("shrd rbx, rax, cl", 8, 0x48, 0x0f, 0xad, 0xc3), F("shrd bx, ax, cl", 2, 0x66, 0x0f, 0xad, 0xc3),
	};
	for (unsigned j = 0; j < sizeof(d) / sizeof(d[0]); j++)
		gen_cl(d[j].text, d[j].code, d[j].len, d[j].size, m_shxd, 14);
}

static void muldiv_forms(void)
{
	struct form f[] = {
		F("mul bl", 1, 0xf6, 0xe3), F("mul bx", 2, 0x66, 0xf7, 0xe3), F("mul ebx", 4, 0xf7, 0xe3),
		F("mul rbx", 8, 0x48, 0xf7, 0xe3), F("imul bl", 1, 0xf6, 0xeb), F("imul bx", 2, 0x66, 0xf7, 0xeb),
		F("imul ebx", 4, 0xf7, 0xeb), F("imul rbx", 8, 0x48, 0xf7, 0xeb),
		F("imul eax, ebx", 4, 0x0f, 0xaf, 0xc3), F("imul rax, rbx", 8, 0x48, 0x0f, 0xaf, 0xc3),
		F("imul ax, bx", 2, 0x66, 0x0f, 0xaf, 0xc3), F("imul eax, ebx, -3", 4, 0x6b, 0xc3, 0xfd),
		F("imul rax, rbx, 0x12345678", 8, 0x48, 0x69, 0xc3, 0x78, 0x56, 0x34, 0x12),
		F("imul ax, bx, 0x7fff", 2, 0x66, 0x69, 0xc3, 0xff, 0x7f),
	};
	for (unsigned j = 0; j < sizeof(f) / sizeof(f[0]); j++)
		gen(f[j].text, f[j].code, f[j].len, f[j].size, m_cfof, 8, fl_mix, 6);
	struct form d[] = {
		F("div bl", 1, 0xf6, 0xf3), F("div bx", 2, 0x66, 0xf7, 0xf3), F("div ebx", 4, 0xf7, 0xf3),
		F("div rbx", 8, 0x48, 0xf7, 0xf3), F("idiv bl", 1, 0xf6, 0xfb), F("idiv bx", 2, 0x66, 0xf7, 0xfb),
		F("idiv ebx", 4, 0xf7, 0xfb), F("idiv rbx", 8, 0x48, 0xf7, 0xfb),
	};
	for (unsigned j = 0; j < sizeof(d) / sizeof(d[0]); j++) {
		gen(d[j].text, d[j].code, d[j].len, d[j].size, m_none, 10, fl_mix, 6);
		/* dividends whose quotient fits, and the signed edge cases */
		int sz = d[j].size, bits = 8 * sz;
		u64 sm = sz == 8 ? ~0ull : (1ull << bits) - 1;
		for (int n = 0; n < 8; n++) {
			struct st in, out;
			for (int r = 0; r < 6; r++)
				in.r[r] = pick();
			if (n < 4) { /* high half below the divisor: no overflow for DIV */
				if (sz == 1)
					in.r[0] = (in.r[0] & ~0xff00ull) | ((in.r[1] & 0xff) >> 1) << 8;
				else
					in.r[3] = (in.r[1] & sm) >> 1;
			}
			if (n == 6 || n == 7) { /* -2^(2w-1) / -1 (#DE); -2^(w-1) / 1 (fits) */
				u64 top = 1ull << (bits - 1);
				if (sz == 1) {
					in.r[0] = (in.r[0] & ~0xffffull) | (n == 6 ? 0x8000 : 0xff80);
				} else {
					in.r[0] = n == 6 ? 0 : top;
					in.r[3] = n == 6 ? top : sm;
				}
				in.r[1] = n == 6 ? ~0ull : 1;
			}
			in.fl = 0x202;
			out = in;
			int vec = run(d[j].code, d[j].len, &out);
			if (vec >= 0)
				out = in;
			emit(d[j].text, d[j].code, d[j].len, &in, vec, &out, 0);
		}
	}
}

static void bit_forms(void)
{
	struct form f[] = {
		F("bt ebx, eax", 4, 0x0f, 0xa3, 0xc3), F("bts rbx, rax", 8, 0x48, 0x0f, 0xab, 0xc3),
		F("btr bx, ax", 2, 0x66, 0x0f, 0xb3, 0xc3), F("btc ebx, eax", 4, 0x0f, 0xbb, 0xc3),
		F("bt ebx, 37", 4, 0x0f, 0xba, 0xe3, 37), F("bts rbx, 63", 8, 0x48, 0x0f, 0xba, 0xeb, 63),
		F("btr ebx, 3", 4, 0x0f, 0xba, 0xf3, 3), F("btc bx, 21", 2, 0x66, 0x0f, 0xba, 0xfb, 21),
	};
	for (unsigned j = 0; j < sizeof(f) / sizeof(f[0]); j++)
		gen(f[j].text, f[j].code, f[j].len, f[j].size, m_cf, 6, fl_mix, 6);
	struct form s[] = {
		F("bsf eax, ebx", 4, 0x0f, 0xbc, 0xc3), F("bsr rax, rbx", 8, 0x48, 0x0f, 0xbd, 0xc3),
		F("bsf ax, bx", 2, 0x66, 0x0f, 0xbc, 0xc3), F("bsr eax, ebx", 4, 0x0f, 0xbd, 0xc3),
	};
	for (unsigned j = 0; j < sizeof(s) / sizeof(s[0]); j++)
		gen(s[j].text, s[j].code, s[j].len, s[j].size, m_zf, 8, fl_mix, 6);
	struct form z[] = {
		F("lzcnt eax, ebx", 4, 0xf3, 0x0f, 0xbd, 0xc3), F("lzcnt rax, rbx", 8, 0xf3, 0x48, 0x0f, 0xbd, 0xc3),
		F("lzcnt ax, bx", 2, 0x66, 0xf3, 0x0f, 0xbd, 0xc3), F("tzcnt eax, ebx", 4, 0xf3, 0x0f, 0xbc, 0xc3),
		F("tzcnt rax, rbx", 8, 0xf3, 0x48, 0x0f, 0xbc, 0xc3), F("tzcnt ax, bx", 2, 0x66, 0xf3, 0x0f, 0xbc, 0xc3),
	};
	for (unsigned j = 0; j < sizeof(z) / sizeof(z[0]); j++)
		gen(z[j].text, z[j].code, z[j].len, z[j].size, m_cfzf, 8, fl_mix, 6);
	struct form p[] = {
		F("popcnt eax, ebx", 4, 0xf3, 0x0f, 0xb8, 0xc3), F("popcnt rax, rbx", 8, 0xf3, 0x48, 0x0f, 0xb8, 0xc3),
		F("popcnt ax, bx", 2, 0x66, 0xf3, 0x0f, 0xb8, 0xc3),
	};
	for (unsigned j = 0; j < sizeof(p) / sizeof(p[0]); j++)
		gen(p[j].text, p[j].code, p[j].len, p[j].size, m_all, 6, fl_mix, 6);
	struct form b[] = {
		F("bswap ebx", 4, 0x0f, 0xcb), F("bswap rbx", 8, 0x48, 0x0f, 0xcb),
	};
	for (unsigned j = 0; j < 2; j++)
		gen(b[j].text, b[j].code, b[j].len, b[j].size, m_all, 3, fl_mix, 6);
}

static void bmi_forms(void)
{
	struct form szco[] = {
		F("andn eax, ecx, ebx", 4, 0xc4, 0xe2, 0x70, 0xf2, 0xc3),
		F("andn rax, rcx, rbx", 8, 0xc4, 0xe2, 0xf0, 0xf2, 0xc3),
		F("blsi ecx, ebx", 4, 0xc4, 0xe2, 0x70, 0xf3, 0xdb),
		F("blsi rcx, rbx", 8, 0xc4, 0xe2, 0xf0, 0xf3, 0xdb),
		F("blsmsk ecx, ebx", 4, 0xc4, 0xe2, 0x70, 0xf3, 0xd3),
		F("blsmsk rcx, rbx", 8, 0xc4, 0xe2, 0xf0, 0xf3, 0xd3),
		F("blsr ecx, ebx", 4, 0xc4, 0xe2, 0x70, 0xf3, 0xcb),
		F("blsr rcx, rbx", 8, 0xc4, 0xe2, 0xf0, 0xf3, 0xcb),
		F("bzhi eax, ebx, ecx", 4, 0xc4, 0xe2, 0x70, 0xf5, 0xc3),
		F("bzhi rax, rbx, rcx", 8, 0xc4, 0xe2, 0xf0, 0xf5, 0xc3),
	};
	for (unsigned j = 0; j < sizeof(szco) / sizeof(szco[0]); j++)
		gen(szco[j].text, szco[j].code, szco[j].len, szco[j].size, m_szco, 8, fl_mix, 6);
	struct form zco[] = {
		F("bextr eax, ebx, ecx", 4, 0xc4, 0xe2, 0x70, 0xf7, 0xc3),
		F("bextr rax, rbx, rcx", 8, 0xc4, 0xe2, 0xf0, 0xf7, 0xc3),
	};
	for (unsigned j = 0; j < 2; j++)
		gen(zco[j].text, zco[j].code, zco[j].len, zco[j].size, m_zco, 10, fl_mix, 6);
	struct form nof[] = {
		F("pdep eax, ecx, ebx", 4, 0xc4, 0xe2, 0x73, 0xf5, 0xc3),
		F("pdep rax, rcx, rbx", 8, 0xc4, 0xe2, 0xf3, 0xf5, 0xc3),
		F("pext eax, ecx, ebx", 4, 0xc4, 0xe2, 0x72, 0xf5, 0xc3),
		F("pext rax, rcx, rbx", 8, 0xc4, 0xe2, 0xf2, 0xf5, 0xc3),
		F("mulx eax, ecx, ebx", 4, 0xc4, 0xe2, 0x73, 0xf6, 0xc3),
		F("mulx rax, rcx, rbx", 8, 0xc4, 0xe2, 0xf3, 0xf6, 0xc3),
		F("mulx eax, eax, ebx", 4, 0xc4, 0xe2, 0x7b, 0xf6, 0xc3),
		F("rorx eax, ebx, 7", 4, 0xc4, 0xe3, 0x7b, 0xf0, 0xc3, 7),
		F("rorx rax, rbx, 45", 8, 0xc4, 0xe3, 0xfb, 0xf0, 0xc3, 45),
		F("sarx eax, ebx, ecx", 4, 0xc4, 0xe2, 0x72, 0xf7, 0xc3),
		F("sarx rax, rbx, rcx", 8, 0xc4, 0xe2, 0xf2, 0xf7, 0xc3),
		F("shlx eax, ebx, ecx", 4, 0xc4, 0xe2, 0x71, 0xf7, 0xc3),
		F("shlx rax, rbx, rcx", 8, 0xc4, 0xe2, 0xf1, 0xf7, 0xc3),
		F("shrx eax, ebx, ecx", 4, 0xc4, 0xe2, 0x73, 0xf7, 0xc3),
		F("shrx rax, rbx, rcx", 8, 0xc4, 0xe2, 0xf3, 0xf7, 0xc3),
	};
	for (unsigned j = 0; j < sizeof(nof) / sizeof(nof[0]); j++)
		gen(nof[j].text, nof[j].code, nof[j].len, nof[j].size, m_all, 6, fl_mix, 6);
	struct form adx[] = {
		F("adcx eax, ebx", 4, 0x66, 0x0f, 0x38, 0xf6, 0xc3),
		F("adcx rax, rbx", 8, 0x66, 0x48, 0x0f, 0x38, 0xf6, 0xc3),
		F("adox eax, ebx", 4, 0xf3, 0x0f, 0x38, 0xf6, 0xc3),
		F("adox rax, rbx", 8, 0xf3, 0x48, 0x0f, 0x38, 0xf6, 0xc3),
	};
	for (unsigned j = 0; j < 4; j++)
		gen(adx[j].text, adx[j].code, adx[j].len, adx[j].size, m_all, 8, fl_mix, 6);
}

static void misc_forms(void)
{
	static const u64 fl_any[] = { 0, ALL6, CF, ZF, SF, OF, PF, SF | OF, CF | ZF, ZF | SF | OF };
	static const char *cc[] = { "o", "no", "b", "nb", "z", "nz", "be", "nbe",
				    "s", "ns", "p", "np", "l", "nl", "le", "nle" };
	char t[64];
	for (int k = 0; k < 16; k++) {
		u8 set[] = { 0x0f, (u8)(0x90 + k), 0xc3 };
		u8 cmov[] = { 0x0f, (u8)(0x40 + k), 0xc3 };
		u8 cmov64[] = { 0x48, 0x0f, (u8)(0x40 + k), 0xc3 };
		snprintf(t, sizeof(t), "set%s bl", cc[k]);
		gen(t, set, 3, 1, m_all, 5, fl_any, 10);
		snprintf(t, sizeof(t), "cmov%s eax, ebx", cc[k]);
		gen(t, cmov, 3, 4, m_all, 5, fl_any, 10);
		snprintf(t, sizeof(t), "cmov%s rax, rbx", cc[k]);
		gen(t, cmov64, 4, 8, m_all, 2, fl_any, 10);
	}
	struct form f[] = {
		F("movzx eax, bl", 4, 0x0f, 0xb6, 0xc3), F("movzx eax, bh", 4, 0x0f, 0xb6, 0xc7),
		F("movzx rax, bx", 8, 0x48, 0x0f, 0xb7, 0xc3), F("movzx ax, bl", 2, 0x66, 0x0f, 0xb6, 0xc3),
		F("movsx eax, bl", 4, 0x0f, 0xbe, 0xc3), F("movsx rax, bx", 8, 0x48, 0x0f, 0xbf, 0xc3),
		F("movsx ax, bl", 2, 0x66, 0x0f, 0xbe, 0xc3), F("movsxd rax, ebx", 8, 0x48, 0x63, 0xc3),
		F("movsxd eax, ebx", 4, 0x63, 0xc3),
		F("cbw", 2, 0x66, 0x98), F("cwde", 4, 0x98), F("cdqe", 8, 0x48, 0x98),
		F("cwd", 2, 0x66, 0x99), F("cdq", 4, 0x99), F("cqo", 8, 0x48, 0x99),
		F("clc", 4, 0xf8), F("stc", 4, 0xf9), F("cmc", 4, 0xf5),
		F("lahf", 4, 0x9f), F("sahf", 4, 0x9e),
		F("xchg ebx, eax", 4, 0x87, 0xc3), F("xchg bl, ah", 1, 0x86, 0xe3),
		F("xchg rbx, rax", 8, 0x48, 0x87, 0xc3), F("xchg eax, ebx (90+r)", 4, 0x93),
		F("xchg eax, eax (87 c0)", 4, 0x87, 0xc0),
		F("xadd ebx, eax", 4, 0x0f, 0xc1, 0xc3), F("xadd bl, al", 1, 0x0f, 0xc0, 0xc3),
		F("xadd rbx, rax", 8, 0x48, 0x0f, 0xc1, 0xc3), F("xadd eax, eax", 4, 0x0f, 0xc1, 0xc0),
		F("cmpxchg ebx, ecx", 4, 0x0f, 0xb1, 0xcb), F("cmpxchg bl, cl", 1, 0x0f, 0xb0, 0xcb),
		F("cmpxchg rbx, rcx", 8, 0x48, 0x0f, 0xb1, 0xcb), F("cmpxchg bx, cx", 2, 0x66, 0x0f, 0xb1, 0xcb),
	};
	for (unsigned j = 0; j < sizeof(f) / sizeof(f[0]); j++)
		gen(f[j].text, f[j].code, f[j].len, f[j].size, m_all, 6, fl_any, 10);
	/* CMPXCHG equal case */
	struct form e[] = {
		F("cmpxchg ebx, ecx (equal)", 4, 0x0f, 0xb1, 0xcb),
		F("cmpxchg rbx, rcx (equal)", 8, 0x48, 0x0f, 0xb1, 0xcb),
	};
	for (unsigned j = 0; j < 2; j++) {
		struct st in, out;
		for (int r = 0; r < 6; r++)
			in.r[r] = pick();
		in.r[1] = in.r[0] | 0xabcd000000000000ull;
		in.fl = 0x202;
		out = in;
		int vec = run(e[j].code, e[j].len, &out);
		emit(e[j].text, e[j].code, e[j].len, &in, vec, &out, ALL6);
	}
}

/* appended after the first freeze: new templates go last so that the rows
 * above keep their random inputs */
static void crc_forms(void)
{
	struct form f[] = {
		F("crc32 eax, bl", 4, 0xf2, 0x0f, 0x38, 0xf0, 0xc3),
		F("crc32 eax, bx", 4, 0x66, 0xf2, 0x0f, 0x38, 0xf1, 0xc3),
		F("crc32 eax, ebx", 4, 0xf2, 0x0f, 0x38, 0xf1, 0xc3),
		F("crc32 rax, rbx", 8, 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc3),
		F("crc32 rax, bl", 8, 0xf2, 0x48, 0x0f, 0x38, 0xf0, 0xc3),
	};
	for (unsigned j = 0; j < sizeof(f) / sizeof(f[0]); j++)
		gen(f[j].text, f[j].code, f[j].len, f[j].size, m_all, 4, fl_mix, 6);
}

int main(void)
{
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	memcpy(buf, tramp_start, (size_t)(tramp_end - tramp_start));
	printf("/* tests/unit/vectors/alu64.inc: GENERATED by gen_alu_vectors.c on an x86-64 host,\n"
	       " * then frozen. 64-bit mode, register operands. See that file for the row layout. */\n"
	       "/* clang-format off */\n");
	alu_forms();
	shift_forms();
	muldiv_forms();
	bit_forms();
	bmi_forms();
	misc_forms();
	crc_forms();
	printf("/* clang-format on */\n");
	return 0;
}
