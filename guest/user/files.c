/*
 * Files on ringos: the initramfs as the root filesystem, reading, creating,
 * appending, seeking, stat, directories (mkdir, chdir, getcwd, readdir),
 * unlink, dup2 of stdout into a file, and execve with arguments and the
 * environment. An ordinary static program, run as /init; its files go
 * under $TEST_DIR when that is set (test_dir.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "test_dir.h"



static int read_all(const char *path, char *buf, int size)
{
	int fd = open(path, O_RDONLY), n = -1;
	if (fd >= 0) {
		n = (int)read(fd, buf, (size_t)size - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
	}
	return n;
}

int main(void)
{
	char buf[256];
	struct stat st;

	check(read_all("/etc/motd", buf, sizeof(buf)) > 0 && !strcmp(buf, "Welcome to ringos.\n"),
	      "read a file from the initramfs");
	check(stat("/etc/motd", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 19,
	      "stat gives its type and size");
	check(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is a character device");

	check(mkdir(T("/tmp"), 0755) == 0 && mkdir(T("/tmp"), 0755) == -1 && errno == EEXIST,
	      "mkdir, and EEXIST the second time");
	int fd = open(T("/tmp/a"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 3 && write(fd, "hello, ", 7) == 7 && close(fd) == 0, "create and write a file");
	fd = open(T("/tmp/a"), O_WRONLY | O_APPEND);
	check(fd >= 0 && write(fd, "world", 5) == 5 && close(fd) == 0, "append to it");
	check(read_all(T("/tmp/a"), buf, sizeof(buf)) == 12 && !strcmp(buf, "hello, world"),
	      "read back what was written");
	fd = open(T("/tmp/a"), O_RDONLY);
	check(lseek(fd, 7, SEEK_SET) == 7 && read(fd, buf, 5) == 5 && !memcmp(buf, "world", 5),
	      "lseek then read");
	close(fd);
	check(open(T("/tmp/a"), O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST,
	      "O_EXCL on an existing file gives EEXIST");
	check(open(T("/nonexistent"), O_RDONLY) == -1 && errno == ENOENT, "a missing file gives ENOENT");

	check(chdir(T("/tmp")) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, T("/tmp")),
	      "chdir and getcwd");
	check(read_all("a", buf, sizeof(buf)) == 12, "a relative path from the working directory");
	check(chdir("/") == 0, "back to /");

	DIR *d = opendir("/bin");
	int found = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		found += !strcmp(de->d_name, "exec_target") || !strcmp(de->d_name, "files");
	if (d)
		closedir(d);
	check(found == 2, "readdir of /bin lists the programs");

	int saved = dup(1);
	fd = open(T("/tmp/out"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int moved = dup2(fd, 1);        /* from here until restored, stdout is the file */
	printf("redirected\n");
	fflush(stdout);
	dup2(saved, 1);
	close(fd);
	close(saved);
	check(moved == 1, "dup2 a file onto stdout");
	int got = read_all(T("/tmp/out"), buf, sizeof(buf));
	if (got != 11 || strcmp(buf, "redirected\n"))
		printf("# tmp/out holds %d bytes: '%s'\n", got, buf);
	check(got == 11 && !strcmp(buf, "redirected\n"), "printf went into the file");

	check(unlink(T("/tmp/a")) == 0 && open(T("/tmp/a"), O_RDONLY) == -1 && errno == ENOENT,
	      "unlink removes the file");

	pid_t pid = fork();
	if (pid == 0) {
		char *const argv[] = { "exec_target", "abcd", "x", NULL };
		char *const envp[] = { "RINGOS_TEST=1", NULL };
		execve("/bin/exec_target", argv, envp);
		_exit(1);
	}
	int status;
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 134,
	      "execve runs a program with its arguments and environment");
	check(execve("/nonexistent", (char *[]){ "x", NULL }, NULL) == -1 && errno == ENOENT,
	      "execve of a missing file gives ENOENT");
	check(execve("/etc/motd", (char *[]){ "x", NULL }, NULL) == -1 && errno == EACCES,
	      "execve of a file without execute permission gives EACCES");
	check(chmod("/etc/motd", 0755) == 0 &&
	      execve("/etc/motd", (char *[]){ "x", NULL }, NULL) == -1 && errno == ENOEXEC,
	      "execve of an executable text file gives ENOEXEC, and we are still here");

	return tap_finish();
}
