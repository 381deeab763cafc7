/* tests/unit/sys_flags_test.c: PUSHF/POPF/CLI/STI in every mode (SDM
 * "POPF/POPFD/POPFQ", "PUSHF", "CLI", "STI", "Virtual-8086 Mode
 * Extensions", "Protected-Mode Virtual Interrupts") and port I/O with the
 * TSS I/O permission bitmap (SDM Vol.1 "I/O Permission Bit Map"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sys_harness.h"

SH_FIXTURE
#define C (H.c)


static void set_flags(u64 f) { cpu_set_rflags(C, f | RFLAGS_FIXED); }

/* place v on top of the stack (size bytes) */
static void push_val(u64 v, unsigned size)
{
	u64 mask = C->mode == MODE_LONG64 ? ~0ull : 0xffff;
	C->gpr[RSP] = (C->gpr[RSP] & ~mask) | ((C->gpr[RSP] - size) & mask);
	phys_write(&H.m.mem, C->seg[SEG_SS].base + (C->gpr[RSP] & mask), size, v);
}

static u64 top(unsigned size)
{
	u64 mask = C->mode == MODE_LONG64 ? ~0ull : 0xffff;
	return phys_read(&H.m.mem, C->seg[SEG_SS].base + (C->gpr[RSP] & mask), size);
}

/* virtual-8086 mode under a 32-bit protected-mode monitor */
static void vm86(unsigned iopl)
{
	sh_prot32(&H);
	C->seg[SEG_CS] = (struct seg_cache){ 0x1000, 0xffff, H_CODE, 0xfb };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			C->seg[s] = (struct seg_cache){ 0x900, 0xffff, 0x9000, 0xf3 };
	C->gpr[RSP] = 0x1000;
	set_flags(RFLAGS_VM | ((u64)iopl << 12));
	cpu_update_mode(C);
}

static void vme_on(u64 cr4bit)
{
	sh_feat(&H, FEAT_vme, true);
	C->cr4 |= cr4bit;
}

/* PUSHF: "EFLAGS AND 00FCFFFFH" (VM and RF read 0); POPF at CPL 0 */
static void test_pushf_popf_cpl0(void **s)
{
	set_flags(RFLAGS_RF | RFLAGS_AC | RFLAGS_CF);
	assert_int_equal(sh_run(&H, CODE(0x9c)), -1);
	assert_int_equal(top(8), RFLAGS_FIXED | RFLAGS_AC | RFLAGS_CF);
	/* POPFQ at CPL 0: all but RF, VIP, VIF, VM; RF cleared */
	set_flags(RFLAGS_RF);
	push_val(RFLAGS_IOPL | RFLAGS_IF | RFLAGS_AC | RFLAGS_ID | RFLAGS_VIP | RFLAGS_VIF |
		 RFLAGS_VM | RFLAGS_NT | RFLAGS_CF | BIT(3) | BIT(40), 8);
	assert_int_equal(sh_run(&H, CODE(0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_IOPL | RFLAGS_IF | RFLAGS_AC |
						RFLAGS_ID | RFLAGS_NT | RFLAGS_CF);
	/* 16-bit POPF: FLAGS[15:0] only */
	set_flags(RFLAGS_AC);
	push_val(0xffff, 2);
	assert_int_equal(sh_run(&H, CODE(0x66, 0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_AC | (0xffff & ~(BIT(3) | BIT(5) | BIT(15))));
}

/* POPF at CPL > 0: IOPL never changes; IF only when CPL <= IOPL */
static void test_popf_cpl3(void **s)
{
	sh_user(&H);
	set_flags(0);
	push_val(RFLAGS_IOPL | RFLAGS_IF | RFLAGS_CF, 8);
	assert_int_equal(sh_run(&H, CODE(0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_CF);
	set_flags(RFLAGS_IOPL);
	push_val(RFLAGS_IF, 8);
	assert_int_equal(sh_run(&H, CODE(0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_IOPL | RFLAGS_IF);
}

/* CLI/STI: IOPL >= CPL, else PVI at CPL 3, else #GP(0); STI shadow */
static void test_cli_sti(void **s)
{
	set_flags(0);
	assert_int_equal(sh_run(&H, CODE(0xfb)), -1);
	assert_true(cpu_rflags(C) & RFLAGS_IF);
	assert_true(C->shadow & SHADOW_STI);
	/* "If IF = 0" only: STI with IF = 1 sets no shadow */
	C->shadow = 0;
	assert_int_equal(sh_run(&H, CODE(0xfb)), -1);
	assert_false(C->shadow & SHADOW_STI);
	assert_int_equal(sh_run(&H, CODE(0xfa)), -1);
	assert_false(cpu_rflags(C) & RFLAGS_IF);

	sh_user(&H);
	set_flags(RFLAGS_IF);
	assert_int_equal(sh_run(&H, CODE(0xfa)), VEC_GP);
	sh_user(&H);
	set_flags(0);
	assert_int_equal(sh_run(&H, CODE(0xfb)), VEC_GP);
	sh_user(&H);
	set_flags(RFLAGS_IOPL | RFLAGS_IF);
	assert_int_equal(sh_run(&H, CODE(0xfa)), -1);
	assert_false(cpu_rflags(C) & RFLAGS_IF);

	/* CR4.PVI at CPL 3: CLI/STI act on VIF; STI with VIP -> #GP(0) */
	vme_on(CR4_PVI);
	sh_user(&H);
	set_flags(RFLAGS_IF | RFLAGS_VIF);
	assert_int_equal(sh_run(&H, CODE(0xfa)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_IF);
	assert_int_equal(sh_run(&H, CODE(0xfb)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_VIF);
	set_flags(RFLAGS_VIP);
	assert_int_equal(sh_run(&H, CODE(0xfb)), VEC_GP);

	/* real-address mode: no checks */
	sh_real(&H);
	set_flags(RFLAGS_IF);
	assert_int_equal(sh_run(&H, CODE(0xfa)), -1);
	assert_false(cpu_rflags(C) & RFLAGS_IF);
}

/* virtual-8086 mode without VME: IOPL < 3 makes PUSHF/POPF/CLI/STI #GP */
static void test_vm86_iopl(void **s)
{
	static const u8 ops[] = { 0x9c, 0x9d, 0xfa, 0xfb };
	for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
		vm86(0);
		push_val(0, 2);
		assert_int_equal(sh_run(&H, &ops[k], 1), VEC_GP);
	}
	/* IOPL 3: POPF changes IF but not IOPL */
	vm86(3);
	push_val(RFLAGS_IF, 2);
	assert_int_equal(sh_run(&H, CODE(0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_VM | RFLAGS_IOPL | RFLAGS_IF);
	/* 32-bit POPFD keeps VM and clears RF */
	push_val(RFLAGS_CF | RFLAGS_RF, 4);
	assert_int_equal(sh_run(&H, CODE(0x66, 0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_VM | RFLAGS_IOPL | RFLAGS_CF);
	assert_int_equal(sh_run(&H, CODE(0xfa)), -1);
}

/* virtual-8086 mode with CR4.VME and IOPL < 3 */
static void test_vm86_vme(void **s)
{
	vm86(0);
	vme_on(CR4_VME);
	set_flags(RFLAGS_VM | RFLAGS_VIF | RFLAGS_CF);
	/* PUSHF: IF := VIF, IOPL := 3 in the image */
	assert_int_equal(sh_run(&H, CODE(0x9c)), -1);
	assert_int_equal(top(2), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_IOPL | RFLAGS_CF);
	/* POPF: VIF := popped IF; IF and IOPL unchanged */
	push_val(RFLAGS_ZF, 2);
	assert_int_equal(sh_run(&H, CODE(0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_VM | RFLAGS_ZF);
	push_val(RFLAGS_IF | RFLAGS_IOPL, 2);
	assert_int_equal(sh_run(&H, CODE(0x9d)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_VM | RFLAGS_VIF);
	/* popped TF, or popped IF with VIP -> #GP(0); 32-bit -> #GP(0) */
	push_val(RFLAGS_TF, 2);
	assert_int_equal(sh_run(&H, CODE(0x9d)), VEC_GP);
	vm86(0);
	vme_on(CR4_VME);
	set_flags(RFLAGS_VM | RFLAGS_VIP);
	push_val(RFLAGS_IF, 2);
	assert_int_equal(sh_run(&H, CODE(0x9d)), VEC_GP);
	vm86(0);
	vme_on(CR4_VME);
	push_val(0, 4);
	assert_int_equal(sh_run(&H, CODE(0x66, 0x9d)), VEC_GP);
	vm86(0);
	vme_on(CR4_VME);
	assert_int_equal(sh_run(&H, CODE(0x66, 0x9c)), VEC_GP);
	/* CLI/STI act on VIF; STI with VIP -> #GP(0) */
	vm86(0);
	vme_on(CR4_VME);
	set_flags(RFLAGS_VM | RFLAGS_VIF | RFLAGS_IF);
	assert_int_equal(sh_run(&H, CODE(0xfa)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_VM | RFLAGS_IF);
	assert_int_equal(sh_run(&H, CODE(0xfb)), -1);
	assert_int_equal(cpu_rflags(C), RFLAGS_FIXED | RFLAGS_VM | RFLAGS_IF | RFLAGS_VIF);
	set_flags(RFLAGS_VM | RFLAGS_VIP);
	assert_int_equal(sh_run(&H, CODE(0xfb)), VEC_GP);
}

/* --- port I/O --- */
#define IOMAP 0x68
static void tss_bitmap(u32 limit)
{
	phys_write(&H.m.mem, S_TSS + 0x66, 2, IOMAP);
	for (unsigned k = 0; k < 0x40; k++)
		phys_write(&H.m.mem, S_TSS + IOMAP + k, 1, 0);
	phys_write(&H.m.mem, S_TSS + IOMAP + 0x10, 1, 0x02); /* port 0x81 denied */
	C->seg[SEG_TR].limit = limit;
}

static int run_out_in(void)
{
	return sh_run(&H, CODE(0xee, 0xec));
}

static void test_io_permission(void **s)
{
	/* CPL 0 <= IOPL: no bitmap needed */
	C->gpr[RDX] = 0xe0;
	assert_int_equal(run_out_in(), -1);
	/* CPL 3 > IOPL, bitmap base beyond the TSS limit -> #GP(0) */
	phys_write(&H.m.mem, S_TSS + 0x66, 2, IOMAP);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0xe4, 0x80)), VEC_GP);
	assert_int_equal(sh_err(&H), 0);
	tss_bitmap(IOMAP + 0x1f);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0xe4, 0x80)), -1);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0xe4, 0x81)), VEC_GP);
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0x66, 0xe5, 0x80)), VEC_GP); /* spans 0x81 */
	sh_user(&H);
	assert_int_equal(sh_run(&H, CODE(0xe6, 0x82)), -1);
	/* the second byte read lies beyond the TSS limit */
	sh_user(&H);
	C->gpr[RDX] = 0xf8;
	assert_int_equal(sh_run(&H, CODE(0xec)), VEC_GP);
	C->seg[SEG_TR].limit = IOMAP + 0x20;
	sh_user(&H);
	C->gpr[RDX] = 0xf8;
	assert_int_equal(sh_run(&H, CODE(0xec)), -1);
	/* string I/O has the same check */
	sh_user(&H);
	C->gpr[RDX] = 0x81;
	C->gpr[RSI] = H_DATA;
	assert_int_equal(sh_run(&H, CODE(0x6e)), VEC_GP);
	sh_user(&H);
	C->gpr[RDX] = 0x80;
	C->gpr[RSI] = H_DATA;
	assert_int_equal(sh_run(&H, CODE(0x6e)), -1);
	/* IOPL 3 at CPL 3: the bitmap is not consulted */
	sh_user(&H);
	set_flags(RFLAGS_IOPL);
	assert_int_equal(sh_run(&H, CODE(0xe4, 0x81)), -1);
	/* virtual-8086 mode consults the bitmap even with IOPL 3 */
	vm86(3);
	C->seg[SEG_TR].limit = IOMAP + 0x20;
	assert_int_equal(sh_run(&H, CODE(0xe4, 0x80)), -1);
	vm86(3);
	C->seg[SEG_TR].limit = 0x67;
	assert_int_equal(sh_run(&H, CODE(0xe4, 0x80)), VEC_GP);
}

static void test_io_data(void **s)
{
	/* OUT/IN through the pc-testdev scratch register (ports 0xe0-0xe3) */
	C->gpr[RDX] = 0xe0;
	assert_int_equal(sh_run(&H, CODE(0xb8, 0x44, 0x33, 0x22, 0x11, /* mov eax, imm */
					0xef, 0x31, 0xc0, 0xed)), -1);   /* out; xor; in */
	assert_int_equal(C->gpr[RAX], 0x11223344);
	assert_int_equal(sh_run(&H, CODE(0xe4, 0xe1)), -1); /* in al, 0xe1 */
	assert_int_equal(C->gpr[RAX], 0x11223333);
	/* REP OUTSB / REP INSB: rSI/rDI advance, rCX counts down */
	phys_write(&H.m.mem, H_DATA, 4, 0xddccbbaa);
	C->gpr[RSI] = H_DATA;
	C->gpr[RCX] = 4;
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x6e)), -1);
	assert_int_equal(C->gpr[RSI], H_DATA + 4);
	assert_int_equal(C->gpr[RCX], 0);
	assert_int_equal(sh_run(&H, CODE(0xed)), -1);
	assert_int_equal(C->gpr[RAX], 0x112233dd); /* each byte went to port 0xe0 */
	C->gpr[RDI] = H_DATA + 0x10;
	C->gpr[RCX] = 2;
	set_flags(RFLAGS_DF);
	assert_int_equal(sh_run(&H, CODE(0xf3, 0x66, 0x6d)), -1); /* rep insw, DF=1 */
	assert_int_equal(C->gpr[RDI], H_DATA + 0x10 - 4);
	assert_int_equal(phys_read(&H.m.mem, H_DATA + 0x0e, 4), 0x33dd33dd);
	/* INS checks the destination before reading the port */
	set_flags(0);
	C->gpr[RDI] = 0x80000000ull;
	assert_int_equal(sh_run(&H, CODE(0x6c)), VEC_PF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pushf_popf_cpl0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_popf_cpl3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_sti, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm86_iopl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm86_vme, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_data, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
