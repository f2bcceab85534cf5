/*
 * guest/kernel/ext2*.c on hostile images: superblocks and group descriptors
 * that lie (refused at mount with their error), directory entries, block
 * pointers, bitmaps and counts that lie (the call that meets them fails with
 * EUCLEAN, says why, marks the superblock, and writes nothing through the
 * lie), a loop in the ".." chain, and a few hundred images with random bytes
 * changed in their metadata, walked and written without a crash (the unit
 * tests run under ASan and UBSan) and without a sector asked outside the disk.
 */
#include "ext2_fixture.h"

#include <fcntl.h>
#include <unistd.h>

/* ---------------------------------------------------------------- patching images */

static void poke(const char *img, uint64_t off, const void *v, size_t n)
{
	int fd = open(img, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, v, n, (off_t)off), (ssize_t)n);
	close(fd);
}

static void poke32(const char *img, uint64_t off, uint32_t v) { poke(img, off, &v, 4); }
static void poke16(const char *img, uint64_t off, uint16_t v) { poke(img, off, &v, 2); }

static uint32_t peek32(const char *img, uint64_t off)
{
	int fd = open(img, O_RDONLY);
	uint32_t v = 0;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, 4, (off_t)off), 4);
	close(fd);
	return v;
}

#define SB      1024u                   /* the superblock's offset */
#define GD      (2 * 1024u)             /* the descriptors', with 1 KiB blocks */

/* debugfs's answer to a command that prints one number (bmap, ...). */
static uint32_t debugfs_num(const char *img, const char *cmd)
{
	char line[256], full[512];
	FILE *p;
	unsigned long v = 0;

	snprintf(full, sizeof(full), "debugfs -R '%s' '%s' 2>/dev/null", cmd, img);
	p = popen(full, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	assert_int_equal(sscanf(line, "%lu", &v), 1);
	return (uint32_t)v;
}

static void debugfs_w(const char *img, const char *cmd)
{
	assert_int_equal(sh("debugfs -w -R '%s' '%s' >/dev/null 2>&1", cmd, img), 0);
}

/* A 1 KiB-block image: /a/b, /f (3 KiB), /d with a few entries, /l a slow link. */
static const char *base_image(void)
{
	const char *img = tpath("img"), *src = tpath("src");

	assert_int_equal(sh("rm -rf '%s' && mkdir -p '%s/a/b' '%s/d' && head -c 3072 /dev/urandom > '%s/f' && "
			    "touch '%s/d/x' '%s/d/y' && ln -s '%0200d' '%s/l'",
			    src, src, src, src, src, src, 1, src), 0);
	char o[600];
	snprintf(o, sizeof(o), "-b 1024 -d '%s'", src);
	mkfs(img, o, 2048);
	return img;
}

static int try_mount(const char *img, const char **why)
{
	struct ext2_fs *fs = NULL;
	int rc;

	disk_open(img);
	*why = NULL;
	rc = ext2_mount(&dev, &host, 0, &fs, why);
	if (!rc)
		assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
	if (*why)
		print_message("#   %s\n", *why);
	return rc;
}

/* ---------------------------------------------------------------- at mount */

static void test_bad_super(void **state)
{
	const char *img = base_image(), *why;
	uint8_t *pristine;
	size_t len;
	FILE *f = fopen(img, "rb");

	assert_non_null(f);
	pristine = malloc(2048 * 1024);
	len = fread(pristine, 1, 2048 * 1024, f);
	fclose(f);
	assert_int_equal(len, 2048 * 1024);
#define RESTORE() do { FILE *w = fopen(img, "wb"); fwrite(pristine, 1, len, w); fclose(w); } while (0)

	poke16(img, SB + 56, 0x1234);                   /* magic */
	assert_int_equal(try_mount(img, &why), EINVAL_);
	RESTORE();
	poke32(img, SB + 24, 20);                       /* block size 1 GiB */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 24, 0xffffffff);
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 24, 3);                        /* 8 KiB: ext2, but not here */
	assert_int_equal(try_mount(img, &why), EOPNOTSUPP_);
	RESTORE();
	poke32(img, SB + 76, 2);                        /* revision */
	assert_int_equal(try_mount(img, &why), EOPNOTSUPP_);
	RESTORE();
	poke16(img, SB + 88, 100);                      /* inode size */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	poke16(img, SB + 88, 2048);
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 32, 0);                        /* blocks per group */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	poke32(img, SB + 32, 1u << 20);
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 40, 0);                        /* inodes per group */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 0, peek32(img, SB + 0) + 8);   /* inode count */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 4, 1u << 30);                  /* block count: past the device */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	poke32(img, SB + 4, 1);
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 20, 0);                        /* first data block with 1 KiB blocks */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 84, 3);                        /* first inode */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke16(img, SB + 206, 60000);                   /* reserved descriptor blocks */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, SB + 96, peek32(img, SB + 96) | 0x80000000u);  /* an unknown incompat bit */
	assert_int_equal(try_mount(img, &why), EOPNOTSUPP_);
	assert_non_null(strstr(why, "unknown"));
	RESTORE();

	/* Group descriptors pointing past the end, or at the superblock, or overlapping. */
	uint32_t blocks = peek32(img, SB + 4);
	poke32(img, GD + 8, blocks + 5);                /* inode table */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	assert_non_null(strstr(why, "inode table"));
	poke32(img, GD + 8, blocks - 3);                /* inode table running off the end */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, GD + 0, 0xfffffff0u);               /* block bitmap */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	poke32(img, GD + 0, 1);                         /* ... the superblock */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, GD + 4, peek32(img, GD + 0));       /* both bitmaps in one block */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke32(img, GD + 0, peek32(img, GD + 8) + 2);   /* a bitmap inside the inode table */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	poke16(img, GD + 12, 60000);                    /* free blocks above the group's */
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();

	/* The root inode not a directory. */
	debugfs_w(img, "sif <2> mode 0100644");
	assert_int_equal(try_mount(img, &why), EUCLEAN_);
	RESTORE();
	assert_int_equal(try_mount(img, &why), 0);
#undef RESTORE
	free(pristine);
}

/* ---------------------------------------------------------------- met by calls */

/* The call fails with EUCLEAN, the filesystem says why, and after the unmount the superblock says "errors". */
static void expect_marked(struct ext2_fs *fs, const char *img)
{
	uint16_t st;
	int fd;

	assert_non_null(ext2_error(fs));
	print_message("#   %s\n", ext2_error(fs));
	assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
	fd = open(img, O_RDONLY);
	assert_int_equal(pread(fd, &st, 2, SB + 58), 2);
	close(fd);
	assert_true(st & 2);
}

/* Looking up /f in the root of img meets the corruption. */
static void expect_lookup_corrupt(const char *img)
{
	struct ext2_fs *fs = mount_img(img, 0);
	uint32_t ino;

	assert_int_equal(ext2_lookup(fs, EXT2_ROOT_INO, "f", &ino), EUCLEAN_);
	expect_marked(fs, img);
}

static void test_bad_dirents(void **state)
{
	const char *img = base_image();
	uint32_t root_blk = debugfs_num(img, "bmap / 0"), ino;
	uint64_t at = (uint64_t)root_blk * 1024;
	struct ext2_fs *fs;
	uint64_t pos = 0;
	struct ext2_dirent de;

	/* rec_len 0 in the first entry of the root. */
	poke16(img, at + 4, 0);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_lookup(fs, EXT2_ROOT_INO, "f", &ino), EUCLEAN_);
	assert_int_equal(ext2_readdir(fs, EXT2_ROOT_INO, &pos, &de), EUCLEAN_);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "new", 0644, 0, 0, NULL), EUCLEAN_);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), EUCLEAN_);
	expect_marked(fs, img);

	/* rec_len past the block's end ('.' is 12 bytes, '..' follows). */
	poke16(img, at + 4, 12);
	poke16(img, at + 12 + 4, 1024);
	expect_lookup_corrupt(img);

	/* rec_len not a multiple of 4; a name longer than its record; a type past the last. */
	poke16(img, at + 4, 14);
	expect_lookup_corrupt(img);
	poke16(img, at + 4, 12);
	poke16(img, at + 12 + 4, 12);
	uint8_t nl = 200;
	poke(img, at + 6, &nl, 1);
	expect_lookup_corrupt(img);
	nl = 1;
	poke(img, at + 6, &nl, 1);
	nl = 9;
	poke(img, at + 7, &nl, 1);
	expect_lookup_corrupt(img);
	nl = 2;
	poke(img, at + 7, &nl, 1);

	/* An entry naming an inode past the count, or a reserved one. */
	uint32_t dblk = debugfs_num(img, "bmap /d 0");
	poke32(img, (uint64_t)dblk * 1024 + 24, 1u << 30);     /* the entry after "." and ".." */
	fs = mount_img(img, 0);
	assert_int_equal(ext2_lookup(fs, ino_of(fs, "/d"), "x", &ino), EUCLEAN_);
	expect_marked(fs, img);
	poke32(img, (uint64_t)dblk * 1024 + 24, 7);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_rmdir(fs, EXT2_ROOT_INO, "d"), EUCLEAN_);
	expect_marked(fs, img);
}

static void test_bad_directories(void **state)
{
	const char *img = base_image();
	struct ext2_fs *fs;
	uint32_t ino;

	debugfs_w(img, "sif /d size 1000");            /* not whole blocks */
	fs = mount_img(img, 0);
	assert_int_equal(ext2_lookup(fs, ino_of(fs, "/d"), "x", &ino), EUCLEAN_);
	expect_marked(fs, img);
	debugfs_w(img, "sif /d size 0");
	fs = mount_img(img, 0);
	assert_int_equal(ext2_create(fs, ino_of(fs, "/d"), "z", 0644, 0, 0, NULL), EUCLEAN_);
	expect_marked(fs, img);
	debugfs_w(img, "sif /d size 2048");            /* a hole as its second block */
	fs = mount_img(img, 0);
	assert_int_equal(ext2_lookup(fs, ino_of(fs, "/d"), "nope", &ino), EUCLEAN_);
	expect_marked(fs, img);
	debugfs_w(img, "sif /d size 1024");
	debugfs_w(img, "sif /d block[0] 0");           /* a hole as its first */
	fs = mount_img(img, 0);
	assert_int_equal(ext2_lookup(fs, ino_of(fs, "/d"), "x", &ino), EUCLEAN_);
	expect_marked(fs, img);
}

/* Block pointers past the end or into metadata: refused, nothing written through them. */
static void test_bad_pointers(void **state)
{
	const char *img = base_image();
	struct ext2_fs *fs;
	uint8_t buf[4096];
	uint32_t f;

	uint32_t blocks = peek32(img, SB + 4);
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "sif /f block[1] %u", blocks + 100);
	debugfs_w(img, cmd);
	fs = mount_img(img, 0);
	f = ino_of(fs, "/f");
	assert_int_equal(ext2_read(fs, f, 0, buf, 1024), 1024);  /* block 0 is fine */
	assert_int_equal(ext2_read(fs, f, 0, buf, 3072), 1024);  /* stops at the bad one */
	assert_int_equal(ext2_read(fs, f, 1024, buf, 10), EUCLEAN_);
	assert_int_equal(ext2_write(fs, f, 1500, buf, 10), EUCLEAN_);
	assert_int_equal(ext2_truncate(fs, f, 0), EUCLEAN_);
	expect_marked(fs, img);

	/* Into the inode table: the table is not touched by a write or a truncate. */
	uint32_t itable = peek32(img, GD + 8);
	snprintf(cmd, sizeof(cmd), "sif /f block[1] %u", itable + 1);
	debugfs_w(img, cmd);
	snprintf(cmd, sizeof(cmd), "sif /f block[IND] %u", itable);
	debugfs_w(img, cmd);
	debugfs_w(img, "sif /f size 30000");
	uint8_t before[1024], after[1024];
	int fd = open(img, O_RDONLY);
	assert_int_equal(pread(fd, before, 1024, (off_t)(itable + 1) * 1024), 1024);
	fs = mount_img(img, 0);
	f = ino_of(fs, "/f");
	assert_int_equal(ext2_write(fs, f, 1024, buf, 1024), EUCLEAN_);
	assert_int_equal(ext2_write(fs, f, 20 * 1024, buf, 1024), EUCLEAN_);
	assert_int_equal(ext2_read(fs, f, 20 * 1024, buf, 1024), EUCLEAN_);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), EUCLEAN_);
	expect_marked(fs, img);
	assert_int_equal(pread(fd, after, 1024, (off_t)(itable + 1) * 1024), 1024);
	close(fd);
	assert_memory_equal(before, after, 1024);

	/* ext4's extents flag on an ext2 inode. */
	img = base_image();
	debugfs_w(img, "sif /f flags 0x80000");
	fs = mount_img(img, 0);
	assert_int_equal(ext2_read(fs, ino_of(fs, "/f"), 0, buf, 10), EUCLEAN_);
	expect_marked(fs, img);
}

/* Links whose sizes lie. */
static void test_bad_symlinks(void **state)
{
	const char *img = base_image();
	struct ext2_fs *fs;
	char buf[4096];

	debugfs_w(img, "sif /l size 5000");
	fs = mount_img(img, 0);
	assert_int_equal(ext2_readlink(fs, ino_of(fs, "/l"), buf, sizeof(buf)), EUCLEAN_);
	expect_marked(fs, img);
	debugfs_w(img, "sif /l size 200");
	debugfs_w(img, "sif /l block[0] 0");
	fs = mount_img(img, 0);
	assert_int_equal(ext2_readlink(fs, ino_of(fs, "/l"), buf, sizeof(buf)), EUCLEAN_);
	expect_marked(fs, img);
	debugfs_w(img, "sif /l blocks 0");             /* now "fast", but 200 bytes */
	fs = mount_img(img, 0);
	assert_int_equal(ext2_readlink(fs, ino_of(fs, "/l"), buf, sizeof(buf)), EUCLEAN_);
	expect_marked(fs, img);
}

/* Bitmaps and counts that disagree: no metadata handed out, no block freed twice. */
static void test_bad_bitmaps(void **state)
{
	const char *img = base_image();
	struct ext2_fs *fs;
	uint8_t data[1024] = { 1 };
	uint32_t f, bb = peek32(img, GD + 0);

	/* The block bitmap says the first blocks of the group (its metadata) are free. */
	uint8_t zeros[64] = { 0 };
	poke(img, (uint64_t)bb * 1024, zeros, sizeof(zeros));
	fs = mount_img(img, 0);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "g", 0644, 0, 0, &f), 0);
	assert_int_equal(ext2_write(fs, f, 0, data, sizeof(data)), EUCLEAN_);
	expect_marked(fs, img);

	/* Every block marked used while the descriptor counts free ones. */
	img = base_image();
	uint8_t ones[1024];
	memset(ones, 0xff, sizeof(ones));
	poke(img, (uint64_t)bb * 1024, ones, sizeof(ones));
	fs = mount_img(img, 0);
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "m", 0755, 0, 0, NULL), EUCLEAN_);
	expect_marked(fs, img);

	/* Every inode marked used, likewise. */
	img = base_image();
	poke(img, (uint64_t)peek32(img, GD + 4) * 1024, ones, sizeof(ones));
	fs = mount_img(img, 0);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "g", 0644, 0, 0, NULL), EUCLEAN_);
	expect_marked(fs, img);

	/* Two files sharing a block: the second to free it finds it free. */
	img = base_image();
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "sif /l block[0] %u", debugfs_num(img, "bmap /f 0"));
	debugfs_w(img, cmd);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), 0);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "l"), EUCLEAN_);
	expect_marked(fs, img);
}

/* A loop in the ".." chain: a directory moved below it is refused, not followed forever. */
static void test_dir_loop(void **state)
{
	const char *img = base_image();
	struct ext2_fs *fs;
	uint32_t a, b;

	fs = mount_img(img, 0);
	a = ino_of(fs, "/a");
	b = ino_of(fs, "/a/b");
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "x", 0755, 0, 0, NULL), 0);
	assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
	/* /a's ".." (its second entry) names /a/b. */
	uint32_t ablk = debugfs_num(img, "bmap /a 0");
	assert_int_equal(peek32(img, (uint64_t)ablk * 1024 + 12), EXT2_ROOT_INO);
	poke32(img, (uint64_t)ablk * 1024 + 12, b);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "x", b, "x"), EUCLEAN_);
	assert_non_null(strstr(ext2_error(fs), "loop"));
	/* The loop is in the tree above b; a rename elsewhere still works. */
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "x", ino_of(fs, "/d"), "z"), 0);
	expect_marked(fs, img);
	/* ".." naming itself. */
	poke32(img, (uint64_t)ablk * 1024 + 12, a);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_rename(fs, ino_of(fs, "/d"), "z", b, "z"), EUCLEAN_);
	expect_marked(fs, img);
	/* ".." naming a file. */
	fs = mount_img(img, 0);
	uint32_t f = ino_of(fs, "/f");
	assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
	poke32(img, (uint64_t)ablk * 1024 + 12, f);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_rename(fs, ino_of(fs, "/d"), "z", b, "z"), EUCLEAN_);
	assert_non_null(strstr(ext2_error(fs), "chain"));
	expect_marked(fs, img);
}

/* ---------------------------------------------------------------- random damage */

static int visited;

static bool allowed(long rc)
{
	return rc >= 0 || rc == EUCLEAN_ || rc == ENOENT_ || rc == ENOTDIR_ || rc == EISDIR_ ||
	       rc == EINVAL_ || rc == EEXIST_ || rc == ENOSPC_ || rc == ENOTEMPTY_ || rc == EFBIG_ ||
	       rc == EMLINK_ || rc == EPERM_ || rc == EBUSY_ || rc == EROFS_;
}

#define CHECK(call) do { long rc_ = (call); if (!allowed(rc_)) fail_msg("%s: %ld", #call, rc_); } while (0)

/* Everything reachable, read; a few changes on the way. */
static void walk_all(struct ext2_fs *fs, uint32_t dir, int depth, uint64_t *rng)
{
	struct ext2_dirent de;
	uint64_t pos = 0;
	uint8_t buf[3000];
	int n = 0;
	long rc;

	while (visited < 400 && n < 100 && (rc = ext2_readdir(fs, dir, &pos, &de)) == 1) {
		struct ext2_stat st;
		uint32_t found;

		n++;
		visited++;
		CHECK(ext2_lookup(fs, dir, de.name, &found));
		if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
			continue;
		if (ext2_stat(fs, de.ino, &st))
			continue;
		switch (st.mode & EXT2_S_IFMT) {
		case EXT2_S_IFDIR:
			if (depth < 6)
				walk_all(fs, de.ino, depth + 1, rng);
			break;
		case EXT2_S_IFLNK:
			CHECK(ext2_readlink(fs, de.ino, (char *)buf, sizeof(buf)));
			break;
		case EXT2_S_IFREG:
			CHECK(ext2_read(fs, de.ino, unit_below(rng, 5000), buf, sizeof(buf)));
			if (unit_below(rng, 4) == 0)
				CHECK(ext2_write(fs, de.ino, unit_below(rng, 300000), buf, sizeof(buf)));
			if (unit_below(rng, 8) == 0)
				CHECK(ext2_truncate(fs, de.ino, unit_below(rng, 3000)));
			break;
		}
		if (unit_below(rng, 10) == 0)
			CHECK(ext2_rename(fs, dir, de.name, EXT2_ROOT_INO, "moved"));
		else if (unit_below(rng, 10) == 0)
			CHECK(ext2_unlink(fs, dir, de.name));
		else if (unit_below(rng, 10) == 0)
			CHECK(ext2_rmdir(fs, dir, de.name));
	}
	CHECK(ext2_create(fs, dir, "new-file", 0644, 0, 0, NULL));
	CHECK(ext2_mkdir(fs, dir, "new-dir", 0755, 0, 0, NULL));
	CHECK(ext2_symlink(fs, dir, "new-link", "a target longer than sixty bytes, which takes a block of its own", 0, 0, NULL));
}

static void test_random_damage(void **state)
{
	const char *img = tpath("img"), *src = tpath("src"), *work = tpath("work");
	uint64_t rng = unit_seed("random damage");
	int mounted = 0, refused = 0;

	assert_int_equal(sh("mkdir -p '%s/a/b/c' '%s/d' && cd '%s' && yes abcdefgh | head -c 300000 > big && "
			    "for i in $(seq 1 60); do echo $i > d/file$i; done && ln -s big short && "
			    "ln -s '%0150d' long && echo hi > a/b/c/deep",
			    src, src, src, 1), 0);
	char o[600];
	snprintf(o, sizeof(o), "-b 1024 -N 128 -d '%s'", src);
	mkfs(img, o, 1024);
	/* Every block in use: the metadata (to block 40), directories, links,
	 * the big file's indirect blocks and its data (to about block 420). */
	uint32_t span = 420 * 1024;
	for (int iter = 0; iter < 400; iter++) {
		struct ext2_fs *fs = NULL;
		int changes = 1 + (int)unit_below(&rng, 12);

		assert_int_equal(sh("cp '%s' '%s'", img, work), 0);
		int fd = open(work, O_WRONLY);
		for (int k = 0; k < changes; k++) {
			uint8_t v = (uint8_t)unit_rand(&rng);
			uint64_t at = 1024 + unit_below(&rng, span);
			if (unit_below(&rng, 3) == 0)
				at = 1024 + unit_below(&rng, 100);      /* the superblock's counts */
			else if (unit_below(&rng, 2) == 0)
				at = 1024 + unit_below(&rng, 60 * 1024);    /* descriptors, bitmaps, inodes, directories */
			assert_int_equal(pwrite(fd, &v, 1, (off_t)at), 1);
		}
		close(fd);
		disk_open(work);
		int rc = ext2_mount(&dev, &host, 0, &fs, NULL);
		if (rc) {
			assert_true(rc == EUCLEAN_ || rc == EINVAL_ || rc == EOPNOTSUPP_);
			refused++;
		} else {
			mounted++;
			visited = 0;
			walk_all(fs, EXT2_ROOT_INO, 0, &rng);
			CHECK(ext2_sync(fs));
			CHECK(ext2_unmount(fs));
		}
		disk_close();
		assert_int_equal(live, 0);
		assert_int_equal(disk.outside, 0);
	}
	print_message("# random damage: %d mounted, %d refused\n", mounted, refused);
	assert_true(mounted > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_super, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_dirents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_directories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pointers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_bitmaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_damage, setup, teardown),
	};
	return cmocka_run_group_tests_name("ext2_corrupt", tests, NULL, NULL);
}
