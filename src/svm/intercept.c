/* svm/intercept.c: what the processor does differently while a guest runs
 * under VMRUN (APM Vol.2 "Secure Virtual Machine": "Intercept Operation",
 * "Instruction Intercepts", "I/O Intercepts", "MSR Intercepts", "Exception
 * Intercepts", "Decode Assists"). Each executor calls its intercept at the
 * point the APM's "Instruction Intercepts" gives: "Generally, they are
 * checked after simple exceptions (such as #GP when CPL is incorrect, or
 * #UD) have been checked, but before exceptions related to memory accesses
 * (such as page faults) and exceptions based on specific operand values"
 * (the exceptions to that rule are at their call sites). Here is how an
 * intercept decides and what its #VMEXIT reports in EXITINFO1/EXITINFO2,
 * nRIP and the guest instruction bytes. */
#include "svm/svm.h"

#include <string.h>

#include "cpu/arch.h"
#include "cpu/decode/decode.h"
#include "cpu/event.h"
#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "machine/machine.h"
#include "mem/physmem.h"

static u8 phys_byte(struct cpu *c, u64 pa)
{
	return (u8)phys_read(&c->machine->mem, pa, 1);
}

/* the model advertises SVM feature f (CPUID Fn8000_000A_EDX) */
static bool svm_has(const struct cpu *c, enum cpu_feature f)
{
	return c->model && cpu_has(c->model, f);
}


/* --- the exit of an instruction intercept --- */

/* APM "State Saved on Exit": "the next sequential instruction pointer
 * (nRIP) is saved in the guest VMCB control area at location C8h on all
 * #VMEXITs that are due to instruction intercepts ... as well as MSR and
 * IOIO intercepts and exceptions caused by the INT3, INTO, and BOUND
 * instructions. For all other intercepts, nRIP is reset to zero." (with
 * NRIP save, CPUID Fn8000_000A_EDX[3]) */
void svm_exit_insn(struct cpu *c, const struct insn *i, u64 exitcode, u64 info1, u64 info2)
{
	/* the handler tables' exits column says which instructions exit */
	DEBUG_ASSERT(!i || insn_can_svm_exit(i->mnemonic, exitcode));
	c->svm.exit_nrip = svm_has(c, FEAT_nrip_save) ? c->next_rip : 0;
	svm_vmexit(c, exitcode, info1, info2);
}

/* --- control registers: APM "CR and DR Read/Write Intercepts"; with
 * decode assists EXITINFO1 bit 63 says the instruction was a MOV CRx and
 * bits 3:0 name its GPR ("Decode Assists": "MOV CRx ... EXITINFO1[63] = 1,
 * EXITINFO1[3:0] = GPR number"; LMSW, CLTS and SMSW report 0) --- */
static u64 mov_cr_info(const struct cpu *c, unsigned gpr)
{
	return svm_decode_assists(c) ? BIT(63) | gpr : 0;
}

void svm_icpt_cr_read(struct cpu *c, const struct insn *i, unsigned cr, unsigned gpr)
{
	if (svm_icpt(c, SVM_ICPT_CR0_READ + cr))
		svm_exit_insn(c, i, SVM_EXIT_CR0_READ + cr, mov_cr_info(c, gpr), 0);
}

/* APM "Selective CR0 Write Intercept": "When the selective CR0 write
 * intercept is set, ... a #VMEXIT occurs when a MOV to CR0 or LMSW
 * instruction would change any bit of CR0 other than TS or MP"; "the CR0
 * write intercept ... takes priority". new is what CR0 would become. */
static bool cr0_sel_write(const struct cpu *c, u64 new_cr0)
{
	return svm_icpt(c, SVM_ICPT_CR0_SEL_WRITE) &&
	       ((c->cr0 ^ new_cr0) & ~(u64)(CR0_TS | CR0_MP)) != 0;
}

void svm_icpt_cr_write(struct cpu *c, const struct insn *i, unsigned cr, u64 val, unsigned gpr)
{
	if (svm_icpt(c, SVM_ICPT_CR0_WRITE + cr))
		svm_exit_insn(c, i, SVM_EXIT_CR0_WRITE + cr, mov_cr_info(c, gpr), 0);
	if (cr == 0 && cr0_sel_write(c, val))
		svm_exit_insn(c, i, SVM_EXIT_CR0_SEL_WRITE, mov_cr_info(c, gpr), 0);
}

/* LMSW is a CR0 write of bits 3:0 that cannot clear PE; CLTS a CR0 write
 * of TS alone (never a selective one); SMSW a CR0 read */
void svm_icpt_lmsw(struct cpu *c, const struct insn *i, u16 src)
{
	if (svm_icpt(c, SVM_ICPT_CR0_WRITE))
		svm_exit_insn(c, i, SVM_EXIT_CR0_WRITE, 0, 0);
	u64 new_cr0 = (c->cr0 & ~0xfull) | (src & 0xf) | (c->cr0 & CR0_PE);
	if (cr0_sel_write(c, new_cr0))
		svm_exit_insn(c, i, SVM_EXIT_CR0_SEL_WRITE, 0, 0);
}

void svm_icpt_clts(struct cpu *c, const struct insn *i)
{
	if (svm_icpt(c, SVM_ICPT_CR0_WRITE))
		svm_exit_insn(c, i, SVM_EXIT_CR0_WRITE, 0, 0);
}

void svm_icpt_smsw(struct cpu *c, const struct insn *i)
{
	if (svm_icpt(c, SVM_ICPT_CR0_READ))
		svm_exit_insn(c, i, SVM_EXIT_CR0_READ, 0, 0);
}

/* --- debug registers: the intercept of the DR number as encoded (DR4/DR5
 * are not renamed), EXITINFO1 = the GPR with decode assists --- */
void svm_icpt_dr(struct cpu *c, const struct insn *i, unsigned dr, bool write, unsigned gpr)
{
	unsigned icpt = (write ? SVM_ICPT_DR0_WRITE : SVM_ICPT_DR0_READ) + dr;
	u64 code = (write ? SVM_EXIT_DR0_WRITE : SVM_EXIT_DR0_READ) + dr;

	if (svm_icpt(c, icpt))
		svm_exit_insn(c, i, code, svm_decode_assists(c) ? gpr : 0, 0);
}

/* --- I/O: APM "I/O Intercepts": with the IOIO intercept, the IOPM (12
 * Kbytes, one bit per port) decides: "the processor checks ... the bits
 * for all the ports the access touches" (a multi-byte access at the top
 * of the port space reads bits past 0xFFFF, hence the third page).
 * EXITINFO1 ("IOIO Intercept Information"): TYPE (0, 1 = IN), STR (2), REP
 * (3), SZ8/SZ16/SZ32 (4-6), A16/A32/A64 (7-9), SEG (12:10, the effective
 * segment of OUTS, ES for INS, with decode assists), PORT (31:16);
 * EXITINFO2 = the rIP of the next instruction. --- */
void svm_icpt_io(struct cpu *c, const struct insn *i, u16 port, unsigned size, bool in, bool string,
		 bool rep)
{
	if (!svm_icpt(c, SVM_ICPT_IOIO_PROT))
		return;
	u64 base = (c->svm.ctl.iopm_base_pa & ~0xfffull);
	bool exits = false;
	for (unsigned k = 0; k < size && !exits; k++) {
		u32 p = (u32)port + k;
		exits = (phys_byte(c, base + p / 8) >> (p % 8)) & 1;
	}
	if (!exits)
		return;
	u64 info1 = (in ? BIT(0) : 0) | (string ? BIT(2) : 0) | (rep ? BIT(3) : 0) |
		    (size == 1 ? BIT(4) : size == 2 ? BIT(5) : BIT(6)) |
		    (i->asize == 2 ? BIT(7) : i->asize == 4 ? BIT(8) : BIT(9)) | ((u64)port << 16);
	if (string && svm_decode_assists(c))
		info1 |= (u64)(in ? SEG_ES : i->seg) << 10;
	svm_exit_insn(c, i, SVM_EXIT_IOIO, info1, c->next_rip);
}

/* --- RDMSR/WRMSR: APM "MSR Intercepts": the MSRPM (8 Kbytes) holds two
 * bits per MSR (the read bit, then the write bit) for three ranges, 2
 * Kbytes each; "MSRs outside these ranges are always intercepted".
 * EXITINFO1 = 0 for RDMSR, 1 for WRMSR. --- */
static const struct {
	u32 first;  /* first MSR of the range (0x2000 MSRs) */
	u32 offset; /* its place in the MSRPM */
} msrpm_ranges[] = {
	{ 0x00000000u, 0x000 },
	{ 0xc0000000u, 0x800 },
	{ 0xc0010000u, 0x1000 },
};

void svm_icpt_msr(struct cpu *c, const struct insn *i, u32 idx, bool write)
{
	if (!svm_icpt(c, SVM_ICPT_MSR_PROT))
		return;
	bool exits = true;
	for (unsigned r = 0; r < ARRAY_SIZE(msrpm_ranges); r++) {
		u32 n = idx - msrpm_ranges[r].first;
		if (n < 0x2000) {
			u32 bit = n * 2 + write;
			u64 pa = (c->svm.ctl.msrpm_base_pa & ~0xfffull) + msrpm_ranges[r].offset + bit / 8;
			exits = (phys_byte(c, pa) >> (bit % 8)) & 1;
			break;
		}
	}
	if (exits)
		svm_exit_insn(c, i, SVM_EXIT_MSR, write, 0);
}

/* --- PAUSE: APM "Pause Intercept Filtering": "On VMRUN, the
 * PAUSE_FILTER_COUNT value is loaded into an internal counter. Each time
 * a PAUSE instruction is executed, this counter is decremented until it
 * reaches zero, at which time a #VMEXIT is generated if the PAUSE
 * intercept is set" (a PAUSE that finds it zero exits: count N lets N
 * PAUSEs go on). With the filter threshold: "If the elapsed cycles exceed
 * the threshold value, the internal pause count is reloaded from the VMCB
 * and execution continues. If the elapsed cycles are less than the
 * threshold, the internal pause count is decremented"; a threshold of 0
 * keeps the count-only mode. Cycles are TSC ticks. --- */
void svm_icpt_pause(struct cpu *c, const struct insn *i)
{
	if (!svm_icpt(c, SVM_ICPT_PAUSE))
		return;
	if (svm_has(c, FEAT_pause_filter)) {
		u16 thresh = svm_has(c, FEAT_pfthreshold) ? c->svm.ctl.pause_filter_thresh : 0;
		u64 now = cpu_tsc(c), elapsed = now - c->svm.pause_last;
		c->svm.pause_last = now;
		if (thresh && elapsed > thresh) {
			c->svm.pause_count = c->svm.ctl.pause_filter_count;
			return;
		}
		if (c->svm.pause_count) {
			c->svm.pause_count--;
			return;
		}
	}
	svm_exit_insn(c, i, SVM_EXIT_PAUSE, 0, 0);
}

/* VMRUN: the filter's counter and the time of the "most recent PAUSE" */
void svm_icpt_vmrun(struct cpu *c)
{
	c->svm.pause_count = c->svm.ctl.pause_filter_count;
	c->svm.pause_last = cpu_tsc(c);
}

/* --- MONITOR/MWAIT: APM "MWAIT_CONDITIONAL": "intercept MWAIT if the
 * monitor hardware is armed"; the unconditional MWAIT intercept first.
 * nestbox arms the monitor at MONITOR and disarms it at MWAIT (a store to
 * the range is not watched: docs/known-gaps.md). --- */
void svm_icpt_mwait(struct cpu *c, const struct insn *i)
{
	if (svm_icpt(c, SVM_ICPT_MWAIT))
		svm_exit_insn(c, i, SVM_EXIT_MWAIT, 0, 0);
	if (c->svm.monitor_armed && svm_icpt(c, SVM_ICPT_MWAIT_CONDITIONAL))
		svm_exit_insn(c, i, SVM_EXIT_MWAIT_CONDITIONAL, 0, 0);
}

/* --- exceptions: APM "Exception Intercepts": an exception whose bit is
 * set in the exception intercept vector exits with EXITCODE 40h + vector
 * instead of being delivered; EXITINFO1 is its error code (0 if none);
 * "#PF: EXITINFO2 = the faulting address", and "CR2 is not written" (so
 * cpu_page_fault keeps the address in c->svm.pf_addr); "#DB: DR6 and DR7
 * are updated as on delivery" (cpu/ commits DR6, and clears DR7.GD, before
 * the exception is delivered). INT n is not an exception (its own
 * intercept); INT3 and INTO are, and their exits save nRIP. --- */
void svm_icpt_exception(struct cpu *c, u8 vec, unsigned type, bool has_err, u32 err)
{
	/* APM "Event Injection": the event VMRUN injects is delivered
	 * without the intercept checks (a hypervisor that intercepts #PF can
	 * inject one); faults raised while delivering it are checked */
	if (c->svm.injecting) {
		c->svm.injecting = 0;
		return;
	}
	if ((type != EV_HW_EXC && type != EV_SW_EXC) || vec > 31 ||
	    !svm_icpt(c, SVM_ICPT_EXC0 + vec))
		return;
	c->svm.exit_nrip = type == EV_SW_EXC && svm_has(c, FEAT_nrip_save) ? c->next_rip : 0;
	svm_vmexit(c, SVM_EXIT_EXCP0 + vec, has_err ? err : 0, vec == VEC_PF ? c->svm.pf_addr : 0);
}

/* a #DF made of two exceptions (cpu_deliver): intercepted, it exits as
 * itself -- "not considered to occur during event delivery": no
 * EXITINTINFO */
void svm_icpt_double_fault(struct cpu *c)
{
	if (!svm_icpt(c, SVM_ICPT_EXC0 + VEC_DF))
		return;
	c->in_event = 0;
	c->svm.exit_nrip = 0;
	svm_vmexit(c, SVM_EXIT_EXCP0 + VEC_DF, 0, 0);
}

/* cpu_page_fault: false when the #PF is intercepted (CR2 is left alone) */
bool svm_pf_writes_cr2(struct cpu *c, u64 lin)
{
	c->svm.pf_addr = lin;
	return !svm_icpt(c, SVM_ICPT_EXC0 + VEC_PF);
}

/* --- task switches: APM "Task Switch Intercept": EXITINFO1 = the
 * selector of the new TSS; EXITINFO2: the error code the switch would
 * push (31:0), bit 36 a switch by IRET, bit 38 by a far JMP, bit 44 an
 * error code to push, bit 48 the RFLAGS.RF the outgoing TSS would get.
 * An IDT task gate pushes the error code of the event being delivered
 * (c->first_*, set by cpu_deliver). source as seg_task_switch_target's:
 * 0 CALL, 1 IRET, 2 JMP, 3 a task gate in the IDT. --- */
void svm_icpt_task_switch(struct cpu *c, unsigned source, u16 sel)
{
	if (!svm_icpt(c, SVM_ICPT_TASK_SWITCH))
		return;
	bool has_err = source == 3 && c->in_event && c->first_has_err;
	u64 info2 = (has_err ? c->first_error | BIT(44) : 0) | (source == 1 ? BIT(36) : 0) |
		    (source == 2 ? BIT(38) : 0) | ((c->rflags & RFLAGS_RF) ? BIT(48) : 0);
	c->svm.exit_nrip = 0;
	svm_vmexit(c, SVM_EXIT_TASK_SWITCH, sel, info2);
}

/* --- decode assists: the guest instruction bytes. APM "Decode Assists":
 * "In the case of a nested #PF or intercepted #PF, guest instruction bytes
 * at guest CS:RIP are stored into the 16-byte wide field Guest Instruction
 * Bytes. Up to 15 bytes are recorded, read from guest CS:RIP. The number
 * of bytes fetched is put into the first byte of this field. Zero
 * indicates that no bytes were fetched. This field is filled in only
 * during data page faults. Instruction-fetch page faults provide no
 * additional information. All other intercepts clear bits 0:7 in this
 * field to zero." The bytes are read as supervisor data through the
 * guest's translation without side effects; the first byte that cannot be
 * read ends them. out[0] = the count, out[1..15] the bytes. --- */
void svm_exit_insn_bytes(struct cpu *c, u64 exitcode, u64 info1, u8 out[16])
{
	memset(out, 0, 16);
	if (!svm_decode_assists(c) || (exitcode != SVM_EXIT_EXCP0 + VEC_PF && exitcode != SVM_EXIT_NPF) ||
	    (info1 & PFEC_I) || (exitcode != SVM_EXIT_NPF && c->svm.pf_fetch))
		return;
	u64 lin = c->rip + (c->mode == MODE_LONG64 ? 0 : c->seg[SEG_CS].base);
	unsigned n = 0;
	while (n < 15) {
		u64 la = c->mode == MODE_LONG64 ? lin + n : (u32)(lin + n);
		gpa_t gpa;
		u64 pa;
		if ((c->cr0 & CR0_PG) && mmu_walk(c, la, ACC_R, false, true, &gpa))
			break;
		if (!(c->cr0 & CR0_PG))
			gpa = la;
		if (!cpu_gpa_probe(c, gpa, &pa))
			break;
		out[1 + n++] = phys_byte(c, pa);
	}
	out[0] = (u8)n;
}
