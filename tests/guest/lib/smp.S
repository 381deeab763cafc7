/* tests/guest/lib/smp.S: application-processor start-up (PLATFORM.md "SMP").
 * An AP leaves INIT-SIPI (vector 0) in real mode at 0000:0000, where smp.c
 * copied ap_tramp; it loads the kernel GDT, enters protected mode, then
 * IA-32e mode on the BSP's boot page tables (SDM Vol.3A "Initializing
 * IA-32e Mode"), takes the stack of its APIC ID, and calls ap_main(APIC ID). */
#include "longmode.h"
#include "segs.h"
#include "smp.h"

#define AP(x) ((x) - ap_tramp)

	.section .rodata
	.code16
	.globl ap_tramp, ap_tramp_end, ap_gdt_desc
ap_tramp:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl AP(ap_gdt_desc)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $KERNEL_CS32, $ap_start32
	.balign 8
ap_gdt_desc:
	.word 0
	.long 0
ap_tramp_end:

	.text
	.code32
ap_start32:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	ENTER_LONG_MODE %cr4, ap_start64

	.code64
ap_start64:
	/* the stack slot is chosen by the initial APIC ID, so a restarted
	 * AP gets the same one back */
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	cmpl $SMP_MAX_CPUS, %ebx
	jae 2f
	movl %ebx, %edi
	movl %ebx, %eax
	incl %eax
	shlq $14, %rax			/* 16 KiB per AP */
	leaq ap_stacks(%rip), %rsp
	addq %rax, %rsp
	call ap_main
2:	cli
	hlt
	jmp 2b

	.bss
	.balign 16
ap_stacks:
	.fill SMP_MAX_CPUS * 0x4000, 1, 0
