/*
 * ext2: mounting (every check of the superblock and the group descriptors
 * before anything is trusted), sync and unmount, the device's sectors and
 * blocks, and the buffers the other files borrow (pure; see ext2.h).
 */
#include "ext2_fs.h"

/* ---------------------------------------------------------------- device and buffers */

int ext2_corrupt(struct ext2_fs *fs, const char *what)
{
	if (!fs->error) {
		fs->error = what;
		if (!fs->rdonly) {
			fs->sb.s_state |= EXT2_ERROR_FS;
			fs->dirty = true;
		}
	}
	return -EXT2_EUCLEAN;
}

/*
 * The buffers are made at mount, more than the deepest call holds at once
 * (four: a write that fills a hole under a new indirect block holds its
 * partial-block buffer, the map's two and the bitmap's; truncate its three
 * levels and the bitmap), so that no call runs out of memory half-way
 * through a change. The unit tests make every allocation fail after the
 * mount to hold this; were the pool ever short, the host's allocator would
 * still be asked.
 */
uint8_t *ext2_buf_get(struct ext2_fs *fs)
{
	if (fs->nspare)
		return fs->spare[--fs->nspare];
	return fs->host.alloc(fs->block_size);
}

void ext2_buf_put(struct ext2_fs *fs, uint8_t *buf)
{
	if (fs->nspare < EXT2_SPARE_BUFS)
		fs->spare[fs->nspare++] = buf;
	else
		fs->host.free(buf);
}

/* Sectors of the filesystem (all of them were checked to be on the device at mount). */
static uint64_t fs_sectors(const struct ext2_fs *fs)
{
	return (uint64_t)fs->sb.s_blocks_count << (fs->block_shift - 9);
}

int ext2_sect_read(struct ext2_fs *fs, uint64_t sector, unsigned count, void *buf)
{
	if (sector >= fs_sectors(fs) || count > fs_sectors(fs) - sector)
		return ext2_corrupt(fs, "a read past the end of the filesystem");
	return fs->dev.read(fs->dev.opaque, sector, count, buf) ? -EXT2_EIO : 0;
}

int ext2_sect_write(struct ext2_fs *fs, uint64_t sector, unsigned count, const void *buf)
{
	if (fs->rdonly)
		return -EXT2_EROFS;
	if (sector >= fs_sectors(fs) || count > fs_sectors(fs) - sector)
		return ext2_corrupt(fs, "a write past the end of the filesystem");
	return fs->dev.write(fs->dev.opaque, sector, count, buf) ? -EXT2_EIO : 0;
}

int ext2_blk_read(struct ext2_fs *fs, uint32_t blk, void *buf)
{
	unsigned shift = fs->block_shift - 9;

	return ext2_sect_read(fs, (uint64_t)blk << shift, 1u << shift, buf);
}

int ext2_blk_write(struct ext2_fs *fs, uint32_t blk, const void *buf)
{
	unsigned shift = fs->block_shift - 9;

	return ext2_sect_write(fs, (uint64_t)blk << shift, 1u << shift, buf);
}

uint32_t ext2_now(struct ext2_fs *fs)
{
	uint32_t t = fs->host.now ? fs->host.now() : 0;

	return t ? t : fs->sb.s_wtime;
}

/* ---------------------------------------------------------------- the superblock's checks */

/* Incompatible features by name, for the refusal's message. */
static const struct {
	uint32_t bit;
	const char *why;
} incompat_names[] = {
	{ 0x0001, "incompatible feature compression is not supported" },
	{ 0x0004, "the journal needs recovery (an ext3/ext4 filesystem not cleanly unmounted)" },
	{ 0x0008, "the filesystem is an external journal device" },
	{ 0x0010, "incompatible feature meta_bg is not supported" },
	{ 0x0040, "incompatible feature extents (ext4) is not supported" },
	{ 0x0080, "incompatible feature 64bit (ext4) is not supported" },
	{ 0x0100, "incompatible feature mmp is not supported" },
	{ 0x0200, "incompatible feature flex_bg (ext4) is not supported" },
	{ 0x0400, "incompatible feature ea_inode is not supported" },
	{ 0x1000, "incompatible feature dirdata is not supported" },
	{ 0x2000, "incompatible feature metadata_csum_seed is not supported" },
	{ 0x4000, "incompatible feature largedir is not supported" },
	{ 0x8000, "incompatible feature inline_data is not supported" },
	{ 0x10000, "incompatible feature encrypt is not supported" },
	{ 0x20000, "incompatible feature casefold is not supported" },
};

static const char *incompat_why(uint32_t bits)
{
	for (size_t i = 0; i < sizeof(incompat_names) / sizeof(incompat_names[0]); i++)
		if (bits & incompat_names[i].bit)
			return incompat_names[i].why;
	return "an unknown incompatible feature is set";
}

static bool is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

#define REFUSE(err, msg) do { *why = (msg); return (err); } while (0)

/* The superblock alone, against itself and the device; fills the geometry. */
static int check_super(struct ext2_fs *fs, const char **why)
{
	struct ext2_super *sb = &fs->sb;

	if (sb->s_magic != EXT2_MAGIC)
		REFUSE(-EXT2_EINVAL, "no ext2 magic number in the superblock");
	if (sb->s_rev_level > 1)
		REFUSE(-EXT2_EOPNOTSUPP, "superblock revision above 1");
	if (sb->s_rev_level == 0) {
		/* Revision 0 has none of the later fields: their fixed values. */
		fs->inode_size = EXT2_GOOD_OLD_INODE;
		fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
	} else {
		fs->inode_size = sb->s_inode_size;
		fs->first_ino = sb->s_first_ino;
		fs->compat = sb->s_feature_compat;
		fs->incompat = sb->s_feature_incompat;
		fs->ro_compat = sb->s_feature_ro_compat;
	}
	if (sb->s_log_block_size > 6)
		REFUSE(-EXT2_EUCLEAN, "block size field out of range");
	if (sb->s_log_block_size > 2)
		REFUSE(-EXT2_EOPNOTSUPP, "blocks larger than 4 KiB are not supported");
	if (fs->incompat & ~EXT2_INCOMPAT_KNOWN)
		REFUSE(-EXT2_EOPNOTSUPP, incompat_why(fs->incompat & ~EXT2_INCOMPAT_KNOWN));
	/* Two "compatible" features change what the checks below and the
	 * allocator take for granted: where the superblock copies are, and that
	 * every bitmap was written. */
	if (fs->compat & EXT2_COMPAT_SPARSE_SUPER2)
		REFUSE(-EXT2_EOPNOTSUPP, "feature sparse_super2 (superblock copies elsewhere) is not supported");
	if (fs->compat & EXT2_COMPAT_LAZY_BG)
		REFUSE(-EXT2_EOPNOTSUPP, "feature lazy_bg (uninitialized groups) is not supported");

	fs->block_shift = 10 + sb->s_log_block_size;
	fs->block_size = 1u << fs->block_shift;
	fs->addr_shift = fs->block_shift - 2;
	fs->blocks_per_group = sb->s_blocks_per_group;
	fs->inodes_per_group = sb->s_inodes_per_group;
	fs->filetype = fs->incompat & EXT2_INCOMPAT_FILETYPE;

	if (!is_pow2(fs->inode_size) || fs->inode_size < EXT2_GOOD_OLD_INODE ||
	    fs->inode_size > fs->block_size)
		REFUSE(-EXT2_EUCLEAN, "bad inode size");
	if (fs->blocks_per_group < 8 || fs->blocks_per_group > 8 * fs->block_size ||
	    fs->inodes_per_group == 0 || fs->inodes_per_group > 8 * fs->block_size)
		REFUSE(-EXT2_EUCLEAN, "bad blocks or inodes per group");
	if (sb->s_first_data_block != (fs->block_size == 1024 ? 1u : 0u))
		REFUSE(-EXT2_EUCLEAN, "bad first data block");
	if (sb->s_blocks_count <= sb->s_first_data_block)
		REFUSE(-EXT2_EUCLEAN, "block count too small");
	if (((uint64_t)sb->s_blocks_count << (fs->block_shift - 9)) > fs->dev.sectors)
		REFUSE(-EXT2_EUCLEAN, "the filesystem is larger than the device");
	if (sb->s_r_blocks_count > sb->s_blocks_count)
		REFUSE(-EXT2_EUCLEAN, "more reserved blocks than blocks");

	fs->groups = (sb->s_blocks_count - sb->s_first_data_block - 1) / fs->blocks_per_group + 1;
	if ((uint64_t)fs->groups * fs->inodes_per_group != sb->s_inodes_count)
		REFUSE(-EXT2_EUCLEAN, "inode count disagrees with the groups");
	if (fs->first_ino < EXT2_GOOD_OLD_FIRST_INO || fs->first_ino > sb->s_inodes_count)
		REFUSE(-EXT2_EUCLEAN, "bad first inode");
	fs->itable_blocks = (uint32_t)(((uint64_t)fs->inodes_per_group * fs->inode_size +
					fs->block_size - 1) >> fs->block_shift);
	fs->gdt_blocks = (uint32_t)(((uint64_t)fs->groups * sizeof(struct ext2_gd) +
				     fs->block_size - 1) >> fs->block_shift);
	/* The reserve for growing the descriptors exists only with resize_inode. */
	fs->super_blocks = 1 + fs->gdt_blocks +
			   (fs->compat & EXT2_COMPAT_RESIZE_INODE ? sb->s_reserved_gdt_blocks : 0);
	if (fs->super_blocks > fs->blocks_per_group ||
	    sb->s_first_data_block + 1 + fs->gdt_blocks > sb->s_blocks_count)
		REFUSE(-EXT2_EUCLEAN, "group descriptors past the end of the first group");

	/* The map reaches 12 + n + n^2 + n^3 blocks (n block numbers per block);
	 * i_blocks counts 512-byte units in 32 bits: 2 TiB. Revision 0 cannot
	 * say large_file: 2 GiB there. */
	uint64_t n = 1u << fs->addr_shift;
	uint64_t reach = (EXT2_NDIR_BLOCKS + n + n * n + n * n * n) << fs->block_shift;
	fs->max_size = reach < (1ull << 41) ? reach : (1ull << 41);
	if (sb->s_rev_level == 0)
		fs->max_size = 0x7fffffff;
	return 0;
}

/* One group's descriptor: its bitmaps and inode table inside the group, clear of the superblock copy. */
static const char *check_group(const struct ext2_fs *fs, uint32_t g)
{
	const struct ext2_gd *gd = &fs->gd[g];
	uint32_t start = fs->sb.s_first_data_block + g * fs->blocks_per_group;
	uint32_t end = fs->sb.s_blocks_count - start > fs->blocks_per_group
		       ? start + fs->blocks_per_group : fs->sb.s_blocks_count;
	uint32_t meta = start;

	if (ext2_group_has_super(fs, g))
		meta += fs->super_blocks;
	if (gd->bg_block_bitmap < meta || gd->bg_block_bitmap >= end ||
	    gd->bg_inode_bitmap < meta || gd->bg_inode_bitmap >= end ||
	    gd->bg_block_bitmap == gd->bg_inode_bitmap)
		return "a group descriptor's bitmap is outside its group";
	if (gd->bg_inode_table < meta || gd->bg_inode_table >= end ||
	    end - gd->bg_inode_table < fs->itable_blocks)
		return "a group descriptor's inode table is outside its group";
	if (gd->bg_block_bitmap - gd->bg_inode_table < fs->itable_blocks ||
	    gd->bg_inode_bitmap - gd->bg_inode_table < fs->itable_blocks)
		return "a group's bitmap is inside its inode table";
	if (gd->bg_free_blocks_count > end - start || gd->bg_free_inodes_count > fs->inodes_per_group ||
	    gd->bg_used_dirs_count > fs->inodes_per_group)
		return "a group descriptor's counts are out of range";
	return NULL;
}

static int read_groups(struct ext2_fs *fs, const char **why)
{
	uint32_t per_block = fs->block_size / sizeof(struct ext2_gd);
	uint8_t *buf;
	int rc = 0;

	fs->gd = fs->host.alloc((size_t)fs->groups * sizeof(struct ext2_gd));
	buf = ext2_buf_get(fs);
	if (!fs->gd || !buf) {
		rc = -EXT2_ENOMEM;
		*why = "out of memory";
		goto out;
	}
	for (uint32_t b = 0; b < fs->gdt_blocks; b++) {
		uint32_t first = b * per_block;
		uint32_t n = fs->groups - first < per_block ? fs->groups - first : per_block;

		rc = ext2_blk_read(fs, fs->sb.s_first_data_block + 1 + b, buf);
		if (rc) {
			*why = "cannot read the group descriptors";
			goto out;
		}
		memcpy(&fs->gd[first], buf, n * sizeof(struct ext2_gd));
	}
	uint64_t free_blocks = 0, free_inodes = 0;
	for (uint32_t g = 0; g < fs->groups; g++) {
		const char *bad = check_group(fs, g);
		if (bad) {
			rc = -EXT2_EUCLEAN;
			*why = bad;
			goto out;
		}
		free_blocks += fs->gd[g].bg_free_blocks_count;
		free_inodes += fs->gd[g].bg_free_inodes_count;
	}
	/* The descriptors' counts are the truth (as Linux takes them at mount). */
	if (fs->sb.s_free_blocks_count != free_blocks || fs->sb.s_free_inodes_count != free_inodes) {
		fs->sb.s_free_blocks_count = (uint32_t)free_blocks;
		fs->sb.s_free_inodes_count = (uint32_t)free_inodes;
		fs->dirty = true;
	}
out:
	if (buf)
		ext2_buf_put(fs, buf);
	return rc;
}

/* ---------------------------------------------------------------- writing back */

static int write_groups(struct ext2_fs *fs)
{
	uint32_t per_block = fs->block_size / sizeof(struct ext2_gd);
	uint8_t *buf = ext2_buf_get(fs);
	int rc = 0;

	if (!buf)
		return -EXT2_ENOMEM;
	for (uint32_t b = 0; b < fs->gdt_blocks && !rc; b++) {
		uint32_t first = b * per_block;
		uint32_t n = fs->groups - first < per_block ? fs->groups - first : per_block;
		uint32_t blk = fs->sb.s_first_data_block + 1 + b;

		rc = ext2_blk_read(fs, blk, buf);
		if (!rc) {
			memcpy(buf, &fs->gd[first], n * sizeof(struct ext2_gd));
			rc = ext2_blk_write(fs, blk, buf);
		}
	}
	ext2_buf_put(fs, buf);
	return rc;
}

/* The superblock with state (the rest as kept in memory). */
static int write_super(struct ext2_fs *fs, uint16_t state)
{
	fs->sb.s_state = state;
	fs->sb.s_wtime = ext2_now(fs);
	return ext2_sect_write(fs, EXT2_SB_OFFSET / 512, EXT2_SB_SIZE / 512, &fs->sb);
}

/* What s_state says while mounted read-write: not clean, and the errors seen. */
static uint16_t mounted_state(const struct ext2_fs *fs)
{
	uint16_t state = fs->mount_state & ~EXT2_VALID_FS;

	return fs->error ? state | EXT2_ERROR_FS : state;
}

static int flush(struct ext2_fs *fs)
{
	if (fs->dev.flush && fs->dev.flush(fs->dev.opaque))
		return -EXT2_EIO;
	return 0;
}

int ext2_sync(struct ext2_fs *fs)
{
	int rc = 0;

	if (fs->rdonly)
		return 0;
	if (fs->dirty) {
		rc = write_groups(fs);
		if (!rc)
			rc = write_super(fs, mounted_state(fs));
		if (!rc)
			fs->dirty = false;
	}
	return rc ? rc : flush(fs);
}

/* ---------------------------------------------------------------- mount and unmount */

static void fs_free(struct ext2_fs *fs)
{
	void (*release)(void *) = fs->host.free;

	while (fs->held) {
		struct ext2_held *h = fs->held;
		fs->held = h->next;
		release(h);
	}
	while (fs->nspare)
		release(fs->spare[--fs->nspare]);
	if (fs->gd)
		release(fs->gd);
	release(fs);
}

int ext2_mount(const struct ext2_dev *dev, const struct ext2_host *host, unsigned flags,
	       struct ext2_fs **out, const char **why)
{
	const char *dummy;
	struct ext2_fs *fs;
	struct ext2_inode root;
	int rc;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!dev->read || !dev->write || !host->alloc || !host->free)
		REFUSE(-EXT2_EINVAL, "no device or allocator callbacks");
	if (dev->sectors < (EXT2_SB_OFFSET + EXT2_SB_SIZE) / 512)
		REFUSE(-EXT2_EINVAL, "the device is too small for a superblock");
	fs = host->alloc(sizeof(*fs));
	if (!fs)
		REFUSE(-EXT2_ENOMEM, "out of memory");
	memset(fs, 0, sizeof(*fs));
	fs->dev = *dev;
	fs->host = *host;
	fs->rdonly = true;      /* nothing is written until the checks pass */
	if (dev->read(dev->opaque, EXT2_SB_OFFSET / 512, EXT2_SB_SIZE / 512, &fs->sb)) {
		rc = -EXT2_EIO;
		*why = "cannot read the superblock";
		goto fail;
	}
	rc = check_super(fs, why);
	while (!rc && fs->nspare < EXT2_SPARE_BUFS) {
		uint8_t *buf = host->alloc(fs->block_size);
		if (!buf) {
			rc = -EXT2_ENOMEM;
			*why = "out of memory";
		} else {
			fs->spare[fs->nspare++] = buf;
		}
	}
	if (!rc)
		rc = read_groups(fs, why);
	if (!rc) {
		rc = ext2_iread(fs, EXT2_ROOT_INO, &root);
		if (rc)
			*why = "cannot read the root inode";
		else if (!EXT2_ISDIR(root.i_mode) || root.i_links_count < 2) {
			rc = -EXT2_EUCLEAN;
			*why = "the root inode is not a directory";
		}
	}
	if (rc)
		goto fail;

	fs->error = NULL;
	fs->mount_state = fs->sb.s_state;
	fs->rdonly = flags & EXT2_MOUNT_RDONLY;
	if (fs->ro_compat & ~EXT2_RO_COMPAT_KNOWN) {
		fs->rdonly = true;
		*why = "read-only: a read-only compatible feature is not supported";
	}
	if (!fs->rdonly) {
		fs->sb.s_mnt_count++;
		fs->sb.s_mtime = ext2_now(fs);
		rc = write_groups(fs);
		if (!rc)
			rc = write_super(fs, mounted_state(fs));
		if (!rc)
			rc = flush(fs);
		if (rc) {
			*why = "cannot write the superblock";
			goto fail;
		}
		fs->dirty = false;
	}
	*out = fs;
	return 0;
fail:
	fs_free(fs);
	return rc;
}

int ext2_unmount(struct ext2_fs *fs)
{
	int rc = 0;

	/* Inodes unlinked while held go now. */
	while (fs->held) {
		struct ext2_held *h = fs->held;
		struct ext2_inode in;

		fs->held = h->next;
		if (!fs->rdonly && !ext2_iread(fs, h->ino, &in) && in.i_links_count == 0) {
			int r = ext2_ievict(fs, h->ino);
			rc = rc ? rc : r;
		}
		fs->host.free(h);
	}
	if (!fs->rdonly) {
		int r = write_groups(fs);

		if (!r) {
			uint16_t state = fs->mount_state;
			r = write_super(fs, fs->error ? state | EXT2_ERROR_FS : state);
		}
		if (!r)
			r = flush(fs);
		rc = rc ? rc : r;
	}
	fs_free(fs);
	return rc;
}

bool ext2_readonly(const struct ext2_fs *fs)
{
	return fs->rdonly;
}

const char *ext2_error(const struct ext2_fs *fs)
{
	return fs->error;
}

void ext2_statfs(const struct ext2_fs *fs, struct ext2_statfs *st)
{
	st->block_size = fs->block_size;
	st->blocks = fs->sb.s_blocks_count;
	st->free_blocks = fs->sb.s_free_blocks_count;
	st->reserved_blocks = fs->sb.s_r_blocks_count;
	st->inodes = fs->sb.s_inodes_count;
	st->free_inodes = fs->sb.s_free_inodes_count;
	st->name_max = EXT2_NAME_MAX;
}
