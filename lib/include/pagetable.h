/*
 * PAE page tables (3 levels, 64-bit entries, NX). Pure construction and
 * lookup helpers: they reach table memory only through struct pt_env, so the
 * host unit tests run them on an array standing in for physical memory.
 *
 *   level 3: PDPT, 4 entries, each covering 1 GiB (only P/PWT/PCD allowed)
 *   level 2: page directory, 512 entries of 2 MiB (PS=1: a 2 MiB page)
 *   level 1: page table, 512 entries of 4 KiB
 */
#ifndef LIB_PAGETABLE_H
#define LIB_PAGETABLE_H

#include "types.h"

typedef uint64_t pte_t;

#define PTE_P           (1ull << 0)     /* present */
#define PTE_RW          (1ull << 1)     /* writable */
#define PTE_US          (1ull << 2)     /* user (ring 3) may access */
#define PTE_PWT         (1ull << 3)
#define PTE_PCD         (1ull << 4)     /* cache disable */
#define PTE_A           (1ull << 5)     /* accessed */
#define PTE_D           (1ull << 6)     /* dirty */
#define PTE_PS          (1ull << 7)     /* 2 MiB page (level 2 only) */
#define PTE_G           (1ull << 8)     /* global: survives CR3 writes */
#define PTE_NX          (1ull << 63)    /* no execute (EFER.NXE) */
#define PTE_ADDR_MASK   0x000ffffffffff000ull
#define PTE_ADDR_2M     0x000fffffffe00000ull

#define PT_ENTRIES      512
#define L2_SHIFT        21              /* 2 MiB */
#define L3_SHIFT        30              /* 1 GiB */
#define LARGE_PAGE_SIZE (1u << L2_SHIFT)

#define L3_INDEX(va)    (((va) >> L3_SHIFT) & 3)
#define L2_INDEX(va)    (((va) >> L2_SHIFT) & 511)
#define L1_INDEX(va)    (((va) >> PAGE_SHIFT) & 511)

/* How the helpers reach and obtain table memory. */
struct pt_env {
	pte_t *(*table)(paddr_t pa);    /* a table's entries, given its address */
	paddr_t (*alloc)(void);         /* a zeroed frame, or 0 when out of memory */
	uint64_t nx;                    /* PTE_NX when EFER.NXE is on, else 0 */
	/*
	 * Optional, for a caller whose entries hold other addresses than its
	 * own and whose tables it may not write (a paravirtualized guest): the
	 * helpers take and return the caller's own (pseudo-physical) addresses,
	 * translate with to_entry/from_entry, and store every entry through
	 * write. NULL: entries hold the caller's addresses, stored directly.
	 */
	paddr_t (*to_entry)(paddr_t pa);
	paddr_t (*from_entry)(paddr_t entry_addr);
	void (*write)(pte_t *slot, pte_t val);
	/* Optional: stores an entry that links in a table just made (a PDPTE
	 * or a PDE), which the walk that follows reads back at once; NULL:
	 * write (or directly). A caller that queues leaf writes writes these
	 * at once. */
	void (*write_link)(pte_t *slot, pte_t val);
};

/* An address space: the physical address of its PDPT (what CR3 holds). */
struct pae_space {
	paddr_t pdpt;
};

/* Flags of a mapping request. PTE_NX in flags is dropped if env->nx is 0. */
#define PT_MAP_LARGE    (1u << 0)       /* pt_map_range may use 2 MiB pages */

/* A PDPT with all four page directories present. 0 or -RV_ENOMEM. */
int pt_create(const struct pt_env *env, struct pae_space *space);
/* Map one 4 KiB page. -RV_EEXIST if a 2 MiB page covers va, -RV_ENOMEM. */
int pt_map_page(const struct pt_env *env, struct pae_space *space, vaddr_t va, paddr_t pa,
		pte_t flags);
/* Map [va, va+len) to [pa, pa+len) (both page aligned), using 2 MiB pages where
 * both addresses are 2 MiB aligned, a whole 2 MiB remains, no page table is
 * already there, and PT_MAP_LARGE is set. */
int pt_map_range(const struct pt_env *env, struct pae_space *space, vaddr_t va, paddr_t pa,
		 uint32_t len, pte_t flags, unsigned how);
/* Remove the 4 KiB mapping of va (splitting nothing). -RV_ENOENT if none. */
int pt_unmap_page(const struct pt_env *env, struct pae_space *space, vaddr_t va);
/* Install an existing page table (level 1) for the 2 MiB slot holding va:
 * how the switch region is shared by every address space. */
int pt_install_l1(const struct pt_env *env, struct pae_space *space, vaddr_t va, paddr_t l1,
		  pte_t flags);

/* The result of a walk. */
struct pt_walk {
	pte_t leaf;             /* the final entry */
	int level;              /* 1 (4 KiB) or 2 (2 MiB) */
	paddr_t pa;             /* the physical address va translates to */
	bool writable;          /* RW at every level */
	bool user;              /* US at every level */
	bool nx;                /* NX at any level (when env->nx) */
	bool global;
};
/* Translate va. 0 and *w filled, or -RV_ENOENT if not present at some level. */
int pt_walk(const struct pt_env *env, const struct pae_space *space, vaddr_t va,
	    struct pt_walk *w);

#endif
