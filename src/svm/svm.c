/* svm/svm.c: SVM state of a processor outside of VMRUN and #VMEXIT: reset,
 * EFER.SVME, the SVM MSRs (AMD APM Vol.2 "SVM Related MSRs"), exit-code
 * names. */
#include <string.h>

#include "base/log.h"
#include "cpu/system/msr.h"
#include "svm/svm.h"

void svm_reset(struct cpu *c)
{
	memset(&c->svm, 0, sizeof(c->svm));
	c->svm.gif = 1;
	/* APM "TSC Ratio MSR (C000_0104h)": reset value 0000_0001_0000_0000h (1.0) */
	c->svm.tsc_ratio = 1ull << 32;
}

const char *svm_exit_name(u64 code)
{
	switch ((i64)code) {
#define EXITCODE(n, v) case (v): return #n;
#include "svm/exit_codes.def"
#undef EXITCODE
	default: return NULL;
	}
}

bool svm_efer_ok(const struct cpu *c, u64 efer)
{
	return true;
}

int svm_msr_read(struct cpu *c, u32 msr, u64 *val)
{
	return 1;
}

int svm_msr_write(struct cpu *c, u32 msr, u64 val)
{
	return 1;
}

void svm_vmexit(struct cpu *c, u64 exitcode, u64 info1, u64 info2)
{
	die("svm_vmexit: not yet implemented");
}
