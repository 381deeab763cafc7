/* tests/guest/cpu/smc.c: self-modifying code (SDM Vol.3A "Self-Modifying
 * Code", "Handling Self- and Cross-Modifying Code"): a store to an
 * instruction that already ran is seen when it runs again -- also when the
 * store is to the next instruction, crosses a page, goes through another
 * linear address of the same physical page, or rewrites a whole buffer. */
#include "guest.h"

u32 smc_imm_fn(void);
u32 smc_next_insn(u32 v);
u32 smc_counter_fn(void);
u32 smc_loop(void);
u32 smc_cross_fn(void);
u32 smc_alias_fn(void);
u32 smc_rep_next(void);
u32 smc_ahead(u32 v);

#define ALIAS_VA 0x8000002000ull

static void patch32(void *p, u32 v)
{
	*(volatile u32 *)p = v;
}

static void test_immediate(void)
{
	u32 a = smc_imm_fn(), b;

	patch32((u8 *)smc_imm_fn + 1, 0x12345678);
	b = smc_imm_fn();
	report(a == 1 && b == 0x12345678, "rewritten immediate is used on the next call (%x -> %x)",
	       a, b);
	patch32((u8 *)smc_imm_fn + 1, 7);
	report(smc_imm_fn() == 7, "rewritten again");
	/* change the opcode itself: mov $imm, %eax -> mov $imm, %ecx (eax untouched) */
	*(volatile u8 *)smc_imm_fn = 0x31; /* xor %eax,%eax ... */
	*((volatile u8 *)smc_imm_fn + 1) = 0xc0;
	*((volatile u8 *)smc_imm_fn + 2) = 0xc3; /* ret */
	report(smc_imm_fn() == 0, "rewritten opcode bytes decode as the new instruction");
}

static void test_next_insn(void)
{
	u32 a = smc_next_insn(0xdead), b = smc_next_insn(0xbeef);

	report(a == 0xdead && b == 0xbeef,
	       "a store into the next instruction is seen by it (got %x %x)", a, b);
	a = smc_ahead(0x4242);
	report(a == 0x4242, "a store two instructions ahead is seen (got %x)", a);
	a = smc_rep_next();
	report(a == 7, "REP STOSB rewriting the instruction after it: the new bytes run (got %u)",
	       a);
}

static void test_counter(void)
{
	u32 v[5];

	for (int i = 0; i < 5; i++)
		v[i] = smc_counter_fn();
	report(v[0] == 0 && v[1] == 1 && v[2] == 2 && v[3] == 3 && v[4] == 4,
	       "a function incrementing its own immediate returns 0..4 (got %u %u %u %u %u)", v[0],
	       v[1], v[2], v[3], v[4]);
	u32 s = smc_loop();
	report(s == 4 + 3 + 2 + 1, "a loop rewriting its own body each iteration (sum %u)", s);
}

static void test_cross_page(void)
{
	u8 *p = (u8 *)smc_cross_fn;
	u32 a = smc_cross_fn(), b, c;

	report(((u64)p & 0xfff) == 0xffe, "the instruction straddles a page boundary (at %p)", p);
	p[2] = 0x66;
	p[3] = 0x77;
	p[4] = 0x88; /* the bytes on the second page */
	b = smc_cross_fn();
	p[1] = 0x99; /* the byte on the first page */
	c = smc_cross_fn();
	report(a == 0x11223344 && b == 0x88776644 && c == 0x88776699,
	       "cross-page instruction sees stores to either page (%x %x %x)", a, b, c);
}

static void test_alias(void)
{
	u64 pa = virt_to_phys(smc_alias_fn);
	u32 (*alias)(void) = (u32(*)(void))ALIAS_VA;
	u32 a, b, c;

	install_page(current_page_table(), pa, (void *)ALIAS_VA, PT_WRITABLE_MASK);
	a = smc_alias_fn();
	b = alias();
	patch32((u8 *)ALIAS_VA + 1, 0xb2);
	c = smc_alias_fn();
	report(a == 0xa1 && b == 0xa1 && c == 0xb2,
	       "a store through another linear address of the code page is seen (%x %x %x)", a,
	       b, c);
	patch32((u8 *)smc_alias_fn + 1, 0xc3c3);
	report(alias() == 0xc3c3, "and the other way round (got %x)", alias());
}

/* the decoded-instruction cache must follow the page tables: the same linear
 * address remapped to another frame runs that frame's code */
static void test_remap(void)
{
	u8 *fa = alloc_page(), *fb = alloc_page();
	u32 (*fn)(void) = (u32(*)(void))(ALIAS_VA + 0x1000);
	u32 a, b, c;

	assert(fa && fb);
	fa[0] = fb[0] = 0xb8; /* mov $imm32, %eax; ret */
	fa[1] = 0xaa;
	fb[1] = 0xbb;
	fa[5] = fb[5] = 0xc3;
	install_page(current_page_table(), virt_to_phys(fa), (void *)fn, PT_WRITABLE_MASK);
	a = fn();
	install_page(current_page_table(), virt_to_phys(fb), (void *)fn, PT_WRITABLE_MASK);
	b = fn();
	install_page(current_page_table(), virt_to_phys(fa), (void *)fn, PT_WRITABLE_MASK);
	fa[1] = 0xcc; /* written through the identity map while unmapped here */
	c = fn();
	report(a == 0xaa && b == 0xbb && c == 0xcc,
	       "remapping a code page runs the new frame's code (%x %x %x)", a, b, c);
}

static const u8 body_a[] = { 0xb8, 0x11, 0x00, 0x00, 0x00, 0xc3 };             /* mov $0x11,%eax; ret */
static const u8 body_b[] = { 0x31, 0xc0, 0x83, 0xc0, 0x22, 0xff, 0xc0, 0xc3 }; /* xor; add $0x22; inc; ret */

static void test_buffer(void)
{
	u8 *buf = alloc_page();
	u32 (*fn)(void) = (u32(*)(void))buf;
	u32 a, b;

	assert(buf);
	asm volatile("rep movsb" : : "D"(buf), "S"(body_a), "c"(sizeof(body_a)) : "memory");
	a = fn();
	asm volatile("rep movsb" : : "D"(buf), "S"(body_b), "c"(sizeof(body_b)) : "memory");
	b = fn();
	report(a == 0x11 && b == 0x23, "code copied with REP MOVSB over code that ran (%x %x)", a,
	       b);
	for (int i = 0; i < 100; i++) {
		buf[1] = (u8)i;
		buf[0] = 0xb8;
		buf[2] = buf[3] = buf[4] = 0;
		buf[5] = 0xc3;
		if (fn() != (u32)i) {
			report(false, "generated code, iteration %d", i);
			return;
		}
	}
	report(true, "100 generate-then-run iterations on one buffer");
}

int main(int argc, char **argv)
{
	test_immediate();
	test_next_insn();
	test_counter();
	test_cross_page();
	test_alias();
	test_remap();
	test_buffer();
	return report_summary();
}
