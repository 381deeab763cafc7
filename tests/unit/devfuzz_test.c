/* tests/unit/devfuzz_test.c: the guest never hurts the host through the
 * devices. A whole 4-vCPU machine takes a few hundred thousand random port,
 * MMIO and APIC-MSR accesses (sizes 1/2/4/8, offsets in and around every
 * registered range, random values) with virtual time moving and the timers
 * firing in between; the test asserts only that nothing crashes (ASan and
 * UBSan watch under MODE=asan), that the timer list stays sane, that timers
 * never fire more often than a bounded rate, that only the documented
 * ports end the run, and that a real run afterwards ends normally.
 * Deterministic: a fixed-seed splitmix64, no host randomness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "dev/lapic.h"

#define FUZZ_ACCESSES 300000
#define FUZZ_CPUS     4
/* the fastest a device timer may fire while its expiries are lost or in
 * a periodic mode (LAPIC: parked; HPET: 10 us; PIT: two edges per 2 ticks;
 * RTC: 122 us): at most this many callbacks per virtual ns, plus slack */
#define MAX_FIRES(ns) (16 * ((ns) / 800 + 4))

struct rng {
	u64 s;
};

static u64 rnd(struct rng *r)
{
	u64 z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static u64 rnd_val(struct rng *r)
{
	switch (rnd(r) % 6) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return rnd(r) & 0xff;
	case 3: return 1ull << (rnd(r) % 64);
	default: return rnd(r);
	}
}

static unsigned rnd_size(struct rng *r)
{
	return 1u << (rnd(r) % 4);
}

/* the timer list: sorted, every entry armed, no cycle */
static void check_timers(struct machine *m)
{
	unsigned n = 0;
	u64 last = 0;

	for (struct timer *t = m->clock.timers; t; t = t->next) {
		assert_true(t->armed);
		assert_true(t->deadline >= last);
		last = t->deadline;
		assert_true(++n < 256);
	}
}

/* clock_run_timers one callback at a time, counting them, so a timer that
 * re-arms at "now" for ever fails the test instead of hanging it */
static u64 fire_due(struct machine *m, u64 limit)
{
	u64 now = clock_ns(m), n = 0;
	struct timer *t;

	while ((t = m->clock.timers) && t->deadline <= now) {
		m->clock.timers = t->next;
		t->armed = false;
		t->next = NULL;
		t->cb(t->opaque);
		assert_true(++n <= limit);
	}
	return n;
}

/* move virtual time on by `ns` (no vCPU running), firing what is due */
static void advance(struct machine *m, u64 ns)
{
	u64 end = m->clock.ns + ns, next, fired = 0;

	m->cur = NULL;
	while ((next = clock_next_deadline(m)) <= end) {
		if (next > m->clock.ns)
			m->clock.ns = next;
		fired += fire_due(m, MAX_FIRES(ns));
		assert_true(fired <= MAX_FIRES(ns));
	}
	m->clock.ns = end;
	check_timers(m);
}

/* the vCPU whose accesses these are (the xAPIC page and MSRs are per-CPU) */
static void set_cur(struct machine *m, struct cpu *c)
{
	m->cur = c;
	if (c)
		m->clock.icount_base = c->icount;
}

/* ranges that may end the run, and how */
static bool may_end(const char *name, enum run_end why)
{
	if (!strcmp(name, "isa-debug-exit"))
		return why == RUN_DEBUG_EXIT;
	if (!strcmp(name, "shutdown-port") || !strcmp(name, "acpi-pm"))
		return why == RUN_SHUTDOWN;
	if (!strcmp(name, "pc-misc") || !strcmp(name, "pci-conf1"))
		return why == RUN_RESET;
	if (!strcmp(name, "apm")) /* ACPI enable/disable only */
		return false;
	return false;
}

static void end_check(struct machine *m, const char *name, unsigned *ends)
{
	if (m->end == RUN_GOING)
		return;
	if (!may_end(name, m->end))
		fail_msg("%s ended the run (%d: %s)", name, m->end, m->end_msg);
	(*ends)++;
	/* keep going: the run is over for the guest, not for the fuzzer */
	m->end = RUN_GOING;
	m->end_msg[0] = 0;
}

/* the name of the range an access at `addr` reaches (as physmem finds it) */
static const char *range_name(const struct io_range *tab, int nr, u64 addr)
{
	for (int i = 0; i < nr; i++)
		if (addr - tab[i].base < tab[i].len)
			return tab[i].name;
	return "(none)";
}

static void fuzz_pio(struct machine *m, struct rng *r, unsigned *ends)
{
	const struct io_range *io = &m->mem.pio[rnd(r) % (u64)m->mem.nr_pio];
	u64 port = io->base + rnd(r) % (io->len + 16) - 8;
	unsigned size = rnd_size(r);
	const char *name = range_name(m->mem.pio, m->mem.nr_pio, (u16)port);

	if (size == 8)
		size = 4; /* IN/OUT move at most 4 bytes */
	if (rnd(r) & 1)
		(void)pio_read(&m->mem, (u16)port, size);
	else
		pio_write(&m->mem, (u16)port, size, rnd_val(r));
	end_check(m, name, ends);
}

static void fuzz_mmio(struct machine *m, struct rng *r, unsigned *ends)
{
	const struct io_range *io = &m->mem.mmio[rnd(r) % (u64)m->mem.nr_mmio];
	u64 span = io->len < 0x400 ? io->len : 0x400;
	/* mostly the registers at the start, sometimes anywhere or the end */
	u64 off = (rnd(r) & 3) ? rnd(r) % (span + 8) : rnd(r) % (io->len + 16);
	u64 gpa = io->base + off - 8;
	unsigned size = rnd_size(r);
	const char *name;

	if (rnd(r) % 3 == 0)
		gpa = io->base + io->len - (rnd(r) % 8); /* straddle the end */
	name = range_name(m->mem.mmio, m->mem.nr_mmio, gpa);
	if (rnd(r) & 1)
		(void)phys_read(&m->mem, gpa, size);
	else
		phys_write(&m->mem, gpa, size, rnd_val(r));
	end_check(m, name, ends);
}

/* WRMSR/RDMSR of the APIC MSRs (x2APIC range, APIC base, TSC deadline) */
static void fuzz_msr(struct machine *m, struct rng *r)
{
	struct cpu *c = m->cur;
	u32 msr;
	u64 v;

	if (!c || !c->apic_ops)
		return;
	switch (rnd(r) % 4) {
	case 0: msr = MSR_IA32_APIC_BASE; break;
	case 1: msr = MSR_IA32_TSC_DEADLINE; break;
	default: msr = MSR_X2APIC_FIRST + (u32)(rnd(r) % 0x100); break;
	}
	v = rnd_val(r);
	if (msr == MSR_IA32_APIC_BASE && (rnd(r) & 3))
		v = 0xfee00000ull | (v & 0xd00); /* mostly the usual page */
	if (msr == MSR_IA32_TSC_DEADLINE && (rnd(r) & 1))
		v = clock_tsc(m) + (rnd(r) % 100000);
	if (rnd(r) & 1)
		(void)c->apic_ops->msr_write(c, msr, v);
	else
		(void)c->apic_ops->msr_read(c, msr, &v);
}

static void fuzz_step(struct machine *m, struct rng *r, unsigned *ends)
{
	u64 k = rnd(r) % 64;

	if (k < 28)
		fuzz_pio(m, r, ends);
	else if (k < 58)
		fuzz_mmio(m, r, ends);
	else if (k < 61)
		fuzz_msr(m, r);
	else if (k < 62)
		set_cur(m, (rnd(r) & 3) ? m->cpus[rnd(r) % (u64)m->nr_cpus] : NULL);
	else if (k < 63)
		advance(m, rnd(r) % 20000);
	else
		advance(m, (rnd(r) & 7) ? rnd(r) % 2000000 : rnd(r) % 200000000);
}

/* an interrupt handler for every vector: drop the error code where there
 * is one and return (SDM Vol.3A "Exception and Interrupt Reference") */
static void install_iret_handlers(struct harness *h)
{
	static const u8 plain[] = { 0x48, 0xcf };                      /* iretq */
	static const u8 errc[] = { 0x48, 0x83, 0xc4, 0x08, 0x48, 0xcf }; /* add rsp,8 */

	for (unsigned v = 0; v < 256; v++) {
		bool e = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;

		h_poke(h, H_VECTORS + 16 * v, e ? errc : plain, e ? sizeof(errc) : sizeof(plain));
	}
}

static void test_fuzz(void **state)
{
	struct harness *h = h_new(FUZZ_CPUS);
	struct machine *m = &h->m;
	struct rng r = { 0x6e657374626f78ull };
	unsigned ends = 0;
	int saved = dup(STDOUT_FILENO), devnull;

	/* the UART writes to stdout: send its bytes to /dev/null */
	fflush(stdout);
	devnull = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && devnull >= 0);
	dup2(devnull, STDOUT_FILENO);
	close(devnull);
	assert_true(m->mem.nr_pio > 0 && m->mem.nr_mmio > 0);
	set_cur(m, h->c);
	for (unsigned i = 0; i < FUZZ_ACCESSES; i++)
		fuzz_step(m, &r, &ends);
	advance(m, 1000000);
	assert_true(m->mem.nr_mmio <= PHYSMEM_MAX_RANGES && m->mem.nr_pio <= PHYSMEM_MAX_RANGES);
	assert_true(ends > 0); /* the ending ports were reached and ended cleanly */

	/* then a real run from whatever state the devices are in: CPU 0 spins
	 * with interrupts on, taking what comes, until the instruction limit
	 * (or another normal end: a fuzzed INIT, a triple fault, ...) */
	static const u8 code[] = { 0xfb, 0xf3, 0x90, 0xeb, 0xfc }; /* sti; 1: pause; jmp 1b */
	install_iret_handlers(h);
	h_code(h, code, sizeof(code));
	m->cur = NULL;
	m->cfg.max_insns = machine_icount(m) + 200000;
	(void)machine_run(m);
	assert_true(m->end != RUN_GOING && m->end != RUN_ERROR);
	check_timers(m);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	h_delete(h);
}

/* the debug-exit port, the 0x8900 shutdown string and the reset ports end
 * the run as documented */
static void test_ending_ports(void **state)
{
	struct harness *h = h_new(2);
	struct machine *m = &h->m;
	const char *s = "Shutdown";

	pio_write(&m->mem, 0xf4, 1, 3);
	assert_int_equal(m->end, RUN_DEBUG_EXIT);
	assert_int_equal(m->exit_status, 7);
	m->end = RUN_GOING;
	for (; *s; s++)
		pio_write(&m->mem, 0x8900, 1, (u8)*s);
	assert_int_equal(m->end, RUN_SHUTDOWN);
	m->end = RUN_GOING;
	pio_write(&m->mem, 0xcf9, 1, 0x6);
	assert_int_equal(m->end, RUN_RESET);
	m->end = RUN_GOING;
	pio_write(&m->mem, 0x64, 1, 0xfe);
	assert_int_equal(m->end, RUN_RESET);
	h_delete(h);
}

/* SDM "APIC Timer": a periodic timer of 1 ns (initial count 1, divide by 1)
 * whose vector already waits in IRR, or whose entry is masked, must not
 * fire a host timer every virtual ns; what the guest sees is unchanged: the
 * next expiry after the guest acknowledges or unmasks counts again. */
static void test_lapic_tiny_period(void **state)
{
	struct harness *h = h_new(1);
	struct machine *m = &h->m;
	struct cpu *c = h->c;
	const u64 apic = 0xfee00000ull;

	set_cur(m, c);
	phys_write(&m->mem, apic + 0xf0, 4, 0x1ff);         /* SPIV: enabled */
	phys_write(&m->mem, apic + 0x3e0, 4, 0xb);          /* divide by 1 */
	phys_write(&m->mem, apic + 0x320, 4, 0x20040);      /* periodic, vector 0x40 */
	phys_write(&m->mem, apic + 0x380, 4, 1);            /* every ns */
	advance(m, 10000000);                               /* 10 ms: bounded fires */
	assert_true(phys_read(&m->mem, apic + 0x200 + 0x20, 4) & 1); /* IRR 0x40 */
	set_cur(m, c);
	assert_int_equal(c->apic_ops->irq_ack(c), 0x40);
	assert_false(phys_read(&m->mem, apic + 0x200 + 0x20, 4) & 1);
	advance(m, 1);
	assert_true(phys_read(&m->mem, apic + 0x200 + 0x20, 4) & 1); /* counts again */
	/* masked: nothing is delivered and nothing spins */
	set_cur(m, c);
	phys_write(&m->mem, apic + 0xb0, 4, 0);             /* EOI */
	assert_int_equal(c->apic_ops->irq_ack(c), 0x40);
	phys_write(&m->mem, apic + 0x320, 4, 0x30040);
	advance(m, 10000000);
	set_cur(m, c);
	assert_int_equal(phys_read(&m->mem, apic + 0x380, 4), 1);
	phys_write(&m->mem, apic + 0x320, 4, 0x20041);      /* unmasked */
	advance(m, 1);
	assert_true(phys_read(&m->mem, apic + 0x200 + 0x20, 4) & 2); /* IRR 0x41 */
	h_delete(h);
}

/* HPET periodic with a one-tick (10 ns) period: the comparator keeps its
 * architected value on read, and the host timer fires a bounded number of
 * times, each firing an interrupt */
static void test_hpet_tiny_period(void **state)
{
	struct harness *h = h_new(1);
	struct machine *m = &h->m;
	const u64 hpet = 0xfed00000ull;

	m->cur = NULL;
	phys_write(&m->mem, hpet + 0x10, 4, 1);                /* enable */
	phys_write(&m->mem, hpet + 0x100, 4, 0x4c | 2 << 9);   /* int, periodic, VAL_SET */
	phys_write(&m->mem, hpet + 0x108, 8, 1);               /* comparator and period 1 */
	advance(m, 10000000);                                  /* 10 ms: bounded fires */
	/* the comparator reads as the first match after the counter */
	u64 cnt = phys_read(&m->mem, hpet + 0xf0, 8);
	assert_int_equal(phys_read(&m->mem, hpet + 0x108, 8), cnt + 1);
	h_delete(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ending_ports),
		cmocka_unit_test(test_lapic_tiny_period),
		cmocka_unit_test(test_hpet_tiny_period),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
