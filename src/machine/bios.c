/* machine/bios.c: the state SeaBIOS leaves behind under QEMU 7.2 before a
 * -kernel image runs, as far as test images see it:
 *  - a real-mode IVT (256 vectors at 0000:0000) whose entries point at
 *    small handlers in the F segment (0xff000-0xff0ff, nestbox's own area;
 *    ACPI tables live elsewhere in 0xe0000-0xfffff): a bare IRET for CPU
 *    exceptions and software interrupts, EOI-then-IRET for the 8259
 *    vectors, and for IRQ 0 a tick count in the BIOS data area plus the
 *    INT 1Ch user hook, so a real-mode image sees a ticking timer;
 *  - the BIOS data area basics (COM1 base, equipment word, base memory,
 *    EBDA segment, tick count);
 *  - both 8259s initialised to vector bases 0x08 and 0x70 with the masks
 *    SeaBIOS leaves (master 0xb8: IRQ 0, 1, 2, 6 open; slave 0x8e: IRQ 8,
 *    12, 13, 14 open) and the ELCR marking the PCI IRQs 10 and 11 level;
 *  - PIT channel 0 in mode 2, count 0 (65536: 18.2 Hz), as SeaBIOS
 *    programs it;
 *  - the BSP's SMBASE relocated to 0xa0000 with an SMI handler at 0xa8000
 *    (SMRAM behind the VGA window, out of the e820 map's RAM): SeaBIOS
 *    leaves APMC_EN set, so an OS writing ACPI_ENABLE to the APM port
 *    (Linux's switch to ACPI mode) takes an SMI that the firmware's
 *    handler ends with RSM. nestbox's handler is that RSM alone (the
 *    PIIX4 PM function itself sets SCI_EN, dev/apm.c).
 * Everything goes through the machine's own memory and port handlers. */
#include "machine/bios.h"

#include "cpu/step.h"
#include "cpu/system/msr.h"
#include "dev/lapic.h"

#include "cpu/system/smm.h"
#include "mem/physmem.h"

/* the handler area: 0xf000:0xf000.. */
#define BIOS_SEG        0xf000u
#define STUB_IRET       0xf000u  /* offsets in BIOS_SEG */
#define STUB_IRQ_MASTER 0xf010u
#define STUB_IRQ_SLAVE  0xf020u
#define STUB_IRQ0       0xf030u

#define PIC_MASTER_BASE 0x08
#define PIC_SLAVE_BASE  0x70
#define PIC_MASTER_IMR  0xb8
#define PIC_SLAVE_IMR   0x8e
#define ELCR_MASTER     0x00
#define ELCR_SLAVE      0x0c

/* BIOS data area (segment 0x40) */
#define BDA_COM1        0x400
#define BDA_EQUIPMENT   0x410
#define BDA_MEM_KB      0x413
#define BDA_EBDA_SEG    0x40e
#define BDA_TICKS       0x46c

/* real-mode code, 16-bit */
static const u8 stub_iret[] = { 0xcf }; /* iret */
static const u8 stub_irq_master[] = {
	0x50,             /* push ax */
	0xb0, 0x20,       /* mov al, 0x20 (non-specific EOI) */
	0xe6, 0x20,       /* out 0x20, al */
	0x58,             /* pop ax */
	0xcf,             /* iret */
};
static const u8 stub_irq_slave[] = {
	0x50,             /* push ax */
	0xb0, 0x20,       /* mov al, 0x20 */
	0xe6, 0xa0,       /* out 0xa0, al */
	0xe6, 0x20,       /* out 0x20, al */
	0x58,             /* pop ax */
	0xcf,             /* iret */
};
static const u8 stub_irq0[] = {
	0x1e,                         /* push ds */
	0x50,                         /* push ax */
	0x31, 0xc0,                   /* xor ax, ax */
	0x8e, 0xd8,                   /* mov ds, ax */
	0x83, 0x06, 0x6c, 0x04, 0x01, /* add word [0x46c], 1 */
	0x83, 0x16, 0x6e, 0x04, 0x00, /* adc word [0x46e], 0 */
	0xcd, 0x1c,                   /* int 0x1c (user timer hook) */
	0xb0, 0x20,                   /* mov al, 0x20 */
	0xe6, 0x20,                   /* out 0x20, al */
	0x58,                         /* pop ax */
	0x1f,                         /* pop ds */
	0xcf,                         /* iret */
};

static void put_bytes(struct physmem *pm, u32 addr, const u8 *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		phys_write(pm, addr + k, 1, p[k]);
}

static void ivt_set(struct physmem *pm, unsigned vec, u16 off)
{
	phys_write(pm, 4 * vec, 2, off);
	phys_write(pm, 4 * vec + 2, 2, BIOS_SEG);
}

static void bios_ivt(struct physmem *pm)
{
	u32 f = BIOS_SEG << 4;

	put_bytes(pm, f + STUB_IRET, stub_iret, sizeof(stub_iret));
	put_bytes(pm, f + STUB_IRQ_MASTER, stub_irq_master, sizeof(stub_irq_master));
	put_bytes(pm, f + STUB_IRQ_SLAVE, stub_irq_slave, sizeof(stub_irq_slave));
	put_bytes(pm, f + STUB_IRQ0, stub_irq0, sizeof(stub_irq0));
	for (unsigned v = 0; v < 256; v++)
		ivt_set(pm, v, STUB_IRET);
	ivt_set(pm, PIC_MASTER_BASE, STUB_IRQ0);
	for (unsigned i = 1; i < 8; i++)
		ivt_set(pm, PIC_MASTER_BASE + i, STUB_IRQ_MASTER);
	for (unsigned i = 0; i < 8; i++)
		ivt_set(pm, PIC_SLAVE_BASE + i, STUB_IRQ_SLAVE);
}

static void bios_data_area(struct physmem *pm)
{
	phys_write(pm, BDA_COM1, 2, 0x3f8);
	phys_write(pm, BDA_EQUIPMENT, 2, 0x0200 | 0x0002); /* one serial port, x87 */
	phys_write(pm, BDA_MEM_KB, 2, 639);
	phys_write(pm, BDA_EBDA_SEG, 2, 0x9fc0);
	phys_write(pm, BDA_TICKS, 4, 0);
}

/* 8259 "Initialization Command Words" as the BIOS sends them: edge,
 * cascade, ICW4 (8086 mode); then the interrupt masks */
static void bios_pics(struct physmem *pm)
{
	static const struct { u16 port; u8 val; } seq[] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 },
		{ 0x21, PIC_MASTER_BASE }, { 0xa1, PIC_SLAVE_BASE },
		{ 0x21, 0x04 }, { 0xa1, 0x02 },      /* slave on IR2; slave ID 2 */
		{ 0x21, 0x01 }, { 0xa1, 0x01 },
		{ 0x21, PIC_MASTER_IMR }, { 0xa1, PIC_SLAVE_IMR },
		{ 0x4d0, ELCR_MASTER }, { 0x4d1, ELCR_SLAVE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(seq); i++)
		pio_write(pm, seq[i].port, 1, seq[i].val);
}

/* PIT channel 0: lobyte/hibyte, mode 2 (rate generator), binary, count 0 */
static void bios_pit(struct physmem *pm)
{
	pio_write(pm, 0x43, 1, 0x34);
	pio_write(pm, 0x40, 1, 0x00);
	pio_write(pm, 0x40, 1, 0x00);
}

/* The BSP's local APIC as SeaBIOS leaves it: software-enabled (SPIV 0x1ff),
 * LINT0 in ExtINT mode so the 8259 reaches the CPU, LINT1 as NMI (the
 * virtual-wire mode of the MP specification). The xAPIC page is routed to
 * m->cur, which is the BSP while the machine is being set up. */
static void bios_lapic(struct machine *m)
{
	static const struct { u32 off, val; } regs[] = {
		{ APIC_SPIV, 0x1ff },       /* enabled, spurious vector 0xff */
		{ APIC_LVT_LINT0, 0x8700 }, /* ExtINT, level */
		{ APIC_LVT_LINT1, 0x8400 }, /* NMI, level */
	};
	struct cpu *saved = m->cur;

	m->cur = m->cpus[0];
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		phys_write(&m->mem, APIC_DEFAULT_BASE + regs[i].off, 4, regs[i].val);
	m->cur = saved;
}

/* SDM Vol.3C "SMBASE Relocation": where SeaBIOS moves the BSP's SMRAM;
 * "Entering SMM": the handler runs at SMBASE + 0x8000 */
#define BIOS_SMBASE 0xa0000u
static const u8 stub_smi[] = { 0x0f, 0xaa }; /* rsm */

static void bios_smm(struct machine *m)
{
	put_bytes(&m->mem, BIOS_SMBASE + 0x8000, stub_smi, sizeof(stub_smi));
	smm_set_smbase(m->cpus[0], BIOS_SMBASE);
}

void bios_init(struct machine *m)
{
	bios_ivt(&m->mem);
	bios_data_area(&m->mem);
	bios_pics(&m->mem);
	bios_pit(&m->mem);
	bios_lapic(m);
	bios_smm(m);
}

void bios_s3_suspend(struct machine *m)
{
	for (int i = 0; i < m->nr_cpus; i++) {
		struct cpu *c = m->cpus[i];

		c->activity = ACT_WAIT_SIPI;
		c->sipi_pending = c->init_pending = 0;
		cpu_stop(c);
	}
}

void bios_s3_resume(struct machine *m, u32 waking_vector)
{
	u16 seg = (u16)(waking_vector >> 4);

	if (!waking_vector || waking_vector >= 0x100000) {
		machine_end(m, RUN_RESET, 0, "ACPI S3 wake with no real-mode waking vector: reset");
		return;
	}
	for (int i = 0; i < m->nr_cpus; i++) {
		struct cpu *c = m->cpus[i];

		cpu_reset(c);
		msr_firmware_init(c);
		c->activity = i == 0 ? ACT_ACTIVE : ACT_WAIT_SIPI;
	}
	bios_pics(&m->mem);
	bios_pit(&m->mem);
	bios_lapic(m);

	struct cpu *bsp = m->cpus[0];
	bsp->seg[SEG_CS].sel = seg;
	bsp->seg[SEG_CS].base = (u64)seg << 4;
	bsp->rip = bsp->next_rip = waking_vector & 0xf;
	cpu_update_mode(bsp);
	cpu_kick(bsp);
}
