/* vmx/evmcs.c: the enlightened VMCS's layout as data (vmx/evmcs.def) and
 * its copies to and from the VMCS nestbox uses (vmx/evmcs.h). The
 * instructions' part (which eVMCS is current, its version, launch state)
 * is in vmx/insn.c; the write-back at VM exit in vmx/exit.c. */
#include "vmx/evmcs.h"

#include <stddef.h>

#include "cpu/cpu.h"
#include "cpu/model.h"
#include "cpu/system/hyperv.h"
#include "machine/machine.h"
#include "mem/physmem.h"
#include "vmx/vmx.h"

/* The TLFS structure, member by member in its order, for the offset
 * checks below (nothing else uses it: fields are reached through the
 * table, in guest memory) */
struct evmcs_layout {
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
_Static_assert(sizeof(struct evmcs_layout) == EVMCS_SIZE, "the eVMCS is 1024 bytes");

#define LAYOUT_MEMBER(m) (((struct evmcs_layout *)0)->m)
#define G(name, bit)
#define H(m, off, size)                                                                 \
	_Static_assert(offsetof(struct evmcs_layout, m) == (off) &&                       \
			       sizeof(LAYOUT_MEMBER(m)) == (size),                        \
		       "eVMCS field " #m ": offset or size");
#define E(m, off, w, g, f, s)                                                           \
	_Static_assert(offsetof(struct evmcs_layout, m) == (off) &&                       \
			       sizeof(LAYOUT_MEMBER(m)) * 8 == (w),                       \
		       "eVMCS field " #m ": offset or width");
#include "vmx/evmcs.def"
#undef G
#undef H
#undef E

const struct evmcs_field_desc evmcs_fields[] = {
#define G(name, bit)
#define H(m, off, size)
#define E(m, off, w, g, f, s) { #m, (off), (w), EVG_##g, EVMCS_##s, VMCS_##f },
#include "vmx/evmcs.def"
#undef G
#undef H
#undef E
};
const unsigned evmcs_nr_fields = sizeof(evmcs_fields) / sizeof(evmcs_fields[0]);

static struct physmem *pmem(struct cpu *c) { return &c->machine->mem; }

/* TLFS "Enlightened VMCS": "the L1 hypervisor ... sets the
 * current_nested_vmcs field of the VP assist page to the GPA of the
 * enlightened VMCS" and enlighten_vmentry "to cause VMLAUNCH/VMRESUME to
 * use it" (KVM reads both from the page at each VMLAUNCH/VMRESUME) */
u64 vmx_evmcs_announced(struct cpu *c)
{
	if (!c->model || !(c->model->hv & HV_BIT(HV_EVMCS)))
		return VMX_NO_VMCS;
	u64 page = hyperv_vp_assist_page(c);
	if (page == ~0ull || !phys_read(pmem(c), page + VP_ASSIST_ENLIGHTEN_VMENTRY, 1))
		return VMX_NO_VMCS;
	return phys_read(pmem(c), page + VP_ASSIST_CURRENT_NESTED_VMCS, 8);
}

void vmx_evmcs_load(struct cpu *c, bool all)
{
	u64 base = c->vmx.vmcs_ptr;
	/* TLFS "Clean Fields": a set bit says L1 changed no field of the
	 * group since the last VM entry with this eVMCS */
	u32 clean = all ? 0 : (u32)phys_read(pmem(c), base + EVMCS_OFF_hv_clean_fields, 4);

	for (unsigned k = 0; k < evmcs_nr_fields; k++) {
		const struct evmcs_field_desc *d = &evmcs_fields[k];
		if (d->sync == EVMCS_OUT || (d->group != EVG_NONE && (clean & BIT(d->group))))
			continue;
		vmcs_cache_write(&c->vmx.vmcs, (enum vmcs_field)d->field,
				 phys_read(pmem(c), base + d->offset, d->width / 8));
	}
}

void vmx_evmcs_write_back(struct cpu *c, bool exit)
{
	u64 base = c->vmx.vmcs_ptr;

	for (unsigned k = 0; k < evmcs_nr_fields; k++) {
		const struct evmcs_field_desc *d = &evmcs_fields[k];
		if (d->sync == EVMCS_IN || (d->sync == EVMCS_INOUT && !exit))
			continue;
		phys_write(pmem(c), base + d->offset, d->width / 8,
			   vmcs_cache_read(&c->vmx.vmcs, (enum vmcs_field)d->field));
	}
}
