/*
 * Signals on ringos: handlers with and without SA_SIGINFO, the blocked set
 * (during a handler and by sigprocmask), pending signals, SIGSEGV/SIGFPE
 * from faults (handled with siglongjmp, or deadly), SIGCHLD, SIGPIPE, kill
 * between processes, EINTR and SA_RESTART on a blocking read, nanosleep and
 * pause interrupted, abort(), and the errors. An ordinary static program.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"



static volatile sig_atomic_t hits, last_sig, blocked_inside, chld;
static volatile int info_pid, info_signo, info_code;
static volatile void *fault_addr;
static sigjmp_buf escape;

static void on_signal(int sig)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	blocked_inside = sigismember(&now, sig);
	last_sig = sig;
	hits++;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	info_signo = si->si_signo;
	info_pid = si->si_pid;
	info_code = si->si_code;
	last_sig = uc ? sig : -1;
	hits++;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	last_sig = sig;
	fault_addr = si->si_addr;
	siglongjmp(escape, 1);
}

/* A handler that uses SSE, and code that holds a value in xmm0 until the
 * signal has come and gone: the handler's use must not show. */
__attribute__((target("sse2"))) static void on_sse(int sig)
{
	(void)sig;
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0" : : : "xmm0");
	hits++;
}

__attribute__((target("sse2"))) static int xmm_survives_handler(uint32_t pattern)
{
	uint32_t out[4];
	long spins = 400000000;
	__asm__ volatile("movd %3, %%xmm0\n\tpshufd $0, %%xmm0, %%xmm0\n"
			 "1:\tcmpl $0, %2\n\tjne 2f\n\tdec %1\n\tjnz 1b\n"
			 "2:\tmovdqu %%xmm0, %0"
			 : "=m"(out), "+r"(spins) : "m"(hits), "r"(pattern) : "xmm0", "memory");
	return hits == 1 && out[0] == pattern && out[1] == pattern && out[2] == pattern &&
	       out[3] == pattern;
}

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static void catch_info(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A child that signals its parent after a pause, then (if byte) writes. */
static pid_t poke_parent(int sig, int wfd, long delay_ms)
{
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		nap_ms(delay_ms);
		kill(parent, sig);
		if (wfd >= 0) {
			nap_ms(delay_ms);
			write(wfd, "x", 1);
		}
		_exit(0);
	}
	return c;
}

static int died_of(pid_t pid, int sig)
{
	int status;
	return waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

int main(void)
{
	sigset_t set, pend;
	int status;

	/* 1. A plain handler, from raise (tgkill). */
	catch(SIGUSR1, on_signal, 0);
	volatile int before = 12345;
	raise(SIGUSR1);
	check(hits == 1 && last_sig == SIGUSR1 && before == 12345,
	      "raise(SIGUSR1) runs the handler once and the program continues");
	check(blocked_inside, "the signal is blocked while its handler runs");
	sigprocmask(SIG_BLOCK, NULL, &set);
	check(!sigismember(&set, SIGUSR1), "and unblocked again after sigreturn");

	/* 2. SA_SIGINFO: who sent it. */
	catch_info(SIGUSR2, on_info);
	hits = 0;
	kill(getpid(), SIGUSR2);
	check(hits == 1 && info_signo == SIGUSR2 && info_pid == getpid() && info_code == SI_USER &&
	      last_sig == SIGUSR2, "SA_SIGINFO: si_signo, si_pid, si_code and a ucontext");

	/* 3. Blocked signals wait in the pending set. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	hits = 0;
	kill(getpid(), SIGUSR1);
	sigpending(&pend);
	check(hits == 0 && sigismember(&pend, SIGUSR1), "a blocked signal is pending, not run");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check(hits == 1, "unblocking runs it before sigprocmask returns");

	/* 4. Ignored. */
	signal(SIGUSR1, SIG_IGN);
	hits = 0;
	kill(getpid(), SIGUSR1);
	check(hits == 0, "SIG_IGN: the signal is dropped");

	/* 5. Faults become signals a handler can catch. */
	catch_info(SIGSEGV, on_fault);
	int caught = 0;
	volatile int *volatile bad = (int *)16;
	for (int round = 0; round < 2; round++)
		if (sigsetjmp(escape, 1) == 0)
			*bad = 1;
		else
			caught += last_sig == SIGSEGV && fault_addr == (void *)16;
	check(caught == 2, "SIGSEGV handler sees si_addr; siglongjmp out of it, twice");

	pid_t c = fork();
	if (c == 0) {
		volatile int zero = 0;
		_exit(100 / zero);
	}
	check(died_of(c, SIGFPE), "a division by zero kills with SIGFPE");

	c = fork();
	if (c == 0) {
		signal(SIGSEGV, SIG_IGN);               /* a fault cannot be ignored */
		bad = 0;
		*bad = 1;
		_exit(0);
	}
	check(died_of(c, SIGSEGV), "an ignored SIGSEGV from a fault still kills");

	/* 6. Between processes. */
	int p[2];
	char ch;
	pipe(p);
	c = fork();
	if (c == 0) {
		write(p[1], "r", 1);
		for (;;)
			pause();
	}
	read(p[0], &ch, 1);
	kill(c, SIGTERM);
	check(died_of(c, SIGTERM), "kill(child, SIGTERM): WIFSIGNALED with SIGTERM");
	close(p[0]);
	close(p[1]);

	chld = 0;
	catch(SIGCHLD, on_chld, 0);
	c = fork();
	if (c == 0)
		_exit(3);
	waitpid(c, &status, 0);
	check(chld == 1 && WEXITSTATUS(status) == 3, "SIGCHLD reaches the parent's handler");
	signal(SIGCHLD, SIG_DFL);

	c = fork();
	if (c == 0)
		abort();
	check(died_of(c, SIGABRT), "abort() dies of SIGABRT");

	/* 7. SIGPIPE. */
	pipe(p);
	close(p[0]);
	c = fork();
	if (c == 0) {
		write(p[1], "x", 1);
		_exit(0);
	}
	check(died_of(c, SIGPIPE), "writing to a pipe without readers: SIGPIPE");
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	check(write(p[1], "x", 1) == -1 && errno == EPIPE, "with SIGPIPE ignored: EPIPE");
	close(p[1]);

	/* 8. Interrupted system calls. */
	pipe(p);
	catch(SIGUSR2, on_signal, 0);
	hits = 0;
	c = poke_parent(SIGUSR2, -1, 50);
	errno = 0;
	long r = read(p[0], &ch, 1);
	check(r == -1 && errno == EINTR && hits == 1, "a handler without SA_RESTART: read gives EINTR");
	waitpid(c, &status, 0);

	catch(SIGUSR2, on_signal, SA_RESTART);
	hits = 0;
	c = poke_parent(SIGUSR2, p[1], 50);
	r = read(p[0], &ch, 1);
	check(r == 1 && ch == 'x' && hits == 1, "SA_RESTART: the read resumes and gets the data");
	waitpid(c, &status, 0);
	close(p[0]);
	close(p[1]);

	catch(SIGUSR2, on_signal, 0);
	hits = 0;
	c = poke_parent(SIGUSR2, -1, 50);
	struct timespec ts = { 5, 0 };
	errno = 0;
	check(nanosleep(&ts, NULL) == -1 && errno == EINTR && hits == 1, "nanosleep ends with EINTR");
	waitpid(c, &status, 0);

	hits = 0;
	c = poke_parent(SIGUSR2, -1, 50);
	errno = 0;
	check(pause() == -1 && errno == EINTR && hits == 1, "pause returns after a handler");
	waitpid(c, &status, 0);

	catch(SIGUSR2, on_sse, 0);
	hits = 0;
	c = poke_parent(SIGUSR2, -1, 50);
	check(xmm_survives_handler(0x13572468u), "a handler's SSE use does not reach the interrupted code");
	waitpid(c, &status, 0);

	/* 9. Errors. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	errno = 0;
	check(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "SIGKILL cannot be caught");
	errno = 0;
	check(kill(30000, SIGTERM) == -1 && errno == ESRCH, "kill of no such process: ESRCH");
	errno = 0;
	check(kill(getpid(), 99) == -1 && errno == EINVAL, "kill with signal 99: EINVAL");
	check(kill(getpid(), 0) == 0, "kill with signal 0 checks the process exists");
	errno = 0;
	/* glibc's sigaction copies the struct itself: ask the kernel directly. */
	check(syscall(SYS_rt_sigaction, SIGUSR1, 8, 0, 8) == -1 && errno == EFAULT,
	      "rt_sigaction with a bad pointer: EFAULT");
	errno = 0;
	check(syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, 0, 4) == -1 && errno == EINVAL,
	      "rt_sigprocmask with a wrong set size: EINVAL");

	return tap_finish();
}
