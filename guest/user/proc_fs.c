/*
 * /proc, the *at calls and the newer file, exec and time calls on ringos:
 * /proc/self and /proc/PID (stat, cmdline, exe, comm, gone once reaped,
 * listed by readdir), /proc/meminfo and /proc/uptime, /proc refusing
 * changes; openat/fstatat/mkdirat/unlinkat/renameat/symlinkat/readlinkat/
 * faccessat relative to a directory descriptor, fchdir; chmod/fchmod,
 * truncate/ftruncate, pread/pwrite, sendfile, statfs, utimensat, symlink,
 * link; "#!" scripts and execve with 1000 arguments (through
 * /bin/show_args); umask; times, getrusage, sysinfo and the wall clock.
 * An ordinary static program; Linux is the reference for every check.
 *
 * Run with "--sleep" as argv[1] it is the test's own sleeping child: it
 * writes one byte on standard output, then reads standard input to its end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "test_dir.h"



static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The whole of a (small) file, NUL-terminated; its length or -1. */
static long read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;
	if (fd < 0)
		return -1;
	while (n < (long)size - 1 && (r = read(fd, buf + n, size - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	return n;
}

/* Everything a descriptor gives until end of file. */
static long read_all(int fd, char *buf, size_t size)
{
	long n = 0, r;
	while ((size_t)n < size && (r = read(fd, buf + n, size - (size_t)n)) > 0)
		n += r;
	return n;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

struct pid_stat {
	int pid, ppid, pgrp, session;
	char comm[64], state;
};

static int read_stat(const char *path, struct pid_stat *ps)
{
	char buf[1024];
	memset(ps, 0, sizeof(*ps));
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    (size_t)(close_paren - open_paren - 1) >= sizeof(ps->comm))
		return -1;
	ps->pid = atoi(buf);
	memcpy(ps->comm, open_paren + 1, (size_t)(close_paren - open_paren - 1));
	ps->comm[close_paren - open_paren - 1] = '\0';
	return sscanf(close_paren + 1, " %c %d %d %d", &ps->state, &ps->ppid, &ps->pgrp,
		      &ps->session) == 4 ? 0 : -1;
}

/* Whether /proc lists a directory for pid. */
static int proc_lists(int pid)
{
	char name[16];
	int found = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	snprintf(name, sizeof(name), "%d", pid);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = e->d_type == DT_DIR || e->d_type == DT_UNKNOWN;
	closedir(d);
	return found;
}

static long meminfo_kb(const char *key)
{
	char buf[2048], *s;
	if (read_file("/proc/meminfo", buf, sizeof(buf)) <= 0 || !(s = strstr(buf, key)))
		return -1;
	return strtol(s + strlen(key), NULL, 10);
}

static double uptime(void)
{
	char buf[128];
	return read_file("/proc/uptime", buf, sizeof(buf)) > 0 ? strtod(buf, NULL) : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
	if (fd >= 0) {
		write(fd, text, strlen(text));
		fchmod(fd, mode);
		close(fd);
	}
}

/* Run path with argv under execve, standard output into buf; the number
 * of bytes it wrote, or -1 if it did not exit with status 0. */
static long run_capture(const char *path, char *const argv[], char *buf, size_t size)
{
	int p[2], status;
	if (pipe(p))
		return -1;
	pid_t c = fork();
	if (c == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execve(path, argv, environ);
		_exit(127);
	}
	close(p[1]);
	long n = read_all(p[0], buf, size);
	close(p[0]);
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return n;
}

/* strings laid end to end, each with its NUL, as show_args writes them. */
static size_t join(char *out, const char *const strs[], int n)
{
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(strs[i]) + 1;
		memcpy(out + len, strs[i], l);
		len += l;
	}
	return len;
}

static void sleeper(void)
{
	char c;
	write(1, "r", 1);
	while (read(0, &c, 1) > 0)
		;
	_exit(0);
}

static void spin_ms(long ms)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (volatile int i = 0; i < 200000; i++)
			;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static void test_proc(char **argv, int argc)
{
	char buf[4096], want[4096], path[64];
	struct pid_stat ps;
	pid_t me = getpid();

	/* /proc/self */
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%d", me);
	check(n > 0 && !strcmp(buf, want), "/proc/self is a link to our pid");
	int rc = read_stat("/proc/self/stat", &ps);
	check(!rc && ps.pid == me && !strcmp(ps.comm, base_name(argv[0])),
	      "/proc/self/stat: our pid, then our name in parentheses");
	check(!rc && ps.state == 'R', "/proc/self/stat: state R (we are running)");
	check(!rc && ps.ppid == getppid() && ps.pgrp == getpgrp() && ps.session == getsid(0),
	      "/proc/self/stat: ppid, process group and session");
	n = read_file("/proc/self/cmdline", buf, sizeof(buf));
	size_t wlen = join(want, (const char *const *)argv, argc);
	check(n == (long)wlen && !memcmp(buf, want, wlen), "/proc/self/cmdline is argv, NUL-separated");
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("# /proc/self/exe -> %s\n", buf);
	check(n > 0 && !strcmp(buf, argv[0]), "/proc/self/exe names our program");

	/* /proc/PID of a child: ours is this program run again, asleep. */
	int in[2], out[2], status;
	pipe(in);
	pipe(out);
	pid_t c = fork();
	if (c == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		execl("/bin/proc_fs", "sleeper", "--sleep", "two words", "", "end", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	char ready = 0;
	read(out[0], &ready, 1);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", c);
	n = read_file(path, buf, sizeof(buf));
	static const char child_cmdline[] = "sleeper\0--sleep\0two words\0\0end";
	check(ready == 'r' && n == (long)sizeof(child_cmdline) &&
	      !memcmp(buf, child_cmdline, sizeof(child_cmdline)),
	      "/proc/PID/cmdline of a child: its argv, an empty argument included");
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	/* It wrote, and goes to sleep in read very soon: wait for that. */
	for (int i = 0; i < 200 && !(rc = read_stat(path, &ps)) && ps.state != 'S'; i++)
		nap_ms(10);
	check(!rc && ps.pid == c && ps.ppid == me && ps.state == 'S',
	      "/proc/PID/stat of a child asleep in read: its pid, our pid as ppid, state S");
	check(!rc && !strcmp(ps.comm, "proc_fs"),
	      "/proc/PID/stat: comm is the executed file's name, not argv[0]");
	snprintf(path, sizeof(path), "/proc/%d/exe", c);
	n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	check(n > 0 && !strcmp(buf, "/bin/proc_fs"), "/proc/PID/exe resolves to the child's program");
	check(proc_lists(c) == 1 && proc_lists(me) == 1, "readdir of /proc lists the child's pid and ours");

	close(in[1]);                   /* the child reads its end of file and exits */
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	char state = 0;
	for (int i = 0; i < 200 && state != 'Z'; i++) {
		state = read_stat(path, &ps) ? 0 : ps.state;
		if (state != 'Z')
			nap_ms(10);
	}
	check(state == 'Z', "an exited child not yet waited for: /proc/PID/stat says Z");
	check(kill(c, 0) == 0, "kill(zombie, 0) succeeds: the pid exists until it is reaped");
	check(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child is reaped");
	snprintf(path, sizeof(path), "/proc/%d", c);
	struct stat st;
	errno = 0;
	check(stat(path, &st) == -1 && errno == ENOENT, "after the reaping /proc/PID is gone");
	check(proc_lists(c) == 0 && proc_lists(me) == 1, "and readdir of /proc no longer lists it");
	close(out[0]);

	/* The system-wide files. */
	long total = meminfo_kb("MemTotal:"), free_kb = meminfo_kb("MemFree:");
	printf("# MemTotal %ld kB, MemFree %ld kB\n", total, free_kb);
	check(total > 0 && free_kb > 0 && free_kb <= total, "/proc/meminfo: MemTotal and MemFree");
	double u1 = uptime();
	nap_ms(100);
	double u2 = uptime();
	printf("# uptime %.2f then %.2f\n", u1, u2);
	check(u1 >= 0 && u2 > u1, "/proc/uptime increases");

	/* /proc takes no changes. Creating a file there is EACCES on ringos;
	 * Linux says ENOENT (its /proc lookup fails before any create). */
	errno = 0;
	int made = open("/proc/newfile", O_CREAT | O_WRONLY, 0644);
	int e = errno;
	printf("# creating /proc/newfile: %s\n", made == -1 ? strerror(e) : "created");
	check(made == -1 && (e == EACCES || e == ENOENT) && stat("/proc/newfile", &st) == -1,
	      "creating a file in /proc fails (EACCES; ENOENT on Linux)");
	errno = 0;
	int fd = open("/proc/meminfo", O_WRONLY);
	int refused = fd < 0 ? errno == EACCES : write(fd, "x", 1) == -1;
	if (fd >= 0)
		close(fd);
	check(refused, "writing /proc/meminfo fails");
	check(unlink("/proc/meminfo") == -1 && stat("/proc/meminfo", &st) == 0,
	      "unlinking /proc/meminfo fails and it stays");
}

static void test_at_calls(void)
{
	char buf[256];
	struct stat st;

	mkdir(T("/pfs"), 0755);
	int dfd = open(T("/pfs"), O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open(O_DIRECTORY) of a directory");
	int fd = openat(dfd, "a", O_CREAT | O_RDWR | O_TRUNC, 0644);
	check(fd >= 0 && write(fd, "hello at\n", 9) == 9 && stat(T("/pfs/a"), &st) == 0 && st.st_size == 9,
	      "openat(dirfd, \"a\", O_CREAT) creates the file in that directory");
	close(fd);
	check(fstatat(dfd, "a", &st, 0) == 0 && S_ISREG(st.st_mode) && st.st_size == 9,
	      "fstatat relative to dirfd");
	check(mkdirat(dfd, "sub", 0755) == 0 && stat(T("/pfs/sub"), &st) == 0 && S_ISDIR(st.st_mode),
	      "mkdirat relative to dirfd");
	check(renameat(dfd, "a", dfd, "sub/b") == 0 && access(T("/pfs/sub/b"), F_OK) == 0 &&
	      access(T("/pfs/a"), F_OK) == -1, "renameat relative to dirfd");
	ssize_t n = -1;
	if (symlinkat("sub/b", dfd, "lnk") == 0)
		n = readlinkat(dfd, "lnk", buf, sizeof(buf));
	check(n == 5 && !memcmp(buf, "sub/b", 5), "symlinkat and readlinkat relative to dirfd");
	fd = openat(dfd, "lnk", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	check(fd >= 0 && read(fd, buf, sizeof(buf)) == 9 && !strcmp(buf, "hello at\n"),
	      "a relative link's target is found from the link's directory");
	close(fd);
	errno = 0;
	check(faccessat(dfd, "sub/b", R_OK, 0) == 0 && faccessat(dfd, "nope", F_OK, 0) == -1 &&
	      errno == ENOENT, "faccessat relative to dirfd");
	errno = 0;
	check(unlinkat(dfd, "sub", AT_REMOVEDIR) == -1 && errno == ENOTEMPTY,
	      "unlinkat(AT_REMOVEDIR) of a non-empty directory: ENOTEMPTY");
	errno = 0;
	check(unlinkat(dfd, "sub", 0) == -1 && errno == EISDIR, "unlinkat without AT_REMOVEDIR of a directory: EISDIR");
	check(unlinkat(dfd, "lnk", 0) == 0 && unlinkat(dfd, "sub/b", 0) == 0 &&
	      unlinkat(dfd, "sub", AT_REMOVEDIR) == 0 && stat(T("/pfs/sub"), &st) == -1,
	      "unlinkat removes a link, a file, then (AT_REMOVEDIR) the directory");
	fd = openat(dfd, "/etc/motd", O_RDONLY);
	int fd2 = openat(1000, "/etc/motd", O_RDONLY);
	check(fd >= 0 && fd2 >= 0, "an absolute path ignores dirfd, even an invalid one");
	errno = 0;
	check(openat(fd, "x", O_RDONLY) == -1 && errno == ENOTDIR, "openat relative to a file's descriptor: ENOTDIR");
	errno = 0;
	check(openat(1000, "x", O_RDONLY) == -1 && errno == EBADF, "openat relative to a closed descriptor: EBADF");
	close(fd);
	close(fd2);
	char cwd[64] = "";
	int made = fchdir(dfd) == 0 && getcwd(cwd, sizeof(cwd)) && (fd = open("rel", O_CREAT | O_WRONLY, 0644)) >= 0;
	if (made)
		close(fd);
	check(made && !strcmp(cwd, T("/pfs")) && stat(T("/pfs/rel"), &st) == 0,
	      "fchdir: getcwd names the directory and relative paths start there");
	chdir("/");
	unlink(T("/pfs/rel"));
	close(dfd);
}

static void test_file_calls(void)
{
	char buf[256];
	struct stat st;

	/* chmod, fchmod, and execve of a file without x */
	int fd = open(T("/pfs/f"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	check(chmod(T("/pfs/f"), 0600) == 0 && stat(T("/pfs/f"), &st) == 0 && (st.st_mode & 07777) == 0600,
	      "chmod: the mode shows in stat");
	check(fchmod(fd, 0751) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0751,
	      "fchmod: the mode shows in fstat");
	write_file(T("/pfs/noexec"), "#!/bin/show_args\n", 0644);
	int status;
	pid_t c = fork();
	if (c == 0) {
		char *args[] = { "noexec", NULL };
		execve(T("/pfs/noexec"), args, environ);
		_exit(errno == EACCES ? 42 : 43);
	}
	check(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "execve of a file with mode 0644: EACCES");

	/* truncate, ftruncate */
	write(fd, "0123456789", 10);
	check(truncate(T("/pfs/f"), 3) == 0 && stat(T("/pfs/f"), &st) == 0 && st.st_size == 3,
	      "truncate shortens a file");
	char zeros[16], got[16];
	memset(zeros, 0, sizeof(zeros));
	memset(got, 'x', sizeof(got));
	check(ftruncate(fd, 5000) == 0 && fstat(fd, &st) == 0 && st.st_size == 5000 &&
	      pread(fd, got, 16, 4000) == 16 && !memcmp(got, zeros, 16),
	      "ftruncate lengthens it with zeros");
	close(fd);

	/* pread, pwrite */
	fd = open(T("/pfs/f"), O_RDWR | O_TRUNC);
	write(fd, "0123456789", 10);
	memset(buf, 0, sizeof(buf));
	check(pwrite(fd, "AB", 2, 2) == 2 && lseek(fd, 0, SEEK_CUR) == 10,
	      "pwrite writes at its offset and leaves the file offset");
	check(pread(fd, buf, 4, 1) == 4 && !strcmp(buf, "1AB4") && lseek(fd, 0, SEEK_CUR) == 10,
	      "pread reads at its offset and leaves the file offset");
	int p[2];
	pipe(p);
	errno = 0;
	check(pread(p[0], buf, 1, 0) == -1 && errno == ESPIPE, "pread on a pipe: ESPIPE");
	close(fd);

	/* sendfile */
	write_file(T("/pfs/src"), "sendfile data", 0644);
	int in = open(T("/pfs/src"), O_RDONLY);
	off_t off = 5;
	memset(buf, 0, sizeof(buf));
	check(sendfile(p[1], in, &off, 4) == 4 && off == 9 && lseek(in, 0, SEEK_CUR) == 0 &&
	      read(p[0], buf, sizeof(buf)) == 4 && !strcmp(buf, "ile "),
	      "sendfile from an offset: copied, *offset advanced, file offset kept");
	memset(buf, 0, sizeof(buf));
	check(sendfile(p[1], in, NULL, 8) == 8 && lseek(in, 0, SEEK_CUR) == 8 &&
	      read(p[0], buf, sizeof(buf)) == 8 && !strcmp(buf, "sendfile"),
	      "sendfile without an offset uses and advances the file's");
	close(in);
	close(p[0]);
	close(p[1]);

	/* statfs, utimensat, symlinks, links */
	struct statfs sfs;
	check(statfs("/", &sfs) == 0 && sfs.f_bsize == 4096 && sfs.f_blocks > 0,
	      "statfs(\"/\"): f_bsize 4096");
	fd = open(T("/pfs/f"), O_RDONLY);
	check(fstatfs(fd, &sfs) == 0 && sfs.f_bsize == 4096, "fstatfs too");
	close(fd);
	check(utimensat(AT_FDCWD, T("/pfs/f"), NULL, 0) == 0, "utimensat on an existing file");
	errno = 0;
	check(utimensat(AT_FDCWD, T("/pfs/missing"), NULL, 0) == -1 && errno == ENOENT,
	      "utimensat on a missing file: ENOENT");
	struct stat motd, lst;
	ssize_t n = -1;
	if (symlink("/etc/motd", T("/pfs/l")) == 0)
		n = readlink(T("/pfs/l"), buf, sizeof(buf));
	check(n == 9 && !memcmp(buf, "/etc/motd", 9), "symlink, then readlink gives the target (no NUL)");
	check(lstat(T("/pfs/l"), &lst) == 0 && S_ISLNK(lst.st_mode) && stat(T("/pfs/l"), &st) == 0 &&
	      stat("/etc/motd", &motd) == 0 && S_ISREG(st.st_mode) && st.st_size == motd.st_size,
	      "lstat sees the link, stat the file it names");
	errno = 0;
	check(link(T("/pfs/f"), T("/pfs/hard")) == -1 && errno == EPERM, "link: EPERM (no hard links)");
	unlink(T("/pfs/l"));
	unlink(T("/pfs/src"));
	unlink(T("/pfs/noexec"));
	unlink(T("/pfs/f"));
}

static void test_exec(void)
{
	static char out[64 * 1024], want[64 * 1024];
	char *args[1001];

	write_file(T("/pfs/script"), "#!/bin/show_args one-arg\necho never\n", 0755);
	args[0] = "ignored0";
	args[1] = "x1";
	args[2] = "x 2";
	args[3] = NULL;
	long n = run_capture(T("/pfs/script"), args, out, sizeof(out));
	const char *const script_argv[] = { "5", "/bin/show_args", "one-arg", T("/pfs/script"), "x1", "x 2" };
	size_t wlen = join(want, script_argv, 6);
	check(n > (long)wlen && !memcmp(out, want, wlen),
	      "#!/bin/prog arg: argv is interpreter, arg, script path, then argv[1..]");
	const char *tail = n > (long)wlen ? out + wlen : "";
	check(!strcmp(tail, "exe=/bin/show_args"), "a script's /proc/self/exe is its interpreter");
	tail += strlen(tail) + 1;
	check(n > (long)wlen && tail < out + n && !strcmp(tail, "comm=script"),
	      "a script's comm is the script's file name");

	write_file(T("/pfs/script2"), "#!/bin/show_args\n", 0755);
	n = run_capture(T("/pfs/script2"), args, out, sizeof(out));
	const char *const script2_argv[] = { "4", "/bin/show_args", T("/pfs/script2"), "x1", "x 2" };
	wlen = join(want, script2_argv, 5);
	check(n > (long)wlen && !memcmp(out, want, wlen), "#!/bin/prog without an argument");
	unlink(T("/pfs/script"));
	unlink(T("/pfs/script2"));

	/* 1000 arguments, each different. */
	static char strs[1000][8];
	const char *expect[1001];
	expect[0] = "1000";
	for (int i = 0; i < 1000; i++) {
		snprintf(strs[i], sizeof(strs[i]), "a%04d", i);
		args[i] = strs[i];
		expect[i + 1] = strs[i];
	}
	args[0] = "show_args";
	expect[1] = "show_args";
	args[1000] = NULL;
	n = run_capture("/bin/show_args", args, out, sizeof(out));
	wlen = join(want, expect, 1001);
	printf("# 1000 arguments: %ld bytes back, %zu expected before exe=\n", n, wlen);
	check(n > (long)wlen && !memcmp(out, want, wlen), "execve with 1000 arguments: all arrive intact");
}

static void test_umask(void)
{
	struct stat st;
	mode_t old = umask(027);
	check(umask(027) == 027, "umask returns the previous mask");
	int fd = open(T("/pfs/um"), O_CREAT | O_WRONLY | O_TRUNC, 0666);
	check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640,
	      "umask 027: open(O_CREAT, 0666) makes 0640");
	close(fd);
	check(mkdir(T("/pfs/umd"), 0777) == 0 && stat(T("/pfs/umd"), &st) == 0 && (st.st_mode & 0777) == 0750,
	      "umask 027: mkdir(0777) makes 0750");
	umask(old);
	unlink(T("/pfs/um"));
	rmdir(T("/pfs/umd"));
}

static void test_time(void)
{
	struct tms t1, t2;
	struct rusage ru;
	struct sysinfo si;
	int status;

	clock_t c1 = times(&t1);
	spin_ms(300);
	clock_t c2 = times(&t2);
	printf("# times: %ld -> %ld, user %ld -> %ld, system %ld -> %ld\n", (long)c1, (long)c2,
	       (long)t1.tms_utime, (long)t2.tms_utime, (long)t1.tms_stime, (long)t2.tms_stime);
	check(c1 != (clock_t)-1 && c2 > c1, "times() returns a clock that advances");
	check(t2.tms_utime + t2.tms_stime > t1.tms_utime + t1.tms_stime,
	      "times(): our CPU time grows while we compute");
	check(getrusage(RUSAGE_SELF, &ru) == 0 && (ru.ru_utime.tv_sec || ru.ru_utime.tv_usec) &&
	      ru.ru_utime.tv_usec < 1000000, "getrusage(RUSAGE_SELF): user time");
	pid_t c = fork();
	if (c == 0) {
		spin_ms(300);
		_exit(0);
	}
	waitpid(c, &status, 0);
	check(getrusage(RUSAGE_CHILDREN, &ru) == 0 &&
	      (ru.ru_utime.tv_sec || ru.ru_utime.tv_usec || ru.ru_stime.tv_sec || ru.ru_stime.tv_usec),
	      "getrusage(RUSAGE_CHILDREN): a reaped child's time");
	long total_kb = meminfo_kb("MemTotal:");
	check(sysinfo(&si) == 0 && si.mem_unit >= 1 && si.totalram > 0 && si.freeram > 0 &&
	      si.freeram <= si.totalram && si.procs >= 1,
	      "sysinfo: memory and process count");
	check((long long)si.totalram * si.mem_unit / 1024 == total_kb,
	      "sysinfo's total memory is /proc/meminfo's MemTotal");

	struct timespec rt;
	struct timeval tv;
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	time_t now = time(NULL);
	printf("# CLOCK_REALTIME %lld.%09ld, gettimeofday %lld.%06ld, time %lld\n", (long long)rt.tv_sec,
	       rt.tv_nsec, (long long)tv.tv_sec, (long)tv.tv_usec, (long long)now);
	check(rt.tv_sec > 1577836800,
	      "CLOCK_REALTIME is after 2020 (the wall clock comes from the RTC)");
	check(tv.tv_sec >= rt.tv_sec && tv.tv_sec - rt.tv_sec <= 2 && now >= rt.tv_sec && now - rt.tv_sec <= 2,
	      "gettimeofday and time agree with it");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--sleep"))
		sleeper();
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	test_proc(argv, argc);
	test_at_calls();
	test_file_calls();
	test_exec();
	test_umask();
	test_time();
	rmdir(T("/pfs"));

	return tap_finish();
}
