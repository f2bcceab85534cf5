/*
 * ringos's VFS (guest/kernel/vfs*.c) on the host: a ramfs as "/", tmpfs
 * mounts and ext2 images made by mkfs.ext2 mounted into it. Paths across
 * mounts (shadowing, ".." out of a mount, symbolic links pointing from one
 * filesystem into another, the link limits), a file's absolute path back,
 * what mounts refuse (EBUSY, EXDEV, EROFS, the kernel's EACCES), the
 * references open files hold (a file unlinked while held), unmounting at
 * power off, and that every call takes the lock and gives it back. The
 * images are judged by e2fsck and debugfs (the ext2 fixture).
 */
#include "ext2_fixture.h"
#include "vfs.h"
#include "ramfs.h"

#include <time.h>

#define ENOTBLK_        (-15)
#define EXDEV_          (-18)
#define EACCES_         (-13)
#define ELOOP_          (-40)

/* ---------------------------------------------------------------- the kernel's part */

static int lock_depth, lock_taken;

void vfs_lock(void)
{
	lock_depth++;
	lock_taken++;
}

void vfs_unlock(void)
{
	assert_true(lock_depth > 0);
	lock_depth--;
}

/* The fixture's counting allocator, zeroed as kmalloc's blocks are. */
void *vfs_alloc(size_t size)
{
	void *p = host.alloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void vfs_free(void *p)
{
	host.free(p);
}

uint32_t vfs_now(void)
{
	return (uint32_t)time(NULL);
}

void vfs_memory(uint32_t *total_pages, uint32_t *free_pages)
{
	*total_pages = 1000;
	*free_pages = 600;
}

/* ---------------------------------------------------------------- the tree */

static const struct ramfs_ops heap = { vfs_alloc, vfs_free, NULL };
static struct mount *rootm;

static struct mount *new_ramfs(void)
{
	struct ramfs *fs = vfs_alloc(sizeof(*fs));
	assert_non_null(fs);
	assert_int_equal(ramfs_init(fs, &heap), 0);
	struct mount *m = vfs_ramfs_mount(fs, true);
	assert_non_null(m);
	m->dev = vfs_anon_dev();
	return m;
}

static int vsetup(void **state)
{
	if (setup(state))
		return -1;
	rootm = new_ramfs();
	rootm->dev = 1;
	vfs_mount_root(rootm);
	lock_depth = lock_taken = 0;
	return 0;
}

static int vteardown(void **state)
{
	assert_int_equal(lock_depth, 0);
	vfs_shutdown();
	assert_null(rootm->held);
	rootm->ops->unmount(rootm);
	return teardown(state);
}

static struct vnode root(void)
{
	struct vnode r;
	vfs_root(&r);
	return r;
}

/* Where path leads (the hold given back at once: nothing changes meanwhile). */
static int look(const char *path, unsigned flags, struct vnode *v)
{
	struct vnode r = root();
	int rc = vfs_lookup(&r, path, flags, v);
	if (!rc)
		vfs_put(v);
	assert_int_equal(lock_depth, 0);
	return rc;
}

static struct vnode at(const char *path)
{
	struct vnode v;
	int rc = look(path, VFS_NOFOLLOW, &v);
	if (rc)
		fail_msg("%s: %d", path, rc);
	return v;
}

/* A change in path's directory, by the call given. */
enum op { MKDIR, FILE_, LINK, UNLINK, RMDIR };

static int change(enum op op, const char *path, const char *arg)
{
	struct vnode r = root(), dir, f;
	char name[VFS_NAME_MAX + 1];
	int rc = vfs_lookup_parent(&r, path, &dir, name, NULL);
	if (rc)
		return rc;
	switch (op) {
	case MKDIR: rc = vfs_mkdir(&dir, name, 0755); break;
	case LINK: rc = vfs_symlink(&dir, name, arg); break;
	case UNLINK: rc = vfs_unlink(&dir, name); break;
	case RMDIR: rc = vfs_rmdir(&dir, name); break;
	case FILE_:
		if (!(rc = vfs_create(&dir, name, 0644, &f))) {
			long n = vfs_write(&f, 0, arg, strlen(arg));
			rc = n == (long)strlen(arg) ? 0 : (int)n;
			vfs_put(&f);
		}
		break;
	}
	vfs_put(&dir);
	assert_int_equal(lock_depth, 0);
	return rc;
}

#define ok(op, path, arg) assert_int_equal(change(op, path, arg), 0)

/* A file's contents, NUL-terminated, in a static buffer. */
static const char *cat(const char *path)
{
	static char buf[4096];
	struct vnode v;
	assert_int_equal(look(path, 0, &v), 0);
	long n = vfs_read(&v, 0, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static const char *path_of(const char *path)
{
	static char buf[512];
	struct vnode v = at(path);
	long n = vfs_path_of(&v, buf, sizeof(buf));
	if (n < 0)
		fail_msg("path_of %s: %ld", path, n);
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

static bool same(const char *path, const struct vnode *v)
{
	struct vnode w = at(path);
	return vnode_same(&w, v);
}

static uint32_t dev_of(const char *path)
{
	struct kstat st;
	struct vnode v = at(path);
	assert_int_equal(vfs_stat(&v, &st), 0);
	return st.dev;
}

static struct mount *mount_tmpfs(const char *path)
{
	struct mount *m = new_ramfs();
	struct vnode d;
	struct vnode r = root();
	assert_int_equal(vfs_lookup(&r, path, 0, &d), 0);
	assert_int_equal(vfs_mount_at(m, &d), 0);
	vfs_put(&d);
	return m;
}

static struct mount *mount_ext2(const char *img, const char *path, bool rdonly)
{
	struct mount *m;
	struct vnode d, r = root();
	const char *why = NULL;
	disk_open(img);
	assert_int_equal(vfs_ext2_mount(&dev, rdonly, &m, &why), 0);
	m->dev = 0x300;
	assert_int_equal(vfs_lookup(&r, path, 0, &d), 0);
	assert_int_equal(vfs_mount_at(m, &d), 0);
	vfs_put(&d);
	return m;
}

/* ---------------------------------------------------------------- tests */

/* A mount hides what its directory held, has its own device number, and
 * "..", "." and absolute paths lead out of it; its paths come back whole. */
static void test_shadow_and_dotdot(void **state)
{
	ok(MKDIR, "/mnt", NULL);
	ok(FILE_, "/mnt/under", "beneath");
	ok(FILE_, "/top", "top");
	struct mount *m = mount_tmpfs("/mnt");
	struct vnode v;
	assert_int_equal(look("/mnt/under", 0, &v), ENOENT_);
	ok(FILE_, "/mnt/x", "in tmpfs");
	assert_string_equal(cat("/mnt/x"), "in tmpfs");
	assert_string_equal(cat("/mnt/../top"), "top");
	assert_string_equal(cat("/mnt/./../mnt/x"), "in tmpfs");
	assert_string_equal(cat("/mnt/../../../top"), "top");
	assert_int_equal(dev_of("/"), 1);
	assert_int_equal(dev_of("/mnt"), m->dev);
	assert_int_equal(dev_of("/mnt/x"), m->dev);
	assert_true(same("/mnt", &m->root));
	ok(MKDIR, "/mnt/d", NULL);
	ok(MKDIR, "/mnt/d/e", NULL);
	assert_string_equal(path_of("/mnt/d/e"), "/mnt/d/e");
	assert_string_equal(path_of("/mnt"), "/mnt");
	assert_string_equal(path_of("/mnt/d/e/.."), "/mnt/d");
	assert_string_equal(path_of("/mnt/d/e/../../.."), "/");
	/* A relative walk from inside the mount, out of it. */
	struct vnode base = at("/mnt/d"), t;
	assert_int_equal(vfs_lookup(&base, "../../top", 0, &t), 0);
	assert_true(same("/top", &t));
	vfs_put(&t);
	assert_int_equal(vfs_umount(m), 0);
	assert_string_equal(cat("/mnt/under"), "beneath");
	assert_true(lock_taken > 0);
}

/* Mounts inside mounts: each ".." one level up, across both. */
static void test_nested_mounts(void **state)
{
	ok(MKDIR, "/a", NULL);
	struct mount *ma = mount_tmpfs("/a");
	ok(MKDIR, "/a/b", NULL);
	struct mount *mb = mount_tmpfs("/a/b");
	ok(MKDIR, "/a/b/c", NULL);
	ok(FILE_, "/a/f", "in a");
	assert_string_equal(cat("/a/b/c/../../f"), "in a");
	assert_string_equal(path_of("/a/b/c"), "/a/b/c");
	assert_string_equal(path_of("/a/b/c/../.."), "/a");
	assert_int_equal(dev_of("/a/b/c"), mb->dev);
	/* The outer one cannot go first: the inner holds its mount point. */
	assert_int_equal(vfs_umount(ma), EBUSY_);
	assert_int_equal(vfs_umount(mb), 0);
	assert_int_equal(vfs_umount(ma), 0);
	/* Stacked on one directory: the last mount shows, each comes off in turn. */
	struct mount *m1 = mount_tmpfs("/a");
	ok(FILE_, "/a/one", "1");
	struct mount *m2 = mount_tmpfs("/a");
	struct vnode v;
	assert_int_equal(look("/a/one", 0, &v), ENOENT_);
	assert_string_equal(path_of("/a"), "/a");
	assert_int_equal(vfs_umount(m1), EBUSY_);
	assert_int_equal(vfs_umount(m2), 0);
	assert_string_equal(cat("/a/one"), "1");
	assert_int_equal(vfs_umount(m1), 0);
}

/* Links are followed from the directory holding them, wherever that is:
 * into a mount, out of one with "..", to an absolute path. The limits are
 * ramfs_lookup's: 40 links in all, nested 8 deep. */
static void test_links_across_mounts(void **state)
{
	char name[32], target[32];
	struct vnode v;
	ok(MKDIR, "/etc", NULL);
	ok(FILE_, "/etc/motd", "welcome");
	ok(MKDIR, "/mnt", NULL);
	struct mount *m = mount_tmpfs("/mnt");
	ok(MKDIR, "/mnt/d", NULL);
	ok(LINK, "/mnt/d/abs", "/etc/motd");
	ok(LINK, "/mnt/d/up", "../../etc");
	ok(LINK, "/into", "mnt/d/up/motd");
	ok(LINK, "/mnt/dir", "d/");
	assert_string_equal(cat("/mnt/d/abs"), "welcome");
	assert_string_equal(cat("/mnt/d/up/motd"), "welcome");
	assert_string_equal(cat("/into"), "welcome");
	assert_int_equal(look("/mnt/dir/abs", 0, &v), 0);
	assert_int_equal(look("/into", VFS_NOFOLLOW, &v), 0);
	assert_int_equal(v.type, VLNK);
	assert_int_equal(look("/mnt/d/abs/", 0, &v), ENOTDIR_);
	ok(LINK, "/mnt/dangling", "/nowhere");
	assert_int_equal(look("/mnt/dangling", 0, &v), ENOENT_);
	ok(LINK, "/mnt/loop", "/mnt/loop");
	assert_int_equal(look("/mnt/loop", 0, &v), ELOOP_);
	/* A chain: c0 -> motd, ci -> c(i-1), alternating filesystems. */
	ok(LINK, "/c0", "/etc/motd");
	for (int i = 1; i <= VFS_LINK_MAX; i++) {
		snprintf(name, sizeof(name), i & 1 ? "/mnt/c%d" : "/c%d", i);
		snprintf(target, sizeof(target), i & 1 ? "/c%d" : "/mnt/c%d", i - 1);
		ok(LINK, name, target);
	}
	snprintf(name, sizeof(name), "/c%d", VFS_LINK_MAX - 2);
	assert_string_equal(cat(name), "welcome");
	snprintf(name, sizeof(name), "/mnt/c%d", VFS_LINK_MAX - 1);    /* 40 links */
	assert_string_equal(cat(name), "welcome");
	snprintf(name, sizeof(name), "/c%d", VFS_LINK_MAX);             /* 41 */
	assert_int_equal(look(name, 0, &v), ELOOP_);
	/* Nested: n0 -> /etc, nk -> n(k-1)/. */
	ok(LINK, "/mnt/n0", "/etc");
	for (int i = 1; i <= VFS_LINK_NEST; i++) {
		snprintf(name, sizeof(name), "/mnt/n%d", i);
		snprintf(target, sizeof(target), "n%d/.", i - 1);
		ok(LINK, name, target);
	}
	snprintf(name, sizeof(name), "/mnt/n%d/motd", VFS_LINK_NEST - 1);
	assert_string_equal(cat(name), "welcome");
	snprintf(name, sizeof(name), "/mnt/n%d", VFS_LINK_NEST);
	assert_int_equal(look(name, 0, &v), ELOOP_);
	(void)m;
}

/* The walk's other errors, and lookup_parent's answers. */
static void test_walk_errors(void **state)
{
	struct vnode v, r = root(), d;
	char name[VFS_NAME_MAX + 1], longname[VFS_NAME_MAX + 2];
	bool slash;
	static char longpath[VFS_PATH_MAX + 1];
	ok(FILE_, "/f", "x");
	ok(MKDIR, "/d", NULL);
	assert_int_equal(look("", 0, &v), ENOENT_);
	assert_int_equal(look("/f/x", 0, &v), ENOTDIR_);
	assert_int_equal(look("/f/", 0, &v), ENOTDIR_);
	assert_int_equal(look("/f/..", 0, &v), ENOTDIR_);
	assert_int_equal(look("//d//", 0, &v), 0);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[VFS_NAME_MAX + 1] = '\0';
	assert_int_equal(look(longname, 0, &v), ENAMETOOLONG_);
	memset(longpath, 'p', VFS_PATH_MAX);
	assert_int_equal(look(longpath, 0, &v), ENAMETOOLONG_);
	assert_int_equal(vfs_lookup_parent(&r, "/d/new/", &d, name, &slash), 0);
	assert_string_equal(name, "new");
	assert_true(slash);
	assert_true(same("/d", &d));
	vfs_put(&d);
	assert_int_equal(vfs_lookup_parent(&r, "///", &d, name, &slash), 0);
	assert_string_equal(name, ".");
	vfs_put(&d);
	assert_int_equal(vfs_lookup_parent(&r, "/f/x", &d, name, &slash), ENOTDIR_);
	assert_int_equal(vfs_lookup_parent(&r, "/none/x", &d, name, &slash), ENOENT_);
	assert_null(rootm->held);
}

/* What mounts refuse: a busy mount, a mount point removed or renamed,
 * links and renames between two mounts, the root and the kernel's, a
 * mount on a file, one device twice; read-only and the kernel's changes. */
static void test_refusals(void **state)
{
	struct vnode r = root(), v, d, f;
	ok(MKDIR, "/mnt", NULL);
	ok(MKDIR, "/k", NULL);
	ok(FILE_, "/file", "data");
	struct mount *m = mount_tmpfs("/mnt");
	ok(FILE_, "/mnt/x", "x");
	/* Busy while a file in it is held, a working directory say. */
	assert_int_equal(vfs_lookup(&r, "/mnt/x", 0, &v), 0);
	assert_int_equal(vfs_umount(m), EBUSY_);
	assert_int_equal(vfs_hold(&v), 0);             /* a second hold: two puts */
	vfs_put(&v);
	assert_int_equal(vfs_umount(m), EBUSY_);
	vfs_put(&v);
	assert_int_equal(change(RMDIR, "/mnt", NULL), EBUSY_);
	assert_int_equal(vfs_lookup(&r, "/", 0, &d), 0);
	assert_int_equal(vfs_rename(&d, "mnt", &d, "elsewhere"), EBUSY_);
	assert_int_equal(vfs_rename(&d, "file", &d, "mnt"), EBUSY_);
	assert_int_equal(vfs_lookup(&r, "/mnt", 0, &v), 0);
	assert_int_equal(vfs_rename(&d, "file", &v, "file"), EXDEV_);
	assert_int_equal(vfs_lookup(&r, "/file", 0, &f), 0);
	assert_int_equal(vfs_link(&f, &v, "hard"), EXDEV_);
	assert_int_equal(vfs_link(&f, &d, "hard"), EPERM_);     /* ramfs: no hard links */
	struct mount *unused = new_ramfs();
	assert_int_equal(vfs_mount_at(unused, &f), ENOTDIR_);
	unused->ops->unmount(unused);
	vfs_put(&f);
	vfs_put(&v);
	vfs_put(&d);
	assert_int_equal(vfs_umount(rootm), EBUSY_);
	/* One device, one mount. */
	struct mount *twin = new_ramfs();
	twin->dev = m->dev;
	assert_int_equal(vfs_lookup(&r, "/k", 0, &d), 0);
	assert_int_equal(vfs_mount_at(twin, &d), EBUSY_);
	twin->ops->unmount(twin);
	/* The kernel's: read, never changed nor unmounted. */
	struct mount *k = new_ramfs();
	k->flags = VFS_MNT_KERNEL;
	assert_int_equal(vfs_mount_at(k, &d), 0);
	vfs_put(&d);
	assert_int_equal(change(FILE_, "/k/new", ""), EACCES_);
	assert_int_equal(change(MKDIR, "/k/new", ""), EACCES_);
	v = at("/k");
	assert_int_equal(vfs_chmod(&v, 0700), EPERM_);
	assert_int_equal(vfs_umount(k), EBUSY_);
	k->flags = 0;                   /* for the test's end */
	assert_int_equal(vfs_umount(k), 0);
	/* Read-only: EROFS for every change. */
	m->flags |= VFS_MNT_RDONLY;
	assert_int_equal(change(FILE_, "/mnt/y", ""), EROFS_);
	assert_int_equal(change(UNLINK, "/mnt/x", ""), EROFS_);
	v = at("/mnt/x");
	assert_int_equal(vfs_write(&v, 0, "z", 1), EROFS_);
	assert_int_equal(vfs_truncate(&v, 0), EROFS_);
	assert_int_equal(vfs_utimes(&v, 1, 2), EROFS_);
	assert_string_equal(cat("/mnt/x"), "x");
	assert_int_equal(vfs_umount(m), 0);
}

/* An ext2 image in the tree: its files read and changed through the VFS,
 * its inode numbers and device, a directory's path from its parents'
 * entries, a file unlinked while held; e2fsck and debugfs judge. */
static void test_ext2_mounted(void **state)
{
	const char *img = tpath("fs.img"), *src = tpath("src");
	assert_int_equal(sh("mkdir -p %s/dir/sub && printf 'from the host' > %s/dir/sub/file && "
			    "ln -s dir/sub/file %s/link && mkfs.ext2 -q -F -d %s %s 2048 >/dev/null",
			    src, src, src, src, img), 0);
	ok(MKDIR, "/mnt", NULL);
	ok(MKDIR, "/etc", NULL);
	ok(FILE_, "/etc/motd", "welcome");
	struct mount *m = mount_ext2(img, "/mnt", false);
	struct kstat st;
	struct vnode v, w;
	assert_string_equal(cat("/mnt/link"), "from the host");
	v = at("/mnt/dir/sub/file");
	assert_int_equal(vfs_stat(&v, &st), 0);
	assert_int_equal(st.dev, 0x300);
	assert_int_equal(st.ino, ino_of(m->fs, "/dir/sub/file"));
	assert_int_equal(st.size, 13);
	assert_int_equal(st.mode, 0100644);
	assert_string_equal(path_of("/mnt/dir/sub"), "/mnt/dir/sub");
	assert_string_equal(path_of("/mnt/dir/sub/../.."), "/mnt");
	assert_string_equal(cat("/mnt/dir/sub/../../../etc/motd"), "welcome");
	/* Changes. */
	ok(MKDIR, "/mnt/new", NULL);
	ok(FILE_, "/mnt/new/a", "written by the VFS");
	ok(LINK, "/mnt/new/l", "/etc/motd");
	assert_string_equal(cat("/mnt/new/l"), "welcome");
	struct vnode dir = at("/mnt/new"), f = at("/mnt/new/a");
	assert_int_equal(vfs_link(&f, &dir, "hard"), 0);
	assert_int_equal(vfs_stat(&f, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(vfs_rename(&dir, "hard", &dir, "renamed"), 0);
	assert_int_equal(vfs_chmod(&f, 0600), 0);
	assert_int_equal(vfs_chown(&f, 1000, 0xffffffffu), 0);
	assert_int_equal(vfs_utimes(&f, 1000000000, VFS_TIME_KEEP), 0);
	assert_int_equal(vfs_stat(&f, &st), 0);
	assert_int_equal(st.mode, 0100600);
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.atime, 1000000000);
	/* Held, then unlinked by every name: readable until the last put. */
	struct vnode r = root();
	ok(FILE_, "/mnt/gone", "still here");
	assert_int_equal(vfs_lookup(&r, "/mnt/gone", 0, &w), 0);
	uint32_t free_before = inodes_free(m->fs);
	ok(UNLINK, "/mnt/gone", NULL);
	char buf[16] = { 0 };
	assert_int_equal(vfs_read(&w, 0, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "still here");
	assert_int_equal(vfs_umount(m), EBUSY_);
	assert_int_equal(inodes_free(m->fs), free_before);
	vfs_put(&w);
	assert_int_equal(inodes_free(m->fs), free_before + 1);
	/* A directory removed while a process is in it: it has no path any
	 * more (getcwd's ENOENT), and ".." still leads where it did (as on
	 * Linux; ramfs says ENOENT). */
	ok(MKDIR, "/mnt/rm", NULL);
	assert_int_equal(vfs_lookup(&r, "/mnt/rm", 0, &w), 0);
	ok(RMDIR, "/mnt/rm", NULL);
	assert_int_equal(vfs_path_of(&w, buf, sizeof(buf)), ENOENT_);
	assert_int_equal(vfs_lookup(&w, "..", 0, &v), 0);
	assert_true(same("/mnt", &v));
	vfs_put(&v);
	assert_int_equal(vfs_lookup(&w, "x", 0, &v), ENOENT_);
	vfs_put(&w);
	/* Unmounted: the directory beneath again, the image clean. */
	assert_int_equal(vfs_umount(m), 0);
	assert_int_equal(look("/mnt/new", 0, &v), ENOENT_);
	disk_close();
	assert_fsck_clean(img);
	size_t len;
	uint8_t *data = debugfs_cat(img, "/new/renamed", &len);
	assert_int_equal(len, 18);
	assert_memory_equal(data, "written by the VFS", 18);
	free(data);
}

/* A read-only ext2 mount writes nothing; one device is not mounted twice. */
static void test_ext2_readonly(void **state)
{
	const char *img = tpath("ro.img");
	mkfs(img, "", 1024);
	ok(MKDIR, "/ro", NULL);
	struct mount *m = mount_ext2(img, "/ro", true);
	assert_true(m->flags & VFS_MNT_RDONLY);
	long writes = disk.writes;
	assert_int_equal(change(FILE_, "/ro/f", "x"), EROFS_);
	assert_int_equal(change(MKDIR, "/ro/d", NULL), EROFS_);
	struct kstatfs sf;
	struct vnode v = at("/ro");
	assert_int_equal(vfs_statfs(&v, &sf), 0);
	assert_int_equal(sf.magic, 0xEF53);
	assert_int_equal(sf.bsize, 1024);
	assert_int_equal(sf.blocks, 1024);
	assert_int_equal(disk.writes, writes);
	assert_int_equal(vfs_umount(m), 0);
	disk_close();
	assert_fsck_clean(img);
}

/* Power off: every mount unmounted, innermost first, whatever is held;
 * the ext2 image is clean and has what was written, an open unlinked
 * file's blocks given back. */
static void test_shutdown(void **state)
{
	const char *img = tpath("sd.img");
	mkfs(img, "", 2048);
	ok(MKDIR, "/mnt", NULL);
	mount_ext2(img, "/mnt", false);
	ok(MKDIR, "/mnt/t", NULL);
	mount_tmpfs("/mnt/t");
	ok(FILE_, "/mnt/t/x", "tmp");
	ok(FILE_, "/mnt/kept", "on the disk");
	ok(FILE_, "/mnt/open", "open, unlinked");
	struct vnode r = root(), a, b;
	assert_int_equal(vfs_lookup(&r, "/mnt/open", 0, &a), 0);
	assert_int_equal(vfs_lookup(&r, "/mnt/t/x", 0, &b), 0);
	ok(UNLINK, "/mnt/open", NULL);
	assert_int_equal(vfs_shutdown(), 0);
	assert_null(rootm->next);
	disk_close();
	assert_fsck_clean(img);
	size_t len;
	uint8_t *data = debugfs_cat(img, "/kept", &len);
	assert_int_equal(len, 11);
	free(data);
}

/* ---------------------------------------------------------------- forwarding */

static char fwd_rest[VFS_PATH_MAX];

/* vfs_lookup_fwd (or the parent form) of path from base: its result; when
 * forwarded, the rest in fwd_rest and the directory it starts from in
 * *dir (the hold given back). */
static int fwd_look(const struct vnode *base, const char *path, unsigned flags, bool parent,
		    struct vnode *dir)
{
	struct vfs_fwd fwd = { .rest = fwd_rest };
	struct vnode v;
	char name[VFS_NAME_MAX + 1];
	int rc = parent ? vfs_lookup_parent_fwd(base, path, &v, name, NULL, &fwd)
			: vfs_lookup_fwd(base, path, flags, &v, &fwd);
	assert_int_equal(lock_depth, 0);
	if (rc == VFS_FORWARDED) {
		assert_int_equal(fwd.len, strlen(fwd_rest));
		*dir = fwd.dir;
		vfs_put(&fwd.dir);
	} else if (!rc) {
		*dir = v;
		vfs_put(&v);
	}
	return rc;
}

static void fwd_expect(const char *path, unsigned flags, bool parent, const char *rest,
		       const struct vnode *from)
{
	struct vnode r = root(), d;
	int rc = fwd_look(&r, path, flags, parent, &d);
	if (rc != VFS_FORWARDED)
		fail_msg("%s: %d, not forwarded", path, rc);
	if (strcmp(fwd_rest, rest))
		fail_msg("%s: rest '%s', expected '%s'", path, fwd_rest, rest);
	assert_true(vnode_same(&d, from));
}

static void local_expect(const char *path, unsigned flags, bool parent)
{
	struct vnode r = root(), d;
	int rc = fwd_look(&r, path, flags, parent, &d);
	if (rc)
		fail_msg("%s: %d, expected a local result", path, rc);
}

/* A forwarding mount ends the walks that ask for it, with the rest of the
 * path unparsed: "..", links and names after the mount point are the
 * server's; ".." of the mount point itself and links in the local tree
 * are the VFS's (links into the mount forward their own rest and the
 * path's after it). Nothing stays held. */
static void test_forwarding(void **state)
{
	ok(MKDIR, "/etc", NULL);
	ok(FILE_, "/etc/motd", "welcome");
	ok(MKDIR, "/host", NULL);
	ok(MKDIR, "/d", NULL);
	struct mount *m = mount_tmpfs("/host");
	ok(MKDIR, "/host/sub", NULL);
	ok(LINK, "/lnk", "/host/sub");
	ok(LINK, "/lnk2", "/host");
	ok(LINK, "/d/rel", "../host/q");
	ok(LINK, "/d/chain", "rel");
	m->flags |= VFS_MNT_FORWARD;
	const struct vnode *top = &m->root;

	fwd_expect("/host/a/b", 0, false, "a/b", top);
	fwd_expect("/host", 0, false, ".", top);
	fwd_expect("/host/", 0, false, ".", top);
	fwd_expect("/host/.", 0, false, ".", top);
	fwd_expect("/host/sub/../..", 0, false, "sub/../..", top);
	fwd_expect("/host//a//", VFS_NOFOLLOW, false, "a//", top);
	fwd_expect("/lnk/x", 0, false, "sub/x", top);
	fwd_expect("/lnk", 0, false, "sub", top);
	fwd_expect("/lnk/", VFS_NOFOLLOW, false, "sub/", top);
	fwd_expect("/lnk2/y/z", 0, false, "y/z", top);
	fwd_expect("/lnk2", 0, false, ".", top);
	fwd_expect("/d/rel/z", 0, false, "q/z", top);
	fwd_expect("/d/chain", 0, false, "q", top);
	fwd_expect("/d/../host/../host/e", 0, false, "e", top);
	local_expect("/host/..", 0, false);
	local_expect("/host/../etc/motd", 0, false);
	local_expect("/lnk", VFS_NOFOLLOW, false);          /* the link itself is ours */
	assert_string_equal(cat("/host/../etc/motd"), "welcome");

	/* The parent form: the last name goes with the rest. */
	fwd_expect("/host/new", 0, true, "new", top);
	fwd_expect("/host/a/b/", 0, true, "a/b/", top);
	fwd_expect("/host/..", 0, true, "..", top);
	fwd_expect("/lnk/n", 0, true, "sub/n", top);
	fwd_expect("/d/rel/n", 0, true, "q/n", top);
	local_expect("/host", 0, true);                     /* "/" and "host": ours */
	local_expect("/d/x", 0, true);

	/* From a directory of the mount (a working directory, a dirfd). */
	struct vnode d;
	assert_int_equal(fwd_look(top, "x/../y", 0, false, &d), VFS_FORWARDED);
	assert_string_equal(fwd_rest, "x/../y");
	assert_true(vnode_same(&d, top));
	assert_int_equal(fwd_look(top, "..", 0, false, &d), 0);     /* out of the mount: "/" */
	struct vnode r = root();
	assert_true(vnode_same(&d, &r));
	assert_int_equal(fwd_look(top, "/etc/motd", 0, false, &d), 0);

	/* Lookups that do not ask walk in with the filesystem's lookup. */
	struct vnode v;
	assert_int_equal(look("/host/sub", 0, &v), 0);
	/* Errors before the mount are still the walk's. */
	assert_int_equal(fwd_look(&r, "/etc/motd/x", 0, false, &d), ENOTDIR_);
	assert_int_equal(fwd_look(&r, "/nope/host", 0, false, &d), ENOENT_);
	m->flags &= ~VFS_MNT_FORWARD;
	assert_int_equal(vfs_umount(m), 0);                 /* nothing left held */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shadow_and_dotdot, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_nested_mounts, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_links_across_mounts, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_walk_errors, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_refusals, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_ext2_mounted, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_ext2_readonly, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_shutdown, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_forwarding, vsetup, vteardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
