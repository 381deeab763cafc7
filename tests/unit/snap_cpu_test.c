/* tests/unit/snap_cpu_test.c: the snapshot descriptions of a vCPU
 * (cpu/cpu_snap.c) and of its local APIC (dev/lapic.c): every table passes
 * the self-check; a CPU and an APIC driven into a busy state (long mode
 * with FPU/SSE values, MSRs, SMM with a relocated SMBASE, a pending NMI,
 * IRR/ISR bits, an armed periodic timer) saved and loaded into a fresh
 * machine encode to the same bytes and run on exactly as the original; and
 * each check rule refuses the impossible state it is about, naming the
 * member. The machine-level parts of a snapshot (RAM, clock, timer list)
 * are stood in for by hand here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "cpu/cpu_snap.h"
#include "cpu/event.h"
#include "cpu/system/msr.h"
#include "cpu/system/smm.h"
#include "dev/lapic.h"
#include "harness.h"
#include "snap/state.h"

#define APIC 0xfee00000ull

static struct cpu *cpu_dup(const struct cpu *c)
{
	struct cpu *x = malloc(sizeof(*x));

	assert_non_null(x);
	*x = *c;
	return x;
}

static void encode(struct snap_buf *b, const struct snap_desc *d, const void *s)
{
	memset(b, 0, sizeof(*b));
	snap_encode(b, d, s);
	assert_int_equal(b->len, snap_encoded_size(d));
}

static void same_bytes(const struct snap_desc *d, const void *a, const void *b)
{
	struct snap_buf x, y;

	encode(&x, d, a);
	encode(&y, d, b);
	assert_int_equal(x.len, y.len);
	if (memcmp(x.data, y.data, x.len)) {
		snap_dump(d, a, "original", stderr);
		snap_dump(d, b, "restored", stderr);
		fail_msg("%s: the two encode differently", d->name);
	}
	snap_buf_free(&x);
	snap_buf_free(&y);
}

static void timer_del_cb(void *t, void *m) { timer_del(m, t); }
static void timer_restore_cb(void *t, void *m) { timer_restore(m, t); }

/* What the machine does for section "cpuN" and "cpuN.lapic": decode into a
 * copy of the live struct, commit, re-arm the timers, call the hooks. */
static void load_cpu(struct harness *to, int n, const struct snap_buf *cb, const struct snap_buf *ab)
{
	struct cpu *dst = to->m.cpus[n];
	struct cpu *copy = cpu_dup(dst);
	u8 *acopy = malloc(lapic_snap.size);
	char err[256];

	assert_non_null(acopy);
	memcpy(acopy, dst->apic, lapic_snap.size);
	if (snap_decode(&cpu_snap, copy, cb->data, cb->len, err, sizeof(err)))
		fail_msg("cpu%d: %s", n, err);
	if (snap_decode(&lapic_snap, acopy, ab->data, ab->len, err, sizeof(err)))
		fail_msg("cpu%d.lapic: %s", n, err);
	snap_for_each_timer(&cpu_snap, dst, timer_del_cb, &to->m);
	*dst = *copy;
	snap_for_each_timer(&cpu_snap, dst, timer_restore_cb, &to->m);
	snap_call_loaded(&cpu_snap, dst);
	snap_for_each_timer(&lapic_snap, dst->apic, timer_del_cb, &to->m);
	memcpy(dst->apic, acopy, lapic_snap.size);
	snap_for_each_timer(&lapic_snap, dst->apic, timer_restore_cb, &to->m);
	snap_call_loaded(&lapic_snap, dst->apic);
	free(copy);
	free(acopy);
}

/* a snapshot of `from` loaded into `to` (a machine as machine_init left it):
 * guest RAM and the clock by hand, every vCPU and APIC by their tables */
static void transfer(struct harness *from, struct harness *to)
{
	memcpy(to->m.mem.ram, from->m.mem.ram, from->m.mem.ram_size);
	to->m.clock.ns = from->m.clock.ns;
	to->m.clock.icount_base = from->m.clock.icount_base;
	to->m.clock.timer_seq = from->m.clock.timer_seq;
	for (int n = 0; n < from->m.nr_cpus; n++) {
		struct snap_buf cb, ab;
		struct cpu *c = from->m.cpus[n];

		encode(&cb, &cpu_snap, c);
		encode(&ab, &lapic_snap, c->apic);
		/* derived members of the fresh CPU are garbage to the loader */
		to->m.cpus[n]->mode = 0xee;
		to->m.cpus[n]->cpl = 7;
		to->m.cpus[n]->next_rip = 0xdead;
		load_cpu(to, n, &cb, &ab);
		snap_buf_free(&cb);
		snap_buf_free(&ab);
	}
}

static void same_machine(struct harness *a, struct harness *b)
{
	for (int n = 0; n < a->m.nr_cpus; n++) {
		struct cpu *x = a->m.cpus[n], *y = b->m.cpus[n];

		same_bytes(&cpu_snap, x, y);
		same_bytes(&lapic_snap, x->apic, y->apic);
		assert_int_equal(x->mode, y->mode);
		assert_int_equal(x->cpl, y->cpl);
		assert_int_equal(x->next_rip, y->next_rip);
	}
	assert_int_equal(a->m.clock.timer_seq, b->m.clock.timer_seq);
	assert_int_equal(clock_next_deadline(&a->m), clock_next_deadline(&b->m));
	assert_memory_equal(a->m.mem.ram, b->m.mem.ram, a->m.mem.ram_size);
}

/* --- every description is well formed --- */
static void test_selfcheck(void **state)
{
	const struct snap_desc *all[] = { &cpu_snap, &seg_cache_snap, &dtr_snap, &lazy_flags_snap,
					  &f80_snap, &fpu_snap, &msr_state_snap, &smm_state_snap,
					  &lapic_snap, &tlb_entry_snap };
	char msg[200];

	for (size_t k = 0; k < ARRAY_SIZE(all); k++) {
		const char *why = snap_desc_selfcheck(all[k], msg, sizeof(msg));
		if (why)
			fail_msg("%s", why);
	}
	assert_int_equal(cpu_snap.size, sizeof(struct cpu));
	/* the TLB is state, but its host pointers, the caches and the wiring
	 * are not in the file */
	assert_true(snap_encoded_size(&cpu_snap) < sizeof(struct cpu));
	assert_true(snap_encoded_size(&tlb_entry_snap) < sizeof(struct tlb_entry));
}

/* --- a busy CPU and APIC, saved and loaded --- */
#define SMBASE 0x50000u

static void apic_wr(struct harness *h, u32 off, u32 v) { phys_write(&h->m.mem, APIC + off, 4, v); }

static void busy_machine(struct harness *h)
{
	struct cpu *c = h->c;
	/* FPU, SSE, MXCSR, lazy flags, IF=1 */
	static const u8 code[] = {
		0xdb, 0xe3,                         /* fninit */
		0xd9, 0xe8,                         /* fld1 */
		0xd9, 0xeb,                         /* fldpi */
		0xd8, 0xc9,                         /* fmul st0, st1 */
		0x48, 0xb8, 0x00, 0x00, 0x40, 0, 0, 0, 0, 0, /* mov rax, H_DATA */
		0xf3, 0x0f, 0x6f, 0x18,             /* movdqu xmm3, [rax] */
		0xf3, 0x44, 0x0f, 0x6f, 0x48, 0x10, /* movdqu xmm9, [rax+16] */
		0x0f, 0xae, 0x50, 0x20,             /* ldmxcsr [rax+32] */
		0x48, 0xbb, 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, /* mov rbx, 0x123456789 */
		0x48, 0x01, 0xc3,                   /* add rbx, rax */
		0xfb,                               /* sti */
		0x90,                               /* nop */
	};
	/* what runs after the snapshot point (back from SMM) */
	static const u8 after[] = {
		0x48, 0xff, 0xc1,       /* inc rcx */
		0x48, 0x89, 0x48, 0x40, /* mov [rax+64], rcx */
		0x48, 0x0f, 0xc7, 0xf6, /* rdrand rsi */
		0x48, 0x89, 0x70, 0x48, /* mov [rax+72], rsi */
		0x9c, 0x5a,             /* pushfq; pop rdx */
		0xd8, 0xc0,             /* fadd st0, st0 */
		0x41, 0x0f, 0x58, 0xd9, /* addps xmm3, xmm9 */
		0x0f, 0x31,             /* rdtsc */
		0xeb, 0xfe,             /* jmp $ */
	};
	/* SMM handler at SMBASE + 0x8000 (16-bit): inc bx; mov ax, 0x1234; rsm */
	static const u8 smm[] = { 0x43, 0xb8, 0x34, 0x12, 0x0f, 0xaa };
	static const u8 iretq[] = { 0x48, 0xcf };
	u64 data[5] = { 0x3ff0000000000000ull, 0x4000000000000000ull, 0x40490fdb3f800000ull,
			0x4049000040a00000ull, 0x3f80 | (1u << 13) }; /* MXCSR: round down */

	h_poke(h, H_DATA, data, sizeof(data));
	h_poke(h, H_CODE + sizeof(code), after, sizeof(after));
	h_poke(h, SMBASE + 0x8000, smm, sizeof(smm));
	h_poke(h, H_VECTORS + 16 * VEC_NMI, iretq, sizeof(iretq));
	h_poke(h, H_VECTORS + 16 * 0x61, iretq, sizeof(iretq));
	assert_int_equal(h_exec(h, code, sizeof(code)), -1);

	/* MSRs, the TSC offset among them */
	assert_int_equal(msr_write(c, MSR_PAT, 0x0006060606060606ull), 0);
	assert_int_equal(msr_write(c, MSR_LSTAR, 0xffffffff81000000ull), 0);
	assert_int_equal(msr_write(c, MSR_STAR, 0x0023001000000000ull), 0);
	assert_int_equal(msr_write(c, MSR_KERNEL_GS_BASE, 0xffff888000000000ull), 0);
	assert_int_equal(msr_write(c, MSR_SYSENTER_EIP, 0x401000), 0);
	assert_int_equal(msr_write(c, MSR_MTRR_DEF_TYPE, 0xc06), 0);
	assert_int_equal(msr_write(c, MSR_MTRR_PHYS, 0x80000006), 0);
	assert_int_equal(msr_write(c, MSR_MTRR_PHYS + 1, 0xff80000800ull), 0);
	assert_int_equal(msr_write(c, MSR_TSC, 0x100000000ull), 0);
	/* the PMU (max: Intel's): fixed counter 1 counting in every ring,
	 * PMC0 counting instructions at ring 0 with its overflow timer armed
	 * 5000 instructions ahead */
	assert_int_equal(msr_write(c, MSR_FIXED_CTR_CTRL, 0x30), 0);
	assert_int_equal(msr_write(c, MSR_PERF_GLOBAL_CTRL, 0x2000000ffull), 0);
	assert_int_equal(msr_write(c, MSR_A_PMC, (1ull << 48) - 5000), 0);
	assert_int_equal(msr_write(c, MSR_PERFEVTSEL, 0xc0 | BIT(17) | BIT(20) | BIT(22)), 0);
	assert_true(c->pmu.timer.armed);

	/* APIC: on, TPR 0x10, periodic timer vector 0x40 every 300 ns,
	 * vector 0x50 in service, 0x61 requested */
	apic_wr(h, APIC_SPIV, 0x1ff);
	apic_wr(h, APIC_TPR, 0x10);
	apic_wr(h, APIC_LVT_TIMER, 0x20040);
	apic_wr(h, APIC_TDCR, 0xb);
	apic_wr(h, APIC_TMICT, 300);
	apic_wr(h, APIC_ICR_LO, (1u << 18) | 0x50);
	assert_int_equal(c->apic_ops->irq_ack(c), 0x50);
	apic_wr(h, APIC_ICR_LO, (1u << 18) | 0x61);

	/* SMM at a relocated SMBASE, an NMI held by it; the AP gets a SIPI */
	smm_set_smbase(c, SMBASE);
	cpu_raise_smi(c);
	cpu_raise_nmi(c);
	cpu_step(c); /* enters SMM and runs its first instruction */
	assert_true(c->smm.in_smm);
	assert_true(c->nmi_pending);
	assert_int_equal(c->rip, 0x8001);
	assert_true(cpu_raise_sipi(h->m.cpus[1], 0x12));
}

static void test_roundtrip_and_run(void **state)
{
	struct harness *a = h_new(2), *b = h_new(2);

	busy_machine(a);
	transfer(a, b);
	same_machine(a, b);
	/* the loaded CPU rebuilt what is derived */
	assert_int_equal(b->c->mode, MODE_REAL);
	assert_int_equal(b->c->next_rip, b->c->rip);
	assert_int_equal(b->c->irq_hint, 1);

	/* run on: the SMM handler, RSM, the NMI, the interrupt, the code after */
	for (int k = 0; k < 40; k++) {
		cpu_step(a->c);
		cpu_step(b->c);
		same_machine(a, b);
	}
	assert_false(a->c->smm.in_smm);
	assert_false(a->c->nmi_pending);                              /* taken after RSM */
	assert_int_equal(lapic_peek(a->c->apic, APIC_ISR0 + 0x30), 2); /* 0x61 taken */
	assert_true(h_peek64(a, H_DATA + 72) != 0);                    /* RDRAND */
	assert_true(a->c->gpr[RDX] >= 1);                              /* RDTSC + offset */
	assert_int_equal(phys_read(&a->m.mem, a->c->rip, 2), 0xfeeb); /* at the jmp $ */
	cpu_step(a->m.cpus[1]); /* the AP takes its SIPI */
	cpu_step(b->m.cpus[1]);
	same_machine(a, b);

	/* time passes: the APIC timer fires in both */
	a->m.clock.ns += 1000;
	b->m.clock.ns += 1000;
	clock_run_timers(&a->m);
	clock_run_timers(&b->m);
	assert_int_equal(lapic_peek(a->c->apic, APIC_IRR0 + 0x20) & 1, 1); /* vector 0x40 */
	same_machine(a, b);

	/* the counters went on alike */
	u64 va, vb;
	assert_int_equal(msr_read(a->c, MSR_FIXED_CTR + 1, &va), 0);
	assert_int_equal(msr_read(b->c, MSR_FIXED_CTR + 1, &vb), 0);
	assert_true(va > 40);
	assert_int_equal(va, vb);
	assert_true(b->c->pmu.timer.armed);

	/* and a second save of the restored machine is the same again */
	struct harness *d = h_new(2);
	transfer(b, d);
	same_machine(b, d);
	h_delete(a);
	h_delete(b);
	h_delete(d);
}

/* RIP one past the last canonical byte is a state a run reaches (a NOP at
 * 0x7fffffffffff) and safe to run: it loads, and the fetch raises #GP in
 * the original and the copy alike */
/* The TLB is state: a translation the page tables no longer give (the PDE
 * changed, no INVLPG) is still used after a load, as it is by the CPU that
 * was saved. */
static void test_stale_tlb_survives(void **state)
{
	struct harness *a = h_new(1), *b = h_new(1);
	/* mov rax, [0x605000] twice (its TLB entry is not the code's) */
	static const u8 code[] = { 0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x60, 0x00,
				   0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x60, 0x00 };

	h_poke(a, H_CODE, code, sizeof(code));
	h_poke64(a, 0x605000, 0x1111);
	h_poke64(a, 0x805000, 0x2222);
	a->c->gpr[RSP] = H_STACK;
	cpu_step(a->c);
	assert_int_equal(a->c->gpr[RAX], 0x1111);
	h_poke64(a, H_PT + 0x2000 + 8 * 3, 0x800000 | 0x87); /* PD[3]: 0x600000 -> 0x800000 */
	a->c->gpr[RAX] = 0;
	transfer(a, b);
	same_machine(a, b);
	cpu_step(a->c);
	cpu_step(b->c);
	assert_int_equal(a->c->gpr[RAX], 0x1111);
	assert_int_equal(b->c->gpr[RAX], 0x1111);
	same_machine(a, b);
	h_delete(a);
	h_delete(b);
}

static void test_noncanonical_rip_loads(void **state)
{
	struct harness *a = h_new(1), *b = h_new(1);
	u64 pdpt = 0x20000, pd = 0x21000, page = 0x600000;
	u8 nop = 0x90;

	/* map 0x7fffffe00000 (2 MiB) to `page`: PML4[255] -> PDPT[511] -> PD[511] */
	h_poke64(a, H_PT + 8 * 255, pdpt | 7);
	h_poke64(a, pdpt + 8 * 511, pd | 7);
	h_poke64(a, pd + 8 * 511, page | 0x87);
	h_poke(a, page + 0x1fffff, &nop, 1);
	a->c->rip = 0x00007fffffffffffull;
	a->c->gpr[RSP] = H_STACK;
	cpu_step(a->c);
	assert_int_equal(a->c->rip, 0x0000800000000000ull);
	transfer(a, b);
	same_machine(a, b);
	cpu_step(a->c);
	cpu_step(b->c);
	assert_int_equal(a->c->rip, H_VECTORS + 16 * VEC_GP);
	same_machine(a, b);
	h_delete(a);
	h_delete(b);
}

/* --- every rule refuses its state, naming the member --- */
static void refused(const struct snap_desc *d, const void *live, const void *bad_state,
		    const char *member)
{
	struct snap_buf b;
	u8 *copy = malloc(d->size);
	char err[256] = "";
	size_t n = strlen(member);

	assert_non_null(copy);
	memcpy(copy, live, d->size);
	encode(&b, d, bad_state);
	if (!snap_decode(d, copy, b.data, b.len, err, sizeof(err)))
		fail_msg("%s: the state was accepted", member);
	if (strncmp(err, member, n) || err[n] != ':')
		fail_msg("expected %s, got \"%s\"", member, err);
	snap_buf_free(&b);
	free(copy);
}

#define CPU_REFUSED(h, member, ...)                        \
	do {                                               \
		struct cpu *x = cpu_dup((h)->c);           \
		__VA_ARGS__;                               \
		refused(&cpu_snap, (h)->c, x, member);     \
		free(x);                                   \
	} while (0)

static void test_cpu_rules(void **state)
{
	struct harness *h = h_new(1);
	struct snap_buf b;
	char err[256];
	struct cpu *ok = cpu_dup(h->c);

	/* the harness's long-mode state itself is fine */
	encode(&b, &cpu_snap, h->c);
	if (snap_decode(&cpu_snap, ok, b.data, b.len, err, sizeof(err)))
		fail_msg("%s", err);
	snap_buf_free(&b);
	free(ok);

	CPU_REFUSED(h, "cr0", x->cr0 |= BIT(32));
	CPU_REFUSED(h, "cr0", x->cr0 |= BIT(7));
	CPU_REFUSED(h, "cr0", x->cr0 &= ~CR0_ET);
	CPU_REFUSED(h, "cr0", x->cr0 &= ~CR0_PE);                /* PG without PE */
	CPU_REFUSED(h, "cr0", x->cr0 |= CR0_NW);                 /* NW without CD */
	CPU_REFUSED(h, "cr4", x->cr4 |= BIT(23));
	CPU_REFUSED(h, "cr4", x->cr4 |= CR4_SMXE);               /* no SMX on any model */
	CPU_REFUSED(h, "efer", x->efer |= BIT(1));
	CPU_REFUSED(h, "efer", x->efer &= ~EFER_LMA);            /* PG and LME without LMA */
	CPU_REFUSED(h, "efer", x->efer &= ~EFER_LME);            /* LMA without LME */
	CPU_REFUSED(h, "cr4", x->cr4 &= ~CR4_PAE);               /* IA-32e without PAE */
	CPU_REFUSED(h, "cr4", x->cr0 &= ~CR0_PG; x->efer &= ~EFER_LMA; x->cr4 |= CR4_PCIDE);
	CPU_REFUSED(h, "cr3", x->cr3 |= BIT(40));                /* MAXPHYADDR 40 */
	CPU_REFUSED(h, "xcr0", x->xcr0 = 0);
	CPU_REFUSED(h, "xcr0", x->xcr0 = 5);                     /* AVX without SSE */
	CPU_REFUSED(h, "rflags", x->rflags |= BIT(3));
	CPU_REFUSED(h, "rflags", x->rflags &= ~RFLAGS_FIXED);
	CPU_REFUSED(h, "rip", x->seg[SEG_CS].ar &= ~AR_L; x->rip = 1ull << 32);
	CPU_REFUSED(h, "dr[6]", x->dr[6] &= ~BIT(4));
	CPU_REFUSED(h, "dr[7]", x->dr[7] |= BIT(32));
	CPU_REFUSED(h, "dr[4]", x->dr[4] = 1);
	CPU_REFUSED(h, "pending_dr6", x->pending_dr6 = BIT(20));
	CPU_REFUSED(h, "smm.pending_dr6", x->smm.pending_dr6 = BIT(4));
	CPU_REFUSED(h, "activity", x->activity = ACT_WAIT_SIPI + 1);
	CPU_REFUSED(h, "shadow", x->shadow = 4);
	CPU_REFUSED(h, "nmi_pending", x->nmi_pending = 2);
	CPU_REFUSED(h, "tpr", x->tpr = 0x10);
	CPU_REFUSED(h, "lf.op", x->lf.op = LAZY_SHIFT + 1);
	CPU_REFUSED(h, "lf.size", x->lf.op = LAZY_ADD; x->lf.size = 3);
	CPU_REFUSED(h, "lf.cf_in", x->lf.cf_in = 2);
	CPU_REFUSED(h, "lf.unused", x->lf.unused = 1);
	CPU_REFUSED(h, "seg[1].ar", x->seg[SEG_CS].ar |= BIT(20));
	CPU_REFUSED(h, "gdtr.limit", x->gdtr.limit = 0x10000);
	CPU_REFUSED(h, "fpu.fcw", x->fpu.fcw &= ~FCW_ONES);
	CPU_REFUSED(h, "fpu.fop", x->fpu.fop = 0x800);
	CPU_REFUSED(h, "fpu.mxcsr", x->fpu.mxcsr = 0x10000);
	CPU_REFUSED(h, "smm.in_smm", x->smm.in_smm = 2);
	CPU_REFUSED(h, "smm.shadow", x->smm.shadow = 4);
	CPU_REFUSED(h, "msr.pat", x->msr.pat = 0x0202020202020202ull);
	CPU_REFUSED(h, "msr.sysenter_cs", x->msr.sysenter_cs = 1ull << 32);
	CPU_REFUSED(h, "msr.lstar", x->msr.lstar = 0x0000800000000000ull);
	CPU_REFUSED(h, "msr.mtrr_def_type", x->msr.mtrr_def_type = 2);
	CPU_REFUSED(h, "msr.mtrr_phys", x->msr.mtrr_var[3] = BIT(45));
	CPU_REFUSED(h, "msr.mcg_ctl", x->msr.mcg_ctl = 1);
	h_delete(h);
}

/* a row of the APIC (struct lapic is private to dev/lapic.c) */
static void *row(const struct snap_desc *d, void *s, const char *name)
{
	for (u32 i = 0; i < d->nr_fields; i++)
		if (!strcmp(d->fields[i].name, name))
			return (u8 *)s + d->fields[i].offset;
	fail_msg("no row %s", name);
	return NULL;
}

#define APIC_REFUSED(h, member, ...)                                 \
	do {                                                         \
		u8 *x = malloc(lapic_snap.size);                     \
		assert_non_null(x);                                  \
		memcpy(x, (h)->c->apic, lapic_snap.size);            \
		__VA_ARGS__;                                         \
		refused(&lapic_snap, (h)->c->apic, x, member);       \
		free(x);                                             \
	} while (0)
#define U8(name)  (*(u8 *)row(&lapic_snap, x, name))
#define U32(name) (*(u32 *)row(&lapic_snap, x, name))
#define U64(name) (*(u64 *)row(&lapic_snap, x, name))

static void test_lapic_rules(void **state)
{
	struct harness *h = h_new(1);

	APIC_REFUSED(h, "base", U64("base") |= BIT(9));
	APIC_REFUSED(h, "base", U64("base") |= BIT(45));         /* above MAXPHYADDR */
	APIC_REFUSED(h, "base", U64("base") = (U64("base") & ~APIC_BASE_EN) | APIC_BASE_EXTD);
	APIC_REFUSED(h, "ldr", U32("ldr") = 1);
	APIC_REFUSED(h, "dfr", U32("dfr") = 0x01000000);
	APIC_REFUSED(h, "spiv", U32("spiv") |= BIT(12));
	APIC_REFUSED(h, "esr", U32("esr") = 1);
	APIC_REFUSED(h, "esr_pending", U32("esr_pending") = BIT(2));
	APIC_REFUSED(h, "icr_lo", U32("icr_lo") = BIT(12));
	APIC_REFUSED(h, "icr_hi", U32("icr_hi") = 5);
	APIC_REFUSED(h, "lvt[0]", ((u32 *)row(&lapic_snap, x, "lvt"))[0] = BIT(19));
	APIC_REFUSED(h, "lvt[3]", ((u32 *)row(&lapic_snap, x, "lvt"))[3] = BIT(12));
	APIC_REFUSED(h, "irr", U32("irr") = BIT(5));
	APIC_REFUSED(h, "isr", U32("isr") = BIT(15));
	APIC_REFUSED(h, "tmr", U32("tmr") = BIT(0));
	APIC_REFUSED(h, "lint_level[1]", ((u8 *)row(&lapic_snap, x, "lint_level"))[1] = 2);
	APIC_REFUSED(h, "extint_msg", U8("extint_msg") = 2);
	APIC_REFUSED(h, "tdcr", U32("tdcr") = 4);
	APIC_REFUSED(h, "tsc_deadline", U64("tsc_deadline") = 1000);
	APIC_REFUSED(h, "timer_running", U8("timer_running") = 1);
	APIC_REFUSED(h, "irr", U64("base") &= ~APIC_BASE_EN; U32("ldr") = 0;
		     ((u32 *)row(&lapic_snap, x, "irr"))[2] = 1);

	/* x2APIC: the logical ID is the APIC ID's */
	assert_int_equal(h->c->apic_ops->msr_write(h->c, MSR_IA32_APIC_BASE,
						  APIC | APIC_BASE_BSP | APIC_BASE_EN |
							  APIC_BASE_EXTD),
			 0);
	APIC_REFUSED(h, "ldr", U32("ldr") = 0x10002);
	h_delete(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selfcheck),
		cmocka_unit_test(test_roundtrip_and_run),
		cmocka_unit_test(test_noncanonical_rip_loads),
		cmocka_unit_test(test_stale_tlb_survives),
		cmocka_unit_test(test_cpu_rules),
		cmocka_unit_test(test_lapic_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
