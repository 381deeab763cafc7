/* vmx/log.c: `-d vmx` -- one line per VM entry and exit, and for a VM entry
 * that fails a check, the check's name, SDM section title and sentence;
 * `-counters` adds the exits by reason (vmx_print_counters). */
#include <stdio.h>

#include "base/log.h"
#include "vmx/vmx_internal.h"


/* exits by basic reason, and failed entries, for -counters */
static u64 exit_count[80];
static u64 failed_entries;

void vmx_log_entry(struct cpu *c, bool launch)
{
	LOG(vmx, "cpu%u VM entry (%s%s) to L2 at rip %#llx", c->index, launch ? "VMLAUNCH" : "VMRESUME",
	    c->vmx.evmcs ? ", enlightened VMCS" : "", (unsigned long long)vmcs_get(c, VMCS_GUEST_RIP));
}

void vmx_log_exit(struct cpu *c, u32 reason, u64 qual)
{
	u32 basic = reason & 0xffff;

	if (reason & EXIT_REASON_FAILED_VMENTRY)
		failed_entries++;
	if (basic < ARRAY_SIZE(exit_count))
		exit_count[basic]++;
	/* the vector of an exception, NMI or acknowledged interrupt (the
	 * VM-exit interruption information, valid bit 31) */
	if (!LOG_ON(vmx))
		return; /* every VM exit passes here: no formatting unless -d vmx */
	u32 intr = (reason & EXIT_REASON_FAILED_VMENTRY) ? 0 : (u32)vmcs_get(c, VMCS_EXIT_INTR_INFO);
	char vec[16] = "";
	if (intr >> 31)
		snprintf(vec, sizeof(vec), " vector %#x", intr & 0xff);
	LOG(vmx, "cpu%u %s %s (%u)%s qualification %#llx, L2 rip %#llx -> L1 rip %#llx", c->index,
	    (reason & EXIT_REASON_FAILED_VMENTRY) ? "VM-entry failure" : "VM exit",
	    vmx_exit_reason_ident(basic), basic, vec, (unsigned long long)qual,
	    (unsigned long long)c->rip, (unsigned long long)vmcs_get(c, VMCS_HOST_RIP));
}

/* the row the last failed VM entry reported (tests/unit/vmx_entry_test.c) */
static unsigned last_failed_check = ~0u;

unsigned vmx_last_failed_check(void)
{
	return last_failed_check;
}

void vmx_log_failed_check(struct cpu *c, unsigned check)
{
	last_failed_check = check;
	LOG(vmx, "cpu%u VM entry fails check %s (SDM \"%s\"): %s", c->index, vmx_check_id(check),
	    vmx_check_section(check), vmx_check_text(check));
}

u64 vmx_exit_count(u32 reason)
{
	return reason < ARRAY_SIZE(exit_count) ? exit_count[reason] : 0;
}

void vmx_print_counters(FILE *out)
{
	for (u32 r = 0; r < ARRAY_SIZE(exit_count); r++)
		if (exit_count[r])
			fprintf(out, "nestbox: counters: vmexit %s=%llu\n", vmx_exit_reason_ident(r),
				(unsigned long long)exit_count[r]);
	if (failed_entries)
		fprintf(out, "nestbox: counters: vmentry-failures=%llu\n",
			(unsigned long long)failed_entries);
}
