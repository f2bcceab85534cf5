/*
 * ext2: the calls that add, remove and move names: create, mknod, mkdir,
 * symlink (and readlink), link, unlink, rmdir, rename. Each checks all it
 * can before changing anything, and changes the disk in an order after
 * which an error leaves a consistent filesystem: a new inode is complete
 * before its name is added (and freed again if that fails), a name is
 * added before the old one is removed.
 */
#include "ext2_fs.h"

/* The directory a name is added to or removed from: writable, live, a directory. */
static int parent_get(struct ext2_fs *fs, uint32_t dirino, struct ext2_inode *dir,
		      const char *name, size_t *len)
{
	int rc;

	if (fs->rdonly)
		return -EXT2_EROFS;
	rc = ext2_iget_live(fs, dirino, dir);
	if (rc)
		return rc;
	if (!EXT2_ISDIR(dir->i_mode))
		return -EXT2_ENOTDIR;
	if (dir->i_links_count == 0)
		return -EXT2_ENOENT;        /* removed while held */
	return ext2_check_name(name, len);
}

/* name must be free in dir: -EXT2_EEXIST, or another error of the search. */
static int name_free(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, size_t len)
{
	struct ext2_dloc loc;
	int rc;

	if (ext2_is_dot(name, len))
		return -EXT2_EEXIST;
	rc = ext2_dir_find(fs, dir, name, len, &loc);
	return rc == -EXT2_ENOENT ? 0 : rc ? rc : -EXT2_EEXIST;
}

static void init_inode(struct ext2_fs *fs, struct ext2_inode *in, uint16_t mode, uint32_t uid,
		       uint32_t gid)
{
	memset(in, 0, sizeof(*in));
	in->i_mode = mode;
	in->i_uid = (uint16_t)uid;
	in->i_uid_high = (uint16_t)(uid >> 16);
	in->i_gid = (uint16_t)gid;
	in->i_gid_high = (uint16_t)(gid >> 16);
	in->i_atime = in->i_ctime = in->i_mtime = ext2_now(fs);
	in->i_links_count = 1;
}

/* A new inode's name could not be added: free it again, blocks and all. */
static void undo_new(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode in;

	if (ext2_iread(fs, ino, &in))
		return;
	in.i_links_count = 0;
	if (!ext2_iwrite(fs, ino, &in))
		ext2_ievict(fs, ino);
}

/* Write the new inode ino and name it in dir. */
static int publish(struct ext2_fs *fs, uint32_t dirino, const char *name, size_t len,
		   uint32_t ino, const struct ext2_inode *in, uint32_t *out)
{
	int rc = ext2_iwrite_new(fs, ino, in);

	if (!rc)
		rc = ext2_dir_add(fs, dirino, name, len, ino, in->i_mode);
	if (rc) {
		undo_new(fs, ino);
		return rc;
	}
	if (out)
		*out = ino;
	return 0;
}

/* The start of every new inode: dir writable and live, name free in it (and
 * room for one more link to dir if the inode is a directory), an inode
 * allocated and its record filled in. */
static int new_inode(struct ext2_fs *fs, uint32_t dirino, const char *name, size_t *len,
		     uint16_t mode, uint32_t uid, uint32_t gid, uint32_t *ino, struct ext2_inode *in)
{
	struct ext2_inode dir;
	int rc = parent_get(fs, dirino, &dir, name, len);

	if (!rc)
		rc = name_free(fs, &dir, name, *len);
	if (!rc && EXT2_ISDIR(mode) && dir.i_links_count >= EXT2_LINK_MAX)
		rc = -EXT2_EMLINK;      /* the new ".." would be one too many */
	if (!rc)
		rc = ext2_ialloc(fs, dirino, EXT2_ISDIR(mode), ino);
	if (!rc)
		init_inode(fs, in, mode, uid, gid);
	return rc;
}

/* A new inode's only block, with buf's contents (NULL: out of memory):
 * allocated near the inode and written. On failure the block and the inode
 * are given back. */
static int first_block(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, const uint8_t *buf)
{
	uint32_t blk;
	int rc = buf ? ext2_balloc(fs, ext2_ino_goal(fs, ino), &blk) : -EXT2_ENOMEM;

	if (!rc) {
		rc = ext2_blk_write(fs, blk, buf);
		if (rc)
			ext2_bfree(fs, blk);
	}
	if (rc) {
		ext2_ifree(fs, ino, EXT2_ISDIR(in->i_mode));
		return rc;
	}
	in->i_block[0] = blk;
	in->i_blocks = fs->block_size >> 9;
	return 0;
}

int ext2_mknod(struct ext2_fs *fs, uint32_t dirino, const char *name, uint16_t mode,
	       uint32_t rdev_major, uint32_t rdev_minor, uint32_t uid, uint32_t gid, uint32_t *out)
{
	struct ext2_inode in;
	uint16_t type = mode & EXT2_S_IFMT;
	uint32_t ino;
	size_t len;
	int rc;

	if (type == 0)
		type = EXT2_S_IFREG;
	if (type != EXT2_S_IFREG && type != EXT2_S_IFCHR && type != EXT2_S_IFBLK &&
	    type != EXT2_S_IFIFO && type != EXT2_S_IFSOCK)
		return -EXT2_EINVAL;
	rc = new_inode(fs, dirino, name, &len, type | (mode & 07777), uid, gid, &ino, &in);
	if (rc)
		return rc;
	if (type == EXT2_S_IFCHR || type == EXT2_S_IFBLK) {
		/* Linux's two encodings: 8-bit numbers in i_block[0], else 12:20 in i_block[1]. */
		if (rdev_major < 256 && rdev_minor < 256)
			in.i_block[0] = rdev_major << 8 | rdev_minor;
		else
			in.i_block[1] = (rdev_minor & 0xff) | (rdev_major & 0xfff) << 8 |
					(rdev_minor & ~0xffu) << 12;
	}
	return publish(fs, dirino, name, len, ino, &in, out);
}

int ext2_create(struct ext2_fs *fs, uint32_t dirino, const char *name, uint16_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino)
{
	return ext2_mknod(fs, dirino, name, EXT2_S_IFREG | (mode & 07777), 0, 0, uid, gid, ino);
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dirino, const char *name, uint16_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *out)
{
	struct ext2_inode in;
	uint32_t ino;
	uint8_t *buf;
	size_t len;
	int rc = new_inode(fs, dirino, name, &len, EXT2_S_IFDIR | (mode & 07777), uid, gid, &ino, &in);

	if (rc)
		return rc;
	buf = ext2_buf_get(fs);
	if (buf)
		ext2_dir_init(fs, buf, ino, dirino);
	rc = first_block(fs, ino, &in, buf);
	if (buf)
		ext2_buf_put(fs, buf);
	if (rc)
		return rc;
	in.i_links_count = 2;           /* its name and its "." */
	in.i_size = fs->block_size;
	rc = publish(fs, dirino, name, len, ino, &in, out);
	if (!rc)
		rc = ext2_add_links(fs, dirino, 1);     /* its ".." */
	return rc;
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dirino, const char *name, const char *target,
		 uint32_t uid, uint32_t gid, uint32_t *out)
{
	struct ext2_inode in;
	uint32_t ino;
	uint8_t *buf;
	size_t len, tlen = 0;
	int rc;

	while (tlen < fs->block_size && target[tlen])
		tlen++;
	if (tlen == 0)
		return -EXT2_ENOENT;
	if (tlen >= fs->block_size)
		return -EXT2_ENAMETOOLONG;
	rc = new_inode(fs, dirino, name, &len, EXT2_S_IFLNK | 0777, uid, gid, &ino, &in);
	if (rc)
		return rc;
	in.i_size = (uint32_t)tlen;
	if (tlen <= EXT2_FAST_LINK_MAX) {
		memcpy(in.i_block, target, tlen);       /* a fast link: no block */
		return publish(fs, dirino, name, len, ino, &in, out);
	}
	buf = ext2_buf_get(fs);
	if (buf) {
		memset(buf, 0, fs->block_size);
		memcpy(buf, target, tlen);
	}
	rc = first_block(fs, ino, &in, buf);
	if (buf)
		ext2_buf_put(fs, buf);
	return rc ? rc : publish(fs, dirino, name, len, ino, &in, out);
}

long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len)
{
	struct ext2_inode in;
	uint32_t pblk;
	int rc = ext2_iget_live(fs, ino, &in);

	if (rc)
		return rc;
	if (!EXT2_ISLNK(in.i_mode))
		return -EXT2_EINVAL;
	if (len > in.i_size)
		len = in.i_size;
	if (!ext2_has_blocks(fs, &in)) {
		if (in.i_size > EXT2_FAST_LINK_MAX)
			return ext2_corrupt(fs, "a fast symbolic link longer than its inode holds");
		memcpy(buf, in.i_block, len);
		return (long)len;
	}
	if (in.i_size >= fs->block_size)
		return ext2_corrupt(fs, "a symbolic link longer than a block");
	rc = ext2_bmap(fs, &in, 0, false, 0, &pblk, NULL);
	if (!rc && !pblk)
		rc = ext2_corrupt(fs, "a symbolic link without its block");
	uint8_t *blk = rc ? NULL : ext2_buf_get(fs);
	if (!rc && !blk)
		rc = -EXT2_ENOMEM;
	if (!rc)
		rc = ext2_blk_read(fs, pblk, blk);
	if (!rc)
		memcpy(buf, blk, len);
	if (blk)
		ext2_buf_put(fs, blk);
	return rc ? rc : (long)len;
}

int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dirino, const char *name)
{
	struct ext2_inode dir, in;
	size_t len;
	int rc = parent_get(fs, dirino, &dir, name, &len);

	if (!rc)
		rc = ext2_iget_live(fs, ino, &in);
	if (rc)
		return rc;
	if (EXT2_ISDIR(in.i_mode))
		return -EXT2_EPERM;
	if (in.i_links_count == 0)
		return -EXT2_ENOENT;        /* unlinked, still held */
	if (in.i_links_count >= EXT2_LINK_MAX)
		return -EXT2_EMLINK;
	rc = name_free(fs, &dir, name, len);
	if (!rc)
		rc = ext2_dir_add(fs, dirino, name, len, ino, in.i_mode);
	if (!rc)
		rc = ext2_add_links(fs, ino, 1);
	return rc;
}

/* The entry name in dir and the inode it names. */
static int child_get(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
		     size_t len, struct ext2_dloc *loc, struct ext2_inode *in)
{
	int rc = ext2_dir_find(fs, dir, name, len, loc);

	return rc ? rc : ext2_iread(fs, loc->ino, in);
}

/* For removal: the entry name in the writable directory dirino and the
 * inode it names; "." and ".." are refused with dot_rc and dotdot_rc. */
static int child_to_remove(struct ext2_fs *fs, uint32_t dirino, const char *name, int dot_rc,
			   int dotdot_rc, struct ext2_dloc *loc, struct ext2_inode *in)
{
	struct ext2_inode dir;
	size_t len;
	int rc = parent_get(fs, dirino, &dir, name, &len);

	if (rc)
		return rc;
	if (len == 1 && name[0] == '.')
		return dot_rc;
	if (ext2_is_dot(name, len))
		return dotdot_rc;
	return child_get(fs, &dir, name, len, loc, in);
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dirino, const char *name)
{
	struct ext2_inode in;
	struct ext2_dloc loc;
	int rc = child_to_remove(fs, dirino, name, -EXT2_EISDIR, -EXT2_EISDIR, &loc, &in);

	if (rc)
		return rc;
	if (EXT2_ISDIR(in.i_mode))
		return -EXT2_EISDIR;
	rc = ext2_dir_remove(fs, dirino, &loc);
	return rc ? rc : ext2_drop_link(fs, loc.ino);
}

/* The directory named by a found entry, for removal or replacement: empty (ENOTEMPTY), not the root. */
static int removable_dir(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
	int rc;

	if (!EXT2_ISDIR(in->i_mode))
		return -EXT2_ENOTDIR;
	if (ino == EXT2_ROOT_INO)
		return -EXT2_EBUSY;
	rc = ext2_dir_empty(fs, in);
	return rc == 1 ? 0 : rc ? rc : -EXT2_ENOTEMPTY;
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dirino, const char *name)
{
	struct ext2_inode in;
	struct ext2_dloc loc;
	int rc = child_to_remove(fs, dirino, name, -EXT2_EINVAL, -EXT2_ENOTEMPTY, &loc, &in);

	if (!rc)
		rc = removable_dir(fs, loc.ino, &in);
	if (!rc)
		rc = ext2_dir_remove(fs, dirino, &loc);
	if (!rc)
		rc = ext2_drop_link(fs, loc.ino);
	if (!rc)
		rc = ext2_add_links(fs, dirino, -1);    /* its ".." is gone */
	return rc;
}

/* Whether directory ino is dir or above it: the ".." chain from dir up to the root. */
static int is_ancestor(struct ext2_fs *fs, uint32_t ino, uint32_t dir)
{
	uint64_t dirs = 1;

	for (uint32_t g = 0; g < fs->groups; g++)
		dirs += fs->gd[g].bg_used_dirs_count;
	/* No chain is longer than there are directories, unless it loops. */
	for (uint64_t steps = 0; steps <= dirs; steps++) {
		uint32_t up;
		int rc;

		if (dir == ino)
			return 1;
		if (dir == EXT2_ROOT_INO)
			return 0;
		rc = ext2_lookup(fs, dir, "..", &up);
		/* Every directory up to the root has a "..", naming a live directory. */
		if (rc == -EXT2_ENOENT || rc == -EXT2_ENOTDIR || rc == -EXT2_EINVAL)
			return ext2_corrupt(fs, "a broken \"..\" chain");
		if (rc)
			return rc;
		dir = up;
	}
	return ext2_corrupt(fs, "a loop in the directory tree");
}

int ext2_rename(struct ext2_fs *fs, uint32_t olddir, const char *oldname, uint32_t newdir,
		const char *newname)
{
	struct ext2_inode odir, ndir, src, tgt;
	struct ext2_dloc sloc, tloc;
	size_t olen, nlen;
	bool replace, isdir, moved;
	uint32_t src_ino;
	int rc;

	rc = parent_get(fs, olddir, &odir, oldname, &olen);
	if (!rc)
		rc = parent_get(fs, newdir, &ndir, newname, &nlen);
	if (rc)
		return rc;
	if (ext2_is_dot(oldname, olen) || ext2_is_dot(newname, nlen))
		return -EXT2_EBUSY;
	rc = child_get(fs, &odir, oldname, olen, &sloc, &src);
	if (rc)
		return rc;
	src_ino = sloc.ino;
	rc = ext2_dir_find(fs, &ndir, newname, nlen, &tloc);
	if (rc && rc != -EXT2_ENOENT)
		return rc;
	replace = rc == 0;
	isdir = EXT2_ISDIR(src.i_mode);
	moved = isdir && olddir != newdir;
	if (replace) {
		if (tloc.ino == sloc.ino)
			return 0;               /* two names of one inode */
		rc = ext2_iread(fs, tloc.ino, &tgt);
		if (rc)
			return rc;
		if (isdir)
			rc = removable_dir(fs, tloc.ino, &tgt);
		else if (EXT2_ISDIR(tgt.i_mode))
			rc = -EXT2_EISDIR;
		if (rc)
			return rc;
	}
	if (moved) {
		rc = is_ancestor(fs, sloc.ino, newdir);
		if (rc)
			return rc < 0 ? rc : -EXT2_EINVAL;
		if (!replace && ndir.i_links_count >= EXT2_LINK_MAX)
			return -EXT2_EMLINK;
	}

	/* The new name first: if that fails (a full disk), nothing has changed. */
	if (replace)
		rc = ext2_dir_retarget(fs, newdir, &tloc, sloc.ino, src.i_mode);
	else
		rc = ext2_dir_add(fs, newdir, newname, nlen, sloc.ino, src.i_mode);
	if (rc)
		return rc;
	/* The old entry may have moved if it shares a directory with the new one. */
	rc = ext2_iread(fs, olddir, &odir);
	if (!rc)
		rc = ext2_dir_find(fs, &odir, oldname, olen, &sloc);
	if (!rc && sloc.ino != src_ino)
		rc = ext2_corrupt(fs, "a renamed entry changed under the rename");
	if (!rc)
		rc = ext2_dir_remove(fs, olddir, &sloc);
	if (!rc && moved) {
		struct ext2_dloc dotdot;

		rc = ext2_dir_find(fs, &src, "..", 2, &dotdot);
		if (!rc)
			rc = ext2_dir_retarget(fs, sloc.ino, &dotdot, newdir, EXT2_S_IFDIR);
		if (!rc)
			rc = ext2_add_links(fs, olddir, -1);
		if (!rc && !replace)
			rc = ext2_add_links(fs, newdir, 1);
	} else if (!rc && isdir && replace) {
		rc = ext2_add_links(fs, newdir, -1);    /* the replaced directory's ".." */
	}
	if (!rc)
		rc = ext2_add_links(fs, sloc.ino, 0);  /* its change time */
	if (!rc && replace)
		rc = ext2_drop_link(fs, tloc.ino);
	return rc;
}
