/*
 * ringos benchmarks in the style of lmbench (McVoy and Staelin, USENIX 1996),
 * the ones the Xen paper (SOSP 2003) compares: the /init of
 * build/initramfs/bench.cpio (full) and bench-short.cpio (short trials, for
 * CI). The same program runs natively (pc port) and as a pv domain under
 * ringvisor; tools/bench.sh runs both and compares them (docs/performance.md).
 *
 * Each benchmark first finds N, the iterations that make one trial last at
 * least the mode's trial length (from 1 up, as lmbench does; the last of
 * these runs is the warm-up), then runs TRIALS trials of N iterations, each
 * timed with clock_gettime(CLOCK_MONOTONIC) around the iterations only
 * (per-round set-up and tear-down, such as providing the pages page_fault
 * touches, are outside), and reports the median over the trials of ns per
 * operation. One line per benchmark for machines:
 *
 *   BENCH <name> <median ns/op> <hv entries/op or -> <hypercalls/op or -> <N>
 *
 * An operation is one iteration except for ctx_switch, whose iteration (a
 * round trip) is two operations (switches). Hypervisor entries come from
 * /proc/hypervisor ("key value" lines, at least "entries N" and
 * "hypercalls N": this domain's own counters, pv only), read just outside
 * each timed region; what the reads cost by themselves is measured first
 * and taken off. Without the file (natively) they are "-". Every other
 * counter the file has is reported per operation too, as
 * "BENCH-HV <name> <counter> <per op>" lines.
 *
 * /etc/bench.conf sets the mode: "mode full|short", "trials N", and the
 * trial length, "trial_ms MS" and "trial_ticks T": at least MS ms and at
 * least T steps of the clock (the clock's step is measured first; a coarse
 * clock needs long trials); "only a,b,c" runs just those benchmarks. The
 * run ends with "TEST RESULT: SUCCESS" (the harness's convention) and exit
 * status 0, which powers ringos off; a benchmark that fails prints
 * BENCH-FAIL and the result is FAILURE. Nothing here judges a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE            4096u
#define MAX_TRIALS      31
#define CONF_PATH       "/etc/bench.conf"
#define HV_PATH         "/proc/hypervisor"
#define STAT_PATH       "/bin/bench_exit"       /* a file in the initramfs */
#define OPEN_PATH       "/etc/bench.conf"
#define EXEC_PATH       "/bin/bench_exit"       /* exits at once (bench_exit.c) */
#define MMAP_BYTES      (1024u * 1024u)
#define PF_ROUND_PAGES  2048                    /* 8 MiB of fresh pages a round */
#define MAX_ITERS       (1L << 28)
/* fork_exec's execs in all. Under QEMU's software CPU the first write to a
 * frame that last held code QEMU translated is slow (it throws that code
 * away): about 170 us a page on the machine this was written on. ringos
 * hands out frames next-fit, going round all of memory, so once the execs
 * have gone round once every exec loads into such frames and costs some
 * 4 times as much (docs/performance.md). 90 execs of the 740 KB bench_exit
 * stay within one round of a 96 MiB domain, so every trial measures the
 * same thing natively and under ringvisor; and it comes after every
 * benchmark that allocates, which would otherwise meet those frames. */
#define EXEC_BUDGET     90

/* From /etc/bench.conf: a trial lasts at least trial_ms and at least
 * trial_ticks steps of the clock (a coarse clock needs longer trials). */
static int short_mode;
static int trials = 7;
static long trial_ms = 200, trial_ticks = 50;
static char only[256];          /* "only a,b": run just these (for experiments) */
static uint64_t clock_res, trial_ns;
static char failure[160];       /* why the current benchmark failed */

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ /proc/hypervisor */

/* Counters by name, as /proc/hypervisor lists them ("key value" lines:
 * "entries", "hypercalls", and whatever else the kernel shows, such as
 * "exceptions" or "hc_mmu_update"). */
#define HV_KEYS 48
struct counters {
	int n;
	char key[HV_KEYS][32];
	unsigned long long val[HV_KEYS];
};

/* The slot of key in c, added (at 0) if new; NULL when c is full. */
static unsigned long long *slot(struct counters *c, const char *key)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->key[i], key))
			return &c->val[i];
	if (c->n == HV_KEYS)
		return NULL;
	snprintf(c->key[c->n], sizeof(c->key[0]), "%s", key);
	c->val[c->n] = 0;
	return &c->val[c->n++];
}

static const unsigned long long *find(const struct counters *c, const char *key)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->key[i], key))
			return &c->val[i];
	return NULL;
}

/* The domain's counters; c->n = 0 when there is no file. */
static void hv_read(struct counters *c)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	c->n = 0;
	int fd = open(HV_PATH, O_RDONLY);
	if (fd < 0)
		return;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char key[32];
		unsigned long long v, *p;
		if (sscanf(line, "%31s %llu", key, &v) == 2 && (p = slot(c, key)))
			*p = v;
	}
}

/* sum[k] += after[k] - before[k], for each key in both. */
static void add_delta(struct counters *sum, const struct counters *before, const struct counters *after)
{
	for (int i = 0; i < after->n; i++) {
		const unsigned long long *b = find(before, after->key[i]);
		unsigned long long *s;
		if (b && (s = slot(sum, after->key[i])))
			*s += after->val[i] - *b;
	}
}

/* What one read-before/read-after pair costs by itself (with the two clock
 * reads between them), per counter the least over a few tries: taken off
 * every round. */
static struct counters hv_cost;

static void hv_calibrate(void)
{
	struct counters a, b;
	hv_cost.n = 0;
	for (int i = 0; i < 9; i++) {
		hv_read(&a);
		volatile uint64_t t0 = now_ns(), t1 = now_ns();
		(void)t0, (void)t1;
		hv_read(&b);
		for (int k = 0; k < b.n; k++) {
			const unsigned long long *before = find(&a, b.key[k]);
			if (!before)
				continue;
			unsigned long long d = b.val[k] - *before;
			int known = find(&hv_cost, b.key[k]) != NULL;
			unsigned long long *cost = slot(&hv_cost, b.key[k]);
			if (cost && (!known || d < *cost))
				*cost = d;
		}
	}
}

/* ------------------------------------------------------------ the benchmarks */

static int fd_zero = -1, fd_null = -1;

static int b_null_call(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);           /* glibc cannot cache this */
	return 0;
}

static int open_devices(void)
{
	fd_zero = open("/dev/zero", O_RDONLY);
	fd_null = open("/dev/null", O_WRONLY);
	if (fd_zero < 0 || fd_null < 0) {
		fail("open /dev/zero or /dev/null: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void close_devices(void)
{
	close(fd_zero);
	close(fd_null);
	fd_zero = fd_null = -1;
}

static int b_null_read(long n)
{
	char c;
	for (long i = 0; i < n; i++)
		if (read(fd_zero, &c, 1) != 1) {
			fail("read /dev/zero: %s", strerror(errno));
			return -1;
		}
	return 0;
}

static int b_null_write(long n)
{
	char c = 'x';
	for (long i = 0; i < n; i++)
		if (write(fd_null, &c, 1) != 1) {
			fail("write /dev/null: %s", strerror(errno));
			return -1;
		}
	return 0;
}

static int b_stat(long n)
{
	struct stat st;
	for (long i = 0; i < n; i++)
		if (stat(STAT_PATH, &st)) {
			fail("stat %s: %s", STAT_PATH, strerror(errno));
			return -1;
		}
	return 0;
}

static int b_open_close(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(OPEN_PATH, O_RDONLY);
		if (fd < 0) {
			fail("open %s: %s", OPEN_PATH, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int reap(pid_t pid, const char *what)
{
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		fail("%s: waitpid: %s", what, strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail("%s: child ended with status 0x%x", what, status);
		return -1;
	}
	return 0;
}

static int b_fork_exit(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			fail("fork: %s", strerror(errno));
			return -1;
		}
		if (reap(pid, "fork_exit"))
			return -1;
	}
	return 0;
}

static int b_fork_exec(long n)
{
	static char *const argv[] = { EXEC_PATH, NULL };
	static char *const envp[] = { NULL };
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execve(EXEC_PATH, argv, envp);
			_exit(127);
		}
		if (pid < 0) {
			fail("fork: %s", strerror(errno));
			return -1;
		}
		if (reap(pid, "fork_exec " EXEC_PATH))
			return -1;
	}
	return 0;
}

/* Two processes pass one byte back and forth over two pipes: each round
 * trip is two switches (and two pipe writes and two reads). */
static int ping[2] = { -1, -1 }, pong[2] = { -1, -1 };
static pid_t ponger = -1;

static int ctx_init(void)
{
	if (pipe(ping) || pipe(pong)) {
		fail("pipe: %s", strerror(errno));
		return -1;
	}
	ponger = fork();
	if (ponger < 0) {
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (ponger == 0) {
		char c;
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1)
			if (write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	return 0;
}

static int b_ctx_switch(long n)
{
	char c = 'p';
	for (long i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) {
			fail("pipe ping-pong: %s", strerror(errno));
			return -1;
		}
	return 0;
}

static void ctx_fini(void)
{
	close(ping[1]);         /* the other side sees end of file and exits */
	close(pong[0]);
	if (ponger > 0)
		waitpid(ponger, NULL, 0);
	ponger = -1;
}

/* Page faults: first touches of fresh anonymous pages, one write each. The
 * pages come from mmap if it maps on demand; a kernel that maps at mmap time
 * (ringos today) takes no fault there, so then they come from the heap, grown
 * with brk, which is mapped on first touch. Which one is said in the output. */
static int pf_use_brk;
static char *pf_base;
static void *pf_old_brk;

static int pf_init(void)
{
	unsigned char vec[4];
	size_t len = PF_ROUND_PAGES * PAGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return -1;
	}
	pf_use_brk = mincore(p, 4 * PAGE, vec) == 0 && (vec[0] & 1) && (vec[3] & 1);
	munmap(p, len);
	pf_base = p;            /* mmap rounds reuse this range (mm_init says why) */
	return 0;
}

static int pf_pre(long n)
{
	size_t len = (size_t)n * PAGE;
	if (!pf_use_brk) {
		if (mmap(pf_base, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED) {
			fail("mmap %zu bytes: %s", len, strerror(errno));
			return -1;
		}
		return 0;
	}
	pf_old_brk = sbrk(0);
	uintptr_t base = ((uintptr_t)pf_old_brk + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	if (pf_old_brk == (void *)-1 || brk((void *)(base + len))) {
		fail("brk: %s", strerror(errno));
		return -1;
	}
	pf_base = (char *)base;
	return 0;
}

static int b_page_fault(long n)
{
	for (long i = 0; i < n; i++)
		((volatile char *)pf_base)[(size_t)i * PAGE] = 1;
	return 0;
}

static int pf_post(long n)
{
	if (!pf_use_brk)
		return munmap(pf_base, (size_t)n * PAGE);
	return brk(pf_old_brk);         /* the pages go back */
}

/* Protection faults: a write to a read-only page, caught as SIGSEGV. The
 * handler returns (through sigreturn) and the write faults again, as in
 * lmbench's lat_sig prot; at the Nth fault the handler mprotects the page
 * writable, so the write completes and the trial ends. */
static char *prot_page;
static volatile long prot_caught, prot_target;

static void prot_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if ((char *)si->si_addr != prot_page)
		_exit(3);               /* not ours: do not loop on it */
	if (++prot_caught >= prot_target)
		mprotect(prot_page, PAGE, PROT_READ | PROT_WRITE);
}

static int prot_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = prot_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	prot_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (prot_page == MAP_FAILED || sigaction(SIGSEGV, &sa, NULL)) {
		fail("mmap or sigaction: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int prot_pre(long n)
{
	prot_caught = 0;
	prot_target = n;
	if (mprotect(prot_page, PAGE, PROT_READ)) {
		fail("mprotect: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int b_prot_fault(long n)
{
	*(volatile char *)prot_page = 1;        /* n faults, then it goes through */
	if (prot_caught != n) {
		fail("%ld faults caught, expected %ld", (long)prot_caught, n);
		return -1;
	}
	return 0;
}

static void prot_fini(void)
{
	signal(SIGSEGV, SIG_DFL);
	munmap(prot_page, PAGE);
}

/* mmap of 1 MiB, a write to each of its 256 pages, munmap. Always at the
 * same address (MAP_FIXED on the range the first mmap gave): ringos hands
 * out mmap addresses upwards and does not reuse them yet, so a plain mmap
 * repeated thousands of times would run out of address space. */
static char *mm_addr;

static int mm_init(void)
{
	mm_addr = mmap(NULL, MMAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mm_addr == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return -1;
	}
	munmap(mm_addr, MMAP_BYTES);
	return 0;
}

static int b_mmap(long n)
{
	for (long i = 0; i < n; i++) {
		char *p = mmap(mm_addr, MMAP_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED) {
			fail("mmap: %s", strerror(errno));
			return -1;
		}
		for (size_t off = 0; off < MMAP_BYTES; off += PAGE)
			((volatile char *)p)[off] = 1;
		if (munmap(p, MMAP_BYTES)) {
			fail("munmap: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The control: 1000 steps of xorshift32 per operation, a serial chain the
 * compiler can neither vectorize nor fold; no system calls. */
static volatile uint32_t sink;

static int b_compute(long n)
{
	uint32_t x = 2463534242u + (uint32_t)n;
	for (long i = 0; i < n; i++)
		for (int j = 0; j < 1000; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
		}
	sink = x;
	return 0;
}

struct bench {
	const char *name;
	const char *what;               /* what one operation is */
	int ops_per_iter;               /* operations per iteration */
	long round_max;                 /* most iterations between pre and post (0: any) */
	long budget;                    /* most iterations in all, calibration too (0: any) */
	int (*init)(void);              /* once, before the trials */
	int (*pre)(long n);             /* before each round, untimed */
	int (*run)(long n);             /* the timed part: n iterations */
	int (*post)(long n);            /* after each round, untimed */
	void (*fini)(void);             /* once, after the trials */
};

/* In this order: fork_exec, the only one that runs new code, comes last
 * but the control (see EXEC_BUDGET). */
static const struct bench benches[] = {
	{ "null_call", "getppid() through syscall(SYS_getppid)",
	  1, 0, 0, NULL, NULL, b_null_call, NULL, NULL },
	{ "null_read", "read() of 1 byte from /dev/zero",
	  1, 0, 0, open_devices, NULL, b_null_read, NULL, close_devices },
	{ "null_write", "write() of 1 byte to /dev/null",
	  1, 0, 0, open_devices, NULL, b_null_write, NULL, close_devices },
	{ "stat", "stat() of " STAT_PATH,
	  1, 0, 0, NULL, NULL, b_stat, NULL, NULL },
	{ "open_close", "open() and close() of " OPEN_PATH,
	  1, 0, 0, NULL, NULL, b_open_close, NULL, NULL },
	{ "page_fault", "first write to a fresh anonymous page (demand-zero fault)",
	  1, PF_ROUND_PAGES, 0, pf_init, pf_pre, b_page_fault, pf_post, NULL },
	{ "prot_fault", "write to a PROT_READ page, SIGSEGV handler, sigreturn (write retried)",
	  1, 0, 0, prot_init, prot_pre, b_prot_fault, NULL, prot_fini },
	{ "mmap", "mmap() 1 MiB anonymous, write each of its 256 pages, munmap()",
	  1, 0, 0, mm_init, NULL, b_mmap, NULL, NULL },
	{ "ctx_switch", "one switch between 2 processes: half a 1-byte pipe round trip",
	  2, 0, 0, ctx_init, NULL, b_ctx_switch, NULL, ctx_fini },
	{ "fork_exit", "fork(), the child _exit(0)s, the parent waitpid()s",
	  1, 0, 0, NULL, NULL, b_fork_exit, NULL, NULL },
	{ "fork_exec", "fork(), the child execve()s " EXEC_PATH " (static, exits at once), waitpid()",
	  1, 0, EXEC_BUDGET, NULL, NULL, b_fork_exec, NULL, NULL },
	{ "compute", "1000 steps of xorshift32 (no system calls: the control)",
	  1, 0, 0, NULL, NULL, b_compute, NULL, NULL },
};
#define NBENCH ((int)(sizeof(benches) / sizeof(benches[0])))

/* What one trial measured. */
struct acc {
	uint64_t ns;                    /* timed, summed over its rounds */
	long rounds;
	int counted;                    /* the counters were there around every round */
	struct counters hv;             /* their changes, summed over the rounds */
};

/* One trial: n iterations, in rounds of at most round_max, each round's
 * run() alone timed, the hypervisor counters read just outside the clock
 * reads. 0 when it went through. */
static int trial(const struct bench *b, long n, struct acc *a)
{
	a->ns = 0;
	a->rounds = 0;
	a->counted = 1;
	a->hv.n = 0;
	for (long done = 0; done < n; a->rounds++) {
		long k = b->round_max && n - done > b->round_max ? b->round_max : n - done;
		struct counters h0, h1;
		if (b->pre && b->pre(k))
			return -1;
		hv_read(&h0);
		uint64_t t0 = now_ns();
		int rc = b->run(k);
		uint64_t t1 = now_ns();
		hv_read(&h1);
		if (rc || (b->post && b->post(k))) {
			if (!failure[0])
				fail("tear-down: %s", strerror(errno));
			return -1;
		}
		a->ns += t1 - t0;
		a->counted &= h0.n > 0 && h1.n > 0;
		add_delta(&a->hv, &h0, &h1);
		done += k;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Counter key per operation over the timed trials, the reads' own cost
 * taken off; negative when there is no such counter. */
static double per_op(const struct counters *sum, const char *key, long rounds, double ops)
{
	const unsigned long long *d = find(sum, key), *cost = find(&hv_cost, key);
	if (!d)
		return -1;
	double v = ((double)*d - (cost ? (double)*cost * (double)rounds : 0)) / ops;
	return v < 0 ? 0 : v;   /* the reads' cost varies a little: never below zero */
}

static const char *fmt_per_op(char *buf, size_t size, double v)
{
	if (v < 0)
		return "-";
	snprintf(buf, size, "%.3f", v);
	return buf;
}

/* How many iterations make a trial of at least trial_ns: from 1 up, as
 * lmbench does; the last of these runs is the warm-up. Within the
 * benchmark's budget, if it has one. */
static long calibrate(const struct bench *b)
{
	long n = 1, used = 0;
	for (;;) {
		static struct acc a;
		uint64_t start = now_ns();
		if (trial(b, n, &a))
			return -1;
		used += n;
		/* Untimed set-up counts here: a trial must not take forever
		 * because what it times costs next to nothing. */
		if (a.ns >= trial_ns || n >= MAX_ITERS || now_ns() - start >= 20 * trial_ns)
			return n;
		long next, cap = b->budget ? (b->budget - used) / trials : MAX_ITERS;
		if (a.ns < 8 * clock_res)       /* too short to scale from */
			next = n * 8;
		else
			next = (long)((double)n * 1.05 * (double)trial_ns / (double)a.ns) + 1;
		if (next > n * 8)
			next = n * 8;
		if (next >= cap)
			return cap > 1 ? cap : 1;
		n = next;
	}
}

/* The counters other than the totals, per operation: for people ("#"
 * lines), then for machines (one BENCH-HV line each). */
static int hv_detail_key(const char *k)
{
	return strcmp(k, "entries") && strcmp(k, "hypercalls") && !strstr(k, "_ns");
}

static void print_hv_detail(const struct bench *b, const struct counters *sum, long rounds, double ops)
{
	char line[112];
	int len = snprintf(line, sizeof(line), "#   per op in the hypervisor:"), any = 0;
	for (int i = 0; i < sum->n; i++) {
		double v = per_op(sum, sum->key[i], rounds, ops);
		if (!hv_detail_key(sum->key[i]) || v < 0.0005)
			continue;
		char item[64];
		int m = snprintf(item, sizeof(item), " %s %.3f", sum->key[i], v);
		if (len + m >= (int)sizeof(line) - 1) {
			printf("%s\n", line);
			len = snprintf(line, sizeof(line), "#    ");
		}
		len += snprintf(line + len, sizeof(line) - (size_t)len, "%s", item);
		any = 1;
	}
	if (any)
		printf("%s\n", line);
	for (int i = 0; i < sum->n; i++) {
		double v = per_op(sum, sum->key[i], rounds, ops);
		if (hv_detail_key(sum->key[i]) && v >= 0.0005)
			printf("BENCH-HV %s %s %.3f\n", b->name, sum->key[i], v);
	}
}

/* One benchmark: returns 0 when it produced its number. */
static int run_bench(const struct bench *b)
{
	double per[MAX_TRIALS];
	static struct acc a;
	static struct counters sum;
	long rounds = 0, n;
	int counted = hv_cost.n > 0;

	failure[0] = '\0';
	sum.n = 0;
	if (b->init && b->init())
		goto failed;
	if ((n = calibrate(b)) < 0)
		goto failed_fini;
	for (int t = 0; t < trials; t++) {
		if (trial(b, n, &a))
			goto failed_fini;
		per[t] = (double)a.ns / ((double)n * b->ops_per_iter);
		counted &= a.counted;
		for (int i = 0; i < a.hv.n; i++) {
			unsigned long long *s = slot(&sum, a.hv.key[i]);
			if (s)
				*s += a.hv.val[i];
		}
		rounds += a.rounds;
	}
	if (b->fini)
		b->fini();

	printf("# %s: %s\n#   trials in order (ns/op):", b->name, b->what);
	for (int t = 0; t < trials; t++)
		printf(" %.0f", per[t]);
	printf("\n");
	qsort(per, (size_t)trials, sizeof(per[0]), cmp_double);
	double med = per[trials / 2], ops = (double)n * b->ops_per_iter * trials;
	char eb[32], hb[32];
	const char *e = counted ? fmt_per_op(eb, sizeof(eb), per_op(&sum, "entries", rounds, ops)) : "-";
	const char *h = counted ? fmt_per_op(hb, sizeof(hb), per_op(&sum, "hypercalls", rounds, ops)) : "-";
	if (b->run == b_page_fault)
		printf("#   pages: %s\n", pf_use_brk ? "the heap, grown by brk (mmap maps every page at once here)" : "mmap");
	printf("#   %.1f ns/op (min %.1f, max %.1f; %d trials of %ld); hv entries/op %s, hypercalls/op %s\n",
	       med, per[0], per[trials - 1], trials, n, e, h);
	if (counted)
		print_hv_detail(b, &sum, rounds, ops);
	printf("BENCH %s %.1f %s %s %ld\n", b->name, med, e, h, n);
	fflush(stdout);
	return 0;

failed_fini:
	if (b->fini)
		b->fini();
failed:
	printf("BENCH-FAIL %s %s\n", b->name, failure[0] ? failure : "failed");
	fflush(stdout);
	return -1;
}

/* The clock's step: the least change seen between two readings. */
static uint64_t measure_clock_res(void)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t a = now_ns(), b;
		long spins = 0;
		while ((b = now_ns()) == a)
			if (++spins > 50000000)
				return 0;       /* the clock does not move */
		if (b - a < best)
			best = b - a;
	}
	return best;
}

static void read_conf(void)
{
	FILE *f = fopen(CONF_PATH, "r");
	char line[128], key[32], val[32];
	if (!f) {
		printf("# no %s: full mode\n", CONF_PATH);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%31s %31s", key, val) != 2)
			continue;
		if (!strcmp(key, "mode"))
			short_mode = !strcmp(val, "short");
		else if (!strcmp(key, "trials"))
			trials = atoi(val);
		else if (!strcmp(key, "trial_ms"))
			trial_ms = atol(val);
		else if (!strcmp(key, "trial_ticks"))
			trial_ticks = atol(val);
		else if (!strcmp(key, "only"))
			snprintf(only, sizeof(only), ",%s,", val);
	}
	fclose(f);
	if (trials < 1 || trials > MAX_TRIALS)
		trials = 7;
	if (trial_ms < 1)
		trial_ms = 1;
	if (trial_ticks < 1)
		trial_ticks = 1;
}

int main(void)
{
	int failed = 0;
	uint64_t start = now_ns();

	read_conf();
	clock_res = measure_clock_res();
	if (!clock_res) {
		printf("BENCH-FAIL clock CLOCK_MONOTONIC does not move\nTEST RESULT: FAILURE (no clock)\n");
		return 1;
	}
	trial_ns = (uint64_t)trial_ms * 1000000u;
	if (trial_ns < (uint64_t)trial_ticks * clock_res)
		trial_ns = (uint64_t)trial_ticks * clock_res;
	hv_calibrate();
	printf("ringos bench (lmbench style), %s mode: per benchmark, N iterations that last %.0f ms,\n"
	       "# then %d timed trials of N; the median ns per operation\n",
	       short_mode ? "short" : "full", (double)trial_ns / 1e6, trials);
	printf("BENCH-MODE %s trials=%d trial_ms=%.0f\n", short_mode ? "short" : "full", trials,
	       (double)trial_ns / 1e6);
	printf("BENCH-CLOCK %llu ns (the least step of CLOCK_MONOTONIC seen)\n", (unsigned long long)clock_res);
	int chosen[NBENCH], nchosen = 0;
	printf("BENCH-LIST");
	for (int i = 0; i < NBENCH; i++) {
		char key[40];
		snprintf(key, sizeof(key), ",%s,", benches[i].name);
		if ((chosen[i] = !only[0] || strstr(only, key) != NULL)) {
			printf(" %s", benches[i].name);
			nchosen++;
		}
	}
	printf("\n");
	const unsigned long long *ce = find(&hv_cost, "entries"), *ch = find(&hv_cost, "hypercalls");
	if (hv_cost.n)
		printf("# %s: a read before and after costs %llu entries, %llu hypercalls (taken off)\n",
		       HV_PATH, ce ? *ce : 0, ch ? *ch : 0);
	else
		printf("# no %s (not pv, or not there yet): hypervisor entries not counted\n", HV_PATH);
	printf("# BENCH <name> <median ns/op> <hv entries/op> <hypercalls/op> <iterations per trial>\n");
	fflush(stdout);

	for (int i = 0; i < NBENCH; i++)
		if (chosen[i])
			failed += run_bench(&benches[i]) != 0;

	printf("# all benchmarks took %.1f s\n", (double)(now_ns() - start) / 1e9);
	printf("TEST RESULT: %s (%d of %d benchmarks failed)\n", failed ? "FAILURE" : "SUCCESS", failed, nchosen);
	fflush(stdout);
	return failed != 0;
}
