/* tests/guest/svm/npti.h: what the NPTI guest kernels (svm_npt.c,
 * svm_intr.c) share: a bare-metal 64-bit L1 that runs L2 code under VMRUN
 * (AMD APM Vol.2 "Secure Virtual Machine"). The VMCB layout here is the
 * APM's (Appendix B "Layout of VMCB"), written from the manual on its own,
 * not from src/svm, so the two check each other.
 *
 * L2 runs in 64-bit mode on L1's page tables, GDT and IDT (the lib's
 * exception handlers work in L2 too), on a stack of its own, starting at
 * npti_l2_entry, which calls l2_fn and then exits with VMMCALL. */
#ifndef NPTI_H
#define NPTI_H

#include "guest.h"
#include "vm.h"

/* --- VMCB offsets (APM Table B-1 and B-2) --- */
#define VMCB_ICPT_CR       0x000
#define VMCB_ICPT_EXC      0x008
#define VMCB_ICPT_MISC1    0x00c
#define VMCB_ICPT_MISC2    0x010
#define VMCB_ASID          0x058
#define VMCB_TLB_CONTROL   0x05c
#define VMCB_INT_CTL       0x060
#define VMCB_INT_STATE     0x068
#define VMCB_EXITCODE      0x070
#define VMCB_EXITINFO1     0x078
#define VMCB_EXITINFO2     0x080
#define VMCB_EXITINTINFO   0x088
#define VMCB_NP_ENABLE     0x090
#define VMCB_EVENTINJ      0x0a8
#define VMCB_NCR3          0x0b0
#define VMCB_NRIP          0x0c8
#define VMCB_ES            0x400
#define VMCB_CS            0x410
#define VMCB_SS            0x420
#define VMCB_DS            0x430
#define VMCB_GDTR          0x460
#define VMCB_IDTR          0x480
#define VMCB_CPL           0x4cb
#define VMCB_EFER          0x4d0
#define VMCB_CR4           0x548
#define VMCB_CR3           0x550
#define VMCB_CR0           0x558
#define VMCB_DR7           0x560
#define VMCB_DR6           0x568
#define VMCB_RFLAGS        0x570
#define VMCB_RIP           0x578
#define VMCB_RSP           0x5d8
#define VMCB_RAX           0x5f8
#define VMCB_GPAT          0x668

/* intercept bits: misc1 (00Ch) and misc2 (010h) */
#define ICPT_INTR    BIT(0)
#define ICPT_NMI     BIT(1)
#define ICPT_SMI     BIT(2)
#define ICPT_INIT    BIT(3)
#define ICPT_VINTR   BIT(4)
#define ICPT_CPUID   BIT(18)
#define ICPT_HLT     BIT(24)
#define ICPT_INVLPGA BIT(26)
#define ICPT2_VMRUN  BIT(0)
#define ICPT2_VMMCALL BIT(1)
#define ICPT2_STGI   BIT(4)
#define ICPT2_CLGI   BIT(5)

/* int_ctl (060h) */
#define V_IRQ            BIT(8)
#define V_GIF            BIT(9)
#define V_INTR_PRIO(p)   ((u64)(p) << 16)
#define V_IGN_TPR        BIT(20)
#define V_INTR_MASKING   BIT(24)
#define V_GIF_ENABLE     BIT(25)
#define V_INTR_VECTOR(v) ((u64)(v) << 32)

/* exit codes (APM Appendix C) */
#define EXIT_INTR    0x60
#define EXIT_NMI     0x61
#define EXIT_SMI     0x62
#define EXIT_INIT    0x63
#define EXIT_VINTR   0x64
#define EXIT_CPUID   0x72
#define EXIT_HLT     0x78
#define EXIT_INVLPGA 0x7a
#define EXIT_VMMCALL 0x81
#define EXIT_STGI    0x84
#define EXIT_CLGI    0x85
#define EXIT_NPF     0x400
#define EXIT_INVALID 0xffffffffffffffffull

#define MSR_EFER        0xc0000080
#define MSR_VM_HSAVE_PA 0xc0010117
#define MSR_PAT         0x277
#define EFER_SVME       BIT(12)

static u8 *vmcb;
static u8 *l2_stack;
static void (*volatile l2_fn)(void);

static inline u64 vmcb_get(unsigned off) { return *(volatile u64 *)(vmcb + off); }
static inline void vmcb_set(unsigned off, u64 v) { *(volatile u64 *)(vmcb + off) = v; }
static inline u32 vmcb_get32(unsigned off) { return *(volatile u32 *)(vmcb + off); }
static inline void vmcb_set32(unsigned off, u32 v) { *(volatile u32 *)(vmcb + off) = v; }

static inline void stgi(void) { asm volatile("stgi" : : : "memory"); }
static inline void clgi(void) { asm volatile("clgi" : : : "memory"); }
static inline void vmmcall(void) { asm volatile("vmmcall" : : : "memory"); }

/* L2 starts here: l2_fn, then VMMCALL (again if L1 resumes it) */
static void npti_l2_entry(void)
{
	l2_fn();
	for (;;)
		vmmcall();
}

/* a VMCB segment: selector, attributes (descriptor bits 47:40 in 7:0,
 * 55:52 in 11:8), limit, base */
static void vmcb_seg(unsigned off, u16 sel, u16 attrib)
{
	*(volatile u16 *)(vmcb + off) = sel;
	*(volatile u16 *)(vmcb + off + 2) = attrib;
	*(volatile u32 *)(vmcb + off + 4) = 0xffffffff;
	*(volatile u64 *)(vmcb + off + 8) = 0;
}

/* SVM present and enabled; a valid VMCB for a 64-bit L2 on L1's tables
 * with ASID 1, intercepting VMRUN and VMMCALL; false when SVM is absent */
static bool npti_setup(void)
{
	if (!(cpuid(0x80000001).c & BIT(2)))
		return false;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(alloc_page()));
	vmcb = alloc_page();
	l2_stack = alloc_pages(2);
	struct desc_ptr gdt, idt;
	sgdt(&gdt);
	sidt(&idt);
	vmcb_seg(VMCB_CS, KERNEL_CS, 0xa9b);
	vmcb_seg(VMCB_SS, KERNEL_DS, 0xc93);
	vmcb_seg(VMCB_DS, KERNEL_DS, 0xc93);
	vmcb_seg(VMCB_ES, KERNEL_DS, 0xc93);
	*(volatile u16 *)(vmcb + VMCB_GDTR + 4) = gdt.limit;
	vmcb_set(VMCB_GDTR + 8, gdt.base);
	*(volatile u16 *)(vmcb + VMCB_IDTR + 4) = idt.limit;
	vmcb_set(VMCB_IDTR + 8, idt.base);
	vmcb_set(VMCB_EFER, rdmsr(MSR_EFER));
	vmcb_set(VMCB_CR0, read_cr0());
	vmcb_set(VMCB_CR3, read_cr3());
	vmcb_set(VMCB_CR4, read_cr4());
	vmcb_set(VMCB_DR6, 0xffff0ff0);
	vmcb_set(VMCB_DR7, 0x400);
	vmcb_set(VMCB_GPAT, rdmsr(MSR_PAT));
	vmcb_set32(VMCB_ICPT_MISC2, ICPT2_VMRUN | ICPT2_VMMCALL);
	vmcb_set32(VMCB_ASID, 1);
	return true;
}

/* 1 between VMRUN and #VMEXIT as L1 sees them: an interrupt handler that
 * finds it set ran in L2 */
static volatile int in_l2;

/* VMRUN where the VMCB says until the #VMEXIT; returns the exit code.
 * VMRUN saves and restores only RAX, RSP and RIP of the host's registers,
 * so the others are kept on the stack around it. */
static u64 npti_resume(void)
{
	u64 pa = virt_to_phys(vmcb);
	in_l2 = 1;
	asm volatile("push %%rbx; push %%rbp; push %%r12; push %%r13; push %%r14; push %%r15\n\t"
		     "vmrun %%rax\n\t"
		     "pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbp; pop %%rbx"
		     : "+a"(pa)
		     :
		     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	in_l2 = 0;
	return vmcb_get(VMCB_EXITCODE);
}

/* VMRUN with L2 starting at rip (RFLAGS = rflags) on its own stack */
static u64 npti_run_at(u64 rip, u64 rflags)
{
	vmcb_set(VMCB_RIP, rip);
	vmcb_set(VMCB_RSP, (u64)l2_stack + 2 * PAGE_SIZE - 8);
	vmcb_set(VMCB_RFLAGS, rflags | 2);
	return npti_resume();
}

/* VMRUN with L2 running fn, then VMMCALL */
static u64 npti_run(void (*fn)(void), u64 rflags)
{
	l2_fn = fn;
	return npti_run_at((u64)npti_l2_entry, rflags);
}

#endif
