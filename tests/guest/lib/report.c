/* tests/guest/lib/report.c: PASS/FAIL/SKIP/INFO lines and the SUMMARY line
 * (PLATFORM.md "Reporting"), and the debug-exit port. */
#include "guest.h"

static unsigned tests, failures, xfailures, skipped;
static char prefixes[256];

void report_prefix_push(const char *prefix)
{
	size_t n = strlen(prefixes);

	snprintf(prefixes + n, sizeof(prefixes) - n, "%s: ", prefix);
}

void report_prefix_pop(void)
{
	size_t n = strlen(prefixes);

	if (n < 2)
		return;
	n -= 2; /* drop the trailing ": " and go back to the previous one */
	while (n && !(prefixes[n - 1] == ' ' && prefixes[n - 2] == ':'))
		n--;
	prefixes[n] = 0;
}

static void vreport_line(const char *kind, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("%s: %s%s\n", kind, prefixes, msg);
}

void report(bool pass, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!pass)
		failures++;
	va_start(ap, fmt);
	vreport_line(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
}

void report_xfail(bool xfail, bool pass, const char *fmt, ...)
{
	const char *kind;
	va_list ap;

	tests++;
	if (xfail) {
		kind = pass ? "XPASS" : "XFAIL";
		if (pass)
			failures++;
		else
			xfailures++;
	} else {
		kind = pass ? "PASS" : "FAIL";
		if (!pass)
			failures++;
	}
	va_start(ap, fmt);
	vreport_line(kind, fmt, ap);
	va_end(ap);
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	tests++;
	skipped++;
	va_start(ap, fmt);
	vreport_line("SKIP", fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport_line("INFO", fmt, ap);
	va_end(ap);
}

int report_summary(void)
{
	printf("SUMMARY: %u tests", tests);
	if (failures)
		printf(", %u unexpected failures", failures);
	if (xfailures)
		printf(", %u expected failures", xfailures);
	if (skipped)
		printf(", %u skipped", skipped);
	printf("\n");
	exit(failures ? 1 : 0);
}

noreturn void exit(int code)
{
	/* isa-debug-exit: the host sees (code << 1) | 1 */
	outl(code, 0xf4);
	/* no debug-exit device: fall back to the 0x8900 "Shutdown" port */
	for (const char *s = "Shutdown"; *s; s++)
		outb(*s, 0x8900);
	for (;;)
		asm volatile("cli; hlt");
}

noreturn void abort_test(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport_line("FAIL", fmt, ap);
	va_end(ap);
	exit(63);
}
