/*
 * lib/chan_front.c: the frontend's call table over a channel ring, against
 * a backend modelled with io/ring.h's back functions on the same page.
 * Ids are set and echoed, a full ring refuses a 17th call, responses in
 * any order reach their own callers, an abandoned call's late response is
 * dropped (but a stale generation's is not taken for the new call), and a
 * backend that lies about rsp_prod, answers an unknown id or answers twice
 * kills the channel for good.
 */
#include "unit.h"

#include <string.h>

#include "chan_front.h"

static _Alignas(4096) uint8_t page[RV_RING_PAGE_SIZE];
static struct chan_front c;
static struct rv_chan_back b;

static void fresh(void)
{
	memset(page, 0, sizeof(page));
	chan_front_init(&c, (struct rv_chan_sring *)page);
	assert_int_equal(rv_chan_back_init(&b, (struct rv_chan_sring *)page), 0);
}

/* A request whose bytes after the id say v. */
static int start(uint32_t v, bool *notify)
{
	struct rv_chan_slot q;
	memset(&q, 0xee, sizeof(q));            /* the id bytes too: rvio sets them */
	memcpy(q.b + 4, &v, 4);
	return chan_front_start(&c, &q, notify);
}

/* The backend takes the next request: its id and value. */
static void take(uint32_t *id, uint32_t *v)
{
	struct rv_chan_slot q;
	assert_true(rv_chan_unconsumed_requests(&b) > 0);
	rv_chan_read_request(&b, &q);
	memcpy(id, q.b, 4);
	memcpy(v, q.b + 4, 4);
}

static void answer(uint32_t id, uint32_t v)
{
	struct rv_chan_slot *r = rv_chan_next_response(&b);
	memset(r, 0, sizeof(*r));
	memcpy(r->b, &id, 4);
	memcpy(r->b + 4, &v, 4);
	(void)rv_chan_push_responses(&b);
}

static uint32_t result(int slot)
{
	struct rv_chan_slot r;
	uint32_t v;
	assert_int_equal(c.call[slot].state, CHAN_CALL_DONE);
	chan_front_finish(&c, slot, &r);
	assert_int_equal(c.call[slot].state, CHAN_CALL_FREE);
	memcpy(&v, r.b + 4, 4);
	return v;
}

static void test_round_trip(void **state)
{
	bool notify;
	uint32_t id, v;
	fresh();
	int s = start(42, &notify);
	assert_true(s >= 0 && s < CHAN_CALLS);
	assert_true(notify);                    /* the backend asked for the first request */
	take(&id, &v);
	assert_int_equal(v, 42);
	assert_int_equal(id, c.call[s].id);
	assert_int_equal(chan_front_collect(&c), 0);
	answer(id, 43);
	assert_int_equal(chan_front_collect(&c), 1);
	assert_int_equal(result(s), 43);
	assert_int_equal(c.dead, CHAN_ALIVE);
	/* Two calls never share an id, even in the same slot. */
	uint32_t first = id;
	int s2 = start(1, &notify);
	take(&id, &v);
	assert_int_equal(s2, s);
	assert_int_not_equal(id, first);
	assert_int_equal(id % CHAN_CALLS, (uint32_t)s);
}

static void test_full_and_out_of_order(void **state)
{
	bool notify;
	int slot[CHAN_CALLS];
	uint32_t id[CHAN_CALLS], v;
	fresh();
	for (uint32_t i = 0; i < CHAN_CALLS; i++)
		assert_true((slot[i] = start(100 + i, &notify)) >= 0);
	assert_false(chan_front_can_start(&c));
	assert_int_equal(start(999, &notify), -1);
	for (uint32_t i = 0; i < CHAN_CALLS; i++) {
		take(&id[i], &v);
		assert_int_equal(v, 100 + i);
	}
	/* Answer in reverse, the value telling which request it answers. */
	for (int i = CHAN_CALLS - 1; i >= 8; i--)
		answer(id[i], 1000 + (uint32_t)i);
	assert_int_equal(chan_front_collect(&c), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(c.call[slot[i]].state, CHAN_CALL_WAITING);
	for (int i = CHAN_CALLS - 1; i >= 8; i--)
		assert_int_equal(result(slot[i]), 1000 + (uint32_t)i);
	assert_true(chan_front_can_start(&c));
	for (int i = 7; i >= 0; i--)
		answer(id[i], 1000 + (uint32_t)i);
	assert_int_equal(chan_front_collect(&c), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(result(slot[i]), 1000 + (uint32_t)i);
	assert_int_equal(c.dead, CHAN_ALIVE);
}

static void test_abandon(void **state)
{
	bool notify;
	uint32_t id, old, v;
	fresh();
	int s = start(7, &notify);
	take(&old, &v);
	chan_front_abandon(&c, s);
	assert_int_equal(c.call[s].state, CHAN_CALL_ABANDONED);
	assert_false(chan_front_can_start(&c) && c.call[s].state == CHAN_CALL_FREE);
	answer(old, 8);                         /* late: dropped, the slot freed */
	assert_int_equal(chan_front_collect(&c), 0);
	assert_int_equal(c.call[s].state, CHAN_CALL_FREE);
	assert_int_equal(c.dead, CHAN_ALIVE);
	/* The slot again: the old id is a stale generation, not this call. */
	int s2 = start(9, &notify);
	assert_int_equal(s2, s);
	take(&id, &v);
	assert_int_not_equal(id, old);
	answer(old, 10);
	assert_int_equal(chan_front_collect(&c), -1);
	assert_int_equal(c.dead, CHAN_DEAD_UNKNOWN_ID);
	assert_int_equal(c.bad_value, old);
}

static void test_unknown_and_double(void **state)
{
	bool notify;
	uint32_t id, v;
	fresh();
	start(1, &notify);
	take(&id, &v);
	answer(0x12345678, 0);
	assert_int_equal(chan_front_collect(&c), -1);
	assert_int_equal(c.dead, CHAN_DEAD_UNKNOWN_ID);
	assert_int_equal(c.bad_value, 0x12345678);
	/* Dead for good: no more calls, no more collecting. */
	assert_int_equal(start(2, &notify), -2);
	answer(id, 0);
	assert_int_equal(chan_front_collect(&c), -1);

	fresh();
	int s = start(1, &notify);
	take(&id, &v);
	start(2, &notify);                      /* a second request outstanding */
	answer(id, 5);
	answer(id, 6);                          /* the same id twice */
	assert_int_equal(chan_front_collect(&c), -1);
	assert_int_equal(c.dead, CHAN_DEAD_UNKNOWN_ID);
	assert_int_equal(c.call[s].state, CHAN_CALL_DONE);      /* the first answer stood */
}

static void test_lying_rsp_prod(void **state)
{
	bool notify;
	fresh();
	start(1, &notify);
	start(2, &notify);
	struct rv_chan_sring *s = (struct rv_chan_sring *)page;
	s->rsp_prod = 3;                        /* three answers to two requests */
	assert_int_equal(chan_front_collect(&c), -1);
	assert_int_equal(c.dead, CHAN_DEAD_RSP_PROD);
	assert_int_equal(c.bad_value, 3);
	assert_int_equal(c.ring.rsp_cons, 0);   /* nothing consumed */
	fresh();
	s->rsp_prod = 0xfffffff0u;              /* behind: a huge claim modulo 2^32 */
	assert_int_equal(chan_front_collect(&c), -1);
	assert_int_equal(c.dead, CHAN_DEAD_RSP_PROD);
}

/* The backend is notified only when it asked; the frontend asks for an
 * event at its next response whenever it collects. */
static void test_notify(void **state)
{
	bool notify;
	uint32_t id, v;
	fresh();
	start(1, &notify);
	assert_true(notify);
	start(2, &notify);
	assert_false(notify);                   /* the backend has not looked yet */
	take(&id, &v);
	take(&id, &v);
	assert_int_equal(rv_chan_final_check_requests(&b), 0);
	start(3, &notify);
	assert_true(notify);                    /* it waits now */
	assert_int_equal(chan_front_collect(&c), 0);
	struct rv_chan_sring *s = (struct rv_chan_sring *)page;
	assert_int_equal(s->rsp_event, c.ring.rsp_cons + 1);
}

/* Random interleavings against a model: every call gets its own answer. */
static void test_random(void **state)
{
	uint64_t rng = unit_seed("chan_front random");
	bool notify;
	uint32_t pending_id[64], pending_v[64];
	unsigned npending = 0;
	int slot_of_v[4096];
	uint32_t next_v = 0, answered = 0;
	fresh();
	for (int round = 0; round < 20000 && next_v < 4000; round++) {
		switch (unit_below(&rng, 3)) {
		case 0: {               /* the frontend starts a call */
			int s = start(next_v, &notify);
			if (s == -1) {
				assert_false(chan_front_can_start(&c));
				break;
			}
			assert_true(s >= 0);
			slot_of_v[next_v++] = s;
			break;
		}
		case 1:                 /* the backend takes requests */
			while (rv_chan_unconsumed_requests(&b) > 0 && npending < 64) {
				take(&pending_id[npending], &pending_v[npending]);
				npending++;
			}
			break;
		case 2:                 /* and answers one of them, any */
			if (npending) {
				unsigned k = (unsigned)unit_below(&rng, npending);
				answer(pending_id[k], pending_v[k] ^ 0xabcdu);
				pending_id[k] = pending_id[npending - 1];
				pending_v[k] = pending_v[--npending];
			}
			break;
		}
		if (unit_below(&rng, 2)) {
			assert_true(chan_front_collect(&c) >= 0);
			for (uint32_t v = 0; v < next_v; v++) {
				int s = slot_of_v[v];
				if (s >= 0 && c.call[s].state == CHAN_CALL_DONE) {
					uint32_t got;
					struct rv_chan_slot r;
					chan_front_finish(&c, s, &r);
					memcpy(&got, r.b + 4, 4);
					assert_int_equal(got, v ^ 0xabcdu);
					slot_of_v[v] = -1;
					answered++;
				}
			}
		}
	}
	assert_int_equal(c.dead, CHAN_ALIVE);
	assert_true(answered > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_full_and_out_of_order),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_unknown_and_double),
		cmocka_unit_test(test_lying_rsp_prod),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests_name("chan_front", tests, NULL, NULL);
}
