/* tests/guest/platform/acpi_s3.S: s3_suspend() writes PM1a_CNT and, when the
 * machine really sleeps, comes back through the FACS waking vector: the
 * real-mode code s3w_start..s3w_end (copied to S3W_BASE, entered at
 * 0700:0000 by the firmware) records CR0 and CS, goes straight to IA-32e mode
 * (CR0.PE and PG together with EFER.LME; SDM Vol.3A "Initializing IA-32e
 * Mode") and jumps to s3_resume64, which returns 1 from s3_suspend(). If the
 * write does not sleep, s3_suspend() returns 0. */
#include "segs.h"

#define W(x) ((x) - s3w_start)

	.text
	.code64
	.globl s3_suspend
s3_suspend:			/* int s3_suspend(u16 port, u16 value) */
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq
	cli
	sidt s3_saved_idtr(%rip)
	movq %rsp, s3_saved_rsp(%rip)
	movl %edi, %edx
	movl %esi, %eax
	outw %ax, %dx
	xorl %eax, %eax		/* still running: the write did not sleep */
	jmp 1f

s3_resume64:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movq s3_saved_rsp(%rip), %rsp
	lidt s3_saved_idtr(%rip)
	movl $1, %eax
1:	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.data
	.balign 8
s3_saved_rsp:	.quad 0
s3_saved_idtr:	.word 0
		.quad 0

	.section .rodata
	.code16
	.globl s3w_start, s3w_end, s3w_gdt, s3w_cr3, s3w_efer, s3w_cr0_seen, s3w_cs_seen
s3w_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	movl %cr0, %eax
	movl %eax, W(s3w_cr0_seen)
	movw %cs, W(s3w_cs_seen)
	lgdtl W(s3w_gdt)
	movl W(s3w_cr3), %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax		/* PAE */
	movl %eax, %cr4
	movl $0xc0000080, %ecx
	movl W(s3w_efer), %eax	/* with LME */
	xorl %edx, %edx
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax	/* PG | PE */
	movl %eax, %cr0
	ljmpl *W(s3w_jmp)

	.balign 8
s3w_gdt:	.word 0
		.long 0
s3w_cr3:	.long 0
s3w_efer:	.long 0
s3w_cr0_seen:	.long 0xffffffff
s3w_cs_seen:	.word 0xffff
s3w_jmp:	.long s3_resume64
		.word KERNEL_CS
s3w_end:
