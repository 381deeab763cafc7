/* vmx/vmcs.h: VMCS components, generated from vmx/vmcs_fields.def; the
 * exit-reason and VM-instruction-error names from vmx/exit_reasons.def and
 * vmx/vm_insn_errors.def; and the storage of the current VMCS's contents.
 *
 * Encodings: SDM Vol.3C "VMREAD, VMWRITE, and Encodings of VMCS Fields"
 * ("Structure of VMCS Component Encoding"): bit 0 access type (0 full,
 * 1 high), bits 9:1 index, bits 11:10 type, bit 12 reserved (0), bits
 * 14:13 width, bits 31:15 reserved (0). */
#ifndef NESTBOX_VMX_VMCS_H
#define NESTBOX_VMX_VMCS_H

#include "base/types.h"
#include "vmx/caps.h"

/* Dense ids, one per vmcs_fields.def row, in table order: VMCS_GUEST_RIP.
 * The ids move when rows are added; anything saved (a snapshot, a VMCS
 * region in guest memory) must be keyed by encoding, never by id. */
enum vmcs_field {
#define F(name, enc, gate, gate2) VMCS_##name,
#include "vmx/vmcs_fields.def"
#undef F
	VMCS_NR_FIELDS
};

/* Width, encoding bits 14:13 */
enum vmcs_width { VMCS_W16 = 0, VMCS_W64 = 1, VMCS_W32 = 2, VMCS_WNAT = 3 };
/* Type, encoding bits 11:10 */
enum vmcs_type { VMCS_T_CONTROL = 0, VMCS_T_RO = 1, VMCS_T_GUEST = 2, VMCS_T_HOST = 3 };

static inline enum vmcs_width vmcs_enc_width(u32 enc) { return (enum vmcs_width)((enc >> 13) & 3); }
static inline enum vmcs_type vmcs_enc_type(u32 enc) { return (enum vmcs_type)((enc >> 10) & 3); }
static inline unsigned vmcs_enc_index(u32 enc) { return (enc >> 1) & 0x1ff; }
static inline bool vmcs_enc_high(u32 enc) { return enc & 1; }

/* Per-field facts, all derived from the row */
u32 vmcs_field_encoding(enum vmcs_field f);
enum vmcs_width vmcs_field_width(enum vmcs_field f);
enum vmcs_type vmcs_field_type(enum vmcs_field f);
const char *vmcs_field_name(enum vmcs_field f);	/* "GUEST_RIP" */
/* the gates of the row (enum vmx_feat): the field exists if either holds */
enum vmx_feat vmcs_field_gate(enum vmcs_field f, unsigned which);

/* The VMCS field that holds control word w (vmx_controls.def W rows) */
enum vmcs_field vmx_ctl_word_field(enum vmx_ctl_word w);

/* The field whose full encoding is exactly enc, or -1 (reserved bits set,
 * a high-half encoding, or no such component). */
int vmcs_field_by_encoding(u32 enc);

/* A VMREAD/VMWRITE operand: the field enc names and whether it names the
 * high 32 bits of a 64-bit field (SDM: the access type "must be full for
 * 16-bit, 32-bit, and natural-width fields"). -1 if no such component. */
int vmcs_field_access(u32 enc, bool *high);

/* The bits a field of width w holds: a 16-bit field keeps 16 bits, a
 * 32-bit field 32, 64-bit and natural-width fields 64 (nestbox is an Intel
 * 64 processor: natural width is 64 bits; truncation outside 64-bit mode
 * is VMREAD's and VMWRITE's operand-size rule, not the field's). */
u64 vmcs_width_mask(enum vmcs_width w);

/* Does the component exist on a CPU with these capabilities? (the row's
 * gates: SDM Appendix B footnotes "This field exists only on processors
 * that support the 1-setting of ...") */
bool vmcs_field_exists(enum vmcs_field f, const struct vmx_caps *c);

/* Highest index (encoding bits 9:1) of any component that exists: what
 * IA32_VMX_VMCS_ENUM reports in bits 9:1 (SDM "VMCS Enumeration"). */
unsigned vmcs_highest_index(const struct vmx_caps *c);

/* The current VMCS's contents, one u64 per field, indexed by enum
 * vmcs_field. Plain data. The helpers keep each field to its width. */
struct vmcs_cache {
	u64 f[VMCS_NR_FIELDS];
};

/* the bits each field holds (vmcs_width_mask of its width), by field: VM
 * entries and exits touch a hundred fields each, so these two are inline */
extern const u64 vmcs_field_mask[VMCS_NR_FIELDS];
static inline u64 vmcs_cache_read(const struct vmcs_cache *v, enum vmcs_field f)
{
	return v->f[f];
}
static inline void vmcs_cache_write(struct vmcs_cache *v, enum vmcs_field f, u64 val)
{
	v->f[f] = val & vmcs_field_mask[f];
}
/* VMREAD/VMWRITE by access type: the high access of a 64-bit field reads
 * bits 63:32 into bits 31:0, and writes bits 31:0 of val to bits 63:32
 * leaving bits 31:0 of the field as they were; a full access is the plain
 * read/write above. high must be false for a field that is not 64-bit. */
u64 vmcs_cache_read_access(const struct vmcs_cache *v, enum vmcs_field f, bool high);
void vmcs_cache_write_access(struct vmcs_cache *v, enum vmcs_field f, bool high, u64 val);

/* Basic exit reasons: EXIT_REASON_CPUID = 10 ... */
enum vmx_exit_reason {
#define X(n, name, sdm) EXIT_REASON_##name = (n),
#include "vmx/exit_reasons.def"
#undef X
};
/* bit 31 of the exit-reason field: VM-entry failure (SDM "Basic VM-Exit
 * Information", "Format of Exit Reason") */
#define EXIT_REASON_FAILED_VMENTRY BIT(31)

/* VM-instruction errors: VMXERR_ENTRY_INVALID_CONTROL_FIELD = 7 ... */
enum vmx_insn_error {
#define E(n, name, sdm) VMXERR_##name = (n),
#include "vmx/vm_insn_errors.def"
#undef E
};

/* Names for logs and traces. `reason` may carry the upper bits of the
 * exit-reason field: only bits 15:0 are looked at. NULL for a number with
 * no row. */
const char *vmx_exit_reason_ident(u32 reason);	/* "CPUID" */
const char *vmx_exit_reason_name(u32 reason);	/* the SDM's "CPUID" */
const char *vmx_insn_error_ident(u32 err);	/* "ENTRY_INVALID_CONTROL_FIELD" */
const char *vmx_insn_error_name(u32 err);	/* the SDM's text */

#endif
