/*
 * A bystander with a checksum workload: it fills memory with a pattern,
 * yields often so that misbehaving neighbours get to run between its steps,
 * and checks at the end that its memory and its result are intact.
 */
#include "guest.h"

#define WORDS (512 * 1024)      /* 2 MiB of its memory */

void guest_main(void)
{
	uint32_t *buf = (uint32_t *)(start_info->virt_base + start_info->first_free_pfn * PAGE_SIZE);
	uint32_t sum = 0, expect = 0;

	if ((start_info->nr_pages - start_info->first_free_pfn) * PAGE_SIZE < WORDS * 4)
		test_error("needs more memory");
	for (uint32_t round = 0; round < 8; round++) {
		for (uint32_t i = 0; i < WORDS; i++)
			buf[i] = i * 2654435761u + round;
		hv_yield();
		for (uint32_t i = 0; i < WORDS; i++)
			sum += buf[i] ^ (i >> 3);
		hv_yield();
	}
	/* The same sums computed without touching memory. */
	for (uint32_t round = 0; round < 8; round++)
		for (uint32_t i = 0; i < WORDS; i++)
			expect += (i * 2654435761u + round) ^ (i >> 3);
	gprintf("checksum %#x\n", sum);
	test_check(sum == expect, "checksum %#x intact after its neighbours' mischief (expected %#x)",
		   sum, expect);
}
