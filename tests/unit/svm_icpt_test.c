/* tests/unit/svm_icpt_test.c: the SVM column of the handler tables' exits
 * (cpu/decode/handlers_*.def, SX terms): which instruction may raise which
 * #VMEXIT code of its own through svm_exit_insn (svm/intercept.c asserts
 * against it in debug builds). The intercepts themselves are exercised by
 * the guest kernel tests/guest/svm/svm_intercepts.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <Zydis/Zydis.h>

#include "cpu/decode/decode.h"
#include "svm/vmcb.h"
#include "vmx/vmcs.h"

static void test_svm_exit_column(void **state)
{
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_CPUID, SVM_EXIT_CPUID));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_RDMSR, SVM_EXIT_MSR));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_OUTSB, SVM_EXIT_IOIO));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_PUSHFQ, SVM_EXIT_PUSHF));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_INT, SVM_EXIT_SWINT));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_INT1, SVM_EXIT_ICEBP));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_VMRUN, SVM_EXIT_VMRUN));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_MWAIT, SVM_EXIT_MWAIT_CONDITIONAL));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_SMSW, SVM_EXIT_CR0_READ));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_LMSW, SVM_EXIT_CR0_SEL_WRITE));
	/* CR0_READ ... DR0_WRITE stand for their group of 16 */
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_MOV, SVM_EXIT_CR0_WRITE + 3));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_MOV, SVM_EXIT_DR0_READ + 7));
	assert_false(insn_can_svm_exit(ZYDIS_MNEMONIC_ADD, SVM_EXIT_CPUID));
	assert_false(insn_can_svm_exit(ZYDIS_MNEMONIC_CPUID, SVM_EXIT_HLT));
	assert_false(insn_can_svm_exit(ZYDIS_MNEMONIC_MOV, SVM_EXIT_IOIO));
	assert_false(insn_can_svm_exit(ZYDIS_MNEMONIC_LMSW, SVM_EXIT_CR0_READ));
	assert_false(insn_can_svm_exit(ZYDIS_MNEMONIC_CLTS, SVM_EXIT_CR0_SEL_WRITE));
	/* INT3 and INTO exit through the exception intercepts, not INTn's */
	assert_false(insn_can_svm_exit(ZYDIS_MNEMONIC_INT3, SVM_EXIT_SWINT));
	/* codes that are not an instruction's own: any instruction */
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_ADD, SVM_EXIT_NPF));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_ADD, SVM_EXIT_EXCP0 + 14));
	assert_true(insn_can_svm_exit(ZYDIS_MNEMONIC_ADD, SVM_EXIT_INTR));
	/* VMX's column is unchanged by the SX terms */
	assert_false(insn_can_exit(ZYDIS_MNEMONIC_PUSHFQ, EXIT_REASON_CPUID));
	assert_true(insn_can_exit(ZYDIS_MNEMONIC_CPUID, EXIT_REASON_CPUID));
}

/* the text of a file, or NULL */
static char *slurp(const char *path)
{
	static char buf[1 << 17];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

/* exits svm/intercept.c raises outside svm_exit_insn, each checked by the
 * guest kernel too */
static const char *const other_exits[] = {
	"TASK_SWITCH", "EXCP1", "EXCP3", "EXCP4", "EXCP6", "EXCP8", "EXCP13", "EXCP14",
};
/* instruction exits no guest kernel causes, and why */
static const char *const not_caused[] = {
	"RSM", /* RSM is #UD outside SMM; the kernel checks that order */
};

/* the coverage gate: every exit code some instruction lists in the SX
 * column (for the CR and DR groups: each group), and each of
 * other_exits[], is expected by tests/guest/svm/svm_intercepts.c, which
 * names it X_NAME */
static void test_every_exit_caused(void **state)
{
	static const struct { const char *name; u64 code; } codes[] = {
#define EXITCODE(n, v) { #n, (u64)(v) },
#include "svm/exit_codes.def"
#undef EXITCODE
	};
	const char *guest = slurp("tests/guest/svm/svm_intercepts.c");
	bool group_seen[4] = { false };
	char want[64];

	assert_non_null(guest);
	for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
		bool listed = !insn_can_svm_exit(ZYDIS_MNEMONIC_NOP, codes[k].code);
		for (size_t o = 0; o < sizeof(other_exits) / sizeof(other_exits[0]); o++)
			listed |= !strcmp(other_exits[o], codes[k].name);
		for (size_t n = 0; n < sizeof(not_caused) / sizeof(not_caused[0]); n++)
			listed &= strcmp(not_caused[n], codes[k].name) != 0;
		if (!listed)
			continue;
		snprintf(want, sizeof(want), "X_%s", codes[k].name);
		bool seen = strstr(guest, want) != NULL;
		if (codes[k].code < 0x40) {
			group_seen[codes[k].code >> 4] |= seen;
			continue;
		}
		if (!seen)
			fail_msg("exit %s (%#llx) is caused by no case in tests/guest/svm/svm_intercepts.c",
				 codes[k].name, (unsigned long long)codes[k].code);
	}
	for (unsigned g = 0; g < 4; g++)
		if (!group_seen[g])
			fail_msg("no CR/DR exit of group %#x in tests/guest/svm/svm_intercepts.c", g << 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svm_exit_column),
		cmocka_unit_test(test_every_exit_caused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
