/*
 * blkif: the split block device (docs/io.md, "Split block driver"). A
 * frontend (ringos, a pv domain) asks a backend (in Domain 0, serving a
 * file on its disk) to move 512-byte sectors through pages it grants.
 * One request, one response, each a 128-byte ring slot (io/channel.h).
 *
 * Data: up to BLKIF_SEGS_MAX segments, each a range of whole sectors
 * [first_sect, last_sect] (0..7) of one granted page; the request's
 * sectors are the segments' in order, starting at `sector`. The backend
 * moves them with grant copy. status is 0 or a negative Linux errno
 * (-EIO, -EINVAL for a malformed request, -EOPNOTSUPP for an unknown op,
 * -EROFS writing a read-only disk, -ENOSPC past its end; docs/io.md has
 * the order they are checked in).
 */
#ifndef RINGVISOR_PUBLIC_IO_BLKIF_H
#define RINGVISOR_PUBLIC_IO_BLKIF_H

#include "../ringvisor.h"

#define BLKIF_SECTOR            512u
#define BLKIF_SEGS_MAX          11      /* 44 KiB per request at most */

#define BLKIF_OP_info           0       /* the disk: sectors and flags into the response */
#define BLKIF_OP_read           1
#define BLKIF_OP_write          2
#define BLKIF_OP_flush          3       /* what was written reaches the backend's disk */

#define BLKIF_INFO_readonly     (1u << 0)

struct blkif_seg {
	uint32_t gref;                  /* a page the frontend granted the backend */
	uint8_t first_sect, last_sect;  /* 0 <= first <= last <= 7 */
	uint16_t _pad;
};

struct blkif_req {
	uint32_t id;                    /*  0: echoed in the response */
	uint8_t op;                     /*  4: BLKIF_OP_* */
	uint8_t nr_segs;                /*  5: 0 (info, flush) .. BLKIF_SEGS_MAX */
	uint16_t _pad0;                 /*  6 */
	uint64_t sector;                /*  8: first sector */
	struct blkif_seg seg[BLKIF_SEGS_MAX];   /* 16 .. 104 */
	uint8_t _reserved[24];          /* 104 .. 128 */
};
RV_BUILD_ASSERT(sizeof(struct blkif_req) == 128, "blkif_req is one ring slot");

struct blkif_rsp {
	uint32_t id;                    /*  0 */
	uint8_t op;                     /*  4 */
	uint8_t _pad0[3];
	int32_t status;                 /*  8: 0 or -errno (Linux's) */
	uint32_t info;                  /* 12: BLKIF_OP_info: BLKIF_INFO_* */
	uint64_t sectors;               /* 16: BLKIF_OP_info: the disk's size */
	uint8_t _reserved[104];         /* 24 .. 128 */
};
RV_BUILD_ASSERT(sizeof(struct blkif_rsp) == 128, "blkif_rsp is one ring slot");

#endif
