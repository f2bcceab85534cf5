/* hv/arch/x86/pagetable.c: PAE table construction, large pages, walks and shared L1s. */
#include "unit.h"

#include <string.h>

#include "errno.h"
#include "pagetable.h"

/* "Physical memory": NPAGES host pages; pa is an offset into it. */
#define NPAGES 256
static uint8_t *mem;
static unsigned next_page;      /* next page alloc() hands out (page 0 never) */
static int allocs_left;         /* alloc() fails once this reaches 0; -1: never */

static pte_t *table(paddr_t pa)
{
	assert_true(pa >= PAGE_SIZE && pa < (paddr_t)NPAGES * PAGE_SIZE);
	assert_int_equal(pa & (PAGE_SIZE - 1), 0);
	return (pte_t *)(mem + pa);
}

static paddr_t alloc(void)
{
	if (allocs_left == 0 || next_page >= NPAGES)
		return 0;
	if (allocs_left > 0)
		allocs_left--;
	memset(mem + (size_t)next_page * PAGE_SIZE, 0, PAGE_SIZE);
	return (paddr_t)next_page++ * PAGE_SIZE;
}

static struct pt_env env = { .table = table, .alloc = alloc, .nx = PTE_NX };
static struct pae_space space;

static int setup(void **state)
{
	mem = aligned_alloc(PAGE_SIZE, (size_t)NPAGES * PAGE_SIZE);
	assert_non_null(mem);
	memset(mem, 0xa5, (size_t)NPAGES * PAGE_SIZE);  /* unallocated memory is junk */
	next_page = 1;
	allocs_left = -1;
	env.nx = PTE_NX;
	return 0;
}

static int teardown(void **state)
{
	free(mem);
	return 0;
}

/* setup() plus an address space to work in. */
static int setup_space(void **state)
{
	setup(state);
	assert_int_equal(pt_create(&env, &space), 0);
	return 0;
}

static struct pt_walk walk(vaddr_t va)
{
	struct pt_walk w;
	memset(&w, 0x77, sizeof(w));
	assert_int_equal(pt_walk(&env, &space, va, &w), 0);
	return w;
}

static void assert_unmapped(const struct pae_space *s, vaddr_t va)
{
	struct pt_walk w;
	assert_int_equal(pt_walk(&env, s, va, &w), -ENOENT);
}

static void test_create_pdptes(void **state)
{
	struct pae_space s;
	assert_int_equal(pt_create(&env, &s), 0);
	assert_int_not_equal(s.pdpt, 0);
	assert_int_equal(next_page, 6);         /* the PDPT and four directories */

	pte_t *l3 = table(s.pdpt);
	for (int i = 0; i < 4; i++) {
		paddr_t dir = l3[i] & PTE_ADDR_MASK;
		/* Only P and the address: RW/US/NX are reserved bits in a PDPTE. */
		assert_int_equal(l3[i], dir | PTE_P);
		assert_int_not_equal(dir, 0);
		assert_int_not_equal(dir, s.pdpt);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(dir, l3[j] & PTE_ADDR_MASK);
		for (int e = 0; e < PT_ENTRIES; e++)
			assert_int_equal(table(dir)[e], 0);
	}
	for (int i = 4; i < PT_ENTRIES; i++)
		assert_int_equal(l3[i], 0);
	assert_unmapped(&s, 0);
	assert_unmapped(&s, 0xfffff000);
}

static void test_map_walk_roundtrip(void **state)
{
	pte_t all = PTE_RW | PTE_US | PTE_G | PTE_NX;

	assert_int_equal(pt_map_page(&env, &space, 0x00401000, 0x12345000, all), 0);
	struct pt_walk w = walk(0x00401abc);
	assert_int_equal(w.pa, 0x12345abc);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.leaf, 0x12345000 | all | PTE_P);
	assert_true(w.writable && w.user && w.nx && w.global);

	/* No flags: present, read-only, supervisor, executable, not global. */
	assert_int_equal(pt_map_page(&env, &space, 0x00402000, 0x5000, 0), 0);
	w = walk(0x00402fff);
	assert_int_equal(w.pa, 0x5fff);
	assert_int_equal(w.leaf, 0x5000 | PTE_P);
	assert_false(w.writable || w.user || w.nx || w.global);

	/* Each flag on its own, in another GiB, with a pa above 4 GiB (PAE). */
	const pte_t one[] = { PTE_RW, PTE_US, PTE_G, PTE_NX };
	for (int i = 0; i < 4; i++) {
		vaddr_t va = 0xc0000000u + (vaddr_t)i * PAGE_SIZE;
		assert_int_equal(pt_map_page(&env, &space, va, 0x987654000ull + i * PAGE_SIZE,
					     one[i]), 0);
		w = walk(va + 8);
		assert_int_equal(w.pa, 0x987654008ull + i * PAGE_SIZE);
		assert_int_equal(w.writable, i == 0);
		assert_int_equal(w.user, i == 1);
		assert_int_equal(w.global, i == 2);
		assert_int_equal(w.nx, i == 3);
	}

	/* Address bits in flags are ignored; remapping replaces the entry. */
	assert_int_equal(pt_map_page(&env, &space, 0x00401000, 0x7000, 0xabc000 | PTE_RW), 0);
	assert_int_equal(walk(0x00401000).pa, 0x7000);
	assert_unmapped(&space, 0x00403000);    /* same table, empty entry */
	assert_unmapped(&space, 0x80000000);    /* no table at all */
}

static void test_nx_dropped_without_nxe(void **state)
{
	env.nx = 0;
	assert_int_equal(pt_map_page(&env, &space, 0x1000, 0x1000, PTE_NX | PTE_RW), 0);
	struct pt_walk w = walk(0x1000);
	assert_int_equal(w.leaf & PTE_NX, 0);
	assert_false(w.nx);
	assert_true(w.writable);

	assert_int_equal(pt_map_range(&env, &space, 0x200000, 0x200000, LARGE_PAGE_SIZE,
				      PTE_NX, PT_MAP_LARGE), 0);
	w = walk(0x200000);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.leaf & PTE_NX, 0);
	assert_false(w.nx);
}

/* Permissions are the AND of the levels (NX the OR): vary the directory entry. */
static void test_flags_combine_across_levels(void **state)
{
	static const struct { pte_t pde; bool rw, us, nx; } cases[] = {
		{ PTE_RW, true, false, false },
		{ PTE_US, false, true, false },
		{ PTE_RW | PTE_US | PTE_NX, true, true, true },
		{ PTE_PS | PTE_RW | PTE_US, true, true, false },   /* PS is not for a table */
	};
	for (int i = 0; i < 4; i++) {
		vaddr_t va = 0x10000000u + (vaddr_t)i * LARGE_PAGE_SIZE;
		paddr_t l1 = alloc();
		assert_int_equal(pt_install_l1(&env, &space, va, l1, cases[i].pde), 0);
		assert_int_equal(pt_map_page(&env, &space, va + 0x3000, 0x44000,
					     PTE_RW | PTE_US), 0);
		struct pt_walk w = walk(va + 0x3000);
		assert_int_equal(w.level, 1);
		assert_int_equal(w.pa, 0x44000);
		assert_int_equal(w.writable, cases[i].rw);
		assert_int_equal(w.user, cases[i].us);
		assert_int_equal(w.nx, cases[i].nx);
		/* The leaf went into the installed table, not a new one. */
		assert_int_equal(table(l1)[3], 0x44000 | PTE_RW | PTE_US | PTE_P);
	}
	/* Without EFER.NXE, NX in a directory entry means nothing either. */
	env.nx = 0;
	assert_false(walk(0x10000000u + 2 * LARGE_PAGE_SIZE + 0x3000).nx);
}

static void test_map_range_large_pages(void **state)
{
	unsigned before = next_page;

	assert_int_equal(pt_map_range(&env, &space, 0x400000, 0x40000000, 2 * LARGE_PAGE_SIZE,
				      PTE_RW | PTE_G, PT_MAP_LARGE), 0);
	assert_int_equal(next_page, before);    /* no page table needed */
	struct pt_walk w = walk(0x400000);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.pa, 0x40000000);
	assert_true(w.leaf & PTE_PS);
	assert_true(w.writable && w.global);
	w = walk(0x5ff123);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.pa, 0x401ff123);
	assert_int_equal(walk(0x7fffff).pa, 0x403fffff);
	assert_unmapped(&space, 0x800000);

	/* Without PT_MAP_LARGE: 4 KiB pages. */
	assert_int_equal(pt_map_range(&env, &space, 0x1000000, 0x1000000, LARGE_PAGE_SIZE, 0, 0), 0);
	assert_int_equal(walk(0x1000000).level, 1);
	assert_int_equal(walk(0x11ff000).pa, 0x11ff000);

	/* va aligned, pa not 2 MiB aligned: 4 KiB pages. */
	assert_int_equal(pt_map_range(&env, &space, 0x2000000, 0x3001000, LARGE_PAGE_SIZE, 0,
				      PT_MAP_LARGE), 0);
	assert_int_equal(walk(0x2000000).level, 1);
	assert_int_equal(walk(0x21ff000).pa, 0x3200000);

	/* Less than 2 MiB left: 4 KiB pages. */
	assert_int_equal(pt_map_range(&env, &space, 0x2400000, 0x2400000, LARGE_PAGE_SIZE - PAGE_SIZE,
				      0, PT_MAP_LARGE), 0);
	assert_int_equal(walk(0x2400000).level, 1);
	assert_unmapped(&space, 0x25ff000);

	/* Both become 2 MiB aligned mid-range: 4 KiB, then 2 MiB, then 4 KiB. */
	assert_int_equal(pt_map_range(&env, &space, 0x2a01000, 0x50001000,
				      2 * LARGE_PAGE_SIZE, 0, PT_MAP_LARGE), 0);
	assert_int_equal(walk(0x2a01000).level, 1);
	assert_int_equal(walk(0x2bff000).level, 1);
	w = walk(0x2c00000);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.pa, 0x50200000);
	w = walk(0x2e00000);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.pa, 0x50400000);
	assert_unmapped(&space, 0x2e01000);

	/* A page table already there: no 2 MiB page over it. */
	assert_int_equal(pt_map_page(&env, &space, 0x3000000, 0x9000, 0), 0);
	assert_int_equal(pt_map_range(&env, &space, 0x3000000, 0x3000000, LARGE_PAGE_SIZE, 0,
				      PT_MAP_LARGE), 0);
	assert_int_equal(walk(0x3000000).level, 1);
	assert_int_equal(walk(0x3000000).pa, 0x3000000);
	assert_int_equal(walk(0x31ff000).level, 1);

	/* Up to the very top of the address space. */
	assert_int_equal(pt_map_range(&env, &space, 0xffe00000, 0xffe00000, LARGE_PAGE_SIZE, 0,
				      PT_MAP_LARGE), 0);
	assert_int_equal(walk(0xffffffff).pa, 0xffffffff);
	assert_int_equal(walk(0xffffffff).level, 2);
}

static void test_map_range_invalid(void **state)
{
	unsigned before = next_page;

	assert_int_equal(pt_map_range(&env, &space, 0x1001, 0x2000, 0x1000, 0, 0), -EINVAL);
	assert_int_equal(pt_map_range(&env, &space, 0x1000, 0x2800, 0x1000, 0, 0), -EINVAL);
	assert_int_equal(pt_map_range(&env, &space, 0x1000, 0x2000, 0x1001, 0, 0), -EINVAL);
	assert_int_equal(pt_map_range(&env, &space, 0x1000, 0x2000, 0, 0, 0), 0);
	assert_int_equal(next_page, before);
	assert_unmapped(&space, 0x1000);
}

/* [0xfffff000, 0x100001000) does not fit below 4 GiB: refused, nothing mapped. */
static void test_map_range_wrapping(void **state)
{
	assert_int_equal(pt_map_range(&env, &space, 0xfffff000, 0x100000, 2 * PAGE_SIZE, 0, 0),
			 -EINVAL);
	assert_unmapped(&space, 0);
	assert_unmapped(&space, 0xfffff000);
	assert_int_equal(pt_map_range(&env, &space, 0xffe00000, 0, 0x400000, 0, PT_MAP_LARGE),
			 -EINVAL);
	assert_unmapped(&space, 0);
}

static void test_large_page_conflicts(void **state)
{
	assert_int_equal(pt_map_range(&env, &space, 0x200000, 0x800000, LARGE_PAGE_SIZE, PTE_RW,
				      PT_MAP_LARGE), 0);
	assert_int_equal(pt_map_page(&env, &space, 0x201000, 0x1000, 0), -EEXIST);
	assert_int_equal(pt_map_range(&env, &space, 0x3ff000, 0x1000, PAGE_SIZE, 0, 0), -EEXIST);
	assert_int_equal(pt_unmap_page(&env, &space, 0x201000), -ENOENT);  /* never split */
	assert_int_equal(pt_install_l1(&env, &space, 0x200000, alloc(), PTE_RW), -EEXIST);
	struct pt_walk w = walk(0x201000);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.pa, 0x801000);
	assert_true(w.writable);
}

static void test_unmap(void **state)
{
	assert_int_equal(pt_map_range(&env, &space, 0x700000, 0x700000, 3 * PAGE_SIZE, PTE_RW, 0), 0);
	assert_int_equal(pt_unmap_page(&env, &space, 0x701000), 0);
	assert_unmapped(&space, 0x701000);
	assert_unmapped(&space, 0x701fff);
	assert_int_equal(walk(0x700000).pa, 0x700000);
	assert_int_equal(walk(0x702000).pa, 0x702000);
	assert_int_equal(pt_unmap_page(&env, &space, 0x701000), -ENOENT);
	assert_int_equal(pt_unmap_page(&env, &space, 0x40000000), -ENOENT);       /* no table */
}

/* One L1 in two address spaces: what one maps, the other sees. */
static void test_install_l1_shared(void **state)
{
	struct pae_space a, b;
	const vaddr_t slot = 0xffc00000;

	assert_int_equal(pt_create(&env, &a), 0);
	assert_int_equal(pt_create(&env, &b), 0);
	paddr_t l1 = alloc();
	assert_int_equal(pt_install_l1(&env, &a, slot, l1, PTE_RW), 0);
	assert_int_equal(pt_install_l1(&env, &b, slot + 0x1ff000, l1, PTE_RW), 0);

	assert_int_equal(pt_map_page(&env, &a, slot + 0x3000, 0xabc000, PTE_RW), 0);
	struct pt_walk w;
	assert_int_equal(pt_walk(&env, &b, slot + 0x3010, &w), 0);
	assert_int_equal(w.pa, 0xabc010);
	assert_true(w.writable);
	assert_false(w.user);                   /* the PDE did not grant US */

	assert_int_equal(pt_unmap_page(&env, &b, slot + 0x3000), 0);
	assert_unmapped(&a, slot + 0x3000);

	/* The slot is taken now, as is one with a table made by pt_map_page. */
	assert_int_equal(pt_install_l1(&env, &a, slot, alloc(), PTE_RW), -EEXIST);
	assert_int_equal(pt_map_page(&env, &a, 0x100000, 0x100000, 0), 0);
	assert_int_equal(pt_install_l1(&env, &a, 0x100000, l1, 0), -EEXIST);
	assert_int_equal(pt_walk(&env, &a, 0x100000, &w), 0);
	assert_int_equal(w.level, 1);
	assert_unmapped(&space, slot);          /* a third space is not affected */
}

static void test_enomem(void **state)
{
	struct pae_space s = { 0 };

	allocs_left = 0;
	assert_int_equal(pt_create(&env, &s), -ENOMEM);
	allocs_left = 3;                        /* PDPT and 2 of 4 directories */
	assert_int_equal(pt_create(&env, &s), -ENOMEM);

	allocs_left = 5;
	assert_int_equal(pt_create(&env, &s), 0);
	assert_int_equal(pt_map_page(&env, &s, 0x1000, 0x1000, 0), -ENOMEM);
	assert_unmapped(&s, 0x1000);
	assert_int_equal(pt_map_range(&env, &s, 0x1000, 0x1000, 4 * PAGE_SIZE, 0, 0), -ENOMEM);

	/* Large pages need no memory; the first 4 KiB page does. */
	assert_int_equal(pt_map_range(&env, &s, 0x400000, 0x400000, LARGE_PAGE_SIZE, 0,
				      PT_MAP_LARGE), 0);
	assert_int_equal(pt_map_range(&env, &s, 0x600000, 0x600000,
				      LARGE_PAGE_SIZE + PAGE_SIZE, 0, PT_MAP_LARGE), -ENOMEM);
	allocs_left = 1;
	assert_int_equal(pt_map_page(&env, &s, 0x1000, 0x1000, 0), 0);
}

/* The paravirtual hooks: entries hold "machine" addresses (here the caller's
 * plus 64 pages), every entry is stored through write, and the helpers still
 * take and return the caller's addresses. */
#define MOFF ((paddr_t)64 * PAGE_SIZE)
static unsigned hook_writes;

static paddr_t to_machine(paddr_t pa)
{
	return pa + MOFF;
}

static paddr_t from_machine(paddr_t ma)
{
	return ma - MOFF;
}

static void write_hook(pte_t *slot, pte_t val)
{
	hook_writes++;
	*slot = val;
}

static void test_pv_hooks(void **state)
{
	struct pt_env pv = { .table = table, .alloc = alloc, .nx = PTE_NX,
			     .to_entry = to_machine, .from_entry = from_machine,
			     .write = write_hook };
	struct pae_space s;
	struct pt_walk w;

	hook_writes = 0;
	assert_int_equal(pt_create(&pv, &s), 0);
	assert_int_equal(hook_writes, 4);               /* the four PDPTEs */
	pte_t *l3 = table(s.pdpt);
	assert_true((l3[0] & PTE_ADDR_MASK) >= MOFF);   /* entries hold machine addresses */
	assert_int_equal(pt_map_page(&pv, &s, 0x00400000, 5 * PAGE_SIZE, PTE_RW), 0);
	assert_int_equal(hook_writes, 6);               /* a PDE for the new L1, then the PTE */
	assert_int_equal(pt_walk(&pv, &s, 0x00400123, &w), 0);
	assert_int_equal(w.pa, 5 * PAGE_SIZE + 0x123);  /* back in the caller's addresses */
	assert_int_equal(w.leaf & PTE_ADDR_MASK, 5 * PAGE_SIZE + MOFF);
	assert_int_equal(pt_unmap_page(&pv, &s, 0x00400000), 0);
	assert_int_equal(hook_writes, 7);
	assert_int_equal(pt_walk(&pv, &s, 0x00400000, &w), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pv_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_pdptes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_walk_roundtrip, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_nx_dropped_without_nxe, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_flags_combine_across_levels, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_map_range_large_pages, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_map_range_invalid, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_map_range_wrapping, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_large_page_conflicts, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_unmap, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_install_l1_shared, setup_space, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup_space, teardown),
	};
	return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
