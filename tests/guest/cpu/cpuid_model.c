/* tests/guest/cpu/cpuid_model.c: the CPUID a guest sees under `-cpu MODEL`
 * is the model's (QEMU 7.2's models, src/cpu/models.def). The expected
 * values come on the command line from tests/guest/models.sh, which reads
 * them from the model table -- so this checks the path from the table to
 * the guest's CPUID instruction, for every model:
 *   vendor=GenuineIntel sig=0x50654 level=0xd xlevel=0x80000008
 *   brand=Intel~Xeon~Processor~(Skylake)   ("~" for a space; none: empty)
 * CPUID leaf 0's vendor and leaf 1's signature (family/model/stepping as
 * SDM "CPUID" encodes them) must be the model's; the levels may be higher
 * (raised to cover the advertised features, as QEMU's full-cpuid-auto-level
 * does), never lower; the brand string (leaves 0x80000002-4) is the
 * model-id when the model has one.
 * Without arguments (the guest tier's own run, -cpu max) it checks max.
 */
#include "guest.h"

static const char *arg(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

static void vendor_of(char *out)
{
	struct cpuid r = cpuid(0);
	u32 w[3] = { r.b, r.d, r.c };

	memcpy(out, w, 12);
	out[12] = 0;
}

static void brand_of(char *out)
{
	u32 w[12];

	for (u32 k = 0; k < 3; k++) {
		struct cpuid r = cpuid(0x80000002 + k);
		w[4 * k] = r.a;
		w[4 * k + 1] = r.b;
		w[4 * k + 2] = r.c;
		w[4 * k + 3] = r.d;
	}
	memcpy(out, w, 48);
	out[48] = 0;
}

int main(int argc, char **argv)
{
	const char *model = arg(argc, argv, "model");
	const char *vendor = arg(argc, argv, "vendor");
	const char *sig = arg(argc, argv, "sig");
	const char *level = arg(argc, argv, "level");
	const char *xlevel = arg(argc, argv, "xlevel");
	const char *brand = arg(argc, argv, "brand");
	char v[13], b[49], want[49];

	if (!model)
		model = "max";
	if (!vendor) /* the guest tier's run: nestbox's own max */
		vendor = "GenuineIntel", sig = "0x606a0", level = "0xd", xlevel = "0x80000008",
		brand = "nestbox~Virtual~CPU~(max)";
	vendor_of(v);
	report(!strcmp(v, vendor), "%s: vendor %s (want %s)", model, v, vendor);
	u32 eax1 = cpuid(1).a;
	report(sig && eax1 == strtoul(sig, NULL, 0), "%s: signature %#x (want %s)", model, eax1, sig);
	u32 l = cpuid(0).a, xl = cpuid(0x80000000).a;
	report(level && l >= strtoul(level, NULL, 0), "%s: level %#x (at least %s)", model, l, level);
	report(xlevel && xl >= strtoul(xlevel, NULL, 0), "%s: xlevel %#x (at least %s)", model, xl, xlevel);
	size_t n = 0;
	for (const char *p = brand ? brand : ""; *p && n < 48; p++)
		want[n++] = *p == '~' ? ' ' : *p;
	want[n] = 0;
	if (xl >= 0x80000004 && n) {
		brand_of(b);
		report(!strcmp(b, want), "%s: brand string '%s' (want '%s')", model, b, want);
	}
	return report_summary();
}
