/* svm/vmcb.h: the VMCB (AMD APM Vol.2 Appendix B "Layout of VMCB") as C
 * structs whose members sit at the APM's offsets, the intercept and exit-code
 * names, and the bits of the fields VMRUN and #VMEXIT interpret. The facts
 * are svm/vmcb.def, svm/intercepts.def and svm/exit_codes.def; every row of
 * vmcb.def is asserted against the structs below.
 *
 * The structs are little-endian images of guest memory (the host is x86):
 * VMRUN copies the control area into struct vmcb_control once and reads
 * the state-save area into a struct vmcb_save once. */
#ifndef NESTBOX_SVM_VMCB_H
#define NESTBOX_SVM_VMCB_H

#include <stddef.h>

#include "base/bits.h"
#include "base/types.h"

/* --- Table B-1 "VMCB Layout, Control Area" --- */
struct vmcb_control {
	u32 intercepts[6];
	u8 reserved_018[0x24];
	u16 pause_filter_thresh;
	u16 pause_filter_count;
	u64 iopm_base_pa;
	u64 msrpm_base_pa;
	u64 tsc_offset;
	u32 guest_asid;
	u8 tlb_control;
	u8 reserved_05d[3];
	u64 int_ctl;
	u64 int_state;
	u64 exitcode;
	u64 exitinfo1;
	u64 exitinfo2;
	u64 exitintinfo;
	u64 nested_ctl;
	u64 avic_apic_bar;
	u64 ghcb_pa;
	u64 eventinj;
	u64 ncr3;
	u64 virt_ext;
	u32 clean;
	u32 reserved_0c4;
	u64 nrip;
	u8 insn_len;
	u8 insn_bytes[15];
	u64 avic_backing_page;
	u8 reserved_0e8[8];
	u64 avic_logical_table;
	u64 avic_physical_table;
	u8 reserved_100[8];
	u64 vmsa_pa;
	u8 reserved_110[0x3e0 - 0x110];
	u8 reserved_sw[32];       /* 3E0h-3FFh: "reserved for host usage" */
} __attribute__((packed));

/* a segment in the state-save area: selector, the compressed attributes
 * (APM "Segment State in the VMCB": descriptor bits 47:40 -> attrib 7:0,
 * bits 55:52 -> attrib 11:8), limit, base */
struct vmcb_seg {
	u16 sel;
	u16 attrib;
	u32 limit;
	u64 base;
} __attribute__((packed));

/* --- Table B-2 "VMCB Layout, State Save Area" (from VMCB offset 400h) --- */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	u8 reserved_0a0[43];
	u8 cpl;
	u8 reserved_0cc[4];
	u64 efer;
	u8 reserved_0d8[112];
	u64 cr4, cr3, cr0, dr7, dr6, rflags, rip;
	u8 reserved_180[88];
	u64 rsp, s_cet, ssp, isst_addr, rax;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;
	u8 reserved_248[32];
	u64 g_pat, dbgctl, br_from, br_to, lastexcp_from, lastexcp_to;
	u8 reserved_298[72];
	u64 spec_ctrl;
} __attribute__((packed));

#define VMCB_SAVE_OFFSET 0x400u
#define VMCB_SIZE 0x1000u

_Static_assert(sizeof(struct vmcb_control) == VMCB_SAVE_OFFSET, "control area is 000h-3FFh");
_Static_assert(sizeof(struct vmcb_seg) == 16, "a VMCB segment is 16 bytes");

/* one assert per vmcb.def row: offset and size */
#define VMCB_CTL(n, o, s)                                                                  \
	_Static_assert(offsetof(struct vmcb_control, n) == (o) &&                          \
			       sizeof(((struct vmcb_control *)0)->n) == (s),               \
		       "VMCB control field " #n " is not at " #o);
#define VMCB_SAVE(n, o, s)                                                                 \
	_Static_assert(offsetof(struct vmcb_save, n) + VMCB_SAVE_OFFSET == (o) &&          \
			       sizeof(((struct vmcb_save *)0)->n) == (s),                  \
		       "VMCB state-save field " #n " is not at " #o);
#include "svm/vmcb.def"
#undef VMCB_CTL
#undef VMCB_SAVE

/* the VMCB offset of each field: VMCB_OFF_name */
enum vmcb_offset {
#define VMCB_FIELD(n, o, s) VMCB_OFF_##n = (o),
#include "svm/vmcb.def"
#undef VMCB_FIELD
};

/* intercept bits: SVM_ICPT_NAME = word * 32 + bit */
enum svm_icpt {
#define ICPT(n, w, b) SVM_ICPT_##n = (w) * 32 + (b),
#include "svm/intercepts.def"
#undef ICPT
	SVM_ICPT_NR = 6 * 32
};

/* #VMEXIT codes: SVM_EXIT_NAME (INVALID and BUSY are -1 and -2: passed
 * as u64 they are FFFF_FFFF_FFFF_FFFFh and ..FEh) */
enum svm_exit_code {
#define EXITCODE(n, v) SVM_EXIT_##n = (v),
#include "svm/exit_codes.def"
#undef EXITCODE
};

/* the exit code's name as exit_codes.def spells it, or NULL */
const char *svm_exit_name(u64 code);

/* --- field bits (APM Table B-1) --- */
/* TLB_CONTROL (05Ch) */
#define TLB_CONTROL_NOTHING          0x00
#define TLB_CONTROL_FLUSH_ALL        0x01
#define TLB_CONTROL_FLUSH_ASID       0x03
#define TLB_CONTROL_FLUSH_ASID_LOCAL 0x07
/* int_ctl (060h) */
#define V_TPR_MASK          0xffull
#define V_IRQ               BIT(8)
#define V_GIF               BIT(9)
#define V_NMI               BIT(11)
#define V_NMI_MASK          BIT(12)
#define V_INTR_PRIO_SHIFT   16
#define V_INTR_PRIO_MASK    (0xfull << 16)
#define V_IGN_TPR           BIT(20)
#define V_INTR_MASKING      BIT(24)
#define V_GIF_ENABLE        BIT(25)
#define V_NMI_ENABLE        BIT(26)
#define AVIC_ENABLE         BIT(31)
#define V_INTR_VECTOR_SHIFT 32
#define V_INTR_VECTOR_MASK  (0xffull << 32)
/* int_state (068h) */
#define INT_STATE_SHADOW     BIT(0)
#define INT_STATE_GUEST_MASK BIT(1)
/* nested_ctl (090h) */
#define NESTED_CTL_NP_ENABLE BIT(0)
/* virt_ext (0B8h) */
#define VIRT_EXT_LBR        BIT(0)
#define VIRT_EXT_VMSAVE_VMLOAD BIT(1)
/* EVENTINJ (0A8h) and EXITINTINFO (088h): "Event Injection" */
#define EVTINJ_VECTOR_MASK 0xffull
#define EVTINJ_TYPE_SHIFT  8
#define EVTINJ_TYPE_MASK   (7ull << 8)
#define EVTINJ_EV          BIT(11)      /* error code valid */
#define EVTINJ_V           BIT(31)      /* valid */
#define EVTINJ_ERR_SHIFT   32
/* the vectors that are exceptions on AMD64 (APM Vol.2 Table 8-1 "Interrupt
 * Vector Source and Cause"): 0-8, 10-14, 16-19, 21 (#CP), 28 (#HV), 29
 * (#VC), 30 (#SX); 2 is the NMI, 9, 15, 20, 22-27 and 31 are reserved */
#define SVM_EXCEPTION_VECTORS                                                             \
	((GENMASK(8, 0) & ~BIT(2)) | GENMASK(14, 10) | GENMASK(19, 16) | BIT(21) | BIT(28) | \
	 BIT(29) | BIT(30))
enum svm_event_type {
	SVM_EVT_INTR = 0, /* external or virtual interrupt */
	SVM_EVT_NMI = 2,
	SVM_EVT_EXC = 3,  /* exception (fault or trap) */
	SVM_EVT_SOFT = 4, /* software interrupt (INTn) */
};

#endif
