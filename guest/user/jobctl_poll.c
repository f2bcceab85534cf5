/*
 * Job control, waiting and signals on ringos: sessions and process groups
 * (setsid, getsid, setpgid and its EPERM/ESRCH rules), stopping a child
 * (SIGSTOP, SIGTSTP) and continuing it (SIGCONT), waitpid with WUNTRACED
 * and WCONTINUED, SIGCHLD's si_code/si_pid/si_status for stops, continues,
 * exits and deaths, SA_NOCLDSTOP, SIGCHLD ignored (children reaped by
 * themselves); nanosleep across a stop and after a handler; poll, ppoll,
 * select and pselect on pipes, O_NONBLOCK and FIONBIO; sigwaitinfo and
 * sigtimedwait, sigsuspend, sigaltstack. An ordinary static program; Linux
 * is the reference for every check. Times are only ever lower bounds,
 * except where a check says otherwise (with a wide margin); measured
 * values go to comments, never into the TAP lines.
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



static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define MS 1000000LL

/* Sleep ms milliseconds whatever signals come. */
static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A child that sends sig to target after ms milliseconds, then ends. */
static pid_t poke(pid_t target, int sig, long ms)
{
	pid_t c = fork();
	if (c == 0) {
		nap_ms(ms);
		kill(target, sig);
		_exit(0);
	}
	return c;
}

static void reap(pid_t c)
{
	int status;
	waitpid(c, &status, 0);
}

static void block(int sig, int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(how, &set, NULL);
}

static int is_blocked(int sig)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, sig);
}

/* The state letter of /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[32], buf[512], *s;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (s = strrchr(buf, ')')) && s[1] == ' ' ? s[2] : 0;
}

/* Bytes waiting in a pipe, read and thrown away (without waiting). */
static int drain(int fd)
{
	char buf[256];
	int total = 0, fl = fcntl(fd, F_GETFL);
	ssize_t n;
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += (int)n;
	fcntl(fd, F_SETFL, fl);
	return total;
}

/*
 * A part of the test run in a child of ours, so that it is never init
 * (the orphaned-group rules and init's immunity would change what stop
 * signals do) and its sessions, groups and SIGCHLD settings stay its own.
 * It prints its checks, numbered on from ours, and hands the counts back.
 */
static void in_child(void (*fn)(void), const char *what)
{
	int p[2], counts[2], status;
	fflush(stdout);
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		fn();
		counts[0] = checks;
		counts[1] = failures;
		write(p[1], counts, sizeof(counts));
		_exit(0);
	}
	close(p[1]);
	waitpid(c, &status, 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);       /* its children may hold the write end */
	if (read(p[0], counts, sizeof(counts)) == (ssize_t)sizeof(counts)) {
		checks = counts[0];
		failures = counts[1];
	} else {
		check(0, what);
	}
	close(p[0]);
}

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

static volatile int hits;

static void on_signal(int sig)
{
	(void)sig;
	hits++;
}

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

/* ---- poll and select ---- */

static void polling(void)
{
	int p[2], q[2];
	struct pollfd pf[2];
	int64_t t;

	pipe(p);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	check(poll(pf, 1, 0) == 0 && pf[0].revents == 0, "poll, timeout 0, empty pipe: 0 at once");
	t = mono_ns();
	int r = poll(pf, 1, 100);
	t = mono_ns() - t;
	printf("# poll(100 ms) took %lld ms\n", (long long)(t / MS));
	check(r == 0 && t >= 100 * MS, "poll with a 100 ms timeout waits at least that long, then 0");
	write(p[1], "x", 1);
	check(poll(pf, 1, 0) == 1 && pf[0].revents == POLLIN, "data in the pipe: POLLIN");
	pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	check(poll(pf + 1, 1, 0) == 1 && pf[1].revents == POLLOUT, "room in the pipe: POLLOUT on the write end");
	check(poll(pf, 2, 0) == 2, "both at once: 2");
	char c;
	read(p[0], &c, 1);
	pid_t w = fork();
	if (w == 0) {
		nap_ms(50);
		write(p[1], "y", 1);
		_exit(0);
	}
	check(poll(pf, 1, 5000) == 1 && pf[0].revents == POLLIN && read(p[0], &c, 1) == 1 && c == 'y',
	      "poll sleeps until another process writes");
	reap(w);
	write(p[1], "z", 1);
	close(p[1]);
	check(poll(pf, 1, 0) == 1 && pf[0].revents == (POLLIN | POLLHUP),
	      "writer closed, data left: POLLIN | POLLHUP");
	read(p[0], &c, 1);
	check(poll(pf, 1, 0) == 1 && pf[0].revents == POLLHUP, "writer closed, empty: POLLHUP");
	close(p[0]);
	pipe(q);
	close(q[0]);
	pf[1] = (struct pollfd){ q[1], POLLOUT, 0 };
	check(poll(pf + 1, 1, 0) == 1 && (pf[1].revents & POLLERR), "reader closed: POLLERR on the write end");
	close(q[1]);
	pf[0] = (struct pollfd){ q[1], POLLIN, 0 };
	pf[1] = (struct pollfd){ -1, POLLIN, 0x7 };
	check(poll(pf, 2, 0) == 1 && pf[0].revents == POLLNVAL && pf[1].revents == 0,
	      "a closed descriptor: POLLNVAL; a negative one is skipped");

	/* Non-blocking pipes. */
	pipe(p);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	errno = 0;
	check(read(p[0], &c, 1) == -1 && errno == EAGAIN, "O_NONBLOCK: reading an empty pipe gives EAGAIN");
	static char chunk[512];
	long total = 0;
	ssize_t n;
	int fills = 0;
	while ((n = write(p[1], chunk, sizeof(chunk))) > 0 && fills++ < 10000)
		total += n;
	int e = errno;
	printf("# the pipe took %ld bytes\n", total);
	check(n == -1 && e == EAGAIN && total > 0, "O_NONBLOCK: writing to a full pipe gives EAGAIN");
	pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	check(poll(pf + 1, 1, 0) == 0, "a full pipe: no POLLOUT");
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	check(poll(pf, 1, 0) == 1 && pf[0].revents == POLLIN, "but POLLIN on its read end");
	long drained = drain(p[0]);
	check(drained == total && poll(pf + 1, 1, 0) == 1 && pf[1].revents == POLLOUT,
	      "emptied: POLLOUT again");
	close(p[0]);
	close(p[1]);

	errno = 0;
	r = pipe2(p, O_NONBLOCK);
	printf("# pipe2(O_NONBLOCK): %d (%s)\n", r, r ? strerror(errno) : "ok");
	errno = 0;
	check(r == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK) &&
	      read(p[0], &c, 1) == -1 && errno == EAGAIN, "pipe2(O_NONBLOCK): both ends non-blocking");
	if (r == 0) {
		close(p[0]);
		close(p[1]);
	}
	pipe(p);
	int on = 1, off = 0;
	errno = 0;
	check(ioctl(p[0], FIONBIO, &on) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK) &&
	      read(p[0], &c, 1) == -1 && errno == EAGAIN, "ioctl(FIONBIO, 1): non-blocking");
	check(ioctl(p[0], FIONBIO, &off) == 0 && !(fcntl(p[0], F_GETFL) & O_NONBLOCK),
	      "ioctl(FIONBIO, 0): blocking again");

	/* ppoll */
	struct timespec zero = { 0, 0 }, hundred = { 0, 100 * MS };
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	check(ppoll(pf, 1, &zero, NULL) == 0, "ppoll, timeout 0: 0");
	t = mono_ns();
	r = ppoll(pf, 1, &hundred, NULL);
	t = mono_ns() - t;
	check(r == 0 && t >= 100 * MS, "ppoll with a 100 ms timeout waits at least that long");
	catch(SIGUSR1, on_signal, 0);
	block(SIGUSR1, SIG_BLOCK);
	sigset_t none;
	sigemptyset(&none);
	hits = 0;
	w = poke(getpid(), SIGUSR1, 50);
	errno = 0;
	r = ppoll(pf, 1, NULL, &none);
	e = errno;
	reap(w);
	check(r == -1 && e == EINTR && hits == 1, "ppoll's mask lets a blocked signal in: handler, EINTR");
	check(is_blocked(SIGUSR1), "and the old mask is back afterwards");

	/* select and pselect */
	fd_set rd, wr;
	struct timeval tv0 = { 0, 0 }, tv100 = { 0, 100000 };
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	check(select(p[0] + 1, &rd, NULL, NULL, &tv0) == 0 && !FD_ISSET(p[0], &rd),
	      "select, timeout 0, empty pipe: 0 and the bit cleared");
	FD_SET(p[0], &rd);
	t = mono_ns();
	r = select(p[0] + 1, &rd, NULL, NULL, &tv100);
	t = mono_ns() - t;
	printf("# select(100 ms) took %lld ms\n", (long long)(t / MS));
	check(r == 0 && t >= 100 * MS, "select with a 100 ms timeout waits at least that long");
	write(p[1], "x", 1);
	FD_SET(p[0], &rd);
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	tv0 = (struct timeval){ 0, 0 };
	int hi = p[0] > p[1] ? p[0] : p[1];
	check(select(hi + 1, &rd, &wr, NULL, &tv0) == 2 && FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr),
	      "select: the read end readable, the write end writable");
	read(p[0], &c, 1);
	w = fork();
	if (w == 0) {
		nap_ms(50);
		close(p[1]);
		_exit(0);
	}
	close(p[1]);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	check(select(p[0] + 1, &rd, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &rd) && read(p[0], &c, 1) == 0,
	      "select sleeps until the last writer closes: readable, end of file");
	reap(w);
	close(p[0]);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv0 = (struct timeval){ 0, 0 };
	errno = 0;
	check(select(p[0] + 1, &rd, NULL, NULL, &tv0) == -1 && errno == EBADF, "select on a closed descriptor: EBADF");

	pipe(p);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	check(pselect(p[0] + 1, &rd, NULL, NULL, &zero, NULL) == 0, "pselect, timeout 0: 0");
	hits = 0;
	w = poke(getpid(), SIGUSR1, 50);
	FD_SET(p[0], &rd);
	errno = 0;
	r = pselect(p[0] + 1, &rd, NULL, NULL, NULL, &none);
	e = errno;
	reap(w);
	check(r == -1 && e == EINTR && hits == 1 && is_blocked(SIGUSR1),
	      "pselect's mask lets a blocked signal in; the old mask is back afterwards");
	close(p[0]);
	close(p[1]);
	block(SIGUSR1, SIG_UNBLOCK);
	signal(SIGUSR1, SIG_DFL);
}

/* ---- waiting for signals ---- */

static volatile int usr2_blocked_inside, usr1_blocked_inside;

static void on_usr1_mask(int sig)
{
	(void)sig;
	usr1_blocked_inside = is_blocked(SIGUSR1);
	usr2_blocked_inside = is_blocked(SIGUSR2);
	hits++;
}

static char altstack[64 * 1024];
static volatile uintptr_t alt_local;
static volatile int alt_flags, alt_eperm;

static void on_alt(int sig)
{
	volatile char here = 0;
	stack_t cur, other;
	(void)sig;
	alt_local = (uintptr_t)&here;
	alt_flags = sigaltstack(NULL, &cur) == 0 ? cur.ss_flags : -1;
	memset(&other, 0, sizeof(other));
	other.ss_sp = altstack;
	other.ss_size = 8192;
	errno = 0;
	alt_eperm = sigaltstack(&other, NULL) == -1 && errno == EPERM;
	hits++;
}

static int on_altstack(uintptr_t a)
{
	return a >= (uintptr_t)altstack && a < (uintptr_t)altstack + sizeof(altstack);
}

static void waiting(void)
{
	sigset_t set;
	siginfo_t si;
	pid_t me = getpid();

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(me, SIGUSR1);
	memset(&si, 0, sizeof(si));
	check(sigwaitinfo(&set, &si) == SIGUSR1 && si.si_signo == SIGUSR1 && si.si_pid == me &&
	      si.si_code == SI_USER, "sigwaitinfo takes a pending blocked signal: si_signo, si_pid, si_code");
	sigset_t pend;
	sigpending(&pend);
	check(!sigismember(&pend, SIGUSR1), "and it is no longer pending");
	pid_t w = poke(me, SIGUSR2, 50);
	memset(&si, 0, sizeof(si));
	check(sigwaitinfo(&set, &si) == SIGUSR2 && si.si_pid == w,
	      "sigwaitinfo sleeps until one comes: si_pid the sender");
	reap(w);

	struct timespec zero = { 0, 0 }, hundred = { 0, 100 * MS };
	errno = 0;
	check(sigtimedwait(&set, &si, &zero) == -1 && errno == EAGAIN, "sigtimedwait, timeout 0, none pending: EAGAIN");
	int64_t t = mono_ns();
	errno = 0;
	int r = sigtimedwait(&set, &si, &hundred);
	int e = errno;
	t = mono_ns() - t;
	printf("# sigtimedwait(100 ms) took %lld ms\n", (long long)(t / MS));
	check(r == -1 && e == EAGAIN && t >= 100 * MS, "sigtimedwait with a 100 ms timeout: EAGAIN after at least that");
	catch(SIGHUP, on_signal, 0);
	hits = 0;
	w = poke(me, SIGHUP, 50);
	struct timespec five = { 5, 0 };
	errno = 0;
	r = sigtimedwait(&set, &si, &five);
	e = errno;
	reap(w);
	check(r == -1 && e == EINTR && hits == 1, "sigtimedwait interrupted by another signal's handler: EINTR");
	signal(SIGHUP, SIG_DFL);

	/* sigsuspend: the mask while waiting and in the handler, the old one after. */
	catch(SIGUSR1, on_usr1_mask, 0);
	hits = 0;
	w = poke(me, SIGUSR1, 50);
	sigset_t none;
	sigemptyset(&none);
	errno = 0;
	r = sigsuspend(&none);
	e = errno;
	reap(w);
	check(r == -1 && e == EINTR && hits == 1, "sigsuspend returns EINTR after the handler");
	check(usr1_blocked_inside && !usr2_blocked_inside,
	      "the handler runs with sigsuspend's mask (plus its own signal)");
	check(is_blocked(SIGUSR1) && is_blocked(SIGUSR2), "and the old mask is back after it");
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* sigaltstack */
	stack_t ss, cur;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	check(sigaltstack(&ss, NULL) == 0, "sigaltstack sets an alternate stack");
	catch(SIGUSR2, on_alt, SA_ONSTACK);
	hits = 0;
	raise(SIGUSR2);
	check(hits == 1 && on_altstack(alt_local), "an SA_ONSTACK handler runs on it");
	check(alt_flags == SS_ONSTACK, "sigaltstack inside the handler reports SS_ONSTACK");
	check(alt_eperm, "changing it while running on it: EPERM");
	check(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == 0 && cur.ss_sp == altstack &&
	      cur.ss_size == sizeof(altstack), "outside the handler: flags 0, the same stack");
	catch(SIGUSR1, on_alt, 0);
	hits = 0;
	raise(SIGUSR1);
	check(hits == 1 && !on_altstack(alt_local) && alt_flags == 0,
	      "a handler without SA_ONSTACK stays on the normal stack");
	ss.ss_flags = SS_DISABLE;
	check(sigaltstack(&ss, NULL) == 0 && sigaltstack(NULL, &cur) == 0 && cur.ss_flags == SS_DISABLE,
	      "SS_DISABLE turns it off");
	hits = 0;
	raise(SIGUSR2);
	check(hits == 1 && !on_altstack(alt_local), "then SA_ONSTACK handlers run on the normal stack");
	ss.ss_flags = 0;
	ss.ss_size = 512;
	errno = 0;
	check(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "a stack below MINSIGSTKSZ: ENOMEM");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

int main(void)
{
	in_child(sessions, "sessions: the part ran to its end");
	in_child(stops, "stops: the part ran to its end");
	in_child(sleeps, "sleeps: the part ran to its end");
	polling();
	waiting();

	return tap_finish();
}
