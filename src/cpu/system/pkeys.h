/* cpu/system/pkeys.h: protection keys (SDM Vol.3A "Protection Keys"): PKU
 * for user-mode pages (CR4.PKE, the PKRU register, RDPKRU/WRPKRU) and PKS
 * for supervisor-mode pages (CR4.PKS, IA32_PKRS). The page walker
 * (cpu/memory/mmu.c) asks pk_denies(); the registers live in c->msr. */
#ifndef NESTBOX_CPU_PKEYS_H
#define NESTBOX_CPU_PKEYS_H

#include "cpu/cpu.h"

/* Does the protection key `pkey` of a translation forbid this access?
 * user_page: the translation is a user-mode address (U/S = 1 at every
 * level); acc: ACC_* of cpu/memory/mem.h; user: a user-mode access. Only
 * data accesses with 4-level paging (IA32_EFER.LMA = 1) are checked. A
 * true answer also sets the PK bit of the #PF error code. */
bool pk_denies(const struct cpu *c, bool user_page, unsigned pkey, unsigned acc, bool user);

/* the protection-key register changed (WRPKRU, WRMSR IA32_PKRS, XRSTOR):
 * the TLB's cached permissions were computed with the old one */
void pk_changed(struct cpu *c);

#endif
