/*
 * ringos: block devices (blkdev.h). Byte offsets over a driver's sectors:
 * the aligned middle of a transfer goes to the driver directly, at most
 * BLKDEV_IO_SECTORS at a time; a partial sector at either end passes
 * through the disk's bounce buffer (read, and for a write changed and
 * written back). The driver may sleep, so a disk is held by one transfer
 * at a time: another process's write to the same sector cannot slip in
 * between a read and its write-back.
 */
#include "blkdev.h"
#include "ramfs.h"
#include "proc.h"
#include "string.h"
#include "uapi/errno.h"

static struct blkdev *disks[BLKDEV_MAX];

int blkdev_register(struct blkdev *bd)
{
	for (unsigned i = 0; i < BLKDEV_MAX; i++)
		if (!disks[i]) {
			disks[i] = bd;
			return 0;
		}
	return -ENOSPC;
}

void blkdev_reset(void)
{
	memset(disks, 0, sizeof(disks));
}

int blkdev_make_nodes(struct ramfs_node *dir)
{
	int made = 0;
	for (unsigned i = 0; i < BLKDEV_MAX; i++) {
		struct ramfs_node *n;
		if (!disks[i] || ramfs_create(dir, disks[i]->name, RAMFS_BLK, &n))
			continue;
		n->rdev = disks[i]->rdev;
		n->mode = 0660;                 /* brw-rw----, as udev makes disks */
		made++;
	}
	return made;
}

/* By the device number, as character devices are found: a node's rdev,
 * whichever filesystem the node is in. */
struct blkdev *blkdev_find(uint32_t rdev)
{
	for (unsigned i = 0; i < BLKDEV_MAX; i++)
		if (disks[i] && disks[i]->rdev == rdev)
			return disks[i];
	return NULL;
}

uint64_t blkdev_size(const struct blkdev *bd)
{
	return bd->sectors * BLKDEV_SECTOR;
}

static void hold(struct blkdev *bd)
{
	while (bd->busy)
		sleep_on_uninterruptible(&bd->busy, 0);
	bd->busy = true;
}

static void release(struct blkdev *bd)
{
	bd->busy = false;
	wake_up(&bd->busy);
}

/*
 * len bytes at off, the disk's end already taken into account: through the
 * bounce buffer where a sector is only partly concerned. The bytes moved,
 * or the driver's error when none were.
 */
static long transfer(struct blkdev *bd, uint64_t off, uint8_t *buf, size_t len, bool write)
{
	size_t done = 0;
	int rc = 0;

	hold(bd);
	while (done < len && !rc) {
		uint64_t lba = (off + done) / BLKDEV_SECTOR;
		size_t in = (size_t)((off + done) % BLKDEV_SECTOR), left = len - done;
		if (!in && left >= BLKDEV_SECTOR) {
			unsigned n = (unsigned)MIN(left / BLKDEV_SECTOR, (size_t)BLKDEV_IO_SECTORS);
			rc = write ? bd->write(bd->unit, lba, n, buf + done) :
				     bd->read(bd->unit, lba, n, buf + done);
			if (!rc)
				done += (size_t)n * BLKDEV_SECTOR;
			continue;
		}
		size_t n = MIN(left, BLKDEV_SECTOR - in);
		if ((rc = bd->read(bd->unit, lba, 1, bd->bounce)))
			break;
		if (write) {
			memcpy(bd->bounce + in, buf + done, n);
			rc = bd->write(bd->unit, lba, 1, bd->bounce);
		} else {
			memcpy(buf + done, bd->bounce + in, n);
		}
		if (!rc)
			done += n;
	}
	release(bd);
	return done ? (long)done : rc;
}

long blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t len)
{
	uint64_t size = blkdev_size(bd);
	if (off >= size || !len)
		return 0;
	return transfer(bd, off, buf, (size_t)MIN((uint64_t)len, size - off), false);
}

long blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t len)
{
	uint64_t size = blkdev_size(bd);
	if (bd->readonly)
		return -EPERM;          /* Linux's answer for a read-only disk */
	if (!len)
		return 0;
	if (off >= size)
		return -ENOSPC;         /* as Linux's block devices answer */
	return transfer(bd, off, (uint8_t *)(uintptr_t)buf, (size_t)MIN((uint64_t)len, size - off),
			true);
}

int blkdev_flush(struct blkdev *bd)
{
	if (!bd->flush)
		return 0;
	hold(bd);
	int rc = bd->flush(bd->unit);
	release(bd);
	return rc;
}

int blkdev_flush_all(void)
{
	int rc = 0;
	for (unsigned i = 0; i < BLKDEV_MAX; i++)
		if (disks[i]) {
			int r = blkdev_flush(disks[i]);
			rc = rc ? rc : r;
		}
	return rc;
}

long blkdev_ioctl(struct blkdev *bd, uint32_t req, uint64_t *val, unsigned *size)
{
	*size = 4;
	switch (req) {
	case BLKGETSIZE64:
		*val = blkdev_size(bd);
		*size = 8;
		return 0;
	case BLKGETSIZE:                /* an unsigned long of 512-byte sectors */
		if (bd->sectors > 0xffffffffull)
			return -EFBIG;
		*val = bd->sectors;
		return 0;
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKBSZGET:
		*val = BLKDEV_SECTOR;
		return 0;
	case BLKFLSBUF:
		*size = 0;
		return blkdev_flush(bd);
	default:
		return -ENOTTY;
	}
}

long blkdev_ioctl_user(struct blkdev *bd, uint32_t req, uint32_t arg)
{
	uint64_t val = 0;
	unsigned size;
	long rc = blkdev_ioctl(bd, req, &val, &size);
	if (rc || !size)
		return rc;
	return copy_to_user(arg, &val, size) ? -EFAULT : 0;     /* little-endian: the low bytes first */
}
