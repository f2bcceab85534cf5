/*
 * ringos: files. The root filesystem is a ramfs unpacked from the initramfs
 * (newc cpio); character devices (/dev/console, /dev/null, /dev/zero) are
 * ramfs nodes whose rdev picks a driver, and so are block devices (/dev/hda,
 * ..., blkdev.c). A process holds up to NFD open
 * files; an open file is shared by dup and fork (one offset).
 */
#include "file.h"
#include "uapi/errno.h"
#include "kernel.h"
#include "tty.h"
#include "proc.h"
#include "poll.h"
#include "procfs.h"
#include "arch.h"
#include "blkdev.h"
#include "serial.h"

struct ramfs rootfs;


static void *heap_alloc(size_t n)
{
	return kmalloc(n);
}

static const struct ramfs_ops heap_ops = { heap_alloc, kfree, procfs_link_target };

#define RDEV(maj, min) (((maj) << 8) | (min))
#define DEV_CONSOLE RDEV(5, 1)
#define DEV_NULL RDEV(1, 3)
#define DEV_ZERO RDEV(1, 5)
#define DEV_RVCTL RDEV(10, 240)         /* a misc device, as Linux's would be */

static void add_dev(struct ramfs_node *dev, const char *name, uint32_t rdev)
{
	struct ramfs_node *n;
	if (ramfs_create(dev, name, RAMFS_CHR, &n) == 0) {
		n->rdev = rdev;
		n->mode = 0666;
	}
}

int fs_init(const void *cpio, size_t size)
{
	struct ramfs_node *dev;
	int rc = ramfs_init(&rootfs, &heap_ops);
	if (rc)
		return rc;
	if (cpio && (rc = ramfs_load_cpio(rootfs.root, cpio, size)) < 0)
		return rc;              /* else: how many entries were unpacked */
	if (ramfs_lookup(rootfs.root, "/dev", &dev) && ramfs_mkdir(rootfs.root, "dev", &dev))
		return -ENOMEM;
	add_dev(dev, "console", DEV_CONSOLE);
	add_dev(dev, "null", DEV_NULL);
	add_dev(dev, "zero", DEV_ZERO);
	if (arch_privileged()) {
		struct ramfs_node *n;
		add_dev(dev, "rvctl", DEV_RVCTL);
		if (!ramfs_lookup(dev, "rvctl", &n))
			n->mode = 0600;         /* root's: it controls the machine */
	}
	blkdev_make_nodes(dev);
	serial_init(dev);
	return procfs_init(rootfs.root);
}

/* A node's absolute path: the names up to the root, written right to
 * left, then moved to the front. The length, or -ENOENT (removed) /
 * -ENAMETOOLONG. */
long vfs_path_of(const struct ramfs_node *n, char *buf, size_t size)
{
	size_t at = size - 1;
	buf[at] = '\0';
	for (; n != rootfs.root; n = n->parent) {
		if (!n->parent)
			return -ENOENT;
		if (n->name_len + 1 > at)
			return -36;     /* ENAMETOOLONG */
		at -= n->name_len;
		memcpy(buf + at, n->name, n->name_len);
		buf[--at] = '/';
	}
	if (at == size - 1)
		buf[--at] = '/';
	memmove(buf, buf + at, size - at);
	return (long)(size - 1 - at);
}

bool vfs_read_only_dir(const struct ramfs_node *dir)
{
	return procfs_node(dir);
}

bool vfs_read_only_node(const struct ramfs_node *n)
{
	return procfs_node(n);
}

struct file *file_open_node(struct ramfs_node *node, int flags)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->node = node;
	f->flags = flags;
	if (procfs_file(node)) {
		int err;
		if (!(f->text = procfs_generate(node, &f->text_len, &err))) {
			kfree(f);
			return NULL;
		}
	}
	ramfs_get(node);
	return f;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->pipe)
		pipe_close(f->pipe, (f->flags & O_ACCMODE) == O_WRONLY);
	else
		ramfs_put(f->node);
	kfree(f->text);
	kfree(f);
}

static uint32_t rdev_of(const struct file *f)
{
	return f->node && f->node->type == RAMFS_CHR ? f->node->rdev : 0;
}

long file_read(struct file *f, void *buf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	bool nonblock = f->flags & O_NONBLOCK;
	if (f->pipe)
		return pipe_read(f->pipe, buf, len, nonblock);
	if (serial_is_node(f->node))
		return serial_read(buf, len, nonblock);
	switch (rdev_of(f)) {
	case DEV_CONSOLE:
		return tty_read(buf, len, nonblock);
	case DEV_NULL:
		return 0;
	case DEV_ZERO:
		memset(buf, 0, len);
		return (long)len;
	case DEV_RVCTL:
		return -EINVAL;         /* its ioctl is all it does */
	}
	if (f->node->type == RAMFS_DIR)
		return -EISDIR;
	if (f->text) {
		if (f->offset >= f->text_len)
			return 0;
		uint32_t n = MIN((uint32_t)len, f->text_len - (uint32_t)f->offset);
		memcpy(buf, f->text + f->offset, n);
		f->offset += n;
		return (long)n;
	}
	struct blkdev *bd = blkdev_of(f->node);
	long n = bd ? blkdev_read(bd, f->offset, buf, len) : ramfs_read(f->node, f->offset, buf, len);
	if (n > 0)
		f->offset += (uint64_t)n;
	return n;
}

long file_write(struct file *f, const void *buf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (f->pipe)
		return pipe_write(f->pipe, buf, len, f->flags & O_NONBLOCK);
	if (serial_is_node(f->node))
		return serial_write(buf, len);
	switch (rdev_of(f)) {
	case DEV_CONSOLE:
		return tty_write(buf, len);
	case DEV_NULL:
	case DEV_ZERO:
		return (long)len;
	case DEV_RVCTL:
		return -EINVAL;
	}
	struct blkdev *bd = blkdev_of(f->node);
	if (!bd && (f->flags & O_APPEND))
		f->offset = f->node->size;
	long n = bd ? blkdev_write(bd, f->offset, buf, len) : ramfs_write(f->node, f->offset, buf, len);
	if (n > 0)
		f->offset += (uint64_t)n;
	return n;
}

unsigned file_poll(struct file *f)
{
	if (f->pipe)
		return pipe_poll(f->pipe, (f->flags & O_ACCMODE) == O_WRONLY);
	if (rdev_of(f) == DEV_CONSOLE)
		return tty_poll();
	if (serial_is_node(f->node))
		return serial_poll();
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;     /* memory never waits */
}

bool file_is_console(const struct file *f)
{
	return rdev_of(f) == DEV_CONSOLE;
}

bool file_is_rvctl(const struct file *f)
{
	return rdev_of(f) == DEV_RVCTL;
}

/* ---- descriptors ---- */

int fd_install(struct proc *p, struct file *f, int from)
{
	for (int fd = from; fd < NFD; fd++)
		if (!p->fds[fd]) {
			p->fds[fd] = f;
			/* close-on-exec belongs to the descriptor, not the file */
			p->fd_cloexec[fd] = (f->flags & O_CLOEXEC) != 0;
			f->flags &= ~O_CLOEXEC;
			return fd;
		}
	return -EMFILE;
}

struct file *fd_get(struct proc *p, uint32_t fd)
{
	return fd < NFD ? p->fds[fd] : NULL;
}

void fd_close_all(struct proc *p)
{
	for (int fd = 0; fd < NFD; fd++)
		if (p->fds[fd]) {
			file_put(p->fds[fd]);
			p->fds[fd] = NULL;
		}
	if (p->cwd) {
		ramfs_put(p->cwd);
		p->cwd = NULL;
	}
}

void fd_copy_all(struct proc *child, const struct proc *parent)
{
	for (int fd = 0; fd < NFD; fd++)
		if ((child->fds[fd] = parent->fds[fd])) {
			file_get(child->fds[fd]);
			child->fd_cloexec[fd] = parent->fd_cloexec[fd];
		}
	child->cwd = parent->cwd;
	if (child->cwd)
		ramfs_get(child->cwd);
}

long file_open_path(struct proc *p, const char *path, int flags, uint32_t mode)
{
	return file_open_at(p, p->cwd ? p->cwd : rootfs.root, path, flags, mode);
}

/* Open path relative to base (the working directory or a directory
 * descriptor's), as open(2) does. */
long file_open_at(struct proc *p, struct ramfs_node *base, const char *path, int flags,
		  uint32_t mode)
{
	struct ramfs_node *node;
	int rc = ramfs_lookup_flags(base, path, (flags & O_NOFOLLOW) ? RAMFS_NOFOLLOW : 0, &node);

	if (rc == -ENOENT && (flags & O_CREAT)) {
		struct ramfs_node *dir;
		char name[RAMFS_NAME_MAX + 1];
		bool slash;
		if ((rc = ramfs_lookup_parent(base, path, &dir, name, &slash)))
			return rc;
		if (slash)
			return -EISDIR;
		if (vfs_read_only_dir(dir))
			return -EACCES;
		if ((rc = ramfs_create(dir, name, RAMFS_FILE, &node)))
			return rc;
		node->mode = mode & 07777 & ~p->umask;
	} else if (rc) {
		return rc;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		return -EEXIST;
	}
	if (node->type == RAMFS_SYMLINK)
		return -ELOOP;                 /* O_NOFOLLOW on a link */
	if (node->type == RAMFS_DIR && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if (vfs_read_only_node(node) && (flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	if ((flags & O_DIRECTORY) && node->type != RAMFS_DIR)
		return -ENOTDIR;
	if ((flags & O_TRUNC) && node->type == RAMFS_FILE && (flags & O_ACCMODE) != O_RDONLY)
		ramfs_truncate(node, 0);
	struct file *f = file_open_node(node, flags);
	if (!f)
		return -ENOMEM;
	int fd = fd_install(p, f, 0);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* What stat(2) reports of a node. */
void file_stat_file(const struct file *f, struct kstat *st)
{
	if (f->pipe) {
		memset(st, 0, sizeof(*st));
		st->mode = 0010600;     /* S_IFIFO */
		st->nlink = 1;
		st->blksize = 4096;
		return;
	}
	file_stat(f->node, st);
}

void file_stat(const struct ramfs_node *n, struct kstat *st)
{
	static const uint32_t fmt[] = { 0, 0040000, 0100000, 0020000, 0120000, 0060000 };
	bool dev = n->type == RAMFS_CHR || n->type == RAMFS_BLK;
	st->dev = procfs_node(n) ? DEV_PROCFS : DEV_ROOTFS;
	st->ino = n->ino;
	st->mode = fmt[n->type] | (n->mode & 07777);
	st->nlink = n->type == RAMFS_DIR ? 2 : 1;
	/* A disk's size, unlike Linux's 0, so that stat tells it too. */
	st->size = blkdev_of(n) ? blkdev_size(blkdev_of(n)) : dev ? 0 : n->size;
	st->rdev = dev ? n->rdev : 0;
	st->blksize = 4096;
	st->blocks = dev ? 0 : (st->size + 511) / 512;
}
