/* tests/unit/acpi_test.c: the ACPI tables (dev/acpi_tables.c) parsed back
 * from guest RAM the way an OS finds them, and the PIIX4 PM block
 * (dev/acpi.c): PM timer rate and wrap, TMR_STS and the SCI, SLP_TYP/SLP_EN
 * poweroff, SCI_EN through SMI_CMD, GPE0. A whole machine (machine_init)
 * with no vCPU running; virtual time is moved by hand (m.clock.ns). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

#include "base/bits.h"
#include "dev/acpi.h"
#include "machine/machine.h"

#define NR_CPUS 3

static int setup(void **state)
{
	*state = h_new(NR_CPUS);
	return 0;
}

static int teardown(void **state)
{
	h_delete(*state);
	return 0;
}

static const u8 *gpa(struct harness *f, u64 a, u64 len)
{
	const u8 *p = physmem_ram_ptr(&f->m.mem, a, len);

	assert_non_null(p);
	return p;
}

static u8 sum(const u8 *p, u32 len)
{
	u8 s = 0;

	for (u32 i = 0; i < len; i++)
		s += p[i];
	return s;
}

/* the RSDP as an OS finds it: "RSD PTR " on a 16-byte boundary in the
 * BIOS area 0xe0000-0xfffff with a valid ACPI 1.0 checksum */
static u64 find_rsdp(struct harness *f)
{
	for (u64 a = 0xe0000; a < 0x100000; a += 16) {
		const u8 *p = gpa(f, a, 20);

		if (!memcmp(p, "RSD PTR ", 8) && sum(p, 20) == 0)
			return a;
	}
	return 0;
}

/* a table by signature through the RSDT (xsdt false) or the XSDT */
static u64 find_table(struct harness *f, const char *sig, bool xsdt)
{
	const u8 *rsdp = gpa(f, find_rsdp(f), 36);
	u64 root = xsdt ? load_le64(rsdp + 24) : load_le32(rsdp + 16);
	const u8 *t = gpa(f, root, 36);
	u32 len = load_le32(t + 4), esz = xsdt ? 8 : 4;

	assert_memory_equal(t, xsdt ? "XSDT" : "RSDT", 4);
	t = gpa(f, root, len);
	assert_int_equal(sum(t, len), 0);
	for (u32 off = 36; off + esz <= len; off += esz) {
		u64 a = xsdt ? load_le64(t + off) : load_le32(t + off);
		const u8 *e = gpa(f, a, 36);

		if (!memcmp(e, sig, 4))
			return a;
	}
	return 0;
}

static void test_rsdp(void **state)
{
	struct harness *f = *state;
	u64 a = find_rsdp(f);

	assert_int_equal(a, ACPI_RSDP_ADDR);
	assert_true(a >= 0xf0000 && a < 0xff000);   /* not over the BIOS stubs */
	const u8 *p = gpa(f, a, 36);
	assert_int_equal(p[15], 2);                  /* revision 2: XSDT present */
	assert_int_equal(load_le32(p + 20), 36);
	assert_int_equal(sum(p, 36), 0);             /* extended checksum */
	assert_memory_equal(p + 9, "BOCHS ", 6);
	assert_int_not_equal(load_le32(p + 16), 0);
	assert_int_equal(load_le64(p + 24) >> 32, 0);
}

static void test_every_table_checksums(void **state)
{
	struct harness *f = *state;
	static const char *const sigs[] = { "FACP", "APIC", "HPET", "WAET" };

	for (size_t i = 0; i < 4; i++) {
		u64 r = find_table(f, sigs[i], false), x = find_table(f, sigs[i], true);
		assert_int_not_equal(r, 0);
		assert_int_equal(r, x);              /* RSDT and XSDT agree */
		const u8 *t = gpa(f, r, 36);
		u32 len = load_le32(t + 4);
		assert_int_equal(sum(gpa(f, r, len), len), 0);
		assert_memory_equal(t + 10, "BOCHS BXPC    ", 14);
		assert_true(r + len <= 0xff000);
	}
	assert_int_equal(find_table(f, "DSDT", false), 0); /* only through the FADT */
}

static void test_madt(void **state)
{
	struct harness *f = *state;
	u64 a = find_table(f, "APIC", true);
	const u8 *t = gpa(f, a, load_le32(gpa(f, a, 8) + 4));
	u32 len = load_le32(t + 4);
	int cpus = 0, ioapics = 0, isos = 0, nmis = 0;
	u8 iso_src[8];
	u32 iso_gsi[8];
	u16 iso_flags[8];

	assert_int_equal(load_le32(t + 36), 0xfee00000);
	assert_int_equal(load_le32(t + 40), 1);      /* PCAT_COMPAT */
	for (u32 off = 44; off < len; off += t[off + 1]) {
		const u8 *e = t + off;

		assert_true(e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[2], cpus);
			assert_int_equal(e[3], cpus);
			assert_int_equal(load_le32(e + 4), 1);
			cpus++;
			break;
		case 1:
			assert_int_equal(e[2], 0);
			assert_int_equal(load_le32(e + 4), 0xfec00000);
			assert_int_equal(load_le32(e + 8), 0);
			ioapics++;
			break;
		case 2:
			assert_true(isos < 8);
			assert_int_equal(e[2], 0);
			iso_src[isos] = e[3];
			iso_gsi[isos] = load_le32(e + 4);
			iso_flags[isos] = load_le16(e + 8);
			isos++;
			break;
		case 4:
			assert_int_equal(e[2], 0xff);
			assert_int_equal(e[5], 1);
			nmis++;
			break;
		default:
			fail();
		}
	}
	assert_int_equal(cpus, NR_CPUS);
	assert_int_equal(ioapics, 1);
	assert_int_equal(nmis, 1);
	assert_int_equal(isos, 5);
	assert_int_equal(iso_src[0], 0);
	assert_int_equal(iso_gsi[0], 2);
	assert_int_equal(iso_flags[0], 0);
	static const u8 lvl[] = { 5, 9, 10, 11 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(iso_src[i + 1], lvl[i]);
		assert_int_equal(iso_gsi[i + 1], lvl[i]);
		assert_int_equal(iso_flags[i + 1], 0xd);  /* active high, level */
	}
}

static void test_fadt_facs_dsdt(void **state)
{
	struct harness *f = *state;
	u64 a = find_table(f, "FACP", false);
	const u8 *t = gpa(f, a, 244);

	assert_int_equal(load_le32(t + 4), 244);
	assert_int_equal(t[8], 3);
	assert_int_equal(load_le16(t + 46), 9);      /* SCI_INT */
	assert_int_equal(load_le32(t + 48), 0xb2);   /* SMI_CMD */
	assert_int_equal(t[52], 0xf1);
	assert_int_equal(t[53], 0xf0);
	assert_int_equal(load_le32(t + 56), 0x600);  /* PM1a_EVT_BLK */
	assert_int_equal(load_le32(t + 64), 0x604);  /* PM1a_CNT_BLK */
	assert_int_equal(load_le32(t + 76), 0x608);  /* PM_TMR_BLK */
	assert_int_equal(t[88], 4);
	assert_int_equal(t[89], 2);
	assert_int_equal(t[91], 4);
	assert_int_equal(load_le16(t + 109), 0);     /* IAPC_BOOT_ARCH: no 8042 */
	assert_int_equal(load_le32(t + 112) & BIT(8), 0); /* TMR_VAL_EXT: 24-bit */
	assert_int_equal(load_le32(t + 112) & 0x80a5, 0x80a5);
	/* X_ fields match the 32-bit ones */
	u32 facs = load_le32(t + 36), dsdt = load_le32(t + 40);
	assert_int_equal(load_le64(t + 132), facs);
	assert_int_equal(load_le64(t + 140), dsdt);
	assert_int_equal(load_le64(t + 148 + 4), 0x600);
	assert_int_equal(t[148], 1);                 /* system I/O */
	assert_int_equal(load_le64(t + 172 + 4), 0x604);
	assert_int_equal(load_le64(t + 208 + 4), 0x608);
	assert_int_equal(load_le64(t + 116 + 4), 0xcf9);
	/* FACS: 64-byte aligned, 64 bytes, no checksum */
	assert_int_equal(facs & 63, 0);
	assert_memory_equal(gpa(f, facs, 4), "FACS", 4);
	assert_int_equal(load_le32(gpa(f, facs, 8) + 4), 64);
	/* DSDT: header + AML, checksum */
	const u8 *d = gpa(f, dsdt, 36);
	u32 dlen = load_le32(d + 4);
	assert_memory_equal(d, "DSDT", 4);
	assert_true(dlen > 36);
	assert_int_equal(sum(gpa(f, dsdt, dlen), dlen), 0);
}

/* the \_Sx package's SLP_TYPa, parsed from the DSDT's AML */
static int dsdt_sleep_type(struct harness *f, const char *name)
{
	u32 dsdt = load_le32(gpa(f, find_table(f, "FACP", false), 44) + 40);
	const u8 *d = gpa(f, dsdt, load_le32(gpa(f, dsdt, 8) + 4));
	u32 len = load_le32(d + 4);

	for (u32 i = 36; i + 8 < len; i++) {
		if (d[i] != 0x08 || memcmp(d + i + 1, name, 4) || d[i + 5] != 0x12)
			continue;
		assert_int_equal(d[i + 7], 4);               /* NumElements */
		const u8 *e = d + i + 8;
		return e[0] == 0x0a ? e[1] : e[0];          /* BytePrefix, Zero/One */
	}
	return -1;
}

static void test_dsdt_sleep_states(void **state)
{
	struct harness *f = *state;

	assert_int_equal(dsdt_sleep_type(f, "_S5_"), 0);
	assert_int_equal(dsdt_sleep_type(f, "_S4_"), 2);
	assert_int_equal(dsdt_sleep_type(f, "_S3_"), 1);
	assert_int_equal(dsdt_sleep_type(f, "_S1_"), -1);
}

static void test_deterministic_and_cpu_count(void **state)
{
	struct harness *f = *state, *g = h_new(NR_CPUS), *h = h_new(9);

	assert_memory_equal(gpa(f, 0xf0000, 0xf000), gpa(g, 0xf0000, 0xf000), 0xf000);
	u64 a = find_table(h, "APIC", false);
	u32 len = load_le32(gpa(h, a, 8) + 4);
	int cpus = 0;
	const u8 *t = gpa(h, a, len);
	for (u32 off = 44; off < len; off += t[off + 1])
		cpus += t[off] == 0;
	assert_int_equal(cpus, 9);
	/* more than 8 CPUs: FORCE_APIC_CLUSTER_MODEL, as QEMU */
	assert_true(load_le32(gpa(h, find_table(h, "FACP", false) + 112, 4)) & BIT(18));
	assert_false(load_le32(gpa(f, find_table(f, "FACP", false) + 112, 4)) & BIT(18));
	h_delete(g);
	h_delete(h);
}

/* --- the PM block --- */

static u64 in(struct harness *f, u16 port, unsigned size) { return pio_read(&f->m.mem, port, size); }
static void out(struct harness *f, u16 port, unsigned size, u64 v) { pio_write(&f->m.mem, port, size, v); }

/* virtual ns at which the PM timer reaches `ticks` */
static u64 ns_at(u64 ticks) { return (ticks * 1000000000ull + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ; }

static void test_pm_timer_rate(void **state)
{
	struct harness *f = *state;

	f->m.clock.ns = 0;
	assert_int_equal(in(f, 0x608, 4), 0);
	f->m.clock.ns = 1000000000ull;               /* one virtual second */
	assert_int_equal(in(f, 0x608, 4), 3579545);
	f->m.clock.ns = 1000;                        /* 1 us = 3.58 ticks */
	assert_int_equal(in(f, 0x608, 4), 3);
	f->m.clock.ns = ns_at(0x1000005);            /* 24 bits: wraps */
	assert_int_equal(in(f, 0x608, 4), 5);
	f->m.clock.ns = ns_at(0xabcdef);
	assert_int_equal(in(f, 0x608, 1), 0xef);
	assert_int_equal(in(f, 0x609, 2), 0xabcd);
	out(f, 0x608, 4, 0);                         /* read-only */
	assert_int_equal(in(f, 0x608, 4), 0xabcdef);
}

static u8 slave_irr(struct harness *f)
{
	out(f, 0xa0, 1, 0x0a);
	return (u8)in(f, 0xa0, 1);
}

static void test_tmr_sts_and_sci(void **state)
{
	struct harness *f = *state;

	out(f, 0x4d1, 1, 0x02);                      /* ELCR: IRQ 9 level */
	f->m.clock.ns = 0;
	assert_int_equal(in(f, 0x600, 2) & 1, 0);
	f->m.clock.ns = ns_at(1u << 23) - 1;
	assert_int_equal(in(f, 0x600, 2) & 1, 0);
	f->m.clock.ns = ns_at(1u << 23);             /* bit 23 changes */
	assert_int_equal(in(f, 0x600, 2) & 1, 1);
	assert_int_equal(slave_irr(f) & 2, 0);       /* TMR_EN clear: no SCI */
	out(f, 0x602, 2, 1);                         /* TMR_EN: SCI now */
	assert_int_equal(in(f, 0x602, 2), 1);
	assert_int_equal(slave_irr(f) & 2, 2);
	out(f, 0x600, 2, 0);                         /* writing 0 changes nothing */
	assert_int_equal(in(f, 0x600, 2) & 1, 1);
	out(f, 0x600, 2, 1);                         /* write 1 to clear */
	assert_int_equal(in(f, 0x600, 2) & 1, 0);
	assert_int_equal(slave_irr(f) & 2, 0);
	/* next overflow at 2^24 ticks: the timer raises the SCI by itself */
	assert_true(clock_next_deadline(&f->m) <= ns_at(2u << 23));
	f->m.clock.ns = ns_at(2u << 23);
	clock_run_timers(&f->m);
	assert_int_equal(slave_irr(f) & 2, 2);
	out(f, 0x600, 2, 1);
	out(f, 0x602, 2, 0);
	assert_int_equal(slave_irr(f) & 2, 0);
	assert_int_equal(clock_next_deadline(&f->m), UINT64_MAX);
}

static void test_sleep_and_sci_en(void **state)
{
	struct harness *f = *state;

	assert_int_equal(in(f, 0x604, 2), 0);
	acpi_smi_cmd(&f->m, 0xf1);                    /* ACPI_ENABLE */
	assert_int_equal(in(f, 0x604, 2), 1);
	acpi_smi_cmd(&f->m, 0xf0);                    /* ACPI_DISABLE */
	assert_int_equal(in(f, 0x604, 2), 0);
	out(f, 0x604, 2, 1u << 10 | 1);               /* SLP_TYP=1 without SLP_EN */
	assert_int_equal(in(f, 0x604, 2), 1u << 10 | 1);
	out(f, 0x604, 2, 1u << 10 | 1u << 13);        /* S3: not modelled, run goes on */
	assert_int_equal(f->m.end, RUN_GOING);
	assert_int_equal(in(f, 0x604, 2), 1u << 10);  /* SLP_EN reads 0 */
	out(f, 0x604, 2, 0u << 10 | 1u << 13);        /* S5 (QEMU's _S5 type 0) */
	assert_int_equal(f->m.end, RUN_SHUTDOWN);
	assert_int_equal(f->m.exit_status, 0);
	f->m.end = RUN_GOING;
	out(f, 0x605, 1, (2u << 10 | 1u << 13) >> 8); /* S4, high byte only */
	assert_int_equal(f->m.end, RUN_SHUTDOWN);
}

static void test_gpe0(void **state)
{
	struct harness *f = *state;

	assert_int_equal(in(f, 0xafe0, 4), 0);
	out(f, 0xafe2, 2, 0x1234);
	assert_int_equal(in(f, 0xafe2, 2), 0x1234);
	out(f, 0xafe0, 2, 0xffff);                    /* STS: W1C, nothing pending */
	assert_int_equal(in(f, 0xafe0, 2), 0);
	assert_int_equal(in(f, 0xafe4, 1), 0xff);     /* outside the block */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rsdp),
		T(test_every_table_checksums),
		T(test_madt),
		T(test_fadt_facs_dsdt),
		T(test_dsdt_sleep_states),
		T(test_deterministic_and_cpu_count),
		T(test_pm_timer_rate),
		T(test_tmr_sts_and_sci),
		T(test_sleep_and_sci_en),
		T(test_gpe0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
