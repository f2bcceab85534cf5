/*
 * ext2: inodes. Their records in the groups' inode tables, the block map
 * (twelve direct blocks, then a single, a double and a triple indirect
 * block), freeing blocks past a size, links and freeing an inode, the VFS's
 * references, and the attribute calls.
 */
#include "ext2_fs.h"

bool ext2_ino_ok(const struct ext2_fs *fs, uint32_t ino)
{
	return ino == EXT2_ROOT_INO || (ino >= fs->first_ino && ino <= fs->sb.s_inodes_count);
}

uint32_t ext2_ino_goal(const struct ext2_fs *fs, uint32_t ino)
{
	return fs->sb.s_first_data_block + (ino - 1) / fs->inodes_per_group * fs->blocks_per_group;
}

/* ---------------------------------------------------------------- records */

/* The sectors holding ino's record (an inode never straddles a block). */
struct iplace {
	uint64_t sector;
	unsigned count;                 /* sectors */
	unsigned within;                /* the record's offset in them */
};

static struct iplace inode_place(const struct ext2_fs *fs, uint32_t ino)
{
	uint32_t g = (ino - 1) / fs->inodes_per_group, idx = (ino - 1) % fs->inodes_per_group;
	uint64_t byte = ((uint64_t)fs->gd[g].bg_inode_table << fs->block_shift) +
			(uint64_t)idx * fs->inode_size;
	struct iplace p = { byte >> 9, 0, (unsigned)(byte & 511) };

	p.count = (p.within + fs->inode_size + 511) >> 9;
	return p;
}

int ext2_iread(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	struct iplace p = inode_place(fs, ino);
	uint8_t *buf = ext2_buf_get(fs);
	int rc;

	if (!buf)
		return -EXT2_ENOMEM;
	rc = ext2_sect_read(fs, p.sector, p.count, buf);
	if (!rc)
		memcpy(in, buf + p.within, sizeof(*in));
	ext2_buf_put(fs, buf);
	return rc;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* Write the 128 bytes; fresh: the whole record starts zeroed (a new inode). */
static int inode_write(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in, bool fresh)
{
	struct iplace p = inode_place(fs, ino);
	uint8_t *buf = ext2_buf_get(fs), *rec;
	uint32_t extra = fs->inode_size - EXT2_GOOD_OLD_INODE;
	int rc;

	if (!buf)
		return -EXT2_ENOMEM;
	rc = ext2_sect_read(fs, p.sector, p.count, buf);
	if (rc)
		goto out;
	rec = buf + p.within;
	if (fresh) {
		/* Large inodes: the extra size the superblock asks for (e2fsck
		 * accepts 0 too), and the creation time when it fits. */
		uint16_t want = fs->sb.s_want_extra_isize;

		memset(rec, 0, fs->inode_size);
		if (want >= 4 && want <= extra && !(want & 3)) {
			put16(rec + EXT2_I_EXTRA_ISIZE, want);
			if (want >= EXT2_I_CRTIME + 4 - EXT2_GOOD_OLD_INODE)
				memcpy(rec + EXT2_I_CRTIME, &in->i_ctime, 4);
		}
	}
	memcpy(rec, in, sizeof(*in));
	/* The times are ext2's 32-bit seconds: no nanoseconds or epoch bits
	 * left from before say otherwise. */
	if (extra >= 2) {
		static const unsigned xtime[] = { EXT2_I_CTIME_EXTRA, EXT2_I_MTIME_EXTRA, EXT2_I_ATIME_EXTRA };
		uint32_t used = get16(rec + EXT2_I_EXTRA_ISIZE);

		for (unsigned i = 0; i < 3; i++)
			if (used <= extra && xtime[i] + 4 <= EXT2_GOOD_OLD_INODE + used)
				memset(rec + xtime[i], 0, 4);
	}
	rc = ext2_sect_write(fs, p.sector, p.count, buf);
out:
	ext2_buf_put(fs, buf);
	return rc;
}

int ext2_iwrite(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
	return inode_write(fs, ino, in, false);
}

int ext2_iwrite_new(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
	return inode_write(fs, ino, in, true);
}

bool ext2_held(const struct ext2_fs *fs, uint32_t ino)
{
	for (const struct ext2_held *h = fs->held; h; h = h->next)
		if (h->ino == ino)
			return true;
	return false;
}

int ext2_iget_live(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int rc;

	if (!ext2_ino_ok(fs, ino))
		return -EXT2_EINVAL;
	rc = ext2_iread(fs, ino, in);
	if (rc)
		return rc;
	if (in->i_mode == 0 || (in->i_links_count == 0 && !ext2_held(fs, ino)))
		return -EXT2_ENOENT;
	return 0;
}

uint64_t ext2_isize(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	if (EXT2_ISREG(in->i_mode) && fs->sb.s_rev_level > 0)
		return in->i_size | (uint64_t)in->i_size_high << 32;
	return in->i_size;
}

void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
	in->i_size = (uint32_t)size;
	if (!EXT2_ISREG(in->i_mode) || fs->sb.s_rev_level == 0)
		return;
	in->i_size_high = (uint32_t)(size >> 32);
	/* A file of 2 GiB or more needs the feature that says such files exist. */
	if (size > 0x7fffffff && !(fs->ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
		fs->ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
		fs->sb.s_feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
		fs->dirty = true;
	}
}

/* Blocks of 512 bytes in one filesystem block. */
static uint32_t block_units(const struct ext2_fs *fs)
{
	return fs->block_size >> 9;
}

bool ext2_has_blocks(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	if (EXT2_ISREG(in->i_mode) || EXT2_ISDIR(in->i_mode))
		return true;
	if (!EXT2_ISLNK(in->i_mode))
		return false;
	/* A link is fast (its target in i_block) when only an xattr block, if any, is counted. */
	return in->i_blocks != (in->i_file_acl ? block_units(fs) : 0);
}

uint8_t ext2_mode_ftype(uint16_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:  return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR:  return EXT2_FT_DIR;
	case EXT2_S_IFCHR:  return EXT2_FT_CHRDEV;
	case EXT2_S_IFBLK:  return EXT2_FT_BLKDEV;
	case EXT2_S_IFIFO:  return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
	case EXT2_S_IFLNK:  return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

/* ---------------------------------------------------------------- the block map */

/* The slots leading to logical block lblk: idx[0] in i_block, then one per indirect level. */
static int block_path(const struct ext2_fs *fs, uint32_t lblk, uint32_t idx[4], int *depth)
{
	uint32_t s = fs->addr_shift, mask = (1u << s) - 1;
	uint64_t l = lblk;

	if (l < EXT2_NDIR_BLOCKS) {
		idx[0] = (uint32_t)l;
		*depth = 0;
		return 0;
	}
	l -= EXT2_NDIR_BLOCKS;
	if (l < (1ull << s)) {
		idx[0] = EXT2_IND_BLOCK;
		idx[1] = (uint32_t)l;
		*depth = 1;
		return 0;
	}
	l -= 1ull << s;
	if (l < (1ull << 2 * s)) {
		idx[0] = EXT2_DIND_BLOCK;
		idx[1] = (uint32_t)(l >> s);
		idx[2] = (uint32_t)l & mask;
		*depth = 2;
		return 0;
	}
	l -= 1ull << 2 * s;
	if (l < (1ull << 3 * s)) {
		idx[0] = EXT2_TIND_BLOCK;
		idx[1] = (uint32_t)(l >> 2 * s);
		idx[2] = (uint32_t)(l >> s) & mask;
		idx[3] = (uint32_t)l & mask;
		*depth = 3;
		return 0;
	}
	return -EXT2_EFBIG;
}

/* A block for in, counted in its i_blocks. */
static int alloc_counted(struct ext2_fs *fs, struct ext2_inode *in, uint32_t goal, uint32_t *blk)
{
	int rc;

	if (in->i_blocks > UINT32_MAX - block_units(fs))
		return -EXT2_EFBIG;
	rc = ext2_balloc(fs, goal, blk);
	if (!rc)
		in->i_blocks += block_units(fs);
	return rc;
}

static int free_counted(struct ext2_fs *fs, struct ext2_inode *in, uint32_t blk)
{
	int rc = ext2_bfree(fs, blk);

	if (!rc)
		in->i_blocks = in->i_blocks >= block_units(fs) ? in->i_blocks - block_units(fs) : 0;
	return rc;
}

int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint32_t lblk, bool create,
	      uint32_t goal, uint32_t *pblk, bool *fresh)
{
	uint32_t idx[4], *slot, parent = 0;
	uint8_t *buf = NULL, *zero = NULL;
	int depth, rc;

	if (fresh)
		*fresh = false;
	if (in->i_flags & (EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL))
		return ext2_corrupt(fs, "an inode uses extents or inline data");
	rc = block_path(fs, lblk, idx, &depth);
	if (rc)
		return rc;
	slot = &in->i_block[idx[0]];
	for (int level = 0;; level++) {
		uint32_t b = *slot;

		if (b == 0) {
			if (!create) {
				*pblk = 0;
				break;
			}
			rc = alloc_counted(fs, in, goal, &b);
			if (rc)
				break;
			if (level < depth) {
				/* A new indirect block is all holes: zeros on disk before anything points to it. */
				if (!zero && (zero = ext2_buf_get(fs)) != NULL)
					memset(zero, 0, fs->block_size);
				rc = zero ? ext2_blk_write(fs, b, zero) : -EXT2_ENOMEM;
				if (rc) {
					free_counted(fs, in, b);
					break;
				}
			}
			*slot = b;
			if (parent)
				rc = ext2_blk_write(fs, parent, buf);
			if (rc)
				break;
			if (level == depth && fresh)
				*fresh = true;
		} else if (!ext2_blk_ok(fs, b)) {
			rc = ext2_corrupt(fs, "a block pointer outside the data area");
			break;
		}
		if (level == depth) {
			*pblk = b;
			break;
		}
		if (!buf && !(buf = ext2_buf_get(fs))) {
			rc = -EXT2_ENOMEM;
			break;
		}
		rc = ext2_blk_read(fs, b, buf);
		if (rc)
			break;
		parent = b;
		slot = (uint32_t *)buf + idx[level + 1];
		goal = b + 1;
	}
	if (buf)
		ext2_buf_put(fs, buf);
	if (zero)
		ext2_buf_put(fs, zero);
	return rc;
}

/* The tree under *slot (level 1 to 3) maps logical blocks [base, base + n^level):
 * free what maps from and beyond, and the indirect block if nothing is left in it. */
static int free_tree(struct ext2_fs *fs, struct ext2_inode *in, uint32_t *slot, int level,
		     uint64_t base, uint64_t from)
{
	uint32_t n = 1u << fs->addr_shift, blk = *slot, *ent;
	uint64_t child = 1ull << (fs->addr_shift * (level - 1));
	bool changed = false, empty = true;
	uint8_t *buf;
	int rc = 0;

	if (blk == 0 || from >= base + (child << fs->addr_shift))
		return 0;
	if (!ext2_blk_ok(fs, blk))
		return ext2_corrupt(fs, "an indirect block pointer outside the data area");
	buf = ext2_buf_get(fs);
	if (!buf)
		return -EXT2_ENOMEM;
	rc = ext2_blk_read(fs, blk, buf);
	ent = (uint32_t *)buf;
	for (uint32_t i = 0; i < n && !rc; i++) {
		uint64_t cbase = base + i * child;

		if (ent[i] && level == 1 && cbase >= from) {
			rc = free_counted(fs, in, ent[i]);
			if (!rc) {
				ent[i] = 0;
				changed = true;
			}
		} else if (ent[i] && level > 1) {
			uint32_t before = ent[i];
			rc = free_tree(fs, in, &ent[i], level - 1, cbase, from);
			changed |= ent[i] != before;
		}
		empty &= ent[i] == 0;
	}
	if (!rc && empty) {
		rc = free_counted(fs, in, blk);
		if (!rc)
			*slot = 0;
	} else if (changed) {
		/* What was freed must not stay pointed to, even after an error. */
		int wrc = ext2_blk_write(fs, blk, buf);
		rc = rc ? rc : wrc;
	}
	ext2_buf_put(fs, buf);
	return rc;
}

int ext2_trunc_blocks(struct ext2_fs *fs, struct ext2_inode *in, uint32_t from)
{
	uint64_t base = EXT2_NDIR_BLOCKS;
	int rc = 0;

	if (in->i_flags & (EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL))
		return ext2_corrupt(fs, "an inode uses extents or inline data");
	for (uint32_t i = from; i < EXT2_NDIR_BLOCKS && !rc; i++) {
		if (!in->i_block[i])
			continue;
		rc = free_counted(fs, in, in->i_block[i]);
		if (!rc)
			in->i_block[i] = 0;
	}
	for (int level = 1; level <= 3 && !rc; level++) {
		rc = free_tree(fs, in, &in->i_block[EXT2_IND_BLOCK + level - 1], level, base, from);
		base += 1ull << (fs->addr_shift * level);
	}
	return rc;
}

/* ---------------------------------------------------------------- links and freeing */

/* Drop in's reference to its extended attribute block (shared blocks count their users). */
static int release_xattr(struct ext2_fs *fs, struct ext2_inode *in)
{
	uint32_t blk = in->i_file_acl, magic, refs;
	uint8_t *buf;
	int rc;

	if (!blk)
		return 0;
	if (!ext2_blk_ok(fs, blk))
		return ext2_corrupt(fs, "an xattr block pointer outside the data area");
	buf = ext2_buf_get(fs);
	if (!buf)
		return -EXT2_ENOMEM;
	rc = ext2_blk_read(fs, blk, buf);
	if (!rc) {
		memcpy(&magic, buf, 4);
		memcpy(&refs, buf + 4, 4);
		if (magic != EXT2_XATTR_MAGIC || refs == 0)
			rc = ext2_corrupt(fs, "a bad xattr block");
	}
	if (!rc && refs > 1) {
		refs--;
		memcpy(buf + 4, &refs, 4);
		rc = ext2_blk_write(fs, blk, buf);
		if (!rc)
			in->i_blocks -= in->i_blocks >= block_units(fs) ? block_units(fs) : in->i_blocks;
	} else if (!rc) {
		rc = free_counted(fs, in, blk);
	}
	if (!rc)
		in->i_file_acl = 0;
	ext2_buf_put(fs, buf);
	return rc;
}

int ext2_ievict(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode in;
	int rc = ext2_iread(fs, ino, &in), wrc;

	if (rc)
		return rc;
	if (ext2_has_blocks(fs, &in)) {
		rc = ext2_trunc_blocks(fs, &in, 0);
		if (!rc)
			ext2_set_isize(fs, &in, 0);
	}
	if (!rc)
		rc = release_xattr(fs, &in);
	in.i_links_count = 0;
	in.i_dtime = ext2_now(fs);
	wrc = ext2_iwrite(fs, ino, &in);
	rc = rc ? rc : wrc;
	if (!rc)
		rc = ext2_ifree(fs, ino, EXT2_ISDIR(in.i_mode));
	return rc;
}

int ext2_drop_link(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode in;
	int rc = ext2_iread(fs, ino, &in);

	if (rc)
		return rc;
	if (in.i_links_count == 0)
		return ext2_corrupt(fs, "a named inode with no links");
	/* A directory's last name takes its "." with it. */
	in.i_links_count = EXT2_ISDIR(in.i_mode) ? 0 : in.i_links_count - 1;
	in.i_ctime = ext2_now(fs);
	rc = ext2_iwrite(fs, ino, &in);
	if (!rc && in.i_links_count == 0 && !ext2_held(fs, ino))
		rc = ext2_ievict(fs, ino);
	return rc;
}

int ext2_add_links(struct ext2_fs *fs, uint32_t ino, int delta)
{
	struct ext2_inode in;
	int rc = ext2_iread(fs, ino, &in);

	if (rc)
		return rc;
	if ((int)in.i_links_count + delta <= 0)
		return ext2_corrupt(fs, "a link count would drop to zero");
	in.i_links_count = (uint16_t)(in.i_links_count + delta);
	in.i_ctime = ext2_now(fs);
	return ext2_iwrite(fs, ino, &in);
}

/* ---------------------------------------------------------------- references */

int ext2_iget(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode in;
	struct ext2_held *h;
	int rc = ext2_iget_live(fs, ino, &in);

	if (rc)
		return rc;
	for (h = fs->held; h; h = h->next) {
		if (h->ino == ino) {
			h->refs++;
			return 0;
		}
	}
	h = fs->host.alloc(sizeof(*h));
	if (!h)
		return -EXT2_ENOMEM;
	h->ino = ino;
	h->refs = 1;
	h->next = fs->held;
	fs->held = h;
	return 0;
}

int ext2_iput(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_held **pp = &fs->held, *h;
	struct ext2_inode in;
	int rc;

	while (*pp && (*pp)->ino != ino)
		pp = &(*pp)->next;
	h = *pp;
	if (!h)
		return -EXT2_EINVAL;
	if (--h->refs)
		return 0;
	*pp = h->next;
	fs->host.free(h);
	if (fs->rdonly)
		return 0;
	rc = ext2_iread(fs, ino, &in);
	if (!rc && in.i_links_count == 0)
		rc = ext2_ievict(fs, ino);
	return rc;
}

/* ---------------------------------------------------------------- attributes */

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
	struct ext2_inode in;
	int rc = ext2_iget_live(fs, ino, &in);

	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->ino = ino;
	st->mode = in.i_mode;
	st->links = in.i_links_count;
	st->uid = in.i_uid | (uint32_t)in.i_uid_high << 16;
	st->gid = in.i_gid | (uint32_t)in.i_gid_high << 16;
	st->size = ext2_isize(fs, &in);
	st->blocks = in.i_blocks;
	if (fs->ro_compat & EXT2_RO_COMPAT_HUGE_FILE) {
		st->blocks |= (uint64_t)in.i_blocks_hi << 32;
		if (in.i_flags & EXT2_HUGE_FILE_FL)
			st->blocks <<= fs->block_shift - 9;
	}
	st->atime = in.i_atime;
	st->mtime = in.i_mtime;
	st->ctime = in.i_ctime;
	st->flags = in.i_flags;
	uint16_t type = in.i_mode & EXT2_S_IFMT;
	if (type == EXT2_S_IFCHR || type == EXT2_S_IFBLK) {
		/* Old encoding (8-bit numbers) in i_block[0], else Linux's new one in i_block[1]. */
		if (in.i_block[0]) {
			st->rdev_major = (in.i_block[0] >> 8) & 0xff;
			st->rdev_minor = in.i_block[0] & 0xff;
		} else {
			st->rdev_major = (in.i_block[1] >> 8) & 0xfff;
			st->rdev_minor = (in.i_block[1] & 0xff) | ((in.i_block[1] >> 12) & 0xfff00);
		}
	}
	return 0;
}

/* Read a live inode for a change: -EXT2_EROFS first. */
static int attr_begin(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	if (fs->rdonly)
		return -EXT2_EROFS;
	return ext2_iget_live(fs, ino, in);
}

int ext2_chmod(struct ext2_fs *fs, uint32_t ino, uint16_t mode)
{
	struct ext2_inode in;
	int rc = attr_begin(fs, ino, &in);

	if (rc)
		return rc;
	in.i_mode = (in.i_mode & EXT2_S_IFMT) | (mode & 07777);
	in.i_ctime = ext2_now(fs);
	return ext2_iwrite(fs, ino, &in);
}

int ext2_chown(struct ext2_fs *fs, uint32_t ino, uint32_t uid, uint32_t gid)
{
	struct ext2_inode in;
	int rc = attr_begin(fs, ino, &in);

	if (rc)
		return rc;
	in.i_uid = (uint16_t)uid;
	in.i_uid_high = (uint16_t)(uid >> 16);
	in.i_gid = (uint16_t)gid;
	in.i_gid_high = (uint16_t)(gid >> 16);
	in.i_ctime = ext2_now(fs);
	return ext2_iwrite(fs, ino, &in);
}

int ext2_utimes(struct ext2_fs *fs, uint32_t ino, uint32_t atime, uint32_t mtime)
{
	struct ext2_inode in;
	int rc = attr_begin(fs, ino, &in);

	if (rc)
		return rc;
	in.i_atime = atime;
	in.i_mtime = mtime;
	in.i_ctime = ext2_now(fs);
	return ext2_iwrite(fs, ino, &in);
}
