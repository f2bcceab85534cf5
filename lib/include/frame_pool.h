/*
 * Physical frame allocator. Every frame below the top of RAM has one state:
 * reserved (never handed out: firmware, the hypervisor image, boot data,
 * holes), free, or used. The pool is pure logic over a state array so the
 * host unit tests drive it directly. The hypervisor's own pool and its
 * wrappers are in hv/include/frame.h; ringos has its own (guest/kernel/mem.c).
 */
#ifndef LIB_FRAME_POOL_H
#define LIB_FRAME_POOL_H

#include "types.h"

enum frame_state {
	FRAME_RESERVED = 0,     /* zero so that a fresh state array is all reserved */
	FRAME_FREE = 1,
	FRAME_USED = 2,
};

struct frame_pool {
	uint8_t *state;         /* one enum frame_state per frame */
	pfn_t nframes;          /* frames described by state[] */
	pfn_t nfree;            /* frames in FRAME_FREE */
	pfn_t nused;            /* frames in FRAME_USED */
	pfn_t next;             /* next-fit search hint */
	uint32_t double_frees;  /* frame_free() of a frame already free */
	uint32_t reserved_frees;/* frame_free() of a reserved or out-of-range frame */
};

/* All frames start reserved. */
void frame_pool_init(struct frame_pool *p, uint8_t *state, pfn_t nframes);
/* Make [start, end) free; frames beyond nframes are ignored. Returns how many
 * frames changed state. Used frames are left alone. */
pfn_t frame_pool_release(struct frame_pool *p, pfn_t start, pfn_t end);
/* Make [start, end) reserved. Returns frames changed, or -RV_EBUSY (and changes
 * nothing) if any frame in the range is in use. */
int frame_pool_reserve(struct frame_pool *p, pfn_t start, pfn_t end);

/* Allocate one frame: 0 and *pfn, or -RV_ENOMEM. */
int frame_alloc(struct frame_pool *p, pfn_t *pfn);
/* Allocate count physically contiguous frames: 0 and the first in *pfn, or
 * -RV_ENOMEM. Each is freed on its own with frame_free(). */
int frame_alloc_contig(struct frame_pool *p, pfn_t count, pfn_t *pfn);
/* Free one frame: 0, -RV_EALREADY (double free), -RV_EPERM (reserved frame) or
 * -RV_ERANGE (beyond the pool). Bad frees are counted and never change state. */
int frame_free(struct frame_pool *p, pfn_t pfn);
enum frame_state frame_state_of(const struct frame_pool *p, pfn_t pfn);

/* One region of the firmware memory map. */
struct mem_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;          /* MEM_AVAILABLE, or anything else = not RAM for us */
};
#define MEM_AVAILABLE   1

/*
 * Build a pool from a firmware memory map: whole frames inside available
 * regions become free, then any frame touched by a non-available region is
 * reserved again (firmware maps may overlap; the stricter type wins). Memory
 * above the pool's reach is counted in *ignored_bytes. Returns the highest
 * available pfn + 1 (the extent of RAM that the hypervisor should map).
 */
pfn_t frame_pool_from_map(struct frame_pool *p, const struct mem_region *map, size_t n,
			  uint64_t *ignored_bytes);

#endif
