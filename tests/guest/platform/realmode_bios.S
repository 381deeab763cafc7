/* tests/guest/platform/realmode_bios.S: rm_bios_call() leaves 64-bit mode
 * for real mode (compatibility mode, CR0.PG=0, EFER.LME=0, 16-bit protected
 * mode, CR0.PE=0; SDM Vol.3A "Switching to Real-Address Mode"), runs the
 * checks of realmode_bios.c against the BIOS's IVT and timer there, and
 * comes back up the same way ("Initializing IA-32e Mode"). The 16-bit part
 * runs from its copy at RMB_BASE. */
#include "segs.h"

#define RMB_BASE 0x7000
#define RMB(x) ((x) - rmb_start + RMB_BASE)

	.text
	.code64
	.globl rm_bios_call
rm_bios_call:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq
	cli
	sidt rmb_saved_idtr(%rip)
	movq %rsp, rmb_saved_rsp(%rip)
	pushq $KERNEL_CS32
	pushq $rmb_pm32_down
	lretq

	.code32
rmb_pm32_down:
	movl %cr0, %eax
	andl $~0x80000000, %eax
	movl %eax, %cr0
	movl $0xc0000080, %ecx
	rdmsr
	andl $~0x100, %eax
	wrmsr
	lidt RMB(rmb_ivt_desc)
	ljmp $KERNEL_CS16, $RMB(rmb_pm16)

rmb_pm32_up:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0
	ljmp $KERNEL_CS, $rmb_lm64_up

	.code64
rmb_lm64_up:
	movq rmb_saved_rsp(%rip), %rsp
	lidt rmb_saved_idtr(%rip)
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.section .rodata
	.globl rmb_start, rmb_end
	.code16
rmb_start:
rmb_pm16:
	movw $KERNEL_DS16, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl %cr0, %eax
	andl $~1, %eax
	movl %eax, %cr0
	ljmp $0, $RMB(rmb_real)

rmb_real:
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $RMB(rmb_stack_top), %sp

	/* a software interrupt through the BIOS's IVT entry comes back */
	movw %sp, RMB(rmb_sp_before)
	int $0x30
	movw %sp, RMB(rmb_sp_after)
	movw $1, RMB(rmb_int_ok)

	/* the timer: IRQ 0 at vector 0x08 counts in the BDA (0040:006c) */
	movl 0x46c, %eax
	movl %eax, RMB(rmb_ticks_start)
	cmpw $0, RMB(rmb_wait_ticks)
	je 2f
	movw RMB(rmb_wait_ticks), %cx
	sti
1:	hlt
	movl 0x46c, %eax
	subl RMB(rmb_ticks_start), %eax
	cmpw %cx, %ax
	jb 1b
	cli
2:	movl 0x46c, %eax
	movl %eax, RMB(rmb_ticks_end)
	/* the BIOS's handler sent the EOI: nothing in service */
	movb $0x0b, %al
	outb %al, $0x20
	inb $0x20, %al
	movzbw %al, %ax
	movw %ax, RMB(rmb_isr)

	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $KERNEL_CS32, $rmb_pm32_up

	.balign 8
rmb_ivt_desc:
	.word 0x3ff
	.long 0
	.globl rmb_wait_ticks, rmb_int_ok, rmb_sp_before, rmb_sp_after
	.globl rmb_ticks_start, rmb_ticks_end, rmb_isr
rmb_wait_ticks:	.word 0
rmb_int_ok:	.word 0
rmb_sp_before:	.word 0
rmb_sp_after:	.word 0
rmb_isr:	.word 0xffff
	.balign 4
rmb_ticks_start: .long 0
rmb_ticks_end:	.long 0
	.balign 16
	.fill 512, 1, 0
rmb_stack_top:
rmb_end:

	.data
	.balign 8
rmb_saved_rsp:
	.quad 0
rmb_saved_idtr:
	.fill 16, 1, 0
