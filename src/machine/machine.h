/* machine/machine.h: the PC: RAM, devices, vCPUs, clock, and the run loop. */
#ifndef NESTBOX_MACHINE_MACHINE_H
#define NESTBOX_MACHINE_MACHINE_H

#include "cpu/cpu.h"
#include "cpu/model.h"
#include "machine/clock.h"
#include "mem/physmem.h"

#define MACHINE_MAX_CPUS 64

/* what the command line asked for (machine/config.c fills it) */
struct machine_config {
	const char *kernel;
	const char *append;
	const char *initrd[8];
	int nr_initrd;
	u64 ram_size;
	int smp;
	const char *cpu_spec;  /* "-cpu" text */
	const char *serial_path; /* NULL = stdout */
	u64 seed;
	u32 icount_shift;
	bool no_reboot;
	bool debug_exit;       /* isa-debug-exit present (always on by default) */
	u16 debug_exit_port;
	bool counters;         /* print end-of-run counters to stderr */
	u64 max_insns;         /* stop after this many instructions (0 = no limit) */
};

enum run_end {
	RUN_GOING,
	RUN_DEBUG_EXIT,  /* isa-debug-exit write: exit status (code << 1) | 1 */
	RUN_SHUTDOWN,    /* 0x8900 "Shutdown", ACPI poweroff */
	RUN_TRIPLE_FAULT,
	RUN_HALTED,      /* every CPU halted with nothing that could wake it */
	RUN_RESET,       /* reset requested with -no-reboot */
	RUN_LIMIT,       /* -max-insns reached */
	RUN_ERROR,
};

struct uart;
struct machine {
	struct machine_config cfg;
	struct physmem mem;
	struct cpu_model model;
	struct cpu *cpus[MACHINE_MAX_CPUS];
	int nr_cpus;
	struct cpu *cur;     /* the vCPU executing now (device callbacks use it) */
	struct vclock clock;
	enum run_end end;
	int exit_status;     /* host exit status when end != RUN_GOING */
	char end_msg[160];
	struct uart *uart;
	void *devs[32];      /* device-private state, owned by dev/ */
};

/* create RAM, CPUs and devices from cfg; returns 0 or -1 (message printed) */
int machine_init(struct machine *m, const struct machine_config *cfg);
/* load the kernel and set up the boot CPU state; returns 0 or -1 */
int machine_load(struct machine *m);
/* run until the guest ends the run; returns the host exit status */
int machine_run(struct machine *m);
void machine_free(struct machine *m);

/* end the run (devices call this): stops every CPU at the next boundary */
void machine_end(struct machine *m, enum run_end why, int status, const char *msg);

/* total instructions retired on all CPUs */
u64 machine_icount(const struct machine *m);

#endif
