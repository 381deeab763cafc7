/* tests/guest/lib/boot_state.h: the machine state the 32-bit entry stub saw,
 * saved before it changed anything (PLATFORM.md "Boot: Multiboot v1, ELF").
 * Shared by boot.S (offsets) and C (struct). */
#ifndef GUEST_BOOT_STATE_H
#define GUEST_BOOT_STATE_H

#define BS_EAX     0
#define BS_EBX     4
#define BS_CR0     8
#define BS_CR3     12
#define BS_CR4     16
#define BS_EFER    20	/* 8 bytes: EDX:EAX of RDMSR */
#define BS_EFLAGS  28
#define BS_DR6     32
#define BS_DR7     36
#define BS_ESP     40
#define BS_CS      44
#define BS_DS      46
#define BS_ES      48
#define BS_FS      50
#define BS_GS      52
#define BS_SS      54
#define BS_FCW     56
#define BS_GDTR    60	/* 6 bytes: limit, base */
#define BS_IDTR    68	/* 6 bytes: limit, base */
#define BS_SIZE    76

#ifndef __ASSEMBLER__
#include "types.h"

struct desc_ptr32 {
	u16 limit;
	u32 base;
} __attribute__((packed));

struct boot_state {
	u32 eax, ebx, cr0, cr3, cr4;
	u32 efer_lo, efer_hi;
	u32 eflags, dr6, dr7, esp;
	u16 cs, ds, es, fs, gs, ss, fcw, pad0;
	struct desc_ptr32 gdtr;
	u16 pad1;
	struct desc_ptr32 idtr;
	u16 pad2;
};
_Static_assert(__builtin_offsetof(struct boot_state, cs) == BS_CS, "BS_CS");
_Static_assert(__builtin_offsetof(struct boot_state, fcw) == BS_FCW, "BS_FCW");
_Static_assert(__builtin_offsetof(struct boot_state, gdtr) == BS_GDTR, "BS_GDTR");
_Static_assert(__builtin_offsetof(struct boot_state, idtr) == BS_IDTR, "BS_IDTR");
_Static_assert(sizeof(struct boot_state) == BS_SIZE, "BS_SIZE");

extern struct boot_state boot_state;
#endif

#endif
