/* dev/dev.h: device constructors. Each device: xxx_init(machine, ...),
 * registering its port/MMIO ranges with mem/physmem; private state is static
 * or allocated and hung in machine->devs. */
#ifndef NESTBOX_DEV_DEV_H
#define NESTBOX_DEV_DEV_H

#include <stdio.h>

#include "machine/machine.h"

void uart_init(struct machine *m, u16 base);          /* 16550 on COM1 */
void debugcon_init(struct machine *m);                /* port 0xe9: -d guest */
void uart_close(struct machine *m);                   /* flush and close its output */
/* open the -serial file (after the inputs are read); returns 0, or -1 after
 * printing why */
int uart_open_output(struct machine *m);
/* take the output stream out of the UART (it survives machine_free), and
 * give it to the UART of a rebuilt machine (debug/reverse.c) */
FILE *uart_detach_output(struct machine *m);
void uart_attach_output(struct machine *m, FILE *f);
/* -serial mon:stdio: is the host's stdin still read? Poll it (waiting up to
 * timeout_ms, -1: until a key) and pass keys to the receiver; returns the
 * number of bytes read. _busy polls at most once per virtual ms. */
bool uart_input_open(struct machine *m);
int uart_poll_input(struct machine *m, int timeout_ms);
void uart_poll_input_busy(struct machine *m);
void debug_exit_init(struct machine *m, u16 port);    /* isa-debug-exit */
void shutdown_port_init(struct machine *m);           /* 0x8900 "Shutdown" */
void fw_cfg_init(struct machine *m);                  /* 0x510/0x511 */
void pic_init(struct machine *m);                     /* 8259 pair 0x20/0xa0, ELCR 0x4d0 */
void misc_ports_init(struct machine *m);              /* 0x80, 0x92, 0x4d0, 0x60/0x64 */
void testdev_init(struct machine *m);                 /* 0xe0-0xe4, 0x2000+n, 0xff000000 MMIO */
void irq_init(struct machine *m);                     /* ISA IRQ routing (dev/irq.h) */
void ioapic_init(struct machine *m);                  /* 0xfec00000 */
void pit_init(struct machine *m);                     /* 0x40-0x43, 0x61 */
void rtc_init(struct machine *m);                     /* 0x70/0x71 */
void hpet_init(struct machine *m);                    /* 0xfed00000 */
void acpi_init(struct machine *m);                    /* tables in 0xe0000-0xfffff, PM block */
void pci_init(struct machine *m);                     /* 0xcf8/0xcfc, 0xcf9 */
void apm_init(struct machine *m);                     /* 0xb2/0xb3 */
void vmport_init(struct machine *m);                  /* 0x5658 VMware backdoor */

#endif
