/* cpu/system/hyperv.c: the Hyper-V interface of cpu/system/hyperv.def
 * (Microsoft's Hypervisor Top-Level Functional Specification, TLFS): the
 * CPUID leaves and the synthetic MSRs an L1 needs for the enlightened VMCS
 * (vmx/evmcs.c). Hypercalls are not implemented: the hypercall page holds
 * a stub that returns HV_STATUS_INVALID_HYPERCALL_CODE (docs/known-gaps.md). */
#include "cpu/system/hyperv.h"

#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/model.h"
#include "cpu/system/msr.h"
#include "machine/machine.h"
#include "mem/physmem.h"

static const struct hv_flag_desc {
	const char *prop, *desc;
	int requires;
} hv_flags[HV_NR] = {
#define HVF(name, prop, desc, req) [HV_##name] = { prop, desc, HV_##req },
#define L(leaf, reg, op, val, gate)
	/* REQUIRES NONE: -1 */
	#define HV_NONE (-1)
#include "cpu/system/hyperv.def"
	#undef HV_NONE
#undef HVF
#undef L
};

enum hv_op { HV_SET, HV_OR };
#define HV_ANY (-1)

static const struct hv_leaf_row {
	u32 leaf;
	u8 reg, op;
	u32 val;
	int gate;
} hv_leaves[] = {
#define HVF(name, prop, desc, req)
#define L(leaf, reg, op, val, gate) { leaf, CPUID_##reg, HV_##op, val, HV_##gate },
#include "cpu/system/hyperv.def"
#undef HVF
#undef L
};

int hyperv_flag_lookup(const char *key)
{
	for (int f = 0; f < HV_NR; f++) {
		const char *p = hv_flags[f].prop, *k = key;
		/* QEMU accepts '_' for '-' in property names */
		while (*p && (*k == *p || (*k == '_' && *p == '-'))) {
			p++;
			k++;
		}
		if (!*p && !*k)
			return f;
	}
	return -1;
}

const char *hyperv_flags_check(u32 hv, bool vmx, char *buf, unsigned len)
{
	for (int f = 0; f < HV_NR; f++) {
		int r = hv_flags[f].requires;
		if ((hv & HV_BIT(f)) && r >= 0 && !(hv & HV_BIT(r))) {
			snprintf(buf, len, "Hyper-V %s (%s) requires Hyper-V %s (%s)", hv_flags[f].desc,
				 hv_flags[f].prop, hv_flags[r].desc, hv_flags[r].prop);
			return buf;
		}
	}
	/* the enlightened VMCS is an interface of nested VMX (QEMU: KVM must
	 * offer KVM_CAP_HYPERV_ENLIGHTENED_VMCS, which needs nested VMX) */
	if ((hv & HV_BIT(HV_EVMCS)) && !vmx) {
		snprintf(buf, len, "Hyper-V enlightened VMCS (hv-evmcs) requires VMX (+vmx)");
		return buf;
	}
	return NULL;
}

void hyperv_cpuid(u32 hv, u32 leaf, u32 out[4])
{
	memset(out, 0, 4 * sizeof(u32));
	if (!hv)
		return;
	for (size_t k = 0; k < ARRAY_SIZE(hv_leaves); k++) {
		const struct hv_leaf_row *r = &hv_leaves[k];
		if (r->leaf != leaf || (r->gate != HV_ANY && !(hv & HV_BIT(r->gate))))
			continue;
		out[r->reg] = r->op == HV_SET ? r->val : out[r->reg] | r->val;
	}
	/* leaves above the highest one the first leaf reports are zeros */
	u32 max[4];
	if (leaf != 0x40000000) {
		hyperv_cpuid(hv, 0x40000000, max);
		if (leaf > max[CPUID_EAX])
			memset(out, 0, 4 * sizeof(u32));
	}
}

static bool hv_on(const struct cpu *c, enum hv_flag f)
{
	return c->model && (c->model->hv & HV_BIT(f));
}

u64 hyperv_vp_assist_page(const struct cpu *c)
{
	if (!hv_on(c, HV_VAPIC) || !(c->msr.hv_vp_assist & HV_MSR_ENABLE))
		return ~0ull;
	return c->msr.hv_vp_assist & ~0xfffull;
}

int hyperv_msr_read(struct cpu *c, u32 idx, u64 *val)
{
	switch (idx) {
	case HV_MSR_GUEST_OS_ID: *val = c->msr.hv_guest_os_id; return 0;
	case HV_MSR_HYPERCALL: *val = c->msr.hv_hypercall; return 0;
	/* TLFS "Virtual Processor Index": the VP's index, 0 .. count - 1 */
	case HV_MSR_VP_INDEX: *val = c->index; return 0;
	case HV_MSR_VP_ASSIST_PAGE: *val = c->msr.hv_vp_assist; return 0;
	default: return -1;
	}
}

/* TLFS "Establishing the Hypercall Interface": the hypervisor fills the
 * page the guest names with its calling sequence. nestbox implements no
 * hypercall, so every call returns HV_STATUS_INVALID_HYPERCALL_CODE (2)
 * in RAX (EDX:EAX for a 32-bit caller): XOR EDX,EDX; MOV EAX,2; RET. */
static void hypercall_page_fill(struct cpu *c, u64 gpa)
{
	static const u8 stub[] = { 0x31, 0xd2, 0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3 };

	for (unsigned k = 0; k < sizeof(stub); k++)
		phys_write(&c->machine->mem, gpa + k, 1, stub[k]);
}

int hyperv_msr_write(struct cpu *c, u32 idx, u64 val)
{
	u64 maxpa = GENMASK(63, cpu_maxphyaddr(c));

	switch (idx) {
	case HV_MSR_GUEST_OS_ID:
		/* TLFS "Reporting the Guest OS Identity": "the hypercall page
		 * ... is disabled while the guest OS ID is zero" */
		c->msr.hv_guest_os_id = val;
		if (!val)
			c->msr.hv_hypercall &= ~HV_MSR_ENABLE;
		return 0;
	case HV_MSR_HYPERCALL:
		/* "Locked": once set, the MSR is immutable; a guest that did
		 * not identify itself (guest OS ID 0) cannot enable it */
		if (c->msr.hv_hypercall & HV_HYPERCALL_LOCKED)
			return 0;
		if ((val & HV_MSR_ENABLE) && !c->msr.hv_guest_os_id)
			return 0;
		if ((val & HV_MSR_ENABLE) && (val & maxpa))
			return -1;
		if (val & HV_MSR_ENABLE)
			hypercall_page_fill(c, val & ~0xfffull);
		c->msr.hv_hypercall = val & (~0xfffull | HV_MSR_ENABLE | HV_HYPERCALL_LOCKED);
		return 0;
	case HV_MSR_VP_ASSIST_PAGE:
		/* TLFS "Virtual Processor Assist Page": bit 0 enable, bits
		 * 63:12 the page's GPA; an address beyond the physical-address
		 * width is #GP. Enabling clears the page (as KVM does: no stale
		 * enlightened-VM-entry request survives). */
		if ((val & HV_MSR_ENABLE) && (val & maxpa))
			return -1;
		if (val & HV_MSR_ENABLE)
			for (u64 k = 0; k < 4096; k += 8)
				phys_write(&c->machine->mem, (val & ~0xfffull) + k, 8, 0);
		c->msr.hv_vp_assist = val & (~0xfffull | HV_MSR_ENABLE);
		return 0;
	default:
		/* HV_X64_MSR_VP_INDEX is read-only */
		return -1;
	}
}

/* what WRMSR can leave in the three MSRs: no reserved bits, an enabled
 * hypercall page only with a guest OS ID, nothing without the flags */
const char *hyperv_state_check(const struct cpu *c, char *msg, size_t len)
{
	const struct msr_state *m = &c->msr;
	u64 maxpa = GENMASK(63, cpu_maxphyaddr(c));

	if (!hv_on(c, HV_VAPIC) && m->hv_vp_assist) {
		snprintf(msg, len, "set without -cpu hv-vapic");
		return "msr.hv_vp_assist";
	}
	if (m->hv_vp_assist & 0xffe) {
		snprintf(msg, len, "%#llx sets reserved bits 11:1", (unsigned long long)m->hv_vp_assist);
		return "msr.hv_vp_assist";
	}
	if ((m->hv_vp_assist & HV_MSR_ENABLE) && (m->hv_vp_assist & maxpa)) {
		snprintf(msg, len, "%#llx is beyond the physical-address width",
			 (unsigned long long)m->hv_vp_assist);
		return "msr.hv_vp_assist";
	}
	if ((!c->model || !c->model->hv) && (m->hv_guest_os_id || m->hv_hypercall)) {
		snprintf(msg, len, "set without -cpu hv-*");
		return m->hv_guest_os_id ? "msr.hv_guest_os_id" : "msr.hv_hypercall";
	}
	if ((m->hv_hypercall & 0xffc) ||
	    ((m->hv_hypercall & HV_MSR_ENABLE) && (!m->hv_guest_os_id || (m->hv_hypercall & maxpa)))) {
		snprintf(msg, len, "%#llx is not a value WRMSR stores", (unsigned long long)m->hv_hypercall);
		return "msr.hv_hypercall";
	}
	return NULL;
}
