/*
 * ringos: the calls on a file's metadata: stat64, lstat64, fstat64,
 * fstatat64, statx, access, faccessat, chmod, chown, utimensat, utimes,
 * utime, truncate, and statfs64, through the VFS (vfs.h): ext2 keeps
 * owners and times, ramfs none (everything is root's, its times 0).
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
	memcpy(b + 20, &st->uid, 4);
	memcpy(b + 24, &st->gid, 4);
	memcpy(b + 28, &mode, 2);
	uint64_t ino = st->ino;
	memcpy(b + 32, &ino, 8);
	memcpy(b + 40, &st->size, 8);
	memcpy(b + 48, &st->blocks, 8);
	/* statx_timestamps: a 64-bit second, then nanoseconds (none kept) */
	const uint32_t *const times[] = { &st->atime, NULL, &st->ctime, &st->mtime };
	for (unsigned i = 0; i < 4; i++) {
		uint64_t sec = times[i] ? *times[i] : 0;
		memcpy(b + 64 + 16 * i, &sec, 8);
	}
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
	memcpy(b + 24, &st->uid, 4);
	memcpy(b + 28, &st->gid, 4);
	memcpy(b + 32, &rdev, 8);
	memcpy(b + 44, &st->size, 8);
	memcpy(b + 52, &st->blksize, 4);
	memcpy(b + 56, &st->blocks, 8);
	memcpy(b + 64, &st->atime, 4);
	memcpy(b + 72, &st->mtime, 4);
	memcpy(b + 80, &st->ctime, 4);
	memcpy(b + 88, &ino, 8);
	return copy_to_user(ubuf, b, sizeof(b)) ? -EFAULT : 0;
}

static long stat_path(int32_t dirfd, uint32_t upath, bool follow, struct kstat *st)
{
	struct vnode v;
	struct vfs_fwd fwd;
	int rc = path_lookup_fwd_at(dirfd, upath, follow, &v, &fwd);
	if (rc == VFS_FORWARDED) {
		rc = fwd_stat(&fwd, follow, st);
		path_fwd_done(&fwd);
		return rc;
	}
	if (rc)
		return rc;
	rc = file_stat(&v, st);
	vfs_put(&v);
	return rc;
}

/* statx(dirfd, path, flags, mask, buf) */
long sys_statx(struct trap_frame *f)
{
	struct kstat st;
	int32_t dirfd = (int32_t)f->ebx;
	long rc;
	if (f->edx & AT_EMPTY_PATH) {
		struct file *file = fd_get(curproc, (uint32_t)dirfd);
		if (!file)
			return -EBADF;
		rc = file_stat_file(file, &st);
	} else {
		rc = stat_path(dirfd, f->ecx, !(f->edx & AT_SYMLINK_NOFOLLOW), &st);
	}
	return rc ? rc : put_statx(&st, f->edi);
}

/* fstatat64(dirfd, path, buf, flags) */
long sys_fstatat64(struct trap_frame *f)
{
	struct kstat st;
	long rc;
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
			rc = file_stat_file(file, &st);
			return rc ? rc : put_stat64(&st, f->edx);
		}
	}
	rc = stat_path((int32_t)f->ebx, f->ecx, !(f->esi & AT_SYMLINK_NOFOLLOW), &st);
	return rc ? rc : put_stat64(&st, f->edx);
}

long sys_fstat64(struct trap_frame *f)
{
	struct kstat st;
	struct file *file = fd_get(curproc, f->ebx);
	if (!file)
		return -EBADF;
	long rc = file_stat_file(file, &st);
	return rc ? rc : put_stat64(&st, f->ecx);
}

long sys_stat64(struct trap_frame *f)
{
	struct kstat st;
	long rc = stat_path(AT_FDCWD, f->ebx, f->eax != 196, &st);     /* 196: lstat64 */
	return rc ? rc : put_stat64(&st, f->ecx);
}

/* access, faccessat (307), faccessat2 (439): everything is root's, so
 * existence is access, except executing a file with no x bit at all, and
 * writing in a read-only mount. */
static long do_access(int32_t dirfd, uint32_t upath, uint32_t how, uint32_t flags)
{
	struct vnode v;
	struct kstat st;
	struct vfs_fwd fwd;
	int rc = path_lookup_fwd_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), &v, &fwd);
	if (rc == VFS_FORWARDED) {      /* one stat: the server's files are root's too */
		bool ro = fwd.dir.mnt->flags & VFS_MNT_RDONLY;
		if (!(rc = fwd_stat(&fwd, !(flags & AT_SYMLINK_NOFOLLOW), &st))) {
			if ((how & 1) && (st.mode & 0170000) == 0100000 && !(st.mode & 0111))
				rc = -EACCES;
			else if ((how & 2) && ro)
				rc = -EROFS;
		}
		path_fwd_done(&fwd);
		return rc;
	}
	if (rc)
		return rc;
	if (!(rc = vfs_stat(&v, &st))) {
		if ((how & 1) && v.type == VREG && !(st.mode & 0111))
			rc = -EACCES;           /* X_OK */
		else if ((how & 2) && (v.mnt->flags & VFS_MNT_RDONLY))
			rc = -EROFS;            /* W_OK */
	}
	vfs_put(&v);
	return rc;
}

long sys_faccessat(struct trap_frame *f)
{
	return do_access((int32_t)f->ebx, f->ecx, f->edx, f->eax == 439 ? f->esi : 0);
}

long sys_access(struct trap_frame *f)
{
	return do_access(AT_FDCWD, f->ebx, f->ecx, 0);
}

static int target_fd(int32_t dirfd, struct vnode *v)
{
	struct file *file = fd_get(curproc, (uint32_t)dirfd);
	if (!file)
		return -EBADF;
	*v = file->vn;
	return v->mnt ? vfs_hold(v) : 0;
}

/* The file a descriptor, or else a path, names (held). A pipe has none:
 * *v.mnt NULL. */
static int target(bool by_fd, int32_t dirfd, uint32_t upath, bool follow, struct vnode *v)
{
	if (!by_fd)
		return path_lookup_at(dirfd, upath, follow, v);
	return target_fd(dirfd, v);
}

/* target, or VFS_FORWARDED with *fwd for a path the server resolves. */
static int target_fwd(bool by_fd, int32_t dirfd, uint32_t upath, bool follow, struct vnode *v,
		      struct vfs_fwd *fwd)
{
	if (!by_fd)
		return path_lookup_fwd_at(dirfd, upath, follow, v, fwd);
	return target_fd(dirfd, v);
}

/* A call (chown, utimes) fsif does not carry, on a forwarded path: the
 * file must be there (one stat), then nothing changes, as on ramfs. */
static int exists_fwd(struct vfs_fwd *fwd, bool follow)
{
	struct kstat st;
	int rc = fwd_stat(fwd, follow, &st);
	path_fwd_done(fwd);
	return rc;
}

/* chmod (15), fchmod (94), fchmodat (306). */
long sys_chmod(struct trap_frame *f)
{
	struct vnode v;
	struct vfs_fwd fwd;
	uint32_t mode = f->eax == 306 ? f->edx : f->ecx;
	int rc = f->eax == 306 ? target_fwd(false, (int32_t)f->ebx, f->ecx, true, &v, &fwd) :
		 f->eax == 94 ? target(true, (int32_t)f->ebx, 0, false, &v) :
				target_fwd(false, AT_FDCWD, f->ebx, true, &v, &fwd);
	if (rc == VFS_FORWARDED) {
		rc = fwd_chmod(&fwd, mode);
		path_fwd_done(&fwd);
		return rc;
	}
	if (rc || !v.mnt)
		return rc;                      /* a pipe: nothing to keep */
	rc = vfs_chmod(&v, mode);
	vfs_put(&v);
	return rc;
}

/* chown and its forms; the 16-bit ones (lchown 16, fchown 95, chown 182)
 * say "keep" with 0xffff. */
long sys_chown(struct trap_frame *f)
{
	struct vnode v;
	struct vfs_fwd fwd;
	bool follow = true;
	uint32_t uid = f->ecx, gid = f->edx;
	int rc;
	switch (f->eax) {
	case 95: case 207:                                      /* fchown, fchown32 */
		rc = target(true, (int32_t)f->ebx, 0, false, &v);
		break;
	case 298:                                               /* fchownat */
		follow = !(f->edi & AT_SYMLINK_NOFOLLOW);
		rc = target_fwd(false, (int32_t)f->ebx, f->ecx, follow, &v, &fwd);
		uid = f->edx;
		gid = f->esi;
		break;
	case 16: case 198:                                      /* lchown, lchown32 */
		follow = false;
		rc = target_fwd(false, AT_FDCWD, f->ebx, false, &v, &fwd);
		break;
	default:                                                /* chown (182), chown32 (212) */
		rc = target_fwd(false, AT_FDCWD, f->ebx, true, &v, &fwd);
		break;
	}
	if (rc == VFS_FORWARDED)
		return exists_fwd(&fwd, follow);
	if (f->eax == 16 || f->eax == 95 || f->eax == 182) {
		uid = (uid & 0xffff) == 0xffff ? 0xffffffffu : uid & 0xffff;
		gid = (gid & 0xffff) == 0xffff ? 0xffffffffu : gid & 0xffff;
	}
	if (rc || !v.mnt)
		return rc;
	rc = vfs_chown(&v, uid, gid);
	vfs_put(&v);
	return rc;
}

#define UTIME_NOW       0x3fffffff
#define UTIME_OMIT      0x3ffffffe

/* One time of utimensat's pair (seconds, nanoseconds), of utimes' (the
 * second field microseconds) or utime's (seconds only), as the VFS takes it. */
static uint32_t time_arg(int64_t sec, int64_t frac, bool ns)
{
	if (ns && frac == UTIME_OMIT)
		return VFS_TIME_KEEP;
	if (ns && frac == UTIME_NOW)
		return vfs_now();
	return (uint32_t)sec;
}

/*
 * utimensat (320; 412 with 64-bit times), utimes (271), utime (30). No
 * times: now. ext2 keeps them (the change time becomes now); ramfs keeps
 * none, so setting them there succeeds and changes nothing.
 */
long sys_utimensat(struct trap_frame *f)
{
	bool at = f->eax == 320 || f->eax == 412;
	uint32_t utimes = at ? f->edx : f->ecx, t[2];
	int32_t w[4] = { 0, 0, 0, 0 };
	int64_t q[4] = { 0, 0, 0, 0 };
	struct vnode v;
	struct vfs_fwd fwd;
	bool follow = true;
	int rc;

	if (!utimes) {
		t[0] = t[1] = vfs_now();
	} else if (f->eax == 412) {
		if (copy_from_user(q, utimes, sizeof(q)))
			return -EFAULT;
		t[0] = time_arg(q[0], q[1], true);
		t[1] = time_arg(q[2], q[3], true);
	} else {
		if (copy_from_user(w, utimes, f->eax == 30 ? 8 : 16))
			return -EFAULT;
		if (f->eax == 30) {
			t[0] = (uint32_t)w[0];
			t[1] = (uint32_t)w[1];
		} else {
			t[0] = time_arg(w[0], w[1], f->eax == 320);
			t[1] = time_arg(w[2], w[3], f->eax == 320);
		}
	}
	if (at && !f->ecx)                      /* futimens: the descriptor itself */
		rc = target(true, (int32_t)f->ebx, 0, false, &v);
	else if (at)
		rc = target_fwd(false, (int32_t)f->ebx, f->ecx,
				(follow = !(f->esi & AT_SYMLINK_NOFOLLOW)), &v, &fwd);
	else
		rc = target_fwd(false, AT_FDCWD, f->ebx, true, &v, &fwd);
	if (rc == VFS_FORWARDED)
		return exists_fwd(&fwd, follow);
	if (rc || !v.mnt)
		return rc;
	if (t[0] != VFS_TIME_KEEP || t[1] != VFS_TIME_KEEP)
		rc = vfs_utimes(&v, t[0], t[1]);
	vfs_put(&v);
	return rc;
}

/* truncate (92), ftruncate (93), truncate64 (193), ftruncate64 (194). */
long sys_truncate(struct trap_frame *f)
{
	struct vnode v;
	int rc;
	uint64_t size = f->eax >= 193 ? (f->ecx | (uint64_t)f->edx << 32) : (uint64_t)(int32_t)f->ecx;
	if ((int64_t)size < 0)
		return -EINVAL;
	if (f->eax == 93 || f->eax == 194) {
		struct file *file = fd_get(curproc, f->ebx);
		if (!file)
			return -EBADF;
		if (file->vn.type != VREG || (file->flags & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
		return vfs_truncate(&file->vn, size);
	}
	struct vfs_fwd fwd;
	if ((rc = path_lookup_fwd_at(AT_FDCWD, f->ebx, true, &v, &fwd)) == VFS_FORWARDED) {
		rc = fwd_truncate(&fwd, size);
		path_fwd_done(&fwd);
		return rc;
	}
	if (rc)
		return rc;
	rc = vfs_truncate(&v, size);
	vfs_put(&v);
	return rc;
}

#define ST_RDONLY       1

/* statfs64 (268) and fstatfs64 (269): the filesystem's own numbers (a
 * ramfs as tmpfs, ext2 its blocks and inodes); a pipe's are the root's. */
long sys_statfs64(struct trap_frame *f)
{
	struct kstatfs sf;
	struct vnode v;
	uint32_t b[21];
	int rc;
	if (f->ecx != 84)
		return -EINVAL;
	struct vfs_fwd fwd;
	struct kstat st;
	if ((rc = f->eax == 269 ? target(true, (int32_t)f->ebx, 0, false, &v) :
				  target_fwd(false, AT_FDCWD, f->ebx, true, &v, &fwd)) == VFS_FORWARDED) {
		/* the file must be there; the numbers are the mount's */
		rc = fwd_stat(&fwd, true, &st);
		v = fwd.dir;
		vfs_hold(&v);
		path_fwd_done(&fwd);
		if (rc) {
			vfs_put(&v);
			return rc;
		}
	} else if (rc) {
		return rc;
	}
	bool held = v.mnt;
	if (!held)
		vfs_root(&v);
	vfs_statfs(&v, &sf);
	memset(b, 0, sizeof(b));
	b[0] = sf.magic;                /* f_type */
	b[1] = sf.bsize;                /* f_bsize */
	b[2] = sf.blocks;               /* f_blocks */
	b[4] = sf.bfree;                /* f_bfree */
	b[6] = sf.bavail;               /* f_bavail */
	b[8] = sf.files;                /* f_files */
	b[10] = sf.ffree;               /* f_ffree */
	b[12] = v.mnt->dev;             /* f_fsid */
	b[14] = sf.namelen;             /* f_namelen */
	b[15] = sf.bsize;               /* f_frsize */
	b[16] = (v.mnt->flags & VFS_MNT_RDONLY) ? ST_RDONLY : 0;        /* f_flags */
	if (held)
		vfs_put(&v);
	return copy_to_user(f->edx, b, 84) ? -EFAULT : 0;
}
