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
 *
 * This file is the harness; the benchmarks themselves are in
 * guest/bench/bench/benchmarks.c.
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

#include "bench/bench.h"
#include "hvcount.h"

#define MAX_TRIALS      31
#define CONF_PATH       "/etc/bench.conf"
#define MAX_ITERS       (1L << 28)

/* From /etc/bench.conf: a trial lasts at least trial_ms and at least
 * trial_ticks steps of the clock (a coarse clock needs longer trials). */
static int short_mode;
static int trials = 7;
static long trial_ms = 200, trial_ticks = 50;
static char only[256];          /* "only a,b": run just these (for experiments) */
static uint64_t clock_res, trial_ns;
static char failure[160];       /* why the current benchmark failed */

void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
}



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
