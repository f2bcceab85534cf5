/*
 * ext2: the contents of regular files. Holes (blocks the map does not have)
 * read as zeros and get a block when written. The bytes of the last block
 * past the end of the file are kept zero, so a file that grows over them
 * (a write past the end, truncate upwards) shows zeros there whatever the
 * disk held.
 */
#include "ext2_fs.h"

#define EXT2_IO_MAX     (1u << 30)      /* bytes per read or write call */

/* A regular file to read or (change) to change: EROFS first, then EISDIR
 * for a directory, EINVAL for anything else. */
static int file_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, bool change)
{
	int rc;

	if (change && fs->rdonly)
		return -EXT2_EROFS;
	rc = ext2_iget_live(fs, ino, in);
	if (rc)
		return rc;
	if (EXT2_ISDIR(in->i_mode))
		return -EXT2_EISDIR;
	if (!EXT2_ISREG(in->i_mode))
		return -EXT2_EINVAL;
	if (ext2_isize(fs, in) > fs->max_size)
		return ext2_corrupt(fs, "a file larger than the filesystem allows");
	return 0;
}

long ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t offset, void *buf, size_t len)
{
	struct ext2_inode in;
	uint8_t *out = buf, *tmp = NULL;
	uint32_t mask = fs->block_size - 1;
	uint64_t size;
	size_t done = 0;
	int rc = file_get(fs, ino, &in, false);

	if (rc)
		return rc;
	size = ext2_isize(fs, &in);
	if (offset >= size)
		return 0;
	if (len > size - offset)
		len = (size_t)(size - offset);
	if (len > EXT2_IO_MAX)
		len = EXT2_IO_MAX;
	while (done < len) {
		uint64_t pos = offset + done;
		uint32_t within = (uint32_t)pos & mask, pblk;
		size_t n = fs->block_size - within;

		if (n > len - done)
			n = len - done;
		rc = ext2_bmap(fs, &in, (uint32_t)(pos >> fs->block_shift), false, 0, &pblk, NULL);
		if (rc)
			break;
		if (!pblk) {
			memset(out + done, 0, n);
		} else if (n == fs->block_size) {
			rc = ext2_blk_read(fs, pblk, out + done);
		} else {
			if (!tmp && !(tmp = ext2_buf_get(fs))) {
				rc = -EXT2_ENOMEM;
				break;
			}
			rc = ext2_blk_read(fs, pblk, tmp);
			if (!rc)
				memcpy(out + done, tmp + within, n);
		}
		if (rc)
			break;
		done += n;
	}
	if (tmp)
		ext2_buf_put(fs, tmp);
	return done ? (long)done : rc;
}

int ext2_zero_tail(struct ext2_fs *fs, struct ext2_inode *in, uint64_t from)
{
	uint32_t within = (uint32_t)from & (fs->block_size - 1), pblk;
	uint8_t *buf;
	int rc;

	if (!within)
		return 0;
	rc = ext2_bmap(fs, in, (uint32_t)(from >> fs->block_shift), false, 0, &pblk, NULL);
	if (rc || !pblk)
		return rc;
	buf = ext2_buf_get(fs);
	if (!buf)
		return -EXT2_ENOMEM;
	rc = ext2_blk_read(fs, pblk, buf);
	if (!rc) {
		memset(buf + within, 0, fs->block_size - within);
		rc = ext2_blk_write(fs, pblk, buf);
	}
	ext2_buf_put(fs, buf);
	return rc;
}

long ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t offset, const void *buf, size_t len)
{
	struct ext2_inode in;
	const uint8_t *src = buf;
	uint8_t *tmp = NULL;
	uint32_t mask = fs->block_size - 1, goal = ext2_ino_goal(fs, ino);
	uint64_t size;
	size_t done = 0;
	int rc, wrc;

	rc = file_get(fs, ino, &in, true);
	if (rc)
		return rc;
	if (len == 0)
		return 0;
	if (offset >= fs->max_size)
		return -EXT2_EFBIG;
	if (len > fs->max_size - offset)
		len = (size_t)(fs->max_size - offset);
	if (len > EXT2_IO_MAX)
		len = EXT2_IO_MAX;
	size = ext2_isize(fs, &in);
	if (offset > size)
		rc = ext2_zero_tail(fs, &in, size);
	while (!rc && done < len) {
		uint64_t pos = offset + done;
		uint32_t within = (uint32_t)pos & mask, pblk;
		size_t n = fs->block_size - within;
		bool fresh;

		if (n > len - done)
			n = len - done;
		rc = ext2_bmap(fs, &in, (uint32_t)(pos >> fs->block_shift), true, goal, &pblk, &fresh);
		if (rc)
			break;
		if (n == fs->block_size) {
			rc = ext2_blk_write(fs, pblk, src + done);
		} else {
			if (!tmp && !(tmp = ext2_buf_get(fs))) {
				rc = -EXT2_ENOMEM;
				break;
			}
			if (fresh)
				memset(tmp, 0, fs->block_size);
			else
				rc = ext2_blk_read(fs, pblk, tmp);
			if (!rc) {
				memcpy(tmp + within, src + done, n);
				rc = ext2_blk_write(fs, pblk, tmp);
			}
		}
		if (rc)
			break;
		goal = pblk + 1;
		done += n;
	}
	if (tmp)
		ext2_buf_put(fs, tmp);
	/* The inode is written even when nothing was: the map may have changed. */
	if (done) {
		if (offset + done > size)
			ext2_set_isize(fs, &in, offset + done);
		in.i_mtime = in.i_ctime = ext2_now(fs);
	}
	wrc = ext2_iwrite(fs, ino, &in);
	if (done && !wrc)
		return (long)done;
	return rc ? rc : wrc;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	struct ext2_inode in;
	uint64_t old;
	int rc, wrc;

	rc = file_get(fs, ino, &in, true);
	if (rc)
		return rc;
	if (size > fs->max_size)
		return -EXT2_EFBIG;
	old = ext2_isize(fs, &in);
	if (size < old) {
		rc = ext2_trunc_blocks(fs, &in, (uint32_t)((size + fs->block_size - 1) >> fs->block_shift));
		if (!rc)
			rc = ext2_zero_tail(fs, &in, size);
	} else if (size > old) {
		rc = ext2_zero_tail(fs, &in, old);
	}
	if (!rc)
		ext2_set_isize(fs, &in, size);
	in.i_mtime = in.i_ctime = ext2_now(fs);
	wrc = ext2_iwrite(fs, ino, &in);
	return rc ? rc : wrc;
}
