/*
 * ramfs under the VFS (vfs.h): a vnode's id is the struct ramfs_node's
 * address, held with ramfs_get. The root filesystem, /proc and tmpfs
 * mounts are ramfs; it keeps no owners, times or hard links, so chown and
 * utimes succeed and change nothing (everything is root's), and link is
 * EPERM. Pure.
 */
#include "vfs.h"
#include "ramfs.h"

extern void *memcpy(void *dst, const void *src, size_t n);

#define TMPFS_MAGIC     0x01021994u
#define PAGE_BYTES      4096u

struct ramfs_mount {
	struct mount m;
	bool owned;                     /* the ramfs goes with the mount */
};

static struct ramfs_node *node(const struct vnode *v)
{
	return (struct ramfs_node *)v->id;
}

static enum vtype vtype_of(enum ramfs_type t)
{
	switch (t) {
	case RAMFS_DIR: return VDIR;
	case RAMFS_FILE: return VREG;
	case RAMFS_CHR: return VCHR;
	case RAMFS_BLK: return VBLK;
	case RAMFS_SYMLINK: return VLNK;
	}
	return VNON;
}

static struct vnode vnode_of(struct mount *m, struct ramfs_node *n)
{
	return (struct vnode){ m, (uintptr_t)n, vtype_of(n->type) };
}

static int r_lookup(const struct vnode *dir, const char *name, struct vnode *out)
{
	struct ramfs_node *n;
	int rc = ramfs_lookup_flags(node(dir), name, RAMFS_NOFOLLOW, &n);

	if (!rc)
		*out = vnode_of(dir->mnt, n);
	return rc;
}

static int r_hold(const struct vnode *v)
{
	ramfs_get(node(v));
	return 0;
}

static void r_release(const struct vnode *v)
{
	ramfs_put(node(v));
}

static int r_stat(const struct vnode *v, struct kstat *st)
{
	static const uint32_t fmt[] = {
		[RAMFS_DIR] = 0040000, [RAMFS_FILE] = 0100000, [RAMFS_CHR] = 0020000,
		[RAMFS_SYMLINK] = 0120000, [RAMFS_BLK] = 0060000,
	};
	const struct ramfs_node *n = node(v);
	bool dev = n->type == RAMFS_CHR || n->type == RAMFS_BLK;

	*st = (struct kstat){ 0 };
	st->ino = n->ino;
	st->mode = fmt[n->type] | (n->mode & 07777);
	st->nlink = !n->parent ? 0 : n->type == RAMFS_DIR ? 2 : 1;      /* unlinked: none */
	st->size = dev ? 0 : n->size;
	st->rdev = dev ? n->rdev : 0;
	st->blksize = PAGE_BYTES;
	st->blocks = (st->size + 511) / 512;
	return 0;
}

static long r_read(const struct vnode *v, uint64_t off, void *buf, size_t len)
{
	return ramfs_read(node(v), off, buf, len);
}

static long r_write(const struct vnode *v, uint64_t off, const void *buf, size_t len)
{
	return ramfs_write(node(v), off, buf, len);
}

static int r_truncate(const struct vnode *v, uint64_t size)
{
	return ramfs_truncate(node(v), size);
}

static int r_readdir(const struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
	static const uint8_t dtype[] = {
		[RAMFS_DIR] = 4, [RAMFS_FILE] = 8, [RAMFS_CHR] = 2, [RAMFS_SYMLINK] = 10, [RAMFS_BLK] = 6,
	};
	struct ramfs_dirent rd;
	size_t c = (size_t)*cookie;
	int rc = ramfs_readdir(node(dir), &c, &rd);

	if (rc <= 0)
		return rc;
	*cookie = c;
	de->ino = rd.ino;
	de->type = dtype[rd.type];
	de->name_len = (uint16_t)rd.name_len;
	memcpy(de->name, rd.name, rd.name_len);
	de->name[rd.name_len] = '\0';
	return 1;
}

static long r_readlink(const struct vnode *v, char *buf, size_t len)
{
	return ramfs_readlink(node(v), buf, len);
}

static int r_create(const struct vnode *dir, const char *name, uint32_t mode, struct vnode *out)
{
	struct ramfs_node *n;
	int rc = ramfs_create(node(dir), name, RAMFS_FILE, &n);

	if (rc)
		return rc;
	n->mode = mode;
	*out = vnode_of(dir->mnt, n);
	return 0;
}

static int r_mkdir(const struct vnode *dir, const char *name, uint32_t mode)
{
	struct ramfs_node *n;
	int rc = ramfs_mkdir(node(dir), name, &n);

	if (!rc)
		n->mode = mode;
	return rc;
}

static int r_symlink(const struct vnode *dir, const char *name, const char *target)
{
	return ramfs_symlink(node(dir), name, target, NULL);
}

static int r_link(const struct vnode *v, const struct vnode *dir, const char *name)
{
	(void)v, (void)dir, (void)name;
	return -EPERM;                  /* no hard links in a ramfs */
}

static int r_unlink(const struct vnode *dir, const char *name)
{
	return ramfs_unlink(node(dir), name);
}

static int r_rmdir(const struct vnode *dir, const char *name)
{
	return ramfs_rmdir(node(dir), name);
}

static int r_rename(const struct vnode *odir, const char *oname, const struct vnode *ndir,
		    const char *nname)
{
	return ramfs_rename(node(odir), oname, node(ndir), nname);
}

static int r_chmod(const struct vnode *v, uint32_t mode)
{
	node(v)->mode = mode;
	return 0;
}

static int r_chown(const struct vnode *v, uint32_t uid, uint32_t gid)
{
	(void)v, (void)uid, (void)gid;
	return 0;
}

static int r_utimes(const struct vnode *v, uint32_t atime, uint32_t mtime)
{
	(void)v, (void)atime, (void)mtime;
	return 0;
}

static int r_parent(const struct vnode *v, struct vnode *dir, char name[VFS_NAME_MAX + 1])
{
	struct ramfs_node *n = node(v);

	if (!n->parent || n->parent == n)
		return -ENOENT;         /* removed, or the root */
	memcpy(name, n->name, n->name_len + 1);
	*dir = vnode_of(v->mnt, n->parent);
	return 0;
}

static const void *r_contents(const struct vnode *v, size_t *size)
{
	*size = node(v)->size;
	return node(v)->data ? node(v)->data : (const void *)"";        /* empty: no data yet */
}

/* Memory is the storage: as Linux's tmpfs shows it. */
static void r_statfs(struct mount *m, struct kstatfs *st)
{
	uint32_t total, free;

	vfs_memory(&total, &free);
	*st = (struct kstatfs){
		.magic = TMPFS_MAGIC, .bsize = PAGE_BYTES, .blocks = total, .bfree = free,
		.bavail = free, .files = 65536, .namelen = RAMFS_NAME_MAX,
		.ffree = 65536 - (uint32_t)((struct ramfs *)m->fs)->nodes,
	};
}

static int r_unmount(struct mount *m)
{
	struct ramfs_mount *rm = (struct ramfs_mount *)m;

	if (rm->owned) {
		ramfs_destroy(m->fs);
		vfs_free(m->fs);
	}
	vfs_free(rm);
	return 0;
}

static const struct vfs_ops ramfs_vfs_ops = {
	.lookup = r_lookup, .hold = r_hold, .release = r_release, .stat = r_stat,
	.read = r_read, .write = r_write, .truncate = r_truncate, .readdir = r_readdir,
	.readlink = r_readlink, .create = r_create, .mkdir = r_mkdir, .symlink = r_symlink,
	.link = r_link, .unlink = r_unlink, .rmdir = r_rmdir, .rename = r_rename,
	.chmod = r_chmod, .chown = r_chown, .utimes = r_utimes, .parent = r_parent,
	.contents = r_contents, .statfs = r_statfs, .unmount = r_unmount,
};

struct ramfs_node *vfs_ramfs_node(const struct vnode *v)
{
	return v->mnt && v->mnt->ops == &ramfs_vfs_ops ? node(v) : NULL;
}

struct mount *vfs_ramfs_mount(struct ramfs *fs, bool owned)
{
	struct ramfs_mount *rm = vfs_alloc(sizeof(*rm));

	if (!rm)
		return NULL;
	rm->owned = owned;
	rm->m.ops = &ramfs_vfs_ops;
	rm->m.fs = fs;
	rm->m.type = "ramfs";
	rm->m.root = vnode_of(&rm->m, fs->root);
	return &rm->m;
}
