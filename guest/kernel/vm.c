/*
 * ringos: user address spaces. Everything about a process's pages is here:
 * mapping zeroed pages, demand paging of stack and heap, fork's
 * copy-on-write, unmapping, and the memory system calls (brk, mmap2,
 * munmap, mprotect, mincore). Frames come from mem.c, which counts how many
 * address spaces share each one; the page tables are written through the
 * port's arch_pt_env (on pv, validated by the hypervisor).
 *
 * Layout of user space: the program's segments, the heap from brk_start up
 * to MMAP_BASE, anonymous mmaps from MMAP_BASE up, the stack's
 * USER_STACK_SIZE below USER_STACK_TOP, one unmapped page, then the kernel.
 */
#include "uapi/errno.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"

#define MAP_FIXED       0x10
#define MAP_ANONYMOUS   0x20
#define PROT_WRITE      2

static paddr_t page_of(const struct pt_walk *w)
{
	return w->pa & ~(paddr_t)(PAGE_SIZE - 1);
}

/* The page for a user virtual page: mapped on first use (zeroed). */
void *user_page(uint32_t vpn, void *ctx)
{
	struct proc *p = ctx;
	uint32_t va = vpn << PAGE_SHIFT;
	struct pt_walk w;

	if (va >= USER_END)
		return NULL;
	if (pt_walk(&arch_pt_env, &p->as, va, &w) == 0)
		return phys_to_virt(page_of(&w));
	paddr_t pa = frame_get();
	if (!pa || pt_map_page(&arch_pt_env, &p->as, va, pa, PTE_US | PTE_RW))
		return NULL;
	return phys_to_virt(pa);
}

int user_map_zero(struct proc *p, uint32_t start, uint32_t end, bool writable)
{
	/* Writable pages are mapped once each and not read back: their
	 * entries may go together (pv: one mmu_update per 512). */
	if (writable) {
		int rc = 0;
		arch_pt_batch_begin();
		for (uint32_t va = ALIGN_DOWN(start, PAGE_SIZE); va < end && !rc; va += PAGE_SIZE)
			if (!user_page(va >> PAGE_SHIFT, p))
				rc = -ENOMEM;
		arch_pt_batch_end();
		return rc;
	}
	for (uint32_t va = ALIGN_DOWN(start, PAGE_SIZE); va < end; va += PAGE_SIZE) {
		if (!user_page(va >> PAGE_SHIFT, p))
			return -ENOMEM;
		if (!writable) {
			struct pt_walk w;
			pt_walk(&arch_pt_env, &p->as, va, &w);
			pt_map_page(&arch_pt_env, &p->as, va, page_of(&w), PTE_US);
		}
	}
	return 0;
}

/* Unmap [start, end) of p, giving back frames no one else maps. */
static void user_unmap(struct proc *p, uint32_t start, uint32_t end)
{
	/* The frames go back to the pool while their entries are queued: no
	 * frame is taken before the batch ends, so none is reused while mapped. */
	arch_pt_batch_begin();
	for (uint32_t va = start; va < end; va += PAGE_SIZE) {
		struct pt_walk w;
		if (pt_walk(&arch_pt_env, &p->as, va, &w) == 0 && w.user &&
		    pt_unmap_page(&arch_pt_env, &p->as, va) == 0)
			frame_release(page_of(&w));
	}
	arch_pt_batch_end();
	if (p == curproc)
		arch_switch_address_space(&p->as);      /* flush */
}

/* A frame p may write: pa itself if no one else maps it, else a copy (the
 * shared one released). 0 when out of memory. */
static paddr_t unshared(paddr_t pa)
{
	if (!frame_shared(pa))
		return pa;
	paddr_t mine = frame_get();
	if (mine) {
		memcpy(phys_to_virt(mine), phys_to_virt(pa), PAGE_SIZE);
		frame_release(pa);
	}
	return mine;
}

/* Stack and heap are mapped on first touch: a not-present fault inside
 * [USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP) or [brk_start, brk)
 * gets a zeroed page. True if va is now mapped. */
bool user_demand_fault(struct proc *p, uint32_t va)
{
	bool stack = va >= USER_STACK_TOP - USER_STACK_SIZE && va < USER_STACK_TOP;
	bool heap = va >= p->brk_start && va < p->brk;
	if (!stack && !heap)
		return false;
	struct pt_walk w;
	if (pt_walk(&arch_pt_env, &p->as, va & PAGE_MASK, &w) == 0)
		return false;           /* present: the fault was about rights */
	return user_map_zero(p, va & PAGE_MASK, (va & PAGE_MASK) + PAGE_SIZE, true) == 0;
}

bool user_cow_fault(struct proc *p, uint32_t va)
{
	struct pt_walk w;
	va &= PAGE_MASK;
	if (va >= USER_END || pt_walk(&arch_pt_env, &p->as, va, &w) || !(w.leaf & PTE_COW))
		return false;
	paddr_t pa = unshared(page_of(&w));
	if (!pa || pt_map_page(&arch_pt_env, &p->as, va, pa, PTE_US | PTE_RW | (w.leaf & PTE_NX)))
		return false;
	if (p == curproc)
		arch_flush_page(va);
	return true;
}

/* The child's address space: the parent's frames shared, writable ones
 * copy-on-write (user_cow_fault). Built in one go: on pv, one multicall per
 * 64 tables and one pin, and the parent's write-protections in batches of
 * 512 entries per mmu_update. */
int user_space_fork(struct proc *child, struct proc *parent)
{
	int rc = 0;
	if (arch_build_address_space(&child->as))
		return -ENOMEM;
	pte_t *l3 = phys_to_virt(parent->as.pdpt);
	for (uint32_t i = 0; i < 3 && !rc; i++) {
		pte_t *l2 = phys_to_virt(arch_pte_addr(l3[i]));
		for (uint32_t j = 0; j < 512 && !rc; j++) {
			if (!(l2[j] & PTE_P))
				continue;
			pte_t *l1 = phys_to_virt(arch_pte_addr(l2[j]));
			for (uint32_t k = 0; k < 512; k++) {
				if (!(l1[k] & PTE_P))
					continue;
				uint32_t va = (i << 30) | (j << 21) | (k << 12);
				/* Both map the one frame, read-only; a writable
				 * page becomes copy-on-write on both sides. */
				paddr_t src = arch_pte_addr(l1[k]);
				pte_t flags = l1[k] & (PTE_US | PTE_NX | PTE_COW);
				if (l1[k] & PTE_RW) {
					flags |= PTE_COW;
					arch_pt_queue(&l1[k], (l1[k] & ~(pte_t)PTE_RW) | PTE_COW);
				}
				if (pt_map_page(&arch_pt_env, &child->as, va, src, flags)) {
					rc = -ENOMEM;
					break;
				}
				frame_share(src);
			}
		}
	}
	arch_finish_address_space(&child->as);  /* a failed copy is freed as a whole */
	arch_pt_flush(&parent->as);             /* the parent's write-protections */
	return rc;
}

long sys_brk(struct trap_frame *f)
{
	struct proc *p = curproc;
	uint32_t want = f->ebx;

	/* The heap lives between the image and the mmap area. */
	if (want == 0 || want < p->brk_start || want > MMAP_BASE)
		return (long)p->brk;
	uint32_t end = ALIGN_UP(want, PAGE_SIZE);
	if (end < p->brk)               /* shrinking: the pages above go back */
		user_unmap(p, end, p->brk);
	/* Growing maps nothing: the pages come on first touch (user_demand_fault). */
	p->brk = end;
	return (long)want;
}

long sys_mmap2(struct trap_frame *f)
{
	uint32_t addr = f->ebx, len = f->ecx, prot = f->edx, flags = f->esi;
	struct proc *p = curproc;

	if (!(flags & MAP_ANONYMOUS) || (int32_t)f->edi != -1)
		return -ENODEV;        /* file mappings: later */
	if (!len || len > 0x40000000u)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (flags & MAP_FIXED) {
		if (addr & (PAGE_SIZE - 1) || (uint64_t)addr + len > USER_STACK_TOP - USER_STACK_SIZE)
			return -EINVAL;
		user_unmap(p, addr, addr + len);        /* replaces what was there */
	} else {
		addr = p->mmap_next;
		if ((uint64_t)addr + len > USER_STACK_TOP - USER_STACK_SIZE)
			return -ENOMEM;
		p->mmap_next += len;
	}
	if (user_map_zero(p, addr, addr + len, true))
		return -ENOMEM;
	if (!(prot & PROT_WRITE))
		user_map_zero(p, addr, addr + len, false);
	return (long)addr;
}

long sys_munmap(struct trap_frame *f)
{
	uint32_t addr = f->ebx, len = ALIGN_UP(f->ecx, PAGE_SIZE);
	if (addr & (PAGE_SIZE - 1) || (uint64_t)addr + len > USER_END || !len)
		return -EINVAL;
	user_unmap(curproc, addr, addr + len);
	return 0;
}

long sys_mprotect(struct trap_frame *f)
{
	uint32_t start = f->ebx, len = f->ecx, prot = f->edx;
	if (start & (PAGE_SIZE - 1) || (uint64_t)start + len > USER_END)
		return -EINVAL;
	for (uint32_t va = start; va < start + len; va += PAGE_SIZE) {
		struct pt_walk w;
		if (pt_walk(&arch_pt_env, &curproc->as, va, &w))
			return -ENOMEM;
		if (w.leaf & PTE_COW) {
			/* fork's write-protection stays; writable means breaking it now */
			if ((prot & PROT_WRITE) && !user_cow_fault(curproc, va))
				return -ENOMEM;
			continue;
		}
		paddr_t pa = page_of(&w);
		/* a read-only page shared since fork: a copy of our own first */
		if ((prot & PROT_WRITE) && !w.writable && !(pa = unshared(pa)))
			return -ENOMEM;
		pt_map_page(&arch_pt_env, &curproc->as, va, pa,
			    PTE_US | ((prot & PROT_WRITE) ? PTE_RW : 0));
	}
	arch_switch_address_space(&curproc->as);        /* flush */
	return 0;
}

/* mincore(addr, length, vec): one byte per page, 1 if it is in memory. */
long sys_mincore(struct trap_frame *f)
{
	uint32_t addr = f->ebx, len = f->ecx;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if ((uint64_t)addr + len > USER_END)
		return -ENOMEM;
	for (uint32_t off = 0; off < len; off += PAGE_SIZE) {
		struct pt_walk w;
		uint8_t in = pt_walk(&arch_pt_env, &curproc->as, addr + off, &w) == 0 && w.user;
		if (copy_to_user(f->edx + off / PAGE_SIZE, &in, 1))
			return -EFAULT;
	}
	return 0;
}
