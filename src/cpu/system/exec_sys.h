/* cpu/system/exec_sys.h: helpers shared by the system-instruction executors
 * (cpu/exec_sys*.c). Private to those files and to the snapshot check
 * (cpu/cpu_snap.c), which applies the same rules to a loaded state. */
#ifndef NESTBOX_CPU_EXEC_SYS_H
#define NESTBOX_CPU_EXEC_SYS_H

#include "cpu/cpu.h"
#include "cpu/fault.h"
#include "cpu/decode/insn.h"
#include "cpu/model.h"

static inline bool sys_has(const struct cpu *c, enum cpu_feature f)
{
	return c->model && cpu_has(c->model, f);
}

/* #UD unless the model advertises f */
static inline void sys_need(struct cpu *c, enum cpu_feature f)
{
	if (!sys_has(c, f))
		cpu_ud(c);
}

/* "IF CPL > 0 THEN #GP(0)" (virtual-8086 mode runs at CPL 3) */
static inline void sys_need_cpl0(struct cpu *c)
{
	if (c->cpl != 0)
		cpu_gp0(c);
}

/* Write CR0 / CR4 with every consistency check of SDM "MOV—Move to/from
 * Control Registers"; #GP(0) (no state change) on a violation. Shared by
 * MOV CR, CLTS and LMSW (cpu/system/exec_sys_cr.c). */
void sys_write_cr0(struct cpu *c, u64 val);
void sys_write_cr4(struct cpu *c, u64 val);

/* The rules those writes (and XSETBV) apply, for whoever else needs them:
 * CR4 bits the model makes writable (the rest are reserved: #GP) */
u64 sys_cr4_valid(const struct cpu *c);
/* physical-address bits at and above MAXPHYADDR: reserved in CR3 (IA-32e
 * mode) and in PDPTEs */
u64 sys_phys_reserved(const struct cpu *c);
/* an XCR0 value XSETBV accepts */
bool sys_xcr0_valid(const struct cpu *c, u64 val);

/* linear address of seg:off for instructions that take an address without
 * a segment-limit check (INVLPG, INVPCID type 0): 64-bit mode ignores the
 * bases of CS/DS/ES/SS */
static inline u64 sys_linear(const struct cpu *c, unsigned seg, u64 off)
{
	if (c->mode == MODE_LONG64)
		return (seg == SEG_FS || seg == SEG_GS) ? c->seg[seg].base + off : off;
	return (c->seg[seg].base + off) & 0xffffffffull;
}

#endif
