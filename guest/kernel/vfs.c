/*
 * The VFS's calls on files and names (vfs.h): each under the lock, after
 * the checks that belong to the VFS rather than to one filesystem (which
 * mount may change, mount points, nothing linked or moved between two
 * mounts), then handed to the file's filesystem. Pure.
 */
#include "vfs.h"

static bool is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* May the names and contents in v's mount change? */
static int may_change(const struct vnode *v)
{
	if (v->mnt->flags & VFS_MNT_KERNEL)
		return -EACCES;
	return v->mnt->flags & VFS_MNT_RDONLY ? -EROFS : 0;
}

/* Attributes: EROFS in a read-only mount. The kernel's files keep their
 * modes (chmod: EPERM); owners and times they keep none (ramfs), so
 * chown and utimes there succeed and change nothing, as they always did. */
static int may_set(const struct vnode *v, bool mode)
{
	if (mode && (v->mnt->flags & VFS_MNT_KERNEL))
		return -EPERM;
	return v->mnt->flags & VFS_MNT_RDONLY ? -EROFS : 0;
}

/* -EBUSY when name in dir is a mount point (it cannot go or move). */
static int busy(const struct vnode *dir, const char *name)
{
	struct vnode v;

	if (is_dot(name) || dir->mnt->ops->lookup(dir, name, &v))
		return 0;               /* the filesystem gives the error */
	return vfs_mounted_on(&v) ? -EBUSY : 0;
}

int vfs_stat(const struct vnode *v, struct kstat *st)
{
	vfs_lock();
	int rc = v->mnt->ops->stat(v, st);
	st->dev = v->mnt->dev;
	vfs_unlock();
	return rc;
}

long vfs_read(const struct vnode *v, uint64_t off, void *buf, size_t len)
{
	vfs_lock();
	long rc = v->mnt->ops->read(v, off, buf, len);
	vfs_unlock();
	return rc;
}

long vfs_write(const struct vnode *v, uint64_t off, const void *buf, size_t len)
{
	long rc;

	vfs_lock();
	if (!(rc = may_change(v)))
		rc = v->mnt->ops->write(v, off, buf, len);
	vfs_unlock();
	return rc;
}

int vfs_truncate(const struct vnode *v, uint64_t size)
{
	int rc;

	if (v->type == VDIR)
		return -EISDIR;
	vfs_lock();
	if (!(rc = may_change(v)))
		rc = v->type == VREG ? v->mnt->ops->truncate(v, size) : -EINVAL;
	vfs_unlock();
	return rc;
}

int vfs_readdir(const struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
	if (dir->type != VDIR)
		return -ENOTDIR;
	vfs_lock();
	int rc = dir->mnt->ops->readdir(dir, cookie, de);
	vfs_unlock();
	return rc;
}

long vfs_readlink(const struct vnode *v, char *buf, size_t len)
{
	if (v->type != VLNK)
		return -EINVAL;
	vfs_lock();
	long rc = v->mnt->ops->readlink(v, buf, len);
	vfs_unlock();
	return rc;
}

const void *vfs_contents(const struct vnode *v, size_t *size)
{
	return v->mnt->ops->contents ? v->mnt->ops->contents(v, size) : NULL;
}

int vfs_statfs(const struct vnode *v, struct kstatfs *st)
{
	vfs_lock();
	v->mnt->ops->statfs(v->mnt, st);
	vfs_unlock();
	return 0;
}

int vfs_fsync(const struct vnode *v)
{
	vfs_lock();
	int rc = v->mnt->ops->fsync ? v->mnt->ops->fsync(v) :
		 v->mnt->ops->sync ? v->mnt->ops->sync(v->mnt) : 0;
	vfs_unlock();
	return rc;
}

/* ---------------------------------------------------------------- names */

int vfs_create(const struct vnode *dir, const char *name, uint32_t mode, struct vnode *out)
{
	int rc;

	vfs_lock();
	if (!(rc = may_change(dir)) && !(rc = dir->mnt->ops->create(dir, name, mode & 07777, out)))
		rc = vfs_hold(out);
	vfs_unlock();
	return rc;
}

int vfs_mkdir(const struct vnode *dir, const char *name, uint32_t mode)
{
	int rc;

	vfs_lock();
	if (!(rc = may_change(dir)))
		rc = dir->mnt->ops->mkdir(dir, name, mode & 07777);
	vfs_unlock();
	return rc;
}

int vfs_symlink(const struct vnode *dir, const char *name, const char *target)
{
	int rc;

	vfs_lock();
	if (!(rc = may_change(dir)))
		rc = dir->mnt->ops->symlink(dir, name, target);
	vfs_unlock();
	return rc;
}

int vfs_link(const struct vnode *v, const struct vnode *dir, const char *name)
{
	int rc;

	if (v->mnt != dir->mnt)
		return -EXDEV;
	vfs_lock();
	if (!(rc = may_change(dir)))
		rc = dir->mnt->ops->link(v, dir, name);
	vfs_unlock();
	return rc;
}

/* unlink and rmdir: the name's filesystem says what may go, but not a
 * mount point (only directories are: unlink's EISDIR comes first). */
static int remove_name(const struct vnode *dir, const char *name, bool is_dir)
{
	int rc;

	vfs_lock();
	if (!(rc = may_change(dir)) && !(rc = is_dir ? busy(dir, name) : 0))
		rc = is_dir ? dir->mnt->ops->rmdir(dir, name) : dir->mnt->ops->unlink(dir, name);
	vfs_unlock();
	return rc;
}

int vfs_unlink(const struct vnode *dir, const char *name)
{
	return remove_name(dir, name, false);
}

int vfs_rmdir(const struct vnode *dir, const char *name)
{
	return remove_name(dir, name, true);
}

int vfs_rename(const struct vnode *odir, const char *oname, const struct vnode *ndir,
	       const char *nname)
{
	int rc;

	if (odir->mnt != ndir->mnt)
		return -EXDEV;
	vfs_lock();
	if (!(rc = may_change(odir)) && !(rc = busy(odir, oname)) && !(rc = busy(ndir, nname)))
		rc = odir->mnt->ops->rename(odir, oname, ndir, nname);
	vfs_unlock();
	return rc;
}

/* ---------------------------------------------------------------- attributes */

int vfs_chmod(const struct vnode *v, uint32_t mode)
{
	int rc;

	vfs_lock();
	if (!(rc = may_set(v, true)))
		rc = v->mnt->ops->chmod(v, mode & 07777);
	vfs_unlock();
	return rc;
}

/* chown and utimes: a value to keep replaced by the file's own. */
static int set_pair(const struct vnode *v, bool owner, uint32_t a, uint32_t b)
{
	const uint32_t keep = 0xffffffffu;      /* chown's -1, VFS_TIME_KEEP */
	struct kstat st;
	int rc;

	vfs_lock();
	if (!(rc = may_set(v, false)) && !(rc = v->mnt->ops->stat(v, &st))) {
		if (owner)
			rc = v->mnt->ops->chown(v, a == keep ? st.uid : a, b == keep ? st.gid : b);
		else
			rc = v->mnt->ops->utimes(v, a == keep ? st.atime : a, b == keep ? st.mtime : b);
	}
	vfs_unlock();
	return rc;
}

int vfs_chown(const struct vnode *v, uint32_t uid, uint32_t gid)
{
	return set_pair(v, true, uid, gid);
}

int vfs_utimes(const struct vnode *v, uint32_t atime, uint32_t mtime)
{
	return set_pair(v, false, atime, mtime);
}
