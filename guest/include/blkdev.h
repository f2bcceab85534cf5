/*
 * ringos's block devices (kernel/blkdev.c): disks as nodes under /dev
 * (S_IFBLK, Linux's device numbers), read and written at any byte offset:
 * whole sectors go straight to the driver, a partial sector is read,
 * changed and written back. Reads stop at the end of the disk (a short
 * read, then 0); a write that starts there is -ENOSPC, one that crosses it
 * is cut short. Linux's block ioctls: BLKGETSIZE64, BLKGETSIZE, BLKSSZGET,
 * BLKPBSZGET, BLKBSZGET, BLKFLSBUF.
 *
 * A driver registers each disk it found (ata.c: hda, hdb) before the root
 * filesystem is built; fs_init then makes their nodes.
 */
#ifndef RINGOS_BLKDEV_H
#define RINGOS_BLKDEV_H

#include "types.h"

#define BLKDEV_SECTOR           512
#define BLKDEV_MAX              4
#define BLKDEV_IO_SECTORS       256     /* the most one driver call moves */

/* Linux's block ioctls (include/uapi/linux/fs.h), i386 values. */
#define BLKGETSIZE              0x1260          /* unsigned long: sectors */
#define BLKFLSBUF               0x1261          /* write the caches out */
#define BLKSSZGET               0x1268          /* int: logical sector size */
#define BLKBSZGET               0x80041270u     /* int: block size */
#define BLKGETSIZE64            0x80041272u     /* uint64_t: bytes */
#define BLKPBSZGET              0x127b          /* unsigned int: physical sector size */

struct ramfs_node;

struct blkdev {
	char name[8];                   /* the node under /dev: "hda" */
	uint32_t rdev;                  /* Linux's major << 8 | minor: 3:0 hda, 3:64 hdb */
	uint64_t sectors;               /* the disk's size in BLKDEV_SECTOR units */
	unsigned unit;                  /* the driver's number for the disk */
	bool readonly;                  /* writes are refused (-EPERM, as Linux), mounts only read-only */
	/* The driver: count (1..BLKDEV_IO_SECTORS) sectors at lba, inside
	 * the disk; 0 or a negative errno. flush may be NULL. */
	int (*read)(unsigned unit, uint64_t lba, unsigned count, void *buf);
	int (*write)(unsigned unit, uint64_t lba, unsigned count, const void *buf);
	int (*flush)(unsigned unit);
	/* The layer's own. */
	bool busy;                      /* a read-change-write under way: the others wait */
	uint8_t bounce[BLKDEV_SECTOR];  /* the partial sector being changed */
};

/* Add bd (which must stay valid): 0, or -ENOSPC when BLKDEV_MAX are there. */
int blkdev_register(struct blkdev *bd);
/* Forget every registered disk (the host unit tests start afresh). */
void blkdev_reset(void);
/* The nodes of the registered disks in dir (/dev): how many were made. */
int blkdev_make_nodes(struct ramfs_node *dir);
/* The disk with device number rdev (a block node's), or NULL. */
struct blkdev *blkdev_find(uint32_t rdev);

uint64_t blkdev_size(const struct blkdev *bd);     /* bytes */
/* len bytes at byte offset off: how many moved (short at the end of the
 * disk), 0 at or past the end (read), -ENOSPC there (write), or the
 * driver's error when nothing moved. */
long blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t len);
long blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t len);
/* The disk's write cache out (fsync, BLKFLSBUF), and every disk's (sync). */
int blkdev_flush(struct blkdev *bd);
int blkdev_flush_all(void);
/* An ioctl's answer: its value and size in bytes (0 for none), or
 * -ENOTTY for a request block devices do not know; -EFBIG when the value
 * does not fit (BLKGETSIZE of a disk past 2 TiB). */
long blkdev_ioctl(struct blkdev *bd, uint32_t req, uint64_t *val, unsigned *size);
/* ioctl(2) on a block device node: blkdev_ioctl, the value copied to arg. */
long blkdev_ioctl_user(struct blkdev *bd, uint32_t req, uint32_t arg);

#endif
