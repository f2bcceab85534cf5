/*
 * The raw-ring frontend shared by test guests (rawfront.h).
 */
#include "rawfront.h"

#define TABLE_VA        0x40000000u

struct rawfront rf;

static void on_event(unsigned p)
{
	if (p == rf.port)
		rf.events++;
}

void *rf_own_page(uint32_t *mfn)
{
	uint32_t pfn = take_free_pfn();
	void *p = pfn_to_virt(pfn);
	memset(p, 0, PAGE_SIZE);
	*mfn = pfn_to_mfn(pfn);
	return p;
}

void rf_notify(void)
{
	int32_t rc = hv_evtchn_op(RV_EVTCHNOP_send, rf.port, 0);
	if (rc)
		test_error("send on port %u: %d", rf.port, rc);
}

struct rv_chan_sring *rf_open(uint32_t type, const char *missing)
{
	if (start_info->revision < ((0u << 16) | 5) || start_info->devices[0].type != type)
		test_error("%s (revision %#x)", missing, start_info->revision);
	rf.dev = &start_info->devices[0];
	struct rv_chan_sring *s = rf_own_page(&rf.ring_mfn);
	rv_chan_sring_init(s);
	rv_chan_front_init(&rf.f, s);
	int rc = guest_grant_setup(TABLE_VA);
	if (rc)
		test_error("grant table: %d", rc);
	return s;
}

void rf_grant_ring(bool readonly)
{
	const struct rv_device *dev = rf.dev;
	int32_t rc = gnt_grant_ref(&guest_gnt, dev->ring_ref, dev->backend, rf.ring_mfn, readonly);
	if (rc != (int32_t)dev->ring_ref)
		test_error("grant the ring as ref %u: %d", dev->ring_ref, rc);
}

void rf_connect(void)
{
	const struct rv_device *dev = rf.dev;
	guest_events_init(on_event);
	int32_t p = hv_evtchn_op(RV_EVTCHNOP_bind_interdomain, dev->backend, dev->port);
	if (p < 0)
		test_error("bind port %u of domain %u: %d", dev->port, dev->backend, p);
	rf.port = (uint32_t)p;
	events_enable();
	rf_notify();
}

void rf_push(void)
{
	if (rv_chan_push_requests(&rf.f))
		rf_notify();
}

bool rf_response(void *r, const char *lies)
{
	uint64_t until = guest_time_ns() + 20000000000ull;
	for (;;) {
		uint32_t seen = rf.events;
		int32_t n = rv_chan_final_check_responses(&rf.f);
		if (n < 0)
			test_error("%s", lies);
		if (n > 0) {
			rv_chan_read_response(&rf.f, (struct rv_chan_slot *)r);
			return true;
		}
		if (guest_time_ns() > until)
			return false;
		if (rf.events == seen) {
			hv_set_timer(guest_time_ns() + 100000000ull);
			hv_block();
		}
	}
}

bool rf_let_go(void)
{
	uint64_t until = guest_time_ns() + 20000000000ull;
	while (gnt_in_use(&guest_gnt, rf.dev->ring_ref) && guest_time_ns() < until)
		guest_let_run(20);
	return !gnt_in_use(&guest_gnt, rf.dev->ring_ref);
}
