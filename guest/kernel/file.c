/*
 * ringos: files. The root filesystem is a ramfs unpacked from the initramfs
 * (newc cpio); character devices (/dev/console, /dev/null, /dev/zero) are
 * ramfs nodes whose rdev picks a driver. A process holds up to NFD open
 * files; an open file is shared by dup and fork (one offset).
 */
#include "file.h"
#include "errno.h"
#include "kernel.h"
#include "tty.h"
#include "proc.h"

struct ramfs rootfs;

static void *heap_alloc(size_t n)
{
	return kmalloc(n);
}

static const struct ramfs_ops heap_ops = { heap_alloc, kfree };

#define RDEV(maj, min) (((maj) << 8) | (min))
#define DEV_CONSOLE RDEV(5, 1)
#define DEV_NULL RDEV(1, 3)
#define DEV_ZERO RDEV(1, 5)

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
	return 0;
}

struct file *file_open_node(struct ramfs_node *node, int flags)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->node = node;
	f->flags = flags;
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
	if (f->pipe)
		return pipe_read(f->pipe, buf, len);
	switch (rdev_of(f)) {
	case DEV_CONSOLE:
		return tty_read(buf, len);
	case DEV_NULL:
		return 0;
	case DEV_ZERO:
		memset(buf, 0, len);
		return (long)len;
	}
	if (f->node->type == RAMFS_DIR)
		return -EISDIR;
	long n = ramfs_read(f->node, f->offset, buf, len);
	if (n > 0)
		f->offset += (uint64_t)n;
	return n;
}

long file_write(struct file *f, const void *buf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (f->pipe)
		return pipe_write(f->pipe, buf, len);
	switch (rdev_of(f)) {
	case DEV_CONSOLE:
		arch_console_write(buf, len);
		return (long)len;
	case DEV_NULL:
	case DEV_ZERO:
		return (long)len;
	}
	if (f->flags & O_APPEND)
		f->offset = f->node->size;
	long n = ramfs_write(f->node, f->offset, buf, len);
	if (n > 0)
		f->offset += (uint64_t)n;
	return n;
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

/* Open path relative to p's working directory, as open(2) does. */
long file_open_path(struct proc *p, const char *path, int flags, uint32_t mode)
{
	struct ramfs_node *node;
	int rc = ramfs_lookup(p->cwd ? p->cwd : rootfs.root, path, &node);

	if (rc == -ENOENT && (flags & O_CREAT)) {
		struct ramfs_node *dir;
		char name[RAMFS_NAME_MAX + 1];
		bool slash;
		if ((rc = ramfs_lookup_parent(p->cwd ? p->cwd : rootfs.root, path, &dir, name,
					      &slash)))
			return rc;
		if (slash)
			return -EISDIR;
		if ((rc = ramfs_create(dir, name, RAMFS_FILE, &node)))
			return rc;
		node->mode = mode & 07777;
	} else if (rc) {
		return rc;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		return -EEXIST;
	}
	if (node->type == RAMFS_DIR && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
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
	static const uint32_t fmt[] = { 0, 0040000, 0100000, 0020000, 0120000 };
	st->ino = n->ino;
	st->mode = fmt[n->type] | (n->mode & 07777);
	st->nlink = n->type == RAMFS_DIR ? 2 : 1;
	st->size = n->type == RAMFS_CHR ? 0 : n->size;
	st->rdev = n->type == RAMFS_CHR ? n->rdev : 0;
	st->blksize = 4096;
	st->blocks = (st->size + 511) / 512;
}
