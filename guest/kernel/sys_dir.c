/*
 * ringos: the calls on directories and names: getdents64, getcwd, chdir,
 * fchdir, mkdir, unlink, rmdir, rename, symlink, link, readlink, with their
 * *at forms. A change is made in the directory holding the last component.
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

#include "path.h"

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
		static const uint8_t dtype[] = { 0, 4, 8, 2, 10, 6 };  /* DT_DIR, DT_REG, DT_CHR, DT_LNK, DT_BLK */
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
	int rc = path_lookup_at(AT_FDCWD, f->ebx, true, &n);
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
	char *target = path_get(), name[RAMFS_NAME_MAX + 1];
	struct ramfs_node *dir;
	bool slash;
	bool at = f->eax == 304;
	if (!target)
		return -ENOMEM;
	int rc = path_from_user(f->ebx, target, PATH_MAX_);
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
	int rc = path_lookup_at(at ? (int32_t)f->ebx : AT_FDCWD, at ? f->ecx : f->ebx, false, &n);
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
