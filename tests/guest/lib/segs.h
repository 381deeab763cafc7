/* tests/guest/lib/segs.h: the GDT layout of every guest kernel (boot.S).
 * SYSCALL/SYSRET-friendly: STAR[47:32] = KERNEL_CS, STAR[63:48] = USER_CS32
 * gives SYSRET CS = USER_CS (0x40), SS = USER_DS (0x38). */
#ifndef GUEST_SEGS_H
#define GUEST_SEGS_H

#define KERNEL_CS	0x08	/* 64-bit code, DPL 0 */
#define KERNEL_DS	0x10	/* flat 4 GiB data, DPL 0 */
#define KERNEL_CS32	0x18	/* flat 4 GiB 32-bit code, DPL 0 */
#define KERNEL_CS16	0x20	/* base 0 limit 0xffff 16-bit code */
#define KERNEL_DS16	0x28	/* base 0 limit 0xffff 16-bit data */
#define USER_CS32	0x30	/* flat 32-bit code, DPL 3 */
#define USER_DS		0x38	/* flat data, DPL 3 */
#define USER_CS		0x40	/* 64-bit code, DPL 3 */
#define TSS_SEL		0x48	/* 64-bit TSS (16 bytes) */
#define GDT_FIRST_FREE	0x58	/* first selector free for tests */
#define GDT_FREE_ENTRIES 8	/* 0x58 .. 0x90 */

#endif
