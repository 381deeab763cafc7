/* tests/diff/trampoline.S: run one instruction natively.
 *
 *   void diff_native_enter(struct diff_regs *st, const void *code);
 *
 * Saves the host's callee-saved registers, stack pointer and MXCSR, loads
 * MXCSR, XMM0-15, MM0-7 (which leaves x87 TOP = 0 and every tag valid),
 * RFLAGS (popfq) and all sixteen GPRs (RSP included) from *st, and jumps to
 * code.
 * The code page ends the instruction with an absolute jump to
 * diff_native_exit_fall (fall-through) or diff_native_exit_taken (a branch's
 * target), which store every GPR, RFLAGS (pushfq), XMM/MM register and MXCSR
 * back into *st, EMMS, restore the host MXCSR and return to the caller. A fault never gets there: native.c's signal handler
 * (on an alternate stack) records the state and siglongjmps out instead.
 *
 * struct diff_regs layout: gpr[16] at 0..120, rflags at 128, xmm[16][2] at
 * 136, mm[8] at 392, mxcsr at 456.
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
	stmxcsr	host_mxcsr(%rip)
	ldmxcsr	456(%rdi)
	movdqu	136(%rdi), %xmm0
	movdqu	152(%rdi), %xmm1
	movdqu	168(%rdi), %xmm2
	movdqu	184(%rdi), %xmm3
	movdqu	200(%rdi), %xmm4
	movdqu	216(%rdi), %xmm5
	movdqu	232(%rdi), %xmm6
	movdqu	248(%rdi), %xmm7
	movdqu	264(%rdi), %xmm8
	movdqu	280(%rdi), %xmm9
	movdqu	296(%rdi), %xmm10
	movdqu	312(%rdi), %xmm11
	movdqu	328(%rdi), %xmm12
	movdqu	344(%rdi), %xmm13
	movdqu	360(%rdi), %xmm14
	movdqu	376(%rdi), %xmm15
	movq	392(%rdi), %mm0
	movq	400(%rdi), %mm1
	movq	408(%rdi), %mm2
	movq	416(%rdi), %mm3
	movq	424(%rdi), %mm4
	movq	432(%rdi), %mm5
	movq	440(%rdi), %mm6
	movq	448(%rdi), %mm7
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
	mov	st_ptr(%rip), %rax	/* SIMD state: with AC off (MOVDQU can #AC) */
	movdqu	%xmm0, 136(%rax)
	movdqu	%xmm1, 152(%rax)
	movdqu	%xmm2, 168(%rax)
	movdqu	%xmm3, 184(%rax)
	movdqu	%xmm4, 200(%rax)
	movdqu	%xmm5, 216(%rax)
	movdqu	%xmm6, 232(%rax)
	movdqu	%xmm7, 248(%rax)
	movdqu	%xmm8, 264(%rax)
	movdqu	%xmm9, 280(%rax)
	movdqu	%xmm10, 296(%rax)
	movdqu	%xmm11, 312(%rax)
	movdqu	%xmm12, 328(%rax)
	movdqu	%xmm13, 344(%rax)
	movdqu	%xmm14, 360(%rax)
	movdqu	%xmm15, 376(%rax)
	movq	%mm0, 392(%rax)
	movq	%mm1, 400(%rax)
	movq	%mm2, 408(%rax)
	movq	%mm3, 416(%rax)
	movq	%mm4, 424(%rax)
	movq	%mm5, 432(%rax)
	movq	%mm6, 440(%rax)
	movq	%mm7, 448(%rax)
	stmxcsr	456(%rax)
	emms
	ldmxcsr	host_mxcsr(%rip)
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
host_mxcsr:	.long	0
	.globl	diff_native_which
diff_native_which:	.byte	0

#endif
	.section .note.GNU-stack, "", @progbits
