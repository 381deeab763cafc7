/* tests/unit/svm_core_test.c: the SVM core (src/svm): the VMCB tables,
 * CPUID and -cpu (svm opt-in, sub-features, QEMU's names), the MSRs, every
 * row of svm/checks.def (a valid VMCB with one field changed fires exactly
 * that row; a coverage gate fails if a row has no test here or no case in
 * tests/guest/svm/svm_checks.c), and VMRUN .. #VMEXIT through the step loop
 * on a harness machine: guest state loaded, the exit information and guest
 * state written back, the host state restored, GIF, EXITINTINFO and nRIP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "harness.h"

#include "cpu/event.h"
#include "cpu/exec/flags.h"
#include "cpu/model.h"
#include "cpu/system/exec_sys.h"
#include "cpu/system/msr.h"
#include "svm/svm_internal.h"

#define VMCB_PA  0x500000ull
#define L2_CODE  0x180000ull
#define L2_STACK 0x1f0000ull

static struct harness H, *h = &H;
static struct vmcb_control ctl;
static struct vmcb_save sv;

/* ---- tables ---- */

static void test_tables(void **state)
{
	static const struct { const char *n; u32 off, size; } rows[] = {
#define VMCB_FIELD(n, o, s) { #n, o, s },
#include "svm/vmcb.def"
#undef VMCB_FIELD
	};
	/* in offset order, none overlapping, control area below 400h */
	for (size_t k = 1; k < ARRAY_SIZE(rows); k++)
		if (rows[k].off < rows[k - 1].off + rows[k - 1].size)
			fail_msg("vmcb.def: %s overlaps %s", rows[k].n, rows[k - 1].n);
	assert_int_equal(VMCB_OFF_exitcode, 0x70);
	assert_int_equal(VMCB_OFF_cpl, 0x4cb);
	assert_int_equal(VMCB_OFF_rax, 0x5f8);
	assert_int_equal(SVM_ICPT_VMRUN, 4 * 32 + 0);
	assert_int_equal(SVM_ICPT_SHUTDOWN, 3 * 32 + 31);
	assert_int_equal(SVM_ICPT_EXC14, 2 * 32 + 14);
	assert_string_equal(svm_exit_name(0x72), "CPUID");
	assert_string_equal(svm_exit_name(0x400), "NPF");
	assert_string_equal(svm_exit_name(~0ull), "INVALID");
	assert_string_equal(svm_exit_name(SVM_EXIT_INVALID), "INVALID");
	assert_null(svm_exit_name(0x3ff));
}

/* ---- CPUID and -cpu ---- */

static void leaf(const char *spec, u32 l, u32 out[4])
{
	static struct cpu_model m;
	char err[200];
	if (cpu_model_parse(&m, spec, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
	cpu_model_cpuid(&m, l, 0, out);
}

static void test_caps(void **state)
{
	u32 r[4];

	leaf("max", 0x80000001, r);
	assert_false(r[CPUID_ECX] & BIT(2));
	leaf("max", 0x80000000, r);
	assert_true(r[CPUID_EAX] < 0x8000000a); /* no SVM leaf */
	leaf("max,+svm", 0x80000001, r);
	assert_true(r[CPUID_ECX] & BIT(2));
	leaf("max,+svm", 0x80000000, r);
	assert_true(r[CPUID_EAX] >= 0x8000000a);
	leaf("max,+svm", 0x8000000a, r);
	assert_int_equal(r[CPUID_EAX], 1);
	assert_int_equal(r[CPUID_EBX], 16);
	/* nrip-save, vmcb-clean, svm-lock: what the core implements */
	assert_int_equal(r[CPUID_EDX] & (BIT(2) | BIT(3) | BIT(5)), BIT(2) | BIT(3) | BIT(5));
	/* lbrv (1), tsc-scale (4), v-vmsave-vmload (15): svm/vmrun.c,
	 * svm/svm.c, svm/insn.c */
	assert_int_equal(r[CPUID_EDX] & (BIT(1) | BIT(4) | BIT(15)), BIT(1) | BIT(4) | BIT(15));
	leaf("max,+svm,-tsc-scale,-lbrv,-v-vmsave-vmload", 0x8000000a, r);
	assert_false(r[CPUID_EDX] & (BIT(1) | BIT(4) | BIT(15)));
	leaf("max,+svm,-nrip-save", 0x8000000a, r);
	assert_false(r[CPUID_EDX] & BIT(3));
	assert_true(r[CPUID_EDX] & BIT(5));
	leaf("max,+svm,vmcb-clean=off", 0x8000000a, r);
	assert_false(r[CPUID_EDX] & BIT(5));
	/* opt-in on every model; any vendor */
	leaf("EPYC", 0x80000001, r);
	assert_false(r[CPUID_ECX] & BIT(2));
	leaf("EPYC,+svm", 0x80000001, r);
	assert_true(r[CPUID_ECX] & BIT(2));
	leaf("Skylake-Client,+svm", 0x80000001, r);
	assert_true(r[CPUID_ECX] & BIT(2));
	leaf("max,+svm,vendor=GenuineIntel", 0x8000000a, r);
	assert_int_equal(r[CPUID_EAX], 1);
}

/* ---- MSRs (the guest kernel svm_basic covers them end to end) ---- */

static void test_msrs(void **state)
{
	u64 v;

	h_init(h, "max,+svm");
	struct cpu *c = h->c;
	assert_int_equal(msr_read(c, MSR_TSC_RATIO, &v), 0); /* tsc-scale */
	assert_int_equal(v, 1ull << 32);
	assert_int_equal(msr_write(c, MSR_TSC_RATIO, 1ull << 40), -1);
	assert_int_equal(msr_write(c, MSR_VM_HSAVE_PA, 0x1001), -1);
	assert_int_equal(msr_write(c, MSR_VM_HSAVE_PA, 1ull << cpu_maxphyaddr(c)), -1);
	assert_int_equal(msr_write(c, MSR_VM_HSAVE_PA, 0x2000), 0);
	assert_int_equal(c->svm.hsave_pa, 0x2000);
	assert_int_equal(msr_write(c, MSR_VM_CR, VM_CR_SVMDIS), 0);
	assert_int_equal(msr_write(c, MSR_EFER, c->efer | EFER_SVME), -1);
	assert_int_equal(msr_write(c, MSR_VM_CR, 0), 0);
	assert_int_equal(msr_write(c, MSR_EFER, c->efer | EFER_SVME), 0);
	assert_int_equal(msr_write(c, MSR_VM_CR, VM_CR_SVMDIS), -1);
	assert_int_equal(msr_write(c, MSR_VM_CR, BIT(5)), -1);
	h_free(h);
	/* without svm: the MSRs and EFER.SVME do not exist */
	h_init(h, "max");
	assert_int_equal(msr_read(h->c, MSR_VM_CR, &v), -1);
	assert_int_equal(msr_write(h->c, MSR_EFER, h->c->efer | EFER_SVME), -1);
	h_free(h);
}

/* ---- a valid VMCB: a 64-bit L2 sharing L1's flat state ---- */

static void valid_vmcb(void)
{
	struct cpu *c = h->c;

	memset(&ctl, 0, sizeof(ctl));
	memset(&sv, 0, sizeof(sv));
	ctl.intercepts[SVM_ICPT_VMRUN / 32] |= 1u << (SVM_ICPT_VMRUN % 32);
	ctl.intercepts[SVM_ICPT_VMMCALL / 32] |= 1u << (SVM_ICPT_VMMCALL % 32);
	ctl.iopm_base_pa = 0x600000;
	ctl.msrpm_base_pa = 0x604000;
	ctl.guest_asid = 1;
	svm_seg_to_vmcb(&c->seg[SEG_ES], &sv.es);
	svm_seg_to_vmcb(&c->seg[SEG_CS], &sv.cs);
	svm_seg_to_vmcb(&c->seg[SEG_SS], &sv.ss);
	svm_seg_to_vmcb(&c->seg[SEG_DS], &sv.ds);
	sv.gdtr.base = c->gdtr.base;
	sv.gdtr.limit = c->gdtr.limit;
	sv.idtr.base = c->idtr.base;
	sv.idtr.limit = c->idtr.limit;
	sv.efer = c->efer | EFER_SVME;
	sv.cr0 = c->cr0;
	sv.cr3 = c->cr3;
	sv.cr4 = c->cr4;
	sv.dr6 = DR6_FIXED1;
	sv.dr7 = DR7_FIXED1;
	sv.rflags = RFLAGS_FIXED;
	sv.rip = L2_CODE;
	sv.rsp = L2_STACK;
	sv.rax = 0x1234;
}

static void put_vmcb(void)
{
	svm_phys_write(h->c, VMCB_PA, &ctl, sizeof(ctl));
	svm_phys_write(h->c, VMCB_PA + VMCB_SAVE_OFFSET, &sv, sizeof(sv));
}

static u64 vmcb64(unsigned off)
{
	return h_peek64(h, VMCB_PA + off);
}

/* ---- every row of checks.def ---- */

static void n_efer_svme(void) { sv.efer &= ~EFER_SVME; }
static void n_cd_nw(void) { sv.cr0 = (sv.cr0 & ~CR0_CD) | CR0_NW; }
static void n_cr0_high(void) { sv.cr0 |= BIT(40); }
static void n_cr3(void) { sv.cr3 |= BIT(51); }
static void n_cr3_legacy(void) { sv.efer &= ~(EFER_LME | EFER_LMA); sv.cr3 |= BIT(33); }
static void n_cr4(void) { sv.cr4 |= BIT(63); }
static void n_dr6(void) { sv.dr6 |= BIT(32); }
static void n_dr7(void) { sv.dr7 |= BIT(63); }
static void n_efer(void) { sv.efer |= BIT(3); }
static void n_no_pae(void) { sv.cr4 &= ~CR4_PAE; }
static void n_no_pe(void) { sv.cr0 &= ~CR0_PE; }
static void n_cs_l_d(void) { sv.cs.attrib |= VMCB_ATTR_DB; }
static void n_vmrun(void) { ctl.intercepts[SVM_ICPT_VMRUN / 32] = 0; }
static void n_msrpm(void) { ctl.msrpm_base_pa = (1ull << 40) - 0x1000; }
/* bits 11:0 are ignored: the 12 KiB IOPM from the page 8 KiB below 2^40 */
static void n_iopm(void) { ctl.iopm_base_pa = (1ull << 40) - 0x2000 + 0x123; }
static void n_evt_type(void) { ctl.eventinj = EVTINJ_V | (7ull << 8); }
static void n_evt_vec(void) { ctl.eventinj = EVTINJ_V | ((u64)SVM_EVT_EXC << 8) | 200; }
static void n_evt_vec15(void) { ctl.eventinj = EVTINJ_V | ((u64)SVM_EVT_EXC << 8) | 15; }
static void n_evt_vec9(void) { ctl.eventinj = EVTINJ_V | ((u64)SVM_EVT_EXC << 8) | 9; }
static void n_evt_vec20(void) { ctl.eventinj = EVTINJ_V | ((u64)SVM_EVT_EXC << 8) | 20; }
static void n_asid(void) { ctl.guest_asid = 0; }
/* NPTI rows (svm/npt.c): nested paging on, then one illegal thing. Host
 * paging off: identity-mapped, the harness's code runs on without it */
static void n_np_host(void)
{
	ctl.nested_ctl = NESTED_CTL_NP_ENABLE;
	h->c->cr0 &= ~CR0_PG;
}
static void n_np_ncr3(void)
{
	ctl.nested_ctl = NESTED_CTL_NP_ENABLE;
	ctl.ncr3 = 1ull << cpu_maxphyaddr(h->c);
}
static void n_np_gpat(void)
{
	ctl.nested_ctl = NESTED_CTL_NP_ENABLE;
	sv.g_pat = 0x0007040600070402ull;
}

static const struct negative {
	const char *row;
	void (*breakit)(void);
} negatives[] = {
	{ "EFER_SVME", n_efer_svme },
	{ "CR0_CD_NW", n_cd_nw },
	{ "CR0_HIGH", n_cr0_high },
	{ "CR3_MBZ", n_cr3 },
	{ "CR3_MBZ", n_cr3_legacy },
	{ "CR4_MBZ", n_cr4 },
	{ "DR6_HIGH", n_dr6 },
	{ "DR7_HIGH", n_dr7 },
	{ "EFER_LONG_MODE", NULL }, /* test_check_no_long_mode */
	{ "EFER_MBZ", n_efer },
	{ "LME_PG_NO_PAE", n_no_pae },
	{ "LME_PG_NO_PE", n_no_pe },
	{ "LME_PG_PAE_CS_L_D", n_cs_l_d },
	{ "VMRUN_INTERCEPT", n_vmrun },
	{ "MSRPM_RANGE", n_msrpm },
	{ "IOPM_RANGE", n_iopm },
	{ "EVENTINJ_TYPE", n_evt_type },
	{ "EVENTINJ_EXC_VECTOR", n_evt_vec },
	{ "EVENTINJ_EXC_VECTOR", n_evt_vec15 },
	{ "EVENTINJ_EXC_VECTOR", n_evt_vec9 },
	{ "EVENTINJ_EXC_VECTOR", n_evt_vec20 },
	{ "ASID_ZERO", n_asid },
	{ "NP_HOST_PAGING", n_np_host },
	{ "NP_NCR3_MBZ", n_np_ncr3 },
	{ "NP_GPAT", n_np_gpat },
};

/* rows a 64-bit guest kernel cannot reach (svm_checks.c runs in long mode,
 * so its model has it; NP_HOST_PAGING needs an L1 that does not page):
 * tested here only */
static const char *const guest_unreachable[] = { "EFER_LONG_MODE", "NP_HOST_PAGING" };

/* VMRUN at H_CODE with RAX = the VMCB; L2 runs VMMCALL at L2_CODE */
static const u8 vmrun_code[] = { 0x48, 0xb8, 0, 0, 0x50, 0, 0, 0, 0, 0, /* mov rax, VMCB_PA */
				 0x0f, 0x01, 0xd8 };                   /* vmrun */
#define AFTER_VMRUN (H_CODE + sizeof(vmrun_code))

static void start(const char *spec)
{
	h_init(h, spec);
	h->c->efer |= EFER_SVME;
	h_code(h, vmrun_code, sizeof(vmrun_code));
	static const u8 vmmcall[] = { 0x0f, 0x01, 0xd9 };
	h_poke(h, L2_CODE, vmmcall, sizeof(vmmcall));
	valid_vmcb();
}

static void test_each_check(void **state)
{
	start("max,+svm");
	assert_int_equal(svm_vmrun_checks(h->c, &ctl, &sv), SVM_CHECK_NONE);
	/* every AMD64 exception vector may be injected as one */
	static const u8 exc[] = { 0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 18, 19, 21,
				  28, 29, 30 };
	for (size_t k = 0; k < ARRAY_SIZE(exc); k++) {
		ctl.eventinj = EVTINJ_V | ((u64)SVM_EVT_EXC << 8) | exc[k];
		assert_int_equal(svm_vmrun_checks(h->c, &ctl, &sv), SVM_CHECK_NONE);
	}
	ctl.eventinj = 0;
	h_free(h);
	for (size_t k = 0; k < ARRAY_SIZE(negatives); k++) {
		if (!negatives[k].breakit)
			continue; /* a test of its own */
		start("max,+svm");
		negatives[k].breakit();
		enum svm_check got = svm_vmrun_checks(h->c, &ctl, &sv);
		if (strcmp(svm_check_name(got), negatives[k].row))
			fail_msg("%s: check %s fired", negatives[k].row, svm_check_name(got));
		/* and through VMRUN: VMEXIT_INVALID, L1 after VMRUN, GIF 0,
		 * the guest state not loaded (the VMCB's RIP/RSP/RAX as written) */
		put_vmcb();
		h_run(h, AFTER_VMRUN, 10);
		assert_int_equal(svm_last_failed_check(), got);
		assert_int_equal(h->c->rip, AFTER_VMRUN);
		assert_false(svm_guest(h->c));
		assert_int_equal(h->c->svm.gif, 0);
		assert_int_equal(vmcb64(VMCB_OFF_exitcode), ~0ull);
		assert_int_equal(vmcb64(VMCB_OFF_rip), L2_CODE);
		assert_int_equal(vmcb64(VMCB_OFF_rax), 0x1234);
		assert_int_equal(h->c->gpr[RAX], VMCB_PA);
		h_free(h);
	}
}

/* EFER.LME/LMA on a model without long mode (kvm32): the row is checked on
 * the copies, without running VMRUN (the harness runs in long mode) */
static void test_check_no_long_mode(void **state)
{
	start("kvm32,+svm");
	assert_false(cpu_has(h->c->model, FEAT_lm));
	sv.efer = EFER_SVME | EFER_LMA;
	sv.cr0 &= ~CR0_PG;
	assert_string_equal(svm_check_name(svm_vmrun_checks(h->c, &ctl, &sv)), "EFER_LONG_MODE");
	sv.efer = EFER_SVME;
	sv.cr4 &= sys_cr4_valid(h->c);
	assert_int_equal(svm_vmrun_checks(h->c, &ctl, &sv), SVM_CHECK_NONE);
	h_free(h);
}

/* the text of a file, or NULL */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

/* the coverage gate: every row has a negative here and a case in the guest
 * kernel svm_checks.c (named by the row, in quotes) */
static void test_every_check_covered(void **state)
{
	const char *guest = slurp("tests/guest/svm/svm_checks.c");
	assert_non_null(guest);
	for (unsigned r = 0; r < SVM_CHECK_NR; r++) {
		const char *id = svm_check_name(r);
		bool seen = false;
		char quoted[80];
		for (size_t k = 0; k < ARRAY_SIZE(negatives) && !seen; k++)
			seen = !strcmp(negatives[k].row, id);
		if (!seen)
			fail_msg("check %s has no unit test", id);
		snprintf(quoted, sizeof(quoted), "\"%s\"", id);
		bool guest_na = false;
		for (size_t k = 0; k < ARRAY_SIZE(guest_unreachable); k++)
			guest_na |= !strcmp(guest_unreachable[k], id);
		if (!guest_na && !strstr(guest, quoted))
			fail_msg("check %s has no case in tests/guest/svm/svm_checks.c", id);
		assert_true(svm_check_title(r)[0] && svm_check_text(r)[0]);
	}
}

/* ---- VMRUN .. #VMEXIT ---- */

static void test_round_trip(void **state)
{
	start("max,+svm");
	struct cpu *c = h->c;
	u64 cr3 = c->cr3;
	ctl.int_state = INT_STATE_SHADOW;
	sv.cr2 = 0xc2;
	sv.cpl = 0;
	put_vmcb();
	c->gpr[RBX] = 0x77;
	cpu_step(c); /* mov rax */
	cpu_step(c); /* vmrun */
	if (!svm_guest(c))
		fail_msg("VMRUN failed check %s", svm_check_name(svm_last_failed_check()));
	assert_int_equal(c->svm.gif, 1);
	assert_int_equal(c->rip, L2_CODE);
	assert_int_equal(c->gpr[RSP], L2_STACK);
	assert_int_equal(c->gpr[RAX], 0x1234);
	assert_int_equal(c->gpr[RBX], 0x77); /* not switched */
	assert_int_equal(c->cr2, 0xc2);
	assert_int_equal(c->shadow, SHADOW_STI);
	assert_int_equal(c->svm.vmcb_pa, VMCB_PA);
	assert_int_equal(c->svm.host.rip, AFTER_VMRUN);
	/* L2 changes some state, then VMMCALL exits */
	c->gpr[RAX] = 0x99;
	c->cr2 = 0x5555;
	cpu_step(c);
	assert_false(svm_guest(c));
	assert_int_equal(c->svm.gif, 0);
	assert_int_equal(c->rip, AFTER_VMRUN);
	assert_int_equal(c->gpr[RSP], H_STACK);
	assert_int_equal(c->gpr[RAX], VMCB_PA);
	assert_int_equal(c->cr3, cr3);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->dr[7], DR7_FIXED1);
	assert_int_equal(vmcb64(VMCB_OFF_exitcode), SVM_EXIT_VMMCALL);
	assert_int_equal(vmcb64(VMCB_OFF_exitinfo1), 0);
	assert_int_equal(vmcb64(VMCB_OFF_exitintinfo), 0);
	assert_int_equal(vmcb64(VMCB_OFF_nrip), L2_CODE + 3);
	assert_int_equal(vmcb64(VMCB_OFF_rip), L2_CODE);
	assert_int_equal(vmcb64(VMCB_OFF_rax), 0x99);
	assert_int_equal(vmcb64(VMCB_OFF_cr2), 0x5555);
	assert_int_equal(vmcb64(VMCB_OFF_cr3), cr3);
	/* the shadow was consumed by the VMMCALL's boundary */
	assert_int_equal(vmcb64(VMCB_OFF_int_state) & INT_STATE_SHADOW, INT_STATE_SHADOW);
	h_free(h);
}

/* #VMEXIT to a host that uses PAE paging loads its PDPTE registers again
 * from the table host CR3 references (an L2 MOV to CR3 loaded L2's into
 * them); a table MOV to CR3 would refuse shuts the processor down */
static void test_vmexit_host_pdptes(void **state)
{
	const u64 good = 0x5a000, bad = 0x5b000, pd = 0x5c000;
	for (int round = 0; round < 2; round++) {
		start("max,+svm");
		struct cpu *c = h->c;
		for (u64 k = 0; k < 4; k++) {
			h_poke64(h, good + 8 * k, pd | 1 | (k << 30));
			h_poke64(h, bad + 8 * k, k == 2 ? pd | 1 | BIT(2) : pd | 1);
		}
		put_vmcb();
		cpu_step(c); /* mov rax */
		cpu_step(c); /* vmrun */
		assert_true(svm_guest(c));
		/* the host VMRUN saved, made a legacy PAE one */
		c->svm.host.efer &= ~(u64)(EFER_LME | EFER_LMA);
		c->svm.host.cr3 = round ? bad : good;
		memset(c->pdpte, 0xee, sizeof(c->pdpte)); /* L2's */
		cpu_step(c); /* vmmcall */
		assert_false(svm_guest(c));
		assert_false(c->efer & EFER_LMA);
		if (!round) {
			for (unsigned k = 0; k < 4; k++)
				assert_int_equal(c->pdpte[k], pd | 1 | ((u64)k << 30));
			assert_int_equal(c->activity, ACT_ACTIVE);
		} else {
			assert_int_equal(c->activity, ACT_SHUTDOWN);
		}
		h_free(h);
	}
}

/* without nrip-save the nRIP field is left as L1 wrote it */
static void test_no_nrip(void **state)
{
	start("max,+svm,-nrip-save");
	ctl.nrip = 0xabc;
	put_vmcb();
	h_run(h, AFTER_VMRUN, 10);
	assert_int_equal(vmcb64(VMCB_OFF_exitcode), SVM_EXIT_VMMCALL);
	assert_int_equal(vmcb64(VMCB_OFF_nrip), 0xabc);
	h_free(h);
}

/* EXITINTINFO: an exit during the delivery of an event reports it */
static void test_exitintinfo(void **state)
{
	start("max,+svm");
	struct cpu *c = h->c;
	put_vmcb();
	cpu_step(c);
	cpu_step(c);
	assert_true(svm_guest(c));
	c->in_event = EV_HW_EXC + 1;
	c->first_vector = 14;
	c->first_has_err = 1;
	c->first_error = 0x6;
	svm_vmexit_commit(c, SVM_EXIT_EXCP14, 0x6, 0x1000, true);
	assert_int_equal(vmcb64(VMCB_OFF_exitintinfo),
			 14 | (3ull << 8) | EVTINJ_EV | EVTINJ_V | (0x6ull << 32));
	assert_int_equal(vmcb64(VMCB_OFF_exitinfo2), 0x1000);
	assert_int_equal(c->in_event, 0);
	h_free(h);
	start("max,+svm");
	c = h->c;
	put_vmcb();
	cpu_step(c);
	cpu_step(c);
	c->in_event = EV_SW_INT + 1;
	c->first_vector = 0x80;
	c->first_has_err = 0;
	svm_vmexit_commit(c, SVM_EXIT_EXCP14, 0, 0, true);
	assert_int_equal(vmcb64(VMCB_OFF_exitintinfo), 0x80 | (4ull << 8) | EVTINJ_V);
	h_free(h);
}

/* EVENTINJ: an injected #GP with its error code is delivered through L2's
 * IDT before its first instruction (the harness IDT lands on a HLT) */
static void test_eventinj(void **state)
{
	start("max,+svm");
	struct cpu *c = h->c;
	ctl.eventinj = EVTINJ_V | ((u64)SVM_EVT_EXC << 8) | EVTINJ_EV | 13 | (0x55ull << 32);
	put_vmcb();
	cpu_step(c);
	cpu_step(c);
	assert_true(svm_guest(c));
	assert_int_equal(c->rip, H_VECTORS + 16 * 13);
	assert_int_equal(h_peek64(h, L2_STACK - 8 * 6), 0x55);         /* error code */
	assert_int_equal(h_peek64(h, L2_STACK - 8 * 5), L2_CODE);      /* return RIP */
	h_free(h);
}

/* an injected NMI blocks NMIs until IRET; an injection ends the shadow */
static void test_eventinj_nmi(void **state)
{
	start("max,+svm");
	struct cpu *c = h->c;
	ctl.eventinj = EVTINJ_V | ((u64)SVM_EVT_NMI << 8) | 2;
	ctl.int_state = INT_STATE_SHADOW;
	put_vmcb();
	cpu_step(c);
	cpu_step(c);
	assert_true(svm_guest(c));
	assert_int_equal(c->rip, H_VECTORS + 16 * 2);
	assert_int_equal(c->nmi_blocked, 1);
	assert_int_equal(c->shadow, 0);
	h_free(h);
}

/* GIF = 0 holds an NMI and an interrupt-free INIT until STGI */
static void test_gif_holds(void **state)
{
	static const u8 code[] = { 0x0f, 0x01, 0xdd, 0x90, 0x90, 0x0f, 0x01, 0xdc, 0x90 };
	h_init(h, "max,+svm");
	struct cpu *c = h->c;
	c->efer |= EFER_SVME;
	h_code(h, code, sizeof(code));
	cpu_step(c); /* clgi */
	assert_int_equal(c->svm.gif, 0);
	cpu_raise_nmi(c);
	assert_false(cpu_event_ready(c));
	cpu_step(c);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 5);
	assert_int_equal(c->nmi_pending, 1);
	cpu_step(c); /* stgi */
	assert_int_equal(c->svm.gif, 1);
	assert_true(cpu_event_ready(c));
	cpu_step(c); /* the NMI, then the handler's HLT */
	assert_int_equal(c->rip, H_VECTORS + 16 * 2 + 1);
	h_free(h);
}

/* a triple fault in L2: #VMEXIT(SHUTDOWN) with the intercept, else the
 * processor shuts down (APM "Shutdown" intercept) */
static void test_shutdown(void **state)
{
	static const u8 ud2[] = { 0x0f, 0x0b };
	for (int icpt = 1; icpt >= 0; icpt--) {
		start("max,+svm");
		struct cpu *c = h->c;
		h_poke(h, L2_CODE, ud2, sizeof(ud2));
		sv.idtr.limit = 0; /* #UD -> #GP -> #DF -> shutdown */
		if (icpt)
			ctl.intercepts[SVM_ICPT_SHUTDOWN / 32] |= 1u << (SVM_ICPT_SHUTDOWN % 32);
		put_vmcb();
		cpu_step(c);
		cpu_step(c);
		assert_true(svm_guest(c));
		for (int k = 0; k < 4 && c->activity == ACT_ACTIVE && svm_guest(c); k++)
			cpu_step(c);
		if (icpt) {
			assert_false(svm_guest(c));
			assert_int_equal(c->activity, ACT_ACTIVE);
			assert_int_equal(c->rip, AFTER_VMRUN);
			assert_int_equal(vmcb64(VMCB_OFF_exitcode), SVM_EXIT_SHUTDOWN);
			assert_int_equal(vmcb64(VMCB_OFF_exitintinfo), 0);
			assert_int_equal(c->svm.ctl.intercepts[SVM_ICPT_SHUTDOWN / 32], 0);
		} else {
			assert_true(svm_guest(c));
			assert_int_equal(c->activity, ACT_SHUTDOWN);
		}
		h_free(h);
	}
}

/* GIF = 0 holds SMI and INIT too: pending, not ready, until STGI */
static void test_gif_holds_smi_init(void **state)
{
	static const u8 code[] = { 0x0f, 0x01, 0xdd, 0x90, 0x0f, 0x01, 0xdc, 0x90 };
	for (int which = 0; which < 2; which++) {
		h_init(h, "max,+svm");
		struct cpu *c = h->c;
		c->efer |= EFER_SVME;
		h_code(h, code, sizeof(code));
		cpu_step(c); /* clgi */
		if (which)
			cpu_raise_init(c);
		else
			cpu_raise_smi(c);
		assert_false(cpu_event_ready(c));
		cpu_step(c); /* nop: nothing taken */
		assert_int_equal(c->rip, H_CODE + 4);
		assert_true(which ? c->init_pending : c->smi_pending);
		cpu_step(c); /* stgi */
		assert_true(cpu_event_ready(c));
		h_free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_msrs),
		cmocka_unit_test(test_each_check),
		cmocka_unit_test(test_check_no_long_mode),
		cmocka_unit_test(test_every_check_covered),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_vmexit_host_pdptes),
		cmocka_unit_test(test_no_nrip),
		cmocka_unit_test(test_exitintinfo),
		cmocka_unit_test(test_eventinj),
		cmocka_unit_test(test_eventinj_nmi),
		cmocka_unit_test(test_gif_holds),
		cmocka_unit_test(test_gif_holds_smi_init),
		cmocka_unit_test(test_shutdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
