/* tests/diff/diff.h: T2 differential tests against the host CPU (STYLE.md
 * "T2, differential testing against the host CPU").
 *
 * One instruction is run twice from the same state: natively on the host
 * (native.c + trampoline.S) and in nestbox's CPU at CPL 3 in 64-bit mode
 * (emu.c). Both sides see the same linear addresses: the code page, the
 * scratch data pages and the guard pages around them are placed at fixed
 * addresses in the host process and mapped at the same linear addresses in
 * the guest's page tables, so memory operands, stack pushes, RIP-relative
 * operands and absolute moffs addresses need no relocation. */
#ifndef NESTBOX_TESTS_DIFF_DIFF_H
#define NESTBOX_TESTS_DIFF_DIFF_H

#include "base/types.h"

/* --- the shared linear layout --- */
#define DIFF_CODE_VA   0x10000000ull /* one code page; the next one is not present */
#define DIFF_INSN_OFF  0x800u        /* the instruction under test starts here */
#define DIFF_TAKEN_OFF 0x880u        /* "taken" stub for branch forms */
#define DIFF_GUARD_LO  0x10010000ull /* not present */
#define DIFF_DATA_VA   0x10011000ull /* scratch data: DIFF_DATA_SIZE bytes */
#define DIFF_DATA_SIZE 0x2000u
#define DIFF_GUARD_HI  (DIFF_DATA_VA + DIFF_DATA_SIZE) /* not present */
#define DIFF_PAGE      0x1000u

#define DIFF_TAKEN_VA  (DIFF_CODE_VA + DIFF_TAKEN_OFF)

/* RFLAGS bits the harness compares (CF PF AF ZF SF DF OF NT AC ID): the
 * ones CPL 3 can change. TF stays 0; AC only with -ac (CR0.AM is set on both
 * sides, as Linux does, so AC=1 turns on alignment checking). */
#define DIFF_FLAGS_CMP 0x244cd5ull
#define DIFF_FL_CF 0x001ull
#define DIFF_FL_PF 0x004ull
#define DIFF_FL_AF 0x010ull
#define DIFF_FL_ZF 0x040ull
#define DIFF_FL_SF 0x080ull
#define DIFF_FL_DF 0x400ull
#define DIFF_FL_OF 0x800ull
#define DIFF_FL_ALL6 (DIFF_FL_CF | DIFF_FL_PF | DIFF_FL_AF | DIFF_FL_ZF | DIFF_FL_SF | DIFF_FL_OF)
/* pseudo-bits in an undefined mask: the destination register is undefined */
#define DIFF_UD_DEST_REG (1ull << 40) /* ModRM.reg operand */
#define DIFF_UD_DEST_RM  (1ull << 41) /* ModRM.rm register operand (register form) */
#define DIFF_UD_MEM      (1ull << 42) /* the memory destination */

#define DIFF_NO_FAULT 0xff

/* host/model features a form may need (native_has) */
enum diff_feat {
	FT_NONE, FT_LZCNT, FT_POPCNT, FT_BMI1, FT_BMI2, FT_ADX, FT_MOVBE, FT_CX16, FT_SSE42,
	FT_MMX, FT_SSE3, FT_SSSE3, FT_SSE41,
	FT_NR
};

/* register file as the trampoline loads and stores it (offsets are used by
 * trampoline.S: gpr 0, rflags 128, xmm 136, mm 392, mxcsr 456) */
struct diff_regs {
	u64 gpr[16]; /* encoding order RAX..R15 */
	u64 rflags;
	u64 xmm[16][2]; /* [n][0] = bits 63:0 */
	u64 mm[8];      /* MM0..MM7 (x87 TOP = 0, every tag valid) */
	u32 mxcsr;
	u32 pad;
};

/* one test input: instruction bytes plus the state to run them from */
struct diff_case {
	u8 code[24]; /* may exceed 15 bytes: then #GP(0) is expected */
	u8 len;
	u8 taken_stub; /* branch form: a stub sits at DIFF_TAKEN_VA */
	u16 insn_off;  /* where the instruction starts in the code page (0: DIFF_INSN_OFF);
			* near the end it runs into the not-present next page */
	struct diff_regs in;
	u64 mem_seed; /* scratch contents = diff_fill(mem_seed) + patches */
	struct {
		u16 off;
		u8 len;
		u8 bytes[8];
	} patch[2];
	u8 npatch;
	/* what the comparison may ignore (undefined results) */
	u64 undef;      /* RFLAGS bits + DIFF_UD_* */
	u8 dest_reg;    /* register number for DIFF_UD_DEST_REG (0-15) */
	u8 dest_rm;     /* register number for DIFF_UD_DEST_RM (0-15) */
	u8 tags;        /* DIFF_TAG_*: encoding features, for -skip-known */
};

/* 67h + SIB with base 101b, mod 00 and REX.B=1 ([index*s+disp32]): Zydis
 * 4.0.0 decodes it as [r13d+...] (zyantific/zydis#592) */
#define DIFF_TAG_A32_NOBASE_REXB 1

/* one run's outcome */
struct diff_out {
	u8 vec;        /* exception vector, or DIFF_NO_FAULT */
	u32 err;       /* error code (vectors that push one) */
	u64 cr2;       /* #PF linear address */
	u64 rip;       /* RIP after the instruction, or of the faulting instruction */
	struct diff_regs r; /* registers after (or at the fault) */
	u8 mem[DIFF_DATA_SIZE];
};

static inline u64 diff_insn_va(const struct diff_case *k)
{
	return DIFF_CODE_VA + (k->insn_off ? k->insn_off : DIFF_INSN_OFF);
}

/* --- common helpers (runner.c) --- */
static inline u64 diff_splitmix(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
/* the scratch contents of a case (fixed forever: frozen vectors rely on it) */
void diff_fill(const struct diff_case *k, u8 *mem);
/* the code page contents of a case: int3 filler, the instruction, exit stubs */
void diff_code_page(const struct diff_case *k, u8 *page, u64 exit_fall, u64 exit_taken);

/* --- native side (native.c) --- */
/* set up fixed mappings and signal handling; returns 0, or -1 with a message */
int native_init(char *err, unsigned errlen);
void native_run(const struct diff_case *k, struct diff_out *out);
/* host CPUID feature check for enum diff_feat */
bool native_has(unsigned feat);

/* --- emulator side (emu.c) --- */
int emu_init(char *err, unsigned errlen);
void emu_run(const struct diff_case *k, struct diff_out *out);
/* does nestbox's CPU model advertise feature `feat` (enum diff_feat)? */
bool emu_has(unsigned feat);
void emu_free(void);

#endif
