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

#define PGF_PINNED      0x01    /* holds a pin reference */
#define PGF_VALIDATING  0x02    /* being validated (its type is not usable yet) */
#define PGF_SHARED_INFO 0x04    /* the hypervisor's shared-info page lent to the owner */

struct page_info {
	uint16_t owner;         /* domain id, OWNER_NONE or OWNER_HV */
	uint8_t type;           /* enum page_type */
	uint8_t flags;          /* PGF_* */
	uint32_t count;
	uint32_t type_count;
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
	MMR_COUNT
};

struct mm_ctx {
	struct page_info *frames;       /* one per frame below nframes */
	uint32_t nframes;
	uint64_t *(*table)(uint32_t mfn);       /* a frame's 512 entries */
	uint32_t switch_l1_mfn;         /* the switch region's shared L1 */
	uint64_t nx;                    /* PTE_NX when NX is usable, else 0 */
	uint64_t maxphys_mask;          /* address bits the CPU has (CPUID 0x80000008), PTE_ADDR_MASK & ... */
	uint32_t refusals[MMR_COUNT];   /* global counters */
};

/* Take/drop a general reference to mfn on behalf of owner: 0 or -EPERM. */
int mm_get_page(struct mm_ctx *c, uint32_t mfn, uint16_t owner);
void mm_put_page(struct mm_ctx *c, uint32_t mfn);

/* Take a type reference (and a general one): validates the frame as that
 * table type on the first reference. 0, -EPERM (not owner), -EBUSY (type
 * conflict), -EINVAL (contents refused). */
int mm_get_page_and_type(struct mm_ctx *c, uint32_t mfn, uint16_t owner, enum page_type type);
void mm_put_page_and_type(struct mm_ctx *c, uint32_t mfn);

/* Replace entry idx of table frame table_mfn (which owner uses as a page
 * table now) with val: the new entry is validated and referenced first, then
 * the old one released. 0 or a negative errno; on error nothing changed. */
int mm_update_entry(struct mm_ctx *c, uint16_t owner, uint32_t table_mfn, uint32_t idx,
		    uint64_t val);

/* Pin: keep a table validated while nothing else uses it. */
int mm_pin(struct mm_ctx *c, uint16_t owner, uint32_t mfn, enum page_type type);
int mm_unpin(struct mm_ctx *c, uint16_t owner, uint32_t mfn);

const char *mm_refusal_name(enum mm_refusal r);
const char *page_type_name(enum page_type t);

#endif
