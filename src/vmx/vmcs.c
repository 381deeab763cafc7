/* vmx/vmcs.c: lookups generated from vmx/vmcs_fields.def, the field-width
 * rules of VMREAD/VMWRITE storage, and the exit-reason and VM-instruction-
 * error names. Pure: no CPU, no guest memory. */
#include "vmx/vmcs.h"

#include <stddef.h>

/* Every row's encoding must be a full (access type 0) encoding with the
 * reserved bits 31:15 and 12 clear, and an index below 64 so that the
 * lookup table below stays small (the SDM's highest index is 0x29). */
#define F(name, enc, gate, gate2)                                                 \
	_Static_assert(((enc) & ~0x6ffeu) == 0, #name ": reserved or high-access bit set"); \
	_Static_assert((((enc) >> 1) & 0x1ff) < 64, #name ": index too large for the lookup");
#include "vmx/vmcs_fields.def"
#undef F

struct field_desc {
	u16 enc;
	u8 gate, gate2; /* enum vmx_feat */
	const char *name;
};

_Static_assert(VMXF_NR <= 256, "gates must fit in a u8");

static const struct field_desc fields[VMCS_NR_FIELDS] = {
#define F(name, enc, g, g2) [VMCS_##name] = { enc, VMXF_##g, VMXF_##g2, #name },
#include "vmx/vmcs_fields.def"
#undef F
};

/* Lookup by encoding: a direct table indexed by width, type and index (4 +
 * 6 bits), holding field id + 1 (0 = no component). Built at compile time
 * with designated initializers, so two rows with one encoding are a
 * compile error (-Woverride-init, part of -Wextra, under -Werror). */
#define KEY(enc) (((((enc) >> 13) & 3u) << 8) | ((((enc) >> 10) & 3u) << 6) | (((enc) >> 1) & 63u))
_Static_assert(VMCS_NR_FIELDS < 255, "field id + 1 must fit in a u8");
static const u8 by_key[1u << 10] = {
#define F(name, enc, g, g2) [KEY(enc)] = VMCS_##name + 1,
#include "vmx/vmcs_fields.def"
#undef F
};

u32 vmcs_field_encoding(enum vmcs_field f) { return fields[f].enc; }
enum vmcs_width vmcs_field_width(enum vmcs_field f) { return vmcs_enc_width(fields[f].enc); }
enum vmcs_type vmcs_field_type(enum vmcs_field f) { return vmcs_enc_type(fields[f].enc); }
const char *vmcs_field_name(enum vmcs_field f) { return fields[f].name; }

enum vmx_feat vmcs_field_gate(enum vmcs_field f, unsigned which)
{
	return (enum vmx_feat)(which ? fields[f].gate2 : fields[f].gate);
}

int vmcs_field_by_encoding(u32 enc)
{
	unsigned id;

	if (enc & ~0x6ffeu) /* high access, bit 12, bits 31:15 */
		return -1;
	if (vmcs_enc_index(enc) >= 64)
		return -1;
	id = by_key[KEY(enc)];
	return id ? (int)id - 1 : -1;
}

/* SDM "VMREAD, VMWRITE, and Encodings of VMCS Fields": "Access type (0 =
 * full; 1 = high); must be full for 16-bit, 32-bit, and natural-width
 * fields." So enc | 1 names a component only when enc is a 64-bit one. */
int vmcs_field_access(u32 enc, bool *high)
{
	int f = vmcs_field_by_encoding(enc & ~1u);

	*high = enc & 1;
	if (f < 0)
		return -1;
	if (*high && vmcs_field_width((enum vmcs_field)f) != VMCS_W64)
		return -1;
	return f;
}

u64 vmcs_width_mask(enum vmcs_width w)
{
	switch (w) {
	case VMCS_W16: return 0xffffull;
	case VMCS_W32: return 0xffffffffull;
	case VMCS_W64:
	case VMCS_WNAT: break;
	}
	return ~0ull;
}

bool vmcs_field_exists(enum vmcs_field f, const struct vmx_caps *c)
{
	return vmx_caps_has(c, (enum vmx_feat)fields[f].gate) ||
	       vmx_caps_has(c, (enum vmx_feat)fields[f].gate2);
}

unsigned vmcs_highest_index(const struct vmx_caps *c)
{
	unsigned hi = 0;

	for (unsigned f = 0; f < VMCS_NR_FIELDS; f++)
		if (vmcs_field_exists((enum vmcs_field)f, c) && vmcs_enc_index(fields[f].enc) > hi)
			hi = vmcs_enc_index(fields[f].enc);
	return hi;
}

/* 16-bit (width 0) and 32-bit (width 2) fields keep 16 and 32 bits */
const u64 vmcs_field_mask[VMCS_NR_FIELDS] = {
#define F(name, enc, g, g2) [VMCS_##name] = ((((enc) >> 13) & 3) == 0 ? 0xffffull : (((enc) >> 13) & 3) == 2 ? 0xffffffffull : ~0ull),
#include "vmx/vmcs_fields.def"
#undef F
};

u64 vmcs_cache_read_access(const struct vmcs_cache *v, enum vmcs_field f, bool high)
{
	return high ? v->f[f] >> 32 : v->f[f];
}

void vmcs_cache_write_access(struct vmcs_cache *v, enum vmcs_field f, bool high, u64 val)
{
	if (high)
		v->f[f] = (v->f[f] & 0xffffffffull) | (val << 32);
	else
		vmcs_cache_write(v, f, val);
}

/* Exit reasons and VM-instruction errors: sparse numbers, small tables
 * indexed by number (unassigned numbers are NULL). */
#define X(n, name, sdm) [n] = { #name, sdm },
static const struct { const char *ident, *sdm; } exit_reasons[] = {
#include "vmx/exit_reasons.def"
};
#undef X
#define E(n, name, sdm) [n] = { #name, sdm },
static const struct { const char *ident, *sdm; } insn_errors[] = {
#include "vmx/vm_insn_errors.def"
};
#undef E

const char *vmx_exit_reason_ident(u32 reason)
{
	reason &= 0xffff;
	return reason < sizeof(exit_reasons) / sizeof(exit_reasons[0]) ? exit_reasons[reason].ident : NULL;
}

const char *vmx_exit_reason_name(u32 reason)
{
	reason &= 0xffff;
	return reason < sizeof(exit_reasons) / sizeof(exit_reasons[0]) ? exit_reasons[reason].sdm : NULL;
}

const char *vmx_insn_error_ident(u32 err)
{
	return err < sizeof(insn_errors) / sizeof(insn_errors[0]) ? insn_errors[err].ident : NULL;
}

const char *vmx_insn_error_name(u32 err)
{
	return err < sizeof(insn_errors) / sizeof(insn_errors[0]) ? insn_errors[err].sdm : NULL;
}
