/* tests/guest/smp/smp_boot1.c: AP bring-up with -smp 1 (boot.h).
 * run-args: -smp 1
 */
#include "boot.h"

int main(int argc, char **argv)
{
	return boot_checks(1);
}
