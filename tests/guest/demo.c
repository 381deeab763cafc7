/* tests/guest/demo.c: the bundled demo kernel `make run` boots. */
#include "guest.h"

int main(int argc, char **argv)
{
	printf("hello from the demo guest\n");
	return report_summary();
}
