/* cpu/system/hyperv.h: the Hyper-V (TLFS) interface an L1 sees with
 * -cpu ...,hv-vapic[,hv-evmcs][,hv-vpindex]: the CPUID leaves
 * 0x40000000-0x4000000A and the synthetic MSRs the enlightened VMCS needs
 * (cpu/system/hyperv.def; vmx/evmcs.c uses the VP assist page). Without
 * any of these flags nothing here exists. */
#ifndef NESTBOX_CPU_HYPERV_H
#define NESTBOX_CPU_HYPERV_H

#include <stddef.h>

#include "base/types.h"

struct cpu;

/* the flags (bits of struct cpu_model.hv) */
enum hv_flag {
#define HVF(name, prop, desc, req) HV_##name,
#define L(leaf, reg, op, val, gate)
#include "cpu/system/hyperv.def"
#undef HVF
#undef L
	HV_NR
};
#define HV_BIT(f) (1u << (f))

/* TLFS "Partition Properties" / "Virtual Processor Assist Page" MSRs */
#define HV_MSR_GUEST_OS_ID      0x40000000u
#define HV_MSR_HYPERCALL        0x40000001u
#define HV_MSR_VP_INDEX         0x40000002u
#define HV_MSR_VP_ASSIST_PAGE   0x40000073u
/* the enable bits of the hypercall and VP assist page MSRs; the hypercall
 * MSR's "Locked" bit */
#define HV_MSR_ENABLE           BIT(0)
#define HV_HYPERCALL_LOCKED     BIT(1)

/* the flag a -cpu key names ("hv-evmcs", "hv_evmcs"), or -1 */
int hyperv_flag_lookup(const char *key);
/* what is wrong with this set of flags on a model with (vmx) or without
 * VMX: QEMU's message, or NULL */
const char *hyperv_flags_check(u32 hv, bool vmx, char *buf, unsigned len);
/* CPUID leaf 0x4000000x for the flags hv (0: no Hyper-V leaves, zeros) */
void hyperv_cpuid(u32 hv, u32 leaf, u32 out[4]);

/* the synthetic MSRs' handlers (cpu/system/msr.def rows): 0 or -1 (#GP) */
int hyperv_msr_read(struct cpu *c, u32 idx, u64 *val);
int hyperv_msr_write(struct cpu *c, u32 idx, u64 val);

/* the guest-physical address of the VP assist page, or ~0 when it is
 * disabled (HV_X64_MSR_VP_ASSIST_PAGE bit 0 clear) or the model has no
 * hv-vapic */
u64 hyperv_vp_assist_page(const struct cpu *c);

/* the snapshot check of the synthetic MSRs' values (cpu/system/msr.c
 * msr_state_check): NULL, or the member at fault with a message */
const char *hyperv_state_check(const struct cpu *c, char *msg, size_t len);

#endif
