/*
 * Reading and writing guest memory on a guest's behalf (hypercall buffers,
 * exception frames on the guest's stack). Every page of the range is looked
 * up in the guest's own page tables first: a pointer into the switch region,
 * to an unmapped page or (for writes) to a read-only page is refused with
 * -EFAULT before a single byte moves.
 */
#include "pv.h"
#include "domain.h"
#include "errno.h"
#include "mm.h"
#include "string.h"

static pte_t *table_1to1(paddr_t pa)
{
	return phys_to_virt(pa);
}

/* The machine address behind va for d, or 0 if d may not access it so. */
static paddr_t translate(struct domain *d, uint32_t va, bool write)
{
	struct pt_env env = { .table = table_1to1, .alloc = NULL, .nx = hv_pt_env.nx };
	struct pt_walk w;

	if (va >= RV_GUEST_VIRT_END || !d->space.pdpt)
		return 0;
	if (pt_walk(&env, &d->space, va, &w))
		return 0;
	/* Ring 1 is supervisor: only RW matters (CR0.WP), not US. */
	if (write && !w.writable)
		return 0;
	return w.pa;
}

int guest_check_range(struct domain *d, uint32_t va, uint32_t len, bool write)
{
	if (len == 0)
		return 0;
	if ((uint64_t)va + len > RV_GUEST_VIRT_END)
		return -EFAULT;         /* wraps, or reaches the switch region */
	for (uint32_t p = va & PAGE_MASK; p < va + len && p >= (va & PAGE_MASK); p += PAGE_SIZE)
		if (!translate(d, p, write))
			return -EFAULT;
	return 0;
}

int copy_from_guest(struct domain *d, void *dst, uint32_t src_va, uint32_t len)
{
	int rc = guest_check_range(d, src_va, len, false);
	if (rc)
		return rc;
	while (len) {
		uint32_t chunk = MIN(len, PAGE_SIZE - (src_va & (PAGE_SIZE - 1)));
		memcpy(dst, phys_to_virt(translate(d, src_va, false)), chunk);
		dst = (uint8_t *)dst + chunk;
		src_va += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_to_guest(struct domain *d, uint32_t dst_va, const void *src, uint32_t len)
{
	int rc = guest_check_range(d, dst_va, len, true);
	if (rc)
		return rc;
	while (len) {
		uint32_t chunk = MIN(len, PAGE_SIZE - (dst_va & (PAGE_SIZE - 1)));
		memcpy(phys_to_virt(translate(d, dst_va, true)), src, chunk);
		src = (const uint8_t *)src + chunk;
		dst_va += chunk;
		len -= chunk;
	}
	return 0;
}
