/* dev/pit8254.c: the 8254 programmable interval timer (ports 0x40-0x43,
 * channel 0 to ISA IRQ 0) and system control port B (0x61: speaker gate,
 * channel 2 output, refresh toggle).
 *
 * Skeleton: only port 0x61 so far; the counters come with the platform work. */
#include "dev/dev.h"
#include "dev/devpriv.h"

struct pit {
	struct dev_hdr hdr;
	struct machine *m;
	u8 port61;  /* system control port B, bits 3:0 */
	u8 refresh; /* port B bit 4: toggles on each read */
};

static u64 port61_read(void *opaque, u64 off, unsigned size)
{
	struct pit *p = opaque;

	/* refresh request toggles so delay loops on it make progress */
	p->refresh ^= 1;
	return p->port61 | (p->refresh << 4);
}

static void port61_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pit *p = opaque;

	p->port61 = val & 0x0f;
}

void pit_init(struct machine *m)
{
	struct pit *p = dev_state_new(m, sizeof(*p), "pit");

	p->m = m;
	physmem_add_pio(&m->mem, 0x61, 1, port61_read, port61_write, p, "port61");
}
