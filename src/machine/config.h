/* machine/config.h: the command line -> struct machine_config.
 *
 * nestbox accepts the subset of qemu-system-x86_64's options that test
 * runners use (DESIGN.md "Interfaces users expect", PLATFORM.md "The command
 * line test runners give"), both as -opt and --opt, plus a few of its own
 * (-seed, -icount, -d, -max-insns, -counters). Options that only tune QEMU
 * internals are accepted and ignored; options nestbox cannot honour fail
 * with a message naming the option. */
#ifndef NESTBOX_MACHINE_CONFIG_H
#define NESTBOX_MACHINE_CONFIG_H

#include "base/compiler.h"
#include "base/types.h"
#include "machine/machine.h"

#define NESTBOX_VERSION "0.1.0"

#define CONFIG_DEFAULT_RAM  (128ull << 20)
#define CONFIG_MIN_RAM      (2ull << 20)
#define CONFIG_MAX_RAM      (1ull << 40)
#define CONFIG_MAX_ICOUNT_SHIFT 10 /* as QEMU's -icount shift */

/* what config_parse() returns */
enum {
	CONFIG_ERROR = -1, /* message printed on stderr: exit status 1 */
	CONFIG_RUN = 0,    /* boot the machine */
	CONFIG_DONE = 1,   /* a probe (--help, -device help, ...) was answered: exit 0 */
};

/* Settings struct machine_config has no field for. */
struct config_extra {
	const char *log_list; /* -d cat[,cat] (main passes it to log_enable_list) */
	const char *name;     /* -name */
	bool serial_none;     /* -serial none/null (serial_path is then /dev/null) */
	int max_cpus;         /* -smp maxcpus= (defaults to the CPU count) */
	bool demo;            /* no -kernel: boot the bundled demo guest */
	u16 debug_exit_size;  /* -device isa-debug-exit,iosize= */
	/* machine-shaping options the command line gave (a snapshot's must agree) */
	bool given_ram, given_smp, given_cpu, given_icount, given_debug_exit;
	/* snapshots (docs/snapshot.md) */
	const char *snap_save;  /* -snapshot-save FILE (malloc'd) */
	u64 snap_at_icount;     /* at=N; UINT64_MAX: none */
	bool snap_at_end, snap_at_signal, snap_then_stop;
	const char *snap_load;  /* -snapshot-load FILE */
	const char *snap_info;  /* -snapshot-info / -snapshot-dump FILE */
	bool snap_info_full;
	bool snap_layouts;      /* -snapshot-layouts */
	/* debugging (README.md "Debugging") */
	const char *log_file;   /* -D FILE */
	int gdb_port;           /* -s, -gdb tcp::PORT (-1: no gdb stub) */
	bool gdb_wait;          /* -S: wait for gdb before the first instruction */
};

must_check int config_parse(struct machine_config *cfg, int argc, char **argv);
must_check int config_parse_ex(struct machine_config *cfg, struct config_extra *ex, int argc,
			       char **argv);

/* release what config_parse() allocated (the -initrd list; the snapshot
 * file name) */
void config_free(struct machine_config *cfg);
void config_free_extra(struct config_extra *ex);

/* QEMU size syntax ("128", "1.5G", "512M", "4096k", "0x1000B"): a number
 * with an optional B/K/M/G/T/P/E suffix (binary multiples); no suffix means
 * `unit` bytes. Returns 0, or -1 if s is not a size or overflows. */
must_check int config_parse_size(const char *s, u64 unit, u64 *bytes);

/* -smp [cpus=]N[,sockets=S][,dies=D][,clusters=C][,cores=C][,threads=T][,maxcpus=M]
 * Returns 0, or -1 with the reason in err. */
must_check int config_parse_smp(const char *s, int *cpus, int *max_cpus, char *err,
				unsigned errlen);

#endif
