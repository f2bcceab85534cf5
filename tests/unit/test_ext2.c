/*
 * guest/kernel/ext2*.c against e2fsprogs: trees made by mkfs.ext2 -d read
 * back (1, 2 and 4 KiB blocks, revision 0, no filetype), large and sparse
 * files, every call that writes followed by e2fsck -fn and a look with
 * debugfs or a new mount, the errors of each call, full disks, features
 * refused or mounted read-only, held inodes, device errors. The random
 * sequence is test_ext2_random.c, hostile images test_ext2_corrupt.c.
 */
#include "ext2_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- mkfs -d trees */

static void host_file(const char *path, size_t len, uint32_t seed)
{
	uint8_t *buf = malloc(len + 1);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fill(buf, len, 0, seed);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

/* A file of size bytes with data only at the given offsets (holes elsewhere). */
static void host_sparse(const char *path, uint64_t size, const uint64_t *at, int n, uint32_t seed)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint8_t buf[100];

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	for (int i = 0; i < n; i++) {
		fill(buf, sizeof(buf), at[i], seed);
		assert_int_equal(pwrite(fd, buf, sizeof(buf), (off_t)at[i]), (ssize_t)sizeof(buf));
	}
	close(fd);
}

/* The tree every image is made from: every size class of file, holes,
 * both kinds of symbolic link, a hard link, a FIFO, nested and crowded
 * directories. */
static void make_tree(const char *root)
{
	char p[600];
	static const uint64_t holes[] = { 0, 1 << 20, (3 << 20) - 100 };

	assert_int_equal(sh("mkdir -p '%s/dir/sub/deep' '%s/empty' '%s/crowd'", root, root, root), 0);
	snprintf(p, sizeof(p), "%s/zero", root);
	host_file(p, 0, 1);
	snprintf(p, sizeof(p), "%s/small.txt", root);
	host_file(p, 6, 2);
	snprintf(p, sizeof(p), "%s/exact1k", root);
	host_file(p, 1024, 3);
	snprintf(p, sizeof(p), "%s/indirect", root);
	host_file(p, 20000, 4);
	snprintf(p, sizeof(p), "%s/dind", root);             /* double indirect at 1 KiB */
	host_file(p, 400 << 10, 5);
	snprintf(p, sizeof(p), "%s/dir/sub/deep/big", root); /* double indirect at 4 KiB */
	host_file(p, (5 << 20) + 123, 6);
	snprintf(p, sizeof(p), "%s/sparse", root);
	host_sparse(p, 3 << 20, holes, 3, 7);
	snprintf(p, sizeof(p), "%s/dir/fifo", root);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(sh("ln -s small.txt '%s/short'", root), 0);
	assert_int_equal(sh("ln -s '%0100d' '%s/dir/long'", 7, root), 0);
	assert_int_equal(sh("ln '%s/small.txt' '%s/dir/hard'", root, root), 0);
	assert_int_equal(sh("chmod 0751 '%s/dir/sub'", root), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "%s/crowd/entry-%d-%.*s", root, i, i % 40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN");
		host_file(p, (size_t)i, 100 + i);
	}
}

static int count_host_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static uint8_t dt_of_host(mode_t m)
{
	return S_ISREG(m) ? EXT2_DT_REG : S_ISDIR(m) ? EXT2_DT_DIR : S_ISLNK(m) ? EXT2_DT_LNK :
	       S_ISFIFO(m) ? EXT2_DT_FIFO : S_ISCHR(m) ? EXT2_DT_CHR : EXT2_DT_UNKNOWN;
}

/* ino in fs is what host path is: type, mode, size, links, owner, time, contents, entries. */
static void compare_tree(struct ext2_fs *fs, uint32_t ino, uint32_t parent, const char *hpath,
			 bool types)
{
	struct ext2_stat st;
	struct stat hs;

	assert_int_equal(lstat(hpath, &hs), 0);
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	if (st.mode != (hs.st_mode & 0177777))
		fail_msg("%s: mode %o, host %o", hpath, st.mode, hs.st_mode);
	assert_int_equal(st.uid, hs.st_uid);
	assert_int_equal(st.gid, hs.st_gid);
	assert_int_equal(st.mtime, (uint32_t)hs.st_mtime);
	if (!S_ISDIR(hs.st_mode)) {
		assert_int_equal(st.links, hs.st_nlink);
		assert_int_equal(st.size, hs.st_size);
	}
	if (S_ISREG(hs.st_mode)) {
		size_t len;
		uint8_t *got = read_all(fs, ino, &len), *want = malloc(len + 1);
		FILE *f = fopen(hpath, "rb");

		assert_non_null(f);
		assert_int_equal(fread(want, 1, len + 1, f), len);
		fclose(f);
		if (memcmp(got, want, len))
			fail_msg("%s: contents differ", hpath);
		free(got);
		free(want);
	} else if (S_ISLNK(hs.st_mode)) {
		char want[4096], got[4096];
		ssize_t n = readlink(hpath, want, sizeof(want));

		assert_true(n > 0);
		assert_int_equal(ext2_readlink(fs, ino, got, sizeof(got)), n);
		assert_memory_equal(got, want, (size_t)n);
		/* A short buffer gets the start. */
		assert_int_equal(ext2_readlink(fs, ino, got, 3), 3);
	} else if (S_ISDIR(hs.st_mode)) {
		struct ext2_dirent de;
		uint64_t pos = 0;
		int n = 0, subdirs = 0, rc;
		bool dot = false, dotdot = false;

		while ((rc = ext2_readdir(fs, ino, &pos, &de)) == 1) {
			char child[1024];
			struct stat cs;

			assert_int_equal(strlen(de.name), de.name_len);
			if (!strcmp(de.name, ".")) {
				assert_int_equal(de.ino, ino);
				dot = true;
				continue;
			}
			if (!strcmp(de.name, "..")) {
				assert_int_equal(de.ino, parent);
				dotdot = true;
				continue;
			}
			if (ino == EXT2_ROOT_INO && !strcmp(de.name, "lost+found")) {
				subdirs++;
				continue;
			}
			snprintf(child, sizeof(child), "%s/%s", hpath, de.name);
			if (lstat(child, &cs))
				fail_msg("%s: not on the host", child);
			assert_int_equal(de.type, types ? dt_of_host(cs.st_mode) : EXT2_DT_UNKNOWN);
			uint32_t found;
			assert_int_equal(ext2_lookup(fs, ino, de.name, &found), 0);
			assert_int_equal(found, de.ino);
			subdirs += S_ISDIR(cs.st_mode);
			compare_tree(fs, de.ino, ino, child, types);
			n++;
		}
		assert_int_equal(rc, 0);
		assert_true(dot && dotdot);
		assert_int_equal(n, count_host_entries(hpath));
		assert_int_equal(st.links, 2 + subdirs);
		/* At the end it stays at the end. */
		assert_int_equal(ext2_readdir(fs, ino, &pos, &de), 0);
	}
}

static void check_mkfs_d(const char *opts, unsigned blocks, bool types)
{
	const char *img = tpath("img"), *src = tpath("src");
	struct ext2_fs *fs;

	make_tree(src);
	char o[256];
	snprintf(o, sizeof(o), "%s -d '%s'", opts, src);
	mkfs(img, o, blocks);
	assert_fsck_clean(img);
	fs = mount_img(img, EXT2_MOUNT_RDONLY);
	assert_true(ext2_readonly(fs));
	compare_tree(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, src, types);
	assert_int_equal(ext2_unmount(fs), 0);
	disk_close();
	/* Read-write too: the tree is the same after a mount and an unmount. */
	fs = mount_img(img, 0);
	assert_false(ext2_readonly(fs));
	compare_tree(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, src, types);
	unmount_fsck(fs, img);
}

static void test_read_1k(void **state)  { check_mkfs_d("-b 1024", 16384, true); }
static void test_read_2k(void **state)  { check_mkfs_d("-b 2048 -I 128", 8192, true); }
static void test_read_4k(void **state)  { check_mkfs_d("-b 4096", 4096, true); }
static void test_read_rev0(void **state) { check_mkfs_d("-b 1024 -r 0", 16384, false); }
static void test_read_nofiletype(void **state) { check_mkfs_d("-b 1024 -O ^filetype", 16384, false); }

/* Holes read as zeros, anywhere in a block or across blocks; reads past the end give 0. */
static void test_sparse_reads(void **state)
{
	const char *img = tpath("img"), *src = tpath("src");
	static const uint64_t at[] = { 5000, 70000, 300000 };
	struct ext2_fs *fs;
	struct ext2_stat st;
	uint8_t buf[3000], want[3000];
	uint32_t ino;

	assert_int_equal(sh("mkdir '%s'", src), 0);
	char p[600];
	snprintf(p, sizeof(p), "%s/s", src);
	host_sparse(p, 400000, at, 3, 9);
	char o[600];
	snprintf(o, sizeof(o), "-b 1024 -d '%s'", src);
	mkfs(img, o, 4096);
	fs = mount_img(img, 0);
	ino = ino_of(fs, "/s");
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.size, 400000);
	assert_true(st.blocks < 20);    /* three data blocks, two indirect, a little slack */
	for (uint64_t off = 0; off < 400000; off += 2999) {
		long n = ext2_read(fs, ino, off, buf, sizeof(buf));
		size_t want_n = off + sizeof(buf) > 400000 ? 400000 - off : sizeof(buf);

		assert_int_equal(n, (long)want_n);
		memset(want, 0, sizeof(want));
		for (int i = 0; i < 3; i++) {
			for (uint64_t b = at[i]; b < at[i] + 100; b++)
				if (b >= off && b < off + want_n)
					fill(&want[b - off], 1, b, 9);
		}
		assert_memory_equal(buf, want, want_n);
	}
	assert_int_equal(ext2_read(fs, ino, 400000, buf, 10), 0);
	assert_int_equal(ext2_read(fs, ino, 1ull << 40, buf, 10), 0);
	unmount_fsck(fs, img);
}

/* ---------------------------------------------------------------- writing */

static uint32_t blocks_free(struct ext2_fs *fs)
{
	struct ext2_statfs s;

	ext2_statfs(fs, &s);
	return s.free_blocks;
}

static uint32_t inodes_free(struct ext2_fs *fs)
{
	struct ext2_statfs s;

	ext2_statfs(fs, &s);
	return s.free_inodes;
}

/* Contents through the library and through debugfs, the same as want. */
static void check_file(struct ext2_fs *fs, const char *img, const char *path, const uint8_t *want,
		       size_t len)
{
	size_t n;
	uint8_t *got = read_all(fs, ino_of(fs, path), &n);

	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(got);
	assert_int_equal(ext2_sync(fs), 0);
	got = debugfs_cat(img, path, &n);
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* A file written in pieces: appends, overwrites, across the direct/indirect
 * and indirect/double-indirect boundaries, then truncated down step by step. */
static void check_write_truncate(unsigned bs)
{
	const char *img = tpath("img");
	size_t max = bs == 1024 ? 600 << 10 : 5 << 20;
	uint8_t *model = calloc(1, max), *chunk = malloc(max);
	struct ext2_fs *fs;
	uint32_t ino, free0, ifree0;
	uint64_t seed = unit_seed("write_truncate");
	size_t size = 0;
	char opts[32];

	snprintf(opts, sizeof(opts), "-b %u", bs);
	mkfs(img, opts, bs == 1024 ? 8192 : 4096);
	fs = mount_img(img, 0);
	free0 = blocks_free(fs);
	ifree0 = inodes_free(fs);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "f", 0640, 1000, 1001, &ino), 0);
	assert_int_equal(inodes_free(fs), ifree0 - 1);
	for (int step = 0; step < 40; step++) {
		size_t off = unit_below(&seed, max - 1);
		size_t len = 1 + unit_below(&seed, step % 4 == 0 ? max - off : (3 * bs < max - off ? 3 * bs : max - off));

		if (step % 3 == 0)
			off = size;     /* an append */
		if (off + len > max)
			len = max - off;
		if (len == 0)
			continue;
		fill(chunk, len, off, (uint32_t)step);
		memcpy(model + off, chunk, len);
		assert_int_equal(ext2_write(fs, ino, off, chunk, len), (long)len);
		if (off + len > size)
			size = off + len;
		if (step % 8 == 7) {
			check_file(fs, img, "/f", model, size);
			fs = remount(fs, img);
		}
	}
	check_file(fs, img, "/f", model, size);
	fs = remount(fs, img);
	ino = ino_of(fs, "/f");
	/* Down through every boundary, growing back with zeros now and then. */
	size_t cuts[] = { max - 1, (12 + bs / 4) * bs + 1, (12 + bs / 4) * bs, 13 * bs - 1, 12 * bs,
			  12 * bs - 7, bs + 1, bs, 100, 0 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t cut = cuts[i];

		if (cut > size)
			continue;
		assert_int_equal(ext2_truncate(fs, ino, cut), 0);
		memset(model + cut, 0, max - cut);
		size = cut;
		if (i % 2) {
			size_t grow = cut + bs + 5 < max ? cut + bs + 5 : max;
			assert_int_equal(ext2_truncate(fs, ino, grow), 0);
			size = grow;
		}
		check_file(fs, img, "/f", model, size);
		fs = remount(fs, img);
		ino = ino_of(fs, "/f");
	}
	/* Everything back but the inode, then the inode. */
	struct ext2_stat st;
	assert_int_equal(ext2_truncate(fs, ino, 0), 0);
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.gid, 1001);
	assert_int_equal(st.mode, EXT2_S_IFREG | 0640);
	assert_int_equal(blocks_free(fs), free0);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), 0);
	assert_int_equal(inodes_free(fs), ifree0);
	unmount_fsck(fs, img);
	free(model);
	free(chunk);
}

static void test_write_truncate_1k(void **state) { check_write_truncate(1024); }
static void test_write_truncate_4k(void **state) { check_write_truncate(4096); }

/* i_blocks counts the indirect blocks: a file of 12 + 256 + 1 blocks at 1 KiB
 * has a single and a double indirect block and one below it. */
static void test_iblocks(void **state)
{
	const char *img = tpath("img");
	size_t len = (12 + 256 + 1) * 1024;
	uint8_t *data = malloc(len);
	struct ext2_fs *fs;
	struct ext2_stat st;
	uint32_t ino;

	mkfs(img, "-b 1024", 4096);
	fs = mount_img(img, 0);
	fill(data, len, 0, 5);
	ino = put_file(fs, "/f", data, len);
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.blocks, (12 + 256 + 1 + 3) * 2);
	assert_int_equal(ext2_truncate(fs, ino, (12 + 256) * 1024), 0);
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.blocks, (12 + 256 + 1) * 2);
	assert_int_equal(ext2_truncate(fs, ino, 12 * 1024), 0);
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.blocks, 12 * 2);
	unmount_fsck(fs, img);
	free(data);
}

/* Sparse writes: one block far out (triple indirect at 1 KiB, past 64 MiB) costs
 * a few blocks, the holes read as zeros, through debugfs too. */
static void test_sparse_writes(void **state)
{
	const char *img = tpath("img");
	uint64_t far = (12 + 256 + 65536 + 70000ull) * 1024 + 500;
	uint8_t a[2000], b[700], buf[4096];
	struct ext2_fs *fs;
	struct ext2_stat st;
	uint32_t ino, free0;

	mkfs(img, "-b 1024", 4096);
	fs = mount_img(img, 0);
	free0 = blocks_free(fs);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "s", 0644, 0, 0, &ino), 0);
	fill(a, sizeof(a), 0, 1);
	fill(b, sizeof(b), 0, 2);
	assert_int_equal(ext2_write(fs, ino, 3000, a, sizeof(a)), sizeof(a));
	assert_int_equal(ext2_write(fs, ino, far, b, sizeof(b)), sizeof(b));
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.size, far + sizeof(b));
	/* 3000..5000: blocks 2-4; far: two blocks under three indirect ones. */
	assert_int_equal(st.blocks, (3 + 2 + 3) * 2);
	assert_int_equal(free0 - blocks_free(fs), 3 + 2 + 3);
	assert_int_equal(ext2_read(fs, ino, 0, buf, 3000), 3000);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(ext2_read(fs, ino, far - 1000, buf, 1700), 1700);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf[i], 0);
	assert_memory_equal(buf + 1000, b, sizeof(b));
	fs = remount(fs, img);
	ino = ino_of(fs, "/s");

	/* debugfs agrees, byte for byte (the holes streamed as zeros). */
	size_t n;
	uint8_t *all = debugfs_cat(img, "/s", &n);
	assert_int_equal(n, far + sizeof(b));
	for (size_t i = 0; i < n; i++) {
		uint8_t want = i >= 3000 && i < 5000 ? a[i - 3000] : i >= far ? b[i - far] : 0;
		if (all[i] != want)
			fail_msg("byte %zu: %u, want %u", i, all[i], want);
	}
	free(all);

	/* Truncating into the middle frees the far blocks and their indirect ones. */
	assert_int_equal(ext2_truncate(fs, ino, 4000), 0);
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.blocks, 2 * 2);
	/* Grown again: the old bytes past 4000 are zeros, not the old data. */
	assert_int_equal(ext2_truncate(fs, ino, 6000), 0);
	assert_int_equal(ext2_read(fs, ino, 3000, buf, 3000), 3000);
	assert_memory_equal(buf, a, 1000);
	for (int i = 1000; i < 3000; i++)
		assert_int_equal(buf[i], 0);
	/* A write past the end leaves zeros between. */
	assert_int_equal(ext2_truncate(fs, ino, 3500), 0);
	assert_int_equal(ext2_write(fs, ino, 4500, b, 10), 10);
	assert_int_equal(ext2_read(fs, ino, 3000, buf, 1510), 1510);
	assert_memory_equal(buf, a, 500);
	for (int i = 500; i < 1500; i++)
		assert_int_equal(buf[i], 0);
	assert_memory_equal(buf + 1500, b, 10);
	unmount_fsck(fs, img);
}

/* Past the largest size: EFBIG (2 GiB on revision 0; 2 TiB otherwise, where a
 * file beyond 2 GiB switches large_file on). */
static void test_efbig(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t ino;
	uint8_t x = 'x';

	mkfs(img, "-b 1024 -r 0", 4096);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "f", 0644, 0, 0, &ino), 0);
	assert_int_equal(ext2_write(fs, ino, 0x7fffffff, &x, 1), EFBIG_);
	assert_int_equal(ext2_write(fs, ino, 0x7ffffffe, &x, 1), 1);
	assert_int_equal(ext2_truncate(fs, ino, 0x80000000ull), EFBIG_);
	unmount_fsck(fs, img);

	mkfs(img, "-b 1024 -O ^large_file", 4096);
	fs = mount_img(img, 0);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "f", 0644, 0, 0, &ino), 0);
	assert_int_equal(ext2_write(fs, ino, 5ull << 30, &x, 1), 1);
	assert_int_equal(ext2_write(fs, ino, 1ull << 41, &x, 1), EFBIG_);
	assert_int_equal(ext2_truncate(fs, ino, (1ull << 41) + 1), EFBIG_);
	unmount_fsck(fs, img);
	assert_int_equal(sh("dumpe2fs -h '%s' 2>/dev/null | grep -q large_file", img), 0);
}

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

static uint16_t links_of(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_stat st;

	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	return st.links;
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

	mkfs(img, "-b 1024", 4096);
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

	mkfs(img, "-b 1024", 4096);
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

	mkfs(img, "-b 1024", 4096);
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

	mkfs(img, "-b 1024", 4096);
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

	mkfs(img, "-b 1024", 4096);
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
static void test_htree(void **state)
{
	const char *img = tpath("img"), *src = tpath("src");
	struct ext2_fs *fs;
	struct ext2_stat st;
	struct ext2_dirent de;
	uint64_t pos = 0;
	uint32_t crowd, x;
	int n = 0, rc;

	assert_int_equal(sh("mkdir -p '%s/crowd' && cd '%s/crowd' && for i in $(seq 1 400); do echo $i > "
			    "entry-number-$i; done", src, src), 0);
	char o[600];
	snprintf(o, sizeof(o), "-b 1024 -d '%s'", src);
	mkfs(img, o, 4096);
	assert_int_equal(sh("e2fsck -fyD '%s' >/dev/null 2>&1; true", img), 0);
	assert_fsck_clean(img);
	fs = mount_img(img, 0);
	crowd = ino_of(fs, "/crowd");
	assert_int_equal(ext2_stat(fs, crowd, &st), 0);
	assert_true(st.flags & 0x1000);
	while ((rc = ext2_readdir(fs, crowd, &pos, &de)) == 1)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 402);
	for (int i = 1; i <= 400; i++) {
		char name[64];
		snprintf(name, sizeof(name), "entry-number-%d", i);
		assert_int_equal(ext2_lookup(fs, crowd, name, &x), 0);
	}
	assert_int_equal(ext2_unlink(fs, crowd, "entry-number-7"), 0);
	assert_int_equal(ext2_create(fs, crowd, "a-new-one", 0644, 0, 0, NULL), 0);
	assert_int_equal(ext2_stat(fs, crowd, &st), 0);
	assert_false(st.flags & 0x1000);
	fs = remount(fs, img);
	crowd = ino_of(fs, "/crowd");
	assert_int_equal(ext2_lookup(fs, crowd, "a-new-one", &x), 0);
	assert_int_equal(ext2_lookup(fs, crowd, "entry-number-7", &x), ENOENT_);
	assert_int_equal(ext2_lookup(fs, crowd, "entry-number-400", &x), 0);
	unmount_fsck(fs, img);
}

/* An extended attribute block (debugfs ea_set; 128-byte inodes have no room
 * inside) goes with its last user; a shared one loses a reference. */
static void test_xattr_block(void **state)
{
	const char *img = tpath("img"), *src = tpath("src");
	struct ext2_fs *fs;
	uint32_t free0, eablk;
	char cmd[200];
	int fd;

	assert_int_equal(sh("mkdir '%s' && echo a > '%s/f' && echo b > '%s/g'", src, src, src), 0);
	snprintf(cmd, sizeof(cmd), "-b 1024 -I 128 -d '%s'", src);
	mkfs(img, cmd, 1024);
	assert_int_equal(sh("debugfs -w -R 'ea_set /f user.test a-value' '%s' >/dev/null 2>&1", img), 0);
	snprintf(cmd, sizeof(cmd), "debugfs -R 'stat /f' '%s' 2>/dev/null | awk '/^File ACL:/ { print $3 }' > '%s'",
		 img, tpath("acl"));
	assert_int_equal(sh("%s", cmd), 0);
	FILE *a = fopen(tpath("acl"), "r");
	assert_non_null(a);
	assert_int_equal(fscanf(a, "%u", &eablk), 1);
	fclose(a);
	assert_true(eablk > 0);
	/* g shares it: its pointer, its count, the block's reference count. */
	assert_int_equal(sh("debugfs -w -R 'sif /g file_acl %u' '%s' >/dev/null 2>&1", eablk, img), 0);
	assert_int_equal(sh("debugfs -w -R 'sif /g blocks 4' '%s' >/dev/null 2>&1", img), 0);
	uint32_t refs = 2;
	fd = open(img, O_WRONLY);
	assert_int_equal(pwrite(fd, &refs, 4, (off_t)eablk * 1024 + 4), 4);
	close(fd);
	assert_fsck_clean(img);

	fs = mount_img(img, 0);
	free0 = blocks_free(fs);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f"), 0);
	assert_int_equal(blocks_free(fs), free0 + 1);          /* its data block only */
	fs = remount(fs, img);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "g"), 0);
	assert_int_equal(blocks_free(fs), free0 + 3);          /* g's data, then the xattr block */
	unmount_fsck(fs, img);
}

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

static void test_enospc_1k(void **state) { check_enospc("-b 1024 -N 64", 1024); }
static void test_enospc_4k(void **state) { check_enospc("-b 4096 -N 128", 256); }

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

	mkfs(img, "-t ext4", 4096);
	assert_int_equal(try_mount(img, 0, &why), EOPNOTSUPP_);
	print_message("# ext4: %s\n", why);
	mkfs(img, "-b 1024 -O flex_bg", 4096);
	assert_int_equal(try_mount(img, 0, &why), EOPNOTSUPP_);
	assert_non_null(strstr(why, "flex_bg"));
	mkfs(img, "-b 1024 -O extent", 4096);
	assert_int_equal(try_mount(img, 0, &why), EOPNOTSUPP_);
	assert_non_null(strstr(why, "extents"));
	mkfs(img, "-b 1024 -O meta_bg,^resize_inode", 4096);
	assert_int_equal(try_mount(img, 0, &why), EOPNOTSUPP_);
	assert_non_null(strstr(why, "meta_bg"));

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

/* Inodes held by the VFS outlive their last name until ext2_iput or the unmount. */
static void test_held(void **state)
{
	const char *img = tpath("img");
	struct ext2_fs *fs;
	uint32_t f, g, d, free0;
	uint8_t buf[16];

	mkfs(img, "-b 1024", 4096);
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

/* No call but mount and iget allocates memory; a failed allocation at mount leaks nothing. */
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
		cmocka_unit_test_setup_teardown(test_read_1k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_2k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_rev0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_nofiletype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_truncate_1k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_truncate_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iblocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_efbig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_htree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattr_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc_1k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("ext2", tests, NULL, NULL);
}
