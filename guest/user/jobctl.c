/*
 * Job control on ringos: sessions and process groups (setsid, getsid,
 * setpgid and its EPERM/ESRCH rules), stopping a child (SIGSTOP, SIGTSTP)
 * and continuing it (SIGCONT), waitpid with WUNTRACED and WCONTINUED,
 * SIGCHLD's si_code/si_pid/si_status for stops, continues, exits and
 * deaths, SA_NOCLDSTOP, SIGCHLD ignored (children reaped by themselves);
 * nanosleep across a stop and after a handler. An ordinary static program;
 * Linux is the reference for every check. Times are only ever lower
 * bounds; measured values go to comments, never into the TAP lines.
 * (poll_wait.c has the poll/select and signal-waiting half.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#include "proc_helpers.h"

/* ---- sessions and process groups ---- */

static void sessions(void)
{
	pid_t me = getpid();
	int status, goc[2], gog[2], back[2];
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	pipe(goc);
	pipe(gog);
	pipe(back);
	pid_t c = fork();
	if (c == 0) {
		int r[4];
		char x;
		pid_t s = setsid();
		r[0] = s == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
		errno = 0;
		r[1] = setsid() == -1 && errno == EPERM;
		errno = 0;
		r[2] = setpgid(0, 0) == -1 && errno == EPERM;
		pid_t g = fork();
		if (g == 0) {           /* stays in c's session; orphaned to us */
			read(gog[0], &x, 1);
			_exit(0);
		}
		r[3] = g;
		write(back[1], r, sizeof(r));
		read(goc[0], &x, 1);
		_exit(0);
	}
	int r[4] = { 0, 0, 0, 0 };
	read(back[0], r, sizeof(r));
	check(r[0], "setsid in a child: a new session and group, both its pid");
	check(r[1], "setsid by a group leader: EPERM");
	check(r[2], "setpgid by a session leader: EPERM");
	check(getsid(c) == c && getsid(0) != c && getpgid(c) == c, "getsid and getpgid of that child");
	errno = 0;
	check(setpgid(c, c) == -1 && errno == EPERM, "setpgid of a child that leads another session: EPERM");
	write(goc[1], "c", 1);
	check(waitpid(c, &status, 0) == c && WIFEXITED(status), "the session leader ends");
	pid_t g = r[3];
	/* Its child, in its session but not leading it, is now ours. */
	check(g > 0 && getsid(g) == c, "an orphan keeps its session");
	errno = 0;
	check(setpgid(g, g) == -1 && errno == EPERM,
	      "setpgid of a child in another session (not its leader): EPERM");
	write(gog[1], "g", 1);
	check(waitpid(g, &status, 0) == g && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the orphan was reparented to us (subreaper) and is reaped");

	/* Groups within our session. */
	int hold[2];
	pipe(hold);
	pid_t c1 = fork();
	if (c1 == 0) {
		char x;
		read(hold[0], &x, 1);
		errno = 0;
		_exit(setsid() == -1 && errno == EPERM ? 0 : 1);
	}
	pid_t c2 = fork();
	if (c2 == 0) {
		char x;
		read(hold[0], &x, 1);
		_exit(0);
	}
	check(setpgid(c1, c1) == 0 && getpgid(c1) == c1, "setpgid(child, child): a new group");
	check(setpgid(c2, c1) == 0 && getpgid(c2) == c1, "setpgid(other child, that group): it joins");
	errno = 0;
	check(setpgid(c2, 30000) == -1 && errno == EPERM, "setpgid to a group that does not exist: EPERM");
	errno = 0;
	check(setpgid(c2, -1) == -1 && errno == EINVAL, "setpgid to a negative group: EINVAL");
	errno = 0;
	check(setpgid(getppid(), getppid()) == -1 && errno == ESRCH, "setpgid of a non-child: ESRCH");
	check(setpgid(0, 0) == 0 && getpgrp() == me && setpgid(0, getpgid(getppid())) == 0 &&
	      getpgrp() == getpgid(getppid()), "setpgid(0, 0) and back into our parent's group");
	write(hold[1], "xx", 2);
	check(waitpid(c1, &status, 0) == c1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "setsid in a child that leads a group: EPERM");
	waitpid(c2, &status, 0);
	close(hold[0]);
	close(hold[1]);
}

/* ---- stopping and continuing ---- */

#define LOG_MAX 16
static volatile int log_n, log_code[LOG_MAX], log_pid[LOG_MAX], log_status[LOG_MAX];

static void on_chld_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (log_n < LOG_MAX) {
		log_code[log_n] = si->si_code;
		log_pid[log_n] = si->si_pid;
		log_status[log_n] = si->si_status;
		log_n++;
	}
}

static void chld_log(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld_info;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
	sigaction(SIGCHLD, &sa, NULL);
	log_n = 0;
}

/* Wait (up to 2 s) for the SIGCHLD log to hold n entries; show it in a
 * comment (pids vary: never in a TAP line). */
static int log_wait(int n)
{
	for (int i = 0; i < 200 && log_n < n; i++)
		nap_ms(10);
	printf("# SIGCHLD log:");
	for (int i = 0; i < log_n; i++)
		printf(" [code %d pid %d status %d]", log_code[i], log_pid[i], log_status[i]);
	printf("\n");
	return log_n >= n;
}

/* A child in a group of its own (so that the orphaned-group rule does not
 * discard stop signals) writing a byte every 10 ms to wfd. */
static pid_t ticker(int tick[2])
{
	pipe(tick);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		close(tick[0]);
		for (;;) {
			write(tick[1], ".", 1);
			nap_ms(10);
		}
	}
	setpgid(c, c);
	close(tick[1]);
	char x;
	read(tick[0], &x, 1);           /* it runs */
	return c;
}

static void stops(void)
{
	int tick[2], st = 0;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	chld_log(0);
	pid_t c = ticker(tick);
	printf("# child %d, we are %d\n", c, getpid());

	kill(c, SIGSTOP);
	check(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP &&
	      st == ((SIGSTOP << 8) | 0x7f), "SIGSTOP: waitpid(WUNTRACED) reports (SIGSTOP << 8) | 0x7f");
	int got = log_wait(1);
	check(got && log_code[0] == CLD_STOPPED && log_pid[0] == c,
	      "SIGCHLD for the stop: si_code CLD_STOPPED, si_pid the child");
	check(got && log_status[0] == SIGSTOP, "and si_status the stop signal");
	check(proc_state(c) == 'T', "a stopped child's /proc/PID/stat says T");
	check(waitpid(c, &st, WUNTRACED | WNOHANG) == 0, "a stop is reported once");
	drain(tick[0]);
	nap_ms(100);
	check(drain(tick[0]) == 0, "a stopped child does not run");

	kill(c, SIGCONT);
	check(waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st) && st == 0xffff,
	      "SIGCONT: waitpid(WCONTINUED) reports 0xffff");
	got = log_wait(2);
	check(got && log_code[1] == CLD_CONTINUED && log_pid[1] == c,
	      "SIGCHLD for the continue: si_code CLD_CONTINUED, si_pid the child");
	check(got && log_status[1] == SIGCONT, "and si_status SIGCONT");
	char x;
	check(read(tick[0], &x, 1) == 1, "the continued child runs again");
	check(waitpid(c, &st, WCONTINUED | WNOHANG) == 0, "a continue is reported once");

	kill(c, SIGTSTP);
	check(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
	      "SIGTSTP (default action) stops it too");
	kill(c, SIGTERM);
	nap_ms(50);
	check(waitpid(c, &st, WNOHANG) == 0 && proc_state(c) == 'T',
	      "SIGTERM to a stopped child: it stays stopped");
	kill(c, SIGCONT);
	check(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	      "and dies of it once continued");
	close(tick[0]);

	c = ticker(tick);
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGKILL);
	check(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "SIGKILL ends a stopped child");
	close(tick[0]);

	log_n = 0;
	c = fork();
	if (c == 0)
		_exit(7);
	waitpid(c, &st, 0);
	got = log_wait(1);
	check(got && log_code[0] == CLD_EXITED && log_pid[0] == c && log_status[0] == 7,
	      "SIGCHLD for an exit: CLD_EXITED, si_status the exit code");

	/* SA_NOCLDSTOP: no word of stops and continues, only of the end. */
	chld_log(SA_NOCLDSTOP);
	c = ticker(tick);
	kill(c, SIGSTOP);
	int ok = waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st);
	kill(c, SIGCONT);
	ok &= waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st);
	nap_ms(50);
	check(ok && log_n == 0, "SA_NOCLDSTOP: stop and continue reach waitpid but send no SIGCHLD");
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	got = log_wait(1);
	check(got && log_n == 1 && log_code[0] == CLD_KILLED && log_pid[0] == c &&
	      log_status[0] == SIGKILL, "SA_NOCLDSTOP: the death still sends one: CLD_KILLED, si_status the signal");
	close(tick[0]);

	/* SIGCHLD ignored: children leave no zombie and wait finds none. */
	signal(SIGCHLD, SIG_IGN);
	c = fork();
	if (c == 0) {
		nap_ms(50);
		_exit(3);
	}
	errno = 0;
	int r = wait(&st);
	int e = errno;
	check(r == -1 && e == ECHILD && kill(c, 0) == -1,
	      "SIGCHLD ignored: wait waits for the child's end, then ECHILD");
	char path[32];
	struct stat sb;
	snprintf(path, sizeof(path), "/proc/%d", c);
	check(stat(path, &sb) == -1, "and no zombie is left (/proc/PID is gone)");
	signal(SIGCHLD, SIG_DFL);
}

/* ---- nanosleep across a stop, and after a handler ---- */

static void sleeps(void)
{
	int res[2], st;
	int64_t r[4];                   /* rc, errno, start, end */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pipe(res);
	pid_t c = fork();
	if (c == 0) {
		struct timespec req = { 0, 600 * MS };
		setpgid(0, 0);
		r[2] = mono_ns();
		write(res[1], &r[2], sizeof(r[2]));
		r[0] = nanosleep(&req, NULL);
		r[1] = errno;
		r[3] = mono_ns();
		write(res[1], r, sizeof(r));
		_exit(0);
	}
	setpgid(c, c);
	int64_t start = 0;
	read(res[0], &start, sizeof(start));
	nap_ms(100);
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	int64_t left = start + 800 * MS - mono_ns();     /* stopped past its end */
	if (left > 0)
		nap_ms((long)(left / MS));
	int64_t cont = mono_ns();
	kill(c, SIGCONT);
	memset(r, 0, sizeof(r));
	read(res[0], r, sizeof(r));
	waitpid(c, &st, 0);
	printf("# nanosleep(600 ms) stopped at 100 ms: returned %lld after %lld ms, %lld ms after SIGCONT at %lld ms\n",
	       (long long)r[0], (long long)((r[3] - r[2]) / MS), (long long)((r[3] - cont) / MS),
	       (long long)((cont - r[2]) / MS));
	check(r[0] == 0, "nanosleep stopped and continued (no handler): no EINTR, it goes on");
	check(r[3] - r[2] >= 600 * MS, "it slept at least the time asked");
	check(r[3] - cont < 300 * MS,
	      "it kept its deadline: continued after it, it returned at once (not 600 ms more)");
	close(res[0]);
	close(res[1]);

	catch(SIGUSR1, on_signal, SA_RESTART);
	hits = 0;
	c = poke(getpid(), SIGUSR1, 100);
	struct timespec req = { 3, 0 }, rem = { 0, 0 };
	errno = 0;
	int rc = nanosleep(&req, &rem);
	int e = errno;
	reap(c);
	printf("# nanosleep(3 s) interrupted: rem %ld.%09ld\n", (long)rem.tv_sec, rem.tv_nsec);
	check(rc == -1 && e == EINTR && hits == 1,
	      "nanosleep interrupted by a handler: EINTR (even with SA_RESTART)");
	check(rem.tv_sec >= 1 && rem.tv_sec < 3 && rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000,
	      "and rem holds the time that was left");
	signal(SIGUSR1, SIG_DFL);
}

int main(void)
{
	in_child(sessions, "sessions: the part ran to its end");
	in_child(stops, "stops: the part ran to its end");
	in_child(sleeps, "sleeps: the part ran to its end");
	return tap_finish();
}
