/* dev/acpi_tables.c: the ACPI tables of QEMU 7.2's `pc` machine written
 * into the reserved BIOS range [0xf0000, 0xff000) of guest RAM at machine
 * creation: RSDP (revision 2), RSDT, XSDT, FADT, FACS, DSDT, MADT, HPET,
 * WAET. The bytes depend only on the CPU count: the same machine gives the
 * same tables.
 *
 * Layout (each table 16-byte aligned, the FACS 64-byte aligned as ACPI
 * "Firmware ACPI Control Structure (FACS)" requires):
 *   RSDP, FACS, DSDT, FADT, MADT, HPET, WAET, RSDT, XSDT
 */
#include "dev/acpi.h"

#include <string.h>

#include "base/bits.h"
#include "base/log.h"
#include "dev/devpriv.h"

#define SDT_HDR_LEN 36
#define RSDP_LEN    36
#define FACS_LEN    64
#define FADT_LEN    244
#define HPET_LEN    56
#define WAET_LEN    40

#define ACPI_GAS_MEM 0
#define ACPI_GAS_IO  1

/* FADT "Fixed ACPI Description Table Fixed Feature Flags" QEMU pc sets,
 * plus RESET_REG_SUP since this FADT carries the 0xcf9 reset register */
#define FADT_F_WBINVD             BIT(0)
#define FADT_F_PROC_C1            BIT(2)
#define FADT_F_SLP_BUTTON         BIT(5)
#define FADT_F_RTC_S4             BIT(7)
#define FADT_F_RESET_REG_SUP      BIT(10)
#define FADT_F_USE_PLATFORM_CLOCK BIT(15)
#define FADT_F_FORCE_APIC_CLUSTER BIT(18) /* QEMU: when more than 8 CPUs */

/* MADT "Interrupt Controller Structure Types" */
#define MADT_LAPIC     0
#define MADT_IOAPIC    1
#define MADT_ISO       2
#define MADT_LAPIC_NMI 4
#define MADT_PCAT_COMPAT BIT(0)
#define MADT_LAPIC_ENABLED BIT(0)

/* AML opcodes (ACPI "ACPI Machine Language (AML) Specification") */
#define AML_ZERO     0x00
#define AML_ONE      0x01
#define AML_NAME     0x08
#define AML_BYTE     0x0a
#define AML_PACKAGE  0x12

/* the guest addresses of the tables being built */
struct acpi_layout {
	u32 rsdp, facs, dsdt, fadt, madt, hpet, waet, rsdt, xsdt, end;
	u32 fadt_flags;
};

static const char oem_id[6] = { 'B', 'O', 'C', 'H', 'S', ' ' };
static const char oem_table_id[8] = { 'B', 'X', 'P', 'C', ' ', ' ', ' ', ' ' };

static u8 checksum(const u8 *p, u32 len)
{
	u8 sum = 0;

	for (u32 i = 0; i < len; i++)
		sum += p[i];
	return (u8)-sum;
}

static u32 align_up(u32 v, u32 a)
{
	return (v + a - 1) & ~(a - 1);
}

/* ACPI "System Description Table Header"; the checksum is set by sdt_finish */
static void sdt_header(u8 *p, const char sig[4], u32 len, u8 rev)
{
	memcpy(p, sig, 4);
	store_le32(p + 4, len);
	p[8] = rev;
	p[9] = 0;
	memcpy(p + 10, oem_id, 6);
	memcpy(p + 16, oem_table_id, 8);
	store_le32(p + 24, 1);           /* OEM revision */
	memcpy(p + 28, "BXPC", 4);       /* creator ID */
	store_le32(p + 32, 1);           /* creator revision */
}

static void sdt_finish(u8 *p)
{
	p[9] = 0;
	p[9] = checksum(p, load_le32(p + 4));
}

/* ACPI "Generic Address Structure (GAS)" */
static void put_gas(u8 *p, u8 space, u8 bit_width, u64 addr)
{
	p[0] = space;
	p[1] = bit_width;
	p[2] = 0;       /* bit offset */
	p[3] = 0;       /* access size: undefined (legacy) */
	store_le64(p + 4, addr);
}

static u32 madt_len(int nr_cpus)
{
	u32 n = SDT_HDR_LEN + 8 + 8 * (u32)nr_cpus + 12 + 6;

#define ACPI_ISO(src, gsi, flags) n += 10;
#include "dev/acpi.def"
	return n;
}

/* the DSDT's AML body: Name (_Sx, Package (4) {typ, typ, 0, 0}) per row */
static u32 dsdt_body(u8 *p)
{
	u32 n = 0;

#define ACPI_SLEEP(name, typ, what)                                            \
	do {                                                                   \
		u8 v = (typ), ilen = v > 1 ? 2 : 1;                            \
		p[n++] = AML_NAME;                                             \
		memcpy(p + n, #name "_", 4);                                   \
		n += 4;                                                        \
		p[n++] = AML_PACKAGE;                                          \
		p[n++] = (u8)(2 + 2 * ilen + 2); /* PkgLength (1 byte form) */ \
		p[n++] = 4;                      /* NumElements */             \
		for (int k = 0; k < 2; k++) {                                  \
			if (v > 1)                                             \
				p[n++] = AML_BYTE;                             \
			p[n++] = v > 1 ? v : (v ? AML_ONE : AML_ZERO);         \
		}                                                              \
		p[n++] = AML_ZERO;                                             \
		p[n++] = AML_ZERO;                                             \
	} while (0);
#include "dev/acpi.def"
	return n;
}

static void layout(struct acpi_layout *t, int nr_cpus, u32 dsdt_len)
{
	t->rsdp = ACPI_RSDP_ADDR;
	t->facs = align_up(t->rsdp + RSDP_LEN, 64);
	t->dsdt = align_up(t->facs + FACS_LEN, 16);
	t->fadt = align_up(t->dsdt + dsdt_len, 16);
	t->madt = align_up(t->fadt + FADT_LEN, 16);
	t->hpet = align_up(t->madt + madt_len(nr_cpus), 16);
	t->waet = align_up(t->hpet + HPET_LEN, 16);
	t->rsdt = align_up(t->waet + WAET_LEN, 16);
	t->xsdt = align_up(t->rsdt + SDT_HDR_LEN + 4 * 4, 16);
	t->end = t->xsdt + SDT_HDR_LEN + 4 * 8;
	t->fadt_flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_RTC_S4 |
			FADT_F_RESET_REG_SUP | FADT_F_USE_PLATFORM_CLOCK |
			(nr_cpus > 8 ? FADT_F_FORCE_APIC_CLUSTER : 0);
}

/* ACPI "Root System Description Pointer (RSDP) Structure", revision 2 */
static void build_rsdp(u8 *p, const struct acpi_layout *t)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, oem_id, 6);
	p[15] = 2;
	store_le32(p + 16, t->rsdt);
	store_le32(p + 20, RSDP_LEN);
	store_le64(p + 24, t->xsdt);
	p[8] = checksum(p, 20);          /* over the ACPI 1.0 part */
	p[32] = checksum(p, RSDP_LEN);   /* extended checksum, over all */
}

static void build_facs(u8 *p)
{
	memcpy(p, "FACS", 4);
	store_le32(p + 4, FACS_LEN);
	/* hardware signature, waking vector, global lock, flags: 0 */
}

static void build_dsdt(u8 *p, u32 body_len)
{
	sdt_header(p, "DSDT", SDT_HDR_LEN + body_len, 1);
	dsdt_body(p + SDT_HDR_LEN);
	sdt_finish(p);
}

static void build_fadt(u8 *p, const struct acpi_layout *t)
{
	sdt_header(p, "FACP", FADT_LEN, 3);
#define ACPI_FADT(field, off, size, val) store_le(p + (off), size, (u64)(val));
#define ACPI_FADT_GAS(field, off, space, width, addr) put_gas(p + (off), space, width, addr);
#include "dev/acpi.def"
	sdt_finish(p);
}

/* ACPI "Multiple APIC Description Table (MADT)" */
static void build_madt(u8 *p, int nr_cpus)
{
	u32 n = SDT_HDR_LEN;

	sdt_header(p, "APIC", madt_len(nr_cpus), 1);
	store_le32(p + n, 0xfee00000);   /* local APIC address */
	store_le32(p + n + 4, MADT_PCAT_COMPAT);
	n += 8;
	for (int i = 0; i < nr_cpus; i++, n += 8) {
		p[n] = MADT_LAPIC;
		p[n + 1] = 8;
		p[n + 2] = (u8)i;        /* ACPI processor UID */
		p[n + 3] = (u8)i;        /* APIC ID = CPU index (dev/lapic.c) */
		store_le32(p + n + 4, MADT_LAPIC_ENABLED);
	}
	p[n] = MADT_IOAPIC;
	p[n + 1] = 12;
	p[n + 2] = 0;                    /* IOAPIC ID */
	p[n + 3] = 0;
	store_le32(p + n + 4, 0xfec00000);
	store_le32(p + n + 8, 0);        /* GSI base */
	n += 12;
#define ACPI_ISO(src, gsi, flags)                                              \
	p[n] = MADT_ISO;                                                       \
	p[n + 1] = 10;                                                         \
	p[n + 2] = 0;                    /* bus: ISA */                        \
	p[n + 3] = (src);                                                      \
	store_le32(p + n + 4, (gsi));                                          \
	store_le16(p + n + 8, (flags));                                        \
	n += 10;
#include "dev/acpi.def"
	p[n] = MADT_LAPIC_NMI;
	p[n + 1] = 6;
	p[n + 2] = 0xff;                 /* all processors */
	store_le16(p + n + 3, 0);        /* flags: conforms to the bus */
	p[n + 5] = 1;                    /* LINT1 */
	sdt_finish(p);
}

/* IA-PC HPET specification "ACPI table": QEMU's three-timer block */
static void build_hpet(u8 *p)
{
	sdt_header(p, "HPET", HPET_LEN, 1);
	store_le32(p + 36, 0x8086a201);  /* event timer block ID = capabilities[31:0] */
	put_gas(p + 40, ACPI_GAS_MEM, 0, 0xfed00000);
	p[52] = 0;                       /* HPET number */
	store_le16(p + 53, 0);           /* minimum clock tick */
	p[55] = 0;                       /* page protection */
	sdt_finish(p);
}

/* Windows ACPI Emulated Devices Table: "PM timer good" (one read suffices) */
static void build_waet(u8 *p)
{
	sdt_header(p, "WAET", WAET_LEN, 1);
	store_le32(p + 36, BIT(1));
	sdt_finish(p);
}

static void build_rsdt_xsdt(u8 *mem, const struct acpi_layout *t)
{
	const u32 entries[] = { t->fadt, t->madt, t->hpet, t->waet };
	u8 *r = mem + (t->rsdt - t->rsdp), *x = mem + (t->xsdt - t->rsdp);

	sdt_header(r, "RSDT", SDT_HDR_LEN + 4 * ARRAY_SIZE(entries), 1);
	sdt_header(x, "XSDT", SDT_HDR_LEN + 8 * ARRAY_SIZE(entries), 1);
	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		store_le32(r + SDT_HDR_LEN + 4 * i, entries[i]);
		store_le64(x + SDT_HDR_LEN + 8 * i, entries[i]);
	}
	sdt_finish(r);
	sdt_finish(x);
}

u32 acpi_facs_addr(struct machine *m)
{
	struct acpi_layout t;
	u8 body[64];

	layout(&t, m->nr_cpus, SDT_HDR_LEN + dsdt_body(body));
	return t.facs;
}

u32 acpi_build_tables(struct machine *m)
{
	struct acpi_layout t;
	u8 body[64];
	u32 body_len = dsdt_body(body);

	layout(&t, m->nr_cpus, SDT_HDR_LEN + body_len);
	if (t.end > ACPI_TABLES_END)
		die("acpi: tables overflow the BIOS area (%d CPUs)", m->nr_cpus);
	u8 *mem = physmem_ram_ptr(&m->mem, t.rsdp, t.end - t.rsdp);
	if (!mem)
		return 0;
	memset(mem, 0, t.end - t.rsdp);
	build_facs(mem + (t.facs - t.rsdp));
	build_dsdt(mem + (t.dsdt - t.rsdp), body_len);
	build_fadt(mem + (t.fadt - t.rsdp), &t);
	build_madt(mem + (t.madt - t.rsdp), m->nr_cpus);
	build_hpet(mem + (t.hpet - t.rsdp));
	build_waet(mem + (t.waet - t.rsdp));
	build_rsdt_xsdt(mem, &t);
	build_rsdp(mem, &t);
	return t.rsdp;
}
