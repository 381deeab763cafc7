/* vmx/insn.c: the VMX instructions (SDM Vol.3C "VMX Instruction Reference")
 * and the rule VMX operation puts on CR0/CR4 ("Restrictions on VMX
 * Operation").
 *
 * Each handler is the instruction's "Operation" pseudocode from top to
 * bottom, in its order:
 *   1. the #UD conditions (outside VMX operation; CR0.PE = 0, virtual-8086
 *      and compatibility mode; a register where memory is needed);
 *   2. in VMX non-root operation, the VM exit;
 *   3. #GP(0) at CPL > 0;
 *   4. the memory operand's faults (#GP/#SS/#PF, from cpu_read/cpu_write);
 *   5. VMfailInvalid / VMfailValid(n) / VMsucceed (SDM "Conventions").
 * Nothing changes before the step that can fail has passed.
 *
 * The VMCS region in guest memory (layout in vmx/vmx.h): the current
 * VMCS's fields live in c->vmx.vmcs; VMPTRLD reads a region into it,
 * VMCLEAR (and a VMPTRLD that replaces the current VMCS, and VMXOFF)
 * writes it back. Field i of vmcs_fields.def is at VMCS_REGION_DATA + 8 i,
 * so the region layout changes with the table: VMX_REVISION_ID must be
 * bumped then (vmx/caps.h). */
#include <string.h>

#include "base/log.h"
#include "cpu/arch.h"
#include "cpu/exec/flags.h"
#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "cpu/step.h"
#include "cpu/system/msr.h"
#include "machine/machine.h"
#include "mem/physmem.h"
#include "vmx/evmcs.h"
#include "vmx/exit_info.h"
#include "vmx/vmx_internal.h"

/* byte 8 of a region: its launch state */
#define VMCS_REGION_LAUNCH 8u

_Static_assert(VMCS_REGION_DATA + 8u * VMCS_NR_FIELDS <= VMX_VMCS_REGION_SIZE,
	       "the VMCS fields must fit the region size IA32_VMX_BASIC reports");

static const struct vmx_caps *caps(const struct cpu *c) { return &c->model->vmx; }

/* --- "Restrictions on VMX Operation" --- */

/* "In VMX operation, processors may fix certain bits in CR0 and CR4 to
 * specific values and not support other values" (IA32_VMX_CR0_FIXED0/1,
 * IA32_VMX_CR4_FIXED0/1: "VMX-Fixed Bits in CR0", "VMX-Fixed Bits in
 * CR4"): a bit set in FIXED0 must be 1, a bit clear in FIXED1 must be 0.
 * "Unrestricted Guests": with that control, "CR0.PE and CR0.PG may be 0
 * in VMX non-root operation (even if the capability MSR
 * IA32_VMX_CR0_FIXED0 reports otherwise)". */
void vmx_cr_fixed(const struct cpu *c, unsigned cr, bool unrestricted, u64 *fixed0, u64 *fixed1)
{
	if (cr == 0) {
		*fixed0 = vmx_msr_cr0_fixed0(caps(c));
		*fixed1 = vmx_msr_cr0_fixed1(caps(c));
		if (unrestricted)
			*fixed0 &= ~(u64)(CR0_PE | CR0_PG);
	} else {
		*fixed0 = vmx_msr_cr4_fixed0(caps(c));
		*fixed1 = vmx_msr_cr4_fixed1(caps(c));
	}
}

bool vmx_cr_fixed_ok(const struct cpu *c, unsigned cr, u64 val, bool unrestricted)
{
	u64 fixed0, fixed1;
	vmx_cr_fixed(c, cr, unrestricted, &fixed0, &fixed1);
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* "Any attempt to set one of these bits to an unsupported value while in
 * VMX operation (including VMX root operation) using any of the CLTS,
 * LMSW, or MOV CR instructions causes a general-protection exception."
 * CR4.VMXE is in IA32_VMX_CR4_FIXED0: "Once in VMX operation, it is not
 * possible to clear CR4.VMXE". SMM is outside VMX operation ("Default
 * Treatment of SMI Delivery": SMI delivery leaves VMX operation and clears
 * CR4.VMXE), so SMM code is not held to the fixed bits. */
bool vmx_cr_allowed(const struct cpu *c, unsigned cr, u64 val)
{
	if (!c->vmx.on || c->smm.in_smm || (cr != 0 && cr != 4))
		return true;
	return vmx_cr_fixed_ok(c, cr, val,
			   c->vmx.nonroot && (vmx_proc2(c) & PROC2_UNRESTRICTED_GUEST));
}

/* --- the steps every VMX instruction shares --- */

/* "IF (not in VMX operation) or (CR0.PE = 0) or (RFLAGS.VM = 1) or
 * (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD" (every VMX instruction but
 * VMXON, VMCALL and VMFUNC); mode is derived from exactly those bits */
static bool bad_mode(const struct cpu *c)
{
	return c->mode == MODE_REAL || c->mode == MODE_VM86 || c->mode == MODE_COMPAT16 ||
	       c->mode == MODE_COMPAT32;
}

static void need_vmx_operation(struct cpu *c)
{
	if (!c->vmx.on || bad_mode(c))
		cpu_ud(c);
}

/* "(register operand) ... THEN #UD": VMXON, VMCLEAR, VMPTRLD, VMPTRST,
 * INVEPT and INVVPID take memory only (their register forms decode as
 * other instructions, RDRAND and RDSEED, but a table change must not
 * make this silently wrong) */
static void need_memory(struct cpu *c, const struct insn *i, int n)
{
	if (i->op[n].kind != OPK_MEM)
		cpu_ud(c);
}

/* "ELSIF in VMX non-root operation THEN VMexit": the exit qualification
 * and VM-exit instruction information for the instruction (vmx/exit_info.c) */
static void exit_if_nonroot(struct cpu *c, const struct insn *i, enum vmx_exit_reason reason)
{
	if (!c->vmx.nonroot)
		return;
	struct vmx_exit_info info = {
		.qual = vmx_insn_qual(i),
		.insn_len = i->len,
		.insn_info = vmx_insn_info(i, reason),
	};
	vmx_exit(c, reason, &info);
}

/* "ELSIF CPL > 0 THEN #GP(0)" */
static void need_cpl0(struct cpu *c)
{
	if (c->cpl != 0)
		cpu_gp0(c);
}

/* "VMfailInvalid: CF := 1; PF := 0; AF := 0; ZF := 0; SF := 0; OF := 0"
 * (SDM "Conventions"); used where the pseudocode says VMfailInvalid
 * itself, which it does only when there is no current VMCS to hold an
 * error number */
static void fail_invalid(struct cpu *c)
{
	u64 f = cpu_rflags(c);
	f &= ~(u64)(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
	cpu_set_rflags(c, f | RFLAGS_CF);
	LOG(vmx, "cpu%u VMfailInvalid at rip %#llx", c->index, (unsigned long long)c->rip);
}

static void fail(struct cpu *c, enum vmx_insn_error err)
{
	LOG(vmx, "cpu%u VMfail(%u: %s) at rip %#llx", c->index, (unsigned)err,
	    vmx_insn_error_name(err), (unsigned long long)c->rip);
	vmx_fail(c, err);
	/* an enlightened VMCS holds the error number in L1's memory */
	if (c->vmx.evmcs)
		vmx_evmcs_write_back(c, false);
}

/* The 64-bit memory operand of VMXON, VMCLEAR, VMPTRLD: "This operand is
 * always 64 bits and is always in memory" (its faults come here) */
static u64 read_m64(struct cpu *c, const struct insn *i)
{
	return cpu_read(c, i->seg, insn_ea(c, i), 8);
}

/* "IF addr is not 4KB-aligned OR addr sets any bits beyond the
 * physical-address width" -- footnote: "If IA32_VMX_BASIC[48] is read as
 * 1, VMfail occurs if addr sets any bits in the range 63:32" */
static bool vmx_addr_ok(const struct cpu *c, u64 addr)
{
	unsigned width = cpu_maxphyaddr(c);

	if (vmx_msr_basic(caps(c)) & BIT(48))
		width = 32;
	return !(addr & 0xfff) && !(addr >> width);
}

/* the VMCS revision identifier a region must start with: "rev[30:0] ≠
 * VMCS revision identifier supported by processor" (IA32_VMX_BASIC[30:0]) */
static bool revision_ok(const struct cpu *c, u32 rev)
{
	return (rev & 0x7fffffffu) == (vmx_msr_basic(caps(c)) & 0x7fffffffu);
}

static struct physmem *pmem(struct cpu *c) { return &c->machine->mem; }

/* --- the VMCS region --- */

/* "ensure that data for VMCS referenced by the operand is in memory": the
 * cached fields and the launch state go back to the current VMCS's region */
static void vmcs_write_back(struct cpu *c)
{
	u64 base = c->vmx.vmcs_ptr;

	DEBUG_ASSERT(base != VMX_NO_VMCS);
	/* an enlightened VMCS has its own layout and no launch state; what the
	 * processor writes went into it at the last VM exit (vmx/evmcs.c) */
	if (c->vmx.evmcs)
		return;
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++)
		phys_write(pmem(c), base + VMCS_REGION_DATA + 8 * f, 8,
			   vmcs_cache_read(&c->vmx.vmcs, (enum vmcs_field)f));
	phys_write(pmem(c), base + VMCS_REGION_LAUNCH, 1, c->vmx.launched);
}

/* make the VMCS at addr current: its fields (each kept to its width: a
 * region software wrote itself is undefined, not a hazard) and launch
 * state */
static void vmcs_load(struct cpu *c, u64 addr)
{
	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++)
		vmcs_cache_write(&c->vmx.vmcs, (enum vmcs_field)f,
				 phys_read(pmem(c), addr + VMCS_REGION_DATA + 8 * f, 8));
	c->vmx.launched = phys_read(pmem(c), addr + VMCS_REGION_LAUNCH, 1) == 1;
	c->vmx.vmcs_ptr = addr;
	c->vmx.evmcs = 0;
}

/* no VMCS is current any more (VMCLEAR of it; an eVMCS L1 stopped
 * announcing) */
static void vmcs_release(struct cpu *c)
{
	c->vmx.vmcs_ptr = VMX_NO_VMCS;
	c->vmx.launched = 0;
	c->vmx.shadow = 0;
	c->vmx.evmcs = 0;
}

/* ---------------- VMXON ---------------- */

/* SDM "VMXON—Enter VMX Operation" */
void exec_vmxon(struct cpu *c, const struct insn *i)
{
	/* "IF (register operand) or (CR0.PE = 0) or (CR4.VMXE = 0) or
	 * (RFLAGS.VM = 1) or (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD" */
	need_memory(c, i, 0);
	if (!(c->cr4 & CR4_VMXE) || bad_mode(c))
		cpu_ud(c);
	if (c->vmx.on) {
		exit_if_nonroot(c, i, EXIT_REASON_VMXON);
		need_cpl0(c);
		/* "ELSE VMfail("VMXON executed in VMX root operation")" */
		fail(c, VMXERR_VMXON_IN_ROOT);
		return;
	}
	/* "ELSIF not in VMX operation THEN IF (CPL > 0) or (in A20M mode) or
	 * (the values of CR0 and CR4 are not supported in VMX operation) or
	 * (bit 0 (lock bit) of IA32_FEATURE_CONTROL MSR is clear) or (outside
	 * SMX operation and bit 2 of IA32_FEATURE_CONTROL MSR is clear) THEN
	 * #GP(0)" -- nestbox is never in A20M mode nor in SMX operation */
	u64 fc = c->msr.feature_control;
	if (c->cpl != 0 || !vmx_cr_fixed_ok(c, 0, c->cr0, false) || !vmx_cr_fixed_ok(c, 4, c->cr4, false) ||
	    !(fc & FEATURE_CONTROL_LOCK) || !(fc & FEATURE_CONTROL_VMXON_OUTSIDE))
		cpu_gp0(c);
	/* "addr := contents of 64-bit in-memory source operand" */
	u64 addr = read_m64(c, i);
	/* "IF addr is not 4KB-aligned or addr sets any bits beyond the
	 * physical-address width THEN VMfailInvalid" */
	if (!vmx_addr_ok(c, addr)) {
		fail_invalid(c);
		return;
	}
	/* "rev := 32 bits located at physical address addr; IF rev[30:0] ≠
	 * VMCS revision identifier supported by processor OR rev[31] = 1
	 * THEN VMfailInvalid" */
	u32 rev = (u32)phys_read(pmem(c), addr, 4);
	if (!revision_ok(c, rev) || (rev >> 31)) {
		fail_invalid(c);
		return;
	}
	/* "current-VMCS pointer := FFFFFFFF_FFFFFFFFH; enter VMX operation;
	 * block INIT signals (c->vmx.on: cpu/event.c); block and disable A20M
	 * (never enabled); clear address-range monitoring (nestbox keeps no
	 * monitor state)" */
	vmx_reset(c);
	c->vmx.on = 1;
	c->vmx.vmxon_ptr = addr;
	LOG(vmx, "cpu%u VMXON %#llx", c->index, (unsigned long long)addr);
	vmx_succeed(c);
}

/* ---------------- VMXOFF ---------------- */

/* SDM "VMXOFF—Leave VMX Operation" */
void exec_vmxoff(struct cpu *c, const struct insn *i)
{
	need_vmx_operation(c);
	exit_if_nonroot(c, i, EXIT_REASON_VMXOFF);
	need_cpl0(c);
	/* "ELSIF dual-monitor treatment of SMIs and SMM is active THEN
	 * VMfail(VMXOFF under dual-monitor treatment ...)": never active
	 * (IA32_VMX_BASIC[49] is 0) */
	/* The current VMCS's region is left for software to VMCLEAR ("Software
	 * Use of the VMCS": VMXOFF does not do it); nestbox writes the cached
	 * data back anyway, so a VMCS that was not cleared keeps what was
	 * written to it instead of losing it */
	if (c->vmx.vmcs_ptr != VMX_NO_VMCS)
		vmcs_write_back(c);
	/* "leave VMX operation; unblock INIT; ... clear address-range
	 * monitoring": an INIT that arrived in VMX root operation was latched
	 * (cpu/event.c) and is taken now */
	bool init = c->vmx.init_blocked;
	vmx_reset(c);
	if (init) {
		c->init_pending = 1;
		cpu_kick(c);
	}
	LOG(vmx, "cpu%u VMXOFF", c->index);
	vmx_succeed(c);
}

/* ---------------- VMCLEAR ---------------- */

/* VMCLEAR and VMPTRLD begin alike (SDM "VMCLEAR", "VMPTRLD"): the
 * instruction's faults, the VM exit in non-root operation, the operand, and
 * "IF addr is not 4KB-aligned OR addr sets any bits beyond the
 * physical-address width THEN VMfail(... with invalid physical address);
 * ELSIF addr = VMXON pointer THEN VMfail(... with VMXON pointer)".
 * Returns false when the instruction is over. */
static bool vmcs_operand(struct cpu *c, const struct insn *i, enum vmx_exit_reason reason,
			 enum vmx_insn_error bad_addr, enum vmx_insn_error is_vmxon, u64 *addr)
{
	need_memory(c, i, 0);
	need_vmx_operation(c);
	exit_if_nonroot(c, i, reason);
	need_cpl0(c);
	*addr = read_m64(c, i);
	if (!vmx_addr_ok(c, *addr)) {
		fail(c, bad_addr);
		return false;
	}
	if (*addr == c->vmx.vmxon_ptr) {
		fail(c, is_vmxon);
		return false;
	}
	return true;
}

/* SDM "VMCLEAR—Clear Virtual-Machine Control Structure" */
void exec_vmclear(struct cpu *c, const struct insn *i)
{
	u64 addr;

	if (!vmcs_operand(c, i, EXIT_REASON_VMCLEAR, VMXERR_VMCLEAR_INVALID_ADDR,
			  VMXERR_VMCLEAR_VMXON_PTR, &addr))
		return;
	/* "ensure that data for VMCS referenced by the operand is in memory;
	 * initialize implementation-specific data in VMCS region; launch
	 * state of VMCS referenced by the operand := "clear"; IF operand addr
	 * = current-VMCS pointer THEN current-VMCS pointer :=
	 * FFFFFFFF_FFFFFFFFH" -- only the current VMCS is held outside its
	 * region */
	/* An enlightened VMCS (TLFS; KVM's handling of VMCLEAR): clearing the
	 * current one, or the one the VP assist page announces, ends its use
	 * and writes nothing into it (it has no launch state; byte 8 is a
	 * field) */
	if ((addr == c->vmx.vmcs_ptr && c->vmx.evmcs) || addr == vmx_evmcs_announced(c)) {
		if (addr == c->vmx.vmcs_ptr)
			vmcs_release(c);
		vmx_succeed(c);
		return;
	}
	if (addr == c->vmx.vmcs_ptr) {
		c->vmx.launched = 0;
		vmcs_write_back(c);
		vmcs_release(c);
	}
	phys_write(pmem(c), addr + VMCS_REGION_LAUNCH, 1, 0);
	vmx_succeed(c);
}

/* ---------------- VMPTRLD ---------------- */

/* SDM "VMPTRLD—Load Pointer to Virtual-Machine Control Structure" */
void exec_vmptrld(struct cpu *c, const struct insn *i)
{
	u64 addr;

	if (!vmcs_operand(c, i, EXIT_REASON_VMPTRLD, VMXERR_VMPTRLD_INVALID_ADDR,
			  VMXERR_VMPTRLD_VMXON_PTR, &addr))
		return;
	/* "rev := 32 bits located at physical address addr; IF rev[30:0] ≠
	 * VMCS revision identifier supported by processor OR rev[31] = 1 AND
	 * processor does not support 1-setting of "VMCS shadowing" THEN
	 * VMfail(VMPTRLD with incorrect VMCS revision identifier)" */
	u32 rev = (u32)phys_read(pmem(c), addr, 4);
	if (!revision_ok(c, rev) ||
	    ((rev >> 31) && !vmx_caps_has(caps(c), VMXF_PROC2_VMCS_SHADOWING))) {
		fail(c, VMXERR_VMPTRLD_BAD_REVISION);
		return;
	}
	/* "current-VMCS pointer := addr": the VMCS that was current goes back
	 * to its region first; making the current VMCS current again keeps
	 * what is cached (its region may be stale until a VMCLEAR) */
	if (addr != c->vmx.vmcs_ptr || c->vmx.evmcs) {
		if (c->vmx.vmcs_ptr != VMX_NO_VMCS)
			vmcs_write_back(c);
		vmcs_load(c, addr);
	}
	/* "VMCS Shadowing": a VMCS whose region has the shadow-VMCS indicator
	 * (bit 31 of the revision identifier) set is a shadow VMCS; it may be
	 * current (VMREAD and VMWRITE use it), but VM entry with it fails
	 * ("Basic VM-Entry Checks") */
	c->vmx.shadow = rev >> 31;
	vmx_succeed(c);
}

/* ---------------- VMPTRST ---------------- */

/* SDM "VMPTRST—Store Pointer to Virtual-Machine Control Structure" */
void exec_vmptrst(struct cpu *c, const struct insn *i)
{
	need_memory(c, i, 0);
	need_vmx_operation(c);
	exit_if_nonroot(c, i, EXIT_REASON_VMPTRST);
	need_cpl0(c);
	/* "64-bit in-memory destination operand := current-VMCS pointer";
	 * an enlightened VMCS is not one VMPTRLD made current: FFFFFFFF_FFFFFFFFH
	 * (KVM: its current-VMCS pointer stays invalid) */
	cpu_write(c, i->seg, insn_ea(c, i), 8, c->vmx.evmcs ? VMX_NO_VMCS : c->vmx.vmcs_ptr);
	vmx_succeed(c);
}

/* ---------------- VMREAD / VMWRITE ---------------- */

/* "Outside IA-32e mode, the source operand has 32 bits, regardless of the
 * value of CS.D. In 64-bit mode, the source operand has 64 bits" (both
 * operands, both instructions: compatibility mode is #UD) */
static unsigned vmrw_size(const struct cpu *c)
{
	return c->mode == MODE_LONG64 ? 8 : 4;
}

/* The component a VMREAD/VMWRITE field encoding names, or -1 for
 * "register source operand does not correspond to any VMCS field":
 * bits 63:32 set ("if bits 63:32 of the source operand are not zero,
 * VMREAD will fail due to an attempt to access an unsupported VMCS
 * component"), reserved encoding bits, a high access of a field that is
 * not 64-bit, or a component this model does not have. */
static int vmrw_field(const struct cpu *c, u64 enc, bool *high)
{
	if (enc >> 32)
		return -1;
	int f = vmcs_field_access((u32)enc, high);
	if (f < 0 || !vmcs_field_exists((enum vmcs_field)f, caps(c)))
		return -1;
	return f;
}

/* the VMCS VMREAD and VMWRITE use is there: the current VMCS in root
 * operation, the one the VMCS link pointer references in non-root
 * operation (which VM entry checked: "Checks on Guest Non-Register
 * State"), "not valid" if FFFFFFFF_FFFFFFFFH */
static bool vmrw_vmcs_valid(const struct cpu *c)
{
	if (c->vmx.nonroot)
		return vmcs_get(c, VMCS_VMCS_LINK_POINTER) != VMX_NO_VMCS;
	/* an enlightened VMCS is not reached through VMREAD/VMWRITE (TLFS:
	 * L1 reads and writes it in memory; KVM: no current VMCS then) */
	return c->vmx.vmcs_ptr != VMX_NO_VMCS && !c->vmx.evmcs;
}

/* SDM "VMREAD—Read Field from Virtual-Machine Control Structure":
 * VMREAD r/m, r -- op[0] the destination, op[1] the field encoding */
void exec_vmread(struct cpu *c, const struct insn *i)
{
	unsigned size = vmrw_size(c);

	need_vmx_operation(c);
	/* "ELSIF in VMX non-root operation AND ("VMCS shadowing" is 0 OR
	 * secondary source operand sets bits in range 63:15 OR VMREAD bit
	 * corresponding to bits 14:0 of secondary source operand is 1) THEN
	 * VMexit" (vmx/shadow.c) */
	if (c->vmx.nonroot && vmx_shadow_exits(c, reg_read(c, i->op[1].reg, size), false))
		exit_if_nonroot(c, i, EXIT_REASON_VMREAD);
	need_cpl0(c);
	/* "ELSIF (in VMX root operation AND current-VMCS pointer is not valid)
	 * OR (in VMX non-root operation AND VMCS link pointer is not valid)
	 * THEN VMfailInvalid" */
	if (!vmrw_vmcs_valid(c)) {
		fail_invalid(c);
		return;
	}
	/* "ELSIF secondary source operand does not correspond to any VMCS
	 * field THEN VMfailValid(VMREAD/VMWRITE from/to unsupported VMCS
	 * component)" */
	bool high;
	int f = vmrw_field(c, reg_read(c, i->op[1].reg, size), &high);
	if (f < 0) {
		fail(c, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return;
	}
	/* "destination operand := contents of field indexed by secondary
	 * source operand in current VMCS": "If the VMCS field specified by the
	 * source operand is shorter than this effective operand size, the high
	 * bits of the destination operand are cleared to 0. If the VMCS field
	 * is longer, then the high bits of the field are not read." "Note that
	 * any faults resulting from accessing a memory destination operand
	 * can occur only after determining ... that the VMCS pointer is valid
	 * and that the specified VMCS field is supported." */
	u64 val = c->vmx.nonroot ? vmx_shadow_read(c, (enum vmcs_field)f, high)
				 : vmcs_cache_read_access(&c->vmx.vmcs, (enum vmcs_field)f, high);
	val &= size_mask(size);
	if (i->op[0].kind == OPK_MEM)
		cpu_write(c, i->seg, insn_ea(c, i), size, val);
	else
		reg_write(c, i->op[0].reg, size, val);
	vmx_succeed(c);
}

/* SDM "VMWRITE—Write Field to Virtual-Machine Control Structure":
 * VMWRITE r, r/m -- op[0] the field encoding, op[1] the value */
void exec_vmwrite(struct cpu *c, const struct insn *i)
{
	unsigned size = vmrw_size(c);

	need_vmx_operation(c);
	/* "ELSIF in VMX non-root operation AND ("VMCS shadowing" is 0 OR
	 * secondary source operand sets bits in range 63:15 OR VMWRITE bit
	 * corresponding to bits 14:0 of secondary source operand is 1) THEN
	 * VMexit" */
	if (c->vmx.nonroot && vmx_shadow_exits(c, reg_read(c, i->op[0].reg, size), true))
		exit_if_nonroot(c, i, EXIT_REASON_VMWRITE);
	need_cpl0(c);
	if (!vmrw_vmcs_valid(c)) {
		fail_invalid(c);
		return;
	}
	/* "Note that any faults resulting from accessing a memory source
	 * operand occur after determining, in the operation section below,
	 * that the VMCS pointer is valid but before determining if the
	 * destination VMCS field is supported." */
	u64 val = i->op[1].kind == OPK_MEM ? cpu_read(c, i->seg, insn_ea(c, i), size)
					   : reg_read(c, i->op[1].reg, size);
	bool high;
	int f = vmrw_field(c, reg_read(c, i->op[0].reg, size), &high);
	if (f < 0) {
		fail(c, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return;
	}
	/* "ELSIF VMCS field indexed by secondary source operand is a VM-exit
	 * information field AND processor does not support writing to such
	 * fields THEN VMfailValid(VMWRITE to read-only VMCS component)"
	 * (IA32_VMX_MISC[29], "Miscellaneous Data") */
	if (vmcs_field_type((enum vmcs_field)f) == VMCS_T_RO &&
	    !vmx_caps_has(caps(c), VMXF_MISC_VMWRITE_ANY_FIELD)) {
		fail(c, VMXERR_VMWRITE_READ_ONLY);
		return;
	}
	/* "If the VMCS field specified by the secondary source operand is
	 * shorter than this effective operand size, the high bits of the
	 * primary source operand are ignored. If the VMCS field is longer,
	 * then the high bits of the field are cleared to 0." (the cache keeps
	 * each field to its width; a full write of a 64-bit field with a
	 * 32-bit operand stores the zero-extended value) */
	if (c->vmx.nonroot)
		vmx_shadow_write(c, (enum vmcs_field)f, high, val);
	else
		vmcs_cache_write_access(&c->vmx.vmcs, (enum vmcs_field)f, high, val);
	vmx_succeed(c);
}

/* ---------------- VMLAUNCH / VMRESUME ---------------- */

/* TLFS "Enlightened VMCS" (vmx/evmcs.h), at VMLAUNCH/VMRESUME: the eVMCS
 * the VP assist page announces becomes the current VMCS (the one that was
 * current goes back to its region); its first 32 bits must be the eVMCS
 * version nestbox offers (CPUID 0x4000000A: 1), or, as KVM accepts, the
 * VMCS revision identifier; else there is no current VMCS: VMfailInvalid
 * (KVM's outcome), as for an address that is not 4-KByte aligned or
 * beyond the physical-address width. Its fields are copied into the VMCS
 * nestbox uses: all of them at VMLAUNCH and for an eVMCS not current
 * before ("clean fields" cannot apply: KVM), else the groups
 * hv_clean_fields does not mark clean. Without an announced eVMCS, one
 * that was current stops being current (L1 cleared enlighten_vmentry).
 * Returns false when the instruction is over. */
static bool evmcs_select(struct cpu *c, bool launch)
{
	u64 addr = vmx_evmcs_announced(c);

	if (addr == VMX_NO_VMCS) {
		if (c->vmx.evmcs)
			vmcs_release(c);
		return true;
	}
	bool changed = !c->vmx.evmcs || addr != c->vmx.vmcs_ptr;
	if (changed) {
		bool addr_ok = vmx_addr_ok(c, addr);
		u32 rev = addr_ok ? (u32)phys_read(pmem(c), addr, 4) : 0;
		if (c->vmx.vmcs_ptr != VMX_NO_VMCS)
			vmcs_write_back(c);
		vmcs_release(c);
		if (!addr_ok || (rev != EVMCS_VERSION && !revision_ok(c, rev)) || (rev >> 31)) {
			LOG(vmx, "cpu%u eVMCS %#llx: bad address or version %#x", c->index,
			    (unsigned long long)addr, rev);
			fail_invalid(c);
			return false;
		}
		/* fields the eVMCS does not have read as 0 (KVM clears its
		 * copy for a new eVMCS) */
		memset(&c->vmx.vmcs, 0, sizeof(c->vmx.vmcs));
		c->vmx.vmcs_ptr = addr;
		c->vmx.evmcs = 1;
	}
	vmx_evmcs_load(c, launch || changed);
	return true;
}

/* SDM "VMLAUNCH/VMRESUME—Launch/Resume Virtual Machine": the checks of
 * the instruction itself ("Basic VM-Entry Checks"); the rest of VM entry
 * is vmx/entry.c */
static void vmentry_insn(struct cpu *c, const struct insn *i, bool launch)
{
	need_vmx_operation(c);
	exit_if_nonroot(c, i, launch ? EXIT_REASON_VMLAUNCH : EXIT_REASON_VMRESUME);
	need_cpl0(c);
	if (!evmcs_select(c, launch))
		return;
	/* "ELSIF current-VMCS pointer is not valid THEN VMfailInvalid";
	 * "Basic VM-Entry Checks": "If there is a current VMCS but the current
	 * VMCS is a shadow VMCS (see Section "VMCS Shadowing"), RFLAGS.CF is
	 * set to 1 and control passes to the next instruction" */
	if (c->vmx.vmcs_ptr == VMX_NO_VMCS || c->vmx.shadow) {
		fail_invalid(c);
		return;
	}
	/* "ELSIF events are being blocked by MOV SS THEN VMfailValid(VM entry
	 * with events blocked by MOV SS)" -- the shadow this instruction runs
	 * under (cpu/step.c) */
	if (c->shadow_insn & SHADOW_MOVSS) {
		fail(c, VMXERR_ENTRY_MOV_SS_BLOCKING);
		return;
	}
	/* "ELSIF (VMLAUNCH and launch state of current VMCS is not "clear")
	 * THEN VMfailValid(VMLAUNCH with non-clear VMCS); ELSIF (VMRESUME and
	 * launch state of current VMCS is not "launched") THEN
	 * VMfailValid(VMRESUME with non-launched VMCS)". An enlightened
	 * VMCS has no launch state (KVM: "Enlightened VMCS doesn't have launch
	 * state"): both instructions pass this step with it. */
	if (launch && c->vmx.launched && !c->vmx.evmcs) {
		fail(c, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
		return;
	}
	if (!launch && !c->vmx.launched && !c->vmx.evmcs) {
		fail(c, VMXERR_VMRESUME_NONLAUNCHED_VMCS);
		return;
	}
	vmx_vmentry(c, launch);
	/* a VM entry that failed (VMfailValid, or an exit with bit 31 of the
	 * exit reason set): its outcome goes into the eVMCS; a VM entry that
	 * succeeded leaves it to the VM exit */
	if (c->vmx.evmcs && !c->vmx.nonroot)
		vmx_evmcs_write_back(c, false);
}

void exec_vmlaunch(struct cpu *c, const struct insn *i) { vmentry_insn(c, i, true); }
void exec_vmresume(struct cpu *c, const struct insn *i) { vmentry_insn(c, i, false); }

/* ---------------- VMCALL ---------------- */

/* SDM "VMCALL—Call to VM Monitor". In VMX non-root operation it exits in
 * any mode, compatibility and virtual-8086 mode included: the mode #UD
 * comes after the VM exit here ("Only VMCALL can be executed in
 * compatibility mode (causing a VM exit)"). */
void exec_vmcall(struct cpu *c, const struct insn *i)
{
	/* "IF not in VMX operation THEN #UD; ELSIF in VMX non-root operation
	 * THEN VM exit; ELSIF (RFLAGS.VM = 1) or (IA32_EFER.LMA = 1 and CS.L =
	 * 0) THEN #UD; ELSIF CPL > 0 THEN #GP(0)" */
	if (!c->vmx.on)
		cpu_ud(c);
	exit_if_nonroot(c, i, EXIT_REASON_VMCALL);
	if (bad_mode(c))
		cpu_ud(c);
	need_cpl0(c);
	/* "ELSIF in SMM or the logical processor does not support the
	 * dual-monitor treatment of SMIs and SMM or the valid bit in the
	 * IA32_SMM_MONITOR_CTL MSR is clear THEN VMfail (VMCALL executed in
	 * VMX root operation)": nestbox has no dual-monitor treatment */
	fail(c, VMXERR_VMCALL_IN_ROOT);
}

/* ---------------- INVEPT / INVVPID ---------------- */

/* a capability bit of IA32_VMX_EPT_VPID_CAP */
static bool ept_vpid_cap(const struct cpu *c, enum vmx_feat f)
{
	return vmx_caps_has(caps(c), f);
}

/* The register operand (the type): 64 bits in 64-bit mode, else 32 */
static u64 inv_type(const struct cpu *c, const struct insn *i)
{
	return reg_read(c, i->op[0].reg, c->mode == MODE_LONG64 ? 8 : 4);
}

/* The 128-bit descriptor in memory: its faults are the instruction's */
static void inv_desc(struct cpu *c, const struct insn *i, u64 d[2])
{
	u64 ea = insn_ea(c, i);
	u64 mask = size_mask(i->asize);

	/* both halves are checked before either is used */
	seg_check(c, i->seg, ea, 16, ACC_R);
	d[0] = cpu_read(c, i->seg, ea, 8);
	d[1] = cpu_read(c, i->seg, (ea + 8) & mask, 8);
}

/* SDM "INVEPT—Invalidate Translations Derived from EPT". #UD "If the
 * logical processor does not support EPTs (IA32_VMX_PROCBASED_CTLS2[33]
 * = 0)" or "does not support the INVEPT instruction
 * (IA32_VMX_EPT_VPID_CAP[20] = 0)": the instruction does not exist then,
 * in any operation. */
void exec_invept(struct cpu *c, const struct insn *i)
{
	if (!vmx_caps_has(caps(c), VMXF_PROC2_ENABLE_EPT) || !ept_vpid_cap(c, VMXF_EPT_INVEPT))
		cpu_ud(c);
	need_memory(c, i, 1);
	need_vmx_operation(c);
	exit_if_nonroot(c, i, EXIT_REASON_INVEPT);
	need_cpl0(c);
	/* "IF IA32_VMX_EPT_VPID_CAP MSR indicates that processor does not
	 * support INVEPT_TYPE THEN VMfail(Invalid operand to INVEPT/INVVPID)"
	 * (type 1 single-context: bit 25; type 2 all-context: bit 26) */
	u64 type = inv_type(c, i);
	if (!((type == 1 && ept_vpid_cap(c, VMXF_EPT_INVEPT_SINGLE)) ||
	      (type == 2 && ept_vpid_cap(c, VMXF_EPT_INVEPT_ALL)))) {
		fail(c, VMXERR_INVALID_INVEPT_INVVPID);
		return;
	}
	u64 d[2];
	inv_desc(c, i, d);
	/* "1: IF VM entry with the "enable EPT" VM execution control set to 1
	 * would fail due to the EPTP value THEN VMfail(Invalid operand to
	 * INVEPT/INVVPID)" */
	if (type == 1 && !vmx_eptp_ok(c, d[0])) {
		fail(c, VMXERR_INVALID_INVEPT_INVVPID);
		return;
	}
	/* "Invalidate mappings associated with EPTP[51:12]" / "all EPTPs":
	 * nestbox's TLB does not keep EPTPs apart, so it is all of it */
	tlb_flush_all(c);
	vmx_succeed(c);
}

/* SDM "INVVPID—Invalidate Translations Based on VPID". #UD "If the
 * logical processor does not support VPIDs (IA32_VMX_PROCBASED_CTLS2[37]
 * = 0)" or "does not support the INVVPID instruction
 * (IA32_VMX_EPT_VPID_CAP[32] = 0)". */
void exec_invvpid(struct cpu *c, const struct insn *i)
{
	static const enum vmx_feat type_cap[4] = {
		VMXF_VPID_INVVPID_ADDR, VMXF_VPID_INVVPID_SINGLE, VMXF_VPID_INVVPID_ALL,
		VMXF_VPID_INVVPID_SINGLE_NG,
	};

	if (!vmx_caps_has(caps(c), VMXF_PROC2_ENABLE_VPID) || !ept_vpid_cap(c, VMXF_VPID_INVVPID))
		cpu_ud(c);
	need_memory(c, i, 1);
	need_vmx_operation(c);
	exit_if_nonroot(c, i, EXIT_REASON_INVVPID);
	need_cpl0(c);
	/* "IF IA32_VMX_EPT_VPID_CAP MSR indicates that processor does not
	 * support INVVPID_TYPE THEN VMfail(Invalid operand to INVEPT/INVVPID)"
	 * (types 0-3: bits 40-43) */
	u64 type = inv_type(c, i);
	if (type > 3 || !ept_vpid_cap(c, type_cap[type])) {
		fail(c, VMXERR_INVALID_INVEPT_INVVPID);
		return;
	}
	u64 d[2];
	inv_desc(c, i, d);
	/* "IF INVVPID_DESC[63:16] ≠ 0 THEN VMfail(Invalid operand to
	 * INVEPT/INVVPID)"; types 0, 1 and 3: "IF VPID = 0 THEN VMfail";
	 * type 0: "IF (GL_ADDR is not in a canonical form) THEN VMfail" */
	u16 vpid = (u16)d[0];
	if ((d[0] >> 16) || (type != 2 && vpid == 0) ||
	    (type == 0 && !msr_canonical(c, d[1]))) {
		fail(c, VMXERR_INVALID_INVEPT_INVVPID);
		return;
	}
	/* invalidating more than the SDM names is allowed: the page of the
	 * address in every context for individual-address, else everything */
	if (type == 0)
		tlb_flush_page(c, d[1]);
	else
		tlb_flush_all(c);
	vmx_succeed(c);
}

/* ---------------- VMFUNC ---------------- */

/* SDM "VMFUNC—Invoke VM function": "#UD If executed outside VMX non-root
 * operation. If "enable VM functions" VM-execution control is 0." Else
 * "IF EAX > 63 THEN VM exit; ELSIF VM-function controls [EAX] = 0 THEN VM
 * exit" -- nestbox offers no VM function (IA32_VMX_VMFUNC is absent), so
 * VM entry lets no bit of the VM-function controls be 1 and every VMFUNC
 * that gets this far exits (reason 59, "VMFUNC"). */
void exec_vmfunc(struct cpu *c, const struct insn *i)
{
	if (!c->vmx.nonroot || !(vmx_proc2(c) & PROC2_ENABLE_VMFUNC))
		cpu_ud(c);
	/* "IF EAX > 63 OR VM-function control EAX = 0 THEN VM exit"; the one
	 * function offered is EPTP switching (0, vmx/ept.c) */
	u32 fn = (u32)c->gpr[RAX];
	if (fn == 0 && (vmcs_get(c, VMCS_VM_FUNCTION_CONTROLS) & 1) && vmx_vmfunc_eptp_switch(c)) {
		cpu_kick(c); /* what follows is fetched through the new EPT */
		return;
	}
	vmx_exit_insn(c, i, EXIT_REASON_VMFUNC, 0);
}
