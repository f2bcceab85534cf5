/*
 * guest/kernel/ext2*.c, names: create, mknod, mkdir, symlink, link, unlink,
 * rmdir, rename in every shape and their errors, link limits, attributes,
 * inodes held past their last name; e2fsck -fn after each change and
 * debugfs or a new mount to look.
 */
#include "ext2_fixture.h"

/* ---------------------------------------------------------------- names */

static void expect_entries(struct ext2_fs *fs, uint32_t dir, const char *const *names, int n)
{
	struct ext2_dirent de;
	uint64_t pos = 0;
	int seen = 0, rc;

	while ((rc = ext2_readdir(fs, dir, &pos, &de)) == 1) {
		if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
			continue;
		bool found = false;
		for (int i = 0; i < n; i++)
			found |= !strcmp(names[i], de.name);
		if (!found)
			fail_msg("unexpected entry %s", de.name);
		seen++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(seen, n);
}

/* Each call that changes names, e2fsck after each, debugfs or a new mount to look. */
static void test_names(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	struct ext2_dirent de;
	uint32_t a, b, f, s, l, x, nod;
	uint32_t ifree0, bfree0;
	char target[200];
	uint64_t pos;

	mkfs(img, "-b 1024 -g 1024", 4096);
	fs = mount_img(img, 0);
	ifree0 = inodes_free(fs);
	bfree0 = blocks_free(fs);

	/* mkdir: "." and "..", the parent's links, the group's directory count. */
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "a", 0755, 0, 0, &a), 0);
	assert_int_equal(ext2_mkdir(fs, a, "b", 0700, 5, 6, &b), 0);
	assert_int_equal(links_of(fs, EXT2_ROOT_INO), 4);      /* ., .., lost+found, a */
	assert_int_equal(links_of(fs, a), 3);
	assert_int_equal(links_of(fs, b), 2);
	assert_int_equal(ext2_lookup(fs, b, "..", &x), 0);
	assert_int_equal(x, a);
	assert_int_equal(ext2_lookup(fs, b, ".", &x), 0);
	assert_int_equal(x, b);
	pos = 0;
	assert_int_equal(ext2_readdir(fs, b, &pos, &de), 1);
	assert_string_equal(de.name, ".");
	assert_int_equal(de.type, EXT2_DT_DIR);
	fs = remount(fs, img);
	assert_int_equal(sh("debugfs -R 'ls -l /a' '%s' 2>/dev/null | grep -q ' b *$'", img), 0);

	/* create, mknod, symlink (fast and slow), link. */
	assert_int_equal(ext2_create(fs, a, "f", 0600, 0, 0, &f), 0);
	assert_int_equal(ext2_write(fs, f, 0, "hello", 5), 5);
	assert_int_equal(ext2_mknod(fs, a, "fifo", EXT2_S_IFIFO | 0644, 0, 0, 0, 0, &nod), 0);
	assert_int_equal(ext2_mknod(fs, a, "tty", EXT2_S_IFCHR | 0620, 4, 1, 0, 5, &x), 0);
	assert_int_equal(ext2_mknod(fs, a, "big", EXT2_S_IFBLK | 0660, 259, 300, 0, 0, &x), 0);
	assert_int_equal(ext2_symlink(fs, a, "s", "f", 0, 0, &s), 0);
	memset(target, 'T', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	assert_int_equal(ext2_symlink(fs, a, "l", target, 0, 0, &l), 0);
	assert_int_equal(ext2_link(fs, f, EXT2_ROOT_INO, "f2"), 0);
	assert_int_equal(links_of(fs, f), 2);
	fs = remount(fs, img);
	{
		struct ext2_stat st;
		char buf[300];
		uint8_t *c;
		size_t n;

		assert_int_equal(ext2_stat(fs, ino_of(fs, "/a/tty"), &st), 0);
		assert_int_equal(st.mode, EXT2_S_IFCHR | 0620);
		assert_int_equal(st.rdev_major, 4);
		assert_int_equal(st.rdev_minor, 1);
		assert_int_equal(st.gid, 5);
		assert_int_equal(ext2_stat(fs, ino_of(fs, "/a/big"), &st), 0);
		assert_int_equal(st.rdev_major, 259);
		assert_int_equal(st.rdev_minor, 300);
		assert_int_equal(ext2_stat(fs, ino_of(fs, "/a/s"), &st), 0);
		assert_int_equal(st.blocks, 0);                 /* fast */
		assert_int_equal(ext2_readlink(fs, ino_of(fs, "/a/s"), buf, sizeof(buf)), 1);
		assert_int_equal(ext2_stat(fs, ino_of(fs, "/a/l"), &st), 0);
		assert_int_equal(st.blocks, 2);                 /* slow: one block */
		assert_int_equal(ext2_readlink(fs, ino_of(fs, "/a/l"), buf, sizeof(buf)), 199);
		assert_memory_equal(buf, target, 199);
		assert_int_equal(ext2_readlink(fs, ino_of(fs, "/a/f"), buf, sizeof(buf)), EINVAL_);
		c = debugfs_cat(img, "/f2", &n);
		assert_int_equal(n, 5);
		assert_memory_equal(c, "hello", 5);
		free(c);
		assert_int_equal(sh("debugfs -R 'stat /a/l' '%s' 2>/dev/null | grep -q 'Fast link dest'", img), 1);
		assert_int_equal(sh("debugfs -R 'stat /a/s' '%s' 2>/dev/null | grep -q 'Fast link dest: \"f\"'", img), 0);
		assert_int_equal(sh("debugfs -R 'stat /a/fifo' '%s' 2>/dev/null | grep -q 'Type: FIFO'", img), 0);
	}
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/a/b");
	f = ino_of(fs, "/a/f");
	static const char *const in_a[] = { "b", "f", "fifo", "tty", "big", "s", "l" };
	expect_entries(fs, a, in_a, 7);

	/* unlink: one link of two, then the last (the inode and its block come back). */
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f2"), 0);
	assert_int_equal(links_of(fs, f), 1);
	fs = remount(fs, img);
	assert_int_equal(ext2_unlink(fs, ino_of(fs, "/a"), "f"), 0);
	assert_int_equal(walk(fs, "/a/f", &x), ENOENT_);
	assert_int_equal(ext2_stat(fs, f, &(struct ext2_stat){ 0 }), ENOENT_);
	fs = remount(fs, img);
	assert_int_equal(sh("debugfs -R 'stat <%u>' '%s' 2>/dev/null | grep -q 'dtime:'", f, img), 0);
	a = ino_of(fs, "/a");
	assert_int_equal(ext2_unlink(fs, a, "s"), 0);
	assert_int_equal(ext2_unlink(fs, a, "l"), 0);
	assert_int_equal(ext2_unlink(fs, a, "fifo"), 0);
	assert_int_equal(ext2_unlink(fs, a, "tty"), 0);
	assert_int_equal(ext2_unlink(fs, a, "big"), 0);
	fs = remount(fs, img);

	/* rmdir: the parent's link and the directory count go back. */
	a = ino_of(fs, "/a");
	assert_int_equal(ext2_rmdir(fs, a, "b"), 0);
	assert_int_equal(links_of(fs, a), 2);
	fs = remount(fs, img);
	assert_int_equal(ext2_rmdir(fs, EXT2_ROOT_INO, "a"), 0);
	assert_int_equal(links_of(fs, EXT2_ROOT_INO), 3);
	assert_int_equal(inodes_free(fs), ifree0);
	assert_int_equal(blocks_free(fs), bfree0);
	unmount_fsck(fs, img);
}

/* The errors of the calls that take names. */
static void test_name_errors(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t a, f, x;
	char longname[EXT2_NAME_MAX + 2];
	char *longtarget = malloc(1025);

	mkfs(img, "-b 1024 -g 1024", 4096);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "a", 0755, 0, 0, &a), 0);
	assert_int_equal(ext2_create(fs, a, "f", 0644, 0, 0, &f), 0);
	assert_int_equal(ext2_mkdir(fs, a, "sub", 0755, 0, 0, &x), 0);
	assert_int_equal(ext2_create(fs, x, "inner", 0644, 0, 0, NULL), 0);

	assert_int_equal(ext2_create(fs, a, "f", 0644, 0, 0, NULL), EEXIST_);
	assert_int_equal(ext2_mkdir(fs, a, "f", 0755, 0, 0, NULL), EEXIST_);
	assert_int_equal(ext2_mkdir(fs, a, ".", 0755, 0, 0, NULL), EEXIST_);
	assert_int_equal(ext2_mkdir(fs, a, "..", 0755, 0, 0, NULL), EEXIST_);
	assert_int_equal(ext2_symlink(fs, a, "f", "x", 0, 0, NULL), EEXIST_);
	assert_int_equal(ext2_link(fs, f, a, "sub"), EEXIST_);
	assert_int_equal(ext2_create(fs, a, "", 0644, 0, 0, NULL), ENOENT_);
	assert_int_equal(ext2_create(fs, a, "x/y", 0644, 0, 0, NULL), EINVAL_);
	assert_int_equal(ext2_create(fs, f, "x", 0644, 0, 0, NULL), ENOTDIR_);
	assert_int_equal(ext2_mkdir(fs, f, "x", 0755, 0, 0, NULL), ENOTDIR_);
	assert_int_equal(ext2_lookup(fs, f, "x", &x), ENOTDIR_);
	assert_int_equal(ext2_lookup(fs, a, "nope", &x), ENOENT_);
	assert_int_equal(ext2_readdir(fs, f, &(uint64_t){ 0 }, &(struct ext2_dirent){ 0 }), ENOTDIR_);
	assert_int_equal(ext2_mknod(fs, a, "d", EXT2_S_IFDIR | 0755, 0, 0, 0, 0, NULL), EINVAL_);
	assert_int_equal(ext2_mknod(fs, a, "l", EXT2_S_IFLNK | 0755, 0, 0, 0, 0, NULL), EINVAL_);
	memset(longname, 'n', sizeof(longname));
	longname[EXT2_NAME_MAX + 1] = '\0';
	assert_int_equal(ext2_create(fs, a, longname, 0644, 0, 0, NULL), ENAMETOOLONG_);
	assert_int_equal(ext2_lookup(fs, a, longname, &x), ENAMETOOLONG_);
	longname[EXT2_NAME_MAX] = '\0';
	assert_int_equal(ext2_create(fs, a, longname, 0644, 0, 0, &x), 0);
	assert_int_equal(ext2_lookup(fs, a, longname, &x), 0);
	assert_int_equal(ext2_symlink(fs, a, "t", "", 0, 0, NULL), ENOENT_);
	memset(longtarget, 't', 1024);
	longtarget[1024] = '\0';
	assert_int_equal(ext2_symlink(fs, a, "t", longtarget, 0, 0, NULL), ENAMETOOLONG_);
	longtarget[1023] = '\0';
	assert_int_equal(ext2_symlink(fs, a, "t", longtarget, 0, 0, NULL), 0);

	/* Reading or writing what is not a regular file. */
	uint8_t buf[4];
	assert_int_equal(ext2_read(fs, a, 0, buf, 4), EISDIR_);
	assert_int_equal(ext2_write(fs, a, 0, buf, 4), EISDIR_);
	assert_int_equal(ext2_truncate(fs, a, 0), EISDIR_);
	assert_int_equal(ext2_write(fs, ino_of(fs, "/a/t"), 0, buf, 4), EINVAL_);
	assert_int_equal(ext2_stat(fs, 0, &(struct ext2_stat){ 0 }), EINVAL_);
	assert_int_equal(ext2_stat(fs, 1, &(struct ext2_stat){ 0 }), EINVAL_);
	assert_int_equal(ext2_stat(fs, 7, &(struct ext2_stat){ 0 }), EINVAL_);
	assert_int_equal(ext2_stat(fs, 1u << 30, &(struct ext2_stat){ 0 }), EINVAL_);
	assert_int_equal(ext2_stat(fs, 500, &(struct ext2_stat){ 0 }), ENOENT_);

	/* unlink, rmdir. */
	assert_int_equal(ext2_unlink(fs, a, "sub"), EISDIR_);
	assert_int_equal(ext2_unlink(fs, a, "."), EISDIR_);
	assert_int_equal(ext2_unlink(fs, a, ".."), EISDIR_);
	assert_int_equal(ext2_unlink(fs, a, "nope"), ENOENT_);
	assert_int_equal(ext2_rmdir(fs, a, "f"), ENOTDIR_);
	assert_int_equal(ext2_rmdir(fs, a, "sub"), ENOTEMPTY_);
	assert_int_equal(ext2_rmdir(fs, a, "."), EINVAL_);
	assert_int_equal(ext2_rmdir(fs, a, ".."), ENOTEMPTY_);
	assert_int_equal(ext2_rmdir(fs, EXT2_ROOT_INO, "a"), ENOTEMPTY_);
	assert_int_equal(ext2_rmdir(fs, a, "nope"), ENOENT_);
	assert_int_equal(ext2_link(fs, a, EXT2_ROOT_INO, "dirlink"), EPERM_);
	unmount_fsck(fs, img);
	free(longtarget);
}

/* Link counts at the limit: EMLINK for link and mkdir (the count set by debugfs). */
static void test_emlink(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t f, d;

	mkfs(img, "-b 1024 -g 1024", 4096);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "f", 0644, 0, 0, &f), 0);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "d", 0755, 0, 0, &d), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
	assert_int_equal(sh("debugfs -w -R 'sif /f links_count 32000' '%s' >/dev/null 2>&1", img), 0);
	assert_int_equal(sh("debugfs -w -R 'sif /d links_count 32000' '%s' >/dev/null 2>&1", img), 0);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_link(fs, f, EXT2_ROOT_INO, "g"), EMLINK_);
	assert_int_equal(ext2_mkdir(fs, d, "sub", 0755, 0, 0, NULL), EMLINK_);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "e", 0755, 0, 0, NULL), 0);
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "e", d, "e"), EMLINK_);
	assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
}

/* rename in every shape, e2fsck after each. */
static void test_rename(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t a, b, c, f, g, x;

	mkfs(img, "-b 1024 -g 1024", 4096);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "a", 0755, 0, 0, &a), 0);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "b", 0755, 0, 0, &b), 0);
	assert_int_equal(ext2_mkdir(fs, a, "c", 0755, 0, 0, &c), 0);
	f = put_file(fs, "/a/f", "ffff", 4);
	g = put_file(fs, "/b/g", "gg", 2);

	/* A file within its directory, then across. */
	assert_int_equal(ext2_rename(fs, a, "f", a, "f1"), 0);
	assert_int_equal(ext2_lookup(fs, a, "f1", &x), 0);
	assert_int_equal(x, f);
	assert_int_equal(ext2_lookup(fs, a, "f", &x), ENOENT_);
	fs = remount(fs, img);
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/b");
	c = ino_of(fs, "/a/c");
	assert_int_equal(ext2_rename(fs, a, "f1", b, "f2"), 0);
	assert_int_equal(ino_of(fs, "/b/f2"), f);
	fs = remount(fs, img);
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/b");
	c = ino_of(fs, "/a/c");

	/* Over another file: that one's inode goes. */
	uint32_t ifree = inodes_free(fs);
	assert_int_equal(ext2_rename(fs, b, "f2", b, "g"), 0);
	assert_int_equal(ino_of(fs, "/b/g"), f);
	assert_int_equal(ext2_lookup(fs, b, "f2", &x), ENOENT_);
	assert_int_equal(inodes_free(fs), ifree + 1);
	assert_int_equal(ext2_stat(fs, g, &(struct ext2_stat){ 0 }), ENOENT_);
	fs = remount(fs, img);
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/b");
	c = ino_of(fs, "/a/c");

	/* Two names of one inode: nothing happens. */
	assert_int_equal(ext2_link(fs, f, a, "same"), 0);
	assert_int_equal(ext2_rename(fs, a, "same", b, "g"), 0);
	assert_int_equal(ino_of(fs, "/a/same"), f);
	assert_int_equal(links_of(fs, f), 2);
	assert_int_equal(ext2_unlink(fs, a, "same"), 0);

	/* A directory across: "..", both parents' links. */
	assert_int_equal(ext2_rename(fs, a, "c", b, "c"), 0);
	assert_int_equal(ext2_lookup(fs, c, "..", &x), 0);
	assert_int_equal(x, b);
	assert_int_equal(links_of(fs, a), 2);
	assert_int_equal(links_of(fs, b), 3);
	fs = remount(fs, img);
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/b");
	c = ino_of(fs, "/b/c");

	/* A directory over an empty one, across and within. */
	uint32_t e;
	assert_int_equal(ext2_mkdir(fs, a, "e", 0755, 0, 0, &e), 0);
	assert_int_equal(ext2_rename(fs, b, "c", a, "e"), 0);
	assert_int_equal(ino_of(fs, "/a/e"), c);
	assert_int_equal(ext2_lookup(fs, c, "..", &x), 0);
	assert_int_equal(x, a);
	assert_int_equal(links_of(fs, a), 3);
	assert_int_equal(links_of(fs, b), 2);
	assert_int_equal(ext2_stat(fs, e, &(struct ext2_stat){ 0 }), ENOENT_);
	fs = remount(fs, img);
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/b");
	c = ino_of(fs, "/a/e");
	assert_int_equal(ext2_mkdir(fs, a, "e2", 0755, 0, 0, &e), 0);
	assert_int_equal(links_of(fs, a), 4);
	assert_int_equal(ext2_rename(fs, a, "e", a, "e2"), 0);
	assert_int_equal(links_of(fs, a), 3);
	fs = remount(fs, img);
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/b");
	c = ino_of(fs, "/a/e2");

	/* The refusals. */
	assert_int_equal(ext2_mkdir(fs, c, "deeper", 0755, 0, 0, &x), 0);
	assert_int_equal(ext2_rename(fs, a, "e2", c, "moved"), EINVAL_);       /* into itself */
	assert_int_equal(ext2_rename(fs, a, "e2", x, "moved"), EINVAL_);       /* below itself */
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "a", x, "moved"), EINVAL_);
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "b", EXT2_ROOT_INO, "a"), ENOTEMPTY_);
	put_file(fs, "/b/file", "x", 1);
	assert_int_equal(ext2_rename(fs, a, "e2", b, "file"), ENOTDIR_);
	assert_int_equal(ext2_rename(fs, b, "file", a, "e2"), EISDIR_);
	assert_int_equal(ext2_rename(fs, b, "nope", a, "x"), ENOENT_);
	assert_int_equal(ext2_rename(fs, b, ".", a, "x"), EBUSY_);
	assert_int_equal(ext2_rename(fs, b, "file", a, ".."), EBUSY_);
	assert_int_equal(ext2_rename(fs, b, "file", ino_of(fs, "/b/file"), "x"), ENOTDIR_);
	/* A directory to its own parent under another name, and up the tree. */
	assert_int_equal(ext2_rename(fs, c, "deeper", EXT2_ROOT_INO, "top"), 0);
	assert_int_equal(ext2_lookup(fs, x, "..", &f), 0);
	assert_int_equal(f, EXT2_ROOT_INO);
	unmount_fsck(fs, img);
}

/* chmod, chown, utimes: seen by stat and by debugfs. */
static void test_attributes(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	struct ext2_stat st;
	uint32_t f;

	mkfs(img, "-b 1024 -g 1024", 4096);
	fs = mount_img(img, 0);
	f = put_file(fs, "/f", "abc", 3);
	assert_int_equal(ext2_chmod(fs, f, 04755 | EXT2_S_IFDIR), 0);   /* the type stays */
	assert_int_equal(ext2_chown(fs, f, 70000, 123456), 0);
	assert_int_equal(ext2_utimes(fs, f, 1000000000, 1234567890), 0);
	fs = remount(fs, img);
	f = ino_of(fs, "/f");
	assert_int_equal(ext2_stat(fs, f, &st), 0);
	assert_int_equal(st.mode, EXT2_S_IFREG | 04755);
	assert_int_equal(st.uid, 70000);
	assert_int_equal(st.gid, 123456);
	assert_int_equal(st.atime, 1000000000);
	assert_int_equal(st.mtime, 1234567890);
	assert_true(st.ctime > 1600000000);
	assert_int_equal(sh("debugfs -R 'stat /f' '%s' 2>/dev/null | grep -q 'User: 70000 *Group: 123456'", img), 0);
	assert_int_equal(sh("debugfs -R 'stat /f' '%s' 2>/dev/null | grep -q 'mtime: 0x499602d2'", img), 0);
	unmount_fsck(fs, img);
}

/* A directory with a hashed index (made by e2fsck -D) reads as a plain one;
 * changed, it loses the index flag and e2fsck finds it sound. */
/* Inodes held by the VFS outlive their last name until ext2_iput or the unmount. */
static void test_held(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t f, g, d, free0;
	uint8_t buf[16];

	mkfs(img, "-b 1024 -g 1024", 4096);
	fs = mount_img(img, 0);
	free0 = blocks_free(fs);
	f = put_file(fs, "/f", "still here", 10);
	g = put_file(fs, "/g", "replaced", 8);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "d", 0755, 0, 0, &d), 0);
	assert_int_equal(ext2_iget(fs, f), 0);
	assert_int_equal(ext2_iget(fs, f), 0);
	assert_int_equal(ext2_iget(fs, g), 0);
	assert_int_equal(ext2_iget(fs, d), 0);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), 0);
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "d", EXT2_ROOT_INO, "g"), ENOTDIR_);
	put_file(fs, "/h", "h", 1);
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "h", EXT2_ROOT_INO, "g"), 0);
	assert_int_equal(ext2_rmdir(fs, EXT2_ROOT_INO, "d"), 0);
	/* Still readable and writable; no new name; a removed directory takes no entries. */
	assert_int_equal(ext2_read(fs, f, 0, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "still here", 10);
	assert_int_equal(ext2_write(fs, f, 10, "!", 1), 1);
	assert_int_equal(ext2_read(fs, g, 0, buf, sizeof(buf)), 8);
	assert_int_equal(ext2_link(fs, f, EXT2_ROOT_INO, "back"), ENOENT_);
	assert_int_equal(ext2_create(fs, d, "x", 0644, 0, 0, NULL), ENOENT_);
	assert_int_equal(links_of(fs, f), 0);
	assert_int_equal(ext2_iput(fs, f), 0);
	assert_int_equal(ext2_read(fs, f, 0, buf, sizeof(buf)), 11);    /* one reference left */
	assert_int_equal(ext2_iput(fs, f), 0);
	assert_int_equal(ext2_stat(fs, f, &(struct ext2_stat){ 0 }), ENOENT_);
	assert_int_equal(ext2_iput(fs, f), EINVAL_);
	assert_int_equal(ext2_iput(fs, d), 0);
	assert_int_equal(ext2_iget(fs, d), ENOENT_);
	/* g and its block go at the unmount. */
	unmount_fsck(fs, img);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "g"), 0);
	assert_int_equal(blocks_free(fs), free0);
	unmount_fsck(fs, img);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held, setup, teardown),
	};
	return cmocka_run_group_tests_name("ext2_names", tests, NULL, NULL);
}
