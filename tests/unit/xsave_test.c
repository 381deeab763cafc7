/* tests/unit/xsave_test.c: the XSAVE feature set for x87 and SSE state
 * (cpu/fpu/exec_xsave.c, XGETBV/XSETBV in cpu/system/exec_sys.c), the CR4.OSFXSR rule
 * of FXSAVE/FXRSTOR and the #NM/#UD availability rules of CR0.TS/EM/MP and
 * CR4.OSXSAVE. Real instruction bytes through the step loop; RBX points at
 * the 64-byte aligned XSAVE area S_AREA (EDX:EAX is the instruction mask).
 * Encodings from the SDM opcode tables:
 *   XSAVE m = 0F AE /4, XRSTOR = 0F AE /5, XSAVEOPT = 0F AE /6,
 *   XSAVEC = 0F C7 /4 (ModRM [rbx]: /4 = 23, /5 = 2B, /6 = 33),
 *   XGETBV = 0F 01 D0, XSETBV = 0F 01 D1, FXSAVE [rbx] = 0F AE 03,
 *   FXRSTOR [rbx] = 0F AE 0B, CLTS = 0F 06, MOV CR4,RAX = 0F 22 E0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sys_harness.h"
#include "cpu/fpu/x87.h"

SH_FIXTURE
#define C (H.c)
#define S_AREA (H_DATA + 0x1000)

#define XSAVE    0x0f, 0xae, 0x23
#define XSAVE64  0x48, 0x0f, 0xae, 0x23
#define XRSTOR   0x0f, 0xae, 0x2b
#define XRSTOR64 0x48, 0x0f, 0xae, 0x2b
#define XSAVEOPT 0x0f, 0xae, 0x33
#define XSAVEC   0x0f, 0xc7, 0x23
#define XGETBV   0x0f, 0x01, 0xd0
#define XSETBV   0x0f, 0x01, 0xd1
#define FNINIT   0xdb, 0xe3
#define FLD1     0xd9, 0xe8
#define FLDPI    0xd9, 0xeb

/* XSAVE advertised (with its extensions), CR4.OSXSAVE = 1, XCR0 = 3 */
static void xs_on(void)
{
	sh_feat(&H, FEAT_xsave, true);
	sh_feat(&H, FEAT_xsaveopt, true);
	sh_feat(&H, FEAT_xsavec, true);
	sh_feat(&H, FEAT_xgetbv1, true);
	C->cr4 |= CR4_OSXSAVE;
	C->xcr0 = 3;
	C->gpr[RBX] = S_AREA;
}

static int run_mask(u64 mask, const u8 *code, size_t len)
{
	C->gpr[RAX] = (u32)mask;
	C->gpr[RDX] = mask >> 32;
	return sh_run(&H, code, len);
}

static void fill(u8 v) { for (unsigned k = 0; k < 640; k++) phys_write(&H.m.mem, S_AREA + k, 1, v); }
static u64 rd(unsigned off, unsigned n) { return phys_read(&H.m.mem, S_AREA + off, n); }
static void wr(unsigned off, unsigned n, u64 v) { phys_write(&H.m.mem, S_AREA + off, n, v); }

/* a recognisable state: ST0 = pi, ST1 = 1, XMM3 and XMM12 set, MXCSR with FZ */
static void set_state(void)
{
	assert_int_equal(sh_run(&H, CODE(FNINIT, FLD1, FLDPI)), -1);
	C->fpu.xmm[3][0] = 0x1111222233334444ull;
	C->fpu.xmm[3][1] = 0x5555666677778888ull;
	C->fpu.xmm[12][0] = 0xc12c12c12c12c12cull;
	C->fpu.mxcsr = MXCSR_INIT | MXCSR_FZ;
}

/* --- XSETBV / XGETBV (SDM Vol.2 XSETBV, XGETBV "Exceptions") --- */
static void test_xsetbv_rules(void **s)
{
	xs_on();
	C->gpr[RCX] = 0;
	assert_int_equal(run_mask(1, CODE(XSETBV)), -1);
	assert_int_equal(C->xcr0, 1);
	/* XCR0[2:1] = 10b (AVX without SSE), unsupported bits, bit 0 clear */
	assert_int_equal(run_mask(5, CODE(XSETBV)), VEC_GP);
	assert_int_equal(run_mask(7, CODE(XSETBV)), VEC_GP);
	/* PKRU (bit 9) only with PKU */
	sh_feat(&H, FEAT_pku, false);
	assert_int_equal(run_mask(BIT(9) | 3, CODE(XSETBV)), VEC_GP);
	sh_feat(&H, FEAT_pku, true);
	assert_int_equal(run_mask(BIT(9) | 3, CODE(XSETBV)), -1);
	assert_int_equal(C->xcr0, BIT(9) | 3);
	assert_int_equal(run_mask(1, CODE(XSETBV)), -1);
	assert_int_equal(run_mask(BIT(62) | 3, CODE(XSETBV)), VEC_GP);
	assert_int_equal(run_mask(2, CODE(XSETBV)), VEC_GP);
	assert_int_equal(C->xcr0, 1);
	/* high halves of RCX/RAX ignored */
	C->gpr[RCX] = 0xffffffff00000000ull;
	C->gpr[RAX] = 0xabcdef0000000003ull;
	C->gpr[RDX] = 0;
	assert_int_equal(sh_run(&H, CODE(XSETBV)), -1);
	assert_int_equal(C->xcr0, 3);
	/* CR4.OSXSAVE = 0: #UD for both */
	C->cr4 &= ~CR4_OSXSAVE;
	C->gpr[RCX] = 0;
	assert_int_equal(run_mask(3, CODE(XSETBV)), VEC_UD);
	assert_int_equal(sh_run(&H, CODE(XGETBV)), VEC_UD);
}

static void test_xgetbv_xinuse(void **s)
{
	xs_on();
	/* from RESET every register is zero: FNINIT puts x87 in its initial
	 * configuration, and no XMM register is in use */
	assert_int_equal(sh_run(&H, CODE(FNINIT)), -1);
	C->gpr[RCX] = 1;
	assert_int_equal(sh_run(&H, CODE(XGETBV)), -1);
	assert_int_equal(C->gpr[RAX], 0);
	assert_int_equal(sh_run(&H, CODE(FLD1)), -1);
	C->fpu.xmm[15][1] = 1;
	C->gpr[RCX] = 1;
	assert_int_equal(sh_run(&H, CODE(XGETBV)), -1);
	assert_int_equal(C->gpr[RAX], 3);
	assert_int_equal(C->gpr[RDX], 0);
	/* ... AND XCR0 */
	C->xcr0 = 1;
	C->gpr[RCX] = 1;
	assert_int_equal(sh_run(&H, CODE(XGETBV)), -1);
	assert_int_equal(C->gpr[RAX], 1);
	/* ECX = 1 needs XGETBV1; ECX = 2 never exists */
	C->gpr[RCX] = 2;
	assert_int_equal(sh_run(&H, CODE(XGETBV)), VEC_GP);
	sh_feat(&H, FEAT_xgetbv1, false);
	C->gpr[RCX] = 1;
	assert_int_equal(sh_run(&H, CODE(XGETBV)), VEC_GP);
}

/* CR4.OSXSAVE is writable only when CPUID advertises XSAVE; CPUID.1:ECX
 * bit 27 mirrors it; leaf 0DH sizes */
static void test_osxsave_cpuid(void **s)
{
	sh_feat(&H, FEAT_xsave, false);
	C->gpr[RAX] = C->cr4 | CR4_OSXSAVE;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x22, 0xe0)), VEC_GP);
	assert_false(C->cr4 & CR4_OSXSAVE);
	sh_feat(&H, FEAT_xsave, true);
	C->gpr[RAX] = C->cr4 | CR4_OSXSAVE;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x22, 0xe0)), -1);
	assert_true(C->cr4 & CR4_OSXSAVE);
	C->gpr[RAX] = 1;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
	assert_true(C->gpr[RCX] & BIT(27));
	C->gpr[RAX] = 0xd;
	C->gpr[RCX] = 0;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xa2)), -1);
	assert_int_equal(C->gpr[RBX], 576);
}

/* --- XSAVE standard format (SDM Vol.1 "Operation of XSAVE") --- */
static void test_xsave_standard(void **s)
{
	xs_on();
	set_state();
	fill(0xaa);
	wr(512, 8, BIT(5)); /* XSTATE_BV bits outside RFBM are kept */
	assert_int_equal(run_mask(~0ull, CODE(XSAVE64)), -1);
	assert_int_equal(rd(0, 2), 0x037f);            /* FCW */
	assert_int_equal(rd(2, 2), 6u << 11);          /* FSW: TOP = 6 */
	assert_int_equal(rd(4, 1), 0xc0);              /* abridged tags R6, R7 */
	assert_int_equal(rd(24, 4), MXCSR_INIT | MXCSR_FZ);
	assert_int_equal(rd(28, 4), MXCSR_MASK_VALUE);
	assert_int_equal(rd(32, 8), 0xc90fdaa22168c235ull); /* ST0 = pi */
	assert_int_equal(rd(40, 2), 0x4000);
	assert_int_equal(rd(48 + 8, 2), 0x3fff);             /* ST1 = 1 */
	assert_int_equal(rd(160 + 48, 8), 0x1111222233334444ull);
	assert_int_equal(rd(160 + 56, 8), 0x5555666677778888ull);
	assert_int_equal(rd(160 + 192, 8), 0xc12c12c12c12c12cull);
	assert_int_equal(rd(464, 8), 0xaaaaaaaaaaaaaaaaull); /* 511:464 untouched */
	assert_int_equal(rd(512, 8), BIT(5) | 3);             /* XSTATE_BV */
	assert_int_equal(rd(520, 8), 0xaaaaaaaaaaaaaaaaull); /* XCOMP_BV not written */
	assert_int_equal(rd(576, 8), 0xaaaaaaaaaaaaaaaaull);
}

/* RFBM selects components; MXCSR goes with RFBM[1] (or RFBM[2]) */
static void test_xsave_rfbm(void **s)
{
	xs_on();
	set_state();
	fill(0xaa);
	wr(512, 8, 0);
	assert_int_equal(run_mask(1, CODE(XSAVE)), -1);
	assert_int_equal(rd(0, 2), 0x037f);
	assert_int_equal(rd(24, 4), 0xaaaaaaaa);
	assert_int_equal(rd(160 + 48, 8), 0xaaaaaaaaaaaaaaaaull);
	assert_int_equal(rd(512, 8), 1);
	fill(0xaa);
	wr(512, 8, 0);
	assert_int_equal(run_mask(2, CODE(XSAVE)), -1);
	assert_int_equal(rd(0, 2), 0xaaaa);
	assert_int_equal(rd(24, 4), MXCSR_INIT | MXCSR_FZ);
	assert_int_equal(rd(160 + 48, 8), 0x1111222233334444ull);
	assert_int_equal(rd(512, 8), 2);
	/* RFBM = XCR0 AND EDX:EAX */
	fill(0xaa);
	wr(512, 8, 0);
	C->xcr0 = 1;
	assert_int_equal(run_mask(3, CODE(XSAVE)), -1);
	assert_int_equal(rd(24, 4), 0xaaaaaaaa);
	assert_int_equal(rd(512, 8), 1);
}

/* XSAVEOPT and XSAVEC use the init optimization; XSAVEC writes the
 * compacted header */
static void test_xsaveopt_xsavec(void **s)
{
	xs_on();
	assert_int_equal(sh_run(&H, CODE(FNINIT)), -1); /* x87 init, XMM zero */
	fill(0xaa);
	wr(512, 8, 0);
	assert_int_equal(run_mask(3, CODE(XSAVEOPT)), -1);
	assert_int_equal(rd(512, 8), 0);
	assert_int_equal(rd(0, 2), 0xaaaa);      /* x87 not written */
	assert_int_equal(rd(24, 4), MXCSR_INIT); /* MXCSR always */
	fill(0xaa);
	assert_int_equal(run_mask(~0ull, CODE(XSAVEC)), -1);
	assert_int_equal(rd(512, 8), 0);
	assert_int_equal(rd(520, 8), BIT(63) | 3);
	assert_int_equal(rd(0, 2), 0xaaaa);
	assert_int_equal(rd(24, 4), MXCSR_INIT);
	set_state();
	fill(0xaa);
	assert_int_equal(run_mask(1, CODE(XSAVEC)), -1);
	assert_int_equal(rd(512, 8), 1);
	assert_int_equal(rd(520, 8), BIT(63) | 1);
	assert_int_equal(rd(0, 2), 0x037f);
	assert_int_equal(rd(24, 4), 0xaaaaaaaa); /* RFBM[1] = 0 */
	/* not advertised: #UD */
	sh_feat(&H, FEAT_xsavec, false);
	sh_feat(&H, FEAT_xsaveopt, false);
	assert_int_equal(run_mask(3, CODE(XSAVEC)), VEC_UD);
	assert_int_equal(run_mask(3, CODE(XSAVEOPT)), VEC_UD);
}

/* outside 64-bit mode only XMM0-7 belong to SSE state (SDM Vol.1 "SSE
 * State"); LOCK is #UD */
static void test_xsave_legacy_mode(void **s)
{
	xs_on();
	set_state();
	sh_prot32(&H);
	C->cr4 = CR4_OSFXSR | CR4_OSXSAVE;
	C->gpr[RBX] = S_AREA;
	fill(0xaa);
	wr(512, 8, 0);
	assert_int_equal(run_mask(3, CODE(XSAVE)), -1);
	assert_int_equal(rd(160 + 48, 8), 0x1111222233334444ull);
	assert_int_equal(rd(160 + 192, 8), 0xaaaaaaaaaaaaaaaaull); /* XMM12 not saved */
	assert_int_equal(rd(8, 4), (u32)C->fpu.fip);               /* 32-bit FIP, FCS */
	assert_int_equal(rd(12, 2), C->fpu.fcs);
	assert_int_equal(run_mask(3, CODE(0xf0, XSAVE)), VEC_UD);
}

/* --- XRSTOR (SDM Vol.1 "Operation of XRSTOR") --- */
static void test_xrstor_roundtrip(void **s)
{
	xs_on();
	set_state();
	fill(0);
	assert_int_equal(run_mask(3, CODE(XSAVE64)), -1);
	assert_int_equal(sh_run(&H, CODE(FNINIT)), -1);
	memset(C->fpu.xmm, 0, sizeof(C->fpu.xmm));
	C->fpu.mxcsr = MXCSR_INIT;
	assert_int_equal(run_mask(3, CODE(XRSTOR64)), -1);
	assert_int_equal(x87_top(C), 6);
	assert_int_equal(x87_st(C, 0)->mant, 0xc90fdaa22168c235ull);
	assert_false(x87_empty(C, 1));
	assert_true(x87_empty(C, 2));
	assert_int_equal(C->fpu.xmm[3][1], 0x5555666677778888ull);
	assert_int_equal(C->fpu.xmm[12][0], 0xc12c12c12c12c12cull);
	assert_int_equal(C->fpu.mxcsr, MXCSR_INIT | MXCSR_FZ);
}

/* XSTATE_BV[i] = 0: component i initialized; the standard form still loads
 * MXCSR, the compacted form sets it to 1F80H */
static void test_xrstor_init(void **s)
{
	xs_on();
	set_state();
	fill(0);
	wr(24, 4, 0x1f00); /* MXCSR in the image */
	assert_int_equal(run_mask(3, CODE(XRSTOR)), -1);
	assert_int_equal(C->fpu.fcw, FCW_INIT);
	assert_int_equal(C->fpu.ftw, 0xffff);
	assert_int_equal(x87_top(C), 0);
	assert_int_equal(C->fpu.st[6].mant, 0);
	assert_int_equal(C->fpu.xmm[3][0], 0);
	assert_int_equal(C->fpu.xmm[12][0], 0);
	assert_int_equal(C->fpu.mxcsr, 0x1f00);
	/* RFBM = 1: SSE state and MXCSR untouched */
	set_state();
	assert_int_equal(run_mask(1, CODE(XRSTOR)), -1);
	assert_int_equal(C->fpu.xmm[3][0], 0x1111222233334444ull);
	assert_int_equal(C->fpu.mxcsr, MXCSR_INIT | MXCSR_FZ);
	/* compacted, XSTATE_BV = 0 */
	set_state();
	wr(520, 8, BIT(63) | 3);
	assert_int_equal(run_mask(3, CODE(XRSTOR)), -1);
	assert_int_equal(C->fpu.xmm[3][0], 0);
	assert_int_equal(C->fpu.mxcsr, MXCSR_INIT);
	assert_int_equal(C->fpu.fcw, FCW_INIT);
}

/* #GP(0) rules (SDM Vol.2 XRSTOR "Protected Mode Exceptions"); a faulting
 * XRSTOR changes nothing */
static void test_xrstor_faults(void **s)
{
	struct { unsigned off, n; u64 v; } bad[] = {
		{ 512, 8, BIT(2) | 3 },        /* XSTATE_BV not a subset of XCR0 */
		{ 520, 8, 1 },                 /* standard: XCOMP_BV != 0 */
		{ 528 + 7, 1, 1 },             /* standard: byte 23 of the header */
		{ 24, 4, 0x10000 | MXCSR_INIT }, /* reserved MXCSR bit */
	};
	xs_on();
	for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
		set_state();
		fill(0);
		wr(bad[k].off, bad[k].n, bad[k].v);
		assert_int_equal(run_mask(3, CODE(XRSTOR)), VEC_GP);
		assert_int_equal(x87_top(C), 6);
		assert_int_equal(C->fpu.xmm[3][0], 0x1111222233334444ull);
	}
	/* standard form: bytes 63:24 of the header are not checked */
	fill(0);
	wr(512 + 40, 8, ~0ull);
	assert_int_equal(run_mask(3, CODE(XRSTOR)), -1);
	/* the reserved MXCSR bit is harmless when MXCSR is not loaded */
	fill(0);
	wr(24, 4, 0x10000);
	assert_int_equal(run_mask(1, CODE(XRSTOR)), -1);
	/* compacted form */
	struct { u64 bv, comp; unsigned junk; } cbad[] = {
		{ 3, BIT(63) | 1, 0 },   /* XSTATE_BV not a subset of XCOMP_BV */
		{ 1, BIT(63) | 4, 0 },   /* XCOMP_BV not a subset of XCR0 */
		{ 1, BIT(63) | 1, 16 },  /* byte 16 of the header */
		{ 1, BIT(63) | 1, 63 },  /* byte 63 of the header */
	};
	for (size_t k = 0; k < ARRAY_SIZE(cbad); k++) {
		fill(0);
		wr(512, 8, cbad[k].bv);
		wr(520, 8, cbad[k].comp);
		if (cbad[k].junk)
			wr(512 + cbad[k].junk, 1, 0x80);
		assert_int_equal(run_mask(3, CODE(XRSTOR)), VEC_GP);
	}
	/* compacted form without XSAVEC support */
	fill(0);
	wr(520, 8, BIT(63) | 3);
	sh_feat(&H, FEAT_xsavec, false);
	assert_int_equal(run_mask(3, CODE(XRSTOR)), VEC_GP);
	/* 64-byte alignment, for XSAVE too */
	C->gpr[RBX] = S_AREA + 32;
	assert_int_equal(run_mask(3, CODE(XRSTOR)), VEC_GP);
	assert_int_equal(run_mask(3, CODE(XSAVE)), VEC_GP);
}

/* #UD without CR4.OSXSAVE or CPUID.XSAVE; #NM on CR0.TS but not CR0.EM */
static void test_xsave_availability(void **s)
{
	xs_on();
	fill(0);
	C->cr0 |= CR0_EM;
	assert_int_equal(run_mask(3, CODE(XSAVE)), -1);
	C->cr0 &= ~CR0_EM;
	C->cr0 |= CR0_TS;
	assert_int_equal(run_mask(3, CODE(XSAVE)), VEC_NM);
	assert_int_equal(run_mask(3, CODE(XRSTOR)), VEC_NM);
	assert_int_equal(run_mask(3, CODE(XSAVEC)), VEC_NM);
	/* CLTS clears TS */
	assert_int_equal(sh_run(&H, CODE(0x0f, 0x06)), -1);
	assert_false(C->cr0 & CR0_TS);
	assert_int_equal(run_mask(3, CODE(XSAVE)), -1);
	C->cr4 &= ~CR4_OSXSAVE;
	assert_int_equal(run_mask(3, CODE(XSAVE)), VEC_UD);
	assert_int_equal(run_mask(3, CODE(XRSTOR)), VEC_UD);
	C->cr4 |= CR4_OSXSAVE;
	sh_feat(&H, FEAT_xsave, false);
	assert_int_equal(run_mask(3, CODE(XSAVE)), VEC_UD);
}

/* --- FXSAVE/FXRSTOR with CR4.OSFXSR = 0: x87 state only --- */
static void test_fxsave_osfxsr(void **s)
{
	C->gpr[RBX] = S_AREA;
	set_state();
	C->cr4 &= ~CR4_OSFXSR;
	fill(0xaa);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x03)), -1);
	assert_int_equal(rd(0, 2), 0x037f);
	assert_int_equal(rd(24, 4), 0xaaaaaaaa);
	assert_int_equal(rd(160 + 48, 8), 0xaaaaaaaaaaaaaaaaull);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x0b)), -1); /* MXCSR 0xaaaaaaaa ignored */
	assert_int_equal(C->fpu.mxcsr, MXCSR_INIT | MXCSR_FZ);
	assert_int_equal(C->fpu.xmm[3][0], 0x1111222233334444ull);
	assert_int_equal(C->fpu.fcw, 0x037f);
	C->cr4 |= CR4_OSFXSR;
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x0b)), VEC_GP); /* now loaded: reserved */
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x03)), -1);
	assert_int_equal(rd(24, 4), MXCSR_INIT | MXCSR_FZ);
	assert_int_equal(rd(160 + 48, 8), 0x1111222233334444ull);
}

/* FXSAVE's operand is m512byte: the segment limit covers all 512 bytes,
 * although the last 96 are not written */
static void test_fxsave_limit(void **s)
{
	sh_prot32(&H);
	C->cr4 = CR4_OSFXSR;
	C->gpr[RBX] = S_AREA;
	C->seg[SEG_DS].limit = (u32)(S_AREA + 500);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x03)), VEC_GP);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x0b)), VEC_GP);
	C->seg[SEG_DS].limit = (u32)(S_AREA + 511);
	assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x03)), -1);
}

/* #NM / #UD table (SDM Vol.3A "Device Not Available Exception (#NM)"):
 * x87 -> #NM on EM or TS; WAIT -> #NM only on MP and TS; SSE -> #UD on EM
 * or !OSFXSR, else #NM on TS; FXSAVE -> #NM on EM or TS */
static void test_nm_table(void **s)
{
	static const struct { u64 cr0; bool osfxsr; int x87, wait, sse, fxsave; } rows[] = {
		{ 0, true, -1, -1, -1, -1 },
		{ CR0_TS, true, VEC_NM, -1, VEC_NM, VEC_NM },
		{ CR0_TS | CR0_MP, true, VEC_NM, VEC_NM, VEC_NM, VEC_NM },
		{ CR0_MP, true, -1, -1, -1, -1 },
		{ CR0_EM, true, VEC_NM, -1, VEC_UD, VEC_NM },
		{ CR0_EM | CR0_TS | CR0_MP, true, VEC_NM, VEC_NM, VEC_UD, VEC_NM },
		{ CR0_TS, false, VEC_NM, -1, VEC_UD, VEC_NM },
	};
	C->gpr[RBX] = S_AREA;
	for (size_t k = 0; k < ARRAY_SIZE(rows); k++) {
		C->cr0 = (C->cr0 & ~(CR0_TS | CR0_EM | CR0_MP)) | rows[k].cr0;
		C->cr4 = rows[k].osfxsr ? C->cr4 | CR4_OSFXSR : C->cr4 & ~CR4_OSFXSR;
		assert_int_equal(sh_run(&H, CODE(FNINIT)), rows[k].x87);
		assert_int_equal(sh_run(&H, CODE(0x9b)), rows[k].wait);
		assert_int_equal(sh_run(&H, CODE(0x0f, 0x57, 0xc0)), rows[k].sse); /* xorps */
		assert_int_equal(sh_run(&H, CODE(0x0f, 0xae, 0x03)), rows[k].fxsave);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_xsetbv_rules),
		T(test_xgetbv_xinuse),
		T(test_osxsave_cpuid),
		T(test_xsave_standard),
		T(test_xsave_rfbm),
		T(test_xsaveopt_xsavec),
		T(test_xsave_legacy_mode),
		T(test_xrstor_roundtrip),
		T(test_xrstor_init),
		T(test_xrstor_faults),
		T(test_xsave_availability),
		T(test_fxsave_osfxsr),
		T(test_fxsave_limit),
		T(test_nm_table),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
