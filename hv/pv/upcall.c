/*
 * How a pv guest hears of its events (hv/events.c raises them): while its
 * virtual interrupt flag allows (evtchn_upcall_mask == 0) the hypervisor
 * calls the guest's event callback on its kernel stack, masking events as it
 * does (like an interrupt gate). Also the time fields of its shared info,
 * and the vCPU timer hypercall.
 */
#include "pv.h"
#include "vtimer.h"
#include "domain.h"
#include "errno.h"
#include "sched.h"
#include "time.h"
#include "x86.h"


void pv_deliver_events(struct domain *d, struct trap_frame *f)
{
	if (d->state != DOM_RUNNABLE || !d->shared)
		return;
	struct rv_vcpu_info *v = &d->shared->vcpu;
	if (!v->evtchn_upcall_pending || v->evtchn_upcall_mask || !d->pv->vcpu.event_eip)
		return;
	if (d->pv->vcpu.cont.active)
		return;                 /* inside a continued hypercall: one call to the guest */
	d->stats.events_delivered++;
	if (pv_bounce(d, f, d->pv->vcpu.event_eip, false, 0, true))
		domain_crash(d, f, "fault while delivering an event: kernel stack not writable");
}

void pv_update_time(struct domain *d)
{
	struct rv_vcpu_time *t = &d->shared->vcpu.time;

	t->version++;                   /* odd: being updated */
	__asm__ volatile("" : : : "memory");
	t->tsc_timestamp = rdtsc();
	t->system_time = time_now_ns();
	t->tsc_mul = time_tsc_mul();
	__asm__ volatile("" : : : "memory");
	t->version++;
}

int pv_set_timer(struct domain *d, uint64_t deadline)
{
	vtimer_set(d, deadline);
	return 0;
}

