/* tests/guest/lib/isr.S: one 16-byte entry stub per IDT vector and the common
 * path that builds a struct ex_regs (desc.h) and calls handle_exception().
 * Vectors whose exceptions push an error code (SDM Vol.3A "Exception and
 * Interrupt Reference": #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX) do not push a
 * dummy one; a software INT n to those vectors therefore gives a shifted
 * frame (as on real hardware with any OS). */
#include "segs.h"

	.text
	.code64
	.balign 16
	.globl isr_stubs
isr_stubs:
	vec = 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	vec = vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call handle_exception
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

/* int catch_call(void (*fn)(void *), void *data, struct catch_ctx *ctx):
 * saves the callee-saved state in ctx, calls fn(data) and returns -1; an
 * exception while ctx is armed resumes here through catch_resume() with the
 * vector as return value. */
	.globl catch_call
catch_call:
	movq %rbx, 0(%rdx)
	movq %rbp, 8(%rdx)
	movq %r12, 16(%rdx)
	movq %r13, 24(%rdx)
	movq %r14, 32(%rdx)
	movq %r15, 40(%rdx)
	leaq 8(%rsp), %rax
	movq %rax, 48(%rdx)		/* rsp after our return */
	movq (%rsp), %rax
	movq %rax, 56(%rdx)		/* return address */
	pushfq
	popq 64(%rdx)
	movq %rdi, %rax
	movq %rsi, %rdi
	call *%rax
	movl $-1, %eax
	ret

/* noreturn void catch_resume(struct catch_ctx *ctx, int vector) */
	.globl catch_resume
catch_resume:
	movl $KERNEL_DS, %eax
	movl %eax, %ss
	movl %eax, %ds
	movl %eax, %es
	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	pushq 64(%rdi)
	popfq
	movl %esi, %eax
	jmp *56(%rdi)

/* void user_enter(struct user_call *uc): IRET to CPL 3 at user_trampoline on
 * uc->stack; the trampoline calls uc->fn(uc->arg) and returns the value in
 * RAX through INT USER_RET_VECTOR (handled in desc.c). */
	.globl user_enter
user_enter:
	pushq $(USER_DS | 3)
	pushq 16(%rdi)
	pushfq
	pushq $(USER_CS | 3)
	pushq $user_trampoline
	iretq
user_trampoline:
	movq %rdi, %rbx
	movq 8(%rbx), %rdi
	call *0(%rbx)
	int $0x7f			/* USER_RET_VECTOR */
1:	jmp 1b
