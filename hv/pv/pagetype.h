/*
 * Frame ownership, types and reference counts for direct paging (pv part 2,
 * the design Xen uses). Every RAM frame has an owner, a type and two counts:
 *
 *   count       references of any kind: 1 for being allocated to a domain,
 *               +1 per mapping in a validated table, +1 per pin, +1 per
 *               use as a vCPU's base table
 *   type_count  references that need the current type: writable mappings
 *               of a PGT_WRITABLE frame, or uses of a page table as one
 *
 * A frame's type may change only when its type_count is 0, so a frame is
 * never at once a page table and writable anywhere. A page-table type is
 * validated when it is first taken: every entry must reference frames the
 * domain owns, with the types that level needs, taking references as it
 * goes; dropping the last type reference releases them. Pure logic over a
 * table of struct page_info: the host unit tests drive it directly.
 */
#ifndef HV_PAGETYPE_H
#define HV_PAGETYPE_H

#include "types.h"

enum page_type {
	PGT_NONE = 0,
	PGT_WRITABLE,           /* mapped writable somewhere */
	PGT_L1,                 /* page table: 512 PTEs */
	PGT_L2,                 /* page directory: 512 PDEs */
	PGT_L2_HIGH,            /* the directory under PDPT slot 3: slots 510-511 are the switch region's */
	PGT_L3,                 /* PDPT: 4 entries */
	PGT_COUNT
};

#define OWNER_NONE      0u      /* free or reserved: nobody's */
#define OWNER_HV        0xffffu /* the hypervisor's own */
/* A dead domain's frame that a peer still has mapped through a grant
 * (grant.c): it goes back to the pool at the last unmap. */
#define OWNER_GRANTED   0xfffeu

#define PGF_PINNED      0x01    /* holds a pin reference */
#define PGF_VALIDATING  0x02    /* being validated (its type is not usable yet) */
#define PGF_SHARED_INFO 0x04    /* the hypervisor's shared-info page lent to the owner */
#define PGF_PARTIAL     0x08    /* VALIDATING, interrupted: type_count = entries done */
#define PGF_DEVALIDATING 0x10   /* releasing its entries: type_count = entries still to release */
#define PGF_GRANT_TABLE 0x20    /* a grant-table frame (hypervisor's) lent to the owner */
/* Bit 11 of a PTE (software's to use) marks a grant mapping, written only
 * by grant.c (public/grant_table.h RV_PTE_GRANT): no entry a guest writes
 * may have it, and such an entry is not the guest's to overwrite. */
#define PTE_GRANT_BIT   (1ull << 11)

/*
 * type_count is 0 while a table is being validated and its last type
 * reference is gone while it is being released, so in those two states it
 * holds the operation's progress instead (the flags say which):
 *   VALIDATING | PARTIAL  entries [0, type_count) validated, referenced
 *   DEVALIDATING          entries [0, type_count) still hold references;
 *                         released from the last down; count includes one
 *                         reference of the release itself
 * Such a frame cannot be retyped, updated, pinned or given back until the
 * operation ends (docs/paging.md, "Long operations").
 */
struct page_info {
	uint16_t owner;         /* domain id, OWNER_NONE or OWNER_HV */
	uint8_t type;           /* enum page_type */
	uint8_t flags;          /* PGF_* */
	uint32_t count;
	uint32_t type_count;    /* or progress: see above */
};
BUILD_ASSERT(sizeof(struct page_info) == 12, "page_info is 12 bytes a frame");

/* Why an entry was refused: one counter each (docs/paging.md). */
enum mm_refusal {
	MMR_NOT_OWNER,          /* a frame the domain does not own (another domain's, ours, free, I/O) */
	MMR_TYPE_CONFLICT,      /* page table vs writable, or the wrong table level */
	MMR_RESERVED_BITS,      /* bits the CPU reserves, or NX without EFER.NXE */
	MMR_LARGE_PAGE,         /* PS in a directory entry */
	MMR_SWITCH_REGION,      /* an entry that would map the switch region */
	MMR_BAD_REQUEST,        /* not a table, bad index, bad command */
	MMR_GRANT_MAPPING,      /* the entry is a grant mapping: only grant_table_op unmaps it */
	MMR_COUNT
};

/*
 * Releases interrupted by preemption, to be finished (mm_settle) before the
 * domain runs or does anything else: a stack, the most recent on top. Each
 * entry above the first few is a table released by the one below it, so
 * the depth is bounded by the levels (docs/paging.md); when full, a release
 * simply is not interrupted (`full` counts those times).
 */
#define MM_DEFER_MAX 8
struct mm_deferred {
	uint32_t n;
	uint32_t mfn[MM_DEFER_MAX];
	uint32_t full;          /* releases that could not be deferred */
};

struct mm_ctx {
	struct page_info *frames;       /* one per frame below nframes */
	uint32_t nframes;
	uint64_t *(*table)(uint32_t mfn);       /* a frame's 512 entries */
	uint32_t switch_l1_mfn;         /* the switch region's shared L1 */
	uint64_t nx;                    /* PTE_NX when NX is usable, else 0 */
	uint64_t maxphys_mask;          /* address bits the CPU has (CPUID 0x80000008), PTE_ADDR_MASK & ... */
	uint32_t refusals[MMR_COUNT];   /* global counters */
	/* Preemption. Before each entry it validates or releases, once it has
	 * done at least one since the caller zeroed steps (so every round makes
	 * progress), the layer asks preempt(); NULL = never. */
	bool (*preempt)(struct mm_ctx *c);
	uint32_t steps;                 /* entries validated or released */
	/* Entries the hook has let go by without being asked again: a hook
	 * that reads a clock sets it to ask only every so often (each entry is
	 * a few instructions; a call per entry made fork 15% dearer). */
	uint32_t quiet;
	struct mm_deferred *defer;      /* the caller's deferred releases; NULL: none */
};

/* Take/drop a general reference to mfn on behalf of owner: 0 or -EPERM. */
int mm_get_page(struct mm_ctx *c, uint32_t mfn, uint16_t owner);
void mm_put_page(struct mm_ctx *c, uint32_t mfn);

/* Take a type reference (and a general one): validates the frame as that
 * table type on the first reference. 0, -EPERM (not owner), -EBUSY (type
 * conflict), -EINVAL (contents refused), or -ERESTART: preempted, the frame
 * (and the child it was in) left PARTIAL; the same call again goes on from
 * there. A refused validation releases what it took (perhaps deferred). */
int mm_get_page_and_type(struct mm_ctx *c, uint32_t mfn, uint16_t owner, enum page_type type);
/* Drop one: the last type reference of a table releases its entries, and a
 * release that is preempted is pushed on c->defer to be finished later. */
void mm_put_page_and_type(struct mm_ctx *c, uint32_t mfn);

/* Go on with the deferred releases, most recent first: 0 when none is left,
 * -ERESTART when preempted. */
int mm_settle(struct mm_ctx *c);
static inline bool mm_unsettled(const struct mm_ctx *c)
{
	return c->defer && c->defer->n;
}

/* Replace entry idx of table frame table_mfn (which owner uses as a page
 * table now) with val: the new entry is validated and referenced first, then
 * the old one released. 0 or a negative errno; on error nothing changed
 * (-ERESTART: call again). */
int mm_update_entry(struct mm_ctx *c, uint16_t owner, uint32_t table_mfn, uint32_t idx,
		    uint64_t val);

/* Pin: keep a table validated while nothing else uses it. */
int mm_pin(struct mm_ctx *c, uint16_t owner, uint32_t mfn, enum page_type type);
int mm_unpin(struct mm_ctx *c, uint16_t owner, uint32_t mfn);

const char *mm_refusal_name(enum mm_refusal r);
const char *page_type_name(enum page_type t);

#endif
