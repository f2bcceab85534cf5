/*
 * ringos: the calls on the descriptor table itself: pipe2, dup, dup2,
 * dup3, and fcntl (close-on-exec, status flags, F_DUPFD).
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

long sys_pipe2(struct trap_frame *f)
{
	struct file *rd, *wr;
	int fds[2];
	if (f->ecx & ~(uint32_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (pipe_create(&rd, &wr))
		return -ENOMEM;
	rd->flags |= (int)(f->ecx & ~(uint32_t)O_DIRECT);     /* no packet mode: plain bytes */
	wr->flags |= (int)(f->ecx & ~(uint32_t)O_DIRECT);
	if ((fds[0] = fd_install(curproc, rd, 0)) < 0) {
		file_put(rd);
		file_put(wr);
		return -EMFILE;
	}
	if ((fds[1] = fd_install(curproc, wr, 0)) < 0) {
		curproc->fds[fds[0]] = NULL;
		file_put(rd);
		file_put(wr);
		return -EMFILE;
	}
	if (copy_to_user(f->ebx, fds, sizeof(fds))) {
		curproc->fds[fds[0]] = curproc->fds[fds[1]] = NULL;
		file_put(rd);
		file_put(wr);
		return -EFAULT;
	}
	return 0;
}

long sys_dup(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	if (!file)
		return -EBADF;
	int fd = fd_install(curproc, file, 0);
	if (fd >= 0)
		file_get(file);
	return fd;
}

static long do_dup2(uint32_t from, uint32_t to, bool cloexec)
{
	struct file *file = fd_get(curproc, from);
	if (!file || to >= NFD)
		return -EBADF;
	if (to == from)
		return (long)to;
	if (curproc->fds[to])
		file_put(curproc->fds[to]);
	file_get(file);
	curproc->fds[to] = file;
	curproc->fd_cloexec[to] = cloexec;
	return (long)to;
}

long sys_dup2(struct trap_frame *f)
{
	return do_dup2(f->ebx, f->ecx, false);
}

long sys_dup3(struct trap_frame *f)
{
	if (f->edx & ~(uint32_t)O_CLOEXEC)
		return -EINVAL;
	if (f->ebx == f->ecx)
		return fd_get(curproc, f->ebx) ? -EINVAL : -EBADF;
	return do_dup2(f->ebx, f->ecx, f->edx != 0);
}

#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC      1

/* fcntl and fcntl64: descriptor flags, status flags, dup from a minimum. */
long sys_fcntl(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	uint32_t fd = f->ebx, arg = f->edx;
	if (!file)
		return -EBADF;
	switch (f->ecx) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		if (arg >= NFD)
			return -EINVAL;
		int nfd = fd_install(curproc, file, (int)arg);
		if (nfd < 0)
			return nfd;
		file_get(file);
		curproc->fd_cloexec[nfd] = f->ecx == F_DUPFD_CLOEXEC;
		return nfd;
	}
	case F_GETFD:
		return curproc->fd_cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD:
		curproc->fd_cloexec[fd] = (arg & FD_CLOEXEC) != 0;
		return 0;
	case F_GETFL:
		return file->flags & ~(O_CREAT | O_EXCL | O_TRUNC);
	case F_SETFL:           /* only these may change after open */
		file->flags = (file->flags & ~(O_APPEND | O_NONBLOCK)) |
			      (int)(arg & (O_APPEND | O_NONBLOCK));
		return 0;
	default:
		return -EINVAL;         /* locks and the rest: not yet */
	}
}
