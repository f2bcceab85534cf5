/*
 * ringos: the calls that open, read, write, seek and close files: read,
 * write, readv, writev, pread64, pwrite64, sendfile, open, openat, close,
 * lseek, _llseek. Data goes through a small kernel buffer, copied to or
 * from user memory with its bounds checked.
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

#include "path.h"
#include "fwd.h"

/*
 * The kernel buffer a transfer goes through: 512 bytes on the stack, or
 * for a regular file in a filesystem a pooled 4 KiB one, since each call
 * into ext2 reads the inode and its block map again (and a block of 1 KiB
 * or more is the unit the disk is read and written in).
 */
struct xfer {
	char small[512];
	char *buf;
	uint32_t size;
	bool big;                       /* buf is kmalloc's */
};

static void xfer_begin(struct xfer *x, const struct file *file)
{
	/* A forwarded file: a request's worth (16 KiB), one request a turn. */
	x->big = file->vn.type == VREG && vnode_forwarded(&file->vn);
	x->buf = x->big ? kmalloc(FWD_XFER) : NULL;
	if (x->buf) {
		x->size = FWD_XFER;
		return;
	}
	x->big = false;
	x->buf = file->vn.type == VREG && !file->text ? path_get() : NULL;
	x->size = x->buf ? PATH_MAX_ : sizeof(x->small);
	if (!x->buf)
		x->buf = x->small;
}

static void xfer_end(struct xfer *x)
{
	if (x->big)
		kfree(x->buf);
	else if (x->buf != x->small)
		path_put(x->buf);
}

static long do_read(uint32_t fd, uint32_t ubuf, uint32_t len)
{
	struct file *file = fd_get(curproc, fd);
	struct xfer x;
	uint32_t done = 0;
	long rc = 0;

	if (!file)
		return -EBADF;
	xfer_begin(&x, file);
	while (done < len) {
		uint32_t n = MIN(len - done, x.size);
		long r = file_read(file, x.buf, n);
		if (r < 0) {
			rc = r;
			break;
		}
		if (r && copy_to_user(ubuf + done, x.buf, (uint32_t)r)) {
			rc = -EFAULT;
			break;
		}
		done += (uint32_t)r;
		/* A pipe or the console gives what it has: asking again
		 * would wait for more than the caller needs. */
		if ((uint32_t)r < n || !file_seekable(file))
			break;
	}
	xfer_end(&x);
	return done ? (long)done : rc;
}

static long do_write(uint32_t fd, uint32_t ubuf, uint32_t len)
{
	struct file *file = fd_get(curproc, fd);
	struct xfer x;
	uint32_t done = 0;
	long rc = 0;

	if (!file)
		return -EBADF;
	xfer_begin(&x, file);
	while (done < len) {
		uint32_t n = MIN(len - done, x.size);
		if (copy_from_user(x.buf, ubuf + done, n)) {
			rc = -EFAULT;
			break;
		}
		long r = file_write(file, x.buf, n);
		if (r < 0) {
			rc = r;
			break;
		}
		done += (uint32_t)r;
		if ((uint32_t)r < n)
			break;          /* the disk is full: what fitted */
	}
	xfer_end(&x);
	return done ? (long)done : rc;
}

/* pread64 (180) and pwrite64 (181): at an offset, leaving the file's own. */
long sys_pread_pwrite(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	uint64_t off = f->esi | (uint64_t)f->edi << 32, saved;
	if (!file)
		return -EBADF;
	if (!file_seekable(file))
		return file->vn.type == VDIR ? -EISDIR : -ESPIPE;
	if ((int64_t)off < 0)
		return -EINVAL;
	saved = file->offset;
	int flags = file->flags;
	file->offset = off;
	file->flags &= ~O_APPEND;       /* pwrite writes where it is told (POSIX) */
	long r = f->eax == 180 ? do_read(f->ebx, f->ecx, f->edx) : do_write(f->ebx, f->ecx, f->edx);
	file->offset = saved;
	file->flags = flags;
	return r;
}

/* sendfile (187, off_t *) and sendfile64 (239, loff_t *): out_fd, in_fd,
 * offset (NULL: in_fd's own), count; through a kernel buffer. */
long sys_sendfile(struct trap_frame *f)
{
	struct file *out = fd_get(curproc, f->ebx), *in = fd_get(curproc, f->ecx);
	uint32_t count = f->esi, done = 0;
	uint64_t off = 0, saved = 0;
	char buf[512];
	if (!out || !in)
		return -EBADF;
	if (f->edx) {
		if (!file_seekable(in))
			return -ESPIPE;
		uint32_t o[2] = { 0, 0 };
		if (copy_from_user(o, f->edx, f->eax == 239 ? 8 : 4))
			return -EFAULT;
		off = o[0] | (uint64_t)o[1] << 32;
		saved = in->offset;
		in->offset = off;
	}
	long rc = 0;
	while (done < count) {
		long r = file_read(in, buf, MIN(count - done, (uint32_t)sizeof(buf)));
		if (r <= 0) {
			rc = r;
			break;
		}
		long w = file_write(out, buf, (size_t)r);
		if (w < 0) {
			rc = w;
			break;
		}
		done += (uint32_t)w;
		if (w < r || !file_seekable(in))
			break;          /* a pipe or the console: what it had */
	}
	if (f->edx) {
		uint64_t now = in->offset;
		in->offset = saved;
		uint32_t o[2] = { (uint32_t)now, (uint32_t)(now >> 32) };
		if (copy_to_user(f->edx, o, f->eax == 239 ? 8 : 4))
			return -EFAULT;
	}
	return done ? (long)done : rc;
}

long sys_read(struct trap_frame *f)
{
	return do_read(f->ebx, f->ecx, f->edx);
}

long sys_write(struct trap_frame *f)
{
	return do_write(f->ebx, f->ecx, f->edx);
}

/* readv/writev: fd, iov, iovcnt; stops at the first short transfer. */
static long do_vec(struct trap_frame *f, bool writing)
{
	uint32_t iov[2], cnt = f->edx;
	long total = 0;
	if (cnt > 1024)
		return -EINVAL;
	if (!fd_get(curproc, f->ebx))
		return -EBADF;
	for (uint32_t i = 0; i < cnt; i++) {
		if (copy_from_user(iov, f->ecx + i * 8, sizeof(iov)))
			return total ? total : -EFAULT;
		if (iov[1] > 0x7fffffffu - (uint32_t)total)
			return total ? total : -EINVAL;
		long r = writing ? do_write(f->ebx, iov[0], iov[1]) : do_read(f->ebx, iov[0], iov[1]);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint32_t)r < iov[1])
			break;
	}
	return total;
}

long sys_readv(struct trap_frame *f)
{
	return do_vec(f, false);
}

long sys_writev(struct trap_frame *f)
{
	return do_vec(f, true);
}

static long do_open(int32_t dirfd, uint32_t upath, int flags, uint32_t mode)
{
	struct vnode base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (!path)
		return rc;
	long fd = file_open_at(curproc, &base, path, flags, mode);
	path_put(path);
	return fd;
}

long sys_open(struct trap_frame *f)
{
	return do_open(AT_FDCWD, f->ebx, (int)f->ecx, f->edx);
}

long sys_openat(struct trap_frame *f)
{
	return do_open((int32_t)f->ebx, f->ecx, (int)f->edx, f->esi);
}

long sys_close(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	if (!file)
		return -EBADF;
	curproc->fds[f->ebx] = NULL;
	file_put(file);
	return 0;
}

static long do_seek(struct file *file, int64_t off, uint32_t whence, uint64_t *out)
{
	int64_t base;
	struct kstat st;
	long rc;
	if (file->pipe || file->vn.type == VCHR)
		return -ESPIPE;
	switch (whence) {
	case 0: base = 0; break;
	case 1: base = (int64_t)file->offset; break;
	case 2:                                 /* a disk's end too */
		if ((rc = file_stat_file(file, &st)))
			return rc;
		base = (int64_t)st.size;
		break;
	default: return -EINVAL;
	}
	if (base + off < 0)
		return -EINVAL;
	file->offset = (uint64_t)(base + off);
	*out = file->offset;
	return 0;
}

long sys_lseek(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	uint64_t pos;
	if (!file)
		return -EBADF;
	long rc = do_seek(file, (int32_t)f->ecx, f->edx, &pos);
	return rc ? rc : (long)pos;
}

long sys_llseek(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	uint64_t pos;
	if (!file)
		return -EBADF;
	long rc = do_seek(file, (int64_t)(((uint64_t)f->ecx << 32) | f->edx), f->edi, &pos);
	if (rc)
		return rc;
	return copy_to_user(f->esi, &pos, 8) ? -EFAULT : 0;
}
