/* debug/reverse.h: reverse execution for the gdb stub (reverse-stepi,
 * reverse-continue, and reverse-finish, which gdb builds from them).
 *
 * While gdb is attached, main.c saves a checkpoint (a snapshot, in a
 * private temporary directory) every REV_INTERVAL instructions, keeping the
 * newest REV_RING. Going back to instruction count N restores the newest
 * checkpoint at or before N and runs forward to N: the machine is
 * deterministic, so that is the state the run had there. Serial output is
 * not repeated: while the run is behind the furthest point it reached
 * (after a rewind), the UART drops what the guest writes. */
#ifndef NESTBOX_DEBUG_REVERSE_H
#define NESTBOX_DEBUG_REVERSE_H

#include "base/types.h"

struct machine;

#define REV_INTERVAL 10000000ull /* instructions between checkpoints */
#define REV_RING     8           /* checkpoints kept: REV_INTERVAL * REV_RING of history */

/* the run is at a pause between instructions: save a checkpoint if one is
 * due (returns -1 after printing why it could not) */
int rev_checkpoint(struct machine *m);
/* the instruction count of the next checkpoint (UINT64_MAX: none due) */
u64 rev_next_checkpoint(const struct machine *m);
/* the run is behind the furthest point it reached: do not repeat output */
bool rev_output_muted(const struct machine *m);
/* gdb changed registers or memory: checkpoints after now describe another
 * future, and output from here on is new */
void rev_diverged(const struct machine *m);
/* Go back, on a 1-vCPU machine at instruction count `from`: one instruction
 * (step) or to the last breakpoint or watchpoint hit before `from`.
 * Writes gdb's stop reply into reply. Returns 0, or -1 if the machine
 * could not be rebuilt (message printed; the run must end). */
int rev_go_back(struct machine *m, u64 from, bool step, char *reply, size_t len);
/* a rewind is running the machine forward (breakpoints do not stop it) */
bool rev_replaying(void);
/* remove the checkpoint files */
void rev_cleanup(void);

#endif
