/*
 * Page-table helpers for pv test guests (guest.h, "page tables"): frame
 * number translation through the p2m, walking the guest's own PAE tables
 * (which it may read but only the hypervisor writes), handing out free
 * frames, and thin wrappers over the memory hypercalls.
 */
#include "guest.h"

static uint32_t base_mfn;       /* the vCPU's PDPT; 0 until first asked */
static uint32_t next_free;      /* next pfn take_free_pfn() hands out */

uint32_t pfn_to_mfn(uint32_t pfn)
{
	return pfn < start_info->nr_pages ? ((const uint32_t *)start_info->p2m)[pfn] : MM_NONE;
}

uint32_t pfn_of_mfn(uint32_t mfn)
{
	const uint32_t *p2m = (const uint32_t *)start_info->p2m;
	for (uint32_t i = 0; i < start_info->nr_pages; i++)
		if (p2m[i] == mfn && mfn)
			return i;
	return MM_NONE;
}

void *pfn_to_virt(uint32_t pfn)
{
	return (void *)(start_info->virt_base + pfn * PAGE_SIZE);
}

void *mfn_to_virt(uint32_t mfn)
{
	uint32_t pfn = pfn_of_mfn(mfn);
	return pfn == MM_NONE ? NULL : pfn_to_virt(pfn);
}

uint32_t virt_to_pfn(const void *va)
{
	return ((uint32_t)va - start_info->virt_base) / PAGE_SIZE;
}

uint32_t virt_to_mfn(const void *va)
{
	return pfn_to_mfn(virt_to_pfn(va));
}

uint32_t mm_base_mfn(void)
{
	if (!base_mfn)
		base_mfn = virt_to_mfn((const void *)start_info->pt_base);
	return base_mfn;
}

int mm_set_base(uint32_t l3_mfn)
{
	int rc = hv_mmuext(RV_MMUEXT_NEW_BASEPTR, l3_mfn);
	if (!rc)
		base_mfn = l3_mfn;
	return rc;
}

int guest_suspend(void)
{
	/* base_mfn is a machine frame: remember its pfn across a restore. */
	uint32_t base_pfn = base_mfn ? pfn_of_mfn(base_mfn) : MM_NONE;
	int rc = hv_sched_op(RV_SCHEDOP_shutdown, RV_SHUTDOWN_suspend, 0);
	if (rc == 1)
		base_mfn = base_pfn == MM_NONE ? 0 : pfn_to_mfn(base_pfn);
	return rc;
}

bool pt_locate(uint32_t va, unsigned level, struct pt_loc *loc)
{
	const unsigned idx[4] = { 0, (va >> 12) & 511, (va >> 21) & 511, va >> 30 };
	uint32_t mfn = mm_base_mfn();

	if (level < 1 || level > 3)
		return false;
	for (unsigned l = 3;; l--) {
		const volatile uint64_t *t = mfn_to_virt(mfn);
		if (!t)
			return false;
		if (l == level) {
			loc->mfn = mfn;
			loc->index = idx[l];
			loc->entry = &t[idx[l]];
			return true;
		}
		uint64_t e = t[idx[l]];
		if (!(e & PG_P) || (l == 2 && (e & PG_PS)))
			return false;
		mfn = pte_mfn(e);
	}
}

uint64_t pt_read(uint32_t va, unsigned level)
{
	struct pt_loc loc;
	return pt_locate(va, level, &loc) ? *loc.entry : 0;
}

uint64_t pt_maddr(uint32_t va, unsigned level)
{
	struct pt_loc loc;
	return pt_locate(va, level, &loc) ? pte_maddr(loc.mfn, loc.index) : 0;
}

uint32_t take_free_pfn(void)
{
	if (!next_free)
		next_free = start_info->first_free_pfn;
	if (next_free >= start_info->nr_pages)
		test_error("out of free pages (%u)", start_info->nr_pages);
	return next_free++;
}

int mm_make_ro(uint32_t pfn)
{
	return mm_map((uint32_t)pfn_to_virt(pfn), pte_make(pfn_to_mfn(pfn), PG_P));
}

int mm_make_rw(uint32_t pfn)
{
	return mm_map((uint32_t)pfn_to_virt(pfn), pte_make(pfn_to_mfn(pfn), PG_P | PG_RW));
}

uint32_t take_table_frame(void)
{
	uint32_t pfn = take_free_pfn();
	memset(pfn_to_virt(pfn), 0, PAGE_SIZE);
	int rc = mm_make_ro(pfn);
	if (rc)
		test_error("cannot make pfn %#x read-only (%d)", pfn, rc);
	return pfn_to_mfn(pfn);
}

int mm_map(uint32_t va, uint64_t pte)
{
	return hv_update_va_mapping(va, pte, RV_UVMF_INVLPG);
}

int mm_update(uint64_t maddr, uint64_t val)
{
	struct rv_mmu_update u = { maddr | RV_MMU_NORMAL_PT_UPDATE, val };
	return hv_mmu_update(&u, 1, NULL);
}

int mm_pin(unsigned level, uint32_t mfn)
{
	static const uint32_t cmd[] = { 0, RV_MMUEXT_PIN_L1_TABLE, RV_MMUEXT_PIN_L2_TABLE,
					RV_MMUEXT_PIN_L3_TABLE };
	return level >= 1 && level <= 3 ? hv_mmuext(cmd[level], mfn) : -RV_EINVAL;
}

int mm_unpin(uint32_t mfn)
{
	return hv_mmuext(RV_MMUEXT_UNPIN_TABLE, mfn);
}

int mm_window(uint32_t va, uint32_t *l1_mfn)
{
	uint64_t pde = pt_maddr(va, 2);
	if (!pde)
		return -RV_ENOENT;
	uint32_t mfn = take_table_frame();
	if (l1_mfn)
		*l1_mfn = mfn;
	return mm_update(pde, pte_make(mfn, PG_P | PG_RW | PG_US));
}
