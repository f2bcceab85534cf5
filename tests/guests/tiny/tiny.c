/* A minimal domain for density tests: says hello, yields, powers off. */
#include "guest.h"

void guest_main(void)
{
	for (int i = 0; i < 3; i++)
		hv_yield();
	test_check(start_info->magic == RV_START_INFO_MAGIC, "%s alive with %u KiB", start_info->name,
		   start_info->nr_pages * 4);
}
