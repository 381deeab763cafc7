/* tests/guest/lib/acpi.c: see acpi.h. */
#include "acpi.h"

#include "guest.h"

u8 acpi_checksum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 s = 0;

	for (u32 i = 0; i < len; i++)
		s += b[i];
	return s;
}

struct acpi_rsdp *acpi_find_rsdp(void)
{
	for (u64 a = 0xe0000; a < 0x100000; a += 16) {
		struct acpi_rsdp *r = (struct acpi_rsdp *)a;

		if (!memcmp(r->signature, "RSD PTR ", 8) && acpi_checksum(r, 20) == 0)
			return r;
	}
	return NULL;
}

struct acpi_sdt *acpi_find_table(const char *sig, bool use_xsdt)
{
	struct acpi_rsdp *r = acpi_find_rsdp();
	struct acpi_sdt *root;
	u32 esz = use_xsdt ? 8 : 4;

	if (!r || (use_xsdt && r->revision < 2))
		return NULL;
	root = (struct acpi_sdt *)(use_xsdt ? r->xsdt : (u64)r->rsdt);
	if (!root || memcmp(root->signature, use_xsdt ? "XSDT" : "RSDT", 4))
		return NULL;
	for (u32 off = sizeof(*root); off + esz <= root->length; off += esz) {
		u64 a = use_xsdt ? acpi_u64(root, off) : acpi_u32(root, off);
		struct acpi_sdt *t = (struct acpi_sdt *)a;

		if (a && !memcmp(t->signature, sig, 4))
			return t;
	}
	return NULL;
}
