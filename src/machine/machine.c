/* machine/machine.c: assemble the PC and run it. */
#include "machine/machine.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cpu/system/msr.h"
#include "cpu/step.h"
#include "dev/acpi.h"
#include "dev/dev.h"
#include "dev/lapic.h"
#include "machine/bios.h"
#include "machine/loader.h"
#include "snap/state.h"
#include "svm/svm.h"

/* instructions a vCPU runs before the scheduler looks around */
#define QUANTUM 100000

static void sched_init(struct machine *m);

/* The scheduler's snapshot description: all of it is state. Whether order[]
 * is a permutation of the machine's vCPUs, and pos/cur are in range, is
 * checked by the snapshot loader, which knows the vCPU count. */
static const struct snap_field sched_rows[] = {
	SNAP_U64(struct sched, rng),
	SNAP_U64(struct sched, turn_end),
	SNAP_U64(struct sched, turn_start),
	SNAP_U64(struct sched, idle_since),
	SNAP_U64(struct sched, idle_steps),
	SNAP_U32_MAX(struct sched, pos, MACHINE_MAX_CPUS),
	SNAP_U32_MAX(struct sched, cur, MACHINE_MAX_CPUS - 1),
	SNAP_BOOL(struct sched, seeded),
	SNAP_BOOL(struct sched, in_turn),
	SNAP_BOOL(struct sched, busy),
	SNAP_U8_MAX(struct sched, turn_act, ACT_WAIT_SIPI),
	SNAP_U8_MAX(struct sched, order, MACHINE_MAX_CPUS - 1),
};
SNAP_DESC(sched, 1, sched_rows, NULL, NULL);

/* a store hit a page holding decoded code: every vCPU's jump cache forgets
 * its entries (the blocks themselves are checked against the page's
 * generation when looked up again), and the running vCPU stops so that it
 * does not go on in a stale block */
static void code_written(void *opaque)
{
	struct machine *m = opaque;

	for (int i = 0; i < m->nr_cpus; i++)
		cpu_code_changed(m->cpus[i]);
	if (m->cur)
		cpu_kick(m->cur);
}

int machine_init(struct machine *m, const struct machine_config *cfg)
{
	char err[200];

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->clock.ns_per_insn_shift = cfg->icount_shift;
	m->clock.tsc_hz = 1000000000ull; /* 1 GHz: one TSC tick per virtual ns */
	if (cpu_model_parse(&m->model, cfg->cpu_spec ? cfg->cpu_spec : "max", err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "nestbox: -cpu: %s\n", err);
		return -1;
	}
	if (physmem_init(&m->mem, cfg->ram_size) < 0) {
		fprintf(stderr, "nestbox: cannot allocate %llu bytes of guest RAM\n",
			(unsigned long long)cfg->ram_size);
		return -1;
	}
	m->mem.on_code_write = code_written;
	m->mem.on_code_write_opaque = m;
	m->nr_cpus = cfg->smp > 0 ? cfg->smp : 1;
	for (int i = 0; i < m->nr_cpus; i++) {
		struct cpu *c = calloc(1, sizeof(*c));
		if (!c) {
			fprintf(stderr, "nestbox: out of host memory\n");
			return -1;
		}
		c->machine = m;
		c->model = &m->model;
		c->index = (u32)i;
		c->rng_state = cfg->seed * 0x9e3779b97f4a7c15ull + (u64)i + 1;
		m->cpus[i] = c;
		cpu_reset(c);
		lapic_create(m, c);
		if (i > 0)
			c->activity = ACT_WAIT_SIPI;
	}
	m->cur = m->cpus[0];
	m->pause_at = UINT64_MAX;
	sched_init(m);
	/* the ordered device list (DESIGN.md: no constructor registration) */
	uart_init(m, 0x3f8);
	debugcon_init(m);
	debug_exit_init(m, cfg->debug_exit_port ? cfg->debug_exit_port : 0xf4);
	shutdown_port_init(m);
	fw_cfg_init(m);
	pic_init(m);
	misc_ports_init(m);
	testdev_init(m);
	irq_init(m);
	ioapic_init(m);
	pit_init(m);
	rtc_init(m);
	hpet_init(m);
	acpi_init(m);
	pci_init(m);
	apm_init(m);
	if (!cfg->no_vmport)
		vmport_init(m);
	return 0;
}

int machine_load(struct machine *m)
{
	/* what firmware leaves before a -kernel image runs */
	for (int i = 0; i < m->nr_cpus; i++)
		msr_firmware_init(m->cpus[i]);
	bios_init(m);
	return loader_load(m);
}

void machine_end(struct machine *m, enum run_end why, int status, const char *msg)
{
	if (m->end != RUN_GOING)
		return;
	m->end = why;
	m->exit_status = status;
	snprintf(m->end_msg, sizeof(m->end_msg), "%s", msg ? msg : "");
	for (int i = 0; i < m->nr_cpus; i++)
		cpu_stop(m->cpus[i]);
}

u64 machine_icount(const struct machine *m)
{
	u64 n = 0;
	for (int i = 0; i < m->nr_cpus; i++)
		n += m->cpus[i]->icount;
	return n;
}

/* a vCPU that is not shut down gets its turn: cpu_run() returns at once
 * if it is halted or waiting for a SIPI and no event is ready */
static bool cpu_can_run(struct cpu *c)
{
	return c->activity != ACT_SHUTDOWN;
}

/* --- the scheduler (DESIGN.md: "vCPUs are scheduled deterministically on
 * one host thread ... a quantum of instructions each, seeded") ---
 *
 * A round gives every vCPU one turn. With -seed 0, or one vCPU, the order
 * is 0..n-1 and every turn is QUANTUM instructions. With another seed, a
 * PRNG seeded from it draws each round's order (a uniform permutation) and
 * each turn's length: usually QUANTUM/2..3*QUANTUM/2, one turn in
 * SCHED_SHORT_ODDS a short one of 1..SCHED_SHORT_MAX, so that the switch
 * from one vCPU to another falls at varied points (inside critical
 * sections, between an IPI and its handler). The same seed gives the same
 * schedule, hence the same run, byte for byte. Every instruction, including
 * LOCK-prefixed ones and XCHG, runs to completion inside one turn, so a
 * switch never splits one (REP string instructions run in chunks that each
 * count as one instruction; a switch between chunks is an interrupt window
 * the SDM allows: Vol.3A "Interrupts and Repeated String Instructions").
 *
 * All of it lives in m->sched, and a turn is a state (in_turn, turn_end)
 * rather than a stack frame, so a snapshot may stop the machine between
 * any two instructions and a restored machine goes on with the same turn. */
#define SCHED_SHORT_ODDS 4
#define SCHED_SHORT_MAX  1024

/* splitmix64 (a public-domain PRNG): every state gives a good next value */
static u64 sched_next(struct sched *s)
{
	u64 z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void sched_init(struct machine *m)
{
	struct sched *s = &m->sched;

	/* a stream of its own: RDRAND (cpu->rng_state) uses the seed otherwise */
	s->rng = m->cfg.seed ^ 0x5eed5c4ed0000000ull;
	s->seeded = m->cfg.seed != 0 && m->nr_cpus > 1;
	for (int i = 0; i < m->nr_cpus; i++)
		s->order[i] = (u8)i;
	s->pos = (u32)m->nr_cpus; /* no round yet */
	s->busy = true;
	s->idle_since = UINT64_MAX;
}

/* the order of the next round (Fisher-Yates over the identity) */
static void sched_round(struct sched *s, int n)
{
	if (!s->seeded)
		return;
	for (int i = 0; i < n; i++)
		s->order[i] = (u8)i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(sched_next(s) % (u64)(i + 1));
		u8 t = s->order[i];
		s->order[i] = s->order[j];
		s->order[j] = t;
	}
}

static u64 sched_quantum(struct sched *s)
{
	u64 r;

	if (!s->seeded)
		return QUANTUM;
	r = sched_next(s);
	if (r % SCHED_SHORT_ODDS == 0)
		return 1 + (r >> 8) % SCHED_SHORT_MAX;
	return QUANTUM / 2 + (r >> 8) % QUANTUM;
}

/* Begin c's turn: at most `quantum` instructions, fewer to reach the next
 * timer or -max-insns. Returns false if the run ended instead. */
static bool turn_begin(struct machine *m, struct cpu *c, u64 quantum)
{
	struct sched *s = &m->sched;
	u64 now = clock_ns(m);
	u64 next = clock_next_deadline(m);
	u64 budget = quantum;
	if (next != UINT64_MAX) {
		u64 ns = next > now ? next - now : 0;
		u64 insns = (ns + (1ull << m->clock.ns_per_insn_shift) - 1) >> m->clock.ns_per_insn_shift;
		if (insns < budget)
			budget = insns ? insns : 1;
	}
	if (m->cfg.max_insns) {
		u64 total = machine_icount(m);
		if (total >= m->cfg.max_insns) {
			machine_end(m, RUN_LIMIT, 3, "instruction limit reached");
			return false;
		}
		if (m->cfg.max_insns - total < budget)
			budget = m->cfg.max_insns - total;
	}
	s->turn_end = c->icount + budget;
	s->in_turn = true;
	return true;
}

/* Run the turn in progress until it ends or the machine reaches pause_at.
 * Returns true if it paused (the turn goes on at the next call). */
static bool turn_run(struct machine *m, struct cpu *c)
{
	struct sched *s = &m->sched;
	u64 run_to = s->turn_end;
	u64 total = machine_icount(m);

	if (m->pause_at != UINT64_MAX && m->pause_at - total < run_to - c->icount)
		run_to = c->icount + (m->pause_at - total);
	m->cur = c;
	s->cur = c->index;
	m->clock.icount_base = c->icount;
	c->deadline = run_to;
	cpu_run(c);
	m->clock.ns += (c->icount - m->clock.icount_base) << m->clock.ns_per_insn_shift;
	m->clock.icount_base = c->icount;
	/* cut short by pause_at alone: the vCPU neither stopped (cpu_stop
	 * clears turn_end) nor halted before it */
	if (run_to < s->turn_end && c->icount >= run_to && c->turn_end == run_to &&
	    c->activity != ACT_SHUTDOWN)
		return true;
	s->in_turn = false;
	if (c->activity == ACT_SHUTDOWN) {
		char msg[120];
		snprintf(msg, sizeof(msg), "guest triple fault (shutdown) on CPU %u at RIP %#llx",
			 c->index, (unsigned long long)c->rip);
		machine_end(m, RUN_TRIPLE_FAULT, 2, msg);
	}
	if (c->icount != s->turn_start || c->activity != s->turn_act || c->activity == ACT_ACTIVE)
		s->busy = true;
	s->pos++;
	return false;
}

/* Rounds until the run ends; when every vCPU waits, virtual time jumps to
 * the next timer (nothing can happen before it). */
/* how long the machine may idle-skip with no vCPU running before the run
 * ends as "halted for ever" (virtual time): 60 s in general, 1 s when no
 * vCPU can take an interrupt at all, and never more than IDLE_GIVE_UP_STEPS
 * timer expiries (a device ticking every few hundred ns would otherwise cost
 * minutes of host time) */
#define IDLE_GIVE_UP_NS      (60ull * 1000000000ull)
#define DEAF_GIVE_UP_NS      (1ull * 1000000000ull)
#define IDLE_GIVE_UP_STEPS   10000000ull

/* halted with IF=0 (or waiting for SIPI, or shut down) with no NMI, SMI or
 * INIT pending: only an NMI/SMI/INIT a device sends could wake it */
static bool cpu_deaf(const struct cpu *c)
{
	if (c->activity == ACT_SHUTDOWN || c->activity == ACT_WAIT_SIPI)
		return true;
	/* (an SVM guest with V_INTR_MASKING: the host's IF; GIF = 0 holds
	 * everything: AMD APM "Interrupt and Local APIC Support") */
	bool intr_if = unlikely(c->svm.guest) ? svm_phys_if(c) : (c->rflags & RFLAGS_IF) != 0;
	if (svm_gif_blocks(c, SVM_GIF_INTR))
		return c->activity == ACT_HLT;
	return c->activity == ACT_HLT && !intr_if && !c->nmi_pending && !c->smi_pending &&
	       !c->init_pending;
}

static bool all_deaf(const struct machine *m)
{
	if (acpi_suspended((struct machine *)m))
		return false; /* ACPI S3: a wake event may come (dev/acpi.c) */
	for (int i = 0; i < m->nr_cpus; i++)
		if (!cpu_deaf(m->cpus[i]))
			return false;
	return true;
}

/* The round is over: when no vCPU ran, skip virtual time to the next timer
 * (or end the run when nothing can happen any more). */
static void round_over(struct machine *m)
{
	struct sched *s = &m->sched;

	if (s->busy) {
		s->idle_since = UINT64_MAX;
		s->idle_steps = 0;
		uart_poll_input_busy(m);
		return;
	}
	u64 next = clock_next_deadline(m);
	if (uart_input_open(m)) {
		/* interactive (-serial mon:stdio): a key can still wake the
		 * machine, so it never ends idle; wait for one on the host, up
		 * to the next timer's virtual time taken as host time (10 ms
		 * at most), or for ever when no timer runs */
		u64 wait_ms = next == UINT64_MAX ? 0 : (next > m->clock.ns ?
							(next - m->clock.ns) / 1000000 : 0);
		int timeout = next == UINT64_MAX ? -1 : (int)(wait_ms < 10 ? wait_ms : 10);
		if (uart_poll_input(m, timeout) > 0 || next == UINT64_MAX)
			return;
		s->idle_since = UINT64_MAX;
		if (next > m->clock.ns)
			m->clock.ns = next;
		return;
	}
	if (next == UINT64_MAX) {
		machine_end(m, RUN_HALTED, 2, "every CPU is halted with nothing left to wake it");
		return;
	}
	/* Timers that wake nobody (a PIT ticking behind a masked PIC, CPUs
	 * halted with IF=0) would skip time for ever: give up after
	 * IDLE_GIVE_UP_NS of virtual time in which no vCPU ran. */
	if (s->idle_since == UINT64_MAX) {
		s->idle_since = m->clock.ns;
	} else if (m->clock.ns - s->idle_since >= (all_deaf(m) ? DEAF_GIVE_UP_NS : IDLE_GIVE_UP_NS) ||
		   ++s->idle_steps >= IDLE_GIVE_UP_STEPS) {
		machine_end(m, RUN_HALTED, 2,
			    "every CPU is halted and the timers that still run woke none of them");
		return;
	}
	if (next > m->clock.ns)
		m->clock.ns = next;
}

static volatile sig_atomic_t pause_requested;

void machine_request_pause(void)
{
	pause_requested = 1;
}

int machine_run(struct machine *m)
{
	struct sched *s = &m->sched;

	m->paused = false;
	/* a snapshot point already reached pauses at once, even in a run that
	 * has ended (a snapshot taken at its end, loaded and saved again) */
	if (m->pause_at != UINT64_MAX && machine_icount(m) >= m->pause_at) {
		m->paused = true;
		return 0;
	}
	while (m->end == RUN_GOING) {
		if (!s->in_turn && pause_requested) {
			pause_requested = 0;
			m->paused = true;
			return 0;
		}
		if (m->pause_at != UINT64_MAX && machine_icount(m) >= m->pause_at) {
			m->paused = true;
			return 0;
		}
		if (s->pos >= (u32)m->nr_cpus) {
			round_over(m);
			if (m->end != RUN_GOING)
				break;
			clock_run_timers(m);
			sched_round(s, m->nr_cpus);
			s->pos = 0;
			s->busy = false;
			continue;
		}
		struct cpu *c = m->cpus[s->order[s->pos]];
		if (!s->in_turn) {
			if (!cpu_can_run(c)) {
				s->pos++;
				continue;
			}
			s->turn_start = c->icount;
			s->turn_act = c->activity;
			/* timers due by now fire before the turn: otherwise a vCPU
			 * that follows one which ran up to a deadline would get a
			 * budget of one instruction, round after round */
			clock_run_timers(m);
			if (!turn_begin(m, c, sched_quantum(s)))
				break;
		}
		if (turn_run(m, c)) {
			m->paused = true;
			return 0;
		}
	}
	if (m->end != RUN_DEBUG_EXIT && m->end != RUN_SHUTDOWN && m->end_msg[0])
		fprintf(stderr, "nestbox: %s\n", m->end_msg);
	return m->exit_status;
}

void machine_free(struct machine *m)
{
	uart_close(m);
	for (int i = 0; i < m->nr_cpus; i++) {
		free(m->cpus[i]->icache);
		free(m->cpus[i]->apic); /* plain calloc'd state (dev/lapic.c) */
		free(m->cpus[i]);
		m->cpus[i] = NULL;
	}
	for (size_t k = 0; k < ARRAY_SIZE(m->devs); k++) {
		free(m->devs[k]); /* dev/devpriv.h: every slot is one calloc */
		m->devs[k] = NULL;
	}
	physmem_free(&m->mem);
}
