/* tests/guest/lib/svm_entry.S: VMRUN and the way back for the L1 library
 * (svm.h).
 *
 * svm_enter() saves L1's callee-saved registers on its stack, loads L2's
 * general-purpose registers from svm_guest_regs (APM "VMRUN": the
 * processor switches only RAX, RSP, RIP, RFLAGS and the segment/control
 * state; the other GPRs are software's), and executes VMRUN with RAX = the
 * VMCB. #VMEXIT resumes after VMRUN with the host RAX and RSP: L2's other
 * registers are stored back and 0 returned. If VMRUN faults (#UD, #GP) the
 * exception table resumes at the fixup, which returns 1. */
#define G_RAX	0
#define G_RCX	8
#define G_RDX	16
#define G_RBX	24
#define G_RBP	40
#define G_RSI	48
#define G_RDI	56
#define G_R8	64
#define G_R9	72
#define G_R10	80
#define G_R11	88
#define G_R12	96
#define G_R13	104
#define G_R14	112
#define G_R15	120

	.text
	.code64

/* u64 svm_enter(u64 vmcb_pa) */
	.globl svm_enter
svm_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movl $-1, last_exception(%rip)
	movq %rdi, %rax
	leaq svm_guest_regs(%rip), %rdi
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RBX(%rdi), %rbx
	movq G_RBP(%rdi), %rbp
	movq G_RSI(%rdi), %rsi
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
	movq G_RDI(%rdi), %rdi
1:	vmrun
	/* #VMEXIT: RAX and RSP are the host's again */
	pushq %rdi
	leaq svm_guest_regs(%rip), %rdi
	movq %rcx, G_RCX(%rdi)
	movq %rdx, G_RDX(%rdi)
	movq %rbx, G_RBX(%rdi)
	movq %rbp, G_RBP(%rdi)
	movq %rsi, G_RSI(%rdi)
	movq %r8, G_R8(%rdi)
	movq %r9, G_R9(%rdi)
	movq %r10, G_R10(%rdi)
	movq %r11, G_R11(%rdi)
	movq %r12, G_R12(%rdi)
	movq %r13, G_R13(%rdi)
	movq %r14, G_R14(%rdi)
	movq %r15, G_R15(%rdi)
	popq %rcx
	movq %rcx, G_RDI(%rdi)
	xorl %eax, %eax
2:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
3:	/* VMRUN faulted (exception table) */
	movl $1, %eax
	jmp 2b

	.pushsection .ex_table, "a"
	.balign 8
	.quad 1b, 3b
	.popsection

/* L2 starts here with RDI = argument, RSI = function. When the function
 * returns, L2 executes VMMCALL (intercepted) with RAX = its value. */
	.globl svm_l2_entry, svm_l2_done
svm_l2_entry:
	call *%rsi
svm_l2_done:
	vmmcall
	ud2
	jmp svm_l2_done
