/* cpu/fpu/exec_x87.c: x87 FPU state handling and the data-transfer, constant,
 * stack-management and control instructions (SDM Vol.1 "Programming with
 * the x87 FPU"; each instruction's Vol.2 page). Arithmetic, comparison and
 * transcendental instructions are in exec_x87_arith.c; FNSTENV/FLDENV/
 * FNSAVE/FRSTOR/FXSAVE/FXRSTOR in exec_fxsave.c.
 *
 * Order inside every handler: prologue (#NM, pending #MF), memory reads,
 * the computation into locals, the checks that decide whether a result is
 * stored, memory writes, and only then register/FSW updates, so a #PF
 * leaves the x87 state untouched. */
#include "cpu/fault.h"
#include "cpu/exec/flags.h"
#include "cpu/memory/mem.h"
#include "cpu/fpu/x87.h"

unsigned f80_tag(const struct f80 *v)
{
	unsigned exp = v->se & 0x7fff;
	if (exp == 0x7fff)
		return TAG_SPECIAL;                        /* NaN, infinity, pseudo-* */
	if (exp == 0)
		return v->mant ? TAG_SPECIAL : TAG_ZERO;   /* (pseudo-)denormal / zero */
	return (v->mant >> 63) ? TAG_VALID : TAG_SPECIAL; /* unnormal is special */
}

void x87_update_es(struct cpu *c)
{
	/* SDM Vol.1 "x87 FPU Status Register": ES is set when any unmasked
	 * exception flag is set; B mirrors ES for 8087 compatibility. */
	if (c->fpu.fsw & ~c->fpu.fcw & FSW_EXC)
		c->fpu.fsw |= FSW_ES | FSW_B;
	else
		c->fpu.fsw &= (u16)~(FSW_ES | FSW_B);
}

u64 x87_linear(const struct cpu *c, const struct insn *i, u64 off)
{
	const struct seg_cache *s = &c->seg[i->seg];
	if (c->mode == MODE_LONG64)
		return off + ((i->seg == SEG_FS || i->seg == SEG_GS) ? s->base : 0);
	return (s->base + off) & 0xffffffffull;
}

u16 x87_fop(struct cpu *c, const struct insn *i)
{
	u64 lin = (c->mode == MODE_LONG64 ? 0 : c->seg[SEG_CS].base) + c->rip;
	for (unsigned k = 0; k + 1 < i->len; k++) {
		u8 b = (u8)lin_read(c, lin + k, 1, ACC_X);
		if (b >= 0xd8 && b <= 0xdf)
			return (u16)(((b & 7) << 8) | (u8)lin_read(c, lin + k + 1, 1, ACC_X));
	}
	return 0;
}

void x87_status(struct cpu *c, const struct insn *i, u16 exc, u16 cc_mask, u16 cc)
{
	struct fpu *f = &c->fpu;
	bool was_pending = (f->fsw & FSW_ES) != 0;

	f->fsw = (u16)((f->fsw & ~cc_mask) | (cc & cc_mask));
	f->fsw |= exc & (FSW_EXC | FSW_SF);
	if (exc & FSW_SF) /* C1 tells overflow (1) from underflow (0) */
		f->fsw = (u16)((f->fsw & ~FSW_C1) | (exc & FSW_C1));
	x87_update_es(c);
	/* SDM Vol.1 "x87 FPU Last Instruction Opcode": FOP is stored when an
	 * unmasked exception is pending (FOP compatibility mode off). */
	if (!was_pending && (f->fsw & FSW_ES) && i)
		f->fop = x87_fop(c, i);
}

/* SDM Vol.3A "Device Not Available Exception (#NM)" and Vol.1 "x87 FPU
 * Exception Synchronization": every x87 instruction faults #NM when CR0.EM
 * or CR0.TS is set; waiting instructions then deliver a pending unmasked
 * exception as #MF when CR0.NE=1.
 * XXX(sdm): with CR0.NE=0 the PC-style FERR#/IGNNE# (IRQ 13) report is not
 * modelled: the pending exception stays pending and the instruction runs. */
void x87_prologue(struct cpu *c, const struct insn *i, enum x87_kind k)
{
	x87_check_nm(c);
	if (k == X87_NOWAIT)
		return;
	x87_check_mf(c);
	if (k != X87_DATA)
		return;
	/* SDM Vol.1 "Last Instruction Opcode/Pointers": non-control
	 * instructions record their address and their memory operand's; in
	 * real-address and virtual-8086 mode as linear addresses. */
	bool real = c->mode == MODE_REAL || c->mode == MODE_VM86;
	c->fpu.fip = c->mode == MODE_LONG64 ? c->rip
		   : (u32)(c->rip + (real ? c->seg[SEG_CS].base : 0));
	c->fpu.fcs = c->seg[SEG_CS].sel;
	if (i->flags & INSN_F_HAS_MEM) {
		u64 ea = insn_ea(c, i);
		c->fpu.fdp = real ? x87_linear(c, i, ea) : ea;
		c->fpu.fds = c->seg[i->seg].sel;
	}
}

static struct f80 host_load(enum hx87_op op, u16 fcw, u64 bits, u16 *exc)
{
	struct hx87 s = { .mem = bits };
	*exc |= hx87_run(op, fcw, &s) & FSW_EXC;
	return s.r0;
}

struct f80 x87_read_real(struct cpu *c, const struct insn *i, unsigned size, u16 *exc)
{
	u64 ea = insn_ea(c, i);
	struct f80 v;
	u8 buf[10];

	if (size == 10) {
		cpu_read_bytes(c, i->seg, ea, buf, 10);
		v.mant = load_le64(buf);
		v.se = load_le16(buf + 8);
		return v;
	}
	/* SNaN sources raise IE, denormal sources DE (FLD "Exceptions") */
	return host_load(size == 4 ? HX_LD32 : HX_LD64, c->fpu.fcw,
			 cpu_read(c, i->seg, ea, size), exc);
}

struct f80 x87_read_int(struct cpu *c, const struct insn *i, unsigned size)
{
	u16 exc = 0; /* integer loads are exact */
	u64 bits = cpu_read(c, i->seg, insn_ea(c, i), size);
	return host_load(size == 2 ? HX_ILD16 : size == 4 ? HX_ILD32 : HX_ILD64, c->fpu.fcw,
			 bits, &exc);
}

/* Push v; a full stack is a stack overflow (SDM Vol.1 "Stack Overflow or
 * Underflow Exception (#IS)": masked, the indefinite is pushed). Returns
 * the exception word; nothing changes if the exception is unmasked. */
static void push_commit(struct cpu *c, const struct insn *i, struct f80 v, u16 exc)
{
	if (!x87_empty(c, 7)) {
		exc |= X87_OVERFLOW;
		v = F80_INDEFINITE;
	}
	if (!x87_blocked(c, exc, X87_PRE))
		x87_push(c, v);
	/* FLD "FPU Flags Affected": C1 set to 1 on stack overflow, else 0 */
	x87_status(c, i, exc, FSW_C1, 0);
}

/* FLD m32fp/m64fp/m80fp/ST(i) */
void exec_fld(struct cpu *c, const struct insn *i)
{
	u16 exc = 0;
	struct f80 v;

	x87_prologue(c, i, X87_DATA);
	if (i->op[0].kind == OPK_MEM)
		v = x87_read_real(c, i, i->op[0].size, &exc);
	else
		v = x87_get(c, i->op[0].reg, &exc);
	push_commit(c, i, v, exc);
}

/* FILD m16int/m32int/m64int */
void exec_fild(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_DATA);
	push_commit(c, i, x87_read_int(c, i, i->op[0].size), 0);
}

static const struct f80 F80_ONE = { 0x8000000000000000ull, 0x3fff };
static const struct f80 F80_ZERO = { 0, 0 };

static void load_const(struct cpu *c, const struct insn *i, enum hx87_op op)
{
	struct hx87 s = { 0 };

	x87_prologue(c, i, X87_DATA);
	/* FLDPI etc.: the internal constant is rounded per FCW.RC */
	hx87_run(op, c->fpu.fcw, &s);
	push_commit(c, i, s.r0, 0);
}

void exec_fld1(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_DATA);
	push_commit(c, i, F80_ONE, 0);
}

void exec_fldz(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_DATA);
	push_commit(c, i, F80_ZERO, 0);
}

void exec_fldpi(struct cpu *c, const struct insn *i) { load_const(c, i, HX_LDPI); }
void exec_fldl2e(struct cpu *c, const struct insn *i) { load_const(c, i, HX_LDL2E); }
void exec_fldl2t(struct cpu *c, const struct insn *i) { load_const(c, i, HX_LDL2T); }
void exec_fldlg2(struct cpu *c, const struct insn *i) { load_const(c, i, HX_LDLG2); }
void exec_fldln2(struct cpu *c, const struct insn *i) { load_const(c, i, HX_LDLN2); }

/* FST/FSTP: m32fp, m64fp, m80fp (FSTP only) or ST(i) */
static void fst_common(struct cpu *c, const struct insn *i, bool pop)
{
	u16 exc = 0, sw = 0;
	struct f80 v = x87_get(c, 0, &exc);
	const struct opnd *d = &i->op[0];
	struct hx87 s = { .a = v };
	u8 buf[10];

	if (d->kind == OPK_MEM && d->size != 10) {
		sw = hx87_run(d->size == 4 ? HX_ST32 : HX_ST64, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
	}
	if (x87_blocked(c, exc, X87_PRE | (d->kind == OPK_MEM ? X87_POST : 0))) {
		x87_status(c, i, exc, FSW_C1, 0);
		return;
	}
	if (d->kind == OPK_MEM && d->size == 10) {
		store_le64(buf, v.mant);
		store_le16(buf + 8, v.se);
		cpu_write_bytes(c, i->seg, insn_ea(c, i), buf, 10);
	} else if (d->kind == OPK_MEM) {
		cpu_write(c, i->seg, insn_ea(c, i), d->size, s.mem);
	} else {
		x87_put(c, d->reg, v);
	}
	if (pop)
		x87_pop(c);
	/* C1: 0 on stack underflow, else the round-up indicator */
	x87_status(c, i, exc, FSW_C1, sw);
}

void exec_fst(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_DATA);
	fst_common(c, i, false);
}

void exec_fstp(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_DATA);
	fst_common(c, i, true);
}

/* FIST/FISTP/FISTTP: out-of-range, NaN and infinity store the integer
 * indefinite with IE (masked); FISTTP truncates whatever FCW.RC says. */
static void fist_common(struct cpu *c, const struct insn *i, bool pop, bool trunc)
{
	static const enum hx87_op ops[2][3] = {
		{ HX_IST16, HX_IST32, HX_IST64 },
		{ HX_ISTT16, HX_ISTT32, HX_ISTT64 },
	};
	unsigned size = i->op[0].size;
	u16 exc = 0, sw;
	struct hx87 s = { 0 };

	x87_prologue(c, i, X87_DATA);
	s.a = x87_get(c, 0, &exc);
	sw = hx87_run(ops[trunc][size == 2 ? 0 : size == 4 ? 1 : 2], c->fpu.fcw, &s);
	exc |= sw & FSW_EXC;
	if (x87_blocked(c, exc, X87_PRE)) {
		x87_status(c, i, exc, FSW_C1, 0);
		return;
	}
	cpu_write(c, i->seg, insn_ea(c, i), size, s.mem);
	if (pop)
		x87_pop(c);
	x87_status(c, i, exc, FSW_C1, sw);
}

void exec_fist(struct cpu *c, const struct insn *i) { fist_common(c, i, false, false); }
void exec_fistp(struct cpu *c, const struct insn *i) { fist_common(c, i, true, false); }
void exec_fisttp(struct cpu *c, const struct insn *i) { fist_common(c, i, true, true); }

/* --- packed BCD (SDM Vol.1 "Packed Decimal Integers"): 18 digits, two per
 * byte from byte 0 (least significant; low nibble first), sign in bit 7 of
 * byte 9. The packed BCD indefinite is FFFFC000000000000000H. --- */
#define BCD_MAX 999999999999999999ull

/* FBLD m80bcd: exact conversion. SDM Vol.2 FBLD: "If the source value is
 * not a valid packed BCD integer, the result is undefined"; nestbox weighs
 * such a nibble by its binary value (at most 15 * (10^18 - 1) / 9 < 2^63). */
void exec_fbld(struct cpu *c, const struct insn *i)
{
	u8 b[10];
	u64 n = 0;
	u16 exc = 0;
	struct f80 v;

	x87_prologue(c, i, X87_DATA);
	cpu_read_bytes(c, i->seg, insn_ea(c, i), b, 10);
	for (int k = 8; k >= 0; k--)
		n = n * 100 + (b[k] >> 4) * 10 + (b[k] & 15);
	v = host_load(HX_ILD64, c->fpu.fcw, n, &exc);
	if (b[9] & 0x80)
		v.se |= 0x8000; /* -0 stays -0 */
	push_commit(c, i, v, exc);
}

/* FBSTP m80bcd: ST(0) rounded to an integer per FCW.RC, then stored and
 * popped. NaN, infinity, empty ST(0) or |value| > 10^18 - 1 is an invalid
 * operation: masked, the packed BCD indefinite is stored (FBSTP "FPU Flags
 * Affected" / "Floating-Point Exceptions"). The sign comes from ST(0), so a
 * negative value that rounds to zero stores -0. */
void exec_fbstp(struct cpu *c, const struct insn *i)
{
	u16 exc = 0, sw = 0;
	struct hx87 s = { 0 };
	u8 b[10] = { 0 };

	x87_prologue(c, i, X87_DATA);
	s.a = x87_get(c, 0, &exc);
	if (!(exc & FSW_SF)) {
		sw = hx87_run(HX_IST64, c->fpu.fcw, &s);
		exc |= sw & FSW_EXC;
		u64 mag = (s.a.se & 0x8000) ? -s.mem : s.mem;
		if (!(exc & FSW_IE) && mag > BCD_MAX)
			exc = (u16)((exc & ~FSW_PE) | FSW_IE);
		for (unsigned k = 0; k < 9 && !(exc & FSW_IE); k++, mag /= 100)
			b[k] = (u8)((mag % 10) | ((mag / 10 % 10) << 4));
		b[9] = (s.a.se & 0x8000) ? 0x80 : 0;
	}
	if (exc & FSW_IE) {
		memset(b, 0, 7);
		b[7] = 0xc0;
		b[8] = b[9] = 0xff;
		sw = 0;
	}
	if (x87_blocked(c, exc, X87_PRE)) {
		x87_status(c, i, exc, FSW_C1, 0);
		return;
	}
	cpu_write_bytes(c, i->seg, insn_ea(c, i), b, 10);
	x87_pop(c);
	x87_status(c, i, exc, FSW_C1, sw);
}

/* FXCH ST(i) (ST(1) when no operand is given) */
void exec_fxch(struct cpu *c, const struct insn *i)
{
	unsigned r = i->nops ? i->op[0].reg : 1;
	u16 exc = 0;
	struct f80 a, b;

	x87_prologue(c, i, X87_DATA);
	a = x87_get(c, 0, &exc);
	b = x87_get(c, r, &exc);
	if (!x87_blocked(c, exc, X87_PRE)) {
		x87_put(c, 0, b);
		x87_put(c, r, a);
	}
	x87_status(c, i, exc, FSW_C1, 0);
}

/* FCHS / FABS: sign operations, no exception but stack underflow */
static void sign_op(struct cpu *c, const struct insn *i, u16 and_mask, u16 xor_mask)
{
	u16 exc = 0;
	struct f80 v;

	x87_prologue(c, i, X87_DATA);
	v = x87_get(c, 0, &exc);
	v.se = (u16)((v.se & and_mask) ^ xor_mask);
	if (!x87_blocked(c, exc, X87_PRE))
		x87_put(c, 0, v);
	x87_status(c, i, exc, FSW_C1, 0);
}

void exec_fchs(struct cpu *c, const struct insn *i) { sign_op(c, i, 0xffff, 0x8000); }
void exec_fabs(struct cpu *c, const struct insn *i) { sign_op(c, i, 0x7fff, 0); }

/* FXAM: C1 = sign; C3 C2 C0 = class; an empty register is 1 0 1 */
void exec_fxam(struct cpu *c, const struct insn *i)
{
	struct hx87 s = { 0 };
	u16 sw;

	x87_prologue(c, i, X87_DATA);
	if (x87_empty(c, 0)) {
		sw = (u16)(FSW_C3 | FSW_C0 | ((x87_st(c, 0)->se >> 15) ? FSW_C1 : 0));
	} else {
		s.a = *x87_st(c, 0);
		sw = hx87_run(HX_XAM, c->fpu.fcw, &s);
	}
	x87_status(c, i, 0, FSW_CC, sw);
}

/* FCMOVcc ST(0), ST(i): the condition is read from EFLAGS as for CMOVcc */
static void fcmov(struct cpu *c, const struct insn *i, unsigned cc)
{
	unsigned r = i->nops ? i->op[i->nops - 1].reg : 1;
	u16 exc = 0;
	struct f80 src, dst;

	x87_prologue(c, i, X87_DATA);
	dst = x87_get(c, 0, &exc);
	src = x87_get(c, r, &exc);
	if (!x87_blocked(c, exc, X87_PRE))
		x87_put(c, 0, flags_cond(c, cc) ? src : dst);
	x87_status(c, i, exc, FSW_C1, 0);
}

/* condition codes in the Jcc encoding: B=2 NB=3 E=4 NE=5 BE=6 NBE=7 P=10 NP=11 */
void exec_fcmovb(struct cpu *c, const struct insn *i) { fcmov(c, i, 2); }
void exec_fcmovnb(struct cpu *c, const struct insn *i) { fcmov(c, i, 3); }
void exec_fcmove(struct cpu *c, const struct insn *i) { fcmov(c, i, 4); }
void exec_fcmovne(struct cpu *c, const struct insn *i) { fcmov(c, i, 5); }
void exec_fcmovbe(struct cpu *c, const struct insn *i) { fcmov(c, i, 6); }
void exec_fcmovnbe(struct cpu *c, const struct insn *i) { fcmov(c, i, 7); }
void exec_fcmovu(struct cpu *c, const struct insn *i) { fcmov(c, i, 10); }
void exec_fcmovnu(struct cpu *c, const struct insn *i) { fcmov(c, i, 11); }

/* --- stack management and control --- */
void exec_fincstp(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_CONTROL);
	x87_set_top(c, x87_top(c) + 1);
	x87_status(c, i, 0, FSW_C1, 0);
}

void exec_fdecstp(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_CONTROL);
	x87_set_top(c, x87_top(c) - 1);
	x87_status(c, i, 0, FSW_C1, 0);
}

void exec_ffree(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_CONTROL);
	x87_set_tag(c, x87_phys(c, i->op[0].reg), TAG_EMPTY);
}

/* FFREEP ST(i) (DF C0+i): FFREE, then pop (AMD-documented) */
void exec_ffreep(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_CONTROL);
	x87_set_tag(c, x87_phys(c, i->op[0].reg), TAG_EMPTY);
	x87_pop(c);
}

/* FNOP, and the 8087/287 leftovers FENI/FDISI/FSETPM that are no-ops */
void exec_fnop(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_CONTROL);
}

void exec_fnop_nowait(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_NOWAIT);
}

/* WAIT/FWAIT: SDM Vol.3A "Device Not Available Exception (#NM)": #NM only
 * when both CR0.MP and CR0.TS are set; then a pending unmasked x87
 * exception is delivered. */
void exec_fwait(struct cpu *c, const struct insn *i)
{
	wait_check_nm(c);
	x87_check_mf(c);
}

/* FNINIT: SDM Vol.2 FINIT "Operation" */
void x87_init_state(struct fpu *f)
{
	f->fcw = FCW_INIT;
	f->fsw = 0;
	f->ftw = 0xffff;
	f->fop = 0;
	f->fip = f->fdp = 0;
	f->fcs = f->fds = 0;
}

void exec_fninit(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_NOWAIT);
	x87_init_state(&c->fpu);
}

/* FNCLEX: clear PE UE OE ZE DE IE, SF, ES and B */
void exec_fnclex(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_NOWAIT);
	c->fpu.fsw &= (u16)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
}

/* FNSTSW AX / m16 */
void exec_fnstsw(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_NOWAIT);
	if (i->nops && i->op[0].kind == OPK_MEM)
		cpu_write(c, i->seg, insn_ea(c, i), 2, c->fpu.fsw);
	else
		reg_write(c, RAX, 2, c->fpu.fsw);
}

void exec_fnstcw(struct cpu *c, const struct insn *i)
{
	x87_prologue(c, i, X87_NOWAIT);
	cpu_write(c, i->seg, insn_ea(c, i), 2, c->fpu.fcw);
}

/* FLDCW m16: an exception flag left set and now unmasked becomes pending
 * (reported by the next waiting instruction) */
void exec_fldcw(struct cpu *c, const struct insn *i)
{
	u16 v;

	x87_prologue(c, i, X87_CONTROL);
	v = (u16)cpu_read(c, i->seg, insn_ea(c, i), 2);
	c->fpu.fcw = (u16)((v & FCW_WRITABLE) | FCW_ONES);
	x87_update_es(c);
}

/* EMMS: SDM Vol.2 EMMS: every tag becomes empty */
void exec_emms(struct cpu *c, const struct insn *i)
{
	mmx_check(c);
	c->fpu.ftw = 0xffff;
}
