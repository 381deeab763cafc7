/* vmx/events.c: the non-root events that are not instructions (SDM Vol.3C
 * "VMX Non-Root Operation"): the monitor trap flag, the VMX-preemption
 * timer, virtual NMIs and NMI-window exiting; and their part of VM entry
 * and VM exit. The step loop (cpu/step.c) and the boundary (cpu/event.c)
 * call in here; each call says where in the SDM's order it stands.
 *
 * Priority at an instruction boundary in non-root operation (SDM "Event
 * Priority" and the sections each item cites):
 *   SMI, INIT > pending MTF VM exit > debug traps (#DB) > VMX-preemption
 *   timer > NMI-window exiting > NMI > interrupt-window exiting > INTR.
 * ("Monitor Trap Flag": "System-management interrupts (SMIs), INIT
 * signals, and higher priority events take priority over MTF VM exits.
 * MTF VM exits take priority over debug-trap exceptions and lower priority
 * events." "VMX-Preemption Timer": "Debug-trap exceptions and higher
 * priority events take priority over VM exits caused by the
 * VMX-preemption timer. VM exits caused by the VMX-preemption timer take
 * priority over VM exits caused by the 'NMI-window exiting' VM-execution
 * control and lower priority events." "NMI-Window Exiting": "VM exits
 * caused by this control take priority over non-maskable interrupts
 * (NMIs) and lower priority events.") */
#include "cpu/arch.h"
#include "cpu/event.h"
#include "cpu/step.h"
#include "machine/clock.h"
#include "machine/machine.h"
#include "vmx/vmx_internal.h"

static void iret_unblock_info(struct cpu *c);

static unsigned timer_rate(const struct cpu *c)
{
	/* IA32_VMX_MISC bits 4:0: "the VMX-preemption timer counts down by 1
	 * every time bit X in the TSC changes due to a TSC increment" */
	return (unsigned)(vmx_msr_misc(&c->model->vmx) & 0x1f);
}

/* the timer reached 0 while the CPU was elsewhere (a turn of another vCPU,
 * or an idle skip while L2 halts): the next boundary exits */
static void timer_fired(void *opaque)
{
	struct cpu *c = opaque;

	c->vmx.timer_expired = 1;
	cpu_stop(c);
}

void vmx_events_reset(struct cpu *c)
{
	if (c->vmx.timer.armed && c->machine)
		timer_del(c->machine, &c->vmx.timer);
	timer_init(&c->vmx.timer, timer_fired, c);
}

static bool timer_due(struct cpu *c)
{
	if (c->vmx.timer_expired)
		return true;
	if (!c->vmx.timer.armed)
		return false;
	if (clock_tsc(c->machine) < c->vmx.timer_deadline_tsc)
		return false;
	c->vmx.timer_expired = 1;
	return true;
}

/* SDM "VMX-Preemption Timer" (VM entries): "If the 'activate
 * VMX-preemption timer' VM-execution control is 1, VM entry starts the
 * VMX-preemption timer with the unsigned value in the VMX-preemption
 * timer-value field." The deadline is where bit X of the TSC has changed
 * `value` times; a value of 0 makes the exit due before the first
 * instruction ("a VM exit occurs before execution of any instruction
 * following VM entry ... with its normal priority after any event
 * injection"). Virtual time (machine/clock.c): deterministic. */
static void timer_start(struct cpu *c)
{
	u64 v = (u32)vmcs_get(c, VMCS_VMX_PREEMPTION_TIMER_VALUE);
	unsigned x = timer_rate(c);
	u64 now = clock_tsc(c->machine);

	c->vmx.timer_expired = v == 0;
	c->vmx.timer_deadline_tsc = ((now >> x) + v) << x;
	if (v)
		timer_mod(c->machine, &c->vmx.timer,
			  clock_tsc_to_ns(c->machine, c->vmx.timer_deadline_tsc));
}

/* what is left of the timer at a VM exit (0 once expired) */
static u32 timer_left(struct cpu *c)
{
	unsigned x = timer_rate(c);
	u64 now = clock_tsc(c->machine) >> x, end = c->vmx.timer_deadline_tsc >> x;

	if (c->vmx.timer_expired || now >= end)
		return 0;
	return (u32)(end - now);
}

/* VM entry, after loading guest state and before event injection
 * (vmx/entry.c); `ii` is the VM-entry interruption-information field */
void vmx_events_entry(struct cpu *c, u32 ii)
{
	u32 pin = vmx_pin(c);
	bool inject = (ii & INTR_INFO_VALID) != 0;
	unsigned type = INTR_INFO_TYPE(ii);

	/* "Interruptibility State" (VM entries): with "virtual NMIs", bit 3
	 * is virtual-NMI blocking and "NMIs are not blocked in VMX non-root
	 * operation"; injecting an NMI blocks virtual NMIs ("Vectored-Event
	 * Injection": "If the 'virtual NMIs' VM-execution control is 1,
	 * virtual-NMI blocking is in effect") -- without it, blocking by NMI */
	if (pin & PIN_VIRTUAL_NMIS) {
		c->vmx.vnmi_blocked = c->nmi_blocked;
		c->nmi_blocked = 0;
	} else {
		c->vmx.vnmi_blocked = 0;
	}
	if (inject && type == EV_NMI) {
		if (pin & PIN_VIRTUAL_NMIS)
			c->vmx.vnmi_blocked = 1;
		else
			c->nmi_blocked = 1;
	}
	/* "Monitor Trap Flag": an MTF VM exit is pending before the first
	 * instruction when VM entry injects a vectored event with the control
	 * 1, or injects a pending MTF VM exit (type 7, "other event") "even if
	 * the 'monitor trap flag' VM-execution control is 0" ("Injection of
	 * Pending MTF VM Exits") */
	c->vmx.mtf_pending = inject && (type == INTR_TYPE_OTHER || vmx_mtf_on(c));
	c->vmx.timer_expired = 0;
	if (pin & PIN_PREEMPTION_TIMER)
		timer_start(c);
}

/* VM exit, after "Saving Guest State" (vmx/exit.c) */
void vmx_events_exit(struct cpu *c)
{
	/* "Saving Non-Register State": with "virtual NMIs", bit 3 of the
	 * interruptibility state is virtual-NMI blocking */
	if (vmx_pin(c) & PIN_VIRTUAL_NMIS) {
		u64 intr = vmcs_get(c, VMCS_GUEST_INTERRUPTIBILITY_INFO) & ~(u64)GUEST_INTR_STATE_NMI;
		vmcs_set(c, VMCS_GUEST_INTERRUPTIBILITY_INFO,
			 intr | (c->vmx.vnmi_blocked ? GUEST_INTR_STATE_NMI : 0));
	}
	/* "Saving VMX-Preemption Timer Value": "If the 'save VMX-preemption
	 * timer value' VM-exit control is 1, the value of timer is saved into
	 * the VMX-preemption timer-value field." */
	if ((vmx_pin(c) & PIN_PREEMPTION_TIMER) && (vmx_exit_ctls(c) & EXIT_SAVE_PREEMPTION_TIMER))
		vmcs_set(c, VMCS_VMX_PREEMPTION_TIMER_VALUE, timer_left(c));
	iret_unblock_info(c);
	c->vmx.iret_unblock_icount = 0;
	if (c->vmx.timer.armed)
		timer_del(c->machine, &c->vmx.timer);
	c->vmx.timer_expired = 0;
	c->vmx.mtf_pending = 0;
	c->vmx.vnmi_blocked = 0;
}

/* --- the step loop --- */

/* "Monitor Trap Flag": after an instruction L2 completed (or one iteration
 * of a REP string instruction, cpu/exec/exec_string.c), or after the
 * delivery of an event or fault (and any nested exception), an MTF VM exit
 * is pending on the next instruction boundary. An instruction that causes
 * a VM exit never gets here. */
void vmx_mtf_step(struct cpu *c)
{
	if (vmx_mtf_on(c))
		c->vmx.mtf_pending = 1;
}

/* SDM "NMI-Window Exiting": "If the 'virtual NMIs' VM-execution control is
 * 1 and the 'NMI-window exiting' VM-execution control is 1, a VM exit
 * occurs before execution of any instruction if there is no virtual-NMI
 * blocking and there is no blocking of events by MOV-SS" ("A logical
 * processor may also prevent such a VM exit if there is blocking of events
 * by STI": nestbox does not). "These VM exits wake a logical processor from
 * the same inactive states as would an NMI": HLT here; XXX(sdm): shutdown
 * too, which nestbox's step loop does not look at (docs/known-gaps.md). */
static bool nmi_window_open(const struct cpu *c)
{
	return (vmx_proc(c) & PROC_NMI_WINDOW_EXITING) && !c->vmx.vnmi_blocked &&
	       !(c->shadow & SHADOW_MOVSS) && (c->activity == ACT_ACTIVE || c->activity == ACT_HLT);
}

/* the VMX-preemption timer exits from the active and HLT states (it counts
 * in C0-C2: "If the timer counts down to zero in C1 or C2, the logical
 * processor transitions to the C0 C-state and causes a VM exit") */
static bool timer_exits(struct cpu *c)
{
	return (vmx_pin(c) & PIN_PREEMPTION_TIMER) &&
	       (c->activity == ACT_ACTIVE || c->activity == ACT_HLT) && timer_due(c);
}

bool vmx_events_ready(struct cpu *c)
{
	return c->vmx.mtf_pending || timer_exits(c) || nmi_window_open(c);
}

/* the pending MTF VM exit, at its place in the order (before debug traps) */
void vmx_mtf_exit_if_pending(struct cpu *c)
{
	if (c->vmx.mtf_pending && c->activity != ACT_SHUTDOWN && c->activity != ACT_WAIT_SIPI) {
		c->vmx.mtf_pending = 0;
		vmx_exit(c, EXIT_REASON_MONITOR_TRAP_FLAG, NULL);
	}
}

/* the timer and the NMI window, after debug traps and before NMIs */
void vmx_timer_nmi_window_exits(struct cpu *c)
{
	if (timer_exits(c))
		vmx_exit(c, EXIT_REASON_PREEMPTION_TIMER, NULL);
	if (nmi_window_open(c)) {
		c->activity = ACT_ACTIVE;
		vmx_exit(c, EXIT_REASON_NMI_WINDOW, NULL);
	}
}

/* SDM "Changes to Instruction Behavior in VMX Non-Root Operation", IRET:
 * "If the 'NMI exiting' VM-execution control is 0, IRET operates normally
 * and unblocks NMIs. If the 'NMI exiting' VM-execution control is 1, IRET
 * does not affect blocking of NMIs. If, in addition, the 'virtual NMIs'
 * VM-execution control is 1, the logical processor tracks virtual-NMI
 * blocking. In this case, IRET removes any virtual-NMI blocking." */
void vmx_iret(struct cpu *c)
{
	u32 pin = vmx_pin(c);
	bool unblocked = false;

	if (!(pin & PIN_NMI_EXITING)) {
		unblocked = c->nmi_blocked;
		c->nmi_blocked = 0;
	} else if (pin & PIN_VIRTUAL_NMIS) {
		unblocked = c->vmx.vnmi_blocked;
		c->vmx.vnmi_blocked = 0;
	}
	/* (done before IRET's own checks: it unblocks even if it faults) */
	c->vmx.iret_unblock_icount = unblocked ? c->icount + 1 : 0;
}

/* SDM "Information About NMI Unblocking Due to IRET": an exit caused by a
 * fault or an EPT violation of an IRET that removed blocking by NMI ("NMI
 * exiting" 0) or virtual-NMI blocking ("virtual NMIs" 1) says so in bit
 * 12 -- of the VM-exit interruption information for a fault ("Information
 * for VM Exits Due to Vectored Events"; undefined for #DF, left 0 here),
 * of the exit qualification for an EPT violation or a full page-
 * modification log ("Exit Qualification for EPT Violations"; undefined
 * during event delivery, left 0) */
static void iret_unblock_info(struct cpu *c)
{
	u32 reason = (u32)vmcs_get(c, VMCS_EXIT_REASON);
	u32 ii = (u32)vmcs_get(c, VMCS_EXIT_INTR_INFO);

	if (c->vmx.iret_unblock_icount != c->icount + 1 || c->in_event)
		return;
	if (reason == EXIT_REASON_EPT_VIOLATION || reason == EXIT_REASON_PML_FULL) {
		vmcs_set(c, VMCS_EXIT_QUALIFICATION, vmcs_get(c, VMCS_EXIT_QUALIFICATION) | BIT(12));
		return;
	}
	if (reason != EXIT_REASON_EXCEPTION_NMI || !(ii & INTR_INFO_VALID) ||
	    INTR_INFO_TYPE(ii) != EV_HW_EXC || INTR_INFO_VECTOR(ii) == VEC_DF)
		return;
	vmcs_set(c, VMCS_EXIT_INTR_INFO, ii | INTR_INFO_NMI_UNBLOCK);
}
