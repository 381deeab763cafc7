/* tests/guest/lib/acpi.h: finding and reading the ACPI tables firmware
 * leaves (ACPI "Root System Description Pointer (RSDP)", "Root System
 * Description Table (RSDT)", "Extended System Description Table (XSDT)"),
 * and the FADT fields the platform tests use. Physical addresses are used
 * directly (the boot page tables identity-map 0-4 GiB). */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include "types.h"

struct acpi_rsdp {
	char signature[8];      /* "RSD PTR " */
	u8 checksum;            /* over the first 20 bytes */
	char oem_id[6];
	u8 revision;            /* 0: ACPI 1.0 (RSDT only); 2: XSDT present */
	u32 rsdt;
	u32 length;             /* revision >= 2 */
	u64 xsdt;
	u8 ext_checksum;        /* over `length` bytes */
	u8 reserved[3];
} __attribute__((packed));

struct acpi_sdt {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __attribute__((packed));

/* FADT byte offsets (ACPI "Fixed ACPI Description Table (FADT)") */
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT          40
#define FADT_SCI_INT       46
#define FADT_SMI_CMD       48
#define FADT_ACPI_ENABLE   52
#define FADT_PM1A_EVT_BLK  56
#define FADT_PM1A_CNT_BLK  64
#define FADT_PM_TMR_BLK    76
#define FADT_PM_TMR_LEN    91
#define FADT_FLAGS         112
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT        140
#define FADT_F_TMR_VAL_EXT (1u << 8)

#define ACPI_PM_TIMER_HZ 3579545u

/* sum of `len` bytes (0 for a valid table) */
u8 acpi_checksum(const void *p, u32 len);
/* scan 0xe0000-0xfffff on 16-byte boundaries; NULL if absent */
struct acpi_rsdp *acpi_find_rsdp(void);
/* the table with signature `sig` listed in the RSDT (use_xsdt false) or
 * the XSDT; NULL if absent or the root table is bad */
struct acpi_sdt *acpi_find_table(const char *sig, bool use_xsdt);

static inline u8 acpi_u8(const void *t, u32 off) { return ((const u8 *)t)[off]; }
static inline u16 acpi_u16(const void *t, u32 off) { return *(const u16 *)((const u8 *)t + off); }
static inline u32 acpi_u32(const void *t, u32 off) { return *(const u32 *)((const u8 *)t + off); }
static inline u64 acpi_u64(const void *t, u32 off) { return *(const u64 *)((const u8 *)t + off); }

#endif
