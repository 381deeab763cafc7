/* machine/snapshot.c: save and restore the whole machine (snapshot.h,
 * docs/snapshot.md). */
#include "machine/snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cpu/cpu_snap.h"
#include "cpu/model.h"
#include "dev/devpriv.h"
#include "dev/lapic.h"
#include "machine/config.h"
#include "snap/ram.h"

/* --- section "machine": what the machine was built from --- */
struct machine_shape {
	u64 ram_size;
	u64 seed;          /* -seed (the schedule's and RDRAND's state are saved
	                    * apart; kept for people reading the file) */
	u64 model_fp;      /* fingerprint of the CPU model's CPUID data */
	u64 icount;        /* instructions retired by all vCPUs when saved */
	u32 smp;
	u32 icount_shift;
	u32 end;           /* enum run_end: a snapshot of an ended run ends at once */
	u32 exit_status;
	u16 debug_exit_port;
	u8 no_vmport;      /* -machine vmport=off (dev/vmport.c) */
	char cpu_spec[256]; /* the -cpu text */
	char end_msg[160];
};

static bool terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

static const char *shape_check(const void *p, char *msg, size_t len)
{
	const struct machine_shape *s = p;

	if (s->ram_size < CONFIG_MIN_RAM || s->ram_size > CONFIG_MAX_RAM) {
		snprintf(msg, len, "%llu bytes is outside %llu..%llu", (unsigned long long)s->ram_size,
			 (unsigned long long)CONFIG_MIN_RAM, (unsigned long long)CONFIG_MAX_RAM);
		return "ram_size";
	}
	if (s->smp < 1 || s->smp > MACHINE_MAX_CPUS) {
		snprintf(msg, len, "%u vCPUs is outside 1..%d", s->smp, MACHINE_MAX_CPUS);
		return "smp";
	}
	if (!terminated(s->cpu_spec, sizeof(s->cpu_spec))) {
		snprintf(msg, len, "not a terminated string");
		return "cpu_spec";
	}
	if (!terminated(s->end_msg, sizeof(s->end_msg))) {
		snprintf(msg, len, "not a terminated string");
		return "end_msg";
	}
	if (s->end != RUN_GOING && s->end != RUN_DEBUG_EXIT && s->end != RUN_SHUTDOWN &&
	    s->end != RUN_TRIPLE_FAULT && s->end != RUN_HALTED && s->end != RUN_RESET &&
	    s->end != RUN_LIMIT) {
		snprintf(msg, len, "%u is not a way a run ends", s->end);
		return "end";
	}
	return NULL;
}

static const struct snap_field shape_rows[] = {
	SNAP_U64(struct machine_shape, ram_size),
	SNAP_U64(struct machine_shape, seed),
	SNAP_U64(struct machine_shape, model_fp),
	SNAP_U64(struct machine_shape, icount),
	SNAP_U32(struct machine_shape, smp),
	SNAP_U32_MAX(struct machine_shape, icount_shift, CONFIG_MAX_ICOUNT_SHIFT),
	SNAP_U32(struct machine_shape, end),
	SNAP_U32(struct machine_shape, exit_status),
	SNAP_U16(struct machine_shape, debug_exit_port),
	SNAP_U8_MAX(struct machine_shape, no_vmport, 1),
	SNAP_U8(struct machine_shape, cpu_spec),
	SNAP_U8(struct machine_shape, end_msg),
};
SNAP_DESC(machine_shape, 2, shape_rows, shape_check, NULL);

static u64 model_fingerprint(const struct cpu_model *md)
{
	struct snap_buf b = { 0 };
	snap_buf_put(&b, md->name, strnlen(md->name, sizeof(md->name)));
	snap_buf_u8(&b, md->vendor_amd);
	snap_buf_u8(&b, md->phys_addr_bits);
	snap_buf_u8(&b, md->lin_addr_bits);
	/* the VMX capabilities too -- model data CPUID does not show (-cpu
	 * vmx-NAME edits, what this build implements): a VMCS is only valid
	 * against them */
	for (unsigned w = 0; w < VMX_W_NR; w++)
		snap_buf_u64(&b, md->vmx.ctl[w]);
	for (unsigned k = 0; k < VMX_K_NR; k++)
		snap_buf_u64(&b, md->vmx.cap[k]);
	snap_buf_u64(&b, md->vmx.cr4_fixed1);
	snap_buf_u32(&b, md->vmx.revision_id);
	snap_buf_u8(&b, md->vmx.cr3_target_count);
	for (int i = 0; i < md->nr_leaves; i++) {
		const struct cpuid_leaf *l = &md->leaves[i];
		snap_buf_u32(&b, l->leaf);
		snap_buf_u32(&b, l->subleaf);
		for (int r = 0; r < 4; r++)
			snap_buf_u32(&b, l->r[r]);
	}
	u64 fp = (u64)snap_crc32c(0, b.data, b.len) << 32 | snap_crc32c(0x5a5a5a5a, b.data, b.len);
	snap_buf_free(&b);
	return fp;
}

/* --- the sections of a machine, in file order --- */
struct section {
	char name[SNAP_NAME_MAX + 1];
	const struct snap_desc *desc; /* NULL: the RAM */
	void *live;
};

#define MAX_SECTIONS (3 + 2 * MACHINE_MAX_CPUS + 32 + 1)
/* machine_sections() puts these first: the loader's rules across sections
 * look at their decoded copies by these indices */
enum { SEC_CLOCK, SEC_SCHED };

static int machine_sections(struct machine *m, struct section *out)
{
	int n = 0;

	/* "machine" is handled apart: it shapes the machine before it exists */
	out[SEC_CLOCK] = (struct section){ "clock", &vclock_snap, &m->clock };
	out[SEC_SCHED] = (struct section){ "sched", &sched_snap, &m->sched };
	n = SEC_SCHED + 1;
	for (int i = 0; i < m->nr_cpus; i++) {
		snprintf(out[n].name, sizeof(out[n].name), "cpu%d", i);
		out[n].desc = &cpu_snap;
		out[n++].live = m->cpus[i];
		if (m->cpus[i]->apic) {
			snprintf(out[n].name, sizeof(out[n].name), "cpu%d.lapic", i);
			out[n].desc = &lapic_snap;
			out[n++].live = m->cpus[i]->apic;
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(m->devs); k++) {
		struct dev_hdr *h = m->devs[k];
		if (!h || !h->snap)
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", h->name);
		out[n].desc = h->snap;
		out[n++].live = h;
	}
	out[n++] = (struct section){ "ram", NULL, NULL };
	return n;
}

static void shape_of(const struct machine *m, struct machine_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->ram_size = m->cfg.ram_size;
	s->seed = m->cfg.seed;
	s->model_fp = model_fingerprint(&m->model);
	s->icount = machine_icount(m);
	s->smp = (u32)m->nr_cpus;
	s->icount_shift = m->clock.ns_per_insn_shift;
	s->end = (u32)m->end;
	s->exit_status = (u32)m->exit_status;
	s->debug_exit_port = m->cfg.debug_exit_port ? m->cfg.debug_exit_port : 0xf4;
	s->no_vmport = m->cfg.no_vmport;
	snprintf(s->cpu_spec, sizeof(s->cpu_spec), "%s", m->cfg.cpu_spec ? m->cfg.cpu_spec : "max");
	snprintf(s->end_msg, sizeof(s->end_msg), "%s", m->end_msg);
}

/* --- save --- */
static void build(struct machine *m, struct snap_writer *w)
{
	struct section secs[MAX_SECTIONS];
	struct machine_shape shape;
	int n = machine_sections(m, secs);

	shape_of(m, &shape);
	snap_writer_begin(w);
	snap_writer_struct(w, "machine", &machine_shape_snap, &shape);
	for (int i = 0; i < n; i++) {
		if (secs[i].desc) {
			snap_writer_struct(w, secs[i].name, secs[i].desc, secs[i].live);
		} else {
			struct snap_buf b = { 0 };
			snap_ram_encode(&b, m->mem.ram, m->mem.ram_size);
			snap_writer_section_buf(w, "ram", 1, 0, &b);
		}
	}
}

int snapshot_save(struct machine *m, const char *path)
{
	struct snap_writer w;
	char err[300];

	build(m, &w);
	int r = snap_writer_save(&w, path, err, sizeof(err));
	snap_writer_free(&w);
	if (r < 0)
		fprintf(stderr, "nestbox: snapshot: %s\n", err);
	return r;
}

/* --- open: the machine-shaping options --- */
static int decode_shape(const struct snap_file *f, struct machine_shape *s, char *err,
			size_t errlen)
{
	const struct snap_section *sec = snap_file_find(f, "machine");
	char why[240];

	if (!sec) {
		snprintf(err, errlen, "section machine is missing");
		return -1;
	}
	if (sec->version != machine_shape_snap.version ||
	    sec->fingerprint != snap_fingerprint(&machine_shape_snap)) {
		snprintf(err, errlen, "section machine: version %u has another layout than this "
			 "nestbox's version %u", sec->version, machine_shape_snap.version);
		return -1;
	}
	memset(s, 0, sizeof(*s));
	if (snap_decode(&machine_shape_snap, s, sec->data, sec->len, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "section machine: %s", why);
		return -1;
	}
	return 0;
}

static void fmt_size(char *out, size_t len, u64 bytes)
{
	if (bytes % (1ull << 30) == 0)
		snprintf(out, len, "%lluG", (unsigned long long)(bytes >> 30));
	else if (bytes % (1ull << 20) == 0)
		snprintf(out, len, "%lluM", (unsigned long long)(bytes >> 20));
	else
		snprintf(out, len, "%lluB", (unsigned long long)bytes);
}

int snapshot_open(struct snap_file *f, const char *path, struct machine_config *cfg,
		  const struct snapshot_given *given)
{
	struct machine_shape s;
	char err[300];

	if (snap_file_read(f, path, err, sizeof(err)) < 0 || decode_shape(f, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "nestbox: snapshot '%s': %s\n", path, err);
		snap_file_free(f);
		return -1;
	}
	char a[32], b[32];
	fmt_size(a, sizeof(a), s.ram_size);
	fmt_size(b, sizeof(b), cfg->ram_size);
	const char *clash = NULL;
	char what[300];
	if (given->ram_size && cfg->ram_size != s.ram_size) {
		snprintf(what, sizeof(what), "-m %s, the command line -m %s", a, b);
		clash = what;
	} else if (given->smp && (u32)cfg->smp != s.smp) {
		snprintf(what, sizeof(what), "-smp %u, the command line -smp %d", s.smp, cfg->smp);
		clash = what;
	} else if (given->cpu && strcmp(cfg->cpu_spec ? cfg->cpu_spec : "max", s.cpu_spec)) {
		snprintf(what, sizeof(what), "-cpu %s, the command line -cpu %s", s.cpu_spec,
			 cfg->cpu_spec ? cfg->cpu_spec : "max");
		clash = what;
	} else if (given->icount && cfg->icount_shift != s.icount_shift) {
		snprintf(what, sizeof(what), "-icount shift=%u, the command line shift=%u",
			 s.icount_shift, cfg->icount_shift);
		clash = what;
	} else if (given->debug_exit && cfg->debug_exit_port != s.debug_exit_port) {
		snprintf(what, sizeof(what), "isa-debug-exit at %#x, the command line at %#x",
			 s.debug_exit_port, cfg->debug_exit_port);
		clash = what;
	}
	if (clash) {
		fprintf(stderr, "nestbox: snapshot '%s' was taken with %s (leave the option out to "
			"use the snapshot's)\n", path, clash);
		snap_file_free(f);
		return -1;
	}
	cfg->ram_size = s.ram_size;
	cfg->smp = (int)s.smp;
	cfg->icount_shift = s.icount_shift;
	cfg->debug_exit_port = s.debug_exit_port;
	cfg->no_vmport = s.no_vmport; /* the devices the saved machine had */
	cfg->seed = s.seed;
	static char spec[256];
	snprintf(spec, sizeof(spec), "%s", s.cpu_spec);
	cfg->cpu_spec = spec;
	return 0;
}

/* --- apply --- */
static void timer_put_back(void *t, void *arg)
{
	timer_restore(arg, t);
}

struct seq_scan {
	u64 next;
	bool bad;
};

static void timer_seq_check(void *tp, void *arg)
{
	const struct timer *t = tp;
	struct seq_scan *s = arg;
	if (t->armed && t->seq >= s->next)
		s->bad = true;
}

/* what the scheduler's state must satisfy for this machine */
static const char *sched_fits(const struct sched *s, int nr, char *msg, size_t len)
{
	u64 seen = 0;

	if (s->pos > (u32)nr) {
		snprintf(msg, len, "%u is beyond the %d vCPUs", s->pos, nr);
		return "pos";
	}
	if (s->cur >= (u32)nr) {
		snprintf(msg, len, "vCPU %u does not exist (%d vCPUs)", s->cur, nr);
		return "cur";
	}
	if (s->in_turn && s->pos >= (u32)nr) {
		snprintf(msg, len, "a turn in progress needs a vCPU");
		return "in_turn";
	}
	for (int i = 0; i < nr; i++) {
		if (s->order[i] >= nr || (seen >> s->order[i]) & 1) {
			snprintf(msg, len, "not an order of the %d vCPUs", nr);
			return "order";
		}
		seen |= 1ull << s->order[i];
	}
	for (int i = nr; i < MACHINE_MAX_CPUS; i++) {
		if (s->order[i] != i && s->order[i] != 0) {
			snprintf(msg, len, "entries past the vCPU count must be unused");
			return "order";
		}
	}
	return NULL;
}

static int apply(struct machine *m, const struct snap_file *f, char *err, size_t errlen)
{
	struct section secs[MAX_SECTIONS];
	void *copy[MAX_SECTIONS] = { 0 };
	int n = machine_sections(m, secs);
	int rc = -1;
	char why[240];
	struct machine_shape shape;

	if (decode_shape(f, &shape, err, errlen) < 0)
		return -1;
	if (shape.model_fp != model_fingerprint(&m->model)) {
		snprintf(err, errlen, "section machine: model_fp: the CPU model '%s' of this nestbox "
			 "has other CPUID data than the one the snapshot was taken with", shape.cpu_spec);
		return -1;
	}
	/* every section this machine has, and no other */
	for (u32 i = 0; i < f->nr; i++) {
		const char *name = f->sec[i].name;
		bool known = !strcmp(name, "machine");
		for (int k = 0; k < n && !known; k++)
			known = !strcmp(name, secs[k].name);
		if (!known) {
			snprintf(err, errlen, "section %s: not part of this machine (a %d-vCPU PC)", name,
				 m->nr_cpus);
			return -1;
		}
	}
	/* decode each into a copy of the live struct, checked, nothing committed */
	const struct snap_section *ram = NULL;
	for (int k = 0; k < n; k++) {
		const struct snap_section *sec = snap_file_find(f, secs[k].name);
		if (!sec) {
			snprintf(err, errlen, "section %s is missing", secs[k].name);
			goto out;
		}
		if (!secs[k].desc) {
			ram = sec;
			continue;
		}
		const struct snap_desc *d = secs[k].desc;
		if (sec->version != d->version || sec->fingerprint != snap_fingerprint(d)) {
			snprintf(err, errlen, "section %s: saved with layout version %u (%016llx), this "
				 "nestbox has version %u (%016llx)", secs[k].name, sec->version,
				 (unsigned long long)sec->fingerprint, d->version,
				 (unsigned long long)snap_fingerprint(d));
			goto out;
		}
		copy[k] = malloc(d->size);
		if (!copy[k])
			die("out of host memory");
		memcpy(copy[k], secs[k].live, d->size);
		if (snap_decode(d, copy[k], sec->data, sec->len, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "section %s: %s", secs[k].name, why);
			goto out;
		}
	}
	/* rules across sections */
	const struct sched *sc = copy[SEC_SCHED];
	const char *bad = sched_fits(sc, m->nr_cpus, why, sizeof(why));
	if (bad) {
		snprintf(err, errlen, "section sched: %s: %s", bad, why);
		goto out;
	}
	if (sc->in_turn) {
		/* the turn in progress is the vCPU's, between its start and end */
		char name[SNAP_NAME_MAX + 1];
		snprintf(name, sizeof(name), "cpu%u", sc->order[sc->pos]);
		for (int k = 0; k < n; k++) {
			const struct cpu *c = copy[k];
			if (strcmp(secs[k].name, name))
				continue;
			if (c->icount < sc->turn_start || c->icount > sc->turn_end) {
				snprintf(err, errlen, "section sched: turn_end: %s's instruction %llu is "
					 "outside its turn (%llu..%llu)", name,
					 (unsigned long long)c->icount,
					 (unsigned long long)sc->turn_start,
					 (unsigned long long)sc->turn_end);
				goto out;
			}
		}
	}
	struct seq_scan scan = { ((const struct vclock *)copy[SEC_CLOCK])->timer_seq, false };
	for (int k = 0; k < n; k++)
		if (secs[k].desc)
			snap_for_each_timer(secs[k].desc, copy[k], timer_seq_check, &scan);
	if (scan.bad) {
		snprintf(err, errlen, "section clock: timer_seq: not above every armed timer's seq");
		goto out;
	}
	if (snap_ram_decode(m->mem.ram, m->mem.ram_size, ram->data, ram->len, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "section %s", why);
		goto out;
	}
	/* commit: every struct, then the timer queue, then what is derived */
	clock_forget_timers(m);
	for (int k = 0; k < n; k++)
		if (secs[k].desc)
			memcpy(secs[k].live, copy[k], secs[k].desc->size);
	for (int k = 0; k < n; k++)
		if (secs[k].desc)
			snap_for_each_timer(secs[k].desc, secs[k].live, timer_put_back, m);
	for (int k = 0; k < n; k++)
		if (secs[k].desc)
			snap_call_loaded(secs[k].desc, secs[k].live);
	m->cur = m->cpus[m->sched.cur];
	m->end = (enum run_end)shape.end;
	m->exit_status = (int)shape.exit_status;
	snprintf(m->end_msg, sizeof(m->end_msg), "%s", shape.end_msg);
	rc = 0;
out:
	for (int k = 0; k < n; k++)
		free(copy[k]);
	return rc;
}

int snapshot_apply(struct machine *m, const struct snap_file *f)
{
	char err[400];
	if (apply(m, f, err, sizeof(err)) < 0) {
		fprintf(stderr, "nestbox: snapshot: %s\n", err);
		return -1;
	}
	return 0;
}

int snapshot_load_bytes(const u8 *data, size_t size, struct machine *m, char *err, size_t errlen)
{
	struct snap_file f;
	struct machine_shape s;
	struct machine_config cfg;

	if (snap_file_parse(&f, data, size, err, errlen) < 0)
		return -1;
	if (decode_shape(&f, &s, err, errlen) < 0) {
		snap_file_free(&f);
		return -1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.ram_size = s.ram_size;
	cfg.smp = (int)s.smp;
	cfg.cpu_spec = s.cpu_spec;
	cfg.icount_shift = s.icount_shift;
	cfg.debug_exit = true;
	cfg.debug_exit_port = s.debug_exit_port;
	cfg.no_vmport = s.no_vmport;
	cfg.serial_path = "/dev/null";
	int rc = -1;
	if (machine_init(m, &cfg) < 0)
		snprintf(err, errlen, "section machine: the machine cannot be built");
	else
		rc = apply(m, &f, err, errlen);
	if (rc < 0)
		machine_free(m);
	snap_file_free(&f);
	return rc;
}

/* --- info --- */
static const char *const mode_names[] = {
	[MODE_REAL] = "real", [MODE_VM86] = "virtual-8086", [MODE_PROT16] = "protected 16-bit",
	[MODE_PROT32] = "protected 32-bit", [MODE_COMPAT16] = "compatibility 16-bit",
	[MODE_COMPAT32] = "compatibility 32-bit", [MODE_LONG64] = "64-bit",
};
static const char *const activity_names[] = {
	[ACT_ACTIVE] = "active", [ACT_HLT] = "HLT", [ACT_SHUTDOWN] = "shutdown",
	[ACT_WAIT_SIPI] = "wait-for-SIPI",
};
static const char *const end_names[] = {
	[RUN_GOING] = "running", [RUN_DEBUG_EXIT] = "ended by isa-debug-exit",
	[RUN_SHUTDOWN] = "powered off", [RUN_TRIPLE_FAULT] = "triple fault",
	[RUN_HALTED] = "halted for ever", [RUN_RESET] = "reset", [RUN_LIMIT] = "-max-insns reached",
	[RUN_ERROR] = "error",
};

static void cpu_summary(const struct cpu *c, int i, FILE *out)
{
	fprintf(out, "cpu%d: %s, %s, CPL %u, RIP %#llx, icount %llu\n", i,
		mode_names[c->mode < ARRAY_SIZE(mode_names) ? c->mode : 0],
		activity_names[c->activity < ARRAY_SIZE(activity_names) ? c->activity : 0], c->cpl,
		(unsigned long long)c->rip, (unsigned long long)c->icount);
	fprintf(out, "  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
		(unsigned long long)c->gpr[RAX], (unsigned long long)c->gpr[RBX],
		(unsigned long long)c->gpr[RCX], (unsigned long long)c->gpr[RDX]);
	fprintf(out, "  RSP %016llx RBP %016llx RSI %016llx RDI %016llx\n",
		(unsigned long long)c->gpr[RSP], (unsigned long long)c->gpr[RBP],
		(unsigned long long)c->gpr[RSI], (unsigned long long)c->gpr[RDI]);
	fprintf(out, "  CR0 %08llx CR3 %016llx CR4 %08llx EFER %llx CS %04x SS %04x\n",
		(unsigned long long)c->cr0, (unsigned long long)c->cr3, (unsigned long long)c->cr4,
		(unsigned long long)c->efer, c->seg[1].sel, c->seg[2].sel);
	fprintf(out, "  pending:%s%s%s%s%s%s%s\n", c->nmi_pending ? " NMI" : "",
		c->smi_pending ? " SMI" : "", c->init_pending ? " INIT" : "",
		c->sipi_pending ? " SIPI" : "", c->pending_db ? " #DB-trap" : "",
		c->shadow ? " (in an STI/MOV-SS shadow)" : "",
		!(c->nmi_pending | c->smi_pending | c->init_pending | c->sipi_pending |
		  c->pending_db | c->shadow) ? " none" : "");
	if (c->smm.in_smm)
		fprintf(out, "  in SMM (SMBASE %#x)\n", smm_smbase(c));
	if (c->vmx.on)
		fprintf(out, "  VMX %s operation, VMXON region %#llx, current VMCS %#llx%s%s%s%s\n",
			c->vmx.nonroot ? "non-root (L2 runs)" : "root", (unsigned long long)c->vmx.vmxon_ptr,
			(unsigned long long)c->vmx.vmcs_ptr, c->vmx.launched ? " (launched)" : "",
			c->vmx.shadow ? " (a shadow VMCS)" : "",
			c->vmx.evmcs ? " (a Hyper-V enlightened VMCS)" : "",
			c->stage2_on ? ", EPT on" : "");
	if ((c->efer & EFER_SVME) || c->svm.guest)
		fprintf(out, "  SVM %s, VMCB %#llx, GIF %u%s\n",
			c->svm.guest ? "guest mode (L2 runs)" : "host mode",
			(unsigned long long)c->svm.vmcb_pa, c->svm.gif,
			c->stage2_on ? ", nested paging on" : "");
}

int snapshot_info(const char *path, bool full, FILE *out)
{
	struct snap_file f;
	struct machine_config cfg = { 0 };
	struct snapshot_given given = { 0 };
	struct machine *m = calloc(1, sizeof(*m));

	if (!m)
		die("out of host memory");
	cfg.ram_size = CONFIG_DEFAULT_RAM;
	cfg.smp = 1;
	cfg.debug_exit = true;
	cfg.serial_path = "/dev/null";
	if (snapshot_open(&f, path, &cfg, &given) < 0) {
		free(m);
		return -1;
	}
	int rc = -1;
	if (machine_init(m, &cfg) == 0 && snapshot_apply(m, &f) == 0) {
		char sz[32];
		fmt_size(sz, sizeof(sz), m->cfg.ram_size);
		fprintf(out, "snapshot %s: %u sections, %zu bytes\n", path, f.nr, f.size);
		fprintf(out, "machine: -m %s -smp %d -cpu %s -icount shift=%u, seed %llu, "
			"isa-debug-exit at %#x\n", sz, m->nr_cpus, cfg.cpu_spec,
			m->clock.ns_per_insn_shift, (unsigned long long)m->cfg.seed,
			m->cfg.debug_exit_port);
		fprintf(out, "run: %s%s%s, %llu instructions, virtual time %llu ns\n",
			end_names[m->end < ARRAY_SIZE(end_names) ? m->end : RUN_ERROR],
			m->end_msg[0] ? ": " : "", m->end_msg,
			(unsigned long long)machine_icount(m), (unsigned long long)m->clock.ns);
		if (m->sched.in_turn)
			fprintf(out, "scheduler: in cpu%u's turn, which ends at its instruction %llu\n",
				m->sched.order[m->sched.pos], (unsigned long long)m->sched.turn_end);
		for (int i = 0; i < m->nr_cpus; i++)
			cpu_summary(m->cpus[i], i, out);
		for (u32 i = 0; i < f.nr; i++) {
			const struct snap_section *s = &f.sec[i];
			fprintf(out, "section %-14s version %u, %llu bytes\n", s->name, s->version,
				(unsigned long long)s->len);
		}
		u64 rs, pages, zb;
		const struct snap_section *ram = snap_file_find(&f, "ram");
		if (ram && snap_ram_info(ram->data, ram->len, &rs, &pages, &zb) == 0)
			fprintf(out, "ram: %llu of %llu pages stored (the rest read as zero), %llu "
				"compressed bytes\n", (unsigned long long)pages,
				(unsigned long long)(rs / SNAP_RAM_PAGE), (unsigned long long)zb);
		if (full) {
			struct section secs[MAX_SECTIONS];
			int n = machine_sections(m, secs);
			for (int k = 0; k < n; k++)
				if (secs[k].desc)
					snap_dump(secs[k].desc, secs[k].live, secs[k].name, out);
		}
		rc = 0;
	}
	snap_file_free(&f);
	machine_free(m);
	free(m);
	return rc;
}

void snapshot_print_layouts(FILE *out)
{
	struct machine *m = calloc(1, sizeof(*m));
	struct machine_config cfg = { 0 };
	struct section secs[MAX_SECTIONS];

	if (!m)
		die("out of host memory");
	cfg.ram_size = CONFIG_MIN_RAM;
	cfg.smp = 1;
	cfg.debug_exit = true;
	cfg.serial_path = "/dev/null";
	if (machine_init(m, &cfg) < 0)
		die("cannot build a machine");
	fprintf(out, "section machine %s\n", machine_shape_snap.name);
	snap_print_layout(&machine_shape_snap, out);
	int n = machine_sections(m, secs);
	for (int k = 0; k < n; k++) {
		if (!secs[k].desc)
			continue;
		fprintf(out, "section %s %s\n", secs[k].name, secs[k].desc->name);
		snap_print_layout(secs[k].desc, out);
	}
	machine_free(m);
	free(m);
}
