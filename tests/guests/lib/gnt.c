/*
 * Grants for pv test guests: this domain's grant table (lib/grant.c keeps
 * its entries) and one-operation wrappers over grant_table_op.
 */
#include "guest.h"

struct gnt_table guest_gnt;

int guest_grant_setup(uint32_t va)
{
	struct rv_gnttab_setup s = { .nr_frames = 1 };
	int rc = mm_window(va, NULL);
	if (rc)
		return rc;
	if ((rc = hv_grant_table_op(RV_GNTTABOP_setup_table, &s, 1)))
		return rc;
	if ((rc = mm_map(va, pte_make(s.frames[0], PG_P | PG_RW))))
		return rc;
	gnt_table_init(&guest_gnt, (struct rv_grant_entry *)va, RV_GRANT_ENTRIES_PER_FRAME);
	return 0;
}

int32_t guest_gnt_map(uint16_t dom, uint32_t ref, uint32_t va, uint32_t flags, uint32_t *handle)
{
	struct rv_gnttab_map m = { .va = va, .flags = flags, .ref = ref, .dom = dom };
	int32_t rc = hv_grant_table_op(RV_GNTTABOP_map, &m, 1);
	if (rc == 0 && m.status != 0)
		test_error("map returned 0 with status %d", m.status);
	if (!rc && handle)
		*handle = m.handle;
	return rc;
}

int32_t guest_gnt_unmap(uint32_t va, uint32_t handle)
{
	struct rv_gnttab_unmap u = { .va = va, .handle = handle };
	return hv_grant_table_op(RV_GNTTABOP_unmap, &u, 1);
}

int32_t guest_gnt_copy(const struct rv_gnttab_copy_ptr *src, const struct rv_gnttab_copy_ptr *dst,
		       uint16_t len, uint16_t flags)
{
	struct rv_gnttab_copy c = { .source = *src, .dest = *dst, .len = len, .flags = flags };
	return hv_grant_table_op(RV_GNTTABOP_copy, &c, 1);
}
