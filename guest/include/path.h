/*
 * ringos: the path arguments of the file system calls (kernel/path.c),
 * shared by the sys_*.c files that take a path.
 */
#ifndef RINGOS_PATH_H
#define RINGOS_PATH_H

#include "types.h"
#include "vfs.h"
#include "uapi/fcntl.h"

/* A path (or an argument) from user memory: 0, -EFAULT, -ENOENT for "",
 * -ENAMETOOLONG when it does not fit in size bytes. */
int path_from_user(uint32_t uptr, char *buf, size_t size);

/* A buffer of PATH_MAX_ bytes from the pool (NULL when out of memory),
 * given back with path_put. */
char *path_get(void);
void path_put(char *p);

/* A path from user memory, in a pooled buffer the caller gives back with
 * path_put, and the directory it starts from (dirfd: a directory
 * descriptor or AT_FDCWD; not held: the descriptor or the process holds
 * it); NULL with *rc set on error. */
char *path_at(int32_t dirfd, uint32_t upath, struct vnode *base, int *rc);

/* The file a path names (following a final link when follow), held: the
 * caller gives it back with vfs_put. */
int path_lookup_at(int32_t dirfd, uint32_t upath, bool follow, struct vnode *v);

/* The directory holding a path's last component (held), and that name. */
int path_parent_at(int32_t dirfd, uint32_t upath, struct vnode *dir,
		   char name[VFS_NAME_MAX + 1], bool *slash);

/* The same, or VFS_FORWARDED with *fwd for a path that leads into a
 * forwarding mount (vfs.h; fwd.h makes the call): path_fwd_done gives
 * *fwd back. */
int path_lookup_fwd_at(int32_t dirfd, uint32_t upath, bool follow, struct vnode *v,
		       struct vfs_fwd *fwd);
int path_parent_fwd_at(int32_t dirfd, uint32_t upath, struct vnode *dir,
		       char name[VFS_NAME_MAX + 1], bool *slash, struct vfs_fwd *fwd);
void path_fwd_done(struct vfs_fwd *fwd);

#endif
