/*
 * The raw-ring frontend the hostile and test guests share (chanfront,
 * blkhostile, fwdhostile): device slot 0 as Domain 0's toolstack wrote it,
 * a ring page of this domain granted under the slot's ring_ref, the event
 * channel bound to the backend's port, and a wait for the next response.
 * What goes on the ring (and what is checked) stays with each guest.
 */
#ifndef GUEST_RAWFRONT_H
#define GUEST_RAWFRONT_H

#include "guest.h"
#include <public/io/channel.h>

struct rawfront {
	struct rv_chan_front f;         /* the ring, this side */
	const struct rv_device *dev;    /* device slot 0 */
	uint32_t port;                  /* our end of the bound channel */
	volatile uint32_t events;       /* events seen on port */
	uint32_t ring_mfn;
};

extern struct rawfront rf;

/* A free page of this domain, zeroed; its machine frame in *mfn. */
void *rf_own_page(uint32_t *mfn);
/* Device slot 0 must hold a device of type (else test_error("%s
 * (revision ...)", missing)); takes a page for the ring, initialises it
 * and rf.f, and sets the grant table up. The shared ring is returned. */
struct rv_chan_sring *rf_open(uint32_t type, const char *missing);
/* Grants the ring page to the backend under dev->ring_ref. */
void rf_grant_ring(bool readonly);
/* Binds to the backend's port, enables events and sends the first one. */
void rf_connect(void);
void rf_notify(void);
/* Pushes the requests made so far; an event if the backend wants one. */
void rf_push(void);
/* The next response into *r, waiting up to 20 s: false when none came.
 * A response producer index that lies is test_error(lies). */
bool rf_response(void *r, const char *lies);
/* Waits up to 20 s for the backend to unmap the ring (the grant's in-use
 * mark goes): whether it did. */
bool rf_let_go(void);

#endif
