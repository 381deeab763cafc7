/* tests/unit/event_test.c: exception and interrupt delivery (SDM Vol.3A
 * "Interrupt and Exception Handling") in real, protected and IA-32e mode,
 * #DF / triple fault, boundary events (NMI, INTR, HLT wake, shadows) and
 * debug exceptions (breakpoints, single step), run through the decoder and
 * step loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/event.h"
#include "harness.h"

#define TSS 0x5000ull

static u64 frame(struct harness *h, unsigned slot)
{
	return h_peek64(h, h->c->gpr[RSP] + 8 * slot);
}

static u32 rd32(struct harness *h, u64 a) { return (u32)phys_read(&h->m.mem, a, 4); }
static u16 rd16(struct harness *h, u64 a) { return (u16)phys_read(&h->m.mem, a, 2); }

/* 64-bit TSS: RSP0 and IST1 */
static void setup_tss64(struct harness *h, u64 rsp0, u64 ist1)
{
	h_poke64(h, TSS + 4, rsp0);
	h_poke64(h, TSS + 36, ist1);
	h->c->seg[SEG_TR] = (struct seg_cache){ 0x40, 0x67, TSS, 0x8b };
}

static void set_gate_byte(struct harness *h, unsigned vec, unsigned byte, u8 v)
{
	h_poke(h, H_IDT + 16 * vec + byte, &v, 1);
}

static void to_ring3(struct harness *h)
{
	struct cpu *c = h->c;
	c->seg[SEG_CS] = (struct seg_cache){ 0x2b, 0xffffffff, 0, 0xa0fb };
	c->seg[SEG_SS] = (struct seg_cache){ 0x23, 0xffffffff, 0, 0xc0f3 };
	cpu_update_mode(c);
}

/* SDM "Interrupt and Exception Handling in 64-Bit Mode": SS:RSP, RFLAGS,
 * CS:RIP pushed, stack aligned to 16; faults push RF = 1 */
static void test_long_fault_frame(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->gpr[RSP] = H_STACK - 8; /* misaligned: the CPU aligns first */
	static const u8 ud2[] = { 0x0f, 0x0b };
	assert_int_equal(h_exec(&h, ud2, sizeof(ud2)), VEC_UD);
	assert_int_equal(c->gpr[RSP], H_STACK - 16 - 40);
	assert_int_equal(frame(&h, 0), H_CODE);
	assert_int_equal(frame(&h, 1), 0x08);
	assert_int_equal(frame(&h, 2), RFLAGS_FIXED | RFLAGS_RF);
	assert_int_equal(frame(&h, 3), H_STACK - 8);
	assert_int_equal(frame(&h, 4), 0x10);
	h_free(&h);
}

/* INT3 is a trap: the pushed RIP follows it and RF is not set */
static void test_long_int3_trap(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	static const u8 code[] = { 0xcc };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_BP);
	assert_int_equal(frame(&h, 0), H_CODE + 1);
	assert_int_equal(frame(&h, 2), RFLAGS_FIXED);
	h_free(&h);
}

/* INT n at CPL 3 through a DPL-0 gate: #GP(vector*8+2), no EXT; through a
 * DPL-3 gate: ring-0 stack from TSS.RSP0 and a null SS with RPL 0 */
static void test_long_soft_int_privilege(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	setup_tss64(&h, 0x1f0000, 0);
	to_ring3(&h);
	static const u8 code[] = { 0xcd, 0x80 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_GP);
	assert_int_equal(frame(&h, 0), 0x80 * 8 + 2);
	assert_int_equal(c->gpr[RSP], 0x1f0000 - 48);
	assert_int_equal(frame(&h, 1), H_CODE); /* #GP is a fault on the INT */

	h_free(&h);
	h_init(&h, NULL);
	c = h.c;
	setup_tss64(&h, 0x1f0000, 0);
	to_ring3(&h);
	set_gate_byte(&h, 0x80, 5, 0xee); /* P, DPL 3, 64-bit interrupt gate */
	c->gpr[RSP] = 0x1e0008;
	assert_int_equal(h_exec(&h, code, sizeof(code)), 0x80);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->seg[SEG_SS].sel, 0);
	assert_int_equal(c->gpr[RSP], 0x1f0000 - 40);
	assert_int_equal(frame(&h, 0), H_CODE + 2);
	assert_int_equal(frame(&h, 1), 0x2b);
	assert_int_equal(frame(&h, 3), 0x1e0008);
	assert_int_equal(frame(&h, 4), 0x23);
	h_free(&h);
}

/* SDM "Interrupt Stack Table": IST != 0 always switches stacks */
static void test_long_ist(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	setup_tss64(&h, 0x1f0000, 0x1e8008);
	set_gate_byte(&h, VEC_UD, 4, 1);
	static const u8 ud2[] = { 0x0f, 0x0b };
	assert_int_equal(h_exec(&h, ud2, sizeof(ud2)), VEC_UD);
	assert_int_equal(c->gpr[RSP], 0x1e8000 - 40);
	assert_int_equal(frame(&h, 3), H_STACK);
	h_free(&h);
}

/* not-present gate: #NP(vector*8 + IDT(2) + EXT(1)) */
static void test_gate_not_present(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	set_gate_byte(&h, VEC_UD, 5, 0x0e);
	static const u8 ud2[] = { 0x0f, 0x0b };
	assert_int_equal(h_exec(&h, ud2, sizeof(ud2)), VEC_NP);
	assert_int_equal(frame(&h, 0), VEC_UD * 8 + 3);
	h_free(&h);
}

/* SDM "Interrupt 8—Double Fault Exception (#DF)": #GP while delivering #GP
 * (contributory + contributory) becomes #DF with error code 0 */
static void test_double_fault(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->idtr.limit = 16 * 9 - 1; /* vectors 0-8 only */
	/* mov rax, [0x8000000000000000]: non-canonical -> #GP(0) */
	static const u8 code[] = { 0x48, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0x80 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_DF);
	assert_int_equal(frame(&h, 0), 0);
	assert_int_equal(c->in_event, 0);
	h_free(&h);
}

/* benign then contributory is delivered serially: #UD whose gate is
 * outside the IDT gives #GP(6*8+2+1) */
static void test_benign_then_contributory(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	set_gate_byte(&h, VEC_UD, 5, 0x00); /* not a gate type */
	static const u8 ud2[] = { 0x0f, 0x0b };
	assert_int_equal(h_exec(&h, ud2, sizeof(ud2)), VEC_GP);
	assert_int_equal(frame(&h, 0), VEC_UD * 8 + 3);
	(void)c;
	h_free(&h);
}

/* a fault while delivering #DF shuts the processor down */
static void test_triple_fault(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->idtr.limit = 0;
	static const u8 ud2[] = { 0x0f, 0x0b };
	h_exec(&h, ud2, sizeof(ud2));
	assert_int_equal(c->activity, ACT_SHUTDOWN);
	h_free(&h);
}

/* #PF while delivering #PF becomes #DF (the #DF gate has a good IST stack) */
static void test_page_fault_double(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	setup_tss64(&h, 0x1f0000, 0x1e8000);
	set_gate_byte(&h, VEC_DF, 4, 1);
	c->gpr[RSP] = 0x40001000; /* unmapped */
	static const u8 ud2[] = { 0x0f, 0x0b };
	assert_int_equal(h_exec(&h, ud2, sizeof(ud2)), VEC_DF);
	assert_int_equal(c->gpr[RSP], 0x1e8000 - 48);
	h_free(&h);
}

/* real-address mode: IVT, FLAGS/CS/IP pushed, IF/TF cleared */
static void test_real_mode_ivt(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	h_real_mode(&h, 0x0700);
	c->gpr[RSP] = 0x6000;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	h_poke(&h, 0x10 * 4, (const u8[]){ 0x34, 0x12, 0x00, 0x09 }, 4); /* 0900:1234 */
	h_poke(&h, 0x7100, (const u8[]){ 0xcd, 0x10 }, 2);
	c->rip = 0x100;
	cpu_step(c);
	assert_int_equal(c->seg[SEG_CS].sel, 0x900);
	assert_int_equal(c->seg[SEG_CS].base, 0x9000);
	assert_int_equal(c->rip, 0x1234);
	assert_int_equal(c->gpr[RSP], 0x6000 - 6);
	assert_int_equal(rd16(&h, 0x5ffa), 0x102);
	assert_int_equal(rd16(&h, 0x5ffc), 0x700);
	assert_int_equal(rd16(&h, 0x5ffe), RFLAGS_FIXED | RFLAGS_IF);
	assert_false(cpu_rflags(c) & RFLAGS_IF);
	h_free(&h);
}

/* legacy protected mode, 32-bit interrupt gate from ring 3 to ring 0 with
 * the stack from a 32-bit TSS (INTER-PRIVILEGE-LEVEL-INTERRUPT) */
static void setup_prot32(struct harness *h)
{
	struct cpu *c = h->c;
	h_prot32_ring3(h, TSS);
	c->idtr = (struct dtr){ 0x3000, 0x7ff };
	/* vector 0x80: 32-bit interrupt gate DPL 3 -> 0x18:0x310000 */
	h_poke64(h, 0x3000 + 8 * 0x80, 0x0031ee0000180000ull);
	u8 hlt = 0xf4;
	h_poke(h, 0x310000, &hlt, 1);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
}

static void test_prot32_inner(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	setup_prot32(&h);
	c->gpr[RSP] = 0x1e0000;
	h_code(&h, (const u8[]){ 0xcd, 0x80 }, 2);
	cpu_step(c);
	assert_int_equal(c->rip, 0x310000);
	assert_int_equal(c->mode, MODE_PROT32);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->seg[SEG_SS].sel, 0x10);
	assert_int_equal(c->gpr[RSP], 0x1f0000 - 20);
	u64 sp = c->gpr[RSP];
	assert_int_equal(rd32(&h, sp), H_CODE + 2);
	assert_int_equal(rd32(&h, sp + 4), 0x33);
	assert_int_equal(rd32(&h, sp + 8), RFLAGS_FIXED | RFLAGS_IF);
	assert_int_equal(rd32(&h, sp + 12), 0x1e0000);
	assert_int_equal(rd32(&h, sp + 16), 0x23);
	assert_false(cpu_rflags(c) & RFLAGS_IF);
	/* IRETD back to ring 3: DS (DPL 3) stays, SS:ESP restored */
	h_poke(&h, 0x310000, (const u8[]){ 0xcf }, 1);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 2);
	assert_int_equal(c->cpl, 3);
	assert_int_equal(c->gpr[RSP], 0x1e0000);
	assert_int_equal(c->seg[SEG_DS].sel, 0x23);
	assert_true(cpu_rflags(c) & RFLAGS_IF);
	h_free(&h);
}

/* --- boundary events --- */
static int fake_vec = -1, fake_asked;
static int fake_pending(struct cpu *c)
{
	fake_asked++;
	return fake_vec;
}
static int fake_ack(struct cpu *c)
{
	int v = fake_vec;
	fake_vec = -1;
	return v;
}
static const struct apic_ops fake_apic = { .irq_pending = fake_pending, .irq_ack = fake_ack };

static void test_nmi_wakes_hlt_and_blocks(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->activity = ACT_HLT;
	assert_false(cpu_event_ready(c));
	c->nmi_pending = 1;
	assert_true(cpu_event_ready(c));
	assert_true(cpu_handle_events(c));
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_NMI);
	assert_true(c->nmi_blocked);
	/* a second NMI waits until IRET */
	c->nmi_pending = 1;
	assert_false(cpu_event_ready(c));
	h_poke(&h, H_VECTORS + 16 * VEC_NMI, (const u8[]){ 0x48, 0xcf }, 2); /* iretq */
	cpu_step(c);
	assert_false(c->nmi_blocked);
	assert_true(cpu_event_ready(c));
	h_free(&h);
}

static void test_intr_if_and_shadow(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->apic_ops = &fake_apic;
	fake_vec = 0x40;
	c->activity = ACT_HLT;
	assert_false(cpu_event_ready(c)); /* IF = 0: HLT is not woken */
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	c->shadow = SHADOW_STI;
	assert_false(cpu_event_ready(c));
	c->shadow = SHADOW_MOVSS;
	assert_false(cpu_event_ready(c));
	c->shadow = 0;
	assert_true(cpu_event_ready(c));
	assert_true(cpu_handle_events(c));
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_int_equal(c->rip, H_VECTORS + 16 * 0x40);
	assert_int_equal(fake_vec, -1);
	/* external interrupt: RF not forced, return RIP = the boundary */
	assert_int_equal(frame(&h, 0), H_CODE);
	h_free(&h);
}

/* c->irq_hint: once the APIC had nothing, it is not asked again until
 * something that could give it an interrupt happened (cpu_stop, a port or
 * MMIO access, a new cpu_run turn) -- and then it is */
static void test_irq_hint(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->apic_ops = &fake_apic;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	fake_vec = -1;
	fake_asked = 0;
	assert_false(cpu_event_ready(c));
	assert_int_equal(fake_asked, 1);
	assert_false(cpu_event_ready(c));
	assert_int_equal(fake_asked, 1); /* not asked again */
	fake_vec = 0x40;                 /* raised behind the CPU's back */
	assert_false(cpu_event_ready(c));
	cpu_stop(c);                     /* as every device that raises a line does */
	assert_true(cpu_event_ready(c));
	assert_int_equal(fake_asked, 2);
	/* a port access sets it too: out 0x80, al */
	fake_vec = -1;
	assert_false(cpu_event_ready(c));
	fake_vec = 0x41;
	assert_false(cpu_event_ready(c));
	cpu_set_rflags(c, RFLAGS_FIXED);
	h_exec(&h, (const u8[]){ 0xe6, 0x80 }, 2);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF);
	assert_true(cpu_event_ready(c));
	fake_vec = -1;
	h_free(&h);
}

/* an NMI that reached an AP waiting for its SIPI is not delivered once the
 * SIPI starts it (start-up code has no IDT for it yet) */
static void test_nmi_dropped_at_sipi(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->activity = ACT_WAIT_SIPI;
	c->nmi_pending = 1;
	assert_false(cpu_event_ready(c)); /* wait-for-SIPI: NMI not taken */
	c->sipi_pending = 1;
	c->sipi_vector = 0x08;
	assert_true(cpu_event_ready(c));
	cpu_handle_events(c);
	assert_int_equal(c->activity, ACT_ACTIVE);
	assert_int_equal(c->seg[SEG_CS].base, 0x8000);
	assert_int_equal(c->rip, 0);
	assert_false(c->nmi_pending);
	h_free(&h);
}

/* PAUSE ends the vCPU's turn when there are other vCPUs to run */
static void test_pause_ends_turn(void **state)
{
	static const u8 code[] = { 0xf3, 0x90, 0x90, 0x90, 0xf4 }; /* pause; nop; nop; hlt */
	for (int n = 1; n <= 2; n++) {
		struct harness h;
		h_init_smp(&h, NULL, n);
		struct cpu *c = h.c;
		h_code(&h, code, sizeof(code));
		c->deadline = 1000;
		cpu_run(c);
		assert_int_equal(c->icount, n == 1 ? 4 : 1);
		h_free(&h);
	}
}

/* --- debug exceptions --- */

/* SDM "Single-Step Exception Condition": no trap after the POPF that sets
 * TF, a trap (DR6.BS) after the next instruction */
static void test_single_step(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	static const u8 code[] = { 0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00,
				   0x9d, 0x90, 0x90 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_DB);
	assert_int_equal(frame(&h, 0), H_CODE + 11);
	assert_true(c->dr[6] & DR6_BS);
	assert_true(frame(&h, 2) & RFLAGS_TF);
	assert_false(cpu_rflags(c) & RFLAGS_TF);
	h_free(&h);
}

/* MOV SS delays the single-step trap by one instruction */
static void test_single_step_mov_ss(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->gpr[RAX] = 0x10;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_TF);
	static const u8 code[] = { 0x8e, 0xd0, 0x90, 0x90 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_DB);
	assert_int_equal(frame(&h, 0), H_CODE + 3);
	h_free(&h);
}

/* INT3 with TF=1: no single-step trap follows (TF is cleared on delivery) */
static void test_single_step_int3(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_TF);
	static const u8 code[] = { 0xcc };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_BP);
	assert_false(c->pending_db);
	h_free(&h);
}

/* SDM "Instruction-Breakpoint Exception Condition": a fault (pushed RIP is
 * the instruction, pushed RF = 0); with RF = 1 the instruction executes */
static void test_insn_breakpoint(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->dr[0] = H_CODE + 1;
	c->dr[7] = DR7_FIXED1 | 1;
	static const u8 code[] = { 0x90, 0x90, 0x90 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_DB);
	assert_int_equal(frame(&h, 0), H_CODE + 1);
	assert_false(frame(&h, 2) & RFLAGS_RF);
	assert_int_equal(c->dr[6] & 0xf, 1);
	/* resume as IRET with RF=1 would */
	c->rip = H_CODE + 1;
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_RF);
	cpu_step(c);
	assert_int_equal(c->rip, H_CODE + 2);
	assert_false(cpu_rflags(c) & RFLAGS_RF);
	h_free(&h);
}

/* INT1 (ICEBP): #DB as a trap, delivered without the gate DPL check */
static void test_int1(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	to_ring3(&h);
	setup_tss64(&h, 0x1f0000, 0);
	static const u8 code[] = { 0xf1 };
	assert_int_equal(h_exec(&h, code, sizeof(code)), VEC_DB);
	assert_int_equal(frame(&h, 0), H_CODE + 1);
	h_free(&h);
}

/* data breakpoints are traps: cpu_debug_check_data sets pending_db */
static void test_data_breakpoint_pending(void **state)
{
	struct harness h;
	h_init(&h, NULL);
	struct cpu *c = h.c;
	c->dr[1] = H_DATA + 4;
	c->dr[7] = DR7_FIXED1 | (1u << 2) | (0x1u << 20) | (0x3u << 22); /* L1, W, 4 bytes */
	c->pending_db = 1;
	c->pending_dr6 = 1u << 1;
	assert_true(cpu_event_ready(c));
	assert_true(cpu_handle_events(c));
	assert_int_equal(c->rip, H_VECTORS + 16 * VEC_DB);
	assert_int_equal(c->dr[6] & 0xf, 2);
	assert_int_equal(frame(&h, 0), H_CODE);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_fault_frame),
		cmocka_unit_test(test_long_int3_trap),
		cmocka_unit_test(test_long_soft_int_privilege),
		cmocka_unit_test(test_long_ist),
		cmocka_unit_test(test_gate_not_present),
		cmocka_unit_test(test_double_fault),
		cmocka_unit_test(test_benign_then_contributory),
		cmocka_unit_test(test_triple_fault),
		cmocka_unit_test(test_page_fault_double),
		cmocka_unit_test(test_real_mode_ivt),
		cmocka_unit_test(test_prot32_inner),
		cmocka_unit_test(test_nmi_wakes_hlt_and_blocks),
		cmocka_unit_test(test_intr_if_and_shadow),
		cmocka_unit_test(test_irq_hint),
		cmocka_unit_test(test_nmi_dropped_at_sipi),
		cmocka_unit_test(test_pause_ends_turn),
		cmocka_unit_test(test_single_step),
		cmocka_unit_test(test_single_step_mov_ss),
		cmocka_unit_test(test_single_step_int3),
		cmocka_unit_test(test_insn_breakpoint),
		cmocka_unit_test(test_int1),
		cmocka_unit_test(test_data_breakpoint_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
