/* tests/guest/lib/desc.h: GDT/IDT/TSS helpers and exception capture.
 *
 * Exceptions can be expected in three ways:
 *  1. ASM_TRY("label") in an extended asm block, right before the one
 *     instruction expected to fault: on a fault at that instruction the
 *     handler resumes at "label" and exception_vector()/... describe it;
 *     if nothing faulted, exception_vector() is NO_EXCEPTION. Only for
 *     64-bit code; the faulting RIP must be the instruction itself (faults,
 *     not traps).
 *  2. catch_exception(fn, data): runs fn(data) and returns the vector of the
 *     first exception fn raised (anywhere, any CPL), or NO_EXCEPTION. The
 *     handler unwinds straight back to the caller (callee-saved registers,
 *     RSP and RFLAGS restored; SS/DS/ES reloaded with KERNEL_DS).
 *  3. handle_exception_vector(vec, fn): a handler of your own for a vector
 *     (takes priority over 1 and 2); return NULL to remove.
 * Single-CPU: the capture state is global. */
#ifndef GUEST_DESC_H
#define GUEST_DESC_H

#include "types.h"
#include "segs.h"

enum {
	DE_VECTOR = 0, DB_VECTOR = 1, NMI_VECTOR = 2, BP_VECTOR = 3,
	OF_VECTOR = 4, BR_VECTOR = 5, UD_VECTOR = 6, NM_VECTOR = 7,
	DF_VECTOR = 8, TS_VECTOR = 10, NP_VECTOR = 11, SS_VECTOR = 12,
	GP_VECTOR = 13, PF_VECTOR = 14, MF_VECTOR = 16, AC_VECTOR = 17,
	MC_VECTOR = 18, XM_VECTOR = 19, VE_VECTOR = 20, CP_VECTOR = 21,
};
#define NO_EXCEPTION (-1)
/* software interrupt (gate DPL 3) that run_in_user() code uses to come back */
#define USER_RET_VECTOR 0x7f

/* the frame isr.S builds; handlers may change any field before IRET */
struct ex_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

/* what the last captured exception looked like */
struct exception_info {
	int vector;
	u32 error_code;
	u64 cr2;    /* CR2 at the time (only meaningful for #PF) */
	u64 rip;
	u64 cs;
};
extern volatile struct exception_info last_exception;
static inline int exception_vector(void) { return last_exception.vector; }
static inline u32 exception_error_code(void) { return last_exception.error_code; }
static inline u64 exception_cr2(void) { return last_exception.cr2; }
static inline u64 exception_rip(void) { return last_exception.rip; }

#define ASM_TRY(catch)                                             \
	"movl $-1, last_exception(%%rip)\n\t"                      \
	".pushsection .ex_table, \"a\"\n\t"                        \
	".balign 8\n\t"                                            \
	".quad 1111f, " catch "\n\t"                               \
	".popsection\n\t"                                          \
	"1111:"

typedef void (*exception_handler)(struct ex_regs *regs);
exception_handler handle_exception_vector(u8 vec, exception_handler fn);

int catch_exception(void (*fn)(void *), void *data);
/* kvm-unit-tests spelling: true if fn(data) raised exactly vector vec */
static inline bool test_for_exception(unsigned vec, void (*fn)(void *), void *data)
{
	return catch_exception(fn, data) == (int)vec;
}

/* Run fn(arg) at CPL 3 in 64-bit mode (USER_CS/USER_DS, own stack) with the
 * current CR3. Returns NO_EXCEPTION and *ret = fn's value, or the vector of
 * the exception that stopped it (then last_exception describes it). The code
 * and data it touches must be user-accessible (the boot identity map is). */
int run_in_user(u64 (*fn)(u64), u64 arg, u64 *ret);

/* descriptor tables */
struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

struct idt_entry {
	u16 offset0, selector;
	u8 ist, type_attr;
	u16 offset1;
	u32 offset2, reserved;
};

struct tss64 {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];   /* ist[0] = IST1 */
	u64 reserved2;
	u16 reserved3, iomap_base;
} __attribute__((packed));

extern u64 gdt[];
extern struct desc_ptr gdt_desc;
extern struct idt_entry idt[256];
extern struct tss64 tss;

/* gate type 14 (interrupt) or 15 (trap), handler in the 64-bit KERNEL_CS */
void set_idt_entry(int vec, void *addr, int dpl);
void set_idt_gate(int vec, void *addr, u16 sel, int type, int dpl, int ist);
/* back to the isr.S stub for vec (interrupt gate, DPL 0) */
void reset_idt_entry(int vec);
void *idt_stub(int vec);
/* an 8-byte code/data descriptor: access = byte 5 (P DPL S TYPE),
 * flags = high nibble of byte 6 (G D/B L AVL) */
void set_gdt_entry(u16 sel, u32 base, u32 limit, u8 access, u8 flags);

static inline void lgdt(const struct desc_ptr *p) { asm volatile("lgdt %0" : : "m"(*p) : "memory"); }
static inline void sgdt(struct desc_ptr *p) { asm volatile("sgdt %0" : "=m"(*p)); }
static inline void lidt(const struct desc_ptr *p) { asm volatile("lidt %0" : : "m"(*p)); }
static inline void sidt(struct desc_ptr *p) { asm volatile("sidt %0" : "=m"(*p)); }
/* "memory": the descriptor stores before these must not be moved past them */
static inline void ltr(u16 sel) { asm volatile("ltr %0" : : "rm"(sel) : "memory"); }
static inline u16 str(void) { u16 s; asm volatile("str %0" : "=rm"(s)); return s; }
static inline void lldt(u16 sel) { asm volatile("lldt %0" : : "rm"(sel) : "memory"); }
static inline u16 sldt(void) { u16 s; asm volatile("sldt %0" : "=rm"(s)); return s; }

#define read_seg(s) ({ u16 __v; asm volatile("mov %%" #s ", %0" : "=rm"(__v)); __v; })
static inline u16 read_cs(void) { return read_seg(cs); }
static inline u16 read_ds(void) { return read_seg(ds); }
static inline u16 read_es(void) { return read_seg(es); }
static inline u16 read_fs(void) { return read_seg(fs); }
static inline u16 read_gs(void) { return read_seg(gs); }
static inline u16 read_ss(void) { return read_seg(ss); }
static inline void write_ds(u16 v) { asm volatile("mov %0, %%ds" : : "rm"(v)); }
static inline void write_es(u16 v) { asm volatile("mov %0, %%es" : : "rm"(v)); }
static inline void write_fs(u16 v) { asm volatile("mov %0, %%fs" : : "rm"(v)); }
static inline void write_gs(u16 v) { asm volatile("mov %0, %%gs" : : "rm"(v)); }
static inline void write_ss(u16 v) { asm volatile("mov %0, %%ss" : : "rm"(v)); }

/* internal: setup.c */
void desc_setup(void);
void handle_exception(struct ex_regs *regs);

#endif
