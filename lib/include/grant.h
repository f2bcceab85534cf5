/*
 * The granting side of a grant table, as a guest kernel keeps it
 * (public/grant_table.h): pure logic over the table's entries, shared by
 * ringos, the pv test guests and the host unit tests. The table itself is
 * the hypervisor's frames, mapped by the guest; this code writes entries in
 * the order the hypervisor relies on and ends them only when no peer maps
 * them.
 */
#ifndef LIB_GRANT_H
#define LIB_GRANT_H

#include <stdbool.h>
#include <stdint.h>
#include <public/grant_table.h>

struct gnt_table {
	struct rv_grant_entry *e;       /* the mapped table */
	uint32_t n;                     /* entries */
	uint32_t hint;                  /* where the next search for a free entry starts */
	uint32_t rsv_first, rsv_count;  /* refs gnt_grant never hands out (gnt_table_reserve) */
};

void gnt_table_init(struct gnt_table *t, struct rv_grant_entry *entries, uint32_t n);
/* Keep refs [first, first + count) out of gnt_grant's search: they are
 * only ever granted by number (gnt_grant_ref), as a split device's ring
 * page is (start_info.h: the toolstack names its ref 8..15). */
void gnt_table_reserve(struct gnt_table *t, uint32_t first, uint32_t count);
/* Grant domid access to frame (read-only if ro) in a free entry that is
 * not reserved: its ref, or -RV_ENOSPC when every such entry is taken. */
int32_t gnt_grant(struct gnt_table *t, uint16_t domid, uint32_t frame, bool ro);
/* The same in entry ref: -RV_ERANGE past the end, -RV_EBUSY if it is taken. */
int32_t gnt_grant_ref(struct gnt_table *t, uint32_t ref, uint16_t domid, uint32_t frame, bool ro);
/* End grant ref: 0; -RV_EBUSY while a peer maps it (reading or writing set:
 * nothing changed); -RV_ENOENT if it grants nothing; -RV_ERANGE past the end. */
int32_t gnt_end(struct gnt_table *t, uint32_t ref);
/* Is ref mapped by its peer now? */
bool gnt_in_use(const struct gnt_table *t, uint32_t ref);

/*
 * A copy between a buffer of ours (at virtual address va, which may cross
 * one page boundary) and bytes [off, off + len) of a granted frame, as
 * grant copy operations, each within one page on both sides: at most 2
 * pieces, written to out; 0 if the bytes do not fit the granted page or
 * len is 0 or over a page.
 */
struct gnt_piece {
	uint32_t va;            /* our side: its virtual address */
	uint16_t off;           /* the granted frame's side */
	uint16_t len;
};
unsigned gnt_copy_split(uint32_t va, uint32_t off, uint32_t len, struct gnt_piece out[2]);

#endif
