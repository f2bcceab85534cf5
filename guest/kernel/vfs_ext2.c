/*
 * ext2 under the VFS (vfs.h): a vnode's id is the inode number, held with
 * ext2_iget (so a file unlinked while open keeps its contents until the
 * last close). The library does the work and the errors (docs/ext2.md);
 * this file translates its stat and directory entries, and finds a
 * directory's name in its parent for getcwd. Pure.
 */
#include "vfs.h"
#include "ext2.h"

extern void *memcpy(void *dst, const void *src, size_t n);

#define EXT2_SUPER_MAGIC        0xEF53u

static const struct ext2_host host = { vfs_alloc, vfs_free, vfs_now };

static struct ext2_fs *fs_of(const struct vnode *v)
{
	return v->mnt->fs;
}

static enum vtype vtype_of(uint16_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFDIR: return VDIR;
	case EXT2_S_IFREG: return VREG;
	case EXT2_S_IFLNK: return VLNK;
	case EXT2_S_IFCHR: return VCHR;
	case EXT2_S_IFBLK: return VBLK;
	case EXT2_S_IFIFO: return VFIFO;
	case EXT2_S_IFSOCK: return VSOCK;
	}
	return VNON;
}

/* ino as a vnode of m: its type from its inode. */
static int vnode_of(struct mount *m, uint32_t ino, struct vnode *out)
{
	struct ext2_stat st;
	int rc = ext2_stat(m->fs, ino, &st);

	if (!rc)
		*out = (struct vnode){ m, ino, vtype_of(st.mode) };
	return rc;
}

static int e_lookup(const struct vnode *dir, const char *name, struct vnode *out)
{
	uint32_t ino;
	int rc = ext2_lookup(fs_of(dir), (uint32_t)dir->id, name, &ino);

	return rc ? rc : vnode_of(dir->mnt, ino, out);
}

static int e_hold(const struct vnode *v)
{
	return ext2_iget(fs_of(v), (uint32_t)v->id);
}

static void e_release(const struct vnode *v)
{
	/* An error here (the disk failing while a removed file's blocks are
	 * freed) is recorded by the library; nobody is left to tell. */
	ext2_iput(fs_of(v), (uint32_t)v->id);
}

static int e_stat(const struct vnode *v, struct kstat *st)
{
	struct ext2_statfs sf;
	struct ext2_stat es;
	int rc = ext2_stat(fs_of(v), (uint32_t)v->id, &es);

	if (rc)
		return rc;
	ext2_statfs(fs_of(v), &sf);
	*st = (struct kstat){
		.ino = es.ino, .mode = es.mode, .nlink = es.links, .uid = es.uid, .gid = es.gid,
		.blksize = sf.block_size, .size = es.size, .blocks = es.blocks,
		.atime = es.atime, .mtime = es.mtime, .ctime = es.ctime,
	};
	if (v->type == VCHR || v->type == VBLK)       /* Linux's new_encode_dev */
		st->rdev = (es.rdev_minor & 0xff) | (es.rdev_major << 8) |
			   ((es.rdev_minor & ~0xffu) << 12);
	return 0;
}

static long e_read(const struct vnode *v, uint64_t off, void *buf, size_t len)
{
	return ext2_read(fs_of(v), (uint32_t)v->id, off, buf, len);
}

static long e_write(const struct vnode *v, uint64_t off, const void *buf, size_t len)
{
	return ext2_write(fs_of(v), (uint32_t)v->id, off, buf, len);
}

static int e_truncate(const struct vnode *v, uint64_t size)
{
	return ext2_truncate(fs_of(v), (uint32_t)v->id, size);
}

static int e_readdir(const struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
	struct ext2_dirent ed;
	int rc = ext2_readdir(fs_of(dir), (uint32_t)dir->id, cookie, &ed);

	if (rc <= 0)
		return rc;
	de->ino = ed.ino;
	de->type = ed.type;             /* EXT2_DT_* are Linux's DT_* */
	de->name_len = ed.name_len;
	memcpy(de->name, ed.name, (size_t)ed.name_len + 1);
	return 1;
}

static long e_readlink(const struct vnode *v, char *buf, size_t len)
{
	return ext2_readlink(fs_of(v), (uint32_t)v->id, buf, len);
}

static int e_create(const struct vnode *dir, const char *name, uint32_t mode, struct vnode *out)
{
	uint32_t ino;
	int rc = ext2_create(fs_of(dir), (uint32_t)dir->id, name, (uint16_t)mode, 0, 0, &ino);

	if (!rc)
		*out = (struct vnode){ dir->mnt, ino, VREG };
	return rc;
}

static int e_mkdir(const struct vnode *dir, const char *name, uint32_t mode)
{
	return ext2_mkdir(fs_of(dir), (uint32_t)dir->id, name, (uint16_t)mode, 0, 0, NULL);
}

static int e_symlink(const struct vnode *dir, const char *name, const char *target)
{
	return ext2_symlink(fs_of(dir), (uint32_t)dir->id, name, target, 0, 0, NULL);
}

static int e_link(const struct vnode *v, const struct vnode *dir, const char *name)
{
	return ext2_link(fs_of(v), (uint32_t)v->id, (uint32_t)dir->id, name);
}

static int e_unlink(const struct vnode *dir, const char *name)
{
	return ext2_unlink(fs_of(dir), (uint32_t)dir->id, name);
}

static int e_rmdir(const struct vnode *dir, const char *name)
{
	return ext2_rmdir(fs_of(dir), (uint32_t)dir->id, name);
}

static int e_rename(const struct vnode *odir, const char *oname, const struct vnode *ndir,
		    const char *nname)
{
	return ext2_rename(fs_of(odir), (uint32_t)odir->id, oname, (uint32_t)ndir->id, nname);
}

static int e_chmod(const struct vnode *v, uint32_t mode)
{
	return ext2_chmod(fs_of(v), (uint32_t)v->id, (uint16_t)mode);
}

static int e_chown(const struct vnode *v, uint32_t uid, uint32_t gid)
{
	return ext2_chown(fs_of(v), (uint32_t)v->id, uid, gid);
}

static int e_utimes(const struct vnode *v, uint32_t atime, uint32_t mtime)
{
	return ext2_utimes(fs_of(v), (uint32_t)v->id, atime, mtime);
}

/* A directory's parent is its ".."; its name there, the entry that names
 * it. Other files may have many names, or none the VFS could find
 * quickly: the filesystem cannot tell. */
static int e_parent(const struct vnode *v, struct vnode *dir, char name[VFS_NAME_MAX + 1])
{
	struct ext2_fs *fs = fs_of(v);
	struct ext2_dirent de;
	uint64_t pos = 0;
	uint32_t up;
	int rc;

	if (v->type != VDIR)
		return -ENOENT;
	if ((rc = ext2_lookup(fs, (uint32_t)v->id, "..", &up)))
		return rc;
	while ((rc = ext2_readdir(fs, up, &pos, &de)) == 1) {
		bool dot = de.name[0] == '.' && (!de.name[1] || (de.name[1] == '.' && !de.name[2]));
		if (de.ino != v->id || dot)
			continue;
		memcpy(name, de.name, (size_t)de.name_len + 1);
		*dir = (struct vnode){ v->mnt, up, VDIR };
		return 0;
	}
	return rc ? rc : -ENOENT;
}

static void e_statfs(struct mount *m, struct kstatfs *st)
{
	struct ext2_statfs sf;

	ext2_statfs(m->fs, &sf);
	*st = (struct kstatfs){
		.magic = EXT2_SUPER_MAGIC, .bsize = sf.block_size, .blocks = sf.blocks,
		.bfree = sf.free_blocks, .files = sf.inodes, .ffree = sf.free_inodes,
		.bavail = sf.free_blocks > sf.reserved_blocks ? sf.free_blocks - sf.reserved_blocks : 0,
		.namelen = sf.name_max,
	};
}

static int e_sync(struct mount *m)
{
	return ext2_sync(m->fs);
}

static int e_unmount(struct mount *m)
{
	int rc = ext2_unmount(m->fs);

	vfs_free(m);
	return rc;
}

static const struct vfs_ops ext2_vfs_ops = {
	.lookup = e_lookup, .hold = e_hold, .release = e_release, .stat = e_stat,
	.read = e_read, .write = e_write, .truncate = e_truncate, .readdir = e_readdir,
	.readlink = e_readlink, .create = e_create, .mkdir = e_mkdir, .symlink = e_symlink,
	.link = e_link, .unlink = e_unlink, .rmdir = e_rmdir, .rename = e_rename,
	.chmod = e_chmod, .chown = e_chown, .utimes = e_utimes, .parent = e_parent,
	.statfs = e_statfs, .sync = e_sync, .unmount = e_unmount,
};

int vfs_ext2_mount(const struct ext2_dev *dev, bool rdonly, struct mount **out, const char **why)
{
	struct mount *m = vfs_alloc(sizeof(*m));
	struct ext2_fs *fs;
	int rc;

	if (!m)
		return -ENOMEM;
	vfs_lock();
	rc = ext2_mount(dev, &host, rdonly ? EXT2_MOUNT_RDONLY : 0, &fs, why);
	vfs_unlock();
	if (rc) {
		vfs_free(m);
		return rc;
	}
	m->ops = &ext2_vfs_ops;
	m->fs = fs;
	m->type = "ext2";
	m->root = (struct vnode){ m, EXT2_ROOT_INO, VDIR };
	m->flags = ext2_readonly(fs) ? VFS_MNT_RDONLY : 0;
	*out = m;
	return 0;
}
