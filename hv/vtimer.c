/*
 * vCPU one-shot timers, whatever the technique: a domain sets a deadline
 * (system time, ns); the timer tick finds the domains whose deadline has
 * passed and tells their technique (mode_ops.timer_due), which turns it
 * into whatever the guest expects (a pv timer event, an emulated PIT
 * interrupt).
 */
#include "vtimer.h"
#include "domain.h"
#include "mode.h"
#include "time.h"

/* The earliest deadline any vCPU timer may have (or later): the tick looks
 * at the domains only once it has passed. */
static uint64_t next_deadline = UINT64_MAX;

void vtimers_fire(uint64_t now)
{
	if (now < next_deadline)
		return;
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < MAX_DOMAINS; i++) {
		struct domain *d = domains[i];
		if (!d || !d->vcpu.timer_deadline || !domain_alive(d))
			continue;
		if (d->vcpu.timer_deadline > now) {
			next = MIN(next, d->vcpu.timer_deadline);
			continue;
		}
		d->vcpu.timer_deadline = 0;
		d->ops->timer_due(d);
	}
	next_deadline = next;
}

void vtimer_set(struct domain *d, uint64_t deadline)
{
	d->vcpu.timer_deadline = deadline;
	if (deadline && deadline < next_deadline)
		next_deadline = deadline;
	if (deadline && deadline <= time_now_ns()) {
		d->vcpu.timer_deadline = 0;
		d->ops->timer_due(d);
	}
}
