/* tests/diff/trampoline.S: run one instruction natively.
 *
 *   void diff_native_enter(struct diff_regs *st, const void *code);
 *
 * Saves the host's callee-saved registers and stack pointer, loads RFLAGS
 * (popfq) and all sixteen GPRs (RSP included) from *st, and jumps to code.
 * The code page ends the instruction with an absolute jump to
 * diff_native_exit_fall (fall-through) or diff_native_exit_taken (a branch's
 * target), which store every GPR and RFLAGS (pushfq) back into *st and
 * return to the caller. A fault never gets there: native.c's signal handler
 * (on an alternate stack) records the state and siglongjmps out instead.
 *
 * struct diff_regs layout: gpr[16] at 0..120, rflags at 128.
 */
#if defined(__x86_64__) && defined(__linux__)
	.text

	.globl	diff_native_enter
	.type	diff_native_enter, @function
diff_native_enter:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, host_rsp(%rip)
	mov	%rdi, st_ptr(%rip)
	mov	%rsi, code_ptr(%rip)
	pushq	128(%rdi)
	popfq
	mov	0(%rdi), %rax
	mov	8(%rdi), %rcx
	mov	16(%rdi), %rdx
	mov	24(%rdi), %rbx
	mov	32(%rdi), %rsp
	mov	40(%rdi), %rbp
	mov	48(%rdi), %rsi
	mov	64(%rdi), %r8
	mov	72(%rdi), %r9
	mov	80(%rdi), %r10
	mov	88(%rdi), %r11
	mov	96(%rdi), %r12
	mov	104(%rdi), %r13
	mov	112(%rdi), %r14
	mov	120(%rdi), %r15
	mov	56(%rdi), %rdi
	jmp	*code_ptr(%rip)
	.size	diff_native_enter, .-diff_native_enter

	.globl	diff_native_exit_taken
	.type	diff_native_exit_taken, @function
diff_native_exit_taken:
	movb	$1, diff_native_which(%rip)	/* mov: no flags change */
	jmp	1f
	.size	diff_native_exit_taken, .-diff_native_exit_taken

	.globl	diff_native_exit_fall
	.type	diff_native_exit_fall, @function
diff_native_exit_fall:
	movb	$0, diff_native_which(%rip)
1:	mov	%rsp, out_rsp(%rip)
	mov	host_rsp(%rip), %rsp
	pushfq
	push	%rax
	mov	st_ptr(%rip), %rax
	mov	%rcx, 8(%rax)
	mov	%rdx, 16(%rax)
	mov	%rbx, 24(%rax)
	mov	%rbp, 40(%rax)
	mov	%rsi, 48(%rax)
	mov	%rdi, 56(%rax)
	mov	%r8, 64(%rax)
	mov	%r9, 72(%rax)
	mov	%r10, 80(%rax)
	mov	%r11, 88(%rax)
	mov	%r12, 96(%rax)
	mov	%r13, 104(%rax)
	mov	%r14, 112(%rax)
	mov	%r15, 120(%rax)
	pop	%rcx
	mov	%rcx, 0(%rax)
	pop	%rcx
	mov	%rcx, 128(%rax)
	mov	out_rsp(%rip), %rcx
	mov	%rcx, 32(%rax)
	pushq	$0x202			/* AC and DF off again for C code */
	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size	diff_native_exit_fall, .-diff_native_exit_fall

	.bss
	.balign	8
host_rsp:	.quad	0
st_ptr:		.quad	0
code_ptr:	.quad	0
out_rsp:	.quad	0
	.globl	diff_native_which
diff_native_which:	.byte	0

#endif
	.section .note.GNU-stack, "", @progbits
