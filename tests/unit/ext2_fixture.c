/*
 * The fixture of the ext2 unit tests (ext2_fixture.h): image files in a
 * temporary directory, a disk over them, a counting allocator, e2fsprogs.
 */
#include "ext2_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the disk */

struct fdisk disk = { .fd = -1 };

static int disk_read(void *opaque, uint64_t sector, unsigned count, void *buf)
{
	struct fdisk *d = opaque;

	d->reads++;
	if (sector >= d->sectors || count > d->sectors - sector) {
		d->outside++;
		return -1;
	}
	if (d->fail_reads_in == 0)
		return -1;
	if (d->fail_reads_in > 0)
		d->fail_reads_in--;
	ssize_t n = pread(d->fd, buf, (size_t)count * 512, (off_t)(sector * 512));
	return n == (ssize_t)count * 512 ? 0 : -1;
}

static int disk_write(void *opaque, uint64_t sector, unsigned count, const void *buf)
{
	struct fdisk *d = opaque;

	d->writes++;
	if (sector >= d->sectors || count > d->sectors - sector) {
		d->outside++;
		return -1;
	}
	if (d->fail_writes_in == 0)
		return -1;
	if (d->fail_writes_in > 0)
		d->fail_writes_in--;
	ssize_t n = pwrite(d->fd, buf, (size_t)count * 512, (off_t)(sector * 512));
	return n == (ssize_t)count * 512 ? 0 : -1;
}

static int disk_flush(void *opaque)
{
	struct fdisk *d = opaque;

	return fsync(d->fd);
}

struct ext2_dev dev = { disk_read, disk_write, disk_flush, &disk, 0 };

void disk_open(const char *img)
{
	struct stat st;

	assert_int_equal(disk.fd, -1);
	disk.fd = open(img, O_RDWR);
	if (disk.fd < 0)
		fail_msg("cannot open %s: %s", img, strerror(errno));
	assert_int_equal(fstat(disk.fd, &st), 0);
	disk.sectors = (uint64_t)st.st_size / 512;
	disk.fail_reads_in = disk.fail_writes_in = -1;
	dev.sectors = disk.sectors;
}

void disk_close(void)
{
	if (disk.fd >= 0)
		close(disk.fd);
	disk.fd = -1;
}

/* ---------------------------------------------------------------- memory and time */

long live;
long fail_alloc_in = -1;

static void *t_alloc(size_t n)
{
	if (fail_alloc_in == 0)
		return NULL;
	if (fail_alloc_in > 0)
		fail_alloc_in--;
	live++;
	return malloc(n);
}

static void t_free(void *p)
{
	assert_non_null(p);
	live--;
	free(p);
}

static uint32_t t_now(void)
{
	return (uint32_t)time(NULL);
}

struct ext2_host host = { t_alloc, t_free, t_now };

/* ---------------------------------------------------------------- the test's directory */

char tmpdir[64];

int setup(void **state)
{
	static bool tools_checked;
	const char *path = getenv("PATH");
	char newpath[4096];

	/* e2fsprogs live in sbin, which an ordinary user's PATH may lack. */
	if (path && !strstr(path, "/usr/sbin")) {
		snprintf(newpath, sizeof(newpath), "/usr/sbin:/sbin:%s", path);
		setenv("PATH", newpath, 1);
	}
	if (!tools_checked) {
		if (sh("mkfs.ext2 -V >/dev/null 2>&1") || sh("e2fsck -V >/dev/null 2>&1") ||
		    sh("debugfs -V >/dev/null 2>&1")) {
			print_error("e2fsprogs is missing: the ext2 tests need mkfs.ext2, e2fsck and "
				    "debugfs (tools/setup.sh installs the package e2fsprogs)\n");
			return -1;
		}
		tools_checked = true;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ext2-unit-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		print_error("mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	live = 0;
	fail_alloc_in = -1;
	disk = (struct fdisk){ .fd = -1, .fail_reads_in = -1, .fail_writes_in = -1 };
	return 0;
}

int teardown(void **state)
{
	int rc = 0;

	disk_close();
	if (live != 0) {
		print_error("leak: %ld allocations not freed\n", live);
		rc = -1;
	}
	if (disk.outside) {
		print_error("the library asked for %ld sectors outside the disk\n", disk.outside);
		rc = -1;
	}
	if (getenv("EXT2_KEEP"))
		print_message("# kept %s\n", tmpdir);
	else
		sh("rm -rf '%s'", tmpdir);
	return rc;
}

const char *tpath(const char *name)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
	return b;
}

int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

void mkfs(const char *img, const char *opts, unsigned blocks)
{
	int rc = sh("rm -f '%s' && mkfs.ext2 -q -F %s '%s' %u >/dev/null 2>&1", img, opts, img, blocks);

	if (rc)
		fail_msg("mkfs.ext2 -q -F %s %s %u failed (%d)", opts, img, blocks, rc);
}

int fsck(const char *img)
{
	char cmd[1024], out[8192];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "e2fsck -fn '%s' 2>&1", img);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (st)
		print_error("e2fsck -fn %s: exit status %d\n%s\n", img, st, out);
	return st;
}

/* ---------------------------------------------------------------- mounting */

struct ext2_fs *mount_img(const char *img, unsigned flags)
{
	struct ext2_fs *fs = NULL;
	const char *why = NULL;
	int rc;

	disk_open(img);
	rc = ext2_mount(&dev, &host, flags, &fs, &why);
	if (rc)
		fail_msg("mount %s: %d (%s)", img, rc, why ? why : "no reason");
	return fs;
}

void unmount_fsck(struct ext2_fs *fs, const char *img)
{
	int rc = ext2_unmount(fs);

	assert_int_equal(rc, 0);
	disk_close();
	assert_fsck_clean(img);
}

struct ext2_fs *remount(struct ext2_fs *fs, const char *img)
{
	unmount_fsck(fs, img);
	return mount_img(img, 0);
}

/* ---------------------------------------------------------------- paths and contents */

int walk(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
	char name[EXT2_NAME_MAX + 1];
	uint32_t cur = EXT2_ROOT_INO;

	while (*path) {
		size_t n = 0;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		while (path[n] && path[n] != '/')
			n++;
		assert_true(n <= EXT2_NAME_MAX);
		memcpy(name, path, n);
		name[n] = '\0';
		path += n;
		int rc = ext2_lookup(fs, cur, name, &cur);
		if (rc)
			return rc;
	}
	*ino = cur;
	return 0;
}

uint32_t ino_of(struct ext2_fs *fs, const char *path)
{
	uint32_t ino = 0;
	int rc = walk(fs, path, &ino);

	if (rc)
		fail_msg("%s: %d", path, rc);
	return ino;
}

uint32_t parent_of(struct ext2_fs *fs, const char *path, const char **name)
{
	static char dir[4096];
	const char *slash = strrchr(path, '/');

	assert_non_null(slash);
	*name = slash + 1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return ino_of(fs, dir[0] ? dir : "/");
}

uint8_t *read_all(struct ext2_fs *fs, uint32_t ino, size_t *len)
{
	struct ext2_stat st;
	uint8_t *buf;
	long n;

	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	buf = malloc(st.size + 1);
	assert_non_null(buf);
	n = ext2_read(fs, ino, 0, buf, st.size);
	assert_int_equal(n, (long)st.size);
	/* Nothing past the end. */
	assert_int_equal(ext2_read(fs, ino, st.size, buf + st.size, 1), 0);
	*len = st.size;
	return buf;
}

uint8_t *debugfs_cat(const char *img, const char *path, size_t *len)
{
	char cmd[1024];
	size_t cap = 1 << 16, n = 0, got;
	uint8_t *buf = malloc(cap);
	FILE *p;

	snprintf(cmd, sizeof(cmd), "debugfs -R 'cat %s' '%s' 2>/dev/null", path, img);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((got = fread(buf + n, 1, cap - n, p)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	assert_int_equal(pclose(p), 0);
	*len = n;
	return buf;
}

uint32_t put_file(struct ext2_fs *fs, const char *path, const void *data, size_t len)
{
	const char *name;
	uint32_t dir = parent_of(fs, path, &name), ino;
	int rc = ext2_lookup(fs, dir, name, &ino);

	if (rc == ENOENT_)
		rc = ext2_create(fs, dir, name, 0644, 0, 0, &ino);
	else if (!rc)
		rc = ext2_truncate(fs, ino, 0);
	assert_int_equal(rc, 0);
	assert_int_equal(ext2_write(fs, ino, 0, data, len), (long)len);
	return ino;
}

uint32_t blocks_free(struct ext2_fs *fs)
{
	struct ext2_statfs s;

	ext2_statfs(fs, &s);
	return s.free_blocks;
}

uint32_t inodes_free(struct ext2_fs *fs)
{
	struct ext2_statfs s;

	ext2_statfs(fs, &s);
	return s.free_inodes;
}

uint16_t links_of(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_stat st;

	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	return st.links;
}

void fill(uint8_t *buf, size_t len, uint64_t off, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t x = (off + i) / 8 * 0x9e3779b97f4a7c15ull + seed;
		x ^= x >> 29;
		buf[i] = (uint8_t)(x >> (8 * ((off + i) % 8)));
	}
}
