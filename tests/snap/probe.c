/* tests/snap/probe.c: find instruction counts at which a snapshot is
 * interesting, for tests/snap/property.sh. Takes nestbox's command line,
 * boots the machine the same way, and runs it one instruction at a time
 * (machine_run with pause_at one further each time: the same path a
 * snapshot takes), printing "point NAME N" for the first machine-wide
 * instruction count N at which each condition holds:
 *   sti-shadow, movss-shadow   some vCPU is in an STI / MOV SS shadow
 *   rep-middle                 some vCPU is between two chunks of a REP
 *                              string instruction
 *   irq-pending                some local APIC has a vector in IRR
 *   in-handler                 some local APIC has a vector in ISR
 *   timer-next                 a timer fires after the next instruction
 *   smm                        some vCPU is in SMM
 *   wait-sipi                  an AP waits for a SIPI after the BSP ran a while
 *   vmentry-committed          VMX: right after VMLAUNCH/VMRESUME, before L2's
 *                              first instruction
 *   in-l2                      VMX: L2 has run a few instructions
 *   l1-between-exits           VMX: L1 runs after an exit, its VMCS launched
 *   mtf-pending                VMX: an MTF VM exit is pending
 *   vmx-timer-armed            VMX: L2 runs a few instructions into an
 *                              armed VMX-preemption timer
 *   vmx-timer-expired          VMX: the preemption timer expired, its exit
 *                              not yet taken
 *   vnmi-blocked               VMX: L2 runs with virtual-NMI blocking
 *   gif-held                   SVM: GIF = 0 holds an interrupt pending in IRR
 * (vmentry-committed, in-l2 and l1-between-exits count SVM's guest mode
 * and VMRUN/#VMEXIT too)
 * Stops at the end of the run, when all were found, or after PROBE_LIMIT
 * instructions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "dev/lapic.h"
#include "machine/config.h"
#include "machine/machine.h"

#define PROBE_LIMIT 4000000ull

enum { P_STI, P_MOVSS, P_REP, P_IRR, P_ISR, P_TIMER, P_SMM, P_SIPI, P_ENTRY, P_L2, P_L1,
       P_MTF, P_VTIMER, P_VTIMER_EXP, P_VNMI, P_GIF, P_NR };
static const char *const names[P_NR] = {
	"sti-shadow", "movss-shadow", "rep-middle", "irq-pending", "in-handler",
	"timer-next", "smm", "wait-sipi", "vmentry-committed", "in-l2", "l1-between-exits",
	"mtf-pending", "vmx-timer-armed", "vmx-timer-expired", "vnmi-blocked", "gif-held",
};

static bool apic_any(const struct lapic *a, u32 base)
{
	for (u32 k = 0; k < 8; k++)
		if (lapic_peek(a, base + 0x10 * k))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct machine_config cfg;
	struct config_extra ex;
	static struct machine m;
	u64 found[P_NR];
	u64 prev_rip[MACHINE_MAX_CPUS], prev_rcx[MACHINE_MAX_CPUS];
	int left = P_NR;

	if (config_parse_ex(&cfg, &ex, argc, argv) != CONFIG_RUN || !cfg.kernel)
		return 1;
	if (machine_init(&m, &cfg) < 0 || machine_load(&m) < 0)
		return 1;
	for (int i = 0; i < P_NR; i++)
		found[i] = UINT64_MAX;
	u64 l2_steps[MACHINE_MAX_CPUS] = { 0 };
	for (int i = 0; i < m.nr_cpus; i++)
		prev_rip[i] = prev_rcx[i] = UINT64_MAX;
	while (m.end == RUN_GOING && left > 0) {
		u64 now = machine_icount(&m);
		if (now >= PROBE_LIMIT)
			break;
		bool hit[P_NR] = { false };
		for (int i = 0; i < m.nr_cpus; i++) {
			const struct cpu *c = m.cpus[i];
			hit[P_STI] |= (c->shadow & SHADOW_STI) != 0;
			hit[P_MOVSS] |= (c->shadow & SHADOW_MOVSS) != 0;
			hit[P_REP] |= c->activity == ACT_ACTIVE && c->rip == prev_rip[i] &&
				      c->gpr[RCX] < prev_rcx[i] && c->gpr[RCX] != 0;
			hit[P_SMM] |= c->smm.in_smm != 0;
			hit[P_SIPI] |= i > 0 && c->activity == ACT_WAIT_SIPI && now > 10000;
			l2_steps[i] = c->vmx.nonroot || c->svm.guest ? l2_steps[i] + 1 : 0;
			hit[P_ENTRY] |= l2_steps[i] == 1;
			hit[P_L2] |= l2_steps[i] == 2;
			hit[P_L1] |= c->vmx.on && !c->vmx.nonroot && c->vmx.launched;
			hit[P_L1] |= !c->svm.guest && c->svm.vmcb_pa != 0;
			hit[P_MTF] |= c->vmx.mtf_pending != 0;
			hit[P_VTIMER] |= c->vmx.timer.armed && l2_steps[i] == 3;
			hit[P_VTIMER_EXP] |= c->vmx.timer_expired != 0;
			hit[P_VNMI] |= c->vmx.vnmi_blocked && l2_steps[i] > 2;
			if (c->apic) {
				hit[P_IRR] |= apic_any(c->apic, 0x200);
				hit[P_ISR] |= apic_any(c->apic, 0x100);
				hit[P_GIF] |= !c->svm.gif && apic_any(c->apic, 0x200);
			}
			prev_rip[i] = c->rip;
			prev_rcx[i] = c->gpr[RCX];
		}
		u64 next = clock_next_deadline(&m), ns = clock_ns(&m);
		hit[P_TIMER] = next != UINT64_MAX && next > ns &&
			       next - ns <= (1ull << m.clock.ns_per_insn_shift);
		for (int k = 0; k < P_NR; k++) {
			if (hit[k] && found[k] == UINT64_MAX) {
				found[k] = now;
				left--;
				printf("point %s %llu\n", names[k], (unsigned long long)now);
			}
		}
		m.pause_at = now + 1;
		machine_run(&m);
		if (!m.paused && m.end == RUN_GOING)
			break;
	}
	machine_free(&m);
	return 0;
}
