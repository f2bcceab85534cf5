/*
 * ramfs: the in-memory filesystem under ringos's VFS. A tree of nodes
 * (directories, regular files, character and block devices, symbolic
 * links) whose memory comes from the allocator given to ramfs_init(),
 * filled at boot from the newc cpio initramfs (ramfs_load_cpio). Pure and
 * freestanding: no locking (the caller serializes), no permission checks,
 * no time stamps; those belong to the VFS. The host unit tests run it over
 * malloc.
 *
 * Every function returns 0 (or a count) or a negative RAMFS_E* value, which
 * are Linux's errno values, so the VFS hands them to programs unchanged.
 *
 * Lifetime: a node belongs to the tree while it is linked in a directory.
 * The VFS takes a reference (ramfs_get) for each open file or working
 * directory and drops it with ramfs_put; an unlinked, removed or replaced
 * node stays usable until its last reference is dropped, then it is freed.
 */
#ifndef RINGOS_RAMFS_H
#define RINGOS_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/errno.h"

/* The errors ramfs returns (negated): ringos's Linux numbers (uapi/errno.h). */
#define RAMFS_ENOENT           ENOENT
#define RAMFS_ENOMEM           ENOMEM
#define RAMFS_EBUSY            EBUSY
#define RAMFS_EEXIST           EEXIST
#define RAMFS_ENOTDIR          ENOTDIR
#define RAMFS_EISDIR           EISDIR
#define RAMFS_EINVAL           EINVAL
#define RAMFS_EFBIG            EFBIG
#define RAMFS_ENAMETOOLONG     ENAMETOOLONG
#define RAMFS_ENOTEMPTY        ENOTEMPTY
#define RAMFS_ELOOP            ELOOP

#define RAMFS_NAME_MAX  255             /* bytes in one path component */
#define RAMFS_PATH_MAX  4096            /* bytes in a path, its NUL included */
#define RAMFS_FILE_MAX  (1u << 30)      /* bytes in one file (-RAMFS_EFBIG beyond) */
#define RAMFS_LINK_MAX  40              /* symbolic links followed in one lookup */
#define RAMFS_LINK_NEST 8               /* ... nested inside each other (recursion depth) */

enum ramfs_type {
	RAMFS_DIR = 1,
	RAMFS_FILE,
	RAMFS_CHR,
	RAMFS_SYMLINK,
	RAMFS_BLK,                      /* a block device */
};

#define RAMFS_LINK_COMPUTED_MAX 32 /* bytes of a computed link target */

struct ramfs_node;

struct ramfs_ops {
	void *(*alloc)(size_t size);    /* NULL when out of memory */
	void (*free)(void *p);          /* never called with NULL */
	/* Optional: a link whose target the VFS computes each time it is
	 * followed or read (/proc/self): the target written to buf (at most
	 * size bytes), its length, or 0 for the link's stored target. */
	size_t (*link_target)(const struct ramfs_node *link, char *buf, size_t size);
};

struct ramfs_node;

struct ramfs {
	struct ramfs_ops ops;
	struct ramfs_node *root;
	uint32_t next_ino;              /* the root is 1 */
	size_t nodes;                   /* allocated nodes, unlinked ones held open included */
};

struct ramfs_node {
	struct ramfs *fs;
	struct ramfs_node *parent;      /* containing directory; the root's own; NULL once unlinked */
	struct ramfs_node *next;        /* next entry of the same directory */
	struct ramfs_node *children;    /* RAMFS_DIR: the entries, in creation order */
	char *name;                     /* NUL-terminated; NULL for the root */
	size_t name_len;
	uint32_t ino;
	enum ramfs_type type;
	uint32_t mode;                  /* permission bits (07777); the VFS may change them */
	uint32_t rdev;                  /* RAMFS_CHR, RAMFS_BLK: Linux's encoding (major << 8 | minor when small) */
	unsigned refs;                  /* ramfs_get()s not yet put */
	uint8_t *data;                  /* RAMFS_FILE: the bytes; RAMFS_SYMLINK: the target */
	size_t size;                    /* bytes of data in use */
	size_t cap;                     /* bytes allocated at data */
	void *priv;                     /* for the VFS (a device driver, ...) */
};

struct ramfs_dirent {
	const char *name;               /* valid until the directory changes */
	size_t name_len;
	enum ramfs_type type;
	uint32_t ino;
};

/* An empty filesystem: a root directory, mode 0755. 0 or -RAMFS_ENOMEM. */
int ramfs_init(struct ramfs *fs, const struct ramfs_ops *ops);

/* Free every node in the tree (nodes still referenced but unlinked are freed by their last ramfs_put). */
void ramfs_destroy(struct ramfs *fs);

void ramfs_get(struct ramfs_node *node);
void ramfs_put(struct ramfs_node *node);

/*
 * Resolve path from cwd (absolute paths from the root of cwd's filesystem).
 * Repeated slashes are one; "." and ".." work everywhere (".." of the root is
 * the root); a trailing slash demands a directory; symbolic links are
 * followed, the last component too unless flags has RAMFS_NOFOLLOW (a
 * trailing slash still follows it). Errors:
 *   -RAMFS_ENOENT        a component does not exist, the path is empty, or
 *                        ".." leads out of a removed directory
 *   -RAMFS_ENOTDIR       a component before a slash, ".", ".." or a further
 *                        name is not a directory
 *   -RAMFS_ENAMETOOLONG  a component longer than RAMFS_NAME_MAX, or a path of
 *                        RAMFS_PATH_MAX bytes or more
 *   -RAMFS_ELOOP         more than RAMFS_LINK_MAX links in all, or links in
 *                        the paths of link targets nested deeper than
 *                        RAMFS_LINK_NEST (a plain chain a -> b -> c does not nest)
 */
#define RAMFS_NOFOLLOW  1u
int ramfs_lookup(struct ramfs_node *cwd, const char *path, struct ramfs_node **out);
int ramfs_lookup_flags(struct ramfs_node *cwd, const char *path, unsigned flags,
		       struct ramfs_node **out);

/*
 * For calls that create or remove: resolve all but the last component of
 * path to a directory *dir and copy the last one to name ("/" gives the root
 * and "."). *trailing_slash (if not NULL) says whether the path ended in '/'.
 * Errors as ramfs_lookup, -RAMFS_ENOTDIR if the parent is not a directory.
 */
int ramfs_lookup_parent(struct ramfs_node *cwd, const char *path, struct ramfs_node **dir,
			char name[RAMFS_NAME_MAX + 1], bool *trailing_slash);

/*
 * The calls below that take a name take one path component (as
 * ramfs_lookup_parent returns it): an empty one is -RAMFS_ENOENT, one over
 * RAMFS_NAME_MAX bytes -RAMFS_ENAMETOOLONG, one with a '/' -RAMFS_EINVAL.
 * They never follow a symbolic link named by name.
 *
 * New node name in dir: RAMFS_DIR (mode 0755), RAMFS_FILE (0644, empty) or
 * RAMFS_CHR or RAMFS_BLK (0644, rdev 0). *out (if not NULL) gets it, unreferenced.
 * -RAMFS_EEXIST (name taken, or "." / ".."), -RAMFS_ENOENT (empty name, or
 * dir was removed), -RAMFS_ENOTDIR, -RAMFS_ENAMETOOLONG, -RAMFS_EINVAL (a '/'
 * in name, or another type), -RAMFS_ENOMEM.
 */
int ramfs_create(struct ramfs_node *dir, const char *name, enum ramfs_type type,
		 struct ramfs_node **out);
int ramfs_mkdir(struct ramfs_node *dir, const char *name, struct ramfs_node **out);
/* A symbolic link (mode 0777) to target (1 to RAMFS_PATH_MAX - 1 bytes, else -RAMFS_ENOENT / -RAMFS_ENAMETOOLONG). */
int ramfs_symlink(struct ramfs_node *dir, const char *name, const char *target,
		  struct ramfs_node **out);

/* Remove a non-directory: -RAMFS_ENOENT, -RAMFS_EISDIR (a directory, "." or ".."), -RAMFS_ENOTDIR. */
int ramfs_unlink(struct ramfs_node *dir, const char *name);
/* Remove an empty directory: -RAMFS_ENOENT, -RAMFS_ENOTDIR, -RAMFS_ENOTEMPTY
 * (not empty, or ".."), -RAMFS_EINVAL ("."). */
int ramfs_rmdir(struct ramfs_node *dir, const char *name);

/*
 * Move olddir/oldname to newdir/newname, replacing what is there (a
 * directory only by an empty directory, a non-directory only by a
 * non-directory). Renaming a node onto itself does nothing.
 *   -RAMFS_ENOENT     oldname does not exist, an empty name, or newdir was removed
 *   -RAMFS_EBUSY      "." or ".." on either side
 *   -RAMFS_EINVAL     a directory into itself or below itself
 *   -RAMFS_ENOTDIR    a directory over a non-directory (or a dir argument is not one)
 *   -RAMFS_EISDIR     a non-directory over a directory
 *   -RAMFS_ENOTEMPTY  over a directory that is not empty
 *   -RAMFS_ENAMETOOLONG, -RAMFS_ENOMEM (nothing changed then)
 */
int ramfs_rename(struct ramfs_node *olddir, const char *oldname, struct ramfs_node *newdir,
		 const char *newname);

/*
 * File contents. read returns the bytes copied (0 at or past the end); write
 * returns len, growing the file and filling any gap with zeros, or
 * -RAMFS_EFBIG (past RAMFS_FILE_MAX) / -RAMFS_ENOMEM with the file unchanged.
 * truncate shrinks or grows (with zeros). On a directory: -RAMFS_EISDIR; on
 * anything else that is not a regular file: -RAMFS_EINVAL.
 */
long ramfs_read(struct ramfs_node *node, uint64_t offset, void *buf, size_t len);
long ramfs_write(struct ramfs_node *node, uint64_t offset, const void *buf, size_t len);
int ramfs_truncate(struct ramfs_node *node, uint64_t size);

/* A symbolic link's target: up to len bytes, no NUL added; returns the count. -RAMFS_EINVAL if not a link. */
long ramfs_readlink(struct ramfs_node *node, char *buf, size_t len);

/*
 * The entries of dir one by one: "." and ".." first, then the others in
 * creation order. *cookie starts at 0. Returns 1 with *de filled, 0 at the
 * end, -RAMFS_ENOTDIR. Entries added or removed meanwhile may be skipped or
 * seen twice, never anything worse.
 */
int ramfs_readdir(struct ramfs_node *dir, size_t *cookie, struct ramfs_dirent *de);

/*
 * Unpack a newc archive under root: directories, regular files, symbolic
 * links and character devices, with their permission bits (rdev as major <<
 * 8 | minor, as Linux's st_rdev for small numbers). Names may start with "./"
 * or "/"; "." is root itself (its mode is taken). Missing parent directories
 * are created (0755). An existing entry is replaced (a directory only if
 * empty, else -RAMFS_ENOTEMPTY), except that a directory entry only updates
 * the mode of an existing directory. Names with ".." or going through a
 * symbolic link (-RAMFS_ENOTDIR) are refused, so nothing lands outside root.
 * Hard links are not kept: each name gets its own copy. Returns the number of
 * entries unpacked (the trailer not counted), or a negative error (what was
 * unpacked before stays): -RAMFS_EINVAL for a corrupt archive (no trailer,
 * cpio_next's refusals), a ".." component, another file type, a link target
 * that is empty, has a NUL or RAMFS_PATH_MAX bytes; -RAMFS_ENOENT if root was
 * removed; -RAMFS_ENAMETOOLONG, -RAMFS_EFBIG, -RAMFS_ENOMEM.
 */
int ramfs_load_cpio(struct ramfs_node *root, const void *archive, size_t size);

#endif
