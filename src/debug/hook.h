/* debug/hook.h: the step loop's one debugging hook (-d exec, the gdb stub).
 *
 * While debug_insn_hook is non-zero the step loop (cpu/step.c) runs one
 * instruction at a time and calls debug_before_insn() before each: the
 * same path RFLAGS.TF and DR7 breakpoints take, so the guest runs exactly
 * as it would without it. When it is zero (no -d exec, no gdb breakpoint,
 * watchpoint or single step) the cost is one load per decoded block. */
#ifndef NESTBOX_DEBUG_HOOK_H
#define NESTBOX_DEBUG_HOOK_H

#include "base/compiler.h"
#include "base/types.h"

struct cpu;

#define DEBUG_HOOK_EXEC BIT(0) /* -d exec */
#define DEBUG_HOOK_GDB  BIT(1) /* gdb breakpoints, watchpoints or a step */

extern u32 debug_insn_hook;

/* before each instruction while debug_insn_hook is set: logs it (-d exec)
 * and lets the gdb stub stop there; may change the vCPU's registers and
 * memory (the step loop looks up the instruction afterwards). Returns true
 * when the instruction must not run: gdb asked to go back in time, the
 * vCPU was stopped (cpu_stop) and the machine pauses for the rewind. */
bool debug_before_insn(struct cpu *c);

/* gdb's read and access watchpoints (rwatch, awatch: debug/gdb.c). While
 * any is set (debug_watch_on != 0), a TLB entry of a page they cover gets no
 * host pointer (debug_watch_tag decides, cpu/memory/mmu.c asks), so every
 * data access to that page takes the memory layer's slow path, which
 * reports it through debug_watch_access (cpu/memory/mem.c). The host
 * pointer is derived state: the guest sees no difference. */
extern u32 debug_watch_on;
bool debug_watch_tag(const struct cpu *c, u64 tag);
void debug_watch_access(struct cpu *c, u64 lin, unsigned size, bool write);

/* -d cpu: the vCPU's mode changed from old_mode (cpu_update_mode) */
void debug_log_mode(const struct cpu *c, unsigned old_mode);
/* -d mmu: a page walk for lin failed with pfec; the paging-structure
 * entries it read are at entry_gpa[0..n) (top level first) */
void debug_log_walk(struct cpu *c, u64 lin, u32 pfec, const u64 *entry_gpa, int n);

/* Copy len bytes at linear address lin through c's current translation
 * (no fault, no accessed/dirty bit, no device access: RAM only).
 * Returns the number of bytes copied (less than len where it stops). */
u64 debug_read_linear(struct cpu *c, u64 lin, void *buf, u64 len);
/* the same for a write (decoded code on those pages is invalidated) */
u64 debug_write_linear(struct cpu *c, u64 lin, const void *buf, u64 len);

#endif
