/* tests/guest/lib/svm.c: the L1 hypervisor library for AMD SVM (svm.h). */
#include "guest.h"
#include "svm.h"

struct svm_gprs svm_guest_regs;
extern char svm_l2_entry[];

bool svm_supported(void)
{
	if (cpuid(0x80000000).a < 0x80000001 || !(cpuid(0x80000001).c & CPUID_80000001_ECX_SVM)) {
		report_skip("SVM not advertised (CPUID 8000_0001.ECX[2]); run with -cpu max,+svm");
		return false;
	}
	return true;
}

u32 svm_features(void)
{
	return cpuid(0x80000000).a >= 0x8000000a ? cpuid(0x8000000a).d : 0;
}

void svm_enable(void)
{
	static void *hsave;

	if (!hsave)
		hsave = alloc_page();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(hsave));
}

u8 *svm_vmcb_alloc(void)
{
	u8 *v = alloc_page();
	for (unsigned k = 0; k < 4096; k++)
		v[k] = 0;
	return v;
}

void vmcb_set_seg(u8 *v, unsigned off, u16 sel, u16 attrib, u32 limit, u64 base)
{
	*(volatile u16 *)(v + off) = sel;
	*(volatile u16 *)(v + off + 2) = attrib;
	*(volatile u32 *)(v + off + 4) = limit;
	*(volatile u64 *)(v + off + 8) = base;
}

/* zeroed pages, physically contiguous (alloc_pages of an order) */
static u64 zeroed_pages(unsigned order)
{
	u8 *p = alloc_pages(order);
	for (unsigned k = 0; k < (4096u << order); k++)
		p[k] = 0;
	return virt_to_phys(p);
}

void svm_vmcb_setup(u8 *v, u64 (*l2_fn)(u64), u64 arg)
{
	static u64 iopm, msrpm;
	struct desc_ptr gdt, idt;
	u8 *stack = alloc_page();

	if (!iopm) {
		iopm = zeroed_pages(2);   /* 12 KiB needed: 16 */
		msrpm = zeroed_pages(1);  /* 8 KiB */
	}
	for (unsigned k = 0; k < 4096; k++)
		v[k] = 0;
	vmcb_set32(v, VMCB_ICPT_MISC2, ICPT2_VMRUN | ICPT2_VMMCALL);
	vmcb_set(v, VMCB_IOPM_BASE, iopm);
	vmcb_set(v, VMCB_MSRPM_BASE, msrpm);
	vmcb_set32(v, VMCB_ASID, 1);
	/* 64-bit code: type 0xb, S, P, L, G; data: type 3, S, P, D/B, G */
	vmcb_set_seg(v, VMCB_CS, KERNEL_CS, 0x9b | SVM_ATTR_L | SVM_ATTR_G, 0xffffffff, 0);
	vmcb_set_seg(v, VMCB_SS, KERNEL_DS, 0x93 | SVM_ATTR_DB | SVM_ATTR_G, 0xffffffff, 0);
	vmcb_set_seg(v, VMCB_DS, KERNEL_DS, 0x93 | SVM_ATTR_DB | SVM_ATTR_G, 0xffffffff, 0);
	vmcb_set_seg(v, VMCB_ES, KERNEL_DS, 0x93 | SVM_ATTR_DB | SVM_ATTR_G, 0xffffffff, 0);
	sgdt(&gdt);
	sidt(&idt);
	vmcb_set_seg(v, VMCB_GDTR, 0, 0, gdt.limit, gdt.base);
	vmcb_set_seg(v, VMCB_IDTR, 0, 0, idt.limit, idt.base);
	vmcb_set8(v, VMCB_CPL, 0);
	vmcb_set(v, VMCB_EFER, rdmsr(MSR_EFER));
	vmcb_set(v, VMCB_CR0, read_cr0());
	vmcb_set(v, VMCB_CR3, read_cr3());
	vmcb_set(v, VMCB_CR4, read_cr4());
	vmcb_set(v, VMCB_DR6, 0xffff0ff0);
	vmcb_set(v, VMCB_DR7, 0x400);
	vmcb_set(v, VMCB_RFLAGS, 2);
	vmcb_set(v, VMCB_RIP, (u64)svm_l2_entry);
	vmcb_set(v, VMCB_RSP, (u64)(stack + 4096));
	vmcb_set(v, VMCB_RAX, 0);
	svm_guest_regs = (struct svm_gprs){ .rdi = arg, .rsi = (u64)l2_fn };
}

u64 svm_run(u8 *v)
{
	u64 r = svm_enter(virt_to_phys(v));
	stgi();
	return r ? SVM_RUN_FAULTED : vmcb_get(v, VMCB_EXITCODE);
}

void svm_skip_vmmcall(u8 *v)
{
	vmcb_set(v, VMCB_RIP, vmcb_get(v, VMCB_RIP) + 3);
}
