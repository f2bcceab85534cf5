/*
 * ext2: allocation. Each group has a block bitmap and an inode bitmap of one
 * block each; a set bit is in use. The free counts live in the group
 * descriptors (written back at sync) and are summed in the superblock; every
 * change here keeps the three in step. What a bitmap says is checked against
 * what the descriptors say and against the metadata it must never hand out.
 */
#include "ext2_fs.h"

/* With sparse_super, groups 0, 1 and the powers of 3, 5 and 7 carry a
 * copy of the superblock and the descriptors; without it, all of them. */
static bool is_power_of(uint32_t n, uint32_t base)
{
	while (n > 1 && n % base == 0)
		n /= base;
	return n == 1;
}

bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t group)
{
	if (!(fs->ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER) || group <= 1)
		return true;
	return is_power_of(group, 3) || is_power_of(group, 5) || is_power_of(group, 7);
}

static uint32_t group_start(const struct ext2_fs *fs, uint32_t g)
{
	return fs->sb.s_first_data_block + g * fs->blocks_per_group;
}

/* Blocks in group g (the last one may be short). */
static uint32_t group_blocks(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t left = fs->sb.s_blocks_count - group_start(fs, g);

	return left < fs->blocks_per_group ? left : fs->blocks_per_group;
}

bool ext2_blk_ok(const struct ext2_fs *fs, uint32_t blk)
{
	if (blk < fs->sb.s_first_data_block || blk >= fs->sb.s_blocks_count)
		return false;
	uint32_t g = (blk - fs->sb.s_first_data_block) / fs->blocks_per_group;
	const struct ext2_gd *gd = &fs->gd[g];

	if (ext2_group_has_super(fs, g) &&
	    blk - group_start(fs, g) < fs->super_blocks)
		return false;
	if (blk == gd->bg_block_bitmap || blk == gd->bg_inode_bitmap)
		return false;
	return blk - gd->bg_inode_table >= fs->itable_blocks;
}

static bool bit_test(const uint8_t *map, uint32_t bit)
{
	return map[bit >> 3] & (1u << (bit & 7));
}

/* The first clear bit in [from, to), or to. */
static uint32_t find_clear(const uint8_t *map, uint32_t from, uint32_t to)
{
	uint32_t bit = from;

	while (bit < to) {
		if ((bit & 7) == 0 && map[bit >> 3] == 0xff) {
			bit += 8;
			continue;
		}
		if (!bit_test(map, bit))
			return bit;
		bit++;
	}
	return to;
}

/* ---------------------------------------------------------------- blocks */

int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk)
{
	uint32_t g0 = 0, bit0 = 0;
	uint8_t *map;
	int rc = -EXT2_ENOSPC;

	if (fs->rdonly)
		return -EXT2_EROFS;
	if (fs->sb.s_free_blocks_count == 0)
		return -EXT2_ENOSPC;
	if (goal >= fs->sb.s_first_data_block && goal < fs->sb.s_blocks_count) {
		g0 = (goal - fs->sb.s_first_data_block) / fs->blocks_per_group;
		bit0 = goal - group_start(fs, g0);
	}
	map = ext2_buf_get(fs);
	if (!map)
		return -EXT2_ENOMEM;
	for (uint32_t i = 0; i < fs->groups; i++) {
		uint32_t g = (g0 + i) % fs->groups;
		uint32_t n = group_blocks(fs, g), from = i == 0 ? bit0 : 0, bit;
		struct ext2_gd *gd = &fs->gd[g];

		if (gd->bg_free_blocks_count == 0)
			continue;
		rc = ext2_blk_read(fs, gd->bg_block_bitmap, map);
		if (rc)
			break;
		bit = find_clear(map, from, n);
		if (bit == n && from) {         /* the goal's group again, below the goal */
			bit = find_clear(map, 0, from);
			if (bit == from)
				bit = n;
		}
		if (bit >= n) {
			rc = ext2_corrupt(fs, "a group's free block count disagrees with its bitmap");
			break;
		}
		*blk = group_start(fs, g) + bit;
		if (!ext2_blk_ok(fs, *blk)) {
			rc = ext2_corrupt(fs, "a block bitmap shows metadata free");
			break;
		}
		map[bit >> 3] |= 1u << (bit & 7);
		rc = ext2_blk_write(fs, gd->bg_block_bitmap, map);
		if (rc)
			break;
		gd->bg_free_blocks_count--;
		fs->sb.s_free_blocks_count--;
		fs->dirty = true;
		break;
	}
	ext2_buf_put(fs, map);
	return rc;
}

int ext2_bfree(struct ext2_fs *fs, uint32_t blk)
{
	uint8_t *map;
	int rc;

	if (!ext2_blk_ok(fs, blk))
		return ext2_corrupt(fs, "freeing a block outside the data area");
	uint32_t g = (blk - fs->sb.s_first_data_block) / fs->blocks_per_group;
	uint32_t bit = blk - group_start(fs, g);
	struct ext2_gd *gd = &fs->gd[g];

	map = ext2_buf_get(fs);
	if (!map)
		return -EXT2_ENOMEM;
	rc = ext2_blk_read(fs, gd->bg_block_bitmap, map);
	if (!rc && !bit_test(map, bit))
		rc = ext2_corrupt(fs, "freeing a block that is free (two owners?)");
	if (!rc) {
		map[bit >> 3] &= ~(1u << (bit & 7));
		rc = ext2_blk_write(fs, gd->bg_block_bitmap, map);
	}
	if (!rc) {
		gd->bg_free_blocks_count++;
		fs->sb.s_free_blocks_count++;
		fs->dirty = true;
	}
	ext2_buf_put(fs, map);
	return rc;
}

/* ---------------------------------------------------------------- inodes */

/* A directory goes to a group with at least the average of free inodes and
 * the most free blocks (spreading the tree); anything else near its parent. */
static uint32_t pick_group(const struct ext2_fs *fs, uint32_t parent, bool dir)
{
	uint32_t pg = (parent - 1) / fs->inodes_per_group;

	if (dir) {
		uint32_t avg = fs->sb.s_free_inodes_count / fs->groups, best = fs->groups;

		for (uint32_t g = 0; g < fs->groups; g++) {
			const struct ext2_gd *gd = &fs->gd[g];
			if (gd->bg_free_inodes_count == 0 || gd->bg_free_inodes_count < avg)
				continue;
			if (best == fs->groups ||
			    gd->bg_free_blocks_count > fs->gd[best].bg_free_blocks_count)
				best = g;
		}
		if (best < fs->groups)
			return best;
	}
	return pg < fs->groups ? pg : 0;
}

int ext2_ialloc(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *ino)
{
	uint32_t g0 = pick_group(fs, parent, dir);
	uint8_t *map;
	int rc = -EXT2_ENOSPC;

	if (fs->rdonly)
		return -EXT2_EROFS;
	if (fs->sb.s_free_inodes_count == 0)
		return -EXT2_ENOSPC;
	map = ext2_buf_get(fs);
	if (!map)
		return -EXT2_ENOMEM;
	for (uint32_t i = 0; i < fs->groups; i++) {
		uint32_t g = (g0 + i) % fs->groups, bit, from = 0;
		struct ext2_gd *gd = &fs->gd[g];

		if (gd->bg_free_inodes_count == 0)
			continue;
		rc = ext2_blk_read(fs, gd->bg_inode_bitmap, map);
		if (rc)
			break;
		/* The reserved inodes (below first_ino) are never handed out. */
		if (g * fs->inodes_per_group < fs->first_ino - 1)
			from = fs->first_ino - 1 - g * fs->inodes_per_group;
		bit = find_clear(map, from < fs->inodes_per_group ? from : fs->inodes_per_group,
				 fs->inodes_per_group);
		if (bit == fs->inodes_per_group) {
			rc = ext2_corrupt(fs, "a group's free inode count disagrees with its bitmap");
			break;
		}
		map[bit >> 3] |= 1u << (bit & 7);
		rc = ext2_blk_write(fs, gd->bg_inode_bitmap, map);
		if (rc)
			break;
		gd->bg_free_inodes_count--;
		if (dir)
			gd->bg_used_dirs_count++;
		fs->sb.s_free_inodes_count--;
		fs->dirty = true;
		*ino = g * fs->inodes_per_group + bit + 1;
		break;
	}
	ext2_buf_put(fs, map);
	return rc;
}

int ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool dir)
{
	uint8_t *map;
	int rc;

	if (!ext2_ino_ok(fs, ino))
		return ext2_corrupt(fs, "freeing a reserved or nonexistent inode");
	uint32_t g = (ino - 1) / fs->inodes_per_group, bit = (ino - 1) % fs->inodes_per_group;
	struct ext2_gd *gd = &fs->gd[g];
	map = ext2_buf_get(fs);
	if (!map)
		return -EXT2_ENOMEM;
	rc = ext2_blk_read(fs, gd->bg_inode_bitmap, map);
	if (!rc && !bit_test(map, bit))
		rc = ext2_corrupt(fs, "freeing an inode that is free");
	if (!rc) {
		map[bit >> 3] &= ~(1u << (bit & 7));
		rc = ext2_blk_write(fs, gd->bg_inode_bitmap, map);
	}
	if (!rc) {
		gd->bg_free_inodes_count++;
		if (dir && gd->bg_used_dirs_count)
			gd->bg_used_dirs_count--;
		fs->sb.s_free_inodes_count++;
		fs->dirty = true;
	}
	ext2_buf_put(fs, map);
	return rc;
}
