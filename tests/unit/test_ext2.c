/*
 * guest/kernel/ext2*.c, file contents, against e2fsprogs: trees made by
 * mkfs.ext2 -d read back (1, 2 and 4 KiB blocks, revision 0, no filetype),
 * holes, writes and truncations across the direct, indirect, double and
 * triple indirect blocks with e2fsck -fn and debugfs after them, i_blocks,
 * the largest sizes, hashed directories, xattr blocks. Names are
 * test_ext2_names.c, mounting and the disk test_ext2_mount.c, a random
 * sequence test_ext2_random.c, hostile images test_ext2_corrupt.c.
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
	if (ino != EXT2_ROOT_INO)       /* mkfs changes the root when it adds lost+found */
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

	snprintf(opts, sizeof(opts), "-b %u -g %u", bs, bs == 1024 ? 2048 : 1024);
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

	mkfs(img, "-b 1024 -g 1024", 4096);
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

	mkfs(img, "-b 1024 -g 1024", 4096);
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
		cmocka_unit_test_setup_teardown(test_htree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattr_block, setup, teardown),
	};
	return cmocka_run_group_tests_name("ext2", tests, NULL, NULL);
}
