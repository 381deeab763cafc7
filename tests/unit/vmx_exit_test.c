/* tests/unit/vmx_exit_test.c: VM exits, driven through vmx_vmentry()
 * (tests/unit/vmx_harness.h): L2 code runs until it exits and every
 * exit-information field is checked -- CPUID, HLT, I/O, RDMSR, CR
 * accesses, exceptions, one exit per instruction that can exit, EPT,
 * task switches, VMCS shadowing, VPIDs -- and the exit-reason gate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmx_harness.h"


static void test_exit_cpuid(void **state)
{
	static const u8 code[] = { 0x90, 0x0f, 0xa2 }; /* nop; cpuid */
	valid_vmcs();
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 2);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 1);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0);
	machine_free(&h->m);
}

static void test_exit_hlt(void **state)
{
	static const u8 code[] = { 0xf4 };
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_HLT_EXITING);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 12);
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 1);
	machine_free(&h->m);
}

static void test_exit_io(void **state)
{
	static const u8 code[] = { 0x66, 0xe7, 0x80 }; /* out 0x80, ax */
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_UNCOND_IO_EXITING);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 30);
	/* size 2 (1), OUT (bit 3 = 0), not string, immediate (bit 6), port 0x80 */
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 1 | BIT(6) | (0x80ull << 16));
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 3);
	machine_free(&h->m);
}

static void test_exit_io_bitmap(void **state)
{
	/* in al, dx with DX = 0x3f9: bitmap A bit 0x3f9 set exits; 0x3f8 not */
	static const u8 code[] = { 0x66, 0xba, 0xf8, 0x03, 0xec, 0x66, 0xba, 0xf9, 0x03, 0xec };
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_IO_BITMAPS);
	set(VMCS_IO_BITMAP_A, 0x700000);
	set(VMCS_IO_BITMAP_B, 0x701000);
	phys_write(&h->m.mem, 0x700000 + 0x3f9 / 8, 1, 1u << (0x3f9 % 8));
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 30);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 9);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0 | BIT(3) | (0x3f9ull << 16));
	machine_free(&h->m);
}

static void test_exit_rdmsr(void **state)
{
	static const u8 code[] = { 0xb9, 0x10, 0x00, 0x00, 0x00, 0x0f, 0x32 }; /* mov ecx,0x10; rdmsr */
	valid_vmcs();
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 31);
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 2);
	machine_free(&h->m);
}

static void test_exit_cr3_load(void **state)
{
	static const u8 code[] = { 0x0f, 0x22, 0xd8 }; /* mov cr3, rax */
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_CR3_LOAD_EXITING);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 28);
	/* CR3, MOV to CR, register RAX (0) */
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 3);
	machine_free(&h->m);
}

static void test_exit_exception_bitmap(void **state)
{
	static const u8 code[] = { 0x0f, 0x0b }; /* ud2 */
	valid_vmcs();
	set(VMCS_EXCEPTION_BITMAP, 1u << VEC_UD);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 0);
	/* vector 6, hardware exception (3), valid */
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), 6 | (3 << 8) | BIT(31));
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	machine_free(&h->m);
}

/* SDM "Architectural State Before a VM Exit": a #DB that causes a VM exit
 * leaves DR6 (and DR7) alone; "Exit Qualification for Debug Exceptions":
 * B0-B3, BD, BS. A single-step trap after NOP, an execute breakpoint and a
 * general-detect fault, each intercepted by bit 1 of the exception bitmap
 * (found by kvm-unit-tests vmx_db_test) */
static void test_db_exit_qual(void **state)
{
	static const u8 nop_cpuid[] = { 0x90, 0x0f, 0xa2 };
	static const u8 movdr[] = { 0x0f, 0x21, 0xc0 }; /* mov rax, dr0 */
	const u64 dr6 = DR6_FIXED1 | 0xa | DR6_BS; /* stale bits that must stay */
	for (int k = 0; k < 3; k++) {
		valid_vmcs();
		set(VMCS_EXCEPTION_BITMAP, 1u << 1);
		or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_DEBUG_CONTROLS);
		h->c->dr[6] = dr6;
		u64 want_qual = 0, want_rip = L2_CODE;
		if (k == 0) {
			set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_TF);
			l2_code(nop_cpuid, sizeof(nop_cpuid));
			want_qual = DR6_BS;
			want_rip = L2_CODE + 1;
		} else if (k == 1) {
			h->c->dr[0] = L2_CODE;
			set(VMCS_GUEST_DR7, 0x401); /* L0, execute */
			l2_code(nop_cpuid, sizeof(nop_cpuid));
			want_qual = 1;
		} else {
			set(VMCS_GUEST_DR7, 0x400 | DR7_GD);
			l2_code(movdr, sizeof(movdr));
			want_qual = DR6_BD;
		}
		run_to_exit();
		if (get(VMCS_EXIT_REASON) != 0)
			fail_msg("case %d: exit reason %llu, want 0 (#DB)", k,
				 (unsigned long long)get(VMCS_EXIT_REASON));
		assert_int_equal(get(VMCS_EXIT_INTR_INFO), 1 | (3 << 8) | BIT(31));
		if (get(VMCS_EXIT_QUALIFICATION) != want_qual)
			fail_msg("case %d: qualification %#llx, want %#llx", k,
				 (unsigned long long)get(VMCS_EXIT_QUALIFICATION), (unsigned long long)want_qual);
		assert_int_equal(get(VMCS_GUEST_RIP), want_rip);
		assert_int_equal(get(VMCS_GUEST_PENDING_DBG_EXCEPTIONS), 0);
		if (k == 2)
			assert_true(get(VMCS_GUEST_DR7) & DR7_GD);
		if (h->c->dr[6] != dr6)
			fail_msg("case %d: DR6 %#llx, want it unchanged %#llx", k,
				 (unsigned long long)h->c->dr[6], (unsigned long long)dr6);
		machine_free(&h->m);
	}
}

/* SDM "Changes to Instruction Behavior in VMX Non-Root Operation": with
 * "enable RDTSCP" 0, RDTSCP and RDPID are #UD (found by kvm-unit-tests'
 * "disable RDTSCP" test); with it 1 both execute */
static void test_enable_rdtscp_ud(void **state)
{
	static const struct { const char *what; u8 code[6]; u8 len; } insns[] = {
		{ "RDTSCP", { 0x0f, 0x01, 0xf9, 0x0f, 0xa2 }, 5 },
		{ "RDPID eax", { 0xf3, 0x0f, 0xc7, 0xf8, 0x0f, 0xa2 }, 6 },
	};
	for (size_t k = 0; k < ARRAY_SIZE(insns); k++) {
		for (int enable = 0; enable < 2; enable++) {
			valid_vmcs();
			set(VMCS_EXCEPTION_BITMAP, 1u << VEC_UD);
			or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
			set(VMCS_SECONDARY_VM_EXEC_CONTROL, enable ? PROC2_ENABLE_RDTSCP : 0);
			l2_code(insns[k].code, insns[k].len);
			run_to_exit();
			if (enable) { /* executed: the CPUID after it exits */
				if (get(VMCS_EXIT_REASON) != 10)
					fail_msg("%s enabled: exit reason %llu, want 10", insns[k].what,
						 (unsigned long long)get(VMCS_EXIT_REASON));
				assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + insns[k].len - 2);
			} else {
				if (get(VMCS_EXIT_REASON) != 0)
					fail_msg("%s disabled: exit reason %llu, want 0 (#UD)", insns[k].what,
						 (unsigned long long)get(VMCS_EXIT_REASON));
				assert_int_equal(get(VMCS_EXIT_INTR_INFO), 6 | (3 << 8) | BIT(31));
				assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
			}
			machine_free(&h->m);
		}
	}
}

static void test_cr0_read_shadow(void **state)
{
	/* mov rax, cr0; cpuid -- CR0.TS owned by L1 reads from the shadow */
	static const u8 code[] = { 0x0f, 0x20, 0xc0, 0x0f, 0xa2 };
	valid_vmcs();
	set(VMCS_CR0_GUEST_HOST_MASK, CR0_TS);
	set(VMCS_CR0_READ_SHADOW, CR0_TS);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_true(h->c->gpr[RAX] & CR0_TS);
	assert_false(get(VMCS_GUEST_CR0) & CR0_TS);
	machine_free(&h->m);
}

/* SDM "Saving MSRs" / "Loading Host MSRs": the VM-exit MSR-store list gets
 * the guest's IA32_SYSENTER_CS, the MSR-load list gives the host its
 * IA32_SYSENTER_ESP (after the host-state field's value) */
static void test_exit_msr_lists(void **state)
{
	static const u8 code[] = { 0x0f, 0xa2 }; /* cpuid */
	valid_vmcs();
	set(VMCS_GUEST_IA32_SYSENTER_CS, 0x77);
	h_poke64(h, SCRATCH, 0x174);
	set(VMCS_EXIT_MSR_STORE_COUNT, 1);
	set(VMCS_EXIT_MSR_STORE_ADDR, SCRATCH);
	h_poke64(h, SCRATCH + 0x100, 0x175);
	h_poke64(h, SCRATCH + 0x108, 0xabcd000);
	set(VMCS_EXIT_MSR_LOAD_COUNT, 1);
	set(VMCS_EXIT_MSR_LOAD_ADDR, SCRATCH + 0x100);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(h_peek64(h, SCRATCH + 8), 0x77);
	assert_int_equal(h->c->msr.sysenter_esp, 0xabcd000);
	machine_free(&h->m);
}

/* SDM "Loading Guest Control Registers, Debug Registers, and MSRs": with
 * "load IA32_PERF_GLOBAL_CTRL" the MSR takes the guest field at VM entry;
 * "Loading Host Control Registers, Debug Registers, MSRs": with the VM-exit
 * control it takes the host field at VM exit, and without it keeps L2's */
static u64 global_ctrl_after_exit(bool exit_load)
{
	static const u8 code[] = { 0x0f, 0xa2 }; /* cpuid */
	u64 v = 0;
	valid_vmcs();
	or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_PERF_GLOBAL_CTRL);
	set(VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 0x3);
	if (exit_load)
		or(VMCS_VM_EXIT_CONTROLS, EXIT_LOAD_PERF_GLOBAL_CTRL);
	set(VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0x100000002ull);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(pmu_rd_global_ctrl(h->c, MSR_PERF_GLOBAL_CTRL, &v), 0);
	machine_free(&h->m);
	return v;
}

static void test_perf_global_ctrl_loads(void **state)
{
	assert_int_equal(global_ctrl_after_exit(false), 0x3);
	assert_int_equal(global_ctrl_after_exit(true), 0x100000002ull);
}

/* SDM "Saving Control Registers, Debug Registers, and MSRs": with "save
 * IA32_PERF_GLOBAL_CTRL" the VM exit writes the MSR (as L2 left it) into the
 * guest field; without it the field keeps what L1 wrote */
static u64 global_ctrl_saved(bool save)
{
	/* mov ecx, 0x38f; mov eax, 1; xor edx, edx; wrmsr; cpuid */
	static const u8 code[] = { 0xb9, 0x8f, 0x03, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00,
				   0x31, 0xd2, 0x0f, 0x30, 0x0f, 0xa2 };
	valid_vmcs();
	or(VMCS_VM_ENTRY_CONTROLS, ENTRY_LOAD_PERF_GLOBAL_CTRL);
	set(VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 0x3);
	if (save)
		or(VMCS_VM_EXIT_CONTROLS, EXIT_SAVE_PERF_GLOBAL_CTRL);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_MSR_BITMAPS); /* (zeroed: WRMSR runs) */
	set(VMCS_MSR_BITMAP, SCRATCH + 0x2000);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	u64 v = get(VMCS_GUEST_IA32_PERF_GLOBAL_CTRL);
	machine_free(&h->m);
	return v;
}

static void test_perf_global_ctrl_save(void **state)
{
	assert_int_equal(global_ctrl_saved(true), 0x1);
	assert_int_equal(global_ctrl_saved(false), 0x3);
}

/* a failing VM-exit MSR-load entry (an x2APIC MSR) is a VMX abort: the
 * abort indicator is 4 and the processor shuts down */
static void test_exit_msr_load_abort(void **state)
{
	static const u8 code[] = { 0x0f, 0xa2 }; /* cpuid */
	valid_vmcs();
	h_poke64(h, SCRATCH, 0x808);
	set(VMCS_EXIT_MSR_LOAD_COUNT, 1);
	set(VMCS_EXIT_MSR_LOAD_ADDR, SCRATCH);
	l2_code(code, sizeof(code));
	assert_int_equal(enter(), ENTERED);
	for (int k = 0; k < 10 && h->c->activity != ACT_SHUTDOWN; k++)
		cpu_step(h->c);
	assert_int_equal(h->c->activity, ACT_SHUTDOWN);
	assert_int_equal(phys_read(&h->m.mem, h->c->vmx.vmcs_ptr + 4, 4), 4);
	machine_free(&h->m);
}

/* --- one exit per instruction that can exit: a table ---
 * Each row: L2's code, the control it needs (word and bit; 0: none), the
 * exit reason, and the qualification (~0: not checked). */
struct insn_exit {
	const char *what;
	u8 code[8];
	u8 len;
	enum vmcs_field word;
	u64 bit;
	u32 reason;
	u64 qual;
};

static const struct insn_exit insn_exits[] = {
	{ "INVD", { 0x0f, 0x08 }, 2, VMCS_NR_FIELDS, 0, 13, 0 },
	{ "INVLPG [rax]", { 0x0f, 0x01, 0x38 }, 3, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_INVLPG_EXITING, 14, 0x1234000 },
	{ "RDTSC", { 0x0f, 0x31 }, 2, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_RDTSC_EXITING, 16, 0 },
	{ "RDTSCP", { 0x0f, 0x01, 0xf9 }, 3, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_RDTSCP, 51, 0 },
	{ "MONITOR", { 0x0f, 0x01, 0xc8 }, 3, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MONITOR_EXITING, 39, 0 },
	{ "MWAIT", { 0x0f, 0x01, 0xc9 }, 3, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MWAIT_EXITING, 36, 0 },
	{ "PAUSE", { 0xf3, 0x90 }, 2, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_PAUSE_EXITING, 40, 0 },
	{ "WBINVD", { 0x0f, 0x09 }, 2, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_WBINVD_EXITING, 54, 0 },
	{ "RDRAND eax", { 0x0f, 0xc7, 0xf0 }, 3, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_RDRAND_EXITING, 57, 0 },
	{ "RDSEED eax", { 0x0f, 0xc7, 0xf8 }, 3, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_RDSEED_EXITING, 61, 0 },
	{ "XSETBV", { 0x0f, 0x01, 0xd1 }, 3, VMCS_NR_FIELDS, 0, 55, 0 },
	{ "MOV rax, dr0", { 0x0f, 0x21, 0xc0 }, 3, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MOV_DR_EXITING, 29, BIT(4) },
	{ "WRMSR", { 0x0f, 0x30 }, 2, VMCS_NR_FIELDS, 0, 32, 0 },
	{ "VMCALL", { 0x0f, 0x01, 0xc1 }, 3, VMCS_NR_FIELDS, 0, 18, 0 },
	{ "VMCLEAR [rax]", { 0x66, 0x0f, 0xc7, 0x30 }, 4, VMCS_NR_FIELDS, 0, 19, ~0ull },
	{ "VMLAUNCH", { 0x0f, 0x01, 0xc2 }, 3, VMCS_NR_FIELDS, 0, 20, 0 },
	{ "VMPTRLD [rax]", { 0x0f, 0xc7, 0x30 }, 3, VMCS_NR_FIELDS, 0, 21, ~0ull },
	{ "VMPTRST [rax]", { 0x0f, 0xc7, 0x38 }, 3, VMCS_NR_FIELDS, 0, 22, ~0ull },
	{ "VMREAD rbx, rax", { 0x0f, 0x78, 0xc3 }, 3, VMCS_NR_FIELDS, 0, 23, ~0ull },
	{ "VMRESUME", { 0x0f, 0x01, 0xc3 }, 3, VMCS_NR_FIELDS, 0, 24, 0 },
	{ "VMWRITE rax, rbx", { 0x0f, 0x79, 0xc3 }, 3, VMCS_NR_FIELDS, 0, 25, ~0ull },
	{ "VMXOFF", { 0x0f, 0x01, 0xc4 }, 3, VMCS_NR_FIELDS, 0, 26, 0 },
	{ "VMXON [rax]", { 0xf3, 0x0f, 0xc7, 0x30 }, 4, VMCS_NR_FIELDS, 0, 27, ~0ull },
	{ "MOV cr8, rax", { 0x44, 0x0f, 0x22, 0xc0 }, 4, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_CR8_LOAD_EXITING, 28, 8 },
	{ "INVEPT rax, [rax]", { 0x66, 0x0f, 0x38, 0x80, 0x00 }, 5, VMCS_NR_FIELDS, 0, 50, 0 },
	{ "RDPMC", { 0x0f, 0x33 }, 2, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_RDPMC_EXITING, 15, 0 },
};

static void test_insn_exits(void **state)
{
	for (size_t k = 0; k < ARRAY_SIZE(insn_exits); k++) {
		const struct insn_exit *x = &insn_exits[k];
		valid_vmcs();
		if (x->word == VMCS_SECONDARY_VM_EXEC_CONTROL)
			or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
		if (x->word != VMCS_NR_FIELDS)
			or(x->word, x->bit);
		if (x->reason == 51) /* RDTSCP exits through RDTSC exiting */
			or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_RDTSC_EXITING);
		or(VMCS_GUEST_CR4, CR4_OSXSAVE);
		h->c->gpr[RAX] = 0x1234000;
		h->c->gpr[RCX] = 0x174;
		l2_code(x->code, x->len);
		run_to_exit();
		if (get(VMCS_EXIT_REASON) != x->reason)
			fail_msg("%s: exit reason %llu, want %u", x->what,
				 (unsigned long long)get(VMCS_EXIT_REASON), x->reason);
		if (x->qual != ~0ull && get(VMCS_EXIT_QUALIFICATION) != x->qual)
			fail_msg("%s: qualification %#llx, want %#llx", x->what,
				 (unsigned long long)get(VMCS_EXIT_QUALIFICATION), (unsigned long long)x->qual);
		if (get(VMCS_EXIT_INSTRUCTION_LEN) != x->len)
			fail_msg("%s: instruction length %llu, want %u", x->what,
				 (unsigned long long)get(VMCS_EXIT_INSTRUCTION_LEN), x->len);
		assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
		machine_free(&h->m);
	}
}


/* SDM "EPT Violations", "EPT Misconfigurations", and "Information for VM
 * Exits During Event Delivery" for a violation while delivering INT3 */
static void test_ept_exits(void **state)
{
	static const u8 load[] = { 0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00 }; /* mov rax, [0x5000] */
	static const u8 int3[] = { 0xcc };

	/* a read of a page EPT does not map: reason 48, read, bits 7 and 8 */
	valid_vmcs();
	ept_on();
	h_poke64(h, EPT_PT + 8 * 5, 0);
	l2_code(load, sizeof(load));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 48);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), BIT(0) | BIT(7) | BIT(8));
	assert_int_equal(get(VMCS_GUEST_PHYSICAL_ADDRESS), 0x5000);
	assert_int_equal(get(VMCS_GUEST_LINEAR_ADDRESS), 0x5000);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(get(VMCS_IDT_VECTORING_INFO), 0);
	machine_free(&h->m);

	/* write without read: a misconfiguration, reason 49, qualification 0 */
	valid_vmcs();
	ept_on();
	h_poke64(h, EPT_PT + 8 * 5, 0x5000 | (6 << 3) | 2);
	l2_code(load, sizeof(load));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 49);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0);
	assert_int_equal(get(VMCS_GUEST_PHYSICAL_ADDRESS), 0x5000);
	machine_free(&h->m);

	/* INT3 whose IDT gate EPT does not map: the violation reports the
	 * gate's address, and the IDT-vectoring information the INT3 (a
	 * software exception, with its instruction length) */
	valid_vmcs();
	ept_on();
	h_poke64(h, EPT_PT + 8 * (H_IDT >> 12), 0);
	l2_code(int3, sizeof(int3));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 48);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), BIT(0) | BIT(7) | BIT(8));
	assert_int_equal(get(VMCS_GUEST_PHYSICAL_ADDRESS), H_IDT + 16 * 3);
	assert_int_equal(get(VMCS_IDT_VECTORING_INFO), 3 | (6 << 8) | BIT(31));
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 1);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	machine_free(&h->m);
}

/* SDM "Page-Modification Logging": a PML index outside 0-511 when an EPT
 * accessed flag must be set (the first fetch) is a log-full exit before
 * anything is set; "EPTP Switching": VMFUNC 0 with ECX above 511 exits */
static void test_pml_vmfunc_exits(void **state)
{
	static const u8 nop[] = { 0x90 };
	static const u8 vmfunc[] = { 0xb8, 0, 0, 0, 0, 0xb9, 0x58, 0x02, 0, 0, 0x0f, 0x01, 0xd4 };

	valid_vmcs();
	ept_on();
	set(VMCS_EPT_POINTER, get(VMCS_EPT_POINTER) | BIT(6));
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_PML);
	set(VMCS_PML_ADDRESS, 0x800000);
	set(VMCS_GUEST_PML_INDEX, 0xffff);
	l2_code(nop, sizeof(nop));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 62);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(h_peek64(h, EPT_PT + 8 * (L2_CODE >> 12)) & BIT(8), 0);
	machine_free(&h->m);

	valid_vmcs();
	ept_on();
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_VMFUNC);
	set(VMCS_VM_FUNCTION_CONTROLS, 1);
	set(VMCS_EPTP_LIST_ADDR, 0x800000);
	l2_code(vmfunc, sizeof(vmfunc));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 59);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0);
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 3);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 10);
	machine_free(&h->m);
}

/* SDM "Changes to Instruction Behavior in VMX Non-Root Operation": with
 * "use TSC offsetting" and "use TSC scaling", RDTSC and RDMSR of
 * IA32_TIME_STAMP_COUNTER give (TSC * multiplier) >> 48 + offset */
static void test_tsc_offset_scaling(void **state)
{
	/* rdtsc; mov r8, rax; mov r9, rdx; mov ecx, 0x10; rdmsr; cpuid */
	static const u8 code[] = { 0x0f, 0x31, 0x49, 0x89, 0xc0, 0x49, 0x89, 0xd1,
				   0xb9, 0x10, 0, 0, 0, 0x0f, 0x32, 0x0f, 0xa2 };
	const u64 off = 0x1000000000ull;

	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL,
	   PROC_USE_TSC_OFFSETTING | PROC_ACTIVATE_SECONDARY | PROC_USE_MSR_BITMAPS);
	set(VMCS_MSR_BITMAP, 0x900000); /* zeroed: RDMSR runs in L2 */
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_USE_TSC_SCALING);
	set(VMCS_TSC_MULTIPLIER, 3ull << 47); /* 1.5 */
	set(VMCS_TSC_OFFSET, off);
	h->c->msr.tsc_offset = 1ull << 40; /* L1's TSC: about 2^40 */
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	u64 now = cpu_tsc(h->c);
	u64 by_rdtsc = (h->c->gpr[R9] << 32) | (u32)h->c->gpr[R8];
	u64 by_rdmsr = (h->c->gpr[RDX] << 32) | (u32)h->c->gpr[RAX];
	u64 lo = (now - 1000) * 3 / 2 + off, hi = now * 3 / 2 + off;
	assert_in_range(by_rdtsc, lo, hi);
	assert_in_range(by_rdmsr, by_rdtsc, hi);
	machine_free(&h->m);
}

/* SDM "Other Causes of VM Exits": a SIPI to an L2 in the wait-for-SIPI
 * activity state exits (reason 4, the vector as qualification) and the
 * state saved is still wait-for-SIPI */
static void test_sipi_exit(void **state)
{
	static const u8 nop[] = { 0x90 };
	valid_vmcs();
	set(VMCS_GUEST_ACTIVITY_STATE, ACT_WAIT_SIPI);
	l2_code(nop, sizeof(nop));
	assert_int_equal(enter(), ENTERED);
	cpu_step(h->c);
	assert_true(h->c->vmx.nonroot); /* waits */
	cpu_raise_sipi(h->c, 0x9a);
	for (int k = 0; k < 10 && h->c->vmx.nonroot; k++)
		cpu_step(h->c);
	assert_false(h->c->vmx.nonroot);
	assert_int_equal(get(VMCS_EXIT_REASON), 4);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x9a);
	assert_int_equal(get(VMCS_GUEST_ACTIVITY_STATE), ACT_WAIT_SIPI);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	machine_free(&h->m);
}

/* SDM "PAUSE-Loop Exiting": PAUSEs at CPL 0 no more than PLE_Gap TSC
 * ticks apart form a loop; one more than PLE_Window ticks after the
 * loop's first exits with reason 40. With a gap of 0 every PAUSE starts a
 * new loop, and nothing exits. */
static void test_pause_loop_exiting(void **state)
{
	static const u8 loop[] = { 0xf3, 0x90, 0xeb, 0xfc }; /* 1: pause; jmp 1b */
	for (int gap = 0; gap < 2; gap++) {
		valid_vmcs();
		or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
		set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_PAUSE_LOOP_EXITING);
		set(VMCS_PLE_GAP, gap ? 128 : 0);
		set(VMCS_PLE_WINDOW, 4096);
		l2_code(loop, sizeof(loop));
		assert_int_equal(enter(), ENTERED);
		u64 t0 = cpu_tsc(h->c);
		for (int k = 0; k < 20000 && h->c->vmx.nonroot; k++)
			cpu_step(h->c);
		if (!gap) {
			assert_true(h->c->vmx.nonroot);
		} else {
			assert_false(h->c->vmx.nonroot);
			assert_int_equal(get(VMCS_EXIT_REASON), 40);
			assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
			assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 2);
			assert_true(cpu_tsc(h->c) - t0 > 4096);
		}
		machine_free(&h->m);
	}
}

/* the exits column of the handler tables (cpu/decode/handlers_all.def):
 * which instruction may raise which exit of its own */
static void test_exit_column(void **state)
{
	assert_true(insn_can_exit(ZYDIS_MNEMONIC_CPUID, EXIT_REASON_CPUID));
	assert_true(insn_can_exit(ZYDIS_MNEMONIC_MOV, EXIT_REASON_CR_ACCESS));
	assert_true(insn_can_exit(ZYDIS_MNEMONIC_MOV, EXIT_REASON_DR_ACCESS));
	assert_true(insn_can_exit(ZYDIS_MNEMONIC_OUTSB, EXIT_REASON_IO_INSTRUCTION));
	assert_false(insn_can_exit(ZYDIS_MNEMONIC_ADD, EXIT_REASON_CPUID));
	assert_false(insn_can_exit(ZYDIS_MNEMONIC_CPUID, EXIT_REASON_HLT));
	assert_false(insn_can_exit(ZYDIS_MNEMONIC_MOV, EXIT_REASON_IO_INSTRUCTION));
	/* exits that are not an instruction's own: any instruction */
	assert_true(insn_can_exit(ZYDIS_MNEMONIC_MOV, EXIT_REASON_EPT_VIOLATION));
}

/* events: an NMI with NMI exiting, an INIT, a triple fault */
static void test_event_exits(void **state)
{
	static const u8 code[] = { 0x90, 0x90, 0x0f, 0x0b }; /* nop; nop; ud2 */

	valid_vmcs();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	l2_code(code, sizeof(code));
	assert_int_equal(enter(), ENTERED);
	cpu_raise_nmi(h->c);
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 0);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), 2 | (2 << 8) | BIT(31));
	machine_free(&h->m);

	valid_vmcs();
	l2_code(code, sizeof(code));
	assert_int_equal(enter(), ENTERED);
	h->c->init_pending = 1;
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 3);
	machine_free(&h->m);

	/* no IDT: #UD cannot be delivered, nor the #GP, nor the #DF */
	valid_vmcs();
	set(VMCS_GUEST_IDTR_LIMIT, 0);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 2);
	machine_free(&h->m);
}

/* SDM "Restrictions on VMX Operation": "INIT signals are blocked whenever a
 * logical processor is in VMX root operation. They are not blocked in VMX
 * non-root operation. Instead, INITs cause VM exits": an INIT latched in root
 * operation makes the INIT VM exit before L2's first instruction */
static void test_latched_init_exit(void **state)
{
	static const u8 code[] = { 0x90, 0x90, 0x0f, 0x0b }; /* nop; nop; ud2 */

	valid_vmcs();
	l2_code(code, sizeof(code));
	h->c->init_pending = 1;
	cpu_handle_events(h->c); /* root operation: latched, not taken */
	assert_false(h->c->init_pending);
	assert_true(h->c->vmx.init_blocked);
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 3);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_false(h->c->vmx.init_blocked);
	machine_free(&h->m);
}

/* an external interrupt (a self-IPI through the xAPIC) with
 * external-interrupt exiting and acknowledge interrupt on exit */
static void test_extint_exit(void **state)
{
	static const u8 code[] = { 0x90, 0x90, 0x90 };

	valid_vmcs();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	or(VMCS_VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT);
	l2_code(code, sizeof(code));
	phys_write(&h->m.mem, 0xfee000f0, 4, 0x1ff);        /* SPIV: APIC on */
	assert_int_equal(enter(), ENTERED);
	phys_write(&h->m.mem, 0xfee00300, 4, 0x40 | (1u << 18)); /* self IPI, vector 0x40 */
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 1);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), 0x40 | BIT(31));
	machine_free(&h->m);
}

/* --- exits with their instruction information (SDM "VM-Exit
 * Instruction-Information Field"): one row per instruction, L2 in 64-bit
 * mode with RAX = 0x1234000, RBX = 0x10000, RCX = 2, RDX = 0x80, RSI =
 * 0x7000, RDI = 0x8000. info_mask: the bits the SDM defines for the row
 * (the others are undefined); lin: the guest-linear address (~0: not
 * checked) --- */
struct info_exit {
	const char *what;
	u8 code[8];
	u8 len;
	enum vmcs_field word;
	u64 bit;
	u32 reason;
	u64 qual;
	u32 info, info_mask;
	u64 lin;
};

#define MEMI(scale, asz, seg, idx, base) \
	((scale) | (asz) << 7 | (seg) << 15 | ((idx) == 16 ? BIT(22) : (u32)(idx) << 18) | \
	 ((base) == 16 ? BIT(27) : (u32)(base) << 23))
#define NOREG 16
#define P2 VMCS_SECONDARY_VM_EXEC_CONTROL

static const struct info_exit info_exits[] = {
	/* "... as Used for LIDT, LGDT, SIDT, or SGDT": identity 29:28 (0
	 * SGDT, 1 SIDT, 2 LGDT, 3 LIDT), operand size bit 11 undefined in
	 * 64-bit mode; qualification: the displacement */
	{ "LGDT [rax+0x10]", { 0x0f, 0x01, 0x50, 0x10 }, 4, P2, PROC2_DESC_TABLE_EXITING, 46, 0x10,
	  MEMI(0, 2, 3, NOREG, 0) | 2u << 28, 0x3fff8783, ~0ull },
	{ "SIDT [rbx+rcx*8]", { 0x0f, 0x01, 0x0c, 0xcb }, 4, P2, PROC2_DESC_TABLE_EXITING, 46, 0,
	  MEMI(3, 2, 3, 1, 3) | 1u << 28, 0x3fff8783, ~0ull },
	{ "SGDT fs:[rsp-8]", { 0x64, 0x0f, 0x01, 0x44, 0x24, 0xf8 }, 6, P2, PROC2_DESC_TABLE_EXITING, 46,
	  (u64)-8, MEMI(0, 2, 4, NOREG, 4) | 0u << 28, 0x3fff8783, ~0ull },
	{ "LIDT [eax]", { 0x67, 0x0f, 0x01, 0x18 }, 4, P2, PROC2_DESC_TABLE_EXITING, 46, 0,
	  MEMI(0, 1, 3, NOREG, 0) | 3u << 28, 0x3fff8783, ~0ull },
	/* "... as Used for LLDT, LTR, SLDT, and STR": bit 10 memory (0) or
	 * register (1, Reg1 in 6:3); identity 0 SLDT, 1 STR, 2 LLDT, 3 LTR */
	{ "LLDT ax", { 0x0f, 0x00, 0xd0 }, 3, P2, PROC2_DESC_TABLE_EXITING, 47, 0,
	  BIT(10) | 0 << 3 | 2u << 28, 0x30000478, ~0ull },
	{ "LTR dx", { 0x0f, 0x00, 0xda }, 3, P2, PROC2_DESC_TABLE_EXITING, 47, 0,
	  BIT(10) | 2 << 3 | 3u << 28, 0x30000478, ~0ull },
	{ "SLDT r9d", { 0x41, 0x0f, 0x00, 0xc1 }, 4, P2, PROC2_DESC_TABLE_EXITING, 47, 0,
	  BIT(10) | 9 << 3 | 0u << 28, 0x30000478, ~0ull },
	{ "STR [rax+rdx*2+0x20]", { 0x0f, 0x00, 0x4c, 0x50, 0x20 }, 5, P2, PROC2_DESC_TABLE_EXITING, 47,
	  0x20, MEMI(1, 2, 3, 2, 0) | 1u << 28, 0x3fff8783, ~0ull },
	/* "INVPCID": "INVLPG exiting" and "enable INVPCID"; the format of
	 * INVEPT, INVPCID and INVVPID (Reg2: the type register) */
	{ "INVPCID rdx, [rax]", { 0x66, 0x0f, 0x38, 0x82, 0x10 }, 5, VMCS_CPU_BASED_VM_EXEC_CONTROL,
	  PROC_INVLPG_EXITING, 58, 0, MEMI(0, 2, 3, NOREG, 0) | 2u << 28, 0xffff8383, ~0ull },
	/* "... as Used for INS and OUTS": address size, segment (OUTS);
	 * guest-linear address: the memory operand's */
	{ "OUTSB", { 0x6e }, 1, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_UNCOND_IO_EXITING, 30,
	  BIT(4) | 0x80ull << 16, 2 << 7 | 3 << 15, 0x38380, 0x7000 },
	{ "OUTSW fs: (addr32)", { 0x66, 0x67, 0x64, 0x6f }, 4, VMCS_CPU_BASED_VM_EXEC_CONTROL,
	  PROC_UNCOND_IO_EXITING, 30, 1 | BIT(4) | 0x80ull << 16, 1 << 7 | 4 << 15, 0x38380, ~0ull },
	{ "REP INSD", { 0xf3, 0x6d }, 2, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_UNCOND_IO_EXITING, 30,
	  3 | BIT(3) | BIT(4) | BIT(5) | 0x80ull << 16, 2 << 7, 0x380, 0x8000 },
	/* "... as Used for RDRAND, RDSEED, TPAUSE, and UMWAIT": the
	 * destination (6:3), operand size (12:11: 0 16, 1 32, 2 64 bits) */
	{ "RDRAND eax", { 0x0f, 0xc7, 0xf0 }, 3, P2, PROC2_RDRAND_EXITING, 57, 0, 0 << 3 | 1 << 11,
	  0x1878, ~0ull },
	{ "RDRAND r9w", { 0x66, 0x41, 0x0f, 0xc7, 0xf1 }, 5, P2, PROC2_RDRAND_EXITING, 57, 0,
	  9 << 3 | 0 << 11, 0x1878, ~0ull },
	{ "RDSEED rcx", { 0x48, 0x0f, 0xc7, 0xf9 }, 4, P2, PROC2_RDSEED_EXITING, 61, 0,
	  1 << 3 | 2 << 11, 0x1878, ~0ull },
};

static void test_insn_info_exits(void **state)
{
	for (size_t k = 0; k < ARRAY_SIZE(info_exits); k++) {
		const struct info_exit *x = &info_exits[k];
		valid_vmcs();
		/* (INVPCID is #UD in L2 without "enable INVPCID") */
		or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
		or(P2, PROC2_ENABLE_INVPCID);
		or(x->word, x->bit);
		h->c->gpr[RAX] = 0x1234000;
		h->c->gpr[RBX] = 0x10000;
		h->c->gpr[RCX] = 2;
		h->c->gpr[RDX] = 0x80;
		h->c->gpr[RSI] = 0x7000;
		h->c->gpr[RDI] = 0x8000;
		l2_code(x->code, x->len);
		run_to_exit();
		u64 info = get(VMCS_VMX_INSTRUCTION_INFO);
		if (get(VMCS_EXIT_REASON) != x->reason)
			fail_msg("%s: exit reason %llu, want %u", x->what,
				 (unsigned long long)get(VMCS_EXIT_REASON), x->reason);
		if (get(VMCS_EXIT_QUALIFICATION) != x->qual)
			fail_msg("%s: qualification %#llx, want %#llx", x->what,
				 (unsigned long long)get(VMCS_EXIT_QUALIFICATION), (unsigned long long)x->qual);
		if (get(VMCS_EXIT_INSTRUCTION_LEN) != x->len)
			fail_msg("%s: instruction length %llu, want %u", x->what,
				 (unsigned long long)get(VMCS_EXIT_INSTRUCTION_LEN), x->len);
		if ((info & x->info_mask) != x->info)
			fail_msg("%s: instruction information %#llx, want %#x", x->what,
				 (unsigned long long)info, x->info);
		if (x->lin != ~0ull && get(VMCS_GUEST_LINEAR_ADDRESS) != x->lin)
			fail_msg("%s: guest-linear address %#llx, want %#llx", x->what,
				 (unsigned long long)get(VMCS_GUEST_LINEAR_ADDRESS),
				 (unsigned long long)x->lin);
		assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
		machine_free(&h->m);
	}
}

/* descriptor-table exiting off: LGDT and SLDT run in L2 (no exit until
 * the CPUID) */
static void test_desc_table_no_exit(void **state)
{
	static const u8 code[] = { 0x0f, 0x00, 0xc1, 0x0f, 0x01, 0x00, 0x0f, 0xa2 }; /* sldt ecx; sgdt [rax]; cpuid */
	valid_vmcs();
	h->c->gpr[RAX] = 0x604000;
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(h_peek64(h, 0x604000) & 0xffff, 0x2f);
	machine_free(&h->m);
}


/* SDM "Task Switches" (reason 9, "Exit Qualification for Task Switches":
 * the TSS selector, the source in 31:30) after the checks of "Treatment
 * of Task Switches": JMP to a TSS (2), CALL through a task gate (0: the
 * gate's TSS), IRET with NT (1: the back link, which must be busy), INT
 * 40H through an IDT task gate (3, with the IDT-vectoring information
 * and the INT's length); JMP to a busy TSS is #GP(selector) instead */
static void test_task_switch_exits(void **state)
{
	static const struct {
		const char *what;
		u8 code[8], len;
		u64 qual;
		u32 vectoring;
	} ts[] = {
		{ "JMP 20:0", { 0xea, 0, 0, 0, 0, 0x20, 0 }, 7, 0x20 | 2ull << 30, 0 },
		{ "CALL 28:0", { 0x9a, 0, 0, 0, 0, 0x28, 0 }, 7, 0x20 | 0ull << 30, 0 },
		{ "IRET (NT)", { 0xcf }, 1, 0x20 | 1ull << 30, 0 },
		{ "INT 40H", { 0xcd, 0x40 }, 2, 0x20 | 3ull << 30, 0x40 | 4 << 8 | BIT(31) },
	};
	for (size_t k = 0; k < ARRAY_SIZE(ts); k++) {
		valid_vmcs_prot32();
		if (ts[k].code[0] == 0xcf) {
			/* the back link names TSS 20, busy */
			phys_write(&h->m.mem, TS_TSS, 2, 0x20);
			h_poke64(h, TS_GDT + 0x20, tss_desc(TS_TSS + 0x1000, 11));
			or(VMCS_GUEST_RFLAGS, RFLAGS_NT);
		}
		l2_code(ts[k].code, ts[k].len);
		run_to_exit();
		if (get(VMCS_EXIT_REASON) != 9 || get(VMCS_EXIT_QUALIFICATION) != ts[k].qual)
			fail_msg("%s: exit %llu qualification %#llx", ts[k].what,
				 (unsigned long long)get(VMCS_EXIT_REASON),
				 (unsigned long long)get(VMCS_EXIT_QUALIFICATION));
		assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), ts[k].len);
		assert_int_equal(get(VMCS_IDT_VECTORING_INFO), ts[k].vectoring);
		assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
		machine_free(&h->m);
	}
	/* JMP to the busy TSS 18: #GP(18H), which the exception bitmap
	 * intercepts */
	static const u8 busy[] = { 0xea, 0, 0, 0, 0, 0x18, 0 };
	valid_vmcs_prot32();
	set(VMCS_EXCEPTION_BITMAP, 1u << VEC_GP);
	l2_code(busy, sizeof(busy));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 0);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), VEC_GP | 3 << 8 | BIT(11) | BIT(31));
	assert_int_equal(get(VMCS_EXIT_INTR_ERROR_CODE), 0x18);
	machine_free(&h->m);
}

/* SDM "VMCS Shadowing": L2 runs VMREAD and VMWRITE against the shadow VMCS
 * at 0x502000 (VM entry checked its indicator); the VMWRITE bitmap bit of
 * GUEST_RIP (681EH) makes that VMWRITE exit */
static void test_shadow_vmcs_l2(void **state)
{
	static const u8 code[] = {
		0x0f, 0x78, 0xc3, /* vmread rbx, rax */
		0x0f, 0x79, 0xd1, /* vmwrite rdx, rcx */
		0x0f, 0x79, 0xc1, /* vmwrite rax, rcx: exits */
	};
	u64 rip_at = 0x502000 + VMCS_REGION_DATA + 8 * VMCS_GUEST_RIP;
	u64 rsp_at = 0x502000 + VMCS_REGION_DATA + 8 * VMCS_GUEST_RSP;
	valid_vmcs();
	shadowing(true);
	h_poke64(h, rip_at, 0xfeed);
	phys_write(&h->m.mem, 0x504000 + (0x681e >> 3), 1, 1u << (0x681e & 7));
	h->c->gpr[RAX] = 0x681e; /* GUEST_RIP */
	h->c->gpr[RDX] = 0x681c; /* GUEST_RSP */
	h->c->gpr[RCX] = 0xbeef;
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 25);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 6);
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 3);
	/* vmwrite rax, rcx: register form, Reg1 = RCX, Reg2 = RAX */
	assert_int_equal(get(VMCS_VMX_INSTRUCTION_INFO), BIT(10) | 1 << 3 | 0u << 28);
	assert_int_equal(h->c->gpr[RBX], 0xfeed);        /* L2's VMREAD, back in L1 */
	assert_int_equal(h_peek64(h, rsp_at), 0xbeef);   /* L2's VMWRITE */
	assert_int_equal(h_peek64(h, rip_at), 0xfeed);   /* the exit wrote nothing */
	machine_free(&h->m);
}

/* The exit-reason gate: every basic exit reason of Appendix C was caused
 * by a test of this program (run before this one), or by one of the
 * other two programs (vmx_caused_elsewhere, which they check), or is one
 * the advertised controls cannot cause (docs/vmx.md lists them). */
static const u32 not_caused[] = {
	5, 6, 11, 17, 41, 53,
	60, 63, 64, 65, 66, 67, 68, 69, 70, 72, 73, 74, 75, 76, 77, 78, 79,
};

static void test_exit_reason_gate(void **state)
{
	unsigned bad = 0;
	for (u32 r = 0; r < 80; r++) {
		const char *name = vmx_exit_reason_ident(r);
		bool absent = false, elsewhere = false;
		if (!name || !*name || !strcmp(name, "?"))
			continue; /* unassigned numbers */
		for (size_t k = 0; k < ARRAY_SIZE(not_caused); k++)
			absent |= not_caused[k] == r;
		for (size_t k = 0; k < ARRAY_SIZE(vmx_caused_elsewhere); k++)
			elsewhere |= vmx_caused_elsewhere[k] == r;
		if (absent && vmx_exit_count(r)) {
			print_error("exit reason %u (%s) occurred but is listed as not caused\n", r, name);
			bad++;
		}
		if (!absent && !elsewhere && !vmx_exit_count(r)) {
			print_error("exit reason %u (%s) is caused by no test\n", r, name);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* an exit caused by the instruction in an STI shadow saves the blocking
 * by STI it ran under ("Saving Non-Register State") */
static void test_exit_saves_sti_blocking(void **state)
{
	static const u8 code[] = { 0xfb, 0x0f, 0xa2 }; /* sti; cpuid */
	valid_vmcs();
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_STI);
	machine_free(&h->m);
}

/* SDM "Information for VM Exits During Event Delivery": INT3 through a
 * not-present IDT gate raises #NP (error code: the gate, IDT bit), which
 * the exception bitmap intercepts; the IDT-vectoring information reports
 * the INT3 (vector 3, software exception) and the instruction length */
static void test_exit_during_delivery(void **state)
{
	static const u8 code[] = { 0xcc }; /* int3 */
	valid_vmcs();
	phys_write(&h->m.mem, H_IDT + 16 * 3 + 5, 1, 0x0e); /* gate 3: P = 0 */
	set(VMCS_EXCEPTION_BITMAP, 1u << VEC_NP);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 0);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), VEC_NP | (3 << 8) | BIT(11) | BIT(31));
	assert_int_equal(get(VMCS_EXIT_INTR_ERROR_CODE), (3 << 3) | 2);
	assert_int_equal(get(VMCS_IDT_VECTORING_INFO), 3 | (6 << 8) | BIT(31));
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 1);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	machine_free(&h->m);
}

/* SDM "VMX Transitions": with "enable VPID" (VPID 5) the entry and the exit
 * flush nothing: L1's translation survives both, and L2's are tagged with
 * its VPID; without it, both are flushed */
static void test_vpid_keeps_tlb(void **state)
{
	static const u8 code[] = { 0x8b, 0x04, 0x25, 0x00, 0x50, 0x60, 0x00, /* mov eax, [0x605000] */
				   0x0f, 0xa2 };                                   /* cpuid */
	for (int vpid = 0; vpid < 2; vpid++) {
		valid_vmcs();
		/* (each valid_vmcs() makes a new machine) */
		struct tlb_entry *l1 = &h->c->tlb[(0x707000 >> 12) & (TLB_SIZE - 1)];
		struct tlb_entry *l2 = &h->c->tlb[(0x605000 >> 12) & (TLB_SIZE - 1)];
		if (vpid) {
			or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
			set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_VPID);
			set(VMCS_VPID, 5);
		}
		l2_code(code, sizeof(code));
		(void)cpu_read(h->c, SEG_DS, 0x707000, 8); /* an L1 translation */
		assert_int_equal(l1->tag, (0x707000 >> 12) + 1);
		run_to_exit();
		assert_int_equal(get(VMCS_EXIT_REASON), 10);
		if (vpid) {
			assert_int_equal(l1->tag, (0x707000 >> 12) + 1);
			assert_int_equal(l2->tag, ((0x605000 >> 12) + 1) | (5ull << TLB_CTX_SHIFT));
			assert_int_equal(h->c->tlb_ctx, 0);
		} else {
			assert_int_equal(l1->tag, 0);
			assert_int_equal(l2->tag, 0);
		}
		machine_free(&h->m);
	}
}

/* SDM "Virtual Processor Identifiers (VPIDs)": a translation cached for
 * one VPID is not used for another -- for upper-half (kernel) addresses
 * too, whose page numbers fill bits 51:36 (found by Linux as L2 under
 * Linux's KVM: L1 read its own kernel data through L2's entries) */
static void test_vpid_tags_apart(void **state)
{
	static const u64 lins[] = { 0x707000, 0xffffffff83fd4788ull, 0xffff800000000000ull,
				    0xff00000000001000ull, 0x00ffffffffffffffull & ~0xfffull };
	static const u64 vpids[] = { 1, 5, 15, 16, 0xffff };
	valid_vmcs();
	for (unsigned k = 0; k < ARRAY_SIZE(lins); k++) {
		h->c->tlb_ctx = 0;
		u64 l1 = tlb_tag(h->c, lins[k]);
		for (unsigned v = 0; v < ARRAY_SIZE(vpids); v++) {
			h->c->tlb_ctx = vpids[v] << TLB_CTX_SHIFT;
			u64 l2 = tlb_tag(h->c, lins[k]);
			assert_int_not_equal(l1, l2);
			assert_int_equal(l2 & ~TLB_TAG_PAGE_MASK, vpids[v] << TLB_CTX_SHIFT);
			assert_int_equal(l2 & TLB_TAG_PAGE_MASK, l1);
		}
	}
	/* a non-canonical address never shares a canonical one's tag (bits
	 * 56:12 alike, 63:57 not) */
	h->c->tlb_ctx = 0;
	assert_int_not_equal(tlb_tag(h->c, 0x7e00000000001000ull), tlb_tag(h->c, 0x1000));
	assert_int_not_equal(tlb_tag(h->c, 0x8000000000001000ull), tlb_tag(h->c, 0x1000));
	assert_int_not_equal(tlb_tag(h->c, 0x00ffffffff801000ull), tlb_tag(h->c, 0xffffffffff801000ull));
	machine_free(&h->m);
}



int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_cpuid),
		cmocka_unit_test(test_exit_hlt),
		cmocka_unit_test(test_exit_io),
		cmocka_unit_test(test_exit_io_bitmap),
		cmocka_unit_test(test_exit_rdmsr),
		cmocka_unit_test(test_exit_cr3_load),
		cmocka_unit_test(test_exit_exception_bitmap),
		cmocka_unit_test(test_enable_rdtscp_ud),
		cmocka_unit_test(test_db_exit_qual),
		cmocka_unit_test(test_cr0_read_shadow),
		cmocka_unit_test(test_exit_saves_sti_blocking),
		cmocka_unit_test(test_exit_during_delivery),
		cmocka_unit_test(test_vpid_keeps_tlb),
		cmocka_unit_test(test_vpid_tags_apart),
		cmocka_unit_test(test_exit_msr_lists),
		cmocka_unit_test(test_perf_global_ctrl_loads),
		cmocka_unit_test(test_perf_global_ctrl_save),
		cmocka_unit_test(test_exit_msr_load_abort),
		cmocka_unit_test(test_insn_exits),
		cmocka_unit_test(test_event_exits),
		cmocka_unit_test(test_latched_init_exit),
		cmocka_unit_test(test_ept_exits),
		cmocka_unit_test(test_pml_vmfunc_exits),
		cmocka_unit_test(test_extint_exit),
		cmocka_unit_test(test_insn_info_exits),
		cmocka_unit_test(test_desc_table_no_exit),
		cmocka_unit_test(test_task_switch_exits),
		cmocka_unit_test(test_tsc_offset_scaling),
		cmocka_unit_test(test_sipi_exit),
		cmocka_unit_test(test_pause_loop_exiting),
		cmocka_unit_test(test_exit_column),
		cmocka_unit_test(test_shadow_vmcs_l2),
		/* last: it counts the exits of every test above */
		cmocka_unit_test(test_exit_reason_gate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
