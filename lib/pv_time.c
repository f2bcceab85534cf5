/* The pv guests' clock from shared info (see pv_guest.h). */
#include "pv_guest.h"
#include "clock.h"
#include "x86.h"

uint64_t pv_time_ns(const volatile struct rv_vcpu_time *t)
{
	uint32_t ver;
	uint64_t ns;

	do {
		ver = t->version;
		__asm__ volatile("" : : : "memory");
		struct clock_scale s = { .hz = 0, .mult = t->tsc_mul };
		ns = t->system_time + clock_scale_apply(&s, rdtsc() - t->tsc_timestamp);
		__asm__ volatile("" : : : "memory");
	} while ((ver & 1) || ver != t->version);
	return ns;
}
