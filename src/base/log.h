/* base/log.h: per-category diagnostics (-d exec,int,mmu,cpu,dev,...); free when off. */
#ifndef NESTBOX_BASE_LOG_H
#define NESTBOX_BASE_LOG_H

#include "base/compiler.h"
#include "base/types.h"

/* X(name) — one row per log category; `-d name[,name...]` turns them on. */
#define LOG_CATEGORIES(X) \
	X(exec) X(int) X(mmu) X(cpu) X(dev) X(vmx) X(svm) X(guest)

enum log_cat {
#define LOG_ENUM(n) LOG_##n,
	LOG_CATEGORIES(LOG_ENUM)
#undef LOG_ENUM
	LOG_NR
};

extern u32 log_mask;

/* is category `cat` (a bare name: exec, int, ...) on? one load and a test */
#define LOG_ON(cat) unlikely(log_mask & (1u << LOG_##cat))

/* returns 0, or -1 if a name in the comma-separated list is unknown or the
 * list names none (says why on stderr) */
int log_enable_list(const char *list);
/* -D FILE: log lines go to FILE instead of stderr (created, truncated);
 * returns 0, or -1 after printing why */
int log_open_file(const char *path);
void log_close_file(void);
/* -d guest: a byte the guest wrote to the debug console port (dev/debugcon.c)
 * on vCPU `cpu`; a line is logged at each newline (or when it is long) */
void log_guest_byte(unsigned cpu, u8 byte);
void log_write(enum log_cat cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a fatal host-side error: prints "nestbox: <msg>" and exits with status 1 */
noreturn_fn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* an internal invariant of nestbox (not a guest error), checked in debug
 * builds only: a violation is a nestbox bug and stops the run */
#ifdef DEBUG
#define DEBUG_ASSERT(x) \
	do { \
		if (!(x)) \
			die("%s:%d: internal check failed: %s", __FILE__, __LINE__, #x); \
	} while (0)
#else
#define DEBUG_ASSERT(x) do { } while (0)
#endif

#define LOG(cat, ...)                                                   \
	do {                                                            \
		if (LOG_ON(cat))                                        \
			log_write(LOG_##cat, __VA_ARGS__);              \
	} while (0)

#endif
