/* tests/guest/lib/vmx_entry.S: VM entry and VM exit for the L1 hypervisor
 * library (vmx.h).
 *
 * vmx_enter() saves L1's callee-saved registers on its stack, points HOST_RSP
 * at them, loads L2's general-purpose registers from vmx_guest_regs and
 * executes VMLAUNCH or VMRESUME. Three ways back:
 *  - the instruction fails (SDM Vol.3C "VMLAUNCH/VMRESUME—Launch/Resume
 *    Virtual Machine": VMfailInvalid / VMfailValid): execution falls through;
 *    the RFLAGS image (bit 1 always set, so never 0 or 1) is returned;
 *  - it faults (#UD, #GP): the exception table resumes at the fixup; 1 is
 *    returned and last_exception describes the fault;
 *  - a VM exit, or a VM entry that fails while or after loading guest state
 *    ("VM-Entry Failures During or After Loading Guest State"), loads host
 *    state: RIP = vmx_exit_stub, RSP = the HOST_RSP written here, RFLAGS = 2
 *    ("Loading Host RIP, RSP, SSP, and RFLAGS"). The stub stores L2's GPRs
 *    and returns 0.
 *
 * struct vmx_gprs layout (vmx.h): the exit-qualification register numbering,
 * 8 bytes each, slot 4 (RSP) unused. */
#include "segs.h"

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

#define VMCS_HOST_RSP 0x6c14

	.text
	.code64

/* u64 vmx_enter(struct vmx_gprs *g, u64 launch) */
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* g: the exit stub finds it at HOST_RSP */
	movl $VMCS_HOST_RSP, %eax
1:	vmwrite %rsp, %rax		/* may fail or fault (no current VMCS,
					 * not in VMX operation): VMLAUNCH
					 * itself then reports it */
2:	movl $-1, last_exception(%rip)
	testq %rsi, %rsi
	/* L2's GPRs; MOV leaves ZF from the TEST alone */
	movq G_RAX(%rdi), %rax
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
	jz 4f
3:	vmlaunch
	jmp 5f
4:	vmresume
5:	/* VMfailInvalid or VMfailValid: return the flags */
	pushfq
	popq %rax
	jmp 7f
6:	/* #UD / #GP from VMLAUNCH / VMRESUME (exception table) */
	movl $1, %eax
7:	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.pushsection .ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.quad 3b, 6b
	.quad 4b, 6b
	.popsection

/* host RIP of every VMCS vmx_vmcs_setup() fills */
	.globl vmx_exit_stub
vmx_exit_stub:
	pushq %rdi
	movq 8(%rsp), %rdi		/* g */
	movq %rax, G_RAX(%rdi)
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
	popq %rax
	movq %rax, G_RDI(%rdi)
	xorl %eax, %eax
	jmp 7b

/* L2 starts here with RDI = argument, RSI = function, RSP = the top of
 * vmx_l2_stack (16-byte aligned). When the function returns, L2 executes
 * VMCALL (always a VM exit in VMX non-root operation, SDM "Instructions
 * That Cause VM Exits Unconditionally") with RAX = its value. */
	.globl vmx_l2_entry, vmx_l2_done
vmx_l2_entry:
	call *%rsi
vmx_l2_done:
	vmcall
	ud2
	jmp vmx_l2_done

	.bss
	.balign 16
	.globl vmx_l2_stack, vmx_l2_stack_top
vmx_l2_stack:
	.skip 0x4000			/* VMX_L2_STACK_SIZE */
vmx_l2_stack_top:
