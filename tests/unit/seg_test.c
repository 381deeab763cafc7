/* tests/unit/seg_test.c: segment loads and their faults, LAR/LSL/VERR/
 * VERW/ARPL, far JMP/CALL/RET with call gates, IRET, SYSCALL/SYSRET and
 * SYSENTER/SYSEXIT (SDM Vol.3A "Protection"; Vol.2 instruction pages), run
 * through the decoder and step loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/exec/flags.h"
#include "harness.h"

#define TSS 0x5000ull
#define GATE_TARGET 0x320000ull

static u64 frame(struct harness *h, unsigned slot)
{
	return h_peek64(h, h->c->gpr[RSP] + 8 * slot);
}

static u32 rd32(struct harness *h, u64 a) { return (u32)phys_read(&h->m.mem, a, 4); }
static void wr32(struct harness *h, u64 a, u32 v) { phys_write(&h->m.mem, a, 4, v); }
static void wr16(struct harness *h, u64 a, u16 v) { phys_write(&h->m.mem, a, 2, v); }

/* extra GDT rows:
 *   0x30 64-bit TSS (16 bytes)      0x40 not-present data
 *   0x48 data with A = 0            0x50 64-bit call gate DPL 3 -> 0x08:GATE_TARGET */
static void gdt_extra(struct harness *h)
{
	struct cpu *c = h->c;
	h_poke64(h, H_GDT + 0x30, (0x89ull << 40) | (TSS << 16) | 0x67);
	h_poke64(h, H_GDT + 0x38, 0);
	h_poke64(h, H_GDT + 0x40, 0x00cf13000000ffffull);
	h_poke64(h, H_GDT + 0x48, 0x00cf92000000ffffull);
	h_poke64(h, H_GDT + 0x50, (GATE_TARGET & 0xffff) | (0x08ull << 16) | (0xecull << 40) |
					  ((GATE_TARGET >> 16 & 0xffff) << 48));
	h_poke64(h, H_GDT + 0x58, GATE_TARGET >> 32);
	c->gdtr.limit = 0x5f;
	c->seg[SEG_TR] = (struct seg_cache){ 0x30, 0x67, TSS, 0x8b };
	h_poke64(h, TSS + 4, 0x1f0000); /* RSP0 */
	u8 hlt = 0xf4;
	h_poke(h, GATE_TARGET, &hlt, 1);
}

static void init(struct harness *h)
{
	h_init(h, NULL);
	gdt_extra(h);
}

static void to_ring3(struct harness *h)
{
	struct cpu *c = h->c;
	c->seg[SEG_CS] = (struct seg_cache){ 0x2b, 0xffffffff, 0, 0xa0fb };
	c->seg[SEG_SS] = (struct seg_cache){ 0x23, 0xffffffff, 0, 0xc0f3 };
	cpu_update_mode(c);
}

/* run one MOV Sreg, AX (modrm selects the register); returns the vector or -1 */
static int run_mov(u8 modrm, u16 ax, u64 *err, struct harness *h)
{
	init(h);
	h->c->gpr[RAX] = ax;
	const u8 code[] = { 0x8e, modrm };
	int v = h_exec(h, code, sizeof(code));
	*err = v >= 0 ? frame(h, 0) : ~0ull;
	return v;
}

#define MOV_DS 0xd8
#define MOV_SS 0xd0

/* SDM "MOV" Operation and Protected Mode Exceptions */
static void test_mov_seg_checks(void **state)
{
	struct harness h;
	u64 err;

	/* null selector into DS: allowed, the register becomes unusable */
	assert_int_equal(run_mov(MOV_DS, 0, &err, &h), -1);
	assert_true(h.c->seg[SEG_DS].ar & AR_UNUSABLE);
	h_free(&h);
	/* 64-bit mode, CPL 0: null SS with RPL = CPL is allowed... */
	assert_int_equal(run_mov(MOV_SS, 0, &err, &h), -1);
	assert_int_equal(h.c->seg[SEG_SS].sel, 0);
	assert_int_equal(h.c->cpl, 0);
	h_free(&h);
	/* ...but not with RPL != CPL */
	assert_int_equal(run_mov(MOV_SS, 1, &err, &h), VEC_GP);
	assert_int_equal(err, 0);
	h_free(&h);
	/* outside the GDT limit: #GP(selector) */
	assert_int_equal(run_mov(MOV_DS, 0x63, &err, &h), VEC_GP);
	assert_int_equal(err, 0x60);
	h_free(&h);
	/* TI=1 with no LDT */
	assert_int_equal(run_mov(MOV_DS, 0x0c, &err, &h), VEC_GP);
	assert_int_equal(err, 0x0c);
	h_free(&h);
	/* a system descriptor is not a data segment */
	assert_int_equal(run_mov(MOV_DS, 0x30, &err, &h), VEC_GP);
	assert_int_equal(err, 0x30);
	h_free(&h);
	/* not present: #NP for DS, #SS for SS */
	assert_int_equal(run_mov(MOV_DS, 0x40, &err, &h), VEC_NP);
	assert_int_equal(err, 0x40);
	h_free(&h);
	assert_int_equal(run_mov(MOV_SS, 0x40, &err, &h), VEC_SS);
	assert_int_equal(err, 0x40);
	h_free(&h);
	/* SS: RPL and DPL must equal CPL */
	assert_int_equal(run_mov(MOV_SS, 0x23, &err, &h), VEC_GP);
	assert_int_equal(err, 0x20);
	h_free(&h);
	/* SS must be writable data (0x08 is code) */
	assert_int_equal(run_mov(MOV_SS, 0x08, &err, &h), VEC_GP);
	assert_int_equal(err, 0x08);
	h_free(&h);
	/* DS may hold readable code; the accessed bit is set in memory */
	assert_int_equal(run_mov(MOV_DS, 0x48, &err, &h), -1);
	assert_int_equal(phys_read(&h.m.mem, H_GDT + 0x48 + 5, 1), 0x93);
	assert_int_equal(h.c->seg[SEG_DS].sel, 0x48);
	h_free(&h);
	/* MOV SS sets the interrupt shadow */
	init(&h);
	h.c->gpr[RAX] = 0x10;
	h_code(&h, (const u8[]){ 0x8e, 0xd0 }, 2);
	cpu_step(h.c);
	assert_true(h.c->shadow & SHADOW_MOVSS);
	h_free(&h);
}

/* DPL < CPL data segment at CPL 3: #GP(selector) */
static void test_mov_ds_privilege(void **state)
{
	struct harness h;
	init(&h);
	to_ring3(&h);
	h.c->gpr[RAX] = 0x13;
	static const u8 code[] = { 0x8e, 0xd8 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_GP);
	assert_int_equal(frame(&h, 0), 0x10);
	h_free(&h);
}

static bool zf(struct harness *h) { return (cpu_rflags(h->c) & RFLAGS_ZF) != 0; }

static void exec_sel(struct harness *h, const u8 *code, unsigned len, u16 sel)
{
	h->c->gpr[RCX] = sel;
	h->c->gpr[RAX] = 0x5555;
	assert_int_equal(h_exec(h, code, len), -1);
}

/* SDM "LAR", "LSL", "VERR/VERW": results in ZF, no faults for bad selectors */
static void test_lar_lsl_verr_verw(void **state)
{
	static const u8 lar[] = { 0x0f, 0x02, 0xc1 }, lsl[] = { 0x0f, 0x03, 0xc1 };
	static const u8 verr[] = { 0x0f, 0x00, 0xe1 }, verw[] = { 0x0f, 0x00, 0xe9 };
	struct harness h;
	init(&h);
	exec_sel(&h, lar, 3, 0x10);
	assert_true(zf(&h));
	assert_int_equal(h.c->gpr[RAX], 0x00c09300);
	exec_sel(&h, lsl, 3, 0x10);
	assert_true(zf(&h));
	assert_int_equal(h.c->gpr[RAX], 0xffffffff);
	exec_sel(&h, lar, 3, 0);
	assert_false(zf(&h));
	assert_int_equal(h.c->gpr[RAX], 0x5555);
	exec_sel(&h, lar, 3, 0x78); /* outside the limit */
	assert_false(zf(&h));
	/* IA-32e: a 64-bit TSS is valid for LAR and LSL, a call gate for LAR only */
	exec_sel(&h, lar, 3, 0x30);
	assert_true(zf(&h));
	assert_int_equal(h.c->gpr[RAX], 0x8900);
	exec_sel(&h, lsl, 3, 0x50);
	assert_false(zf(&h));
	exec_sel(&h, lar, 3, 0x50);
	assert_true(zf(&h));
	exec_sel(&h, verr, 3, 0x08);
	assert_true(zf(&h));
	exec_sel(&h, verw, 3, 0x08);
	assert_false(zf(&h));
	exec_sel(&h, verw, 3, 0x10);
	assert_true(zf(&h));
	/* RPL > DPL hides a DPL-0 data segment */
	exec_sel(&h, verr, 3, 0x13);
	assert_false(zf(&h));
	h_free(&h);
}

/* SDM "JMP": far jump to a 32-bit code segment enters compatibility mode;
 * a non-conforming target with RPL > CPL is #GP(selector) */
static void test_far_jmp(void **state)
{
	struct harness h;
	init(&h);
	wr32(&h, H_DATA, (u32)H_CODE + 0x100);
	wr16(&h, H_DATA + 4, 0x18);
	static const u8 code[] = { 0xff, 0x2c, 0x25, (u8)H_DATA, (u8)(H_DATA >> 8),
				   (u8)(H_DATA >> 16), 0 };
	h_code(&h, code, sizeof(code));
	cpu_step(h.c);
	assert_int_equal(h.c->mode, MODE_COMPAT32);
	assert_int_equal(h.c->rip, H_CODE + 0x100);
	assert_int_equal(h.c->seg[SEG_CS].sel, 0x18);
	h_free(&h);

	init(&h);
	wr32(&h, H_DATA, (u32)H_CODE);
	wr16(&h, H_DATA + 4, 0x1b);
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_GP);
	assert_int_equal(frame(&h, 0), 0x18);
	h_free(&h);
}

/* SDM "CALL" MORE-PRIVILEGE through a 64-bit call gate: stack from
 * TSS.RSP0, SS = null, SS:RSP and CS:RIP of the caller pushed (8 bytes) */
static void test_call_gate64(void **state)
{
	struct harness h;
	init(&h);
	struct cpu *c = h.c;
	to_ring3(&h);
	c->gpr[RSP] = 0x1e0000;
	wr32(&h, H_DATA, 0);
	wr16(&h, H_DATA + 4, 0x53);
	static const u8 code[] = { 0xff, 0x1c, 0x25, (u8)H_DATA, (u8)(H_DATA >> 8),
				   (u8)(H_DATA >> 16), 0 };
	h_code(&h, code, sizeof(code));
	cpu_step(c);
	assert_int_equal(c->rip, GATE_TARGET);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->seg[SEG_CS].sel, 0x08);
	assert_int_equal(c->seg[SEG_SS].sel, 0);
	assert_int_equal(c->gpr[RSP], 0x1f0000 - 32);
	assert_int_equal(frame(&h, 0), H_CODE + sizeof(code));
	assert_int_equal(frame(&h, 1), 0x2b);
	assert_int_equal(frame(&h, 2), 0x1e0000);
	assert_int_equal(frame(&h, 3), 0x23);
	h_free(&h);

	/* gate DPL 0 from CPL 3: #GP(gate selector) */
	init(&h);
	c = h.c;
	to_ring3(&h);
	phys_write(&h.m.mem, H_GDT + 0x55, 1, 0x8c);
	wr32(&h, H_DATA, 0);
	wr16(&h, H_DATA + 4, 0x53);
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_GP);
	assert_int_equal(frame(&h, 0), 0x50);
	h_free(&h);
}

/* SDM "RET" RETURN-TO-OUTER-PRIVILEGE-LEVEL: SS:RSP popped, DS (DPL 0)
 * nulled, ES (DPL 3) kept */
static void test_retf_outer(void **state)
{
	struct harness h;
	init(&h);
	struct cpu *c = h.c;
	c->seg[SEG_ES] = (struct seg_cache){ 0x23, 0xffffffff, 0, 0xc0f3 };
	c->gpr[RSP] = 0x1f0000;
	h_poke64(&h, 0x1f0000, H_CODE + 0x40);
	h_poke64(&h, 0x1f0008, 0x2b);
	h_poke64(&h, 0x1f0010, 0x1e0000);
	h_poke64(&h, 0x1f0018, 0x23);
	h_code(&h, (const u8[]){ 0x48, 0xcb }, 2);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 0x40);
	assert_int_equal(c->cpl, 3);
	assert_int_equal(c->seg[SEG_CS].sel, 0x2b);
	assert_int_equal(c->seg[SEG_SS].sel, 0x23);
	assert_int_equal(c->gpr[RSP], 0x1e0000);
	assert_int_equal(c->seg[SEG_DS].sel, 0);
	assert_int_equal(c->seg[SEG_ES].sel, 0x23);
	h_free(&h);
}

/* SDM "IRET" IA-32e mode: to ring 3 with IF restored, NMIs unblocked;
 * a return CS with RPL < CPL is #GP(selector) */
static void test_iretq(void **state)
{
	struct harness h;
	init(&h);
	struct cpu *c = h.c;
	c->nmi_blocked = 1;
	c->gpr[RSP] = 0x1f0000;
	h_poke64(&h, 0x1f0000, H_CODE + 0x40);
	h_poke64(&h, 0x1f0008, 0x2b);
	h_poke64(&h, 0x1f0010, 0x202);
	h_poke64(&h, 0x1f0018, 0x1e0000);
	h_poke64(&h, 0x1f0020, 0x23);
	h_code(&h, (const u8[]){ 0x48, 0xcf }, 2);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 0x40);
	assert_int_equal(c->cpl, 3);
	assert_int_equal(c->gpr[RSP], 0x1e0000);
	assert_true(cpu_rflags(c) & RFLAGS_IF);
	assert_false(c->nmi_blocked);
	h_free(&h);

	init(&h);
	c = h.c;
	to_ring3(&h);
	c->gpr[RSP] = 0x1e0000;
	h_poke64(&h, 0x1e0000, H_CODE);
	h_poke64(&h, 0x1e0008, 0x08);
	h_poke64(&h, 0x1e0010, 0x2);
	h_poke64(&h, 0x1e0018, 0x1e0000);
	h_poke64(&h, 0x1e0020, 0x10);
	static const u8 iretq[] = { 0x48, 0xcf };
	assert_int_equal(h_exec(&h, iretq, sizeof(iretq)), VEC_GP);
	assert_int_equal(frame(&h, 0), 0x08);
	h_free(&h);
}

/* SDM "SYSCALL" / "SYSRET" */
static void test_syscall_sysret(void **state)
{
	struct harness h;
	init(&h);
	struct cpu *c = h.c;
	c->msr.star = (0x18ull << 48) | (0x08ull << 32);
	c->msr.lstar = 0x330000;
	c->msr.sfmask = RFLAGS_IF | RFLAGS_DF;
	to_ring3(&h);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_DF | RFLAGS_CF);
	h_code(&h, (const u8[]){ 0x0f, 0x05 }, 2);
	h_poke(&h, 0x330000, (const u8[]){ 0x48, 0x0f, 0x07 }, 3);
	cpu_step(c);
	assert_int_equal(c->rip, 0x330000);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->seg[SEG_CS].sel, 0x08);
	assert_int_equal(c->seg[SEG_SS].sel, 0x10);
	assert_int_equal(c->mode, MODE_LONG64);
	assert_int_equal(c->gpr[RCX], H_CODE + 2);
	assert_int_equal(c->gpr[R11], RFLAGS_FIXED | RFLAGS_IF | RFLAGS_DF | RFLAGS_CF);
	assert_int_equal(cpu_rflags(c) & (RFLAGS_IF | RFLAGS_DF | RFLAGS_CF), RFLAGS_CF);
	/* SYSRET (REX.W): CS = STAR[63:48]+16 | 3, SS = STAR[63:48]+8 | 3 */
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 2);
	assert_int_equal(c->cpl, 3);
	assert_int_equal(c->seg[SEG_CS].sel, 0x2b);
	assert_int_equal(c->seg[SEG_SS].sel, 0x23);
	assert_int_equal(c->mode, MODE_LONG64);
	assert_true(cpu_rflags(c) & RFLAGS_IF);
	/* SYSRET at CPL 3: #GP(0) */
	static const u8 sysret[] = { 0x48, 0x0f, 0x07 };
	assert_int_equal(h_exec(&h, sysret, sizeof(sysret)), VEC_GP);
	h_free(&h);

	/* non-canonical RCX: #GP(0) at CPL 0 */
	init(&h);
	c = h.c;
	c->gpr[RCX] = 0x0000800000000000ull;
	assert_int_equal(h_exec(&h, sysret, sizeof(sysret)), VEC_GP);
	assert_int_equal(frame(&h, 0), 0);
	assert_int_equal(frame(&h, 1), H_CODE);
	h_free(&h);

	/* EFER.SCE = 0: #UD */
	init(&h);
	h.c->efer &= ~EFER_SCE;
	static const u8 syscall[] = { 0x0f, 0x05 };
	assert_int_equal(h_exec(&h, syscall, sizeof(syscall)), VEC_UD);
	h_free(&h);
}

/* SDM "Single-Step Exception Condition" with SYSCALL/SYSRET: the trap
 * follows the TF they leave. SYSCALL whose SFMASK clears TF: no trap in
 * the kernel; SYSRET loading TF = 1 from R11: a trap right after it, in
 * ring 3 (kvm-unit-tests syscall.flat "syscall TF handling") */
static void test_syscall_sysret_tf(void **state)
{
	struct harness h;
	init(&h);
	struct cpu *c = h.c;
	c->msr.star = (0x18ull << 48) | (0x08ull << 32);
	c->msr.lstar = 0x330000;
	c->msr.sfmask = RFLAGS_TF;
	to_ring3(&h);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_TF);
	h_code(&h, (const u8[]){ 0x0f, 0x05, 0x90 }, 3);
	h_poke(&h, 0x330000, (const u8[]){ 0x48, 0x0f, 0x07 }, 3);
	cpu_step(c);
	assert_int_equal(c->rip, 0x330000);
	assert_false(cpu_rflags(c) & RFLAGS_TF);
	assert_false(c->pending_db);
	/* SYSRET with R11.TF = 1 from TF = 0: #DB at the user RIP */
	assert_true(c->gpr[R11] & RFLAGS_TF);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 2);
	assert_int_equal(c->cpl, 3);
	assert_true(c->pending_db);
	assert_true(c->pending_dr6 & DR6_BS);
	h_free(&h);
}

/* SDM "SYSENTER" / "SYSEXIT" */
static void test_sysenter_sysexit(void **state)
{
	struct harness h;
	init(&h);
	struct cpu *c = h.c;
	static const u8 sysenter[] = { 0x0f, 0x34 };
	assert_int_equal(h_exec(&h, sysenter, sizeof(sysenter)), VEC_GP); /* SYSENTER_CS = 0 */
	h_free(&h);

	init(&h);
	c = h.c;
	c->msr.sysenter_cs = 0x08;
	c->msr.sysenter_esp = 0x1d0000;
	c->msr.sysenter_eip = 0x330000;
	to_ring3(&h);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	h_code(&h, sysenter, sizeof(sysenter));
	h_poke(&h, 0x330000, (const u8[]){ 0x48, 0x0f, 0x35 }, 3);
	cpu_step(c);
	assert_int_equal(c->rip, 0x330000);
	assert_int_equal(c->gpr[RSP], 0x1d0000);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->seg[SEG_SS].sel, 0x10);
	assert_int_equal(c->mode, MODE_LONG64);
	assert_false(cpu_rflags(c) & RFLAGS_IF);
	c->gpr[RCX] = 0x1c0000;
	c->gpr[RDX] = H_CODE + 0x80;
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 0x80);
	assert_int_equal(c->gpr[RSP], 0x1c0000);
	assert_int_equal(c->seg[SEG_CS].sel, 0x2b);
	assert_int_equal(c->seg[SEG_SS].sel, 0x33);
	assert_int_equal(c->cpl, 3);
	h_free(&h);
}

/* legacy protected mode: 32-bit call gate with 2 parameters to ring 0,
 * then RETF 8 back to ring 3 */
static void setup_prot32(struct harness *h)
{
	h_prot32_ring3(h, TSS);
	/* 0x40: 32-bit call gate, DPL 3, 2 params -> 0x18:0x340000 */
	h_poke64(h, H_GDT + 0x40, (0x34ull << 48) | (0xecull << 40) | (2ull << 32) | (0x18ull << 16));
	h->c->gdtr.limit = 0x47;
}

static void test_call_gate32_params(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	setup_prot32(&h);
	c->gpr[RSP] = 0x1e0000;
	wr32(&h, 0x1e0000, 0x11111111);
	wr32(&h, 0x1e0004, 0x22222222);
	h_code(&h, (const u8[]){ 0x9a, 0, 0, 0, 0, 0x43, 0 }, 7);
	h_poke(&h, 0x340000, (const u8[]){ 0xca, 0x08, 0x00 }, 3); /* retf 8 */
	cpu_step(c);
	assert_int_equal(c->rip, 0x340000);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->seg[SEG_SS].sel, 0x10);
	u64 sp = c->gpr[RSP];
	assert_int_equal(sp, 0x1f0000 - 24);
	assert_int_equal(rd32(&h, sp), H_CODE + 7);
	assert_int_equal(rd32(&h, sp + 4), 0x33);
	assert_int_equal(rd32(&h, sp + 8), 0x11111111);
	assert_int_equal(rd32(&h, sp + 12), 0x22222222);
	assert_int_equal(rd32(&h, sp + 16), 0x1e0000);
	assert_int_equal(rd32(&h, sp + 20), 0x23);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 7);
	assert_int_equal(c->cpl, 3);
	assert_int_equal(c->gpr[RSP], 0x1e0008);
	assert_int_equal(c->seg[SEG_SS].sel, 0x23);
	h_free(&h);
}

/* ARPL (legacy modes): raise the RPL of the destination */
static void test_arpl(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	setup_prot32(&h);
	c->gpr[RAX] = 0x10;
	c->gpr[RCX] = 0x3;
	h_code(&h, (const u8[]){ 0x63, 0xc8 }, 2);
	cpu_step(c);
	assert_int_equal(c->gpr[RAX], 0x13);
	assert_true(cpu_rflags(c) & RFLAGS_ZF);
	h_free(&h);
}

/* real mode far JMP: CS base = selector * 16 */
static void test_far_jmp_real(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	h_real_mode(&h, 0x0700);
	h_poke(&h, 0x7000, (const u8[]){ 0xea, 0x78, 0x56, 0x34, 0x12 }, 5);
	c->rip = 0;
	cpu_step(c);
	assert_int_equal(c->seg[SEG_CS].base, 0x12340);
	assert_int_equal(c->rip, 0x5678);
	assert_int_equal(c->mode, MODE_REAL);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_seg_checks),
		cmocka_unit_test(test_mov_ds_privilege),
		cmocka_unit_test(test_lar_lsl_verr_verw),
		cmocka_unit_test(test_far_jmp),
		cmocka_unit_test(test_call_gate64),
		cmocka_unit_test(test_retf_outer),
		cmocka_unit_test(test_iretq),
		cmocka_unit_test(test_syscall_sysret),
		cmocka_unit_test(test_syscall_sysret_tf),
		cmocka_unit_test(test_sysenter_sysexit),
		cmocka_unit_test(test_call_gate32_params),
		cmocka_unit_test(test_arpl),
		cmocka_unit_test(test_far_jmp_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
