/* debug/gdb.c: the gdb remote serial protocol stub (see gdb.h).
 *
 * Protocol facts (GDB manual, "Remote Protocol"): packets are
 * $data#checksum (two hex digits, the sum of the data bytes mod 256),
 * acknowledged with '+'; a lone 0x03 byte is an interrupt request; a stop
 * is reported with T<signal>[key:value;]... (thread:, swbreak:, hwbreak:,
 * watch:); an unsupported packet gets the empty reply. Registers come in
 * target byte order (little-endian), in the order of the target
 * description, which debug/gdb_regs.def generates. */
#include "debug/gdb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "cpu/cpu.h"
#include "cpu/memory/mmu.h"
#include "cpu/step.h"
#include "debug/hook.h"
#include "debug/reverse.h"
#include "machine/machine.h"

#define PKT_MAX 16384
#define MAX_BP  64
#define MAX_WP  4
#define SIGTRAP 5
#define SIGINT_ 2

enum reg_feature { CORE, SSE, SEGS, SYS };
enum reg_kind { GPR, RIP, RFLAGS, SEL, BASE, LIMIT, AR, ST, FPU, XMM, MXCSR, KGSBASE, CR,
		EFER, DR, DTBASE, DTLIMIT };

static const struct reg_desc {
	const char *name, *type;
	u16 bits;
	u8 feature, kind, arg;
} regs[] = {
#define R(n, b, t, f, k, a) { #n, #t, b, f, k, a },
#include "debug/gdb_regs.def"
#undef R
};

static const char *const feature_names[] = {
	[CORE] = "org.gnu.gdb.i386.core", [SSE] = "org.gnu.gdb.i386.sse",
	[SEGS] = "org.gnu.gdb.i386.segments", [SYS] = "org.nestbox.x86.system",
};

struct bp {
	u64 addr;
	u8 type; /* Z0 software, Z1 hardware */
};

struct wp {
	u64 addr;
	u32 len;
	u8 type;   /* 2 write (a change of the watched bytes), 3 read, 4 access */
	u8 old[8];
};

static struct gdb {
	struct machine *m;
	int lfd, fd;           /* listening socket, connection (-1: none) */
	int g_cpu;             /* Hg: the thread registers and memory refer to */
	int step_cpu;          /* a single step is pending on this vCPU (-1: none) */
	bool step_skip;        /* ... its next instruction runs before the stop */
	bool in_session;
	bool rev_req, rev_step; /* a rewind is asked for ... */
	u64 rev_from;           /* ... from this instruction count */
	int acc_hit;            /* a read/access watchpoint matched in the
	                         * instruction running (its index; -1: none):
	                         * the stop comes after it, as a data breakpoint's */
	bool scanning, scan_found;
	u64 scan_hit;
	char scan_why[64];
	struct bp bp[MAX_BP];
	int nbp;
	struct wp wp[MAX_WP];
	int nwp;
	char in[PKT_MAX + 4];
	char out[PKT_MAX + 4];
	u8 rbuf[4096];
	int rpos, rlen;
} g = { .lfd = -1, .fd = -1, .step_cpu = -1, .acc_hit = -1 };

u32 debug_watch_on;

/* --- connection and packets --- */

static void watch_changed(void);

static void update_hook(void)
{
	if ((g.fd >= 0 || g.scanning) && (g.nbp || g.nwp || g.step_cpu >= 0))
		debug_insn_hook |= DEBUG_HOOK_GDB;
	else
		debug_insn_hook &= ~(u32)DEBUG_HOOK_GDB;
}

static void disconnect(void)
{
	if (g.fd >= 0)
		close(g.fd);
	g.fd = -1;
	g.nbp = g.nwp = 0;
	g.step_cpu = -1;
	g.rpos = g.rlen = 0;
	g.acc_hit = -1;
	watch_changed();
	update_hook();
}

/* next byte from gdb, or -1 when the connection is gone */
static int get_byte(void)
{
	if (g.rpos == g.rlen) {
		ssize_t n;
		do
			n = recv(g.fd, g.rbuf, sizeof(g.rbuf), 0);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return -1;
		g.rpos = 0;
		g.rlen = (int)n;
	}
	return g.rbuf[g.rpos++];
}

static void send_all(const void *p, size_t n)
{
	const char *s = p;
	while (n && g.fd >= 0) {
		ssize_t w = send(g.fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			disconnect();
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static const char hexd[] = "0123456789abcdef";

static void put_packet(const char *data)
{
	size_t n = strlen(data);
	u8 sum = 0;
	char tail[4];
	for (size_t i = 0; i < n; i++)
		sum = (u8)(sum + (u8)data[i]);
	send_all("$", 1);
	send_all(data, n);
	snprintf(tail, sizeof(tail), "#%c%c", hexd[sum >> 4], hexd[sum & 15]);
	send_all(tail, 3);
	/* the '+' gdb sends back is skipped by get_packet */
}

/* Read one packet into g.in (NUL-terminated). Returns its length, -1 when
 * the connection is gone, -2 for an interrupt byte (0x03). */
static int get_packet(void)
{
	for (;;) {
		int ch = get_byte();
		if (ch < 0)
			return -1;
		if (ch == 0x03)
			return -2;
		if (ch != '$')
			continue; /* '+', '-' and noise between packets */
		int n = 0;
		u8 sum = 0;
		while ((ch = get_byte()) >= 0 && ch != '#') {
			if (n < PKT_MAX)
				g.in[n++] = (char)ch;
			sum = (u8)(sum + ch);
		}
		int h = get_byte(), l = get_byte();
		if (ch < 0 || h < 0 || l < 0)
			return -1;
		g.in[n] = 0;
		const char *ph = strchr(hexd, h | 0x20), *pl = strchr(hexd, l | 0x20);
		if (!ph || !pl || (u8)(((ph - hexd) << 4) | (pl - hexd)) != sum) {
			send_all("-", 1);
			continue;
		}
		send_all("+", 1);
		return n;
	}
}

/* --- hex helpers --- */

static int hexval(char ch)
{
	const char *p = ch ? strchr(hexd, ch | 0x20) : NULL;
	return p ? (int)(p - hexd) : -1;
}

static u64 parse_hex(const char **s)
{
	u64 v = 0;
	int d;
	while ((d = hexval(**s)) >= 0) {
		v = (v << 4) | (u64)d;
		(*s)++;
	}
	return v;
}

static char *put_hex_bytes(char *o, const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*o++ = hexd[p[i] >> 4];
		*o++ = hexd[p[i] & 15];
	}
	*o = 0;
	return o;
}

static size_t get_hex_bytes(const char *s, u8 *p, size_t max)
{
	size_t n = 0;
	while (n < max && hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
		p[n++] = (u8)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 2;
	}
	return n;
}

/* --- registers --- */

static struct cpu *cpu_of(int i)
{
	return g.m->cpus[i >= 0 && i < g.m->nr_cpus ? i : 0];
}

/* the register's value, little-endian, in buf (bits/8 bytes) */
static void reg_get(struct cpu *c, const struct reg_desc *r, u8 *buf)
{
	u64 v = 0;
	memset(buf, 0, 16);
	switch (r->kind) {
	case GPR: v = c->gpr[r->arg]; break;
	case RIP: v = c->rip; break;
	case RFLAGS: v = cpu_rflags(c); break;
	case SEL: v = c->seg[r->arg].sel; break;
	case BASE: v = c->seg[r->arg].base; break;
	case LIMIT: v = c->seg[r->arg].limit; break;
	case AR: v = c->seg[r->arg].ar; break;
	case ST: {
		/* ST(i) is physical register (TOP + i) mod 8 (SDM Vol.1 "x87 FPU
		 * Data Registers") */
		unsigned top = (c->fpu.fsw & FSW_TOP) >> FSW_TOP_SHIFT;
		const struct f80 *f = &c->fpu.st[(top + r->arg) & 7];
		memcpy(buf, &f->mant, 8);
		memcpy(buf + 8, &f->se, 2);
		return;
	}
	case FPU: {
		const struct fpu *f = &c->fpu;
		const u64 vals[] = { f->fcw, f->fsw, f->ftw, f->fcs, f->fip, f->fds, f->fdp, f->fop };
		v = vals[r->arg];
		break;
	}
	case XMM:
		memcpy(buf, &c->fpu.xmm[r->arg][0], 8);
		memcpy(buf + 8, &c->fpu.xmm[r->arg][1], 8);
		return;
	case MXCSR: v = c->fpu.mxcsr; break;
	case KGSBASE: v = c->msr.kernel_gs_base; break;
	case CR:
		v = r->arg == 0 ? c->cr0 : r->arg == 2 ? c->cr2 : r->arg == 3 ? c->cr3 :
		    r->arg == 4 ? c->cr4 :
		    (c->apic_ops && c->apic_ops->get_cr8) ? c->apic_ops->get_cr8(c) : c->tpr;
		break;
	case EFER: v = c->efer; break;
	case DR: v = c->dr[r->arg]; break;
	case DTBASE: v = (r->arg ? c->idtr : c->gdtr).base; break;
	case DTLIMIT: v = (r->arg ? c->idtr : c->gdtr).limit; break;
	}
	for (unsigned i = 0; i < r->bits / 8 && i < 8; i++)
		buf[i] = (u8)(v >> (8 * i));
}

/* Write a register: the general registers, RIP and RFLAGS (what stepping
 * through code needs). The rest is read-only here: a control register or
 * segment written behind the CPU's back would skip the checks and the
 * mode and TLB updates a real write makes. Returns 0 or -1. */
static int reg_set(struct cpu *c, const struct reg_desc *r, const u8 *buf)
{
	u64 v = 0;
	for (unsigned i = 0; i < r->bits / 8 && i < 8; i++)
		v |= (u64)buf[i] << (8 * i);
	switch (r->kind) {
	case GPR:
		c->gpr[r->arg] = v;
		return 0;
	case RIP:
		c->rip = c->next_rip = v;
		cpu_kick(c);
		return 0;
	case RFLAGS:
		cpu_set_rflags(c, (cpu_rflags(c) & ~0x3fffffull) | (v & 0x3fffff));
		cpu_kick(c);
		return 0;
	default:
		return -1;
	}
}

static int reg_bytes(const struct reg_desc *r)
{
	return r->bits / 8;
}

/* --- target description --- */

static char *target_xml(void)
{
	size_t cap = 16384, n = 0;
	char *x = malloc(cap);
	if (!x)
		die("out of host memory");
#define ADD(...) (n += (size_t)snprintf(x + n, n < cap ? cap - n : 0, __VA_ARGS__))
	ADD("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	    "<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n");
	for (unsigned f = 0; f < ARRAY_SIZE(feature_names); f++) {
		ADD("<feature name=\"%s\">\n", feature_names[f]);
		for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
			if (regs[i].feature != f)
				continue;
			ADD("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s/>\n",
			    regs[i].name, regs[i].bits, regs[i].type, i,
			    regs[i].kind == ST || regs[i].kind == FPU ? " group=\"float\"" :
			    regs[i].kind == XMM || regs[i].kind == MXCSR ? " group=\"vector\"" :
			    f == SYS ? " group=\"system\"" : "");
		}
		ADD("</feature>\n");
	}
	ADD("</target>\n");
#undef ADD
	if (n >= cap)
		die("gdb: target description larger than %zu bytes", cap);
	return x;
}

/* --- breakpoints and watchpoints --- */

static void wp_read(struct cpu *c, struct wp *w, u8 *buf)
{
	memset(buf, 0, 8);
	debug_read_linear(c, w->addr, buf, w->len);
}

/* the read and access watchpoints changed: count them, and give the TLB
 * entries of their pages (no longer) a host pointer */
static void watch_changed(void)
{
	debug_watch_on = 0;
	for (int i = 0; i < g.nwp; i++)
		debug_watch_on += g.wp[i].type != 2;
	for (int i = 0; g.m && i < g.m->nr_cpus; i++)
		tlb_rebuild_host(g.m->cpus[i]);
}

bool debug_watch_tag(const struct cpu *c, u64 tag)
{
	for (int i = 0; i < g.nwp; i++) {
		const struct wp *w = &g.wp[i];
		if (w->type == 2)
			continue;
		for (u64 a = w->addr & ~0xfffull; a < w->addr + w->len; a += 0x1000)
			if (tlb_tag(c, a) == tag)
				return true;
	}
	return false;
}

void debug_watch_access(struct cpu *c, u64 lin, unsigned size, bool write)
{
	for (int i = 0; i < g.nwp && g.acc_hit < 0; i++) {
		const struct wp *w = &g.wp[i];
		if ((w->type == 3 && !write) || w->type == 4)
			if (lin < w->addr + w->len && w->addr < lin + size)
				g.acc_hit = i;
	}
}

static const char *insert_point(int type, u64 addr, u64 len, bool insert)
{
	if (type == 0 || type == 1) {
		for (int i = 0; i < g.nbp; i++) {
			if (g.bp[i].addr == addr && g.bp[i].type == type) {
				if (!insert)
					g.bp[i] = g.bp[--g.nbp];
				return "OK";
			}
		}
		if (!insert)
			return "OK";
		if (g.nbp == MAX_BP)
			return "E28";
		g.bp[g.nbp++] = (struct bp){ .addr = addr, .type = (u8)type };
		return "OK";
	}
	if (type < 2 || type > 4)
		return "";
	if (len < 1 || len > 8)
		return "E22";
	for (int i = 0; i < g.nwp; i++) {
		if (g.wp[i].addr == addr && g.wp[i].len == len && g.wp[i].type == type) {
			if (!insert) {
				g.wp[i] = g.wp[--g.nwp];
				watch_changed();
			}
			return "OK";
		}
	}
	if (!insert)
		return "OK";
	if (g.nwp == MAX_WP)
		return "E28";
	struct wp *w = &g.wp[g.nwp++];
	w->addr = addr;
	w->len = (u32)len;
	w->type = (u8)type;
	wp_read(cpu_of(g.g_cpu), w, w->old);
	watch_changed();
	return "OK";
}

/* --- the session while the guest is stopped --- */

static void stop_reply(int sig, struct cpu *c, const char *extra)
{
	snprintf(g.out, sizeof(g.out), "T%02xthread:%x;%s", sig, c->index + 1, extra);
}

static void read_all_regs(struct cpu *c)
{
	char *o = g.out;
	u8 buf[16];
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		reg_get(c, &regs[i], buf);
		o = put_hex_bytes(o, buf, (size_t)reg_bytes(&regs[i]));
	}
}

static void read_memory(struct cpu *c, const char *args)
{
	u64 addr = parse_hex(&args), len;
	u8 buf[PKT_MAX / 2];
	if (*args++ != ',') {
		strcpy(g.out, "E01");
		return;
	}
	len = parse_hex(&args);
	if (len > sizeof(buf) / 2)
		len = sizeof(buf) / 2;
	u64 n = debug_read_linear(c, addr, buf, len);
	if (!n && len)
		strcpy(g.out, "E14");
	else
		put_hex_bytes(g.out, buf, (size_t)n);
}

static void write_memory(struct cpu *c, const char *args)
{
	u64 addr = parse_hex(&args), len;
	u8 buf[PKT_MAX / 2];
	if (*args++ != ',') {
		strcpy(g.out, "E01");
		return;
	}
	len = parse_hex(&args);
	if (*args++ != ':' || len > sizeof(buf) || get_hex_bytes(args, buf, len) != len) {
		strcpy(g.out, "E01");
		return;
	}
	strcpy(g.out, debug_write_linear(c, addr, buf, len) == len ? "OK" : "E14");
}

static void xfer_features(const char *args)
{
	/* qXfer:features:read:target.xml:OFFSET,LENGTH */
	const char *p = strchr(args, ':');
	if (strncmp(args, "target.xml:", 11) || !p) {
		strcpy(g.out, "E00");
		return;
	}
	p++;
	u64 off = parse_hex(&p), len;
	if (*p++ != ',') {
		strcpy(g.out, "E01");
		return;
	}
	len = parse_hex(&p);
	char *xml = target_xml();
	size_t total = strlen(xml);
	if (len > PKT_MAX - 8)
		len = PKT_MAX - 8;
	if (off >= total) {
		strcpy(g.out, "l");
	} else {
		size_t n = total - off < len ? total - off : len;
		g.out[0] = off + n < total ? 'm' : 'l';
		memcpy(g.out + 1, xml + off, n); /* the XML has no $, # or } */
		g.out[1 + n] = 0;
	}
	free(xml);
}

static void thread_info(struct cpu *c, const char *args)
{
	char text[160];
	int t = (int)parse_hex(&args) - 1;
	struct cpu *tc = cpu_of(t);
	static const char *const act[] = { "running", "halted", "shut down", "waiting for SIPI" };
	snprintf(text, sizeof(text), "vCPU %u, %s, %s%s", tc->index,
		 tc->activity < 4 ? act[tc->activity] : "?",
		 tc->mode == MODE_LONG64 ? "64-bit" : tc->mode == MODE_REAL ? "real mode" :
		 "protected/compat",
		 tc->vmx.nonroot ? ", VMX non-root (L2)" : tc->vmx.on ? ", VMX root (L1)" : "");
	(void)c;
	put_hex_bytes(g.out, (const u8 *)text, strlen(text));
}

struct gdb_mon {
	char *buf;
	size_t len, cap;
};

void gdb_mon_printf(struct gdb_mon *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

/* "monitor ..." (qRcmd,HEX): the output goes back in O packets */
static void monitor_cmd(struct cpu *c, const char *args)
{
	char line[512], text[PKT_MAX / 4];
	size_t n = get_hex_bytes(args, (u8 *)line, sizeof(line) - 1);
	struct gdb_mon o = { .buf = text, .cap = sizeof(text) };
	line[n] = 0;
	text[0] = 0;
	gdb_monitor(&o, g.m, c, line);
	for (size_t off = 0; off < o.len; off += 1024) {
		size_t k = o.len - off < 1024 ? o.len - off : 1024;
		g.out[0] = 'O';
		put_hex_bytes(g.out + 1, (const u8 *)text + off, k);
		put_packet(g.out);
	}
	strcpy(g.out, "OK");
}

/* what a resume packet asked for */
enum resume { STAY, CONTINUE, STEP, DETACH, KILL, BACK_STEP, BACK_CONTINUE };

/* vCont;ACTION[:TID][;ACTION[:TID]]...: a step of one thread (the others
 * may run: all-stop mode), or continue all */
static enum resume vcont(const char *args, int *step_thread)
{
	enum resume r = CONTINUE;
	while (*args == ';') {
		char a = args[1];
		args += 2;
		if (a == 'C' || a == 'S')
			parse_hex(&args); /* signal: ignored */
		int t = -1;
		if (*args == ':') {
			args++;
			if (*args == '-') {
				args += 2;
			} else {
				t = (int)parse_hex(&args) - 1;
			}
		}
		if ((a == 's' || a == 'S') && r != STEP) {
			r = STEP;
			*step_thread = t >= 0 ? t : g.g_cpu;
		}
	}
	return r;
}

/* one packet while stopped: fills g.out and says whether to resume */
static enum resume handle(struct cpu *c, int *step_thread)
{
	const char *p = g.in;
	struct cpu *gc = cpu_of(g.g_cpu);
	u8 buf[16];
	g.out[0] = 0;
	switch (*p++) {
	case '?':
		stop_reply(SIGTRAP, gc, "");
		break;
	case 'g':
		read_all_regs(gc);
		break;
	case 'p': {
		u64 n = parse_hex(&p);
		if (n >= ARRAY_SIZE(regs)) {
			strcpy(g.out, "E45");
			break;
		}
		reg_get(gc, &regs[n], buf);
		put_hex_bytes(g.out, buf, (size_t)reg_bytes(&regs[n]));
		break;
	}
	case 'P': {
		u64 n = parse_hex(&p);
		if (*p++ != '=' || n >= ARRAY_SIZE(regs) ||
		    get_hex_bytes(p, buf, sizeof(buf)) != (size_t)reg_bytes(&regs[n]) ||
		    reg_set(gc, &regs[n], buf) < 0)
			strcpy(g.out, "E01");
		else {
			strcpy(g.out, "OK");
			rev_diverged(g.m); /* the recorded future is no longer this one's */
		}
		break;
	}
	case 'm':
		read_memory(gc, p);
		break;
	case 'M':
		write_memory(gc, p);
		rev_diverged(g.m);
		break;
	case 'H':
		if (p[0] == 'g' && p[1] != '-' && p[1] != '0') {
			p++;
			int t = (int)parse_hex(&p) - 1;
			if (t < 0 || t >= g.m->nr_cpus) {
				strcpy(g.out, "E22");
				break;
			}
			g.g_cpu = t;
		}
		strcpy(g.out, "OK");
		break;
	case 'T': {
		int t = (int)parse_hex(&p) - 1;
		strcpy(g.out, t >= 0 && t < g.m->nr_cpus ? "OK" : "E22");
		break;
	}
	case 'Z':
	case 'z': {
		int type = *p++ - '0';
		u64 addr, len;
		if (*p++ != ',')
			break;
		addr = parse_hex(&p);
		len = *p == ',' ? (p++, parse_hex(&p)) : 1;
		strcpy(g.out, insert_point(type, addr, len, g.in[0] == 'Z'));
		update_hook();
		break;
	}
	case 'c':
	case 'C':
		return CONTINUE;
	case 's':
	case 'S':
		*step_thread = g.g_cpu;
		return STEP;
	case 'v':
		if (!strcmp(p, "Cont?"))
			strcpy(g.out, "vCont;c;C;s;S");
		else if (!strncmp(p, "Cont;", 5) || !strcmp(p, "Cont"))
			return vcont(p + 4, step_thread);
		break;
	case 'b':
		/* bs, bc: reverse execution (debug/reverse.c), one vCPU only */
		if (g.m->nr_cpus != 1 || (p[0] != 's' && p[0] != 'c')) {
			strcpy(g.out, "E01");
			break;
		}
		return p[0] == 's' ? BACK_STEP : BACK_CONTINUE;
	case 'D':
		strcpy(g.out, "OK");
		return DETACH;
	case 'k':
		return KILL;
	case 'q':
		if (!strncmp(p, "Supported", 9))
			snprintf(g.out, sizeof(g.out), "PacketSize=%x;qXfer:features:read+;"
				 "swbreak+;hwbreak+;vContSupported+;ReverseStep+;ReverseContinue+",
				 PKT_MAX);
		else if (!strncmp(p, "Xfer:features:read:", 19))
			xfer_features(p + 19);
		else if (!strcmp(p, "Attached"))
			strcpy(g.out, "1");
		else if (!strcmp(p, "C"))
			snprintf(g.out, sizeof(g.out), "QC%x", gc->index + 1);
		else if (!strcmp(p, "fThreadInfo")) {
			char *o = g.out;
			*o++ = 'm';
			for (int i = 0; i < g.m->nr_cpus; i++)
				o += sprintf(o, "%s%x", i ? "," : "", i + 1);
		} else if (!strcmp(p, "sThreadInfo"))
			strcpy(g.out, "l");
		else if (!strncmp(p, "ThreadExtraInfo,", 16))
			thread_info(c, p + 16);
		else if (!strncmp(p, "Rcmd,", 5))
			monitor_cmd(gc, p + 5);
		else if (!strncmp(p, "Symbol", 6))
			strcpy(g.out, "OK");
		break;
	default:
		break; /* unsupported: the empty reply */
	}
	return STAY;
}

/* The guest is stopped (on vCPU c, inside its step loop when in_hook):
 * report why (reply; NULL when gdb just attached), then serve gdb until it
 * resumes. */
static void session(struct cpu *c, const char *reply, bool in_hook)
{
	int step_thread = -1;
	g.in_session = true;
	g.g_cpu = (int)c->index;
	g.step_cpu = -1;
	if (reply) /* the answer to the resume packet; none on attach (gdb asks '?') */
		put_packet(reply);
	for (;;) {
		int n = get_packet();
		if (n == -1) {
			disconnect(); /* gdb went away: the guest runs on */
			break;
		}
		if (n == -2)
			continue; /* Ctrl-C while stopped: nothing to do */
		enum resume r = handle(c, &step_thread);
		if (r == STAY) {
			put_packet(g.out);
			continue;
		}
		if (r == DETACH) {
			put_packet(g.out);
			disconnect();
		} else if (r == KILL) {
			disconnect();
			machine_end(g.m, RUN_SHUTDOWN, 0, "killed by gdb");
		} else if (r == BACK_STEP || r == BACK_CONTINUE) {
			g.rev_req = true;
			g.rev_step = r == BACK_STEP;
			g.rev_from = machine_icount(g.m);
		} else if (r == STEP) {
			g.step_cpu = step_thread >= 0 && step_thread < g.m->nr_cpus ? step_thread
										     : (int)c->index;
			/* inside the hook, c's current instruction runs on return
			 * without another call: the next call is the stop */
			g.step_skip = !(in_hook && g.step_cpu == (int)c->index);
		}
		break;
	}
	update_hook();
	g.in_session = false;
}

/* --- the hooks --- */

/* Before an instruction: did watchpoint i see the last one? A write
 * watchpoint when its bytes changed (gdb compares the values itself), a
 * read or access watchpoint when the memory layer reported an access to it
 * (debug_watch_access). The stop reply's reason goes to why. */
static bool watch_hit(struct cpu *c, int i, char *why, size_t len)
{
	struct wp *w = &g.wp[i];
	static const char *const kind[] = { [2] = "watch", [3] = "rwatch", [4] = "awatch" };
	if (w->type == 2) {
		u8 now[8];
		wp_read(c, w, now);
		if (!memcmp(now, w->old, 8))
			return false;
		memcpy(w->old, now, 8);
	} else if (g.acc_hit != i) {
		return false;
	}
	snprintf(why, len, "%s:%llx;", kind[w->type], (unsigned long long)w->addr);
	return true;
}

/* reverse-continue's scan: remember the last hit, stop nowhere */
static void scan_insn(struct cpu *c)
{
	for (int i = 0; i < g.nbp; i++) {
		if (g.bp[i].addr == c->rip) {
			g.scan_found = true;
			g.scan_hit = c->icount;
			snprintf(g.scan_why, sizeof(g.scan_why), "%s:;",
				 g.bp[i].type ? "hwbreak" : "swbreak");
		}
	}
	for (int i = 0; i < g.nwp; i++) {
		char why[64];
		if (!watch_hit(c, i, why, sizeof(why)))
			continue;
		g.scan_found = true;
		g.scan_hit = c->icount;
		memcpy(g.scan_why, why, sizeof(why));
	}
}

bool gdb_before_insn(struct cpu *c)
{
	char extra[64] = "";
	int sig = 0;
	if (g.scanning) {
		scan_insn(c);
		g.acc_hit = -1;
		return false;
	}
	if (g.fd < 0 || g.in_session || rev_replaying()) {
		g.acc_hit = -1;
		return false;
	}
	if (g.step_cpu == (int)c->index) {
		if (g.step_skip)
			g.step_skip = false;
		else
			sig = SIGTRAP;
	}
	for (int i = 0; !sig && i < g.nbp; i++) {
		if (g.bp[i].addr == c->rip) {
			sig = SIGTRAP;
			snprintf(extra, sizeof(extra), "%s:;", g.bp[i].type ? "hwbreak" : "swbreak");
		}
	}
	for (int i = 0; !sig && i < g.nwp; i++)
		if (watch_hit(c, i, extra, sizeof(extra)))
			sig = SIGTRAP;
	g.acc_hit = -1;
	if (!sig)
		return false;
	char reply[96];
	snprintf(reply, sizeof(reply), "T%02xthread:%x;%s", sig, c->index + 1, extra);
	session(c, reply, true);
	if (!g.rev_req)
		return false;
	/* leave the step loop without running the instruction; main.c rewinds */
	cpu_stop(c);
	machine_request_pause();
	return true;
}

bool gdb_connected(void)
{
	return g.fd >= 0;
}

bool gdb_rev_pending(bool *step, u64 *from)
{
	if (!g.rev_req)
		return false;
	*step = g.rev_step;
	*from = g.rev_from;
	return true;
}

static void refresh_watchpoints(struct cpu *c)
{
	for (int i = 0; i < g.nwp; i++)
		wp_read(c, &g.wp[i], g.wp[i].old);
}

void gdb_rewound(struct machine *m, const char *reply)
{
	g.rev_req = false;
	refresh_watchpoints(m->cpus[0]);
	session(m->cpus[0], reply, false);
}

void gdb_scan_begin(struct machine *m)
{
	g.scanning = true;
	g.scan_found = false;
	refresh_watchpoints(m->cpus[0]);
	update_hook();
}

bool gdb_scan_end(u64 *icount, char *why, size_t len)
{
	g.scanning = false;
	update_hook();
	*icount = g.scan_hit;
	snprintf(why, len, "%s", g.scan_why);
	return g.scan_found;
}

int gdb_parse_spec(const char *spec)
{
	static const char *const hosts[] = { "tcp::", "tcp:127.0.0.1:", "tcp:localhost:" };
	for (unsigned i = 0; i < ARRAY_SIZE(hosts); i++) {
		size_t n = strlen(hosts[i]);
		if (strncmp(spec, hosts[i], n))
			continue;
		char *end;
		long port = strtol(spec + n, &end, 10);
		if (end == spec + n || *end || port < 0 || port > 65535)
			return -1;
		return (int)port;
	}
	return -1;
}

static void accept_conn(void)
{
	int fd = accept(g.lfd, NULL, NULL);
	if (fd < 0)
		return;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g.fd = fd;
	g.rpos = g.rlen = 0;
}

int gdb_start(struct machine *m, int port, bool wait)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((u16)port) };
	socklen_t alen = sizeof(a);
	int one = 1;

	g.m = m;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g.lfd < 0 || setsockopt(g.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(g.lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(g.lfd, 1) < 0 ||
	    getsockname(g.lfd, (struct sockaddr *)&a, &alen) < 0) {
		fprintf(stderr, "nestbox: -gdb: cannot listen on 127.0.0.1:%d: %s\n", port,
			strerror(errno));
		return -1;
	}
	fprintf(stderr, "nestbox: warning: gdb stub listening on 127.0.0.1:%u%s\n",
		ntohs(a.sin_port), wait ? " (the guest waits for gdb: -S)" : "");
	if (wait) {
		accept_conn();
		if (g.fd >= 0)
			session(m->cur, NULL, false);
	}
	return 0;
}

bool gdb_active(void)
{
	return g.lfd >= 0;
}

void gdb_poll(struct machine *m)
{
	struct pollfd pf = { .fd = g.fd >= 0 ? g.fd : g.lfd, .events = POLLIN };
	if (g.lfd < 0 || poll(&pf, 1, 0) <= 0)
		return;
	if (g.fd < 0) {
		accept_conn(); /* gdb attaches: the guest stops for it */
		if (g.fd >= 0)
			session(m->cur, NULL, false);
		return;
	}
	/* a byte arrived while running: Ctrl-C (0x03), or gdb went away */
	int ch = get_byte();
	if (ch < 0) {
		disconnect();
		return;
	}
	if (ch == 0x03) {
		char reply[40];
		snprintf(reply, sizeof(reply), "T%02xthread:%x;", SIGINT_, m->cur->index + 1);
		session(m->cur, reply, false);
	}
}

void gdb_run_ended(struct machine *m, int status)
{
	char reply[16];
	if (g.fd >= 0) {
		snprintf(reply, sizeof(reply), "W%02x", status & 0xff);
		put_packet(reply);
		disconnect();
	}
	if (g.lfd >= 0)
		close(g.lfd);
	g.lfd = -1;
	rev_cleanup();
}
