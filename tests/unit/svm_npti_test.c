/* tests/unit/svm_npti_test.c: nested paging, ASIDs and the TLB, and
 * interrupt control of SVM guest mode (AMD APM Vol.2 "Nested Paging", "TLB
 * Control", "Interrupt and Local APIC Support", "Global Interrupt Flag,
 * STGI and CLGI Instructions"), driven through the step loop with the
 * vCPU put in guest mode the way VMRUN leaves it (svm_npti_vmrun), so
 * that each rule is checked on its own. The #VMEXITs these rules cause are
 * checked by the guest kernels tests/guest/svm/svm_npt.c and svm_intr.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/event.h"
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "harness.h"
#include "svm/svm.h"
#include "svm/svm_internal.h"

#define VMCB    0x700000ull
#define NPT     0x800000ull /* nested PML4; PDPT +1000h, PD +2000h, PT +3000h */
#define GPA     0x405000ull /* a guest-physical page NPT moves (TLB slot 5) */
#define NPT_PTE (NPT + 0x3000 + 8 * 5)
#define PA_A    0x500000ull
#define PA_B    0x600000ull
#define HOST_LIN 0x410000ull /* a page only the host touches */
#define MAGIC_A 0xaaaa5555aaaa5555ull
#define MAGIC_B 0xbbbb6666bbbb6666ull

/* an identity nested map of 1 GiB (2 MiB pages, P|W|U) with 4 KiB pages
 * in 4-6 MiB, GPA's page at PA_A */
static void npt_build(struct harness *h)
{
	h_poke64(h, NPT, (NPT + 0x1000) | 7);
	h_poke64(h, NPT + 0x1000, (NPT + 0x2000) | 7);
	for (u64 k = 0; k < 512; k++)
		h_poke64(h, NPT + 0x2000 + 8 * k, (k << 21) | 0x87);
	h_poke64(h, NPT + 0x2000 + 8 * 2, (NPT + 0x3000) | 7);
	for (u64 k = 0; k < 512; k++)
		h_poke64(h, NPT + 0x3000 + 8 * k, (0x400000 + (k << 12)) | 7);
	h_poke64(h, NPT_PTE, PA_A | 7);
	h_poke64(h, PA_A, MAGIC_A);
	h_poke64(h, PA_B, MAGIC_B);
	h_poke64(h, GPA, 0x1234);
}

/* guest mode as VMRUN leaves it, with the host state it saved */
static void vmrun(struct harness *h, u32 asid, u8 tlb_control, bool npt, u64 int_ctl)
{
	struct cpu *c = h->c;
	c->svm.host.cr0 = c->cr0;
	c->svm.host.cr4 = c->cr4;
	c->svm.host.efer = c->efer;
	c->svm.host.rflags = cpu_rflags(c);
	c->svm.vmcb_pa = VMCB;
	c->svm.ctl.guest_asid = asid;
	c->svm.ctl.tlb_control = tlb_control;
	c->svm.ctl.nested_ctl = npt ? NESTED_CTL_NP_ENABLE : 0;
	c->svm.ctl.ncr3 = NPT;
	c->svm.ctl.int_ctl = int_ctl;
	c->svm.guest = 1;
	svm_npti_vmrun(c);
}

/* back to host mode without the rest of #VMEXIT */
static void leave(struct harness *h)
{
	svm_npti_vmexit(h->c);
	h->c->svm.guest = 0;
}

static const u8 load_gpa[] = { 0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x40, 0x00 }; /* mov rax,[0x405000] */
static const u8 store_gpa[] = { 0x48, 0x89, 0x1c, 0x25, 0x00, 0x50, 0x40, 0x00 }; /* mov [0x405000],rbx */
static const u8 load_host[] = { 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x41, 0x00 }; /* mov rax,[0x410000] */

static u64 load(struct harness *h)
{
	assert_int_equal(h_exec(h, load_gpa, sizeof(load_gpa)), -1);
	return h->c->gpr[RAX];
}

/* the TLB entry of lin in context ctx is present */
static bool tlb_has(struct harness *h, u64 lin, u64 ctx)
{
	const struct tlb_entry *e = &h->c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	return e->tag == ((tlb_page(lin) + 1) | ctx);
}

/* APM "Nested Paging": guest-physical addresses go through nCR3's tables
 * in the host's format; "Nested Table Walk": accessed flags at every
 * nested level, the dirty flag of the nested leaf on a write, and the
 * guest's own page-table reads are writes (their nested leaf gets D) */
static void test_npt_translate_and_ad(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	npt_build(&h);
	vmrun(&h, 1, TLB_CONTROL_FLUSH_ALL, true, 0);
	assert_true(h.c->stage2_on);
	assert_int_equal(load(&h), MAGIC_A);
	u64 pte = h_peek64(&h, NPT_PTE);
	assert_true(pte & PTE_A);
	assert_false(pte & PTE_D);
	assert_true(h_peek64(&h, NPT) & PTE_A);
	assert_true(h_peek64(&h, NPT + 0x1000) & PTE_A);
	/* the guest's page tables (at 0x10000) sit in nested PDE 0 */
	assert_true(h_peek64(&h, NPT + 0x2000) & PTE_D);
	h.c->gpr[RBX] = 77;
	assert_int_equal(h_exec(&h, store_gpa, sizeof(store_gpa)), -1);
	assert_int_equal(h_peek64(&h, PA_A), 77);
	assert_true(h_peek64(&h, NPT_PTE) & PTE_D);
	assert_int_equal(h_peek64(&h, GPA), 0x1234);
	/* a read-only translation: the TLB gives no write permission until
	 * the nested dirty flag is set */
	leave(&h);
	assert_false(h.c->stage2_on);
	h_free(&h);
}

/* nested walker in the host's paging mode: PAE (3 levels) and 32-bit
 * (2 levels, 4 MiB pages with the host's CR4.PSE) */
static void test_npt_host_modes(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	c->svm.guest = 1;
	c->svm.ctl.nested_ctl = NESTED_CTL_NP_ENABLE;
	c->svm.ctl.ncr3 = NPT;
	c->svm.host.cr0 = CR0_PG | CR0_PE;
	c->svm.host.cr4 = CR4_PAE;
	c->svm.host.efer = 0;
	svm_npt_update(c);
	assert_int_equal(c->stage2.w.levels, 3);
	assert_false(c->stage2.w.nxe);
	c->svm.host.cr4 = CR4_PSE;
	svm_npt_update(c);
	assert_int_equal(c->stage2.w.levels, 2);
	assert_true(c->stage2.w.pse);
	c->svm.host.cr4 = CR4_PAE | CR4_LA57;
	c->svm.host.efer = EFER_LMA | EFER_NXE;
	svm_npt_update(c);
	assert_int_equal(c->stage2.w.levels, 5);
	assert_true(c->stage2.w.nxe);
	assert_true(c->stage2.w.npt);
	c->svm.guest = 0;
	h_free(&h);
}

/* APM "Enabling Nested Paging": the VMRUN checks nested paging adds */
static void test_npt_checks(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	struct vmcb_control ctl = { .nested_ctl = NESTED_CTL_NP_ENABLE, .ncr3 = NPT };
	assert_true(svm_npt_host_paging_ok(c, &ctl));
	assert_true(svm_npt_ncr3_ok(c, &ctl));
	assert_true(svm_npt_gpat_ok(c, &ctl, 0x0007040600070406ull));
	c->cr0 &= ~CR0_PG;
	assert_false(svm_npt_host_paging_ok(c, &ctl));
	ctl.ncr3 = 1ull << cpu_maxphyaddr(c);
	assert_false(svm_npt_ncr3_ok(c, &ctl));
	assert_false(svm_npt_gpat_ok(c, &ctl, 0x0007040600070402ull)); /* type 2 */
	assert_false(svm_npt_gpat_ok(c, &ctl, 0x0007040600070486ull)); /* bit 7 */
	c->cr0 |= CR0_PG;
	ctl.nested_ctl = 0; /* without NP_ENABLE none of them applies */
	assert_true(svm_npt_host_paging_ok(c, &ctl));
	assert_true(svm_npt_ncr3_ok(c, &ctl));
	assert_true(svm_npt_gpat_ok(c, &ctl, 0x0202020202020202ull));
	h_free(&h);
}

/* NP_ENABLE is ignored where nested paging is not offered (-npt) */
static void test_npt_not_offered(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm,-npt");
	npt_build(&h);
	vmrun(&h, 1, TLB_CONTROL_FLUSH_ALL, true, 0);
	assert_false(h.c->stage2_on);
	assert_int_equal(load(&h), 0x1234);
	leave(&h);
	h_free(&h);
}

/* APM "Nested Paging and VMRUN/#VMEXIT": G_PAT is the guest's PAT, the
 * host's comes back at #VMEXIT */
static void test_gpat(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	npt_build(&h);
	u64 host_pat = h.c->msr.pat;
	h_poke64(&h, VMCB + VMCB_OFF_g_pat, 0x0606060606060606ull);
	vmrun(&h, 1, 0, true, 0);
	assert_int_equal(h.c->msr.pat, 0x0606060606060606ull);
	h.c->msr.pat = 0x0404040404040404ull;
	leave(&h);
	assert_int_equal(h.c->msr.pat, host_pat);
	assert_int_equal(h_peek64(&h, VMCB + VMCB_OFF_g_pat), 0x0404040404040404ull);
	h_free(&h);
}

/* APM "TLB Control": guest entries are tagged with the ASID, the host's
 * (ASID 0) survive guest mode; TLB_CONTROL 0 keeps a stale guest
 * translation, 1 drops everything, 3 (FlushByAsid) only this ASID's */
static void test_asid_tlb_control(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	bool by_asid = cpu_has(c->model, FEAT_flushbyasid);
	npt_build(&h);
	assert_int_equal(h_exec(&h, load_host, sizeof(load_host)), -1);
	vmrun(&h, 5, TLB_CONTROL_FLUSH_ALL, true, 0);
	assert_int_not_equal(c->tlb_ctx, 0);
	assert_int_equal(load(&h), MAGIC_A);
	leave(&h);
	assert_int_equal(c->tlb_ctx, 0);
	assert_int_equal(h_exec(&h, load_host, sizeof(load_host)), -1);
	u64 ctx5 = BIT(63) | (5ull << TLB_CTX_SHIFT);
	assert_true(tlb_has(&h, GPA, ctx5));
	assert_true(tlb_has(&h, HOST_LIN, 0));
	/* L1 moves the page without a flush: the guest keeps the old one */
	h_poke64(&h, NPT_PTE, PA_B | 7);
	vmrun(&h, 5, TLB_CONTROL_NOTHING, true, 0);
	assert_int_equal(load(&h), MAGIC_A);
	assert_true(tlb_has(&h, HOST_LIN, 0));
	/* another ASID never sees ASID 5's translations */
	leave(&h);
	vmrun(&h, 6, TLB_CONTROL_NOTHING, true, 0);
	assert_int_equal(load(&h), MAGIC_B);
	leave(&h);
	/* flush this guest's: the host's entries stay (with FlushByAsid) */
	h_poke64(&h, NPT_PTE, PA_A | 7);
	vmrun(&h, 6, TLB_CONTROL_FLUSH_ASID, true, 0);
	assert_int_equal(tlb_has(&h, HOST_LIN, 0), by_asid);
	assert_int_equal(load(&h), MAGIC_A);
	leave(&h);
	assert_int_equal(h_exec(&h, load_host, sizeof(load_host)), -1);
	vmrun(&h, 6, TLB_CONTROL_FLUSH_ALL, true, 0);
	assert_false(tlb_has(&h, HOST_LIN, 0));
	leave(&h);
	h_free(&h);
}

/* TLB_CONTROL 7: this guest's non-global entries only */
static void test_tlb_control_local(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	bool by_asid = cpu_has(c->model, FEAT_flushbyasid);
	npt_build(&h);
	c->cr4 |= CR4_PGE;
	/* the guest's 2 MiB page holding GPA made global */
	h_poke64(&h, H_PT + 0x2000 + 8 * 2, (2ull << 21) | 0x187);
	vmrun(&h, 3, TLB_CONTROL_FLUSH_ALL, true, 0);
	assert_int_equal(load(&h), MAGIC_A);
	leave(&h);
	h_poke64(&h, NPT_PTE, PA_B | 7);
	vmrun(&h, 3, TLB_CONTROL_FLUSH_ASID_LOCAL, true, 0);
	/* the global entry survives with FlushByAsid (else all is flushed) */
	assert_int_equal(load(&h), by_asid ? MAGIC_A : MAGIC_B);
	leave(&h);
	vmrun(&h, 3, TLB_CONTROL_FLUSH_ASID, true, 0);
	assert_int_equal(load(&h), MAGIC_B);
	leave(&h);
	h_free(&h);
}

/* APM "Invalidate Page, Alternate ASID": one page of one ASID */
static void test_invlpga(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	npt_build(&h);
	assert_int_equal(h_exec(&h, load_host, sizeof(load_host)), -1);
	vmrun(&h, 2, TLB_CONTROL_NOTHING, true, 0);
	assert_int_equal(load(&h), MAGIC_A);
	leave(&h);
	u64 ctx2 = BIT(63) | (2ull << TLB_CTX_SHIFT);
	svm_invlpga(h.c, GPA, 9); /* another ASID: nothing */
	assert_true(tlb_has(&h, GPA, ctx2));
	svm_invlpga(h.c, HOST_LIN, 2); /* ASID 2 has no entry there */
	assert_true(tlb_has(&h, HOST_LIN, 0));
	svm_invlpga(h.c, GPA, 2);
	assert_false(tlb_has(&h, GPA, ctx2));
	svm_invlpga(h.c, HOST_LIN, 0); /* ASID 0: the host's */
	assert_false(tlb_has(&h, HOST_LIN, 0));
	h_poke64(&h, NPT_PTE, PA_B | 7);
	vmrun(&h, 2, TLB_CONTROL_NOTHING, true, 0);
	assert_int_equal(load(&h), MAGIC_B);
	leave(&h);
	h_free(&h);
}

/* --- interrupt control --- */
static int fake_vec = -1;
static u64 fake_tpr;
static int fake_pending(struct cpu *c) { return fake_vec; }
static int fake_ack(struct cpu *c)
{
	int v = fake_vec;
	fake_vec = -1;
	return v;
}
static u64 fake_get_cr8(struct cpu *c) { return fake_tpr; }
static void fake_set_cr8(struct cpu *c, u64 v) { fake_tpr = v; }
static const struct apic_ops fake_apic = {
	.irq_pending = fake_pending, .irq_ack = fake_ack,
	.get_cr8 = fake_get_cr8, .set_cr8 = fake_set_cr8,
};

#define VEC_V 0x41
#define VIRQ(prio) (V_IRQ | ((u64)(prio) << V_INTR_PRIO_SHIFT) | ((u64)VEC_V << V_INTR_VECTOR_SHIFT))

static const u8 nops[] = { 0x90, 0x90, 0x90, 0x90 };

/* APM "Injecting Virtual (INTR) Interrupts": V_IRQ is taken when the
 * guest's IF is 1 and V_INTR_PRIO is above V_TPR (or V_IGN_TPR), through
 * the guest's IDT with V_INTR_VECTOR; V_IRQ is then clear */
static void test_virq_priority(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	vmrun(&h, 1, 0, false, VIRQ(2) | 3 /* V_TPR */);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	assert_false(svm_virq_ready(c));
	assert_int_equal(h_exec(&h, nops, sizeof(nops)), -1);
	c->svm.ctl.int_ctl = (c->svm.ctl.int_ctl & ~V_TPR_MASK) | 1;
	assert_true(cpu_event_ready(c));
	assert_int_equal(h_exec(&h, nops, sizeof(nops)), VEC_V);
	assert_false(c->svm.ctl.int_ctl & V_IRQ);
	/* V_IGN_TPR: whatever V_TPR says */
	c->svm.ctl.int_ctl = VIRQ(0) | V_IGN_TPR | 0xf;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	assert_int_equal(h_exec(&h, nops, sizeof(nops)), VEC_V);
	/* the guest's IF masks it */
	c->svm.ctl.int_ctl = VIRQ(0) | V_IGN_TPR;
	cpu_set_rflags(c, RFLAGS_FIXED);
	assert_false(cpu_event_ready(c));
	assert_int_equal(h_exec(&h, nops, sizeof(nops)), -1);
	/* it wakes HLT */
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	c->activity = ACT_HLT;
	assert_true(cpu_handle_events(c));
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_V);
	leave(&h);
	h_free(&h);
}

/* APM "Interrupt Shadows": INTERRUPT_SHADOW in, and out at #VMEXIT */
static void test_shadow(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	c->svm.ctl.int_state = INT_STATE_SHADOW;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	h_code(&h, nops, sizeof(nops));
	vmrun(&h, 1, 0, false, VIRQ(0) | V_IGN_TPR);
	assert_int_equal(c->shadow, SHADOW_STI);
	assert_false(cpu_event_ready(c));
	assert_int_equal(svm_intstate_writeback(c, 0x100), 0x100 | INT_STATE_SHADOW | INT_STATE_GUEST_MASK);
	cpu_step(c); /* the shadowed NOP */
	assert_int_equal(c->rip, H_CODE + 1);
	assert_int_equal(svm_intstate_writeback(c, INT_STATE_SHADOW), INT_STATE_GUEST_MASK);
	cpu_step(c); /* the interrupt, then the handler's HLT */
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_V + 1);
	c->svm.ctl.int_state = 0;
	leave(&h);
	h_free(&h);
}

/* APM "Virtualizing APIC.TPR": with V_INTR_MASKING, MOV CR8 in the guest
 * is V_TPR and the APIC's TPR stays the host's; without it, CR8 is the
 * APIC's TPR */
static void test_cr8_vtpr(void **state)
{
	static const u8 wr_cr8[] = { 0x44, 0x0f, 0x22, 0xc0 }; /* mov cr8, rax */
	static const u8 rd_cr8[] = { 0x44, 0x0f, 0x20, 0xc3 }; /* mov rbx, cr8 */
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	c->apic_ops = &fake_apic;
	fake_tpr = 5;
	vmrun(&h, 1, 0, false, V_INTR_MASKING | VIRQ(4) | 0x7);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	assert_int_equal(h_exec(&h, rd_cr8, sizeof(rd_cr8)), -1);
	assert_int_equal(c->gpr[RBX], 7);
	c->gpr[RAX] = 3;
	/* the lower V_TPR lets the virtual interrupt in after the MOV */
	assert_false(cpu_event_ready(c));
	assert_int_equal(h_exec(&h, wr_cr8, sizeof(wr_cr8)), -1);
	assert_true(cpu_event_ready(c));
	assert_int_equal(c->svm.ctl.int_ctl & V_TPR_MASK, 3);
	assert_int_equal(fake_tpr, 5);
	/* write-back: V_TPR and V_IRQ from the processor, the rest as L1
	 * wrote it (here L1's VMCB says V_IGN_TPR, which the copy lacks) */
	u64 l1 = V_INTR_MASKING | VIRQ(4) | V_IGN_TPR | 0x7;
	/* not taken yet: V_IRQ stays set (the window L1 asked for is still
	 * open after a #VMEXIT now) */
	assert_int_equal(svm_intctl_writeback(c, l1), (l1 & ~V_TPR_MASK) | 3);
	assert_true(cpu_handle_events(c));
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_V);
	assert_int_equal(svm_intctl_writeback(c, l1), (l1 & ~(V_IRQ | V_TPR_MASK)) | 3);
	h_poke64(&h, VMCB + VMCB_OFF_int_ctl, l1);
	leave(&h);
	assert_int_equal(h_peek64(&h, VMCB + VMCB_OFF_int_ctl), (l1 & ~(V_IRQ | V_TPR_MASK)) | 3);
	/* without V_INTR_MASKING: the APIC's TPR */
	vmrun(&h, 1, 0, false, 0x7);
	c->gpr[RAX] = 9;
	assert_int_equal(h_exec(&h, wr_cr8, sizeof(wr_cr8)), -1);
	assert_int_equal(fake_tpr, 9);
	assert_int_equal(c->svm.ctl.int_ctl & V_TPR_MASK, 7);
	leave(&h);
	h_free(&h);
}

/* APM "Physical (INTR) Interrupt Masking in EFLAGS": with V_INTR_MASKING
 * the host's IF (saved by VMRUN) masks physical interrupts, the guest's
 * does not; without it the guest's IF masks both */
static void test_phys_if(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	c->apic_ops = &fake_apic;
	fake_vec = 0x50;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF); /* the host's IF */
	vmrun(&h, 1, 0, false, V_INTR_MASKING);
	cpu_set_rflags(c, RFLAGS_FIXED);               /* the guest's */
	assert_true(cpu_event_ready(c));
	assert_true(cpu_handle_events(c));
	assert_int_equal(c->rip, H_VECTORS + 16 * 0x50);
	leave(&h);
	fake_vec = 0x50;
	cpu_set_rflags(c, RFLAGS_FIXED);
	vmrun(&h, 1, 0, false, V_INTR_MASKING);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	assert_false(cpu_event_ready(c)); /* host IF = 0 */
	c->svm.ctl.int_ctl = 0;
	assert_true(cpu_event_ready(c)); /* the guest's IF = 1 governs */
	leave(&h);
	fake_vec = -1;
	h_free(&h);
}

/* APM "Global Interrupt Flag": GIF = 0 holds NMIs and interrupts; an NMI
 * the guest does not intercept goes through the guest's IDT */
static void test_gif_and_nmi(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	c->svm.gif = 0;
	c->nmi_pending = 1;
	assert_false(cpu_event_ready(c));
	assert_false(cpu_handle_events(c));
	assert_true(c->nmi_pending);
	c->svm.gif = 1;
	vmrun(&h, 1, 0, false, 0);
	assert_true(cpu_event_ready(c));
	assert_true(cpu_handle_events(c));
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_NMI);
	assert_true(c->nmi_blocked);
	leave(&h);
	h_free(&h);
}

/* APM "NMI Virtualization": V_NMI taken at NMI priority, V_NMI_MASK set,
 * the guest's IRET clears it; both written back; ignored without vnmi */
static void test_vnmi(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	h_poke(&h, H_VECTORS + 16 * VEC_NMI, (const u8[]){ 0x48, 0xcf }, 2); /* iretq */
	vmrun(&h, 1, 0, false, V_NMI_ENABLE | V_NMI | VIRQ(0) | V_IGN_TPR);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	assert_true(cpu_event_ready(c));
	assert_true(cpu_handle_events(c)); /* the NMI before the interrupt */
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_NMI);
	assert_int_equal(c->svm.ctl.int_ctl & (V_NMI | V_NMI_MASK), V_NMI_MASK);
	assert_false(c->nmi_blocked);
	c->svm.ctl.int_ctl |= V_NMI; /* another one waits for the IRET */
	assert_false(svm_vnmi_ready(c));
	u64 l1 = V_NMI_ENABLE | V_INTR_PRIO_MASK;
	assert_int_equal(svm_intctl_writeback(c, l1), l1 | V_NMI | V_NMI_MASK | V_IRQ);
	cpu_step(c); /* the IRET (the interrupt is taken after it) */
	assert_int_equal(c->svm.ctl.int_ctl & (V_NMI | V_NMI_MASK), V_NMI);
	assert_true(svm_vnmi_ready(c));
	leave(&h);
	h_free(&h);
	h_init(&h, "max,+svm,-vnmi");
	c = h.c;
	vmrun(&h, 1, 0, false, V_NMI_ENABLE | V_NMI);
	assert_false(cpu_event_ready(c));
	assert_int_equal(svm_intctl_writeback(c, 0), 0);
	leave(&h);
	h_free(&h);
}

/* the VMCB's EXITCODE after a #VMEXIT */
static u64 exitcode(struct harness *h) { return h_peek64(h, VMCB + VMCB_OFF_exitcode); }

/* APM "INIT Intercept", "SMI Intercept", "INTR Intercept": #VMEXIT with
 * the event left pending, then held by GIF = 0 */
static void test_event_intercepts(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	h_code(&h, nops, sizeof(nops));
	vmrun(&h, 1, 0, false, 0);
	c->svm.ctl.intercepts[SVM_ICPT_INIT / 32] |= 1u << (SVM_ICPT_INIT % 32);
	c->init_pending = 1;
	cpu_step(c);
	assert_false(c->svm.guest);
	assert_int_equal(exitcode(&h), SVM_EXIT_INIT);
	assert_true(c->init_pending);
	assert_false(c->svm.gif);
	assert_false(cpu_event_ready(c)); /* held by GIF = 0 */
	c->init_pending = 0;
	c->svm.gif = 1;
	vmrun(&h, 1, 0, false, 0);
	c->svm.ctl.intercepts[SVM_ICPT_SMI / 32] |= 1u << (SVM_ICPT_SMI % 32);
	c->smi_pending = 1;
	cpu_step(c);
	assert_false(c->svm.guest);
	assert_int_equal(exitcode(&h), SVM_EXIT_SMI);
	assert_true(c->smi_pending);
	assert_false(cpu_event_ready(c));
	c->smi_pending = 0;
	c->svm.gif = 1;
	/* INTR: not acknowledged */
	c->apic_ops = &fake_apic;
	fake_vec = 0x60;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	vmrun(&h, 1, 0, false, V_INTR_MASKING);
	c->svm.ctl.intercepts[SVM_ICPT_INTR / 32] |= 1u << (SVM_ICPT_INTR % 32);
	cpu_step(c);
	assert_false(c->svm.guest);
	assert_int_equal(exitcode(&h), SVM_EXIT_INTR);
	assert_int_equal(fake_vec, 0x60);
	fake_vec = -1;
	h_free(&h);
}

/* an INIT the VMCB does not intercept: guest mode ends, the INIT is taken */
static void test_init_not_intercepted(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	npt_build(&h);
	h_code(&h, nops, sizeof(nops));
	vmrun(&h, 1, 0, true, 0);
	c->init_pending = 1;
	cpu_step(c);
	assert_false(c->svm.guest);
	assert_false(c->init_pending);
	assert_false(c->stage2_on);
	assert_int_equal(c->tlb_ctx, 0);
	assert_true(c->svm.gif);
	assert_int_equal(c->cr0 & CR0_PG, 0); /* the INIT state */
	h_free(&h);
}

/* NPT walks in the legacy formats of a non-long-mode host: 32-bit (4-MByte
 * pages with CR4.PSE) and PAE */
static void test_npt_legacy_formats(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	npt_build(&h);
	/* 32-bit nested tables at NPT + 0x10000: 4-MByte identity pages,
	 * GPA's 4 MiB through a 4-KByte table moving it to PA_B */
	u64 pd = NPT + 0x10000, pt = NPT + 0x11000;
	for (u64 k = 0; k < 1024; k++)
		phys_write(&h.m.mem, pd + 4 * k, 4, (k << 22) | 0x87);
	phys_write(&h.m.mem, pd + 4 * (GPA >> 22), 4, pt | 7);
	for (u64 k = 0; k < 1024; k++)
		phys_write(&h.m.mem, pt + 4 * k, 4, ((GPA & ~0x3fffffull) + (k << 12)) | 7);
	phys_write(&h.m.mem, pt + 4 * ((GPA >> 12) & 1023), 4, PA_B | 7);
	vmrun(&h, 1, TLB_CONTROL_FLUSH_ALL, true, 0);
	c->svm.host.cr4 = CR4_PSE;
	c->svm.host.efer = 0;
	c->svm.ctl.ncr3 = pd;
	svm_npt_update(c);
	assert_int_equal(c->stage2.w.levels, 2);
	assert_int_equal(load(&h), MAGIC_B);
	assert_true(phys_read(&h.m.mem, pt + 4 * ((GPA >> 12) & 1023), 4) & PTE_A);
	leave(&h);
	/* PAE: PDPT (32-byte aligned) -> PDs of 2-MByte pages, GPA's 2 MiB
	 * through the 4-KByte table of npt_build (to PA_A) */
	u64 pdpt = NPT + 0x12000;
	for (u64 i = 0; i < 4; i++) {
		u64 d = NPT + 0x13000 + 0x1000 * i;
		h_poke64(&h, pdpt + 8 * i, d | 1);
		for (u64 j = 0; j < 512; j++)
			h_poke64(&h, d + 8 * j, ((i << 30) + (j << 21)) | 0x87);
	}
	h_poke64(&h, NPT + 0x13000 + 8 * (GPA >> 21), (NPT + 0x3000) | 7);
	vmrun(&h, 1, TLB_CONTROL_FLUSH_ALL, true, 0);
	c->svm.host.cr4 = CR4_PAE;
	c->svm.host.efer = 0;
	c->svm.ctl.ncr3 = pdpt;
	svm_npt_update(c);
	assert_int_equal(c->stage2.w.levels, 3);
	assert_int_equal(load(&h), MAGIC_A);
	leave(&h);
	h_free(&h);
}

/* the NPT rows of svm/checks.def, each on its own from a valid VMCB */
/* APM "Page-Fault Error Code": I/D is reported for a fetch with no-execute
 * on or with SMEP on. For #VMEXIT(NPF) these are the nested walk's: the
 * host's EFER.NXE and CR4.SMEP saved at VMRUN (found by kvm-unit-tests
 * svm_npt.flat, svm_npt_rsvd_bits_test with host NXE = 0, SMEP = 1) */
static void test_npf_fetch_id(void **state)
{
	/* mov eax, 0x405000; jmp rax */
	static const u8 jmp_gpa[] = { 0xb8, 0x00, 0x50, 0x40, 0x00, 0xff, 0xe0 };

	for (int smep = 0; smep < 2; smep++) {
		struct harness h;
		h_init(&h, "max,+svm");
		npt_build(&h);
		h_poke64(&h, NPT_PTE, 0); /* GPA not present in the nested tables */
		vmrun(&h, 1, TLB_CONTROL_FLUSH_ALL, true, 0);
		h.c->svm.host.efer &= ~EFER_NXE;
		if (smep)
			h.c->svm.host.cr4 |= CR4_SMEP;
		else
			h.c->svm.host.cr4 &= ~CR4_SMEP;
		svm_npt_update(h.c);
		h_code(&h, jmp_gpa, sizeof(jmp_gpa));
		for (int k = 0; k < 4 && h.c->svm.guest; k++)
			cpu_step(h.c);
		assert_false(h.c->svm.guest);
		assert_int_equal(h_peek64(&h, VMCB + VMCB_OFF_exitcode), SVM_EXIT_NPF);
		u64 info1 = h_peek64(&h, VMCB + VMCB_OFF_exitinfo1);
		assert_int_equal((info1 & PFEC_I) != 0, smep);
		assert_int_equal(h_peek64(&h, VMCB + VMCB_OFF_exitinfo2), 0x405000);
		h_free(&h);
	}
}

static void test_check_rows(void **state)
{
	struct harness h;
	h_init(&h, "max,+svm");
	struct cpu *c = h.c;
	struct vmcb_control ctl = { .guest_asid = 1, .ncr3 = NPT };
	struct vmcb_save s = { .efer = EFER_SVME, .g_pat = 0x0007040600070406ull };
	ctl.intercepts[SVM_ICPT_VMRUN / 32] = 1u << (SVM_ICPT_VMRUN % 32);
	assert_int_equal(svm_vmrun_checks(c, &ctl, &s), SVM_CHECK_NONE);
	ctl.nested_ctl = NESTED_CTL_NP_ENABLE;
	assert_int_equal(svm_vmrun_checks(c, &ctl, &s), SVM_CHECK_NONE);
	c->cr0 &= ~CR0_PG;
	assert_int_equal(svm_vmrun_checks(c, &ctl, &s), SVM_CHECK_NP_HOST_PAGING);
	c->cr0 |= CR0_PG;
	ctl.ncr3 |= 1ull << cpu_maxphyaddr(c);
	assert_int_equal(svm_vmrun_checks(c, &ctl, &s), SVM_CHECK_NP_NCR3_MBZ);
	ctl.ncr3 = NPT;
	s.g_pat = 0x0007040600070403ull;
	assert_int_equal(svm_vmrun_checks(c, &ctl, &s), SVM_CHECK_NP_GPAT);
	ctl.nested_ctl = 0;
	assert_int_equal(svm_vmrun_checks(c, &ctl, &s), SVM_CHECK_NONE);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_npt_translate_and_ad),
		cmocka_unit_test(test_npt_host_modes),
		cmocka_unit_test(test_npt_checks),
		cmocka_unit_test(test_npt_not_offered),
		cmocka_unit_test(test_gpat),
		cmocka_unit_test(test_asid_tlb_control),
		cmocka_unit_test(test_tlb_control_local),
		cmocka_unit_test(test_invlpga),
		cmocka_unit_test(test_virq_priority),
		cmocka_unit_test(test_shadow),
		cmocka_unit_test(test_cr8_vtpr),
		cmocka_unit_test(test_phys_if),
		cmocka_unit_test(test_gif_and_nmi),
		cmocka_unit_test(test_vnmi),
		cmocka_unit_test(test_event_intercepts),
		cmocka_unit_test(test_init_not_intercepted),
		cmocka_unit_test(test_npt_legacy_formats),
		cmocka_unit_test(test_check_rows),
		cmocka_unit_test(test_npf_fetch_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
