/*
 * Grant tables: how a pv domain lets one named peer domain use chosen frames
 * of its own memory, read-only or read-write, without the hypervisor having
 * to know why (split drivers: a frontend grants the pages of its requests,
 * a backend maps them or copies through them). docs/io.md explains the
 * rules and why they are so; the design is Xen's grant tables, ABI v1.
 *
 * The table. A domain asks for its grant table once (RV_GNTTABOP_setup_table,
 * 1 to RV_GRANT_FRAMES_MAX frames of RV_GRANT_ENTRIES_PER_FRAME entries). The
 * frames are the hypervisor's, lent to the domain like the shared-info page:
 * the call returns their machine frame numbers and the domain maps them
 * itself, read-write, with update_va_mapping (they may never become page
 * tables, be granted or be given back). Entry `ref` is entry ref % 512 of
 * frame ref / 512.
 *
 * Granting: the granter writes an entry's frame and domid first, then (after
 * a compiler barrier) its flags = RV_GTF_permit_access [| RV_GTF_readonly].
 * The hypervisor reads an entry once, when a peer maps or copies through it,
 * and checks everything then: the grant names the caller, the frame is the
 * granter's own ordinary RAM (not a page table, not its start-info,
 * shared-info or grant-table page, not another domain's or the hypervisor's
 * frame).
 *
 * Ending a grant: while a peer has it mapped the hypervisor keeps
 * RV_GTF_reading (mapped read-only) or RV_GTF_writing (mapped writable) set
 * in the entry's flags. The granter ends a grant by one atomic compare-and-
 * exchange of the 16-bit flags from what it wrote to 0: it fails while
 * reading or writing is set (the grant is in use: try after the peer
 * unmapped). A granter that overwrites an entry in use anyway changes
 * nothing for the hypervisor: the mapping keeps its frame and its reference
 * (the frame never goes back to the pool while mapped), and a new map of
 * that entry is refused (-RV_EBUSY) until it names the same frame again or
 * every mapping of it is gone.
 *
 *     int $0x82 with eax = RV_HC_grant_table_op, ebx = cmd, ecx = ops
 *     (an array of the cmd's struct), edx = count
 *
 * Batches (map, unmap, copy: 1 to RV_GNTTAB_BATCH_MAX operations) are
 * carried out in order; each operation's status is written back (0 or a
 * negative errno), and the batch stops at the first refused one, whose
 * error the call returns (0 when all were done). A refused operation
 * changed nothing; those before it stand.
 *
 * Errors, the same for every operation:
 *   -RV_EINVAL   unknown flags, a misaligned or out-of-page offset or length
 *   -RV_E2BIG    count over RV_GNTTAB_BATCH_MAX (nothing done)
 *   -RV_EFAULT   the ops array cannot be read and written (nothing done);
 *                map: no page table maps va in the caller's address space
 *   -RV_ESRCH    the granting domain does not exist, is stopping or stopped,
 *                or has no grant table
 *   -RV_ERANGE   ref is past the end of the granter's table
 *   -RV_ENOENT   the entry grants nothing (never granted, or ended)
 *   -RV_EACCES   the entry grants to another domain (or the caller is the
 *                granter itself)
 *   -RV_EPERM    the frame named is not ordinary RAM of the granter (or,
 *                for a copy's local side, of the caller)
 *   -RV_EROFS    a read-only grant mapped writable or used as a copy's
 *                destination
 *   -RV_EBUSY    the entry was changed while it is mapped
 *   -RV_EEXIST   map: va is mapped already; setup_table: the table exists
 *                and is smaller than asked
 *   -RV_ENOSPC   map: the caller has RV_GRANT_MAPS_MAX mappings already
 *   -RV_EBADF    unmap: the handle is not a live mapping of the caller's
 *                (a double unmap)
 */
#ifndef RINGVISOR_PUBLIC_GRANT_TABLE_H
#define RINGVISOR_PUBLIC_GRANT_TABLE_H

#include "ringvisor.h"

/* A grant reference: an index into the granter's table. */
typedef uint32_t rv_grant_ref_t;

struct rv_grant_entry {
	uint16_t flags;         /* RV_GTF_*: written by the granter, status bits by the hypervisor */
	uint16_t domid;         /* the one domain allowed to use it */
	uint32_t frame;         /* the granted machine frame number */
};
RV_BUILD_ASSERT(sizeof(struct rv_grant_entry) == 8, "grant entry layout");

#define RV_GTF_type_mask        0x0003u
#define RV_GTF_invalid          0x0000u /* grants nothing */
#define RV_GTF_permit_access    0x0001u /* domid may map or copy frame */
#define RV_GTF_readonly         0x0004u /* ... read-only */
#define RV_GTF_reading          0x0008u /* hypervisor: mapped read-only by the peer */
#define RV_GTF_writing          0x0010u /* hypervisor: mapped writable by the peer */
#define RV_GTF_GRANTER_BITS     (RV_GTF_type_mask | RV_GTF_readonly)

#define RV_GRANT_ENTRIES_PER_FRAME 512u
#define RV_GRANT_FRAMES_MAX     4u      /* a table of at most 2048 entries */
#define RV_GRANT_MAPS_MAX       64u     /* grant mappings a domain may hold at once */
#define RV_GNTTAB_BATCH_MAX     64u     /* operations per call */

/*
 * The PTE bit the hypervisor sets in every grant mapping it writes (one of
 * the bits the CPU leaves to software): such an entry cannot be written by
 * mmu_update or update_va_mapping, and no page-table entry a guest writes
 * may have it. Read it to tell a grant mapping from an ordinary one.
 */
#define RV_PTE_GRANT            (1ull << 11)

/* ---- commands ---- */
#define RV_GNTTABOP_setup_table 0       /* ops = struct rv_gnttab_setup *, count = 1 */
#define RV_GNTTABOP_map         1       /* struct rv_gnttab_map[count] */
#define RV_GNTTABOP_unmap       2       /* struct rv_gnttab_unmap[count] */
#define RV_GNTTABOP_copy        3       /* struct rv_gnttab_copy[count] */

/*
 * setup_table: the caller's own table, made on the first call (nr_frames 1
 * to RV_GRANT_FRAMES_MAX, zeroed); a later call returns the same frames (and
 * nr_frames = the table's size) if it asks for no more than there are,
 * -RV_EEXIST otherwise. frames[] gets the machine frame numbers to map.
 */
struct rv_gnttab_setup {
	uint32_t nr_frames;                     /* in: wanted; out: the table's */
	int32_t status;                         /* out */
	uint32_t frames[RV_GRANT_FRAMES_MAX];   /* out */
};
RV_BUILD_ASSERT(sizeof(struct rv_gnttab_setup) == 8 + 4 * RV_GRANT_FRAMES_MAX, "setup layout");

/*
 * map: map the frame granted by domain dom's entry ref at va (page-aligned,
 * below the switch region) in the caller's current address space. The PTE
 * at va must not be present, and an L1 table must be there (a guest hangs
 * an empty one first). The hypervisor writes the PTE: present, writable
 * unless RV_GNTMAP_readonly, user-accessible only with RV_GNTMAP_user,
 * no-execute where the CPU has NX, with RV_PTE_GRANT. handle gets the
 * mapping's handle for unmap.
 */
struct rv_gnttab_map {
	uint32_t va;            /* in */
	uint32_t flags;         /* in: RV_GNTMAP_* */
	uint32_t ref;           /* in */
	uint16_t dom;           /* in: the granting domain */
	uint16_t pad;
	int32_t status;         /* out */
	uint32_t handle;        /* out */
};
RV_BUILD_ASSERT(sizeof(struct rv_gnttab_map) == 24, "map layout");
#define RV_GNTMAP_readonly      (1u << 0)
#define RV_GNTMAP_user          (1u << 1)

/*
 * unmap: remove the mapping handle, made at va (both must match: -RV_EINVAL
 * when va is not where handle was mapped). The PTE becomes 0.
 */
struct rv_gnttab_unmap {
	uint32_t va;            /* in */
	uint32_t handle;        /* in */
	int32_t status;         /* out */
	uint32_t pad;
};
RV_BUILD_ASSERT(sizeof(struct rv_gnttab_unmap) == 16, "unmap layout");

/*
 * copy: len bytes from source to dest, each side either a grant (flag
 * RV_GNTCOPY_source_gref / _dest_gref: u = the ref, domid = the granter) or
 * one of the caller's own frames (u = its machine frame number; domid
 * ignored). offset + len must stay within the page. A read-only grant may
 * only be a source.
 */
struct rv_gnttab_copy_ptr {
	uint32_t u;             /* ref, or the caller's machine frame number */
	uint16_t domid;         /* the granter, for a ref */
	uint16_t offset;        /* byte offset in the frame */
};
struct rv_gnttab_copy {
	struct rv_gnttab_copy_ptr source, dest;
	uint16_t len;
	uint16_t flags;         /* RV_GNTCOPY_* */
	int32_t status;         /* out */
};
RV_BUILD_ASSERT(sizeof(struct rv_gnttab_copy) == 24, "copy layout");
#define RV_GNTCOPY_source_gref  (1u << 0)
#define RV_GNTCOPY_dest_gref    (1u << 1)

#endif
