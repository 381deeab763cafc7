/* tests/guest/smp/smp_boot64.c: AP bring-up with -smp 64, nestbox's
 * maximum (boot.h).
 * run-args: -smp 64
 */
#include "boot.h"

int main(int argc, char **argv)
{
	return boot_checks(64);
}
