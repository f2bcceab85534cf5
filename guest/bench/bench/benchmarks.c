/*
 * The benchmarks bench.c runs (bench.h): lmbench's null call, null I/O,
 * stat, open/close, fork, fork+exec, context switch, page and protection
 * faults and mmap, and a compute-only control. Each has a timed run of n
 * iterations and, where it needs them, untimed set-up and tear-down.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

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
int pf_use_brk;
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

int b_page_fault(long n)
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

const struct bench benches[NBENCH] = {
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
