/* tests/guest/lib/vmx.c: the L1 hypervisor library (vmx.h): capability MSRs,
 * enabling VMX, VMX instruction wrappers, a valid VMCS for a 64-bit L2 and
 * VM entry / VM exit plumbing (vmx_entry.S). SDM references are to Vol.3C
 * and Vol.3D by section title. */
#include "guest.h"
#include "vmx.h"

struct vmx_caps vmx_caps;
struct vmx_gprs vmx_guest_regs;
void *vmx_vmxon_region;

u64 vmx_enter(struct vmx_gprs *g, u64 launch);

_Static_assert(__builtin_offsetof(struct vmx_gprs, rbx) == 24, "vmx_entry.S G_RBX");
_Static_assert(__builtin_offsetof(struct vmx_gprs, rbp) == 40, "vmx_entry.S G_RBP");
_Static_assert(__builtin_offsetof(struct vmx_gprs, rdi) == 56, "vmx_entry.S G_RDI");
_Static_assert(__builtin_offsetof(struct vmx_gprs, r15) == 120, "vmx_entry.S G_R15");

/* ---------------------------------------------------------------- results */

const char *vmx_result_str(int r)
{
	static char bufs[4][32];
	static unsigned turn;
	char *b = bufs[turn++ % 4];

	if (r == VMX_OK)
		return "VMsucceed";
	if (r == VMX_FAIL_INVALID)
		return "VMfailInvalid";
	if (r == VMX_FELL_THROUGH)
		return "fell through (no CF/ZF)";
	if (VMX_IS_FAIL_VALID(r)) {
		snprintf(b, 32, "VMfailValid(%d)", r & 0xff);
		return b;
	}
	if ((r & 0xf00) == 0x400) {
		static const char *const names[32] = {
			[DE_VECTOR] = "#DE", [DB_VECTOR] = "#DB", [BP_VECTOR] = "#BP",
			[UD_VECTOR] = "#UD", [NM_VECTOR] = "#NM", [DF_VECTOR] = "#DF",
			[TS_VECTOR] = "#TS", [NP_VECTOR] = "#NP", [SS_VECTOR] = "#SS",
			[GP_VECTOR] = "#GP", [PF_VECTOR] = "#PF", [AC_VECTOR] = "#AC",
		};
		int v = r & 0xff;

		if (v < 32 && names[v])
			return names[v];
		snprintf(b, 32, "exception %d", v);
		return b;
	}
	snprintf(b, 32, "result %#x", r);
	return b;
}

/* ---------------------------------------------------------- instructions */

/* VM-instruction error field (Vol.3C "VM Instruction Error Numbers") after a
 * VMfailValid; 0xff if even VMREAD fails */
static u32 read_insn_error(void)
{
	u64 v = 0;
	bool cf, zf;

	asm volatile("vmread %[f], %[v]"
		     : [v] "=r"(v), "=@ccc"(cf), "=@ccz"(zf)
		     : [f] "r"((u64)VM_INSTRUCTION_ERROR)
		     : "memory");
	return (cf || zf) ? 0xff : (u32)v;
}

/* Vol.3C "Conventions" (VMX instruction reference): VMsucceed clears
 * CF, PF, AF, ZF, SF, OF; VMfailInvalid sets CF; VMfailValid sets ZF and
 * writes the VM-instruction error field */
static int outcome(bool cf, bool zf)
{
	if (exception_vector() != NO_EXCEPTION)
		return VMX_FAULT(exception_vector());
	if (cf)
		return VMX_FAIL_INVALID;
	if (zf)
		return VMX_FAIL_VALID(read_insn_error());
	return VMX_OK;
}

int vmx_on(u64 pa)
{
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "vmxon %[pa]\n1:"
		     : "=@ccc"(cf), "=@ccz"(zf) : [pa] "m"(pa) : "memory");
	return outcome(cf, zf);
}

int vmx_off(void)
{
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "vmxoff\n1:" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return outcome(cf, zf);
}

int vmx_clear(u64 pa)
{
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "vmclear %[pa]\n1:"
		     : "=@ccc"(cf), "=@ccz"(zf) : [pa] "m"(pa) : "memory");
	return outcome(cf, zf);
}

int vmx_ptrld(u64 pa)
{
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "vmptrld %[pa]\n1:"
		     : "=@ccc"(cf), "=@ccz"(zf) : [pa] "m"(pa) : "memory");
	return outcome(cf, zf);
}

int vmx_ptrst(u64 *pa)
{
	bool cf = false, zf = false;
	u64 v = 0;

	asm volatile(ASM_TRY("1f") "vmptrst %[v]\n1:"
		     : [v] "+m"(v), "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	*pa = v;
	return outcome(cf, zf);
}

/* VMREAD r/m64, r64: AT&T order is field register, then destination */
int vmx_read(u64 field, u64 *val)
{
	bool cf = false, zf = false;
	u64 v = 0;

	asm volatile(ASM_TRY("1f") "vmread %[f], %[v]\n1:"
		     : [v] "+r"(v), "=@ccc"(cf), "=@ccz"(zf) : [f] "r"(field) : "memory");
	*val = v;
	return outcome(cf, zf);
}

/* VMWRITE r64, r/m64: AT&T order is value, then field register */
int vmx_write(u64 field, u64 val)
{
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "vmwrite %[v], %[f]\n1:"
		     : "=@ccc"(cf), "=@ccz"(zf) : [v] "r"(val), [f] "r"(field) : "memory");
	return outcome(cf, zf);
}

/* INVEPT r64, m128 / INVVPID r64, m128 (Vol.3C "INVEPT", "INVVPID") */
int vmx_invept(u64 type, u64 eptp)
{
	struct { u64 eptp, reserved; } __aligned(16) desc = { eptp, 0 };
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "invept %[d], %[t]\n1:"
		     : "=@ccc"(cf), "=@ccz"(zf) : [d] "m"(desc), [t] "r"(type) : "memory");
	return outcome(cf, zf);
}

int vmx_invvpid(u64 type, u64 vpid, u64 gla)
{
	struct { u64 vpid, gla; } __aligned(16) desc = { vpid, gla };
	bool cf = false, zf = false;

	asm volatile(ASM_TRY("1f") "invvpid %[d], %[t]\n1:"
		     : "=@ccc"(cf), "=@ccz"(zf) : [d] "m"(desc), [t] "r"(type) : "memory");
	return outcome(cf, zf);
}

u64 vmcs_get(u64 field)
{
	u64 v;
	int r = vmx_read(field, &v);

	if (r != VMX_OK)
		abort_test("VMREAD of field %#llx: %s", field, vmx_result_str(r));
	return v;
}

void vmcs_set(u64 field, u64 val)
{
	int r = vmx_write(field, val);

	if (r != VMX_OK)
		abort_test("VMWRITE of %#llx to field %#llx: %s", val, field, vmx_result_str(r));
}

/* ---------------------------------------------------------- capabilities */

bool vmx_supported(void)
{
	return this_cpu_has(X86_FEATURE_VMX);
}

bool vmx_check_supported(void)
{
	if (vmx_supported())
		return true;
	report_skip("vmx: CPUID.1:ECX.VMX is 0");
	return false;
}

static u64 msr_or_0(u32 index)
{
	u64 v;

	return rdmsr_safe(index, &v) == NO_EXCEPTION ? v : 0;
}

/* Appendix A: the secondary controls MSR exists when "activate secondary
 * controls" may be 1 (A.3.3), the TRUE MSRs when IA32_VMX_BASIC[55] = 1
 * (A.1), EPT_VPID_CAP when "enable EPT" or "enable VPID" may be 1 (A.10),
 * VMFUNC when "enable VM functions" may be 1 (A.11), PROCBASED_CTLS3 when
 * "activate tertiary controls" may be 1 (A.3.4) */
void vmx_read_caps(struct vmx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->basic = msr_or_0(MSR_IA32_VMX_BASIC);
	c->pin = msr_or_0(MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = msr_or_0(MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = msr_or_0(MSR_IA32_VMX_EXIT_CTLS);
	c->entry = msr_or_0(MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = msr_or_0(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = msr_or_0(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = msr_or_0(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = msr_or_0(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = msr_or_0(MSR_IA32_VMX_CR4_FIXED1);
	c->vmcs_enum = msr_or_0(MSR_IA32_VMX_VMCS_ENUM);
	c->has_proc2 = vmx_ctl_allowed1(c->proc, PROC_ACTIVATE_SECONDARY);
	if (c->has_proc2) {
		c->proc2 = msr_or_0(MSR_IA32_VMX_PROCBASED_CTLS2);
		if (vmx_ctl_allowed1(c->proc2, PROC2_ENABLE_EPT) ||
		    vmx_ctl_allowed1(c->proc2, PROC2_ENABLE_VPID))
			c->ept_vpid = msr_or_0(MSR_IA32_VMX_EPT_VPID_CAP);
		c->has_vmfunc = vmx_ctl_allowed1(c->proc2, BIT(13));
		if (c->has_vmfunc)
			c->vmfunc = msr_or_0(MSR_IA32_VMX_VMFUNC);
	}
	c->has_true = (c->basic & VMX_BASIC_TRUE_CTLS) != 0;
	if (c->has_true) {
		c->true_pin = msr_or_0(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->true_proc = msr_or_0(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->true_exit = msr_or_0(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->true_entry = msr_or_0(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	c->has_proc3 = vmx_ctl_allowed1(c->proc, PROC_ACTIVATE_TERTIARY);
	if (c->has_proc3)
		c->proc3 = msr_or_0(MSR_IA32_VMX_PROCBASED_CTLS3);
}

static void need_caps(void)
{
	if (!vmx_caps.basic)
		vmx_read_caps(&vmx_caps);
}

u64 vmx_pin_msr(void)
{
	need_caps();
	return vmx_caps.has_true ? vmx_caps.true_pin : vmx_caps.pin;
}

u64 vmx_proc_msr(void)
{
	need_caps();
	return vmx_caps.has_true ? vmx_caps.true_proc : vmx_caps.proc;
}

u64 vmx_exit_msr(void)
{
	need_caps();
	return vmx_caps.has_true ? vmx_caps.true_exit : vmx_caps.exit;
}

u64 vmx_entry_msr(void)
{
	need_caps();
	return vmx_caps.has_true ? vmx_caps.true_entry : vmx_caps.entry;
}

/* ------------------------------------------------------------- enabling */

bool vmx_feature_control_enable(void)
{
	u64 fc;

	if (rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc) != NO_EXCEPTION)
		return false;
	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		fc |= FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		if (wrmsr_safe(MSR_IA32_FEATURE_CONTROL, fc) != NO_EXCEPTION)
			return false;
		if (rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc) != NO_EXCEPTION)
			return false;
	}
	return (fc & (FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX)) ==
	       (FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
}

/* A.7 "VMX-Fixed Bits in CR0", A.8 "VMX-Fixed Bits in CR4": a bit set in
 * FIXED0 must be 1, a bit clear in FIXED1 must be 0 */
u64 vmx_fixed_cr0(u64 cr0)
{
	need_caps();
	return (cr0 | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
}

u64 vmx_fixed_cr4(u64 cr4)
{
	need_caps();
	return (cr4 | vmx_caps.cr4_fixed0 | X86_CR4_VMXE) & vmx_caps.cr4_fixed1;
}

void vmx_set_fixed_crs(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	if (vmx_fixed_cr0(cr0) != cr0)
		write_cr0(vmx_fixed_cr0(cr0));
	if (vmx_fixed_cr4(cr4) != cr4)
		write_cr4(vmx_fixed_cr4(cr4));
}

static void *zeroed_page(void)
{
	void *p = alloc_page();

	if (!p)
		abort_test("vmx: out of pages");
	return p;
}

void *vmx_alloc_region(void)
{
	u32 *p = zeroed_page();

	need_caps();
	/* "VMXON Region" / "Format of the VMCS Region": bits 30:0 of the first
	 * 4 bytes = the VMCS revision identifier, bit 31 = 0 */
	p[0] = VMX_BASIC_REVISION(vmx_caps.basic);
	return p;
}

bool vmx_start(void)
{
	int r;

	need_caps();
	if (!vmx_feature_control_enable()) {
		report(false, "vmx: IA32_FEATURE_CONTROL enables VMXON outside SMX (%#llx)",
		       msr_or_0(MSR_IA32_FEATURE_CONTROL));
		return false;
	}
	vmx_set_fixed_crs();
	if (!vmx_vmxon_region)
		vmx_vmxon_region = vmx_alloc_region();
	r = vmx_on(virt_to_phys(vmx_vmxon_region));
	if (r != VMX_OK) {
		report(false, "vmx: VMXON: %s", vmx_result_str(r));
		return false;
	}
	return true;
}

void *vmx_new_vmcs(void)
{
	void *vmcs = vmx_alloc_region();
	int r;

	r = vmx_clear(virt_to_phys(vmcs));
	if (r != VMX_OK)
		abort_test("vmx: VMCLEAR of a new VMCS: %s", vmx_result_str(r));
	r = vmx_ptrld(virt_to_phys(vmcs));
	if (r != VMX_OK)
		abort_test("vmx: VMPTRLD of a new VMCS: %s", vmx_result_str(r));
	return vmcs;
}

/* ----------------------------------------------------------- valid VMCS */

u32 vmx_vmcs_cfg_pin(const struct vmx_vmcs_cfg *cfg)
{
	return vmx_adjust_ctl(vmx_pin_msr(), cfg->pin);
}

u32 vmx_vmcs_cfg_proc(const struct vmx_vmcs_cfg *cfg)
{
	return vmx_adjust_ctl(vmx_proc_msr(),
			      cfg->proc | (cfg->proc2 ? PROC_ACTIVATE_SECONDARY : 0));
}

/* "host address-space size" = 1: L1 is in IA-32e mode ("Checks Related to
 * Address-Space Size") */
u32 vmx_vmcs_cfg_exit(const struct vmx_vmcs_cfg *cfg)
{
	return vmx_adjust_ctl(vmx_exit_msr(), cfg->exit | EXIT_HOST_ADDR_SPACE_SIZE);
}

u32 vmx_vmcs_cfg_entry(const struct vmx_vmcs_cfg *cfg)
{
	return vmx_adjust_ctl(vmx_entry_msr(), cfg->entry | ENTRY_IA32E_MODE_GUEST);
}

/* access rights (Vol.3C "Guest Register State", Table "Format of Access
 * Rights"): bits 3:0 type, 4 S, 6:5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G,
 * 16 unusable */
#define AR_CODE64   0xa09b	/* execute/read accessed, S, P, L, G */
#define AR_DATA     0xc093	/* read/write accessed, S, P, D/B, G */
#define AR_TSS64    0x008b	/* 64-bit busy TSS, P */
#define AR_UNUSABLE 0x10000

static void guest_seg(u64 sel_field, u16 sel, u64 base, u32 limit, u32 ar)
{
	/* the selector, base, limit and access-rights fields of one register
	 * sit at the same index in their width groups (Appendix B) */
	u64 index = sel_field - GUEST_ES_SELECTOR;

	vmcs_set(sel_field, sel);
	vmcs_set(GUEST_ES_BASE + index, base);
	vmcs_set(GUEST_ES_LIMIT + index, limit);
	vmcs_set(GUEST_ES_AR_BYTES + index, ar);
}

bool vmx_vmcs_setup(const struct vmx_vmcs_cfg *cfg, u64 (*l2_fn)(u64), u64 arg)
{
	u32 pin = vmx_vmcs_cfg_pin(cfg), proc = vmx_vmcs_cfg_proc(cfg);
	u32 exit = vmx_vmcs_cfg_exit(cfg), entry = vmx_vmcs_cfg_entry(cfg);
	u32 proc2 = 0;
	struct desc_ptr gdtr, idtr;
	u64 cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();

	if ((pin & cfg->pin) != cfg->pin || (proc & cfg->proc) != cfg->proc ||
	    (exit & (cfg->exit | EXIT_HOST_ADDR_SPACE_SIZE)) != (cfg->exit | EXIT_HOST_ADDR_SPACE_SIZE) ||
	    (entry & (cfg->entry | ENTRY_IA32E_MODE_GUEST)) != (cfg->entry | ENTRY_IA32E_MODE_GUEST))
		return false;
	if (cfg->proc2 && !(proc & PROC_ACTIVATE_SECONDARY))
		return false;
	if (proc & PROC_ACTIVATE_SECONDARY) {
		if (!vmx_caps.has_proc2)
			return false;
		proc2 = vmx_adjust_ctl(vmx_caps.proc2, cfg->proc2);
		if ((proc2 & cfg->proc2) != cfg->proc2)
			return false;
	}
	sgdt(&gdtr);
	sidt(&idtr);

	/* VM-execution control fields ("VM-Execution Control Fields") */
	vmcs_set(PIN_BASED_VM_EXEC_CONTROL, pin);
	vmcs_set(CPU_BASED_VM_EXEC_CONTROL, proc);
	if (proc & PROC_ACTIVATE_SECONDARY)
		vmcs_set(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_set(EXCEPTION_BITMAP, cfg->exception_bitmap);
	vmcs_set(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_set(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_set(CR3_TARGET_COUNT, 0);
	vmcs_set(CR0_GUEST_HOST_MASK, 0);
	vmcs_set(CR4_GUEST_HOST_MASK, 0);
	vmcs_set(CR0_READ_SHADOW, cr0);
	vmcs_set(CR4_READ_SHADOW, cr4);
	vmcs_set(TSC_OFFSET, 0);
	if (proc & PROC_USE_IO_BITMAPS) {
		vmcs_set(IO_BITMAP_A, virt_to_phys(zeroed_page()));
		vmcs_set(IO_BITMAP_B, virt_to_phys(zeroed_page()));
	}
	if (proc & PROC_USE_MSR_BITMAPS)
		vmcs_set(MSR_BITMAP, virt_to_phys(zeroed_page()));

	/* VM-exit and VM-entry control fields */
	vmcs_set(VM_EXIT_CONTROLS, exit);
	vmcs_set(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_set(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_set(VM_ENTRY_CONTROLS, entry);
	vmcs_set(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_set(VM_ENTRY_INTR_INFO, 0);
	vmcs_set(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	vmcs_set(VM_ENTRY_INSTRUCTION_LEN, 0);

	/* host-state area ("Host-State Area"; the checks of "Checks on
	 * VMX Controls and Host-State Area"): L1 as it runs now */
	vmcs_set(HOST_CR0, cr0);
	vmcs_set(HOST_CR3, cr3);
	vmcs_set(HOST_CR4, cr4);
	vmcs_set(HOST_CS_SELECTOR, read_cs());
	vmcs_set(HOST_SS_SELECTOR, read_ss());
	vmcs_set(HOST_DS_SELECTOR, read_ds());
	vmcs_set(HOST_ES_SELECTOR, read_es());
	vmcs_set(HOST_FS_SELECTOR, read_fs());
	vmcs_set(HOST_GS_SELECTOR, read_gs());
	vmcs_set(HOST_TR_SELECTOR, str());
	vmcs_set(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_set(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_set(HOST_TR_BASE, (u64)&tss);
	vmcs_set(HOST_GDTR_BASE, gdtr.base);
	vmcs_set(HOST_IDTR_BASE, idtr.base);
	vmcs_set(HOST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_set(HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_set(HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_set(HOST_RSP, 0);	/* vmx_entry.S writes it before each entry */
	vmcs_set(HOST_RIP, (u64)vmx_exit_stub);

	/* guest-state area ("Guest-State Area"; "Checking and Loading Guest
	 * State"): flat 64-bit CPL 0, L1's control registers, page tables,
	 * GDT, IDT and TSS */
	vmcs_set(GUEST_CR0, cr0);
	vmcs_set(GUEST_CR3, cr3);
	vmcs_set(GUEST_CR4, cr4);
	vmcs_set(GUEST_DR7, 0x400);
	vmcs_set(GUEST_IA32_DEBUGCTL, 0);
	guest_seg(GUEST_CS_SELECTOR, KERNEL_CS, 0, 0xffffffff, AR_CODE64);
	guest_seg(GUEST_SS_SELECTOR, KERNEL_DS, 0, 0xffffffff, AR_DATA);
	guest_seg(GUEST_DS_SELECTOR, KERNEL_DS, 0, 0xffffffff, AR_DATA);
	guest_seg(GUEST_ES_SELECTOR, KERNEL_DS, 0, 0xffffffff, AR_DATA);
	guest_seg(GUEST_FS_SELECTOR, KERNEL_DS, rdmsr(MSR_FS_BASE), 0xffffffff, AR_DATA);
	guest_seg(GUEST_GS_SELECTOR, KERNEL_DS, rdmsr(MSR_GS_BASE), 0xffffffff, AR_DATA);
	guest_seg(GUEST_LDTR_SELECTOR, 0, 0, 0, AR_UNUSABLE);
	guest_seg(GUEST_TR_SELECTOR, TSS_SEL, (u64)&tss, sizeof(tss) - 1, AR_TSS64);
	vmcs_set(GUEST_GDTR_BASE, gdtr.base);
	vmcs_set(GUEST_GDTR_LIMIT, gdtr.limit);
	vmcs_set(GUEST_IDTR_BASE, idtr.base);
	vmcs_set(GUEST_IDTR_LIMIT, idtr.limit);
	vmcs_set(GUEST_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_set(GUEST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_set(GUEST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_set(GUEST_RSP, (u64)vmx_l2_stack_top);
	vmcs_set(GUEST_RIP, (u64)vmx_l2_entry);
	vmcs_set(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_set(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_set(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_set(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* no shadow VMCS: the link pointer must be FFFFFFFF_FFFFFFFFH
	 * ("Checks on Guest Non-Register State") */
	vmcs_set(VMCS_LINK_POINTER, ~0ull);

	memset(&vmx_guest_regs, 0, sizeof(vmx_guest_regs));
	vmx_guest_regs.rdi = arg;
	vmx_guest_regs.rsi = (u64)l2_fn;
	return true;
}

u64 vmx_guest_gpr(unsigned n)
{
	if (n == 4)
		return vmcs_get(GUEST_RSP);
	return ((u64 *)&vmx_guest_regs)[n & 15];
}

void vmx_set_guest_gpr(unsigned n, u64 val)
{
	if (n == 4)
		vmcs_set(GUEST_RSP, val);
	else
		((u64 *)&vmx_guest_regs)[n & 15] = val;
}

/* --------------------------------------------------- VM entry and exit */

static int vmx_run(bool launch)
{
	struct desc_ptr gdtr, idtr;
	u64 r;

	sgdt(&gdtr);
	sidt(&idtr);
	r = vmx_enter(&vmx_guest_regs, launch);
	if (r == 0) {
		/* "Loading Host Segment and Descriptor-Table Registers": a VM
		 * exit sets the GDTR and IDTR limits to FFFFH; put L1's back */
		lgdt(&gdtr);
		lidt(&idtr);
		return VMX_OK;
	}
	if (r == 1)
		return VMX_FAULT(exception_vector());
	if (r & X86_EFLAGS_CF)
		return VMX_FAIL_INVALID;
	if (r & X86_EFLAGS_ZF)
		return VMX_FAIL_VALID(read_insn_error());
	return VMX_FELL_THROUGH;
}

int vmx_launch(void)
{
	return vmx_run(true);
}

int vmx_resume(void)
{
	return vmx_run(false);
}

int vmx_skip_n_and_resume(u64 len)
{
	vmcs_set(GUEST_RIP, vmcs_get(GUEST_RIP) + len);
	return vmx_resume();
}

int vmx_skip_and_resume(void)
{
	return vmx_skip_n_and_resume(vmx_exit_insn_len());
}

u32 vmx_exit_reason(void) { return (u32)vmcs_get(VM_EXIT_REASON); }
u64 vmx_exit_qual(void) { return vmcs_get(EXIT_QUALIFICATION); }
u32 vmx_exit_insn_len(void) { return (u32)vmcs_get(VM_EXIT_INSTRUCTION_LEN); }
u32 vmx_exit_insn_info(void) { return (u32)vmcs_get(VMX_INSTRUCTION_INFO); }
u32 vmx_exit_intr_info(void) { return (u32)vmcs_get(VM_EXIT_INTR_INFO); }
u32 vmx_insn_error(void) { return (u32)vmcs_get(VM_INSTRUCTION_ERROR); }
u64 vmx_guest_rip(void) { return vmcs_get(GUEST_RIP); }

bool vmx_entry_failed(void)
{
	return (vmx_exit_reason() & EXIT_REASON_FAILED_ENTRY) != 0;
}

bool vmx_l2_finished(void)
{
	return vmx_exit_reason() == EXIT_REASON_VMCALL &&
	       vmx_guest_rip() == (u64)vmx_l2_done;
}
