/*
 * Domain lifecycle: ids, shutdown, crash, destroy, and the statistics each
 * domain leaves behind.
 */
#include "domain.h"
#include "console.h"
#include "dispatch.h"
#include "errno.h"
#include "events.h"
#include "exit.h"
#include "format.h"
#include "frame.h"
#include "mm.h"
#include "panic.h"
#include "printk.h"
#include "mode.h"
#include "sched.h"
#include "ioports.h"
#include "string.h"
#include "x86.h"

struct domain *domains[MAX_DOMAINS];
struct domain *current;

/* The worst exit status among stopped domains (domains_exit_status). */
uint32_t domains_worst_exit;

/* Whole frames per domain structure (contiguous, one allocation). */
#define DOMAIN_FRAMES ((sizeof(struct domain) + PAGE_SIZE - 1) / PAGE_SIZE)

/* Ids are handed out in rotation, so a dead domain's id is not reused at
 * once: anything still naming it (a log line, a peer's memory of it) does
 * not silently mean a newcomer. */
static uint32_t next_id = 1;

struct domain *domain_alloc(const char *name)
{
	for (uint32_t n = 1; n < MAX_DOMAINS; n++) {
		uint32_t id = next_id;
		next_id = next_id + 1 < MAX_DOMAINS ? next_id + 1 : 1;
		if (domains[id])
			continue;
		paddr_t pa;
		if (alloc_frames_contig(DOMAIN_FRAMES, &pa))
			return NULL;
		struct domain *d = phys_to_virt(pa);
		d->id = id;
		d->weight = 256;
		runq_node_init(&d->rq_node);
		d->state = DOM_SHUTDOWN;        /* not runnable until built */
		/* Its console history, for Domain 0's `vm console`: only when
		 * there is a Domain 0 to read it (RV_CONSOLE_HISTORY bytes). */
		if (domain_privileged() && !alloc_frames_contig(CON_HIST_FRAMES, &pa))
			d->con_hist = phys_to_virt(pa);
		if (name && name[0])
			snprintf(d->name, sizeof(d->name), "%s", name);
		else
			snprintf(d->name, sizeof(d->name), "dom%u", id);
		domains[id] = d;
		return d;
	}
	return NULL;
}


static const char *reason_name(uint32_t r)
{
	switch (r) {
	case RV_SHUTDOWN_poweroff: return "poweroff";
	case RV_SHUTDOWN_reboot: return "reboot";
	case RV_SHUTDOWN_crash: return "crash";
	case SHUTDOWN_DESTROYED: return "destroyed by Domain 0";
	default: return "unknown";
	}
}

/*
 * A domain stops: it never runs again. Its memory and page tables stay until
 * domain_destroy(), which happens at once unless it is the running domain:
 * then the scheduler destroys it after switching away, so nothing on the way
 * out of this trap ever touches freed frames.
 */
static void stop(struct domain *d)
{
	sched_stopped(d);
	if (d->privileged) {
		/* Nobody is left to unpause what Domain 0 paused: let it go, unless
		 * what Domain 0 was doing to it cannot be left half done. */
		for (uint32_t id = 1; id < MAX_DOMAINS; id++) {
			struct domain *o = domains[id];
			if (!o || o == d || !domain_alive(o))
				continue;
			if (o->ops && o->ops->dom0_stopped && o->ops->dom0_stopped(o))
				continue;
			if (!o->pause_count)
				continue;
			printk(LOG_NOTICE "domain %u (%s): unpaused: Domain 0 stopped\n", o->id, o->name);
			o->pause_count = 1;
			sched_unpause(o);
		}
	}
	if (d->ops->stopped)
		d->ops->stopped(d);
	console_domain_flush(d);
	domain_dump_stats(d);
	evtchn_close_all(d);
	need_resched = true;
	if (d != current)
		domain_destroy(d);
}

bool domain_alive(const struct domain *d)
{
	return d && (d->state == DOM_RUNNABLE || d->state == DOM_BLOCKED);
}

void domain_shutdown(struct domain *d, uint32_t reason, uint32_t code)
{
	if (d->state == DOM_SHUTDOWN || d->state == DOM_CRASHED)
		return;
	d->state = reason == RV_SHUTDOWN_crash ? DOM_CRASHED : DOM_SHUTDOWN;
	d->shutdown_reason = reason;
	d->exit_code = code;
	printk(LOG_NOTICE "domain %u (%s): shut down: %s, exit code %u\n", d->id, d->name,
	       reason_name(reason), code);
	stop(d);
}

void domain_crash(struct domain *d, const struct trap_frame *f, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (d->state == DOM_SHUTDOWN || d->state == DOM_CRASHED)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	d->state = DOM_CRASHED;
	d->shutdown_reason = RV_SHUTDOWN_crash;
	printk(LOG_ERR "domain %u (%s) crashed: %s\n", d->id, d->name, why);
	if (f)
		trap_report(f, read_cr2());
	stop(d);
}

void domain_pause(struct domain *d)
{
	sched_pause(d);
}

int domain_unpause(struct domain *d)
{
	if (!d->pause_count)
		return -EALREADY;
	sched_unpause(d);
	return 0;
}

void domain_kill(struct domain *d)
{
	domain_shutdown(d, SHUTDOWN_DESTROYED, 0);
}

/* Domain 0, from its build to its destruction. */
static struct domain *dom0;

struct domain *domain_privileged(void)
{
	return dom0 && domain_alive(dom0) ? dom0 : NULL;
}

struct domain *domain_by_name(const char *name)
{
	for (uint32_t id = 1; id < MAX_DOMAINS; id++)
		if (domains[id] && !strcmp(domains[id]->name, name))
			return domains[id];
	return NULL;
}

/* How bad an exit status is: success < skip < failure < error < crash. */
static unsigned severity(uint32_t status)
{
	switch (status) {
	case HV_EXIT_SUCCESS: return 0;
	case HV_EXIT_SKIP: return 1;
	case HV_EXIT_FAILURE: return 2;
	case HV_EXIT_ERROR: return 3;
	default: return 4;
	}
}

void domain_destroy(struct domain *d)
{
	/* A test guest powers off with its result as exit code (docs/testing.md). */
	/* One Domain 0 destroyed ended as it was meant to. */
	uint32_t status = d->state == DOM_CRASHED ? HV_EXIT_DOMAIN_CRASH :
			  d->shutdown_reason == SHUTDOWN_DESTROYED ? HV_EXIT_SUCCESS :
			  d->shutdown_reason != RV_SHUTDOWN_poweroff ? HV_EXIT_ERROR :
			  d->exit_code <= HV_EXIT_SKIP ? d->exit_code : HV_EXIT_FAILURE;
	if (severity(status) > severity(domains_worst_exit))
		domains_worst_exit = status;
	domains[d->id] = NULL;
	ioports_forget(d);
	if (d == dom0)
		dom0 = NULL;
	if (d->ops)
		d->ops->teardown(d);
	if (d->vdevs) {
		vdev_clear(d->vdevs);
		free_frame(virt_to_phys(d->vdevs));
	}
	for (unsigned i = 0; d->con_hist && i < CON_HIST_FRAMES; i++)
		free_frame(virt_to_phys(d->con_hist) + i * PAGE_SIZE);
	for (unsigned i = 0; i < DOMAIN_FRAMES; i++)
		free_frame((paddr_t)(uintptr_t)d + i * PAGE_SIZE);
}

int domain_build(struct domain *d, const struct domain_config *cfg, const void *kernel,
		 size_t kernel_size, const void *initrd, size_t initrd_size, char *err, size_t errlen)
{
	d->ops = mode_find(cfg->mode);
	if (!d->ops) {
		snprintf(err, errlen, "mode %s is not available in this build", dom_mode_name(cfg->mode));
		return -ENOSYS;
	}
	d->mode = cfg->mode;
	d->privileged = cfg->privileged;
	if (d->privileged)
		dom0 = d;
	int rc = d->ops->build(d, cfg, kernel, kernel_size, initrd, initrd_size, err, errlen);
	if (!rc && d->privileged)
		ioports_give_devices(d);
	return rc;
}

uint32_t domains_exit_status(void)
{
	return domains_worst_exit;
}

void domain_dump_stats(const struct domain *d)
{
	const struct domain_stats *s = &d->stats;

	printk("domain %u (%s): %s%s%s, weight %u, %u pages, cpu %llu.%03llu ms, scheduled %llu times, "
	       "longest run %llu.%03llu ms\n",
	       d->id, d->name,
	       d->state == DOM_RUNNABLE ? "runnable" : d->state == DOM_BLOCKED ? "blocked" :
	       d->state == DOM_SHUTDOWN ? "shut down" : "crashed",
	       d->pause_count ? ", paused" : "", d->privileged ? ", Domain 0" : "", d->weight, d->nr_pages, (unsigned long long)(d->runtime_ns / 1000000),
	       (unsigned long long)(d->runtime_ns / 1000 % 1000),
	       (unsigned long long)s->switches_in, (unsigned long long)(s->longest_run_ns / 1000000),
	       (unsigned long long)(s->longest_run_ns / 1000 % 1000));
	exit_table_dump(d);
	if (s->events_delivered)
		printk("    %-40s %12llu\n", "(event upcalls delivered)", (unsigned long long)s->events_delivered);
	if (s->console_bytes)
		printk("  console: %llu bytes emitted, %llu writes waited for the line\n",
		       (unsigned long long)s->console_bytes, (unsigned long long)s->console_waits);
	if (s->domctl_refused)
		printk("    %-40s %12llu\n", "(domctl refused: not Domain 0)",
		       (unsigned long long)s->domctl_refused);
	if (d->ops && d->ops->dump)
		d->ops->dump(d);
}

void domains_dump(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_DOMAINS; i++) {
		if (domains[i]) {
			domain_dump_stats(domains[i]);
			n++;
		}
	}
	if (!n)
		printk("no domains\n");
}
