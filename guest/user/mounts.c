/*
 * Mounts on ringos (docs/vfs.md): filesystems mounted into the one tree
 * with mount(2) and taken out with umount2(2). Always a tmpfs: the files
 * calls in it, what it hides, ".." out of it, its own st_dev, EXDEV, EBUSY,
 * EROFS, /proc/mounts and statfs, and mount's refusals. With a disk
 * (tests/scripts/ext2_native.sh gives one made by mkfs.ext2 -d) the ext2
 * filesystem on /dev/hda as well: the same calls, hard links, owners and
 * times, execve of a program and of a script stored there, a read-only
 * mount, a file unlinked while open, and files left for the host to read
 * with debugfs ("write", the first boot) and found again ("check", the
 * second boot, where the kernel mounted it from its command line).
 * An ordinary static program, in the suite (no disk there) and run by
 * the scripts.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define TMPFS_MAGIC     0x01021994
#define EXT2_MAGIC      0xEF53
#define BIG             (300 * 1024)    /* past ext2's direct blocks and into its indirect ones */

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY), n = -1;
	if (fd >= 0) {
		n = (int)read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static int same_text(const char *path, const char *want)
{
	char buf[512];
	return read_file(path, buf, sizeof(buf)) >= 0 && !strcmp(buf, want);
}

/* Whether /proc/mounts has a line starting with line. */
static int mounted(const char *line)
{
	char buf[2048];
	if (read_file("/proc/mounts", buf, sizeof(buf)) < 0)
		return 0;
	for (char *s = buf; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (!strncmp(s, line, strlen(line)))
			return 1;
	return 0;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

static char path_buf[4][256];
static int path_next;

/* dir/name in one of four static buffers. */
static const char *in(const char *dir, const char *name)
{
	char *b = path_buf[path_next++ % 4];
	snprintf(b, sizeof(path_buf[0]), "%s/%s", dir, name);
	return b;
}

/* What a directory lists: each name found in names gets its bit; d_type of
 * each checked against types (0: any). */
static unsigned listed(const char *dir, const char *const names[], const unsigned char types[],
		       unsigned n)
{
	unsigned found = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		for (unsigned i = 0; i < n; i++)
			if (!strcmp(de->d_name, names[i]) && (!types[i] || de->d_type == types[i]))
				found |= 1u << i;
	if (d)
		closedir(d);
	return found;
}

/* ---------------------------------------------------------------- the file calls, on any filesystem */

static void file_calls(const char *dir, const char *fs)
{
	char buf[512], what[160], f[64], b[64], d[64], l[64], u[64];
	struct stat st;
	static uint8_t big[BIG], back[BIG];

#define CHECK(ok, text) (snprintf(what, sizeof(what), "%s: %s", fs, text), check(ok, what))
	snprintf(f, sizeof(f), "%s/f", dir);
	int fd = open(f, O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "hello", 5) == 5 && close(fd) == 0, "O_CREAT|O_EXCL, write");
	errno = 0;
	CHECK(open(f, O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST,
	      "O_EXCL on an existing file: EEXIST");
	fd = open(f, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, " world", 6) == 6 && close(fd) == 0,
	      "O_APPEND writes at the end whatever the offset");
	CHECK(same_text(f, "hello world"), "read back");
	CHECK(stat(f, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 11 && st.st_nlink == 1 &&
	      (st.st_mode & 0777) == 0644, "stat: a regular file, 11 bytes, 0644");
	fd = open(f, O_RDWR);
	CHECK(fd >= 0 && pwrite(fd, "!", 1, 10000) == 1 && fstat(fd, &st) == 0 && st.st_size == 10001,
	      "pwrite past the end grows the file");
	memset(buf, 'x', sizeof(buf));
	CHECK(pread(fd, buf, 100, 5000) == 100 && buf[0] == 0 && buf[99] == 0,
	      "the gap reads as zeros");
	CHECK(ftruncate(fd, 3) == 0 && pread(fd, buf, sizeof(buf), 0) == 3 && !memcmp(buf, "hel", 3),
	      "ftruncate shrinks");
	close(fd);
	CHECK(truncate(f, 100) == 0 && stat(f, &st) == 0 && st.st_size == 100, "truncate grows");
	fd = open(f, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties it");
	close(fd);

	/* A big file, written and read in pieces that do not match its blocks. */
	for (size_t i = 0; i < BIG; i++)
		big[i] = pattern(i);
	snprintf(b, sizeof(b), "%s/big", dir);
	fd = open(b, O_CREAT | O_RDWR | O_TRUNC, 0644);
	size_t done = 0;
	while (fd >= 0 && done < BIG) {
		size_t n = BIG - done < 7001 ? BIG - done : 7001;
		if (write(fd, big + done, n) != (ssize_t)n)
			break;
		done += n;
	}
	CHECK(done == BIG && lseek(fd, 0, SEEK_END) == BIG, "300 KiB written in 7001-byte pieces");
	memset(back, 0, sizeof(back));
	done = 0;
	lseek(fd, 0, SEEK_SET);
	for (ssize_t n; done < BIG && (n = read(fd, back + done, 5003)) > 0;)
		done += (size_t)n;
	CHECK(done == BIG && !memcmp(big, back, BIG), "and read back in 5003-byte pieces");
	close(fd);
	CHECK(unlink(b) == 0, "unlink the big file");

	/* Directories. */
	snprintf(d, sizeof(d), "%s/d", dir);
	CHECK(mkdir(d, 0755) == 0 && mkdir(d, 0755) == -1 && errno == EEXIST, "mkdir, then EEXIST");
	write_file(in(d, "a"), "a", 0644);
	CHECK(mkdir(in(d, "sub"), 0700) == 0 && stat(in(d, "sub"), &st) == 0 && S_ISDIR(st.st_mode) &&
	      (st.st_mode & 0777) == 0700, "a directory in it, mode 0700");
	const char *const names[] = { ".", "..", "a", "sub" };
	const unsigned char types[] = { DT_DIR, DT_DIR, DT_REG, DT_DIR };
	CHECK(listed(d, names, types, 4) == 15, "readdir lists ., .., a file and a directory, typed");
	errno = 0;
	CHECK(rmdir(d) == -1 && errno == ENOTEMPTY, "rmdir of a full directory: ENOTEMPTY");
	errno = 0;
	CHECK(unlink(in(d, "sub")) == -1 && errno == EISDIR, "unlink of a directory: EISDIR");
	errno = 0;
	CHECK(rmdir(in(d, "a")) == -1 && errno == ENOTDIR, "rmdir of a file: ENOTDIR");
	errno = 0;
	CHECK(open(d, O_WRONLY) == -1 && errno == EISDIR, "a directory opened for writing: EISDIR");

	/* rename */
	CHECK(rename(in(d, "a"), in(d, "b")) == 0 && access(in(d, "a"), F_OK) == -1 &&
	      same_text(in(d, "b"), "a"), "rename in a directory");
	write_file(in(dir, "other"), "other", 0644);
	CHECK(rename(in(dir, "other"), in(d, "b")) == 0 && same_text(in(d, "b"), "other"),
	      "rename over an existing file replaces it");
	errno = 0;
	CHECK(rename(d, in(d, "sub/x")) == -1 && errno == EINVAL, "a directory below itself: EINVAL");
	CHECK(rename(in(d, "sub"), in(dir, "moved")) == 0 && stat(in(dir, "moved"), &st) == 0,
	      "a directory moved to its parent's parent");
	CHECK(chdir(in(dir, "moved")) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, in(dir, "moved")) &&
	      chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, dir) && chdir("/") == 0,
	      "chdir into it, getcwd, .. back");

	/* Symbolic links. */
	snprintf(l, sizeof(l), "%s/l", dir);
	CHECK(symlink("d/b", l) == 0 && readlink(l, buf, sizeof(buf)) == 3 && !memcmp(buf, "d/b", 3),
	      "symlink, readlink");
	CHECK(lstat(l, &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 3 && same_text(l, "other"),
	      "lstat sees the link, open follows it");
	errno = 0;
	CHECK(open(l, O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP, "O_NOFOLLOW on it: ELOOP");
	errno = 0;
	CHECK(readlink(in(d, "b"), buf, sizeof(buf)) == -1 && errno == EINVAL,
	      "readlink of a file: EINVAL");
	CHECK(chmod(in(d, "b"), 0600) == 0 && stat(in(d, "b"), &st) == 0 && (st.st_mode & 07777) == 0600,
	      "chmod");

	/* A file unlinked while open lives on until closed. */
	snprintf(u, sizeof(u), "%s/unlinked", dir);
	fd = open(u, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "kept", 4) == 4 && unlink(u) == 0 && access(u, F_OK) == -1,
	      "open, write, unlink: the name is gone");
	CHECK(pwrite(fd, "!", 1, 4) == 1 && pread(fd, buf, sizeof(buf), 0) == 5 &&
	      !memcmp(buf, "kept!", 5) && fstat(fd, &st) == 0 && st.st_nlink == 0,
	      "but the open file is still written and read, with no links");
	CHECK(fsync(fd) == 0 && close(fd) == 0, "fsync, close");

	struct statfs sf;
	CHECK(statfs(dir, &sf) == 0 && sf.f_bsize > 0 && sf.f_blocks > 0, "statfs");
	unlink(l);
	unlink(in(d, "b"));
	rmdir(d);
	rmdir(in(dir, "moved"));
	unlink(f);
#undef CHECK
}

/* ---------------------------------------------------------------- what a mount changes */

/* dir is a mount's root; above its parent directory, which holds "/etc/motd"'s way up. */
static void mount_rules(const char *dir, const char *parent, const char *fs)
{
	char what[160], buf[256];
	struct stat a, b;
#define CHECK(ok, text) (snprintf(what, sizeof(what), "%s: %s", fs, text), check(ok, what))
	CHECK(stat(in(dir, ".."), &a) == 0 && stat(parent, &b) == 0 && a.st_ino == b.st_ino &&
	      a.st_dev == b.st_dev, ".. of the mount's root is the directory above the mount point");
	CHECK(stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev,
	      "its files have a device number of their own");
	mkdir(in(dir, "sub"), 0755);
	CHECK(chdir(in(dir, "sub")) == 0 && chdir("../..") == 0 && getcwd(buf, sizeof(buf)) &&
	      !strcmp(buf, parent), "chdir ../.. from inside leads out of it");
	chdir("/");
	CHECK(symlink("../../../etc/motd", in(dir, "sub/out")) == 0 &&
	      same_text(in(dir, "sub/out"), "Welcome to ringos.\n"),
	      "a link inside leads out of it with ..");
	write_file(in(dir, "f"), "f", 0644);
	errno = 0;
	CHECK(rename(in(dir, "f"), in(parent, "f")) == -1 && errno == EXDEV,
	      "rename to another filesystem: EXDEV");
	errno = 0;
	CHECK(link(in(dir, "f"), in(parent, "f")) == -1 && errno == EXDEV,
	      "link to another filesystem: EXDEV");
	errno = 0;
	CHECK(rmdir(dir) == -1 && errno == EBUSY, "rmdir of the mount point: EBUSY");
	errno = 0;
	CHECK(rename(dir, in(parent, "elsewhere")) == -1 && errno == EBUSY,
	      "rename of the mount point: EBUSY");
	int fd = open(in(dir, "f"), O_RDONLY);
	errno = 0;
	CHECK(umount(dir) == -1 && errno == EBUSY, "umount while a file there is open: EBUSY");
	close(fd);
	CHECK(chdir(in(dir, "sub")) == 0 && umount(dir) == -1 && errno == EBUSY && chdir("/") == 0,
	      "umount while a process works there: EBUSY");
	unlink(in(dir, "sub/out"));
	rmdir(in(dir, "sub"));
	unlink(in(dir, "f"));
#undef CHECK
}

/* ---------------------------------------------------------------- tmpfs */

static void test_tmpfs(void)
{
	struct statfs sf;
	struct stat st;
	mkdir("/vfs", 0755);
	mkdir("/vfs/m", 0755);
	write_file("/vfs/m/hidden", "beneath", 0644);
	check(mount("none", "/vfs/m", "tmpfs", 0, NULL) == 0, "mount a tmpfs on /vfs/m");
	errno = 0;
	check(stat("/vfs/m/hidden", &st) == -1 && errno == ENOENT,
	      "it hides what the directory held");
	check(mounted("none /vfs/m tmpfs rw "), "/proc/mounts lists it");
	check(statfs("/vfs/m", &sf) == 0 && sf.f_type == TMPFS_MAGIC, "statfs: TMPFS_MAGIC");
	file_calls("/vfs/m", "tmpfs");
	mount_rules("/vfs/m", "/vfs", "tmpfs");
	check(umount("/vfs/m") == 0 && same_text("/vfs/m/hidden", "beneath") &&
	      !mounted("none /vfs/m"), "umount: the directory's own file is back");

	check(mount("none", "/vfs/m", "tmpfs", MS_RDONLY, NULL) == 0, "a read-only tmpfs");
	errno = 0;
	check(open("/vfs/m/x", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS,
	      "creating there: EROFS");
	errno = 0;
	check(mkdir("/vfs/m/x", 0755) == -1 && errno == EROFS && access("/vfs/m", W_OK) == -1 &&
	      errno == EROFS, "mkdir and access(W_OK): EROFS");
	check(statfs("/vfs/m", &sf) == 0 && (sf.f_flags & ST_RDONLY) && mounted("none /vfs/m tmpfs ro "),
	      "statfs and /proc/mounts say read-only");
	check(umount2("/vfs/m", 0) == 0, "umount2");

	static const struct {
		const char *source, *target, *type;
		int err;
		const char *what;
	} refused[] = {
		{ "/dev/null", "/vfs/m", "ext2", ENOTBLK, "ext2 on a character device: ENOTBLK" },
		{ "none", "/vfs/m", "nosuchfs", ENODEV, "an unknown type: ENODEV" },
		{ "none", "/vfs/m/hidden", "tmpfs", ENOTDIR, "on a file: ENOTDIR" },
		{ "none", "/vfs/none", "tmpfs", ENOENT, "on nothing: ENOENT" },
		{ "/dev/nodisk", "/vfs/m", "ext2", ENOENT, "a missing device: ENOENT" },
	};
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		errno = 0;
		check(mount(refused[i].source, refused[i].target, refused[i].type, 0, NULL) == -1 &&
		      errno == refused[i].err, refused[i].what);
	}
	errno = 0;
	check(umount("/vfs") == -1 && errno == EINVAL, "umount of a directory that is no mount: EINVAL");
	errno = 0;
	check(umount("/") == -1 && errno == EBUSY && umount("/proc") == -1 && errno == EBUSY,
	      "umount of / and of the kernel's /proc: EBUSY");
	unlink("/vfs/m/hidden");
	rmdir("/vfs/m");
	rmdir("/vfs");
}

/* ---------------------------------------------------------------- ext2 */

/* Run path with argv; its exit code, or -1. */
static int run(const char *path, char *const argv[])
{
	int status;
	pid_t c = fork();
	if (c == 0) {
		char *const envp[] = { NULL };
		execve(path, argv, envp);
		_exit(99);
	}
	return waitpid(c, &status, 0) == c && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int copy(const char *from, const char *to, mode_t mode)
{
	static char buf[64 * 1024];
	int in_fd = open(from, O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, mode);
	ssize_t n = 0;
	while (in_fd >= 0 && out >= 0 && (n = read(in_fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in_fd);
	close(out);
	return in_fd >= 0 && out >= 0 && n == 0 ? 0 : -1;
}

static void test_ext2(void)
{
	struct stat st, st2;
	struct statfs sf;

	mkdir("/mnt", 0755);
	write_file("/mnt/.under", "ramfs", 0644);
	check(mount("/dev/hda", "/mnt", "ext2", 0, NULL) == 0, "mount -t ext2 /dev/hda /mnt");
	check(mounted("/dev/hda /mnt ext2 rw "), "/proc/mounts lists it");
	check(statfs("/mnt", &sf) == 0 && sf.f_type == EXT2_MAGIC && sf.f_bfree > 0 && sf.f_ffree > 0,
	      "statfs: EXT2_SUPER_MAGIC, free blocks and inodes");
	check(stat("/mnt", &st) == 0 && st.st_ino == 2 && st.st_dev == makedev(3, 0),
	      "its root is inode 2 on device 3:0 (hda)");
	check(access("/mnt/.under", F_OK) == -1, "the ramfs file beneath is hidden");
	mkdir("/mnt2", 0755);
	errno = 0;
	check(mount("/dev/hda", "/mnt2", "ext2", 0, NULL) == -1 && errno == EBUSY,
	      "the same disk mounted again: EBUSY");
	rmdir("/mnt2");
	check(same_text("/mnt/host/hello.txt", "hello from the host\n") &&
	      stat("/mnt/host/big", &st) == 0 && st.st_size == 1000000,
	      "files mkfs.ext2 -d put there are read");
	check(lstat("/mnt/host/link", &st) == 0 && S_ISLNK(st.st_mode) &&
	      same_text("/mnt/host/link", "hello from the host\n"), "and its symbolic link followed");

	mkdir("/mnt/t", 0755);
	file_calls("/mnt/t", "ext2");
	rmdir("/mnt/t");
	mount_rules("/mnt", "/", "ext2");

	/* Hard links, owners, times: ext2 keeps them. */
	write_file("/mnt/h1", "linked", 0644);
	check(link("/mnt/h1", "/mnt/h2") == 0 && stat("/mnt/h1", &st) == 0 && st.st_nlink == 2 &&
	      stat("/mnt/h2", &st2) == 0 && st.st_ino == st2.st_ino, "link: two names, one inode");
	errno = 0;
	check(link("/mnt/host", "/mnt/hdir") == -1 && errno == EPERM, "link to a directory: EPERM");
	check(unlink("/mnt/h1") == 0 && same_text("/mnt/h2", "linked") && stat("/mnt/h2", &st) == 0 &&
	      st.st_nlink == 1, "unlink one name, the other stays");
	check(chown("/mnt/h2", 1000, 100) == 0 && stat("/mnt/h2", &st) == 0 && st.st_uid == 1000 &&
	      st.st_gid == 100, "chown is kept");
	check(chown("/mnt/h2", -1, 200) == 0 && stat("/mnt/h2", &st) == 0 && st.st_uid == 1000 &&
	      st.st_gid == 200, "chown with -1 keeps that id");
	struct timeval tv[2] = { { 1000000000, 0 }, { 1234567890, 0 } };
	check(utimes("/mnt/h2", tv) == 0 && stat("/mnt/h2", &st) == 0 && st.st_atime == 1000000000 &&
	      st.st_mtime == 1234567890, "utimes sets both times");
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1500000000, 0 } };
	check(utimensat(AT_FDCWD, "/mnt/h2", ts, 0) == 0 && stat("/mnt/h2", &st) == 0 &&
	      st.st_atime == 1000000000 && st.st_mtime == 1500000000, "utimensat with UTIME_OMIT");
	check(st.st_ctime > 1500000000, "the change time is now");
	unlink("/mnt/h2");

	/* Programs stored on the disk. */
	mkdir("/mnt/bin", 0755);
	check(copy("/bin/exec_target", "/mnt/bin/exec_target", 0755) == 0 &&
	      run("/mnt/bin/exec_target", (char *[]){ "exec_target", "abcd", NULL }) == 24,
	      "execve of a program copied onto ext2");
	check(write_file("/mnt/bin/script", "#!/mnt/bin/exec_target one\n", 0755) == 0 &&
	      run("/mnt/bin/script", (char *[]){ "script", "xy", NULL }) == 43,
	      "execve of a #! script there, its interpreter there too");
	check(chmod("/mnt/bin/exec_target", 0644) == 0 &&
	      run("/mnt/bin/exec_target", (char *[]){ "x", NULL }) == 99,
	      "without an x bit it does not run");

	/* Unmounted, then read-only. */
	int fd = open("/mnt/host/hello.txt", O_RDONLY);
	errno = 0;
	check(umount("/mnt") == -1 && errno == EBUSY, "umount with a file open: EBUSY");
	close(fd);
	check(umount("/mnt") == 0 && same_text("/mnt/.under", "ramfs"), "umount: the directory beneath again");
	check(mount("/dev/hda", "/mnt", "ext2", MS_RDONLY, NULL) == 0 && mounted("/dev/hda /mnt ext2 ro "),
	      "mounted read-only");
	errno = 0;
	check(open("/mnt/host/hello.txt", O_WRONLY) == -1 && errno == EROFS, "writing: EROFS");
	errno = 0;
	check(unlink("/mnt/host/hello.txt") == -1 && errno == EROFS && same_text("/mnt/bin/script",
	      "#!/mnt/bin/exec_target one\n"), "unlink: EROFS; reading works");
	check(umount("/mnt") == 0, "umount");
	unlink("/mnt/.under");
}

/* ---------------------------------------------------------------- across a restart */

#define MANY 200

static void leave_files(void)
{
	static uint8_t buf[100000];
	check(mount("/dev/hda", "/mnt", "ext2", 0, NULL) == 0, "mounted again, for the host and the next boot");
	check(mkdir("/mnt/persist", 0755) == 0 &&
	      write_file("/mnt/persist/from-c.txt", "written by mounts on the first boot\n", 0640) == 0,
	      "a file for the host to read");
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	int fd = open("/mnt/persist/pattern", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 0 && write(fd, buf, sizeof(buf)) == sizeof(buf) && fsync(fd) == 0 && close(fd) == 0,
	      "100000 bytes of pattern, fsync");
	int made = mkdir("/mnt/persist/many", 0755) == 0;
	for (int i = 0; i < MANY && made; i++) {
		char name[64], text[16];
		snprintf(name, sizeof(name), "/mnt/persist/many/file%03d", i);
		snprintf(text, sizeof(text), "%d\n", i);
		made = write_file(name, text, 0644) == 0;
	}
	check(made, "200 files in one directory");
	check(symlink("from-c.txt", "/mnt/persist/sl") == 0 &&
	      link("/mnt/persist/from-c.txt", "/mnt/persist/hard") == 0, "a symbolic and a hard link");
	sync();
	check(umount("/mnt") == 0, "umount: everything on the disk");
}

static void find_files(void)
{
	static uint8_t buf[100001];
	struct stat st;
	check(mounted("/dev/hda /mnt ext2 rw "), "the kernel mounted /dev/hda on /mnt at boot (mount=)");
	check(same_text("/mnt/persist/from-c.txt", "written by mounts on the first boot\n") &&
	      stat("/mnt/persist/from-c.txt", &st) == 0 && (st.st_mode & 0777) == 0640 && st.st_nlink == 2,
	      "the first boot's file, its mode and its two links");
	int fd = open("/mnt/persist/pattern", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	int good = n == 100000;
	for (ssize_t i = 0; good && i < n; i++)
		good = buf[i] == pattern((size_t)i);
	close(fd);
	check(good, "the pattern, byte for byte");
	int all = 1;
	for (int i = 0; i < MANY && all; i++) {
		char name[64], text[16];
		snprintf(name, sizeof(name), "/mnt/persist/many/file%03d", i);
		snprintf(text, sizeof(text), "%d\n", i);
		all = same_text(name, text);
	}
	check(all, "the 200 files");
	char t[64];
	check(readlink("/mnt/persist/sl", t, sizeof(t)) == 10 && same_text("/mnt/persist/sl",
	      "written by mounts on the first boot\n"), "the symbolic link");
	check(same_text("/mnt/persist/busybox.txt", "busybox wrote this\n"),
	      "what busybox wrote on the first boot");
	check(write_file("/mnt/persist/second.txt", "the second boot was here\n", 0644) == 0,
	      "a file from the second boot");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	struct stat st;
	chdir("/");
	if (strcmp(mode, "check"))
		test_tmpfs();
	if (stat("/dev/hda", &st) != 0) {
		printf("# no disk: the ext2 checks need one (tests/scripts/ext2_native.sh)\n");
	} else if (!strcmp(mode, "write")) {
		test_ext2();
		leave_files();
	} else if (!strcmp(mode, "check")) {
		find_files();
	}
	return tap_finish();
}
