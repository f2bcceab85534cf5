/*
 * Descriptor calls on ringos: readv/writev, dup3, fcntl (descriptor and
 * status flags, F_DUPFD), close-on-exec belonging to the descriptor and
 * honoured by execve, rename, faccessat, process groups, ids, prlimit64,
 * termios on the console, and what execve does to signal actions. An
 * ordinary static program; its files go under $TEST_DIR when that is set
 * (test_dir.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tap.h"
#include "test_dir.h"



/* Run /bin/exec_target with argv, return its exit code (-1 if it did not exit). */
static int run_target(char *const argv[])
{
	int status;
	pid_t c = fork();
	if (c == 0) {
		execv("/bin/exec_target", argv);
		_exit(99);
	}
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	char buf[64], num[8];

	/* readv / writev */
	int fd = open(T("/tmp_vec"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	struct iovec out[3] = { { "one ", 4 }, { "", 0 }, { "two three", 9 } };
	check(fd >= 0 && writev(fd, out, 3) == 13, "writev gathers three buffers");
	char a[5] = { 0 }, b[16] = { 0 };
	struct iovec in[2] = { { a, 4 }, { b, sizeof(b) } };
	lseek(fd, 0, SEEK_SET);
	check(readv(fd, in, 2) == 13 && !strcmp(a, "one ") && !strcmp(b, "two three"),
	      "readv scatters them back");
	errno = 0;
	struct iovec *volatile bad_iov = (struct iovec *)8;
	check(writev(fd, bad_iov, 1) == -1 && errno == EFAULT, "writev with a bad iovec: EFAULT");

	/* fcntl and dup3 */
	check(fcntl(fd, F_GETFD) == 0, "a new descriptor is not close-on-exec");
	check(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_SETFD sets it");
	int d = dup(fd);
	check(d >= 0 && fcntl(d, F_GETFD) == 0, "dup's copy does not share it (it is the descriptor's)");
	check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL gives the access mode");
	check(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(d, F_GETFL) & O_APPEND),
	      "F_SETFL O_APPEND is seen through the other descriptor of the same file");
	int hi = fcntl(fd, F_DUPFD, 20);
	check(hi >= 20, "F_DUPFD gives the lowest free descriptor from 20");
	int hc = fcntl(fd, F_DUPFD_CLOEXEC, 30);
	check(hc >= 30 && fcntl(hc, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC");
	check(dup3(fd, 40, O_CLOEXEC) == 40 && fcntl(40, F_GETFD) == FD_CLOEXEC, "dup3 with O_CLOEXEC");
	errno = 0;
	check(dup3(fd, fd, 0) == -1 && errno == EINVAL, "dup3 onto itself: EINVAL");
	errno = 0;
	check(fcntl(77, F_GETFD) == -1 && errno == EBADF, "fcntl on a closed descriptor: EBADF");

	/* close-on-exec through execve */
	snprintf(num, sizeof(num), "%d", hc);
	check(run_target((char *[]){ "exec_target", "--fd", num, NULL }) == 8,
	      "execve closes a close-on-exec descriptor");
	snprintf(num, sizeof(num), "%d", hi);
	check(run_target((char *[]){ "exec_target", "--fd", num, NULL }) == 7,
	      "and keeps the others");
	close(d);
	close(hi);
	close(hc);
	close(40);
	close(fd);

	/* rename and faccessat */
	check(rename(T("/tmp_vec"), T("/tmp_renamed")) == 0 && access(T("/tmp_vec"), F_OK) == -1 &&
	      access(T("/tmp_renamed"), F_OK) == 0, "rename moves a file");
	mkdir(T("/d1"), 0755);
	check(rename(T("/tmp_renamed"), T("/d1/inside")) == 0 &&
	      faccessat(AT_FDCWD, T("/d1/inside"), R_OK, 0) == 0,
	      "rename into another directory; faccessat finds it");
	fd = open(T("/d1/inside"), O_RDONLY);
	memset(buf, 0, sizeof(buf));
	check(fd >= 0 && read(fd, buf, sizeof(buf)) == 13 && !memcmp(buf, "one two three", 13),
	      "its contents came along");
	close(fd);
	errno = 0;
	check(rename(T("/nothing"), T("/x")) == -1 && errno == ENOENT, "rename of a missing file: ENOENT");
	errno = 0;
	check(rename(T("/d1"), T("/d1/sub")) == -1 && errno == EINVAL, "a directory into itself: EINVAL");

	/* process groups, ids, limits */
	check(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0, "everyone is root");
	check(getpgrp() == 1, "we start in init's process group 1");
	int pfd[2];
	pipe(pfd);
	pid_t c = fork();
	if (c == 0) {
		char go;
		read(pfd[0], &go, 1);
		_exit(getpgrp() == getpid() ? 0 : 1);
	}
	check(getpgid(c) == 1, "a child starts in its parent's group");
	check(setpgid(c, c) == 0 && getpgid(c) == c, "setpgid puts it in a group of its own");
	write(pfd[1], "g", 1);
	int status;
	check(waitpid(c, &status, 0) == c && WEXITSTATUS(status) == 0, "and the child sees it");
	close(pfd[0]);
	close(pfd[1]);
	struct rlimit rl;
	check(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 64 * 1024, "getrlimit(RLIMIT_STACK)");

	/* the console's terminal settings */
	struct termios t, t2;
	int con = open("/dev/console", O_RDWR);
	check(tcgetattr(con, &t) == 0 && (t.c_lflag & ICANON), "tcgetattr on the console");
	t2 = t;
	t2.c_lflag &= ~(tcflag_t)ECHO;
	struct termios t3;
	check(tcsetattr(con, TCSANOW, &t2) == 0 && tcgetattr(con, &t3) == 0 && !(t3.c_lflag & ECHO),
	      "tcsetattr is kept");
	tcsetattr(con, TCSANOW, &t);
	check(tcgetpgrp(con) == 1, "tcgetpgrp: init's group is the foreground");
	errno = 0;
	fd = open("/etc/motd", O_RDONLY);
	check(tcgetattr(fd, &t) == -1 && errno == ENOTTY, "tcgetattr on a file: ENOTTY");
	close(fd);

	/* what execve does to signals */
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	check(run_target((char *[]){ "exec_target", "--signals", NULL }) == 7,
	      "execve resets handlers, keeps SIG_IGN and the blocked set");

	return tap_finish();
}
