/*
 * Event channels between domains (evtchn.h): the hypercalls, and the
 * table of handlers the event upcall (arch.c) dispatches dynamic ports to.
 * The fixed ports (timer, console, control, IDE, serial) stay arch.c's own.
 */
#include "evtchn.h"
#include "arch.h"
#include "pv_guest.h"
#include "pv_io.h"
#include <public/errno.h>
#include <public/hypercall.h>
#include <public/shared_info.h>

#define FIRST_DYNAMIC   8       /* below: the hypervisor's fixed ports */

static struct {
	void (*fn)(void *arg);
	void *arg;
} handlers[RV_NR_EVENT_PORTS];

static int32_t op(uint32_t cmd, uint32_t a1, uint32_t a2)
{
	return hypercall(RV_HC_event_channel_op, cmd, a1, a2, 0, 0);
}

int32_t evtchn_alloc_unbound(uint16_t remote)
{
	return op(RV_EVTCHNOP_alloc_unbound, remote, 0);
}

int32_t evtchn_bind_interdomain(uint16_t remote, uint32_t remote_port)
{
	return op(RV_EVTCHNOP_bind_interdomain, remote, remote_port);
}

int32_t evtchn_send(uint32_t port)
{
	return op(RV_EVTCHNOP_send, port, 0);
}

int32_t evtchn_close(uint32_t port)
{
	if (port >= FIRST_DYNAMIC && port < RV_NR_EVENT_PORTS) {
		/* Events off: the upcall never finds a half-cleared entry. */
		uint32_t fl = arch_irq_save();
		handlers[port].fn = NULL;
		handlers[port].arg = NULL;
		arch_irq_restore(fl);
	}
	return op(RV_EVTCHNOP_close, port, 0);
}

int evtchn_handle(uint32_t port, void (*fn)(void *arg), void *arg)
{
	if (port < FIRST_DYNAMIC || port >= RV_NR_EVENT_PORTS || !fn)
		return -RV_EINVAL;
	if (handlers[port].fn)
		return -RV_EBUSY;
	uint32_t fl = arch_irq_save();
	handlers[port].arg = arg;
	handlers[port].fn = fn;
	arch_irq_restore(fl);
	return 0;
}

void pv_evtchn_dispatch(unsigned first, uint32_t bits)
{
	for (unsigned b = 0; bits; b++, bits >>= 1) {
		unsigned port = first + b;
		if ((bits & 1) && port >= FIRST_DYNAMIC && handlers[port].fn)
			handlers[port].fn(handlers[port].arg);
	}
}
