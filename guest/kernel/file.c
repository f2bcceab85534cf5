/*
 * ringos: files. The root filesystem is a ramfs unpacked from the initramfs
 * (newc cpio), the VFS's first mount (vfs.h, docs/vfs.md); /proc and the
 * disks' filesystems are mounted on it. Character devices (/dev/console,
 * /dev/null, /dev/zero) are nodes whose rdev picks a driver, and so are
 * block devices (/dev/hda, ..., blkdev.c). A process holds up to NFD open
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
#include "rvback.h"
#include "rvio.h"

struct ramfs rootfs;


static void *heap_alloc(size_t n)
{
	return kmalloc(n);
}

static const struct ramfs_ops heap_ops = { heap_alloc, kfree, NULL };

#define RDEV(maj, min) (((maj) << 8) | (min))
#define DEV_CONSOLE RDEV(5, 1)
#define DEV_NULL RDEV(1, 3)
#define DEV_ZERO RDEV(1, 5)
#define DEV_RVCTL RDEV(10, 240)         /* a misc device, as Linux's would be */
#define DEV_RVIOTEST RDEV(10, 241)      /* rvio's self-test (kernel/rvio_test.c) */

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
	struct mount *m;
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
	if (rvio_selftest_on)
		add_dev(dev, "rviotest", DEV_RVIOTEST);
	blkdev_make_nodes(dev);
	serial_init(dev);
	if (!(m = vfs_ramfs_mount(&rootfs, false)))
		return -ENOMEM;
	m->dev = DEV_ROOTFS;
	snprintf(m->source, sizeof(m->source), "ramfs");
	vfs_mount_root(m);
	return procfs_init();
}

void file_cwd(const struct proc *p, struct vnode *out)
{
	if (p->cwd.mnt)
		*out = p->cwd;
	else
		vfs_root(out);
}

static bool known_chr(uint32_t rdev)
{
	return rdev == DEV_CONSOLE || rdev == DEV_NULL || rdev == DEV_ZERO ||
	       (rdev == DEV_RVCTL && arch_privileged()) || (rdev == DEV_RVIOTEST && rvio_selftest_on) ||
	       serial_is_rdev(rdev);
}

int file_open_vnode(const struct vnode *v, int flags, struct file **out)
{
	struct kstat st;
	int rc = 0;
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->refs = 1;
	f->vn = *v;
	f->flags = flags;
	if (v->type == VCHR || v->type == VBLK) {
		if ((rc = vfs_stat(v, &st)))
			goto fail;
		f->rdev = st.rdev;
		f->bd = v->type == VBLK ? blkdev_find(st.rdev) : NULL;
		if (v->type == VBLK ? !f->bd : !known_chr(st.rdev)) {
			rc = -ENXIO;            /* no driver for that number */
			goto fail;
		}
	}
	f->text = procfs_text(v, &f->text_len, &rc);
	if (rc)
		goto fail;
	*out = f;
	return 0;
fail:
	kfree(f);
	return rc;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	rvback_release(f->rvb);         /* its channels go with the last reference */
	if (f->pipe)
		pipe_close(f->pipe, (f->flags & O_ACCMODE) == O_WRONLY);
	else if (f->vn.mnt)
		vfs_put(&f->vn);
	kfree(f->text);
	kfree(f);
}

static uint32_t rdev_of(const struct file *f)
{
	return f->vn.type == VCHR ? f->rdev : 0;
}

long file_read(struct file *f, void *buf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	bool nonblock = f->flags & O_NONBLOCK;
	if (f->pipe)
		return pipe_read(f->pipe, buf, len, nonblock);
	if (serial_is_rdev(rdev_of(f)))
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
	case DEV_RVIOTEST:
		return rvio_selftest_read(buf, len);
	}
	if (f->vn.type == VDIR)
		return -EISDIR;
	if (f->text) {
		if (f->offset >= f->text_len)
			return 0;
		uint32_t n = MIN((uint32_t)len, f->text_len - (uint32_t)f->offset);
		memcpy(buf, f->text + f->offset, n);
		f->offset += n;
		return (long)n;
	}
	long n = f->bd ? blkdev_read(f->bd, f->offset, buf, len) : vfs_read(&f->vn, f->offset, buf, len);
	if (n > 0)
		f->offset += (uint64_t)n;
	return n;
}

long file_write(struct file *f, const void *buf, size_t len)
{
	struct kstat st;
	long n;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (f->pipe)
		return pipe_write(f->pipe, buf, len, f->flags & O_NONBLOCK);
	if (serial_is_rdev(rdev_of(f)))
		return serial_write(buf, len);
	switch (rdev_of(f)) {
	case DEV_CONSOLE:
		return tty_write(buf, len);
	case DEV_NULL:
	case DEV_ZERO:
		return (long)len;
	case DEV_RVCTL:
		return -EINVAL;
	case DEV_RVIOTEST:
		return rvio_selftest_write(buf, len);
	}
	if (f->bd) {
		n = blkdev_write(f->bd, f->offset, buf, len);
	} else {
		/* The end and the write at it as one step: no other append between. */
		vfs_lock();
		n = (f->flags & O_APPEND) ? vfs_stat(&f->vn, &st) : 0;
		if (!n && (f->flags & O_APPEND))
			f->offset = st.size;
		if (!n)
			n = vfs_write(&f->vn, f->offset, buf, len);
		vfs_unlock();
	}
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
	if (serial_is_rdev(rdev_of(f)))
		return serial_poll();
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;     /* disks never keep anyone waiting long */
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
	if (p->cwd.mnt) {
		vfs_put(&p->cwd);
		p->cwd.mnt = NULL;
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
	if (child->cwd.mnt)
		vfs_hold(&child->cwd);          /* held already: only counted */
}

long file_open_path(struct proc *p, const char *path, int flags, uint32_t mode)
{
	struct vnode base;
	file_cwd(p, &base);
	return file_open_at(p, &base, path, flags, mode);
}

/* What open(2) refuses of the file it found, or truncates. */
static int open_check(const struct vnode *v, int flags)
{
	bool write = (flags & O_ACCMODE) != O_RDONLY;

	if (v->type == VLNK)
		return -ELOOP;                  /* O_NOFOLLOW on a link */
	if (v->type == VDIR && write)
		return -EISDIR;
	if ((v->mnt->flags & VFS_MNT_KERNEL) && write)
		return -EACCES;
	if ((v->mnt->flags & VFS_MNT_RDONLY) && write)
		return -EROFS;
	if ((flags & O_DIRECTORY) && v->type != VDIR)
		return -ENOTDIR;
	if ((flags & O_TRUNC) && v->type == VREG && write)
		return vfs_truncate(v, 0);
	return 0;
}

/* The file open(2) opens, found or created, checked: *v held. */
static int open_vnode(struct proc *p, const struct vnode *base, const char *path, int flags,
		      uint32_t mode, struct vnode *v)
{
	int rc = vfs_lookup(base, path, (flags & O_NOFOLLOW) ? VFS_NOFOLLOW : 0, v);

	if (rc == -ENOENT && (flags & O_CREAT)) {
		struct vnode dir;
		char name[VFS_NAME_MAX + 1];
		bool slash;
		if ((rc = vfs_lookup_parent(base, path, &dir, name, &slash)))
			return rc;
		rc = slash ? -EISDIR : vfs_create(&dir, name, mode & 07777 & ~p->umask, v);
		vfs_put(&dir);
		if (rc)
			return rc;
	} else if (rc) {
		return rc;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		vfs_put(v);
		return -EEXIST;
	}
	if ((rc = open_check(v, flags)))
		vfs_put(v);
	return rc;
}

/* Open path relative to base (the working directory or a directory
 * descriptor's), as open(2) does: found, checked and installed as one step. */
long file_open_at(struct proc *p, const struct vnode *base, const char *path, int flags,
		  uint32_t mode)
{
	struct vnode v;
	struct file *f;
	long rc;

	vfs_lock();
	if ((rc = open_vnode(p, base, path, flags, mode, &v)))
		goto out;
	if ((rc = file_open_vnode(&v, flags, &f))) {
		vfs_put(&v);
		goto out;
	}
	if ((rc = fd_install(p, f, 0)) < 0)
		file_put(f);
out:
	vfs_unlock();
	return rc;
}

int file_stat_file(const struct file *f, struct kstat *st)
{
	if (f->pipe) {
		memset(st, 0, sizeof(*st));
		st->mode = 0010600;     /* S_IFIFO */
		st->nlink = 1;
		st->blksize = 4096;
		return 0;
	}
	return file_stat(&f->vn, st);
}

int file_stat(const struct vnode *v, struct kstat *st)
{
	int rc = vfs_stat(v, st);
	struct blkdev *bd = v->type == VBLK && !rc ? blkdev_find(st->rdev) : NULL;
	/* A disk's size, unlike Linux's 0, so that stat tells it too. */
	if (bd)
		st->size = blkdev_size(bd);
	return rc;
}
