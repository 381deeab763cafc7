/* cpu/system/pkeys.c: protection keys (SDM Vol.3A "Protection Keys";
 * "Page-Fault Exceptions" for the PK bit; Vol.2 "RDPKRU", "WRPKRU"). */
#include "cpu/system/pkeys.h"

#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "cpu/system/exec_sys.h"

/* SDM "Protection Keys": with 4-level (or 5-level) paging, a user-mode
 * address's key i selects ADi = PKRU[2i] and WDi = PKRU[2i+1] (CR4.PKE = 1);
 * a supervisor-mode address's key, the same bits of IA32_PKRS (CR4.PKS = 1).
 * ADi = 1 forbids every data access; WDi = 1 forbids user-mode writes, and
 * supervisor-mode writes when CR0.WP = 1. Instruction fetches are not
 * checked. */
bool pk_denies(const struct cpu *c, bool user_page, unsigned pkey, unsigned acc, bool user)
{
	u64 keys;

	if ((acc & ACC_X) || !(c->efer & EFER_LMA))
		return false;
	if (user_page) {
		if (!(c->cr4 & CR4_PKE))
			return false;
		keys = c->msr.pkru;
	} else {
		if (!(c->cr4 & CR4_PKS) || user)
			return false; /* a user access to it faults anyway, without PK */
		keys = c->msr.pkrs;
	}
	if ((keys >> (2 * pkey)) & 1)
		return true;
	return (acc & ACC_W) && ((keys >> (2 * pkey + 1)) & 1) && (user || (c->cr0 & CR0_WP));
}

void pk_changed(struct cpu *c)
{
	tlb_flush_all(c);
}

/* RDPKRU: "#UD If CR4.PKE = 0"; "#GP(0) If ECX != 0"; EAX = PKRU, EDX = 0 */
void exec_rdpkru(struct cpu *c, const struct insn *i)
{
	if (!(c->cr4 & CR4_PKE))
		cpu_ud(c);
	if ((u32)c->gpr[RCX] != 0)
		cpu_gp0(c);
	c->gpr[RAX] = c->msr.pkru;
	c->gpr[RDX] = 0;
}

/* WRPKRU: "#UD If CR4.PKE = 0"; "#GP(0) If ECX != 0 or EDX != 0";
 * PKRU = EAX. Not privileged. */
void exec_wrpkru(struct cpu *c, const struct insn *i)
{
	if (!(c->cr4 & CR4_PKE))
		cpu_ud(c);
	if ((u32)c->gpr[RCX] != 0 || (u32)c->gpr[RDX] != 0)
		cpu_gp0(c);
	c->msr.pkru = (u32)c->gpr[RAX];
	pk_changed(c);
}
