/* tests/guest/lib/boot.S: Multiboot v1 entry of a guest kernel.
 *
 * The loader enters `start` in 32-bit protected mode with paging off
 * (PLATFORM.md "Boot: Multiboot v1, ELF"). The stub saves what it saw into
 * boot_state, loads its own GDT, builds identity page tables for 0-4 GiB with
 * 2 MiB pages (P|W|U), and enters 64-bit mode the way SDM Vol.3A
 * "Initializing IA-32e Mode" describes: CR4.PAE, CR3, EFER.LME, then CR0.PG,
 * then a far jump to a 64-bit code segment. */
#include "boot_state.h"
#include "longmode.h"
#include "segs.h"

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0

#define STACK_SIZE	0x10000

	.section .init, "ax"
	.code32
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.globl start
start:
	/* save the entry state before touching anything */
	movl %eax, boot_state + BS_EAX
	movl %ebx, boot_state + BS_EBX
	movl %esp, boot_state + BS_ESP
	movl $boot_stack_top, %esp
	pushfl
	popl boot_state + BS_EFLAGS
	movl %cr0, %eax
	movl %eax, boot_state + BS_CR0
	movl %cr3, %eax
	movl %eax, boot_state + BS_CR3
	movl %cr4, %eax
	movl %eax, boot_state + BS_CR4
	movl %dr6, %eax
	movl %eax, boot_state + BS_DR6
	movl %dr7, %eax
	movl %eax, boot_state + BS_DR7
	movl $0xc0000080, %ecx
	rdmsr
	movl %eax, boot_state + BS_EFER
	movl %edx, boot_state + BS_EFER + 4
	movw %cs, boot_state + BS_CS
	movw %ds, boot_state + BS_DS
	movw %es, boot_state + BS_ES
	movw %fs, boot_state + BS_FS
	movw %gs, boot_state + BS_GS
	movw %ss, boot_state + BS_SS
	fnstcw boot_state + BS_FCW
	sgdt boot_state + BS_GDTR
	sidt boot_state + BS_IDTR

	cld
	lgdt gdt_desc
	ljmp $KERNEL_CS32, $1f
1:	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs

	/* zero .bss (the loader should have; do not rely on it) */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDn: 2 MiB pages */
	movl $boot_pdpt + 7, boot_pml4
	movl $boot_pd, %eax
	orl $7, %eax
	xorl %ecx, %ecx
2:	movl %eax, boot_pdpt(,%ecx,8)
	addl $0x1000, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	movl $0x87, %eax		/* P|W|U|PS */
	xorl %ecx, %ecx
3:	movl %eax, boot_pd(,%ecx,8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jb 3b

	ENTER_LONG_MODE boot_state + BS_CR4, start64

	.code64
start64:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movq $stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_state + BS_EBX, %edi
	call guest_start
4:	cli
	hlt
	jmp 4b

	.data
	.balign 16
	.globl boot_state
boot_state:
	.fill BS_SIZE, 1, 0
	.balign 16
	.fill 64, 1, 0
boot_stack_top:

	.balign 16
	.globl gdt_desc
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.balign 16
	.globl gdt
gdt:
	.quad 0				/* 0x00 null */
	.quad 0x00af9a000000ffff	/* 0x08 KERNEL_CS: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10 KERNEL_DS: flat data */
	.quad 0x00cf9a000000ffff	/* 0x18 KERNEL_CS32: 32-bit flat code */
	.quad 0x00009a000000ffff	/* 0x20 KERNEL_CS16: 16-bit code, limit 64K */
	.quad 0x000092000000ffff	/* 0x28 KERNEL_DS16: 16-bit data, limit 64K */
	.quad 0x00cffa000000ffff	/* 0x30 USER_CS32 */
	.quad 0x00cff2000000ffff	/* 0x38 USER_DS */
	.quad 0x00affa000000ffff	/* 0x40 USER_CS: 64-bit code DPL3 */
	.quad 0, 0			/* 0x48 TSS (filled by setup.c) */
	.fill GDT_FREE_ENTRIES, 8, 0	/* 0x58.. free for tests */
gdt_end:

	.bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.fill 4096, 1, 0
boot_pdpt:
	.fill 4096, 1, 0
boot_pd:
	.fill 4 * 4096, 1, 0
	.balign 16
	.globl stack_bottom, stack_top
stack_bottom:
	.fill STACK_SIZE, 1, 0
stack_top:
