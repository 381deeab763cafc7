/* vmx/log.c: `-d vmx` -- one line per VM entry and exit, and for a VM entry
 * that fails a check, the check's name, SDM section title and sentence;
 * `-counters` adds the exits by reason (vmx_print_counters). */
#include <stdio.h>
#include <string.h>

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

/* the SDM name of bit b of control word w, or NULL (a reserved bit) */
static const char *ctl_name(enum vmx_ctl_word w, unsigned b)
{
	static const struct { enum vmx_ctl_word w; unsigned bit; const char *sdm; } rows[] = {
#define C(id, word, bit, sdm, qemu) { VMX_W_##word, bit, sdm },
#include "vmx/vmx_controls.def"
	};
	for (size_t k = 0; k < ARRAY_SIZE(rows); k++)
		if (rows[k].w == w && rows[k].bit == b)
			return rows[k].sdm;
	return NULL;
}

/* one line per bit of mask: "  <what>: bit N "SDM name"" */
static void log_ctl_bits(struct cpu *c, enum vmx_ctl_word w, u64 mask, const char *what)
{
	for (unsigned b = 0; b < 64; b++) {
		if (!(mask >> b & 1))
			continue;
		const char *n = ctl_name(w, b);
		LOG(vmx, "cpu%u   %s: bit %u %s%s%s", c->index, what, b, n ? "\"" : "(reserved)",
		    n ? n : "", n ? "\"" : "");
	}
}

/* A reserved-bits row of a control word says which bits are wrong: those
 * the capability MSR reports must be 1 (allowed-0) and those it does not
 * allow to be 1 (allowed-1), by their SDM names (vmx_controls.def) */
static void log_ctl_word(struct cpu *c, enum vmx_ctl_word w)
{
	u64 val = vmcs_get(c, vmx_ctl_word_field(w)), a0, a1;
	vmx_ctl_allowed(c, w, &a0, &a1);

	LOG(vmx, "cpu%u   the field holds %#llx; the capability MSR requires %#llx and allows %#llx",
	    c->index, (unsigned long long)val, (unsigned long long)a0, (unsigned long long)a1);
	log_ctl_bits(c, w, a0 & ~val, "must be 1, is 0");
	log_ctl_bits(c, w, val & ~a1, "must be 0, is 1");
}

/* the rows of "Checks on Guest Segment Registers" (the section of
 * GUEST_TR_TI, its first) show every segment register's four fields */
static void log_guest_segs(struct cpu *c)
{
	static const char *const names[8] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };
	for (int s = 0; s < 8; s++)
		LOG(vmx, "cpu%u   guest %-4s selector 0x%04llx base %#llx limit %#llx access rights %#llx",
		    c->index, names[s], (unsigned long long)vmcs_get(c, vmx_guest_seg_sel[s]),
		    (unsigned long long)vmcs_get(c, vmx_guest_seg_base[s]),
		    (unsigned long long)vmcs_get(c, vmx_guest_seg_limit[s]),
		    (unsigned long long)vmcs_get(c, vmx_guest_seg_ar[s]));
}

/* a CR0/CR4 fixed-bits row (SDM "VMX-Fixed Bits in CR0"/"in CR4") says
 * which bits are wrong: FIXED0 bits that are 0 and bits FIXED1 does not
 * allow that are 1 (CR0.PE and CR0.PG are free under unrestricted guest) */
static void log_cr_fixed(struct cpu *c, unsigned cr, enum vmcs_field f)
{
	static const char *const cr0_names[32] = {
		[0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET", [5] = "NE",
		[16] = "WP", [18] = "AM", [29] = "NW", [30] = "CD", [31] = "PG",
	};
	static const char *const cr4_names[32] = {
		[0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE", [4] = "PSE", [5] = "PAE",
		[6] = "MCE", [7] = "PGE", [8] = "PCE", [9] = "OSFXSR", [10] = "OSXMMEXCPT",
		[11] = "UMIP", [12] = "LA57", [13] = "VMXE", [14] = "SMXE", [16] = "FSGSBASE",
		[17] = "PCIDE", [18] = "OSXSAVE", [19] = "KL", [20] = "SMEP", [21] = "SMAP",
		[22] = "PKE", [23] = "CET", [24] = "PKS", [25] = "UINTR",
	};
	u64 val = vmcs_get(c, f), f0, f1;
	/* the guest CR0 check frees PE and PG under unrestricted guest */
	vmx_cr_fixed(c, cr, f == VMCS_GUEST_CR0 && (vmx_proc2(c) & PROC2_UNRESTRICTED_GUEST), &f0,
		     &f1);
	LOG(vmx, "cpu%u   the field holds %#llx; IA32_VMX_CR%u_FIXED0 %#llx (must be 1), FIXED1 %#llx "
		 "(may be 1)",
	    c->index, (unsigned long long)val, cr, (unsigned long long)f0, (unsigned long long)f1);
	for (unsigned b = 0; b < 64; b++) {
		bool must1 = (f0 & ~val) >> b & 1, must0 = (val & ~f1) >> b & 1;
		const char *n = b < 32 ? (cr ? cr4_names : cr0_names)[b] : NULL;
		if (must1 || must0)
			LOG(vmx, "cpu%u   must be %d, is %d: CR%u bit %u%s%s", c->index, must1, must0, cr, b,
			    n ? " " : "", n ? n : "");
	}
}

void vmx_log_failed_check(struct cpu *c, unsigned check)
{
	static const struct { enum entry_check e; enum vmx_ctl_word w; } words[] = {
		{ EC_PIN_CTLS, VMX_W_PIN },   { EC_PROC_CTLS, VMX_W_PROC },
		{ EC_PROC2_CTLS, VMX_W_PROC2 }, { EC_EXIT_CTLS, VMX_W_EXIT },
		{ EC_ENTRY_CTLS, VMX_W_ENTRY },
	};
	last_failed_check = check;
	if (!LOG_ON(vmx))
		return;
	LOG(vmx, "cpu%u VM entry fails check %s (SDM \"%s\"): %s", c->index, vmx_check_id(check),
	    vmx_check_section(check), vmx_check_text(check));
	for (size_t k = 0; k < ARRAY_SIZE(words); k++)
		if (words[k].e == check)
			log_ctl_word(c, words[k].w);
	if (!strcmp(vmx_check_section(check), vmx_check_section(EC_GUEST_TR_TI)))
		log_guest_segs(c);
	if (check == EC_HOST_CR0 || check == EC_GUEST_CR0)
		log_cr_fixed(c, 0, check == EC_HOST_CR0 ? VMCS_HOST_CR0 : VMCS_GUEST_CR0);
	if (check == EC_HOST_CR4 || check == EC_GUEST_CR4)
		log_cr_fixed(c, 4, check == EC_HOST_CR4 ? VMCS_HOST_CR4 : VMCS_GUEST_CR4);
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
