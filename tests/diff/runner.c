/* tests/diff/runner.c: T2 differential tests against the host CPU.
 *
 *   cpu_diff [-n CASES] [-seed S] [-form SUBSTRING] [-case N] [-v] [-record]
 *            [-check-vectors] [-skip-known] [-ac] [-list]
 *
 * For every form in forms.def and sse_forms.def, CASES random cases
 * (NESTBOX_DIFF_CASES or -n; fixed seed unless -seed) run natively and in
 * nestbox, comparing GPRs, RFLAGS, XMM0-15, MM0-7, MXCSR, memory and the
 * exception; one line per form: "PASS: diff <form>" or "FAIL: diff <form>:
 * <first mismatch>". Then every frozen vector in vectors.inc and
 * sse_vectors.inc is replayed in nestbox against its recorded host result
 * ("PASS/FAIL: diff vector ..."), which works on any host. -record prints a
 * vectors.inc row (an sse_vectors.inc SV row for SSE forms) for each form's
 * first mismatch (with -case N: for that case even if it matches). -skip-known skips cases
 * that hit an open bug listed in MISMATCHES.md (to look for other ones).
 * -ac starts 10% of cases with RFLAGS.AC=1 (alignment checking, #AC).
 * On a host that is not x86-64 Linux: one "SKIP:" line (and the vectors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "gen.h"

#if defined(__x86_64__) && defined(__linux__)
#define DIFF_NATIVE 1
#else
#define DIFF_NATIVE 0
#endif

/* --- case contents shared by both sides (fixed: frozen vectors use them) --- */
void diff_fill(const struct diff_case *k, u8 *mem)
{
	u64 s = k->mem_seed;
	for (unsigned i = 0; i < DIFF_DATA_SIZE; i += 8)
		store_le64(mem + i, diff_splitmix(&s));
	for (unsigned p = 0; p < k->npatch; p++)
		if (k->patch[p].off + k->patch[p].len <= DIFF_DATA_SIZE)
			memcpy(mem + k->patch[p].off, k->patch[p].bytes, k->patch[p].len);
}

/* "jmp [rip+d]; .quad target" at page + at, the quad 8-byte aligned (no #AC
 * when the test leaves RFLAGS.AC set); returns false if it does not fit */
static bool put_stub(u8 *page, unsigned at, u64 target)
{
	unsigned q = (at + 6 + 7) & ~7u;
	if (q + 8 > DIFF_PAGE)
		return false;
	page[at] = 0xff;
	page[at + 1] = 0x25;
	store_le32(page + at + 2, q - (at + 6));
	store_le64(page + q, target);
	return true;
}

/* int3 filler; the instruction at DIFF_INSN_OFF (or k->insn_off); exit
 * stubs after it and (branch forms) at DIFF_TAKEN_OFF */
void diff_code_page(const struct diff_case *k, u8 *page, u64 exit_fall, u64 exit_taken)
{
	unsigned at = k->insn_off ? k->insn_off : DIFF_INSN_OFF, n = k->len;
	memset(page, 0xcc, DIFF_PAGE);
	if (at >= DIFF_PAGE)
		return;
	if (at + n > DIFF_PAGE) /* runs into the next (not-present) page */
		n = DIFF_PAGE - at;
	memcpy(page + at, k->code, n);
	put_stub(page, at + k->len, exit_fall);
	if (k->taken_stub && (at + k->len + 24 <= DIFF_TAKEN_OFF || at >= DIFF_TAKEN_OFF + 24))
		put_stub(page, DIFF_TAKEN_OFF, exit_taken);
}

static const char *const reg_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static void fmt_vec(char *buf, size_t n, u8 vec, u32 err)
{
	if (vec == DIFF_NO_FAULT)
		snprintf(buf, n, "no exception");
	else if (vec == 0xfe)
		snprintf(buf, n, "triple fault");
	else if (vec == 0xfd)
		snprintf(buf, n, "an event with a bad stack frame");
	else
		snprintf(buf, n, "vector %u (err %#x)", vec, err);
}

/* Compare nestbox (got) with the host (exp). Returns 0, or 1 with a
 * one-line description of the first difference in why. */
static int diff_compare(const struct diff_case *k, const struct diff_out *exp,
			const struct diff_out *got, char *why, size_t n)
{
	char a[64], b[64];
	if (exp->vec != got->vec || (exp->vec != DIFF_NO_FAULT && exp->err != got->err)) {
		fmt_vec(a, sizeof(a), exp->vec, exp->err);
		fmt_vec(b, sizeof(b), got->vec, got->err);
		snprintf(why, n, "exception: expected %s, got %s", a, b);
		return 1;
	}
	if (exp->vec == 14 && exp->cr2 != got->cr2) {
		snprintf(why, n, "#PF CR2: expected %#llx, got %#llx", (unsigned long long)exp->cr2,
			 (unsigned long long)got->cr2);
		return 1;
	}
	if (exp->rip != got->rip) {
		snprintf(why, n, "rip: expected %#llx, got %#llx", (unsigned long long)exp->rip,
			 (unsigned long long)got->rip);
		return 1;
	}
	for (int r = 0; r < 16; r++) {
		if ((k->undef & DIFF_UD_DEST_REG) && r == k->dest_reg)
			continue;
		if ((k->undef & DIFF_UD_DEST_RM) && r == k->dest_rm)
			continue;
		if (exp->r.gpr[r] != got->r.gpr[r]) {
			snprintf(why, n, "%s: expected %#llx, got %#llx (input %#llx)", reg_names[r],
				 (unsigned long long)exp->r.gpr[r], (unsigned long long)got->r.gpr[r],
				 (unsigned long long)k->in.gpr[r]);
			return 1;
		}
	}
	for (int r = 0; r < 16; r++)
		if (exp->r.xmm[r][0] != got->r.xmm[r][0] || exp->r.xmm[r][1] != got->r.xmm[r][1]) {
			snprintf(why, n, "xmm%d: expected %016llx_%016llx, got %016llx_%016llx", r,
				 (unsigned long long)exp->r.xmm[r][1], (unsigned long long)exp->r.xmm[r][0],
				 (unsigned long long)got->r.xmm[r][1], (unsigned long long)got->r.xmm[r][0]);
			return 1;
		}
	for (int r = 0; r < 8; r++)
		if (exp->r.mm[r] != got->r.mm[r]) {
			snprintf(why, n, "mm%d: expected %#llx, got %#llx", r,
				 (unsigned long long)exp->r.mm[r], (unsigned long long)got->r.mm[r]);
			return 1;
		}
	if (exp->r.mxcsr != got->r.mxcsr) {
		snprintf(why, n, "mxcsr: expected %#x, got %#x (input %#x)", exp->r.mxcsr,
			 got->r.mxcsr, k->in.mxcsr);
		return 1;
	}
	u64 mask = DIFF_FLAGS_CMP & ~k->undef;
	if ((exp->r.rflags ^ got->r.rflags) & mask) {
		snprintf(why, n, "rflags: expected %#llx, got %#llx (compared bits %#llx, input %#llx)",
			 (unsigned long long)(exp->r.rflags & mask),
			 (unsigned long long)(got->r.rflags & mask), (unsigned long long)mask,
			 (unsigned long long)k->in.rflags);
		return 1;
	}
	if (!(k->undef & DIFF_UD_MEM))
		for (unsigned i = 0; i < DIFF_DATA_SIZE; i++)
			if (exp->mem[i] != got->mem[i]) {
				snprintf(why, n, "memory at %#llx: expected %02x, got %02x",
					 (unsigned long long)(DIFF_DATA_VA + i), exp->mem[i], got->mem[i]);
				return 1;
			}
	return 0;
}

static void fmt_bytes(char *buf, size_t n, const u8 *p, unsigned len)
{
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < len && o + 4 < n; i++)
		o += (size_t)snprintf(buf + o, n - o, i ? " %02x" : "%02x", p[i]);
}

static void dump_state(const char *tag, const struct diff_regs *r)
{
	printf("  %s:", tag);
	for (int i = 0; i < 16; i++)
		printf("%s %s=%#llx", i % 4 ? "" : "\n   ", reg_names[i], (unsigned long long)r->gpr[i]);
	printf("\n    rflags=%#llx mxcsr=%#x\n", (unsigned long long)r->rflags, r->mxcsr);
	for (int i = 0; i < 16; i++)
		printf("%sxmm%d=%016llx_%016llx", i % 2 ? " " : "\n    ", i,
		       (unsigned long long)r->xmm[i][1], (unsigned long long)r->xmm[i][0]);
	for (int i = 0; i < 8; i++)
		printf("%smm%d=%016llx", i % 4 ? " " : "\n    ", i, (unsigned long long)r->mm[i]);
	printf("\n");
}

__attribute__((unused)) /* only with a native side */
static void dump_out(const char *tag, const struct diff_out *o)
{
	char v[64];
	fmt_vec(v, sizeof(v), o->vec, o->err);
	printf("  %s: %s, rip %#llx, cr2 %#llx\n", tag, v, (unsigned long long)o->rip,
	       (unsigned long long)o->cr2);
	dump_state(tag, &o->r);
}

/* --- frozen vectors (vectors.inc) --- */
struct vector {
	const char *name, *code;
	u8 taken;
	u64 in[16], rflags, mem_seed;
	const char *patches;
	u64 undef;
	u8 dest_reg, dest_rm, vec;
	u32 err;
	u64 cr2, rip, out[16], out_rflags;
	const char *memdiff;
};

#define R(...) { __VA_ARGS__ }
static const struct vector vectors[] = {
#define V(name, code, taken, in, rfl, seed, patches, undef, dreg, drm, vec, err, cr2, rip, out, \
	  orfl, memdiff)                                                                     \
	{ name, code, taken, in, rfl, seed, patches, undef, dreg, drm, vec, err, cr2, rip, out, \
	  orfl, memdiff },
#include "vectors.inc"
#undef V
	{ NULL, NULL, 0, { 0 }, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, { 0 }, 0, NULL },
};

/* SSE vectors (sse_vectors.inc): the integer row plus the SIMD state in
 * and out: XMM0-15 as 32 quadwords (low, high), MM0-7, MXCSR */
struct svector {
	const char *name, *code;
	u64 in[16], rflags, mem_seed;
	const char *patches;
	u64 xin[32], mmin[8];
	u32 mxin;
	u8 vec;
	u32 err;
	u64 cr2, rip, out[16], out_rflags, xout[32], mmout[8];
	u32 mxout;
	const char *memdiff;
};

static const struct svector svectors[] = {
#define SV(name, code, in, rfl, seed, patches, xin, mmin, mxin, vec, err, cr2, rip, out, orfl, \
	   xout, mmout, mxout, memdiff)                                                       \
	{ name, code, in, rfl, seed, patches, xin, mmin, mxin, vec, err, cr2, rip, out, orfl,   \
	  xout, mmout, mxout, memdiff },
#include "sse_vectors.inc"
#undef SV
	{ NULL, NULL, { 0 }, 0, 0, NULL, { 0 }, { 0 }, 0, 0, 0, 0, 0, { 0 }, 0, { 0 }, { 0 }, 0, NULL },
};

static unsigned parse_hex(const char *s, u8 *out, unsigned max)
{
	unsigned n = 0;
	while (*s && n < max) {
		while (*s == ' ')
			s++;
		if (!*s || *s == ',')
			break;
		out[n++] = (u8)strtoul(s, (char **)&s, 16);
	}
	return n;
}

/* "off:bytes,off:bytes" -> callback per run */
static void parse_runs(const char *s, void (*fn)(void *, unsigned, const u8 *, unsigned), void *arg)
{
	while (s && *s) {
		char *end;
		unsigned off = (unsigned)strtoul(s, &end, 16);
		u8 bytes[64];
		if (*end != ':')
			return;
		unsigned n = parse_hex(end + 1, bytes, sizeof(bytes));
		fn(arg, off, bytes, n);
		s = strchr(end, ',');
		if (s)
			s++;
	}
}

static void add_patch(void *arg, unsigned off, const u8 *b, unsigned n)
{
	struct diff_case *k = arg;
	if (k->npatch < ARRAY_SIZE(k->patch) && n <= sizeof(k->patch[0].bytes)) {
		k->patch[k->npatch].off = (u16)off;
		k->patch[k->npatch].len = (u8)n;
		memcpy(k->patch[k->npatch].bytes, b, n);
		k->npatch++;
	}
}

static void apply_run(void *arg, unsigned off, const u8 *b, unsigned n)
{
	u8 *mem = arg;
	if (off + n <= DIFF_DATA_SIZE)
		memcpy(mem + off, b, n);
}

static void vector_load(const struct vector *v, struct diff_case *k, struct diff_out *exp)
{
	const char *code = v->code;
	memset(k, 0, sizeof(*k));
	if (*code == '@') { /* "@off bytes": instruction offset in the code page */
		char *end;
		k->insn_off = (u16)strtoul(code + 1, &end, 16);
		code = end;
	}
	k->len = (u8)parse_hex(code, k->code, sizeof(k->code));
	k->taken_stub = v->taken;
	memcpy(k->in.gpr, v->in, sizeof(k->in.gpr));
	k->in.rflags = v->rflags;
	k->mem_seed = v->mem_seed;
	parse_runs(v->patches, add_patch, k);
	k->undef = v->undef;
	k->dest_reg = v->dest_reg;
	k->dest_rm = v->dest_rm;
	memset(exp, 0, sizeof(*exp));
	exp->vec = v->vec;
	exp->err = v->err;
	exp->cr2 = v->cr2;
	exp->rip = v->rip;
	memcpy(exp->r.gpr, v->out, sizeof(exp->r.gpr));
	exp->r.rflags = v->out_rflags;
	k->in.mxcsr = exp->r.mxcsr = 0x1f80; /* integer rows: SIMD state at reset */
	diff_fill(k, exp->mem);
	parse_runs(v->memdiff, apply_run, exp->mem);
}

static void svector_load(const struct svector *v, struct diff_case *k, struct diff_out *exp)
{
	const struct vector iv = {
		v->name, v->code, 0, { 0 }, v->rflags, v->mem_seed, v->patches, 0, 0, 0, v->vec,
		v->err, v->cr2, v->rip, { 0 }, v->out_rflags, v->memdiff,
	};
	vector_load(&iv, k, exp);
	memcpy(k->in.gpr, v->in, sizeof(k->in.gpr));
	memcpy(exp->r.gpr, v->out, sizeof(exp->r.gpr));
	memcpy(k->in.xmm, v->xin, sizeof(k->in.xmm));
	memcpy(k->in.mm, v->mmin, sizeof(k->in.mm));
	k->in.mxcsr = v->mxin;
	memcpy(exp->r.xmm, v->xout, sizeof(exp->r.xmm));
	memcpy(exp->r.mm, v->mmout, sizeof(exp->r.mm));
	exp->r.mxcsr = v->mxout;
}

static void print_u64s(const u64 *p, unsigned n)
{
	printf("R(");
	for (unsigned i = 0; i < n; i++)
		printf("%s%#llx", i ? ", " : "", (unsigned long long)p[i]);
	printf(")");
}

/* the bytes of the data area the case changed, as "off:bytes,..." and the
 * closing of a vectors row */
__attribute__((unused)) /* only with a native side */
static void print_mem_changes(const struct diff_case *k, const struct diff_out *exp)
{
	static u8 init[DIFF_DATA_SIZE];

	diff_fill(k, init);
	bool first = true;
	for (unsigned i = 0; i < DIFF_DATA_SIZE;) {
		if (init[i] == exp->mem[i]) {
			i++;
			continue;
		}
		unsigned j = i;
		while (j < DIFF_DATA_SIZE && j - i < 32 && init[j] != exp->mem[j])
			j++;
		char b[100];
		fmt_bytes(b, sizeof(b), exp->mem + i, j - i);
		printf("%s%x:%s", first ? "" : ",", i, b);
		first = false;
		i = j;
	}
	printf("\")\n");
}

/* print a vectors.inc row for case k with host result exp */
__attribute__((unused)) /* only with a native side */
static void vector_record(const char *name, const struct diff_case *k, const struct diff_out *exp)
{
	char code[80];
	fmt_bytes(code, sizeof(code), k->code, k->len);
	printf("V(\"%s\", \"", name);
	if (k->insn_off)
		printf("@%x ", k->insn_off);
	printf("%s\", %u,\n  R(", code, k->taken_stub);
	for (int r = 0; r < 16; r++)
		printf("%s%#llx", r ? ", " : "", (unsigned long long)k->in.gpr[r]);
	printf("),\n  %#llx, %#llx, \"", (unsigned long long)k->in.rflags,
	       (unsigned long long)k->mem_seed);
	for (unsigned p = 0; p < k->npatch; p++) {
		char b[32];
		fmt_bytes(b, sizeof(b), k->patch[p].bytes, k->patch[p].len);
		printf("%s%x:%s", p ? "," : "", k->patch[p].off, b);
	}
	printf("\", %#llx, %u, %u,\n  %u, %#x, %#llx, %#llx,\n  R(", (unsigned long long)k->undef,
	       k->dest_reg, k->dest_rm, exp->vec, exp->err, (unsigned long long)exp->cr2,
	       (unsigned long long)exp->rip);
	for (int r = 0; r < 16; r++)
		printf("%s%#llx", r ? ", " : "", (unsigned long long)exp->r.gpr[r]);
	printf("),\n  %#llx, \"", (unsigned long long)exp->r.rflags);
	print_mem_changes(k, exp);
}

/* print a sse_vectors.inc row (forms with F_SSE) */
__attribute__((unused)) /* only with a native side */
static void svector_record(const char *name, const struct diff_case *k, const struct diff_out *exp)
{
	char code[80];
	fmt_bytes(code, sizeof(code), k->code, k->len);
	printf("SV(\"%s\", \"", name);
	if (k->insn_off)
		printf("@%x ", k->insn_off);
	printf("%s\",\n  ", code);
	print_u64s(k->in.gpr, 16);
	printf(",\n  %#llx, %#llx, \"", (unsigned long long)k->in.rflags,
	       (unsigned long long)k->mem_seed);
	for (unsigned p = 0; p < k->npatch; p++) {
		char b[32];
		fmt_bytes(b, sizeof(b), k->patch[p].bytes, k->patch[p].len);
		printf("%s%x:%s", p ? "," : "", k->patch[p].off, b);
	}
	printf("\",\n  ");
	print_u64s(&k->in.xmm[0][0], 32);
	printf(",\n  ");
	print_u64s(k->in.mm, 8);
	printf(", %#x,\n  %u, %#x, %#llx, %#llx,\n  ", k->in.mxcsr, exp->vec, exp->err,
	       (unsigned long long)exp->cr2, (unsigned long long)exp->rip);
	print_u64s(exp->r.gpr, 16);
	printf(",\n  %#llx,\n  ", (unsigned long long)exp->r.rflags);
	print_u64s(&exp->r.xmm[0][0], 32);
	printf(",\n  ");
	print_u64s(exp->r.mm, 8);
	printf(", %#x, \"", exp->r.mxcsr);
	print_mem_changes(k, exp);
}

/* replay one frozen vector in nestbox (and, with check_native, on this host);
 * returns 1 on a mismatch */
static int check_vector(const char *name, const struct diff_case *k, const struct diff_out *exp,
			bool check_native)
{
	static struct diff_out got;
	char why[256], code[80];
	UNUSED(check_native);
	fmt_bytes(code, sizeof(code), k->code, k->len);
#if DIFF_NATIVE
	if (check_native) {
		native_run(k, &got);
		if (diff_compare(k, exp, &got, why, sizeof(why)))
			printf("INFO: vector %s [%s] disagrees with this host: %s\n", name, code, why);
	}
#endif
	emu_run(k, &got);
	if (diff_compare(k, exp, &got, why, sizeof(why))) {
		printf("FAIL: diff vector %s [%s]: %s\n", name, code, why);
		return 1;
	}
	printf("PASS: diff vector %s [%s]\n", name, code);
	return 0;
}

static int run_vectors(bool check_native)
{
	static struct diff_case k;
	static struct diff_out exp;
	int fails = 0;
	for (const struct vector *v = vectors; v->name; v++) {
		vector_load(v, &k, &exp);
		fails += check_vector(v->name, &k, &exp, check_native);
	}
	for (const struct svector *v = svectors; v->name; v++) {
		svector_load(v, &k, &exp);
		fails += check_vector(v->name, &k, &exp, check_native);
	}
	return fails;
}

struct opts {
	unsigned cases;
	u64 seed;
	const char *form;
	long one_case;
	bool verbose, record, check_vectors, list, skip_known;
};

__attribute__((unused)) /* only with a native side */
static u64 case_seed(u64 seed, unsigned fi, unsigned ci)
{
	u64 s = seed ^ ((u64)fi << 32) ^ ci;
	diff_splitmix(&s);
	return s;
}

#if DIFF_NATIVE
static int run_form(unsigned fi, const struct opts *o)
{
	static struct diff_case k;
	static struct diff_out exp, got;
	const struct form *f = &diff_forms[fi];
	unsigned n = (f->fl & F_FEW) && o->cases > 8 ? 8 : o->cases, bad = 0;
	char why[256], first[400] = "";

	bool model_has = emu_has(f->feat);
	if (!native_has(f->feat)) {
		printf("SKIP: diff %s (host CPU lacks the feature)\n", f->name);
		return 0;
	}
	for (unsigned ci = 0; ci < n; ci++) {
		if (o->one_case >= 0 && ci != (unsigned)o->one_case)
			continue;
		u64 rng = case_seed(o->seed, fi, ci);
		gen_case(f, &rng, &k);
		if (o->skip_known && (k.tags & DIFF_TAG_A32_NOBASE_REXB))
			continue;
		native_run(&k, &exp);
		/* SDM: an unadvertised extension is #UD (a decode fault: a fetch
		 * #PF or the 15-byte #GP the host raised comes first or ties) */
		if (!model_has && !(exp.vec == 14 && (exp.err & 0x10)) &&
		    !(exp.vec == 13 && k.len > 15)) {
			exp.vec = 6;
			exp.err = 0;
			exp.rip = diff_insn_va(&k);
			exp.r = k.in;
			diff_fill(&k, exp.mem);
		}
		emu_run(&k, &got);
		int d = diff_compare(&k, &exp, &got, why, sizeof(why));
		if (o->verbose) {
			char code[80];
			fmt_bytes(code, sizeof(code), k.code, k.len);
			printf("case %u [%s] undef %#llx: %s\n", ci, code, (unsigned long long)k.undef,
			       d ? why : "same");
			dump_state("input", &k.in);
			dump_out("host", &exp);
			dump_out("nestbox", &got);
		}
		if (o->record && o->one_case >= 0 && !d)
			((f->fl & F_SSE) ? svector_record : vector_record)(f->name, &k, &exp); /* -case N -record: freeze it anyway */
		if (!d)
			continue;
		if (!bad++) {
			char code[80];
			fmt_bytes(code, sizeof(code), k.code, k.len);
			snprintf(first, sizeof(first), "[%s] %s (case %u)", code, why, ci);
			if (o->record)
				((f->fl & F_SSE) ? svector_record : vector_record)(f->name, &k, &exp);
		}
	}
	if (bad)
		printf("FAIL: diff %s: %u/%u cases differ; first: %s\n", f->name, bad, n, first);
	else if (!model_has)
		printf("PASS: diff %s (#UD: the CPU model does not advertise it)\n", f->name);
	else
		printf("PASS: diff %s\n", f->name);
	return bad != 0;
}
#endif

static int parse_args(int argc, char **argv, struct opts *o)
{
	const char *env = getenv("NESTBOX_DIFF_CASES");
	o->cases = env ? (unsigned)strtoul(env, NULL, 0) : 200;
	o->seed = 0x6e657374626f78ull; /* "nestbox" */
	o->one_case = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "-n") && more)
			o->cases = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "-seed") && more)
			o->seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "-form") && more)
			o->form = argv[++i];
		else if (!strcmp(a, "-case") && more)
			o->one_case = strtol(argv[++i], NULL, 0);
		else if (!strcmp(a, "-v"))
			o->verbose = true;
		else if (!strcmp(a, "-record"))
			o->record = true;
		else if (!strcmp(a, "-check-vectors"))
			o->check_vectors = true;
		else if (!strcmp(a, "-ac"))
			gen_ac_pct = 10;
		else if (!strcmp(a, "-skip-known"))
			o->skip_known = true;
		else if (!strcmp(a, "-list"))
			o->list = true;
		else {
			fprintf(stderr, "usage: %s [-n CASES] [-seed S] [-form SUBSTRING] [-case N] "
					"[-v] [-record] [-check-vectors] [-skip-known] [-ac] [-list]\n", argv[0]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	char err[200];
	int fails = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.list) {
		for (unsigned fi = 0; fi < diff_nforms; fi++)
			printf("%s\n", diff_forms[fi].name);
		return 0;
	}
	if (emu_init(err, sizeof(err)) < 0) {
		printf("FAIL: diff tier: %s\n", err);
		return 1;
	}
#if DIFF_NATIVE
	if (native_init(err, sizeof(err)) < 0) {
		printf("SKIP: diff tier (%s)\n", err);
	} else {
		for (unsigned fi = 0; fi < diff_nforms; fi++)
			if (!o.form || strstr(diff_forms[fi].name, o.form))
				fails += run_form(fi, &o);
	}
#else
	printf("SKIP: diff tier (host is not x86-64 Linux)\n");
#endif
	if (!o.form)
		fails += run_vectors(o.check_vectors);
	/* no emu_free(): machine_free() does not free the LAPIC yet, and LSan
	 * would fail the run for it; the process exits here anyway */
	return fails ? 1 : 0;
}
