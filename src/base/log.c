/* base/log.c: category logging to stderr, or to the -D file. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

u32 log_mask;
static FILE *log_file; /* -D FILE; NULL: stderr */

static FILE *log_out(void)
{
	return log_file ? log_file : stderr;
}

static const char *const log_names[LOG_NR] = {
#define LOG_NAME(n) #n,
	LOG_CATEGORIES(LOG_NAME)
#undef LOG_NAME
};

int log_enable_list(const char *list)
{
	char buf[256];
	int n = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int i = 0; i < LOG_NR; i++) {
			if (!strcmp(tok, log_names[i]) || !strcmp(tok, "all")) {
				log_mask |= 1u << i;
				found = 1;
				n++;
			}
		}
		if (!found) {
			fprintf(stderr, "nestbox: unknown log category '%s' (known:", tok);
			for (int i = 0; i < LOG_NR; i++)
				fprintf(stderr, " %s", log_names[i]);
			fprintf(stderr, ", all)\n");
			return -1;
		}
	}
	if (!n) {
		fprintf(stderr, "nestbox: -d '%s' names no log category (see -d help)\n", list);
		return -1;
	}
	return 0;
}

int log_open_file(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "nestbox: -D: cannot open log file '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	log_close_file();
	log_file = f;
	return 0;
}

void log_close_file(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

/* one partial line per vCPU (host-side output state, never guest state) */
#define GUEST_LINE 200
#define GUEST_CPUS 64
static char guest_line[GUEST_CPUS][GUEST_LINE + 1];
static unsigned guest_len[GUEST_CPUS];

void log_guest_byte(unsigned cpu, u8 byte)
{
	unsigned i = cpu % GUEST_CPUS;
	if (!LOG_ON(guest))
		return;
	if (byte != '\n' && byte != '\r')
		guest_line[i][guest_len[i]++] = (byte >= 0x20 && byte < 0x7f) ? (char)byte : '.';
	if (byte == '\n' || guest_len[i] == GUEST_LINE) {
		guest_line[i][guest_len[i]] = 0;
		log_write(LOG_guest, "cpu%u %s", cpu, guest_line[i]);
		guest_len[i] = 0;
	}
}

void log_write(enum log_cat cat, const char *fmt, ...)
{
	va_list ap;
	FILE *f = log_out();
	fprintf(f, "[%s] ", log_names[cat]);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

void die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("nestbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
