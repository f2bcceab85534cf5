/*
 * ringos: the kernel heap. Small blocks (16 to 2048 bytes) come from power-
 * of-two size classes carved out of single frames; bigger ones take whole
 * contiguous frames. Each block is preceded by a header naming its class,
 * so kfree needs only the pointer.
 */
#include "kernel.h"

#define MIN_SHIFT 4                     /* 16 bytes */
#define MAX_SHIFT 11                    /* 2048 bytes */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct header {
	uint32_t magic;                 /* catches frees of foreign pointers */
	uint32_t order;                 /* size class shift, or frames for big blocks (| BIG) */
};
#define MAGIC 0x6b6d6c63u               /* "kmlc" */
#define BIG 0x80000000u

struct free_block {
	struct free_block *next;
};
static struct free_block *free_lists[NCLASSES];

void *kmalloc(size_t size)
{
	size_t need = size + sizeof(struct header);
	struct header *h;

	if (size == 0 || size > 0x10000000)
		return NULL;
	if (need > (1u << MAX_SHIFT)) {
		uint32_t frames = (uint32_t)((need + PAGE_SIZE - 1) / PAGE_SIZE);
		paddr_t pa = frames_get_contig(frames);
		if (!pa)
			return NULL;
		h = phys_to_virt(pa);
		h->order = frames | BIG;
	} else {
		unsigned shift = MIN_SHIFT;
		while ((1u << shift) < need)
			shift++;
		struct free_block **list = &free_lists[shift - MIN_SHIFT];
		if (!*list) {
			/* Cut a fresh frame into blocks of this class. */
			paddr_t pa = frame_get();
			if (!pa)
				return NULL;
			uint8_t *page = phys_to_virt(pa);
			for (uint32_t off = 0; off < PAGE_SIZE; off += 1u << shift) {
				struct free_block *b = (struct free_block *)(page + off);
				b->next = *list;
				*list = b;
			}
		}
		h = (struct header *)*list;
		*list = (*list)->next;
		h->order = shift;
	}
	h->magic = MAGIC;
	void *p = h + 1;
	memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct header *h = (struct header *)p - 1;
	if (h->magic != MAGIC)
		panic("kfree of a pointer kmalloc did not give (%p)", p);
	h->magic = 0;
	if (h->order & BIG) {
		frames_put_contig(virt_to_phys(h), h->order & ~BIG);
		return;
	}
	struct free_block *b = (struct free_block *)h;
	b->next = free_lists[h->order - MIN_SHIFT];
	free_lists[h->order - MIN_SHIFT] = b;
}
