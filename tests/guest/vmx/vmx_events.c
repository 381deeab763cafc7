/* tests/guest/vmx/vmx_events.c: the VM exits that are not caused by an
 * instruction, under a bare-metal 64-bit L1 running a 64-bit L2 (VMX
 * library, vmx.h):
 *  1. the monitor trap flag (SDM Vol.3C "Monitor Trap Flag"): an MTF VM
 *     exit (37) after each L2 instruction, after each iteration of a REP
 *     string instruction, after the delivery of a fault, after an injected
 *     event's delivery, and a pending MTF VM exit injected with the control
 *     0 ("Injection of Pending MTF VM Exits");
 *  2. the VMX-preemption timer ("VMX-Preemption Timer"): a value of 0 exits
 *     (52) before the first instruction, the timer counts at the
 *     IA32_VMX_MISC[4:0] rate relative to the TSC, its value is saved on exit
 *     with "save VMX-preemption timer value" (and not without it), and it
 *     wakes L2 from HLT;
 *  3. virtual NMIs and NMI-window exiting ("NMI-Window Exiting"): an exit
 *     (8) before the first instruction when nothing blocks virtual NMIs, an
 *     injected NMI blocks them (interruptibility bit 3 saved by an exit in
 *     the handler) until the handler's IRET, and then the window exits;
 *  4. interrupt-window exiting: an exit (7) before the first instruction
 *     with RFLAGS.IF = 1 outside STI's shadow;
 *  5. the VM-entry checks that go with them ("Checks on VM-Execution Control
 *     Fields", "Checks on VM-Exit Control Fields", "Checks on VM-Entry
 *     Control Fields", "Checks on Guest Non-Register State").
 * For each exit L1 checks the reason, qualification, instruction length,
 * interruption and IDT-vectoring information where they apply, and the
 * guest RIP. Without CPUID.1:ECX.VMX it prints one SKIP line and passes.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vmx.h"

#define EXIT_REASON_NMI_WINDOW        8
#define EXIT_REASON_MONITOR_TRAP_FLAG 37
#define INTR_TYPE_OTHER_EVENT         7
#define INTR_STATE_STI                BIT(0)
#define INTR_STATE_NMI                BIT(3)

/* L2 code: global labels name the instructions L1 expects exits at */
extern u8 mtf_2[], mtf_3[], mtf_4[], mtf_5[], mtf_6[], mtf_end[];
extern u8 tm_hlt[], tm_spin[], tm_spin_end[];
extern u8 nw_1[], iw_1[];

static volatile u8 l2_buf[8];
static volatile int ud_count, db_count, nmi_count;

/* VMCALL with RAX = cmd: L1 acts on the command */
#define L2_CALL(cmd) "mov $" #cmd ", %%eax\n\tvmcall\n\t"

static __attribute__((noinline)) u64 l2_mtf(u64 arg)
{
	u64 rbx = 40;
	volatile u8 *buf = l2_buf;

	asm volatile(L2_CALL(1)
		     "nop\n\t"
		     ".globl mtf_2\nmtf_2:\tinc %%rbx\n\t"
		     ".globl mtf_3\nmtf_3:\tmov $3, %%ecx\n\t"
		     ".globl mtf_4\nmtf_4:\trep stosb\n\t"
		     ".globl mtf_5\nmtf_5:\tud2\n\t"
		     ".globl mtf_6\nmtf_6:\t" L2_CALL(2)
		     ".globl mtf_end\nmtf_end:\tnop\n\t"
		     : "+b"(rbx), "+D"(buf) : : "rax", "rcx", "rdx", "memory");
	return rbx;
}

static __attribute__((noinline)) u64 l2_timer(u64 arg)
{
	asm volatile(L2_CALL(1)
		     ".globl tm_hlt\ntm_hlt:\thlt\n\t"
		     L2_CALL(2)
		     ".globl tm_spin\ntm_spin:\tinc %%rbx\n\t"
		     "jmp tm_spin\n\t"
		     ".globl tm_spin_end\ntm_spin_end:\n\t"
		     : : : "rax", "rbx", "rcx", "rdx", "memory");
	return 0;
}

static __attribute__((noinline)) u64 l2_nmi(u64 arg)
{
	asm volatile(L2_CALL(1)
		     ".globl nw_1\nnw_1:\tnop\n\t"
		     L2_CALL(2)
		     : : : "rax", "rbx", "rcx", "rdx", "memory");
	return nmi_count;
}

static __attribute__((noinline)) u64 l2_intr_window(u64 arg)
{
	asm volatile("sti\n\tnop\n\t"
		     ".globl iw_1\niw_1:\tcli\n\t"
		     : : : "memory");
	return 7;
}

/* handlers (they run in L2: L2 shares L1's IDT) */
static void skip_ud(struct ex_regs *r)
{
	ud_count++;
	r->rip += 2;
}

static void count_db(struct ex_regs *r) { db_count++; }

static void nmi_handler(struct ex_regs *r)
{
	nmi_count++;
	/* an exit while the virtual NMI is blocked */
	asm volatile(L2_CALL(3) : : : "rax", "rbx", "rcx", "rdx", "memory");
}

/* where IDT vector v sends execution (the library's stub for v) */
static u64 gate_target(unsigned v)
{
	struct desc_ptr idtr;
	const struct idt_entry *e;

	sidt(&idtr);
	e = (const struct idt_entry *)idtr.base + v;
	return e->offset0 | (u64)e->offset1 << 16 | (u64)e->offset2 << 32;
}

static bool ok_entry(int r, const char *what)
{
	if (r != VMX_OK || vmx_entry_failed()) {
		report(false, "%s: %s, exit reason %#x", what, vmx_result_str(r),
		       r == VMX_OK ? vmx_exit_reason() : 0);
		return false;
	}
	return true;
}

static bool expect_exit(const char *what, u32 reason, u64 rip)
{
	u32 got = vmx_exit_reason();
	u64 at = vmx_guest_rip();

	report(got == reason && at == rip, "%s: exit reason %u at RIP %#llx (want %u at %#llx)", what,
	       got, at, reason, rip);
	return got == reason;
}

/* an MTF exit: reason 37, qualification 0, no instruction length, no
 * interruption or IDT-vectoring information */
static bool expect_mtf(const char *what, u64 rip)
{
	bool ok = expect_exit(what, EXIT_REASON_MONITOR_TRAP_FLAG, rip);

	report(vmx_exit_qual() == 0 && vmx_exit_insn_len() == 0 && vmx_exit_intr_info() == 0 &&
		       vmcs_get(IDT_VECTORING_INFO) == 0,
	       "%s: qualification %#llx, length %u, interruption %#x, IDT vectoring %#llx all 0",
	       what, vmx_exit_qual(), vmx_exit_insn_len(), vmx_exit_intr_info(),
	       vmcs_get(IDT_VECTORING_INFO));
	return ok;
}

static void set_proc(u32 bit, bool on)
{
	u32 p = (u32)vmcs_get(CPU_BASED_VM_EXEC_CONTROL);
	vmcs_set(CPU_BASED_VM_EXEC_CONTROL, on ? p | bit : p & ~bit);
}

/* 1. the monitor trap flag */
static void test_mtf(void)
{
	struct vmx_vmcs_cfg cfg = { 0 };

	if (!vmx_ctl_allowed1(vmx_proc_msr(), PROC_MONITOR_TRAP_FLAG)) {
		report_skip("monitor trap flag not allowed");
		return;
	}
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, l2_mtf, 0))
		return;
	handle_exception_vector(UD_VECTOR, skip_ud);
	handle_exception_vector(DB_VECTOR, count_db);
	if (!ok_entry(vmx_launch(), "VMLAUNCH") || !expect_exit("MTF off: VMCALL", EXIT_REASON_VMCALL,
							       (u64)mtf_2 - 4))
		return;
	set_proc(PROC_MONITOR_TRAP_FLAG, true);
	/* one exit after each instruction (none before the first: the entry
	 * injects nothing), RIP at the next one */
	u64 rbx = vmx_guest_regs.rbx;
	if (!ok_entry(vmx_skip_and_resume(), "resume with MTF") || !expect_mtf("after NOP", (u64)mtf_2))
		return;
	if (!ok_entry(vmx_resume(), "resume") || !expect_mtf("after INC RBX", (u64)mtf_3))
		return;
	report(vmx_guest_regs.rbx == rbx + 1, "INC RBX ran once: RBX %llu (was %llu)",
	       vmx_guest_regs.rbx, rbx);
	if (!ok_entry(vmx_resume(), "resume") || !expect_mtf("after MOV ECX, 3", (u64)mtf_4))
		return;
	/* "If the first iteration of the instruction does not cause a fault,
	 * an MTF VM exit is pending on the instruction boundary after that
	 * iteration": RIP stays at REP STOSB until RCX reaches 0 */
	for (int k = 0; k < 3; k++) {
		u64 left = 2 - (u64)k, want = left ? (u64)mtf_4 : (u64)mtf_5;
		if (!ok_entry(vmx_resume(), "resume") || !expect_mtf("after one REP STOSB iteration", want))
			return;
		report(vmx_guest_regs.rcx == left, "REP STOSB: RCX %llu (want %llu)", vmx_guest_regs.rcx,
		       left);
	}
	/* UD2 faults: the exit follows the delivery of #UD, at the handler */
	if (!ok_entry(vmx_resume(), "resume") ||
	    !expect_mtf("after UD2's #UD is delivered", gate_target(UD_VECTOR)))
		return;
	report(ud_count == 0, "the #UD handler has not run yet (%d)", ud_count);
	set_proc(PROC_MONITOR_TRAP_FLAG, false);
	if (!ok_entry(vmx_resume(), "resume without MTF") ||
	    !expect_exit("MTF off: VMCALL 2", EXIT_REASON_VMCALL, (u64)mtf_end - 3))
		return;
	report(ud_count == 1 && l2_buf[0] == 1 && l2_buf[2] == 1 && l2_buf[3] == 0,
	       "L2's #UD handler ran (%d), REP STOSB stored 3 bytes", ud_count);
	/* "Injection of Pending MTF VM Exits": type 7, vector 0, with the
	 * control 0: the exit comes before the first instruction */
	vmcs_set(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_OTHER_EVENT << 8);
	if (!ok_entry(vmx_skip_and_resume(), "resume injecting a pending MTF exit") ||
	    !expect_mtf("pending MTF VM exit injected", (u64)mtf_end))
		return;
	report(!(vmcs_get(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID),
	       "VM entry cleared the valid bit of the injected event");
	/* an injected #DB with MTF: the exit follows its delivery */
	set_proc(PROC_MONITOR_TRAP_FLAG, true);
	vmcs_set(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION << 8 | DB_VECTOR);
	if (!ok_entry(vmx_resume(), "resume injecting #DB") ||
	    !expect_mtf("after the injected #DB is delivered", gate_target(DB_VECTOR)))
		return;
	set_proc(PROC_MONITOR_TRAP_FLAG, false);
	if (!ok_entry(vmx_resume(), "resume"))
		return;
	report(vmx_l2_finished() && db_count == 1 && vmx_guest_regs.rax == rbx + 1,
	       "L2 finished after its #DB handler ran (%d), RAX %llu", db_count, vmx_guest_regs.rax);
	handle_exception_vector(UD_VECTOR, NULL);
	handle_exception_vector(DB_VECTOR, NULL);
}

/* 2. the VMX-preemption timer */
static void test_timer(void)
{
	struct vmx_vmcs_cfg cfg = { .pin = PIN_PREEMPTION_TIMER, .exit = EXIT_SAVE_PREEMPTION_TIMER };
	unsigned rate = vmx_caps.misc & 0x1f;
	u64 v, t0, t1;

	if (!vmx_ctl_allowed1(vmx_pin_msr(), PIN_PREEMPTION_TIMER) ||
	    !vmx_ctl_allowed1(vmx_exit_msr(), EXIT_SAVE_PREEMPTION_TIMER)) {
		report_skip("VMX-preemption timer not allowed");
		return;
	}
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, l2_timer, 0))
		return;
	/* "If ... the value in the VMX-preemption timer-value field is zero,
	 * a VM exit occurs before execution of any instruction" */
	vmcs_set(VMX_PREEMPTION_TIMER_VALUE, 0);
	if (!ok_entry(vmx_launch(), "VMLAUNCH with timer value 0") ||
	    !expect_exit("timer value 0", EXIT_REASON_PREEMPTION_TIMER, (u64)vmx_l2_entry))
		return;
	report(vmx_exit_qual() == 0 && vmx_exit_insn_len() == 0 && vmx_exit_intr_info() == 0,
	       "timer exit: qualification, length and interruption information 0");
	report(vmcs_get(VMX_PREEMPTION_TIMER_VALUE) == 0, "timer value saved: %llu",
	       vmcs_get(VMX_PREEMPTION_TIMER_VALUE));
	/* an exit before the timer expires saves what is left */
	vmcs_set(VMX_PREEMPTION_TIMER_VALUE, 100000);
	if (!ok_entry(vmx_resume(), "resume") ||
	    !expect_exit("VMCALL before expiry", EXIT_REASON_VMCALL, (u64)tm_hlt - 3))
		return;
	v = vmcs_get(VMX_PREEMPTION_TIMER_VALUE);
	report(v <= 100000 && v > 99000, "timer value saved at the VMCALL exit: %llu (of 100000)", v);
	/* the timer wakes L2 from HLT (IF = 0): the activity state saved is HLT */
	vmcs_set(VMX_PREEMPTION_TIMER_VALUE, 50);
	if (!ok_entry(vmx_skip_and_resume(), "resume into HLT") ||
	    !expect_exit("timer expires in HLT", EXIT_REASON_PREEMPTION_TIMER, (u64)tm_hlt + 1))
		return;
	report(vmcs_get(GUEST_ACTIVITY_STATE) == ACTIVITY_HLT, "activity state saved: %llu (HLT)",
	       vmcs_get(GUEST_ACTIVITY_STATE));
	vmcs_set(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_set(VMX_PREEMPTION_TIMER_VALUE, 100000);
	if (!ok_entry(vmx_resume(), "resume") ||
	    !expect_exit("VMCALL 2", EXIT_REASON_VMCALL, (u64)tm_spin - 3))
		return;
	/* the rate: one count every 2^X TSC ticks (IA32_VMX_MISC[4:0] = X) */
	vmcs_set(VMX_PREEMPTION_TIMER_VALUE, 200);
	t0 = rdtsc();
	if (!ok_entry(vmx_skip_and_resume(), "resume to spin"))
		return;
	t1 = rdtsc();
	u64 rip = vmx_guest_rip();
	report(vmx_exit_reason() == EXIT_REASON_PREEMPTION_TIMER && rip >= (u64)tm_spin &&
		       rip < (u64)tm_spin_end,
	       "timer 200 expires in L2's loop: reason %u, RIP %#llx", vmx_exit_reason(), rip);
	report(t1 - t0 >= (199ull << rate), "%llu TSC ticks passed (at least 199 << %u)", t1 - t0,
	       rate);
	report(vmx_guest_regs.rbx > 0, "L2 ran its loop %llu times", vmx_guest_regs.rbx);
	report(vmcs_get(VMX_PREEMPTION_TIMER_VALUE) == 0, "timer value saved: %llu",
	       vmcs_get(VMX_PREEMPTION_TIMER_VALUE));
	/* without "save VMX-preemption timer value" the field keeps its value */
	vmcs_set(VM_EXIT_CONTROLS, vmcs_get(VM_EXIT_CONTROLS) & ~(u64)EXIT_SAVE_PREEMPTION_TIMER);
	vmcs_set(VMX_PREEMPTION_TIMER_VALUE, 5);
	if (!ok_entry(vmx_resume(), "resume without saving"))
		return;
	report(vmx_exit_reason() == EXIT_REASON_PREEMPTION_TIMER &&
		       vmcs_get(VMX_PREEMPTION_TIMER_VALUE) == 5,
	       "timer 5 expires (reason %u); the field is not saved: %llu", vmx_exit_reason(),
	       vmcs_get(VMX_PREEMPTION_TIMER_VALUE));
}

/* 3. virtual NMIs and NMI-window exiting */
static void test_nmi_window(void)
{
	struct vmx_vmcs_cfg cfg = { .pin = PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
				    .proc = PROC_NMI_WINDOW_EXITING };

	if (!vmx_ctl_allowed1(vmx_pin_msr(), PIN_VIRTUAL_NMIS) ||
	    !vmx_ctl_allowed1(vmx_proc_msr(), PROC_NMI_WINDOW_EXITING)) {
		report_skip("virtual NMIs or NMI-window exiting not allowed");
		return;
	}
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, l2_nmi, 0))
		return;
	handle_exception_vector(NMI_VECTOR, nmi_handler);
	/* no virtual-NMI blocking: the window is open before the first
	 * instruction */
	if (!ok_entry(vmx_launch(), "VMLAUNCH") ||
	    !expect_exit("NMI window open at entry", EXIT_REASON_NMI_WINDOW, (u64)vmx_l2_entry))
		return;
	report(vmx_exit_qual() == 0 && vmx_exit_insn_len() == 0 && vmx_exit_intr_info() == 0,
	       "NMI-window exit: qualification, length and interruption information 0");
	set_proc(PROC_NMI_WINDOW_EXITING, false);
	if (!ok_entry(vmx_resume(), "resume") ||
	    !expect_exit("VMCALL 1", EXIT_REASON_VMCALL, (u64)nw_1 - 3))
		return;
	/* inject a virtual NMI with the window control set: the NMI blocks
	 * virtual NMIs, so the window stays shut while its handler runs */
	set_proc(PROC_NMI_WINDOW_EXITING, true);
	vmcs_set(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI << 8 | NMI_VECTOR);
	if (!ok_entry(vmx_skip_and_resume(), "resume injecting an NMI"))
		return;
	report(vmx_exit_reason() == EXIT_REASON_VMCALL && vmx_guest_regs.rax == 3 && nmi_count == 1,
	       "the NMI handler runs (count %d) and exits (reason %u, RAX %llu)", nmi_count,
	       vmx_exit_reason(), vmx_guest_regs.rax);
	report(vmcs_get(GUEST_INTERRUPTIBILITY_INFO) & INTR_STATE_NMI,
	       "the exit in the handler saves virtual-NMI blocking: interruptibility %#llx",
	       vmcs_get(GUEST_INTERRUPTIBILITY_INFO));
	/* the handler's IRET removes virtual-NMI blocking: the window exits at
	 * the instruction the NMI interrupted */
	if (!ok_entry(vmx_skip_and_resume(), "resume the handler") ||
	    !expect_exit("NMI window after IRET", EXIT_REASON_NMI_WINDOW, (u64)nw_1))
		return;
	report(!(vmcs_get(GUEST_INTERRUPTIBILITY_INFO) & INTR_STATE_NMI),
	       "no virtual-NMI blocking saved: interruptibility %#llx",
	       vmcs_get(GUEST_INTERRUPTIBILITY_INFO));
	set_proc(PROC_NMI_WINDOW_EXITING, false);
	if (!ok_entry(vmx_resume(), "resume") ||
	    !expect_exit("VMCALL 2", EXIT_REASON_VMCALL, (u64)nw_1 + 6))
		return;
	if (!ok_entry(vmx_skip_and_resume(), "resume"))
		return;
	report(vmx_l2_finished() && vmx_guest_regs.rax == 1, "L2 finished, one NMI taken (%llu)",
	       vmx_guest_regs.rax);
	handle_exception_vector(NMI_VECTOR, NULL);
}

/* interrupt-window exiting ("Interrupt-Window Exiting and Virtual-Interrupt
 * Delivery"): no exit while RFLAGS.IF = 0 or in STI's shadow; the exit
 * comes before the first instruction after it (reason 7, no qualification
 * or interruption information) */
static void test_intr_window(void)
{
	struct vmx_vmcs_cfg cfg = { .proc = PROC_INTR_WINDOW_EXITING };

	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, l2_intr_window, 0)) {
		report_skip("interrupt-window exiting not allowed");
		return;
	}
	if (!ok_entry(vmx_launch(), "VMLAUNCH") ||
	    !expect_exit("interrupt window after STI; NOP", EXIT_REASON_INTERRUPT_WINDOW, (u64)iw_1))
		return;
	report(vmx_exit_qual() == 0 && vmx_exit_insn_len() == 0 && vmx_exit_intr_info() == 0 &&
		       vmcs_get(GUEST_INTERRUPTIBILITY_INFO) == 0 &&
		       (vmcs_get(GUEST_RFLAGS) & X86_EFLAGS_IF),
	       "interrupt-window exit: qualification, length, interruption information and "
	       "interruptibility 0, RFLAGS.IF 1");
	/* (L1's PIT may have an interrupt pending: L2 goes on with IF = 0) */
	set_proc(PROC_INTR_WINDOW_EXITING, false);
	vmcs_set(GUEST_RFLAGS, vmcs_get(GUEST_RFLAGS) & ~(u64)X86_EFLAGS_IF);
	if (!ok_entry(vmx_resume(), "resume"))
		return;
	report(vmx_l2_finished() && vmx_guest_regs.rax == 7, "L2 finished (RAX %llu)",
	       vmx_guest_regs.rax);
}

/* 4. entry checks: one field changed, VMRESUME of the launched VMCS of
 * part 3, the exact outcome, the field restored */
static void check_entry(const char *what, u64 field, u64 val, int want)
{
	u64 old = vmcs_get(field);
	int r;

	vmcs_set(field, val);
	r = vmx_resume();
	if (want == 33)
		report(r == VMX_OK && vmx_exit_reason() == (u32)(33u | BIT(31)) && vmx_exit_qual() == 0,
		       "%s: VM-entry failure, exit reason %#x (want %#x)", what,
		       r == VMX_OK ? vmx_exit_reason() : 0, (u32)(33u | BIT(31)));
	else
		report(r == want, "%s: %s", what, vmx_result_str(r));
	vmcs_set(field, old);
}

static void test_entry_checks(void)
{
	u64 pin = vmcs_get(PIN_BASED_VM_EXEC_CONTROL), proc = vmcs_get(CPU_BASED_VM_EXEC_CONTROL);

	vmcs_set(CPU_BASED_VM_EXEC_CONTROL, proc | PROC_NMI_WINDOW_EXITING);
	check_entry("NMI-window exiting without virtual NMIs", PIN_BASED_VM_EXEC_CONTROL,
		    pin & ~(u64)PIN_VIRTUAL_NMIS, VMX_FAIL_VALID(7));
	vmcs_set(CPU_BASED_VM_EXEC_CONTROL, proc & ~(u64)PROC_NMI_WINDOW_EXITING);
	check_entry("save VMX-preemption timer value without the timer", VM_EXIT_CONTROLS,
		    vmcs_get(VM_EXIT_CONTROLS) | EXIT_SAVE_PREEMPTION_TIMER, VMX_FAIL_VALID(7));
	check_entry("other event (pending MTF) with vector 1", VM_ENTRY_INTR_INFO,
		    INTR_INFO_VALID | INTR_TYPE_OTHER_EVENT << 8 | 1, VMX_FAIL_VALID(7));
	vmcs_set(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI << 8 | NMI_VECTOR);
	check_entry("NMI injected with virtual-NMI blocking", GUEST_INTERRUPTIBILITY_INFO,
		    INTR_STATE_NMI, 33);
	vmcs_set(VM_ENTRY_INTR_INFO, 0);
	vmcs_set(GUEST_RFLAGS, vmcs_get(GUEST_RFLAGS) | X86_EFLAGS_IF);
	vmcs_set(GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	check_entry("HLT activity state with blocking by STI", GUEST_INTERRUPTIBILITY_INFO,
		    INTR_STATE_STI, 33);
	vmcs_set(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	if (!vmx_start())
		return report_summary();
	test_mtf();
	test_timer();
	test_nmi_window();
	test_entry_checks();
	test_intr_window();
	report(vmx_off() == VMX_OK, "VMXOFF");
	return report_summary();
}
