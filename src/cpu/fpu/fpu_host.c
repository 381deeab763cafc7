/* cpu/fpu/fpu_host.c: x87 and SSE arithmetic on the host's own units (see the
 * rationale in cpu/fpu/fpu_host.h).
 *
 * Every primitive is one asm statement that (1) saves the host control
 * register, (2) starts clean (FNINIT: empty stack, no flags, C3..C0 = 0)
 * and loads the guest-derived control word with the exceptions that could
 * trap masked, (3) loads the operands from memory, (4) executes the one
 * instruction, (5) captures the status with non-waiting FNSTSW/STMXCSR and
 * clears it with FNCLEX, (6) stores the results and (7) restores the host
 * state. x87 instructions are written as raw bytes (Intel encodings from the
 * SDM opcode tables) to avoid the AT&T operand-order ambiguity of the
 * register forms. The x87 bodies end with FNINIT, so the host register stack
 * is empty afterwards whatever the instruction pushed or popped (FPTAN and
 * FSINCOS push only when the operand is in range). */
#include "cpu/fpu/fpu_host.h"

_Static_assert(sizeof(long double) == 16 && __LDBL_MANT_DIG__ == 64,
	       "host long double must be the x87 80-bit format");

/* host FCW for a guest FCW: guest PC, RC, X, OM and UM; IM DM ZM PM masked */
static u16 host_fcw(u16 fcw)
{
	return (u16)((fcw & (FCW_PC | FCW_RC | FCW_X | FCW_OM | FCW_UM)) | FCW_IM | FCW_DM |
		     FCW_ZM | FCW_PM | FCW_ONES);
}

#define LD_A  "fldt %[a]\n\t"
#define LD_BA "fldt %[b]\n\tfldt %[a]\n\t"
#define X87(body)                                                                               \
	asm volatile("fnstcw %[old]\n\tfninit\n\tfldcw %[cw]\n\t" body                         \
		     "\n\tfnstsw %[sw]\n\tfnclex\n\tfstpt %[r0]\n\tfstpt %[r1]\n\tfninit\n\t"      \
		     "fldcw %[old]"                                                             \
		     : [sw] "=m"(sw), [r0] "=m"(s->r0), [r1] "=m"(s->r1), [old] "=m"(old),     \
		       [mem] "+m"(s->mem)                                                       \
		     : [cw] "m"(cw), [a] "m"(s->a), [b] "m"(s->b)                               \
		     : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)")
#define CASE(op, body) case op: X87(body); break

u16 hx87_run(enum hx87_op op, u16 fcw, struct hx87 *s)
{
	u16 cw = host_fcw(fcw), old, sw = 0;

	switch (op) {
	/* SDM Vol.2 opcode tables: D8 C0+i FADD ST(0),ST(i); D8 E0+i FSUB
	 * ST(0),ST(i); D8 C8+i FMUL; D8 F0+i FDIV; D9 F8 FPREM; D9 F5 FPREM1;
	 * D9 FD FSCALE; D8 D0+i FCOM ST(i); DD E0+i FUCOM ST(i). */
	CASE(HX_ADD, LD_BA ".byte 0xd8, 0xc1");
	CASE(HX_SUB, LD_BA ".byte 0xd8, 0xe1");
	CASE(HX_MUL, LD_BA ".byte 0xd8, 0xc9");
	CASE(HX_DIV, LD_BA ".byte 0xd8, 0xf1");
	CASE(HX_PREM, LD_BA ".byte 0xd9, 0xf8");
	CASE(HX_PREM1, LD_BA ".byte 0xd9, 0xf5");
	CASE(HX_SCALE, LD_BA ".byte 0xd9, 0xfd");
	CASE(HX_COM, LD_BA ".byte 0xd8, 0xd1");
	CASE(HX_UCOM, LD_BA ".byte 0xdd, 0xe1");
	/* D9 F1 FYL2X; D9 F9 FYL2XP1; D9 F3 FPATAN (all pop) */
	CASE(HX_YL2X, LD_BA ".byte 0xd9, 0xf1");
	CASE(HX_YL2XP1, LD_BA ".byte 0xd9, 0xf9");
	CASE(HX_PATAN, LD_BA ".byte 0xd9, 0xf3");
	/* D9 FA FSQRT; D9 FC FRNDINT; D9 FE FSIN; D9 FF FCOS; D9 F0 F2XM1 */
	CASE(HX_SQRT, LD_A ".byte 0xd9, 0xfa");
	CASE(HX_RNDINT, LD_A ".byte 0xd9, 0xfc");
	CASE(HX_SIN, LD_A ".byte 0xd9, 0xfe");
	CASE(HX_COS, LD_A ".byte 0xd9, 0xff");
	CASE(HX_F2XM1, LD_A ".byte 0xd9, 0xf0");
	/* D9 F2 FPTAN; D9 FB FSINCOS; D9 F4 FXTRACT */
	CASE(HX_PTAN, LD_A ".byte 0xd9, 0xf2");
	CASE(HX_SINCOS, LD_A ".byte 0xd9, 0xfb");
	CASE(HX_XTRACT, LD_A ".byte 0xd9, 0xf4");
	/* D9 E4 FTST; D9 E5 FXAM */
	CASE(HX_TST, LD_A ".byte 0xd9, 0xe4");
	CASE(HX_XAM, LD_A ".byte 0xd9, 0xe5");
	/* D9 EB FLDPI; D9 EA FLDL2E; D9 E9 FLDL2T; D9 EC FLDLG2; D9 ED FLDLN2 */
	CASE(HX_LDPI, ".byte 0xd9, 0xeb");
	CASE(HX_LDL2E, ".byte 0xd9, 0xea");
	CASE(HX_LDL2T, ".byte 0xd9, 0xe9");
	CASE(HX_LDLG2, ".byte 0xd9, 0xec");
	CASE(HX_LDLN2, ".byte 0xd9, 0xed");
	/* memory forms: the size suffix names the operand format */
	CASE(HX_LD32, "flds %[mem]");
	CASE(HX_LD64, "fldl %[mem]");
	CASE(HX_ILD16, "filds %[mem]");
	CASE(HX_ILD32, "fildl %[mem]");
	CASE(HX_ILD64, "fildll %[mem]");
	CASE(HX_ST32, LD_A "fstps %[mem]");
	CASE(HX_ST64, LD_A "fstpl %[mem]");
	CASE(HX_IST16, LD_A "fistps %[mem]");
	CASE(HX_IST32, LD_A "fistpl %[mem]");
	CASE(HX_IST64, LD_A "fistpll %[mem]");
	CASE(HX_ISTT16, LD_A "fisttps %[mem]");
	CASE(HX_ISTT32, LD_A "fisttpl %[mem]");
	CASE(HX_ISTT64, LD_A "fisttpll %[mem]");
	}
	return sw & (FSW_EXC | FSW_CC);
}
#undef CASE

/* host MXCSR for a guest MXCSR: RC, DAZ, and FZ unless UM is unmasked (FZ
 * has no effect then, SDM Vol.1 "Flush-To-Zero"); all exceptions masked */
static u32 host_mxcsr(u32 mxcsr)
{
	u32 m = (mxcsr & (MXCSR_RC | MXCSR_DAZ)) | (0x3fu << MXCSR_MASKS_SHIFT);
	if ((mxcsr & MXCSR_FZ) && (mxcsr & MXCSR_UM))
		m |= MXCSR_FZ;
	return m;
}

#define SSE(insn)                                                                               \
	asm volatile("stmxcsr %[old]\n\tldmxcsr %[m]\n\tmovdqu %[a], %%xmm0\n\t"               \
		     "movdqu %[b], %%xmm1\n\t" insn "\n\tstmxcsr %[out]\n\tldmxcsr %[old]\n\t"  \
		     "movdqu %%xmm0, %[a]"                                                      \
		     : [a] "+m"(s->a), [old] "=m"(old), [out] "=m"(out), [gpr] "+r"(s->gpr),  \
		       [zf] "=&q"(zf), [pf] "=&q"(pf), [cf] "=&q"(cf)                         \
		     : [b] "m"(s->b), [m] "m"(m)                                                \
		     : "xmm0", "xmm1", "cc")
#define CASE(op, insn) case op: SSE(insn); break
#define SETF "\n\tsetz %[zf]\n\tsetp %[pf]\n\tsetc %[cf]"

u32 hsse_run(enum hsse_op op, u32 mxcsr, struct hsse *s)
{
	u32 m = host_mxcsr(mxcsr), old, out = 0;
	u8 zf = 0, pf = 0, cf = 0;

	switch (op) {
	CASE(HS_ADDSS, "addss %%xmm1, %%xmm0");
	CASE(HS_SUBSS, "subss %%xmm1, %%xmm0");
	CASE(HS_MULSS, "mulss %%xmm1, %%xmm0");
	CASE(HS_DIVSS, "divss %%xmm1, %%xmm0");
	CASE(HS_SQRTSS, "sqrtss %%xmm1, %%xmm0");
	CASE(HS_MINSS, "minss %%xmm1, %%xmm0");
	CASE(HS_MAXSS, "maxss %%xmm1, %%xmm0");
	CASE(HS_ADDSD, "addsd %%xmm1, %%xmm0");
	CASE(HS_SUBSD, "subsd %%xmm1, %%xmm0");
	CASE(HS_MULSD, "mulsd %%xmm1, %%xmm0");
	CASE(HS_DIVSD, "divsd %%xmm1, %%xmm0");
	CASE(HS_SQRTSD, "sqrtsd %%xmm1, %%xmm0");
	CASE(HS_MINSD, "minsd %%xmm1, %%xmm0");
	CASE(HS_MAXSD, "maxsd %%xmm1, %%xmm0");
	CASE(HS_CVTSS2SD, "cvtss2sd %%xmm1, %%xmm0");
	CASE(HS_CVTSD2SS, "cvtsd2ss %%xmm1, %%xmm0");
	CASE(HS_CVTSI2SS32, "cvtsi2ssl %k[gpr], %%xmm0");
	CASE(HS_CVTSI2SS64, "cvtsi2ssq %q[gpr], %%xmm0");
	CASE(HS_CVTSI2SD32, "cvtsi2sdl %k[gpr], %%xmm0");
	CASE(HS_CVTSI2SD64, "cvtsi2sdq %q[gpr], %%xmm0");
	CASE(HS_CVTSS2SI32, "cvtss2si %%xmm1, %k[gpr]");
	CASE(HS_CVTSS2SI64, "cvtss2si %%xmm1, %q[gpr]");
	CASE(HS_CVTSD2SI32, "cvtsd2si %%xmm1, %k[gpr]");
	CASE(HS_CVTSD2SI64, "cvtsd2si %%xmm1, %q[gpr]");
	CASE(HS_CVTTSS2SI32, "cvttss2si %%xmm1, %k[gpr]");
	CASE(HS_CVTTSS2SI64, "cvttss2si %%xmm1, %q[gpr]");
	CASE(HS_CVTTSD2SI32, "cvttsd2si %%xmm1, %k[gpr]");
	CASE(HS_CVTTSD2SI64, "cvttsd2si %%xmm1, %q[gpr]");
	CASE(HS_COMISS, "comiss %%xmm1, %%xmm0" SETF);
	CASE(HS_UCOMISS, "ucomiss %%xmm1, %%xmm0" SETF);
	CASE(HS_COMISD, "comisd %%xmm1, %%xmm0" SETF);
	CASE(HS_UCOMISD, "ucomisd %%xmm1, %%xmm0" SETF);
	case HS_CMPSS:
		switch (s->pred & 7) {
		case 0: SSE("cmpss $0, %%xmm1, %%xmm0"); break;
		case 1: SSE("cmpss $1, %%xmm1, %%xmm0"); break;
		case 2: SSE("cmpss $2, %%xmm1, %%xmm0"); break;
		case 3: SSE("cmpss $3, %%xmm1, %%xmm0"); break;
		case 4: SSE("cmpss $4, %%xmm1, %%xmm0"); break;
		case 5: SSE("cmpss $5, %%xmm1, %%xmm0"); break;
		case 6: SSE("cmpss $6, %%xmm1, %%xmm0"); break;
		default: SSE("cmpss $7, %%xmm1, %%xmm0"); break;
		}
		break;
	case HS_CMPSD:
		switch (s->pred & 7) {
		case 0: SSE("cmpsd $0, %%xmm1, %%xmm0"); break;
		case 1: SSE("cmpsd $1, %%xmm1, %%xmm0"); break;
		case 2: SSE("cmpsd $2, %%xmm1, %%xmm0"); break;
		case 3: SSE("cmpsd $3, %%xmm1, %%xmm0"); break;
		case 4: SSE("cmpsd $4, %%xmm1, %%xmm0"); break;
		case 5: SSE("cmpsd $5, %%xmm1, %%xmm0"); break;
		case 6: SSE("cmpsd $6, %%xmm1, %%xmm0"); break;
		default: SSE("cmpsd $7, %%xmm1, %%xmm0"); break;
		}
		break;
	}
	s->zf = zf;
	s->pf = pf;
	s->cf = cf;
	return out & MXCSR_EXC;
}
#undef CASE
