/* The hypervisor's own address space: RAM 1:1 plus the switch region. */
#ifndef HV_MM_H
#define HV_MM_H

#include "types.h"
#include "pagetable.h"
#include "multiboot.h"

extern struct pae_space hv_space;
extern struct pt_env hv_pt_env;

/* Image layout symbols from hv.ld. */
extern char __image_start[], __text_end[], __rodata_end[], __switch_lma[];
extern char __switch_start[], __switch_end[], __bss_start[], __image_end[];

/* Build the page tables, turn on PAE paging, NX, global pages and CR0.WP. */
void mm_init(const struct boot_info *bi);

/* Map a device's registers [pa, pa + len) 1:1, uncached, non-executable,
 * in the hypervisor's space only: 0 or the page-table error. */
int mm_map_device(paddr_t pa, uint32_t len);

/* A frame's address in the hypervisor's space (RAM is mapped 1:1). */
static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline paddr_t virt_to_phys(const void *va)
{
	return (paddr_t)(uintptr_t)va;
}

#endif
