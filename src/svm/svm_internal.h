/* svm/svm_internal.h: what the files of svm/ share and nothing else uses. */
#ifndef NESTBOX_SVM_SVM_INTERNAL_H
#define NESTBOX_SVM_SVM_INTERNAL_H

#include "cpu/cpu.h"
#include "svm/svm.h"

/* VMCB compressed segment attributes (APM "Segment State in the VMCB"):
 * descriptor bits 47:40 in attrib 7:0, bits 55:52 in attrib 11:8 */
#define VMCB_ATTR_P   BIT(7)
#define VMCB_ATTR_L   BIT(9)
#define VMCB_ATTR_DB  BIT(10)

/* the sizes of the permission maps (APM "I/O Permissions Map", "MSR
 * Permissions Map") */
#define SVM_IOPM_SIZE  0x3000ull
#define SVM_MSRPM_SIZE 0x2000ull

/* the checks of svm/checks.def: enum svm_check SVM_CHECK_name */
enum svm_check {
#define CHECK(n, title, text, cond) SVM_CHECK_##n,
#include "svm/checks.def"
#undef CHECK
	SVM_CHECK_NR,
	SVM_CHECK_NONE = SVM_CHECK_NR
};
const char *svm_check_name(unsigned k);
const char *svm_check_title(unsigned k);
const char *svm_check_text(unsigned k);
/* the first row that fails for this VMCB, or SVM_CHECK_NONE (pure) */
enum svm_check svm_vmrun_checks(const struct cpu *c, const struct vmcb_control *ctl,
				const struct vmcb_save *s);
/* helpers of the rows */
bool svm_cr3_mbz(const struct cpu *c, const struct vmcb_save *s);
bool svm_table_beyond(const struct cpu *c, u64 base, u64 size);
bool svm_evtinj_type_reserved(u64 ev);
bool svm_evtinj_exc_vector_bad(u64 ev);

/* segment registers <-> the VMCB's segment format */
void svm_seg_to_vmcb(const struct seg_cache *sc, struct vmcb_seg *v);
void svm_seg_from_vmcb(struct seg_cache *sc, const struct vmcb_seg *v);

/* guest-physical (L1-physical) VMCB access: bytes at pa */
void svm_phys_read(struct cpu *c, u64 pa, void *buf, unsigned len);
void svm_phys_write(struct cpu *c, u64 pa, const void *buf, unsigned len);

/* APM "Last Branch Record Virtualization" (VMCB 0B8h bit 0, offered with
 * CPUID Fn8000_000A_EDX[LbrVirt]): VMRUN saves the host's DebugCtl and
 * last-branch MSRs and loads the guest's from the VMCB (DBGCTL, BR_FROM,
 * BR_TO, LASTEXCPFROM, LASTEXCPTO); #VMEXIT saves the guest's there and
 * restores the host's. Without it they are not switched: the guest uses,
 * and changes, the host's. The bit is ignored where lbrv is not offered. */
static inline bool svm_lbrv(const struct cpu *c)
{
	return (c->svm.ctl.virt_ext & VIRT_EXT_LBR) && c->model && cpu_has(c->model, FEAT_lbrv);
}

/* DebugCtl and the last-branch MSRs <-> their VMCB fields (svm/vmrun.c) */
void svm_lbr_to_vmcb(const struct cpu *c, struct vmcb_save *s);
void svm_lbr_from_vmcb(struct cpu *c, const struct vmcb_save *s);

/* VMRUN after its own checks (svm/vmrun.c) */
void svm_vmrun(struct cpu *c, const struct insn *i, u64 vmcb_pa);
/* #VMEXIT without the unwind (svm/vmexit.c): VMRUN's VMEXIT_INVALID
 * returns through it; save_guest: the guest state was loaded */
void svm_vmexit_commit(struct cpu *c, u64 exitcode, u64 info1, u64 info2, bool save_guest);

/* -d svm (svm/log.c) */
void svm_log_vmrun(struct cpu *c);
/* guest_rip: L2's RIP, or SVM_NO_GUEST_RIP for a VMRUN that failed its checks */
#define SVM_NO_GUEST_RIP (~0ull)
void svm_log_vmexit(struct cpu *c, u64 exitcode, u64 info1, u64 info2, u64 guest_rip);
void svm_log_failed_check(struct cpu *c, enum svm_check k, const struct vmcb_control *ctl,
			  const struct vmcb_save *sv);
/* the row the last failed VMRUN named (tests) */
unsigned svm_last_failed_check(void);
u64 svm_exit_count(u64 exitcode);

#endif
