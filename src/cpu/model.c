/* cpu/model.c: CPU models as data. A model is a set of CPUID leaves; the
 * feature bitmap used by cpu_has() is derived from those leaves, so CPUID is
 * the single source of truth. "-cpu NAME[,+feat,-feat,feat=on|off,prop=val]"
 * follows QEMU's spelling (target/i386 "-cpu help").
 *
 * Leaf layouts: SDM Vol.2A "CPUID—CPU Identification". */
#include "cpu/model.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bits.h"
#include "base/compiler.h"
#include "base/log.h"
#include "cpu/arch.h"
#include "cpu/fpu/sse_features.h"
#include "cpu/fpu/xsave_features.h"
#include "cpu/system/hyperv.h"
#include "cpu/system/pmu.h"

struct feat_desc {
	const char *name;
	u32 leaf, sub;
	u8 reg, bit;
};

static const struct feat_desc feat_table[FEAT_NR] = {
#define FEAT(n, l, s, r, b) [FEAT_##n] = { #n, l, s, r, b },
#include "cpu/features.def"
};

/* flags QEMU knows that are not CPUID bits nestbox could advertise (feature
 * MSR bits, KVM's paravirtual leaf): accepted and dropped with a warning */
static const struct {
	const char *name, *where;
} qfeat_table[] = {
#define QFEAT(n, where) { #n, where },
#include "cpu/features.def"
};

/* What nestbox implements; "max" advertises exactly this set and every
 * other model is intersected with it (a feature a model does not advertise
 * must behave as absent: PLATFORM.md "CPU models").
 *  - fpu fxsr sse sse2: compiled 64-bit code assumes them; advertised on the
 *    strength of the x87/SSE engineer's work (cpu/exec_x87*.c, exec_sse*.c).
 *  - mmx, sse3+, avx: not advertised until those instructions exist.
 *  - vme: not advertised until INT n redirection in virtual-8086 mode exists
 *    (PUSHF/POPF/CLI/STI already follow CR4.VME, cpu/system/exec_sys_flags.c).
 *  - vmx: VMX (vmx/): implemented, but opt-in (below); what its
 *    capability MSRs offer is vmx/caps.c's vmx_implemented[].
 *  - svm: SVM (svm/): implemented, but opt-in like vmx (below). Its
 *    sub-features (leaf 0x8000000A EDX) are listed as each lands:
 *    nrip_save (#VMEXIT writes nRIP: svm/vmexit.c), vmcb_clean (the clean
 *    bits are honoured by ignoring them -- every VMRUN reloads everything,
 *    which APM "VMCB Clean Bits" allows), svm_lock (VM_CR.LOCK and SVM_KEY:
 *    svm/svm.c), npt (nested paging: svm/npt.c), flushbyasid (TLB_CONTROL
 *    03h/07h: svm/npt.c), vgif, vnmi (svm/intr.c), decodeassists
 *    (EXITINFO1 of the CR/DR/INTn/INVLPG/INVLPGA/IOIO intercepts and the
 *    guest instruction bytes: svm/intercept.c), pause_filter and
 *    pfthreshold (the PAUSE filter count and threshold: svm/intercept.c),
 *    lbrv (LBR virtualization: svm/vmrun.c, svm/vmexit.c), tsc_scale
 *    (TSC_RATIO in guest mode: svm/svm.c svm_guest_tsc), v_vmsave_vmload
 *    (virtual VMLOAD/VMSAVE: svm/insn.c).
 *    The leaf reads zero without svm.
 *  - xsave xsaveopt xsavec xgetbv1 (XSAVE_IMPLEMENTED): XSAVE/XSAVEOPT/
 *    XSAVEC/XRSTOR for x87 and SSE state (cpu/fpu/exec_xsave.c), XGETBV/XSETBV
 *    (exec_sys.c), leaf 0xd below; not xsaves (no IA32_XSS).
 *  - pku pks: protection keys (cpu/system/pkeys.c); with XSAVE, PKRU is
 *    state component 9 (cpu/fpu/exec_xsave.c).
 *  - pdcm: IA32_PERF_CAPABILITIES of the Intel PMU (cpu/system/pmu.c).
 *  - integer extensions (movbe popcnt bmi1 bmi2 adx abm cx16 lahf_lm):
 *    cpu/exec_alu*.c, exec_bit.c; smep smap pcid: cpu/memory/mmu.c. */
static const char nestbox_implemented[] =
	"fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush fxsr sse sse2 "
	"monitor vmx cx16 pcid x2apic movbe popcnt tsc_deadline rdrand hypervisor "
	"fsgsbase tsc_adjust bmi1 smep bmi2 erms invpcid rdseed adx smap clflushopt umip rdpid "
	"spec_ctrl stibp ssbd arch_capabilities md_clear "
	"lahf_lm abm syscall nx pdpe1gb rdtscp lm arat invtsc pku pks pdcm "
	"svm nrip_save vmcb_clean svm_lock npt flushbyasid vgif vnmi decodeassists pause_filter "
	"pfthreshold lbrv tsc_scale v_vmsave_vmload "
	SSE_IMPLEMENTED " " XSAVE_IMPLEMENTED;

/* Implemented, but advertised only when asked for ("-cpu max,+vmx"), as
 * QEMU's TCG "max" does: a model whose feature list is "*" leaves these
 * out (SVM likewise: -cpu max,+svm). VMX is young (VM entry, VM exits, the VMX instructions; no EPT,
 * no VPID yet); a guest that finds it should be one that wants it. */
static const char nestbox_opt_in[] = "vmx svm";

struct model_def {
	const char *name;
	const char *alias_of; /* an A() row: the model it names; NULL for M() */
	const char *vendor;   /* CPUID leaf 0 vendor string ("" for base) */
	u32 family, model, stepping;
	u32 level, xlevel;    /* CPUID leaf 0 / 0x80000000 EAX, before auto-raise */
	const char *model_id; /* the brand string (leaves 0x80000002-4) */
	const char *features; /* "*" = everything implemented */
	const char *desc;     /* as QEMU 7.2's -cpu help prints it */
};

static const struct model_def model_defs[] = {
#define M(n, v, f, m, s, lv, xl, id, feats, d) { n, NULL, v, f, m, s, lv, xl, id, feats, d },
#define A(n, target, d) { n, target, "", 0, 0, 0, 0, 0, "", "", d },
#include "cpu/models.def"
#undef M
#undef A
};

/* QEMU aliases that "_"/"-"/"." folding does not cover */
static const struct {
	const char *alias, *name;
} feat_aliases[] = {
	{ "pni", "sse3" }, { "pclmuldq", "pclmulqdq" }, { "xd", "nx" }, { "i64", "lm" },
	{ "ffxsr", "fxsr_opt" },
};

#define MAX_BASIC_LEAF 0xd
#define MAX_EXT_LEAF   0x80000008u
#define XSAVE_LEGACY_SIZE 576 /* 512-byte legacy region + 64-byte header */

static void err_set(char *err, unsigned errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err_set(char *err, unsigned errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Leaves whose output depends on ECX (SDM: "sub-leaf index"). */
static bool leaf_indexed(u32 leaf)
{
	return leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd || leaf == 0xf ||
	       leaf == 0x10 || leaf == 0x12 || leaf == 0x14 || leaf == 0x17 || leaf == 0x18 ||
	       leaf == 0x1f || leaf == 0x8000001d;
}

static struct cpuid_leaf *leaf_find(const struct cpu_model *m, u32 leaf, u32 sub)
{
	if (!leaf_indexed(leaf))
		sub = 0;
	for (int k = 0; k < m->nr_leaves; k++) {
		const struct cpuid_leaf *l = &m->leaves[k];
		if (l->leaf == leaf && l->subleaf == sub)
			return (struct cpuid_leaf *)l;
	}
	return NULL;
}

static struct cpuid_leaf *leaf_get(struct cpu_model *m, u32 leaf, u32 sub)
{
	struct cpuid_leaf *l = leaf_find(m, leaf, sub);

	if (l)
		return l;
	if (m->nr_leaves >= MODEL_MAX_LEAVES)
		die("cpu model: more than %d CPUID leaves", MODEL_MAX_LEAVES);
	l = &m->leaves[m->nr_leaves++];
	memset(l, 0, sizeof(*l));
	l->leaf = leaf;
	l->subleaf = leaf_indexed(leaf) ? sub : 0;
	return l;
}

static void leaf_set(struct cpu_model *m, u32 leaf, u32 sub, u32 a, u32 b, u32 c, u32 d)
{
	struct cpuid_leaf *l = leaf_get(m, leaf, sub);

	l->r[CPUID_EAX] = a;
	l->r[CPUID_EBX] = b;
	l->r[CPUID_ECX] = c;
	l->r[CPUID_EDX] = d;
}

static void feat_write(struct cpu_model *m, enum cpu_feature f, bool on)
{
	const struct feat_desc *d = &feat_table[f];
	struct cpuid_leaf *l = leaf_get(m, d->leaf, d->sub);

	if (on)
		l->r[d->reg] |= (u32)BIT(d->bit);
	else
		l->r[d->reg] &= ~(u32)BIT(d->bit);
}

static bool feat_read(const struct cpu_model *m, enum cpu_feature f)
{
	const struct feat_desc *d = &feat_table[f];
	const struct cpuid_leaf *l = leaf_find(m, d->leaf, d->sub);

	return l && (l->r[d->reg] & BIT(d->bit));
}

/* fold QEMU spellings: lower case, '-' and '.' become '_' */
static void feat_fold(char *dst, const char *src, size_t len)
{
	size_t k;

	for (k = 0; k + 1 < len && src[k]; k++) {
		char ch = (char)tolower((unsigned char)src[k]);
		dst[k] = (ch == '-' || ch == '.') ? '_' : ch;
	}
	dst[k] = 0;
}

/* features.def index for a QEMU feature name, or -1 */
static int feat_lookup(const char *name)
{
	char folded[48];

	feat_fold(folded, name, sizeof(folded));
	for (size_t k = 0; k < ARRAY_SIZE(feat_aliases); k++) {
		if (!strcmp(folded, feat_aliases[k].alias)) {
			snprintf(folded, sizeof(folded), "%s", feat_aliases[k].name);
			break;
		}
	}
	for (int f = 0; f < FEAT_NR; f++)
		if (!strcmp(folded, feat_table[f].name))
			return f;
	return -1;
}

/* parse a space-separated feature list into a bitmap; built-in data, so an
 * unknown name is a nestbox bug */
static void feat_list_bits(const char *list, u64 *bits)
{
	char name[48];
	const char *p = list;

	memset(bits, 0, sizeof(u64) * ((FEAT_NR + 63) / 64));
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = 0;
			int f = feat_lookup(name);
			if (f < 0)
				die("cpu model table names unknown feature '%s'", name);
			bits[f / 64] |= BIT(f % 64);
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

static bool bits_test(const u64 *bits, int f)
{
	return (bits[f / 64] >> (f % 64)) & 1;
}

static u32 signature(u32 family, u32 model, u32 stepping)
{
	/* SDM "CPUID—CPU Identification", Figure "Version Information Returned
	 * by CPUID in EAX": Extended Family/Model used for family 0FH / 06H. */
	u32 fam = family > 15 ? 15 : family;
	u32 ext_fam = family > 15 ? family - 15 : 0;

	return (stepping & 0xf) | ((model & 0xf) << 4) | (fam << 8) | (((model >> 4) & 0xf) << 16) |
	       (ext_fam << 20);
}

/* AMD-flavoured: AMD, and Hygon's AMD-derived parts (the AMD CPUID and
 * MSR behaviour: AMD APM) */
static bool vendor_is_amd(const char *v)
{
	return !strcmp(v, "AuthenticAMD") || !strcmp(v, "HygonGenuine");
}

/* the vendor string in leaf 0 (order EBX, EDX, ECX) and, on AMD-flavoured
 * models, in leaf 0x80000000 too (APM Vol.3 "CPUID Fn8000_0000") */
static void put_vendor(struct cpu_model *m, const char *v)
{
	char s[12] = { 0 };
	struct cpuid_leaf *l = leaf_get(m, 0, 0), *x = leaf_get(m, 0x80000000, 0);

	memcpy(s, v, strnlen(v, sizeof(s)));
	l->r[CPUID_EBX] = load_le32(s);
	l->r[CPUID_EDX] = load_le32(s + 4);
	l->r[CPUID_ECX] = load_le32(s + 8);
	m->vendor_amd = vendor_is_amd(v);
	x->r[CPUID_EBX] = m->vendor_amd ? l->r[CPUID_EBX] : 0;
	x->r[CPUID_EDX] = m->vendor_amd ? l->r[CPUID_EDX] : 0;
	x->r[CPUID_ECX] = m->vendor_amd ? l->r[CPUID_ECX] : 0;
}

static void put_brand(struct cpu_model *m, const char *brand)
{
	char buf[48] = { 0 };
	size_t n = strlen(brand);

	/* 48 bytes, NUL-padded; a 48-character model-id fills them all, as
	 * QEMU gives "Intel Core i7 9xx (Nehalem Core i7, IBRS update)" */
	memcpy(buf, brand, n < sizeof(buf) ? n : sizeof(buf));
	for (u32 k = 0; k < 3; k++)
		leaf_set(m, 0x80000002 + k, 0, load_le32(buf + 16 * k), load_le32(buf + 16 * k + 4),
			 load_le32(buf + 16 * k + 8), load_le32(buf + 16 * k + 12));
}

/* deterministic cache parameters, leaf 4 (Intel): type, level, ways,
 * line size, sets */
static void put_cache_leaf4(struct cpu_model *m, u32 sub, u32 type, u32 level, u32 ways, u32 sets)
{
	u32 eax = type | (level << 5) | BIT(8); /* self-initialising */
	u32 ebx = (63u) | ((ways - 1) << 22);   /* 64-byte lines, 1 partition */

	leaf_set(m, 4, sub, eax, ebx, sets - 1, level == 3 ? BIT(1) : 0);
}

static void model_base_leaves(struct cpu_model *m, const struct model_def *d)
{
	leaf_get(m, 0, 0)->r[CPUID_EAX] = MAX_BASIC_LEAF;
	/* leaf 1 EBX: CLFLUSH line size in 8-byte units (bits 15:8); the
	 * initial APIC ID (31:24) is filled per CPU by the CPUID instruction */
	leaf_set(m, 1, 0, signature(d->family, d->model, d->stepping), 8u << 8, 0, 0);
	/* leaf 2: descriptor 0xff = "use leaf 4" */
	leaf_set(m, 2, 0, 0x0000ff01, 0, 0, 0);
	put_cache_leaf4(m, 0, 1, 1, 8, 64);     /* L1d 32 KiB */
	put_cache_leaf4(m, 1, 2, 1, 8, 64);     /* L1i 32 KiB */
	put_cache_leaf4(m, 2, 3, 2, 8, 512);    /* L2 256 KiB */
	put_cache_leaf4(m, 3, 3, 3, 16, 16384); /* L3 16 MiB */
	leaf_set(m, 7, 0, 0, 0, 0, 0);
	/* leaf 0xb (x2APIC topology): one thread per core, all CPUs as cores of
	 * one package; counts and IDs are filled per CPU */
	leaf_set(m, 0xb, 0, 0, 1, 0 | (1u << 8), 0);
	leaf_set(m, 0xb, 1, 0, 1, 1 | (2u << 8), 0);
	leaf_set(m, 0x80000000, 0, MAX_EXT_LEAF, 0, 0, 0);
	put_vendor(m, d->vendor);
	leaf_set(m, 0x80000001, 0, signature(d->family, d->model, d->stepping), 0, 0, 0);
	/* leaf 0x80000006 ECX: L2 size KiB [31:16], associativity code 6 = 8-way, line 64 */
	leaf_set(m, 0x80000006, 0, 0, 0, (256u << 16) | (6u << 12) | 64, 0);
	leaf_set(m, 0x80000007, 0, 0, 0, 0, 0);
	m->phys_addr_bits = 40; /* QEMU's TCG default phys-bits */
	m->lin_addr_bits = 48;
}

/* Leaf 0xA, Intel's architectural performance monitoring (SDM CPUID
 * "Architectural Performance Monitoring Leaf"): cpu/system/pmu.def's
 * Intel row, on Intel-flavoured models unless -cpu ...,pmu=off, which
 * also drops PDCM (IA32_PERF_CAPABILITIES), as QEMU's property does. A
 * model whose level is below 0xA shows none of it. */
static void model_pmu_leaf(struct cpu_model *m)
{
	u32 r[4] = { 0 };

	if (!m->vendor_amd && !m->pmu_off)
		pmu_cpuid_leaf_a(r);
	leaf_set(m, 0xa, 0, r[CPUID_EAX], r[CPUID_EBX], r[CPUID_ECX], r[CPUID_EDX]);
	if (m->pmu_off)
		feat_write(m, FEAT_pdcm, false);
}

/* Leaves that follow from the feature bits (called after all edits). */
static void model_finish(struct cpu_model *m)
{
	/* leaf 5 (MONITOR/MWAIT): 64-byte monitor line; ECX[0] enumeration of
	 * extensions, ECX[1] interrupts as break events even when IF=0 */
	if (feat_read(m, FEAT_monitor))
		leaf_set(m, 5, 0, 64, 64, 3, 0);
	else
		leaf_set(m, 5, 0, 0, 0, 0, 0);
	/* leaf 6: ARAT is a feature row; the rest is zero */
	leaf_get(m, 6, 0);
	model_pmu_leaf(m);
	/* leaf 0xd (XSAVE): x87 and SSE state, and PKRU (component 9) with
	 * PKU; EBX of sub-leaves 0 and 1 is per CPU (XCR0: exec_sys.c) */
	if (feat_read(m, FEAT_xsave)) {
		u64 xcr0 = XSAVE_XCR0_SUPPORTED | (feat_read(m, FEAT_pku) ? XSAVE_PKRU : 0);
		leaf_set(m, 0xd, 0, (u32)xcr0, XSAVE_LEGACY_SIZE, xsave_std_size(xcr0),
			 (u32)(xcr0 >> 32));
		struct cpuid_leaf *l = leaf_get(m, 0xd, 1);
		l->r[CPUID_EAX] &= 0xf;
		/* SDM CPUID "Processor Extended State Enumeration Sub-leaf
		 * (EAX = 0DH, ECX = 1)": EBX is the size of the XSAVE area
		 * for all states enabled by XCR0 | IA32_XSS -- the compacted
		 * size XSAVEC uses too, with or without XSAVES (Linux sizes
		 * its XSAVEC buffers from it); x87 + SSE: 576 */
		l->r[CPUID_EBX] = XSAVE_LEGACY_SIZE;
		/* "Processor Extended State Enumeration Sub-leaves (EAX = 0DH,
		 * ECX = n, n > 1)": EAX size, EBX standard-format offset, ECX
		 * bit 0 = 0 (a user state component, XCR0), bit 1 = 0 (no
		 * 64-byte alignment in the compacted format) */
		if (xcr0 & XSAVE_PKRU)
			leaf_set(m, 0xd, 9, XSAVE_PKRU_SIZE, XSAVE_PKRU_OFFSET, 0, 0);
	} else {
		leaf_set(m, 0xd, 0, 0, 0, 0, 0);
		leaf_set(m, 0xd, 1, 0, 0, 0, 0);
	}
	/* leaf 0x80000008: MAXPHYADDR [7:0], linear address bits [15:8]: 57
	 * with 5-level paging (SDM "CPUID": "Linear Address Size") */
	m->lin_addr_bits = feat_read(m, FEAT_la57) ? 57 : 48;
	leaf_set(m, 0x80000008, 0, m->phys_addr_bits | ((u32)m->lin_addr_bits << 8), 0, 0, 0);
	/* AMD mirrors most leaf-1 EDX bits in 0x80000001 EDX (APM Vol.3
	 * "CPUID Fn8000_0001_EDX"): bits 0-9, 12-17, 23, 24 */
	if (m->vendor_amd) {
		u32 mirror = (u32)(GENMASK(9, 0) | GENMASK(17, 12) | BIT(23) | BIT(24));
		struct cpuid_leaf *e = leaf_get(m, 0x80000001, 0);
		e->r[CPUID_EDX] = (e->r[CPUID_EDX] & ~mirror) | (leaf_get(m, 1, 0)->r[CPUID_EDX] & mirror);
	}
	/* SVM leaf 0x8000000A (APM Vol.3 "CPUID Fn8000_000A"): revision 1
	 * (EAX), 16 ASIDs (EBX), the sub-features in EDX; the extended level
	 * grows to it. Without SVM the leaf reads zero, sub-features too. */
	if (!feat_read(m, FEAT_svm)) {
		struct cpuid_leaf *l = leaf_find(m, 0x8000000a, 0);
		if (l)
			memset(l->r, 0, sizeof(l->r));
	} else {
		struct cpuid_leaf *l = leaf_get(m, 0x8000000a, 0);
		l->r[CPUID_EAX] = 1;
		l->r[CPUID_EBX] = 16;
		struct cpuid_leaf *x = leaf_get(m, 0x80000000, 0);
		if (x->r[CPUID_EAX] < 0x8000000a)
			x->r[CPUID_EAX] = 0x8000000a;
	}
	memset(m->features, 0, sizeof(m->features));
	for (int f = 0; f < FEAT_NR; f++)
		if (feat_read(m, (enum cpu_feature)f))
			m->features[f / 64] |= BIT(f % 64);
}

static const struct model_def *model_def_find(const char *name, size_t len)
{
	for (size_t k = 0; k < ARRAY_SIZE(model_defs); k++)
		if (strlen(model_defs[k].name) == len && !strncasecmp(model_defs[k].name, name, len))
			return &model_defs[k];
	return NULL;
}

/* the M() row an A() row names */
static const struct model_def *model_def_resolve(const struct model_def *d)
{
	for (int hops = 0; d && d->alias_of && hops < 4; hops++)
		d = model_def_find(d->alias_of, strlen(d->alias_of));
	return d && !d->alias_of ? d : NULL;
}

static int parse_bool(const char *v)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y"))
		return 1;
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "n"))
		return 0;
	return -1;
}

static bool parse_u32(const char *v, u32 *out)
{
	char *end;
	unsigned long x;

	if (!*v)
		return false;
	x = strtoul(v, &end, 0);
	if (*end || x > 0xffffffffu)
		return false;
	*out = (u32)x;
	return true;
}

#define FEAT_WORDS ((FEAT_NR + 63) / 64)

/* what the option list asked for; applied by model_apply() */
struct parse_state {
	const struct model_def *def;
	u64 implemented[FEAT_WORDS];
	u64 on[FEAT_WORDS], off[FEAT_WORDS];     /* feat=on|off, in order */
	u64 plus[FEAT_WORDS], minus[FEAT_WORDS]; /* +feat / -feat: applied last, "-" wins (QEMU) */
	u32 family, model, stepping;
	u32 level, xlevel; /* 0 = the model's, raised to cover its features */
	u32 min_level, min_xlevel;
	u32 phys_bits;
	char model_id[49];
	char vendor[13];
	bool enforce;
	bool pmu_off;
	u8 hv_on; /* hv-NAME[=on|off], +hv-NAME, -hv-NAME: the last one wins */
	/* -cpu vmx-NAME requests, per vmx_controls.def / vmx_caps.def row:
	 * vmx-NAME=on|off (in order, last wins), then +vmx-NAME, then
	 * -vmx-NAME (applied last, so "-" wins, as for CPUID features) */
	u8 vmx_kv[VMXF_NR];  /* 0 none, 1 on, 2 off */
	u8 vmx_plus[VMXF_NR], vmx_minus[VMXF_NR];
};

static void feat_request(struct parse_state *ps, int f, bool on, bool plusminus)
{
	u64 bit = BIT(f % 64);
	u64 *set = plusminus ? (on ? ps->plus : ps->minus) : (on ? ps->on : ps->off);
	u64 *clr = plusminus ? NULL : (on ? ps->off : ps->on);

	set[f / 64] |= bit;
	if (clr)
		clr[f / 64] &= ~bit;
}

/* Properties QEMU 7.2 accepts on -cpu (query-cpu-model-expansion) that
 * tune nothing nestbox models: topology IDs, host pass-through, KVM, cache
 * and PMU knobs, the TSC frequency, the microcode revision. README's -cpu
 * row and docs/known-gaps.md list them. */
static bool prop_ignored(const char *key)
{
	static const char *const ignored[] = {
		"check", "migratable", "l3-cache", "legacy-cache", "host-cache-info",
		"host-phys-bits", "host-phys-bits-limit", "fill-mtrr-mask", "kvm", "lmce",
		"full-cpuid-auto-level", "tcg-cpuid", "hv-passthrough", "apic-id", "core-id",
		"die-id", "socket-id", "thread-id", "node-id", "cpuid-0xb", "kvm-no-smi-migration",
		"kvm-pv-enforce-cpuid", "lbr-fmt", "lbr_fmt", "level-func7", "xlevel2", "min-xlevel2",
		"start-powered-off", "tsc-frequency", "tsc_freq", "ucode-rev", "vmware-cpuid-freq",
	};

	for (size_t k = 0; k < ARRAY_SIZE(ignored); k++)
		if (!strcmp(key, ignored[k]))
			return true;
	/* Hyper-V enlightenments (hv-*) and QEMU experimental (x-*) options
	 * are accepted and have no effect. (The VMX names, vmx-*, are VMX
	 * capabilities: vmx_request().) */
	return !strncmp(key, "hv-", 3) || !strncmp(key, "hv_", 3) || !strncmp(key, "x-", 2);
}

/* a flag QEMU knows that is not a CPUID bit nestbox can advertise
 * (features.def QFEAT rows): its location text, or NULL */
static const char *qfeat_lookup(const char *name)
{
	char folded[48];

	feat_fold(folded, name, sizeof(folded));
	for (size_t k = 0; k < ARRAY_SIZE(qfeat_table); k++)
		if (!strcmp(folded, qfeat_table[k].name))
			return qfeat_table[k].where;
	return NULL;
}

/* QEMU's wording for a feature the accelerator lacks ("TCG doesn't support
 * requested feature: CPUID.01H:ECX.avx [bit 28]"), one line each */
static void warn_dropped(const char *where)
{
	fprintf(stderr, "nestbox: warning: nestbox doesn't support requested feature: %s\n", where);
}

static void warn_feat(int f)
{
	static const char regs[4][4] = { "EAX", "EBX", "ECX", "EDX" };
	const struct feat_desc *d = &feat_table[f];
	char where[96], sub[16] = "";

	if (d->sub)
		snprintf(sub, sizeof(sub), "_%XH", d->sub);
	snprintf(where, sizeof(where), "CPUID.%02XH%s:%s.%s [bit %u]", d->leaf, sub, regs[d->reg],
		 d->name, d->bit);
	warn_dropped(where);
}

/* a QEMU VMX capability name ("vmx-ept", any case, '_' for '-') */
static bool is_vmx_name(const char *name)
{
	char folded[48];

	feat_fold(folded, name, sizeof(folded));
	return !strncmp(folded, "vmx_", 4);
}

/* Record a request to offer (on) or withdraw a VMX capability by QEMU name
 * (vmx/vmx_controls.def, vmx/vmx_caps.def). One name may name two rows
 * (QEMU spells two bits "vmx-invept-single-context"). Returns 0, or -1 for
 * a name no row has. Whether nestbox implements it is decided when the
 * model is known (vmx_apply). */
static int vmx_request(struct parse_state *ps, const char *name, bool on, bool plusminus,
		       char *err, unsigned errlen)
{
	char want[48], have[48];
	bool found = false;

	feat_fold(want, name, sizeof(want));
	for (unsigned f = 0; f < VMXF_NR; f++) {
		const char *q = vmx_feat_qemu_name((enum vmx_feat)f);
		if (!q)
			continue;
		feat_fold(have, q, sizeof(have));
		if (strcmp(want, have))
			continue;
		found = true;
		if (plusminus)
			(on ? ps->vmx_plus : ps->vmx_minus)[f] = 1;
		else
			ps->vmx_kv[f] = on ? 1 : 2;
	}
	if (!found) {
		err_set(err, errlen, "unknown VMX feature '%s'", name);
		return -1;
	}
	return 0;
}

static void hv_request(struct parse_state *ps, int f, bool on)
{
	if (on)
		ps->hv_on |= (u8)HV_BIT(f);
	else
		ps->hv_on &= (u8)~HV_BIT(f);
}

/* key=value properties other than features; returns 1 handled, 0 not a
 * property, -1 bad value */
static int parse_prop(struct parse_state *ps, const char *key, const char *val)
{
	u32 *num = NULL;

	if (!strcmp(key, "family"))
		num = &ps->family;
	else if (!strcmp(key, "model"))
		num = &ps->model;
	else if (!strcmp(key, "stepping"))
		num = &ps->stepping;
	else if (!strcmp(key, "level"))
		num = &ps->level;
	else if (!strcmp(key, "xlevel"))
		num = &ps->xlevel;
	else if (!strcmp(key, "min-level"))
		num = &ps->min_level;
	else if (!strcmp(key, "min-xlevel"))
		num = &ps->min_xlevel;
	else if (!strcmp(key, "phys-bits"))
		num = &ps->phys_bits;
	if (num) {
		if (!val || !parse_u32(val, num))
			return -1;
		if (num == &ps->phys_bits && (ps->phys_bits < 32 || ps->phys_bits > 52))
			return -1;
		return 1;
	}
	if (!strcmp(key, "model-id")) {
		snprintf(ps->model_id, sizeof(ps->model_id), "%s", val ? val : "");
		return 1;
	}
	if (!strcmp(key, "vendor")) {
		if (!val || strlen(val) != 12)
			return -1;
		memcpy(ps->vendor, val, 13);
		return 1;
	}
	if (!strcmp(key, "pmu")) {
		int on = val ? parse_bool(val) : 1;
		if (on < 0)
			return -1;
		ps->pmu_off = !on;
		return 1;
	}
	/* the Hyper-V flags nestbox implements (cpu/system/hyperv.def); the
	 * other hv-* properties are accepted and ignored (prop_ignored) */
	int hv = hyperv_flag_lookup(key);
	if (hv >= 0) {
		int on = val ? parse_bool(val) : 1;
		if (on < 0)
			return -1;
		hv_request(ps, hv, on);
		return 1;
	}
	if (!strcmp(key, "enforce")) {
		ps->enforce = !val || parse_bool(val) == 1;
		return 1;
	}
	return prop_ignored(key) ? 1 : 0;
}

static int parse_option(struct parse_state *ps, char *opt, char *err, unsigned errlen)
{
	char *val = strchr(opt, '=');
	int f, on;

	if ((opt[0] == '+' || opt[0] == '-') && is_vmx_name(opt + 1))
		return vmx_request(ps, opt + 1, opt[0] == '+', true, err, errlen);
	if ((opt[0] == '+' || opt[0] == '-') && hyperv_flag_lookup(opt + 1) >= 0) {
		hv_request(ps, hyperv_flag_lookup(opt + 1), opt[0] == '+');
		return 0;
	}
	if (opt[0] == '+' || opt[0] == '-') {
		f = feat_lookup(opt + 1);
		if (f < 0) {
			const char *where = qfeat_lookup(opt + 1);
			if (where && opt[0] == '+')
				warn_dropped(where);
			if (where || prop_ignored(opt + 1))
				return 0;
			err_set(err, errlen, "unknown CPU feature '%s'", opt + 1);
			return -1;
		}
		feat_request(ps, f, opt[0] == '+', true);
		return 0;
	}
	if (val)
		*val++ = 0;
	if (is_vmx_name(opt)) {
		/* QEMU: a bare name means name=on */
		on = val ? parse_bool(val) : 1;
		if (on < 0) {
			err_set(err, errlen, "VMX feature '%s': bad value '%s' (use on or off)", opt, val);
			return -1;
		}
		return vmx_request(ps, opt, on, false, err, errlen);
	}
	f = feat_lookup(opt);
	if (f >= 0) {
		/* QEMU: a bare feature name means feat=on */
		on = val ? parse_bool(val) : 1;
		if (on < 0) {
			err_set(err, errlen, "CPU feature '%s': bad value '%s' (use on or off)", opt, val);
			return -1;
		}
		feat_request(ps, f, on, false);
		return 0;
	}
	const char *where = qfeat_lookup(opt);
	if (where) {
		on = val ? parse_bool(val) : 1;
		if (on < 0) {
			err_set(err, errlen, "CPU feature '%s': bad value '%s' (use on or off)", opt, val);
			return -1;
		}
		if (on)
			warn_dropped(where);
		return 0;
	}
	switch (parse_prop(ps, opt, val)) {
	case 1:
		return 0;
	case -1:
		err_set(err, errlen, "CPU property '%s': bad value '%s'", opt, val ? val : "");
		return -1;
	default:
		err_set(err, errlen, "unknown CPU feature '%s'", opt);
		return -1;
	}
}

/* turn feature f on, unless nestbox does not implement it */
static int feat_enable(struct cpu_model *m, const struct parse_state *ps, int f, char *err,
		       unsigned errlen)
{
	if (!bits_test(ps->implemented, f)) {
		if (ps->enforce) {
			err_set(err, errlen, "CPU feature '%s' is not implemented by nestbox",
				feat_table[f].name);
			return -1;
		}
		warn_feat(f);
		return 0;
	}
	feat_write(m, (enum cpu_feature)f, true);
	return 0;
}

u64 cpu_model_cr4_bits(const struct cpu_model *m)
{
	static const struct { u64 bit; enum cpu_feature f; } gated[] = {
		{ CR4_VME, FEAT_vme },       { CR4_PVI, FEAT_vme },
		{ CR4_TSD, FEAT_tsc },       { CR4_DE, FEAT_de },
		{ CR4_PSE, FEAT_pse },       { CR4_PAE, FEAT_pae },
		{ CR4_MCE, FEAT_mce },       { CR4_PGE, FEAT_pge },
		{ CR4_OSFXSR, FEAT_fxsr },   { CR4_OSXMMEXCPT, FEAT_sse },
		{ CR4_UMIP, FEAT_umip },     { CR4_LA57, FEAT_la57 },
		{ CR4_VMXE, FEAT_vmx },      { CR4_FSGSBASE, FEAT_fsgsbase },
		{ CR4_PCIDE, FEAT_pcid },    { CR4_OSXSAVE, FEAT_xsave },
		{ CR4_SMEP, FEAT_smep },     { CR4_SMAP, FEAT_smap },
		{ CR4_PKE, FEAT_pku },       { CR4_PKS, FEAT_pks },
	};
	u64 ok = CR4_PCE;

	for (size_t k = 0; k < ARRAY_SIZE(gated); k++)
		if (cpu_has(m, gated[k].f))
			ok |= gated[k].bit;
	return ok;
}

/* turn VMX row f on, unless nestbox does not implement it on this model */
static int vmx_enable(struct cpu_model *m, enum vmx_feat f, char *err, unsigned errlen)
{
	bool lm = cpu_has(m, FEAT_lm);

	if (!vmx_feat_implemented(f, lm)) {
		if (vmx_feat_implemented(f, true))
			err_set(err, errlen, "VMX feature '%s' (%s) needs long mode (lm)",
				vmx_feat_qemu_name(f), vmx_feat_sdm_name(f));
		else
			err_set(err, errlen, "VMX feature '%s' (%s) is not implemented by nestbox",
				vmx_feat_qemu_name(f), vmx_feat_sdm_name(f));
		return -1;
	}
	vmx_caps_set(&m->vmx, f, true);
	return 0;
}

/* The model's VMX capabilities (from its final CPUID: the CR4 bits it has,
 * long mode), then the -cpu vmx-NAME edits. Unlike CPUID features, asking
 * for a VMX capability nestbox lacks is always an error, "enforce" or not:
 * a runner that asks for one is testing it, and should not get a pass
 * for a feature that was never there. */
static int vmx_apply(struct cpu_model *m, const struct parse_state *ps, char *err, unsigned errlen)
{
	vmx_caps_init(&m->vmx, cpu_model_cr4_bits(m), cpu_has(m, FEAT_lm));
	/* "load IA32_PERF_GLOBAL_CTRL" (and "save") needs the MSR: architectural
	 * performance monitoring version 2 or later (SDM "IA32_PERF_GLOBAL_CTRL")
	 * in this model's leaf 0xA */
	u32 r[4];
	cpu_model_cpuid(m, 0, 0, r);
	bool global_ctrl = r[CPUID_EAX] >= 0xa;
	cpu_model_cpuid(m, 0xa, 0, r);
	if (!global_ctrl || (r[CPUID_EAX] & 0xff) < 2) {
		vmx_caps_set(&m->vmx, VMXF_EXIT_LOAD_PERF_GLOBAL_CTRL, false);
		vmx_caps_set(&m->vmx, VMXF_EXIT_SAVE_PERF_GLOBAL_CTRL, false);
		vmx_caps_set(&m->vmx, VMXF_ENTRY_LOAD_PERF_GLOBAL_CTRL, false);
	}
	for (unsigned f = 0; f < VMXF_NR; f++) {
		if (ps->vmx_kv[f] == 1 && vmx_enable(m, (enum vmx_feat)f, err, errlen))
			return -1;
		if (ps->vmx_kv[f] == 2)
			vmx_caps_set(&m->vmx, (enum vmx_feat)f, false);
	}
	for (unsigned f = 0; f < VMXF_NR; f++)
		if (ps->vmx_plus[f] && vmx_enable(m, (enum vmx_feat)f, err, errlen))
			return -1;
	for (unsigned f = 0; f < VMXF_NR; f++)
		if (ps->vmx_minus[f])
			vmx_caps_set(&m->vmx, (enum vmx_feat)f, false);
	return 0;
}

static u32 umax(u32 a, u32 b) { return a > b ? a : b; }

/* QEMU's full-cpuid-auto-level (on by default): the model's level (basic
 * or extended) is raised to the highest leaf an advertised feature flag
 * lives in; XSAVE needs leaf 0xd; nestbox's machine always has leaf
 * 0x80000008 (address sizes) on a 64-bit model. */
static u32 auto_level(const struct cpu_model *m, u32 level, bool ext)
{
	for (int f = 0; f < FEAT_NR; f++) {
		u32 leaf = feat_table[f].leaf;
		bool in_range = ext ? (leaf >= 0x80000000 && leaf < 0x90000000) : leaf < 0x40000000;
		if (in_range && leaf > level && feat_read(m, (enum cpu_feature)f))
			level = leaf;
	}
	if (!ext && feat_read(m, FEAT_xsave))
		level = umax(level, 0xd);
	if (ext && feat_read(m, FEAT_lm))
		level = umax(level, 0x80000008);
	return level;
}

static int model_apply(struct cpu_model *m, struct parse_state *ps, char *err, unsigned errlen)
{
	const struct model_def *d = ps->def;
	u64 model_bits[FEAT_WORDS];

	u64 opt_in[FEAT_WORDS];
	feat_list_bits(nestbox_opt_in, opt_in);
	if (!strcmp(d->features, "*"))
		memcpy(model_bits, ps->implemented, sizeof(model_bits));
	else
		feat_list_bits(d->features, model_bits);
	/* opt-in features only when asked for, on every model (QEMU's AMD
	 * models list svm: here -cpu EPYC,+svm) */
	for (int w = 0; w < FEAT_WORDS; w++)
		model_bits[w] &= ~opt_in[w];
	for (int f = 0; f < FEAT_NR; f++)
		if (bits_test(model_bits, f) && bits_test(ps->implemented, f))
			feat_write(m, (enum cpu_feature)f, true);
	for (int f = 0; f < FEAT_NR; f++) {
		if (bits_test(ps->on, f) && feat_enable(m, ps, f, err, errlen))
			return -1;
		if (bits_test(ps->off, f))
			feat_write(m, (enum cpu_feature)f, false);
	}
	for (int f = 0; f < FEAT_NR; f++)
		if (bits_test(ps->plus, f) && feat_enable(m, ps, f, err, errlen))
			return -1;
	for (int f = 0; f < FEAT_NR; f++)
		if (bits_test(ps->minus, f))
			feat_write(m, (enum cpu_feature)f, false);

	/* SVM's sub-features (leaf 0x8000000A EDX) exist only with SVM */
	if (!feat_read(m, FEAT_svm))
		for (int f = 0; f < FEAT_NR; f++)
			if (feat_table[f].leaf == 0x8000000a)
				feat_write(m, (enum cpu_feature)f, false);
	u32 sig = signature(ps->family, ps->model, ps->stepping);
	leaf_get(m, 1, 0)->r[CPUID_EAX] = sig;
	leaf_get(m, 0x80000001, 0)->r[CPUID_EAX] = sig;
	leaf_get(m, 0, 0)->r[CPUID_EAX] =
		ps->level ? ps->level : auto_level(m, umax(d->level, ps->min_level), false);
	leaf_get(m, 0x80000000, 0)->r[CPUID_EAX] =
		ps->xlevel ? ps->xlevel : auto_level(m, umax(d->xlevel, ps->min_xlevel), true);
	if (ps->phys_bits)
		m->phys_addr_bits = (u8)ps->phys_bits;
	m->pmu_off = ps->pmu_off;
	if (ps->vendor[0])
		put_vendor(m, ps->vendor);
	put_brand(m, ps->model_id);
	model_finish(m);
	if (vmx_apply(m, ps, err, errlen))
		return -1;
	/* QEMU: "Hyper-V %s requires Hyper-V %s" (cpu/system/hyperv.def) */
	m->hv = ps->hv_on;
	char why[128];
	if (hyperv_flags_check(m->hv, feat_read(m, FEAT_vmx), why, sizeof(why))) {
		err_set(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

int cpu_model_parse(struct cpu_model *m, const char *spec, char *err, unsigned errlen)
{
	struct parse_state ps;
	char buf[1024];
	char *save = NULL, *tok;
	size_t namelen;

	memset(m, 0, sizeof(*m));
	memset(&ps, 0, sizeof(ps));
	if (!spec || !*spec)
		spec = "max";
	if (strlen(spec) >= sizeof(buf)) {
		err_set(err, errlen, "-cpu option too long");
		return -1;
	}
	namelen = strcspn(spec, ",");
	const struct model_def *named = model_def_find(spec, namelen);
	ps.def = model_def_resolve(named);
	if (!ps.def) {
		err_set(err, errlen, "unable to find CPU model '%.*s'", (int)namelen, spec);
		return -1;
	}
	feat_list_bits(nestbox_implemented, ps.implemented);
	ps.family = ps.def->family;
	ps.model = ps.def->model;
	ps.stepping = ps.def->stepping;
	snprintf(ps.model_id, sizeof(ps.model_id), "%s", ps.def->model_id);
	snprintf(m->name, sizeof(m->name), "%s", named->name);

	snprintf(buf, sizeof(buf), "%s", spec + namelen);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (parse_option(&ps, tok, err, errlen))
			return -1;
	model_base_leaves(m, ps.def);
	return model_apply(m, &ps, err, errlen);
}

bool cpu_has(const struct cpu_model *m, enum cpu_feature f)
{
	return (unsigned)f < FEAT_NR && bits_test(m->features, f);
}

/* SDM "CPUID—CPU Identification": "If a value entered for CPUID.EAX is
 * higher than the maximum input value for basic or extended function for
 * that processor then the data for the highest basic information leaf is
 * returned" (Intel). AMD returns zeros for leaves beyond its maxima. */
void cpu_model_cpuid(const struct cpu_model *m, u32 leaf, u32 subleaf, u32 out[4])
{
	const struct cpuid_leaf *l0 = leaf_find(m, 0, 0);
	const struct cpuid_leaf *x0 = leaf_find(m, 0x80000000, 0);
	u32 max_basic = l0 ? l0->r[CPUID_EAX] : 0;
	u32 max_ext = x0 ? x0->r[CPUID_EAX] : 0;
	bool out_of_range;

	memset(out, 0, 4 * sizeof(u32));
	/* the hypervisor-interface leaves: Hyper-V's with -cpu hv-*
	 * (cpu/system/hyperv.def), else none (zeros) */
	if (leaf >= 0x40000000 && leaf < 0x50000000) {
		hyperv_cpuid(m->hv, leaf, out);
		return;
	}
	if (leaf >= 0x80000000)
		out_of_range = leaf > max_ext;
	else
		out_of_range = leaf > max_basic;
	if (out_of_range) {
		if (m->vendor_amd)
			return;
		leaf = max_basic;
	}
	const struct cpuid_leaf *l = leaf_find(m, leaf, subleaf);
	if (l)
		memcpy(out, l->r, 4 * sizeof(u32));
	else if (leaf == 0xb)
		/* SDM "Extended Topology Enumeration Leaf": an invalid level
		 * returns EAX=EBX=0 and ECX[7:0] = the input ECX[7:0] */
		out[CPUID_ECX] = subleaf & 0xff;
}

/* a features.def name as QEMU's -cpu help spells it */
static const char *qemu_spelling(const char *name, char *buf, size_t len)
{
	if (!strcmp(name, "sse3"))
		return "pni";
	snprintf(buf, len, "%s", name);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = !strncmp(name, "sse4_", 5) ? '.' : '-';
	return buf;
}

static void print_flag(const char *name, unsigned *col)
{
	char buf[48];
	const char *q = qemu_spelling(name, buf, sizeof(buf));

	if (*col + strlen(q) + 1 > 76) {
		printf("\n ");
		*col = 1;
	}
	printf(" %s", q);
	*col += (unsigned)strlen(q) + 1;
}

/* QEMU 7.2's layout (tests/cli compares the model list with QEMU's) */
void cpu_model_list(void)
{
	u64 impl[FEAT_WORDS];
	unsigned col = 1;

	printf("Available CPUs:\n");
	for (size_t k = 0; k < ARRAY_SIZE(model_defs); k++)
		printf("x86 %-20s  %s\n", model_defs[k].name, model_defs[k].desc);
	printf("\nRecognized CPUID flags:\n ");
	for (int f = 0; f < FEAT_NR; f++)
		print_flag(feat_table[f].name, &col);
	for (size_t k = 0; k < ARRAY_SIZE(qfeat_table); k++)
		print_flag(qfeat_table[k].name, &col);
	printf("\n\nCPUID flags nestbox implements (the others are dropped with a warning):\n ");
	feat_list_bits(nestbox_implemented, impl);
	col = 1;
	for (int f = 0; f < FEAT_NR; f++)
		if (bits_test(impl, f))
			print_flag(feat_table[f].name, &col);
	printf("\n\nRecognized VMX features (with +vmx; * = implemented by nestbox):\n ");
	for (unsigned f = 0; f < VMXF_NR; f++)
		if (vmx_feat_qemu_name((enum vmx_feat)f))
			printf(" %s%s", vmx_feat_qemu_name((enum vmx_feat)f),
			       vmx_feat_implemented((enum vmx_feat)f, true) ? "*" : "");
	printf("\n");
}
