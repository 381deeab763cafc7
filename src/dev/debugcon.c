/* dev/debugcon.c: the debug console port 0xe9 (Bochs's "port e9 hack",
 * QEMU's isa-debugcon at its usual address): a byte the guest writes there
 * is logged under -d guest, one line per newline, tagged with the vCPU;
 * a read returns 0xe9, which is how guests detect the port. The port is
 * always present, so the guest runs the same with and without -d guest. */
#include "base/log.h"
#include "dev/dev.h"
#include "dev/devpriv.h"

#define DEBUGCON_PORT 0xe9

static u64 debugcon_read(void *opaque, u64 off, unsigned size)
{
	return DEBUGCON_PORT;
}

static void debugcon_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct machine *m = opaque;
	log_guest_byte(m->cur ? m->cur->index : 0, (u8)val);
}

void debugcon_init(struct machine *m)
{
	physmem_add_pio(&m->mem, DEBUGCON_PORT, 1, debugcon_read, debugcon_write, m, "debugcon");
}
