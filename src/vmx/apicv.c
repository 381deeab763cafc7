/* vmx/apicv.c: APIC virtualization in VMX non-root operation (SDM Vol.3C
 * "APIC Virtualization and Virtual Interrupts").
 *
 * All the state lives where the SDM keeps it: the controls and addresses
 * in the current VMCS, the virtual APIC's registers (VTPR, ...) in the
 * virtual-APIC page in guest memory (L1-physical: "the virtual-APIC
 * address is a 64-bit physical address"). Nothing is cached here, so a
 * snapshot needs nothing more than the VMCS and memory. */
#include "vmx/apicv.h"

#include "cpu/arch.h"
#include "machine/machine.h"
#include "mem/physmem.h"
#include "vmx/vmx_internal.h"

/* --- the virtual-APIC page (SDM "Virtual-APIC Page"): VTPR at 080H --- */

static u64 vapic_base(const struct cpu *c) { return vmcs_get(c, VMCS_VIRTUAL_APIC_ADDR) & ~0xfffull; }

u32 vmx_vapic_read(const struct cpu *c, unsigned off)
{
	return (u32)phys_read(&c->machine->mem, vapic_base(c) + (off & 0xffc), 4);
}

void vmx_vapic_write(struct cpu *c, unsigned off, u32 val)
{
	phys_write(&c->machine->mem, vapic_base(c) + (off & 0xffc), 4, val);
}

/* a trap-like VM exit: the instruction that caused it has completed, so
 * RIP names the next one ("TPR Virtualization": "the VM exit ... is
 * trap-like"); the blocking it ran under has ended */
static noreturn_fn void trap_exit(struct cpu *c, u32 reason, u64 qual)
{
	struct vmx_exit_info info = { .qual = qual };
	c->rip = c->next_rip;
	c->shadow_insn = 0;
	vmx_exit(c, reason, &info);
}

/* SDM "TPR Virtualization": after a write of VTPR, without
 * "virtual-interrupt delivery", a VM exit (reason 43, trap-like) if bits
 * 7:4 of VTPR are below bits 3:0 of the TPR threshold */
static void tpr_virtualization(struct cpu *c)
{
	u32 vtpr = vmx_vapic_read(c, VAPIC_TPR);
	if (!(vmx_proc2(c) & PROC2_VIRT_INTR_DELIVERY) &&
	    ((vtpr >> 4) & 0xf) < (vmcs_get(c, VMCS_TPR_THRESHOLD) & 0xf))
		trap_exit(c, EXIT_REASON_TPR_BELOW_THRESHOLD, 0);
}

/* --- CR8 (SDM "Virtualizing CR8-Based TPR Accesses") --- */

bool vmx_cr8_virtualized(const struct cpu *c)
{
	return c->vmx.nonroot && (vmx_proc(c) & PROC_USE_TPR_SHADOW);
}

/* "MOV from CR8: ... loads bits 3:0 of its destination operand with bits
 * 7:4 of VTPR. Bits 63:4 of the destination operand are cleared." */
u64 vmx_cr8_read(const struct cpu *c)
{
	return (vmx_vapic_read(c, VAPIC_TPR) >> 4) & 0xf;
}

/* "MOV to CR8: ... stores bits 3:0 of its source operand into bits 7:4 of
 * VTPR; the remainder of VTPR (bits 3:0 and bits 31:8) are cleared.
 * Following this, the processor performs TPR virtualization." */
void vmx_cr8_write(struct cpu *c, u64 val)
{
	vmx_vapic_write(c, VAPIC_TPR, (u32)(val & 0xf) << 4);
	tpr_virtualization(c);
}

/* --- VM entry: "Checks on VM-Execution Control Fields" for these
 * controls: the failing row, or EC_NONE --- */
enum entry_check vmx_apicv_check_controls(const struct cpu *c)
{
	u32 proc = vmx_proc(c), proc2 = vmx_proc2(c);
	u64 maxphy_mask = ~0ull << cpu_maxphyaddr(c);

	if (proc & PROC_USE_TPR_SHADOW) {
		u64 a = vmcs_get(c, VMCS_VIRTUAL_APIC_ADDR);
		u64 thr = vmcs_get(c, VMCS_TPR_THRESHOLD);
		if ((a & 0xfff) || (a & maxphy_mask))
			return EC_VIRTUAL_APIC_ADDR;
		if (!(proc2 & PROC2_VIRT_INTR_DELIVERY) && (thr >> 4))
			return EC_TPR_THRESHOLD_RESERVED;
		if (!(proc2 & (PROC2_VIRT_APIC_ACCESSES | PROC2_VIRT_INTR_DELIVERY)) &&
		    (thr & 0xf) > ((phys_read(&c->machine->mem, a + VAPIC_TPR, 4) >> 4) & 0xf))
			return EC_TPR_THRESHOLD_VTPR;
	}
	return EC_NONE;
}
