/* tests/guest/lib/desc.c: IDT, TSS, GDT helpers and exception dispatch:
 * installed handlers, exception-table fixups (ASM_TRY), catch_exception()
 * unwinding, and CPL 3 calls (run_in_user). */
#include "guest.h"

struct catch_ctx {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};
int catch_call(void (*fn)(void *), void *data, struct catch_ctx *ctx);
noreturn void catch_resume(struct catch_ctx *ctx, int vector);

struct ex_table_entry {
	u64 rip, fixup;
};
extern struct ex_table_entry __ex_table_start[], __ex_table_end[];
extern u8 isr_stubs[];
extern u8 stack_top[];

struct idt_entry idt[256] __aligned(16);
struct tss64 tss __aligned(16);
volatile struct exception_info last_exception = { .vector = NO_EXCEPTION };
static exception_handler handlers[256];
static struct catch_ctx *catch_current;
static u64 user_ret_value;

static u8 exc_stack[0x4000] __aligned(16);  /* RSP0: entries from CPL 3 */
static u8 df_stack[0x2000] __aligned(16);   /* IST1: #DF, NMI, #MC */
static u8 user_stack[0x4000] __aligned(16); /* run_in_user() */

void set_idt_gate(int vec, void *addr, u16 sel, int type, int dpl, int ist)
{
	u64 a = (u64)addr;
	struct idt_entry *e = &idt[vec & 0xff];

	e->offset0 = (u16)a;
	e->selector = sel;
	e->ist = ist;
	e->type_attr = 0x80 | (dpl & 3) << 5 | (type & 0xf);
	e->offset1 = (u16)(a >> 16);
	e->offset2 = (u32)(a >> 32);
	e->reserved = 0;
}

void set_idt_entry(int vec, void *addr, int dpl)
{
	set_idt_gate(vec, addr, KERNEL_CS, 14, dpl, 0);
}

void *idt_stub(int vec)
{
	return isr_stubs + 16 * (vec & 0xff);
}

void reset_idt_entry(int vec)
{
	int ist = (vec == DF_VECTOR || vec == NMI_VECTOR || vec == MC_VECTOR) ? 1 : 0;

	set_idt_gate(vec, idt_stub(vec), KERNEL_CS, 14, vec == USER_RET_VECTOR ? 3 : 0, ist);
}

void set_gdt_entry(u16 sel, u32 base, u32 limit, u8 access, u8 flags)
{
	u64 d = (limit & 0xffff) | (u64)(base & 0xffffff) << 16 | (u64)access << 40 |
		(u64)((limit >> 16) & 0xf) << 48 | (u64)(flags & 0xf) << 52 |
		(u64)(base >> 24) << 56;

	gdt[sel >> 3] = d;
}

void desc_setup(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (u64)idt };
	u64 t = (u64)&tss;

	for (int v = 0; v < 256; v++)
		reset_idt_entry(v);
	lidt(&p);

	tss.rsp0 = (u64)(exc_stack + sizeof(exc_stack));
	tss.ist[0] = (u64)(df_stack + sizeof(df_stack));
	tss.iomap_base = sizeof(tss);
	/* SDM Vol.3A "TSS Descriptor in 64-bit mode": 16 bytes, type 9 */
	gdt[TSS_SEL >> 3] = (sizeof(tss) - 1) | (t & 0xffffff) << 16 | 0x89ull << 40 |
			    ((t >> 24) & 0xff) << 56;
	gdt[(TSS_SEL >> 3) + 1] = t >> 32;
	ltr(TSS_SEL);
}

exception_handler handle_exception_vector(u8 vec, exception_handler fn)
{
	exception_handler old = handlers[vec];

	handlers[vec] = fn;
	return old;
}

static void record(struct ex_regs *r)
{
	last_exception.vector = (int)(r->vector & 0xff);
	last_exception.error_code = (u32)r->error_code;
	last_exception.cr2 = read_cr2();
	last_exception.rip = r->rip;
	last_exception.cs = r->cs;
}

static bool ex_table_fixup(struct ex_regs *r)
{
	for (struct ex_table_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->rip == r->rip) {
			record(r);
			r->rip = e->fixup;
			return true;
		}
	}
	return false;
}

void handle_exception(struct ex_regs *r)
{
	unsigned vec = r->vector & 0xff;
	struct catch_ctx *ctx = catch_current;

	if (handlers[vec]) {
		handlers[vec](r);
		return;
	}
	if (vec == USER_RET_VECTOR && (r->cs & 3) == 3 && ctx) {
		user_ret_value = r->rax;
		catch_current = NULL;
		catch_resume(ctx, NO_EXCEPTION);
	}
	if (vec < 32 && ex_table_fixup(r))
		return;
	if (ctx) {
		record(r);
		catch_current = NULL;
		catch_resume(ctx, (int)vec);
	}
	abort_test("unhandled exception %u at %llx:%llx error code %llx cr2 %llx rsp %llx",
		   vec, r->cs, r->rip, r->error_code, read_cr2(), r->rsp);
}

int catch_exception(void (*fn)(void *), void *data)
{
	struct catch_ctx ctx, *outer = catch_current;
	int v;

	last_exception.vector = NO_EXCEPTION;
	catch_current = &ctx;
	v = catch_call(fn, data, &ctx);
	catch_current = outer;
	return v;
}

struct user_call {
	u64 (*fn)(u64);
	u64 arg;
	u64 stack;
};
void user_enter(void *uc);

int run_in_user(u64 (*fn)(u64), u64 arg, u64 *ret)
{
	struct user_call uc = { fn, arg, (u64)(user_stack + sizeof(user_stack)) };
	int v;

	user_ret_value = 0;
	v = catch_exception(user_enter, &uc);
	if (ret && v == NO_EXCEPTION)
		*ret = user_ret_value;
	return v;
}

int rdmsr_safe(u32 index, u64 *val)
{
	u32 a = 0, d = 0;

	asm volatile(ASM_TRY("1f") "rdmsr\n1:" : "=a"(a), "=d"(d) : "c"(index) : "memory");
	if (val)
		*val = a | (u64)d << 32;
	return exception_vector();
}

int wrmsr_safe(u32 index, u64 val)
{
	asm volatile(ASM_TRY("1f") "wrmsr\n1:"
		     : : "a"((u32)val), "d"((u32)(val >> 32)), "c"(index) : "memory");
	return exception_vector();
}

#define DEFINE_WRITE_CR_SAFE(n)                                                    \
	int write_cr##n##_safe(u64 v)                                              \
	{                                                                          \
		asm volatile(ASM_TRY("1f") "mov %0, %%cr" #n "\n1:" : : "r"(v) : "memory"); \
		return exception_vector();                                         \
	}
DEFINE_WRITE_CR_SAFE(0)
DEFINE_WRITE_CR_SAFE(3)
DEFINE_WRITE_CR_SAFE(4)
