/* tests/guest/lib/longmode.h: the switch from 32-bit protected mode to
 * IA-32e mode that the BSP (boot.S) and the APs (smp.S) both make (SDM
 * Vol.3A "Initializing IA-32e Mode"): CR4.PAE, CR3 = boot_pml4, EFER.LME,
 * then CR0.PG|WP|NE|PE and a far jump into the 64-bit code segment.
 * `cr4` names where the CR4 value to extend comes from. */
#ifndef GUEST_LONGMODE_H
#define GUEST_LONGMODE_H

#include "segs.h"

#ifdef __ASSEMBLER__
.macro ENTER_LONG_MODE cr4, target
	movl \cr4, %eax
	orl $0x20, %eax			/* CR4.PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax		/* EFER.LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80010021, %eax		/* PG | WP | NE | PE */
	movl %eax, %cr0
	ljmp $KERNEL_CS, $\target
.endm
#endif

#endif
