/* svm/log.c: `-d svm` -- one line per VMRUN and #VMEXIT (the exit code by
 * name, EXITINFO1/2, the guest's RIP) and, for a VMRUN that fails a check,
 * the row's name, APM section title and sentence; `-counters` adds the
 * #VMEXITs by exit code (svm_print_counters). */
#include <stdio.h>

#include "base/log.h"
#include "svm/svm_internal.h"

/* #VMEXITs by exit code: 0x000-0x0ff, 0x400-0x40f, then INVALID and BUSY */
#define SLOT_NPF   0x100u
#define SLOT_NEG   0x110u
#define NR_SLOTS   0x112u
static u64 exit_count[NR_SLOTS];

static int slot(u64 code)
{
	if (code < 0x100)
		return (int)code;
	if (code >= 0x400 && code < 0x410)
		return (int)(SLOT_NPF + (code - 0x400));
	if (code == (u64)SVM_EXIT_INVALID)
		return SLOT_NEG;
	if (code == (u64)SVM_EXIT_BUSY)
		return SLOT_NEG + 1;
	return -1;
}

static u64 slot_code(unsigned s)
{
	if (s < 0x100)
		return s;
	if (s < SLOT_NEG)
		return 0x400 + (s - SLOT_NPF);
	return s == SLOT_NEG ? (u64)SVM_EXIT_INVALID : (u64)SVM_EXIT_BUSY;
}

void svm_log_vmrun(struct cpu *c)
{
	LOG(svm, "cpu%u VMRUN vmcb %#llx asid %u -> L2 rip %#llx", c->index,
	    (unsigned long long)c->svm.vmcb_pa, c->svm.ctl.guest_asid, (unsigned long long)c->rip);
}

void svm_log_vmexit(struct cpu *c, u64 exitcode, u64 info1, u64 info2, u64 guest_rip)
{
	const char *name = svm_exit_name(exitcode);
	int s = slot(exitcode);

	if (s >= 0)
		exit_count[s]++;
	if (guest_rip == SVM_NO_GUEST_RIP)
		LOG(svm, "cpu%u #VMEXIT %s (%#llx) from VMRUN (L2 did not run) -> L1 rip %#llx",
		    c->index, name ? name : "?", (unsigned long long)exitcode,
		    (unsigned long long)c->rip);
	else
		LOG(svm, "cpu%u #VMEXIT %s (%#llx) exitinfo1 %#llx exitinfo2 %#llx, L2 rip %#llx "
		    "-> L1 rip %#llx", c->index, name ? name : "?", (unsigned long long)exitcode,
		    (unsigned long long)info1, (unsigned long long)info2,
		    (unsigned long long)guest_rip, (unsigned long long)c->rip);
}

static unsigned last_failed_check = ~0u;

unsigned svm_last_failed_check(void)
{
	return last_failed_check;
}

void svm_log_failed_check(struct cpu *c, enum svm_check k, const struct vmcb_control *ctl,
			  const struct vmcb_save *sv)
{
	last_failed_check = k;
	if (!LOG_ON(svm))
		return;
	LOG(svm, "cpu%u VMRUN fails check %s (APM \"%s\"): %s", c->index, svm_check_name(k),
	    svm_check_title(k), svm_check_text(k));
	/* the fields the checks read, as VMRUN copied them */
	LOG(svm, "cpu%u   save area: EFER %#llx CR0 %#llx CR3 %#llx CR4 %#llx DR6 %#llx DR7 %#llx "
		 "CS attrib %#x CPL %u",
	    c->index, (unsigned long long)sv->efer, (unsigned long long)sv->cr0,
	    (unsigned long long)sv->cr3, (unsigned long long)sv->cr4, (unsigned long long)sv->dr6,
	    (unsigned long long)sv->dr7, sv->cs.attrib, sv->cpl);
	LOG(svm, "cpu%u   control area: ASID %u nested_ctl %#llx N_CR3 %#llx MSRPM %#llx IOPM %#llx "
		 "EVENTINJ %#llx",
	    c->index, ctl->guest_asid, (unsigned long long)ctl->nested_ctl,
	    (unsigned long long)ctl->ncr3, (unsigned long long)ctl->msrpm_base_pa,
	    (unsigned long long)ctl->iopm_base_pa, (unsigned long long)ctl->eventinj);
}

u64 svm_exit_count(u64 exitcode)
{
	int s = slot(exitcode);
	return s >= 0 ? exit_count[s] : 0;
}

void svm_print_counters(FILE *out)
{
	for (unsigned s = 0; s < NR_SLOTS; s++) {
		if (!exit_count[s])
			continue;
		const char *name = svm_exit_name(slot_code(s));
		fprintf(out, "nestbox: counters: vmexit svm %s=%llu\n", name ? name : "?",
			(unsigned long long)exit_count[s]);
	}
}
