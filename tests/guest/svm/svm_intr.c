/* tests/guest/svm/svm_intr.c: interrupt control of SVM guest mode (AMD APM
 * Vol.2 "Interrupt and Local APIC Support", "Global Interrupt Flag, STGI
 * and CLGI Instructions", "Interrupt Intercepts") under a bare-metal 64-bit
 * L1 running L2 code. Checked:
 *  - virtual interrupts: V_IRQ delivered through L2's IDT with
 *    V_INTR_VECTOR when L2's IF is 1 and V_INTR_PRIO is above V_TPR (or
 *    V_IGN_TPR), V_IRQ clear afterwards; the VINTR intercept exits
 *    instead, and a V_IRQ not taken is still set after any #VMEXIT;
 *  - V_TPR and CR8 with V_INTR_MASKING (L1's TPR untouched), and CR8 as
 *    the APIC's TPR without it;
 *  - only V_TPR and V_IRQ of int_ctl are written back;
 *  - which IF masks what: with V_INTR_MASKING the host's IF (saved by
 *    VMRUN) masks physical interrupts, L2's only virtual ones; L2's IF
 *    changes do not reach L1 in either setting;
 *  - the INTR and NMI intercepts: #VMEXIT with the event left pending,
 *    taken by L1 after STGI; without the intercept the event goes to L2;
 *  - GIF = 0 holds interrupts and NMIs in L1;
 *  - the interrupt shadow in (INTERRUPT_SHADOW) and out;
 *  - vGIF: CLGI/STGI in L2 clear and set V_GIF, which holds virtual
 *    interrupts off, and V_GIF is written back;
 *  - vNMI: V_NMI taken in L2, V_NMI_MASK set and cleared by L2's IRET,
 *    both written back.
 * run-args: -cpu max,+svm
 */
#include "guest.h"
#include "vm.h"
#include "npti.h"
#include "pic.h"

#define APIC 0xfee00000ull
#define APIC_TPR  0x80
#define APIC_EOI  0xb0
#define APIC_SVR  0xf0
#define APIC_ICR  0x300
#define ICR_SELF  (1u << 18)
#define ICR_NMI   (4u << 8)

#define VEC_V   0x41 /* the virtual interrupt */
#define VEC_P   0x51 /* a physical self-IPI */

static u32 apic_rd(u32 r) { return *(volatile u32 *)(APIC + r); }
static void apic_wr(u32 r, u32 v) { *(volatile u32 *)(APIC + r) = v; }

static volatile int v_count, p_count, nmi_count;
static volatile int p_in_l2, nmi_in_l2, v_seen_step;
volatile int step;

static void v_handler(struct ex_regs *r) { v_count++; v_seen_step = step; }
static void p_handler(struct ex_regs *r)
{
	p_count++;
	p_in_l2 = in_l2;
	apic_wr(APIC_EOI, 0);
}
static void nmi_handler(struct ex_regs *r)
{
	nmi_count++;
	nmi_in_l2 = in_l2;
}
static void nmi_vmmcall_handler(struct ex_regs *r) { vmmcall(); }

static u64 int_ctl(u64 tpr, u64 prio, u64 more)
{
	return tpr | V_IRQ | V_INTR_PRIO(prio) | V_INTR_VECTOR(VEC_V) | more;
}

/* --- L2 code --- */
static u64 l2_cr8;
static void l2_sti_nops(void) { asm volatile("sti; nop; nop; cli" : : : "memory"); }
static void l2_cli(void) { asm volatile("cli"); }
static void l2_cr8_3(void)
{
	asm volatile("mov %%cr8, %0" : "=r"(l2_cr8));
	asm volatile("sti; nop" : : : "memory");
	step = 1;
	asm volatile("mov %0, %%cr8; nop; nop; cli" : : "r"(3ull) : "memory");
}
static void l2_cr8_9(void) { asm volatile("mov %0, %%cr8" : : "r"(9ull)); }
static void l2_in_if0(void) { asm volatile("cli; nop; nop" : : : "memory"); }
/* with INTERRUPT_SHADOW the first instruction runs before the pending
 * virtual interrupt */
void l2_shadow_entry(void);
asm(".pushsection .text\n"
    "l2_shadow_entry: movl $1, step(%rip)\n"
    "\tnop\n\tcli\n\tvmmcall\n"
    ".popsection");
static void l2_sti_vmmcall(void) { asm volatile("sti; vmmcall; cli" : : : "memory"); }
static void l2_vgif(void)
{
	asm volatile("clgi; sti; nop; nop" : : : "memory");
	step = 1;
	asm volatile("stgi; nop; nop; cli" : : : "memory");
}

/* APM "Injecting Virtual (INTR) Interrupts" */
static void test_virq(void)
{
	vmcb_set32(VMCB_ICPT_MISC1, 0);
	vmcb_set(VMCB_INT_CTL, int_ctl(0, 2, V_INTR_MASKING));
	v_count = 0;
	u64 ex = npti_run(l2_sti_nops, 0);
	report(ex == EXIT_VMMCALL && v_count == 1, "V_IRQ delivered to L2 (exit %#llx, %d)",
	       (unsigned long long)ex, v_count);
	report(vmcb_get(VMCB_INT_CTL) == int_ctl(0, 2, V_INTR_MASKING) - V_IRQ,
	       "V_IRQ written back clear, the rest as L1 wrote it (%#llx)",
	       (unsigned long long)vmcb_get(VMCB_INT_CTL));
	/* IF = 0 in L2: not taken, still pending after the exit */
	vmcb_set(VMCB_INT_CTL, int_ctl(0, 2, V_INTR_MASKING));
	v_count = 0;
	ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL && v_count == 0 && (vmcb_get(VMCB_INT_CTL) & V_IRQ),
	       "L2's IF = 0 holds V_IRQ; V_IRQ still set after the exit");
	/* V_IGN_TPR */
	vmcb_set(VMCB_INT_CTL, int_ctl(0xf, 0, V_INTR_MASKING | V_IGN_TPR));
	ex = npti_run(l2_sti_nops, 0);
	report(ex == EXIT_VMMCALL && v_count == 1, "V_IGN_TPR: taken whatever V_TPR says");
}

/* APM "Virtual Interrupt Intercept" */
static void test_vintr(void)
{
	vmcb_set32(VMCB_ICPT_MISC1, ICPT_VINTR);
	vmcb_set(VMCB_INT_CTL, int_ctl(0, 2, V_INTR_MASKING));
	v_count = 0;
	u64 ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL, "VINTR intercepted, L2's IF = 0: no exit before VMMCALL");
	ex = npti_run(l2_sti_nops, 0);
	report(ex == EXIT_VINTR && v_count == 0 && (vmcb_get(VMCB_INT_CTL) & V_IRQ),
	       "VINTR intercepted: #VMEXIT(VINTR) (%#llx), V_IRQ still set", (unsigned long long)ex);
	/* the window stays open: the next VMRUN exits again at once */
	ex = npti_resume();
	report(ex == EXIT_VINTR, "and again on the next VMRUN (%#llx)", (unsigned long long)ex);
	vmcb_set32(VMCB_ICPT_MISC1, 0);
	vmcb_set(VMCB_INT_CTL, 0);
}

/* APM "Virtualizing APIC.TPR" */
static void test_vtpr(void)
{
	u64 l1_cr8 = 2;
	asm volatile("mov %0, %%cr8" : : "r"(l1_cr8));
	vmcb_set(VMCB_INT_CTL, int_ctl(5, 4, V_INTR_MASKING));
	v_count = 0;
	step = 0;
	u64 ex = npti_run(l2_cr8_3, 0);
	report(ex == EXIT_VMMCALL && l2_cr8 == 5, "L2's CR8 reads V_TPR (%llu)", (unsigned long long)l2_cr8);
	report(v_count == 1 && v_seen_step == 1, "V_TPR 5 holds priority 4 until L2 writes CR8 = 3");
	report((vmcb_get(VMCB_INT_CTL) & 0xff) == 3, "V_TPR written back (%#llx)",
	       (unsigned long long)vmcb_get(VMCB_INT_CTL));
	u64 cr8;
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	report(cr8 == l1_cr8 && (apic_rd(APIC_TPR) >> 4) == l1_cr8, "L1's TPR untouched (%llu)",
	       (unsigned long long)cr8);
	/* without V_INTR_MASKING CR8 is the APIC's TPR */
	vmcb_set(VMCB_INT_CTL, 7);
	ex = npti_run(l2_cr8_9, 0);
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	report(ex == EXIT_VMMCALL && cr8 == 9 && (vmcb_get(VMCB_INT_CTL) & 0xff) == 7,
	       "V_INTR_MASKING = 0: L2's CR8 is the APIC's TPR, V_TPR unchanged (%llu)",
	       (unsigned long long)cr8);
	asm volatile("mov %0, %%cr8" : : "r"(0ull));
	vmcb_set(VMCB_INT_CTL, 0);
}

/* APM "Physical (INTR) Interrupt Masking in EFLAGS" and "INTR Intercept" */
static void test_phys(void)
{
	/* intercepted: L1 holds a self-IPI with GIF = 0, VMRUN exits at once */
	vmcb_set(VMCB_INT_CTL, V_INTR_MASKING);
	vmcb_set32(VMCB_ICPT_MISC1, ICPT_INTR);
	p_count = 0;
	clgi();
	irq_enable();
	apic_wr(APIC_ICR, ICR_SELF | VEC_P);
	report(p_count == 0, "GIF = 0 holds the interrupt in L1");
	u64 ex = npti_run(l2_in_if0, 0);
	report(ex == EXIT_INTR && p_count == 0, "INTR intercepted: #VMEXIT(INTR) (%#llx), not acknowledged",
	       (unsigned long long)ex);
	report(read_rflags() & X86_EFLAGS_IF, "L1's IF as it was at VMRUN");
	stgi();
	asm volatile("nop");
	report(p_count == 1 && !p_in_l2, "taken by L1 after STGI");
	/* not intercepted, V_INTR_MASKING: the host's IF = 1 lets it into
	 * L2 although L2's IF is 0 */
	vmcb_set32(VMCB_ICPT_MISC1, 0);
	clgi();
	apic_wr(APIC_ICR, ICR_SELF | VEC_P);
	ex = npti_run(l2_in_if0, 0);
	report(ex == EXIT_VMMCALL && p_count == 2 && p_in_l2,
	       "V_INTR_MASKING, host IF = 1, L2's IF = 0: delivered in L2");
	/* host IF = 0: held although L2's IF is 1 */
	irq_disable();
	apic_wr(APIC_ICR, ICR_SELF | VEC_P);
	in_l2 = 0;
	ex = npti_run(l2_sti_nops, 0);
	report(ex == EXIT_VMMCALL && p_count == 2, "V_INTR_MASKING, host IF = 0: not taken in L2");
	report(!(read_rflags() & X86_EFLAGS_IF), "L1's IF still 0 after L2's STI");
	stgi();
	irq_enable();
	asm volatile("nop");
	report(p_count == 3 && !p_in_l2, "taken by L1 once it sets IF");
	/* without V_INTR_MASKING: L2's IF masks it, and L2's IF stays L2's */
	clgi();
	vmcb_set(VMCB_INT_CTL, 0);
	apic_wr(APIC_ICR, ICR_SELF | VEC_P);
	ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL && p_count == 3, "V_INTR_MASKING = 0: L2's IF = 0 masks it");
	report(read_rflags() & X86_EFLAGS_IF, "L2's IF = 0 does not reach L1's IF");
	ex = npti_run(l2_sti_nops, 0);
	report(ex == EXIT_VMMCALL && p_count == 4 && p_in_l2, "V_INTR_MASKING = 0: L2's IF = 1 takes it");
	stgi();
}

/* APM "NMI Intercept" */
static void test_nmi(void)
{
	vmcb_set32(VMCB_ICPT_MISC1, ICPT_NMI);
	nmi_count = 0;
	clgi();
	apic_wr(APIC_ICR, ICR_SELF | ICR_NMI | 2);
	report(nmi_count == 0, "GIF = 0 holds the NMI in L1");
	u64 ex = npti_run(l2_in_if0, 0);
	report(ex == EXIT_NMI && nmi_count == 0, "NMI intercepted: #VMEXIT(NMI) (%#llx)", (unsigned long long)ex);
	stgi();
	asm volatile("nop");
	report(nmi_count == 1 && !nmi_in_l2, "the NMI is taken by L1 after STGI");
	vmcb_set32(VMCB_ICPT_MISC1, 0);
	clgi();
	apic_wr(APIC_ICR, ICR_SELF | ICR_NMI | 2);
	ex = npti_run(l2_in_if0, 0);
	report(ex == EXIT_VMMCALL && nmi_count == 2 && nmi_in_l2, "not intercepted: delivered in L2");
	stgi();
}

/* APM "Interrupt Shadows" */
static void test_shadow(void)
{
	vmcb_set32(VMCB_ICPT_MISC1, 0);
	vmcb_set(VMCB_INT_CTL, int_ctl(0, 2, V_INTR_MASKING));
	vmcb_set(VMCB_INT_STATE, 1);
	v_count = 0;
	step = 0;
	u64 ex = npti_run_at((u64)l2_shadow_entry, X86_EFLAGS_IF);
	report(ex == EXIT_VMMCALL && v_count == 1 && v_seen_step == 1,
	       "INTERRUPT_SHADOW: L2's first instruction runs before the interrupt");
	vmcb_set(VMCB_INT_CTL, 0);
	vmcb_set(VMCB_INT_STATE, 0);
	ex = npti_run(l2_sti_vmmcall, 0);
	report(ex == EXIT_VMMCALL && (vmcb_get(VMCB_INT_STATE) & 1),
	       "a #VMEXIT in STI's shadow: INTERRUPT_SHADOW set (%#llx)",
	       (unsigned long long)vmcb_get(VMCB_INT_STATE));
	ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL && !(vmcb_get(VMCB_INT_STATE) & 1), "outside a shadow: clear");
	vmcb_set(VMCB_INT_STATE, 0);
}

/* APM "Virtual GIF (vGIF)" */
static void test_vgif(void)
{
	if (!(cpuid(0x8000000a).d & BIT(16))) {
		report_skip("vgif not offered");
		return;
	}
	vmcb_set32(VMCB_ICPT_MISC1, 0);
	vmcb_set(VMCB_INT_CTL, int_ctl(0, 2, V_INTR_MASKING | V_GIF_ENABLE | V_GIF));
	v_count = 0;
	step = 0;
	u64 ex = npti_run(l2_vgif, 0);
	report(ex == EXIT_VMMCALL && v_count == 1 && v_seen_step == 1,
	       "vGIF: L2's CLGI holds the virtual interrupt until its STGI (exit %#llx)",
	       (unsigned long long)ex);
	report(vmcb_get(VMCB_INT_CTL) & V_GIF, "V_GIF written back set");
	vmcb_set(VMCB_INT_CTL, V_INTR_MASKING | V_GIF_ENABLE | V_GIF);
	ex = npti_run(clgi, 0);
	report(ex == EXIT_VMMCALL && !(vmcb_get(VMCB_INT_CTL) & V_GIF), "V_GIF written back clear after CLGI");
	vmcb_set32(VMCB_ICPT_MISC2, ICPT2_VMRUN | ICPT2_VMMCALL | ICPT2_CLGI);
	ex = npti_run(clgi, 0);
	report(ex == EXIT_CLGI, "an intercepted CLGI still exits (%#llx)", (unsigned long long)ex);
	vmcb_set32(VMCB_ICPT_MISC2, ICPT2_VMRUN | ICPT2_VMMCALL);
	vmcb_set(VMCB_INT_CTL, 0);
	stgi();
}

/* APM "NMI Virtualization" */
#define V_NMI        BIT(11)
#define V_NMI_MASK   BIT(12)
#define V_NMI_ENABLE BIT(26)
static void test_vnmi(void)
{
	if (!(cpuid(0x8000000a).d & BIT(25))) {
		report_skip("vnmi not offered");
		return;
	}
	vmcb_set32(VMCB_ICPT_MISC1, 0);
	vmcb_set(VMCB_INT_CTL, V_INTR_MASKING | V_NMI_ENABLE | V_NMI);
	nmi_count = 0;
	u64 ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL && nmi_count == 1 && nmi_in_l2, "V_NMI delivered to L2 as an NMI (%d)",
	       nmi_count);
	report((vmcb_get(VMCB_INT_CTL) & (V_NMI | V_NMI_MASK)) == 0,
	       "V_NMI clear, V_NMI_MASK cleared by L2's IRET (%#llx)",
	       (unsigned long long)vmcb_get(VMCB_INT_CTL));
	vmcb_set(VMCB_INT_CTL, V_INTR_MASKING | V_NMI_ENABLE | V_NMI | V_NMI_MASK);
	ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL && nmi_count == 1 &&
		       (vmcb_get(VMCB_INT_CTL) & (V_NMI | V_NMI_MASK)) == (V_NMI | V_NMI_MASK),
	       "V_NMI_MASK holds it; both written back");
	vmcb_set(VMCB_INT_CTL, V_INTR_MASKING | V_NMI);
	ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL && nmi_count == 1 && (vmcb_get(VMCB_INT_CTL) & V_NMI),
	       "without V_NMI_ENABLE V_NMI does nothing");
	/* an NMI injected with EVENTINJ sets V_NMI_MASK: seen from a VMMCALL
	 * in its handler, before its IRET */
	handle_exception_vector(NMI_VECTOR, nmi_vmmcall_handler);
	vmcb_set(VMCB_INT_CTL, V_INTR_MASKING | V_NMI_ENABLE);
	vmcb_set(VMCB_EVENTINJ, BIT(31) | (2u << 8) | 2);
	ex = npti_run(l2_cli, 0);
	report(ex == EXIT_VMMCALL && (vmcb_get(VMCB_INT_CTL) & V_NMI_MASK),
	       "an NMI injected under vNMI sets V_NMI_MASK (%#llx)",
	       (unsigned long long)vmcb_get(VMCB_INT_CTL));
	vmcb_set(VMCB_EVENTINJ, 0);
	handle_exception_vector(NMI_VECTOR, nmi_handler);
	vmcb_set(VMCB_INT_CTL, 0);
}

int main(int argc, char **argv)
{
	if (!npti_setup()) {
		report_skip("SVM not offered");
		return report_summary();
	}
	pic_set_imr(0xffff); /* the PIT's IRQ 0 would be vector 8 */
	apic_wr(APIC_SVR, apic_rd(APIC_SVR) | 0x100);
	handle_exception_vector(VEC_V, v_handler);
	handle_exception_vector(VEC_P, p_handler);
	handle_exception_vector(NMI_VECTOR, nmi_handler);
	test_virq();
	test_vintr();
	test_vtpr();
	test_phys();
	test_nmi();
	test_shadow();
	test_vgif();
	test_vnmi();
	return report_summary();
}
