/*
 * The switch region (layout in switch.h): one level-1 page table shared by
 * every address space, mapping the descriptor tables and stubs read-only and
 * the per-CPU entry stack read-write.
 */
#include "switch.h"
#include "frame.h"
#include "mm.h"
#include "panic.h"
#include "string.h"

paddr_t switch_l1;
struct seg_desc *gdt;
struct seg_desc *bt_gdt;
struct seg_desc *bt_ldt;
struct gate_desc *idt;
struct tss32 *tss;
uint32_t switch_guest_cr3;

/* Private stack for C code handling traps from guests (CPU 0). */
static uint8_t trap_stack[16384] __aligned(PAGE_SIZE);

/* Low alias of an object linked into the switch region. */
static void *switch_low_alias(const void *high)
{
	return __switch_lma + ((const char *)high - __switch_start);
}

static paddr_t must_alloc(void)
{
	paddr_t pa = alloc_frame();
	if (!pa)
		panic("out of memory building the switch region");
	return pa;
}

static void map(const struct pt_env *env, struct pae_space *tmp, vaddr_t va, paddr_t pa,
		pte_t flags)
{
	/* Global: the region is identical in every address space, so its TLB
	 * entries may survive CR3 writes (nothing else may be global). */
	if (pt_map_page(env, tmp, va, pa, flags | PTE_G))
		panic("cannot map switch region page %#x", va);
}

void switch_region_init(const struct pt_env *env)
{
	/* A scratch address space to build the shared L1 with the usual helper. */
	struct pae_space tmp;
	if (pt_create(env, &tmp))
		panic("out of memory building the switch region");
	switch_l1 = must_alloc();
	if (pt_install_l1(env, &tmp, SWITCH_BASE, switch_l1, PTE_RW))
		panic("switch region: cannot install L1");

	paddr_t gdt_pa = must_alloc(), idt_pa = must_alloc();
	gdt = phys_to_virt(gdt_pa);
	idt = phys_to_virt(idt_pa);
	map(env, &tmp, SWITCH_GDT, gdt_pa, PTE_NX);
	map(env, &tmp, SWITCH_IDT, idt_pa, PTE_NX);
	paddr_t bt_gdt_pa = must_alloc();
	bt_gdt = phys_to_virt(bt_gdt_pa);
	memset(bt_gdt, 0, PAGE_SIZE);
	map(env, &tmp, SWITCH_BT_GDT, bt_gdt_pa, PTE_NX);
	paddr_t bt_ldt_pa = must_alloc();
	bt_ldt = phys_to_virt(bt_ldt_pa);
	memset(bt_ldt, 0, PAGE_SIZE);
	map(env, &tmp, SWITCH_BT_LDT, bt_ldt_pa, PTE_NX);

	/* The TSS spans three pages: they must be physically contiguous only
	 * in the hypervisor's 1:1 view, so take the first and check the rest. */
	paddr_t tss_pa[SWITCH_TSS_PAGES];
	for (int i = 0; i < SWITCH_TSS_PAGES; i++) {
		tss_pa[i] = must_alloc();
		if (i && tss_pa[i] != tss_pa[i - 1] + PAGE_SIZE)
			panic("switch region: TSS frames not contiguous");
		map(env, &tmp, SWITCH_TSS + i * PAGE_SIZE, tss_pa[i], PTE_NX);
	}
	tss = phys_to_virt(tss_pa[0]);

	uint32_t stub_pages = (uint32_t)(__switch_end - __switch_start) / PAGE_SIZE;
	if (stub_pages > SWITCH_STUBS_MAX_PAGES)
		panic("switch region: stubs need %u pages", stub_pages);
	for (uint32_t i = 0; i < stub_pages; i++)
		map(env, &tmp, SWITCH_STUBS + i * PAGE_SIZE,
		    (paddr_t)(uintptr_t)__switch_lma + i * PAGE_SIZE, 0);

	paddr_t stack_pa = must_alloc();
	map(env, &tmp, SWITCH_ENTRY_STACK, stack_pa, PTE_RW | PTE_NX);

	struct switch_data *sd = switch_low_alias(&switch_data);
	sd->trap_stack_top = (uint32_t)(uintptr_t)(trap_stack + sizeof(trap_stack));
	/* hv_cr3 is filled in by switch_region_install() for the hypervisor. */

	/* The scratch PDPT and directories are not needed any more; the L1
	 * lives on in every address space. */
	pte_t *l3 = env->table(tmp.pdpt);
	for (int i = 0; i < 4; i++)
		free_frame(l3[i] & PTE_ADDR_MASK);
	free_frame(tmp.pdpt);
}

int switch_region_install(const struct pt_env *env, struct pae_space *space)
{
	return pt_install_l1(env, space, SWITCH_BASE, switch_l1, PTE_RW);
}

void switch_set_hv_cr3(uint32_t cr3)
{
	struct switch_data *sd = switch_low_alias(&switch_data);
	sd->hv_cr3 = cr3;
}
