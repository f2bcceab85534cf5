/*
 * A hw domain's memory: its frames, and the nested page tables through
 * which the CPU translates every guest-physical address (AMD APM vol. 2,
 * 15.25). PAE format, because that is what works from our 32-bit PAE host
 * (../shared/probes/p7_svm.c); the tables are the hypervisor's, never
 * mapped in any guest, so the guest reaches exactly the frames listed
 * here and nothing else (docs/hw.md, "Memory").
 *
 * The guest-physical map is a PC's: RAM from 0, with the legacy hole at
 * 0xA0000-0xBFFFF left unmapped except VGA text RAM at 0xB8000, the ROM
 * area 0xC0000-0xFFFFF mapped read-only (our ACPI and MP tables live
 * there), RAM again from 1 MiB, and nothing above it: the I/O APIC and
 * local APIC pages are absent, so every access to them exits as a nested
 * page fault and reaches the device registry.
 */
#include "hw.h"
#include "domain.h"
#include "errno.h"
#include "frame.h"
#include "mm.h"
#include "format.h"
#include "string.h"

static pte_t *table_1to1(paddr_t pa)
{
	return phys_to_virt(pa);
}

static struct domain *npt_owner;        /* whose tables alloc_npt_frame counts */

static paddr_t alloc_npt_frame(void)
{
	paddr_t pa = alloc_frame();
	if (pa)
		npt_owner->hw->npt_frames++;
	return pa;
}

static const struct pt_env npt_env = {
	.table = table_1to1,
	.alloc = alloc_npt_frame,
	.nx = 0,                        /* nested entries: no NX, guest code runs from RAM */
};

/* How a guest page frame number appears in the nested tables: 0 (absent),
 * or its entry flags. */
static pte_t gfn_flags(uint32_t gfn)
{
	uint32_t gpa = gfn << PAGE_SHIFT;
	if (gpa >= HW_VGA_START && gpa < HW_VGA_TEXT)
		return 0;                       /* graphics windows: MMIO */
	if (gpa >= HW_VGA_TEXT && gpa < HW_ROM_START)
		return PTE_P | PTE_RW | PTE_US; /* text-mode video RAM */
	if (gpa >= HW_ROM_START && gpa < HW_LOW_END)
		return PTE_P | PTE_US;          /* ROM: writes fault (and are dropped) */
	/* Nested walks are user accesses (APM 15.25.5): U/S on every level. */
	return PTE_P | PTE_RW | PTE_US;
}

int hw_npt_build(struct domain *d, char *err, size_t errlen)
{
	npt_owner = d;
	int rc = pt_create(&npt_env, &d->hw->npt);
	for (uint32_t gfn = 0; !rc && gfn < d->nr_pages; gfn++) {
		pte_t flags = gfn_flags(gfn);
		if (flags)
			rc = pt_map_page(&npt_env, &d->hw->npt, gfn << PAGE_SHIFT,
					 (paddr_t)d->p2m[gfn] << PAGE_SHIFT, flags);
	}
	if (rc)
		snprintf(err, errlen, "no memory for the nested page tables (%u frames so far)",
			 d->hw->npt_frames);
	return rc;
}

void hw_npt_destroy(struct domain *d)
{
	if (!d->hw->npt.pdpt)
		return;
	pte_t *l3 = table_1to1(d->hw->npt.pdpt);
	for (unsigned i = 0; i < 4; i++) {
		if (!(l3[i] & PTE_P))
			continue;
		pte_t *l2 = table_1to1(l3[i] & PTE_ADDR_MASK);
		for (unsigned j = 0; j < PT_ENTRIES; j++)
			if ((l2[j] & PTE_P) && !(l2[j] & PTE_PS))
				free_frame(l2[j] & PTE_ADDR_MASK);
		free_frame(l3[i] & PTE_ADDR_MASK);
	}
	free_frame(d->hw->npt.pdpt);
	d->hw->npt.pdpt = 0;
	d->hw->npt_frames = 0;
}

paddr_t hw_gpa_to_ma(const struct domain *d, uint64_t gpa)
{
	if (gpa >= (uint64_t)d->nr_pages << PAGE_SHIFT)
		return 0;
	uint32_t gfn = (uint32_t)(gpa >> PAGE_SHIFT);
	if (!gfn_flags(gfn))
		return 0;
	return ((paddr_t)d->p2m[gfn] << PAGE_SHIFT) | (gpa & (PAGE_SIZE - 1));
}

int hw_ram_rw(const struct domain *d, uint64_t gpa, void *buf, unsigned n, bool write)
{
	paddr_t ma = hw_gpa_to_ma(d, gpa);
	if (!ma || ((gpa + n - 1) >> PAGE_SHIFT) != (gpa >> PAGE_SHIFT))
		return -EFAULT;
	if (write)
		memcpy(phys_to_virt(ma), buf, n);
	else
		memcpy(buf, phys_to_virt(ma), n);
	return 0;
}

/* n bytes between buf and guest-physical gpa, page by page (RAM only). */
static int copy_gpa(const struct domain *d, uint64_t gpa, uint8_t *buf, size_t n, bool to_guest)
{
	while (n) {
		paddr_t ma = hw_gpa_to_ma(d, gpa);
		if (!ma)
			return -EFAULT;
		size_t chunk = MIN(n, PAGE_SIZE - (size_t)(gpa & (PAGE_SIZE - 1)));
		if (to_guest)
			memcpy(phys_to_virt(ma), buf, chunk);
		else
			memcpy(buf, phys_to_virt(ma), chunk);
		buf += chunk, gpa += chunk, n -= chunk;
	}
	return 0;
}

int hw_copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t n)
{
	return copy_gpa(d, gpa, (uint8_t *)(uintptr_t)src, n, true);
}

int hw_copy_from_gpa(const struct domain *d, uint64_t gpa, void *dst, size_t n)
{
	return copy_gpa(d, gpa, dst, n, false);
}
