/* tests/guest/platform/vmport_off.c: -machine vmport=off removes the
 * VMware backdoor port (dev/vmport.c): port 0x5658 is unassigned and reads
 * all ones, the registers other than EAX untouched.
 * run-args: -machine pc,vmport=off
 */
#include "guest.h"

int main(int argc, char **argv)
{
	u32 a = 0x564D5868u, b = 0x1111, c = 10;
	asm volatile("inl %%dx, %%eax" : "+a"(a), "+b"(b), "+c"(c) : "d"(0x5658u) : "memory");
	report(a == 0xffffffffu && b == 0x1111 && c == 10,
	       "vmport=off: 0x5658 unassigned (EAX %#x, EBX %#x)", a, b);
	return report_summary();
}
