/* tests/guest/lib/svm.h: a bare-metal L1 hypervisor's view of AMD SVM (AMD
 * APM Vol.2 chapter 15 "Secure Virtual Machine", Appendix B "Layout of
 * VMCB", Appendix C "SVM Intercept Exit Codes"). Written from the APM, on
 * purpose independently of nestbox's src/svm: the VMCB is a 4 KiB page and
 * its fields are byte offsets here.
 *
 * Typical use (64-bit L1, one CPU):
 *
 *	if (!svm_supported())              // prints the SKIP line
 *		return report_summary();
 *	svm_enable();                      // EFER.SVME, VM_HSAVE_PA
 *	u8 *v = svm_vmcb_alloc();
 *	svm_vmcb_setup(v, l2_fn, arg);     // a valid VMCB: 64-bit L2 runs l2_fn
 *	svm_run(v);                        // VMRUN .. #VMEXIT, then STGI
 *	... vmcb_get(v, VMCB_EXITCODE) ...
 *
 * L2 runs l2_fn(arg) on its own stack and then executes VMMCALL (intercepted
 * by svm_vmcb_setup) with RAX = the function's value. */
#ifndef GUEST_SVM_H
#define GUEST_SVM_H

#include "types.h"

/* ---- CPUID and MSRs ---- */
#define CPUID_80000001_ECX_SVM BIT(2)
#define SVM_CPUID_NRIPS     BIT(3)    /* Fn8000_000A_EDX */
#define SVM_CPUID_SVML      BIT(2)
#define SVM_CPUID_CLEAN     BIT(5)
#define SVM_CPUID_LBRV      BIT(1)
#define SVM_CPUID_TSC_RATE  BIT(4)
#define MSR_EFER            0xc0000080
#define EFER_SVME           BIT(12)
#define MSR_VM_CR           0xc0010114
#define MSR_VM_HSAVE_PA     0xc0010117
#define MSR_SVM_KEY         0xc0010118
#define MSR_TSC_RATIO       0xc0000104
#define VM_CR_LOCK          BIT(3)
#define VM_CR_SVMDIS        BIT(4)

/* ---- VMCB control area (Table B-1) ---- */
#define VMCB_ICPT_CR        0x000
#define VMCB_ICPT_DR        0x004
#define VMCB_ICPT_EXC       0x008
#define VMCB_ICPT_MISC1     0x00c
#define VMCB_ICPT_MISC2     0x010
#define VMCB_IOPM_BASE      0x040
#define VMCB_MSRPM_BASE     0x048
#define VMCB_TSC_OFFSET     0x050
#define VMCB_ASID           0x058   /* 32 bits */
#define VMCB_TLB_CTL        0x05c   /* 8 bits */
#define VMCB_INT_CTL        0x060
#define VMCB_INT_STATE      0x068
#define VMCB_EXITCODE       0x070
#define VMCB_EXITINFO1      0x078
#define VMCB_EXITINFO2      0x080
#define VMCB_EXITINTINFO    0x088
#define VMCB_NP_ENABLE      0x090
#define VMCB_EVENTINJ       0x0a8
#define VMCB_NCR3           0x0b0
#define VMCB_VIRT_EXT       0x0b8   /* bit 0: LBR virtualization */
#define VMCB_CLEAN          0x0c0
#define VMCB_NRIP           0x0c8

/* misc1 (offset 00Ch) and misc2 (010h) intercept bits */
#define ICPT1_INTR          BIT(0)
#define ICPT1_NMI           BIT(1)
#define ICPT1_CPUID         BIT(18)
#define ICPT1_HLT           BIT(24)
#define ICPT1_SHUTDOWN      BIT(31)
#define ICPT2_VMRUN         BIT(0)
#define ICPT2_VMMCALL       BIT(1)
#define ICPT2_VMLOAD        BIT(2)
#define ICPT2_VMSAVE        BIT(3)
#define ICPT2_STGI          BIT(4)
#define ICPT2_CLGI          BIT(5)
#define ICPT2_SKINIT        BIT(6)

/* ---- VMCB state-save area (Table B-2, offsets from the VMCB start) ---- */
#define VMCB_ES             0x400   /* each segment: sel u16, attrib u16, limit u32, base u64 */
#define VMCB_CS             0x410
#define VMCB_SS             0x420
#define VMCB_DS             0x430
#define VMCB_FS             0x440
#define VMCB_GS             0x450
#define VMCB_GDTR           0x460
#define VMCB_LDTR           0x470
#define VMCB_IDTR           0x480
#define VMCB_TR             0x490
#define VMCB_CPL            0x4cb   /* 8 bits */
#define VMCB_EFER           0x4d0
#define VMCB_CR4            0x548
#define VMCB_CR3            0x550
#define VMCB_CR0            0x558
#define VMCB_DR7            0x560
#define VMCB_DR6            0x568
#define VMCB_RFLAGS         0x570
#define VMCB_RIP            0x578
#define VMCB_RSP            0x5d8
#define VMCB_RAX            0x5f8
#define VMCB_STAR           0x600
#define VMCB_LSTAR          0x608
#define VMCB_CSTAR          0x610
#define VMCB_SFMASK         0x618
#define VMCB_KERNEL_GS_BASE 0x620
#define VMCB_SYSENTER_CS    0x628
#define VMCB_SYSENTER_ESP   0x630
#define VMCB_SYSENTER_EIP   0x638
#define VMCB_CR2            0x640
#define VMCB_G_PAT          0x668
#define VMCB_DBGCTL         0x670
#define VMCB_BR_FROM        0x678
#define VMCB_BR_TO          0x680
#define VMCB_LASTEXCP_FROM  0x688
#define VMCB_LASTEXCP_TO    0x690

/* segment attribute bits ("Segment State in the VMCB") */
#define SVM_ATTR_P          BIT(7)
#define SVM_ATTR_L          BIT(9)
#define SVM_ATTR_DB         BIT(10)
#define SVM_ATTR_G          BIT(11)

/* ---- exit codes (Appendix C) ---- */
#define SVM_EXIT_EXCP(v)    (0x40 + (v))
#define SVM_EXIT_INTR       0x60
#define SVM_EXIT_NMI        0x61
#define SVM_EXIT_CPUID      0x72
#define SVM_EXIT_HLT        0x78
#define SVM_EXIT_SHUTDOWN   0x7f
#define SVM_EXIT_VMRUN      0x80
#define SVM_EXIT_VMMCALL    0x81
#define SVM_EXIT_VMLOAD     0x82
#define SVM_EXIT_VMSAVE     0x83
#define SVM_EXIT_STGI       0x84
#define SVM_EXIT_CLGI       0x85
#define SVM_EXIT_SKINIT     0x86
#define SVM_EXIT_INVALID    (~0ull)
#define SVM_RUN_FAULTED     0xfa017ull  /* svm_run: VMRUN raised an exception */

/* ---- EVENTINJ / EXITINTINFO ("Event Injection") ---- */
#define SVM_EVT_V           BIT(31)
#define SVM_EVT_EV          BIT(11)
#define SVM_EVT_INTR        (0u << 8)
#define SVM_EVT_NMI         (2u << 8)
#define SVM_EVT_EXC         (3u << 8)
#define SVM_EVT_SOFT        (4u << 8)

/* ---- the library ---- */
/* SVM is advertised (CPUID 8000_0001.ECX[2]); else prints a SKIP line */
bool svm_supported(void);
u32 svm_features(void);             /* CPUID 8000_000A EDX */
void svm_enable(void);              /* EFER.SVME = 1, VM_HSAVE_PA = a page */
u8 *svm_vmcb_alloc(void);           /* a zeroed 4 KiB VMCB */
/* a VMCB that runs l2_fn(arg) in 64-bit mode at CPL 0 with L1's paging,
 * segments and descriptor tables; intercepts VMRUN and VMMCALL; ASID 1;
 * zeroed IOPM and MSRPM */
void svm_vmcb_setup(u8 *vmcb, u64 (*l2_fn)(u64), u64 arg);
/* L2's general-purpose registers (APM: VMRUN/#VMEXIT switch only RAX and
 * RSP; the others are the software's): loaded before VMRUN, stored after */
struct svm_gprs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
extern struct svm_gprs svm_guest_regs;
/* VMRUN with rAX = vmcb; returns 0 after the #VMEXIT (GIF is then 0), or
 * 1 if VMRUN faulted (exception_vector() says which) */
u64 svm_enter(u64 vmcb_pa);
/* svm_enter, then STGI; returns the exit code (or SVM_EXIT_INVALID) */
u64 svm_run(u8 *vmcb);
/* after a VMMCALL exit: L2's RIP past it (3 bytes) */
void svm_skip_vmmcall(u8 *vmcb);

static inline u64 vmcb_get(const u8 *v, unsigned off) { return *(volatile const u64 *)(v + off); }
static inline void vmcb_set(u8 *v, unsigned off, u64 val) { *(volatile u64 *)(v + off) = val; }
static inline u32 vmcb_get32(const u8 *v, unsigned off) { return *(volatile const u32 *)(v + off); }
static inline void vmcb_set32(u8 *v, unsigned off, u32 val) { *(volatile u32 *)(v + off) = val; }
static inline void vmcb_set8(u8 *v, unsigned off, u8 val) { *(volatile u8 *)(v + off) = val; }
static inline u8 vmcb_get8(const u8 *v, unsigned off) { return *(volatile const u8 *)(v + off); }
void vmcb_set_seg(u8 *v, unsigned off, u16 sel, u16 attrib, u32 limit, u64 base);
static inline u16 vmcb_seg_sel(const u8 *v, unsigned off) { return *(volatile const u16 *)(v + off); }
static inline u16 vmcb_seg_attrib(const u8 *v, unsigned off) { return *(volatile const u16 *)(v + off + 2); }
static inline u32 vmcb_seg_limit(const u8 *v, unsigned off) { return *(volatile const u32 *)(v + off + 4); }
static inline u64 vmcb_seg_base(const u8 *v, unsigned off) { return *(volatile const u64 *)(v + off + 8); }

static inline void stgi(void) { asm volatile("stgi" ::: "memory"); }
static inline void clgi(void) { asm volatile("clgi" ::: "memory"); }

#endif
