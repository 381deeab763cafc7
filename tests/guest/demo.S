/* tests/guest/demo.S: the demo's trip into 32-bit compatibility mode.
 * u32 demo_compat(u32 x): far call to a 32-bit code segment that returns
 * x * 2 + 1 and its own CS, then far return to 64-bit mode. */
#include "segs.h"

	.text
	.code64
	.globl demo_compat
demo_compat:
	movl %edi, %eax
	lcall *demo_compat_ptr(%rip)
	ret

	.code32
demo_compat32:
	leal 1(%eax, %eax), %eax
	movw %cs, %cx
	movw %cx, demo_compat_cs
	lret

	.data
	.balign 8
demo_compat_ptr:
	.long demo_compat32
	.word KERNEL_CS32
	.globl demo_compat_cs
demo_compat_cs:
	.word 0
