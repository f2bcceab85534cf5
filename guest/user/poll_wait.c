/*
 * Waiting on ringos: poll, ppoll, select and pselect on pipes, O_NONBLOCK
 * and FIONBIO; sigwaitinfo and sigtimedwait, sigsuspend, sigaltstack. An
 * ordinary static program; Linux is the reference for every check. Times
 * are only ever lower bounds, except where a check says otherwise (with a
 * wide margin); measured values go to comments, never into the TAP lines.
 * (jobctl.c has the job-control half.)
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
	polling();
	waiting();
	return tap_finish();
}
