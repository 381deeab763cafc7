/* tests/guest/lib/vmx.h: a bare-metal L1 hypervisor's view of Intel VMX
 * (SDM Vol.3C "Introduction to Virtual Machine Extensions", "Virtual Machine
 * Control Structures", "VMX Instruction Reference", "VM Entries",
 * "VM Exits"; Vol.3D Appendix A "VMX Capability Reporting Facility",
 * Appendix B "Field Encoding in VMCS", Appendix C "VMX Basic Exit Reasons").
 *
 * Typical use (64-bit L1, one CPU):
 *
 *	if (!vmx_check_supported())          // prints the SKIP line
 *		return report_summary();
 *	vmx_read_caps(&vmx_caps);
 *	vmx_start();                         // FEATURE_CONTROL, CR0/CR4, VMXON
 *	vmx_new_vmcs();                      // VMCLEAR + VMPTRLD of a fresh VMCS
 *	vmx_vmcs_setup(&cfg, l2_fn, arg);    // a valid VMCS: 64-bit L2 runs l2_fn
 *	r = vmx_launch();                    // VMX_OK after a VM exit
 *	... vmx_exit_reason(), vmx_exit_qual(), vmx_skip_and_resume() ...
 *
 * VMX instruction outcomes are ints: VMX_OK (VMsucceed), VMX_FAIL_INVALID
 * (CF=1), VMX_FAIL_VALID(n) (ZF=1, n = the VM-instruction error field), or
 * VMX_FAULT(vector) when the instruction raised an exception (#UD, #GP...). */
#ifndef GUEST_VMX_H
#define GUEST_VMX_H

#include "types.h"

/* ---- capability MSRs (Appendix A) and IA32_FEATURE_CONTROL ---- */
#define MSR_IA32_VMX_BASIC              0x480
#define MSR_IA32_VMX_PINBASED_CTLS      0x481
#define MSR_IA32_VMX_PROCBASED_CTLS     0x482
#define MSR_IA32_VMX_EXIT_CTLS          0x483
#define MSR_IA32_VMX_ENTRY_CTLS         0x484
#define MSR_IA32_VMX_MISC               0x485
#define MSR_IA32_VMX_CR0_FIXED0         0x486
#define MSR_IA32_VMX_CR0_FIXED1         0x487
#define MSR_IA32_VMX_CR4_FIXED0         0x488
#define MSR_IA32_VMX_CR4_FIXED1         0x489
#define MSR_IA32_VMX_VMCS_ENUM          0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2    0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP       0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS     0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS    0x490
#define MSR_IA32_VMX_VMFUNC             0x491
#define MSR_IA32_VMX_PROCBASED_CTLS3    0x492

/* IA32_FEATURE_CONTROL (SDM "Enabling and Entering VMX Operation") */
#define FEATURE_CONTROL_LOCKED          BIT(0)
#define FEATURE_CONTROL_VMX_IN_SMX      BIT(1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)

/* IA32_VMX_BASIC (A.1 "Basic VMX Information") */
#define VMX_BASIC_REVISION(b)    ((u32)(b) & 0x7fffffff)
#define VMX_BASIC_REGION_SIZE(b) (((b) >> 32) & 0x1fff)
#define VMX_BASIC_ADDR32         BIT(48)
#define VMX_BASIC_DUAL_MONITOR   BIT(49)
#define VMX_BASIC_MEMTYPE(b)     (((b) >> 50) & 0xf)
#define VMX_BASIC_INS_OUTS       BIT(54)
#define VMX_BASIC_TRUE_CTLS      BIT(55)
#define VMX_BASIC_NO_ERRCODE_REQ BIT(56)

/* IA32_VMX_MISC (A.6 "Miscellaneous Data") */
#define VMX_MISC_ACTIVITY_HLT      BIT(6)
#define VMX_MISC_ACTIVITY_SHUTDOWN BIT(7)
#define VMX_MISC_ACTIVITY_SIPI     BIT(8)
#define VMX_MISC_CR3_TARGETS(m)    (((m) >> 16) & 0x1ff)
#define VMX_MISC_MSR_LIST_MAX(m)   (512 * ((((m) >> 25) & 7) + 1))
#define VMX_MISC_VMWRITE_ANY       BIT(29)
#define VMX_MISC_ZERO_LEN_INJECT   BIT(30)

/* IA32_VMX_VMCS_ENUM (A.9 "VMCS Enumeration"): bits 9:1 highest index */
#define VMX_VMCS_ENUM_MAX_INDEX(e) (((e) >> 1) & 0x1ff)

/* IA32_VMX_EPT_VPID_CAP (A.10 "VPID and EPT Capabilities") */
#define VMX_EPT_CAP_INVEPT         BIT(20)
#define VMX_EPT_CAP_INVEPT_SINGLE  BIT(25)
#define VMX_EPT_CAP_INVEPT_ALL     BIT(26)
#define VMX_VPID_CAP_INVVPID       BIT(32)
#define VMX_VPID_CAP_INVVPID_ADDR  BIT(40)
#define VMX_VPID_CAP_INVVPID_SINGLE BIT(41)
#define VMX_VPID_CAP_INVVPID_ALL   BIT(42)
#define VMX_VPID_CAP_INVVPID_SINGLE_NG BIT(43)

/* ---- VM-execution, VM-exit and VM-entry controls (Vol.3C "VM-Execution
 * Control Fields", "VM-Exit Control Fields", "VM-Entry Control Fields") ---- */
#define PIN_EXT_INTR_EXITING     BIT(0)
#define PIN_NMI_EXITING          BIT(3)
#define PIN_VIRTUAL_NMIS         BIT(5)
#define PIN_PREEMPTION_TIMER     BIT(6)
#define PIN_POSTED_INTERRUPTS    BIT(7)

#define PROC_INTR_WINDOW_EXITING BIT(2)
#define PROC_USE_TSC_OFFSETTING  BIT(3)
#define PROC_HLT_EXITING         BIT(7)
#define PROC_INVLPG_EXITING      BIT(9)
#define PROC_MWAIT_EXITING       BIT(10)
#define PROC_RDPMC_EXITING       BIT(11)
#define PROC_RDTSC_EXITING       BIT(12)
#define PROC_CR3_LOAD_EXITING    BIT(15)
#define PROC_CR3_STORE_EXITING   BIT(16)
#define PROC_ACTIVATE_TERTIARY   BIT(17)
#define PROC_CR8_LOAD_EXITING    BIT(19)
#define PROC_CR8_STORE_EXITING   BIT(20)
#define PROC_USE_TPR_SHADOW      BIT(21)
#define PROC_NMI_WINDOW_EXITING  BIT(22)
#define PROC_MOV_DR_EXITING      BIT(23)
#define PROC_UNCOND_IO_EXITING   BIT(24)
#define PROC_USE_IO_BITMAPS      BIT(25)
#define PROC_MONITOR_TRAP_FLAG   BIT(27)
#define PROC_USE_MSR_BITMAPS     BIT(28)
#define PROC_MONITOR_EXITING     BIT(29)
#define PROC_PAUSE_EXITING       BIT(30)
#define PROC_ACTIVATE_SECONDARY  BIT(31)

#define PROC2_VIRT_APIC_ACCESSES BIT(0)
#define PROC2_ENABLE_EPT         BIT(1)
#define PROC2_DESC_TABLE_EXITING BIT(2)
#define PROC2_ENABLE_RDTSCP      BIT(3)
#define PROC2_VIRT_X2APIC        BIT(4)
#define PROC2_ENABLE_VPID        BIT(5)
#define PROC2_WBINVD_EXITING     BIT(6)
#define PROC2_UNRESTRICTED_GUEST BIT(7)

#define EXIT_SAVE_DEBUG_CONTROLS BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE BIT(9)
#define EXIT_LOAD_PERF_GLOBAL_CTRL BIT(12)
#define EXIT_ACK_INTR_ON_EXIT    BIT(15)
#define EXIT_SAVE_IA32_PAT       BIT(18)
#define EXIT_LOAD_IA32_PAT       BIT(19)
#define EXIT_SAVE_IA32_EFER      BIT(20)
#define EXIT_LOAD_IA32_EFER      BIT(21)
#define EXIT_SAVE_PREEMPTION_TIMER BIT(22)

#define ENTRY_LOAD_DEBUG_CONTROLS BIT(2)
#define ENTRY_IA32E_MODE_GUEST   BIT(9)
#define ENTRY_ENTRY_TO_SMM       BIT(10)
#define ENTRY_DEACT_DUAL_MONITOR BIT(11)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL BIT(13)
#define ENTRY_LOAD_IA32_PAT      BIT(14)
#define ENTRY_LOAD_IA32_EFER     BIT(15)

/* ---- VMCS component encodings (Appendix B "Field Encoding in VMCS") ---- */
enum vmcs_field {
	/* 16-bit guest state (B.1.2) */
	GUEST_ES_SELECTOR = 0x0800, GUEST_CS_SELECTOR = 0x0802,
	GUEST_SS_SELECTOR = 0x0804, GUEST_DS_SELECTOR = 0x0806,
	GUEST_FS_SELECTOR = 0x0808, GUEST_GS_SELECTOR = 0x080a,
	GUEST_LDTR_SELECTOR = 0x080c, GUEST_TR_SELECTOR = 0x080e,
	/* 16-bit host state (B.1.3) */
	HOST_ES_SELECTOR = 0x0c00, HOST_CS_SELECTOR = 0x0c02,
	HOST_SS_SELECTOR = 0x0c04, HOST_DS_SELECTOR = 0x0c06,
	HOST_FS_SELECTOR = 0x0c08, HOST_GS_SELECTOR = 0x0c0a,
	HOST_TR_SELECTOR = 0x0c0c,
	/* 16-bit control (B.1.1) */
	VIRTUAL_PROCESSOR_ID = 0x0000,
	/* 64-bit control (B.2.1) */
	IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004,
	EXIT_MSR_STORE_ADDR = 0x2006, EXIT_MSR_LOAD_ADDR = 0x2008,
	ENTRY_MSR_LOAD_ADDR = 0x200a, EXECUTIVE_VMCS_POINTER = 0x200c,
	TSC_OFFSET = 0x2010, VIRTUAL_APIC_ADDR = 0x2012, APIC_ACCESS_ADDR = 0x2014,
	EPT_POINTER = 0x201a,
	/* 64-bit read-only data (B.2.2) */
	GUEST_PHYSICAL_ADDRESS = 0x2400,
	/* 64-bit guest state (B.2.3) */
	VMCS_LINK_POINTER = 0x2800, GUEST_IA32_DEBUGCTL = 0x2802,
	GUEST_IA32_PAT = 0x2804, GUEST_IA32_EFER = 0x2806,
	GUEST_IA32_PERF_GLOBAL_CTRL = 0x2808,
	/* 64-bit host state (B.2.4) */
	HOST_IA32_PAT = 0x2c00, HOST_IA32_EFER = 0x2c02,
	HOST_IA32_PERF_GLOBAL_CTRL = 0x2c04,
	/* 32-bit control (B.3.1) */
	PIN_BASED_VM_EXEC_CONTROL = 0x4000, CPU_BASED_VM_EXEC_CONTROL = 0x4002,
	EXCEPTION_BITMAP = 0x4004, PAGE_FAULT_ERROR_CODE_MASK = 0x4006,
	PAGE_FAULT_ERROR_CODE_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400a,
	VM_EXIT_CONTROLS = 0x400c, VM_EXIT_MSR_STORE_COUNT = 0x400e,
	VM_EXIT_MSR_LOAD_COUNT = 0x4010, VM_ENTRY_CONTROLS = 0x4012,
	VM_ENTRY_MSR_LOAD_COUNT = 0x4014, VM_ENTRY_INTR_INFO = 0x4016,
	VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018, VM_ENTRY_INSTRUCTION_LEN = 0x401a,
	TPR_THRESHOLD = 0x401c, SECONDARY_VM_EXEC_CONTROL = 0x401e,
	/* 32-bit read-only data (B.3.2) */
	VM_INSTRUCTION_ERROR = 0x4400, VM_EXIT_REASON = 0x4402,
	VM_EXIT_INTR_INFO = 0x4404, VM_EXIT_INTR_ERROR_CODE = 0x4406,
	IDT_VECTORING_INFO = 0x4408, IDT_VECTORING_ERROR_CODE = 0x440a,
	VM_EXIT_INSTRUCTION_LEN = 0x440c, VMX_INSTRUCTION_INFO = 0x440e,
	/* 32-bit guest state (B.3.3) */
	GUEST_ES_LIMIT = 0x4800, GUEST_CS_LIMIT = 0x4802, GUEST_SS_LIMIT = 0x4804,
	GUEST_DS_LIMIT = 0x4806, GUEST_FS_LIMIT = 0x4808, GUEST_GS_LIMIT = 0x480a,
	GUEST_LDTR_LIMIT = 0x480c, GUEST_TR_LIMIT = 0x480e,
	GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR_BYTES = 0x4814, GUEST_CS_AR_BYTES = 0x4816,
	GUEST_SS_AR_BYTES = 0x4818, GUEST_DS_AR_BYTES = 0x481a,
	GUEST_FS_AR_BYTES = 0x481c, GUEST_GS_AR_BYTES = 0x481e,
	GUEST_LDTR_AR_BYTES = 0x4820, GUEST_TR_AR_BYTES = 0x4822,
	GUEST_INTERRUPTIBILITY_INFO = 0x4824, GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SMBASE = 0x4828, GUEST_SYSENTER_CS = 0x482a,
	VMX_PREEMPTION_TIMER_VALUE = 0x482e,
	/* 32-bit host state (B.3.4) */
	HOST_IA32_SYSENTER_CS = 0x4c00,
	/* natural-width control (B.4.1) */
	CR0_GUEST_HOST_MASK = 0x6000, CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004, CR4_READ_SHADOW = 0x6006,
	CR3_TARGET_VALUE0 = 0x6008, CR3_TARGET_VALUE1 = 0x600a,
	CR3_TARGET_VALUE2 = 0x600c, CR3_TARGET_VALUE3 = 0x600e,
	/* natural-width read-only data (B.4.2) */
	EXIT_QUALIFICATION = 0x6400, IO_RCX = 0x6402, IO_RSI = 0x6404,
	IO_RDI = 0x6406, IO_RIP = 0x6408, GUEST_LINEAR_ADDRESS = 0x640a,
	/* natural-width guest state (B.4.3) */
	GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806, GUEST_CS_BASE = 0x6808, GUEST_SS_BASE = 0x680a,
	GUEST_DS_BASE = 0x680c, GUEST_FS_BASE = 0x680e, GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812, GUEST_TR_BASE = 0x6814,
	GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681a, GUEST_RSP = 0x681c, GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820, GUEST_PENDING_DBG_EXCEPTIONS = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824, GUEST_SYSENTER_EIP = 0x6826,
	/* natural-width host state (B.4.4) */
	HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06, HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c, HOST_IDTR_BASE = 0x6c0e,
	HOST_IA32_SYSENTER_ESP = 0x6c10, HOST_IA32_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

/* ---- basic exit reasons (Appendix C) ---- */
enum vmx_exit_reason {
	EXIT_REASON_EXCEPTION_NMI = 0,
	EXIT_REASON_EXTERNAL_INTERRUPT = 1,
	EXIT_REASON_TRIPLE_FAULT = 2,
	EXIT_REASON_INIT = 3,
	EXIT_REASON_SIPI = 4,
	EXIT_REASON_INTERRUPT_WINDOW = 7,
	EXIT_REASON_NMI_WINDOW = 8,
	EXIT_REASON_TASK_SWITCH = 9,
	EXIT_REASON_CPUID = 10,
	EXIT_REASON_HLT = 12,
	EXIT_REASON_INVD = 13,
	EXIT_REASON_INVLPG = 14,
	EXIT_REASON_RDPMC = 15,
	EXIT_REASON_RDTSC = 16,
	EXIT_REASON_VMCALL = 18,
	EXIT_REASON_VMCLEAR = 19,
	EXIT_REASON_VMLAUNCH = 20,
	EXIT_REASON_VMPTRLD = 21,
	EXIT_REASON_VMPTRST = 22,
	EXIT_REASON_VMREAD = 23,
	EXIT_REASON_VMRESUME = 24,
	EXIT_REASON_VMWRITE = 25,
	EXIT_REASON_VMXOFF = 26,
	EXIT_REASON_VMXON = 27,
	EXIT_REASON_CR_ACCESS = 28,
	EXIT_REASON_DR_ACCESS = 29,
	EXIT_REASON_IO_INSTRUCTION = 30,
	EXIT_REASON_RDMSR = 31,
	EXIT_REASON_WRMSR = 32,
	EXIT_REASON_INVALID_GUEST_STATE = 33,
	EXIT_REASON_MSR_LOADING = 34,
	EXIT_REASON_MWAIT = 36,
	EXIT_REASON_MONITOR_TRAP_FLAG = 37,
	EXIT_REASON_MONITOR = 39,
	EXIT_REASON_PAUSE = 40,
	EXIT_REASON_MACHINE_CHECK = 41,
	EXIT_REASON_EPT_VIOLATION = 48,
	EXIT_REASON_EPT_MISCONFIG = 49,
	EXIT_REASON_INVEPT = 50,
	EXIT_REASON_RDTSCP = 51,
	EXIT_REASON_PREEMPTION_TIMER = 52,
	EXIT_REASON_INVVPID = 53,
	EXIT_REASON_WBINVD = 54,
	EXIT_REASON_XSETBV = 55,
};
/* exit-reason field (Vol.3C "Basic VM-Exit Information"): bits 15:0 basic
 * reason, bit 31 "VM-entry failure" */
#define EXIT_REASON_BASIC(r)       ((r) & 0xffff)
#define EXIT_REASON_FAILED_ENTRY   BIT(31)

/* exit qualification of a VM-entry failure with reason 33 (Vol.3C
 * "VM-Entry Failures During or After Loading Guest State") */
#define ENTRY_FAIL_DEFAULT      0
#define ENTRY_FAIL_PDPTE        2
#define ENTRY_FAIL_NMI_INJECT   3
#define ENTRY_FAIL_VMCS_LINK    4

/* ---- VM-instruction error numbers (Vol.3C "VM Instruction Error Numbers") ---- */
enum vmx_insn_error {
	VMXERR_VMCALL_IN_ROOT = 1,
	VMXERR_VMCLEAR_INVALID_ADDR = 2,
	VMXERR_VMCLEAR_VMXON_PTR = 3,
	VMXERR_VMLAUNCH_NONCLEAR = 4,
	VMXERR_VMRESUME_NONLAUNCHED = 5,
	VMXERR_VMRESUME_AFTER_VMXOFF = 6,
	VMXERR_ENTRY_INVALID_CONTROL = 7,
	VMXERR_ENTRY_INVALID_HOST_STATE = 8,
	VMXERR_VMPTRLD_INVALID_ADDR = 9,
	VMXERR_VMPTRLD_VMXON_PTR = 10,
	VMXERR_VMPTRLD_BAD_REVISION = 11,
	VMXERR_UNSUPPORTED_COMPONENT = 12,
	VMXERR_VMWRITE_READ_ONLY = 13,
	VMXERR_VMXON_IN_ROOT = 15,
	VMXERR_ENTRY_MOV_SS_BLOCKING = 26,
	VMXERR_INVALID_INVEPT_INVVPID = 28,
};

/* ---- VM-exit interruption information (Vol.3C "Information for VM Exits
 * Due to Vectored Events") and VM-entry interruption information ---- */
#define INTR_INFO_VECTOR(i)        ((i) & 0xff)
#define INTR_INFO_TYPE(i)          (((i) >> 8) & 7)
#define INTR_TYPE_EXT_INTR         0
#define INTR_TYPE_NMI              2
#define INTR_TYPE_HARD_EXCEPTION   3
#define INTR_TYPE_SOFT_INTR        4
#define INTR_TYPE_PRIV_SOFT_EXCEPTION 5
#define INTR_TYPE_SOFT_EXCEPTION   6
#define INTR_INFO_ERROR_CODE_VALID BIT(11)
#define INTR_INFO_NMI_UNBLOCKING   BIT(12)
#define INTR_INFO_VALID            BIT(31)

/* exit qualification for I/O instructions (Vol.3C "Exit Qualification for
 * I/O Instructions"): bits 2:0 size-1, bit 3 IN, bit 4 string, bit 5 REP,
 * bit 6 immediate operand, bits 31:16 port */
#define IO_QUAL_SIZE(q)   (((q) & 7) + 1)
#define IO_QUAL_IN        BIT(3)
#define IO_QUAL_STRING    BIT(4)
#define IO_QUAL_REP       BIT(5)
#define IO_QUAL_IMM       BIT(6)
#define IO_QUAL_PORT(q)   (((q) >> 16) & 0xffff)

/* exit qualification for control-register accesses (Vol.3C "Exit
 * Qualification for Control-Register Accesses"): bits 3:0 CR number,
 * bits 5:4 access type, bit 6 LMSW operand type, bits 11:8 register,
 * bits 31:16 LMSW source data */
#define CR_QUAL_CR(q)     ((q) & 0xf)
#define CR_QUAL_TYPE(q)   (((q) >> 4) & 3)
#define CR_TYPE_MOV_TO_CR 0
#define CR_TYPE_MOV_FROM_CR 1
#define CR_TYPE_CLTS      2
#define CR_TYPE_LMSW      3
#define CR_QUAL_REG(q)    (((q) >> 8) & 0xf)

/* guest activity states (Vol.3C "Guest Non-Register State") */
#define ACTIVITY_ACTIVE   0
#define ACTIVITY_HLT      1
#define ACTIVITY_SHUTDOWN 2
#define ACTIVITY_WAIT_SIPI 3

/* ---- outcomes of VMX instructions (Vol.3C "Conventions" of the VMX
 * instruction reference: VMsucceed, VMfailInvalid, VMfailValid) ---- */
#define VMX_OK              0
#define VMX_FAIL_INVALID    0x100
#define VMX_FAIL_VALID(err) (0x200 | (err))
#define VMX_FAULT(vec)      (0x400 | (vec))
/* VMLAUNCH/VMRESUME fell through with neither CF nor ZF set (impossible) */
#define VMX_FELL_THROUGH    0x800
#define VMX_IS_FAIL_VALID(r) (((r) & 0xf00) == 0x200)
/* "VMsucceed", "VMfailInvalid", "VMfailValid(7)", "#UD"... (four buffers
 * in turn, so a printf may show up to four) */
const char *vmx_result_str(int r);

/* ---- capabilities ---- */
struct vmx_caps {
	u64 basic, pin, proc, exit, entry, misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, vmcs_enum;
	u64 proc2, ept_vpid, true_pin, true_proc, true_exit, true_entry;
	u64 vmfunc, proc3;
	bool has_proc2, has_true, has_vmfunc, has_proc3;
};
extern struct vmx_caps vmx_caps;

/* CPUID.1:ECX.VMX[bit 5] */
bool vmx_supported(void);
/* false after printing "SKIP: vmx: CPUID.1:ECX.VMX is 0" */
bool vmx_check_supported(void);
/* reads every capability MSR that exists (the secondary, TRUE, VMFUNC and
 * tertiary ones only where IA32_VMX_BASIC / allowed-1 bits say they do) */
void vmx_read_caps(struct vmx_caps *c);
/* the MSR VM entry checks a control word against: the TRUE one when
 * IA32_VMX_BASIC[55] = 1 (A.2 "Reserved Controls and Default Settings") */
u64 vmx_pin_msr(void);
u64 vmx_proc_msr(void);
u64 vmx_exit_msr(void);
u64 vmx_entry_msr(void);
/* allowed-0 bits (must be 1) | want, limited to the allowed-1 bits */
static inline u32 vmx_adjust_ctl(u64 msr, u32 want)
{
	return (want | (u32)msr) & (u32)(msr >> 32);
}
static inline bool vmx_ctl_allowed1(u64 msr, u32 bits)
{
	return ((msr >> 32) & bits) == bits;
}

/* ---- enabling VMX (Vol.3C "Enabling and Entering VMX Operation",
 * "Restrictions on VMX Operation") ---- */
/* lock IA32_FEATURE_CONTROL with "VMX outside SMX" if it is unlocked;
 * false when the firmware locked it with VMX outside SMX disabled */
bool vmx_feature_control_enable(void);
/* CR0 and CR4 with the IA32_VMX_CR*_FIXED* bits applied and CR4.VMXE set */
u64 vmx_fixed_cr0(u64 cr0);
u64 vmx_fixed_cr4(u64 cr4);
/* write them to CR0 and CR4 */
void vmx_set_fixed_crs(void);
/* a zeroed 4 KiB region whose first 4 bytes hold the VMCS revision id
 * (VMXON region or VMCS region, Vol.3C "VMXON Region", "Format of the
 * VMCS Region") */
void *vmx_alloc_region(void);
/* feature control + fixed bits + VMXON of a fresh region; reports a FAIL
 * line and returns false when a step fails */
bool vmx_start(void);
extern void *vmx_vmxon_region;
/* a fresh VMCS region, VMCLEARed and made current; aborts on failure */
void *vmx_new_vmcs(void);

/* ---- VMX instructions ---- */
int vmx_on(u64 pa);
int vmx_off(void);
int vmx_clear(u64 pa);
int vmx_ptrld(u64 pa);
int vmx_ptrst(u64 *pa);
int vmx_read(u64 field, u64 *val);
int vmx_write(u64 field, u64 val);
/* INVEPT descriptor: EPTP, 0 (Vol.3C "INVEPT"); INVVPID: VPID, address */
int vmx_invept(u64 type, u64 eptp);
int vmx_invvpid(u64 type, u64 vpid, u64 gla);
/* VMREAD / VMWRITE that must succeed (abort_test otherwise) */
u64 vmcs_get(u64 field);
void vmcs_set(u64 field, u64 val);

/* ---- a valid VMCS for a 64-bit L2 sharing L1's page tables ---- */
struct vmx_vmcs_cfg {
	u32 pin, proc, proc2, exit, entry; /* 1-settings wanted on top of the
					    * allowed-0 bits */
	u32 exception_bitmap;
};
/* Fills the current VMCS: controls = allowed-0 bits | cfg (plus "host
 * address-space size" and "IA-32e mode guest"), host state = this CPU's
 * (host RIP = vmx_exit_stub, host RSP set at each entry), guest state = a
 * flat 64-bit CPL 0 L2 on its own stack whose RIP starts l2_fn(arg) and
 * which executes VMCALL at vmx_l2_done when l2_fn returns (RAX = its
 * value). With "use MSR bitmaps" / "use I/O bitmaps" wanted, zeroed bitmaps
 * are installed. Returns false (VMCS untouched) when a wanted control bit is
 * not allowed to be 1. */
bool vmx_vmcs_setup(const struct vmx_vmcs_cfg *cfg, u64 (*l2_fn)(u64), u64 arg);
/* the controls vmx_vmcs_setup would write for cfg */
u32 vmx_vmcs_cfg_pin(const struct vmx_vmcs_cfg *cfg);
u32 vmx_vmcs_cfg_proc(const struct vmx_vmcs_cfg *cfg);
u32 vmx_vmcs_cfg_exit(const struct vmx_vmcs_cfg *cfg);
u32 vmx_vmcs_cfg_entry(const struct vmx_vmcs_cfg *cfg);

/* L2's general-purpose registers, indexed as in the exit qualifications
 * (0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15);
 * loaded before each VM entry and saved at each VM exit. RSP lives in the
 * VMCS (GUEST_RSP); its slot here is unused. */
struct vmx_gprs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
extern struct vmx_gprs vmx_guest_regs;
u64 vmx_guest_gpr(unsigned n);
void vmx_set_guest_gpr(unsigned n, u64 val);

/* the L2 entry trampoline and the VMCALL it ends with (vmx_entry.S) */
extern u8 vmx_l2_entry[], vmx_l2_done[], vmx_exit_stub[];
extern u8 vmx_l2_stack[], vmx_l2_stack_top[];
#define VMX_L2_STACK_SIZE 0x4000

/* VMLAUNCH / VMRESUME of the current VMCS. VMX_OK when control came back
 * through host RIP: a VM exit, or a VM entry that failed while or after
 * loading guest state (exit reason bit 31). Otherwise the instruction's
 * VMfailInvalid / VMfailValid(n) or VMX_FAULT(vector). */
int vmx_launch(void);
int vmx_resume(void);
/* GUEST_RIP += VM-exit instruction length, then VMRESUME */
int vmx_skip_and_resume(void);
/* GUEST_RIP += len, then VMRESUME (for exits without an instruction
 * length, e.g. a #UD from UD2) */
int vmx_skip_n_and_resume(u64 len);

/* the VM-exit information fields (Vol.3C "VM-Exit Information Fields") */
u32 vmx_exit_reason(void);  /* the whole 32-bit field */
u64 vmx_exit_qual(void);
u32 vmx_exit_insn_len(void);
u32 vmx_exit_insn_info(void);
u32 vmx_exit_intr_info(void);
u32 vmx_insn_error(void);
u64 vmx_guest_rip(void);
/* VMX_OK came from a VM entry that failed while or after loading guest
 * state (exit reason bit 31: reason 33, 34 or 41), not from a VM exit */
bool vmx_entry_failed(void);
/* the exit was the VMCALL vmx_l2_entry makes after l2_fn returned */
bool vmx_l2_finished(void);

#endif
