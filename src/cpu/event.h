/* cpu/event.h: exception and interrupt delivery (SDM Vol.3A "Interrupt and
 * Exception Handling"), owned by cpu/event.c. */
#ifndef NESTBOX_CPU_EVENT_H
#define NESTBOX_CPU_EVENT_H

#include "cpu/cpu.h"

/* Event types, numbered as the VMX interruption-type field (SDM Vol.3C
 * "VM-Entry Controls for Event Injection") so VMX code can use them as is. */
enum event_type {
	EV_EXT_INTR = 0,
	EV_NMI = 2,
	EV_HW_EXC = 3,     /* fault/trap raised by the CPU */
	EV_SW_INT = 4,     /* INT n */
	EV_PRIV_SW_EXC = 5, /* INT1 (ICEBP) */
	EV_SW_EXC = 6,     /* INT3, INTO */
};

/* Deliver an event through the IDT in the current mode (real, protected,
 * long; with privilege change, IST, error code). For EV_HW_EXC, applies the
 * double-fault rules ("Interrupt 8—Double Fault Exception (#DF)") using
 * c->in_event; a fault during #DF delivery shuts the CPU down (triple
 * fault: cpu_shutdown). For software events
 * (EV_SW_INT, EV_SW_EXC, EV_PRIV_SW_EXC) the return address is
 * c->next_rip, else c->rip. On return c->rip and c->next_rip both hold the
 * handler's entry point.
 * May unwind through cpu_fault() if delivery itself faults; c->in_event
 * then stays nonzero (1 + enum event_type of the event being delivered,
 * c->first_vector its vector) so the next cpu_deliver() call applies the
 * double-fault rules. Whoever abandons a delivery otherwise (a VM exit)
 * must clear c->in_event. */
void cpu_deliver(struct cpu *c, u8 vector, enum event_type type, bool has_err, u32 err);

/* --- what devices may do to a vCPU (the only way they change its state) ---
 * Each latches an event the CPU takes at its next instruction boundary by
 * the SDM's priority rules (cpu_handle_events), and ends the vCPU's turn so
 * that the boundary comes at once. */
void cpu_raise_nmi(struct cpu *c);
void cpu_raise_smi(struct cpu *c);
void cpu_raise_init(struct cpu *c);
/* a SIPI is latched only in wait-for-SIPI or with an INIT still pending
 * (SDM "INIT and SIPI"); returns whether it was */
bool cpu_raise_sipi(struct cpu *c, u8 vector);
/* a maskable interrupt may have become deliverable (the APIC is asked) */
void cpu_raise_intr(struct cpu *c);

/* At an instruction boundary: deliver the highest-priority pending event
 * (SDM "Priority Among Simultaneous Exceptions and Interrupts"): pending
 * trap #DB, SMI, INIT, NMI, maskable interrupt (c->irq_pending/irq_ack),
 * honouring RFLAGS.IF, the STI/MOV SS shadow and NMI blocking. Wakes a
 * HLTed CPU. Returns true if an event was delivered or the CPU woke. */
bool cpu_handle_events(struct cpu *c);

/* true if cpu_handle_events would do something now */
bool cpu_event_ready(struct cpu *c);

#endif
