/*
 * Grant tables (public/grant_table.h, docs/io.md): a pv domain lets a named
 * peer map or copy through chosen frames of its own. The design is Xen's
 * grant tables, ABI v1: the granter writes entries in a table the
 * hypervisor lends it; the hypervisor reads an entry once, when the peer
 * uses it, and trusts nothing it read before.
 *
 * Three records, all the hypervisor's:
 *   the shared table      the granter's entries (its frames, PGF_GRANT_TABLE)
 *   active[ref]           per entry of a granter: the frame and peer of the
 *                         mappings made through it, and how many (Xen's
 *                         active grant entry): what counts while it is in use
 *   maps[handle]          per mapper: each mapping it holds, where its PTE is
 *                         and what frame it names (Xen's maptrack)
 *
 * References: a mapping holds a general and a PGT_WRITABLE type reference
 * on the granted frame (even read-only: so the granter cannot make it a
 * page table while a peer maps it) and a type reference on the mapper's
 * L1 that holds the PTE (so that table stays validated, and its PTE never
 * meets put_entry, while the mapping lives). The PTE carries PTE_GRANT_BIT:
 * mmu_update and update_va_mapping refuse to overwrite it (pagetype.c).
 *
 * Death (pv_teardown): the mapper's mappings are undone; a granter's frames
 * that peers still map are not freed but become OWNER_GRANTED, and go back
 * to the pool at the last unmap.
 */
#include "pv.h"
#include "domain.h"
#include "errno.h"
#include "frame.h"
#include "mm.h"
#include "printk.h"
#include "string.h"
#include <public/grant_table.h>

#define NO_GRANTER      0xffffu         /* maps[].granter: it died */

/* What a mapping made through one entry of a granter is. */
struct gnt_active {
	uint32_t frame;
	uint16_t peer;
	uint8_t ro_pins, rw_pins;       /* at most RV_GRANT_MAPS_MAX each */
};

/* One mapping a domain holds. */
struct gnt_map {
	bool in_use, ro;
	uint16_t granter;               /* domain id, or NO_GRANTER */
	uint32_t ref;
	uint32_t mfn;                   /* the granted frame */
	uint32_t va;
	uint32_t l1_mfn, l1_idx;        /* where its PTE is */
};

struct gnt_domain {
	uint32_t nr_frames;                     /* its table's; 0: none yet */
	uint32_t table_mfn[RV_GRANT_FRAMES_MAX];
	struct gnt_active *active;              /* nr_frames pages: one per entry */
	uint32_t nr_maps;
	struct gnt_map maps[RV_GRANT_MAPS_MAX];
	/* statistics for its report */
	uint32_t maps_done, unmaps_done, copies_done, refused;
};
BUILD_ASSERT(sizeof(struct gnt_domain) <= PAGE_SIZE, "one frame of grant state");
BUILD_ASSERT(sizeof(struct gnt_active) * RV_GRANT_ENTRIES_PER_FRAME == PAGE_SIZE,
	     "a page of active entries per table frame");

static uint64_t *table_of(uint32_t mfn)
{
	return phys_to_virt((paddr_t)mfn << PAGE_SHIFT);
}

static struct gnt_domain *gnt_get(struct domain *d)
{
	if (!d->pv->gnt) {
		paddr_t pa = alloc_frame();
		if (!pa)
			return NULL;
		d->pv->gnt = phys_to_virt(pa);
	}
	return d->pv->gnt;
}

static uint32_t nr_entries(const struct gnt_domain *g)
{
	return g->nr_frames * RV_GRANT_ENTRIES_PER_FRAME;
}

static volatile struct rv_grant_entry *entry_of(const struct gnt_domain *g, uint32_t ref)
{
	struct rv_grant_entry *t = phys_to_virt((paddr_t)g->table_mfn[ref / RV_GRANT_ENTRIES_PER_FRAME]
						<< PAGE_SHIFT);
	return &t[ref % RV_GRANT_ENTRIES_PER_FRAME];
}

/* ---- setup_table ---- */

static void free_table(struct gnt_domain *g)
{
	for (uint32_t i = 0; i < RV_GRANT_FRAMES_MAX; i++)
		if (g->table_mfn[i])
			free_frame((paddr_t)g->table_mfn[i] << PAGE_SHIFT);
	for (uint32_t i = 0; g->active && i < g->nr_frames; i++)
		free_frame(virt_to_phys(g->active) + i * PAGE_SIZE);
	memset(g->table_mfn, 0, sizeof(g->table_mfn));
	g->active = NULL;
	g->nr_frames = 0;
}

static int setup_table(struct domain *d, struct rv_gnttab_setup *s)
{
	uint32_t nr = s->nr_frames;

	if (nr == 0 || nr > RV_GRANT_FRAMES_MAX)
		return -EINVAL;
	struct gnt_domain *g = gnt_get(d);
	if (!g)
		return -ENOMEM;
	if (!g->nr_frames) {
		paddr_t pa;
		if (alloc_frames_contig(nr, &pa))
			return -ENOMEM;
		g->active = phys_to_virt(pa);
		g->nr_frames = nr;
		for (uint32_t i = 0; i < nr; i++) {
			paddr_t t = alloc_frame();
			if (!t) {
				free_table(g);
				return -ENOMEM;
			}
			g->table_mfn[i] = (uint32_t)(t >> PAGE_SHIFT);
			pv_mm_assign(d, g->table_mfn[i], PGF_GRANT_TABLE);
		}
	} else if (nr > g->nr_frames) {
		return -EEXIST;
	}
	s->nr_frames = g->nr_frames;
	memset(s->frames, 0, sizeof(s->frames));
	memcpy(s->frames, g->table_mfn, g->nr_frames * sizeof(uint32_t));
	return 0;
}

/* ---- what may be granted ---- */

/* A frame of d's that is ordinary RAM: its own, not a page table (nor
 * becoming or ceasing to be one), not shared info, a grant-table frame or
 * its start info. */
static int check_ordinary(struct domain *d, uint32_t mfn)
{
	if (mfn >= pv_mm.nframes || pv_mm.frames[mfn].owner != d->id)
		return -EPERM;
	const struct page_info *p = &pv_mm.frames[mfn];
	if (p->flags || (p->type != PGT_NONE && p->type != PGT_WRITABLE))
		return -EPERM;
	if (d->p2m && d->pv->si_pfn < d->max_pages && d->p2m[d->pv->si_pfn] == mfn)
		return -EPERM;
	return 0;
}

/* The granter named dom: alive, pv, with a table; NULL if none. */
static struct domain *granter_of(uint32_t dom)
{
	struct domain *g = dom < MAX_DOMAINS ? domains[dom] : NULL;
	if (!g || !domain_alive(g) || !g->pv || !g->pv->gnt || !g->pv->gnt->nr_frames)
		return NULL;
	return g;
}

/*
 * Look up entry ref of domain dom's table for d, to read (or write) the
 * frame it grants: every rule of the entry, checked on one reading of it.
 */
static int grant_lookup(struct domain *d, uint32_t dom, uint32_t ref, bool write,
			struct domain **granter, struct rv_grant_entry *out)
{
	struct domain *g = granter_of(dom);
	if (!g)
		return -ESRCH;
	if (g == d)
		return -EACCES;         /* a grant is for another domain */
	if (ref >= nr_entries(g->pv->gnt))
		return -ERANGE;
	/* One read of the 8 bytes: the granter cannot change them while the
	 * hypervisor runs (one CPU), and nothing read here is read again. */
	uint64_t raw = *(volatile uint64_t *)entry_of(g->pv->gnt, ref);
	struct rv_grant_entry e;
	memcpy(&e, &raw, sizeof(e));
	if ((e.flags & RV_GTF_type_mask) != RV_GTF_permit_access)
		return -ENOENT;
	if (e.domid != d->id)
		return -EACCES;
	if (write && (e.flags & RV_GTF_readonly))
		return -EROFS;
	int rc = check_ordinary(g, e.frame);
	if (rc)
		return rc;
	*granter = g;
	*out = e;
	return 0;
}

/* ---- map and unmap ---- */

/* The L1 entry that maps va in d's current address space: its table's mfn
 * and index; -EFAULT when no page table maps that address. */
static int find_l1(struct domain *d, uint32_t va, uint32_t *l1_mfn, uint32_t *idx)
{
	uint64_t l3e = table_of(d->pv->vcpu.base_mfn)[L3_INDEX(va)];
	if (!(l3e & PTE_P))
		return -EFAULT;
	uint64_t l2e = table_of((uint32_t)((l3e & PTE_ADDR_MASK) >> 12))[L2_INDEX(va)];
	if (!(l2e & PTE_P) || (l2e & PTE_PS))
		return -EFAULT;
	uint32_t m = (uint32_t)((l2e & PTE_ADDR_MASK) >> 12);
	/* Reached through validated tables it is a validated L1 of d's; said
	 * again so that nothing below rests on it silently. */
	if (m >= pv_mm.nframes)
		return -EFAULT;
	const struct page_info *p = &pv_mm.frames[m];
	if (p->owner != d->id || p->type != PGT_L1 || !p->type_count ||
	    (p->flags & (PGF_VALIDATING | PGF_DEVALIDATING)))
		return -EFAULT;
	*l1_mfn = m;
	*idx = L1_INDEX(va);
	return 0;
}

/* Tell the granter's entry whether it is still mapped (RV_GTF_reading /
 * writing), from its active record. */
static void update_status(struct domain *g, uint32_t ref)
{
	struct gnt_domain *gg = g->pv->gnt;
	const struct gnt_active *a = &gg->active[ref];
	volatile struct rv_grant_entry *e = entry_of(gg, ref);
	uint16_t f = e->flags & (uint16_t)~(RV_GTF_reading | RV_GTF_writing);
	if (a->ro_pins)
		f |= RV_GTF_reading;
	if (a->rw_pins)
		f |= RV_GTF_writing;
	e->flags = f;
}

static int map_one(struct domain *d, struct rv_gnttab_map *op)
{
	struct rv_grant_entry e;
	struct domain *g;
	uint32_t l1_mfn, idx;
	int rc;

	if (op->flags & ~(RV_GNTMAP_readonly | RV_GNTMAP_user))
		return -EINVAL;
	if ((op->va & (PAGE_SIZE - 1)) || op->va >= RV_GUEST_VIRT_END)
		return -EINVAL;
	bool ro = op->flags & RV_GNTMAP_readonly;
	if ((rc = grant_lookup(d, op->dom, op->ref, !ro, &g, &e)))
		return rc;
	struct gnt_active *a = &g->pv->gnt->active[op->ref];
	if ((a->ro_pins || a->rw_pins) && (a->frame != e.frame || a->peer != d->id))
		return -EBUSY;          /* rewritten while in use */
	struct gnt_domain *mine = gnt_get(d);
	if (!mine)
		return -ENOMEM;
	uint32_t h = 0;
	while (h < RV_GRANT_MAPS_MAX && mine->maps[h].in_use)
		h++;
	if (h == RV_GRANT_MAPS_MAX)
		return -ENOSPC;
	if ((rc = find_l1(d, op->va, &l1_mfn, &idx)))
		return rc;
	uint64_t *pte = &table_of(l1_mfn)[idx];
	if (*pte & PTE_P)
		return -EEXIST;
	/* References: the frame (as ordinary RAM, checked above), then the
	 * L1 that will hold the PTE. Either refused: nothing changed. */
	if (mm_get_page_and_type(&pv_mm, e.frame, (uint16_t)g->id, PGT_WRITABLE))
		return -EBUSY;          /* (only a count at its limit) */
	if (mm_get_page_and_type(&pv_mm, l1_mfn, (uint16_t)d->id, PGT_L1)) {
		mm_put_page_and_type(&pv_mm, e.frame);
		return -EBUSY;
	}
	*pte = ((uint64_t)e.frame << PAGE_SHIFT) | PTE_P | PTE_A | PTE_GRANT_BIT |
	       (ro ? 0 : PTE_RW | PTE_D) | ((op->flags & RV_GNTMAP_user) ? PTE_US : 0) |
	       (hv_pt_env.nx ? PTE_NX : 0);
	a->frame = e.frame;
	a->peer = (uint16_t)d->id;
	if (ro)
		a->ro_pins++;
	else
		a->rw_pins++;
	update_status(g, op->ref);
	mine->maps[h] = (struct gnt_map){ .in_use = true, .ro = ro, .granter = (uint16_t)g->id,
					  .ref = op->ref, .mfn = e.frame, .va = op->va,
					  .l1_mfn = l1_mfn, .l1_idx = idx };
	mine->nr_maps++;
	mine->maps_done++;
	op->handle = h;
	return 0;
}

/* Drop a mapping's reference to the granted frame; a dead granter's frame
 * goes back to the pool with the last. */
static void put_granted(uint32_t mfn)
{
	mm_put_page_and_type(&pv_mm, mfn);      /* PGT_WRITABLE: never a table release */
	if (pv_mm.frames[mfn].owner == OWNER_GRANTED && pv_mm.frames[mfn].count == 0)
		free_frame((paddr_t)mfn << PAGE_SHIFT);
}

/* Undo mapping m of d's. A dying d's own tables are left as they are (its
 * frames go back with it), and its L1's hold is not dropped: releasing a
 * table outside its owner's hypercall could be left half done. */
static void unmap(struct domain *d, struct gnt_map *m, bool dying)
{
	table_of(m->l1_mfn)[m->l1_idx] = 0;
	put_granted(m->mfn);
	if (m->granter != NO_GRANTER) {
		struct domain *g = domains[m->granter];
		struct gnt_active *a = &g->pv->gnt->active[m->ref];
		if (m->ro)
			a->ro_pins--;
		else
			a->rw_pins--;
		update_status(g, m->ref);
	}
	if (!dying) {
		/* A table of at most 512 entries: released in one go, never
		 * deferred (there is no batch continuation here). */
		bool was = pv_mm_round_suspend();
		mm_put_page_and_type(&pv_mm, m->l1_mfn);
		pv_mm_round_resume(was);
	}
	*m = (struct gnt_map){ 0 };
	d->pv->gnt->nr_maps--;
}

static int unmap_one(struct domain *d, struct rv_gnttab_unmap *op)
{
	struct gnt_domain *g = d->pv->gnt;
	if (!g || op->handle >= RV_GRANT_MAPS_MAX || !g->maps[op->handle].in_use)
		return -EBADF;
	struct gnt_map *m = &g->maps[op->handle];
	if (m->va != op->va)
		return -EINVAL;
	unmap(d, m, false);
	g->unmaps_done++;
	return 0;
}

/* ---- copy ---- */

/* One side of a copy: the frame, checked for reading or writing. */
static int copy_side(struct domain *d, const struct rv_gnttab_copy_ptr *p, bool gref, bool write,
		     uint32_t *mfn)
{
	if (gref) {
		struct rv_grant_entry e;
		struct domain *g;
		int rc = grant_lookup(d, p->domid, p->u, write, &g, &e);
		if (rc)
			return rc;
		*mfn = e.frame;
		return 0;
	}
	int rc = check_ordinary(d, p->u);
	if (rc)
		return rc;
	*mfn = p->u;
	return 0;
}

static int copy_one(struct domain *d, struct rv_gnttab_copy *op)
{
	uint32_t src, dst;
	int rc;

	if (op->flags & ~(RV_GNTCOPY_source_gref | RV_GNTCOPY_dest_gref))
		return -EINVAL;
	if ((uint32_t)op->source.offset + op->len > PAGE_SIZE ||
	    (uint32_t)op->dest.offset + op->len > PAGE_SIZE)
		return -EINVAL;
	if ((rc = copy_side(d, &op->source, op->flags & RV_GNTCOPY_source_gref, false, &src)) ||
	    (rc = copy_side(d, &op->dest, op->flags & RV_GNTCOPY_dest_gref, true, &dst)))
		return rc;
	memmove((uint8_t *)phys_to_virt((paddr_t)dst << PAGE_SHIFT) + op->dest.offset,
		(const uint8_t *)phys_to_virt((paddr_t)src << PAGE_SHIFT) + op->source.offset, op->len);
	if (d->pv->gnt)
		d->pv->gnt->copies_done++;
	return 0;
}

/* ---- the hypercall ---- */

int32_t pv_grant_table_op(struct domain *d, uint32_t cmd, uint32_t ops, uint32_t count)
{
	union {
		struct rv_gnttab_setup setup;
		struct rv_gnttab_map map;
		struct rv_gnttab_unmap unmap;
		struct rv_gnttab_copy copy;
	} op;
	static const uint32_t size[] = {
		[RV_GNTTABOP_setup_table] = sizeof(op.setup), [RV_GNTTABOP_map] = sizeof(op.map),
		[RV_GNTTABOP_unmap] = sizeof(op.unmap), [RV_GNTTABOP_copy] = sizeof(op.copy),
	};

	if (cmd >= ARRAY_SIZE(size))
		return -ENOSYS;
	if (count > (cmd == RV_GNTTABOP_setup_table ? 1 : RV_GNTTAB_BATCH_MAX))
		return -E2BIG;
	/* The whole array must be readable and writable before anything is
	 * done, so that a status can always be written back. */
	if (guest_check_range(d, ops, count * size[cmd], true))
		return -EFAULT;
	int rc = 0;
	for (uint32_t i = 0; i < count && !rc; i++) {
		uint32_t va = ops + i * size[cmd];
		if (copy_from_guest(d, &op, va, size[cmd]))
			return -EFAULT;
		switch (cmd) {
		case RV_GNTTABOP_setup_table:
			rc = op.setup.status = setup_table(d, &op.setup);
			break;
		case RV_GNTTABOP_map:
			rc = op.map.status = map_one(d, &op.map);
			break;
		case RV_GNTTABOP_unmap:
			rc = op.unmap.status = unmap_one(d, &op.unmap);
			break;
		case RV_GNTTABOP_copy:
			rc = op.copy.status = copy_one(d, &op.copy);
			break;
		}
		if (rc && d->pv->gnt)
			d->pv->gnt->refused++;
		/* (An unmap may have taken away the page the array is in.) */
		if (copy_to_guest(d, va, &op, size[cmd]))
			return -EFAULT;
	}
	return rc;
}

/* ---- death ---- */

void pv_grant_teardown(struct domain *d)
{
	struct gnt_domain *g = d->pv->gnt;
	if (!g)
		return;
	/* What it mapped of others' goes back to them. */
	for (uint32_t h = 0; h < RV_GRANT_MAPS_MAX; h++)
		if (g->maps[h].in_use)
			unmap(d, &g->maps[h], true);
	if (g->nr_frames) {
		/* Its frames that peers map stay out of the pool, held by
		 * those mappings alone, until the last is unmapped. */
		uint32_t n = nr_entries(g);
		for (uint32_t r = 0; r < n; r++)
			if (g->active[r].ro_pins || g->active[r].rw_pins)
				pv_mm.frames[g->active[r].frame] = (struct page_info){
					.owner = OWNER_GRANTED, .type = PGT_WRITABLE };
		for (uint32_t r = 0; r < n; r++) {
			uint32_t pins = g->active[r].ro_pins + g->active[r].rw_pins;
			if (pins) {
				pv_mm.frames[g->active[r].frame].count += pins;
				pv_mm.frames[g->active[r].frame].type_count += pins;
			}
		}
		/* ... and those mappings no longer name a granter. */
		for (uint32_t id = 0; id < MAX_DOMAINS; id++) {
			struct domain *o = domains[id];
			if (!o || o == d || !o->pv || !o->pv->gnt || !o->pv->gnt->nr_maps)
				continue;
			for (uint32_t h = 0; h < RV_GRANT_MAPS_MAX; h++)
				if (o->pv->gnt->maps[h].in_use && o->pv->gnt->maps[h].granter == d->id)
					o->pv->gnt->maps[h].granter = NO_GRANTER;
		}
		free_table(g);
	}
	free_frame(virt_to_phys(g));
	d->pv->gnt = NULL;
}

/* A frame pv_teardown must leave alone: a peer maps it. */
bool pv_grant_held(uint32_t mfn)
{
	return mfn < pv_mm.nframes && pv_mm.frames[mfn].owner == OWNER_GRANTED;
}

void pv_grant_dump(const struct domain *d)
{
	const struct gnt_domain *g = d->pv ? d->pv->gnt : NULL;
	if (!g)
		return;
	printk("    grants: table %u entries, %u maps (%u now), %u unmaps, %u copies, %u refused\n",
	       nr_entries(g), g->maps_done, g->nr_maps, g->unmaps_done, g->copies_done, g->refused);
}
