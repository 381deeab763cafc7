/* debug/trace.c: the -d categories that look at the CPU (exec, cpu, mmu)
 * and debugger access to guest memory through a vCPU's translation.
 *
 * Sample lines (README.md "Diagnostics"):
 *   [exec] cpu0 0x100010: mov eax, cr0
 *   [cpu] cpu0 mode protected32 -> long64 at rip 0x10004a cpl 0 cr0 0x80000011 ...
 *   [mmu] cpu0 #PF lin 0x40000000 err 0x2 (not present, write, supervisor): ...
 */
#include "debug/hook.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cpu/cpu.h"
#include "cpu/decode/decode.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "debug/gdb.h"
#include "machine/machine.h"

u32 debug_insn_hook;

static const char *const mode_names[] = {
	[MODE_REAL] = "real", [MODE_VM86] = "vm86", [MODE_PROT16] = "protected16",
	[MODE_PROT32] = "protected32", [MODE_COMPAT16] = "compat16",
	[MODE_COMPAT32] = "compat32", [MODE_LONG64] = "long64",
};

static const char *mode_name(unsigned m)
{
	return m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

/* the physical address of linear lin for a debugger, or -1: a supervisor
 * read walk, then a user one (SMAP may refuse the first), no A/D bits */
static i64 debug_translate(struct cpu *c, u64 lin)
{
	gpa_t gpa;
	if (!(c->efer & EFER_LMA))
		lin &= 0xffffffffull;
	if (!mmu_walk(c, lin, ACC_R, false, true, &gpa) ||
	    !mmu_walk(c, lin, ACC_R, true, true, &gpa))
		return (i64)gpa;
	return -1;
}

static u64 debug_copy(struct cpu *c, u64 lin, u8 *buf, u64 len, bool write)
{
	struct physmem *pm = &c->machine->mem;
	u64 done = 0;
	while (done < len) {
		u64 a = lin + done;
		u64 n = 0x1000 - (a & 0xfff);
		if (n > len - done)
			n = len - done;
		i64 gpa = debug_translate(c, a);
		u8 *p = gpa < 0 ? NULL : physmem_ram_ptr(pm, (gpa_t)gpa, n);
		if (!p)
			break;
		if (write) {
			memcpy(p, buf + done, n);
			physmem_note_write(pm, (gpa_t)gpa, n);
		} else {
			memcpy(buf + done, p, n);
		}
		done += n;
	}
	return done;
}

u64 debug_read_linear(struct cpu *c, u64 lin, void *buf, u64 len)
{
	return debug_copy(c, lin, buf, len, false);
}

u64 debug_write_linear(struct cpu *c, u64 lin, const void *buf, u64 len)
{
	return debug_copy(c, lin, (u8 *)buf, len, true);
}

/* -d exec: "[exec] cpu0 0x100010: mov eax, cr0" (RIP; CS base added
 * outside 64-bit mode when it is not 0) */
static void log_exec(struct cpu *c)
{
	u8 bytes[15];
	char text[96];
	u64 lin = c->seg[SEG_CS].base + c->rip;
	u64 n = debug_read_linear(c, c->mode == MODE_LONG64 ? c->rip : lin, bytes, sizeof(bytes));
	if (n)
		decode_disasm(c->mode, c->rip, bytes, (unsigned)n, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "(no RAM at this address)");
	if (c->mode != MODE_LONG64 && c->seg[SEG_CS].base)
		log_write(LOG_exec, "cpu%u %04x:%#llx (linear %#llx): %s", c->index,
			  c->seg[SEG_CS].sel, (unsigned long long)c->rip,
			  (unsigned long long)(lin & 0xffffffffull), text);
	else
		log_write(LOG_exec, "cpu%u %#llx: %s", c->index, (unsigned long long)c->rip, text);
}

bool debug_before_insn(struct cpu *c)
{
	if (LOG_ON(exec))
		log_exec(c);
	return (debug_insn_hook & DEBUG_HOOK_GDB) && gdb_before_insn(c);
}

void debug_log_mode(const struct cpu *c, unsigned old_mode)
{
	log_write(LOG_cpu, "cpu%u mode %s -> %s at rip %#llx cpl %u cr0 %#llx cr3 %#llx "
		  "cr4 %#llx efer %#llx cs %04x ss %04x rflags %#llx", c->index,
		  mode_name(old_mode), mode_name(c->mode), (unsigned long long)c->rip, c->cpl,
		  (unsigned long long)c->cr0, (unsigned long long)c->cr3,
		  (unsigned long long)c->cr4, (unsigned long long)c->efer,
		  c->seg[SEG_CS].sel, c->seg[SEG_SS].sel, (unsigned long long)c->rflags);
}

void debug_log_walk(struct cpu *c, u64 lin, u32 pfec, const u64 *entry_gpa, int n)
{
	/* SDM "Page-Fault Exceptions": error code bits P, W/R, U/S, RSVD, I/D */
	/* the entries the walk read, top level first (PAE's PDPTE is not one) */
	static const char *const names5[] = { "PML5E", "PML4E", "PDPTE", "PDE", "PTE" };
	bool pae = (c->cr4 & CR4_PAE) != 0, lma = (c->efer & EFER_LMA) != 0;
	bool la57 = lma && (c->cr4 & CR4_LA57);
	const char *const *names = names5 + (la57 ? 0 : lma ? 1 : 3);
	int max = la57 ? 5 : lma ? 4 : 2;
	char walk[400];
	int len = 0;

	walk[0] = 0;
	for (int i = 0; i < n && i < max; i++) {
		u64 e = phys_read(&c->machine->mem, entry_gpa[i], pae ? 8 : 4);
		len += snprintf(walk + len, sizeof(walk) - (size_t)len, " %s@%#llx=%#llx", names[i],
				(unsigned long long)entry_gpa[i], (unsigned long long)e);
		if (len >= (int)sizeof(walk))
			break;
	}
	log_write(LOG_mmu, "cpu%u #PF lin %#llx err %#x (%s, %s, %s%s%s) rip %#llx cr3 %#llx "
		  "%s paging:%s", c->index, (unsigned long long)lin, pfec,
		  (pfec & PFEC_P) ? "protection" : "not present", (pfec & PFEC_W) ? "write" : "read",
		  (pfec & PFEC_U) ? "user" : "supervisor", (pfec & PFEC_RSVD) ? ", reserved bit" : "",
		  (pfec & PFEC_I) ? ", fetch" : "", (unsigned long long)c->rip,
		  (unsigned long long)c->cr3, la57 ? "5-level" : lma ? "4-level" : pae ? "PAE" : "32-bit",
		  walk[0] ? walk : (pae && !lma ? " PDPTE not present or reserved" : " (none)"));
}
