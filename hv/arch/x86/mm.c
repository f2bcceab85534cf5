/*
 * The hypervisor's address space. Every available RAM frame is mapped 1:1,
 * except frame 0 (so that NULL dereferences fault). The image is mapped by
 * section: text read-only and executable, everything else non-executable.
 * Nothing here is global: on real hardware a global hypervisor mapping would
 * survive the CR3 switch into a guest and be reachable from ring 1.
 */
#include "mm.h"
#include "cpu.h"
#include "frame.h"
#include "panic.h"
#include "printk.h"
#include "switch.h"
#include "x86.h"

struct pae_space hv_space;

static pte_t *table_1to1(paddr_t pa)
{
	return phys_to_virt(pa);
}

struct pt_env hv_pt_env = {
	.table = table_1to1,
	.alloc = alloc_frame,
	.nx = 0,
};

static void map_or_panic(paddr_t start, paddr_t end, pte_t flags, const char *what)
{
	if (end <= start)
		return;
	int rc = pt_map_range(&hv_pt_env, &hv_space, (vaddr_t)start, start,
			      (uint32_t)(end - start), flags, PT_MAP_LARGE);
	if (rc)
		panic("cannot map %s [%#llx-%#llx): error %d", what,
		      (unsigned long long)start, (unsigned long long)end, rc);
}

/* Map [start, end) of RAM 1:1, read-write and non-executable, leaving out
 * frame 0 and the hypervisor image (mapped separately with finer rights). */
static void map_ram(paddr_t start, paddr_t end)
{
	paddr_t img_s = (uintptr_t)__image_start, img_e = (uintptr_t)__image_end;

	start = ALIGN_UP(start, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (start < PAGE_SIZE)
		start = PAGE_SIZE;
	if (end > RV_SWITCH_BASE)
		end = RV_SWITCH_BASE;
	if (start >= end)
		return;
	if (end <= img_s || start >= img_e) {
		map_or_panic(start, end, PTE_RW | PTE_NX, "RAM");
		return;
	}
	map_or_panic(start, img_s, PTE_RW | PTE_NX, "RAM");
	map_or_panic(img_e, end, PTE_RW | PTE_NX, "RAM");
}

static void enable_paging(void)
{
	if (!cpu_features.pae)
		panic("this CPU has no PAE: ringvisor needs it");
	/* Only bits CPUID reports (see write_cr4). */
	uint32_t cr4 = read_cr4() | CR4_PAE;
	if (cpu_features.pge)
		cr4 |= CR4_PGE;
	write_cr4(cr4);
	if (cpu_features.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr3((uint32_t)hv_space.pdpt);
	/* WP: ring 0 (and ring 1) obey read-only pages, which is what keeps the
	 * GDT, IDT, TSS and stubs out of a guest kernel's reach. */
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

void mm_init(const struct boot_info *bi)
{
	hv_pt_env.nx = cpu_features.nx ? PTE_NX : 0;
	if (pt_create(&hv_pt_env, &hv_space))
		panic("out of memory for the hypervisor page tables");

	for (size_t i = 0; i < bi->nregions; i++) {
		const struct mem_region *r = &bi->map[i];
		/* ACPI tables and NVS are RAM too: keep them reachable. */
		if (r->type == 1 || r->type == 3 || r->type == 4)
			map_ram(r->base, r->base + r->len);
	}

	/* The image, section by section. */
	paddr_t text = (uintptr_t)__image_start, rodata = (uintptr_t)__text_end;
	paddr_t sw = (uintptr_t)__switch_lma, data = sw + (__switch_end - __switch_start);
	map_or_panic(text, rodata, 0, "hypervisor text");
	map_or_panic(rodata, sw, PTE_NX, "hypervisor rodata");
	/* The stubs' low alias: the hypervisor updates their data through it. */
	map_or_panic(sw, data, PTE_RW | PTE_NX, "switch stubs (low alias)");
	map_or_panic(data, (uintptr_t)__image_end, PTE_RW | PTE_NX, "hypervisor data");

	switch_region_init(&hv_pt_env);
	if (switch_region_install(&hv_pt_env, &hv_space))
		panic("cannot install the switch region");
	switch_set_hv_cr3((uint32_t)hv_space.pdpt);
	enable_paging();
	pr_info("paging: PAE%s%s, hypervisor PDPT at %#llx, switch region at %#x\n",
		cpu_features.nx ? " + NX" : " (no NX on this CPU)",
		cpu_features.pge ? " + global pages" : "",
		(unsigned long long)hv_space.pdpt, RV_SWITCH_BASE);
}

int mm_map_device(paddr_t pa, uint32_t len)
{
	int rc = 0;
	for (uint32_t off = 0; !rc && off < len; off += PAGE_SIZE)
		rc = pt_map_page(&hv_pt_env, &hv_space, (vaddr_t)(pa + off), pa + off,
				 PTE_RW | PTE_PCD | PTE_PWT | PTE_NX);
	return rc;
}
