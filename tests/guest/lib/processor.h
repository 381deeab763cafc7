/* tests/guest/lib/processor.h: architectural constants (spelled as in the
 * SDM) and inline helpers for CPUID, MSRs, control registers and ports. */
#ifndef GUEST_PROCESSOR_H
#define GUEST_PROCESSOR_H

#include "types.h"

#define X86_CR0_PE BIT(0)
#define X86_CR0_MP BIT(1)
#define X86_CR0_EM BIT(2)
#define X86_CR0_TS BIT(3)
#define X86_CR0_ET BIT(4)
#define X86_CR0_NE BIT(5)
#define X86_CR0_WP BIT(16)
#define X86_CR0_AM BIT(18)
#define X86_CR0_NW BIT(29)
#define X86_CR0_CD BIT(30)
#define X86_CR0_PG BIT(31)

#define X86_CR4_VME        BIT(0)
#define X86_CR4_PVI        BIT(1)
#define X86_CR4_TSD        BIT(2)
#define X86_CR4_DE         BIT(3)
#define X86_CR4_PSE        BIT(4)
#define X86_CR4_PAE        BIT(5)
#define X86_CR4_MCE        BIT(6)
#define X86_CR4_PGE        BIT(7)
#define X86_CR4_PCE        BIT(8)
#define X86_CR4_OSFXSR     BIT(9)
#define X86_CR4_OSXMMEXCPT BIT(10)
#define X86_CR4_UMIP       BIT(11)
#define X86_CR4_LA57       BIT(12)
#define X86_CR4_VMXE       BIT(13)
#define X86_CR4_FSGSBASE   BIT(16)
#define X86_CR4_PCIDE      BIT(17)
#define X86_CR4_OSXSAVE    BIT(18)
#define X86_CR4_SMEP       BIT(20)
#define X86_CR4_SMAP       BIT(21)
#define X86_CR4_PKE        BIT(22)

#define X86_EFLAGS_CF  BIT(0)
#define X86_EFLAGS_FIXED BIT(1)
#define X86_EFLAGS_PF  BIT(2)
#define X86_EFLAGS_AF  BIT(4)
#define X86_EFLAGS_ZF  BIT(6)
#define X86_EFLAGS_SF  BIT(7)
#define X86_EFLAGS_TF  BIT(8)
#define X86_EFLAGS_IF  BIT(9)
#define X86_EFLAGS_DF  BIT(10)
#define X86_EFLAGS_OF  BIT(11)
#define X86_EFLAGS_IOPL (3ull << 12)
#define X86_EFLAGS_NT  BIT(14)
#define X86_EFLAGS_RF  BIT(16)
#define X86_EFLAGS_VM  BIT(17)
#define X86_EFLAGS_AC  BIT(18)
#define X86_EFLAGS_ID  BIT(21)

#define MSR_IA32_TSC            0x00000010
#define MSR_IA32_APICBASE       0x0000001b
#define MSR_IA32_FEATURE_CONTROL 0x0000003a
#define MSR_IA32_SYSENTER_CS    0x00000174
#define MSR_IA32_SYSENTER_ESP   0x00000175
#define MSR_IA32_SYSENTER_EIP   0x00000176
#define MSR_IA32_DEBUGCTL       0x000001d9
#define MSR_IA32_CR_PAT         0x00000277
#define MSR_IA32_TSC_DEADLINE   0x000006e0
#define MSR_EFER                0xc0000080
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_TSC_AUX             0xc0000103

#define EFER_SCE  BIT(0)
#define EFER_LME  BIT(8)
#define EFER_LMA  BIT(10)
#define EFER_NXE  BIT(11)
#define EFER_SVME BIT(12)

struct cpuid { u32 a, b, c, d; };

static inline struct cpuid cpuid_indexed(u32 leaf, u32 sub)
{
	struct cpuid r;
	asm volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
	return r;
}
static inline struct cpuid cpuid(u32 leaf) { return cpuid_indexed(leaf, 0); }

/* CPUID feature bits: (leaf, subleaf, register index a=0..d=3, bit) */
#define X86_FEATURE(leaf, sub, reg, bit) \
	((u64)(leaf) << 32 | (u64)(sub) << 16 | (reg) << 8 | (bit))
#define X86_FEATURE_PSE     X86_FEATURE(1, 0, 3, 3)
#define X86_FEATURE_TSC     X86_FEATURE(1, 0, 3, 4)
#define X86_FEATURE_MSR     X86_FEATURE(1, 0, 3, 5)
#define X86_FEATURE_PAE     X86_FEATURE(1, 0, 3, 6)
#define X86_FEATURE_APIC    X86_FEATURE(1, 0, 3, 9)
#define X86_FEATURE_PGE     X86_FEATURE(1, 0, 3, 13)
#define X86_FEATURE_PAT     X86_FEATURE(1, 0, 3, 16)
#define X86_FEATURE_CLFLUSH X86_FEATURE(1, 0, 3, 19)
#define X86_FEATURE_FXSR    X86_FEATURE(1, 0, 3, 24)
#define X86_FEATURE_SSE     X86_FEATURE(1, 0, 3, 25)
#define X86_FEATURE_SSE2    X86_FEATURE(1, 0, 3, 26)
#define X86_FEATURE_VMX     X86_FEATURE(1, 0, 2, 5)
#define X86_FEATURE_PCID    X86_FEATURE(1, 0, 2, 17)
#define X86_FEATURE_X2APIC  X86_FEATURE(1, 0, 2, 21)
#define X86_FEATURE_TSC_DEADLINE X86_FEATURE(1, 0, 2, 24)
#define X86_FEATURE_XSAVE   X86_FEATURE(1, 0, 2, 26)
#define X86_FEATURE_HYPERVISOR X86_FEATURE(1, 0, 2, 31)
#define X86_FEATURE_FSGSBASE X86_FEATURE(7, 0, 1, 0)
#define X86_FEATURE_SMEP    X86_FEATURE(7, 0, 1, 7)
#define X86_FEATURE_INVPCID X86_FEATURE(7, 0, 1, 10)
#define X86_FEATURE_SMAP    X86_FEATURE(7, 0, 1, 20)
#define X86_FEATURE_UMIP    X86_FEATURE(7, 0, 2, 2)
#define X86_FEATURE_PKU     X86_FEATURE(7, 0, 2, 3)
#define X86_FEATURE_LA57    X86_FEATURE(7, 0, 2, 16)
#define X86_FEATURE_RDPID   X86_FEATURE(7, 0, 2, 22)
#define X86_FEATURE_SVM     X86_FEATURE(0x80000001, 0, 2, 2)
#define X86_FEATURE_SYSCALL X86_FEATURE(0x80000001, 0, 3, 11)
#define X86_FEATURE_NX      X86_FEATURE(0x80000001, 0, 3, 20)
#define X86_FEATURE_GBPAGES X86_FEATURE(0x80000001, 0, 3, 26)
#define X86_FEATURE_RDTSCP  X86_FEATURE(0x80000001, 0, 3, 27)
#define X86_FEATURE_LM      X86_FEATURE(0x80000001, 0, 3, 29)

static inline bool this_cpu_has(u64 feature)
{
	u32 leaf = feature >> 32, sub = (feature >> 16) & 0xffff;
	u32 reg = (feature >> 8) & 3, bit = feature & 31;
	if (cpuid(leaf & 0x80000000).a < leaf)
		return false;
	struct cpuid r = cpuid_indexed(leaf, sub);
	u32 v = reg == 0 ? r.a : reg == 1 ? r.b : reg == 2 ? r.c : r.d;
	return (v >> bit) & 1;
}

/* MAXPHYADDR (CPUID 80000008H EAX[7:0], else 36) */
static inline int cpuid_maxphyaddr(void)
{
	if (cpuid(0x80000000).a < 0x80000008)
		return 36;
	return cpuid(0x80000008).a & 0xff;
}

static inline u64 rdmsr(u32 index)
{
	u32 a, d;
	asm volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(index) : "memory");
	return a | ((u64)d << 32);
}
static inline void wrmsr(u32 index, u64 val)
{
	asm volatile("wrmsr" : : "a"((u32)val), "d"((u32)(val >> 32)), "c"(index) : "memory");
}
/* return NO_EXCEPTION (-1) or the vector RDMSR/WRMSR raised */
int rdmsr_safe(u32 index, u64 *val);
int wrmsr_safe(u32 index, u64 val);

#define DEFINE_CR(n)                                                              \
	static inline u64 read_cr##n(void)                                        \
	{                                                                         \
		u64 v;                                                            \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v) : : "memory");       \
		return v;                                                         \
	}                                                                         \
	static inline void write_cr##n(u64 v)                                     \
	{                                                                         \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");           \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
DEFINE_CR(8)
#undef DEFINE_CR
/* return NO_EXCEPTION or the vector MOV to CRn raised */
int write_cr0_safe(u64 v);
int write_cr3_safe(u64 v);
int write_cr4_safe(u64 v);

static inline u64 read_dr6(void) { u64 v; asm volatile("mov %%dr6, %0" : "=r"(v)); return v; }
static inline u64 read_dr7(void) { u64 v; asm volatile("mov %%dr7, %0" : "=r"(v)); return v; }
static inline void write_dr6(u64 v) { asm volatile("mov %0, %%dr6" : : "r"(v)); }
static inline void write_dr7(u64 v) { asm volatile("mov %0, %%dr7" : : "r"(v)); }
static inline void write_dr0(u64 v) { asm volatile("mov %0, %%dr0" : : "r"(v)); }

static inline u64 read_rflags(void)
{
	u64 f;
	asm volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}
static inline void write_rflags(u64 f)
{
	asm volatile("pushq %0; popfq" : : "rm"(f) : "memory", "cc");
}

static inline u64 rdtsc(void)
{
	u32 a, d;
	asm volatile("rdtsc" : "=a"(a), "=d"(d));
	return a | ((u64)d << 32);
}
static inline u64 rdtscp(u32 *aux)
{
	u32 a, d, c;
	asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
	if (aux)
		*aux = c;
	return a | ((u64)d << 32);
}

static inline void outb(u8 v, u16 port) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 v, u16 port) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u32 v, u16 port) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void irq_enable(void) { asm volatile("sti" : : : "memory"); }
static inline void irq_disable(void) { asm volatile("cli" : : : "memory"); }
static inline void safe_halt(void) { asm volatile("sti; hlt" : : : "memory"); }
static inline void cpu_relax(void) { asm volatile("pause" : : : "memory"); }
static inline void barrier(void) { asm volatile("" : : : "memory"); }
static inline void invlpg(const volatile void *va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline void stac(void) { asm volatile(".byte 0x0f, 0x01, 0xcb" : : : "memory"); }
static inline void clac(void) { asm volatile(".byte 0x0f, 0x01, 0xca" : : : "memory"); }

#endif
