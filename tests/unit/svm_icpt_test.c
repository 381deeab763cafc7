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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svm_exit_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
