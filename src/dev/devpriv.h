/* dev/devpriv.h: helpers shared by the device models in dev/ (not for use
 * outside dev/). */
#ifndef NESTBOX_DEV_DEVPRIV_H
#define NESTBOX_DEV_DEVPRIV_H

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "machine/machine.h"
#include "snap/state.h"

/* Every device-state struct hung in m->devs begins with this header, so a
 * device can be found again by name, and saved in a snapshot. */
struct dev_hdr {
	const char *name;
	/* the description of the whole allocated struct (snap/state.h), or
	 * NULL for state that is not saved as a device section: a snapshot
	 * holds one section named `name` per device that has one, in m->devs
	 * order */
	const struct snap_desc *snap;
};

/* Allocate zeroed device state of `size` bytes (a struct beginning with
 * struct dev_hdr) described by `snap` (or NULL) and hang it in the first
 * free m->devs slot, so machine_free can release it with free(). Dies if
 * the host is out of memory, the machine has no free slot or `snap`
 * describes a struct of another size (nestbox bugs, not guest ones). */
static inline void *dev_state_new(struct machine *m, size_t size, const char *name,
				  const struct snap_desc *snap)
{
	struct dev_hdr *h;

	if (snap && snap->size != size)
		die("%s: state of %zu bytes described as %u bytes of struct %s", name, size,
		    snap->size, snap->name);
	h = calloc(1, size);
	if (!h)
		die("%s: out of memory", name);
	h->name = name;
	h->snap = snap;
	for (size_t i = 0; i < ARRAY_SIZE(m->devs); i++) {
		if (!m->devs[i]) {
			m->devs[i] = h;
			return h;
		}
	}
	die("%s: no free device slot", name);
}

/* the state dev_state_new made under `name`, or NULL */
static inline void *dev_state_find(struct machine *m, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->devs); i++) {
		struct dev_hdr *h = m->devs[i];

		if (h && h->name && !strcmp(h->name, name))
			return h;
	}
	return NULL;
}

/* Test-device ISA IRQ lines (dev/testdev.c): the interrupt controllers
 * install a hook to see level changes; until then levels are only recorded. */
typedef void isa_irq_hook_fn(struct machine *m, int irq, int level);
void testdev_set_irq_hook(struct machine *m, isa_irq_hook_fn *fn);
/* last level written for ISA IRQ `irq` through port 0x2000+irq (0 or 1) */
int testdev_irq_level(struct machine *m, int irq);

#endif
