/*
 * ringos: pipes between processes (EOF when the writer is gone; 64 KiB
 * through a 4 KiB pipe, so both ends must block and wake), anonymous mmap
 * and munmap, uname, the clocks and sleeping. An ordinary static program.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"



static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Uses about kib KiB of stack, one KiB per level; returns the sum it wrote. */
static long __attribute__((noinline)) deep(int kib)
{
	volatile char frame[1000];
	frame[0] = 1;
	frame[999] = 1;
	long below = kib ? deep(kib - 1) : 0;   /* the frame lives across the call */
	return below + frame[0] + frame[999];
}

static int resident(void *start, size_t pages)
{
	unsigned char vec[512];
	int n = 0;
	if (mincore(start, pages * 4096, vec))
		return -1;
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

int main(void)
{
	int fds[2];
	char buf[256];

	check(pipe(fds) == 0 && fds[0] >= 3 && fds[1] > fds[0], "pipe gives two descriptors");
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		write(fds[1], "through the pipe", 16);
		_exit(0);
	}
	close(fds[1]);
	int n = (int)read(fds[0], buf, sizeof(buf));
	check(n == 16 && !memcmp(buf, "through the pipe", 16), "a child's write arrives");
	check(read(fds[0], buf, sizeof(buf)) == 0, "end of file once the writer is gone");
	close(fds[0]);
	waitpid(pid, NULL, 0);

	/* 64 KiB through a 4 KiB pipe: the writer blocks, the reader wakes it. */
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		static char big[65536];
		for (int i = 0; i < 65536; i++)
			big[i] = (char)(i * 7);
		_exit(write(fds[1], big, sizeof(big)) == 65536 ? 0 : 1);
	}
	close(fds[1]);
	long total = 0, bad = 0;
	while ((n = (int)read(fds[0], buf, sizeof(buf))) > 0) {
		for (int i = 0; i < n; i++)
			bad += buf[i] != (char)((total + i) * 7);
		total += n;
	}
	int status;
	waitpid(pid, &status, 0);
	check(total == 65536 && bad == 0 && WEXITSTATUS(status) == 0,
	      "64 KiB through the pipe, in order, intact");
	close(fds[0]);

	char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(m != MAP_FAILED && m[12345] == 0, "mmap of 1 MiB of zeroed anonymous memory");
	memset(m, 0x33, 1 << 20);
	check(m[(1 << 20) - 1] == 0x33, "all of it writable");
	check(munmap(m, 1 << 20) == 0, "munmap");

	struct utsname u;
	check(uname(&u) == 0 && !strcmp(u.sysname, "ringos") && !strcmp(u.machine, "i686"),
	      "uname names the system and machine");

	uint64_t t0 = now_ns();
	struct timespec req = { 0, 50000000 };
	check(nanosleep(&req, NULL) == 0, "nanosleep");
	uint64_t slept = now_ns() - t0;
	check(slept >= 50000000ull, "the clock moved at least as long as we slept");
	struct timeval tv;
	check(gettimeofday(&tv, NULL) == 0 && tv.tv_usec < 1000000, "gettimeofday");

	/* Demand paging: the heap and the stack get pages on first touch. */
	pid_t c;
	char *heap = sbrk(0);
	heap = (char *)(((uintptr_t)heap + 4095) & ~(uintptr_t)4095);
	brk(heap + 256 * 4096);
	check(resident(heap, 256) == 0, "1 MiB of new heap: no page in memory yet (mincore)");
	check(heap[10 * 4096 + 5] == 0 && (heap[10 * 4096] = 7) == 7 && resident(heap, 256) == 1,
	      "a touched heap page reads zero, takes a write, and is the only one in memory");
	int fd = open("/etc/motd", O_RDONLY);
	check(read(fd, heap + 200 * 4096, 8) == 8 && resident(heap, 256) == 2,
	      "the kernel writing into an untouched heap page maps it too");
	close(fd);
	brk(heap + 100 * 4096);
	check(resident(heap, 256) == 1, "shrinking the heap gives back the pages above the break");
	c = fork();
	if (c == 0) {
		heap[200 * 4096] = 1;           /* above the break now */
		_exit(0);
	}
	check(waitpid(c, &status, 0) == c && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "and touching above the break is SIGSEGV");
	check(deep(200) == 402, "200 KiB of stack, mapped as it grows");
	c = fork();
	if (c == 0)
		_exit((int)deep(400));          /* past the 256 KiB stack */
	check(waitpid(c, &status, 0) == c && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "running off the end of the stack is SIGSEGV");

	return tap_finish();
}
