/*
 * ringos: the path arguments of the file system calls (path.h): copied in
 * from user memory with their bounds checked, held in a small pool of
 * buffers, and resolved from the working directory or from a directory
 * descriptor (the *at calls).
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

#include "path.h"

/* A path (or an argument) from user memory: 0, -EFAULT, -ENOENT for "",
 * -ENAMETOOLONG when it does not fit in size bytes. */
int path_from_user(uint32_t uptr, char *buf, size_t size)
{
	long n = strncpy_from_user(buf, uptr, size);
	return n < 0 ? (int)n : n == 0 ? -ENOENT : 0;
}

/*
 * Path buffers: PATH_MAX_ bytes each, too big for a kernel stack and too
 * slow to take from kmalloc on every call (a multi-frame block, zeroed).
 * A few are kept; a call nests at most two, and only a process waiting
 * for the disk (or the VFS lock) sleeps holding one, so the pool is
 * seldom empty (kmalloc if it is).
 */
#define PATH_POOL 4
static char path_pool[PATH_POOL][PATH_MAX_];
static uint8_t path_used;

char *path_get(void)
{
	for (int i = 0; i < PATH_POOL; i++)
		if (!(path_used & (1u << i))) {
			path_used |= (uint8_t)(1u << i);
			return path_pool[i];
		}
	return kmalloc(PATH_MAX_);
}

void path_put(char *p)
{
	for (int i = 0; i < PATH_POOL; i++)
		if (p == path_pool[i]) {
			path_used &= (uint8_t)~(1u << i);
			return;
		}
	kfree(p);
}

/*
 * Where a relative path starts: the working directory (AT_FDCWD) or an
 * open directory (the *at calls). An absolute path ignores dirfd, as on
 * Linux, so the caller asks only for relative paths.
 */
static int base_dir(int32_t dirfd, const char *path, struct vnode *base)
{
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		file_cwd(curproc, base);
		return 0;
	}
	struct file *f = fd_get(curproc, (uint32_t)dirfd);
	if (!f)
		return -EBADF;
	if (f->vn.type != VDIR)
		return -ENOTDIR;
	*base = f->vn;
	return 0;
}

char *path_at(int32_t dirfd, uint32_t upath, struct vnode *base, int *rc)
{
	char *path = path_get();
	if (!path) {
		*rc = -ENOMEM;
		return NULL;
	}
	if ((*rc = path_from_user(upath, path, PATH_MAX_)) || (*rc = base_dir(dirfd, path, base))) {
		path_put(path);
		return NULL;
	}
	return path;
}

int path_lookup_at(int32_t dirfd, uint32_t upath, bool follow, struct vnode *v)
{
	struct vnode base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (path) {
		rc = vfs_lookup(&base, path, follow ? 0 : VFS_NOFOLLOW, v);
		path_put(path);
	}
	return rc;
}

int path_parent_at(int32_t dirfd, uint32_t upath, struct vnode *dir,
		   char name[VFS_NAME_MAX + 1], bool *slash)
{
	struct vnode base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (path) {
		rc = vfs_lookup_parent(&base, path, dir, name, slash);
		path_put(path);
	}
	return rc;
}

/* The forwarding forms: as above, or VFS_FORWARDED with *fwd (its rest a
 * pooled buffer, its directory held) for a path that leads into a
 * forwarding mount; path_fwd_done gives those back. */
int path_lookup_fwd_at(int32_t dirfd, uint32_t upath, bool follow, struct vnode *v,
		       struct vfs_fwd *fwd)
{
	struct vnode base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (!path)
		return rc;
	if (!(fwd->rest = path_get())) {
		path_put(path);
		return -ENOMEM;
	}
	rc = vfs_lookup_fwd(&base, path, follow ? 0 : VFS_NOFOLLOW, v, fwd);
	path_put(path);
	if (rc != VFS_FORWARDED)
		path_put(fwd->rest);
	return rc;
}

int path_parent_fwd_at(int32_t dirfd, uint32_t upath, struct vnode *dir,
		       char name[VFS_NAME_MAX + 1], bool *slash, struct vfs_fwd *fwd)
{
	struct vnode base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (!path)
		return rc;
	if (!(fwd->rest = path_get())) {
		path_put(path);
		return -ENOMEM;
	}
	rc = vfs_lookup_parent_fwd(&base, path, dir, name, slash, fwd);
	path_put(path);
	if (rc != VFS_FORWARDED)
		path_put(fwd->rest);
	return rc;
}

void path_fwd_done(struct vfs_fwd *fwd)
{
	vfs_put(&fwd->dir);
	path_put(fwd->rest);
}
