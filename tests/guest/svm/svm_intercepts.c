/* tests/guest/svm/svm_intercepts.c: the intercepts of AMD SVM and the exit
 * information they report (AMD APM Vol.2 "Instruction Intercepts", "I/O
 * Intercepts", "MSR Intercepts", "Exception Intercepts", "Selective CR0
 * Write Intercept", "Pause Intercept Filtering", "Decode Assists", "State
 * Saved on Exit"). A 64-bit L1 runs short pieces of L2 code under VMRUN,
 * each with one intercept set; L2 shares L1's page tables and segments
 * (no nested paging). For each, L1 checks EXITCODE, EXITINFO1, EXITINFO2,
 * nRIP (the next instruction's address, or 0 where the APM says so), the
 * guest RIP the #VMEXIT saved (the intercepted instruction), and where the
 * APM gives them the guest instruction bytes, EXITINTINFO and CR2. Every
 * piece ends in UD2 with the #UD intercept set, so an intercept that does
 * not fire shows as exit 46h at the piece's end.
 * Without CPUID 8000_0001h:ECX.SVM it prints one SKIP line and passes.
 * run-args: -cpu max,+svm
 */
#include "guest.h"
#include "svm.h"

/* --- the VMCB fields tests/guest/lib/svm.h does not name (APM Table
 * B-1 "VMCB Layout, Control Area") --- */
#define C_ICPT(w)     (0x000 + 4 * (w)) /* intercept vectors 0-5 */
#define C_PF_THRESH   0x03c
#define C_PF_COUNT    0x03e
#define C_INSN_LEN    0x0d0
#define C_INSN_BYTES  0x0d1

/* the exit codes (APM Appendix C "SVM Intercept Exit Codes"), named
 * X_NAME as svm/exit_codes.def names them: the coverage gate of
 * tests/unit/svm_icpt_test.c looks for each instruction's exit here */
#define X_CR0_READ           0x00
#define X_CR4_READ           0x04
#define X_CR8_READ           0x08
#define X_CR0_WRITE          0x10
#define X_CR4_WRITE          0x14
#define X_CR3_WRITE          0x13
#define X_DR7_READ           0x27
#define X_DR0_WRITE          0x30
#define X_EXCP1              0x41
#define X_EXCP3              0x43
#define X_EXCP4              0x44
#define X_EXCP6              0x46
#define X_EXCP8              0x48
#define X_EXCP13             0x4d
#define X_EXCP14             0x4e
#define X_CR0_SEL_WRITE      0x65
#define X_IDTR_READ          0x66
#define X_GDTR_READ          0x67
#define X_LDTR_READ          0x68
#define X_TR_READ            0x69
#define X_IDTR_WRITE         0x6a
#define X_GDTR_WRITE         0x6b
#define X_LDTR_WRITE         0x6c
#define X_TR_WRITE           0x6d
#define X_RDTSC              0x6e
#define X_RDPMC              0x6f
#define X_PUSHF              0x70
#define X_POPF               0x71
#define X_CPUID              0x72
#define X_IRET               0x74
#define X_SWINT              0x75
#define X_INVD               0x76
#define X_PAUSE              0x77
#define X_HLT                0x78
#define X_INVLPG             0x79
#define X_INVLPGA            0x7a
#define X_IOIO               0x7b
#define X_MSR                0x7c
#define X_TASK_SWITCH        0x7d
#define X_VMRUN              0x80
#define X_VMMCALL            0x81
#define X_VMLOAD             0x82
#define X_VMSAVE             0x83
#define X_STGI               0x84
#define X_CLGI               0x85
#define X_SKINIT             0x86
#define X_RDTSCP             0x87
#define X_ICEBP              0x88
#define X_WBINVD             0x89
#define X_MONITOR            0x8a
#define X_MWAIT              0x8b
#define X_MWAIT_CONDITIONAL  0x8c
#define X_XSETBV             0x8d
#define X_INVPCID            0xa2

/* intercept bits: word * 32 + bit (APM Table B-1) */
#define I_CR_READ(n)   (0 * 32 + (n))
#define I_CR_WRITE(n)  (0 * 32 + 16 + (n))
#define I_DR_READ(n)   (1 * 32 + (n))
#define I_DR_WRITE(n)  (1 * 32 + 16 + (n))
#define I_EXC(v)       (2 * 32 + (v))
#define I_CR0_SEL      (3 * 32 + 5)
#define I_IDTR_READ    (3 * 32 + 6)
#define I_GDTR_READ    (3 * 32 + 7)
#define I_LDTR_READ    (3 * 32 + 8)
#define I_TR_READ      (3 * 32 + 9)
#define I_IDTR_WRITE   (3 * 32 + 10)
#define I_GDTR_WRITE   (3 * 32 + 11)
#define I_LDTR_WRITE   (3 * 32 + 12)
#define I_TR_WRITE     (3 * 32 + 13)
#define I_RDTSC        (3 * 32 + 14)
#define I_RDPMC        (3 * 32 + 15)
#define I_PUSHF        (3 * 32 + 16)
#define I_POPF         (3 * 32 + 17)
#define I_CPUID        (3 * 32 + 18)
#define I_RSM          (3 * 32 + 19)
#define I_IRET         (3 * 32 + 20)
#define I_INTN         (3 * 32 + 21)
#define I_INVD         (3 * 32 + 22)
#define I_PAUSE        (3 * 32 + 23)
#define I_HLT          (3 * 32 + 24)
#define I_INVLPG       (3 * 32 + 25)
#define I_IOIO         (3 * 32 + 27)
#define I_MSR          (3 * 32 + 28)
#define I_TASK_SWITCH  (3 * 32 + 29)
#define I_VMRUN        (4 * 32 + 0)
#define I_VMMCALL      (4 * 32 + 1)
#define I_VMLOAD       (4 * 32 + 2)
#define I_VMSAVE       (4 * 32 + 3)
#define I_STGI         (4 * 32 + 4)
#define I_CLGI         (4 * 32 + 5)
#define I_SKINIT       (4 * 32 + 6)
#define I_INVLPGA      (3 * 32 + 26)
#define I_RDTSCP       (4 * 32 + 7)
#define I_ICEBP        (4 * 32 + 8)
#define I_WBINVD       (4 * 32 + 9)
#define I_MONITOR      (4 * 32 + 10)
#define I_MWAIT        (4 * 32 + 11)
#define I_MWAIT_COND   (4 * 32 + 12)
#define I_XSETBV       (4 * 32 + 13)
#define I_INVPCID      (5 * 32 + 2)

static u8 *vmcb, *iopm, *msrpm;
static u8 l2_stack[4096] __aligned(16);
static u32 svm_edx; /* CPUID 8000_000Ah:EDX */

static u64 get(u32 off) { return vmcb_get(vmcb, off); }
static void set64(u32 off, u64 v) { vmcb_set(vmcb, off, v); }
static void set16(u32 off, u16 v) { *(volatile u16 *)(vmcb + off) = v; }
static void icpt(unsigned bit) { vmcb[C_ICPT(bit / 32) + (bit % 32) / 8] |= 1u << (bit % 8); }

/* a segment of L1's GDT in the VMCB form (APM "Segment State in the VMCB") */
static void seg(u32 off, u16 sel)
{
	struct desc_ptr g;
	sgdt(&g);
	u64 d = ((u64 *)g.base)[sel >> 3];
	u32 limit = (u32)((d & 0xffff) | ((d >> 32) & 0xf0000));
	if (d & BIT(55)) /* G: the limit in 4 KiB units */
		limit = limit << 12 | 0xfff;
	u64 base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	vmcb_set_seg(vmcb, off, sel, ((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 8), limit, base);
}

/* the library's valid VMCB (64-bit L2 with L1's paging and segments) at
 * rip on l2_stack, with the #UD intercept too; the IOPM and MSRPM clear */
static void vmcb_init(void *rip)
{
	svm_vmcb_setup(vmcb, NULL, 0);
	set64(VMCB_RIP, (u64)rip);
	set64(VMCB_RSP, (u64)(l2_stack + sizeof(l2_stack)));
	icpt(I_EXC(UD_VECTOR));
	iopm = phys_to_virt(get(VMCB_IOPM_BASE));
	msrpm = phys_to_virt(get(VMCB_MSRPM_BASE));
	memset(iopm, 0, 3 * 4096);
	memset(msrpm, 0, 2 * 4096);
}

static void vmrun(void)
{
	if (svm_run(vmcb) == SVM_RUN_FAULTED)
		report(false, "VMRUN faulted (#%d)", exception_vector());
}

/* --- the pieces of L2 code: NAME (start), NAME_insn (the instruction
 * expected to exit), NAME_end (after it: UD2) --- */
#define L2(name, pre, insn)                                                      \
	extern char name[], name##_insn[], name##_end[];                         \
	asm(".pushsection .text\n\t.globl " #name "\n" #name ":\n\t" pre "\n"     \
	    #name "_insn:\n\t" insn "\n" #name "_end:\n\tud2\n\t.popsection")

/* the same for 32-bit protected-mode L2 code */
#define L2_32(name, pre, insn)                                                   \
	extern char name[], name##_insn[], name##_end[];                         \
	asm(".pushsection .text\n\t.code32\n\t.globl " #name "\n" #name ":\n\t"  \
	    pre "\n" #name "_insn:\n\t" insn "\n" #name "_end:\n\tud2\n\t.code64\n\t" \
	    ".popsection")

L2(l2_cpuid, "xor %eax, %eax", "cpuid");
L2(l2_rdtsc, "", "rdtsc");
L2(l2_rdtscp, "", "rdtscp");
L2(l2_rdpmc, "xor %ecx, %ecx", "rdpmc");
L2(l2_pushf, "", "pushfq");
L2(l2_popf, "pushfq", "popfq");
L2(l2_iret, "", "iretq");
L2(l2_intn, "", "int $0x42");
L2(l2_invd, "", "invd");
L2(l2_pause, "", "pause");
L2(l2_pause4, "pause\n\tpause\n\tpause", "pause");
/* with threshold 100: the PAUSEs after a loop reload the count (2), the
 * others use it up: the sixth exits (count-only, the third would) */
L2(l2_pause_thr, "pause\n\tmov $300, %ecx\n1:\tloop 1b\n\tpause\n\tmov $300, %ecx\n2:\tloop 2b\n\t"
		 "pause\n\tpause\n\tpause", "pause");
L2(l2_hlt, "", "hlt");
L2(l2_invlpg, "mov $0x123456789, %rbx", "invlpg 0x10(%rbx)");
L2(l2_wbinvd, "", "wbinvd");
L2(l2_xsetbv, "xor %ecx, %ecx\n\txor %edx, %edx\n\tmov $3, %eax", "xsetbv");
L2(l2_icebp, "", ".byte 0xf1");
L2(l2_rsm, "", "rsm");
L2(l2_sidt, "sub $16, %rsp", "sidt (%rsp)");
L2(l2_sgdt, "sub $16, %rsp", "sgdt (%rsp)");
L2(l2_sldt, "", "sldt %ax");
L2(l2_str, "", "str %ax");
L2(l2_lidt, "sub $16, %rsp\n\tsidt (%rsp)", "lidt (%rsp)");
L2(l2_lgdt, "sub $16, %rsp\n\tsgdt (%rsp)", "lgdt (%rsp)");
L2(l2_lldt, "xor %eax, %eax", "lldt %ax");
L2(l2_ltr, "str %ax", "ltr %ax");
L2(l2_vmmcall, "", "vmmcall");
/* the SVM instructions in L2 (rAX from the VMCB: a page-aligned address) */
L2(l2_vmrun, "", "vmrun %rax");
L2(l2_vmload, "", "vmload %rax");
L2(l2_vmsave, "", "vmsave %rax");
L2(l2_stgi, "", "stgi");
L2(l2_clgi, "", "clgi");
L2(l2_skinit, "", "skinit %eax");
L2(l2_invlpga, "mov $0xfedcb000, %eax\n\tmov $1, %ecx", "invlpga %rax, %ecx");
L2(l2_cr0_read, "", "mov %cr0, %rbx");
L2(l2_cr3_write, "mov %cr3, %r8", "mov %r8, %cr3");
L2(l2_cr4_read, "", "mov %cr4, %r13");
L2(l2_cr8_read, "", "mov %cr8, %rax");
/* CR0.TS and MP alone change: no selective exit; then CR0.AM changes */
L2(l2_cr0_both, "mov %cr0, %rax\n\tbtc $18, %rax", "mov %rax, %cr0");
L2(l2_cr0_sel, "mov %cr0, %rax\n\txor $0xa, %rax\n\tmov %rax, %cr0\n\t"
	       "xor $0xa, %rax\n\tmov %rax, %cr0\n\tbtc $18, %rax", "mov %rax, %cr0");
L2(l2_lmsw_ts, "smsw %ax\n\tor $0x8, %ax\n\tlmsw %ax\n\tclts\n\tsmsw %ax\n\tor $4, %ax", "lmsw %ax");
L2(l2_lmsw, "smsw %ax", "lmsw %ax");
L2(l2_clts, "", "clts");
L2(l2_smsw, "", "smsw %ax");
L2(l2_dr7_read, "", "mov %dr7, %rdx");
L2(l2_dr0_write, "xor %ecx, %ecx", "mov %rcx, %dr0");
/* a reserved CR4 bit: the value's #GP comes after the intercept */
L2(l2_cr4_bad, "mov %cr4, %rax\n\tbts $63, %rax", "mov %rax, %cr4");
L2(l2_out80, "mov $0x5a, %al", "out %al, $0x80");
L2(l2_inw, "mov $0x1234, %dx", "in %dx, %ax");
/* IN 32-bit from 0x3f7 touches 0x3f7-0x3fa, and only 0x3f9's bit is set;
 * the byte IN of 0x3f8 before it does not exit */
L2(l2_inl_span, "mov $0x3f8, %dx\n\tin %dx, %al\n\tmov $0x3f7, %dx", "in %dx, %eax");
L2(l2_inl_top, "mov $0xffff, %dx", "in %dx, %eax");
L2(l2_rep_outsb, "lea l2_stack(%rip), %esi\n\tmov $2, %ecx\n\tmov $0x80, %dx",
   "rep outsb %fs:(%esi), (%dx)");
L2(l2_insw, "lea l2_stack(%rip), %rdi\n\tmov $0x80, %dx", "insw (%dx), %es:(%rdi)");
L2(l2_rdmsr_tsc, "mov $0x10, %ecx", "rdmsr");
L2(l2_rdmsr_out, "mov $0xc0000100, %ecx\n\trdmsr\n\tmov $0x40000000, %ecx", "rdmsr");
L2(l2_wrmsr_kgs, "mov $0xc0000102, %ecx\n\trdmsr", "wrmsr");
L2(l2_rdmsr_r2, "mov $0xc0010117, %ecx", "rdmsr");
L2(l2_ud2, "", "ud2");
L2(l2_int3, "", "int3");
L2(l2_pf_load, "mov $0x4000000000, %rbx", "mov 8(%rbx), %rax");
L2(l2_pf_fetch, "mov $0x4000000000, %rbx", "jmp *%rbx");
L2(l2_gp_msr, "mov $0x40000000, %ecx", "rdmsr");
L2(l2_monitor, "lea l2_stack(%rip), %rax\n\txor %ecx, %ecx\n\txor %edx, %edx", "monitor");
L2(l2_mwait, "xor %eax, %eax\n\txor %ecx, %ecx", "mwait");
L2(l2_mwait_armed, "lea l2_stack(%rip), %rax\n\txor %ecx, %ecx\n\txor %edx, %edx\n\tmonitor\n\t"
		   "xor %eax, %eax", "mwait");
L2(l2_invpcid, "sub $16, %rsp\n\tmovq $0, (%rsp)\n\tmovq $0, 8(%rsp)\n\tmov $2, %r9", "invpcid (%rsp), %r9");
L2(l2_single_step, "pushfq\n\torq $0x100, (%rsp)\n\tpopfq\n\tnop", "nop");
/* no IDT: the #UD's delivery faults (#GP), whose delivery faults again */
L2(l2_df, "", "ud2");

#define TSS32_AVAIL 0x58
#define TSS32_BUSY  0x60
L2_32(l2_ts_jmp, "", "ljmp $0x58, $0");
/* INSB with a 16-bit address (67h in 32-bit code): A16 */
L2_32(l2_insb16, "mov $0x80, %dx\n\tmov $0x100, %edi", ".byte 0x67\n\tinsb");
/* INTO with OF = 1: #OF, a trap that saves nRIP */
L2_32(l2_into, "mov $0x7f, %al\n\tadd $1, %al", "into");
L2_32(l2_ts_call, "", "lcall $0x58, $0");
L2_32(l2_ts_iret, "pushfl\n\torl $0x4000, (%esp)\n\tpopfl", "iret");
/* a selector past the GDT's limit: #GP(98h), through an IDT task gate */
L2_32(l2_ts_gate, "mov $0x98, %eax", "mov %eax, %ds");

/* --- checks --- */
static bool has(unsigned edx_bit) { return (svm_edx >> edx_bit) & 1; }

/* run `start` with the intercept bits set, and check the exit: code,
 * EXITINFO1/2, nRIP (next: the piece's end, else 0), the guest RIP (at) */
static bool expect(const char *what, void *at, u64 code, u64 info1, u64 info2, void *next)
{
	vmrun();
	u64 nrip = has(3) ? (u64)next : 0;
	bool ok = get(VMCB_EXITCODE) == code && get(VMCB_EXITINFO1) == info1 &&
		  get(VMCB_EXITINFO2) == info2 && get(VMCB_NRIP) == nrip && get(VMCB_RIP) == (u64)at;
	report(ok, "%s: exit %#llx info1 %#llx info2 %#llx nrip %#llx rip %#llx", what,
	       (unsigned long long)get(VMCB_EXITCODE), (unsigned long long)get(VMCB_EXITINFO1),
	       (unsigned long long)get(VMCB_EXITINFO2), (unsigned long long)get(VMCB_NRIP),
	       (unsigned long long)get(VMCB_RIP));
	if (!ok)
		printf("  want exit %#llx info1 %#llx info2 %#llx nrip %#llx rip %#llx\n",
		       (unsigned long long)code, (unsigned long long)info1,
		       (unsigned long long)info2, (unsigned long long)nrip, (unsigned long long)at);
	return ok;
}

/* an instruction intercept that is one bit and reports nothing else */
#define SIMPLE(piece, bit, code)                                               \
	do {                                                                   \
		vmcb_init(piece);                                              \
		icpt(bit);                                                     \
		expect(#piece, piece##_insn, code, 0, 0, piece##_end);         \
	} while (0)

static void test_simple(void)
{
	SIMPLE(l2_cpuid, I_CPUID, X_CPUID);
	SIMPLE(l2_rdtsc, I_RDTSC, X_RDTSC);
	if (cpuid(0x80000001).d & BIT(27))
		SIMPLE(l2_rdtscp, I_RDTSCP, X_RDTSCP);
	SIMPLE(l2_rdpmc, I_RDPMC, X_RDPMC);
	SIMPLE(l2_pushf, I_PUSHF, X_PUSHF);
	SIMPLE(l2_popf, I_POPF, X_POPF);
	SIMPLE(l2_iret, I_IRET, X_IRET);
	SIMPLE(l2_invd, I_INVD, X_INVD);
	SIMPLE(l2_hlt, I_HLT, X_HLT);
	SIMPLE(l2_wbinvd, I_WBINVD, X_WBINVD);
	SIMPLE(l2_icebp, I_ICEBP, X_ICEBP);
	SIMPLE(l2_sidt, I_IDTR_READ, X_IDTR_READ);
	SIMPLE(l2_sgdt, I_GDTR_READ, X_GDTR_READ);
	SIMPLE(l2_sldt, I_LDTR_READ, X_LDTR_READ);
	SIMPLE(l2_str, I_TR_READ, X_TR_READ);
	SIMPLE(l2_lidt, I_IDTR_WRITE, X_IDTR_WRITE);
	SIMPLE(l2_lgdt, I_GDTR_WRITE, X_GDTR_WRITE);
	SIMPLE(l2_lldt, I_LDTR_WRITE, X_LDTR_WRITE);
	SIMPLE(l2_ltr, I_TR_WRITE, X_TR_WRITE);
	SIMPLE(l2_vmmcall, I_VMMCALL, X_VMMCALL);
	SIMPLE(l2_clts, I_CR_WRITE(0), X_CR0_WRITE);
	SIMPLE(l2_smsw, I_CR_READ(0), X_CR0_READ);
	/* INTn: "Decode Assists": EXITINFO1 = the vector */
	vmcb_init(l2_intn);
	icpt(I_INTN);
	expect("INT n", l2_intn_insn, X_SWINT, has(7) ? 0x42 : 0, 0, l2_intn_end);
	/* INVLPG: EXITINFO1 = the linear address */
	vmcb_init(l2_invlpg);
	icpt(I_INVLPG);
	expect("INVLPG", l2_invlpg_insn, X_INVLPG, has(7) ? 0x123456799ull : 0, 0, l2_invlpg_end);
	/* RSM outside SMM: the #UD comes before the RSM intercept */
	vmcb_init(l2_rsm);
	icpt(I_RSM);
	expect("RSM outside SMM is #UD, not the RSM intercept", l2_rsm_insn, X_EXCP6, 0, 0, NULL);
	/* XSETBV: with CR4.OSXSAVE in L2 */
	if (cpuid(1).c & BIT(26)) {
		vmcb_init(l2_xsetbv);
		set64(VMCB_CR4, read_cr4() | X86_CR4_OSXSAVE);
		icpt(I_XSETBV);
		expect("XSETBV", l2_xsetbv_insn, X_XSETBV, 0, 0, l2_xsetbv_end);
	}
	/* INVPCID: EXITINFO1 the descriptor's linear address, EXITINFO2 the type */
	if (cpuid_indexed(7, 0).b & BIT(10)) {
		vmcb_init(l2_invpcid);
		icpt(I_INVPCID);
		expect("INVPCID", l2_invpcid_insn, X_INVPCID, (u64)(l2_stack + sizeof(l2_stack) - 16), 2,
		       l2_invpcid_end);
	}
}

/* the SVM instructions' own intercepts (VMRUN's is always set) */
static void test_svm_insns(void)
{
	static u8 *other;
	if (!other)
		other = alloc_page();
#define SVMI(piece, bit, code)                                                    \
	do {                                                                      \
		vmcb_init(piece);                                                 \
		icpt(bit);                                                        \
		set64(VMCB_RAX, virt_to_phys(other));                                \
		expect(#piece, piece##_insn, code, 0, 0, piece##_end);            \
	} while (0)
	SVMI(l2_vmrun, I_VMRUN, X_VMRUN);
	SVMI(l2_vmload, I_VMLOAD, X_VMLOAD);
	SVMI(l2_vmsave, I_VMSAVE, X_VMSAVE);
	SVMI(l2_stgi, I_STGI, X_STGI);
	SVMI(l2_clgi, I_CLGI, X_CLGI);
	SVMI(l2_skinit, I_SKINIT, X_SKINIT);
#undef SVMI
	/* INVLPGA: "Decode Assists": EXITINFO1 = the address (rAX) */
	vmcb_init(l2_invlpga);
	icpt(I_INVLPGA);
	expect("INVLPGA", l2_invlpga_insn, X_INVLPGA, has(7) ? 0xfedcb000 : 0, 0, l2_invlpga_end);
}

/* MONITOR, MWAIT, and MWAIT with the monitor armed */
static void test_monitor(void)
{
	if (!(cpuid(1).c & BIT(3))) {
		report_skip("MONITOR/MWAIT: not offered");
		return;
	}
	SIMPLE(l2_monitor, I_MONITOR, X_MONITOR);
	SIMPLE(l2_mwait, I_MWAIT, X_MWAIT);
	/* the conditional intercept: MWAIT with no MONITOR before it goes
	 * on; after a MONITOR it exits */
	vmcb_init(l2_mwait);
	icpt(I_MWAIT_COND);
	expect("MWAIT unarmed: no conditional exit", l2_mwait_end, X_EXCP6, 0, 0, NULL);
	vmcb_init(l2_mwait_armed);
	icpt(I_MWAIT_COND);
	expect("MWAIT armed: conditional exit", l2_mwait_armed_insn, X_MWAIT_CONDITIONAL, 0, 0, l2_mwait_armed_end);
}

/* CR and DR intercepts: APM "Decode Assists": bit 63 and the GPR for MOV */
static void test_cr_dr(void)
{
	u64 mov = has(7) ? BIT(63) : 0;
	u64 gpr = has(7) ? 1 : 0; /* multiplier for the register number */

	vmcb_init(l2_cr0_read);
	icpt(I_CR_READ(0));
	expect("MOV RBX, CR0", l2_cr0_read_insn, X_CR0_READ, mov | 3 * gpr, 0, l2_cr0_read_end);
	vmcb_init(l2_cr3_write);
	icpt(I_CR_WRITE(3));
	expect("MOV CR3, R8", l2_cr3_write_insn, X_CR3_WRITE, mov | 8 * gpr, 0, l2_cr3_write_end);
	vmcb_init(l2_cr4_read);
	icpt(I_CR_READ(4));
	expect("MOV R13, CR4", l2_cr4_read_insn, X_CR4_READ, mov | 13 * gpr, 0, l2_cr4_read_end);
	vmcb_init(l2_cr8_read);
	icpt(I_CR_READ(8));
	expect("MOV RAX, CR8", l2_cr8_read_insn, X_CR8_READ, mov, 0, l2_cr8_read_end);
	/* "Selective CR0 Write Intercept": TS and MP do not count */
	vmcb_init(l2_cr0_sel);
	icpt(I_CR0_SEL);
	expect("selective CR0 write (CR0.AM)", l2_cr0_sel_insn, X_CR0_SEL_WRITE, mov | 0 * gpr, 0, l2_cr0_sel_end);
	/* ... the CR0 write intercept takes priority */
	vmcb_init(l2_cr0_both);
	icpt(I_CR0_SEL);
	icpt(I_CR_WRITE(0));
	expect("CR0 write before selective", l2_cr0_both_insn, X_CR0_WRITE, mov, 0, l2_cr0_both_end);
	/* LMSW: TS then CLTS do not exit; EM does (exit info 0: not a MOV) */
	vmcb_init(l2_lmsw_ts);
	icpt(I_CR0_SEL);
	expect("LMSW selective (EM)", l2_lmsw_ts_insn, X_CR0_SEL_WRITE, 0, 0, l2_lmsw_ts_end);
	vmcb_init(l2_lmsw);
	icpt(I_CR_WRITE(0));
	expect("LMSW is a CR0 write", l2_lmsw_insn, X_CR0_WRITE, 0, 0, l2_lmsw_end);
	/* DR: the GPR number in EXITINFO1 */
	vmcb_init(l2_dr7_read);
	icpt(I_DR_READ(7));
	expect("MOV RDX, DR7", l2_dr7_read_insn, X_DR7_READ, 2 * gpr, 0, l2_dr7_read_end);
	vmcb_init(l2_dr0_write);
	icpt(I_DR_WRITE(0));
	expect("MOV DR0, RCX", l2_dr0_write_insn, X_DR0_WRITE, 1 * gpr, 0, l2_dr0_write_end);
	/* the general-detect #DB comes before the DR intercept; DR6.BD set
	 * and DR7.GD cleared as the #DB's delivery would */
	vmcb_init(l2_dr7_read);
	set64(VMCB_DR7, 0x400 | BIT(13));
	icpt(I_DR_READ(7));
	icpt(I_EXC(DB_VECTOR));
	expect("MOV DR with DR7.GD: #DB first", l2_dr7_read_insn, X_EXCP1, 0, 0, NULL);
	report((get(VMCB_DR6) & BIT(13)) && !(get(VMCB_DR7) & BIT(13)),
	       "general detect: DR6.BD set, DR7.GD clear (%#llx, %#llx)",
	       (unsigned long long)get(VMCB_DR6), (unsigned long long)get(VMCB_DR7));
	/* the CR write intercept comes before the value's #GP */
	vmcb_init(l2_cr4_bad);
	icpt(I_CR_WRITE(4));
	icpt(I_EXC(GP_VECTOR));
	expect("MOV CR4 of a reserved bit: the intercept first", l2_cr4_bad_insn, X_CR4_WRITE, mov,
	       0, l2_cr4_bad_end);
}

static void iopm_set(u32 port) { iopm[port / 8] |= 1u << (port % 8); }

/* IOIO: APM "I/O Intercepts" (EXITINFO1: TYPE 0, STR 2, REP 3, SZ 4-6,
 * A16/32/64 7-9, SEG 12:10, PORT 31:16; EXITINFO2 the next rIP) */
static void test_io(void)
{
	vmcb_init(l2_out80);
	icpt(I_IOIO);
	iopm_set(0x80);
	expect("OUT imm8, AL", l2_out80_insn, X_IOIO, 0x80ull << 16 | BIT(4) | BIT(9),
	       (u64)l2_out80_end, l2_out80_end);
	vmcb_init(l2_inw);
	icpt(I_IOIO);
	iopm_set(0x1234);
	expect("IN AX, DX", l2_inw_insn, X_IOIO, 0x1234ull << 16 | BIT(0) | BIT(5) | BIT(9),
	       (u64)l2_inw_end, l2_inw_end);
	/* the bits of every port touched: 0x3f9 only; the byte IN of 0x3f8
	 * before it goes on */
	vmcb_init(l2_inl_span);
	icpt(I_IOIO);
	iopm_set(0x3f9);
	expect("IN EAX, DX spanning an intercepted port", l2_inl_span_insn, X_IOIO,
	       0x3f7ull << 16 | BIT(0) | BIT(6) | BIT(9), (u64)l2_inl_span_end, l2_inl_span_end);
	/* port FFFFh, 4 bytes: the bits past FFFFh (the IOPM's third page) */
	vmcb_init(l2_inl_top);
	icpt(I_IOIO);
	iopm_set(0x10001);
	expect("IN EAX, DX at FFFFh (bit 10001h)", l2_inl_top_insn, X_IOIO,
	       0xffffull << 16 | BIT(0) | BIT(6) | BIT(9), (u64)l2_inl_top_end, l2_inl_top_end);
	/* string, REP, 32-bit addresses, FS override: SEG = 4 with decode assists */
	vmcb_init(l2_rep_outsb);
	icpt(I_IOIO);
	iopm_set(0x80);
	expect("REP OUTSB with FS and A32", l2_rep_outsb_insn, X_IOIO,
	       0x80ull << 16 | BIT(2) | BIT(3) | BIT(4) | BIT(8) | (has(7) ? 4ull << 10 : 0),
	       (u64)l2_rep_outsb_end, l2_rep_outsb_end);
	vmcb_init(l2_insw);
	icpt(I_IOIO);
	iopm_set(0x80);
	expect("INSW", l2_insw_insn, X_IOIO, 0x80ull << 16 | BIT(0) | BIT(2) | BIT(5) | BIT(9),
	       (u64)l2_insw_end, l2_insw_end);
}

/* MSR: APM "MSR Intercepts": two bits per MSR, three ranges */
static void msrpm_set(u32 msr, bool write)
{
	u32 off = msr < 0x2000 ? 0 : msr < 0xc0002000u ? 0x800 : 0x1000;
	u32 bit = (msr & 0x1fff) * 2 + write;
	msrpm[off + bit / 8] |= 1u << (bit % 8);
}

static void test_msr(void)
{
	vmcb_init(l2_rdmsr_tsc);
	icpt(I_MSR);
	msrpm_set(0x10, false);
	expect("RDMSR 10h (read bit)", l2_rdmsr_tsc_insn, X_MSR, 0, 0, l2_rdmsr_tsc_end);
	/* a clear bit lets RDMSR C000_0100h go on; 4000_0000h is outside
	 * every range: always intercepted */
	vmcb_init(l2_rdmsr_out);
	icpt(I_MSR);
	msrpm_set(0xc0000100, true);
	expect("RDMSR outside the ranges", l2_rdmsr_out_insn, X_MSR, 0, 0, l2_rdmsr_out_end);
	vmcb_init(l2_wrmsr_kgs);
	icpt(I_MSR);
	msrpm_set(0xc0000102, true);
	expect("WRMSR C000_0102h (write bit)", l2_wrmsr_kgs_insn, X_MSR, 1, 0, l2_wrmsr_kgs_end);
	vmcb_init(l2_rdmsr_r2);
	icpt(I_MSR);
	msrpm_set(0xc0010117, false);
	expect("RDMSR C001_0117h (third range)", l2_rdmsr_r2_insn, X_MSR, 0, 0, l2_rdmsr_r2_end);
}

/* PAUSE and its filter: "Pause Intercept Filtering" */
static void test_pause(void)
{
	vmcb_init(l2_pause);
	icpt(I_PAUSE);
	expect("PAUSE", l2_pause_insn, X_PAUSE, 0, 0, l2_pause_end);
	if (!has(10)) {
		report_skip("pause filter: not offered");
		return;
	}
	vmcb_init(l2_pause4);
	icpt(I_PAUSE);
	set16(C_PF_COUNT, 3);
	expect("pause filter count 3: the 4th PAUSE exits", l2_pause4_insn, X_PAUSE, 0, 0, l2_pause4_end);
	if (!has(12)) {
		report_skip("pause filter threshold: not offered");
		return;
	}
	vmcb_init(l2_pause_thr);
	icpt(I_PAUSE);
	set16(C_PF_COUNT, 2);
	set16(C_PF_THRESH, 100);
	expect("pause filter threshold 100, count 2", l2_pause_thr_insn, X_PAUSE, 0, 0, l2_pause_thr_end);
}

/* exceptions: APM "Exception Intercepts" */
static void test_exceptions(void)
{
	vmcb_init(l2_ud2);
	expect("#UD", l2_ud2_insn, X_EXCP6, 0, 0, NULL);
	/* INT3: a trap-like exception that saves nRIP */
	vmcb_init(l2_int3);
	icpt(I_EXC(BP_VECTOR));
	expect("#BP (INT3)", l2_int3_insn, X_EXCP3, 0, 0, l2_int3_end);
	vmcb_init(l2_gp_msr);
	icpt(I_EXC(GP_VECTOR));
	expect("#GP(0) (RDMSR of no MSR)", l2_gp_msr_insn, X_EXCP13, 0, 0, NULL);
	/* #PF: EXITINFO1 the error code, EXITINFO2 the address, CR2 not
	 * written; the instruction bytes of a data access */
	vmcb_init(l2_pf_load);
	icpt(I_EXC(PF_VECTOR));
	set64(VMCB_CR2, 0x1234);
	expect("#PF on a load", l2_pf_load_insn, X_EXCP14, 0, 0x4000000008ull, NULL);
	report(get(VMCB_CR2) == 0x1234, "#PF: CR2 not written (%#llx)", (unsigned long long)get(VMCB_CR2));
	if (has(7))
		report(vmcb[C_INSN_LEN] == 15 && vmcb[C_INSN_BYTES] == 0x48 &&
			       vmcb[C_INSN_BYTES + 1] == 0x8b && vmcb[C_INSN_BYTES + 2] == 0x43 &&
			       vmcb[C_INSN_BYTES + 3] == 0x08,
		       "#PF: guest instruction bytes (%u: %02x %02x %02x %02x)", vmcb[C_INSN_LEN],
		       vmcb[C_INSN_BYTES], vmcb[C_INSN_BYTES + 1], vmcb[C_INSN_BYTES + 2],
		       vmcb[C_INSN_BYTES + 3]);
	/* a fetch: no instruction bytes; the error code's I/D bit only with
	 * EFER.NXE */
	for (int nxe = 0; nxe < 2; nxe++) {
		vmcb_init(l2_pf_fetch);
		icpt(I_EXC(PF_VECTOR));
		set64(VMCB_EFER, (get(VMCB_EFER) & ~EFER_NXE) | (nxe ? EFER_NXE : 0));
		expect(nxe ? "#PF on a fetch (NXE)" : "#PF on a fetch", (void *)0x4000000000ull, X_EXCP14,
		       nxe ? PFERR_FETCH_MASK : 0, 0x4000000000ull, NULL);
		report(vmcb[C_INSN_LEN] == 0, "#PF on a fetch: no instruction bytes (%u)",
		       vmcb[C_INSN_LEN]);
	}
	/* #DB of a single step: DR6.BS in the saved DR6 */
	vmcb_init(l2_single_step);
	icpt(I_EXC(DB_VECTOR));
	expect("#DB (single step)", l2_single_step_insn, X_EXCP1, 0, 0, NULL);
	report(get(VMCB_DR6) & BIT(14), "#DB: DR6.BS saved (%#llx)", (unsigned long long)get(VMCB_DR6));
	/* an exception while delivering one: EXITINTINFO has the first
	 * (APM "Intercepts During IDT Interrupt Delivery"). No IDT: #UD's
	 * delivery raises #GP(6*8+2+1) */
	vmcb_init(l2_df);
	*(volatile u32 *)(vmcb + VMCB_IDTR + 4) = 0;
	vmcb[C_ICPT(2)] &= ~(1u << UD_VECTOR);
	icpt(I_EXC(GP_VECTOR));
	expect("#GP while delivering #UD", l2_df_insn, X_EXCP13, UD_VECTOR * 8 + 3, 0, NULL);
	report(get(VMCB_EXITINTINFO) == (UD_VECTOR | 3 << 8 | BIT(31)),
	       "#GP while delivering #UD: EXITINTINFO %#llx", (unsigned long long)get(VMCB_EXITINTINFO));
	/* APM "Event Injection": the injected #UD is not checked against the
	 * #UD intercept; the #GP its delivery raises is, and EXITINTINFO has
	 * the #UD */
	vmcb_init(l2_df);
	*(volatile u32 *)(vmcb + VMCB_IDTR + 4) = 0;
	icpt(I_EXC(GP_VECTOR));
	vmcb_set(vmcb, VMCB_EVENTINJ, UD_VECTOR | SVM_EVT_EXC | SVM_EVT_V);
	expect("EVENTINJ #UD with #UD intercepted: its delivery's #GP exits", l2_df, X_EXCP13,
	       UD_VECTOR * 8 + 3, 0, NULL);
	report(get(VMCB_EXITINTINFO) == (UD_VECTOR | 3 << 8 | BIT(31)),
	       "EVENTINJ #UD: EXITINTINFO %#llx", (unsigned long long)get(VMCB_EXITINTINFO));
	/* ... and the #DF that two #GPs make exits as itself, no EXITINTINFO */
	vmcb_init(l2_df);
	*(volatile u32 *)(vmcb + VMCB_IDTR + 4) = 0;
	vmcb[C_ICPT(2)] &= ~(1u << UD_VECTOR);
	icpt(I_EXC(DF_VECTOR));
	expect("#DF", l2_df_insn, X_EXCP8, 0, 0, NULL);
	report(!(get(VMCB_EXITINTINFO) & BIT(31)), "#DF: no EXITINTINFO (%#llx)",
	       (unsigned long long)get(VMCB_EXITINTINFO));
}

/* task switches: APM "Task Switch Intercept" (EXITINFO1 the new TSS's
 * selector; EXITINFO2 bit 36 IRET, 38 JMP, 44 an error code, 48 RF).
 * L2 runs in 32-bit protected mode without paging (task switches do not
 * exist in long mode); a JMP and a CALL to an available 32-bit TSS, and an
 * IRET with NT = 1 back to the busy one the current TSS links to. */
static u8 tss32[104] __aligned(16);

static void vmcb_init32(void *rip)
{
	vmcb_init(rip);
	seg(VMCB_CS, 0x18); /* KERNEL_CS32 */
	seg(VMCB_SS, 0x10);
	seg(VMCB_DS, 0x10);
	seg(VMCB_ES, 0x10);
	set64(VMCB_EFER, EFER_SVME);
	set64(VMCB_CR0, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	set64(VMCB_CR4, 0);
	/* TR: L1's TSS (its base from the 16-byte descriptor's low half) */
	seg(VMCB_TR, str());
}

static void test_task_switch(void)
{
	set_gdt_entry(TSS32_AVAIL, (u32)(u64)tss32, sizeof(tss32) - 1, 0x89, 0);
	set_gdt_entry(TSS32_BUSY, (u32)(u64)tss32, sizeof(tss32) - 1, 0x8b, 0);
	vmcb_init32(l2_ts_jmp);
	icpt(I_TASK_SWITCH);
	expect("task switch: far JMP to a TSS", l2_ts_jmp_insn, X_TASK_SWITCH, TSS32_AVAIL, BIT(38), NULL);
	vmcb_init32(l2_ts_call);
	icpt(I_TASK_SWITCH);
	expect("task switch: far CALL to a TSS", l2_ts_call_insn, X_TASK_SWITCH, TSS32_AVAIL, 0, NULL);
	/* the previous-task link of the current TSS (L1's, whose first
	 * dword is reserved in 64-bit mode) */
	tss.reserved0 = TSS32_BUSY;
	vmcb_init32(l2_ts_iret);
	icpt(I_TASK_SWITCH);
	expect("task switch: IRET with NT", l2_ts_iret_insn, X_TASK_SWITCH, TSS32_BUSY, BIT(36), NULL);
	tss.reserved0 = 0;
	/* an IDT task gate for #GP: the error code goes to EXITINFO2 (bit 44
	 * says there is one) and the #GP to EXITINTINFO */
	static u32 idt32[2 * 14] __aligned(8);
	idt32[2 * GP_VECTOR] = (u32)TSS32_AVAIL << 16;
	idt32[2 * GP_VECTOR + 1] = 0x8500; /* P, DPL 0, task gate */
	vmcb_init32(l2_ts_gate);
	set64(VMCB_IDTR + 8, (u64)idt32);
	*(volatile u32 *)(vmcb + VMCB_IDTR + 4) = sizeof(idt32) - 1;
	icpt(I_TASK_SWITCH);
	expect("task switch: IDT task gate for #GP(98h)", l2_ts_gate_insn, X_TASK_SWITCH, TSS32_AVAIL,
	       0x98 | BIT(44), NULL);
	report(get(VMCB_EXITINTINFO) == (GP_VECTOR | 3 << 8 | BIT(11) | BIT(31) | 0x98ull << 32),
	       "task gate: EXITINTINFO %#llx", (unsigned long long)get(VMCB_EXITINTINFO));
	/* IOIO's A16 */
	vmcb_init32(l2_insb16);
	icpt(I_IOIO);
	iopm_set(0x80);
	expect("INSB with a16", l2_insb16_insn, X_IOIO, 0x80ull << 16 | BIT(0) | BIT(2) | BIT(4) | BIT(7),
	       (u64)l2_insb16_end, l2_insb16_end);
	/* INTO: #OF is a trap; its exit saves nRIP */
	vmcb_init32(l2_into);
	icpt(I_EXC(OF_VECTOR));
	expect("#OF (INTO)", l2_into_insn, X_EXCP4, 0, 0, l2_into_end);
	/* without the intercept the switch goes on (nestbox: #GP, a known
	 * gap): no exit 7Dh */
	vmcb_init32(l2_ts_jmp);
	icpt(I_EXC(GP_VECTOR));
	expect("task switch not intercepted", l2_ts_jmp_insn, X_EXCP13, TSS32_AVAIL, 0, NULL);
}

int main(int argc, char **argv)
{
	if (!svm_supported())
		return report_summary();
	svm_edx = svm_features();
	report_info("CPUID 8000_000Ah:EDX %#x (NRIPS %u, decode assists %u, pause filter %u)",
		    svm_edx, has(3), has(7), has(10));
	svm_enable();
	vmcb = svm_vmcb_alloc();

	test_simple();
	test_svm_insns();
	test_monitor();
	test_cr_dr();
	test_io();
	test_msr();
	test_pause();
	test_exceptions();
	test_task_switch();
	return report_summary();
}
