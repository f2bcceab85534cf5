/* ringos: physical memory, with the same pool logic as the hypervisor's
 * (lib/frame.c, lib/include/frame_pool.h). */
#include "kernel.h"
#include "frame_pool.h"

#define MAX_FRAMES (0x40000000u >> PAGE_SHIFT)  /* the kernel maps 1 GiB */

static struct frame_pool pool;
static uint32_t total_frames;
static uint8_t states[MAX_FRAMES];
/* Read-only user pages are shared by fork: how many more address spaces
 * than one map each frame (at most NPROC - 1). */
static uint8_t sharers[MAX_FRAMES];

void frame_share(paddr_t pa)
{
	sharers[pa >> PAGE_SHIFT]++;
}

bool frame_shared(paddr_t pa)
{
	return sharers[pa >> PAGE_SHIFT] != 0;
}

void frame_release(paddr_t pa)
{
	if (sharers[pa >> PAGE_SHIFT])
		sharers[pa >> PAGE_SHIFT]--;
	else
		frame_put(pa);
}

void mem_init(paddr_t first_free, paddr_t end)
{
	frame_pool_init(&pool, states, MAX_FRAMES);
	frame_pool_release(&pool, (pfn_t)(first_free >> PAGE_SHIFT), (pfn_t)(end >> PAGE_SHIFT));
	total_frames = pool.nfree;
	kprintf("ringos: %u KiB of memory free\n", pool.nfree * 4);
}

paddr_t frame_get(void)
{
	pfn_t pfn;
	if (frame_alloc(&pool, &pfn))
		return 0;
	paddr_t pa = (paddr_t)pfn << PAGE_SHIFT;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

paddr_t frames_get_contig(uint32_t n)
{
	pfn_t pfn;
	if (frame_alloc_contig(&pool, n, &pfn))
		return 0;
	paddr_t pa = (paddr_t)pfn << PAGE_SHIFT;
	memset(phys_to_virt(pa), 0, (size_t)n * PAGE_SIZE);
	return pa;
}

void frames_put_contig(paddr_t pa, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		frame_put(pa + (paddr_t)i * PAGE_SIZE);
}

void frame_put(paddr_t pa)
{
	if (frame_free(&pool, (pfn_t)(pa >> PAGE_SHIFT)))
		kprintf("ringos: bad free of frame %#llx\n", (unsigned long long)pa);
}

void mem_stats(uint32_t *total, uint32_t *free)
{
	*total = total_frames;
	*free = pool.nfree;
}
