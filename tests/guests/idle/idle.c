/* The smallest useful domain, for density: boots, then sleeps for good
 * (it blocks with no event source). It stays alive: concurrent. */
#include "guest.h"

void guest_main(void)
{
	for (;;)
		hv_block();
}
