/* tests/guest/smp/smp_boot2.c: AP bring-up with -smp 2 (boot.h).
 * run-args: -smp 2
 */
#include "boot.h"

int main(int argc, char **argv)
{
	return boot_checks(2);
}
