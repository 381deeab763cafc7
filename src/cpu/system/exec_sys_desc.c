/* cpu/system/exec_sys_desc.c: descriptor-table registers: LGDT, LIDT, SGDT, SIDT,
 * LLDT, SLDT, LTR, STR (SDM Vol.2 pages of the same names; Vol.3A
 * "Segment Descriptor Tables", "Task Register", "User-Mode Instruction
 * Prevention"). */
#include "cpu/system/desc.h"
#include "cpu/system/exec_sys.h"
#include "cpu/memory/mem.h"
#include "cpu/system/msr.h"
#include "cpu/system/seg.h"
#include "vmx/vmx.h"
#include "svm/svm.h"

/* SDM "User-Mode Instruction Prevention": with CR4.UMIP = 1, SGDT, SIDT,
 * SLDT, SMSW and STR raise #GP(0) when CPL > 0 */
static void umip_check(struct cpu *c)
{
	if ((c->cr4 & CR4_UMIP) && c->cpl > 0)
		cpu_gp0(c);
}

/* LLDT, SLDT, LTR, STR: "#UD ... not recognized in real-address mode" and
 * virtual-8086 mode */
static void need_protected(struct cpu *c)
{
	if (c->mode == MODE_REAL || c->mode == MODE_VM86)
		cpu_ud(c);
}

static u64 ea_plus(const struct insn *i, u64 ea, unsigned n)
{
	return (ea + n) & size_mask(i->asize);
}

/* LGDT/LIDT m16&32 / m16&64: "If the operand-size attribute is 16 bits, a
 * 16-bit limit and a 24-bit base address are loaded"; 64-bit mode always
 * loads a 64-bit base, which must be canonical */
static void load_dtr(struct cpu *c, const struct insn *i, struct dtr *d, unsigned vmx_id)
{
	sys_need_cpl0(c);
	/* SDM "Relative Priority of Faults and VM Exits": after the
	 * privilege-level fault, before the operand is read */
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_gdtr_idtr(c, i, vmx_id);
	/* APM "Instruction Intercepts": LGDT/LIDT are GDTR/IDTR writes */
	SVM_EXIT_IF_CODE(c, i, vmx_id == 2 ? SVM_ICPT_GDTR_WRITE : SVM_ICPT_IDTR_WRITE,
			 vmx_id == 2 ? SVM_EXIT_GDTR_WRITE : SVM_EXIT_IDTR_WRITE, 0);
	u64 ea = insn_ea(c, i);
	u64 limit = cpu_read(c, i->seg, ea, 2);
	u64 base;

	if (c->mode == MODE_LONG64) {
		base = cpu_read(c, i->seg, ea_plus(i, ea, 2), 8);
		if (!msr_canonical(c, base))
			cpu_gp0(c);
	} else {
		base = cpu_read(c, i->seg, ea_plus(i, ea, 2), 4);
		if (i->osize == 2)
			base &= 0xffffff;
	}
	d->limit = (u32)limit;
	d->base = base;
}

void exec_lgdt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->gdtr, 2); }
void exec_lidt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->idtr, 3); }

/* SGDT/SIDT: 16-bit limit, then a 32-bit base (legacy and compatibility
 * mode, "full 32-bit base address stored" even with a 16-bit operand size)
 * or a 64-bit base (64-bit mode) */
static void store_dtr(struct cpu *c, const struct insn *i, const struct dtr *d, unsigned vmx_id)
{
	u8 buf[10];
	unsigned len = c->mode == MODE_LONG64 ? 10 : 6;

	umip_check(c);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_gdtr_idtr(c, i, vmx_id);
	SVM_EXIT_IF_CODE(c, i, vmx_id == 0 ? SVM_ICPT_GDTR_READ : SVM_ICPT_IDTR_READ,
			 vmx_id == 0 ? SVM_EXIT_GDTR_READ : SVM_EXIT_IDTR_READ, 0);
	store_le16(buf, (u16)d->limit);
	store_le64(buf + 2, d->base);
	cpu_write_bytes(c, i->seg, insn_ea(c, i), buf, len);
}

void exec_sgdt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->gdtr, 0); }
void exec_sidt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->idtr, 1); }

/* SLDT/STR: the selector to m16, or zero-extended to a register */
static void store_sel(struct cpu *c, const struct insn *i, u16 sel, unsigned vmx_id)
{
	need_protected(c);
	umip_check(c);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_ldtr_tr(c, i, vmx_id);
	SVM_EXIT_IF_CODE(c, i, vmx_id == 0 ? SVM_ICPT_LDTR_READ : SVM_ICPT_TR_READ,
			 vmx_id == 0 ? SVM_EXIT_LDTR_READ : SVM_EXIT_TR_READ, 0);
	if (i->op[0].kind == OPK_MEM)
		cpu_write(c, i->seg, insn_ea(c, i), 2, sel);
	else
		reg_write(c, i->op[0].reg, i->op[0].size, sel);
}

void exec_sldt(struct cpu *c, const struct insn *i) { store_sel(c, i, c->seg[SEG_LDTR].sel, 0); }
void exec_str(struct cpu *c, const struct insn *i) { store_sel(c, i, c->seg[SEG_TR].sel, 1); }

/* In IA-32e mode LDT and TSS descriptors are 16 bytes (SDM Vol.3A
 * "Segment Descriptor Tables", 64-bit system descriptors): bytes 11:8 give
 * base[63:32]; in the last dword, bits 12:8 (the type field's place, bits
 * 44:40 of the upper 8 bytes) must be 0 and the base must be canonical,
 * else #GP(selector). */
static u64 system_desc_base_hi(struct cpu *c, u16 sel, u64 lo)
{
	u64 hi = desc_read_hi(c, sel, VEC_GP);
	u64 base = desc_base(lo) | (hi << 32);

	if ((hi >> 40) & 0x1f)
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (!msr_canonical(c, base))
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	return base;
}

void exec_lldt(struct cpu *c, const struct insn *i)
{
	need_protected(c);
	sys_need_cpl0(c);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_ldtr_tr(c, i, 2);
	SVM_EXIT_IF(c, i, LDTR_WRITE, LDTR_WRITE, 0);
	u16 sel = (u16)op_read(c, i, 0);
	struct seg_cache s;

	/* a null selector marks LDTR unusable; any later LDT reference #GPs */
	if (sel_null(sel)) {
		c->seg[SEG_LDTR].sel = sel;
		c->seg[SEG_LDTR].ar = AR_UNUSABLE;
		return;
	}
	/* "#GP(selector) If the selector operand does not point into the GDT" */
	if (sel & 4)
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	u64 d = desc_read(c, sel, VEC_GP);
	/* "or if the entry in the GDT is not a Local Descriptor Table (LDT)
	 * segment descriptor" */
	if (desc_s(d) || desc_type(d) != DESC_LDT)
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (!desc_p(d))
		cpu_fault(c, VEC_NP, sel & 0xfffc);
	seg_cache_from_desc(&s, sel, d);
	if (cpu_lma(c))
		s.base = system_desc_base_hi(c, sel, d);
	c->seg[SEG_LDTR] = s;
}

/* SDM "LTR": load TR from an available TSS descriptor in the GDT and mark
 * the descriptor busy */
void exec_ltr(struct cpu *c, const struct insn *i)
{
	need_protected(c);
	sys_need_cpl0(c);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_ldtr_tr(c, i, 3);
	SVM_EXIT_IF(c, i, TR_WRITE, TR_WRITE, 0);
	u16 sel = (u16)op_read(c, i, 0);
	struct seg_cache s;

	/* "#GP(0) If the source operand contains a NULL segment selector" */
	if (sel_null(sel))
		cpu_gp0(c);
	if (sel & 4)
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	u64 d = desc_read(c, sel, VEC_GP);
	/* "If the source selector points to a segment that is not a TSS or to
	 * one for a task that is already busy"; IA-32e mode accepts only the
	 * 64-bit TSS type (9) */
	unsigned t = desc_type(d);
	if (desc_s(d) || !(t == DESC_TSS_AVAIL || (t == DESC_TSS16_AVAIL && !cpu_lma(c))))
		cpu_fault(c, VEC_GP, sel & 0xfffc);
	if (!desc_p(d))
		cpu_fault(c, VEC_NP, sel & 0xfffc);
	seg_cache_from_desc(&s, sel, d);
	if (cpu_lma(c))
		s.base = system_desc_base_hi(c, sel, d);

	/* set the busy bit (type bit 1) in the GDT, then commit TR */
	u64 lin = c->gdtr.base + (sel & ~7u) + 5;
	if (!cpu_lma(c))
		lin &= 0xffffffffull;
	u64 b = lin_read(c, lin, 1, ACC_SUPER);
	lin_write(c, lin, 1, b | 2, ACC_SUPER | ACC_W);
	s.ar |= 2;
	c->seg[SEG_TR] = s;
}
