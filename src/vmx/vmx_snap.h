/* vmx/vmx_snap.h: the snapshot descriptions of the VMX state (a member of
 * struct cpu, saved in section cpuN). */
#ifndef NESTBOX_VMX_VMX_SNAP_H
#define NESTBOX_VMX_VMX_SNAP_H

#include "vmx/state.h"

struct snap_desc;
extern const struct snap_desc vmx_state_snap;
extern const struct snap_desc vmcs_cache_snap;

#endif
