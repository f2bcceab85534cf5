/*
 * ringos: the file system calls of the Linux i386 ABI, and execve. Paths
 * and buffers are copied in from user memory with their bounds checked.
 */
#include "errno.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"

#define AT_FDCWD        -100
#define AT_EMPTY_PATH   0x1000
#define PATH_MAX_       4096
#define ENAMETOOLONG_   36

static int get_path(uint32_t uptr, char *buf, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (copy_from_user(&buf[i], uptr + (uint32_t)i, 1))
			return -EFAULT;
		if (!buf[i])
			return i ? 0 : -ENOENT;
	}
	return -ENAMETOOLONG_;
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
		if ((uint32_t)r < n)
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

static long do_open(uint32_t upath, int flags, uint32_t mode)
{
	char path[PATH_MAX_];
	int rc = get_path(upath, path, sizeof(path));
	return rc ? rc : file_open_path(curproc, path, flags, mode);
}

long sys_open(struct trap_frame *f)
{
	return do_open(f->ebx, (int)f->ecx, f->edx);
}

long sys_openat(struct trap_frame *f)
{
	if ((int32_t)f->ebx != AT_FDCWD)
		return -EINVAL;         /* directory descriptors: later */
	return do_open(f->ecx, (int)f->edx, f->esi);
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
	if (f->ecx & ~(uint32_t)O_CLOEXEC)
		return -EINVAL;
	if (pipe_create(&rd, &wr))
		return -ENOMEM;
	rd->flags |= (int)f->ecx;
	wr->flags |= (int)f->ecx;
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
#define O_NONBLOCK      04000

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
	return copy_to_user(ubuf, b, sizeof(b)) ? -EFAULT : 0;
}

static long put_stat64(const struct kstat *st, uint32_t ubuf)
{
	uint8_t b[96];
	memset(b, 0, sizeof(b));
	uint32_t ino32 = st->ino;
	uint64_t ino = st->ino, rdev = st->rdev;
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

static long stat_path(uint32_t upath, bool follow, struct kstat *st)
{
	char path[PATH_MAX_];
	struct ramfs_node *n;
	int rc = get_path(upath, path, sizeof(path));
	if (rc)
		return rc;
	rc = ramfs_lookup_flags(curproc->cwd ? curproc->cwd : rootfs.root, path,
				follow ? 0 : RAMFS_NOFOLLOW, &n);
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
		if (dirfd != AT_FDCWD)
			return -EINVAL;
		long rc = stat_path(f->ecx, !(f->edx & 0x100), &st);       /* AT_SYMLINK_NOFOLLOW */
		if (rc)
			return rc;
	}
	return put_statx(&st, f->edi);
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
	long rc = stat_path(f->ebx, f->eax != 196, &st);       /* 196: lstat64 */
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
	char path[PATH_MAX_], tmp[PATH_MAX_];
	struct ramfs_node *n = curproc->cwd ? curproc->cwd : rootfs.root;
	size_t len = 0;

	path[0] = '\0';
	while (n != rootfs.root) {
		if (!n->parent)
			return -ENOENT;         /* removed */
		size_t nl = n->name_len;
		if (nl + 1 + len + 1 > sizeof(path))
			return -ERANGE;
		tmp[0] = '/';
		memcpy(tmp + 1, n->name, nl);
		memcpy(tmp + 1 + nl, path, len + 1);
		memcpy(path, tmp, nl + 1 + len + 1);
		len += nl + 1;
		n = n->parent;
	}
	if (!len) {
		path[0] = '/';
		path[1] = '\0';
		len = 1;
	}
	if (len + 1 > f->ecx)
		return -ERANGE;
	return copy_to_user(f->ebx, path, (uint32_t)len + 1) ? -EFAULT : (long)len + 1;
}

long sys_chdir(struct trap_frame *f)
{
	char path[PATH_MAX_];
	struct ramfs_node *n;
	int rc = get_path(f->ebx, path, sizeof(path));
	if (rc || (rc = ramfs_lookup(curproc->cwd ? curproc->cwd : rootfs.root, path, &n)))
		return rc;
	if (n->type != RAMFS_DIR)
		return -ENOTDIR;
	ramfs_get(n);
	if (curproc->cwd)
		ramfs_put(curproc->cwd);
	curproc->cwd = n;
	return 0;
}

/* mkdir, unlink, rmdir: on the parent of the last component. */
static long on_parent(uint32_t upath, int op)
{
	char path[PATH_MAX_], name[RAMFS_NAME_MAX + 1];
	struct ramfs_node *dir;
	bool slash;
	int rc = get_path(upath, path, sizeof(path));
	if (rc || (rc = ramfs_lookup_parent(curproc->cwd ? curproc->cwd : rootfs.root, path, &dir,
					    name, &slash)))
		return rc;
	switch (op) {
	case 0: return ramfs_mkdir(dir, name, NULL);
	case 1: return slash ? -ENOTDIR : ramfs_unlink(dir, name);
	default: return ramfs_rmdir(dir, name);
	}
}

/* rename and renameat/renameat2 (flags 0 only): within the one ramfs. */
static long do_rename(uint32_t uold, uint32_t unew)
{
	char path[PATH_MAX_], oname[RAMFS_NAME_MAX + 1], nname[RAMFS_NAME_MAX + 1];
	struct ramfs_node *base = curproc->cwd ? curproc->cwd : rootfs.root, *odir, *ndir;
	bool slash;
	int rc = get_path(uold, path, sizeof(path));
	if (rc || (rc = ramfs_lookup_parent(base, path, &odir, oname, &slash)))
		return rc;
	if ((rc = get_path(unew, path, sizeof(path))) ||
	    (rc = ramfs_lookup_parent(base, path, &ndir, nname, &slash)))
		return rc;
	return ramfs_rename(odir, oname, ndir, nname);
}

long sys_rename(struct trap_frame *f)
{
	return do_rename(f->ebx, f->ecx);
}

long sys_renameat2(struct trap_frame *f)
{
	if ((int)f->ebx != AT_FDCWD || (int)f->edx != AT_FDCWD)
		return -EINVAL;         /* directory descriptors: not yet */
	if (f->eax == 353 && f->edi)
		return -EINVAL;         /* RENAME_NOREPLACE and friends: not yet */
	return do_rename(f->ecx, f->esi);
}

long sys_faccessat(struct trap_frame *f)
{
	struct kstat st;
	if ((int)f->ebx != AT_FDCWD)
		return -EINVAL;
	return stat_path(f->ecx, true, &st);
}

long sys_mkdir(struct trap_frame *f)
{
	return on_parent(f->ebx, 0);
}

long sys_unlink(struct trap_frame *f)
{
	return on_parent(f->ebx, 1);
}

long sys_rmdir(struct trap_frame *f)
{
	return on_parent(f->ebx, 2);
}

long sys_access(struct trap_frame *f)
{
	struct kstat st;
	return stat_path(f->ebx, true, &st);    /* everything is root's: existence is access */
}

/* execve: the new image replaces the old only once it is fully loaded. */
long sys_execve(struct trap_frame *f)
{
	char path[PATH_MAX_];
	struct ramfs_node *n;
	int rc = get_path(f->ebx, path, sizeof(path));
	if (rc || (rc = ramfs_lookup(curproc->cwd ? curproc->cwd : rootfs.root, path, &n)))
		return rc;
	if (n->type != RAMFS_FILE)
		return -EACCES;

	/* The arguments, into the kernel before the old image goes. */
	enum { MAXARGS = 32, STRSPACE = 8192 };
	char *space = kmalloc(STRSPACE);
	const char *argv[MAXARGS + 1], *envp[MAXARGS + 1];
	if (!space)
		return -ENOMEM;
	uint32_t used = 0;
	for (int which = 0; which < 2; which++) {
		uint32_t uvec = which ? f->edx : f->ecx;
		const char **vec = which ? envp : argv;
		int i = 0;
		for (; uvec && i < MAXARGS; i++) {
			uint32_t up;
			if (copy_from_user(&up, uvec + (uint32_t)i * 4, 4)) {
				kfree(space);
				return -EFAULT;
			}
			if (!up)
				break;
			if (used >= STRSPACE || (rc = get_path(up, space + used, STRSPACE - used)) ==
			    -ENAMETOOLONG_) {
				kfree(space);
				return -E2BIG;
			}
			if (rc && rc != -ENOENT) {      /* "" is a valid argument */
				kfree(space);
				return rc;
			}
			vec[i] = space + used;
			used += (uint32_t)strlen(space + used) + 1;
		}
		vec[i] = NULL;
	}
	if (!argv[0])
		argv[0] = path;

	struct proc *p = curproc;
	struct pae_space old = p->as;
	uint32_t old_brk_start = p->brk_start, old_brk = p->brk, old_mmap = p->mmap_next;
	char err[128];
	rc = proc_exec(p, n->data, n->size, argv, envp, f, err, sizeof(err));
	kfree(space);
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
	signal_exec(p);
	for (int fd = 0; fd < NFD; fd++)
		if (p->fds[fd] && p->fd_cloexec[fd]) {
			file_put(p->fds[fd]);
			p->fds[fd] = NULL;
			p->fd_cloexec[fd] = 0;
		}
	return (long)f->eax;            /* the new image's eax (0) */
}
