/* tests/unit/vmx_insn_test.c: the VMX instructions run as instruction
 * bytes through the decoder and the step loop (vmx/insn.c), the VMX
 * capability MSRs and IA32_FEATURE_CONTROL as a guest sees them, CR0/CR4
 * in VMX operation, and the -cpu VMX editing. Each check names the SDM
 * rule it shows ("VMX Instruction Reference", "Restrictions on VMX
 * Operation", Appendix A "VMX Capability Reporting Facility"); the
 * expected values are written out here, not taken from the code under
 * test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/exec/flags.h"
#include "cpu/system/msr.h"
#include "sys_harness.h"
#include "vmx/vmx.h"

static struct harness H;
#define C (H.c)

#define VMXON_REGION 0x410000ull
#define VMCS_A       0x411000ull
#define VMCS_B       0x412000ull
#define OPND         0x40f000ull    /* where a memory operand lives */
#define UNMAPPED     0x40000000ull  /* past the harness's 1 GiB of page tables */
#define NONCANON     0x8000000000000000ull
#define HOST_RIP     (H_CODE + 0x800)
#define REV          0x4e420001u    /* nestbox's VMCS revision identifier */

/* --- instruction bytes (64-bit mode unless said) --- */
#define VMXON       0xf3, 0x0f, 0xc7, 0x33 /* vmxon [rbx] */
#define VMCLEAR     0x66, 0x0f, 0xc7, 0x33 /* vmclear [rbx] */
#define VMPTRLD     0x0f, 0xc7, 0x33       /* vmptrld [rbx] */
#define VMPTRST     0x0f, 0xc7, 0x3b       /* vmptrst [rbx] */
#define VMREAD_REG  0x0f, 0x78, 0xc3       /* vmread rbx, rax: rbx := field rax */
#define VMREAD_MEM  0x0f, 0x78, 0x03       /* vmread [rbx], rax */
#define VMWRITE_REG 0x0f, 0x79, 0xc3       /* vmwrite rax, rbx: field rax := rbx */
#define VMWRITE_MEM 0x0f, 0x79, 0x03       /* vmwrite rax, [rbx] */
#define VMLAUNCH    0x0f, 0x01, 0xc2
#define VMRESUME    0x0f, 0x01, 0xc3
#define VMXOFF      0x0f, 0x01, 0xc4
#define VMCALL      0x0f, 0x01, 0xc1
#define VMFUNC      0x0f, 0x01, 0xd4
#define INVEPT      0x66, 0x0f, 0x38, 0x80, 0x03 /* invept rax, [rbx] */
#define INVVPID     0x66, 0x0f, 0x38, 0x81, 0x03 /* invvpid rax, [rbx] */
#define RDMSR       0x0f, 0x32
#define WRMSR       0x0f, 0x30
#define MOV_CR0_RAX 0x0f, 0x22, 0xc0
#define MOV_CR4_RAX 0x0f, 0x22, 0xe0

/* --- the machine --- */

/* a region starting with revision identifier rev */
static void region(u64 gpa, u32 rev)
{
	phys_write(&H.m.mem, gpa, 4, rev);
}

/* "max,+vmx" (or spec) as SeaBIOS leaves it (IA32_FEATURE_CONTROL locked,
 * VMXON outside SMX enabled), CR4.VMXE set, three regions ready */
static void machine(const char *spec)
{
	if (H.c)
		h_free(&H);
	sh_init(&H, spec);
	msr_firmware_init(C);
	C->cr4 |= CR4_VMXE;
	region(VMXON_REGION, REV);
	region(VMCS_A, REV);
	region(VMCS_B, REV);
}

static int setup(void **s)
{
	memset(&H, 0, sizeof(H));
	machine("max,+vmx");
	return 0;
}

static int teardown(void **s)
{
	h_free(&H);
	H.c = NULL;
	return 0;
}

/* run code with every arithmetic flag set (so VMsucceed must clear them)
 * and the memory operand [rbx] = opnd; returns the delivered vector or -1 */
static int run_op(u64 opnd, const u8 *code, size_t len)
{
	h_poke64(&H, OPND, opnd);
	C->gpr[RBX] = OPND;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	return sh_run(&H, code, len);
}
#define RUN(opnd, ...) run_op((opnd), CODE(__VA_ARGS__))

/* exactly one instruction (a VM exit ends it at the host RIP) */
static int step_one(const u8 *code, size_t len)
{
	h_poke(&H, H_CODE, code, len);
	C->rip = H_CODE;
	cpu_step(C);
	if (C->rip >= H_VECTORS && C->rip < H_VECTORS + 16 * 256)
		return (int)((C->rip - H_VECTORS) / 16);
	return -1;
}
#define STEP(...) step_one(CODE(__VA_ARGS__))

static u64 arith(void) { return cpu_rflags(C) & RFLAGS_ARITH; }
static u64 vm_error(void) { return vmcs_get(C, VMCS_VM_INSTRUCTION_ERROR); }

/* SDM "Conventions": VMsucceed clears CF PF AF ZF SF OF; VMfailInvalid
 * sets only CF; VMfailValid sets only ZF and stores the error number */
#define SUCCEEDS(v)                                   \
	do {                                          \
		assert_int_equal((v), -1);            \
		assert_int_equal(arith(), 0);         \
	} while (0)
#define FAILS_INVALID(v)                              \
	do {                                          \
		assert_int_equal((v), -1);            \
		assert_int_equal(arith(), RFLAGS_CF); \
	} while (0)
#define FAILS_VALID(v, err)                           \
	do {                                          \
		assert_int_equal((v), -1);            \
		assert_int_equal(arith(), RFLAGS_ZF); \
		assert_int_equal(vm_error(), (err));  \
	} while (0)

static void vmxon(void) { SUCCEEDS(RUN(VMXON_REGION, VMXON)); }
static void vmptrld(u64 p) { SUCCEEDS(RUN(p, VMPTRLD)); }

static void vmwrite(u64 enc, u64 val)
{
	C->gpr[RAX] = enc;
	C->gpr[RBX] = val;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	SUCCEEDS(sh_run(&H, CODE(VMWRITE_REG)));
}

static u64 vmread(u64 enc)
{
	C->gpr[RAX] = enc;
	C->gpr[RBX] = 0xdeadbeef;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	SUCCEEDS(sh_run(&H, CODE(VMREAD_REG)));
	return C->gpr[RBX];
}

/* VMXON, then a current VMCS (A, cleared first) */
static void current_vmcs(void)
{
	vmxon();
	SUCCEEDS(RUN(VMCS_A, VMCLEAR));
	vmptrld(VMCS_A);
}

/* IA-32e compatibility mode: a 32-bit code segment with EFER.LMA = 1 */
static void compat_mode(void)
{
	C->seg[SEG_CS] = (struct seg_cache){ 0x18, 0xffffffff, 0, 0xc09b };
	cpu_update_mode(C);
	assert_int_equal(C->mode, MODE_COMPAT32);
}

/* legacy 32-bit protected mode with PAE paging (VMX operation needs
 * CR0.PG = 1): the harness's page directory behind a one-entry PDPT */
#define PDPT 0x20000ull
static void prot32_paged(void)
{
	u64 cr4 = C->cr4 & CR4_VMXE;
	sh_prot32(&H);
	h_poke64(&H, PDPT, (H_PT + 0x2000) | 1);
	for (int k = 1; k < 4; k++)
		h_poke64(&H, PDPT + 8 * k, 0);
	C->cr3 = PDPT;
	C->cr4 = CR4_PAE | cr4;
	C->cr0 |= CR0_PG | CR0_NE;
	assert_true(cpu_pdptes_load(C, PDPT)); /* as MOV to CR0 would */
	tlb_flush_all(C);
	cpu_update_mode(C);
	assert_int_equal(C->mode, MODE_PROT32);
}

static int rdmsr(u32 idx, u64 *v)
{
	C->gpr[RCX] = idx;
	C->gpr[RAX] = C->gpr[RDX] = 0xdead;
	int r = sh_run(&H, CODE(RDMSR));
	*v = (C->gpr[RDX] << 32) | (u32)C->gpr[RAX];
	return r;
}

static int wrmsr(u32 idx, u64 v)
{
	C->gpr[RCX] = idx;
	C->gpr[RAX] = (u32)v;
	C->gpr[RDX] = v >> 32;
	return sh_run(&H, CODE(WRMSR));
}

static u64 msr(u32 idx)
{
	u64 v;
	if (rdmsr(idx, &v) != -1)
		fail_msg("RDMSR %#x faulted", idx);
	return v;
}

/* A VMCS whose host state brings an exit back to 64-bit CPL 0 at
 * HOST_RIP, made current, and the CPU put in VMX non-root operation the
 * way a successful VM entry leaves it (entry itself is vmx/entry.c's, not
 * this file's): what a VMX instruction does there is the subject. */
static void fake_nonroot(void)
{
	current_vmcs();
	vmcs_set(C, VMCS_HOST_CR0, C->cr0);
	vmcs_set(C, VMCS_HOST_CR3, C->cr3);
	vmcs_set(C, VMCS_HOST_CR4, C->cr4);
	vmcs_set(C, VMCS_HOST_CS_SELECTOR, 0x08);
	vmcs_set(C, VMCS_HOST_SS_SELECTOR, 0x10);
	vmcs_set(C, VMCS_HOST_DS_SELECTOR, 0x10);
	vmcs_set(C, VMCS_HOST_ES_SELECTOR, 0x10);
	vmcs_set(C, VMCS_HOST_TR_SELECTOR, 0x30);
	vmcs_set(C, VMCS_HOST_GDTR_BASE, H_GDT);
	vmcs_set(C, VMCS_HOST_IDTR_BASE, H_IDT);
	vmcs_set(C, VMCS_HOST_RSP, H_STACK);
	vmcs_set(C, VMCS_HOST_RIP, HOST_RIP);
	vmcs_set(C, VMCS_VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE);
	C->vmx.launched = 1;
	C->vmx.nonroot = 1;
}

/* the VM exit an instruction just caused */
static void exited(int v, enum vmx_exit_reason reason, unsigned len)
{
	assert_int_equal(v, -1);
	assert_false(C->vmx.nonroot);
	assert_int_equal(C->rip, HOST_RIP);
	assert_int_equal(vmcs_get(C, VMCS_EXIT_REASON), reason);
	assert_int_equal(vmcs_get(C, VMCS_EXIT_INSTRUCTION_LEN), len);
	/* the instruction did not complete: the guest RIP names it */
	assert_int_equal(vmcs_get(C, VMCS_GUEST_RIP), H_CODE);
}

/* ---------------- CPU model: CPUID, CR4.VMXE ---------------- */

/* CPUID.1:ECX.VMX[bit 5] with "+vmx" only; CR4.VMXE (bit 13) is reserved
 * (MOV to CR4 #GP) where VMX is not advertised ("Control Registers") */
static void test_cpuid_cr4(void **s)
{
	u32 r[4];

	cpu_model_cpuid(C->model, 1, 0, r);
	assert_true(r[CPUID_ECX] & BIT(5));
	C->cr4 &= ~CR4_VMXE;
	C->gpr[RAX] = C->cr4 | CR4_VMXE;
	assert_int_equal(sh_run(&H, CODE(MOV_CR4_RAX)), -1);
	assert_true(C->cr4 & CR4_VMXE);

	machine("max");
	cpu_model_cpuid(C->model, 1, 0, r);
	assert_false(r[CPUID_ECX] & BIT(5));
	C->cr4 &= ~CR4_VMXE;
	C->gpr[RAX] = C->cr4 | CR4_VMXE;
	assert_int_equal(sh_run(&H, CODE(MOV_CR4_RAX)), VEC_GP);
	/* and VMXON is #UD: "(CR4.VMXE = 0) THEN #UD" */
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_UD);

	/* VMX does not care about the vendor string */
	machine("max,+vmx,vendor=AuthenticAMD");
	cpu_model_cpuid(C->model, 1, 0, r);
	assert_true(r[CPUID_ECX] & BIT(5));
	vmxon();
	assert_true(C->vmx.on);
}

/* ---------------- MSRs ---------------- */

/* SDM "Enabling and Entering VMX Operation": IA32_FEATURE_CONTROL lock
 * (bit 0), VMXON in SMX (bit 1, only with SMX), outside SMX (bit 2) */
static void test_feature_control(void **s)
{
	u64 v;

	/* what SeaBIOS leaves under QEMU when VMX is advertised */
	assert_int_equal(rdmsr(MSR_FEATURE_CONTROL, &v), -1);
	assert_int_equal(v, 5);
	/* "If the lock bit is set, WRMSR to this MSR causes a
	 * general-protection exception" -- even of the same value */
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 5), VEC_GP);
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 0), VEC_GP);

	/* unlocked (no firmware): reserved bits and bit 1 without SMX #GP */
	C->msr.feature_control = 0;
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 2), VEC_GP);
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 8), VEC_GP);
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, BIT(20)), VEC_GP);
	/* VMXON: "(bit 0 (lock bit) of IA32_FEATURE_CONTROL MSR is clear)
	 * ... THEN #GP(0)" */
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 4), -1);
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_GP);
	assert_false(C->vmx.on);
	/* "(outside SMX operation and bit 2 of IA32_FEATURE_CONTROL MSR is
	 * clear) THEN #GP(0)" */
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 1), -1);
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_GP);
	assert_false(C->vmx.on);
	C->msr.feature_control = 0;
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 5), -1);
	vmxon();

	/* the MSR exists on a non-Intel model only with VMX */
	machine("max,+vmx,vendor=AuthenticAMD");
	assert_int_equal(rdmsr(MSR_FEATURE_CONTROL, &v), -1);
	machine("qemu64");
	assert_int_equal(rdmsr(MSR_FEATURE_CONTROL, &v), VEC_GP);
	/* firmware leaves it alone without VMX */
	machine("max");
	assert_int_equal(rdmsr(MSR_FEATURE_CONTROL, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(wrmsr(MSR_FEATURE_CONTROL, 4), VEC_GP); /* bit 2 needs VMX */
}

/* Appendix A: the capability MSRs of "max,+vmx", bit for bit */
static void test_cap_msr_values(void **s)
{
	/* "Basic VMX Information": revision 4E420001H, region size 4096 (bits
	 * 44:32), bit 48 = 0 (Intel 64), memory type WB = 6 (53:50), INS/OUTS
	 * information (54), TRUE controls (55) */
	assert_int_equal(msr(0x480), 0x00d8100000000000ull | REV);
	/* "Reserved Controls and Default Settings": allowed-0 in 31:0 (the
	 * default1 class), allowed-1 in 63:32.
	 * pin-based: default1 bits 1, 2, 4; + external-interrupt (0), NMI (3),
	 * virtual NMIs (5), VMX-preemption timer (6), process posted
	 * interrupts (7) */
	assert_int_equal(msr(0x481), 0x000000ff00000016ull);
	assert_int_equal(msr(0x48d), 0x000000ff00000016ull);
	/* primary processor-based: default1 1, 4-6, 8, 13-16, 26; + interrupt
	 * window 2, TSC offsetting 3, HLT 7, INVLPG 9, MWAIT 10, RDPMC 11,
	 * RDTSC 12, CR8-load 19, CR8-store 20, TPR shadow 21, NMI window 22,
	 * MOV-DR 23, unconditional I/O 24, I/O bitmaps 25, monitor trap flag
	 * 27, MSR bitmaps 28, MONITOR 29, PAUSE 30, secondary controls 31;
	 * TRUE: CR3-load/store exiting may be 0 */
	assert_int_equal(msr(0x482), 0xfff9fffe0401e172ull);
	assert_int_equal(msr(0x48e), 0xfff9fffe04006172ull);
	/* VM-exit: default1 0-8, 10, 11, 13, 14, 16, 17; + host address-space
	 * size 9, load IA32_PERF_GLOBAL_CTRL 12, acknowledge interrupt 15,
	 * save/load PAT 18/19, save/load EFER 20/21, save VMX-preemption
	 * timer value 22, save IA32_PERF_GLOBAL_CTRL 30; TRUE: save debug
	 * controls (2) may be 0 */
	assert_int_equal(msr(0x483), 0x407fffff00036dffull);
	assert_int_equal(msr(0x48f), 0x407fffff00036dfbull);
	/* VM-entry: default1 0-8, 12; + IA-32e mode guest 9, load
	 * IA32_PERF_GLOBAL_CTRL 13, load PAT 14, load EFER 15; TRUE: load
	 * debug controls (2) may be 0 */
	assert_int_equal(msr(0x484), 0x0000f3ff000011ffull);
	assert_int_equal(msr(0x490), 0x0000f3ff000011fbull);
	/* "Miscellaneous Data": timer rate 5, store LMA (5), activity HLT,
	 * shutdown, wait-for-SIPI (6-8), RDMSR of IA32_SMBASE (15), 4
	 * CR3-target values (24:16), VMWRITE to exit fields (29), injection
	 * with instruction length 0 (30) */
	assert_int_equal(msr(0x485), 0x600481e5);
	/* "VMX-Fixed Bits in CR0/CR4": PE, NE, PG fixed to 1, no CR0 bit
	 * fixed to 0; CR4.VMXE fixed to 1, CR4 bits the model lacks to 0 */
	assert_int_equal(msr(0x486), 0x80000021);
	assert_int_equal(msr(0x487), 0xffffffff);
	assert_int_equal(msr(0x488), CR4_VMXE);
	u64 f1 = msr(0x489);
	assert_true(f1 & CR4_VMXE && f1 & CR4_PAE && f1 & CR4_SMEP && f1 & CR4_SMAP &&
		    f1 & CR4_OSXSAVE && f1 & CR4_PCIDE && f1 & CR4_FSGSBASE);
	assert_true(f1 & CR4_PKE && f1 & CR4_PKS);
	assert_false(f1 & (CR4_LA57 | CR4_SMXE));
	assert_int_equal(f1 >> 32, 0);
	/* "VMCS Enumeration": highest index 19H (the TSC multiplier, 2032H;
	 * the VMX-preemption timer value, 482EH, has 17H; no TPR-shadow
	 * fields) */
	assert_int_equal(msr(0x48a), 0x19 << 1);
	/* secondary processor-based: virtualize APIC accesses 0, enable EPT 1,
	 * descriptor-table exiting 2, RDTSCP 3, virtualize x2APIC mode 4,
	 * enable VPID 5, WBINVD 6, unrestricted guest 7, APIC-register
	 * virtualization 8, virtual-interrupt delivery 9, PAUSE-loop exiting
	 * 10, RDRAND 11, INVPCID 12, VM functions 13, VMCS shadowing 14,
	 * RDSEED 16, PML 17, TSC scaling 25 */
	assert_int_equal(msr(0x48b), 0x02037fff00000000ull);
	/* "VPID and EPT Capabilities": INVVPID (32) of every type (40-43), no
	 * EPT: execute-only 0, page-walk length 4 (6) and 5 (7), UC 8, WB 14, 2-MByte
	 * 16 and 1-GByte 17 pages, INVEPT 20, A/D flags 21, INVEPT single 25
	 * and all-context 26 */
	assert_int_equal(msr(0x48c), 0x00000f01063341c1ull);
	/* "VM Functions": EPTP switching (0) */
	assert_int_equal(msr(0x491), 1);

	/* a model without SMAP: CR4.SMAP fixed to 0 */
	machine("max,+vmx,-smap");
	assert_false(msr(0x489) & CR4_SMAP);
}

/* Each capability MSR exists only with its capability (else RDMSR #GP
 * "like an unimplemented MSR"), and none can be written */
static void test_cap_msr_existence(void **s)
{
	u64 v;

	/* IA32_VMX_EPT_VPID_CAP: "only if ... 'enable EPT' or 'enable VPID'"
	 * (VPID is offered); IA32_VMX_VMFUNC: "only ... 'enable VM
	 * functions'"; IA32_VMX_PROCBASED_CTLS3: "activate tertiary
	 * controls"; IA32_VMX_EXIT_CTLS2: VM-exit "activate secondary
	 * controls" */
	for (u32 k = 0x480; k <= 0x491; k++)
		assert_int_equal(rdmsr(k, &v), -1);
	assert_int_equal(rdmsr(0x492, &v), VEC_GP);
	assert_int_equal(rdmsr(0x493, &v), VEC_GP);
	assert_int_equal(rdmsr(0x494, &v), VEC_GP);
	/* (the MSR table says the same to its other users: MSR bitmaps, lists) */
	assert_true(msr_exists(C, 0x480) && msr_exists(C, 0x48b) && msr_exists(C, 0x48c) &&
		    msr_exists(C, 0x490) && msr_exists(C, 0x491));
	assert_false(msr_exists(C, 0x493));
	/* read-only */
	for (u32 k = 0x480; k <= 0x493; k++)
		assert_int_equal(wrmsr(k, 0), VEC_GP);
	assert_int_equal(wrmsr(0x481, msr(0x481)), VEC_GP);

	/* IA32_VMX_PROCBASED_CTLS2 "exists only on processors that support
	 * the 1-setting of the 'activate secondary controls'" */
	machine("max,+vmx,-vmx-secondary-ctls");
	assert_int_equal(rdmsr(0x48b, &v), VEC_GP);
	assert_false(msr(0x482) & BIT(63));
	/* the TRUE MSRs only "if bit 55 of IA32_VMX_BASIC is 1" */
	machine("max,+vmx,-vmx-true-ctls");
	assert_false(msr(0x480) & BIT(55));
	for (u32 k = 0x48d; k <= 0x490; k++)
		assert_int_equal(rdmsr(k, &v), VEC_GP);
	/* no VMX, no capability MSRs */
	machine("max");
	for (u32 k = 0x480; k <= 0x493; k++)
		assert_int_equal(rdmsr(k, &v), VEC_GP);
	/* without Intel 64: IA32_VMX_BASIC[48] = 1, no host address-space
	 * size / IA-32e mode guest / CR8 exiting */
	machine("max,-lm,+vmx");
	assert_true(msr(0x480) & BIT(48));
	assert_false(msr(0x483) & ((u64)EXIT_HOST_ADDR_SPACE_SIZE << 32));
	assert_false(msr(0x484) & ((u64)ENTRY_IA32E_MODE_GUEST << 32));
	assert_false(msr(0x482) & ((u64)PROC_CR8_LOAD_EXITING << 32));
	assert_false(msr(0x482) & ((u64)PROC_USE_TPR_SHADOW << 32));
}

/* ---------------- -cpu VMX editing ---------------- */

static struct cpu_model M;
static char err[256];
static int parse(const char *spec) { return cpu_model_parse(&M, spec, err, sizeof(err)); }

static void test_cpu_vmx_options(void **s)
{
	/* withdrawing a control: its allowed-1 bit goes (QEMU's names) */
	assert_int_equal(parse("max,+vmx,-vmx-hlt-exit"), 0);
	assert_false(vmx_msr_ctls(&M.vmx, VMX_W_PROC, false) & ((u64)PROC_HLT_EXITING << 32));
	assert_true(vmx_msr_ctls(&M.vmx, VMX_W_PROC, false) & ((u64)PROC_INVLPG_EXITING << 32));
	assert_int_equal(parse("max,+vmx,vmx-hlt-exit=off"), 0);
	assert_false(vmx_caps_has(&M.vmx, VMXF_PROC_HLT_EXITING));
	/* "-" wins over "+", as for CPUID features; spelling is folded */
	assert_int_equal(parse("max,+vmx,-VMX_HLT_EXIT,+vmx-hlt-exit"), 0);
	assert_false(vmx_caps_has(&M.vmx, VMXF_PROC_HLT_EXITING));
	/* a "may be 0" default1 control withdrawn: back in the TRUE allowed-0 */
	assert_int_equal(parse("max,+vmx,-vmx-cr3-load-noexit"), 0);
	assert_true(vmx_msr_ctls(&M.vmx, VMX_W_PROC, true) & PROC_CR3_LOAD_EXITING);
	assert_int_equal(parse("max,+vmx,-vmx-cr3-load-noexit,+vmx-cr3-load-noexit"), 0);
	assert_true(vmx_msr_ctls(&M.vmx, VMX_W_PROC, true) & PROC_CR3_LOAD_EXITING);
	/* ... even over name=on (QEMU applies +/- after the properties) */
	assert_int_equal(parse("max,+vmx,-vmx-cr3-load-noexit,vmx-cr3-load-noexit=on"), 0);
	assert_true(vmx_msr_ctls(&M.vmx, VMX_W_PROC, true) & PROC_CR3_LOAD_EXITING);
	assert_int_equal(parse("max,+vmx,vmx-cr3-load-noexit=off,vmx-cr3-load-noexit=on"), 0);
	assert_false(vmx_msr_ctls(&M.vmx, VMX_W_PROC, true) & PROC_CR3_LOAD_EXITING);
	/* withdrawing what nestbox never offers is fine (runners do it) */
	assert_int_equal(parse("max,+vmx,-vmx-ept,-vmx-mbec,-vmx-vpid,vmx-unrestricted-guest=off"),
			 0);
	/* re-offering an implemented row */
	assert_int_equal(parse("max,+vmx,vmx-rdseed-exit=off,vmx-rdseed-exit=on"), 0);
	assert_true(vmx_caps_has(&M.vmx, VMXF_PROC2_RDSEED_EXITING));

	/* enabling what nestbox does not implement: an error naming it, with
	 * or without "enforce" */
	assert_int_equal(parse("max,+vmx,+vmx-mbec"), -1);
	assert_non_null(strstr(err, "'vmx-mbec'"));
	assert_non_null(strstr(err, "not implemented"));
	assert_int_equal(parse("max,+vmx,vmx-xsaves=on"), -1);
	assert_non_null(strstr(err, "vmx-xsaves"));
	/* an Intel 64 control on a model without it */
	assert_int_equal(parse("max,-lm,+vmx,+vmx-entry-ia32e-mode"), -1);
	assert_non_null(strstr(err, "long mode"));
	/* unknown names are errors that name them (no longer ignored) */
	assert_int_equal(parse("max,+vmx,-vmx-nosuch"), -1);
	assert_non_null(strstr(err, "vmx-nosuch"));
	assert_int_equal(parse("max,vmx-bogus=on"), -1);
	assert_non_null(strstr(err, "vmx-bogus"));
	assert_int_equal(parse("max,+vmx,vmx-hlt-exit=maybe"), -1);
}

/* ---------------- CR0/CR4 in VMX operation ---------------- */

/* SDM "Restrictions on VMX Operation": "Any attempt to set one of these
 * bits to an unsupported value while in VMX operation (including VMX
 * root operation) using any of the CLTS, LMSW, or MOV CR instructions
 * causes a general-protection exception"; "it is not possible to clear
 * CR4.VMXE" */
static void test_cr_fixed_bits(void **s)
{
	u64 cr0 = C->cr0, cr4 = C->cr4;

	vmxon();
	C->gpr[RAX] = cr0 & ~CR0_NE;
	assert_int_equal(sh_run(&H, CODE(MOV_CR0_RAX)), VEC_GP);
	assert_int_equal(C->cr0, cr0);
	C->gpr[RAX] = cr4 & ~CR4_VMXE;
	assert_int_equal(sh_run(&H, CODE(MOV_CR4_RAX)), VEC_GP);
	assert_int_equal(C->cr4, cr4);
	/* bits that are not fixed still change */
	C->gpr[RAX] = cr0 | CR0_TS;
	assert_int_equal(sh_run(&H, CODE(MOV_CR0_RAX)), -1);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x06)), -1); /* clts */
	assert_false(C->cr0 & CR0_TS);
	C->gpr[RAX] = cr4 | CR4_PGE;
	assert_int_equal(sh_run(&H, CODE(MOV_CR4_RAX)), -1);
	assert_true(C->cr4 & CR4_PGE);
	/* LMSW cannot reach a fixed bit (it loads PE MP EM TS and cannot
	 * clear PE) */
	C->gpr[RAX] = 0x8;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x01, 0xf0)), -1); /* lmsw ax */
	assert_true(C->cr0 & CR0_TS);

	/* after VMXOFF both may be cleared */
	SUCCEEDS(RUN(0, VMXOFF));
	C->gpr[RAX] = cr0 & ~CR0_NE;
	assert_int_equal(sh_run(&H, CODE(MOV_CR0_RAX)), -1);
	assert_false(C->cr0 & CR0_NE);
	C->gpr[RAX] = C->cr4 & ~CR4_VMXE;
	assert_int_equal(sh_run(&H, CODE(MOV_CR4_RAX)), -1);
	assert_false(C->cr4 & CR4_VMXE);
}

/* vmx_cr_allowed itself: FIXED0/FIXED1, "Unrestricted Guests" ("CR0.PE
 * and CR0.PG may be 0 in VMX non-root operation"), SMM ("Default
 * Treatment of SMI Delivery" leaves VMX operation) */
static void test_cr_allowed(void **s)
{
	u64 cr0 = C->cr0;

	assert_true(vmx_cr_allowed(C, 0, cr0 & ~CR0_PG)); /* outside VMX operation */
	fake_nonroot();
	assert_true(vmx_cr_allowed(C, 0, cr0));
	assert_false(vmx_cr_allowed(C, 0, cr0 & ~CR0_PG));
	assert_false(vmx_cr_allowed(C, 0, cr0 & ~CR0_PE));
	assert_false(vmx_cr_allowed(C, 0, cr0 | BIT(32)));
	assert_false(vmx_cr_allowed(C, 4, C->cr4 & ~CR4_VMXE));
	assert_false(vmx_cr_allowed(C, 4, C->cr4 | CR4_LA57));
	vmcs_set(C, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	vmcs_set(C, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_UNRESTRICTED_GUEST);
	assert_true(vmx_cr_allowed(C, 0, cr0 & ~(CR0_PG | CR0_PE)));
	assert_false(vmx_cr_allowed(C, 0, cr0 & ~CR0_NE));
	/* ... only in non-root operation, only with "activate secondary" */
	vmcs_set(C, VMCS_CPU_BASED_VM_EXEC_CONTROL, 0);
	assert_false(vmx_cr_allowed(C, 0, cr0 & ~CR0_PG));
	vmcs_set(C, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	C->vmx.nonroot = 0;
	assert_false(vmx_cr_allowed(C, 0, cr0 & ~CR0_PG));
	C->smm.in_smm = 1;
	assert_true(vmx_cr_allowed(C, 0, cr0 & ~CR0_PG));
	C->smm.in_smm = 0;
}

/* ---------------- VMXON ---------------- */

static void test_vmxon(void **s)
{
	/* "IF (register operand) or (CR0.PE = 0) or (CR4.VMXE = 0) or
	 * (RFLAGS.VM = 1) or (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD" --
	 * ahead of the CPL #GP */
	C->cr4 &= ~CR4_VMXE;
	sh_user(&H);
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_UD);
	machine("max,+vmx");
	compat_mode();
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_UD);
	machine("max,+vmx");
	sh_real(&H);
	C->cr4 |= CR4_VMXE;
	assert_int_equal(sh_run(&H, CODE(VMXON)), VEC_UD);
	assert_false(C->vmx.on);

	/* "(CPL > 0) ... THEN #GP(0)" */
	machine("max,+vmx");
	sh_user(&H);
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_GP);
	assert_int_equal(sh_err(&H), 0);
	/* "(the values of CR0 and CR4 are not supported in VMX operation)":
	 * CR0.NE = 0 */
	machine("max,+vmx");
	C->cr0 &= ~CR0_NE;
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_GP);
	C->cr0 |= CR0_NE;
	/* the memory operand's faults: #PF, #GP for a non-canonical address,
	 * #SS through a non-canonical RSP */
	C->gpr[RBX] = UNMAPPED;
	assert_int_equal(sh_run(&H, CODE(VMXON)), VEC_PF);
	assert_int_equal(C->cr2, UNMAPPED);
	C->gpr[RBX] = NONCANON;
	assert_int_equal(sh_run(&H, CODE(VMXON)), VEC_GP);
	/* (#SS is delivered on IST1: a CPL-0 handler cannot push on the
	 * non-canonical RSP) */
	h_poke64(&H, S_TSS + 0x24, S_STACK0 - 0x1000);
	h_poke64(&H, H_IDT + 16 * VEC_SS, h_peek64(&H, H_IDT + 16 * VEC_SS) | (1ull << 32));
	C->gpr[RSP] = NONCANON;
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x0f, 0xc7, 0x34, 0x24)), VEC_SS);
	C->gpr[RSP] = H_STACK;
	assert_false(C->vmx.on);

	/* "IF addr is not 4KB-aligned or addr sets any bits beyond the
	 * physical-address width THEN VMfailInvalid" (MAXPHYADDR 40) */
	FAILS_INVALID(RUN(VMXON_REGION + 8, VMXON));
	FAILS_INVALID(RUN(1ull << 40, VMXON));
	/* "IF rev[30:0] ≠ VMCS revision identifier supported by processor OR
	 * rev[31] = 1 THEN VMfailInvalid" */
	region(VMXON_REGION, REV + 1);
	FAILS_INVALID(RUN(VMXON_REGION, VMXON));
	region(VMXON_REGION, REV | BIT(31));
	FAILS_INVALID(RUN(VMXON_REGION, VMXON));
	assert_false(C->vmx.on);
	region(VMXON_REGION, REV);

	/* success: VMX root operation, no current VMCS */
	vmxon();
	assert_true(C->vmx.on);
	assert_false(C->vmx.nonroot);
	assert_int_equal(C->vmx.vmxon_ptr, VMXON_REGION);
	assert_int_equal(C->vmx.vmcs_ptr, VMX_NO_VMCS);

	/* in VMX root operation: "ELSIF CPL > 0 THEN #GP(0); ELSE
	 * VMfail("VMXON executed in VMX root operation")" -- VMfailInvalid
	 * with no current VMCS, VMfailValid(15) with one */
	FAILS_INVALID(RUN(VMXON_REGION, VMXON));
	SUCCEEDS(RUN(VMCS_A, VMCLEAR));
	vmptrld(VMCS_A);
	FAILS_VALID(RUN(VMXON_REGION, VMXON), 15);
	/* no memory access: an unmapped operand does not fault */
	C->gpr[RBX] = UNMAPPED;
	cpu_set_rflags(C, RFLAGS_FIXED);
	assert_int_equal(sh_run(&H, CODE(VMXON)), -1);
	assert_int_equal(arith(), RFLAGS_ZF);
	sh_user(&H);
	assert_int_equal(RUN(VMXON_REGION, VMXON), VEC_GP);
}

/* ---------------- VMXOFF ---------------- */

static void test_vmxoff(void **s)
{
	/* "IF (not in VMX operation) ... THEN #UD" */
	assert_int_equal(RUN(0, VMXOFF), VEC_UD);
	sh_user(&H);
	assert_int_equal(RUN(0, VMXOFF), VEC_UD); /* #UD before the CPL #GP */
	machine("max,+vmx");
	vmxon();
	sh_user(&H);
	assert_int_equal(RUN(0, VMXOFF), VEC_GP);
	assert_true(C->vmx.on);

	machine("max,+vmx");
	current_vmcs();
	vmwrite(0x681e, 0x1234); /* GUEST_RIP */
	/* an INIT in VMX root operation is latched ("INIT signals are blocked
	 * whenever a logical processor is in VMX root operation") ... */
	C->init_pending = 1;
	SUCCEEDS(STEP(VMXOFF));
	/* ... and VMXOFF ("unblock INIT") lets it through */
	assert_true(C->init_pending);
	assert_false(C->vmx.init_blocked);
	C->init_pending = 0;
	assert_false(C->vmx.on);
	assert_int_equal(C->vmx.vmcs_ptr, VMX_NO_VMCS);
	/* the current VMCS's data reached its region */
	assert_int_equal(h_peek64(&H, VMCS_A + 16 + 8 * VMCS_GUEST_RIP), 0x1234);
	/* outside VMX operation again */
	assert_int_equal(RUN(0, VMXOFF), VEC_UD);
	assert_int_equal(RUN(VMCS_A, VMPTRST), VEC_UD);
}

/* ---------------- VMCLEAR ---------------- */

static void test_vmclear(void **s)
{
	/* "IF (register operand) or (not in VMX operation) ... THEN #UD" */
	assert_int_equal(RUN(VMCS_A, VMCLEAR), VEC_UD);
	vmxon();
	compat_mode();
	assert_int_equal(RUN(VMCS_A, VMCLEAR), VEC_UD);
	machine("max,+vmx");
	vmxon();
	sh_user(&H);
	assert_int_equal(RUN(VMCS_A, VMCLEAR), VEC_GP);
	machine("max,+vmx");
	vmxon();
	C->gpr[RBX] = UNMAPPED;
	assert_int_equal(sh_run(&H, CODE(VMCLEAR)), VEC_PF);

	/* no current VMCS: the failures are VMfailInvalid */
	FAILS_INVALID(RUN(VMCS_A | 0x800, VMCLEAR));
	FAILS_INVALID(RUN(VMXON_REGION, VMCLEAR));
	/* with one, VMfailValid: "VMCLEAR with invalid physical address" (2)
	 * for a misaligned address or one beyond MAXPHYADDR, "VMCLEAR with
	 * VMXON pointer" (3) */
	SUCCEEDS(RUN(VMCS_A, VMCLEAR));
	vmptrld(VMCS_A);
	FAILS_VALID(RUN(VMCS_B | 0x10, VMCLEAR), 2);
	FAILS_VALID(RUN(VMCS_B | (1ull << 40), VMCLEAR), 2);
	FAILS_VALID(RUN(VMCS_B | (1ull << 63), VMCLEAR), 2);
	FAILS_VALID(RUN(VMXON_REGION, VMCLEAR), 3);
	assert_int_equal(C->vmx.vmcs_ptr, VMCS_A);

	/* a VMCS that is not current: "launch state ... := clear", the
	 * current one stays */
	phys_write(&H.m.mem, VMCS_B + 8, 1, 1);
	SUCCEEDS(RUN(VMCS_B, VMCLEAR));
	assert_int_equal(phys_read(&H.m.mem, VMCS_B + 8, 1), 0);
	assert_int_equal(C->vmx.vmcs_ptr, VMCS_A);
	/* the current one: written back, clear, and "current-VMCS pointer :=
	 * FFFFFFFF_FFFFFFFFH" */
	C->vmx.launched = 1;
	vmwrite(0x681e, 0xabcdef);
	SUCCEEDS(RUN(VMCS_A, VMCLEAR));
	assert_int_equal(C->vmx.vmcs_ptr, VMX_NO_VMCS);
	assert_false(C->vmx.launched);
	assert_int_equal(phys_read(&H.m.mem, VMCS_A + 8, 1), 0);
	assert_int_equal(h_peek64(&H, VMCS_A + 16 + 8 * VMCS_GUEST_RIP), 0xabcdef);
}

/* ---------------- VMPTRLD / VMPTRST ---------------- */

static void test_vmptrld(void **s)
{
	assert_int_equal(RUN(VMCS_A, VMPTRLD), VEC_UD);
	vmxon();
	sh_user(&H);
	assert_int_equal(RUN(VMCS_A, VMPTRLD), VEC_GP);
	machine("max,+vmx");
	vmxon();
	C->gpr[RBX] = UNMAPPED;
	assert_int_equal(sh_run(&H, CODE(VMPTRLD)), VEC_PF);

	/* with no current VMCS every failure is VMfailInvalid */
	FAILS_INVALID(RUN(VMCS_A + 0x100, VMPTRLD));
	FAILS_INVALID(RUN(VMXON_REGION, VMPTRLD));
	region(VMCS_B, REV + 1);
	FAILS_INVALID(RUN(VMCS_B, VMPTRLD));
	assert_int_equal(C->vmx.vmcs_ptr, VMX_NO_VMCS);

	vmptrld(VMCS_A);
	assert_int_equal(C->vmx.vmcs_ptr, VMCS_A);
	/* "VMPTRLD with invalid physical address" (9), "... with VMXON
	 * pointer" (10), "... with incorrect VMCS revision identifier" (11):
	 * rev[30:0] wrong, or rev[31] (shadow VMCS) without VMCS shadowing */
	FAILS_VALID(RUN(VMCS_B + 0x100, VMPTRLD), 9);
	FAILS_VALID(RUN(1ull << 40, VMPTRLD), 9);
	FAILS_VALID(RUN(VMXON_REGION, VMPTRLD), 10);
	FAILS_VALID(RUN(VMCS_B, VMPTRLD), 11);
	/* (a model without VMCS shadowing: test_vmcs_shadow_root has the
	 * model with it) */
	vmx_caps_set(&H.m.model.vmx, VMXF_PROC2_VMCS_SHADOWING, false);
	region(VMCS_B, REV | BIT(31));
	FAILS_VALID(RUN(VMCS_B, VMPTRLD), 11);
	assert_int_equal(C->vmx.vmcs_ptr, VMCS_A);
	region(VMCS_B, REV);
	vmptrld(VMCS_B);
	assert_int_equal(C->vmx.vmcs_ptr, VMCS_B);
}

static void test_vmptrst(void **s)
{
	assert_int_equal(RUN(0, VMPTRST), VEC_UD);
	vmxon();
	sh_user(&H);
	assert_int_equal(RUN(0, VMPTRST), VEC_GP);
	machine("max,+vmx");
	vmxon();
	C->gpr[RBX] = UNMAPPED;
	assert_int_equal(sh_run(&H, CODE(VMPTRST)), VEC_PF);
	/* "64-bit in-memory destination operand := current-VMCS pointer" */
	SUCCEEDS(RUN(0, VMPTRST));
	assert_int_equal(h_peek64(&H, OPND), VMX_NO_VMCS);
	vmptrld(VMCS_B);
	SUCCEEDS(RUN(0, VMPTRST));
	assert_int_equal(h_peek64(&H, OPND), VMCS_B);
}

/* VMPTRLD / VMWRITE / VMCLEAR / VMPTRLD through guest memory: "ensure that
 * data for VMCS referenced by the operand is in memory" */
static void test_round_trip(void **s)
{
	current_vmcs();
	vmwrite(0x681e, 0x1111222233334444ull); /* GUEST_RIP */
	vmwrite(0x4002, 0x12345678);            /* CPU_BASED_VM_EXEC_CONTROL */
	vmwrite(0x0800, 0x28);                  /* GUEST_ES_SELECTOR */
	/* another VMCS becomes current: A is written back, B read */
	SUCCEEDS(RUN(VMCS_B, VMCLEAR));
	vmptrld(VMCS_B);
	assert_int_equal(vmread(0x681e), 0);
	vmwrite(0x681e, 0x5555);
	/* back to A: its fields came back from its region */
	vmptrld(VMCS_A);
	assert_int_equal(vmread(0x681e), 0x1111222233334444ull);
	assert_int_equal(vmread(0x4002), 0x12345678);
	assert_int_equal(vmread(0x0800), 0x28);
	/* ... and B's were written back when A was loaded again */
	assert_int_equal(h_peek64(&H, VMCS_B + 16 + 8 * VMCS_GUEST_RIP), 0x5555);
	/* VMCLEAR, change the region behind the processor's back, VMPTRLD:
	 * the processor reads what memory holds */
	SUCCEEDS(RUN(VMCS_A, VMCLEAR));
	h_poke64(&H, VMCS_A + 16 + 8 * VMCS_GUEST_RIP, 0x7777);
	vmptrld(VMCS_A);
	assert_int_equal(vmread(0x681e), 0x7777);
	/* the launch state lives with the region */
	C->vmx.launched = 1;
	vmptrld(VMCS_B);
	assert_false(C->vmx.launched);
	vmptrld(VMCS_A);
	assert_true(C->vmx.launched);
}

/* ---------------- VMREAD / VMWRITE ---------------- */

static void test_vmread_vmwrite_faults(void **s)
{
	/* "IF (not in VMX operation) ... THEN #UD" */
	C->gpr[RAX] = 0x681e;
	assert_int_equal(sh_run(&H, CODE(VMREAD_REG)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(VMWRITE_REG)), VEC_UD);
	vmxon();
	vmptrld(VMCS_A);
	/* (a delivered fault leaves the handler's mode: set it again) */
	compat_mode();
	assert_int_equal(sh_run(&H, CODE(VMREAD_REG)), VEC_UD);
	compat_mode();
	assert_int_equal(sh_run(&H, CODE(VMWRITE_REG)), VEC_UD);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(VMREAD_REG)), VEC_GP);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(VMWRITE_REG)), VEC_GP);

	/* "ELSIF current-VMCS pointer is not valid THEN VMfailInvalid", before
	 * the memory operand is touched */
	machine("max,+vmx");
	vmxon();
	C->gpr[RAX] = 0x681e;
	C->gpr[RBX] = UNMAPPED;
	cpu_set_rflags(C, RFLAGS_FIXED);
	FAILS_INVALID(sh_run(&H, CODE(VMREAD_MEM)));
	FAILS_INVALID(sh_run(&H, CODE(VMWRITE_MEM)));

	vmptrld(VMCS_A);
	/* VMREAD: "any faults resulting from accessing a memory destination
	 * operand can occur only after determining ... that the specified
	 * VMCS field is supported" */
	C->gpr[RAX] = 0x7fff;
	C->gpr[RBX] = UNMAPPED;
	cpu_set_rflags(C, RFLAGS_FIXED);
	FAILS_VALID(sh_run(&H, CODE(VMREAD_MEM)), 12);
	C->gpr[RAX] = 0x681e;
	assert_int_equal(sh_run(&H, CODE(VMREAD_MEM)), VEC_PF);
	/* VMWRITE: "faults resulting from accessing a memory source operand
	 * occur after determining ... that the VMCS pointer is valid but
	 * before determining if the destination VMCS field is supported" */
	C->gpr[RAX] = 0x7fff;
	assert_int_equal(sh_run(&H, CODE(VMWRITE_MEM)), VEC_PF);
}

static void test_vmread_vmwrite(void **s)
{
	current_vmcs();
	/* "VMREAD/VMWRITE from/to unsupported VMCS component" (12): no such
	 * encoding, reserved bits, bits 63:32 of the operand ("if bits 63:32
	 * of the source operand are not zero, VMREAD will fail due to an
	 * attempt to access an unsupported VMCS component"), the high access
	 * of a field that is not 64-bit, a component this model lacks (the
	 * XSS-exiting bitmap, 202CH, exists only with "enable XSAVES/XRSTORS") */
	static const u64 bad[] = { 0x7fff, 0x681e | BIT(12), 0x681e | BIT(15),
				   0x681eull | (1ull << 32), 0x681f, 0x4003, 0x0801, 0x202c,
				   0x202d };
	for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
		C->gpr[RAX] = bad[k];
		C->gpr[RBX] = 0x55;
		cpu_set_rflags(C, RFLAGS_FIXED);
		FAILS_VALID(sh_run(&H, CODE(VMREAD_REG)), 12);
		assert_int_equal(C->gpr[RBX], 0x55);
		vmcs_set(C, VMCS_VM_INSTRUCTION_ERROR, 0);
		FAILS_VALID(sh_run(&H, CODE(VMWRITE_REG)), 12);
	}
	/* "VMWRITE to read-only VMCS component" (13): the VM-exit
	 * information fields, unless IA32_VMX_MISC[29] (on here by default) */
	vmx_caps_set(&H.m.model.vmx, VMXF_MISC_VMWRITE_ANY_FIELD, false);
	C->gpr[RAX] = 0x4402; /* EXIT_REASON */
	C->gpr[RBX] = 1;
	cpu_set_rflags(C, RFLAGS_FIXED);
	FAILS_VALID(sh_run(&H, CODE(VMWRITE_REG)), 13);
	assert_int_equal(vmcs_get(C, VMCS_EXIT_REASON), 0);
	C->gpr[RAX] = 0x4400; /* the VM-instruction error field itself */
	FAILS_VALID(sh_run(&H, CODE(VMWRITE_REG)), 13);
	/* reading them is fine: the error of the last failure */
	assert_int_equal(vmread(0x4400), 13);
	vmx_caps_set(&H.m.model.vmx, VMXF_MISC_VMWRITE_ANY_FIELD, true);
	vmwrite(0x4402, 30);
	assert_int_equal(vmread(0x4402), 30);
	vmx_caps_set(&H.m.model.vmx, VMXF_MISC_VMWRITE_ANY_FIELD, false);

	/* field widths: a 16-bit field keeps 16 bits, a 32-bit field 32 */
	vmwrite(0x0800, 0xfff12345);
	assert_int_equal(vmread(0x0800), 0x2345);
	vmwrite(0x4002, 0x1ffffffffull);
	assert_int_equal(vmread(0x4002), 0xffffffff);
	/* 64-bit fields and their high halves (access type 1): "the high
	 * access ... reads bits 63:32 ... into bits 31:0" and writes bits
	 * 31:0 of the operand to bits 63:32 of the field */
	vmwrite(0x2800, 0x1122334455667788ull); /* VMCS link pointer */
	assert_int_equal(vmread(0x2801), 0x11223344);
	vmwrite(0x2801, 0xffffffffaabbccddull);
	assert_int_equal(vmread(0x2800), 0xaabbccdd55667788ull);
	assert_int_equal(vmread(0x2801), 0xaabbccdd);
	/* memory operands */
	h_poke64(&H, OPND, 0x0102030405060708ull);
	C->gpr[RAX] = 0x681e;
	C->gpr[RBX] = OPND;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	SUCCEEDS(sh_run(&H, CODE(VMWRITE_MEM)));
	assert_int_equal(vmread(0x681e), 0x0102030405060708ull);
	h_poke64(&H, OPND, ~0ull);
	C->gpr[RAX] = 0x0800;
	C->gpr[RBX] = OPND;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	SUCCEEDS(sh_run(&H, CODE(VMREAD_MEM)));
	/* a 16-bit field into a 64-bit operand: "the high bits of the
	 * destination operand are cleared to 0" */
	assert_int_equal(h_peek64(&H, OPND), 0x2345);
}

/* Outside IA-32e mode the operands are 32 bits "regardless of the value
 * of CS.D" */
static void test_vmread_vmwrite_32bit(void **s)
{
	current_vmcs();
	vmwrite(0x2800, ~0ull);
	vmwrite(0x681e, ~0ull);
	prot32_paged();
	/* "If the VMCS field is longer, then the high bits of the field are
	 * cleared to 0" */
	vmwrite(0x2800, 0x12345678);
	assert_int_equal(vmcs_get(C, VMCS_VMCS_LINK_POINTER), 0x12345678);
	vmwrite(0x681e, 0x9abcdef0);
	assert_int_equal(vmcs_get(C, VMCS_GUEST_RIP), 0x9abcdef0);
	vmwrite(0x2801, 0xabcdef01);
	assert_int_equal(vmcs_get(C, VMCS_VMCS_LINK_POINTER), 0xabcdef0112345678ull);
	/* "If the VMCS field is longer, then the high bits of the field are
	 * not read" */
	assert_int_equal(vmread(0x2800), 0x12345678);
	assert_int_equal(vmread(0x2801), 0xabcdef01);
	/* a memory destination is 32 bits */
	h_poke64(&H, OPND, ~0ull);
	C->gpr[RAX] = 0x2800;
	C->gpr[RBX] = OPND;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	SUCCEEDS(sh_run(&H, CODE(VMREAD_MEM)));
	assert_int_equal(h_peek64(&H, OPND), 0xffffffff12345678ull);
	/* the encoding is 32 bits too: bits 63:32 of RAX are not looked at */
	C->gpr[RAX] = 0xffffffff00000800ull;
	C->gpr[RBX] = 0;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	SUCCEEDS(sh_run(&H, CODE(VMREAD_REG)));
	/* and the rest of the VMX instructions work in 32-bit protected mode */
	SUCCEEDS(RUN(VMCS_A, VMPTRST));
	assert_int_equal(h_peek64(&H, OPND), VMCS_A);
}

/* ---------------- VMLAUNCH / VMRESUME ---------------- */

static void test_vmlaunch_vmresume(void **s)
{
	assert_int_equal(RUN(0, VMLAUNCH), VEC_UD);
	assert_int_equal(RUN(0, VMRESUME), VEC_UD);
	vmxon();
	compat_mode();
	assert_int_equal(RUN(0, VMLAUNCH), VEC_UD);
	machine("max,+vmx");
	vmxon();
	sh_user(&H);
	assert_int_equal(RUN(0, VMLAUNCH), VEC_GP);
	sh_user(&H);
	assert_int_equal(RUN(0, VMRESUME), VEC_GP);

	/* "ELSIF current-VMCS pointer is not valid THEN VMfailInvalid" */
	machine("max,+vmx");
	vmxon();
	FAILS_INVALID(RUN(0, VMLAUNCH));
	FAILS_INVALID(RUN(0, VMRESUME));
	SUCCEEDS(RUN(VMCS_A, VMCLEAR));
	vmptrld(VMCS_A);
	/* "ELSIF events are being blocked by MOV SS THEN VMfailValid(VM entry
	 * with events blocked by MOV SS)" (26), ahead of the launch state */
	C->gpr[RAX] = 0x10;
	cpu_set_rflags(C, RFLAGS_FIXED);
	FAILS_VALID(sh_run(&H, CODE(0x8e, 0xd0, VMLAUNCH)), 26); /* mov ss, ax */
	C->vmx.launched = 1;
	FAILS_VALID(sh_run(&H, CODE(0x8e, 0xd0, VMLAUNCH)), 26);
	C->vmx.launched = 0;
	FAILS_VALID(sh_run(&H, CODE(0x8e, 0xd0, VMRESUME)), 26);
	/* an instruction in between lifts the blocking */
	vmcs_set(C, VMCS_VM_INSTRUCTION_ERROR, 0);
	FAILS_VALID(sh_run(&H, CODE(0x8e, 0xd0, 0x90, VMRESUME)), 5);
	/* "ELSIF (VMRESUME and launch state of current VMCS is not
	 * "launched") THEN VMfailValid(VMRESUME with non-launched VMCS)" */
	FAILS_VALID(RUN(0, VMRESUME), 5);
	/* "ELSIF (VMLAUNCH and launch state of current VMCS is not "clear")
	 * THEN VMfailValid(VMLAUNCH with non-clear VMCS)" */
	C->vmx.launched = 1;
	FAILS_VALID(RUN(0, VMLAUNCH), 4);
	/* past the instruction's own checks VM entry checks the controls: an
	 * all-zero VMCS has the pin-based default1 bits clear ("VM entry with
	 * invalid control field(s)", 7) */
	FAILS_VALID(RUN(0, VMRESUME), 7);
	C->vmx.launched = 0;
	FAILS_VALID(RUN(0, VMLAUNCH), 7);
	assert_false(C->vmx.launched);
	assert_false(C->vmx.nonroot);
}

/* ---------------- VMCALL, VMFUNC ---------------- */

static void test_vmcall_vmfunc(void **s)
{
	/* VMCALL: "IF not in VMX operation THEN #UD" */
	assert_int_equal(RUN(0, VMCALL), VEC_UD);
	vmxon();
	/* "ELSIF (RFLAGS.VM = 1) or (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD" */
	compat_mode();
	assert_int_equal(RUN(0, VMCALL), VEC_UD);
	machine("max,+vmx");
	vmxon();
	sh_user(&H);
	assert_int_equal(RUN(0, VMCALL), VEC_GP);
	/* "VMfail (VMCALL executed in VMX root operation)" (1): no
	 * dual-monitor treatment */
	machine("max,+vmx");
	vmxon();
	FAILS_INVALID(RUN(0, VMCALL));
	vmptrld(VMCS_A);
	FAILS_VALID(RUN(0, VMCALL), 1);

	/* VMFUNC: "#UD If executed outside VMX non-root operation. If 'enable
	 * VM functions' VM-execution control is 0." */
	assert_int_equal(RUN(0, VMFUNC), VEC_UD);
	machine("max,+vmx");
	assert_int_equal(RUN(0, VMFUNC), VEC_UD);
	fake_nonroot();
	assert_int_equal(STEP(VMFUNC), VEC_UD);
	assert_true(C->vmx.nonroot);
}

/* ---------------- INVEPT / INVVPID ---------------- */

/* offer EPT/VPID and their INVEPT/INVVPID types on this machine's model
 * (nestbox does not yet: the operand rules are tested ahead of it) */
static void offer_ept_vpid(void)
{
	static const enum vmx_feat f[] = {
		VMXF_PROC2_ENABLE_EPT, VMXF_EPT_INVEPT, VMXF_EPT_INVEPT_SINGLE, VMXF_EPT_INVEPT_ALL,
		VMXF_EPT_MEMTYPE_WB, VMXF_EPT_PAGE_WALK_4, VMXF_PROC2_ENABLE_VPID, VMXF_VPID_INVVPID,
		VMXF_VPID_INVVPID_ADDR, VMXF_VPID_INVVPID_SINGLE, VMXF_VPID_INVVPID_ALL,
		VMXF_VPID_INVVPID_SINGLE_NG,
	};
	for (size_t k = 0; k < ARRAY_SIZE(f); k++)
		vmx_caps_set(&H.m.model.vmx, f[k], true);
}

/* the 128-bit descriptor at OPND, type in RAX */
static int inv(const u8 *code, size_t len, u64 type, u64 lo, u64 hi)
{
	h_poke64(&H, OPND, lo);
	h_poke64(&H, OPND + 8, hi);
	C->gpr[RAX] = type;
	C->gpr[RBX] = OPND;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	return sh_run(&H, code, len);
}

static void test_invept(void **s)
{
	/* "#UD If the logical processor does not support EPTs": a model
	 * without it, even in VMX root operation at CPL 0; INVVPID is there */
	machine("max,+vmx,-vmx-ept");
	vmxon();
	assert_int_equal(inv(CODE(INVEPT), 2, 0, 0), VEC_UD);
	assert_int_not_equal(inv(CODE(INVVPID), 2, 0, 0), VEC_UD);

	machine("max,+vmx");
	offer_ept_vpid();
	assert_int_equal(inv(CODE(INVEPT), 2, 0, 0), VEC_UD); /* outside VMX operation */
	vmxon();
	sh_user(&H);
	assert_int_equal(inv(CODE(INVEPT), 2, 0, 0), VEC_GP);
	machine("max,+vmx");
	offer_ept_vpid();
	vmxon();
	vmptrld(VMCS_A);
	/* "IF IA32_VMX_EPT_VPID_CAP MSR indicates that processor does not
	 * support INVEPT_TYPE THEN VMfail(Invalid operand to INVEPT/INVVPID)"
	 * (28) -- before the descriptor is read */
	C->gpr[RAX] = 3;
	C->gpr[RBX] = UNMAPPED;
	cpu_set_rflags(C, RFLAGS_FIXED);
	FAILS_VALID(sh_run(&H, CODE(INVEPT)), 28);
	FAILS_VALID(inv(CODE(INVEPT), 0, 0, 0), 28);
	FAILS_VALID(inv(CODE(INVEPT), (1ull << 32) | 2, 0, 0), 28);
	/* the descriptor's faults */
	C->gpr[RAX] = 2;
	C->gpr[RBX] = UNMAPPED;
	assert_int_equal(sh_run(&H, CODE(INVEPT)), VEC_PF);
	/* all-context */
	SUCCEEDS(inv(CODE(INVEPT), 2, ~0ull, ~0ull));
	/* single-context: "IF VM entry with the 'enable EPT' VM execution
	 * control set to 1 would fail due to the EPTP value THEN VMfail" */
	u64 eptp = 0x500000 | (3 << 3) | 6; /* WB, 4-level */
	SUCCEEDS(inv(CODE(INVEPT), 1, eptp, 0));
	SUCCEEDS(inv(CODE(INVEPT), 1, eptp & ~7ull, 0));               /* UC */
	FAILS_VALID(inv(CODE(INVEPT), 1, (eptp & ~7ull) | 1, 0), 28);   /* WC: no */
	SUCCEEDS(inv(CODE(INVEPT), 1, eptp ^ (7 << 3), 0));        /* 5-level */
	FAILS_VALID(inv(CODE(INVEPT), 1, eptp ^ (6 << 3), 0), 28); /* 6-level: no */
	SUCCEEDS(inv(CODE(INVEPT), 1, eptp | BIT(6), 0));          /* A/D flags */
	FAILS_VALID(inv(CODE(INVEPT), 1, eptp | BIT(7), 0), 28);
	FAILS_VALID(inv(CODE(INVEPT), 1, eptp | (1ull << 40), 0), 28);
	/* a type the MSR does not offer */
	vmx_caps_set(&H.m.model.vmx, VMXF_EPT_INVEPT_ALL, false);
	FAILS_VALID(inv(CODE(INVEPT), 2, 0, 0), 28);
}

static void test_invvpid(void **s)
{
	offer_ept_vpid();
	assert_int_equal(inv(CODE(INVVPID), 2, 0, 0), VEC_UD);
	vmxon();
	vmptrld(VMCS_A);
	/* types 0-3 only, as IA32_VMX_EPT_VPID_CAP[43:40] offer them */
	FAILS_VALID(inv(CODE(INVVPID), 4, 1, 0), 28);
	/* "IF INVVPID_DESC[63:16] ≠ 0 THEN VMfail" */
	FAILS_VALID(inv(CODE(INVVPID), 2, 1ull << 16, 0), 28);
	/* all-context: VPID 0 is fine */
	SUCCEEDS(inv(CODE(INVVPID), 2, 0, 0));
	/* individual-address, single-context, single-context-retaining-
	 * globals: "IF VPID = 0 THEN VMfail" */
	for (u64 t = 0; t < 4; t++)
		if (t != 2)
			FAILS_VALID(inv(CODE(INVVPID), t, 0, 0), 28);
	SUCCEEDS(inv(CODE(INVVPID), 1, 5, NONCANON));
	SUCCEEDS(inv(CODE(INVVPID), 3, 5, 0));
	/* individual-address: "IF (GL_ADDR is not in a canonical form) THEN
	 * VMfail" */
	SUCCEEDS(inv(CODE(INVVPID), 0, 5, 0xffff800000000000ull));
	FAILS_VALID(inv(CODE(INVVPID), 0, 5, NONCANON), 28);
	vmx_caps_set(&H.m.model.vmx, VMXF_VPID_INVVPID_ADDR, false);
	FAILS_VALID(inv(CODE(INVVPID), 0, 5, 0), 28);
	sh_user(&H);
	assert_int_equal(inv(CODE(INVVPID), 2, 0, 0), VEC_GP);
}

/* ---------------- VMX non-root operation ---------------- */

/* "ELSIF in VMX non-root operation THEN VMexit", with the basic exit
 * reasons of Appendix C, the instruction length, and the exit
 * qualification (the displacement) */
/* SDM "Checking and Loading Host Page-Directory-Pointer-Table Entries":
 * an exit to a host that uses PAE paging ("host address-space size" 0,
 * host CR4.PAE) loads the PDPTEs of the table host CR3 references; one
 * that MOV to CR3 would refuse is a VMX abort with indicator 2 ("VMX
 * Aborts"): the indicator in bytes 4-7 of the VMCS region, shutdown */
static void test_host_pdptes(void **s)
{
	const u64 good = 0x5a000, bad = 0x5b000, pd = 0x5c000;
	for (int round = 0; round < 2; round++) {
		machine("max,+vmx");
		fake_nonroot();
		for (u64 k = 0; k < 4; k++) {
			h_poke64(&H, good + 8 * k, pd | 1 | (k << 30));
			h_poke64(&H, bad + 8 * k, k == 3 ? pd | 1 | BIT(7) : pd | 1);
		}
		vmcs_set(C, VMCS_VM_EXIT_CONTROLS, 0);
		vmcs_set(C, VMCS_HOST_CR4, C->cr4 | CR4_PAE);
		vmcs_set(C, VMCS_HOST_CR3, round ? bad : good);
		memset(C->pdpte, 0, sizeof(C->pdpte));
		int v = step_one(CODE(VMCALL));
		assert_int_equal(v, -1);
		assert_false(C->vmx.nonroot);
		assert_int_equal(C->mode, MODE_PROT32);
		if (!round) {
			for (unsigned k = 0; k < 4; k++)
				assert_int_equal(C->pdpte[k], pd | 1 | ((u64)k << 30));
			assert_int_equal(C->activity, ACT_ACTIVE);
			assert_int_equal((u32)phys_read(&H.m.mem, C->vmx.vmcs_ptr + 4, 4), 0);
		} else {
			assert_int_equal(C->activity, ACT_SHUTDOWN);
			assert_int_equal((u32)phys_read(&H.m.mem, C->vmx.vmcs_ptr + 4, 4), 2);
		}
	}
}

static void test_nonroot_exits(void **s)
{
	static const struct {
		u8 b[8], n;
		enum vmx_exit_reason reason;
	} insns[] = {
		{ { VMCALL }, 3, EXIT_REASON_VMCALL },
		{ { VMCLEAR }, 4, EXIT_REASON_VMCLEAR },
		{ { VMLAUNCH }, 3, EXIT_REASON_VMLAUNCH },
		{ { VMPTRLD }, 3, EXIT_REASON_VMPTRLD },
		{ { VMPTRST }, 3, EXIT_REASON_VMPTRST },
		{ { VMREAD_REG }, 3, EXIT_REASON_VMREAD },
		{ { VMRESUME }, 3, EXIT_REASON_VMRESUME },
		{ { VMWRITE_REG }, 3, EXIT_REASON_VMWRITE },
		{ { VMXOFF }, 3, EXIT_REASON_VMXOFF },
		{ { VMXON }, 4, EXIT_REASON_VMXON },
		{ { INVEPT }, 5, EXIT_REASON_INVEPT },
		{ { INVVPID }, 5, EXIT_REASON_INVVPID },
	};
	assert_int_equal(EXIT_REASON_VMCALL, 18);
	assert_int_equal(EXIT_REASON_VMXON, 27);
	assert_int_equal(EXIT_REASON_INVEPT, 50);
	assert_int_equal(EXIT_REASON_INVVPID, 53);
	for (size_t k = 0; k < ARRAY_SIZE(insns); k++) {
		machine("max,+vmx");
		offer_ept_vpid();
		fake_nonroot();
		C->gpr[RBX] = OPND;
		exited(step_one(insns[k].b, insns[k].n), insns[k].reason, insns[k].n);
		/* [rbx] has no displacement: qualification 0 */
		assert_int_equal(vmcs_get(C, VMCS_EXIT_QUALIFICATION), 0);
		/* the exit loads the host state */
		assert_int_equal(C->mode, MODE_LONG64);
		assert_int_equal(C->cpl, 0);
		assert_true(C->vmx.on);
	}

	/* the VM exit comes before the CPL check ("Relative Priority of
	 * Faults and VM Exits": the #UD conditions only come first) */
	machine("max,+vmx");
	fake_nonroot();
	sh_user(&H);
	exited(STEP(VMREAD_REG), EXIT_REASON_VMREAD, 3);
	/* in compatibility mode VMXON and the others are #UD, VMCALL exits
	 * ("Only VMCALL can be executed in compatibility mode (causing a VM
	 * exit)") */
	machine("max,+vmx");
	fake_nonroot();
	compat_mode();
	assert_int_equal(STEP(VMXON), VEC_UD);
	assert_true(C->vmx.nonroot);
	compat_mode();
	assert_int_equal(STEP(VMPTRST), VEC_UD);
	compat_mode();
	exited(STEP(VMCALL), EXIT_REASON_VMCALL, 3);
	/* INVEPT where EPT is not supported is #UD, not an exit; where it
	 * is, it exits */
	machine("max,+vmx,-vmx-ept");
	fake_nonroot();
	assert_int_equal(STEP(INVEPT), VEC_UD);
	assert_true(C->vmx.nonroot);
	machine("max,+vmx");
	fake_nonroot();
	exited(STEP(INVEPT), EXIT_REASON_INVEPT, 5);
	/* the memory operand is not read before the exit */
	machine("max,+vmx");
	fake_nonroot();
	C->gpr[RBX] = UNMAPPED;
	exited(STEP(VMPTRLD), EXIT_REASON_VMPTRLD, 3);
}

/* SDM "VM-Exit Instruction-Information Field" for the VMX instructions,
 * and the displacement as the exit qualification */
static void test_exit_insn_info(void **s)
{
	/* VMREAD rdx, rsi (register form): bit 10 = 1, Reg1 (6:3) = RDX (2),
	 * Reg2 (31:28) = RSI (6) */
	fake_nonroot();
	exited(STEP(0x0f, 0x78, 0xf2), EXIT_REASON_VMREAD, 3);
	assert_int_equal(vmcs_get(C, VMCS_VMX_INSTRUCTION_INFO), BIT(10) | (2 << 3) | (6u << 28));
	/* VMWRITE r9, [rsp+8]: memory (bit 10 = 0), 64-bit addresses (9:7 =
	 * 2), SS (17:15 = 2), no index (bit 22), base RSP (26:23 = 4), Reg2 =
	 * R9 (31:28 = 9); qualification = the displacement */
	machine("max,+vmx");
	fake_nonroot();
	exited(STEP(0x4c, 0x0f, 0x79, 0x4c, 0x24, 0x08), EXIT_REASON_VMWRITE, 6);
	assert_int_equal(vmcs_get(C, VMCS_VMX_INSTRUCTION_INFO),
			 (2 << 7) | (2 << 15) | BIT(22) | (4 << 23) | (9u << 28));
	assert_int_equal(vmcs_get(C, VMCS_EXIT_QUALIFICATION), 8);
	/* VMPTRLD fs:[rbx+rcx*4-0x10]: scaling 2, FS (4), index RCX (1), base
	 * RBX (3); the qualification is the displacement sign-extended */
	machine("max,+vmx");
	fake_nonroot();
	exited(STEP(0x64, 0x0f, 0xc7, 0x74, 0x8b, 0xf0), EXIT_REASON_VMPTRLD, 6);
	assert_int_equal(vmcs_get(C, VMCS_VMX_INSTRUCTION_INFO),
			 2 | (2 << 7) | (4 << 15) | (1 << 18) | (3 << 23));
	assert_int_equal(vmcs_get(C, VMCS_EXIT_QUALIFICATION), (u64)-0x10);
	/* VMXON [0x1234] (32-bit address size, no base, no index) */
	machine("max,+vmx");
	fake_nonroot();
	exited(STEP(0x67, 0xf3, 0x0f, 0xc7, 0x34, 0x25, 0x34, 0x12, 0, 0), EXIT_REASON_VMXON, 10);
	assert_int_equal(vmcs_get(C, VMCS_VMX_INSTRUCTION_INFO),
			 (1 << 7) | (3 << 15) | BIT(22) | BIT(27));
	assert_int_equal(vmcs_get(C, VMCS_EXIT_QUALIFICATION), 0x1234);
	/* INVVPID r10, [rax]: Reg2 = R10 */
	machine("max,+vmx");
	offer_ept_vpid();
	fake_nonroot();
	exited(STEP(0x66, 0x44, 0x0f, 0x38, 0x81, 0x10), EXIT_REASON_INVVPID, 6);
	assert_int_equal(vmcs_get(C, VMCS_VMX_INSTRUCTION_INFO),
			 (2 << 7) | (3 << 15) | BIT(22) | (0 << 23) | (10u << 28));
}

/* ---------------- VMCS shadowing ---------------- */

#define SHADOW_RD_BITMAP 0x420000ull
#define SHADOW_WR_BITMAP 0x421000ull
#define ENC_GUEST_RIP    0x681eu
#define ENC_TSC_OFFSET   0x2010u
#define ENC_EXIT_REASON  0x4402u

/* where field f of the VMCS region at base is kept (vmx/vmx.h) */
static u64 region_field(u64 base, enum vmcs_field f) { return base + VMCS_REGION_DATA + 8 * f; }

/* SDM "VMCS Shadowing" in root operation: a VMCS whose revision
 * identifier has bit 31 (the shadow-VMCS indicator) set can be made
 * current when the processor supports VMCS shadowing ("VMPTRLD": "rev[31]
 * = 1 AND processor does not support 1-setting of "VMCS shadowing"" is the
 * failure), VMREAD and VMWRITE use it as any current VMCS, VMCLEAR writes
 * it back, and VM entry with it is VMfailInvalid ("Basic VM-Entry
 * Checks") */
static void test_vmcs_shadow_root(void **s)
{
	vmxon();
	region(VMCS_B, REV | BIT(31));
	SUCCEEDS(RUN(VMCS_B, VMCLEAR));
	vmptrld(VMCS_B);
	assert_int_equal(C->vmx.vmcs_ptr, VMCS_B);
	assert_true(C->vmx.shadow);
	vmwrite(ENC_GUEST_RIP, 0xabc);
	assert_int_equal(vmread(ENC_GUEST_RIP), 0xabc);
	FAILS_INVALID(RUN(0, VMLAUNCH));
	C->vmx.launched = 1;
	FAILS_INVALID(RUN(0, VMRESUME));
	C->vmx.launched = 0;
	assert_false(C->vmx.nonroot);
	/* VMCLEAR of the shadow VMCS: its data is in its region, none is
	 * current */
	SUCCEEDS(RUN(VMCS_B, VMCLEAR));
	assert_int_equal(h_peek64(&H, region_field(VMCS_B, VMCS_GUEST_RIP)), 0xabc);
	assert_int_equal(C->vmx.vmcs_ptr, VMX_NO_VMCS);
	assert_false(C->vmx.shadow);
	/* an ordinary VMCS made current is not a shadow VMCS */
	vmptrld(VMCS_B);
	assert_true(C->vmx.shadow);
	vmptrld(VMCS_A);
	assert_false(C->vmx.shadow);
}

/* non-root operation with "VMCS shadowing": the bitmaps are clear, the
 * link pointer references VMCS B (a shadow VMCS) */
static void shadow_nonroot(void)
{
	machine("max,+vmx");
	fake_nonroot();
	region(VMCS_B, REV | BIT(31));
	vmcs_set(C, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	vmcs_set(C, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VMCS_SHADOWING);
	vmcs_set(C, VMCS_VMREAD_BITMAP, SHADOW_RD_BITMAP);
	vmcs_set(C, VMCS_VMWRITE_BITMAP, SHADOW_WR_BITMAP);
	vmcs_set(C, VMCS_VMCS_LINK_POINTER, VMCS_B);
	for (unsigned k = 0; k < 4096; k += 8) {
		h_poke64(&H, SHADOW_RD_BITMAP + k, 0);
		h_poke64(&H, SHADOW_WR_BITMAP + k, 0);
	}
}

/* one VMREAD rbx, rax / VMWRITE rax, rbx in non-root operation */
static int shadow_step(bool write, u64 enc, u64 val)
{
	C->gpr[RAX] = enc;
	C->gpr[RBX] = val;
	cpu_set_rflags(C, RFLAGS_FIXED | RFLAGS_ARITH);
	return write ? STEP(VMWRITE_REG) : STEP(VMREAD_REG);
}

/* SDM "VMREAD", "VMWRITE" in VMX non-root operation with "VMCS
 * shadowing": the field of the VMCS the link pointer references, unless
 * the VMREAD/VMWRITE bitmap bit for encoding bits 14:0 is 1 or the
 * encoding sets bits 63:15 (VM exit); VMfailInvalid with the link pointer
 * FFFFFFFF_FFFFFFFFH; VMfailValid(12)/(13) in the current VMCS */
static void test_vmcs_shadow_nonroot(void **s)
{
	shadow_nonroot();
	h_poke64(&H, region_field(VMCS_B, VMCS_GUEST_RIP), 0x1234);
	vmcs_set(C, VMCS_GUEST_RIP, 0x9999);
	SUCCEEDS(shadow_step(false, ENC_GUEST_RIP, 0));
	assert_int_equal(C->gpr[RBX], 0x1234);
	assert_true(C->vmx.nonroot);
	/* VMWRITE goes to the shadow VMCS, not the current one */
	SUCCEEDS(shadow_step(true, ENC_GUEST_RIP, 0x5678));
	assert_int_equal(h_peek64(&H, region_field(VMCS_B, VMCS_GUEST_RIP)), 0x5678);
	assert_int_equal(vmcs_get(C, VMCS_GUEST_RIP), 0x9999);
	/* a high access: bits 63:32 of the TSC offset, bits 31:0 kept */
	h_poke64(&H, region_field(VMCS_B, VMCS_TSC_OFFSET), 0x11112222);
	SUCCEEDS(shadow_step(true, ENC_TSC_OFFSET | 1, 0xaaaabbbb));
	assert_int_equal(h_peek64(&H, region_field(VMCS_B, VMCS_TSC_OFFSET)), 0xaaaabbbb11112222ull);
	SUCCEEDS(shadow_step(false, ENC_TSC_OFFSET | 1, 0));
	assert_int_equal(C->gpr[RBX], 0xaaaabbbb);
	/* a 16-bit field keeps 16 bits */
	SUCCEEDS(shadow_step(true, 0x0800, 0x12345)); /* GUEST_ES_SELECTOR */
	assert_int_equal(h_peek64(&H, region_field(VMCS_B, VMCS_GUEST_ES_SELECTOR)), 0x2345);
	/* "VMfailValid(VMREAD/VMWRITE from/to unsupported VMCS component)"
	 * (12), "VMWRITE to read-only VMCS component" (13): the error number
	 * goes to the current VMCS */
	FAILS_VALID(shadow_step(false, 0x0001, 0), 12);
	vmx_caps_set(&H.m.model.vmx, VMXF_MISC_VMWRITE_ANY_FIELD, false);
	FAILS_VALID(shadow_step(true, ENC_EXIT_REASON, 5), 13);
	vmx_caps_set(&H.m.model.vmx, VMXF_MISC_VMWRITE_ANY_FIELD, true);
	SUCCEEDS(shadow_step(true, ENC_EXIT_REASON, 5)); /* IA32_VMX_MISC[29] */
	assert_true(C->vmx.nonroot);

	/* the VMREAD bitmap bit of 681EH: VMREAD exits, VMWRITE does not */
	phys_write(&H.m.mem, SHADOW_RD_BITMAP + (ENC_GUEST_RIP >> 3), 1, 1u << (ENC_GUEST_RIP & 7));
	SUCCEEDS(shadow_step(true, ENC_GUEST_RIP, 0x42));
	exited(shadow_step(false, ENC_GUEST_RIP, 0), EXIT_REASON_VMREAD, 3);
	assert_int_equal(vmcs_get(C, VMCS_VMX_INSTRUCTION_INFO), BIT(10) | (3 << 3) | (0u << 28));

	/* the VMWRITE bitmap bit: VMWRITE exits */
	shadow_nonroot();
	phys_write(&H.m.mem, SHADOW_WR_BITMAP + (ENC_GUEST_RIP >> 3), 1, 1u << (ENC_GUEST_RIP & 7));
	SUCCEEDS(shadow_step(false, ENC_GUEST_RIP, 0));
	exited(shadow_step(true, ENC_GUEST_RIP, 0x42), EXIT_REASON_VMWRITE, 3);
	assert_int_equal(h_peek64(&H, region_field(VMCS_B, VMCS_GUEST_RIP)), 0);

	/* an encoding with bits 63:15 set exits, whatever the bitmaps */
	shadow_nonroot();
	exited(shadow_step(false, 0x100000000ull | ENC_GUEST_RIP, 0), EXIT_REASON_VMREAD, 3);
	shadow_nonroot();
	exited(shadow_step(true, 0x8000, 0), EXIT_REASON_VMWRITE, 3);

	/* "(in VMX non-root operation AND VMCS link pointer is not valid) THEN
	 * VMfailInvalid" */
	shadow_nonroot();
	vmcs_set(C, VMCS_VMCS_LINK_POINTER, ~0ull);
	FAILS_INVALID(shadow_step(false, ENC_GUEST_RIP, 0));
	FAILS_INVALID(shadow_step(true, ENC_GUEST_RIP, 0));
	assert_true(C->vmx.nonroot);

	/* the VM exit still comes before the CPL check, the shadow access
	 * after it */
	shadow_nonroot();
	sh_user(&H);
	assert_int_equal(shadow_step(false, ENC_GUEST_RIP, 0), VEC_GP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpuid_cr4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feature_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_msr_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_msr_existence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_vmx_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr_fixed_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmxon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmxoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmclear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmptrld, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmptrst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmread_vmwrite_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmread_vmwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmread_vmwrite_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmlaunch_vmresume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmcall_vmfunc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invvpid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonroot_exits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_pdptes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_insn_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmcs_shadow_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmcs_shadow_nonroot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
