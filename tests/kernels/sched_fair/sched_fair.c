/*
 * Scheduler fairness, measured by the hypervisor's own CPU accounting. The
 * domains come from the modules (tests.cfg); the command line picks the case:
 *   fair=equal     two spinners, equal weights: within 10% of each other
 *   fair=weighted  weights 256 and 512: about 1:2 (within 15%)
 *   fair=starve    a spinner with events masked beside the checksum
 *                  bystander: the bystander still finishes, and correctly
 *   fair=hostile   a spinner (b) beside a hostile domain (a: ballooning 64
 *                  MiB out and in, or pinning and unpinning a PDPT over
 *                  786,432 entries, for ever): within 10%, as equal, and
 *                  a never holds the CPU more than 3 times as long as b;
 *                  then a is destroyed in the middle of a continued call
 *                  (tables half validated or half released, if it has
 *                  any) and no frame of it is left behind
 * The spinners never enable events and never make a hypercall: only the
 * timer interrupt takes the CPU from them.
 */
#include "testlib.h"
#include "frames_audit.h"
#include "cmdline.h"
#include "domain.h"
#include "errno.h"
#include "frame.h"
#include "panic.h"
#include "printk.h"
#include "pv.h"
#include "sched.h"
#include "string.h"
#include "time.h"

static char mode[16];

static int set_mode(const char *v)
{
	return parse_string(v, mode, sizeof(mode));
}
CMDLINE_OPTION(fair, "fair", set_mode, "equal, weighted, starve or hostile",
	       "which fairness case");

static struct domain *by_name(const char *name)
{
	for (unsigned i = 0; i < MAX_DOMAINS; i++)
		if (domains[i] && !strcmp(domains[i]->name, name))
			return domains[i];
	return NULL;
}

/* Percent of a relative to b, rounded. */
static unsigned pct(uint64_t a, uint64_t b)
{
	return b ? (unsigned)((a * 100 + b / 2) / b) : 0;
}

static void run_for(uint64_t ns)
{
	sched_run_until(time_now_ns() + ns);
}

/* Tables of d's half validated (PARTIAL) or half released. */
static unsigned half_done(const struct domain *d, uint8_t flag)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < pv_mm.nframes; i++)
		n += pv_mm.frames[i].owner == d->id && (pv_mm.frames[i].flags & flag);
	return n;
}

/* Destroy a while it is inside a continued call, with tables half done if
 * it makes any: every frame comes back clean (as in domain_leak). */
static void teardown_midway(struct domain *a)
{
	uint32_t id = a->id;
	unsigned partial = 0, releasing = 0;
	uint64_t start = time_now_ns();
	do {
		run_for(1000000ull);
		if (!a->pv->vcpu.cont.active)
			continue;
		partial = half_done(a, PGF_PARTIAL);
		releasing = half_done(a, PGF_DEVALIDATING);
	} while (!releasing && time_now_ns() - start < 1000000000ull);  /* the harder case */
	printk("destroying a inside a call: %u tables half validated, %u half released\n",
	       partial, releasing);
	pfn_t free0 = hv_frames.nfree;
	uint32_t pages = a->nr_pages;
	domain_shutdown(a, RV_SHUTDOWN_crash, 0);
	struct frames_audit fa = frames_audit((uint16_t)id);
	test_check(fa.stale == 0 && fa.owned == 0 && hv_frames.nfree >= free0 + pages,
		   "its frames came back clean (%u stale, %u still its, %u of %u freed)", fa.stale,
		   fa.owned, hv_frames.nfree - free0, pages);
}

void test_main(void)
{
	if (domains_boot(&boot_info) < 2)
		test_error("expected two domains from the modules");

	bool hostile = !strcmp(mode, "hostile");
	if (!strcmp(mode, "equal") || !strcmp(mode, "weighted") || hostile) {
		struct domain *a = by_name("a"), *b = by_name("b");
		if (!a || !b)
			test_error("domains a and b missing");
		run_for(300000000ull);          /* warm up, then measure a clean window */
		uint64_t a0 = a->runtime_ns, b0 = b->runtime_ns;
		run_for(2000000000ull);
		uint64_t ra = a->runtime_ns - a0, rb = b->runtime_ns - b0;
		bool weighted = !strcmp(mode, "weighted");
		unsigned want = weighted ? 200 : 100, tol = weighted ? 15 : 10;
		unsigned got = pct(rb, ra);
		printk("fairness: a %llu ms (weight %u), b %llu ms (weight %u): b/a = %u%%\n",
		       (unsigned long long)(ra / 1000000), a->weight, (unsigned long long)(rb / 1000000),
		       b->weight, got);
		test_check(ra > 500000000ull && rb > 500000000ull, "both ran (%llu and %llu ms)",
			   (unsigned long long)(ra / 1000000), (unsigned long long)(rb / 1000000));
		test_check(got >= want - want * tol / 100 && got <= want + want * tol / 100,
			   "b/a CPU time %u%% (expected %u%% +- %u%%)", got, want, tol);
		test_check(a->state == DOM_RUNNABLE && b->state == DOM_RUNNABLE, "both still running");
		/* The share evens out over seconds even when one call holds the
		 * CPU for many slices (the scheduler lets the other catch up);
		 * what a neighbour feels is the longest hold. The spinner's own
		 * longest run (a slice, up to the tick that ends it) is the yard
		 * stick, from the same run. */
		uint64_t la = a->stats.longest_run_ns, lb = MAX(b->stats.longest_run_ns, sched_slice_ns);
		printk("longest runs: a %llu us, b %llu us (slice %llu us)\n",
		       (unsigned long long)(la / 1000), (unsigned long long)(b->stats.longest_run_ns / 1000),
		       (unsigned long long)(sched_slice_ns / 1000));
		if (hostile)
			test_check(la <= 3 * lb, "a held the CPU at most %llu us at a time (3 x %llu us)",
				   (unsigned long long)(la / 1000), (unsigned long long)(lb / 1000));
		if (hostile)
			teardown_midway(a);
	} else if (!strcmp(mode, "starve")) {
		struct domain *s = by_name("spinner");
		if (!s || !by_name("bystander"))
			test_error("domains spinner and bystander missing");
		uint64_t start = time_now_ns();
		while (by_name("bystander") && time_now_ns() - start < 30000000000ull)
			run_for(100000000ull);
		test_check(by_name("bystander") == NULL, "the bystander finished within 30 s beside a "
			   "spinner that masks events");
		test_check(domains_exit_status() == HV_EXIT_SUCCESS, "and reported success (status %#x)",
			   domains_exit_status());
		test_check(s->state == DOM_RUNNABLE && s->runtime_ns > 0,
			   "the spinner ran too (%llu ms)", (unsigned long long)(s->runtime_ns / 1000000));
	} else {
		test_error("unknown fair= mode '%s'", mode);
	}
	test_finish();
}
