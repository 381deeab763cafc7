/* tests/guest/platform/vmport.c: the VMware backdoor port of QEMU's pc
 * machine (on by default: vmport=auto; dev/vmport.c): port 0x5658 with the
 * magic 0x564D5868 in EAX and the command in ECX.
 * run-args: -m 128
 */
#include "guest.h"

#define VMPORT_MAGIC 0x564D5868u

struct bd { u32 a, b, c, d; };

static struct bd backdoor_in(u32 eax, u32 cmd)
{
	struct bd r;
	asm volatile("inl %%dx, %%eax"
		     : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
		     : "a"(eax), "b"(0x12345678u), "c"(cmd), "d"(0x5658u)
		     : "memory");
	return r;
}

static u32 backdoor_out_eax(u32 cmd)
{
	u32 a = VMPORT_MAGIC;
	asm volatile("outl %%eax, %%dx" : "+a"(a) : "c"(cmd), "d"(0x5658u) : "rbx", "memory");
	return a;
}

int main(int argc, char **argv)
{
	struct bd r = backdoor_in(VMPORT_MAGIC, 10);
	report(r.a == 6 && r.b == VMPORT_MAGIC && r.c == 2,
	       "GETVERSION: EAX 6, EBX 'VMXh', ECX 2 (ESX) (%#x %#x %#x)", r.a, r.b, r.c);
	r = backdoor_in(VMPORT_MAGIC, 20);
	report(r.a == 128u << 20 && r.b == 0x1177, "GETRAMSIZE: EAX = 128 MiB, EBX 0x1177 (%#x)", r.a);
	r = backdoor_in(VMPORT_MAGIC, 19);
	report(r.a == 0 && r.b == 0 && r.c == 0 && r.d == 0, "GETBIOSUUID: the zero UUID");
	r = backdoor_in(VMPORT_MAGIC, 45);
	report(r.a == 1000000000u && r.b == 0 && r.c == 1000000000u,
	       "GETHZ: TSC 1 GHz in EBX:EAX, APIC bus 1 GHz in ECX");
	r = backdoor_in(VMPORT_MAGIC, 68);
	report(r.a == ((cpuid(1).c >> 21) & 1) << 3, "GET_VCPU_INFO: LEGACY_X2APIC as CPUID x2APIC");
	r = backdoor_in(VMPORT_MAGIC, 39);
	report(r.a == 0xffffffffu, "an unimplemented command (vmmouse data): EAX all ones");
	r = backdoor_in(0x1234, 10);
	report(r.a == 0xffffffffu && r.b == 0x12345678u, "a wrong magic: EAX all ones, EBX kept");
	report(backdoor_out_eax(10) == 6, "OUT runs the command too, result in EAX");
	return report_summary();
}
