/* tests/guest/smp/smp_boot8.c: AP bring-up with -smp 8 (boot.h).
 * run-args: -smp 8
 */
#include "boot.h"

int main(int argc, char **argv)
{
	return boot_checks(8);
}
