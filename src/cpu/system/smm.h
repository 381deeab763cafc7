/* cpu/system/smm.h: system-management mode (SDM Vol.3C "System Management Mode";
 * APM Vol.2 "System-Management Mode"): SMI delivery at an instruction
 * boundary, the SMRAM state-save area, RSM (cpu/system/exec_sys_smm.c) and SMBASE
 * relocation.
 *
 * SMRAM is ordinary guest RAM in nestbox: there is no SMRAM range that only
 * SMM can see (no chipset SMRAM control, no TSEG), so the state-save area
 * and the handler at SMBASE + 0x8000 are plain physical memory that code
 * outside SMM can read and write. Where the SDM leaves a choice, nestbox
 * does what QEMU 7.2 TCG does (the AMD64 state-save map on models with long
 * mode, SMBASE relocation to any alignment, INIT leaves SMM); the IDTR is
 * left invalid (base 0, limit 0) on entry, as KVM does. */
#ifndef NESTBOX_CPU_SMM_H
#define NESTBOX_CPU_SMM_H

#include "base/bits.h"
#include "base/types.h"

struct cpu;

/* SDM Vol.3C "SMRAM": "The default value for SMBASE is 30000H" */
#define SMBASE_DEFAULT   0x30000u
#define SMM_ENTRY_IP     0x8000u   /* "EIP 00008000H" */
#define SMM_SAVE_OFFSET  0xfe00u   /* save area: SMBASE + 0xfe00 .. + 0xffff */
#define SMM_SAVE_SIZE    0x200u

/* SMM revision identifier: bits 15:0 the map's revision, bit 16 I/O
 * instruction restart, bit 17 SMBASE relocation (SDM "SMM Revision
 * Identifier"); the values QEMU stores */
#define SMM_REV_IO_RESTART BIT(16)
#define SMM_REV_SMBASE_RELOC BIT(17)
#define SMM_REV_64         0x00020064u /* AMD64 map */
#define SMM_REV_32         0x00020000u /* 32-bit map */

/* Per-CPU SMM state (one member `smm` of struct cpu). Zero is the
 * power-up state: not in SMM, SMBASE = SMBASE_DEFAULT. */
struct smm_state {
	u8 in_smm;
	/* state at the SMI that the save map does not hold, put back by RSM */
	u8 nmi_blocked;     /* NMI blocking before the SMI */
	u8 shadow;          /* STI / MOV SS shadow (SHADOW_*) */
	u8 pending_db;      /* a trap-class #DB due after the interrupted insn */
	u8 from_hlt;        /* the SMI interrupted the HLT state */
	u64 pending_dr6;
	u32 smbase_delta;   /* SMBASE - SMBASE_DEFAULT (so zero = power-up) */
	u64 smi_count;      /* SMIs taken (MSR_SMI_COUNT) */
};

/* the current SMBASE */
u32 smm_smbase(const struct cpu *c);
void smm_set_smbase(struct cpu *c, u32 smbase);
/* true if SMM uses the AMD64 state-save map (the model has long mode) */
bool smm_map64(const struct cpu *c);

/* RESET: leave SMM, SMBASE back to SMBASE_DEFAULT, count cleared.
 * INIT: leave SMM, SMBASE kept (QEMU's INIT leaves SMM too). */
void smm_reset(struct cpu *c);
void smm_init_signal(struct cpu *c);

/* Can a pending SMI be taken at this boundary? Not in SMM (SDM "SMI
 * Handler Execution Environment": SMIs are latched while in SMM), not in
 * shutdown or wait-for-SIPI. */
bool smm_smi_ready(const struct cpu *c);

/* Enter SMM (SDM "Entering SMM"): save the state to SMRAM, load the SMM
 * execution environment. Called at an instruction boundary with
 * c->smi_pending set; clears it. Never faults. */
void smm_enter(struct cpu *c);

#endif
