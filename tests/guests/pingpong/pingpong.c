/*
 * Two domains bounce an event back and forth over an event channel, each
 * blocking until the other's event wakes it. Domain ids follow module
 * order: "ping" is domain 1 (it binds), "pong" domain 2 (it offers a port).
 */
#include "guest.h"

#define ROUNDS 200

static volatile uint32_t received;
static uint32_t my_port;

static void on_event(unsigned port)
{
	if (port == my_port)
		received++;
}

void guest_main(void)
{
	bool ping = !strcmp(start_info->name, "ping");
	uint32_t peer = ping ? 2 : 1;
	int32_t p;

	guest_events_init(on_event);
	if (ping) {
		/* The peer offers port 8 to us; until it has, binding fails. */
		while ((p = hv_evtchn_op(RV_EVTCHNOP_bind_interdomain, peer, 8)) == -RV_EINVAL)
			hv_yield();
	} else {
		p = hv_evtchn_op(RV_EVTCHNOP_alloc_unbound, peer, 0);
	}
	if (p < 0)
		test_error("cannot set up the channel: %d", p);
	my_port = (uint32_t)p;
	gprintf("%s: port %u\n", start_info->name, my_port);

	events_enable();
	for (uint32_t i = 0; i < ROUNDS; i++) {
		if (ping) {
			if (hv_evtchn_op(RV_EVTCHNOP_send, my_port, 0))
				test_error("send failed in round %u", i);
			while (received <= i)
				hv_block();
		} else {
			while (received <= i)
				hv_block();
			if (hv_evtchn_op(RV_EVTCHNOP_send, my_port, 0))
				test_error("send failed in round %u", i);
		}
	}
	test_check(received == ROUNDS, "%s: %u events received over port %u", start_info->name,
		   received, my_port);
	/* Let the peer see our last event before the channel goes away. */
	for (int i = 0; i < 5; i++)
		hv_yield();
}
