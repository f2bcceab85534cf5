/*
 * What the process and signal test programs (jobctl.c, poll_wait.c) share:
 * a monotonic clock, sleeping through signals, a child that pokes us later,
 * reaping, blocking a signal, a process's state from /proc, draining a
 * pipe, a handler that counts signals (on_signal, hits), and running a
 * part of a test in a child of ours (in_child). Each
 * program includes it once, after tap.h.
 */
#ifndef PROC_HELPERS_H
#define PROC_HELPERS_H


static inline int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define MS 1000000LL

/* Sleep ms milliseconds whatever signals come. */
static inline void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A child that sends sig to target after ms milliseconds, then ends. */
static inline pid_t poke(pid_t target, int sig, long ms)
{
	pid_t c = fork();
	if (c == 0) {
		nap_ms(ms);
		kill(target, sig);
		_exit(0);
	}
	return c;
}

static inline void reap(pid_t c)
{
	int status;
	waitpid(c, &status, 0);
}

static inline void block(int sig, int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(how, &set, NULL);
}

static inline int is_blocked(int sig)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, sig);
}

/* The state letter of /proc/PID/stat, or 0. */
static inline char proc_state(pid_t pid)
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
static inline int drain(int fd)
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
static inline void in_child(void (*fn)(void), const char *what)
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


/* A handler that counts the signals it caught. */
static volatile int hits;

static inline void on_signal(int sig)
{
	(void)sig;
	hits++;
}

#endif
