/* tests/guest/vmx/vmx_evmcs.S: VM entry and exit through a Hyper-V
 * enlightened VMCS for vmx_evmcs.c. Like the library's vmx_enter
 * (lib/vmx_entry.S) but with no VMWRITE: the host RSP is stored into the
 * eVMCS in memory (TLFS "Enlightened VMCS": L1 writes the structure
 * itself), at *host_rsp_slot.
 *
 * u64 evmcs_enter(struct vmx_gprs *g, u64 launch, u64 *host_rsp_slot)
 * returns 0 after a VM exit (or a VM entry that failed while or after
 * loading guest state), 1 when VMLAUNCH/VMRESUME faulted, else the RFLAGS
 * image of the VMfail. evmcs_exit_stub is the host RIP to put in the
 * eVMCS. struct vmx_gprs: the exit-qualification register numbering, 8
 * bytes each, slot 4 (RSP) unused. */
#define G_RAX	0
#define G_RCX	8
#define G_RDX	16
#define G_RBX	24
#define G_RBP	40
#define G_RSI	48
#define G_RDI	56
#define G_R8	64
#define G_R9	72
#define G_R10	80
#define G_R11	88
#define G_R12	96
#define G_R13	104
#define G_R14	112
#define G_R15	120

	.text
	.code64
	.globl evmcs_enter
evmcs_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* g: the exit stub finds it at host RSP */
	movq %rsp, (%rdx)		/* eVMCS host_rsp */
	movl $-1, last_exception(%rip)
	testq %rsi, %rsi
	movq G_RAX(%rdi), %rax
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RBX(%rdi), %rbx
	movq G_RBP(%rdi), %rbp
	movq G_RSI(%rdi), %rsi
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
	movq G_RDI(%rdi), %rdi
	jz 4f
3:	vmlaunch
	jmp 5f
4:	vmresume
5:	pushfq
	popq %rax
	jmp 7f
6:	movl $1, %eax
7:	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.pushsection .ex_table, "a"
	.balign 8
	.quad 3b, 6b
	.quad 4b, 6b
	.popsection

	.globl evmcs_exit_stub
evmcs_exit_stub:
	pushq %rdi
	movq 8(%rsp), %rdi		/* g */
	movq %rax, G_RAX(%rdi)
	movq %rcx, G_RCX(%rdi)
	movq %rdx, G_RDX(%rdi)
	movq %rbx, G_RBX(%rdi)
	movq %rbp, G_RBP(%rdi)
	movq %rsi, G_RSI(%rdi)
	movq %r8, G_R8(%rdi)
	movq %r9, G_R9(%rdi)
	movq %r10, G_R10(%rdi)
	movq %r11, G_R11(%rdi)
	movq %r12, G_R12(%rdi)
	movq %r13, G_R13(%rdi)
	movq %r14, G_R14(%rdi)
	movq %r15, G_R15(%rdi)
	popq %rax
	movq %rax, G_RDI(%rdi)
	xorl %eax, %eax
	jmp 7b
