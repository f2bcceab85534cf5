/*
 * ringos I/O benchmark (issue 16, "I/O three ways"; docs/io.md, "Measured:
 * the same I/O on each design"): the /init of build/initramfs/bench-io.cpio.
 * tools/bench_io.sh boots it on each design (ringos's ramfs natively and in
 * a pv domain, the PC's IDE disk natively, the emulated IDE disk of a hw
 * and of a bt domain, ...) and tabulates what it prints.
 *
 * The same workload in one directory, the kernel command line's
 * bench_io_dir=DIR (made if missing; on ext2 the disk is mounted by the
 * kernel's mount=/dev/hda:/data), in bench_io_mode=full or short:
 *
 *   seq_write  a new file (8 MiB; 512 KiB short) written in 64 KiB write()s, then
 *              fsync(): one operation is one 64 KiB write (the fsync's
 *              time is shared out over them)
 *   seq_read   the file read back in 64 KiB read()s
 *   rand_read  4 KiB pread()s at 4 KiB-aligned offsets of the file,
 *              chosen by xorshift32 from a fixed seed
 *   create     NFILES small files: open(O_CREAT|O_EXCL), write of 256
 *              bytes, close
 *   stat       stat() of each of them
 *   unlink     unlink() of each of them
 *   list       a recursive listing of a tree made first (untimed): F
 *              directories, F in each of them, F files in each of those;
 *              one operation is one entry met (readdir and lstat)
 *
 * Each phase is timed with clock_gettime(CLOCK_MONOTONIC) around its
 * system calls only; a phase that took less than the mode's minimum
 * (min_ms, and at least min_ticks of the least step the clock is seen
 * to make: a coarse clock needs long phases) runs again, up to max_rounds
 * rounds, and the times are
 * summed (create, stat and unlink run again together, as one cycle; a
 * write round writes a new file, the last round's file is removed first,
 * untimed). There is no cache to drop: ramfs is memory, and ringos's ext2
 * has no block cache (every call reads and writes the blocks it needs,
 * docs/ext2.md; files move through a 4 KiB kernel buffer), so a round that
 * repeats is not served from memory. (It is not quite the first round
 * again: a repeated create finds the directory's blocks already there.)
 *
 * What was read is checked (untimed): every seq_read and rand_read round
 * reads into a buffer of its own size, compared afterwards with the
 * pattern written; stat checks the size; the listing counts the entries.
 *
 * Hypervisor entries come from /proc/hypervisor (pv: domain_stats; hw:
 * #VMEXITs; bt: hypervisor entries; all as "entries N"), read just outside
 * each timed region, as guest/bench/bench.c does, less what a pair of
 * reads costs by itself (measured first). Natively there is no such
 * file: "-". One line per phase for machines, "#" lines for people:
 *
 *   BENCHIO <phase> <ns/op> <hv entries/op or -> <ops timed> <rounds>
 *   BENCHIO-HV <phase> <counter> <per op>    (every other counter that moved)
 *
 * The run ends with "TEST RESULT: SUCCESS" and exit status 0, which powers
 * ringos off (and unmounts the disk); a phase that fails prints
 * BENCHIO-FAIL and the result is FAILURE. Nothing here judges a time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hvcount.h"

#define BLOCK           (64u * 1024u)   /* seq_write and seq_read's unit */
#define RBLOCK          4096u           /* rand_read's unit */
#define SMALL           256u            /* bytes in each small file */
#define SEED            0x2545f491u     /* rand_read's first xorshift32 state */

/* The mode's sizes. */
struct mode {
	const char *name;
	unsigned file_kb, rand_reads, nfiles, fanout;
	long min_ms, min_ticks;
	int max_rounds;
};
static const struct mode modes[] = {
	{ "full", 8192, 1000, 1000, 8, 1000, 50, 20 },
	/* short: enough for every phase to give a number, under a minute
	 * for a bt domain on a busy machine */
	{ "short", 512, 32, 30, 2, 30, 3, 3 },
};
static const struct mode *m = &modes[0];
static const char *dir = "/tmp/bench-io";
static uint64_t min_ns, clock_res;
static char failure[200];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
}


/* One phase's sums over its rounds. */
struct phase {
	const char *name, *what;
	uint64_t ns;
	long ops;
	int rounds;
	int counted;                    /* counters there around every round */
	struct counters hv;             /* their changes, summed */
	struct counters h0;             /* at the current round's start */
};

static void phase_start(struct phase *p)
{
	hv_read(&p->h0);
}

/* The round's end: its time t1 - t0 and ops operations added. */
static void phase_end(struct phase *p, uint64_t t0, uint64_t t1, long ops)
{
	struct counters h1;
	hv_read(&h1);
	if (!p->rounds)
		p->counted = 1;
	p->ns += t1 - t0;
	p->ops += ops;
	p->rounds++;
	p->counted &= p->h0.n > 0 && h1.n > 0;
	for (int i = 0; i < h1.n; i++) {
		const unsigned long long *b = find(&p->h0, h1.key[i]);
		unsigned long long *s;
		if (b && (s = slot(&p->hv, h1.key[i])))
			*s += h1.val[i] - *b;
	}
}

/* Has the phase run long enough (or often enough)? */
static int phase_done(const struct phase *p)
{
	return p->rounds >= m->max_rounds || (p->rounds > 0 && p->ns >= min_ns);
}

static double per_op(const struct phase *p, const char *key)
{
	const unsigned long long *d = find(&p->hv, key), *cost = find(&hv_cost, key);
	if (!d || !p->ops)
		return -1;
	double v = ((double)*d - (cost ? (double)*cost * p->rounds : 0)) / (double)p->ops;
	return v < 0 ? 0 : v;
}

static int report(const struct phase *p)
{
	if (failure[0] || !p->ops) {
		printf("BENCHIO-FAIL %s %s\n", p->name, failure[0] ? failure : "no operation timed");
		fflush(stdout);
		failure[0] = '\0';
		return -1;
	}
	double ns = (double)p->ns / (double)p->ops;
	char e[32] = "-";
	if (p->counted && per_op(p, "entries") >= 0)
		snprintf(e, sizeof(e), "%.3f", per_op(p, "entries"));
	printf("# %s: %s\n#   %ld operations in %d round(s), %.3f ms timed: %.1f ns/op; hv entries/op %s\n",
	       p->name, p->what, p->ops, p->rounds, (double)p->ns / 1e6, ns, e);
	if (p->counted)
		for (int i = 0; i < p->hv.n; i++) {
			const char *k = p->hv.key[i];
			double v = per_op(p, k);
			if (strcmp(k, "entries") && !strstr(k, "_ns") && v >= 0.0005)
				printf("BENCHIO-HV %s %s %.3f\n", p->name, k, v);
		}
	printf("BENCHIO %s %.1f %s %ld %d\n", p->name, ns, e, p->ops, p->rounds);
	fflush(stdout);
	return 0;
}

/* ------------------------------------------------------------ the phases */

static char *big;               /* the file's contents, the pattern */
static char *rbuf;              /* what seq_read reads back */
static char *rrbuf;             /* what one round of rand_read reads */
static size_t file_size;

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static uint32_t pattern(size_t word)
{
	return (uint32_t)word * 2654435761u ^ 0x5a5a1234u;
}

static int do_seq_write(struct phase *p)
{
	char path[256];
	path_of(path, sizeof(path), "big");
	do {
		if (unlink(path) && errno != ENOENT) {
			fail("unlink %s: %s", path, strerror(errno));
			return -1;
		}
		phase_start(p);
		uint64_t t0 = now_ns();
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			fail("open %s: %s", path, strerror(errno));
			return -1;
		}
		for (size_t off = 0; off < file_size; off += BLOCK)
			if (write(fd, big + off, BLOCK) != (ssize_t)BLOCK) {
				fail("write %s at %zu: %s", path, off, strerror(errno));
				close(fd);
				return -1;
			}
		if (fsync(fd) || close(fd)) {
			fail("fsync/close %s: %s", path, strerror(errno));
			return -1;
		}
		uint64_t t1 = now_ns();
		phase_end(p, t0, t1, (long)(file_size / BLOCK));
	} while (!phase_done(p));
	struct stat st;
	if (stat(path, &st) || (size_t)st.st_size != file_size) {
		fail("%s: not %zu bytes after the writes", path, file_size);
		return -1;
	}
	return 0;
}

static int do_seq_read(struct phase *p)
{
	char path[256];
	path_of(path, sizeof(path), "big");
	do {
		memset(rbuf, 0, file_size);     /* untimed: a stale buffer proves nothing */
		phase_start(p);
		uint64_t t0 = now_ns();
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			fail("open %s: %s", path, strerror(errno));
			return -1;
		}
		for (size_t off = 0; off < file_size; off += BLOCK)
			if (read(fd, rbuf + off, BLOCK) != (ssize_t)BLOCK) {
				fail("read %s at %zu: %s", path, off, strerror(errno));
				close(fd);
				return -1;
			}
		close(fd);
		uint64_t t1 = now_ns();
		phase_end(p, t0, t1, (long)(file_size / BLOCK));
		if (memcmp(rbuf, big, file_size)) {
			fail("%s: what was read is not what was written", path);
			return -1;
		}
	} while (!phase_done(p));
	return 0;
}

static int do_rand_read(struct phase *p)
{
	char path[256];
	path_of(path, sizeof(path), "big");
	uint32_t x = SEED;
	size_t blocks = file_size / RBLOCK;
	static size_t offs[4096];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fail("open %s: %s", path, strerror(errno));
		return -1;
	}
	do {
		for (unsigned i = 0; i < m->rand_reads; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			offs[i] = (size_t)(x % blocks) * RBLOCK;
		}
		memset(rrbuf, 0, (size_t)m->rand_reads * RBLOCK);
		phase_start(p);
		uint64_t t0 = now_ns();
		for (unsigned i = 0; i < m->rand_reads; i++)
			if (pread(fd, rrbuf + (size_t)i * RBLOCK, RBLOCK, (off_t)offs[i]) != (ssize_t)RBLOCK) {
				fail("pread %s at %zu: %s", path, offs[i], strerror(errno));
				close(fd);
				return -1;
			}
		uint64_t t1 = now_ns();
		phase_end(p, t0, t1, m->rand_reads);
		for (unsigned i = 0; i < m->rand_reads; i++)
			if (memcmp(rrbuf + (size_t)i * RBLOCK, big + offs[i], RBLOCK)) {
				fail("%s: the 4 KiB at %zu are not what was written", path, offs[i]);
				close(fd);
				return -1;
			}
	} while (!phase_done(p));
	close(fd);
	return 0;
}

static void small_name(char *buf, size_t size, unsigned i)
{
	snprintf(buf, size, "%s/small/f%04u", dir, i);
}

/* create, stat, unlink: cycles until each has run long enough. */
static int do_small(struct phase *pc, struct phase *ps, struct phase *pu)
{
	char path[256], data[SMALL];
	memset(data, 's', sizeof(data));
	path_of(path, sizeof(path), "small");
	if (mkdir(path, 0755) && errno != EEXIST) {
		fail("mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	do {
		phase_start(pc);
		uint64_t t0 = now_ns();
		for (unsigned i = 0; i < m->nfiles; i++) {
			small_name(path, sizeof(path), i);
			int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd < 0 || write(fd, data, SMALL) != (ssize_t)SMALL) {
				fail("create %s: %s", path, strerror(errno));
				return -1;
			}
			if (close(fd)) {
				fail("close %s: %s", path, strerror(errno));
				return -1;
			}
		}
		uint64_t t1 = now_ns();
		phase_end(pc, t0, t1, m->nfiles);

		struct stat st;
		int bad = -1;
		phase_start(ps);
		t0 = now_ns();
		for (unsigned i = 0; i < m->nfiles; i++) {
			small_name(path, sizeof(path), i);
			if (stat(path, &st)) {
				fail("stat %s: %s", path, strerror(errno));
				return -1;
			}
			if (st.st_size != SMALL && bad < 0)
				bad = (int)i;
		}
		t1 = now_ns();
		phase_end(ps, t0, t1, m->nfiles);
		if (bad >= 0) {
			fail("file %d: stat gives not %u bytes", bad, SMALL);
			return -1;
		}

		phase_start(pu);
		t0 = now_ns();
		for (unsigned i = 0; i < m->nfiles; i++) {
			small_name(path, sizeof(path), i);
			if (unlink(path)) {
				fail("unlink %s: %s", path, strerror(errno));
				return -1;
			}
		}
		t1 = now_ns();
		phase_end(pu, t0, t1, m->nfiles);
	} while (!phase_done(pc) || !phase_done(ps) || !phase_done(pu));
	return 0;
}

/* The tree: dir/tree/dI/dJ/fK, I, J, K < fanout; its entries. */
static long make_tree(void)
{
	char path[256];
	long entries = 0;
	unsigned f = m->fanout;
	path_of(path, sizeof(path), "tree");
	if (mkdir(path, 0755)) {
		fail("mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < f; i++) {
		snprintf(path, sizeof(path), "%s/tree/d%u", dir, i);
		if (mkdir(path, 0755)) {
			fail("mkdir %s: %s", path, strerror(errno));
			return -1;
		}
		entries++;
		for (unsigned j = 0; j < f; j++) {
			snprintf(path, sizeof(path), "%s/tree/d%u/d%u", dir, i, j);
			if (mkdir(path, 0755)) {
				fail("mkdir %s: %s", path, strerror(errno));
				return -1;
			}
			entries++;
			for (unsigned k = 0; k < f; k++) {
				snprintf(path, sizeof(path), "%s/tree/d%u/d%u/f%u", dir, i, j, k);
				int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
				if (fd < 0 || write(fd, path, 16) != 16 || close(fd)) {
					fail("create %s: %s", path, strerror(errno));
					return -1;
				}
				entries++;
			}
		}
	}
	return entries;
}

/* Every entry below path (. and .. not counted), each lstat'ed. */
static long walk(char *path, size_t len, size_t size)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long n = 0;
	if (!d) {
		fail("opendir %s: %s", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		size_t l = len + 1 + strlen(e->d_name);
		if (l >= size) {
			fail("path too long under %s", path);
			closedir(d);
			return -1;
		}
		path[len] = '/';
		strcpy(path + len + 1, e->d_name);
		if (lstat(path, &st)) {
			fail("lstat %s: %s", path, strerror(errno));
			closedir(d);
			return -1;
		}
		n++;
		if (S_ISDIR(st.st_mode)) {
			long k = walk(path, l, size);
			if (k < 0) {
				closedir(d);
				return -1;
			}
			n += k;
		}
		path[len] = '\0';
	}
	closedir(d);
	return n;
}

static int do_list(struct phase *p)
{
	long want = make_tree();
	if (want < 0)
		return -1;
	do {
		char path[512];
		path_of(path, sizeof(path), "tree");
		phase_start(p);
		uint64_t t0 = now_ns();
		long got = walk(path, strlen(path), sizeof(path));
		uint64_t t1 = now_ns();
		if (got < 0)
			return -1;
		if (got != want) {
			fail("the listing met %ld entries, the tree has %ld", got, want);
			return -1;
		}
		phase_end(p, t0, t1, got);
	} while (!phase_done(p));
	return 0;
}

/* ------------------------------------------------------------ start */


/* What is mounted at the longest prefix of dir (from /proc/mounts). */
static void print_fs(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[256], dev[64], mnt[128], type[32], best[256] = "?";
	size_t best_len = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %127s %31s", dev, mnt, type) != 3)
			continue;
		size_t l = strlen(mnt);
		if (!strncmp(dir, mnt, l) && (dir[l] == '/' || dir[l] == '\0' || l == 1) && l >= best_len) {
			best_len = l;
			snprintf(best, sizeof(best), "%s %s %s", dev, mnt, type);
		}
	}
	fclose(f);
	printf("BENCHIO-FS %s %s\n", dir, best);
}

int main(void)
{
	const char *e;
	if ((e = getenv("bench_io_dir")) && *e)
		dir = e;
	if ((e = getenv("bench_io_mode")) && !strcmp(e, "short"))
		m = &modes[1];
	uint64_t start = now_ns();
	clock_res = measure_clock_res();
	if (!clock_res) {
		printf("BENCHIO-FAIL clock CLOCK_MONOTONIC does not move\nTEST RESULT: FAILURE (no clock)\n");
		return 1;
	}
	min_ns = (uint64_t)m->min_ms * 1000000u;
	if (min_ns < (uint64_t)m->min_ticks * clock_res)
		min_ns = (uint64_t)m->min_ticks * clock_res;
	file_size = (size_t)m->file_kb << 10;
	if (m->rand_reads > 4096) {
		printf("TEST RESULT: FAILURE (too many random reads)\n");
		return 1;
	}
	/* mmap maps at once on ringos; the writes below touch every page anyway. */
	big = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rbuf = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rrbuf = mmap(NULL, (size_t)m->rand_reads * RBLOCK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED || rbuf == MAP_FAILED || rrbuf == MAP_FAILED) {
		printf("TEST RESULT: FAILURE (mmap: %s)\n", strerror(errno));
		return 1;
	}
	for (size_t w = 0; w < file_size / 4; w++)
		((uint32_t *)big)[w] = pattern(w);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		printf("BENCHIO-FAIL mkdir %s: %s\nTEST RESULT: FAILURE (no directory)\n", dir, strerror(errno));
		return 1;
	}
	hv_calibrate();

	printf("ringos I/O benchmark, %s mode, in %s: a file of %u KiB (%u KiB writes and reads),\n"
	       "# %u random %u KiB reads, %u small files, a tree of %u+%u directories and %u files;\n"
	       "# each phase repeated until %.0f ms timed (at most %d rounds)\n",
	       m->name, dir, m->file_kb, BLOCK / 1024, m->rand_reads, RBLOCK / 1024, m->nfiles,
	       m->fanout, m->fanout * m->fanout, m->fanout * m->fanout * m->fanout,
	       (double)min_ns / 1e6, m->max_rounds);
	printf("BENCHIO-MODE %s\n", m->name);
	printf("BENCHIO-CLOCK %llu ns (the least step of CLOCK_MONOTONIC seen)\n", (unsigned long long)clock_res);
	print_fs();
	printf("BENCHIO-LIST seq_write seq_read rand_read create stat unlink list\n");
	if (hv_cost.n)
		printf("# %s: a read before and after costs %llu entries (taken off)\n", HV_PATH,
		       find(&hv_cost, "entries") ? *find(&hv_cost, "entries") : 0);
	else
		printf("# no %s (natively): hypervisor entries not counted\n", HV_PATH);
	printf("# BENCHIO <phase> <ns/op> <hv entries/op> <operations> <rounds>\n");
	fflush(stdout);

	static struct phase ph[] = {
		{ .name = "seq_write", .what = "64 KiB write() to a new file (fsync at the end)" },
		{ .name = "seq_read", .what = "64 KiB read() of it, in order" },
		{ .name = "rand_read", .what = "4 KiB pread() at a random 4 KiB-aligned offset" },
		{ .name = "create", .what = "open(O_CREAT|O_EXCL), write 256 bytes, close" },
		{ .name = "stat", .what = "stat() of a small file" },
		{ .name = "unlink", .what = "unlink() of a small file" },
		{ .name = "list", .what = "one entry of a recursive listing: readdir and lstat" },
	};
	int failed = 0;
	/* A phase that fails leaves the ones that need its result failed too. */
	int wrote = !do_seq_write(&ph[0]);
	failed += report(&ph[0]) != 0;
	if (wrote) {
		do_seq_read(&ph[1]);    /* a failure is in failure[]: report says it */
		failed += report(&ph[1]) != 0;
		do_rand_read(&ph[2]);
		failed += report(&ph[2]) != 0;
	} else {
		fail("no file: seq_write failed");
		failed += report(&ph[1]) != 0;
		fail("no file: seq_write failed");
		failed += report(&ph[2]) != 0;
	}
	if (do_small(&ph[3], &ph[4], &ph[5])) {
		char why[sizeof(failure)];
		snprintf(why, sizeof(why), "%s", failure);
		for (int i = 3; i < 6; i++) {
			fail("%s", why);
			failed += report(&ph[i]) != 0;
		}
	} else {
		for (int i = 3; i < 6; i++)
			failed += report(&ph[i]) != 0;
	}
	do_list(&ph[6]);
	failed += report(&ph[6]) != 0;

	/* The disk is left with the file and the tree (the host's e2fsck
	 * checks them); sync so that nothing waits for the unmount. */
	sync();
	printf("# all phases took %.1f s\n", (double)(now_ns() - start) / 1e9);
	printf("TEST RESULT: %s (%d of 7 phases failed)\n", failed ? "FAILURE" : "SUCCESS", failed);
	fflush(stdout);
	return failed != 0;
}
