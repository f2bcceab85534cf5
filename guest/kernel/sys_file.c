/*
 * ringos: the file system calls of the Linux i386 ABI, and execve. Paths
 * and buffers are copied in from user memory with their bounds checked.
 */
#include "uapi/errno.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

#define AT_FDCWD        -100
#define AT_EMPTY_PATH   0x1000
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR    0x200
#define AT_NO_AUTOMOUNT 0x800
#define PATH_MAX_       4096

/* A path (or an argument) from user memory: 0, -EFAULT, -ENOENT for "",
 * -ENAMETOOLONG when it does not fit in size bytes. */
static int get_path(uint32_t uptr, char *buf, size_t size)
{
	long n = strncpy_from_user(buf, uptr, size);
	return n < 0 ? (int)n : n == 0 ? -ENOENT : 0;
}

/*
 * Path buffers: PATH_MAX_ bytes each, too big for a kernel stack and too
 * slow to take from kmalloc on every call (a multi-frame block, zeroed).
 * A few are kept; nothing sleeps while holding one, and a call nests at
 * most two, so the pool is never empty in practice (kmalloc if it is).
 */
#define PATH_POOL 4
static char path_pool[PATH_POOL][PATH_MAX_];
static uint8_t path_used;

static char *path_get(void)
{
	for (int i = 0; i < PATH_POOL; i++)
		if (!(path_used & (1u << i))) {
			path_used |= (uint8_t)(1u << i);
			return path_pool[i];
		}
	return kmalloc(PATH_MAX_);
}

static void path_put(char *p)
{
	for (int i = 0; i < PATH_POOL; i++)
		if (p == path_pool[i]) {
			path_used &= (uint8_t)~(1u << i);
			return;
		}
	kfree(p);
}

/*
 * Where a relative path starts: the working directory (AT_FDCWD) or an
 * open directory (the *at calls). An absolute path ignores dirfd, as on
 * Linux, so the caller asks only for relative paths.
 */
static int base_dir(int32_t dirfd, const char *path, struct ramfs_node **base)
{
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		*base = curproc->cwd ? curproc->cwd : rootfs.root;
		return 0;
	}
	struct file *f = fd_get(curproc, (uint32_t)dirfd);
	if (!f)
		return -EBADF;
	if (!f->node || f->node->type != RAMFS_DIR)
		return -ENOTDIR;
	*base = f->node;
	return 0;
}

/* A path from user memory, in a pooled buffer the caller gives back with
 * path_put, and the directory it starts from; NULL with *rc set on error. */
static char *path_at(int32_t dirfd, uint32_t upath, struct ramfs_node **base, int *rc)
{
	char *path = path_get();
	if (!path) {
		*rc = -ENOMEM;
		return NULL;
	}
	if ((*rc = get_path(upath, path, PATH_MAX_)) || (*rc = base_dir(dirfd, path, base))) {
		path_put(path);
		return NULL;
	}
	return path;
}

/* The node a path names (following a final link when follow). */
static int lookup_at(int32_t dirfd, uint32_t upath, bool follow, struct ramfs_node **n)
{
	struct ramfs_node *base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (path) {
		rc = ramfs_lookup_flags(base, path, follow ? 0 : RAMFS_NOFOLLOW, n);
		path_put(path);
	}
	return rc;
}

static long do_read(uint32_t fd, uint32_t ubuf, uint32_t len)
{
	char buf[512];
	struct file *file = fd_get(curproc, fd);
	uint32_t done = 0;

	if (!file)
		return -EBADF;
	while (done < len) {
		uint32_t n = MIN(len - done, (uint32_t)sizeof(buf));
		long r = file_read(file, buf, n);
		if (r < 0)
			return done ? (long)done : r;
		if (r && copy_to_user(ubuf + done, buf, (uint32_t)r))
			return done ? (long)done : -EFAULT;
		done += (uint32_t)r;
		/* A pipe or the console gives what it has: asking again
		 * would wait for more than the caller needs. */
		if ((uint32_t)r < n || !file->node || file->node->type != RAMFS_FILE)
			break;
	}
	return (long)done;
}

static long do_write(uint32_t fd, uint32_t ubuf, uint32_t len)
{
	char buf[512];
	struct file *file = fd_get(curproc, fd);
	uint32_t done = 0;

	if (!file)
		return -EBADF;
	while (done < len) {
		uint32_t n = MIN(len - done, (uint32_t)sizeof(buf));
		if (copy_from_user(buf, ubuf + done, n))
			return done ? (long)done : -EFAULT;
		long r = file_write(file, buf, n);
		if (r < 0)
			return done ? (long)done : r;
		done += (uint32_t)r;
	}
	return (long)done;
}

/* pread64 (180) and pwrite64 (181): at an offset, leaving the file's own. */
long sys_pread_pwrite(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	uint64_t off = f->esi | (uint64_t)f->edi << 32, saved;
	if (!file)
		return -EBADF;
	if (!file->node || file->node->type != RAMFS_FILE)
		return file->node && file->node->type == RAMFS_DIR ? -EISDIR : -ESPIPE;
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
		if (!in->node || in->node->type != RAMFS_FILE)
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
		if (w < r || !in->node || in->node->type != RAMFS_FILE)
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
	struct ramfs_node *base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (!path)
		return rc;
	long fd = file_open_at(curproc, base, path, flags, mode);
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
	if (file->pipe || file->node->type == RAMFS_CHR)
		return -ESPIPE;
	switch (whence) {
	case 0: base = 0; break;
	case 1: base = (int64_t)file->offset; break;
	case 2: base = (int64_t)file->node->size; break;
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

/* statx(2) and stat64(2) from one description of the node. */
static long put_statx(const struct kstat *st, uint32_t ubuf)
{
	uint8_t b[256];
	uint32_t mask = 0x7ff;
	uint16_t mode = (uint16_t)st->mode;
	memset(b, 0, sizeof(b));
	memcpy(b + 0, &mask, 4);
	memcpy(b + 4, &st->blksize, 4);
	memcpy(b + 16, &st->nlink, 4);
	memcpy(b + 28, &mode, 2);
	uint64_t ino = st->ino;
	memcpy(b + 32, &ino, 8);
	memcpy(b + 40, &st->size, 8);
	memcpy(b + 48, &st->blocks, 8);
	uint32_t maj = st->rdev >> 8, min = st->rdev & 0xff;
	memcpy(b + 128, &maj, 4);
	memcpy(b + 132, &min, 4);
	maj = st->dev >> 8;
	min = st->dev & 0xff;
	memcpy(b + 136, &maj, 4);
	memcpy(b + 140, &min, 4);
	return copy_to_user(ubuf, b, sizeof(b)) ? -EFAULT : 0;
}

static long put_stat64(const struct kstat *st, uint32_t ubuf)
{
	uint8_t b[96];
	memset(b, 0, sizeof(b));
	uint32_t ino32 = st->ino;
	uint64_t ino = st->ino, rdev = st->rdev, dev = st->dev;
	memcpy(b + 0, &dev, 8);
	memcpy(b + 12, &ino32, 4);
	memcpy(b + 16, &st->mode, 4);
	memcpy(b + 20, &st->nlink, 4);
	memcpy(b + 32, &rdev, 8);
	memcpy(b + 44, &st->size, 8);
	memcpy(b + 52, &st->blksize, 4);
	memcpy(b + 56, &st->blocks, 8);
	memcpy(b + 88, &ino, 8);
	return copy_to_user(ubuf, b, sizeof(b)) ? -EFAULT : 0;
}

static long stat_path(int32_t dirfd, uint32_t upath, bool follow, struct kstat *st)
{
	struct ramfs_node *n;
	int rc = lookup_at(dirfd, upath, follow, &n);
	if (rc)
		return rc;
	file_stat(n, st);
	return 0;
}

long sys_statx(struct trap_frame *f)
{
	struct kstat st;
	int32_t dirfd = (int32_t)f->ebx;
	if (f->edx & AT_EMPTY_PATH) {
		struct file *file = fd_get(curproc, (uint32_t)dirfd);
		if (!file)
			return -EBADF;
		file_stat_file(file, &st);
	} else {
		long rc = stat_path(dirfd, f->ecx, !(f->edx & AT_SYMLINK_NOFOLLOW), &st);
		if (rc)
			return rc;
	}
	return put_statx(&st, f->edi);
}

/* fstatat64(dirfd, path, buf, flags) */
long sys_fstatat64(struct trap_frame *f)
{
	struct kstat st;
	if (f->esi & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if (f->esi & AT_EMPTY_PATH) {
		char c;
		if (copy_from_user(&c, f->ecx, 1))
			return -EFAULT;
		if (!c) {
			struct file *file = fd_get(curproc, f->ebx);
			if (!file)
				return -EBADF;
			file_stat_file(file, &st);
			return put_stat64(&st, f->edx);
		}
	}
	long rc = stat_path((int32_t)f->ebx, f->ecx, !(f->esi & AT_SYMLINK_NOFOLLOW), &st);
	return rc ? rc : put_stat64(&st, f->edx);
}

long sys_fstat64(struct trap_frame *f)
{
	struct kstat st;
	struct file *file = fd_get(curproc, f->ebx);
	if (!file)
		return -EBADF;
	file_stat_file(file, &st);
	return put_stat64(&st, f->ecx);
}

long sys_stat64(struct trap_frame *f)
{
	struct kstat st;
	long rc = stat_path(AT_FDCWD, f->ebx, f->eax != 196, &st);     /* 196: lstat64 */
	return rc ? rc : put_stat64(&st, f->ecx);
}

long sys_getdents64(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	uint32_t ubuf = f->ecx, size = f->edx, used = 0;
	struct ramfs_dirent de;
	uint8_t rec[RAMFS_NAME_MAX + 32];

	if (!file)
		return -EBADF;
	if (!file->node || file->node->type != RAMFS_DIR)
		return -ENOTDIR;
	for (;;) {
		size_t cookie = (size_t)file->offset;
		int rc = ramfs_readdir(file->node, &cookie, &de);
		if (rc <= 0)
			return rc < 0 ? rc : (long)used;
		uint32_t reclen = ALIGN_UP(19 + (uint32_t)de.name_len + 1, 8u);
		if (used + reclen > size)
			return used ? (long)used : -EINVAL;
		static const uint8_t dtype[] = { 0, 4, 8, 2, 10 };     /* DT_DIR, DT_REG, DT_CHR, DT_LNK */
		uint64_t ino = de.ino;
		int64_t off = (int64_t)cookie;
		uint16_t rl = (uint16_t)reclen;
		memset(rec, 0, reclen);
		memcpy(rec, &ino, 8);
		memcpy(rec + 8, &off, 8);
		memcpy(rec + 16, &rl, 2);
		rec[18] = dtype[de.type];
		memcpy(rec + 19, de.name, de.name_len);
		if (copy_to_user(ubuf + used, rec, reclen))
			return -EFAULT;
		used += reclen;
		file->offset = cookie;
	}
}

long sys_getcwd(struct trap_frame *f)
{
	char *buf = path_get();
	long rc;

	if (!buf)
		return -ENOMEM;
	rc = vfs_path_of(curproc->cwd ? curproc->cwd : rootfs.root, buf, PATH_MAX_);
	if (rc >= 0) {
		uint32_t len = (uint32_t)rc + 1;        /* with the NUL */
		rc = len > f->ecx ? -ERANGE : copy_to_user(f->ebx, buf, len) ? -EFAULT : (long)len;
	}
	path_put(buf);
	return rc;
}

static long set_cwd(struct ramfs_node *n)
{
	if (n->type != RAMFS_DIR)
		return -ENOTDIR;
	ramfs_get(n);
	if (curproc->cwd)
		ramfs_put(curproc->cwd);
	curproc->cwd = n;
	return 0;
}

long sys_fchdir(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	if (!file)
		return -EBADF;
	if (!file->node)
		return -ENOTDIR;
	return set_cwd(file->node);
}

long sys_chdir(struct trap_frame *f)
{
	struct ramfs_node *n;
	int rc = lookup_at(AT_FDCWD, f->ebx, true, &n);
	return rc ? rc : set_cwd(n);
}

/* The directory holding a path's last component, and that name. The
 * kernel's own directories (/proc) take no changes: -EACCES. */
static int parent_at(int32_t dirfd, uint32_t upath, struct ramfs_node **dir, char *name,
		     bool *slash)
{
	struct ramfs_node *base;
	int rc;
	char *path = path_at(dirfd, upath, &base, &rc);
	if (!path)
		return rc;
	rc = ramfs_lookup_parent(base, path, dir, name, slash);
	path_put(path);
	return rc ? rc : vfs_read_only_dir(*dir) ? -EACCES : 0;
}

enum { OP_MKDIR, OP_UNLINK, OP_RMDIR };

/* mkdir, unlink, rmdir: on the parent of the last component. */
static long on_parent(int32_t dirfd, uint32_t upath, int op, uint32_t mode)
{
	char name[RAMFS_NAME_MAX + 1];
	struct ramfs_node *dir, *n;
	bool slash;
	int rc = parent_at(dirfd, upath, &dir, name, &slash);
	if (rc)
		return rc;
	switch (op) {
	case OP_MKDIR:
		if ((rc = ramfs_mkdir(dir, name, &n)))
			return rc;
		n->mode = mode & 07777 & ~curproc->umask;
		return 0;
	case OP_UNLINK:
		return slash ? -ENOTDIR : ramfs_unlink(dir, name);
	default:
		return ramfs_rmdir(dir, name);
	}
}

/* rename and renameat/renameat2 (flags 0 only): within the one ramfs. */
static long do_rename(int32_t olddirfd, uint32_t uold, int32_t newdirfd, uint32_t unew)
{
	char oname[RAMFS_NAME_MAX + 1], nname[RAMFS_NAME_MAX + 1];
	struct ramfs_node *odir, *ndir;
	bool slash;
	int rc = parent_at(olddirfd, uold, &odir, oname, &slash);
	if (rc || (rc = parent_at(newdirfd, unew, &ndir, nname, &slash)))
		return rc;
	return ramfs_rename(odir, oname, ndir, nname);
}

long sys_rename(struct trap_frame *f)
{
	return do_rename(AT_FDCWD, f->ebx, AT_FDCWD, f->ecx);
}

/* renameat (302) and renameat2 (353, flags: 0 only so far). */
long sys_renameat2(struct trap_frame *f)
{
	if (f->eax == 353 && f->edi)
		return -EINVAL;         /* RENAME_NOREPLACE and friends: not yet */
	return do_rename((int32_t)f->ebx, f->ecx, (int32_t)f->edx, f->esi);
}

/* faccessat (307) and faccessat2 (439): everything is root's, so existence
 * is access, except executing a file with no x bit at all. */
long sys_faccessat(struct trap_frame *f)
{
	struct ramfs_node *n;
	uint32_t flags = f->eax == 439 ? f->esi : 0;
	int rc = lookup_at((int32_t)f->ebx, f->ecx, !(flags & AT_SYMLINK_NOFOLLOW), &n);
	if (rc)
		return rc;
	if ((f->edx & 1) && n->type == RAMFS_FILE && !(n->mode & 0111))
		return -EACCES;         /* X_OK */
	return 0;
}

long sys_mkdir(struct trap_frame *f)
{
	return on_parent(AT_FDCWD, f->ebx, OP_MKDIR, f->ecx);
}

long sys_mkdirat(struct trap_frame *f)
{
	return on_parent((int32_t)f->ebx, f->ecx, OP_MKDIR, f->edx);
}

long sys_unlink(struct trap_frame *f)
{
	return on_parent(AT_FDCWD, f->ebx, OP_UNLINK, 0);
}

/* unlinkat(dirfd, path, flags): AT_REMOVEDIR makes it rmdir. */
long sys_unlinkat(struct trap_frame *f)
{
	if (f->edx & ~AT_REMOVEDIR)
		return -EINVAL;
	return on_parent((int32_t)f->ebx, f->ecx, (f->edx & AT_REMOVEDIR) ? OP_RMDIR : OP_UNLINK, 0);
}

long sys_rmdir(struct trap_frame *f)
{
	return on_parent(AT_FDCWD, f->ebx, OP_RMDIR, 0);
}

long sys_access(struct trap_frame *f)
{
	struct ramfs_node *n;
	int rc = lookup_at(AT_FDCWD, f->ebx, true, &n);
	if (rc)
		return rc;
	return (f->ecx & 1) && n->type == RAMFS_FILE && !(n->mode & 0111) ? -EACCES : 0;
}

/* symlink (83) and symlinkat (304): the target is stored as given. */
long sys_symlinkat(struct trap_frame *f)
{
	char *target = path_get(), name[RAMFS_NAME_MAX + 1];
	struct ramfs_node *dir;
	bool slash;
	bool at = f->eax == 304;
	if (!target)
		return -ENOMEM;
	int rc = get_path(f->ebx, target, PATH_MAX_);
	if (!rc)
		rc = parent_at(at ? (int32_t)f->ecx : AT_FDCWD, at ? f->edx : f->ecx, &dir, name,
			       &slash);
	if (!rc)
		rc = ramfs_symlink(dir, name, target, NULL);
	path_put(target);
	return rc;
}

/* link (9) and linkat (303): the ramfs has no hard links. */
long sys_link(struct trap_frame *f)
{
	(void)f;
	return -EPERM;
}

/* readlink (85) and readlinkat (305). */
long sys_readlinkat(struct trap_frame *f)
{
	struct ramfs_node *n;
	bool at = f->eax == 305;
	uint32_t ubuf = at ? f->edx : f->ecx, len = at ? f->esi : f->edx;
	int rc = lookup_at(at ? (int32_t)f->ebx : AT_FDCWD, at ? f->ecx : f->ebx, false, &n);
	if (rc)
		return rc;
	if ((int32_t)len <= 0)
		return -EINVAL;
	char *target = path_get();
	if (!target)
		return -ENOMEM;
	long got = ramfs_readlink(n, target, MIN(len, (uint32_t)PATH_MAX_));
	if (got >= 0 && copy_to_user(ubuf, target, (uint32_t)got))
		got = -EFAULT;
	path_put(target);
	return got;
}

/* chmod (15), fchmod (94), fchmodat (306). */
long sys_chmod(struct trap_frame *f)
{
	struct ramfs_node *n;
	uint32_t mode;
	int rc = 0;
	if (f->eax == 94) {
		struct file *file = fd_get(curproc, f->ebx);
		if (!file)
			return -EBADF;
		if (!file->node)
			return 0;               /* a pipe: nothing to keep */
		n = file->node;
		mode = f->ecx;
	} else if (f->eax == 306) {
		rc = lookup_at((int32_t)f->ebx, f->ecx, true, &n);
		mode = f->edx;
	} else {
		rc = lookup_at(AT_FDCWD, f->ebx, true, &n);
		mode = f->ecx;
	}
	if (rc)
		return rc;
	if (vfs_read_only_node(n))
		return -EPERM;
	n->mode = mode & 07777;
	return 0;
}

/* chown and its forms: one user (root) owns everything; the path must exist. */
long sys_chown(struct trap_frame *f)
{
	struct ramfs_node *n;
	switch (f->eax) {
	case 95: case 207:                                      /* fchown, fchown32 */
		return fd_get(curproc, f->ebx) ? 0 : -EBADF;
	case 298:                                               /* fchownat */
		return lookup_at((int32_t)f->ebx, f->ecx, !(f->edi & AT_SYMLINK_NOFOLLOW), &n);
	case 16: case 198:                                      /* lchown, lchown32 */
		return lookup_at(AT_FDCWD, f->ebx, false, &n);
	default:                                                /* chown (182), chown32 (212) */
		return lookup_at(AT_FDCWD, f->ebx, true, &n);
	}
}

/* utimensat (320, and 412 time64), utimes (271), utime (30): the ramfs
 * keeps no times, so setting them succeeds on anything that exists. */
long sys_utimensat(struct trap_frame *f)
{
	struct ramfs_node *n;
	if (f->eax == 320 || f->eax == 412) {
		if (!f->ecx) {                  /* futimens: the descriptor itself */
			return fd_get(curproc, f->ebx) ? 0 : -EBADF;
		}
		return lookup_at((int32_t)f->ebx, f->ecx, !(f->esi & AT_SYMLINK_NOFOLLOW), &n);
	}
	return lookup_at(AT_FDCWD, f->ebx, true, &n);
}

/* truncate (92), ftruncate (93), truncate64 (193), ftruncate64 (194). */
long sys_truncate(struct trap_frame *f)
{
	struct ramfs_node *n;
	uint64_t size = f->eax >= 193 ? (f->ecx | (uint64_t)f->edx << 32) : (uint64_t)(int32_t)f->ecx;
	if ((int64_t)size < 0)
		return -EINVAL;
	if (f->eax == 93 || f->eax == 194) {
		struct file *file = fd_get(curproc, f->ebx);
		if (!file)
			return -EBADF;
		if (!file->node || file->node->type != RAMFS_FILE || (file->flags & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
		n = file->node;
	} else {
		int rc = lookup_at(AT_FDCWD, f->ebx, true, &n);
		if (rc)
			return rc;
		if (n->type == RAMFS_DIR)
			return -EISDIR;
	}
	if (vfs_read_only_node(n))
		return -EACCES;
	return ramfs_truncate(n, size);
}

/* statfs64 (268) and fstatfs64 (269): the ramfs in memory, as tmpfs. */
long sys_statfs64(struct trap_frame *f)
{
	struct ramfs_node *n;
	if (f->ecx != 84)
		return -EINVAL;
	if (f->eax == 269) {
		if (!fd_get(curproc, f->ebx))
			return -EBADF;
	} else {
		int rc = lookup_at(AT_FDCWD, f->ebx, true, &n);
		if (rc)
			return rc;
	}
	uint32_t total, free, b[21];
	mem_stats(&total, &free);
	memset(b, 0, sizeof(b));
	b[0] = 0x01021994;              /* TMPFS_MAGIC */
	b[1] = PAGE_SIZE;               /* f_bsize */
	b[2] = total;                   /* f_blocks */
	b[4] = free;                    /* f_bfree */
	b[6] = free;                    /* f_bavail */
	b[8] = 65536;                   /* f_files */
	b[10] = 65536 - (uint32_t)rootfs.nodes;   /* f_ffree */
	b[14] = RAMFS_NAME_MAX;         /* f_namelen */
	b[15] = PAGE_SIZE;              /* f_frsize */
	return copy_to_user(f->edx, b, 84) ? -EFAULT : 0;
}

/*
 * execve's arguments, copied into the kernel before the old image goes:
 * vec[] points into space. At most EXEC_STRSPACE bytes of strings in all
 * (E2BIG beyond), as Linux's limit of a quarter of the stack.
 */
enum { EXEC_STRSPACE = 128 * 1024, EXEC_MAXVEC = 8192, EXEC_MAXLINKS = 4 };

struct exec_args {
	char *space;
	uint32_t used;
	const char **argv, **envp;
	uint32_t argc, envc;
};

static int exec_add(struct exec_args *x, const char ***vec, uint32_t *n, const char *s)
{
	uint32_t len = (uint32_t)strlen(s) + 1;
	if (x->used + len > EXEC_STRSPACE || *n >= EXEC_MAXVEC)
		return -E2BIG;
	memcpy(x->space + x->used, s, len);
	(*vec)[(*n)++] = x->space + x->used;
	x->used += len;
	return 0;
}

static int exec_copy_vec(struct exec_args *x, uint32_t uvec, bool env)
{
	const char ***vec = env ? &x->envp : &x->argv;
	uint32_t *n = env ? &x->envc : &x->argc;
	for (uint32_t i = 0; uvec; i++) {
		uint32_t up;
		int rc;
		if (copy_from_user(&up, uvec + i * 4, 4))
			return -EFAULT;
		if (!up)
			break;
		if (x->used >= EXEC_STRSPACE || *n >= EXEC_MAXVEC)
			return -E2BIG;
		rc = get_path(up, x->space + x->used, EXEC_STRSPACE - x->used);
		if (rc == -ENAMETOOLONG)
			return -E2BIG;
		if (rc && rc != -ENOENT)        /* "" is a valid argument */
			return rc;
		(*vec)[(*n)++] = x->space + x->used;
		x->used += (uint32_t)strlen(x->space + x->used) + 1;
	}
	return 0;
}

/* One execve at a time copies its arguments (nothing in it sleeps), so
 * the space is static: no 192 KiB to allocate and zero per call. */
static char exec_space[EXEC_STRSPACE];
static const char *exec_argv[EXEC_MAXVEC + 1], *exec_envp[EXEC_MAXVEC + 1];



/*
 * "#!interpreter [one argument]" on the first line: the interpreter runs
 * with argv = interpreter, [argument,] the script's path, the old argv[1..].
 */
static int exec_script(struct exec_args *x, struct ramfs_node **n, const char *path)
{
	char line[128], *interp, *arg = NULL;
	uint32_t len = (uint32_t)MIN((*n)->size, sizeof(line) - 1);
	memcpy(line, (*n)->data, len);
	line[len] = '\0';
	char *nl = strchr(line, '\n');
	if (!nl)
		return -ENOEXEC;        /* a first line too long to be an interpreter's */
	*nl = '\0';
	for (interp = line + 2; *interp == ' ' || *interp == '\t'; interp++)
		;
	if (!*interp)
		return -ENOEXEC;
	char *e = interp;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*e) {
		*e++ = '\0';
		while (*e == ' ' || *e == '\t')
			e++;
		if (*e) {
			arg = e;
			for (char *t = e + strlen(e); t > e && (t[-1] == ' ' || t[-1] == '\t');)
				*--t = '\0';
		}
	}
	/* The new argv: shift the old one right to make room. */
	uint32_t extra = arg ? 3 : 2;   /* replaces argv[0] */
	if (x->argc + extra > EXEC_MAXVEC)
		return -E2BIG;
	uint32_t keep = x->argc ? x->argc - 1 : 0;
	memmove(x->argv + extra, x->argv + 1, keep * sizeof(char *));
	x->argc = 0;
	const char **v = x->argv;
	int rc;
	uint32_t n0 = 0;
	if ((rc = exec_add(x, &v, &n0, interp)) || (arg && (rc = exec_add(x, &v, &n0, arg))) ||
	    (rc = exec_add(x, &v, &n0, path)))
		return rc;
	x->argc = n0 + keep;
	int r = ramfs_lookup(curproc->cwd ? curproc->cwd : rootfs.root, interp, n);
	if (r)
		return r;
	return (*n)->type == RAMFS_FILE ? 0 : -EACCES;
}

/* execve: the new image replaces the old only once it is fully loaded. */
long sys_execve(struct trap_frame *f)
{
	static char path[PATH_MAX_];    /* nothing below sleeps: one caller at a time */
	struct ramfs_node *n;
	int rc = get_path(f->ebx, path, sizeof(path));
	if (rc || (rc = ramfs_lookup(curproc->cwd ? curproc->cwd : rootfs.root, path, &n)))
		return rc;
	if (n->type != RAMFS_FILE || !(n->mode & 0111) || vfs_read_only_node(n))
		return -EACCES;

	struct exec_args x = { .space = exec_space, .argv = exec_argv, .envp = exec_envp };
	if ((rc = exec_copy_vec(&x, f->ecx, false)) || (rc = exec_copy_vec(&x, f->edx, true)))
		return rc;
	if (!x.argc && (rc = exec_add(&x, &x.argv, &x.argc, path)))
		return rc;
	/* An interpreter may be a script itself, a few levels deep. */
	for (int depth = 0; n->size >= 2 && !memcmp(n->data, "#!", 2); depth++) {
		if (depth == EXEC_MAXLINKS)
			return -RAMFS_ELOOP;
		if ((rc = exec_script(&x, &n, depth ? x.argv[0] : path)))
			return rc;
	}
	x.argv[x.argc] = NULL;
	x.envp[x.envc] = NULL;
	const char *const *argv = x.argv, *const *envp = x.envp;

	struct proc *p = curproc;
	struct pae_space old = p->as;
	uint32_t old_brk_start = p->brk_start, old_brk = p->brk, old_mmap = p->mmap_next;
	char err[128];
	rc = proc_exec(p, n->data, n->size, argv, envp, f, err, sizeof(err));
	if (rc) {
		/* Back to the old image, untouched: switch to it first, then free
		 * the half-built one (it must not be in use while it goes). */
		struct pae_space half = p->as;
		p->as = old;
		p->brk_start = old_brk_start;
		p->brk = old_brk;
		p->mmap_next = old_mmap;
		arch_switch_address_space(&p->as);
		if (half.pdpt && half.pdpt != old.pdpt) {
			p->as = half;
			proc_free_memory(p);
			p->as = old;
		}
		return rc;
	}
	struct pae_space gone = p->as;
	p->as = old;
	proc_free_memory(p);
	p->as = gone;
	memset(p->tls, 0, sizeof(p->tls));
	for (unsigned i = 0; i < ARCH_TLS_SLOTS; i++)
		arch_set_tls(i, 0);
	snprintf(p->exe, sizeof(p->exe), "%s", path);
	if (vfs_path_of(n, p->exe_path, sizeof(p->exe_path)) < 0)
		snprintf(p->exe_path, sizeof(p->exe_path), "%s", path);
	procfs_exec(p);
	signal_exec(p);
	for (int fd = 0; fd < NFD; fd++)
		if (p->fds[fd] && p->fd_cloexec[fd]) {
			file_put(p->fds[fd]);
			p->fds[fd] = NULL;
			p->fd_cloexec[fd] = 0;
		}
	return (long)f->eax;            /* the new image's eax (0) */
}
