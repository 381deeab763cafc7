/* main.c: nestbox's entry point. Parse the command line, build the PC, load
 * the image, run it, and exit with the status the guest chose.
 *
 * Stdout carries only the guest's serial output (and the answers to probes
 * such as --help); nestbox's own messages go to stderr. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "machine/config.h"
#include "machine/machine.h"

#define DEMO_IMAGE "tests/guest/demo.elf"

static const char *const end_names[] = {
	[RUN_GOING] = "running",
	[RUN_DEBUG_EXIT] = "debug-exit",
	[RUN_SHUTDOWN] = "shutdown",
	[RUN_TRIPLE_FAULT] = "triple-fault",
	[RUN_HALTED] = "halted",
	[RUN_RESET] = "reset",
	[RUN_LIMIT] = "insn-limit",
	[RUN_ERROR] = "error",
};

/* The bundled demo guest sits beside the binary: o/$(MODE)/nestbox and
 * o/$(MODE)/tests/guest/demo.elf. Returns a malloc'd path. */
static char *demo_path(const char *argv0)
{
	char self[PATH_MAX];
	const char *exe = argv0;
	if (!strchr(argv0, '/')) { /* found on $PATH: ask the kernel where */
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = 0;
			exe = self;
		}
	}
	const char *slash = strrchr(exe, '/');
	int dirlen = slash ? (int)(slash - exe) : 1;
	const char *dir = slash ? exe : ".";
	size_t len = (size_t)dirlen + 1 + sizeof(DEMO_IMAGE);
	char *path = malloc(len);
	if (!path)
		die("out of host memory");
	snprintf(path, len, "%.*s/%s", dirlen, dir, DEMO_IMAGE);
	return path;
}

static void print_counters(const struct machine *m)
{
	unsigned end = (unsigned)m->end < ARRAY_SIZE(end_names) ? (unsigned)m->end : RUN_ERROR;
	fprintf(stderr, "nestbox: counters: end=%s exit_status=%d instructions=%llu "
		"virtual_ns=%llu\n", end_names[end], m->exit_status,
		(unsigned long long)machine_icount(m), (unsigned long long)m->clock.ns);
	for (int i = 0; i < m->nr_cpus; i++)
		fprintf(stderr, "nestbox: counters: cpu%d instructions=%llu rip=%#llx\n", i,
			(unsigned long long)m->cpus[i]->icount,
			(unsigned long long)m->cpus[i]->rip);
}

int main(int argc, char **argv)
{
	struct machine_config cfg;
	struct config_extra ex;
	char *demo = NULL;

	int r = config_parse_ex(&cfg, &ex, argc, argv);
	if (r != CONFIG_RUN) {
		config_free(&cfg);
		return r == CONFIG_DONE ? 0 : 1;
	}
	if (ex.log_list && log_enable_list(ex.log_list) < 0) {
		config_free(&cfg);
		return 1;
	}
	if (!cfg.kernel) {
		demo = demo_path(argc > 0 ? argv[0] : "nestbox");
		if (access(demo, R_OK) != 0) {
			fprintf(stderr, "nestbox: no -kernel IMAGE given, and the bundled demo "
				"guest '%s' is missing (build it with 'make guests')\n", demo);
			free(demo);
			config_free(&cfg);
			return 1;
		}
		cfg.kernel = demo;
	}

	struct machine *m = calloc(1, sizeof(*m));
	if (!m)
		die("out of host memory");
	int status = 1;
	if (machine_init(m, &cfg) == 0 && machine_load(m) == 0) {
		status = machine_run(m);
		if (cfg.counters)
			print_counters(m);
	}
	fflush(stdout);
	machine_free(m);
	free(m);
	free(demo);
	config_free(&cfg);
	return status;
}
