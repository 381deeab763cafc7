/* tests/unit/vmcs_test.c: the VMX fact tables and what is generated from
 * them (vmx/vmcs.c, vmx/caps.c). The expectations here are written out
 * independently of the tables (values from the SDM, cross-checked with
 * KVM's and Bochs's headers), so a wrong row fails a test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/caps.h"
#include "vmx/vmcs.h"

/* the CR4 bits of a plausible model: VME..PCE, OSFXSR, OSXMMEXCPT, UMIP,
 * FSGSBASE, PCIDE, OSXSAVE, SMEP, SMAP (VMXE is added by the init) */
#define TEST_CR4 (GENMASK(10, 0) | BIT(11) | BIT(16) | BIT(17) | BIT(18) | BIT(20) | BIT(21))

/* A rich model, roughly what KVM offers an L1 (the rows nestbox's VMX is
 * meant to reach): the MSR machinery is tested on it, independently of
 * how much of it nestbox implements so far (vmx_insn_test.c checks the
 * model nestbox really advertises). The four default1 controls here are
 * offered as "may be 0". */
static const u8 rich[] = {
	VMXF_PIN_EXT_INTR_EXITING, VMXF_PIN_NMI_EXITING, VMXF_PIN_VIRTUAL_NMIS,
	VMXF_PIN_PREEMPTION_TIMER, VMXF_PIN_POSTED_INTERRUPTS,

	VMXF_PROC_INTR_WINDOW_EXITING, VMXF_PROC_USE_TSC_OFFSETTING, VMXF_PROC_HLT_EXITING,
	VMXF_PROC_INVLPG_EXITING, VMXF_PROC_MWAIT_EXITING, VMXF_PROC_RDPMC_EXITING,
	VMXF_PROC_RDTSC_EXITING, VMXF_PROC_CR3_LOAD_EXITING, VMXF_PROC_CR3_STORE_EXITING,
	VMXF_PROC_ACTIVATE_TERTIARY, VMXF_PROC_CR8_LOAD_EXITING, VMXF_PROC_CR8_STORE_EXITING,
	VMXF_PROC_USE_TPR_SHADOW, VMXF_PROC_NMI_WINDOW_EXITING, VMXF_PROC_MOV_DR_EXITING,
	VMXF_PROC_UNCOND_IO_EXITING, VMXF_PROC_USE_IO_BITMAPS, VMXF_PROC_MONITOR_TRAP_FLAG,
	VMXF_PROC_USE_MSR_BITMAPS, VMXF_PROC_MONITOR_EXITING, VMXF_PROC_PAUSE_EXITING,
	VMXF_PROC_ACTIVATE_SECONDARY,

	VMXF_PROC2_VIRT_APIC_ACCESSES, VMXF_PROC2_ENABLE_EPT, VMXF_PROC2_DESC_TABLE_EXITING,
	VMXF_PROC2_ENABLE_RDTSCP, VMXF_PROC2_VIRT_X2APIC_MODE, VMXF_PROC2_ENABLE_VPID,
	VMXF_PROC2_WBINVD_EXITING, VMXF_PROC2_UNRESTRICTED_GUEST, VMXF_PROC2_APIC_REGISTER_VIRT,
	VMXF_PROC2_VIRT_INTR_DELIVERY, VMXF_PROC2_PAUSE_LOOP_EXITING, VMXF_PROC2_RDRAND_EXITING,
	VMXF_PROC2_ENABLE_INVPCID, VMXF_PROC2_ENABLE_VMFUNC, VMXF_PROC2_VMCS_SHADOWING,
	VMXF_PROC2_RDSEED_EXITING, VMXF_PROC2_ENABLE_PML, VMXF_PROC2_USE_TSC_SCALING,

	VMXF_PROC3_IPI_VIRT,

	VMXF_EXIT_SAVE_DEBUG_CONTROLS, VMXF_EXIT_HOST_ADDR_SPACE_SIZE, VMXF_EXIT_ACK_INTR_ON_EXIT,
	VMXF_EXIT_SAVE_IA32_PAT, VMXF_EXIT_LOAD_IA32_PAT, VMXF_EXIT_SAVE_IA32_EFER,
	VMXF_EXIT_LOAD_IA32_EFER, VMXF_EXIT_SAVE_PREEMPTION_TIMER,

	VMXF_ENTRY_LOAD_DEBUG_CONTROLS, VMXF_ENTRY_IA32E_MODE_GUEST, VMXF_ENTRY_LOAD_IA32_PAT,
	VMXF_ENTRY_LOAD_IA32_EFER,

	VMXF_BASIC_INS_OUTS_INFO, VMXF_BASIC_TRUE_CTLS, VMXF_BASIC_NO_ERRCODE_REQ,

	VMXF_MISC_STORE_LMA, VMXF_MISC_ACTIVITY_HLT, VMXF_MISC_ACTIVITY_SHUTDOWN,
	VMXF_MISC_ACTIVITY_WAIT_SIPI, VMXF_MISC_VMWRITE_ANY_FIELD, VMXF_MISC_ZERO_LEN_INJECT,

	VMXF_EPT_EXECUTE_ONLY, VMXF_EPT_PAGE_WALK_4, VMXF_EPT_MEMTYPE_UC, VMXF_EPT_MEMTYPE_WB,
	VMXF_EPT_2MB_PAGE, VMXF_EPT_1GB_PAGE, VMXF_EPT_INVEPT, VMXF_EPT_AD_FLAGS,
	VMXF_EPT_INVEPT_SINGLE, VMXF_EPT_INVEPT_ALL, VMXF_VPID_INVVPID, VMXF_VPID_INVVPID_ADDR,
	VMXF_VPID_INVVPID_SINGLE, VMXF_VPID_INVVPID_ALL, VMXF_VPID_INVVPID_SINGLE_NG,

	VMXF_VMFUNC_EPTP_SWITCHING,
};

static struct vmx_caps caps_default(void)
{
	struct vmx_caps c;
	vmx_caps_init(&c, TEST_CR4, true);
	/* exactly the rich rows: nestbox's own defaults are not the fixture */
	memset(c.ctl, 0, sizeof(c.ctl));
	memset(c.cap, 0, sizeof(c.cap));
	for (size_t k = 0; k < sizeof(rich); k++)
		vmx_caps_set(&c, (enum vmx_feat)rich[k], true);
	return c;
}

/* every row offered */
static struct vmx_caps caps_all(void)
{
	struct vmx_caps c = caps_default();
	for (unsigned f = VMXF_NONE + 1; f < VMXF_NR; f++)
		vmx_caps_set(&c, (enum vmx_feat)f, true);
	c.hlat_prefix_max = 0x3f;
	return c;
}

static u64 msr(const struct vmx_caps *c, u32 index)
{
	u64 v = 0xdeadbeef;
	if (!vmx_caps_msr_read(c, index, &v))
		fail_msg("MSR %#x does not exist", index);
	return v;
}

static bool msr_exists(const struct vmx_caps *c, u32 index)
{
	u64 v;
	return vmx_caps_msr_read(c, index, &v);
}

static bool starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }
static bool ends(const char *s, const char *p)
{
	size_t n = strlen(s), m = strlen(p);
	return n >= m && !strcmp(s + n - m, p);
}

/* ---------------- VMCS fields ---------------- */

/* A second source: encodings as KVM's vmx.h / Bochs's vmx.h spell them. */
static const struct { enum vmcs_field f; u32 enc; } known[] = {
	{ VMCS_VPID, 0x0000 },			{ VMCS_POSTED_INTR_NV, 0x0002 },
	{ VMCS_EPTP_INDEX, 0x0004 },		{ VMCS_LAST_PID_POINTER_INDEX, 0x0008 },
	{ VMCS_GUEST_ES_SELECTOR, 0x0800 },	{ VMCS_GUEST_TR_SELECTOR, 0x080e },
	{ VMCS_GUEST_INTR_STATUS, 0x0810 },	{ VMCS_GUEST_PML_INDEX, 0x0812 },
	{ VMCS_HOST_ES_SELECTOR, 0x0c00 },	{ VMCS_HOST_TR_SELECTOR, 0x0c0c },
	{ VMCS_IO_BITMAP_A, 0x2000 },		{ VMCS_MSR_BITMAP, 0x2004 },
	{ VMCS_ENTRY_MSR_LOAD_ADDR, 0x200a },	{ VMCS_EXECUTIVE_VMCS_POINTER, 0x200c },
	{ VMCS_PML_ADDRESS, 0x200e },		{ VMCS_TSC_OFFSET, 0x2010 },
	{ VMCS_VIRTUAL_APIC_ADDR, 0x2012 },	{ VMCS_APIC_ACCESS_ADDR, 0x2014 },
	{ VMCS_POSTED_INTR_DESC_ADDR, 0x2016 },	{ VMCS_VM_FUNCTION_CONTROLS, 0x2018 },
	{ VMCS_EPT_POINTER, 0x201a },		{ VMCS_EOI_EXIT_BITMAP3, 0x2022 },
	{ VMCS_EPTP_LIST_ADDR, 0x2024 },	{ VMCS_VMWRITE_BITMAP, 0x2028 },
	{ VMCS_VE_INFO_ADDR, 0x202a },		{ VMCS_XSS_EXITING_BITMAP, 0x202c },
	{ VMCS_ENCLS_EXITING_BITMAP, 0x202e },	{ VMCS_TSC_MULTIPLIER, 0x2032 },
	{ VMCS_TERTIARY_VM_EXEC_CONTROL, 0x2034 }, { VMCS_PID_POINTER_TABLE, 0x2042 },
	{ VMCS_SECONDARY_VM_EXIT_CONTROLS, 0x2044 }, { VMCS_INJECTED_EVENT_DATA, 0x2052 },
	{ VMCS_GUEST_PHYSICAL_ADDRESS, 0x2400 },	{ VMCS_ORIGINAL_EVENT_DATA, 0x2404 },
	{ VMCS_VMCS_LINK_POINTER, 0x2800 },	{ VMCS_GUEST_IA32_EFER, 0x2806 },
	{ VMCS_GUEST_PDPTE0, 0x280a },		{ VMCS_GUEST_PDPTE3, 0x2810 },
	{ VMCS_GUEST_IA32_BNDCFGS, 0x2812 },	{ VMCS_GUEST_IA32_RTIT_CTL, 0x2814 },
	{ VMCS_GUEST_IA32_PKRS, 0x2818 },	{ VMCS_GUEST_IA32_FRED_CONFIG, 0x281a },
	{ VMCS_GUEST_IA32_FRED_SSP3, 0x2828 },	{ VMCS_HOST_IA32_PAT, 0x2c00 },
	{ VMCS_HOST_IA32_PKRS, 0x2c06 },	{ VMCS_HOST_IA32_FRED_SSP3, 0x2c16 },
	{ VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x4000 }, { VMCS_CPU_BASED_VM_EXEC_CONTROL, 0x4002 },
	{ VMCS_VM_EXIT_CONTROLS, 0x400c },	{ VMCS_VM_ENTRY_CONTROLS, 0x4012 },
	{ VMCS_ENTRY_INTR_INFO, 0x4016 },	{ VMCS_TPR_THRESHOLD, 0x401c },
	{ VMCS_SECONDARY_VM_EXEC_CONTROL, 0x401e }, { VMCS_PLE_WINDOW, 0x4022 },
	{ VMCS_INSTRUCTION_TIMEOUT_CONTROL, 0x4024 }, { VMCS_VM_INSTRUCTION_ERROR, 0x4400 },
	{ VMCS_EXIT_REASON, 0x4402 },		{ VMCS_VMX_INSTRUCTION_INFO, 0x440e },
	{ VMCS_GUEST_ES_LIMIT, 0x4800 },	{ VMCS_GUEST_IDTR_LIMIT, 0x4812 },
	{ VMCS_GUEST_ES_AR_BYTES, 0x4814 },	{ VMCS_GUEST_TR_AR_BYTES, 0x4822 },
	{ VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x4824 }, { VMCS_GUEST_ACTIVITY_STATE, 0x4826 },
	{ VMCS_GUEST_SMBASE, 0x4828 },		{ VMCS_GUEST_IA32_SYSENTER_CS, 0x482a },
	{ VMCS_VMX_PREEMPTION_TIMER_VALUE, 0x482e }, { VMCS_HOST_IA32_SYSENTER_CS, 0x4c00 },
	{ VMCS_CR0_GUEST_HOST_MASK, 0x6000 },	{ VMCS_CR3_TARGET_VALUE3, 0x600e },
	{ VMCS_EXIT_QUALIFICATION, 0x6400 },	{ VMCS_IO_RIP, 0x6408 },
	{ VMCS_GUEST_LINEAR_ADDRESS, 0x640a },	{ VMCS_GUEST_CR0, 0x6800 },
	{ VMCS_GUEST_DR7, 0x681a },		{ VMCS_GUEST_RIP, 0x681e },
	{ VMCS_GUEST_RFLAGS, 0x6820 },		{ VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x6822 },
	{ VMCS_GUEST_IA32_S_CET, 0x6828 },	{ VMCS_GUEST_INTR_SSP_TABLE_ADDR, 0x682c },
	{ VMCS_HOST_CR0, 0x6c00 },		{ VMCS_HOST_RSP, 0x6c14 },
	{ VMCS_HOST_RIP, 0x6c16 },		{ VMCS_HOST_INTR_SSP_TABLE_ADDR, 0x6c1c },
};

static void test_known_encodings(void **s)
{
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (vmcs_field_encoding(known[k].f) != known[k].enc)
			fail_msg("%s: %#x, expected %#x", vmcs_field_name(known[k].f),
				 vmcs_field_encoding(known[k].f), known[k].enc);
	/* the SDM's groups, counted: 5+11+7 16-bit, 42+2+21+12 64-bit,
	 * 19+8+23+1 32-bit, 8+6+23+15 natural-width */
	assert_int_equal(VMCS_NR_FIELDS, 199);
}

static void test_roundtrip(void **s)
{
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		u32 enc = vmcs_field_encoding((enum vmcs_field)f);
		const char *n = vmcs_field_name((enum vmcs_field)f);
		bool high = true;

		if (vmcs_field_by_encoding(enc) != (int)f)
			fail_msg("%s: by_encoding(%#x) = %d", n, enc, vmcs_field_by_encoding(enc));
		if (vmcs_field_access(enc, &high) != (int)f || high)
			fail_msg("%s: full access of %#x", n, enc);
		/* rows are in encoding order, so SDM table order */
		if (f && vmcs_field_encoding((enum vmcs_field)(f - 1)) >= enc)
			fail_msg("%s: out of encoding order", n);
		/* a name is the identifier the enum was made from */
		assert_non_null(n);
		assert_true(strlen(n) > 2);
	}
}

/* Every 16-bit encoding and every reserved bit: a component or -1, and
 * exactly as many components as rows. */
static void test_unknown_encodings(void **s)
{
	unsigned hits = 0;

	for (u32 enc = 0; enc < 0x10000; enc++) {
		int f = vmcs_field_by_encoding(enc);
		if (f < 0)
			continue;
		hits++;
		if (vmcs_field_encoding((enum vmcs_field)f) != enc)
			fail_msg("%#x resolves to %s", enc, vmcs_field_name((enum vmcs_field)f));
	}
	assert_int_equal(hits, VMCS_NR_FIELDS);
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		u32 enc = vmcs_field_encoding((enum vmcs_field)f);
		for (unsigned b = 15; b < 32; b++)
			assert_int_equal(vmcs_field_by_encoding(enc | (1u << b)), -1);
		assert_int_equal(vmcs_field_by_encoding(enc | BIT(12)), -1);
	}
	/* unassigned indices and types */
	assert_int_equal(vmcs_field_by_encoding(0x000a), -1);
	assert_int_equal(vmcs_field_by_encoding(0x0c0e), -1); /* no host LDTR selector */
	assert_int_equal(vmcs_field_by_encoding(0x0400), -1); /* no 16-bit read-only field */
	assert_int_equal(vmcs_field_by_encoding(0x2046), -1);
	assert_int_equal(vmcs_field_by_encoding(0x482c), -1);
	assert_int_equal(vmcs_field_by_encoding(0x4c02), -1);
	assert_int_equal(vmcs_field_by_encoding(0x6c1e), -1);
	assert_int_equal(vmcs_field_by_encoding(0xffffffffu), -1);
	assert_int_equal(vmcs_field_by_encoding(0x7ffe), -1);
}

/* SDM "VMREAD, VMWRITE, and Encodings of VMCS Fields": access type 1 only
 * for 64-bit fields. */
static void test_high_access(void **s)
{
	struct vmcs_cache v;
	bool high = false;

	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		u32 enc = vmcs_field_encoding((enum vmcs_field)f);
		int got = vmcs_field_access(enc | 1, &high);
		if (vmcs_field_width((enum vmcs_field)f) == VMCS_W64) {
			if (got != (int)f || !high)
				fail_msg("%s: high access of %#x", vmcs_field_name((enum vmcs_field)f), enc | 1);
		} else if (got != -1) {
			fail_msg("%s: %#x must not have a high access", vmcs_field_name((enum vmcs_field)f), enc | 1);
		}
		assert_int_equal(vmcs_field_by_encoding(enc | 1), -1);
	}
	assert_int_equal(vmcs_field_access(0x2001, &high), VMCS_IO_BITMAP_A);
	assert_true(high);
	assert_int_equal(vmcs_field_access(0x681f, &high), -1); /* natural width */
	assert_int_equal(vmcs_field_access(0x4403, &high), -1); /* 32-bit */
	assert_int_equal(vmcs_field_access(0x0801, &high), -1); /* 16-bit */
	assert_int_equal(vmcs_field_access(0x2047, &high), -1); /* no such 64-bit field */

	memset(&v, 0, sizeof(v));
	vmcs_cache_write_access(&v, VMCS_TSC_OFFSET, false, 0x1122334455667788ull);
	assert_int_equal(vmcs_cache_read_access(&v, VMCS_TSC_OFFSET, true), 0x11223344);
	assert_int_equal(vmcs_cache_read_access(&v, VMCS_TSC_OFFSET, false), 0x1122334455667788ull);
	/* a high write replaces bits 63:32 with bits 31:0 of the source and
	 * leaves bits 31:0 of the field alone */
	vmcs_cache_write_access(&v, VMCS_TSC_OFFSET, true, 0xffffffffaabbccddull);
	assert_int_equal(vmcs_cache_read(&v, VMCS_TSC_OFFSET), 0xaabbccdd55667788ull);
	vmcs_cache_write_access(&v, VMCS_TSC_OFFSET, false, 0x42);
	assert_int_equal(vmcs_cache_read(&v, VMCS_TSC_OFFSET), 0x42);
}

static void test_width_masks(void **s)
{
	struct vmcs_cache v;
	const u64 pattern = 0xfedcba9876543210ull;

	assert_int_equal(vmcs_width_mask(VMCS_W16), 0xffff);
	assert_int_equal(vmcs_width_mask(VMCS_W32), 0xffffffffull);
	assert_int_equal(vmcs_width_mask(VMCS_W64), ~0ull);
	assert_int_equal(vmcs_width_mask(VMCS_WNAT), ~0ull);

	memset(&v, 0xff, sizeof(v));
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		enum vmcs_field id = (enum vmcs_field)f;
		u64 want;
		switch (vmcs_enc_width(vmcs_field_encoding(id))) {
		case VMCS_W16: want = 0x3210; break;
		case VMCS_W32: want = 0x76543210; break;
		default: want = pattern; break;
		}
		vmcs_cache_write(&v, id, pattern);
		if (vmcs_cache_read(&v, id) != want)
			fail_msg("%s keeps %#llx", vmcs_field_name(id), (unsigned long long)vmcs_cache_read(&v, id));
	}
	vmcs_cache_write(&v, VMCS_GUEST_CS_SELECTOR, 0x12345);
	assert_int_equal(vmcs_cache_read(&v, VMCS_GUEST_CS_SELECTOR), 0x2345);
	vmcs_cache_write(&v, VMCS_EXIT_REASON, 0x100000021ull);
	assert_int_equal(vmcs_cache_read(&v, VMCS_EXIT_REASON), 0x21);
}

/* The width and type read from each encoding agree with what the name says
 * the field is (SDM Appendix B groups). */
static const char *const read_only[] = {
	"GUEST_PHYSICAL_ADDRESS", "ORIGINAL_EVENT_DATA", "VM_INSTRUCTION_ERROR", "EXIT_REASON",
	"EXIT_INTR_INFO", "EXIT_INTR_ERROR_CODE", "IDT_VECTORING_INFO", "IDT_VECTORING_ERROR_CODE",
	"EXIT_INSTRUCTION_LEN", "VMX_INSTRUCTION_INFO", "EXIT_QUALIFICATION", "IO_RCX", "IO_RSI",
	"IO_RDI", "IO_RIP", "GUEST_LINEAR_ADDRESS",
};
static const char *const guest_unprefixed[] = { "VMCS_LINK_POINTER", "VMX_PREEMPTION_TIMER_VALUE" };

static bool in(const char *n, const char *const *list, size_t len)
{
	for (size_t k = 0; k < len; k++)
		if (!strcmp(n, list[k]))
			return true;
	return false;
}

static int expected_width(const char *n)
{
	if (ends(n, "_SELECTOR") || ends(n, "_INDEX") || !strcmp(n, "VPID") ||
	    !strcmp(n, "POSTED_INTR_NV") || !strcmp(n, "HLAT_PREFIX_SIZE") ||
	    !strcmp(n, "GUEST_INTR_STATUS") || !strcmp(n, "GUEST_UINV"))
		return VMCS_W16;
	if (ends(n, "_LIMIT") || ends(n, "_AR_BYTES") || ends(n, "_COUNT") ||
	    ends(n, "SYSENTER_CS") || ends(n, "_INFO") || ends(n, "_ERROR_CODE") ||
	    ends(n, "_LEN") || !strcmp(n, "EXIT_REASON") || !strcmp(n, "EXCEPTION_BITMAP") ||
	    !strcmp(n, "VM_INSTRUCTION_ERROR") || !strcmp(n, "GUEST_ACTIVITY_STATE") ||
	    !strcmp(n, "GUEST_SMBASE") || !strcmp(n, "TPR_THRESHOLD") || starts(n, "PLE_") ||
	    starts(n, "PF_ERROR_CODE_") || !strcmp(n, "VMX_PREEMPTION_TIMER_VALUE") ||
	    !strcmp(n, "INSTRUCTION_TIMEOUT_CONTROL") || !strcmp(n, "PIN_BASED_VM_EXEC_CONTROL") ||
	    !strcmp(n, "CPU_BASED_VM_EXEC_CONTROL") || !strcmp(n, "SECONDARY_VM_EXEC_CONTROL") ||
	    !strcmp(n, "VM_EXIT_CONTROLS") || !strcmp(n, "VM_ENTRY_CONTROLS"))
		return VMCS_W32;
	if (ends(n, "_BASE") || starts(n, "GUEST_CR") || starts(n, "HOST_CR") || starts(n, "CR0_") ||
	    starts(n, "CR4_") || starts(n, "CR3_TARGET_VALUE") || starts(n, "IO_R") ||
	    ends(n, "_RIP") || ends(n, "_RSP") || ends(n, "_RFLAGS") || ends(n, "_DR7") ||
	    ends(n, "SYSENTER_ESP") || ends(n, "SYSENTER_EIP") || ends(n, "S_CET") ||
	    ends(n, "_SSP") || ends(n, "SSP_TABLE_ADDR") || !strcmp(n, "EXIT_QUALIFICATION") ||
	    !strcmp(n, "GUEST_LINEAR_ADDRESS") || !strcmp(n, "GUEST_PENDING_DBG_EXCEPTIONS"))
		return VMCS_WNAT;
	/* addresses, pointers, bitmaps, 64-bit controls, MSR images */
	return VMCS_W64;
}

static void test_groups(void **s)
{
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		enum vmcs_field id = (enum vmcs_field)f;
		const char *n = vmcs_field_name(id);
		int type;

		if (in(n, read_only, sizeof(read_only) / sizeof(read_only[0])))
			type = VMCS_T_RO;
		else if (starts(n, "HOST_"))
			type = VMCS_T_HOST;
		else if (starts(n, "GUEST_") || in(n, guest_unprefixed, 2))
			type = VMCS_T_GUEST;
		else
			type = VMCS_T_CONTROL;
		if ((int)vmcs_field_type(id) != type)
			fail_msg("%s: type %d, its name says %d", n, vmcs_field_type(id), type);
		if ((int)vmcs_field_width(id) != expected_width(n))
			fail_msg("%s: width %d, its name says %d", n, vmcs_field_width(id), expected_width(n));
	}
}

/* Each control word's VMCS field, and each row's gates name real rows. */
static void test_words_and_gates(void **s)
{
	assert_int_equal(vmcs_field_encoding(vmx_ctl_word_field(VMX_W_PIN)), 0x4000);
	assert_int_equal(vmcs_field_encoding(vmx_ctl_word_field(VMX_W_PROC)), 0x4002);
	assert_int_equal(vmcs_field_encoding(vmx_ctl_word_field(VMX_W_PROC2)), 0x401e);
	assert_int_equal(vmcs_field_encoding(vmx_ctl_word_field(VMX_W_PROC3)), 0x2034);
	assert_int_equal(vmcs_field_encoding(vmx_ctl_word_field(VMX_W_EXIT)), 0x400c);
	assert_int_equal(vmcs_field_encoding(vmx_ctl_word_field(VMX_W_EXIT2)), 0x2044);
	assert_int_equal(vmcs_field_encoding(vmx_ctl_word_field(VMX_W_ENTRY)), 0x4012);
	for (unsigned w = 0; w < VMX_W_NR; w++) {
		/* a 64-bit control word lives in a 64-bit field */
		enum vmcs_width fw = vmcs_field_width(vmx_ctl_word_field((enum vmx_ctl_word)w));
		assert_int_equal(fw, vmx_ctl_word_bits((enum vmx_ctl_word)w) == 64 ? VMCS_W64 : VMCS_W32);
	}
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		enum vmx_feat g = vmcs_field_gate((enum vmcs_field)f, 0);
		enum vmx_feat g2 = vmcs_field_gate((enum vmcs_field)f, 1);
		assert_true(g < VMXF_NR && g2 < VMXF_NR);
		assert_true(g2 == VMXF_NONE || (g != VMXF_ALWAYS && g != VMXF_NONE));
		/* a gate never names a default1 control: those always exist */
		if (vmx_feat_is_control(g) && g > VMXF_NONE)
			assert_false(vmx_ctl_default1((enum vmx_ctl_word)vmx_feat_word(g)) & vmx_feat_mask(g));
	}
}

/* SDM footnotes: a field gated by a control exists exactly when the model
 * supports the 1-setting of that control (or of the second gate). */
static void test_field_exists(void **s)
{
	struct vmx_caps all = caps_all(), none;

	memset(&none, 0, sizeof(none));
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++) {
		enum vmcs_field id = (enum vmcs_field)f;
		enum vmx_feat g = vmcs_field_gate(id, 0), g2 = vmcs_field_gate(id, 1);
		struct vmx_caps c = all;

		assert_int_equal(vmcs_field_exists(id, &none), g == VMXF_ALWAYS);
		assert_int_equal(vmcs_field_exists(id, &all), g != VMXF_NONE);
		if (g == VMXF_ALWAYS || g == VMXF_NONE)
			continue;
		vmx_caps_set(&c, g, false);
		vmx_caps_set(&c, g2, false);
		if (vmcs_field_exists(id, &c))
			fail_msg("%s exists without %s", vmcs_field_name(id), vmx_feat_ident(g));
		vmx_caps_set(&c, g, true);
		assert_true(vmcs_field_exists(id, &c));
	}
	assert_false(vmcs_field_exists(VMCS_SHARED_EPT_POINTER, &all));

	/* the activation rule reaches the fields: no secondary controls, no EPT */
	struct vmx_caps c = caps_default();
	assert_true(vmcs_field_exists(VMCS_EPT_POINTER, &c));
	assert_true(vmcs_field_exists(VMCS_GUEST_PDPTE2, &c));
	assert_true(vmcs_field_exists(VMCS_GUEST_IA32_PAT, &c));
	assert_false(vmcs_field_exists(VMCS_GUEST_IA32_PKRS, &c));
	assert_int_equal(vmx_caps_edit(&c, "vmx-secondary-ctls", false), 0);
	assert_false(vmcs_field_exists(VMCS_EPT_POINTER, &c));
	assert_false(vmcs_field_exists(VMCS_SECONDARY_VM_EXEC_CONTROL, &c));
	assert_false(vmcs_field_exists(VMCS_VPID, &c));
	/* and either-or gates: guest IA32_PAT with only the save-on-exit */
	c = caps_default();
	vmx_caps_edit(&c, "vmx-entry-load-pat", false);
	assert_true(vmcs_field_exists(VMCS_GUEST_IA32_PAT, &c));
	vmx_caps_edit(&c, "vmx-exit-save-pat", false);
	assert_false(vmcs_field_exists(VMCS_GUEST_IA32_PAT, &c));
	assert_true(vmcs_field_exists(VMCS_HOST_IA32_PAT, &c));
}

/* SDM Appendix B footnotes, written out: withdrawing the named feature
 * (from a model with every row) makes exactly these fields vanish. (The
 * activation controls take whole words with them: test_field_exists.) */
static const struct { const char *feat; enum vmcs_field f[8]; } gated[] = {
	{ "vmx-vpid", { VMCS_VPID } },
	{ "vmx-posted-intr", { VMCS_POSTED_INTR_NV, VMCS_POSTED_INTR_DESC_ADDR } },
	{ "vmx-ept", { VMCS_EPT_POINTER, VMCS_GUEST_PHYSICAL_ADDRESS, VMCS_GUEST_PDPTE0,
		       VMCS_GUEST_PDPTE1, VMCS_GUEST_PDPTE2, VMCS_GUEST_PDPTE3 } },
	{ "vmx-apicv-vid", { VMCS_GUEST_INTR_STATUS, VMCS_EOI_EXIT_BITMAP0, VMCS_EOI_EXIT_BITMAP1,
			     VMCS_EOI_EXIT_BITMAP2, VMCS_EOI_EXIT_BITMAP3 } },
	{ "vmx-pml", { VMCS_GUEST_PML_INDEX, VMCS_PML_ADDRESS } },
	{ "vmx-msr-bitmap", { VMCS_MSR_BITMAP } },
	{ "vmx-flexpriority", { VMCS_VIRTUAL_APIC_ADDR, VMCS_TPR_THRESHOLD } },
	{ "vmx-apicv-xapic", { VMCS_APIC_ACCESS_ADDR } },
	{ "vmx-vmfunc", { VMCS_VM_FUNCTION_CONTROLS, VMCS_EPTP_LIST_ADDR } },
	{ "vmx-shadow-vmcs", { VMCS_VMREAD_BITMAP, VMCS_VMWRITE_BITMAP } },
	{ "vmx-xsaves", { VMCS_XSS_EXITING_BITMAP } },
	{ "vmx-encls-exit", { VMCS_ENCLS_EXITING_BITMAP } },
	{ "vmx-tsc-scaling", { VMCS_TSC_MULTIPLIER } },
	{ "vmx-ple", { VMCS_PLE_GAP, VMCS_PLE_WINDOW } },
	{ "vmx-preemption-timer", { VMCS_VMX_PREEMPTION_TIMER_VALUE } },
	{ "vmx-exit-load-pat", { VMCS_HOST_IA32_PAT } },
	{ "vmx-exit-load-efer", { VMCS_HOST_IA32_EFER } },
	{ "vmx-exit-load-perf-global-ctrl", { VMCS_HOST_IA32_PERF_GLOBAL_CTRL } },
	{ "vmx-exit-load-pkrs", { VMCS_HOST_IA32_PKRS } },
	{ "vmx-entry-load-pkrs", { VMCS_GUEST_IA32_PKRS } },
	{ "vmx-entry-load-cet", { VMCS_GUEST_IA32_S_CET, VMCS_GUEST_SSP, VMCS_GUEST_INTR_SSP_TABLE_ADDR } },
	{ "vmx-exit-save-cet", { VMCS_HOST_IA32_S_CET, VMCS_HOST_SSP, VMCS_HOST_INTR_SSP_TABLE_ADDR } },
	{ "vmx-exit-secondary-ctls", { VMCS_SECONDARY_VM_EXIT_CONTROLS, VMCS_HOST_IA32_FRED_CONFIG,
				       VMCS_HOST_IA32_FRED_SSP3 } },
	{ "vmx-entry-load-fred", { VMCS_INJECTED_EVENT_DATA, VMCS_ORIGINAL_EVENT_DATA } },
};

static void test_gate_spots(void **s)
{
	for (size_t k = 0; k < sizeof(gated) / sizeof(gated[0]); k++) {
		struct vmx_caps a = caps_all(), c = caps_all();
		unsigned want = 0, lost = 0;

		assert_int_equal(vmx_caps_edit(&c, gated[k].feat, false), 0);
		for (unsigned i = 0; i < 8 && (i == 0 || gated[k].f[i]); i++) {
			want++;
			if (vmcs_field_exists(gated[k].f[i], &c))
				fail_msg("-%s leaves %s", gated[k].feat, vmcs_field_name(gated[k].f[i]));
		}
		for (unsigned f = 0; f < VMCS_NR_FIELDS; f++)
			lost += vmcs_field_exists((enum vmcs_field)f, &a) &&
				!vmcs_field_exists((enum vmcs_field)f, &c);
		/* the FRED host fields are eight; the list names three */
		if (!strcmp(gated[k].feat, "vmx-exit-secondary-ctls"))
			want += 6;
		if (lost != want)
			fail_msg("-%s removes %u fields, expected %u", gated[k].feat, lost, want);
	}
}

/* ---------------- exit reasons and errors ---------------- */

static void test_exit_reasons(void **s)
{
	static const u8 unassigned[] = { 35, 38, 42, 71 };
	unsigned named = 0;

	for (u32 r = 0; r < 200; r++) {
		bool hole = r > 79;
		for (size_t k = 0; k < sizeof(unassigned); k++)
			hole |= r == unassigned[k];
		if (hole) {
			assert_null(vmx_exit_reason_name(r));
			assert_null(vmx_exit_reason_ident(r));
			continue;
		}
		if (!vmx_exit_reason_name(r) || !vmx_exit_reason_ident(r))
			fail_msg("exit reason %u has no name", r);
		named++;
	}
	assert_int_equal(named, 76);
	assert_int_equal(EXIT_REASON_EXCEPTION_NMI, 0);
	assert_int_equal(EXIT_REASON_TRIPLE_FAULT, 2);
	assert_int_equal(EXIT_REASON_INTERRUPT_WINDOW, 7);
	assert_int_equal(EXIT_REASON_CPUID, 10);
	assert_int_equal(EXIT_REASON_VMXON, 27);
	assert_int_equal(EXIT_REASON_CR_ACCESS, 28);
	assert_int_equal(EXIT_REASON_WRMSR, 32);
	assert_int_equal(EXIT_REASON_MONITOR_TRAP_FLAG, 37);
	assert_int_equal(EXIT_REASON_TPR_BELOW_THRESHOLD, 43);
	assert_int_equal(EXIT_REASON_EPT_VIOLATION, 48);
	assert_int_equal(EXIT_REASON_PREEMPTION_TIMER, 52);
	assert_int_equal(EXIT_REASON_XSETBV, 55);
	assert_int_equal(EXIT_REASON_PML_FULL, 62);
	assert_int_equal(EXIT_REASON_BUS_LOCK, 74);
	assert_int_equal(EXIT_REASON_TDCALL, 77);
	assert_string_equal(vmx_exit_reason_name(33), "VM-entry failure due to invalid guest state");
	assert_string_equal(vmx_exit_reason_name(34), "VM-entry failure due to MSR loading");
	/* the upper bits of the exit-reason field do not change the name */
	assert_string_equal(vmx_exit_reason_ident(EXIT_REASON_FAILED_VMENTRY | 33), "INVALID_GUEST_STATE");
	assert_string_equal(vmx_exit_reason_ident(0), "EXCEPTION_NMI");
}

static void test_insn_errors(void **s)
{
	unsigned named = 0;

	for (u32 e = 0; e < 64; e++) {
		bool hole = e == 0 || e == 14 || e == 21 || e == 27 || e > 28;
		if (hole) {
			assert_null(vmx_insn_error_name(e));
			continue;
		}
		if (!vmx_insn_error_name(e) || !vmx_insn_error_ident(e))
			fail_msg("VM-instruction error %u has no name", e);
		named++;
	}
	assert_int_equal(named, 25);
	assert_int_equal(VMXERR_ENTRY_INVALID_CONTROL_FIELD, 7);
	assert_int_equal(VMXERR_ENTRY_INVALID_HOST_STATE, 8);
	assert_int_equal(VMXERR_VMPTRLD_BAD_REVISION, 11);
	assert_int_equal(VMXERR_UNSUPPORTED_VMCS_COMPONENT, 12);
	assert_int_equal(VMXERR_VMWRITE_READ_ONLY, 13);
	assert_int_equal(VMXERR_VMXON_IN_ROOT, 15);
	assert_int_equal(VMXERR_ENTRY_MOV_SS_BLOCKING, 26);
	assert_int_equal(VMXERR_INVALID_INVEPT_INVVPID, 28);
	assert_string_equal(vmx_insn_error_name(12), "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vmx_insn_error_ident(7), "ENTRY_INVALID_CONTROL_FIELD");
}

/* ---------------- control and capability tables ---------------- */

/* Control masks as KVM's vmx.h spells them (a second source). */
static void test_control_bits(void **s)
{
	assert_int_equal(PIN_EXT_INTR_EXITING, 0x1);
	assert_int_equal(PIN_NMI_EXITING, 0x8);
	assert_int_equal(PIN_VIRTUAL_NMIS, 0x20);
	assert_int_equal(PIN_PREEMPTION_TIMER, 0x40);
	assert_int_equal(PIN_POSTED_INTERRUPTS, 0x80);
	assert_int_equal(PROC_INTR_WINDOW_EXITING, 0x4);
	assert_int_equal(PROC_HLT_EXITING, 0x80);
	assert_int_equal(PROC_CR3_LOAD_EXITING, 0x8000);
	assert_int_equal(PROC_ACTIVATE_TERTIARY, 0x20000);
	assert_int_equal(PROC_USE_TPR_SHADOW, 0x200000);
	assert_int_equal(PROC_NMI_WINDOW_EXITING, 0x400000);
	assert_int_equal(PROC_USE_IO_BITMAPS, 0x2000000);
	assert_int_equal(PROC_MONITOR_TRAP_FLAG, 0x8000000);
	assert_int_equal(PROC_USE_MSR_BITMAPS, 0x10000000);
	assert_int_equal(PROC_ACTIVATE_SECONDARY, 0x80000000u);
	assert_int_equal(PROC2_ENABLE_EPT, 0x2);
	assert_int_equal(PROC2_ENABLE_VPID, 0x20);
	assert_int_equal(PROC2_UNRESTRICTED_GUEST, 0x80);
	assert_int_equal(PROC2_VIRT_INTR_DELIVERY, 0x200);
	assert_int_equal(PROC2_VMCS_SHADOWING, 0x4000);
	assert_int_equal(PROC2_ENABLE_PML, 0x20000);
	assert_int_equal(PROC2_ENABLE_XSAVES, 0x100000);
	assert_int_equal(PROC2_USE_TSC_SCALING, 0x2000000);
	assert_int_equal(PROC2_INSTRUCTION_TIMEOUT, 0x80000000u);
	assert_int_equal(PROC3_IPI_VIRT, 0x10);
	assert_int_equal(EXIT_SAVE_DEBUG_CONTROLS, 0x4);
	assert_int_equal(EXIT_HOST_ADDR_SPACE_SIZE, 0x200);
	assert_int_equal(EXIT_ACK_INTR_ON_EXIT, 0x8000);
	assert_int_equal(EXIT_SAVE_PREEMPTION_TIMER, 0x400000);
	assert_int_equal(EXIT_CLEAR_IA32_RTIT_CTL, 0x2000000);
	assert_int_equal(EXIT_LOAD_CET_STATE, 0x10000000);
	assert_int_equal(EXIT_ACTIVATE_SECONDARY, 0x80000000u);
	assert_int_equal(EXIT2_LOAD_FRED, 0x2);
	assert_int_equal(ENTRY_LOAD_DEBUG_CONTROLS, 0x4);
	assert_int_equal(ENTRY_IA32E_MODE_GUEST, 0x200);
	assert_int_equal(ENTRY_LOAD_IA32_EFER, 0x8000);
	assert_int_equal(ENTRY_LOAD_CET_STATE, 0x100000);
	assert_int_equal(ENTRY_LOAD_FRED, 0x800000);
	/* default1 classes, SDM "Reserved Controls and Default Settings" */
	assert_int_equal(vmx_ctl_default1(VMX_W_PIN), 0x00000016);
	assert_int_equal(vmx_ctl_default1(VMX_W_PROC), 0x0401e172);
	assert_int_equal(vmx_ctl_default1(VMX_W_EXIT), 0x00036dff);
	assert_int_equal(vmx_ctl_default1(VMX_W_ENTRY), 0x000011ff);
	assert_int_equal(vmx_ctl_default1(VMX_W_PROC2), 0);
	assert_int_equal(vmx_ctl_default1(VMX_W_PROC3), 0);
	assert_int_equal(vmx_ctl_default1(VMX_W_EXIT2), 0);
}

static void test_feature_rows(void **s)
{
	unsigned dup = 0, ctl_in_default1 = 0;

	for (unsigned f = VMXF_NONE + 1; f < VMXF_NR; f++) {
		enum vmx_feat id = (enum vmx_feat)f;
		const char *q = vmx_feat_qemu_name(id);
		assert_non_null(vmx_feat_ident(id));
		assert_non_null(vmx_feat_sdm_name(id));
		assert_int_equal(__builtin_popcountll(vmx_feat_mask(id)), 1);
		/* no two rows share a word and a bit */
		for (unsigned g = f + 1; g < VMXF_NR; g++)
			if (vmx_feat_is_control(id) == vmx_feat_is_control((enum vmx_feat)g) &&
			    vmx_feat_word(id) == vmx_feat_word((enum vmx_feat)g) &&
			    vmx_feat_mask(id) == vmx_feat_mask((enum vmx_feat)g))
				fail_msg("%s and %s share a bit", vmx_feat_ident(id), vmx_feat_ident((enum vmx_feat)g));
		if (vmx_feat_is_control(id)) {
			enum vmx_ctl_word w = (enum vmx_ctl_word)vmx_feat_word(id);
			if (vmx_feat_mask(id) & vmx_ctl_default1(w))
				ctl_in_default1++;
			if (vmx_ctl_word_bits(w) == 32)
				assert_true(vmx_feat_mask(id) < BIT(32));
		}
		if (!q)
			continue;
		assert_true(starts(q, "vmx-"));
		assert_int_not_equal(vmx_feat_by_qemu_name(q), -1);
		if (vmx_feat_by_qemu_name(q) != (int)f) {
			/* QEMU's one duplicate: IA32_VMX_EPT_VPID_CAP bits 25 and 41 */
			assert_string_equal(q, "vmx-invept-single-context");
			dup++;
		}
	}
	assert_int_equal(dup, 1);
	/* the default1 class holds exactly four real controls */
	assert_int_equal(ctl_in_default1, 4);
	assert_int_equal(vmx_ctl_defined(VMX_W_PROC) & vmx_ctl_default1(VMX_W_PROC),
			 PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING);
	assert_int_equal(vmx_feat_by_qemu_name("vmx-ept"), VMXF_PROC2_ENABLE_EPT);
	assert_int_equal(vmx_feat_by_qemu_name("vmx-unrestricted-guest"), VMXF_PROC2_UNRESTRICTED_GUEST);
	assert_int_equal(vmx_feat_by_qemu_name("vmx-hlt-exit"), VMXF_PROC_HLT_EXITING);
	assert_int_equal(vmx_feat_by_qemu_name("vmx-eptad"), VMXF_EPT_AD_FLAGS);
	assert_int_equal(vmx_feat_by_qemu_name("vmx-nosuch"), -1);
}

/* ---------------- capability MSRs ---------------- */

static const struct { enum vmx_ctl_word w; u32 msr, true_msr; } ctl_msrs[] = {
	{ VMX_W_PIN, 0x481, 0x48d },
	{ VMX_W_PROC, 0x482, 0x48e },
	{ VMX_W_EXIT, 0x483, 0x48f },
	{ VMX_W_ENTRY, 0x484, 0x490 },
	{ VMX_W_PROC2, 0x48b, 0 },
};

static void check_ctl_msrs(const struct vmx_caps *c)
{
	for (size_t k = 0; k < sizeof(ctl_msrs) / sizeof(ctl_msrs[0]); k++) {
		u64 v, t;
		if (!vmx_caps_msr_read(c, ctl_msrs[k].msr, &v))
			continue;
		u32 a0 = (u32)v, a1 = (u32)(v >> 32);
		/* allowed-0 (must be 1) is a subset of allowed-1 (may be 1) */
		assert_int_equal(a0 & ~a1, 0);
		/* the non-TRUE MSR reports the whole default1 class as must-be-1 */
		assert_int_equal(a0, vmx_ctl_default1(ctl_msrs[k].w));
		/* a bit with no control can never be 1, unless it is default1 */
		assert_int_equal(a1 & ~(vmx_ctl_defined(ctl_msrs[k].w) | vmx_ctl_default1(ctl_msrs[k].w)), 0);
		if (!ctl_msrs[k].true_msr || !vmx_caps_msr_read(c, ctl_msrs[k].true_msr, &t))
			continue;
		/* TRUE: same allowed-1, allowed-0 only ever loses default1 bits */
		assert_int_equal(t >> 32, a1);
		assert_int_equal((u32)t & ~a0, 0);
		assert_int_equal(a0 & ~(u32)t & ~vmx_ctl_defined(ctl_msrs[k].w), 0);
	}
}

static void test_ctls_msrs(void **s)
{
	struct vmx_caps c = caps_default(), a = caps_all();

	check_ctl_msrs(&c);
	check_ctl_msrs(&a);
	/* non-TRUE vs TRUE allowed-0 with nestbox's defaults: CR3-load/store
	 * exiting and save/load debug controls may be 0 */
	assert_int_equal((u32)msr(&c, 0x482), 0x0401e172);
	assert_int_equal((u32)msr(&c, 0x48e), 0x04006172);
	assert_int_equal((u32)msr(&c, 0x483), 0x00036dff);
	assert_int_equal((u32)msr(&c, 0x48f), 0x00036dfb);
	assert_int_equal((u32)msr(&c, 0x484), 0x000011ff);
	assert_int_equal((u32)msr(&c, 0x490), 0x000011fb);
	assert_int_equal((u32)msr(&c, 0x481), 0x16);
	assert_int_equal((u32)msr(&c, 0x48d), 0x16);
	/* withdrawing "may be 0" puts the bit back in the TRUE allowed-0 */
	vmx_caps_edit(&c, "vmx-cr3-load-noexit", false);
	assert_int_equal((u32)msr(&c, 0x48e), 0x0400e172);
	vmx_caps_edit(&c, "vmx-entry-noload-debugctl", false);
	assert_int_equal((u32)msr(&c, 0x490), 0x000011ff);
	/* ... and never takes away allowed-1 */
	assert_true(msr(&c, 0x48e) & ((u64)PROC_CR3_LOAD_EXITING << 32));
	check_ctl_msrs(&c);

	/* allowed-1 of nestbox's model */
	c = caps_default();
	assert_true(msr(&c, 0x481) & ((u64)PIN_PREEMPTION_TIMER << 32));
	assert_true(msr(&c, 0x482) & ((u64)PROC_ACTIVATE_SECONDARY << 32));
	assert_true(msr(&c, 0x48b) & ((u64)PROC2_UNRESTRICTED_GUEST << 32));
	assert_false(msr(&c, 0x48b) & ((u64)PROC2_ENABLE_XSAVES << 32));
	assert_int_equal(msr(&c, 0x492), PROC3_IPI_VIRT);
	assert_false(msr_exists(&c, 0x493)); /* no secondary VM-exit controls */
	assert_int_equal(msr(&a, 0x493), EXIT2_SAVE_FRED | EXIT2_LOAD_FRED | EXIT2_PREMATURELY_BUSY_SS);
}

/* Withdrawing any named feature clears exactly its allowed-1 bit (or, for
 * a default1 control, its TRUE allowed-0 bit goes back to 1). */
static void test_remove_each_feature(void **s)
{
	for (unsigned f = VMXF_NONE + 1; f < VMXF_NR; f++) {
		enum vmx_feat id = (enum vmx_feat)f;
		struct vmx_caps c = caps_all(), before = caps_all();
		if (!vmx_feat_is_control(id))
			continue;
		enum vmx_ctl_word w = (enum vmx_ctl_word)vmx_feat_word(id);
		u64 m = vmx_feat_mask(id);
		vmx_caps_set(&c, id, false);
		if (vmx_ctl_default1(w) & m) {
			assert_true(vmx_caps_allowed1(&c, w) & m);
			assert_false(vmx_caps_allowed0(&before, w, true) & m);
			assert_true(vmx_caps_allowed0(&c, w, true) & m);
		} else {
			if (vmx_caps_allowed1(&c, w) & m)
				fail_msg("%s still allowed", vmx_feat_ident(id));
			assert_int_equal(vmx_caps_allowed1(&c, w) | m, vmx_caps_allowed1(&before, w));
			assert_false(vmx_caps_has(&c, id));
		}
		if (vmx_feat_qemu_name(id)) {
			/* by name does the same */
			struct vmx_caps n = caps_all();
			assert_int_equal(vmx_caps_edit(&n, vmx_feat_qemu_name(id), false), 0);
			assert_int_equal(vmx_caps_allowed1(&n, w), vmx_caps_allowed1(&c, w));
			assert_int_equal(vmx_caps_allowed0(&n, w, true), vmx_caps_allowed0(&c, w, true));
		}
	}
	struct vmx_caps c = caps_default();
	assert_int_equal(vmx_caps_edit(&c, "vmx-nosuch", false), -1);
	/* "-vmx-ept": IA32_VMX_PROCBASED_CTLS2 bit 33 */
	assert_true(msr(&c, 0x48b) & BIT(33));
	vmx_caps_edit(&c, "vmx-ept", false);
	assert_false(msr(&c, 0x48b) & BIT(33));
	vmx_caps_edit(&c, "vmx-ept", true);
	assert_true(msr(&c, 0x48b) & BIT(33));
}

static void test_basic_misc(void **s)
{
	struct vmx_caps c = caps_default();
	u64 b = msr(&c, 0x480), m = msr(&c, 0x485);

	assert_int_equal(b & 0xffffffff, VMX_REVISION_ID);
	assert_false(b & BIT(31));
	assert_int_equal((b >> 32) & 0x1fff, 4096);
	assert_false(b & BIT(48)); /* Intel 64 */
	assert_false(b & BIT(49)); /* no dual-monitor treatment */
	assert_int_equal((b >> 50) & 0xf, 6);
	assert_true(b & BIT(54));
	assert_true(b & BIT(55));
	assert_true(b & BIT(56));
	assert_false(b & BIT(58));
	assert_int_equal(b & ~(GENMASK(30, 0) | GENMASK(44, 32) | GENMASK(56, 48) | BIT(58)), 0);

	assert_int_equal(m & 0x1f, 5);
	assert_true(m & BIT(5));
	assert_true(m & BIT(6) && m & BIT(7) && m & BIT(8));
	assert_int_equal((m >> 16) & 0x1ff, 4);
	assert_int_equal((m >> 25) & 7, 0);
	assert_true(m & BIT(29));
	assert_true(m & BIT(30));
	assert_int_equal(m >> 32, 0);

	/* without Intel 64 */
	vmx_caps_init(&c, TEST_CR4, false);
	b = msr(&c, 0x480);
	assert_true(b & BIT(48));
	assert_false(msr(&c, 0x483) & ((u64)EXIT_HOST_ADDR_SPACE_SIZE << 32));
	assert_false(msr(&c, 0x484) & ((u64)ENTRY_IA32E_MODE_GUEST << 32));
	assert_false(msr(&c, 0x482) & ((u64)PROC_USE_TPR_SHADOW << 32));
	assert_false(vmcs_field_exists(VMCS_VIRTUAL_APIC_ADDR, &c));

	/* no TRUE controls: the TRUE MSRs are gone */
	c = caps_default();
	assert_true(msr_exists(&c, 0x48d));
	vmx_caps_edit(&c, "vmx-true-ctls", false);
	for (u32 k = 0x48d; k <= 0x490; k++)
		assert_false(msr_exists(&c, k));
}

static void test_fixed_bits(void **s)
{
	struct vmx_caps c = caps_default();
	u64 f0 = msr(&c, 0x486), f1 = msr(&c, 0x487);

	assert_int_equal(f0, 0x80000021);
	assert_int_equal(f0 & ~f1, 0);
	assert_int_equal(f1, 0xffffffff);
	f0 = msr(&c, 0x488);
	f1 = msr(&c, 0x489);
	assert_int_equal(f0, BIT(13));
	assert_int_equal(f0 & ~f1, 0);
	assert_int_equal(f1, TEST_CR4 | BIT(13));
	/* a model without SMAP fixes CR4.SMAP to 0 */
	vmx_caps_init(&c, TEST_CR4 & ~BIT(21), true);
	assert_false(msr(&c, 0x489) & BIT(21));
	assert_true(msr(&c, 0x489) & BIT(13));
}

/* IA32_VMX_VMCS_ENUM bits 9:1 = the highest index of any existing field */
static u64 highest_index(const struct vmx_caps *c)
{
	unsigned hi = 0;
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++)
		if (vmcs_field_exists((enum vmcs_field)f, c))
			hi = vmcs_enc_index(vmcs_field_encoding((enum vmcs_field)f)) > hi
				     ? vmcs_enc_index(vmcs_field_encoding((enum vmcs_field)f))
				     : hi;
	return (u64)hi << 1;
}

static void test_vmcs_enum(void **s)
{
	struct vmx_caps c = caps_default(), a = caps_all();

	assert_int_equal(msr(&c, 0x48a), highest_index(&c));
	assert_int_equal(msr(&a, 0x48a), highest_index(&a));
	/* nestbox's model: the PID-pointer table (0x2042, index 0x21) */
	assert_int_equal(msr(&c, 0x48a), 0x21 << 1);
	/* everything: injected-event data (0x2052, index 0x29) */
	assert_int_equal(msr(&a, 0x48a), 0x29 << 1);
	/* no tertiary controls: the TSC multiplier (0x2032, index 0x19) */
	vmx_caps_set(&c, VMXF_PROC_ACTIVATE_TERTIARY, false);
	assert_int_equal(msr(&c, 0x48a), 0x19 << 1);
	assert_int_equal(msr(&c, 0x48a), highest_index(&c));
	assert_int_equal(msr(&c, 0x48a) & ~0x3feull, 0);
}

static void test_ept_vpid_vmfunc(void **s)
{
	struct vmx_caps c = caps_default();
	u64 e = msr(&c, 0x48c);

	assert_true(e & BIT(0) && e & BIT(6) && e & BIT(8) && e & BIT(14));
	assert_true(e & BIT(16) && e & BIT(17) && e & BIT(20) && e & BIT(21));
	assert_true(e & BIT(25) && e & BIT(26));
	assert_false(e & BIT(7)); /* no 5-level EPT */
	assert_true(e & BIT(32) && e & BIT(40) && e & BIT(41) && e & BIT(42) && e & BIT(43));
	assert_int_equal(msr(&c, 0x491), 1);
	/* QEMU's shared name clears both single-context bits */
	vmx_caps_edit(&c, "vmx-invept-single-context", false);
	e = msr(&c, 0x48c);
	assert_false(e & BIT(25));
	assert_false(e & BIT(41));
	/* EPT bits need "enable EPT", INVVPID bits "enable VPID" */
	c = caps_default();
	vmx_caps_edit(&c, "vmx-vpid", false);
	assert_int_equal(msr(&c, 0x48c) >> 32, 0);
	assert_true(msr(&c, 0x48c) & BIT(21));
	c = caps_default();
	vmx_caps_edit(&c, "vmx-ept", false);
	assert_int_equal(msr(&c, 0x48c) & 0xffffffff, 0);
	assert_true(msr(&c, 0x48c) & BIT(32));
	assert_false(vmx_caps_has(&c, VMXF_EPT_AD_FLAGS));
	vmx_caps_edit(&c, "vmx-vpid", false);
	assert_false(msr_exists(&c, 0x48c));
	/* VM functions */
	c = caps_default();
	assert_true(vmcs_field_exists(VMCS_EPTP_LIST_ADDR, &c));
	vmx_caps_edit(&c, "vmx-eptp-switching", false);
	assert_int_equal(msr(&c, 0x491), 0);
	assert_false(vmcs_field_exists(VMCS_EPTP_LIST_ADDR, &c));
	vmx_caps_edit(&c, "vmx-vmfunc", false);
	assert_false(msr_exists(&c, 0x491));
	/* HLAT prefix size only with "enable HLAT" */
	c = caps_all();
	assert_int_equal((msr(&c, 0x48c) >> 48) & 0x3f, 0x3f);
	vmx_caps_set(&c, VMXF_PROC3_ENABLE_HLAT, false);
	assert_int_equal((msr(&c, 0x48c) >> 48) & 0x3f, 0);
}

static void test_msr_existence(void **s)
{
	struct vmx_caps c = caps_default();
	u64 v;

	for (u32 k = 0x480; k <= 0x48a; k++)
		assert_true(msr_exists(&c, k));
	assert_false(vmx_caps_msr_read(&c, 0x47f, &v));
	assert_false(vmx_caps_msr_read(&c, 0x494, &v));
	assert_false(vmx_caps_msr_read(&c, 0x3a, &v));
	assert_true(msr_exists(&c, 0x48b));
	assert_true(msr_exists(&c, 0x492));
	vmx_caps_set(&c, VMXF_PROC_ACTIVATE_TERTIARY, false);
	assert_false(msr_exists(&c, 0x492));
	assert_false(vmcs_field_exists(VMCS_TERTIARY_VM_EXEC_CONTROL, &c));
	vmx_caps_edit(&c, "vmx-secondary-ctls", false);
	assert_false(msr_exists(&c, 0x48b));
	assert_false(msr_exists(&c, 0x48c));
	assert_false(msr_exists(&c, 0x491));
	/* the secondary word keeps its bits but none is in effect */
	assert_true(c.ctl[VMX_W_PROC2] & PROC2_ENABLE_EPT);
	assert_false(vmx_caps_has(&c, VMXF_PROC2_ENABLE_EPT));
	/* plain data: a copy is a model */
	struct vmx_caps d;
	memcpy(&d, &c, sizeof(d));
	assert_int_equal(msr(&d, 0x482), msr(&c, 0x482));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_encodings),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_unknown_encodings),
		cmocka_unit_test(test_high_access),
		cmocka_unit_test(test_width_masks),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_words_and_gates),
		cmocka_unit_test(test_field_exists),
		cmocka_unit_test(test_gate_spots),
		cmocka_unit_test(test_exit_reasons),
		cmocka_unit_test(test_insn_errors),
		cmocka_unit_test(test_control_bits),
		cmocka_unit_test(test_feature_rows),
		cmocka_unit_test(test_ctls_msrs),
		cmocka_unit_test(test_remove_each_feature),
		cmocka_unit_test(test_basic_misc),
		cmocka_unit_test(test_fixed_bits),
		cmocka_unit_test(test_vmcs_enum),
		cmocka_unit_test(test_ept_vpid_vmfunc),
		cmocka_unit_test(test_msr_existence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
