/*
 * ringos: mount(2) and umount2(2), the mounts the kernel command line asks
 * for (mount=DEVICE:DIR[:ro], before init starts), and the unmounting at
 * power off. A mount is ext2 on a disk's node (/dev/hda, docs/ext2.md) or
 * a new empty ramfs (tmpfs, ramfs); the VFS puts it in the tree (vfs.h,
 * docs/vfs.md).
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "blkdev.h"
#include "ext2.h"
#include "path.h"

/* mount(2)'s flags (Linux's MS_*). */
#define MS_RDONLY       0x1u
#define MS_REMOUNT      0x20u
#define MS_BIND         0x1000u
#define MS_MOVE         0x2000u
#define MS_PROPAGATION  0x3c0000u       /* MS_UNBINDABLE, PRIVATE, SLAVE, SHARED */
#define MS_MGC_MASK     0xffff0000u
#define MS_MGC_VAL      0xc0ed0000u     /* the old magic in the high half, ignored */
/* What changes an existing mount rather than making one: not here. */
#define MS_UNSUPPORTED  (MS_REMOUNT | MS_BIND | MS_MOVE | MS_PROPAGATION)

/* umount2(2)'s flags. */
#define MNT_FORCE       0x1u
#define MNT_DETACH      0x2u
#define MNT_EXPIRE      0x4u
#define UMOUNT_NOFOLLOW 0x8u

/* ---------------------------------------------------------------- a disk for ext2 */

static int disk_read(void *bd, uint64_t sector, unsigned count, void *buf)
{
	size_t len = (size_t)count * BLKDEV_SECTOR;
	return blkdev_read(bd, sector * BLKDEV_SECTOR, buf, len) == (long)len ? 0 : -EIO;
}

static int disk_write(void *bd, uint64_t sector, unsigned count, const void *buf)
{
	size_t len = (size_t)count * BLKDEV_SECTOR;
	return blkdev_write(bd, sector * BLKDEV_SECTOR, buf, len) == (long)len ? 0 : -EIO;
}

static int disk_flush(void *bd)
{
	return blkdev_flush(bd);
}

static int dev_mounted(struct mount *m, void *dev)
{
	return m->dev == *(uint32_t *)dev ? -EBUSY : 0;
}

/* ext2 on the disk whose node source names. */
static int mount_disk(const struct vnode *base, const char *source, bool rdonly,
		      struct mount **out)
{
	struct vnode node;
	struct kstat st;
	struct blkdev *bd = NULL;
	const char *why = NULL;
	int rc = vfs_lookup(base, source, 0, &node);
	if (rc)
		return rc;
	if (node.type != VBLK)
		rc = -ENOTBLK;
	else if (!(rc = vfs_stat(&node, &st)) && !(bd = blkdev_find(st.rdev)))
		rc = -ENXIO;
	vfs_put(&node);
	if (rc || (rc = vfs_each_mount(dev_mounted, &st.rdev)))
		return rc;
	if (bd->readonly && !rdonly)
		return -EACCES;         /* Linux's: mount(8) then tries read-only */
	struct ext2_dev dev = { disk_read, disk_write, disk_flush, bd, bd->sectors };
	if ((rc = vfs_ext2_mount(&dev, rdonly, out, &why))) {
		kprintf("ringos: mount %s: %s (%d)\n", source, why ? why : "cannot mount", rc);
		return rc == -EOPNOTSUPP || rc == -EUCLEAN ? -EINVAL : rc;  /* Linux's "wrong fs type" */
	}
	if (why)
		kprintf("ringos: mount %s: %s\n", source, why);
	(*out)->dev = st.rdev;
	snprintf((*out)->source, sizeof((*out)->source), "%s", source);
	return 0;
}

/* A new empty ramfs, its own. */
static int mount_ramfs(const char *type, const char *source, struct mount **out)
{
	static const struct ramfs_ops heap = { vfs_alloc, vfs_free, NULL };
	struct ramfs *fs = kmalloc(sizeof(*fs));
	if (!fs || ramfs_init(fs, &heap)) {
		kfree(fs);
		return -ENOMEM;
	}
	if (!(*out = vfs_ramfs_mount(fs, true))) {
		ramfs_destroy(fs);
		kfree(fs);
		return -ENOMEM;
	}
	(*out)->type = type[0] == 't' ? "tmpfs" : "ramfs";
	(*out)->dev = vfs_anon_dev();
	snprintf((*out)->source, sizeof((*out)->source), "%s", source);
	return 0;
}

/* Mount a filesystem of type on target: the whole of mount(2) but the copying in. */
static int do_mount(const struct vnode *base, const char *source, const char *target,
		    const char *type, uint32_t flags)
{
	struct vnode dir;
	struct mount *m = NULL;
	int rc;

	if ((flags & MS_MGC_MASK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MASK;
	if (flags & MS_UNSUPPORTED)
		return -EINVAL;
	vfs_lock();
	if ((rc = vfs_lookup(base, target, 0, &dir)))
		goto out;
	if (dir.type != VDIR)
		rc = -ENOTDIR;
	else if (!strcmp(type, "ext2"))
		rc = mount_disk(base, source, flags & MS_RDONLY, &m);
	else if (!strcmp(type, "tmpfs") || !strcmp(type, "ramfs"))
		rc = mount_ramfs(type, source, &m);
	else
		rc = -ENODEV;           /* a type ringos does not have */
	if (!rc && (flags & MS_RDONLY))
		m->flags |= VFS_MNT_RDONLY;
	if (!rc && (rc = vfs_mount_at(m, &dir)))
		m->ops->unmount(m);
	vfs_put(&dir);
out:
	vfs_unlock();
	return rc;
}

/* mount(source, target, type, flags, data): data (options) is not read. */
long sys_mount(struct trap_frame *f)
{
	char *source = path_get(), *target = path_get(), type[16];
	struct vnode base;
	int rc = -ENOMEM;

	if (!source || !target)
		goto out;
	if (!f->ebx)
		snprintf(source, PATH_MAX_, "none");
	else if ((rc = path_from_user(f->ebx, source, PATH_MAX_)))
		goto out;
	if ((rc = path_from_user(f->ecx, target, PATH_MAX_)))
		goto out;
	if (!f->edx) {
		rc = -EINVAL;
		goto out;
	}
	rc = path_from_user(f->edx, type, sizeof(type));
	if (rc == -ENAMETOOLONG || rc == -ENOENT)
		rc = -ENODEV;           /* no type of that name: too long, or empty */
	if (rc)
		goto out;
	file_cwd(curproc, &base);
	rc = do_mount(&base, source, target, type, f->esi);
out:
	if (source)
		path_put(source);
	if (target)
		path_put(target);
	return rc;
}

/* umount (22, no flags) and umount2 (52): the mount whose root target
 * names; -EINVAL when it names none, -EBUSY while anything there is in
 * use. A lazy unmount (MNT_DETACH) or MNT_EXPIRE: not here. */
long sys_umount2(struct trap_frame *f)
{
	uint32_t flags = f->eax == 22 ? 0 : f->ecx;
	struct vnode v;
	struct mount *m;
	if (flags & ~(MNT_FORCE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	vfs_lock();
	int rc = path_lookup_at(AT_FDCWD, f->ebx, !(flags & UMOUNT_NOFOLLOW), &v);
	if (!rc) {
		m = vfs_mount_of_root(&v);
		vfs_put(&v);
		rc = m ? vfs_umount(m) : -EINVAL;
	}
	vfs_unlock();
	return rc;
}

/* ---------------------------------------------------------------- at boot, at power off */

/* mount=DEVICE:DIR[:ro] from the command line: ext2 on DEVICE at DIR
 * (made if missing), before init runs. Reported either way. */
void fs_mount_boot(const char *spec)
{
	char buf[128], *dir, *opt;
	struct vnode root, d;
	int rc;

	snprintf(buf, sizeof(buf), "%s", spec);
	dir = strchr(buf, ':');
	opt = dir ? strchr(dir + 1, ':') : NULL;
	if (dir)
		*dir++ = '\0';
	if (opt)
		*opt++ = '\0';
	if (!dir || !*dir || !*buf || (opt && strcmp(opt, "ro") && strcmp(opt, "rw"))) {
		kprintf("ringos: mount=%s: not DEVICE:DIR[:ro]\n", spec);
		return;
	}
	vfs_root(&root);
	if (vfs_lookup(&root, dir, 0, &d) == 0) {
		vfs_put(&d);
	} else {
		char name[VFS_NAME_MAX + 1];
		if (!vfs_lookup_parent(&root, dir, &d, name, NULL)) {
			vfs_mkdir(&d, name, 0755);
			vfs_put(&d);
		}
	}
	rc = do_mount(&root, buf, dir, "ext2", opt && !strcmp(opt, "ro") ? MS_RDONLY : 0);
	if (rc)
		kprintf("ringos: mount=%s: error %d\n", spec, rc);
	else
		kprintf("ringos: mounted %s on %s (ext2%s)\n", buf, dir,
			opt && !strcmp(opt, "ro") ? ", read-only" : "");
}

void fs_shutdown(void)
{
	int rc = vfs_shutdown();
	blkdev_flush_all();
	if (rc)
		kprintf("ringos: unmounting at power off: error %d\n", rc);
}
