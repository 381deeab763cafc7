/* vmx/ept.c: the extended page tables (SDM Vol.3C "The Extended Page
 * Table Mechanism (EPT)"): the EPTP's checks, the second translation stage
 * of VMX non-root operation, and the exits a refused translation causes.
 * The walk itself is the CPU's one page walker (cpu/memory/walk.c) in its
 * EPT format. */
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "mem/physmem.h"
#include "machine/machine.h"
#include "vmx/vmx_internal.h"

static const struct vmx_caps *caps(const struct cpu *c) { return &c->model->vmx; }

/* SDM "Extended-Page-Table Pointer (EPTP)" and the rule of "Checks on
 * VM-Execution Control Fields": memory type UC or WB as
 * IA32_VMX_EPT_VPID_CAP allows, page-walk length 4 (or 5) as allowed,
 * accessed/dirty flags only if supported, bits 11:7 and 63:MAXPHYADDR 0 */
bool vmx_eptp_ok(const struct cpu *c, u64 eptp)
{
	unsigned type = eptp & 7, walk = (eptp >> 3) & 7;

	if (!((type == 0 && vmx_caps_has(caps(c), VMXF_EPT_MEMTYPE_UC)) ||
	      (type == 6 && vmx_caps_has(caps(c), VMXF_EPT_MEMTYPE_WB))))
		return false;
	if (!((walk == 3 && vmx_caps_has(caps(c), VMXF_EPT_PAGE_WALK_4)) ||
	      (walk == 4 && vmx_caps_has(caps(c), VMXF_EPT_PAGE_WALK_5))))
		return false;
	if ((eptp & BIT(6)) && !vmx_caps_has(caps(c), VMXF_EPT_AD_FLAGS))
		return false;
	return !(eptp & GENMASK(11, 7)) && !(eptp >> cpu_maxphyaddr(c));
}

/* SDM "EPT Violations" and "EPT Misconfigurations": the exit a refused
 * guest-physical access causes, with the qualification of "Exit
 * Qualification for EPT Violations" */
static noreturn_fn void ept_refused(struct cpu *c, const struct stage2_fault *f)
{
	struct vmx_exit_info info = { .guest_phys = f->gpa };

	if (f->status == PT_RESERVED)
		vmx_exit(c, EXIT_REASON_EPT_MISCONFIG, &info);
	/* bits 2:0: the access (a data read, a data write, an instruction
	 * fetch). A write to a guest paging-structure entry -- every access
	 * to one when "accessed and dirty flags for EPT are enabled" (they
	 * "are treated as writes"), and otherwise the update of the guest's
	 * own accessed or dirty flag -- is a read-modify-write: "whether it
	 * also sets bit 0 ... is implementation-specific"; processors set
	 * both bits 0 and 1, and so does nestbox (kvm-unit-tests [ept]
	 * ept_access_test_paddr_*_ad_disabled, written against hardware). */
	u64 q = f->access == PT_X ? BIT(2) : f->access == PT_W ? BIT(1) : BIT(0);
	if (!f->final && f->access == PT_W)
		q |= BIT(0);
	/* bits 5:3: "the logical-AND of bit 0 (1, 2) in the EPT
	 * paging-structure entries used to translate the guest-physical
	 * address" (0 from an entry that is not present) */
	q |= (u64)(f->perm & 7) << 3;
	/* bit 7: the guest linear-address field is valid; bit 8: the access
	 * was to the linear address's translation, not to a paging-structure
	 * entry (bits 6 and 9-11 need controls nestbox does not advertise) */
	if (f->lin_valid) {
		q |= BIT(7) | (f->final ? BIT(8) : 0);
		info.guest_linear = f->lin;
	}
	info.qual = q;
	vmx_exit(c, EXIT_REASON_EPT_VIOLATION, &info);
}

/* SDM "Page-Modification Logging": before the processor sets an EPT
 * accessed or dirty flag with "enable PML", a PML index outside 0-511 is a
 * page-modification log-full event (a VM exit; the flag is not set and the
 * access does not happen); setting a leaf's dirty flag from 0 to 1 logs
 * the guest-physical address of the page at PML address + 8 * index and
 * decrements the index */
static void ept_pml(struct cpu *c, u64 gpa, bool dirty_set)
{
	u64 idx = vmcs_get(c, VMCS_GUEST_PML_INDEX);
	if (idx > 511) {
		struct vmx_exit_info info = { 0 };
		vmx_exit(c, EXIT_REASON_PML_FULL, &info);
	}
	if (!dirty_set)
		return;
	phys_write(&c->machine->mem, vmcs_get(c, VMCS_PML_ADDRESS) + 8 * idx, 8, gpa & ~0xfffull);
	vmcs_set(c, VMCS_GUEST_PML_INDEX, (idx - 1) & 0xffff);
}

/* the second stage of the current VMX state: EPT in non-root operation
 * with "enable EPT" (derived state: VM entry and a snapshot load set it) */
void vmx_stage2_update(struct cpu *c)
{
	c->stage2_on = c->vmx.nonroot && (vmx_proc2(c) & PROC2_ENABLE_EPT);
	if (!c->stage2_on)
		return;
	u64 eptp = vmcs_get(c, VMCS_EPT_POINTER);
	struct pt_walker *w = &c->stage2.w;
	*w = (struct pt_walker){
		.fmt = PT_EPT,
		.levels = (u8)(((eptp >> 3) & 7) + 1),
		.maxphyaddr = (u8)cpu_maxphyaddr(c),
		.xonly = vmx_caps_has(caps(c), VMXF_EPT_EXECUTE_ONLY),
		.page2m = vmx_caps_has(caps(c), VMXF_EPT_2MB_PAGE),
		.page1g = vmx_caps_has(caps(c), VMXF_EPT_1GB_PAGE),
		.ad = (eptp & BIT(6)) != 0,
		.root = eptp & GENMASK(cpu_maxphyaddr(c) - 1, 12),
		.ad_update = (eptp & BIT(6)) && (vmx_proc2(c) & PROC2_ENABLE_PML) ? ept_pml : NULL,
	};
	c->stage2.fault = ept_refused;
}

/* VM entry with "enable EPT": SDM "Information That May Be Cached" keys
 * combined mappings by EP4TA as well as VPID; the TLB keeps VPIDs apart
 * (tlb_ctx) but not EP4TAs, so an entry with another EP4TA than the last
 * one drops what the last one made */
void vmx_ept_enter(struct cpu *c)
{
	vmx_stage2_update(c);
	if (!c->stage2_on)
		return;
	if (c->stage2.w.root != c->vmx.ep4ta) {
		c->vmx.ep4ta = c->stage2.w.root;
		tlb_flush_all(c);
	}
}

/* SDM "VMFUNC—Invoke VM function" and "EPTP Switching" (VM function 0):
 * ECX selects an entry of the EPTP list; an index above 511 or an entry
 * that VM entry would reject as the EPTP leaves the function to L1 (a VM
 * exit, reason 59). Returns false for those, after switching otherwise. */
bool vmx_vmfunc_eptp_switch(struct cpu *c)
{
	u64 idx = c->gpr[RCX] & 0xffffffffull;
	if (idx > 511)
		return false;
	u64 eptp = phys_read(&c->machine->mem, vmcs_get(c, VMCS_EPTP_LIST_ADDR) + 8 * idx, 8);
	if (!vmx_eptp_ok(c, eptp))
		return false;
	vmcs_set(c, VMCS_EPT_POINTER, eptp);
	vmx_ept_enter(c);
	return true;
}
