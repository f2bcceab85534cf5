/*
 * ringos: the calls on a file's metadata: stat64, lstat64, fstat64,
 * fstatat64, statx, access, faccessat, chmod, chown, utimensat (the ramfs
 * keeps no times), truncate, and statfs64 (the ramfs shown as tmpfs).
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

#include "path.h"

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
	int rc = path_lookup_at(dirfd, upath, follow, &n);
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

/* faccessat (307) and faccessat2 (439): everything is root's, so existence
 * is access, except executing a file with no x bit at all. */
long sys_faccessat(struct trap_frame *f)
{
	struct ramfs_node *n;
	uint32_t flags = f->eax == 439 ? f->esi : 0;
	int rc = path_lookup_at((int32_t)f->ebx, f->ecx, !(flags & AT_SYMLINK_NOFOLLOW), &n);
	if (rc)
		return rc;
	if ((f->edx & 1) && n->type == RAMFS_FILE && !(n->mode & 0111))
		return -EACCES;         /* X_OK */
	return 0;
}

long sys_access(struct trap_frame *f)
{
	struct ramfs_node *n;
	int rc = path_lookup_at(AT_FDCWD, f->ebx, true, &n);
	if (rc)
		return rc;
	return (f->ecx & 1) && n->type == RAMFS_FILE && !(n->mode & 0111) ? -EACCES : 0;
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
		rc = path_lookup_at((int32_t)f->ebx, f->ecx, true, &n);
		mode = f->edx;
	} else {
		rc = path_lookup_at(AT_FDCWD, f->ebx, true, &n);
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
		return path_lookup_at((int32_t)f->ebx, f->ecx, !(f->edi & AT_SYMLINK_NOFOLLOW), &n);
	case 16: case 198:                                      /* lchown, lchown32 */
		return path_lookup_at(AT_FDCWD, f->ebx, false, &n);
	default:                                                /* chown (182), chown32 (212) */
		return path_lookup_at(AT_FDCWD, f->ebx, true, &n);
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
		return path_lookup_at((int32_t)f->ebx, f->ecx, !(f->esi & AT_SYMLINK_NOFOLLOW), &n);
	}
	return path_lookup_at(AT_FDCWD, f->ebx, true, &n);
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
		int rc = path_lookup_at(AT_FDCWD, f->ebx, true, &n);
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
		int rc = path_lookup_at(AT_FDCWD, f->ebx, true, &n);
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
