/* svm/log.c: `-d svm` and the -counters line of #VMEXITs by exit code. */
#include "svm/svm.h"

void svm_print_counters(FILE *out)
{
}
