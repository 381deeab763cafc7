/* tests/unit/msr_test.c: RDMSR/WRMSR through the decoder and step loop:
 * the MSR table (cpu/system/msr.def) and every #GP(0) rule of cpu/system/msr.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/system/msr.h"
#include "sys_harness.h"

SH_FIXTURE

static int rdmsr(struct harness *h, u32 idx, u64 *val)
{
	h->c->gpr[RCX] = idx;
	h->c->gpr[RAX] = h->c->gpr[RDX] = 0xdeadbeefdeadbeefull;
	int v = sh_run(h, CODE(0x0f, 0x32));
	if (v < 0 && val)
		*val = (h->c->gpr[RDX] << 32) | h->c->gpr[RAX];
	return v;
}

static int wrmsr(struct harness *h, u32 idx, u64 val)
{
	h->c->gpr[RCX] = idx;
	h->c->gpr[RAX] = (val & 0xffffffffull) | 0xaaaaaaaa00000000ull; /* upper halves ignored */
	h->c->gpr[RDX] = (val >> 32) | 0x5555555500000000ull;
	return sh_run(h, CODE(0x0f, 0x30));
}

/* the table is sorted (binary search) and its names are unique */
static void test_table(void **s)
{
	assert_string_equal(msr_name(MSR_EFER), "EFER");
	assert_string_equal(msr_name(0x805), "X2APIC");
	assert_null(msr_name(0x12345));
	assert_true(msr_exists(H.c, MSR_PAT));
	assert_true(msr_exists(H.c, 0x38f)); /* IA32_PERF_GLOBAL_CTRL (max: PMU v2) */
	assert_false(msr_exists(H.c, 0x391));
}

/* SDM "RDMSR"/"WRMSR": "#GP(0) If the current privilege level is not 0" */
static void test_cpl3(void **s)
{
	sh_user(&H);
	assert_int_equal(rdmsr(&H, MSR_EFER, NULL), VEC_GP);
	assert_int_equal(sh_err(&H), 0);
	sh_user(&H);
	assert_int_equal(wrmsr(&H, MSR_STAR, 0), VEC_GP);
	assert_int_equal(sh_err(&H), 0);
}

/* "If the value in ECX specifies a reserved or unimplemented MSR address" */
static void test_absent(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, 0x12345, &v), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x12345, 0), VEC_GP);
	/* XSS needs XSAVES, which max does not advertise */
	assert_int_equal(rdmsr(&H, MSR_XSS, &v), VEC_GP);
	/* only MCG_CAP.Count banks exist */
	assert_int_equal(rdmsr(&H, 0x400 + 4 * 10, &v), VEC_GP);
	/* read-only and write-only MSRs */
	assert_int_equal(wrmsr(&H, MSR_PLATFORM_ID, 0), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_MTRRCAP, 0), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_MCG_CAP, 0), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_ARCH_CAPABILITIES, 0), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_PRED_CMD, &v), VEC_GP);
}

/* RDMSR writes EDX:EAX and clears the upper halves of RAX/RDX */
static void test_rdmsr_result(void **s)
{
	u64 v;
	assert_int_equal(wrmsr(&H, MSR_STAR, 0x0023001000000000ull), -1);
	assert_int_equal(rdmsr(&H, MSR_STAR, &v), -1);
	assert_int_equal(v, 0x0023001000000000ull);
	assert_int_equal(H.c->gpr[RAX], 0);
	assert_int_equal(H.c->gpr[RDX], 0x00230010);
	assert_int_equal(rdmsr(&H, MSR_PAT, &v), -1);
	assert_int_equal(v, 0x0007040600070406ull);
}

/* SDM "IA32_EFER": reserved bits, LME while paging, LMA read-only */
static void test_efer(void **s)
{
	u64 v, efer = H.c->efer;
	assert_int_equal(wrmsr(&H, MSR_EFER, efer | BIT(1)), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_EFER, efer | EFER_SVME), VEC_GP); /* svm absent */
	assert_int_equal(wrmsr(&H, MSR_EFER, efer | EFER_FFXSR), VEC_GP);
	/* "changing LME while paging is enabled" */
	assert_int_equal(wrmsr(&H, MSR_EFER, efer & ~EFER_LME), VEC_GP);
	assert_int_equal(H.c->efer, efer);
	/* LMA is read-only: writing 0 leaves it set */
	assert_int_equal(wrmsr(&H, MSR_EFER, efer & ~(EFER_LMA | EFER_NXE)), -1);
	assert_int_equal(H.c->efer, (efer & ~EFER_NXE));
	assert_int_equal(rdmsr(&H, MSR_EFER, &v), -1);
	assert_int_equal(v, efer & ~EFER_NXE);
	/* with paging off, LME may change */
	sh_prot32(&H);
	assert_int_equal(wrmsr(&H, MSR_EFER, EFER_LME), -1);
	assert_int_equal(H.c->efer, EFER_LME);
}

/* Canonical-address MSRs: "#GP(0) if a non-canonical address is written" */
static void test_canonical(void **s)
{
	static const u32 idx[] = { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR,
				   MSR_CSTAR, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP };
	for (size_t k = 0; k < ARRAY_SIZE(idx); k++) {
		u64 v;
		assert_int_equal(wrmsr(&H, idx[k], 0x0000800000000000ull), VEC_GP);
		assert_int_equal(wrmsr(&H, idx[k], 0xffff800000001234ull), -1);
		assert_int_equal(rdmsr(&H, idx[k], &v), -1);
		assert_int_equal(v, 0xffff800000001234ull);
	}
	/* FS_BASE / GS_BASE are the segment-cache bases */
	assert_int_equal(H.c->seg[SEG_FS].base, 0xffff800000001234ull);
	assert_int_equal(H.c->seg[SEG_GS].base, 0xffff800000001234ull);
	assert_int_equal(H.c->msr.kernel_gs_base, 0xffff800000001234ull);
}

/* WRMSR IA32_TSC sets the offset; IA32_TSC_ADJUST follows (SDM
 * "Time-Stamp Counter Adjustment") */
static void test_tsc(void **s)
{
	u64 v, adj;
	assert_int_equal(wrmsr(&H, MSR_TSC, 1000000000000ull), -1);
	assert_int_equal(rdmsr(&H, MSR_TSC, &v), -1);
	assert_true(v >= 1000000000000ull && v < 1000000000000ull + 100000);
	assert_int_equal(rdmsr(&H, MSR_TSC_ADJUST, &adj), -1);
	assert_true(adj > 999000000000ull);
	/* writing TSC_ADJUST moves the TSC by the difference */
	assert_int_equal(wrmsr(&H, MSR_TSC_ADJUST, adj + 5000000), -1);
	assert_int_equal(rdmsr(&H, MSR_TSC, &v), -1);
	assert_true(v >= 1000005000000ull && v < 1000005000000ull + 100000);
	/* RDTSC sees the same clock */
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x31)), -1);
	assert_true((H.c->gpr[RDX] << 32 | H.c->gpr[RAX]) >= 1000005000000ull);
}

/* APIC_BASE and the x2APIC range go to the local APIC; none -> #GP */
static void test_apic(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, MSR_APIC_BASE, &v), -1);
	assert_int_equal(v, 0xfee00900ull); /* enabled, BSP */
	/* x2APIC registers #GP while the APIC is in xAPIC mode (the APIC's rule) */
	assert_int_equal(rdmsr(&H, 0x802, &v), VEC_GP);
	const struct apic_ops *ops = H.c->apic_ops;
	H.c->apic_ops = NULL;
	assert_int_equal(rdmsr(&H, MSR_APIC_BASE, &v), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_APIC_BASE, 0xfee00900ull), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_TSC_DEADLINE, &v), VEC_GP);
	H.c->apic_ops = ops;
	assert_int_equal(rdmsr(&H, MSR_TSC_DEADLINE, &v), -1);
}

/* SDM "IA32_PAT MSR": reserved encodings 2, 3 and >= 8 -> #GP(0) */
static void test_pat(void **s)
{
	assert_int_equal(wrmsr(&H, MSR_PAT, 0x0007040600070402ull), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_PAT, 0x0307040600070406ull), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_PAT, 0x0807040600070406ull), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_PAT, 0x0001040500070406ull), -1);
	assert_int_equal(H.c->msr.pat, 0x0001040500070406ull);
}

/* MTRRs: SDM "MTRRdefType", "Fixed Range MTRRs", "Variable Range MTRRs" */
static void test_mtrr(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, MSR_MTRRCAP, &v), -1);
	assert_int_equal(v & 0xff, 8);
	assert_int_equal(wrmsr(&H, MSR_MTRR_DEF_TYPE, 0xc06), -1);
	assert_int_equal(wrmsr(&H, MSR_MTRR_DEF_TYPE, 0xc02), VEC_GP);   /* type 2 */
	assert_int_equal(wrmsr(&H, MSR_MTRR_DEF_TYPE, 0x1c06), VEC_GP);  /* bit 12 */
	assert_int_equal(wrmsr(&H, MSR_MTRR_FIX4K_C0000, 0x0606060606060606ull), -1);
	assert_int_equal(wrmsr(&H, MSR_MTRR_FIX4K_C0000, 0x0606060606060706ull), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_MTRR_FIX4K_C0000, &v), -1);
	assert_int_equal(v, 0x0606060606060606ull);
	/* PHYSBASE0: type 6 ok; bits 11:8 and >= MAXPHYADDR (40) reserved */
	assert_int_equal(wrmsr(&H, 0x200, 0x80000006ull), -1);
	assert_int_equal(wrmsr(&H, 0x200, 0x80000106ull), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x200, (1ull << 40) | 6), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x200, 0x80000003ull), VEC_GP);
	/* PHYSMASK0: bits 10:0 reserved, V = bit 11 */
	assert_int_equal(wrmsr(&H, 0x201, 0xff80000800ull), -1);
	assert_int_equal(wrmsr(&H, 0x201, 0xff80000801ull), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x201, 0x1ff80000800ull), VEC_GP);
	assert_int_equal(rdmsr(&H, 0x201, &v), -1);
	assert_int_equal(v, 0xff80000800ull);
	/* only 8 variable ranges */
	assert_int_equal(rdmsr(&H, 0x210, &v), VEC_GP);
}

/* IA32_FEATURE_CONTROL: lock bit, and reserved bits for absent features */
static void test_feature_control(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, MSR_FEATURE_CONTROL, &v), -1);
	assert_int_equal(v, 0);
	/* VMXON-outside-SMX needs VMX */
	assert_int_equal(wrmsr(&H, MSR_FEATURE_CONTROL, 5), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_FEATURE_CONTROL, 1), -1);
	/* locked: every write #GP, even the same value */
	assert_int_equal(wrmsr(&H, MSR_FEATURE_CONTROL, 1), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_FEATURE_CONTROL, 0), VEC_GP);
	/* with VMX advertised, bit 2 is writable */
	teardown(s);
	setup(s);
	sh_feat(&H, FEAT_vmx, true);
	assert_int_equal(wrmsr(&H, MSR_FEATURE_CONTROL, 5), -1);
}

/* IA32_MISC_ENABLE: only writable bits may change; MWAIT enable drives
 * CPUID.01H:ECX.MONITOR and the MONITOR/MWAIT #UD */
static void test_misc_enable(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, MSR_MISC_ENABLE, &v), -1);
	assert_true(v & MISC_ENABLE_FAST_STRING);
	assert_true(v & MISC_ENABLE_MWAIT);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v ^ MISC_ENABLE_BTS_UNAVAIL), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v | BIT(1)), VEC_GP);
	H.c->gpr[RAX] = 1;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
	assert_true(H.c->gpr[RCX] & BIT(3));
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v & ~MISC_ENABLE_MWAIT), -1);
	H.c->gpr[RAX] = 1;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
	assert_false(H.c->gpr[RCX] & BIT(3));
	H.c->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xc9)), VEC_UD); /* mwait */
	/* "Limit CPUID Maxval": leaf 0 reports 2 */
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v | MISC_ENABLE_LIMIT_CPUID), -1);
	H.c->gpr[RAX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
	assert_int_equal(H.c->gpr[RAX], 2);
}

/* SDM Vol.4 "IA32_MISC_ENABLE": bit 3 is R/W; 16 and 23 only where EIST
 * and xTPR are enumerated (max has neither); 34 XD Bit Disable clears
 * CPUID.80000001H:EDX[20] and makes EFER.NXE reserved; bit 7 reads 1 with
 * a PMU and is read-only */
static void test_misc_enable_bits(void **s)
{
	u64 v, efer;
	assert_int_equal(rdmsr(&H, MSR_MISC_ENABLE, &v), -1);
	assert_true(v & MISC_ENABLE_PERFMON);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v & ~MISC_ENABLE_PERFMON), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v | MISC_ENABLE_TCC), -1);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v | MISC_ENABLE_EIST), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v | MISC_ENABLE_XTPR_DISABLE), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_EFER, &efer), -1);
	assert_int_equal(wrmsr(&H, MSR_EFER, efer & ~EFER_NXE), -1);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v | MISC_ENABLE_XD_DISABLE), -1);
	H.c->gpr[RAX] = 0x80000001;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
	assert_false(H.c->gpr[RDX] & BIT(20));
	assert_int_equal(wrmsr(&H, MSR_EFER, efer | EFER_NXE), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_MISC_ENABLE, v), -1);
	H.c->gpr[RAX] = 0x80000001;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
	assert_true(H.c->gpr[RDX] & BIT(20));
	assert_int_equal(wrmsr(&H, MSR_EFER, efer | EFER_NXE), -1);
	/* pmu=off: bit 7 reads 0 */
	teardown(s);
	sh_init(&H, "max,pmu=off");
	assert_int_equal(rdmsr(&H, MSR_MISC_ENABLE, &v), -1);
	assert_false(v & MISC_ENABLE_PERFMON);
}

/* SPEC_CTRL / PRED_CMD / ARCH_CAPABILITIES exist only if advertised */
static void test_spec_ctrl(void **s)
{
	u64 v;
	assert_int_equal(wrmsr(&H, MSR_SPEC_CTRL, 7), -1);
	assert_int_equal(wrmsr(&H, MSR_SPEC_CTRL, 8), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_PRED_CMD, 1), -1);
	assert_int_equal(wrmsr(&H, MSR_PRED_CMD, 2), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_ARCH_CAPABILITIES, &v), -1);
	assert_true(v & 1); /* RDCL_NO */
	teardown(s);
	sh_init(&H, "max,-spec-ctrl,-stibp,-ssbd,-arch-capabilities");
	assert_int_equal(rdmsr(&H, MSR_SPEC_CTRL, &v), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_PRED_CMD, 1), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_ARCH_CAPABILITIES, &v), VEC_GP);
}

/* machine check: banks read 0, STATUS takes only 0, MCG_CTL 0 or ~0,
 * MCG_STATUS reserved bits */
static void test_mca(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, MSR_MCG_CAP, &v), -1);
	assert_int_equal(v & 0xff, 10);
	assert_int_equal(rdmsr(&H, 0x401, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(wrmsr(&H, 0x401, 0), -1);
	assert_int_equal(wrmsr(&H, 0x401, 1), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x400, ~0ull), -1);
	assert_int_equal(wrmsr(&H, MSR_MCG_CTL, 0), -1);
	assert_int_equal(wrmsr(&H, MSR_MCG_CTL, 1), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_MCG_STATUS, 4), -1);
	assert_int_equal(wrmsr(&H, MSR_MCG_STATUS, 8), VEC_GP);
}

/* TSC_AUX: bits 63:32 reserved; RDTSCP and RDPID return it */
static void test_tsc_aux(void **s)
{
	assert_int_equal(wrmsr(&H, MSR_TSC_AUX, 1ull << 32), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_TSC_AUX, 0x1234), -1);
	H.c->gpr[RCX] = ~0ull;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xf9)), -1); /* rdtscp */
	assert_int_equal(H.c->gpr[RCX], 0x1234);
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x0f, 0xc7, 0xfb)), -1); /* rdpid rbx */
	assert_int_equal(H.c->gpr[RBX], 0x1234);
}

/* miscellaneous reserved-bit rules */
static void test_misc_reserved(void **s)
{
	u64 v;
	assert_int_equal(wrmsr(&H, MSR_DEBUGCTL, 4), VEC_GP);
	assert_int_equal(wrmsr(&H, MSR_DEBUGCTL, 1), -1);
	assert_int_equal(rdmsr(&H, MSR_BIOS_SIGN_ID, &v), -1);
	assert_int_equal(v >> 32, 1);
	assert_int_equal(wrmsr(&H, MSR_SFMASK, 0xffffffff00047700ull), -1);
	assert_int_equal(H.c->msr.sfmask, 0x47700);
}

/* AMD models have no Intel-only MSRs */
static void test_vendor_gates(void **s)
{
	u64 v;
	teardown(s);
	sh_init(&H, "qemu64");
	assert_int_equal(rdmsr(&H, MSR_FEATURE_CONTROL, &v), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_MISC_ENABLE, &v), VEC_GP);
	assert_int_equal(rdmsr(&H, MSR_EFER, &v), -1);
}

/* AMD's SYSCFG (APM Vol.2 "System Configuration Register") and NB_CFG
 * (BKDG): on AMD models only; the MTRR bits 18-22 and EnableCf8ExtCfg (bit
 * 46) are kept, any other bit #GP */
static void test_amd_syscfg(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, 0xc0010010, &v), VEC_GP); /* Intel model */
	assert_int_equal(rdmsr(&H, 0xc001001f, &v), VEC_GP);
	teardown(s);
	sh_init(&H, "EPYC");
	assert_int_equal(rdmsr(&H, 0xc0010010, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(wrmsr(&H, 0xc0010010, 0x1full << 18), -1);
	assert_int_equal(rdmsr(&H, 0xc0010010, &v), -1);
	assert_int_equal(v, 0x1full << 18);
	assert_int_equal(wrmsr(&H, 0xc0010010, BIT(17)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0xc0010010, BIT(23)), VEC_GP);
	assert_int_equal(rdmsr(&H, 0xc001001f, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(wrmsr(&H, 0xc001001f, BIT(46)), -1);
	assert_int_equal(rdmsr(&H, 0xc001001f, &v), -1);
	assert_int_equal(v, BIT(46));
	assert_int_equal(wrmsr(&H, 0xc001001f, BIT(45)), VEC_GP);
}

/* AMD APM Vol.2 "Performance Monitoring Counters": PerfEvtSel0-3 and
 * PerfCtr0-3 exist on AMD models (never on Intel ones); reserved event-select
 * bits #GP; counters are 48 bits wide */
static void test_amd_perf(void **s)
{
	u64 v;
	assert_int_equal(rdmsr(&H, 0xc0010000, &v), VEC_GP); /* Intel model */
	assert_int_equal(wrmsr(&H, 0xc0010004, 0), VEC_GP);
	H.c->gpr[RCX] = 8;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP); /* RDPMC: IA32_PMC0-7 only */
	teardown(s);
	sh_init(&H, "qemu64");
	for (u32 k = 0; k < 8; k++) {
		assert_int_equal(wrmsr(&H, 0xc0010000 + k, 0), -1);
		assert_int_equal(rdmsr(&H, 0xc0010000 + k, &v), -1);
		assert_int_equal(v, 0);
	}
	assert_int_equal(rdmsr(&H, 0xc0010008, &v), VEC_GP);
	assert_int_equal(wrmsr(&H, 0xc0010001, BIT(21)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0xc0010001, BIT(36)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0xc0010001, BIT(42)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0xc0010001, 0x30fffdfffffull), -1);
	assert_int_equal(rdmsr(&H, 0xc0010001, &v), -1);
	assert_int_equal(v, 0x30fffdfffffull);
	assert_int_equal(wrmsr(&H, 0xc0010000, 0), -1);
	assert_int_equal(wrmsr(&H, 0xc0010006, ~0ull), -1);
	assert_int_equal(rdmsr(&H, 0xc0010006, &v), -1);
	assert_int_equal(v, 0xffffffffffffull);
	H.c->gpr[RCX] = 2;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), -1); /* RDPMC 2 = PerfCtr2 */
	assert_int_equal(H.c->gpr[RAX], 0xffffffff);
	assert_int_equal(H.c->gpr[RDX], 0xffff);
	/* QEMU's pmu=off: no counters */
	teardown(s);
	sh_init(&H, "qemu64,pmu=off");
	assert_int_equal(rdmsr(&H, 0xc0010000, &v), VEC_GP);
	H.c->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP);
}

/* SDM Vol.3B "Architectural Performance Monitoring" (cpu/system/pmu.c):
 * the MSRs of version 2 with 8 general-purpose and 3 fixed counters on an
 * Intel-flavoured model; reserved bits #GP; pmu=off removes them */
static void test_intel_pmu(void **s)
{
	u64 v;
	u32 r[4];

	cpu_model_cpuid(H.c->model, 0xa, 0, r);
	assert_int_equal(r[0], 0x07300802); /* v2, 8 GP, 48 bits, 7 events */
	assert_int_equal(r[3], 0x603);      /* 3 fixed, 48 bits */
	assert_int_equal(rdmsr(&H, 0x38f, &v), -1);
	assert_int_equal(v, 0xff); /* GP enables set at reset */
	assert_int_equal(wrmsr(&H, 0x38f, BIT(35)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x38f, 0x7000000ffull), -1);
	assert_int_equal(wrmsr(&H, 0x38e, 0), VEC_GP);          /* STATUS read-only */
	assert_int_equal(wrmsr(&H, 0x38d, BIT(2)), VEC_GP);     /* AnyThread: v3 */
	assert_int_equal(wrmsr(&H, 0x38d, BIT(12)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x38d, 0xbbb), -1);
	assert_int_equal(wrmsr(&H, 0x186, BIT(21)), VEC_GP);    /* AnyThread: v3 */
	assert_int_equal(wrmsr(&H, 0x186, BIT(32)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x18d, 0xc0), -1);
	assert_int_equal(rdmsr(&H, 0x18e, &v), VEC_GP);         /* no PERFEVTSEL8 */
	assert_int_equal(rdmsr(&H, 0xc9, &v), VEC_GP);
	assert_int_equal(rdmsr(&H, 0x30c, &v), VEC_GP);
	/* a legacy PMC write sign-extends bit 31; the full-width alias takes
	 * 48 bits and #GPs above them */
	assert_int_equal(wrmsr(&H, 0xc1, 0x80000000ull), -1);
	assert_int_equal(rdmsr(&H, 0xc1, &v), -1);
	assert_int_equal(v, 0xffff80000000ull);
	assert_int_equal(wrmsr(&H, 0x4c1, BIT(48)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x4c1, 0x123456789abcull), -1);
	assert_int_equal(rdmsr(&H, 0xc1, &v), -1);
	assert_int_equal(v, 0x123456789abcull);
	assert_int_equal(rdmsr(&H, 0x345, &v), -1);
	assert_int_equal(v, BIT(13)); /* FW_WRITE */
	assert_int_equal(wrmsr(&H, 0x390, BIT(40)), VEC_GP);
	assert_int_equal(wrmsr(&H, 0x390, BIT(63) | BIT(62) | BIT(34) | 0xff), -1);
	/* RDPMC: ECX[30] selects the fixed counters (stopped here) */
	assert_int_equal(wrmsr(&H, 0x38d, 0), -1);
	assert_int_equal(wrmsr(&H, 0x30a, 0x1234), -1);
	H.c->gpr[RCX] = BIT(30) | 1;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), -1);
	assert_int_equal(H.c->gpr[RAX], 0x1234);
	H.c->gpr[RCX] = BIT(30) | 3;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP);
	H.c->gpr[RCX] = BIT(31);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP);
	/* pmu=off: leaf 0xA is zero, the MSRs #GP, PDCM is gone */
	teardown(s);
	sh_init(&H, "max,pmu=off");
	cpu_model_cpuid(H.c->model, 0xa, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	assert_int_equal(rdmsr(&H, 0x38f, &v), VEC_GP);
	assert_int_equal(rdmsr(&H, 0xc1, &v), VEC_GP);
	assert_int_equal(rdmsr(&H, 0x345, &v), VEC_GP);
	assert_false(cpu_has(H.c->model, FEAT_pdcm));
	H.c->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x33)), VEC_GP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpl3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdmsr_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_efer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tsc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtrr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feature_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misc_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misc_enable_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spec_ctrl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tsc_aux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misc_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vendor_gates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amd_syscfg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amd_perf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intel_pmu, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
