/* cpu/system/exec_sys.c: CPUID, RDMSR/WRMSR, time stamp and random numbers, XCR0,
 * FS/GS bases, HLT/PAUSE/MONITOR/MWAIT, cache and TLB maintenance, UD0-2.
 * Each handler follows its SDM Vol.2 "Operation" section top to bottom:
 * #UD conditions, (later) the virtualization hook, the CPL #GP, operand
 * faults, then the operation. */
#include "cpu/system/exec_sys.h"
#include "vmx/exit_info.h"
#include "vmx/vmx.h"
#include "svm/svm.h"

#include "cpu/exec/flags.h"
#include "cpu/memory/mem.h"
#include "cpu/memory/mmu.h"
#include "cpu/system/msr.h"
#include "cpu/system/pmu.h"
#include "cpu/step.h"
#include "cpu/fpu/x87.h"
#include "cpu/fpu/xsave_features.h"
#include "machine/machine.h"

/* --- CPUID (SDM "CPUID—CPU Identification") --- */

/* bits needed to number n logical processors (x2APIC ID shift) */
static u32 id_bits(u32 n)
{
	u32 b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

/* the per-processor parts of CPUID: APIC IDs, OSXSAVE/OSPKE from CR4, the
 * APIC bit from IA32_APIC_BASE, IA32_MISC_ENABLE effects, XSAVE sizes */
static void cpuid_fixup(struct cpu *c, u32 leaf, u32 sub, u32 r[4])
{
	u32 nr = c->machine && c->machine->nr_cpus > 0 ? (u32)c->machine->nr_cpus : 1;
	bool intel = !c->model->vendor_amd;

	switch (leaf) {
	case 0:
		/* IA32_MISC_ENABLE "Limit CPUID Maxval": leaf 0 reports at most 2 */
		if (intel && (msr_misc_enable(c) & MISC_ENABLE_LIMIT_CPUID) && r[CPUID_EAX] > 2)
			r[CPUID_EAX] = 2;
		break;
	case 1:
		r[CPUID_EBX] = (r[CPUID_EBX] & 0x00ffffff) | (c->index << 24);
		r[CPUID_ECX] &= ~(u32)BIT(27);
		if ((c->cr4 & CR4_OSXSAVE) && sys_has(c, FEAT_xsave))
			r[CPUID_ECX] |= (u32)BIT(27);
		/* "the APIC on-chip" bit follows IA32_APIC_BASE[11] (global enable) */
		if (!(cpu_apic_base(c) & BIT(11)))
			r[CPUID_EDX] &= ~(u32)BIT(9);
		/* IA32_MISC_ENABLE[18] = 0 hides MONITOR/MWAIT */
		if (intel && !(msr_misc_enable(c) & MISC_ENABLE_MWAIT))
			r[CPUID_ECX] &= ~(u32)BIT(3);
		break;
	case 7:
		if (sub == 0) {
			r[CPUID_ECX] &= ~(u32)BIT(4);
			if ((c->cr4 & CR4_PKE) && sys_has(c, FEAT_pku))
				r[CPUID_ECX] |= (u32)BIT(4);
		}
		break;
	case 0xb:
		/* SDM "Extended Topology Enumeration Leaf": EDX = x2APIC ID at
		 * every level; level 1 (core) counts every CPU of the package */
		r[CPUID_EDX] = c->index;
		if (sub == 1 && r[CPUID_ECX] >> 8 == 2) {
			r[CPUID_EAX] = id_bits(nr);
			r[CPUID_EBX] = nr;
		}
		break;
	case 0xd:
		/* EBX: XSAVE area size for the components enabled in XCR0 (x87
		 * and SSE live in the 576-byte legacy area + header; PKRU at
		 * 2688 in the standard format, right after the header in the
		 * compacted one) */
		if (sub == 0 && sys_has(c, FEAT_xsave))
			r[CPUID_EBX] = xsave_std_size(c->xcr0);
		if (sub == 1 && sys_has(c, FEAT_xsave))
			r[CPUID_EBX] = xsave_compact_size(c->xcr0);
		break;
	case 0x80000001:
		if (c->model->vendor_amd && !(cpu_apic_base(c) & BIT(11)))
			r[CPUID_EDX] &= ~(u32)BIT(9);
		/* IA32_MISC_ENABLE[34] = 1: "the XD Bit extended feature flag
		 * will be clear (CPUID.80000001H: EDX[20]=0)" */
		if (msr_xd_disabled(c))
			r[CPUID_EDX] &= ~(u32)BIT(20);
		break;
	default:
		break;
	}
}

void exec_cpuid(struct cpu *c, const struct insn *i)
{
	u32 leaf = (u32)c->gpr[RAX], sub = (u32)c->gpr[RCX];
	u32 r[4] = { 0, 0, 0, 0 };

	/* SDM "Instructions That Cause VM Exits Unconditionally": CPUID;
	 * APM "Instruction Intercepts": CPUID intercept */
	VMX_EXIT_IF(c, i, true, CPUID, 0);
	SVM_EXIT_IF(c, i, CPUID, CPUID, 0);
	if (c->model) {
		cpu_model_cpuid(c->model, leaf, sub, r);
		cpuid_fixup(c, leaf, sub, r);
	}
	/* "On Intel 64 processors, CPUID clears the high 32 bits of the
	 * RAX/RBX/RCX/RDX registers in all modes" */
	c->gpr[RAX] = r[CPUID_EAX];
	c->gpr[RBX] = r[CPUID_EBX];
	c->gpr[RCX] = r[CPUID_ECX];
	c->gpr[RDX] = r[CPUID_EDX];
}

/* --- RDMSR / WRMSR (SDM "RDMSR", "WRMSR") --- */

void exec_rdmsr(struct cpu *c, const struct insn *i)
{
	u64 val;

	sys_need(c, FEAT_msr);
	sys_need_cpl0(c);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_msr(c, i, (u32)c->gpr[RCX], false);
	if (unlikely(svm_guest(c)))
		svm_icpt_msr(c, i, (u32)c->gpr[RCX], false);
	/* (VMX: "virtualize x2APIC mode" reads the virtual-APIC page) */
	if (!(unlikely(c->vmx.nonroot) && vmx_x2apic_read(c, (u32)c->gpr[RCX], &val)) &&
	    msr_read(c, (u32)c->gpr[RCX], &val))
		cpu_gp0(c);
	c->gpr[RAX] = (u32)val;
	c->gpr[RDX] = val >> 32;
}

void exec_wrmsr(struct cpu *c, const struct insn *i)
{
	u64 val = ((c->gpr[RDX] & 0xffffffffull) << 32) | (c->gpr[RAX] & 0xffffffffull);

	sys_need(c, FEAT_msr);
	sys_need_cpl0(c);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_msr(c, i, (u32)c->gpr[RCX], true);
	if (unlikely(svm_guest(c)))
		svm_icpt_msr(c, i, (u32)c->gpr[RCX], true);
	if (!(unlikely(c->vmx.nonroot) && vmx_x2apic_write(c, (u32)c->gpr[RCX], val)) &&
	    msr_write(c, (u32)c->gpr[RCX], val))
		cpu_gp0(c);
}

/* --- time stamp counter (SDM "RDTSC", "RDTSCP", "RDPID") --- */

/* "IF (CR4.TSD = 0) or (CPL = 0) or (CR0.PE = 0) THEN read ELSE #GP(0)" */
static void tsd_check(struct cpu *c)
{
	if ((c->cr4 & CR4_TSD) && c->cpl != 0 && (c->cr0 & CR0_PE))
		cpu_gp0(c);
}

void exec_rdtsc(struct cpu *c, const struct insn *i)
{
	sys_need(c, FEAT_tsc);
	tsd_check(c);
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_RDTSC_EXITING, RDTSC, 0);
	SVM_EXIT_IF(c, i, RDTSC, RDTSC, 0);
	u64 t = vmx_guest_tsc(c, svm_guest_tsc(c, cpu_tsc(c)));
	c->gpr[RAX] = (u32)t;
	c->gpr[RDX] = t >> 32;
}

void exec_rdtscp(struct cpu *c, const struct insn *i)
{
	sys_need(c, FEAT_rdtscp);
	/* SDM "Enable RDTSCP": 0 makes RDTSCP #UD in VMX non-root operation */
	if (c->vmx.nonroot && !(vmx_proc2(c) & PROC2_ENABLE_RDTSCP))
		cpu_ud(c);
	tsd_check(c);
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_RDTSC_EXITING, RDTSCP, 0);
	SVM_EXIT_IF(c, i, RDTSCP, RDTSCP, 0);
	u64 t = vmx_guest_tsc(c, svm_guest_tsc(c, cpu_tsc(c)));
	c->gpr[RAX] = (u32)t;
	c->gpr[RDX] = t >> 32;
	c->gpr[RCX] = (u32)c->msr.tsc_aux;
}

/* SDM "RDPMC—Read Performance-Monitoring Counters": "IF (((CR4.PCE = 1)
 * or (CPL = 0) or (CR0.PE = 0)) and (ECX indicates a supported counter))
 * THEN EAX := counter[31:0]; EDX := ZeroExtend(counter[MSCB:32]); ELSE
 * #GP(0)". The privilege fault comes before the VM exit of "RDPMC
 * exiting" ("Relative Priority of Faults and VM Exits"), the counter
 * check after it. */
void exec_rdpmc(struct cpu *c, const struct insn *i)
{
	if ((c->cr0 & CR0_PE) && c->cpl != 0 && !(c->cr4 & CR4_PCE))
		cpu_gp0(c);
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_RDPMC_EXITING, RDPMC, 0);
	SVM_EXIT_IF(c, i, RDPMC, RDPMC, 0);
	u64 v;
	if (pmu_rdpmc(c, (u32)c->gpr[RCX], &v) < 0) /* cpu/system/pmu.c */
		cpu_gp0(c);
	c->gpr[RAX] = (u32)v;
	c->gpr[RDX] = (v >> 32) & 0xffff; /* counters are 48 bits wide */
}

/* RDPID r32/r64: IA32_TSC_AUX, no CR4.TSD rule. SDM "Changes to
 * Instruction Behavior in VMX Non-Root Operation" (RDPID): "If the 'enable
 * RDTSCP' VM-execution control is 0, RDPID causes an invalid-opcode
 * exception (#UD)." */
void exec_rdpid(struct cpu *c, const struct insn *i)
{
	sys_need(c, FEAT_rdpid);
	if (c->vmx.nonroot && !(vmx_proc2(c) & PROC2_ENABLE_RDTSCP))
		cpu_ud(c);
	reg_write(c, i->op[0].reg, i->op[0].size, c->msr.tsc_aux);
}

/* --- RDRAND / RDSEED: a deterministic xorshift64* stream per CPU
 * (DESIGN "Deterministic by default"); CF=1 says "valid data" --- */
static u64 rng_next(struct cpu *c)
{
	u64 x = c->rng_state ? c->rng_state : 0x9e3779b97f4a7c15ull + c->index;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void rng_insn(struct cpu *c, const struct insn *i)
{
	reg_write(c, i->op[0].reg, i->op[0].size, rng_next(c));
	/* SDM "RDRAND": CF = 1, OF SF ZF AF PF = 0 */
	flags_set(c, RFLAGS_ARITH, RFLAGS_CF);
}

void exec_rdrand(struct cpu *c, const struct insn *i)
{
	sys_need(c, FEAT_rdrand);
	VMX_EXIT_IF(c, i, vmx_proc2(c) & PROC2_RDRAND_EXITING, RDRAND, 0);
	rng_insn(c, i);
}

void exec_rdseed(struct cpu *c, const struct insn *i)
{
	sys_need(c, FEAT_rdseed);
	VMX_EXIT_IF(c, i, vmx_proc2(c) & PROC2_RDSEED_EXITING, RDSEED, 0);
	rng_insn(c, i);
}

/* --- XCR0 (SDM "XGETBV", "XSETBV"; Vol.1 "Enabling the XSAVE Feature Set
 * and XSAVE-Enabled Features"): the XCR0 bits that may be set are those
 * CPUID.(EAX=0DH,ECX=0):EDX:EAX reports: x87, SSE, and PKRU with PKU. --- */
void exec_xgetbv(struct cpu *c, const struct insn *i)
{
	u32 xcr = (u32)c->gpr[RCX];
	u64 v;

	if (!(c->cr4 & CR4_OSXSAVE))
		cpu_ud(c);
	/* ECX = 0: XCR0; ECX = 1: XCR0 AND XINUSE when CPUID.(EAX=0DH,
	 * ECX=1):EAX[2] (XGETBV1); anything else #GP(0) */
	if (xcr == 0)
		v = c->xcr0;
	else if (xcr == 1 && sys_has(c, FEAT_xgetbv1))
		v = c->xcr0 & xsave_xinuse(c);
	else
		cpu_gp0(c);
	c->gpr[RAX] = (u32)v;
	c->gpr[RDX] = v >> 32;
}

void exec_xsetbv(struct cpu *c, const struct insn *i)
{
	u64 val = ((c->gpr[RDX] & 0xffffffffull) << 32) | (c->gpr[RAX] & 0xffffffffull);

	if (!(c->cr4 & CR4_OSXSAVE))
		cpu_ud(c);
	/* the XSETBV intercept comes before the privilege check (unlike
	 * VMX's exit) */
	SVM_EXIT_IF(c, i, XSETBV, XSETBV, 0);
	sys_need_cpl0(c);
	VMX_EXIT_IF(c, i, true, XSETBV, 0); /* unconditionally, after the #GP at CPL > 0 */
	if ((u32)c->gpr[RCX] != 0 || !sys_xcr0_valid(c, val))
		cpu_gp0(c);
	c->xcr0 = val;
}

/* "If an attempt is made to clear bit 0 of XCR0", to set a bit that CPUID
 * does not report, or "XCR0[2:1] = 10b" (AVX state without SSE state):
 * XSETBV raises #GP(0) */
bool sys_xcr0_valid(const struct cpu *c, u64 val)
{
	u64 ok = XSAVE_XCR0_SUPPORTED | (sys_has(c, FEAT_pku) ? XSAVE_PKRU : 0);

	return (val & 1) && !(val & ~ok) && (val & 6) != 4;
}

/* --- SWAPGS, RD/WR FS/GS BASE --- */

void exec_swapgs(struct cpu *c, const struct insn *i)
{
	if (c->mode != MODE_LONG64)
		cpu_ud(c);
	sys_need_cpl0(c);
	u64 t = c->seg[SEG_GS].base;
	c->seg[SEG_GS].base = c->msr.kernel_gs_base;
	c->msr.kernel_gs_base = t;
}

/* SDM "RDFSBASE/RDGSBASE", "WRFSBASE/WRGSBASE": #UD outside 64-bit mode
 * or with CR4.FSGSBASE = 0 */
static void fsgsbase_check(struct cpu *c)
{
	if (c->mode != MODE_LONG64 || !(c->cr4 & CR4_FSGSBASE))
		cpu_ud(c);
}

void exec_rdfsbase(struct cpu *c, const struct insn *i)
{
	fsgsbase_check(c);
	reg_write(c, i->op[0].reg, i->op[0].size, c->seg[SEG_FS].base);
}

void exec_rdgsbase(struct cpu *c, const struct insn *i)
{
	fsgsbase_check(c);
	reg_write(c, i->op[0].reg, i->op[0].size, c->seg[SEG_GS].base);
}

static void wrbase(struct cpu *c, const struct insn *i, unsigned seg)
{
	fsgsbase_check(c);
	u64 v = reg_read(c, i->op[0].reg, i->op[0].size);
	/* "#GP(0) If the source register contains a non-canonical address" */
	if (!msr_canonical(c, v))
		cpu_gp0(c);
	c->seg[seg].base = v;
}

void exec_wrfsbase(struct cpu *c, const struct insn *i) { wrbase(c, i, SEG_FS); }
void exec_wrgsbase(struct cpu *c, const struct insn *i) { wrbase(c, i, SEG_GS); }

/* --- HLT, PAUSE, MONITOR, MWAIT --- */

/* SDM "HLT": privileged; the processor enters the HLT activity state and
 * resumes at the next instruction when an event wakes it */
void exec_hlt(struct cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_HLT_EXITING, HLT, 0);
	SVM_EXIT_IF(c, i, HLT, HLT, 0);
	c->activity = ACT_HLT;
	cpu_stop(c);
}

/* SDM "PAUSE": a hint that the code is a spin-wait loop. With more than
 * one vCPU, the vCPU's turn ends here, so the one holding the lock gets to
 * run instead of this one spinning out its whole turn. */
void exec_pause(struct cpu *c, const struct insn *i)
{
	/* the SVM PAUSE intercept comes first (APM "Instruction Intercepts"
	 * lists no exception PAUSE could take before it) */
	if (unlikely(svm_guest(c)))
		svm_icpt_pause(c, i);
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_PAUSE_EXITING, PAUSE, 0);
	if (unlikely(c->vmx.nonroot))
		vmx_icpt_pause_loop(c, i);
	if (c->machine && c->machine->nr_cpus > 1)
		cpu_stop(c);
}

/* SDM "MONITOR"/"MWAIT": #UD if CPUID.01H:ECX.MONITOR[bit 3] = 0 (which
 * IA32_MISC_ENABLE[18] = 0 also clears) or CPL > 0 */
static void monitor_check(struct cpu *c)
{
	if (!sys_has(c, FEAT_monitor) || c->cpl != 0 ||
	    (!c->model->vendor_amd && !(msr_misc_enable(c) & MISC_ENABLE_MWAIT)))
		cpu_ud(c);
}

void exec_monitor(struct cpu *c, const struct insn *i)
{
	monitor_check(c);
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_MONITOR_EXITING, MONITOR, 0);
	/* "#GP(0) If ECX ≠ 0" (no extensions are defined) */
	if ((u32)c->gpr[RCX] != 0)
		cpu_gp0(c);
	/* the address DS:rAX is checked as a read of one byte */
	u64 off = c->gpr[RAX] & size_mask(i->asize);
	u64 lin = seg_check(c, i->seg, off, 1, ACC_R);
	mem_translate(c, lin, ACC_R);
	/* the SVM MONITOR intercept after the address's faults (as KVM's
	 * emulator orders it; the APM's "Instruction Intercepts" is silent) */
	SVM_EXIT_IF(c, i, MONITOR, MONITOR, 0);
	c->svm.monitor_armed = 1;
}

/* MWAIT hints (EAX) are ignored; ECX[0] (interrupts as break events) is
 * the only extension advertised by CPUID leaf 5. The wait ends at once:
 * a wake-up on any store is always allowed to be spurious. */
void exec_mwait(struct cpu *c, const struct insn *i)
{
	monitor_check(c);
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_MWAIT_EXITING, MWAIT, 0);
	if (unlikely(svm_guest(c)))
		svm_icpt_mwait(c, i);
	if ((u32)c->gpr[RCX] & ~1u)
		cpu_gp0(c);
	c->svm.monitor_armed = 0;
}

/* --- cache control, fences, prefetches --- */

void exec_wbinvd(struct cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	VMX_EXIT_IF(c, i, vmx_proc2(c) & PROC2_WBINVD_EXITING, WBINVD, 0);
	SVM_EXIT_IF(c, i, WBINVD, WBINVD, 0);
}

void exec_invd(struct cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	VMX_EXIT_IF(c, i, true, INVD, 0);
	SVM_EXIT_IF(c, i, INVD, INVD, 0);
}

/* CLFLUSH/CLFLUSHOPT: the byte is checked as a read (segment, paging) but
 * not accessed, so device registers see nothing */
static void clflush_insn(struct cpu *c, const struct insn *i)
{
	u64 lin = seg_check(c, i->seg, insn_ea(c, i), 1, ACC_R);
	mem_translate(c, lin, ACC_R);
}

void exec_clflush(struct cpu *c, const struct insn *i)
{
	sys_need(c, FEAT_clflush);
	clflush_insn(c, i);
}

void exec_clflushopt(struct cpu *c, const struct insn *i)
{
	sys_need(c, FEAT_clflushopt);
	clflush_insn(c, i);
}

/* SDM "PREFETCHh": a hint that never faults */
void exec_prefetch(struct cpu *c, const struct insn *i)
{
}

void exec_lfence(struct cpu *c, const struct insn *i) { sys_need(c, FEAT_sse2); }
void exec_mfence(struct cpu *c, const struct insn *i) { sys_need(c, FEAT_sse2); }
void exec_sfence(struct cpu *c, const struct insn *i) { sys_need(c, FEAT_sse); }

/* --- TLB maintenance --- */

/* SDM "INVLPG": privileged; no fault for any address (a non-canonical one
 * invalidates nothing) */
void exec_invlpg(struct cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	u64 lin = sys_linear(c, i->seg, insn_ea(c, i));
	/* "Exit Qualification for INVLPG": the linear-address operand */
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_INVLPG_EXITING, INVLPG, lin);
	/* APM "Decode Assists": EXITINFO1 = the linear address */
	SVM_EXIT_IF(c, i, INVLPG, INVLPG, svm_decode_assists(c) ? lin : 0);
	tlb_flush_page(c, lin);
}

/* SDM "INVPCID—Invalidate Process-Context Identifier" */
void exec_invpcid(struct cpu *c, const struct insn *i)
{
	/* SDM "Enable INVPCID": 0 makes INVPCID #UD in VMX non-root operation */
	if (c->vmx.nonroot && !(vmx_proc2(c) & PROC2_ENABLE_INVPCID))
		cpu_ud(c);
	sys_need(c, FEAT_invpcid);
	if (c->mode == MODE_VM86)
		cpu_gp0(c);
	sys_need_cpl0(c);
	/* SDM "INVPCID" in "Instructions That Cause VM Exits Conditionally":
	 * "causes a VM exit if the "INVLPG exiting" and "enable INVPCID"
	 * VM-execution controls are both 1" (after the faults of privilege,
	 * before the descriptor is read) */
	VMX_EXIT_IF(c, i, vmx_proc(c) & PROC_INVLPG_EXITING, INVPCID, vmx_insn_qual(i));
	/* APM "INVPCID Intercept": EXITINFO1 = the linear address of the
	 * descriptor, EXITINFO2 = the type (the register operand) */
	if (unlikely(svm_guest(c)) && svm_icpt(c, SVM_ICPT_INVPCID))
		svm_exit_insn(c, i, SVM_EXIT_INVPCID, sys_linear(c, i->seg, insn_ea(c, i)),
			      reg_read(c, i->op[0].reg, i->op[0].size));
	u64 type = reg_read(c, i->op[0].reg, i->op[0].size);
	u64 ea = insn_ea(c, i);
	u64 lo = cpu_read(c, i->seg, ea, 8);
	u64 la = cpu_read(c, i->seg, (ea + 8) & size_mask(i->asize), 8);
	u16 pcid = (u16)(lo & 0xfff);

	/* "If an invalid type is specified in the register operand" */
	if (type > 3)
		cpu_gp0(c);
	/* "If bits 63:12 of INVPCID_DESC are not all zero" */
	if (lo & ~0xfffull)
		cpu_gp0(c);
	/* "If INVPCID_TYPE is either 0 or 1 and INVPCID_DESC[11:0] is not
	 * zero and CR4.PCIDE = 0" */
	if (type <= 1 && pcid && !(c->cr4 & CR4_PCIDE))
		cpu_gp0(c);
	/* "If INVPCID_TYPE is 0 and the linear address in
	 * INVPCID_DESC[127:64] is not canonical" */
	if (type == 0 && !msr_canonical(c, la))
		cpu_gp0(c);
	switch (type) {
	case 0: tlb_flush_page(c, la); break;           /* individual address */
	case 1: tlb_flush_pcid(c, pcid, true); break;  /* single context */
	case 2: tlb_flush_all(c); break;               /* all, including globals */
	default: tlb_flush_nonglobal(c); break;        /* all contexts, no globals */
	}
}

/* --- UD0, UD1, UD2: "Raises an invalid opcode exception in all modes" --- */
void exec_ud2(struct cpu *c, const struct insn *i)
{
	cpu_ud(c);
}
