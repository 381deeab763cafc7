/* cpu/fpu/exec_fxsave.c: saving and restoring x87/SSE state: FNSTENV FLDENV
 * FNSAVE FRSTOR (SDM Vol.1 "Saving the x87 FPU's State with FSTENV/FNSTENV
 * and FSAVE/FNSAVE"), FXSAVE FXRSTOR (Vol.2 FXSAVE "FXSAVE Save Area
 * Layout"), LDMXCSR STMXCSR. Every load reads and checks the whole image
 * before changing any register. */
#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/fpu/x87.h"

/* The full tag word as FNSTENV/FNSAVE store it: empty stays empty, other
 * registers are classified from their contents. */
static u16 full_tag_word(const struct cpu *c)
{
	u16 ftw = 0;
	for (unsigned p = 0; p < 8; p++) {
		unsigned t = x87_tag(c, p) == TAG_EMPTY ? TAG_EMPTY : f80_tag(&c->fpu.st[p]);
		ftw |= (u16)(t << (2 * p));
	}
	return ftw;
}

/* FLDENV/FRSTOR/FXRSTOR: only "empty" is taken from the image; the other
 * tags follow from the register contents */
static u16 tags_from_image(u16 ftw)
{
	u16 t = 0;
	for (unsigned p = 0; p < 8; p++)
		if (((ftw >> (2 * p)) & 3) == TAG_EMPTY)
			t |= (u16)(TAG_EMPTY << (2 * p));
	return t;
}

static bool real_format(const struct cpu *c)
{
	return c->mode == MODE_REAL || c->mode == MODE_VM86;
}

/* --- the x87 environment (SDM Vol.1 figures "Protected Mode x87 FPU State
 * Image in Memory, 32-Bit Format" and the real-mode and 16-bit variants).
 * Reserved halves of the 32-bit format read as ones (measured). --- */
static unsigned env_size(const struct insn *i) { return i->osize == 2 ? 14 : 28; }

static void env_store(struct cpu *c, const struct insn *i, u8 *b)
{
	const struct fpu *f = &c->fpu;
	u16 ftw = full_tag_word(c);
	u32 ip = (u32)f->fip, dp = (u32)f->fdp;

	if (i->osize == 2) {
		store_le16(b + 0, f->fcw);
		store_le16(b + 2, f->fsw);
		store_le16(b + 4, ftw);
		store_le16(b + 6, (u16)ip);
		store_le16(b + 10, (u16)dp);
		if (real_format(c)) {
			store_le16(b + 8, (u16)(((ip >> 16) & 0xf) << 12 | (f->fop & 0x7ff)));
			store_le16(b + 12, (u16)(((dp >> 16) & 0xf) << 12));
		} else {
			store_le16(b + 8, f->fcs);
			store_le16(b + 12, f->fds);
		}
		return;
	}
	store_le32(b + 0, 0xffff0000u | f->fcw);
	store_le32(b + 4, 0xffff0000u | f->fsw);
	store_le32(b + 8, 0xffff0000u | ftw);
	if (real_format(c)) {
		store_le32(b + 12, 0xffff0000u | (ip & 0xffff));
		store_le32(b + 16, ((ip >> 16) << 12) | (f->fop & 0x7ffu));
		store_le32(b + 20, 0xffff0000u | (dp & 0xffff));
		store_le32(b + 24, (dp >> 16) << 12);
	} else {
		store_le32(b + 12, ip);
		store_le32(b + 16, f->fcs | ((u32)(f->fop & 0x7ff) << 16));
		store_le32(b + 20, dp);
		store_le32(b + 24, 0xffff0000u | f->fds);
	}
}

static void env_load(struct cpu *c, const struct insn *i, const u8 *b)
{
	struct fpu *f = &c->fpu;
	bool real = real_format(c);

	if (i->osize == 2) {
		f->fcw = load_le16(b + 0);
		f->fsw = load_le16(b + 2);
		f->ftw = tags_from_image(load_le16(b + 4));
		f->fip = load_le16(b + 6);
		f->fdp = load_le16(b + 10);
		if (real) {
			f->fip |= (u64)(load_le16(b + 8) >> 12) << 16;
			f->fop = load_le16(b + 8) & 0x7ff;
			f->fdp |= (u64)(load_le16(b + 12) >> 12) << 16;
		} else {
			f->fcs = load_le16(b + 8);
			f->fds = load_le16(b + 12);
		}
	} else {
		f->fcw = load_le16(b + 0);
		f->fsw = load_le16(b + 4);
		f->ftw = tags_from_image(load_le16(b + 8));
		if (real) {
			f->fip = (load_le16(b + 12)) | ((load_le32(b + 16) >> 12) & 0xffff) << 16;
			f->fop = load_le32(b + 16) & 0x7ff;
			f->fdp = (load_le16(b + 20)) | ((load_le32(b + 24) >> 12) & 0xffff) << 16;
		} else {
			f->fip = load_le32(b + 12);
			f->fcs = load_le16(b + 16);
			f->fop = (load_le32(b + 16) >> 16) & 0x7ff;
			f->fdp = load_le32(b + 20);
			f->fds = load_le16(b + 24);
		}
	}
	f->fcw = (u16)((f->fcw & FCW_WRITABLE) | FCW_ONES);
	x87_update_es(c);
}

/* FNSTENV: store the environment, then mask all x87 exceptions */
void exec_fnstenv(struct cpu *c, const struct insn *i)
{
	u8 b[28];

	x87_prologue(c, i, X87_NOWAIT);
	env_store(c, i, b);
	cpu_write_bytes(c, i->seg, insn_ea(c, i), b, env_size(i));
	c->fpu.fcw |= FCW_IM | FCW_DM | FCW_ZM | FCW_OM | FCW_UM | FCW_PM;
	x87_update_es(c);
}

void exec_fldenv(struct cpu *c, const struct insn *i)
{
	u8 b[28];

	x87_prologue(c, i, X87_CONTROL);
	cpu_read_bytes(c, i->seg, insn_ea(c, i), b, env_size(i));
	env_load(c, i, b);
}

/* FNSAVE: environment plus ST(0)..ST(7) (10 bytes each, stack order), then
 * FNINIT */
void exec_fnsave(struct cpu *c, const struct insn *i)
{
	u8 b[108];
	unsigned n = env_size(i);

	x87_prologue(c, i, X87_NOWAIT);
	env_store(c, i, b);
	for (unsigned k = 0; k < 8; k++) {
		store_le64(b + n + 10 * k, x87_st(c, k)->mant);
		store_le16(b + n + 10 * k + 8, x87_st(c, k)->se);
	}
	cpu_write_bytes(c, i->seg, insn_ea(c, i), b, n + 80);
	x87_init_state(&c->fpu);
}

void exec_frstor(struct cpu *c, const struct insn *i)
{
	u8 b[108];
	unsigned n = env_size(i);

	x87_prologue(c, i, X87_CONTROL);
	cpu_read_bytes(c, i->seg, insn_ea(c, i), b, n + 80);
	env_load(c, i, b); /* sets TOP first: ST(k) below is relative to it */
	for (unsigned k = 0; k < 8; k++) {
		x87_st(c, k)->mant = load_le64(b + n + 10 * k);
		x87_st(c, k)->se = load_le16(b + n + 10 * k + 8);
	}
}

/* --- FXSAVE/FXRSTOR (SDM Vol.2 FXSAVE, table "Layout of the 64-bit-mode
 * FXSAVE64 Map" and the non-64-bit-mode map). The pieces are shared with
 * the XSAVE family (exec_xsave.c), whose legacy region has this layout:
 * x87 state is bytes 23:0 and 159:32, SSE state bytes 31:24 and 415:160
 * (SDM Vol.1 "Legacy Region of an XSAVE Area"). --- */
#define FX_MAXLEN 512 /* the m512byte operand, checked and accessed whole */

void fx_store_x87(const struct cpu *c, u8 *b, bool rex_w)
{
	const struct fpu *f = &c->fpu;
	u8 ftw = 0;

	for (unsigned p = 0; p < 8; p++) /* abridged tag: 1 = not empty */
		if (x87_tag(c, p) != TAG_EMPTY)
			ftw |= (u8)(1u << p);
	memset(b, 0, 24);
	memset(b + FX_ST, 0, 128);
	store_le16(b + 0, f->fcw);
	store_le16(b + 2, f->fsw);
	b[4] = ftw;
	store_le16(b + 6, f->fop);
	if (rex_w) {
		store_le64(b + 8, f->fip);
		store_le64(b + 16, f->fdp);
	} else {
		store_le32(b + 8, (u32)f->fip);
		store_le16(b + 12, f->fcs);
		store_le32(b + 16, (u32)f->fdp);
		store_le16(b + 20, f->fds);
	}
	for (unsigned k = 0; k < 8; k++) {
		const struct f80 *r = &f->st[(x87_top(c) + k) & 7];
		store_le64(b + FX_ST + 16 * k, r->mant);
		store_le16(b + FX_ST + 16 * k + 8, r->se);
	}
}

void fx_load_x87(struct cpu *c, const u8 *b, bool rex_w)
{
	struct fpu *f = &c->fpu;

	f->fcw = (u16)((load_le16(b + 0) & FCW_WRITABLE) | FCW_ONES);
	f->fsw = load_le16(b + 2);
	f->ftw = 0;
	for (unsigned p = 0; p < 8; p++)
		if (!(b[4] & (1u << p)))
			x87_set_tag(c, p, TAG_EMPTY);
	f->fop = load_le16(b + 6) & 0x7ff;
	if (rex_w) {
		f->fip = load_le64(b + 8);
		f->fdp = load_le64(b + 16);
	} else {
		f->fip = load_le32(b + 8);
		f->fcs = load_le16(b + 12);
		f->fdp = load_le32(b + 16);
		f->fds = load_le16(b + 20);
	}
	for (unsigned k = 0; k < 8; k++) {
		x87_st(c, k)->mant = load_le64(b + FX_ST + 16 * k);
		x87_st(c, k)->se = load_le16(b + FX_ST + 16 * k + 8);
	}
	x87_update_es(c);
}

void fx_store_xmm(const struct cpu *c, u8 *b, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		store_le64(b + FX_XMM + 16 * k, c->fpu.xmm[k][0]);
		store_le64(b + FX_XMM + 16 * k + 8, c->fpu.xmm[k][1]);
	}
}

void fx_load_xmm(struct cpu *c, const u8 *b, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		c->fpu.xmm[k][0] = load_le64(b + FX_XMM + 16 * k);
		c->fpu.xmm[k][1] = load_le64(b + FX_XMM + 16 * k + 8);
	}
}

/* XMM registers in the image: 16 in 64-bit mode, 8 elsewhere; none with
 * AMD's fast FXSAVE/FXRSTOR (APM Vol.2 "FFXSR": EFER.FFXSR, 64-bit mode,
 * CPL 0) or when CR4.OSFXSR = 0: SDM Vol.2 FXSAVE "Operation": "If the
 * OSFXSR bit in control register CR4 is not set, the FXSAVE instruction
 * may not save these registers. This behavior is implementation dependent"
 * (and likewise FXRSTOR); nestbox, like QEMU, then leaves MXCSR, MXCSR_MASK
 * and the XMM area alone. */
static bool fx_sse(const struct cpu *c) { return (c->cr4 & CR4_OSFXSR) != 0; }

static unsigned fx_nxmm(const struct cpu *c)
{
	if (!fx_sse(c))
		return 0;
	if (c->mode != MODE_LONG64)
		return 8;
	if ((c->efer & EFER_FFXSR) && c->cpl == 0)
		return 0;
	return 16;
}

/* SDM Vol.2 FXSAVE "Exceptions": #NM if CR0.TS or CR0.EM; #GP(0) if the
 * operand is not 16-byte aligned, whatever the segment. */
static u64 fx_prologue(struct cpu *c, const struct insn *i)
{
	u64 ea = insn_ea(c, i);
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_fault(c, VEC_NM, 0);
	if (x87_linear(c, i, ea) & 15)
		cpu_gp0(c);
	return ea;
}

/* The image is read, updated and written back whole, so bytes FXSAVE does
 * not own (reserved, and MXCSR/XMM when not saved) keep their contents. */
static void fxsave(struct cpu *c, const struct insn *i, bool rex_w)
{
	u8 b[FX_MAXLEN];
	u64 ea = fx_prologue(c, i);

	cpu_read_bytes(c, i->seg, ea, b, sizeof(b));
	fx_store_x87(c, b, rex_w);
	if (fx_sse(c)) {
		store_le32(b + 24, c->fpu.mxcsr);
		store_le32(b + 28, MXCSR_MASK_VALUE);
	}
	fx_store_xmm(c, b, fx_nxmm(c));
	cpu_write_bytes(c, i->seg, ea, b, sizeof(b));
}

static void fxrstor(struct cpu *c, const struct insn *i, bool rex_w)
{
	u8 b[FX_MAXLEN];
	u64 ea = fx_prologue(c, i);
	u32 mxcsr;

	cpu_read_bytes(c, i->seg, ea, b, sizeof(b));
	/* FXRSTOR "Exceptions": #GP(0) if the image sets a reserved MXCSR bit */
	mxcsr = load_le32(b + 24);
	if (fx_sse(c) && (mxcsr & ~MXCSR_MASK_VALUE))
		cpu_gp0(c);
	fx_load_x87(c, b, rex_w);
	if (fx_sse(c))
		c->fpu.mxcsr = mxcsr;
	fx_load_xmm(c, b, fx_nxmm(c));
}

void exec_fxsave(struct cpu *c, const struct insn *i) { fxsave(c, i, false); }
void exec_fxsave64(struct cpu *c, const struct insn *i) { fxsave(c, i, true); }
void exec_fxrstor(struct cpu *c, const struct insn *i) { fxrstor(c, i, false); }
void exec_fxrstor64(struct cpu *c, const struct insn *i) { fxrstor(c, i, true); }

/* LDMXCSR m32: #UD/#NM as any SSE instruction; #GP(0) on a reserved bit
 * (SDM Vol.2 LDMXCSR "Exceptions") */
void exec_ldmxcsr(struct cpu *c, const struct insn *i)
{
	u32 v;

	sse_prologue(c);
	v = (u32)cpu_read(c, i->seg, insn_ea(c, i), 4);
	if (v & ~MXCSR_MASK_VALUE)
		cpu_gp0(c);
	c->fpu.mxcsr = v;
}

void exec_stmxcsr(struct cpu *c, const struct insn *i)
{
	sse_prologue(c);
	cpu_write(c, i->seg, insn_ea(c, i), 4, c->fpu.mxcsr);
}
