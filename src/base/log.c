/* base/log.c: category logging to stderr. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

u32 log_mask;

static const char *const log_names[LOG_NR] = {
#define LOG_NAME(n) #n,
	LOG_CATEGORIES(LOG_NAME)
#undef LOG_NAME
};

int log_enable_list(const char *list)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int i = 0; i < LOG_NR; i++) {
			if (!strcmp(tok, log_names[i]) || !strcmp(tok, "all")) {
				log_mask |= 1u << i;
				found = 1;
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
	return 0;
}

void log_write(enum log_cat cat, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "[%s] ", log_names[cat]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
