/* tests/guest/smp/spinlock.c: LOCK-prefixed instructions and XCHG are
 * atomic with respect to the other vCPUs (SDM Vol.3A "Locked Atomic
 * Operations"; nestbox runs the vCPUs in turns on one host thread, and a
 * turn can end after any instruction): 4 vCPUs increment shared counters
 * with plain read-modify-write code under an XCHG lock, a LOCK CMPXCHG
 * lock and a LOCK XADD ticket lock, and with LOCK ADD / LOCK XADD alone;
 * no update may be lost. Run with several -seed values by
 * tests/guest/determinism.sh (short turns that end inside critical
 * sections).
 * run-args: -smp 4
 */
#include "guest.h"

#define NCPU 4
#define ITER 20000
/* a ticket lock hands over in ticket order: a waiter whose turn has come
 * while it is not scheduled stalls the others for whole turns */
#define TICKET_ITER 40

static volatile u64 counter, atomic_sum;
static volatile int xchg_lock, cmpxchg_lock;
static volatile u32 ticket_next, ticket_serving;
static volatile u64 contended[SMP_MAX_CPUS];
static volatile int which;

/* counter++ as separate load, add, store: only the lock makes it safe */
static inline void unsafe_inc(void)
{
	u64 v = counter;
	asm volatile("" : "+r"(v));
	counter = v + 1;
}

static void lock_xchg(void)
{
	int old;

	for (;;) {
		old = 1;
		asm volatile("xchgl %0, %1" : "+r"(old), "+m"(xchg_lock) : : "memory");
		if (!old)
			return;
		contended[smp_id()]++;
		while (xchg_lock)
			cpu_relax();
	}
}

static void lock_cmpxchg(void)
{
	for (;;) {
		int expect = 0, one = 1;
		u8 ok;
		asm volatile("lock cmpxchgl %3, %1; sete %2"
			     : "+a"(expect), "+m"(cmpxchg_lock), "=q"(ok)
			     : "r"(one)
			     : "memory");
		if (ok)
			return;
		contended[smp_id()]++;
		while (cmpxchg_lock)
			cpu_relax();
	}
}

static void lock_ticket(void)
{
	u32 me = 1;

	asm volatile("lock xaddl %0, %1" : "+r"(me), "+m"(ticket_next) : : "memory");
	if (ticket_serving != me)
		contended[smp_id()]++;
	while (ticket_serving != me)
		cpu_relax();
}

static int iterations(int kind)
{
	return kind == 2 ? TICKET_ITER : ITER;
}

static void worker(void *data)
{
	int n = iterations(which);

	for (int i = 0; i < n; i++) {
		switch (which) {
		case 0:
			lock_xchg();
			unsafe_inc();
			__atomic_store_n(&xchg_lock, 0, __ATOMIC_RELEASE);
			break;
		case 1:
			lock_cmpxchg();
			unsafe_inc();
			__atomic_store_n(&cmpxchg_lock, 0, __ATOMIC_RELEASE);
			break;
		case 2:
			lock_ticket();
			unsafe_inc();
			__atomic_store_n(&ticket_serving, ticket_serving + 1, __ATOMIC_RELEASE);
			break;
		case 3:
			asm volatile("lock addq $3, %0" : "+m"(atomic_sum));
			asm volatile("lock xaddq %1, %0" : "+m"(atomic_sum) : "r"(2ull) : "memory");
			break;
		}
	}
}

static u64 run_all(int kind)
{
	u64 total = 0;

	which = kind;
	counter = atomic_sum = 0;
	memset((void *)contended, 0, sizeof(contended));
	for (int c = 1; c < NCPU; c++)
		on_cpu_async(c, worker, NULL);
	worker(NULL);
	for (int c = 1; c < NCPU; c++)
		smp_wait(c);
	for (int c = 0; c < NCPU; c++)
		total += contended[c];
	return total;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "XCHG", "LOCK CMPXCHG", "LOCK XADD ticket" };
	int n = smp_init();
	u64 busy, all_busy = 0;

	report(n == NCPU, "%d CPUs", n);
	if (n != NCPU)
		return report_summary();
	for (int k = 0; k < 3; k++) {
		busy = run_all(k);
		report(counter == (u64)NCPU * iterations(k), "%s lock: %d CPUs x %d increments = %llu",
		       names[k], NCPU, iterations(k), counter);
		report_info("%s lock: %llu contended acquisitions", names[k], busy);
		if (k < 2)
			all_busy += busy;
	}
	report(all_busy > 0, "another CPU found the XCHG/CMPXCHG lock held (the locks were tested)");
	run_all(3);
	report(atomic_sum == 5ull * NCPU * ITER, "LOCK ADD + LOCK XADD lose nothing (%llu)",
	       atomic_sum);
	return report_summary();
}
