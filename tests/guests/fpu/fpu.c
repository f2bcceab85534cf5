/*
 * Lazy FPU switching: two copies of this guest run at once, each with its
 * own x87 and SSE values, yielding to each other hundreds of times; each
 * must find its registers as it left them. Then the guest's own virtual TS
 * (fpu_taskswitch): with it set, the first FPU instruction raises #NM in
 * the guest, which clears it and goes on.
 */
#include "guest.h"

static volatile uint32_t nm_traps;

static void on_nm(struct guest_frame *f)
{
	nm_traps++;
	hv_fpu_taskswitch(0);           /* what a guest kernel does on #NM */
}

static void load(uint32_t seed)
{
	uint32_t v[4] = { seed, seed * 3, seed * 5, seed * 7 };
	__asm__ volatile("movdqu %0, %%xmm1" : : "m"(v));
	int32_t x = (int32_t)seed + 12345;
	__asm__ volatile("fildl %0" : : "m"(x));         /* x87: st(0) = x */
}

static bool check(uint32_t seed)
{
	uint32_t v[4];
	int32_t x;
	__asm__ volatile("movdqu %%xmm1, %0" : "=m"(v));
	__asm__ volatile("fistl %0" : "=m"(x));          /* st(0), not popped */
	return v[0] == seed && v[1] == seed * 3 && v[2] == seed * 5 && v[3] == seed * 7 &&
	       x == (int32_t)seed + 12345;
}

void guest_main(void)
{
	uint32_t seed = start_info->domid * 1000 + 17, bad = 0;

	load(seed);
	for (int i = 0; i < 300; i++) {
		hv_yield();             /* the other copy runs and uses its FPU */
		if (!check(seed))
			bad++;
	}
	test_check(bad == 0, "x87 and SSE registers survive 300 switches (%u bad)", bad);

	if (guest_set_trap(7, on_nm, 1, false))
		test_error("cannot install the #NM handler");
	hv_fpu_taskswitch(1);
	bool ok = check(seed);          /* traps first: #NM, handler clears TS */
	test_check(nm_traps == 1 && ok, "virtual TS: one #NM in the guest (%u), state intact", nm_traps);
	ok = check(seed);
	test_check(nm_traps == 1 && ok, "no #NM once cleared");
	__asm__ volatile("fstp %%st(0)" : : : "memory");
}
