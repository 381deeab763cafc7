/* cpu/system/seg.h: protected-mode segment loads, far transfers and the helpers
 * they share with event delivery (cpu/system/seg.c, cpu/exec_seg*.c, cpu/event.c).
 * SDM Vol.3A "Protection", Vol.2 "MOV", "CALL", "JMP", "RET", "IRET".
 *
 * The functions named exec_* below are instruction handlers for forms whose
 * Zydis mnemonic is shared with the core table (MOV/POP/PUSH to or from a
 * segment register; far JMP/CALL/RET). The core handler of that mnemonic
 * calls them when it sees the segment/far form.
 */
#ifndef NESTBOX_CPU_SEG_H
#define NESTBOX_CPU_SEG_H

#include "cpu/cpu.h"
#include "cpu/decode/insn.h"

/* --- handlers for shared mnemonics (the core dispatches to them) --- */
/* MOV Sreg, r/m16 (op[0] is OPK_SREG) */
void exec_mov_to_sreg(struct cpu *c, const struct insn *i);
/* POP DS/ES/SS/FS/GS (op[0] is OPK_SREG) */
void exec_pop_sreg(struct cpu *c, const struct insn *i);
/* JMP ptr16:16/32 (op[0] OPK_PTR) and JMP m16:16/32/64 (op[0] OPK_MEM) */
void exec_jmp_far(struct cpu *c, const struct insn *i);
/* CALL ptr16:16/32 and CALL m16:16/32/64 */
void exec_call_far(struct cpu *c, const struct insn *i);
/* RET far [imm16] (CB / CA iw): op[0], if present, is the immediate */
void exec_ret_far(struct cpu *c, const struct insn *i);

/* --- segment register loads --- */
/* Load DS/ES/FS/GS/SS as MOV/POP/LxS do, in the current mode, with every
 * check of SDM "MOV" Operation. Sets no interrupt shadow (MOV SS and POP SS
 * do that themselves; LSS does not). */
void seg_load(struct cpu *c, unsigned seg, u16 sel);

/* --- descriptor helpers shared by seg.c, exec_seg*.c and event.c --- */
static inline bool sel_null(u16 sel) { return (sel & 0xfffc) == 0; }
static inline unsigned desc_type(u64 d) { return (unsigned)(d >> 40) & 0xf; }
static inline bool desc_s(u64 d) { return (d >> 44) & 1; }
static inline unsigned desc_dpl(u64 d) { return (unsigned)(d >> 45) & 3; }
static inline bool desc_p(u64 d) { return (d >> 47) & 1; }
static inline bool desc_l(u64 d) { return (d >> 53) & 1; }
static inline bool desc_db(u64 d) { return (d >> 54) & 1; }
static inline bool desc_code(u64 d) { return desc_s(d) && (desc_type(d) & SEG_TYPE_CODE); }
static inline bool desc_conforming(u64 d)
{
	return desc_code(d) && (desc_type(d) & SEG_TYPE_EC);
}
/* writable data segment (the only kind SS may hold) */
static inline bool desc_writable_data(u64 d)
{
	return desc_s(d) && (desc_type(d) & (SEG_TYPE_CODE | SEG_TYPE_WR)) == SEG_TYPE_WR;
}
/* gate fields (SDM Vol.3A "Call Gates", "IDT Descriptors") */
static inline u16 gate_sel(u64 d) { return (u16)(d >> 16); }
static inline u32 gate_off32(u64 d) { return (u32)((d & 0xffff) | ((d >> 32) & 0xffff0000)); }
static inline unsigned gate_params(u64 d) { return (unsigned)(d >> 32) & 0x1f; }
static inline unsigned gate_ist(u64 d) { return (unsigned)(d >> 32) & 7; }

/* canonical for the current paging mode (SDM Vol.1 "Canonical Addressing") */
static inline bool seg_canonical(const struct cpu *c, u64 v)
{
	return cpu_canonical(c, v);
}

/* A task switch to the TSS sel (cpu/system/exec_seg.c): the checks on
 * the TSS descriptor, then in VMX non-root operation the VM exit (source:
 * 0 CALL, 1 IRET, 2 JMP, 3 IDT task gate). Returns otherwise: task
 * switching is not implemented, the caller faults. */
void seg_task_switch_target(struct cpu *c, u16 sel, bool iret, u32 ext, unsigned source,
			    unsigned insn_len);

/* true if sel's descriptor lies inside the GDT/LDT limit (no fault) */
bool seg_desc_in_limit(const struct cpu *c, u16 sel);
/* Read sel's descriptor; outside the table raises `vec`((sel & ~3) | ext). */
u64 seg_desc_fetch(struct cpu *c, u16 sel, u8 vec, u32 ext);

/* Commit a new CS (RPL forced to cpl) and, when given, a new SS; then
 * recompute the mode. CPL follows SS.DPL (cpu_update_mode), so SS must be
 * committed for every privilege change. */
void seg_commit_cs(struct cpu *c, u16 sel, u64 desc, unsigned cpl);
void seg_commit_ss(struct cpu *c, u16 sel, u64 desc);
/* IA-32e: SS := null selector with RPL = cpl (SDM "Stack Switching in IA-32e Mode") */
void seg_commit_null_ss(struct cpu *c, u16 sel, unsigned cpl);
/* After a return to an outer level: data segment registers that the new
 * CPL may not use become null (SDM "RET" / "IRET" Operation). */
void seg_null_inaccessible(struct cpu *c);

/* A stack other than the current one, or the current one before its
 * pointer is committed: pushes and pops check the segment limit (raising
 * vec(err)), then access memory; nothing is committed to registers. */
struct stk {
	struct seg_cache ss;
	u64 sp;        /* stack pointer (offset), kept masked to asize */
	u8 asize;      /* stack-address size 2, 4, 8 */
	u8 acc;        /* extra ACC_* (ACC_SUPER for a more-privileged stack) */
	u8 flat;       /* 64-bit mode: no base/limit, canonical check only */
	u8 vec;        /* fault on a limit violation (VEC_SS) */
	u32 err;
};
/* the current SS:RSP in the current mode */
void stk_current(struct cpu *c, struct stk *s, u32 err);
void stk_push(struct cpu *c, struct stk *s, unsigned size, u64 val);
/* the SDM's "IF stack does not have room for n bytes": limit check only */
void stk_room(struct cpu *c, struct stk *s, unsigned n);
u64 stk_pop(struct cpu *c, struct stk *s, unsigned size);
/* write the stack pointer of an asize-byte stack (16-bit keeps RSP[63:16]) */
void seg_set_sp(struct cpu *c, unsigned asize, u64 sp);

/* Read the ring-`dpl` stack from the current TSS (SDM "Stack Switching"):
 * legacy 16/32-bit TSS: SS:ESP; 64-bit TSS: RSP only (*ss = 0).
 * ist != 0 selects IST[ist] of a 64-bit TSS. Limit faults: #TS(TR | ext). */
void seg_tss_stack(struct cpu *c, unsigned dpl, unsigned ist, u32 ext, u16 *ss, u64 *sp);

/* SDM "RET"/"IRET": checks on a popped return CS (null, limit, type, RPL
 * vs CPL and DPL, L+D in IA-32e mode, presence); returns its descriptor */
u64 seg_ret_code_desc(struct cpu *c, u16 sel);

#endif
