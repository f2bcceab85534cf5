/*
 * ringos: system-call forwarding (kernel/vfs_fwd.c; docs/io.md,
 * "System-call forwarding"). A pv domain's RV_DEV_vfs device is a mount
 * point (its name, "/host") whose file calls go whole to a server in
 * Domain 0 (include/public/io/fsif.h), one request per call.
 *
 * The VFS stops a lookup where it enters such a mount and hands over the
 * rest of the path (vfs_lookup_fwd: VFS_FORWARDED, struct vfs_fwd); the
 * system calls then make the one request below. Open files and working
 * directories in the mount are server handles (a vnode whose id is the
 * handle + 1; the mount's root is id 0, the export's top); their calls
 * (read, write, fstat, getdents64, ...) go through the VFS's operations,
 * one request each. Every error is the server's errno, unchanged.
 */
#ifndef RINGOS_FWD_H
#define RINGOS_FWD_H

#include "types.h"
#include "vfs.h"

/* Mount every RV_DEV_vfs device of start_info at its name (the mount
 * point is made in the root ramfs if missing). Once, at boot. */
void fwd_boot(void);

/* One request each, on the path at names (at->dir in a forwarding mount). */
int fwd_open(const struct vfs_fwd *at, int flags, uint32_t mode, struct vnode *out);   /* out held */
int fwd_stat(const struct vfs_fwd *at, bool follow, struct kstat *st);
int fwd_mkdir(const struct vfs_fwd *at, uint32_t mode);
int fwd_rmdir(const struct vfs_fwd *at);
int fwd_unlink(const struct vfs_fwd *at);
int fwd_rename(const struct vfs_fwd *from, const struct vfs_fwd *to);
int fwd_symlink(const struct vfs_fwd *at, const char *target);
long fwd_readlink(const struct vfs_fwd *at, char *buf, size_t len);
int fwd_truncate(const struct vfs_fwd *at, uint64_t length);
int fwd_chmod(const struct vfs_fwd *at, uint32_t mode);
/* statfs of the forwarding mount (no request: its numbers are made up). */
void fwd_statfs(struct kstatfs *st);

/* The kernel buffer a read or write of a forwarded file goes through: one
 * request's data (FSIF_DATA_MAX). */
#define FWD_XFER        16384u

static inline bool vnode_forwarded(const struct vnode *v)
{
	return v->mnt && (v->mnt->flags & VFS_MNT_FORWARD);
}

#endif
