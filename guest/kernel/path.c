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
 * A few are kept; nothing sleeps while holding one, and a call nests at
 * most two, so the pool is never empty in practice (kmalloc if it is).
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
static int base_dir(int32_t dirfd, const char *path, struct ramfs_node **base)
{
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		*base = curproc->cwd ? curproc->cwd : rootfs.root;
		return 0;
	}
	struct file *f = fd_get(curproc, (uint32_t)dirfd);
	if (!f)
		return -EBADF;
	if (!f->node || f->node->type != RAMFS_DIR)
		return -ENOTDIR;
	*base = f->node;
	return 0;
}

/* A path from user memory, in a pooled buffer the caller gives back with
 * path_put, and the directory it starts from; NULL with *rc set on error. */
char *path_at(int32_t dirfd, uint32_t upath, struct ramfs_node **base, int *rc)
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

/* The node a path names (following a final link when follow). */
int path_lookup_at(int32_t dirfd, uint32_t upath, bool follow, struct ramfs_node **n)
{
	struct ramfs_node *base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (path) {
		rc = ramfs_lookup_flags(base, path, follow ? 0 : RAMFS_NOFOLLOW, n);
		path_put(path);
	}
	return rc;
}
