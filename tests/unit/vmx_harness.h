/* tests/unit/vmx_harness.h: the machine the VMX unit tests drive
 * (vmx_entry_test.c, vmx_exit_test.c, vmx_apicv_test.c): a vCPU already
 * in VMX root operation with a valid current VMCS (valid_vmcs: a 64-bit
 * L2 sharing L1's flat 64-bit state), vmx_vmentry() with its outcome,
 * and the setups several of them share. Header-only: each *_test.c is
 * its own program. */
#ifndef NESTBOX_TESTS_VMX_HARNESS_H
#define NESTBOX_TESTS_VMX_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"
#include "cpu/system/msr.h"
#include "cpu/system/pmu.h"
#include <Zydis/Zydis.h>

#include "cpu/decode/decode.h"
#include "cpu/event.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mem.h"
#include "cpu/system/exec_sys.h"
#include "vmx/vmx_internal.h"

#define L2_CODE  0x180000ull
#define L2_STACK 0x1f0000ull
#define HOST_RIP 0x190000ull
#define SCRATCH  0x600000ull

static struct harness h_;
static struct harness *const h = &h_;

static inline u64 allowed0(enum vmx_ctl_word w) { return vmx_caps_allowed0(&h->m.model.vmx, w, true); }
static inline u64 allowed1(enum vmx_ctl_word w) { return vmx_caps_allowed1(&h->m.model.vmx, w); }

/* a fresh machine, in VMX root operation, with a valid current VMCS */
static inline void valid_vmcs(void)
{
	struct cpu *c;

	h_init(h, "max");
	c = h->c;
	vmx_caps_init(&h->m.model.vmx, sys_cr4_valid(c), true);
	c->cr4 |= CR4_VMXE;
	c->vmx.on = 1;
	c->vmx.vmxon_ptr = 0x500000;
	c->vmx.vmcs_ptr = 0x501000;
	vmcs_set(c, VMCS_PIN_BASED_VM_EXEC_CONTROL, allowed0(VMX_W_PIN));
	vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, allowed0(VMX_W_PROC));
	vmcs_set(c, VMCS_VM_EXIT_CONTROLS, allowed0(VMX_W_EXIT) | EXIT_HOST_ADDR_SPACE_SIZE);
	vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, allowed0(VMX_W_ENTRY) | ENTRY_IA32E_MODE_GUEST);
	vmcs_set(c, VMCS_VMCS_LINK_POINTER, ~0ull);
	/* host: L1 as it is */
	vmcs_set(c, VMCS_HOST_CR0, c->cr0);
	vmcs_set(c, VMCS_HOST_CR3, c->cr3);
	vmcs_set(c, VMCS_HOST_CR4, c->cr4);
	vmcs_set(c, VMCS_HOST_CS_SELECTOR, 0x08);
	vmcs_set(c, VMCS_HOST_SS_SELECTOR, 0x10);
	vmcs_set(c, VMCS_HOST_DS_SELECTOR, 0x10);
	vmcs_set(c, VMCS_HOST_ES_SELECTOR, 0x10);
	vmcs_set(c, VMCS_HOST_FS_SELECTOR, 0x10);
	vmcs_set(c, VMCS_HOST_GS_SELECTOR, 0x10);
	vmcs_set(c, VMCS_HOST_TR_SELECTOR, 0x28);
	vmcs_set(c, VMCS_HOST_GDTR_BASE, H_GDT);
	vmcs_set(c, VMCS_HOST_IDTR_BASE, H_IDT);
	vmcs_set(c, VMCS_HOST_RSP, H_STACK);
	vmcs_set(c, VMCS_HOST_RIP, HOST_RIP);
	/* guest: a flat 64-bit L2 */
	vmcs_set(c, VMCS_GUEST_CR0, c->cr0);
	vmcs_set(c, VMCS_GUEST_CR3, c->cr3);
	vmcs_set(c, VMCS_GUEST_CR4, c->cr4);
	vmcs_set(c, VMCS_GUEST_DR7, 0x400);
	vmcs_set(c, VMCS_GUEST_RSP, L2_STACK);
	vmcs_set(c, VMCS_GUEST_RIP, L2_CODE);
	vmcs_set(c, VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
	for (int s = 0; s < 8; s++) {
		vmcs_set(c, vmx_guest_seg_sel[s], c->seg[s].sel);
		vmcs_set(c, vmx_guest_seg_base[s], c->seg[s].base);
		vmcs_set(c, vmx_guest_seg_limit[s], c->seg[s].limit);
		vmcs_set(c, vmx_guest_seg_ar[s], c->seg[s].ar);
	}
	vmcs_set(c, VMCS_GUEST_TR_SELECTOR, 0x28);
	vmcs_set(c, VMCS_GUEST_GDTR_BASE, H_GDT);
	vmcs_set(c, VMCS_GUEST_GDTR_LIMIT, 0x2f);
	vmcs_set(c, VMCS_GUEST_IDTR_BASE, H_IDT);
	vmcs_set(c, VMCS_GUEST_IDTR_LIMIT, 0xfff);
}

enum outcome { ENTERED, FAIL_CTRL, FAIL_HOST, EXIT33, EXIT33_LINK, EXIT33_PDPTE, EXIT33_NMI, EXIT34, OTHER };

static inline enum outcome enter(void)
{
	struct cpu *c = h->c;

	cpu_set_rflags(c, RFLAGS_FIXED);
	vmcs_set(c, VMCS_EXIT_REASON, 0);
	vmx_vmentry(c, true);
	if (c->vmx.nonroot)
		return ENTERED;
	if (cpu_rflags(c) & RFLAGS_ZF) {
		u64 err = vmcs_get(c, VMCS_VM_INSTRUCTION_ERROR);
		return err == 7 ? FAIL_CTRL : err == 8 ? FAIL_HOST : OTHER;
	}
	u64 reason = vmcs_get(c, VMCS_EXIT_REASON), qual = vmcs_get(c, VMCS_EXIT_QUALIFICATION);
	if (reason == (33 | BIT(31)))
		return qual == 4 ? EXIT33_LINK : qual == 3 ? EXIT33_NMI : qual == 2 ? EXIT33_PDPTE : qual == 0 ? EXIT33 : OTHER;
	if (reason == (34 | BIT(31)))
		return qual == 1 ? EXIT34 : OTHER;
	return OTHER;
}

static inline void set(enum vmcs_field f, u64 v) { vmcs_set(h->c, f, v); }
static inline void or(enum vmcs_field f, u64 v) { vmcs_set(h->c, f, vmcs_get(h->c, f) | v); }
static inline void andn(enum vmcs_field f, u64 v) { vmcs_set(h->c, f, vmcs_get(h->c, f) & ~v); }
static inline u64 lowest(u64 m) { return m & -m; }


/* "use TPR shadow" with the virtual-APIC page at VAPIC */
#define VAPIC (SCRATCH + 0x1000)
static inline void tpr_shadow_on(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_TPR_SHADOW);
	set(VMCS_VIRTUAL_APIC_ADDR, VAPIC);
}

/* "virtualize APIC accesses" with the APIC-access page at APIC_PAGE */
#define APIC_PAGE 0x620000ull
static inline void apic_accesses_on(void)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VIRT_APIC_ACCESSES);
	set(VMCS_APIC_ACCESS_ADDR, APIC_PAGE);
}

/* posted interrupts on top of virtual-interrupt delivery */
#define PI_DESC (SCRATCH + 0x3000)
#define PI_NV   0xf2
static inline void pi_on(void)
{
	tpr_shadow_on();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING | PIN_POSTED_INTERRUPTS);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VIRT_INTR_DELIVERY);
	or(VMCS_VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT);
	set(VMCS_POSTED_INTR_NV, PI_NV);
	set(VMCS_POSTED_INTR_DESC_ADDR, PI_DESC);
}

#define PAE_PDPT 0x588000ull

/* VMCS shadowing on, its bitmaps at 0x503000/0x504000, the link pointer
 * at 0x502000 with the shadow-VMCS indicator `indicator` */
static inline void shadowing(bool indicator)
{
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VMCS_SHADOWING);
	set(VMCS_VMREAD_BITMAP, 0x503000);
	set(VMCS_VMWRITE_BITMAP, 0x504000);
	phys_write(&h->m.mem, 0x502000, 4, h->m.model.vmx.revision_id | (indicator ? BIT(31) : 0));
	set(VMCS_VMCS_LINK_POINTER, 0x502000);
}

/* --- exits: L2 runs code until it exits; the exit's fields are checked --- */
static inline void l2_code(const void *code, size_t len)
{
	h_poke(h, L2_CODE, code, len);
}

static inline void run_to_exit(void)
{
	assert_int_equal(enter(), ENTERED);
	for (int k = 0; k < 100 && h->c->vmx.nonroot; k++)
		cpu_step(h->c);
	assert_false(h->c->vmx.nonroot);
	assert_int_equal(h->c->rip, HOST_RIP);
	assert_int_equal(h->c->gpr[RSP], H_STACK);
}

static inline u64 get(enum vmcs_field f) { return vmcs_get(h->c, f); }

/* EPT: an identity map of 0-1 GiB (2-MByte pages, 4-KByte ones for the
 * first 2 MiB) at EPT_ROOT, turned on in the valid VMCS */
#define EPT_ROOT 0x700000ull
#define EPT_PT   (EPT_ROOT + 0x3000)
static inline void ept_on(void)
{
	h_poke64(h, EPT_ROOT, (EPT_ROOT + 0x1000) | 7);
	h_poke64(h, EPT_ROOT + 0x1000, (EPT_ROOT + 0x2000) | 7);
	for (u64 i = 0; i < 512; i++) {
		h_poke64(h, EPT_ROOT + 0x2000 + 8 * i, (i << 21) | (6 << 3) | BIT(7) | 7);
		h_poke64(h, EPT_PT + 8 * i, (i << 12) | (6 << 3) | 7);
	}
	h_poke64(h, EPT_ROOT + 0x2000, EPT_PT | 7);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_EPT);
	set(VMCS_EPT_POINTER, EPT_ROOT | (3 << 3) | 6);
}

/* --- task switches: a 32-bit protected-mode L2 (32-bit paging with 4-MByte
 * pages), its GDT at TS_GDT: 08 code, 10 data, 18 the current TSS (busy),
 * 20 a TSS (available), 28 a task gate to 20; its IDT at TS_IDT with a
 * task gate to 20 at vector 40H --- */
#define TS_PD  0x580000ull
#define TS_GDT 0x581000ull
#define TS_TSS 0x582000ull
#define TS_IDT 0x584000ull

static inline u64 tss_desc(u64 base, unsigned type)
{
	return 0x67 | (base & 0xffffff) << 16 | (u64)(type | 0x80) << 40 | (base >> 24) << 56;
}

static inline void prot32(void);
static inline void pae(void);
static inline void valid_vmcs_prot32(void)
{
	valid_vmcs();
	prot32();
}

static inline void prot32(void)
{
	for (u64 k = 0; k < 1024; k++)
		phys_write(&h->m.mem, TS_PD + 4 * k, 4, (k << 22) | 0x83);
	h_poke64(h, TS_GDT + 0x00, 0);
	h_poke64(h, TS_GDT + 0x08, 0x00cf9b000000ffffull);
	h_poke64(h, TS_GDT + 0x10, 0x00cf93000000ffffull);
	h_poke64(h, TS_GDT + 0x18, tss_desc(TS_TSS, 11));
	h_poke64(h, TS_GDT + 0x20, tss_desc(TS_TSS + 0x1000, 9));
	h_poke64(h, TS_GDT + 0x28, 0x20ull << 16 | 0x85ull << 40);
	h_poke64(h, TS_IDT + 8 * 0x40, 0x20ull << 16 | 0xe5ull << 40);
	andn(VMCS_VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST);
	set(VMCS_GUEST_CR4, CR4_VMXE | CR4_PSE);
	set(VMCS_GUEST_CR3, TS_PD);
	set(VMCS_GUEST_GDTR_BASE, TS_GDT);
	set(VMCS_GUEST_GDTR_LIMIT, 0x2f);
	set(VMCS_GUEST_IDTR_BASE, TS_IDT);
	set(VMCS_GUEST_IDTR_LIMIT, 0x7ff);
	for (int sg = 0; sg < 6; sg++) {
		set(vmx_guest_seg_sel[sg], sg == SEG_CS ? 0x08 : 0x10);
		set(vmx_guest_seg_base[sg], 0);
		set(vmx_guest_seg_limit[sg], 0xffffffff);
		set(vmx_guest_seg_ar[sg], sg == SEG_CS ? 0xc09b : 0xc093);
	}
	set(VMCS_GUEST_TR_SELECTOR, 0x18);
	set(VMCS_GUEST_TR_BASE, TS_TSS);
	set(VMCS_GUEST_TR_LIMIT, 0x67);
	set(VMCS_GUEST_TR_AR_BYTES, 0x8b);
	set(VMCS_GUEST_LDTR_AR_BYTES, AR_UNUSABLE);
}

/* a 32-bit L2 with PAE paging: a PDPT at PAE_PDPT whose four entries
 * point at directories of 2-MByte pages mapping 0-4 GiB */
static inline void valid_vmcs_pae(void)
{
	valid_vmcs();
	prot32();
	pae();
}

static inline void pae(void)
{
	for (u64 k = 0; k < 4; k++) {
		u64 pd = PAE_PDPT + 0x1000 * (k + 1);
		h_poke64(h, PAE_PDPT + 8 * k, pd | 1);
		for (u64 j = 0; j < 512; j++)
			h_poke64(h, pd + 8 * j, (k << 30) | (j << 21) | 0x83);
	}
	set(VMCS_GUEST_CR4, CR4_VMXE | CR4_PAE);
	set(VMCS_GUEST_CR3, PAE_PDPT);
}

/* a virtual-8086 L2 (SDM "Checks on Guest Segment Registers": "the guest
 * will be virtual-8086" if RFLAGS.VM is 1) on top of prot32(): CS, SS,
 * DS, ES, FS, GS each with base = selector << 4, limit FFFFH, access
 * rights F3H; CS:IP 8000:0000 (linear V86_CODE), SS:SP 9000:FFF0 */
#define V86_CS   0x8000u
#define V86_SS   0x9000u
#define V86_CODE 0x80000ull
static inline void v86_segs(void)
{
	for (int sg = SEG_ES; sg <= SEG_GS; sg++) {
		u64 sel = sg == SEG_CS ? V86_CS : sg == SEG_SS ? V86_SS : 0x2000u + 0x100u * (unsigned)sg;
		set(vmx_guest_seg_sel[sg], sel);
		set(vmx_guest_seg_base[sg], sel << 4);
		set(vmx_guest_seg_limit[sg], 0xffff);
		set(vmx_guest_seg_ar[sg], 0xf3);
	}
	or(VMCS_GUEST_RFLAGS, RFLAGS_VM);
	set(VMCS_GUEST_RIP, 0);
	set(VMCS_GUEST_RSP, 0xfff0);
}

/* on top of the valid VMCS already made */
static inline void v86_on(void)
{
	prot32();
	v86_segs();
}

static inline void valid_vmcs_v86(void)
{
	valid_vmcs();
	v86_on();
}

/* --- vmx/events.c: MTF, the VMX-preemption timer, virtual NMIs --- */
static inline void resume_l2(void)
{
	cpu_set_rflags(h->c, RFLAGS_FIXED);
	vmx_vmentry(h->c, false);
	assert_true(h->c->vmx.nonroot);
}

static inline void step_to_exit(void)
{
	for (int k = 0; k < 1000 && h->c->vmx.nonroot; k++)
		cpu_step(h->c);
	assert_false(h->c->vmx.nonroot);
	assert_int_equal(h->c->rip, HOST_RIP);
}

/* The exit-reason gate (vmx_exit_test.c, its last test): every basic exit
 * reason of Appendix C is caused by a test or is one the advertised
 * controls cannot cause. These are caused by the tests of the other two
 * programs, each of which checks its own list last (vmx_gate_caused_here). */
#define VMX_CAUSED_IN_ENTRY_TEST 33, 34
#define VMX_CAUSED_IN_APICV_TEST 7, 8, 37, 43, 44, 45, 52, 56
static const u32 vmx_caused_elsewhere[] = { VMX_CAUSED_IN_ENTRY_TEST, VMX_CAUSED_IN_APICV_TEST };

static inline void vmx_gate_caused_here(const u32 *reasons, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!vmx_exit_count(reasons[k]))
			fail_msg("exit reason %u is caused by no test of this program", reasons[k]);
}

#endif
