/* cpu/cpu.c: processor reset/INIT state and mode tracking. */
#include "cpu/cpu.h"
#include "vmx/vmx.h"
#include "svm/svm.h"

#include <string.h>

#include "base/log.h"
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "cpu/system/msr.h"
#include "cpu/system/pmu.h"
#include "cpu/system/smm.h"
#include "debug/hook.h"
#include "machine/clock.h"

/* SDM Vol.3A "Processor State After Reset" ("Power up"/"Reset"/"INIT"). */
static void reset_common(struct cpu *c)
{
	memset(c->gpr, 0, sizeof(c->gpr));
	c->gpr[RDX] = 0x600; /* family/model/stepping signature, as a P6-class part */
	c->rip = c->next_rip = 0xfff0;
	c->irq_hint = 1; /* the APIC is asked at the first chance */
	cpu_set_rflags(c, RFLAGS_FIXED);
	c->cr0 = CR0_ET | CR0_CD | CR0_NW;
	c->cr2 = c->cr3 = c->cr4 = 0;
	c->efer = 0;
	c->xcr0 = 1;
	c->tpr = 0;
	for (int s = SEG_ES; s <= SEG_GS; s++) {
		c->seg[s] = (struct seg_cache){ .sel = 0, .base = 0, .limit = 0xffff,
						.ar = AR_P | AR_S | SEG_TYPE_WR | SEG_TYPE_ACCESSED };
	}
	c->seg[SEG_CS] = (struct seg_cache){ .sel = 0xf000, .base = 0xffff0000, .limit = 0xffff,
					     .ar = AR_P | AR_S | SEG_TYPE_CODE | SEG_TYPE_WR |
						   SEG_TYPE_ACCESSED };
	c->seg[SEG_LDTR] = (struct seg_cache){ .limit = 0xffff, .ar = AR_P | DESC_LDT };
	c->seg[SEG_TR] = (struct seg_cache){ .limit = 0xffff, .ar = AR_P | DESC_TSS16_BUSY };
	c->gdtr = (struct dtr){ 0, 0xffff };
	c->idtr = (struct dtr){ 0, 0xffff };
	memset(c->dr, 0, sizeof(c->dr));
	c->dr[6] = DR6_FIXED1;
	c->dr[7] = DR7_FIXED1;
	c->shadow = 0;
	c->activity = ACT_ACTIVE;
	c->nmi_pending = c->nmi_blocked = c->smi_pending = 0;
	c->init_pending = c->sipi_pending = 0;
	c->in_event = 0;
	c->pending_db = 0;
	c->pending_dr6 = 0;
	cpu_update_mode(c);
	tlb_flush_all(c);
}

void cpu_reset(struct cpu *c)
{
	reset_common(c);
	memset(&c->fpu, 0, sizeof(c->fpu));
	c->fpu.fcw = 0x40;
	c->fpu.ftw = 0xffff; /* full tag word: 11b = empty */
	c->fpu.mxcsr = 0x1f80;
	memset(&c->msr, 0, sizeof(c->msr));
	if (c->model)
		msr_reset(c); /* the table's power-up values (cpu/system/msr.def) */
	smm_reset(c); /* SMBASE back to its default, out of SMM */
	vmx_reset(c); /* out of VMX operation, no current VMCS */
	svm_reset(c); /* out of guest mode, GIF = 1, the SVM MSRs */
}

/* INIT keeps x87/SSE state, MSRs (except as noted) and caches. */
void cpu_init_signal(struct cpu *c)
{
	/* a SIPI that arrived right behind the INIT stays latched for the
	 * wait-for-SIPI state the INIT puts an AP in */
	u8 sipi = c->sipi_pending, vec = c->sipi_vector;
	reset_common(c);
	c->sipi_pending = sipi;
	c->sipi_vector = vec;
	smm_init_signal(c);
}

/* SDM Vol.3A "Physical Address Space" / CPUID "Linear/Physical Address
 * size" (leaf 0x80000008 EAX[7:0]): cpu/model.c builds that leaf from
 * phys_addr_bits, so the model field is the one source. A CPU without a
 * model (some unit tests) gets 40, QEMU's TCG default, as every model
 * does unless -cpu ...,phys-bits= says otherwise. */
unsigned cpu_maxphyaddr(const struct cpu *c)
{
	return c->model && c->model->phys_addr_bits ? c->model->phys_addr_bits : 40;
}

/* SDM Vol.3B "Time-Stamp Counter": the machine's virtual TSC (1 GHz of
 * virtual time) plus this processor's offset, which WRMSR to IA32_TSC and
 * IA32_TSC_ADJUST move (cpu/system/msr.c). VMX/SVM TSC offsetting and scaling
 * belong here too. */
u64 cpu_tsc(struct cpu *c)
{
	return (c->machine ? clock_tsc(c->machine) : 0) + c->msr.tsc_offset;
}

/* SDM Vol.3A "Local APIC Status and Location": IA32_APIC_BASE lives in the
 * local APIC (dev/lapic.c), the one copy. A CPU without a local APIC (unit
 * tests that build one by hand) reads its power-up value: enabled at
 * 0xfee00000, vCPU 0 the bootstrap processor. */
u64 cpu_apic_base(struct cpu *c)
{
	u64 v;

	if (c->apic_ops && c->apic_ops->msr_read && !c->apic_ops->msr_read(c, MSR_APIC_BASE, &v))
		return v;
	return 0xfee00000ull | BIT(11) | (c->index == 0 ? BIT(8) : 0);
}

/* SDM Vol.3A "IA-32e Mode Operation" / "Real-Address Mode Operation":
 * the operating mode follows CR0.PE, RFLAGS.VM, EFER.LMA and CS.L/CS.D. */
static void update_mode_cpl(struct cpu *c)
{
	const struct seg_cache *cs = &c->seg[SEG_CS];
	if (!(c->cr0 & CR0_PE)) {
		c->mode = MODE_REAL;
		c->cpl = 0;
		return;
	}
	if (c->rflags & RFLAGS_VM) {
		c->mode = MODE_VM86;
		c->cpl = 3;
		return;
	}
	/* CPL is tracked as SS.DPL, which the architecture keeps equal to CPL
	 * (SDM Vol.3A "Privilege Levels"); unlike CS.RPL it stays right across
	 * the real->protected switch before CS is reloaded. So every CS/SS load
	 * that changes privilege must set SS.DPL (SYSRET/SYSEXIT/IRET/far RET). */
	c->cpl = (u8)AR_DPL(c->seg[SEG_SS].ar);
	if (c->efer & EFER_LMA) {
		if (cs->ar & AR_L)
			c->mode = MODE_LONG64;
		else
			c->mode = (cs->ar & AR_DB) ? MODE_COMPAT32 : MODE_COMPAT16;
	} else {
		c->mode = (cs->ar & AR_DB) ? MODE_PROT32 : MODE_PROT16;
	}
}

void cpu_update_mode(struct cpu *c)
{
	unsigned old = c->mode;
	update_mode_cpl(c);
	if (unlikely(c->cpl != c->pmu.cpl))
		pmu_cpl_changed(c); /* counters that count in one ring only */
	if (LOG_ON(cpu) && c->mode != old)
		debug_log_mode(c, old);
	cpu_update_fetch_key(c);
}
