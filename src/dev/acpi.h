/* dev/acpi.h: the ACPI tables nestbox leaves in guest RAM and the PIIX4
 * power-management I/O block, with the values of QEMU 7.2's `pc` machine
 * (i440FX + PIIX4 ACPI function, SeaBIOS's PM base). */
#ifndef NESTBOX_DEV_ACPI_H
#define NESTBOX_DEV_ACPI_H

#include "base/bits.h"
#include "machine/machine.h"

/* where the tables live: the reserved BIOS range of the E820 map
 * (PLATFORM.md), below the BIOS stubs at 0xff000 */
#define ACPI_TABLES_BASE 0xf0000u
#define ACPI_TABLES_END  0xff000u
#define ACPI_RSDP_ADDR   ACPI_TABLES_BASE

/* PIIX4 PM I/O block (PMBA = 0x600 as SeaBIOS programs it) */
#define ACPI_PM_BASE     0x600u
#define ACPI_PM1_STS     0x00u  /* 16 bits */
#define ACPI_PM1_EN      0x02u  /* 16 bits */
#define ACPI_PM1_CNT     0x04u  /* 16 bits */
#define ACPI_PM_TMR      0x08u  /* 32 bits, 24 of them count */
#define ACPI_PM_LEN      0x40u
#define ACPI_GPE0_BASE   0xafe0u /* QEMU's GPE0 block: STS (2 bytes), EN (2 bytes) */
#define ACPI_GPE0_LEN    4u

#define ACPI_SCI_IRQ     9
#define ACPI_SMI_CMD     0xb2u
#define ACPI_ENABLE_CMD  0xf1u  /* PIIX4: written to SMI_CMD, sets SCI_EN */
#define ACPI_DISABLE_CMD 0xf0u  /* clears SCI_EN */

/* ACPI "PM1 Status Registers" / "PM1 Enable Registers" */
#define ACPI_PM1_TMR_STS    BIT(0)
#define ACPI_PM1_GBL_STS    BIT(5)
#define ACPI_PM1_PWRBTN_STS BIT(8)
#define ACPI_PM1_RTC_STS    BIT(10)
#define ACPI_PM1_WAK_STS    BIT(15)
#define ACPI_FACS_WAKING_VECTOR 12u /* ACPI "Firmware ACPI Control Structure" */
/* ACPI "PM1 Control Registers" */
#define ACPI_PM1_SCI_EN     BIT(0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_EN     BIT(13)

/* ACPI "Power Management Timer": 3.579545 MHz */
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_PM_TIMER_MASK 0xffffffu /* 24-bit counter (FADT TMR_VAL_EXT = 0) */

/* SMI_CMD (port 0xb2) was written with `cmd`: the APM control port calls
 * this so that ACPI_ENABLE/ACPI_DISABLE set/clear SCI_EN as on PIIX4. */
void acpi_smi_cmd(struct machine *m, u8 cmd);
/* ACPI "Sleeping and Wake Control": a wake event (`sts`: the PM1 status
 * bit of its source, e.g. ACPI_PM1_RTC_STS from the RTC alarm) ends an S3
 * sleep if its enable bit (the same bit of PM1_EN) is set: WAK_STS and `sts`
 * are set and the machine resumes through the firmware (bios_s3_resume)
 * to the FACS waking vector. Outside S3 it does nothing. */
void acpi_wake_event(struct machine *m, u16 sts);
/* in S3 (a wake event can still come: the run must not end as halted) */
bool acpi_suspended(struct machine *m);
/* the PM timer's current 24-bit value (for tests and other devices) */
u32 acpi_pm_timer(struct machine *m);

/* dev/acpi_tables.c: write every table into guest RAM; returns the RSDP
 * address, or 0 if RAM does not reach the table area */
u32 acpi_build_tables(struct machine *m);
/* where acpi_build_tables puts the FACS for this machine */
u32 acpi_facs_addr(struct machine *m);

#endif
