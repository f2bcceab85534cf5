/* Event channels (events.c): a domain's interrupts, in every mode. */
#ifndef HV_EVENTS_H
#define HV_EVENTS_H

#include "types.h"

struct domain;

/* Fixed ports (start_info.timer_port, console_port); channels between
 * domains from EVTCHN_PORT_FIRST_DYNAMIC on. */
#define EVTCHN_PORT_TIMER               1
#define EVTCHN_PORT_CONSOLE             2
#define EVTCHN_PORT_CONTROL             3       /* Domain 0 asks (start_info.control_request) */
#define EVTCHN_PORT_IDE                 4       /* Domain 0: the machine's IDE interrupt */
#define EVTCHN_PORT_SERIAL              5       /* Domain 0: the second serial port's interrupt */
#define EVTCHN_PORT_FIRST_DYNAMIC       8

/* Raise port on d: pending, and (unmasked) the upcall flag; wakes d if it
 * is blocked. */
void evtchn_raise(struct domain *d, unsigned port);
/* event_channel_op: alloc_unbound, bind_interdomain, send, close. */
int evtchn_op(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2);
/* A stopped domain's ports close; peers' ends become unbindable. */
void evtchn_close_all(struct domain *d);

#endif
