/*
 * ext2: a read-write second extended filesystem on a block device, for
 * ringos's VFS (docs/ext2.md). Pure and freestanding like ramfs: storage
 * comes through struct ext2_dev (512-byte sectors), memory and the clock
 * through struct ext2_host; no locking (the caller serializes every call on
 * one filesystem), no permission checks (the VFS's). The host unit tests run
 * it over a file and malloc, against images made by mkfs.ext2.
 *
 * Everything is by inode number: the VFS walks paths with ext2_lookup from
 * EXT2_ROOT_INO. Names are one path component, NUL-terminated.
 *
 * Every function returns 0 (or a count) or a negative Linux errno value
 * (uapi/errno.h), so the VFS hands them to programs unchanged:
 *   EXT2_EIO       the device failed a read or a write
 *   EXT2_EUCLEAN   the metadata on disk is inconsistent (a pointer outside
 *                  the filesystem or into its metadata, a bad directory
 *                  entry, a loop, counts that disagree); ext2_error() says
 *                  what, and the superblock is marked with errors
 *   EXT2_EINVAL    not an ext2 filesystem (mount), or a bad argument
 *   EXT2_EOPNOTSUPP a feature this code does not implement (mount)
 *   EXT2_EROFS     a change asked of a read-only mount
 *   EXT2_ENOMEM    the host's allocator said no
 * and the usual ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ENOSPC,
 * ENAMETOOLONG, EFBIG, EMLINK, EPERM, EBUSY named at each call.
 */
#ifndef RINGOS_EXT2_H
#define RINGOS_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/errno.h"

#define EXT2_EPERM        EPERM
#define EXT2_ENOENT       ENOENT
#define EXT2_EIO          EIO
#define EXT2_ENOMEM       ENOMEM
#define EXT2_EBUSY        EBUSY
#define EXT2_EEXIST       EEXIST
#define EXT2_ENOTDIR      ENOTDIR
#define EXT2_EISDIR       EISDIR
#define EXT2_EINVAL       EINVAL
#define EXT2_EFBIG        EFBIG
#define EXT2_ENOSPC       ENOSPC
#define EXT2_EROFS        EROFS
#define EXT2_EMLINK       EMLINK
#define EXT2_ENAMETOOLONG ENAMETOOLONG
#define EXT2_ENOTEMPTY    ENOTEMPTY
#define EXT2_EOPNOTSUPP   EOPNOTSUPP
#define EXT2_EUCLEAN      EUCLEAN

#define EXT2_ROOT_INO   2
#define EXT2_NAME_MAX   255             /* bytes in a name */
#define EXT2_LINK_MAX   32000           /* links to one inode (Linux's ext2) */

/* File types in a mode (Linux's S_IF*). */
#define EXT2_S_IFMT     0170000
#define EXT2_S_IFSOCK   0140000
#define EXT2_S_IFLNK    0120000
#define EXT2_S_IFREG    0100000
#define EXT2_S_IFBLK    0060000
#define EXT2_S_IFDIR    0040000
#define EXT2_S_IFCHR    0020000
#define EXT2_S_IFIFO    0010000

/* readdir's types (Linux's DT_*); EXT2_DT_UNKNOWN without the filetype feature. */
#define EXT2_DT_UNKNOWN 0
#define EXT2_DT_FIFO    1
#define EXT2_DT_CHR     2
#define EXT2_DT_DIR     4
#define EXT2_DT_BLK     6
#define EXT2_DT_REG     8
#define EXT2_DT_LNK     10
#define EXT2_DT_SOCK    12

/*
 * The disk. read and write move count 512-byte sectors starting at sector
 * and return 0, or anything else for an error (the library says -EXT2_EIO).
 * The library never asks for a sector at or past sectors. flush (optional)
 * makes what was written durable.
 */
struct ext2_dev {
	int (*read)(void *opaque, uint64_t sector, unsigned count, void *buf);
	int (*write)(void *opaque, uint64_t sector, unsigned count, const void *buf);
	int (*flush)(void *opaque);
	void *opaque;
	uint64_t sectors;               /* the device's size */
};

/* What the library needs from its host. */
struct ext2_host {
	/* NULL when out of memory. Used at mount (the filesystem, a few block
	 * buffers, 32 bytes of group descriptor per group) and by ext2_iget;
	 * no other call allocates. */
	void *(*alloc)(size_t size);
	void (*free)(void *p);          /* never called with NULL */
	/* Optional: the time in seconds since 1970, for the inodes' and the
	 * superblock's time stamps. Without it the superblock's last write time
	 * stands in (a plausible time that e2fsck accepts in a deleted inode). */
	uint32_t (*now)(void);
};

struct ext2_fs;

/* Mount flags. */
#define EXT2_MOUNT_RDONLY       1u

/*
 * Mount the filesystem on dev. The superblock is checked (magic, revision 0
 * or 1, 1, 2 or 4 KiB blocks, inode size, the counts against each other and
 * the device, every group's bitmaps and inode table inside its group) and
 * the root inode must be a directory. Errors, with a sentence in *why
 * (static, if why is not NULL):
 *   -EXT2_EINVAL      no ext2 magic, or the device is too small to hold one
 *   -EXT2_EOPNOTSUPP  a revision above 1, blocks above 4 KiB, or an
 *                     incompatible feature: compression, journal recovery
 *                     needed, a journal device, meta_bg, extents, 64bit, mmp,
 *                     flex_bg, inline data, ... (anything but filetype)
 *   -EXT2_EUCLEAN     inconsistent superblock or group descriptors
 *   -EXT2_EIO, -EXT2_ENOMEM
 * A read-only compatible feature other than sparse_super and large_file
 * (huge_file, gdt_csum, dir_nlink, metadata_csum, ...) mounts read-only
 * even without EXT2_MOUNT_RDONLY; *why then says so (else it is NULL).
 * A read-write mount marks the filesystem not clean and counts the mount.
 */
int ext2_mount(const struct ext2_dev *dev, const struct ext2_host *host, unsigned flags,
	       struct ext2_fs **out, const char **why);

/* Write everything back, mark the filesystem clean again (if it was when
 * mounted and no error was found since), and free it: fs is gone even when
 * the final writes fail (their error is returned). */
int ext2_unmount(struct ext2_fs *fs);

/* Write the superblock and group descriptors back and flush the device.
 * Data, inodes, directories and bitmaps are written as they change. */
int ext2_sync(struct ext2_fs *fs);

bool ext2_readonly(const struct ext2_fs *fs);
/* The first inconsistency found in the metadata since mount, or NULL. */
const char *ext2_error(const struct ext2_fs *fs);

struct ext2_statfs {
	uint32_t block_size;
	uint32_t blocks, free_blocks, reserved_blocks;
	uint32_t inodes, free_inodes;
	uint32_t name_max;
};
void ext2_statfs(const struct ext2_fs *fs, struct ext2_statfs *st);

struct ext2_stat {
	uint32_t ino;
	uint16_t mode;                  /* type and permission bits */
	uint16_t links;
	uint32_t uid, gid;
	uint64_t size;
	uint64_t blocks;                /* 512-byte units allocated, indirect blocks included */
	uint32_t atime, mtime, ctime;
	uint32_t rdev_major, rdev_minor; /* character and block devices */
	uint32_t flags;                 /* the inode's flags (EXT2_*_FL on disk) */
};

/*
 * Inodes and references. The VFS holds a reference (ext2_iget) on each
 * inode it has open; an inode whose last link goes while it is held keeps
 * its contents until the last ext2_iput (or the unmount), then it is freed.
 * -EXT2_EINVAL for a number that is not an inode of this filesystem (0, a
 * reserved one but the root, or past the count), -EXT2_ENOENT for one that
 * is not in use.
 */
int ext2_iget(struct ext2_fs *fs, uint32_t ino);
int ext2_iput(struct ext2_fs *fs, uint32_t ino);

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);

/* Look name up in dir: its inode number in *ino. -EXT2_ENOENT, -EXT2_ENOTDIR,
 * -EXT2_ENAMETOOLONG. "." and ".." are entries like the others. */
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t *ino);

struct ext2_dirent {
	uint32_t ino;
	uint8_t type;                   /* EXT2_DT_* */
	uint8_t name_len;
	char name[EXT2_NAME_MAX + 1];   /* NUL-terminated */
};

/*
 * The entries of dir in their order on disk, "." and ".." included. *pos
 * starts at 0 (it is a byte offset in the directory). Returns 1 with *de
 * filled and *pos moved past it, 0 at the end, or an error. Entries added
 * or removed meanwhile may be missed or seen twice, never anything worse.
 */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent *de);

/*
 * Regular files. read returns the bytes copied (0 at or past the end;
 * holes read as zeros). write returns the bytes written: all of len, or
 * fewer when the disk filled up or failed after some were written (else
 * -EXT2_ENOSPC / -EXT2_EIO), growing the file (a gap is a hole). Past the
 * largest size this filesystem allows: -EXT2_EFBIG. truncate shrinks
 * (freeing blocks, indirect ones too) or grows (a hole). A directory:
 * -EXT2_EISDIR; other types: -EXT2_EINVAL. At most 1 GiB per call.
 */
long ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t offset, void *buf, size_t len);
long ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t offset, const void *buf, size_t len);
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/*
 * New inodes, named name in dir, owned by uid:gid, mode's permission bits
 * (07777) kept; the new inode's number in *ino (if not NULL). Errors:
 *   -EXT2_EEXIST (name taken, or "." / ".."), -EXT2_ENOENT (empty name or
 *   dir no longer linked), -EXT2_ENOTDIR, -EXT2_ENAMETOOLONG, -EXT2_EINVAL
 *   (a '/' in name, a bad type), -EXT2_ENOSPC (no inode or block left),
 *   -EXT2_EMLINK (mkdir in a directory with EXT2_LINK_MAX links), -EXT2_EROFS.
 * mknod makes a regular file, a device, a FIFO or a socket by mode's type.
 */
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, uint16_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_mknod(struct ext2_fs *fs, uint32_t dir, const char *name, uint16_t mode,
	       uint32_t rdev_major, uint32_t rdev_minor, uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, uint16_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *ino);
/* A link to target (1 byte up to a block less one; ENOENT / ENAMETOOLONG
 * beyond): in the inode below 60 bytes, else in a block of its own. */
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, const char *target,
		 uint32_t uid, uint32_t gid, uint32_t *ino);
/* A symbolic link's target: up to len bytes, no NUL added; the count. -EXT2_EINVAL if not a link. */
long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len);

/* A new name for ino (not a directory: -EXT2_EPERM); -EXT2_EMLINK at EXT2_LINK_MAX. */
int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name);
/* Remove a non-directory's name: -EXT2_ENOENT, -EXT2_EISDIR (a directory, "." or ".."). */
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name);
/* Remove an empty directory: -EXT2_ENOTEMPTY (not empty, or ".."), -EXT2_EINVAL ("."),
 * -EXT2_ENOTDIR. */
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name);

/*
 * Move olddir/oldname to newdir/newname, replacing what is there (a
 * directory only by an empty directory, a non-directory only by a
 * non-directory; the replaced inode loses that link). Two names of one
 * inode: nothing happens. A directory moved to another parent gets its ".."
 * changed and both parents their link counts.
 *   -EXT2_ENOENT, -EXT2_EBUSY ("." or ".." on either side), -EXT2_EINVAL (a
 *   directory into itself or below itself), -EXT2_ENOTDIR, -EXT2_EISDIR,
 *   -EXT2_ENOTEMPTY, -EXT2_EMLINK, -EXT2_ENOSPC (nothing changed then),
 *   -EXT2_EUCLEAN (the ".." chain above newdir loops)
 */
int ext2_rename(struct ext2_fs *fs, uint32_t olddir, const char *oldname, uint32_t newdir,
		const char *newname);

/* Attributes: permission bits (07777; the type stays), owner, times. The
 * inode's change time becomes now. */
int ext2_chmod(struct ext2_fs *fs, uint32_t ino, uint16_t mode);
int ext2_chown(struct ext2_fs *fs, uint32_t ino, uint32_t uid, uint32_t gid);
int ext2_utimes(struct ext2_fs *fs, uint32_t ino, uint32_t atime, uint32_t mtime);

#endif
