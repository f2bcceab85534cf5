/* Frame pool logic (pure; see frame.h). The boot-time set-up is in memory.c. */
#include "frame_pool.h"
#include <public/errno.h>

void frame_pool_init(struct frame_pool *p, uint8_t *state, pfn_t nframes)
{
	p->state = state;
	p->nframes = nframes;
	p->nfree = 0;
	p->nused = 0;
	p->next = 0;
	p->double_frees = 0;
	p->reserved_frees = 0;
	for (pfn_t i = 0; i < nframes; i++)
		state[i] = FRAME_RESERVED;
}

pfn_t frame_pool_release(struct frame_pool *p, pfn_t start, pfn_t end)
{
	pfn_t changed = 0;

	if (end > p->nframes)
		end = p->nframes;
	for (pfn_t i = start; i < end; i++) {
		if (p->state[i] == FRAME_RESERVED) {
			p->state[i] = FRAME_FREE;
			p->nfree++;
			changed++;
		}
	}
	return changed;
}

int frame_pool_reserve(struct frame_pool *p, pfn_t start, pfn_t end)
{
	int changed = 0;

	if (end > p->nframes)
		end = p->nframes;
	for (pfn_t i = start; i < end; i++)
		if (p->state[i] == FRAME_USED)
			return -RV_EBUSY;
	for (pfn_t i = start; i < end; i++) {
		if (p->state[i] == FRAME_FREE) {
			p->state[i] = FRAME_RESERVED;
			p->nfree--;
			changed++;
		}
	}
	return changed;
}

int frame_alloc(struct frame_pool *p, pfn_t *pfn)
{
	if (p->nfree == 0)
		return -RV_ENOMEM;
	/* Next-fit: O(1) amortised while memory is mostly free, and it spreads
	 * reuse of freed frames (use-after-free shows up sooner). */
	for (pfn_t n = 0; n < p->nframes; n++) {
		pfn_t i = p->next + n;
		if (i >= p->nframes)
			i -= p->nframes;
		if (p->state[i] == FRAME_FREE) {
			p->state[i] = FRAME_USED;
			p->nfree--;
			p->nused++;
			p->next = i + 1 < p->nframes ? i + 1 : 0;
			*pfn = i;
			return 0;
		}
	}
	return -RV_ENOMEM;         /* unreachable while nfree is right */
}

int frame_alloc_contig(struct frame_pool *p, pfn_t count, pfn_t *pfn)
{
	if (count == 0 || count > p->nfree)
		return -RV_ENOMEM;
	if (count == 1)
		return frame_alloc(p, pfn);
	/* Next fit, like single frames: a search from the bottom every time
	 * would walk over every frame already handed out (thousands of
	 * domains made that quadratic). A run does not wrap around the end. */
	pfn_t run = 0, start = p->next < p->nframes ? p->next : 0;
	for (pfn_t n = 0; n < p->nframes + count; n++) {
		pfn_t i = start + n;
		if (i >= p->nframes)
			i -= p->nframes;
		if (i == 0)
			run = 0;
		run = p->state[i] == FRAME_FREE ? run + 1 : 0;
		if (run == count) {
			pfn_t first = i + 1 - count;
			for (pfn_t j = first; j <= i; j++)
				p->state[j] = FRAME_USED;
			p->nfree -= count;
			p->nused += count;
			p->next = i + 1 < p->nframes ? i + 1 : 0;
			*pfn = first;
			return 0;
		}
	}
	return -RV_ENOMEM;
}

int frame_free(struct frame_pool *p, pfn_t pfn)
{
	if (pfn >= p->nframes) {
		p->reserved_frees++;
		return -RV_ERANGE;
	}
	switch (p->state[pfn]) {
	case FRAME_USED:
		p->state[pfn] = FRAME_FREE;
		p->nused--;
		p->nfree++;
		return 0;
	case FRAME_FREE:
		p->double_frees++;
		return -RV_EALREADY;
	default:
		p->reserved_frees++;
		return -RV_EPERM;
	}
}

enum frame_state frame_state_of(const struct frame_pool *p, pfn_t pfn)
{
	return pfn < p->nframes ? (enum frame_state)p->state[pfn] : FRAME_RESERVED;
}

pfn_t frame_pool_from_map(struct frame_pool *p, const struct mem_region *map, size_t n,
			  uint64_t *ignored_bytes)
{
	uint64_t limit = (uint64_t)p->nframes << PAGE_SHIFT;
	pfn_t top = 0;

	*ignored_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (map[i].type != MEM_AVAILABLE || map[i].len == 0)
			continue;
		uint64_t base = map[i].base, end = map[i].base + map[i].len;
		if (end < base)                 /* wraps: corrupt, trust none of it */
			continue;
		if (end > limit) {
			*ignored_bytes += end - (base > limit ? base : limit);
			end = limit;
		}
		if (base >= end)
			continue;
		/* Only whole frames: round the start up and the end down. */
		pfn_t s = (pfn_t)((base + PAGE_SIZE - 1) >> PAGE_SHIFT);
		pfn_t e = (pfn_t)(end >> PAGE_SHIFT);
		if (s < e) {
			frame_pool_release(p, s, e);
			if (e > top)
				top = e;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (map[i].type == MEM_AVAILABLE || map[i].len == 0 || map[i].base >= limit)
			continue;
		uint64_t end = map[i].base + map[i].len;
		if (end < map[i].base || end > limit)
			end = limit;
		/* Any frame this region touches is not RAM we may use. */
		frame_pool_reserve(p, (pfn_t)(map[i].base >> PAGE_SHIFT),
				   (pfn_t)((end + PAGE_SIZE - 1) >> PAGE_SHIFT));
	}
	return top;
}
