/* cpu/arch.h: architectural constants, spelled as in the Intel SDM / AMD APM. */
#ifndef NESTBOX_CPU_ARCH_H
#define NESTBOX_CPU_ARCH_H

#include "base/bits.h"

/* RFLAGS (SDM Vol.1 "EFLAGS Register") */
#define RFLAGS_CF   BIT(0)
#define RFLAGS_FIXED BIT(1)
#define RFLAGS_PF   BIT(2)
#define RFLAGS_AF   BIT(4)
#define RFLAGS_ZF   BIT(6)
#define RFLAGS_SF   BIT(7)
#define RFLAGS_TF   BIT(8)
#define RFLAGS_IF   BIT(9)
#define RFLAGS_DF   BIT(10)
#define RFLAGS_OF   BIT(11)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT   BIT(14)
#define RFLAGS_RF   BIT(16)
#define RFLAGS_VM   BIT(17)
#define RFLAGS_AC   BIT(18)
#define RFLAGS_VIF  BIT(19)
#define RFLAGS_VIP  BIT(20)
#define RFLAGS_ID   BIT(21)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)
/* bits that always read 0 (bit 1 always reads 1: RFLAGS_FIXED) */
#define RFLAGS_RESERVED (BIT(3) | BIT(5) | BIT(15) | GENMASK(63, 22))

/* CR0 (SDM Vol.3A "Control Registers") */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
/* the bits that exist; the others of CR0[31:0] ignore writes and read 0
 * ("Attempting to set any reserved bits in CR0[31:0] is ignored"), those
 * of CR0[63:32] make MOV to CR0 raise #GP(0) */
#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
		     CR0_NW | CR0_CD | CR0_PG)

#define CR4_VME        BIT(0)
#define CR4_PVI        BIT(1)
#define CR4_TSD        BIT(2)
#define CR4_DE         BIT(3)
#define CR4_PSE        BIT(4)
#define CR4_PAE        BIT(5)
#define CR4_MCE        BIT(6)
#define CR4_PGE        BIT(7)
#define CR4_PCE        BIT(8)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP       BIT(11)
#define CR4_LA57       BIT(12)
#define CR4_VMXE       BIT(13)
#define CR4_SMXE       BIT(14)
#define CR4_FSGSBASE   BIT(16)
#define CR4_PCIDE      BIT(17)
#define CR4_OSXSAVE    BIT(18)
#define CR4_SMEP       BIT(20)
#define CR4_SMAP       BIT(21)
#define CR4_PKE        BIT(22)
#define CR4_PKS        BIT(24)

#define EFER_SCE   BIT(0)
#define EFER_LME   BIT(8)
#define EFER_LMA   BIT(10)
#define EFER_NXE   BIT(11)
#define EFER_SVME  BIT(12)
#define EFER_LMSLE BIT(13)
#define EFER_FFXSR BIT(14)

/* DR6/DR7 (SDM Vol.3B "Debug Registers") */
#define DR6_B0   BIT(0)
#define DR6_BD   BIT(13)
#define DR6_BS   BIT(14)
#define DR6_BT   BIT(15)
#define DR6_RTM  BIT(16)
#define DR6_FIXED1 0xffff0ff0ull
#define DR7_GD   BIT(13)
#define DR7_FIXED1 0x400ull

/* Page-table entry bits (SDM Vol.3A "Paging") */
#define PTE_P   BIT(0)
#define PTE_W   BIT(1)
#define PTE_U   BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A   BIT(5)
#define PTE_D   BIT(6)
#define PTE_PS  BIT(7)
#define PTE_G   BIT(8)
#define PTE_NX  BIT(63)

/* #PF error code (SDM Vol.3A "Page-Fault Exception (#PF)") */
#define PFEC_P    BIT(0)
#define PFEC_W    BIT(1)
#define PFEC_U    BIT(2)
#define PFEC_RSVD BIT(3)
#define PFEC_I    BIT(4)
#define PFEC_PK   BIT(5)

/* Exception vectors (SDM Vol.3A "Exception and Interrupt Reference") */
enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5,
	VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12,
	VEC_GP = 13, VEC_PF = 14, VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19,
	VEC_VE = 20, VEC_CP = 21,
};

/* Segment registers, in the instruction-encoding order (sreg field of ModRM) */
enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_NONE = 0xff };

/* Segment access rights, kept in the VMX "access-rights" layout (SDM Vol.3C
 * "Guest Register State"): descriptor bits 47:40 in 7:0, bits 55:52 in 15:12,
 * bit 16 = segment unusable. */
#define AR_TYPE(ar)   ((ar) & 0xf)
#define AR_S          BIT(4)
#define AR_DPL(ar)    (((ar) >> 5) & 3)
#define AR_P          BIT(7)
#define AR_AVL        BIT(12)
#define AR_L          BIT(13)
#define AR_DB         BIT(14)
#define AR_G          BIT(15)
#define AR_UNUSABLE   BIT(16)
/* type bits for code/data (S=1) */
#define SEG_TYPE_ACCESSED 1
#define SEG_TYPE_WR       2 /* data: writable; code: readable */
#define SEG_TYPE_EC       4 /* data: expand-down; code: conforming */
#define SEG_TYPE_CODE     8

/* System descriptor types (S=0) */
enum {
	DESC_LDT = 2, DESC_TSS16_AVAIL = 1, DESC_TSS16_BUSY = 3, DESC_CALLGATE16 = 4,
	DESC_TASKGATE = 5, DESC_INTGATE16 = 6, DESC_TRAPGATE16 = 7,
	DESC_TSS_AVAIL = 9, DESC_TSS_BUSY = 11, DESC_CALLGATE = 12,
	DESC_INTGATE = 14, DESC_TRAPGATE = 15,
};

#endif
