/* ringos: open files, descriptors and the root filesystem (kernel/file.c). */
#ifndef RINGOS_FILE_H
#define RINGOS_FILE_H

#include "types.h"
#include "ramfs.h"
#include "uapi/errno.h"

#define NFD 64

/* open(2) flags, Linux i386 values. */
#define O_ACCMODE       3
#define O_RDONLY        0
#define O_WRONLY        1
#define O_RDWR          2
#define O_CREAT         0100
#define O_EXCL          0200
#define O_TRUNC         01000
#define O_APPEND        02000
#define O_NONBLOCK      04000
#define O_DIRECT        040000
#define O_DIRECTORY     0200000
#define O_NOFOLLOW      0400000
#define O_CLOEXEC       02000000


struct proc;

struct pipe;

struct file {
	unsigned refs;
	struct ramfs_node *node;        /* a file, a directory or a device node; NULL for a pipe */
	struct pipe *pipe;              /* a pipe's end (which one: flags' access mode) */
	uint64_t offset;
	int flags;                      /* open(2) flags */
	char *text;                     /* a /proc file's text, made at open */
	uint32_t text_len;
};

/* Pipes (kernel/pipe.c): a 4 KiB ring; readers wait for data, writers for
 * room; reading with no writer left is end of file, writing with no reader
 * left is EPIPE. */
int pipe_create(struct file **rd, struct file **wr);
long pipe_read(struct pipe *p, void *buf, size_t len, bool nonblock);
long pipe_write(struct pipe *p, const void *buf, size_t len, bool nonblock);
unsigned pipe_poll(const struct pipe *p, bool writer);
void pipe_close(struct pipe *p, bool writer);

/* Device numbers of the two filesystems (stat's st_dev), as Linux gives
 * its in-memory ones: the root ramfs 0:1, /proc 0:3. */
#define DEV_ROOTFS      0x0001
#define DEV_PROCFS      0x0003

struct kstat {
	uint32_t dev, ino, mode, nlink, rdev, blksize;
	uint64_t size, blocks;
};

extern struct ramfs rootfs;

/* Files with an offset that reads and writes go on from, and seeks set:
 * regular files and disks. */
static inline bool file_node_seekable(const struct ramfs_node *n)
{
	return n && (n->type == RAMFS_FILE || n->type == RAMFS_BLK);
}

int fs_init(const void *cpio, size_t size);
struct file *file_open_node(struct ramfs_node *node, int flags);
void file_get(struct file *f);
void file_put(struct file *f);
long file_read(struct file *f, void *buf, size_t len);
bool file_is_console(const struct file *f);
bool file_is_rvctl(const struct file *f);         /* Domain 0's /dev/rvctl */
long file_write(struct file *f, const void *buf, size_t len);
long file_open_path(struct proc *p, const char *path, int flags, uint32_t mode);
long file_open_at(struct proc *p, struct ramfs_node *base, const char *path, int flags,
		  uint32_t mode);
/* n's absolute path into buf: its length, or -ENOENT / -ENAMETOOLONG. */
long vfs_path_of(const struct ramfs_node *n, char *buf, size_t size);
/* The kernel's own nodes (/proc) that programs may read but not change. */
bool vfs_read_only_dir(const struct ramfs_node *dir);
bool vfs_read_only_node(const struct ramfs_node *n);
void file_stat(const struct ramfs_node *n, struct kstat *st);
void file_stat_file(const struct file *f, struct kstat *st);

int fd_install(struct proc *p, struct file *f, int from);
struct file *fd_get(struct proc *p, uint32_t fd);
void fd_close_all(struct proc *p);
void fd_copy_all(struct proc *child, const struct proc *parent);

#endif
