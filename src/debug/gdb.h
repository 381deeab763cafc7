/* debug/gdb.h: the gdb remote stub (-s, -gdb tcp::PORT, -S).
 *
 * One stub per process, on one TCP connection bound to 127.0.0.1. Each
 * vCPU is a gdb thread (thread id = vCPU index + 1). The stub runs on the
 * machine's own thread: when the guest stops (breakpoint, watchpoint,
 * single step, Ctrl-C, attach) nestbox serves gdb's packets right there
 * until gdb resumes it, so nothing in the machine moves while gdb looks:
 * virtual time stands still, and a run with a debugger attached retires
 * the same instructions in the same order as one without (breakpoints are
 * kept by the stub, never written into guest memory). */
#ifndef NESTBOX_DEBUG_GDB_H
#define NESTBOX_DEBUG_GDB_H

#include "base/types.h"

struct cpu;
struct machine;

/* instructions between two looks at the connection (Ctrl-C, a new gdb) */
#define GDB_POLL_INSNS 1000000ull

/* Parse "tcp::PORT", "tcp:127.0.0.1:PORT" or "tcp:localhost:PORT" (PORT 0:
 * any free port). Returns the port, or -1 if spec is not one of those. */
int gdb_parse_spec(const char *spec);
/* Listen on 127.0.0.1:port and print where on stderr; with wait (-S),
 * block until gdb connects and then serve it until it resumes the guest.
 * Returns 0, or -1 after printing why. */
int gdb_start(struct machine *m, int port, bool wait);
bool gdb_active(void);
/* at a pause between instructions (main.c, every GDB_POLL_INSNS): accept
 * a connection (the guest stops for it), or stop on a Ctrl-C */
void gdb_poll(struct machine *m);
/* the run ended with host exit status `status`: tell gdb, close */
void gdb_run_ended(struct machine *m, int status);
/* the step loop's hook (debug/hook.h): breakpoints, watchpoints, steps;
 * true: skip the instruction (a rewind was asked for) */
bool gdb_before_insn(struct cpu *c);
bool gdb_connected(void);
/* gdb asked to go back (reverse-stepi / reverse-continue) from instruction
 * count *from: main.c rewinds (debug/reverse.c), then calls gdb_rewound */
bool gdb_rev_pending(bool *step, u64 *from);
/* the machine was rebuilt where gdb wanted it: report `reply`, serve gdb */
void gdb_rewound(struct machine *m, const char *reply);
/* reverse-continue scans a stretch of history: breakpoint and watchpoint
 * hits are recorded (the last one wins), nothing stops */
void gdb_scan_begin(struct machine *m);
/* returns whether the scan hit something: its instruction count and the
 * stop reason for gdb's reply */
bool gdb_scan_end(u64 *icount, char *why, size_t len);

/* --- monitor commands (debug/gdb_monitor.c) --- */
struct gdb_mon;
/* print into the reply gdb shows the user */
void gdb_mon_printf(struct gdb_mon *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* run "monitor LINE" for vCPU c; output through gdb_mon_printf */
void gdb_monitor(struct gdb_mon *o, struct machine *m, struct cpu *c, const char *line);

#endif
