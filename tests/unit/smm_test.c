/* tests/unit/smm_test.c: system-management mode (SDM Vol.3C "System
 * Management Mode"): SMI delivery and the SMM entry state, the SMRAM
 * state-save maps (offsets checked against the AMD64 map QEMU uses and the
 * 32-bit P6 map), RSM round trips from 64-bit, protected and real mode,
 * SMBASE relocation, shutdown on invalid saved state, auto HALT restart,
 * SMI latching, NMI blocking, the APM port 0xb2 and the SMM MSRs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/event.h"
#include "cpu/system/msr.h"
#include "cpu/system/smm.h"
#include "machine/bios.h"
#include "sys_harness.h"

SH_FIXTURE

#define SMBASE0  0x30000ull
#define SAVE(o)  (SMBASE0 + 0xfe00 + (o))
#define RSM      0x0f, 0xaa

static u64 rd(u64 a, unsigned n) { return phys_read(&H.m.mem, a, n); }
static void wr(u64 a, unsigned n, u64 v) { phys_write(&H.m.mem, a, n, v); }

/* put RSM at the SMI handler entry of SMBASE `base` */
static void rsm_at(u64 base)
{
	static const u8 rsm[] = { RSM };
	h_poke(&H, base + 0x8000, rsm, sizeof(rsm));
}

static void fill_gprs(struct cpu *c)
{
	for (unsigned n = 0; n < 16; n++)
		c->gpr[n] = 0x1111111111111111ull * (n + 1) + n;
	c->gpr[RSP] = H_STACK - 0x40;
}

/* take the pending SMI at this boundary (no instruction runs) */
static void take_smi(struct cpu *c)
{
	c->smi_pending = 1;
	assert_true(cpu_event_ready(c));
	assert_true(cpu_handle_events(c));
	assert_true(c->smm.in_smm);
}

/* snapshot of what RSM must give back */
struct snap {
	u64 gpr[16], rip, rflags, cr0, cr3, cr4, efer, dr7;
	struct seg_cache seg[8];
	struct dtr gdtr, idtr;
	u8 mode, cpl;
};

static void snap(struct cpu *c, struct snap *s)
{
	memcpy(s->gpr, c->gpr, sizeof(s->gpr));
	s->rip = c->rip;
	s->rflags = cpu_rflags(c);
	s->cr0 = c->cr0;
	s->cr3 = c->cr3;
	s->cr4 = c->cr4;
	s->efer = c->efer;
	s->dr7 = c->dr[7];
	memcpy(s->seg, c->seg, sizeof(s->seg));
	s->gdtr = c->gdtr;
	s->idtr = c->idtr;
	s->mode = c->mode;
	s->cpl = c->cpl;
}

static void assert_same(struct cpu *c, const struct snap *s)
{
	struct snap now;
	snap(c, &now);
	for (unsigned n = 0; n < 16; n++)
		assert_int_equal(now.gpr[n], s->gpr[n]);
	assert_int_equal(now.rip, s->rip);
	assert_int_equal(now.rflags, s->rflags);
	assert_int_equal(now.cr0, s->cr0);
	assert_int_equal(now.cr3, s->cr3);
	assert_int_equal(now.cr4, s->cr4);
	assert_int_equal(now.efer, s->efer);
	assert_int_equal(now.dr7, s->dr7);
	for (unsigned r = 0; r < 8; r++) {
		assert_int_equal(now.seg[r].sel, s->seg[r].sel);
		assert_int_equal(now.seg[r].base, s->seg[r].base);
		assert_int_equal(now.seg[r].limit, s->seg[r].limit);
		assert_int_equal(now.seg[r].ar, s->seg[r].ar);
	}
	assert_int_equal(now.gdtr.base, s->gdtr.base);
	assert_int_equal(now.gdtr.limit, s->gdtr.limit);
	assert_int_equal(now.idtr.base, s->idtr.base);
	assert_int_equal(now.idtr.limit, s->idtr.limit);
	assert_int_equal(now.mode, s->mode);
	assert_int_equal(now.cpl, s->cpl);
}

/* SDM Table "Processor Register Initialization in SMM" */
static void test_entry_state(void **state)
{
	struct cpu *c = H.c;
	fill_gprs(c);
	c->dr[7] = 0x401;
	take_smi(c);
	assert_int_equal(c->smi_pending, 0);
	assert_int_equal(c->seg[SEG_CS].sel, 0x3000);
	assert_int_equal(c->seg[SEG_CS].base, 0x30000);
	assert_int_equal(c->seg[SEG_CS].limit, 0xffffffff);
	for (int s = SEG_ES; s <= SEG_GS; s++) {
		if (s == SEG_CS)
			continue;
		assert_int_equal(c->seg[s].sel, 0);
		assert_int_equal(c->seg[s].base, 0);
		assert_int_equal(c->seg[s].limit, 0xffffffff);
	}
	assert_int_equal(c->rip, 0x8000);
	assert_int_equal(cpu_rflags(c), 2);
	assert_int_equal(c->cr0 & (CR0_PE | CR0_PG | CR0_EM | CR0_TS), 0);
	assert_true(c->cr0 & CR0_NE); /* "others unmodified" */
	assert_int_equal(c->cr4, 0);
	assert_int_equal(c->efer, 0);
	assert_int_equal(c->dr[7], 0x400);
	assert_int_equal(c->idtr.limit, 0);
	assert_int_equal(c->mode, MODE_REAL);
	assert_int_equal(c->nmi_blocked, 1);
	assert_int_equal(c->gpr[RBX], 0x4444444444444447ull); /* GPRs unmodified */
}

/* the AMD64 map at SMBASE + 0xfe00 (QEMU's x86-64 offsets) */
static void test_save_map64(void **state)
{
	struct cpu *c = H.c;
	fill_gprs(c);
	c->gpr[RAX] = 0xaaaaaaaabbbbbbbbull;
	c->gpr[R15] = 0x1515151515151515ull;
	c->cr3 = H_PT;
	c->rip = H_CODE + 3;
	c->dr[6] = 0xffff0ff1;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF);
	u64 cr0 = c->cr0, cr4 = c->cr4, efer = c->efer;
	take_smi(c);
	assert_int_equal(rd(SAVE(0xfc), 4), 0x00020064);
	assert_int_equal(rd(SAVE(0x100), 4), 0x30000);
	assert_int_equal(rd(SAVE(0x1f8), 8), 0xaaaaaaaabbbbbbbbull); /* RAX */
	assert_int_equal(rd(SAVE(0x180), 8), 0x1515151515151515ull); /* R15 */
	assert_int_equal(rd(SAVE(0x1d8), 8), H_STACK - 0x40);        /* RSP */
	assert_int_equal(rd(SAVE(0x178), 8), H_CODE + 3);            /* RIP */
	assert_int_equal(rd(SAVE(0x170), 8), RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF);
	assert_int_equal(rd(SAVE(0x168), 8), 0xffff0ff1);            /* DR6 */
	assert_int_equal(rd(SAVE(0x160), 8), 0x400);                 /* DR7 */
	assert_int_equal(rd(SAVE(0x158), 8), cr0);
	assert_int_equal(rd(SAVE(0x150), 8), H_PT);
	assert_int_equal(rd(SAVE(0x148), 8), cr4);
	assert_int_equal(rd(SAVE(0xd0), 8), efer);
	assert_int_equal(rd(SAVE(0xc9), 1), 0);                      /* not from HLT */
	/* CS: selector, attributes (AR bits 7:0 and 15:12), limit, base */
	assert_int_equal(rd(SAVE(0x10), 2), 0x08);
	assert_int_equal(rd(SAVE(0x12), 2), 0xa09b);
	assert_int_equal(rd(SAVE(0x14), 4), 0xffffffff);
	assert_int_equal(rd(SAVE(0x18), 8), 0);
	assert_int_equal(rd(SAVE(0x20), 2), 0x10); /* SS */
	assert_int_equal(rd(SAVE(0x22), 2), 0xc093);
	/* GDTR limit/base, IDTR, TR */
	assert_int_equal(rd(SAVE(0x64), 4), 0x2f);
	assert_int_equal(rd(SAVE(0x68), 8), H_GDT);
	assert_int_equal(rd(SAVE(0x84), 4), 0xfff);
	assert_int_equal(rd(SAVE(0x88), 8), H_IDT);
	assert_int_equal(rd(SAVE(0x90), 2), 0x30);
	assert_int_equal(rd(SAVE(0x92), 2), 0x8b);
	assert_int_equal(rd(SAVE(0x98), 8), S_TSS);
}

/* 64-bit mode -> SMM -> RSM gives back every register; the handler's
 * change of the saved RAX is what RAX becomes */
static void test_round_trip_long(void **state)
{
	struct cpu *c = H.c;
	struct snap s;
	fill_gprs(c);
	c->rip = H_CODE + 0x10;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_SF | RFLAGS_DF);
	c->seg[SEG_FS].base = 0x123456789000ull;
	c->seg[SEG_LDTR] = (struct seg_cache){ 0, 0, 0, AR_UNUSABLE };
	rsm_at(SMBASE0);
	snap(c, &s);
	take_smi(c);
	wr(SAVE(0x1f8), 8, 0x5a5a5a5a12345678ull);
	s.gpr[RAX] = 0x5a5a5a5a12345678ull;
	cpu_step(c); /* RSM */
	assert_false(c->smm.in_smm);
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_int_equal(c->nmi_blocked, 0);
	assert_same(c, &s);
	/* and it runs on in 64-bit mode: mov eax, 7 */
	assert_int_equal(sh_run(&H, CODE(0xb8, 7, 0, 0, 0)), -1);
	assert_int_equal(c->gpr[RAX], 7);
}

/* CR4.PCIDE with a PCID in CR3[11:0] comes back (CR3 loaded after PCIDE) */
static void test_round_trip_pcid(void **state)
{
	struct cpu *c = H.c;
	struct snap s;
	sh_feat(&H, FEAT_pcid, true);
	c->cr4 |= CR4_PCIDE;
	c->cr3 = H_PT | 0x5;
	rsm_at(SMBASE0);
	snap(c, &s);
	take_smi(c);
	cpu_step(c);
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_same(c, &s);
}

static void test_round_trip_prot32(void **state)
{
	struct cpu *c = H.c;
	struct snap s;
	sh_prot32(&H);
	fill_gprs(c);
	c->rip = 0x1234;
	rsm_at(SMBASE0);
	snap(c, &s);
	take_smi(c);
	assert_int_equal(rd(SAVE(0x12), 2), 0xc09b); /* CS attributes, D = 1 */
	cpu_step(c);
	assert_same(c, &s);
	assert_int_equal(c->mode, MODE_PROT32);
}

static void test_round_trip_real(void **state)
{
	struct cpu *c = H.c;
	struct snap s;
	sh_real(&H);
	fill_gprs(c);
	c->rip = 0x20;
	rsm_at(SMBASE0);
	snap(c, &s);
	take_smi(c);
	cpu_step(c);
	assert_same(c, &s);
	assert_int_equal(c->mode, MODE_REAL);
}

/* a model without long mode uses the 32-bit map (revision 0x00020000) */
static void test_map32(void **state)
{
	struct cpu *c = H.c;
	struct snap s;
	sh_feat(&H, FEAT_lm, false);
	sh_prot32(&H);
	fill_gprs(c);
	for (unsigned n = 8; n < 16; n++)
		c->gpr[n] = 0; /* no R8-R15 without long mode */
	for (unsigned n = 0; n < 8; n++)
		c->gpr[n] &= 0xffffffff;
	c->rip = 0x4321;
	rsm_at(SMBASE0);
	snap(c, &s);
	take_smi(c);
	assert_int_equal(rd(SAVE(0xfc), 4), 0x00020000);
	assert_int_equal(rd(SAVE(0xf8), 4), 0x30000);   /* SMBASE */
	assert_int_equal(rd(SAVE(0x1f0), 4), 0x4321);   /* EIP */
	assert_int_equal(rd(SAVE(0x1fc), 4), s.cr0);    /* CR0 */
	assert_int_equal(rd(SAVE(0x1d0), 4), (u32)s.gpr[RAX]);
	assert_int_equal(rd(SAVE(0x1ec), 4), (u32)s.gpr[RDI]);
	assert_int_equal(rd(SAVE(0x1ac), 4), 0x18);     /* CS selector */
	assert_int_equal(rd(SAVE(0x190), 4), 0xc09b);   /* CS attributes */
	assert_int_equal(rd(SAVE(0x1c4), 4), 0x30);     /* TR selector */
	assert_int_equal(rd(SAVE(0x164), 4), S_TSS);    /* TR base */
	assert_int_equal(rd(SAVE(0x154), 4), 0x7ff);    /* IDTR limit */
	assert_int_equal(rd(SAVE(0x158), 4), S_IDT32);  /* IDTR base */
	wr(SAVE(0x1d4), 4, 0xc0ffee);                   /* ECX */
	s.gpr[RCX] = 0xc0ffee;
	cpu_step(c);
	assert_same(c, &s);
}

/* SDM "SMBASE Relocation": RSM takes the new SMBASE from the save area */
static void test_smbase_relocation(void **state)
{
	struct cpu *c = H.c;
	rsm_at(SMBASE0);
	rsm_at(0x50000);
	take_smi(c);
	wr(SAVE(0x100), 4, 0x50000);
	cpu_step(c);
	assert_int_equal(smm_smbase(c), 0x50000);
	take_smi(c);
	assert_int_equal(c->seg[SEG_CS].sel, 0x5000);
	assert_int_equal(c->seg[SEG_CS].base, 0x50000);
	assert_int_equal(rd(0x50000 + 0xfe00 + 0x100, 4), 0x50000);
	assert_int_equal(rd(0x50000 + 0xfe00 + 0x178, 8), H_CODE);
	/* without the relocation bit in the revision ID, SMBASE stays */
	wr(0x50000 + 0xfe00 + 0x100, 4, 0x60000);
	wr(0x50000 + 0xfe00 + 0xfc, 4, 0x64);
	cpu_step(c);
	assert_false(c->smm.in_smm);
	assert_int_equal(smm_smbase(c), 0x50000);
	assert_int_equal(c->rip, H_CODE);
}

/* SDM "RSM": #UD outside SMM */
static void test_rsm_ud(void **state)
{
	assert_int_equal(sh_run(&H, CODE(RSM)), VEC_UD);
	sh_real(&H);
	assert_int_equal(sh_run(&H, CODE(RSM)), VEC_UD);
}

/* an SMI while in SMM is latched and taken after RSM; SMI outranks NMI */
static void test_smi_latched(void **state)
{
	struct cpu *c = H.c;
	rsm_at(SMBASE0);
	c->nmi_pending = 1;
	take_smi(c);
	assert_int_equal(c->nmi_pending, 1); /* SMI first */
	c->smi_pending = 1;
	assert_false(cpu_event_ready(c)); /* SMI latched, NMI blocked */
	assert_false(cpu_handle_events(c));
	assert_int_equal(c->smi_pending, 1);
	assert_int_equal(c->smm.smi_count, 1);
	cpu_step(c); /* RSM */
	assert_false(c->smm.in_smm);
	/* the latched SMI comes before the NMI again */
	assert_true(cpu_handle_events(c));
	assert_true(c->smm.in_smm);
	assert_int_equal(c->smm.smi_count, 2);
	cpu_step(c); /* RSM */
	/* now the NMI, unblocked by RSM */
	assert_int_equal(h_run(&H, 0, 1), VEC_NMI);
}

/* NMI blocking as it was before the SMI comes back */
static void test_nmi_blocking_restored(void **state)
{
	struct cpu *c = H.c;
	rsm_at(SMBASE0);
	c->nmi_blocked = 1;
	take_smi(c);
	cpu_step(c);
	assert_int_equal(c->nmi_blocked, 1);
}

/* SMI outranks a pending #DB trap and the STI shadow; both are held over
 * SMM and are back after RSM */
static void test_db_and_shadow_held(void **state)
{
	struct cpu *c = H.c;
	rsm_at(SMBASE0);
	c->pending_db = 1;
	c->pending_dr6 = BIT(14);
	c->shadow = SHADOW_STI;
	take_smi(c);
	assert_int_equal(c->pending_db, 0);
	assert_int_equal(c->shadow, 0);
	cpu_step(c); /* RSM */
	assert_false(c->smm.in_smm);
	assert_int_equal(c->pending_db, 1);
	assert_int_equal(c->pending_dr6, BIT(14));
	assert_int_equal(c->shadow, SHADOW_STI);
	assert_int_equal(h_run(&H, 0, 1), VEC_DB);
}

static void expect_shutdown(unsigned off, unsigned n, u64 v)
{
	struct cpu *c = H.c;
	rsm_at(SMBASE0);
	take_smi(c);
	wr(SAVE(off), n, v);
	cpu_step(c);
	assert_int_equal(c->activity, ACT_SHUTDOWN);
}

/* SDM "Exiting From SMM": invalid saved state -> shutdown */
static void test_shutdown_cr0_pg_no_pe(void **state)
{
	expect_shutdown(0x158, 8, CR0_PG | CR0_ET);
}

static void test_shutdown_cr0_nw_no_cd(void **state)
{
	expect_shutdown(0x158, 8, CR0_PE | CR0_PG | CR0_NW | CR0_ET);
}

static void test_shutdown_cr4_reserved(void **state)
{
	expect_shutdown(0x148, 8, CR4_PAE | BIT(15));
}

static void test_shutdown_pcide_no_lma(void **state)
{
	sh_feat(&H, FEAT_pcid, true);
	sh_prot32(&H);
	expect_shutdown(0x148, 8, CR4_PCIDE);
}

static void test_shutdown_long_no_pae(void **state)
{
	expect_shutdown(0x148, 8, 0);
}

static void test_shutdown_efer_reserved(void **state)
{
	expect_shutdown(0xd0, 8, EFER_LME | BIT(3));
}

/* nestbox's rule (cpu/system/exec_sys_smm.c): a saved RIP that is not
 * canonical for the 64-bit mode RSM returns to is invalid state */
static void test_shutdown_noncanonical_rip(void **state)
{
	expect_shutdown(0x178, 8, 0x0000800000000000ull);
}

/* SDM "Auto HALT Restart" */
static void test_auto_halt(void **state)
{
	struct cpu *c = H.c;
	rsm_at(SMBASE0);
	c->rip = H_CODE + 1; /* past a HLT */
	c->activity = ACT_HLT;
	take_smi(c);
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_int_equal(rd(SAVE(0xc9), 1), 1);
	cpu_step(c);
	assert_int_equal(c->activity, ACT_HLT); /* back to the HALT state */
	assert_int_equal(c->rip, H_CODE + 1);
	/* bit 0 cleared by the handler: the instruction after HLT */
	take_smi(c);
	wr(SAVE(0xc9), 1, 0);
	cpu_step(c);
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_int_equal(c->rip, H_CODE + 1);
}

/* APM control port 0xb2: raises an SMI on the BSP; 0xb3 scratch */
static void test_apm_port(void **state)
{
	struct cpu *c = H.c;
	pio_write(&H.m.mem, 0xb3, 1, 0x5a);
	assert_int_equal(c->smi_pending, 0);
	assert_int_equal(pio_read(&H.m.mem, 0xb3, 1), 0x5a);
	pio_write(&H.m.mem, 0xb2, 1, 0x42);
	assert_int_equal(c->smi_pending, 1);
	assert_int_equal(pio_read(&H.m.mem, 0xb2, 1), 0x42);
	assert_int_equal(pio_read(&H.m.mem, 0xb3, 1), 0x5a);
}

/* PIIX4: ACPI_ENABLE (0xf1) / ACPI_DISABLE (0xf0) on the APMC port set and
 * clear PM1a_CNT.SCI_EN (the FADT's SMI_CMD values) */
static void test_apm_acpi_enable(void **state)
{
	pio_write(&H.m.mem, 0xb2, 1, 0xf1);
	assert_true(pio_read(&H.m.mem, 0x604, 2) & 1);
	pio_write(&H.m.mem, 0xb2, 1, 0xf0);
	assert_false(pio_read(&H.m.mem, 0x604, 2) & 1);
}

/* with two CPUs, the SMI of port 0xb2 goes to the BSP whoever writes it */
static void test_apm_smi_to_bsp(void **state)
{
	struct machine m;
	struct machine_config cfg = { .ram_size = 16ull << 20, .smp = 2, .cpu_spec = "max",
				      .debug_exit_port = 0xf4 };
	memset(&m, 0, sizeof(m));
	assert_int_equal(machine_init(&m, &cfg), 0);
	m.cur = m.cpus[1];
	pio_write(&m.mem, 0xb2, 1, 0x10);
	assert_int_equal(m.cpus[0]->smi_pending, 1);
	assert_int_equal(m.cpus[1]->smi_pending, 0);
	machine_free(&m);
}

/* OUT to 0xb2 runs the handler at the next boundary and resumes after it */
static void test_apm_out_runs_handler(void **state)
{
	struct cpu *c = H.c;
	/* handler: mov ax, 0x77; mov cs:[0xfff8], ax (saved RAX); rsm */
	static const u8 handler[] = { 0xb8, 0x77, 0x00, 0x2e, 0xa3, 0xf8, 0xff, RSM };
	h_poke(&H, SMBASE0 + 0x8000, handler, sizeof(handler));
	/* mov al, 1; out 0xb2, al; nop */
	assert_int_equal(sh_run(&H, CODE(0xb0, 0x01, 0xe6, 0xb2, 0x90)), -1);
	assert_false(c->smm.in_smm);
	assert_int_equal(c->gpr[RAX], 0x77);
	assert_int_equal(c->mode, MODE_LONG64);
	assert_int_equal(rd(SAVE(0x178), 8), H_CODE + 4); /* after the OUT */
}

/* the firmware's SMM (machine/bios.c): the BSP's SMBASE is 0xa0000 as
 * SeaBIOS leaves it, with RSM at 0xa8000, so an OS writing ACPI_ENABLE to
 * 0xb2 (Linux does, APMC_EN being set) comes back right after the OUT with
 * SCI_EN set; the other CPUs keep the default SMBASE */
static void test_firmware_smi_handler(void **state)
{
	struct cpu *c = H.c;
	H.m.cur = c;
	bios_init(&H.m);
	assert_int_equal(smm_smbase(c), 0xa0000);
	assert_int_equal(rd(0xa8000, 2), 0xaa0f);
	/* mov al, 0xf1; out 0xb2, al; nop */
	assert_int_equal(sh_run(&H, CODE(0xb0, 0xf1, 0xe6, 0xb2, 0x90)), -1);
	assert_false(c->smm.in_smm);
	assert_int_equal(c->mode, MODE_LONG64);
	assert_int_equal(rd(0xa0000 + 0xfe00 + 0x178, 8), H_CODE + 4); /* saved RIP */
	assert_true(pio_read(&H.m.mem, 0x604, 2) & 1);                /* SCI_EN */

	struct machine m;
	struct machine_config cfg = { .ram_size = 16ull << 20, .smp = 2, .cpu_spec = "max",
				      .debug_exit_port = 0xf4 };
	memset(&m, 0, sizeof(m));
	assert_int_equal(machine_init(&m, &cfg), 0);
	m.cur = m.cpus[0];
	bios_init(&m);
	assert_int_equal(smm_smbase(m.cpus[0]), 0xa0000);
	assert_int_equal(smm_smbase(m.cpus[1]), SMBASE0);
	machine_free(&m);
}

/* SDM Vol.4: IA32_SMBASE only in SMM (and with VMX); MSR_SMI_COUNT */
static void test_msrs(void **state)
{
	struct cpu *c = H.c;
	u64 v = 0;
	sh_feat(&H, FEAT_vmx, true);
	assert_int_equal(msr_read(c, 0x9e, &v), -1);
	assert_int_equal(msr_read(c, 0x34, &v), 0);
	assert_int_equal(v, 0);
	take_smi(c);
	assert_int_equal(msr_read(c, 0x9e, &v), 0);
	assert_int_equal(v, 0x30000);
	assert_int_equal(msr_write(c, 0x9e, 0x40000), -1);
	assert_int_equal(msr_read(c, 0x34, &v), 0);
	assert_int_equal(v, 1);
	sh_feat(&H, FEAT_vmx, false);
	assert_int_equal(msr_read(c, 0x9e, &v), -1);
}

/* INIT inside SMM leaves SMM; SMBASE is kept */
static void test_init_leaves_smm(void **state)
{
	struct cpu *c = H.c;
	smm_set_smbase(c, 0x70000);
	take_smi(c);
	c->init_pending = 1;
	assert_true(cpu_handle_events(c));
	assert_false(c->smm.in_smm);
	assert_int_equal(smm_smbase(c), 0x70000);
}

/* RESET (power-up) leaves SMM and puts SMBASE back to 0x30000 (SDM
 * "SMBASE Relocation": the default SMBASE after RESET) */
static void test_reset_restores_smbase(void **state)
{
	struct cpu *c = H.c;
	smm_set_smbase(c, 0x70000);
	take_smi(c);
	cpu_reset(c);
	assert_false(c->smm.in_smm);
	assert_int_equal(smm_smbase(c), 0x30000);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_entry_state),
		T(test_save_map64),
		T(test_round_trip_long),
		T(test_round_trip_pcid),
		T(test_round_trip_prot32),
		T(test_round_trip_real),
		T(test_map32),
		T(test_smbase_relocation),
		T(test_rsm_ud),
		T(test_smi_latched),
		T(test_nmi_blocking_restored),
		T(test_db_and_shadow_held),
		T(test_shutdown_cr0_pg_no_pe),
		T(test_shutdown_cr0_nw_no_cd),
		T(test_shutdown_cr4_reserved),
		T(test_shutdown_pcide_no_lma),
		T(test_shutdown_long_no_pae),
		T(test_shutdown_efer_reserved),
		T(test_shutdown_noncanonical_rip),
		T(test_auto_halt),
		T(test_apm_port),
		T(test_apm_acpi_enable),
		T(test_apm_smi_to_bsp),
		T(test_firmware_smi_handler),
		T(test_apm_out_runs_handler),
		T(test_msrs),
		T(test_init_leaves_smm),
		T(test_reset_restores_smbase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
