/* tests/guest/vmx/vmx_exits.c: VM exits of a 64-bit L2 under a bare-metal
 * 64-bit L1, from the valid VMCS of the VMX library (vmx.h) with HLT
 * exiting, unconditional I/O exiting, CR3-load exiting, no MSR bitmaps and
 * #UD in the exception bitmap. L2 runs CPUID, HLT, OUT imm8, OUT DX, IN DX,
 * RDMSR, VMCALL, MOV to CR3 (from RBX and from R8) and UD2; for each exit L1
 * checks the basic exit reason (SDM Vol.3D Appendix C), the exit
 * qualification (Vol.3C "Exit Qualification for I/O Instructions", "... for
 * Control-Register Accesses", 0 for the others), the VM-exit instruction
 * length, the VM-exit interruption information of the #UD, and the guest RIP
 * saved by the exit (the exiting instruction: "Saving RIP, RSP, RFLAGS, and
 * SSP"); then it emulates the instruction (results in L2's registers),
 * advances guest RIP and resumes. L2 returns what it was given; L1 checks it.
 * Without CPUID.1:ECX.VMX it prints one SKIP line and passes.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vmx.h"

enum { S_CPUID, S_HLT, S_OUT_IMM, S_OUT_DX, S_IN_DX, S_RDMSR, S_VMCALL, S_CR3_RBX,
       S_CR3_R8, S_UD2, S_COUNT };

#define L2_CPUID_LEAF  0x4c325f31u
#define L1_CPUID_EAX   0x11111111u
#define L1_CPUID_EBX   0x22222222u
#define L1_CPUID_ECX   0x33333333u
#define L1_CPUID_EDX   0x44444444u
#define L2_OUT_BYTE    0x5a
#define L2_OUT_WORD    0x1234
#define L2_OUT_PORT    0xe0
#define L2_IN_PORT     0x1234
#define L1_IN_VALUE    0xcafef00du
#define L1_MSR_LO      0x89abcdefu
#define L1_MSR_HI      0x01234567u
#define L2_R15_MAGIC   0x5ca1ab1e0ddba11ull
#define L1_R15_MAGIC   0xfeedfacecafebeefull

/* written by L2 (shared memory: L2 uses L1's page tables) */
static volatile u64 l2_rip[S_COUNT];	/* address of each exiting instruction */
static volatile u64 l2_seen[8];		/* what L1's emulation gave L2 */
static volatile u64 l2_cr3;		/* set by L1: the CR3 value L2 loads */

/* each step records its instruction's address, then executes it */
#define AT(i) "lea 1f(%%rip), %%r11\n\tmov %%r11, %[rip]\n1:\t" i

static u64 l2_main(u64 arg)
{
	u32 a, b, c, d, in;
	u64 lo, hi;
	register u64 r15 asm("r15") = L2_R15_MAGIC;
	register u64 r8 asm("r8") = l2_cr3;

	asm volatile(AT("cpuid")
		     : "=a"(a), "=b"(b), "=c"(c), "=d"(d), [rip] "=m"(l2_rip[S_CPUID])
		     : "a"(L2_CPUID_LEAF), "c"(0) : "r11", "memory");
	asm volatile(AT("hlt") : [rip] "=m"(l2_rip[S_HLT]) : : "r11", "memory");
	asm volatile(AT("outb %%al, $0x80")
		     : [rip] "=m"(l2_rip[S_OUT_IMM]) : "a"(L2_OUT_BYTE) : "r11", "memory");
	asm volatile(AT("outw %%ax, %%dx")
		     : [rip] "=m"(l2_rip[S_OUT_DX]) : "a"(L2_OUT_WORD), "d"(L2_OUT_PORT)
		     : "r11", "memory");
	asm volatile(AT("inl %%dx, %%eax")
		     : "=a"(in), [rip] "=m"(l2_rip[S_IN_DX]) : "d"(L2_IN_PORT) : "r11", "memory");
	asm volatile(AT("rdmsr")
		     : "=a"(lo), "=d"(hi), [rip] "=m"(l2_rip[S_RDMSR]) : "c"(MSR_EFER)
		     : "r11", "memory");
	asm volatile(AT("vmcall")
		     : "+r"(r15), [rip] "=m"(l2_rip[S_VMCALL]) : : "r11", "memory");
	asm volatile(AT("mov %%rbx, %%cr3")
		     : [rip] "=m"(l2_rip[S_CR3_RBX]) : "b"(l2_cr3) : "r11", "memory");
	asm volatile(AT("mov %%r8, %%cr3")
		     : [rip] "=m"(l2_rip[S_CR3_R8]) : "r"(r8) : "r11", "memory");
	asm volatile(AT("ud2") : [rip] "=m"(l2_rip[S_UD2]) : : "r11", "memory");

	l2_seen[0] = a;
	l2_seen[1] = b;
	l2_seen[2] = c;
	l2_seen[3] = d;
	l2_seen[4] = in;
	l2_seen[5] = lo | hi << 32;
	l2_seen[6] = r15;
	return a ^ b ^ c ^ d ^ in ^ lo ^ (hi << 32) ^ r15 ^ arg;
}

/* the next exit: exit reason, guest RIP, and (len >= 0) instruction length */
static bool check_exit(const char *what, u32 reason, int step, int len)
{
	u32 got = vmx_exit_reason();
	u64 rip = vmx_guest_rip();
	bool ok = got == reason;

	report(got == reason, "%s: exit reason %u (want %u)", what, got, reason);
	report(rip == l2_rip[step] && rip, "%s: guest RIP %#llx = the instruction (%#llx)", what,
	       rip, l2_rip[step]);
	if (len >= 0)
		report(vmx_exit_insn_len() == (u32)len, "%s: instruction length %u (want %d)", what,
		       vmx_exit_insn_len(), len);
	return ok;
}

static void check_qual(const char *what, u64 want)
{
	u64 q = vmx_exit_qual();

	report(q == want, "%s: exit qualification %#llx (want %#llx)", what, q, want);
}

/* resume after emulating; anything but a VM exit ends the test */
static void resume(int r, const char *after)
{
	if (r != VMX_OK) {
		report(false, "VMRESUME after %s: %s", after, vmx_result_str(r));
		report_summary();
	}
	if (vmx_entry_failed()) {
		report(false, "VMRESUME after %s: VM-entry failure, exit reason %#x", after,
		       vmx_exit_reason());
		report_summary();
	}
}

static void run(void)
{
	struct vmx_vmcs_cfg cfg = {
		.proc = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_CR3_LOAD_EXITING,
		.exception_bitmap = BIT(UD_VECTOR),
	};
	u64 expect, rsp, q;
	u32 proc;
	int r;

	if (!vmx_start())
		return;
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, l2_main, 0x77)) {
		report_skip("HLT exiting, unconditional I/O exiting or CR3-load exiting not allowed");
		return;
	}
	proc = (u32)vmcs_get(CPU_BASED_VM_EXEC_CONTROL);
	report(!(proc & (PROC_USE_MSR_BITMAPS | PROC_USE_IO_BITMAPS)),
	       "primary controls %#x: no MSR or I/O bitmaps", proc);
	l2_cr3 = read_cr3();

	r = vmx_launch();
	report(r == VMX_OK && !vmx_entry_failed(),
	       "VMLAUNCH of the valid VMCS: VM entry, then a VM exit (%s, exit reason %#x)",
	       vmx_result_str(r), r == VMX_OK ? vmx_exit_reason() : 0);
	if (r != VMX_OK || vmx_entry_failed())
		return;

	/* CPUID: unconditional ("Instructions That Cause VM Exits
	 * Unconditionally"); L1 supplies the four registers */
	check_exit("CPUID", EXIT_REASON_CPUID, S_CPUID, 2);
	check_qual("CPUID", 0);
	report(vmx_guest_regs.rax == L2_CPUID_LEAF && vmx_guest_regs.rcx == 0,
	       "CPUID: L2's EAX %#llx and ECX %#llx saved by the exit", vmx_guest_regs.rax,
	       vmx_guest_regs.rcx);
	rsp = vmcs_get(GUEST_RSP);
	report(rsp > (u64)vmx_l2_stack && rsp < (u64)vmx_l2_stack_top,
	       "CPUID: guest RSP %#llx saved, inside L2's stack", rsp);
	vmx_guest_regs.rax = L1_CPUID_EAX;
	vmx_guest_regs.rbx = L1_CPUID_EBX;
	vmx_guest_regs.rcx = L1_CPUID_ECX;
	vmx_guest_regs.rdx = L1_CPUID_EDX;
	resume(vmx_skip_and_resume(), "CPUID");

	/* HLT with "HLT exiting": the exit comes before HLT executes, the
	 * activity state saved is active */
	check_exit("HLT", EXIT_REASON_HLT, S_HLT, 1);
	check_qual("HLT", 0);
	report(vmcs_get(GUEST_ACTIVITY_STATE) == ACTIVITY_ACTIVE, "HLT: guest activity state %llu (active)",
	       vmcs_get(GUEST_ACTIVITY_STATE));
	resume(vmx_skip_and_resume(), "HLT");

	/* I/O with "unconditional I/O exiting": size - 1 in bits 2:0, IN in
	 * bit 3, immediate operand in bit 6, port in bits 31:16 */
	check_exit("OUT imm8", EXIT_REASON_IO_INSTRUCTION, S_OUT_IMM, 2);
	check_qual("OUT imm8 (1 byte, OUT, immediate, port 0x80)", 0x80ull << 16 | IO_QUAL_IMM);
	report((u8)vmx_guest_regs.rax == L2_OUT_BYTE, "OUT imm8: AL %#llx", vmx_guest_regs.rax & 0xff);
	resume(vmx_skip_and_resume(), "OUT imm8");

	check_exit("OUT DX", EXIT_REASON_IO_INSTRUCTION, S_OUT_DX, 2);
	check_qual("OUT DX (2 bytes, OUT, DX, port 0xe0)", (u64)L2_OUT_PORT << 16 | 1);
	resume(vmx_skip_and_resume(), "OUT DX");

	check_exit("IN DX", EXIT_REASON_IO_INSTRUCTION, S_IN_DX, 1);
	q = vmx_exit_qual();
	check_qual("IN DX (4 bytes, IN, DX, port 0x1234)", (u64)L2_IN_PORT << 16 | IO_QUAL_IN | 3);
	report(IO_QUAL_SIZE(q) == 4 && IO_QUAL_PORT(q) == L2_IN_PORT,
	       "IN DX: decoded size %llu port %#llx", IO_QUAL_SIZE(q), IO_QUAL_PORT(q));
	vmx_guest_regs.rax = L1_IN_VALUE;
	resume(vmx_skip_and_resume(), "IN DX");

	/* RDMSR with "use MSR bitmaps" = 0: always exits (Appendix C, 31) */
	check_exit("RDMSR", EXIT_REASON_RDMSR, S_RDMSR, 2);
	check_qual("RDMSR", 0);
	report((u32)vmx_guest_regs.rcx == MSR_EFER, "RDMSR: guest ECX %#llx", vmx_guest_regs.rcx);
	vmx_guest_regs.rax = L1_MSR_LO;
	vmx_guest_regs.rdx = L1_MSR_HI;
	resume(vmx_skip_and_resume(), "RDMSR");

	/* VMCALL: unconditional; R15 saved at the exit, L1's value loaded by
	 * VMRESUME */
	check_exit("VMCALL", EXIT_REASON_VMCALL, S_VMCALL, 3);
	check_qual("VMCALL", 0);
	report(vmx_guest_regs.r15 == L2_R15_MAGIC, "VMCALL: guest R15 %#llx saved",
	       vmx_guest_regs.r15);
	vmx_guest_regs.r15 = L1_R15_MAGIC;
	resume(vmx_skip_and_resume(), "VMCALL");

	/* MOV to CR3 with "CR3-load exiting" and CR3-target count 0: CR 3 in
	 * bits 3:0, access type 0 (MOV to CR) in 5:4, register in 11:8 */
	check_exit("MOV to CR3 from RBX", EXIT_REASON_CR_ACCESS, S_CR3_RBX, 3);
	q = vmx_exit_qual();
	check_qual("MOV to CR3 from RBX (CR 3, type 0, register 3)", 3 | 3 << 8);
	report(vmx_guest_gpr(CR_QUAL_REG(q)) == l2_cr3, "MOV to CR3: the source register holds %#llx",
	       vmx_guest_gpr(CR_QUAL_REG(q)));
	vmcs_set(GUEST_CR3, vmx_guest_gpr(CR_QUAL_REG(q)));
	resume(vmx_skip_and_resume(), "MOV to CR3 from RBX");

	check_exit("MOV to CR3 from R8", EXIT_REASON_CR_ACCESS, S_CR3_R8, 4);
	q = vmx_exit_qual();
	check_qual("MOV to CR3 from R8 (CR 3, type 0, register 8)", 3 | 8 << 8);
	vmcs_set(GUEST_CR3, vmx_guest_gpr(CR_QUAL_REG(q)));
	resume(vmx_skip_and_resume(), "MOV to CR3 from R8");

	/* #UD (UD2) with bit 6 of the exception bitmap: reason 0, VM-exit
	 * interruption information = valid | hardware exception (3) | vector
	 * 6, no error code; exit qualification 0; no instruction length for
	 * a fault, L1 skips UD2's two bytes */
	check_exit("UD2", EXIT_REASON_EXCEPTION_NMI, S_UD2, -1);
	report(vmx_exit_intr_info() == (INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION << 8 | UD_VECTOR),
	       "UD2: VM-exit interruption information %#x (want %#x)", vmx_exit_intr_info(),
	       (u32)(INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION << 8 | UD_VECTOR));
	check_qual("UD2", 0);
	resume(vmx_skip_n_and_resume(2), "UD2");

	/* l2_main returned: the library's final VMCALL, RAX = its value */
	expect = (L1_CPUID_EAX ^ L1_CPUID_EBX ^ L1_CPUID_ECX ^ L1_CPUID_EDX ^ L1_IN_VALUE ^
		  L1_MSR_LO ^ (u64)L1_MSR_HI << 32 ^ L1_R15_MAGIC ^ 0x77);
	report(vmx_l2_finished(), "L2 returned: VMCALL at vmx_l2_done (reason %u, RIP %#llx)",
	       vmx_exit_reason(), vmx_guest_rip());
	report(l2_seen[0] == L1_CPUID_EAX && l2_seen[1] == L1_CPUID_EBX &&
	       l2_seen[2] == L1_CPUID_ECX && l2_seen[3] == L1_CPUID_EDX,
	       "L2 got L1's CPUID result %llx %llx %llx %llx", l2_seen[0], l2_seen[1], l2_seen[2],
	       l2_seen[3]);
	report(l2_seen[4] == L1_IN_VALUE, "L2 got L1's IN value %#llx", l2_seen[4]);
	report(l2_seen[5] == ((u64)L1_MSR_HI << 32 | L1_MSR_LO), "L2 got L1's RDMSR value %#llx",
	       l2_seen[5]);
	report(l2_seen[6] == L1_R15_MAGIC, "L2 got L1's R15 %#llx", l2_seen[6]);
	report(vmx_guest_regs.rax == expect, "L2's result %#llx (want %#llx)", vmx_guest_regs.rax,
	       expect);

	/* "VMLAUNCH/VMRESUME": VMLAUNCH with a launched VMCS -> VMfail(4) */
	r = vmx_launch();
	report(r == VMX_FAIL_VALID(VMXERR_VMLAUNCH_NONCLEAR),
	       "VMLAUNCH of the launched VMCS: VMfailValid(4) (got %s)", vmx_result_str(r));
	r = vmx_off();
	report(r == VMX_OK, "VMXOFF: %s", vmx_result_str(r));
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	run();
	return report_summary();
}
