/*
 * The benchmarks' clock (and its step) and their count of hypervisor entries: the
 * counters /proc/hypervisor lists ("key value" lines: "entries",
 * "hypercalls", and whatever else the kernel shows, such as "exceptions"
 * or "hc_mmu_update"), read before and after a measured stretch. Shared by
 * bench.c and bench_io.c; every function static inline, so each program
 * takes only what it uses.
 */
#ifndef BENCH_HVCOUNT_H
#define BENCH_HVCOUNT_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HV_PATH         "/proc/hypervisor"

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The clock's step: the least change seen between two readings (0: the
 * clock does not move). */
static inline uint64_t measure_clock_res(void)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t a = now_ns(), b;
		long spins = 0;
		while ((b = now_ns()) == a)
			if (++spins > 50000000)
				return 0;
		if (b - a < best)
			best = b - a;
	}
	return best;
}

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
static inline unsigned long long *slot(struct counters *c, const char *key)
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

static inline const unsigned long long *find(const struct counters *c, const char *key)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->key[i], key))
			return &c->val[i];
	return NULL;
}

/* The domain's counters; c->n = 0 when there is no file. */
static inline void hv_read(struct counters *c)
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
static inline void add_delta(struct counters *sum, const struct counters *before, const struct counters *after)
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

static inline void hv_calibrate(void)
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

#endif
