/*
 * Resource control, checked from inside: the guest walks the page tables the
 * hypervisor built for it (mapped read-only at start_info.pt_base) and checks
 * that every mapping points at one of its own frames (its p2m), the shared
 * info page, or the switch region's shared table; that page-table frames are
 * never mapped writable; and that nothing is mapped in the switch region but
 * the hypervisor's own table, supervisor-only.
 */
#include "guest.h"

typedef uint64_t pte_t;
#define PTE_P   1ull
#define PTE_RW  2ull
#define PTE_US  4ull
#define PTE_PS  0x80ull
#define ADDR(e) ((uint32_t)(((e) & 0x000ffffffffff000ull) >> 12))   /* machine frame */

static const uint32_t *p2m;
static uint32_t npages;

/* The pfn holding machine frame mfn, or -1. */
static int32_t pfn_of(uint32_t mfn)
{
	for (uint32_t i = 0; i < npages; i++)
		if (p2m[i] == mfn)
			return (int32_t)i;
	return -1;
}

static bool is_pt_pfn(int32_t pfn)
{
	uint32_t first = (start_info->pt_base - start_info->virt_base) / PAGE_SIZE;
	return pfn >= (int32_t)first && pfn < (int32_t)(first + start_info->nr_pt_frames);
}

static const pte_t *table_va(uint32_t mfn)
{
	int32_t pfn = pfn_of(mfn);
	return pfn < 0 ? NULL : (const pte_t *)(start_info->virt_base + (uint32_t)pfn * PAGE_SIZE);
}

void guest_main(void)
{
	const struct rv_start_info *si = start_info;
	unsigned mappings = 0, foreign = 0, writable_pt = 0, tables_not_own = 0;
	unsigned shared_seen = 0, switch_slots = 0, switch_user = 0;
	uint32_t shared_mfn = 0;

	p2m = (const uint32_t *)si->p2m;
	npages = si->nr_pages;

	const pte_t *pdpt = (const pte_t *)si->pt_base;
	for (unsigned l3 = 0; l3 < 4; l3++) {
		if (!(pdpt[l3] & PTE_P))
			continue;
		const pte_t *l2 = table_va(ADDR(pdpt[l3]));
		if (!l2 || !is_pt_pfn(pfn_of(ADDR(pdpt[l3])))) {
			tables_not_own++;
			continue;
		}
		for (unsigned i2 = 0; i2 < 512; i2++) {
			pte_t pde = l2[i2];
			if (!(pde & PTE_P))
				continue;
			uint32_t va2 = (l3 << 30) | (i2 << 21);
			if (va2 >= 0xFFC00000u) {
				/* The switch region: the hypervisor's table, not ours. */
				switch_slots++;
				if (pde & PTE_US)
					switch_user++;
				continue;
			}
			if (pde & PTE_PS) {
				foreign++;      /* we were given no large pages */
				continue;
			}
			const pte_t *l1 = table_va(ADDR(pde));
			if (!l1 || !is_pt_pfn(pfn_of(ADDR(pde)))) {
				tables_not_own++;
				continue;
			}
			for (unsigned i1 = 0; i1 < 512; i1++) {
				pte_t pte = l1[i1];
				if (!(pte & PTE_P))
					continue;
				uint32_t va = va2 | (i1 << 12);
				mappings++;
				int32_t pfn = pfn_of(ADDR(pte));
				if (va == si->shared_info) {
					shared_seen++;
					shared_mfn = ADDR(pte);
					if (pfn >= 0)
						foreign++;      /* shared info is not guest memory */
					continue;
				}
				if (pfn < 0)
					foreign++;
				else if (is_pt_pfn(pfn) && (pte & PTE_RW))
					writable_pt++;
			}
		}
	}
	test_check(mappings == npages + 1, "%u mappings: all %u pages and the shared info", mappings,
		   npages);
	test_check(foreign == 0, "no mapping of a frame that is not ours (%u found)", foreign);
	test_check(tables_not_own == 0, "every page table is one of our read-only frames");
	test_check(writable_pt == 0, "no page table is mapped writable (%u found)", writable_pt);
	test_check(shared_seen == 1 && shared_mfn != 0, "shared info mapped once");
	test_check(switch_slots == 1 && switch_user == 0,
		   "the switch region is one supervisor-only slot (%u slots, %u user)", switch_slots,
		   switch_user);
}
