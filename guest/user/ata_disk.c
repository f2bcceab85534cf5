/*
 * The disks of ringos's ATA driver as programs see them: /dev/hda and
 * /dev/hdb, block devices read and written at any byte offset. An ordinary
 * static program.
 *
 * With ATA_HDA=SECTORS (and ATA_HDB=SECTORS) in the environment (the
 * kernel command line's name=value words), the disks are the test images
 * of tests/scripts/ata_lib.sh: sector n of disk hdX reads "hdX sector n",
 * blank-padded to 511 bytes and a newline, in its first 2048 and last 2048
 * sectors, zeros between. Checked: the node (S_IFBLK, 3:0 and 3:64, the
 * size), Linux's block ioctls, seeks, the pattern where the disk is
 * addressed with LBA28 and with LBA48, reads and writes of partial sectors,
 * the end of the disk (a short read, then 0; a write cut short, then
 * ENOSPC), fsync. Whatever it writes it puts back. Then it runs /ata.sh
 * (busybox's dd, md5sum, hexdump on the disks) when the initramfs has one.
 *
 * Without them: no disk, so no /dev/hda nor /dev/hdb (the bare PC without
 * a -drive, a pv domain, a hw or bt domain without disk =).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64         /* a disk past 4 GiB: 64-bit off_t, lseek through _llseek */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define SECTOR          512
#define PATTERNED       2048            /* sectors of pattern at each end */
#define LBA28_LIMIT     (1ull << 28)
#define MIN(a, b)       ((a) < (b) ? (a) : (b))

/* Linux's block ioctls (<linux/fs.h>), i386. */
#define BLKGETSIZE      0x1260
#define BLKSSZGET       0x1268
#define BLKGETSIZE64    0x80041272u

struct disk {
	const char *name;               /* "hda" */
	unsigned minor;
	uint64_t sectors;
	int fd;
};

/* What sector n of d holds when the test starts. */
static void expected_sector(const struct disk *d, uint64_t n, char *out)
{
	memset(out, 0, SECTOR);
	if (n >= PATTERNED && n < d->sectors - PATTERNED)
		return;
	char head[64];
	int len = snprintf(head, sizeof(head), "%s sector %llu", d->name, (unsigned long long)n);
	memset(out, ' ', SECTOR - 1);
	memcpy(out, head, (size_t)len);
	out[SECTOR - 1] = '\n';
}

/* len expected bytes from byte offset off. */
static void expected(const struct disk *d, uint64_t off, char *out, size_t len)
{
	char sec[SECTOR];
	for (size_t done = 0; done < len;) {
		uint64_t n = (off + done) / SECTOR;
		size_t in = (size_t)((off + done) % SECTOR), k = SECTOR - in;
		if (k > len - done)
			k = len - done;
		expected_sector(d, n, sec);
		memcpy(out + done, sec + in, k);
		done += k;
	}
}

/* Where a long transfer goes: 64 KiB at sector 256, or the second
 * quarter of a small disk. */
static uint64_t middle(const struct disk *d)
{
	return d->sectors >= 512 ? 256 : d->sectors / 4;
}

static size_t middle_len(const struct disk *d)
{
	return d->sectors >= 512 ? 65536 : (size_t)(d->sectors / 4) * SECTOR;
}

/* pread of len bytes at off equals the pattern. */
static int reads_pattern(const struct disk *d, uint64_t off, size_t len)
{
	static char got[64 * 1024], want[64 * 1024];
	if (len > sizeof(got))
		return 0;
	return pread(d->fd, got, len, (off_t)off) == (ssize_t)len &&
	       (expected(d, off, want, len), !memcmp(got, want, len));
}

static void check_node(const struct disk *d, const char *path)
{
	char what[128];
	struct stat st;
	int ok = stat(path, &st) == 0;
	snprintf(what, sizeof(what), "%s: a block device, 3:%u, %llu bytes", path, d->minor,
		 (unsigned long long)d->sectors * SECTOR);
	check(ok && S_ISBLK(st.st_mode) && major(st.st_rdev) == 3 && minor(st.st_rdev) == d->minor &&
	      (uint64_t)st.st_size == d->sectors * SECTOR, what);

	uint64_t bytes = 0;
	unsigned long sectors = 0;
	int ssz = 0;
	snprintf(what, sizeof(what), "%s: BLKGETSIZE64, BLKGETSIZE, BLKSSZGET", path);
	check(ioctl(d->fd, BLKGETSIZE64, &bytes) == 0 && bytes == d->sectors * SECTOR &&
	      ioctl(d->fd, BLKGETSIZE, &sectors) == 0 && sectors == d->sectors &&
	      ioctl(d->fd, BLKSSZGET, &ssz) == 0 && ssz == SECTOR, what);
	errno = 0;
	snprintf(what, sizeof(what), "%s: a terminal's ioctl is ENOTTY", path);
	check(ioctl(d->fd, TCGETS, what) == -1 && errno == ENOTTY, what);
	snprintf(what, sizeof(what), "%s: lseek to the end gives the size", path);
	check(lseek(d->fd, 0, SEEK_END) == (off_t)(d->sectors * SECTOR), what);
}

static void check_reads(const struct disk *d)
{
	char what[128], buf[1024], want[1024];
	uint64_t end = d->sectors * SECTOR;

	snprintf(what, sizeof(what), "%s: whole sectors at both ends read the pattern", d->name);
	check(reads_pattern(d, 0, 2 * SECTOR) &&
	      reads_pattern(d, (MIN(d->sectors, PATTERNED) - 1) * SECTOR, SECTOR) &&
	      reads_pattern(d, end - 3 * SECTOR, 3 * SECTOR) &&
	      reads_pattern(d, middle(d) * SECTOR, middle_len(d)), what);
	if (d->sectors > LBA28_LIMIT + 2) {
		snprintf(what, sizeof(what), "%s: sectors 2^28-2 .. 2^28+1 (LBA28, LBA48) read zeros",
			 d->name);
		check(reads_pattern(d, (LBA28_LIMIT - 2) * SECTOR, 4 * SECTOR), what);
	}
	snprintf(what, sizeof(what), "%s: 700 bytes across a sector boundary", d->name);
	check(reads_pattern(d, 5 * SECTOR + 300, 700), what);

	snprintf(what, sizeof(what), "%s: read() goes on from an unaligned lseek", d->name);
	expected(d, 3 * SECTOR + 10, want, 1000);
	check(lseek(d->fd, 3 * SECTOR + 10, SEEK_SET) == 3 * SECTOR + 10 &&
	      read(d->fd, buf, 1000) == 1000 && !memcmp(buf, want, 1000) &&
	      lseek(d->fd, 0, SEEK_CUR) == 3 * SECTOR + 1010, what);

	snprintf(what, sizeof(what), "%s: a read across the end is short, one at the end gives 0",
		 d->name);
	expected(d, end - 100, want, 100);
	check(pread(d->fd, buf, 1000, (off_t)(end - 100)) == 100 && !memcmp(buf, want, 100) &&
	      pread(d->fd, buf, 1000, (off_t)end) == 0 &&
	      lseek(d->fd, 0, SEEK_END) == (off_t)end && read(d->fd, buf, 10) == 0, what);
}

static void check_writes(const struct disk *d)
{
	static char big[65536], back[65536];
	char what[128], data[1024], got[3 * SECTOR], want[3 * SECTOR];
	uint64_t end = d->sectors * SECTOR;

	/* Partial sectors at both ends of a write: read, changed, written back. */
	for (int i = 0; i < 700; i++)
		data[i] = (char)('A' + i % 26);
	expected(d, 6 * SECTOR, want, sizeof(want));
	memcpy(want + SECTOR + 300, data, 700);
	snprintf(what, sizeof(what), "%s: 700 bytes written at 7*512+300 change those bytes only",
		 d->name);
	check(pwrite(d->fd, data, 700, 7 * SECTOR + 300) == 700 &&
	      pread(d->fd, got, sizeof(got), 6 * SECTOR) == (ssize_t)sizeof(got) &&
	      !memcmp(got, want, sizeof(got)), what);
	expected(d, 7 * SECTOR, want, 2 * SECTOR);
	snprintf(what, sizeof(what), "%s: and two whole sectors put them back", d->name);
	check(pwrite(d->fd, want, 2 * SECTOR, 7 * SECTOR) == 2 * SECTOR &&
	      reads_pattern(d, 6 * SECTOR, 3 * SECTOR), what);

	/* Up to 64 KiB, aligned: written through write(), read back, restored. */
	off_t at = (off_t)(middle(d) * SECTOR);
	size_t len = middle_len(d);
	for (size_t i = 0; i < len; i++)
		big[i] = (char)(i * 7 + i / 512);
	snprintf(what, sizeof(what), "%s: %zu KiB written at sector %llu read back", d->name, len / 1024,
		 (unsigned long long)middle(d));
	check(lseek(d->fd, at, SEEK_SET) == at && write(d->fd, big, len) == (ssize_t)len &&
	      pread(d->fd, back, len, at) == (ssize_t)len && !memcmp(big, back, len), what);
	expected(d, (uint64_t)at, big, len);
	snprintf(what, sizeof(what), "%s: and the pattern written back", d->name);
	check(pwrite(d->fd, big, len, at) == (ssize_t)len && reads_pattern(d, (uint64_t)at, len), what);

	/* The end of the disk. */
	memset(data, 'Z', sizeof(data));
	expected(d, end - 100, want, 100);
	snprintf(what, sizeof(what), "%s: a write across the end is cut short to 100 bytes", d->name);
	check(pwrite(d->fd, data, 300, (off_t)(end - 100)) == 100 &&
	      pread(d->fd, got, 100, (off_t)(end - 100)) == 100 && !memcmp(got, data, 100) &&
	      pwrite(d->fd, want, 100, (off_t)(end - 100)) == 100 &&
	      reads_pattern(d, end - SECTOR, SECTOR), what);
	errno = 0;
	snprintf(what, sizeof(what), "%s: a write at the end is ENOSPC (pwrite and write)", d->name);
	int ok = pwrite(d->fd, data, 1, (off_t)end) == -1 && errno == ENOSPC;
	errno = 0;
	check(ok && lseek(d->fd, 0, SEEK_END) == (off_t)end && write(d->fd, data, 10) == -1 &&
	      errno == ENOSPC, what);
	snprintf(what, sizeof(what), "%s: fsync (FLUSH CACHE)", d->name);
	check(fsync(d->fd) == 0, what);
}

static void check_disk(struct disk *d)
{
	char path[32], what[96];
	snprintf(path, sizeof(path), "/dev/%s", d->name);
	d->fd = open(path, O_RDWR);
	snprintf(what, sizeof(what), "%s opens for reading and writing", path);
	check(d->fd >= 0, what);
	if (d->fd < 0)
		return;
	check_node(d, path);
	check_reads(d);
	check_writes(d);
	close(d->fd);
	int ro = open(path, O_RDONLY);
	errno = 0;
	snprintf(what, sizeof(what), "%s opened read-only: write is EBADF", path);
	check(ro >= 0 && write(ro, "x", 1) == -1 && errno == EBADF, what);
	close(ro);
}

/* d_type of /dev/NAME in a directory listing, or -1 when not listed. */
static int dev_type(const char *name)
{
	DIR *dir = opendir("/dev");
	struct dirent *e;
	int type = -1;
	while (dir && (e = readdir(dir)))
		if (!strcmp(e->d_name, name))
			type = e->d_type;
	if (dir)
		closedir(dir);
	return type;
}

static void check_no_disk(const char *name)
{
	char path[32], what[96];
	struct stat st;
	snprintf(path, sizeof(path), "/dev/%s", name);
	errno = 0;
	snprintf(what, sizeof(what), "no disk: no %s (stat and open: ENOENT, not listed)", path);
	int ok = stat(path, &st) == -1 && errno == ENOENT;
	errno = 0;
	check(ok && open(path, O_RDONLY) == -1 && errno == ENOENT && dev_type(name) == -1, what);
}

/* Run /ata.sh with busybox's sh: its exit status, or -1. */
static int run_script(void)
{
	int status;
	pid_t c = fork();
	if (c == 0) {
		execl("/bin/sh", "sh", "/ata.sh", (char *)NULL);
		_exit(127);
	}
	if (c < 0 || waitpid(c, &status, 0) != c || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	const char *names[2] = { "hda", "hdb" }, *env[2] = { getenv("ATA_HDA"), getenv("ATA_HDB") };
	struct disk disks[2];

	for (int i = 0; i < 2; i++) {
		if (!env[i]) {
			check_no_disk(names[i]);
			continue;
		}
		disks[i] = (struct disk){ names[i], i ? 64u : 0u, strtoull(env[i], NULL, 0), -1 };
		char what[64];
		snprintf(what, sizeof(what), "/dev/%s is listed as a block device", names[i]);
		check(dev_type(names[i]) == DT_BLK, what);
		check_disk(&disks[i]);
	}
	if (access("/ata.sh", R_OK) == 0)
		check(run_script() == 0, "/ata.sh (busybox dd, md5sum, hexdump, blockdev) ran to its end");
	return tap_finish();
}
