/*
 * The bt patch cache (hv/bt/patch.c): scanned blocks of guest kernel code,
 * per code page (guest frame), with their sensitive instructions and their
 * unscanned exits replaced by a trap, and the original bytes kept aside
 * (docs/bt-patch.md). Pure: guest memory is reached through
 * struct bt_patch_ops, so host tests drive it with an array.
 *
 * The trap is int3 (0xCC): one byte, so it fits every site (pushf, popf,
 * push cs, iret and retf are one byte long). Only the first byte of a site
 * is ever changed. A #BP is ours exactly when its EIP - 1 is an armed site
 * (bt_patch_lookup): the guest's own int3 bytes are never sites (int3 ends
 * a block as BT_XFER_INT and is left as it is), so the two are told apart
 * by the table, not by the byte.
 *
 * Addresses: eip is the linear address of the code (the guest kernel's
 * flat CS: base 0), gpa/gfn the guest-physical one. One page is cached
 * under one linear page: a second alias, or a remap of the linear page to
 * another frame, drops the older entry first.
 */
#ifndef HV_BT_PATCH_H
#define HV_BT_PATCH_H

#include "types.h"
#include "scan.h"

#define BT_PATCH_TRAP           0xCC    /* int3 */
#define BT_PAGE_SIZE            4096u

/* Sized for a kernel's code (a page of compiled code holds a hundred
 * blocks and more); the host unit test builds with the small limits it
 * exercises (mk/unit.mk). */
#ifndef BT_PATCH_PAGES
#define BT_PATCH_PAGES          64      /* code frames cached */
#endif
#ifndef BT_PATCH_BLOCKS
#define BT_PATCH_BLOCKS         256     /* scanned blocks per frame */
#endif
#ifndef BT_PATCH_SITES
#define BT_PATCH_SITES          256     /* trap sites per frame */
#endif
#define BT_PATCH_SUCC           3       /* successors an end waits for */

/* Why a site is (or was) a block end: bits of bt_patch_site.end. */
#define BT_END_CONT     0x01    /* the first unscanned instruction after a block */
#define BT_END_XFER     0x02    /* a direct jmp/jcc/call: until its targets are scanned */
#define BT_END_INDIRECT 0x04    /* ret, jmp/call r/m, far, iret, retf: always */

/*
 * How the cache reaches guest memory. read/write: n bytes at gpa (never
 * across a page); 0, or negative when gpa is not guest RAM. The writes are
 * the cache's own (patches and restores), not guest writes. now: optional
 * (NULL: an internal counter), a clock or counter for the LRU eviction.
 */
struct bt_patch_ops {
	void *opaque;
	int (*read)(void *opaque, uint64_t gpa, void *buf, unsigned n);
	int (*write)(void *opaque, uint64_t gpa, const void *buf, unsigned n);
	uint64_t (*now)(void *opaque);
};

/* One trap site of a page. */
struct bt_psite {
	uint16_t off;           /* in the page */
	uint8_t  len;           /* original instruction bytes in orig[] */
	uint8_t  cls;           /* enum bt_class; BT_CLS_NONE: an end only */
	uint8_t  end;           /* BT_END_* bits; 0: a sensitive site only */
	uint8_t  xfer;          /* enum bt_xfer of a terminator (BT_END_XFER/INDIRECT) */
	bool     armed;         /* the trap byte is in guest memory now */
	uint8_t  nsucc;
	uint32_t succ[BT_PATCH_SUCC];   /* eips that must be scanned block starts */
	uint8_t  orig[15];      /* the original instruction (len bytes; 1 for a
				 * CONT end: its length is not known yet) */
};

/* One scanned block of a page: [start, end) in page offsets. */
struct bt_pblock {
	uint16_t start;
	uint16_t end;           /* up to BT_PAGE_SIZE */
	uint8_t  def_size;      /* 16 or 32 */
	uint8_t  stop;          /* enum bt_stop */
	uint8_t  xfer;          /* enum bt_xfer */
	uint8_t  ninsn;
};

struct bt_ppage {
	bool     used;
	uint64_t gfn;
	uint32_t lin;           /* linear address of the page (eip & ~0xfff) */
	uint64_t stamp;         /* last scan or trap lookup (LRU) */
	uint16_t nblock;
	uint16_t nsite;
	struct bt_pblock block[BT_PATCH_BLOCKS];
	struct bt_psite site[BT_PATCH_SITES];
};

struct bt_patch_stats {
	uint64_t blocks_scanned;        /* new blocks recorded */
	uint64_t patches_applied;       /* trap bytes written */
	uint64_t patches_undone;        /* original bytes written back */
	uint64_t pages_dropped;         /* pages restored and forgotten (all causes) */
	uint64_t evictions;             /* ... of them to make room (pages, blocks, sites) */
	uint64_t conflicts;             /* ... of them: overlapping blocks decoded differently */
};

struct bt_patch_ctx {
	const struct bt_patch_ops *ops;
	/*
	 * Trust returns: a ret is not armed, and every call's fall-through is
	 * scanned before the call runs (the caller scans the one after an
	 * emulated indirect call), so a return that goes back after its call
	 * lands in scanned code. A ret to anywhere else (a pushed address)
	 * runs unscanned code: docs/bt.md weighs this. Off by default.
	 */
	bool trust_ret;
	uint64_t tick;                  /* when ops->now is NULL */
	struct bt_ppage page[BT_PATCH_PAGES];
	struct bt_patch_stats stats;
	/* Which frame and linear page each record holds (patch.c). */
	struct { bool used; uint32_t lin; uint64_t gfn; } idx[BT_PATCH_PAGES];
	/* Pages dropped since the last refresh (their incoming ends re-arm). */
#define BT_PATCH_DROPPED 8
	uint32_t dropped[BT_PATCH_DROPPED];
	unsigned ndropped;
	bool refresh_all;
	/* Scratch (not on the hypervisor's stack). */
	struct bt_block blk;
	struct bt_block tmp;
	uint8_t buf[BT_PAGE_SIZE];
};

/* What bt_patch_scan tells the caller. */
struct bt_patch_result {
	uint32_t start_eip;
	uint32_t end_eip;       /* first byte not covered */
	uint8_t  stop;          /* enum bt_stop */
	uint8_t  xfer;          /* enum bt_xfer */
	uint8_t  ninsn;
	bool     cached;        /* already scanned: nothing was changed */
	bool     dropped;       /* older data of the page was dropped first */
	/* end_eip is the next page's first byte and cannot be patched from
	 * here: scan on at end_eip (the next page) before the guest runs. */
	bool     open_end;
	uint8_t  ntrap;
	uint32_t trap[BT_MAX_SITES + 2];        /* armed sites in [start_eip, end_eip] */
};

/* What bt_patch_lookup finds at a trap. */
struct bt_patch_site {
	uint32_t eip;
	uint64_t gpa;
	uint8_t  len;           /* of orig[] */
	uint8_t  cls;           /* sensitive class: emulate orig; NONE: an end only */
	uint8_t  end;           /* BT_END_* */
	uint8_t  xfer;
	uint8_t  nsucc;
	uint32_t succ[BT_PATCH_SUCC];   /* the targets still to scan (some may be) */
	uint8_t  orig[15];
};

/* Empty cache. 0, or -RV_EINVAL without read/write ops. */
int bt_patch_init(struct bt_patch_ctx *ctx, const struct bt_patch_ops *ops);

/*
 * Scan the block at eip (its byte at gpa; def_size 16 or 32) on the
 * original bytes of its page, record it, arm its traps: each sensitive
 * site, the terminator while its direct targets are not scanned block
 * starts (always for an indirect one; not for int/hlt/ud2/sys*, which
 * trap by themselves), or the first unscanned byte after a block that
 * ended for another reason. Other ends waiting for eip are disarmed.
 * 0 with *out filled; -RV_EINVAL (bad arguments, gpa and eip not at the
 * same page offset); -RV_ERANGE (nothing decodable at eip: undecodable, or
 * an instruction across the page end: the caller emulates or reflects it);
 * -RV_EFAULT (an ops read or write failed).
 */
int bt_patch_scan(struct bt_patch_ctx *ctx, uint32_t eip, uint64_t gpa,
		  unsigned def_size, struct bt_patch_result *out);

/* Does a scanned block of frame gfn, seen at eip's page, hold eip? Then
 * the code there needs no scan before it runs. */
bool bt_patch_covered(struct bt_patch_ctx *ctx, uint32_t eip, uint64_t gfn);

/* Is a trap at eip (the int3's address, #BP EIP - 1) one of ours? 0 with
 * *site filled, -RV_ENOENT when it is not (the guest's own int3). */
int bt_patch_lookup(struct bt_patch_ctx *ctx, uint32_t eip, struct bt_patch_site *site);

/* A guest read of n bytes at gpa (any length, across pages) with every
 * patched byte replaced by its original: what the guest must see. 0 or
 * -RV_EFAULT. */
int bt_patch_read(struct bt_patch_ctx *ctx, uint64_t gpa, void *buf, unsigned n);

/* Whether gfn holds scanned code (the caller write-protects it). */
bool bt_patch_is_code(const struct bt_patch_ctx *ctx, uint64_t gfn);

/* A guest write of n bytes at gpa (within its page): the blocks (and
 * sites) those bytes touch are dropped, their originals back, the rest of
 * the page stays scanned; ends that led into a dropped block re-arm. Call
 * before performing the write. 1 if something was dropped, 0 if not. */
int bt_patch_bytes_written(struct bt_patch_ctx *ctx, uint64_t gpa, unsigned n);
/*
 * The guest writes to gfn: restore its originals, drop its blocks, and
 * re-arm the ends elsewhere that jumped into it. Call before performing the
 * write. 1 when the page was cached, 0 when not, -RV_EFAULT.
 */
int bt_patch_page_written(struct bt_patch_ctx *ctx, uint64_t gfn);

/* Drop every page (guest paging change, domain teardown). */
int bt_patch_flush(struct bt_patch_ctx *ctx);

#endif
