/* dev/lapic.h: the local APIC of each vCPU (SDM Vol.3A "Advanced
 * Programmable Interrupt Controller (APIC)"), in xAPIC (MMIO page) and
 * x2APIC (MSR) modes, with its timer. The CPU reaches it only through
 * struct apic_ops (cpu/cpu.h); other devices (IOAPIC, PIC, MSI) use the
 * functions here.
 *
 * Timer clock: the APIC timer counts at 1 GHz before the divider, one tick
 * per virtual nanosecond (machine/clock.h), as QEMU's does. */
#ifndef NESTBOX_DEV_LAPIC_H
#define NESTBOX_DEV_LAPIC_H

#include "machine/machine.h"
#include "snap/state.h"

struct lapic;

#define APIC_DEFAULT_BASE 0xfee00000ull

/* xAPIC register offsets (APIC_SPIV, APIC_LVT_LINT0, ...), from the one
 * register table */
enum lapic_reg {
#define R(name, off, xa, x2a) APIC_##name = off,
#include "dev/lapic_regs.def"
#undef R
};

/* IA32_APIC_BASE (SDM Vol.3A "Local APIC Status and Location") */
#define MSR_IA32_APIC_BASE   0x1b
#define APIC_BASE_BSP        BIT(8)
#define APIC_BASE_EXTD       BIT(10)
#define APIC_BASE_EN         BIT(11)
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST     0x800
#define MSR_X2APIC_LAST      0x8ff

/* Delivery modes (SDM Vol.3A "Interrupt Command Register (ICR)") */
enum apic_delivery_mode {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_REMOTE_READ = 3,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_STARTUP = 6,
	APIC_DM_EXTINT = 7,
};

/* Destination shorthands (ICR bits 19:18) */
enum apic_shorthand {
	APIC_SH_NONE = 0,
	APIC_SH_SELF = 1,
	APIC_SH_ALL_INCL = 2,
	APIC_SH_ALL_EXCL = 3,
};

/* An interrupt message on the APIC bus: an IPI from an ICR, or (later) an
 * IOAPIC redirection or an MSI. */
struct apic_msg {
	u32 dest;          /* APIC ID / logical destination */
	bool dest_x2;      /* dest is 32 bits (sender in x2APIC mode): 0xffffffff broadcasts; else 0xff */
	bool dest_logical;
	u8 shorthand;      /* enum apic_shorthand; needs a sender */
	u8 delivery_mode;  /* enum apic_delivery_mode */
	u8 vector;
	bool level;        /* ICR level (assert) bit: INIT de-assert has it clear */
	bool trigger_level;/* level-triggered (sets TMR) */
};

/* Create the local APIC of vCPU c: sets c->apic and c->apic_ops, puts the
 * APIC in its RESET state (c->index is the APIC ID; vCPU 0 is the BSP) and
 * registers the xAPIC MMIO page at 0xfee00000 (once per machine). */
struct lapic *lapic_create(struct machine *m, struct cpu *c);
/* RESET (power-up) state. */
void lapic_reset(struct lapic *a);

/* Send msg from src (NULL: from a device) to every APIC it names. */
void lapic_deliver(struct machine *m, struct lapic *src, const struct apic_msg *msg);

/* LINT0/LINT1 input pins (pin 0 or 1), for the PIC and NMI sources: a
 * rising edge (or a high level for level-triggered fixed delivery) delivers
 * through the pin's LVT entry. */
void lapic_set_lint(struct lapic *a, int pin, int level);

/* Hooks for devices written later: an 8259 answering ExtINT requests
 * (pending: vector or -1; ack: vector), and the IOAPIC seeing EOIs of
 * level-triggered interrupts. */
typedef int lapic_extint_fn(struct machine *m);
typedef void lapic_eoi_fn(struct machine *m, u8 vector);
void lapic_set_extint_hooks(struct machine *m, lapic_extint_fn *pending, lapic_extint_fn *ack);
void lapic_set_eoi_hook(struct machine *m, lapic_eoi_fn *fn);

/* What a snapshot saves of one local APIC (section "cpuN.lapic"), with its
 * check and loaded hook. */
extern const struct snap_desc lapic_snap;

/* State queries for the machine, debuggers and tests. */
u32 lapic_id(const struct lapic *a);      /* x2APIC ID (initial APIC ID) */
bool lapic_hw_enabled(const struct lapic *a);
bool lapic_x2apic_mode(const struct lapic *a);
/* raw register read by xAPIC offset (0x000-0x3f0), no side effects */
u32 lapic_peek(const struct lapic *a, u32 offset);

#endif
