/* ringos: open files, descriptors and the root filesystem (kernel/file.c). */
#ifndef RINGOS_FILE_H
#define RINGOS_FILE_H

#include "types.h"
#include "ramfs.h"
#include "vfs.h"
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
struct blkdev;
struct rvback;

struct file {
	unsigned refs;
	struct vnode vn;                /* the file, held; .mnt NULL for a pipe */
	struct pipe *pipe;              /* a pipe's end (which one: flags' access mode) */
	uint32_t rdev;                  /* a device node's number */
	struct blkdev *bd;              /* a disk's node: the disk */
	uint64_t offset;
	int flags;                      /* open(2) flags */
	char *text;                     /* a /proc file's text, made at open */
	uint32_t text_len;
	struct rvback *rvb;             /* /dev/rvctl: its backend channels (rvback.c), or NULL */
};

/* Pipes (kernel/pipe.c): a 4 KiB ring; readers wait for data, writers for
 * room; reading with no writer left is end of file, writing with no reader
 * left is EPIPE. */
int pipe_create(struct file **rd, struct file **wr);
long pipe_read(struct pipe *p, void *buf, size_t len, bool nonblock);
long pipe_write(struct pipe *p, const void *buf, size_t len, bool nonblock);
unsigned pipe_poll(const struct pipe *p, bool writer);
void pipe_close(struct pipe *p, bool writer);

/* Device numbers of the kernel's own filesystems (stat's st_dev), as Linux
 * gives its in-memory ones: the root ramfs 0:1, /proc 0:3. A disk's
 * filesystem has the disk's number (3:0 for hda). */
#define DEV_ROOTFS      0x0001
#define DEV_PROCFS      0x0003

extern struct ramfs rootfs;

/* Files with an offset that reads and writes go on from, and seeks set:
 * regular files and disks. */
static inline bool file_seekable(const struct file *f)
{
	return f->vn.type == VREG || f->vn.type == VBLK;
}

int fs_init(const void *cpio, size_t size);
/* The command line's mount=DEVICE:DIR[:ro] (kernel/sys_mount.c). */
void fs_mount_boot(const char *spec);
/* Before the machine goes: every filesystem synced and unmounted, the
 * disks' caches written. */
void fs_shutdown(void);
/* An open file on v (held: the file takes the hold over), or an error:
 * -ENXIO for a device no driver serves, -ESRCH for the /proc file of a
 * process gone, -ENOMEM. */
int file_open_vnode(const struct vnode *v, int flags, struct file **out);
void file_get(struct file *f);
void file_put(struct file *f);
long file_read(struct file *f, void *buf, size_t len);
bool file_is_console(const struct file *f);
bool file_is_rvctl(const struct file *f);         /* Domain 0's /dev/rvctl */
long file_write(struct file *f, const void *buf, size_t len);
long file_open_path(struct proc *p, const char *path, int flags, uint32_t mode);
long file_open_at(struct proc *p, const struct vnode *base, const char *path, int flags,
		  uint32_t mode);
/* Where relative paths start for p: its working directory (not held). */
void file_cwd(const struct proc *p, struct vnode *out);
/* What stat(2) reports: the filesystem's answer, a disk's size for its node. */
int file_stat(const struct vnode *v, struct kstat *st);
int file_stat_file(const struct file *f, struct kstat *st);

int fd_install(struct proc *p, struct file *f, int from);
struct file *fd_get(struct proc *p, uint32_t fd);
void fd_close_all(struct proc *p);
void fd_copy_all(struct proc *child, const struct proc *parent);

#endif
