/* main.c: nestbox's entry point. Parse the command line, build the PC, load
 * the image, run it, and exit with the status the guest chose.
 *
 * Stdout carries only the guest's serial output (and the answers to probes
 * such as --help); nestbox's own messages go to stderr. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "debug/gdb.h"
#include "debug/hook.h"
#include "debug/reverse.h"
#include "dev/dev.h"
#include "machine/config.h"
#include "machine/machine.h"
#include "machine/snapshot.h"
#include "vmx/vmx.h"
#include "svm/svm.h"

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

/* How to build the missing demo: a binary in o/MODE/ has its demo built by
 * 'make MODE=MODE guests' ('make guests' is MODE=dbg). */
static void demo_hint(const char *demo, char *hint, size_t len)
{
	int dl = (int)(strlen(demo) - strlen("/" DEMO_IMAGE)); /* the binary's directory */
	int m = dl, o;
	while (m > 0 && demo[m - 1] != '/')
		m--;
	o = m - 1; /* the '/' before MODE */
	bool in_o = o >= 1 && demo[o - 1] == 'o' && (o == 1 || demo[o - 2] == '/');
	if (in_o && dl > m && !(dl - m == 3 && !strncmp(demo + m, "dbg", 3)))
		snprintf(hint, len, "make MODE=%.*s guests", dl - m, demo + m);
	else
		snprintf(hint, len, "make guests");
}

static void print_counters(const struct machine *m)
{
	unsigned end = (unsigned)m->end < ARRAY_SIZE(end_names) ? (unsigned)m->end : RUN_ERROR;
	fprintf(stderr, "nestbox: counters: end=%s exit_status=%d instructions=%llu "
		"virtual_ns=%llu\n", end_names[end], m->exit_status,
		(unsigned long long)machine_icount(m), (unsigned long long)m->clock.ns);
	vmx_print_counters(stderr);
	svm_print_counters(stderr);
	for (int i = 0; i < m->nr_cpus; i++)
		fprintf(stderr, "nestbox: counters: cpu%d instructions=%llu rip=%#llx\n", i,
			(unsigned long long)m->cpus[i]->icount,
			(unsigned long long)m->cpus[i]->rip);
}

/* does the existing file `out` name the same file as the input `in`? */
static bool same_file(const struct stat *out, const char *in)
{
	struct stat st;
	return stat(in, &st) == 0 && st.st_dev == out->st_dev && st.st_ino == out->st_ino;
}

/* An output file (-serial file:, -D) that is one of the inputs (-kernel,
 * -initrd, -snapshot-load) would be truncated when it is opened: refuse
 * it. Outputs are opened only after the inputs are read in any case.
 * Returns 0, or -1 after printing why. */
static int check_output(const char *opt, const char *out, const struct machine_config *cfg,
			const struct config_extra *ex)
{
	struct stat st;
	const char *inputs[2 + ARRAY_SIZE(cfg->initrd)];
	const char *what[ARRAY_SIZE(inputs)];
	char name[PATH_MAX];
	int n = 0;

	if (!out || stat(out, &st) < 0 || !S_ISREG(st.st_mode))
		return 0; /* a new file, /dev/null or a terminal cannot be an image */
	inputs[n] = cfg->kernel, what[n++] = "-kernel";
	inputs[n] = ex->snap_load, what[n++] = "-snapshot-load";
	for (int i = 0; i < cfg->nr_initrd; i++)
		inputs[n] = cfg->initrd[i], what[n++] = "-initrd";
	for (int i = 0; i < n; i++) {
		if (!inputs[i])
			continue;
		/* an -initrd module's name ends at its first space (loader.c) */
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(inputs[i], " "), inputs[i]);
		if (same_file(&st, name)) {
			fprintf(stderr, "nestbox: %s '%s' is the %s file '%s': refusing to "
				"overwrite an input\n", opt, out, what[i], name);
			return -1;
		}
	}
	return 0;
}

static void on_sigusr1(int sig)
{
	(void)sig;
	machine_request_pause();
}

/* Build the machine: from a snapshot, or fresh with the image loaded.
 * Returns 0, or -1 after printing why. */
static int build_machine(struct machine *m, struct machine_config *cfg,
			 const struct config_extra *ex)
{
	struct snap_file f;

	if (!ex->snap_load)
		return machine_init(m, cfg) == 0 && machine_load(m) == 0 ? 0 : -1;
	if (cfg->kernel) {
		fprintf(stderr, "nestbox: -snapshot-load: the snapshot holds the guest; leave "
			"-kernel out\n");
		return -1;
	}
	struct snapshot_given given = {
		.ram_size = ex->given_ram, .smp = ex->given_smp, .cpu = ex->given_cpu,
		.icount = ex->given_icount, .debug_exit = ex->given_debug_exit,
	};
	if (snapshot_open(&f, ex->snap_load, cfg, &given) < 0)
		return -1;
	int r = machine_init(m, cfg) == 0 && snapshot_apply(m, &f) == 0 ? 0 : -1;
	snap_file_free(&f);
	return r;
}

static int save(struct machine *m, const char *path, const char *when)
{
	if (snapshot_save(m, path) < 0)
		return -1;
	fprintf(stderr, "nestbox: snapshot saved to %s %s (instruction %llu)\n", path, when,
		(unsigned long long)machine_icount(m));
	return 0;
}

/* Run, saving snapshots where -snapshot-save asked, and pausing every
 * GDB_POLL_INSNS instructions for the gdb stub when there is one (a pause
 * changes nothing in the run: machine_run goes on exactly where it
 * stopped). Returns the exit status. */
static int run(struct machine *m, const struct config_extra *ex)
{
	u64 snap_at = ex->snap_save ? ex->snap_at_icount : UINT64_MAX;
	if (ex->snap_save && ex->snap_at_signal)
		signal(SIGUSR1, on_sigusr1);
	for (;;) {
		u64 now = machine_icount(m);
		bool back_step;
		u64 from;
		char reply[96];
		if (gdb_rev_pending(&back_step, &from)) {
			/* gdb went back in time (debug/reverse.c) */
			if (rev_go_back(m, from, back_step, reply, sizeof(reply)) < 0)
				return 1;
			gdb_rewound(m, reply);
			continue;
		}
		if (gdb_connected() && rev_checkpoint(m) < 0)
			return 1;
		m->pause_at = snap_at;
		if (gdb_active() && (snap_at == UINT64_MAX || snap_at - now > GDB_POLL_INSNS))
			m->pause_at = now + GDB_POLL_INSNS;
		int status = machine_run(m);
		if (m->paused && gdb_rev_pending(&back_step, &from))
			continue;
		if (!m->paused) {
			gdb_run_ended(m, status);
			if (snap_at != UINT64_MAX)
				fprintf(stderr, "nestbox: the run ended at instruction %llu, before "
					"at=%llu: no snapshot saved there\n",
					(unsigned long long)machine_icount(m),
					(unsigned long long)ex->snap_at_icount);
			if (ex->snap_save && ex->snap_at_end && save(m, ex->snap_save, "at the end") < 0)
				return 1;
			return status;
		}
		bool at_count = snap_at != UINT64_MAX && machine_icount(m) >= snap_at;
		if (!at_count && m->pause_at != snap_at && machine_icount(m) >= m->pause_at) {
			gdb_poll(m); /* a gdb poll point, not a snapshot */
			continue;
		}
		if (save(m, ex->snap_save, at_count ? "at the instruction count" : "on SIGUSR1") < 0)
			return 1;
		if (at_count)
			snap_at = UINT64_MAX;
		if (ex->snap_then_stop) {
			gdb_run_ended(m, 0);
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	struct machine_config cfg;
	struct config_extra ex;
	char *demo = NULL;

	int r = config_parse_ex(&cfg, &ex, argc, argv);
	if (r != CONFIG_RUN) {
		config_free(&cfg);
		config_free_extra(&ex);
		return r == CONFIG_DONE ? 0 : 1;
	}
	if (ex.log_list && log_enable_list(ex.log_list) < 0) {
		config_free(&cfg);
		config_free_extra(&ex);
		return 1;
	}
	if (ex.snap_layouts || ex.snap_info) {
		int rc = 0;
		if (ex.snap_layouts)
			snapshot_print_layouts(stdout);
		else
			rc = snapshot_info(ex.snap_info, ex.snap_info_full, stdout) < 0 ? 1 : 0;
		config_free(&cfg);
		config_free_extra(&ex);
		return rc;
	}
	if (!cfg.kernel && !ex.snap_load) {
		demo = demo_path(argc > 0 ? argv[0] : "nestbox");
		if (access(demo, R_OK) != 0) {
			char hint[64];
			demo_hint(demo, hint, sizeof(hint));
			fprintf(stderr, "nestbox: no -kernel IMAGE given, and the bundled demo "
				"guest '%s' is missing (build it with '%s', or give -kernel)\n", demo,
				hint);
			free(demo);
			config_free(&cfg);
			config_free_extra(&ex);
			return 1;
		}
		cfg.kernel = demo;
	}

	if (check_output("-serial file:", cfg.serial_path, &cfg, &ex) < 0 ||
	    check_output("-D", ex.log_file, &cfg, &ex) < 0 ||
	    (ex.log_file && log_open_file(ex.log_file) < 0)) {
		free(demo);
		config_free(&cfg);
		config_free_extra(&ex);
		return 1;
	}

	struct machine *m = calloc(1, sizeof(*m));
	if (!m)
		die("out of host memory");
	int status = 1;
	if (LOG_ON(exec))
		debug_insn_hook |= DEBUG_HOOK_EXEC; /* one instruction at a time */
	if (build_machine(m, &cfg, &ex) == 0 && uart_open_output(m) == 0 &&
	    (ex.gdb_port < 0 || gdb_start(m, ex.gdb_port, ex.gdb_wait) == 0)) {
		status = run(m, &ex);
		if (cfg.counters)
			print_counters(m);
	}
	fflush(stdout);
	rev_cleanup(); /* the reverse-execution checkpoints, on every way out */
	log_close_file();
	machine_free(m);
	free(m);
	free(demo);
	config_free(&cfg);
	config_free_extra(&ex);
	return status;
}
