/*
 * guest/kernel/ext2*.c, the filesystem as a whole: full disks (blocks, then
 * inodes) left consistent, features refused or mounted read-only, the
 * superblock's state and mount count, read-only mounts that write nothing,
 * memory (only mount and iget allocate), a failing device.
 */
#include "ext2_fixture.h"

#include <fcntl.h>
#include <unistd.h>

/* ---------------------------------------------------------------- space */

/* A full disk: ENOSPC, then a consistent filesystem; freeing gives everything back. */
static void check_enospc(const char *opts, unsigned blocks)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t ino, free0, ifree0;
	uint8_t buf[8192];
	uint64_t off = 0;
	long n;
	int files = 0, rc;

	mkfs(img, opts, blocks);
	fs = mount_img(img, 0);
	free0 = blocks_free(fs);
	ifree0 = inodes_free(fs);
	fill(buf, sizeof(buf), 0, 3);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "big", 0644, 0, 0, &ino), 0);
	while ((n = ext2_write(fs, ino, off, buf, sizeof(buf))) == (long)sizeof(buf))
		off += (uint64_t)n;
	/* The last write was short, then nothing fits. */
	assert_true(n >= 0);
	off += (uint64_t)n;
	assert_int_equal(ext2_write(fs, ino, off, buf, sizeof(buf)), ENOSPC_);
	assert_int_equal(ext2_write(fs, ino, off + 100000, buf, sizeof(buf)), ENOSPC_);
	assert_int_equal(blocks_free(fs), 0);
	struct ext2_stat st;
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.size, off);         /* the failed writes did not grow it */
	fs = remount(fs, img);
	ino = ino_of(fs, "/big");
	/* Every byte that was acknowledged is there. */
	for (uint64_t p = 0; p < off; p += sizeof(buf)) {
		uint8_t got[sizeof(buf)];
		size_t want = off - p < sizeof(buf) ? (size_t)(off - p) : sizeof(buf);
		assert_int_equal(ext2_read(fs, ino, p, got, sizeof(got)), (long)want);
		assert_memory_equal(got, buf, want);
	}
	/* No block for a directory, a slow link, a new directory block. */
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "d", 0755, 0, 0, NULL), ENOSPC_);
	char target[100];
	memset(target, 'x', 99);
	target[99] = '\0';
	assert_int_equal(ext2_symlink(fs, EXT2_ROOT_INO, "l", target, 0, 0, NULL), ENOSPC_);
	fs = remount(fs, img);
	assert_int_equal(ext2_truncate(fs, ino_of(fs, "/big"), 0), 0);
	assert_int_equal(blocks_free(fs), free0);

	/* Inodes run out: empty files until ENOSPC, in directories that grow. */
	uint32_t dir;
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "many", 0755, 0, 0, &dir), 0);
	for (;;) {
		char name[64];
		snprintf(name, sizeof(name), "file-with-a-longish-name-%d", files);
		rc = ext2_create(fs, dir, name, 0644, 0, 0, NULL);
		if (rc)
			break;
		files++;
	}
	assert_int_equal(rc, ENOSPC_);
	assert_int_equal(inodes_free(fs), 0);
	assert_int_equal(files, (int)ifree0 - 2);   /* "big" and "many" hold one each */
	fs = remount(fs, img);
	dir = ino_of(fs, "/many");
	for (int i = 0; i < files; i++) {
		char name[64];
		snprintf(name, sizeof(name), "file-with-a-longish-name-%d", i);
		assert_int_equal(ext2_unlink(fs, dir, name), 0);
	}
	assert_int_equal(ext2_rmdir(fs, EXT2_ROOT_INO, "many"), 0);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "big"), 0);
	assert_int_equal(blocks_free(fs), free0);
	assert_int_equal(inodes_free(fs), ifree0);
	unmount_fsck(fs, img);
}

static void test_enospc_1k(void **state) { check_enospc("-b 1024 -N 64 -g 256", 1024); }
static void test_enospc_4k(void **state) { check_enospc("-b 4096 -N 128 -g 256", 512); }

/* ---------------------------------------------------------------- mounting */

static int try_mount(const char *img, unsigned flags, const char **why)
{
	struct ext2_fs *fs = NULL;
	int rc;

	disk_open(img);
	rc = ext2_mount(&dev, &host, flags, &fs, why);
	if (!rc) {
		assert_int_equal(ext2_unmount(fs), 0);
	}
	disk_close();
	return rc;
}

/* Incompatible features refused, each with its reason; unknown read-only ones mount read-only. */
static void test_features(void **state)
{
	const char *img = tpath("img"), *why;
	struct ext2_fs *fs;

	static const struct {
		const char *opts;
		unsigned blocks;
		const char *named;              /* in the refusal's message */
	} refused[] = {
		{ "-t ext4", 4096, "extents" },
		{ "-b 1024 -O flex_bg", 4096, "flex_bg" },
		{ "-b 1024 -O extent", 4096, "extents" },
		{ "-b 1024 -O meta_bg,^resize_inode", 4096, "meta_bg" },
		{ "-b 1024 -O sparse_super2", 32768, "sparse_super2" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		mkfs(img, refused[i].opts, refused[i].blocks);
		assert_int_equal(try_mount(img, 0, &why), EOPNOTSUPP_);
		if (!strstr(why, refused[i].named))
			fail_msg("%s: \"%s\" does not name %s", refused[i].opts, why, refused[i].named);
	}

	/* ext3: the journal is a compatible feature, so it mounts and writes; ... */
	mkfs(img, "-t ext3 -b 1024", 8192);
	fs = mount_img(img, 0);
	put_file(fs, "/f", "journal untouched", 17);
	unmount_fsck(fs, img);
	/* ... unless it needs recovery. */
	assert_int_equal(sh("debugfs -w -R 'feature needs_recovery' '%s' >/dev/null 2>&1", img), 0);
	assert_int_equal(try_mount(img, 0, &why), EOPNOTSUPP_);
	assert_non_null(strstr(why, "recovery"));

	/* A read-only compatible feature this code does not know: read-only, saying why. */
	mkfs(img, "-b 1024 -O huge_file", 4096);
	disk_open(img);
	fs = NULL;
	why = NULL;
	assert_int_equal(ext2_mount(&dev, &host, 0, &fs, &why), 0);
	assert_true(ext2_readonly(fs));
	assert_non_null(why);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "f", 0644, 0, 0, NULL), EROFS_);
	long writes = disk.writes;
	assert_int_equal(ext2_unmount(fs), 0);
	assert_int_equal(disk.writes, writes);
	disk_close();

	/* No magic; a device too small. */
	mkfs(img, "-b 1024", 4096);
	assert_int_equal(sh("printf '\\000\\000' | dd of='%s' bs=1 seek=1080 conv=notrunc 2>/dev/null", img), 0);
	assert_int_equal(try_mount(img, 0, &why), EINVAL_);
	assert_int_equal(sh("truncate -s 1024 '%s'", img), 0);
	assert_int_equal(try_mount(img, 0, &why), EINVAL_);
	/* A filesystem larger than its device. */
	mkfs(img, "-b 1024", 4096);
	assert_int_equal(sh("truncate -s 2M '%s'", img), 0);
	assert_int_equal(try_mount(img, 0, &why), EUCLEAN_);
	print_message("# truncated: %s\n", why);
}

/* Read-only: every change is EROFS and nothing is written. */
static void test_readonly(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t f, d;

	mkfs(img, "-b 1024", 4096);
	fs = mount_img(img, 0);
	f = put_file(fs, "/f", "data", 4);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "d", 0755, 0, 0, &d), 0);
	unmount_fsck(fs, img);
	fs = mount_img(img, EXT2_MOUNT_RDONLY);
	long writes = disk.writes;
	assert_int_equal(ext2_write(fs, f, 0, "x", 1), EROFS_);
	assert_int_equal(ext2_truncate(fs, f, 0), EROFS_);
	assert_int_equal(ext2_create(fs, d, "g", 0644, 0, 0, NULL), EROFS_);
	assert_int_equal(ext2_mknod(fs, d, "g", EXT2_S_IFIFO, 0, 0, 0, 0, NULL), EROFS_);
	assert_int_equal(ext2_mkdir(fs, d, "g", 0755, 0, 0, NULL), EROFS_);
	assert_int_equal(ext2_symlink(fs, d, "g", "f", 0, 0, NULL), EROFS_);
	assert_int_equal(ext2_link(fs, f, d, "g"), EROFS_);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), EROFS_);
	assert_int_equal(ext2_rmdir(fs, EXT2_ROOT_INO, "d"), EROFS_);
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "f", d, "f"), EROFS_);
	assert_int_equal(ext2_chmod(fs, f, 0), EROFS_);
	assert_int_equal(ext2_chown(fs, f, 1, 1), EROFS_);
	assert_int_equal(ext2_utimes(fs, f, 1, 1), EROFS_);
	assert_int_equal(ext2_sync(fs), 0);
	uint8_t buf[8];
	assert_int_equal(ext2_read(fs, f, 0, buf, 8), 4);
	assert_int_equal(ext2_unmount(fs), 0);
	assert_int_equal(disk.writes, writes);
	disk_close();
	assert_fsck_clean(img);
}

/* The superblock while mounted: not clean, the mount counted; clean again after. */
static void test_state(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint16_t st, count0, count;
	int fd;

	mkfs(img, "-b 1024", 4096);
	fd = open(img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &count0, 2, 1024 + 52), 2);
	fs = mount_img(img, 0);
	assert_int_equal(pread(fd, &st, 2, 1024 + 58), 2);
	assert_int_equal(st & 1, 0);
	assert_int_equal(pread(fd, &count, 2, 1024 + 52), 2);
	assert_int_equal(count, count0 + 1);
	put_file(fs, "/f", "x", 1);
	assert_int_equal(ext2_sync(fs), 0);
	assert_int_equal(pread(fd, &st, 2, 1024 + 58), 2);
	assert_int_equal(st & 1, 0);
	unmount_fsck(fs, img);
	assert_int_equal(pread(fd, &st, 2, 1024 + 58), 2);
	assert_int_equal(st, 1);
	/* A read-only mount changes nothing. */
	fs = mount_img(img, EXT2_MOUNT_RDONLY);
	assert_int_equal(pread(fd, &count0, 2, 1024 + 52), 2);
	assert_int_equal(count0, count);
	assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
	close(fd);
}

/* No call but mount and iget allocates memory (every allocation fails after the
 * mount); a failed allocation at mount leaks nothing. */
static void test_memory(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs = NULL;
	uint8_t *data = malloc(300000);
	long after_mount;
	int rc;

	mkfs(img, "-b 1024", 8192);
	disk_open(img);
	for (long k = 0;; k++) {
		fail_alloc_in = k;
		rc = ext2_mount(&dev, &host, 0, &fs, NULL);
		fail_alloc_in = -1;
		if (!rc)
			break;
		assert_int_equal(rc, ENOMEM_);
		assert_int_equal(live, 0);
	}
	after_mount = live;
	fail_alloc_in = 0;              /* from here on every allocation fails */
	fill(data, 300000, 0, 8);
	uint32_t d, f;
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "d", 0755, 0, 0, &d), 0);
	assert_int_equal(ext2_create(fs, d, "f", 0644, 0, 0, &f), 0);
	assert_int_equal(ext2_write(fs, f, 0, data, 300000), 300000);
	assert_int_equal(ext2_write(fs, f, 70000000, data, 3000), 3000);       /* triple indirect */
	assert_int_equal(ext2_symlink(fs, d, "l", (char *)"a-target-that-does-not-fit-in-the-inode-at-all-no-not-at-all", 0, 0, NULL), 0);
	assert_int_equal(ext2_rename(fs, d, "f", EXT2_ROOT_INO, "f"), 0);
	assert_int_equal(ext2_truncate(fs, f, 100), 0);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), 0);
	assert_int_equal(ext2_sync(fs), 0);
	assert_int_equal(live, after_mount);
	fail_alloc_in = -1;
	assert_int_equal(ext2_iget(fs, EXT2_ROOT_INO), 0);      /* its record is the exception */
	assert_int_equal(ext2_iput(fs, EXT2_ROOT_INO), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	assert_int_equal(live, 0);
	disk_close();
	assert_fsck_clean(img);
	free(data);
}

/* The device failing: EIO, never a crash; the mount itself refused cleanly. */
static void test_device_errors(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs = NULL;
	uint8_t data[5000];
	int eio = 0;

	mkfs(img, "-b 1024", 4096);
	disk_open(img);
	disk.fail_reads_in = 0;
	assert_int_equal(ext2_mount(&dev, &host, 0, &fs, NULL), EIO_);
	disk.fail_reads_in = 2;
	assert_int_equal(ext2_mount(&dev, &host, 0, &fs, NULL), EIO_);
	disk.fail_reads_in = -1;
	disk.fail_writes_in = 0;
	assert_int_equal(ext2_mount(&dev, &host, 0, &fs, NULL), EIO_);
	disk.fail_writes_in = -1;
	disk_close();
	assert_fsck_clean(img);

	/* Each call with the device dying at each of its first writes. */
	fill(data, sizeof(data), 0, 4);
	for (long k = 0; k < 12; k++) {
		fs = mount_img(img, 0);
		uint32_t ino;
		disk.fail_writes_in = k;
		int rc = ext2_create(fs, EXT2_ROOT_INO, "f", 0644, 0, 0, &ino);
		if (!rc) {
			long n = ext2_write(fs, ino, 0, data, sizeof(data));
			assert_true(n == EIO_ || n > 0);
			rc = n < 0 ? (int)n : 0;
		}
		if (!rc)
			rc = ext2_mkdir(fs, EXT2_ROOT_INO, "d", 0755, 0, 0, NULL);
		eio += rc == EIO_;
		assert_true(rc == 0 || rc == EIO_ || rc == EEXIST_);
		disk.fail_writes_in = -1;
		ext2_unmount(fs);
		disk_close();
		mkfs(img, "-b 1024", 4096);
	}
	assert_true(eio > 0);
	disk.fail_reads_in = -1;
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enospc_1k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("ext2_mount", tests, NULL, NULL);
}
