/*
 * The process part of ringos's rvio self-test (kernel/rvio_test.c; the
 * chan test, docs/io.md "Channels"): /init of the frontend domain "rvfront"
 * that Domain 0's test server made with "rvio_selftest" on its command
 * line. 24 children read /dev/rviotest at once: each read is 21 calls on
 * the one channel from that child (the first held by the server with the
 * others of its window), so more calls are in flight than the ring's 16
 * entries. Then "end N" (N: our failures) ends the test; the
 * kernel prints the result. Outside that test /dev/rviotest does not
 * exist, and this program says so and fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"

#define CHILDREN 24

int main(void)
{
	int ok = 0;

	if (access("/dev/rviotest", F_OK)) {
		check(0, "/dev/rviotest exists (boot with rvio_selftest)");
		return tap_finish();
	}
	for (int i = 0; i < CHILDREN; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char buf[32] = "";
			int fd = open("/dev/rviotest", O_RDWR);
			ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
			_exit(n > 0 && !strncmp(buf, "ok 21", 5) ? 0 : 1);
		}
		if (pid < 0)
			break;
	}
	int status;
	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	check(ok == CHILDREN, "24 processes at once, 21 calls each: every call answered right");
	char end[16];
	int fd = open("/dev/rviotest", O_RDWR);
	int n = snprintf(end, sizeof(end), "end %d", failures);
	check(fd >= 0 && write(fd, end, (size_t)n) == n, "the test ended");
	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
