/* cpu/cpu.h: the architectural state of one x86-64 logical processor.
 *
 * Conventions:
 *  - Registers are indexed in instruction-encoding order (RAX=0 ... R15=15).
 *  - RIP holds the address of the instruction being executed until it
 *    retires; handlers change control flow by writing c->next_rip.
 *  - Arithmetic flags are computed lazily (cpu/exec/flags.h); read RFLAGS only
 *    through cpu_rflags() and write it only through cpu_set_rflags().
 *  - A fault never returns: cpu_fault() unwinds to the step loop, which
 *    delivers the exception with RIP still at the faulting instruction.
 */
#ifndef NESTBOX_CPU_CPU_H
#define NESTBOX_CPU_CPU_H

#include <setjmp.h>

#include "base/compiler.h"
#include "base/types.h"
#include "cpu/arch.h"
#include "cpu/fpu/fpu_state.h"
#include "cpu/memory/walk.h"
#include "cpu/system/msr_state.h"
#include "cpu/system/pmu_state.h"
#include "cpu/system/smm.h"
#include "vmx/state.h"
#include "svm/state.h"

struct machine;
struct cpu_model;
struct lapic;
struct icache;
struct cpu;

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* A segment register and its descriptor cache (SDM Vol.3A "Segment Registers"). */
struct seg_cache {
	u16 sel;
	u32 limit; /* expanded byte limit (granularity applied) */
	u64 base;
	u32 ar;    /* access rights, VMX layout (cpu/arch.h AR_*) */
};

struct dtr {
	u64 base;
	u32 limit;
};

/* Operating mode, derived from CR0.PE, EFLAGS.VM, EFER.LMA and CS.L/CS.D. */
enum cpu_mode {
	MODE_REAL,   /* CR0.PE=0 (includes "big real" via cached limits) */
	MODE_VM86,   /* virtual-8086 */
	MODE_PROT16, /* protected, CS.D=0 */
	MODE_PROT32, /* protected, CS.D=1 */
	MODE_COMPAT16, /* IA-32e compatibility, CS.D=0 */
	MODE_COMPAT32, /* IA-32e compatibility, CS.D=1 */
	MODE_LONG64, /* IA-32e 64-bit */
};

/* Lazily evaluated arithmetic flags (cpu/exec/flags.c). */
enum lazy_op {
	LAZY_NONE, /* flags are in c->rflags */
	LAZY_ADD, LAZY_ADC, LAZY_SUB, LAZY_SBB, LAZY_LOGIC, LAZY_INC, LAZY_DEC,
	LAZY_SHIFT, /* CF = cf_in and OF = src2 as computed by the shift, AF = 0 */
};

struct lazy_flags {
	u64 res, src1, src2; /* result and operands, masked to size */
	union {
		struct {
			u8 op;       /* enum lazy_op */
			u8 size;     /* bytes: 1, 2, 4, 8 */
			u8 cf_in;    /* ADC/SBB carry-in; INC/DEC preserved CF */
			u8 unused;
		};
		u32 meta;    /* the bytes above, stored at once by flags_lazy() */
	};
};

/* Activity state (named as in the SDM's VMX "Guest Non-Register State"). */
enum cpu_activity { ACT_ACTIVE, ACT_HLT, ACT_SHUTDOWN, ACT_WAIT_SIPI };

/* Interruptibility (SDM Vol.3C "Guest Non-Register State"). */
#define SHADOW_STI   BIT(0)
#define SHADOW_MOVSS BIT(1)

/* TLB: one direct-mapped array of linear pages (cpu/memory/mmu.c). */
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
/* permission bits an entry grants */
#define TLBP_R_SUP  BIT(0)
#define TLBP_W_SUP  BIT(1)
#define TLBP_X_SUP  BIT(2)
#define TLBP_R_USER BIT(3)
#define TLBP_W_USER BIT(4)
#define TLBP_X_USER BIT(5)
struct tlb_entry {
	u64 tag;   /* linear page number (tlb_page) + 1, ORed with the
	            * translation context (a VPID or an ASID << TLB_CTX_SHIFT:
	            * SDM "Virtual Processor Identifiers (VPIDs)"); 0 = invalid */
	u64 gpa;   /* physical page address (after the second stage, if any) */
	u8 *host;  /* host pointer to the page if plain RAM, else NULL (MMIO) */
	u16 pcid;
	u8 perm;   /* TLBP_* */
	u8 global;
	u8 pshift; /* log2 of the size of the page this piece comes from */
};

/* What the CPU needs of its local APIC (dev/lapic.c implements it; the
 * machine wires it), so cpu/ never includes dev/. */
struct apic_ops {
	/* highest-priority deliverable fixed interrupt vector, or -1 */
	int (*irq_pending)(struct cpu *c);
	/* acknowledge (INTA): returns the vector and moves it IRR -> ISR */
	int (*irq_ack)(struct cpu *c);
	/* APIC_BASE (0x1b) and x2APIC MSRs (0x800-0x8ff), TSC_DEADLINE (0x6e0):
	 * return 0, or -1 to make RDMSR/WRMSR raise #GP(0) */
	int (*msr_read)(struct cpu *c, u32 msr, u64 *val);
	int (*msr_write)(struct cpu *c, u32 msr, u64 val);
	/* CR8 <-> TPR[7:4] (SDM Vol.3A "Task Priority in IA-32e Mode") */
	u64 (*get_cr8)(struct cpu *c);
	void (*set_cr8)(struct cpu *c, u64 val);
	/* a performance-counter overflow interrupt (cpu/system/pmu.c): the
	 * LVT performance-counter entry */
	void (*pmi)(struct cpu *c);
};

/* One logical processor. The members before the "derived" line are its
 * state: a snapshot saves exactly those (cpu/cpu_snap.c has one row per
 * member and says which are derived), and two CPUs with the same values
 * there run the same way (save for what a TLB hit hides: known-gaps.md).
 * The members after it are caches, scratch and wiring, rebuilt from the
 * state above by cpu_state_loaded(). Hot members of each part come first. */
struct cpu {
	/* === state (saved) === */
	u64 gpr[16];
	u64 rip;
	u64 rflags;            /* arithmetic bits valid only when lf.op == LAZY_NONE */
	struct lazy_flags lf;
	u64 icount;            /* instructions executed, each iteration of a REP
	                        * string instruction counting as one: the virtual
	                        * clock's source (cpu/exec/rep.h) */
	u64 rep_extra;         /* icount - rep_extra = instructions retired */
	u64 branches;          /* branch instructions retired (INSN_F_BRINSN;
	                        * the PMU's branch event, cpu/system/pmu.c) */
	u8 shadow;             /* SHADOW_* for the next instruction boundary */
	u8 activity;           /* enum cpu_activity */

	/* --- events (cpu/event.c), latched until a boundary takes them --- */
	u8 nmi_pending;
	u8 nmi_blocked;        /* from NMI delivery until the next IRET */
	u8 smi_pending;
	u8 init_pending;
	u8 sipi_pending;
	u8 sipi_vector;
	u8 pending_db;         /* a trap-class #DB (single step/data bp) is due after this insn */
	u8 tpr;                /* CR8 = TPR[7:4] when no local APIC claims it */
	u64 pending_dr6;

	struct seg_cache seg[8]; /* ES CS SS DS FS GS LDTR TR */
	struct dtr gdtr, idtr;
	u64 cr0, cr2, cr3, cr4, efer, xcr0;
	/* SDM "PDPTE Registers": with PAE paging the walk takes its PDPTE
	 * from these four, which MOV to CR0/CR3/CR4, RSM and VMX/SVM
	 * transitions load (cpu_pdptes_load), not from memory: a table
	 * changed in memory takes effect at the next load */
	u64 pdpte[4];
	u64 dr[8];             /* DR4/DR5 alias DR6/DR7 when CR4.DE=0 */
	struct fpu fpu;
	struct msr_state msr;
	struct pmu_state pmu;   /* performance counters (cpu/system/pmu.c) */
	struct smm_state smm;  /* system-management mode (cpu/system/smm.c) */
	u64 rng_state;         /* RDRAND/RDSEED: deterministic per-run seed */
	struct vmx_state vmx;  /* VMX operation (vmx/vmx.h) */
	struct svm_state svm;  /* SVM: GIF, guest mode, VMRUN's copies (svm/svm.h) */
	/* The TLB is state: it may hold translations the page tables no
	 * longer give (a PTE changed, or an accessed/dirty bit cleared, with
	 * no INVLPG -- Linux ages pages that way), which the SDM lets a
	 * processor keep using ("Translation Lookaside Buffers (TLBs)"), so
	 * what is in it decides what the next accesses do. Only each entry's
	 * host pointer is derived (from its guest-physical page). */
	struct tlb_entry tlb[TLB_SIZE];

	/* === derived: not saved, rebuilt by cpu_state_loaded() === */
	/* --- the step loop (cpu/step.c) --- */
	u64 next_rip;          /* fall-through of the instruction executing; = rip between them */
	u64 deadline;          /* leave the block when icount >= deadline; 0 = now */
	u64 turn_end;          /* cpu_run returns when icount >= turn_end (cpu/step.h) */
	u8 mode;               /* enum cpu_mode, from CR0/EFER/CS/RFLAGS.VM (cpu_update_mode) */
	u8 cpl;                /* SS.DPL (cpu_update_mode) */
	u8 single;             /* the step loop runs one instruction (cpu/step.c) */
	u8 shadow_insn;        /* the interrupt shadow (SHADOW_*) the executing
	                        * instruction runs under: step_slow moves
	                        * `shadow` here before the instruction (the block
	                        * loop never runs under one), so VMLAUNCH can see
	                        * "events blocked by MOV SS"; 0 between instructions */
	u8 irq_hint;           /* an external interrupt may be deliverable: the
	                        * step loop asks the APIC only while this is set.
	                        * Set by cpu_stop(), at every cpu_run(), by any
	                        * MMIO or port access, APIC MSR and CR8 writes;
	                        * cleared when the APIC has nothing to give. */

	/* --- event delivery and fault unwinding (cpu/event.c, cpu/fault.c):
	 * in_event is 0 between instructions, and the others are only read
	 * while it is not (or between cpu_fault and the delivery it starts) --- */
	u8 in_event;           /* nesting depth of exception delivery (double fault) */
	u8 first_vector;       /* vector being delivered when a second fault hit */
	u8 first_has_err;      /* ... whether it has an error code, and the code */
	u32 first_error;       /*     (VMX IDT-vectoring information) */
	u8 fault_vector;
	u8 fault_has_error;
	u32 fault_error;
	jmp_buf *unwind;

	/* --- memory: TLB and decoded code --- */
	u32 tlb_epoch;         /* bumped by every TLB flush and every invalidation of
	                        * decoded code (validates the jump cache) */
	u64 fetch_key;         /* tlb_epoch, mode, CPL and tlb_ctx packed: what a
	                        * jump-cache entry must match (cpu_update_fetch_key) */
	u64 tlb_ctx;           /* the translation context's bits of a TLB tag: the
	                        * VPID (VMX non-root with "enable VPID") or the
	                        * ASID << TLB_CTX_SHIFT, else 0 (tlb_tag) */
	u8 stage2_on;          /* guest-physical addresses go through `stage2`
	                        * (EPT in VMX non-root operation) */
	struct stage2 stage2;
	struct icache *icache;

	/* --- wiring (the machine sets it up) --- */
	struct machine *machine;
	const struct cpu_model *model;
	struct lapic *apic;    /* the local APIC (NULL: none) ... */
	const struct apic_ops *apic_ops; /* ... and what the CPU may ask of it */
	u32 index;             /* vCPU number (APIC ID by default) */
};

/* instructions retired: a REP string instruction counts once (cpu/exec/rep.h) */
static inline u64 cpu_insns_retired(const struct cpu *c) { return c->icount - c->rep_extra; }

/* --- mode helpers --- */
static inline bool cpu_is_long64(const struct cpu *c) { return c->mode == MODE_LONG64; }
static inline bool cpu_lma(const struct cpu *c) { return (c->efer & EFER_LMA) != 0; }
/* canonical for the current paging mode (SDM Vol.1 "Canonical Addressing"):
 * bits 63:48 (63:57 with CR4.LA57) copy the bit below them */
static inline bool cpu_canonical(const struct cpu *c, u64 v)
{
	unsigned s = (c->cr4 & CR4_LA57) ? 7 : 16;
	return (u64)((i64)(v << s) >> s) == v;
}
/* recompute c->mode and c->cpl after CR0/EFER/CS/RFLAGS.VM change */
void cpu_update_mode(struct cpu *c);
/* after a change of tlb_epoch, mode or CPL (cpu_update_mode and the TLB
 * flushes call it) */
static inline void cpu_update_fetch_key(struct cpu *c)
{
	c->fetch_key = (u64)c->tlb_epoch | ((u64)c->mode << 32) | ((u64)c->cpl << 40) | c->tlb_ctx;
}
/* decoded code somewhere changed (a store hit a page holding decoded blocks):
 * every jump-cache entry of this CPU stops matching */
static inline void cpu_code_changed(struct cpu *c)
{
	c->tlb_epoch++;
	cpu_update_fetch_key(c);
}

/* The tag of linear address lin's page in the current translation context
 * (the TLB keeps the mappings of several VPIDs or ASIDs apart). A
 * canonical address is fixed by its bits 56:0 (47:0 with 4-level paging),
 * so the page number is bits 56:12 of lin, and one bit more says whether
 * bits 63:57 differ from bit 56: a non-canonical address never hits an
 * entry (its access is #GP or #SS, raised on the TLB miss, mmu_translate).
 * That is 46 bits, 47 with the +1 that keeps 0 for "invalid"; the
 * context sits above. (A page number of all of lin's 52 bits above 11
 * would reach into the context's bits for every address of the upper
 * half, so an L2's kernel-space entries would serve L1 and the other way
 * round.) */
#define TLB_PAGE_BITS 46
#define TLB_TAG_PAGE_MASK ((1ull << (TLB_PAGE_BITS + 1)) - 1)
#define TLB_CTX_SHIFT (TLB_PAGE_BITS + 1)
static inline u64 tlb_page(u64 lin)
{
	i64 high = (i64)lin >> 56; /* 0 or -1 when bits 63:56 agree */
	return ((lin >> 12) & ((1ull << 45) - 1)) | ((u64)((u64)(high + 1) > 1) << 45);
}
static inline u64 tlb_tag(const struct cpu *c, u64 lin)
{
	return (tlb_page(lin) + 1) | c->tlb_ctx;
}

/* --- RFLAGS (cpu/exec/flags.c) --- */
u64 cpu_rflags(struct cpu *c);
void cpu_set_rflags(struct cpu *c, u64 v); /* raw: no privilege checks */

/* --- registers of a given size (byte regs 16..19 are AH CH DH BH) --- */
static inline u64 reg_read(const struct cpu *c, unsigned r, unsigned size)
{
	if (size == 1 && r >= 16)
		return (c->gpr[(r - 16) & 3] >> 8) & 0xff;
	return c->gpr[r & 15] & size_mask(size);
}

/* SDM Vol.1 "General-Purpose Registers in 64-Bit Mode": 32-bit results are
 * zero-extended to 64 bits; 8- and 16-bit results leave the rest untouched. */
static inline void reg_write(struct cpu *c, unsigned r, unsigned size, u64 v)
{
	switch (size) {
	case 1:
		if (r >= 16)
			c->gpr[(r - 16) & 3] = (c->gpr[(r - 16) & 3] & ~0xff00ull) | ((v & 0xff) << 8);
		else
			c->gpr[r & 15] = (c->gpr[r & 15] & ~0xffull) | (v & 0xff);
		break;
	case 2: c->gpr[r & 15] = (c->gpr[r & 15] & ~0xffffull) | (v & 0xffff); break;
	case 4: c->gpr[r & 15] = (u32)v; break;
	default: c->gpr[r & 15] = v; break;
	}
}

/* --- facts about the processor, each computed in one place (cpu/cpu.c) --- */
/* MAXPHYADDR: the physical-address width CPUID leaf 0x80000008 reports */
unsigned cpu_maxphyaddr(const struct cpu *c);
/* the guest's time-stamp counter now (RDTSC, IA32_TSC, TSC-deadline timer) */
u64 cpu_tsc(struct cpu *c);
/* IA32_APIC_BASE, which the local APIC holds (BSP flag, global enable) */
u64 cpu_apic_base(struct cpu *c);

/* --- lifecycle (cpu/cpu.c) --- */
/* power-on / RESET state (SDM Vol.3A "Processor State After Reset") */
void cpu_reset(struct cpu *c);
/* INIT: as RESET but keeps x87/SSE, MSRs and caches (SDM "INIT" column) */
void cpu_init_signal(struct cpu *c);

#endif
