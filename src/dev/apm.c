/* dev/apm.c: the APM control ports (software SMI), as QEMU's "apm" device
 * behind the PIIX4 power-management function.
 *
 *   0xb2  APM control (APMC): a write stores the command byte and raises an
 *         SMI on the boot processor; a read returns the last command
 *   0xb3  APM status (APMS): a scratch byte, read/write, no side effect
 *
 * QEMU's PIIX4 raises the SMI only when APMC_EN is set in its GLB_SMI
 * enable register (which the firmware sets); nestbox has no such register
 * yet and always raises it. Each byte of a wider access goes to its port. */
#include "dev/dev.h"
#include "dev/acpi.h"
#include "dev/devpriv.h"
#include "cpu/event.h"

#define APM_PORT 0xb2

struct apm {
	struct dev_hdr hdr;
	struct machine *m;
	u8 reg[2]; /* APMC, APMS */
};

/* both bytes are plain latches: any value can be there */
static const struct snap_field apm_fields[] = {
	SNAP_DERIVED(struct apm, hdr, "construction (apm_init)"),
	SNAP_DERIVED(struct apm, m, "construction: the machine"),
	SNAP_U8(struct apm, reg),
};
SNAP_DESC(apm, 1, apm_fields, NULL, NULL);

static u64 apm_read(void *opaque, u64 off, unsigned size)
{
	struct apm *a = opaque;
	u64 v = 0;

	for (unsigned k = 0; k < size; k++)
		v |= (u64)(off + k < 2 ? a->reg[off + k] : 0xff) << (8 * k);
	return v;
}

/* the SMI goes to the BSP (QEMU: first_cpu) at its next instruction
 * boundary: right after the OUT when the BSP wrote the port */
static void apm_raise_smi(struct apm *a)
{
	struct cpu *bsp = a->m->cpus[0];

	LOG(dev, "apm: command %#x -> SMI on cpu%u", a->reg[0], bsp->index);
	cpu_raise_smi(bsp);
}

static void apm_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct apm *a = opaque;

	for (unsigned k = 0; k < size; k++) {
		if (off + k >= 2)
			break;
		a->reg[off + k] = (u8)(val >> (8 * k));
		if (off + k == 0) {
			/* PIIX4: ACPI_ENABLE/DISABLE written here set or clear
			 * SCI_EN whether or not the SMI is taken */
			acpi_smi_cmd(a->m, a->reg[0]);
			apm_raise_smi(a);
		}
	}
}

void apm_init(struct machine *m)
{
	struct apm *a = dev_state_new(m, sizeof(*a), "apm", &apm_snap);

	a->m = m;
	physmem_add_pio(&m->mem, APM_PORT, 2, apm_read, apm_write, a, "apm");
}
