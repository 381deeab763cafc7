/* tests/guest/vmx/vmx_apicv.c: APIC virtualization (SDM Vol.3C "APIC
 * Virtualization and Virtual Interrupts") under a bare-metal 64-bit L1
 * running a 64-bit L2 that shares its page tables. Checked:
 *  - TPR shadow ("Virtualizing CR8-Based TPR Accesses", "TPR
 *    Virtualization"): MOV to CR8 in L2 writes VTPR (byte 80H of the
 *    virtual-APIC page: bits 7:4, the rest cleared), MOV from CR8 reads
 *    it, L1's own TPR is untouched; a VTPR below the TPR threshold makes
 *    a trap-like "TPR below threshold" exit (reason 43, qualification 0,
 *    guest RIP after the MOV); CR8-load exiting takes priority; the
 *    VM-entry checks on the virtual-APIC address and the TPR threshold
 *    fail with VMfailValid(7).
 *  - virtualize APIC accesses ("Virtualizing Memory-Mapped APIC Accesses",
 *    "APIC-Access VM Exits"), with the APIC-access page reached directly
 *    (L2 shares L1's physical memory) and through EPT (L2's
 *    guest-physical FEE00000H mapped to it, as a hypervisor does): a read
 *    and a write of the TPR go to the virtual-APIC page, the local APIC
 *    and the APIC-access page's memory untouched; other reads, writes,
 *    accesses wider than 32 bits and fetches exit with reason 44 and the
 *    offset and access type (0 read, 1 write, 2 fetch) in the
 *    qualification, guest RIP at the access; a TPR write below the
 *    threshold exits (43) after the instruction; a threshold above VTPR
 *    at VM entry exits (43) before L2's first instruction; the entry
 *    check on the APIC-access address.
 *  - APIC-register virtualization: a read of the APIC ID from the
 *    virtual-APIC page, a write of the divide configuration stored there
 *    followed by a trap-like "APIC write" exit (reason 56, the offset as
 *    qualification);
 *  - virtualize x2APIC mode ("Virtualizing MSR-Based APIC Accesses"):
 *    RDMSR/WRMSR of 808H read and write bytes 80H-87H of the virtual-APIC
 *    page (L1's APIC is in xAPIC mode: no #GP), other x2APIC MSRs operate
 *    normally (#GP) unless APIC-register virtualization reads them from
 *    the page, a WRMSR of 808H with bits 63:8 set is #GP, the MSR bitmap
 *    still decides first.
 * run-args: -cpu max,+vmx
 */
#include "guest.h"
#include "vm.h"
#include "vmx.h"
#include "desc.h"
#include "pic.h"

/* not in vmx.h yet: SDM "Secondary Processor-Based VM-Execution Controls" */
#define PROC2_APIC_REG_VIRT             BIT(8)
#define EXIT_REASON_TPR_BELOW_THRESHOLD 43
#define EXIT_REASON_APIC_ACCESS         44
#define APIC_ACC_QUAL(off, type)        ((u64)(off) | ((u64)(type) << 12))
#define APIC_MMIO 0xfee00000ull

static struct vmx_vmcs_cfg cfg = { .proc = PROC_USE_TPR_SHADOW };
static volatile u32 *vapic;     /* the virtual-APIC page */
static volatile u64 l2_after;   /* written by L2: the address after its MOV to CR8 */

/* L2: CR8 = arg, then returns what CR8 reads back */
static u64 l2_cr8(u64 arg)
{
	u64 v;
	asm volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, %[after]\n\t"
		     "mov %[arg], %%cr8\n1:\tmov %%cr8, %[v]"
		     : [v] "=r"(v), [after] "=m"(l2_after)
		     : [arg] "r"(arg)
		     : "r11", "memory");
	return v;
}

/* L2: what CR8 reads */
static u64 l2_read_cr8(u64 arg) { return read_cr8() + arg; }

static bool setup(u64 (*fn)(u64), u64 arg, u32 extra_proc)
{
	struct vmx_vmcs_cfg c = cfg;
	c.proc |= extra_proc;
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, fn, arg)) {
		report(false, "VMCS setup with proc %#x", c.proc);
		return false;
	}
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(TPR_THRESHOLD, 0);
	return true;
}

static bool launched(const char *what, int r)
{
	bool ok = r == VMX_OK && !vmx_entry_failed();
	if (!ok)
		report(false, "%s: VMLAUNCH %s, exit reason %#x", what, vmx_result_str(r),
		       r == VMX_OK ? vmx_exit_reason() : 0);
	return ok;
}

static void test_cr8_virtualized(void)
{
	write_cr8(0);
	vapic[0x80 / 4] = 0xffffff0f;
	if (!setup(l2_cr8, 9, 0) || !launched("CR8", vmx_launch()))
		return;
	report(vmx_l2_finished() && vmx_guest_regs.rax == 9,
	       "MOV from CR8 in L2 reads back the 9 it wrote (%#llx)", vmx_guest_regs.rax);
	report(vapic[0x80 / 4] == 0x90, "VTPR = %#x (9 in bits 7:4, the rest cleared)",
	       vapic[0x80 / 4]);
	report(read_cr8() == 0, "L1's CR8 is still 0 (%#llx)", read_cr8());

	vapic[0x80 / 4] = 0xa7;
	if (!setup(l2_read_cr8, 0x100, 0) || !launched("CR8 read", vmx_launch()))
		return;
	report(vmx_l2_finished() && vmx_guest_regs.rax == 0x10a,
	       "MOV from CR8 in L2 reads VTPR[7:4] = 0xa (%#llx)", vmx_guest_regs.rax - 0x100);
}

static void test_tpr_below_threshold(void)
{
	vapic[0x80 / 4] = 0x80;
	if (!setup(l2_cr8, 5, 0))
		return;
	vmcs_set(TPR_THRESHOLD, 6);
	if (!launched("threshold", vmx_launch()))
		return;
	report(vmx_exit_reason() == EXIT_REASON_TPR_BELOW_THRESHOLD,
	       "VTPR 5 below threshold 6: exit reason %u (43)", vmx_exit_reason());
	report(vmx_exit_qual() == 0, "TPR below threshold: qualification %#llx (0)",
	       vmx_exit_qual());
	report(vmx_guest_rip() == l2_after && l2_after,
	       "TPR below threshold is trap-like: guest RIP %#llx is after the MOV (%#llx)",
	       vmx_guest_rip(), l2_after);
	report(vapic[0x80 / 4] == 0x50, "the MOV to CR8 completed: VTPR %#x", vapic[0x80 / 4]);
	/* L1 lowers the threshold; L2 goes on from the next instruction */
	vmcs_set(TPR_THRESHOLD, 5);
	int r = vmx_resume();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == 5,
	       "after the exit L2 reads CR8 = %#llx (5)", vmx_guest_regs.rax);

	/* at the threshold: no exit */
	if (!setup(l2_cr8, 5, 0))
		return;
	vmcs_set(TPR_THRESHOLD, 5);
	if (launched("at threshold", vmx_launch()))
		report(vmx_l2_finished(), "VTPR 5 = threshold 5: no exit (reason %u)",
		       vmx_exit_reason());

	/* CR8-load exiting takes priority: a CR-access exit, VTPR untouched */
	vapic[0x80 / 4] = 0x80;
	if (!setup(l2_cr8, 5, PROC_CR8_LOAD_EXITING))
		return;
	vmcs_set(TPR_THRESHOLD, 6);
	if (launched("CR8-load exiting", vmx_launch()))
		report(vmx_exit_reason() == EXIT_REASON_CR_ACCESS && CR_QUAL_CR(vmx_exit_qual()) == 8 &&
			       vapic[0x80 / 4] == 0x80,
		       "CR8-load exiting: reason %u qualification %#llx, VTPR %#x", vmx_exit_reason(),
		       vmx_exit_qual(), vapic[0x80 / 4]);
}

/* "Checks on VM-Execution Control Fields": each VMLAUNCH fails with
 * VMfailValid(7) */
static void entry_check(const char *what, u64 vapic_addr, u64 threshold, u32 vtpr)
{
	if (!setup(l2_cr8, 0, 0))
		return;
	vmcs_set(VIRTUAL_APIC_ADDR, vapic_addr);
	vmcs_set(TPR_THRESHOLD, threshold);
	vapic[0x80 / 4] = vtpr;
	int r = vmx_launch();
	report(r == VMX_FAIL_VALID(VMXERR_ENTRY_INVALID_CONTROL), "%s: %s", what,
	       vmx_result_str(r));
}

static void test_entry_checks(void)
{
	u64 pa = virt_to_phys((void *)vapic);
	entry_check("virtual-APIC address bits 11:0 not 0", pa | 0x80, 0, 0);
	entry_check("virtual-APIC address beyond MAXPHYADDR", pa | (1ull << 52), 0, 0);
	entry_check("TPR threshold bits 31:4 not 0", pa, 0x10, 0xf0);
	entry_check("TPR threshold 3 above VTPR[7:4] 2", pa, 3, 0x20);
}

/* --- virtualize APIC accesses --- */
static u8 *apic_page;           /* the APIC-access page (L1 RAM) */
static volatile u64 l2_at;      /* written by L2: the address of its access */

/* an identity EPT of 0-4 GiB (1-GByte pages; 2-MByte pages in the last
 * GiB, 4-KByte ones for FEE00000H-FEFFFFFFH) with FEE00000H -> apic_page */
#define EPT_RWX 7ull
#define EPT_WB  (6ull << 3)
#define EPT_PS  BIT(7)
static u64 ept_build(void)
{
	u64 *root = alloc_page(), *dir = alloc_page(), *pd = alloc_page(), *pt = alloc_page();
	root[0] = virt_to_phys(dir) | EPT_RWX;
	for (u64 i = 0; i < 4; i++)
		dir[i] = (i << 30) | EPT_WB | EPT_PS | EPT_RWX;
	dir[3] = virt_to_phys(pd) | EPT_RWX;
	for (u64 i = 0; i < 512; i++) {
		pd[i] = ((3ull << 30) + (i << 21)) | EPT_WB | EPT_PS | EPT_RWX;
		pt[i] = ((APIC_MMIO & ~0x1fffffull) + (i << 12)) | EPT_WB | EPT_RWX;
	}
	pd[(APIC_MMIO >> 21) & 511] = virt_to_phys(pt) | EPT_RWX;
	pt[(APIC_MMIO >> 12) & 511] = virt_to_phys(apic_page) | EPT_WB | EPT_RWX;
	return virt_to_phys(root) | 6 | (3 << 3);
}

/* L2 programs: one access at addr, recording its address */
/* (l2_end: the end of that instruction) */
volatile u64 l2_end;
#define AT(insn)                                                                            \
	"lea 1f(%%rip), %%r11\n\tmov %%r11, %[at]\n\tlea 2f(%%rip), %%r11\n\t"                  \
	"mov %%r11, l2_end(%%rip)\n1:\t" insn "\n2:"
static u64 l2_read32(u64 addr)
{
	u32 v;
	asm volatile(AT("movl (%[a]), %[v]") : [v] "=r"(v), [at] "=m"(l2_at) : [a] "r"(addr)
		     : "r11", "memory");
	return v;
}
static u64 l2_read64(u64 addr)
{
	u64 v;
	asm volatile(AT("movq (%[a]), %[v]") : [v] "=r"(v), [at] "=m"(l2_at) : [a] "r"(addr)
		     : "r11", "memory");
	return v;
}
static u64 l2_write32(u64 addr)
{
	asm volatile(AT("movl $0x20, (%[a])") : [at] "=m"(l2_at) : [a] "r"(addr) : "r11", "memory");
	return 0;
}
static u64 l2_call(u64 addr) { return ((u64 (*)(void))addr)(); }
/* write the TPR (0x2x), then read it back */
static u64 l2_tpr(u64 addr)
{
	asm volatile(AT("movl $0x27, 0x80(%[a])") : [at] "=m"(l2_at) : [a] "r"(addr)
		     : "r11", "memory");
	return *(volatile u32 *)(addr + 0x80);
}

static u64 eptp;

static bool setup_apic(u64 (*fn)(u64), u64 arg, bool ept, u32 vtpr, u32 threshold)
{
	struct vmx_vmcs_cfg c = { .proc = PROC_USE_TPR_SHADOW | PROC_ACTIVATE_SECONDARY,
				  .proc2 = PROC2_VIRT_APIC_ACCESSES | (ept ? PROC2_ENABLE_EPT : 0) };
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, fn, arg)) {
		report(false, "VMCS setup with virtualize APIC accesses%s", ept ? " and EPT" : "");
		return false;
	}
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(APIC_ACCESS_ADDR, virt_to_phys(apic_page));
	vmcs_set(TPR_THRESHOLD, threshold);
	if (ept)
		vmcs_set(EPT_POINTER, eptp);
	vapic[0x80 / 4] = vtpr;
	return true;
}

/* L2 runs fn(arg) and exits with an APIC access at l2_at */
static void access_exits(const char *what, u64 (*fn)(u64), u64 arg, bool ept, u64 qual)
{
	l2_at = 0;
	if (!setup_apic(fn, arg, ept, 0, 0) || !launched(what, vmx_launch()))
		return;
	report(vmx_exit_reason() == EXIT_REASON_APIC_ACCESS && vmx_exit_qual() == qual,
	       "%s: exit reason %u (44), qualification %#llx (%#llx)", what, vmx_exit_reason(),
	       vmx_exit_qual(), qual);
	u64 rip = fn == l2_call ? arg : l2_at;
	report(vmx_guest_rip() == rip, "%s: guest RIP %#llx is the access (%#llx)", what,
	       vmx_guest_rip(), rip);
	/* the VM-exit instruction length, undefined by the SDM for a data
	 * access, is the accessing instruction's, as processors report it */
	if (fn != l2_call)
		report(vmx_exit_insn_len() == l2_end - l2_at,
		       "%s: VM-exit instruction length %u is the instruction's (%llu)", what,
		       vmx_exit_insn_len(), l2_end - l2_at);
}

static void test_apic_access(bool ept)
{
	u64 base = ept ? APIC_MMIO : virt_to_phys(apic_page);
	const char *how = ept ? "through EPT" : "direct";
	char what[96];
	volatile u32 *page = (volatile u32 *)apic_page;

	page[0x80 / 4] = 0x5a5a5a5a;
	/* TPR write then read: virtualized, no exit */
	if (setup_apic(l2_tpr, base, ept, 0x10, 0) && launched("TPR", vmx_launch()))
		report(vmx_l2_finished() && vmx_guest_regs.rax == 0x27 && vapic[0x80 / 4] == 0x27 &&
			       page[0x80 / 4] == 0x5a5a5a5a,
		       "%s: L2 writes and reads the TPR in the virtual-APIC page (read %#llx, VTPR %#x, "
		       "APIC-access page %#x)", how, vmx_guest_regs.rax, vapic[0x80 / 4],
		       page[0x80 / 4]);
	snprintf(what, sizeof(what), "%s: read of the APIC ID", how);
	access_exits(what, l2_read32, base + 0x20, ept, APIC_ACC_QUAL(0x20, 0));
	snprintf(what, sizeof(what), "%s: write of the EOI register", how);
	access_exits(what, l2_write32, base + 0xb0, ept, APIC_ACC_QUAL(0xb0, 1));
	snprintf(what, sizeof(what), "%s: 64-bit read of the TPR", how);
	access_exits(what, l2_read64, base + 0x80, ept, APIC_ACC_QUAL(0x80, 0));
	snprintf(what, sizeof(what), "%s: fetch", how);
	access_exits(what, l2_call, base + 0x100, ept, APIC_ACC_QUAL(0x100, 2));
}

static void test_apic_tpr_threshold(void)
{
	u64 base = virt_to_phys(apic_page);

	/* a virtualized TPR write below the threshold: trap-like exit 43 */
	l2_at = 0;
	if (setup_apic(l2_tpr, base, false, 0x40, 3) && launched("TPR write", vmx_launch())) {
		report(vmx_exit_reason() == EXIT_REASON_TPR_BELOW_THRESHOLD,
		       "TPR write 27H below threshold 3: exit reason %u (43)", vmx_exit_reason());
		report(vmx_guest_rip() > l2_at && vmx_guest_rip() - l2_at <= 15 && l2_at,
		       "the exit is trap-like: guest RIP %#llx after the write at %#llx",
		       vmx_guest_rip(), l2_at);
	}
	/* at VM entry: threshold 5 above VTPR[7:4] = 4 exits before L2 runs */
	if (setup_apic(l2_tpr, base, false, 0x40, 5)) {
		u64 rip = vmcs_get(GUEST_RIP);
		if (launched("entry with threshold above VTPR", vmx_launch()))
			report(vmx_exit_reason() == EXIT_REASON_TPR_BELOW_THRESHOLD &&
				       vmx_guest_rip() == rip && vapic[0x80 / 4] == 0x40,
			       "threshold 5 above VTPR 4 at entry: exit reason %u (43) at L2's first "
			       "instruction (%#llx)", vmx_exit_reason(), vmx_guest_rip());
	}
	/* "Checks on VM-Execution Control Fields": the APIC-access address */
	if (setup_apic(l2_tpr, base, false, 0, 0)) {
		vmcs_set(APIC_ACCESS_ADDR, base | 0x800);
		int r = vmx_launch();
		report(r == VMX_FAIL_VALID(VMXERR_ENTRY_INVALID_CONTROL),
		       "APIC-access address bits 11:0 not 0: %s", vmx_result_str(r));
	}
}

/* --- APIC-register virtualization, virtualize x2APIC mode --- */
#define EXIT_REASON_APIC_WRITE 56
static u64 l2_reg_virt(u64 base)
{
	u32 id = *(volatile u32 *)(base + 0x20);
	*(volatile u32 *)(base + 0x310) = 0xffffffffu;   /* ICR high: no exit */
	asm volatile(AT("movl $0xb, 0x3e0(%[a])") : [at] "=m"(l2_at) : [a] "r"(base) : "r11", "memory");
	return id;
}

static u64 rdmsr_l2(u32 idx)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
	return lo | (u64)hi << 32;
}
static void wrmsr_l2(u32 idx, u64 v)
{
	asm volatile("wrmsr" ::"c"(idx), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
/* read the TPR MSR (into l2_first), write 50H, read it again */
static volatile u64 l2_first;
static u64 l2_x2apic_tpr(u64 arg)
{
	l2_first = rdmsr_l2(0x808);
	wrmsr_l2(0x808, 0x50);
	return rdmsr_l2(0x808);
}
static u64 l2_rdmsr(u64 idx) { return rdmsr_l2((u32)idx); }
static u64 l2_wrmsr_tpr(u64 v) { wrmsr_l2(0x808, v); return 0; }

static bool setup_x2apic(u64 (*fn)(u64), u64 arg, u32 proc2)
{
	struct vmx_vmcs_cfg c = {
		.proc = PROC_USE_TPR_SHADOW | PROC_ACTIVATE_SECONDARY | PROC_USE_MSR_BITMAPS,
		.proc2 = PROC2_VIRT_X2APIC | proc2,
		.exception_bitmap = 1u << 13,
	};
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, fn, arg)) {
		report(false, "VMCS setup with virtualize x2APIC mode");
		return false;
	}
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(TPR_THRESHOLD, 0);
	vapic[0x80 / 4] = 0x20;
	vapic[0x84 / 4] = 0x7;
	vapic[0x300 / 4] = 0x4000;
	vapic[0x304 / 4] = 0x3;
	return true;
}

static void gp_exit(const char *what)
{
	report(vmx_exit_reason() == EXIT_REASON_EXCEPTION_NMI &&
		       INTR_INFO_VECTOR(vmx_exit_intr_info()) == 13,
	       "%s: #GP (exit reason %u, vector %u)", what, vmx_exit_reason(),
	       INTR_INFO_VECTOR(vmx_exit_intr_info()));
}

static void test_x2apic(void)
{
	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT)) {
		report(false, "\"virtualize x2APIC mode\" and APIC-register virtualization are offered");
		return;
	}
	write_cr8(0);
	if (setup_x2apic(l2_x2apic_tpr, 0, 0) && launched("x2APIC TPR", vmx_launch()))
		report(vmx_l2_finished() && l2_first == 0x700000020ull && vmx_guest_regs.rax == 0x50 &&
			       vapic[0x80 / 4] == 0x50 && vapic[0x84 / 4] == 0 && read_cr8() == 0,
		       "RDMSR/WRMSR 808H: bytes 80H-87H of the virtual-APIC page (read %#llx, then "
		       "%#llx; VTPR %#x %#x), L1's TPR untouched", l2_first, vmx_guest_regs.rax,
		       vapic[0x80 / 4], vapic[0x84 / 4]);
	if (setup_x2apic(l2_rdmsr, 0x830, 0) && launched("x2APIC ICR", vmx_launch()))
		gp_exit("RDMSR 830H without APIC-register virtualization operates normally");
	if (setup_x2apic(l2_rdmsr, 0x830, PROC2_APIC_REG_VIRT) && launched("x2APIC ICR", vmx_launch()))
		report(vmx_l2_finished() && vmx_guest_regs.rax == 0x300004000ull,
		       "RDMSR 830H with APIC-register virtualization: offset 300H (%#llx)",
		       vmx_guest_regs.rax);
	if (setup_x2apic(l2_wrmsr_tpr, 0x100, 0) && launched("x2APIC TPR 100H", vmx_launch()))
		gp_exit("WRMSR 808H of 100H (bits 63:8)");
	/* the write bitmap's bit for 808H: WRMSR exits (32) */
	if (setup_x2apic(l2_wrmsr_tpr, 0x10, 0)) {
		u8 *bm = phys_to_virt(vmcs_get(MSR_BITMAP));
		bm[2048 + 0x808 / 8] |= 1 << (0x808 % 8);
		if (launched("x2APIC bitmap", vmx_launch()))
			report(vmx_exit_reason() == EXIT_REASON_WRMSR && vapic[0x80 / 4] == 0x20,
			       "the MSR bitmap comes first: exit reason %u (32), VTPR %#x",
			       vmx_exit_reason(), vapic[0x80 / 4]);
	}
}

static void test_register_virt(void)
{
	struct vmx_vmcs_cfg c = { .proc = PROC_USE_TPR_SHADOW | PROC_ACTIVATE_SECONDARY,
				  .proc2 = PROC2_VIRT_APIC_ACCESSES | PROC2_APIC_REG_VIRT };
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, l2_reg_virt, virt_to_phys(apic_page))) {
		report(false, "VMCS setup with APIC-register virtualization");
		return;
	}
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(APIC_ACCESS_ADDR, virt_to_phys(apic_page));
	vmcs_set(TPR_THRESHOLD, 0);
	vapic[0x20 / 4] = 0x3000000;
	vapic[0x3e0 / 4] = 0;
	vapic[0x310 / 4] = 0;
	l2_at = 0;
	if (!launched("register virtualization", vmx_launch()))
		return;
	report(vmx_exit_reason() == EXIT_REASON_APIC_WRITE && vmx_exit_qual() == 0x3e0,
	       "write of the divide configuration: exit reason %u (56), qualification %#llx (3E0H)",
	       vmx_exit_reason(), vmx_exit_qual());
	report(vapic[0x3e0 / 4] == 0xb && vmx_guest_rip() > l2_at && vmx_guest_rip() - l2_at <= 15,
	       "APIC write is trap-like: the value is in the virtual-APIC page (%#x), guest RIP "
	       "%#llx after the write at %#llx", vapic[0x3e0 / 4], vmx_guest_rip(), l2_at);
	/* SDM "APIC-Write Emulation": 310H-313H (ICR high) "clears bytes 2:0
	 * of VICR_HI. No other virtualization or VM exit occurs" */
	report(vapic[0x310 / 4] == 0xff000000u,
	       "the earlier write of FFFFFFFFH to ICR high caused no exit and left %#x (FF000000H)",
	       vapic[0x310 / 4]);
	int r = vmx_resume();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == 0x3000000,
	       "the read of the APIC ID came from the virtual-APIC page (%#llx)", vmx_guest_regs.rax);
}

/* --- virtual-interrupt delivery --- */
#define PROC2_VID           BIT(9)
#define GUEST_INTR_STATUS   0x0810
#define EOI_EXIT_BITMAP0    0x201c
#define EOI_EXIT_BITMAP1    0x201e
#define EXIT_REASON_VIRTUALIZED_EOI 45
static volatile u8 vlog[16];     /* vectors L2's handler saw, in order */
static volatile unsigned vcount;
static volatile bool eoi_mmio;   /* EOI through the APIC-access page */

static void vid_handler(struct ex_regs *r)
{
	if (vcount < sizeof(vlog))
		vlog[vcount] = (u8)r->vector;
	vcount++;
	if (eoi_mmio)
		*(volatile u32 *)(apic_page + 0xb0) = 0;
	else
		wrmsr_l2(0x80b, 0);
}

static u64 l2_vid_x2apic(u64 arg)
{
	u64 seen;
	asm volatile("sti; nop; cli" ::: "memory");   /* 40H from VM entry */
	wrmsr_l2(0x83f, 0x45);                        /* self IPI 45H */
	asm volatile("sti; nop; cli" ::: "memory");
	asm volatile("mov %0, %%cr8" ::"r"(5ull));    /* VTPR 50H */
	wrmsr_l2(0x83f, 0x52);                        /* held back */
	asm volatile("sti; nop; nop; cli" ::: "memory");
	seen = vcount;
	asm volatile("mov %0, %%cr8" ::"r"(0ull) : "memory");
	asm volatile("sti; nop; cli" ::: "memory");  /* now 52H */
	wrmsr_l2(0x83f, 0x47);                        /* its EOI exits */
	asm volatile("sti; nop; cli" ::: "memory");
	wrmsr_l2(0x83f, 0x0c);                        /* vector < 16: APIC write */
	return seen;
}

static u64 l2_vid_mmio(u64 base)
{
	/* two fixed self IPIs through the ICR: 61H then 5AH; delivered
	 * highest first once IF = 1 */
	*(volatile u32 *)(base + 0x300) = 0x40061;
	*(volatile u32 *)(base + 0x300) = 0x4005a;
	asm volatile("sti; nop; nop; cli" ::: "memory");
	return 0;
}

static void test_vid(void)
{
	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_VID)) {
		report(false, "\"virtual-interrupt delivery\" is offered");
		return;
	}
	/* with external-interrupt exiting any interrupt pending for L1
	 * exits: the 8259s' lines (the PIT's) are masked */
	pic_set_imr(0xffff);
	u8 vecs[] = { 0x40, 0x45, 0x52, 0x47, 0x61, 0x5a };
	for (unsigned k = 0; k < sizeof(vecs); k++)
		handle_exception_vector(vecs[k], vid_handler);

	struct vmx_vmcs_cfg c = {
		.pin = PIN_EXT_INTR_EXITING,
		.proc = PROC_USE_TPR_SHADOW | PROC_ACTIVATE_SECONDARY | PROC_USE_MSR_BITMAPS,
		.proc2 = PROC2_VIRT_X2APIC | PROC2_VID,
	};
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, l2_vid_x2apic, 0)) {
		report(false, "VMCS setup with virtual-interrupt delivery");
		return;
	}
	for (unsigned k = 0; k < 1024; k++)
		vapic[k] = 0;
	vapic[(0x200 + 0x40 / 32 * 16) / 4] = 1u << (0x40 % 32);   /* VIRR 40H */
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(GUEST_INTR_STATUS, 0x40);
	vmcs_set(EOI_EXIT_BITMAP1, 1ull << (0x47 - 64));
	vcount = 0;
	eoi_mmio = false;
	if (!launched("virtual-interrupt delivery", vmx_launch()))
		return;
	report(vmx_exit_reason() == EXIT_REASON_VIRTUALIZED_EOI && vmx_exit_qual() == 0x47,
	       "the EOI of 47H (EOI-exit bitmap) exits: reason %u (45), qualification %#llx",
	       vmx_exit_reason(), vmx_exit_qual());
	report(vcount == 4 && vlog[0] == 0x40 && vlog[1] == 0x45 && vlog[2] == 0x52 &&
		       vlog[3] == 0x47,
	       "L2 took 40H (from VM entry), 45H, 52H, 47H in order (%u: %x %x %x %x)", vcount,
	       vlog[0], vlog[1], vlog[2], vlog[3]);
	report(vmcs_get(GUEST_INTR_STATUS) == 0 && vapic[0xa0 / 4] == 0,
	       "after the last EOI: RVI/SVI %#llx, VPPR %#x", vmcs_get(GUEST_INTR_STATUS),
	       vapic[0xa0 / 4]);
	int r = vmx_resume();
	/* a self IPI of a vector below 16 is not virtualized: an APIC-write
	 * VM exit (trap-like, qualification 3F0H), nothing in VIRR */
	report(r == VMX_OK && vmx_exit_reason() == EXIT_REASON_APIC_WRITE &&
		       vmx_exit_qual() == 0x3f0 && vapic[0x3f0 / 4] == 0x0c &&
		       vmcs_get(GUEST_INTR_STATUS) == 0 && vapic[0x200 / 4] == 0,
	       "x2APIC self IPI of vector 0CH: exit reason %u (56), qualification %#llx (3F0H), "
	       "3F0H holds %#x, RVI/SVI %#llx, VIRR[31:0] %#x", vmx_exit_reason(), vmx_exit_qual(),
	       vapic[0x3f0 / 4], vmcs_get(GUEST_INTR_STATUS), vapic[0x200 / 4]);
	r = vmx_resume();
	report(r == VMX_OK && vmx_l2_finished() && vmx_guest_regs.rax == 2,
	       "52H waited while VTPR was 50H (%llu interrupts before CR8 = 0), L2 finished",
	       vmx_guest_regs.rax);

	/* memory-mapped: ICR self IPIs and EOIs through the APIC-access page */
	c.proc &= ~(u32)PROC_USE_MSR_BITMAPS;
	c.proc2 = PROC2_VIRT_APIC_ACCESSES | PROC2_VID;
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, l2_vid_mmio, virt_to_phys(apic_page)))
		return;
	for (unsigned k = 0; k < 1024; k++)
		vapic[k] = 0;
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(APIC_ACCESS_ADDR, virt_to_phys(apic_page));
	vmcs_set(GUEST_INTR_STATUS, 0);
	vcount = 0;
	eoi_mmio = true;
	if (launched("memory-mapped self IPI", vmx_launch()))
		report(vmx_l2_finished() && vcount == 2 && vlog[0] == 0x61 && vlog[1] == 0x5a &&
			       vmcs_get(GUEST_INTR_STATUS) == 0,
		       "ICR self IPIs 61H, 5AH delivered highest first, EOIed through the "
		       "APIC-access page (%u: %x %x; status %#llx)", vcount, vlog[0], vlog[1],
		       vmcs_get(GUEST_INTR_STATUS));
	for (unsigned k = 0; k < sizeof(vecs); k++)
		handle_exception_vector(vecs[k], NULL);
}

/* --- posted interrupts --- */
#define PIN_POSTED        BIT(7)
#define POSTED_INTR_NV    0x0002
#define POSTED_INTR_DESC  0x2016
#define PI_NV             0xf2
static volatile u64 pi_desc[8] __attribute__((aligned(64)));
static volatile unsigned l1_nv_count;

static void l1_nv_handler(struct ex_regs *r)
{
	l1_nv_count++;
	*(volatile u32 *)(APIC_MMIO + 0xb0) = 0;
}

/* a self IPI of vector v through L1's local APIC (xAPIC ICR) */
static void self_ipi(u8 v) { *(volatile u32 *)(APIC_MMIO + 0x300) = v | (1u << 18); }

static u64 l2_notify(u64 arg)
{
	self_ipi(PI_NV);
	asm volatile("sti; nop; cli" ::: "memory");
	return vcount;
}

asm(".pushsection .text\n"
    "l2_cpuid_insn: cpuid\n\tud2\n"
    ".popsection");
extern u8 l2_cpuid_insn[];

static bool setup_pi(u64 (*fn)(u64))
{
	struct vmx_vmcs_cfg c = {
		.pin = PIN_EXT_INTR_EXITING | PIN_POSTED,
		.proc = PROC_USE_TPR_SHADOW | PROC_ACTIVATE_SECONDARY | PROC_USE_MSR_BITMAPS,
		.proc2 = PROC2_VIRT_X2APIC | PROC2_VID,
		.exit = EXIT_ACK_INTR_ON_EXIT,
	};
	vmx_new_vmcs();
	if (!vmx_vmcs_setup(&c, fn, 0)) {
		report(false, "VMCS setup with posted interrupts");
		return false;
	}
	for (unsigned k = 0; k < 1024; k++)
		vapic[k] = 0;
	for (unsigned k = 0; k < 8; k++)
		pi_desc[k] = 0;
	pi_desc[1] = 1ull << (0x66 - 64);   /* PIR: 66H */
	pi_desc[4] = 1;                     /* ON */
	vmcs_set(VIRTUAL_APIC_ADDR, virt_to_phys((void *)vapic));
	vmcs_set(GUEST_INTR_STATUS, 0);
	vmcs_set(POSTED_INTR_NV, PI_NV);
	vmcs_set(POSTED_INTR_DESC, virt_to_phys((void *)pi_desc));
	return true;
}

static void test_posted(void)
{
	if (!vmx_ctl_allowed1(vmx_pin_msr(), PIN_POSTED)) {
		report(false, "\"process posted interrupts\" is offered");
		return;
	}
	handle_exception_vector(0x66, vid_handler);
	handle_exception_vector(PI_NV, l1_nv_handler);
	*(volatile u32 *)(APIC_MMIO + 0xf0) |= 0x100; /* the local APIC on */
	vcount = 0;
	eoi_mmio = false;
	l1_nv_count = 0;
	if (setup_pi(l2_notify) && launched("posted interrupt", vmx_launch())) {
		report(vmx_l2_finished() && vmx_guest_regs.rax == 1 && vlog[0] == 0x66,
		       "the notification is processed in L2 without an exit: L2 took 66H (%u "
		       "interrupts, exit reason %u)", vcount, vmx_exit_reason());
		report(pi_desc[1] == 0 && pi_desc[4] == 0, "PIR and ON cleared (%#llx, %#llx)",
		       pi_desc[1], pi_desc[4]);
		u32 isr = *(volatile u32 *)(APIC_MMIO + 0x100 + 16 * (PI_NV / 32));
		report(!(isr & (1u << (PI_NV % 32))) && l1_nv_count == 0,
		       "the local APIC got its EOI (ISR word %#x), L1 saw no interrupt", isr);
	}
	/* pending when L2 exits: L1's own interrupt */
	if (setup_pi(l2_notify)) {
		vmcs_set(GUEST_RIP, (u64)l2_cpuid_insn);
		vmcs_set(GUEST_INTERRUPTIBILITY_INFO, 2); /* blocking by MOV SS */
		self_ipi(PI_NV);
		if (launched("notification during the exit", vmx_launch())) {
			report(vmx_exit_reason() == EXIT_REASON_CPUID && pi_desc[4] == 1 &&
				       pi_desc[1] == 1ull << (0x66 - 64),
			       "L2's first instruction exits (reason %u) with the notification "
			       "pending: descriptor untouched (ON %#llx)", vmx_exit_reason(),
			       pi_desc[4]);
			asm volatile("sti; nop; cli" ::: "memory");
			report(l1_nv_count == 1, "L1 takes the notification vector as its own "
			       "interrupt (%u)", l1_nv_count);
		}
	}
	handle_exception_vector(0x66, NULL);
	handle_exception_vector(PI_NV, NULL);
}

static void test_apic_accesses(void)
{
	if (!vmx_ctl_allowed1(vmx_caps.proc2, PROC2_VIRT_APIC_ACCESSES)) {
		report(false, "\"virtualize APIC accesses\" is offered");
		return;
	}
	apic_page = alloc_page();
	test_apic_access(false);
	if (vmx_ctl_allowed1(vmx_caps.proc2, PROC2_ENABLE_EPT)) {
		eptp = ept_build();
		test_apic_access(true);
		report(read_cr8() == 0, "L1's own TPR is untouched (CR8 %#llx)", read_cr8());
	} else {
		report_skip("EPT not offered: the APIC-access page through EPT");
	}
	test_apic_tpr_threshold();
	test_register_virt();
	test_vid();
}

int main(int argc, char **argv)
{
	if (!vmx_check_supported())
		return report_summary();
	vmx_read_caps(&vmx_caps);
	if (!vmx_ctl_allowed1(vmx_proc_msr(), PROC_USE_TPR_SHADOW)) {
		report(false, "\"use TPR shadow\" is offered");
		return report_summary();
	}
	if (!vmx_start())
		return report_summary();
	vapic = alloc_page();
	test_cr8_virtualized();
	test_tpr_below_threshold();
	test_entry_checks();
	test_apic_accesses();
	test_x2apic();
	test_posted();
	return report_summary();
}
