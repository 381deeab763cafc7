/* tests/guest/lib/guest.h: everything a guest test includes.
 *
 *   int main(int argc, char **argv) { ...; report(cond, "fmt", ...); return report_summary(); }
 *
 * main gets argv from the multiboot command line (argv[0] = image path) and
 * the environment from the first multiboot module (KEY=value lines). */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include "types.h"
#include "processor.h"
#include "desc.h"
#include "vm.h"
#include "boot_state.h"
#include "smp.h"

/* console (COM1 16550, polled) */
void serial_putc(char c);
void puts(const char *s);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* string.h subset */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
long atol(const char *s);
unsigned long strtoul(const char *s, char **end, int base);

/* reporting (PLATFORM.md "Reporting") */
void report(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* expected failure: XFAIL when !pass, XPASS (counted as failure) when pass */
void report_xfail(bool xfail, bool pass, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
/* prints SUMMARY and exits: code 0 when nothing failed, else 1 */
int report_summary(void);
/* write code to the debug-exit port (host status (code << 1) | 1) */
noreturn void exit(int code);
/* print a FAIL line and exit with 63 */
noreturn void abort_test(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define assert(cond)                                                              \
	do {                                                                      \
		if (!(cond))                                                      \
			abort_test("%s:%d: assert failed: %s", __FILE__, __LINE__, #cond); \
	} while (0)

/* environment from the initrd module */
extern int envc;
extern char *envp[];
const char *getenv(const char *name);
extern u32 mb_mem_upper; /* multiboot mem_upper (KiB above 1 MiB) */
extern u64 mb_ram_end;   /* end of the mmap RAM region holding 1 MiB (0: no mmap) */

int main(int argc, char **argv);

#endif
