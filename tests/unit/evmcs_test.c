/* tests/unit/evmcs_test.c: the Hyper-V tables (cpu/system/hyperv.def,
 * vmx/evmcs.def) and what -cpu hv-* turns on. Expected values are written
 * out from the TLFS ("Feature and Interface Discovery", "Enlightened
 * VMCS") and QEMU 7.2's presentation, not read from the tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/system/hyperv.h"
#include "cpu/system/msr.h"
#include "sys_harness.h"
#include "vmx/evmcs.h"
#include "vmx/vmx.h"

static const struct evmcs_field_desc *row_of(enum vmcs_field f)
{
	for (unsigned k = 0; k < evmcs_nr_fields; k++)
		if (evmcs_fields[k].field == f)
			return &evmcs_fields[k];
	return NULL;
}

/* rows in layout order, inside the 1024 bytes, not overlapping, each VMCS
 * component at most once, widths as the VMCS component's (natural width:
 * 64 bits) */
static void test_layout_shape(void **s)
{
	unsigned end = 8; /* revision identifier, abort indicator */
	for (unsigned k = 0; k < evmcs_nr_fields; k++) {
		const struct evmcs_field_desc *d = &evmcs_fields[k];
		assert_true(d->offset >= end);
		assert_int_equal(d->offset % (d->width / 8), 0);
		end = d->offset + d->width / 8u;
		assert_true(end <= EVMCS_SIZE);
		assert_ptr_equal(row_of((enum vmcs_field)d->field), d);
		unsigned w = d->width == 16 ? VMCS_W16 : d->width == 32 ? VMCS_W32 : 64;
		enum vmcs_width vw = vmcs_field_width((enum vmcs_field)d->field);
		if (w == 64)
			assert_true(vw == VMCS_W64 || vw == VMCS_WNAT);
		else
			assert_int_equal(vw, w);
	}
	assert_int_equal(EVMCS_OFF_hv_clean_fields, 0x338);
}

/* offsets worked out by hand from the TLFS structure */
static void test_layout_offsets(void **s)
{
	static const struct { enum vmcs_field f; unsigned off; int group; } want[] = {
		{ VMCS_HOST_ES_SELECTOR, 0x008, EVG_HOST_GRP1 },
		{ VMCS_HOST_IA32_PAT, 0x018, EVG_HOST_GRP1 },
		{ VMCS_HOST_RIP, 0x050, EVG_HOST_GRP1 },
		{ VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x05c, EVG_CONTROL_GRP1 },
		{ VMCS_IO_BITMAP_A, 0x068, EVG_IO_BITMAP },
		{ VMCS_MSR_BITMAP, 0x078, EVG_MSR_BITMAP },
		{ VMCS_GUEST_ES_SELECTOR, 0x080, EVG_GUEST_GRP2 },
		{ VMCS_TSC_OFFSET, 0x190, EVG_CONTROL_GRP2 },
		{ VMCS_VMCS_LINK_POINTER, 0x1a0, EVG_GUEST_GRP1 },
		{ VMCS_GUEST_CR0, 0x220, EVG_CRDR },
		{ VMCS_HOST_RSP, 0x268, EVG_HOST_POINTER },
		{ VMCS_EPT_POINTER, 0x270, EVG_CONTROL_XLAT },
		{ VMCS_VPID, 0x278, EVG_CONTROL_XLAT },
		{ VMCS_GUEST_PHYSICAL_ADDRESS, 0x2a8, EVG_NONE },
		{ VMCS_VM_INSTRUCTION_ERROR, 0x2b0, EVG_NONE },
		{ VMCS_EXIT_REASON, 0x2b4, EVG_NONE },
		{ VMCS_EXIT_QUALIFICATION, 0x2d0, EVG_NONE },
		{ VMCS_GUEST_RSP, 0x300, EVG_GUEST_BASIC },
		{ VMCS_CPU_BASED_VM_EXEC_CONTROL, 0x314, EVG_CONTROL_PROC },
		{ VMCS_ENTRY_INTR_INFO, 0x320, EVG_CONTROL_EVENT },
		{ VMCS_GUEST_RIP, 0x330, EVG_NONE },
		{ VMCS_GUEST_IA32_BNDCFGS, 0x380, EVG_GUEST_GRP1 },
		{ VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0x3d0, EVG_HOST_GRP1 },
	};
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		const struct evmcs_field_desc *d = row_of(want[k].f);
		assert_non_null(d);
		assert_int_equal(d->offset, want[k].off);
		assert_int_equal(d->group, want[k].group);
	}
	assert_null(row_of(VMCS_POSTED_INTR_DESC_ADDR)); /* not in eVMCS v1 */
}

/* what moves when: the exit-information fields out, guest state both ways,
 * controls and host state in, except the two controls the processor writes */
static void test_layout_sync(void **s)
{
	for (unsigned k = 0; k < evmcs_nr_fields; k++) {
		const struct evmcs_field_desc *d = &evmcs_fields[k];
		enum vmcs_type t = vmcs_field_type((enum vmcs_field)d->field);
		if (t == VMCS_T_RO)
			assert_int_equal(d->sync, EVMCS_OUT);
		else if (t == VMCS_T_GUEST || d->field == VMCS_VM_ENTRY_CONTROLS ||
			 d->field == VMCS_ENTRY_INTR_INFO)
			assert_int_equal(d->sync, EVMCS_INOUT);
		else
			assert_int_equal(d->sync, EVMCS_IN);
	}
}

static void cpuid_of(const char *spec, u32 leaf, u32 out[4])
{
	struct cpu_model m;
	char err[200];
	assert_int_equal(cpu_model_parse(&m, spec, err, sizeof(err)), 0);
	cpu_model_cpuid(&m, leaf, 0, out);
}

/* without hv-* flags (or with only flags nestbox ignores) there are no
 * hypervisor leaves, as before */
static void test_cpuid_off(void **s)
{
	u32 r[4];
	cpuid_of("max,+vmx", 0x40000000, r);
	assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
	cpuid_of("max,+vmx,hv-relaxed,hv-time", 0x40000000, r);
	assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
	cpuid_of("max,+vmx,hv-vapic=off", 0x40000001, r);
	assert_true(!r[0]);
}

static void test_cpuid_on(void **s)
{
	u32 r[4];
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x40000000, r);
	assert_int_equal(r[0], 0x4000000a);
	assert_memory_equal(&r[1], "Microsoft Hv", 12);
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x40000001, r);
	assert_memory_equal(&r[0], "Hv#1", 4);
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x40000002, r);
	assert_int_equal(r[0], 0x1bbc);
	assert_int_equal(r[1], 0x00060001);
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x40000003, r);
	assert_int_equal(r[0], 0x30);
	assert_int_equal(r[3], 0x8);
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x40000004, r);
	assert_int_equal(r[0], 0x4008);
	assert_int_equal(r[1], 0xffffffff);
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x40000005, r);
	assert_int_equal(r[1], 64);
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x40000007, r);
	assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs", 0x4000000a, r);
	assert_int_equal(r[0], 0x0101);
	/* hv-emsr-bitmap: 0x4000000A EAX bit 19; alone, below the maximum
	 * leaf 0x40000005 it adds nothing */
	cpuid_of("max,+vmx,hv-vapic,hv-evmcs,hv-emsr-bitmap", 0x4000000a, r);
	assert_int_equal(r[0], 0x80101);
	cpuid_of("max,+vmx,hv-emsr-bitmap", 0x40000000, r);
	assert_int_equal(r[0], 0x40000005);
	cpuid_of("max,+vmx,hv-emsr-bitmap", 0x4000000a, r);
	assert_int_equal(r[0], 0);
	/* hv-vapic alone: leaves up to 0x40000005, no eVMCS */
	cpuid_of("max,hv_vapic", 0x40000000, r);
	assert_int_equal(r[0], 0x40000005);
	cpuid_of("max,hv_vapic", 0x40000004, r);
	assert_int_equal(r[0], 0x8);
	cpuid_of("max,hv_vapic", 0x4000000a, r);
	assert_int_equal(r[0], 0);
	cpuid_of("max,+hv-vapic,+hv-vpindex", 0x40000003, r);
	assert_int_equal(r[0], 0x70);
}

/* QEMU: "Hyper-V enlightened VMCS (hv-evmcs) requires Hyper-V virtual APIC
 * (hv-vapic)"; nestbox also wants VMX for it */
static void test_flag_rules(void **s)
{
	struct cpu_model m;
	char err[200];
	assert_int_equal(cpu_model_parse(&m, "max,+vmx,hv-evmcs", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "requires Hyper-V virtual APIC (hv-vapic)"));
	assert_int_equal(cpu_model_parse(&m, "max,hv-evmcs,hv-vapic", err, sizeof(err)), -1);
	assert_int_equal(cpu_model_parse(&m, "max,+vmx,hv-evmcs,hv-vapic,-hv-vapic", err, sizeof(err)),
			 -1);
	assert_int_equal(cpu_model_parse(&m, "max,+vmx,hv-evmcs=on,hv-vapic=on", err, sizeof(err)), 0);
}

/* the synthetic MSRs exist only with their flags; the VP index is
 * read-only; the VP assist page MSR clears the page it enables */
static void test_msrs(void **s)
{
	struct harness h;
	u64 v;

	h_init(&h, "max");
	assert_int_equal(msr_read(h.c, HV_MSR_GUEST_OS_ID, &v), -1);
	assert_int_equal(msr_read(h.c, HV_MSR_VP_ASSIST_PAGE, &v), -1);
	h_free(&h);

	h_init(&h, "max,+vmx,hv-vapic,hv-evmcs,hv-vpindex");
	assert_int_equal(msr_read(h.c, HV_MSR_VP_INDEX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(msr_write(h.c, HV_MSR_VP_INDEX, 1), -1);
	h_poke64(&h, 0x8000 + VP_ASSIST_CURRENT_NESTED_VMCS, 0x1234000);
	assert_int_equal(msr_write(h.c, HV_MSR_VP_ASSIST_PAGE, 0x8001), 0);
	assert_int_equal(h_peek64(&h, 0x8000 + VP_ASSIST_CURRENT_NESTED_VMCS), 0);
	assert_int_equal(hyperv_vp_assist_page(h.c), 0x8000);
	assert_int_equal(msr_write(h.c, HV_MSR_VP_ASSIST_PAGE, 1ull << 60 | 1), -1);
	/* the eVMCS is announced only with enlighten_vmentry */
	h_poke64(&h, 0x8000 + VP_ASSIST_CURRENT_NESTED_VMCS, 0x9000);
	assert_int_equal(vmx_evmcs_announced(h.c), VMX_NO_VMCS);
	phys_write(&h.m.mem, 0x8000 + VP_ASSIST_ENLIGHTEN_VMENTRY, 1, 1);
	assert_int_equal(vmx_evmcs_announced(h.c), 0x9000);
	assert_int_equal(msr_write(h.c, HV_MSR_VP_ASSIST_PAGE, 0), 0);
	assert_int_equal(vmx_evmcs_announced(h.c), VMX_NO_VMCS);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_shape),
		cmocka_unit_test(test_layout_offsets),
		cmocka_unit_test(test_layout_sync),
		cmocka_unit_test(test_cpuid_off),
		cmocka_unit_test(test_cpuid_on),
		cmocka_unit_test(test_flag_rules),
		cmocka_unit_test(test_msrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
