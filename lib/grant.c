/*
 * The granting side of a grant table (grant.h). The hypervisor reads an
 * entry when the peer uses it, so an entry is made whole before it is made
 * valid: frame and domid first, then the flags. It sets RV_GTF_reading or
 * RV_GTF_writing while the peer maps the frame; ending a grant is one
 * atomic compare-and-exchange of the flags to 0 that fails while either is
 * set (a peer may map between our read and our write: the exchange sees
 * it).
 */
#include "grant.h"
#include <public/errno.h>

#define IN_USE (RV_GTF_reading | RV_GTF_writing)

void gnt_table_init(struct gnt_table *t, struct rv_grant_entry *entries, uint32_t n)
{
	t->e = entries;
	t->n = n;
	t->hint = 0;
	t->rsv_first = t->rsv_count = 0;
}

void gnt_table_reserve(struct gnt_table *t, uint32_t first, uint32_t count)
{
	t->rsv_first = first;
	t->rsv_count = count;
}

static bool reserved(const struct gnt_table *t, uint32_t ref)
{
	return ref - t->rsv_first < t->rsv_count;
}

static uint16_t load_flags(const struct rv_grant_entry *e)
{
	return __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
}

int32_t gnt_grant_ref(struct gnt_table *t, uint32_t ref, uint16_t domid, uint32_t frame, bool ro)
{
	if (ref >= t->n)
		return -RV_ERANGE;
	struct rv_grant_entry *e = &t->e[ref];
	if (load_flags(e))
		return -RV_EBUSY;       /* granted, or (ended badly) still mapped */
	e->domid = domid;
	e->frame = frame;
	__atomic_store_n(&e->flags, (uint16_t)(RV_GTF_permit_access | (ro ? RV_GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return (int32_t)ref;
}

int32_t gnt_grant(struct gnt_table *t, uint16_t domid, uint32_t frame, bool ro)
{
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t ref = (t->hint + i) % t->n;
		if (!reserved(t, ref) && !load_flags(&t->e[ref])) {
			t->hint = (ref + 1) % t->n;
			return gnt_grant_ref(t, ref, domid, frame, ro);
		}
	}
	return -RV_ENOSPC;
}

int32_t gnt_end(struct gnt_table *t, uint32_t ref)
{
	if (ref >= t->n)
		return -RV_ERANGE;
	struct rv_grant_entry *e = &t->e[ref];
	uint16_t f = load_flags(e);
	for (;;) {
		if ((f & RV_GTF_type_mask) != RV_GTF_permit_access)
			return -RV_ENOENT;
		if (f & IN_USE)
			return -RV_EBUSY;
		/* On failure f is reloaded: look at it again. */
		if (__atomic_compare_exchange_n(&e->flags, &f, 0, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return 0;
	}
}

bool gnt_in_use(const struct gnt_table *t, uint32_t ref)
{
	return ref < t->n && (load_flags(&t->e[ref]) & IN_USE);
}

unsigned gnt_copy_split(uint32_t va, uint32_t off, uint32_t len, struct gnt_piece out[2])
{
	const uint32_t page = 4096;
	if (len == 0 || len > page || off > page - len)
		return 0;
	uint32_t first = page - (va & (page - 1));      /* bytes left in va's page */
	if (first >= len) {
		out[0] = (struct gnt_piece){ va, (uint16_t)off, (uint16_t)len };
		return 1;
	}
	out[0] = (struct gnt_piece){ va, (uint16_t)off, (uint16_t)first };
	out[1] = (struct gnt_piece){ va + first, (uint16_t)(off + first), (uint16_t)(len - first) };
	return 2;
}
