/* tests/unit/vmx_apicv_test.c: VM exits of APIC virtualization (TPR
 * shadow, APIC-access page, x2APIC virtualization, virtual-interrupt
 * delivery, posted interrupts) and of vmx/events.c (MTF, the
 * VMX-preemption timer, NMI windows and virtual NMIs), driven through
 * vmx_vmentry() (tests/unit/vmx_harness.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmx_harness.h"

/* SDM "Virtualizing CR8-Based TPR Accesses": with "use TPR shadow", MOV
 * to CR8 writes VTPR (bits 7:4 of byte 80H of the virtual-APIC page, the
 * rest cleared) and MOV from CR8 reads it back; the local APIC's TPR is
 * untouched. "TPR Virtualization": a VTPR below the threshold exits
 * (reason 43) after the MOV to CR8, with RIP at the next instruction. */
static void test_tpr_shadow(void **state)
{
	static const u8 code[] = {
		0xb8, 0x05, 0x00, 0x00, 0x00, /* mov eax, 5 */
		0x44, 0x0f, 0x22, 0xc0,       /* mov cr8, rax */
		0x44, 0x0f, 0x20, 0xc3,       /* mov rbx, cr8 */
		0x0f, 0xa2,                   /* cpuid */
	};

	valid_vmcs();
	tpr_shadow_on();
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0xffffff0f);
	set(VMCS_TPR_THRESHOLD, 0);
	l2_code(code, sizeof(code));
	h->c->gpr[RBX] = ~0ull;
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x80, 4), 0x50);
	assert_int_equal(h->c->gpr[RBX], 5);
	assert_int_equal(h->c->apic_ops->get_cr8(h->c), 0);
	machine_free(&h->m);

	/* threshold 6 > VTPR[7:4] = 5: a trap-like exit after the MOV */
	valid_vmcs();
	tpr_shadow_on();
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x70);
	set(VMCS_TPR_THRESHOLD, 6);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 43);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 9);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x80, 4), 0x50);
	assert_int_equal(get(VMCS_GUEST_PENDING_DBG_EXCEPTIONS), 0);
	machine_free(&h->m);

	/* single-stepping L2: the exit has priority over the #DB trap of the
	 * MOV, which stays pending (BS) in the guest state */
	valid_vmcs();
	tpr_shadow_on();
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x70);
	set(VMCS_TPR_THRESHOLD, 6);
	set(VMCS_GUEST_RIP, L2_CODE + 5);
	or(VMCS_GUEST_RFLAGS, RFLAGS_TF);
	l2_code(code, sizeof(code));
	h->c->gpr[RAX] = 5;
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 43);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 9);
	assert_int_equal(get(VMCS_GUEST_PENDING_DBG_EXCEPTIONS), DR6_BS);
	machine_free(&h->m);

	/* CR8-load exiting still exits first (reason 28), VTPR unchanged */
	valid_vmcs();
	tpr_shadow_on();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_CR8_LOAD_EXITING);
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x70);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 28);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x80, 4), 0x70);
	machine_free(&h->m);
}

/* SDM "Virtualizing Memory-Mapped APIC Accesses" and "APIC-Access VM
 * Exits": with "virtualize APIC accesses", L2's accesses to the
 * APIC-access page; with "use TPR shadow" those to the TPR (080H) go to
 * the virtual-APIC page, the others exit with the offset and the access
 * type in the qualification (0 read, 1 write, 2 fetch) */
static void run_apic(const u8 *code, size_t len, bool tpr_shadow)
{
	valid_vmcs();
	apic_accesses_on();
	if (tpr_shadow)
		tpr_shadow_on();
	phys_write(&h->m.mem, APIC_PAGE + 0x80, 4, 0xdeadbeef);
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x40);
	l2_code(code, len);
	run_to_exit();
}

static void test_apic_access(void **state)
{
	static const u8 tpr_rw[] = {
		0x8b, 0x04, 0x25, 0x80, 0x00, 0x62, 0x00,                         /* mov eax, [0x620080] */
		0xc7, 0x04, 0x25, 0x80, 0x00, 0x62, 0x00, 0x30, 0x01, 0x00, 0x00, /* mov dword [0x620080], 0x130 */
		0x8b, 0x1c, 0x25, 0x20, 0x00, 0x62, 0x00,                         /* mov ebx, [0x620020] */
	};
	static const u8 icr_write[] = {
		0xc7, 0x04, 0x25, 0x00, 0x03, 0x62, 0x00, 0x00, 0x00, 0x00, 0x00, /* mov dword [0x620300], 0 */
	};
	static const u8 fetch[] = { 0xe9, 0xfb, 0xff, 0x49, 0x00 };          /* jmp 0x620000 */
	static const u8 tpr_qword[] = { 0x48, 0x8b, 0x04, 0x25, 0x80, 0x00, 0x62, 0x00 }; /* mov rax, [0x620080] */

	/* TPR read and write virtualized, then a read of the ID register exits */
	run_apic(tpr_rw, sizeof(tpr_rw), true);
	assert_int_equal(get(VMCS_EXIT_REASON), 44);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x020 | (0 << 12));
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 18);
	/* undefined by the SDM for a data access; nestbox reports the
	 * instruction's length (vmx/apicv.c apic_access_exit) */
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 7);
	assert_int_equal(h->c->gpr[RAX] & 0xffffffff, 0x40);
	/* the write cleared bytes 81H-83H ("APIC-Write Emulation") */
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x80, 4), 0x30);
	assert_int_equal(phys_read(&h->m.mem, APIC_PAGE + 0x80, 4), 0xdeadbeef);
	machine_free(&h->m);

	/* without "use TPR shadow" even the TPR read exits */
	run_apic(tpr_rw, sizeof(tpr_rw), false);
	assert_int_equal(get(VMCS_EXIT_REASON), 44);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x080 | (0 << 12));
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	machine_free(&h->m);

	/* a write of the ICR: type 1 */
	run_apic(icr_write, sizeof(icr_write), true);
	assert_int_equal(get(VMCS_EXIT_REASON), 44);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x300 | (1 << 12));
	machine_free(&h->m);

	/* a fetch: type 2, RIP at the APIC-access page */
	run_apic(fetch, sizeof(fetch), true);
	assert_int_equal(get(VMCS_EXIT_REASON), 44);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x000 | (2 << 12));
	assert_int_equal(get(VMCS_GUEST_RIP), APIC_PAGE);
	machine_free(&h->m);

	/* a 64-bit read of the TPR is more than 32 bits: it exits */
	run_apic(tpr_qword, sizeof(tpr_qword), true);
	assert_int_equal(get(VMCS_EXIT_REASON), 44);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x080);
	machine_free(&h->m);

	/* a virtualized TPR write below the threshold: trap-like reason 43 */
	valid_vmcs();
	apic_accesses_on();
	tpr_shadow_on();
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x40);
	set(VMCS_TPR_THRESHOLD, 4);
	l2_code(tpr_rw, sizeof(tpr_rw));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 43);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 18);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x80, 4), 0x30);
	machine_free(&h->m);
}

/* SDM "Virtualizing Reads from the APIC-Access Page" and "APIC-Write
 * VM Exits" with "APIC-register virtualization": a read of the APIC ID
 * comes from the virtual-APIC page; a write of the ICR goes there and
 * then exits (reason 56, trap-like, the offset as qualification); the
 * current count (390H) is not virtualized */
static void test_apic_register_virt(void **state)
{
	static const u8 code[] = {
		0x8b, 0x1c, 0x25, 0x20, 0x00, 0x62, 0x00,             /* mov ebx, [0x620020] */
		0xc7, 0x04, 0x25, 0x00, 0x03, 0x62, 0x00, 0x44, 0x33, 0x22, 0x11,
								      /* mov dword [0x620300], 0x11223344 */
	};
	static const u8 count[] = { 0x8b, 0x04, 0x25, 0x90, 0x03, 0x62, 0x00 }; /* mov eax, [0x620390] */

	valid_vmcs();
	apic_accesses_on();
	tpr_shadow_on();
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_APIC_REGISTER_VIRT);
	phys_write(&h->m.mem, VAPIC + 0x20, 4, 0x07000000);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 56);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x300);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + sizeof(code));
	assert_int_equal(h->c->gpr[RBX] & 0xffffffff, 0x07000000);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x300, 4), 0x11223344);
	assert_int_equal(phys_read(&h->m.mem, APIC_PAGE + 0x300, 4), 0);
	machine_free(&h->m);

	valid_vmcs();
	apic_accesses_on();
	tpr_shadow_on();
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_APIC_REGISTER_VIRT);
	l2_code(count, sizeof(count));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 44);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x390);
	machine_free(&h->m);
}

/* SDM "Virtualizing MSR-Based APIC Accesses": with "virtualize x2APIC
 * mode" (MSR bitmaps all 0), RDMSR/WRMSR of 808H go to offset 80H of the
 * virtual-APIC page (8 bytes) even though the local APIC is in xAPIC
 * mode; other x2APIC MSRs operate normally (#GP: not in x2APIC mode)
 * unless "APIC-register virtualization" reads them from offset
 * (ECX & FFH) << 4; a WRMSR of 808H with bits 63:8 set is #GP; a VTPR
 * below the threshold exits (43) after the WRMSR */
static void x2apic_setup(u32 proc2)
{
	valid_vmcs();
	tpr_shadow_on();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_MSR_BITMAPS | PROC_ACTIVATE_SECONDARY);
	set(VMCS_MSR_BITMAP, SCRATCH + 0x2000);
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VIRT_X2APIC_MODE | proc2);
	set(VMCS_EXCEPTION_BITMAP, 1u << VEC_GP);
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x40);
	phys_write(&h->m.mem, VAPIC + 0x84, 4, 0x11);
	phys_write(&h->m.mem, VAPIC + 0x300, 4, 0xaabb);
	phys_write(&h->m.mem, VAPIC + 0x304, 4, 0xccdd);
}

static void test_x2apic_virt(void **state)
{
	static const u8 code[] = {
		0xb9, 0x08, 0x08, 0x00, 0x00, /* mov ecx, 0x808 */
		0x0f, 0x32,                   /* rdmsr */
		0x89, 0xc3,                   /* mov ebx, eax */
		0xb8, 0x30, 0x00, 0x00, 0x00, /* mov eax, 0x30 */
		0x31, 0xd2,                   /* xor edx, edx */
		0x0f, 0x30,                   /* wrmsr */
		0xb9, 0x30, 0x08, 0x00, 0x00, /* mov ecx, 0x830 */
		0x0f, 0x32,                   /* rdmsr */
		0x0f, 0xa2,                   /* cpuid */
	};
	static const u8 bad_tpr[] = {
		0xb9, 0x08, 0x08, 0x00, 0x00, /* mov ecx, 0x808 */
		0xb8, 0x30, 0x01, 0x00, 0x00, /* mov eax, 0x130 */
		0x31, 0xd2,                   /* xor edx, edx */
		0x0f, 0x30,                   /* wrmsr */
	};

	x2apic_setup(0);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 0);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO) & 0x7ff, VEC_GP | (3 << 8));
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 23);
	assert_int_equal(h->c->gpr[RBX], 0x40);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x80, 8), 0x30);
	machine_free(&h->m);

	x2apic_setup(PROC2_APIC_REGISTER_VIRT);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(h->c->gpr[RAX], 0xaabb);
	assert_int_equal(h->c->gpr[RDX], 0xccdd);
	machine_free(&h->m);

	x2apic_setup(0);
	l2_code(bad_tpr, sizeof(bad_tpr));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 0);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO) & 0xff, VEC_GP);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 12);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + 0x80, 4), 0x40);
	machine_free(&h->m);

	x2apic_setup(0);
	set(VMCS_TPR_THRESHOLD, 4);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 43);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 18);
	machine_free(&h->m);

	/* a bit set in the read bitmap: the RDMSR exits first (reason 31) */
	x2apic_setup(0);
	phys_write(&h->m.mem, SCRATCH + 0x2000 + 0x808 / 8, 1, 1u << (0x808 % 8));
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 31);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 5);
	machine_free(&h->m);
}

/* virtual-interrupt delivery: external-interrupt exiting, TPR shadow, IF
 * = 1; RVI/SVI = rvi/svi; the handler of each vector in `exits` is a
 * CPUID (the harness's are HLTs) */
static void vid_setup(u8 rvi, u8 svi, u32 proc2)
{
	valid_vmcs();
	tpr_shadow_on();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	or(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VIRT_INTR_DELIVERY | proc2);
	or(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	set(VMCS_GUEST_INTR_STATUS, rvi | (svi << 8));
	static const u8 cpuid[] = { 0x0f, 0xa2 };
	for (unsigned v = 0x20; v < 0x60; v++)
		h_poke(h, H_VECTORS + 16 * v, cpuid, sizeof(cpuid));
}
static bool vbit(unsigned base, u8 vec)
{
	return (phys_read(&h->m.mem, VAPIC + base + (vec / 32) * 16, 4) >> (vec % 32)) & 1;
}
static void set_vbit(unsigned base, u8 vec)
{
	u64 a = VAPIC + base + (vec / 32) * 16;
	phys_write(&h->m.mem, a, 4, phys_read(&h->m.mem, a, 4) | 1u << (vec % 32));
}

/* SDM "Evaluation and Delivery of Virtual Interrupts": RVI 31H above VPPR
 * is delivered right after VM entry through L2's IDT (VISR, SVI, VPPR
 * updated, VIRR cleared, RVI the next highest request); a VTPR of 40H
 * holds it back until MOV to CR8 lowers it ("TPR Virtualization") */
static void test_vid_delivery(void **state)
{
	static const u8 code[] = { 0x31, 0xc0, 0x44, 0x0f, 0x22, 0xc0, 0x0f, 0xa2 };
	/* xor eax, eax; mov cr8, rax; cpuid */

	vid_setup(0x31, 0, 0);
	set_vbit(VAPIC_IRR, 0x31);
	set_vbit(VAPIC_IRR, 0x22);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 0x31);
	assert_int_equal(get(VMCS_GUEST_INTR_STATUS), 0x22 | (0x31 << 8));
	assert_true(vbit(VAPIC_ISR, 0x31));
	assert_false(vbit(VAPIC_IRR, 0x31));
	assert_true(vbit(VAPIC_IRR, 0x22));
	assert_int_equal(phys_read(&h->m.mem, VAPIC + VAPIC_PPR, 4), 0x30);
	/* the frame: the interrupted instruction is L2's first */
	assert_int_equal(h_peek64(h, L2_STACK - 40), L2_CODE);
	machine_free(&h->m);

	vid_setup(0x31, 0, 0);
	set_vbit(VAPIC_IRR, 0x31);
	phys_write(&h->m.mem, VAPIC + VAPIC_TPR, 4, 0x40);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 0x31);
	assert_int_equal(h_peek64(h, L2_STACK - 40), L2_CODE + 6);
	machine_free(&h->m);

	/* with IF = 0 nothing is delivered: L2 reaches its CPUID */
	vid_setup(0x31, 0, 0);
	set_vbit(VAPIC_IRR, 0x31);
	andn(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 6);
	machine_free(&h->m);
}

/* SDM "EOI Virtualization" through the x2APIC EOI MSR: VISR and SVI
 * updated; with the vector's EOI-exit bitmap bit a trap-like exit (45,
 * the vector as qualification); without it the next request (22H) is
 * delivered. SDM "Self-IPI Virtualization": a write of the ICR asking a
 * fixed self IPI, or of the x2APIC self-IPI MSR, sets VIRR and RVI and the
 * interrupt is delivered; another ICR value makes an APIC-write exit. */
static void test_vid_eoi_self_ipi(void **state)
{
	static const u8 eoi[] = {
		0xb9, 0x0b, 0x08, 0x00, 0x00, /* mov ecx, 0x80b */
		0x31, 0xc0, 0x31, 0xd2,       /* xor eax, eax; xor edx, edx */
		0x0f, 0x30,                   /* wrmsr */
		0x0f, 0x0b,                   /* ud2 */
	};
	static const u8 self_msr[] = {
		0xb9, 0x3f, 0x08, 0x00, 0x00, /* mov ecx, 0x83f */
		0xb8, 0x52, 0x00, 0x00, 0x00, /* mov eax, 0x52 */
		0x31, 0xd2, 0x0f, 0x30,       /* xor edx, edx; wrmsr */
		0x0f, 0x0b,                   /* ud2 */
	};
	static const u8 icr_self[] = {   /* mov dword [0x620300], 0x40041 */
		0xc7, 0x04, 0x25, 0x00, 0x03, 0x62, 0x00, 0x41, 0x00, 0x04, 0x00, 0x0f, 0x0b,
	};
	static const u8 icr_other[] = {  /* mov dword [0x620300], 0x41 */
		0xc7, 0x04, 0x25, 0x00, 0x03, 0x62, 0x00, 0x41, 0x00, 0x00, 0x00, 0x0f, 0x0b,
	};

	vid_setup(0x22, 0x31, PROC2_VIRT_X2APIC_MODE);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_MSR_BITMAPS);
	set(VMCS_MSR_BITMAP, SCRATCH + 0x2000);
	set_vbit(VAPIC_ISR, 0x31);
	set_vbit(VAPIC_IRR, 0x22);
	set(VMCS_EOI_EXIT_BITMAP0, 1ull << 0x31);
	l2_code(eoi, sizeof(eoi));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 45);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x31);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 11);
	assert_false(vbit(VAPIC_ISR, 0x31));
	assert_int_equal(get(VMCS_GUEST_INTR_STATUS), 0x22);
	machine_free(&h->m);

	vid_setup(0x22, 0x31, PROC2_VIRT_X2APIC_MODE);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_MSR_BITMAPS);
	set(VMCS_MSR_BITMAP, SCRATCH + 0x2000);
	set_vbit(VAPIC_ISR, 0x31);
	set_vbit(VAPIC_IRR, 0x22);
	l2_code(eoi, sizeof(eoi));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 0x22);
	assert_int_equal(get(VMCS_GUEST_INTR_STATUS), 0x22 << 8);
	machine_free(&h->m);

	vid_setup(0, 0, PROC2_VIRT_X2APIC_MODE);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_USE_MSR_BITMAPS);
	set(VMCS_MSR_BITMAP, SCRATCH + 0x2000);
	l2_code(self_msr, sizeof(self_msr));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 0x52);
	assert_true(vbit(VAPIC_ISR, 0x52));
	assert_int_equal(phys_read(&h->m.mem, VAPIC + VAPIC_SELF_IPI, 4), 0x52);
	machine_free(&h->m);

	vid_setup(0, 0, PROC2_VIRT_APIC_ACCESSES);
	set(VMCS_APIC_ACCESS_ADDR, APIC_PAGE);
	l2_code(icr_self, sizeof(icr_self));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 0x41);
	assert_int_equal(phys_read(&h->m.mem, VAPIC + VAPIC_ICR_LO, 4), 0x40041);
	machine_free(&h->m);

	vid_setup(0, 0, PROC2_VIRT_APIC_ACCESSES);
	set(VMCS_APIC_ACCESS_ADDR, APIC_PAGE);
	l2_code(icr_other, sizeof(icr_other));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 56);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x300);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 11);
	machine_free(&h->m);
}

/* SDM "Posted-Interrupt Processing": the notification vector (a self IPI
 * through the xAPIC) acknowledged in L2 does not exit: ON is cleared, the
 * local APIC gets its EOI, PIR moves to VIRR, RVI takes its highest
 * vector, which is delivered to L2. Another vector exits as usual. A
 * notification still pending when a VM exit happens (here L2's first
 * instruction, in a MOV-SS shadow, exits) stays in the local APIC: L1
 * takes it as an ordinary interrupt, the descriptor untouched. */
static void pi_setup(void)
{
	vid_setup(0, 0, 0);
	pi_on();
	phys_write(&h->m.mem, PI_DESC + 4, 4, 1u << (0x33 - 32));
	phys_write(&h->m.mem, PI_DESC + 12, 4, 1u << (0x65 - 96));
	phys_write(&h->m.mem, PI_DESC + 32, 8, 1);
	static const u8 cpuid[] = { 0x0f, 0xa2 };
	h_poke(h, H_VECTORS + 16 * 0x65, cpuid, sizeof(cpuid));
	phys_write(&h->m.mem, 0xfee000f0, 4, 0x1ff); /* SPIV: APIC on */
}

static void test_posted_interrupts(void **state)
{
	static const u8 code[] = { 0x90, 0x90, 0x0f, 0xa2 };

	pi_setup();
	l2_code(code, sizeof(code));
	assert_int_equal(enter(), ENTERED);
	phys_write(&h->m.mem, 0xfee00300, 4, PI_NV | (1u << 18)); /* self IPI */
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 0x65);
	assert_int_equal(get(VMCS_GUEST_INTR_STATUS), 0x33 | (0x65 << 8));
	assert_true(vbit(VAPIC_IRR, 0x33));
	assert_true(vbit(VAPIC_ISR, 0x65));
	for (unsigned k = 0; k < 5; k++)
		assert_int_equal(phys_read(&h->m.mem, PI_DESC + 8 * k, 8), 0);
	/* the local APIC's ISR holds no notification vector: the EOI */
	assert_int_equal(phys_read(&h->m.mem, 0xfee00100 + 16 * (PI_NV / 32), 4), 0);
	machine_free(&h->m);

	/* another vector: an external-interrupt exit, the descriptor untouched */
	pi_setup();
	l2_code(code, sizeof(code));
	assert_int_equal(enter(), ENTERED);
	phys_write(&h->m.mem, 0xfee00300, 4, 0x40 | (1u << 18));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 1);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), 0x40 | BIT(31));
	assert_int_equal(phys_read(&h->m.mem, PI_DESC + 32, 8), 1);
	machine_free(&h->m);

	/* the notification pending while L2 exits: L1's interrupt */
	pi_setup();
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_MOV_SS);
	l2_code(code + 2, 2);
	phys_write(&h->m.mem, 0xfee00300, 4, PI_NV | (1u << 18));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(phys_read(&h->m.mem, PI_DESC + 32, 8), 1);
	assert_int_equal(phys_read(&h->m.mem, PI_DESC + 12, 4), 1u << (0x65 - 96));
	assert_int_equal(get(VMCS_GUEST_INTR_STATUS), 0);
	cpu_set_rflags(h->c, RFLAGS_FIXED | RFLAGS_IF);
	cpu_step(h->c);
	assert_int_equal(h->c->rip, H_VECTORS + 16 * PI_NV + 1); /* its HLT ran */
	machine_free(&h->m);
}

/* a TLB entry for the APIC-access page made before "virtualize APIC
 * accesses" was set and kept by the VPID must not let L2 reach the page's
 * memory afterwards */
static void test_apic_access_vpid_tlb(void **state)
{
	static const u8 code[] = {
		0x8b, 0x1c, 0x25, 0x20, 0x00, 0x62, 0x00, /* mov ebx, [0x620020] */
		0x0f, 0xa2,                               /* cpuid */
	};
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_ACTIVATE_SECONDARY);
	set(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_VPID);
	set(VMCS_VPID, 5);
	phys_write(&h->m.mem, APIC_PAGE + 0x20, 4, 0x1234);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(h->c->gpr[RBX], 0x1234);
	apic_accesses_on();
	set(VMCS_GUEST_RIP, L2_CODE);
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 44);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0x20);
	machine_free(&h->m);
}

/* SDM "VM Exits Induced by the TPR Threshold": with "virtualize APIC
 * accesses" the threshold above VTPR is no failed check but an exit right
 * after the entry, before L2's first instruction */
static void test_tpr_exit_at_entry(void **state)
{
	jmp_buf jb;

	valid_vmcs();
	apic_accesses_on();
	tpr_shadow_on();
	phys_write(&h->m.mem, VAPIC + 0x80, 4, 0x20);
	set(VMCS_TPR_THRESHOLD, 3);
	h->c->unwind = &jb;
	if (!setjmp(jb))
		vmx_vmentry(h->c, true);
	h->c->unwind = NULL;
	assert_false(h->c->vmx.nonroot);
	assert_true(h->c->vmx.launched);
	assert_int_equal(get(VMCS_EXIT_REASON), 43);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(h->c->rip, HOST_RIP);
	machine_free(&h->m);
}

/* interrupt-window exiting: STI's shadow covers the NOP, the exit comes
 * before the CPUID, with no interruption information */
static void test_exit_intr_window(void **state)
{
	static const u8 code[] = { 0xfb, 0x90, 0x0f, 0xa2 }; /* sti; nop; cpuid */
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_INTR_WINDOW_EXITING);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 7);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 2);
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 0);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), 0);
	machine_free(&h->m);
}

/* SDM "Monitor Trap Flag": an MTF VM exit (37, qualification 0, no
 * instruction length) after each instruction; RIP names the next one */
static void test_mtf_each_insn(void **state)
{
	static const u8 code[] = { 0x90, 0x48, 0xff, 0xc0, 0x0f, 0xa2 }; /* nop; inc rax; cpuid */
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MONITOR_TRAP_FLAG);
	l2_code(code, sizeof(code));
	h->c->gpr[RAX] = 5;
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0);
	assert_int_equal(get(VMCS_EXIT_INSTRUCTION_LEN), 0);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), 0);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 1);
	resume_l2();
	step_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 4);
	assert_int_equal(h->c->gpr[RAX], 6);
	/* an instruction that exits: its own exit, no MTF exit after it */
	resume_l2();
	step_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 4);
	assert_false(h->c->vmx.mtf_pending);
	machine_free(&h->m);
}

/* a faulting instruction: the MTF exit follows the fault's delivery (RIP:
 * the #UD handler); a REP string instruction: one iteration per exit */
static void test_mtf_fault_and_rep(void **state)
{
	static const u8 ud2[] = { 0x0f, 0x0b };
	static const u8 rep[] = { 0xf3, 0xaa }; /* rep stosb */
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MONITOR_TRAP_FLAG);
	l2_code(ud2, sizeof(ud2));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * VEC_UD);
	machine_free(&h->m);

	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MONITOR_TRAP_FLAG);
	l2_code(rep, sizeof(rep));
	h->c->gpr[RCX] = 3;
	h->c->gpr[RDI] = SCRATCH;
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(h->c->gpr[RCX], 2);
	assert_int_equal(h->c->gpr[RDI], SCRATCH + 1);
	machine_free(&h->m);
}

/* MTF before a single-step trap (SDM "Event Priority"): the #DB stays
 * pending, saved in the pending-debug-exceptions field (BS, bit 14) */
static void test_mtf_before_db_trap(void **state)
{
	static const u8 code[] = { 0x90, 0x90 };
	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MONITOR_TRAP_FLAG);
	or(VMCS_GUEST_RFLAGS, RFLAGS_TF);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 1);
	assert_int_equal(get(VMCS_GUEST_PENDING_DBG_EXCEPTIONS), BIT(14));
	machine_free(&h->m);
}

/* "Injection of Pending MTF VM Exits": type 7 vector 0 with the MTF
 * control 0 exits before the first instruction; an injected event with MTF
 * exits after its delivery (RIP: the handler) */
static void test_mtf_injection(void **state)
{
	static const u8 code[] = { 0x90 };
	valid_vmcs();
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (7 << 8));
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(get(VMCS_ENTRY_INTR_INFO) & BIT(31), 0);
	machine_free(&h->m);

	valid_vmcs();
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MONITOR_TRAP_FLAG);
	or(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | 0x41);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 0x41);
	machine_free(&h->m);
}

/* SDM "VMX-Preemption Timer": a value of 0 exits (52) before the first
 * instruction; "save VMX-preemption timer value" stores 0 */
static void test_timer_zero(void **state)
{
	static const u8 code[] = { 0x90 };
	valid_vmcs();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	or(VMCS_VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER);
	set(VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 52);
	assert_int_equal(get(VMCS_EXIT_QUALIFICATION), 0);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(get(VMCS_VMX_PREEMPTION_TIMER_VALUE), 0);
	assert_false(h->c->vmx.timer.armed);
	machine_free(&h->m);
}

/* The VMX-preemption timer with value 0 exits "before execution of any
 * instruction following VM entry ... after any event injection" and after
 * the pending debug exceptions are delivered (SDM "VMX-Preemption Timer",
 * "Event Priority"): RIP is the #DB handler's first instruction. An injected
 * #DB does not consult the exception bitmap (SDM "Vectored-Event
 * Injection": the event is delivered as if it occurred normally, without a
 * VM exit). Found by kvm-unit-tests vmx_preemption_timer_zero_test. */
static void test_timer_zero_after_db(void **state)
{
	static const u8 code[] = { 0x90, 0x90 };
	for (int k = 0; k < 2; k++) {
		valid_vmcs();
		or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
		set(VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
		if (k == 0) {
			set(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, DR6_BS);
		} else {
			set(VMCS_EXCEPTION_BITMAP, 1u << 1);
			set(VMCS_ENTRY_INTR_INFO, 1 | (3 << 8) | BIT(31));
		}
		l2_code(code, sizeof(code));
		run_to_exit();
		if (get(VMCS_EXIT_REASON) != 52 || get(VMCS_GUEST_RIP) != H_VECTORS + 16)
			fail_msg("case %d: exit reason %llu at RIP %#llx, want 52 at %#llx", k,
				 (unsigned long long)get(VMCS_EXIT_REASON),
				 (unsigned long long)get(VMCS_GUEST_RIP),
				 (unsigned long long)(H_VECTORS + 16));
		assert_int_equal(get(VMCS_GUEST_ACTIVITY_STATE), 0);
		machine_free(&h->m);
	}
}

/* the timer counts down once per 2^5 TSC ticks (IA32_VMX_MISC[4:0] = 5) of
 * virtual time: value 3 expires between 65 and 96 ns (instructions) into
 * `jmp $`; an exit before that saves what is left */
static void test_timer_counts(void **state)
{
	static const u8 spin[] = { 0xeb, 0xfe };         /* jmp $ */
	static const u8 code[] = { 0x90, 0x0f, 0xa2 };   /* nop; cpuid */
	assert_int_equal(vmx_msr_misc(&(struct vmx_caps){ .preemption_timer_rate = 5 }) & 0x1f, 5);
	valid_vmcs();
	h->m.cur = h->c; /* virtual time runs with this vCPU's instructions */
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	or(VMCS_VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER);
	set(VMCS_VMX_PREEMPTION_TIMER_VALUE, 3);
	l2_code(spin, sizeof(spin));
	u64 t0 = clock_tsc(&h->m);
	run_to_exit();
	u64 ran = clock_tsc(&h->m) - t0;
	assert_int_equal(get(VMCS_EXIT_REASON), 52);
	assert_int_equal(get(VMCS_VMX_PREEMPTION_TIMER_VALUE), 0);
	assert_true(ran > 2 * 32 && ran <= 3 * 32);
	assert_int_equal(clock_tsc(&h->m) >> 5, (t0 >> 5) + 3);
	h->m.cur = NULL;
	machine_free(&h->m);

	valid_vmcs();
	h->m.cur = h->c;
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	or(VMCS_VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER);
	set(VMCS_VMX_PREEMPTION_TIMER_VALUE, 1000);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_in_range(get(VMCS_VMX_PREEMPTION_TIMER_VALUE), 999, 1000);
	assert_false(h->c->vmx.timer.armed);
	h->m.cur = NULL;
	machine_free(&h->m);
}

/* NMI-window exiting with virtual NMIs: no virtual-NMI blocking -> exit 8
 * before the first instruction; with it (interruptibility bit 3), L2 runs
 * until IRET removes it, then exits; the exit saves bit 3 */
static void test_nmi_window(void **state)
{
	static const u8 nop[] = { 0x90 };
	static const u8 code[] = { 0x0f, 0xa2, 0x48, 0xcf, 0x90 }; /* cpuid; iretq; nop */
	valid_vmcs();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_NMI_WINDOW_EXITING);
	l2_code(nop, sizeof(nop));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 8);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
	assert_int_equal(get(VMCS_EXIT_INTR_INFO), 0);
	assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
	machine_free(&h->m);

	valid_vmcs();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_NMI_WINDOW_EXITING);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
	/* IRETQ's frame: RIP, CS, RFLAGS, RSP, SS */
	h_poke64(h, L2_STACK, L2_CODE + 4);
	h_poke64(h, L2_STACK + 8, 0x08);
	h_poke64(h, L2_STACK + 16, RFLAGS_FIXED);
	h_poke64(h, L2_STACK + 24, L2_STACK + 0x100);
	h_poke64(h, L2_STACK + 32, 0x10);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_NMI);
	set(VMCS_GUEST_RIP, L2_CODE + 2);
	resume_l2();
	step_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 8);
	assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE + 4);
	assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
	machine_free(&h->m);
}

/* an IRET that faults (null CS in its frame: #GP(0), intercepted) still
 * removes virtual-NMI blocking, and the exit says so in bit 12 of the
 * VM-exit interruption information; without blocking before it, bit 12 is 0 */
static void test_iret_fault_unblocks(void **state)
{
	static const u8 code[] = { 0x48, 0xcf }; /* iretq */
	for (int blocked = 0; blocked < 2; blocked++) {
		valid_vmcs();
		or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
		set(VMCS_GUEST_INTERRUPTIBILITY_INFO, blocked ? GUEST_INTR_STATE_NMI : 0);
		set(VMCS_EXCEPTION_BITMAP, 1u << VEC_GP);
		h_poke64(h, L2_STACK, L2_CODE);
		h_poke64(h, L2_STACK + 8, 0);
		h_poke64(h, L2_STACK + 16, RFLAGS_FIXED);
		h_poke64(h, L2_STACK + 24, L2_STACK + 0x100);
		h_poke64(h, L2_STACK + 32, 0x10);
		l2_code(code, sizeof(code));
		run_to_exit();
		assert_int_equal(get(VMCS_EXIT_REASON), 0);
		assert_int_equal(get(VMCS_EXIT_INTR_INFO), VEC_GP | (3 << 8) | BIT(11) | BIT(31) |
								 (blocked ? BIT(12) : 0));
		assert_int_equal(get(VMCS_EXIT_INTR_ERROR_CODE), 0);
		assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
		assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
		machine_free(&h->m);
	}
}

/* SDM "Information About NMI Unblocking Due to IRET": an IRET that removed
 * virtual-NMI blocking and then met an EPT violation (its frame on a page
 * EPT does not map) sets bit 12 of the exit qualification; without
 * blocking before it the bit is 0 */
static void test_iret_ept_violation_unblocks(void **state)
{
	static const u8 code[] = { 0x48, 0xcf }; /* iretq */
	for (int blocked = 0; blocked < 2; blocked++) {
		valid_vmcs();
		ept_on();
		or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
		set(VMCS_GUEST_INTERRUPTIBILITY_INFO, blocked ? GUEST_INTR_STATE_NMI : 0);
		h_poke64(h, EPT_PT + 8 * (L2_STACK >> 12), 0);
		l2_code(code, sizeof(code));
		run_to_exit();
		assert_int_equal(get(VMCS_EXIT_REASON), 48);
		assert_int_equal(get(VMCS_EXIT_QUALIFICATION) & BIT(12), blocked ? BIT(12) : 0);
		assert_int_equal(get(VMCS_EXIT_QUALIFICATION) & 7, BIT(0)); /* a read */
		assert_int_equal(get(VMCS_GUEST_PHYSICAL_ADDRESS), L2_STACK);
		assert_int_equal(get(VMCS_GUEST_RIP), L2_CODE);
		assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
		machine_free(&h->m);
	}
}

/* IRET with "NMI exiting" and no virtual NMIs leaves NMI blocking alone;
 * an NMI injected with virtual NMIs blocks virtual NMIs */
static void test_iret_nmi_blocking(void **state)
{
	static const u8 code[] = { 0x48, 0xcf, 0x0f, 0xa2 }; /* iretq; cpuid */
	valid_vmcs();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	set(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
	h_poke64(h, L2_STACK, L2_CODE + 2);
	h_poke64(h, L2_STACK + 8, 0x08);
	h_poke64(h, L2_STACK + 16, RFLAGS_FIXED);
	h_poke64(h, L2_STACK + 24, L2_STACK + 0x100);
	h_poke64(h, L2_STACK + 32, 0x10);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 10);
	assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_NMI);
	machine_free(&h->m);

	valid_vmcs();
	or(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	or(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_MONITOR_TRAP_FLAG);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 2);
	l2_code(code, sizeof(code));
	run_to_exit();
	assert_int_equal(get(VMCS_EXIT_REASON), 37);
	assert_int_equal(get(VMCS_GUEST_RIP), H_VECTORS + 16 * 2);
	assert_int_equal(get(VMCS_GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_NMI);
	machine_free(&h->m);
}


/* this program's part of the exit-reason gate (vmx_harness.h) */
static void test_exit_reasons_caused(void **state)
{
	static const u32 here[] = { VMX_CAUSED_IN_APICV_TEST };
	vmx_gate_caused_here(here, ARRAY_SIZE(here));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_zero_after_db),
		cmocka_unit_test(test_exit_intr_window),
		cmocka_unit_test(test_tpr_shadow),
		cmocka_unit_test(test_apic_access),
		cmocka_unit_test(test_tpr_exit_at_entry),
		cmocka_unit_test(test_apic_access_vpid_tlb),
		cmocka_unit_test(test_apic_register_virt),
		cmocka_unit_test(test_x2apic_virt),
		cmocka_unit_test(test_vid_delivery),
		cmocka_unit_test(test_vid_eoi_self_ipi),
		cmocka_unit_test(test_posted_interrupts),
		cmocka_unit_test(test_mtf_each_insn),
		cmocka_unit_test(test_mtf_fault_and_rep),
		cmocka_unit_test(test_mtf_before_db_trap),
		cmocka_unit_test(test_mtf_injection),
		cmocka_unit_test(test_timer_zero),
		cmocka_unit_test(test_timer_counts),
		cmocka_unit_test(test_nmi_window),
		cmocka_unit_test(test_iret_nmi_blocking),
		cmocka_unit_test(test_iret_fault_unblocks),
		cmocka_unit_test(test_iret_ept_violation_unblocks),
		/* last: it counts the exits of every test above */
		cmocka_unit_test(test_exit_reasons_caused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
