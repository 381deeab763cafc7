/* cpu/fpu/exec_xsave.c: the XSAVE feature set for state components 0 (x87),
 * 1 (SSE) and 9 (PKRU, on a model with PKU): XSAVE, XSAVEOPT, XSAVEC, XRSTOR and their REX.W forms (SDM Vol.1
 * "Managing State Using the XSAVE Feature Set"; Vol.2 XSAVE, XSAVEOPT,
 * XSAVEC, XRSTOR). XGETBV/XSETBV are in exec_sys.c; CPUID leaf 0DH in
 * model.c. XSAVES/XRSTORS are not implemented (no IA32_XSS): #UD.
 *
 * Both components live in the legacy region (bytes 0-511, the FXSAVE
 * layout), so the standard and the compacted formats differ only in the
 * XSAVE header (bytes 512-575) and in where PKRU goes: byte 2688 of the
 * standard format (CPUID.(EAX=0DH,ECX=9):EBX), byte 576 of the compacted
 * one (the first component after the header: SDM Vol.1 "Compacted Form of
 * XSAVE Area"). The first 576 bytes are read whole before anything
 * changes, and written back whole: bytes an instruction does not own are
 * written with the values just read; PKRU's 4 bytes are read and written
 * on their own, only when the instruction handles PKRU. */
#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/model.h"
#include "cpu/fpu/x87.h"
#include "cpu/fpu/xsave_features.h"
#include "cpu/system/pkeys.h"

#define XS_X87     BIT(0)
#define XS_SSE     BIT(1)
#define XS_AVX     BIT(2)
#define XS_PKRU    BIT(9)
#define XS_COMPACT BIT(63) /* XCOMP_BV[63]: compacted format */
#define XS_HDR     512     /* SDM Vol.1 "XSAVE Header" */
#define XS_SIZE    576

static bool xs_has(const struct cpu *c, enum cpu_feature f)
{
	return c->model && cpu_has(c->model, f);
}

/* XMM registers the XSAVE family handles: XMM0-15 in 64-bit mode, XMM0-7
 * elsewhere (SDM Vol.1 "SSE State") */
static unsigned xs_nxmm(const struct cpu *c) { return c->mode == MODE_LONG64 ? 16 : 8; }

/* SDM Vol.1 "Processor Tracking of XSAVE-Managed State": the initial
 * configuration of x87 state is FCW 037FH, FSW 0, all tags empty, FOP,
 * FIP, FDP (and FCS, FDS) 0, ST0-ST7 0; of SSE state, the XMM registers 0
 * (XINUSE[1] says nothing about MXCSR). XINUSE[i] = 0 only in that
 * configuration; nestbox derives it from the registers, which is the
 * tightest tracking the SDM allows. */
u64 xsave_xinuse(const struct cpu *c)
{
	const struct fpu *f = &c->fpu;
	u64 in_use = 0;
	bool x87_init = f->fcw == FCW_INIT && f->fsw == 0 && f->ftw == 0xffff && f->fop == 0 &&
			f->fip == 0 && f->fdp == 0 && f->fcs == 0 && f->fds == 0;

	for (unsigned k = 0; k < 8 && x87_init; k++)
		x87_init = f->st[k].mant == 0 && f->st[k].se == 0;
	if (!x87_init)
		in_use |= XS_X87;
	for (unsigned k = 0; k < xs_nxmm(c); k++)
		if (f->xmm[k][0] | f->xmm[k][1])
			in_use |= XS_SSE;
	/* "PKRU State": its initial configuration is PKRU = 0 */
	if (c->msr.pkru)
		in_use |= XS_PKRU;
	return in_use;
}

static void x87_init_config(struct fpu *f)
{
	x87_init_state(f);
	memset(f->st, 0, sizeof(f->st));
}

/* The checks every XSAVE-family instruction starts with (SDM Vol.1
 * "Operation of XSAVE" and the other "Operation of" sections; Vol.2
 * "Exceptions"): #UD unless CPUID advertises the instruction and
 * CR4.OSXSAVE = 1; #NM if CR0.TS = 1; #GP(0) unless the area is 64-byte
 * aligned (whatever the segment). Returns the offset of the area. */
static u64 xs_prologue(struct cpu *c, const struct insn *i, enum cpu_feature f)
{
	u64 ea = insn_ea(c, i);

	if (!xs_has(c, FEAT_xsave) || !xs_has(c, f))
		cpu_ud(c);
	xsave_check(c);
	if (x87_linear(c, i, ea) & 63)
		cpu_gp0(c);
	return ea;
}

/* RFBM = XCR0 AND EDX:EAX */
static u64 xs_rfbm(const struct cpu *c)
{
	return c->xcr0 & (((c->gpr[RDX] & 0xffffffffull) << 32) | (c->gpr[RAX] & 0xffffffffull));
}

static void xs_store_mxcsr(const struct cpu *c, u8 *b)
{
	store_le32(b + 24, c->fpu.mxcsr);
	store_le32(b + 28, MXCSR_MASK_VALUE);
}

enum xs_kind { XS_STANDARD, XS_OPT, XS_COMPACTED };

/* where PKRU is: the standard format's fixed offset, or, compacted, right
 * after the header (no component between 1 and 9 exists here) */
static u64 xs_pkru_offset(bool compacted)
{
	return compacted ? XS_SIZE : XSAVE_PKRU_OFFSET;
}

/* XSAVE (SDM Vol.1 "Operation of XSAVE"): saves component i iff RFBM[i];
 * MXCSR/MXCSR_MASK iff RFBM[1] or RFBM[2]; XSTATE_BV[i] <- XINUSE[i] for
 * RFBM[i] = 1, others unchanged; XCOMP_BV and the rest of the header are
 * not written.
 * XSAVEOPT ("Operation of XSAVEOPT"): as XSAVE with the init optimization
 * (a component with XINUSE[i] = 0 is not written); the modified
 * optimization is allowed, not required, and not used.
 * XSAVEC ("Operation of XSAVEC"): component i saved iff RFBM[i] and
 * XINUSE[i]; MXCSR/MXCSR_MASK iff RFBM[1] (even if XINUSE[1] = 0, and
 * RFBM[2] does not count); XSTATE_BV <- RFBM AND XINUSE; XCOMP_BV <-
 * 8000000000000000H OR RFBM. */
static void xsave(struct cpu *c, const struct insn *i, enum xs_kind k, bool rex_w)
{
	static const enum cpu_feature need[] = { FEAT_xsave, FEAT_xsaveopt, FEAT_xsavec };
	u64 ea = xs_prologue(c, i, need[k]);
	u64 rfbm = xs_rfbm(c), inuse = xsave_xinuse(c);
	u64 save = k == XS_STANDARD ? rfbm : rfbm & inuse;
	bool mxcsr = k == XS_COMPACTED ? (rfbm & XS_SSE) : (rfbm & (XS_SSE | XS_AVX));
	u8 b[XS_SIZE];

	cpu_read_bytes(c, i->seg, ea, b, XS_SIZE);
	if (save & XS_X87)
		fx_store_x87(c, b, rex_w);
	if (mxcsr)
		xs_store_mxcsr(c, b);
	if (save & XS_SSE)
		fx_store_xmm(c, b, xs_nxmm(c));
	if (k == XS_COMPACTED) {
		store_le64(b + XS_HDR, rfbm & inuse);
		store_le64(b + XS_HDR + 8, XS_COMPACT | rfbm);
	} else {
		u64 bv = load_le64(b + XS_HDR);
		store_le64(b + XS_HDR, (bv & ~rfbm) | (inuse & rfbm));
	}
	/* PKRU (a fault here leaves the legacy region unwritten; a fault
	 * in the legacy region after it, PKRU written: the SDM lets a
	 * faulting XSAVE leave the area partly updated) */
	if (save & XS_PKRU) {
		u8 pk[4];
		store_le32(pk, c->msr.pkru);
		cpu_write_bytes(c, i->seg, ea + xs_pkru_offset(k == XS_COMPACTED), pk, sizeof(pk));
	}
	cpu_write_bytes(c, i->seg, ea, b, XS_SIZE);
}

void exec_xsave(struct cpu *c, const struct insn *i) { xsave(c, i, XS_STANDARD, false); }
void exec_xsave64(struct cpu *c, const struct insn *i) { xsave(c, i, XS_STANDARD, true); }
void exec_xsaveopt(struct cpu *c, const struct insn *i) { xsave(c, i, XS_OPT, false); }
void exec_xsaveopt64(struct cpu *c, const struct insn *i) { xsave(c, i, XS_OPT, true); }
void exec_xsavec(struct cpu *c, const struct insn *i) { xsave(c, i, XS_COMPACTED, false); }
void exec_xsavec64(struct cpu *c, const struct insn *i) { xsave(c, i, XS_COMPACTED, true); }

/* bytes [from, to] of the header are zero */
static bool xs_header_zero(const u8 *b, unsigned from, unsigned to)
{
	for (unsigned k = from; k <= to; k++)
		if (b[XS_HDR + k])
			return false;
	return true;
}

/* SDM Vol.2 XRSTOR "Protected Mode Exceptions", #GP(0) from the header:
 * standard form: XSTATE_BV sets a bit XCR0 clears, or bytes 23:8 of the
 * header are not zero; compacted form: XSAVEC not supported, XCOMP_BV[62:0]
 * sets a bit XCR0 clears, XSTATE_BV sets a bit XCOMP_BV clears, or bytes
 * 63:16 of the header are not zero. */
static bool xrstor_header_ok(const struct cpu *c, u64 xstate_bv, u64 xcomp_bv, const u8 *b)
{
	if (!(xcomp_bv & XS_COMPACT))
		return !(xstate_bv & ~c->xcr0) && xs_header_zero(b, 8, 23);
	if (!xs_has(c, FEAT_xsavec))
		return false;
	if (xcomp_bv & ~XS_COMPACT & ~c->xcr0)
		return false;
	if (xstate_bv & ~xcomp_bv)
		return false;
	return xs_header_zero(b, 16, 63);
}

/* XRSTOR (SDM Vol.1 "Operation of XRSTOR"): for RFBM[i] = 1, component i
 * is loaded when XSTATE_BV[i] = 1 and set to its initial configuration
 * when XSTATE_BV[i] = 0. MXCSR: the standard form loads it from the area
 * whenever RFBM[1] or RFBM[2] is set; the compacted form only when
 * RFBM[1] = XSTATE_BV[1] = 1, and sets it to 1F80H when RFBM[1] = 1 and
 * XSTATE_BV[1] = 0. A reserved MXCSR bit that would be loaded is #GP(0). */
static void xrstor(struct cpu *c, const struct insn *i, bool rex_w)
{
	u64 ea = xs_prologue(c, i, FEAT_xsave);
	u64 rfbm = xs_rfbm(c), xstate_bv, xcomp_bv;
	bool compact, load_mxcsr;
	u8 b[XS_SIZE];
	u32 mxcsr;

	cpu_read_bytes(c, i->seg, ea, b, XS_SIZE);
	xstate_bv = load_le64(b + XS_HDR);
	xcomp_bv = load_le64(b + XS_HDR + 8);
	if (!xrstor_header_ok(c, xstate_bv, xcomp_bv, b))
		cpu_gp0(c);
	compact = (xcomp_bv & XS_COMPACT) != 0;
	mxcsr = load_le32(b + 24);
	if (compact)
		load_mxcsr = (rfbm & xstate_bv & XS_SSE) != 0;
	else
		load_mxcsr = (rfbm & (XS_SSE | XS_AVX)) != 0;
	if (load_mxcsr && (mxcsr & ~MXCSR_MASK_VALUE))
		cpu_gp0(c);
	/* "PKRU State": loaded from the area when XSTATE_BV[9] = 1, else
	 * set to 0 (its initial configuration) */
	u32 pkru = 0;
	if ((rfbm & XS_PKRU) && (xstate_bv & XS_PKRU)) {
		u8 pk[4];
		cpu_read_bytes(c, i->seg, ea + xs_pkru_offset(compact), pk, sizeof(pk));
		pkru = load_le32(pk);
	}

	/* commit */
	if (rfbm & XS_X87) {
		if (xstate_bv & XS_X87)
			fx_load_x87(c, b, rex_w);
		else
			x87_init_config(&c->fpu);
	}
	if (rfbm & XS_SSE) {
		if (xstate_bv & XS_SSE)
			fx_load_xmm(c, b, xs_nxmm(c));
		else
			memset(c->fpu.xmm, 0, 16 * xs_nxmm(c));
	}
	if (load_mxcsr)
		c->fpu.mxcsr = mxcsr;
	else if (compact && (rfbm & XS_SSE))
		c->fpu.mxcsr = MXCSR_INIT;
	if ((rfbm & XS_PKRU) && pkru != c->msr.pkru) {
		c->msr.pkru = pkru;
		pk_changed(c); /* the TLB's entries hold the rights */
	}
}

void exec_xrstor(struct cpu *c, const struct insn *i) { xrstor(c, i, false); }
void exec_xrstor64(struct cpu *c, const struct insn *i) { xrstor(c, i, true); }
