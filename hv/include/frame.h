/* The hypervisor's frame pool (the pool itself is lib's: frame_pool.h). */
#ifndef HV_FRAME_H
#define HV_FRAME_H

#include "frame_pool.h"

/* The hypervisor's pool and convenience wrappers that log misuse. */
extern struct frame_pool hv_frames;
/* Returns the physical address of a zeroed frame, or 0 when memory is out. */
paddr_t alloc_frame(void);
void free_frame(paddr_t pa);
/* count zeroed contiguous frames at *pa: 0 or -ENOMEM. */
int alloc_frames_contig(uint32_t count, paddr_t *pa);

#endif
