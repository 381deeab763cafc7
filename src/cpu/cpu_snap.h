/* cpu/cpu_snap.h: what a snapshot saves of a vCPU (snap/state.h), in
 * cpu/cpu_snap.c. The machine saves each vCPU as section "cpuN" with
 * cpu_snap; its local APIC is dev/lapic.h's lapic_snap. */
#ifndef NESTBOX_CPU_CPU_SNAP_H
#define NESTBOX_CPU_CPU_SNAP_H

#include "cpu/cpu.h"
#include "snap/state.h"

/* struct cpu, and the sub-structs it is made of */
extern const struct snap_desc cpu_snap;
extern const struct snap_desc seg_cache_snap;
extern const struct snap_desc dtr_snap;
extern const struct snap_desc lazy_flags_snap;
extern const struct snap_desc f80_snap;
extern const struct snap_desc fpu_snap;
extern const struct snap_desc msr_state_snap;
extern const struct snap_desc smm_state_snap;
extern const struct snap_desc tlb_entry_snap;

/* After the saved members of c were replaced (snapshot load): rebuild
 * everything derived from them alone -- mode and CPL, the TLB, the decoded
 * code and jump cache, the fetch key, the step loop's scratch -- as
 * cpu_snap's `loaded` hook. Wiring (machine, model, APIC, index) is left
 * as it is. */
void cpu_state_loaded(struct cpu *c);

#endif
