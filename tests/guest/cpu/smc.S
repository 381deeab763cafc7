/* tests/guest/cpu/smc.S: code that smc.c rewrites while it runs
 * (SDM Vol.3A "Self-Modifying Code"). Each function returns an immediate
 * that the test patches. The kernel's text is writable (identity map W=1). */
	.text
	.code64
/* mov $imm32, %eax; ret -- the immediate is at smc_imm_fn + 1 */
	.globl smc_imm_fn
smc_imm_fn:
	movl $1, %eax
	ret

/* u32 smc_next_insn(u32 v): stores v into the immediate of the very next
 * instruction, which must then execute with the new value */
	.globl smc_next_insn
smc_next_insn:
	movl %edi, 1f + 1(%rip)
1:	movl $0, %eax
	ret

/* returns its own immediate, then increments it: 0, 1, 2, ... */
	.globl smc_counter_fn
smc_counter_fn:
	movl $0, %eax
	incl smc_counter_fn + 1(%rip)
	ret

/* u32 smc_loop(void): one loop whose body rewrites a later instruction of
 * the same loop each iteration; returns the sum of what it loaded */
	.globl smc_loop
smc_loop:
	xorl %edx, %edx
	movl $4, %ecx
2:	movl %ecx, 3f + 1(%rip)
3:	movl $0, %eax
	addl %eax, %edx
	decl %ecx
	jnz 2b
	movl %edx, %eax
	ret

/* an instruction that straddles a page boundary: B8 at the last byte but
 * one... the opcode and the first immediate byte on one page, the other
 * three immediate bytes on the next */
	.section .text.smc_cross, "ax"
	.balign 4096
	.skip 4096 - 2
	.globl smc_cross_fn
smc_cross_fn:
	movl $0x11223344, %eax
	ret
	.balign 4096

/* a function alone on its page, for alias mappings */
	.globl smc_alias_fn
smc_alias_fn:
	movl $0xa1, %eax
	ret
	.balign 4096

	.text
/* u32 smc_rep_next(void): a REP STOSB that turns the 5-byte instruction
 * after it into NOPs; returns 7 if the NOPs ran, 1 if the old code did */
	.globl smc_rep_next
smc_rep_next:
	movl $7, %eax
	pushq %rdi
	pushq %rcx
	pushq %rax
	leaq 1f(%rip), %rdi
	movl $5, %ecx
	movb $0x90, %al
	rep stosb
	popq %rax
1:	movl $1, %eax
	popq %rcx
	popq %rdi
	ret

/* u32 smc_ahead(u32 v): patches an instruction two instructions ahead */
	.globl smc_ahead
smc_ahead:
	movl %edi, 2f + 1(%rip)
	xorl %eax, %eax
	incl %ecx
2:	movl $0, %eax
	ret
