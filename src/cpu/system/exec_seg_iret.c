/* cpu/system/exec_seg_iret.c: IRET/IRETD/IRETQ (SDM Vol.2 "IRET/IRETD/IRETQ
 * —Interrupt Return" Operation) in real-address, virtual-8086, protected
 * and IA-32e mode. Every successful IRET unblocks NMIs (SDM Vol.3A
 * "NMI Handling While Processing an NMI"). */
#include "cpu/system/desc.h"
#include "cpu/fault.h"
#include "cpu/decode/insn.h"
#include "cpu/memory/mem.h"
#include "cpu/system/seg.h"
#include "svm/svm.h"
#include "vmx/vmx.h"
#include "svm/svm.h"

static unsigned iopl(const struct cpu *c) { return (unsigned)(c->rflags >> 12) & 3; }

/* RETURN-TO-SAME-/OUTER-PRIVILEGE-LEVEL: "EFLAGS (CF, PF, AF, ZF, SF, TF,
 * DF, OF, NT) <- tempEFLAGS; IF OperandSize = 32 or 64 THEN EFLAGS(RF, AC,
 * ID) <- tempEFLAGS; IF CPL <= IOPL THEN EFLAGS(IF) <- tempEFLAGS; IF CPL =
 * 0 THEN EFLAGS(IOPL) <- tempEFLAGS; IF OperandSize = 32 or 64 THEN
 * EFLAGS(VIF, VIP) <- tempEFLAGS" (CPL and IOPL before the return). */
static u64 iret_flags(struct cpu *c, u64 tmp, unsigned osize)
{
	u64 mask = RFLAGS_ARITH | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT;
	unsigned cpl = c->cpl;

	if (osize >= 4)
		mask |= RFLAGS_RF | RFLAGS_AC | RFLAGS_ID;
	if (cpl <= iopl(c))
		mask |= RFLAGS_IF;
	if (cpl == 0) {
		mask |= RFLAGS_IOPL;
		if (osize >= 4)
			mask |= RFLAGS_VIF | RFLAGS_VIP;
	}
	return (cpu_rflags(c) & ~mask) | (tmp & mask) | RFLAGS_FIXED;
}

static void pop3(struct cpu *c, struct stk *s, unsigned osize, u64 *ip, u16 *cs, u64 *fl)
{
	*ip = stk_pop(c, s, osize);
	*cs = (u16)stk_pop(c, s, osize);
	*fl = stk_pop(c, s, osize);
}

/* REAL-ADDRESS-MODE */
static void iret_real(struct cpu *c, unsigned osize)
{
	struct stk s;
	u64 ip, fl;
	u16 cs;

	stk_current(c, &s, 0);
	pop3(c, &s, osize, &ip, &cs, &fl);
	if (ip > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	u64 cur = cpu_rflags(c);
	if (osize == 4)
		/* "EFLAGS <- (tempEFLAGS AND 257FD5H) OR (EFLAGS AND 1A0000H)" */
		fl = (fl & 0x257fd5) | (cur & 0x1a0000);
	else
		fl = (cur & ~0xffffull) | (fl & 0xffff);
	seg_set_sp(c, s.asize, s.sp);
	cpu_set_rflags(c, fl | RFLAGS_FIXED);
	seg_load_real(c, SEG_CS, cs);
	cpu_update_mode(c);
	c->next_rip = ip;
}

/* RETURN-FROM-VIRTUAL-8086-MODE: only with IOPL = 3 */
static void iret_from_vm86(struct cpu *c, unsigned osize)
{
	struct stk s;
	u64 ip, fl;
	u16 cs;

	if (iopl(c) < 3) {
		/* XXX(sdm): the CR4.VME form ("Virtual Mode Extensions") of
		 * IRET with IOPL < 3 is not implemented: #GP(0) as with VME=0 */
		cpu_gp0(c);
	}
	stk_current(c, &s, 0);
	pop3(c, &s, osize, &ip, &cs, &fl);
	if (ip > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	u64 cur = cpu_rflags(c), keep;
	/* "VM, IOPL, VIP and VIF EFLAG bits not modified by pop" (32-bit);
	 * "IOPL in FLAGS not modified" (16-bit) */
	if (osize == 4)
		keep = RFLAGS_VM | RFLAGS_IOPL | RFLAGS_VIP | RFLAGS_VIF;
	else
		keep = ~0xffffull | RFLAGS_IOPL;
	seg_set_sp(c, s.asize, s.sp);
	cpu_set_rflags(c, (fl & ~keep) | (cur & keep) | RFLAGS_FIXED);
	seg_load_real(c, SEG_CS, cs);
	c->next_rip = ip;
}

/* RETURN-TO-VIRTUAL-8086-MODE (from CPL 0, 32-bit operand size) */
static void iret_to_vm86(struct cpu *c, struct stk *s, u64 ip, u16 cs, u64 fl)
{
	static const u8 order[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	u16 sel[4];

	u64 nsp = stk_pop(c, s, 4);
	u16 nss = (u16)stk_pop(c, s, 4);
	for (unsigned k = 0; k < 4; k++)
		sel[k] = (u16)stk_pop(c, s, 4);
	if ((ip & 0xffff) > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	cpu_set_rflags(c, fl | RFLAGS_FIXED);
	cpu_update_mode(c); /* now virtual-8086: segment loads are vm86 loads */
	seg_load_real(c, SEG_CS, cs);
	seg_load_real(c, SEG_SS, nss);
	for (unsigned k = 0; k < 4; k++)
		seg_load_real(c, order[k], sel[k]);
	c->gpr[RSP] = (u32)nsp;
	cpu_update_mode(c);
	c->next_rip = ip & 0xffff;
}

/* "IF return code segment selector RPL > CPL ..." (or, in 64-bit mode,
 * always): pop SS:rSP and check the stack segment for the new CPL */
static void iret_load_stack(struct cpu *c, struct stk *s, unsigned osize, u16 sel, u64 d,
			    u64 *ssd, u16 *nss, u64 *nsp)
{
	unsigned rpl = sel & 3u;

	*nsp = stk_pop(c, s, osize);
	*nss = (u16)stk_pop(c, s, osize);
	*ssd = 0;
	if (sel_null(*nss)) {
		/* IA-32e: "IF stack segment selector is NULL ... IF new CS
		 * descriptor L-bit = 0 or stack segment selector RPL = 3
		 * THEN #GP(0)" */
		if (!cpu_lma(c) || !desc_l(d) || rpl == 3)
			cpu_gp0(c);
		return;
	}
	*ssd = seg_desc_fetch(c, *nss, VEC_GP, 0);
	if ((*nss & 3u) != rpl || !desc_writable_data(*ssd) || desc_dpl(*ssd) != rpl)
		cpu_fault(c, VEC_GP, *nss & 0xfffc);
	if (!desc_p(*ssd))
		cpu_fault(c, VEC_SS, *nss & 0xfffc);
}

static void check_ret_target(struct cpu *c, u64 d, u64 ip)
{
	if (cpu_lma(c) && desc_l(d)) {
		if (!seg_canonical(c, ip))
			cpu_gp0(c);
	} else if (ip > desc_limit(d)) {
		cpu_gp0(c);
	}
}

/* PROTECTED-MODE-RETURN and the IA-32e-mode return */
static void iret_prot(struct cpu *c, unsigned osize)
{
	struct stk s;
	u64 ip, fl, ssd = 0, nsp = 0;
	u16 cs, nss = 0;

	/* "IF NT = 1 THEN GOTO TASK-RETURN" (legacy); "IF NT = 1 THEN
	 * #GP(0)" in IA-32e mode */
	if (c->rflags & RFLAGS_NT) {
		/* TASK-RETURN: "Read segment selector in link field of current
		 * TSS" (bytes 0-1) and check its descriptor; in VMX non-root
		 * operation that exits (source 1, IRET) */
		if (!cpu_lma(c)) {
			u16 link = (u16)lin_read(c, c->seg[SEG_TR].base, 2, ACC_SUPER);
			seg_task_switch_target(c, link, true, 0, 1, (unsigned)(c->next_rip - c->rip));
		}
		/* XXX(sdm): TASK-RETURN ("Task Linking") is not implemented;
		 * legacy IRET with NT=1 raises #GP(0) like IA-32e mode. */
		cpu_gp0(c);
	}
	stk_current(c, &s, 0);
	pop3(c, &s, osize, &ip, &cs, &fl);
	if (!cpu_lma(c) && (fl & RFLAGS_VM) && c->cpl == 0 && osize == 4) {
		iret_to_vm86(c, &s, ip, cs, fl);
		return;
	}
	u64 d = seg_ret_code_desc(c, cs);
	unsigned rpl = cs & 3u;
	bool outer = rpl > c->cpl;
	bool pop_ss = outer || c->mode == MODE_LONG64;
	if (pop_ss)
		iret_load_stack(c, &s, osize, cs, d, &ssd, &nss, &nsp);
	check_ret_target(c, d, ip);
	desc_set_accessed(c, cs, d);
	if (ssd)
		desc_set_accessed(c, nss, ssd);
	/* commit */
	cpu_set_rflags(c, iret_flags(c, fl, osize));
	if (pop_ss) {
		if (ssd)
			seg_commit_ss(c, nss, ssd);
		else
			seg_commit_null_ss(c, nss, rpl);
		seg_set_sp(c, osize, nsp);
	} else {
		seg_set_sp(c, s.asize, s.sp);
	}
	seg_commit_cs(c, cs, d, rpl);
	if (outer)
		seg_null_inaccessible(c);
	c->next_rip = ip;
}

void exec_iret(struct cpu *c, const struct insn *i)
{
	unsigned osize = i->osize;

	/* APM "Instruction Intercepts": the IRET intercept, before anything
	 * the instruction does or checks */
	SVM_EXIT_IF(c, i, IRET, IRET, 0);
	/* IRET unblocks NMIs "even if the instruction generates a fault"
	 * (SDM "VM Entries" / "Interruptibility State"; "Changes to
	 * Instruction Behavior in VMX Non-Root Operation": in VMX non-root
	 * operation the VM-execution controls decide) */
	if (unlikely(c->vmx.nonroot))
		vmx_iret(c);
	else if (unlikely(c->svm.guest))
		svm_iret(c); /* AMD APM "NMI Virtualization": V_NMI_MASK too */
	else
		c->nmi_blocked = 0;
	if (c->mode == MODE_REAL)
		iret_real(c, osize);
	else if (c->mode == MODE_VM86)
		iret_from_vm86(c, osize);
	else
		iret_prot(c, osize);
}
