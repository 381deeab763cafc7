/* tests/guest/platform/smm.S: the SMI handler the smm test copies to
 * SMBASE + 0x8000. It runs in the SMM entry state (16-bit, CS base =
 * SMBASE, DS base 0 with a 4 GiB limit), so it addresses the state-save
 * area CS-relative (AMD64 map: CS:0xfe00 + offset) and the test's mailbox
 * with 32-bit flat addresses. The test patches the mailbox address into the
 * first instruction (smm_handler_mailbox).
 *
 * Mailbox (struct smm_mailbox in smm.c):
 *   0 count      4 smbase seen     8 revision ID    12 set-RAX flag
 *   16/20 new RAX low/high          24 relocate-to (0 = no)
 *   28 saved RIP low               32 saved CS selector   36 saved EFER low
 *   40 nest: raise an SMI from inside the handler (cleared)
 *   44 the count right after that nested OUT
 */
	.text
	.code16
	.globl smm_handler_start, smm_handler_end, smm_handler_mailbox
smm_handler_start:
	.byte 0x66, 0xbb		/* movl $mailbox, %ebx */
smm_handler_mailbox:
	.long 0
	addr32 incl (%ebx)
	movl %cs:0xff00, %eax		/* SMBASE */
	addr32 movl %eax, 4(%ebx)
	movl %cs:0xfefc, %eax		/* SMM revision identifier */
	addr32 movl %eax, 8(%ebx)
	movl %cs:0xff78, %eax		/* RIP */
	addr32 movl %eax, 28(%ebx)
	movzwl %cs:0xfe10, %eax		/* CS selector */
	addr32 movl %eax, 32(%ebx)
	movl %cs:0xfed0, %eax		/* EFER */
	addr32 movl %eax, 36(%ebx)
	addr32 cmpl $0, 12(%ebx)
	je 1f
	addr32 movl 16(%ebx), %eax	/* change the saved RAX */
	movl %eax, %cs:0xfff8
	addr32 movl 20(%ebx), %eax
	movl %eax, %cs:0xfffc
1:	addr32 movl 24(%ebx), %eax
	testl %eax, %eax
	jz 2f
	movl %eax, %cs:0xff00		/* SMBASE relocation */
	addr32 movl $0, 24(%ebx)
2:	addr32 cmpl $0, 40(%ebx)
	je 3f
	addr32 movl $0, 40(%ebx)
	outb %al, $0xb2			/* an SMI inside SMM: latched */
	addr32 movl (%ebx), %eax
	addr32 movl %eax, 44(%ebx)	/* the count after that OUT */
3:	rsm
smm_handler_end:
	.code64
