/* cpu/fpu/exec_sse_host.c: SSE floating-point operations on the host's own SSE
 * unit (the approach of cpu/fpu/fpu_host.h: nestbox runs on x86-64 hosts, and an
 * IEEE-754 basic operation executed by the host on the guest's operand bits
 * under the guest's rounding control, DAZ and FZ gives exactly the
 * architected result and exception flags).
 *
 * Each instruction of cpu/fpu/sse_host_ops.def is assembled into fixed 16-byte
 * stubs, one per immediate value (DPPS has 256), so an immediate operand
 * never has to be patched into code at run time. nb_sse_host_call() loads
 * xmm0, xmm1, rax and the host MXCSR from a struct sse_hargs, calls one
 * stub, and stores xmm0, rax, RFLAGS and the resulting MXCSR back, restoring
 * the caller's MXCSR. The host runs with every exception masked, so it
 * never traps; unmasked guest exceptions are derived from the flags
 * (sse_exceptions(), cpu/fpu/exec_sse.c).
 *
 * Determinism: every operation here is exactly specified by IEEE 754 or the
 * SDM except RCPPS/RCPSS/RSQRTPS/RSQRTSS, whose 12-bit approximations differ
 * between Intel and AMD (SDM Vol.2 RCPPS "Operation": relative error at
 * most 1.5 * 2^-12): a guest sees its host vendor's values.
 * XXX(sdm): a portable (soft-float) backend is needed for non-x86 hosts. */
#include "cpu/fpu/exec_sse.h"

/* struct sse_hargs offsets used by the assembly below */
_Static_assert(__builtin_offsetof(struct sse_hargs, a) == 0, "hargs layout");
_Static_assert(__builtin_offsetof(struct sse_hargs, b) == 16, "hargs layout");
_Static_assert(__builtin_offsetof(struct sse_hargs, gpr) == 32, "hargs layout");
_Static_assert(__builtin_offsetof(struct sse_hargs, rflags) == 40, "hargs layout");
_Static_assert(__builtin_offsetof(struct sse_hargs, mxcsr) == 48, "hargs layout");
_Static_assert(__builtin_offsetof(struct sse_hargs, mxcsr_out) == 52, "hargs layout");

void nb_sse_host_call(struct sse_hargs *h, const void *stub);

/* the stubs: endbr64 (indirect-branch tracking), the instruction, ret;
 * .org fails the build if one outgrows its 16 bytes */
#define HOP(name, cnt, text)                                                                    \
	".balign 16\n"                                                                          \
	"nb_sse_stub_" #name ":\n"                                                              \
	".set nb_i, 0\n"                                                                        \
	".rept " #cnt "\n"                                                                      \
	"1:\tendbr64\n\t" text "\n\tret\n\t.org 1b + 16, 0xcc\n"                                      \
	".set nb_i, nb_i + 1\n"                                                                 \
	".endr\n"
__asm__(".text\n"
	".balign 16\n"
	".type nb_sse_host_call, @function\n"
	"nb_sse_host_call:\n\t"
	"endbr64\n\t"
	"push %rbx\n\t"
	"sub $16, %rsp\n\t"
	"mov %rdi, %rbx\n\t"
	"stmxcsr (%rsp)\n\t"
	"ldmxcsr 48(%rbx)\n\t"
	"movdqu (%rbx), %xmm0\n\t"
	"movdqu 16(%rbx), %xmm1\n\t"
	"mov 32(%rbx), %rax\n\t"
	"call *%rsi\n\t"
	"stmxcsr 52(%rbx)\n\t"
	"movdqu %xmm0, (%rbx)\n\t"
	"mov %rax, 32(%rbx)\n\t"
	"pushfq\n\t"
	"popq 40(%rbx)\n\t"
	"ldmxcsr (%rsp)\n\t"
	"add $16, %rsp\n\t"
	"pop %rbx\n\t"
	"ret\n"
	".size nb_sse_host_call, .-nb_sse_host_call\n"
#include "cpu/fpu/sse_host_ops.def"
	".text\n");
#undef HOP

#define HOP(name, cnt, text) extern const char nb_sse_stub_##name[];
#include "cpu/fpu/sse_host_ops.def"
#undef HOP

static const char *const stub_base[SH_NR] = {
#define HOP(name, cnt, text) [SH_##name] = nb_sse_stub_##name,
#include "cpu/fpu/sse_host_ops.def"
#undef HOP
};

static const u16 stub_count[SH_NR] = {
#define HOP(name, cnt, text) [SH_##name] = cnt,
#include "cpu/fpu/sse_host_ops.def"
#undef HOP
};

/* host MXCSR for a guest MXCSR: RC and DAZ; FZ unless UM is unmasked (SDM
 * Vol.1 "Flush-To-Zero": FZ has no effect when underflow is unmasked);
 * every exception masked, no flags */
static u32 host_mxcsr(u32 mxcsr)
{
	u32 m = (mxcsr & (MXCSR_RC | MXCSR_DAZ)) | (0x3fu << MXCSR_MASKS_SHIFT);
	if ((mxcsr & MXCSR_FZ) && (mxcsr & MXCSR_UM))
		m |= MXCSR_FZ;
	return m;
}

u32 sse_host(enum sse_hop op, unsigned imm, u32 guest_mxcsr, struct sse_hargs *h)
{
	h->mxcsr = host_mxcsr(guest_mxcsr);
	h->mxcsr_out = 0;
	nb_sse_host_call(h, stub_base[op] + 16 * (imm & (stub_count[op] - 1u)));
	return h->mxcsr_out & MXCSR_EXC;
}
