/* tests/guest/vmx/vmx_evmcs.c: Hyper-V's enlightened VMCS (Microsoft TLFS
 * "Enlightened VMCS", "Virtual Processor Assist Page", "Feature and
 * Interface Discovery") under a bare-metal 64-bit L1 with a 64-bit L2:
 *  - the CPUID leaves 0x40000000-0x4000000A QEMU presents with
 *    hv-vapic,hv-evmcs (vendor "Microsoft Hv", "Hv#1", the VP assist page
 *    privilege, the eVMCS recommendation, eVMCS versions 1..1), zeros above;
 *  - the synthetic MSRs: guest OS ID, VP index (read-only), the hypercall
 *    page (a stub returning HV_STATUS_INVALID_HYPERCALL_CODE), the VP
 *    assist page (cleared when enabled);
 *  - L1 fills a valid VMCS with the library, copies it into an eVMCS at
 *    the TLFS offsets, VMCLEARs the VMCS and announces the eVMCS in the VP
 *    assist page; VMLAUNCH/VMRESUME then run L2, which exits on CPUID, HLT
 *    and OUT: reason, qualification, instruction length and guest RIP are
 *    read from the eVMCS in memory; VMREAD/VMWRITE are VMfailInvalid and
 *    VMPTRST stores FFFFFFFF_FFFFFFFFH meanwhile;
 *  - clean fields: a TSC offset changed while hv_clean_fields marks its
 *    group (CONTROL_GRP2) clean is not used by VMRESUME; once the bit is
 *    cleared it is;
 *  - a wrong eVMCS version and enlighten_vmentry = 0: VMfailInvalid;
 *  - a control check that fails: VMfailValid(7) in the eVMCS's
 *    vm_instruction_error; a guest-state check that fails: exit reason
 *    0x80000021 in the eVMCS; VMCLEAR of the eVMCS writes nothing into it;
 *  - VMPTRLD while the eVMCS is current makes the ordinary VMCS current;
 *    the next VMLAUNCH with enlighten_vmentry set takes the eVMCS back.
 *  - the enlightened MSR bitmap (hv-emsr-bitmap: 0x4000000A EAX bit 19):
 *    with hv_enlightenments_control.MsrBitmap set, an L2 RDMSR the bitmap
 *    intercepts exits; L1 clears the bitmap's bit and the MSR_BITMAP clean
 *    bit, as the TLFS asks, and the next RDMSR does not exit.
 * Without CPUID.1:ECX.VMX it prints one SKIP line and passes.
 * run-args: -cpu max,+vmx,hv-vapic,hv-evmcs,hv-emsr-bitmap
 */
#include "guest.h"
#include "vmx.h"

/* TLFS HV_VMX_ENLIGHTENED_VMCS (version 1, with the 2022 fields), in its
 * order; natural alignment, 1024 bytes */
struct hv_evmcs {
	u32 revision_id;
	u32 abort;
	u16 host_es_selector;
	u16 host_cs_selector;
	u16 host_ss_selector;
	u16 host_ds_selector;
	u16 host_fs_selector;
	u16 host_gs_selector;
	u16 host_tr_selector;
	u16 padding16_1;
	u64 host_ia32_pat;
	u64 host_ia32_efer;
	u64 host_cr0;
	u64 host_cr3;
	u64 host_cr4;
	u64 host_ia32_sysenter_esp;
	u64 host_ia32_sysenter_eip;
	u64 host_rip;
	u32 host_ia32_sysenter_cs;
	u32 pin_based_vm_exec_control;
	u32 vm_exit_controls;
	u32 secondary_vm_exec_control;
	u64 io_bitmap_a;
	u64 io_bitmap_b;
	u64 msr_bitmap;
	u16 guest_es_selector;
	u16 guest_cs_selector;
	u16 guest_ss_selector;
	u16 guest_ds_selector;
	u16 guest_fs_selector;
	u16 guest_gs_selector;
	u16 guest_ldtr_selector;
	u16 guest_tr_selector;
	u32 guest_es_limit;
	u32 guest_cs_limit;
	u32 guest_ss_limit;
	u32 guest_ds_limit;
	u32 guest_fs_limit;
	u32 guest_gs_limit;
	u32 guest_ldtr_limit;
	u32 guest_tr_limit;
	u32 guest_gdtr_limit;
	u32 guest_idtr_limit;
	u32 guest_es_ar_bytes;
	u32 guest_cs_ar_bytes;
	u32 guest_ss_ar_bytes;
	u32 guest_ds_ar_bytes;
	u32 guest_fs_ar_bytes;
	u32 guest_gs_ar_bytes;
	u32 guest_ldtr_ar_bytes;
	u32 guest_tr_ar_bytes;
	u64 guest_es_base;
	u64 guest_cs_base;
	u64 guest_ss_base;
	u64 guest_ds_base;
	u64 guest_fs_base;
	u64 guest_gs_base;
	u64 guest_ldtr_base;
	u64 guest_tr_base;
	u64 guest_gdtr_base;
	u64 guest_idtr_base;
	u8 padding64_1[24];
	u64 vm_exit_msr_store_addr;
	u64 vm_exit_msr_load_addr;
	u64 vm_entry_msr_load_addr;
	u64 cr3_target_value0;
	u64 cr3_target_value1;
	u64 cr3_target_value2;
	u64 cr3_target_value3;
	u32 page_fault_error_code_mask;
	u32 page_fault_error_code_match;
	u32 cr3_target_count;
	u32 vm_exit_msr_store_count;
	u32 vm_exit_msr_load_count;
	u32 vm_entry_msr_load_count;
	u64 tsc_offset;
	u64 virtual_apic_page_addr;
	u64 vmcs_link_pointer;
	u64 guest_ia32_debugctl;
	u64 guest_ia32_pat;
	u64 guest_ia32_efer;
	u64 guest_pdptr0;
	u64 guest_pdptr1;
	u64 guest_pdptr2;
	u64 guest_pdptr3;
	u64 guest_pending_dbg_exceptions;
	u64 guest_sysenter_esp;
	u64 guest_sysenter_eip;
	u32 guest_activity_state;
	u32 guest_sysenter_cs;
	u64 cr0_guest_host_mask;
	u64 cr4_guest_host_mask;
	u64 cr0_read_shadow;
	u64 cr4_read_shadow;
	u64 guest_cr0;
	u64 guest_cr3;
	u64 guest_cr4;
	u64 guest_dr7;
	u64 host_fs_base;
	u64 host_gs_base;
	u64 host_tr_base;
	u64 host_gdtr_base;
	u64 host_idtr_base;
	u64 host_rsp;
	u64 ept_pointer;
	u16 virtual_processor_id;
	u8 padding16_2[6];
	u8 padding64_2[40];
	u64 guest_physical_address;
	u32 vm_instruction_error;
	u32 vm_exit_reason;
	u32 vm_exit_intr_info;
	u32 vm_exit_intr_error_code;
	u32 idt_vectoring_info_field;
	u32 idt_vectoring_error_code;
	u32 vm_exit_instruction_len;
	u32 vmx_instruction_info;
	u64 exit_qualification;
	u64 exit_io_instruction_ecx;
	u64 exit_io_instruction_esi;
	u64 exit_io_instruction_edi;
	u64 exit_io_instruction_eip;
	u64 guest_linear_address;
	u64 guest_rsp;
	u64 guest_rflags;
	u32 guest_interruptibility_info;
	u32 cpu_based_vm_exec_control;
	u32 exception_bitmap;
	u32 vm_entry_controls;
	u32 vm_entry_intr_info_field;
	u32 vm_entry_exception_error_code;
	u32 vm_entry_instruction_len;
	u32 tpr_threshold;
	u64 guest_rip;
	u32 hv_clean_fields;
	u32 padding32_1;
	u32 hv_synthetic_controls;
	u32 hv_enlightenments_control;
	u32 hv_vp_id;
	u32 padding32_2;
	u64 hv_vm_id;
	u64 partition_assist_page;
	u8 padding64_4[32];
	u64 guest_bndcfgs;
	u64 guest_ia32_perf_global_ctrl;
	u64 guest_ia32_s_cet;
	u64 guest_ssp;
	u64 guest_ia32_int_ssp_table_addr;
	u64 guest_ia32_lbr_ctl;
	u8 padding64_5[16];
	u64 xss_exit_bitmap;
	u64 encls_exiting_bitmap;
	u64 host_ia32_perf_global_ctrl;
	u64 tsc_multiplier;
	u64 host_ia32_s_cet;
	u64 host_ssp;
	u64 host_ia32_int_ssp_table_addr;
	u64 padding64_6;
};
_Static_assert(sizeof(struct hv_evmcs) == 1024, "eVMCS size");

/* TLFS HV_VP_ASSIST_PAGE: the fields the eVMCS uses */
struct hv_vp_assist {
	u32 apic_assist, reserved1;
	u32 vtl_entry_reason, vtl_reserved;
	u64 vtl_ret_rax, vtl_ret_rcx;
	u64 nested_control;
	u8 enlighten_vmentry;
	u8 reserved2[7];
	u64 current_nested_vmcs;
};
_Static_assert(__builtin_offsetof(struct hv_vp_assist, enlighten_vmentry) == 40, "");
_Static_assert(__builtin_offsetof(struct hv_vp_assist, current_nested_vmcs) == 48, "");

#define HV_MSR_GUEST_OS_ID    0x40000000
#define HV_MSR_HYPERCALL      0x40000001
#define HV_MSR_VP_INDEX       0x40000002
#define HV_MSR_VP_ASSIST_PAGE 0x40000073
#define CLEAN_MSR_BITMAP      BIT(1)
#define CLEAN_CONTROL_GRP2    BIT(2)
#define ENLIGHTEN_MSR_BITMAP  BIT(1) /* hv_enlightenments_control */
#define CLEAN_ALL             0xffffu

/* the eVMCS fields that mirror a VMCS component L1 sets, by encoding */
static const struct { u16 off, size; u32 enc; } copy_map[] = {
#define F(m, e) { __builtin_offsetof(struct hv_evmcs, m), sizeof(((struct hv_evmcs *)0)->m), e }
	F(host_es_selector, 0x0c00),
	F(host_cs_selector, 0x0c02),
	F(host_ss_selector, 0x0c04),
	F(host_ds_selector, 0x0c06),
	F(host_fs_selector, 0x0c08),
	F(host_gs_selector, 0x0c0a),
	F(host_tr_selector, 0x0c0c),
	F(host_ia32_pat, 0x2c00),
	F(host_ia32_efer, 0x2c02),
	F(host_cr0, 0x6c00),
	F(host_cr3, 0x6c02),
	F(host_cr4, 0x6c04),
	F(host_ia32_sysenter_esp, 0x6c10),
	F(host_ia32_sysenter_eip, 0x6c12),
	F(host_rip, 0x6c16),
	F(host_ia32_sysenter_cs, 0x4c00),
	F(pin_based_vm_exec_control, 0x4000),
	F(vm_exit_controls, 0x400c),
	F(secondary_vm_exec_control, 0x401e),
	F(io_bitmap_a, 0x2000),
	F(io_bitmap_b, 0x2002),
	F(msr_bitmap, 0x2004),
	F(guest_es_selector, 0x0800),
	F(guest_cs_selector, 0x0802),
	F(guest_ss_selector, 0x0804),
	F(guest_ds_selector, 0x0806),
	F(guest_fs_selector, 0x0808),
	F(guest_gs_selector, 0x080a),
	F(guest_ldtr_selector, 0x080c),
	F(guest_tr_selector, 0x080e),
	F(guest_es_limit, 0x4800),
	F(guest_cs_limit, 0x4802),
	F(guest_ss_limit, 0x4804),
	F(guest_ds_limit, 0x4806),
	F(guest_fs_limit, 0x4808),
	F(guest_gs_limit, 0x480a),
	F(guest_ldtr_limit, 0x480c),
	F(guest_tr_limit, 0x480e),
	F(guest_gdtr_limit, 0x4810),
	F(guest_idtr_limit, 0x4812),
	F(guest_es_ar_bytes, 0x4814),
	F(guest_cs_ar_bytes, 0x4816),
	F(guest_ss_ar_bytes, 0x4818),
	F(guest_ds_ar_bytes, 0x481a),
	F(guest_fs_ar_bytes, 0x481c),
	F(guest_gs_ar_bytes, 0x481e),
	F(guest_ldtr_ar_bytes, 0x4820),
	F(guest_tr_ar_bytes, 0x4822),
	F(guest_es_base, 0x6806),
	F(guest_cs_base, 0x6808),
	F(guest_ss_base, 0x680a),
	F(guest_ds_base, 0x680c),
	F(guest_fs_base, 0x680e),
	F(guest_gs_base, 0x6810),
	F(guest_ldtr_base, 0x6812),
	F(guest_tr_base, 0x6814),
	F(guest_gdtr_base, 0x6816),
	F(guest_idtr_base, 0x6818),
	F(vm_exit_msr_store_addr, 0x2006),
	F(vm_exit_msr_load_addr, 0x2008),
	F(vm_entry_msr_load_addr, 0x200a),
	F(cr3_target_value0, 0x6008),
	F(cr3_target_value1, 0x600a),
	F(cr3_target_value2, 0x600c),
	F(cr3_target_value3, 0x600e),
	F(page_fault_error_code_mask, 0x4006),
	F(page_fault_error_code_match, 0x4008),
	F(cr3_target_count, 0x400a),
	F(vm_exit_msr_store_count, 0x400e),
	F(vm_exit_msr_load_count, 0x4010),
	F(vm_entry_msr_load_count, 0x4014),
	F(tsc_offset, 0x2010),
	F(virtual_apic_page_addr, 0x2012),
	F(vmcs_link_pointer, 0x2800),
	F(guest_ia32_debugctl, 0x2802),
	F(guest_ia32_pat, 0x2804),
	F(guest_ia32_efer, 0x2806),
	F(guest_pdptr0, 0x280a),
	F(guest_pdptr1, 0x280c),
	F(guest_pdptr2, 0x280e),
	F(guest_pdptr3, 0x2810),
	F(guest_pending_dbg_exceptions, 0x6822),
	F(guest_sysenter_esp, 0x6824),
	F(guest_sysenter_eip, 0x6826),
	F(guest_activity_state, 0x4826),
	F(guest_sysenter_cs, 0x482a),
	F(cr0_guest_host_mask, 0x6000),
	F(cr4_guest_host_mask, 0x6002),
	F(cr0_read_shadow, 0x6004),
	F(cr4_read_shadow, 0x6006),
	F(guest_cr0, 0x6800),
	F(guest_cr3, 0x6802),
	F(guest_cr4, 0x6804),
	F(guest_dr7, 0x681a),
	F(host_fs_base, 0x6c06),
	F(host_gs_base, 0x6c08),
	F(host_tr_base, 0x6c0a),
	F(host_gdtr_base, 0x6c0c),
	F(host_idtr_base, 0x6c0e),
	F(host_rsp, 0x6c14),
	F(ept_pointer, 0x201a),
	F(virtual_processor_id, 0x0000),
	F(guest_rsp, 0x681c),
	F(guest_rflags, 0x6820),
	F(guest_interruptibility_info, 0x4824),
	F(cpu_based_vm_exec_control, 0x4002),
	F(exception_bitmap, 0x4004),
	F(vm_entry_controls, 0x4012),
	F(vm_entry_intr_info_field, 0x4016),
	F(vm_entry_exception_error_code, 0x4018),
	F(vm_entry_instruction_len, 0x401a),
	F(tpr_threshold, 0x401c),
	F(guest_rip, 0x681e),
	F(guest_bndcfgs, 0x2812),
	F(guest_ia32_perf_global_ctrl, 0x2808),
	F(guest_ia32_s_cet, 0x6828),
	F(guest_ssp, 0x682a),
	F(guest_ia32_int_ssp_table_addr, 0x682c),
	F(guest_ia32_lbr_ctl, 0x2816),
	F(xss_exit_bitmap, 0x202c),
	F(encls_exiting_bitmap, 0x202e),
	F(host_ia32_perf_global_ctrl, 0x2c04),
	F(tsc_multiplier, 0x2032),
	F(host_ia32_s_cet, 0x6c18),
	F(host_ssp, 0x6c1a),
	F(host_ia32_int_ssp_table_addr, 0x6c1c),
#undef F
};

static struct hv_evmcs *ev;
static struct hv_vp_assist *vpa;
extern u64 evmcs_enter(struct vmx_gprs *g, u64 launch, u64 *host_rsp_slot);
extern u8 evmcs_exit_stub[];

enum { S_CPUID, S_HLT, S_OUT, S_RDMSR, S_COUNT };
static volatile u64 l2_rip[S_COUNT];
static volatile u64 l2_tsc[3];
#define TSC_BIG       (1ull << 44)

/* L2: CPUID, HLT, OUT DX; then three RDTSC + CPUID rounds */
static u64 l2_main(u64 arg)
{
	u32 a = 0x4c32, b, c = 0, d;

	asm volatile("lea 1f(%%rip), %%r8; mov %%r8, %0; 1: cpuid"
		     : "=m"(l2_rip[S_CPUID]), "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "r8");
	asm volatile("lea 1f(%%rip), %%r8; mov %%r8, %0; 1: hlt" : "=m"(l2_rip[S_HLT]) : : "r8");
	asm volatile("lea 1f(%%rip), %%r8; mov %%r8, %0; mov $0xe0, %%dx; mov $0x5a, %%al\n"
		     "1: outb %%al, %%dx" : "=m"(l2_rip[S_OUT]) : : "r8", "rax", "rdx");
	for (int k = 0; k < 3; k++) {
		l2_tsc[k] = rdtsc();
		a = 0x4c33;
		c = 0;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	/* two RDMSRs of IA32_SYSENTER_CS: the first one exits */
	for (int k = 0; k < 2; k++)
		asm volatile("lea 1f(%%rip), %%r8; mov %%r8, %0; mov $0x174, %%ecx\n"
			     "1: rdmsr" : "=m"(l2_rip[S_RDMSR]) : : "r8", "rax", "rcx", "rdx");
	return arg;
}

static int evmcs_run(bool launch)
{
	struct desc_ptr gdtr, idtr;
	u64 r;

	sgdt(&gdtr);
	sidt(&idtr);
	r = evmcs_enter(&vmx_guest_regs, launch, &ev->host_rsp);
	if (r == 0) {
		lgdt(&gdtr);
		lidt(&idtr);
		return VMX_OK;
	}
	if (r == 1)
		return VMX_FAULT(exception_vector());
	if (r & X86_EFLAGS_CF)
		return VMX_FAIL_INVALID;
	if (r & X86_EFLAGS_ZF)
		return VMX_FAIL_VALID(ev->vm_instruction_error);
	return VMX_FELL_THROUGH;
}

static void announce(struct hv_evmcs *e, u8 on)
{
	vpa->current_nested_vmcs = virt_to_phys(e);
	vpa->enlighten_vmentry = on;
}

static void check_cpuid(void)
{
	struct cpuid r = cpuid(1);
	report(r.c & BIT(31), "CPUID.1:ECX.hypervisor");
	r = cpuid(0x40000000);
	report(r.a == 0x4000000a && r.b == 0x7263694d && r.c == 0x666f736f && r.d == 0x76482074,
	       "0x40000000: max leaf %#x, vendor \"Microsoft Hv\" (%#x %#x %#x)", r.a, r.b, r.c, r.d);
	r = cpuid(0x40000001);
	report(r.a == 0x31237648, "0x40000001: interface \"Hv#1\" (%#x)", r.a);
	r = cpuid(0x40000003);
	report((r.a & 0x30) == 0x30 && !(r.a & BIT(6)),
	       "0x40000003: AccessApicMsrs (VP assist page), hypercall MSRs, no VP index (EAX %#x)",
	       r.a);
	r = cpuid(0x40000004);
	report((r.a & (BIT(14) | BIT(3))) == (BIT(14) | BIT(3)),
	       "0x40000004: enlightened VMCS and APIC MSRs recommended (EAX %#x)", r.a);
	r = cpuid(0x4000000a);
	report((r.a & 0xff) == 1 && ((r.a >> 8) & 0xff) == 1,
	       "0x4000000A: eVMCS versions %u..%u", r.a & 0xff, (r.a >> 8) & 0xff);
	report(r.a & BIT(19), "0x4000000A: enlightened MSR bitmap (EAX %#x)", r.a);
	r = cpuid(0x4000000b);
	report(!r.a && !r.b && !r.c && !r.d, "0x4000000B (above the range): zeros");
}

static void check_msrs(void)
{
	u64 v;

	report(rdmsr_safe(HV_MSR_VP_INDEX, &v) == GP_VECTOR, "VP index MSR absent without hv-vpindex");
	report(wrmsr_safe(HV_MSR_HYPERCALL, virt_to_phys(alloc_page()) | 1) == NO_EXCEPTION &&
	       !(rdmsr(HV_MSR_HYPERCALL) & 1), "hypercall page stays disabled with guest OS ID 0");
	wrmsr(HV_MSR_GUEST_OS_ID, 0x8100000000000000ull);
	report(rdmsr(HV_MSR_GUEST_OS_ID) == 0x8100000000000000ull, "guest OS ID MSR");
	u8 *hc = alloc_page();
	memset(hc, 0xcc, 4096);
	wrmsr(HV_MSR_HYPERCALL, virt_to_phys(hc) | 1);
	u64 (*call)(u64, u64, u64) = (void *)hc;
	report((rdmsr(HV_MSR_HYPERCALL) & 1) && call(1, 0, 0) == 2,
	       "hypercall page: enabled, a call returns HV_STATUS_INVALID_HYPERCALL_CODE");
	vpa = alloc_page();
	memset(vpa, 0xa5, 4096);
	wrmsr(HV_MSR_VP_ASSIST_PAGE, virt_to_phys(vpa) | 1);
	report(rdmsr(HV_MSR_VP_ASSIST_PAGE) == (virt_to_phys(vpa) | 1) && !vpa->enlighten_vmentry &&
	       !vpa->current_nested_vmcs, "VP assist page MSR: enabled, the page cleared");
}

/* the VM exit's information, read from the eVMCS in memory */
static void check_exit(const char *what, u32 reason, u64 qual, u32 len, unsigned at)
{
	report(ev->vm_exit_reason == reason, "%s: eVMCS exit reason %u (want %u)", what,
	       ev->vm_exit_reason, reason);
	report(ev->exit_qualification == qual, "%s: eVMCS qualification %#llx (want %#llx)", what,
	       ev->exit_qualification, qual);
	report(ev->vm_exit_instruction_len == len, "%s: eVMCS instruction length %u (want %u)", what,
	       ev->vm_exit_instruction_len, len);
	report(ev->guest_rip == l2_rip[at], "%s: eVMCS guest RIP %#llx (want %#llx)", what,
	       ev->guest_rip, l2_rip[at]);
}

/* L1 emulates: guest RIP += length (group NONE: read at every entry) */
static int skip_and_resume(u32 clean)
{
	ev->guest_rip += ev->vm_exit_instruction_len;
	ev->hv_clean_fields = clean;
	return evmcs_run(false);
}

static void build_evmcs(void)
{
	ev = alloc_page();
	memset(ev, 0, 4096);
	ev->revision_id = 1;
	for (unsigned k = 0; k < ARRAY_SIZE(copy_map); k++) {
		u64 v;
		if (vmx_read(copy_map[k].enc, &v) != VMX_OK)
			continue; /* a component this model lacks */
		memcpy((u8 *)ev + copy_map[k].off, &v, copy_map[k].size);
	}
	ev->host_rip = (u64)evmcs_exit_stub;
}

static void run_l2(void)
{
	u64 v;
	int r = evmcs_run(true);

	if (r != VMX_OK || ev->vm_exit_reason != EXIT_REASON_CPUID) {
		report(false, "VMLAUNCH through the eVMCS: %s, exit reason %#x", vmx_result_str(r),
		       ev->vm_exit_reason);
		return;
	}
	check_exit("CPUID", EXIT_REASON_CPUID, 0, 2, S_CPUID);
	report(vmx_read(GUEST_RIP, &v) == VMX_FAIL_INVALID && vmx_write(GUEST_RIP, 0) == VMX_FAIL_INVALID,
	       "VMREAD/VMWRITE with an eVMCS current: VMfailInvalid");
	r = vmx_ptrst(&v);
	report(r == VMX_OK && v == ~0ull, "VMPTRST with an eVMCS current: %#llx", v);
	r = skip_and_resume(CLEAN_ALL);
	report(r == VMX_OK, "VMRESUME through the eVMCS: %s", vmx_result_str(r));
	check_exit("HLT", EXIT_REASON_HLT, 0, 1, S_HLT);
	r = skip_and_resume(CLEAN_ALL);
	/* "Exit Qualification for I/O Instructions": size 1 (0), OUT (bit 3
	 * 0), DX operand (bit 6 0), port in bits 31:16 */
	check_exit("OUT DX", EXIT_REASON_IO_INSTRUCTION, 0xe0ull << 16, 1, S_OUT);

	/* round 0: TSC offset 0; round 1: the offset changed, its group marked
	 * clean; round 2: the group's bit cleared */
	r = skip_and_resume(CLEAN_ALL);
	ev->tsc_offset = TSC_BIG;
	r = skip_and_resume(CLEAN_ALL);
	report(r == VMX_OK && l2_tsc[0] < TSC_BIG && l2_tsc[1] < TSC_BIG,
	       "TSC offset changed while CONTROL_GRP2 is clean: not reloaded (L2's TSC %#llx)", l2_tsc[1]);
	r = skip_and_resume(CLEAN_ALL & ~CLEAN_CONTROL_GRP2);
	report(r == VMX_OK && l2_tsc[2] >= TSC_BIG,
	       "CONTROL_GRP2 not clean: the new TSC offset is used (L2's TSC %#llx)", l2_tsc[2]);
	/* the enlightened MSR bitmap: L2's RDMSR of 174H exits while the
	 * bitmap says so; L1 clears the bit and the clean bit, and the second
	 * RDMSR runs in L2 */
	u8 *bitmap = phys_to_virt(ev->msr_bitmap);
	bitmap[0x174 / 8] |= BIT(0x174 % 8);
	ev->hv_enlightenments_control |= ENLIGHTEN_MSR_BITMAP;
	r = skip_and_resume(CLEAN_ALL & ~CLEAN_MSR_BITMAP);
	report(r == VMX_OK, "VMRESUME with the enlightened MSR bitmap: %s", vmx_result_str(r));
	check_exit("RDMSR (enlightened MSR bitmap)", EXIT_REASON_RDMSR, 0, 2, S_RDMSR);
	bitmap[0x174 / 8] &= (u8)~BIT(0x174 % 8);
	r = skip_and_resume(CLEAN_ALL & ~CLEAN_MSR_BITMAP);
	report(r == VMX_OK && ev->vm_exit_reason == EXIT_REASON_VMCALL && vmx_guest_regs.rax == 0x77,
	       "L2 finished (reason %u, RAX %#llx)", ev->vm_exit_reason, vmx_guest_regs.rax);
}

static void check_failures(void)
{
	struct hv_evmcs *bad = alloc_page();
	u16 es = ev->host_es_selector;
	u32 pin = ev->pin_based_vm_exec_control;
	u64 rflags = ev->guest_rflags;
	int r;

	memcpy(bad, ev, sizeof(*ev));
	bad->revision_id = 2;
	announce(bad, 1);
	r = evmcs_run(true);
	report(r == VMX_FAIL_INVALID, "eVMCS version 2: VMLAUNCH is %s (want VMfailInvalid)",
	       vmx_result_str(r));
	announce(ev, 0);
	r = evmcs_run(true);
	report(r == VMX_FAIL_INVALID, "enlighten_vmentry 0, no current VMCS: VMLAUNCH is %s",
	       vmx_result_str(r));

	announce(ev, 1);
	ev->vm_instruction_error = 0xdead;
	ev->pin_based_vm_exec_control = 0; /* its allowed-0 bits are 1 */
	r = evmcs_run(true);
	report(r == VMX_FAIL_VALID(VMXERR_ENTRY_INVALID_CONTROL) && ev->vm_instruction_error == 7,
	       "pin-based controls 0: %s, eVMCS VM-instruction error %u", vmx_result_str(r),
	       ev->vm_instruction_error);
	ev->pin_based_vm_exec_control = pin;
	ev->guest_rflags = rflags & ~2ull; /* reserved bit 1 must be 1 */
	ev->vm_exit_reason = 0;
	r = evmcs_run(true);
	report(r == VMX_OK &&
	       ev->vm_exit_reason == (EXIT_REASON_FAILED_ENTRY | EXIT_REASON_INVALID_GUEST_STATE) &&
	       ev->exit_qualification == 0,
	       "guest RFLAGS bit 1 clear: eVMCS exit reason %#x qualification %llu",
	       ev->vm_exit_reason, ev->exit_qualification);
	ev->guest_rflags = rflags;
	report(vmx_clear(virt_to_phys(ev)) == VMX_OK && ev->host_es_selector == es,
	       "VMCLEAR of the eVMCS: VMsucceed, nothing written into it (host ES %#x)",
	       ev->host_es_selector);
}

/* VMPTRLD while an eVMCS is current makes the ordinary VMCS current (VMREAD
 * works again); the next VMLAUNCH with enlighten_vmentry set takes the
 * eVMCS back. L2 resumes at its final VMCALL each time. */
static void check_vmptrld(void *vmcs)
{
	u64 v = 0;
	int r;

	announce(ev, 1);
	r = evmcs_run(true);
	report(r == VMX_OK && ev->vm_exit_reason == EXIT_REASON_VMCALL,
	       "VMLAUNCH through the eVMCS after its VMCLEAR: %s, reason %u", vmx_result_str(r),
	       ev->vm_exit_reason);
	r = vmx_ptrld(virt_to_phys(vmcs));
	int rd = vmx_read(GUEST_RIP, &v);
	report(r == VMX_OK && rd == VMX_OK && v == (u64)vmx_l2_entry,
	       "VMPTRLD with an eVMCS current: %s, the ordinary VMCS is current (guest RIP %#llx)",
	       vmx_result_str(r), v);
	r = vmx_ptrst(&v);
	report(r == VMX_OK && v == virt_to_phys(vmcs), "VMPTRST: %#llx", v);
	r = evmcs_run(true);
	report(r == VMX_OK && ev->vm_exit_reason == EXIT_REASON_VMCALL &&
	       vmx_read(GUEST_RIP, &v) == VMX_FAIL_INVALID,
	       "VMLAUNCH with enlighten_vmentry takes the eVMCS again: %s", vmx_result_str(r));
}

int main(int argc, char **argv)
{
	struct vmx_vmcs_cfg cfg = { .proc = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
					    PROC_USE_TSC_OFFSETTING | PROC_USE_MSR_BITMAPS };

	if (!vmx_check_supported())
		return report_summary();
	check_cpuid();
	check_msrs();
	vmx_read_caps(&vmx_caps);
	if (!vmx_start())
		return report_summary();
	void *vmcs = vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, l2_main, 0x77)) {
		report_skip("HLT exiting, unconditional I/O exiting, TSC offsetting or MSR bitmaps not allowed");
		return report_summary();
	}
	build_evmcs();
	report(vmx_clear(virt_to_phys(vmcs)) == VMX_OK, "VMCLEAR of the library's VMCS");
	announce(ev, 1);
	run_l2();
	check_failures();
	check_vmptrld(vmcs);
	return report_summary();
}
