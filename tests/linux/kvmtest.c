/* kvmtest: the L1 side of the end-to-end nested test (docs/linux.md
 * "Linux with KVM as L1"). Runs inside Debian's Linux booted on nestbox
 * with kvm_intel or kvm_amd loaded, uses /dev/kvm to run small L2 guests,
 * and prints a PASS:/FAIL: line per check. Built static (make linux-guest)
 * into the KVM initramfs; the guest's own code is assembled below.
 *
 * L2 guests:
 *  - real mode (KVM's reset state): port I/O of each width, CPUID as L1's
 *    KVM reports it, RAM written and read back, an MMIO write outside every
 *    memory slot, a computed loop, HLT;
 *  - 64-bit long mode (page tables and segments set by KVM_SET_SREGS): a
 *    loop of I/O exits, VMCALL/VMMCALL as KVM's hypercall, a #PF-free
 *    memory walk over 1 MiB, HLT.
 * The same run on nestbox gives the same output byte for byte (virtual
 * time), so the lines carry counts but no host timings. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;

/* check(ok, what, fmt, ...): the caller computes ok in a statement of its
 * own (argument evaluation order is unspecified in C) */
static void check(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;
	printf("%s: kvm: %s", ok ? "PASS" : "FAIL", what);
	if (fmt) {
		printf(" (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")");
	}
	printf("\n");
	fflush(stdout);
	failures += !ok;
}

/* ---- L2 code ---- */
extern const unsigned char g16[], g16_end[], g64[], g64_end[], g64_irq[];
extern const unsigned char g64a[], g64a_end[], g64a_timer[], g64a_ipi[];
extern const unsigned char g64s[], g64s_end[], g64s_ap[], g64s_ipi[];
asm(".pushsection .rodata\n"
    ".code16\n"
    "g16:\n"
    "  mov $0x10, %dx\n"
    "  mov $0x41, %al\n"
    "  out %al, %dx\n"              /* exit 1: out 1 byte 'A' */
    "  mov $0x1234, %ax\n"
    "  out %ax, %dx\n"              /* exit 2: out 2 bytes */
    "  xor %eax, %eax\n"
    "  cpuid\n"
    "  mov %ebx, %eax\n"
    "  mov $0x11, %dx\n"
    "  out %eax, %dx\n"             /* exit 3: CPUID.0:EBX, 4 bytes */
    "  movw $0xbeef, 0x2000\n"
    "  mov 0x2000, %ax\n"
    "  mov $0x12, %dx\n"
    "  out %ax, %dx\n"              /* exit 4: RAM read back */
    "  movw $0x5678, 0x9000\n"      /* exit 5: MMIO write outside the slot */
    "  xor %eax, %eax\n"
    "  mov $1000, %ecx\n"           /* LOOP counts CX; the add uses ECX */
    "1: add %ecx, %eax\n"
    "  loop 1b\n"
    "  mov $0x13, %dx\n"
    "  out %eax, %dx\n"             /* exit 6: sum 1..1000 */
    "  mov $0x14, %dx\n"
    "  in %dx, %al\n"               /* exit 7: in, L1 answers 0x5a */
    "  mov $0x15, %dx\n"
    "  out %al, %dx\n"              /* exit 8: echo it back */
    "  hlt\n"                       /* exit 9 */
    "g16_end:\n"
    ".code64\n"
    "g64:\n"
    "  mov $10000, %ecx\n"
    "  mov $0x20, %dx\n"
    "1: mov %ecx, %eax\n"
    "  out %eax, %dx\n"             /* 10000 I/O exits */
    "  dec %ecx\n"
    "  jnz 1b\n"
    "  mov $0x300000, %rdi\n"       /* write then sum 1 MiB at 3 MiB */
    "  mov $0x20000, %ecx\n"
    "  xor %eax, %eax\n"
    "2: mov %rcx, (%rdi)\n"
    "  add $8, %rdi\n"
    "  dec %ecx\n"
    "  jnz 2b\n"
    "  mov $0x300000, %rdi\n"
    "  mov $0x20000, %ecx\n"
    "3: add (%rdi), %rax\n"
    "  add $8, %rdi\n"
    "  dec %ecx\n"
    "  jnz 3b\n"
    "  mov $0x21, %dx\n"
    "  out %eax, %dx\n"             /* the sum, low 32 bits */
    "  shr $32, %rax\n"
    "  out %eax, %dx\n"             /* and high */
    "  mov $12345, %eax\n"          /* KVM hypercall number nobody has */
    "  cmpb $0, 0x6ff0\n"           /* vendor flag: 0 Intel, 1 AMD */
    "  jne 4f\n"
    "  vmcall\n"
    "  jmp 5f\n"
    "4: vmmcall\n"
    "5: mov $0x22, %dx\n"
    "  out %eax, %dx\n"             /* -KVM_ENOSYS, low 32 bits */
    "  sti\n"
    "  mov $0x24, %dx\n"
    "  out %eax, %dx\n"             /* ready: L1 injects vector 0x30 now */
    "  mov $0x25, %dx\n"
    "  mov 0x6ff8, %eax\n"
    "  out %eax, %dx\n"             /* the handler's mark, seen after IRETQ */
    "  hlt\n"
    "g64_irq:\n"                   /* vector 0x30 */
    "  mov $0x23, %dx\n"
    "  mov $0x30, %eax\n"
    "  out %eax, %dx\n"
    "  movl $0x600d, 0x6ff8\n"
    "  iretq\n"
    "g64_end:\n"
    /* with KVM's in-kernel local APIC: L2 arms its APIC timer, halts
     * (KVM blocks the vCPU, not L1's user space) until it fires, then
     * sends itself an IPI through the ICR */
    "g64a:\n"
    "  mov $0xfee00000, %rbx\n"
    "  movl $0x1ff, 0xf0(%rbx)\n"     /* SVR: APIC on, spurious 0xff */
    "  movl $0xb, 0x3e0(%rbx)\n"      /* divide by 1 */
    "  movl $0x31, 0x320(%rbx)\n"     /* LVT timer: one-shot, vector 0x31 */
    "  movl $100000, 0x380(%rbx)\n"   /* initial count */
    "  sti\n"
    "1: hlt\n"
    "  cmpl $0, 0x6ff8\n"
    "  je 1b\n"
    "  mov $0x26, %dx\n"
    "  mov 0x6ff8, %eax\n"
    "  out %eax, %dx\n"
    "  movl $0x40032, 0x300(%rbx)\n"  /* ICR: self, fixed, vector 0x32 */
    "2: cmpl $0, 0x6ffc\n"
    "  je 2b\n"
    "  mov $0x27, %dx\n"
    "  mov 0x6ffc, %eax\n"
    "  out %eax, %dx\n"
    "  mov 0x390(%rbx), %eax\n"       /* current count: 0 after one-shot */
    "  mov $0x28, %dx\n"
    "  out %eax, %dx\n"
    "3: cli\n"
    "  hlt\n"
    "  jmp 3b\n"
    "g64a_timer:\n"                   /* vector 0x31 */
    "  movl $0x7131, 0x6ff8\n"
    "  push %rax\n"
    "  mov $0xfee000b0, %rax\n"
    "  movl $0, (%rax)\n"             /* EOI */
    "  pop %rax\n"
    "  iretq\n"
    "g64a_ipi:\n"                     /* vector 0x32 */
    "  movl $0x7132, 0x6ffc\n"
    "  push %rax\n"
    "  mov $0xfee000b0, %rax\n"
    "  movl $0, (%rax)\n"
    "  pop %rax\n"
    "  iretq\n"
    "g64a_end:\n"
    /* two vCPUs: vCPU 1 spins in L2 with interrupts on while vCPU 0 sends
     * it an IPI (KVM posts it: with VMX's posted interrupts, the
     * notification vector reaches L1's CPU that runs vCPU 1 in L2) */
    "g64s:\n"                         /* vCPU 0 */
    "  mov $0xfee00000, %rbx\n"
    "  movl $0x1ff, 0xf0(%rbx)\n"
    "1: cmpl $0, 0x6fe0\n"             /* vCPU 1 ready */
    "  je 1b\n"
    "  movl $0x01000000, 0x310(%rbx)\n" /* ICR high: APIC ID 1 */
    "  movl $0x33, 0x300(%rbx)\n"      /* ICR low: fixed, vector 0x33 */
    "2: cmpl $0, 0x6fe4\n"
    "  je 2b\n"
    "  mov $0x2a, %dx\n"
    "  mov 0x6fe4, %eax\n"
    "  out %eax, %dx\n"
    "3: cli\n"
    "  hlt\n"
    "  jmp 3b\n"
    "g64s_ap:\n"                      /* vCPU 1 */
    "  mov $0xfee00000, %rbx\n"
    "  movl $0x1ff, 0xf0(%rbx)\n"
    "  sti\n"
    "  movl $1, 0x6fe0\n"
    "4: pause\n"
    "  cmpl $0, 0x6fe4\n"
    "  je 4b\n"
    "  mov $0x29, %dx\n"
    "  mov 0x6fe4, %eax\n"
    "  out %eax, %dx\n"
    "5: cli\n"
    "  hlt\n"
    "  jmp 5b\n"
    "g64s_ipi:\n"                     /* vector 0x33, on vCPU 1 */
    "  movl $0x7133, 0x6fe4\n"
    "  push %rax\n"
    "  mov $0xfee000b0, %rax\n"
    "  movl $0, (%rax)\n"
    "  pop %rax\n"
    "  iretq\n"
    "g64s_end:\n"
    ".popsection\n");

#define MEM_SIZE (4u << 20)

struct vm {
	int kvm, fd, vcpu;
	struct kvm_run *run;
	unsigned char *mem;
};

static int vm_create(struct vm *vm, int kvm, uint32_t slot_size, int irqchip)
{
	struct kvm_userspace_memory_region r = { 0 };
	int sz;

	vm->kvm = kvm;
	vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -1;
	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		return -1;
	r.slot = 0;
	r.guest_phys_addr = 0;
	r.memory_size = slot_size;
	r.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -1;
	if (irqchip && ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return -1;
	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		return -1;
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return -1;
	vm->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		return -1;
	return 0;
}

/* give L2 the CPUID KVM supports, as every VMM does */
static int vm_set_cpuid(struct vm *vm)
{
	int n = 100;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	int ret;

	c->nent = n;
	ret = ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c);
	if (ret == 0)
		ret = ioctl(vm->vcpu, KVM_SET_CPUID2, c);
	free(c);
	return ret;
}

/* one KVM_RUN; returns the exit reason or -1 */
static int vm_run(struct vm *vm)
{
	if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
		printf("kvmtest: KVM_RUN: %s\n", strerror(errno));
		return -1;
	}
	return vm->run->exit_reason;
}

static uint32_t io_value(struct vm *vm)
{
	uint32_t v = 0;
	memcpy(&v, (char *)vm->run + vm->run->io.data_offset, vm->run->io.size);
	return v;
}

static int is_out(struct vm *vm, uint16_t port, int size, uint32_t *val)
{
	struct kvm_run *r = vm->run;
	if (r->exit_reason != KVM_EXIT_IO || r->io.direction != KVM_EXIT_IO_OUT ||
	    r->io.port != port || r->io.size != size || r->io.count != 1)
		return 0;
	*val = io_value(vm);
	return 1;
}

static void describe(struct vm *vm, char *buf, size_t n)
{
	struct kvm_run *r = vm->run;
	if (r->exit_reason == KVM_EXIT_IO)
		snprintf(buf, n, "exit IO %s port 0x%x size %d count %u data 0x%x",
			 r->io.direction ? "out" : "in", r->io.port, r->io.size, r->io.count,
			 io_value(vm));
	else if (r->exit_reason == KVM_EXIT_MMIO)
		snprintf(buf, n, "exit MMIO 0x%llx len %u", (unsigned long long)r->mmio.phys_addr,
			 r->mmio.len);
	else if (r->exit_reason == KVM_EXIT_FAIL_ENTRY)
		snprintf(buf, n, "exit FAIL_ENTRY reason 0x%llx",
			 (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
	else if (r->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(buf, n, "exit INTERNAL_ERROR suberror %u", r->internal.suberror);
	else
		snprintf(buf, n, "exit reason %u", r->exit_reason);
}

/* run to the next exit: an OUT of SIZE bytes of WANT to PORT */
static void expect_out(struct vm *vm, uint16_t port, int size, uint32_t want, const char *what)
{
	char d[128];
	uint32_t v = 0;
	int ok = vm_run(vm) == KVM_EXIT_IO && is_out(vm, port, size, &v) && v == want;

	describe(vm, d, sizeof(d));
	check(ok, what, "%s", d);
}

static void vm_destroy(struct vm *vm)
{
	munmap(vm->run, ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
	munmap(vm->mem, MEM_SIZE);
	close(vm->vcpu);
	close(vm->fd);
}

static void test_real_mode(int kvm, uint32_t vendor_ebx)
{
	struct vm vm;
	struct kvm_sregs s;
	struct kvm_regs regs = { 0 };
	char d[128];
	int e;

	if (vm_create(&vm, kvm, 0x8000, 0) < 0 || vm_set_cpuid(&vm) < 0) {
		check(0, "real mode: VM created", "%s", strerror(errno));
		return;
	}
	memcpy(vm.mem + 0x1000, g16, g16_end - g16);
	ioctl(vm.vcpu, KVM_GET_SREGS, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	ioctl(vm.vcpu, KVM_SET_SREGS, &s);
	regs.rip = 0x1000;
	regs.rflags = 2;
	ioctl(vm.vcpu, KVM_SET_REGS, &regs);

	expect_out(&vm, 0x10, 1, 0x41, "real mode: OUT of 1 byte exits to L1's user space");
	expect_out(&vm, 0x10, 2, 0x1234, "real mode: OUT of 2 bytes");
	expect_out(&vm, 0x11, 4, vendor_ebx, "real mode: CPUID in L2 gives L1's vendor");
	expect_out(&vm, 0x12, 2, 0xbeef, "real mode: RAM written and read back");
	e = vm_run(&vm);
	describe(&vm, d, sizeof(d));
	check(e == KVM_EXIT_MMIO && vm.run->mmio.phys_addr == 0x9000 && vm.run->mmio.len == 2 &&
		      vm.run->mmio.is_write && vm.run->mmio.data[0] == 0x78 && vm.run->mmio.data[1] == 0x56,
	      "real mode: a write outside every slot is an MMIO exit", "%s", d);
	expect_out(&vm, 0x13, 4, 500500, "real mode: LOOP sums 1..1000");
	e = vm_run(&vm);
	check(e == KVM_EXIT_IO && vm.run->io.direction == KVM_EXIT_IO_IN && vm.run->io.port == 0x14,
	      "real mode: IN exits", NULL);
	*((uint8_t *)vm.run + vm.run->io.data_offset) = 0x5a;
	expect_out(&vm, 0x15, 1, 0x5a, "real mode: IN returns what L1 gave");
	e = vm_run(&vm);
	describe(&vm, d, sizeof(d));
	check(e == KVM_EXIT_HLT, "real mode: HLT exits", "%s", d);
	ioctl(vm.vcpu, KVM_GET_REGS, &regs);
	check(regs.rip == 0x1000 + (uint64_t)(g16_end - g16), "real mode: RIP after HLT",
	      "rip 0x%llx", (unsigned long long)regs.rip);
	vm_destroy(&vm);
}

static void seg64(struct kvm_segment *s, uint16_t sel, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->type = code ? 11 : 3;
	s->l = code;
	s->db = !code;
}

/* 64-bit L2 state: the first 1 GiB identity-mapped with 2 MiB pages, and
 * the 2 MiB page of the local APIC (0xfee00000); a GDT (null, code 8,
 * data 16) and an IDT, whose gates the caller fills; the code at 0x1000 */
static void long_mode_setup(struct vm *vm, const unsigned char *code, size_t len)
{
	uint64_t *pml4 = (uint64_t *)(vm->mem + 0x10000);
	uint64_t *pdpt = (uint64_t *)(vm->mem + 0x11000);
	uint64_t *pd = (uint64_t *)(vm->mem + 0x12000);
	uint64_t *pd3 = (uint64_t *)(vm->mem + 0x13000);
	uint64_t *gdt = (uint64_t *)(vm->mem + 0x15000);
	struct kvm_sregs s;
	struct kvm_regs regs = { 0 };

	pml4[0] = 0x11000 | 3;
	pdpt[0] = 0x12000 | 3;
	pdpt[3] = 0x13000 | 3;
	for (int i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
	pd3[(0xfee00000 - 0xc0000000) >> 21] = 0xfee00000 | 0x93; /* PCD */
	gdt[1] = 0x00af9b000000ffffull;
	gdt[2] = 0x00cf93000000ffffull;
	memcpy(vm->mem + 0x1000, code, len);
	ioctl(vm->vcpu, KVM_GET_SREGS, &s);
	s.cr3 = 0x10000;
	s.cr4 = 1 << 5;                  /* PAE */
	s.cr0 = 0x80000001 | (1 << 4) | (1 << 5);
	s.efer = (1 << 8) | (1 << 10);   /* LME, LMA */
	seg64(&s.cs, 8, 1);
	seg64(&s.ds, 16, 0);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = 0x15000;
	s.gdt.limit = 23;
	s.idt.base = 0x14000;
	s.idt.limit = 0xfff;
	ioctl(vm->vcpu, KVM_SET_SREGS, &s);
	regs.rip = 0x1000;
	regs.rsp = 0x8000;
	regs.rflags = 2;
	ioctl(vm->vcpu, KVM_SET_REGS, &regs);
}

/* an interrupt gate for VECTOR to the code at HANDLER (an address in the
 * code copied to 0x1000 by long_mode_setup) */
static void idt_gate(struct vm *vm, int vector, uint64_t handler)
{
	uint64_t *idt = (uint64_t *)(vm->mem + 0x14000 + vector * 16);

	idt[0] = (handler & 0xffff) | (8ull << 16) | (0x8eull << 40) | ((handler >> 16 & 0xffff) << 48);
	idt[1] = handler >> 32;
}

static void test_long_mode(int kvm, int amd)
{
	struct vm vm;
	struct kvm_sregs s;
	uint64_t sum, want = 0;
	uint32_t v = 0, lo = 0, hi = 0;
	int i, e, ios = 0;
	char d[128];

	if (vm_create(&vm, kvm, MEM_SIZE, 0) < 0 || vm_set_cpuid(&vm) < 0) {
		check(0, "long mode: VM created", "%s", strerror(errno));
		return;
	}
	long_mode_setup(&vm, g64, g64_end - g64);
	vm.mem[0x6ff0] = amd;
	idt_gate(&vm, 0x30, 0x1000 + (uint64_t)(g64_irq - g64));

	for (i = 10000; i > 0; i--) {
		e = vm_run(&vm);
		if (!is_out(&vm, 0x20, 4, &v) || v != (uint32_t)i)
			break;
		ios++;
	}
	describe(&vm, d, sizeof(d));
	check(ios == 10000, "long mode: 10000 OUT exits in a row, each value in order",
	      "%d of 10000, last %s", ios, d);
	vm_run(&vm);
	is_out(&vm, 0x21, 4, &lo);
	vm_run(&vm);
	is_out(&vm, 0x21, 4, &hi);
	for (i = 0x20000; i > 0; i--)
		want += i;
	sum = (uint64_t)hi << 32 | lo;
	check(sum == want, "long mode: 1 MiB written and summed through L2's paging",
	      "sum %llu, want %llu", (unsigned long long)sum, (unsigned long long)want);
	/* what L2 wrote is where the memory slot says: in L1's user memory at
	 * the same offset (the EPT/NPT translation, not an identity one) */
	{
		const uint64_t *w = (const uint64_t *)(vm.mem + 0x300000);
		int bad = -1;
		for (i = 0; i < 0x20000 && bad < 0; i++)
			if (w[i] != (uint64_t)(0x20000 - i))
				bad = i;
		check(bad < 0, "long mode: L2's writes are in L1's memory slot at their guest-physical offset",
		      "first mismatch at element %d", bad);
	}
	expect_out(&vm, 0x22, 4, (uint32_t)-1000,
		   amd ? "long mode: VMMCALL is KVM's hypercall (-KVM_ENOSYS)"
		       : "long mode: VMCALL is KVM's hypercall (-KVM_ENOSYS)");
	/* an external interrupt L1 injects (KVM_INTERRUPT: VM-entry event
	 * injection / EVENTINJ into L2, delivered through L2's IDT) */
	expect_out(&vm, 0x24, 4, (uint32_t)-1000, "long mode: L2 ready for an interrupt (STI)");
	e = vm.run->ready_for_interrupt_injection && vm.run->if_flag;
	check(e, "long mode: KVM says L2 can take an interrupt (IF=1)", NULL);
	if (e) {
		struct kvm_interrupt irq = { .irq = 0x30 };
		e = ioctl(vm.vcpu, KVM_INTERRUPT, &irq);
		check(e == 0, "long mode: KVM_INTERRUPT queues vector 0x30", "%s", e ? strerror(errno) : "ok");
		expect_out(&vm, 0x23, 4, 0x30, "long mode: the injected vector runs L2's handler");
		expect_out(&vm, 0x25, 4, 0x600d, "long mode: IRETQ returns to the interrupted code");
	}
	e = vm_run(&vm);
	describe(&vm, d, sizeof(d));
	check(e == KVM_EXIT_HLT, "long mode: HLT exits", "%s", d);
	ioctl(vm.vcpu, KVM_GET_SREGS, &s);
	check((s.efer & (1 << 10)) && (s.cr0 & 0x80000000) && s.cs.l,
	      "long mode: L2 still in 64-bit mode at the end", "efer 0x%llx",
	      (unsigned long long)s.efer);
	vm_destroy(&vm);
}

/* with KVM's in-kernel irqchip (KVM_CREATE_IRQCHIP): L2's local APIC is
 * KVM's; with VMX, KVM runs L2 with nestbox's APIC virtualization
 * (virtual-interrupt delivery, APIC-register virtualization) when it
 * finds them */
static void test_apic(int kvm)
{
	struct vm vm;

	if (vm_create(&vm, kvm, MEM_SIZE, 1) < 0 || vm_set_cpuid(&vm) < 0) {
		check(0, "APIC: VM with an in-kernel irqchip created", "%s", strerror(errno));
		return;
	}
	long_mode_setup(&vm, g64a, g64a_end - g64a);
	idt_gate(&vm, 0x31, 0x1000 + (uint64_t)(g64a_timer - g64a));
	idt_gate(&vm, 0x32, 0x1000 + (uint64_t)(g64a_ipi - g64a));
	expect_out(&vm, 0x26, 4, 0x7131, "APIC: L2's one-shot APIC timer interrupt wakes its HLT");
	expect_out(&vm, 0x27, 4, 0x7132, "APIC: L2's self-IPI through the ICR is delivered");
	expect_out(&vm, 0x28, 4, 0, "APIC: the timer's current count is 0 after it fired");
	vm_destroy(&vm);
}

/* ---- two vCPUs ---- */

struct vcpu_thread {
	struct vm *vm;         /* the VM; vcpu/run below are this thread's */
	int vcpu;
	struct kvm_run *run;
	uint16_t port;         /* the OUT it must end with */
	uint32_t want;
	int ok;
	char what[160];
};

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct vm v = *t->vm;
	char d[128];
	uint32_t val = 0;

	v.vcpu = t->vcpu;
	v.run = t->run;
	t->ok = vm_run(&v) == KVM_EXIT_IO && is_out(&v, t->port, 4, &val) && val == t->want;
	describe(&v, d, sizeof(d));
	snprintf(t->what, sizeof(t->what), "%s", d);
	return NULL;
}

static void test_smp(int kvm)
{
	struct vm vm;
	struct vcpu_thread t[2];
	pthread_t th[2];
	struct kvm_sregs s;
	struct kvm_regs regs;
	int sz;

	if (vm_create(&vm, kvm, MEM_SIZE, 1) < 0 || vm_set_cpuid(&vm) < 0) {
		check(0, "two vCPUs: VM created", "%s", strerror(errno));
		return;
	}
	long_mode_setup(&vm, g64s, g64s_end - g64s);
	idt_gate(&vm, 0x33, 0x1000 + (uint64_t)(g64s_ipi - g64s));
	/* vCPU 1: the same state, its own entry point and stack */
	t[0] = (struct vcpu_thread){ .vm = &vm, .vcpu = vm.vcpu, .run = vm.run, .port = 0x2a, .want = 0x7133 };
	t[1] = (struct vcpu_thread){ .vm = &vm, .port = 0x29, .want = 0x7133 };
	t[1].vcpu = ioctl(vm.fd, KVM_CREATE_VCPU, 1);
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	t[1].run = t[1].vcpu < 0 ? MAP_FAILED : mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, t[1].vcpu, 0);
	if (t[1].run == MAP_FAILED) {
		check(0, "two vCPUs: second vCPU created", "%s", strerror(errno));
		vm_destroy(&vm);
		return;
	}
	{
		struct vm v1 = vm;
		v1.vcpu = t[1].vcpu;
		vm_set_cpuid(&v1);
	}
	ioctl(vm.vcpu, KVM_GET_SREGS, &s);
	ioctl(t[1].vcpu, KVM_SET_SREGS, &s);
	{
		/* with the in-kernel irqchip an AP waits for INIT/SIPI: start it */
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
		ioctl(t[1].vcpu, KVM_SET_MP_STATE, &mp);
	}
	ioctl(vm.vcpu, KVM_GET_REGS, &regs);
	regs.rip = 0x1000 + (uint64_t)(g64s_ap - g64s);
	regs.rsp = 0x7000;
	ioctl(t[1].vcpu, KVM_SET_REGS, &regs);
	for (int k = 0; k < 2; k++)
		pthread_create(&th[k], NULL, vcpu_main, &t[k]);
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	check(t[1].ok, "two vCPUs: an IPI from vCPU 0 reaches vCPU 1 spinning in L2", "%s", t[1].what);
	check(t[0].ok, "two vCPUs: vCPU 0 sees vCPU 1's handler ran", "%s", t[0].what);
	munmap(t[1].run, sz);
	close(t[1].vcpu);
	vm_destroy(&vm);
}

static const char *stage = "start";

static void on_alarm(int sig)
{
	(void)sig;
	printf("FAIL: kvm: no progress for 10 s (in %s)\n", stage);
	printf("kvmtest: timed out\n");
	fflush(stdout);
	_exit(1);
}

int main(void)
{
	uint32_t a, b, c, dx;
	int kvm, amd;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(dx) : "a"(0), "c"(0));
	amd = b == 0x68747541; /* "Auth" */
	kvm = open("/dev/kvm", O_RDWR);
	check(kvm >= 0, "/dev/kvm opened", "%s", kvm < 0 ? strerror(errno) : "ok");
	if (kvm < 0)
		return 1;
	check(ioctl(kvm, KVM_GET_API_VERSION, 0) == KVM_API_VERSION, "API version 12", NULL);
	signal(SIGALRM, on_alarm);
	alarm(10);
	stage = "real mode";
	test_real_mode(kvm, b);
	alarm(10);
	stage = "long mode";
	test_long_mode(kvm, amd);
	alarm(10);
	stage = "APIC";
	test_apic(kvm);
	alarm(10);
	stage = "two vCPUs";
	test_smp(kvm);
	alarm(0);
	printf("kvmtest: %d failed\n", failures);
	return failures != 0;
}
