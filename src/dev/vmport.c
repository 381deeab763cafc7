/* dev/vmport.c: the VMware "backdoor" I/O port, as QEMU's pc machine has it
 * (on unless -machine vmport=off; QEMU's vmport=auto means on except under
 * Xen). Facts from QEMU 7.2's hw/i386/vmport.c and open-vm-tools'
 * backdoor protocol:
 *  - port 0x5658 ("VX"); a guest puts the magic 0x564D5868 ("VMXh") in
 *    EAX and the command in ECX (bits 7:0... QEMU takes the low byte) and
 *    does IN (or OUT: the same, with the result in EAX);
 *  - a wrong magic or a command QEMU does not implement returns EAX =
 *    0xFFFFFFFF; every result is written to EAX as well (QEMU's
 *    x-read-set-eax and x-signal-unsupported-cmd, on by default);
 *  - the commands (rows below).
 * The VMware mouse commands (39-41) belong to QEMU's vmmouse device, which
 * needs the i8042 keyboard controller nestbox does not have: unsupported
 * here (docs/known-gaps.md). Stateless: nothing to save in a snapshot. */
#include "cpu/cpu.h"
#include "cpu/model.h"
#include "dev/dev.h"
#include "dev/devpriv.h"
#include "machine/clock.h"

#define VMPORT_PORT  0x5658
#define VMPORT_MAGIC 0x564D5868u
#define VMPORT_UNSUPPORTED 0xffffffffu

/* VMPORT_CMD_GETVERSION: EBX = the magic, ECX = the VMX type (2, "VMware
 * ESX Server", QEMU's vmware-vmx-type), EAX = the version (6, QEMU's
 * vmware-vmx-version) */
static u32 cmd_getversion(struct machine *m, struct cpu *c)
{
	c->gpr[RBX] = VMPORT_MAGIC;
	c->gpr[RCX] = 2;
	return 6;
}

/* VMPORT_CMD_GETBIOSUUID: the SMBIOS UUID in EAX..EDX, all zero (no
 * -uuid option, QEMU's default) */
static u32 cmd_getbiosuuid(struct machine *m, struct cpu *c)
{
	c->gpr[RBX] = c->gpr[RCX] = c->gpr[RDX] = 0;
	return 0;
}

/* VMPORT_CMD_GETRAMSIZE: EBX = 0x1177, EAX = the RAM size in bytes (low
 * 32 bits) */
static u32 cmd_getramsize(struct machine *m, struct cpu *c)
{
	c->gpr[RBX] = 0x1177;
	return (u32)m->cfg.ram_size;
}

/* VMPORT_CMD_GETHZ: TSC frequency in EBX:EAX, APIC bus frequency in ECX.
 * QEMU reports them when it knows the TSC rate; nestbox always does: both
 * clocks run at 1 GHz of virtual time (machine/clock.h; the local APIC
 * timer counts nanoseconds at divide-by-1) */
static u32 cmd_gethz(struct machine *m, struct cpu *c)
{
	u64 hz = m->clock.tsc_hz;

	c->gpr[RBX] = (u32)(hz >> 32);
	c->gpr[RCX] = 1000000000u;
	return (u32)hz;
}

/* VMPORT_CMD_GET_VCPU_INFO: bit 3 (LEGACY_X2APIC) when CPUID has x2APIC */
static u32 cmd_get_vcpu_info(struct machine *m, struct cpu *c)
{
	return c->model && cpu_has(c->model, FEAT_x2apic) ? 1u << 3 : 0;
}

static const struct {
	u8 cmd;
	u32 (*fn)(struct machine *m, struct cpu *c);
} vmport_cmds[] = {
	{ 10, cmd_getversion },   /* VMPORT_CMD_GETVERSION */
	{ 19, cmd_getbiosuuid },  /* VMPORT_CMD_GETBIOSUUID */
	{ 20, cmd_getramsize },   /* VMPORT_CMD_GETRAMSIZE */
	{ 45, cmd_gethz },        /* VMPORT_CMD_GETHZ */
	{ 68, cmd_get_vcpu_info }, /* VMPORT_CMD_GET_VCPU_INFO */
};

static u32 vmport_command(struct machine *m)
{
	struct cpu *c = m->cur;
	u32 eax = VMPORT_UNSUPPORTED;

	if (!c)
		return eax;
	if ((u32)c->gpr[RAX] == VMPORT_MAGIC) {
		u8 cmd = (u8)c->gpr[RCX];
		for (size_t k = 0; k < ARRAY_SIZE(vmport_cmds); k++)
			if (vmport_cmds[k].cmd == cmd)
				eax = vmport_cmds[k].fn(m, c);
	}
	c->gpr[RAX] = eax;
	return eax;
}

static u64 vmport_read(void *opaque, u64 off, unsigned size)
{
	return vmport_command(opaque);
}

static void vmport_write(void *opaque, u64 off, u64 val, unsigned size)
{
	vmport_command(opaque);
}

void vmport_init(struct machine *m)
{
	physmem_add_pio(&m->mem, VMPORT_PORT, 1, vmport_read, vmport_write, m, "vmport");
}
