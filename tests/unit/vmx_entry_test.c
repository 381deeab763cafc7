/* tests/unit/vmx_entry_test.c: the VM-entry checks, driven through
 * vmx_vmentry() on a machine whose vCPU is already in VMX root operation
 * (tests/unit/vmx_harness.h).
 *
 * Every row of vmx/entry_checks.def has a negative test here: start from a
 * valid VMCS (a 64-bit L2 sharing L1's flat 64-bit state), change one
 * thing, and check the architected outcome -- VMfailValid(7), VMfailValid(8),
 * or a failed VM entry with exit reason 33 (qualification 0, 2 for the
 * PDPTEs, 4 for the link pointer) or 34 (qualification: the failing
 * MSR-load entry) -- and that the row the entry code reports is that one.
 * A coverage gate fails if a row has no test and is not listed as
 * unreachable. The exits are in vmx_exit_test.c and vmx_apicv_test.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmx_harness.h"

/* each case breaks one rule of the valid VMCS */
static void c_pin(void) { or(VMCS_PIN_BASED_VM_EXEC_CONTROL, lowest(~allowed1(VMX_W_PIN) & 0xffffffff)); }
static void c_proc(void) { or(VMCS_CPU_BASED_VM_EXEC_CONTROL, lowest(~allowed1(VMX_W_PROC) & 0xffffffff)); }
static void c_proc2(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, lowest(~allowed1(VMX_W_PROC2) & 0xffffffff));
}
static void c_cr3_count(void) { set(VMCS_CR3_TARGET_COUNT, 5); }
static void c_io(void) { or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_IO_BITMAPS); set(VMCS_IO_BITMAP_A, 0x1001); }
static void c_msrbm(void) { or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_MSR_BITMAPS); set(VMCS_MSR_BITMAP, 0x1001); }
static void c_vapic_addr(void) { tpr_shadow_on(); set(VMCS_VIRTUAL_APIC_ADDR, VAPIC + 8); }
static void c_tpr_thr_res(void) { tpr_shadow_on(); set(VMCS_TPR_THRESHOLD, 0x10); }
static void c_tpr_thr_vtpr(void)
{
	tpr_shadow_on();
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x20);
	set(VMCS_TPR_THRESHOLD, 3);
}
static void c_apic_access_addr(void) { apic_accesses_on(); set(VMCS_APIC_ACCESS_ADDR, 1ull << 52); }
static void c_apicv_no_tpr(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_APIC_REGISTER_VIRT);
}
static void c_x2apic_and_apic_accesses(void)
{
	tpr_shadow_on();
	apic_accesses_on();
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VIRT_X2APIC_MODE);
}
static void c_vid_no_extint(void)
{
	tpr_shadow_on();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VIRT_INTR_DELIVERY);
}
static void c_pi_vid(void) { pi_on(); andn(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VIRT_INTR_DELIVERY); }
static void c_pi_ack(void) { pi_on(); andn(VMCS_VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT); }
static void c_pi_vector(void) { pi_on(); set(VMCS_POSTED_INTR_NV, 0x1f2); }
static void c_pi_desc(void) { pi_on(); set(VMCS_POSTED_INTR_DESC_ADDR, PI_DESC + 0x20); }
/* "virtual NMIs" is not advertised: the row is checked against a model
 * that allows the control, so that only the NMI-exiting rule can fail */
static void c_vpid0(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_VPID);
	set(VMCS_VPID, 0);
}
static void c_vnmi(void)
{
	vmx_caps_set(&h->m.model.vmx, VMXF_PIN_VIRTUAL_NMIS, true);
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_VIRTUAL_NMIS);
}
static void c_nmiwin(void) { or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_NMI_WINDOW_EXITING); }
static void c_savetimer(void) { or(VMCS_VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER); }
static void c_imtf(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | (7 << 8) | 1); }
static void c_actblock(void)
{
	or(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
}
static void c_iextint(void)
{
	or(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | 0x20);
}
static void c_inmimovss(void)
{
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_MOV_SS);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 2);
}
static void c_ivnmi(void)
{
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 2);
}
/* memory type 1 (WC) is not a paging-structure memory type the
 * capability MSR offers */
static void c_eptp(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_EPT);
	set(VMCS_EPT_POINTER, 0x700000 | (3 << 3) | 1);
}
static void c_vmfunc(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_VMFUNC);
	set(VMCS_VM_FUNCTION_CONTROLS, BIT(1)); /* only EPTP switching (0) exists */
}
static void c_eptp_list(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_VMFUNC); /* no EPT */
	set(VMCS_VM_FUNCTION_CONTROLS, 1);
}
static void c_pml(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_PML); /* no EPT */
}
static void c_ug_no_ept(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_UNRESTRICTED_GUEST);
}
/* with unrestricted guest (and EPT), CR0.PG without PE: the CR0 fixed
 * bits no longer hold PE, so the PG/PE rule is what fails */
static void c_pg_no_pe(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_EPT);
	set(VMCS_EPT_POINTER, 0x700000 | (3 << 3) | 6);
	andn(VMCS_GUEST_CR0, CR0_PE);
}
/* a 32-bit PAE guest whose PDPTE 1 (in memory: no EPT) sets reserved bit 8 */
static void c_pdpte(void)
{
	prot32();
	pae();
	h_poke64(h, PAE_PDPT + 8, h_peek64(h, PAE_PDPT + 8) | BIT(8));
}
static void c_exit(void) { or(VMCS_VM_EXIT_CONTROLS, lowest(~allowed1(VMX_W_EXIT) & 0xffffffff)); }
static void c_exit_store(void) { set(VMCS_EXIT_MSR_STORE_COUNT, 1); set(VMCS_EXIT_MSR_STORE_ADDR, 0x1008); }
static void c_exit_load(void) { set(VMCS_EXIT_MSR_LOAD_COUNT, 1); set(VMCS_EXIT_MSR_LOAD_ADDR, 0x1008); }
static void c_entry(void) { or(VMCS_VM_ENTRY_CONTROLS, lowest(~allowed1(VMX_W_ENTRY) & 0xffffffff)); }
static void c_itype(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | (1 << 8) | 0x20); }
static void c_inmi(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 3); }
static void c_ihw(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | (3 << 8) | 32); }
static void c_ierr(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | (3 << 8) | 13); }
static void c_ires(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | BIT(20) | 0x20); }
static void c_ierrhi(void)
{
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (3 << 8) | BIT(11) | 13);
	set(VMCS_ENTRY_EXCEPTION_ERROR_CODE, 0x10000);
}
static void c_ilen(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | (4 << 8) | 0x80); set(VMCS_ENTRY_INSTRUCTION_LEN, 16); }
static void c_entry_load(void) { set(VMCS_ENTRY_MSR_LOAD_COUNT, 1); set(VMCS_ENTRY_MSR_LOAD_ADDR, 0x1008); }
static void c_hcr0(void) { andn(VMCS_HOST_CR0, CR0_PE); }
static void c_hcr4(void) { andn(VMCS_HOST_CR4, CR4_VMXE); }
static void c_hcr3(void) { set(VMCS_HOST_CR3, 1ull << 52); }
static void c_hsysenter(void) { set(VMCS_HOST_IA32_SYSENTER_ESP, 0x0000800000000000ull); }
static void c_hpgc(void) { or(VMCS_VM_EXIT_CONTROLS, EXIT_LOAD_PERF_GLOBAL_CTRL); set(VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 1ull << 40); }
static void c_hpat(void) { or(VMCS_VM_EXIT_CONTROLS, EXIT_LOAD_IA32_PAT); set(VMCS_HOST_IA32_PAT, 2); }
static void c_hefer(void) { or(VMCS_VM_EXIT_CONTROLS, EXIT_LOAD_IA32_EFER); set(VMCS_HOST_IA32_EFER, 0); }
static void c_hrpl(void) { set(VMCS_HOST_DS_SELECTOR, 0x13); }
static void c_htr0(void) { set(VMCS_HOST_TR_SELECTOR, 0); }
static void c_hss0(void) { andn(VMCS_VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE); set(VMCS_HOST_SS_SELECTOR, 0); }
static void c_hbase(void) { set(VMCS_HOST_FS_BASE, 0x0000800000000000ull); }
static void c_hsize(void) { andn(VMCS_VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE); }
static void c_h64(void) { set(VMCS_HOST_RIP, 0x0000800000000000ull); }
static void c_h32(void)
{
	/* L1 outside IA-32e mode, an IA-32e mode guest */
	h->c->efer &= ~(u64)(EFER_LMA | EFER_LME);
	andn(VMCS_VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE);
}
static void c_gcr0(void) { andn(VMCS_GUEST_CR0, CR0_NE); }
static void c_gcr4(void) { andn(VMCS_GUEST_CR4, CR4_VMXE); }
static void c_gpae(void) { andn(VMCS_GUEST_CR4, CR4_PAE); }
static void c_gpcide(void) { andn(VMCS_VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST); or(VMCS_GUEST_CR4, CR4_PCIDE); }
static void c_gcr3(void) { set(VMCS_GUEST_CR3, 1ull << 52); }
static void c_gdr7(void) { or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_DEBUG_CONTROLS); set(VMCS_GUEST_DR7, 1ull << 32); }
static void c_gsysenter(void) { set(VMCS_GUEST_IA32_SYSENTER_EIP, 0x0000800000000000ull); }
static void c_gpgc(void) { or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_PERF_GLOBAL_CTRL); set(VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 1ull << 40); }
static void c_gpat(void) { or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_PAT); set(VMCS_GUEST_IA32_PAT, 3); }
static void c_gefer(void) { or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_EFER); set(VMCS_GUEST_IA32_EFER, 0); }
static void c_trti(void) { set(VMCS_GUEST_TR_SELECTOR, 0x2c); }
static void c_ssrpl(void) { set(VMCS_GUEST_SS_SELECTOR, 0x13); }
static void c_cstype(void) { set(VMCS_GUEST_CS_AR_BYTES, (vmcs_get(h->c, VMCS_GUEST_CS_AR_BYTES) & ~0xfull) | 3); }
static void c_segs(void) { andn(VMCS_GUEST_DS_AR_BYTES, AR_S); }
static void c_segp(void) { andn(VMCS_GUEST_DS_AR_BYTES, AR_P); }
static void c_segres(void) { or(VMCS_GUEST_DS_AR_BYTES, 0x100); }
static void c_segg(void) { set(VMCS_GUEST_DS_LIMIT, 0x1000); }
static void c_csldb(void) { or(VMCS_GUEST_CS_AR_BYTES, AR_DB); }
static void c_tr(void) { set(VMCS_GUEST_TR_AR_BYTES, 0x89); }
static void c_ldtr(void) { set(VMCS_GUEST_LDTR_AR_BYTES, 0x83); }
/* a usable LDT whose selector has TI set (kvm-unit-tests vmx_guest_state_area_test) */
static void c_ldtrti(void) { set(VMCS_GUEST_LDTR_SELECTOR, 0x5c); set(VMCS_GUEST_LDTR_AR_BYTES, 0x82); }
static void c_gbase(void) { set(VMCS_GUEST_FS_BASE, 0x0000800000000000ull); }
static void c_dtr(void) { set(VMCS_GUEST_GDTR_LIMIT, 0x10000); }
static void c_rip(void) { set(VMCS_GUEST_RIP, 0x0000800000000000ull); }
static void c_rflags(void) { set(VMCS_GUEST_RFLAGS, 0); }
static void c_rflagsif(void) { set(VMCS_ENTRY_INTR_INFO, BIT(31) | 0x20); }
static void c_act(void) { set(VMCS_GUEST_ACTIVITY_STATE, 4); }
/* HLT at CPL 3: CS, SS with RPL and DPL 3 (the segment DPL rules hold) */
static void c_acthlt(void)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	set(VMCS_GUEST_CS_SELECTOR, 0x2b);
	or(VMCS_GUEST_CS_AR_BYTES, 0x60);
	set(VMCS_GUEST_SS_SELECTOR, 0x23);
	or(VMCS_GUEST_SS_AR_BYTES, 0x60);
}
static void c_intrres(void) { set(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x20); }
static void c_stimovss(void) { or(VMCS_GUEST_RFLAGS, RFLAGS_IF); set(VMCS_GUEST_INTERRUPTIBILITY_INFO, 3); }
static void c_stiif(void) { set(VMCS_GUEST_INTERRUPTIBILITY_INFO, 1); }
static void c_pdbg(void) { set(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x10); }
static void c_link(void) { set(VMCS_VMCS_LINK_POINTER, 0x1000); }
static void c_shadow_bitmap(void) { shadowing(true); set(VMCS_VMWRITE_BITMAP, 0x504800); }
static void c_link_shadow(void) { shadowing(false); }
static void c_link_noshadow(void)
{
	phys_write(&h->m.mem, 0x502000, 4, h->m.model.vmx.revision_id | BIT(31));
	set(VMCS_VMCS_LINK_POINTER, 0x502000);
}
static void c_link_current(void)
{
	phys_write(&h->m.mem, 0x501000, 4, h->m.model.vmx.revision_id);
	set(VMCS_VMCS_LINK_POINTER, 0x501000);
}
/* --- the rows of "Checks on Guest Segment Registers" that depend on
 * virtual-8086 and "unrestricted guest" --- */
static void c_rflagsvm(void) { v86_segs(); } /* VM=1 in a 64-bit guest */
static void c_v86_base(void) { v86_on(); set(VMCS_GUEST_DS_BASE, (0x2000 + 0x100 * SEG_DS) << 4 | 0x10); }
static void c_v86_limit(void) { v86_on(); set(VMCS_GUEST_ES_LIMIT, 0xfffff); }
static void c_v86_ar(void) { v86_on(); set(VMCS_GUEST_SS_AR_BYTES, 0x93); }
static void c_v86_ar_cs(void) { v86_on(); set(VMCS_GUEST_CS_AR_BYTES, 0xfb); }
static void c_ss_type(void) { set(VMCS_GUEST_SS_AR_BYTES, 0xc091); } /* read-only */
static void c_data_unaccessed(void) { set(VMCS_GUEST_DS_AR_BYTES, 0xc092); }
static void c_data_exec_only(void) { set(VMCS_GUEST_GS_AR_BYTES, 0xc099); }
/* CS non-conforming with DPL 3 (RPL 0), SS DPL 0 */
static void c_cs_dpl(void) { set(VMCS_GUEST_CS_AR_BYTES, 0xa0fb); }
/* CS conforming with DPL 3 above SS's 0 */
static void c_cs_dpl_conf(void) { set(VMCS_GUEST_CS_AR_BYTES, 0xa0ff); }
/* unrestricted guest (with EPT) in real mode: CS type 3 */
static void ug_real(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_EPT);
	set(VMCS_EPT_POINTER, 0x700000 | (3 << 3) | 6);
	andn(VMCS_VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST);
	set(VMCS_GUEST_CR0, CR0_NE | CR0_ET);
	set(VMCS_GUEST_CR4, CR4_VMXE);
	for (int sg = SEG_ES; sg <= SEG_GS; sg++) {
		set(vmx_guest_seg_sel[sg], 0);
		set(vmx_guest_seg_base[sg], 0);
		set(vmx_guest_seg_limit[sg], 0xffff);
		set(vmx_guest_seg_ar[sg], 0x93);
	}
	set(VMCS_GUEST_RIP, L2_CODE & 0xffff);
}
static void c_cs_dpl_ug(void) { ug_real(); set(VMCS_GUEST_CS_AR_BYTES, 0xf3); set(VMCS_GUEST_SS_AR_BYTES, 0xf3); }
/* CS and SS selectors with RPL 3, both DPL 0 */
static void c_ss_dpl_rpl(void) { set(VMCS_GUEST_CS_SELECTOR, 0x0b); set(VMCS_GUEST_SS_SELECTOR, 0x13); }
/* real mode (unrestricted guest) with SS DPL 3 */
static void c_ss_dpl_0(void) { ug_real(); set(VMCS_GUEST_SS_AR_BYTES, 0xf3); }
static void c_data_dpl(void) { set(VMCS_GUEST_DS_SELECTOR, 0x13); }
static void c_debugctl(void)
{
	or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_DEBUG_CONTROLS);
	set(VMCS_GUEST_IA32_DEBUGCTL, BIT(2));
}
/* "entry to SMM" and "deactivate dual-monitor treatment" are not
 * advertised: their rows are checked against a model that allows them */
static void smm_ctls(bool in_smm, u32 ctls)
{
	vmx_caps_set(&h->m.model.vmx, VMXF_ENTRY_TO_SMM, true);
	vmx_caps_set(&h->m.model.vmx, VMXF_ENTRY_DEACT_DUAL_MONITOR, true);
	h->c->smm.in_smm = in_smm;
	or(VMCS_VM_ENTRY_CONTROLS, ctls);
}
static void c_smm_outside(void) { smm_ctls(false, ENTRY_TO_SMM); }
static void c_smm_outside_dual(void) { smm_ctls(false, ENTRY_DEACT_DUAL_MONITOR); }
static void c_smm_both(void) { smm_ctls(true, ENTRY_TO_SMM | ENTRY_DEACT_DUAL_MONITOR); }
static void c_act_sipi_smm(void)
{
	smm_ctls(true, ENTRY_TO_SMM);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_SMI);
	set(VMCS_GUEST_ACTIVITY_STATE, 3);
}
static void c_smi_entry_smm(void) { smm_ctls(true, ENTRY_TO_SMM); }
/* an activity state the model does not offer (IA32_VMX_MISC bit 7) */
static void c_act_unoffered(void)
{
	vmx_caps_set(&h->m.model.vmx, VMXF_MISC_ACTIVITY_SHUTDOWN, false);
	set(VMCS_GUEST_ACTIVITY_STATE, 2);
}
static void c_act_hlt_gp(void)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | BIT(11) | (3 << 8) | 13);
}
static void c_act_shutdown_extint(void)
{
	or(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	set(VMCS_GUEST_ACTIVITY_STATE, 2);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | 0x20);
}
static void c_act_sipi_nmi(void)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 3);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 2);
}
static void c_intr_smi(void) { set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_SMI); }
static void c_nmi_sti(void)
{
	or(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 2);
}
static void c_enclave(void) { set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_ENCLAVE); }
/* TF with blocking by STI and no pending single step (BS 0) */
static void c_bs_missing(void)
{
	or(VMCS_GUEST_RFLAGS, RFLAGS_IF | RFLAGS_TF);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
}
/* HLT with BS 1 but TF 0 */
static void c_bs_stray(void)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	set(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, DR6_BS);
}
/* TF, BTF and blocking by MOV SS: BS must be 0 */
static void c_bs_btf(void)
{
	or(VMCS_GUEST_RFLAGS, RFLAGS_TF);
	set(VMCS_GUEST_IA32_DEBUGCTL, DEBUGCTL_BTF);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_MOV_SS);
	set(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, DR6_BS);
}
static void c_tr_reserved(void) { or(VMCS_GUEST_TR_AR_BYTES, 0x100); }
static void c_tr_g(void) { or(VMCS_GUEST_TR_AR_BYTES, AR_G); } /* limit 67H */
static void c_ldtr_g(void) { set(VMCS_GUEST_LDTR_LIMIT, 0x100000); set(VMCS_GUEST_LDTR_AR_BYTES, 0x82); }
static void c_rtm(void) { set(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, DR6_RTM); } /* bit 12 clear */

static void c_msrload(void)
{
	h_poke64(h, SCRATCH, 0x808); /* an x2APIC MSR */
	set(VMCS_ENTRY_MSR_LOAD_COUNT, 1);
	set(VMCS_ENTRY_MSR_LOAD_ADDR, SCRATCH);
}

static const struct negative {
	const char *check;
	void (*breakit)(void);
	enum outcome want;
} negatives[] = {
	{ "PIN_CTLS", c_pin, FAIL_CTRL },
	{ "PROC_CTLS", c_proc, FAIL_CTRL },
	{ "PROC2_CTLS", c_proc2, FAIL_CTRL },
	{ "CR3_TARGET_COUNT", c_cr3_count, FAIL_CTRL },
	{ "IO_BITMAPS", c_io, FAIL_CTRL },
	{ "MSR_BITMAP", c_msrbm, FAIL_CTRL },
	{ "VIRTUAL_APIC_ADDR", c_vapic_addr, FAIL_CTRL },
	{ "TPR_THRESHOLD_RESERVED", c_tpr_thr_res, FAIL_CTRL },
	{ "TPR_THRESHOLD_VTPR", c_tpr_thr_vtpr, FAIL_CTRL },
	{ "APIC_ACCESS_ADDR", c_apic_access_addr, FAIL_CTRL },
	{ "APICV_NEEDS_TPR_SHADOW", c_apicv_no_tpr, FAIL_CTRL },
	{ "X2APIC_NOT_APIC_ACCESSES", c_x2apic_and_apic_accesses, FAIL_CTRL },
	{ "VID_NEEDS_EXT_INTR_EXITING", c_vid_no_extint, FAIL_CTRL },
	{ "POSTED_INTR_VID", c_pi_vid, FAIL_CTRL },
	{ "POSTED_INTR_ACK", c_pi_ack, FAIL_CTRL },
	{ "POSTED_INTR_VECTOR", c_pi_vector, FAIL_CTRL },
	{ "POSTED_INTR_DESC", c_pi_desc, FAIL_CTRL },
	{ "VPID_ZERO", c_vpid0, FAIL_CTRL },
	{ "EPTP", c_eptp, FAIL_CTRL },
	{ "UNRESTRICTED_EPT", c_ug_no_ept, FAIL_CTRL },
	{ "VMFUNC_CTLS", c_vmfunc, FAIL_CTRL },
	{ "EPTP_LIST", c_eptp_list, FAIL_CTRL },
	{ "PML", c_pml, FAIL_CTRL },
	{ "VIRTUAL_NMIS", c_vnmi, FAIL_CTRL },
	{ "NMI_WINDOW_VNMI", c_nmiwin, FAIL_CTRL },
	{ "EXIT_SAVE_TIMER", c_savetimer, FAIL_CTRL },
	{ "ENTRY_INTR_MTF_VECTOR", c_imtf, FAIL_CTRL },
	{ "GUEST_ACTIVITY_BLOCKING", c_actblock, EXIT33 },
	{ "GUEST_INTR_EXTINT", c_iextint, EXIT33 },
	{ "GUEST_INTR_NMI_MOVSS", c_inmimovss, EXIT33 },
	{ "GUEST_INTR_VNMI", c_ivnmi, EXIT33 },
	{ "VMCS_SHADOW_BITMAPS", c_shadow_bitmap, FAIL_CTRL },
	{ "EXIT_CTLS", c_exit, FAIL_CTRL },
	{ "EXIT_MSR_STORE", c_exit_store, FAIL_CTRL },
	{ "EXIT_MSR_LOAD", c_exit_load, FAIL_CTRL },
	{ "ENTRY_CTLS", c_entry, FAIL_CTRL },
	{ "ENTRY_INTR_TYPE", c_itype, FAIL_CTRL },
	{ "ENTRY_INTR_NMI_VECTOR", c_inmi, FAIL_CTRL },
	{ "ENTRY_INTR_HW_VECTOR", c_ihw, FAIL_CTRL },
	{ "ENTRY_INTR_ERROR", c_ierr, FAIL_CTRL },
	{ "ENTRY_INTR_RESERVED", c_ires, FAIL_CTRL },
	{ "ENTRY_INTR_ERRCODE_HIGH", c_ierrhi, FAIL_CTRL },
	{ "ENTRY_INTR_LENGTH", c_ilen, FAIL_CTRL },
	{ "ENTRY_MSR_LOAD", c_entry_load, FAIL_CTRL },
	{ "HOST_CR0", c_hcr0, FAIL_HOST },
	{ "HOST_CR4", c_hcr4, FAIL_HOST },
	{ "HOST_CR3", c_hcr3, FAIL_HOST },
	{ "HOST_SYSENTER", c_hsysenter, FAIL_HOST },
	{ "HOST_PERF_GLOBAL_CTRL", c_hpgc, FAIL_HOST },
	{ "HOST_PAT", c_hpat, FAIL_HOST },
	{ "HOST_EFER", c_hefer, FAIL_HOST },
	{ "HOST_SEL_RPL_TI", c_hrpl, FAIL_HOST },
	{ "HOST_CS_TR_NULL", c_htr0, FAIL_HOST },
	{ "HOST_SS_NULL", c_hss0, FAIL_HOST },
	{ "HOST_BASES", c_hbase, FAIL_HOST },
	{ "HOST_ADDR_SIZE", c_hsize, FAIL_HOST },
	{ "HOST_64", c_h64, FAIL_HOST },
	{ "HOST_32", c_h32, FAIL_HOST },
	{ "GUEST_CR0", c_gcr0, EXIT33 },
	{ "GUEST_CR0_PG_PE", c_pg_no_pe, EXIT33 },
	{ "GUEST_CR4", c_gcr4, EXIT33 },
	{ "GUEST_IA32E_PG_PAE", c_gpae, EXIT33 },
	{ "GUEST_PCIDE", c_gpcide, EXIT33 },
	{ "GUEST_CR3", c_gcr3, EXIT33 },
	{ "GUEST_DR7", c_gdr7, EXIT33 },
	{ "GUEST_SYSENTER", c_gsysenter, EXIT33 },
	{ "GUEST_PERF_GLOBAL_CTRL", c_gpgc, EXIT33 },
	{ "GUEST_PAT", c_gpat, EXIT33 },
	{ "GUEST_EFER", c_gefer, EXIT33 },
	{ "GUEST_TR_TI", c_trti, EXIT33 },
	{ "GUEST_SS_RPL", c_ssrpl, EXIT33 },
	{ "GUEST_CS_TYPE", c_cstype, EXIT33 },
	{ "GUEST_SEG_S", c_segs, EXIT33 },
	{ "GUEST_SEG_P", c_segp, EXIT33 },
	{ "GUEST_SEG_RESERVED", c_segres, EXIT33 },
	{ "GUEST_SEG_G", c_segg, EXIT33 },
	{ "GUEST_CS_L_DB", c_csldb, EXIT33 },
	{ "GUEST_TR", c_tr, EXIT33 },
	{ "GUEST_LDTR", c_ldtr, EXIT33 },
	{ "GUEST_LDTR_TI", c_ldtrti, EXIT33 },
	{ "GUEST_SEG_BASES", c_gbase, EXIT33 },
	{ "GUEST_DTR", c_dtr, EXIT33 },
	{ "GUEST_RIP", c_rip, EXIT33 },
	{ "GUEST_RFLAGS", c_rflags, EXIT33 },
	{ "GUEST_RFLAGS_VM", c_rflagsvm, EXIT33 },
	{ "GUEST_RFLAGS_IF", c_rflagsif, EXIT33 },
	{ "GUEST_ACTIVITY", c_act, EXIT33 },
	{ "GUEST_ACTIVITY_HLT_DPL", c_acthlt, EXIT33 },
	{ "GUEST_INTR_RESERVED", c_intrres, EXIT33 },
	{ "GUEST_INTR_STI_MOVSS", c_stimovss, EXIT33 },
	{ "GUEST_INTR_STI_IF", c_stiif, EXIT33 },
	{ "GUEST_PENDING_DBG", c_pdbg, EXIT33 },
	{ "GUEST_LINK_POINTER", c_link, EXIT33_LINK },
	{ "GUEST_LINK_SHADOW", c_link_shadow, EXIT33_LINK },
	{ "GUEST_LINK_SHADOW", c_link_noshadow, EXIT33_LINK },
	{ "GUEST_LINK_CURRENT", c_link_current, EXIT33_LINK },
	{ "GUEST_PDPTES", c_pdpte, EXIT33_PDPTE },
	{ "ENTRY_SMM_OUTSIDE", c_smm_outside, FAIL_CTRL },
	{ "ENTRY_SMM_OUTSIDE", c_smm_outside_dual, FAIL_CTRL },
	{ "ENTRY_SMM_BOTH", c_smm_both, FAIL_CTRL },
	{ "GUEST_DEBUGCTL", c_debugctl, EXIT33 },
	{ "GUEST_V86_BASE", c_v86_base, EXIT33 },
	{ "GUEST_V86_LIMIT", c_v86_limit, EXIT33 },
	{ "GUEST_V86_AR", c_v86_ar, EXIT33 },
	{ "GUEST_V86_AR", c_v86_ar_cs, EXIT33 },
	{ "GUEST_SS_TYPE", c_ss_type, EXIT33 },
	{ "GUEST_DATA_TYPE", c_data_unaccessed, EXIT33 },
	{ "GUEST_DATA_TYPE", c_data_exec_only, EXIT33 },
	{ "GUEST_CS_DPL", c_cs_dpl, EXIT33 },
	{ "GUEST_CS_DPL", c_cs_dpl_conf, EXIT33 },
	{ "GUEST_CS_DPL", c_cs_dpl_ug, EXIT33 },
	{ "GUEST_SS_DPL_RPL", c_ss_dpl_rpl, EXIT33 },
	{ "GUEST_SS_DPL_0", c_ss_dpl_0, EXIT33 },
	{ "GUEST_DATA_DPL", c_data_dpl, EXIT33 },
	{ "GUEST_ACTIVITY", c_act_unoffered, EXIT33 },
	{ "GUEST_ACTIVITY_EVENT", c_act_hlt_gp, EXIT33 },
	{ "GUEST_ACTIVITY_EVENT", c_act_shutdown_extint, EXIT33 },
	{ "GUEST_ACTIVITY_EVENT", c_act_sipi_nmi, EXIT33 },
	{ "GUEST_ACTIVITY_SIPI_SMM", c_act_sipi_smm, EXIT33 },
	{ "GUEST_INTR_SMI", c_intr_smi, EXIT33 },
	{ "GUEST_INTR_SMI_ENTRY_SMM", c_smi_entry_smm, EXIT33 },
	{ "GUEST_INTR_NMI_STI", c_nmi_sti, EXIT33_NMI },
	{ "GUEST_INTR_ENCLAVE", c_enclave, EXIT33 },
	{ "GUEST_PENDING_DBG_BS", c_bs_missing, EXIT33 },
	{ "GUEST_PENDING_DBG_BS", c_bs_stray, EXIT33 },
	{ "GUEST_PENDING_DBG_BS", c_bs_btf, EXIT33 },
	{ "GUEST_PENDING_DBG_RTM", c_rtm, EXIT33 },
	{ "GUEST_TR_LDTR_AR", c_tr_reserved, EXIT33 },
	{ "GUEST_TR_LDTR_AR", c_tr_g, EXIT33 },
	{ "GUEST_TR_LDTR_AR", c_ldtr_g, EXIT33 },
	{ "MSR_LOAD_ENTRY", c_msrload, EXIT34 },
};

/* Rows no test can reach with the capabilities nestbox advertises (named
 * in docs/vmx.md); none at present. */
static const char *const unreachable[] = { "" };

static void test_valid_vmcs_enters(void **state)
{
	valid_vmcs();
	assert_int_equal(enter(), ENTERED);
	assert_int_equal(h->c->rip, L2_CODE);
	assert_int_equal(h->c->gpr[RSP], L2_STACK);
	assert_true(h->c->vmx.launched);
	machine_free(&h->m);
}

static void test_each_check(void **state)
{
	for (size_t k = 0; k < ARRAY_SIZE(negatives); k++) {
		const struct negative *n = &negatives[k];
		valid_vmcs();
		n->breakit();
		enum outcome got = enter();
		const char *fired = vmx_check_id(vmx_last_failed_check());
		if (got != n->want || strcmp(fired, n->check))
			fail_msg("%s: outcome %d (want %d), failed check %s", n->check, got, n->want,
				 fired);
		/* a failure to enter leaves the CPU in root operation at the host
		 * RIP (failed guest-state checks) or after VMLAUNCH (VMfail) */
		assert_false(h->c->vmx.nonroot);
		if (n->want != FAIL_CTRL && n->want != FAIL_HOST)
			assert_int_equal(h->c->rip, HOST_RIP);
		machine_free(&h->m);
	}
}

/* the coverage gate: every row of entry_checks.def is tested or named */
static void test_every_check_covered(void **state)
{
	for (unsigned r = 0; r < vmx_check_count(); r++) {
		const char *id = vmx_check_id(r);
		bool seen = false;
		for (size_t k = 0; k < ARRAY_SIZE(negatives) && !seen; k++)
			seen = !strcmp(negatives[k].check, id);
		for (size_t k = 0; k < ARRAY_SIZE(unreachable) && !seen; k++)
			seen = !strcmp(unreachable[k], id);
		if (!seen)
			fail_msg("entry check %s has no test", id);
	}
}

/* SDM "Checks on VM-Entry Control Fields": deliver-error-code is 1 iff
 * (1) "unrestricted guest" is 0 or guest CR0.PE is 1, (2) the type is
 * hardware exception and (3) the vector has an error code. With
 * "unrestricted guest" 0 the guest's CR0.PE does not matter (found by
 * kvm-unit-tests' vmx_controls_test "error code <-> (!URG || prot_mode)"):
 * #GP without an error code is a VMfail (error 7, ENTRY_INTR_ERROR); with
 * one, the control checks pass and entry fails later on the guest's CR0. */
static void test_entry_errcode_urg(void **state)
{
	for (int with_err = 0; with_err < 2; with_err++) {
		valid_vmcs();
		andn(VMCS_GUEST_CR0, CR0_PE | CR0_PG);
		set(VMCS_ENTRY_INTR_INFO, BIT(31) | (3 << 8) | (with_err ? BIT(11) : 0) | 13);
		enum outcome got = enter();
		const char *fired = vmx_check_id(vmx_last_failed_check());
		if (!with_err && (got != FAIL_CTRL || strcmp(fired, "ENTRY_INTR_ERROR")))
			fail_msg("#GP without error code, URG 0, CR0.PE 0: outcome %d, check %s", got, fired);
		if (with_err && (got == FAIL_CTRL || got == ENTERED))
			fail_msg("#GP with error code, URG 0, CR0.PE 0: outcome %d, check %s (want a guest-state failure)",
				 got, fired);
		machine_free(&h->m);
	}
}

/* "VMCS link pointer ... If the processor is not in SMM or the 'entry to
 * SMM' VM-entry control is 0, the field must not contain the current VMCS
 * pointer": a VM entry to SMM (in SMM, a model allowing the control) may */
static void test_link_current_entry_to_smm(void **state)
{
	valid_vmcs();
	c_smi_entry_smm();
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_SMI);
	c_link_current();
	assert_int_equal(enter(), ENTERED);
	machine_free(&h->m);
}

/* a virtual-8086 L2 that passes every check runs: MOV AX, PUSH AX, then
 * CPUID exits (reason 10) with RFLAGS.VM and the v86 segments saved */
static void test_v86_runs(void **state)
{
	static const u8 code[] = { 0xb8, 0x34, 0x12, 0x50, 0x0f, 0xa2 }; /* mov ax,1234h; push ax; cpuid */
	valid_vmcs_v86();
	phys_write(&h->m.mem, TS_PD, 4, 0x87); /* v86 runs at CPL 3: a user page */
	h_poke(h, V86_CODE, code, sizeof(code));
	assert_int_equal(enter(), ENTERED);
	for (int k = 0; k < 10 && h->c->vmx.nonroot; k++)
		cpu_step(h->c);
	assert_false(h->c->vmx.nonroot);
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), 4);
	assert_true(get(VMCS_GUEST_RFLAGS) & RFLAGS_VM);
	assert_int_equal(get(VMCS_GUEST_RSP), 0xffee);
	assert_int_equal(phys_read(&h->m.mem, (V86_SS << 4) + 0xffee, 2), 0x1234);
	assert_int_equal(get(VMCS_GUEST_CS_SELECTOR), V86_CS);
	assert_int_equal(get(VMCS_GUEST_CS_BASE), V86_CODE);
	assert_int_equal(get(VMCS_GUEST_CS_LIMIT), 0xffff);
	assert_int_equal(get(VMCS_GUEST_CS_AR_BYTES), 0xf3);
	assert_int_equal(get(VMCS_GUEST_SS_AR_BYTES), 0xf3);
	machine_free(&h->m);
}

/* the valid states next to the new segment rows enter: real mode under
 * "unrestricted guest" (CS type 3 DPL 0, data segments with DPL below
 * RPL), a CS conforming with DPL below SS's, data DPL above RPL */
static void test_segment_rules_allow(void **state)
{
	valid_vmcs();
	ug_real();
	set(VMCS_GUEST_CS_AR_BYTES, 0x93);
	set(VMCS_GUEST_DS_SELECTOR, 3);
	assert_int_equal(enter(), ENTERED);
	machine_free(&h->m);
	valid_vmcs();
	set(VMCS_GUEST_CS_SELECTOR, 0x2b);
	set(VMCS_GUEST_CS_AR_BYTES, 0xa09f); /* conforming, DPL 0 */
	set(VMCS_GUEST_SS_SELECTOR, 0x23);
	set(VMCS_GUEST_SS_AR_BYTES, 0xc0f3);
	set(VMCS_GUEST_DS_AR_BYTES, 0xc0f3); /* DPL 3 > RPL 0 */
	assert_int_equal(enter(), ENTERED);
	machine_free(&h->m);
}

/* "Checks on VM-Entry Control Fields": a software interrupt injected with
 * instruction length 0 is allowed only with IA32_VMX_MISC[30]; it is then
 * delivered with the return address the guest RIP itself */
static void test_zero_len_inject(void **state)
{
	valid_vmcs();
	vmx_caps_set(&h->m.model.vmx, VMXF_MISC_ZERO_LEN_INJECT, false);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (4 << 8) | 0x80);
	set(VMCS_ENTRY_INSTRUCTION_LEN, 0);
	assert_int_equal(enter(), FAIL_CTRL);
	assert_string_equal(vmx_check_id(vmx_last_failed_check()), "ENTRY_INTR_LENGTH");
	machine_free(&h->m);

	valid_vmcs();
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (4 << 8) | 0x80);
	set(VMCS_ENTRY_INSTRUCTION_LEN, 0);
	assert_int_equal(enter(), ENTERED);
	assert_int_equal(h_peek64(h, h->c->gpr[RSP]), L2_CODE); /* pushed RIP */
	machine_free(&h->m);
}

/* with EPT, L1 gives the PDPTEs in the VMCS: those of the table */
static void pdpte_fields(void)
{
	for (unsigned k = 0; k < 4; k++)
		set(vmx_guest_pdpte[k], h_peek64(h, PAE_PDPT + 8 * k));
}

/* SDM "Checks on Guest Page-Directory-Pointer-Table Entries" (qualification
 * 2: the PDPTE fields with EPT, the table in memory without) and, with
 * EPT, the PDPTEs saved by the exit ("Saving Control Registers, Debug
 * Registers, and MSRs") */
static void test_pdptes(void **state)
{
	static const u8 cpuid[] = { 0x0f, 0xa2 };

	valid_vmcs_pae();
	ept_on();
	set(VMCS_GUEST_PDPTE2, 0x3000 | 1 | BIT(5));
	assert_int_equal(enter(), EXIT33_PDPTE);
	assert_string_equal(vmx_check_id(vmx_last_failed_check()), "GUEST_PDPTES");
	machine_free(&h->m);

	valid_vmcs_pae();
	h_poke64(h, PAE_PDPT + 8, h_peek64(h, PAE_PDPT + 8) | BIT(8));
	assert_int_equal(enter(), EXIT33_PDPTE);
	machine_free(&h->m);

	/* MOV to CR3 in a PAE L2 reads the new PDPTEs through EPT: a table EPT
	 * does not map is an EPT violation at the MOV, a read with no
	 * guest-linear address (qualification bit 7 clear) */
	static const u8 mov_cr3[] = { 0xb8, 0x00, 0x00, 0x80, 0x00, 0x0f, 0x22, 0xd8 };
	valid_vmcs_pae();
	ept_on();
	pdpte_fields();
	h_poke64(h, EPT_ROOT + 0x2000 + 8 * 4, 0); /* 8 MiB - 10 MiB */
	l2_code(mov_cr3, sizeof(mov_cr3));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 48);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), BIT(0));
	assert_int_equal(get(VMCS_GUEST_PHYSICAL_ADDRESS), 0x800000);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 5);
	machine_free(&h->m);

	/* not present: no rule for the other bits */
	valid_vmcs_pae();
	ept_on();
	pdpte_fields();
	set(VMCS_GUEST_PDPTE3, BIT(5));
	l2_code(cpuid, sizeof(cpuid));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_PDPTE3), BIT(5));
	machine_free(&h->m);

	/* "Loading Guest State" with EPT: L2 walks through the PDPTE fields,
	 * not the table in memory, and the exit saves the PDPTE registers:
	 * the fields as loaded, not what memory holds now */
	valid_vmcs_pae();
	ept_on();
	pdpte_fields();
	u64 pdpte0 = get(VMCS_GUEST_PDPTE0);
	h_poke64(h, PAE_PDPT, 0); /* L2's code and stack are under PDPTE 0 */
	l2_code(cpuid, sizeof(cpuid));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_PDPTE0), pdpte0);
	machine_free(&h->m);

	/* without EPT the entry loads them from the table in memory (the
	 * registers held something else before) */
	valid_vmcs_pae();
	memset(h->c->pdpte, 0, sizeof(h->c->pdpte));
	l2_code(cpuid, sizeof(cpuid));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	machine_free(&h->m);
}


/* this program's part of the exit-reason gate (vmx_harness.h) */
static void test_exit_reasons_caused(void **state)
{
	static const u32 here[] = { VMX_CAUSED_IN_ENTRY_TEST };
	vmx_gate_caused_here(here, ARRAY_SIZE(here));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_vmcs_enters),
		cmocka_unit_test(test_each_check),
		cmocka_unit_test(test_every_check_covered),
		cmocka_unit_test(test_v86_runs),
		cmocka_unit_test(test_link_current_entry_to_smm),
		cmocka_unit_test(test_segment_rules_allow),
		cmocka_unit_test(test_entry_errcode_urg),
		cmocka_unit_test(test_pdptes),
		cmocka_unit_test(test_zero_len_inject),
		/* last: it counts the exits of every test above */
		cmocka_unit_test(test_exit_reasons_caused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
