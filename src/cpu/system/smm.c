/* cpu/system/smm.c: SMI delivery and the SMRAM state-save area (SDM Vol.3C
 * "System Management Mode": "Entering SMM", "SMRAM State Save Map",
 * "SMM Revision Identifier", "SMBASE Relocation"; APM Vol.2
 * "System-Management Mode"). RSM is cpu/system/exec_sys_smm.c. */
#include "cpu/system/smm.h"
#include "cpu/system/smm_map.h"

#include <string.h>

#include "base/log.h"
#include "cpu/cpu.h"
#include "cpu/memory/mmu.h"
#include "cpu/model.h"
#include "cpu/step.h"
#include "machine/machine.h"

/* the image rows of cpu/system/smm_map.def address segment registers by this
 * index; the first eight are struct cpu's seg[] order */
enum smm_reg { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, R_LDTR, R_TR, R_GDTR, R_IDTR, R_NR };
_Static_assert((int)R_ES == SEG_ES && (int)R_GS == SEG_GS && (int)R_LDTR == SEG_LDTR &&
		       (int)R_TR == SEG_TR,
	       "smm_reg follows struct cpu seg[] order");

static const u16 seg64[R_NR] = {
#define S64(r, off) [R_##r] = off,
#include "cpu/system/smm_map.def"
#undef S64
};

static const struct { u16 sel, desc; } seg32[R_NR] = {
#define S32(r, sel, desc) [R_##r] = { sel, desc },
#include "cpu/system/smm_map.def"
#undef S32
};

u32 smm_smbase(const struct cpu *c)
{
	return SMBASE_DEFAULT + c->smm.smbase_delta;
}

void smm_set_smbase(struct cpu *c, u32 smbase)
{
	c->smm.smbase_delta = smbase - SMBASE_DEFAULT;
}

/* SDM "SMRAM State Save Map": "processors that support Intel 64
 * architecture" use the 64-bit map; nestbox uses the AMD64 map there, as
 * QEMU does (the only 64-bit map QEMU implements) */
bool smm_map64(const struct cpu *c)
{
	return c->model && cpu_has(c->model, FEAT_lm);
}

void smm_reset(struct cpu *c)
{
	memset(&c->smm, 0, sizeof(c->smm));
}

void smm_init_signal(struct cpu *c)
{
	u32 delta = c->smm.smbase_delta;
	u64 count = c->smm.smi_count;

	memset(&c->smm, 0, sizeof(c->smm));
	c->smm.smbase_delta = delta;
	c->smm.smi_count = count;
}

bool smm_smi_ready(const struct cpu *c)
{
	return c->smi_pending && !c->smm.in_smm &&
	       (c->activity == ACT_ACTIVE || c->activity == ACT_HLT);
}

/* ------------------------------------------------------------------ */
/* the save map <-> struct smm_image                                   */

/* attributes as stored (cpu/system/smm_map.def); an unusable register is saved
 * not-present and comes back unusable */
static u16 attr_of(u32 ar)
{
	u16 a = (u16)(ar & 0xf0ff);
	return (ar & AR_UNUSABLE) ? (u16)(a & ~AR_P) : a;
}

static u32 ar_of(u32 attr)
{
	u32 ar = attr & 0xf0ff;
	return (ar & AR_P) ? ar : ar | AR_UNUSABLE;
}

static void encode64(const struct smm_image *s, u8 *b)
{
	for (unsigned r = 0; r < R_GDTR; r++) {
		u8 *p = b + seg64[r];
		store_le16(p, s->seg[r].sel);
		store_le16(p + 2, attr_of(s->seg[r].ar));
		store_le32(p + 4, s->seg[r].limit);
		store_le64(p + 8, s->seg[r].base);
	}
	store_le32(b + seg64[R_GDTR] + 4, s->gdtr.limit);
	store_le64(b + seg64[R_GDTR] + 8, s->gdtr.base);
	store_le32(b + seg64[R_IDTR] + 4, s->idtr.limit);
	store_le64(b + seg64[R_IDTR] + 8, s->idtr.base);
	for (unsigned n = 0; n < 16; n++)
		store_le64(b + SMM64_GPR_RAX - 8 * n, s->gpr[n]);
	b[SMM64_AUTO_HALT] = s->auto_halt;
	store_le64(b + SMM64_EFER, s->efer);
	store_le32(b + SMM64_REVISION, s->revision);
	store_le32(b + SMM64_SMBASE, s->smbase);
	store_le64(b + SMM64_CR4, s->cr4);
	store_le64(b + SMM64_CR3, s->cr3);
	store_le64(b + SMM64_CR0, s->cr0);
	store_le64(b + SMM64_DR7, s->dr7);
	store_le64(b + SMM64_DR6, s->dr6);
	store_le64(b + SMM64_RFLAGS, s->rflags);
	store_le64(b + SMM64_RIP, s->rip);
}

static void decode64(const u8 *b, struct smm_image *s)
{
	for (unsigned r = 0; r < R_GDTR; r++) {
		const u8 *p = b + seg64[r];
		s->seg[r] = (struct seg_cache){ .sel = load_le16(p), .ar = ar_of(load_le16(p + 2)),
						.limit = load_le32(p + 4), .base = load_le64(p + 8) };
	}
	/* the GDTR and IDTR limits are 16-bit registers in a 32-bit field */
	s->gdtr = (struct dtr){ load_le64(b + seg64[R_GDTR] + 8), load_le16(b + seg64[R_GDTR] + 4) };
	s->idtr = (struct dtr){ load_le64(b + seg64[R_IDTR] + 8), load_le16(b + seg64[R_IDTR] + 4) };
	for (unsigned n = 0; n < 16; n++)
		s->gpr[n] = load_le64(b + SMM64_GPR_RAX - 8 * n);
	s->auto_halt = b[SMM64_AUTO_HALT];
	s->efer = load_le64(b + SMM64_EFER);
	s->revision = load_le32(b + SMM64_REVISION);
	s->smbase = load_le32(b + SMM64_SMBASE);
	s->cr4 = load_le64(b + SMM64_CR4);
	s->cr3 = load_le64(b + SMM64_CR3);
	s->cr0 = load_le64(b + SMM64_CR0);
	s->dr7 = load_le64(b + SMM64_DR7);
	s->dr6 = load_le64(b + SMM64_DR6);
	s->rflags = load_le64(b + SMM64_RFLAGS);
	s->rip = load_le64(b + SMM64_RIP);
}

static void encode32(const struct smm_image *s, u8 *b)
{
	for (unsigned r = 0; r < R_GDTR; r++) {
		u8 *p = b + seg32[r].desc;
		store_le32(b + seg32[r].sel, s->seg[r].sel);
		store_le32(p, attr_of(s->seg[r].ar));
		store_le32(p + 4, s->seg[r].limit);
		store_le32(p + 8, (u32)s->seg[r].base);
	}
	store_le32(b + seg32[R_GDTR].desc + 4, s->gdtr.limit);
	store_le32(b + seg32[R_GDTR].desc + 8, (u32)s->gdtr.base);
	store_le32(b + seg32[R_IDTR].desc + 4, s->idtr.limit);
	store_le32(b + seg32[R_IDTR].desc + 8, (u32)s->idtr.base);
	for (unsigned n = 0; n < 8; n++)
		store_le32(b + SMM32_GPR_EAX + 4 * n, (u32)s->gpr[n]);
	store_le16(b + SMM32_AUTO_HALT, s->auto_halt);
	store_le32(b + SMM32_SMBASE, s->smbase);
	store_le32(b + SMM32_REVISION, s->revision);
	store_le32(b + SMM32_CR4, (u32)s->cr4);
	store_le32(b + SMM32_DR7, (u32)s->dr7);
	store_le32(b + SMM32_DR6, (u32)s->dr6);
	store_le32(b + SMM32_EIP, (u32)s->rip);
	store_le32(b + SMM32_EFLAGS, (u32)s->rflags);
	store_le32(b + SMM32_CR3, (u32)s->cr3);
	store_le32(b + SMM32_CR0, (u32)s->cr0);
}

static void decode32(const u8 *b, struct smm_image *s)
{
	for (unsigned r = 0; r < R_GDTR; r++) {
		const u8 *p = b + seg32[r].desc;
		s->seg[r] = (struct seg_cache){ .sel = (u16)load_le32(b + seg32[r].sel),
						.ar = ar_of(load_le32(p) & 0xffff),
						.limit = load_le32(p + 4), .base = load_le32(p + 8) };
	}
	s->gdtr = (struct dtr){ load_le32(b + seg32[R_GDTR].desc + 8),
				load_le16(b + seg32[R_GDTR].desc + 4) };
	s->idtr = (struct dtr){ load_le32(b + seg32[R_IDTR].desc + 8),
				load_le16(b + seg32[R_IDTR].desc + 4) };
	for (unsigned n = 0; n < 16; n++)
		s->gpr[n] = n < 8 ? load_le32(b + SMM32_GPR_EAX + 4 * n) : 0;
	s->auto_halt = (u8)load_le16(b + SMM32_AUTO_HALT);
	s->smbase = load_le32(b + SMM32_SMBASE);
	s->revision = load_le32(b + SMM32_REVISION);
	s->cr4 = load_le32(b + SMM32_CR4);
	s->dr7 = load_le32(b + SMM32_DR7);
	s->dr6 = load_le32(b + SMM32_DR6);
	s->rip = load_le32(b + SMM32_EIP);
	s->rflags = load_le32(b + SMM32_EFLAGS);
	s->cr3 = load_le32(b + SMM32_CR3);
	s->cr0 = load_le32(b + SMM32_CR0);
	s->efer = 0; /* not in the 32-bit map */
}

void smm_image_encode(const struct smm_image *s, bool map64, u8 *buf)
{
	memset(buf, 0, SMM_SAVE_SIZE);
	if (map64)
		encode64(s, buf);
	else
		encode32(s, buf);
}

void smm_image_decode(const u8 *buf, bool map64, struct smm_image *s)
{
	memset(s, 0, sizeof(*s));
	if (map64)
		decode64(buf, s);
	else
		decode32(buf, s);
}

/* the save area is physical memory (SMRAM = ordinary RAM here); MMIO or
 * unclaimed addresses behave as for any physical access */
void smm_area_read(struct cpu *c, u8 *buf)
{
	gpa_t base = (gpa_t)smm_smbase(c) + SMM_SAVE_OFFSET;

	for (unsigned k = 0; k < SMM_SAVE_SIZE; k += 8)
		store_le64(buf + k, phys_read(&c->machine->mem, base + k, 8));
}

static void area_write(struct cpu *c, const u8 *buf)
{
	gpa_t base = (gpa_t)smm_smbase(c) + SMM_SAVE_OFFSET;

	for (unsigned k = 0; k < SMM_SAVE_SIZE; k += 8)
		phys_write(&c->machine->mem, base + k, 8, load_le64(buf + k));
}

/* ------------------------------------------------------------------ */
/* SMI delivery                                                        */

static void capture(struct cpu *c, struct smm_image *s)
{
	memcpy(s->gpr, c->gpr, sizeof(s->gpr));
	s->rip = c->rip;
	s->rflags = cpu_rflags(c);
	s->cr0 = c->cr0;
	s->cr3 = c->cr3;
	s->cr4 = c->cr4;
	s->efer = c->efer;
	s->dr6 = c->dr[6];
	s->dr7 = c->dr[7];
	memcpy(s->seg, c->seg, sizeof(s->seg));
	s->gdtr = c->gdtr;
	s->idtr = c->idtr;
	s->smbase = smm_smbase(c);
	s->revision = smm_map64(c) ? SMM_REV_64 : SMM_REV_32;
	/* SDM "Auto HALT Restart": bit 0 set when the SMI interrupted HLT */
	s->auto_halt = c->activity == ACT_HLT;
}

/* SDM Table "Processor Register Initialization in SMM" */
static void load_smm_environment(struct cpu *c)
{
	u32 smbase = smm_smbase(c);
	u32 data = AR_P | AR_S | AR_G | SEG_TYPE_WR | SEG_TYPE_ACCESSED;

	if (smm_map64(c))
		c->efer = 0; /* "IA32_EFER: 0000000H" */
	/* "CR0: PE, EM, TS, and PG flags set to 0; others unmodified" */
	c->cr0 &= ~(CR0_PE | CR0_EM | CR0_TS | CR0_PG);
	c->cr4 = 0; /* "CR4: Cleared to zero" */
	cpu_set_rflags(c, RFLAGS_FIXED); /* "EFLAGS: 00000002H" */
	c->rip = c->next_rip = SMM_ENTRY_IP;
	c->dr[7] = DR7_FIXED1; /* "DR7: 00000400H" */
	/* "CS selector: SMM Base shifted right 4 bits"; "CS base: SMM Base";
	 * limits 4 GiB ("DS, ES, FS, GS, SS: ... 0FFFFFFFFH") */
	c->seg[SEG_CS] = (struct seg_cache){ (u16)(smbase >> 4), 0xffffffff, smbase,
					     data | SEG_TYPE_CODE };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			c->seg[s] = (struct seg_cache){ 0, 0xffffffff, 0, data };
	/* the IDT is left invalid (limit 0): the handler loads its own */
	c->idtr = (struct dtr){ 0, 0 };
	tlb_flush_all(c);
	cpu_update_mode(c);
}

void smm_enter(struct cpu *c)
{
	struct smm_image s;
	u8 buf[SMM_SAVE_SIZE];
	bool map64 = smm_map64(c);

	capture(c, &s);
	smm_image_encode(&s, map64, buf);
	area_write(c, buf);
	LOG(int, "cpu%u SMI: enter SMM at smbase %#x from rip %#llx", c->index, smm_smbase(c),
	    (unsigned long long)s.rip);

	c->smi_pending = 0;
	c->smm.smi_count++;
	c->smm.in_smm = 1;
	c->smm.from_hlt = s.auto_halt;
	c->smm.nmi_blocked = c->nmi_blocked;
	c->smm.shadow = c->shadow;
	c->smm.pending_db = c->pending_db;
	c->smm.pending_dr6 = c->pending_dr6;
	/* SDM "NMI Handling While in SMM": "NMI interrupts are blocked upon
	 * entry to the SMI handler" */
	c->nmi_blocked = 1;
	c->shadow = 0;
	c->pending_db = 0;
	c->pending_dr6 = 0;
	c->activity = ACT_ACTIVE;
	load_smm_environment(c);
}
