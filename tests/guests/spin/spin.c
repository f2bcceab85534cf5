/* A compute-bound domain that never stops and never enables events: only
 * the hypervisor's timer can take the CPU from it (scheduler tests). */
#include "guest.h"

volatile uint64_t spins;

void guest_main(void)
{
	gprintf("spinning with events masked\n");
	for (;;)
		spins++;
}
