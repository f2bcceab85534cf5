/*
 * ringos's VFS: the filesystems mounted into one tree and the calls the
 * system calls make on it (docs/vfs.md). Each filesystem type gives a table
 * of operations (struct vfs_ops) on its files, named by a struct vnode: the
 * mount and the filesystem's own handle (a ramfs node's address, an ext2
 * inode number). The VFS walks paths across mounts, keeps the references
 * open files and working directories hold, refuses what crosses
 * filesystems (EXDEV) or what a mount forbids (EROFS, the kernel's /proc),
 * and serializes everything under one lock, since ext2 sleeps on the disk.
 *
 * Pure and freestanding like ramfs and ext2: vfs_host.c gives it the
 * kernel's lock, heap and clock; the host unit tests give their own.
 *
 * Every call returns 0 (or a count) or a negative Linux errno value.
 */
#ifndef RINGOS_VFS_H
#define RINGOS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/errno.h"

#define VFS_NAME_MAX    255             /* bytes in one path component */
#define VFS_PATH_MAX    4096            /* bytes in a path, its NUL included */
#define VFS_LINK_MAX    40              /* symbolic links followed in one lookup */
#define VFS_LINK_NEST   8               /* ... nested inside each other's paths */

/* File types (stat's S_IF* and getdents' DT_* are made from these). */
enum vtype { VNON, VDIR, VREG, VCHR, VBLK, VLNK, VFIFO, VSOCK };

struct mount;

/*
 * A file: which mounted filesystem, and that filesystem's handle for it.
 * A value, copied freely; holding one (vfs_hold) is what keeps the file
 * and its mount alive.
 */
struct vnode {
	struct mount *mnt;              /* NULL: none (a pipe's file) */
	uintptr_t id;                   /* ramfs: the struct ramfs_node *; ext2: the inode number */
	enum vtype type;                /* fixed for the life of the file */
};

static inline bool vnode_same(const struct vnode *a, const struct vnode *b)
{
	return a->mnt == b->mnt && a->id == b->id;
}

/* What stat reports. Devices in Linux's encoding (major << 8 | minor
 * while small). */
struct kstat {
	uint32_t dev, ino, mode, nlink, uid, gid, rdev, blksize;
	uint64_t size, blocks;
	uint32_t atime, mtime, ctime;   /* seconds since 1970; 0 where the filesystem keeps none */
};

/* statfs's numbers. */
struct kstatfs {
	uint32_t magic, bsize, blocks, bfree, bavail, files, ffree, namelen;
};

/* One directory entry: the name copied, getdents' DT_* type (0: unknown). */
struct vfs_dirent {
	uint64_t ino;
	uint8_t type;
	uint16_t name_len;
	char name[VFS_NAME_MAX + 1];
};

/*
 * A filesystem type's operations. Names are one NUL-terminated component;
 * the VFS has checked the directory arguments are directories of this
 * mount. Errors are the filesystem's own (ENOENT, EEXIST, ENOTDIR, ...).
 */
struct vfs_ops {
	/* name in dir: ".." of the filesystem's root is the root itself. */
	int (*lookup)(const struct vnode *dir, const char *name, struct vnode *out);
	/* The first hold of a file and the last release (the VFS counts between). */
	int (*hold)(const struct vnode *v);
	void (*release)(const struct vnode *v);
	int (*stat)(const struct vnode *v, struct kstat *st);
	long (*read)(const struct vnode *v, uint64_t off, void *buf, size_t len);
	long (*write)(const struct vnode *v, uint64_t off, const void *buf, size_t len);
	int (*truncate)(const struct vnode *v, uint64_t size);
	/* *cookie starts at 0: 1 with *de filled, 0 at the end. */
	int (*readdir)(const struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de);
	long (*readlink)(const struct vnode *v, char *buf, size_t len);
	/* A new empty regular file (*out unheld), permission bits mode. */
	int (*create)(const struct vnode *dir, const char *name, uint32_t mode, struct vnode *out);
	int (*mkdir)(const struct vnode *dir, const char *name, uint32_t mode);
	int (*symlink)(const struct vnode *dir, const char *name, const char *target);
	int (*link)(const struct vnode *v, const struct vnode *dir, const char *name);
	int (*unlink)(const struct vnode *dir, const char *name);
	int (*rmdir)(const struct vnode *dir, const char *name);
	int (*rename)(const struct vnode *odir, const char *oname, const struct vnode *ndir,
		      const char *nname);
	int (*chmod)(const struct vnode *v, uint32_t mode);
	int (*chown)(const struct vnode *v, uint32_t uid, uint32_t gid);
	int (*utimes)(const struct vnode *v, uint32_t atime, uint32_t mtime);
	/* The directory holding v and v's name there (getcwd): -ENOENT when
	 * v was removed or the filesystem cannot tell (an ext2 file's). */
	int (*parent)(const struct vnode *v, struct vnode *dir, char name[VFS_NAME_MAX + 1]);
	/* Optional: a regular file's bytes in memory, read in place (execve). */
	const void *(*contents)(const struct vnode *v, size_t *size);
	void (*statfs)(struct mount *m, struct kstatfs *st);
	int (*sync)(struct mount *m);   /* what was written, on the device */
	int (*unmount)(struct mount *m);        /* frees the filesystem and m */
	/* Optional: fsync of one file (else sync of its mount). */
	int (*fsync)(const struct vnode *v);
};

/* Mount flags. */
#define VFS_MNT_RDONLY  1u              /* changes: -EROFS */
#define VFS_MNT_KERNEL  2u              /* the kernel's own (/proc): no changes (-EACCES), no unmount */
#define VFS_MNT_FORWARD 4u              /* its calls go whole to a server (vfs_fwd.c): lookups
					 * that ask stop at it with the rest of the path */

struct vfs_held;

struct mount {
	const struct vfs_ops *ops;
	void *fs;                       /* the filesystem's state */
	const char *type;               /* as /proc/mounts names it: "ext2", "proc" */
	struct vnode root;
	struct vnode covered;           /* the directory it is mounted on, held; .mnt NULL for "/" */
	uint32_t dev;                   /* st_dev of its files */
	unsigned flags;                 /* VFS_MNT_* */
	char source[32];                /* /proc/mounts' first field: "/dev/hda", "proc" */
	struct vfs_held *held;          /* the files held in it (nothing held: it may go) */
	struct mount *next;
};

/* ---------------------------------------------------------------- from the kernel (vfs_host.c) */

/* A lock one process holds at a time, again and again (nested calls), and
 * across the disk's sleeps: every call below takes it. */
void vfs_lock(void);
void vfs_unlock(void);
void *vfs_alloc(size_t size);           /* zeroed; NULL when out of memory */
void vfs_free(void *p);
uint32_t vfs_now(void);                 /* the wall clock, seconds since 1970 */
void vfs_memory(uint32_t *total_pages, uint32_t *free_pages);   /* ramfs's statfs */

/* ---------------------------------------------------------------- mounts (vfs_mount.c) */

/* The root filesystem: m becomes "/" (only once). */
void vfs_mount_root(struct mount *m);
/* m on the directory dir (which it holds from now on): -ENOTDIR, -EBUSY
 * when m's device is mounted already (same dev), -ENOMEM. */
int vfs_mount_at(struct mount *m, const struct vnode *dir);
/* Take m away: -EBUSY while anything in it is held (an open file, a
 * working directory, a mount below it) or for "/" and the kernel's; then
 * the filesystem's unmount (its error returned: m is gone all the same). */
int vfs_umount(struct mount *m);
/* The mount whose root v is, if v is one; the mount on v, if any. */
struct mount *vfs_mount_of_root(const struct vnode *v);
struct mount *vfs_mounted_on(const struct vnode *v);
/* "/": the root filesystem's root, or what is mounted on it. */
void vfs_root(struct vnode *out);
/* Every mount in mount order (fn's non-zero result stops the walk and is returned). */
int vfs_each_mount(int (*fn)(struct mount *m, void *arg), void *arg);
/* sync every mount; unmount every one but "/" and the kernel's, innermost
 * first, whatever is held (power off). The first error. */
int vfs_sync_all(void);
int vfs_shutdown(void);
/* A device number for a filesystem without a device (0:N, N from 16). */
uint32_t vfs_anon_dev(void);

/* References: each open file and working directory holds its vnode. */
int vfs_hold(const struct vnode *v);
void vfs_put(const struct vnode *v);

/* ---------------------------------------------------------------- paths (vfs_lookup.c) */

#define VFS_NOFOLLOW    1u              /* the last component's link is not followed */

/*
 * Resolve path from base (absolute paths from "/"), across mounts: a
 * directory with a filesystem mounted on it leads into that filesystem's
 * root, ".." of a mount's root to the directory it is mounted on and up
 * from there. Repeated slashes are one, a trailing slash demands a
 * directory, symbolic links are followed (the last component too unless
 * VFS_NOFOLLOW; a trailing slash still follows it). *out is held. Errors:
 * -ENOENT (a missing component, an empty path or link, ".." of a removed
 * directory), -ENOTDIR, -ENAMETOOLONG (a component over VFS_NAME_MAX, a
 * path of VFS_PATH_MAX bytes), -ELOOP (more than VFS_LINK_MAX links, or
 * nested deeper than VFS_LINK_NEST), the filesystem's own (-EIO, ...).
 */
int vfs_lookup(const struct vnode *base, const char *path, unsigned flags, struct vnode *out);
/*
 * For the calls that create or remove: all but the last component, to a
 * directory *dir (held), and the last in name ("/" alone gives "/" and
 * "."). *slash (if not NULL): whether the path ended in '/'.
 */
int vfs_lookup_parent(const struct vnode *base, const char *path, struct vnode *dir,
		      char name[VFS_NAME_MAX + 1], bool *slash);
/* v's absolute path into buf (size bytes): its length, -ENOENT (removed,
 * or a file whose directory its filesystem cannot tell), -ENAMETOOLONG. */
long vfs_path_of(const struct vnode *v, char *buf, size_t size);

/*
 * System-call forwarding (docs/io.md): a path that enters a forwarding
 * mount (VFS_MNT_FORWARD) is not walked further here; the calls that know
 * how ask for the rest with vfs_lookup_fwd and vfs_lookup_parent_fwd,
 * which then return VFS_FORWARDED (a positive value) with fwd->dir (held:
 * the mount's root or a directory open in it) and fwd->rest, the path
 * left from there (the caller's buffer of VFS_PATH_MAX bytes; "." when the
 * path ends at that directory; the last name included for the parent
 * lookup). ".." of the mount's root is still the VFS's (out of the
 * mount); every other "..", link and name after it is the server's.
 * A lookup that does not ask walks into the mount with its lookup, which
 * a forwarding filesystem refuses (-EOPNOTSUPP).
 */
#define VFS_FORWARDED   1
struct vfs_fwd {
	struct vnode dir;
	char *rest;
	size_t len;
};
int vfs_lookup_fwd(const struct vnode *base, const char *path, unsigned flags, struct vnode *out,
		   struct vfs_fwd *fwd);
int vfs_lookup_parent_fwd(const struct vnode *base, const char *path, struct vnode *dir,
			  char name[VFS_NAME_MAX + 1], bool *slash, struct vfs_fwd *fwd);

/* ---------------------------------------------------------------- files (vfs.c) */

int vfs_stat(const struct vnode *v, struct kstat *st);
long vfs_read(const struct vnode *v, uint64_t off, void *buf, size_t len);
long vfs_write(const struct vnode *v, uint64_t off, const void *buf, size_t len);
/* -EISDIR (a directory), -EINVAL (not a regular file), -EROFS, -EACCES (the kernel's). */
int vfs_truncate(const struct vnode *v, uint64_t size);
int vfs_readdir(const struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de);
/* -EINVAL when v is not a symbolic link. */
long vfs_readlink(const struct vnode *v, char *buf, size_t len);
const void *vfs_contents(const struct vnode *v, size_t *size);  /* NULL: read it */
int vfs_statfs(const struct vnode *v, struct kstatfs *st);
int vfs_fsync(const struct vnode *v);

/*
 * Changes to names, in directory dir (held by the caller). Before the
 * filesystem is asked: -EACCES in the kernel's mounts, -EROFS in a
 * read-only one, -EBUSY for a mount point removed or renamed, -EXDEV for a
 * link or rename between two mounts.
 */
int vfs_create(const struct vnode *dir, const char *name, uint32_t mode, struct vnode *out);
int vfs_mkdir(const struct vnode *dir, const char *name, uint32_t mode);
int vfs_symlink(const struct vnode *dir, const char *name, const char *target);
int vfs_link(const struct vnode *v, const struct vnode *dir, const char *name);
int vfs_unlink(const struct vnode *dir, const char *name);
int vfs_rmdir(const struct vnode *dir, const char *name);
int vfs_rename(const struct vnode *odir, const char *oname, const struct vnode *ndir,
	       const char *nname);
/* Attributes: -EROFS in a read-only mount; chmod -EPERM in the kernel's.
 * chown: (uint32_t)-1 keeps that id. utimes: VFS_TIME_KEEP keeps that time. */
#define VFS_TIME_KEEP   0xffffffffu
int vfs_chmod(const struct vnode *v, uint32_t mode);
int vfs_chown(const struct vnode *v, uint32_t uid, uint32_t gid);
int vfs_utimes(const struct vnode *v, uint32_t atime, uint32_t mtime);

/* ---------------------------------------------------------------- filesystem types */

struct ramfs;
struct ext2_dev;

/* A ramfs as a mount (vfs_ramfs.c): fs stays the caller's (owned: freed
 * by unmount). NULL when out of memory. */
struct mount *vfs_ramfs_mount(struct ramfs *fs, bool owned);
/* The ramfs node behind v (NULL if v is not in a ramfs). */
struct ramfs_node *vfs_ramfs_node(const struct vnode *v);

/* The ext2 filesystem on dev as a mount (vfs_ext2.c): ext2_mount's
 * errors, with its sentence in *why; *why also says why a filesystem that
 * was asked for read-write came out read-only. */
int vfs_ext2_mount(const struct ext2_dev *dev, bool rdonly, struct mount **out, const char **why);

#endif
