/* tests/guest/svm/svm_checks.c: VMRUN's consistency checks (AMD APM Vol.2
 * "Canonicalization and Consistency Checks" in "VMRUN Instruction", and
 * "Event Injection"): each case starts from the library's valid VMCB
 * (svm.h), changes one field, and runs VMRUN, which must end in #VMEXIT
 * with EXITCODE = VMEXIT_INVALID (-1), EXITINFO1/2 = 0, the guest state in
 * the VMCB untouched (it was not loaded, and L2 did not run) and L1 going on
 * after VMRUN. Each case is named after its row of nestbox's
 * src/svm/checks.def; tests/unit/svm_core_test.c fails if a row has no case
 * here. First the unchanged VMCB must run L2 to its VMMCALL.
 * Without SVM it prints one SKIP line and passes. It runs on an AMD model
 * (svm_basic on nestbox's Intel-flavoured max): SVM works with any vendor.
 * run-args: -cpu EPYC,+svm
 */
#include "guest.h"
#include "svm.h"

#define CR0_CD   BIT(30)
#define CR0_NW   BIT(29)
#define CR0_PE   BIT(0)
#define CR4_PAE  BIT(5)

static u8 *vmcb;
static int maxphy;

static u64 l2_guest(u64 arg)
{
	return arg + 1;
}

/* ---- the changes, one per row of checks.def ---- */
static void c_efer_svme(void) { vmcb_set(vmcb, VMCB_EFER, vmcb_get(vmcb, VMCB_EFER) & ~EFER_SVME); }
static void c_cr0_cd_nw(void) { vmcb_set(vmcb, VMCB_CR0, (vmcb_get(vmcb, VMCB_CR0) & ~CR0_CD) | CR0_NW); }
static void c_cr0_high(void) { vmcb_set(vmcb, VMCB_CR0, vmcb_get(vmcb, VMCB_CR0) | BIT(32)); }
static void c_cr3_mbz(void) { vmcb_set(vmcb, VMCB_CR3, vmcb_get(vmcb, VMCB_CR3) | (1ull << maxphy)); }
static void c_cr4_mbz(void) { vmcb_set(vmcb, VMCB_CR4, vmcb_get(vmcb, VMCB_CR4) | BIT(63)); }
static void c_dr6_high(void) { vmcb_set(vmcb, VMCB_DR6, vmcb_get(vmcb, VMCB_DR6) | BIT(32)); }
static void c_dr7_high(void) { vmcb_set(vmcb, VMCB_DR7, vmcb_get(vmcb, VMCB_DR7) | BIT(40)); }
static void c_efer_mbz(void) { vmcb_set(vmcb, VMCB_EFER, vmcb_get(vmcb, VMCB_EFER) | BIT(2)); }
static void c_no_pae(void) { vmcb_set(vmcb, VMCB_CR4, vmcb_get(vmcb, VMCB_CR4) & ~CR4_PAE); }
static void c_no_pe(void) { vmcb_set(vmcb, VMCB_CR0, vmcb_get(vmcb, VMCB_CR0) & ~CR0_PE); }
static void c_cs_l_d(void)
{
	*(volatile u16 *)(vmcb + VMCB_CS + 2) = vmcb_seg_attrib(vmcb, VMCB_CS) | SVM_ATTR_DB;
}
static void c_no_vmrun_icpt(void)
{
	vmcb_set32(vmcb, VMCB_ICPT_MISC2, vmcb_get32(vmcb, VMCB_ICPT_MISC2) & ~ICPT2_VMRUN);
}
/* the 8 KiB MSRPM in the last page below MAXPHYADDR: its second page is beyond */
static void c_msrpm(void) { vmcb_set(vmcb, VMCB_MSRPM_BASE, (1ull << maxphy) - 0x1000); }
/* the 12 KiB IOPM two pages below it */
static void c_iopm(void) { vmcb_set(vmcb, VMCB_IOPM_BASE, (1ull << maxphy) - 0x2000); }
static void c_evtinj_type(void) { vmcb_set(vmcb, VMCB_EVENTINJ, SVM_EVT_V | (1u << 8) | 0x20); }
static void c_evtinj_type5(void) { vmcb_set(vmcb, VMCB_EVENTINJ, SVM_EVT_V | (5u << 8) | 0x20); }
static void c_evtinj_nmi_exc(void) { vmcb_set(vmcb, VMCB_EVENTINJ, SVM_EVT_V | SVM_EVT_EXC | 2); }
static void c_evtinj_exc_32(void) { vmcb_set(vmcb, VMCB_EVENTINJ, SVM_EVT_V | SVM_EVT_EXC | 32); }
static void c_evtinj_exc_15(void) { vmcb_set(vmcb, VMCB_EVENTINJ, SVM_EVT_V | SVM_EVT_EXC | 15); }
static void c_asid0(void) { vmcb_set32(vmcb, VMCB_ASID, 0); }
/* NPTI rows: nested paging on, then one illegal thing */
static void c_np_ncr3(void)
{
	vmcb_set(vmcb, VMCB_NP_ENABLE, 1);
	vmcb_set(vmcb, VMCB_NCR3, 1ull << maxphy);
}
static void c_np_gpat(void)
{
	vmcb_set(vmcb, VMCB_NP_ENABLE, 1);
	vmcb_set(vmcb, VMCB_G_PAT, 0x0007040600070402ull);
}
static void c_np_gpat_rsvd(void)
{
	vmcb_set(vmcb, VMCB_NP_ENABLE, 1);
	vmcb_set(vmcb, VMCB_G_PAT, 0x0007040600070416ull);
}

static const struct {
	const char *row;   /* the checks.def row it fails */
	const char *what;
	void (*change)(void);
} cases[] = {
	{ "EFER_SVME", "EFER.SVME = 0", c_efer_svme },
	{ "CR0_CD_NW", "CR0.CD = 0 and CR0.NW = 1", c_cr0_cd_nw },
	{ "CR0_HIGH", "CR0[63:32] not zero", c_cr0_high },
	{ "CR3_MBZ", "CR3 bit MAXPHYADDR set in long mode", c_cr3_mbz },
	{ "CR4_MBZ", "CR4 bit 63 set", c_cr4_mbz },
	{ "DR6_HIGH", "DR6[63:32] not zero", c_dr6_high },
	{ "DR7_HIGH", "DR7[63:32] not zero", c_dr7_high },
	{ "EFER_MBZ", "EFER bit 2 (reserved) set", c_efer_mbz },
	{ "LME_PG_NO_PAE", "EFER.LME, CR0.PG and CR4.PAE = 0", c_no_pae },
	{ "LME_PG_NO_PE", "EFER.LME, CR0.PG and CR0.PE = 0", c_no_pe },
	{ "LME_PG_PAE_CS_L_D", "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D", c_cs_l_d },
	{ "VMRUN_INTERCEPT", "VMRUN intercept clear", c_no_vmrun_icpt },
	{ "MSRPM_RANGE", "MSRPM reaching MAXPHYADDR", c_msrpm },
	{ "IOPM_RANGE", "IOPM reaching MAXPHYADDR", c_iopm },
	{ "EVENTINJ_TYPE", "EVENTINJ type 1 (reserved)", c_evtinj_type },
	{ "EVENTINJ_TYPE", "EVENTINJ type 5 (reserved)", c_evtinj_type5 },
	{ "EVENTINJ_EXC_VECTOR", "EVENTINJ exception with vector 2", c_evtinj_nmi_exc },
	{ "EVENTINJ_EXC_VECTOR", "EVENTINJ exception with vector 32", c_evtinj_exc_32 },
	{ "EVENTINJ_EXC_VECTOR", "EVENTINJ exception with vector 15 (reserved)", c_evtinj_exc_15 },
	{ "ASID_ZERO", "ASID 0", c_asid0 },
	/* (NP_HOST_PAGING, NP_ENABLE with the host's CR0.PG clear, needs an
	 * L1 that does not page, which this 64-bit kernel cannot be: its
	 * negative tests are in tests/unit/svm_core_test.c and
	 * svm_npti_test.c) */
	{ "NP_NCR3_MBZ", "NP_ENABLE, nCR3 bit MAXPHYADDR set", c_np_ncr3 },
	{ "NP_GPAT", "NP_ENABLE, G_PAT type 2", c_np_gpat },
	{ "NP_GPAT", "NP_ENABLE, G_PAT reserved bit 4", c_np_gpat_rsvd },
};

static void run_case(unsigned k)
{
	svm_vmcb_setup(vmcb, l2_guest, 0x42);
	vmcb_set(vmcb, VMCB_EXITINFO1, 0x1111);
	vmcb_set(vmcb, VMCB_EXITINFO2, 0x2222);
	u64 rip = vmcb_get(vmcb, VMCB_RIP), rsp = vmcb_get(vmcb, VMCB_RSP);
	cases[k].change();
	u64 r = svm_run(vmcb);
	report(r == SVM_EXIT_INVALID && vmcb_get(vmcb, VMCB_EXITINFO1) == 0 &&
	       vmcb_get(vmcb, VMCB_EXITINFO2) == 0 && vmcb_get(vmcb, VMCB_RIP) == rip &&
	       vmcb_get(vmcb, VMCB_RSP) == rsp && vmcb_get(vmcb, VMCB_RAX) == 0 &&
	       vmcb_get(vmcb, VMCB_EVENTINJ) == 0,
	       "%s: %s: VMEXIT_INVALID, guest state not loaded, EVENTINJ 0 (exit %#llx)", cases[k].row,
	       cases[k].what, r);
}

int main(int argc, char **argv)
{
	if (!svm_supported())
		return report_summary();
	maxphy = cpuid_maxphyaddr();
	svm_enable();
	vmcb = svm_vmcb_alloc();
	svm_vmcb_setup(vmcb, l2_guest, 0x42);
	u64 r = svm_run(vmcb);
	report(r == SVM_EXIT_VMMCALL && vmcb_get(vmcb, VMCB_RAX) == 0x43,
	       "the valid VMCB runs L2 to its VMMCALL (exit %#llx)", r);
	for (unsigned k = 0; k < ARRAY_SIZE(cases); k++)
		run_case(k);
	return report_summary();
}
