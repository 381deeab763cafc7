/* debug/gdb_monitor.c: gdb's "monitor" commands, one table row each.
 *
 * A view of more state (the VMCS of a VMX vCPU, the VMCB of an SVM one,
 * L1/L2 mode) is a new row: name, argument summary, help, handler. The
 * handler gets the vCPU gdb has selected (its thread) and prints with
 * gdb_mon_printf; gdb shows the text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "debug/gdb.h"
#include "machine/machine.h"

struct mon_cmd {
	const char *name, *args, *help;
	void (*fn)(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args);
};

static void mon_help(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args);

/* next whitespace-separated word of *s as a number (C syntax: 0x.. hex) */
static bool next_num(char **s, u64 *v)
{
	char *end;
	while (**s == ' ')
		(*s)++;
	if (!**s)
		return false;
	*v = strtoull(*s, &end, 0);
	if (end == *s)
		return false;
	*s = end;
	return true;
}


/* physical memory, RAM only (a device register read could change it) */
static void mon_xp(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args)
{
	u64 addr, len = 16;
	if (!next_num(&args, &addr)) {
		gdb_mon_printf(o, "usage: xp ADDR [LEN]\n");
		return;
	}
	next_num(&args, &len);
	if (len > 4096)
		len = 4096;
	for (u64 off = 0; off < len; off += 16) {
		gdb_mon_printf(o, "%016llx:", (unsigned long long)(addr + off));
		for (u64 i = off; i < len && i < off + 16; i++) {
			const u8 *p = physmem_ram_ptr(&m->mem, addr + i, 1);
			if (p)
				gdb_mon_printf(o, " %02x", *p);
			else
				gdb_mon_printf(o, " --");
		}
		gdb_mon_printf(o, "\n");
	}
}

static void mon_pwrite(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args)
{
	u64 addr, v;
	unsigned n = 0;
	if (!next_num(&args, &addr)) {
		gdb_mon_printf(o, "usage: pwrite ADDR BYTE [BYTE...]\n");
		return;
	}
	while (next_num(&args, &v)) {
		u8 *p = physmem_ram_ptr(&m->mem, addr + n, 1);
		if (!p || v > 0xff) {
			gdb_mon_printf(o, "stopped at %#llx: not RAM, or not a byte\n",
				       (unsigned long long)(addr + n));
			break;
		}
		*p = (u8)v;
		physmem_note_write(&m->mem, addr + n, 1);
		n++;
	}
	gdb_mon_printf(o, "%u bytes written\n", n);
}

/* the translation of a linear address by the selected vCPU */
static void mon_walk(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args)
{
	u64 lin;
	gpa_t gpa;
	if (!next_num(&args, &lin)) {
		gdb_mon_printf(o, "usage: walk LINEAR\n");
		return;
	}
	for (int user = 0; user < 2; user++) {
		u64 r = mmu_walk(c, lin, ACC_R, user, true, &gpa);
		if (r)
			gdb_mon_printf(o, "%s read of %#llx: #PF error code %#llx\n",
				       user ? "user" : "supervisor", (unsigned long long)lin,
				       (unsigned long long)(r & 0x7fffffff));
		else
			gdb_mon_printf(o, "%s read of %#llx: physical %#llx\n",
				       user ? "user" : "supervisor", (unsigned long long)lin,
				       (unsigned long long)gpa);
	}
}

static void mon_info(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args)
{
	static const char *const segs[] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };
	gdb_mon_printf(o, "cpu%u mode %u cpl %u activity %u icount %llu rip %#llx\n", c->index,
		       c->mode, c->cpl, c->activity, (unsigned long long)c->icount,
		       (unsigned long long)c->rip);
	gdb_mon_printf(o, "cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx xcr0 %#llx\n",
		       (unsigned long long)c->cr0, (unsigned long long)c->cr2,
		       (unsigned long long)c->cr3, (unsigned long long)c->cr4,
		       (unsigned long long)c->efer, (unsigned long long)c->xcr0);
	gdb_mon_printf(o, "gdtr %#llx/%#x idtr %#llx/%#x\n", (unsigned long long)c->gdtr.base,
		       c->gdtr.limit, (unsigned long long)c->idtr.base, c->idtr.limit);
	for (int i = 0; i < 8; i++)
		gdb_mon_printf(o, "%-4s sel %04x base %#llx limit %#x ar %#x\n", segs[i],
			       c->seg[i].sel, (unsigned long long)c->seg[i].base, c->seg[i].limit,
			       c->seg[i].ar);
	gdb_mon_printf(o, "vmx: %s\n", c->vmx.nonroot ? "non-root operation (L2)" :
		       c->vmx.on ? "root operation (L1)" : "off");
}

static void mon_icount(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args)
{
	gdb_mon_printf(o, "virtual time %llu ns, %llu instructions in all\n",
		       (unsigned long long)m->clock.ns, (unsigned long long)machine_icount(m));
	for (int i = 0; i < m->nr_cpus; i++)
		gdb_mon_printf(o, "cpu%d %llu\n", i, (unsigned long long)m->cpus[i]->icount);
}

static const struct mon_cmd mon_cmds[] = {
	{ "help", "", "this list", mon_help },
	{ "info", "", "mode, control registers, descriptor tables, segments, VMX state", mon_info },
	{ "xp", "ADDR [LEN]", "physical memory (RAM) in hex", mon_xp },
	{ "pwrite", "ADDR BYTE...", "write bytes to physical memory (RAM)", mon_pwrite },
	{ "walk", "LINEAR", "translate a linear address (no A/D bits set)", mon_walk },
	{ "icount", "", "instructions retired and virtual time", mon_icount },
};
static const unsigned nr_mon_cmds = ARRAY_SIZE(mon_cmds);

static void mon_help(struct gdb_mon *o, struct machine *m, struct cpu *c, char *args)
{
	for (unsigned i = 0; i < nr_mon_cmds; i++)
		gdb_mon_printf(o, "%-8s %-16s %s\n", mon_cmds[i].name, mon_cmds[i].args,
			       mon_cmds[i].help);
}

void gdb_monitor(struct gdb_mon *o, struct machine *m, struct cpu *c, const char *line)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", line);
	char *args = buf + strcspn(buf, " ");
	if (*args)
		*args++ = 0;
	for (unsigned i = 0; i < nr_mon_cmds; i++) {
		if (!strcmp(buf, mon_cmds[i].name)) {
			mon_cmds[i].fn(o, m, c, args);
			return;
		}
	}
	gdb_mon_printf(o, "unknown monitor command '%s' (monitor help lists them)\n", buf);
}
