/* vmx/shadow.c: VMCS shadowing (SDM Vol.3C "VMCS Shadowing", and VMREAD
 * and VMWRITE in the "VMX Instruction Reference"): with the "VMCS
 * shadowing" VM-execution control, VMREAD and VMWRITE in VMX non-root
 * operation read and write the shadow VMCS the VMCS link pointer
 * references, unless the VMREAD or VMWRITE bitmap says the field exits.
 *
 * nestbox keeps no copy of the shadow VMCS: it is not the current VMCS,
 * so its data is its region in guest memory (the layout of vmx/vmx.h,
 * written back there by VMCLEAR or by the VMPTRLD that made another VMCS
 * current), and VMREAD/VMWRITE in non-root operation read and write the
 * region itself. A snapshot saves it with the RAM; the SDM leaves what a
 * processor caches of a shadow VMCS to the implementation ("Software Use
 * of Virtual-Machine Control Structures": software must VMCLEAR a VMCS
 * before it changes its region). */
#include "machine/machine.h"
#include "mem/physmem.h"
#include "vmx/vmx_internal.h"

/* "VMREAD and VMWRITE in VMX Non-Root Operation" / the instructions'
 * pseudocode: "IF in VMX non-root operation AND ("VMCS shadowing" is 0
 * OR secondary source operand sets bits in range 63:15 OR VMREAD bit
 * corresponding to bits 14:0 of secondary source operand is 1) THEN
 * VMexit" (VMWRITE: the VMWRITE bit). "VMREAD bitmap" / "VMWRITE bitmap"
 * ("VMCS Shadowing" in "VM-Execution Control Fields"): 4 KBytes, bit x
 * for the field whose encoding has bits 14:0 equal to x. enc is the
 * operand at its operand size (32 bits outside 64-bit mode). */
bool vmx_shadow_exits(struct cpu *c, u64 enc, bool write)
{
	if (!(vmx_proc2(c) & PROC2_VMCS_SHADOWING) || (enc >> 15))
		return true;
	u64 bitmap = vmcs_get(c, write ? VMCS_VMWRITE_BITMAP : VMCS_VMREAD_BITMAP);
	return (phys_read(&c->machine->mem, bitmap + (enc >> 3), 1) >> (enc & 7)) & 1;
}

/* where field f of the VMCS at region `base` is kept */
static u64 field_addr(u64 base, enum vmcs_field f)
{
	return base + VMCS_REGION_DATA + 8u * (unsigned)f;
}

/* "destination operand := contents of field indexed by secondary source
 * operand in VMCS referenced by VMCS link pointer" -- the field is kept to
 * its width, as VMPTRLD does (a region software wrote itself is
 * undefined, not a hazard); a high access reads bits 63:32 */
u64 vmx_shadow_read(struct cpu *c, enum vmcs_field f, bool high)
{
	u64 link = vmcs_get(c, VMCS_VMCS_LINK_POINTER);
	u64 v = phys_read(&c->machine->mem, field_addr(link, f), 8) &
		vmcs_width_mask(vmcs_field_width(f));

	return high ? v >> 32 : v;
}

/* "field indexed by secondary source operand in VMCS referenced by VMCS
 * link pointer := primary source operand", with VMWRITE's width rules
 * (vmcs_cache_write_access) */
void vmx_shadow_write(struct cpu *c, enum vmcs_field f, bool high, u64 val)
{
	u64 addr = field_addr(vmcs_get(c, VMCS_VMCS_LINK_POINTER), f);
	u64 old = phys_read(&c->machine->mem, addr, 8) & vmcs_width_mask(vmcs_field_width(f));

	if (high)
		val = (old & 0xffffffffull) | (val << 32);
	else
		val &= vmcs_width_mask(vmcs_field_width(f));
	phys_write(&c->machine->mem, addr, 8, val);
}
