/* dev/debug_exit.c: the two ways a test image ends the run by port I/O.
 *
 * isa-debug-exit (QEMU's device, iobase 0xf4, iosize 4): a write of `code`
 * ends the run with host exit status (code << 1) | 1, which the host OS
 * truncates to 8 bits, exactly as QEMU's exit((code << 1) | 1). So code 0
 * gives 1, 1 gives 3, 38 gives 77, 63 gives 127. One deliberate difference:
 * a non-zero code whose truncated status would be 1 (code 0x80, 0x100, ...)
 * would read as code 0 ("pass") to a runner; PLATFORM.md forbids a failure
 * turning into a pass, so such codes give status 255 instead.
 *
 * Bochs/QEMU "Shutdown" port 0x8900: the string "Shutdown" written one byte
 * at a time powers the machine off (status 0). */
#include <stdio.h>

#include "dev/dev.h"
#include "dev/devpriv.h"

/* host exit status for an isa-debug-exit write of `code` */
static int debug_exit_status(u64 code)
{
	int status = (int)(((code << 1) | 1) & 0xff);

	if (status == 1 && code != 0)
		status = 0xff;
	return status;
}

static u64 debug_exit_read(void *opaque, u64 off, unsigned size)
{
	return 0;
}

static void debug_exit_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct machine *m = opaque;
	char msg[64];

	val &= size_mask(size);
	snprintf(msg, sizeof(msg), "isa-debug-exit: code 0x%llx", (unsigned long long)val);
	machine_end(m, RUN_DEBUG_EXIT, debug_exit_status(val), msg);
}

void debug_exit_init(struct machine *m, u16 port)
{
	physmem_add_pio(&m->mem, port, 4, debug_exit_read, debug_exit_write, m, "isa-debug-exit");
}

static const char shutdown_magic[] = "Shutdown";

struct shutdown_port {
	struct dev_hdr hdr;
	struct machine *m;
	unsigned matched; /* bytes of shutdown_magic seen in a row */
};

/* the whole string seen ends the run and starts matching again from 0, so
 * at most all but its last byte can have been seen */
static const struct snap_field shutdown_port_fields[] = {
	SNAP_DERIVED(struct shutdown_port, hdr, "construction (shutdown_port_init)"),
	SNAP_DERIVED(struct shutdown_port, m, "construction: the machine"),
	SNAP_U32_MAX(struct shutdown_port, matched, sizeof(shutdown_magic) - 2),
};
SNAP_DESC(shutdown_port, 1, shutdown_port_fields, NULL, NULL);

static u64 shutdown_read(void *opaque, u64 off, unsigned size)
{
	return size_mask(size);
}

static void shutdown_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct shutdown_port *s = opaque;
	char ch = (char)val;

	if (ch == shutdown_magic[s->matched])
		s->matched++;
	else
		s->matched = ch == shutdown_magic[0];
	if (s->matched == sizeof(shutdown_magic) - 1) {
		s->matched = 0;
		machine_end(s->m, RUN_SHUTDOWN, 0, "shutdown port 0x8900");
	}
}

void shutdown_port_init(struct machine *m)
{
	struct shutdown_port *s = dev_state_new(m, sizeof(*s), "shutdown-port", &shutdown_port_snap);

	s->m = m;
	physmem_add_pio(&m->mem, 0x8900, 1, shutdown_read, shutdown_write, s, "shutdown-port");
}
