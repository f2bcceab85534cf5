/* PAE page-table construction and walking (pure; see pagetable.h). */
#include "pagetable.h"
#include <public/errno.h>

/* Intermediate entries allow everything; the leaf decides. RW|US on a PDE is
 * harmless because permissions are the AND of all levels. */
#define PDE_TABLE_FLAGS (PTE_P | PTE_RW | PTE_US)

static paddr_t to_e(const struct pt_env *env, paddr_t pa)
{
	return env->to_entry ? env->to_entry(pa) : pa;
}

/* The caller's address of what entry e points to. */
static paddr_t from_e(const struct pt_env *env, pte_t e, uint64_t mask)
{
	return env->from_entry ? env->from_entry(e & mask) : (e & mask);
}

static void store(const struct pt_env *env, pte_t *slot, pte_t val)
{
	if (env->write)
		env->write(slot, val);
	else
		*slot = val;
}

/* An entry linking in a new table. */
static void store_link(const struct pt_env *env, pte_t *slot, pte_t val)
{
	if (env->write_link)
		env->write_link(slot, val);
	else if (env->write)
		env->write(slot, val);
	else
		*slot = val;
}

int pt_create(const struct pt_env *env, struct pae_space *space)
{
	paddr_t pdpt = env->alloc();
	if (!pdpt)
		return -RV_ENOMEM;
	pte_t *l3 = env->table(pdpt);
	for (int i = 0; i < 4; i++) {
		paddr_t l2 = env->alloc();
		if (!l2)
			return -RV_ENOMEM;
		/* PDPTEs in PAE mode take only P, PWT and PCD: RW/US/NX are
		 * reserved there and would make the CR3 load fault. */
		store_link(env, &l3[i], (to_e(env, l2) & PTE_ADDR_MASK) | PTE_P);
	}
	space->pdpt = pdpt;
	return 0;
}

static pte_t *l2_entry(const struct pt_env *env, const struct pae_space *space, vaddr_t va)
{
	pte_t *l3 = env->table(space->pdpt);
	pte_t pdpte = l3[L3_INDEX(va)];
	if (!(pdpte & PTE_P))
		return NULL;
	return &env->table(from_e(env, pdpte, PTE_ADDR_MASK))[L2_INDEX(va)];
}

static pte_t leaf_flags(const struct pt_env *env, pte_t flags)
{
	flags &= ~PTE_ADDR_MASK;
	if (!env->nx)
		flags &= ~PTE_NX;
	return flags | PTE_P;
}

int pt_map_page(const struct pt_env *env, struct pae_space *space, vaddr_t va, paddr_t pa,
		pte_t flags)
{
	pte_t *pde = l2_entry(env, space, va);
	if (!pde)
		return -RV_ENOENT;
	if (*pde & PTE_PS)
		return -RV_EEXIST;
	if (!(*pde & PTE_P)) {
		paddr_t l1 = env->alloc();
		if (!l1)
			return -RV_ENOMEM;
		store_link(env, pde, (to_e(env, l1) & PTE_ADDR_MASK) | PDE_TABLE_FLAGS);
	}
	pte_t *l1 = env->table(from_e(env, *pde, PTE_ADDR_MASK));
	store(env, &l1[L1_INDEX(va)], (to_e(env, pa) & PTE_ADDR_MASK) | leaf_flags(env, flags));
	return 0;
}

int pt_map_range(const struct pt_env *env, struct pae_space *space, vaddr_t va, paddr_t pa,
		 uint32_t len, pte_t flags, unsigned how)
{
	if ((va | pa | len) & (PAGE_SIZE - 1))
		return -RV_EINVAL;
	if ((uint64_t)va + len > 0x100000000ull)
		return -RV_EINVAL;         /* would wrap around 4 GiB to address 0 */
	while (len) {
		pte_t *pde = l2_entry(env, space, va);
		if (!pde)
			return -RV_ENOENT;
		if ((how & PT_MAP_LARGE) && !((va | pa) & (LARGE_PAGE_SIZE - 1)) &&
		    len >= LARGE_PAGE_SIZE && !(*pde & PTE_P)) {
			store(env, pde, (to_e(env, pa) & PTE_ADDR_2M) | leaf_flags(env, flags) | PTE_PS);
			va += LARGE_PAGE_SIZE;
			pa += LARGE_PAGE_SIZE;
			len -= LARGE_PAGE_SIZE;
			continue;
		}
		int rc = pt_map_page(env, space, va, pa, flags);
		if (rc)
			return rc;
		va += PAGE_SIZE;
		pa += PAGE_SIZE;
		len -= PAGE_SIZE;
	}
	return 0;
}

int pt_unmap_page(const struct pt_env *env, struct pae_space *space, vaddr_t va)
{
	pte_t *pde = l2_entry(env, space, va);
	if (!pde || !(*pde & PTE_P) || (*pde & PTE_PS))
		return -RV_ENOENT;
	pte_t *pte = &env->table(from_e(env, *pde, PTE_ADDR_MASK))[L1_INDEX(va)];
	if (!(*pte & PTE_P))
		return -RV_ENOENT;
	store(env, pte, 0);
	return 0;
}

int pt_install_l1(const struct pt_env *env, struct pae_space *space, vaddr_t va, paddr_t l1,
		  pte_t flags)
{
	pte_t *pde = l2_entry(env, space, va);
	if (!pde)
		return -RV_ENOENT;
	if (*pde & PTE_P)
		return -RV_EEXIST;
	store_link(env, pde, (to_e(env, l1) & PTE_ADDR_MASK) | (flags & ~PTE_ADDR_MASK & ~PTE_PS) | PTE_P);
	return 0;
}

int pt_walk(const struct pt_env *env, const struct pae_space *space, vaddr_t va,
	    struct pt_walk *w)
{
	pte_t *pde = l2_entry(env, space, va);
	if (!pde || !(*pde & PTE_P))
		return -RV_ENOENT;
	pte_t e = *pde;
	bool rw = e & PTE_RW, us = e & PTE_US, nx = env->nx && (e & PTE_NX);

	if (e & PTE_PS) {
		w->level = 2;
		w->pa = from_e(env, e, PTE_ADDR_2M) | (va & (LARGE_PAGE_SIZE - 1));
	} else {
		e = env->table(from_e(env, e, PTE_ADDR_MASK))[L1_INDEX(va)];
		if (!(e & PTE_P))
			return -RV_ENOENT;
		rw = rw && (e & PTE_RW);
		us = us && (e & PTE_US);
		nx = nx || (env->nx && (e & PTE_NX));
		w->level = 1;
		w->pa = from_e(env, e, PTE_ADDR_MASK) | (va & (PAGE_SIZE - 1));
	}
	w->leaf = e;
	w->writable = rw;
	w->user = us;
	w->nx = nx;
	w->global = e & PTE_G;
	return 0;
}
