/*
 * Events: a one-shot timer's upcall arrives no earlier than asked; block
 * sleeps until it; while the virtual interrupt flag is off nothing is
 * delivered, and what is pending arrives as soon as it is turned back on;
 * block with an event pending returns at once; a cancelled timer is silent.
 */
#include "guest.h"

static volatile uint32_t upcalls, timer_events, other_events;
static volatile uint64_t upcall_time;
static volatile uint32_t mask_in_handler;

static void on_event(unsigned port)
{
	upcalls++;
	upcall_time = guest_time_ns();
	mask_in_handler = shared_info->vcpu.evtchn_upcall_mask;
	if (port == start_info->timer_port)
		timer_events++;
	else
		other_events++;
}

void guest_main(void)
{
	if (guest_events_init(on_event))
		test_error("set_callbacks failed");

	/* 1. A timer 20 ms ahead, waited for with block. */
	uint64_t t0 = guest_time_ns(), deadline = t0 + 20000000ull;
	hv_set_timer(deadline);
	while (!timer_events)
		hv_block();             /* unmasks events and sleeps */
	test_check(timer_events == 1 && upcall_time >= deadline,
		   "timer upcall after %llu us (asked 20000 us)",
		   (unsigned long long)((upcall_time - t0) / 1000));
	test_check(mask_in_handler == 1, "events are masked inside the callback");
	test_check(shared_info->vcpu.evtchn_upcall_mask == 0, "and unmasked after it");

	/* 2. Masked: the timer fires but nothing is delivered until unmask. */
	events_disable();
	uint32_t before = upcalls;
	deadline = guest_time_ns() + 5000000ull;
	hv_set_timer(deadline);
	while (guest_time_ns() < deadline + 20000000ull)
		hv_version(RV_VERSION_version); /* hypercalls: chances to deliver */
	test_check(upcalls == before, "no upcall while events are masked (%u)", upcalls - before);
	test_check(shared_info->vcpu.evtchn_upcall_pending == 1 &&
		   (shared_info->evtchn_pending[0] & (1u << start_info->timer_port)),
		   "the timer event is pending");
	events_enable();
	test_check(upcalls == before + 1 && timer_events == 2,
		   "delivered as soon as events are enabled (%u)", upcalls - before);

	/* 3. Block with an event already pending returns at once. */
	events_disable();
	hv_set_timer(guest_time_ns());          /* already due: pending now */
	uint64_t b0 = guest_time_ns();
	hv_block();
	test_check(timer_events == 3, "block with a pending event returns and delivers it");
	test_check(guest_time_ns() - b0 < 1000000000ull, "without sleeping");

	/* 4. A cancelled timer never fires. */
	hv_set_timer(guest_time_ns() + 5000000ull);
	hv_set_timer(0);
	uint64_t until = guest_time_ns() + 30000000ull;
	while (guest_time_ns() < until)
		hv_yield();
	test_check(timer_events == 3 && other_events == 0, "a cancelled timer stays silent");
}
