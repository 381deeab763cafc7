/* cpu/system/pmu.c: performance monitoring, one module for both vendors
 * (the vendors' differences are rows of cpu/system/pmu.def).
 *
 * AMD (APM Vol.2 "Performance Monitoring Counters"): the four legacy
 * counters PerfCtr0-3 and PerfEvtSel0-3 on every AMD-flavoured model.
 * Intel (SDM Vol.3B "Architectural Performance Monitoring", versions 1 and
 * 2): CPUID leaf 0xA, IA32_PMCx/IA32_PERFEVTSELx, the fixed-function
 * counters IA32_FIXED_CTR0-2 and IA32_FIXED_CTR_CTRL, IA32_PERF_GLOBAL_CTRL,
 * _STATUS and _OVF_CTRL, and, with CPUID.1:ECX.PDCM, IA32_PERF_CAPABILITIES
 * with FW_WRITE (the full-width aliases IA32_A_PMCx).
 *
 * What is counted, exactly, on nestbox's virtual clock (machine/clock.h:
 * every instruction takes 2^shift ns, -icount shift=N, and the core and
 * reference clocks both run at 1 GHz, the TSC's rate):
 *  - instructions retired: cpu_insns_retired (an instruction that faults
 *    does not retire; a REP string instruction retires once);
 *  - branch instructions retired: c->branches, counted by the step loop
 *    when an instruction marked INSN_F_BRINSN retires (cpu/decode/insn.h
 *    lists them: near and far jumps, calls and returns, Jcc taken or not,
 *    LOOPcc, JrCXZ, IRET, software interrupts, SYSCALL/SYSRET and
 *    SYSENTER/SYSEXIT; not exceptions or interrupts, which AMD's C2H also
 *    counts: docs/known-gaps.md);
 *  - unhalted core cycles and unhalted reference cycles: 2^shift per unit
 *    of the instruction count, the clock's source, in which each iteration
 *    of a REP string instruction is one unit (cpu/exec/rep.h); time in HLT
 *    is not counted (nothing runs);
 *  - every other event counts nothing, and so do the events above when
 *    Edge, INV or a counter mask is set (docs/known-gaps.md).
 * The ring filter (USR: CPL > 0, OS: CPL = 0) is exact: the counters are
 * brought up to date whenever the CPL changes (pmu_cpl_changed, from
 * cpu_update_mode), so an instruction that changes the CPL counts in its
 * new ring.
 *
 * Nothing runs per instruction: a counter's value is kept as it was at
 * the counts `base` and `base_retired`, and pmu_sync folds in the events since then at
 * every read and before every change of what is counted. An overflow that
 * must interrupt arms a virtual-time timer at the instruction where it
 * happens; the timer's callback folds, which sets the overflow status and
 * raises the PMI through the local APIC's LVT performance-counter entry. */
#include "cpu/system/pmu.h"

#include <string.h>

#include "base/bits.h"
#include "cpu/model.h"
#include "cpu/system/msr.h"
#include "machine/clock.h"
#include "machine/machine.h"
#include "snap/state.h"

enum pmu_id { PMU_AMD, PMU_INTEL };
enum pmu_what { PMU_NONE, PMU_INSNS, PMU_CYCLES, PMU_REF_CYCLES, PMU_BRANCHES };
#define PMU_ANY (-1)

struct pmu_vendor {
	u8 version, gp, fixed, width;
	u32 evtsel_msr, ctr_msr;
	u64 evtsel_rsvd;
};

static const struct pmu_vendor pmu_vendors[] = {
#define PMU_VENDOR(id, ver, gp, fx, w, es, ct, rsvd) [PMU_##id] = { ver, gp, fx, w, es, ct, rsvd },
#define PMU_EVENT(v, ev, um, what, bit)
#define PMU_FIXED(n, what)
#include "cpu/system/pmu.def"
#undef PMU_VENDOR
#undef PMU_EVENT
#undef PMU_FIXED
};

static const struct pmu_event {
	u8 vendor, event;
	i16 umask;
	u8 what;
	i8 arch_bit;
} pmu_events[] = {
#define PMU_VENDOR(id, ver, gp, fx, w, es, ct, rsvd)
#define PMU_EVENT(v, ev, um, what, bit) { PMU_##v, ev, um, what, bit },
#define PMU_FIXED(n, what)
#include "cpu/system/pmu.def"
#undef PMU_VENDOR
#undef PMU_EVENT
#undef PMU_FIXED
};

static const u8 pmu_fixed_what[PMU_MAX_FIXED] = {
#define PMU_VENDOR(id, ver, gp, fx, w, es, ct, rsvd)
#define PMU_EVENT(v, ev, um, what, bit)
#define PMU_FIXED(n, what) [n] = what,
#include "cpu/system/pmu.def"
#undef PMU_VENDOR
#undef PMU_EVENT
#undef PMU_FIXED
};

/* IA32_PERFEVTSELx / PerfEvtSelx (same positions for both vendors) */
#define EVTSEL_USR   BIT(16)
#define EVTSEL_OS    BIT(17)
#define EVTSEL_EDGE  BIT(18)
#define EVTSEL_INT   BIT(20)
#define EVTSEL_EN    BIT(22)
#define EVTSEL_INV   BIT(23)
#define EVTSEL_CMASK GENMASK(31, 24)
/* IA32_FIXED_CTR_CTRL, 4 bits per counter: EN (1:0: bit 0 ring 0, bit 1
 * ring > 0), AnyThread (2, version 3 on: reserved here), PMI (3) */
#define FIXED_OS  1u
#define FIXED_USR 2u
#define FIXED_PMI 8u
/* IA32_PERF_GLOBAL_STATUS / _OVF_CTRL: OvfBuffer (62), CondChgd (63) */
#define GLOBAL_OVF_BUFFER BIT(62)
#define GLOBAL_COND_CHGD  BIT(63)
/* IA32_PERF_CAPABILITIES.FW_WRITE (bit 13): "full width write" through
 * IA32_A_PMCx (SDM Vol.3B "Full-Width Writes to Performance Counters") */
#define PERF_CAP_FW_WRITE BIT(13)

/* a halted CPU retires nothing: its overflow timer is looked at again no
 * sooner than this (virtual ns), so an idle machine skips ahead in steps
 * of at least this much */
#define PMU_IDLE_NS 100000u

void pmu_cpuid_leaf_a(u32 out[4])
{
	const struct pmu_vendor *v = &pmu_vendors[PMU_INTEL];
	u32 avail = 0;

	for (size_t k = 0; k < ARRAY_SIZE(pmu_events); k++)
		if (pmu_events[k].vendor == PMU_INTEL && pmu_events[k].arch_bit >= 0)
			avail |= 1u << pmu_events[k].arch_bit;
	/* SDM CPUID leaf 0AH: EAX version [7:0], GP counters [15:8], their
	 * width [23:16], EBX length [31:24] (7 pre-defined events); EBX bit
	 * set = event NOT available; EDX fixed counters [4:0], width [12:5] */
	out[CPUID_EAX] = v->version | (u32)v->gp << 8 | (u32)v->width << 16 | 7u << 24;
	out[CPUID_EBX] = ~avail & 0x7fu;
	out[CPUID_ECX] = 0;
	out[CPUID_EDX] = v->fixed | (u32)v->width << 5;
}

static const struct pmu_vendor *pmu_of(const struct cpu *c)
{
	const struct cpu_model *m = c->model;
	u32 r[4];

	if (!m || m->pmu_off)
		return NULL;
	if (m->vendor_amd)
		return &pmu_vendors[PMU_AMD];
	cpu_model_cpuid(m, 0, 0, r);
	if (r[CPUID_EAX] < 0xa)
		return NULL;
	cpu_model_cpuid(m, 0xa, 0, r);
	return (r[CPUID_EAX] & 0xff) ? &pmu_vendors[PMU_INTEL] : NULL;
}

bool pmu_is_amd(const struct cpu *c) { return pmu_of(c) == &pmu_vendors[PMU_AMD]; }
bool pmu_is_intel(const struct cpu *c) { return pmu_of(c) == &pmu_vendors[PMU_INTEL]; }

bool pmu_full_width(const struct cpu *c)
{
	return pmu_is_intel(c) && cpu_has(c->model, FEAT_pdcm);
}

static u64 ctr_mask(const struct pmu_vendor *v) { return GENMASK(v->width - 1, 0); }

/* IA32_PERF_GLOBAL_CTRL's defined bits: one per general-purpose counter
 * (bits n-1:0) and per fixed counter (32 on) */
static u64 global_bits(const struct pmu_vendor *v)
{
	return GENMASK(v->gp - 1, 0) | (GENMASK(v->fixed - 1, 0) << 32);
}

/* events per unit of the clock (icount) for the cycle events; the
 * instruction and branch events count retired instructions and branches
 * instead (slot_unit) */
static u64 what_rate(const struct cpu *c, unsigned what)
{
	switch (what) {
	case PMU_INSNS:
	case PMU_BRANCHES: return 1;
	case PMU_CYCLES:
	case PMU_REF_CYCLES: return 1ull << (c->machine ? c->machine->clock.ns_per_insn_shift : 0);
	default: return 0;
	}
}

static unsigned gp_what(const struct pmu_vendor *v, u64 sel)
{
	u32 event = (u32)(sel & 0xff), umask = (u32)(sel >> 8) & 0xff;
	unsigned id = (unsigned)(v - pmu_vendors);

	if (sel & (EVTSEL_EDGE | EVTSEL_INV | EVTSEL_CMASK))
		return PMU_NONE;
	if (id == PMU_AMD)
		event |= (u32)(sel >> 24) & 0xf00; /* EventSelect[11:8] in 35:32 */
	for (size_t k = 0; k < ARRAY_SIZE(pmu_events); k++) {
		const struct pmu_event *e = &pmu_events[k];
		if (e->vendor == id && e->event == event && (e->umask == PMU_ANY || (u32)e->umask == umask))
			return e->what;
	}
	return PMU_NONE;
}

/* counter slot i's events per instruction at `cpl` (0: it does not count).
 * SDM "Architectural Performance Monitoring Version 2": "Each enable bit
 * in IA32_PERF_GLOBAL_CTRL is AND'ed with the enable bits for all
 * privilege levels in the respective IA32_PERFEVTSELx or
 * IA32_PERF_FIXED_CTR_CTRL MSRs". */
static u64 slot_rate(const struct cpu *c, const struct pmu_vendor *v, unsigned i, unsigned cpl)
{
	const struct pmu_state *p = &c->pmu;

	if (i < PMU_MAX_GP) {
		u64 sel = p->evtsel[i];
		if (i >= v->gp || !(sel & EVTSEL_EN) || !(sel & (cpl ? EVTSEL_USR : EVTSEL_OS)))
			return 0;
		if (v->version >= 2 && !(p->global_ctrl & BIT(i)))
			return 0;
		return what_rate(c, gp_what(v, sel));
	}
	unsigned j = i - PMU_MAX_GP;
	if (j >= v->fixed || !((p->fixed_ctrl >> (4 * j)) & (cpl ? FIXED_USR : FIXED_OS)) ||
	    !(p->global_ctrl & BIT(32 + j)))
		return 0;
	return what_rate(c, pmu_fixed_what[j]);
}

/* what slot i counts in: PMU_INSNS (instructions retired), PMU_BRANCHES
 * (branch instructions retired) or, for the cycle events, clock units */
static unsigned slot_unit(const struct cpu *c, const struct pmu_vendor *v, unsigned i)
{
	unsigned what = i < PMU_MAX_GP ? gp_what(v, c->pmu.evtsel[i]) : pmu_fixed_what[i - PMU_MAX_GP];

	return what == PMU_INSNS || what == PMU_BRANCHES ? what : PMU_CYCLES;
}

/* does slot i interrupt on overflow (INT / PMI bit)? */
static bool slot_int(const struct cpu *c, unsigned i)
{
	if (i < PMU_MAX_GP)
		return (c->pmu.evtsel[i] & EVTSEL_INT) != 0;
	return ((c->pmu.fixed_ctrl >> (4 * (i - PMU_MAX_GP))) & FIXED_PMI) != 0;
}

/* its overflow bit in IA32_PERF_GLOBAL_STATUS */
static u64 slot_status_bit(unsigned i)
{
	return i < PMU_MAX_GP ? BIT(i) : BIT(32 + i - PMU_MAX_GP);
}

/* Fold the events since `base` into the counters. A counter that passes
 * its width wraps, sets its overflow bit (version 2: IA32_PERF_GLOBAL_
 * STATUS, "single-bit status ... of each performance counter") and, with
 * INT (PerfEvtSel, APM "INT": "an interrupt to be signaled by local APIC
 * on counter overflow"; SDM IA32_PERFEVTSELx "INT") or the fixed
 * counter's PMI bit, raises the performance-monitoring interrupt. */
static void pmu_sync(struct cpu *c)
{
	const struct pmu_vendor *v = pmu_of(c);
	struct pmu_state *p = &c->pmu;
	u64 ran = c->icount - p->base, retired = cpu_insns_retired(c) - p->base_retired;
	u64 branches = c->branches - p->base_branches;
	bool pmi = false;

	p->base = c->icount;
	p->base_retired = cpu_insns_retired(c);
	p->base_branches = c->branches;
	if (!v || !ran)
		return;
	for (unsigned i = 0; i < PMU_SLOTS; i++) {
		u64 r = slot_rate(c, v, i, p->cpl), need;
		if (!r)
			continue;
		unsigned unit = slot_unit(c, v, i);
		u64 n = unit == PMU_INSNS ? retired : unit == PMU_BRANCHES ? branches : ran;
		need = ctr_mask(v) + 1 - p->ctr[i]; /* events to the wrap */
		if (n >= (need + r - 1) / r) {
			if (v->version >= 2)
				p->global_status |= slot_status_bit(i);
			pmi |= slot_int(c, i);
		}
		p->ctr[i] = (p->ctr[i] + n * r) & ctr_mask(v);
	}
	if (pmi && c->apic_ops && c->apic_ops->pmi)
		c->apic_ops->pmi(c);
}

/* Arm the timer at the first overflow of a counter that interrupts: the
 * instruction count where it happens, in virtual time from now (the
 * machine ends the turn there: machine/clock.c). If the CPU runs less than
 * that (other vCPUs' turns, HLT, or, for instructions retired, REP
 * iterations, which take clock units without retiring) the callback finds
 * no overflow and arms again. A branch counter needs at least as many
 * instructions as branches, so the same bound is the earliest its overflow
 * can come; each callback arms again at the branches still needed, so the
 * last one lands on the instruction that overflows it. */
static void pmu_arm(struct cpu *c)
{
	const struct pmu_vendor *v = pmu_of(c);
	struct pmu_state *p = &c->pmu;
	struct machine *m = c->machine;
	u64 first = UINT64_MAX;

	if (!m)
		return;
	for (unsigned i = 0; v && i < PMU_SLOTS; i++) {
		u64 r = slot_rate(c, v, i, p->cpl);
		if (!r || !slot_int(c, i))
			continue;
		u64 need = ctr_mask(v) + 1 - p->ctr[i];
		u64 insns = (need + r - 1) / r;
		if (insns < first)
			first = insns;
	}
	if (first == UINT64_MAX) {
		timer_del(m, &p->timer);
		return;
	}
	u64 ns = first << m->clock.ns_per_insn_shift;
	if (c->activity != ACT_ACTIVE && ns < PMU_IDLE_NS)
		ns = PMU_IDLE_NS;
	u64 at = clock_ns(m) + ns;
	if (!p->timer.armed || p->timer.deadline != at)
		timer_mod(m, &p->timer, at);
}

static void pmu_timer_cb(void *opaque)
{
	struct cpu *c = opaque;

	pmu_sync(c);
	pmu_arm(c);
}

void pmu_reset(struct cpu *c)
{
	struct pmu_state *p = &c->pmu;
	const struct pmu_vendor *v = pmu_of(c);

	if (p->timer.armed && c->machine)
		timer_del(c->machine, &p->timer);
	memset(p, 0, sizeof(*p));
	timer_init(&p->timer, pmu_timer_cb, c);
	p->base = c->icount;
	p->base_retired = cpu_insns_retired(c);
	p->base_branches = c->branches;
	p->cpl = c->cpl;
	/* SDM Vol.4 IA32_PERF_GLOBAL_CTRL: the general-purpose counters'
	 * enable bits are set at reset (version 1 software keeps working),
	 * the fixed counters' clear */
	if (v && v->version >= 2)
		p->global_ctrl = GENMASK(v->gp - 1, 0);
}

void pmu_cpl_changed(struct cpu *c)
{
	struct pmu_state *p = &c->pmu;
	bool any = p->fixed_ctrl != 0 || p->timer.armed;

	for (unsigned i = 0; i < PMU_MAX_GP; i++)
		any |= (p->evtsel[i] & EVTSEL_EN) != 0;
	if (!any) { /* nothing counts in either ring */
		p->cpl = c->cpl;
		return;
	}
	pmu_sync(c);
	p->cpl = c->cpl;
	pmu_arm(c);
}

/* --- RDPMC (SDM "RDPMC—Read Performance-Monitoring Counters": ECX[30]
 * selects the fixed-function counters, ECX[29:0] the counter; APM Vol.3
 * "RDPMC": ECX 0-3 read PerfCtr0-3). Any other ECX names no counter. --- */
int pmu_rdpmc(struct cpu *c, u32 ecx, u64 *val)
{
	const struct pmu_vendor *v = pmu_of(c);
	u32 n = ecx & ~(u32)BIT(30);
	bool fixed = v && v->version >= 2 && (ecx & BIT(30));

	if (!v || n >= (fixed ? v->fixed : v->gp) || (!fixed && n != ecx))
		return -1;
	pmu_sync(c);
	*val = c->pmu.ctr[fixed ? PMU_MAX_GP + n : n];
	return 0;
}

/* --- the MSRs --- */
bool pmu_msr_exists(const struct cpu *c, u32 idx)
{
	const struct pmu_vendor *v = pmu_of(c);

	if (!v)
		return false;
	if (idx >= v->evtsel_msr && idx < v->evtsel_msr + v->gp)
		return true;
	if (idx >= v->ctr_msr && idx < v->ctr_msr + v->gp)
		return true;
	if (v->version < 2)
		return false;
	if (idx >= (u32)MSR_FIXED_CTR && idx < (u32)MSR_FIXED_CTR + v->fixed)
		return true;
	if (idx >= (u32)MSR_A_PMC && idx < (u32)MSR_A_PMC + v->gp)
		return pmu_full_width(c);
	if (idx == MSR_PERF_CAPABILITIES)
		return cpu_has(c->model, FEAT_pdcm);
	return idx == MSR_FIXED_CTR_CTRL || idx == MSR_PERF_GLOBAL_STATUS ||
	       idx == MSR_PERF_GLOBAL_CTRL || idx == MSR_PERF_GLOBAL_OVF_CTRL;
}

/* every change of what is counted: fold first, arm after */
#define PMU_CHANGE(c, stmt) \
	do { \
		pmu_sync(c); \
		stmt; \
		pmu_arm(c); \
	} while (0)

int pmu_rd_evtsel(struct cpu *c, u32 idx, u64 *val)
{
	*val = c->pmu.evtsel[idx - pmu_of(c)->evtsel_msr];
	return 0;
}

int pmu_wr_evtsel(struct cpu *c, u32 idx, u64 val)
{
	const struct pmu_vendor *v = pmu_of(c);

	if (val & v->evtsel_rsvd)
		return -1;
	PMU_CHANGE(c, c->pmu.evtsel[idx - v->evtsel_msr] = val);
	return 0;
}

int pmu_rd_ctr(struct cpu *c, u32 idx, u64 *val)
{
	pmu_sync(c);
	*val = c->pmu.ctr[idx - pmu_of(c)->ctr_msr];
	return 0;
}

/* AMD: bits 63:48 of the value are dropped. Intel (SDM "Architectural
 * Performance Monitoring Version 1": "the lower-order 32 bits of each MSR
 * may be written with any value, and the high-order bits are
 * sign-extended from the value of bit 31") */
int pmu_wr_ctr(struct cpu *c, u32 idx, u64 val)
{
	const struct pmu_vendor *v = pmu_of(c);

	if (v->version)
		val = (u64)(i64)(i32)val;
	PMU_CHANGE(c, c->pmu.ctr[idx - v->ctr_msr] = val & ctr_mask(v));
	return 0;
}

int pmu_rd_a_pmc(struct cpu *c, u32 idx, u64 *val)
{
	pmu_sync(c);
	*val = c->pmu.ctr[idx - MSR_A_PMC];
	return 0;
}

/* full-width write: bits beyond the counter's width are reserved */
int pmu_wr_a_pmc(struct cpu *c, u32 idx, u64 val)
{
	const struct pmu_vendor *v = pmu_of(c);

	if (val & ~ctr_mask(v))
		return -1;
	PMU_CHANGE(c, c->pmu.ctr[idx - MSR_A_PMC] = val);
	return 0;
}

int pmu_rd_fixed_ctr(struct cpu *c, u32 idx, u64 *val)
{
	pmu_sync(c);
	*val = c->pmu.ctr[PMU_MAX_GP + idx - MSR_FIXED_CTR];
	return 0;
}

/* bits beyond the width are dropped (as KVM does; the SDM says only that
 * the counters are CPUID.0AH:EDX[12:5] bits wide) */
int pmu_wr_fixed_ctr(struct cpu *c, u32 idx, u64 val)
{
	PMU_CHANGE(c, c->pmu.ctr[PMU_MAX_GP + idx - MSR_FIXED_CTR] = val & ctr_mask(pmu_of(c)));
	return 0;
}

/* SDM Vol.4 IA32_PERF_CAPABILITIES (read-only): LBR format 0, no PEBS,
 * FW_WRITE */
int pmu_rd_perf_capabilities(struct cpu *c, u32 idx, u64 *val)
{
	*val = PERF_CAP_FW_WRITE;
	return 0;
}

int pmu_rd_fixed_ctrl(struct cpu *c, u32 idx, u64 *val)
{
	*val = c->pmu.fixed_ctrl;
	return 0;
}

/* EN (bits 1:0) and PMI (bit 3) of each fixed counter; the rest reserved */
static u64 fixed_ctrl_bits(const struct pmu_vendor *v)
{
	u64 ok = 0;

	for (unsigned j = 0; j < v->fixed; j++)
		ok |= (u64)(FIXED_OS | FIXED_USR | FIXED_PMI) << (4 * j);
	return ok;
}

int pmu_wr_fixed_ctrl(struct cpu *c, u32 idx, u64 val)
{
	if (val & ~fixed_ctrl_bits(pmu_of(c)))
		return -1;
	PMU_CHANGE(c, c->pmu.fixed_ctrl = val);
	return 0;
}

/* read-only in version 2 (IA32_PERF_GLOBAL_STATUS_SET/RESET are version 4) */
int pmu_rd_global_status(struct cpu *c, u32 idx, u64 *val)
{
	pmu_sync(c);
	*val = c->pmu.global_status;
	return 0;
}

int pmu_rd_global_ctrl(struct cpu *c, u32 idx, u64 *val)
{
	*val = c->pmu.global_ctrl;
	return 0;
}

bool pmu_global_ctrl_valid(const struct cpu *c, u64 v)
{
	const struct pmu_vendor *pv = pmu_of(c);
	return pv && pv->version >= 2 && !(v & ~global_bits(pv));
}

int pmu_wr_global_ctrl(struct cpu *c, u32 idx, u64 val)
{
	if (!pmu_global_ctrl_valid(c, val))
		return -1;
	PMU_CHANGE(c, c->pmu.global_ctrl = val);
	return 0;
}

/* write-to-clear: each 1 clears the overflow bit it names; reads 0 */
int pmu_rd_global_ovf_ctrl(struct cpu *c, u32 idx, u64 *val)
{
	*val = 0;
	return 0;
}

int pmu_wr_global_ovf_ctrl(struct cpu *c, u32 idx, u64 val)
{
	if (val & ~(global_bits(pmu_of(c)) | GLOBAL_OVF_BUFFER | GLOBAL_COND_CHGD))
		return -1;
	pmu_sync(c);
	c->pmu.global_status &= ~val;
	return 0;
}

/* Snapshot check: every value one WRMSR (or an overflow) could leave */
const char *pmu_state_check(const struct cpu *c, char *msg, size_t len)
{
	const struct pmu_vendor *v = pmu_of(c);
	const struct pmu_state *p = &c->pmu;

	if (p->cpl > 3)
		return snap_reject(msg, len, "pmu.cpl", "%u is no privilege level", p->cpl);
	if (!v) {
		static const struct pmu_state zero;
		if (memcmp(p->evtsel, zero.evtsel, sizeof(p->evtsel)) ||
		    memcmp(p->ctr, zero.ctr, sizeof(p->ctr)) || p->fixed_ctrl || p->global_ctrl ||
		    p->global_status)
			return snap_reject(msg, len, "pmu", "counters set on a model without them");
		return NULL;
	}
	for (unsigned i = 0; i < PMU_SLOTS; i++) {
		if (p->ctr[i] & ~ctr_mask(v))
			return snap_reject(msg, len, "pmu.ctr", "counter %u is %#llx, wider than %u bits",
					   i, (unsigned long long)p->ctr[i], v->width);
		if (i < PMU_MAX_GP && (p->evtsel[i] & v->evtsel_rsvd))
			return snap_reject(msg, len, "pmu.evtsel", "event select %u has reserved bits", i);
	}
	if (v->version < 2 && (p->fixed_ctrl || p->global_ctrl || p->global_status))
		return snap_reject(msg, len, "pmu", "global or fixed-counter state without them");
	if (v->version >= 2 && ((p->fixed_ctrl & ~fixed_ctrl_bits(v)) ||
				(p->global_ctrl & ~global_bits(v)) ||
				(p->global_status & ~global_bits(v))))
		return snap_reject(msg, len, "pmu", "reserved bits in the fixed or global control");
	if (p->base > c->icount)
		return snap_reject(msg, len, "pmu.base", "after the instruction count");
	if (p->base_retired > cpu_insns_retired(c))
		return snap_reject(msg, len, "pmu.base_retired", "after the instructions retired");
	if (p->base_branches > c->branches)
		return snap_reject(msg, len, "pmu.base_branches", "after the branches retired");
	return NULL;
}
