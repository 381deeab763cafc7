/* tests/guest/cpu/modes.S: mode-switch helpers for modes.c.
 *
 * compat_call: 64-bit -> far CALL -> 32-bit compatibility-mode code -> far
 * RET -> 64-bit (SDM Vol.3A "IA-32e Mode Operation", Vol.2 "CALL" / "RET").
 *
 * realmode_call: 64-bit -> compatibility mode -> clear CR0.PG (leaves IA-32e
 * mode, EFER.LMA=0) -> clear EFER.LME -> 16-bit protected mode -> clear
 * CR0.PE -> real mode: a computation, segment arithmetic, and "big real mode"
 * accesses through FS, whose descriptor cache still holds the flat 4 GiB
 * limit loaded in protected mode -> back up: CR0.PE, 32-bit code, EFER.LME,
 * CR0.PG, 64-bit (SDM Vol.3A "Switching to Real-Address Mode", "Switching to
 * Protected Mode", "Initializing IA-32e Mode"). The 16-bit part runs from a
 * copy at RM_BASE (real mode can only address the first MiB). */
#include "segs.h"

#define RM_BASE 0x6000
#define RM(x) ((x) - rm_start + RM_BASE)

	.text
	.code64
/* u32 compat_call(u32 x): results in compat_out[] */
	.globl compat_call
compat_call:
	pushq %rbx
	movl %edi, %eax
	lcall *compat_ptr(%rip)		/* m16:32, default 32-bit operand size */
	popq %rbx
	ret

	.code32
compat_entry:
	movl 4(%esp), %ebx		/* CS pushed by the far call */
	movl %ebx, compat_out + 4
	movl (%esp), %ebx		/* EIP pushed by the far call */
	movl %ebx, compat_out + 8
	movl %esp, %ecx
	pushl %eax
	subl %esp, %ecx			/* push size in compatibility mode */
	popl %edx
	movl %ecx, compat_out + 12
	movw %cs, %cx
	movl %ecx, compat_out + 16
	.byte 0x48			/* DEC EAX here; a REX.W prefix in 64-bit mode */
	nop
	movl %eax, compat_out
	lret

	.code64
/* u32 realmode_call(u32 x): results in the trampoline's data (rm_*) */
	.globl realmode_call
realmode_call:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq
	cli
	sidt saved_idtr(%rip)
	movq %rsp, saved_rsp(%rip)
	movw %di, RM_BASE + (rm_input - rm_start)
	pushq $KERNEL_CS32
	pushq $pm32_down
	lretq

	.code32
pm32_down:
	movl %cr0, %eax
	andl $~0x80000000, %eax		/* CR0.PG = 0: leave IA-32e mode */
	movl %eax, %cr0
	movl $0xc0000080, %ecx
	rdmsr
	movl %eax, RM(rm_efer_down)
	andl $~0x100, %eax		/* EFER.LME = 0 */
	wrmsr
	lidt rm_idt_desc
	movl $KERNEL_DS, %eax
	movl %eax, %fs			/* flat 4 GiB limit, kept into real mode */
	ljmp $KERNEL_CS16, $RM(pm16)

pm32_up:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl %cr0, %eax
	movl %eax, rm_cr0_pm
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax		/* EFER.LME = 1 */
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax		/* CR0.PG = 1: IA-32e mode, compatibility */
	movl %eax, %cr0
	movl $0xc0000080, %ecx
	rdmsr
	movl %eax, rm_efer_up
	ljmp $KERNEL_CS, $lm64_up

	.code64
lm64_up:
	movq saved_rsp(%rip), %rsp
	lidt saved_idtr(%rip)
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	movzwl RM_BASE + (rm_out_calc - rm_start), %eax
	ret

/* u32 pae_call(void): 64-bit -> compatibility mode -> clear CR0.PG and
 * EFER.LME -> PAE paging from pae_pdpt (SDM "PAE Paging") -> the PDPTE
 * probe below -> back to IA-32e mode with the saved CR3 -> 64-bit. The
 * probe (SDM "PDPTE Registers"): read pae_probe_lin through PDPTE 1 (result
 * pae_out[0]); point PDPTE 1 in memory elsewhere and INVLPG the address,
 * which does not reload the PDPTE registers (pae_out[1]); MOV to CR3 with
 * the same value, which does (pae_out[2]). Interrupts stay off; a fault in
 * here would meet the 64-bit IDT and end the test. */
	.code64
	.globl pae_call
pae_call:
	pushq %rbx
	pushfq
	cli
	movq %cr3, %rax
	movq %rax, pae_saved_cr3(%rip)
	movq %rsp, pae_saved_rsp(%rip)
	pushq $KERNEL_CS32
	pushq $pae32
	lretq

	.code32
pae32:
	movl %cr0, %eax
	andl $~0x80000000, %eax		/* CR0.PG = 0: leave IA-32e mode */
	movl %eax, %cr0
	movl $0xc0000080, %ecx
	rdmsr
	andl $~0x100, %eax		/* EFER.LME = 0 (CR4.PAE stays 1) */
	wrmsr
	movl $pae_pdpt, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $0x80000000, %eax		/* CR0.PG = 1: PAE paging, PDPTEs loaded */
	movl %eax, %cr0
	movl pae_probe_lin, %ebx
	movl (%ebx), %eax
	movl %eax, pae_out
	movl pae_pdpte1_b, %eax
	movl %eax, pae_pdpt + 8
	movl $0, pae_pdpt + 12
	invlpg (%ebx)
	movl (%ebx), %eax
	movl %eax, pae_out + 4
	movl %cr3, %eax
	movl %eax, %cr3			/* loads the PDPTEs again */
	movl (%ebx), %eax
	movl %eax, pae_out + 8
	movl %cr0, %eax
	andl $~0x80000000, %eax
	movl %eax, %cr0
	movl pae_saved_cr3, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax		/* EFER.LME = 1 */
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax		/* CR0.PG = 1: IA-32e mode again */
	movl %eax, %cr0
	ljmp $KERNEL_CS, $pae64_up

	.code64
pae64_up:
	movq pae_saved_rsp(%rip), %rsp
	popfq
	popq %rbx
	movl pae_out(%rip), %eax
	ret

/* the part copied to RM_BASE */
	.section .rodata
	.globl rm_start, rm_end
	.code16
rm_start:
pm16:
	movw $KERNEL_DS16, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %gs
	movl %cr0, %eax
	andl $~1, %eax			/* CR0.PE = 0 */
	movl %eax, %cr0
	ljmp $0, $RM(rm_entry)

rm_entry:
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %ss
	movw $RM(rm_stack_top), %sp
	movw %cs, RM(rm_out_cs)
	smsw RM(rm_out_msw)
	/* a computation: x * 3 + 7, with a near call and 16-bit push/pop */
	movw RM(rm_input), %ax
	call rm_times3
	addw $7, %ax
	movw %ax, RM(rm_out_calc)
	movw %sp, %cx
	pushw %ax
	subw %sp, %cx
	popw %ax
	movw %cx, RM(rm_out_pushsz)
	/* segment arithmetic: ES=0x0500 -> linear 0x5000 + offset */
	movw $0x0500, %ax
	movw %ax, %es
	movw $0x5a5a, %es:(RM(rm_scratch) - 0x5000)
	movw RM(rm_scratch), %ax
	movw %ax, RM(rm_out_seg)
	/* big real mode: 32-bit addresses above 1 MiB through FS */
	movl RM(big_src_addr), %esi
	addr32 movl %fs:(%esi), %eax
	movl %eax, RM(rm_out_big)
	movl RM(big_dst_addr), %edi
	addr32 movl $0xcafef00d, %fs:(%edi)

	/* INT n in real mode goes through the IVT at 0: FLAGS, CS, IP pushed */
	movw $RM(rm_int_handler), 0x30 * 4
	movw $0, 0x30 * 4 + 2
	movw %sp, RM(rm_sp_before)
	int $0x30
rm_after_int:
	movw %sp, RM(rm_sp_after)

	/* back to protected mode, 32-bit code */
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $KERNEL_CS32, $pm32_up

rm_int_handler:
	movw %sp, RM(rm_int_sp)
	movw %sp, %bx
	movw (%bx), %ax
	movw %ax, RM(rm_int_ip)
	movw 2(%bx), %ax
	movw %ax, RM(rm_int_cs)
	iret

rm_times3:
	movw %ax, %bx
	addw %ax, %ax
	addw %bx, %ax
	ret

	.balign 8
rm_idt_desc:
	.word 0x3ff
	.long 0
	.globl rm_input, rm_out_calc, rm_out_cs, rm_out_msw, rm_out_pushsz, rm_out_seg
	.globl rm_out_big, rm_efer_down, rm_scratch
rm_input:	.word 0
rm_out_calc:	.word 0
rm_out_cs:	.word 0xffff
rm_out_msw:	.word 0xffff
rm_out_pushsz:	.word 0
rm_out_seg:	.word 0
rm_scratch:	.word 0
	.globl rm_sp_before, rm_sp_after, rm_int_sp, rm_int_ip, rm_int_cs, rm_after_int_off
rm_sp_before:	.word 0
rm_sp_after:	.word 0
rm_int_sp:	.word 0
rm_int_ip:	.word 0
rm_int_cs:	.word 0xffff
rm_after_int_off: .word RM(rm_after_int)
	.balign 4
rm_out_big:	.long 0
rm_efer_down:	.long 0
big_src_addr:	.long big_src
big_dst_addr:	.long big_dst
	.balign 16
	.fill 256, 1, 0
rm_stack_top:
rm_end:

	.data
	.balign 8
compat_ptr:
	.long compat_entry
	.word KERNEL_CS32
	.globl compat_out, big_src, big_dst, rm_cr0_pm, rm_efer_up
	.balign 8
compat_out:
	.fill 8, 4, 0
pae_saved_rsp:
	.quad 0
pae_saved_cr3:
	.quad 0
	.globl pae_out, pae_probe_lin, pae_pdpte1_b, pae_pdpt
pae_out:
	.long 0, 0, 0
pae_probe_lin:
	.long 0
pae_pdpte1_b:
	.long 0
	.balign 32
pae_pdpt:
	.quad 0, 0, 0, 0
	.balign 8
saved_rsp:
	.quad 0
saved_idtr:
	.fill 16, 1, 0
big_src:
	.long 0x13579bdf
big_dst:
	.long 0
rm_cr0_pm:
	.long 0
rm_efer_up:
	.long 0
