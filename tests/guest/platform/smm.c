/* tests/guest/platform/smm.c: system-management mode from a guest (SDM
 * Vol.3C "System Management Mode"): an SMI handler at SMBASE + 0x8000
 * counts SMIs, reports SMBASE / revision ID / saved RIP, CS and EFER from
 * the state-save area, changes the saved RAX and relocates SMBASE. SMIs
 * come from the APM control port 0xb2 and from an SMI IPI to the CPU's own
 * APIC ID; after RSM the test checks it is back in 64-bit mode with its
 * registers and flags (and the handler's RAX).
 *
 * Where the handler goes: nestbox starts with the default SMBASE 0x30000
 * (handler at 0x38000). Under QEMU, SeaBIOS has already relocated SMBASE to
 * 0xa0000 and closed SMRAM; it does not lock the i440FX SMRAM register, so
 * the test opens it (D_OPEN), copies the handler to 0xa8000 as well, and
 * closes it again. The first SMI tells which SMBASE is in use; from then on
 * the test relocates SMBASE itself, to ordinary RAM it chose.
 * run-args: -cpu max
 */
#include "guest.h"

#define SMI_CMD_PORT   0xb2
#define NEW_SMBASE     0x60000ul
#define APIC_BASE      0xfee00000ul
#define APIC_ICR       0x300
#define APIC_ICR2      0x310
#define APIC_ID        0x020
#define APIC_DM_SMI    (2u << 8)
#define APIC_DEST_ALLINC (2u << 18)
#define MSR_SMI_COUNT  0x34

/* i440FX host bridge SMRAM register (QEMU's pc machine) */
#define I440FX_ID      0x12378086u
#define I440FX_SMRAM   0x72
#define SMRAM_D_OPEN   0x40

struct smm_mailbox {
	u32 count, smbase, revision, set_rax;
	u32 rax_lo, rax_hi, reloc, rip;
	u32 cs, efer, nest, nest_count;
} __attribute__((packed));

extern const u8 smm_handler_start[], smm_handler_end[];
extern u8 smm_handler_mailbox[];

static volatile struct smm_mailbox mb;

static u32 pci_addr(unsigned dev, unsigned reg)
{
	return 0x80000000u | (dev << 11) | (reg & 0xfc);
}

static u32 pci_read32(unsigned dev, unsigned reg)
{
	outl(pci_addr(dev, reg), 0xcf8);
	return inl(0xcfc);
}

static void pci_write8(unsigned dev, unsigned reg, u8 v)
{
	outl(pci_addr(dev, reg), 0xcf8);
	outb(v, 0xcfc + (reg & 3));
}

static void install_at(unsigned long base)
{
	size_t n = (size_t)(smm_handler_end - smm_handler_start);
	memcpy((void *)(base + 0x8000), smm_handler_start, n);
}

/* the handler at 0x38000 (default SMBASE) and, on an i440FX, in SMRAM at
 * 0xa8000 (where SeaBIOS relocates SMBASE) */
static void install_handlers(void)
{
	u32 mbox = (u32)(unsigned long)&mb;

	memcpy(smm_handler_mailbox, &mbox, 4);
	install_at(0x30000);
	if (pci_read32(0, 0) == I440FX_ID) {
		u8 smram = (u8)(pci_read32(0, I440FX_SMRAM) >> 16);
		report_info("i440FX SMRAM register %#x", smram);
		pci_write8(0, I440FX_SMRAM, smram | SMRAM_D_OPEN);
		install_at(0xa0000);
		pci_write8(0, I440FX_SMRAM, smram);
	}
}

static u64 smi_count_msr(void)
{
	u64 v = 0;
	return rdmsr_safe(MSR_SMI_COUNT, &v) != NO_EXCEPTION ? ~0ull : v;
}

/* SMI through port 0xb2 with RAX = rax_in (AL = command byte): returns RAX
 * after the SMI; checks that the other registers and CF survive and
 * records the address after the OUT */
static u64 apm_smi(u64 rax_in, u64 *after_out, bool *regs_ok)
{
	register u64 r8 asm("r8") = 0x0808080808080808ull;
	register u64 r15 asm("r15") = 0x1515151515151515ull;
	u64 rax = rax_in, rbx = 0xb0b0b0b0b0b0b0b0ull, rsi = 0x5151515151515151ull;
	u64 rip;
	u8 cf;

	asm volatile("stc\n\t"
		     "outb %%al, %[port]\n"
		     "1:\tsetc %[cf]\n\t"
		     "lea 1b(%%rip), %[rip]"
		     : "+a"(rax), "+b"(rbx), "+S"(rsi), "+r"(r8), "+r"(r15), [cf] "=r"(cf),
		       [rip] "=r"(rip)
		     : [port] "i"(SMI_CMD_PORT)
		     : "memory", "cc");
	*after_out = rip;
	*regs_ok = rbx == 0xb0b0b0b0b0b0b0b0ull && rsi == 0x5151515151515151ull &&
		   r8 == 0x0808080808080808ull && r15 == 0x1515151515151515ull && cf == 1;
	return rax;
}

static bool wait_count(u32 want)
{
	for (long k = 0; k < 10000000 && mb.count < want; k++)
		asm volatile("pause");
	return mb.count >= want;
}

static void check_back_in_long_mode(const char *how)
{
	u16 cs;
	asm volatile("mov %%cs, %0" : "=r"(cs));
	report(cs == KERNEL_CS && (rdmsr(MSR_EFER) & EFER_LMA) && (read_cr0() & X86_CR0_PG),
	       "%s: resumed in 64-bit mode (CS %#x)", how, cs);
}

static void test_apm(void)
{
	u64 after_out;
	bool regs_ok;
	u32 before = mb.count;

	mb.set_rax = 1;
	mb.rax_lo = 0xcafef00d;
	mb.rax_hi = 0xdeadbeef;
	u64 rax = apm_smi(0x1234567800000042ull, &after_out, &regs_ok);
	mb.set_rax = 0;
	report(mb.count == before + 1, "port 0xb2: the SMI handler ran once");
	report(inb(SMI_CMD_PORT) == 0x42, "port 0xb2 reads back the command byte");
	report((mb.revision & 0x2ffff) == 0x20064,
	       "revision ID %#x: AMD64 map with SMBASE relocation", mb.revision);
	/* nestbox takes the SMI right after the OUT (the unit test checks
	 * that exactly); QEMU TCG at the end of the translation block */
	report(mb.rip >= (u32)after_out && mb.rip < (u32)after_out + 64,
	       "saved RIP %#x: at or shortly after the instruction after OUT (%#x)", mb.rip,
	       (u32)after_out);
	report(mb.cs == KERNEL_CS, "saved CS selector %#x", mb.cs);
	report((mb.efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "saved EFER %#x has LME|LMA",
	       mb.efer);
	report(rax == 0xdeadbeefcafef00dull, "RAX from the handler's save-area write (%#lx)",
	       (unsigned long)rax);
	report(regs_ok, "other registers and CF preserved across SMM");
	check_back_in_long_mode("port 0xb2");
	report_info("SMBASE in use: %#x", mb.smbase);
}

static void test_status_port(void)
{
	u32 before = mb.count;

	outb(0xa5, 0xb3);
	report(inb(0xb3) == 0xa5 && mb.count == before, "port 0xb3: scratch byte, no SMI");
}

/* SDM "SMI Handler Execution Environment": an SMI while in SMM is latched
 * and taken after RSM (the handler writes port 0xb2 itself) */
static void test_latched(void)
{
	u64 after_out;
	bool ok;
	u32 before = mb.count;

	mb.nest = 1;
	apm_smi(0x44, &after_out, &ok);
	report(mb.nest_count == before + 1, "SMI raised inside SMM did not nest (count %u)",
	       mb.nest_count - before);
	report(mb.count == before + 2, "latched SMI taken after RSM (count %u)", mb.count - before);
	report(ok && mb.rip >= (u32)after_out && mb.rip < (u32)after_out + 64,
	       "latched SMI interrupted the resumed 64-bit code");
	check_back_in_long_mode("latched SMI");
}

static void self_smi_ipi(void)
{
	volatile u32 *apic = (volatile u32 *)APIC_BASE;
	u32 id = apic[APIC_ID / 4] >> 24;

	apic[APIC_ICR2 / 4] = id << 24;
	apic[APIC_ICR / 4] = APIC_DM_SMI; /* physical destination, vector 0 */
}

static void test_ipi(void)
{
	u32 before = mb.count;

	self_smi_ipi();
	report(wait_count(before + 1) && mb.count == before + 1,
	       "SMI IPI to the own APIC ID: the handler ran once");
	report(mb.cs == KERNEL_CS, "SMI IPI: saved CS selector %#x", mb.cs);
	check_back_in_long_mode("SMI IPI");
}

/* destination shorthand "all including self" with delivery mode SMI */
static void test_ipi_all(void)
{
	volatile u32 *apic = (volatile u32 *)APIC_BASE;
	u32 before = mb.count;

	apic[APIC_ICR / 4] = APIC_DEST_ALLINC | APIC_DM_SMI;
	report(wait_count(before + 1) && mb.count == before + 1,
	       "SMI IPI to all including self: the handler ran once");
	check_back_in_long_mode("SMI IPI all-including-self");
}

static void test_relocation(void)
{
	u32 old = mb.smbase, before = mb.count;
	u64 dummy;
	bool ok;

	install_at(NEW_SMBASE);
	mb.reloc = (u32)NEW_SMBASE;
	apm_smi(0x42, &dummy, &ok);
	report(mb.count == before + 1 && mb.smbase == old && mb.reloc == 0,
	       "relocating SMI ran at the old SMBASE %#x", old);
	apm_smi(0x43, &dummy, &ok);
	report(mb.count == before + 2 && mb.smbase == NEW_SMBASE,
	       "next SMI runs at the new SMBASE (%#x)", mb.smbase);
	volatile u32 *save = (volatile u32 *)(NEW_SMBASE + 0xfe00);
	report(save[0x100 / 4] == NEW_SMBASE && save[0xfc / 4] == mb.revision,
	       "state-save area at new SMBASE + 0xfe00");
	self_smi_ipi();
	report(wait_count(before + 3) && mb.smbase == NEW_SMBASE, "SMI IPI after relocation");
	check_back_in_long_mode("relocated SMBASE");
}

int main(int argc, char **argv)
{
	u64 count0 = smi_count_msr();

	install_handlers();
	test_apm();
	test_status_port();
	test_latched();
	test_ipi();
	test_ipi_all();
	test_relocation();
	u64 count1 = smi_count_msr();
	if (count0 == ~0ull || count1 == ~0ull)
		report_skip("MSR_SMI_COUNT not readable");
	else
		report(count1 - count0 == mb.count, "MSR_SMI_COUNT advanced by %lu (handler ran %u)",
		       (unsigned long)(count1 - count0), mb.count);
	return report_summary();
}
