/*
 * The ringos test suite's init: runs every test program in turn as a child
 * (fork, execve, wait), each with its standard output on a pipe that this
 * init reads and passes on indented, so each program's TAP becomes a
 * subtest. One TAP line per program, then one TEST RESULT for the run.
 * Orphans of the programs come here (prctl PR_SET_CHILD_SUBREAPER is theirs
 * to set; init gets them anyway) and are reaped between programs.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const programs[] = {
	"libc_basics", "processes", "files", "misc_calls", "signals", "fd_calls",
	"jobctl", "poll_wait", "proc_fs", "static_pie", "ata_disk", "mounts",
};

/* Copy the program's output to ours, four spaces before each line. */
static void relay(int fd)
{
	char buf[256];
	int at_start = 1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (at_start)
				fputs("    ", stdout);
			putchar(buf[i]);
			at_start = buf[i] == '\n';
		}
	if (!at_start)
		putchar('\n');
	fflush(stdout);
}

int main(void)
{
	int n = (int)(sizeof(programs) / sizeof(programs[0])), failed = 0;

	printf("1..%d\n", n);
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		char path[64];
		int p[2], status;
		snprintf(path, sizeof(path), "/bin/%s", programs[i]);
		printf("# %s\n", path);
		fflush(stdout);
		if (pipe(p)) {
			perror("pipe");
			return 1;
		}
		pid_t c = fork();
		if (c == 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			execl(path, path, (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		relay(p[0]);
		close(p[0]);
		int ok = c > 0 && waitpid(c, &status, 0) == c && WIFEXITED(status) &&
			 WEXITSTATUS(status) == 0;
		while (waitpid(-1, &status, WNOHANG) > 0)
			;               /* stray orphans */
		printf("%s %d - %s\n", ok ? "ok" : "not ok", i + 1, programs[i]);
		fflush(stdout);
		failed += !ok;
	}
	printf("TEST RESULT: %s (%d of %d programs failed)\n", failed ? "FAILURE" : "SUCCESS", failed, n);
	return failed != 0;
}
