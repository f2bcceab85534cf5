/*
 * Event channels, whatever the technique: a domain's interrupts from the
 * hypervisor and from other domains. A port's bit is set in the domain's
 * shared info (evtchn_pending); unless the port is masked,
 * vcpu.evtchn_upcall_pending is set too and a blocked domain wakes. How the
 * guest then hears of it is its technique's business (pv: an upcall to its
 * event callback, hv/pv/upcall.c).
 *
 * Fixed ports: EVTCHN_PORT_TIMER (its vCPU timer expired) and
 * EVTCHN_PORT_CONSOLE (console input). Ports from EVTCHN_PORT_FIRST_DYNAMIC
 * on are channels between domains (event_channel_op), which split drivers
 * will use in every mode.
 */
#include "events.h"
#include "domain.h"
#include "errno.h"
#include "sched.h"

static bool test_bit(const uint32_t *map, unsigned bit)
{
	return map[bit / 32] & (1u << (bit % 32));
}

void evtchn_raise(struct domain *d, unsigned port)
{
	struct rv_shared_info *sh = d->shared;

	if (port >= RV_NR_EVENT_PORTS || !sh)
		return;
	/* The guest clears pending bits with locked instructions; one CPU here,
	 * so a plain read-modify-write cannot race with it. */
	sh->evtchn_pending[port / 32] |= 1u << (port % 32);
	if (!test_bit(sh->evtchn_mask, port)) {
		sh->vcpu.evtchn_upcall_pending = 1;
		if (d->state == DOM_BLOCKED)
			sched_wake(d);
	}
}

/* ---- event channels between domains ---- */

static struct evtchn *port_of(struct domain *d, uint32_t port)
{
	if (port < EVTCHN_PORT_FIRST_DYNAMIC || port >= RV_NR_EVENT_PORTS)
		return NULL;
	return &d->evtchn[port];
}

/* Ports in the UNBOUND state anywhere: when none, a dying domain need not
 * look through everyone's ports for offers made to it. */
static uint32_t unbound_ports;

static void set_port(struct evtchn *e, struct evtchn v)
{
	if (e->state == EVTCHN_UNBOUND)
		unbound_ports--;
	if (v.state == EVTCHN_UNBOUND)
		unbound_ports++;
	*e = v;
}

static int free_port(struct domain *d)
{
	for (unsigned p = EVTCHN_PORT_FIRST_DYNAMIC; p < RV_NR_EVENT_PORTS; p++)
		if (d->evtchn[p].state == EVTCHN_FREE)
			return (int)p;
	return -ENOSPC;
}

static struct domain *domain_by_id(uint32_t id)
{
	struct domain *d = id < MAX_DOMAINS ? domains[id] : NULL;
	return d && (d->state == DOM_RUNNABLE || d->state == DOM_BLOCKED) ? d : NULL;
}

int evtchn_op(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2)
{
	struct evtchn *e;
	struct domain *r;
	int p;

	switch (cmd) {
	case RV_EVTCHNOP_alloc_unbound:
		/* A port that domain a1 may later bind to. */
		if (!domain_by_id(a1))
			return -ENOENT;
		if ((p = free_port(d)) < 0)
			return p;
		set_port(&d->evtchn[p], (struct evtchn){ .state = EVTCHN_UNBOUND, .remote_dom = a1 });
		/* (a1 may be the caller itself: a loopback it then cannot bind,
		 * since binding to oneself is refused; harmless.) */
		return p;
	case RV_EVTCHNOP_bind_interdomain: {
		/* Connect to port a2 of domain a1, which must be waiting for us. */
		if (!(r = domain_by_id(a1)) || r == d)
			return r ? -EINVAL : -ENOENT;
		struct evtchn *re = port_of(r, a2);
		if (!re || re->state != EVTCHN_UNBOUND || re->remote_dom != d->id)
			return -EINVAL;
		if ((p = free_port(d)) < 0)
			return p;
		set_port(&d->evtchn[p], (struct evtchn){ .state = EVTCHN_INTERDOMAIN,
							  .remote_dom = r->id, .remote_port = (uint16_t)a2 });
		set_port(re, (struct evtchn){ .state = EVTCHN_INTERDOMAIN, .remote_dom = d->id,
					      .remote_port = (uint16_t)p });
		return p;
	}
	case RV_EVTCHNOP_send:
		if (!(e = port_of(d, a1)) || e->state == EVTCHN_FREE)
			return -EBADF;
		if (e->state != EVTCHN_INTERDOMAIN)
			return -ENOENT;         /* nobody connected yet */
		if ((r = domain_by_id(e->remote_dom)))
			evtchn_raise(r, e->remote_port);
		return 0;
	case RV_EVTCHNOP_close:
		if (!(e = port_of(d, a1)) || e->state == EVTCHN_FREE)
			return -EBADF;
		/* The peer's end goes back to waiting for us, unless we are dying:
		 * then nobody may bind it (d's id is not ours to promise). */
		if (e->state == EVTCHN_INTERDOMAIN && (r = domain_by_id(e->remote_dom))) {
			struct evtchn *re = &r->evtchn[e->remote_port];
			if (re->state == EVTCHN_INTERDOMAIN && re->remote_dom == d->id)
				set_port(re, (struct evtchn){ .state = EVTCHN_UNBOUND,
							      .remote_dom = domain_alive(d) ? d->id : DOMID_INVALID });
		}
		set_port(e, (struct evtchn){ .state = EVTCHN_FREE });
		return 0;
	default:
		return -ENOSYS;
	}
}

/* A domain going away (already marked stopped) leaves its peers' ports
 * unbound and unbindable, and withdraws the ports others offered it. */
void evtchn_close_all(struct domain *d)
{
	for (unsigned p = EVTCHN_PORT_FIRST_DYNAMIC; p < RV_NR_EVENT_PORTS; p++)
		if (d->evtchn[p].state != EVTCHN_FREE)
			evtchn_op(d, RV_EVTCHNOP_close, p, 0);
	for (unsigned i = 0; unbound_ports && i < MAX_DOMAINS; i++) {
		struct domain *o = domains[i];
		if (!o || o == d)
			continue;
		for (unsigned p = EVTCHN_PORT_FIRST_DYNAMIC; p < RV_NR_EVENT_PORTS; p++)
			if (o->evtchn[p].state == EVTCHN_UNBOUND && o->evtchn[p].remote_dom == d->id)
				o->evtchn[p].remote_dom = DOMID_INVALID;
	}
}
