/* svm/svm.c: the SVM state of a processor outside VMRUN and #VMEXIT: reset,
 * EFER.SVME, the SVM MSRs (AMD APM Vol.2 "SVM Related MSRs"), exit-code
 * names. */
#include <string.h>

#include "base/log.h"
#include "cpu/cpu.h"
#include "cpu/model.h"
#include "cpu/system/msr.h"
#include "svm/svm.h"

void svm_reset(struct cpu *c)
{
	memset(&c->svm, 0, sizeof(c->svm));
	c->svm.gif = 1;
	/* APM "TSC Ratio MSR (C000_0104h)": the reset value is
	 * 0000_0001_0000_0000h, a ratio of 1.0 */
	c->svm.tsc_ratio = SVM_TSC_RATIO_ONE;
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

/* APM "VM_CR MSR (C001_0114h)": "SVMDIS: When this bit is set, writes to
 * EFER treat the SVME bit as MBZ." */
bool svm_efer_ok(const struct cpu *c, u64 efer)
{
	return !(efer & EFER_SVME) || !(c->svm.vm_cr & VM_CR_SVMDIS);
}

/* the VM_CR bits a write may change: DPD, R_INIT, DIS_A20M, LOCK, SVMDIS
 * (bits 63:5 are reserved) */
#define VM_CR_WRITABLE (VM_CR_DPD | VM_CR_R_INIT | VM_CR_DIS_A20M | VM_CR_LOCK | VM_CR_SVMDIS)
/* APM "TSC Ratio MSR (C000_0104h)": bits 63:40 reserved */
#define TSC_RATIO_RESERVED 0xffffff0000000000ull

static int wr_vm_cr(struct cpu *c, u64 val)
{
	if (val & ~VM_CR_WRITABLE)
		return -1;
	/* "Setting SVMDIS while EFER.SVME is 1 generates a #GP fault,
	 * regardless of the current state of VM_CR.LOCK." */
	if ((val & VM_CR_SVMDIS) && (c->efer & EFER_SVME))
		return -1;
	/* "LOCK: When this bit is set, writes to LOCK and SVMDIS are silently
	 * ignored." */
	if (c->svm.vm_cr & VM_CR_LOCK)
		val = (val & ~(VM_CR_LOCK | VM_CR_SVMDIS)) | (c->svm.vm_cr & (VM_CR_LOCK | VM_CR_SVMDIS));
	c->svm.vm_cr = val;
	return 0;
}

/* APM "SVM_KEY MSR (C001_0118h)" ("SVM-Lock"): while VM_CR.LOCK is clear a
 * write sets the key; while it is set, writing the key (non-zero) clears
 * LOCK, and any other value is ignored. Reads return zero. */
static int wr_svm_key(struct cpu *c, u64 val)
{
	if (!(c->svm.vm_cr & VM_CR_LOCK))
		c->svm.svm_key = val;
	else if (c->svm.svm_key && val == c->svm.svm_key)
		c->svm.vm_cr &= ~VM_CR_LOCK;
	return 0;
}

int svm_msr_read(struct cpu *c, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_VM_CR: *val = c->svm.vm_cr; return 0;
	case MSR_VM_HSAVE_PA: *val = c->svm.hsave_pa; return 0;
	case MSR_SVM_KEY: *val = 0; return 0;
	case MSR_TSC_RATIO: *val = c->svm.tsc_ratio; return 0;
	default: return 1;
	}
}

int svm_msr_write(struct cpu *c, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_VM_CR:
		return wr_vm_cr(c, val);
	case MSR_VM_HSAVE_PA:
		/* APM "VM_HSAVE_PA MSR (C001_0117h)": the physical address of
		 * a 4-Kbyte block; an unaligned address or one beyond
		 * MAXPHYADDR is refused */
		if ((val & 0xfff) || (val >> cpu_maxphyaddr(c)))
			return -1;
		c->svm.hsave_pa = val;
		return 0;
	case MSR_SVM_KEY:
		return wr_svm_key(c, val);
	case MSR_TSC_RATIO:
		if (val & TSC_RATIO_RESERVED)
			return -1;
		c->svm.tsc_ratio = val;
		return 0;
	default:
		return 1;
	}
}

/* APM "TSC Offset" (VMCB 050h TSC_OFFSET): "In guest mode, the value read
 * from the TSC (by RDTSC, RDTSCP or RDMSR) is the TSC plus TSC_OFFSET"; and
 * "TSC Ratio MSR (C000_0104h)", offered with CPUID Fn8000_000A_EDX[TscRateMsr]:
 * in guest mode the TSC is first multiplied by TSC_RATIO, an 8.32 fixed-point
 * value (integer part in bits 39:32), and the product's fraction dropped. A
 * WRMSR to the TSC is neither offset nor scaled: it writes the TSC itself
 * (cpu/system/msr.c wr_tsc), as WRMSR does in VMX non-root operation. */
u64 svm_guest_tsc(const struct cpu *c, u64 tsc)
{
	if (!c->svm.guest)
		return tsc;
	if (c->svm.tsc_ratio != SVM_TSC_RATIO_ONE)
		tsc = (u64)(((unsigned __int128)tsc * c->svm.tsc_ratio) >> 32);
	return tsc + c->svm.ctl.tsc_offset;
}
