/*
 * ringos: the path arguments of the file system calls (kernel/path.c),
 * shared by the sys_*.c files that take a path.
 */
#ifndef RINGOS_PATH_H
#define RINGOS_PATH_H

#include "types.h"
#include "ramfs.h"
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
 * descriptor or AT_FDCWD); NULL with *rc set on error. */
char *path_at(int32_t dirfd, uint32_t upath, struct ramfs_node **base, int *rc);

/* The node a path names (following a final link when follow). */
int path_lookup_at(int32_t dirfd, uint32_t upath, bool follow, struct ramfs_node **n);

#endif
