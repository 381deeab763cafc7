/* tests/guest/demo.c: the bundled demo kernel (`make run` boots it).
 * It shows what nestbox emulates: a multiboot boot, mode switches, paging,
 * an exception, an L2 guest under VMX (-cpu max,+vmx, `make run`) or SVM
 * (-cpu max,+svm, `make run-svm`), and some arithmetic, and exits with
 * code 0. */
#include "guest.h"
#include "vmx.h"
#include "svm.h"

u32 demo_compat(u32 x);
extern u16 demo_compat_cs;

#define DEMO_VA 0x00007f0000000000ull /* far from the identity map */

static void banner(void)
{
	printf("\n"
	       "  +--------------------------------------------------------------+\n"
	       "  |  nestbox: a full-system x86-64 emulator                      |\n"
	       "  |  This demo kernel was booted the way qemu -kernel boots one: |\n"
	       "  |  multiboot, 32-bit protected mode, then up to long mode.     |\n"
	       "  +--------------------------------------------------------------+\n\n");
}

static void show_cpu(void)
{
	char brand[49] = "";
	struct cpuid v = cpuid(0);
	char vendor[13];

	memcpy(vendor, &v.b, 4);
	memcpy(vendor + 4, &v.d, 4);
	memcpy(vendor + 8, &v.c, 4);
	vendor[12] = 0;
	if (cpuid(0x80000000).a >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			struct cpuid r = cpuid(0x80000002 + i);
			memcpy(brand + 16 * i, &r, 16);
		}
		brand[48] = 0;
	}
	printf("  CPU:    %s %s\n", vendor, brand);
}

static void show_modes(void)
{
	u32 r = demo_compat(20);

	printf("  Boot:   entered at 32-bit protected mode, CR0=%#x, paging off\n",
	       boot_state.cr0);
	printf("  Now:    64-bit long mode, CR0=%#llx CR4=%#llx EFER=%#llx\n", read_cr0(),
	       read_cr4(), rdmsr(MSR_EFER));
	printf("  Compat: far call to 32-bit code segment %#x computed 20*2+1 = %u\n",
	       demo_compat_cs, r);
	report(r == 41 && demo_compat_cs == KERNEL_CS32, "mode switch to compatibility mode and back");
}

static void show_paging(void)
{
	char *page = alloc_page();
	const char *msg = "hello through the page tables";
	volatile char *va = (volatile char *)DEMO_VA;
	int v;

	install_page(current_page_table(), virt_to_phys(page), (void *)DEMO_VA, PT_WRITABLE_MASK);
	for (size_t i = 0; i <= strlen(msg); i++)
		va[i] = msg[i];
	printf("  Paging: wrote \"%s\" at virtual %#llx,\n"
	       "          read it back at physical %#llx\n", page, DEMO_VA, virt_to_phys(page));
	report(!strcmp(page, msg), "a 4-level page walk maps a high virtual address");
	v = catch_exception((void (*)(void *))(DEMO_VA + 0x200000), NULL);
	printf("  Fault:  a call to unmapped %#llx raised vector %d (#PF), CR2=%#llx\n",
	       DEMO_VA + 0x200000, v, exception_cr2());
	report(v == PF_VECTOR && exception_cr2() == DEMO_VA + 0x200000, "page fault delivered");
}

/* fixed-point (12 fractional bits) Mandelbrot set, integer-only */
static u64 mandelbrot(void)
{
	static const char shades[] = " .:-=+*#%@";
	u64 checksum = 0;

	printf("\n");
	for (int y = -12; y <= 12; y++) {
		char line[72];
		int n = 0;

		for (int x = -39; x <= 20; x++) {
			s64 cr = x * 4096 / 20, ci = y * 4096 / 10, zr = 0, zi = 0;
			int it = 0;

			while (it < 40 && zr * zr + zi * zi < 4ll * 4096 * 4096) {
				s64 t = (zr * zr - zi * zi) / 4096 + cr;
				zi = 2 * zr * zi / 4096 + ci;
				zr = t;
				it++;
			}
			checksum = checksum * 31 + it;
			line[n++] = it == 40 ? '@' : shades[it % 9];
		}
		line[n] = 0;
		printf("    %s\n", line);
	}
	printf("\n");
	return checksum;
}

/* --- nested virtualization: this kernel as an L1 hypervisor --- */
/* L2's memory: EPT maps 0-4 GiB as it is, but for the 2 MiB at LAZY_GPA,
 * which L1 maps only when L2 first touches it */
#define LAZY_GPA 0x3fe00000ull
static u64 *ept_pd;

static u64 demo_l2(u64 arg)
{
	u32 a = 0, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	asm volatile("outb %%al, $0x80" : : "a"(0x42));
	asm volatile("hlt");
	u64 v = *(volatile u64 *)(LAZY_GPA + 0x1008);
	return arg + a + v;
}

/* an identity EPT of 0-4 GiB (1-GByte pages; 2-MByte ones below 1 GiB);
 * returns the EPTP (write-back, 4 levels) */
static u64 demo_ept(void)
{
	u64 *pml4 = alloc_page(), *pdpt = alloc_page();
	ept_pd = alloc_page();
	pml4[0] = virt_to_phys(pdpt) | 7;
	for (u64 i = 0; i < 4; i++)
		pdpt[i] = (i << 30) | (6 << 3) | BIT(7) | 7;
	pdpt[0] = virt_to_phys(ept_pd) | 7;
	for (u64 i = 0; i < 511; i++) /* all but the last 2 MiB: LAZY_GPA */
		ept_pd[i] = (i << 21) | (6 << 3) | BIT(7) | 7;
	return virt_to_phys(pml4) | (3 << 3) | 6;
}

static const char *exit_name(u32 reason)
{
	switch (reason & 0xffff) {
	case EXIT_REASON_CPUID: return "CPUID";
	case EXIT_REASON_HLT: return "HLT";
	case EXIT_REASON_IO_INSTRUCTION: return "I/O instruction";
	case EXIT_REASON_VMCALL: return "VMCALL";
	case EXIT_REASON_EPT_VIOLATION: return "EPT violation";
	default: return "another reason";
	}
}

static void show_vmx(void)
{
	struct vmx_vmcs_cfg cfg = {
		.proc = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_ACTIVATE_SECONDARY,
		.proc2 = PROC2_ENABLE_EPT,
	};
	unsigned exits = 0;

	if (!vmx_supported()) {
		printf("  VMX:    not advertised (run with -cpu max,+vmx to see an L2 guest)\n");
		return;
	}
	if (!vmx_start() || !vmx_new_vmcs() || !vmx_vmcs_setup(&cfg, demo_l2, 1000)) {
		report(false, "VMX: VMXON and a VMCS for an L2 guest");
		return;
	}
	vmcs_set(EPT_POINTER, demo_ept());
	printf("  VMX:    this kernel is now an L1 hypervisor; its L2 guest runs CPUID, OUT, HLT\n"
	       "          and reads memory its EPT maps only once L2 touches it\n");
	int r = vmx_launch();
	while (r == VMX_OK && !vmx_l2_finished() && exits < 10) {
		u32 reason = vmx_exit_reason();
		printf("          L2 exit %u: %s (reason %u, qualification %#llx) at L2 RIP %#llx\n",
		       ++exits, exit_name(reason), reason & 0xffff,
		       (unsigned long long)vmx_exit_qual(), (unsigned long long)vmx_guest_rip());
		if ((reason & 0xffff) == EXIT_REASON_EPT_VIOLATION) {
			u64 gpa = vmcs_get(GUEST_PHYSICAL_ADDRESS);
			printf("          L1 maps guest-physical %#llx and lets L2 retry\n",
			       (unsigned long long)gpa);
			ept_pd[(gpa >> 21) & 511] = ((gpa >> 21) << 21) | (6 << 3) | BIT(7) | 7;
			r = vmx_resume();
			continue;
		}
		r = vmx_skip_and_resume();
	}
	report(r == VMX_OK && vmx_l2_finished() && exits == 4,
	       "VMX: L2 exited on CPUID, I/O, HLT and an EPT violation and finished after L1 resumed it");
}

/* the SVM L2: three hypercalls (VMMCALL, RAX = the request), then done */
static u64 demo_l2_svm(u64 n)
{
	u64 total = 0;
	for (u64 k = 1; k <= 3; k++) {
		u64 r;
		asm volatile("vmmcall" : "=a"(r) : "a"(k * n) : "memory");
		total += r;
	}
	return total;
}

static void show_svm(void)
{
	extern char svm_l2_done[];
	unsigned exits = 0;

	if (cpuid(0x80000000).a < 0x80000001 || !(cpuid(0x80000001).c & CPUID_80000001_ECX_SVM)) {
		printf("  SVM:    not advertised (run with -cpu max,+svm to see an L2 guest)\n");
		return;
	}
	svm_enable();
	u8 *vmcb = svm_vmcb_alloc();
	svm_vmcb_setup(vmcb, demo_l2_svm, 100);
	printf("  SVM:    this kernel is now an L1 hypervisor (VMRUN); its L2 guest makes\n"
	       "          hypercalls with VMMCALL, which L1 answers (RAX * 2)\n");
	u64 code = svm_run(vmcb);
	while (code == SVM_EXIT_VMMCALL && vmcb_get(vmcb, VMCB_RIP) != (u64)svm_l2_done &&
	       exits < 10) {
		u64 rax = vmcb_get(vmcb, VMCB_RAX);
		printf("          #VMEXIT %u: VMMCALL (exit code %#llx) at L2 RIP %#llx, RAX %llu -> %llu\n",
		       ++exits, (unsigned long long)code, (unsigned long long)vmcb_get(vmcb, VMCB_RIP),
		       (unsigned long long)rax, (unsigned long long)(rax * 2));
		vmcb_set(vmcb, VMCB_RAX, rax * 2);
		svm_skip_vmmcall(vmcb);
		code = svm_run(vmcb);
	}
	report(code == SVM_EXIT_VMMCALL && exits == 3 && vmcb_get(vmcb, VMCB_RAX) == 1200,
	       "SVM: L2 made three hypercalls and finished with their sum (%llu)",
	       (unsigned long long)vmcb_get(vmcb, VMCB_RAX));
}

int main(int argc, char **argv)
{
	u64 t0 = rdtsc();

	banner();
	show_cpu();
	show_modes();
	show_paging();
	show_vmx();
	show_svm();
	u64 sum = mandelbrot();
	/* the value a host build of the same loop gives */
	report(sum == 0xbb88e79a0e8f454eull, "integer arithmetic: the Mandelbrot set above "
	       "(checksum %llx)", sum);
	printf("  That took %llu TSC ticks. Bye!\n\n", rdtsc() - t0);
	return report_summary();
}
