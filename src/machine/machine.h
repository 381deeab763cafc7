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
	u8 linux_entry;        /* -linux-entry: 32 (0 = default) or 64 */
	bool serial_input;     /* -serial mon:stdio: COM1 receives stdin */
	bool no_vmport;        /* -machine vmport=off: no VMware backdoor port */
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

/* The scheduler's state (machine/machine.c), kept in the machine so that a
 * snapshot can stop the run between two instructions of a turn and go on
 * exactly where it stopped. */
struct sched {
	u64 rng;        /* splitmix64 state */
	u64 turn_end;   /* in a turn: the icount of its vCPU at which it ends */
	u64 turn_start; /* in a turn: that vCPU's icount when the turn began */
	u64 idle_since; /* virtual time since which no vCPU ran (UINT64_MAX: one did) */
	u64 idle_steps; /* idle skips since then */
	u32 pos;        /* index in order[] of the turn in progress or the next one;
	                 * nr_cpus: the round is over */
	u32 cur;        /* index of the vCPU m->cur points at */
	bool seeded;    /* a non-zero -seed with more than one vCPU */
	bool in_turn;   /* a turn was paused (snapshot) and goes on first */
	bool busy;      /* some vCPU ran or changed state in this round */
	u8 turn_act;    /* in a turn: its vCPU's activity when the turn began */
	u8 order[MACHINE_MAX_CPUS];
};

struct snap_desc;
extern const struct snap_desc sched_snap; /* section "sched" */

struct uart;
struct machine {
	struct machine_config cfg;
	struct physmem mem;
	struct cpu_model model;
	struct cpu *cpus[MACHINE_MAX_CPUS];
	int nr_cpus;
	struct cpu *cur;     /* the vCPU executing now (device callbacks use it) */
	struct vclock clock;
	struct sched sched;
	u64 pause_at;        /* machine_run pauses when the total icount reaches
	                      * this (UINT64_MAX: never) */
	bool paused;         /* machine_run returned because of pause_at or a
	                      * machine_request_pause() */
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
/* Run until the guest ends the run (returns the host exit status) or the
 * run pauses (m->paused set, returns 0): at m->pause_at, which may fall in
 * the middle of a vCPU's turn, or between two turns after
 * machine_request_pause(). Calling it again after a pause goes on exactly
 * as if it had never stopped. */
int machine_run(struct machine *m);
/* async-signal-safe: pause at the end of the current turn */
void machine_request_pause(void);
void machine_free(struct machine *m);

/* end the run (devices call this): stops every CPU at the next boundary */
void machine_end(struct machine *m, enum run_end why, int status, const char *msg);

/* total instructions retired on all CPUs */
u64 machine_icount(const struct machine *m);

#endif
