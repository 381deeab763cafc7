/* tests/guest/smp/smp_boot3.c: AP bring-up with -smp 3 (boot.h).
 * run-args: -smp 3
 */
#include "boot.h"

int main(int argc, char **argv)
{
	return boot_checks(3);
}
