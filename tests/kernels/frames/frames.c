/*
 * Frame allocator under exhaustion, on the real memory map: every free frame
 * can be taken exactly once, none of them is reserved memory (low memory,
 * the image, boot data), each is reachable and writable through the 1:1
 * map, and misuse (double free, freeing reserved frames) is caught without
 * corrupting the pool.
 */
#include "testlib.h"
#include "errno.h"
#include "frame.h"
#include "multiboot.h"
#include "mm.h"
#include <public/ringvisor.h>

#define MAX_TRACKED (RV_SWITCH_BASE >> PAGE_SHIFT)
static uint8_t taken[MAX_TRACKED];

void test_main(void)
{
	struct frame_pool *p = &hv_frames;
	pfn_t free0 = p->nfree, used0 = p->nused, n = 0, pfn;
	pfn_t img_s = (uintptr_t)__image_start >> PAGE_SHIFT;
	pfn_t img_e = ((uintptr_t)__image_end + PAGE_SIZE - 1) >> PAGE_SHIFT;
	bool distinct = true, outside = true, writable = true;
	pfn_t bad = 0;

	test_check(free0 > 1000, "%u frames free at start", free0);
	while (frame_alloc(p, &pfn) == 0) {
		n++;
		if (pfn >= MAX_TRACKED || taken[pfn]) {
			distinct = false;
			bad = pfn;
			continue;
		}
		taken[pfn] = 1;
		if (pfn < 256 || (pfn >= img_s && pfn < img_e)) {
			outside = false;
			bad = pfn;
		}
		for (size_t m = 0; m < boot_info.nmodules; m++)
			if ((paddr_t)pfn << PAGE_SHIFT >= (boot_info.modules[m].start & PAGE_MASK) &&
			    (paddr_t)pfn << PAGE_SHIFT < boot_info.modules[m].end)
				outside = false;
		/* Reachable and writable through the hypervisor's 1:1 map. */
		volatile uint32_t *w = phys_to_virt((paddr_t)pfn << PAGE_SHIFT);
		w[0] = pfn ^ 0x5a5a5a5a;
		w[1023] = ~pfn;
		if (w[0] != (pfn ^ 0x5a5a5a5a) || w[1023] != ~pfn)
			writable = false;
	}
	test_check(n == free0, "exactly the %u free frames were handed out (%u)", free0, n);
	test_check(p->nfree == 0 && frame_alloc(p, &pfn) == -ENOMEM,
		   "an exhausted pool says -ENOMEM");
	test_check(distinct, "no frame handed out twice (first bad pfn %#x)", bad);
	test_check(outside, "no reserved frame handed out (first bad pfn %#x)", bad);
	test_check(writable, "every frame is writable through the 1:1 map");
	test_check(alloc_frame() == 0, "alloc_frame() returns 0 when memory is out");

	/* The patterns survived: nobody else wrote to frames we own. */
	bool intact = true;
	for (pfn_t i = 0; i < MAX_TRACKED; i++) {
		if (!taken[i])
			continue;
		volatile uint32_t *w = phys_to_virt((paddr_t)i << PAGE_SHIFT);
		if (w[0] != (i ^ 0x5a5a5a5a) || w[1023] != ~i)
			intact = false;
	}
	test_check(intact, "frame contents intact after exhaustion");

	pfn_t freed = 0;
	int rc_first = 0;
	for (pfn_t i = 0; i < MAX_TRACKED; i++)
		if (taken[i]) {
			int rc = frame_free(p, i);
			if (rc && !rc_first)
				rc_first = rc;
			freed += rc == 0;
		}
	test_check(freed == n && rc_first == 0, "all %u frames freed (first error %d)", n, rc_first);
	test_check(p->nfree == free0 && p->nused == used0, "counts restored: %u free, %u used",
		   p->nfree, p->nused);

	/* Misuse is caught and changes nothing. */
	pfn_t some = 0;
	while (!taken[some])
		some++;
	uint32_t df = p->double_frees, rf = p->reserved_frees;
	test_check(frame_free(p, some) == -EALREADY && p->double_frees == df + 1,
		   "double free of pfn %#x is caught", some);
	test_check(frame_free(p, img_s) == -EPERM && p->reserved_frees == rf + 1,
		   "freeing a frame of the hypervisor image is refused");
	test_check(frame_free(p, 0) == -EPERM, "freeing frame 0 is refused");
	test_check(frame_free(p, 0xfffff) == -ERANGE, "freeing a frame beyond RAM is refused");
	test_check(p->nfree == free0 && frame_state_of(p, img_s) == FRAME_RESERVED,
		   "bad frees left the pool unchanged");
	free_frame((paddr_t)some << PAGE_SHIFT);        /* logs an error line */
	test_check(p->double_frees == df + 2, "free_frame() reports a double free");
	test_finish();
}
