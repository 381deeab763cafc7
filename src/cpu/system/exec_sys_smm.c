/* cpu/system/exec_sys_smm.c: RSM (SDM Vol.2 "RSM—Resume from System Management
 * Mode"; Vol.3C "Exiting From SMM"; APM Vol.2 "Leaving SMM"). The state
 * comes back from the save area at SMBASE + 0xfe00 (cpu/system/smm_map.def). */
#include <setjmp.h>
#include <string.h>

#include "base/log.h"
#include "cpu/system/exec_sys.h"
#include "cpu/memory/mmu.h"
#include "cpu/system/msr.h"
#include "cpu/system/smm.h"
#include "cpu/system/smm_map.h"
#include "cpu/step.h"
#include "svm/svm.h"

#define RFLAGS_DEFINED                                                                      \
	(RFLAGS_ARITH | RFLAGS_FIXED | RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL |     \
	 RFLAGS_NT | RFLAGS_RF | RFLAGS_VM | RFLAGS_AC | RFLAGS_VIF | RFLAGS_VIP | RFLAGS_ID)

/* Control registers and EFER, loaded through the checks of MOV to CR0/CR4
 * and WRMSR (cpu/system/exec_sys_cr.c, cpu/system/msr.c), which fault (#GP) on what SDM
 * "Exiting From SMM" calls invalid state: "A reserved bit in control
 * register CR4 is set to 1", "An illegal combination of bits is written to
 * control register CR0, in particular PG set to 1 and PE set to 0, or NW
 * set to 1 and CD set to 0", "CR4.PCIDE would be set to 1 and IA32_EFER.LMA
 * to 0" (and long mode without CR4.PAE, reserved EFER bits). Starting from
 * paging, PAE and long mode off, in the order that lets a valid image load:
 * EFER.LME, CR3 without PCID, CR4 without PCIDE, CR0 (PG with LME sets
 * LMA), then CR4.PCIDE and the full CR3.
 * The SDM's list does not name CR3, but a CR3 with a bit set at or above
 * MAXPHYADDR, which MOV to CR3 refuses, is refused here too (KVM's RSM
 * does the same), so no CPU ever holds one. */
static void load_control(struct cpu *c, const struct smm_image *s, bool map64)
{
	c->cr4 = 0;
	c->cr0 &= ~(CR0_PG | CR0_PE);
	c->efer &= ~(EFER_LME | EFER_LMA);
	cpu_update_mode(c);
	if (map64 && msr_write(c, MSR_EFER, s->efer & ~EFER_LMA) < 0)
		cpu_gp0(c);
	if (s->cr3 & sys_phys_reserved(c))
		cpu_gp0(c);
	c->cr3 = (s->cr4 & CR4_PCIDE) ? s->cr3 & ~0xfffull : s->cr3;
	sys_write_cr4(c, s->cr4 & ~CR4_PCIDE);
	sys_write_cr0(c, s->cr0);
	if (s->cr4 & CR4_PCIDE) {
		sys_write_cr4(c, s->cr4);
		c->cr3 = s->cr3;
	}
}

/* returns false if the image holds invalid state (the caller shuts down) */
static bool load_control_checked(struct cpu *c, const struct smm_image *s, bool map64)
{
	jmp_buf jb;
	jmp_buf *volatile outer = c->unwind;

	c->unwind = &jb;
	if (setjmp(jb)) {
		c->unwind = outer;
		return false;
	}
	load_control(c, s, map64);
	c->unwind = outer;
	return true;
}

static void load_registers(struct cpu *c, const struct smm_image *s)
{
	memcpy(c->seg, s->seg, sizeof(c->seg));
	c->gdtr = s->gdtr;
	c->idtr = s->idtr;
	memcpy(c->gpr, s->gpr, sizeof(c->gpr));
	c->dr[6] = (u32)s->dr6 | DR6_FIXED1;
	c->dr[7] = (u32)s->dr7 | DR7_FIXED1;
	cpu_set_rflags(c, (s->rflags & RFLAGS_DEFINED) | RFLAGS_FIXED);
	tlb_flush_all(c);
	cpu_update_mode(c);
	c->next_rip = c->mode == MODE_LONG64 ? s->rip : (u32)s->rip;
}

/* what the save map does not hold: NMI blocking, the interrupt shadow and
 * a pending #DB trap as they were at the SMI */
static void leave_smm(struct cpu *c, const struct smm_image *s)
{
	/* SDM "SMBASE Relocation": RSM reloads SMBASE from the save area when
	 * the revision identifier has the SMBASE-relocation bit (QEMU: any
	 * alignment; only Pentium/486 needed 32 KiB) */
	if (s->revision & SMM_REV_SMBASE_RELOC)
		smm_set_smbase(c, s->smbase);
	c->nmi_blocked = c->smm.nmi_blocked;
	c->shadow = c->smm.shadow;
	c->pending_db = c->smm.pending_db;
	c->pending_dr6 = c->smm.pending_dr6;
	/* SDM "Auto HALT Restart": entered from HLT and bit 0 still 1 ->
	 * back to the HALT state; bit 0 cleared -> the instruction after HLT
	 * (RIP was saved past the HLT). The I/O instruction restart field is
	 * ignored: nestbox raises no I/O-trap SMIs. */
	if (c->smm.from_hlt && (s->auto_halt & 1))
		c->activity = ACT_HLT;
	c->smm.in_smm = 0;
	c->smm.from_hlt = 0;
	cpu_stop(c); /* a latched SMI or NMI is looked at on the way out */
}

void exec_rsm(struct cpu *c, const struct insn *i)
{
	struct smm_image s;
	u8 buf[SMM_SAVE_SIZE];
	bool map64 = smm_map64(c);

	/* "#UD If an attempt is made to execute this instruction when the
	 * processor is not in SMM." */
	if (!c->smm.in_smm)
		cpu_ud(c);
	/* APM "Instruction Intercepts": the RSM intercept (after the #UD
	 * outside SMM) */
	SVM_EXIT_IF(c, i, RSM, RSM, 0);
	smm_area_read(c, buf);
	smm_image_decode(buf, map64, &s);
	if (!load_control_checked(c, &s, map64)) {
		/* "If the processor detects invalid state information saved
		 * in the SMRAM, it enters the shutdown state" */
		LOG(int, "cpu%u RSM: invalid SMRAM state (cr0 %#llx cr4 %#llx efer %#llx): shutdown",
		    c->index, (unsigned long long)s.cr0, (unsigned long long)s.cr4,
		    (unsigned long long)s.efer);
		cpu_shutdown(c);
		return;
	}
	load_registers(c, &s);
	/* A saved RIP that is not canonical for the 64-bit mode RSM returns
	 * to: the SDM's list of invalid SMRAM state does not name it, and
	 * nestbox counts it as invalid (shutdown) rather than resume at an
	 * address no instruction can be fetched from -- so the only
	 * non-canonical RIP a CPU can hold is one sequential execution fell
	 * through to (cpu/cpu_snap.c refuses any other in a snapshot). */
	if (c->mode == MODE_LONG64 && !cpu_canonical(c, c->next_rip)) {
		LOG(int, "cpu%u RSM: non-canonical RIP %#llx: shutdown", c->index,
		    (unsigned long long)c->next_rip);
		cpu_shutdown(c);
		return;
	}
	leave_smm(c, &s);
	LOG(int, "cpu%u RSM to rip %#llx mode %u", c->index, (unsigned long long)c->next_rip,
	    c->mode);
}
