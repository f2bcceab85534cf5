/*
 * Grants for ringos on ringvisor (gnttab.h). The table is the hypervisor's
 * frame (setup_table), mapped in place of a page of our own that is kept
 * out of circulation; lib/grant.c keeps its entries. A grant mapping is put
 * the same way in place of a borrowed page's linear mapping, and the page's
 * own mapping comes back when it is unmapped. The kernel's half of every
 * address space shares one set of tables, so these mappings are seen from
 * every process's space.
 */
#include "gnttab.h"
#include "arch.h"
#include "kernel.h"
#include "pv_guest.h"
#include "pv_io.h"
#include "grant.h"
#include <public/errno.h>
#include <public/grant_table.h>
#include <public/hypercall.h>

/* Refs 8..15 are the split devices' ring pages (start_info.h: the
 * toolstack names each ring's ref): only grant_access_ref gives them. */
#define DEVICE_REFS_FIRST       8
#define DEVICE_REFS_COUNT       8

static struct gnt_table table;
static bool ready;

static int32_t gnttab_op(uint32_t cmd, void *ops, uint32_t count)
{
	return hypercall(RV_HC_grant_table_op, cmd, (uint32_t)(uintptr_t)ops, count, 0, 0);
}

/* Point our linear mapping of page pa at machine frame mfn (0: nothing). */
static int32_t remap(paddr_t pa, uint32_t mfn)
{
	pte_t e = mfn ? ((pte_t)mfn << PAGE_SHIFT) | PTE_P | PTE_RW : 0;
	return hypercall(RV_HC_update_va_mapping, (uint32_t)(uintptr_t)phys_to_virt(pa), (uint32_t)e,
			 (uint32_t)(e >> 32), RV_UVMF_INVLPG, 0);
}

static int32_t setup(void)
{
	struct rv_gnttab_setup s = { .nr_frames = 1 };
	int32_t rc;

	if (ready)
		return 0;
	paddr_t pa = frame_get();
	if (!pa)
		return -RV_ENOMEM;
	if ((rc = gnttab_op(RV_GNTTABOP_setup_table, &s, 1)) || (rc = remap(pa, s.frames[0]))) {
		frame_put(pa);
		return rc;
	}
	/* pa's own frame stays ours, unmapped, for as long as we run. */
	gnt_table_init(&table, phys_to_virt(pa), RV_GRANT_ENTRIES_PER_FRAME);
	gnt_table_reserve(&table, DEVICE_REFS_FIRST, DEVICE_REFS_COUNT);
	ready = true;
	return 0;
}

/* The machine frame behind our page at physical address frame, once the
 * table is set up: > 0, or a negative error. */
static int32_t own_mfn(paddr_t frame)
{
	int32_t rc = setup();
	if (rc)
		return rc;
	if (frame & (PAGE_SIZE - 1))
		return -RV_EINVAL;
	uint32_t mfn = pv_mfn_of(frame);
	return mfn ? (int32_t)mfn : -RV_EINVAL;
}

int32_t grant_access(uint16_t domid, paddr_t frame, bool readonly)
{
	int32_t mfn = own_mfn(frame);
	return mfn < 0 ? mfn : gnt_grant(&table, domid, (uint32_t)mfn, readonly);
}

int32_t grant_access_ref(uint32_t ref, uint16_t domid, paddr_t frame, bool readonly)
{
	int32_t mfn = own_mfn(frame);
	return mfn < 0 ? mfn : gnt_grant_ref(&table, ref, domid, (uint32_t)mfn, readonly);
}

int32_t grant_end(uint32_t ref)
{
	return ready ? gnt_end(&table, ref) : -RV_ENOENT;
}

int32_t gnttab_map(uint16_t dom, uint32_t ref, bool readonly, void **va, uint32_t *handle)
{
	paddr_t pa = frame_get();
	if (!pa)
		return -RV_ENOMEM;
	int32_t rc = remap(pa, 0);
	if (rc) {
		frame_put(pa);
		return rc;
	}
	struct rv_gnttab_map m = { .va = (uint32_t)(uintptr_t)phys_to_virt(pa), .ref = ref, .dom = dom,
				   .flags = readonly ? RV_GNTMAP_readonly : 0 };
	rc = gnttab_op(RV_GNTTABOP_map, &m, 1);
	if (rc) {
		remap(pa, pv_mfn_of(pa));
		frame_put(pa);
		return rc;
	}
	*va = phys_to_virt(pa);
	*handle = m.handle;
	return 0;
}

int32_t gnttab_unmap(void *va, uint32_t handle)
{
	struct rv_gnttab_unmap u = { .va = (uint32_t)(uintptr_t)va, .handle = handle };
	int32_t rc = gnttab_op(RV_GNTTABOP_unmap, &u, 1);
	if (rc)
		return rc;
	paddr_t pa = virt_to_phys(va);
	rc = remap(pa, pv_mfn_of(pa));
	if (!rc)
		frame_put(pa);
	return rc;
}

static int32_t copy(uint16_t dom, uint32_t ref, uint32_t off, uint32_t va, uint32_t len, bool to)
{
	struct gnt_piece p[2];
	struct rv_gnttab_copy ops[2];
	unsigned n = gnt_copy_split(va, off, len, p);

	if (!n)
		return -RV_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		paddr_t pa = virt_to_phys((const void *)(uintptr_t)p[i].va);
		struct rv_gnttab_copy_ptr local = { pv_mfn_of(pa), 0, (uint16_t)(pa & (PAGE_SIZE - 1)) };
		struct rv_gnttab_copy_ptr granted = { ref, dom, p[i].off };
		ops[i] = (struct rv_gnttab_copy){ .source = to ? local : granted,
						  .dest = to ? granted : local, .len = p[i].len,
						  .flags = to ? RV_GNTCOPY_dest_gref : RV_GNTCOPY_source_gref };
	}
	return gnttab_op(RV_GNTTABOP_copy, ops, n);
}

int32_t gnttab_copy_from(uint16_t dom, uint32_t ref, uint32_t off, void *dst, uint32_t len)
{
	return copy(dom, ref, off, (uint32_t)(uintptr_t)dst, len, false);
}

int32_t gnttab_copy_to(uint16_t dom, uint32_t ref, uint32_t off, const void *src, uint32_t len)
{
	return copy(dom, ref, off, (uint32_t)(uintptr_t)src, len, true);
}

int32_t gnttab_copy_batch(const struct gnttab_copy_req *req, unsigned n, int32_t *status)
{
	struct rv_gnttab_copy ops[GNTTAB_COPY_BATCH];
	int32_t rc;

	if (n == 0 || n > GNTTAB_COPY_BATCH)
		return -RV_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		const struct gnttab_copy_req *r = &req[i];
		uint32_t in_page = (uint32_t)(r->pa & (PAGE_SIZE - 1));
		if (r->len == 0 || r->len > PAGE_SIZE - in_page || r->off > PAGE_SIZE - r->len)
			return -RV_EINVAL;
		struct rv_gnttab_copy_ptr local = { pv_mfn_of(r->pa & ~(paddr_t)(PAGE_SIZE - 1)), 0,
						    (uint16_t)in_page };
		struct rv_gnttab_copy_ptr granted = { r->ref, r->dom, (uint16_t)r->off };
		ops[i] = (struct rv_gnttab_copy){ .source = r->to_grant ? local : granted,
						  .dest = r->to_grant ? granted : local,
						  .len = (uint16_t)r->len,
						  .flags = r->to_grant ? RV_GNTCOPY_dest_gref :
									 RV_GNTCOPY_source_gref };
	}
	rc = gnttab_op(RV_GNTTABOP_copy, ops, n);
	/* A batch stops at its first refusal: the ops after it were not done,
	 * and their status fields hold what we wrote (0): say so. */
	bool stopped = false;
	for (unsigned i = 0; i < n; i++) {
		status[i] = stopped ? -RV_EAGAIN : ops[i].status;
		if (ops[i].status)
			stopped = true;
	}
	return rc;
}
