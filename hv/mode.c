/*
 * The registry of techniques (mode.h): each one's operations table is put
 * in the .modes section by MODE_REGISTER() and found here by its mode.
 */
#include "mode.h"

extern const struct mode_ops *const __modes_start[], *const __modes_end[];

const struct mode_ops *mode_find(enum dom_mode m)
{
	for (const struct mode_ops *const *p = __modes_start; p < __modes_end; p++)
		if ((*p)->mode == m)
			return *p;
	return NULL;
}

void modes_init(uint32_t ram_top_pfn)
{
	for (const struct mode_ops *const *p = __modes_start; p < __modes_end; p++)
		if ((*p)->init)
			(*p)->init(ram_top_pfn);
}
