/* tests/unit/model_test.c: CPU models (cpu/model.c, cpu/models.def): -cpu
 * parsing with QEMU spellings, the CPUID leaves of each model, and the
 * CPUID instruction's per-CPU fixups through the step loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/system/msr.h"
#include "sys_harness.h"

static struct cpu_model M;
static char err[256];

static int parse(const char *spec)
{
	err[0] = 0;
	return cpu_model_parse(&M, spec, err, sizeof(err));
}

static void cpuid(u32 leaf, u32 sub, u32 r[4]) { cpu_model_cpuid(&M, leaf, sub, r); }

static void vendor(char out[13])
{
	u32 r[4];
	cpuid(0, 0, r);
	memcpy(out, &r[CPUID_EBX], 4);
	memcpy(out + 4, &r[CPUID_EDX], 4);
	memcpy(out + 8, &r[CPUID_ECX], 4);
	out[12] = 0;
}

static void test_max(void **s)
{
	char v[13];
	u32 r[4];
	assert_int_equal(parse("max"), 0);
	vendor(v);
	assert_string_equal(v, "GenuineIntel");
	assert_true(cpu_has(&M, FEAT_fpu) && cpu_has(&M, FEAT_sse2) && cpu_has(&M, FEAT_lm));
	assert_true(cpu_has(&M, FEAT_x2apic) && cpu_has(&M, FEAT_pcid) && cpu_has(&M, FEAT_nx));
	/* only what nestbox implements; VMX is implemented but opt-in
	 * ("max,+vmx"), as in QEMU's TCG "max" */
	assert_false(cpu_has(&M, FEAT_vmx));
	assert_false(cpu_has(&M, FEAT_svm));
	assert_true(cpu_has(&M, FEAT_pku) && cpu_has(&M, FEAT_pks));
	assert_false(cpu_has(&M, FEAT_avx));
	assert_false(cpu_has(&M, FEAT_pclmulqdq));
	assert_false(cpu_has(&M, FEAT_xsaves));
	/* features bitmap == leaf bits */
	cpuid(1, 0, r);
	assert_true(r[CPUID_EDX] & BIT(26));  /* sse2 */
	assert_true(r[CPUID_ECX] & BIT(21));  /* x2apic */
	assert_false(r[CPUID_ECX] & BIT(5));  /* vmx */
	/* leaf 0 / 0x80000000 maxima; brand string; address sizes */
	cpuid(0, 0, r);
	assert_int_equal(r[CPUID_EAX], 0xd);
	cpuid(0x80000000, 0, r);
	assert_int_equal(r[CPUID_EAX], 0x80000008);
	char brand[49] = { 0 };
	for (u32 k = 0; k < 3; k++)
		cpuid(0x80000002 + k, 0, (u32 *)(brand + 16 * k));
	assert_int_equal(strncmp(brand, "nestbox", 7), 0);
	cpuid(0x80000008, 0, r);
	assert_int_equal(r[CPUID_EAX], 40 | (48 << 8));
	assert_int_equal(M.phys_addr_bits, 40);
	/* leaf 0xd: x87 and SSE state (576 bytes: legacy area + header) and
	 * PKRU (PKU): 8 bytes at 2688, so 2696 bytes for all of them */
	cpuid(0xd, 0, r);
	assert_int_equal(r[CPUID_EAX], 0x203);
	assert_int_equal(r[CPUID_ECX], 2696);
	cpuid(0xd, 9, r);
	assert_int_equal(r[CPUID_EAX], 8);
	assert_int_equal(r[CPUID_EBX], 2688);
	/* sub-leaf 1 EBX: the compacted size for XCR0 | IA32_XSS, also without
	 * XSAVES (XSAVEC users read it) */
	cpuid(0xd, 1, r);
	assert_true(r[CPUID_EAX] & 2); /* XSAVEC */
	assert_int_equal(r[CPUID_EBX], 576);
	/* ... and zero without XSAVE */
	assert_int_equal(parse("max,-xsave"), 0);
	cpuid(0xd, 0, r);
	assert_int_equal(r[CPUID_EAX], 0);
	/* ... and without PKU, no PKRU component */
	assert_int_equal(parse("max,-pku"), 0);
	cpuid(0xd, 0, r);
	assert_int_equal(r[CPUID_EAX], 3);
	assert_int_equal(r[CPUID_ECX], 576);
	cpuid(0xd, 9, r);
	assert_int_equal(r[CPUID_EAX] | r[CPUID_EBX], 0);
	assert_int_equal(parse("max"), 0);
	/* leaf 5 with MONITOR */
	cpuid(5, 0, r);
	assert_int_equal(r[CPUID_EAX], 64);
}

static void test_feature_syntax(void **s)
{
	assert_int_equal(parse("max,-x2apic,pcid=off,+tsc-deadline"), 0);
	assert_false(cpu_has(&M, FEAT_x2apic));
	assert_false(cpu_has(&M, FEAT_pcid));
	assert_true(cpu_has(&M, FEAT_tsc_deadline));
	/* "_" vs "-", case, and QEMU aliases */
	assert_int_equal(parse("max,tsc_deadline=off,-LAHF-LM,-xd,sse4.1=off,-pni"), 0);
	assert_false(cpu_has(&M, FEAT_tsc_deadline));
	assert_false(cpu_has(&M, FEAT_lahf_lm));
	assert_false(cpu_has(&M, FEAT_nx));
	/* QEMU: "-feat" wins over "+feat" whatever the order */
	assert_int_equal(parse("max,-smep,+smep"), 0);
	assert_false(cpu_has(&M, FEAT_smep));
	/* a bare name means on */
	assert_int_equal(parse("qemu64,x2apic"), 0);
	assert_true(cpu_has(&M, FEAT_x2apic));
	/* unimplemented features are not advertised ... */
	assert_int_equal(parse("max,+vmx,+avx"), 0);
	assert_true(cpu_has(&M, FEAT_vmx));
	assert_false(cpu_has(&M, FEAT_avx));
	/* "load IA32_PERF_GLOBAL_CTRL" needs the MSR (architectural
	 * performance monitoring version 2): not on AMD models, nor with
	 * pmu=off */
	assert_true(vmx_caps_has(&M.vmx, VMXF_ENTRY_LOAD_PERF_GLOBAL_CTRL));
	assert_true(vmx_caps_has(&M.vmx, VMXF_EXIT_LOAD_PERF_GLOBAL_CTRL));
	assert_int_equal(parse("max,+vmx,pmu=off"), 0);
	assert_false(vmx_caps_has(&M.vmx, VMXF_ENTRY_LOAD_PERF_GLOBAL_CTRL));
	assert_false(vmx_caps_has(&M.vmx, VMXF_EXIT_LOAD_PERF_GLOBAL_CTRL));
	assert_int_equal(parse("EPYC,+vmx"), 0);
	assert_false(vmx_caps_has(&M.vmx, VMXF_EXIT_LOAD_PERF_GLOBAL_CTRL));
	assert_int_equal(parse("max,+vmx,+avx"), 0);
	/* ... and "enforce" makes that an error */
	assert_int_equal(parse("max,+avx,enforce"), -1);
	assert_non_null(strstr(err, "avx"));
	/* unknown names are errors that name them */
	assert_int_equal(parse("max,+nosuchfeat"), -1);
	assert_non_null(strstr(err, "nosuchfeat"));
	assert_int_equal(parse("max,bogus=on"), -1);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(parse("max,x2apic=maybe"), -1);
	assert_int_equal(parse("pentium9"), -1);
	assert_non_null(strstr(err, "pentium9"));
	/* tuning properties QEMU accepts */
	assert_int_equal(parse("max,+vmx,-vmx-mbec,hv-vapic,migratable=off,check,pmu=off"), 0);
}

static void test_properties(void **s)
{
	u32 r[4];
	char v[13];
	assert_int_equal(parse("max,family=23,model=0x31,stepping=2,level=7,xlevel=0x80000007,"
			       "phys-bits=46,model-id=Foo CPU,vendor=AuthenticAMD"), 0);
	cpuid(1, 0, r);
	/* family 23 = 0xf + extended family 8; model 0x31: 1 + extended 3 */
	assert_int_equal(r[CPUID_EAX], 0x00830f12);
	cpuid(0, 0, r);
	assert_int_equal(r[CPUID_EAX], 7);
	cpuid(0x80000000, 0, r);
	assert_int_equal(r[CPUID_EAX], 0x80000007);
	assert_int_equal(M.phys_addr_bits, 46);
	vendor(v);
	assert_string_equal(v, "AuthenticAMD");
	assert_true(M.vendor_amd);
	cpuid(0x80000002, 0, r);
	assert_int_equal(memcmp(r, "Foo CPU", 7), 0);
	assert_int_equal(parse("max,phys-bits=99"), -1);
	assert_int_equal(parse("max,vendor=Intel"), -1);
}

/* SDM "CPUID": out-of-range leaves return the highest basic leaf (Intel);
 * AMD returns zeros; leaf 0xb's invalid levels echo ECX[7:0] */
static void test_out_of_range(void **s)
{
	u32 a[4], b[4];
	assert_int_equal(parse("max"), 0);
	cpuid(0x20, 0, a);
	cpuid(0xd, 0, b);
	assert_memory_equal(a, b, sizeof(a));
	cpuid(0x80000020, 0, a);
	assert_memory_equal(a, b, sizeof(a));
	cpuid(0xb, 5, a);
	assert_int_equal(a[CPUID_ECX], 5);
	assert_int_equal(a[CPUID_EAX] | a[CPUID_EBX], 0);
	assert_int_equal(parse("qemu64"), 0);
	cpuid(0x20, 0, a);
	assert_int_equal(a[0] | a[1] | a[2] | a[3], 0);
}

/* a feature of leaf 0x8000000A (SVM's sub-features) */
static bool svm_subfeature(int f)
{
	switch (f) {
#define FEAT(n, l, sub, r, b) case FEAT_##n: return (l) == 0x8000000a;
#include "cpu/features.def"
#undef FEAT
	default: return false;
	}
}

/* every named model parses and advertises a subset of max */
static void test_all_models(void **s)
{
	static const char *const names[] = { "max", "host", "qemu64", "kvm64", "Nehalem",
					      "Skylake-Client", "Skylake-Server",
					      "Cascadelake-Server", "EPYC" };
	struct cpu_model max;
	assert_int_equal(cpu_model_parse(&max, "max", err, sizeof(err)), 0);
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		char v[13];
		assert_int_equal(parse(names[k]), 0);
		for (int f = 0; f < FEAT_NR; f++)
			if (cpu_has(&M, (enum cpu_feature)f) && !cpu_has(&max, (enum cpu_feature)f))
				fail_msg("%s advertises feature %d that max lacks", names[k], f);
		vendor(v);
		assert_string_equal(v, M.vendor_amd ? "AuthenticAMD" : "GenuineIntel");
	}
	assert_int_equal(parse("qemu64"), 0);
	assert_true(M.vendor_amd);
	u32 r[4];
	/* AMD mirrors leaf-1 EDX bits (fpu) into 0x80000001 EDX */
	cpuid(0x80000001, 0, r);
	assert_true(r[CPUID_EDX] & 1);
	assert_int_equal(parse("Skylake-Client"), 0);
	assert_true(cpu_has(&M, FEAT_smep) && cpu_has(&M, FEAT_rdrand));
	assert_false(cpu_has(&M, FEAT_rdpid) || cpu_has(&M, FEAT_umip));
	assert_int_equal(parse("kvm64"), 0);
	assert_false(cpu_has(&M, FEAT_x2apic));
}

/* Every model of QEMU 7.2's list (cpu/models.def, generated from QEMU's
 * own answers): CPUID gives its vendor, family/model/stepping, brand string
 * and at least its levels; it advertises exactly the flags of its row that
 * nestbox implements (those "max" has, VMX and SVM aside); an alias gives
 * the same CPUID as the model it names. */
static const struct qmodel {
	const char *name, *alias_of, *vendor;
	u32 family, model, stepping, level, xlevel;
	const char *model_id, *features;
} qmodels[] = {
#define M(n, v, f, m, st, lv, xl, id, feats, d) { n, NULL, v, f, m, st, lv, xl, id, feats },
#define A(n, target, d) { n, target, NULL, 0, 0, 0, 0, 0, NULL, NULL },
#include "cpu/models.def"
#undef M
#undef A
};

static const char *const feat_names[FEAT_NR] = {
#define FEAT(n, l, sub, r, b) [FEAT_##n] = #n,
#include "cpu/features.def"
};

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static void test_qemu_models(void **s)
{
	struct cpu_model max;
	int checked = 0;

	assert_int_equal(cpu_model_parse(&max, "max,+vmx", err, sizeof(err)), 0);
	for (size_t k = 0; k < ARRAY_SIZE(qmodels); k++) {
		const struct qmodel *q = &qmodels[k];
		char v[13], brand[49] = { 0 };
		u32 r[4], sig, fam;

		assert_int_equal(parse(q->name), 0);
		if (q->alias_of) {
			struct cpu_model a = M;
			assert_int_equal(parse(q->alias_of), 0);
			assert_memory_equal(a.leaves, M.leaves, sizeof(M.leaves));
			continue;
		}
		if (!strcmp(q->features, "*") || !q->vendor[0])
			continue; /* max, host: nestbox's; base: nothing to compare */
		vendor(v);
		assert_string_equal(v, q->vendor);
		/* SDM "CPUID": Family = Family ID + Extended Family ID when 0FH */
		fam = q->family > 15 ? 15 : q->family;
		sig = q->stepping | (q->model & 0xf) << 4 | fam << 8 | (q->model >> 4) << 16 |
		      (q->family > 15 ? q->family - 15 : 0) << 20;
		cpuid(1, 0, r);
		assert_int_equal(r[CPUID_EAX], sig);
		cpuid(0, 0, r);
		assert_true(r[CPUID_EAX] >= q->level);
		cpuid(0x80000000, 0, r);
		assert_true(r[CPUID_EAX] >= q->xlevel);
		if (r[CPUID_EAX] >= 0x80000004) { /* the brand string leaves exist */
			for (u32 l = 0; l < 3; l++)
				cpuid(0x80000002 + l, 0, (u32 *)(brand + 16 * l));
			assert_string_equal(brand, q->model_id);
		}
		for (int f = 0; f < FEAT_NR; f++) {
			/* SVM is opt-in on every model (-cpu EPYC,+svm), and its
			 * sub-features come with it */
			bool want = in_list(q->features, feat_names[f]) && cpu_has(&max, f) &&
				    f != FEAT_vmx && f != FEAT_svm && !svm_subfeature(f);
			if (cpu_has(&M, (enum cpu_feature)f) != want)
				fail_msg("%s: feature %s is %s", q->name, feat_names[f],
					 want ? "missing" : "advertised but not in the row");
		}
		checked++;
	}
	assert_true(checked > 60);
	/* QEMU's aliases: "(alias configured by machine type)" is -v1 */
	assert_int_equal(parse("Broadwell-noTSX-IBRS"), 0);
	assert_string_equal(M.name, "Broadwell-noTSX-IBRS");
	assert_int_equal(parse("opteron_g1,vendor=AuthenticAMD,phys-bits=36,host-phys-bits=off"), 0);
	assert_int_equal(M.phys_addr_bits, 36);
	assert_int_equal(parse("Dhyana"), 0);
	assert_true(M.vendor_amd); /* Hygon: AMD-flavoured */
	/* QEMU flags that are not CPUID bits, and KVM's: accepted */
	assert_int_equal(parse("max,+mds-no,kvmclock=on,-kvm-pv-eoi,+skinit"), 0);
	assert_false(cpu_has(&M, FEAT_skinit));
	assert_int_equal(parse("max,+skinit,enforce"), -1);
	assert_int_equal(parse("qemu64,pmu=off"), 0);
	assert_true(M.pmu_off);
	assert_int_equal(parse("qemu64,pmu=maybe"), -1);
}

/* --- the CPUID instruction (SDM "CPUID") through the step loop --- */
static struct harness H;

static void run_cpuid(u32 leaf, u32 sub)
{
	H.c->gpr[RAX] = 0xffffffff00000000ull | leaf;
	H.c->gpr[RCX] = 0xffffffff00000000ull | sub;
	H.c->gpr[RBX] = H.c->gpr[RDX] = ~0ull;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
}

static void test_cpuid_insn(void **s)
{
	sh_init(&H, NULL);
	/* "CPUID clears the high 32 bits of RAX/RBX/RCX/RDX in all modes" */
	run_cpuid(0, 0);
	assert_int_equal(H.c->gpr[RAX], 0xd);
	assert_int_equal(H.c->gpr[RBX], 0x756e6547); /* "Genu" */
	assert_int_equal(H.c->gpr[RDX] >> 32, 0);
	/* initial APIC ID in leaf 1 EBX[31:24] and leaf 0xb EDX */
	H.c->index = 5;
	run_cpuid(1, 0);
	assert_int_equal(H.c->gpr[RBX] >> 24, 5);
	assert_int_equal((H.c->gpr[RBX] >> 8) & 0xff, 8); /* CLFLUSH line 64 */
	run_cpuid(0xb, 0);
	assert_int_equal(H.c->gpr[RDX], 5);
	assert_int_equal(H.c->gpr[RCX], 0x100);
	run_cpuid(0xb, 1);
	assert_int_equal(H.c->gpr[RBX], 1); /* one CPU in the package */
	assert_int_equal(H.c->gpr[RCX], 0x201);
	run_cpuid(0xb, 2);
	assert_int_equal(H.c->gpr[RCX], 2);
	assert_int_equal(H.c->gpr[RDX], 5);
	H.c->index = 0;
	/* the APIC bit follows IA32_APIC_BASE global enable */
	run_cpuid(1, 0);
	assert_true(H.c->gpr[RDX] & BIT(9));
	assert_false(H.c->gpr[RCX] & BIT(27)); /* OSXSAVE: no XSAVE */
	assert_int_equal(H.c->apic_ops->msr_write(H.c, 0x1b, cpu_apic_base(H.c) & ~BIT(11)), 0);
	run_cpuid(1, 0);
	assert_false(H.c->gpr[RDX] & BIT(9));
	/* OSXSAVE mirrors CR4.OSXSAVE; leaf 0xd sizes for x87+SSE */
	sh_feat(&H, FEAT_xsave, true);
	H.c->cr4 |= CR4_OSXSAVE;
	run_cpuid(1, 0);
	assert_true(H.c->gpr[RCX] & BIT(27));
	/* leaf 0xd EBX: the XSAVE size for XCR0 (x87 + SSE: 576 bytes) */
	run_cpuid(0xd, 0);
	assert_int_equal(H.c->gpr[RBX], 576);
	h_free(&H);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_feature_syntax),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_all_models),
		cmocka_unit_test(test_qemu_models),
		cmocka_unit_test(test_cpuid_insn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
