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
#include "cpu/event.h"
#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "cpu/step.h"
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
	/* "TPR-shadow updates ... [have] priority over any debug exceptions
	 * that may have been triggered by the operation": the single-step
	 * trap of this instruction (none of those exiting here changes TF)
	 * stays pending, saved in the guest's pending debug exceptions */
	if (c->rflags & RFLAGS_TF) {
		c->pending_db = 1;
		c->pending_dr6 |= DR6_BS;
	}
	vmx_exit(c, reason, &info);
}

/* --- virtual-interrupt delivery (SDM "Virtual-Interrupt Delivery"): RVI
 * and SVI are the guest interrupt status (bits 7:0 and 15:8), VIRR, VISR
 * and VPPR are in the virtual-APIC page --- */

static u8 rvi(const struct cpu *c) { return (u8)vmcs_get(c, VMCS_GUEST_INTR_STATUS); }
static u8 svi(const struct cpu *c) { return (u8)(vmcs_get(c, VMCS_GUEST_INTR_STATUS) >> 8); }
static void set_status(struct cpu *c, u8 r, u8 s)
{
	vmcs_set(c, VMCS_GUEST_INTR_STATUS, r | (u16)(s << 8));
}

/* bit vec of the 256-bit register at base (VIRR, VISR): eight 32-bit
 * words 16 bytes apart ("Virtual-APIC Page") */
static void vreg_set(struct cpu *c, unsigned base, u8 vec, bool on)
{
	unsigned off = base + (vec / 32u) * 16;
	u32 w = vmx_vapic_read(c, off), bit = 1u << (vec % 32);
	vmx_vapic_write(c, off, on ? w | bit : w & ~bit);
}

/* the highest vector set in the register at base, 0 if none */
static u8 vreg_highest(const struct cpu *c, unsigned base)
{
	for (int k = 7; k >= 0; k--) {
		u32 w = vmx_vapic_read(c, base + (unsigned)k * 16);
		if (w)
			return (u8)(k * 32 + 31 - __builtin_clz(w));
	}
	return 0;
}

/* SDM "PPR Virtualization": "IF VTPR[7:4] >= SVI[7:4] THEN VPPR <- VTPR &
 * FFH; ELSE VPPR <- SVI & F0H" (bits 31:8 cleared) */
static void ppr_virtualization(struct cpu *c)
{
	u32 vtpr = vmx_vapic_read(c, VAPIC_TPR) & 0xff;
	vmx_vapic_write(c, VAPIC_PPR, (vtpr >> 4) >= (svi(c) >> 4u) ? vtpr : svi(c) & 0xf0u);
}

/* SDM "Evaluation of Pending Virtual Interrupts": "IF 'interrupt-window
 * exiting' is 0 AND RVI[7:4] > VPPR[7:4] THEN recognize a pending virtual
 * interrupt". nestbox evaluates it when asked, from RVI and VPPR, which
 * change only at the SDM's evaluation points (VM entry, TPR, EOI and
 * self-IPI virtualization, posted-interrupt processing, delivery): the
 * recognition is no extra state. Each of those points kicks the step
 * loop so that the boundary looks. */
static bool virq_recognized(const struct cpu *c)
{
	return !(vmx_proc(c) & PROC_INTR_WINDOW_EXITING) &&
	       (rvi(c) >> 4) > ((vmx_vapic_read(c, VAPIC_PPR) >> 4) & 0xf);
}

static void evaluate_pending(struct cpu *c) { cpu_kick(c); }

/* SDM "Delivery of Pending Virtual Interrupts": at an instruction boundary
 * with RFLAGS.IF = 1, no blocking by STI or MOV SS, and "interrupt-window
 * exiting" 0; it wakes HLT */
bool vmx_virq_ready(const struct cpu *c)
{
	return (vmx_proc2(c) & PROC2_VIRT_INTR_DELIVERY) && (c->rflags & RFLAGS_IF) &&
	       !(c->shadow & (SHADOW_STI | SHADOW_MOVSS)) &&
	       (c->activity == ACT_ACTIVE || c->activity == ACT_HLT) && virq_recognized(c);
}

/* "Vector <- RVI; VISR[Vector] <- 1; SVI <- Vector; VPPR <- Vector & F0H;
 * VIRR[Vector] <- 0; IF any bits set in VIRR THEN RVI <- highest index of
 * bit set in VIRR ELSE RVI <- 0; deliver interrupt with Vector through
 * IDT" */
void vmx_virq_deliver(struct cpu *c)
{
	u8 vec = rvi(c);
	vreg_set(c, VAPIC_ISR, vec, true);
	vreg_set(c, VAPIC_IRR, vec, false);
	set_status(c, vreg_highest(c, VAPIC_IRR), vec);
	vmx_vapic_write(c, VAPIC_PPR, vec & 0xf0u);
	c->activity = ACT_ACTIVE;
	cpu_deliver(c, vec, EV_EXT_INTR, false, 0);
}

/* SDM "EOI Virtualization": "Vector <- SVI; VISR[Vector] <- 0; IF any bits
 * set in VISR THEN SVI <- highest index of bit set in VISR ELSE SVI <- 0;
 * perform PPR virtualization; IF EOI_exit_bitmap[Vector] = 1 THEN cause
 * EOI-induced VM exit with Vector as exit qualification; ELSE evaluate
 * pending virtual interrupts" (the exit is trap-like, reason 45) */
static void eoi_virtualization(struct cpu *c)
{
	static const enum vmcs_field eoi_exit[4] = {
		VMCS_EOI_EXIT_BITMAP0, VMCS_EOI_EXIT_BITMAP1, VMCS_EOI_EXIT_BITMAP2,
		VMCS_EOI_EXIT_BITMAP3,
	};
	u8 vec = svi(c);
	vreg_set(c, VAPIC_ISR, vec, false);
	set_status(c, rvi(c), vreg_highest(c, VAPIC_ISR));
	ppr_virtualization(c);
	if ((vmcs_get(c, eoi_exit[vec / 64]) >> (vec % 64)) & 1)
		trap_exit(c, EXIT_REASON_VIRTUALIZED_EOI, vec);
	evaluate_pending(c);
}

/* SDM "Self-IPI Virtualization": "VIRR[Vector] <- 1; RVI <- max{RVI,
 * Vector}; evaluate pending virtual interrupts" */
static void self_ipi_virtualization(struct cpu *c, u8 vec)
{
	vreg_set(c, VAPIC_IRR, vec, true);
	if (vec > rvi(c))
		set_status(c, vec, svi(c));
	evaluate_pending(c);
}

/* SDM "TPR Virtualization": after a write of VTPR, with "virtual-interrupt
 * delivery" PPR virtualization and an evaluation of pending virtual
 * interrupts; without it, a VM exit (reason 43, trap-like) if bits 7:4 of
 * VTPR are below bits 3:0 of the TPR threshold */
static void tpr_virtualization(struct cpu *c)
{
	u32 vtpr = vmx_vapic_read(c, VAPIC_TPR);
	if (vmx_proc2(c) & PROC2_VIRT_INTR_DELIVERY) {
		ppr_virtualization(c);
		evaluate_pending(c);
	} else if (((vtpr >> 4) & 0xf) < (vmcs_get(c, VMCS_TPR_THRESHOLD) & 0xf)) {
		trap_exit(c, EXIT_REASON_TPR_BELOW_THRESHOLD, 0);
	}
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
	if (proc2 & PROC2_VIRT_APIC_ACCESSES) {
		u64 a = vmcs_get(c, VMCS_APIC_ACCESS_ADDR);
		if ((a & 0xfff) || (a & maxphy_mask))
			return EC_APIC_ACCESS_ADDR;
	}
	if (!(proc & PROC_USE_TPR_SHADOW) &&
	    (proc2 & (PROC2_VIRT_X2APIC_MODE | PROC2_APIC_REGISTER_VIRT | PROC2_VIRT_INTR_DELIVERY)))
		return EC_APICV_NEEDS_TPR_SHADOW;
	if ((proc2 & PROC2_VIRT_X2APIC_MODE) && (proc2 & PROC2_VIRT_APIC_ACCESSES))
		return EC_X2APIC_NOT_APIC_ACCESSES;
	if ((proc2 & PROC2_VIRT_INTR_DELIVERY) && !(vmx_pin(c) & PIN_EXT_INTR_EXITING))
		return EC_VID_NEEDS_EXT_INTR_EXITING;
	if (vmx_pin(c) & PIN_POSTED_INTERRUPTS) {
		u64 d = vmcs_get(c, VMCS_POSTED_INTR_DESC_ADDR);
		if (!(proc2 & PROC2_VIRT_INTR_DELIVERY))
			return EC_POSTED_INTR_VID;
		if (!(vmx_exit_ctls(c) & EXIT_ACK_INTR_ON_EXIT))
			return EC_POSTED_INTR_ACK;
		if (vmcs_get(c, VMCS_POSTED_INTR_NV) >> 8)
			return EC_POSTED_INTR_VECTOR;
		if ((d & 0x3f) || (d & maxphy_mask))
			return EC_POSTED_INTR_DESC;
	}
	return EC_NONE;
}

/* --- memory-mapped APIC accesses (SDM "Virtualizing Memory-Mapped APIC
 * Accesses") --- */

/* With "virtualize APIC accesses", the page of the APIC-access address:
 * "an access to the APIC-access page" is one whose physical address (the
 * translation of the linear address, through EPT when it is in force)
 * lies on it. The caller knows it is in non-root operation. */
bool vmx_apic_access_page(const struct cpu *c, u64 pa)
{
	return (vmx_proc2(c) & PROC2_VIRT_APIC_ACCESSES) &&
	       ((pa ^ vmcs_get(c, VMCS_APIC_ACCESS_ADDR)) & ~0xfffull) == 0;
}

/* After a snapshot load: is a TLB entry (tag, gpa) one of L2's for the
 * APIC-access page, which must get no RAM pointer? L2's entries are those
 * of non-root operation, or in root operation those tagged with a VPID.
 * The answer does not depend on the pointers the entries had, so a
 * restored run makes the same TLB as the original one. */
bool vmx_tlb_apic_page(const struct cpu *c, u64 tag, u64 gpa)
{
	if (!c->vmx.on || c->vmx.vmcs_ptr == VMX_NO_VMCS ||
	    (!c->vmx.nonroot && !(tag & ~TLB_TAG_PAGE_MASK)))
		return false;
	return vmx_apic_access_page(c, gpa);
}

/* "Exit Qualification for APIC-Access VM Exits from Linear Accesses and
 * Guest-Physical Accesses": the offset (11:0) and the access type (15:12):
 * 0 data read, 1 data write during instruction execution, 2 instruction
 * fetch, 3 a linear access during event delivery. Fault-like: RIP stays
 * at the instruction; the IDT-vectoring information reports an event
 * being delivered (vmx/exit.c). */
enum { APIC_ACC_READ = 0, APIC_ACC_WRITE = 1, APIC_ACC_FETCH = 2, APIC_ACC_EVENT = 3 };

static noreturn_fn void apic_access_exit(struct cpu *c, unsigned off, unsigned type)
{
	struct vmx_exit_info info = { .qual = (off & 0xfff) | ((u64)type << 12) };
	/* SDM "Information for VM Exits Due to Instruction Execution": the
	 * VM-exit instruction length is undefined for an APIC-access exit
	 * from a data access during instruction execution ("All VM exits
	 * other than those listed ... leave this field undefined"); nestbox
	 * reports the accessing instruction's length there, as processors
	 * do (kvm-unit-tests apic_reg_virt_test skips the access by it).
	 * During event delivery, exit.c's record() gives the software
	 * event's length, which that section does define. */
	if (type == APIC_ACC_READ || type == APIC_ACC_WRITE)
		info.insn_len = (u32)(c->next_rip - c->rip);
	vmx_exit(c, EXIT_REASON_APIC_ACCESS, &info);
}

noreturn_fn void vmx_apic_access_fetch(struct cpu *c, u64 lin)
{
	apic_access_exit(c, (unsigned)(lin & 0xfff), APIC_ACC_FETCH);
}

/* the registers "APIC-register virtualization" lets a read see in the
 * virtual-APIC page ("Virtualizing Reads from the APIC-Access Page"), as
 * 16-byte slots 0-3FH: bit n = offset n * 10H */
static bool reg_listed(const u64 *bits, unsigned off)
{
	unsigned slot = off >> 4;
	return slot < 64 && ((*bits >> slot) & 1);
}

#define SLOT(off) (1ull << ((off) >> 4))
#define SLOTS(lo, hi) ((SLOT(hi) << 1) - SLOT(lo))
static const u64 read_regs = SLOT(0x020) | SLOT(0x030) | SLOT(0x080) | SLOT(0x0b0) |
			     SLOT(0x0d0) | SLOT(0x0e0) | SLOT(0x0f0) | SLOTS(0x100, 0x270) |
			     SLOT(0x280) | SLOT(0x300) | SLOT(0x310) | SLOTS(0x320, 0x370) |
			     SLOT(0x380) | SLOT(0x3e0);
/* "Determining Whether a Write Access is Virtualized", with
 * "APIC-register virtualization" */
static const u64 write_regs = SLOT(0x020) | SLOT(0x080) | SLOT(0x0b0) | SLOT(0x0d0) |
			      SLOT(0x0e0) | SLOT(0x0f0) | SLOT(0x280) | SLOT(0x300) |
			      SLOT(0x310) | SLOTS(0x320, 0x370) | SLOT(0x380) | SLOT(0x3e0);

/* The conditions common to reads and writes: "use TPR shadow" is 1, the
 * access is at most 32 bits and "entirely contained within the low 4
 * bytes of a naturally aligned 16-byte region", and it is part of an
 * instruction's execution (a linear access during event delivery always
 * exits) */
static bool access_virtualizable(const struct cpu *c, unsigned off, unsigned size)
{
	return (vmx_proc(c) & PROC_USE_TPR_SHADOW) && !c->in_event && size <= 4 &&
	       (off & 0xf) + size <= 4;
}

/* a data read of size bytes at offset off of the APIC-access page
 * (acc: ACC_W for the read of a read-modify-write, reported as a write) */
u64 vmx_apic_access_read(struct cpu *c, unsigned off, unsigned size, unsigned acc)
{
	u32 p2 = vmx_proc2(c);
	bool virt = access_virtualizable(c, off, size) &&
		    ((p2 & PROC2_APIC_REGISTER_VIRT) ? reg_listed(&read_regs, off)
						      : (off & ~3u) == VAPIC_TPR);
	if (!virt)
		apic_access_exit(c, off, c->in_event ? APIC_ACC_EVENT
				 : (acc & ACC_W) ? APIC_ACC_WRITE : APIC_ACC_READ);
	/* "A read access from the APIC-access page that is virtualized
	 * returns data from the corresponding page offset on the
	 * virtual-APIC page" */
	return phys_read(&c->machine->mem, vapic_base(c) + off, size);
}

/* SDM "APIC-Write Emulation", after the write: TPR -> TPR virtualization;
 * with "virtual-interrupt delivery", EOI -> EOI virtualization and ICR
 * low -> self-IPI virtualization when VICR_LO asks for a fixed,
 * edge-triggered self IPI of vector 16 or above ("reserved bits (31:20,
 * 17:16, 13) and bit 12 (delivery status) are all 0; bits 19:18
 * (destination shorthand) are 01B (self); bit 15 (trigger mode) is 0
 * (edge); bits 10:8 (delivery mode) are 000B (fixed); and bits 7:4 (the
 * upper half of the vector) are not 0000B"); ICR high (310H-313H): "the
 * processor clears bytes 2:0 of VICR_HI. No other virtualization or VM
 * exit occurs"; anything else -> an APIC-write VM exit (reason 56, trap-like, the qualification is the
 * page offset: "APIC-Write VM Exits") */
static void apic_write_emulation(struct cpu *c, unsigned off)
{
	bool vid = (vmx_proc2(c) & PROC2_VIRT_INTR_DELIVERY) != 0;
	unsigned reg = off & ~3u;

	if (reg == VAPIC_TPR) {
		/* "the processor clears bytes 81H-83H of the virtual-APIC page" */
		vmx_vapic_write(c, VAPIC_TPR, vmx_vapic_read(c, VAPIC_TPR) & 0xff);
		tpr_virtualization(c);
		return;
	}
	if (reg == VAPIC_ICR_HI) {
		vmx_vapic_write(c, VAPIC_ICR_HI, vmx_vapic_read(c, VAPIC_ICR_HI) & 0xff000000u);
		return;
	}
	if (vid && reg == VAPIC_EOI) {
		eoi_virtualization(c);
		return;
	}
	if (vid && reg == VAPIC_ICR_LO) {
		u32 icr = vmx_vapic_read(c, VAPIC_ICR_LO);
		if ((icr & 0xffffb700u) == 0x00040000u && (icr & 0xf0)) {
			self_ipi_virtualization(c, (u8)icr);
			return;
		}
	}
	trap_exit(c, EXIT_REASON_APIC_WRITE, off);
}

void vmx_apic_access_write(struct cpu *c, unsigned off, unsigned size, u64 val)
{
	u32 p2 = vmx_proc2(c);
	unsigned reg = off & ~3u;
	bool virt = access_virtualizable(c, off, size) &&
		    ((p2 & PROC2_APIC_REGISTER_VIRT) ? reg_listed(&write_regs, off)
		     : (p2 & PROC2_VIRT_INTR_DELIVERY)
			     ? reg == VAPIC_TPR || reg == VAPIC_EOI || reg == VAPIC_ICR_LO
			     : reg == VAPIC_TPR);
	if (!virt)
		apic_access_exit(c, off, c->in_event ? APIC_ACC_EVENT : APIC_ACC_WRITE);
	/* "The processor virtualizes a write access to the APIC-access page
	 * by writing data to the corresponding page offset on the
	 * virtual-APIC page" */
	phys_write(&c->machine->mem, vapic_base(c) + off, size, val);
	apic_write_emulation(c, off);
}

/* SDM "VM Exits Induced by the TPR Threshold": with "use TPR shadow" and
 * "virtualize APIC accesses" 1 and "virtual-interrupt delivery" 0, a VM
 * exit right after VM entry (after any event injection) if bits 3:0 of
 * the TPR threshold are above VTPR[7:4]. Also at entry: a TLB entry for
 * the APIC-access page made before the control was set (kept by a VPID)
 * must not let the guest reach the page's RAM. */
void vmx_apicv_after_entry(struct cpu *c)
{
	u32 proc = vmx_proc(c), p2 = vmx_proc2(c);

	/* SDM "Updating Non-Register State" in "Loading Guest State": with
	 * "virtual-interrupt delivery", VM entry performs PPR virtualization
	 * and evaluates pending virtual interrupts (RVI and SVI are the
	 * guest interrupt status, already in place) */
	if (p2 & PROC2_VIRT_INTR_DELIVERY) {
		ppr_virtualization(c);
		evaluate_pending(c);
	}
	if (!(p2 & PROC2_VIRT_APIC_ACCESSES))
		return;
	/* L2's entries (kept by a VPID) for the APIC-access page become what
	 * mmu_translate makes of it now: no RAM pointer, not executable */
	for (unsigned k = 0; k < TLB_SIZE; k++) {
		struct tlb_entry *e = &c->tlb[k];
		if (!e->tag || (e->tag & ~TLB_TAG_PAGE_MASK) != c->tlb_ctx ||
		    !vmx_apic_access_page(c, e->gpa))
			continue;
		e->host = NULL;
		if (e->perm & (TLBP_X_SUP | TLBP_X_USER)) {
			e->perm &= (u8)~(TLBP_X_SUP | TLBP_X_USER);
			cpu_code_changed(c);
		}
	}
	if ((proc & PROC_USE_TPR_SHADOW) && !(p2 & PROC2_VIRT_INTR_DELIVERY) &&
	    c->activity != ACT_SHUTDOWN && c->activity != ACT_WAIT_SIPI &&
	    (vmcs_get(c, VMCS_TPR_THRESHOLD) & 0xf) > ((vmx_vapic_read(c, VAPIC_TPR) >> 4) & 0xf)) {
		/* "These VM exits wake the logical processor if it just
		 * entered the HLT state" */
		c->activity = ACT_ACTIVE;
		c->shadow_insn = 0;
		vmx_exit(c, EXIT_REASON_TPR_BELOW_THRESHOLD, NULL);
	}
}

/* --- x2APIC MSRs (SDM "Virtualizing MSR-Based APIC Accesses"), after the
 * MSR bitmaps let the instruction through; false: the instruction
 * "operates normally" --- */

/* "RDMSR: ... If 'APIC-register virtualization' is 0 and ECX contains
 * 808H, the instruction reads the 8 bytes from offset 080H on the
 * virtual-APIC page into EDX:EAX; if it is 1 and ECX is in the range
 * 800H-8FFH, the 8 bytes from offset X, X = (ECX & FFH) << 4. This occurs
 * even if the local APIC is not in x2APIC mode." */
bool vmx_x2apic_read(struct cpu *c, u32 idx, u64 *val)
{
	u32 p2 = vmx_proc2(c);

	if (!(p2 & PROC2_VIRT_X2APIC_MODE) || (idx >> 8) != 8 ||
	    (!(p2 & PROC2_APIC_REGISTER_VIRT) && idx != 0x808))
		return false;
	*val = phys_read(&c->machine->mem, vapic_base(c) + ((idx & 0xff) << 4), 8);
	return true;
}

/* "WRMSR: ... If ECX contains 808H (TPR MSR): #GP(0) if bits 63:8 of
 * EDX:EAX are not 0; otherwise the instruction writes EDX:EAX to offset
 * 080H on the virtual-APIC page, then performs TPR virtualization (even if
 * the local APIC is not in x2APIC mode)." */
/* With "virtual-interrupt delivery" also: "If ECX contains 80BH (EOI
 * MSR): #GP(0) if the value of EDX:EAX is not 0; otherwise EOI
 * virtualization"; "If ECX contains 83FH (self-IPI MSR): #GP(0) if bits
 * 63:8 are not 0; otherwise the instruction writes EDX:EAX to offset
 * 3F0H on the virtual-APIC page and performs self-IPI virtualization with
 * the vector in EAX[7:0]" when EAX[7:4] is not 0000B, else causes an
 * APIC-write VM exit (qualification 3F0H). */
bool vmx_x2apic_write(struct cpu *c, u32 idx, u64 val)
{
	u32 p2 = vmx_proc2(c);
	bool vid = (p2 & PROC2_VIRT_INTR_DELIVERY) != 0;

	if (!(p2 & PROC2_VIRT_X2APIC_MODE) ||
	    (idx != 0x808 && !(vid && (idx == 0x80b || idx == 0x83f))))
		return false;
	if (idx == 0x80b ? val != 0 : (val >> 8) != 0)
		cpu_gp0(c);
	switch (idx) {
	case 0x808:
		phys_write(&c->machine->mem, vapic_base(c) + VAPIC_TPR, 8, val);
		tpr_virtualization(c);
		break;
	case 0x80b:
		eoi_virtualization(c);
		break;
	default:
		phys_write(&c->machine->mem, vapic_base(c) + VAPIC_SELF_IPI, 8, val);
		/* a vector below 16 (EAX[7:4] = 0000B) is not virtualized: an
		 * APIC-write VM exit as if there had been a write access to page
		 * offset 3F0H, as for the ICR-low path of "APIC-Write Emulation"
		 * ("bits 7:4 (the upper half of the vector) are not 0000B") */
		if (!(val & 0xf0))
			trap_exit(c, EXIT_REASON_APIC_WRITE, VAPIC_SELF_IPI);
		self_ipi_virtualization(c, (u8)val);
		break;
	}
	return true;
}

/* --- posted interrupts (SDM "Posted-Interrupt Processing"): the
 * descriptor (64 bytes at the posted-interrupt descriptor address, in
 * guest memory) holds the posted-interrupt requests (PIR, bits 255:0)
 * and the outstanding-notification bit (256) --- */

/* "The processor writes zero to the EOI register in the local APIC" (the
 * APIC's own interface: its MSR in x2APIC mode, its page otherwise) */
static void local_apic_eoi(struct cpu *c)
{
	u64 base = cpu_apic_base(c);
	if (base & BIT(10))
		c->apic_ops->msr_write(c, 0x80b, 0);
	else
		phys_write(&c->machine->mem, (base & ~0xfffull) + VAPIC_EOI, 4, 0);
}

/* An external interrupt of vector v acknowledged in non-root operation
 * (external-interrupt exiting and "acknowledge interrupt on exit": the
 * entry checks require them): with "process posted interrupts" and v the
 * notification vector, instead of a VM exit: "clears the
 * outstanding-notification bit ... writes zero to the EOI register in the
 * local APIC ... performs a logical-OR of PIR into VIRR and clears PIR
 * ... sets RVI to be the maximum of the old value of RVI and the highest
 * index of all bits that were set in PIR ... evaluates pending virtual
 * interrupts". Returns false when the interrupt exits as usual. A
 * notification still pending when a VM exit happens stays in the local
 * APIC: L1 then takes it as an ordinary interrupt. */
bool vmx_posted_intr_notification(struct cpu *c, u8 v)
{
	struct physmem *pm = &c->machine->mem;
	u64 d = vmcs_get(c, VMCS_POSTED_INTR_DESC_ADDR);
	int high = -1;

	if (!(vmx_pin(c) & PIN_POSTED_INTERRUPTS) || v != (u8)vmcs_get(c, VMCS_POSTED_INTR_NV))
		return false;
	phys_write(pm, d + 32, 8, phys_read(pm, d + 32, 8) & ~1ull);
	local_apic_eoi(c);
	for (unsigned k = 0; k < 8; k++) {
		u32 pir = (u32)phys_read(pm, d + 4 * k, 4);
		if (!pir)
			continue;
		phys_write(pm, d + 4 * k, 4, 0);
		vmx_vapic_write(c, VAPIC_IRR + 16 * k, vmx_vapic_read(c, VAPIC_IRR + 16 * k) | pir);
		high = (int)(k * 32 + 31 - (unsigned)__builtin_clz(pir));
	}
	if (high > rvi(c))
		set_status(c, (u8)high, svi(c));
	evaluate_pending(c);
	return true;
}
