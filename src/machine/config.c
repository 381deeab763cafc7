/* machine/config.c: the QEMU-compatible command line (see config.h).
 *
 * One table row per option (name, argument, handler, help); --help is
 * printed from the same rows. Handlers return CONFIG_RUN, CONFIG_DONE (a
 * probe was answered) or CONFIG_ERROR after printing
 * "nestbox: -opt: <what is wrong>" on stderr. */
#include "machine/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cpu/model.h"
#include "debug/gdb.h"

struct parse {
	struct machine_config *cfg;
	struct config_extra *ex;
	const char *opt; /* the option being handled, as typed */
	int nr_serial;
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "nestbox: %s: ", p->opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CONFIG_ERROR;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die("out of host memory");
	return d;
}

/* an unsigned integer (decimal, 0x hex, 0 octal), nothing after it */
static int parse_u64(const char *s, u64 *v)
{
	char *end;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

/* Split "a,b=c,d" in place: returns the next item or NULL. */
static char *next_item(char **s)
{
	char *item = *s;
	if (!item)
		return NULL;
	char *comma = strchr(item, ',');
	if (comma)
		*comma++ = 0;
	*s = comma;
	return item;
}

/* "key=value" -> key, value ("key" alone -> value NULL) */
static char *split_kv(char *item, char **val)
{
	char *eq = strchr(item, '=');
	*val = NULL;
	if (eq) {
		*eq = 0;
		*val = eq + 1;
	}
	return item;
}

static bool is_help(const char *s)
{
	return !strcmp(s, "?") || !strcmp(s, "help");
}

/* --- sizes and -smp (public for tests) --- */

static int size_shift(char c)
{
	static const char units[] = "BKMGTPE";
	const char *u = c ? strchr(units, c >= 'a' && c <= 'z' ? c - 32 : c) : NULL;
	return u ? (int)(u - units) * 10 : -1;
}

/* QEMU's qemu_strtosz(): digits[.digits][suffix] or 0xhex[suffix] */
int config_parse_size(const char *s, u64 unit, u64 *bytes)
{
	u64 ip = 0, num = 0, den = 1, mul = unit;
	const char *q = s;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	char *end;

	if (!((*q >= '0' && *q <= '9') || *q == '.'))
		return -1;
	errno = 0;
	ip = strtoull(s, &end, hex ? 16 : 10);
	if (errno || end == s + (hex ? 2 : 0))
		return -1;
	q = end;
	if (*q == '.' && !hex) {
		for (q++; *q >= '0' && *q <= '9'; q++) {
			if (den <= UINT64_MAX / 100) { /* keep 18 digits; the rest cannot matter */
				num = num * 10 + (u64)(*q - '0');
				den *= 10;
			}
		}
	}
	if (*q) {
		int sh = size_shift(*q);
		if (sh < 0 || q[1] || (sh == 0 && den > 1))
			return -1; /* unknown suffix, junk after it, or fractional bytes */
		mul = 1ull << sh;
	}
	u64 whole, frac;
	if (__builtin_mul_overflow(ip, mul, &whole))
		return -1;
	/* mul is a power of two <= 2^60 and num < den <= 10^18: split to avoid overflow */
	frac = (u64)(((u128)num * mul) / den);
	if (__builtin_add_overflow(whole, frac, bytes))
		return -1;
	return 0;
}

static int smp_key(const char *key, u64 val, u64 *topo, u64 *cpus, u64 *maxcpus)
{
	static const char *const names[] = { "sockets", "dies", "clusters", "cores", "threads" };
	if (!strcmp(key, "cpus")) {
		*cpus = val;
		return 0;
	}
	if (!strcmp(key, "maxcpus")) {
		*maxcpus = val;
		return 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(key, names[i])) {
			topo[i] = val;
			return 0;
		}
	}
	return -1;
}

enum { SOCKETS, DIES, CLUSTERS, CORES, THREADS };

/* Fill in the missing levels of topo[]; returns their product. */
static u64 smp_topology(u64 *topo, u64 cpus, u64 *maxcpus)
{
	u64 product = 1;
	/* QEMU 7.2 (machine-smp.c, "prefer cores over sockets since 6.2"): with
	 * a CPU count, a missing cores (else sockets, then threads) count is
	 * derived from maxcpus (else cpus); others count 1. The product of the
	 * hierarchy must then equal maxcpus. */
	u64 total = *maxcpus ? *maxcpus : cpus;
	if (!total) {
		for (int i = 0; i < 5; i++)
			topo[i] = topo[i] ? topo[i] : 1;
	} else {
		*maxcpus = total;
		topo[DIES] = topo[DIES] ? topo[DIES] : 1;
		topo[CLUSTERS] = topo[CLUSTERS] ? topo[CLUSTERS] : 1;
		if (!topo[CORES]) {
			topo[SOCKETS] = topo[SOCKETS] ? topo[SOCKETS] : 1;
			topo[THREADS] = topo[THREADS] ? topo[THREADS] : 1;
			topo[CORES] = total / (topo[SOCKETS] * topo[DIES] * topo[CLUSTERS] *
					       topo[THREADS]);
		} else if (!topo[SOCKETS]) {
			topo[THREADS] = topo[THREADS] ? topo[THREADS] : 1;
			topo[SOCKETS] = total / (topo[DIES] * topo[CLUSTERS] * topo[CORES] *
						 topo[THREADS]);
		}
		if (!topo[THREADS])
			topo[THREADS] = total / (topo[SOCKETS] * topo[DIES] * topo[CLUSTERS] *
						 topo[CORES]);
	}
	for (int i = 0; i < 5; i++)
		product *= topo[i];
	return product;
}

int config_parse_smp(const char *s, int *cpus_out, int *max_out, char *err, unsigned errlen)
{
	u64 topo[5] = { 0 }, cpus = 0, maxcpus = 0, v;
	char *copy = xstrdup(s), *rest = copy, *item, *val;
	int ret = -1;

	for (int n = 0; (item = next_item(&rest)); n++) {
		char *key = split_kv(item, &val);
		if (!val && n == 0) { /* leading bare count */
			val = key;
			key = (char *)"cpus";
		}
		if (!val || parse_u64(val, &v) || v == 0 || v > 4096) {
			snprintf(err, errlen, "'%s' is not a positive CPU count", val ? val : item);
			goto out;
		}
		if (smp_key(key, v, topo, &cpus, &maxcpus)) {
			snprintf(err, errlen, "unknown parameter '%s'", key);
			goto out;
		}
	}
	u64 product = smp_topology(topo, cpus, &maxcpus);
	if (!maxcpus)
		maxcpus = product;
	if (!cpus)
		cpus = maxcpus;
	if (product != maxcpus) {
		snprintf(err, errlen, "invalid CPU topology: sockets*dies*clusters*cores*threads "
			 "(%llu) must equal maxcpus (%llu)", (unsigned long long)product,
			 (unsigned long long)maxcpus);
		goto out;
	}
	if (maxcpus < cpus) {
		snprintf(err, errlen, "maxcpus (%llu) is less than cpus (%llu)",
			 (unsigned long long)maxcpus, (unsigned long long)cpus);
		goto out;
	}
	if (cpus < 1 || maxcpus > MACHINE_MAX_CPUS) {
		snprintf(err, errlen, "%llu CPUs is out of range (1..%d)",
			 (unsigned long long)(maxcpus > cpus ? maxcpus : cpus), MACHINE_MAX_CPUS);
		goto out;
	}
	*cpus_out = (int)cpus;
	*max_out = (int)maxcpus;
	ret = 0;
out:
	free(copy);
	return ret;
}

/* --- probes --- */

/* the devices nestbox provides, as `-device help` lists them (QEMU's format) */
static const struct {
	const char *name, *bus, *desc;
} devices[] = {
	{ "isa-debug-exit", "ISA", NULL },
	{ "pc-testdev", "ISA", NULL },
	{ "pci-testdev", "PCI", "PCI Test Device" },
};

static void print_devices(void)
{
	printf("Misc devices:\n");
	for (unsigned i = 0; i < ARRAY_SIZE(devices); i++) {
		printf("name \"%s\", bus %s", devices[i].name, devices[i].bus);
		if (devices[i].desc)
			printf(", desc \"%s\"", devices[i].desc);
		printf("\n");
	}
}

static void print_machines(void)
{
	printf("Supported machines are:\n"
	       "pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)\n"
	       "pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\n");
}

static void print_log_categories(void)
{
	printf("Log categories (-d cat[,cat...]):\n");
#define LOG_HELP(n) printf("%s\n", #n);
	LOG_CATEGORIES(LOG_HELP)
#undef LOG_HELP
	printf("all\n");
}

static void print_version(void)
{
	printf("nestbox version " NESTBOX_VERSION
	       " (QEMU-compatible command line: QEMU emulator version 7.2.0 subset)\n");
}

/* --- option handlers --- */

static int opt_kernel(struct parse *p, const char *a)
{
	p->cfg->kernel = a;
	p->ex->demo = false;
	return CONFIG_RUN;
}

static int opt_append(struct parse *p, const char *a)
{
	p->cfg->append = a;
	return CONFIG_RUN;
}

/* QEMU's list syntax: files separated by ',', ",," for a literal comma.
 * A later -initrd replaces an earlier one, as in QEMU. */
static int opt_initrd(struct parse *p, const char *a)
{
	struct machine_config *cfg = p->cfg;
	char *buf = malloc(strlen(a) + 1);
	if (!buf)
		die("out of host memory");
	config_free(cfg);
	for (const char *s = a;;) {
		char *d = buf;
		for (; *s && !(s[0] == ',' && s[1] != ','); s++) {
			*d++ = *s;
			if (s[0] == ',')
				s++; /* ",," */
		}
		*d = 0;
		if (!buf[0]) {
			free(buf);
			return bad(p, "empty file name in '%s'", a);
		}
		if (cfg->nr_initrd == (int)ARRAY_SIZE(cfg->initrd)) {
			free(buf);
			return bad(p, "at most %d files", (int)ARRAY_SIZE(cfg->initrd));
		}
		cfg->initrd[cfg->nr_initrd++] = xstrdup(buf);
		if (!*s++)
			break;
	}
	free(buf);
	return CONFIG_RUN;
}

static int opt_m(struct parse *p, const char *a)
{
	char *copy = xstrdup(a), *rest = copy, *item, *val;
	u64 size = 0, v;
	int ret = CONFIG_RUN;

	for (int n = 0; (item = next_item(&rest)) && ret == CONFIG_RUN; n++) {
		char *key = split_kv(item, &val);
		if (!val && n == 0) {
			val = key;
			key = (char *)"size";
		}
		if (!val)
			ret = bad(p, "'%s' needs a value", key);
		else if (!strcmp(key, "size")) {
			if (config_parse_size(val, 1ull << 20, &size))
				ret = bad(p, "invalid RAM size '%s' (examples: 512, 512M, 4G)", val);
		} else if (!strcmp(key, "slots") || !strcmp(key, "maxmem")) {
			if (config_parse_size(val, 1, &v)) /* memory hotplug: ignored */
				ret = bad(p, "invalid %s '%s'", key, val);
		} else
			ret = bad(p, "unknown parameter '%s'", key);
	}
	free(copy);
	if (ret != CONFIG_RUN)
		return ret;
	size = (size + 8191) & ~8191ull; /* QEMU aligns RAM to 8 KiB */
	if (size < CONFIG_MIN_RAM)
		return bad(p, "RAM size '%s' is too small (at least 2M)", a);
	if (size > CONFIG_MAX_RAM)
		return bad(p, "RAM size '%s' is too large (at most 1T)", a);
	p->cfg->ram_size = size;
	p->ex->given_ram = true;
	return CONFIG_RUN;
}

static int opt_smp(struct parse *p, const char *a)
{
	char err[160];
	if (config_parse_smp(a, &p->cfg->smp, &p->ex->max_cpus, err, sizeof(err)))
		return bad(p, "%s", err);
	p->ex->given_smp = true;
	return CONFIG_RUN;
}

static int opt_cpu(struct parse *p, const char *a)
{
	if (is_help(a)) {
		cpu_model_list();
		return CONFIG_DONE;
	}
	if (!*a)
		return bad(p, "needs a CPU model (max, qemu64, ...; -cpu help lists them)");
	p->cfg->cpu_spec = a; /* cpu/model.c parses it when the machine is built */
	p->ex->given_cpu = true;
	return CONFIG_RUN;
}

static int opt_serial(struct parse *p, const char *a)
{
	bool none = !strcmp(a, "none") || !strcmp(a, "null");
	if (p->nr_serial++ > 0) {
		if (none)
			return CONFIG_RUN; /* a second port left unconnected */
		return bad(p, "'%s': nestbox emulates one serial port (COM1)", a);
	}
	if (!strcmp(a, "stdio") || !strcmp(a, "mon:stdio")) {
		p->cfg->serial_path = NULL;
		/* mon:stdio: stdin feeds COM1, Ctrl-A x quits (dev/uart16550.c) */
		p->cfg->serial_input = !strcmp(a, "mon:stdio");
	}
	else if (!strncmp(a, "file:", 5) && a[5])
		p->cfg->serial_path = a + 5;
	else if (none)
		p->cfg->serial_path = "/dev/null";
	else
		return bad(p, "'%s' is not supported (use stdio, file:PATH or none)", a);
	p->ex->serial_none = none;
	return CONFIG_RUN;
}

static int device_debug_exit(struct parse *p, char *rest)
{
	u64 base = 0x501, size = 2, v; /* QEMU's defaults */
	char *item, *val;
	while ((item = next_item(&rest))) {
		char *key = split_kv(item, &val);
		if (!strcmp(key, "id"))
			continue;
		if (!val || parse_u64(val, &v))
			return bad(p, "isa-debug-exit: '%s' needs a number", key);
		if (!strcmp(key, "iobase") && v <= 0xffff)
			base = v;
		else if (!strcmp(key, "iosize") && v >= 1 && v <= 4)
			size = v;
		else
			return bad(p, "isa-debug-exit: bad property '%s=%s' (iobase=0..0xffff, "
				   "iosize=1..4)", key, val);
	}
	p->cfg->debug_exit = true;
	p->cfg->debug_exit_port = (u16)base;
	p->ex->debug_exit_size = (u16)size;
	p->ex->given_debug_exit = true;
	return CONFIG_RUN;
}

static int opt_device(struct parse *p, const char *a)
{
	char *copy = xstrdup(a), *rest = copy, *drv = next_item(&rest), *val;
	int ret = CONFIG_RUN;
	bool help = rest && is_help(rest);

	if (is_help(drv)) {
		print_devices();
		ret = CONFIG_DONE;
	} else if (!strcmp(drv, "isa-debug-exit")) {
		if (help)
			printf("isa-debug-exit options:\n  iobase=<uint32>        -  (default: 1281)\n"
			       "  iosize=<uint32>        -  (default: 2)\n");
		ret = help ? CONFIG_DONE : device_debug_exit(p, rest);
	} else if (!strcmp(drv, "pc-testdev") || !strcmp(drv, "pci-testdev")) {
		if (help)
			printf("There are no options for %s.\n", drv);
		for (char *item; !help && (item = next_item(&rest));)
			if (strcmp(split_kv(item, &val), "id"))
				ret = bad(p, "%s has no property '%s'", drv, item);
		ret = help ? CONFIG_DONE : ret; /* always present in nestbox's machine */
	} else {
		ret = bad(p, "'%s' is not a device nestbox provides (see -device help)", drv);
	}
	free(copy);
	return ret;
}

/* accel=tcg, or a ':' list containing tcg; KVM and friends do not exist here */
static int check_accel(struct parse *p, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	bool tcg = false;
	for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
		tcg |= !strcmp(t, "tcg");
	free(copy);
	if (tcg)
		return CONFIG_RUN;
	if (is_help(list)) {
		printf("Accelerators supported in QEMU binary:\ntcg\n");
		return CONFIG_DONE;
	}
	return bad(p, "accel=%s: nestbox has no KVM or other hardware accelerator; it is a "
		   "software emulator (use accel=tcg)", list);
}

static bool machine_type_ok(const char *t)
{
	return !strcmp(t, "pc") || !strncmp(t, "pc-i440fx-", 10);
}

/* The properties of QEMU 7.2's pc-i440fx machine (`-machine pc,help`) and
 * the accelerator properties QEMU still takes on -machine. kind: the value
 * QEMU's type for it accepts; what nestbox does with it is `note` (the
 * README's -machine row and docs/known-gaps.md say the same). */
enum mprop_kind { MP_ONOFFAUTO, MP_BOOL, MP_ANY };
enum mprop_use {
	MP_IGNORED,    /* accepted, no effect */
	MP_OFF_ONLY,   /* accepted when off; on names what is missing */
	MP_OPTION,     /* a command-line option says it: error naming it */
	MP_USED,       /* honoured (machine_config says how) */
};
static const struct mprop {
	const char *name;
	enum mprop_kind kind;
	enum mprop_use use;
	const char *note;
} mprops[] = {
	{ "pit", MP_ONOFFAUTO, MP_IGNORED, "the i8254 PIT stays present" },
	{ "pic", MP_ONOFFAUTO, MP_IGNORED, "the 8259 pair stays present" },
	{ "hpet", MP_BOOL, MP_IGNORED, "the HPET stays present" },
	{ "acpi", MP_ONOFFAUTO, MP_IGNORED, "the ACPI tables and PM block stay present" },
	{ "smm", MP_ONOFFAUTO, MP_IGNORED, "SMM stays available" },
	{ "vmport", MP_ONOFFAUTO, MP_USED, "the VMware backdoor port 0x5658 (on and auto, as QEMU's pc without Xen)" },
	{ "sata", MP_BOOL, MP_IGNORED, "the i440FX PC has no SATA controller either way" },
	{ "smbus", MP_BOOL, MP_IGNORED, "the SMBus is not modelled" },
	{ "i8042", MP_BOOL, MP_IGNORED, "port 0x64 keeps its reset function" },
	{ "usb", MP_BOOL, MP_OFF_ONLY, "nestbox has no USB controller" },
	{ "graphics", MP_BOOL, MP_IGNORED, "no display" },
	{ "dump-guest-core", MP_BOOL, MP_IGNORED, "QEMU host tuning" },
	{ "mem-merge", MP_BOOL, MP_IGNORED, "QEMU host tuning" },
	{ "suppress-vmdesc", MP_BOOL, MP_IGNORED, "QEMU migration format" },
	{ "default-bus-bypass-iommu", MP_BOOL, MP_IGNORED, "no IOMMU" },
	{ "bus-lock-ratelimit", MP_ANY, MP_IGNORED, "KVM tuning" },
	{ "max-ram-below-4g", MP_ANY, MP_IGNORED, "RAM above 3.5 GiB is remapped as always" },
	{ "x-oem-id", MP_ANY, MP_IGNORED, "ACPI OEM ID stays BOCHS" },
	{ "x-oem-table-id", MP_ANY, MP_IGNORED, "ACPI OEM table ID stays" },
	{ "smbios-entry-point-type", MP_ANY, MP_IGNORED, "no SMBIOS tables" },
	{ "kernel-irqchip", MP_ANY, MP_IGNORED, "a KVM accelerator property" },
	{ "kvm-shadow-mem", MP_ANY, MP_IGNORED, "a KVM accelerator property" },
	{ "kernel", MP_ANY, MP_OPTION, "-kernel" },
	{ "initrd", MP_ANY, MP_OPTION, "-initrd" },
	{ "append", MP_ANY, MP_OPTION, "-append" },
	{ "memory", MP_ANY, MP_OPTION, "-m" },
	{ "smp", MP_ANY, MP_OPTION, "-smp" },
};

/* QEMU's spellings: OnOffAuto is on|off|auto, a bool also yes|no|true|false */
static int mprop_value(const char *v, enum mprop_kind k)
{
	static const char *const on[] = { "on", "yes", "true" }, *const off[] = { "off", "no", "false" };
	for (unsigned i = 0; i < 3; i++) {
		if (!strcmp(v, on[i]) && (k != MP_ONOFFAUTO || i == 0))
			return 1;
		if (!strcmp(v, off[i]) && (k != MP_ONOFFAUTO || i == 0))
			return 0;
	}
	return k == MP_ONOFFAUTO && !strcmp(v, "auto") ? 2 : -1;
}

static int machine_prop(struct parse *p, const char *key, const char *val)
{
	char name[48];
	size_t n = 0;

	for (; key[n] && n + 1 < sizeof(name); n++) /* kernel_irqchip = kernel-irqchip */
		name[n] = key[n] == '_' ? '-' : key[n];
	name[n] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(mprops); i++) {
		const struct mprop *m = &mprops[i];
		int v;
		if (strcmp(name, m->name))
			continue;
		if (m->use == MP_OPTION)
			return bad(p, "property '%s' is not supported: use %s", key, m->note);
		v = m->kind == MP_ANY ? 2 : val ? mprop_value(val, m->kind) : 1;
		if (v < 0)
			return bad(p, "property '%s': '%s' is not %s", key, val,
				   m->kind == MP_BOOL ? "on or off" : "on, off or auto");
		if (m->use == MP_OFF_ONLY && v == 1)
			return bad(p, "property '%s=%s' is not supported: %s", key, val ? val : "on",
				   m->note);
		if (!strcmp(m->name, "vmport"))
			p->cfg->no_vmport = v == 0;
		return CONFIG_RUN;
	}
	return bad(p, "property '%s' is not supported (see -machine pc,help)", key);
}

static void print_machine_props(void)
{
	printf("pc-i440fx-7.2-machine options:\n  accel=tcg\n");
	for (unsigned i = 0; i < ARRAY_SIZE(mprops); i++)
		printf("  %s%s - %s%s\n", mprops[i].name,
		       mprops[i].kind == MP_BOOL ? "=<bool>" :
		       mprops[i].kind == MP_ONOFFAUTO ? "=<OnOffAuto>" : "=...",
		       mprops[i].use == MP_IGNORED ? "accepted, no effect: " :
		       mprops[i].use == MP_OFF_ONLY ? "off only: " :
		       mprops[i].use == MP_USED ? "" : "not supported, use ",
		       mprops[i].note);
}

static int opt_machine(struct parse *p, const char *a)
{
	char *copy = xstrdup(a), *rest = copy, *item, *val;
	int ret = CONFIG_RUN;

	for (int n = 0; ret == CONFIG_RUN && (item = next_item(&rest)); n++) {
		char *key = split_kv(item, &val);
		if ((!val && n == 0) || !strcmp(key, "type")) {
			const char *t = val ? val : key;
			if (is_help(t)) {
				print_machines();
				ret = CONFIG_DONE;
			} else if (!machine_type_ok(t))
				ret = bad(p, "machine type '%s' is not supported (nestbox emulates "
					  "'pc', the i440FX PC; see -machine help)", t);
		} else if (!strcmp(key, "accel") && val) {
			ret = check_accel(p, val);
		} else if (!val && is_help(key)) {
			print_machine_props();
			ret = CONFIG_DONE;
		} else {
			ret = machine_prop(p, key, val);
		}
	}
	free(copy);
	return ret;
}

static int opt_accel(struct parse *p, const char *a)
{
	char *copy = xstrdup(a), *rest = copy;
	int ret = check_accel(p, next_item(&rest)); /* thread=, tb-size=: ignored */
	free(copy);
	return ret;
}

static int opt_none_only(struct parse *p, const char *a)
{
	if (!strcmp(a, "none"))
		return CONFIG_RUN;
	if (is_help(a)) {
		printf("none\n");
		return CONFIG_DONE;
	}
	return bad(p, "'%s' is not supported (nestbox has no display or monitor; use none)", a);
}

static int opt_ignore(struct parse *p, const char *a)
{
	return CONFIG_RUN;
}

static int opt_ignore_flag(struct parse *p, const char *a)
{
	return CONFIG_RUN;
}

static int opt_global(struct parse *p, const char *a)
{
	if (strncmp(a, "kvm-pit.", 8))
		fprintf(stderr, "nestbox: warning: -global %s ignored\n", a);
	return CONFIG_RUN;
}

static int opt_name(struct parse *p, const char *a)
{
	p->ex->name = a;
	return CONFIG_RUN;
}

static int opt_no_reboot(struct parse *p, const char *a)
{
	p->cfg->no_reboot = true;
	return CONFIG_RUN;
}

static int opt_enable_kvm(struct parse *p, const char *a)
{
	return bad(p, "nestbox has no KVM: it is a software emulator (drop -enable-kvm, or "
		   "use -machine accel=tcg)");
}

static int opt_seed(struct parse *p, const char *a)
{
	if (parse_u64(a, &p->cfg->seed))
		return bad(p, "'%s' is not a number", a);
	return CONFIG_RUN;
}

/* QEMU's on/off spelling: 1 = on, 0 = off, -1 = neither */
static int on_off(const char *v)
{
	if (v && (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")))
		return 1;
	if (v && (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")))
		return 0;
	return -1;
}

/* -icount [shift=]N|auto[,align=on|off][,sleep=on|off], as QEMU. Virtual
 * time always follows the instruction count in nestbox: shift=N makes each
 * instruction 2^N ns; shift=auto (QEMU: adapt to host speed) keeps the
 * default rate, since host speed must not leak into guest time; align and
 * sleep only pace QEMU against the host clock and are accepted (with
 * QEMU's check that align=on needs sleep=on). Record/replay (rr=) is not
 * available. */
static int opt_icount(struct parse *p, const char *a)
{
	char *copy = xstrdup(a), *rest = copy, *item, *val;
	int ret = CONFIG_RUN, align = 0, sleep = 1;
	u64 v;
	for (int n = 0; ret == CONFIG_RUN && (item = next_item(&rest)); n++) {
		char *key = split_kv(item, &val);
		if (!val && n == 0) {
			val = key;
			key = (char *)"shift";
		}
		if (!strcmp(key, "shift") && val && !strcmp(val, "auto"))
			continue;
		if (!strcmp(key, "shift") && val && !parse_u64(val, &v) &&
		    v <= CONFIG_MAX_ICOUNT_SHIFT) {
			p->cfg->icount_shift = (u32)v;
			p->ex->given_icount = true;
		}
		else if (!strcmp(key, "shift"))
			ret = bad(p, "shift must be 0..%d or auto", CONFIG_MAX_ICOUNT_SHIFT);
		else if (!strcmp(key, "align") || !strcmp(key, "sleep")) {
			int b = on_off(val);
			if (b < 0)
				ret = bad(p, "%s must be on or off", key);
			else if (!strcmp(key, "align"))
				align = b;
			else
				sleep = b;
		} else if (!strncmp(key, "rr", 2))
			ret = bad(p, "record/replay (%s=) is not supported by nestbox (its runs are "
				  "deterministic without it)", key);
		else
			ret = bad(p, "parameter '%s' is not supported (shift=N|auto, align=, sleep=)",
				  key);
	}
	if (ret == CONFIG_RUN && align && !sleep)
		ret = bad(p, "align=on and sleep=off are incompatible");
	free(copy);
	return ret;
}

static int opt_d(struct parse *p, const char *a)
{
	if (is_help(a)) {
		print_log_categories();
		return CONFIG_DONE;
	}
	p->ex->log_list = a;
	return CONFIG_RUN;
}

static int opt_log_file(struct parse *p, const char *a)
{
	if (!*a)
		return bad(p, "needs a file name");
	p->ex->log_file = a;
	return CONFIG_RUN;
}

static int opt_gdb(struct parse *p, const char *a)
{
	int port = a ? gdb_parse_spec(a) : 1234; /* -s: QEMU's tcp::1234 */
	if (port < 0)
		return bad(p, "'%s' is not supported (use tcp::PORT; the stub listens on "
			   "127.0.0.1 only)", a);
	p->ex->gdb_port = port;
	return CONFIG_RUN;
}

static int opt_gdb_wait(struct parse *p, const char *a)
{
	p->ex->gdb_wait = true;
	return CONFIG_RUN;
}

static int opt_max_insns(struct parse *p, const char *a)
{
	if (parse_u64(a, &p->cfg->max_insns))
		return bad(p, "'%s' is not a number", a);
	return CONFIG_RUN;
}

/* -linux-entry 32|64: which boot-protocol entry a bzImage is entered at
 * (machine/linux_boot.c; default 32) */
static int opt_linux_entry(struct parse *p, const char *a)
{
	if (strcmp(a, "32") && strcmp(a, "64"))
		return bad(p, "'%s' is not 32 or 64", a);
	p->cfg->linux_entry = (u8)atoi(a);
	return CONFIG_RUN;
}

static int opt_counters(struct parse *p, const char *a)
{
	p->cfg->counters = true;
	return CONFIG_RUN;
}

/* -snapshot-save FILE[,at=N|end|signal]...[,then=stop|continue] */
static int opt_snapshot_save(struct parse *p, const char *a)
{
	char *copy = xstrdup(a), *rest = copy, *item, *val;
	struct config_extra *ex = p->ex;
	int ret = CONFIG_RUN;
	bool any_at = false;

	item = next_item(&rest);
	if (!item || !*item) {
		free(copy);
		return bad(p, "needs a file name (-snapshot-save FILE[,at=N|end|signal][,then=stop])");
	}
	free((char *)ex->snap_save);
	ex->snap_save = xstrdup(item);
	while (ret == CONFIG_RUN && (item = next_item(&rest))) {
		char *key = split_kv(item, &val);
		u64 v;
		if (!strcmp(key, "at") && val && !strcmp(val, "end")) {
			ex->snap_at_end = true;
		} else if (!strcmp(key, "at") && val && !strcmp(val, "signal")) {
			ex->snap_at_signal = true;
		} else if (!strcmp(key, "at") && val && !parse_u64(val, &v)) {
			if (ex->snap_at_icount != UINT64_MAX)
				ret = bad(p, "only one instruction count (at=N) per run");
			ex->snap_at_icount = v;
		} else if (!strcmp(key, "at")) {
			ret = bad(p, "at= takes an instruction count, end or signal");
		} else if (!strcmp(key, "then") && val && (!strcmp(val, "stop") || !strcmp(val, "continue"))) {
			ex->snap_then_stop = !strcmp(val, "stop");
		} else {
			ret = bad(p, "unknown parameter '%s' (at=N|end|signal, then=stop|continue)", key);
		}
		any_at |= !strcmp(key, "at");
	}
	if (!any_at)
		ex->snap_at_end = true;
	free(copy);
	return ret;
}

static int opt_snapshot_load(struct parse *p, const char *a)
{
	p->ex->snap_load = a;
	return CONFIG_RUN;
}

static int opt_snapshot_info(struct parse *p, const char *a)
{
	p->ex->snap_info = a;
	return CONFIG_RUN;
}

static int opt_snapshot_dump(struct parse *p, const char *a)
{
	p->ex->snap_info = a;
	p->ex->snap_info_full = true;
	return CONFIG_RUN;
}

static int opt_snapshot_layouts(struct parse *p, const char *a)
{
	p->ex->snap_layouts = true;
	return CONFIG_RUN;
}

static int opt_help(struct parse *p, const char *a);

static int opt_version(struct parse *p, const char *a)
{
	print_version();
	return CONFIG_DONE;
}

/* O(name, argument name or NULL, handler, help) — one row per option */
#define CONFIG_OPTIONS(O) \
	O("kernel", "IMAGE", opt_kernel, "multiboot / ELF image to boot") \
	O("append", "TEXT", opt_append, "command line the image sees after its path") \
	O("initrd", "F[,F]", opt_initrd, "boot modules (\",,\" is a comma in a name)") \
	O("m", "SIZE", opt_m, "RAM: N (MiB), or with K/M/G/T (default 128M)") \
	O("smp", "N[,..]", opt_smp, "CPUs (1..64)[,sockets=,cores=,threads=,maxcpus=]") \
	O("cpu", "MODEL", opt_cpu, "CPU model[,+feat,-feat,feat=on|off] (help lists)") \
	O("serial", "DEV", opt_serial, "COM1: stdio (default), file:PATH or none") \
	O("device", "DEV", opt_device, "isa-debug-exit[,iobase=,iosize=], pc-testdev, " \
					"pci-testdev (help lists)") \
	O("machine", "OPTS", opt_machine, "pc[,accel=tcg] (help lists)") \
	O("M", "OPTS", opt_machine, "same as -machine") \
	O("accel", "tcg", opt_accel, "the accelerator: tcg only") \
	O("global", "D.P=V", opt_global, "device property (kvm-pit.*: ignored)") \
	O("display", "none", opt_none_only, "no display") \
	O("vga", "none", opt_none_only, "no VGA") \
	O("monitor", "none", opt_none_only, "no monitor") \
	O("vnc", "none", opt_none_only, "no VNC") \
	O("nographic", NULL, opt_ignore_flag, "no display (the serial port is stdio)") \
	O("nodefaults", NULL, opt_ignore_flag, "no default devices (accepted)") \
	O("no-reboot", NULL, opt_no_reboot, "end the run on a guest reset") \
	O("overcommit", "OPTS", opt_ignore, "accepted and ignored") \
	O("name", "NAME", opt_name, "guest name (accepted)") \
	O("enable-kvm", NULL, opt_enable_kvm, "not available: nestbox is a software emulator") \
	O("seed", "N", opt_seed, "nestbox: seed of every deterministic choice") \
	O("icount", "shift=N|auto", opt_icount, "each instruction takes 2^N virtual ns (0..10; " \
					    "auto: default 0)") \
	O("d", "CAT[,CAT]", opt_d, "nestbox: log categories to stderr (help lists)") \
	O("D", "FILE", opt_log_file, "write the -d log to FILE instead of stderr") \
	O("s", NULL, opt_gdb, "gdb stub on tcp::1234 (127.0.0.1)") \
	O("gdb", "tcp::PORT", opt_gdb, "gdb stub on 127.0.0.1:PORT (0: any free port)") \
	O("S", NULL, opt_gdb_wait, "with -s/-gdb: wait for gdb before the first instruction") \
	O("max-insns", "N", opt_max_insns, "nestbox: stop after N instructions (0: no limit)") \
	O("linux-entry", "32|64", opt_linux_entry, "nestbox: enter a bzImage at its 32-bit " \
					"(default) or 64-bit boot-protocol entry") \
	O("counters", NULL, opt_counters, "nestbox: print end-of-run counters on stderr") \
	O("snapshot-save", "F[,at=..]", opt_snapshot_save, "nestbox: save the machine to F at=N " \
					"(instructions), at=end, at=signal (SIGUSR1); then=stop") \
	O("snapshot-load", "FILE", opt_snapshot_load, "nestbox: resume the machine saved in FILE") \
	O("snapshot-info", "FILE", opt_snapshot_info, "nestbox: describe a snapshot and exit") \
	O("snapshot-dump", "FILE", opt_snapshot_dump, "nestbox: -snapshot-info with every saved value") \
	O("snapshot-layouts", NULL, opt_snapshot_layouts, "nestbox: print the snapshot's state tables") \
	O("version", NULL, opt_version, "print the version") \
	O("help", NULL, opt_help, "print this help") \
	O("h", NULL, opt_help, "print this help")

struct opt_desc {
	const char *name, *arg;
	int (*fn)(struct parse *p, const char *arg);
	const char *help;
};

static const struct opt_desc options[] = {
#define OPT_ROW(n, a, f, h) { n, a, f, h },
	CONFIG_OPTIONS(OPT_ROW)
#undef OPT_ROW
};

static int opt_help(struct parse *p, const char *a)
{
	printf("usage: nestbox [options]\n\n"
	       "nestbox " NESTBOX_VERSION ": an x86-64 PC emulator with QEMU-compatible options\n"
	       "(a subset of qemu-system-x86_64's: use nestbox in its place). Each option\n"
	       "may be spelled -opt or --opt. Without -kernel the bundled demo guest boots.\n"
	       "Exit status: (code << 1) | 1 for a guest write of code to isa-debug-exit.\n\n");
	for (unsigned i = 0; i < ARRAY_SIZE(options); i++) {
		char left[40];
		snprintf(left, sizeof(left), "-%s%s%s", options[i].name,
			 options[i].arg ? " " : "", options[i].arg ? options[i].arg : "");
		printf("  %-22s %s\n", left, options[i].help);
	}
	return CONFIG_DONE;
}

static const struct opt_desc *find_option(const char *arg)
{
	const char *name = arg + 1 + (arg[1] == '-'); /* -opt or --opt */
	for (unsigned i = 0; i < ARRAY_SIZE(options); i++)
		if (!strcmp(name, options[i].name))
			return &options[i];
	return NULL;
}

static void config_defaults(struct machine_config *cfg, struct config_extra *ex)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(ex, 0, sizeof(*ex));
	cfg->ram_size = CONFIG_DEFAULT_RAM;
	cfg->smp = 1;
	cfg->debug_exit = true; /* nestbox's PC always has isa-debug-exit */
	cfg->debug_exit_port = 0xf4;
	ex->debug_exit_size = 4;
	ex->max_cpus = 1;
	ex->demo = true;
	ex->snap_at_icount = UINT64_MAX;
	ex->gdb_port = -1;
}

int config_parse_ex(struct machine_config *cfg, struct config_extra *ex, int argc, char **argv)
{
	struct parse p = { .cfg = cfg, .ex = ex };
	config_defaults(cfg, ex);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const struct opt_desc *o = arg[0] == '-' && arg[1] ? find_option(arg) : NULL;
		if (!o && arg[0] == '-' && arg[1]) {
			fprintf(stderr, "nestbox: unknown option '%s' (see --help)\n", arg);
			return CONFIG_ERROR;
		}
		if (!o) {
			fprintf(stderr, "nestbox: unexpected argument '%s' (nestbox boots images "
				"given with -kernel; see --help)\n", arg);
			return CONFIG_ERROR;
		}
		p.opt = arg;
		if (o->arg && i + 1 >= argc) {
			fprintf(stderr, "nestbox: option '%s' needs an argument (%s)\n", arg,
				o->arg);
			return CONFIG_ERROR;
		}
		int r = o->fn(&p, o->arg ? argv[++i] : NULL);
		if (r != CONFIG_RUN)
			return r;
	}
	if (ex->max_cpus < cfg->smp)
		ex->max_cpus = cfg->smp;
	if (ex->gdb_wait && ex->gdb_port < 0) {
		fprintf(stderr, "nestbox: -S waits for a debugger: give -s or -gdb tcp::PORT too "
			"(nestbox has no monitor to resume from)\n");
		return CONFIG_ERROR;
	}
	return CONFIG_RUN;
}

void config_free(struct machine_config *cfg)
{
	for (int i = 0; i < cfg->nr_initrd; i++) {
		free((char *)cfg->initrd[i]);
		cfg->initrd[i] = NULL;
	}
	cfg->nr_initrd = 0;
}

void config_free_extra(struct config_extra *ex)
{
	free((char *)ex->snap_save);
	ex->snap_save = NULL;
}

int config_parse(struct machine_config *cfg, int argc, char **argv)
{
	static struct config_extra ex;
	return config_parse_ex(cfg, &ex, argc, argv);
}
