/*
 * Event channels between domains, ringos's side (pv port:
 * guest/arch/pv/evtchn.c; the hypercall is include/public/hypercall.h's
 * event_channel_op). A split device's two ends each hold one port of a
 * pair; a send on one raises the other. The pc port has no hypervisor:
 * every call is -ENODEV there. Errors are the hypervisor's, negated.
 */
#ifndef RINGOS_EVTCHN_H
#define RINGOS_EVTCHN_H

#include "types.h"

/* A port domain remote may bind (the backend's half): the port, or an error. */
int32_t evtchn_alloc_unbound(uint16_t remote);
/* Bind port remote_port of domain remote, offered to us: our port, or an error. */
int32_t evtchn_bind_interdomain(uint16_t remote, uint32_t remote_port);
int32_t evtchn_send(uint32_t port);
/* Close the port; its handler goes with it. */
int32_t evtchn_close(uint32_t port);

/* Call fn(arg) in interrupt context (events off, on the interrupted
 * kernel stack) whenever port fires: it may only note what happened and
 * wake_up sleepers. 0, -EINVAL for a fixed port (below 8) or one out of
 * range, -EBUSY if the port has a handler already. */
int evtchn_handle(uint32_t port, void (*fn)(void *arg), void *arg);

#endif
