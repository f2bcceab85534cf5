/*
 * ringos: the calls on directories and names: getdents64, getcwd, chdir,
 * fchdir, mkdir, unlink, rmdir, rename, symlink, link, readlink, with their
 * *at forms. A change is made in the directory holding the last component,
 * through the VFS (vfs.h), whichever filesystem that is.
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

long sys_getdents64(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	uint32_t ubuf = f->ecx, size = f->edx, used = 0;
	struct vfs_dirent de;
	uint8_t rec[VFS_NAME_MAX + 32];

	if (!file)
		return -EBADF;
	if (file->vn.type != VDIR)
		return -ENOTDIR;
	for (;;) {
		uint64_t cookie = file->offset;
		int rc = vfs_readdir(&file->vn, &cookie, &de);
		if (rc <= 0)
			return used ? (long)used : rc;
		uint32_t reclen = ALIGN_UP(19 + (uint32_t)de.name_len + 1, 8u);
		if (used + reclen > size)
			return used ? (long)used : -EINVAL;
		int64_t off = (int64_t)cookie;
		uint16_t rl = (uint16_t)reclen;
		memset(rec, 0, reclen);
		memcpy(rec, &de.ino, 8);
		memcpy(rec + 8, &off, 8);
		memcpy(rec + 16, &rl, 2);
		rec[18] = de.type;
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
	struct vnode cwd;
	long rc;

	if (!buf)
		return -ENOMEM;
	file_cwd(curproc, &cwd);
	rc = vfs_path_of(&cwd, buf, PATH_MAX_);
	if (rc >= 0) {
		uint32_t len = (uint32_t)rc + 1;        /* with the NUL */
		rc = len > f->ecx ? -ERANGE : copy_to_user(f->ebx, buf, len) ? -EFAULT : (long)len;
	}
	path_put(buf);
	return rc;
}

static long set_cwd(const struct vnode *v)
{
	int rc;
	if (v->type != VDIR)
		return -ENOTDIR;
	if ((rc = vfs_hold(v)))
		return rc;
	if (curproc->cwd.mnt)
		vfs_put(&curproc->cwd);
	curproc->cwd = *v;
	return 0;
}

long sys_fchdir(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	if (!file)
		return -EBADF;
	return set_cwd(&file->vn);
}

long sys_chdir(struct trap_frame *f)
{
	struct vnode v;
	struct vfs_fwd fwd;
	int rc = path_lookup_fwd_at(AT_FDCWD, f->ebx, true, &v, &fwd);
	if (rc == VFS_FORWARDED) {      /* the working directory: a handle open on it */
		rc = fwd_open(&fwd, O_RDONLY | O_DIRECTORY, 0, &v);
		path_fwd_done(&fwd);
	}
	if (rc)
		return rc;
	rc = (int)set_cwd(&v);
	vfs_put(&v);
	return rc;
}

enum { OP_MKDIR, OP_UNLINK, OP_RMDIR };

/* mkdir, unlink, rmdir: on the parent of the last component. */
static long on_parent(int32_t dirfd, uint32_t upath, int op, uint32_t mode)
{
	char name[VFS_NAME_MAX + 1];
	struct vnode dir;
	struct vfs_fwd fwd;
	bool slash;
	int rc = path_parent_fwd_at(dirfd, upath, &dir, name, &slash, &fwd);
	if (rc == VFS_FORWARDED) {
		rc = op == OP_MKDIR ? fwd_mkdir(&fwd, mode & 07777 & ~curproc->umask) :
		     op == OP_UNLINK ? fwd_unlink(&fwd) : fwd_rmdir(&fwd);
		path_fwd_done(&fwd);
		return rc;
	}
	if (rc)
		return rc;
	switch (op) {
	case OP_MKDIR:
		rc = vfs_mkdir(&dir, name, mode & 07777 & ~curproc->umask);
		break;
	case OP_UNLINK:
		rc = slash ? -ENOTDIR : vfs_unlink(&dir, name);
		break;
	default:
		rc = vfs_rmdir(&dir, name);
		break;
	}
	vfs_put(&dir);
	return rc;
}

/* rename and renameat/renameat2 (flags 0 only): within one filesystem
 * (EXDEV between two: mv copies then). */
static long do_rename(int32_t olddirfd, uint32_t uold, int32_t newdirfd, uint32_t unew)
{
	char oname[VFS_NAME_MAX + 1], nname[VFS_NAME_MAX + 1];
	struct vnode odir, ndir;
	struct vfs_fwd ofwd, nfwd;
	bool slash;
	int ro = path_parent_fwd_at(olddirfd, uold, &odir, oname, &slash, &ofwd), rn, rc;
	if (ro < 0)
		return ro;
	rn = path_parent_fwd_at(newdirfd, unew, &ndir, nname, &slash, &nfwd);
	if (rn < 0)
		rc = rn;
	else if (ro == VFS_FORWARDED && rn == VFS_FORWARDED)
		rc = fwd_rename(&ofwd, &nfwd);          /* one request (EXDEV between two mounts) */
	else if (ro == VFS_FORWARDED || rn == VFS_FORWARDED)
		rc = -EXDEV;                            /* a forwarded name and a local one */
	else
		rc = vfs_rename(&odir, oname, &ndir, nname);
	if (rn == VFS_FORWARDED)
		path_fwd_done(&nfwd);
	else if (rn == 0)
		vfs_put(&ndir);
	if (ro == VFS_FORWARDED)
		path_fwd_done(&ofwd);
	else
		vfs_put(&odir);
	return rc;
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

/* symlink (83) and symlinkat (304): the target is stored as given. */
long sys_symlinkat(struct trap_frame *f)
{
	char *target = path_get(), name[VFS_NAME_MAX + 1];
	struct vnode dir;
	struct vfs_fwd fwd;
	bool slash;
	bool at = f->eax == 304;
	if (!target)
		return -ENOMEM;
	int rc = path_from_user(f->ebx, target, PATH_MAX_);
	if (!rc && (rc = path_parent_fwd_at(at ? (int32_t)f->ecx : AT_FDCWD, at ? f->edx : f->ecx,
					    &dir, name, &slash, &fwd)) == VFS_FORWARDED) {
		rc = fwd_symlink(&fwd, target);
		path_fwd_done(&fwd);
	} else if (!rc) {
		rc = vfs_symlink(&dir, name, target);
		vfs_put(&dir);
	}
	path_put(target);
	return rc;
}

/* link (9) and linkat (303, flags: AT_SYMLINK_FOLLOW): a new name in the
 * same filesystem (EXDEV across two; ramfs has no hard links: EPERM). */
long sys_link(struct trap_frame *f)
{
	bool at = f->eax == 303;
	uint32_t flags = at ? f->edi : 0;
	char name[VFS_NAME_MAX + 1];
	struct vnode v, dir;
	struct vfs_fwd ofwd, nfwd;
	bool slash;
	if (flags & ~AT_SYMLINK_FOLLOW)
		return -EINVAL;
	int ro = path_lookup_fwd_at(at ? (int32_t)f->ebx : AT_FDCWD, at ? f->ecx : f->ebx,
				    flags & AT_SYMLINK_FOLLOW, &v, &ofwd), rn, rc;
	if (ro < 0)
		return ro;
	rn = path_parent_fwd_at(at ? (int32_t)f->edx : AT_FDCWD, at ? f->esi : f->ecx, &dir, name,
				&slash, &nfwd);
	if (rn < 0)
		rc = rn;
	else if (ro == VFS_FORWARDED || rn == VFS_FORWARDED)
		/* fsif has no hard links: a forwarded mount is as ramfs */
		rc = ro == rn && ofwd.dir.mnt == nfwd.dir.mnt ? -EPERM : -EXDEV;
	else
		rc = slash ? -ENOENT : vfs_link(&v, &dir, name);
	if (rn == VFS_FORWARDED)
		path_fwd_done(&nfwd);
	else if (rn == 0)
		vfs_put(&dir);
	if (ro == VFS_FORWARDED)
		path_fwd_done(&ofwd);
	else
		vfs_put(&v);
	return rc;
}

/* readlink (85) and readlinkat (305). */
long sys_readlinkat(struct trap_frame *f)
{
	struct vnode v;
	bool at = f->eax == 305;
	uint32_t ubuf = at ? f->edx : f->ecx, len = at ? f->esi : f->edx;
	struct vfs_fwd fwd;
	int rc = path_lookup_fwd_at(at ? (int32_t)f->ebx : AT_FDCWD, at ? f->ecx : f->ebx, false, &v,
				    &fwd);
	if (rc == VFS_FORWARDED) {
		char *t = (int32_t)len > 0 ? path_get() : NULL;
		long got = (int32_t)len <= 0 ? -EINVAL : !t ? -ENOMEM :
			   fwd_readlink(&fwd, t, MIN(len, (uint32_t)PATH_MAX_));
		if (got >= 0 && copy_to_user(ubuf, t, (uint32_t)got))
			got = -EFAULT;
		if (t)
			path_put(t);
		path_fwd_done(&fwd);
		return got;
	}
	if (rc)
		return rc;
	char *target = (int32_t)len > 0 ? path_get() : NULL;
	long got = (int32_t)len <= 0 ? -EINVAL : !target ? -ENOMEM :
		   vfs_readlink(&v, target, MIN(len, (uint32_t)PATH_MAX_));
	if (got >= 0 && copy_to_user(ubuf, target, (uint32_t)got))
		got = -EFAULT;
	if (target)
		path_put(target);
	vfs_put(&v);
	return got;
}
