/*
 * Processes on ringos: fork, exit codes through wait, separate memory,
 * getppid, ECHILD and WNOHANG, orphans inherited by init, death by SIGSEGV,
 * and a fork bomb stopped by the process cap. An ordinary static program.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

static volatile int cow_probe = 5;
static char cow_buf[64] = "parent";
/* Read-only data: fork shares its frames between parent and child. */
static const char ro_data[3 * 4096] = { 1, [4096] = 1, [8191] = 1 };
static volatile int shared_looking = 7;


/* Hold a pattern in xmm0 through a long spin (many time slices), then say
 * whether it is still there: another process's SSE use must not show. */
__attribute__((target("sse2"))) static int xmm_keeps(uint32_t pattern, long spins)
{
	uint32_t out[4];
	__asm__ volatile("movd %1, %%xmm0\n\tpshufd $0, %%xmm0, %%xmm0\n"
			 "1:\tdec %2\n\tjnz 1b\n\tmovdqu %%xmm0, %0"
			 : "=m"(out), "+r"(pattern), "+r"(spins) : : "xmm0", "memory");
	return out[0] == pattern && out[1] == pattern && out[2] == pattern && out[3] == pattern;
}

int main(void)
{
	pid_t me = getpid(), kids[5];
	int status, good = 1;

	/* Orphans of our children come to us, whether or not we are init. */
	check(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "prctl makes us the reaper of orphans below");
	errno = 0;
	check(wait(&status) == -1 && errno == ECHILD, "wait without children gives ECHILD");

	for (int i = 0; i < 5; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			shared_looking = 100 + i;       /* only the child's copy */
			_exit(getppid() == me ? 10 + i : 99);
		}
	}
	for (int i = 0; i < 5; i++) {
		pid_t p = waitpid(kids[i], &status, 0);
		good &= p == kids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 10 + i;
	}
	check(good, "5 children: each exit code reaches waitpid, and each saw its parent");
	check(shared_looking == 7, "a child's writes do not reach the parent's memory");

	pid_t slow = fork();
	if (slow == 0) {
		for (volatile int i = 0; i < 3000000; i++)
			;
		_exit(0);
	}
	check(waitpid(slow, &status, WNOHANG) == 0, "WNOHANG on a running child returns 0");
	check(waitpid(slow, &status, 0) == slow && WEXITSTATUS(status) == 0, "then it is reaped");

	pid_t bad = fork();
	if (bad == 0) {
		*(volatile int *)0 = 1;                 /* SIGSEGV */
		_exit(0);
	}
	check(waitpid(bad, &status, 0) == bad && WIFSIGNALED(status) && WTERMSIG(status) == 11,
	      "a child killed by SIGSEGV shows it in its wait status");

	/* Each process has its own FPU/SSE registers. */
	pid_t sse = fork();
	if (sse == 0)
		_exit(xmm_keeps(0x5a5a1234u, 40000000) ? 0 : 1);
	int mine = xmm_keeps(0xc3c39876u, 40000000);
	check(mine && waitpid(sse, &status, 0) == sse && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "two processes spinning with their own xmm0 each keep it");

	/* Copy-on-write both ways: the parent's write after fork does not reach
	 * the child, and the kernel writing into the child's copy (read) does
	 * not reach the parent. */
	int q[2];
	pipe(q);
	pid_t cw = fork();
	if (cw == 0) {
		close(q[1]);
		int got = (int)read(q[0], cow_buf, sizeof(cow_buf) - 1);
		_exit(got == 5 && !memcmp(cow_buf, "child", 5) && cow_probe == 5 ? 0 : 1);
	}
	close(q[0]);
	cow_probe = 6;
	write(q[1], "child", 5);
	close(q[1]);
	check(waitpid(cw, &status, 0) == cw && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	      !strcmp(cow_buf, "parent") && cow_probe == 6,
	      "copy-on-write: writes after fork, the parent's and the kernel's, stay on their side");

	/* A child making a shared read-only page writable gets its own copy. */
	char *page = (char *)(((uintptr_t)ro_data + 4095) & ~(uintptr_t)4095);
	int pp[2];
	pipe(pp);
	pid_t w = fork();
	if (w == 0) {
		close(pp[0]);
		int ok = mprotect(page, 4096, PROT_READ | PROT_WRITE) == 0;
		page[0] = 'X';
		write(pp[1], ok ? "y" : "n", 1);
		_exit(page[0] == 'X' ? 0 : 1);
	}
	close(pp[1]);
	char said = 0;
	read(pp[0], &said, 1);
	close(pp[0]);
	check(waitpid(w, &status, 0) == w && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	      said == 'y' && page[0] != 'X',
	      "a read-only page shared by fork: the child's mprotect+write stays its own");

	/* An orphan: its parent exits at once; we (the subreaper) inherit and reap it. */
	pid_t mid = fork();
	if (mid == 0) {
		if (fork() == 0) {
			while (getppid() != me)
				sched_yield();
			_exit(42);
		}
		_exit(0);
	}
	waitpid(mid, &status, 0);
	pid_t orphan = wait(&status);
	check(orphan > 0 && WEXITSTATUS(status) == 42, "an orphan is reparented to the subreaper and reaped");

	/* A fork bomb stops at the process cap. */
	int n = 0;
	pid_t p;
	while ((p = fork()) > 0)
		n++;
	if (p == 0) {
		for (int i = 0; i < 200; i++)
			sched_yield();
		_exit(0);
	}
	int cap_errno = errno;
	int reaped = 0;
	while (wait(&status) > 0)
		reaped++;
	check(n > 10 && n < 64 && cap_errno == EAGAIN, "a fork bomb ends with EAGAIN at the cap");
	check(reaped == n, "and every bomb child is reaped");

	return tap_finish();
}
