/*
 * vCPU one-shot timers, whatever the technique: a domain sets a deadline
 * (system time, ns); the timer tick, or the local APIC's one-shot armed for
 * the earliest deadline, finds the domains whose deadline has passed and
 * tells their technique (mode_ops.timer_due), which turns it
 * into whatever the guest expects (a pv timer event, an emulated PIT
 * interrupt).
 */
#include "vtimer.h"
#include "domain.h"
#include "mode.h"
#include "time.h"
#include "apic_timer.h"

/* The earliest deadline any vCPU timer may have (or later): the tick looks
 * at the domains only once it has passed. */
static uint64_t next_deadline = UINT64_MAX;
/* Deadlines set while vtimers_fire scans (by a technique's timer_due):
 * the scan may have passed their domain already. */
static bool firing;
static uint64_t set_while_firing = UINT64_MAX;

void vtimers_fire(uint64_t now)
{
	if (now < next_deadline)
		return;
	uint64_t next = UINT64_MAX;
	firing = true;
	set_while_firing = UINT64_MAX;
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
	firing = false;
	next_deadline = MIN(next, set_while_firing);
	/* The local APIC's one-shot brings the next one on time, not at the
	 * next tick (apic_timer.c; a no-op without one). */
	if (next_deadline != UINT64_MAX)
		apic_timer_arm(next_deadline);
}

void vtimer_set(struct domain *d, uint64_t deadline)
{
	d->vcpu.timer_deadline = deadline;
	if (firing && deadline)
		set_while_firing = MIN(set_while_firing, deadline);
	if (deadline && deadline < next_deadline) {
		next_deadline = deadline;
		apic_timer_arm(deadline);
	}
	if (deadline && deadline <= time_now_ns()) {
		d->vcpu.timer_deadline = 0;
		d->ops->timer_due(d);
	}
}
