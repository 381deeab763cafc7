/* tests/guest/vmx/vmx_shadow.c: VMCS shadowing and descriptor-table exits,
 * run by a bare-metal 64-bit L1 with a 64-bit L2 (SDM Vol.3C "VMCS
 * Shadowing", "VMREAD"/"VMWRITE", "Descriptor-table exiting"):
 *  - L1 makes a shadow VMCS (revision identifier bit 31 set) current,
 *    writes fields into it and VMCLEARs it; VMLAUNCH with it current is
 *    VMfailInvalid ("Basic VM-Entry Checks");
 *  - VM entry with "VMCS shadowing" and a link pointer to an ordinary VMCS
 *    fails with exit reason 33, qualification 4 ("Checks on Guest
 *    Non-Register State": bit 31 must equal the control);
 *  - L2 runs VMREAD and VMWRITE: fields whose bitmap bit is 0 read and
 *    write the shadow VMCS (values checked by L2 and, after VMCLEAR and
 *    VMPTRLD of the shadow VMCS, by L1), a bitmap bit of 1 or an
 *    encoding with bits 63:15 set exits (reason 23/25, instruction
 *    information: Reg1, Reg2, register form), an unsupported field is
 *    VMfailValid(12) in the current VMCS;
 *  - L2 runs SGDT, SIDT, LGDT, LIDT, SLDT, STR, LLDT, LTR under
 *    "descriptor-table exiting": exit reasons 46 and 47, the displacement
 *    as exit qualification, the instruction information of the SDM's
 *    tables ("... as Used for LIDT, LGDT, SIDT, or SGDT", "... for LLDT,
 *    LTR, SLDT, and STR"), the instruction length.
 * Without CPUID.1:ECX.VMX, or without the two controls, it prints one SKIP
 * line and passes.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vmx.h"

#define PROC2_VMCS_SHADOWING BIT(14)
#define VMREAD_BITMAP_ADDR   0x2026
#define VMWRITE_BITMAP_ADDR  0x2028
#define EXIT_REASON_GDTR_IDTR 46
#define EXIT_REASON_LDTR_TR   47

/* the fields L1 puts in the shadow VMCS */
#define F_GUEST_CR3        0x6802u	/* natural width */
#define F_TSC_OFFSET       0x2010u	/* 64-bit */
#define F_GUEST_ES_SEL     0x0800u	/* 16-bit */
#define F_EXCEPTION_BITMAP 0x4004u	/* 32-bit: its VMREAD bit is set */
#define F_GUEST_RSP        0x681cu	/* L2 writes it */
#define F_GUEST_RIP        0x681eu	/* its VMWRITE bit is set */
#define V_CR3              0x12345000ull
#define V_TSC_OFFSET       0x1122334455667788ull
#define V_ES_SEL           0x28
#define V_L2_RSP           0x5555aaaa5555ull
#define V_EMULATED         0x7777

/* what L2 saw (L2 shares L1's memory) */
enum { R_CR3, R_TSC_HI, R_ES, R_EMULATED, R_FAIL_FLAGS, R_OK_FLAGS, R_COUNT };
static volatile u64 l2_got[R_COUNT];

/* the descriptor-table instructions, each recording its address */
enum { D_SGDT, D_SIDT, D_LGDT, D_LIDT, D_SLDT, D_STR, D_LLDT, D_LTR, D_VMREAD_X, D_VMWRITE_X,
       D_VMREAD_HI, D_COUNT };
static volatile u64 l2_rip[D_COUNT];
static u8 l2_buf[64];

#define AT(i) "lea 1f(%%rip), %%r11\n\tmov %%r11, %[rip]\n1:\t" i

static u64 l2_vmread(u64 enc, u64 *flags)
{
	u64 v = 0, f;

	asm volatile("vmread %%rax, %%rbx\n\tpushfq\n\tpop %%rcx"
		     : "+b"(v), "=c"(f) : "a"(enc) : "cc", "memory");
	if (flags)
		*flags = f;
	return v;
}

static u64 l2_vmwrite(u64 enc, u64 val)
{
	u64 f;

	asm volatile("vmwrite %%rbx, %%rax\n\tpushfq\n\tpop %%rcx"
		     : "=c"(f) : "a"(enc), "b"(val) : "cc", "memory");
	return f;
}

static u64 l2_main(u64 arg)
{
	u64 v;
	u8 *b = l2_buf;

	/* the shadow VMCS's fields, at each width */
	l2_got[R_CR3] = l2_vmread(F_GUEST_CR3, NULL);
	l2_got[R_TSC_HI] = l2_vmread(F_TSC_OFFSET | 1, NULL);
	l2_got[R_ES] = l2_vmread(F_GUEST_ES_SEL, NULL);
	l2_got[R_OK_FLAGS] = l2_vmwrite(F_GUEST_RSP, V_L2_RSP);
	/* VMREAD bitmap bit set: exits; L1 supplies the value */
	asm volatile(AT("vmread %%rax, %%rbx")
		     : "=b"(v), [rip] "=m"(l2_rip[D_VMREAD_X]) : "a"((u64)F_EXCEPTION_BITMAP)
		     : "r11", "memory");
	l2_got[R_EMULATED] = v;
	/* VMWRITE bitmap bit set: exits */
	asm volatile(AT("vmwrite %%rbx, %%rax")
		     : [rip] "=m"(l2_rip[D_VMWRITE_X]) : "a"((u64)F_GUEST_RIP), "b"(0xdeadull)
		     : "r11", "memory");
	/* bits 63:15 of the encoding set: exits whatever the bitmaps */
	asm volatile(AT("vmread %%rax, %%rbx")
		     : "=b"(v), [rip] "=m"(l2_rip[D_VMREAD_HI]) : "a"(0x8000ull | F_GUEST_CR3)
		     : "r11", "memory");
	/* an unsupported component (a high access of a 16-bit field):
	 * VMfailValid, ZF = 1 */
	l2_vmread(F_GUEST_ES_SEL | 1, &v);
	l2_got[R_FAIL_FLAGS] = v;

	/* descriptor-table exiting: each exits before it executes */
	asm volatile(AT("sgdt 0x10(%%rbx)") : [rip] "=m"(l2_rip[D_SGDT]) : "b"(b) : "r11", "memory");
	asm volatile(AT("sidt (%%rbx,%%rcx,8)")
		     : [rip] "=m"(l2_rip[D_SIDT]) : "b"(b), "c"(2ull) : "r11", "memory");
	asm volatile(AT("lgdt 8(%%rbx)") : [rip] "=m"(l2_rip[D_LGDT]) : "b"(b) : "r11", "memory");
	asm volatile(AT("lidt (%%rbx)") : [rip] "=m"(l2_rip[D_LIDT]) : "b"(b) : "r11", "memory");
	asm volatile(AT("sldt %%eax") : [rip] "=m"(l2_rip[D_SLDT]) : : "rax", "r11", "memory");
	asm volatile(AT(".byte 0x0f, 0x00, 0x0b") /* str (%rbx) */
		     : [rip] "=m"(l2_rip[D_STR]) : "b"(b) : "r11", "memory");
	asm volatile(AT("lldt %%dx") : [rip] "=m"(l2_rip[D_LLDT]) : "d"(0ull) : "r11", "memory");
	asm volatile(AT("ltr %%ax") : [rip] "=m"(l2_rip[D_LTR]) : "a"(0x30ull) : "r11", "memory");
	return arg;
}

static void *shadow;

/* the next exit: reason, RIP of instruction `at`, length */
static bool expect_exit(const char *what, u32 reason, int at, u32 len)
{
	u32 got = vmx_exit_reason();

	report(got == reason, "%s: exit reason %u (want %u)", what, got, reason);
	report(vmx_guest_rip() == l2_rip[at], "%s: guest RIP %#llx (want %#llx)", what,
	       vmx_guest_rip(), l2_rip[at]);
	report(vmx_exit_insn_len() == len, "%s: instruction length %u (want %u)", what,
	       vmx_exit_insn_len(), len);
	return got == reason;
}

static void expect_info(const char *what, u32 mask, u32 want)
{
	u32 info = vmx_exit_insn_info();

	report((info & mask) == want, "%s: instruction information %#x (want %#x in %#x)", what,
	       info, want, mask);
}

static void resume(const char *after)
{
	int r = vmx_skip_and_resume();

	if (r != VMX_OK || vmx_entry_failed()) {
		report(false, "VMRESUME after %s: %s", after, vmx_result_str(r));
		report_summary();
	}
}

/* memory-operand fields of the instruction information (64-bit addresses,
 * DS): scaling 1:0, index 21:18 (or 22: none), base 26:23 */
#define MEM64(scale, idx, base) \
	((scale) | 2u << 7 | 3u << 15 | ((idx) < 0 ? BIT(22) : (u32)(idx) << 18) | (u32)(base) << 23)
#define M_DTR  0x3fff8783u	/* LIDT ... SGDT: the defined bits (11: 64-bit undefined) */
#define M_SEGM 0x3fff8783u	/* LLDT ... STR, memory form */
#define M_SEGR 0x30000478u	/* LLDT ... STR, register form */

static void l1_shadow_setup(void)
{
	u32 *s = vmx_alloc_region();
	int r;

	/* "VMCS Shadowing": bit 31 of the revision identifier */
	s[0] |= BIT(31);
	shadow = s;
	report(vmx_clear(virt_to_phys(s)) == VMX_OK, "VMCLEAR of the shadow VMCS");
	r = vmx_ptrld(virt_to_phys(s));
	report(r == VMX_OK, "VMPTRLD of a shadow VMCS: %s", vmx_result_str(r));
	vmcs_set(F_GUEST_CR3, V_CR3);
	vmcs_set(F_TSC_OFFSET, V_TSC_OFFSET);
	vmcs_set(F_GUEST_ES_SEL, V_ES_SEL);
	vmcs_set(F_EXCEPTION_BITMAP, 0xabcd);
	report(vmcs_get(F_TSC_OFFSET) == V_TSC_OFFSET, "VMREAD of the current shadow VMCS");
	/* "Basic VM-Entry Checks": "If there is a current VMCS but the
	 * current VMCS is a shadow VMCS ..., RFLAGS.CF is set to 1" */
	r = vmx_launch();
	report(r == VMX_FAIL_INVALID, "VMLAUNCH with a shadow VMCS current: VMfailInvalid (%s)",
	       vmx_result_str(r));
	report(vmx_clear(virt_to_phys(s)) == VMX_OK, "VMCLEAR writes the shadow VMCS back");
}

static void l1_shadow_check(void)
{
	int r = vmx_ptrld(virt_to_phys(shadow));

	report(r == VMX_OK, "VMPTRLD of the shadow VMCS after L2: %s", vmx_result_str(r));
	report(vmcs_get(F_GUEST_RSP) == V_L2_RSP, "L2's VMWRITE is in the shadow VMCS (%#llx)",
	       vmcs_get(F_GUEST_RSP));
	report(vmcs_get(F_GUEST_RIP) == 0, "the VMWRITE that exited wrote nothing (%#llx)",
	       vmcs_get(F_GUEST_RIP));
	report(vmcs_get(F_GUEST_CR3) == V_CR3, "L1's fields are still there");
}

static void run_l2(u64 link_bad)
{
	u8 *rd = alloc_page(), *wr = alloc_page();
	struct vmx_vmcs_cfg cfg = { .proc2 = PROC2_VMCS_SHADOWING | PROC2_DESC_TABLE_EXITING };
	u64 flags;
	int r;

	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&cfg, l2_main, 0x99)) {
		report_skip("VMCS shadowing or descriptor-table exiting not allowed");
		return;
	}
	rd[F_EXCEPTION_BITMAP >> 3] |= 1 << (F_EXCEPTION_BITMAP & 7);
	wr[F_GUEST_RIP >> 3] |= 1 << (F_GUEST_RIP & 7);
	vmcs_set(VMREAD_BITMAP_ADDR, virt_to_phys(rd));
	vmcs_set(VMWRITE_BITMAP_ADDR, virt_to_phys(wr));

	/* an ordinary VMCS as the link pointer with "VMCS shadowing" = 1 */
	vmcs_set(VMCS_LINK_POINTER, link_bad);
	r = vmx_launch();
	report(r == VMX_OK && vmx_exit_reason() == (EXIT_REASON_FAILED_ENTRY | 33) &&
	       vmx_exit_qual() == ENTRY_FAIL_VMCS_LINK,
	       "link pointer without the shadow-VMCS indicator: VM-entry failure %#x qual %llu",
	       vmx_exit_reason(), vmx_exit_qual());

	vmcs_set(VMCS_LINK_POINTER, virt_to_phys(shadow));
	r = vmx_launch();
	if (r != VMX_OK || vmx_entry_failed()) {
		report(false, "VMLAUNCH with a shadow VMCS: %s, exit reason %#x", vmx_result_str(r),
		       vmx_exit_reason());
		return;
	}
	/* VMREAD of EXCEPTION_BITMAP: its VMREAD bit is 1. Register form
	 * (bit 10), Reg1 = RBX (3, the destination), Reg2 = RAX (0, the
	 * field) */
	expect_exit("VMREAD (bitmap bit 1)", EXIT_REASON_VMREAD, D_VMREAD_X, 3);
	expect_info("VMREAD (bitmap bit 1)", 0xf0000478u, BIT(10) | 3 << 3 | 0u << 28);
	report(vmx_guest_regs.rax == F_EXCEPTION_BITMAP, "VMREAD exit: the field register holds %#llx",
	       vmx_guest_regs.rax);
	vmx_guest_regs.rbx = V_EMULATED;
	resume("VMREAD");
	expect_exit("VMWRITE (bitmap bit 1)", EXIT_REASON_VMWRITE, D_VMWRITE_X, 3);
	expect_info("VMWRITE (bitmap bit 1)", 0xf0000478u, BIT(10) | 3 << 3 | 0u << 28);
	resume("VMWRITE");
	expect_exit("VMREAD (encoding bit 15)", EXIT_REASON_VMREAD, D_VMREAD_HI, 3);
	resume("VMREAD bit 15");

	/* "VMfailValid(12)" went to the current VMCS */
	expect_exit("SGDT 0x10(%rbx)", EXIT_REASON_GDTR_IDTR, D_SGDT, 4);
	report(vmcs_get(VM_INSTRUCTION_ERROR) == 12,
	       "L2's VMREAD of an unsupported component: error %llu in the current VMCS",
	       vmcs_get(VM_INSTRUCTION_ERROR));
	expect_info("SGDT", M_DTR, MEM64(0, -1, 3) | 0u << 28);
	report(vmx_exit_qual() == 0x10, "SGDT: qualification %#llx (the displacement)", vmx_exit_qual());
	resume("SGDT");
	expect_exit("SIDT (%rbx,%rcx,8)", EXIT_REASON_GDTR_IDTR, D_SIDT, 4);
	expect_info("SIDT", M_DTR, MEM64(3, 1, 3) | 1u << 28);
	resume("SIDT");
	expect_exit("LGDT 8(%rbx)", EXIT_REASON_GDTR_IDTR, D_LGDT, 4);
	expect_info("LGDT", M_DTR, MEM64(0, -1, 3) | 2u << 28);
	report(vmx_exit_qual() == 8, "LGDT: qualification %#llx", vmx_exit_qual());
	resume("LGDT");
	expect_exit("LIDT (%rbx)", EXIT_REASON_GDTR_IDTR, D_LIDT, 3);
	expect_info("LIDT", M_DTR, MEM64(0, -1, 3) | 3u << 28);
	resume("LIDT");
	expect_exit("SLDT %eax", EXIT_REASON_LDTR_TR, D_SLDT, 3);
	expect_info("SLDT", M_SEGR, BIT(10) | 0 << 3 | 0u << 28);
	resume("SLDT");
	expect_exit("STR (%rbx)", EXIT_REASON_LDTR_TR, D_STR, 3);
	expect_info("STR", M_SEGM, MEM64(0, -1, 3) | 1u << 28);
	resume("STR");
	expect_exit("LLDT %dx", EXIT_REASON_LDTR_TR, D_LLDT, 3);
	expect_info("LLDT", M_SEGR, BIT(10) | 2 << 3 | 2u << 28);
	resume("LLDT");
	expect_exit("LTR %ax", EXIT_REASON_LDTR_TR, D_LTR, 3);
	expect_info("LTR", M_SEGR, BIT(10) | 0 << 3 | 3u << 28);
	resume("LTR");

	report(vmx_l2_finished() && vmx_guest_regs.rax == 0x99, "L2 returned (reason %u)",
	       vmx_exit_reason());
	report(l2_got[R_CR3] == V_CR3, "L2's VMREAD of GUEST_CR3 (natural width): %#llx",
	       l2_got[R_CR3]);
	report(l2_got[R_TSC_HI] == V_TSC_OFFSET >> 32, "L2's VMREAD of TSC_OFFSET (high): %#llx",
	       l2_got[R_TSC_HI]);
	report(l2_got[R_ES] == V_ES_SEL, "L2's VMREAD of GUEST_ES_SELECTOR (16-bit): %#llx",
	       l2_got[R_ES]);
	report((l2_got[R_OK_FLAGS] & 0x8d5) == 0, "L2's VMWRITE: VMsucceed (flags %#llx)",
	       l2_got[R_OK_FLAGS]);
	report(l2_got[R_EMULATED] == V_EMULATED, "L2 got L1's value for the exiting VMREAD");
	flags = l2_got[R_FAIL_FLAGS];
	report((flags & 0x8d5) == 0x40, "L2's VMREAD of an unsupported component: ZF only (%#llx)",
	       flags);
	/* the current VMCS was not touched by L2's VMWRITE */
	report(vmcs_get(GUEST_RSP) != V_L2_RSP, "the current VMCS's GUEST_RSP is L2's own");
}

static void run(void)
{
	void *plain;

	if (!vmx_start())
		return;
	if (!vmx_caps.has_proc2 ||
	    !vmx_ctl_allowed1(vmx_caps.proc2, PROC2_VMCS_SHADOWING | PROC2_DESC_TABLE_EXITING)) {
		report_skip("VMCS shadowing or descriptor-table exiting not offered");
		return;
	}
	l1_shadow_setup();
	plain = vmx_alloc_region();
	run_l2(virt_to_phys(plain));
	l1_shadow_check();
	report(vmx_off() == VMX_OK, "VMXOFF");
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	run();
	return report_summary();
}
